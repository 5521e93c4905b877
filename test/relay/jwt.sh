# shellcheck shell=bash
# test/relay/jwt.sh: the relay's JSON Web Tokens and per-role
# authorization, end to end, for suite_relay_jwt of test/run.sh.
#
# Design notes
#
# One cluster, "jwt", database cq.  The relays log in as "authenticator"
# (LOGIN NOINHERIT, granted the web roles alice, bob and anon, as
# docs/relay.md sets it up); "stranger" exists but is not granted to it,
# "ghost" does not exist.  alice owns table a_src, which bob may not read,
# and query a_q over it; b_q is a second query of alice's that nobody is
# granted.  Tokens are made by test/relay/mint.mjs with node's crypto
# module (HMAC, RSA, ECDSA, and "alg": "none"), never by the relay's code.
#
# The relays are the AddressSanitizer build (relay/cqstream-relay-asan);
# their logs must hold no sanitizer report.  Four relays: "hs" (secret from the environment, a shared token), "mix"
# (secret file, RSA key, aud, claim path .app.role, anon-role), "rs" (an
# RSA key only) and "es" (an EC key only).  Every check compares an HTTP
# status and a piece of the body (or the stream's bytes) that the other
# outcome would not have: a 200 stream must carry replayed events, a
# refusal its JSON message.  The expiry check waits for the relay to end
# the stream by itself, well before curl's own limit.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh and
# test/lib/cluster.sh.

CQJ_DB=cq
CQJ_SECRET=relay-jwt-test-secret-0123456789abcdef
CQJ_SHARED=shared-token-0123456789

cqj_sql()
{
	cq_psql jwt -d "$CQJ_DB" -At -c "$1"
}

cqj_conninfo()
{
	echo "host=$CQ_TMP/pg-jwt port=$(cat "$CQ_TMP/pg-jwt/port") user=authenticator dbname=$CQJ_DB"
}

cqj_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

