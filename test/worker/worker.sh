# shellcheck shell=bash
# test/worker/worker.sh: process-level tests of the cqstream launcher and
# worker, run by suite_worker in test/run.sh (which sources this file and
# calls cq_worker_tests).
#
# Design notes
#
# One cluster, "worker", preloading cqstream with a 10 ms poll.  Nothing
# waits a fixed time: every wait polls a condition with a timeout
# (cq_wait_for).  A check that something did NOT happen (a paused query, a
# row hidden behind an open writer) uses a "clock": a second query that
# must have processed rows written after the event, which proves the
# worker has made passes since.  NOTIFY is received by cqlisten.c, a small
# libpq client built here.  Each check ends in cq_pass or cq_fail.

CQW_DB=cq

# cqw_sql SQL: one statement in the test database, unaligned output.
cqw_sql()
{
	cq_psql worker -d "$CQW_DB" -At -c "$1"
}

# cq_wait_for SQL EXPECTED [TIMEOUT_S] and cqw_check NAME SQL EXPECTED:
# test/lib/common.sh's cq_wait_until and cq_check_sql on this cluster.
cq_wait_for()
{
	cq_wait_until cqw_sql "$@"
}

cqw_check()
{
	cq_check_sql cqw_sql "$@"
}

# cqw_progress_sql QUERY N: true once QUERY has processed more than N rows
cqw_progress_sql()
{
	echo "SELECT s.rows_processed > $2 FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = '$1'"
}

cqw_worker_pid()
{
	cqw_sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" 2>/dev/null || true
}

# cqw_restart: start the cluster again after an immediate stop.
cqw_start()
{
	cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-worker/data" \
		-l "$CQ_TMP/pg-worker/log" -w -t 60 \
		-o "-p $(cat "$CQ_TMP/pg-worker/port")" start >/dev/null
}

cqw_conninfo()
{
	echo "host=$CQ_TMP/pg-worker port=$(cat "$CQ_TMP/pg-worker/port") user=postgres dbname=$CQW_DB"
}

# cqw_listen CHANNEL RESULTS TIMEOUT_S OUT ERR: cqlisten in the background
# (pid in CQW_LISTEN_PID) once it is listening (30 s at most).
cqw_listen()
{
	"$CQ_TMP/cqlisten" "$(cqw_conninfo)" "$1" "$2" "$3" >"$4" 2>"$5" &
	CQW_LISTEN_PID=$!
	# 30 s: a loaded machine can be slow to start and connect it
	cq_wait_cmd 30 grep -q listening "$5" || true
}

# A source table NAME with an identity id, a time, a key and a value
cqw_table()
{
	cqw_sql "CREATE TABLE $1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8 ${2:-})" >/dev/null
}

test_launcher()
{
	if cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream launcher'" 1 10; then
		cq_pass "launcher running (backend type \"cqstream launcher\")"
	else
		cq_fail "launcher running"
	fi
	cqw_sql "SELECT 1" >/dev/null
	cqw_sql "CREATE EXTENSION cqstream" >/dev/null
	if cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" 1 10; then
		cq_pass "CREATE EXTENSION starts a worker within 10 s"
	else
		cq_fail "CREATE EXTENSION starts a worker within 10 s"
	fi
	cqw_check "no worker in a database without the extension" \
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = 'postgres'" 0
}

test_end_to_end()
{
	local listen_out=$CQ_TMP/listen-e2e.out listen_err=$CQ_TMP/listen-e2e.err
	local pid rc=0 n
	cqw_table src
	cqw_sql "SELECT cqstream.create_transform('temp_f', 'src', 't', 'v', 'mul 1.8 | add 32', key_column => 'k', options => '{\"retention_rows\": 0, \"notify\": \"payload\"}')" >/dev/null
	cqw_listen cqstream_temp_f 100000 120 "$listen_out" "$listen_err"
	pid=$CQW_LISTEN_PID
	cqw_sql "INSERT INTO src (t, k, v) SELECT '2026-11-23 10:00:01.5+00'::timestamptz + (g - 1) * interval '1.25 s', 's' || (g % 7 + 1), (g - 1) * 0.37 + 21.5 FROM generate_series(1, 100000) g" >/dev/null
	if cq_wait_for "$(cq_state_sql temp_f rows_processed)" 100000 120; then
		cq_pass "100000 rows processed"
	else
		cq_fail "100000 rows processed"
	fi
	wait "$pid" || rc=$?
	n=$(grep -o '"id":' "$listen_out" | wc -l)
	if [ "$rc" -eq 0 ] && [ "$n" -eq 100000 ]; then
		cq_pass "LISTEN received 100000 results in $(wc -l <"$listen_out") notifications"
	else
		cq_fail "LISTEN received 100000 results" "cqlisten exit $rc, $n results"
	fi
	cqw_check "first payload" \
		"SELECT payload FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'temp_f') ORDER BY id LIMIT 1" \
		"$(cqw_sql "SELECT format('{\"query\":\"temp_f\",\"id\":%s,\"key\":\"s2\",\"datetime\":\"2026-11-23T10:00:01.5Z\",\"value\":70.7}', id * 1000000000000 + 1) FROM cqstream.query WHERE name = 'temp_f'")"
	cqw_check "first notification equals the logged payload" \
		"SELECT (SELECT payload FROM cqstream.result ORDER BY id LIMIT 1) = left('$(head -c 300 "$listen_out" | sed -n '1s/^\[//;1s/},{.*/}/p')', 1000)" t
	# Results in id order match the source rows in id order, one by one
	cqw_check "100000 values equal plain SQL (v * 1.8 + 32), key, datetime" \
		"WITH r AS (SELECT row_number() OVER (ORDER BY id) n, payload::json j FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'temp_f')),
		      s AS (SELECT row_number() OVER (ORDER BY id) n, * FROM src)
		 SELECT count(*) FILTER (WHERE (r.j->>'value')::float8 IS DISTINCT FROM s.v * 1.8 + 32
		        OR (r.j->>'datetime')::timestamptz IS DISTINCT FROM s.t OR r.j->>'key' IS DISTINCT FROM s.k), count(*)
		 FROM r FULL JOIN s USING (n)" "0|100000"
	cqw_check "result ids contiguous from query_id * 10^12 + 1" \
		"SELECT min(id) - query_id::int8 * 1000000000000, max(id) - query_id::int8 * 1000000000000, count(DISTINCT id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'temp_f') GROUP BY query_id" \
		"1|100000|100000"
	cqw_check "status running, counters" \
		"SELECT status, rows_processed, results_emitted, rows_skipped FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'temp_f'" \
		"running|100000|100000|0"
	# The log's blocks are the notifications, in the same order
	cqw_check "each notification is one block of the log, in id order" \
		"SELECT count(*) = $(wc -l <"$listen_out") AND md5(string_agg(CASE WHEN first_id = last_id THEN substr(payloads, 2, length(payloads) - 2) ELSE payloads END, E'\\n' ORDER BY last_id) || E'\\n') = '$(md5sum <"$listen_out" | cut -d' ' -f1)' FROM cqstream.result_block WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'temp_f')" t
}

