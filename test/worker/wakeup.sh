# shellcheck shell=bash
# test/worker/wakeup.sh: the worker woken by commits and the launcher
# woken by CREATE EXTENSION, run by suite_wakeup in test/run.sh (which
# sources this file and calls cq_wakeup_tests).
#
# Design notes
#
# One cluster, "wakeup", whose workers poll once an hour
# (cqstream.poll_interval = 1h): every result that arrives within a
# check's timeout was brought by a wake-up, so each check fails if the
# wake path it exercises is missing (the timeouts, 30 to 180 s, are
# far below an hour).  Nothing asserts on time: every wait polls a
# condition with a timeout.  The launcher's starts are counted in the
# server log (log_min_messages = debug1 makes the postmaster log each
# background worker it starts); that a database without the extension
# is not tried again is checked against a "clock" of new databases,
# each of which the launcher must have tried meanwhile.  Commits are made
# by pgbench (random pauses, bursts, four clients racing the worker's
# sleep) and notifications counted by cqlisten.c.

CQK_DB=cq

cqk_sql()
{
	cq_psql wakeup -d "$CQK_DB" -At -c "$1"
}

cqk_wait()
{
	cq_wait_until cqk_sql "$@"
}

cqk_check()
{
	cq_check_sql cqk_sql "$@"
}

# The same in database postgres, for the launcher's checks
cqk_pg_sql()
{
	cq_psql wakeup -d postgres -At -c "$1"
}

cqk_conninfo()
{
	echo "host=$CQ_TMP/pg-wakeup port=$(cat "$CQ_TMP/pg-wakeup/port") user=postgres dbname=$CQK_DB"
}

cqk_table()
{
	cqk_sql "CREATE TABLE $1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8 ${2:-})" >/dev/null
}

cqk_worker_pid()
{
	cqk_sql "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB'" 2>/dev/null || true
}

# cqk_starts DBNAME: how many workers the launcher has started for DBNAME
cqk_starts()
{
	local oid
	oid=$(cq_psql wakeup -d postgres -At -c "SELECT oid FROM pg_database WHERE datname = '$1'")
	grep -c "starting background worker process \"cqstream worker $oid\"" \
		"$CQ_TMP/pg-wakeup/log" || true
}

# cqk_wait_starts DBNAME N: until the launcher has started N workers there
cqk_wait_starts()
{
	local end=$((SECONDS + 30))
	while [ "$SECONDS" -lt "$end" ]; do
		[ "$(cqk_starts "$1")" -ge "$2" ] && return 0
		sleep 0.05
	done
	return 1
}

# A database without the extension is tried once, then left alone until
# CREATE EXTENSION, which starts its worker.
test_wakeup_launcher()
{
	local db=cq_none clock n
	cq_psql wakeup -d postgres -c "CREATE DATABASE $db" >/dev/null
	if cqk_wait_starts "$db" 1; then
		cq_pass "a new database without the extension is tried once"
	else
		cq_fail "a new database without the extension is tried once"
	fi
	# The clock: three databases created one after the other, each tried
	# by the launcher (more than a launcher interval, CQ_LAUNCHER_INTERVAL_MS,
	# passes; a launcher that retried would have tried cq_none again).
	for clock in 1 2 3; do
		cq_psql wakeup -d postgres -c "CREATE DATABASE cq_clock$clock" >/dev/null
		cqk_wait_starts "cq_clock$clock" 1 || cq_fail "launcher tries cq_clock$clock"
	done
	n=$(cqk_starts "$db")
	if [ "$n" -eq 1 ]; then
		cq_pass "no worker started again in a database without the extension"
	else
		cq_fail "no worker started again in a database without the extension" \
			"$n starts in $db"
	fi
	cq_check_sql cqk_pg_sql "no cqstream worker connected to it" \
		"SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$db'" 0
	cq_psql wakeup -d "$db" -c "CREATE EXTENSION cqstream" >/dev/null
	if cq_wait_until cqk_pg_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$db'" 1 30; then
		cq_pass "CREATE EXTENSION wakes the launcher: the database gets its worker"
	else
		cq_fail "CREATE EXTENSION wakes the launcher: the database gets its worker"
	fi
	cq_psql wakeup -d "$db" -c "DROP EXTENSION cqstream" >/dev/null
	if cq_wait_until cqk_pg_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$db'" 0 30; then
		cq_pass "DROP EXTENSION: the worker exits"
	else
		cq_fail "DROP EXTENSION: the worker exits"
	fi
	n=$(cqk_starts "$db")
	cq_psql wakeup -d postgres -c "CREATE DATABASE cq_clock4" >/dev/null
	cqk_wait_starts cq_clock4 1 || true
	cq_psql wakeup -d postgres -c "CREATE DATABASE cq_clock5" >/dev/null
	cqk_wait_starts cq_clock5 1 || true
	if [ "$(cqk_starts "$db")" -eq "$n" ]; then
		cq_pass "after DROP EXTENSION no worker is started there again"
	else
		cq_fail "after DROP EXTENSION no worker is started there again" \
			"$(cqk_starts "$db") starts, $n before"
	fi
}

