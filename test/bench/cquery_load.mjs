// test/bench/cquery_load.mjs: load client of test/bench/relay_cquery.sh.
//
//   node cquery_load.mjs pairs BASE QUERIES_PATH TOKEN N C
//     N POST + DELETE pairs on QUERIES_PATH (.../queries), C at a time;
//     prints "pairs=N errors=E seconds=S rate=R"
//   node cquery_load.mjs opens BASE STREAM_PATH TOKEN N C
//     N stream opens (until the first body bytes, then the stream is
//     dropped), C at a time; prints "opens=N errors=E seconds=S rate=R"
//
// Design notes
//
// The same client measures both stream paths (/queries/{name}/stream and
// the collection's .../queries/{qid}/stream), so their rates compare the
// relay's work, not two clients.  Every request carries the token in the
// Authorization header, as a web application sends it.
const [mode, base, path, token, nText, cText] = process.argv.slice(2);
const n = Number(nText);
const c = Number(cText);
const auth = { Authorization: `Bearer ${token}` };
let next = 0;
let errors = 0;

async function pair(i) {
  const name = `bcq_${process.pid}_${i}`;
  const r = await fetch(`${base}${path}`, {
    method: 'POST', headers: { ...auth, 'Content-Type': 'application/json' },
    body: JSON.stringify({ operation: 'mul', arg: 2, name }),
  });
  await r.arrayBuffer();
  if (r.status !== 201) {
    errors++;
    return;
  }
  const d = await fetch(`${base}${path}/${name}`, { method: 'DELETE', headers: auth });
  await d.arrayBuffer();
  if (d.status !== 204)
    errors++;
}

async function open() {
  const ac = new AbortController();
  try {
    const r = await fetch(`${base}${path}`, { headers: auth, signal: ac.signal });
    if (r.status !== 200) {
      errors++;
      await r.arrayBuffer();
      return;
    }
    const reader = r.body.getReader();
    const { done } = await reader.read();
    if (done)
      errors++;
  } catch {
    errors++;
  } finally {
    ac.abort();
  }
}

async function worker(fn) {
  for (;;) {
    const i = next++;
    if (i >= n)
      return;
    await fn(i);
  }
}

const fn = mode === 'pairs' ? pair : open;
const t0 = process.hrtime.bigint();
await Promise.all(Array.from({ length: c }, () => worker(fn)));
const s = Number(process.hrtime.bigint() - t0) / 1e9;
console.log(`${mode}=${n} errors=${errors} seconds=${s.toFixed(3)} rate=${(n / s).toFixed(0)}`);
process.exit(0);
