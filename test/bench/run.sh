#!/usr/bin/env bash
#
# test/bench/run.sh: the benchmarks (`make bench`).
#
# Each benchmark is a test/bench/*.sql script (run by psql) or a
# test/bench/*.sh script (run by bash with the cluster's PGHOST, PGPORT,
# PGUSER and PGDATABASE, and PG_BINDIR, in its environment) that times
# cqstream and the baseline a user would write instead, in the same run on
# the same cluster, and prints one side-by-side table with the ratio and the
# target.  Only ratios measured in one run mean anything on these noisy
# machines.  A failing benchmark does not stop the others; the exit status
# says whether all of them ran.
#
# Builds and installs like make test (without -Werror, holding the same
# CQ_BUILD_LOCK), starts a throwaway cluster with shared_preload_libraries =
# 'cqstream' and removes it however the run ends.  Environment: as
# test/run.sh, and CQ_BENCH, a list of benchmark names (file names without
# extension) to run only those.
set -euo pipefail

CQ_ROOT=$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/../.." && pwd -P)
cd "$CQ_ROOT"

CQ_TMP=
cleanup()
{
	[ -n "$CQ_TMP" ] || return 0
	cq_cluster_stop_all >/dev/null 2>&1 || true
	rm -rf "$CQ_TMP" >/dev/null 2>&1 || true
}
trap cleanup EXIT

. test/lib/common.sh
. test/lib/deps.sh
. test/lib/cluster.sh

CQ_TMP=$(mktemp -d /tmp/cqstream-bench.XXXXXX)
chmod 755 "$CQ_TMP"

missing=$(cq_missing_packages)
[ -z "$missing" ] || cq_install_packages $missing
cq_pg_env
# Builds of the same tree must not interleave (test/run.sh holds it too);
# released before the cluster starts.  The braces keep 2>/dev/null to the
# exec: on a bare exec it would silence the rest of the script.
lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock}
if command -v flock >/dev/null 2>&1 &&
	{ [ -e "$lock" ] || (umask 0 && : >"$lock"); } 2>/dev/null &&
	{ exec 9<"$lock"; } 2>/dev/null; then
	flock 9
fi
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
else
	sudo make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi
exec 9<&-

cq_cluster_start bench "shared_buffers = '512MB'" "work_mem = '256MB'" \
	"max_wal_size = '4GB'" || {
	echo "bench: could not start a cluster; see $CQ_TMP" >&2
	exit 1
}
cq_psql bench -c 'CREATE EXTENSION cqstream'

status=0
for f in test/bench/*.sql test/bench/*.sh; do
	if [ ! -e "$f" ] || [ "$f" = test/bench/run.sh ]; then
		continue
	fi
	name=$(basename "$f")
	# CQ_BENCH="engine windows" runs only those benchmarks
	if [ -n "${CQ_BENCH:-}" ] && [[ " $CQ_BENCH " != *" ${name%.*} "* ]]; then
		continue
	fi
	echo "== ${name%.*}"
	case $f in
		*.sql) cq_psql bench -f "$f" ;;
		*.sh) (cq_cluster_env bench && bash "$f") ;;
	esac || {
		echo "bench: $name failed" >&2
		status=1
	}
done
exit "$status"
