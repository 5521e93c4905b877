# shellcheck shell=bash
# test/security/hostile.sh: a role with a login and no grants attacks
# cqstream (suite `hostile`, run by test/run.sh, which sources this file
# and calls cq_hostile_tests).
#
# Design notes
#
# One cluster, "hostile", with the worker running (10 ms poll).  Roles:
# alice owns the queries and their source, bob is granted read on one
# query, eve has a login and nothing else.  Each attack is one or more
# checks on what the attacker sees (an error with its SQLSTATE, no data)
# and on what it must not have changed: alice's canary query keeps
# processing every row exactly once (its counts are checked after each
# group of attacks).  Every wait polls with a timeout; nothing sleeps a
# fixed time.

CQH_DB=cq

# cqh_sql ROLE SQL: one statement as ROLE in the test database, unaligned
# output; errors go to stdout with their SQLSTATE (VERBOSITY sqlstate is
# not used: the message is part of what is checked).
cqh_sql()
{
	{ cq_psql hostile -U "$1" -d "$CQH_DB" -At -v VERBOSITY=default \
		-c "$2" 2>&1 || true; } | sed -E 's/^psql:[^:]*:[0-9]+: //'
}

# cqh_do ROLE SQL: a statement that must succeed (a failed check if not)
cqh_do()
{
	local out
	if ! out=$(cq_psql hostile -U "$1" -d "$CQH_DB" -At -c "$2" 2>&1); then
		cq_fail "as $1: $2" "$out"
	fi
}

cqh_admin()
{
	cqh_sql postgres "$1"
}

# cqh_state SQL: for cq_wait_until (as the superuser)
cqh_state()
{
	cqh_sql postgres "$1"
}

# cqh_expect NAME ROLE SQL PATTERN: one check that SQL as ROLE prints
# something matching the extended regular expression PATTERN.
cqh_expect()
{
	local got
	got=$(cqh_sql "$2" "$3")
	if grep -qE -- "$4" <<<"$got"; then
		cq_pass "$1"
	else
		cq_fail "$1" "expected: /$4/" "seen:     ${got:0:600}"
	fi
}

# cqh_code ROLE SQL: the SQLSTATE of the error SQL raises as ROLE, or "ok"
cqh_code()
{
	local out
	out=$(cq_psql hostile -U "$1" -d "$CQH_DB" -At -v VERBOSITY=verbose \
		-c "$2" 2>&1 || true)
	if grep -qE '^(psql:[^ ]* )?ERROR:  [0-9A-Z]{5}:' <<<"$out"; then
		sed -nE 's/^(psql:[^ ]* )?ERROR:  ([0-9A-Z]{5}):.*/\2/p' <<<"$out" |
			head -n 1
	else
		echo ok
	fi
}

# cqh_refused NAME ROLE SQL SQLSTATE: SQL as ROLE fails with SQLSTATE
cqh_refused()
{
	local code
	code=$(cqh_code "$2" "$3")
	if [ "$code" = "$4" ]; then
		cq_pass "$1 ($4)"
	else
		cq_fail "$1" "expected SQLSTATE $4, seen $code"
	fi
}

cqh_worker_pid()
{
	cqh_admin "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQH_DB'"
}

# cqh_canary_ok WHEN: alice's canary query has processed all of the
# canary's rows, each exactly once (results = rows, contiguous ids).
CQH_CANARY_ROWS=0
cqh_canary_feed()
{
	cqh_sql alice "INSERT INTO canary (k, v) SELECT 'k' || (g % 5), g FROM generate_series(1, $1) g" >/dev/null
	CQH_CANARY_ROWS=$((CQH_CANARY_ROWS + $1))
}

cqh_canary_ok()
{
	cqh_canary_feed 100
	if cq_wait_until cqh_state "$(cq_state_sql canary rows_processed)" \
		"$CQH_CANARY_ROWS" 30 &&
		[ "$(cqh_admin "SELECT count(*) = $CQH_CANARY_ROWS AND count(DISTINCT r.id) = count(*) AND max(r.id) - min(r.id) + 1 = count(*) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'canary'")" = t ]; then
		cq_pass "$1: the owner's canary query processed every row exactly once ($CQH_CANARY_ROWS)"
	else
		cq_fail "$1: the owner's canary query processed every row exactly once" \
			"$(cqh_admin "SELECT status, rows_processed, last_error FROM cqstream.queries WHERE name = 'canary'")"
	fi
}