# cqj_relay NAME [ENV=VALUE...] -- FLAG...: start relay NAME on a free
# port (in CQJ_PORT_NAME), wait until it is connected.
cqj_relay()
{
	local name=$1 port
	local -a envs=()
	shift
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	port=$(cq_free_port "$((CQ_PORT_BASE + 40))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "${envs[@]}" "$CQJ_BIN" \
		--db="$(cqj_conninfo)" --listen="127.0.0.1:$port" --heartbeat=1 \
		"$@" >>"$CQJ_LOGS/relay-$name.log" 2>&1 &
	echo $! >"$CQJ_STATE/relay-$name.pid"
	printf -v "CQJ_PORT_$name" '%s' "$port"
	cq_wait_cmd 15 cqj_healthy "$port"
}

# cqj_token ALG KEY CLAIMS: a token from mint.mjs.
cqj_token()
{
	node "$CQ_ROOT/test/relay/mint.mjs" "$@"
}

# cqj_get RELAY PATH [TOKEN] [CURLARG...]: GET with the token as a
# bearer ("" for none); body in $CQJ_STATE/body, headers in
# $CQJ_STATE/headers, status in CQJ_CODE.  Streams are cut once settled
# (cq_curl_sse).
cqj_get()
{
	local relay=$1 path=$2 token=${3:-} port
	shift 3 || shift $#
	local -a auth=()
	port=CQJ_PORT_$relay
	[ -z "$token" ] || auth=(-H "Authorization: Bearer $token")
	CQJ_CODE=$(cq_curl_sse "$CQJ_STATE/headers" "$CQJ_STATE/body" \
		"http://127.0.0.1:${!port}$path" "${auth[@]}" "$@")
}

# cqj_expect NAME CODE PATTERN RELAY PATH [TOKEN] [CURLARG...]: one
# check: the answer has status CODE and a body matching PATTERN (ERE).
cqj_expect()
{
	local name=$1 code=$2 pattern=$3
	shift 3
	cqj_get "$@"
	if [ "$CQJ_CODE" = "$code" ] && grep -qE -- "$pattern" "$CQJ_STATE/body"; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected $code and /$pattern/, got $CQJ_CODE:" \
			"$(head -c 400 "$CQJ_STATE/body")"
	fi
}

cqj_results()
{
	cqj_sql "SELECT count(*) FROM cqstream.results('$1', 0, 1000000)"
}

cqj_has_results()
{
	[ "$(cqj_results "$1")" = "$2" ]
}

cqj_worker_up()
{
	[ "$(cqj_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQJ_DB'")" = 1 ]
}

cqj_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# cqj_stop NAME: SIGTERM relay NAME, SIGKILL after 10 s; exit status in
# CQJ_RC
cqj_stop()
{
	local pid
	pid=$(cat "$CQJ_STATE/relay-$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	cq_wait_cmd 10 cqj_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	CQJ_RC=0
	wait "$pid" 2>/dev/null || CQJ_RC=$?
	rm -f "$CQJ_STATE/relay-$1.pid"
}

cqj_cleanup()
{
	local f
	for f in "$CQJ_STATE"/relay-*.pid; do
		[ -e "$f" ] || continue
		f=${f##*/relay-}
		cqj_stop "${f%.pid}"
	done
	if [ -f "$CQ_TMP/pg-jwt/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-jwt/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-jwt/log" "$CQJ_LOGS/server.log" 2>/dev/null || true
}

# cqj_setup: cluster, roles, tables, queries, keys, relays
cqj_setup()
{
	local k
	if ! cq_cluster_start jwt "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the JWT tests"
		return 1
	fi
	cq_psql jwt -d postgres -c "CREATE DATABASE $CQJ_DB" >/dev/null
	cqj_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_wait_cmd 20 cqj_worker_up || {
		cq_fail "cqstream worker running in database $CQJ_DB"
		return 1
	}
	# docs/relay.md, "JSON Web Tokens": the authenticator and web roles
	cq_psql jwt -d "$CQJ_DB" >/dev/null <<-'EOF'
		CREATE ROLE authenticator LOGIN NOINHERIT;
		CREATE ROLE alice NOLOGIN;
		CREATE ROLE bob NOLOGIN;
		CREATE ROLE anon NOLOGIN;
		CREATE ROLE stranger NOLOGIN;
		GRANT alice, bob, anon TO authenticator;
		CREATE TABLE a_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8);
		CREATE TABLE b_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8);
		ALTER TABLE a_src OWNER TO alice;
		ALTER TABLE b_src OWNER TO alice;
		SET ROLE alice;
		SELECT cqstream.create_transform('a_q', 'a_src', 't', 'v', 'mul 2', key_column => 'k');
		SELECT cqstream.create_transform('b_q', 'b_src', 't', 'v', 'mul 2', key_column => 'k');
		INSERT INTO a_src (k, v) SELECT 's' || g, g FROM generate_series(1, 5) g;
		INSERT INTO b_src (k, v) SELECT 's' || g, g FROM generate_series(1, 5) g;
	EOF
	if ! cq_wait_cmd 30 cqj_has_results a_q 5 || ! cq_wait_cmd 30 cqj_has_results b_q 5; then
		cq_fail "queries a_q and b_q have their 5 results each"
		return 1
	fi
	CQJ_START=$(cqj_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'a_q'")
	# Keys for RS256 and ES256, made by openssl
	openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$CQJ_STATE/rsa.key" 2>/dev/null &&
		openssl pkey -in "$CQJ_STATE/rsa.key" -pubout -out "$CQJ_STATE/rsa.pub" &&
		openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 \
			-out "$CQJ_STATE/ec.key" 2>/dev/null &&
		openssl pkey -in "$CQJ_STATE/ec.key" -pubout -out "$CQJ_STATE/ec.pub" || {
		cq_fail "openssl makes RSA and EC key pairs"
		return 1
	}
	printf '%s\n' "$CQJ_SECRET" >"$CQJ_STATE/secret"
	for k in hs mix rs es; do
		case $k in
			hs) set -- CQSTREAM_RELAY_JWT_SECRET="$CQJ_SECRET" -- --token="$CQJ_SHARED" ;;
			mix) set -- -- --jwt-secret-file="$CQJ_STATE/secret" \
				--jwt-key="$CQJ_STATE/rsa.pub" --jwt-aud=cq \
				--jwt-role-claim=.app.role --anon-role=anon ;;
			rs) set -- -- --jwt-key="$CQJ_STATE/rsa.pub" ;;
			es) set -- -- --jwt-key="$CQJ_STATE/ec.pub" ;;
		esac
		if ! cqj_relay "$k" "$@"; then
			cq_fail "relay \"$k\" starts with its JWT settings" \
				"$(tail -n 5 "$CQJ_LOGS/relay-$k.log")"
			return 1
		fi
	done
	cq_pass "four relays with JWT settings (environment, secret file, RSA and EC keys) connected as authenticator"
}

