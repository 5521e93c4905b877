// test/relay/api.mjs: the relay's JSON and plain HTTP endpoints.
//
// usage: node api.mjs BASE ORIGIN QUERIES_JSON REPLAY_QUERY REPLAY_FROM
//                     REPLAY_COUNT [TOKEN_BASE TOKEN1 TOKEN2]
//   BASE          http://127.0.0.1:PORT of a relay started with
//                 --cors-origin=ORIGIN and no token
//   QUERIES_JSON  file: JSON array of the rows of cqstream.queries
//   REPLAY_QUERY  a query whose log holds REPLAY_COUNT results after
//                 REPLAY_FROM (replayed with last_event_id=REPLAY_FROM to
//                 make the metrics move)
//   TOKEN_BASE    a relay started with --token=TOKEN1 --token=TOKEN2
//
// Design notes
//
// Plain fetch, one check per promise of relay-spec.md: /queries and
// /queries/{name} against the database's own view, the link object's
// exact shape, the JSON error body of every error status, CORS, /healthz,
// /metrics counters that must move by at least what this script itself
// caused, and bearer tokens by header and by query parameter.

import fs from 'node:fs';
import { isDeepStrictEqual } from 'node:util';
import { check, show } from './lib.mjs';

const [base, origin, queriesFile, replayQuery, replayFrom, replayCount, tokenBase, token1, token2] = process.argv.slice(2);
const dbQueries = JSON.parse(fs.readFileSync(queriesFile, 'utf8'));

async function get(path, init = {}, b = base) {
  const res = await fetch(b + path, { redirect: 'manual', ...init });
  const body = await res.text();
  let json;
  try {
    json = JSON.parse(body);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, body, json };
}

function isErrorBody(r, status) {
  return r.status === status && (r.headers.get('content-type') || '').startsWith('application/json') &&
    r.json && r.json.error && r.json.error.status === status && typeof r.json.error.message === 'string' &&
    r.json.error.message.length > 0;
}

const fields = ['name', 'kind', 'source', 'spec', 'owner', 'status', 'rows_processed', 'results_emitted',
  'rows_skipped', 'rows_late', 'last_result_id', 'lag', 'last_error', 'channel', 'created'];

function linkOk(q) {
  const want = [{ rel: 'cquery', queryId: q.name, href: `/queries/${q.name}/stream`,
    channel: `cqstream_${q.name}`, status: q.status, type: 'text/event-stream' }];
  return isDeepStrictEqual(q.links, want);
}

// ---- /queries
{
  const r = await get('/queries');
  const list = r.json && r.json.queries;
  check('GET /queries: 200 application/json {"queries":[...]}', r.status === 200 && Array.isArray(list) &&
    (r.headers.get('content-type') || '').startsWith('application/json'), `${r.status} ${show(r.body)}`);
  const names = (list || []).map((q) => q.name).sort();
  const want = dbQueries.map((q) => q.name).sort();
  check(`GET /queries: the ${want.length} queries of cqstream.queries`, isDeepStrictEqual(names, want),
    `got ${show(names)} want ${show(want)}`);
  const missing = (list || []).flatMap((q) => fields.filter((f) => !(f in q)).map((f) => `${q.name}.${f}`));
  check('GET /queries: every query has all the view\'s columns', list && missing.length === 0, show(missing));
  const badLinks = (list || []).filter((q) => !linkOk(q)).map((q) => q.links);
  check('GET /queries: links = [{rel:"cquery",queryId,href,channel,status,type}]', list && badLinks.length === 0,
    show(badLinks[0]));
}