# INSERT, COPY (which runs no executor hook), COPY into a partition of a
# partitioned source, a new query over existing rows, a resumed query:
# each wakes the sleeping worker.
test_wakeup_paths()
{
	cqk_check "cqstream.poll_interval is an hour" \
		"SELECT setting || unit FROM pg_settings WHERE name = 'cqstream.poll_interval'" 3600000ms
	cqk_table ins
	cqk_sql "SELECT cqstream.create_transform('ins_q', 'ins', 't', 'v', 'add 1')" >/dev/null
	cqk_sql "INSERT INTO ins (v) VALUES (1)" >/dev/null
	if cqk_wait "$(cq_state_sql ins_q rows_processed)" 1 30; then
		cq_pass "a committed INSERT wakes the worker"
	else
		cq_fail "a committed INSERT wakes the worker"
	fi

	cqk_table cp
	cqk_sql "SELECT cqstream.create_transform('cp_q', 'cp', 't', 'v', 'add 1')" >/dev/null
	seq 1 100 | cq_psql wakeup -d "$CQK_DB" -c "COPY cp (v) FROM STDIN" >/dev/null
	if cqk_wait "$(cq_state_sql cp_q rows_processed)" 100 30; then
		cq_pass "COPY FROM into a source wakes the worker"
	else
		cq_fail "COPY FROM into a source wakes the worker"
	fi

	# bigserial: the partition gets the parent's default, nextval()
	cqk_sql "CREATE TABLE part (id bigserial, t timestamptz NOT NULL DEFAULT now(), v float8, PRIMARY KEY (id)) PARTITION BY RANGE (id)" >/dev/null
	cqk_sql "CREATE TABLE part_1 PARTITION OF part FOR VALUES FROM (MINVALUE) TO (MAXVALUE)" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('part_q', 'part', 't', 'v', 'add 1')" >/dev/null
	cqk_sql "INSERT INTO part (v) VALUES (1)" >/dev/null
	if cqk_wait "$(cq_state_sql part_q rows_processed)" 1 30; then
		cq_pass "an INSERT into a partitioned source wakes the worker"
	else
		cq_fail "an INSERT into a partitioned source wakes the worker"
	fi
	# A partition written directly (COPY), its id from the default
	echo 7 | cq_psql wakeup -d "$CQK_DB" -c "COPY part_1 (v) FROM STDIN" >/dev/null
	if cqk_wait "$(cq_state_sql part_q rows_processed)" 2 30; then
		cq_pass "COPY into a partition of a source wakes the worker"
	else
		cq_fail "COPY into a partition of a source wakes the worker"
	fi

	cqk_table old
	cqk_sql "INSERT INTO old (v) SELECT g FROM generate_series(1, 50) g" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('old_q', 'old', 't', 'v', 'add 1', options => '{\"start\": \"beginning\"}')" >/dev/null
	if cqk_wait "$(cq_state_sql old_q rows_processed)" 50 30; then
		cq_pass "creating a query over existing rows wakes the worker"
	else
		cq_fail "creating a query over existing rows wakes the worker"
	fi

	cqk_sql "SELECT cqstream.pause_query('old_q')" >/dev/null
	cqk_sql "INSERT INTO old (v) SELECT g FROM generate_series(1, 5) g" >/dev/null
	cqk_sql "INSERT INTO ins (v) VALUES (2)" >/dev/null
	cqk_wait "$(cq_state_sql ins_q rows_processed)" 2 30 >/dev/null || true
	cqk_check "a paused query consumes nothing (the worker has run since)" \
		"$(cq_state_sql old_q rows_processed)" 50
	cqk_sql "SELECT cqstream.resume_query('old_q')" >/dev/null
	if cqk_wait "$(cq_state_sql old_q rows_processed)" 55 30; then
		cq_pass "resume_query wakes the worker"
	else
		cq_fail "resume_query wakes the worker"
	fi
}

# A session that holds a lock conflicting with the safe bound's and
# writes nothing (as autovacuum does), and a writer that rolls back: each
# holds back a committed row while it lasts, and neither wakes the worker
# by a commit; the row still arrives after they end.
test_wakeup_holders()
{
	local pid
	cqk_table lk
	cqk_sql "SELECT cqstream.create_transform('lk_q', 'lk', 't', 'v', 'add 1')" >/dev/null
	cq_psql wakeup -d "$CQK_DB" -c "BEGIN" \
		-c "LOCK TABLE lk IN SHARE UPDATE EXCLUSIVE MODE" \
		-c "SELECT pg_sleep(2) AS lock_holder" -c "COMMIT" >/dev/null &
	pid=$!
	cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2) AS lock_holder%' AND state = 'active'" 1 10 >/dev/null || true
	cqk_sql "INSERT INTO lk (v) VALUES (1)" >/dev/null
	if cqk_wait "$(cq_state_sql lk_q rows_processed)" 1 30; then
		cq_pass "a row held back by a lock holder that writes nothing arrives after it ends"
	else
		cq_fail "a row held back by a lock holder that writes nothing arrives after it ends"
	fi
	wait "$pid" || true

	cqk_table rb
	cqk_sql "SELECT cqstream.create_transform('rb_q', 'rb', 't', 'v', 'add 1')" >/dev/null
	cq_psql wakeup -d "$CQK_DB" -c "BEGIN" -c "INSERT INTO rb (v) VALUES (1)" \
		-c "SELECT pg_sleep(2) AS rb_writer" -c "ROLLBACK" >/dev/null &
	pid=$!
	cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(2) AS rb_writer%' AND state = 'active'" 1 10 >/dev/null || true
	cqk_sql "INSERT INTO rb (v) VALUES (2)" >/dev/null
	if cqk_wait "SELECT rows_processed || '/' || (SELECT string_agg(payload->>'value', ',') FROM cqstream.results('rb_q')) FROM cqstream.queries WHERE name = 'rb_q'" 1/3 30; then
		cq_pass "a row held back by a writer that rolls back arrives after the rollback"
	else
		cq_fail "a row held back by a writer that rolls back arrives after the rollback"
	fi
	wait "$pid" || true
}

