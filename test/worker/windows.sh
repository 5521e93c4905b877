# shellcheck shell=bash
# test/worker/windows.sh: window aggregates in continuous queries against
# docs/windows.md, run by suite_windows in test/run.sh (which sources this
# file and calls cq_window_tests).
#
# Design notes
#
# One cluster, "windows", preloading cqstream with a 10 ms poll.  The
# expected results never come from cqstream: test/worker/windows/lib.sql
# computes them with GROUP BY over the source rows in id order, applying
# docs/windows.md's rules (watermark, lateness, closing, COUNT numbering)
# in integer microseconds; on in-order streams they are also checked
# against cqstream.window_aggregate.  Results are compared exactly, as
# sets with duplicates (EXCEPT ALL both ways).
#
# The checks, in order (numbers as in the task of issue 5): validation
# errors (6); memory with 10,000 open windows (7); payload shape, NOTIFY
# equal to the log (3); idle flush (5); seeded random streams through
# every window type and aggregation, out of order and in order, emit
# on_close and on_update (1, 2); other value and key types; kill -9 and
# immediate stops with windows open (4).
#
# The random test is seeded: CQ_SEED=N reproduces a run (the stream, the
# batches, which batches commit out of id order, the offsets); the seed is
# printed in the check's name.  Nothing waits a fixed time: every wait
# polls with a timeout; a check that something did NOT happen uses a later
# row that the worker must have processed.  Failures print the first
# differences (expected '-', seen '+') and leave the server log in
# $CQ_ARTIFACTS/windows-server.log.

CQWIN_DB=cqwin
CQWIN_LIB=test/worker/windows

# cqwin_sql SQL: one statement in the test database, unaligned output,
# without notices (DROP ... IF EXISTS).
cqwin_sql()
{
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql windows -d "$CQWIN_DB" -At -c "$1"
}

# cqwin_psql ARG...: psql on the test database (for -v and -f).
cqwin_psql()
{
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql windows -d "$CQWIN_DB" -At "$@"
}

# cqwin_wait SQL EXPECTED [TIMEOUT_S] and cqwin_check NAME SQL EXPECTED:
# test/lib/common.sh's cq_wait_until and cq_check_sql on this cluster.
cqwin_wait()
{
	cq_wait_until cqwin_sql "$@"
}

cqwin_check()
{
	cq_check_sql cqwin_sql "$@"
}

# cqwin_caught_up_sql SRC: prints t once every query of wt.q on SRC has
# read past the last row of SRC, and none has failed.
cqwin_caught_up_sql()
{
	echo "SELECT bool_and(s.last_source_id >= (SELECT coalesce(max(id), 0) FROM $1) AND s.status <> 'failed')
		FROM wt.q w JOIN cqstream.query cq USING (name) JOIN cqstream.query_state s ON s.query_id = cq.id
		WHERE w.src = '$1'::regclass"
}

# cqwin_table NAME: a source table of the tests' shape.
cqwin_table()
{
	cqwin_sql "CREATE TABLE $1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
		k text, ts timestamptz, v float8, s text, b boolean)" >/dev/null
}

cqwin_worker_pid()
{
	cqwin_sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQWIN_DB'" 2>/dev/null || true
}

cqwin_start()
{
	cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-windows/data" \
		-l "$CQ_TMP/pg-windows/log" -w -t 60 \
		-o "-p $(cat "$CQ_TMP/pg-windows/port")" start >/dev/null
}

cqwin_conninfo()
{
	echo "host=$CQ_TMP/pg-windows port=$(cat "$CQ_TMP/pg-windows/port") user=postgres dbname=$CQWIN_DB"
}

# cqwin_diff_check NAME SRC WHERE: one check that the final results of the
# queries of SRC selected by WHERE (over wt.q) equal the expected ones;
# the differences are kept in wt.d_SRC, computed once per SRC.
cqwin_diff_check()
{
	local name=$1 src=$2 where=$3 got nq nres
	got=$(cqwin_sql "SELECT count(*) FROM wt.d_$src d JOIN wt.q USING (name) WHERE $where" 2>&1 || true)
	nq=$(cqwin_sql "SELECT count(*) FROM wt.q WHERE src = '$src'::regclass AND ($where)" 2>/dev/null || echo '?')
	nres=$(cqwin_sql "SELECT count(*) FROM wt.a_$src a JOIN wt.q USING (name) WHERE a.final AND ($where)" 2>/dev/null || echo '?')
	if [ "$got" = 0 ] && [ "$nq" != 0 ]; then
		cq_pass "$name: $nq queries, $nres results equal plain SQL"
	else
		cq_fail "$name: $nq queries, $nres results equal plain SQL" \
			"differences: $got (- expected and missing, + seen and not expected); first ones:"
		cqwin_sql "SELECT side, d.name, d.key, d.ws, d.we, d.value, d.cnt, d.final FROM wt.d_$src d JOIN wt.q USING (name) WHERE $where ORDER BY d.name, d.key, d.ws, side LIMIT 12" 2>&1 |
			sed 's/^/          /' || true
	fi
}

# cqwin_compare SRC: materialize expected/actual/differences for SRC
# (wt.e_SRC, wt.a_SRC, wt.d_SRC) so that the checks read them cheaply.
cqwin_compare()
{
	cqwin_sql "DROP TABLE IF EXISTS wt.e_$1, wt.a_$1, wt.d_$1;
		CREATE TABLE wt.e_$1 AS SELECT * FROM wt.expected('$1', true);
		CREATE TABLE wt.a_$1 AS SELECT * FROM wt.actual('$1');
		CREATE TABLE wt.d_$1 AS
		WITH e AS (SELECT name, has_key, key, ws, we, value, cnt, final FROM wt.e_$1 WHERE final),
			 a AS (SELECT name, has_key, key, ws, we, value, cnt, final FROM wt.a_$1 WHERE final)
		(SELECT '-' AS side, * FROM e EXCEPT ALL SELECT '-', * FROM a)
		UNION ALL
		(SELECT '+', * FROM a EXCEPT ALL SELECT '+', * FROM e)" >/dev/null 2>"$CQ_TMP/win-compare.err" ||
		cq_fail "$1: expected and logged results computed" "$(head -c 600 "$CQ_TMP/win-compare.err")"
}

