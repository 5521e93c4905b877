// test/demo/dashboard.mjs: the demo's dashboard in headless chromium.
//
// usage: node dashboard.mjs BASE QUERIES SCREENSHOT [RELAY_BIN CONNINFO PORT]
//   BASE        the demo relay, http://127.0.0.1:PORT
//   QUERIES     the names the demo registered, comma-separated
//   SCREENSHOT  where to save the PNG; the map's two frames go beside it
//               (map-1.png, map-2.png)
//   RELAY_BIN CONNINFO PORT  (optional) a relay this script starts, kills
//               with SIGKILL and restarts on PORT, to check that the page
//               shows every result once across a reconnect
// environment: CQ_PSQL, a shell command (psql -X -At ...) on the demo's
//              database, to check what the page shows against the log;
//              CQ_RELAY_PIDFILE, where the pid of the relay this script
//              starts is written, so the caller can stop it if this script
//              is killed before it does; CQ_DASH_VEHICLES, how many
//              vehicles the demo drives (20)
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
//
// The map is checked on what it drew, not on pixels: window.__cqMap.drawn()
// gives the view and each marker's key, coordinates, speed and screen
// position, with the last result ids drawn.  Two frames a few seconds
// apart must show every vehicle, most of them moved (on the ground and on
// the screen), all inside the canvas; each marker must sit at the latest
// coordinates the results log holds for its key up to the id drawn,
// projected here by the documented formula (equirectangular, x scaled by
// cos of the view's latitude), and carry the latest speed of its key.