cqh_setup()
{
	cq_psql hostile -d postgres -c "CREATE DATABASE $CQH_DB" >/dev/null
	cqh_admin "CREATE EXTENSION cqstream" >/dev/null
	cqh_admin "CREATE ROLE alice LOGIN; CREATE ROLE bob LOGIN; CREATE ROLE eve LOGIN; CREATE ROLE carol LOGIN" >/dev/null
	cqh_admin "GRANT CREATE ON SCHEMA public TO alice" >/dev/null
	cqh_sql alice "CREATE TABLE canary (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8)" >/dev/null
	cqh_sql alice "CREATE TABLE hr (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8)" >/dev/null
	cqh_sql alice "SELECT cqstream.create_transform('canary', 'canary', 't', 'v', 'add 1', key_column => 'k')" >/dev/null
	cqh_sql alice "SELECT cqstream.create_transform('hr', 'hr', 't', 'v', 'mul 1', key_column => 'k')" >/dev/null
	cqh_sql alice "INSERT INTO hr (k, v) SELECT 'salary of ' || g, 1000 * g FROM generate_series(1, 50) g" >/dev/null
	if cq_wait_until cqh_state "$(cq_state_sql hr rows_processed)" 50 30; then
		cq_pass "setup: alice's queries run (hr: 50 rows)"
	else
		cq_fail "setup: alice's queries run"
	fi
}

# Item 3: a read grant, and nothing more
test_read_grant()
{
	cqh_refused "eve cannot read hr's results" eve \
		"SELECT count(*) FROM cqstream.results('hr')" 42501
	cqh_expect "eve sees no row of hr in cqstream.result" eve \
		"SELECT count(*) FROM cqstream.result" '^0$'
	cqh_expect "alice (owner) sees all her results in cqstream.result" alice \
		"SELECT count(*) FROM cqstream.result" "^$(cqh_admin "SELECT count(*) FROM cqstream.result_block b, json_array_elements(b.payloads::json)")\$"
	cqh_refused "eve cannot grant herself read" eve \
		"SELECT cqstream.grant_results('hr', 'eve')" 42501
	cqh_refused "bob cannot read before the grant" bob \
		"SELECT count(*) FROM cqstream.results('hr')" 42501
	cqh_do alice "SELECT cqstream.grant_results('hr', 'bob')"
	cqh_expect "after grant_results bob reads hr's 50 results" bob \
		"SELECT count(*) FROM cqstream.results('hr')" '^50$'
	cqh_expect "bob's cqstream.result holds hr's 50 results" bob \
		"SELECT count(*) FROM cqstream.result" '^50$'
	cqh_refused "bob (read grant) cannot drop hr" bob \
		"SELECT cqstream.drop_query('hr')" 42501
	cqh_refused "bob (read grant) cannot pause hr" bob \
		"SELECT cqstream.pause_query('hr')" 42501
	cqh_refused "bob (read grant) cannot pass the grant on" bob \
		"SELECT cqstream.grant_results('hr', 'eve')" 42501
	cqh_refused "bob (read grant) cannot read the canary" bob \
		"SELECT count(*) FROM cqstream.results('canary')" 42501
	cqh_do alice "SELECT cqstream.revoke_results('hr', 'bob')"
	cqh_refused "after revoke_results bob cannot read hr" bob \
		"SELECT count(*) FROM cqstream.results('hr')" 42501
	cqh_do alice "SELECT cqstream.grant_results('hr', 'carol')"
	cqh_do postgres "DROP ROLE carol"
	cqh_expect "DROP ROLE removes the role from the read grants" postgres \
		"SELECT readers FROM cqstream.query WHERE name = 'hr'" '^\{\}$'
	cqh_canary_ok "read grants"
}