# cqwin_common_checks SRC LABEL: ids, payload shapes, emission order and
# counters of every query of SRC.
cqwin_common_checks()
{
	local src=$1 label=$2
	cqwin_check "$label: result ids contiguous from query_id * 10^12 + 1, increasing" \
		"SELECT count(*) FROM (SELECT q.name, min(a.rid) - cq.id * 1000000000000 AS lo,
				max(a.rid) - cq.id * 1000000000000 AS hi, count(DISTINCT a.rid) AS n, count(*) AS m
			FROM wt.a_$src a JOIN wt.q q USING (name) JOIN cqstream.query cq USING (name)
			GROUP BY q.name, cq.id) x WHERE lo <> 1 OR hi <> n OR n <> m" 0
	cqwin_check "$label: payloads (fields, RFC 3339 UTC, value type per aggregation, key left out without a key column)" \
		"SELECT count(*) FILTER (WHERE NOT shape_ok) || ' bad of ' || count(*) || coalesce(': ' || min(payload) FILTER (WHERE NOT shape_ok), '') FROM wt.a_$src" \
		"0 bad of $(cqwin_sql "SELECT count(*) FROM wt.a_$src")"
	# Closed by one watermark step: by end, start, key; a later step closes
	# only windows ending later, so in id order (end, start) never goes back.
	cqwin_check "$label: time windows emitted in order of end, start, key (C order)" \
		"SELECT count(*) FROM (SELECT a.final, a.key, a.ws, a.we,
				lag(a.we) OVER w AS pwe, lag(a.ws) OVER w AS pws, lag(a.key) OVER w AS pkey
			FROM wt.a_$src a JOIN wt.q q USING (name)
			WHERE q.kind <> 'count' AND a.final
			WINDOW w AS (PARTITION BY a.name ORDER BY a.rid)) x
		WHERE (we, ws) < (pwe, pws)
		   OR (we = pwe AND ws = pws AND key IS NOT NULL AND pkey IS NOT NULL AND key COLLATE \"C\" <= pkey COLLATE \"C\")" 0
	cqwin_check "$label: rows_skipped and rows_late of every query as docs/windows.md counts them" \
		"SELECT count(*) || coalesce(': ' || string_agg(format('%s skipped %s/%s late %s/%s', c.name, s.rows_skipped, c.skipped, s.rows_late, c.late), '; '), '')
		FROM wt.counters('$src') c JOIN cqstream.query q USING (name) JOIN cqstream.query_state s ON s.query_id = q.id
		WHERE (s.rows_skipped, s.rows_late) IS DISTINCT FROM (c.skipped, c.late)" 0
}

# cqwin_update_checks SRC LABEL: the on_update queries of SRC (time
# windows): updates are non-final, at most one per window per batch
# (batch: the worker transaction, seen as `created`), counts grow, the
# last result of a closed window is its final one, and an open window's
# last update shows its value so far.
cqwin_update_checks()
{
	local src=$1 label=$2 where
	where="q.emit = 'on_update' AND q.kind <> 'count'"
	cqwin_check "$label: on_update: updates present, each final: false" \
		"SELECT count(*) FILTER (WHERE NOT a.final) > 0 FROM wt.a_$src a JOIN wt.q q USING (name) WHERE $where" t
	cqwin_check "$label: on_update: at most one update per window per batch" \
		"SELECT count(*) FROM (SELECT 1 FROM wt.a_$src a JOIN wt.q q USING (name) WHERE $where AND NOT a.final
			GROUP BY a.name, a.key, a.ws, a.created HAVING count(*) > 1) x" 0
	cqwin_check "$label: on_update: one final per window, nothing after it, no update in the batch that closes it, counts grow" \
		"SELECT count(*) FROM (SELECT a.final, a.cnt, a.created, lead(a.final) OVER w AS nfinal,
				lead(a.cnt) OVER w AS ncnt, lead(a.created) OVER w AS ncreated,
				count(*) FILTER (WHERE a.final) OVER (PARTITION BY a.name, a.key, a.ws) AS nf
			FROM wt.a_$src a JOIN wt.q q USING (name) WHERE $where
			WINDOW w AS (PARTITION BY a.name, a.key, a.ws ORDER BY a.rid)) x
		WHERE nf > 1 OR (final AND nfinal IS NOT NULL)
		   OR (NOT final AND nfinal = false AND ncnt <= cnt) OR (NOT final AND nfinal AND ncnt < cnt)
		   OR (NOT final AND nfinal AND ncreated = created)" 0
	cqwin_check "$label: on_update: open windows' last update equals plain SQL so far" \
		"WITH e AS (SELECT e.name, e.key, e.ws, e.value, e.cnt FROM wt.e_$src e JOIN wt.q q USING (name) WHERE $where AND NOT e.final),
			  a AS (SELECT DISTINCT ON (a.name, a.key, a.ws) a.name, a.key, a.ws, a.value, a.cnt, a.final
					FROM wt.a_$src a JOIN wt.q q USING (name) WHERE $where ORDER BY a.name, a.key, a.ws, a.rid DESC)
		SELECT (SELECT count(*) FROM e) > 0,
			   (SELECT count(*) FROM (SELECT * FROM e EXCEPT SELECT name, key, ws, value, cnt FROM a WHERE NOT final) x),
			   (SELECT count(*) FROM (SELECT name, key, ws, value, cnt FROM a WHERE NOT final EXCEPT SELECT * FROM e) y)" "t|0|0"
}

# cqwin_feed SRC N [OUT_OF_ORDER]: insert wt.stage rows 1..N into SRC in
# random batches; unless OUT_OF_ORDER is 0, about one batch in four takes
# its ids first and commits only after the next batch has committed.  Uses
# bash's RANDOM (seeded by the caller).
cqwin_feed()
{
	local src=$1 n=$2 ooo=${3:-1} a=1 b c d pid marker
	local cols="k, ts, v, s, b"
	while [ "$a" -le "$n" ]; do
		b=$((a + 10 + RANDOM % 500))
		[ "$b" -le "$n" ] || b=$n
		if [ "$ooo" -ne 0 ] && [ $((RANDOM % 4)) -eq 0 ] && [ "$b" -lt "$n" ]; then
			c=$((b + 1))
			d=$((c + 10 + RANDOM % 300))
			[ "$d" -le "$n" ] || d=$n
			marker="cqwin_open_writer_${src}_$a"
			cq_psql windows -d "$CQWIN_DB" -c "BEGIN" \
				-c "INSERT INTO $src ($cols) SELECT $cols FROM wt.stage WHERE n BETWEEN $a AND $b ORDER BY n" \
				-c "SELECT pg_sleep(0.3) AS $marker" -c "COMMIT" >/dev/null &
			pid=$!
			cqwin_wait "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(0.3) AS $marker%' AND state = 'active'" 1 10 >/dev/null || true
			cqwin_sql "INSERT INTO $src ($cols) SELECT $cols FROM wt.stage WHERE n BETWEEN $c AND $d ORDER BY n" >/dev/null
			wait "$pid"
			a=$((d + 1))
		else
			cqwin_sql "INSERT INTO $src ($cols) SELECT $cols FROM wt.stage WHERE n BETWEEN $a AND $b ORDER BY n" >/dev/null
			a=$((b + 1))
		fi
		if [ $((RANDOM % 3)) -eq 0 ]; then
			sleep "0.0$((RANDOM % 8 + 1))"
		fi
	done
}

# ---------------------------------------------------------------------------

cqwin_test_api_present()
{
	if [ "$(cqwin_sql "SELECT to_regprocedure('cqstream.create_aggregate(text, regclass, name, name, text, cqstream.window, name, interval, text, jsonb)') IS NOT NULL")" = t ]; then
		cq_pass "cqstream.create_aggregate exists"
		return 0
	fi
	cq_fail "cqstream.create_aggregate exists" "Window queries are not installed; nothing else can run."
	return 1
}

