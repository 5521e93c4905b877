# shellcheck shell=bash
# test/relay/points.sh: a feature's position over HTTP, end to end with
# curl, for suite_relay_points of test/run.sh: queries of the moving
# point (POST/GET .../items/{fid}/tgsequence/queries, GET/DELETE
# .../queries/{qid}, .../stream; relay/cquery.c) and the MovingPoint
# append (POST .../items/{fid}/tgsequence; relay/ingest.c, mpoint.c).
#
# Design notes
#
# One cluster, "pts", database cq.  alice owns table fleet_src (key v
# text, lon float8, lat numeric, a property speed_kmh, a unique key on
# feature and time) published as collection "fleet" with its position,
# and plain_src published as "plain" without one.  bob has no grant at
# all; carol may read fleet_src but not insert into it.  The relay (the
# AddressSanitizer build, max-ingest-bytes 4096) logs in as
# authenticator (NOINHERIT, granted the three) and takes HS256 tokens.
#
# The speed check: a speed query on v1 is created over HTTP, a
# MovingPoint of N positions of v1 (a jittered track) and one of v2 are
# appended over HTTP, and the stream must give exactly N-1 values, each
# equal (1e-9 relative) to the haversine speed computed in plain SQL from
# the rows the table holds (so a wrong insert, a lost row or v2's rows in
# v1's stream all fail).  Every refusal is checked for its status, a
# piece of its message the other outcomes would not have, and, for the
# appends, for inserting nothing (the table's row count before and
# after).  After the malformed bodies the relay must still answer, and
# its log must hold no sanitizer report.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh,
# test/lib/cluster.sh and node (test/relay/mint.mjs).

CQP_DB=cq
CQP_SECRET=relay-points-test-secret-0123456789abcdef
CQP_TG=/collections/fleet/items/v1/tgsequence
CQP_N=12

cqp_sql()
{
	cq_psql pts -d "$CQP_DB" -At -c "$1"
}

cqp_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$CQP_PORT/healthz" | grep -q '"database": *true'
}

cqp_worker_up()
{
	[ "$(cqp_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQP_DB'")" = 1 ]
}

cqp_gone()
{
	! kill -0 "$1" 2>/dev/null
}

cqp_rows()
{
	cqp_sql "SELECT count(*) FROM fleet_src"
}

# cqp_req METHOD PATH TOKEN [BODY] [CURLARG...]: body in $CQP_STATE/body,
# headers in $CQP_STATE/headers, status in CQP_CODE.  The request body is
# sent as JSON (Content-Type: ${CQP_CTYPE:-application/json}); streams
# are cut once settled (cq_curl_sse).
cqp_req()
{
	local method=$1 path=$2 token=$3 body=${4-}
	shift 4 || shift $#
	local -a args=(-X "$method")
	[ -z "$token" ] || args+=(-H "Authorization: Bearer $token")
	[ "$method" != POST ] ||
		args+=(-H "Content-Type: ${CQP_CTYPE:-application/json}" --data-binary "$body")
	CQP_CODE=$(cq_curl_sse "$CQP_STATE/headers" "$CQP_STATE/body" \
		"http://127.0.0.1:$CQP_PORT$path" "${args[@]}" "$@")
}

# cqp_expect NAME CODE PATTERN METHOD PATH TOKEN [BODY]: one check; the
# answer has status CODE and a body matching PATTERN (ERE; EMPTY: none)
cqp_expect()
{
	local name=$1 code=$2 pattern=$3
	shift 3
	cqp_req "$@"
	if [ "$CQP_CODE" = "$code" ] && { if [ "$pattern" = EMPTY ]; then
		[ ! -s "$CQP_STATE/body" ]
	else grep -qE -- "$pattern" "$CQP_STATE/body"; fi; }; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected $code and /$pattern/, got $CQP_CODE:" \
			"$(head -c 500 "$CQP_STATE/body")"
	fi
}

