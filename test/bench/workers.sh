#!/usr/bin/env bash
#
# test/bench/workers.sh: two heavy queries on one worker against the same
# two on two workers (cqstream.workers_per_database, issue 15 item 5;
# `make bench`, run by test/bench/run.sh).
#
# Design notes
#
# Two sources a and b, each with one transform keyed by k ('mul 1.8 |
# add 32').  The database has two workers (workers_per_database = 2)
# throughout, and the case decides where the queries run: on one worker
# (ids of the same parity: the rule, src/engine/assignment.c, is (id mod
# 1024) mod N) or on two (ids of different parities); b is dropped and
# created again until its id has the parity the case wants, and the
# bench checks in pg_locks that the queries' slot locks are held by one
# or two workers before it times anything.  Why not workers_per_database
# 1 against 2: the second worker would then be a process started for
# the case, and a fresh process pays a page fault for each page of
# shared memory it touches first (some 30,000 for this load, at 10 to
# 35 us each on this machine, a quarter of a second the steady state
# does not have); with both workers kept, each case runs on warm
# processes, as a server does.  A first round of both cases, not
# counted, warms the buffers and the workers' caches.  ROWS rows (default
# 1,000,000) are copied into each source from a file in ONE transaction;
# what is timed is the work after its commit: from the COMMIT's return
# until both queries have processed every row (lib/wait_processed.sql,
# polled every 20 ms, on the server's clock).  The writer's COPY is the same in both cases and
# is not part of the number.  Cases alternate (1, 2, 1, 2, ...) so that
# the machine's noise falls on both; the table shows the medians.
# Autovacuum is off on the two sources, so that an ANALYZE of the fresh
# rows does not land in one case's timing and not the other's.  The
# setting is changed by ALTER SYSTEM and pg_reload_conf, and reset at
# the end.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE
# (run.sh sets them), PG_BINDIR (psql), WORKERS_ROWS (rows per source),
# CQ_BENCH_RUNS (runs per case, default 5), WORKERS_COMMITS (single-row
# commits of the wake-up table, default 5,000).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
ROWS=${WORKERS_ROWS:-1000000}
RUNS=${CQ_BENCH_RUNS:-5}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-workers.XXXXXX")
DATA=$WORK/src.tsv
q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

cleanup()
{
	q -c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name IN ('bench_wa', 'bench_wb')" \
		-c 'DROP TABLE IF EXISTS bench_wsa, bench_wsb' \
		-c 'ALTER SYSTEM RESET cqstream.workers_per_database' \
		-c 'SELECT pg_reload_conf()' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

# set_workers N: the setting, then wait until the database has N workers
set_workers()
{
	q -c "ALTER SYSTEM SET cqstream.workers_per_database = $1" \
		-c 'SELECT pg_reload_conf()' >/dev/null
	q -c "DO \$\$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	WHILE (SELECT count(*) FROM pg_stat_activity
		   WHERE backend_type = 'cqstream worker'
		   AND datname = current_database()) <> $1 LOOP
		IF clock_timestamp() - t0 > interval '60 s' THEN
			RAISE EXCEPTION 'not $1 cqstream workers after 60 s';
		END IF;
		PERFORM pg_sleep(0.05);
		PERFORM pg_stat_clear_snapshot();
	END LOOP;
END \$\$"
}

q -c "SELECT setseed(0.5)" >/dev/null
q -c "COPY (SELECT 'k' || (i % 1000), '2026-01-01 00:00:00+00'::timestamptz
		+ i * interval '1 ms', 0.1 + 99.9 * random()
	  FROM generate_series(1, $ROWS) AS i) TO STDOUT" >"$DATA"
[ "$(wc -l <"$DATA")" -eq "$ROWS" ]
HERE=$(dirname "$(readlink -f "$0")")
q -f "$HERE/lib/wait_worker.sql"

# worker_ticks: CPU clock ticks (utime + stime) of the database's workers
worker_ticks()
{
	local pid sum=0
	for pid in $(q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = current_database()"); do
		sum=$((sum + $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)))
	done
	echo "$sum"
}

# run_case N: prints the seconds from the load's commit until both
# queries have processed all its rows, with the queries on N workers,
# and the CPU seconds the workers used meanwhile
run_case()
{
	local n=$1 holders c0 t same
	q -c "SET client_min_messages = warning" \
		-c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name IN ('bench_wa', 'bench_wb')" \
		-c 'DROP TABLE IF EXISTS bench_wsa, bench_wsb' >/dev/null
	for s in a b; do
		q -c "CREATE TABLE bench_ws$s (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k text, ts timestamptz, v float8) WITH (autovacuum_enabled = off)" \
			-c "SELECT cqstream.create_transform('bench_w$s', 'bench_ws$s', 'ts', 'v', 'mul 1.8 | add 32', key_column => 'k')" >/dev/null
	done
	# b's id takes the parity of a's for one worker, the other for two
	same=$(q -c "SELECT count(DISTINCT id % 1024 % 2) FROM cqstream.query WHERE name IN ('bench_wa', 'bench_wb')")
	if [ "$same" -ne "$n" ]; then
		q -c "SET client_min_messages = warning" -c "SELECT cqstream.drop_query('bench_wb')" \
			-c "SELECT cqstream.create_transform('bench_wb', 'bench_wsb', 'ts', 'v', 'mul 1.8 | add 32', key_column => 'k')" >/dev/null
	fi
	# Each worker holds the slot locks of its queries (assignment.c)
	holders=$(q -c "DO \$\$ BEGIN PERFORM pg_sleep(0.5); END \$\$" -c "SELECT count(DISTINCT pid) FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 4 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objid::int8 IN (SELECT id % 1024 FROM cqstream.query WHERE name IN ('bench_wa', 'bench_wb'))")
	if [ "$holders" != "$n" ]; then
		echo "workers: the two queries meant for $n worker(s) are held by $holders" >&2
		return 1
	fi
	q -c "CHECKPOINT" >/dev/null
	c0=$(worker_ticks)
	t=$(q <<SQL | grep '^RESULT ' | awk '{ printf "%.3f\n", $3 - $2 }'
\\set ON_ERROR_STOP on
BEGIN;
\\copy bench_wsa (k, ts, v) FROM '$DATA'
\\copy bench_wsb (k, ts, v) FROM '$DATA'
COMMIT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
\\set rows $ROWS
\\set timeout 300
\\set query bench_wa
\\i $HERE/lib/wait_processed.sql
\\set query bench_wb
\\i $HERE/lib/wait_processed.sql
SELECT extract(epoch FROM clock_timestamp()) AS t1 \\gset
SELECT count(*) = 2 AS ok FROM cqstream.queries
	WHERE name IN ('bench_wa', 'bench_wb') AND status = 'running'
	AND results_emitted = $ROWS \\gset
\\if :ok
\\echo RESULT :t0 :t1
\\else
\\warn 'wrong result count or a failed query'
\\endif
SQL
)
	[ -n "$t" ] || return 1
	echo "$t $(awk -v c=$(($(worker_ticks) - c0)) -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.2f", c / hz }')"
}

