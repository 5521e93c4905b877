#!/usr/bin/env bash
#
# test/bench/windows.sh: window aggregates in continuous queries beside the
# triggers a user writes today (`make bench`, run by test/bench/run.sh).
#
# Design notes
#
# The source is that of ../shared/reference/baselines.md: src(id identity,
# k, ts, v), 1,000,000 rows loaded by one `\copy` on a fresh src per case,
# 1,000 keys round robin, ts 1 ms apart, v random in (0.1, 100).  Two
# workloads, each keyed by k:
#
#   avg: TUMBLING 10 s, AVG        max: HOPPING 60 s / 10 s (6 windows), MAX
#
# and for each of them these cases:
#
#   plain  COPY, no trigger, no query (the floor; run once, shared);
#   row    baseline #4: AFTER INSERT FOR EACH ROW, PL/pgSQL: find the
#          key's newest window (primary key (k, ws) walked backwards);
#          when the row opens a newer one, pg_notify the windows that the
#          step closed (tumbling: the previous window; hopping: those
#          ending in between); then upsert the row's window (k, ws) ->
#          (sum, count) with ON CONFLICT DO UPDATE.  Hopping keeps 10 s
#          panes -> (max, count) instead of the 6 windows, one upsert per
#          row, and takes a window's MAX over its 6 panes when it closes
#          (6 upserts per row ran 3,700 rows/s here: a straw man);
#   stmt   baseline #5: AFTER INSERT FOR EACH STATEMENT with a transition
#          table: aggregate the batch by (key, window) first (hopping: by
#          pane), upsert the aggregates, then pg_notify every window the
#          batch closed (one watermark for all keys, as cqstream: windows
#          whose end passed the batch's largest time since the previous
#          batch);
#   cq     cqstream.create_aggregate, then the COPY.
#
# After the COPY every case inserts one sentinel row at 2100-01-01, which
# closes every open window (for the statement trigger and cqstream; the
# row trigger closes a key's windows only with that key's next row, as
# written); end to end is COPY start until the sentinel's effects are
# committed: for the triggers the sentinel's INSERT, for cqstream the
# moment cqstream.queries.rows_processed covers it (polled every 20 ms).
# Times are taken on the server (clock_timestamp).  Each case runs after a
# CHECKPOINT.  Correctness of the work, not only its speed: after each
# case the number of windows announced is checked against the number of
# windows the data has (cqstream: results_emitted; triggers: notifications
# are not stored, so the state tables' windows are counted instead).
#
# The row triggers take tens of seconds per 100,000 rows at a steady
# per-row cost, so they run over the first CQ_BENCH_ROW_ROWS (200,000)
# rows of the same data, once; their rows/s is what the ratios use.
#
# Memory: tumbling AVG over the same 1M rows with 100 keys and with 10,000
# keys, each on a freshly started worker (pg_terminate_backend; the
# launcher starts a new one), sampling the worker's RssAnon every 20 ms;
# the peak must not grow with the number of keys (target: 10,000 keys
# within +10% of 100 keys).  10,000 keys also means 100 times the results
# (1M windows of 100 rows instead of 10,000 of 10,000 rows).
#
# Median of 3 for the cheap cases (plain, stmt, cq) when the first round
# says it fits in CQ_BENCH_BUDGET seconds (default 300).  Only ratios
# within one run mean anything here.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE
# (run.sh sets them), PG_BINDIR (psql), CQ_BENCH_RUNS (force 1 or 3).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
export PGOPTIONS="-c client_min_messages=warning"
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
HERE=$(dirname "$(readlink -f "$0")")
ROWS=1000000
ROW_ROWS=${CQ_BENCH_ROW_ROWS:-200000}
BUDGET=${CQ_BENCH_BUDGET:-300}

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-windows.XXXXXX")
chmod 755 "$WORK"
SAMPLER=
cleanup()
{
	[ -z "$SAMPLER" ] || kill "$SAMPLER" 2>/dev/null || true
	"$PSQL" -X -q \
		-c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name LIKE 'bench\\_w\\_%'" \
		-c 'DROP TABLE IF EXISTS src, bench_wstate, bench_wm, bench_wexpect CASCADE' \
		-c 'DROP FUNCTION IF EXISTS bench_row_avg(), bench_row_max(), bench_stmt_avg(), bench_stmt_max()' \
		>/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# gen_data KEYS FILE: the 1M rows as COPY text, keys round robin.
gen_data()
{
	q -c "SELECT setseed(0.25)" -c "COPY (SELECT 'k' || lpad((i % $1)::text, 5, '0'),
			'2026-01-01 00:00:00+00'::timestamptz + i * interval '1 ms',
			0.1 + 99.9 * random()
		  FROM generate_series(1, $ROWS) AS i) TO STDOUT" | sed 1d >"$2"
	[ "$(wc -l <"$2")" -eq "$ROWS" ]
}