# A stream that works shows replayed events; one refused, its JSON
cqj_tests_roles()
{
	local alice bob stream="/queries/a_q/stream?last_event_id=$CQJ_START"
	alice=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","exp":"$now+600"}')
	bob=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"bob","exp":"$now+600"}')

	cqj_expect "alice (HS256) streams her query a_q: 5 replayed events" \
		200 '^id: [0-9]+$' hs "$stream" "$alice"
	if [ "$(grep -c '^event: instant' "$CQJ_STATE/body")" = 5 ]; then
		cq_pass "alice's stream: exactly the 5 results of the log"
	else
		cq_fail "alice's stream: exactly the 5 results" "$(head -c 400 "$CQJ_STATE/body")"
	fi
	cqj_expect "alice reads the JSON of a_q" 200 '"name":"a_q"' hs /queries/a_q "$alice"
	cqj_expect "bob may not read a_q's stream: 403 naming his role" \
		403 '"status":403.*role \\"bob\\" may not read' hs "$stream" "$bob"
	cqj_expect "bob may not read a_q's JSON: 403 from PostgreSQL" \
		403 'permission denied to read the results of query' hs /queries/a_q "$bob"
	cqj_expect "bob: /stream?query=a_* leaves out what he may not read: 403" \
		403 'may not read' hs "/stream?query=a_*" "$bob"
	cqj_sql "SET ROLE alice; SELECT cqstream.grant_results('a_q', 'bob')" >/dev/null
	cqj_expect "once alice grants bob read (cqstream.grant_results), bob streams a_q" \
		200 '^event: instant$' hs "$stream" "$bob"
	if [ "$(grep -c '^event: instant' "$CQJ_STATE/body")" = 5 ]; then
		cq_pass "bob's granted stream: the 5 results"
	else
		cq_fail "bob's granted stream: the 5 results" "$(head -c 400 "$CQJ_STATE/body")"
	fi
	cqj_expect "bob now reads a_q's JSON" 200 '"name":"a_q"' hs /queries/a_q "$bob"
	cqj_expect "bob still may not read b_q (no grant): 403" \
		403 'may not read' hs "/queries/b_q/stream?last_event_id=1" "$bob"
	cqj_expect "/queries runs as the role: lag shown to alice (the owner)" \
		200 '"last_result_id":[0-9]+,"lag":[0-9]' hs /queries "$alice"
	cqj_get hs /queries "$bob"
	if [ "$CQJ_CODE" = 200 ] && grep -q '"lag":null' "$CQJ_STATE/body" &&
		! grep -q '"lag":[0-9]' "$CQJ_STATE/body"; then
		cq_pass "/queries runs as the role: lag hidden from bob (not an owner)"
	else
		cq_fail "/queries runs as the role: lag hidden from bob" "$CQJ_CODE $(head -c 400 "$CQJ_STATE/body")"
	fi
}

