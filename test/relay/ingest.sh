# shellcheck shell=bash
# test/relay/ingest.sh: the relay's ingest route, POST
# /collections/{cid}/items/{fid}/tproperties/{pname} (relay/ingest.c,
# relay/tpvalue.c), end to end, for suite_relay_ingest of test/run.sh.
#
# Design notes
#
# One cluster, "ing", database cq.  alice owns two tables published as
# collections: "ing" (ing_src: key text, one float property v, a unique
# key on feature and time, and a transform ing_q over it) and "types"
# (types_src: key integer, properties n integer, i2 smallint, r numeric,
# s text, b boolean).  bob may read ing_src but not insert into it, and
# may not read types_src.  The relay "jwt" logs in as authenticator
# (NOINHERIT, granted alice and bob) and takes the role of each request's
# HS256 token (test/relay/mint.mjs); the relay "small" (no
# authentication, logged in as the superuser) has max-ingest-bytes 4096.
#
# Every refusal is checked for its status, its message and for inserting
# nothing: the row count of both tables is compared before and after
# each.  Successful posts are checked in the table (times and values read
# back in SQL, not from the relay's reply), and 10,000 instants in one
# POST must come out of the transform as 10,000 results.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh and
# test/lib/cluster.sh.

CQI_DB=cq
CQI_SECRET=relay-ingest-test-secret-0123456789abcdef

cqi_sql()
{
	cq_psql ing -d "$CQI_DB" -At -c "$1"
}

cqi_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

cqi_worker_up()
{
	[ "$(cqi_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQI_DB'")" = 1 ]
}

cqi_gone()
{
	! kill -0 "$1" 2>/dev/null
}

cqi_rows()
{
	cqi_sql "SELECT (SELECT count(*) FROM ing_src) || '/' || (SELECT count(*) FROM types_src)"
}

