# shellcheck shell=bash
# test/failover/failover.sh: failover with pg_auto_failover without a lost,
# repeated or reused result (suite `failover`, run by test/run.sh, which
# sources this file and calls cq_failover_tests).
#
# Design notes
#
# Debian's pg_auto_failover on loopback: a monitor, a primary n1 and a
# synchronous standby n2 (pg_auto_failover's default: ANY 1 of the
# standbys), both with shared_preload_libraries = 'cqstream' (n2 inherits
# it through pg_basebackup).  The monitor uses the system's PostgreSQL,
# where the pgautofailover extension is; the nodes use the one cqstream
# was installed into.  pg_autoctl's configuration and state live under
# this run's temp directory (XDG_* variables), and every pg_autoctl is
# started in a session of its own so the cleanup can kill its group.
#
# A writer inserts rows v = 1, 2, ... one transaction each through a
# multi-host connection string with target_session_attrs=read-write and
# records each v whose COMMIT returned; a transform query (add 0) turns
# each row into a result with value v.  A relay with the same kind of
# connection string serves the query to an npm `eventsource` client.
# Mid-stream n1's keeper and postmaster are killed with SIGKILL (the
# keeper first, so nothing restarts the postmaster); the monitor, tuned
# to notice within seconds, promotes n2; the launcher starts the engine
# there, the writer and the relay reconnect.  Then:
#
#   - every acknowledged row is on the new primary (synchronous commit);
#   - the results log holds each row's result exactly once;
#   - the client received exactly the log's results, in id order, each
#     once, and the value it got for an id is the log's value for that
#     id (an id the old primary sent is never reused for another result).
#
# Nothing here is timed except the waits, each with a generous bound.

CQF_DB=cq

cqf_autoctl()
{
	runuser -u postgres -- env XDG_CONFIG_HOME="$CQF_DIR/xdg" \
		XDG_DATA_HOME="$CQF_DIR/xdgd" XDG_RUNTIME_DIR="$CQF_DIR/run" \
		PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
		PATH="/usr/lib/postgresql/15/bin:$PATH" pg_autoctl "$@"
}

# cqf_run NAME: `pg_autoctl run` for NAME.  Its processes (the keeper, its
# services and the Postgres it starts) inherit CQF_NODE=NAME and this
# run's XDG_RUNTIME_DIR, by which cqf_kill finds every one of them.
cqf_run()
{
	runuser -u postgres -- env XDG_CONFIG_HOME="$CQF_DIR/xdg" \
		XDG_DATA_HOME="$CQF_DIR/xdgd" XDG_RUNTIME_DIR="$CQF_DIR/run" \
		CQF_NODE="$1" PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config \
		PATH="/usr/lib/postgresql/15/bin:$PATH" \
		setsid pg_autoctl run --pgdata "$CQF_DIR/$1" \
		>"$CQF_DIR/$1.run.log" 2>&1 </dev/null &
}

# cqf_kill [NAME]: SIGKILL every process of NAME's keeper (all nodes and
# the monitor without NAME)
cqf_kill()
{
	local p env
	for p in $(pgrep -u postgres 2>/dev/null); do
		# the process may be gone by now: the redirection's error is hushed too
		env=$( (tr '\0' '\n' <"/proc/$p/environ") 2>/dev/null) || continue
		grep -qx "XDG_RUNTIME_DIR=$CQF_DIR/run" <<<"$env" || continue
		[ -z "${1:-}" ] || grep -qx "CQF_NODE=$1" <<<"$env" || continue
		kill -KILL "$p" 2>/dev/null || true
	done
}

# cqf_psql PORT SQL: as postgres on a node (or the monitor)
cqf_psql()
{
	"$PG_BINDIR/psql" -X -q -At -h 127.0.0.1 -p "$1" -U postgres \
		-d "${CQF_DBNAME:-$CQF_DB}" -v ON_ERROR_STOP=1 -c "$2"
}

cqf_multi()
{
	echo "host=127.0.0.1,127.0.0.1 port=$CQF_P1,$CQF_P2 user=postgres dbname=$CQF_DB target_session_attrs=read-write connect_timeout=2"
}

cqf_state()
{
	cqf_autoctl show state --pgdata "$CQF_DIR/mon" 2>/dev/null
}

# cqf_is NAME STATE: the monitor reports NAME in STATE (reported and
# assigned)
cqf_is()
{
	cqf_state | awk -F'|' -v n="$1" -v s="$2" \
		'{ gsub(/ /, "", $1); gsub(/ /, "", $6); gsub(/ /, "", $7) }
		 $1 == n && $6 == s && $7 == s { found = 1 } END { exit !found }'
}