cqj_tests_refusals()
{
	local stream="/queries/a_q/stream?last_event_id=$CQJ_START" t
	cqj_expect "no token: 401" 401 '"status":401.*bearer token is required' hs "$stream"
	if grep -qi '^WWW-Authenticate: Bearer' "$CQJ_STATE/headers"; then
		cq_pass "no token: WWW-Authenticate: Bearer"
	else
		cq_fail "no token: WWW-Authenticate: Bearer" "$(cat "$CQJ_STATE/headers")"
	fi
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","exp":"$now-5"}')
	cqj_expect "an expired token: 401" 401 'the token has expired' hs "$stream" "$t"
	if grep -qi '^WWW-Authenticate: Bearer.*invalid_token' "$CQJ_STATE/headers"; then
		cq_pass "an expired token: WWW-Authenticate error=\"invalid_token\""
	else
		cq_fail "an expired token: error=\"invalid_token\"" "$(cat "$CQJ_STATE/headers")"
	fi
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","nbf":"$now+300"}')
	cqj_expect "a token not valid yet (nbf): 401" 401 'not valid yet' hs "$stream" "$t"
	t=$(cqj_token HS256-bad "$CQJ_SECRET" '{"role":"alice"}')
	cqj_expect "a bad signature: 401" 401 'signature does not verify' hs "$stream" "$t"
	t=$(cqj_token HS256 "another-secret-of-more-than-32-bytes!!" '{"role":"alice"}')
	cqj_expect "a token signed with another secret: 401" 401 'signature does not verify' hs "$stream" "$t"
	t=$(cqj_token none x '{"role":"alice"}')
	cqj_expect "alg none: 401" 401 'algorithm is not accepted' hs "$stream" "$t"
	t=$(cqj_token HS256 "@$CQJ_STATE/rsa.pub" '{"role":"alice"}')
	cqj_expect "HS256 signed with the RSA public key, relay with that key: 401 (confusion)" \
		401 'algorithm is not accepted' rs "$stream" "$t"
	t=$(cqj_token RS256 "$CQJ_STATE/rsa.key" '{"role":"alice"}')
	cqj_expect "RS256 to a relay with only a secret: 401 (confusion)" \
		401 'algorithm is not accepted' hs "$stream" "$t"
	cqj_expect "ES256 to a relay with an RSA key: 401" 401 'algorithm is not accepted' \
		rs "$stream" "$(cqj_token ES256 "$CQJ_STATE/ec.key" '{"role":"alice"}')"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"ghost"}')
	cqj_expect "a role that does not exist: 401 saying so" 401 'role \\"ghost\\" does not exist' \
		hs "$stream" "$t"
	cqj_expect "a role that does not exist, /queries: 401" 401 'role \\"ghost\\" does not exist' \
		hs /queries "$t"
	# Roles that would not switch to a web role
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"none"}')
	cqj_expect "role \"none\" (it would reset to the authenticator): 401" 401 \
		'\\"none\\" is not a role name' hs "$stream" "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"authenticator"}')
	cqj_expect "the authenticator's own role (a member of every web role): 403" 403 \
		"relay's own login role" hs "$stream" "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"stranger"}')
	cqj_expect "a role not granted to the authenticator: 403" 403 'may not take role \\"stranger\\"' \
		hs "$stream" "$t"
	cqj_expect "a role not granted to the authenticator, /queries/a_q: 403" 403 \
		'permission denied to set role' hs /queries/a_q "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice"}')
	cqj_expect "a token without exp is accepted (positive control)" 200 '^event: instant$' \
		hs "$stream" "$t"
	cqj_expect "the shared token still works (the relay's own role)" 200 '^event: instant$' \
		hs "$stream" "$CQJ_SHARED"
	cqj_expect "the shared token as ?access_token" 200 '^event: instant$' \
		hs "$stream&access_token=$CQJ_SHARED" ""
	cqj_expect "/metrics with the shared token" 200 '^cqstream_relay_clients ' \
		hs /metrics "$CQJ_SHARED"
	cqj_expect "/metrics with a user's token: 403 (operators only)" 403 'shared token' \
		hs /metrics "$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice"}')"
}

cqj_tests_settings()
{
	local stream="/queries/a_q/stream?last_event_id=$CQJ_START" t
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"app":{"role":"alice"},"aud":"cq"}')
	cqj_expect "secret file, claim path .app.role, aud cq: alice streams" 200 '^event: instant$' \
		mix "$stream" "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"app":{"role":"alice"},"aud":"other"}')
	cqj_expect "wrong aud: 401" 401 'audience' mix "$stream" "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"app":{"role":"alice"},"aud":["x","cq"]}')
	cqj_expect "aud as an array holding cq: accepted" 200 '^event: instant$' mix "$stream" "$t"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"app":{"role":"alice"}}')
	cqj_expect "no aud where one is required: 401" 401 'audience' mix "$stream" "$t"
	t=$(cqj_token RS256 "$CQJ_STATE/rsa.key" '{"app":{"role":"alice"},"aud":"cq","exp":"$now+600"}')
	cqj_expect "RS256 with the key file (openssl key pair): alice streams" 200 '^event: instant$' \
		mix "$stream" "$t"
	t=$(cqj_token RS256 "$CQJ_STATE/rsa.key" '{"role":"alice"}')
	cqj_expect "RS256 on the RSA-only relay: alice streams" 200 '^event: instant$' rs "$stream" "$t"
	t=$(cqj_token ES256 "$CQJ_STATE/ec.key" '{"role":"alice"}')
	cqj_expect "ES256 with an EC key file: alice streams" 200 '^event: instant$' es "$stream" "$t"
	# anon-role: requests without a token, and tokens without the claim
	cqj_expect "anon-role without a grant: 403 naming anon" 403 'role \\"anon\\" may not read' \
		mix "$stream"
	cqj_sql "SET ROLE alice; SELECT cqstream.grant_results('a_q', 'anon')" >/dev/null
	cqj_expect "anon-role granted read: a request without a token streams a_q" 200 \
		'^event: instant$' mix "$stream"
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","aud":"cq"}')
	cqj_expect "a token without the claim (.app.role) runs as anon: b_q refused" 403 \
		'role \\"anon\\" may not read' mix "/queries/b_q/stream?last_event_id=1" "$t"
	cqj_expect "no anon-role: no token is still 401" 401 'bearer token is required' rs "$stream"
	# A new secret in the file, SIGHUP: new tokens work, old ones no more
	local old2 new2 secret2=relay-jwt-rotated-secret-0123456789abcdef
	old2=$(cqj_token HS256 "$CQJ_SECRET" '{"app":{"role":"alice"},"aud":"cq"}')
	new2=$(cqj_token HS256 "$secret2" '{"app":{"role":"alice"},"aud":"cq"}')
	printf '%s\n' "$secret2" >"$CQJ_STATE/secret"
	kill -HUP "$(cat "$CQJ_STATE/relay-mix.pid")"
	if cq_wait_cmd 10 cqj_code_is 200 mix "$stream" "$new2"; then
		cq_pass "SIGHUP reads the secret file again: a token of the new secret streams"
	else
		cq_fail "SIGHUP reads the secret file again" "$CQJ_CODE $(head -c 300 "$CQJ_STATE/body")"
	fi
	cqj_expect "after the rotation a token of the old secret gets 401" 401 \
		'signature does not verify' mix "$stream" "$old2"
}

