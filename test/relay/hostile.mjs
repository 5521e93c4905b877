// test/relay/hostile.mjs: hostile and excessive input against a running
// relay; it must answer sanely and stay up.
//
// usage: node hostile.mjs HOST PORT QUERY CONNS
//
// Design notes
//
// Raw sockets (node:net), not fetch, so that requests can be malformed,
// oversized or left unfinished.  A request "is answered" when the relay
// writes an HTTP status line or closes the connection; either is fine for
// junk, a 5xx or no reaction within the deadline is not.  Every phase
// ends by asking /healthz, so a crash or a blocked loop is caught at the
// phase that caused it.  CONNS streams are opened at once and must all
// get their 200 and preamble; the relay's clients gauge must then count
// them, and drop back once they are closed.

import net from 'node:net';
import { check, show, sleep, waitFor } from './lib.mjs';

const [host, portS, query, connsS] = process.argv.slice(2);
const port = Number(portS);
const conns = Number(connsS);

/** Send bytes, return {status, closed, text} after the first answer or timeout. */
function raw(bytes, timeoutMs = 5000, keepOpen = false) {
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let text = '';
    let done = false;
    const finish = (closed) => {
      if (done)
        return;
      done = true;
      clearTimeout(t);
      const m = /^HTTP\/1\.[01] ([0-9]{3})/.exec(text);
      if (!keepOpen)
        s.destroy();
      resolve({ status: m ? Number(m[1]) : null, closed, text, socket: s });
    };
    const t = setTimeout(() => finish(false), timeoutMs);
    s.on('error', () => finish(true));
    s.on('close', () => finish(true));
    s.on('data', (d) => {
      text += d.toString('latin1');
      if (/\r\n\r\n/.test(text))
        finish(false);
    });
    s.on('connect', () => s.write(bytes));
  });
}

async function healthy() {
  try {
    const r = await fetch(`http://${host}:${port}/healthz`, { signal: AbortSignal.timeout(5000) });
    return r.status;
  } catch (e) {
    return String(e.cause ? e.cause.code || e.cause : e);
  }
}

function sane(r) {
  return (r.status !== null && r.status < 500) || (r.status === null && r.closed);
}

// ---- oversized URL and header
const longUrl = await raw(`GET /queries/${query}/stream?x=${'A'.repeat(100 * 1024)} HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`);
check('100 KB URL: a 4xx or a closed connection', sane(longUrl) && longUrl.status !== 200, `status ${longUrl.status} closed ${longUrl.closed}`);
const longHdr = await raw(`GET /healthz HTTP/1.1\r\nHost: ${host}:${port}\r\nX-Junk: ${'B'.repeat(100 * 1024)}\r\n\r\n`);
check('100 KB header: a 4xx or a closed connection', sane(longHdr) && longHdr.status !== 200, `status ${longHdr.status} closed ${longHdr.closed}`);

// ---- garbage
let garbageOk = true;
let garbageWhat = '';
for (let i = 0; i < 5; i++) {
  const junk = Buffer.alloc(16384 * (i + 1));
  for (let j = 0; j < junk.length; j++)
    junk[j] = (j * 2654435761 + i * 97) >>> 24;
  const r = await raw(junk);
  if (!sane(r)) {
    garbageOk = false;
    garbageWhat = `status ${r.status} closed ${r.closed}`;
  }
}
const r0 = await raw('\r\n\r\n\x00\x01\x02 / HTTP/9.9\r\n\r\n');
const r1 = await raw('GET /healthz HTTP/1.1\r\nContent-Length: -5\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n');
check('garbage bytes: 4xx or closed, never 5xx', garbageOk && sane(r0) && sane(r1),
  `${garbageWhat} nul-line ${r0.status}/${r0.closed} bad-length ${r1.status}/${r1.closed}`);
check('relay healthy after oversized and garbage input', (await healthy()) === 200, String(await healthy()));