cqf_cleanup()
{
	local f
	touch "$CQF_DIR/writer.stop" 2>/dev/null || true
	for f in "$CQF_DIR"/*.pidof; do
		[ -f "$f" ] && kill -KILL "$(cat "$f")" 2>/dev/null || true
	done
	# Twice: a keeper killed between the two may have started something
	cqf_kill
	sleep 0.2
	cqf_kill
}

# The writer: v = 1, 2, ... until writer.stop; acknowledged values in
# writer.acked.  Errors (the failover) are retried with the same v.
cqf_writer()
{
	local v=1 conninfo
	conninfo=$(cqf_multi)
	while [ ! -e "$CQF_DIR/writer.stop" ]; do
		if "$PG_BINDIR/psql" -X -q -At -d "$conninfo" -v ON_ERROR_STOP=1 \
			-c "INSERT INTO src (v) VALUES ($v)" >/dev/null 2>>"$CQF_DIR/writer.err"; then
			echo "$v" >>"$CQF_DIR/writer.acked"
			v=$((v + 1))
		else
			sleep 0.2
		fi
		sleep 0.02
	done
}

cqf_acked()
{
	wc -l <"$CQF_DIR/writer.acked" 2>/dev/null || echo 0
}

# cqf_logged NODE TEXT: NODE's server log has TEXT
cqf_logged()
{
	cat "$CQF_DIR/$1"/log/* 2>/dev/null | grep -qF -- "$2"
}

cqf_promoted()
{
	cqf_is n2 wait_primary || cqf_is n2 primary
}

cqf_acked_at_least()
{
	[ "$(cqf_acked)" -ge "$1" ]
}

# cqf_sql_is PORT SQL WANT: SQL on the node at PORT prints WANT
cqf_sql_is()
{
	[ "$(cqf_psql "$1" "$2" 2>/dev/null)" = "$3" ]
}

cqf_client_has()
{
	[ "$(awk -F'\t' '($2 == "instant" || $2 == "message")' "$CQF_DIR/client.out" 2>/dev/null | wc -l)" -ge "$1" ]
}

cqf_relay_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$CQF_RP/healthz" | grep -q '"database": *true'
}

cq_failover_tests()
{
	local node_ok=1 n rows results
	local why
	cq_pg_env
	if ! why=$(cq_node_setup); then
		cq_fail "npm packages for the client" "$why"
		return 0
	fi
	CQF_DIR=$CQ_TMP/af
	mkdir -p "$CQF_DIR/xdg" "$CQF_DIR/xdgd" "$CQF_DIR/run"
	chown -R postgres "$CQF_DIR" 2>/dev/null || true
	trap cqf_cleanup EXIT
	CQF_P0=$(cq_free_port)
	CQF_P1=$(cq_free_port $((CQF_P0 + 1)))
	CQF_P2=$(cq_free_port $((CQF_P1 + 1)))
	CQF_RP=$(cq_free_port $((CQF_P2 + 1)))

	# The monitor, tuned to call a node unhealthy within a few seconds
	if cqf_autoctl create monitor --pgdata "$CQF_DIR/mon" --pgport "$CQF_P0" \
		--auth trust --no-ssl --hostname 127.0.0.1 \
		--pgctl /usr/lib/postgresql/15/bin/pg_ctl >"$CQF_DIR/mon.create.log" 2>&1; then
		cat >>"$CQF_DIR/mon/postgresql.conf" <<-EOF
			pgautofailover.health_check_period = 1000
			pgautofailover.health_check_retry_delay = 500
			pgautofailover.health_check_timeout = 1000
			pgautofailover.health_check_max_retries = 1
			pgautofailover.node_considered_unhealthy_timeout = 3000
		EOF
		cqf_run mon
	fi
	local monitor="postgres://autoctl_node@127.0.0.1:$CQF_P0/pg_auto_failover"
	if ! cq_wait_cmd 30 cqf_autoctl show state --pgdata "$CQF_DIR/mon" >/dev/null; then
		cq_fail "pg_auto_failover monitor running" "$(tail -n 5 "$CQF_DIR/mon.create.log" "$CQF_DIR/mon.run.log" 2>/dev/null)"
		return 0
	fi

	# The primary, then the standby (pg_basebackup copies the preload)
	for n in n1 n2; do
		local port=$CQF_P1
		[ "$n" = n2 ] && port=$CQF_P2
		if ! cqf_autoctl create postgres --pgdata "$CQF_DIR/$n" --pgport "$port" \
			--auth trust --no-ssl --hostname 127.0.0.1 --name "$n" \
			--dbname "$CQF_DB" --monitor "$monitor" \
			--pgctl "$PG_BINDIR/pg_ctl" >"$CQF_DIR/$n.create.log" 2>&1; then
			node_ok=0
			break
		fi
		[ "$n" = n1 ] &&
			echo "shared_preload_libraries = 'cqstream'" >>"$CQF_DIR/n1/postgresql.conf"
		cqf_run "$n"
		if [ "$n" = n1 ]; then
			cq_wait_cmd 60 cqf_is n1 single || node_ok=0
		fi
	done
	if [ "$node_ok" = 1 ] && cq_wait_cmd 90 cqf_is n2 secondary &&
		cq_wait_cmd 30 cqf_is n1 primary; then
		cq_pass "pg_auto_failover: monitor, primary n1, synchronous standby n2 ($(cqf_psql "$CQF_P1" 'SHOW synchronous_standby_names'))"
	else
		cq_fail "pg_auto_failover: monitor, primary n1, synchronous standby n2" \
			"$(cqf_state)" "$(tail -n 5 "$CQF_DIR"/n*.create.log "$CQF_DIR"/n*.run.log 2>/dev/null)"
		return 0
	fi

	# Asynchronous for a moment: the worker warns
	if cqf_psql "$CQF_P1" "ALTER SYSTEM SET synchronous_commit = local" >/dev/null &&
		cqf_psql "$CQF_P1" "SELECT pg_reload_conf()" >/dev/null &&
		CQF_DBNAME=postgres cqf_psql "$CQF_P1" "CREATE EXTENSION IF NOT EXISTS cqstream" >/dev/null &&
		cq_wait_cmd 60 cqf_logged n1 'results are replicated asynchronously'; then
		cq_pass "the worker warns when the results log is replicated asynchronously"
	else
		cq_fail "the worker warns when the results log is replicated asynchronously" \
			"$(tail -n 5 "$CQF_DIR"/n1/log/* 2>/dev/null)"
	fi
	cqf_psql "$CQF_P1" "ALTER SYSTEM RESET synchronous_commit" >/dev/null
	cqf_psql "$CQF_P1" "SELECT pg_reload_conf()" >/dev/null
	CQF_DBNAME=postgres cqf_psql "$CQF_P1" "DROP EXTENSION cqstream" >/dev/null

	cqf_psql "$CQF_P1" "CREATE EXTENSION cqstream" &&
		cqf_psql "$CQF_P1" "CREATE TABLE src (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz NOT NULL DEFAULT clock_timestamp(), v float8 NOT NULL)" &&
		cqf_psql "$CQF_P1" "SELECT cqstream.create_transform('ff', 'src', 't', 'v', 'add 0')" >/dev/null

	# The relay and a client, both through the failover
	env -u CQSTREAM_RELAY_DB -u CQSTREAM_RELAY_LISTEN -u CQSTREAM_RELAY_TOKENS \
		-u CQSTREAM_RELAY_CONFIG "$CQ_ROOT/relay/cqstream-relay" \
		--db="$(cqf_multi)" --listen="127.0.0.1:$CQF_RP" --heartbeat=1 \
		--retry=500 >"$CQF_DIR/relay.log" 2>&1 </dev/null &
	echo $! >"$CQF_DIR/relay.pidof"
	if ! cq_wait_cmd 20 cqf_relay_healthy; then
		cq_fail "relay connected to the primary" "$(tail -n 5 "$CQF_DIR/relay.log")"
		return 0
	fi
	: >"$CQF_DIR/client.out"
	node "$CQ_ROOT/test/relay/collect.mjs" \
		"http://127.0.0.1:$CQF_RP/queries/ff/stream" "$CQF_DIR/client.out" \
		--timeout=300 >"$CQF_DIR/client.log" 2>&1 &
	echo $! >"$CQF_DIR/client.pidof"
	# The stream open before the first row: the worker starts at CREATE
	# EXTENSION and processes each commit at once, and a stream begins
	# after the results that exist when it opens
	if ! cq_wait_cmd 30 grep -q '"status":200' "$CQF_DIR/client.out.req"; then
		cq_fail "the client's stream opens" "$(tail -n 5 "$CQF_DIR/client.log")"
		return 0
	fi

	cqf_writer &
	echo $! >"$CQF_DIR/writer.pidof"
	cq_wait_cmd 60 cqf_acked_at_least 100 || true
	if ! cq_wait_cmd 30 test -s "$CQF_DIR/client.out"; then
		cq_fail "the client receives results before the failover" "$(tail -n 5 "$CQF_DIR/client.log")"
		return 0
	fi

	# n1 dies: its keeper first (it would restart Postgres), then Postgres
	cqf_kill n1
	local before
	before=$(cqf_acked)
	if cq_wait_cmd 120 cqf_promoted; then
		cq_pass "n2 promoted after SIGKILL of n1 ($before rows acknowledged before)"
	else
		cq_fail "n2 promoted after SIGKILL of n1" "$(cqf_state)"
		return 0
	fi
	if cq_wait_cmd 60 cqf_sql_is "$CQF_P2" "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker'" 1; then
		cq_pass "the engine runs on the new primary"
	else
		cq_fail "the engine runs on the new primary" "$(tail -n 20 "$CQF_DIR/n2/log/"* 2>/dev/null | tail -n 10)"
	fi
	# The relay dies too and comes back: the client must resume with
	# Last-Event-ID against the new primary
	kill -KILL "$(cat "$CQF_DIR/relay.pidof")" 2>/dev/null || true
	wait "$(cat "$CQF_DIR/relay.pidof")" 2>/dev/null || true
	env -u CQSTREAM_RELAY_DB -u CQSTREAM_RELAY_LISTEN -u CQSTREAM_RELAY_TOKENS \
		-u CQSTREAM_RELAY_CONFIG "$CQ_ROOT/relay/cqstream-relay" \
		--db="$(cqf_multi)" --listen="127.0.0.1:$CQF_RP" --heartbeat=1 \
		--retry=500 >>"$CQF_DIR/relay.log" 2>&1 </dev/null &
	echo $! >"$CQF_DIR/relay.pidof"
	# Rows keep arriving on n2, then the writer stops
	cq_wait_cmd 90 cqf_acked_at_least $((before + 100)) || true
	touch "$CQF_DIR/writer.stop"
	wait "$(cat "$CQF_DIR/writer.pidof")" 2>/dev/null || true

	rows=$(cqf_psql "$CQF_P2" "SELECT count(*) FROM src")
	n=$(cqf_acked)
	if [ "$(cqf_psql "$CQF_P2" "SELECT count(*) FROM src WHERE v IN ($(paste -sd, "$CQF_DIR/writer.acked"))")" = "$n" ] &&
		[ "$n" -gt "$before" ]; then
		cq_pass "every acknowledged row is on the new primary ($n acknowledged, $rows rows)"
	else
		cq_fail "every acknowledged row is on the new primary" "acknowledged $n, rows $rows"
	fi
	cq_wait_cmd 60 cqf_sql_is "$CQF_P2" "SELECT rows_processed FROM cqstream.queries WHERE name = 'ff'" "$rows" || true
	results=$(cqf_psql "$CQF_P2" "SELECT count(*) || ' ' || count(DISTINCT payload::json->>'value') FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ff')")
	if [ "$results" = "$rows $rows" ] &&
		[ "$(cqf_psql "$CQF_P2" "SELECT count(*) FROM src s WHERE NOT EXISTS (SELECT 1 FROM cqstream.result r WHERE r.query_id = (SELECT id FROM cqstream.query WHERE name = 'ff') AND (r.payload::json->>'value')::float8 = s.v)")" = 0 ]; then
		cq_pass "the results log holds each row's result exactly once ($rows)"
	else
		cq_fail "the results log holds each row's result exactly once" "rows $rows, results/distinct $results"
	fi

	# The client: exactly the log, in order, each id with the log's value
	cqf_psql "$CQF_P2" "SELECT id || ' ' || (payload::json->>'value') FROM cqstream.result WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ff') ORDER BY id" >"$CQF_DIR/log.ids"
	cq_wait_cmd 60 cqf_client_has "$rows" || true
	kill -TERM "$(cat "$CQF_DIR/client.pidof")" 2>/dev/null || true
	awk -F'\t' '($2 == "instant" || $2 == "message") { print $4, $5 }' "$CQF_DIR/client.out" |
		sed -E 's/ .*"value":([^,}]*).*/ \1/' >"$CQF_DIR/client.ids"
	if cmp -s "$CQF_DIR/log.ids" "$CQF_DIR/client.ids"; then
		cq_pass "the client received every result exactly once, in order, with the log's values ($(wc -l <"$CQF_DIR/client.ids") events across the failover)"
	else
		cq_fail "the client received every result exactly once, in order, with the log's values" \
			"$(diff "$CQF_DIR/log.ids" "$CQF_DIR/client.ids" | head -n 6)" "$(tail -n 5 "$CQF_DIR/relay.log")"
	fi
	if [ "$(grep -c 'database connected' "$CQF_DIR/relay.log")" -ge 2 ] &&
		grep -q '"lastEventId":"[0-9][0-9]*","status":200' "$CQF_DIR/client.out.req"; then
		cq_pass "the relay reconnected to the new primary, the client resumed with Last-Event-ID ($(grep -c '"status":200' "$CQF_DIR/client.out.req") requests)"
	else
		cq_fail "the relay reconnected to the new primary and the client resumed with Last-Event-ID" \
			"$(tail -n 5 "$CQF_DIR/relay.log")" "$(cat "$CQF_DIR/client.out.req")"
	fi
}