gen_data 1000 "$WORK/k1000.tsv"
head -n "$ROW_ROWS" "$WORK/k1000.tsv" >"$WORK/k1000-row.tsv"

# worker_pid: the pid of this database's cqstream worker (empty if none).
worker_pid()
{
	q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = current_database()"
}

# wait_worker: until a worker runs in this database (30 s at most).
wait_worker()
{
	local i
	for i in $(seq 600); do
		[ -z "$(worker_pid)" ] || return 0
		sleep 0.05
	done
	echo "windows: no cqstream worker after 30 s" >&2
	return 1
}
wait_worker

# How many windows each data set has, computed once per workload and key
# count (the state tables and cqstream must announce exactly these).
q -c "DROP TABLE IF EXISTS bench_wexpect" \
	-c "CREATE TABLE bench_wexpect (wl text, nkeys int, nrows bigint, n bigint, PRIMARY KEY (wl, nkeys, nrows))" >/dev/null
KEYS=1000

# The window of a row and the windows it closes, in plain SQL: the
# triggers use date_bin from the Unix epoch (the data are after it).
setup_sql()
{
	cat <<'SQL'
\set ON_ERROR_STOP on
SET client_min_messages = warning;
DO $$ BEGIN
	PERFORM cqstream.drop_query(name) FROM cqstream.queries WHERE name LIKE 'bench\_w\_%';
END $$;
DROP TABLE IF EXISTS src, bench_wstate, bench_wm CASCADE;
CREATE TABLE src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	k text, ts timestamptz, v float8);
-- window state of the trigger baselines: one row per key and window
CREATE TABLE bench_wstate (k text, ws timestamptz, agg float8, n bigint,
	PRIMARY KEY (k, ws));
CREATE INDEX ON bench_wstate (ws);
-- the statement trigger's watermark
CREATE TABLE bench_wm (wm timestamptz);
INSERT INTO bench_wm VALUES ('-infinity');
SQL
}

# expect_sql WORKLOAD NROWS: SQL that fills bench_wexpect for the data in
# src (not timed; once per workload, key count and size).
expect_sql()
{
	cat <<SQL
INSERT INTO bench_wexpect
SELECT '$1', $KEYS, $2, count(*) FROM (SELECT DISTINCT k, date_bin('10 s', ts, 'epoch') - j * interval '10 s'
	FROM src, generate_series(0, CASE '$1' WHEN 'avg' THEN 0 ELSE 5 END) AS j
	WHERE k <> 'sentinel') AS w
ON CONFLICT DO NOTHING;
SQL
}

case_sql()
{
	local wl=$1 c=$2 data=${DATA:-$WORK/k1000.tsv} n=$ROWS
	if [ "$c" = row ]; then
		data=$WORK/k1000-row.tsv
		n=$ROW_ROWS
	fi
	setup_sql
	case $c-$wl in
		row-avg)
			cat <<'SQL'
CREATE OR REPLACE FUNCTION bench_row_avg() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	w timestamptz := date_bin('10 s', NEW.ts, 'epoch');
	p record;
