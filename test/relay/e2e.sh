# shellcheck shell=bash
# test/relay/e2e.sh: cqstream-relay end to end, run by suite_relay in
# test/run.sh (which sources this file and calls cq_relay_e2e_tests).
#
# Design notes
#
# One cluster, "relay", with the extension in database cq and one source
# table and query per scenario, so that each scenario's expected result
# ids are simply the query's results log (cqstream.results).  Every
# exactly-once check compares the full list of ids a client received, in
# order, with that log: never only counts.
#
# The scenarios of what the relay trusts (forged notifications, notify
# modes, a relay role with only read grants) are in trust.sh, those of
# denial of service and misconfiguration (slow connections, Host check,
# token reload, limits) in limits.sh; both are sourced here.
#
# Clients are the real ones: curl -N for the raw bytes, the npm packages
# eventsource (4.x, with its own reconnect and Last-Event-ID logic) and
# eventsource-parser (3.x), Debian's chromium under playwright-core, and a
# perl socket with a tiny SO_RCVBUF as the slow client.  The Node scripts
# beside this file report checks as PASS/FAIL lines (lib.mjs) that cqr_node
# turns into cq_pass / cq_fail.
#
# Relays run on free ports (cq_free_port) with --heartbeat=1 and
# --retry=500 (the clients then reconnect within half a second).  Nothing
# waits a fixed time to decide an outcome: cq_wait_cmd polls a condition with
# a deadline.  Everything started here (relays, clients, inserters, the
# cluster) is stopped by the EXIT trap of the suite's subshell, by pid.
# Logs are left in $CQ_ARTIFACTS/relay/.

CQR_DB=cq

# cqr_sql SQL: one statement in the test database, unaligned output.
cqr_sql()
{
	cq_psql relay -d "$CQR_DB" -At -c "$1"
}

# cqr_count QUERY: number of results in QUERY's log.
cqr_count()
{
	cqr_sql "SELECT count(*) FROM cqstream.results('$1', 0, 1000000)"
}

# cqr_ids QUERY [WHERE]: the ids of QUERY's log, one a line, in order.
cqr_ids()
{
	cqr_sql "SELECT id FROM cqstream.results('$1', 0, 1000000) ${2:-} ORDER BY id"
}

# cqr_start_id QUERY: the position before QUERY's first result
# (query_id * 10^12): as last_event_id it replays the whole log.  (0 is
# not a result id; the relay treats it as no position, docs/relay.md.)
cqr_start_id()
{
	cqr_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = '$1'"
}

# cqr_done QUERY N: true once QUERY's log holds N results.
cqr_done()
{
	[ "$(cqr_count "$1" 2>/dev/null)" = "$2" ]
}

# cqr_table NAME: a source table with an identity id, time, key and value.
cqr_table()
{
	cqr_sql "CREATE TABLE $1 (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8)" >/dev/null
}

# cqr_query NAME TABLE [OPTIONS_JSON]: a transform (v * 2) keyed by k.
cqr_query()
{
	local options=${3:-}
	[ -n "$options" ] || options='{"retention_rows": 0}'
	cqr_sql "SELECT cqstream.create_transform('$1', '$2', 't', 'v', 'mul 2', key_column => 'k', options => '$options')" >/dev/null
}

# cqr_insert TABLE N [KEYEXPR]: N rows in one transaction; keys s0..s2 by
# default.
cqr_insert()
{
	cqr_sql "INSERT INTO $1 (k, v) SELECT ${3:-'s' || (g % 3)}, g FROM generate_series(1, $2) g" >/dev/null
}

# cqr_conninfo: libpq connection string of the test database.
cqr_conninfo()
{
	echo "host=$CQ_TMP/pg-relay port=$(cat "$CQ_TMP/pg-relay/port") user=postgres dbname=$CQR_DB"
}

# cqr_relay_start NAME PORT [FLAG...]: start a relay (binary CQR_BIN, or
# CQR_RELAY_BIN for this call) listening on PORT, log in
# $CQR_LOGS/relay-NAME.log (appended: restarts keep the history); wait
# until /healthz says the database is connected.
cqr_relay_start()
{
	local name=$1 port=$2 bin=${CQR_RELAY_BIN:-$CQR_BIN}
	shift 2
	env -u CQSTREAM_RELAY_DB -u CQSTREAM_RELAY_LISTEN -u CQSTREAM_RELAY_TOKENS \
		-u CQSTREAM_RELAY_CONFIG -u CQSTREAM_RELAY_CORS_ORIGINS \
		"$bin" --db="$(cqr_conninfo)" --listen="127.0.0.1:$port" \
		--heartbeat=1 --retry=500 "$@" >>"$CQR_LOGS/relay-$name.log" 2>&1 &
	echo $! >"$CQR_STATE/relay-$name.pid"
	echo "$port" >"$CQR_STATE/relay-$name.port"
	cq_wait_cmd 15 cqr_healthy "$port"
}

# cqr_healthy PORT: /healthz answers 200 with the database connected.
cqr_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

# cqr_pid NAME: pid of relay (or client) NAME.
cqr_pid()
{
	cat "$CQR_STATE/$1.pid" 2>/dev/null
}

# cqr_stop NAME: SIGTERM process NAME (relay-X or a client), wait up to
# 10 s, then SIGKILL; its exit status in $CQR_STATE/NAME.rc.
cqr_stop()
{
	local pid rc=0
	pid=$(cqr_pid "$1") || return 0
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	if ! cq_wait_cmd 10 cqr_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	echo "$rc" >"$CQR_STATE/$1.rc"
	rm -f "$CQR_STATE/$1.pid"
}

# cqr_gone PID: true when PID has exited (a zombie counts as exited).
cqr_gone()
{
	! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

# cqr_kill9 NAME: SIGKILL relay NAME and reap it.
cqr_kill9()
{
	local pid
	pid=$(cqr_pid "$1")
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$CQR_STATE/$1.pid"
}

# cqr_metric PORT NAME: one metric's value from /metrics.
cqr_metric()
{
	curl -sf --max-time 5 "http://127.0.0.1:$1/metrics" |
		awk -v n="$2" '$1 == n || index($1, n "{") == 1 { print $2; exit }'
}

# cqr_metric_moved PORT NAME: the metric is at least 1.
cqr_metric_moved()
{
	local n
	n=$(cqr_metric "$1" "$2")
	[ -n "$n" ] && [ "${n%.*}" -ge 1 ]
}

# cqr_rss PID: resident set size in kB.
cqr_rss()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"
}