# Item 7: commands that fail on privileges do not stop the engine
test_engine_signals()
{
	local before after
	before=$(cqh_worker_pid)
	cqh_refused "eve cannot move the database's tablespace" eve \
		"ALTER DATABASE $CQH_DB SET TABLESPACE pg_default" 42501
	cqh_refused "eve cannot drop the database" eve \
		"DROP DATABASE $CQH_DB" 42501
	cqh_refused "eve cannot rename the database" eve \
		"ALTER DATABASE $CQH_DB RENAME TO x" 42501
	cqh_refused "eve cannot copy the database" eve \
		"CREATE DATABASE copy TEMPLATE $CQH_DB" 42501
	after=$(cqh_worker_pid)
	if [ -n "$before" ] && [ "$before" = "$after" ]; then
		cq_pass "the worker survived the failed commands (pid $before)"
	else
		cq_fail "the worker survived the failed commands" "pid before [$before], after [$after]"
	fi
	cqh_canary_ok "failed database commands"
}

# Item 11: pg_dump and restore keep queries, progress, results, grants
test_dump_restore()
{
	local dump=$CQ_TMP/hostile-dump.sql db2=${CQH_DB}_restored n
	cqh_do alice "SELECT cqstream.grant_results('hr', 'bob')"
	if ! cq_wait_until cqh_state "$(cq_state_sql canary rows_processed)" \
		"$CQH_CANARY_ROWS" 30; then
		cq_fail "dump: the canary caught up first"
	fi
	if (cq_pg_env && cq_cluster_env hostile &&
		"$PG_BINDIR/pg_dump" -d "$CQH_DB" -f "$dump") 2>"$CQ_TMP/dump.err"; then
		cq_pass "pg_dump of a database with queries"
	else
		cq_fail "pg_dump of a database with queries" "$(head -c 600 "$CQ_TMP/dump.err")"
		return 0
	fi
	cq_psql hostile -d postgres -c "CREATE DATABASE $db2" >/dev/null
	if cq_psql hostile -d "$db2" --single-transaction -f "$dump" \
		>"$CQ_TMP/restore.log" 2>&1; then
		cq_pass "restore in one transaction"
	else
		cq_fail "restore in one transaction" "$(tail -c 600 "$CQ_TMP/restore.log")"
		return 0
	fi
	n=$(cq_psql hostile -d "$db2" -At -c "SELECT string_agg(format('%s %s %s %s %s', q.name, q.owner, q.readers, s.last_source_id, s.last_result_seq), ';' ORDER BY q.name) FROM cqstream.query q JOIN cqstream.query_state s ON s.query_id = q.id")
	if [ "$n" = "$(cqh_admin "SELECT string_agg(format('%s %s %s %s %s', q.name, q.owner, q.readers, s.last_source_id, s.last_result_seq), ';' ORDER BY q.name) FROM cqstream.query q JOIN cqstream.query_state s ON s.query_id = q.id")" ] &&
		[ -n "$n" ]; then
		cq_pass "restored queries, owners, read grants and progress equal the original ($n)"
	else
		cq_fail "restored queries, owners, read grants and progress equal the original" "restored: $n"
	fi
	if [ "$(cq_psql hostile -d "$db2" -At -c "SELECT md5(string_agg(id || payload, ',' ORDER BY id)) FROM cqstream.result")" = \
		"$(cqh_admin "SELECT md5(string_agg(id || payload, ',' ORDER BY id)) FROM cqstream.result")" ]; then
		cq_pass "restored results log equals the original"
	else
		cq_fail "restored results log equals the original"
	fi
	# The restored queries continue where they stopped: new rows get the
	# next ids, none lost, none repeated.
	cq_psql hostile -U alice -d "$db2" -c "INSERT INTO canary (k, v) SELECT 'k', g FROM generate_series(1, 100) g" >/dev/null
	if cq_wait_until cq_hostile_db2_sql "$(cq_state_sql canary rows_processed)" \
		"$((CQH_CANARY_ROWS + 100))" 30 &&
		[ "$(cq_hostile_db2_sql "SELECT count(*) = $((CQH_CANARY_ROWS + 100)) AND max(r.id) - min(r.id) + 1 = count(*) FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id WHERE q.name = 'canary'")" = t ]; then
		cq_pass "the restored canary continues: $((CQH_CANARY_ROWS + 100)) results, ids contiguous"
	else
		cq_fail "the restored canary continues" \
			"$(cq_hostile_db2_sql "SELECT status, rows_processed, last_error FROM cqstream.queries WHERE name = 'canary'")"
	fi
	cq_psql hostile -d postgres -c "DROP DATABASE $db2 WITH (FORCE)" >/dev/null 2>&1 || true
}

