#!/usr/bin/env bash
#
# test/run.sh: everything cqstream checks, in one command (`make test`).
#
# On a fresh Debian 12 machine it installs the missing packages, builds with
# warnings as errors, installs, checks the formatting, starts a throwaway
# cluster with shared_preload_libraries = 'cqstream' and runs the
# pg_regress suite against it.  The last line of output is always
# `N passed, N failed`; the exit status is non-zero if anything failed.
#
# Design notes
#
# The run is a list of suites, SUITES below.  A suite is a function
# suite_NAME that records each of its checks with cq_pass / cq_fail
# (test/lib/common.sh); to add one (TAP tests, relay, browser), write the
# function and add its name to SUITES.  Each suite runs in a subshell with
# `set -e`; one that aborts, or records no check, counts as a failed check,
# never as skipped.  A suite that needs an earlier one to have worked says
# so with `cq_require build || return 0`.
#
# Works from any directory and any number of times: all state is in a
# fresh mktemp directory that the EXIT trap removes (stopping its clusters
# first), also on failure and Ctrl-C.  Run as root, clusters run as
# `postgres`; run as another user, they run as that user and installing
# uses sudo.
#
# Environment: PG_CONFIG (default /usr/lib/postgresql/15/bin/pg_config),
# CQ_PORT_BASE (first port tried, 24320), CQ_BUILD_LOCK (lock file held
# while building, /tmp/cqstream-build.lock), CQ_KEEP_TMP=1 (keep the temp
# directory, clusters stopped, for post-mortems).

# Suites are called by name (cq_run_suite), which shellcheck cannot follow.
# shellcheck disable=SC2317
set -euo pipefail

CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd -P)
cd "$CQ_ROOT"
CQ_START=$SECONDS

CQ_CLEANED=0
CQ_TMP=
cq_cleanup()
{
	[ "$CQ_CLEANED" -eq 0 ] || return 0
	CQ_CLEANED=1
	[ -n "$CQ_TMP" ] || return 0
	cq_cluster_stop_all >/dev/null 2>&1 || true
	if [ "${CQ_KEEP_TMP:-0}" = 1 ]; then
		echo "kept: $CQ_TMP" >&2
	else
		rm -rf "$CQ_TMP" >/dev/null 2>&1 || true
	fi
}
trap cq_cleanup EXIT

. test/lib/common.sh
. test/lib/deps.sh
. test/lib/cluster.sh

# cq_finish STATUS: print the summary (its line last), clean up, exit.
cq_finish()
{
	local status=$1
	cq_summary || [ "$status" -ne 0 ] || status=1
	cq_cleanup
	echo "$CQ_PASSED passed, $CQ_FAILED failed"
	exit "$status"
}

# An interrupted run is a failed run, and still ends with its summary.
cq_on_signal()
{
	trap '' HUP INT TERM
	echo
	CQ_SUITE=${CQ_SUITE:-run}
	cq_fail "interrupted by SIG$1"
	cq_finish "$2"
}
trap 'cq_on_signal HUP 129' HUP
trap 'cq_on_signal INT 130' INT
trap 'cq_on_signal TERM 143' TERM

# ---------------------------------------------------------------------------
# Suites

# deps: the Debian packages of test/lib/deps.sh are installed.
suite_deps()
{
	local missing log=$CQ_ARTIFACTS/apt.log
	if ! command -v dpkg-query >/dev/null 2>&1; then
		cq_fail "Debian packages" "No dpkg-query: this is not Debian." \
			"Install the equivalents of: ${CQ_DEB_PACKAGES[*]}"
		return 0
	fi
	missing=$(cq_missing_packages)
	if [ -z "$missing" ]; then
		cq_pass "Debian packages (${#CQ_DEB_PACKAGES[@]} present)"
		return 0
	fi
	# shellcheck disable=SC2086 # one package per word
	echo "  installing:" $missing
	# shellcheck disable=SC2086
	if cq_install_packages $missing >"$log" 2>&1 &&
		[ -z "$(cq_missing_packages)" ]; then
		cq_pass "Debian packages (installed: ${missing//$'\n'/ })"
	else
		cq_fail "Debian packages" "apt-get failed for: ${missing//$'\n'/ }"
		cq_show_tail "$log"
	fi
}

