// test/relay/gzip-chromium.mjs: a real browser decodes the relay's gzip
// replies and streams, for the relay_gzip suite (test/relay/gzip.sh).
//
// usage: node gzip-chromium.mjs RELAY_BASE QUERY LAST_EVENT_ID N JSON_FILE
//
// Design notes
//
// Debian's chromium, headless through playwright-core (never a downloaded
// browser), sends "Accept-Encoding: gzip, deflate, br" by itself.  It
// opens RELAY_BASE/queries/QUERY (JSON): the response must say
// Content-Encoding: gzip and the text the browser decoded must equal
// JSON_FILE (the identity reply, fetched by the suite with curl).  Then,
// on that page (the relay's own origin, so no CORS is involved), an
// EventSource of the query's stream from LAST_EVENT_ID must receive the N
// replayed events, ids in order, each with JSON data of the same id, on a
// response that also says gzip.  Prints PASS/FAIL lines (lib.mjs).
import { readFileSync } from 'node:fs';
import { check, failed, importTest, show, waitFor } from './lib.mjs';

const { chromium } = await importTest('playwright-core');
const [relay, query, lastId, n, jsonFile] = process.argv.slice(2);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
try {
  const p = await (await browser.newContext()).newPage();
  const encodings = {};
  p.on('response', (r) => { encodings[new URL(r.url()).pathname] = r.headers()['content-encoding']; });
  const resp = await p.goto(`${relay}/queries/${query}`);
  const text = await resp.text();
  check('chromium: a JSON reply arrives gzip-coded (Content-Encoding: gzip)',
    resp.headers()['content-encoding'] === 'gzip', show(resp.headers()));
  check('chromium: the JSON it decoded equals the identity reply, byte for byte',
    text === readFileSync(jsonFile, 'utf8'), show(text));
  await p.evaluate(([url]) => {
    window.events = [];
    const es = new EventSource(url);
    es.addEventListener('instant', (e) => window.events.push({ id: e.lastEventId, data: e.data }));
  }, [`${relay}/queries/${query}/stream?last_event_id=${lastId}`]);
  const got = await waitFor(async () => (await p.evaluate(() => window.events.length)) >= Number(n), 15000);
  const events = await p.evaluate(() => window.events);
  const ids = events.map((e) => BigInt(e.id));
  const ordered = ids.every((v, i) => i === 0 || v > ids[i - 1]);
  const dataOk = events.every((e) => { try { return String(JSON.parse(e.data).id) === e.id; } catch { return false; } });
  check(`chromium: EventSource decodes the gzip stream: ${n} events, ids increasing, JSON data of the same id`,
    got && events.length === Number(n) && ordered && dataOk, show(events.slice(0, 2)));
  check('chromium: the stream response was gzip-coded',
    encodings[`/queries/${query}/stream`] === 'gzip', show(encodings));
} finally {
  await browser.close();
}
process.exit(failed() ? 1 : 0);
