# shellcheck shell=bash
# test/security/stalls.sh: an owner tries to hold the worker, and so every
# other owner's queries (sourced by test/security/hostile.sh, which calls
# test_stalls with its cluster and roles set up).
#
# Design notes
#
# Each attack runs while alice's canary query (hostile.sh) must go on
# processing rows: cqh_canary_ok waits up to 30 s for it, so an attack
# that holds the worker fails that check.  The attacks: a row-level
# security policy that sleeps (cqstream.query_timeout, set to 2 s here,
# cancels the batch and fails that query alone); 17 that catch the
# cancellation and sleep again (at twice the timeout the worker exits,
# and its successor fails the queries); an ALTER SEQUENCE left
# open on a query's id sequence (the worker reads the sequence without
# waiting); resume_query left open, which row-locks the query's state
# that the worker updates (lock_timeout of a batch, then a retry, and the
# query's row is processed once the transaction ends); a policy that
# raises a "transient" SQLSTATE with a 100,000-character message (the
# retries back off and the log holds a few short lines, not one per pass).
# The policies are FOR SELECT (the worker's read), with one that lets
# alice's own INSERT through.  Open transactions are held by psql sessions
# named by application_name and ended with pg_terminate_backend.

# cqs_hold NAME ROLE SQL: in the background, a session named NAME that runs
# SQL as ROLE in a transaction and stays in it (at most 300 s) until
# cqs_release NAME; returns once the session is idle in its transaction.
cqs_hold()
{
	PGAPPNAME=$1 cq_psql hostile -U "$2" -d "$CQH_DB" -q \
		-c "BEGIN" -c "$3" -c "SELECT pg_sleep(300)" -c "ROLLBACK" \
		>/dev/null 2>&1 &
	cq_wait_until cqh_state \
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1' AND query LIKE 'SELECT pg_sleep(300)%'" \
		1 30 >/dev/null || true
}

cqs_release()
{
	cqh_admin "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE application_name = '$1'" >/dev/null
	cq_wait_until cqh_state \
		"SELECT count(*) FROM pg_stat_activity WHERE application_name = '$1'" \
		0 30 >/dev/null || true
}

# cqs_log_count PATTERN: lines of the server log matching PATTERN
cqs_log_count()
{
	grep -cE -- "$1" "$CQ_TMP/pg-hostile/log" || true
}