# cqp_refused NAME CODE PATTERN PATH TOKEN BODY: a POST that must be
# refused with nothing inserted
cqp_refused()
{
	local name=$1 code=$2 pattern=$3 path=$4 token=$5 body=$6 before after
	before=$(cqp_rows)
	cqp_req POST "$path" "$token" "$body"
	after=$(cqp_rows)
	if [ "$CQP_CODE" = "$code" ] && grep -qE -- "$pattern" "$CQP_STATE/body" &&
		[ "$before" = "$after" ]; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected $code and /$pattern/, rows unchanged; got $CQP_CODE," \
			"rows $before -> $after: $(head -c 400 "$CQP_STATE/body")"
	fi
}

cqp_results()
{
	[ "$(cqp_sql "SELECT count(*) FROM cqstream.results('$1', 0, 1000000)")" = "$2" ]
}

cqp_cleanup()
{
	if [ -n "${CQP_PID:-}" ]; then
		kill -TERM "$CQP_PID" 2>/dev/null || true
		cq_wait_cmd 10 cqp_gone "$CQP_PID" || kill -KILL "$CQP_PID" 2>/dev/null || true
		wait "$CQP_PID" 2>/dev/null || true
	fi
	if [ -f "$CQ_TMP/pg-pts/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-pts/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-pts/log" "$CQP_LOGS/server.log" 2>/dev/null || true
}

cqp_setup()
{
	if ! cq_cluster_start pts "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the points tests"
		return 1
	fi
	cq_psql pts -d postgres -c "CREATE DATABASE $CQP_DB" >/dev/null
	cqp_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_wait_cmd 20 cqp_worker_up || {
		cq_fail "cqstream worker running in database $CQP_DB"
		return 1
	}
	cq_psql pts -d "$CQP_DB" >/dev/null <<-'EOF'
		CREATE ROLE authenticator LOGIN NOINHERIT;
		CREATE ROLE alice NOLOGIN;
		CREATE ROLE bob NOLOGIN;
		CREATE ROLE carol NOLOGIN;
		GRANT alice, bob, carol TO authenticator;
		CREATE TABLE fleet_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			t timestamptz NOT NULL, v text NOT NULL, lon float8, lat numeric,
			speed_kmh real, UNIQUE (v, t));
		CREATE TABLE plain_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			t timestamptz NOT NULL, k text NOT NULL, temp float8);
		ALTER TABLE fleet_src OWNER TO alice;
		ALTER TABLE plain_src OWNER TO alice;
		SET ROLE alice;
		GRANT SELECT ON fleet_src TO carol;
		SELECT cqstream.create_collection('fleet', 'fleet_src', 't', 'v',
			'Fleet', 'Vehicles', 'lon', 'lat');
		SELECT cqstream.create_collection('plain', 'plain_src', 't', 'k');
		RESET ROLE;
		CREATE FUNCTION hav(lon1 float8, lat1 float8, lon2 float8, lat2 float8)
		RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
			SELECT 2 * 6371008.8 * asin(least(1, sqrt(
				sin(radians(lat2 - lat1) / 2) ^ 2
				+ cos(radians(lat1)) * cos(radians(lat2))
				  * sin(radians(lon2 - lon1) / 2) ^ 2)))
		$$;
	EOF
	CQP_PORT=$(cq_free_port "$((CQ_PORT_BASE + 90))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
		CQSTREAM_RELAY_JWT_SECRET="$CQP_SECRET" "$CQP_BIN" \
		--db="host=$CQ_TMP/pg-pts port=$(cat "$CQ_TMP/pg-pts/port") user=authenticator dbname=$CQP_DB" \
		--listen="127.0.0.1:$CQP_PORT" --heartbeat=1 --max-ingest-bytes=4096 \
		>>"$CQP_LOGS/relay.log" 2>&1 &
	CQP_PID=$!
	if ! cq_wait_cmd 15 cqp_healthy; then
		cq_fail "relay with an HS256 secret connected as authenticator" \
			"$(tail -n 5 "$CQP_LOGS/relay.log")"
		return 1
	fi
	local r
	for r in alice bob carol; do
		# shellcheck disable=SC2016 # "$now+600" is mint.mjs's, not the shell's
		printf -v "CQP_$r" '%s' "$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 "$CQP_SECRET" '{"role":"'"$r"'","exp":"$now+600"}')"
	done
	cq_pass "relay with an HS256 secret connected as authenticator"
}

