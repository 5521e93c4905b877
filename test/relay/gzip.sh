# shellcheck shell=bash
# test/relay/gzip.sh: the relay's gzip content coding (relay/gzip.c), end
# to end, for suite_relay_gzip of test/run.sh.
#
# Design notes
#
# One cluster, "gz", database cq, with a transform gz_q over table gz_src
# and five results; one relay (the AddressSanitizer build, no
# authentication, --heartbeat=1).  Every compressed answer is compared
# with the identity answer to the same request, byte for byte, after
# decoding by a decoder that is not the relay's: curl --compressed, gzip
# (which also checks the CRC and length of the trailer) and node's zlib
# (test/relay/gunzip.mjs) and chromium (test/relay/gzip-chromium.mjs:
# a JSON reply and an EventSource).  That each event is flushed is shown by a live
# event and a heartbeat decoded while the stream is still open; the
# trailer by a stream the relay ends (SIGTERM) that `gzip -t` accepts.
# Hostile Accept-Encoding headers each expect one outcome (gzip or
# identity) that the other would fail.
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh and
# test/lib/cluster.sh and test/lib/node.sh.

CQG_DB=cq

cqg_sql()
{
	cq_psql gz -d "$CQG_DB" -At -c "$1"
}

cqg_healthy()
{
	curl -sf --max-time 2 "http://127.0.0.1:$1/healthz" | grep -q '"database": *true'
}

