# shellcheck shell=bash
# test/worker/positions.sh: position queries (docs/engine.md, "Position
# queries") run by the worker, against plain SQL; run by suite_positions in
# test/run.sh (which sources this file and calls cq_position_tests).
#
# Design notes
#
# One cluster, "positions", preloading cqstream with a 10 ms poll.  The
# expected speeds, headings and distances never come from cqstream:
# test/worker/positions/lib.sql computes them with window functions over
# the source in id order (haversine and bearing written in SQL), applying
# the documented rules for first rows, late rows, equal times, equal
# positions and invalid coordinates.  A random stream (SQL random()) of 20 keys
# (jittered times, so rows arrive late and at equal times; coordinates on
# a 0.001 degree grid, so positions repeat; a few invalid rows) is written
# by a background writer in transactions of 400 rows while the worker is
# killed with kill -9 twice; every result must then be there exactly once,
# in order, equal to plain SQL (1e-6 relative; headings modulo 360), and
# the counters (rows_late, rows_skipped) equal to the rules' counts.
# Windowed position queries run over the same stream through the kills:
# average speed per key over 10-second tumbling windows (1 s lateness)
# the largest heading over hopping windows and the sum of distances over
# COUNT windows of 5 rows, each window's result
# exactly once and equal to plain SQL's aggregate of the expected values
# (lib.sql: pt.win_expected, which applies the watermark and late rules).

CQPOS_DB=cqpos

cqpos_sql()
{
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql positions -d "$CQPOS_DB" -At -c "$1"
}

cqpos_wait()
{
	cq_wait_until cqpos_sql "$@"
}

cqpos_check()
{
	cq_check_sql cqpos_sql "$@"
}

# cqpos_insert: one transaction of 400 random rows (lib.sql, pt.write_random)
cqpos_insert()
{
	cqpos_sql "SELECT pt.write_random()" >/dev/null 2>&1
}