# 10,000 single-row commits from four pgbench clients: random pauses,
# bursts without any, while the worker is also busy with large batches of
# another query.  Every result is notified, none twice.
test_wakeup_many()
{
	local out=$CQ_TMP/wk-listen.out err=$CQ_TMP/wk-listen.err
	local script=$CQ_TMP/wk-bench.sql lpid rc=0 ids distinct bulk_pid got
	cqk_table wk
	cqk_table bulk
	cqk_sql "SELECT cqstream.create_transform('wk_q', 'wk', 't', 'v', 'mul 2', key_column => 'k', options => '{\"notify\": \"id\", \"retention_rows\": 0}')" >/dev/null
	cqk_sql "SELECT cqstream.create_aggregate('bulk_q', 'bulk', 't', 'v', 'AVG', cqstream.count_window(7), key_column => 'k', options => '{\"retention_rows\": 0}')" >/dev/null
	"$CQ_TMP/cqlisten" "$(cqk_conninfo)" cqstream_wk_q 10000 240 >"$out" 2>"$err" &
	lpid=$!
	# 30 s: a loaded machine can be slow to start and connect it
	cq_wait_cmd 30 grep -q listening "$err" || true
	cat >"$script" <<'SQL'
\set r random(0, 99)
\if :r < 25
\set d 0
\elif :r < 90
\set d random(50, 3000)
\else
\set d random(3000, 30000)
\endif
\sleep :d us
INSERT INTO wk (k, v) VALUES ('c' || :client_id, :r);
SQL
	# Large batches at the same time: the worker is often mid-batch
	(
		for _ in 1 2 3; do
			cqk_sql "INSERT INTO bulk (k, v) SELECT 'b' || (g % 13), g FROM generate_series(1, 150000) g" >/dev/null
		done
	) &
	bulk_pid=$!
	if cq_as_pg "$PG_BINDIR/pgbench" -n -c 4 -j 2 -t 2500 -f "$script" \
		-h "$CQ_TMP/pg-wakeup" -p "$(cat "$CQ_TMP/pg-wakeup/port")" \
		-U postgres "$CQK_DB" >"$CQ_TMP/wk-pgbench.log" 2>&1; then
		cq_pass "10,000 single-row commits (4 clients, random pauses and bursts)"
	else
		cq_fail "10,000 single-row commits" "$(tail -3 "$CQ_TMP/wk-pgbench.log")"
	fi
	wait "$bulk_pid" || cq_fail "bulk inserts beside the single-row commits"
	wait "$lpid" || rc=$?
	ids=$(grep -o '"id":[0-9]*' "$out" | wc -l)
	distinct=$(grep -o '"id":[0-9]*' "$out" | sort -u | wc -l)
	if [ "$rc" -eq 0 ] && [ "$ids" -eq 10000 ] && [ "$distinct" -eq 10000 ]; then
		cq_pass "LISTEN: every one of the 10,000 results notified, none twice"
	else
		cq_fail "LISTEN: every result notified, none twice" \
			"cqlisten exit $rc; $ids ids, $distinct distinct; query: $(cqk_sql "SELECT rows_processed, status, last_error FROM cqstream.queries WHERE name = 'wk_q'")"
	fi
	grep -o '"id":[0-9]*' "$out" | cut -d: -f2 >"$out.ids"
	got=$(cq_psql wakeup -d "$CQK_DB" -At -c "CREATE TEMP TABLE notified (id int8)" \
		-c "\\copy notified FROM '$out.ids'" \
		-c "SELECT count(*), count(n.id) FROM cqstream.result r LEFT JOIN notified n USING (id) WHERE r.query_id = (SELECT id FROM cqstream.query WHERE name = 'wk_q')" 2>&1 | tail -1)
	if [ "$got" = "10000|10000" ]; then
		cq_pass "the notified ids are those of the results log"
	else
		cq_fail "the notified ids are those of the results log" "results, notified: $got"
	fi
	cqk_check "results equal the source rows (2 * v, key), in id order" \
		"WITH r AS (SELECT row_number() OVER (ORDER BY id) n, payload::json j FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'wk_q')), s AS (SELECT row_number() OVER (ORDER BY id) n, * FROM wk) SELECT count(*) FILTER (WHERE (r.j->>'value')::float8 IS DISTINCT FROM 2 * s.v OR r.j->>'key' IS DISTINCT FROM s.k), count(*) FROM r FULL JOIN s USING (n)" \
		"0|10000"
	if cqk_wait "$(cq_state_sql bulk_q rows_processed)" 450000 120; then
		cq_pass "the large batches beside them: 450,000 rows processed"
	else
		cq_fail "the large batches beside them: 450,000 rows processed"
	fi
}

