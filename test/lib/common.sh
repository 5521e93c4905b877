# shellcheck shell=bash
# test/lib/common.sh: the bookkeeping shared by every suite of test/run.sh.
#
# Design notes
#
# Every check ends in exactly one call to cq_pass or cq_fail, which append a
# line to $CQ_TMP/checks; the summary counts those lines.  A file rather
# than shell variables, because each suite runs in a subshell (so `set -e`
# inside it is honoured and an aborted suite cannot take the run down with
# it) and a subshell cannot change its parent's variables.
#
# Everything a run creates lives in one mktemp directory, $CQ_TMP, which the
# EXIT trap removes after stopping any cluster started in it; logs worth
# reading after a failure go to $CQ_ARTIFACTS instead (test/artifacts,
# ignored by git, emptied at the start of each run).
#
# Privileges: as root, clusters run as the `postgres` user and installing
# needs nothing more; as anyone else, clusters run as that user and
# installing goes through sudo.  cq_as_root and cq_as_pg hide the difference.
#
# This file is sourced, never run; it expects CQ_ROOT to be set.

CQ_TMP=$(mktemp -d "${TMPDIR:-/tmp}/cqstream-test.XXXXXX")
# The cluster user (postgres, when we are root) must reach its directory.
chmod 755 "$CQ_TMP"
mkdir -p "$CQ_TMP/state"
: >"$CQ_TMP/checks"

