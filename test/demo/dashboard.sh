# shellcheck shell=bash
# test/demo/dashboard.sh: `make demo` and its dashboard, end to end (the
# harness suite `dashboard`).
#
# Design notes
#
# The suite runs the real demo/demo.sh (--no-build: the build suite has
# just built and installed; a free relay port; --duration as a safety net
# only), reads the lines it prints, and drives Debian's chromium through
# test/demo/dashboard.mjs against the demo's relay: the query table, live
# points on the chart and rows in the table for the transform and for
# every window query, the newest row against the results log, and a
# screenshot in $CQ_ARTIFACTS/dashboard.png; then the map of the demo's
# vehicles, two frames a few seconds apart (map-1.png, map-2.png), checked
# on the marker positions the page drew against the results log.  The same script then starts
# a relay of its own on the demo's database, kills it under an open page
# and restarts it: the page must show every result exactly once.
#
# Then it stops the demo as Ctrl-C would (SIGTERM: a background job
# ignores SIGINT, and the demo traps both alike) and checks that the demo
# removed everything: its exit status, its temporary directory, its
# cluster's processes and its relay port.  Logs worth reading are copied to
# $CQ_ARTIFACTS before that.
#
# This file is sourced by test/run.sh, never run; it needs test/lib/*.sh.

# cq_dash_node_checks FILE: turn the PASS/FAIL lines of a Node script
# (test/relay/lib.mjs protocol) into cq_pass / cq_fail; fail if it
# reported nothing.
cq_dash_node_checks()
{
	local file=$1 verdict name detail n=0
	while IFS=$'\t' read -r verdict name detail; do
		case $verdict in
			PASS) cq_pass "$name"; n=$((n + 1)) ;;
			FAIL) cq_fail "$name" "$detail"; n=$((n + 1)) ;;
		esac
	done <"$file"
	[ "$n" -gt 0 ] || cq_fail "dashboard.mjs reported no checks"
}

# cq_dash_line LOG PREFIX: the rest of the demo's output line PREFIX...
cq_dash_line()
{
	sed -n "s/^$2 *//p" "$1" | head -n 1
}

# cq_dash_stop_pidfile FILE: stop the process whose pid FILE holds, if it
# still runs, and remove FILE.
cq_dash_stop_pidfile()
{
	local pid
	pid=$(cat "$1" 2>/dev/null || true)
	rm -f "$1"
	case $pid in
		'' | *[!0-9]*) return 0 ;;
	esac
	kill -TERM "$pid" 2>/dev/null || true
}

# cq_dash_stop_demo: stop the demo started by the suite, if still running
# (the suite's EXIT trap); the demo cleans up after itself on SIGTERM.
cq_dash_stop_demo()
{
	cq_dash_stop_pidfile "$CQ_TMP/dash-relay.pid"
	[ -n "${CQ_DASH_DEMO:-}" ] || return 0
	kill -TERM "$CQ_DASH_DEMO" 2>/dev/null || true
	wait "$CQ_DASH_DEMO" 2>/dev/null || true
	CQ_DASH_DEMO=
}

