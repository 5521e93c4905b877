# shellcheck shell=bash
# test/fuzz/fuzz.sh: fuzzing, run by suite_fuzz in test/run.sh (the short
# campaign of `make test`) and by `make fuzz` (the long one, CQ_FUZZ_LONG=1).
#
# Design notes
#
# Three campaigns against one throwaway cluster, "fuzz":
#
# 1. tfloat_fuzz (tfloat_fuzz.c and fuzz_*.c, built here with libpq): the
#    text, binary and MF-JSON input functions of tfloat with generated and
#    mutated inputs, pipelined; every refusal must be an ERROR of class 22
#    or 54 (08P01 for a binary message cut short), no backend may crash,
#    and accepted values must read back (see the header of tfloat_fuzz.c).
#    Its PASS/FAIL lines become checks.  Before trusting it, a self-test
#    runs it against a database whose input functions are sabotaged
#    (an XX000, a statement past the timeout, a backend terminated) and
#    requires it to fail on each.
# 2. relay_fuzz.mjs: mutated HTTP requests against the relay built with
#    AddressSanitizer and UBSan (make relay-asan) while rows stream; the
#    relay must stay up and responsive, its RSS bounded, then serve a
#    normal stream, and exit 0 on SIGTERM without a sanitizer report
#    (LeakSanitizer runs at exit).
# 3. relay_units_fuzz.c: libFuzzer (clang) on the relay's pure parsers and
#    encoders, with their contracts checked.
#
# Sizes: CQ_FUZZ_N inputs per tfloat input function (100,000 in make test,
# 1,000,000 in make fuzz); CQ_FUZZ_SECONDS (make fuzz only, default 300)
# bounds the tfloat campaign too and is the length of the relay campaign
# and of the libFuzzer run; make test sends the relay 20,000 requests and
# runs libFuzzer 10 s.  CQ_FUZZ_SEED (default 1 in make test, the time in
# make fuzz) makes a run repeatable; it is printed.  Failing inputs are
# saved in $CQ_ARTIFACTS/fuzz with failures.txt saying how to replay them.

CQF_DB=cq

# cqf_sql SQL: one statement in the fuzz cluster's database cq.
cqf_sql()
{
	cq_psql fuzz -d "$CQF_DB" -At -c "$1"
}

# cqf_conninfo [DB]: libpq connection string of the fuzz cluster.
cqf_conninfo()
{
	echo "host=$CQ_TMP/pg-fuzz port=$(cat "$CQ_TMP/pg-fuzz/port") user=postgres dbname=${1:-$CQF_DB}"
}

# cqf_checks OUT: record each PASS/FAIL line of OUT as a check; prints
# the number of FAIL lines.
cqf_checks()
{
	local tag check detail nfail=0
	while IFS=$'\t' read -r tag check detail; do
		case $tag in
			PASS) cq_pass "$check" >&2 ;;
			FAIL)
				cq_fail "$check" "$detail" >&2
				nfail=$((nfail + 1))
				;;
		esac
	done <"$1"
	echo "$nfail"
}

