#!/usr/bin/env bash
#
# test/bench/relay.sh: cqstream-relay beside nchan, the SSE server a user
# would put behind PostgreSQL instead (`make bench`, run by
# test/bench/run.sh).
#
# Design notes
#
# Both servers run one after the other in the same run, each pinned to
# core 0 (taskset -c 0; nginx with one worker), the load client
# (test/bench/sseload.c, built here with cc -O2 ... -levent) on core 1
# when there is one.  Three measurements per server:
#
#   1. memory per idle client: RSS of the server process (nginx: its
#      worker) just after start, then with 1,000 and with 10,000 idle
#      subscribers: (RSS - RSS at start) / clients;
#   2. deliveries/s: 1,000 subscribers of one stream, EVENTS events
#      published as fast as the feeder can (cqstream: a transform query
#      over bench_relay_src fed 100 rows per transaction; nchan: POSTs
#      pipelined 32 deep on one keep-alive connection), counted at the
#      clients from the first event to the last (or to TP_SECONDS after
#      the subscribers are ready, so a slow server does not stretch the
#      run);
#   3. commit-to-client latency: 10,000 subscribers, 1 and then 10
#      events/s for LAT_SECONDS; "datetime" in each event is the commit
#      (cqstream: the row's ts, clock_timestamp() just before COMMIT) or
#      publish (nchan) time.  Sustained = every client received every
#      event within about 3 s of the last one being sent.
#
# The progress lines also give each server's CPU time per delivery (from
# /proc/PID/stat): on this shared 2-core machine the wall-clock figures
# move with the other engineers' load, CPU per delivery much less.
#
# Each cqstream phase has its own query, created just before it (so it
# sees only that phase's rows) and dropped after.
#
# nginx runs unprivileged (as nobody when we are root) with its own
# prefix, pid and logs in the run's temp dir.  One exception: nchan
# always registers nginx's compiled-in client body temp path
# /var/lib/nginx/body for large messages and creates it at start, which
# an unprivileged nginx cannot; it is created here once, as nginx itself
# would when started as root.  Nothing is left running: every process
# started here is recorded and stopped by the EXIT trap.
#
# Environment: the bench cluster's PGHOST, PGPORT, PGUSER, PGDATABASE and
# PG_BINDIR (run.sh sets them); CQ_RELAY_BIN (default relay/cqstream-relay,
# else PG_BINDIR's); RELAY_BENCH_EVENTS (1000), RELAY_BENCH_LAT_SECONDS
# (20), RELAY_BENCH_LAT_CLIENTS (10000).
set -euo pipefail

: "${PGHOST:?} ${PGPORT:?} ${PGDATABASE:?}"
CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
PSQL=${PG_BINDIR:+$PG_BINDIR/}psql
EVENTS=$(((${RELAY_BENCH_EVENTS:-1000} + 99) / 100 * 100))
TP_CLIENTS=1000
TP_SECONDS=15
LAT_SECONDS=${RELAY_BENCH_LAT_SECONDS:-20}
LAT_CLIENTS=${RELAY_BENCH_LAT_CLIENTS:-10000}
NGINX_PACKAGES=(nginx-light libnginx-mod-nchan)
NCHAN_MODULE=/usr/lib/nginx/modules/ngx_nchan_module.so

# cq_free_port (reads /proc/net/tcp*); cluster.sh only defines functions.
# shellcheck source=test/lib/cluster.sh
. "$CQ_ROOT/test/lib/cluster.sh"

WORK=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-relaybench.XXXXXX")
chmod 755 "$WORK"
QUERIES=(bench_relay_idle bench_relay_tp bench_relay_l1 bench_relay_l10)

# Every process started here is listed in $WORK/pids until stopped: each
# system runs in a subshell (so that set -e holds inside it), which
# cannot update the parent's variables.
: >"$WORK/pids"

# track PID: remember PID for the cleanup.
track()
{
	echo "$1" >>"$WORK/pids"
}

# stop_pid PID: SIGTERM, then SIGKILL after 5 s; waits for it and forgets
# it.
stop_pid()
{
	local pid=$1 i
	[ -n "$pid" ] || return 0
	if kill -TERM "$pid" 2>/dev/null; then
		for ((i = 0; i < 50; i++)); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$pid" 2>/dev/null || true
		wait "$pid" 2>/dev/null || true
	fi
	sed -i "/^$pid\$/d" "$WORK/pids" 2>/dev/null || true
}

# stop_all: stop every process still listed.
# shellcheck disable=SC2317 # called by EXIT traps
stop_all()
{
	local pid
	[ -f "$WORK/pids" ] || return 0
	for pid in $(tac "$WORK/pids"); do
		stop_pid "$pid"
	done
}