# Item 1: LISTEN on a query's channel carries no result data by default
test_listen()
{
	local out=$CQ_TMP/hostile-listen.out err=$CQ_TMP/hostile-listen.err pid rc=0
	cqh_do alice "SELECT cqstream.create_transform('hr_live', 'hr', 't', 'v', 'mul 1', key_column => 'k')"
	cqh_do alice "SELECT cqstream.create_transform('hr_open', 'hr', 't', 'v', 'mul 1', key_column => 'k', options => '{\"notify\": \"payload\"}')"
	"$CQ_TMP/cqlisten" "host=$CQ_TMP/pg-hostile port=$(cat "$CQ_TMP/pg-hostile/port") user=eve dbname=$CQH_DB" \
		cqstream_hr_live 20 30 >"$out" 2>"$err" &
	pid=$!
	# 30 s: a loaded machine can be slow to start and connect it
	cq_wait_cmd 30 grep -q listening "$err" || true
	cqh_do alice "INSERT INTO hr (k, v) SELECT 'salary of ' || g, 777000 + g FROM generate_series(1, 20) g"
	wait "$pid" || rc=$?
	if [ "$rc" -eq 0 ] && [ -s "$out" ]; then
		cq_pass "eve, with no grant, is told that 20 results are new ($(wc -l <"$out") notifications)"
	else
		cq_fail "eve is told that 20 results are new" "cqlisten exit $rc: $(head -c 300 "$err")"
	fi
	if grep -qE 'salary|7770|"value"|"key"' "$out"; then
		cq_fail "eve's notifications carry no result data" "$(head -c 300 "$out")"
	elif grep -qxE '\{"query":"hr_live","first_id":[0-9]+,"last_id":[0-9]+\}' "$out"; then
		cq_pass "eve's notifications carry no result data (hints: $(head -n 1 "$out"))"
	else
		cq_fail "eve's notifications are hints" "$(head -c 300 "$out")"
	fi
	cqh_expect "the payload mode is an explicit option, documented as readable by every role" postgres \
		"SELECT options->>'notify' FROM cqstream.query WHERE name = 'hr_open'" '^payload$'
	cqh_expect "the default notify mode is hint" postgres \
		"SELECT options->>'notify' FROM cqstream.query WHERE name = 'hr_live'" '^hint$'
	cqh_canary_ok "listen"
}

# Item 4: options are validated with documented ranges; a query that
# still cannot be loaded or run fails alone
test_options()
{
	cqh_refused "an idle_flush beyond the documented range is refused" alice \
		"SELECT cqstream.create_aggregate('bad_flush', 'hr', 't', 'v', 'AVG', cqstream.tumbling('1 s'), options => '{\"idle_flush\": \"106751991 days 04:00:54.775807\"}')" 22023
	cqh_refused "a retention_age beyond the documented range is refused" alice \
		"SELECT cqstream.create_transform('bad_age', 'hr', 't', 'v', 'mul 1', options => '{\"retention_age\": \"9999 years\"}')" 22023
	cqh_refused "a negative retention_age is refused" alice \
		"SELECT cqstream.create_transform('bad_age', 'hr', 't', 'v', 'mul 1', options => '{\"retention_age\": \"-1 day\"}')" 22023
	# A row the API would refuse, written by the superuser (as an older
	# version or a hand edit could leave it): that query fails, alone.
	cqh_do alice "SELECT cqstream.create_aggregate('odd', 'hr', 't', 'v', 'AVG', cqstream.tumbling('1 s'))"
	cqh_do postgres "UPDATE cqstream.query SET options = options || '{\"idle_flush\": \"106751991 days 04:00:54.775807\", \"retention_age\": \"9999 years\"}' WHERE name = 'odd'"
	cqh_do alice "INSERT INTO hr (k, v) VALUES ('x', 1)"
	if cq_wait_until cqh_state "SELECT status FROM cqstream.queries WHERE name = 'odd'" failed 30; then
		cq_pass "a query whose options cannot be used fails alone ($(cqh_admin "SELECT last_error FROM cqstream.queries WHERE name = 'odd'"))"
	else
		cq_fail "a query whose options cannot be used fails alone"
	fi
	cqh_canary_ok "broken options"
	cqh_do alice "SELECT cqstream.drop_query('odd')"
}

