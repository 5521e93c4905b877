// test/relay/slow.mjs: slow connections (slowloris) against a running
// relay; they must be closed by it, and normal requests answered
// meanwhile.
//
// usage: node slow.mjs HOST PORT CONNS TIMEOUT_S [BOUND]
//   drip (no BOUND): CONNS connections each send one byte of a request
//     every second and never finish it; the relay (--request-timeout=
//     TIMEOUT_S) must close every one of them between TIMEOUT_S - 0.5 and
//     TIMEOUT_S + 2.5 seconds after it connected, whatever the bytes,
//     while GET /queries, asked every 250 ms, is answered 200 at once.
//   bound (BOUND = the relay's --max-requests, below CONNS): the CONNS
//     connections are opened one after the other and send nothing more;
//     at least CONNS - BOUND of them (the oldest) must be closed within
//     3 s (the relay spares connections younger than 1 s, a burst), well
//     before TIMEOUT_S, and a normal request still answered.
//
// Design notes
//
// Raw sockets (node:net): a "closed" connection is one the relay ended
// (end of file or reset), with the time since it connected.  Nothing
// waits a fixed time to decide an outcome but the windows above, which
// are what is being tested.

import net from 'node:net';
import { check, sleep, waitFor } from './lib.mjs';

const [host, portS, connsS, timeoutS, boundS] = process.argv.slice(2);
const port = Number(portS);
const conns = Number(connsS);
const timeout = Number(timeoutS);
const bound = boundS === undefined ? null : Number(boundS);

function open() {
  return new Promise((resolve) => {
    const c = { closedAfter: null, t0: 0 };
    c.s = net.connect(port, host, () => {
      c.t0 = Date.now();
      resolve(c);
    });
    c.s.on('error', () => {});
    c.s.on('data', () => {});
    c.s.on('close', () => {
      if (c.closedAfter === null)
        c.closedAfter = (Date.now() - (c.t0 || Date.now())) / 1000;
    });
  });
}

async function normal() {
  const t0 = Date.now();
  try {
    const r = await fetch(`http://${host}:${port}/queries`, { signal: AbortSignal.timeout(3000) });
    await r.text();
    return { status: r.status, ms: Date.now() - t0 };
  } catch (e) {
    return { status: String(e.cause ? e.cause.code || e.cause : e), ms: Date.now() - t0 };
  }
}

const request = Buffer.from(`GET /queries HTTP/1.1\r\nHost: ${host}\r\nX-Slow: ${'a'.repeat(600)}`);
const list = [];
for (let i = 0; i < conns; i++)
  list.push(await open());

if (bound === null) {
  // One byte a second on each, and a normal request every 250 ms
  let i = 0;
  const drip = setInterval(() => {
    for (const c of list)
      if (c.closedAfter === null && i < request.length)
        c.s.write(request.subarray(i, i + 1));
    i++;
  }, 1000);
  const answers = [];
  const end = Date.now() + (timeout + 3) * 1000;
  while (Date.now() < end && list.some((c) => c.closedAfter === null)) {
    answers.push(await normal());
    await sleep(250);
  }
  clearInterval(drip);
  const times = list.map((c) => c.closedAfter);
  const open = times.filter((t) => t === null).length;
  const early = times.filter((t) => t !== null && t < timeout - 0.5).length;
  const late = times.filter((t) => t !== null && t > timeout + 2.5).length;
  check(`${conns} connections dripping a byte a second: all closed by the relay after ~${timeout} s`,
    open === 0 && early === 0 && late === 0,
    `still open ${open}, closed early ${early}, late ${late}: ${times.map((t) => t === null ? 'open' : t.toFixed(1)).join(' ')}`);
  const bad = answers.filter((a) => a.status !== 200 || a.ms > 1000);
  check(`normal requests answered 200 at once throughout (${answers.length} of them)`,
    answers.length > 0 && bad.length === 0, JSON.stringify(bad.slice(0, 5)));
} else {
  await waitFor(() => list.filter((c) => c.closedAfter !== null).length >= conns - bound, 3000, 50);
  const closed = list.filter((c) => c.closedAfter !== null);
  const oldest = list.slice(0, conns - bound).every((c) => c.closedAfter !== null);
  check(`${conns} idle connections over --max-requests=${bound}: the ${conns - bound} oldest closed within 3 s, the others kept`,
    closed.length === conns - bound && oldest,
    `${closed.length} closed; oldest all closed: ${oldest}`);
  const a = await normal();
  check('a normal request beside them is answered 200', a.status === 200, JSON.stringify(a));
}
for (const c of list)
  c.s.destroy();