cqg_worker_up()
{
	[ "$(cqg_sql "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQG_DB'")" = 1 ]
}

cqg_has_results()
{
	[ "$(cqg_sql "SELECT count(*) FROM cqstream.results('gz_q', 0, 1000000)")" = "$1" ]
}

cqg_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# cqg_get NAME PATH [CURLARG...]: GET into $CQG_STATE/NAME.body and
# NAME.headers; status in CQG_CODE.  Streams are cut once settled
# (cq_curl_sse).
cqg_get()
{
	local name=$1 path=$2
	shift 2
	CQG_CODE=$(cq_curl_sse "$CQG_STATE/$name.headers" "$CQG_STATE/$name.body" \
		"http://127.0.0.1:$CQG_PORT$path" "$@")
}

cqg_header()
{
	grep -qi "^$2:[[:space:]]*${3:-}" "$CQG_STATE/$1.headers"
}

# cqg_same_json PATH: the gzip body, decoded by gzip, is the identity body
cqg_same_json()
{
	local path=$1
	cqg_get id "$path"
	cqg_header id Content-Encoding && {
		echo "identity request got a Content-Encoding"
		return 1
	}
	cqg_get gz "$path" -H 'Accept-Encoding: gzip'
	cqg_header gz Content-Encoding gzip || {
		echo "no Content-Encoding: gzip ($CQG_CODE)"
		return 1
	}
	cqg_header gz Vary 'Accept-Encoding' || {
		echo "no Vary: Accept-Encoding"
		return 1
	}
	gzip -dc <"$CQG_STATE/gz.body" >"$CQG_STATE/gz.decoded" || return 1
	cmp "$CQG_STATE/gz.decoded" "$CQG_STATE/id.body" || return 1
	[ -s "$CQG_STATE/id.body" ] || {
		echo "empty body"
		return 1
	}
	cqg_get cc "$path" --compressed
	cmp "$CQG_STATE/cc.body" "$CQG_STATE/id.body"
}

cqg_api_smaller()
{
	cqg_get gz /api -H 'Accept-Encoding: gzip'
	gzip -dc <"$CQG_STATE/gz.body" | cmp - "$CQ_ROOT/relay/openapi.json" || return 1
	local z n
	z=$(stat -c %s "$CQG_STATE/gz.body")
	n=$(stat -c %s "$CQ_ROOT/relay/openapi.json")
	[ "$((z * 3))" -lt "$n" ] || {
		echo "compressed $z bytes of $n: not a third"
		return 1
	}
}

cqg_identity_default()
{
	cqg_get id /queries/gz_q
	[ "$CQG_CODE" = 200 ] || return 1
	cqg_header id Content-Encoding && return 1
	cqg_header id Vary 'Accept-Encoding' || {
		echo "no Vary: Accept-Encoding"
		return 1
	}
	grep -q '"name":"gz_q"' "$CQG_STATE/id.body"
}

cqg_error_gz()
{
	cqg_get gz /queries/no_such_q -H 'Accept-Encoding: gzip'
	[ "$CQG_CODE" = 404 ] || return 1
	cqg_header gz Content-Encoding gzip || return 1
	[ "$(gzip -dc <"$CQG_STATE/gz.body")" = '{"error":{"status":404,"message":"no such query"}}' ]
}

# cqg_hostile EXPECT HEADER_VALUE: /queries/gz_q answers 200, gzip-coded
# or not as EXPECT (gzip, identity) says, and the same JSON either way
cqg_hostile()
{
	local expect=$1 value=$2
	cqg_get h /queries/gz_q -H "Accept-Encoding: $value"
	[ "$CQG_CODE" = 200 ] || {
		echo "status $CQG_CODE"
		return 1
	}
	if [ "$expect" = gzip ]; then
		cqg_header h Content-Encoding gzip || {
			echo "identity, expected gzip"
			return 1
		}
		gzip -dc <"$CQG_STATE/h.body" >"$CQG_STATE/h.decoded" || return 1
	else
		! cqg_header h Content-Encoding || {
			echo "coded, expected identity"
			return 1
		}
		cp "$CQG_STATE/h.body" "$CQG_STATE/h.decoded"
	fi
	grep -q '"name":"gz_q"' "$CQG_STATE/h.decoded"
}

cqg_check()
{
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		cq_pass "$name"
	else
		cq_fail "$name" "$(head -c 600 <<<"$out")"
	fi
}

# A stream without its heartbeats (": heartbeat" and the blank line that
# ends it): how many fall into a 2-second read depends on when it started,
# so two reads of the same replay differ only by them.
cqg_no_heartbeats()
{
	awk '/^: heartbeat$/ { beat = 1; next }
		beat && $0 == "" { beat = 0; next }
		{ beat = 0; print }'
}

# The replay of a stream, through curl --compressed, is the identity one
cqg_stream_replay()
{
	local path="/queries/gz_q/stream?last_event_id=$CQG_START"
	cqg_get sid "$path"
	cqg_get sgz "$path" --compressed
	cqg_header sgz Content-Encoding gzip || {
		echo "stream not gzip-coded"
		return 1
	}
	cqg_no_heartbeats <"$CQG_STATE/sid.body" >"$CQG_STATE/sid.txt"
	cqg_no_heartbeats <"$CQG_STATE/sgz.body" >"$CQG_STATE/sgz.txt"
	[ "$(grep -c '^event: instant' "$CQG_STATE/sgz.txt")" = 5 ] || {
		echo "not 5 events:"
		head -c 400 "$CQG_STATE/sgz.txt"
		return 1
	}
	cmp "$CQG_STATE/sid.txt" "$CQG_STATE/sgz.txt"
}

cqg_decoded_has()
{
	grep -q -- "$1" "$CQG_STATE/live.txt"
}

# A live event and a heartbeat decode while the stream is open
cqg_stream_live()
{
	local pid ok=0
	node "$CQ_ROOT/test/relay/gunzip.mjs" \
		"http://127.0.0.1:$CQG_PORT/queries/gz_q/stream" "$CQG_STATE/live.txt" 40 \
		2>"$CQG_STATE/live.err" &
	pid=$!
	if ! cq_wait_cmd 10 cqg_decoded_has '^: cqstream-relay'; then
		echo "no opening comment decoded: $(cat "$CQG_STATE/live.err")"
		ok=1
	fi
	[ "$ok" = 1 ] || cqg_sql "INSERT INTO gz_src (k, v) VALUES ('live', 42)" >/dev/null
	if [ "$ok" = 0 ] && ! cq_wait_cmd 10 cqg_decoded_has '"value":84'; then
		echo "the live event was not decoded while the stream was open"
		ok=1
	fi
	if [ "$ok" = 0 ] && ! cq_wait_cmd 5 cqg_decoded_has '^: heartbeat'; then
		echo "no heartbeat decoded while the stream was open"
		ok=1
	fi
	if [ "$ok" = 0 ] && cqg_gone "$pid"; then
		echo "the client had ended: $(cat "$CQG_STATE/live.err")"
		ok=1
	fi
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	[ "$ok" = 0 ] || head -c 400 "$CQG_STATE/live.txt"
	return "$ok"
}

# The checks of test/relay/gzip-chromium.mjs, one cq_pass/cq_fail each
cqg_chromium()
{
	local out=$CQG_LOGS/chromium.out rc=0
	node "$CQ_ROOT/test/relay/gzip-chromium.mjs" "http://127.0.0.1:$CQG_PORT" gz_q \
		"$CQG_START" 5 "$CQG_STATE/id.body" >"$out" 2>"$CQG_LOGS/chromium.err" || rc=$?
	cq_report_checks "$out" "$rc" "gzip-chromium.mjs" "$CQG_LOGS/chromium.err"
}

# cqg_raw_replayed: the gzip stream read so far decodes (up to its last
# flush) to the 6 events of the log.  Its first bytes are the opening
# comment, written before the replay is read from the database: a SIGTERM
# then would end the stream without them.
cqg_raw_replayed()
{
	[ "$(gzip -dc <"$CQG_STATE/end.raw" 2>/dev/null | grep -c '^event: instant')" = 6 ]
}

# A stream the relay ends (SIGTERM): a whole gzip member, trailer checked
cqg_stream_end()
{
	local cpid rpid
	rpid=$(cat "$CQG_STATE/relay.pid")
	curl -sN --max-time 30 -H 'Accept-Encoding: gzip' -o "$CQG_STATE/end.raw" \
		"http://127.0.0.1:$CQG_PORT/queries/gz_q/stream?last_event_id=$CQG_START" &
	cpid=$!
	cq_wait_cmd 20 cqg_raw_replayed || {
		echo "not the 6 events of the log in the stream:"
		gzip -dc <"$CQG_STATE/end.raw" 2>/dev/null | head -c 600
		kill "$cpid" 2>/dev/null
		return 1
	}
	kill -TERM "$rpid"
	cq_wait_cmd 15 cqg_gone "$cpid" || {
		kill "$cpid" 2>/dev/null
		echo "the stream did not end"
		return 1
	}
	wait "$cpid" || {
		echo "curl: the response did not end properly"
		return 1
	}
	gzip -t <"$CQG_STATE/end.raw" || return 1
	gzip -dc <"$CQG_STATE/end.raw" >"$CQG_STATE/end.txt"
	[ "$(grep -c '^event: instant' "$CQG_STATE/end.txt")" = 6 ] &&
		[ "$(grep -c '^retry:' "$CQG_STATE/end.txt")" = 2 ] || {
		head -c 600 "$CQG_STATE/end.txt"
		return 1
	}
}

cqg_cleanup()
{
	local pid
	pid=$(cat "$CQG_STATE/relay.pid" 2>/dev/null) || pid=
	if [ -n "$pid" ]; then
		kill -TERM "$pid" 2>/dev/null || true
		cq_wait_cmd 10 cqg_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
		rm -f "$CQG_STATE/relay.pid"
	fi
	if [ -f "$CQ_TMP/pg-gz/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-gz/data" -m immediate \
			-w -t 30 stop >/dev/null 2>&1 || true
	fi
	cp "$CQ_TMP/pg-gz/log" "$CQG_LOGS/server.log" 2>/dev/null || true
}

cqg_setup()
{
	if ! cq_cluster_start gz "cqstream.poll_interval = '10ms'"; then
		cq_fail "cluster for the gzip tests"
		return 1
	fi
	cq_psql gz -d postgres -c "CREATE DATABASE $CQG_DB" >/dev/null
	cqg_sql "CREATE EXTENSION cqstream" >/dev/null
	cq_wait_cmd 20 cqg_worker_up || {
		cq_fail "cqstream worker running in database $CQG_DB"
		return 1
	}
	cq_psql gz -d "$CQG_DB" >/dev/null <<-'EOF'
		CREATE TABLE gz_src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, t timestamptz NOT NULL DEFAULT now(), k text, v float8);
		SELECT cqstream.create_transform('gz_q', 'gz_src', 't', 'v', 'mul 2', key_column => 'k');
		INSERT INTO gz_src (k, v) SELECT 's' || g, g FROM generate_series(1, 5) g;
	EOF
	if ! cq_wait_cmd 30 cqg_has_results 5; then
		cq_fail "query gz_q has its 5 results"
		return 1
	fi
	CQG_START=$(cqg_sql "SELECT id * 1000000000000 FROM cqstream.query WHERE name = 'gz_q'")
	CQG_PORT=$(cq_free_port "$((CQ_PORT_BASE + 70))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$CQG_BIN" \
		--db="host=$CQ_TMP/pg-gz port=$(cat "$CQ_TMP/pg-gz/port") user=postgres dbname=$CQG_DB" \
		--listen="127.0.0.1:$CQG_PORT" --heartbeat=1 >>"$CQG_LOGS/relay.log" 2>&1 &
	echo $! >"$CQG_STATE/relay.pid"
	if ! cq_wait_cmd 15 cqg_healthy "$CQG_PORT"; then
		cq_fail "relay for the gzip tests connects" "$(tail -n 5 "$CQG_LOGS/relay.log")"
		return 1
	fi
}

cq_relay_gzip_tests()
{
	local v rc pid why
	CQG_STATE=$CQ_TMP/relay-gzip
	CQG_LOGS=$CQ_ARTIFACTS/relay-gzip
	mkdir -p "$CQG_STATE" "$CQG_LOGS"
	trap cqg_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	cq_pg_env
	if ! command -v node >/dev/null || ! command -v gzip >/dev/null; then
		cq_fail "node and gzip present"
		return 0
	fi
	if ! why=$(cq_node_setup); then
		cq_fail "node packages for the chromium checks" "$why"
		return 0
	fi
	CQG_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQG_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQG_LOGS/relay-asan-build.log" 10
		return 0
	fi
	cqg_setup || return 0
	cqg_check "/queries/gz_q with Accept-Encoding: gzip: gzip-coded, Vary, decodes (gzip, curl --compressed) to the identity bytes" \
		cqg_same_json /queries/gz_q
	cqg_check "/queries with gzip decodes to the identity bytes" cqg_same_json /queries
	cqg_check "/api with gzip: relay/openapi.json byte for byte, under a third of its size" \
		cqg_api_smaller
	cqg_check "no Accept-Encoding: identity (no Content-Encoding), Vary: Accept-Encoding" \
		cqg_identity_default
	cqg_check "a JSON error with gzip: 404, gzip-coded, the same message" cqg_error_gz
	while IFS='|' read -r want v; do
		cqg_check "Accept-Encoding \"${v:0:60}\": $want" cqg_hostile "$want" "$v"
	done <<-EOF
		gzip|gzip
		gzip|GZip
		gzip|x-gzip
		gzip|deflate, gzip;q=0.5, br
		gzip|*
		gzip|gzip;q=0.001
		gzip|gzip ; q=1.000
		gzip|identity;q=0, gzip
		identity|identity
		identity|deflate, br
		identity|gzip;q=0
		identity|gzip;q=0.000
		identity|*;q=0
		identity|br, gzip;q=0, *
		identity|gzip;q=1, gzip;q=0
		identity|gzip;q=2
		identity|gzip;q=-1
		identity|gzip;q=abc
		identity|gzip;q=0.0001
		identity|gzip;q=
		identity|gzip;level=9
		identity|gzipx
		identity|g zip
		identity|;;;,,,;q=1
		identity|identity;q=0
		gzip|$(printf ',%.0s' $(seq 1 3000))gzip
		identity|$(printf 'gzip;q=0, %.0s' $(seq 1 1000))
	EOF
	cqg_get id /queries/gz_q
	cqg_chromium
	cqg_check "a stream's replay through curl --compressed: the identity stream's bytes (5 events)" \
		cqg_stream_replay
	cqg_check "a gzip stream (node's zlib): a live event and a heartbeat decode while it is open (each flushed)" \
		cqg_stream_live
	cqg_check "a gzip stream the relay ends (SIGTERM): gzip -t accepts it (trailer), 6 events and the closing retry" \
		cqg_stream_end
	pid=$(cat "$CQG_STATE/relay.pid")
	cq_wait_cmd 10 cqg_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	rc=0
	wait "$pid" 2>/dev/null || rc=$?
	rm -f "$CQG_STATE/relay.pid"
	if [ "$rc" = 0 ] && ! grep -q 'Sanitizer' "$CQG_LOGS/relay.log"; then
		cq_pass "the relay (ASan): no sanitizer or leak report, exit 0 on SIGTERM"
	else
		cq_fail "the relay (ASan): no sanitizer report, exit 0 on SIGTERM" "exit $rc" \
			"$(grep -h -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQG_LOGS/relay.log" | head -20)"
	fi
}