BEGIN
	SELECT ws, agg, n INTO p FROM bench_wstate WHERE k = NEW.k
		ORDER BY ws DESC LIMIT 1;
	IF FOUND AND p.ws < w THEN
		PERFORM pg_notify('bench_w_avg', json_build_object('key', NEW.k,
			'windowStart', p.ws, 'windowEnd', p.ws + interval '10 s',
			'aggregation', 'AVG', 'value', p.agg / p.n, 'count', p.n)::text);
	END IF;
	INSERT INTO bench_wstate AS s VALUES (NEW.k, w, NEW.v, 1)
		ON CONFLICT (k, ws) DO UPDATE SET agg = s.agg + EXCLUDED.agg, n = s.n + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER bench_row AFTER INSERT ON src
	FOR EACH ROW EXECUTE FUNCTION bench_row_avg();
SQL
			;;
		row-max)
			# Panes: the state is (key, 10 s pane) -> (max, count), one
			# upsert per row; a window's MAX is the max of its 6 panes,
			# computed when it closes (cheaper than 6 upserts per row).
			cat <<'SQL'
CREATE OR REPLACE FUNCTION bench_row_max() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	w timestamptz := date_bin('10 s', NEW.ts, 'epoch');	-- the row's pane
	p timestamptz;
BEGIN
	SELECT ws INTO p FROM bench_wstate WHERE k = NEW.k ORDER BY ws DESC LIMIT 1;
	IF FOUND AND p < w THEN
		-- the key's windows [e, e + 60 s) that ended between its newest
		-- pane and this row's: e + 60 s in (p, w]
		PERFORM pg_notify('bench_w_max', json_build_object('key', NEW.k,
			'windowStart', e, 'windowEnd', e + interval '60 s',
			'aggregation', 'MAX', 'value', mx, 'count', n)::text)
		FROM (SELECT e, max(s.agg) AS mx, sum(s.n) AS n
			  FROM generate_series(p - interval '50 s', w - interval '60 s', interval '10 s') AS e
			  JOIN bench_wstate AS s
				ON s.k = NEW.k AND s.ws >= e AND s.ws < e + interval '60 s'
			  GROUP BY e) AS x;
	END IF;
	INSERT INTO bench_wstate AS s VALUES (NEW.k, w, NEW.v, 1)
		ON CONFLICT (k, ws) DO UPDATE SET agg = greatest(s.agg, EXCLUDED.agg), n = s.n + 1;
	RETURN NULL;
END $$;
CREATE TRIGGER bench_row AFTER INSERT ON src
	FOR EACH ROW EXECUTE FUNCTION bench_row_max();
SQL
			;;
		stmt-avg)
			cat <<'SQL'
CREATE OR REPLACE FUNCTION bench_stmt_avg() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	old_wm timestamptz;
	new_wm timestamptz;
BEGIN
	INSERT INTO bench_wstate AS s
	SELECT k, date_bin('10 s', ts, 'epoch'), sum(v), count(*) FROM new_rows
	GROUP BY 1, 2
	ON CONFLICT (k, ws) DO UPDATE SET agg = s.agg + EXCLUDED.agg, n = s.n + EXCLUDED.n;
	SELECT wm INTO old_wm FROM bench_wm;
	SELECT greatest(old_wm, max(ts)) INTO new_wm FROM new_rows;
	IF new_wm > old_wm THEN
		UPDATE bench_wm SET wm = new_wm;
		PERFORM pg_notify('bench_w_avg', json_build_object('key', k,
			'windowStart', ws, 'windowEnd', ws + interval '10 s',
			'aggregation', 'AVG', 'value', agg / n, 'count', n)::text)
		FROM bench_wstate
		WHERE ws > old_wm - interval '10 s' AND ws <= new_wm - interval '10 s';
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER bench_stmt AFTER INSERT ON src
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bench_stmt_avg();
SQL
			;;
		stmt-max)
			# Panes, as the row trigger: upsert the batch's (key, pane)
			# maxima, then the MAX of every window the batch closed from
			# its 6 panes.
			cat <<'SQL'
CREATE OR REPLACE FUNCTION bench_stmt_max() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	old_wm timestamptz;
	new_wm timestamptz;
