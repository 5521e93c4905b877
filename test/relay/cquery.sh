# shellcheck shell=bash
# test/relay/cquery.sh: OGC API - Moving Features collections and
# continuous queries over HTTP (/collections, .../queries), end to end
# with curl, for suite_relay_cquery of test/run.sh.
#
# Design notes
#
# One cluster, "cq", database cq.  The relay (the AddressSanitizer build)
# logs in as "authenticator" (NOINHERIT, granted alice and bob) and takes
# HS256 tokens.  alice owns table sensors (published as collection
# "sensors"), which bob may not read.  Every check compares an HTTP status
# and a piece of the body that the other outcome would not have: a 201
# its Location and queryId, a refusal its JSON message, a stream the
# values that only the key filter gives.  The stream ended by a DELETE
# must end by itself (long before curl's limit) with "event: dropped".
#
# The browser check (test/relay/cquery_browser.mjs) runs Debian's chromium
# through playwright-core: a page of another origin with alice's token.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh,
# test/lib/cluster.sh and test/lib/node.sh.

CQC_DB=cq
CQC_SECRET=relay-cquery-test-secret-0123456789abcdef
CQC_BASE=/collections/sensors/items/s1/tproperties/temp/queries

cqc_sql()
{
	cq_psql cq -d "$CQC_DB" -At -c "$1"
}

cqc_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$CQC_PORT/healthz" | grep -q '"database": *true'
}

cqc_worker_up()
{
	[ "$(cqc_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQC_DB'")" = 1 ]
}

cqc_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# cqc_req METHOD PATH TOKEN [BODY] [CURLARG...]: body in $CQC_STATE/body,
# headers in $CQC_STATE/headers, status in CQC_CODE.  Streams are cut
# once settled (cq_curl_sse).
cqc_req()
{
	local method=$1 path=$2 token=$3 body=${4:-}
	shift 4 || shift $#
	local -a args=(-X "$method")
	[ -z "$token" ] || args+=(-H "Authorization: Bearer $token")
	[ -z "$body" ] || args+=(-H 'Content-Type: application/json' --data-binary "$body")
	CQC_CODE=$(cq_curl_sse "$CQC_STATE/headers" "$CQC_STATE/body" \
		"http://127.0.0.1:$CQC_PORT$path" "${args[@]}" "$@")
}

# cqc_expect NAME CODE PATTERN METHOD PATH TOKEN [BODY]: one check; the
# answer has status CODE and a body matching PATTERN (ERE; EMPTY: none)
cqc_expect()
{
	local name=$1 code=$2 pattern=$3
	shift 3
	cqc_req "$@"
	if [ "$CQC_CODE" = "$code" ] && { if [ "$pattern" = EMPTY ]; then
		[ ! -s "$CQC_STATE/body" ]
	else grep -qE -- "$pattern" "$CQC_STATE/body"; fi; }; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected $code and /$pattern/, got $CQC_CODE:" \
			"$(head -c 500 "$CQC_STATE/body")"
	fi
}

cqc_results()
{
	[ "$(cqc_sql "SELECT count(*) FROM cqstream.results('$1', 0, 1000000)")" = "$2" ]
}

