// test/relay/lib.mjs: what the Node scripts of the relay tests share.
//
// Design notes
//
// A script reports each check as one line on stdout, `PASS<TAB>name` or
// `FAIL<TAB>name<TAB>detail`; test/relay/e2e.sh turns the lines into
// cq_pass / cq_fail (cqr_node), so the harness keeps one bookkeeping.  A
// script that dies without reporting shows up there as a failed check
// with its stderr.  Nothing waits a fixed time to decide an outcome:
// waitFor polls a condition with a deadline.

import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

// The npm packages live in test/node/node_modules (cq_node_setup), not
// beside these scripts: resolve them from there.
const here = path.dirname(fileURLToPath(import.meta.url));
export const requireTest = createRequire(path.join(here, '..', 'node', 'package.json'));

/** Import an npm package of test/node by name (ES module entry). */
export async function importTest(name) {
  const resolved = requireTest.resolve(name);
  // Packages with an ESM entry: prefer it (eventsource, eventsource-parser)
  const pkgDir = resolved.slice(0, resolved.lastIndexOf(`node_modules${path.sep}${name}`) +
    `node_modules${path.sep}${name}`.length);
  const pkg = requireTest(path.join(pkgDir, 'package.json'));
  const exp = pkg.exports && pkg.exports['.'];
  const entry = exp && typeof exp === 'object' && (exp.import || exp.default);
  if (typeof entry === 'string')
    return import(path.join(pkgDir, entry));
  return requireTest(name);
}

let failures = 0;

// Prefix for every check name (CQR_PREFIX), when one script runs twice
// in a suite (hostile.mjs against the plain and the ASan relay).
const prefix = process.env.CQR_PREFIX || '';

/** Record one check: PASS when ok, else FAIL with a short detail. */
export function check(name, ok, detail = '') {
  name = prefix + name;
  if (ok)
    process.stdout.write(`PASS\t${name}\n`);
  else {
    failures++;
    const d = String(detail).replace(/[\t\r\n]+/g, ' ').slice(0, 400);
    process.stdout.write(`FAIL\t${name}\t${d}\n`);
  }
  return ok;
}

export function failed() {
  return failures;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Poll fn() (may be async) until truthy or timeoutMs passed; its last value. */
export async function waitFor(fn, timeoutMs, stepMs = 50) {
  const end = Date.now() + timeoutMs;
  let v;
  for (;;) {
    v = await fn();
    if (v || Date.now() >= end)
      return v;
    await sleep(stepMs);
  }
}

/** Short printable form of a value for a FAIL detail. */
export function show(v, n = 160) {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s === undefined ? 'undefined' : s.length > n ? s.slice(0, n) + '...' : s;
}