# 6. A few validation errors (the pg_regress tests cover them all).
cqwin_test_validation()
{
	local out
	cqwin_table val
	cqwin_sql "ALTER TABLE val ADD j jsonb" >/dev/null
	out=$(cqwin_sql "DO \$\$
		DECLARE
			c text[] := ARRAY[
				\$q\$SELECT cqstream.create_aggregate('bad1', 'val', 'ts', 'v', 'MEDIAN', cqstream.tumbling('10 s'))\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad2', 'val', 'ts', 'v', 'any', cqstream.tumbling('10 s'))\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad3', 'val', 'ts', 's', 'SUM', cqstream.tumbling('10 s'))\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad4', 'val', 'ts', 'b', 'MAX', cqstream.count_window(3))\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad5', 'val', 'ts', 'j', 'COUNT', cqstream.tumbling('10 s'))\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad6', 'val', 'ts', 'v', 'SUM', cqstream.count_window(3), lateness => '1 s')\$q\$,
				\$q\$SELECT cqstream.create_query('bad7', 'val', '{\"aggregation\": \"AVG\", \"window\": {\"type\": \"SLIDING\", \"size\": 10}, \"timeColumn\": \"ts\", \"valueColumn\": \"v\"}')\$q\$,
				\$q\$SELECT cqstream.create_query('bad8', 'val', '{\"aggregation\": \"AVG\", \"window\": {\"type\": \"COUNT\", \"size\": 10}, \"lateness\": {\"size\": 5, \"unit\": \"SECONDS\"}, \"timeColumn\": \"ts\", \"valueColumn\": \"v\"}')\$q\$,
				\$q\$SELECT cqstream.create_aggregate('bad9', 'val', 'ts', 'v', 'SUM', cqstream.tumbling('10 s'), emit => 'sometimes')\$q\$];
			i int;
			st text;
			h text;
		BEGIN
			FOR i IN 1 .. array_length(c, 1) LOOP
				BEGIN
					EXECUTE c[i];
					RAISE WARNING 'bad%: accepted', i;
				EXCEPTION WHEN OTHERS THEN
					GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, h = PG_EXCEPTION_HINT;
					RAISE WARNING 'bad%: % hint: %', i, st, h;
				END;
			END LOOP;
		END \$\$" 2>&1 | sed -n 's/^WARNING: *//p')
	echo "$out" >"$CQ_ARTIFACTS/windows-validation.txt"
	# cqwin_verr N NAME STATE [HINT_WORD...]: bad N failed with STATE and a
	# hint naming every HINT_WORD.
	cqwin_verr()
	{
		local n=$1 name=$2 state=$3 line w ok=1
		shift 3
		line=$(grep "^bad$n: " <<<"$out" || true)
		[[ $line == "bad$n: $state "* ]] || ok=0
		for w in "$@"; do
			grep -qw -- "$w" <<<"${line#*hint: }" || ok=0
		done
		if [ "$ok" -eq 1 ]; then
			cq_pass "validation: $name -> $state${1:+, hint lists $*}"
		else
			cq_fail "validation: $name -> $state${1:+, hint lists $*}" "seen: ${line:-nothing}"
		fi
	}
	cqwin_verr 1 "MEDIAN of numbers" 22023 COUNT SUM AVG MIN MAX
	cqwin_verr 2 "ANY of numbers (lower case)" 22023 COUNT SUM AVG MIN MAX
	cqwin_verr 3 "SUM of text" 22023 COUNT COUNT_DISTINCT
	cqwin_verr 4 "MAX of booleans" 22023 COUNT ANY ALL COUNT_TRUE COUNT_FALSE
	cqwin_verr 5 "value column of type jsonb" 42804
	cqwin_verr 6 "COUNT window with lateness (create_aggregate)" 22023
	cqwin_verr 7 "window type SLIDING (create_query)" 22023
	cqwin_verr 8 "COUNT window with lateness (create_query)" 22023
	cqwin_verr 9 "emit 'sometimes'" 22023
	unset -f cqwin_verr
	cqwin_check "validation: nothing registered by the refused calls" \
		"SELECT count(*) FROM cqstream.query WHERE name LIKE 'bad_'" 0
}