# cqj_code_is CODE RELAY PATH TOKEN: the answer's status is CODE
cqj_code_is()
{
	local code=$1
	shift
	cqj_get "$@"
	[ "$CQJ_CODE" = "$code" ]
}

# An open stream ends at its token's exp with event: expired
cqj_tests_expiry()
{
	local t port=$CQJ_PORT_hs start took
	# exp is whole seconds from when mint.mjs ran, and a heartbeat needs
	# up to 2 s of stream: 6 s leave room for a slow node and curl start
	t=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","exp":"$now+6"}')
	start=$SECONDS
	curl -sN --max-time 20 -H "Authorization: Bearer $t" \
		"http://127.0.0.1:$port/queries/a_q/stream" >"$CQJ_STATE/expiry" 2>/dev/null || true
	took=$((SECONDS - start))
	if grep -q '^event: expired$' "$CQJ_STATE/expiry" &&
		grep -q '^data: {"message":"the token has expired","exp":[0-9]*}$' "$CQJ_STATE/expiry" &&
		[ "$took" -ge 1 ] && [ "$took" -le 11 ]; then
		cq_pass "an open stream ends at exp with event: expired, and the relay closes it (${took}s)"
	else
		cq_fail "an open stream ends at exp with event: expired (closed by the relay)" \
			"after ${took}s: $(head -c 400 "$CQJ_STATE/expiry")"
	fi
	if grep -q '^: heartbeat$' "$CQJ_STATE/expiry"; then
		cq_pass "the stream was live until its expiry (heartbeats before event: expired)"
	else
		cq_fail "the stream was live until its expiry" "$(head -c 400 "$CQJ_STATE/expiry")"
	fi
}

# A revoked read grant ends the open streams of the role it concerned
cqj_tests_revoke()
{
	local alice bob port=$CQJ_PORT_hs apid bpid
	alice=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","exp":"$now+600"}')
	bob=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"bob","exp":"$now+600"}')
	curl -sN --max-time 30 -H "Authorization: Bearer $alice" \
		"http://127.0.0.1:$port/queries/a_q/stream" >"$CQJ_STATE/rev-alice" 2>/dev/null &
	apid=$!
	curl -sN --max-time 30 -H "Authorization: Bearer $bob" \
		"http://127.0.0.1:$port/queries/a_q/stream" >"$CQJ_STATE/rev-bob" 2>/dev/null &
	bpid=$!
	if ! cq_wait_cmd 10 grep -q '^: cqstream-relay' "$CQJ_STATE/rev-alice" ||
		! cq_wait_cmd 10 grep -q '^: cqstream-relay' "$CQJ_STATE/rev-bob"; then
		cq_fail "alice and bob (granted) stream a_q before the revoke" \
			"$(head -c 200 "$CQJ_STATE/rev-alice") / $(head -c 200 "$CQJ_STATE/rev-bob")"
		kill "$apid" "$bpid" 2>/dev/null || true
		return 0
	fi
	cqj_sql "SET ROLE alice; SELECT cqstream.revoke_results('a_q', 'bob')" >/dev/null
	if cq_wait_cmd 10 cqj_gone "$bpid" &&
		grep -q '^: this role may no longer read this query$' "$CQJ_STATE/rev-bob"; then
		cq_pass "revoking bob's read grant ends his open stream at once, saying why"
	else
		cq_fail "revoking bob's read grant ends his open stream" "$(head -c 400 "$CQJ_STATE/rev-bob")"
	fi
	cqj_sql "INSERT INTO a_src (k, v) VALUES ('after', 1)" >/dev/null
	if cq_wait_cmd 10 grep -q '"key":"after"' "$CQJ_STATE/rev-alice" && ! cqj_gone "$apid"; then
		cq_pass "alice's stream of the same query goes on (a result inserted after the revoke)"
	else
		cq_fail "alice's stream goes on after bob's revoke" "$(head -c 400 "$CQJ_STATE/rev-alice")"
	fi
	kill "$apid" 2>/dev/null || true
	wait "$apid" "$bpid" 2>/dev/null || true
	cqj_expect "bob, back after the revoke: 403" 403 'role \\"bob\\" may not read' \
		hs "/queries/a_q/stream" "$bob"
}

