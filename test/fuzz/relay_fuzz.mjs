// test/fuzz/relay_fuzz.mjs: mutated HTTP requests against a running relay
// (the AddressSanitizer build), which must stay up, answer sanely, keep
// its loop responsive and its memory bounded.
//
// usage: node relay_fuzz.mjs HOST PORT PID SEED COUNT SECONDS OUTDIR QUERY...
//   COUNT requests, or until SECONDS have passed when SECONDS > 0;
//   QUERY... are existing query names (streams that really open).
//
// Design notes
//
// Requests are built from a grammar (methods, paths with %-escapes,
// query strings of query/key/last_event_id/access_token, versions, and
// headers: Host, Last-Event-ID, Authorization, Origin, Content-Length,
// Transfer-Encoding, folded, duplicated, huge or many), then a third of
// them get byte-level mutations (flips, inserts, deletes, duplicated
// ranges, NULs, bare LFs).  Each goes out one of several ways: in one
// write, in random pieces with pauses, pipelined behind others on one
// connection, cut off halfway, or followed at once by a close or a reset;
// an answered stream is read for a moment and dropped.  64 connections
// are in flight at a time.  Everything random comes from one seeded
// generator (SEED, printed), so the same requests are sent again with the
// same seed; timing, and so the interleaving, is not reproducible.
//
// Checks: the relay process is alive throughout (/proc/PID, polled), a
// /healthz probe on its own connection answers 200 within 2 s every half
// second (the loop is never blocked), no answer is a 5xx other than 501
// and 505 (evhttp's refusals of methods and versions), no answer carries
// a header a request tried to inject, the RSS sampled during the run stays
// under a bound and stops growing once warm, and afterwards the relay counts no clients, serves
// /healthz, and a normal stream gets its preamble and a live event.  The
// requests in flight when something failed are saved in OUTDIR.

import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { check, failed, sleep, waitFor } from '../relay/lib.mjs';

const [host, portS, pidS, seedS, countS, secondsS, outdir, ...queries] = process.argv.slice(2);
const port = Number(portS);
const pid = Number(pidS);
const count = Number(countS);
const seconds = Number(secondsS);
const CONCURRENCY = 64;
// Memory, in kB.  The bound over the RSS at the start holds during the
// whole run: the ASan build keeps 16 MB of freed memory in quarantine
// (ASAN_OPTIONS quarantine_size_mb=16, set by test/fuzz/fuzz.sh) besides
// its shadow and allocator caches, and each of the 64 connections may
// hold a 16 KB header buffer and a stream's output (measured: about +48 MB
// within a second, then flat).  Growth is measured from the end of the
// first quarter of the run, once those are warm: a leak of a few hundred
// bytes a request shows there.
const RSS_BOUND_KB = Number(process.env.CQ_FUZZ_RSS_BOUND_KB || 128 * 1024);
const RSS_GROWTH_KB = Number(process.env.CQ_FUZZ_RSS_GROWTH_KB || 24 * 1024);

// ---------------------------------------------------------------------
// xoshiro128** on 32-bit words: deterministic from the seed

