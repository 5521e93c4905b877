// test/relay/chromium.mjs: a real browser's EventSource against the relay,
// across origins.
//
// usage: node chromium.mjs RELAY_BASE PAGE_PORT OTHER_PORT QUERY N
// environment: CQ_INSERT_CMD (shell command producing N results of QUERY),
//              CQ_IDS_CMD (shell command printing the query's result ids)
//
// Design notes
//
// A tiny Node http server serves one page on 127.0.0.1:PAGE_PORT (an origin
// the relay allows with --cors-origin) and on OTHER_PORT (one it does not).
// Debian's chromium, driven headless by playwright-core (never a
// downloaded browser), opens the page; the page's own EventSource connects
// to the relay.  Once it is open the script makes the worker produce N
// results and waits until the page holds N events; the ids must equal the
// log's.  From the other origin the browser itself must refuse the stream
// (no Access-Control-Allow-Origin), so the check can fail both ways.

import http from 'node:http';
import { execSync } from 'node:child_process';
import { check, importTest, show, waitFor } from './lib.mjs';

const { chromium } = await importTest('playwright-core');
const [relay, pagePort, otherPort, query, n] = process.argv.slice(2);

const page = `<!doctype html><meta charset="utf-8"><title>cqstream relay test</title>
<script>
window.events = []; window.opened = false; window.errors = 0;
const es = new EventSource(${JSON.stringify(`${relay}/queries/${query}/stream`)});
es.onopen = () => { window.opened = true; };
es.onerror = () => { window.errors++; window.state = es.readyState; };
es.addEventListener('instant', (e) => window.events.push({ id: e.lastEventId, data: e.data }));
</script>`;
const handler = (req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
  res.end(page);
};
const servers = [http.createServer(handler), http.createServer(handler)];
await new Promise((r) => servers[0].listen(Number(pagePort), '127.0.0.1', r));
await new Promise((r) => servers[1].listen(Number(otherPort), '127.0.0.1', r));

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const ctx = await browser.newContext();
  const p = await ctx.newPage();
  await p.goto(`http://127.0.0.1:${pagePort}/`);
  const opened = await waitFor(() => p.evaluate(() => window.opened), 10000);
  check('chromium: EventSource opens from the allowed origin', opened, 'no open event in 10 s');
  if (opened) {
    execSync(process.env.CQ_INSERT_CMD, { stdio: 'ignore' });
    const count = await waitFor(async () => (await p.evaluate(() => window.events.length)) >= Number(n), 20000);
    const events = await p.evaluate(() => window.events);
    const want = execSync(process.env.CQ_IDS_CMD, { encoding: 'utf8' }).split('\n').filter(Boolean);
    const got = events.map((e) => e.id);
    check(`chromium: ${n} live events, ids equal the log's`, count && JSON.stringify(got) === JSON.stringify(want),
      `got ${got.length} ${show(got.slice(0, 3))}, want ${want.length} ${show(want.slice(0, 3))}`);
    const dataOk = events.every((e) => { try { return String(JSON.parse(e.data).id) === e.id; } catch { return false; } });
    check('chromium: every event\'s data is JSON with the same id', events.length > 0 && dataOk, show(events[0]));
  }
  const q = await ctx.newPage();
  await q.goto(`http://127.0.0.1:${otherPort}/`);
  const refused = await waitFor(() => q.evaluate(() => window.errors > 0 && window.state === 2), 10000);
  const other = await q.evaluate(() => ({ opened: window.opened, events: window.events.length, state: window.state }));
  check('chromium: from an origin not allowed, the browser refuses the stream', refused && !other.opened && other.events === 0,
    show(other));
} finally {
  await browser.close();
  servers.forEach((s) => s.close());
}
