# shellcheck shell=bash
# test/relay/limits.sh: denial of service and misconfiguration, end to
# end; sourced by test/relay/e2e.sh, whose helpers and cluster it uses.
#
# Design notes
#
#   slowloris:    connections that send a byte a second, or nothing, are
#                 closed after --request-timeout, and past --max-requests
#                 the oldest go at once; normal requests are answered all
#                 along (slow.mjs);
#   host check:   DNS rebinding: an open relay answers 421 to a Host that
#                 is not its own, a relay with tokens accepts any unless
#                 --allowed-hosts says otherwise;
#   token reload: tokens in --token-file change on SIGHUP (what the
#                 systemd unit's ExecReload sends), an emptied file is
#                 refused and the running tokens stay;
#   limits:       --max-topics sheds a stream that needs one more topic,
#                 --max-db-queue answers /queries 503 and sheds streams
#                 while that many commands wait for a locked catalog.

test_slowloris()
{
	local port bport n
	port=$(cq_free_port $((CQR_OTHER_PORT + 9)))
	if ! cqr_relay_start slowloris "$port" --request-timeout=3; then
		cq_fail "relay with --request-timeout=3 starts"
		return 0
	fi
	cqr_node slowloris slow.mjs 127.0.0.1 "$port" 15 3
	n=$(cqr_metric "$port" cqstream_relay_request_timeouts_total || true)
	if [ -n "$n" ] && [ "${n%.*}" -ge 15 ]; then
		cq_pass "metrics: request_timeouts_total counts them ($n)"
	else
		cq_fail "metrics: request_timeouts_total counts them" "value [$n]"
	fi
	cqr_stop relay-slowloris
	# The bound alone: a deadline far away
	bport=$(cq_free_port $((CQR_OTHER_PORT + 14)))
	if ! cqr_relay_start slowbound "$bport" --request-timeout=60 --max-requests=20; then
		cq_fail "relay with --max-requests=20 starts"
		return 0
	fi
	cqr_node slowloris-bound slow.mjs 127.0.0.1 "$bport" 50 60 20
	cqr_stop relay-slowbound
}

# cqr_code URL [CURL_ARG...]: the status of a GET (3 s at most).
cqr_code()
{
	local url=$1
	shift
	curl -s --max-time 3 -o "$CQR_LOGS/code.body" -w '%{http_code}' "$@" "$url"
}

# cqr_expect_code NAME WANT URL [CURL_ARG...]: one check of a status.
cqr_expect_code()
{
	local name=$1 want=$2 got
	shift 2
	got=$(cqr_code "$@")
	if [ "$got" = "$want" ]; then
		cq_pass "$name: $want"
	else
		cq_fail "$name: $want" "got $got: $(head -c 200 "$CQR_LOGS/code.body")"
	fi
}

test_host_check()
{
	local port tport
	cqr_expect_code "open relay, Host: evil.example, /queries" 421 \
		"$CQR_BASE/queries" -H 'Host: evil.example'
	if grep -q '"status":421' "$CQR_LOGS/code.body"; then
		cq_pass "open relay, Host refused: JSON error body"
	else
		cq_fail "open relay, Host refused: JSON error body" "$(head -c 200 "$CQR_LOGS/code.body")"
	fi
	cqr_expect_code "open relay, Host: evil.example:$CQR_PORT, a stream" 421 \
		"$CQR_BASE/queries/key_q/stream" -H "Host: evil.example:$CQR_PORT"
	cqr_expect_code "open relay, Host: evil.example, the dashboard page" 421 \
		"$CQR_BASE/" -H 'Host: evil.example'
	cqr_expect_code "open relay, Host: evil.example, /healthz stays open" 200 \
		"$CQR_BASE/healthz" -H 'Host: evil.example'
	cqr_expect_code "open relay, Host: localhost:$CQR_PORT" 200 \
		"$CQR_BASE/queries" -H "Host: localhost:$CQR_PORT"
	cqr_expect_code "open relay, Host: 127.0.0.1 (the listen address, no port)" 200 \
		"$CQR_BASE/queries" -H 'Host: 127.0.0.1'
	cqr_expect_code "open relay, Host: [::1]:$CQR_PORT" 200 \
		"$CQR_BASE/queries" -H "Host: [::1]:$CQR_PORT"

	port=$(cq_free_port $((CQR_OTHER_PORT + 10)))
	if cqr_relay_start hosts "$port" --token=tok-h; then
		cqr_expect_code "relay with tokens, Host: evil.example and a token" 200 \
			"http://127.0.0.1:$port/queries" -H 'Host: evil.example' -H 'Authorization: Bearer tok-h'
		cqr_stop relay-hosts
	else
		cq_fail "relay with --token starts (host check)"
	fi
	tport=$(cq_free_port $((CQR_OTHER_PORT + 11)))
	if cqr_relay_start hosts2 "$tport" --token=tok-h --allowed-hosts=dash.example \
		--allowed-hosts=relay.example:8443; then
		cqr_expect_code "--allowed-hosts=dash.example, Host: evil.example" 421 \
			"http://127.0.0.1:$tport/queries" -H 'Host: evil.example' -H 'Authorization: Bearer tok-h'
		cqr_expect_code "--allowed-hosts=dash.example, Host: dash.example:$tport" 200 \
			"http://127.0.0.1:$tport/queries" -H "Host: dash.example:$tport" -H 'Authorization: Bearer tok-h'
		cqr_expect_code "--allowed-hosts=relay.example:8443, Host: relay.example:9999" 421 \
			"http://127.0.0.1:$tport/queries" -H 'Host: relay.example:9999' -H 'Authorization: Bearer tok-h'
		cqr_stop relay-hosts2
	else
		cq_fail "relay with --allowed-hosts starts"
	fi
}

