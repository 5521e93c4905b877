#!/usr/bin/env bash
#
# test/bench/keys.sh: is the engine flat in the number of keys?  (issue
# 15, item 3; `make bench`, run by test/bench/run.sh)
#
# Design notes
#
# The same 1,000,000 rows of src(id identity, k, ts, v) loaded by one
# `\copy`, with 100 and with 10,000 keys round robin, through:
#
#   transform   create_transform 'mul 1.8' by key (a result per row);
#   avg 10 Hz   create_aggregate AVG, TUMBLING 10 s by key, each key
#               reporting every 100 ms: 100 rows a window and 10,000
#               results whatever the number of keys, so only the number
#               of keys differs (1,000 s of data with 100 keys, 10 s with
#               10,000);
#   avg 1 ms    the same aggregate over ts 1 ms apart (windows.sh's data):
#               10,000 keys have 1 row a window, so 100 times the results
#               (1M against 10,000); shown for honesty, it measures the
#               cost of results as much as that of keys.
#
# Each case runs on a freshly started worker (pg_terminate_backend; the
# launcher starts another), after a CHECKPOINT, with a sentinel row at
# 2100-01-01 closing every window; end to end is COPY start until
# rows_processed covers the sentinel (server clock, polled every 20 ms).
# Also reported: the worker's CPU time over the case (/proc/PID/stat; the
# part of the work that does not depend on the machine's other load) and
# its peak RssAnon, sampled every 20 ms.  Targets: end to end and peak
# memory with 10,000 keys within 1.2x and +10% of 100 keys.  Median of
# CQ_BENCH_RUNS (default 3) runs per case.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE
# (run.sh sets them), PG_BINDIR (psql), CQ_BENCH_RUNS.
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
export PGOPTIONS="-c client_min_messages=warning"
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
ROWS=1000000
RUNS=${CQ_BENCH_RUNS:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-keys.XXXXXX")
chmod 755 "$WORK"
SAMPLER=
cleanup()
{
	[ -z "$SAMPLER" ] || kill "$SAMPLER" 2>/dev/null || true
	"$PSQL" -X -q \
		-c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name = 'bench_keys'" \
		-c 'DROP TABLE IF EXISTS src CASCADE' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# gen_data KEYS SPACING FILE: the rows as COPY text; SPACING "1ms": row i
# at i ms; "10hz": every key every 100 ms (row i at (i / KEYS) * 100 ms)
gen_data()
{
	local ts
	case $2 in
		1ms) ts="i * interval '1 ms'" ;;
		10hz) ts="(i / $1) * interval '100 ms'" ;;
	esac
	q -c "SELECT setseed(0.25)" -c "COPY (SELECT 'k' || lpad((i % $1)::text, 5, '0'),
			'2026-01-01 00:00:00+00'::timestamptz + $ts, 0.1 + 99.9 * random()
		  FROM generate_series(1, $ROWS) AS i) TO STDOUT" | sed 1d >"$3"
	[ "$(wc -l <"$3")" -eq "$ROWS" ]
}

# worker_pid, fresh_worker
# shellcheck source=test/bench/lib/worker.sh
. "$HERE/lib/worker.sh"

cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$1/stat"
}

# run_case NAME KIND DATA: one run; prints "e2e_s cpu_ms peak_kB results"
run_case()
{
	local kind=$2 data=$3 pid c0 c1 out spec
	q -c 'DROP TABLE IF EXISTS src CASCADE' \
		-c "CREATE TABLE src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, k text, ts timestamptz, v float8)" >/dev/null
	case $kind in
		transform) spec="SELECT cqstream.create_transform('bench_keys', 'src', 'ts', 'v', 'mul 1.8', key_column => 'k')" ;;
		avg) spec="SELECT cqstream.create_aggregate('bench_keys', 'src', 'ts', 'v', 'AVG', cqstream.tumbling('10 s'), key_column => 'k')" ;;
	esac
	q -c "$spec" >/dev/null
	fresh_worker
	pid=$(worker_pid)
	(
		while :; do
			awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || exit 0
			sleep 0.02
		done
	) >"$WORK/rss" &
	SAMPLER=$!
	c0=$(cpu_ticks "$pid")
	out=$(q <<SQL
CHECKPOINT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
\copy src (k, ts, v) FROM '$data'
INSERT INTO src (k, ts, v) VALUES ('sentinel', '2100-01-01 00:00:00+00', 0);
\set query bench_keys
\set rows $((ROWS + 1))
\set timeout 300
\i $HERE/lib/wait_processed.sql
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3),
	(SELECT results_emitted FROM cqstream.queries WHERE name = 'bench_keys')
	|| CASE WHEN (SELECT status = 'running' AND last_error IS NULL FROM cqstream.queries WHERE name = 'bench_keys') THEN '' ELSE '!' END;