# Item 6: windows per row are bounded at creation
test_amplification()
{
	cqh_refused "a hopping window of 100 ms every microsecond is refused" alice \
		"SELECT cqstream.create_aggregate('amp', 'hr', 't', 'v', 'COUNT', cqstream.hopping('100 ms', '1 microsecond'), key_column => 'k')" 22023
	cqh_expect "the refusal names the limit" alice \
		"SELECT cqstream.create_aggregate('amp', 'hr', 't', 'v', 'COUNT', cqstream.hopping('100 ms', '1 microsecond'), key_column => 'k')" 'cqstream.max_windows_per_row'
	cqh_canary_ok "amplification"
}

# Item 7: the one-worker lock is out of SQL's reach
test_worker_lock()
{
	local holder old
	cq_psql hostile -U eve -d "$CQH_DB" -c "SELECT pg_advisory_lock(1668379508, 1); SELECT pg_advisory_lock(1668379508::bigint << 32 | 1); SELECT pg_sleep(120)" >/dev/null 2>&1 &
	holder=$!
	cq_wait_until cqh_state "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid <> pg_backend_pid() AND pid IN (SELECT pid FROM pg_stat_activity WHERE usename = 'eve')" 2 10 >/dev/null || true
	old=$(cqh_worker_pid)
	cqh_do postgres "SELECT pg_terminate_backend($old)"
	if cq_wait_until cqh_state "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQH_DB' AND pid <> $old" 1 30; then
		cq_pass "a new worker starts while eve holds advisory locks"
	else
		cq_fail "a new worker starts while eve holds advisory locks"
	fi
	cqh_canary_ok "advisory locks held by eve"
	kill "$holder" 2>/dev/null || true
	wait "$holder" 2>/dev/null || true
}

# Item 9: ids
test_ids()
{
	local first second
	cqh_do alice "SELECT cqstream.create_transform('dup', 'hr', 't', 'v', 'mul 1')"
	first=$(cqh_admin "SELECT id FROM cqstream.query WHERE name = 'dup'")
	for _ in 1 2 3 4 5; do
		cqh_code alice "SELECT cqstream.create_transform('dup', 'hr', 't', 'v', 'mul 1')" >/dev/null
	done
	cqh_refused "a duplicate name is refused" alice \
		"SELECT cqstream.create_transform('dup', 'hr', 't', 'v', 'mul 1')" 42710
	cqh_do alice "SELECT cqstream.create_transform('dup2', 'hr', 't', 'v', 'mul 1')"
	second=$(cqh_admin "SELECT id FROM cqstream.query WHERE name = 'dup2'")
	if [ -n "$first" ] && [ "$second" = "$((first + 1))" ]; then
		cq_pass "failed creates consume no query id ($first, then $second)"
	else
		cq_fail "failed creates consume no query id" "first $first, next $second"
	fi
	# A query about to run out of result ids fails instead of running
	# into the next query's range.
	cqh_do postgres "UPDATE cqstream.query_state SET last_result_seq = 999999999998 WHERE query_id = $second"
	cqh_do alice "INSERT INTO hr (k, v) SELECT 'x', g FROM generate_series(1, 5) g"
	if cq_wait_until cqh_state "SELECT status FROM cqstream.queries WHERE name = 'dup2'" failed 30 &&
		[ "$(cqh_admin "SELECT count(*) FROM cqstream.result_block WHERE query_id = $second AND last_id >= ($second + 1)::bigint * 1000000000000")" = 0 ]; then
		cq_pass "a query out of result ids fails, writing none into the next range ($(cqh_admin "SELECT last_error FROM cqstream.queries WHERE name = 'dup2'"))"
	else
		cq_fail "a query out of result ids fails" "$(cqh_admin "SELECT status, last_error FROM cqstream.queries WHERE name = 'dup2'")"
	fi
	cqh_canary_ok "id space"
}