# A result too large for a notification (a 9,024-byte key) is logged whole
# in a block of its own and announced by reference, between its
# neighbours, in id order.
# Payload text at the edges: infinite and far timestamps (before the
# PostgreSQL epoch, BC, past 9999), fractions, keys JSON must escape
test_payload_edges()
{
	cqw_table edge_src
	cqw_sql "SELECT cqstream.create_transform('edge_tf', 'edge_src', 't', 'v', 'mul 1', key_column => 'k', options => '{\"retention_rows\": 0}')" >/dev/null
	cqw_sql "INSERT INTO edge_src (t, k, v) VALUES
		('-infinity', 'plain', 1.5), ('infinity', 'q\"uote\\back', '-0'::float8),
		('4713-11-24 00:00:00+00 BC', E'nl\nctl\x01', 1e-7), ('294276-12-31 23:59:59.999999+00', 'ünï', 1e300),
		('1999-12-31 23:59:59.5+00', '', 2), ('0001-01-01 00:00:00.000001+00', NULL, 3),
		('10000-01-01 00:00:00+00', 'a', 4), ('1969-07-20 20:17:40.00012+00', 'b', 5),
		('2000-01-01 00:00:00+00', 'c', 6), ('1999-12-31 23:59:59.999999+00', 'd', 7),
		('0001-12-31 23:59:59+00 BC', 'e', 8), ('2026-12-07 10:00:00.1+00', 'f', 9), ('2026-12-08 00:00:00.01+00', 'f', 10)" >/dev/null
	if cq_wait_for "$(cq_state_sql edge_tf rows_processed)" 13 60; then
		cq_pass "13 edge rows processed"
	else
		cq_fail "13 edge rows processed"
	fi
	cqw_check "payloads at the edges, byte for byte" \
		"SELECT string_agg(regexp_replace(payload, '\"id\":[0-9]+,', ''), E'\n' ORDER BY id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'edge_tf')" \
		'{"query":"edge_tf","key":"plain","datetime":"-infinity","value":1.5}
{"query":"edge_tf","key":"q\"uote\\back","datetime":"infinity","value":-0}
{"query":"edge_tf","key":"nl\nctl\u0001","datetime":"-4712-11-24T00:00:00Z","value":1e-07}
{"query":"edge_tf","key":"ünï","datetime":"294276-12-31T23:59:59.999999Z","value":1e+300}
{"query":"edge_tf","key":"","datetime":"1999-12-31T23:59:59.5Z","value":2}
{"query":"edge_tf","key":null,"datetime":"0001-01-01T00:00:00.000001Z","value":3}
{"query":"edge_tf","key":"a","datetime":"10000-01-01T00:00:00Z","value":4}
{"query":"edge_tf","key":"b","datetime":"1969-07-20T20:17:40.00012Z","value":5}
{"query":"edge_tf","key":"c","datetime":"2000-01-01T00:00:00Z","value":6}
{"query":"edge_tf","key":"d","datetime":"1999-12-31T23:59:59.999999Z","value":7}
{"query":"edge_tf","key":"e","datetime":"0000-12-31T23:59:59Z","value":8}
{"query":"edge_tf","key":"f","datetime":"2026-12-07T10:00:00.1Z","value":9}
{"query":"edge_tf","key":"f","datetime":"2026-12-08T00:00:00.01Z","value":10}'
	# And they read back as the same values in PostgreSQL
	cqw_check "edge payloads read back as the source rows" \
		"SELECT count(*) FROM cqstream.result r JOIN edge_src s ON s.id = r.id % 1000000000000 WHERE r.query_id = (SELECT id FROM cqstream.query WHERE name = 'edge_tf') AND (r.payload::json->>'key' IS NOT DISTINCT FROM s.k) AND CASE WHEN r.payload::json->>'datetime' ~ '^(-|0000)' THEN s.t < '0001-01-01 00:00:00+00' ELSE (r.payload::json->>'datetime')::timestamptz = s.t END" 13
}