# kill -9 of the worker while it sleeps and while it works; the server
# restarts every process, the launcher a new worker, whose latch commits
# must find.  Then every source row has contributed exactly once.
test_wakeup_crash()
{
	local stop=$CQ_TMP/wk-crash.stop wpid pid before n
	cqk_sql "CREATE SEQUENCE kmarker" >/dev/null
	cqk_table kc
	cqk_sql "ALTER TABLE kc ALTER COLUMN v SET DEFAULT nextval('kmarker')" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('kc_q', 'kc', 't', 'v', 'mul 1', options => '{\"retention_rows\": 0}')" >/dev/null
	cqk_sql "INSERT INTO kc (k) SELECT 'a' FROM generate_series(1, 100)" >/dev/null
	cqk_wait "$(cq_state_sql kc_q rows_processed)" 100 30 >/dev/null || true

	# Asleep: waiting on its latch, nothing to do
	if cqk_wait "SELECT wait_event_type || '/' || state FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB'" Extension/idle 30; then
		pid=$(cqk_worker_pid)
		if [ -n "$pid" ] && kill -9 "$pid"; then
			cq_pass "kill -9 of the worker while it sleeps"
		else
			cq_fail "kill -9 of the worker while it sleeps" "no worker"
		fi
	else
		cq_fail "the worker sleeps when it has nothing to do"
	fi
	if cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB' AND pid <> ${pid:-0}" 1 60; then
		cq_pass "a new worker after the crash"
	else
		cq_fail "a new worker after the crash"
	fi
	for _ in $(seq 1 20); do
		cqk_sql "INSERT INTO kc (k) VALUES ('s')" >/dev/null 2>&1 || sleep 0.2
	done
	n=$(cqk_sql "SELECT count(*) FROM kc")
	if cqk_wait "$(cq_state_sql kc_q rows_processed)" "$n" 30; then
		cq_pass "commits after the crash wake the new worker ($n rows)"
	else
		cq_fail "commits after the crash wake the new worker ($n rows)"
	fi

	# At work: a writer streams single-row and 500-row commits
	rm -f "$stop"
	(
		i=0
		while [ ! -e "$stop" ]; do
			i=$((i + 1))
			if [ $((i % 2)) -eq 0 ]; then
				cqk_sql "INSERT INTO kc (k) SELECT 'w' FROM generate_series(1, 500)" >/dev/null 2>&1 || sleep 0.1
			else
				cqk_sql "INSERT INTO kc (k) VALUES ('w')" >/dev/null 2>&1 || sleep 0.1
			fi
		done
	) &
	wpid=$!
	for round in 1 2; do
		before=$(cqk_sql "$(cq_state_sql kc_q rows_processed)" 2>/dev/null || echo 0)
		cqk_wait "SELECT ($(cq_state_sql kc_q rows_processed)) > ${before:-0}" t 30 >/dev/null || true
		pid=$(cqk_worker_pid)
		if [ -n "$pid" ] && kill -9 "$pid"; then
			cq_pass "kill -9 of the worker while it works (round $round)"
		else
			cq_fail "kill -9 of the worker while it works (round $round)" "no worker"
		fi
		cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB' AND pid <> ${pid:-0}" 1 60 >/dev/null || true
	done
	before=$(cqk_sql "$(cq_state_sql kc_q rows_processed)" 2>/dev/null || echo 0)
	cqk_wait "SELECT ($(cq_state_sql kc_q rows_processed)) > ${before:-0}" t 30 >/dev/null || true
	: >"$stop"
	wait "$wpid" || true
	# The writer's last commit woke the worker: nothing else will
	n=$(cqk_sql "SELECT count(*) FROM kc")
	if cqk_wait "$(cq_state_sql kc_q rows_processed)" "$n" 60; then
		cq_pass "worker caught up after the crashes ($n rows)"
	else
		cq_fail "worker caught up after the crashes ($n rows)"
	fi
	cqk_check "exactly once: every source row contributed once" \
		"SELECT count(*) FILTER (WHERE r.v IS NULL OR s.v IS NULL), count(*) FROM (SELECT v FROM kc) s FULL JOIN (SELECT (payload::json->>'value')::float8 v FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'kc_q')) r USING (v)" \
		"0|$n"
	cqk_check "exactly once: result ids neither skip nor repeat" \
		"SELECT min(id) % 1000000000000, max(id) % 1000000000000, count(DISTINCT id) FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'kc_q')" \
		"1|$n|$n"
}