import { spawn, execSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { check, failed, importTest, waitFor, sleep } from '../relay/lib.mjs';

const { chromium } = await importTest('playwright-core');
const [base, queryList, screenshot, relayBin, conninfo, port2] = process.argv.slice(2);
const names = queryList.split(',').filter(Boolean);
const vehicles = Number(process.env.CQ_DASH_VEHICLES || 20);

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

/** The latest payload per key among query q's results with id <= upTo. */
function latestByKey(q, upTo) {
  const rows = sql(`SELECT payload FROM cqstream.results('${q}', ${upTo - 4000}, 4000) WHERE id <= ${upTo}`);
  const latest = new Map();
  for (const line of rows.split('\n').filter(Boolean)) {
    const r = JSON.parse(line);
    latest.set(r.key, r);
  }
  return latest;
}

/** Where (lon, lat) falls on the screen in view v (the page's documented
 * projection, computed here on its own). */
function project(v, lon, lat) {
  return [v.w / 2 + (lon - v.lon) * v.cos * v.k, v.h / 2 - (lat - v.lat) * v.k];
}

/** One frame of the map: what it drew, and a screenshot of it in FILE. */
async function mapFrame(page, file) {
  const d = await page.evaluate(() => window.__cqMap.drawn());
  await page.locator('#map-sec').screenshot({ path: file });
  return d;
}

/** Checks on one drawn frame against the results log. */
function mapFrameChecks(label, d) {
  const { view: v, markers } = d;
  const inside = markers.filter((p) => p.x >= 0 && p.x <= v.w && p.y >= 0 && p.y <= v.h);
  check(`map ${label}: all ${vehicles} vehicles drawn, inside the canvas`,
    markers.length === vehicles && inside.length === markers.length,
    `${markers.length} markers, ${inside.length} inside ${v.w}x${v.h}: ${JSON.stringify(markers.slice(0, 3))}`);
  check(`map ${label}: view scaled by cos of its latitude`,
    Math.abs(v.cos - Math.cos(v.lat * Math.PI / 180)) < 0.01, JSON.stringify(v));
  const pos = latestByKey('vehicle_pos', d.lastId);
  const bad = markers.filter((p) => {
    const r = pos.get(p.key);
    if (!r)
      return true;
    const [x, y] = project(v, r.coordinates[0], r.coordinates[1]);
    return p.lon !== r.coordinates[0] || p.lat !== r.coordinates[1] ||
      Math.abs(p.x - x) > 0.5 || Math.abs(p.y - y) > 0.5;
  });
  check(`map ${label}: each marker at its key's latest logged position (projected)`,
    markers.length > 0 && pos.size === markers.length && bad.length === 0,
    `${bad.length} of ${markers.length} off, ${pos.size} keys in the log up to id ${d.lastId}; ` +
      `e.g. ${JSON.stringify(bad[0])} vs ${JSON.stringify(bad[0] && pos.get(bad[0].key))}`);
  const speed = latestByKey('vehicle_speed', d.speedLastId);
  const wrong = markers.filter((p) => !speed.has(p.key) || p.speed !== speed.get(p.key).value);
  check(`map ${label}: each marker shows its key's latest speed`,
    markers.length > 0 && wrong.length === 0,
    `${wrong.length} of ${markers.length} wrong; e.g. ${JSON.stringify(wrong[0])} vs ` +
      `${JSON.stringify(wrong[0] && speed.get(wrong[0].key))}`);
}

/** The map section on a fresh page of the demo. */
async function mapChecks(page) {
  const dir = path.dirname(screenshot);
  const shown = await waitFor(() => page.evaluate((n) => {
    const d = window.__cqMap && window.__cqMap.drawn();
    return d && d.view && d.markers.length >= n && d.markers.every((p) => p.speed !== null) &&
      document.getElementById('map').dataset.state === 'open' && d;
  }, vehicles), 30000, 250);
  const what = await page.evaluate(() => `${document.getElementById('map-name').textContent} ` +
    `${document.getElementById('map-what').textContent}`);
  check('map shown for vehicle_pos, speed paired from vehicle_speed',
    shown && /^vehicle_pos .*speed from vehicle_speed/.test(what), `heading "${what}", drawn ${JSON.stringify(shown).slice(0, 200)}`);
  if (!shown)
    return;
  const d1 = await mapFrame(page, path.join(dir, 'map-1.png'));
  // Five more fixes of every vehicle: five seconds of driving, 15 m or
  // more (the slowest go 3 m/s), several pixels at the demo's scale.
  await waitFor(() => page.evaluate((n) => window.__cqMap.drawn().lastId >= n,
    d1.lastId + 5 * vehicles), 15000, 250);
  const d2 = await mapFrame(page, path.join(dir, 'map-2.png'));
  mapFrameChecks('frame 1', d1);
  mapFrameChecks('frame 2', d2);
  const before = new Map(d1.markers.map((p) => [p.key, p]));
  const moved = d2.markers.filter((p) => {
    const q = before.get(p.key);
    return q && (p.lon !== q.lon || p.lat !== q.lat) && Math.hypot(p.x - q.x, p.y - q.y) >= 2;
  });
  check('map: most vehicles moved between the frames (on the ground and >= 2 px on screen)',
    d2.lastId > d1.lastId && moved.length >= 0.8 * vehicles,
    `${moved.length} of ${d2.markers.length} moved; last ids ${d1.lastId} -> ${d2.lastId}`);
  // The table under the map says the same as the markers.
  await page.getByText('positions as a table').click();
  const table = await waitFor(() => page.evaluate(() => {
    const d = window.__cqMap.drawn();
    const rows = [...document.querySelectorAll('#map-table tbody tr')].map((r) =>
      [...r.cells].map((c) => c.textContent));
    return rows.length > 0 && { rows, markers: d.markers };
  }), 5000, 250);
  const off = table ? table.markers.filter((p) => !table.rows.some((r) => r[0] === p.key &&
    r[2] === p.lon.toFixed(6) && r[3] === p.lat.toFixed(6))) : [];
  check('map: its table lists every vehicle at its marker\'s position',
    table && table.rows.length === vehicles && off.length === 0,
    table ? `${table.rows.length} rows, ${off.length} markers not in the table, e.g. ${JSON.stringify(off[0])}` : 'no table rows');
  check('map: no JavaScript errors', page.jsErrors.length === 0, page.jsErrors.slice(0, 3).join(' | '));
  await page.close();
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
    if (n === 'vehicle_pos') {
      // Positions have no value to chart: the table shows lon, lat.
      const cp = await waitFor(async () => {
        const c = await counters(page);
        const v = await page.evaluate(() => {
          const r = document.querySelector('#results tbody tr');
          return r ? r.cells[3].textContent : '';
        });
        return c.name === n && c.rows > 0 && /^13\.\d+, 52\.\d+$/.test(v) && c;
      }, 30000, 250);
      check(`${n}: chosen by a click, table shows coordinates`, cp,
        `seen ${JSON.stringify(await counters(page))}`);
      continue;
    }
    const cw = await waitFor(async () => {
      const c = await counters(page);
      return c.name === n && c.points > 0 && c.rows > 0 && c;
    }, 30000, 250);
    check(`${n}: chosen by a click, chart and table show ${n === 'vehicle_speed' ? 'its values' : 'its windows'}`, cw,
      `seen ${JSON.stringify(await counters(page))}`);
  }

  await page.getByRole('button', { name: 'show temp_f live' }).click();
  await waitFor(async () => (await counters(page)).points >= 20, 10000, 200);
  await sleep(300); // one redraw period of the page
  await page.screenshot({ path: screenshot, fullPage: true });
  check('no JavaScript errors on the page', page.jsErrors.length === 0, page.jsErrors.slice(0, 3).join(' | '));
  check('the page requests nothing outside the relay', page.foreign.length === 0, page.foreign.slice(0, 3).join(' '));
  await page.close();

  // --- the map of the demo's vehicles
  await mapChecks(await openPage(`${base}/`));

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
