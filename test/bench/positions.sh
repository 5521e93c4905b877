#!/usr/bin/env bash
#
# test/bench/positions.sh: position and speed queries against the row
# trigger users write today (issue 18; `make bench`, run by
# test/bench/run.sh)
#
# Design notes
#
# The same 1,000,000 rows of fixes(id identity, vehicle, ts, lon, lat),
# 1,000 vehicles round robin, each moving a little every second (a jittered
# walk), loaded by one `\copy` into a fresh table per case, through:
#
#   position   create_position_query, operation 'position' (a result per
#              row: its coordinates);
#   speed      operation 'speed' (a result per row but each vehicle's
#              first);
#   avg speed  'speed' with {"aggregation": "AVG", "window": TUMBLING
#              10 s}: average speed per vehicle over 10-second windows
#              (docs/windows.md, "Windows over position queries");
#   trigger    the baseline: a plpgsql AFTER INSERT FOR EACH ROW trigger
#              that finds the vehicle's previous row (index on (vehicle,
#              id), which the trigger needs and cqstream does not), computes
#              the haversine speed and inserts it into a results table.
#
# End to end is COPY start until the last result: for a query, until
# rows_processed covers the rows (server clock, polled every 20 ms,
# test/bench/lib/wait_processed.sql); for the trigger, until the COPY
# returns (the trigger's inserts are done by then).  Each query case runs on
# a freshly started worker after a CHECKPOINT, results kept (retention
# off) so no case pays for deleting them.  Rows/s = rows / end to end;
# median of CQ_BENCH_RUNS (default 3) runs.  No target: the table says
# how far a continuous query is from the trigger it replaces.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE
# (run.sh sets them), PG_BINDIR (psql), CQ_BENCH_RUNS.
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
export PGOPTIONS="-c client_min_messages=warning"
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
ROWS=1000000
FEATURES=1000
RUNS=${CQ_BENCH_RUNS:-3}
HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-positions.XXXXXX")
chmod 755 "$WORK"
cleanup()
{
	"$PSQL" -X -q \
		-c "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name = 'bench_pos'" \
		-c 'DROP TABLE IF EXISTS fixes, trig_speed CASCADE' \
		-c 'DROP FUNCTION IF EXISTS bench_fix_speed()' >/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# The rows as COPY text: row i is vehicle i % FEATURES at second
# i / FEATURES, a step of about 10 m plus jitter from its previous fix
q -c "SELECT setseed(0.5)" -c "COPY (SELECT 'v' || lpad((i % $FEATURES)::text, 4, '0'),
		'2026-12-01 00:00:00+00'::timestamptz + (i / $FEATURES) * interval '1 s',
		((i % $FEATURES) * 0.3 - 150) + (i / $FEATURES) * 0.0001 + random() * 0.00002,
		((i % $FEATURES) * 0.1 - 50) + (i / $FEATURES) * 0.00005 + random() * 0.00002
	  FROM generate_series(0, $ROWS - 1) AS i) TO STDOUT" | sed 1d >"$WORK/fixes.tsv"
[ "$(wc -l <"$WORK/fixes.tsv")" -eq "$ROWS" ]

# worker_pid, fresh_worker
# shellcheck source=test/bench/lib/worker.sh
. "$HERE/lib/worker.sh"

# run_case KIND: one run; prints "e2e_s results"
run_case()
{
	local kind=$1 opts='"retention_rows": 0, "retention_age": null' out
	q -c 'DROP TABLE IF EXISTS fixes, trig_speed CASCADE' \
		-c "CREATE TABLE fixes (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, vehicle text, ts timestamptz, lon float8, lat float8)" >/dev/null
	case $kind in
		position | speed)
			q -c "SELECT cqstream.create_position_query('bench_pos', 'fixes', 'ts', 'vehicle', 'lon', 'lat', '$kind', '{$opts}')" >/dev/null
			;;
		avg)
			q -c "SELECT cqstream.create_position_query('bench_pos', 'fixes', 'ts', 'vehicle', 'lon', 'lat', 'speed', '{\"aggregation\": \"AVG\", \"window\": {\"type\": \"TUMBLING\", \"size\": 10}, $opts}')" >/dev/null
			;;
		trigger)
			q <<'SQL' >/dev/null