# cqp_track N LON LAT SEED: a MovingPoint of N positions from (LON, LAT),
# steps of about 100 m and 10 s, both jittered
cqp_track()
{
	awk -v n="$1" -v lon="$2" -v lat="$3" -v seed="$4" 'BEGIN {
		srand(seed); t = 0
		printf "{\"type\":\"MovingPoint\",\"interpolation\":\"Linear\",\"coordinates\":["
		for (i = 0; i < n; i++) {
			printf "%s[%.7f,%.7f]", (i ? "," : ""), lon, lat
			lon += 0.001 * (rand() + 0.2); lat += 0.0008 * (rand() - 0.4)
		}
		printf "],\"datetimes\":["
		for (i = 0; i < n; i++) {
			printf "%s\"2026-12-07T10:%02d:%02d.%03dZ\"", (i ? "," : ""),
				int(t / 60), t % 60, int(rand() * 1000)
			t += 8 + int(rand() * 5)
		}
		printf "]}"
	}'
}

cqp_tests_collection()
{
	cqp_expect "GET /collections/fleet: temporalGeometry MovingPoint over lon, lat" \
		200 '"temporalGeometry":\{"type":"MovingPoint","lonColumn":"lon","latColumn":"lat"' \
		GET /collections/fleet "$CQP_alice"
	if grep -q '"name":"speed_kmh"' "$CQP_STATE/body" &&
		! grep -q '"name":"lon"' "$CQP_STATE/body" && ! grep -q '"name":"lat"' "$CQP_STATE/body"; then
		cq_pass "the position columns are no temporal properties; speed_kmh is"
	else
		cq_fail "the position columns are no temporal properties" "$(head -c 500 "$CQP_STATE/body")"
	fi
	cqp_expect "GET /collections/plain: no temporalGeometry" \
		200 '"id":"plain"' GET /collections/plain "$CQP_alice"
	if grep -q temporalGeometry "$CQP_STATE/body"; then
		cq_fail "plain has no temporalGeometry" "$(head -c 300 "$CQP_STATE/body")"
	else
		cq_pass "plain has no temporalGeometry"
	fi
}