test_stalls()
{
	cqh_admin "ALTER SYSTEM SET cqstream.query_timeout = '2s'" >/dev/null
	cqh_admin "SELECT pg_reload_conf()" >/dev/null
	cq_wait_until cqh_state "SHOW cqstream.query_timeout" 2s 30 >/dev/null || true

	# A policy that sleeps
	cqh_do alice "CREATE FUNCTION alice_sleep() RETURNS boolean LANGUAGE sql VOLATILE AS 'SELECT pg_sleep(600) IS NOT NULL'"
	cqh_do alice "CREATE TABLE sleepy (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do alice "ALTER TABLE sleepy ENABLE ROW LEVEL SECURITY; ALTER TABLE sleepy FORCE ROW LEVEL SECURITY; CREATE POLICY p ON sleepy FOR SELECT USING (alice_sleep()); CREATE POLICY i ON sleepy FOR INSERT WITH CHECK (true)"
	cqh_do alice "SELECT cqstream.create_transform('sleepy', 'sleepy', 't', 'v', 'mul 1')"
	cqh_do alice "INSERT INTO sleepy (v) VALUES (1)"
	cqh_canary_ok "a policy that sleeps 600 s"
	if cq_wait_until cqh_state "SELECT status FROM cqstream.queries WHERE name = 'sleepy'" failed 30 &&
		[ "$(cqh_admin "SELECT last_error LIKE '%cqstream.query_timeout (2000 ms)%' FROM cqstream.queries WHERE name = 'sleepy'")" = t ]; then
		cq_pass "the sleeping query failed alone, saying why ($(cqh_admin "SELECT left(last_error, 80) FROM cqstream.queries WHERE name = 'sleepy'")...)"
	else
		cq_fail "the sleeping query failed alone, saying why" \
			"$(cqh_admin "SELECT status, last_error FROM cqstream.queries WHERE name = 'sleepy'")"
	fi

	# Policies that catch the cancellation: 16 queries sharing a read and
	# one alone that sleep again (the queries a forced exit stopped are
	# failed before the next worker runs any batch, or its pass, dying at
	# the next stubborn batch, would undo the failures and restart the
	# worker for ever), and one that raises a "transient" SQLSTATE instead
	local pid_before pid_after q
	pid_before=$(cqh_worker_pid)
	cqh_do alice "CREATE FUNCTION alice_stubborn() RETURNS boolean LANGUAGE plpgsql VOLATILE AS \$\$ BEGIN LOOP BEGIN PERFORM pg_sleep(600); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END \$\$"
	cqh_do alice "CREATE FUNCTION alice_relabel() RETURNS boolean LANGUAGE plpgsql VOLATILE AS \$\$ BEGIN PERFORM pg_sleep(600); RETURN true; EXCEPTION WHEN query_canceled THEN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'not a timeout'; END \$\$"
	for q in stubborn stubborn2 relabel; do
		cqh_do alice "CREATE TABLE $q (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
		cqh_do alice "ALTER TABLE $q ENABLE ROW LEVEL SECURITY; ALTER TABLE $q FORCE ROW LEVEL SECURITY; CREATE POLICY p ON $q FOR SELECT USING (alice_${q%2}()); CREATE POLICY i ON $q FOR INSERT WITH CHECK (true)"
		cqh_do alice "SELECT cqstream.create_transform('$q', '$q', 't', 'v', 'mul 1')"
	done
	cqh_do alice "SELECT count(cqstream.create_transform('stubborn_g' || g, 'stubborn', 't', 'v', 'mul ' || g)) FROM generate_series(1, 15) g"
	cqh_do alice "INSERT INTO stubborn (v) VALUES (1); INSERT INTO stubborn2 (v) VALUES (1); INSERT INTO relabel (v) VALUES (1)"
	cqh_canary_ok "policies that catch query_canceled and sleep again or raise 40001"
	pid_after=$(cqh_worker_pid)
	if cq_wait_until cqh_state "SELECT count(*) FILTER (WHERE status = 'failed' AND last_error LIKE '%caught query_canceled%') FROM cqstream.queries WHERE name LIKE 'stubborn%'" 17 60 &&
		[ -n "$pid_after" ] && [ "$pid_after" != "$pid_before" ]; then
		cq_pass "the 17 queries that caught the cancellation failed, the worker having exited to stop them (pid $pid_before, then $pid_after)"
	else
		cq_fail "the 17 queries that caught the cancellation failed, the worker having exited to stop them" \
			"worker pid $pid_before, then $pid_after" \
			"$(cqh_admin "SELECT name, status, left(last_error, 60) FROM cqstream.queries WHERE name LIKE 'stubborn%'")"
	fi
	if cq_wait_until cqh_state "SELECT status FROM cqstream.queries WHERE name = 'relabel'" failed 30 &&
		[ "$(cqh_admin "SELECT last_error LIKE '%cqstream.query_timeout%' FROM cqstream.queries WHERE name = 'relabel'")" = t ]; then
		cq_pass "a query whose code answers the cancellation with 40001 fails as timed out (not retried)"
	else
		cq_fail "a query whose code answers the cancellation with 40001 fails as timed out" \
			"$(cqh_admin "SELECT status, last_error FROM cqstream.queries WHERE name = 'relabel'")"
	fi

	# ALTER SEQUENCE left open on a query's id sequence
	cqh_do alice "CREATE TABLE seqlock (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do alice "SELECT cqstream.create_transform('seqlock', 'seqlock', 't', 'v', 'mul 1')"
	cqh_do alice "INSERT INTO seqlock (v) VALUES (1)"
	cq_wait_until cqh_state "$(cq_state_sql seqlock rows_processed)" 1 30 >/dev/null || true
	cqs_hold cqs_seq alice "ALTER SEQUENCE seqlock_id_seq RENAME TO seqlock_renamed"
	cqh_canary_ok "ALTER SEQUENCE open on a query's id sequence"
	cqs_release cqs_seq
	cqh_do alice "INSERT INTO seqlock (v) VALUES (2)"
	if cq_wait_until cqh_state "$(cq_state_sql seqlock rows_processed)" 2 30; then
		cq_pass "the query of the locked sequence goes on once the lock is gone"
	else
		cq_fail "the query of the locked sequence goes on once the lock is gone" \
			"$(cqh_admin "SELECT status, rows_processed, last_error FROM cqstream.queries WHERE name = 'seqlock'")"
	fi

	# resume_query open: the query's state row is locked while it has rows
	cqh_do alice "CREATE TABLE rowlock (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do alice "SELECT cqstream.create_transform('rowlock', 'rowlock', 't', 'v', 'mul 1')"
	cqs_hold cqs_row alice "SELECT cqstream.resume_query('rowlock')"
	cqh_do alice "INSERT INTO rowlock (v) SELECT g FROM generate_series(1, 5) g"
	cqh_canary_ok "resume_query open on a query with rows to process"
	cqs_release cqs_row
	if cq_wait_until cqh_state "$(cq_state_sql rowlock rows_processed)" 5 60 &&
		[ "$(cqh_admin "SELECT status || ' ' || results_emitted FROM cqstream.queries WHERE name = 'rowlock'")" = "running 5" ]; then
		cq_pass "the query whose state was locked processes its rows once, after the lock"
	else
		cq_fail "the query whose state was locked processes its rows once, after the lock" \
			"$(cqh_admin "SELECT status, rows_processed, results_emitted, last_error FROM cqstream.queries WHERE name = 'rowlock'")"
	fi

	# A policy that raises a "transient" SQLSTATE with a long message
	cqh_do alice "CREATE FUNCTION alice_raise() RETURNS boolean LANGUAGE plpgsql VOLATILE AS \$\$ BEGIN RAISE EXCEPTION USING ERRCODE = '40001', MESSAGE = 'alice-raise ' || repeat('A', 100000); END \$\$"
	cqh_do alice "CREATE TABLE raiser (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do alice "ALTER TABLE raiser ENABLE ROW LEVEL SECURITY; ALTER TABLE raiser FORCE ROW LEVEL SECURITY; CREATE POLICY p ON raiser FOR SELECT USING (alice_raise()); CREATE POLICY i ON raiser FOR INSERT WITH CHECK (true)"
	cqh_do alice "SELECT cqstream.create_transform('raiser', 'raiser', 't', 'v', 'mul 1')"
	cqh_do alice "INSERT INTO raiser (v) VALUES (1)"
	cq_wait_cmd 30 eval '[ "$(cqs_log_count "query \"raiser\" will be retried \(failure 4 ")" -ge 1 ]' || true
	# The 4th failure comes 0.3 s after the first; 2 s later a retry in
	# every pass (10 ms) would have logged hundreds of lines
	sleep 2
	local lines longest
	lines=$(cqs_log_count 'query "raiser" will be retried')
	longest=$(grep -E 'query "raiser" will be retried' "$CQ_TMP/pg-hostile/log" | awk '{ if (length($0) > m) m = length($0) } END { print m + 0 }')
	if [ "$lines" -ge 3 ] && [ "$lines" -le 5 ] && [ "$longest" -le 1300 ]; then
		cq_pass "a query retried for an owner's transient error: $lines log lines (failures 1, 2, 4...), at most $longest bytes each"
	else
		cq_fail "a query retried for an owner's transient error logs a few short lines" \
			"$lines lines, the longest $longest bytes"
	fi
	cqh_canary_ok "a policy raising 40001 with a 100,000-character message"
	cqh_do alice "SELECT cqstream.drop_query('raiser')"

	cqh_admin "ALTER SYSTEM RESET cqstream.query_timeout" >/dev/null
	cqh_admin "SELECT pg_reload_conf()" >/dev/null
}