# build: clean build with warnings as errors, then install.  Holds
# CQ_BUILD_LOCK so that builds of the same tree do not interleave.
suite_build()
{
	local log=$CQ_ARTIFACTS/build.log lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock}
	local -a make_cmd install_cmd
	if ! cq_pg_env; then
		cq_fail "build" "PostgreSQL 15 server development files not found."
		return 0
	fi
	make_cmd=(make --no-print-directory PG_CONFIG="$PG_CONFIG")
	if command -v flock >/dev/null 2>&1 &&
		{ [ -e "$lock" ] || (umask 0 && : >"$lock"); } 2>/dev/null &&
		{ exec 9<"$lock"; } 2>/dev/null; then
		flock 9
	fi
	# Clean first: an object left from an earlier build would hide its
	# warnings.
	if "${make_cmd[@]}" clean >"$log" 2>&1 &&
		"${make_cmd[@]}" -j"$(nproc 2>/dev/null || echo 2)" WERROR=1 \
			>>"$log" 2>&1; then
		cq_pass "make WERROR=1"
	else
		cq_fail "make WERROR=1"
		# The diagnostics, not the compiler command lines around them
		grep -E ': (fatal error|error|warning): |\*\*\*' "$log" |
			head -n 20 | sed 's/^/        | /' || true
		echo "        full log: $log"
		return 0
	fi
	# Through sudo only when the install directories are not ours.
	if [ -w "$("$PG_CONFIG" --pkglibdir)" ] &&
		[ -w "$("$PG_CONFIG" --sharedir)/extension" ]; then
		install_cmd=("${make_cmd[@]}" install)
	else
		install_cmd=(cq_as_root "${make_cmd[@]}" install)
	fi
	log=$CQ_ARTIFACTS/install.log
	if "${install_cmd[@]}" >"$log" 2>&1; then
		cq_pass "make install"
		cq_mark_ok build
	else
		cq_fail "make install"
		cq_show_tail "$log" 5
	fi
}

# format: clang-format finds nothing to change (make format-check).
suite_format()
{
	local log=$CQ_ARTIFACTS/format.log
	if make --no-print-directory format-check >"$log" 2>&1; then
		cq_pass "make format-check"
	else
		cq_fail "make format-check" "Run \`make format\` to fix."
		awk -F: '/: (error|warning): / { n[$1]++ }
			END { for (f in n) printf "        | %s: %d places\n", f, n[f] }' \
			"$log" | sort
		echo "        full log: $log"
	fi
}