cqc_cleanup()
{
	if [ -n "${CQC_PID:-}" ]; then
		kill -TERM "$CQC_PID" 2>/dev/null || true
		cq_wait_cmd 10 cqc_gone "$CQC_PID" || kill -KILL "$CQC_PID" 2>/dev/null || true
		wait "$CQC_PID" 2>/dev/null || true
	fi
	if [ -f "$CQ_TMP/pg-cq/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-cq/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-cq/log" "$CQC_LOGS/server.log" 2>/dev/null || true
}

cqc_setup()
{
	if ! cq_cluster_start cq "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the cquery tests"
		return 1
	fi
	cq_psql cq -d postgres -c "CREATE DATABASE $CQC_DB" >/dev/null
	cqc_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_wait_cmd 20 cqc_worker_up || {
		cq_fail "cqstream worker running in database $CQC_DB"
		return 1
	}
	cq_psql cq -d "$CQC_DB" >/dev/null <<-'EOF'
		CREATE ROLE authenticator LOGIN NOINHERIT;
		CREATE ROLE alice NOLOGIN;
		CREATE ROLE bob NOLOGIN;
		GRANT alice, bob TO authenticator;
		CREATE TABLE sensors (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			t timestamptz NOT NULL DEFAULT now(), fid text NOT NULL,
			temp float8, n integer, label text, ok boolean);
		ALTER TABLE sensors OWNER TO alice;
		SET ROLE alice;
		SELECT cqstream.create_collection('sensors', 'sensors', 't', 'fid',
			'Sensors', 'Temperature sensors');
	EOF
	CQC_PORT=$(cq_free_port "$((CQ_PORT_BASE + 80))") || return 1
	CQC_PAGE_PORT=$(cq_free_port "$((CQC_PORT + 1))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		CQSTREAM_RELAY_JWT_SECRET="$CQC_SECRET" "$CQC_BIN" \
		--db="host=$CQ_TMP/pg-cq port=$(cat "$CQ_TMP/pg-cq/port") user=authenticator dbname=$CQC_DB" \
		--listen="127.0.0.1:$CQC_PORT" --heartbeat=1 \
		--cors-origin="http://127.0.0.1:$CQC_PAGE_PORT" \
		>>"$CQC_LOGS/relay.log" 2>&1 &
	CQC_PID=$!
	if ! cq_wait_cmd 15 cqc_healthy; then
		cq_fail "relay with an HS256 secret connected as authenticator" \
			"$(tail -n 5 "$CQC_LOGS/relay.log")"
		return 1
	fi
	# shellcheck disable=SC2016 # "$now+600" is mint.mjs's, not the shell's
	CQC_ALICE=$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 "$CQC_SECRET" '{"role":"alice","exp":"$now+600"}')
	# shellcheck disable=SC2016
	CQC_BOB=$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 "$CQC_SECRET" '{"role":"bob","exp":"$now+600"}')
	cq_pass "relay with an HS256 secret connected as authenticator"
}

cqc_tests_collections()
{
	cqc_expect "GET /collections as alice lists sensors with its TReal property temp" \
		200 '"id":"sensors".*"temporalProperties":\[\{"name":"temp","type":"TReal"' \
		GET /collections "$CQC_ALICE"
	if grep -q '"name":"n","type":"TInt"' "$CQC_STATE/body" &&
		grep -q '"name":"label","type":"TText"' "$CQC_STATE/body" &&
		grep -q '"name":"ok","type":"TBool"' "$CQC_STATE/body" &&
		! grep -q '"name":"id"' "$CQC_STATE/body"; then
		cq_pass "collection properties: TInt, TText, TBool; not the id column"
	else
		cq_fail "collection properties" "$(head -c 500 "$CQC_STATE/body")"
	fi
	cqc_expect "GET /collections as bob (no SELECT on the table): none listed" \
		200 '^\{"collections":\[\],' GET /collections "$CQC_BOB"
	cqc_expect "GET /collections/sensors as alice" \
		200 '"title":"Sensors".*"itemType":"movingfeature"' GET /collections/sensors "$CQC_ALICE"
	cqc_expect "GET /collections/sensors as bob: 403" \
		403 '"status":403.*permission denied' GET /collections/sensors "$CQC_BOB"
	cqc_expect "GET /collections/nope: 404" \
		404 'no such collection' GET /collections/nope "$CQC_ALICE"
	cqc_expect "GET /collections/Bad%22id: 404" \
		404 'no such collection' GET '/collections/Bad%22id' "$CQC_ALICE"
	cqc_expect "GET /collections without a token: 401" \
		401 '"status":401' GET /collections ""
	cqc_expect "DELETE /collections: 405" \
		405 'allowed methods: GET' DELETE /collections "$CQC_ALICE"
}