CREATE INDEX ON fixes (vehicle, id);
CREATE TABLE trig_speed (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	vehicle text, ts timestamptz, speed float8);
CREATE OR REPLACE FUNCTION bench_fix_speed() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	p record;
BEGIN
	SELECT ts, lon, lat INTO p FROM fixes
	WHERE vehicle = NEW.vehicle AND id < NEW.id ORDER BY id DESC LIMIT 1;
	IF FOUND AND NEW.ts > p.ts THEN
		INSERT INTO trig_speed (vehicle, ts, speed)
		VALUES (NEW.vehicle, NEW.ts,
			2 * 6371008.8 * asin(least(1, sqrt(
				sin(radians(NEW.lat - p.lat) / 2) ^ 2
				+ cos(radians(p.lat)) * cos(radians(NEW.lat))
				  * sin(radians(NEW.lon - p.lon) / 2) ^ 2)))
			/ extract(epoch FROM NEW.ts - p.ts));
	END IF;
	RETURN NULL;
END $$;
CREATE TRIGGER fix_speed AFTER INSERT ON fixes
	FOR EACH ROW EXECUTE FUNCTION bench_fix_speed();
SQL
			;;
	esac
	[ "$kind" = trigger ] || fresh_worker
	if [ "$kind" = trigger ]; then
		out=$(q <<SQL
CHECKPOINT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
\copy fixes (vehicle, ts, lon, lat) FROM '$WORK/fixes.tsv'
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3),
	(SELECT count(*) FROM trig_speed);
SQL
)
	else
		out=$(q <<SQL
CHECKPOINT;
SELECT extract(epoch FROM clock_timestamp()) AS t0 \gset
\copy fixes (vehicle, ts, lon, lat) FROM '$WORK/fixes.tsv'
\set query bench_pos
\set rows $ROWS
\set timeout 1200
\i $HERE/lib/wait_processed.sql
SELECT round((extract(epoch FROM clock_timestamp()) - :t0)::numeric, 3),
	(SELECT results_emitted FROM cqstream.queries WHERE name = 'bench_pos')
	|| CASE WHEN (SELECT status = 'running' AND last_error IS NULL FROM cqstream.queries WHERE name = 'bench_pos') THEN '' ELSE '!' END;
SQL
)
		q -c "SELECT cqstream.drop_query('bench_pos')" >/dev/null
	fi
	echo "$out" | tail -n 1 | tr '|' ' '
}

median()
{
	tr ' ' '\n' | sed '/^$/d' | sort -g | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'
}

declare -A E2E RES
for kind in position speed avg trigger; do
	for ((r = 1; r <= RUNS; r++)); do
		read -r e res < <(run_case "$kind")
		E2E[$kind]+="$e "
		RES[$kind]=$res
	done
done

for kind in position speed avg trigger; do
	echo "$kind $(echo "${E2E[$kind]}" | median) ${RES[$kind]}"
done | awk -v runs="$RUNS" -v rows="$ROWS" -v features="$FEATURES" '
	{ e2e[$1] = $2; res[$1] = $3 }
	END {
		name["position"] = "position query (coordinates)"
		name["speed"] = "speed query"
		name["avg"] = "avg speed per vehicle, TUMBLING 10 s"
		name["trigger"] = "baseline: plpgsql row trigger (speed)"
		printf "1M-row COPY of %d vehicles, COPY start to last result (median of %d runs)\n", features, runs
		fmt = "%-40s | %9s | %10s | %11s | %s\n"
		printf fmt, "", "results", "end-to-end", "rows/s", "vs trigger"
		print "-----------------------------------------+-----------+------------+-------------+-----------"
		n = split("position speed avg trigger", ks, " ")
		for (i = 1; i <= n; i++) {
			k = ks[i]
			printf fmt, name[k], res[k], sprintf("%.2f s", e2e[k]),
				sprintf("%d", rows / e2e[k]),
				sprintf("%.2fx", e2e["trigger"] / e2e[k])
		}
	}'
