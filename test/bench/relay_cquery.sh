#!/usr/bin/env bash
#
# test/bench/relay_cquery.sh: the relay's continuous queries over HTTP
# (`make bench`, run by test/bench/run.sh): POST + DELETE pairs per second
# on /collections/{cid}/items/{fid}/tproperties/{pname}/queries, printed
# beside stream opens per second of the same query on /queries/{name}/stream
# and on the collection's .../queries/{qid}/stream.
#
# Design notes
#
# One relay, pinned to core 0 (taskset -c 0), logged in as
# bench_cq_login (LOGIN NOINHERIT, granted bench_cq_web) with
# --jwt-secret; every request carries an HS256 token of role bench_cq_web
# (made here with openssl).  The load client (test/bench/cquery_load.mjs,
# node's fetch) runs on core 1 when there is one, the same client for
# every measure.  A pair is a POST creating a transform (201: the
# collection looked up, the body checked, cqstream.create_query as the
# role) and a DELETE dropping it (204), 8 pairs at a time; a stream open
# lasts until the first body bytes, 64 at a time.  Everything made
# (relay, queries, collection, table, roles) is removed at the end,
# however the run ends.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE and
# PG_BINDIR (run.sh sets them); CQ_RELAY_BIN (default relay/cqstream-relay).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
SECRET=bench-relay-cquery-secret-0123456789abcdef
PAIRS=${CQ_BENCH_PAIRS:-2000}
OPENS=${CQ_BENCH_OPENS:-5000}
BASE_PATH=/collections/bench_cq/items/s1/tproperties/v/queries

# shellcheck source=test/lib/cluster.sh
. "$CQ_ROOT/test/lib/cluster.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-cqbench.XXXXXX")
chmod 755 "$WORK"
PID=

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	local i
	if [ -n "$PID" ] && kill -TERM "$PID" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$PID" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$PID" 2>/dev/null || true
		wait "$PID" 2>/dev/null || true
	fi
	"$PSQL" -X -q -c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE source = 'bench_cq_src'::regclass" \
		-c "SELECT cqstream.drop_collection('bench_cq') FROM cqstream.collections() WHERE id = 'bench_cq'" \
		-c 'DROP TABLE IF EXISTS bench_cq_src' \
		-c 'DROP ROLE IF EXISTS bench_cq_login' \
		-c 'DROP ROLE IF EXISTS bench_cq_web' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

RELAY=${CQ_RELAY_BIN:-$CQ_ROOT/relay/cqstream-relay}
[ -x "$RELAY" ] || RELAY=${PG_BINDIR:+$PG_BINDIR/}cqstream-relay
SERVER_CPU=(taskset -c 0)
CLIENT_CPU=()
[ "$(nproc)" -lt 2 ] || CLIENT_CPU=(taskset -c 1)

q -f "$(dirname "$(readlink -f "$0")")/lib/wait_worker.sql"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_cq_src;
DROP ROLE IF EXISTS bench_cq_login;
DROP ROLE IF EXISTS bench_cq_web;
CREATE ROLE bench_cq_login LOGIN NOINHERIT;
CREATE ROLE bench_cq_web NOLOGIN;
GRANT bench_cq_web TO bench_cq_login;
CREATE TABLE bench_cq_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	t timestamptz NOT NULL DEFAULT now(), fid text NOT NULL, v float8);
ALTER TABLE bench_cq_src OWNER TO bench_cq_web;
SET ROLE bench_cq_web;
SELECT cqstream.create_collection('bench_cq', 'bench_cq_src', 't', 'fid');
SELECT cqstream.create_query('bench_cq_base', 'bench_cq_src',
	'{"operation": "mul", "arg": 2, "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "fid", "keyValue": "s1"}');
SQL

b64url()
{
	openssl base64 -A | tr '+/' '-_' | tr -d '='
}
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"role":"bench_cq_web","exp":%d}' "$(($(date +%s) + 3600))" | b64url)
sig=$(printf '%s' "$header.$claims" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64url)
TOKEN=$header.$claims.$sig

port=$(cq_free_port 18950)
"${SERVER_CPU[@]}" "$RELAY" --listen="127.0.0.1:$port" \
	--db="host=$PGHOST port=$PGPORT user=bench_cq_login dbname=$PGDATABASE" \
	--jwt-secret="$SECRET" --max-clients=4000 >"$WORK/relay.log" 2>&1 &
PID=$!
for ((i = 0; i < 100; i++)); do
	curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
	sleep 0.1
done

# load MODE PATH N C: the client's "rate" (0 on errors, with the line on stderr)
load()
{
	local line
	line=$("${CLIENT_CPU[@]}" node "$CQ_ROOT/test/bench/cquery_load.mjs" "$1" \
		"http://127.0.0.1:$port" "$2" "$TOKEN" "$3" "$4")
	echo "  $1 $2: $line" >&2
	case $line in
		*" errors=0 "*) sed -E 's/.* rate=([0-9]+).*/\1/' <<<"$line" ;;
		*) echo 0 ;;
	esac
}

# warm-up: the topic of bench_cq_base exists, the first pairs are made
load opens /queries/bench_cq_base/stream 100 16 >/dev/null
load pairs "$BASE_PATH" 50 8 >/dev/null
pairs=$(load pairs "$BASE_PATH" "$PAIRS" 8)
opens_q=$(load opens /queries/bench_cq_base/stream "$OPENS" 64)
opens_c=$(load opens "$BASE_PATH/bench_cq_base/stream" "$OPENS" 64)
left=$(q -c "SELECT count(*) FROM cqstream.queries WHERE source = 'bench_cq_src'::regclass")

echo
echo "cqstream-relay: continuous queries over HTTP, JWT (HS256) on every request, relay pinned to core 0"
fmt="%-62s | %10s\n"
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$fmt" metric value
echo "---------------------------------------------------------------+-----------"
# shellcheck disable=SC2059
printf "$fmt" "POST + DELETE pairs/s ($PAIRS pairs, 8 at a time)" "$pairs"
# shellcheck disable=SC2059
printf "$fmt" "stream opens/s, /queries/{name}/stream ($OPENS, 64 at a time)" "$opens_q"
# shellcheck disable=SC2059
printf "$fmt" "stream opens/s, .../queries/{qid}/stream (same)" "$opens_c"
# shellcheck disable=SC2059
printf "$fmt" "queries left after the pairs (want 1)" "$left"
[ "$pairs" != 0 ] && [ "$opens_q" != 0 ] && [ "$opens_c" != 0 ] && [ "$left" = 1 ]