# cq_dashboard_tests: the suite; see the header.
cq_dashboard_tests()
{
	local page=relay/dashboard.html size log=$CQ_ARTIFACTS/demo.log
	local port port2 base conninfo cluster relay_log names want
	local why rc deadline i vehicles=20
	local -a psql

	cq_pg_env || {
		cq_fail "PostgreSQL 15 found" "no pg_config for PostgreSQL 15"
		return 0
	}

	# --- the page itself
	size=$(wc -c <"$page")
	if [ "$size" -lt 40960 ]; then
		cq_pass "dashboard.html is small ($size bytes < 40 KB)"
	else
		cq_fail "dashboard.html is small" "expected < 40960 bytes, seen $size"
	fi
	# Self-contained: no absolute or protocol-relative URL anywhere (a CDN
	# script, a web font, an image), no external stylesheet.
	if grep -nE 'https?://|["'\''(=]//|@import|<link[^>]+stylesheet' "$page" \
		>"$CQ_TMP/dash-external"; then
		cq_fail "dashboard.html loads nothing from elsewhere" "$(head -n 3 "$CQ_TMP/dash-external")"
	else
		cq_pass "dashboard.html loads nothing from elsewhere"
	fi

	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	if why=$(cq_node_setup); then
		cq_pass "node packages (playwright-core) ready"
	else
		cq_fail "node packages (playwright-core) ready" "$why"
		return 0
	fi

	# --- the demo
	port=$(cq_free_port 18787)
	port2=$(cq_free_port $((port + 1)))
	# Stop the demo however this suite ends; it removes what it made.
	# (A global: the trap runs after this function's locals are gone.)
	CQ_DASH_DEMO=
	trap 'cq_dash_stop_demo' EXIT
	bash demo/demo.sh --no-build --port "$port" --vehicles "$vehicles" --duration 300 >"$log" 2>&1 &
	CQ_DASH_DEMO=$!
	deadline=$((SECONDS + 90))
	while ! grep -q '^relay log:' "$log" && kill -0 "$CQ_DASH_DEMO" 2>/dev/null &&
		[ "$SECONDS" -lt "$deadline" ]; do
		sleep 0.2
	done
	base=$(cq_dash_line "$log" 'dashboard:')
	if [ "$base" = "http://127.0.0.1:$port/" ] && kill -0 "$CQ_DASH_DEMO" 2>/dev/null; then
		cq_pass "make demo starts and prints the dashboard URL"
	else
		cq_fail "make demo starts and prints the dashboard URL" \
			"expected 'dashboard: http://127.0.0.1:$port/'; demo output:"
		cq_show_tail "$log" 20
		return 0
	fi
	base=${base%/}
	conninfo=$(sed -n 's/^psql: *psql "\([^"]*\)".*/\1/p' "$log")
	cluster=$(cq_dash_line "$log" 'cluster:')
	relay_log=$(cq_dash_line "$log" 'relay log:')
	psql=("$PG_BINDIR/psql" -X -At "$conninfo")

	# The line the demo prints for psql works, and lists the queries.
	names=$("${psql[@]}" -c "SELECT string_agg(name, ',' ORDER BY name) FROM cqstream.queries" 2>&1 || true)
	want=avg_temp_10s,avg_temp_5rows,door_open_10s,max_temp_1m,statuses_10s,temp_f,vehicle_avg_speed_10s,vehicle_pos,vehicle_speed
	if [ "$names" = "$want" ]; then
		cq_pass "demo registered its 9 queries (psql line works)"
	else
		cq_fail "demo registered its 9 queries (psql line works)" "expected $want" "seen $names"
	fi

	# The relay serves this very page, and the printed curl line streams.
	if curl -fsS "$base/" -o "$CQ_TMP/dash-served" && cmp -s "$CQ_TMP/dash-served" "$page"; then
		cq_pass "relay serves relay/dashboard.html at /"
	else
		cq_fail "relay serves relay/dashboard.html at /" \
			"GET $base/ gave $(wc -c <"$CQ_TMP/dash-served" 2>/dev/null || echo no) bytes, file has $size"
	fi
	(timeout 10 curl -sN "$base/queries/temp_f/stream" || true) |
		grep -m 1 -A 1 '^event: instant' >"$CQ_TMP/dash-curl" || true
	if grep -q '^data: {"query":"temp_f"' "$CQ_TMP/dash-curl" ||
		grep -q '^data: {.*"query": *"temp_f"' "$CQ_TMP/dash-curl"; then
		cq_pass "the printed curl -N line streams temp_f events"
	else
		cq_fail "the printed curl -N line streams temp_f events" \
			"expected 'event: instant' then 'data: {...temp_f...}' within 10 s; seen: $(head -c 200 "$CQ_TMP/dash-curl")"
	fi

	# --- the browser
	rc=0
	CQ_DASH_VEHICLES=$vehicles CQ_PSQL="${psql[*]@Q}" CQ_RELAY_PIDFILE=$CQ_TMP/dash-relay.pid timeout 300 node test/demo/dashboard.mjs "$base" "$names" \
		"$CQ_ARTIFACTS/dashboard.png" "$CQ_ROOT/relay/cqstream-relay" "$conninfo" "$port2" \
		>"$CQ_TMP/dash-node.out" 2>"$CQ_ARTIFACTS/dashboard-node.err" || rc=$?
	cq_dash_node_checks "$CQ_TMP/dash-node.out"
	# The script stops its relay itself, unless it was killed (timeout).
	cq_dash_stop_pidfile "$CQ_TMP/dash-relay.pid"
	if [ "$rc" -ne 0 ]; then
		cq_fail "dashboard.mjs exit status" "expected 0, seen $rc"
		cq_show_tail "$CQ_ARTIFACTS/dashboard-node.err" 10
	fi
	for i in dashboard map-1 map-2; do
		if [ -s "$CQ_ARTIFACTS/$i.png" ]; then
			cq_pass "screenshot saved ($CQ_ARTIFACTS/$i.png)"
		else
			cq_fail "screenshot saved" "no $CQ_ARTIFACTS/$i.png"
		fi
	done

	# --- Ctrl-C: the demo stops and leaves nothing behind
	cp "$relay_log" "$CQ_ARTIFACTS/demo-relay.log" 2>/dev/null || true
	cp "$cluster/log" "$CQ_ARTIFACTS/demo-server.log" 2>/dev/null || true
	kill -TERM "$CQ_DASH_DEMO" 2>/dev/null || true
	for i in $(seq 300); do
		kill -0 "$CQ_DASH_DEMO" 2>/dev/null || break
		sleep 0.1
	done
	rc=0
	if [ "$i" -ge 300 ]; then
		rc=timeout
	else
		wait "$CQ_DASH_DEMO" || rc=$?
	fi
	CQ_DASH_DEMO=
	if [ "$rc" = 0 ]; then
		cq_pass "demo stops on SIGTERM/Ctrl-C with status 0"
	else
		cq_fail "demo stops on SIGTERM/Ctrl-C with status 0" "seen: $rc"
		cq_show_tail "$log" 10
	fi
	if [ -n "$cluster" ] && [ ! -e "$cluster" ] && ! pgrep -f -- "$cluster" >/dev/null &&
		! cq_port_listening "$port"; then
		cq_pass "demo removed its cluster, processes and relay port"
	else
		cq_fail "demo removed its cluster, processes and relay port" \
			"cluster dir ${cluster:-?}: $([ -e "$cluster" ] && echo present || echo gone);" \
			"processes: $(pgrep -f -- "${cluster:-/nonexistent}" | tr '\n' ' ');" \
			"port $port: $(cq_port_listening "$port" && echo listening || echo free)"
	fi
}