test_by_reference()
{
	local out=$CQ_TMP/listen-ref.out pid rc=0 base
	cqw_table bigk
	cqw_sql "SELECT cqstream.create_transform('big_q', 'bigk', 't', 'v', 'mul 2', key_column => 'k', options => '{\"retention_rows\": 0, \"notify\": \"payload\"}')" >/dev/null
	cqw_listen cqstream_big_q 3 30 "$out" "$out.err"
	pid=$CQW_LISTEN_PID
	cqw_sql "INSERT INTO bigk (k, v) VALUES ('small', 1), ((SELECT string_agg(md5(g::text), '') FROM generate_series(1, 282) g), 2), ('small', 3)" >/dev/null
	wait "$pid" || rc=$?
	base=$(cqw_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'big_q'")
	if [ "$rc" -eq 0 ] && [ "$(sed -n 2p "$out")" = "{\"query\":\"big_q\",\"id\":$((base + 2)),\"ref\":true}" ] &&
		sed -n 1p "$out" | grep -q "^{\"query\":\"big_q\",\"id\":$((base + 1)),\"key\":\"small\"" &&
		sed -n 3p "$out" | grep -q "^{\"query\":\"big_q\",\"id\":$((base + 3)),\"key\":\"small\""; then
		cq_pass "a 9,024-byte result is announced by reference, between its neighbours"
	else
		cq_fail "a 9,024-byte result is announced by reference" "cqlisten exit $rc: $(cut -c 1-120 "$out" | tr '\n' '|')"
	fi
	cqw_check "the result sent by reference is logged whole, in a block of its own" \
		"SELECT string_agg(format('%s:%s', r.id - $base, length(r.payload->>'key')), ',' ORDER BY r.id), (SELECT count(*) FROM cqstream.result_block b WHERE b.query_id = $base / 1000000000000), (SELECT (r2.payload->>'value')::float8 FROM cqstream.results('big_q', $base + 1, 1) r2) FROM cqstream.results('big_q') r" \
		"1:5,2:9024,3:5|3|4"
}

# Retention: a count limit keeps exactly the newest results (the block it
# cuts through is rewritten); an age limit drops whole blocks.
test_retention()
{
	local n
	cqw_table ret
	cqw_sql "SELECT cqstream.create_transform('ret_rows', 'ret', 't', 'v', 'mul 2', options => '{\"retention_rows\": 250, \"retention_age\": null}')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('ret_age', 'ret', 't', 'v', 'mul 3', options => '{\"retention_rows\": 0, \"retention_age\": \"1 second\"}')" >/dev/null
	for n in 100 180 230; do
		cqw_sql "INSERT INTO ret (k, v) SELECT 'key ' || g, g FROM generate_series(1, $n) g" >/dev/null
		cq_wait_for "SELECT ($(cq_state_sql ret_rows rows_processed)) >= (SELECT count(*) FROM ret)" t 30 || true
	done
	# The worker trims every 10 s
	if cq_wait_for "SELECT count(*) FROM cqstream.results('ret_rows', 0, 1000)" 250 30; then
		cq_pass "retention_rows 250: 510 results trimmed to the newest 250"
	else
		cq_fail "retention_rows 250: trimmed to 250" "$(cqw_sql "SELECT count(*) FROM cqstream.results('ret_rows', 0, 1000)")"
	fi
	cqw_check "the kept results: ids 261..510 contiguous, payload ids and values intact" \
		"SELECT min(r.id) % 1000000000000, max(r.id) % 1000000000000, count(DISTINCT r.id), count(*) FILTER (WHERE (r.payload->>'id')::int8 <> r.id OR (r.payload->>'value')::float8 <> 2 * s.v) FROM cqstream.results('ret_rows', 0, 1000) r JOIN ret s ON s.id = r.id % 1000000000000" \
		"261|510|250|0"
	cqw_check "the view cqstream.result agrees with cqstream.results()" \
		"SELECT count(*) FROM (SELECT id, payload::jsonb FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ret_rows') EXCEPT SELECT id, payload FROM cqstream.results('ret_rows', 0, 1000)) x" 0
	if cq_wait_for "SELECT count(*) FROM cqstream.results('ret_age', 0, 1000)" 0 30; then
		cq_pass "retention_age 1 second: the results are dropped"
	else
		cq_fail "retention_age 1 second: the results are dropped"
	fi
}

test_domain_and_notify_id()
{
	local out=$CQ_TMP/listen-id.out pid rc=0
	cqw_table dom
	cqw_sql "SELECT cqstream.create_transform('ln_q', 'dom', 't', 'v', 'ln', options => '{\"notify\": \"id\"}')" >/dev/null
	cqw_listen cqstream_ln_q 2 30 "$out" "$out.err"
	pid=$CQW_LISTEN_PID
	cqw_sql "INSERT INTO dom (v) VALUES (1), (0), (-1), (NULL), (exp(2))" >/dev/null
	if cq_wait_for "$(cq_state_sql ln_q rows_processed)" 5 30; then
		cq_pass "ln over 1, 0, -1, NULL, e^2 processed"
	else
		cq_fail "ln over 1, 0, -1, NULL, e^2 processed"
	fi
	cqw_check "domain errors and NULL skipped and counted" \
		"SELECT results_emitted, rows_skipped, status FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'ln_q'" \
		"2|3|running"
	cqw_check "values of the others" \
		"SELECT string_agg(payload::json->>'value', ',' ORDER BY id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ln_q')" \
		"0,2"
	wait "$pid" || rc=$?
	if [ "$rc" -eq 0 ] && grep -qE '^\[?\{"query":"ln_q","id":[0-9]+\}' "$out" &&
		! grep -q value "$out"; then
		cq_pass "notify = id: only query and id"
	else
		cq_fail "notify = id: only query and id" "$(head -c 300 "$out")"
	fi
}

# cqw_open_writer NAME TABLE VALUES: in the background (pid in
# CQW_WRITER_PID), a session named NAME that inserts VALUES into TABLE and
# stays in its transaction until cqw_commit_writer NAME (at most 60 s),
# waited for here.  Held open on a signal rather than for a fixed time,
# which a loaded machine could spend before the checks that need it open.
cqw_open_writer()
{
	local name=$1
	rm -f "$CQ_TMP/$name.commit"
	cq_psql worker -d "$CQW_DB" -c "SET application_name = '$name'" -c "BEGIN" \
		-c "INSERT INTO $2 $3" \
		-c "\\! for i in \$(seq 600); do [ -e '$CQ_TMP/$name.commit' ] && break; sleep 0.1; done" \
		-c "COMMIT" >/dev/null &
	CQW_WRITER_PID=$!
	cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE application_name = '$name' AND state = 'idle in transaction'" 1 30 || true
}

# cqw_commit_writer NAME PID: let writer NAME commit, wait for it.
cqw_commit_writer()
{
	touch "$CQ_TMP/$1.commit"
	wait "$2" || true
}

# A writer takes an id and stays open while a later id commits: the later
# row waits, nothing is skipped.
test_out_of_order()
{
	local pid
	cqw_table ooo
	cqw_table clock
	cqw_sql "SELECT cqstream.create_transform('ooo_q', 'ooo', 't', 'v', 'add 0')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('clock_q', 'clock', 't', 'v', 'add 0')" >/dev/null
	cqw_open_writer writer_one ooo "(v) VALUES (1)"
	pid=$CQW_WRITER_PID
	cqw_sql "INSERT INTO ooo (v) VALUES (2)" >/dev/null
	cqw_sql "INSERT INTO clock (v) VALUES (1)" >/dev/null
	if cq_wait_for "$(cq_state_sql clock_q rows_processed)" 1 30; then
		cqw_check "row of a later, committed writer waits for the open one" \
			"SELECT rows_processed, (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'writer_one' AND state = 'idle in transaction') FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'ooo_q'" \
			"0|1"
	else
		cq_fail "clock query processed"
	fi
	cqw_commit_writer writer_one "$pid"
	if cq_wait_for "$(cq_state_sql ooo_q rows_processed)" 2 30; then
		cqw_check "both rows, in id order, once" \
			"SELECT string_agg(payload::json->>'value', ',' ORDER BY id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ooo_q')" \
			"1,2"
	else
		cq_fail "both rows processed after the first writer commits"
	fi
}

# The same through a partition: a writer inserting straight into one
# partition locks the partition, not the partitioned source; its row must
# still hold back a later one committed through the parent.
test_partition_writer()
{
	local pid
	cqw_sql "CREATE TABLE pw (id bigserial, t timestamptz NOT NULL DEFAULT now(), k text NOT NULL, v float8) PARTITION BY LIST (k)" >/dev/null
	cqw_sql "CREATE TABLE pw_a PARTITION OF pw FOR VALUES IN ('a')" >/dev/null
	cqw_sql "CREATE TABLE pw_b PARTITION OF pw FOR VALUES IN ('b')" >/dev/null
	cqw_table pclock
	cqw_sql "SELECT cqstream.create_transform('pw_q', 'pw', 't', 'v', 'add 0')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('pclock_q', 'pclock', 't', 'v', 'add 0')" >/dev/null
	cqw_open_writer writer_part pw_a "(k, v) VALUES ('a', 1)"
	pid=$CQW_WRITER_PID
	cqw_sql "INSERT INTO pw (k, v) VALUES ('b', 2)" >/dev/null
	cqw_sql "INSERT INTO pclock (v) VALUES (1)" >/dev/null
	if cq_wait_for "$(cq_state_sql pclock_q rows_processed)" 1 30; then
		cqw_check "a later row waits for a writer open on a partition" \
			"SELECT rows_processed, (SELECT count(*) FROM pg_stat_activity WHERE application_name = 'writer_part' AND state = 'idle in transaction') FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'pw_q'" \
			"0|1"
	else
		cq_fail "clock query processed (partition writer)"
	fi
	cqw_commit_writer writer_part "$pid"
	if cq_wait_for "$(cq_state_sql pw_q rows_processed)" 2 30; then
		cqw_check "both partitions' rows, in id order, once" \
			"SELECT string_agg(payload::json->>'value', ',' ORDER BY id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'pw_q')" \
			"1,2"
	else
		cq_fail "the partition writer's row processed after it commits"
	fi
}

test_pause_resume()
{
	cqw_table pr
	cqw_sql "SELECT cqstream.create_transform('pr_a', 'pr', 't', 'v', 'add 1')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('pr_b', 'pr', 't', 'v', 'add 2')" >/dev/null
	cqw_sql "SELECT cqstream.pause_query('pr_a')" >/dev/null
	cqw_sql "INSERT INTO pr (v) SELECT g FROM generate_series(1, 100) g" >/dev/null
	if cq_wait_for "$(cq_state_sql pr_b rows_processed)" 100 20; then
		cqw_check "paused query consumes nothing" "$(cq_state_sql pr_a rows_processed)" 0
	else
		cq_fail "healthy query beside a paused one"
	fi
	cqw_sql "SELECT cqstream.resume_query('pr_a')" >/dev/null
	if cq_wait_for "$(cq_state_sql pr_a results_emitted)" 100 20; then
		cq_pass "resumed query catches up"
	else
		cq_fail "resumed query catches up"
	fi
}

# Queries over one source share its read (batch_shared.c): each row is
# read once for all of them, their results are those of each alone, and
# when one fails the others go on, exactly once.  The reads are counted
# by a row-level security policy of the owner whose function takes a
# sequence value per row read (row-level security holds for the owner:
# FORCE), so the count is exact and needs no statistics.
test_shared_read()
{
	local rows=5000
	cqw_sql "CREATE ROLE cq_sh; GRANT USAGE ON SCHEMA cqstream TO cq_sh; GRANT CREATE ON SCHEMA public TO cq_sh" >/dev/null 2>&1 || true
	cqw_sql "SET ROLE cq_sh;
		CREATE TABLE sh (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL, k text, v float8, v2 float8, v3 float8);
		CREATE SEQUENCE sh_reads;
		CREATE FUNCTION sh_read() RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT nextval(''public.sh_reads'') > 0';
		ALTER TABLE sh ENABLE ROW LEVEL SECURITY; ALTER TABLE sh FORCE ROW LEVEL SECURITY;
		CREATE POLICY sh_all ON sh USING (public.sh_read());
		SELECT cqstream.create_transform('sh_t1', 'sh', 't', 'v', 'mul 2', key_column => 'k', options => '{\"retention_rows\": 0}');
		SELECT cqstream.create_transform('sh_t2', 'sh', 't', 'v2', 'add 1', options => '{\"retention_rows\": 0}');
		SELECT cqstream.create_transform('sh_t3', 'sh', 't', 'v3', 'abs', options => '{\"retention_rows\": 0}');
		SELECT cqstream.create_aggregate('sh_a1', 'sh', 't', 'v', 'SUM', cqstream.tumbling('1 s'), key_column => 'k', options => '{\"retention_rows\": 0}');
		SELECT cqstream.create_aggregate('sh_a2', 'sh', 't', 'k', 'COUNT_DISTINCT', cqstream.tumbling('1 s'), options => '{\"retention_rows\": 0}');
		SELECT cqstream.pause_query(n) FROM unnest(ARRAY['sh_t1', 'sh_t2', 'sh_t3', 'sh_a1', 'sh_a2']) n" >/dev/null ||
		cq_fail "shared read: set-up as cq_sh"
	# Rows in while paused, then all resumed at once: one pass, one read
	cqw_sql "INSERT INTO sh (t, k, v, v2, v3) SELECT '2026-11-23 10:00:00+00'::timestamptz + g * interval '10 ms', 'k' || g % 5, g, -g, -g FROM generate_series(1, $rows) g;
		SELECT setval('sh_reads', 1, false)" >/dev/null
	cqw_sql "BEGIN; SELECT cqstream.resume_query(n) FROM unnest(ARRAY['sh_t1', 'sh_t2', 'sh_t3', 'sh_a1', 'sh_a2']) n; COMMIT" >/dev/null
	if cq_wait_for "SELECT min(rows_processed) FROM cqstream.queries WHERE name LIKE 'sh\_%'" $rows 60; then
		cq_pass "shared read: 5 queries processed $rows rows"
	else
		cq_fail "shared read: 5 queries processed $rows rows"
	fi
	# Without sharing, 5 x rows
	cqw_check "shared read: each row read once for the 5 queries" \
		"SELECT last_value FROM sh_reads" "$rows"
	cqw_check "shared read: transforms equal plain SQL" \
		"SELECT count(*) FILTER (WHERE (r.payload::json->>'value')::float8 = s.v * 2 AND r.payload::json->>'key' = s.k) FROM cqstream.result r JOIN sh s ON s.id = r.id % 1000000000000 WHERE r.query_id = (SELECT id FROM cqstream.query WHERE name = 'sh_t1')" \
		"$rows"
	cqw_check "shared read: second transform, own value column" \
		"SELECT count(*) FILTER (WHERE (r.payload::json->>'value')::float8 = s.v2 + 1) FROM cqstream.result r JOIN sh s ON s.id = r.id % 1000000000000 WHERE r.query_id = (SELECT id FROM cqstream.query WHERE name = 'sh_t2')" \
		"$rows"
	cqw_check "shared read: windowed SUM per key equals plain SQL for closed windows" \
		"WITH w AS (SELECT k, date_bin('1 s', t, '2000-01-01') ws, sum(v) s FROM sh GROUP BY 1, 2),
		      r AS (SELECT payload::json j FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'sh_a1'))
		 SELECT count(*) FILTER (WHERE w.s IS DISTINCT FROM (r.j->>'value')::float8), count(*) FROM r JOIN w ON w.k = r.j->>'key' AND w.ws = (r.j->>'windowStart')::timestamptz" \
		"0|$(cqw_sql "SELECT count(*) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'sh_a1')")"
	# One member breaks (its column dropped): the read it shared fails, so
	# each query runs alone; it fails with its own error, the others go on
	cqw_sql "ALTER TABLE sh DROP COLUMN v3" >/dev/null
	cqw_sql "INSERT INTO sh (t, k, v, v2) SELECT '2026-11-23 10:01:00+00'::timestamptz + g * interval '10 ms', 'k' || g % 5, g, -g FROM generate_series(1, 1000) g" >/dev/null
	if cq_wait_for "$(cq_state_sql sh_t3 status)" failed 30; then
		cqw_check "shared read: the broken member failed with its own error" \
			"SELECT last_error LIKE '%v3%does not exist%' FROM cqstream.queries WHERE name = 'sh_t3'" t
	else
		cq_fail "shared read: the broken member failed"
	fi
	if cq_wait_for "SELECT min(rows_processed) FROM cqstream.queries WHERE name IN ('sh_t1', 'sh_t2', 'sh_a1', 'sh_a2')" $((rows + 1000)) 60; then
		cqw_check "shared read: the other 4 went on, each result once" \
			"SELECT string_agg(DISTINCT status, ',') || ' ' || (SELECT count(*) || '/' || count(DISTINCT id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'sh_t1')) FROM cqstream.queries WHERE name IN ('sh_t1', 'sh_t2', 'sh_a1', 'sh_a2')" \
			"running $((rows + 1000))/$((rows + 1000))"
	else
		cq_fail "shared read: the other 4 went on"
	fi
	cqw_sql "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name LIKE 'sh\_%'" >/dev/null
}

