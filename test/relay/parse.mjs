// test/relay/parse.mjs: the raw bytes of one SSE response (saved by
// `curl -N`) against the wire format and against eventsource-parser 3.x.
//
// usage: node parse.mjs RAW EXPECTED QUERY RETRY_MS
//   RAW       the response body as received
//   EXPECTED  one JSON line per result the stream must carry, in order:
//             {"id":<result id>,"payload":<payload from cqstream.results>}
//   QUERY     the query name; RETRY_MS the relay's --retry
//
// Design notes
//
// Two independent readings of the same bytes: a strict line-by-line one
// that knows exactly what the relay must write (`retry:` and the
// `: cqstream-relay` comment first, then blocks of id/event/data, comments
// as heartbeats), and the eventsource-parser package fed through a
// streaming TextDecoder in small odd-sized chunks, as a browser would get
// them from the network.  Payloads are compared as parsed JSON with the
// log's (the relay may re-serialize, key order and number spelling are not
// part of the contract; the values are).

import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { check, importTest, show } from './lib.mjs';

const { createParser } = await importTest('eventsource-parser');

const [rawFile, expFile, query, retryMs] = process.argv.slice(2);
const raw = fs.readFileSync(rawFile);
const expected = fs.readFileSync(expFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l));
const text = raw.toString('utf8');

// ---- strict reading of the bytes
const preamble = `retry: ${retryMs}\n: cqstream-relay\n\n`;
check(`stream opens with "retry: ${retryMs}" and ": cqstream-relay"`, text.startsWith(preamble),
  `first bytes ${show(text.slice(0, 60))}`);

// Blocks separated by a blank line; LF only.
const blocks = text.slice(text.startsWith(preamble) ? preamble.length : 0).split('\n\n');
const tail = blocks.pop();
check('stream ends on a block boundary (no half event)', tail === '', `trailing ${show(tail)}`);
let bad = null;
let heartbeats = 0;
const wireIds = [];
for (const b of blocks) {
  const lines = b.split('\n');
  if (lines.every((l) => l.startsWith(':'))) {
    heartbeats++;
    continue;
  }
  const m = /^id: ([0-9]+)\nevent: (instant|window)\ndata: (\{[^\n\r]*\})$/.exec(b);
  if (!m) {
    bad = bad ?? b;
    continue;
  }
  wireIds.push(m[1]);
}
check('every block is a comment or "id: N / event: instant / data: {json}"', bad === null,
  `odd block ${show(bad)}`);
check('heartbeat comments on the idle stream (--heartbeat=1)', heartbeats >= 1, `${heartbeats} comment blocks after the preamble`);
const dataLines = text.split('\n').filter((l) => l.startsWith('data:'));
check('no raw CR inside any data line', dataLines.every((l) => !l.includes('\r')) && !raw.includes(0x0d),
  `CR bytes in the stream: ${raw.filter((c) => c === 0x0d).length}`);

// ---- eventsource-parser, fed through TextDecoder in 7-byte chunks
const events = [];
const comments = [];
const errors = [];
let retry = null;
const parser = createParser({
  onEvent: (e) => events.push(e),
  onRetry: (r) => { retry = r; },
  onComment: (c) => comments.push(c),
  onError: (e) => errors.push(e),
});
const decoder = new TextDecoder();
for (let i = 0; i < raw.length; i += 7)
  parser.feed(decoder.decode(raw.subarray(i, i + 7), { stream: true }));
parser.feed(decoder.decode());

check('eventsource-parser: no parse error', errors.length === 0, show(errors.map(String)));
check(`eventsource-parser: retry = ${retryMs}`, retry === Number(retryMs), `retry ${retry}`);
check('eventsource-parser: first comment is "cqstream-relay"', comments[0] !== undefined && comments[0].trim() === 'cqstream-relay',
  `comments ${show(comments.slice(0, 3))}`);

const gotIds = events.map((e) => e.id);
const wantIds = expected.map((e) => String(e.id));
check(`eventsource-parser: ${wantIds.length} events, ids equal the log's in order`,
  isDeepStrictEqual(gotIds, wantIds), `got ${gotIds.length} ${show(gotIds.slice(0, 4))}, want ${wantIds.length} ${show(wantIds.slice(0, 4))}`);
check('eventsource-parser and the strict reading agree on the ids', isDeepStrictEqual(gotIds, wireIds),
  `parser ${gotIds.length}, strict ${wireIds.length}`);
check('every event has type "instant"', events.every((e) => e.event === 'instant'),
  show([...new Set(events.map((e) => e.event))]));

let mism = null;
for (let i = 0; i < Math.min(events.length, expected.length); i++) {
  let d;
  try {
    d = JSON.parse(events[i].data);
  } catch (err) {
    mism = `event ${i}: data is not JSON: ${show(events[i].data)}`;
    break;
  }
  if (!isDeepStrictEqual(d, expected[i].payload) || String(d.id) !== events[i].id || d.query !== query) {
    mism = `event ${i}: ${show(d)} vs log ${show(expected[i].payload)}`;
    break;
  }
}
check('every data equals the logged payload (parsed), data.id = id:, data.query', mism === null && events.length > 0, mism ?? 'no events');

// The keys with line breaks survive exactly (JSON escapes them)
const keys = new Set(events.map((e) => { try { return JSON.parse(e.data).key; } catch { return undefined; } }));
const special = ['a\rb', 'c\nd', 'e\r\nf', 'g\u2028h', 'é✓'];
const missing = special.filter((k) => !keys.has(k));
check('keys with CR, LF, CRLF, U+2028 and non-ASCII round-trip exactly', missing.length === 0,
  `missing ${show(missing)}`);