# cqk_set_workers N: cqstream.workers_per_database = N by a reload
cqk_set_workers()
{
	cqk_sql "ALTER SYSTEM SET cqstream.workers_per_database = $1" >/dev/null
	cqk_sql "SELECT pg_reload_conf()" >/dev/null
}

# The slot locks (assignment.c) of database cq, against the worker locks
# that carry each holder's number: "misplaced|holders|workers", where
# misplaced counts slots held by a worker whose number is not slot mod N.
cqk_slots_sql()
{
	echo "SELECT count(*) FILTER (WHERE s.objid::int8 % $1 <> w.objid::int8 - 1 OR NOT s.granted) || '|' || count(DISTINCT s.pid) || '|' || (SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB') FROM pg_locks s JOIN pg_locks w ON w.pid = s.pid AND w.locktype = 'advisory' AND w.objsubid = 3 WHERE s.locktype = 'advisory' AND s.objsubid = 4 AND s.database = (SELECT oid FROM pg_database WHERE datname = '$CQK_DB')"
}

# cqk_worker_number_pid I: the pid of worker number I of database cq
cqk_worker_number_pid()
{
	cqk_sql "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND objsubid = 3 AND objid::int8 = $1 + 1 AND database = (SELECT oid FROM pg_database WHERE datname = '$CQK_DB')" 2>/dev/null || true
}

