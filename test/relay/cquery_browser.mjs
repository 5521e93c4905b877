// test/relay/cquery_browser.mjs: a web application's use of the OGC API
// queries in a real browser: create a query by POST with a JSON Web
// Token, receive its events through fetch streaming, delete it.
//
// usage: node cquery_browser.mjs RELAY_BASE PAGE_PORT TOKEN N
// environment: CQ_INSERT_CMD (shell command inserting N rows of feature
//              s1 and N of s2 into the collection's table)
//
// Design notes
//
// A tiny Node http server serves the page on 127.0.0.1:PAGE_PORT, an
// origin the relay allows (--cors-origin): every request is cross-origin
// with an Authorization header, so the browser's own CORS preflight must
// pass for POST and DELETE.  Debian's chromium, driven headless by
// playwright-core, opens the page.  The page POSTs a transform of feature
// s1's temp, reads the 201's stream href, and reads the stream with
// fetch() and a ReadableStream (EventSource cannot send the header).
// The script inserts rows of s1 and s2 and waits for N events, which must
// all be keyed s1 with value temp * 2; the page then DELETEs the query
// (204), and its stream must end by itself with "event: dropped".

import http from 'node:http';
import { execSync } from 'node:child_process';
import { check, importTest, show, waitFor } from './lib.mjs';

const { chromium } = await importTest('playwright-core');
const [relay, pagePort, token, n] = process.argv.slice(2);
const base = `${relay}/collections/sensors/items/s1/tproperties/temp/queries`;

const page = `<!doctype html><meta charset="utf-8"><title>cqstream cquery test</title>
<script>
window.log = { created: null, events: [], text: '', ended: false, deleted: null, error: null };
const auth = { Authorization: 'Bearer ' + ${JSON.stringify(token)} };
async function run() {
  const r = await fetch(${JSON.stringify(base)}, {
    method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ operation: 'mul', arg: 2, name: 'web_cq' }),
  });
  window.log.created = { status: r.status, body: await r.json() };
  if (r.status !== 201) return;
  const s = await fetch(${JSON.stringify(relay)} + window.log.created.body.href, { headers: auth });
  const reader = s.body.getReader();
  const dec = new TextDecoder();
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    window.log.text += dec.decode(value, { stream: true });
    window.log.events = window.log.text.split('\\n').filter((l) => l.startsWith('data: {"id"'))
      .map((l) => JSON.parse(l.slice(6)));
  }
  window.log.ended = true;
}
window.drop = async () => {
  const r = await fetch(${JSON.stringify(base)} + '/web_cq', { method: 'DELETE', headers: auth });
  window.log.deleted = r.status;
};
run().catch((e) => { window.log.error = String(e); });
</script>`;
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(page);
});
await new Promise((r) => server.listen(Number(pagePort), '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const p = await (await browser.newContext()).newPage();
  await p.goto(`http://127.0.0.1:${pagePort}/`);
  const log = () => p.evaluate(() => window.log);
  const created = await waitFor(async () => (await log()).created || (await log()).error, 10000);
  const l0 = await log();
  check('chromium: POST with a JWT across origins creates the query (201, cquery link)',
    l0.created && l0.created.status === 201 && l0.created.body.rel === 'cquery' &&
      l0.created.body.queryId === 'web_cq', show(created && (l0.created || l0.error)));
  if (l0.created && l0.created.status === 201) {
    // The stream is open once its first bytes (retry:) arrived
    await waitFor(async () => (await log()).text.length > 0, 10000);
    execSync(process.env.CQ_INSERT_CMD, { stdio: 'ignore' });
    await waitFor(async () => (await log()).events.length >= Number(n), 20000);
    const l1 = await log();
    const ok = l1.events.length === Number(n) && l1.events.every((e) => e.key === 's1' && e.query === 'web_cq');
    check(`chromium: fetch streaming receives the ${n} events of feature s1 only`, ok,
      `${l1.events.length} events ${show(l1.events.slice(0, 2))}`);
    const values = l1.events.map((e) => e.value);
    const want = Array.from({ length: Number(n) }, (_, i) => 2 * (i + 1));
    check('chromium: their values are temp * 2', JSON.stringify(values) === JSON.stringify(want),
      `${show(values)} want ${show(want)}`);
    await p.evaluate(() => window.drop());
    await waitFor(async () => (await log()).deleted !== null, 10000);
    const ended = await waitFor(async () => (await log()).ended, 10000);
    const l2 = await log();
    check('chromium: DELETE answers 204', l2.deleted === 204, show(l2.deleted));
    check('chromium: the stream ends by itself with event: dropped',
      ended && /\nevent: dropped\ndata: \{"query":"web_cq","status":"dropped"\}\n/.test(l2.text),
      show(l2.text.slice(-200)));
  }
} finally {
  await browser.close();
  server.close();
}