# cqi_relay NAME FLAG...: start relay NAME on a free port (CQI_PORT_NAME)
cqi_relay()
{
	local name=$1 port
	shift
	port=$(cq_free_port "$((CQ_PORT_BASE + 80))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$CQI_BIN" \
		--listen="127.0.0.1:$port" "$@" >>"$CQI_LOGS/relay-$name.log" 2>&1 &
	echo $! >"$CQI_STATE/relay-$name.pid"
	printf -v "CQI_PORT_$name" '%s' "$port"
	cq_wait_cmd 15 cqi_healthy "$port"
}

# cqi_post RELAY PATH TOKEN BODY_FILE [CURLARG...]: POST the file as
# JSON (Content-Type: $CQI_CTYPE, default application/json); status in CQI_CODE, body in $CQI_STATE/reply, headers in
# $CQI_STATE/headers
cqi_post()
{
	local port=CQI_PORT_$1 path=$2 token=$3 file=$4
	shift 4
	local -a auth=()
	[ -z "$token" ] || auth=(-H "Authorization: Bearer $token")
	CQI_CODE=$(curl -s --max-time 60 "${auth[@]}" -H "Content-Type: ${CQI_CTYPE:-application/json}" \
		"$@" --data-binary "@$file" -D "$CQI_STATE/headers" -o "$CQI_STATE/reply" \
		-w '%{http_code}' "http://127.0.0.1:${!port}$path" || true)
}

# cqi_refused NAME CODE PATTERN PATH TOKEN BODY [CURLARG...]: the POST of
# BODY gets CODE with a message matching PATTERN (ERE), and no row is
# inserted anywhere
cqi_refused()
{
	local name=$1 code=$2 pattern=$3 path=$4 token=$5 body=$6 before after
	shift 6
	printf '%s' "$body" >"$CQI_STATE/body.json"
	before=$(cqi_rows)
	cqi_post jwt "$path" "$token" "$CQI_STATE/body.json" "$@"
	after=$(cqi_rows)
	if [ "$CQI_CODE" = "$code" ] && grep -qE -- "$pattern" "$CQI_STATE/reply" &&
		[ "$before" = "$after" ]; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected $code and /$pattern/, rows $before; got $CQI_CODE, rows $after:" \
			"$(head -c 400 "$CQI_STATE/reply")"
	fi
}

cqi_results()
{
	[ "$(cqi_sql "SELECT count(*) FROM cqstream.results('ing_q', 0, 1000000) WHERE payload->>'key' = 'big'")" = "$1" ]
}

cqi_stop()
{
	local pid
	pid=$(cat "$CQI_STATE/relay-$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	cq_wait_cmd 10 cqi_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	CQI_RC=0
	wait "$pid" 2>/dev/null || CQI_RC=$?
	rm -f "$CQI_STATE/relay-$1.pid"
}

cqi_cleanup()
{
	cqi_stop jwt
	cqi_stop small
	if [ -f "$CQ_TMP/pg-ing/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-ing/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-ing/log" "$CQI_LOGS/server.log" 2>/dev/null || true
}

cqi_setup()
{
	local conn
	if ! cq_cluster_start ing "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the ingest tests"
		return 1
	fi
	cq_psql ing -d postgres -c "CREATE DATABASE $CQI_DB" >/dev/null
	cqi_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_wait_cmd 20 cqi_worker_up || {
		cq_fail "cqstream worker running in database $CQI_DB"
		return 1
	}
	cq_psql ing -d "$CQI_DB" -v ON_ERROR_STOP=1 >"$CQI_LOGS/setup.log" 2>&1 <<-'EOF' || {
		CREATE ROLE authenticator LOGIN NOINHERIT;
		CREATE ROLE alice NOLOGIN;
		CREATE ROLE bob NOLOGIN;
		GRANT alice, bob TO authenticator;
		CREATE TABLE ing_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			t timestamptz NOT NULL, k text NOT NULL, v float8, UNIQUE (k, t));
		CREATE TABLE types_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			t timestamptz NOT NULL, k integer NOT NULL, n integer, i2 smallint,
			r numeric, s text, b boolean);
		ALTER TABLE ing_src OWNER TO alice;
		ALTER TABLE types_src OWNER TO alice;
		GRANT SELECT ON ing_src TO bob;
	EOF
		cq_fail "tables and roles for the ingest tests" "$(tail -n 5 "$CQI_LOGS/setup.log")"
		return 1
	}
	cq_psql ing -d "$CQI_DB" -v ON_ERROR_STOP=1 >>"$CQI_LOGS/setup.log" 2>&1 <<-'EOF' || {
		SET ROLE alice;
		SELECT cqstream.create_transform('ing_q', 'ing_src', 't', 'v', 'mul 2', key_column => 'k');
		SELECT cqstream.create_collection('ing', 'ing_src', 't', 'k');
		SELECT cqstream.create_collection('types', 'types_src', 't', 'k');
	EOF
		cq_fail "collections and query for the ingest tests" \
			"$(tail -n 5 "$CQI_LOGS/setup.log")"
		return 1
	}
	conn="port=$(cat "$CQ_TMP/pg-ing/port") dbname=$CQI_DB host=$CQ_TMP/pg-ing"
	if ! cqi_relay jwt --db="$conn user=authenticator" --jwt-secret="$CQI_SECRET" ||
		! cqi_relay small --db="$conn user=postgres" --max-ingest-bytes=4096; then
		cq_fail "two relays for the ingest tests connect" \
			"$(tail -n 5 "$CQI_LOGS"/relay-*.log)"
		return 1
	fi
	CQI_ALICE=$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 "$CQI_SECRET" '{"role":"alice","exp":"$now+3600"}')
	CQI_BOB=$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 "$CQI_SECRET" '{"role":"bob","exp":"$now+3600"}')
}

# 10,000 instants, one a second from 2026-01-01, values i / 4
cqi_big_body()
{
	node -e '
		const n = 10000, t0 = Date.UTC(2026, 0, 1);
		const d = [], v = [];
		for (let i = 0; i < n; i++) {
			d.push(new Date(t0 + i * 1000).toISOString());
			v.push(i / 4);
		}
		process.stdout.write(JSON.stringify({datetimes: d, values: v, interpolation: "Linear"}));
	' >"$CQI_STATE/big.json"
}