CQ_ARTIFACTS=${CQ_ARTIFACTS:-$CQ_ROOT/test/artifacts}
if ! { mkdir -p "$CQ_ARTIFACTS" && rm -rf "${CQ_ARTIFACTS:?}"/* &&
	[ -w "$CQ_ARTIFACTS" ]; } 2>/dev/null; then
	# Left behind by another user (a run as root, say): do not fight it.
	CQ_ARTIFACTS=${TMPDIR:-/tmp}/cqstream-artifacts-$(id -un)
	mkdir -p "$CQ_ARTIFACTS"
	rm -rf "${CQ_ARTIFACTS:?}"/*
fi

CQ_IS_ROOT=0
[ "$(id -u)" -eq 0 ] && CQ_IS_ROOT=1

# The suite being run; set by cq_run_suite, used to label checks.
CQ_SUITE=

# Connections must go where a suite says, never where the caller's
# environment happens to point.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGDATABASE PGPASSWORD PGSERVICE \
	PGSERVICEFILE PGOPTIONS PGSSLMODE PGCONNECT_TIMEOUT PGDATA PGAPPNAME

# ---------------------------------------------------------------------------
# Reporting

# cq_pass NAME: record one passed check.
cq_pass()
{
	printf 'PASS\t%s\t%s\n' "$CQ_SUITE" "$1" >>"$CQ_TMP/checks"
	printf '  ok    %s\n' "$1"
}

# cq_fail NAME [DETAIL...]: record one failed check; each DETAIL is printed
# on its own indented line.
cq_fail()
{
	local name=$1 line
	shift
	printf 'FAIL\t%s\t%s\n' "$CQ_SUITE" "$name" >>"$CQ_TMP/checks"
	printf '  FAIL  %s\n' "$name"
	for line in "$@"; do
		printf '        %s\n' "$line"
	done
}

# cq_show_file FILE [LINES]: print the head of FILE, indented, and where the
# whole of it is.
cq_show_file()
{
	local file=$1 lines=${2:-40} total
	[ -f "$file" ] || return 0
	total=$(wc -l <"$file")
	sed -n "1,${lines}p" "$file" | cut -c 1-200 | sed 's/^/        | /'
	if [ "$total" -gt "$lines" ]; then
		printf '        | ... (%s more lines)\n' $((total - lines))
	fi
	printf '        full file: %s\n' "$file"
}

# cq_show_tail FILE [LINES]: the same, for the end of a log.
cq_show_tail()
{
	local file=$1 lines=${2:-25}
	[ -f "$file" ] || return 0
	tail -n "$lines" "$file" | cut -c 1-200 | sed 's/^/        | /'
	printf '        full log: %s\n' "$file"
}

# ---------------------------------------------------------------------------
# Suite dependencies

# cq_mark_ok WHAT: note that a step other suites depend on succeeded.
cq_mark_ok()
{
	: >"$CQ_TMP/state/$1.ok"
}

# cq_require WHAT: true when WHAT succeeded earlier in this run; otherwise
# records a failed check for the current suite and returns false, so a
# suite starts with `cq_require build || return 0`.
cq_require()
{
	[ -e "$CQ_TMP/state/$1.ok" ] && return 0
	cq_fail "not run: needs $1, which failed"
	return 1
}

# ---------------------------------------------------------------------------
# Privileges

# cq_as_root CMD...: run CMD as root (directly, or through sudo).
cq_as_root()
{
	if [ "$CQ_IS_ROOT" -eq 1 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		if [ -t 0 ]; then
			sudo -- "$@"
		else
			# No terminal to ask for a password on: fail rather than hang.
			sudo -n -- "$@"
		fi
	else
		echo "need root for: $*; run as root or install sudo" >&2
		return 1
	fi
}

# cq_as_pg CMD...: run CMD as the user that owns test clusters.
cq_as_pg()
{
	if [ "$CQ_IS_ROOT" -eq 1 ]; then
		runuser -u postgres -- "$@"
	else
		"$@"
	fi
}

# cq_give_to_pg DIR: let the cluster user own DIR.
cq_give_to_pg()
{
	if [ "$CQ_IS_ROOT" -eq 1 ]; then
		chown -R postgres:postgres "$1"
	fi
}

# ---------------------------------------------------------------------------
# Running suites

# cq_run_suite NAME: run suite_NAME in a subshell with `set -e`.  A suite
# that exits non-zero without recording a failure, or records no check at
# all, counts as one failed check: a suite that cannot run is a failure,
# never a skip.
cq_run_suite()
{
	local name=$1 rc before_fail before_all after_fail after_all start
	start=$SECONDS
	before_fail=$(grep -c '^FAIL' "$CQ_TMP/checks" || true)
	before_all=$(wc -l <"$CQ_TMP/checks")
	printf '== %s\n' "$name"
	CQ_SUITE=$name
	if ! declare -F "suite_$name" >/dev/null; then
		cq_fail "$name" "No function suite_$name in test/run.sh."
		return 0
	fi
	set +e
	(
		set -e
		"suite_$name"
	)
	rc=$?
	set -e
	after_fail=$(grep -c '^FAIL' "$CQ_TMP/checks" || true)
	after_all=$(wc -l <"$CQ_TMP/checks")
	if [ "$rc" -ne 0 ] && [ "$after_fail" -eq "$before_fail" ]; then
		cq_fail "$name: suite aborted (exit status $rc)" \
			"A command in suite_$name failed; see the output above."
	elif [ "$after_all" -eq "$before_all" ]; then
		cq_fail "$name: suite recorded no checks"
	fi
	printf '   (%s: %ss)\n' "$name" $((SECONDS - start))
	CQ_SUITE=
}

# cq_summary: print the failed checks, set CQ_PASSED and CQ_FAILED for the
# summary line (printed by run.sh after cleaning up, so that it is the last
# line of output); return non-zero if anything failed.
cq_summary()
{
	local failed
	# shellcheck disable=SC2034 # used by run.sh
	CQ_PASSED=$(grep -c '^PASS' "$CQ_TMP/checks" || true)
	CQ_FAILED=$(grep -c '^FAIL' "$CQ_TMP/checks" || true)
	failed=$CQ_FAILED
	if [ "$failed" -gt 0 ]; then
		echo
		echo "failed checks:"
		awk -F '\t' '$1 == "FAIL" { printf "  %s: %s\n", $2, $3 }' \
			"$CQ_TMP/checks"
	fi
	echo "logs: $CQ_ARTIFACTS"
	echo "time: $((SECONDS - CQ_START))s"
	[ "$failed" -eq 0 ]
}

# cq_wait_cmd TIMEOUT_S CMD...: run CMD until it succeeds; false after
# the timeout.
cq_wait_cmd()
{
	local end=$((SECONDS + $1))
	shift
	while [ "$SECONDS" -lt "$end" ]; do
		"$@" >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

# cq_sse_settled FILE: the event stream read so far into FILE ends with
# two heartbeats in a row.  A relay run with --heartbeat=1 sends one only
# after a tick in which it wrote nothing else, so two mean it had nothing
# to send for 2 s: a replay is complete.
cq_sse_settled()
{
	local end
	end=$(tail -c 26 "$1" 2>/dev/null && echo x)
	[ "$end" = $': heartbeat\n\n: heartbeat\n\nx' ]
}

# cq_curl_done PID FILE: curl PID has exited, or the stream it reads into
# FILE has settled.
cq_curl_done()
{
	! kill -0 "$1" 2>/dev/null ||
		grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null ||
		cq_sse_settled "$2"
}

# cq_curl_sse HEADERS BODY URL [CURLARG...]: one request with curl -sN,
# headers into HEADERS, body into BODY; prints the status code (000 if
# none came).  A reply that ends is read to its end; an event stream, which
# does not, until it has settled (cq_sse_settled).  30 s at most either
# way.  Not a fixed read time: how many events and heartbeats fall into
# one depends on the machine's load, not on the relay.
cq_curl_sse()
{
	local headers=$1 body=$2 url=$3 pid
	shift 3
	: >"$headers"
	: >"$body"
	curl -sN --max-time 30 "$@" -D "$headers" -o "$body" "$url" \
		>/dev/null 2>&1 </dev/null &
	pid=$!
	cq_wait_cmd 31 cq_curl_done "$pid" "$body" || true
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	# The last status line: a POST may have had "100 Continue" first
	awk '/^HTTP\// { code = $2 } END { print (code == "" ? "000" : code) }' "$headers"
}

# cq_wait_until SQLFN SQL EXPECTED [TIMEOUT_S]: poll `SQLFN SQL` (a
# suite's function running one statement on its cluster) until it prints
# EXPECTED; false after the timeout (default 30 s).  Errors (a restarting
# server) count as not yet.
cq_wait_until()
{
	local fn=$1 sql=$2 want=$3 timeout=${4:-30} end got=
	end=$((SECONDS + timeout))
	while [ "$SECONDS" -lt "$end" ]; do
		got=$("$fn" "$sql" 2>/dev/null || true)
		[ "$got" = "$want" ] && return 0
		sleep 0.05
	done
	echo "        waited ${timeout}s for [${sql:0:160}] = [$want], last [$got]"
	return 1
}

# cq_check_sql SQLFN NAME SQL EXPECTED: one check that `SQLFN SQL` prints
# EXPECTED now.
cq_check_sql()
{
	local got
	got=$("$1" "$3" 2>&1 || true)
	if [ "$got" = "$4" ]; then
		cq_pass "$2"
	else
		cq_fail "$2" "expected: $4" "seen:     ${got:0:600}"
	fi
}

# cq_report_checks OUT [RC PROGRAM ERR]: the checks a test program wrote
# to OUT, a line each, "PASS<TAB>check" or "FAIL<TAB>check<TAB>detail",
# recorded as the suite's; a program that exited with RC other than 0
# without a failed check is one failed check of its own, with ERR's tail.
cq_report_checks()
{
	local out=$1 rc=${2:-0} program=${3:-} err=${4:-} tag check detail nfail=0
	while IFS=$'\t' read -r tag check detail; do
		case $tag in
			PASS) cq_pass "$check" ;;
			FAIL)
				cq_fail "$check" "$detail"
				nfail=$((nfail + 1))
				;;
		esac
	done <"$out"
	if [ "$rc" -ne 0 ] && [ "$nfail" -eq 0 ]; then
		cq_fail "$program exited with status $rc"
		[ -z "$err" ] || cq_show_tail "$err" 10
	fi
}

# cq_kill_worker_rounds SQL_FN DB QUERY: twice, once QUERY has processed
# rows since the round began, kill -9 the cqstream worker of database DB
# (a check each round) and wait for the launcher to start it again.  For
# suites that check exactly-once delivery across crashes while writers run.
cq_kill_worker_rounds()
{
	local fn=$1 db=$2 query=$3 round before pid
	local worker_sql="SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$db'"
	for round in 1 2; do
		before=$("$fn" "$(cq_state_sql "$query" rows_processed)" 2>/dev/null || echo 0)
		cq_wait_until "$fn" "$(cq_state_sql "$query" "rows_processed > ${before:-0}")" t 30 >/dev/null || true
		pid=$("$fn" "$worker_sql" 2>/dev/null || true)
		if [ -n "$pid" ] && kill -9 "$pid"; then
			cq_pass "crash: kill -9 of the worker mid-stream (round $round)"
		else
			cq_fail "crash: kill -9 of the worker mid-stream (round $round)" "no worker"
		fi
		cq_wait_until "$fn" "SELECT count(*) FROM ($worker_sql) w" 1 30 >/dev/null || true
	done
}

# cq_state_sql QUERY COLUMN: the statement reading a column of
# cqstream.query_state for the named query.
cq_state_sql()
{
	echo "SELECT s.$2 FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = '$1'"
}
