# shellcheck shell=bash
# test/relay/unit.sh: the relay's unit tests, for suite_relay_unit of
# test/run.sh.
#
# Design notes
#
# Two parts.  test/relay/test_relay.c (built with ASan and UBSan by `make
# relay-unit`) checks the SSE encoder, events in their shared wire form
# (wire.c), cursors, Last-Event-ID validation, logged results, token
# comparison, Host checks and password redaction, one "ok NAME" / "not ok NAME: detail" line per check,
# each turned into cq_pass/cq_fail here.  The
# configuration is checked on the real binary (relay/cqstream-relay, built
# by the build suite), through --print-config and exit statuses, with an
# empty environment, so precedence, refusals and messages are those users
# see.  Nothing here needs a database or a port.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh.

# cq_relay_run ARG...: the relay with only PATH in the environment plus
# any NAME=VALUE words given before "--"; stdout and stderr to
# $CQ_TMP/relay-unit.out, exit status in CQ_RELAY_RC.
cq_relay_run()
{
	local -a envs=()
	while [ "$#" -gt 0 ] && [ "$1" != -- ]; do
		envs+=("$1")
		shift
	done
	shift
	CQ_RELAY_RC=0
	env -i PATH="$PATH" "${envs[@]}" "$CQ_ROOT/relay/cqstream-relay" "$@" \
		>"$CQ_TMP/relay-unit.out" 2>&1 || CQ_RELAY_RC=$?
}

# cq_relay_expect NAME LINE ARG...: --print-config (with ARGs as for
# cq_relay_run) exits 0 and prints LINE.
cq_relay_expect()
{
	local name=$1 line=$2
	shift 2
	cq_relay_run "$@" --print-config
	if [ "$CQ_RELAY_RC" -eq 0 ] && grep -qxF -- "$line" "$CQ_TMP/relay-unit.out"; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected exit 0 and the line \"$line\"," \
			"got exit $CQ_RELAY_RC and:" \
			"$(head -c 600 "$CQ_TMP/relay-unit.out")"
	fi
}

# cq_relay_refused NAME PATTERN ARG...: the relay (ARGs as for
# cq_relay_run) exits 2 with a message matching the extended regex PATTERN.
cq_relay_refused()
{
	local name=$1 pattern=$2
	shift 2
	cq_relay_run "$@"
	if [ "$CQ_RELAY_RC" -eq 2 ] && grep -qE -- "$pattern" "$CQ_TMP/relay-unit.out"; then
		cq_pass "$name"
	else
		cq_fail "$name" "expected exit 2 and a message matching /$pattern/," \
			"got exit $CQ_RELAY_RC and:" \
			"$(head -c 600 "$CQ_TMP/relay-unit.out")"
	fi
}