# cqr_collect_bg NAME URL [ARG...]: start collect.mjs (the npm
# eventsource client) in the background, writing $CQR_STATE/NAME.out and
# .out.req.
cqr_collect_bg()
{
	local name=$1 url=$2
	shift 2
	: >"$CQR_STATE/$name.out"
	: >"$CQR_STATE/$name.out.req"
	node "$CQR_DIR/collect.mjs" "$url" "$CQR_STATE/$name.out" "$@" \
		2>"$CQR_LOGS/$name.err" &
	echo $! >"$CQR_STATE/$name.pid"
}

# cqr_collect NAME URL [ARG...]: the same, then wait until its first
# request was answered 200.
cqr_collect()
{
	cqr_collect_bg "$@"
	cq_wait_cmd 15 grep -q '"status":200' "$CQR_STATE/$1.out.req"
}

# cqr_lines NAME: number of events collector NAME has recorded.
cqr_lines()
{
	wc -l <"$CQR_STATE/$1.out"
}

# cqr_has_lines NAME N: collector NAME has at least N events.
cqr_has_lines()
{
	[ "$(cqr_lines "$1")" -ge "$2" ]
}

# cqr_node NAME SCRIPT ARG...: run a Node check script and record each
# PASS/FAIL line it prints as a check; a script that fails without saying
# why is one failed check named NAME, with its stderr.
cqr_node()
{
	local name=$1 script=$2 out err rc=0
	shift 2
	out=$CQR_LOGS/$name.out
	err=$CQR_LOGS/$name.err
	node "$CQR_DIR/$script" "$@" >"$out" 2>"$err" || rc=$?
	cq_report_checks "$out" "$rc" "$name: $script" "$err"
}

# cqr_same NAME GOT_FILE WANT_FILE: one check that two id lists are equal
# (order included); on failure, the sizes and the first difference.
cqr_same()
{
	local name=$1 got=$2 want=$3
	if [ -s "$want" ] && cmp -s "$got" "$want"; then
		cq_pass "$name"
	else
		cq_fail "$name" \
			"got $(wc -l <"$got") ids, want $(wc -l <"$want") (the log's)" \
			"first difference: $(diff "$got" "$want" 2>&1 | sed -n '1,3p' | tr '\n' ' ')" \
			"got: $got"
	fi
}

