// test/demo/dashboard.mjs: the demo's dashboard in headless chromium.
//
// usage: node dashboard.mjs BASE QUERIES SCREENSHOT [RELAY_BIN CONNINFO PORT]
//   BASE        the demo relay, http://127.0.0.1:PORT
//   QUERIES     the names the demo registered, comma-separated
//   SCREENSHOT  where to save the PNG
//   RELAY_BIN CONNINFO PORT  (optional) a relay this script starts, kills
//               with SIGKILL and restarts on PORT, to check that the page
//               shows every result once across a reconnect
// environment: CQ_PSQL, a shell command (psql -X -At ...) on the demo's
//              database, to check what the page shows against the log;
//              CQ_RELAY_PIDFILE, where the pid of the relay this script
//              starts is written, so the caller can stop it if this script
//              is killed before it does
//
// Design notes
//
// Checks are reported as `PASS<TAB>name` / `FAIL<TAB>name<TAB>detail`
// lines (the protocol of test/relay/lib.mjs, whose helpers this reuses);
// test/demo/dashboard.sh turns them into cq_pass / cq_fail.  Everything
// is read from the page's DOM as a user (or a monitoring probe) would: the
// query table, and the data- attributes of the chart and the results table
// (relay/dashboard.html documents them).  Nothing waits a fixed time to
// decide: waitFor polls with a deadline.
//
// Result ids of one query have no gaps, so "every result exactly once" is
// checkable on the page alone: events == last id - first id + 1, and the
// page's own gap counter stays 0.

import { spawn, execSync } from 'node:child_process';
import fs from 'node:fs';
import { check, failed, importTest, waitFor, sleep } from '../relay/lib.mjs';

const { chromium } = await importTest('playwright-core');
const [base, queryList, screenshot, relayBin, conninfo, port2] = process.argv.slice(2);
const names = queryList.split(',').filter(Boolean);

const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
let relay = null;

/** One psql query on the demo database, trimmed output. */
function sql(q) {
  return execSync(`${process.env.CQ_PSQL} -c ${JSON.stringify(q)}`).toString().trim();
}

/** The chart's and table's data- attributes, as numbers. */
async function counters(page) {
  return page.evaluate(() => {
    const c = document.getElementById('chart').dataset;
    return {
      state: c.state || '',
      events: +c.events, dups: +c.duplicates, gaps: +c.gaps,
      first: +c.firstId, last: +c.lastId, points: +c.points,
      rows: +document.getElementById('results').dataset.rows,
      name: document.getElementById('live-name').textContent,
    };
  });
}

/** Open URL in a fresh page; collect its JavaScript errors and any
 * request that leaves the relay's origin. */
async function openPage(url) {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 } });
  const origin = new URL(url).origin;
  page.jsErrors = [];
  page.foreign = [];
  page.on('pageerror', (e) => page.jsErrors.push(e.message));
  page.on('request', (r) => { if (new URL(r.url()).origin !== origin) page.foreign.push(r.url()); });
  await page.goto(url);
  return page;
}

