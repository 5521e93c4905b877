#!/usr/bin/env bash
#
# test/bench/relay_auth.sh: what JSON Web Tokens and the per-role
# authorization cost the relay (`make bench`, run by test/bench/run.sh).
#
# Design notes
#
# The same relay binary twice in one run, pinned to core 0 (taskset -c 0),
# the load client (test/bench/sseload.c) on core 1 when there is one:
#
#   open: logged in as the cluster's superuser, no authentication (today's
#         unauthenticated streams, the baseline);
#   jwt:  logged in as bench_auth_login (LOGIN NOINHERIT, granted
#         bench_auth_web), --jwt-secret, every stream with an HS256 token
#         (?access_token=, role bench_auth_web, exp an hour ahead, so each
#         stream also holds its expiry timer) and its authorization checked
#         as that role (a probe of the query's results run as the role,
#         docs/relay.md "JSON Web Tokens").
#
#   gzip: as open, every stream asking for gzip (Accept-Encoding: gzip,
#         sseload -z): the memory an idle compressed stream costs beside
#         an uncompressed one (relay/gzip.c; target: the uncompressed
#         figure stays at or under 4 kB).
#
# For each: 1,000 then 10,000 idle streams of one query; memory per idle
# client = (RSS with the streams - RSS at start) / streams, and stream
# opens per second = streams / the time until every one of them had its
# 200 response and first body bytes (sseload's connect_s; at most 256
# connecting at a time).  Tokens are made here with openssl, not by the
# relay.  Everything made (relays, query, table, roles) is removed at the
# end, however the run ends.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE and
# PG_BINDIR (run.sh sets them); CQ_RELAY_BIN (default relay/cqstream-relay).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
SECRET=bench-relay-auth-secret-0123456789abcdef
COUNTS=(1000 3000 10000)

# shellcheck source=test/lib/cluster.sh
. "$CQ_ROOT/test/lib/cluster.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-authbench.XXXXXX")
chmod 755 "$WORK"
: >"$WORK/pids"

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

stop_pid()
{
	local pid=$1 i
	[ -n "$pid" ] || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	sed -i "/^$pid\$/d" "$WORK/pids" 2>/dev/null || true
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	local pid
	for pid in $(tac "$WORK/pids" 2>/dev/null); do
		stop_pid "$pid"
	done
	"$PSQL" -X -q -c "SELECT cqstream.drop_query('bench_auth_q') FROM cqstream.queries WHERE name = 'bench_auth_q'" \
		-c 'DROP TABLE IF EXISTS bench_auth_src' \
		-c 'DROP ROLE IF EXISTS bench_auth_login' \
		-c 'DROP ROLE IF EXISTS bench_auth_web' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

cc -O2 -Wall -Wextra -Werror -o "$WORK/sseload" \
	"$CQ_ROOT/test/bench/sseload.c" -levent
RELAY=${CQ_RELAY_BIN:-$CQ_ROOT/relay/cqstream-relay}
[ -x "$RELAY" ] || RELAY=${PG_BINDIR:+$PG_BINDIR/}cqstream-relay
NOFILE=$(ulimit -Hn)
SERVER_CPU=(taskset -c 0)
CLIENT_CPU=()
[ "$(nproc)" -lt 2 ] || CLIENT_CPU=(taskset -c 1)

# The worker must be up before the query is created (as in relay.sh)
q -f "$(dirname "$(readlink -f "$0")")/lib/wait_worker.sql"
q >/dev/null <<'SQL'
SET client_min_messages = warning;
DROP TABLE IF EXISTS bench_auth_src;
CREATE TABLE bench_auth_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	k text NOT NULL, ts timestamptz NOT NULL DEFAULT now(), v float8 NOT NULL);
DROP ROLE IF EXISTS bench_auth_login;
DROP ROLE IF EXISTS bench_auth_web;
CREATE ROLE bench_auth_login LOGIN NOINHERIT;
CREATE ROLE bench_auth_web NOLOGIN;
GRANT bench_auth_web TO bench_auth_login;
SELECT cqstream.create_transform('bench_auth_q', 'bench_auth_src', 'ts', 'v',
	'mul 1', key_column => 'k');
SELECT cqstream.grant_results('bench_auth_q', 'bench_auth_web');
SQL

# An HS256 token made with openssl: role bench_auth_web, exp in an hour
b64url()
{
	openssl base64 -A | tr '+/' '-_' | tr -d '='
}
header=$(printf '%s' '{"alg":"HS256","typ":"JWT"}' | b64url)
claims=$(printf '{"role":"bench_auth_web","exp":%d}' "$(($(date +%s) + 3600))" | b64url)
sig=$(printf '%s' "$header.$claims" | openssl dgst -sha256 -hmac "$SECRET" -binary | b64url)
TOKEN=$header.$claims.$sig

declare -A R