cqp_tests_create()
{
	local q=$CQP_TG/queries
	cqp_expect "POST a speed query on v1 as alice: 201 with the cquery link object" \
		201 '"rel":"cquery","queryId":"a_speed","href":"/collections/fleet/items/v1/tgsequence/queries/a_speed/stream","channel":"cqstream_a_speed","status":"registered"' \
		POST "$q" "$CQP_alice" '{"operation":"speed","name":"a_speed"}'
	if grep -qi "^Location: $q/a_speed" "$CQP_STATE/headers" &&
		grep -q '"operation":"speed"' "$CQP_STATE/body"; then
		cq_pass "201 has Location and the operation"
	else
		cq_fail "201 has Location and the operation" "$(cat "$CQP_STATE/headers")" "$(head -c 400 "$CQP_STATE/body")"
	fi
	if [ "$(cqp_sql "SELECT concat_ws(' ', spec->>'kind', spec->>'operation', spec->>'keyColumn', spec->>'keyValue', spec->>'lonColumn', spec->>'latColumn') FROM cqstream.queries WHERE name = 'a_speed'")" = "position speed v v1 lon lat" ]; then
		cq_pass "a_speed is the engine's position query: speed of v1 over lon, lat"
	else
		cq_fail "a_speed's spec" "$(cqp_sql "SELECT spec FROM cqstream.queries WHERE name = 'a_speed'")"
	fi
	cqp_expect "POST without an operation: position" \
		201 '"queryId":"a_pos".*"operation":"position"' POST "$q" "$CQP_alice" '{"name":"a_pos"}'
	cqp_expect "POST heading and distance too; a generated name" \
		201 '"queryId":"q_[0-9a-f]{12}".*"operation":"heading"' POST "$q" "$CQP_alice" '{"operation":"heading"}'
	cqp_expect "POST distance on v2" \
		201 '"queryId":"a_dist2"' POST /collections/fleet/items/v2/tgsequence/queries "$CQP_alice" '{"operation":"distance","name":"a_dist2"}'

	cqp_expect "400: unknown operation, listing the supported ones" \
		400 'unknown operation \\"pace\\"; supported operations: position, speed, heading, distance' \
		POST "$q" "$CQP_alice" '{"operation":"pace"}'
	cqp_expect "400: a property's operation (abs) is none of the position's" \
		400 'supported operations: position, speed' POST "$q" "$CQP_alice" '{"operation":"abs"}'
	cqp_expect "400: an aggregation" \
		400 'takes no \\"aggregation\\"' POST "$q" "$CQP_alice" '{"aggregation":"AVG","window":{"type":"COUNT","size":2}}'
	cqp_expect "400: arg" 400 'takes no \\"arg\\"' POST "$q" "$CQP_alice" '{"operation":"speed","arg":2}'
	cqp_expect "400: a body that is not JSON" 400 'not a JSON object' POST "$q" "$CQP_alice" '{"operation":'
	cqp_expect "400: a bad name" 400 '\\"name\\" must be' POST "$q" "$CQP_alice" '{"name":"Bad"}'
	cqp_expect "400: what the database refuses (options) with its message" \
		400 'bogus' POST "$q" "$CQP_alice" '{"operation":"speed","options":{"bogus":1}}'
	cqp_expect "404: unknown collection" \
		404 'no such collection' POST /collections/nope/items/v1/tgsequence/queries "$CQP_alice" '{}'
	cqp_expect "404: a collection without a position" \
		404 'has no position' POST /collections/plain/items/k1/tgsequence/queries "$CQP_alice" '{}'
	cqp_expect "409: the name is taken" 409 'already exists' POST "$q" "$CQP_alice" '{"operation":"speed","name":"a_speed"}'
	cqp_expect "401: no token" 401 '"status":401' POST "$q" "" '{"operation":"speed"}'
	cqp_expect "403: bob (no grant) may not create over alice's table" \
		403 'permission denied' POST "$q" "$CQP_bob" '{"operation":"speed","name":"b_speed"}'
	if [ "$(cqp_sql "SELECT count(*) FROM cqstream.queries WHERE name = 'b_speed' OR spec->>'operation' = 'pace'")" = 0 ]; then
		cq_pass "the refused creates registered nothing"
	else
		cq_fail "the refused creates registered nothing"
	fi
	cqp_expect "PUT .../tgsequence/queries: 405" 405 'allowed methods: GET, POST' PUT "$q" "$CQP_alice"
}