# Item 10: sequences that cannot work are refused or detected
test_sequences()
{
	cqh_do alice "CREATE TABLE cached (id bigint GENERATED ALWAYS AS IDENTITY (CACHE 10) PRIMARY KEY, t timestamptz DEFAULT now(), v float8)"
	cqh_refused "a source whose sequence caches values is refused" alice \
		"SELECT cqstream.create_transform('cached', 'cached', 't', 'v', 'mul 1')" 55000
	cqh_do alice "CREATE TABLE cycling (id bigint GENERATED ALWAYS AS IDENTITY (CYCLE) PRIMARY KEY, t timestamptz DEFAULT now(), v float8)"
	cqh_refused "a source whose sequence cycles is refused" alice \
		"SELECT cqstream.create_transform('cycling', 'cycling', 't', 'v', 'mul 1')" 55000
	cqh_do alice "CREATE TABLE back (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz DEFAULT now(), v float8)"
	cqh_do alice "SELECT cqstream.create_transform('back', 'back', 't', 'v', 'mul 1')"
	cqh_do alice "INSERT INTO back (v) SELECT g FROM generate_series(1, 10) g"
	cq_wait_until cqh_state "$(cq_state_sql back rows_processed)" 10 30 >/dev/null || true
	cqh_do alice "TRUNCATE back RESTART IDENTITY"
	cqh_do alice "INSERT INTO back (v) SELECT g FROM generate_series(1, 3) g"
	if cq_wait_until cqh_state "SELECT status FROM cqstream.queries WHERE name = 'back'" failed 30; then
		cq_pass "a sequence reset behind the query's progress fails it loudly ($(cqh_admin "SELECT last_error FROM cqstream.queries WHERE name = 'back'"))"
	else
		cq_fail "a sequence reset behind the query's progress fails it loudly" \
			"$(cqh_admin "SELECT status, rows_processed, lag FROM cqstream.queries WHERE name = 'back'")"
	fi
	cqh_canary_ok "sequence misuse"
}

# Item 5 (the worker's rows are those not written by a client backend:
# pg_stat_activity hides the worker's type from the owner)
# Item 5: code an owner controls runs as that owner, sees the ordinary
# session_replication_role, and leaves no setting behind for the next query
test_owner_code()
{
	cqh_do postgres "GRANT CREATE ON SCHEMA public TO bob"
	cqh_do alice "CREATE TABLE alice_audit (srr text, usr text, btype text)"
	cqh_do alice "CREATE FUNCTION alice_fn() RETURNS boolean LANGUAGE plpgsql VOLATILE AS \$\$ BEGIN PERFORM set_config('cqtest.leak', 'set by alice', false); INSERT INTO public.alice_audit VALUES (current_setting('session_replication_role'), current_user, (SELECT backend_type FROM pg_stat_activity WHERE pid = pg_backend_pid())); RETURN true; END \$\$"
	cqh_do alice "CREATE TABLE leak_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do alice "ALTER TABLE leak_src ENABLE ROW LEVEL SECURITY; ALTER TABLE leak_src FORCE ROW LEVEL SECURITY; CREATE POLICY p ON leak_src USING (alice_fn())"
	cqh_do alice "SELECT cqstream.create_transform('leak_a', 'leak_src', 't', 'v', 'mul 1')"
	cqh_do bob "CREATE TABLE bob_audit (leak text, btype text)"
	cqh_do bob "CREATE FUNCTION bob_fn() RETURNS boolean LANGUAGE plpgsql VOLATILE AS \$\$ BEGIN INSERT INTO public.bob_audit VALUES (coalesce(current_setting('cqtest.leak', true), ''), (SELECT backend_type FROM pg_stat_activity WHERE pid = pg_backend_pid())); RETURN true; END \$\$"
	cqh_do bob "CREATE TABLE bob_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), v float8)"
	cqh_do bob "ALTER TABLE bob_src ENABLE ROW LEVEL SECURITY; ALTER TABLE bob_src FORCE ROW LEVEL SECURITY; CREATE POLICY p ON bob_src USING (bob_fn())"
	cqh_do bob "SELECT cqstream.create_transform('leak_b', 'bob_src', 't', 'v', 'mul 1')"
	cqh_do alice "INSERT INTO leak_src (v) VALUES (1), (2)"
	cq_wait_until cqh_state "$(cq_state_sql leak_a rows_processed)" 2 30 >/dev/null || true
	cqh_do bob "INSERT INTO bob_src (v) VALUES (1), (2)"
	if cq_wait_until cqh_state "$(cq_state_sql leak_b rows_processed)" 2 30; then
		cq_pass "both owners' queries with policies ran"
	else
		cq_fail "both owners' queries with policies ran" \
			"$(cqh_admin "SELECT name, status, last_error FROM cqstream.queries WHERE name LIKE 'leak%'")"
	fi
	cqh_expect "alice's policy ran as alice with session_replication_role origin" alice \
		"SELECT string_agg(DISTINCT srr || ' ' || usr, ',') FROM alice_audit WHERE btype IS DISTINCT FROM 'client backend'" '^origin alice$'
	cqh_expect "a setting alice's code made is gone when bob's query runs" bob \
		"SELECT count(*) FILTER (WHERE leak <> '') || ' of ' || count(*) FROM bob_audit WHERE btype IS DISTINCT FROM 'client backend'" '^0 of [1-9]'
	cqh_canary_ok "owner code"
}