cqf_cleanup()
{
	local f pid
	for f in "$CQF_STATE"/*.pid; do
		[ -e "$f" ] || continue
		pid=$(cat "$f")
		[ -z "$pid" ] || kill -KILL "$pid" 2>/dev/null || true
	done
	if [ -f "$CQ_TMP/pg-fuzz/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-fuzz/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-fuzz/log" "$CQF_OUT/server.log" 2>/dev/null || true
}

# ---------------------------------------------------------------------------
# Setup

cqf_setup()
{
	local cflags libs
	if ! cflags=$(pkg-config --cflags libpq) || ! libs=$(pkg-config --libs libpq); then
		cq_fail "pkg-config finds libpq" "install libpq-dev and pkgconf"
		return 1
	fi
	# shellcheck disable=SC2086 # flag lists
	if cc -std=gnu11 -O2 -g -Wall -Wextra -Werror -Wmissing-prototypes \
		$cflags -I"$CQF_DIR" -o "$CQF_OUT/tfloat_fuzz" "$CQF_DIR"/fuzz_*.c \
		"$CQF_DIR/tfloat_fuzz.c" $libs -lm >"$CQF_OUT/build.log" 2>&1; then
		cq_pass "tfloat_fuzz builds with -Wall -Wextra -Werror"
	else
		cq_fail "tfloat_fuzz builds with -Wall -Wextra -Werror"
		cq_show_tail "$CQF_OUT/build.log" 10
		return 1
	fi
	if ! cq_cluster_start fuzz "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the fuzz tests"
		cq_show_tail "$CQ_TMP/pg-fuzz/log" 10
		return 1
	fi
	cq_psql fuzz -d postgres -c "CREATE DATABASE $CQF_DB" >/dev/null
	cqf_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_pass "cluster with cqstream (port $(cat "$CQ_TMP/pg-fuzz/port"))"
}

# ---------------------------------------------------------------------------
# 1. tfloat input functions

cqf_tfloat()
{
	local rc=0 nfail summary
	local -a args=(-n "$CQF_N" -s "$CQF_SEED" -o "$CQF_OUT")
	[ "$CQF_SECONDS" -le 0 ] || args+=(-T "$CQF_SECONDS")
	"$CQF_OUT/tfloat_fuzz" "${args[@]}" "$(cqf_conninfo)" \
		>"$CQF_OUT/tfloat_fuzz.out" 2>"$CQF_OUT/tfloat_fuzz.err" || rc=$?
	nfail=$(cqf_checks "$CQF_OUT/tfloat_fuzz.out")
	summary=$(grep -E '^tfloat_fuzz: seed .*statements' "$CQF_OUT/tfloat_fuzz.err" |
		sed 's/^tfloat_fuzz: //' || true)
	echo "  tfloat: ${summary:-no summary}"
	grep -E '^tfloat_fuzz: [a-z]+: [0-9]+ inputs|changed shape' "$CQF_OUT/tfloat_fuzz.err" |
		sed 's/^tfloat_fuzz: /    /' | cut -c 1-200 || true
	if [ "$rc" -eq 0 ] || { [ "$rc" -eq 1 ] && [ "$nfail" -gt 0 ]; }; then
		cq_pass "tfloat_fuzz ran to its end (${summary:-?})"
	else
		cq_fail "tfloat_fuzz ran to its end" "exit status $rc"
		cq_show_tail "$CQF_OUT/tfloat_fuzz.err" 10
	fi
	if [ "$nfail" -gt 0 ]; then
		echo "        failing inputs, and how to replay them with $CQF_OUT/tfloat_fuzz: $CQF_OUT/failures.txt"
	fi
}

# The oracle can fail: in a database where the cast from text and
# tfloatFromMFJSON go through a PL/pgSQL trap (the C functions under
# other names), one call in 97 raises XX000, the 120th sleeps past the
# statement timeout and the 200th terminates its own backend.
cqf_self_test()
{
	local db=sabotage out=$CQF_OUT/self-test rc=0
	cq_psql fuzz -d postgres -c "CREATE DATABASE $db" >/dev/null
	cq_psql fuzz -d "$db" -v ON_ERROR_STOP=1 >"$CQF_OUT/self-test.log" 2>&1 <<'EOF'
CREATE EXTENSION cqstream;
CREATE SEQUENCE fuzz_calls;
CREATE FUNCTION fuzz_trap(t text) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	n bigint := nextval('fuzz_calls');
BEGIN
	IF n % 97 = 50 THEN
		RAISE EXCEPTION 'sabotage' USING ERRCODE = 'XX000';
	ELSIF n = 120 THEN
		PERFORM pg_sleep(5);
	ELSIF n = 200 THEN
		PERFORM pg_terminate_backend(pg_backend_pid());
		PERFORM pg_sleep(5);
	END IF;
END $$;
DO $$
DECLARE
	lib text := (SELECT probin FROM pg_proc WHERE proname = 'tfloatfrommfjson');
BEGIN
	EXECUTE format('CREATE FUNCTION real_frommfjson(text) RETURNS tfloat AS %L, %L LANGUAGE C STABLE STRICT', lib, 'cq_tfloatfrommfjson');
	EXECUTE format('CREATE FUNCTION real_from_text(text) RETURNS tfloat AS %L, %L LANGUAGE C STABLE STRICT', lib, 'cq_tfloat_from_text');
END $$;
CREATE OR REPLACE FUNCTION public.tfloatfrommfjson(text) RETURNS tfloat
	LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN PERFORM fuzz_trap($1); RETURN real_frommfjson($1); END $$;
CREATE OR REPLACE FUNCTION public.tfloat_from_text(text) RETURNS tfloat
	LANGUAGE plpgsql STABLE STRICT AS $$
BEGIN PERFORM fuzz_trap($1); RETURN real_from_text($1); END $$;
EOF
	"$CQF_OUT/tfloat_fuzz" -k text,mfjson -n 200 -t 1000 -s 1 -o "$out" \
		"$(cqf_conninfo "$db")" >"$out.out" 2>"$out.err" || rc=$?
	if [ "$rc" -eq 1 ] && grep -q $'^FAIL\t.*lost connection' "$out.out" &&
		grep -q $'^FAIL\t.*error of another class' "$out.out" &&
		grep -q 'lost connection' "$out/failures.txt" 2>/dev/null &&
		grep -q 'XX000' "$out/failures.txt" &&
		grep -q '57014' "$out/failures.txt"; then
		cq_pass "oracle self-test: tfloat_fuzz fails on a sabotaged database (XX000, timeout, terminated backend), inputs saved"
	else
		cq_fail "oracle self-test: tfloat_fuzz fails on a sabotaged database" \
			"exit status $rc (want 1); its report: $out.out"
		cq_show_file "$out.out" 12
	fi
}

# No backend died of a signal or an assertion during the campaigns.
cqf_server_log()
{
	local log=$CQ_TMP/pg-fuzz/log hits
	hits=$(grep -E 'terminated by signal|exited with exit code|was terminated by exception|PANIC:|TRAP:' "$log" || true)
	if [ -z "$hits" ]; then
		cq_pass "server log: no backend crashed or panicked"
	else
		cq_fail "server log: no backend crashed or panicked" "$(head -n 3 <<<"$hits")"
	fi
}

# ---------------------------------------------------------------------------
# 2. The relay's HTTP input under AddressSanitizer

cqf_worker_up()
{
	[ "$(cqf_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQF_DB'")" = 1 ]
}

# cqf_gone PID: true when PID has exited (a zombie counts as exited).
cqf_gone()
{
	! kill -0 "$1" 2>/dev/null || grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

cqf_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

cqf_relay()
{
	local bin=$CQ_ROOT/relay/cqstream-relay-asan lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock}
	local port pid rc=0 t count=20000 seconds=0
	if (flock 9 && make --no-print-directory -C "$CQ_ROOT" PG_CONFIG="$PG_CONFIG" relay-asan) \
		9>>"$lock" >"$CQF_OUT/make-relay-asan.log" 2>&1 && [ -x "$bin" ]; then
		cq_pass "make relay-asan"
	else
		cq_fail "make relay-asan"
		cq_show_tail "$CQF_OUT/make-relay-asan.log" 10
		return 0
	fi
	for t in a b; do
		cqf_sql "CREATE TABLE src_$t (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8)" >/dev/null
		cqf_sql "SELECT cqstream.create_transform('fz_$t', 'src_$t', 't', 'v', 'mul 2', key_column => 'k', options => '{\"retention_rows\": 1000}')" >/dev/null
	done
	if ! cq_wait_cmd 20 cqf_worker_up; then
		cq_fail "cqstream worker running in database $CQF_DB"
		return 0
	fi
	# Rows keep coming while the relay is fuzzed: streams carry events
	(
		i=0
		while :; do
			i=$((i + 1))
			cqf_sql "INSERT INTO src_a (k, v) VALUES ('s' || $i % 3, $i); INSERT INTO src_b (k, v) VALUES (E'k\\r\\n' || $i, $i)" >/dev/null 2>&1 || true
			sleep 0.1
		done
	) &
	echo $! >"$CQF_STATE/inserter.pid"

	port=$(cq_free_port $((CQ_PORT_BASE + 4000)))
	ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:quarantine_size_mb=16:log_path=$CQF_OUT/asan \
		UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1:log_path=$CQF_OUT/ubsan \
		"$bin" --db="$(cqf_conninfo)" --listen="127.0.0.1:$port" --heartbeat=1 \
		--retry=500 >>"$CQF_OUT/relay-asan.log" 2>&1 &
	pid=$!
	echo "$pid" >"$CQF_STATE/relay.pid"
	if ! cq_wait_cmd 15 cqf_healthy "$port"; then
		cq_fail "ASan relay starts (port $port)"
		cq_show_tail "$CQF_OUT/relay-asan.log" 10
		return 0
	fi
	if [ "$CQF_LONG" = 1 ]; then
		seconds=$CQF_SECONDS
		count=0
	fi
	node "$CQF_DIR/relay_fuzz.mjs" 127.0.0.1 "$port" "$pid" \
		"$CQF_SEED" "$count" "$seconds" "$CQF_OUT" fz_a fz_b \
		>"$CQF_OUT/relay_fuzz.out" 2>"$CQF_OUT/relay_fuzz.err" || rc=$?
	if [ "$(cqf_checks "$CQF_OUT/relay_fuzz.out")" -eq 0 ] && [ "$rc" -ne 0 ]; then
		cq_fail "relay_fuzz.mjs exited with status $rc"
		cq_show_tail "$CQF_OUT/relay_fuzz.err" 10
	fi
	grep '^relay_fuzz: [0-9]' "$CQF_OUT/relay_fuzz.err" | sed 's/^relay_fuzz: /  relay: /' | cut -c 1-300 || true
	kill "$(cat "$CQF_STATE/inserter.pid")" 2>/dev/null || true
	rm -f "$CQF_STATE/inserter.pid"

	rc=0
	kill -TERM "$pid" 2>/dev/null || true
	if ! cq_wait_cmd 15 cqf_gone "$pid"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$CQF_STATE/relay.pid"
	if [ "$rc" = 0 ] && ! compgen -G "$CQF_OUT/asan.*" >/dev/null &&
		! compgen -G "$CQF_OUT/ubsan.*" >/dev/null &&
		! grep -qE 'Sanitizer|runtime error' "$CQF_OUT/relay-asan.log"; then
		cq_pass "ASan relay: exit 0 on SIGTERM, no AddressSanitizer, leak or UBSan report"
	else
		cq_fail "ASan relay: exit 0 on SIGTERM, no AddressSanitizer, leak or UBSan report" \
			"exit status $rc; reports: $CQF_OUT/asan.* $CQF_OUT/ubsan.*"
		cat "$CQF_OUT"/asan.* "$CQF_OUT"/ubsan.* "$CQF_OUT/relay-asan.log" 2>/dev/null |
			grep -m 12 -E 'ERROR|SUMMARY|runtime error|#[0-9] ' | sed 's/^/        | /' || true
	fi
}

# ---------------------------------------------------------------------------
# 3. libFuzzer on the relay's parsers

cqf_libfuzzer()
{
	local bin=$CQF_STATE/relay_units_fuzz corpus=$CQF_STATE/corpus rc=0 runs rate
	local seconds=10 jflags jlibs
	[ "$CQF_LONG" = 1 ] && seconds=$CQF_SECONDS
	if ! command -v clang >/dev/null 2>&1; then
		cq_fail "clang for libFuzzer" "install Debian's clang and libclang-rt-14-dev"
		return 0
	fi
	jflags=$(pkg-config --cflags jansson libjwt libcrypto libevent zlib)
	jlibs=$(pkg-config --libs jansson libjwt libcrypto libevent zlib)
	# shellcheck disable=SC2086 # flag lists
	if clang -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-I"$CQ_ROOT/relay" -I"$CQ_ROOT/src" $jflags -o "$bin" \
		"$CQF_DIR/relay_units_fuzz.c" "$CQ_ROOT/relay/sse.c" \
		"$CQ_ROOT/relay/payload.c" "$CQ_ROOT/relay/names.c" \
		"$CQ_ROOT/relay/webtoken.c" "$CQ_ROOT/relay/gzip.c" \
		"$CQ_ROOT/relay/tpvalue.c" "$CQ_ROOT/relay/mpoint.c" $jlibs \
		>"$CQF_OUT/libfuzzer-build.log" 2>&1; then
		cq_pass "relay_units_fuzz builds (clang, libFuzzer, ASan, UBSan)"
	else
		cq_fail "relay_units_fuzz builds (clang, libFuzzer, ASan, UBSan)"
		cq_show_tail "$CQF_OUT/libfuzzer-build.log" 10
		return 0
	fi
	# Seeds: the first byte picks the function (relay_units_fuzz.c)
	mkdir -p "$corpus"
	printf '\0001-2.3-4' >"$corpus/cursor"
	printf '\0001000000000007' >"$corpus/id"
	printf '\001a.b_c\000instant\000{"a":1}\r\n{"b":2}\rx' >"$corpus/event"
	printf '\002one\r\ntwo\rthree\n' >"$corpus/comment"
	printf '\003[{"id":1,"key":"s1","v":1.5},{"query":"q","id":2,"ref":true}]' >"$corpus/array"
	printf '\003{"id": 7, "key": "a \\" b", "x": [1, {"y": 2}]}' >"$corpus/object"
	printf '\004avg_*_x\000avg_temp_x' >"$corpus/glob"
	# A token made by node (test/relay/mint.mjs) with the target's secret
	printf '\005%s\000.app.role' "$(node "$CQ_ROOT/test/relay/mint.mjs" HS256 \
		relay-fuzz-secret-0123456789abcdefghij \
		'{"role":"alice","app":{"role":"bob"},"exp":1800000000,"aud":["a"]}')" \
		>"$corpus/webtoken"
	printf '\006deflate, gzip;q=0.5, *;q=0' >"$corpus/accept"
	printf '\007retry: 2000\n\n\000id: 1\nevent: instant\ndata: {"id":1,"v":2}\n\n\000id: 2\nevent: instant\ndata: {"id":2,"v":3}\n\n' \
		>"$corpus/gzip"
	printf '\010{"datetimes":["2026-12-06T12:00:00Z","2026-12-06T12:00:01.5+01:00"],"values":[1,"a"],"interpolation":"Step"}' \
		>"$corpus/tpvalue"
	printf '\011{"type":"MovingPoint","coordinates":[[4.35,50.85],[-180,90]],"datetimes":["2026-12-07T10:00:00Z","2026-12-07T10:00:01.5+01:00"],"interpolation":"Linear"}' \
		>"$corpus/mpoint"
	"$bin" -max_total_time="$seconds" -seed="$CQF_SEED" -rss_limit_mb=2048 \
		-artifact_prefix="$CQF_OUT/libfuzzer-" -print_final_stats=1 "$corpus" \
		>"$CQF_OUT/libfuzzer.log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$CQF_OUT/libfuzzer.log")
	rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$CQF_OUT/libfuzzer.log")
	if [ "$rc" -eq 0 ] && [ -n "$runs" ]; then
		cq_pass "libFuzzer on the relay's cursor, SSE, payload, pattern and JWT code: $runs runs in ${seconds}s ($rate/s), no crash, contracts hold"
	else
		cq_fail "libFuzzer on the relay's cursor, SSE, payload, pattern and JWT code" \
			"exit status $rc; crashing input: $(compgen -G "$CQF_OUT/libfuzzer-*" | head -n 1)"
		grep -m 8 -E 'ERROR|SUMMARY|broken contract|runtime error|#[0-9] ' \
			"$CQF_OUT/libfuzzer.log" | sed 's/^/        | /' || true
	fi
}

# ---------------------------------------------------------------------------

# cq_fuzz_tests: every fuzz campaign, in order; stops what it started.
cq_fuzz_tests()
{
	CQF_DIR=$CQ_ROOT/test/fuzz
	CQF_STATE=$CQ_TMP/fuzz
	CQF_OUT=$CQ_ARTIFACTS/fuzz
	CQF_LONG=${CQ_FUZZ_LONG:-0}
	if [ "$CQF_LONG" = 1 ]; then
		CQF_N=${CQ_FUZZ_N:-1000000}
		CQF_SECONDS=${CQ_FUZZ_SECONDS:-300}
		CQF_SEED=${CQ_FUZZ_SEED:-$(date +%s)}
	else
		CQF_N=${CQ_FUZZ_N:-100000}
		CQF_SECONDS=0
		CQF_SEED=${CQ_FUZZ_SEED:-1}
	fi
	mkdir -p "$CQF_STATE" "$CQF_OUT"
	trap cqf_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	echo "  seed $CQF_SEED (CQ_FUZZ_SEED=$CQF_SEED repeats this run), $CQF_N inputs per tfloat input function"

	local t start
	cqf_setup || return 0
	for t in tfloat self_test relay libfuzzer server_log; do
		start=$SECONDS
		"cqf_$t"
		echo "$t $((SECONDS - start))s" >>"$CQF_OUT/times.log"
	done
}