# 8. Open windows in chunks (window_state.c): 3,000 keys in many chunks;
# a batch that touches 3 of them, adds 2 keys between chunks and the NULL
# key rewrites only the chunks around them; open windows equal plain SQL
# (sums, distinct values, count windows' rows); closing every window
# leaves no chunk behind.
cqwin_chunk_sql()
{
	echo "SELECT count(*) FROM cqstream.window_chunk c JOIN cqstream.query q ON q.id = c.query_id WHERE q.name = '$1'"
}
cqwin_test_chunks()
{
	local opts='{"notify": "none", "retention_rows": 0}' n q
	cqwin_table chk
	if ! cqwin_sql "SELECT cqstream.create_aggregate('chk_sum', 'chk', 'ts', 'v', 'SUM', cqstream.tumbling('1 hour'), key_column => 'k', options => '$opts');
			SELECT cqstream.create_aggregate('chk_dist', 'chk', 'ts', 's', 'COUNT_DISTINCT', cqstream.tumbling('1 hour'), key_column => 'k', options => '$opts');
			SELECT cqstream.create_aggregate('chk_cnt', 'chk', 'ts', 'v', 'MAX', cqstream.count_window(3), key_column => 'k', options => '$opts')" >/dev/null; then
		cq_fail "chunks: queries registered"
		return 0
	fi
	# Even keys k0000 .. k5998, two rows each
	cqwin_sql "INSERT INTO chk (k, ts, v, s) SELECT 'k' || lpad((2 * (g % 3000))::text, 4, '0'), timestamptz '2026-11-23 10:00' + g * interval '1 ms', g, 's' || (g % 7) FROM generate_series(0, 5999) g" >/dev/null
	for q in chk_sum chk_dist chk_cnt; do
		cqwin_wait "$(cq_state_sql $q rows_processed)" 6000 60 >/dev/null || cq_fail "chunks: $q read 6,000 rows"
	done
	n=$(cqwin_sql "$(cqwin_chunk_sql chk_sum)")
	if [ "${n:-0}" -ge 20 ]; then
		cq_pass "chunks: 3,000 keys' open windows in $n chunks"
	else
		cq_fail "chunks: 3,000 keys' open windows in at least 20 chunks" "$n"
	fi
	cqwin_sql "CREATE TABLE wt.chk_before AS SELECT c.ctid::text AS tid, c.query_id FROM cqstream.window_chunk c" >/dev/null
	# 3 old keys, 2 new ones between them, the NULL key
	cqwin_sql "INSERT INTO chk (k, ts, v, s) SELECT k, timestamptz '2026-11-23 10:30', 7, 'x' FROM unnest(ARRAY['k0100', 'k3000', 'k5998', 'k0101', 'k4001', NULL]) AS k" >/dev/null
	for q in chk_sum chk_dist chk_cnt; do
		cqwin_wait "$(cq_state_sql $q rows_processed)" 6006 60 >/dev/null || cq_fail "chunks: $q read 6,006 rows"
	done
	cqwin_check "chunks: a batch touching 6 keys rewrote at most 6 of the chunks" \
		"SELECT count(*) BETWEEN 1 AND 6, count(*) < $n FROM cqstream.window_chunk c JOIN cqstream.query q ON q.id = c.query_id
		 WHERE q.name = 'chk_sum' AND NOT EXISTS (SELECT FROM wt.chk_before b WHERE b.tid = c.ctid::text AND b.query_id = c.query_id)" "t|t"
	cqwin_check "chunks: open windows (count, sum) of 3,003 keys equal plain SQL" \
		"WITH w AS (SELECT w.key, w.count, w.sum FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id WHERE q.name = 'chk_sum'),
		      e AS (SELECT k AS key, count(*) AS count, sum(v) AS sum FROM chk GROUP BY k)
		 SELECT (SELECT count(*) FROM w), (SELECT count(*) FROM (SELECT * FROM w EXCEPT SELECT * FROM e) x), (SELECT count(*) FROM (SELECT * FROM e EXCEPT SELECT * FROM w) y)" \
		"3003|0|0"
	cqwin_check "chunks: distinct values of each key's open window equal plain SQL" \
		"WITH w AS (SELECT w.key, v FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id, unnest(w.distinct_values) v WHERE q.name = 'chk_dist'),
		      e AS (SELECT DISTINCT k AS key, s AS v FROM chk)
		 SELECT (SELECT count(*) FROM w) > 3000, (SELECT count(*) FROM (SELECT * FROM w EXCEPT ALL SELECT * FROM e) x), (SELECT count(*) FROM (SELECT * FROM e EXCEPT ALL SELECT * FROM w) y)" \
		"t|0|0"
	cqwin_check "chunks: count windows: the 3 keys with a third row emitted, the others' 2 rows kept" \
		"SELECT (SELECT string_agg((payload->>'key') || ':' || (payload->>'value') || ':' || (payload->>'count'), ',' ORDER BY payload->>'key') FROM cqstream.results('chk_cnt')),
		        (SELECT count(*) FILTER (WHERE w.count = 2) || '/' || count(*) FILTER (WHERE w.count = 1) FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id WHERE q.name = 'chk_cnt')" \
		"$(cqwin_sql "SELECT string_agg(k || ':' || max_v || ':3', ',' ORDER BY k) FROM (SELECT k, max(v)::text AS max_v FROM chk WHERE k IN ('k0100', 'k3000', 'k5998') GROUP BY k) x")|2997/3"
	# An hour later: every window of the first hour closes
	cqwin_sql "INSERT INTO chk (k, ts, v, s) VALUES ('k9999', '2026-11-23 12:00', 1, 'y')" >/dev/null
	for q in chk_sum chk_dist; do
		cqwin_wait "$(cq_state_sql $q rows_processed)" 6007 60 >/dev/null || cq_fail "chunks: $q read 6,007 rows"
	done
	cqwin_check "chunks: closed windows' sums equal plain SQL; one window and one chunk left" \
		"WITH r AS (SELECT payload->>'key' AS key, (payload->>'value')::float8 AS sum, (payload->>'count')::bigint AS count FROM cqstream.results('chk_sum', 0, 10000)),
		      e AS (SELECT k AS key, sum(v) AS sum, count(*) AS count FROM chk WHERE ts < '2026-11-23 11:00' GROUP BY k)
		 SELECT (SELECT count(*) FROM r), (SELECT count(*) FROM (SELECT * FROM r EXCEPT SELECT * FROM e) x), (SELECT count(*) FROM (SELECT * FROM e EXCEPT SELECT * FROM r) y),
		        (SELECT count(*) FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id WHERE q.name = 'chk_sum'), ($(cqwin_chunk_sql chk_sum))" \
		"3003|0|0|1|1"
}

# 7. Memory: 10,000 keys with open windows.
cqwin_test_memory()
{
	local pid rss0 rss1 rss2
	cqwin_table mem
	cqwin_sql "SELECT cqstream.create_aggregate('mem_q', 'mem', 'ts', 'v', 'AVG', cqstream.tumbling('1 hour'), key_column => 'k', options => '{\"notify\": \"none\"}')" >/dev/null
	pid=$(cqwin_worker_pid)
	rss0=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
	cqwin_sql "INSERT INTO mem (k, ts, v) SELECT 'key' || (g % 10000), timestamptz '2026-11-23 10:00' + g * interval '1 ms', g FROM generate_series(1, 50000) g" >/dev/null
	if ! cqwin_wait "$(cq_state_sql mem_q rows_processed)" 50000 60; then
		cq_fail "memory: 50,000 rows over 10,000 keys processed"
		return 0
	fi
	rss1=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
	cqwin_check "memory: 10,000 open windows kept in window_state, none emitted" \
		"SELECT (SELECT count(*) FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id WHERE q.name = 'mem_q'), ($(cq_state_sql mem_q results_emitted))" \
		"10000|0"
	cqwin_sql "INSERT INTO mem (k, ts, v) SELECT 'key' || (g % 10000), timestamptz '2026-11-23 10:01' + g * interval '1 ms', g FROM generate_series(1, 50000) g" >/dev/null
	cqwin_wait "$(cq_state_sql mem_q rows_processed)" 100000 60 >/dev/null || true
	rss2=$(awk '/^RssAnon:/ { print $2 }' "/proc/$pid/status" 2>/dev/null || echo 0)
	# The worker keeps freed memory (docs/engine.md), so RssAnon is its high
	# water mark: bounded, and a second batch over the same 10,000 windows
	# must not raise it by more than a few MB.
	if [ "$(cqwin_worker_pid)" = "$pid" ] && [ "$rss1" -gt 0 ] && [ "$rss1" -lt 65536 ] &&
		[ "$rss2" -lt 65536 ] && [ "$rss2" -le $((rss1 + 8192)) ]; then
		cq_pass "memory: worker RssAnon ${rss0} kB idle, ${rss1} kB after 10,000 keys, ${rss2} kB after a second batch (bound 64 MB, growth <= 8 MB)"
	else
		cq_fail "memory: worker RssAnon under 64 MB with 10,000 open windows, not growing" \
			"pid $pid (now $(cqwin_worker_pid)): ${rss0} kB idle, ${rss1} kB after the first batch, ${rss2} kB after the second"
	fi
	cqwin_sql "SELECT cqstream.drop_query('mem_q')" >/dev/null
}

