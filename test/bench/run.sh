#!/usr/bin/env bash
#
# test/bench/run.sh: the benchmarks (`make bench`).
#
# Each benchmark is a test/bench/*.sql script that times cqstream and the
# baseline a user would write instead, in the same run on the same cluster,
# and prints one side-by-side table with the ratio and the target.  Only
# ratios measured in one run mean anything on these noisy machines.
#
# Builds and installs like make test (without -Werror), starts a throwaway
# cluster with shared_preload_libraries = 'cqstream' and removes it however
# the run ends.  Environment: as test/run.sh.
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
make -s PG_CONFIG="$PG_CONFIG" >/dev/null
if [ -w "$("$PG_CONFIG" --pkglibdir)" ]; then
	make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
else
	sudo make -s PG_CONFIG="$PG_CONFIG" install >/dev/null
fi

cq_cluster_start bench "shared_buffers = '512MB'" "work_mem = '256MB'" \
	"max_wal_size = '4GB'" || {
	echo "bench: could not start a cluster; see $CQ_TMP" >&2
	exit 1
}
cq_psql bench -c 'CREATE EXTENSION cqstream'

for f in test/bench/*.sql; do
	echo "== $(basename "$f" .sql)"
	cq_psql bench -f "$f"
done
