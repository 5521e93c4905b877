# shellcheck shell=bash
# test/relay/trust.sh: what the relay trusts, end to end; sourced by
# test/relay/e2e.sh, whose helpers and cluster it uses.
#
# Design notes
#
# LISTEN and NOTIFY have no privileges, so the relay must take nothing
# from a notification but the hint that a query may have new results:
# what a client gets comes from cqstream.results, with the relay's own
# right to read it.  Three scenarios:
#
#   forged:   a role with no grant at all (mallory) sends forged results,
#             arrays, garbage, a forged "query dropped" and a flood of
#             notifications on a query's channel while a real client
#             streams it across a relay SIGKILL; the client's ids must be
#             exactly the log's, and the flood must cost the relay a few
#             reads, not one each;
#   modes:    queries in the engine's notify modes hint (the default),
#             payload (with a result too large for NOTIFY) and id, on one
#             stream: each result exactly once, in order;
#   grants:   a relay logged in as a role with only a read grant
#             (cqstream.grant_results), not a member of the owner's role:
#             it streams the granted query, answers 403 for another, and
#             ends the stream when the grant is revoked (the client, back,
#             gets 403 and stops).

# cqr_as ROLE SQL: one statement (or several, one transaction) as ROLE.
cqr_as()
{
	cq_psql relay -d "$CQR_DB" -U "$1" -At -c "$2"
}

# cqr_forged_id QUERY: a result id QUERY will not reach in these tests
# (query id * 10^12 + 999999).
cqr_forged_id()
{
	cqr_sql "SELECT id * 1000000000000 + 999999 FROM cqstream.query WHERE name = '$1'"
}

# cqr_forge QUERY FORGED: mallory sends on QUERY's channel a forged result
# with id FORGED, the same as an array, a hint for it, garbage, and a
# forged announcement that QUERY was dropped.
cqr_forge()
{
	local q=$1 f=$2
	cqr_as mallory "NOTIFY cqstream_$q, '{\"query\":\"$q\",\"id\":$f,\"key\":\"x\",\"value\":1}'; NOTIFY cqstream_$q, '[{\"query\":\"$q\",\"id\":$((f - 1)),\"key\":\"x\",\"value\":2},{\"query\":\"$q\",\"id\":$f,\"ref\":true}]'; NOTIFY cqstream_$q, '{\"query\":\"$q\",\"first_id\":$((f - 5)),\"last_id\":$f}'; NOTIFY cqstream_$q, 'garbage'; NOTIFY cqstream_registry, '$q'" >/dev/null
}

test_forged()
{
	local forged reads0 reads1 t0 took n
	forged=$(cqr_forged_id forge_q)
	if ! cqr_collect forge "$CQR_BASE/queries/forge_q/stream" --timeout=150; then
		cq_fail "eventsource client connects to /queries/forge_q/stream"
		return 0
	fi
	# Real results and forged notifications, interleaved
	for _ in 1 2 3 4 5; do
		cqr_insert src_forge 20
		cqr_forge forge_q "$forged"
	done
	cq_wait_cmd 30 cqr_done forge_q 100 || true
	cq_wait_cmd 30 cqr_has_lines forge 100 || true

	# A flood: 5,000 distinct forged notifications in one transaction,
	# then one real result
	reads0=$(cqr_metric "$CQR_PORT" cqstream_relay_log_reads_total)
	cqr_as mallory "SELECT count(pg_notify('cqstream_forge_q', '{\"query\":\"forge_q\",\"id\":' || ($forged - g) || ',\"value\":0}')) FROM generate_series(1, 5000) g" >/dev/null
	t0=$SECONDS
	cqr_insert src_forge 1
	cq_wait_cmd 30 cqr_has_lines forge 101 || true
	took=$((SECONDS - t0))
	reads1=$(cqr_metric "$CQR_PORT" cqstream_relay_log_reads_total)
	n=$((${reads1%.*} - ${reads0%.*}))
	if cqr_has_lines forge 101 && [ "$took" -le 5 ] && [ "$n" -le 50 ]; then
		cq_pass "5,000 forged notifications: $n log reads (coalesced), the real result after them delivered in ${took}s"
	else
		cq_fail "5,000 forged notifications: coalesced, the real result not delayed" \
			"$n log reads; $(cqr_lines forge) events after ${took}s"
	fi

	# The relay SIGKILLed and started again: the client comes back with
	# Last-Event-ID; more real results and forgeries follow
	cqr_kill9 relay-main
	sleep 0.3
	cqr_relay_start main "$CQR_PORT" --cors-origin="$CQR_ORIGIN" ||
		cq_fail "relay restarts after SIGKILL (forged notifications)"
	for _ in 1 2; do
		cqr_forge forge_q "$forged"
		cqr_insert src_forge 20
	done
	cq_wait_cmd 30 cqr_done forge_q 141 || true
	cq_wait_cmd 30 cqr_has_lines forge 141 || true
	cqr_stop forge
	cp "$CQR_STATE/forge.out.req" "$CQR_LOGS/forge.req"
	cqr_ids forge_q >"$CQR_LOGS/forge.want"
	cut -f 1 "$CQR_STATE/forge.out" >"$CQR_LOGS/forge.got"
	cqr_same "forged notifications: the client's ids are exactly the log's (141, in order, across a relay SIGKILL)" \
		"$CQR_LOGS/forge.got" "$CQR_LOGS/forge.want"
	if ! grep -q "$forged" "$CQR_STATE/forge.out" && ! grep -q '"key":"x"' "$CQR_STATE/forge.out" &&
		! grep -q "lastEventId\":\"$forged" "$CQR_LOGS/forge.req"; then
		cq_pass "forged notifications: no forged id or data reached the client, its Last-Event-ID never jumped"
	else
		cq_fail "forged notifications: nothing forged reached the client" \
			"$(grep -m 3 -e "$forged" -e '"key":"x"' "$CQR_STATE/forge.out" "$CQR_LOGS/forge.req" | tr '\n' ' ')"
	fi
	if [ "$(grep -c '"status":200' "$CQR_LOGS/forge.req")" -ge 2 ] &&
		cqr_reconnect_ids_ok "$CQR_LOGS/forge.req" "$CQR_LOGS/forge.got" &&
		! grep -q '"closed":true' "$CQR_LOGS/forge.req"; then
		cq_pass "forged notifications: the client reconnected with the Last-Event-ID of a real result, the forged drop ended nothing"
	else
		cq_fail "forged notifications: reconnected with a real Last-Event-ID" "$(head -c 400 "$CQR_LOGS/forge.req")"
	fi
}

