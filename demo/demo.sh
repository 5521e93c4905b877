#!/usr/bin/env bash
#
# demo/demo.sh: cqstream live, in one command (`make demo`).
#
# On a fresh Debian 12 machine it installs the missing packages, builds and
# installs cqstream and its relay, starts a throwaway PostgreSQL with
# shared_preload_libraries = 'cqstream', creates the sample source
# `readings` with its example queries (demo/demo.sql), feeds it a generated
# stream of sensor readings, drives simulated vehicles round the streets
# of a city (table `fixes`, with position and speed queries for the
# dashboard's map) and starts cqstream-relay, then prints the URL of the
# live dashboard.  Ctrl-C (or --duration) stops everything and
# removes the cluster.
#
# Usage: demo/demo.sh [--port N] [--host H] [--rate N] [--sensors N]
#                     [--vehicles N] [--duration SEC] [--no-build]
#   --port N        relay port (CQ_DEMO_PORT; default: the first free port
#                   from 8787)
#   --host H        relay listen address (CQ_DEMO_HOST; default 127.0.0.1)
#   --rate N        rows per second fed into readings (CQ_DEMO_RATE; 50)
#   --sensors N     sensors s1..sN (CQ_DEMO_SENSORS; 8)
#   --vehicles N    vehicles v1..vN, one fix each a second into fixes
#                   (CQ_DEMO_VEHICLES; 20)
#   --duration SEC  stop by itself after SEC seconds (CQ_DEMO_DURATION;
#                   default: until Ctrl-C)
#   --no-build      neither install packages nor build (CQ_DEMO_NO_BUILD=1);
#                   for tests that have just built
# Environment: also CQ_DEMO_RELAY, the relay binary (default
# relay/cqstream-relay; relay/cqstream-relay-asan, say).
#
# Design notes
#
# It reuses the test harness's helpers (test/lib): the package list and
# installer, the build lock, and cq_cluster_start, which gives a cluster on
# a free port that runs as `postgres` when we are root.  Everything lives
# in one mktemp directory; the EXIT trap stops the relay, the feeders and the
# cluster and removes the directory, however the script ends.  The lines
# printed once everything runs (`dashboard:`, `stream:`, `psql:`,
# `cluster:`) are stable, so scripts such as test/demo/dashboard.sh can
# read them.  The script keeps watching its children: if the relay or a
# feeder dies, it says so and exits non-zero rather than leaving a
# dashboard that silently stopped moving.
set -euo pipefail

CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
cd "$CQ_ROOT"

port=${CQ_DEMO_PORT:-}
host=${CQ_DEMO_HOST:-127.0.0.1}
rate=${CQ_DEMO_RATE:-50}
sensors=${CQ_DEMO_SENSORS:-8}
vehicles=${CQ_DEMO_VEHICLES:-20}
duration=${CQ_DEMO_DURATION:-}
no_build=${CQ_DEMO_NO_BUILD:-0}
dbname=cqstream_demo

# usage: the header comment's usage lines.
usage()
{
	sed -n '/^# Usage:/,/^#$/ s/^# \{0,1\}//p' "$CQ_ROOT/demo/demo.sh"
}

# die MESSAGE: print MESSAGE and exit 1 (the EXIT trap cleans up).
die()
{
	echo "demo: $*" >&2
	exit 1
}

while [ "$#" -gt 0 ]; do
	case $1 in
		--port) port=${2:?--port needs a value}; shift ;;
		--port=*) port=${1#*=} ;;
		--host) host=${2:?--host needs a value}; shift ;;
		--host=*) host=${1#*=} ;;
		--rate) rate=${2:?--rate needs a value}; shift ;;
		--rate=*) rate=${1#*=} ;;
		--sensors) sensors=${2:?--sensors needs a value}; shift ;;
		--sensors=*) sensors=${1#*=} ;;
		--vehicles) vehicles=${2:?--vehicles needs a value}; shift ;;
		--vehicles=*) vehicles=${1#*=} ;;
		--duration) duration=${2:?--duration needs a value}; shift ;;
		--duration=*) duration=${1#*=} ;;
		--no-build) no_build=1 ;;
		-h | --help) usage; exit 0 ;;
		*) usage >&2; exit 2 ;;
	esac
	shift
done
# need_count NAME VALUE: exit 2 unless VALUE is empty or a positive integer.
need_count()
{
	case $2 in
		'') ;;
		*[!0-9]* | 0*) echo "demo: --$1 must be a positive whole number, not \"$2\"" >&2; exit 2 ;;
	esac
}
need_count port "$port"
need_count rate "$rate"
need_count sensors "$sensors"
need_count vehicles "$vehicles"
need_count duration "$duration"

