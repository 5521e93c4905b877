#!/usr/bin/env bash
#
# test/bench/idle.sh: what the engine costs when nothing happens (`make
# bench`, run by test/bench/run.sh).
#
# Design notes
#
# 100 transforms registered on 100 tables of the bench database, and 20
# more databases without the extension; no writes.  After CQ_IDLE_WARMUP
# seconds (10: the launcher tries each new database once, the worker's
# registry passes end), the CPU time of the worker and of the launcher is
# read twice, CQ_IDLE_SECONDS (30) apart, from /proc/PID/stat (utime +
# stime, in clock ticks of 10 ms, as top shows it) and from
# /proc/PID/schedstat (run time in ns, the precise figure), and printed as
# a share of one core beside the target of issue 15 (< 0.1%).  Also
# printed: the CPU time of the postmaster's children that exited during
# the window (cutime + cstime of the postmaster: the short-lived workers a
# launcher would start if it retried the 20 databases without the
# extension, one a second in each; this script opens no connection
# meanwhile, and autovacuum, whose workers also come and go, is turned off
# for the window with ALTER SYSTEM and turned back on after).
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE
# (run.sh sets them), PG_BINDIR (psql).  Runs as a user that may read the
# server's /proc entries (root, or the server's user).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
QUERIES=100
DBS=20
WARMUP=${CQ_IDLE_WARMUP:-10}
export PGOPTIONS="-c client_min_messages=warning"
SECONDS_MEASURED=${CQ_IDLE_SECONDS:-30}

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

cleanup()
{
	q -c "ALTER SYSTEM RESET autovacuum" -c "SELECT pg_reload_conf()" >/dev/null 2>&1 || true
	q -c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name LIKE 'idle_q%'" >/dev/null 2>&1 || true
	for i in $(seq 1 "$QUERIES"); do echo "DROP TABLE IF EXISTS idle_src$i;"; done |
		q >/dev/null 2>&1 || true
	for i in $(seq 1 "$DBS"); do
		q -d postgres -c "DROP DATABASE IF EXISTS cq_idle_nx$i" >/dev/null 2>&1 || true
	done
}
trap cleanup EXIT

q <<SQL
SET client_min_messages = warning;
DO \$\$
BEGIN
	FOR i IN 1..$QUERIES LOOP
		EXECUTE format('DROP TABLE IF EXISTS idle_src%s CASCADE', i);
		EXECUTE format('CREATE TABLE idle_src%s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)', i);
		PERFORM cqstream.drop_query(name) FROM cqstream.queries WHERE name = 'idle_q' || i;
		PERFORM cqstream.create_transform('idle_q' || i, 'idle_src' || i, 't', 'v', 'add 1');
	END LOOP;
END \$\$;
SQL
for i in $(seq 1 "$DBS"); do
	q -d postgres -c "DROP DATABASE IF EXISTS cq_idle_nx$i" -c "CREATE DATABASE cq_idle_nx$i" >/dev/null
done
q -c "ALTER SYSTEM SET autovacuum = off" -c "SELECT pg_reload_conf()" >/dev/null
sleep "$WARMUP"

# pid_of TYPE [DATABASE]
pid_of()
{
	local where="backend_type = '$1'"
	[ -z "${2:-}" ] || where="$where AND datname = '$2'"
	q -c "SELECT pid FROM pg_stat_activity WHERE $where"
}
worker=$(pid_of 'cqstream worker' "$PGDATABASE")
launcher=$(pid_of 'cqstream launcher')
if [ -z "$worker" ] || [ -z "$launcher" ]; then
	echo "idle: no worker ($worker) or launcher ($launcher)" >&2
	exit 1
fi

# ticks PID: utime + stime; ns PID: run time
ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
ns()
{
	awk '{ print $1 }' "/proc/$1/schedstat"
}
# exited children of the postmaster: cutime + cstime
children()
{
	awk '{ print $16 + $17 }' "/proc/$1/stat"
}
postmaster=$(awk '{ print $4 }' "/proc/$worker/stat")

hz=$(getconf CLK_TCK)
w_t0=$(ticks "$worker") w_n0=$(ns "$worker")
l_t0=$(ticks "$launcher") l_n0=$(ns "$launcher")
c_t0=$(children "$postmaster")
sleep "$SECONDS_MEASURED"
w_t1=$(ticks "$worker") w_n1=$(ns "$worker")
l_t1=$(ticks "$launcher") l_n1=$(ns "$launcher")
c_t1=$(children "$postmaster")
[ "$(pid_of 'cqstream worker' "$PGDATABASE")" = "$worker" ] || {
	echo "idle: the worker changed during the measurement" >&2
	exit 1
}

awk -v s="$SECONDS_MEASURED" -v hz="$hz" -v q="$QUERIES" -v dbs="$DBS" \
	-v wt=$((w_t1 - w_t0)) -v wn=$((w_n1 - w_n0)) \
	-v lt=$((l_t1 - l_t0)) -v ln=$((l_n1 - l_n0)) -v ct=$((c_t1 - c_t0)) 'BEGIN {
	printf "idle CPU over %d s: %d idle queries, %d databases without the extension\n", s, q, dbs
	fmt = "%-10s | %16s | %14s | %18s | %14s\n"
	printf fmt, "process", "stat utime+stime", "% of a core", "schedstat run ms", "% of a core"
	print "-----------+------------------+----------------+--------------------+---------------"
	printf fmt, "worker", sprintf("%d ticks", wt), sprintf("%.3f%%", 100 * wt / hz / s),
		sprintf("%.1f", wn / 1e6), sprintf("%.3f%%", 100 * wn / 1e9 / s)
	printf fmt, "launcher", sprintf("%d ticks", lt), sprintf("%.3f%%", 100 * lt / hz / s),
		sprintf("%.1f", ln / 1e6), sprintf("%.3f%%", 100 * ln / 1e9 / s)
	printf fmt, "exited", sprintf("%d ticks", ct), sprintf("%.3f%%", 100 * ct / hz / s), "-", "-"
	print "(exited: processes of the server that ended during the window)"
	print ""
	print "targets (issue 15):"
	tf = "  %-34s %-26s %s\n"
	printf tf, "worker < 0.1% of a core", sprintf("%.3f%%", 100 * wn / 1e9 / s),
		(100 * wn / 1e9 / s < 0.1 ? "met" : "MISSED")
	printf tf, "launcher < 0.1% of a core", sprintf("%.3f%%", 100 * ln / 1e9 / s),
		(100 * ln / 1e9 / s < 0.1 ? "met" : "MISSED")
	printf tf, "exited processes < 0.1% of a core", sprintf("%.3f%%", 100 * ct / hz / s),
		(100 * ct / hz / s < 0.1 ? "met" : "MISSED")
}'