# Several workers per database (cqstream.workers_per_database): writers
# stream into two sources with five queries (four transforms, a count
# window) while the setting goes 2, 3, 1, 2 by pg_reload_conf and one
# worker is killed with -9 mid-run.  Each time every query's slot lock is
# held by the worker the rule names, by as many workers as the setting
# says; afterwards every source row has given its result exactly once,
# in order, no progress update met another worker's (the second guard,
# catalog.c, would log it), and one worker is left after the reset.
test_wakeup_workers()
{
	local stop=$CQ_TMP/wk-workers.stop wpid n pid before q src expr log_from
	log_from=$(wc -l <"$CQ_TMP/pg-wakeup/log")
	cqk_sql "CREATE SEQUENCE mwmarker" >/dev/null
	for src in mwa mwb; do
		cqk_table "$src"
		cqk_sql "ALTER TABLE $src ALTER COLUMN v SET DEFAULT nextval('mwmarker')" >/dev/null
	done
	cqk_sql "SELECT cqstream.create_transform('mw_a1', 'mwa', 't', 'v', 'mul 1', options => '{\"retention_rows\": 0}')" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('mw_a2', 'mwa', 't', 'v', 'add 1', options => '{\"retention_rows\": 0}')" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('mw_b1', 'mwb', 't', 'v', 'mul 1', options => '{\"retention_rows\": 0}')" >/dev/null
	cqk_sql "SELECT cqstream.create_transform('mw_b2', 'mwb', 't', 'v', 'mul 2', key_column => 'k', options => '{\"retention_rows\": 0}')" >/dev/null
	cqk_sql "SELECT cqstream.create_aggregate('mw_w', 'mwa', 't', 'v', 'SUM', cqstream.count_window(5), options => '{\"retention_rows\": 0}')" >/dev/null

	cqk_set_workers 2
	if cqk_wait "$(cqk_slots_sql 2)" "0|2|2" 60; then
		cq_pass "workers_per_database = 2: two workers, each holding its queries' slots"
	else
		cq_fail "workers_per_database = 2: two workers, each holding its queries' slots"
	fi

	# Writers: single-row and 300-row commits into both sources
	rm -f "$stop"
	(
		i=0
		while [ ! -e "$stop" ]; do
			i=$((i + 1))
			src=mwa
			[ $((i % 3)) -eq 0 ] && src=mwb
			if [ $((i % 2)) -eq 0 ]; then
				cqk_sql "INSERT INTO $src (k) SELECT 'm' || (g % 7) FROM generate_series(1, 300) g" >/dev/null 2>&1 || sleep 0.1
			else
				cqk_sql "INSERT INTO $src (k) VALUES ('s')" >/dev/null 2>&1 || sleep 0.1
			fi
		done
	) &
	wpid=$!

	for n in 3 1 2; do
		before=$(cqk_sql "$(cq_state_sql mw_a1 rows_processed)" 2>/dev/null || echo 0)
		cqk_wait "SELECT ($(cq_state_sql mw_a1 rows_processed)) > ${before:-0}" t 60 >/dev/null || true
		cqk_set_workers "$n"
		if cqk_wait "$(cqk_slots_sql "$n")" "0|$n|$n" 60; then
			cq_pass "writers running, workers_per_database = $n: $n workers, queries moved to the worker the rule names"
		else
			cq_fail "writers running, workers_per_database = $n: $n workers, queries moved to the worker the rule names"
		fi
	done

	# kill -9 of worker 1 while it works: the server restarts every process
	before=$(cqk_sql "$(cq_state_sql mw_a1 rows_processed)" 2>/dev/null || echo 0)
	cqk_wait "SELECT ($(cq_state_sql mw_a1 rows_processed)) > ${before:-0}" t 60 >/dev/null || true
	pid=$(cqk_worker_number_pid 1)
	if [ -n "$pid" ] && kill -9 "$pid"; then
		cq_pass "kill -9 of worker 1 of 2 while writers run"
	else
		cq_fail "kill -9 of worker 1 of 2 while writers run" "no worker 1"
	fi
	if cqk_wait "$(cqk_slots_sql 2)" "0|2|2" 60; then
		cq_pass "after the crash: two workers again, each with its queries"
	else
		cq_fail "after the crash: two workers again, each with its queries"
	fi
	before=$(cqk_sql "$(cq_state_sql mw_b1 rows_processed)" 2>/dev/null || echo 0)
	cqk_wait "SELECT ($(cq_state_sql mw_b1 rows_processed)) > ${before:-0}" t 60 >/dev/null || true
	: >"$stop"
	wait "$wpid" || true

	# The writers' last commits woke the workers: nothing else will
	for q in mw_a1 mw_a2 mw_w mw_b1 mw_b2; do
		src=mwa
		[[ $q == mw_b* ]] && src=mwb
		n=$(cqk_sql "SELECT count(*) FROM $src")
		if cqk_wait "$(cq_state_sql "$q" rows_processed)" "$n" 120; then
			cq_pass "$q caught up ($n rows)"
		else
			cq_fail "$q caught up ($n rows)"
		fi
	done
	while read -r q src expr; do
		cqk_check "$q: every source row's result exactly once, in id order" \
			"WITH r AS (SELECT row_number() OVER (ORDER BY id) n, id % 1000000000000 seq, (payload::json->>'value')::float8 v FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = '$q')), s AS (SELECT row_number() OVER (ORDER BY id) n, $expr AS v FROM $src) SELECT count(*) FILTER (WHERE r.v IS DISTINCT FROM s.v OR r.seq IS DISTINCT FROM s.n), count(*) FROM r FULL JOIN s USING (n)" \
			"0|$(cqk_sql "SELECT count(*) FROM $src")"
	done <<'EOF2'
mw_a1 mwa v
mw_a2 mwa v+1
mw_b1 mwb v
mw_b2 mwb 2*v
EOF2
	cqk_check "mw_w: every closed count window's sum exactly once, in order" \
		"WITH r AS (SELECT row_number() OVER (ORDER BY id) n, (payload::json->>'value')::float8 v FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'mw_w')), s AS (SELECT (row_number() OVER (ORDER BY id) + 4) / 5 n, v FROM mwa), w AS (SELECT n, sum(v) v, count(*) c FROM s GROUP BY n HAVING count(*) = 5) SELECT count(*) FILTER (WHERE r.v IS DISTINCT FROM w.v), count(*) FROM r FULL JOIN w USING (n)" \
		"0|$(cqk_sql "SELECT count(*) / 5 FROM mwa")"
	if tail -n +"$((log_from + 1))" "$CQ_TMP/pg-wakeup/log" | grep -q "changed concurrently"; then
		cq_fail "no query was run by two workers at once (no progress update met another's)" \
			"$(tail -n +"$((log_from + 1))" "$CQ_TMP/pg-wakeup/log" | grep -m 3 "changed concurrently")"
	else
		cq_pass "no query was run by two workers at once (no progress update met another's)"
	fi

	cqk_sql "ALTER SYSTEM RESET cqstream.workers_per_database" >/dev/null
	cqk_sql "SELECT pg_reload_conf()" >/dev/null
	if cqk_wait "$(cqk_slots_sql 1)" "0|1|1" 60; then
		cq_pass "setting reset: one worker, holding every query's slot"
	else
		cq_fail "setting reset: one worker, holding every query's slot"
	fi
}

# cqk_transform_on NAME SOURCE W: a transform over SOURCE whose id puts
# it on worker W of two (ids are consecutive unless another query took
# one: dropped and created again until the parity is right)
cqk_transform_on()
{
	local try id
	for try in 1 2 3 4; do
		cqk_sql "SELECT cqstream.create_transform('$1', '$2', 't', 'v', 'mul 1')" >/dev/null
		id=$(cqk_sql "SELECT id FROM cqstream.query WHERE name = '$1'")
		[ $((id % 1024 % 2)) -eq "$3" ] && return 0
		cqk_sql "SELECT cqstream.drop_query('$1')" >/dev/null
	done
	return 1
}

# cqk_woken W FROM: "woken" lines of worker W (DEBUG1, worker.c) in the
# server log after line FROM
cqk_woken()
{
	tail -n +"$(($2 + 1))" "$CQ_TMP/pg-wakeup/log" | grep -c "cqstream worker $1 woken" || true
}

# cqk_wait_woken W FROM: whether worker W logs "woken" after line FROM
# within 30 s
cqk_wait_woken()
{
	local i
	for ((i = 0; i < 300; i++)); do
		[ "$(cqk_woken "$1" "$2")" -eq 0 ] || return 0
		sleep 0.1
	done
	return 1
}