median()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

T1=
T2=
C1=
C2=
set_workers 2
for ((i = 0; i <= RUNS; i++)); do
	for n in 1 2; do
		r=$(run_case "$n") || {
			echo "workers: run $i with $n worker(s) failed" >&2
			exit 1
		}
		# Round 0 warms up
		[ "$i" -gt 0 ] || continue
		t=${r% *}
		printf '  run %d, %d worker(s): %7.3f s after the commit, workers %5.2f CPU s, load average %s\n' \
			"$i" "$n" "$t" "${r#* }" "$(cut -d' ' -f1 /proc/loadavg)"
		if [ "$n" -eq 1 ]; then
			T1+="$t "
			C1+="${r#* } "
		else
			T2+="$t "
			C2+="${r#* } "
		fi
	done
done

# Wake-ups go to the workers that run a query of the written source
# (docs/engine.md): what does a commit cost the worker that owns no query
# of it?  COMMITS single-row commits into bench_wsa (its query on one
# worker), the CPU time (utime + stime, /proc) of both workers over them.
COMMITS=${WORKERS_COMMITS:-5000}
lockpid()
{
	q -c "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 4 AND database = (SELECT oid FROM pg_database WHERE datname = current_database()) AND objid::int8 = (SELECT id % 1024 FROM cqstream.query WHERE name = '$1')"
}
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}
owner=$(lockpid bench_wa)
other=$(lockpid bench_wb)
echo "INSERT INTO bench_wsa (k, ts, v) VALUES ('w', now(), 1);" >"$WORK/commit.sql"
o0=$(cpu_ticks "$owner")
x0=$(cpu_ticks "$other")
"${PG_BINDIR:+$PG_BINDIR/}pgbench" -n -c 1 -t "$COMMITS" -f "$WORK/commit.sql" >/dev/null
q -c "DO \$\$ BEGIN PERFORM pg_sleep(0.5); END \$\$"
o1=$(cpu_ticks "$owner")
x1=$(cpu_ticks "$other")
hz=$(getconf CLK_TCK)

awk -v rows="$ROWS" -v runs="$RUNS" -v t1="$(median "$T1")" -v t2="$(median "$T2")" \
	-v c1="$(median "$C1")" -v c2="$(median "$C2")" -v load="$(cut -d' ' -f1-3 /proc/loadavg)" \
	-v commits="$COMMITS" -v hz="$hz" -v own=$((o1 - o0)) -v oth=$((x1 - x0)) '
	BEGIN {
		printf "Two transforms (mul 1.8 | add 32, keyed), %d rows each in one commit, workers_per_database 2; work after the commit (median of %d runs)\n", rows, runs
		fmt = "%-36s | %13s | %15s | %7s | %13s\n"
		printf fmt, "case", "after commit s", "rows/s (both)", "speedup", "workers CPU s"
		printf "%s\n", "-------------------------------------+---------------+-----------------+---------+--------------"
		printf fmt, "both on one worker", sprintf("%.2f", t1), sprintf("%.0f", 2 * rows / t1), "1.00x", sprintf("%.2f", c1)
		printf fmt, "one on each worker", sprintf("%.2f", t2), sprintf("%.0f", 2 * rows / t2), sprintf("%.2fx", t1 / t2), sprintf("%.2f", c2)
		printf "(machine load average at the end: %s; other processes share the 2 cores)\n", load
		print ""
		print "target (issue 15, item 5):"
		printf "  %-40s %-20s %s\n", "two workers >= 1.6x faster than one", sprintf("%.2fx", t1 / t2), (t1 / t2 >= 1.6 ? "met" : "MISSED")
		print ""
		printf "Wake-ups reach the owner only: %d single-row commits into the source of one query\n", commits
		fmt = "%-36s | %13s | %15s\n"
		printf fmt, "worker", "CPU s", "CPU us/commit"
		printf "%s\n", "-------------------------------------+---------------+----------------"
		printf fmt, "owner of the query", sprintf("%.2f", own / hz), sprintf("%.0f", 1e6 * own / hz / commits)
		printf fmt, "the other (not woken)", sprintf("%.2f", oth / hz), sprintf("%.0f", 1e6 * oth / hz / commits)
	}'