# run MODE: start the relay in MODE (open, jwt or gzip), measure, stop it
run()
{
	local mode=$1 port pid rss0 rss n path line secs ticks
	local -a flags=(--max-clients=18000) zflag=()
	local user=${PGUSER:-postgres}
	[ "$mode" != gzip ] || zflag=(-z)
	path=/queries/bench_auth_q/stream
	if [ "$mode" = jwt ]; then
		user=bench_auth_login
		flags+=(--jwt-secret="$SECRET")
		path="$path?access_token=$TOKEN"
	fi
	port=$(cq_free_port 18900)
	(
		ulimit -n "$NOFILE"
		exec "${SERVER_CPU[@]}" "$RELAY" --listen="127.0.0.1:$port" \
			--db="host=$PGHOST port=$PGPORT user=$user dbname=$PGDATABASE" \
			"${flags[@]}"
	) >"$WORK/relay-$mode.log" 2>&1 &
	pid=$!
	echo "$pid" >>"$WORK/pids"
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$port/healthz" && break
		sleep 0.1
	done
	# A first stream: the query's topic exists for every run after it
	curl -s -o /dev/null --max-time 1 "http://127.0.0.1:$port$path" || true
	sleep 0.5
	rss0=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
	for n in "${COUNTS[@]}"; do
		rm -f "$WORK/ready"
		ticks=$(awk '{ print $14 + $15 }' "/proc/$pid/stat")
		"${CLIENT_CPU[@]}" "$WORK/sseload" sub -n "$n" -c 100 -e 0 -t 600 "${zflag[@]}" \
			-r "$WORK/ready" "127.0.0.1:$port" "$path" >"$WORK/sub.out" \
			2>"$WORK/sub.err" &
		local cpid=$!
		echo "$cpid" >>"$WORK/pids"
		while [ ! -e "$WORK/ready" ]; do
			kill -0 "$cpid" 2>/dev/null || {
				echo "relay_auth: load client ended early" >&2
				cat "$WORK/sub.err" >&2
				return 1
			}
			sleep 0.05
		done
		R[$mode.cpu$n]=$(awk -v t="$(($(awk '{ print $14 + $15 }' "/proc/$pid/stat") - ticks))" \
			-v hz="$(getconf CLK_TCK)" -v n="$n" 'BEGIN { printf "%.0f", 1e6 * t / hz / n }')
		sleep 1
		rss=$(awk '/^VmRSS:/ { print $2 }' "/proc/$pid/status")
		stop_pid "$cpid"
		line=$(tail -n 1 "$WORK/sub.out")
		case $line in
			*" failed=0 bad_status=0 closed=0 "*) ;;
			*)
				echo "relay_auth: $mode streams failed: $line" >&2
				tail -n 5 "$WORK/relay-$mode.log" >&2
				return 1
				;;
		esac
		secs=$(tr ' ' '\n' <<<"$line" | awk -F= '$1 == "connect_s" { print $2 }')
		R[$mode.kb$n]=$(awk -v a="$rss0" -v b="$rss" -v n="$n" 'BEGIN { printf "%.2f", (b - a) / n }')
		R[$mode.opens$n]=$(awk -v n="$n" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? n / s : 0) }')
		printf '  %-4s %5d idle streams: RSS %d -> %d kB, %s kB/client; opened in %s s (%s/s), relay CPU %s us/open\n' \
			"$mode" "$n" "$rss0" "$rss" "${R[$mode.kb$n]}" "$secs" "${R[$mode.opens$n]}" \
			"${R[$mode.cpu$n]}"
		# Let the relay see them go before the next round
		sleep 1
	done
	stop_pid "$pid"
}

status=0
for mode in open jwt gzip; do
	run "$mode" || status=1
done

ROWFMT="%-40s | %12s | %12s | %7s | %-12s | %s\n"
# row NAME OPEN JWT TARGET TEST: TEST an awk condition on the JWT value
row()
{
	awk -v name="$1" -v o="$2" -v j="$3" -v target="$4" -v test="$5" \
		-v fmt="$ROWFMT" 'BEGIN {
			split(test, a, " ");
			met = (j == "") ? "n/a" : (a[1] == ">=" ? (j + 0 >= a[2] ? "met" : "MISSED") \
				: (j + 0 <= a[2] ? "met" : "MISSED"));
			if (test == "")
				met = "";
			ratio = (o + 0 > 0 && j + 0 > 0) ? sprintf("%.2f", j / o) : "-";
			printf fmt, name, (o == "" ? "n/a" : o), (j == "" ? "n/a" : j), ratio,
				target, met;
		}'
}
echo
echo "cqstream-relay with JWT + per-role authorization beside unauthenticated streams, relay pinned to core 0 (ratio: jwt / open)"
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$ROWFMT" metric open jwt ratio target "met?"
echo "-----------------------------------------+--------------+--------------+---------+--------------+------"
for n in "${COUNTS[@]}"; do
	row "stream opens/s, $n streams" "${R[open.opens$n]:-}" "${R[jwt.opens$n]:-}" ">= 2,000/s" ">= 2000"
done
for n in "${COUNTS[@]}"; do
	row "relay CPU per open (us), $n streams" "${R[open.cpu$n]:-}" "${R[jwt.cpu$n]:-}" "" ""
done
for n in "${COUNTS[@]}"; do
	row "memory per idle client, $n (kB)" "${R[open.kb$n]:-}" "${R[jwt.kb$n]:-}" "<= 8 kB" "<= 8"
done
echo
echo "Idle streams compressed (Accept-Encoding: gzip) beside uncompressed, same relay build (ratio: gzip / open)"
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$ROWFMT" metric open gzip ratio target "met?"
echo "-----------------------------------------+--------------+--------------+---------+--------------+------"
for n in "${COUNTS[@]}"; do
	row "memory per idle client, $n (kB)" "${R[open.kb$n]:-}" "${R[gzip.kb$n]:-}" "open <= 4 kB" ""
done
for n in "${COUNTS[@]}"; do
	row "stream opens/s, $n streams" "${R[open.opens$n]:-}" "${R[gzip.opens$n]:-}" "" ""
done
exit "$status"