# cq_relay_unit_tests: every check of this file.
cq_relay_unit_tests()
{
	local log=$CQ_ARTIFACTS/relay-unit.log line conf=$CQ_TMP/relay.conf
	local opt

	# The C unit tests
	if ! make --no-print-directory -C "$CQ_ROOT" relay-unit WERROR=1 \
		>"$CQ_ARTIFACTS/relay-unit-build.log" 2>&1; then
		cq_fail "make relay-unit"
		cq_show_tail "$CQ_ARTIFACTS/relay-unit-build.log" 10
		return 0
	fi
	cq_pass "make relay-unit (ASan, UBSan)"
	"$CQ_ROOT/relay/build/relay-unit" >"$log" 2>&1 || true
	while IFS= read -r line; do
		case $line in
			"ok "*) cq_pass "${line#ok }" ;;
			"not ok "*) cq_fail "${line#not ok }" ;;
			*) cq_fail "unit test output: $line" ;;
		esac
	done <"$log"
	if ! grep -q '^ok ' "$log"; then
		cq_fail "unit tests ran" "No result lines; see $log."
	fi

	if [ ! -x "$CQ_ROOT/relay/cqstream-relay" ]; then
		cq_fail "relay/cqstream-relay built"
		return 0
	fi

	# Defaults
	cq_relay_expect "config: default listen" "listen = 127.0.0.1:8787" --
	cq_relay_expect "config: default heartbeat" "heartbeat = 15" --
	cq_relay_expect "config: default retry" "retry = 2000" --
	cq_relay_expect "config: default max-clients" "max-clients = 15000" --
	cq_relay_expect "config: default client-buffer" "client-buffer = 262144" --
	cq_relay_expect "config: default replay-limit" "replay-limit = 10000" --
	cq_relay_expect "config: default db" "db = " --
	cq_relay_expect "config: no tokens by default" "token =" --
	cq_relay_expect "config: default request-timeout" "request-timeout = 10" --
	cq_relay_expect "config: default max-requests" "max-requests = 1024" --
	cq_relay_expect "config: default max-topics" "max-topics = 10000" --
	cq_relay_expect "config: default max-db-queue" "max-db-queue = 1000" --
	cq_relay_expect "config: default max-ingest-bytes" "max-ingest-bytes = 1048576" --
	cq_relay_expect "config: no allowed-hosts list by default" "allowed-hosts =" --
	cq_relay_expect "config: allowed-hosts from the environment" \
		"allowed-hosts = dash.example,relay.example:8443" \
		CQSTREAM_RELAY_ALLOWED_HOSTS="dash.example, relay.example:8443" --

	# Precedence: flag > environment > file > default
	printf '%s\n' '# a comment' '' 'heartbeat = 20' 'cors-origin = http://f.example' \
		'token = filetoken' >"$conf"
	cq_relay_expect "config: file over default" "heartbeat = 20" \
		-- --config="$conf"
	cq_relay_expect "config: file named by CQSTREAM_RELAY_CONFIG" \
		"heartbeat = 20" CQSTREAM_RELAY_CONFIG="$conf" --
	cq_relay_expect "config: environment over file" "heartbeat = 30" \
		CQSTREAM_RELAY_HEARTBEAT=30 -- --config="$conf"
	cq_relay_expect "config: flag over environment" "heartbeat = 40" \
		CQSTREAM_RELAY_HEARTBEAT=30 -- --config="$conf" --heartbeat=40
	cq_relay_expect "config: flag as two words" "heartbeat = 41" \
		-- --heartbeat 41
	cq_relay_expect "config: list from the file" \
		"cors-origin = http://f.example" -- --config="$conf"
	cq_relay_expect "config: environment list replaces the file's" \
		"cors-origin = http://a.example,http://b.example" \
		CQSTREAM_RELAY_CORS_ORIGINS="http://a.example, http://b.example" \
		-- --config="$conf"
	cq_relay_expect "config: repeated flags add up and replace" \
		"cors-origin = *,http://c.example" \
		CQSTREAM_RELAY_CORS_ORIGINS=http://a.example \
		-- --cors-origin='*' --cors-origin=http://c.example
	cq_relay_expect "config: tokens shown as ***" "token = ***,***" \
		CQSTREAM_RELAY_TOKENS=secret1,secret2 --
	cq_relay_run CQSTREAM_RELAY_TOKENS=secret1 -- --print-config
	if grep -q secret1 "$CQ_TMP/relay-unit.out"; then
		cq_fail "config: --print-config never prints a token"
	else
		cq_pass "config: --print-config never prints a token"
	fi
	# Passwords: never printed
	cq_relay_expect "config: password= of the connection string shown as ***" \
		"db = host=db password=*** user=relay" \
		-- --db="host=db password='pa ss\\'word' user=relay"
	cq_relay_expect "config: password of a connection URI shown as ***" \
		"db = postgres://relay:***@db/app?password=***" \
		CQSTREAM_RELAY_DB="postgres://relay:s3cret@db/app?password=s3cret" --
	cq_relay_run CQSTREAM_RELAY_DB="postgresql://relay:s3cret@db/app" -- \
		--print-config --token=tok-s3cret
	if grep -q s3cret "$CQ_TMP/relay-unit.out"; then
		cq_fail "config: --print-config never prints a password or a token"
	else
		cq_pass "config: --print-config never prints a password or a token"
	fi

	# The token file: its tokens join the list, read at each (re)load
	printf '%s\n' '# dashboards' '' '  tokfile1  ' 'tokfile2' >"$CQ_TMP/relay.tokens"
	cq_relay_expect "config: --token-file adds its tokens" \
		"token = ***,***,***" -- --token=flagtok \
		--token-file="$CQ_TMP/relay.tokens"
	cq_relay_run -- --token-file="$CQ_TMP/relay.tokens" --print-config
	if grep -q tokfile "$CQ_TMP/relay-unit.out"; then
		cq_fail "config: token file contents never printed"
	else
		cq_pass "config: token file contents never printed"
	fi
	printf '%s\n' '# nothing but comments' >"$CQ_TMP/relay.tokens"
	cq_relay_refused "config: token file without a token refused" \
		"holds no token" -- --token-file="$CQ_TMP/relay.tokens"
	printf '%s\n' 'a b' >"$CQ_TMP/relay.tokens"
	cq_relay_refused "config: token file with a bad token refused (line named)" \
		"relay.tokens:1: invalid token" -- --token-file="$CQ_TMP/relay.tokens"
	cq_relay_refused "config: missing token file refused" \
		"could not open token file" -- --token-file="$CQ_TMP/none.tokens"

	# JSON Web Tokens: secrets never printed, bad settings refused
	local jsecret=jwt-unit-secret-0123456789abcdefghij
	cq_relay_expect "config: default jwt-role-claim" "jwt-role-claim = .role" --
	cq_relay_expect "config: no JWT secret by default" "jwt-secret = " --
	cq_relay_expect "config: JWT secret from the environment shown as ***" \
		"jwt-secret = ***" CQSTREAM_RELAY_JWT_SECRET="$jsecret" --
	cq_relay_run CQSTREAM_RELAY_JWT_SECRET="$jsecret" -- --print-config
	if grep -q "$jsecret" "$CQ_TMP/relay-unit.out"; then
		cq_fail "config: --print-config never prints the JWT secret"
	else
		cq_pass "config: --print-config never prints the JWT secret"
	fi
	printf '%s\n' "$jsecret" >"$CQ_TMP/relay.jwtsecret"
	cq_relay_run -- --jwt-secret-file="$CQ_TMP/relay.jwtsecret" --print-config
	if [ "$CQ_RELAY_RC" -eq 0 ] && grep -qxF "jwt-secret-file = $CQ_TMP/relay.jwtsecret" \
		"$CQ_TMP/relay-unit.out" && ! grep -q "$jsecret" "$CQ_TMP/relay-unit.out"; then
		cq_pass "config: --jwt-secret-file shown by name, its secret never printed"
	else
		cq_fail "config: --jwt-secret-file shown by name only" "$(head -c 600 "$CQ_TMP/relay-unit.out")"
	fi
	cq_relay_run -- --jwt-secret=short-secret --print-config
	if [ "$CQ_RELAY_RC" -eq 2 ] && grep -q "shorter than 32 bytes" "$CQ_TMP/relay-unit.out" &&
		! grep -q short-secret "$CQ_TMP/relay-unit.out"; then
		cq_pass "config: a JWT secret under 32 bytes refused, without printing it"
	else
		cq_fail "config: a short JWT secret refused, not printed" "$(head -c 600 "$CQ_TMP/relay-unit.out")"
	fi
	cq_relay_refused "config: jwt-secret and jwt-secret-file together refused" \
		"not both" -- --jwt-secret="$jsecret" --jwt-secret-file="$CQ_TMP/relay.jwtsecret"
	cq_relay_refused "config: missing JWT secret file refused" \
		"could not open JWT secret file" -- --jwt-secret-file="$CQ_TMP/none.secret"
	cq_relay_refused "config: a JWT key file without a public key refused" \
		"holds no RSA or EC public key" -- --jwt-key="$CQ_TMP/relay.jwtsecret"
	if openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 \
		-out "$CQ_TMP/relay.rsa" 2>/dev/null &&
		openssl pkey -in "$CQ_TMP/relay.rsa" -pubout -out "$CQ_TMP/relay.rsa.pub"; then
		cq_relay_expect "config: an RSA public key file accepted" \
			"jwt-key = $CQ_TMP/relay.rsa.pub" -- --jwt-key="$CQ_TMP/relay.rsa.pub"
		cq_relay_refused "config: a private key as --jwt-key refused" \
			"holds no RSA or EC public key" -- --jwt-key="$CQ_TMP/relay.rsa"
	else
		cq_fail "openssl makes an RSA key pair"
	fi
	cq_relay_expect "config: jwt-role-claim .app.role" "jwt-role-claim = .app.role" \
		-- --jwt-role-claim=.app.role
	cq_relay_refused "config: a claim path without a dot refused" \
		'invalid value for --jwt-role-claim: "role" \(a claim path' -- --jwt-role-claim=role
	cq_relay_refused "config: an anon-role longer than 63 bytes refused" \
		"invalid value for CQSTREAM_RELAY_ANON_ROLE" \
		CQSTREAM_RELAY_ANON_ROLE="$(printf 'r%.0s' $(seq 64))" --
	cq_relay_expect "config: anon-role" "anon-role = web_anon" -- --anon-role=web_anon
	cq_relay_refused "config: anon-role none refused" \
		'invalid value for --anon-role: "none"' -- --anon-role=none
	cq_relay_expect "config: IPv6 listen address" "listen = [::1]:9000" \
		-- --listen='[::1]:9000'
	cq_relay_expect "config: db from the environment" \
		"db = host=/tmp dbname=x" CQSTREAM_RELAY_DB="host=/tmp dbname=x" --

	# Refusals: exit 2 and a message naming where the value came from
	for opt in heartbeat retry max-clients client-buffer replay-limit \
		request-timeout max-requests max-topics max-db-queue replica-poll \
		max-ingest-bytes; do
		cq_relay_refused "config: --$opt=abc refused" "--$opt.*abc" \
			-- --"$opt"=abc
		cq_relay_refused "config: --$opt=0 refused" "--$opt" -- --"$opt"=0
		cq_relay_refused "config: --$opt=-1 refused" "--$opt" -- --"$opt"=-1
	done
	cq_relay_refused "config: heartbeat over 3600 refused" "--heartbeat" \
		-- --heartbeat=3601
	cq_relay_refused "config: replica-poll below 10 ms refused" "--replica-poll" \
		-- --replica-poll=9
	cq_relay_refused "config: replica-poll over 60000 ms refused" "--replica-poll" \
		-- --replica-poll=60001
	cq_relay_expect "config: replica-poll default 200 ms" "replica-poll = 200" --
	cq_relay_expect "config: replica-poll from the environment" \
		"replica-poll = 50" CQSTREAM_RELAY_REPLICA_POLL=50 --
	cq_relay_refused "config: huge number refused" "--retry" \
		-- --retry=99999999999999999999
	cq_relay_refused "config: retry with a unit refused" "--retry" \
		-- --retry=2s
	cq_relay_refused "config: listen without port refused" "--listen" \
		-- --listen=localhost
	cq_relay_refused "config: listen port 0 refused" "--listen" \
		-- --listen=127.0.0.1:0
	cq_relay_refused "config: listen port 70000 refused" "--listen" \
		-- --listen=127.0.0.1:70000
	cq_relay_refused "config: empty token refused" "--token" -- --token=
	cq_relay_refused "config: token with a blank refused" "--token" \
		-- --token='a b'
	cq_relay_refused "config: bad environment value names the variable" \
		"CQSTREAM_RELAY_MAX_CLIENTS.*many" CQSTREAM_RELAY_MAX_CLIENTS=many --
	cq_relay_refused "config: empty environment list refused" \
		"CQSTREAM_RELAY_TOKENS" CQSTREAM_RELAY_TOKENS=, --
	printf '%s\n' 'heartbeat = 10' 'retry = soon' >"$conf"
	cq_relay_refused "config: bad file value names file and line" \
		"relay.conf:2.*retry.*soon" -- --config="$conf"
	printf '%s\n' 'colour = blue' >"$conf"
	cq_relay_refused "config: unknown file setting refused" \
		"relay.conf:1: unknown setting \"colour\"" -- --config="$conf"
	printf '%s\n' 'just words' >"$conf"
	cq_relay_refused "config: file line without = refused" \
		"relay.conf:1:.*name = value" -- --config="$conf"
	cq_relay_refused "config: missing file refused" \
		"could not open configuration file" -- --config="$CQ_TMP/none.conf"
	cq_relay_refused "config: unknown flag refused" "unknown option" \
		-- --colour=blue
	cq_relay_refused "config: flag without value refused" "needs a value" \
		-- --heartbeat
	cq_relay_refused "config: stray argument refused" "unexpected argument" \
		-- heartbeat

	# --help documents every setting with its default; --version
	cq_relay_run -- --help
	local missing=""
	for opt in db listen cors-origin heartbeat retry max-clients \
		client-buffer replay-limit token token-file allowed-hosts \
		request-timeout max-requests max-topics max-db-queue config \
		max-ingest-bytes print-config; do
		grep -q -- "--$opt" "$CQ_TMP/relay-unit.out" || missing+=" $opt"
	done
	if [ "$CQ_RELAY_RC" -eq 0 ] && [ -z "$missing" ] &&
		grep -q 'default: 262144' "$CQ_TMP/relay-unit.out"; then
		cq_pass "config: --help lists every option with its default"
	else
		cq_fail "config: --help lists every option with its default" \
			"exit $CQ_RELAY_RC, missing:${missing:- (defaults)}"
	fi
	cq_relay_run -- --version
	if [ "$CQ_RELAY_RC" -eq 0 ] && grep -q '^cqstream-relay ' "$CQ_TMP/relay-unit.out"; then
		cq_pass "config: --version"
	else
		cq_fail "config: --version" "exit $CQ_RELAY_RC"
	fi
}
