// test/bench/latency_client.mjs: one SSE stream, the delay of each event
// after its result's "datetime" (the source row's clock_timestamp(), set
// just before its commit), for test/bench/replica.sh.
//
// usage: node latency_client.mjs URL OUT N
//
// Writes one delay in milliseconds per line to OUT and exits after N
// events (1 after 120 s).  Node's fetch and a line parser: no client
// library between the socket and the clock.
import fs from 'node:fs';

const [url, out, nText] = process.argv.slice(2);
const n = Number(nText);
const lines = [];
setTimeout(() => { fs.writeFileSync(out, lines.join('\n') + '\n'); process.exit(1); }, 120000);

const res = await fetch(url, { headers: { Accept: 'text/event-stream' } });
const decoder = new TextDecoder();
let buf = '';
for await (const chunk of res.body) {
  const now = performance.timeOrigin + performance.now(); // sub-ms wall clock
  buf += decoder.decode(chunk, { stream: true });
  let i;
  while ((i = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, i);
    buf = buf.slice(i + 1);
    if (!line.startsWith('data:'))
      continue;
    const d = JSON.parse(line.slice(5));
    // "2026-12-06T21:02:09.118809Z": Date.parse keeps milliseconds; the
    // microseconds are added back
    const m = /\.(\d{3})(\d{0,3})Z$/.exec(d.datetime);
    const t = Date.parse(d.datetime) + (m && m[2] ? Number(m[2].padEnd(3, '0')) / 1000 : 0);
    lines.push((now - t).toFixed(3));
    if (lines.length >= n) {
      fs.writeFileSync(out, lines.join('\n') + '\n');
      process.exit(0);
    }
  }
}