test_failing_query()
{
	cqw_table fa ", v2 float8"
	cqw_table ok
	cqw_table pa
	cqw_sql "SELECT cqstream.create_transform('fail_q', 'fa', 't', 'v2', 'abs')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('ok_q', 'ok', 't', 'v', 'abs')" >/dev/null
	cqw_sql "CREATE ROLE cq_alice; GRANT SELECT ON pa TO cq_alice; GRANT USAGE ON SCHEMA cqstream TO cq_alice" >/dev/null 2>&1 || true
	if cqw_sql "SET ROLE cq_alice; SELECT cqstream.create_transform('perm_q', 'pa', 't', 'v', 'abs')" >/dev/null 2>"$CQ_TMP/perm.err"; then
		:
	else
		cq_fail "create a query as a non-superuser" "$(head -3 "$CQ_TMP/perm.err")"
	fi
	cqw_sql "INSERT INTO fa (v2) VALUES (1); INSERT INTO pa (v) VALUES (1)" >/dev/null
	cq_wait_for "$(cq_state_sql fail_q rows_processed)" 1 10 >/dev/null || true
	cq_wait_for "$(cq_state_sql perm_q rows_processed)" 1 10 >/dev/null || true
	# a query whose owner role is dropped under it
	cqw_table ob
	cqw_sql "CREATE ROLE cq_bob; GRANT SELECT ON ob TO cq_bob; GRANT USAGE ON SCHEMA cqstream TO cq_bob" >/dev/null 2>&1 || true
	cqw_sql "SET ROLE cq_bob; SELECT cqstream.create_transform('orphan_q', 'ob', 't', 'v', 'abs')" >/dev/null 2>&1 ||
		cq_fail "create a query as cq_bob"
	cqw_sql "REVOKE SELECT ON ob FROM cq_bob; REVOKE USAGE ON SCHEMA cqstream FROM cq_bob" >/dev/null
	if cqw_sql "DROP ROLE cq_bob" >/dev/null 2>"$CQ_TMP/droprole.err"; then
		cq_fail "DROP ROLE of a query's owner refused in the query's database" "it succeeded"
	elif grep -q 'role "cq_bob" cannot be dropped because some objects depend on it' "$CQ_TMP/droprole.err" &&
		grep -q 'owner of continuous query orphan_q' "$CQ_TMP/droprole.err"; then
		cq_pass "DROP ROLE of a query's owner refused in the query's database"
	else
		cq_fail "DROP ROLE of a query's owner refused" "$(head -3 "$CQ_TMP/droprole.err")"
	fi
	# From another database the query cannot be seen: the role goes
	cq_psql worker -d postgres -At -c "DROP ROLE cq_bob" >/dev/null
	cqw_sql "ALTER TABLE fa DROP COLUMN v2; REVOKE SELECT ON pa FROM cq_alice" >/dev/null
	cqw_sql "INSERT INTO fa (v) VALUES (2); INSERT INTO pa (v) VALUES (2); INSERT INTO ob (v) VALUES (3); INSERT INTO ok (v) SELECT -g FROM generate_series(1, 10) g" >/dev/null
	if cq_wait_for "$(cq_state_sql fail_q status)" failed 10; then
		cqw_check "dropped column: failed with its error" \
			"SELECT last_error LIKE '%v2%does not exist%' OR last_error LIKE '%does not exist%' FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'fail_q'" t
	else
		cq_fail "dropped column: query failed"
	fi
	if cq_wait_for "$(cq_state_sql perm_q status)" failed 10; then
		cqw_check "revoked privilege: failed with permission denied" \
			"SELECT last_error LIKE 'permission denied%' FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'perm_q'" t
	else
		cq_fail "revoked privilege: query failed"
	fi
	if cq_wait_for "$(cq_state_sql orphan_q status)" failed 10; then
		cqw_check "dropped owner role: failed saying so" \
			"SELECT last_error LIKE 'owner of query \"orphan_q\"%no longer exists' FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'orphan_q'" t
	else
		cq_fail "dropped owner role: query failed"
	fi
	if cq_wait_for "$(cq_state_sql ok_q rows_processed)" 10 10; then
		cqw_check "healthy query beside failed ones" "$(cq_state_sql ok_q status)" running
	else
		cq_fail "healthy query beside failed ones"
	fi
}