# Everything of this run, removed by the EXIT trap.  common.sh makes its
# CQ_TMP under TMPDIR and empties CQ_ARTIFACTS: both point inside ours, so
# the demo never touches test/artifacts of a test run going on.
demo_tmp=$(mktemp -d /tmp/cqstream-demo.XXXXXX)
chmod 755 "$demo_tmp"
relay_pid=
feed_pid=
drive_pid=
cleaned=0

# cleanup: stop the relay, the feeders and the cluster; remove demo_tmp.
# Safe to call twice and from any state.
cleanup()
{
	[ "$cleaned" -eq 0 ] || return 0
	cleaned=1
	local pid
	for pid in $relay_pid $feed_pid $drive_pid; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in $relay_pid $feed_pid $drive_pid; do
		wait "$pid" 2>/dev/null || true
	done
	if declare -F cq_cluster_stop_all >/dev/null; then
		cq_cluster_stop_all >/dev/null 2>&1 || true
	fi
	rm -rf "$demo_tmp"
}
trap cleanup EXIT
trap 'echo; echo "demo: stopping"; exit 0' INT TERM HUP

CQ_ARTIFACTS=$demo_tmp/logs
old_tmpdir=${TMPDIR-}
TMPDIR=$demo_tmp
# shellcheck source=test/lib/common.sh
. test/lib/common.sh
# shellcheck source=test/lib/deps.sh
. test/lib/deps.sh
# shellcheck source=test/lib/cluster.sh
. test/lib/cluster.sh
if [ -n "$old_tmpdir" ]; then TMPDIR=$old_tmpdir; else unset TMPDIR; fi

# ---------------------------------------------------------------------------
# Packages and build

if [ "$no_build" != 1 ]; then
	if ! command -v dpkg-query >/dev/null 2>&1; then
		echo "demo: not Debian; make sure these are installed: ${CQ_DEB_PACKAGES[*]}" >&2
	else
		missing=$(cq_missing_packages)
		if [ -n "$missing" ]; then
			# shellcheck disable=SC2086 # one package per word
			echo "installing:" $missing
			# shellcheck disable=SC2086
			cq_install_packages $missing >"$CQ_ARTIFACTS/apt.log" 2>&1 || {
				tail -n 20 "$CQ_ARTIFACTS/apt.log" >&2
				die "installing packages failed"
			}
		fi
	fi
	cq_pg_env || die "PostgreSQL 15 server development files not found"
	echo "building cqstream and cqstream-relay ..."
	# Builds of the same tree must not interleave (test/run.sh and
	# test/bench/run.sh hold the same lock).
	lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock}
	if command -v flock >/dev/null 2>&1 &&
		{ [ -e "$lock" ] || (umask 0 && : >"$lock"); } 2>/dev/null &&
		{ exec 9<"$lock"; } 2>/dev/null; then
		flock 9
	fi
	make -s -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$PG_CONFIG" \
		>"$CQ_ARTIFACTS/build.log" 2>&1 || {
		grep -E ': (fatal error|error): |\*\*\*' "$CQ_ARTIFACTS/build.log" | head -n 20 >&2
		die "build failed"
	}
	if [ -w "$("$PG_CONFIG" --pkglibdir)" ] &&
		[ -w "$("$PG_CONFIG" --sharedir)/extension" ]; then
		make -s PG_CONFIG="$PG_CONFIG" install >"$CQ_ARTIFACTS/install.log" 2>&1
	else
		cq_as_root make -s PG_CONFIG="$PG_CONFIG" install >"$CQ_ARTIFACTS/install.log" 2>&1
	fi || {
		tail -n 20 "$CQ_ARTIFACTS/install.log" >&2
		die "make install failed"
	}
	exec 9<&-
fi
cq_pg_env || die "PostgreSQL 15 not found (PG_CONFIG=${PG_CONFIG:-unset})"
relay=${CQ_DEMO_RELAY:-$CQ_ROOT/relay/cqstream-relay}
[ -x "$relay" ] || die "$relay is missing: build it with make"

# ---------------------------------------------------------------------------
# Cluster, source, queries

