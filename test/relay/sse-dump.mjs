// test/relay/sse-dump.mjs: the events of a raw SSE body, one per line, as
// eventsource-parser 3.x reads them.
//
// usage: node sse-dump.mjs RAW
// prints: <id> TAB <event type> TAB <data>   (data re-serialized compactly
// when it is JSON, so that a shell test can compare it as text), and
// "ERROR<TAB>message" for each parse error.
//
// Design notes
//
// Shell checks (key filter, last_event_id, lost) compare id lists with
// the database's; this gives them the parser's reading of the bytes, so
// they never grep the wire format themselves.

import fs from 'node:fs';
import { importTest } from './lib.mjs';

const { createParser } = await importTest('eventsource-parser');
const raw = fs.readFileSync(process.argv[2]);
const out = [];
const parser = createParser({
  onEvent: (e) => {
    let data = e.data;
    try {
      data = JSON.stringify(JSON.parse(data));
    } catch {
      data = data.replace(/\r/g, '\\r').replace(/\n/g, '\\n');
    }
    out.push(`${e.id ?? ''}\t${e.event ?? 'message'}\t${data}`);
  },
  onError: (err) => out.push(`ERROR\t${String(err.message).replace(/\s+/g, ' ')}`),
});
parser.feed(new TextDecoder().decode(raw));
process.stdout.write(out.map((l) => l + '\n').join(''));