cqp_tests_append()
{
	local body before start vals want n
	body=$(cqp_track "$CQP_N" 4.35 50.85 7)
	cqp_req POST "$CQP_TG" "$CQP_alice" "$body"
	if [ "$CQP_CODE" = 201 ] && grep -q "\"inserted\":$CQP_N" "$CQP_STATE/body" &&
		grep -qi "^Location: $CQP_TG" "$CQP_STATE/headers"; then
		cq_pass "POST a MovingPoint of $CQP_N positions for v1: 201, $CQP_N inserted"
	else
		cq_fail "POST a MovingPoint for v1: 201" "$CQP_CODE $(head -c 400 "$CQP_STATE/body")"
	fi
	# The rows hold exactly the body's positions and times, in order
	want=$(printf '%s' "$body" | node -e '
		const b = JSON.parse(require("fs").readFileSync(0, "utf8"));
		console.log(b.coordinates.map((c, i) =>
			`${c[0].toFixed(7)} ${c[1].toFixed(7)} ${new Date(b.datetimes[i]).toISOString()}`).join("|"))')
	if [ "$(cqp_sql "SELECT string_agg(to_char(lon, 'FM990.0000000') || ' ' || to_char(lat, 'FM990.0000000') || ' ' || to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"'), '|' ORDER BY id) FROM fleet_src WHERE v = 'v1'")" = "$want" ]; then
		cq_pass "the table holds the $CQP_N positions and datetimes of the body, in order"
	else
		cq_fail "the table holds the body's positions" "want $want"
	fi
	cqp_req POST /collections/fleet/items/v2/tgsequence "$CQP_alice" "$(cqp_track 5 4.40 50.80 11)"
	[ "$CQP_CODE" = 201 ] && cq_pass "POST a MovingPoint of 5 positions for v2: 201" ||
		cq_fail "POST for v2: 201" "$CQP_CODE $(head -c 300 "$CQP_STATE/body")"

	# The speed stream: N-1 values, haversine over the rows in plain SQL
	cq_wait_cmd 30 cqp_results a_speed "$((CQP_N - 1))" ||
		cq_fail "a_speed has its $((CQP_N - 1)) results"
	start=$(cqp_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'a_speed'")
	cqp_expect "alice streams a_speed" 200 '^event: ' GET "$CQP_TG/queries/a_speed/stream?last_event_id=$start" "$CQP_alice"
	vals=$(grep -o '"value":[-0-9.e+]*' "$CQP_STATE/body" | sed 's/"value"://' | paste -sd ' ')
	want=$(cqp_sql "SELECT string_agg(s::text, ' ' ORDER BY id) FROM (SELECT id, hav(lag(lon) OVER w, lag(lat::float8) OVER w, lon, lat::float8) / extract(epoch FROM t - lag(t) OVER w)::float8 AS s FROM fleet_src WHERE v = 'v1' WINDOW w AS (ORDER BY id)) x WHERE s IS NOT NULL")
	n=$(awk -v a="$vals" -v b="$want" 'BEGIN { na = split(a, x, " "); nb = split(b, y, " "); if (na != nb) { print "count " na " vs " nb; exit } for (i = 1; i <= na; i++) { d = x[i] - y[i]; if (d < 0) d = -d; if (d > 1e-9 * (y[i] < 0 ? -y[i] : y[i]) + 1e-12) { print "at " i ": " x[i] " vs " y[i]; exit } } print "ok " na }')
	if [ "$n" = "ok $((CQP_N - 1))" ] && ! grep -q '"key":"v2"' "$CQP_STATE/body"; then
		cq_pass "the stream: $((CQP_N - 1)) speeds of v1 only, equal to haversine in SQL"
	else
		cq_fail "the stream: $((CQP_N - 1)) speeds of v1, haversine in SQL" "$n" "got: $vals" "want: $want"
	fi
	cq_wait_cmd 30 cqp_results a_pos "$CQP_N" || cq_fail "a_pos has its $CQP_N results"
	start=$(cqp_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'a_pos'")
	cqp_expect "the position stream carries coordinates" \
		200 '"key":"v1".*"coordinates":\[4\.35,50\.85\]' GET "$CQP_TG/queries/a_pos/stream?last_event_id=$start" "$CQP_alice"
	cq_wait_cmd 30 cqp_results a_dist2 5 || cq_fail "a_dist2 has its 5 results"

	# Refusals: nothing inserted
	before='{"type":"MovingPoint","coordinates":[[1,2]],"datetimes":["2026-12-07T11:00:00Z"]}'
	CQP_CTYPE=text/plain cqp_refused "415: not declared as JSON" 415 'must be JSON' "$CQP_TG" "$CQP_alice" "$before"
	# evhttp answers 413 itself, before the relay sees the body
	n=$(cqp_rows)
	cqp_req POST "$CQP_TG" "$CQP_alice" "$(cqp_track 120 4.35 50.85 3)"
	if [ "$CQP_CODE" = 413 ] && [ "$n" = "$(cqp_rows)" ]; then
		cq_pass "413: a MovingPoint past max-ingest-bytes=4096, nothing inserted"
	else
		cq_fail "413: past max-ingest-bytes" "$CQP_CODE rows $n -> $(cqp_rows)"
	fi
	cqp_refused "404: unknown collection" 404 'no such collection' \
		/collections/nope/items/v1/tgsequence "$CQP_alice" "$before"
	cqp_refused "404: a collection without a position" 404 'has no position' \
		/collections/plain/items/k1/tgsequence "$CQP_alice" "$before"
	cqp_refused "403: bob (no grant) may not append" 403 'permission denied' "$CQP_TG" "$CQP_bob" "$before"
	cqp_refused "403: carol may read but not insert" 403 'permission denied for table fleet_src' \
		"$CQP_TG" "$CQP_carol" "$before"
	cqp_refused "409: a position already there (unique feature and time)" 409 'nothing inserted' \
		"$CQP_TG" "$CQP_alice" "$body"
	cqp_refused "401: no token" 401 '"status":401' "$CQP_TG" "" "$before"
}

# 20+ malformed MovingPoints: 400 naming what (and the index), nothing in
cqp_tests_malformed()
{
	local d1='"datetimes":["2026-12-07T12:00:00Z"]'
	local d2='"datetimes":["2026-12-07T12:00:00Z","2026-12-07T12:00:01Z"]'
	local d3='"datetimes":["2026-12-07T12:00:00Z","2026-12-07T12:00:01Z","2026-12-07T12:00:02Z"]'
	local mp='"type":"MovingPoint"'
	local -a cases=(
		'the body is empty|'
		'not JSON|{'
		'must be a JSON object|[]'
		'not JSON .*expected|"MovingPoint"'
		'type must be \\"MovingPoint\\"|{"type":"Point","coordinates":[[1,2]],'"$d1"'}'
		'type must be \\"MovingPoint\\"|{"coordinates":[[1,2]],'"$d1"'}'
		'unknown member \\"values\\"|{'"$mp"',"coordinates":[[1,2]],"values":[1],'"$d1"'}'
		'unknown member \\"crs\\"|{'"$mp"',"crs":{},"coordinates":[[1,2]],'"$d1"'}'
		'coordinates must be an array|{'"$mp"','"$d1"'}'
		'datetimes must be an array|{'"$mp"',"coordinates":[[1,2]]}'
		'coordinates is empty|{'"$mp"',"coordinates":[],"datetimes":[]}'
		'coordinates has 2 elements and datetimes 1|{'"$mp"',"coordinates":[[1,2],[1,3]],'"$d1"'}'
		'coordinates\[1\]: longitude 181 is outside|{'"$mp"',"coordinates":[[1,2],[181,0]],'"$d2"'}'
		'coordinates\[1\]: longitude -180.5 is outside|{'"$mp"',"coordinates":[[1,2],[-180.5,0]],'"$d2"'}'
		'coordinates\[0\]: latitude 91 is outside|{'"$mp"',"coordinates":[[1,91]],'"$d1"'}'
		'coordinates\[2\]: latitude -90.01 is outside|{'"$mp"',"coordinates":[[1,2],[1,3],[1,-90.01]],'"$d3"'}'
		'coordinates\[0\] is not a position .*exactly two numbers|{'"$mp"',"coordinates":[[1,2,3]],'"$d1"'}'
		'coordinates\[1\] is not a position .*exactly two numbers|{'"$mp"',"coordinates":[[1,2],[1]],'"$d2"'}'
		'coordinates\[0\] is not a position|{'"$mp"',"coordinates":[1,2],'"$d2"'}'
		'coordinates\[0\]\[0\] is not a number|{'"$mp"',"coordinates":[["1",2]],'"$d1"'}'
		'coordinates\[0\]\[1\] is not a number|{'"$mp"',"coordinates":[[1,null]],'"$d1"'}'
		'not JSON|{'"$mp"',"coordinates":[[NaN,1]],'"$d1"'}'
		'not JSON|{'"$mp"',"coordinates":[[1e400,1]],'"$d1"'}'
		'datetimes\[0\] is not an RFC 3339|{'"$mp"',"coordinates":[[1,2]],"datetimes":["yesterday"]}'
		'datetimes\[1\] is not an RFC 3339|{'"$mp"',"coordinates":[[1,2],[1,3]],"datetimes":["2026-12-07T12:00:00Z",5]}'
		'datetimes\[1\] is not after datetimes\[0\]|{'"$mp"',"coordinates":[[1,2],[1,3]],"datetimes":["2026-12-07T12:00:00Z","2026-12-07T12:00:00Z"]}'
		'unsupported interpolation|{'"$mp"',"interpolation":"Spline","coordinates":[[1,2]],'"$d1"'}'
		'unsupported interpolation|{'"$mp"',"interpolation":3,"coordinates":[[1,2]],'"$d1"'}'
		'not JSON|{'"$mp"','"$mp"',"coordinates":[[1,2]],'"$d1"'}'
	)
	local c pattern body i=0
	for c in "${cases[@]}"; do
		pattern=${c%%|*}
		body=${c#*|}
		i=$((i + 1))
		cqp_refused "malformed MovingPoint $i: 400 /$pattern/" 400 "$pattern" "$CQP_TG" "$CQP_alice" "$body"
	done
	if cqp_healthy; then
		cq_pass "the relay still answers after ${#cases[@]} malformed bodies"
	else
		cq_fail "the relay still answers after the malformed bodies"
	fi
}

cqp_tests_read()
{
	local q=$CQP_TG/queries start
	cqp_expect "GET the queries of v1's position as alice: 3" \
		200 '"numberReturned":3' GET "$q" "$CQP_alice"
	cqp_expect "GET the queries of v2's position: a_dist2 only" \
		200 '"queryId":"a_dist2".*"numberReturned":1' GET /collections/fleet/items/v2/tgsequence/queries "$CQP_alice"
	cqp_expect "GET the queries as bob: none he may read" 200 '"numberReturned":0' GET "$q" "$CQP_bob"
	cqp_expect "GET one query as alice" 200 '"queryId":"a_speed".*"operation":"speed"' GET "$q/a_speed" "$CQP_alice"
	cqp_expect "GET a query under another feature: 404" \
		404 'no such query' GET /collections/fleet/items/v2/tgsequence/queries/a_speed "$CQP_alice"
	cqp_expect "a property query's path does not reach a position query: 404" \
		404 'no such query' GET /collections/fleet/items/v1/tproperties/speed_kmh/queries/a_speed "$CQP_alice"
	cqp_expect "GET the queries of a collection without a position: 404" \
		404 'has no position' GET /collections/plain/items/k1/tgsequence/queries "$CQP_alice"
	start=$(cqp_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'a_speed'")
	cqp_expect "bob may not GET a_speed: 403" 403 'permission denied' GET "$q/a_speed" "$CQP_bob"
	cqp_expect "bob may not stream a_speed: 403" 403 '"status":403' GET "$q/a_speed/stream?last_event_id=$start" "$CQP_bob"
	cqp_expect "bob may not DELETE a_speed: 403" 403 '"status":403' DELETE "$q/a_speed" "$CQP_bob"
	cqp_expect "DELETE a_speed as alice: 204" 204 EMPTY DELETE "$q/a_speed" "$CQP_alice"
	cqp_expect "GET the dropped query: 404" 404 'no such query' GET "$q/a_speed" "$CQP_alice"
	cqp_expect "DELETE it again: 404" 404 'no such query' DELETE "$q/a_speed" "$CQP_alice"
	cqp_expect "its stream: 404" 404 'no such query' GET "$q/a_speed/stream" "$CQP_alice"
}

cq_relay_points_tests()
{
	CQP_STATE=$CQ_TMP/relay-points
	CQP_LOGS=$CQ_ARTIFACTS/relay-points
	mkdir -p "$CQP_STATE" "$CQP_LOGS"
	trap cqp_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	if ! command -v node >/dev/null; then
		cq_fail "node present (test/relay/mint.mjs makes the tokens)"
		return 0
	fi
	CQP_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQP_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQP_LOGS/relay-asan-build.log" 10
		return 0
	fi
	cqp_setup || return 0
	cqp_tests_collection
	cqp_tests_create
	cqp_tests_append
	cqp_tests_malformed
	cqp_tests_read
	cqp_cleanup
	CQP_PID=
	if ! grep -q 'Sanitizer' "$CQP_LOGS/relay.log"; then
		cq_pass "the relay (ASan): no sanitizer or leak report"
	else
		cq_fail "the relay (ASan): no sanitizer or leak report" \
			"$(grep -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQP_LOGS/relay.log" | head -20)"
	fi
}