cqi_tests_ok()
{
	local p=/collections/ing/items/big/tproperties/v got
	cqi_big_body
	cqi_post jwt "$p" "$CQI_ALICE" "$CQI_STATE/big.json"
	got=$(cqi_sql "SELECT count(*) || ' ' || sum(v) || ' ' || min(t AT TIME ZONE 'UTC') || ' ' || max(t AT TIME ZONE 'UTC') FROM ing_src WHERE k = 'big'")
	if [ "$CQI_CODE" = 201 ] && grep -q '"inserted":10000' "$CQI_STATE/reply" &&
		grep -qi "^Location: $p" "$CQI_STATE/headers" &&
		[ "$got" = "10000 12498750 2026-01-01 00:00:00 2026-01-01 02:46:39" ]; then
		cq_pass "10,000 instants in one POST ($(stat -c %s "$CQI_STATE/big.json") bytes): 201, Location, all in ing_src with their times and values"
	else
		cq_fail "10,000 instants in one POST: 201 and all rows" "$CQI_CODE $got" \
			"$(head -c 300 "$CQI_STATE/reply")"
	fi
	if cq_wait_cmd 60 cqi_results 10000; then
		cq_pass "the 10,000 ingested instants come out of transform ing_q: 10,000 results for feature big"
	else
		cq_fail "10,000 results of ing_q for feature big" \
			"$(cqi_sql "SELECT count(*) FROM cqstream.results('ing_q', 0, 1000000)")"
	fi

	printf '%s' '{"datetimes":["2026-02-01T01:00:00.5+01:00","2026-02-01T00:00:01Z"],"values":[1,-2.25],"interpolation":"Step"}' \
		>"$CQI_STATE/b.json"
	cqi_post jwt /collections/ing/items/f%20one/tproperties/v "$CQI_ALICE" "$CQI_STATE/b.json"
	got=$(cqi_sql "SELECT string_agg(to_char(t AT TIME ZONE 'UTC', 'HH24:MI:SS.MS') || '=' || v, ',' ORDER BY t) FROM ing_src WHERE k = 'f one'")
	if [ "$CQI_CODE" = 201 ] && [ "$got" = "00:00:00.500=1,00:00:01.000=-2.25" ]; then
		cq_pass "an offset, a fraction and a percent-encoded feature id: the rows as sent (UTC)"
	else
		cq_fail "offset, fraction, feature id" "$CQI_CODE $got $(head -c 300 "$CQI_STATE/reply")"
	fi

	printf '%s' '{"datetimes":["2026-03-01T00:00:00Z","2026-03-01T00:00:01Z"],"values":[32767,-32768]}' >"$CQI_STATE/b.json"
	cqi_post jwt /collections/types/items/7/tproperties/i2 "$CQI_ALICE" "$CQI_STATE/b.json"
	printf '%s' '{"datetimes":["2026-03-01T00:00:00Z"],"values":["a \"q\" \\ b,{c} NULL"]}' >"$CQI_STATE/b.json"
	cqi_post jwt /collections/types/items/7/tproperties/s "$CQI_ALICE" "$CQI_STATE/b.json"
	printf '%s' '{"datetimes":["2026-03-01T00:00:00Z","2026-03-02T00:00:00Z"],"values":[true,false],"interpolation":"Discrete"}' >"$CQI_STATE/b.json"
	cqi_post jwt /collections/types/items/7/tproperties/b "$CQI_ALICE" "$CQI_STATE/b.json"
	printf '%s' '{"datetimes":["2026-03-01T00:00:00Z"],"values":[0.1]}' >"$CQI_STATE/b.json"
	cqi_post jwt /collections/types/items/7/tproperties/r "$CQI_ALICE" "$CQI_STATE/b.json"
	printf '%s' '{"datetimes":["2026-03-01T00:00:00Z"],"values":[-2147483648]}' >"$CQI_STATE/b.json"
	cqi_post jwt /collections/types/items/7/tproperties/n "$CQI_ALICE" "$CQI_STATE/b.json"
	got=$(cqi_sql "SELECT string_agg(concat_ws(':', i2, s, b, r, n), '|' ORDER BY id) FROM types_src WHERE k = 7")
	if [ "$CQI_CODE" = 201 ] &&
		[ "$got" = '32767|-32768|a "q" \ b,{c} NULL|t|f|0.1|-2147483648' ]; then
		cq_pass "TInt (smallint limits, integer), TText (quotes, backslash, braces, NULL), TBool, numeric 0.1: stored as sent"
	else
		cq_fail "TInt, TText, TBool, numeric stored as sent" "$CQI_CODE $got"
	fi
}