test_notify_modes()
{
	local q mode
	for q in mode_hint:hint mode_payload:payload mode_id:id; do
		mode=$(cqr_sql "SELECT spec->'options'->>'notify' FROM cqstream.queries WHERE name = '${q%%:*}'")
		if [ "$mode" = "${q#*:}" ]; then
			cq_pass "query ${q%%:*} notifies in mode ${q#*:}"
		else
			cq_fail "query ${q%%:*} notifies in mode ${q#*:}" "mode [$mode]"
		fi
	done
	if ! cqr_collect modes "$CQR_BASE/stream?query=mode_hint&query=mode_payload&query=mode_id" --timeout=90; then
		cq_fail "eventsource client connects to /stream?query=mode_hint&query=mode_payload&query=mode_id"
		return 0
	fi
	cqr_inserter ins-mh src_mh 6 50
	cqr_inserter ins-mp src_mp 6 50
	cqr_inserter ins-mi src_mi 6 50
	# A result too large for a notification: sent by reference in payload
	# mode
	cqr_sql "INSERT INTO src_mp (k, v) VALUES (repeat('k', 9000), 1)" >/dev/null
	cqr_join ins-mh || true
	cqr_join ins-mp || true
	cqr_join ins-mi || true
	cq_wait_cmd 30 cqr_done mode_hint 300 || true
	cq_wait_cmd 30 cqr_done mode_payload 301 || true
	cq_wait_cmd 30 cqr_done mode_id 300 || true
	cq_wait_cmd 30 cqr_has_lines modes 901 || true
	cqr_stop modes
	for q in mode_hint mode_payload mode_id; do
		cqr_ids "$q" >"$CQR_LOGS/$q.want"
		awk -F '\t' -v q="$q" '$3 == q { print $4 }' "$CQR_STATE/modes.out" >"$CQR_LOGS/$q.got"
		cqr_same "notify mode ${q#mode_}: every result exactly once, in order ($(wc -l <"$CQR_LOGS/$q.want"))" \
			"$CQR_LOGS/$q.got" "$CQR_LOGS/$q.want"
	done
}

# cqr_reader_conninfo: the test database as role relay_reader.
cqr_reader_conninfo()
{
	echo "host=$CQ_TMP/pg-relay port=$(cat "$CQ_TMP/pg-relay/port") user=relay_reader dbname=$CQR_DB"
}

# cqr_status_json URL: "<status> <content type>" of a GET, body in
# $CQR_LOGS/status.body.
cqr_status_json()
{
	curl -s --max-time 5 -o "$CQR_LOGS/status.body" -w '%{http_code} %{content_type}' "$1"
}