cq_cluster_start demo || {
	cat "$CQ_TMP/pg-demo/initdb.log" "$CQ_TMP/pg-demo/log" 2>/dev/null | tail -n 20 >&2
	die "could not start PostgreSQL"
}
cq_cluster_env demo
PGDATABASE=$dbname
export PGDATABASE
psql=("$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1)
"$PG_BINDIR/createdb" "$dbname"
"${psql[@]}" -c 'CREATE EXTENSION cqstream' -f demo/demo.sql
conninfo="host=$PGHOST port=$PGPORT user=postgres dbname=$dbname"

# The feeder: one psql running the demo_feed procedure until killed.  It
# and the relay run in sessions of their own (setsid), so that Ctrl-C
# reaches this script alone, which stops them in order.
setsid "${psql[@]}" -c "SET client_connection_check_interval = '1s'" \
	-c "CALL demo_feed($rate, $sensors)" \
	>"$CQ_TMP/feed.log" 2>&1 &
feed_pid=$!
# The second feeder, the vehicles: the same way, a procedure of demo.sql.
setsid "${psql[@]}" -c "SET client_connection_check_interval = '1s'" \
	-c "CALL demo_drive($vehicles)" \
	>"$CQ_TMP/drive.log" 2>&1 &
drive_pid=$!

# ---------------------------------------------------------------------------
# Relay

# Where to probe the relay and what URL to print: a wildcard address is
# probed on loopback and printed with this machine's name.
probe_host=$host url_host=$host
# The relay answers only the Host names it knows (DNS rebinding): on a
# wildcard address, the printed name and loopback.
allowed=()
case $host in
	0.0.0.0 | '::' | '[::]')
		probe_host=127.0.0.1
		url_host=$(hostname -f 2>/dev/null || hostname)
		allowed=(--allowed-hosts="$url_host" --allowed-hosts=localhost
			--allowed-hosts=127.0.0.1)
		;;
esac
port_given=1
if [ -z "$port" ]; then
	port_given=0
	port=$(cq_free_port 8787)
elif cq_port_listening "$port"; then
	die "port $port is taken; choose another with --port"
fi
for _ in 1 2 3; do
	setsid "$relay" --db="$conninfo" --listen="$host:$port" "${allowed[@]}" \
		>"$CQ_TMP/relay.log" 2>&1 &
	relay_pid=$!
	# Up when /healthz answers; the relay connects to the database at once.
	for _ in $(seq 100); do
		curl -fsS -o /dev/null "http://$probe_host:$port/healthz" 2>/dev/null && break 2
		kill -0 "$relay_pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -TERM "$relay_pid" 2>/dev/null || true
	wait "$relay_pid" 2>/dev/null || true
	relay_pid=
	# Someone took the port meanwhile: try the next free one.
	[ "$port_given" -eq 0 ] || break
	port=$(cq_free_port $((port + 1)))
done
if [ -z "$relay_pid" ]; then
	tail -n 20 "$CQ_TMP/relay.log" >&2
	die "cqstream-relay did not start on $host:$port"
fi

base="http://$url_host:$port"
cat <<EOF

cqstream demo: $rate rows/s over $sensors sensors into table readings,
               $vehicles vehicles' positions (1/s each) into table fixes
queries: $("${psql[@]}" -At -c "SELECT string_agg(name, ' ' ORDER BY created, name) FROM cqstream.queries")

dashboard: $base/
stream:    curl -N $base/queries/temp_f/stream
psql:      psql "$conninfo" -c 'TABLE cqstream.queries'
cluster:   $CQ_TMP/pg-demo
relay log: $CQ_TMP/relay.log

EOF
if [ -n "$duration" ]; then
	echo "stopping in $duration s"
else
	echo "Ctrl-C stops the demo and removes the cluster."
fi

# ---------------------------------------------------------------------------
# Watch until Ctrl-C or the end of --duration

end=
[ -z "$duration" ] || end=$((SECONDS + duration))
while [ -z "$end" ] || [ "$SECONDS" -lt "$end" ]; do
	if ! kill -0 "$relay_pid" 2>/dev/null; then
		tail -n 20 "$CQ_TMP/relay.log" >&2
		relay_pid=
		die "cqstream-relay stopped"
	fi
	if ! kill -0 "$feed_pid" 2>/dev/null; then
		tail -n 20 "$CQ_TMP/feed.log" >&2
		feed_pid=
		die "the feeder stopped"
	fi
	if ! kill -0 "$drive_pid" 2>/dev/null; then
		tail -n 20 "$CQ_TMP/drive.log" >&2
		drive_pid=
		die "the vehicles' feeder stopped"
	fi
	# In the background, so that a signal is handled at once.
	sleep 1 &
	wait $! || true
done
echo "demo: $duration s are up, stopping"