cqi_tests_refused()
{
	local a=$CQI_ALICE v=/collections/ing/items/f1/tproperties/v
	local tn=/collections/types/items/7/tproperties/n ti2=/collections/types/items/7/tproperties/i2
	local tb=/collections/types/items/7/tproperties/b ts=/collections/types/items/7/tproperties/s
	local d2='"datetimes":["2026-04-01T00:00:00Z","2026-04-01T00:00:01Z"]'
	cqi_refused "not JSON: 400" 400 'not JSON' "$v" "$a" '{"datetimes":'
	cqi_refused "empty body: 400" 400 'body is empty' "$v" "$a" ''
	cqi_refused "a JSON array: 400" 400 'must be a JSON object' "$v" "$a" '[1,2]'
	cqi_refused "an unknown member: 400 naming it" 400 'unknown member \\"foo\\"' "$v" "$a" \
		"{$d2,\"values\":[1,2],\"foo\":1}"
	# %.60s of the message cuts the name inside its "é": the reply must
	# still be JSON with the message (jansson takes only UTF-8)
	cqi_refused "an unknown member cut inside a UTF-8 character: 400 naming it, the cut byte as ?" \
		400 'unknown member \\"x{59}\?\\"' "$v" "$a" \
		"{$d2,\"values\":[1,2],\"$(printf 'x%.0s' $(seq 1 59))\u00e9\":1}"
	cqi_refused "a member twice: 400" 400 'duplicate' "$v" "$a" \
		"{$d2,\"values\":[1,2],\"values\":[1,2]}"
	cqi_refused "no datetimes: 400" 400 'datetimes must be an array' "$v" "$a" '{"values":[1]}'
	cqi_refused "no values: 400" 400 'values must be an array' "$v" "$a" "{$d2}"
	cqi_refused "no instant: 400" 400 'at least one instant' "$v" "$a" '{"datetimes":[],"values":[]}'
	cqi_refused "lengths differ: 400" 400 'datetimes has 2 elements and values 1' "$v" "$a" \
		"{$d2,\"values\":[1]}"
	cqi_refused "month 13 at index 1: 400 naming datetimes[1]" 400 'datetimes\[1\] is not an RFC 3339' "$v" "$a" \
		'{"datetimes":["2026-04-01T00:00:00Z","2026-13-01T00:00:00Z"],"values":[1,2]}'
	cqi_refused "February 30: 400 naming datetimes[0]" 400 'datetimes\[0\] is not an RFC 3339' "$v" "$a" \
		'{"datetimes":["2026-02-30T00:00:00Z"],"values":[1]}'
	cqi_refused "no time zone: 400" 400 'datetimes\[0\] is not an RFC 3339' "$v" "$a" \
		'{"datetimes":["2026-04-01T00:00:00"],"values":[1]}'
	cqi_refused "a number as datetime: 400" 400 'datetimes\[0\] is not an RFC 3339' "$v" "$a" \
		'{"datetimes":[1775001600],"values":[1]}'
	cqi_refused "a repeated instant at index 2: 400" 400 'datetimes\[2\] is not after datetimes\[1\]' "$v" "$a" \
		'{"datetimes":["2026-04-01T00:00:00Z","2026-04-01T00:00:01Z","2026-04-01T01:00:01+01:00"],"values":[1,2,3]}'
	cqi_refused "decreasing datetimes: 400" 400 'datetimes\[1\] is not after datetimes\[0\]' "$v" "$a" \
		'{"datetimes":["2026-04-01T00:00:01Z","2026-04-01T00:00:00Z"],"values":[1,2]}'
	cqi_refused "a string value for TReal at index 1: 400" 400 'values\[1\] is not a number' "$v" "$a" \
		"{$d2,\"values\":[1,\"2\"]}"
	cqi_refused "a null value: 400" 400 'values\[0\] is not a number' "$v" "$a" \
		"{$d2,\"values\":[null,2]}"
	cqi_refused "1.5 for TInt: 400" 400 'values\[1\] is not an integer' "$tn" "$a" \
		"{$d2,\"values\":[1,1.5]}"
	cqi_refused "40000 for a smallint: 400 out of range" 400 'values\[0\] is out of range for type smallint' "$ti2" "$a" \
		"{$d2,\"values\":[40000,1]}"
	cqi_refused "1 for TBool: 400" 400 'values\[0\] is not a boolean' "$tb" "$a" \
		"{$d2,\"values\":[1,true]}"
	cqi_refused "a number for TText: 400" 400 'values\[1\] is not a string' "$ts" "$a" \
		"{$d2,\"values\":[\"x\",5]}"
	cqi_refused "interpolation Spline: 400" 400 'unsupported interpolation' "$v" "$a" \
		"{$d2,\"values\":[1,2],\"interpolation\":\"Spline\"}"
	cqi_refused "interpolation Linear for TText: 400" 400 'Linear is for TReal' "$ts" "$a" \
		"{$d2,\"values\":[\"x\",\"y\"],\"interpolation\":\"Linear\"}"
	cqi_refused "a feature id the integer key cannot hold: 400" 400 'invalid input syntax for type integer' \
		/collections/types/items/abc/tproperties/n "$a" "{$d2,\"values\":[1,2]}"
	# An instant of f1 already there, then a batch that ends with it
	printf '%s' '{"datetimes":["2026-02-01T00:00:01Z"],"values":[5]}' >"$CQI_STATE/b.json"
	cqi_post jwt "$v" "$a" "$CQI_STATE/b.json"
	cqi_refused "an instant already there (unique key): 409, nothing of the batch" \
		409 'nothing inserted: duplicate key' "$v" "$a" \
		'{"datetimes":["2026-01-31T00:00:00Z","2026-02-01T00:00:01Z"],"values":[1,2]}'
	cqi_refused "an unknown collection: 404" 404 'no such collection \\"nope\\"' \
		/collections/nope/items/f1/tproperties/v "$a" "{$d2,\"values\":[1,2]}"
	cqi_refused "a collection id that is not UTF-8 (%FF): 400 from PostgreSQL, nothing inserted" \
		400 'invalid byte sequence for encoding' \
		/collections/n%FFpe/items/f1/tproperties/v "$a" "{$d2,\"values\":[1,2]}"
	cqi_refused "an unknown property: 404" 404 'no such temporal property \\"w\\"' \
		/collections/ing/items/f1/tproperties/w "$a" "{$d2,\"values\":[1,2]}"
	cqi_refused "the key column is not a property: 404" 404 'no such temporal property \\"k\\"' \
		/collections/ing/items/f1/tproperties/k "$a" "{$d2,\"values\":[\"x\",\"y\"]}"
	cqi_refused "bob, who may not read types_src: 404 (the collection is not his to see)" 404 'no such collection' \
		"$tn" "$CQI_BOB" "{$d2,\"values\":[1,2]}"
	cqi_refused "bob, who may read ing_src but not insert: 403 from PostgreSQL" 403 'permission denied' \
		"$v" "$CQI_BOB" "{$d2,\"values\":[1,2]}"
	cqi_refused "no token: 401" 401 '"status":401' "$v" "" "{$d2,\"values\":[1,2]}"
	CQI_CTYPE=text/plain cqi_refused "Content-Type text/plain: 415" 415 'must be JSON' "$v" "$a" \
		"{$d2,\"values\":[1,2]}"
	cqi_refused "POST to another path: 405" 405 'only GET' /queries "$a" "{$d2,\"values\":[1,2]}"
}