# cqr_cleanup: stop everything this suite started, by pid.
cqr_cleanup()
{
	local f pid
	for f in "$CQR_STATE"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		if [ -n "$pid" ]; then
			kill -KILL "$pid" 2>/dev/null || true
		fi
	done
	if [ -f "$CQ_TMP/pg-relay/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-relay/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-relay/log" "$CQR_LOGS/server.log" 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# Setup

# cqr_setup: node packages, binary, cluster, database, tables and queries,
# the main relay.  Returns false (after a failed check) if the rest cannot
# run.
cqr_setup()
{
	local why
	if why=$(cq_node_setup); then
		cq_pass "node packages (npm ci in test/node, or already there)"
	else
		cq_fail "node packages" "$why"
		return 1
	fi
	if ! command -v curl >/dev/null || [ ! -x /usr/bin/chromium ]; then
		cq_fail "curl and /usr/bin/chromium present" "install Debian's curl and chromium"
		return 1
	fi
	if [ ! -x "$CQR_BIN" ]; then
		cq_fail "relay/cqstream-relay built" "No executable $CQR_BIN after the build suite."
		return 1
	fi
	if ! cq_cluster_start relay "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the relay tests"
		cq_show_tail "$CQ_TMP/pg-relay/log" 10
		return 1
	fi
	cq_psql relay -d postgres -c "CREATE DATABASE $CQR_DB" >/dev/null
	cqr_sql "CREATE EXTENSION cqstream" >/dev/null
	if ! cq_wait_cmd 20 cqr_worker_up; then
		cq_fail "cqstream worker running in database $CQR_DB"
		return 1
	fi

	local t
	for t in raw es dropped ta tb uc key ret web slow forge mh mp mi grant \
		nogrant; do
		cqr_table "src_$t"
	done
	cqr_query raw_q src_raw
	cqr_query es_q src_es
	cqr_query dropped_q src_dropped
	cqr_query t_a src_ta
	cqr_query t_b src_tb
	cqr_query u_c src_uc
	cqr_query key_q src_key
	cqr_query ret_q src_ret '{"retention_rows": 5}'
	cqr_query web_q src_web
	cqr_query slow_q src_slow
	# trust.sh: forged notifications, the engine's notify modes, grants
	cqr_query forge_q src_forge
	cqr_query mode_hint src_mh
	cqr_query mode_payload src_mp '{"retention_rows": 0, "notify": "payload"}'
	cqr_query mode_id src_mi '{"retention_rows": 0, "notify": "id"}'
	cqr_query grant_q src_grant
	cqr_query nogrant_q src_nogrant
	cqr_sql "CREATE ROLE mallory LOGIN" >/dev/null
	# The retention scenario first: the worker trims every 10 s, and it can
	# do so while the other scenarios run.
	cqr_insert src_ret 50
	cqr_insert src_key 300

	CQR_PORT=$(cq_free_port $((CQ_PORT_BASE + 3000)))
	CQR_PAGE_PORT=$(cq_free_port $((CQR_PORT + 1)))
	CQR_OTHER_PORT=$(cq_free_port $((CQR_PAGE_PORT + 1)))
	CQR_ORIGIN=http://127.0.0.1:$CQR_PAGE_PORT
	CQR_BASE=http://127.0.0.1:$CQR_PORT
	if cqr_relay_start main "$CQR_PORT" --cors-origin="$CQR_ORIGIN"; then
		cq_pass "relay starts, /healthz reports the database (port $CQR_PORT)"
	else
		cq_fail "relay starts, /healthz reports the database"
		cq_show_tail "$CQR_LOGS/relay-main.log" 10
		return 1
	fi
}

cqr_worker_up()
{
	[ "$(cqr_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQR_DB'")" = 1 ]
}

# ---------------------------------------------------------------------------
# 1, 2: raw bytes and eventsource-parser

# cqr_heartbeat_after FILE ID: FILE holds event ID and, after it, a
# comment block (a heartbeat) that is complete.
cqr_heartbeat_after()
{
	awk -v id="id: $2" '$0 == id { seen = 1 } seen && /^:/ { hb = 1 } hb && $0 == "" { ok = 1 }
		END { exit !ok }' "$1"
}

test_raw_bytes()
{
	local raw=$CQR_LOGS/raw.body hdr=$CQR_LOGS/raw.headers pid
	curl -sS -N -D "$hdr" --max-time 60 "$CQR_BASE/queries/raw_q/stream" \
		>"$raw" 2>"$CQR_LOGS/raw.curl.err" &
	pid=$!
	echo "$pid" >"$CQR_STATE/curl-raw.pid"
	cq_wait_cmd 10 grep -q 'cqstream-relay' "$raw" || true
	# Keys with CR, LF, CRLF, U+2028 and non-ASCII, among plain ones, and
	# a 9,024-byte key whose result is too large for a notification (sent
	# by reference, read from the log by the relay)
	cqr_sql "INSERT INTO src_raw (k, v) VALUES ('a' || chr(13) || 'b', 1), ('c' || chr(10) || 'd', 2.5), ((SELECT string_agg(md5(g::text), '') FROM generate_series(1, 282) g), 7), ('e' || chr(13) || chr(10) || 'f', -3), ('g' || chr(8232) || 'h', 1e-9), ('é✓', 1e300), ('s1', 0)" >/dev/null
	cqr_insert src_raw 40
	cq_wait_cmd 30 cqr_done raw_q 47 || true
	# Until the last event is in and a heartbeat has followed it
	cq_wait_cmd 15 cqr_heartbeat_after "$raw" "$(cqr_ids raw_q | tail -n 1)" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -f "$CQR_STATE/curl-raw.pid"

	# 1: headers
	local h
	h=$(tr -d '\r' <"$hdr")
	if grep -q '^HTTP/1.1 200' <<<"$h" &&
		grep -qi '^content-type: text/event-stream' <<<"$h" &&
		grep -qi '^cache-control: no-cache' <<<"$h" &&
		grep -qi '^x-accel-buffering: no' <<<"$h"; then
		cq_pass "stream headers: 200, text/event-stream, no-cache, X-Accel-Buffering: no"
	else
		cq_fail "stream headers: 200, text/event-stream, no-cache, X-Accel-Buffering: no" "$(tr '\n' '|' <<<"$h")"
	fi
	cqr_sql "SELECT json_build_object('id', id, 'payload', payload) FROM cqstream.results('raw_q', 0, 1000) ORDER BY id" \
		>"$CQR_LOGS/raw.expected"
	# 1 (body) and 2
	cqr_node raw-parse parse.mjs "$raw" "$CQR_LOGS/raw.expected" raw_q 500
}

# ---------------------------------------------------------------------------
# 3: the eventsource client across a relay SIGKILL and a database restart

# cqr_inserter NAME TABLE BATCHES ROWS [KEYEXPR]: insert BATCHES
# transactions of ROWS rows, 50 ms apart, retrying a batch while the
# server is down (30 s at most); in the background, pid in
# $CQR_STATE/NAME.pid.
cqr_inserter()
{
	local name=$1 table=$2 batches=$3 rows=$4 keyexpr=${5:-}
	(
		for _ in $(seq "$batches"); do
			end=$((SECONDS + 30))
			until cqr_insert "$table" "$rows" ${keyexpr:+"$keyexpr"} 2>/dev/null; do
				[ "$SECONDS" -lt "$end" ] || exit 1
				sleep 0.2
			done
			sleep 0.05
		done
	) &
	echo $! >"$CQR_STATE/$name.pid"
}

# cqr_join NAME: wait for background job NAME; false if it failed.
cqr_join()
{
	local pid rc=0
	pid=$(cqr_pid "$1")
	wait "$pid" || rc=$?
	rm -f "$CQR_STATE/$1.pid"
	return "$rc"
}

test_eventsource_restarts()
{
	local total reconnects
	if ! cqr_collect es "$CQR_BASE/queries/es_q/stream" --timeout=150; then
		cq_fail "eventsource client connects to /queries/es_q/stream"
		cq_show_tail "$CQR_LOGS/es.err" 5
		return 0
	fi
	# Relay SIGKILLed mid-stream and started again on the same port
	cqr_inserter ins-es src_es 10 200
	cq_wait_cmd 20 cqr_has_lines es 200 || true
	cqr_kill9 relay-main
	sleep 0.3
	if ! cqr_relay_start main "$CQR_PORT" --cors-origin="$CQR_ORIGIN"; then
		cq_fail "relay restarts after SIGKILL"
		cq_show_tail "$CQR_LOGS/relay-main.log" 10
	fi
	cqr_join ins-es || cq_fail "inserter (relay restart phase) failed"
	cq_wait_cmd 30 cqr_done es_q 2000 || true
	# Database restarted (fast) under the running relay, rows still coming
	cqr_inserter ins-es2 src_es 10 100
	cq_wait_cmd 20 cqr_has_lines es 2200 || true
	if cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-relay/data" -m fast -w -t 60 \
		restart >"$CQR_LOGS/pg_restart.log" 2>&1; then
		cq_pass "pg_ctl restart -m fast while the relay streams"
	else
		cq_fail "pg_ctl restart -m fast while the relay streams"
		cq_show_tail "$CQR_LOGS/pg_restart.log" 5
	fi
	cqr_join ins-es2 || cq_fail "inserter (database restart phase) failed"
	# Done when the worker has caught up and the client has everything
	cq_wait_cmd 60 cqr_worker_idle es_q || true
	total=$(cqr_count es_q)
	cq_wait_cmd 60 cqr_has_lines es "$total" || true
	cqr_stop es
	cqr_ids es_q >"$CQR_LOGS/es.want"
	cut -f 1 "$CQR_STATE/es.out" >"$CQR_LOGS/es.got"
	cqr_same "eventsource: all $total results exactly once, in order, across relay SIGKILL and pg restart" \
		"$CQR_LOGS/es.got" "$CQR_LOGS/es.want"
	cut -f 4 "$CQR_STATE/es.out" >"$CQR_LOGS/es.data-ids"
	cqr_same "eventsource: data.id equals the SSE id for every event" \
		"$CQR_LOGS/es.data-ids" "$CQR_LOGS/es.got"
	cp "$CQR_STATE/es.out.req" "$CQR_LOGS/es.req"
	# Every reconnect sent Last-Event-ID = an id the client had received
	reconnects=$(grep -c '"status":200' "$CQR_LOGS/es.req" || true)
	if [ "$reconnects" -ge 2 ] && cqr_reconnect_ids_ok "$CQR_LOGS/es.req" "$CQR_LOGS/es.got"; then
		cq_pass "eventsource: reconnected ($((reconnects - 1)) times) with Last-Event-ID of a received event"
	else
		cq_fail "eventsource: reconnected with Last-Event-ID" "$reconnects connections answered 200" \
			"$(head -c 400 "$CQR_LOGS/es.req")"
	fi
	local n
	# The relay retries with a backoff that doubles up to 5 s while the
	# database is down, so it may reconnect seconds after pg_ctl returned,
	# and after the client already had every result
	cq_wait_cmd 30 cqr_metric_moved "$CQR_PORT" cqstream_relay_db_reconnects_total || true
	n=$(cqr_metric "$CQR_PORT" cqstream_relay_db_reconnects_total || true)
	if [ -n "$n" ] && [ "${n%.*}" -ge 1 ]; then
		cq_pass "metrics: db_reconnects_total moved after the database restart ($n)"
	else
		cq_fail "metrics: db_reconnects_total moved after the database restart" "value [$n]"
	fi
}

# cqr_worker_idle QUERY: the worker has processed every committed source
# row of QUERY (lag 0) and the value is stable across two looks.
cqr_worker_idle()
{
	[ "$(cqr_sql "SELECT lag FROM cqstream.queries WHERE name = '$1'")" = 0 ]
}

# cqr_reconnect_ids_ok REQ IDS: every request after the first that got an
# answer carried a Last-Event-ID found in IDS.
cqr_reconnect_ids_ok()
{
	local id
	while read -r id; do
		grep -qx -- "$id" "$2" || return 1
	done < <(sed -n '2,$p' "$1" | grep -o '"lastEventId":"[^"]*"' | cut -d '"' -f 4)
	# No reconnect without an id
	! sed -n '2,$p' "$1" | grep -q '"lastEventId":null'
}

# 3: HTTP 204 stops the client
test_eventsource_204()
{
	local req
	cqr_collect_bg unknown "$CQR_BASE/queries/no_such_query/stream" --timeout=20
	cq_wait_cmd 20 cqr_gone "$(cqr_pid unknown)" || true
	req=$CQR_STATE/unknown.out.req
	if [ "$(grep -c '"n":' "$req")" = 1 ] && grep -q '"status":204' "$req" &&
		grep -q '"closed":true' "$req"; then
		cq_pass "unknown query: 204, the eventsource client stops (one request)"
	else
		cq_fail "unknown query: 204, the eventsource client stops" "$(head -c 300 "$req")"
	fi
	cqr_stop unknown

	if ! cqr_collect dropped "$CQR_BASE/queries/dropped_q/stream" --timeout=40; then
		cq_fail "eventsource client connects to /queries/dropped_q/stream"
		return 0
	fi
	cqr_insert src_dropped 5
	cq_wait_cmd 20 cqr_has_lines dropped 5 || true
	cqr_ids dropped_q >"$CQR_LOGS/dropped.want"
	cqr_sql "SELECT cqstream.drop_query('dropped_q')" >/dev/null
	cq_wait_cmd 30 cqr_gone "$(cqr_pid dropped)" || true
	req=$CQR_STATE/dropped.out.req
	cp "$req" "$CQR_LOGS/dropped.req"
	if grep -q '"closed":true' "$req" && [ "$(grep -c '"n":' "$req")" -le 3 ] &&
		[ "$(grep '"n":' "$req" | tail -n 1 | grep -o '"status":[0-9]*')" = '"status":204' ]; then
		cq_pass "query dropped while connected: stream ends, reconnect gets 204, the client stops"
	else
		cq_fail "query dropped while connected: the client stops on 204" "$(head -c 400 "$req")"
	fi
	cut -f 1 "$CQR_STATE/dropped.out" >"$CQR_LOGS/dropped.got"
	cqr_same "query dropped while connected: its 5 results delivered first" \
		"$CQR_LOGS/dropped.got" "$CQR_LOGS/dropped.want"
	cqr_stop dropped
}

# ---------------------------------------------------------------------------
# 4: several queries on one stream, by list and by pattern

# cqr_composite_ok OUT: every event's id is a composite cursor Q-N(.Q-N)*
# containing its own result's position.
cqr_composite_ok()
{
	awk -F '\t' '
		$1 !~ /^[0-9]+-[0-9]+(\.[0-9]+-[0-9]+)*$/ { bad++; next }
		{
			q = int($4 / 1000000000000); n = $4 - q * 1000000000000
			k = split($1, parts, ".")
			found = 0
			for (i = 1; i <= k; i++) if (parts[i] == q "-" n) found = 1
			if (!found) bad++
		}
		END { exit bad > 0 }' "$1"
}

test_multi_stream()
{
	local q f n
	cqr_collect multi "$CQR_BASE/stream?query=t_a&query=t_b" --timeout=90 ||
		cq_fail "eventsource client connects to /stream?query=t_a&query=t_b"
	cqr_collect pattern "$CQR_BASE/stream?query=t_*" --timeout=90 ||
		cq_fail "eventsource client connects to /stream?query=t_*"
	cqr_inserter ins-ta src_ta 6 100
	cqr_inserter ins-tb src_tb 5 80
	cqr_inserter ins-uc src_uc 4 25
	cq_wait_cmd 20 cqr_has_lines multi 150 || true
	cqr_kill9 relay-main
	sleep 0.3
	cqr_relay_start main "$CQR_PORT" --cors-origin="$CQR_ORIGIN" ||
		cq_fail "relay restarts after SIGKILL (multi-query)"
	cqr_join ins-ta || true
	cqr_join ins-tb || true
	cqr_join ins-uc || true
	cq_wait_cmd 30 cqr_done t_a 600 || true
	cq_wait_cmd 30 cqr_done t_b 400 || true
	cq_wait_cmd 30 cqr_has_lines multi 1000 || true
	cq_wait_cmd 30 cqr_has_lines pattern 1000 || true
	cqr_stop multi
	cqr_stop pattern
	cqr_ids t_a >"$CQR_LOGS/t_a.want"
	cqr_ids t_b >"$CQR_LOGS/t_b.want"
	for f in multi pattern; do
		cp "$CQR_STATE/$f.out.req" "$CQR_LOGS/$f.req"
		for q in t_a t_b; do
			awk -F '\t' -v q="$q" '$3 == q { print $4 }' "$CQR_STATE/$f.out" >"$CQR_LOGS/$f.$q.got"
			cqr_same "$f stream: every $q result exactly once, in order, across a relay SIGKILL" \
				"$CQR_LOGS/$f.$q.got" "$CQR_LOGS/$q.want"
		done
		n=$(awk -F '\t' '$3 != "t_a" && $3 != "t_b"' "$CQR_STATE/$f.out" | wc -l)
		if [ "$n" -eq 0 ] && [ "$(cqr_count u_c)" -gt 0 ]; then
			cq_pass "$f stream: nothing of u_c (not asked for, $(cqr_count u_c) results)"
		else
			cq_fail "$f stream: nothing of other queries" "$n foreign events"
		fi
		if cqr_composite_ok "$CQR_STATE/$f.out" && [ -s "$CQR_STATE/$f.out" ]; then
			cq_pass "$f stream: ids are composite cursors Q-N.Q-N holding each event's position"
		else
			cq_fail "$f stream: composite ids" "$(cut -f 1,4 "$CQR_STATE/$f.out" | head -n 3 | tr '\n\t' '| ')"
		fi
		if grep -q '"lastEventId":"[0-9]*-[0-9]*\.[0-9]*-[0-9]*"' "$CQR_LOGS/$f.req"; then
			cq_pass "$f stream: reconnected with a composite Last-Event-ID of both queries"
		else
			cq_fail "$f stream: reconnected with a composite Last-Event-ID" "$(head -c 400 "$CQR_LOGS/$f.req")"
		fi
	done
}

# ---------------------------------------------------------------------------
# 5: key filter, last_event_id, lost

# cqr_curl_events NAME URL [CURL_ARG...]: the events of a GET read until
# the stream has settled (cq_curl_sse: not a fixed time, which a replay of
# thousands of results to four clients at once, or to the ASan relay, can
# outlast on a loaded machine), as sse-dump.mjs reads them, in
# $CQR_LOGS/NAME.events.
cqr_curl_events()
{
	local name=$1 url=$2
	shift 2
	cq_curl_sse "$CQR_LOGS/$name.headers" "$CQR_LOGS/$name.body" "$url" "$@" >/dev/null
	node "$CQR_DIR/sse-dump.mjs" "$CQR_LOGS/$name.body" >"$CQR_LOGS/$name.events"
}

test_replay()
{
	local first cut oldest
	cq_wait_cmd 20 cqr_done key_q 300 || true
	# Four replays at once (each a GET read until it settles): ?key= from the start,
	# last_event_id as parameter and as header, and a whole log of 3000
	# results (about 330 KB, more than the default --client-buffer of
	# 256 KB: a fast client must still get it all)
	cut=$(cqr_ids key_q | sed -n 120p)
	local -a pids=()
	cqr_curl_events key "$CQR_BASE/queries/key_q/stream?key=s1&last_event_id=$(cqr_start_id key_q)" &
	pids+=($!)
	cqr_curl_events lei-param "$CQR_BASE/queries/key_q/stream?last_event_id=$cut" &
	pids+=($!)
	cqr_curl_events lei-header "$CQR_BASE/queries/key_q/stream" -H "Last-Event-ID: $cut" &
	pids+=($!)
	cqr_curl_events big "$CQR_BASE/queries/es_q/stream?last_event_id=$(cqr_start_id es_q)" &
	pids+=($!)
	# Not a bare `wait`: the relays are children of this shell too
	wait "${pids[@]}"
	cut -f 1 "$CQR_LOGS/key.events" >"$CQR_LOGS/key.got"
	cqr_ids key_q "WHERE payload->>'key' = 's1'" >"$CQR_LOGS/key.want"
	cqr_same "?key=s1&last_event_id=<start>: exactly the log's s1 results" "$CQR_LOGS/key.got" "$CQR_LOGS/key.want"
	cqr_ids key_q "WHERE id > $cut" >"$CQR_LOGS/lei.want"
	cut -f 1 "$CQR_LOGS/lei-param.events" >"$CQR_LOGS/lei-param.got"
	cqr_same "?last_event_id=N: the 180 results after N" "$CQR_LOGS/lei-param.got" "$CQR_LOGS/lei.want"
	cut -f 1 "$CQR_LOGS/lei-header.events" >"$CQR_LOGS/lei-header.got"
	cqr_same "Last-Event-ID: N header: the 180 results after N" "$CQR_LOGS/lei-header.got" "$CQR_LOGS/lei.want"
	cut -f 1 "$CQR_LOGS/big.events" >"$CQR_LOGS/big.got"
	cqr_ids es_q >"$CQR_LOGS/big.want"
	cqr_same "replay of a whole log bigger than --client-buffer ($(wc -l <"$CQR_LOGS/big.want") results) to a fast client" \
		"$CQR_LOGS/big.got" "$CQR_LOGS/big.want"

	# An id older than the retention: event lost first, then what is left
	first=$(cqr_sql "SELECT id * 1000000000000 + 1 FROM cqstream.query WHERE name = 'ret_q'")
	if ! cq_wait_cmd 30 cqr_trimmed ret_q 5; then
		cq_fail "retention_rows 5: the worker trimmed ret_q's log to 5 results" \
			"$(cqr_count ret_q) results after 30 s"
		return 0
	fi
	oldest=$(cqr_ids ret_q | head -n 1)
	cqr_curl_events lost "$CQR_BASE/queries/ret_q/stream?last_event_id=$first"
	if [ "$(head -n 1 "$CQR_LOGS/lost.events")" = "$(printf '\tlost\t{"query":"ret_q","after":%s,"next":%s}' "$first" "$oldest")" ]; then
		cq_pass "id older than the retention: event lost {query, after, next} first"
	else
		cq_fail "id older than the retention: event lost first" \
			"want: lost {\"query\":\"ret_q\",\"after\":$first,\"next\":$oldest}" \
			"got: $(head -n 1 "$CQR_LOGS/lost.events")"
	fi
	sed -n '2,$p' "$CQR_LOGS/lost.events" | cut -f 1 >"$CQR_LOGS/lost.got"
	cqr_ids ret_q >"$CQR_LOGS/lost.want"
	cqr_same "after the lost event: the 5 retained results" "$CQR_LOGS/lost.got" "$CQR_LOGS/lost.want"
}

# cqr_trimmed QUERY N: QUERY's log holds exactly N results.
cqr_trimmed()
{
	[ "$(cqr_count "$1")" = "$2" ]
}

# ---------------------------------------------------------------------------
# 6: endpoints, errors, metrics, tokens

test_endpoints()
{
	local tport
	cqr_sql "SELECT json_agg(row_to_json(q)) FROM cqstream.queries q" >"$CQR_LOGS/queries.json"
	tport=$(cq_free_port $((CQR_OTHER_PORT + 1)))
	if ! cqr_relay_start token "$tport" --token=tok-one --token=tok-two; then
		cq_fail "relay with --token starts"
		cq_show_tail "$CQR_LOGS/relay-token.log" 5
		return 0
	fi
	cqr_node api api.mjs "$CQR_BASE" "$CQR_ORIGIN" "$CQR_LOGS/queries.json" key_q \
		"$(cqr_start_id key_q)" 300 \
		"http://127.0.0.1:$tport" tok-one tok-two
	cqr_stop relay-token
}

# ---------------------------------------------------------------------------
# 7: chromium

test_chromium()
{
	local psql
	psql="'$PG_BINDIR/psql' -X -q -At -h '$CQ_TMP/pg-relay' -p $(cat "$CQ_TMP/pg-relay/port") -U postgres -d $CQR_DB"
	CQ_INSERT_CMD="$psql -c \"INSERT INTO src_web (k, v) SELECT 'w', g FROM generate_series(1, 25) g\"" \
		CQ_IDS_CMD="$psql -c \"SELECT id FROM cqstream.results('web_q', 0, 1000) ORDER BY id\"" \
		cqr_node chromium chromium.mjs "$CQR_BASE" "$CQR_PAGE_PORT" "$CQR_OTHER_PORT" web_q 25
}

# ---------------------------------------------------------------------------
# 8: a slow client

# The slow client: a socket with a 4 KB receive buffer that sends a stream
# request, reads the status line, then reads nothing until SIGUSR1; then
# it drains what it can for 10 s and prints "eof=1|0 bytes=N".
# shellcheck disable=SC2016 # perl, not shell
CQR_SLOW_PL='
use strict; use warnings; use Socket;
my ($port, $path) = @ARGV;
socket(my $s, PF_INET, SOCK_STREAM, getprotobyname("tcp")) or die "socket: $!";
setsockopt($s, SOL_SOCKET, SO_RCVBUF, pack("i", 4096)) or die "rcvbuf: $!";
connect($s, pack_sockaddr_in($port, inet_aton("127.0.0.1"))) or die "connect: $!";
syswrite($s, "GET $path HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n");
my $buf = ""; sysread($s, $buf, 256);
print STDERR "slow client: ", (split /\r\n/, $buf)[0], "\n";
my $go = 0; $SIG{USR1} = sub { $go = 1 };
print STDERR "waiting\n";
sleep 1 until $go;
my ($total, $eof) = (length $buf, 0);
eval {
	local $SIG{ALRM} = sub { die "timeout\n" }; alarm 10;
	while (1) {
		my $n = sysread($s, $buf, 65536);
		if (!defined $n || $n == 0) { $eof = 1; last }
		$total += $n;
	}
	alarm 0;
};
print "eof=$eof bytes=$total\n";
'

test_slow_client()
{
	local sport spid closes start took total bytes
	sport=$(cq_free_port $((CQR_OTHER_PORT + 2)))
	if ! cqr_relay_start slow "$sport" --client-buffer=65536; then
		cq_fail "relay with --client-buffer=65536 starts"
		return 0
	fi
	perl -e "$CQR_SLOW_PL" "$sport" /queries/slow_q/stream \
		>"$CQR_LOGS/slow.out" 2>"$CQR_LOGS/slow.err" &
	spid=$!
	echo "$spid" >"$CQR_STATE/slow-perl.pid"
	cq_wait_cmd 10 grep -q waiting "$CQR_LOGS/slow.err" || true
	cqr_collect fast "http://127.0.0.1:$sport/queries/slow_q/stream" --timeout=90 ||
		cq_fail "normal client connects beside the slow one"
	# About 4.3 MB of events: 2000 results with 2 KB keys, twice what the
	# kernel buffers of the stalled connection hold (measured ~2 MB)
	start=$SECONDS
	cqr_inserter ins-slow src_slow 10 200 "repeat('x', 2000) || g"
	cqr_join ins-slow || true
	cq_wait_cmd 60 cqr_done slow_q 2000 || true
	took=$((SECONDS - start))
	cq_wait_cmd 30 cqr_has_lines fast 2000 || true
	total=$((SECONDS - start))
	cqr_stop fast
	cqr_ids slow_q >"$CQR_LOGS/slow.want"
	cut -f 1 "$CQR_STATE/fast.out" >"$CQR_LOGS/fast.got"
	cqr_same "normal client beside a stalled one: all 2000 results exactly once" \
		"$CQR_LOGS/fast.got" "$CQR_LOGS/slow.want"
	if [ $((total - took)) -le 10 ]; then
		cq_pass "normal client beside a stalled one: done ${total}s after the flood began (worker ${took}s)"
	else
		cq_fail "normal client beside a stalled one: promptly" "client ${total}s, worker ${took}s"
	fi
	closes=$(cqr_metric "$sport" cqstream_relay_slow_client_closes_total || true)
	kill -USR1 "$spid" 2>/dev/null || true
	wait "$spid" 2>/dev/null || true
	rm -f "$CQR_STATE/slow-perl.pid"
	bytes=$(sed -n 's/.*bytes=\([0-9]*\).*/\1/p' "$CQR_LOGS/slow.out")
	if [ -n "$closes" ] && [ "${closes%.*}" -ge 1 ] && grep -q 'eof=1' "$CQR_LOGS/slow.out" &&
		[ "${bytes:-0}" -lt 6000000 ]; then
		cq_pass "stalled client closed by the relay past --client-buffer (slow_client_closes $closes, it got $bytes bytes)"
	else
		cq_fail "stalled client closed by the relay past --client-buffer" \
			"slow_client_closes [$closes], client: $(cat "$CQR_LOGS/slow.out" "$CQR_LOGS/slow.err" | tr '\n' ' ')"
	fi
	cqr_stop relay-slow
}

# ---------------------------------------------------------------------------
# 9, 10: hostile input, plain and under AddressSanitizer

# cqr_hostile NAME PORT PID: hostile.mjs against relay NAME, with RSS
# before and after.
cqr_hostile()
{
	local name=$1 port=$2 pid=$3 rss0 rss1 limit
	rss0=$(cqr_rss "$pid")
	CQR_PREFIX="$name relay: " cqr_node "hostile-$name" hostile.mjs 127.0.0.1 "$port" key_q 2000
	cq_wait_cmd 10 cqr_healthy "$port" || true
	if cqr_healthy "$port"; then
		cq_pass "$name relay up and healthy after the hostile input"
	else
		cq_fail "$name relay up and healthy after the hostile input"
		cq_show_tail "$CQR_LOGS/relay-$name.log" 10
	fi
	rss1=$(cqr_rss "$pid" || echo 0)
	# Freed memory stays in malloc's arenas; "near" is within 32 MB (ASan's
	# quarantine holds more, 256 MB by default).
	limit=$((32 * 1024))
	[ "$name" != asan ] || limit=$((300 * 1024))
	if [ "$rss1" -gt 0 ] && [ $((rss1 - rss0)) -le "$limit" ]; then
		cq_pass "$name relay RSS back near its start: ${rss0} kB -> ${rss1} kB"
	else
		cq_fail "$name relay RSS back near its start" "${rss0} kB -> ${rss1} kB (limit +${limit} kB)"
	fi
}

test_hostile()
{
	cqr_hostile main "$CQR_PORT" "$(cqr_pid relay-main)"
}

test_asan()
{
	local aport apid rc asan_bin=$CQ_ROOT/relay/cqstream-relay-asan
	local lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock}
	if (flock 9 && make --no-print-directory -C "$CQ_ROOT" relay-asan) \
		9>>"$lock" >"$CQR_LOGS/make-relay-asan.log" 2>&1 && [ -x "$asan_bin" ]; then
		cq_pass "make relay-asan"
	else
		cq_fail "make relay-asan"
		cq_show_tail "$CQR_LOGS/make-relay-asan.log" 10
		return 0
	fi
	aport=$(cq_free_port $((CQR_OTHER_PORT + 3)))
	if ! ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:log_path=$CQR_LOGS/asan \
		CQR_RELAY_BIN=$asan_bin cqr_relay_start asan "$aport"; then
		cq_fail "ASan relay starts"
		cq_show_tail "$CQR_LOGS/relay-asan.log" 20
		return 0
	fi
	apid=$(cqr_pid relay-asan)
	cqr_hostile asan "$aport" "$apid"
	# Replays: a whole log, a lost event, a multi-query cursor, a key filter
	cqr_curl_events asan-es "http://127.0.0.1:$aport/queries/es_q/stream?last_event_id=$(cqr_start_id es_q)"
	cut -f 1 "$CQR_LOGS/asan-es.events" >"$CQR_LOGS/asan-es.got"
	cqr_ids es_q >"$CQR_LOGS/asan-es.want"
	cqr_same "ASan relay: replay of es_q's whole log" "$CQR_LOGS/asan-es.got" "$CQR_LOGS/asan-es.want"
	cqr_curl_events asan-lost "http://127.0.0.1:$aport/queries/ret_q/stream?last_event_id=$(cqr_sql "SELECT id * 1000000000000 + 1 FROM cqstream.query WHERE name = 'ret_q'")"
	cqr_curl_events asan-multi "http://127.0.0.1:$aport/stream?query=t_a&query=t_*" \
		-H "Last-Event-ID: $(cut -f 1 "$CQR_STATE/multi.out" 2>/dev/null | sed -n 100p)"
	if grep -q $'\tlost\t' "$CQR_LOGS/asan-lost.events" && [ -s "$CQR_LOGS/asan-multi.events" ]; then
		cq_pass "ASan relay: lost event and multi-query replay answered"
	else
		cq_fail "ASan relay: lost event and multi-query replay answered" \
			"$(head -c 200 "$CQR_LOGS/asan-lost.events")"
	fi
	cqr_stop relay-asan
	rc=$(cat "$CQR_STATE/relay-asan.rc")
	if [ "$rc" = 0 ] && ! compgen -G "$CQR_LOGS/asan.*" >/dev/null &&
		! grep -q 'Sanitizer' "$CQR_LOGS/relay-asan.log"; then
		cq_pass "ASan relay: no AddressSanitizer or leak report, exit 0 on SIGTERM"
	else
		cq_fail "ASan relay: no AddressSanitizer or leak report, exit 0 on SIGTERM" "exit status $rc"
		cat "$CQR_LOGS"/asan.* "$CQR_LOGS/relay-asan.log" 2>/dev/null |
			grep -m 12 -E 'ERROR|SUMMARY|#[0-9] ' | sed 's/^/        | /' || true
	fi
}

# cqr_answers_fast PORT: /healthz answers within half a second and says the
# database is down.
cqr_answers_fast()
{
	curl -s --max-time 0.5 "http://127.0.0.1:$1/healthz" | grep -q '"database": *false'
}

# The database host given by name is looked up on the loop (evdns), never
# by libpq's blocking getaddrinfo: localhost (from /etc/hosts) connects
# over TCP; under a resolver that never answers (a private mount
# namespace whose /etc/resolv.conf names a silent DNS server) the relay
# keeps answering HTTP while the lookup is pending, and stops at once.
test_dns()
{
	local port pid resolv=$CQR_STATE/resolv.conf ok=1 i
	port=$(cq_free_port $((CQR_OTHER_PORT + 5)))
	if cqr_relay_start dns "$port" \
		--db="host=localhost port=$(cat "$CQ_TMP/pg-relay/port") user=postgres dbname=$CQR_DB"; then
		cq_pass "--db host=localhost: looked up on the loop, connected over TCP"
	else
		cq_fail "--db host=localhost: connected" "$(tail -n 3 "$CQR_LOGS/relay-dns.log")"
	fi
	cqr_stop relay-dns

	# port 53, the only one the C library's resolver knows, on an address
	# of the loopback network nothing else uses
	# (its own output, so that it holds none of the suite's pipes; it ends
	# by itself after 30 s, and is stopped below)
	cq_as_root node -e "const s = require('dgram').createSocket('udp4'); s.bind(53, '127.0.0.2'); setTimeout(() => s.close(), 30000)" \
		>"$CQR_LOGS/silent-dns.log" 2>&1 </dev/null &
	cq_wait_cmd 10 grep -q ' 0200007F:0035 ' /proc/net/udp ||
		cq_fail "a silent DNS server on 127.0.0.2:53"
	echo "nameserver 127.0.0.2" >"$resolv"
	chmod 644 "$resolv"
	# the relay's own pid, written by the shell it replaces (cq_as_root may
	# be sudo, whose child it then is)
	rm -f "$CQR_STATE/relay-dns-silent.pid"
	cq_as_root unshare -m sh -c 'echo $$ >"$1" && mount --bind "$2" /etc/resolv.conf && shift 2 && exec "$@"' \
		sh "$CQR_STATE/relay-dns-silent.pid" "$resolv" "$CQR_BIN" \
		--db="host=db.cqstream.test port=5432 user=postgres" \
		--listen="127.0.0.1:$port" >>"$CQR_LOGS/relay-dns-silent.log" 2>&1 </dev/null &
	if ! cq_wait_cmd 10 test -s "$CQR_STATE/relay-dns-silent.pid"; then
		cq_fail "host name under a silent resolver: relay started in a private mount namespace"
		return 0
	fi
	cq_wait_cmd 10 cqr_answers_fast "$port" || ok=0
	# the lookup stays pending for seconds: every answer must still be quick
	for i in $(seq 10); do
		cqr_answers_fast "$port" || ok=0
		sleep 0.2
	done
	if [ "$ok" = 1 ] && ! grep -q 'not found' "$CQR_LOGS/relay-dns-silent.log"; then
		cq_pass "host name under a silent resolver: HTTP answered at once while the lookup is pending"
	else
		cq_fail "host name under a silent resolver: HTTP answered at once" \
			"$(tail -n 3 "$CQR_LOGS/relay-dns-silent.log")"
	fi
	pid=$(cat "$CQR_STATE/relay-dns-silent.pid")
	cq_as_root kill -TERM "$pid"
	if cq_wait_cmd 5 eval "[ ! -e /proc/$pid ]"; then
		cq_pass "host name under a silent resolver: SIGTERM stops the relay at once"
	else
		cq_fail "host name under a silent resolver: SIGTERM stops the relay"
		cq_as_root kill -KILL "$pid" 2>/dev/null || true
	fi
	cq_as_root pkill -TERM -f "bind\\(53, '127.0.0.2'\\)" 2>/dev/null || true
}

# ---------------------------------------------------------------------------

# cq_relay_e2e_tests: every relay check, in order; stops what it started.
cq_relay_e2e_tests()
{
	# shellcheck source=test/lib/node.sh
	. "$CQ_ROOT/test/lib/node.sh"
	CQR_DIR=$CQ_ROOT/test/relay
	CQR_BIN=$CQ_ROOT/relay/cqstream-relay
	CQR_STATE=$CQ_TMP/relay-e2e
	CQR_LOGS=$CQ_ARTIFACTS/relay
	mkdir -p "$CQR_STATE" "$CQR_LOGS"
	# shellcheck source=test/relay/trust.sh
	. "$CQR_DIR/trust.sh"
	# shellcheck source=test/relay/limits.sh
	. "$CQR_DIR/limits.sh"
	trap cqr_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	# 2,000 streams at once: the relay and the client each need more than
	# the usual soft limit of 1024 descriptors
	ulimit -n 8192 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
	cq_pg_env

	local t start
	start=$SECONDS
	cqr_setup || return 0
	echo "setup $((SECONDS - start))s" >"$CQR_LOGS/times.log"
	for t in raw_bytes eventsource_restarts eventsource_204 multi_stream \
		replay endpoints chromium slow_client forged notify_modes \
		read_grant host_check slowloris token_reload limits hostile dns \
		asan; do
		start=$SECONDS
		"test_$t"
		echo "$t $((SECONDS - start))s" >>"$CQR_LOGS/times.log"
	done
	cqr_stop relay-main
	if [ "$(cat "$CQR_STATE/relay-main.rc")" = 0 ]; then
		cq_pass "relay exits 0 on SIGTERM"
	else
		cq_fail "relay exits 0 on SIGTERM" "exit status $(cat "$CQR_STATE/relay-main.rc")"
	fi
}
