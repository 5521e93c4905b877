#!/usr/bin/env bash
#
# test/bench/replica.sh: commit on the primary to event at a client,
# through a relay on the primary and through a relay on a hot standby
# (replica mode, relay/replica.c), side by side (`make bench`, run by
# test/bench/run.sh).
#
# Design notes
#
# The bench cluster is the primary; a standby is made from it here with
# pg_basebackup (streaming, -R) on a free port.  One transform query over
# bench_rep_src; one relay on each server; one client on each relay
# (test/bench/latency_client.mjs: fetch, no library), both open before the
# writer starts.  The writer commits ROWS single-row transactions, one
# every 20 ms (a DO block with COMMIT), each row's t = clock_timestamp()
# just before its commit, which the result carries as "datetime"; commits
# are flushed (synchronous_commit = on) as in production.  A
# client's delay for an event = its arrival time - that datetime.  The
# primary's path: commit, the worker's batch, NOTIFY, the relay's read;
# the standby's: the same commit replayed on the standby, then the
# relay's next poll.  p50 and p99 of each, same run.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE and
# PG_BINDIR (run.sh sets them); RELAY_REPLICA_ROWS (1000).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
ROWS=${RELAY_REPLICA_ROWS:-1000}

# shellcheck source=test/lib/cluster.sh
. "$CQ_ROOT/test/lib/cluster.sh"

# As test/lib/common.sh (not sourced: it resets the environment and the
# test artifacts): clusters run as postgres when we are root
as_pg()
{
	if [ "$(id -u)" -eq 0 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

wait_for()
{
	local end=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$end" ] || return 1
		sleep 0.1
	done
}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-replbench.XXXXXX")
chmod 755 "$WORK"
PIDS=()

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	local pid
	for pid in "${PIDS[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	[ -f "$WORK/standby/postmaster.pid" ] &&
		as_pg "$PG_BINDIR/pg_ctl" -D "$WORK/standby" -m immediate -w stop >/dev/null 2>&1
	q -c "SELECT cqstream.drop_query('bench_rep_q') FROM cqstream.queries WHERE name = 'bench_rep_q'" \
		-c 'DROP TABLE IF EXISTS bench_rep_src' \
		-c 'ALTER SYSTEM RESET synchronous_commit' -c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

# The bench cluster commits asynchronously (test/lib/cluster.sh): its WAL
# would reach the standby only when the WAL writer flushes it (up to
# 200 ms later).  As in production, every commit is flushed here.
q -c 'ALTER SYSTEM SET synchronous_commit = on' -c 'SELECT pg_reload_conf()' >/dev/null
q -c 'CREATE TABLE bench_rep_src (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz NOT NULL DEFAULT clock_timestamp(), v float8 NOT NULL)' \
	-c "SELECT cqstream.create_transform('bench_rep_q', 'bench_rep_src', 't', 'v', 'add 0')" >/dev/null

# The standby
[ "$(id -u)" -ne 0 ] || chown postgres "$WORK"
SPORT=$(cq_free_port $((PGPORT + 100)))
as_pg "$PG_BINDIR/pg_basebackup" -h "$PGHOST" -p "$PGPORT" -U "${PGUSER:-postgres}" \
	-D "$WORK/standby" -R -X stream >"$WORK/basebackup.log" 2>&1
echo "unix_socket_directories = '$WORK'" >>"$WORK/standby/postgresql.conf"
as_pg "$PG_BINDIR/pg_ctl" -D "$WORK/standby" -l "$WORK/standby.log" -w -t 60 \
	-o "-p $SPORT" start >/dev/null
RELAY=${CQ_RELAY_BIN:-$CQ_ROOT/relay/cqstream-relay}
RP=$(cq_free_port $((SPORT + 1)))
RS=$(cq_free_port $((RP + 1)))
"$RELAY" --db="host=$PGHOST port=$PGPORT dbname=$PGDATABASE user=${PGUSER:-postgres}" \
	--listen="127.0.0.1:$RP" >"$WORK/relay-primary.log" 2>&1 &
PIDS+=($!)
"$RELAY" --db="host=127.0.0.1 port=$SPORT dbname=$PGDATABASE user=${PGUSER:-postgres}" \
	--listen="127.0.0.1:$RS" >"$WORK/relay-standby.log" 2>&1 &
PIDS+=($!)
wait_for 20 healthy "$RP"
wait_for 30 healthy "$RS"

node "$CQ_ROOT/test/bench/latency_client.mjs" \
	"http://127.0.0.1:$RP/queries/bench_rep_q/stream" "$WORK/primary.ms" "$ROWS" &
CP=$!
node "$CQ_ROOT/test/bench/latency_client.mjs" \
	"http://127.0.0.1:$RS/queries/bench_rep_q/stream" "$WORK/standby.ms" "$ROWS" &
CS=$!
PIDS+=("$CP" "$CS")
sleep 1

q -c "DO \$\$ BEGIN FOR i IN 1..$ROWS LOOP INSERT INTO bench_rep_src (v) VALUES (i); COMMIT; PERFORM pg_sleep(0.02); END LOOP; END \$\$"
wait "$CP" || echo "bench: the primary's client did not get every event" >&2
wait "$CS" || echo "bench: the standby's client did not get every event" >&2

pct()
{
	sort -n "$1" | awk -v p="$2" '{ a[NR] = $1 } END { i = int(NR * p / 100 + 0.999); if (i < 1) i = 1; printf "%.1f", a[i] }'
}

printf '\ncommit on the primary to event at an SSE client, %d single-row commits, 50/s\n' "$ROWS"
printf '%-34s %10s %10s %8s\n' "relay" "p50 ms" "p99 ms" "events"
printf '%-34s %10s %10s %8s\n' "on the primary (notifications)" "$(pct "$WORK/primary.ms" 50)" "$(pct "$WORK/primary.ms" 99)" "$(wc -l <"$WORK/primary.ms")"
printf '%-34s %10s %10s %8s\n' "on a hot standby (replica mode)" "$(pct "$WORK/standby.ms" 50)" "$(pct "$WORK/standby.ms" 99)" "$(wc -l <"$WORK/standby.ms")"
printf '(standby: + replay lag + at most one poll pause: 10 ms while results flow)\n'