# shellcheck disable=SC2317 # called by the EXIT trap
cleanup()
{
	stop_all
	"$PSQL" -X -q -c "SELECT cqstream.drop_query(name) FROM cqstream.queries
		WHERE name = ANY ('{${QUERIES[*]}}'::text[])" \
		-c 'DROP TABLE IF EXISTS bench_relay_src CASCADE' \
		-c 'DROP PROCEDURE IF EXISTS bench_relay_feed(int, float8, int)' \
		>/dev/null 2>&1 || true
	rm -rf "$WORK"
}
trap cleanup EXIT

q()
{
	"$PSQL" -X -q -At -v ON_ERROR_STOP=1 "$@"
}

# as_root CMD...: run CMD as root (through sudo when we are not).
as_root()
{
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# ---------------------------------------------------------------------------
# What the run needs

missing=()
for p in "${NGINX_PACKAGES[@]}"; do
	case $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true) in
		*" ok installed") ;;
		*) missing+=("$p") ;;
	esac
done
if [ "${#missing[@]}" -gt 0 ]; then
	as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
	as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${missing[@]}" >/dev/null
fi
# Installing nginx may have started the system nginx (Debian enables it);
# it listens on :80 only and is left as the package set it up.
[ -d /var/lib/nginx/body ] || as_root install -d -m 0700 /var/lib/nginx/body
[ -f "$NCHAN_MODULE" ] || {
	echo "relay: $NCHAN_MODULE is missing" >&2
	exit 1
}

cc -O2 -Wall -Wextra -Werror -o "$WORK/sseload" \
	"$CQ_ROOT/test/bench/sseload.c" -levent

RELAY=${CQ_RELAY_BIN:-}
if [ -z "$RELAY" ]; then
	RELAY=$CQ_ROOT/relay/cqstream-relay
	[ -x "$RELAY" ] || RELAY=${PG_BINDIR:+$PG_BINDIR/}cqstream-relay
fi
if ! [ -x "$RELAY" ]; then
	echo "relay: no cqstream-relay binary (relay/cqstream-relay); nchan only" >&2
	RELAY=
fi

NOFILE=$(ulimit -Hn)
SERVER_CPU=(taskset -c 0)
CLIENT_CPU=()
if [ "$(nproc)" -ge 2 ]; then
	CLIENT_CPU=(taskset -c 1)
fi

# The worker must be up before the first query (as in engine.sh).
q -f "$(dirname "$(readlink -f "$0")")/lib/wait_worker.sql"
q -f "$CQ_ROOT/test/bench/relay/setup.sql"

# ---------------------------------------------------------------------------
# Servers

SERVER_PID=   # the process started (nginx: the master)
MEASURE_PID=  # the process whose memory is measured (nginx: its worker)
PORT=