BEGIN
	INSERT INTO bench_wstate AS s
	SELECT k, date_bin('10 s', ts, 'epoch'), max(v), count(*) FROM new_rows
	GROUP BY 1, 2
	ON CONFLICT (k, ws) DO UPDATE SET agg = greatest(s.agg, EXCLUDED.agg), n = s.n + EXCLUDED.n;
	SELECT wm INTO old_wm FROM bench_wm;
	SELECT greatest(old_wm, max(ts)) INTO new_wm FROM new_rows;
	IF new_wm > old_wm THEN
		UPDATE bench_wm SET wm = new_wm;
		-- windows [e, e + 60 s) with e + 60 s in (old_wm, new_wm]
		PERFORM pg_notify('bench_w_max', json_build_object('key', k,
			'windowStart', e, 'windowEnd', e + interval '60 s',
			'aggregation', 'MAX', 'value', mx, 'count', n)::text)
		FROM (SELECT s.k, e, max(s.agg) AS mx, sum(s.n) AS n
			  FROM bench_wstate AS s,
				   generate_series(s.ws - interval '50 s', s.ws, interval '10 s') AS e
			  WHERE s.ws > old_wm - interval '60 s' AND s.ws < new_wm
				AND e > old_wm - interval '60 s' AND e <= new_wm - interval '60 s'
			  GROUP BY s.k, e) AS x;
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER bench_stmt AFTER INSERT ON src
	REFERENCING NEW TABLE AS new_rows
	FOR EACH STATEMENT EXECUTE FUNCTION bench_stmt_max();
SQL
			;;
		cq-avg)
			echo "SELECT cqstream.create_aggregate('bench_w_avg', 'src', 'ts', 'v', 'AVG', cqstream.tumbling('10 s'), key_column => 'k') \\gset"
			;;
		cq-max)
			echo "SELECT cqstream.create_aggregate('bench_w_max', 'src', 'ts', 'v', 'MAX', cqstream.hopping('60 s', '10 s'), key_column => 'k') \\gset"
			;;
	esac
	cat <<SQL
CHECKPOINT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \\gset
\\copy src (k, ts, v) FROM '$data'
SELECT extract(epoch FROM clock_timestamp()) AS t1 \\gset
INSERT INTO src (k, ts, v) VALUES ('sentinel', '2100-01-01 00:00:00+00', 0);
SQL
	if [ "$c" = cq ]; then
		cat <<SQL
\set query bench_w_$wl
\set rows $((n + 1))
\set timeout 180
\i $HERE/lib/wait_processed.sql
SELECT extract(epoch FROM clock_timestamp()) AS t2 \\gset
SQL
		expect_sql "$wl" "$n"
		cat <<SQL
SELECT status = 'running' AND last_error IS NULL AND rows_processed = $n + 1
	AND results_emitted = (SELECT n FROM bench_wexpect WHERE wl = '$wl' AND nkeys = $KEYS AND nrows = $n) AS ok
FROM cqstream.queries WHERE name = 'bench_w_$wl' \\gset
SQL
	else
		echo 'SELECT extract(epoch FROM clock_timestamp()) AS t2 \gset'
		case $c in
			row | stmt)
				# every window (tumbling) or pane (hopping) of the data is
				# in the state table: the 10 s buckets of each key
				expect_sql avg "$n"
				echo "SELECT count(*) = (SELECT n FROM bench_wexpect WHERE wl = 'avg' AND nkeys = $KEYS AND nrows = $n) AS ok FROM bench_wstate WHERE k <> 'sentinel' \\gset"
				;;
			*) echo "SELECT count(*) = $n + 1 AS ok FROM src \\gset" ;;
		esac
	fi
	cat <<'SQL'
\if :ok
\echo RESULT :t0 :t1 :t2
\else
\warn 'wrong row, window or result count'
\endif
SQL
	[ "$c" != cq ] || echo "SELECT cqstream.drop_query('bench_w_$wl') \\gset"
}

# case_run WORKLOAD CASE: prints "copy_seconds end_to_end_seconds".
case_run()
{
	local script=$WORK/$1-$2.sql line
	case_sql "$1" "$2" >"$script"
	line=$(q -f "$script" | grep '^RESULT ' | tail -n 1)
	[ -n "$line" ] || return 1
	awk -v l="$line" 'BEGIN { split(l, a, " "); printf "%.3f %.3f\n", a[3] - a[2], a[4] - a[2] }'
}

declare -A COPY E2E