SQL
)
	c1=$(cpu_ticks "$pid")
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	SAMPLER=
	q -c "SELECT cqstream.drop_query('bench_keys')" >/dev/null
	# ticks are 10 ms (USER_HZ 100)
	echo "$(echo "$out" | tail -n 1 | cut -d'|' -f1) $(((c1 - c0) * 10)) $(sort -n "$WORK/rss" | tail -n 1) $(echo "$out" | tail -n 1 | cut -d'|' -f2)"
}

median()
{
	tr ' ' '\n' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A E2E CPU MEM RES
for shape in 1ms 10hz; do
	for keys in 100 10000; do
		gen_data "$keys" "$shape" "$WORK/data.tsv"
		for kind in transform avg; do
			[ "$shape:$kind" != 10hz:transform ] || continue
			c="$kind-$shape-$keys"
			for ((r = 1; r <= RUNS; r++)); do
				read -r e cpu mem res < <(run_case "$c" "$kind" "$WORK/data.tsv")
				E2E[$c]+="$e "
				CPU[$c]+="$cpu "
				MEM[$c]+="$mem "
				RES[$c]=$res
			done
		done
	done
done

{
	for c in transform-1ms avg-10hz avg-1ms; do
		for keys in 100 10000; do
			k="$c-$keys"
			echo "$c $keys $(echo "${E2E[$k]}" | median) $(echo "${CPU[$k]}" | median) $(echo "${MEM[$k]}" | median) ${RES[$k]}"
		done
	done
} | awk -v runs="$RUNS" '
	{ e2e[$1, $2] = $3; cpu[$1, $2] = $4; mem[$1, $2] = $5; res[$1, $2] = $6 }
	END {
		name["transform-1ms"] = "transform mul 1.8 by key"
		name["avg-10hz"] = "TUMBLING 10 s AVG, each key every 100 ms"
		name["avg-1ms"] = "TUMBLING 10 s AVG, rows 1 ms apart"
		printf "1M-row COPY through one query, 100 vs 10,000 keys (median of %d runs; fresh worker per run)\n", runs
		fmt = "%-42s | %6s | %9s | %10s | %12s | %9s\n"
		printf fmt, "query", "keys", "results", "end-to-end", "worker CPU", "peak RSS"
		print "-------------------------------------------+--------+-----------+------------+--------------+----------"
		n = split("transform-1ms avg-10hz avg-1ms", cs, " ")
		for (i = 1; i <= n; i++)
			for (j = 100; j <= 10000; j *= 100)
				printf fmt, (j == 100 ? name[cs[i]] : ""), j, res[cs[i], j],
					sprintf("%.2f s", e2e[cs[i], j]), sprintf("%d ms", cpu[cs[i], j]),
					sprintf("%d kB", mem[cs[i], j])
		print ""
		print "targets (issue 15, item 3), 10,000 keys against 100:"
		tf = "  %-46s %-40s %s\n"
		for (i = 1; i <= n; i++) {
			c = cs[i]
			r = e2e[c, 10000] / e2e[c, 100]
			printf tf, name[c] ": end to end <= 1.2x",
				sprintf("%.2f vs %.2f s (%.2fx; CPU %.2fx)", e2e[c, 10000], e2e[c, 100], r,
					cpu[c, 10000] / (cpu[c, 100] > 0 ? cpu[c, 100] : 1)),
				(c == "avg-1ms" ? (r <= 1.2 ? "met" : "missed (100x the results)") : (r <= 1.2 ? "met" : "MISSED"))
			m = mem[c, 10000] / mem[c, 100]
			printf tf, name[c] ": peak memory <= +10%",
				sprintf("%d vs %d kB (%+.1f%%)", mem[c, 10000], mem[c, 100], 100 * (m - 1)),
				(m <= 1.10 ? "met" : "MISSED")
		}
	}'
