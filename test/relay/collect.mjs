// test/relay/collect.mjs: an npm `eventsource` 4.x client that records
// what it receives, for the exactly-once checks of test/relay/e2e.sh.
//
// usage: node collect.mjs URL OUT [--token=T] [--timeout=S]
//
// Appends one line per event to OUT:
//   <lastEventId> TAB <type> TAB <data.query> TAB <data.id> TAB <data>
// and one JSON line per HTTP request to OUT.req:
//   {"n":1,"lastEventId":"...","status":200}  (status or "error": "...")
// and `{"closed":true,...}` there when the client gives up for good (HTTP
// 204 or another non-200 answer), after which it exits 0.  It also exits 0
// on SIGTERM (the test stops it once the database says everything was
// delivered) and 1 after --timeout seconds (default 120).
//
// Design notes
//
// The client is the real package with its own reconnect logic (server
// `retry:`, Last-Event-ID on reconnect); only fetch is wrapped, to log the
// Last-Event-ID each request sends and the status it gets.  The lines are
// written synchronously so that a SIGTERM loses nothing.  Event types
// listened to: message, instant, window, lost (an unknown type would not
// be seen; parse.mjs checks the types on the raw bytes).

import fs from 'node:fs';
import { importTest } from './lib.mjs';

const { EventSource } = await importTest('eventsource');

const [url, out, ...opts] = process.argv.slice(2);
if (!url || !out) {
  console.error('usage: node collect.mjs URL OUT [--token=T] [--timeout=S]');
  process.exit(2);
}
let token = null;
let timeout = 120;
for (const o of opts) {
  if (o.startsWith('--token='))
    token = o.slice(8);
  else if (o.startsWith('--timeout='))
    timeout = Number(o.slice(10));
}

const fd = fs.openSync(out, 'a');
const reqFd = fs.openSync(out + '.req', 'a');
let nreq = 0;

function logReq(obj) {
  fs.writeSync(reqFd, JSON.stringify({ t: Date.now(), ...obj }) + '\n');
}

async function loggingFetch(input, init) {
  const n = ++nreq;
  const headers = new Headers(init && init.headers);
  if (token)
    headers.set('Authorization', `Bearer ${token}`);
  const lastEventId = headers.get('last-event-id');
  try {
    const res = await fetch(input, { ...init, headers });
    logReq({ n, lastEventId, status: res.status });
    return res;
  } catch (err) {
    logReq({ n, lastEventId, error: String(err && err.cause ? err.cause.code || err.cause : err) });
    throw err;
  }
}

const es = new EventSource(url, { fetch: loggingFetch });

function onEvent(ev) {
  let q = '';
  let id = '';
  try {
    const d = JSON.parse(ev.data);
    q = d.query ?? '';
    id = d.id ?? '';
  } catch {
    // Not JSON: recorded as it is, the checks see the empty fields
  }
  const data = ev.data.replace(/\r/g, '\\r').replace(/\n/g, '\\n').replace(/\t/g, '\\t');
  fs.writeSync(fd, `${ev.lastEventId}\t${ev.type}\t${q}\t${id}\t${data}\n`);
}
for (const type of ['message', 'instant', 'window', 'lost'])
  es.addEventListener(type, onEvent);

es.onerror = (ev) => {
  if (es.readyState === EventSource.CLOSED) {
    logReq({ closed: true, code: ev.code ?? null, message: ev.message ?? '' });
    finish(0);
  }
};

function finish(code) {
  es.close();
  fs.closeSync(fd);
  fs.closeSync(reqFd);
  process.exit(code);
}

process.on('SIGTERM', () => finish(0));
setTimeout(() => {
  console.error(`collect.mjs: timeout after ${timeout} s`);
  finish(1);
}, timeout * 1000);