# run_case WORKLOAD CASE ROUND [LABEL]: run a case, add its times to
# COPY[LABEL] and E2E[LABEL] (LABEL: WORKLOAD-CASE).
run_case()
{
	local r label=${4:-$1-$2}
	r=$(case_run "$1" "$2") || {
		echo "windows: case $1 $2 failed" >&2
		return 1
	}
	COPY[$label]+="${r% *} "
	E2E[$label]+="${r#* } "
	printf '  run %s %-3s %-5s COPY %7.3f s, end to end %7.3f s\n' "$3" "$1" "$2" "${r% *}" "${r#* }"
}

median()
{
	tr ' ' '\n' <<<"$1" | grep . | sort -g | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'
}

start=$SECONDS
run_case all plain 1
for wl in avg max; do
	for c in row stmt cq; do
		run_case "$wl" "$c" 1
	done
done
first=$((SECONDS - start))
cheap=$(awk -v a="$(median "${E2E[all-plain]}")" -v b="$(median "${E2E[avg-stmt]}")" \
	-v c="$(median "${E2E[avg-cq]}")" -v d="$(median "${E2E[max-stmt]}")" \
	-v e="$(median "${E2E[max-cq]}")" 'BEGIN { printf "%d", 2 * (a + b + c + d + e) + 40 }')
runs=${CQ_BENCH_RUNS:-}
if [ -z "$runs" ]; then
	# the memory part needs about as much as two cqstream runs and the data
	if [ $((first + cheap + 60)) -le "$BUDGET" ]; then runs=3; else runs=1; fi
fi
for ((i = 2; i <= runs; i++)); do
	run_case all plain "$i"
	for wl in avg max; do
		for c in stmt cq; do
			run_case "$wl" "$c" "$i"
		done
	done
done

# Memory: peak RssAnon of a fresh worker, tumbling AVG, 100 vs 10,000 keys
# (sampled every 20 ms into a file by a background loop).
declare -A MEM_PEAK MEM_SAMPLES
mem_run()
{
	local keys=$1 pid
	KEYS=$keys
	DATA=$WORK/k$keys.tsv
	gen_data "$keys" "$DATA"
	pid=$(worker_pid)
	q -c "SELECT pg_terminate_backend($pid)" >/dev/null
	for _ in $(seq 200); do
		[ -z "$(worker_pid)" ] || [ "$(worker_pid)" = "$pid" ] || break
		sleep 0.05
	done
	wait_worker
	pid=$(worker_pid)
	(
		while :; do
			awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || exit 0
			sleep 0.02
		done
	) >"$WORK/rss-$keys" &
	SAMPLER=$!
	run_case avg cq "mem" "mem-$keys"
	kill "$SAMPLER" 2>/dev/null || true
	wait "$SAMPLER" 2>/dev/null || true
	SAMPLER=
	MEM_PEAK[$keys]=$(sort -n "$WORK/rss-$keys" | tail -n 1)
	MEM_SAMPLES[$keys]=$(wc -l <"$WORK/rss-$keys")
	rm -f "$DATA"
	unset DATA
	KEYS=1000
}
mem_run 100
mem_run 10000

if [ -n "${CQ_BENCH_RUNS:-}" ]; then
	note="$runs run(s), CQ_BENCH_RUNS=$runs; median"
elif [ "$runs" -eq 1 ]; then
	note="1 run only: three would exceed ${BUDGET} s"
else
	note="median of $runs runs; row triggers 1 run"
fi