# 3. Results and payload shape, NOTIFY equal to the log.
cqwin_test_shape()
{
	local out=$CQ_TMP/win-listen.out out2=$CQ_TMP/win-listen-off.out pid pid2 rc=0 rc2=0 qid rid
	cqwin_table shape
	cqwin_table ovf
	cqwin_sql "INSERT INTO wt.q (name, src, agg, col, kind, size_us, hop_us, off_us, late_us, size_rows, hop_rows, keyed, options) VALUES
		('avg_10s', 'shape', 'AVG', 'v', 'tumbling', 10000000, 10000000, 0, 0, NULL, NULL, true, '{\"notify\": \"payload\"}'),
		('shape_sum', 'shape', 'SUM', 'v', 'tumbling', 10000000, 10000000, 0, 0, NULL, NULL, true, '{}'),
		('shape_off', 'shape', 'SUM', 'v', 'tumbling', 10000000, 10000000, 500000, 0, NULL, NULL, false, '{\"notify\": \"payload\"}'),
		('shape_min', 'shape', 'MIN', 'v', 'hopping', 10000000, 5000000, 0, 0, NULL, NULL, true, '{}'),
		('shape_any', 'shape', 'ANY', 'b', 'tumbling', 10000000, 10000000, 0, 0, NULL, NULL, true, '{}'),
		('shape_ctrue', 'shape', 'COUNT_TRUE', 'b', 'tumbling', 10000000, 10000000, 0, 0, NULL, NULL, false, '{}'),
		('shape_cd', 'shape', 'COUNT_DISTINCT', 's', 'tumbling', 10000000, 10000000, 0, 0, NULL, NULL, true, '{}'),
		('shape_cnt', 'shape', 'COUNT', 'v', 'count', NULL, NULL, NULL, 0, 3, NULL, true, '{}')" >/dev/null
	cqwin_sql "SELECT wt.register(name) FROM wt.q WHERE src = 'shape'::regclass" >/dev/null
	cqwin_sql "SELECT cqstream.create_aggregate('ovf_sum', 'ovf', 'ts', 'v', 'SUM', cqstream.tumbling('10 s'), key_column => 'k')" >/dev/null
	cqwin_sql "SELECT cqstream.create_aggregate('ovf_avg', 'ovf', 'ts', 'v', 'AVG', cqstream.tumbling('10 s'), key_column => 'k')" >/dev/null
	"$CQ_TMP/cqlisten" "$(cqwin_conninfo)" cqstream_avg_10s 3 30 >"$out" 2>"$out.err" &
	pid=$!
	"$CQ_TMP/cqlisten" "$(cqwin_conninfo)" cqstream_shape_off 2 30 >"$out2" 2>"$out2.err" &
	pid2=$!
	# 30 s: a loaded machine can be slow to start and connect them
	cq_wait_cmd 30 grep -q listening "$out.err" || true
	cq_wait_cmd 30 grep -q listening "$out2.err" || true
	# s1: 10 rows 10:00:00 .. 10:00:09, values 17 .. 26 (AVG 21.5, as in
	# docs/windows.md); a NULL key; a NaN; texts; then a row at 10:00:15
	# that closes [10:00:00, 10:00:10) (and [09:59:55, 10:00:05) ...).
	cqwin_sql "INSERT INTO shape (k, ts, v, s, b)
		SELECT 's1', timestamptz '2026-11-23 10:00:00+00' + g * interval '1 s', 17 + g, chr(97 + g % 3), g % 4 = 0
		FROM generate_series(0, 9) g;
		INSERT INTO shape (k, ts, v, s, b) VALUES
			(NULL, '2026-11-23 10:00:03+00', 1, 'x', false),
			(NULL, '2026-11-23 10:00:04.25+00', 2, 'x', false),
			('n', '2026-11-23 10:00:05+00', 'NaN', NULL, NULL),
			('s2', '2026-11-23 10:00:15+00', 0, 'y', true)" >/dev/null
	cqwin_sql "INSERT INTO ovf (k, ts, v) VALUES ('up', '2026-11-23 10:00:01+00', 1e308), ('up', '2026-11-23 10:00:02+00', 1e308),
		('down', '2026-11-23 10:00:01+00', -1e308), ('down', '2026-11-23 10:00:02+00', -1e308),
		('nan', '2026-11-23 10:00:01+00', 'Infinity'), ('nan', '2026-11-23 10:00:02+00', '-Infinity'),
		('zero', '2026-11-23 10:00:03+00', '-0'), ('end', '2026-11-23 10:00:10+00', 0)" >/dev/null
	if cqwin_wait "$(cqwin_caught_up_sql shape)" t 30 &&
		cqwin_wait "SELECT bool_and(s.last_source_id >= 8) FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name LIKE 'ovf%'" t 30; then
		cq_pass "shape: rows processed"
	else
		cq_fail "shape: rows processed"
	fi
	qid=$(cqwin_sql "SELECT id FROM cqstream.query WHERE name = 'avg_10s'")
	# The id is the logged row's (checked against the payload's elsewhere)
	rid=$(cqwin_sql "SELECT id FROM cqstream.result WHERE query_id = $qid AND payload::json->>'key' = 's1'")
	cqwin_check "shape: the example of docs/windows.md, byte for byte" \
		"SELECT payload FROM cqstream.result WHERE query_id = $qid AND payload::json->>'key' = 's1'" \
		"{\"query\":\"avg_10s\",\"id\":${rid:-none},\"key\":\"s1\",\"windowStart\":\"2026-11-23T10:00:00Z\",\"windowEnd\":\"2026-11-23T10:00:10Z\",\"aggregation\":\"AVG\",\"value\":21.5,\"count\":10,\"final\":true}"
	cqwin_check "shape: NULL key as \"key\":null" \
		"SELECT count(*) FROM cqstream.result WHERE query_id = $qid AND payload LIKE '%\"key\":null,\"windowStart\":\"2026-11-23T10:00:00Z\",%\"value\":1.5,\"count\":2,\"final\":true}'" 1
	cqwin_check "shape: fractional window start (offset 500 ms), no key field" \
		"SELECT string_agg(payload::json->>'windowStart' || ' ' || (payload::jsonb ? 'key'), ',' ORDER BY r.id) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'shape_off'" \
		"2026-11-23T09:59:50.5Z false,2026-11-23T10:00:00.5Z false"
	cqwin_check "shape: NaN as the string \"NaN\"" \
		"SELECT string_agg(payload::json->>'key' || ' ' || (payload::json->'value')::text, ',' ORDER BY payload::json->>'key') FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'shape_sum' AND payload::json->>'key' = 'n'" \
		'n "NaN"'
	cqwin_check "shape: COUNT window start and end are its rows' smallest and largest times" \
		"SELECT string_agg(format('%s %s %s %s', payload::json->>'key', payload::json->>'windowStart', payload::json->>'windowEnd', payload::json->'value'), ',' ORDER BY r.id) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'shape_cnt'" \
		"s1 2026-11-23T10:00:00Z 2026-11-23T10:00:02Z 3,s1 2026-11-23T10:00:03Z 2026-11-23T10:00:05Z 3,s1 2026-11-23T10:00:06Z 2026-11-23T10:00:08Z 3"
	cqwin_check "shape: overflowing SUM and AVG as \"Infinity\"/\"-Infinity\", inf - inf NaN, -0" \
		"SELECT string_agg(format('%s %s %s', q.name, payload::json->>'key', (payload::json->'value')::text), ',' ORDER BY q.name, payload::json->>'key') FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name LIKE 'ovf%'" \
		'ovf_avg down "-Infinity",ovf_avg nan "NaN",ovf_avg up "Infinity",ovf_avg zero 0,ovf_sum down "-Infinity",ovf_sum nan "NaN",ovf_sum up "Infinity",ovf_sum zero -0'
	cqwin_check "shape: every query running, no error" \
		"SELECT count(*) FROM cqstream.queries WHERE (name LIKE 'shape%' OR name LIKE 'ovf%' OR name = 'avg_10s') AND (status <> 'running' OR last_error IS NOT NULL)" 0
	cqwin_compare shape
	cqwin_diff_check "shape: all queries" shape "true"
	cqwin_common_checks shape "shape"
	wait "$pid" || rc=$?
	wait "$pid2" || rc2=$?
	cqwin_sql "CREATE TABLE wt.notif (ch text, n serial, line text)" >/dev/null
	cq_psql windows -d "$CQWIN_DB" -q -c "\\copy wt.notif (line) FROM '$out' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" >/dev/null 2>&1 || true
	cqwin_sql "UPDATE wt.notif SET ch = 'avg_10s' WHERE ch IS NULL" >/dev/null
	cq_psql windows -d "$CQWIN_DB" -q -c "\\copy wt.notif (line) FROM '$out2' WITH (FORMAT csv, QUOTE E'\\x01', DELIMITER E'\\x02')" >/dev/null 2>&1 || true
	cqwin_sql "UPDATE wt.notif SET ch = 'shape_off' WHERE ch IS NULL" >/dev/null
	if [ "$rc" -eq 0 ] && [ "$rc2" -eq 0 ]; then
		cq_pass "shape: LISTEN received every result (cqlisten)"
	else
		cq_fail "shape: LISTEN received every result (cqlisten)" "exit $rc / $rc2" "$(head -c 400 "$out")"
	fi
	cqwin_check "shape: NOTIFY payloads equal the log, in id order" \
		"WITH n AS (SELECT ch, row_number() OVER (PARTITION BY ch ORDER BY n, o) AS i, e::text AS p
				FROM wt.notif, LATERAL (SELECT e, o FROM json_array_elements(CASE WHEN json_typeof(line::json) = 'array' THEN line::json ELSE json_build_array(line::json) END) WITH ORDINALITY AS x(e, o)) y),
			  l AS (SELECT q.name AS ch, row_number() OVER (PARTITION BY q.name ORDER BY r.id) AS i, r.payload AS p
				FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name IN ('avg_10s', 'shape_off'))
		SELECT count(*) FILTER (WHERE n.p IS DISTINCT FROM l.p), count(*) FROM n FULL JOIN l USING (ch, i)" "0|5"
}