cqc_tests_create()
{
	local q=$CQC_BASE
	cqc_expect "POST a transform as alice: 201 with the cquery link object" \
		201 '"rel":"cquery","queryId":"a_temp","href":"/collections/sensors/items/s1/tproperties/temp/queries/a_temp/stream","channel":"cqstream_a_temp","status":"registered","type":"text/event-stream"' \
		POST "$q" "$CQC_ALICE" '{"operation":"mul","arg":1.8,"name":"a_temp"}'
	if grep -qi "^Location: $q/a_temp" "$CQC_STATE/headers" &&
		grep -q '"operation":"mul","arg":1.8' "$CQC_STATE/body" &&
		grep -q '"rel":"self","href":"'"$q"'/a_temp"' "$CQC_STATE/body"; then
		cq_pass "201 has Location, the operation and self/stream links"
	else
		cq_fail "201 has Location, the operation and links" "$(cat "$CQC_STATE/headers")" "$(head -c 500 "$CQC_STATE/body")"
	fi
	cqc_expect "POST a COUNT-window aggregation as alice: 201" \
		201 '"queryId":"a_cnt".*"aggregation":"COUNT","window":\{"type":"COUNT","size":2\}' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"COUNT","window":{"type":"COUNT","size":2},"name":"a_cnt"}'
	cqc_expect "POST without a name: a generated one" \
		201 '"queryId":"q_[0-9a-f]{12}"' POST "$q" "$CQC_ALICE" '{"operation":"abs"}'
	if [ "$(cqc_sql "SELECT spec->>'keyValue' || ' ' || (spec->>'keyColumn') || ' ' || (spec->>'valueColumn') FROM cqstream.queries WHERE name = 'a_temp'")" = "s1 fid temp" ]; then
		cq_pass "a_temp's spec: keyValue s1, keyColumn fid, valueColumn temp"
	else
		cq_fail "a_temp's spec" "$(cqc_sql "SELECT spec FROM cqstream.queries WHERE name = 'a_temp'")"
	fi

	# Errors, as the reference has them
	cqc_expect "400: unknown operation, listing the supported ones" \
		400 'unknown operation \\"pow\\"; supported operations: ln, log10, exp' \
		POST "$q" "$CQC_ALICE" '{"operation":"pow","arg":2}'
	cqc_expect "400: unknown aggregation, listing the supported ones" \
		400 'unknown aggregation \\"MEDIAN\\"; supported aggregations: COUNT, SUM' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"MEDIAN","window":{"type":"COUNT","size":2}}'
	cqc_expect "400: SUM not defined for a TText property, listing COUNT, COUNT_DISTINCT" \
		400 'not defined for TText properties; supported aggregations: COUNT, COUNT_DISTINCT' \
		POST /collections/sensors/items/s1/tproperties/label/queries "$CQC_ALICE" '{"aggregation":"SUM","window":{"type":"COUNT","size":2}}'
	cqc_expect "400: ANY not defined for a TReal property" \
		400 'not defined for TReal properties' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"ANY","window":{"type":"COUNT","size":2}}'
	cqc_expect "400: window type SLIDING" \
		400 'unknown window type \\"SLIDING\\"; supported window types: COUNT, TUMBLING, HOPPING' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"AVG","window":{"type":"SLIDING","size":2}}'
	cqc_expect "400: window size 0" \
		400 'size\\" must be a positive number' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"AVG","window":{"type":"TUMBLING","size":0,"unit":"SECONDS"}}'
	cqc_expect "400: HOPPING without hop" \
		400 'HOPPING window needs \\"hop\\"' \
		POST "$q" "$CQC_ALICE" '{"aggregation":"AVG","window":{"type":"HOPPING","size":10,"unit":"SECONDS"}}'
	cqc_expect "400: an aggregation without a window" \
		400 'needs a \\"window\\" object' POST "$q" "$CQC_ALICE" '{"aggregation":"AVG"}'
	cqc_expect "400: mul without its arg" \
		400 'operation \\"mul\\" needs a numeric \\"arg\\"' POST "$q" "$CQC_ALICE" '{"operation":"mul"}'
	cqc_expect "400: neither operation nor aggregation" \
		400 'needs \\"operation\\" \(one of: ln' POST "$q" "$CQC_ALICE" '{"name":"x"}'
	cqc_expect "400: both operation and aggregation" \
		400 'either' POST "$q" "$CQC_ALICE" '{"operation":"abs","aggregation":"COUNT"}'
	cqc_expect "400: an unknown member (a misspelt lateness), naming it and listing the members" \
		400 'unknown member \\"latenes\\"; a query.s body takes: name, operation, arg, aggregation, window, lateness, emit, options' \
		POST "$q" "$CQC_ALICE" '{"name":"a_typo","aggregation":"AVG","window":{"type":"TUMBLING","size":5,"unit":"SECONDS"},"latenes":{"size":1,"unit":"SECONDS"}}'
	if [ "$(cqc_sql "SELECT count(*) FROM cqstream.queries WHERE name = 'a_typo'")" = 0 ]; then
		cq_pass "the body with an unknown member created no query"
	else
		cq_fail "the body with an unknown member created no query" "a_typo exists"
	fi
	cqc_expect "400: a body that is not JSON" \
		400 'not a JSON object' POST "$q" "$CQC_ALICE" '{"operation":'
	cqc_expect "400: a bad name" \
		400 '\\"name\\" must be' POST "$q" "$CQC_ALICE" '{"operation":"abs","name":"Bad Name"}'
	cqc_expect "400: what the database refuses (a bad unit) with its message" \
		400 'unit' POST "$q" "$CQC_ALICE" '{"aggregation":"AVG","window":{"type":"TUMBLING","size":5,"unit":"FORTNIGHTS"}}'
	cqc_expect "422: a transform of a TInt property" \
		422 'needs a TReal property; this one is TInt' \
		POST /collections/sensors/items/s1/tproperties/n/queries "$CQC_ALICE" '{"operation":"abs"}'
	cqc_expect "404: unknown collection" \
		404 'no such collection' POST /collections/nope/items/s1/tproperties/temp/queries "$CQC_ALICE" '{"operation":"abs"}'
	cqc_expect "404: unknown property" \
		404 'no such temporal property' POST /collections/sensors/items/s1/tproperties/nope/queries "$CQC_ALICE" '{"operation":"abs"}'
	cqc_expect "404: the time column is no property" \
		404 'no such temporal property' POST /collections/sensors/items/s1/tproperties/t/queries "$CQC_ALICE" '{"operation":"abs"}'
	cqc_expect "409: a name taken" \
		409 'already exists' POST "$q" "$CQC_ALICE" '{"operation":"abs","name":"a_temp"}'
	cqc_expect "403: bob may not create over alice's table" \
		403 '"status":403' POST "$q" "$CQC_BOB" '{"operation":"abs","name":"b_temp"}'
	cqc_expect "401: no token" \
		401 '"status":401' POST "$q" "" '{"operation":"abs"}'
	cqc_expect "405: PUT on the queries" \
		405 'allowed methods: GET, POST' PUT "$q" "$CQC_ALICE"
	if [ "$(cqc_sql "SELECT count(*) FROM cqstream.queries")" = 3 ]; then
		cq_pass "no refused POST registered anything"
	else
		cq_fail "no refused POST registered anything" "$(cqc_sql "SELECT string_agg(name, ' ') FROM cqstream.queries")"
	fi
}