let s0, s1, s2, s3;
function seed(n) {
  let x = (BigInt(n) ^ 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
  const next = () => {
    x = (x + 0x9e3779b97f4a7c15n) & 0xffffffffffffffffn;
    let z = x;
    z = ((z ^ (z >> 30n)) * 0xbf58476d1ce4e5b9n) & 0xffffffffffffffffn;
    z = ((z ^ (z >> 27n)) * 0x94d049bb133111ebn) & 0xffffffffffffffffn;
    return Number((z ^ (z >> 31n)) & 0xffffffffn);
  };
  [s0, s1, s2, s3] = [next(), next(), next(), next()];
}
function rnd() {
  const r = Math.imul(((s1 * 5) << 7 | (s1 * 5) >>> 25), 9) >>> 0;
  const t = s1 << 9;
  s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3; s2 ^= t;
  s3 = (s3 << 11) | (s3 >>> 21);
  return r;
}
const below = (n) => (n <= 1 ? 0 : rnd() % n);
const oneIn = (n) => below(n) === 0;
const pick = (a) => a[below(a.length)];
const len = (max) => (oneIn(4) ? below(max + 1) : below(Math.min(max, 16) + 1));

// ---------------------------------------------------------------------
// The grammar

const q0 = queries[0] || 'fz_a';
const names = [...queries, 'no_such', 'a', 'a'.repeat(47), 'a'.repeat(48), 'A', '1a', '_', 'a-b',
  'a.b', 'fz_*', '*', '**', '', '%', 'a%2Fb', '%00', 'é', 'a b', '..', 'a'.repeat(5000)];
const cursors = ['1000000000007', '1000000000001', '2000000000010', '1-1.2-1', '3-0', '2-5', '0', '-1', '1-2', '1-2.3-4', '1-2.1-3', '9223372036854775807',
  '9223372036854775808', '99999999999999999999', '1e5', ' 5', '0x10', '1-', '-1-1', '.', '..',
  '1-2.', Array.from({ length: 100 }, (_, i) => `${i + 1}-${i}`).join('.'),
  Array.from({ length: 101 }, (_, i) => `${i + 1}-${i}`).join('.'),
  Array.from({ length: 100 }, () => '9999999-999999999999').join('.'), '1'.repeat(3000)];
const escapes = ['%', '%2', '%zz', '%00', '%0d%0a', '%0D%0AX-Injected:%201', '%ff', '%c0%80', '%2F',
  '%25', '+', '%20', '%u0041', '%E2%80%A8'];

function junk(n) {
  let s = '';
  for (let i = 0; i < n; i++)
    s += String.fromCharCode(oneIn(4) ? below(256) : 32 + below(95));
  return s;
}

function value() {
  switch (below(8)) {
    case 0: return pick(names);
    case 1: return pick(cursors);
    case 2: return pick(escapes);
    case 3: return junk(len(64));
    case 4: return 'x'.repeat(pick([1024, 1025, 2100, 4096, 17000]));
    case 5: return pick(names) + pick(escapes) + pick(names);
    default: return encodeURIComponent(pick(names));
  }
}

function queryString() {
  const keys = ['query', 'key', 'last_event_id', 'access_token', 'x', 'query', 'QUERY', '', 'query[]'];
  const parts = [];
  const n = oneIn(10) ? 1 + below(120) : below(5);
  for (let i = 0; i < n; i++) {
    const k = pick(keys);
    parts.push(oneIn(8) ? k : `${k}=${value()}`);
  }
  return parts.join(pick(['&', '&', '&', '&&', ';']));
}

function target() {
  const n = pick(names);
  const q = pick(queries.length ? queries : [q0]);
  const paths = ['/', '/healthz', '/metrics', '/queries', '/queries/', `/queries/${n}`,
    `/queries/${n}/stream`, `/queries/${q}/stream`, `/queries/${q}/stream`, `/queries/${q}`,
    `/stream?query=${q}`, `/stream?query=fz_*&key=s1`, '/stream', '/stream', `/queries/${n}/stream/x`,
    '*', `http://${host}:${port}/queries/${q0}/stream`, '//', '/%2e%2e/%2e%2e/etc/passwd',
    `/queries/${pick(escapes)}/stream`, '/queries//stream', '/queries/a/b/c', '/healthz/', '',
    '/dashboard.html', `/queries/${q0}/stream#frag`, '/' + junk(len(40))];
  let t = pick(paths);
  if (!oneIn(3))
    t += (oneIn(10) ? '??' : '?') + queryString();
  return t;
}

function headers(method) {
  const h = [];
  if (!oneIn(10))
    h.push(`Host: ${oneIn(10) ? junk(len(32)) : `${host}:${port}`}`);
  if (oneIn(3))
    h.push(`Last-Event-ID: ${oneIn(5) ? junk(len(64)) : pick(cursors)}`);
  if (oneIn(5))
    h.push(`Authorization: ${pick(['Bearer ', 'Bearer x', 'bearer tok', 'Basic YTpi', '', 'Bearer ' + 'x'.repeat(9000)])}`);
  if (oneIn(4))
    h.push(`Origin: ${pick(['http://127.0.0.1', 'null', '*', 'http://a\rX-Injected: 1', 'http://' + 'o'.repeat(3000), junk(len(40))])}`);
  if (oneIn(6))
    h.push(`Connection: ${pick(['keep-alive', 'close', 'Upgrade', 'keep-alive, close', ''])}`);
  if (oneIn(20))
    h.push('Upgrade: websocket');
  if (oneIn(8))
    h.push(`Accept: ${pick(['text/event-stream', '*/*', 'application/json', junk(8)])}`);
  if (oneIn(8))
    h.push(`Cache-Control: ${pick(['no-cache', 'max-age=0'])}`);
  if (oneIn(10))
    h.push(`Content-Length: ${pick(['0', '5', '-5', '4096', '4097', '99999999999999999999', ' 5', '5, 5', 'abc'])}`);
  if (oneIn(15))
    h.push(`Transfer-Encoding: ${pick(['chunked', 'gzip, chunked', 'identity', 'chunked, chunked'])}`);
  if (oneIn(20))
    h.push('Expect: 100-continue');
  if (oneIn(15))
    h.push(`X-Folded: a\r\n ${junk(len(20))}\r\n\tb`);
  if (oneIn(15))
    h.push(`${junk(len(12))}: ${junk(len(12))}`);
  if (oneIn(20))
    h.push('No-Colon-Here');
  if (oneIn(20))
    h.push(`: empty-name`);
  if (oneIn(30))
    for (let i = 0, n = 1 + below(2000); i < n; i++)
      h.push(`X-Many-${i}: ${i}`);
  if (oneIn(40))
    h.push(`X-Huge: ${'h'.repeat(pick([8000, 16000, 16384, 17000, 65536]))}`);
  if (oneIn(10) && h.length)
    h.push(pick(h)); // a duplicate
  if (method === 'POST' && oneIn(2))
    h.push('Content-Type: application/json');
  return h;
}

function body(hdrs) {
  const te = hdrs.find((x) => /^transfer-encoding:.*chunked/i.test(x));
  if (te)
    return pick(['0\r\n\r\n', '5\r\nhello\r\n0\r\n\r\n', 'zz\r\n', 'ffffffffffffffff\r\nx', `1000\r\n${'b'.repeat(4096)}\r\n0\r\n\r\n`]);
  const cl = hdrs.find((x) => /^content-length:/i.test(x));
  if (cl || oneIn(20))
    return 'b'.repeat(pick([0, 5, 100, 4096, 5000]));
  return '';
}

/** A well-formed request for a real route, with hostile values in it. */
function wellFormed() {
  const q = pick(queries.length ? queries : [q0]);
  const routes = [`/queries/${q}/stream`, `/queries/${q}/stream`, `/stream?query=${q}`,
    `/stream?query=${q}&query=fz_*`, `/queries/${q}`, '/queries', '/metrics', '/healthz', '/'];
  let t = pick(routes);
  const params = [];
  if (oneIn(2))
    params.push(`key=${oneIn(2) ? pick(['s1', 's2', 's3']) : encodeURIComponent(junk(len(40)))}`);
  if (oneIn(2))
    params.push(`last_event_id=${encodeURIComponent(pick(cursors))}`);
  if (oneIn(6))
    params.push(`access_token=${encodeURIComponent(junk(len(20)))}`);
  if (params.length)
    t += (t.includes('?') ? '&' : '?') + params.join('&');
  let text = `GET ${t} HTTP/1.1\r\nHost: ${host}:${port}\r\n`;
  if (oneIn(2))
    text += `Last-Event-ID: ${pick(cursors)}\r\n`;
  if (oneIn(4))
    text += `Origin: ${pick(['http://127.0.0.1', 'null', junk(len(30))])}\r\n`;
  if (oneIn(6))
    text += `Authorization: Bearer ${junk(len(30))}\r\n`;
  text += '\r\n';
  const b = Buffer.from(text, 'latin1');
  return oneIn(5) ? mutateBytes(b) : b;
}

/** One request as bytes (a Buffer). */
function request() {
  if (oneIn(4))
    return wellFormed();
  const methods = ['GET', 'GET', 'GET', 'GET', 'GET', 'OPTIONS', 'POST', 'HEAD', 'PUT', 'DELETE',
    'PATCH', 'CONNECT', 'TRACE', 'get', 'GETT', '', 'G E T', 'X'.repeat(len(300))];
  const versions = ['HTTP/1.1', 'HTTP/1.1', 'HTTP/1.1', 'HTTP/1.0', 'HTTP/0.9', 'HTTP/2.0', 'HTTP/1.1x',
    'HTTP/1.10', 'http/1.1', 'HTTP/', '', 'HTTP/1.1 extra'];
  const m = pick(methods);
  const eol = oneIn(15) ? '\n' : '\r\n';
  const hdrs = headers(m);
  let text = `${m} ${target()} ${pick(versions)}${eol}`;
  if (oneIn(30))
    text = `${eol}${eol}${text}`; // blank lines before the request line
  for (const h of hdrs)
    text += h + eol;
  text += eol + body(hdrs);
  let b = Buffer.from(text, 'latin1');
  if (oneIn(3))
    b = mutateBytes(b);
  return b;
}

function mutateBytes(b) {
  const n = 1 + below(4);
  for (let i = 0; i < n; i++) {
    const pos = below(b.length + 1);
    switch (below(7)) {
      case 0:
        if (b.length)
          b[Math.min(pos, b.length - 1)] ^= 1 << below(8);
        break;
      case 1:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(junk(len(16)), 'latin1'), b.subarray(pos)]);
        break;
      case 2:
        b = Buffer.concat([b.subarray(0, pos), b.subarray(Math.min(b.length, pos + len(32)))]);
        break;
      case 3: {
        const piece = b.subarray(pos, pos + len(64));
        const reps = oneIn(8) ? below(400) : 1 + below(4);
        b = Buffer.concat([b.subarray(0, pos), ...Array(reps).fill(piece), b.subarray(pos)]);
        break;
      }
      case 4:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from([0]), b.subarray(pos)]);
        break;
      case 5:
        b = Buffer.concat([b.subarray(0, pos), Buffer.from(pick(['\r', '\n', '\r\n', '\r\n\r\n', ' ', ':', '?', '%', '/'])), b.subarray(pos)]);
        break;
      default:
        b = b.subarray(0, pos);
        break;
    }
  }
  return b;
}