cqpos_cleanup()
{
	: >"$CQ_TMP/pos.stop" 2>/dev/null || true
	[ -n "${CQPOS_WPID:-}" ] && kill "$CQPOS_WPID" 2>/dev/null
	cp "$CQ_TMP/pg-positions/log" "$CQ_ARTIFACTS/positions-server.log" 2>/dev/null || true
	if [ -f "$CQ_TMP/pg-positions/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-positions/data" -m fast -w \
			-t 30 stop >/dev/null 2>&1 || true
	fi
}

# Payload shape of the position operation and of a lifted one
cqpos_test_shape()
{
	cqpos_sql "CREATE TABLE shape (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, car int, x numeric, y real)" >/dev/null
	cqpos_sql "SELECT cqstream.create_position_query('shape_pos', 'shape', 't', 'car', 'x', 'y')" >/dev/null
	cqpos_sql "SELECT cqstream.create_position_query('shape_speed', 'shape', 't', 'car', 'x', 'y', 'speed')" >/dev/null
	cqpos_sql "SELECT cqstream.create_position_query('shape_avg', 'shape', 't', 'car', 'x', 'y', 'speed | mul 3.6', '{\"aggregation\": \"AVG\", \"window\": {\"type\": \"TUMBLING\", \"size\": 10}, \"emit\": \"on_update\", \"idle_flush\": \"1 s\"}')" >/dev/null
	# Lifted operations after the position operation: km/h; and ln of the
	# distance, whose first value (0) is outside ln's domain
	cqpos_sql "SELECT cqstream.create_position_query('shape_kmh', 'shape', 't', 'car', 'x', 'y', 'speed | mul 3.6')" >/dev/null
	cqpos_sql "SELECT cqstream.create_position_query('shape_lnd', 'shape', 't', 'car', 'x', 'y', 'distance | ln')" >/dev/null
	cqpos_sql "INSERT INTO shape (t, car, x, y) VALUES
		('2026-12-01 10:00:00+00', 7, 13.5, 52.25), ('2026-12-01 10:00:10+00', 7, 13.5, 52.5),
		('2026-12-01 10:00:20+00', 7, 1e400, 52.5)" >/dev/null
	if cqpos_wait "$(cq_state_sql shape_speed rows_processed)" 3 30 >/dev/null; then
		cq_pass "shape: worker read the rows"
	else
		cq_fail "shape: worker read the rows"
	fi
	cqpos_check "shape: position payload" \
		"SELECT string_agg((payload - 'id')::text || ' ' || (payload->>'id')::bigint % 1000000000000, ' ' ORDER BY id) FROM cqstream.results('shape_pos')" \
		"$(cqpos_sql "SELECT string_agg(format('{\"key\": \"7\", \"query\": \"shape_pos\", \"datetime\": \"%s\", \"coordinates\": [13.5, %s]} %s', t, y, id), ' ' ORDER BY id) FROM (SELECT id, to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"') t, y FROM shape WHERE id < 3) s" | sed 's/\+00//g')"
	cqpos_check "shape: speed of 0.25 degree of latitude in 10 s, numeric overflow skipped" \
		"SELECT round((payload->>'value')::numeric, 6), payload->>'key', (SELECT rows_skipped FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'shape_speed') FROM cqstream.results('shape_speed')" \
		"$(cqpos_sql "SELECT round((pt.hav(13.5, 52.25, 13.5, 52.5) / 10)::numeric, 6)")|7|1"
	# The one speed's window, in km/h (lifted operations, then the
	# window): reported open (on_update), then closed by the idle flush a
	# second after the last row, as a window aggregate's
	if cqpos_wait "SELECT count(*) FROM cqstream.results('shape_avg')" 2 30 >/dev/null; then
		cq_pass "shape: windowed speed flushed when idle"
	else
		cq_fail "shape: windowed speed flushed when idle"
	fi
	cqpos_check "shape: windowed speed payloads (on_update, then final)" \
		"SELECT string_agg(format('%s %s %s %s %s %s', payload->>'key', payload->>'windowStart', payload->>'windowEnd', round((payload->>'value')::numeric, 6), payload->>'count', payload->>'final'), ',' ORDER BY id) FROM cqstream.results('shape_avg')" \
		"$(cqpos_sql "SELECT format('7 2026-12-01T10:00:10Z 2026-12-01T10:00:20Z %1\$s 1 false,7 2026-12-01T10:00:10Z 2026-12-01T10:00:20Z %1\$s 1 true', round((pt.hav(13.5, 52.25, 13.5, 52.5) / 10 * 3.6)::numeric, 6))")"
	cqpos_check "shape: speed | mul 3.6 is km/h" \
		"SELECT round((payload->>'value')::numeric, 6), count(*) OVER () FROM cqstream.results('shape_kmh')" \
		"$(cqpos_sql "SELECT round((pt.hav(13.5, 52.25, 13.5, 52.5) / 10 * 3.6)::numeric, 6)")|1"
	cqpos_check "shape: distance | ln skips the first distance (0) and counts it" \
		"SELECT round((payload->>'value')::numeric, 9), (SELECT rows_skipped FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'shape_lnd') FROM cqstream.results('shape_lnd')" \
		"$(cqpos_sql "SELECT round(ln(pt.hav(13.5, 52.25, 13.5, 52.5))::numeric, 9)")|2"
}

# Random tracks, kill -9 of the worker twice meanwhile
cqpos_test_random()
{
	local stop=$CQ_TMP/pos.stop n name got
	for op in speed heading distance position; do
		cqpos_sql "SELECT cqstream.create_position_query('trk_$op', 'pt.src', 'ts', 'k', 'lon', 'lat', '$op', '{\"retention_rows\": 0, \"retention_age\": null}')" >/dev/null
	done
	# Windowed (docs/windows.md, "Windows over position queries"): average
	# speed per key over 10-second tumbling windows with 1 s of lateness,
	# given in the options; the largest heading over 20-second windows
	# every 10 s, given as the body's members
	cqpos_sql "SELECT cqstream.create_position_query('win_avgspeed', 'pt.src', 'ts', 'k', 'lon', 'lat', 'speed', '{\"aggregation\": \"avg\", \"window\": {\"type\": \"TUMBLING\", \"size\": 10, \"unit\": \"SECONDS\"}, \"lateness\": {\"size\": 1, \"unit\": \"SECONDS\"}, \"retention_rows\": 0, \"retention_age\": null}')" >/dev/null
	cqpos_sql "SELECT cqstream.create_query('win_maxhead', 'pt.src', '{\"kind\": \"position\", \"operation\": \"heading\", \"timeColumn\": \"ts\", \"keyColumn\": \"k\", \"lonColumn\": \"lon\", \"latColumn\": \"lat\", \"aggregation\": \"MAX\", \"window\": {\"type\": \"HOPPING\", \"size\": 20, \"hop\": 10}, \"options\": {\"retention_rows\": 0, \"retention_age\": null}}')" >/dev/null
	# and the sum of the distances of every 5 rows of a key (COUNT windows)
	cqpos_sql "SELECT cqstream.create_position_query('win_sumdist', 'pt.src', 'ts', 'k', 'lon', 'lat', 'distance', '{\"aggregation\": \"SUM\", \"window\": {\"type\": \"COUNT\", \"size\": 5}, \"retention_rows\": 0, \"retention_age\": null}')" >/dev/null
	rm -f "$stop"
	(
		while [ ! -e "$stop" ]; do
			cqpos_insert || sleep 0.1
			[ "$(cqpos_sql "SELECT count(*) >= 16000 FROM pt.src")" = t ] && break
		done
	) &
	CQPOS_WPID=$!
	cq_kill_worker_rounds cqpos_sql "$CQPOS_DB" trk_speed
	wait "$CQPOS_WPID" || true
	CQPOS_WPID=
	n=$(cqpos_sql "SELECT count(*) FROM pt.src" 2>/dev/null || echo "?")
	if cqpos_wait "SELECT bool_and(s.last_source_id >= (SELECT max(id) FROM pt.src) AND s.status <> 'failed') FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name LIKE 'trk\\_%' OR q.name LIKE 'win\\_%'" t 120; then
		cq_pass "random: worker caught up ($n rows)"
	else
		cq_fail "random: worker caught up ($n rows)"
	fi
	for op in speed heading distance; do
		name="random: $op per key equals plain SQL, exactly once ($(cqpos_sql "SELECT count(*) FROM pt.expected WHERE op = '$op'") results)"
		got=$(cqpos_sql "SELECT count(*) FROM pt.diff WHERE op = '$op'" 2>&1 || true)
		if [ "$got" = 0 ]; then
			cq_pass "$name"
		else
			cq_fail "$name" "differences: $got (n, expected key/time/value, seen):" \
				"$(cqpos_sql "SELECT n, ek, ets, ev, sk, sts, sv FROM pt.diff WHERE op = '$op' ORDER BY n LIMIT 3" 2>&1 || true)"
		fi
	done
	cqpos_check "random: position results are every valid row's coordinates, exactly once" \
		"SELECT count(*) FROM (SELECT row_number() OVER (ORDER BY s.id) n, s.k, s.ts, s.lon, s.lat FROM pt.src s JOIN pt.rows r USING (id) WHERE r.ok) e
			FULL JOIN (SELECT row_number() OVER (ORDER BY id) n, payload->>'key' k, (payload->>'datetime')::timestamptz ts,
				(payload->'coordinates'->>0)::float8 lon, (payload->'coordinates'->>1)::float8 lat FROM cqstream.results('trk_position', 0, 1000000)) s USING (n)
			WHERE e.n IS NULL OR s.n IS NULL OR (e.k, e.ts, e.lon, e.lat) IS DISTINCT FROM (s.k, s.ts, s.lon, s.lat)" 0
	cqpos_check "random: rows_late of each lifted query = late rows" \
		"SELECT string_agg(s.rows_late::text, ',' ORDER BY q.name) FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name IN ('trk_distance', 'trk_heading', 'trk_speed')" \
		"$(cqpos_sql "SELECT repeat(count(*) FILTER (WHERE late) || ',', 2) || count(*) FILTER (WHERE late) FROM pt.rows")"
	cqpos_check "random: rows_skipped: invalid rows, plus equal times (speed) or equal positions (heading)" \
		"SELECT string_agg(s.rows_skipped::text, ',' ORDER BY q.name) FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name LIKE 'trk_%'" \
		"$(cqpos_sql "SELECT concat_ws(',', count(*) FILTER (WHERE NOT ok), count(*) FILTER (WHERE NOT ok OR (pts IS NOT NULL AND (lon, lat) = (plon, plat))), count(*) FILTER (WHERE NOT ok), count(*) FILTER (WHERE NOT ok OR pts = ts)) FROM pt.rows")"
	cqpos_check "random: the stream has late rows, equal times, equal positions and invalid rows" \
		"SELECT count(*) FILTER (WHERE late) > 0 AND count(*) FILTER (WHERE pts = ts) > 0 AND count(*) FILTER (WHERE (lon, lat) = (plon, plat)) > 0 AND count(*) FILTER (WHERE NOT ok) > 0 FROM pt.rows" t
	cqpos_check "random: state holds one row per valid key of each lifted query" \
		"SELECT count(*) FROM cqstream.position_state p JOIN cqstream.query q ON q.id = p.query_id WHERE q.name LIKE 'trk_%'" \
		"$(cqpos_sql "SELECT 3 * count(DISTINCT k) FROM pt.rows WHERE ok")"
	cqpos_test_windowed
	cqpos_check "random: stored distance per key equals plain SQL" \
		"SELECT count(*) FROM cqstream.position_state p JOIN cqstream.query q ON q.id = p.query_id AND q.name = 'trk_distance'
			JOIN (SELECT DISTINCT ON (k) k, dist FROM pt.rows WHERE ok AND NOT late ORDER BY k, id DESC) e ON e.k = p.key
			WHERE abs(e.dist - p.distance) > 1e-6 * greatest(1, e.dist)" 0
}

# cqpos_window_check NAME EXPECTED VALUE_COLUMN WINDOW_LATE: the final
# results of windowed query NAME against the relation EXPECTED (k, wstart,
# wend, VALUE_COLUMN, cnt), each window exactly once; WINDOW_LATE: SQL for
# the number of values late for every window
cqpos_window_check()
{
	local name=$1 exp=$2 col=$3 wlate=$4 n got
	local diff="FROM $exp e FULL JOIN pt.win_seen('$name') s USING (k, wstart)
		WHERE e.k IS NULL OR s.k IS NULL OR e.wend IS DISTINCT FROM s.wend
			OR e.cnt IS DISTINCT FROM s.cnt
			OR abs(e.$col - s.value) > 1e-6 * greatest(1, abs(e.$col))"
	n=$(cqpos_sql "SELECT count(*) FROM $exp" 2>/dev/null || echo "?")
	got=$(cqpos_sql "SELECT count(*) $diff" 2>&1 || true)
	if [ "$got" = 0 ] && [ "$n" != 0 ]; then
		cq_pass "windowed: $name per key per window equals plain SQL ($n windows)"
	else
		cq_fail "windowed: $name per key per window equals plain SQL ($n windows)" \
			"differences: $got (key, start, expected end/count/value, seen):" \
			"$(cqpos_sql "SELECT e.k, coalesce(e.wstart, s.wstart), e.wend, e.cnt, e.$col, s.wend, s.cnt, s.value $diff ORDER BY 2 LIMIT 3" 2>&1 || true)"
	fi
	cqpos_check "windowed: $name has each window once" \
		"SELECT count(*) - count(DISTINCT (k, wstart)) FROM pt.win_seen('$name')" 0
	cqpos_check "windowed: $name rows_late = late rows + values late for every window" \
		"SELECT s.rows_late FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = '$name'" \
		"$(cqpos_sql "SELECT (SELECT count(*) FROM pt.rows WHERE late) + $wlate")"
}

cqpos_test_windowed()
{
	cqpos_window_check win_avgspeed "pt.win_expected('speed', '10 s', '10 s', '1 s')" avg \
		"pt.win_late('speed', '10 s', '10 s', '1 s')"
	cqpos_window_check win_maxhead "pt.win_expected('heading', '20 s', '10 s', '0 s')" max \
		"pt.win_late('heading', '20 s', '10 s', '0 s')"
	cqpos_window_check win_sumdist pt.win_count5 sum 0
	# (the jitter, 3 s at most, never reaches past the 20 s hopping
	# windows' last end: headings are late only for their key)
	cqpos_check "windowed: some speeds were late for their windows ($(cqpos_sql "SELECT pt.win_late('speed', '10 s', '10 s', '1 s') || ' speeds, ' || pt.win_late('heading', '20 s', '10 s', '0 s') || ' headings'" 2>&1 || true))" \
		"SELECT pt.win_late('speed', '10 s', '10 s', '1 s') > 0" t
	cqpos_check "windowed: open windows and position state are stored per key" \
		"SELECT (SELECT count(DISTINCT w.key) > 0 FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id WHERE q.name = 'win_avgspeed')
			AND (SELECT count(*) FROM cqstream.position_state p JOIN cqstream.query q ON q.id = p.query_id WHERE q.name = 'win_avgspeed') = (SELECT count(DISTINCT k) FROM pt.rows WHERE ok)" t
}

cq_position_tests()
{
	trap cqpos_cleanup EXIT
	if cq_cluster_start positions "cqstream.poll_interval = 10" \
		"cqstream.batch_size = 1000"; then
		cq_pass "cluster"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-positions/log" 15
		return 0
	fi
	cq_psql positions -d postgres -c "CREATE DATABASE $CQPOS_DB" >/dev/null
	cqpos_sql "CREATE EXTENSION cqstream" >/dev/null
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql positions -d "$CQPOS_DB" -q -f test/worker/positions/lib.sql >/dev/null
	if cqpos_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQPOS_DB'" 1 15; then
		cq_pass "worker running"
	else
		cq_fail "worker running"
	fi
	cqpos_test_shape
	cqpos_test_random
	if grep -E 'terminated by signal [0-9]+|TRAP:|PANIC:' "$CQ_TMP/pg-positions/log" 2>/dev/null |
		grep -qv 'terminated by signal 9:'; then
		cq_fail "server log: no worker crash other than the tests' kill -9"
	else
		cq_pass "server log: no worker crash other than the tests' kill -9"
	fi
}