# kill -9 of the worker and immediate stops while a writer streams rows;
# then every source row has contributed exactly once.
test_crash()
{
	local stop=$CQ_TMP/crash.stop wpid round before n
	cqw_sql "CREATE SEQUENCE marker" >/dev/null
	cqw_table crash
	cqw_sql "ALTER TABLE crash ALTER COLUMN v SET DEFAULT nextval('marker')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('crash_q', 'crash', 't', 'v', 'mul 1', options => '{\"retention_rows\": 0}')" >/dev/null
	rm -f "$stop"
	(
		while [ ! -e "$stop" ]; do
			cqw_sql "INSERT INTO crash (k) SELECT 'w' FROM generate_series(1, 2000)" >/dev/null 2>&1 || sleep 0.1
		done
	) &
	wpid=$!
	for round in 1 2 3; do
		before=$(cqw_sql "$(cq_state_sql crash_q rows_processed)" 2>/dev/null || echo 0)
		cq_wait_for "$(cqw_progress_sql crash_q "${before:-0}")" t 30 >/dev/null || true
		pid=$(cqw_worker_pid)
		if [ -n "$pid" ] && kill -9 "$pid"; then
			cq_pass "kill -9 of the worker mid-stream (round $round)"
		else
			cq_fail "kill -9 of the worker mid-stream (round $round)" "no worker"
		fi
		cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" 1 30 >/dev/null || true
		before=$(cqw_sql "$(cq_state_sql crash_q rows_processed)" 2>/dev/null || echo 0)
		cq_wait_for "$(cqw_progress_sql crash_q "${before:-0}")" t 30 >/dev/null || true
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-worker/data" -m immediate -w stop >/dev/null
		if cqw_start; then
			cq_pass "immediate stop and restart mid-stream (round $round)"
		else
			cq_fail "immediate stop and restart mid-stream (round $round)"
		fi
	done
	: >"$stop"
	wait "$wpid" || true
	n=$(cqw_sql "SELECT count(*) FROM crash")
	if cq_wait_for "$(cq_state_sql crash_q rows_processed)" "$n" 60; then
		cq_pass "worker caught up after crashes ($n rows)"
	else
		cq_fail "worker caught up after crashes ($n rows)"
	fi
	cqw_check "exactly once: every source row contributed once" \
		"SELECT count(*) FILTER (WHERE r.v IS NULL OR s.v IS NULL), count(*) FROM (SELECT v FROM crash) s FULL JOIN (SELECT (payload::json->>'value')::float8 v FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'crash_q')) r USING (v)" \
		"0|$n"
	cqw_check "exactly once: result ids neither skip nor repeat" \
		"SELECT min(id) - query_id::int8 * 1000000000000, max(id) - query_id::int8 * 1000000000000, count(DISTINCT id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'crash_q') GROUP BY query_id" \
		"1|$n|$n"
	cqw_check "exactly once: results in source id order" \
		"WITH r AS (SELECT row_number() OVER (ORDER BY id) n, (payload::json->>'value')::float8 v FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'crash_q')), s AS (SELECT row_number() OVER (ORDER BY id) n, v FROM crash) SELECT count(*) FROM r JOIN s USING (n) WHERE r.v <> s.v" 0
}