# Item 8: a full notification queue never stops the queries
test_notify_queue()
{
	local idle_pid holder
	# eve listens and stays idle in a transaction (what fills the queue in
	# real life); the worker's warning must name her session
	cq_psql hostile -U eve -d "$CQH_DB" -c "SET application_name = 'eve_idle_listener'" \
		-c "BEGIN" -c "LISTEN cqstream_canary" -c "SELECT pg_sleep(0.01)" \
		-c "\\! for i in \$(seq 450); do [ -e '$CQ_TMP/eve_idle.done' ] && break; sleep 0.2; done" \
		-c "COMMIT" >/dev/null 2>&1 &
	holder=$!
	cq_wait_until cqh_state "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'eve_idle_listener' AND state = 'idle in transaction'" 1 20 >/dev/null || true
	idle_pid=$(cqh_admin "SELECT pid FROM pg_stat_activity WHERE application_name = 'eve_idle_listener'")
	# As if that listener had filled the queue: the limit at 0 means "no
	# room" for every batch
	cqh_do postgres "ALTER SYSTEM SET cqstream.notify_queue_limit = 0"
	cqh_do postgres "SELECT pg_reload_conf()"
	# the worker reloads its configuration between passes: feed rows until
	# a batch runs under the new limit (30 s at most)
	for _ in $(seq 60); do
		cqh_canary_feed 10
		[ "$(cqh_admin "SELECT notifications_dropped > 0 FROM cqstream.queries WHERE name = 'canary'")" = t ] && break
		cq_wait_until cqh_state "$(cq_state_sql canary rows_processed)" "$CQH_CANARY_ROWS" 5 >/dev/null || true
	done
	cqh_canary_ok "queue full"
	if [ "$(cqh_admin "SELECT notifications_dropped > 0 FROM cqstream.queries WHERE name = 'canary'")" = t ]; then
		cq_pass "notifications not sent are counted in cqstream.queries ($(cqh_admin "SELECT notifications_dropped FROM cqstream.queries WHERE name = 'canary'"))"
	else
		cq_fail "notifications not sent are counted in cqstream.queries"
	fi
	if grep -q 'notification queue is .* full; results of query' "$CQ_TMP/pg-hostile/log"; then
		cq_pass "the worker warns that results were logged without notifications"
	else
		cq_fail "the worker warns that results were logged without notifications"
	fi
	if [ -n "$idle_pid" ] &&
		grep -A3 'notification queue is .* full; results of query' "$CQ_TMP/pg-hostile/log" |
		grep -q "server process $idle_pid's (database \"$CQH_DB\", idle in transaction" &&
		grep -A3 'notification queue is .* full; results of query' "$CQ_TMP/pg-hostile/log" |
		grep -q "pg_terminate_backend($idle_pid)"; then
		cq_pass "the warning names the session idle in a transaction (pid $idle_pid) and how to stop it"
	else
		cq_fail "the warning names the session idle in a transaction (pid ${idle_pid:-none})" \
			"$(grep -A3 'notification queue is .* full' "$CQ_TMP/pg-hostile/log" | head -n 8)"
	fi
	touch "$CQ_TMP/eve_idle.done"
	wait "$holder" 2>/dev/null || true
	cqh_do postgres "ALTER SYSTEM RESET cqstream.notify_queue_limit"
	cqh_do postgres "SELECT pg_reload_conf()"
}