// ---------------------------------------------------------------------
// Delivery

const stats = { sent: 0, answered: 0, closed: 0, silent: 0, streams: 0, byStatus: {}, modes: {} };
const recent = []; // the last requests, saved if something fails
let badAnswers = [];
let injected = [];
let seq = 0;

function remember(mode, bufs) {
  recent.push({ n: seq, mode, bufs });
  if (recent.length > 64)
    recent.shift();
}

function judge(text, mode, bufs) {
  // Every status line in the answer (pipelined requests get several)
  const re = /HTTP\/1\.[01] ([0-9]{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n/g;
  let m;
  while ((m = re.exec(text)) !== null) {
    const status = Number(m[1]);
    stats.byStatus[status] = (stats.byStatus[status] || 0) + 1;
    if (status >= 500 && status !== 501 && status !== 505 && badAnswers.length < 20)
      badAnswers.push({ status, mode, bufs, head: m[0].slice(0, 300) });
    if (/^x-injected:/im.test(m[2]) && injected.length < 20)
      injected.push({ mode, bufs, head: m[0].slice(0, 300) });
    if (status === 200 && /text\/event-stream/i.test(m[2]))
      stats.streams++;
  }
}

/** Send one connection's worth of requests; resolves when it is over. */
function connection() {
  seq++;
  const mode = pick(['whole', 'whole', 'whole', 'pieces', 'pipelined', 'cut', 'close', 'reset', 'halfclose']);
  const bufs = [request()];
  if (mode === 'pipelined')
    for (let i = 0, n = 1 + below(4); i < n; i++)
      bufs.push(request());
  const readMs = 50 + below(400);
  const pieces = [];
  if (mode === 'pieces') {
    const all = Buffer.concat(bufs);
    for (let off = 0; off < all.length;) {
      const k = 1 + below(Math.max(1, Math.min(all.length - off, oneIn(3) ? 3 : 600)));
      pieces.push(all.subarray(off, off + k));
      off += k;
    }
  }
  const cutAt = below(bufs[0].length);
  stats.sent += bufs.length;
  stats.modes[mode] = (stats.modes[mode] || 0) + 1;
  remember(mode, bufs);
  return new Promise((resolve) => {
    const s = net.connect(port, host);
    let text = '';
    let done = false;
    let timer = null;
    const finish = () => {
      if (done)
        return;
      done = true;
      clearTimeout(timer);
      clearTimeout(hard);
      if (text.length)
        stats.answered++;
      else
        stats.silent++;
      judge(text, mode, bufs);
      s.destroy();
      resolve();
    };
    // Nothing waits long: an unfinished request is dropped after 1 s (the
    // relay would close it after 15); evhttp answers a complete one at once
    const hard = setTimeout(finish, 1000);
    s.on('error', finish);
    s.on('close', () => { stats.closed++; finish(); });
    s.on('data', (d) => {
      if (text.length < 65536)
        text += d.toString('latin1');
      // An answer: read a little longer (a stream's first events), then go
      if (timer === null && /\r\n\r\n/.test(text))
        timer = setTimeout(finish, readMs);
    });
    s.on('connect', async () => {
      try {
        switch (mode) {
          case 'pieces':
            for (const p of pieces) {
              if (done)
                break;
              s.write(p);
              if (oneIn(4))
                await sleep(below(20));
            }
            break;
          case 'cut':
            s.write(bufs[0].subarray(0, cutAt));
            await sleep(below(100));
            finish();
            break;
          case 'close':
            s.write(bufs[0]);
            if (oneIn(2))
              await sleep(below(30));
            finish();
            break;
          case 'reset':
            s.write(bufs[0]);
            await sleep(below(30));
            if (!done) {
              done = true;
              clearTimeout(hard);
              stats.answered++;
              s.resetAndDestroy();
              resolve();
            }
            break;
          case 'halfclose':
            s.end(bufs[0]);
            break;
          default:
            s.write(Buffer.concat(bufs));
        }
      } catch (e) {
        finish();
      }
    });
  });
}

// ---------------------------------------------------------------------
// Watchers: process alive, RSS, /healthz probe

function alive() {
  try {
    const st = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    return !/^State:\s+Z/m.test(st);
  } catch (e) {
    return false;
  }
}

function rssKb() {
  try {
    const m = /^VmRSS:\s+([0-9]+)/m.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch (e) {
    return 0;
  }
}

function healthz(timeoutMs) {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const s = net.connect(port, host);
    let text = '';
    const end = (status) => { clearTimeout(t); s.destroy(); resolve({ status, ms: Date.now() - t0 }); };
    const t = setTimeout(() => end(null), timeoutMs);
    s.on('error', () => end(null));
    s.on('data', (d) => {
      text += d.toString('latin1');
      const m = /^HTTP\/1\.1 ([0-9]{3})/.exec(text);
      if (m && /\r\n\r\n/.test(text))
        end(Number(m[1]));
    });
    s.on('connect', () => s.write(`GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`));
  });
}

function save(tag, items) {
  fs.mkdirSync(outdir, { recursive: true });
  const lines = [];
  for (const it of items) {
    const file = path.join(outdir, `relay-${tag}-${it.n ?? seq}.req`);
    fs.writeFileSync(file, Buffer.concat(it.bufs));
    lines.push(`${path.basename(file)}\t${tag}, sent ${it.mode}${it.head ? `; answer: ${it.head.split('\r\n')[0]}` : ''}`);
  }
  fs.appendFileSync(path.join(outdir, 'failures.txt'), lines.join('\n') + '\n');
}

// ---------------------------------------------------------------------
// The run

seed(Number(seedS));
process.stderr.write(`relay_fuzz: seed ${seedS}, ${seconds > 0 ? `${seconds} s` : `${count} requests`}\n`);
const rss0 = rssKb();
if (!alive() || rss0 === 0) {
  check(`relay process ${pid} found`, false, 'no such process: nothing to watch');
  process.exit(1);
}
let rssMax = rss0;
const rssTimeline = [];
let lastSample = Date.now();
let died = false;
let probeFails = [];
let probeMax = 0;
const t0 = Date.now();
let running = true;

const watcher = (async () => {
  while (running) {
    if (!alive()) {
      died = true;
      return;
    }
    rssMax = Math.max(rssMax, rssKb());
    if (Date.now() - lastSample >= 1000) {
      lastSample = Date.now();
      rssTimeline.push(rssKb());
    }
    await sleep(100);
  }
})();
const prober = (async () => {
  while (running && !died) {
    const r = await healthz(2000);
    probeMax = Math.max(probeMax, r.ms);
    if (r.status !== 200 && !died && probeFails.length < 10)
      probeFails.push(`${r.status} after ${r.ms} ms`);
    await sleep(500);
  }
})();

const more = () => !died && (seconds > 0 ? Date.now() - t0 < seconds * 1000 : stats.sent < count);
await Promise.all(Array.from({ length: CONCURRENCY }, async () => {
  while (more())
    await connection();
}));
running = false;
await watcher;
await prober;
const secs = (Date.now() - t0) / 1000;
process.stderr.write(`relay_fuzz: ${stats.sent} requests in ${secs.toFixed(1)} s (${(stats.sent / secs).toFixed(0)}/s), ` +
  `answered ${stats.answered}, silent ${stats.silent}, streams ${stats.streams}; statuses ${JSON.stringify(stats.byStatus)}; ` +
  `modes ${JSON.stringify(stats.modes)}; RSS ${rss0} -> max ${rssMax} kB; slowest probe ${probeMax} ms\n` +
  `relay_fuzz: RSS each second (kB): ${rssTimeline.join(' ')}\n`);

if (died)
  save('died', recent);
check(`relay alive through ${stats.sent} mutated requests (${(stats.sent / secs).toFixed(0)}/s, ${stats.streams} streams opened)`,
  !died, `the relay exited; the last ${recent.length} requests are in ${outdir}`);
check('/healthz answered 200 within 2 s every half second throughout (slowest ' + probeMax + ' ms)',
  probeFails.length === 0, probeFails.join(', '));
if (badAnswers.length)
  save('5xx', badAnswers);
check('no 5xx answer (501 and 505 aside)', badAnswers.length === 0,
  badAnswers.map((b) => `${b.status} for ${b.mode}`).join(', '));
if (injected.length)
  save('injected', injected);
check('no answer carries a header injected by a request', injected.length === 0,
  injected.map((b) => b.head.split('\r\n')[0]).join(', '));
check(`RSS bounded: ${rss0} kB at the start, at most ${rssMax} kB (bound +${RSS_BOUND_KB} kB)`,
  !died && rssMax - rss0 <= RSS_BOUND_KB, `${rss0} -> ${rssMax} kB`);
{
  const q = Math.floor(rssTimeline.length / 4);
  const tail = rssTimeline.slice(q);
  const growth = tail.length ? Math.max(...tail) - rssTimeline[q] : 0;
  check(`RSS steady: grew ${growth} kB after the first quarter of the run (bound ${RSS_GROWTH_KB} kB)`,
    !died && rssTimeline.length >= 4 && growth <= RSS_GROWTH_KB,
    `${rssTimeline.length} samples, ${rssTimeline[q]} -> ${Math.max(...tail)} kB`);
}

if (!died) {
  // The relay closes its side of every connection we dropped; the clients
  // gauge must come back to 0
  const clients = async () => {
    const r = await fetch(`http://${host}:${port}/metrics`, { signal: AbortSignal.timeout(3000) }).catch(() => null);
    const t = r ? await r.text() : '';
    const m = /^cqstream_relay_clients\s+([0-9.]+)/m.exec(t);
    return m ? Number(m[1]) : -1;
  };
  const left = await waitFor(async () => (await clients()) === 0, 10000, 100);
  check('afterwards the relay counts no clients (metrics)', left, `cqstream_relay_clients ${await clients()}`);

  // A normal stream still works: 200, the preamble, then a live event
  const res = await new Promise((resolve) => {
    const s = net.connect(port, host);
    let text = '';
    const end = (ok) => { clearTimeout(t); s.destroy(); resolve({ ok, text }); };
    const t = setTimeout(() => end(false), 15000);
    s.on('error', () => end(false));
    s.on('data', (d) => {
      text += d.toString('latin1');
      if (/^HTTP\/1\.1 200/.test(text) && text.includes(': cqstream-relay') && /\nid: [0-9]+\n/.test(text))
        end(true);
    });
    s.on('connect', () => s.write(`GET /queries/${q0}/stream HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\n\r\n`));
  });
  check(`afterwards a normal stream of ${q0} gets 200, its preamble and a live event`, res.ok,
    res.text.slice(0, 300));
}
process.exitCode = failed() ? 1 : 0;