# A role's stream across a database restart: the relay reconnects,
# checks the role again (a pipeline on the new connection) and goes on
cqj_tests_restart()
{
	local alice port=$CQJ_PORT_hs apid
	alice=$(cqj_token HS256 "$CQJ_SECRET" '{"role":"alice","exp":"$now+600"}')
	curl -sN --max-time 60 -H "Authorization: Bearer $alice" \
		"http://127.0.0.1:$port/queries/a_q/stream" >"$CQJ_STATE/restart" 2>/dev/null &
	apid=$!
	if ! cq_wait_cmd 10 grep -q '^: cqstream-relay' "$CQJ_STATE/restart"; then
		cq_fail "alice streams a_q before the database restart" "$(head -c 200 "$CQJ_STATE/restart")"
		kill "$apid" 2>/dev/null || true
		return 0
	fi
	cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-jwt/data" -m fast -w -t 60 restart \
		>"$CQJ_LOGS/restart.log" 2>&1 || true
	cq_wait_cmd 30 cqj_worker_up || true
	cq_wait_cmd 30 cqj_healthy "$port" || true
	cqj_sql "INSERT INTO a_src (k, v) VALUES ('restart', 1)" >/dev/null || true
	if cq_wait_cmd 20 grep -q '"key":"restart"' "$CQJ_STATE/restart" && ! cqj_gone "$apid"; then
		cq_pass "alice's stream survives a database restart and gets the next result"
	else
		cq_fail "alice's stream survives a database restart" "$(tail -c 400 "$CQJ_STATE/restart")"
	fi
	kill "$apid" 2>/dev/null || true
	wait "$apid" 2>/dev/null || true
	cqj_expect "after the restart bob is still refused a_q (403)" 403 'may not read' \
		hs "/queries/a_q/stream" "$(cqj_token HS256 "$CQJ_SECRET" '{"role":"bob"}')"
	cqj_expect "after the restart a role that does not exist is still 401" 401 'does not exist' \
		hs "/queries/a_q/stream" "$(cqj_token HS256 "$CQJ_SECRET" '{"role":"ghost"}')"
}

cq_relay_jwt_tests()
{
	CQJ_STATE=$CQ_TMP/relay-jwt
	CQJ_LOGS=$CQ_ARTIFACTS/relay-jwt
	mkdir -p "$CQJ_STATE" "$CQJ_LOGS"
	trap cqj_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	if ! command -v node >/dev/null || ! command -v openssl >/dev/null; then
		cq_fail "node and openssl present"
		return 0
	fi
	CQJ_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQJ_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQJ_LOGS/relay-asan-build.log" 10
		return 0
	fi
	cqj_setup || return 0
	cqj_tests_roles
	cqj_tests_refusals
	cqj_tests_settings
	cqj_tests_expiry
	cqj_tests_revoke
	cqj_tests_restart
	local k bad=
	for k in hs mix rs es; do
		cqj_stop "$k"
		[ "$CQJ_RC" = 0 ] || bad="$bad $k:exit $CQJ_RC"
	done
	if [ -z "$bad" ] && ! grep -q 'Sanitizer' "$CQJ_LOGS"/relay-*.log; then
		cq_pass "the four JWT relays (ASan): no sanitizer or leak report, exit 0 on SIGTERM"
	else
		cq_fail "the four JWT relays (ASan): no sanitizer report, exit 0 on SIGTERM" "$bad" \
			"$(grep -h -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQJ_LOGS"/relay-*.log | head -20)"
	fi
}