cqc_tests_read()
{
	local q=$CQC_BASE start n expect pid
	cqc_sql "INSERT INTO sensors (fid, temp, n) SELECT (ARRAY['s1','s2','s10'])[g % 3 + 1], g, g FROM generate_series(1, 30) g" >/dev/null
	cq_wait_cmd 30 cqc_results a_temp 10 || cq_fail "a_temp has its 10 results (s1 rows only)"
	start=$(cqc_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'a_temp'")
	expect=$(cqc_sql "SELECT string_agg(round((temp * 1.8)::numeric, 6)::text, ' ' ORDER BY id) FROM sensors WHERE fid = 's1'")

	cqc_expect "GET the queries of s1/temp as alice: 3, numberReturned" \
		200 '"numberReturned":3' GET "$q" "$CQC_ALICE"
	cqc_expect "GET the queries of s2/temp: none" \
		200 '"queries":\[\],"numberReturned":0' GET /collections/sensors/items/s2/tproperties/temp/queries "$CQC_ALICE"
	cqc_expect "GET the queries as bob: none he may read" \
		200 '"numberReturned":0' GET "$q" "$CQC_BOB"
	cqc_expect "GET one query as alice" \
		200 '"queryId":"a_temp".*"operation":"mul 1.8"' GET "$q/a_temp" "$CQC_ALICE"
	cqc_expect "GET one query as bob: 403" 403 'permission denied' GET "$q/a_temp" "$CQC_BOB"
	cqc_expect "GET an unknown query: 404" 404 'no such query' GET "$q/nope" "$CQC_ALICE"
	cqc_expect "GET a query under another feature: 404" \
		404 'no such query' GET /collections/sensors/items/s2/tproperties/temp/queries/a_temp "$CQC_ALICE"
	cqc_expect "GET under an unknown property: 404" \
		404 'no such temporal property' GET /collections/sensors/items/s1/tproperties/nope/queries "$CQC_ALICE"

	cqc_expect "alice streams a_temp: replayed events" \
		200 '^event: instant$' GET "$q/a_temp/stream?last_event_id=$start" "$CQC_ALICE"
	n=$(grep -o '"value":[-0-9.e]*' "$CQC_STATE/body" | sed 's/"value"://' |
		awk '{ printf "%s%s", (NR > 1 ? " " : ""), $1 }')
	if [ "$(grep -c '^event: instant' "$CQC_STATE/body")" = 10 ] &&
		! grep -q '"key":"s[^1]' "$CQC_STATE/body" && ! grep -q '"key":"s10"' "$CQC_STATE/body"; then
		cq_pass "the stream: the 10 results of feature s1 only (not s2, not s10)"
	else
		cq_fail "the stream: the 10 results of feature s1 only" "$(head -c 600 "$CQC_STATE/body")"
	fi
	if [ "$(awk -v a="$n" -v b="$expect" 'BEGIN { na = split(a, x, " "); nb = split(b, y, " "); if (na != nb) { print "no"; exit } for (i = 1; i <= na; i++) if ((x[i] - y[i]) > 1e-6 || (y[i] - x[i]) > 1e-6) { print "no"; exit } print "yes" }')" = yes ]; then
		cq_pass "the stream's values are temp * 1.8 of s1's rows"
	else
		cq_fail "the stream's values are temp * 1.8 of s1's rows" "got: $n" "want: $expect"
	fi
	cqc_expect "bob may not stream a_temp: 403" \
		403 '"status":403' GET "$q/a_temp/stream?last_event_id=$start" "$CQC_BOB"
	cqc_expect "bob may not DELETE a_temp: 403" 403 '"status":403' DELETE "$q/a_temp" "$CQC_BOB"
	cqc_expect "/queries as bob: only what he may read (nothing yet)" \
		200 '^\{"queries":\[\]\}$' GET /queries "$CQC_BOB"
	cqc_sql "SET ROLE alice; SELECT cqstream.grant_results('a_temp', 'bob')" >/dev/null
	cqc_expect "once granted read, bob streams a_temp" \
		200 '^event: instant$' GET "$q/a_temp/stream?last_event_id=$start" "$CQC_BOB"
	if [ "$(grep -c '^event: instant' "$CQC_STATE/body")" = 10 ]; then
		cq_pass "bob's granted stream: the 10 results"
	else
		cq_fail "bob's granted stream: the 10 results" "$(head -c 400 "$CQC_STATE/body")"
	fi
	cqc_expect "bob lists the one query he may read" \
		200 '"queryId":"a_temp".*"numberReturned":1' GET "$q" "$CQC_BOB"
	cqc_req GET /queries "$CQC_BOB"
	if [ "$CQC_CODE" = 200 ] && grep -q '"name":"a_temp"' "$CQC_STATE/body" &&
		! grep -q '"name":"a_cnt"' "$CQC_STATE/body" &&
		! grep -q '"name":"q_' "$CQC_STATE/body"; then
		cq_pass "/queries as bob: a_temp only"
	else
		cq_fail "/queries as bob: a_temp only" "$CQC_CODE $(head -c 400 "$CQC_STATE/body")"
	fi
	cqc_expect "the grant gives bob no DELETE: 403" 403 '"status":403' DELETE "$q/a_temp" "$CQC_BOB"

	# DELETE ends the open stream with an event saying so
	curl -sN --max-time 20 -H "Authorization: Bearer $CQC_BOB" \
		"http://127.0.0.1:$CQC_PORT$q/a_temp/stream?last_event_id=$start" \
		>"$CQC_STATE/open-stream" 2>/dev/null &
	pid=$!
	cq_wait_cmd 10 grep -q '^event: instant' "$CQC_STATE/open-stream" || true
	cqc_expect "DELETE as alice: 204" 204 EMPTY DELETE "$q/a_temp" "$CQC_ALICE"
	if cq_wait_cmd 10 cqc_gone "$pid" &&
		grep -q '^event: dropped$' "$CQC_STATE/open-stream" &&
		grep -q '^data: {"query":"a_temp","status":"dropped"}$' "$CQC_STATE/open-stream"; then
		cq_pass "the open stream ended with event: dropped"
	else
		cq_fail "the open stream ended with event: dropped" "$(tail -c 300 "$CQC_STATE/open-stream")"
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	cqc_expect "GET the dropped query: 404" 404 'no such query' GET "$q/a_temp" "$CQC_ALICE"
	cqc_expect "DELETE it again: 404" 404 'no such query' DELETE "$q/a_temp" "$CQC_ALICE"
	cqc_expect "its stream: 404" 404 'no such query' GET "$q/a_temp/stream" "$CQC_ALICE"
	cqc_expect "a feature id with a space (s%201) is decoded" \
		201 '"queryId":"a_space".*items/s%201/tproperties/temp/queries/a_space/stream' \
		POST /collections/sensors/items/s%201/tproperties/temp/queries "$CQC_ALICE" '{"operation":"abs","name":"a_space"}'
	if [ "$(cqc_sql "SELECT spec->>'keyValue' FROM cqstream.queries WHERE name = 'a_space'")" = "s 1" ]; then
		cq_pass "its keyValue is \"s 1\""
	else
		cq_fail "its keyValue is \"s 1\""
	fi
	cqc_expect "CORS preflight allows POST and DELETE" 204 EMPTY OPTIONS "$q" ""
	if grep -qi '^Access-Control-Allow-Methods: GET, POST, DELETE, OPTIONS' "$CQC_STATE/headers"; then
		cq_pass "preflight: Access-Control-Allow-Methods names POST and DELETE"
	else
		cq_fail "preflight: Access-Control-Allow-Methods" "$(cat "$CQC_STATE/headers")"
	fi
}

# The browser: a page with alice's token POSTs a query, reads its events
# with fetch streaming and DELETEs it (test/relay/cquery_browser.mjs)
cqc_tests_browser()
{
	local psql why rc=0
	if ! why=$(cq_node_setup); then
		cq_fail "node packages for the browser check" "$why"
		return 0
	fi
	psql="'$PG_BINDIR/psql' -X -q -At -h '$CQ_TMP/pg-cq' -p $(cat "$CQ_TMP/pg-cq/port") -U postgres -d $CQC_DB"
	CQ_INSERT_CMD="$psql -c \"INSERT INTO sensors (fid, temp) SELECT f, g FROM generate_series(1, 20) g, (VALUES ('s1'), ('s2')) v(f) ORDER BY g, f\"" \
		node "$CQ_ROOT/test/relay/cquery_browser.mjs" "http://127.0.0.1:$CQC_PORT" \
		"$CQC_PAGE_PORT" "$CQC_ALICE" 20 >"$CQC_LOGS/browser.out" 2>"$CQC_LOGS/browser.err" || rc=$?
	cq_report_checks "$CQC_LOGS/browser.out" "$rc" "cquery_browser.mjs" "$CQC_LOGS/browser.err"
}

cq_relay_cquery_tests()
{
	CQC_STATE=$CQ_TMP/relay-cquery
	CQC_LOGS=$CQ_ARTIFACTS/relay-cquery
	mkdir -p "$CQC_STATE" "$CQC_LOGS"
	trap cqc_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	if ! command -v node >/dev/null; then
		cq_fail "node present (test/relay/mint.mjs makes the tokens)"
		return 0
	fi
	CQC_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQC_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQC_LOGS/relay-asan-build.log" 10
		return 0
	fi
	cqc_setup || return 0
	cqc_tests_collections
	cqc_tests_create
	cqc_tests_read
	cqc_tests_browser
	cqc_cleanup
	CQC_PID=
	if ! grep -q 'Sanitizer' "$CQC_LOGS/relay.log"; then
		cq_pass "the relay (ASan): no sanitizer or leak report"
	else
		cq_fail "the relay (ASan): no sanitizer or leak report" \
			"$(grep -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQC_LOGS/relay.log" | head -20)"
	fi
}