{
	echo "plain $(median "${COPY[all-plain]}") $(median "${E2E[all-plain]}") $ROWS"
	for wl in avg max; do
		for c in row stmt cq; do
			n=$ROWS
			[ "$c" != row ] || n=$ROW_ROWS
			echo "$wl-$c $(median "${COPY[$wl-$c]}") $(median "${E2E[$wl-$c]}") $n"
		done
	done
	echo "mem100 ${MEM_PEAK[100]:-0}"
	echo "mem10k ${MEM_PEAK[10000]:-0}"
	echo "samples $((${MEM_SAMPLES[100]:-0} + ${MEM_SAMPLES[10000]:-0}))"
	echo "e2e $(median "${E2E[mem-100]:-0}") $(median "${E2E[mem-10000]:-0}")"
} | awk -v note="$note" '
	$1 == "mem100" { mem100 = $2; next }
	$1 == "mem10k" { mem10k = $2; next }
	$1 == "samples" { samples = $2; next }
	$1 == "e2e" { e2e100 = $2; e2e10k = $3; next }
	{ copy[$1] = $2; e2e[$1] = $3; nrows[$1] = $4; rps[$1] = $4 / $3 }
	END {
		wlname["avg"] = "TUMBLING 10 s AVG by key"
		wlname["max"] = "HOPPING 60 s / 10 s MAX by key"
		cname["row"] = "row trigger (#4: newest window, upsert, notify)*"
		cname["stmt"] = "statement trigger (#5: aggregate batch, upsert, notify)"
		cname["cq"] = "cqstream create_aggregate"
		printf "1M-row COPY into src, 1,000 keys, window aggregates (%s)\n", note
		fmt = "%-58s | %7s | %12s | %9s | %10s | %10s\n"
		printf fmt, "case (1M rows; COPY s and end-to-end s per case)", "COPY s", "end-to-end s", "rows/s", "vs row tr.", "vs stmt tr."
		printf "%s\n", "-----------------------------------------------------------+---------+--------------+-----------+------------+------------"
		printf fmt, "plain COPY (no trigger, no query)", sprintf("%.2f", copy["plain"]),
			sprintf("%.2f", e2e["plain"]), sprintf("%.0f", rps["plain"]), "", ""
		n = split("avg max", wls, " ")
		for (i = 1; i <= n; i++) {
			wl = wls[i]
			printf "%s\n", wlname[wl] ":"
			m = split("row stmt cq", cs, " ")
			for (j = 1; j <= m; j++) {
				c = wl "-" cs[j]
				printf fmt, "  " cname[cs[j]], sprintf("%.2f", copy[c]), sprintf("%.2f", e2e[c]),
					sprintf("%.0f", rps[c]), sprintf("%.2fx", rps[c] / rps[wl "-row"]),
					sprintf("%.2fx", rps[c] / rps[wl "-stmt"])
			}
		}
		printf "* over the first %d rows (steady per-row cost); its rows/s is what counts\n", nrows["avg-row"]
		print ""
		print "targets (issue 5):"
		tf = "  %-44s %-44s %s\n"
		for (i = 1; i <= n; i++) {
			wl = wls[i]
			c = wl "-cq"
			printf tf, wl ": end to end >= 350,000 rows/s", sprintf("%.0f rows/s", rps[c]),
				(rps[c] >= 350000 ? "met" : "MISSED")
			printf tf, wl ": end to end >= statement trigger", sprintf("%.0f vs %.0f rows/s (%.2fx)",
				rps[c], rps[wl "-stmt"], rps[c] / rps[wl "-stmt"]),
				(rps[c] >= rps[wl "-stmt"] ? "met" : "MISSED")
			printf tf, wl ": end to end >= 5x row trigger", sprintf("%.0f vs %.0f rows/s (%.2fx)",
				rps[c], rps[wl "-row"], rps[c] / rps[wl "-row"]),
				(rps[c] >= 5 * rps[wl "-row"] ? "met" : "MISSED")
			printf tf, wl ": writer COPY within 10% of plain COPY", sprintf("%.2f vs %.2f s (%+.1f%%)",
				copy[c], copy["plain"], 100 * (copy[c] / copy["plain"] - 1)),
				(copy[c] <= 1.10 * copy["plain"] ? "met" : "MISSED")
		}
		# Flat: more keys must not cost more memory (less is fine)
		printf tf, "peak worker RssAnon 10,000 vs 100 keys",
			sprintf("%d vs %d kB (%+.1f%%; <= +10%%, %d samples)", mem10k, mem100,
				(mem100 > 0 ? 100 * (mem10k / mem100 - 1) : 0), samples),
			(mem100 > 0 && mem10k > 0 && mem10k <= 1.10 * mem100 ? "met" : "MISSED")
		printf tf, "  (end to end with 100 / 10,000 keys)", sprintf("%.2f / %.2f s", e2e100, e2e10k), ""

	}'