# A results log altered into a shape bulk_insert.c does not write (a
# column added): the blocks go through one INSERT statement at the end of
# the batch, for a transform (whose results are made while the source is
# read) as for an aggregate.  Runs before test_databases, whose DROP and
# CREATE EXTENSION restore the table.
test_fallback()
{
	cqw_table fb
	cqw_sql "ALTER TABLE cqstream.result_block ADD COLUMN note text" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('fb_t', 'fb', 't', 'v', 'mul 2', key_column => 'k', options => '{\"retention_rows\": 0}')" >/dev/null
	cqw_sql "SELECT cqstream.create_aggregate('fb_a', 'fb', 't', 'v', 'SUM', cqstream.count_window(10), key_column => 'k', options => '{\"retention_rows\": 0}')" >/dev/null
	cqw_sql "INSERT INTO fb (t, k, v) SELECT '2026-11-23 10:00:00+00'::timestamptz + g * interval '1 s', 'k' || (g % 3), g FROM generate_series(1, 3000) g" >/dev/null
	if cq_wait_for "SELECT ($(cq_state_sql fb_t rows_processed)) + ($(cq_state_sql fb_a rows_processed))" 6000 30; then
		cq_pass "altered results log: 3000 rows through a transform and an aggregate"
	else
		cq_fail "altered results log: rows processed" "$(cqw_sql "SELECT name, status, last_error FROM cqstream.queries WHERE name LIKE 'fb%'")"
	fi
	cqw_check "altered results log: transform results equal 2 * v in id order, ids contiguous" \
		"SELECT count(*), count(*) FILTER (WHERE (r.payload->>'value')::float8 = 2 * s.v AND r.payload->>'key' = s.k), max(r.id) % 1000000000000 FROM cqstream.results('fb_t', 0, 10000) r JOIN fb s ON s.id = (SELECT min(id) FROM fb) + r.id % 1000000000000 - 1" \
		"3000|3000|3000"
	cqw_check "altered results log: aggregate results equal plain SQL (count windows of 10 per key)" \
		"SELECT count(*), sum((payload->>'value')::float8) = (SELECT sum(v) FROM fb) FROM cqstream.results('fb_a', 0, 10000)" \
		"300|t"
	cqw_check "altered results log: both queries running" \
		"SELECT string_agg(status, ',' ORDER BY name) FROM cqstream.queries WHERE name IN ('fb_a', 'fb_t')" "running,running"
	cqw_sql "ALTER TABLE cqstream.result_block DROP COLUMN note" >/dev/null
}