# Wake-ups go to the workers that run a query of the written source
# (source_writes.c, wakeup.c): with two workers and queries on each,
# 300 single-row commits into one source wake its query's worker (its
# rows arrive although the workers poll once an hour) and never the
# other, whose "woken" lines are counted in the server log; a commit
# into the other source then wakes that one, and a transaction writing
# both wakes both.  Then the two cases a writer's list of sources alone
# would miss: a query created on a source while a writer's transaction
# that already wrote it is open (the registry's epoch makes the writer
# wake every worker), and partitions (a row inserted through the
# partitioned table wakes the worker of the partition's query, a row
# inserted into the partition the worker of the parent's).
test_wakeup_targeted()
{
	local wa=1 wb=0 log_from fifo wpid n
	cqk_table wta
	cqk_table wtb
	cqk_set_workers 2
	if cqk_transform_on wt_a wta "$wa" && cqk_transform_on wt_b wtb "$wb" &&
		cqk_wait "$(cqk_slots_sql 2)" "0|2|2" 60; then
		cq_pass "two workers, wt_a on worker $wa and wt_b on worker $wb"
	else
		cq_fail "two workers, wt_a on worker $wa and wt_b on worker $wb"
	fi
	# Settled: both queries have run a row each
	cqk_sql "INSERT INTO wta (v) VALUES (0)" >/dev/null
	cqk_sql "INSERT INTO wtb (v) VALUES (0)" >/dev/null
	cqk_wait "$(cq_state_sql wt_a rows_processed)" 1 60 >/dev/null || true
	cqk_wait "$(cq_state_sql wt_b rows_processed)" 1 60 >/dev/null || true

	log_from=$(wc -l <"$CQ_TMP/pg-wakeup/log")
	echo "INSERT INTO wta (v) VALUES (1);" >"$CQ_TMP/wt-commit.sql"
	chmod 644 "$CQ_TMP/wt-commit.sql"
	cq_as_pg "$PG_BINDIR/pgbench" -n -c 1 -t 300 -f "$CQ_TMP/wt-commit.sql" \
		-h "$CQ_TMP/pg-wakeup" -p "$(cat "$CQ_TMP/pg-wakeup/port")" \
		-U postgres "$CQK_DB" >"$CQ_TMP/wt-pgbench.log" 2>&1 || true
	if cqk_wait "$(cq_state_sql wt_a rows_processed)" 301 60; then
		cq_pass "300 single-row commits into wta: every row processed by worker $wa"
	else
		cq_fail "300 single-row commits into wta: every row processed by worker $wa"
	fi
	if [ "$(cqk_woken "$wa" "$log_from")" -gt 0 ] && [ "$(cqk_woken "$wb" "$log_from")" -eq 0 ]; then
		cq_pass "commits into wta woke worker $wa ($(cqk_woken "$wa" "$log_from") times) and never worker $wb"
	else
		cq_fail "commits into wta woke worker $wa ($(cqk_woken "$wa" "$log_from") times) and never worker $wb" \
			"worker $wb woken $(cqk_woken "$wb" "$log_from") times"
	fi
	cqk_sql "INSERT INTO wtb (v) VALUES (2)" >/dev/null
	if cqk_wait "$(cq_state_sql wt_b rows_processed)" 2 60; then
		cq_pass "a commit into wtb wakes worker $wb"
	else
		cq_fail "a commit into wtb wakes worker $wb"
	fi
	cqk_sql "BEGIN; INSERT INTO wta (v) VALUES (3); INSERT INTO wtb (v) VALUES (3); COMMIT" >/dev/null
	if cqk_wait "SELECT ($(cq_state_sql wt_a rows_processed)) || '|' || ($(cq_state_sql wt_b rows_processed))" "302|3" 60; then
		cq_pass "a transaction writing both sources wakes both workers"
	else
		cq_fail "a transaction writing both sources wakes both workers"
	fi

	# A writer's transaction wrote wta (its list: wt_a, worker wa); wt_c
	# is created on wta for worker wb; the writer writes wta again and
	# commits.  Its list lacks wt_c, so without the epoch worker wb would
	# not be woken: its "woken" lines after the creation settled count.
	fifo=$CQ_TMP/wt-writer.fifo
	rm -f "$fifo"
	mkfifo "$fifo"
	chmod 666 "$fifo"
	cq_psql wakeup -d "$CQK_DB" -q -v ON_ERROR_STOP=1 <"$fifo" >"$CQ_TMP/wt-writer.log" 2>&1 &
	wpid=$!
	exec 7>"$fifo"
	# A prepared INSERT: its second execution takes no new lock, so the
	# writer processes no invalidation before its commit
	echo "SET application_name = 'wt_writer'; PREPARE wt_ins (float8) AS INSERT INTO wta (v) VALUES (\$1); BEGIN; EXECUTE wt_ins(4);" >&7
	cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'wt_writer' AND state = 'idle in transaction'" 1 30 >/dev/null || true
	cqk_transform_on wt_c wta "$wb" || true
	# The creation woke every worker: wt_c is worker wb's now
	cqk_wait "$(cqk_slots_sql 2)" "0|2|2" 60 >/dev/null || true
	sleep 1
	log_from=$(wc -l <"$CQ_TMP/pg-wakeup/log")
	echo "EXECUTE wt_ins(5); COMMIT;" >&7
	exec 7>&-
	wait "$wpid" || true
	n=$(cqk_sql "SELECT count(*) FROM wta")
	if cqk_wait_woken "$wb" "$log_from"; then
		cq_pass "a query created on a source while a writer's transaction is open: the writer's commit wakes its worker too"
	else
		cq_fail "a query created on a source while a writer's transaction is open: the writer's commit wakes its worker too" \
			"worker $wb not woken after the commit; $(cat "$CQ_TMP/wt-writer.log")"
	fi
	if cqk_wait "$(cq_state_sql wt_a rows_processed)" "$n" 60; then
		cq_pass "wt_a has every row of wta ($n)"
	else
		cq_fail "wt_a has every row of wta ($n)"
	fi

	# Partitions: wtp partitioned by v, wtp1 its partition, a query on
	# each.  A partition is a source of its own only with its own id
	# sequence (an identity column is the parent's), here from 1000 on;
	# each query reads ids up to its own sequence's value, so the rows
	# below take their ids from wtp1's sequence and are seen by the
	# partition's query only: a row inserted through the parent must wake
	# that query's worker, and one written into the partition directly
	# the parent's worker too (read in the log).
	cqk_sql "CREATE TABLE wtp (id bigint NOT NULL, t timestamptz NOT NULL DEFAULT now(), k text, v float8) PARTITION BY RANGE (v)" >/dev/null
	cqk_sql "CREATE SEQUENCE wtp_seq OWNED BY wtp.id" >/dev/null
	cqk_sql "ALTER TABLE wtp ALTER COLUMN id SET DEFAULT nextval('wtp_seq')" >/dev/null
	cqk_sql "CREATE TABLE wtp1 PARTITION OF wtp FOR VALUES FROM (MINVALUE) TO (MAXVALUE)" >/dev/null
	cqk_sql "CREATE SEQUENCE wtp1_seq START 1000 OWNED BY wtp1.id" >/dev/null
	cqk_sql "ALTER TABLE wtp1 ALTER COLUMN id SET DEFAULT nextval('wtp1_seq')" >/dev/null
	if cqk_transform_on wt_p wtp "$wa" && cqk_transform_on wt_p1 wtp1 "$wb" &&
		cqk_wait "$(cqk_slots_sql 2)" "0|2|2" 60; then
		cq_pass "partitioned source: wt_p (wtp) on worker $wa, wt_p1 (its partition wtp1) on worker $wb"
	else
		cq_fail "partitioned source: wt_p (wtp) on worker $wa, wt_p1 (its partition wtp1) on worker $wb"
	fi
	cqk_sql "INSERT INTO wtp (id, v) VALUES (nextval('wtp1_seq'), 1)" >/dev/null
	if cqk_wait "$(cq_state_sql wt_p1 rows_processed)" 1 60; then
		cq_pass "a row inserted into the partitioned table wakes the worker of its partition's query"
	else
		cq_fail "a row inserted into the partitioned table wakes the worker of its partition's query"
	fi
	sleep 1
	log_from=$(wc -l <"$CQ_TMP/pg-wakeup/log")
	cqk_sql "INSERT INTO wtp1 (v) VALUES (2)" >/dev/null
	cqk_wait "$(cq_state_sql wt_p1 rows_processed)" 2 60 >/dev/null || true
	if cqk_wait_woken "$wa" "$log_from"; then
		cq_pass "a row inserted into the partition wakes the worker of the partitioned table's query"
	else
		cq_fail "a row inserted into the partition wakes the worker of the partitioned table's query"
	fi

	cqk_sql "SELECT cqstream.drop_query(name) FROM cqstream.queries WHERE name LIKE 'wt\_%'" >/dev/null
	cqk_sql "ALTER SYSTEM RESET cqstream.workers_per_database" >/dev/null
	cqk_sql "SELECT pg_reload_conf()" >/dev/null
	cqk_wait "$(cqk_slots_sql 1)" "0|1|1" 60 >/dev/null || true
}

cq_wakeup_tests()
{
	if cq_cluster_start wakeup "cqstream.poll_interval = '1h'" \
		"log_min_messages = debug1" "max_connections = 60"; then
		cq_pass "cluster (cqstream.poll_interval = 1h)"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-wakeup/log" 15
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
	test_wakeup_launcher
	cq_psql wakeup -d postgres -c "CREATE DATABASE $CQK_DB" >/dev/null
	cqk_sql "CREATE EXTENSION cqstream" >/dev/null
	if cqk_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQK_DB'" 1 30; then
		cq_pass "worker in $CQK_DB"
	else
		cq_fail "worker in $CQK_DB"
	fi
	test_wakeup_paths
	test_wakeup_holders
	test_wakeup_many
	test_wakeup_crash
	test_wakeup_workers
	test_wakeup_targeted
	cp "$CQ_TMP/pg-wakeup/log" "$CQ_ARTIFACTS/wakeup-server.log" 2>/dev/null || true
}