# 5. Idle flush.
cqwin_test_idle_flush()
{
	local t0
	cqwin_table idle
	cqwin_sql "SELECT cqstream.create_aggregate('idle_q', 'idle', 'ts', 'v', 'COUNT', cqstream.tumbling('10 s'), key_column => 'k', lateness => '5 s', options => '{\"idle_flush\": \"1 second\"}')" >/dev/null
	t0=$(cqwin_sql "INSERT INTO idle (k, ts, v) VALUES ('a', '2026-11-23 10:00:01+00', 1), ('a', '2026-11-23 10:00:02+00', 2),
		('a', '2026-11-23 10:00:03+00', 3), ('b', '2026-11-23 10:00:12+00', 4) RETURNING clock_timestamp()" | tail -n 1)
	if cqwin_wait "$(cq_state_sql idle_q results_emitted)" 2 15; then
		cq_pass "idle flush: both open windows emitted after the stream stopped"
	else
		cq_fail "idle flush: both open windows emitted after the stream stopped"
	fi
	cqwin_check "idle flush: after >= 1 s idle, final results of the open windows" \
		"SELECT string_agg(format('%s %s %s %s %s', payload::json->>'key', payload::json->>'windowStart', payload::json->>'value', payload::json->>'count', payload::json->>'final'), ',' ORDER BY r.id), bool_and(r.created >= '$t0'::timestamptz + interval '0.9 s') FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'idle_q'" \
		"a 2026-11-23T10:00:00Z 3 3 true,b 2026-11-23T10:00:10Z 1 1 true|t"
	cqwin_check "idle flush: watermark at the end of the latest open window" \
		"$(cq_state_sql idle_q "watermark = '2026-11-23 10:00:20+00'")" t
	# With lateness 5 s the watermark was 10:00:07 before the flush; the
	# flush moved it to 10:00:20, so the first two are late, the third opens
	# [10:00:20, 10:00:30) (25 s - 5 s does not move the watermark).
	cqwin_sql "INSERT INTO idle (k, ts, v) VALUES ('a', '2026-11-23 10:00:04+00', 5), ('b', '2026-11-23 10:00:19.999+00', 6), ('a', '2026-11-23 10:00:25+00', 7)" >/dev/null
	if cqwin_wait "$(cq_state_sql idle_q rows_late)" 2 15; then
		cq_pass "idle flush: later rows for the flushed windows are late"
	else
		cq_fail "idle flush: later rows for the flushed windows are late"
	fi
	if cqwin_wait "$(cq_state_sql idle_q results_emitted)" 3 15; then
		cqwin_check "idle flush: a new window after it opens, and is flushed too" \
			"SELECT payload::json->>'windowStart' || ' ' || (payload::json->>'count') FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'idle_q' ORDER BY r.id DESC LIMIT 1" \
			"2026-11-23T10:00:20Z 1"
	else
		cq_fail "idle flush: a new window after it opens, and is flushed too"
	fi
}

# 1 and 2. The seeded random streams, out of order (all window types and
# aggregations, on_update) and in order (also against window_aggregate).
cqwin_test_random()
{
	local seed=$1 nrows=3000 late_ms=500 off_ms nq start
	RANDOM=$seed
	# On the 100 ms grid of many row times (gen.sql), so that watermarks
	# fall exactly on window ends
	off_ms=$(((RANDOM % 41 - 20) * 100))
	cqwin_psql -q -v seed="$seed" -v nrows=$nrows -v inorder=0 -v late_ms=$late_ms \
		-f "$CQWIN_LIB/gen.sql" >/dev/null
	cqwin_table rnd
	cqwin_psql -q -v src=rnd -v prefix=rnd -v late_ms=$late_ms -v offset_ms="$off_ms" \
		-f "$CQWIN_LIB/queries.sql" >/dev/null
	cqwin_sql "CREATE TABLE wt.stage_rnd AS SELECT * FROM wt.stage; CREATE TABLE wt.params_rnd AS SELECT * FROM wt.params" >/dev/null
	# In order, numeric queries only (window_aggregate takes numbers)
	cqwin_psql -q -v seed="$((seed + 1))" -v nrows=$nrows -v inorder=1 -v late_ms=$late_ms \
		-f "$CQWIN_LIB/gen.sql" >/dev/null
	cqwin_table rin
	cqwin_psql -q -v src=rin -v prefix=rin -v late_ms=$late_ms -v offset_ms="$off_ms" \
		-f "$CQWIN_LIB/queries.sql" >/dev/null
	cqwin_sql "DELETE FROM wt.q WHERE src = 'rin'::regclass AND col <> 'v'" >/dev/null
	cqwin_sql "UPDATE wt.q SET options = '{\"retention_rows\": 0, \"notify\": \"none\"}' WHERE src IN ('rnd'::regclass, 'rin'::regclass)" >/dev/null
	nq=$(cqwin_sql "SELECT count(*) FROM wt.q WHERE src IN ('rnd'::regclass, 'rin'::regclass)")
	if cqwin_sql "SELECT count(wt.register(name)) FROM wt.q WHERE src IN ('rnd'::regclass, 'rin'::regclass)" >/dev/null 2>"$CQ_TMP/win-register.err"; then
		cq_pass "random: $nq queries registered"
	else
		cq_fail "random: $nq queries registered" "$(head -3 "$CQ_TMP/win-register.err")"
		return 0
	fi
	start=$SECONDS
	cqwin_feed rin $nrows 0
	cqwin_sql "TRUNCATE wt.stage; INSERT INTO wt.stage SELECT * FROM wt.stage_rnd" >/dev/null
	cqwin_feed rnd $nrows
	if cqwin_wait "$(cqwin_caught_up_sql rnd)" t 120 && cqwin_wait "$(cqwin_caught_up_sql rin)" t 60; then
		cq_pass "random (CQ_SEED=$seed): 2 x $nrows rows, $(cqwin_sql "SELECT nkeys || ' keys + NULL from ' || to_char(base AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') FROM wt.params_rnd"), processed in $((SECONDS - start)) s"
	else
		cq_fail "random (CQ_SEED=$seed): every query caught up" \
			"$(cqwin_sql "SELECT string_agg(name || ' ' || status || coalesce(' ' || last_error, ''), '; ') FROM cqstream.queries WHERE status <> 'running' OR last_error IS NOT NULL" 2>&1 | head -c 600)"
	fi
	cqwin_compare rnd
	cqwin_compare rin
	cqwin_diff_check "random out of order: TUMBLING 1 s" rnd "name LIKE 'rnd\\_tu\\_%'"
	cqwin_diff_check "random out of order: TUMBLING 1.5 s, offset ${off_ms} ms" rnd "name LIKE 'rnd\\_to\\_%'"
	cqwin_diff_check "random out of order: HOPPING 3 s / 1 s" rnd "name LIKE 'rnd\\_hd\\_%'"
	cqwin_diff_check "random out of order: HOPPING 2.5 s / 1 s, offset ${off_ms} ms" rnd "name LIKE 'rnd\\_hn\\_%'"
	cqwin_diff_check "random out of order: COUNT 7" rnd "name LIKE 'rnd\\_cn\\_%'"
	cqwin_diff_check "random out of order: COUNT 5 hop 2" rnd "name LIKE 'rnd\\_ch\\_%'"
	cqwin_diff_check "random out of order: on_update finals equal on_close" rnd "emit = 'on_update'"
	cqwin_common_checks rnd "random out of order"
	cqwin_update_checks rnd "random out of order"
	cqwin_diff_check "random in order: all window types, numbers" rin "true"
	cqwin_check "random in order: plain SQL expectation equals cqstream.window_aggregate" \
		"WITH e AS (SELECT name, has_key, key, ws, we, value, cnt, final FROM wt.e_rin WHERE final AND name IN (SELECT name FROM wt.q WHERE src = 'rin'::regclass AND agg IN ('COUNT', 'SUM', 'AVG', 'MIN', 'MAX') AND emit = 'on_close')),
			  w AS (SELECT * FROM wt.wagg('rin') WHERE name IN (SELECT name FROM wt.q WHERE emit = 'on_close'))
		SELECT (SELECT count(*) FROM e) > 0, (SELECT count(*) FROM (SELECT * FROM e EXCEPT ALL SELECT * FROM w) x), (SELECT count(*) FROM (SELECT * FROM w EXCEPT ALL SELECT * FROM e) y)" \
		"t|0|0"
	cqwin_common_checks rin "random in order"
	cqwin_check "random: no late rows in order; late rows out of order (the test exercises lateness)" \
		"SELECT (SELECT sum(late) FROM wt.counters('rin')), (SELECT sum(late) > 0 FROM wt.counters('rnd'))" "0|t"
}

# Value and key types other than float8 and text: an integer key (grouped
# by its text), numeric through a domain (read as float8, with more
# digits than a float8 holds), varchar; the rows of the random stream.
cqwin_test_types()
{
	cqwin_sql "CREATE DOMAIN num_d AS numeric;
		CREATE TABLE typ (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			k integer, ts timestamptz, v num_d, s varchar(8), b boolean)" >/dev/null
	cqwin_sql "INSERT INTO wt.q (name, src, agg, col, kind, size_us, hop_us, off_us, late_us, keyed, options)
		SELECT 'typ_' || lower(a) || '_' || c, 'typ', a, c, 'tumbling', 1000000, 1000000, 0, 300000, true, '{\"retention_rows\": 0}'
		FROM (VALUES ('SUM', 'v'), ('AVG', 'v'), ('MAX', 'v'), ('COUNT_DISTINCT', 's')) AS x(a, c)" >/dev/null
	if ! cqwin_sql "SELECT count(wt.register(name)) FROM wt.q WHERE src = 'typ'::regclass" >/dev/null 2>"$CQ_TMP/win-typ.err"; then
		cq_fail "types: integer key, numeric domain, varchar registered" "$(head -3 "$CQ_TMP/win-typ.err")"
		return 0
	fi
	cqwin_sql "INSERT INTO typ (k, ts, v, s, b)
		SELECT nullif(substr(k, 2), '')::int, ts,
			   CASE WHEN v IS NULL OR v = 'NaN' OR v IN ('Infinity', '-Infinity') THEN v::numeric
					ELSE v::numeric / 3 END,
			   s, b
		FROM wt.stage_rnd ORDER BY n" >/dev/null
	if cqwin_wait "$(cqwin_caught_up_sql typ)" t 60; then
		cqwin_compare typ
		cqwin_diff_check "types: integer key, numeric domain (1/3 digits), varchar" typ "true"
		cqwin_common_checks typ "types"
	else
		cq_fail "types: every query caught up"
	fi
}

# 4. kill -9 and immediate stops with windows open, a writer streaming.
cqwin_test_crash()
{
	local stop=$CQ_TMP/win-crash.stop wpid round before pid n
	cqwin_table crash
	cqwin_sql "CREATE SEQUENCE crash_clock" >/dev/null
	cqwin_sql "INSERT INTO wt.q (name, src, agg, col, kind, size_us, hop_us, off_us, late_us, size_rows, hop_rows, keyed, emit, options) VALUES
		('crash_tu_avg', 'crash', 'AVG', 'v', 'tumbling', 1000000, 1000000, 0, 100000, NULL, NULL, true, 'on_close', '{\"retention_rows\": 0}'),
		('crash_hn_sum', 'crash', 'SUM', 'v', 'hopping', 2500000, 1000000, 0, 0, NULL, NULL, false, 'on_close', '{\"retention_rows\": 0}'),
		('crash_to_cd', 'crash', 'COUNT_DISTINCT', 's', 'tumbling', 1500000, 1500000, 700000, 50000, NULL, NULL, true, 'on_close', '{\"retention_rows\": 0}'),
		('crash_ch_max', 'crash', 'MAX', 'v', 'count', NULL, NULL, NULL, 0, 5, 2, true, 'on_close', '{\"retention_rows\": 0}'),
		('crash_up_ct', 'crash', 'COUNT_TRUE', 'b', 'tumbling', 1000000, 1000000, 0, 100000, NULL, NULL, true, 'on_update', '{\"retention_rows\": 0}')" >/dev/null
	cqwin_sql "SELECT count(wt.register(name)) FROM wt.q WHERE src = 'crash'::regclass" >/dev/null
	rm -f "$stop"
	(
		while [ ! -e "$stop" ]; do
			cqwin_sql "INSERT INTO crash (k, ts, v, s, b)
				SELECT 'c' || (g % 40), timestamptz '2026-11-23 10:00:00+00'
					+ (nextval('crash_clock') * 2 - floor(random() * 200)) * interval '1 ms',
					round((random() * 100)::numeric, 1), chr(97 + g % 6), g % 3 = 0
				FROM generate_series(1, 1000) g" >/dev/null 2>&1 || sleep 0.1
		done
	) &
	wpid=$!
	CQWIN_PIDS+=("$wpid")
	for round in 1 2; do
		before=$(cqwin_sql "$(cq_state_sql crash_tu_avg rows_processed)" 2>/dev/null || echo 0)
		cqwin_wait "$(cq_state_sql crash_tu_avg "rows_processed > ${before:-0}")" t 30 >/dev/null || true
		pid=$(cqwin_worker_pid)
		if [ -n "$pid" ] && kill -9 "$pid"; then
			cq_pass "crash: kill -9 of the worker with windows open (round $round)"
		else
			cq_fail "crash: kill -9 of the worker with windows open (round $round)" "no worker"
		fi
		cqwin_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQWIN_DB'" 1 30 >/dev/null || true
		before=$(cqwin_sql "$(cq_state_sql crash_tu_avg rows_processed)" 2>/dev/null || echo 0)
		cqwin_wait "$(cq_state_sql crash_tu_avg "rows_processed > ${before:-0}")" t 30 >/dev/null || true
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-windows/data" -m immediate -w stop >/dev/null
		if cqwin_start; then
			cq_pass "crash: immediate stop and restart with windows open (round $round)"
		else
			cq_fail "crash: immediate stop and restart with windows open (round $round)"
		fi
	done
	: >"$stop"
	wait "$wpid" || true
	n=$(cqwin_sql "SELECT count(*) FROM crash" 2>/dev/null || echo "?")
	if cqwin_wait "$(cqwin_caught_up_sql crash)" t 60; then
		cq_pass "crash: worker caught up ($n rows)"
	else
		cq_fail "crash: worker caught up ($n rows)"
	fi
	cqwin_compare crash
	cqwin_diff_check "crash: exactly once, every window once" crash "true"
	cqwin_common_checks crash "crash"
	cqwin_update_checks crash "crash"
}

# cqwin_crash_lines: the server log's lines about a crash other than our
# kill -9 (a worker killed by another signal, an assertion, a PANIC).
cqwin_crash_lines()
{
	grep -E 'terminated by signal [0-9]+|TRAP:|PANIC:' "$CQ_TMP/pg-windows/log" 2>/dev/null |
		grep -v 'terminated by signal 9:' || true
}

# cqwin_test_server_log: no worker crashed during the suite.
cqwin_test_server_log()
{
	local lines
	lines=$(cqwin_crash_lines)
	if [ -z "$lines" ]; then
		cq_pass "server log: no worker crash other than the tests' kill -9"
	else
		cq_fail "server log: no worker crash other than the tests' kill -9" \
			"$(head -n 3 <<<"$lines" | cut -c 1-200)"
	fi
}

# cqwin_cleanup: on any exit of the suite (its subshell): stop the
# background writers, keep the server log, stop the cluster.  After an
# abort, show the crashes the log holds (a crash-looping worker makes the
# server refuse connections, which is what usually aborts the suite).
cqwin_cleanup()
{
	local pid lines
	: >"$CQ_TMP/win-crash.stop" 2>/dev/null || true
	for pid in "${CQWIN_PIDS[@]}"; do
		kill "$pid" 2>/dev/null || true
	done
	cp "$CQ_TMP/pg-windows/log" "$CQ_ARTIFACTS/windows-server.log" 2>/dev/null || true
	lines=$(cqwin_crash_lines)
	if [ -n "$lines" ] && [ "${CQWIN_DONE:-0}" -eq 0 ]; then
		echo "  server log ($CQ_ARTIFACTS/windows-server.log):"
		head -n 3 <<<"$lines" | cut -c 1-200 | sed 's/^/        | /'
	fi
	if [ -f "$CQ_TMP/pg-windows/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-windows/data" -m fast -w \
			-t 30 stop >/dev/null 2>&1 || true
	fi
}

cq_window_tests()
{
	local seed=${CQ_SEED:-$(((RANDOM << 15 | RANDOM) % 2147483646 + 1))}
	CQWIN_PIDS=()
	trap cqwin_cleanup EXIT
	echo "  seed: CQ_SEED=$seed"
	if cq_cluster_start windows "cqstream.poll_interval = 10" \
		"max_connections = 60"; then
		cq_pass "cluster"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-windows/log" 15
		return 0
	fi
	if ! gcc -O2 -Wall -I"$("$PG_CONFIG" --includedir)" \
		-o "$CQ_TMP/cqlisten" test/worker/cqlisten.c \
		-L"$("$PG_CONFIG" --libdir)" -lpq >"$CQ_TMP/cqlisten-win.log" 2>&1; then
		cq_fail "build test/worker/cqlisten.c"
		cq_show_tail "$CQ_TMP/cqlisten-win.log"
		return 0
	fi
	chmod 755 "$CQ_TMP/cqlisten"
	cq_psql windows -d postgres -c "CREATE DATABASE $CQWIN_DB" >/dev/null
	cqwin_sql "CREATE EXTENSION cqstream" >/dev/null
	cqwin_psql -q -f "$CQWIN_LIB/lib.sql" >/dev/null
	if cqwin_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQWIN_DB'" 1 15; then
		cq_pass "worker running"
	else
		cq_fail "worker running"
	fi
	cqwin_test_api_present || return 0
	cqwin_test_validation
	cqwin_test_memory
	cqwin_test_chunks
	cqwin_test_shape
	cqwin_test_idle_flush
	cqwin_test_random "$seed"
	cqwin_test_types
	cqwin_test_crash
	cqwin_test_server_log
	CQWIN_DONE=1
}