// ---- /queries/{name}
{
  const q = dbQueries.find((x) => x.name === replayQuery);
  const r = await get(`/queries/${replayQuery}`);
  const j = r.json || {};
  const same = j.name === q.name && j.kind === q.kind && j.channel === q.channel && j.status === q.status &&
    isDeepStrictEqual(j.spec, q.spec) && String(j.last_result_id) === String(q.last_result_id) &&
    Number(j.results_emitted) === Number(q.results_emitted);
  check(`GET /queries/${replayQuery}: 200, equals the view's row`, r.status === 200 && same && linkOk(j),
    `${r.status} ${show(r.body, 300)} vs ${show(q, 200)}`);
  const u = await get('/queries/no_such_query');
  check('GET /queries/no_such_query: 404 JSON error', isErrorBody(u, 404), `${u.status} ${u.headers.get('content-type')} ${show(u.body)}`);
  const s = await get('/queries/no_such_query/stream');
  check('GET /queries/no_such_query/stream: 204, no body', s.status === 204 && s.body === '', `${s.status} ${show(s.body)}`);
}

// ---- errors
{
  const p = await get('/queries', { method: 'POST', body: '{}' });
  check('POST /queries: 405 JSON error', isErrorBody(p, 405), `${p.status} ${show(p.body)}`);
  const d = await get(`/queries/${replayQuery}`, { method: 'DELETE' });
  check(`DELETE /queries/${replayQuery}: 405 JSON error`, isErrorBody(d, 405), `${d.status} ${show(d.body)}`);
  const b = await get('/stream');
  check('GET /stream without query=: 400 JSON error', isErrorBody(b, 400), `${b.status} ${show(b.body)}`);
  const n = await get('/nothing/here');
  check('GET /nothing/here: 404 JSON error', isErrorBody(n, 404), `${n.status} ${show(n.body)}`);
}

// ---- CORS
{
  const pre = await get(`/queries/${replayQuery}/stream`, { method: 'OPTIONS', headers: {
    Origin: origin, 'Access-Control-Request-Method': 'GET',
    'Access-Control-Request-Headers': 'last-event-id, authorization' } });
  const allowH = (pre.headers.get('access-control-allow-headers') || '').toLowerCase();
  check('OPTIONS preflight from the allowed origin: 2xx, origin echoed, Last-Event-ID and Authorization allowed',
    pre.status >= 200 && pre.status < 300 && pre.headers.get('access-control-allow-origin') === origin &&
    allowH.includes('last-event-id') && allowH.includes('authorization'),
    `${pre.status} ACAO=${pre.headers.get('access-control-allow-origin')} ACAH=${allowH}`);
  const other = await get(`/queries/${replayQuery}/stream`, { method: 'OPTIONS', headers: {
    Origin: 'http://evil.example', 'Access-Control-Request-Method': 'GET' } });
  check('OPTIONS preflight from another origin: no Access-Control-Allow-Origin',
    !other.headers.get('access-control-allow-origin'), `ACAO=${other.headers.get('access-control-allow-origin')}`);
  const ac = new AbortController();
  const res = await fetch(`${base}/queries/${replayQuery}/stream`, { headers: { Origin: origin }, signal: ac.signal });
  check('stream with the allowed Origin: Access-Control-Allow-Origin echoed, Vary: Origin',
    res.headers.get('access-control-allow-origin') === origin && /\borigin\b/i.test(res.headers.get('vary') || ''),
    `ACAO=${res.headers.get('access-control-allow-origin')} Vary=${res.headers.get('vary')}`);
  ac.abort();
}

// ---- /healthz
{
  const h = await get('/healthz');
  check('GET /healthz: 200 {"status":"ok","database":true,"listening":N}', h.status === 200 && h.json &&
    h.json.status === 'ok' && h.json.database === true && Number.isInteger(h.json.listening),
    `${h.status} ${show(h.body)}`);
}