# wait_listening PORT PID: until PORT accepts or PID died (false), 10 s.
wait_listening()
{
	local i
	for ((i = 0; i < 100; i++)); do
		cq_port_listening "$1" && return 0
		kill -0 "$2" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

# start_relay: cqstream-relay on a free port, pinned; waits for /healthz.
start_relay()
{
	local i
	PORT=$(cq_free_port 18700)
	(
		ulimit -n "$NOFILE"
		exec "${SERVER_CPU[@]}" "$RELAY" --listen="127.0.0.1:$PORT" \
			--db="host=$PGHOST port=$PGPORT user=${PGUSER:-postgres} dbname=$PGDATABASE" \
			--max-clients=18000
	) >"$WORK/relay.log" 2>&1 &
	SERVER_PID=$!
	track "$SERVER_PID"
	MEASURE_PID=$SERVER_PID
	wait_listening "$PORT" "$SERVER_PID" || {
		echo "relay: cqstream-relay did not start" >&2
		sed 's/^/  | /' "$WORK/relay.log" >&2
		return 1
	}
	for ((i = 0; i < 100; i++)); do
		curl -sf -o /dev/null "http://127.0.0.1:$PORT/healthz" && return 0
		sleep 0.1
	done
	echo "relay: /healthz not ok after 10 s" >&2
	return 1
}

# start_nchan: nginx + nchan on a free port, one worker, pinned,
# unprivileged.
start_nchan()
{
	local dir=$WORK/nginx i
	PORT=$(cq_free_port 18800)
	mkdir -p "$dir"
	sed -e "s|@DIR@|$dir|g" -e "s|@PORT@|$PORT|g" \
		"$CQ_ROOT/test/bench/relay/nginx.conf.in" >"$dir/nginx.conf"
	local drop=()
	if [ "$(id -u)" -eq 0 ]; then
		chown -R nobody:nogroup "$dir"
		drop=(setpriv --reuid=nobody --regid=nogroup --clear-groups)
	fi
	(
		cd "$dir"
		ulimit -n "$NOFILE"
		exec "${drop[@]}" "${SERVER_CPU[@]}" nginx -p "$dir" \
			-c "$dir/nginx.conf" -e "$dir/error.log"
	) >"$dir/out.log" 2>&1 &
	SERVER_PID=$!
	track "$SERVER_PID"
	wait_listening "$PORT" "$SERVER_PID" || {
		echo "relay: nginx did not start" >&2
		cat "$dir/out.log" "$dir/error.log" 2>/dev/null | sed 's/^/  | /' >&2
		return 1
	}
	for ((i = 0; i < 50; i++)); do
		MEASURE_PID=$(pgrep -P "$SERVER_PID" | head -n 1) && [ -n "$MEASURE_PID" ] &&
			return 0
		sleep 0.1
	done
	echo "relay: no nginx worker" >&2
	return 1
}

stop_server()
{
	stop_pid "$SERVER_PID"
	SERVER_PID=
}

rss_kb()
{
	awk '/^VmRSS:/ { print $2 }' "/proc/$MEASURE_PID/status"
}

# cpu_ticks: user + system CPU time of the measured process, in clock
# ticks (the comm field has no spaces here: cqstream-relay, nginx).
cpu_ticks()
{
	awk '{ print $14 + $15 }' "/proc/$MEASURE_PID/stat"
}
TICK=$(getconf CLK_TCK)

# cpu_note TICKS0 LINE: "server CPU s, client CPU s" since TICKS0.
cpu_note()
{
	awk -v t="$(($(cpu_ticks) - $1))" -v hz="$TICK" \
		-v c="$(field "$2" cpu_s)" -v e="$(field "$2" events)" \
		'BEGIN { printf "server CPU %.2f s (%.2f us/delivery), client CPU %.2f s",
			t / hz, (e > 0 ? 1e6 * t / hz / e : 0), c }'
}

# ---------------------------------------------------------------------------
# Load

CLIENT_PID=
# sub_start N PATH EXPECT TIMEOUT: start N subscribers of PATH in the
# background, output in $WORK/sub.out; waits until all have settled.
sub_start()
{
	rm -f "$WORK/ready" "$WORK/sub.out"
	"${CLIENT_CPU[@]}" "$WORK/sseload" sub -n "$1" -e "$3" -t "$4" \
		-r "$WORK/ready" "127.0.0.1:$PORT" "$2" >"$WORK/sub.out" \
		2>"$WORK/sub.err" &
	CLIENT_PID=$!
	track "$CLIENT_PID"
	while [ ! -e "$WORK/ready" ]; do
		if ! kill -0 "$CLIENT_PID" 2>/dev/null; then
			echo "relay: load client ended early" >&2
			cat "$WORK/sub.err" >&2
			return 1
		fi
		sleep 0.05
	done
	# The server may still be setting the subscription up (LISTEN).
	sleep 0.5
}

# sub_wait: wait for the subscribers (after their -e or -t; in this
# shell, not in a $(...), which could not wait for them), check that
# every one of them got its stream, and set LINE to their result line.
sub_wait()
{
	wait "$CLIENT_PID" || true
	stop_pid "$CLIENT_PID"
	LINE=$(tail -n 1 "$WORK/sub.out")
	case $LINE in
		*" failed=0 bad_status=0 closed=0 "*) ;;
		*)
			echo "relay: subscribers failed: $LINE" >&2
			cat "$WORK/sub.err" >&2
			return 1
			;;
	esac
}

# field LINE KEY: the value of KEY=... in LINE
field()
{
	tr ' ' '\n' <<<"$1" | awk -F= -v k="$2" '$1 == k { print $2 }'
}

# create_query NAME
create_query()
{
	q -c "SELECT cqstream.create_transform('$1', 'bench_relay_src', 'ts',
		'v', 'mul 1', key_column => 'k')" >/dev/null
}

drop_query()
{
	q -c "SELECT cqstream.drop_query('$1')" >/dev/null
}

# Results: R[SYS.metric]; each system's run (a subshell) saves its own
# with save_results, and the table loads them all.
declare -A R

# save_results SYS: append R's SYS.* entries to $WORK/results.
# shellcheck disable=SC2317 # called by an EXIT trap
save_results()
{
	local k
	for k in "${!R[@]}"; do
		case $k in
			"$1".*) echo "$k ${R[$k]}" >>"$WORK/results" ;;
		esac
	done
}