/** Start the test's own relay on port2; resolves once /healthz answers. */
async function startRelay() {
  relay = spawn(relayBin, [`--db=${conninfo}`, `--listen=127.0.0.1:${port2}`],
    { stdio: ['ignore', 'ignore', 'inherit'] });
  if (process.env.CQ_RELAY_PIDFILE)
    fs.writeFileSync(process.env.CQ_RELAY_PIDFILE, `${relay.pid}\n`);
  return waitFor(async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port2}/healthz`)).ok;
    } catch {
      return false;
    }
  }, 10000, 100);
}

try {
  // --- the demo as a user sees it
  const page = await openPage(`${base}/#q=temp_f`);
  const listed = await waitFor(() => page.evaluate((want) => {
    const rows = [...document.querySelectorAll('#queries tbody tr')];
    const seen = Object.fromEntries(rows.map((r) => [r.cells[0].textContent, r.cells[2].textContent]));
    return want.every((n) => seen[n] === 'running') && seen;
  }, names), 20000, 200);
  check(`query table lists ${names.length} queries, all running`, listed,
    `expected running: ${names.join(' ')}; seen: ${JSON.stringify(await page.evaluate(() =>
      [...document.querySelectorAll('#queries tbody tr')].map((r) => `${r.cells[0].textContent}:${r.cells[2].textContent}`)))}`);

  const c0 = await waitFor(async () => {
    const c = await counters(page);
    return c.state === 'open' && c.points >= 20 && c.rows >= 10 && c;
  }, 20000, 200);
  check('temp_f: stream open, chart and table filled', c0,
    `want state open, >= 20 points, >= 10 rows; seen ${JSON.stringify(await counters(page))}`);
  if (c0) {
    const c1 = await waitFor(async () => {
      const c = await counters(page);
      return c.events >= c0.events + 50 && c;
    }, 10000, 200);
    check('temp_f: live events keep arriving (50 more)', c1,
      `events ${c0.events} -> ${(await counters(page)).events}`);
  }

  // The newest table row is the page's last id, and says what the log says.
  const top = await page.evaluate(() => {
    const r = document.querySelector('#results tbody tr');
    return r && { id: r.cells[0].textContent, key: r.cells[1].textContent, value: r.cells[3].textContent };
  });
  const last = (await counters(page)).last;
  let logged = null;
  if (top) {
    const row = sql(`SELECT payload FROM cqstream.results('temp_f', ${BigInt(top.id) - 1n}, 1)`);
    logged = row ? JSON.parse(row) : null;
  }
  check('temp_f: latest table row matches the results log',
    top && logged && String(logged.id) === top.id && logged.key === top.key &&
      Math.abs(logged.value - Number(top.value)) < 0.006 && Number(top.id) <= last,
    `page ${JSON.stringify(top)} (last id ${last}), log ${JSON.stringify(logged)}`);

  const cT = await counters(page);
  check('temp_f: no gap and no duplicate shown', cT.gaps === 0 && cT.events === cT.last - cT.first + 1,
    `events ${cT.events}, ids ${cT.first}..${cT.last}, gaps ${cT.gaps}`);

  // Every window query, chosen by clicking it in the query table.
  for (const n of names.filter((x) => x !== 'temp_f')) {
    await page.getByRole('button', { name: `show ${n} live` }).click();
    const cw = await waitFor(async () => {
      const c = await counters(page);
      return c.name === n && c.points > 0 && c.rows > 0 && c;
    }, 30000, 250);
    check(`${n}: chosen by a click, chart and table show its windows`, cw,
      `seen ${JSON.stringify(await counters(page))}`);
  }

  await page.getByRole('button', { name: 'show temp_f live' }).click();
  await waitFor(async () => (await counters(page)).points >= 20, 10000, 200);
  await sleep(300); // one redraw period of the page
  await page.screenshot({ path: screenshot, fullPage: true });
  check('no JavaScript errors on the page', page.jsErrors.length === 0, page.jsErrors.slice(0, 3).join(' | '));
  check('the page requests nothing outside the relay', page.foreign.length === 0, page.foreign.slice(0, 3).join(' '));
  await page.close();

  // --- a reconnect: the relay killed and restarted under the page
  if (relayBin) {
    check('second relay started', await startRelay(), `${relayBin} on port ${port2}`);
    const p2 = await openPage(`http://127.0.0.1:${port2}/#q=temp_f`);
    const before = await waitFor(async () => {
      const c = await counters(p2);
      return c.state === 'open' && c.events >= 50 && c;
    }, 20000, 200);
    check('reconnect: page receiving before the kill', before, JSON.stringify(await counters(p2)));
    relay.kill('SIGKILL');
    await new Promise((r) => relay.once('exit', r));
    const down = await waitFor(async () => (await counters(p2)).state !== 'open', 5000, 100);
    check('reconnect: page notices the relay is gone', down, JSON.stringify(await counters(p2)));
    const atKill = await counters(p2);
    // Results go on being logged while the relay is down.
    await sleep(1500);
    await startRelay();
    const after = await waitFor(async () => {
      const c = await counters(p2);
      return c.state === 'open' && c.events >= atKill.events + 150 && c;
    }, 20000, 200);
    const c = await counters(p2);
    check('reconnect: page resumes after the relay restarts', after,
      `events at kill ${atKill.events}, now ${c.events}, state ${c.state}`);
    check('reconnect: every result shown exactly once (ids contiguous, no gap)',
      c.gaps === 0 && c.events === c.last - c.first + 1,
      `events ${c.events}, ids ${c.first}..${c.last}, gaps ${c.gaps}, duplicates dropped ${c.dups}`);
    check('reconnect: no JavaScript errors', p2.jsErrors.length === 0, p2.jsErrors.slice(0, 3).join(' | '));
    await p2.close();
  }
} catch (e) {
  check('dashboard.mjs ran to the end', false, e.stack || e);
} finally {
  process.exitCode = failed() ? 1 : 0;
  if (relay && relay.exitCode === null && relay.signalCode === null) {
    const gone = new Promise((r) => relay.once('exit', r));
    relay.kill('SIGTERM');
    await gone;
  }
  if (process.env.CQ_RELAY_PIDFILE)
    fs.rmSync(process.env.CQ_RELAY_PIDFILE, { force: true });
  await browser.close();
}