// ---- /metrics move
function metric(text, name) {
  const m = new RegExp(`^${name}(\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'm').exec(text);
  return m ? Number(m[2]) : NaN;
}
{
  const names = ['cqstream_relay_clients', 'cqstream_relay_events_in_total', 'cqstream_relay_events_out_total',
    'cqstream_relay_bytes_out_total', 'cqstream_relay_slow_client_closes_total', 'cqstream_relay_replays_total',
    'cqstream_relay_db_reconnects_total', 'cqstream_relay_notification_queue_usage'];
  const m0 = await get('/metrics');
  const missing = names.filter((n) => Number.isNaN(metric(m0.body, n)));
  check('GET /metrics: 200 text/plain with every metric of the spec', m0.status === 200 &&
    (m0.headers.get('content-type') || '').startsWith('text/plain') && missing.length === 0,
    `${m0.status} ${m0.headers.get('content-type')} missing ${show(missing)}`);
  // Replay the whole log of one query, counting ids, then look again
  const ac = new AbortController();
  // identity: bytes_out counts the bytes written, compressed ones under gzip
  // (which fetch asks for by default)
  const res = await fetch(`${base}/queries/${replayQuery}/stream?last_event_id=${replayFrom}`,
    { signal: ac.signal, headers: { 'Accept-Encoding': 'identity' } });
  const reader = res.body.getReader();
  const dec = new TextDecoder();
  let buf = '';
  let seen = 0;
  const end = Date.now() + 15000;
  while (seen < Number(replayCount) && Date.now() < end) {
    const { value, done } = await reader.read();
    if (done)
      break;
    buf += dec.decode(value, { stream: true });
    seen = (buf.match(/^id: /gm) || []).length;
  }
  const m1 = await get('/metrics');
  const clientsDuring = metric(m1.body, 'cqstream_relay_clients');
  ac.abort();
  const d = (n) => metric(m1.body, n) - metric(m0.body, n);
  check(`replay of ${replayCount} results with last_event_id=<before the first>`, seen === Number(replayCount), `saw ${seen}`);
  check('metrics move: events_out += replayed, bytes_out += bytes, replays += 1, clients >= 1',
    d('cqstream_relay_events_out_total') >= seen && d('cqstream_relay_bytes_out_total') >= buf.length &&
    d('cqstream_relay_replays_total') >= 1 && clientsDuring >= 1,
    `events_out +${d('cqstream_relay_events_out_total')} bytes_out +${d('cqstream_relay_bytes_out_total')} (${buf.length} read) replays +${d('cqstream_relay_replays_total')} clients ${clientsDuring}`);
}

// ---- bearer tokens
if (tokenBase) {
  const no = await get('/queries', {}, tokenBase);
  check('token relay: /queries without a token: 401 JSON error', isErrorBody(no, 401), `${no.status} ${show(no.body)}`);
  const wrong = await get('/queries', { headers: { Authorization: `Bearer ${token1}x` } }, tokenBase);
  check('token relay: wrong token: 401', isErrorBody(wrong, 401), `${wrong.status}`);
  const hdr = await get('/queries', { headers: { Authorization: `Bearer ${token1}` } }, tokenBase);
  check('token relay: Authorization: Bearer (first token): 200', hdr.status === 200 && hdr.json && Array.isArray(hdr.json.queries), `${hdr.status}`);
  const qp = await get(`/queries?access_token=${encodeURIComponent(token2)}`, {}, tokenBase);
  check('token relay: ?access_token= (second token): 200', qp.status === 200, `${qp.status}`);
  const sNo = await get(`/queries/${replayQuery}/stream`, {}, tokenBase);
  check('token relay: stream without a token: 401', sNo.status === 401, `${sNo.status}`);
  const ac = new AbortController();
  const sOk = await fetch(`${tokenBase}/queries/${replayQuery}/stream?access_token=${encodeURIComponent(token1)}`, { signal: ac.signal });
  check('token relay: stream with ?access_token=: 200 text/event-stream', sOk.status === 200 &&
    (sOk.headers.get('content-type') || '').startsWith('text/event-stream'), `${sOk.status} ${sOk.headers.get('content-type')}`);
  ac.abort();
  const h = await get('/healthz', {}, tokenBase);
  check('token relay: /healthz stays open', h.status === 200, `${h.status}`);
}