cqi_too_large()
{
	local before after
	node -e 'const d = [], v = []; for (let i = 0; i < 200; i++) { d.push(new Date(Date.UTC(2027, 0, 1) + i * 1000).toISOString()); v.push(i); } process.stdout.write(JSON.stringify({datetimes: d, values: v}));' \
		>"$CQI_STATE/large.json"
	head -c 1000 "$CQI_STATE/large.json" >/dev/null
	before=$(cqi_rows)
	cqi_post small /collections/ing/items/f9/tproperties/v "" "$CQI_STATE/large.json"
	after=$(cqi_rows)
	if [ "$CQI_CODE" = 413 ] && [ "$before" = "$after" ]; then
		cq_pass "a body of $(stat -c %s "$CQI_STATE/large.json") bytes past max-ingest-bytes=4096: 413, nothing inserted"
	else
		cq_fail "past max-ingest-bytes: 413" "$CQI_CODE rows $before -> $after"
	fi
	printf '%s' '{"datetimes":["2027-02-01T00:00:00Z"],"values":[1]}' >"$CQI_STATE/b.json"
	cqi_post small /collections/ing/items/f9/tproperties/v "" "$CQI_STATE/b.json"
	if [ "$CQI_CODE" = 201 ]; then
		cq_pass "a small body on the same relay (no authentication: the relay's role): 201"
	else
		cq_fail "a small body under max-ingest-bytes: 201" "$CQI_CODE $(head -c 300 "$CQI_STATE/reply")"
	fi
}

cq_relay_ingest_tests()
{
	local k bad=
	CQI_STATE=$CQ_TMP/relay-ingest
	CQI_LOGS=$CQ_ARTIFACTS/relay-ingest
	mkdir -p "$CQI_STATE" "$CQI_LOGS"
	trap cqi_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	if ! command -v node >/dev/null; then
		cq_fail "node present"
		return 0
	fi
	CQI_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQI_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQI_LOGS/relay-asan-build.log" 10
		return 0
	fi
	cqi_setup || return 0
	cqi_tests_ok
	cqi_tests_refused
	cqi_too_large
	for k in jwt small; do
		cqi_stop "$k"
		[ "$CQI_RC" = 0 ] || bad="$bad $k:exit $CQI_RC"
	done
	if [ -z "$bad" ] && ! grep -q 'Sanitizer' "$CQI_LOGS"/relay-*.log; then
		cq_pass "the two relays (ASan): no sanitizer or leak report, exit 0 on SIGTERM"
	else
		cq_fail "the two relays (ASan): no sanitizer report, exit 0 on SIGTERM" "$bad" \
			"$(grep -h -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQI_LOGS"/relay-*.log | head -20)"
	fi
}