test_read_grant()
{
	local port base r req
	cqr_sql "CREATE ROLE relay_reader LOGIN" >/dev/null
	cqr_sql "SELECT cqstream.grant_results('grant_q', 'relay_reader')" >/dev/null
	if [ "$(cqr_sql "SELECT pg_has_role('relay_reader', 'postgres', 'MEMBER') OR pg_has_role('relay_reader', (SELECT owner::text FROM cqstream.queries WHERE name = 'grant_q'), 'MEMBER')")" = f ]; then
		cq_pass "relay_reader: a read grant on grant_q, not a member of the owner's role"
	else
		cq_fail "relay_reader is not a member of the owner's role"
	fi
	port=$(cq_free_port $((CQR_OTHER_PORT + 7)))
	base=http://127.0.0.1:$port
	if ! cqr_relay_start reader "$port" --db="$(cqr_reader_conninfo)"; then
		cq_fail "relay logged in as relay_reader starts"
		cq_show_tail "$CQR_LOGS/relay-reader.log" 10
		return 0
	fi
	if ! cqr_collect grant "$base/queries/grant_q/stream" --timeout=60; then
		cq_fail "eventsource client connects to the relay_reader relay"
		return 0
	fi
	cqr_inserter ins-grant src_grant 5 40
	cqr_insert src_nogrant 10
	cqr_join ins-grant || true
	cq_wait_cmd 30 cqr_done grant_q 200 || true
	cq_wait_cmd 30 cqr_has_lines grant 200 || true
	cqr_stop grant
	cqr_ids grant_q >"$CQR_LOGS/grant.want"
	cut -f 1 "$CQR_STATE/grant.out" >"$CQR_LOGS/grant.got"
	cqr_same "relay with only a read grant: every result of grant_q exactly once, in order" \
		"$CQR_LOGS/grant.got" "$CQR_LOGS/grant.want"

	r=$(cqr_status_json "$base/queries/nogrant_q/stream")
	if [ "${r%% *}" = 403 ] && [[ "$r" == *application/json* ]] &&
		grep -q '"status":403' "$CQR_LOGS/status.body"; then
		cq_pass "relay with only a read grant: a query without one gets 403 JSON"
	else
		cq_fail "relay with only a read grant: a query without one gets 403 JSON" "$r $(head -c 200 "$CQR_LOGS/status.body")"
	fi
	r=$(cqr_status_json "$base/stream?query=nogrant_q")
	if [ "${r%% *}" = 403 ]; then
		cq_pass "/stream of only a query without a grant: 403"
	else
		cq_fail "/stream of only a query without a grant: 403" "$r"
	fi
	cqr_curl_events grant-multi "$base/stream?query=grant_q&query=nogrant_q" \
		-H "Last-Event-ID: $(cqr_sql "SELECT id FROM cqstream.query WHERE name = 'grant_q'")-0"
	# (events: id, type, data; the data's "query" says whose)
	if [ "$(grep -c '"query":"grant_q"' "$CQR_LOGS/grant-multi.events")" = 200 ] &&
		[ "$(wc -l <"$CQR_LOGS/grant-multi.events")" = 200 ]; then
		cq_pass "/stream?query=grant_q&query=nogrant_q: grant_q's 200 results, nothing of nogrant_q"
	else
		cq_fail "/stream of a granted and a not granted query: only the granted one" \
			"$(grep -o '"query":"[a-z_]*"' "$CQR_LOGS/grant-multi.events" | sort | uniq -c | tr '\n' ' ')"
	fi

	# The grant revoked while a client streams: its stream ends, and back
	# it gets 403, which stops it
	cqr_collect revoke "$base/queries/grant_q/stream" --timeout=40 ||
		cq_fail "eventsource client connects before the revoke"
	cqr_sql "SELECT cqstream.revoke_results('grant_q', 'relay_reader')" >/dev/null
	cqr_insert src_grant 5
	cq_wait_cmd 30 cqr_gone "$(cqr_pid revoke)" || true
	req=$CQR_STATE/revoke.out.req
	cp "$req" "$CQR_LOGS/revoke.req"
	if grep -q '"closed":true' "$req" &&
		[ "$(grep '"n":' "$req" | tail -n 1 | grep -o '"status":[0-9]*')" = '"status":403' ] &&
		[ ! -s "$CQR_STATE/revoke.out" ]; then
		cq_pass "read grant revoked: the stream ends, the client comes back to a 403 and stops, nothing after the revoke"
	else
		cq_fail "read grant revoked: stream ends, 403, client stops" "$(head -c 400 "$req")"
	fi
	cqr_stop revoke
	cqr_stop relay-reader
}