// ---- half requests left open while the relay keeps serving
const half = [];
for (let i = 0; i < 200; i++) {
  const s = net.connect(port, host);
  s.on('error', () => {});
  s.on('connect', () => s.write(`GET /queries/${query}/stream HTTP/1.1\r\nHost: ${host}:${port}\r\nLast-Event-ID: `));
  half.push(s);
}
await sleep(300);
const t0 = Date.now();
const hs = await healthy();
check('200 half-sent requests left open: /healthz still answers promptly', hs === 200 && Date.now() - t0 < 2000,
  `status ${hs} in ${Date.now() - t0} ms`);

// ---- invalid Last-Event-ID, as header and as parameter
const bad = ['abc', '-1', '99999999999999999999', '1-2.x', '', '1e5', ' 5', '0x10', '9223372036854775808'];
const answers = [];
let badOk = true;
for (const v of bad) {
  for (const how of ['header', 'param']) {
    const path = how === 'param' ? `/queries/${query}/stream?last_event_id=${encodeURIComponent(v)}`
      : `/queries/${query}/stream`;
    const hdr = how === 'header' ? `Last-Event-ID: ${v}\r\n` : '';
    const r = await raw(`GET ${path} HTTP/1.1\r\nHost: ${host}:${port}\r\n${hdr}\r\n`, 3000);
    answers.push(`${how}:${JSON.stringify(v)}=${r.status}`);
    // A stream (200) or a JSON 400; anything else is wrong
    if (!(r.status === 200 || r.status === 400))
      badOk = false;
  }
}
check('invalid Last-Event-ID values (header and parameter): 200 or 400 each', badOk, answers.join(' '));
process.stderr.write(`invalid Last-Event-ID answers: ${answers.join(' ')}\n`);
check('relay healthy after invalid Last-Event-IDs', (await healthy()) === 200, String(await healthy()));

// ---- many streams at once
const sockets = [];
let got200 = 0;
let gotPre = 0;
let refused = 0;
for (let i = 0; i < conns; i++) {
  const s = net.connect(port, host);
  let text = '';
  let counted = false;
  s.on('error', () => { refused++; });
  s.on('data', (d) => {
    if (counted)
      return;
    text += d.toString('latin1');
    if (text.includes('\r\n\r\n') && /^HTTP\/1\.1 200/.test(text) && text.includes(': cqstream-relay')) {
      counted = true;
      gotPre++;
    }
    if (/^HTTP\/1\.1 200/.test(text) && !s.cq200) {
      s.cq200 = true;
      got200++;
    }
  });
  s.on('connect', () => s.write(`GET /queries/${query}/stream HTTP/1.1\r\nHost: ${host}:${port}\r\n\r\n`));
  sockets.push(s);
}
await waitFor(() => gotPre + refused >= conns, 30000, 100);
check(`${conns} streams opened at once: all get 200 and the preamble`, gotPre === conns,
  `200: ${got200}, preamble: ${gotPre}, errors: ${refused}`);
const m = await fetch(`http://${host}:${port}/metrics`).then((r) => r.text()).catch((e) => String(e));
const clients = Number((/^cqstream_relay_clients ([0-9]+)/m.exec(m) || [])[1]);
check(`metrics: cqstream_relay_clients >= ${conns} while they are open`, clients >= conns, `clients ${clients}`);
for (const s of sockets)
  s.destroy();
for (const s of half)
  s.destroy();
const back = await waitFor(async () => {
  const t = await fetch(`http://${host}:${port}/metrics`).then((r) => r.text()).catch(() => '');
  const c = Number((/^cqstream_relay_clients ([0-9]+)/m.exec(t) || [])[1]);
  return c <= 5 ? { c } : null;
}, 15000, 200);
check('metrics: clients back to ~0 after they close', back !== null, 'still counted after 15 s');
check('relay healthy after the connection storm', (await healthy()) === 200, String(await healthy()));