# cqr_token_code PORT TOKEN: the status of /queries with TOKEN.
cqr_token_code()
{
	curl -s --max-time 3 -o /dev/null -w '%{http_code}' \
		-H "Authorization: Bearer $2" "http://127.0.0.1:$1/queries"
}

# cqr_token_is PORT TOKEN CODE: /queries with TOKEN answers CODE.
cqr_token_is()
{
	[ "$(cqr_token_code "$1" "$2")" = "$3" ]
}

test_token_reload()
{
	local port file=$CQR_STATE/tokens unit=$CQ_ROOT/relay/cqstream-relay.service pid
	printf '%s\n' '# tokens of the dashboards' 'tok-old' >"$file"
	chmod 600 "$file"
	port=$(cq_free_port $((CQR_OTHER_PORT + 12)))
	if ! cqr_relay_start tokfile "$port" --token-file="$file"; then
		cq_fail "relay with --token-file starts"
		return 0
	fi
	pid=$(cqr_pid relay-tokfile)
	if cqr_token_is "$port" tok-old 200 && cqr_token_is "$port" tok-new 401; then
		cq_pass "--token-file: its token accepted, another refused"
	else
		cq_fail "--token-file: its token accepted" "old $(cqr_token_code "$port" tok-old)"
	fi
	printf '%s\n' 'tok-new' >"$file"
	kill -HUP "$pid"
	if cq_wait_cmd 10 cqr_token_is "$port" tok-new 200 && cqr_token_is "$port" tok-old 401; then
		cq_pass "token file changed, SIGHUP: the new token accepted, the old one refused"
	else
		cq_fail "token file changed, SIGHUP: new accepted, old refused" \
			"new $(cqr_token_code "$port" tok-new), old $(cqr_token_code "$port" tok-old)"
	fi
	: >"$file"
	kill -HUP "$pid"
	if cq_wait_cmd 10 grep -q 'holds no token' "$CQR_LOGS/relay-tokfile.log" &&
		cqr_token_is "$port" tok-new 200 && cqr_token_is "$port" tok-old 401 &&
		[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/queries")" = 401 ]; then
		cq_pass "token file emptied, SIGHUP: refused, the running tokens stay (the relay is not opened)"
	else
		cq_fail "token file emptied, SIGHUP: the running tokens stay" "$(tail -n 2 "$CQR_LOGS/relay-tokfile.log")"
	fi
	cqr_stop relay-tokfile
	# shellcheck disable=SC2016 # $MAINPID is systemd's
	if grep -qx 'ExecReload=/bin/kill -HUP $MAINPID' "$unit" &&
		grep -q '^ExecStart=.*--config=' "$unit" && ! grep -q '^EnvironmentFile=[^-]' "$unit"; then
		cq_pass "systemd unit: ExecReload sends SIGHUP, the settings are in the file it reads again"
	else
		cq_fail "systemd unit: ExecReload sends SIGHUP, settings in the configuration file"
	fi
}

# cqr_catalog_locks granted N: at least N locks on cqstream.query are
# held.
cqr_catalog_locks()
{
	[ "$(cqr_sql "SELECT count(*) FROM pg_locks WHERE relation = 'cqstream.query'::regclass AND granted")" -ge "$2" ]
}