# run_system SYS: every measurement of SYS (relay or nchan) into R.  Run
# in a subshell with set -e: the first failure ends it.
run_system()
{
	local sys=$1 path rss0 rss n line exp rate secs feed ticks t0=$SECONDS
	if [ "$sys" = relay ]; then start_relay; else start_nchan; fi
	sleep 0.5
	rss0=$(rss_kb)

	# 1. idle memory
	[ "$sys" = relay ] && create_query bench_relay_idle
	path=/sub/idle
	[ "$sys" = relay ] && path=/queries/bench_relay_idle/stream
	for n in 1000 10000; do
		sub_start "$n" "$path" 0 600
		sleep 1
		rss=$(rss_kb)
		stop_pid "$CLIENT_PID"
		sub_wait
		line=$LINE
		[ "$(field "$line" subscribed)" -eq "$n" ]
		R[$sys.kb$n]=$(awk -v a="$rss0" -v b="$rss" -v n="$n" \
			'BEGIN { printf "%.2f", (b - a) / n }')
		printf '  %-6s idle %5d clients: RSS %d -> %d kB, %s kB/client (all connected in %s s)\n' \
			"$sys" "$n" "$rss0" "$rss" "${R[$sys.kb$n]}" "$(field "$line" connect_s)"
	done
	[ "$sys" = relay ] && drop_query bench_relay_idle

	# 2. deliveries/s
	if [ "$sys" = relay ]; then
		create_query bench_relay_tp
		path=/queries/bench_relay_tp/stream
	else
		path=/sub/tp
	fi
	sub_start "$TP_CLIENTS" "$path" "$EVENTS" "$TP_SECONDS"
	ticks=$(cpu_ticks)
	if [ "$sys" = relay ]; then
		# 100 rows a transaction (EVENTS is rounded up to a multiple)
		q -c "CALL bench_relay_feed($(((EVENTS + 99) / 100)), 0, 100)"
	else
		"$WORK/sseload" pub -m "$EVENTS" -w 32 "127.0.0.1:$PORT" /pub/tp \
			>"$WORK/pub.out" &
		echo $! >"$WORK/pub.pid"
		track "$(cat "$WORK/pub.pid")"
	fi
	sub_wait
	line=$LINE
	[ "$sys" = relay ] || stop_pid "$(cat "$WORK/pub.pid")"
	R[$sys.rate]=$(field "$line" rate)
	R[$sys.tpdone]=$(field "$line" complete)
	printf '  %-6s %d clients x %d events: %s deliveries/s, %s of %d clients complete, p50 %s ms; %s\n' \
		"$sys" "$TP_CLIENTS" "$EVENTS" "${R[$sys.rate]}" "${R[$sys.tpdone]}" \
		"$TP_CLIENTS" "$(field "$line" p50_ms)" "$(cpu_note "$ticks" "$line")"
	[ "$sys" = relay ] && drop_query bench_relay_tp

	# 3. latency at 1 and 10 events/s
	for rate in 1 10; do
		exp=$((rate * LAT_SECONDS))
		if [ "$sys" = relay ]; then
			create_query "bench_relay_l$rate"
			path=/queries/bench_relay_l$rate/stream
		else
			path=/sub/l$rate
		fi
		secs=$((LAT_SECONDS + 3))
		sub_start "$LAT_CLIENTS" "$path" "$exp" "$secs"
		ticks=$(cpu_ticks)
		if [ "$sys" = relay ]; then
			"$PSQL" -X -q -v ON_ERROR_STOP=1 \
				-c "CALL bench_relay_feed($exp, $rate, 1)" &
		else
			"$WORK/sseload" pub -m "$exp" -R "$rate" "127.0.0.1:$PORT" \
				"/pub/l$rate" >"$WORK/pub.out" &
		fi
		feed=$!
		track "$feed"
		sub_wait
		line=$LINE
		stop_pid "$feed"
		R[$sys.p50_$rate]=$(field "$line" p50_ms)
		R[$sys.p99_$rate]=$(field "$line" p99_ms)
		R[$sys.max_$rate]=$(field "$line" max_ms)
		R[$sys.done_$rate]=$(field "$line" complete)
		R[$sys.got_$rate]=$(awk -v e="$(field "$line" events)" \
			-v x="$((exp * LAT_CLIENTS))" 'BEGIN { printf "%.1f", 100 * e / x }')
		printf '  %-6s %d clients x %d/s for %d s: p50 %s p99 %s max %s ms, %s%% delivered, %s clients complete; %s\n' \
			"$sys" "$LAT_CLIENTS" "$rate" "$LAT_SECONDS" "${R[$sys.p50_$rate]}" \
			"${R[$sys.p99_$rate]}" "${R[$sys.max_$rate]}" "${R[$sys.got_$rate]}" \
			"${R[$sys.done_$rate]}" "$(cpu_note "$ticks" "$line")"
		[ "$sys" = relay ] && drop_query "bench_relay_l$rate"
	done
	stop_server
	printf '  %-6s done in %d s\n' "$sys" $((SECONDS - t0))
}
: >"$WORK/results"