cq_hostile_db2_sql()
{
	cq_psql hostile -d "${CQH_DB}_restored" -At -c "$1"
}

# Item 10's explicit-id check looks for cqstream.query only where the
# extension is installed: eve's own schema named cqstream, with a query
# table naming alice's table and check functions of her own, in a
# database without the extension, must not make others' inserts run her
# code (if it ran, the inserts would fail with her exception).
test_fake_catalog()
{
	local out
	cq_psql hostile -d postgres -c "CREATE DATABASE noext" >/dev/null
	cq_psql hostile -d postgres -c "GRANT CREATE ON DATABASE noext TO eve" >/dev/null
	cq_psql hostile -d noext -c "CREATE TABLE t (id bigserial, v float8)" \
		-c "INSERT INTO t (v) VALUES (1)" >/dev/null
	if ! out=$(cq_psql hostile -U eve -d noext \
		-c "CREATE SCHEMA cqstream" \
		-c "CREATE TABLE cqstream.query (id int, name text, kind text, source regclass, id_column name, id_sequence regclass)" \
		-c "INSERT INTO cqstream.query VALUES (1, 'x', 'transform', 'public.t', 'id', 'public.t_id_seq')" \
		-c "CREATE FUNCTION cqstream.cq_explicit_id(anyelement, oid, oid) RETURNS anyelement LANGUAGE plpgsql AS \$\$BEGIN RAISE EXCEPTION 'eve''s code ran'; END\$\$" \
		-c "CREATE FUNCTION cqstream.cq_explicit_id_ok(anyelement, oid, oid) RETURNS boolean LANGUAGE plpgsql AS \$\$BEGIN RAISE EXCEPTION 'eve''s code ran'; END\$\$" \
		-c "GRANT USAGE ON SCHEMA cqstream TO PUBLIC" \
		-c "GRANT SELECT ON cqstream.query TO PUBLIC" 2>&1); then
		cq_fail "eve sets up a fake cqstream catalog" "$out"
		return 0
	fi
	out=$({ cq_psql hostile -d noext -c "INSERT INTO t (id, v) VALUES (1, 2)" &&
		printf '1\t3\n' | cq_psql hostile -d noext -c "COPY t (id, v) FROM stdin" &&
		cq_psql hostile -d noext -At -c "SELECT count(*) FROM t"; } 2>&1 || true)
	if [ "$out" = 3 ]; then
		cq_pass "a schema named cqstream in a database without the extension: explicit ids go in, eve's functions never run"
	else
		cq_fail "a schema named cqstream in a database without the extension is ignored" "$out"
	fi
	cq_psql hostile -d postgres -c "DROP DATABASE noext" >/dev/null
}

# shellcheck source=test/security/stalls.sh
. test/security/stalls.sh

cq_hostile_tests()
{
	if cq_cluster_start hostile "cqstream.poll_interval = 10"; then
		cq_pass "cluster"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-hostile/log" 15
		return 0
	fi
	if ! gcc -O2 -Wall -I"$("$PG_CONFIG" --includedir)" \
		-o "$CQ_TMP/cqlisten" test/worker/cqlisten.c \
		-L"$("$PG_CONFIG" --libdir)" -lpq >"$CQ_TMP/cqlisten.log" 2>&1; then
		cq_fail "build test/worker/cqlisten.c"
		return 0
	fi
	chmod 755 "$CQ_TMP/cqlisten"
	cqh_setup
	cqh_canary_ok "before any attack"
	test_read_grant
	test_listen
	test_options
	test_amplification
	test_engine_signals
	test_worker_lock
	test_owner_code
	test_notify_queue
	test_ids
	test_sequences
	test_fake_catalog
	test_stalls
	test_dump_restore
	cp "$CQ_TMP/pg-hostile/log" "$CQ_ARTIFACTS/hostile-server.log" 2>/dev/null || true
}