# cqr_metric_is PORT NAME VALUE: the metric has that value.
cqr_metric_is()
{
	[ "$(cqr_metric "$1" "$2")" = "$3" ]
}

test_limits()
{
	local port lockpid r q1 q2
	port=$(cq_free_port $((CQR_OTHER_PORT + 13)))
	if ! cqr_relay_start limits "$port" --max-topics=1 --max-db-queue=2; then
		cq_fail "relay with --max-topics=1 --max-db-queue=2 starts"
		return 0
	fi
	# One topic in use: a stream of another query is shed (retry:).  The
	# first stream stays open until the second is answered (a fixed
	# lifetime could end before a slow start is over).
	curl -sS -N --max-time 60 "http://127.0.0.1:$port/queries/t_a/stream" \
		>"$CQR_LOGS/topics-a.body" 2>/dev/null &
	echo $! >"$CQR_STATE/curl-topics.pid"
	cq_wait_cmd 15 grep -q 'cqstream-relay' "$CQR_LOGS/topics-a.body" || true
	curl -s -N --max-time 3 -o "$CQR_LOGS/topics-b.body" -w '%{http_code}' \
		"http://127.0.0.1:$port/queries/t_b/stream" >"$CQR_LOGS/topics-b.code" || true
	if [ "$(cat "$CQR_LOGS/topics-b.code")" = 200 ] && grep -q '^retry: ' "$CQR_LOGS/topics-b.body" &&
		grep -q ': too many queries followed' "$CQR_LOGS/topics-b.body"; then
		cq_pass "--max-topics=1: a stream of a second query gets retry: and ': too many queries followed'"
	else
		cq_fail "--max-topics=1: a second query's stream is shed" "$(head -c 200 "$CQR_LOGS/topics-b.body")"
	fi
	kill "$(cat "$CQR_STATE/curl-topics.pid")" 2>/dev/null || true
	wait "$(cat "$CQR_STATE/curl-topics.pid")" 2>/dev/null || true
	rm -f "$CQR_STATE/curl-topics.pid"

	# The catalog locked: two /queries wait for the database, the third is
	# refused at once.  The lock is held until the refusals are seen (the
	# transaction is then cancelled), not for a fixed time that a slow
	# machine could spend before them.
	PGAPPNAME=cqr_catalog_locker cq_psql relay -d "$CQR_DB" \
		-c "BEGIN; LOCK TABLE cqstream.query IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT" \
		>/dev/null 2>&1 &
	lockpid=$!
	echo "$lockpid" >"$CQR_STATE/lock.pid"
	cq_wait_cmd 15 cqr_catalog_locks granted 1 || true
	curl -s --max-time 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/queries" >"$CQR_LOGS/dbq1.code" &
	q1=$!
	curl -s --max-time 60 -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/queries" >"$CQR_LOGS/dbq2.code" &
	q2=$!
	# The first waits on the lock, the second behind it in the relay
	cq_wait_cmd 15 cqr_metric_is "$port" cqstream_relay_db_queue 2 || true
	r=$(cqr_code "http://127.0.0.1:$port/queries")
	curl -s -N --max-time 5 "http://127.0.0.1:$port/queries/t_a/stream" >"$CQR_LOGS/dbq-stream.body" || true
	cqr_sql "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'cqr_catalog_locker'" >/dev/null || true
	wait "$lockpid" "$q1" "$q2" 2>/dev/null || true
	rm -f "$CQR_STATE/lock.pid"
	if [ "$r" = 503 ] && grep -q 'database busy' "$CQR_LOGS/code.body" &&
		grep -q ': database busy' "$CQR_LOGS/dbq-stream.body" &&
		[ "$(cat "$CQR_LOGS/dbq1.code")" = 200 ] && [ "$(cat "$CQR_LOGS/dbq2.code")" = 200 ]; then
		cq_pass "--max-db-queue=2: the third /queries gets 503, a stream retry:, the two waiting get 200"
	else
		cq_fail "--max-db-queue=2: 503 past the queue" \
			"third $r $(head -c 120 "$CQR_LOGS/code.body"); stream $(head -c 80 "$CQR_LOGS/dbq-stream.body" | tr '\n' '|'); waiting $(cat "$CQR_LOGS/dbq1.code" "$CQR_LOGS/dbq2.code" | tr '\n' ' ')"
	fi
	cqr_stop relay-limits
}