# regress: the pg_regress tests sql/*.sql against a cluster that preloads
# cqstream; one check for the cluster and one per test.
suite_regress()
{
	local out=$CQ_TMP/regress keep=$CQ_ARTIFACTS/regress
	local line name status rc=0 nparsed=0
	local -a tests runnable
	cq_require build || return 0
	mapfile -t tests < <(for f in sql/*.sql; do
		[ -e "$f" ] && basename "$f" .sql
	done | LC_ALL=C sort)
	if [ "${#tests[@]}" -eq 0 ]; then
		cq_fail "pg_regress" "No tests in sql/."
		return 0
	fi
	# pg_regress gives up on the whole run at a test without expected
	# output; fail that test alone and run the others.
	runnable=()
	for name in "${tests[@]}"; do
		if compgen -G "expected/$name.out" >/dev/null ||
			compgen -G "expected/${name}_[0-9].out" >/dev/null; then
			runnable+=("$name")
		else
			cq_fail "$name" "No expected/$name.out."
		fi
	done
	tests=("${runnable[@]}")
	[ "${#tests[@]}" -gt 0 ] || return 0

	# No worker: the registry tests check the catalog as the API leaves
	# it (status, lag, counters), which a worker would race to change.
	# The worker is tested as a process by the worker and windows suites.
	if cq_cluster_start main "cqstream.max_workers = 0"; then
		cq_pass "cluster with shared_preload_libraries = 'cqstream' (port $(cat "$CQ_TMP/pg-main/port"))"
	else
		cq_fail "cluster with shared_preload_libraries = 'cqstream'"
		cat "$CQ_TMP"/pg-main/initdb.log "$CQ_TMP"/pg-main/log \
			>"$CQ_ARTIFACTS/cluster.log" 2>/dev/null || true
		cq_show_tail "$CQ_ARTIFACTS/cluster.log" 15
		return 0
	fi

	# The output directory is in $CQ_TMP, where the server can reach it, and
	# results/ belongs to the server's user: a test that COPYs to a file
	# writes it there (\getenv abs_builddir PG_ABS_BUILDDIR, then
	# :abs_builddir/results/NAME), never to a fixed path in /tmp.  It is
	# copied to $CQ_ARTIFACTS/regress afterwards.
	mkdir -p "$out/results"
	cq_give_to_pg "$out/results"
	LC_ALL=C PGCLIENTENCODING=UTF8 "$PG_REGRESS" \
		--inputdir="$CQ_ROOT" --outputdir="$out" --bindir="$PG_BINDIR" \
		--host="$CQ_TMP/pg-main" --port="$(cat "$CQ_TMP/pg-main/port")" \
		--user=postgres --dbname=cqstream_regress \
		--load-extension=cqstream "${tests[@]}" >"$out/pg_regress.log" 2>&1 ||
		rc=$?

	# PostgreSQL 15 prints "test NAME ... ok   12 ms" (or "     NAME ..."
	# inside a parallel group, "FAILED" on failure); 16 and later print TAP,
	# "ok 1 - NAME   12 ms" / "not ok 1 - NAME".
	while IFS= read -r line; do
		if [[ $line =~ ^(test[[:space:]]+|[[:space:]]+)([^[:space:]]+)[[:space:]]+\.\.\.[[:space:]]+(ok|FAILED|failed) ]]; then
			name=${BASH_REMATCH[2]}
			status=${BASH_REMATCH[3]}
		elif [[ $line =~ ^(not[[:space:]]+)?ok[[:space:]]+[0-9]+[[:space:]]+[-+][[:space:]]+([^[:space:]]+) ]]; then
			name=${BASH_REMATCH[2]}
			status=ok
			[ -z "${BASH_REMATCH[1]}" ] || status=FAILED
		else
			continue
		fi
		nparsed=$((nparsed + 1))
		if [ "$status" = ok ]; then
			cq_pass "$name"
		else
			cq_fail "$name"
		fi
	done <"$out/pg_regress.log"

	cp "$(cq_cluster_log main)" "$out/postmaster.log" 2>/dev/null || true
	cp -r "$out" "$keep"
	if [ -s "$keep/regression.diffs" ]; then
		echo "  regression.diffs:"
		cq_show_file "$keep/regression.diffs" 60
	fi
	if [ "$rc" -ne 0 ] && [ "$nparsed" -lt "${#tests[@]}" ]; then
		cq_fail "pg_regress (exit status $rc)" \
			"Ran $nparsed of ${#tests[@]} tests."
		cq_show_tail "$keep/pg_regress.log" 15
	fi
}

# layout: the library exports only prefixed names and PostgreSQL's entry
# points, every bound C function exists, sources sit in their layer's
# folder (test/layout/symbols.sh); the install script's literals match
# src/contract.h (test/layout/contract.sh).
suite_layout()
{
	cq_require build || return 0
	# shellcheck source=test/layout/symbols.sh
	. test/layout/symbols.sh
	# shellcheck source=test/layout/contract.sh
	. test/layout/contract.sh
	cq_layout_tests
	cq_contract_tests
}

# worker: the launcher and worker as processes (test/worker/worker.sh):
# end to end with LISTEN, writers committing out of id order, pause and
# resume, failing queries, kill -9 and immediate stops, exactly-once.
suite_worker()
{
	cq_require build || return 0
	# shellcheck source=test/worker/worker.sh
	. test/worker/worker.sh
	cq_worker_tests
}

# positions: position queries (speed, heading, distance per key) against
# plain SQL, random tracks, kill -9 mid-stream (test/worker/positions.sh).
suite_positions()
{
	cq_require build || return 0
	# shellcheck source=test/worker/positions.sh
	. test/worker/positions.sh
	cq_position_tests
}

# windows: window aggregates in continuous queries against plain SQL,
# seeded random streams, crashes with windows open (test/worker/windows.sh).
suite_windows()
{
	cq_require build || return 0
	# shellcheck source=test/worker/windows.sh
	. test/worker/windows.sh
	cq_window_tests
}

# wakeup: the worker woken by commits (INSERT, COPY, the registry) with
# polling an hour apart, 10,000 racing single-row commits notified exactly
# once, kill -9 asleep and at work, the launcher woken by CREATE EXTENSION
# and idle in databases without it (test/worker/wakeup.sh).
suite_wakeup()
{
	cq_require build || return 0
	# shellcheck source=test/worker/wakeup.sh
	. test/worker/wakeup.sh
	cq_wakeup_tests
}

# relay_unit: the relay's own unit tests (SSE encoder, configuration) and
# its build (test/relay/unit.sh).
suite_relay_unit()
{
	cq_require build || return 0
	# shellcheck source=test/relay/unit.sh
	. test/relay/unit.sh
	cq_relay_unit_tests
}

# relay: cqstream-relay end to end with a real cluster and worker: raw
# bytes, the npm eventsource client across relay and database restarts,
# chromium, slow and hostile clients, sanitizers (test/relay/e2e.sh).
suite_relay()
{
	cq_require build || return 0
	# shellcheck source=test/relay/e2e.sh
	. test/relay/e2e.sh
	cq_relay_e2e_tests
}

# relay_jwt: JSON Web Tokens and per-role authorization in the relay:
# users with HS256, RS256 and ES256 tokens, read grants, refused tokens,
# anon-role, expiry of open streams (test/relay/jwt.sh).
suite_relay_jwt()
{
	cq_require build || return 0
	# shellcheck source=test/relay/jwt.sh
	. test/relay/jwt.sh
	cq_relay_jwt_tests
}

# relay_gzip: gzip content coding in the relay: JSON replies and event
# streams compressed for Accept-Encoding: gzip (each event flushed, the
# trailer at the end; decoded by curl, gzip, node and chromium), identity
# otherwise, hostile headers
# (test/relay/gzip.sh).
suite_relay_gzip()
{
	cq_require build || return 0
	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	# shellcheck source=test/relay/gzip.sh
	. test/relay/gzip.sh
	cq_relay_gzip_tests
}

# relay_ingest: POST /collections/{cid}/items/{fid}/tproperties/{pname}
# in the relay: 10,000 instants in one POST through a transform, every
# malformed body refused with nothing inserted, 403/404/409/413/415
# (test/relay/ingest.sh).
suite_relay_ingest()
{
	cq_require build || return 0
	# shellcheck source=test/relay/ingest.sh
	. test/relay/ingest.sh
	cq_relay_ingest_tests
}

# relay_points: a feature's position over HTTP: position, speed, heading
# and distance queries under .../items/{fid}/tgsequence/queries and
# MovingPoint appends to .../tgsequence, the speeds streamed against
# haversine in SQL, every error code, an attacker role, 20+ malformed
# bodies (test/relay/points.sh).
suite_relay_points()
{
	cq_require build || return 0
	# shellcheck source=test/relay/points.sh
	. test/relay/points.sh
	cq_relay_points_tests
}

# relay_cquery: OGC API - Moving Features collections and continuous
# queries over HTTP with two HS256 users: every endpoint and error, the
# key filter on the stream, read grants, DELETE ending open streams
# (test/relay/cquery.sh).
suite_relay_cquery()
{
	cq_require build || return 0
	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	# shellcheck source=test/relay/cquery.sh
	. test/relay/cquery.sh
	cq_relay_cquery_tests
}

# relay_ogc: the relay's OGC API resources: the landing page by content
# negotiation (the dashboard stays for browsers), /conformance, and /api
# validated as OpenAPI 3.0 with every path the tests use
# (test/relay/ogc.sh).
suite_relay_ogc()
{
	cq_require build || return 0
	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	# shellcheck source=test/relay/ogc.sh
	. test/relay/ogc.sh
	cq_relay_ogc_tests
}

# failover: pg_auto_failover on loopback, SIGKILL of the primary under
# writers, a relay and a client; no result lost, repeated or reused
# (test/failover/failover.sh).
suite_failover()
{
	cq_require build || return 0
	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	# shellcheck source=test/failover/failover.sh
	. test/failover/failover.sh
	cq_failover_tests
}

# relay_replica: relays on a hot standby (polling the log) and on the
# primary behind HAProxy; one is killed under its clients
# (test/relay/replica.sh).
suite_relay_replica()
{
	cq_require build || return 0
	# shellcheck source=test/lib/node.sh
	. test/lib/node.sh
	# shellcheck source=test/relay/replica.sh
	. test/relay/replica.sh
	cq_relay_replica_tests
}

# hostile: a role with a login and no grants attacks each input path;
# everything it tries fails with a clear error and the owners' queries
# keep processing (test/security/hostile.sh).
suite_hostile()
{
	cq_require build || return 0
	# shellcheck source=test/security/hostile.sh
	. test/security/hostile.sh
	cq_hostile_tests
}

# dashboard: the demo's dashboard in headless chromium receives live
# points (test/demo/dashboard.sh).
suite_dashboard()
{
	cq_require build || return 0
	# shellcheck source=test/demo/dashboard.sh
	. test/demo/dashboard.sh
	cq_dashboard_tests
}

# fuzz: the tfloat text, binary and MF-JSON input functions with random
# and mutated inputs (100,000 each), the relay's HTTP input under
# AddressSanitizer, libFuzzer on the relay's parsers (test/fuzz/fuzz.sh);
# `make fuzz` runs a longer campaign.
suite_fuzz()
{
	cq_require build || return 0
	# shellcheck source=test/fuzz/fuzz.sh
	. test/fuzz/fuzz.sh
	cq_fuzz_tests
}

# upgrade: the last release (0.1.0) built from its commit into a private
# copy of PostgreSQL, queries with results and open windows, the new
# library, a restart, ALTER EXTENSION cqstream UPDATE: results and windows
# equal a fresh run's, and the catalog a fresh install's
# (test/upgrade/upgrade.sh).
suite_upgrade()
{
	cq_require build || return 0
	# shellcheck source=test/upgrade/upgrade.sh
	. test/upgrade/upgrade.sh
	cq_upgrade_tests
}

# packages: `make deb`, lintian, both packages installed with apt-get, a
# pg_createcluster cluster, the relay from its unit's ExecStart, a stream;
# then purged with the machine as before (test/packages/packages.sh).
# Last: it installs into the system's PostgreSQL paths, and restores them.
suite_packages()
{
	cq_require build || return 0
	# shellcheck source=test/packages/packages.sh
	. test/packages/packages.sh
	cq_packages_tests
}

# ---------------------------------------------------------------------------
# positions_gis: position queries over a PostGIS geometry(Point, 4326)
# column: the EWKB decoder's unit tests and fuzzing, errors without
# PostGIS, and when PostGIS is installed its checks against the
# longitude/latitude path and plain SQL, kill -9 mid-stream
# (test/worker/positions_gis.sh).
suite_positions_gis()
{
	cq_require build || return 0
	# shellcheck source=test/worker/positions_gis.sh
	. test/worker/positions_gis.sh
	cq_position_gis_tests
}

# The run

SUITES=(
	deps
	build
	format
	layout
	regress
	worker
	windows
	positions
	positions_gis
	wakeup
	hostile
	relay_unit
	relay
	relay_jwt
	relay_cquery
	relay_ogc
	relay_gzip
	relay_ingest
	relay_points
	relay_replica
	dashboard
	failover
	fuzz
	upgrade
	packages
)
# CQ_SUITES="build regress": only those (for work on one part; make test
# runs them all)
if [ -n "${CQ_SUITES:-}" ]; then
	read -r -a SUITES <<<"$CQ_SUITES"
fi

echo "cqstream tests: $CQ_ROOT (as $(id -un))"
for suite in "${SUITES[@]}"; do
	cq_run_suite "$suite"
done

cq_finish 0