test_databases()
{
	local start
	cq_psql worker -d postgres -c "CREATE DATABASE cq_drop" >/dev/null
	cq_psql worker -d cq_drop -c "CREATE EXTENSION cqstream" >/dev/null
	if cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = 'cq_drop'" 1 10; then
		start=$SECONDS
		if cq_psql worker -d postgres -c "DROP DATABASE cq_drop" >/dev/null 2>"$CQ_TMP/drop.err" &&
			[ $((SECONDS - start)) -lt 5 ]; then
			cq_pass "DROP DATABASE of a database with a worker"
		else
			cq_fail "DROP DATABASE of a database with a worker" "$(cat "$CQ_TMP/drop.err")"
		fi
	else
		cq_fail "worker in a second database"
	fi
	cqw_sql "DROP EXTENSION cqstream CASCADE" >/dev/null
	if cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" 0 10; then
		cq_pass "DROP EXTENSION stops the worker"
	else
		cq_fail "DROP EXTENSION stops the worker"
	fi
	cqw_sql "CREATE EXTENSION cqstream" >/dev/null
	if cq_wait_for "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" 1 10; then
		cq_pass "CREATE EXTENSION again restarts it"
	else
		cq_fail "CREATE EXTENSION again restarts it"
	fi
	start=$(cqw_worker_pid)
	cqw_sql "ALTER SYSTEM SET cqstream.poll_interval = 5" >/dev/null
	cqw_sql "SELECT pg_reload_conf()" >/dev/null
	cq_wait_for "SELECT setting FROM pg_settings WHERE name = 'cqstream.poll_interval'" 5 10 >/dev/null || true
	cqw_check "SIGHUP reloads without restarting the worker" \
		"SELECT pid = ${start:-0} FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQW_DB'" t
	cqw_sql "ALTER SYSTEM RESET cqstream.poll_interval" >/dev/null
	cqw_sql "SELECT pg_reload_conf()" >/dev/null
}

test_latency()
{
	local out
	cqw_table lat
	cqw_sql "SELECT cqstream.create_transform('lat_q', 'lat', 't', 'v', 'add 1')" >/dev/null
	if out=$("$CQ_TMP/cqlisten" --latency "$(cqw_conninfo)" cqstream_lat_q \
		"INSERT INTO lat (v) VALUES (1)" 200 2>&1); then
		cq_pass "latency commit -> NOTIFY (ms): $out"
	else
		cq_fail "latency commit -> NOTIFY" "$out"
	fi
}