# Each system in a subshell started as a plain command: in a condition
# (`run_system relay || ...`) bash would ignore set -e inside it.
status=0
for sys in relay nchan; do
	if [ "$sys" = relay ] && [ -z "$RELAY" ]; then
		status=1
		continue
	fi
	set +e
	(
		set -e
		trap 'save_results $sys; stop_all' EXIT
		run_system "$sys"
	)
	rc=$?
	set -e
	if [ "$rc" -ne 0 ]; then
		echo "relay: the $sys run failed" >&2
		status=1
	fi
done
while read -r k v; do
	R[$k]=$v
done <"$WORK/results"

# ---------------------------------------------------------------------------
# The table

val()
{
	echo "${R[$1]:-}"
}

# row NAME RELAY NCHAN BETTER TARGET_TEXT TARGET_TEST: BETTER is lower or
# higher; TARGET_TEST an awk condition on r (the relay's value), or "".
row()
{
	awk -v name="$1" -v r="$2" -v n="$3" -v better="$4" -v target="$5" \
		-v test="$6" -v fmt="$ROWFMT" '
		function cond(t, r) {
			if (t == "") return "";
			split(t, a, " ");
			if (a[1] == "<=") return (r <= a[2]) ? "met" : "MISSED";
			if (a[1] == "<") return (r < a[2]) ? "met" : "MISSED";
			if (a[1] == ">=") return (r >= a[2]) ? "met" : "MISSED";
			if (a[1] == "==") return (r == a[2]) ? "met" : "MISSED";
			return "?";
		}
		BEGIN {
			ratio = "-";
			if (r != "" && n != "" && r + 0 > 0 && n + 0 > 0)
				ratio = sprintf("%.2fx", better == "lower" ? n / r : r / n);
			met = (r == "") ? (test == "" ? "" : "n/a") : cond(test, r);
			printf fmt, name, (r == "" ? "n/a" : r), (n == "" ? "n/a" : n),
				ratio, target, met;
		}'
}

ROWFMT="%-44s | %14s | %9s | %7s | %-22s | %s\n"
echo
echo "cqstream-relay beside nchan, each pinned to core 0 (ratio: how many times better the relay is)"
# shellcheck disable=SC2059 # one format for the header and the rows
printf "$ROWFMT" metric cqstream-relay nchan ratio target "met?"
echo "---------------------------------------------+----------------+-----------+---------+------------------------+-------"
row "memory per idle client, 1000 clients (kB)" "$(val relay.kb1000)" \
	"$(val nchan.kb1000)" lower "<= 8 kB" "<= 8"
row "memory per idle client, 10000 clients (kB)" "$(val relay.kb10000)" \
	"$(val nchan.kb10000)" lower "<= 8 kB" "<= 8"
row "deliveries/s, $TP_CLIENTS clients, one stream" "$(val relay.rate)" \
	"$(val nchan.rate)" higher ">= 200,000" ">= 200000"
for rate in 1 10; do
	row "latency p50 (ms), $LAT_CLIENTS clients x $rate/s" "$(val relay.p50_$rate)" \
		"$(val nchan.p50_$rate)" lower "" ""
	if [ "$rate" = 1 ]; then
		row "latency p99 (ms), $LAT_CLIENTS clients x $rate/s" \
			"$(val relay.p99_$rate)" "$(val nchan.p99_$rate)" lower "< 50 ms" "< 50"
	else
		row "latency p99 (ms), $LAT_CLIENTS clients x $rate/s" \
			"$(val relay.p99_$rate)" "$(val nchan.p99_$rate)" lower "" ""
	fi
	row "events delivered (%), $LAT_CLIENTS clients x $rate/s" \
		"$(val relay.got_$rate)" "$(val nchan.got_$rate)" higher \
		"$([ "$rate" = 10 ] && echo "100 (sustained)")" \
		"$([ "$rate" = 10 ] && echo "== 100.0")"
done
exit "$status"