# A query limited to one key ("keyValue"): only that key's rows are read
# (rows_processed) and give results; an integer key reads "07" as 7; a
# query over every key is the clock.
test_key_filter()
{
	cqw_table kf ", n integer"
	cqw_sql "SELECT cqstream.create_query('kf_one', 'kf', '{\"operation\": \"mul\", \"arg\": 2, \"timeColumn\": \"t\", \"valueColumn\": \"v\", \"keyColumn\": \"k\", \"keyValue\": \"s1\"}')" >/dev/null
	cqw_sql "SELECT cqstream.create_query('kf_int', 'kf', '{\"aggregation\": \"COUNT\", \"window\": {\"type\": \"COUNT\", \"size\": 2}, \"timeColumn\": \"t\", \"valueColumn\": \"v\", \"keyColumn\": \"n\", \"keyValue\": \"07\"}')" >/dev/null
	cqw_sql "SELECT cqstream.create_transform('kf_all', 'kf', 't', 'v', 'abs', key_column => 'k')" >/dev/null
	# keys s1, s2, s10 and n 7, 8, 70 in turn: 40 rows each
	cqw_sql "INSERT INTO kf (k, n, v) SELECT (ARRAY['s1','s2','s10'])[g % 3 + 1], (ARRAY[7,8,70])[g % 3 + 1], g FROM generate_series(1, 120) g" >/dev/null
	if ! cq_wait_for "$(cq_state_sql kf_all rows_processed)" 120 30; then
		cq_fail "key filter: the clock query processed the rows"
		return 0
	fi
	cq_wait_for "$(cq_state_sql kf_one results_emitted)" 40 20 || true
	cqw_check "key filter: rows of one text key read, and only those" \
		"$(cq_state_sql kf_one rows_processed)" 40
	cqw_check "key filter: one result per row of that key, every one keyed s1" \
		"SELECT count(*) || ' ' || count(*) FILTER (WHERE payload::jsonb->>'key' = 's1') || ' ' || sum((payload::jsonb->>'value')::float8) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'kf_one'" \
		"40 40 $(cqw_sql "SELECT sum(v * 2) FROM kf WHERE k = 's1'")"
	cq_wait_for "$(cq_state_sql kf_int results_emitted)" 20 20 || true
	cqw_check "key filter: integer key \"07\" is 7 (count windows of its 40 rows)" \
		"SELECT count(*) || ' ' || count(*) FILTER (WHERE payload::jsonb->>'key' = '7' AND (payload::jsonb->>'value')::int = 2) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'kf_int'" \
		"20 20"
	cqw_check "key filter: the query over every key saw all rows" \
		"$(cq_state_sql kf_all results_emitted)" 120
}

# The id column as key (of a transform and of an aggregate) and as an
# aggregate's value: the read's ORDER BY must not be ambiguous between
# the output columns of the same name
test_id_as_key()
{
	cqw_table idk
	cqw_sql "SELECT cqstream.create_transform('idk_t', 'idk', 't', 'v', 'add 1', key_column => 'id')" >/dev/null
	cqw_sql "SELECT cqstream.create_aggregate('idk_a', 'idk', 't', 'v', 'SUM', cqstream.count_window(1), key_column => 'id')" >/dev/null
	cqw_sql "SELECT cqstream.create_aggregate('idk_v', 'idk', 't', 'id', 'SUM', cqstream.count_window(3))" >/dev/null
	cqw_sql "INSERT INTO idk (v) SELECT g FROM generate_series(1, 6) g" >/dev/null
	if cq_wait_for "$(cq_state_sql idk_t rows_processed)" 6 30; then
		cqw_check "the id column as key: one result per row, keyed by its id" \
			"SELECT string_agg((payload::jsonb->>'key') || '=' || (payload::jsonb->>'value'), ',' ORDER BY r.id) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'idk_t'" \
			"1=2,2=3,3=4,4=5,5=6,6=7"
	else
		cq_fail "the id column as key: the transform ran" \
			"$(cqw_sql "SELECT status, last_error FROM cqstream.queries WHERE name = 'idk_t'")"
	fi
	cq_wait_for "$(cq_state_sql idk_a rows_processed)" 6 30 || true
	cq_wait_for "$(cq_state_sql idk_v rows_processed)" 6 30 || true
	cqw_check "the id column as an aggregate's key: a window per row, keyed by its id" \
		"SELECT string_agg((payload::jsonb->>'key') || '=' || (payload::jsonb->>'value'), ',' ORDER BY r.id) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'idk_a'" \
		"1=1,2=2,3=3,4=4,5=5,6=6"
	cqw_check "the id column as an aggregate's value: SUM of ids 1..3 and 4..6" \
		"SELECT string_agg(payload::jsonb->>'value', ',' ORDER BY r.id) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'idk_v'" \
		"6,15"
}

cq_worker_tests()
{
	if cq_cluster_start worker "cqstream.poll_interval = 10" \
		"max_connections = 60"; then
		cq_pass "cluster"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-worker/log" 15
		return 0
	fi
	if ! gcc -O2 -Wall -I"$("$PG_CONFIG" --includedir)" \
		-o "$CQ_TMP/cqlisten" test/worker/cqlisten.c \
		-L"$("$PG_CONFIG" --libdir)" -lpq >"$CQ_TMP/cqlisten.log" 2>&1; then
		cq_fail "build test/worker/cqlisten.c"
		cq_show_tail "$CQ_TMP/cqlisten.log"
		return 0
	fi
	chmod 755 "$CQ_TMP/cqlisten"
	cq_psql worker -d postgres -c "CREATE DATABASE $CQW_DB" >/dev/null
	test_launcher
	test_end_to_end
	test_payload_edges
	test_retention
	test_by_reference
	test_domain_and_notify_id
	test_out_of_order
	test_partition_writer
	test_pause_resume
	test_key_filter
	test_id_as_key
	test_shared_read
	test_failing_query
	test_latency
	test_crash
	test_fallback
	test_databases
	cp "$CQ_TMP/pg-worker/log" "$CQ_ARTIFACTS/worker-server.log" 2>/dev/null || true
}
