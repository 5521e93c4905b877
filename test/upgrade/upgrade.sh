# shellcheck shell=bash
# test/upgrade/upgrade.sh: ALTER EXTENSION cqstream UPDATE from the last
# release, run by suite_upgrade in test/run.sh (which sources this file and
# calls cq_upgrade_tests).
#
# Design notes
#
# The released version is built from its commit (CQU_FROM_COMMIT, read
# from git history: a shallow clone fails here with the fix) and
# installed into a private copy of the PostgreSQL installation under
# $CQ_TMP, so the system's files are never touched: PostgreSQL finds its
# library and share directories relative to its own binaries, so a copy of
# the bindir's parent and the sharedir at the same relative places is a
# complete installation, and `make install DESTDIR=$root` installs into it.
#
# Two clusters receive the same rows in the same phases, each one INSERT
# (one commit, so one worker batch) waited for until every query has read
# it, which makes the worker's batches, and so every result, the same in
# both:
#   old: 0.1.0 - A - new files installed under the running server - A2 -
#        restart (new library, old catalog) - A3 (only the transform reads
#        it: aggregates wait for the catalog) - ALTER EXTENSION UPDATE
#        (the aggregates read A3) - B
#   ref: a fresh CREATE EXTENSION of this tree - A - A2 - A3 - B
# The results logs (every id and payload), the queries' progress and the
# open windows must be equal: nothing lost, nothing repeated, windows
# intact.  Transforms also check their own count and gapless ids.
#
# The catalog check compares the extension's objects in both databases
# with pg_dump --schema-only --binary-upgrade, the one mode of pg_dump that
# writes out each member of an extension (pg_upgrade's): an SQL change in
# src/sql/ missing from the upgrade script shows as a difference.  The
# lines that carry OIDs (binary_upgrade_set_next_*) or a random key
# (\restrict), and the dropped
# columns an ALTER TABLE ... DROP COLUMN leaves, are left out.

CQU_FROM_VERSION=0.1.0
CQU_FROM_COMMIT=7419a2e0249e36ee95a80f9a078d1be68fbfc180
CQU_DB=cqup
# Source rows per phase: A, A2, A3, B
CQU_PHASES="A:0:1000 A2:1000:1500 A3:1500:2000 B:2000:3200"

cqu_sql()
{
	cq_psql "$1" -d "$CQU_DB" -At -c "$2"
}
cqu_old()
{
	cqu_sql upold "$1"
}
cqu_ref()
{
	cqu_sql upref "$1"
}

# cqu_queries CLUSTER: the source and the queries (created before any row).
cqu_queries()
{
	cq_psql "$1" -d postgres -c "CREATE DATABASE $CQU_DB" >/dev/null &&
		cqu_sql "$1" "CREATE EXTENSION cqstream" >/dev/null &&
		cqu_sql "$1" "CREATE TABLE readings (
			id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			sensor text, ts timestamptz, v float8, label text);
		SELECT cqstream.create_transform('tf', 'readings', 'ts', 'v',
			'mul 1.8 | add 32', key_column => 'sensor');
		SELECT cqstream.create_aggregate('tumb', 'readings', 'ts', 'v', 'SUM',
			cqstream.tumbling('1 minute'), key_column => 'sensor');
		SELECT cqstream.create_aggregate('hop', 'readings', 'ts', 'v', 'MAX',
			cqstream.hopping('30 seconds', '10 seconds'), key_column => 'sensor',
			lateness => '5 seconds', emit => 'on_update');
		SELECT cqstream.create_aggregate('cnt', 'readings', 'ts', 'v', 'AVG',
			cqstream.count_window(7), key_column => 'sensor');
		SELECT cqstream.create_aggregate('dist', 'readings', 'ts', 'label',
			'COUNT_DISTINCT', cqstream.tumbling('2 minutes'))" >/dev/null
}

# cqu_phase CLUSTER NAME: insert the phase's rows and wait until every
# query has read them.
cqu_phase()
{
	local cluster=$1 name=$2 p lo hi
	for p in $CQU_PHASES; do
		[ "${p%%:*}" = "$name" ] || continue
		lo=$(echo "$p" | cut -d: -f2)
		hi=$(echo "$p" | cut -d: -f3)
	done
	cqu_sql "$cluster" "INSERT INTO readings (sensor, ts, v, label)
		SELECT 's' || (g * 7 % 5), timestamptz '2026-11-23 10:00:00+00'
			+ g * interval '1.3 seconds' - (g % 4) * interval '2 seconds',
			round(((g * 37) % 101) / 3.0, 3), 'l' || (g % 13)
		FROM generate_series($lo, $((hi - 1))) AS g" >/dev/null || return 1
	cq_wait_until "cqu_sql_$cluster" \
		"SELECT min(rows_processed) FROM cqstream.queries
		 WHERE name = coalesce(nullif('${CQU_WAIT_QUERY:-}', ''), name)" "$hi" 60
}
# cqu_phase_only CLUSTER NAME QUERY: insert the phase's rows and wait
# until QUERY has read them.
cqu_phase_only()
{
	local cluster=$1 name=$2 query=$3
	CQU_WAIT_QUERY=$query cqu_phase "$cluster" "$name"
}
cqu_sql_upold()
{
	cqu_old "$1"
}
cqu_sql_upref()
{
	cqu_ref "$1"
}

# cqu_step NAME CMD...: one check that CMD succeeds.
cqu_step()
{
	local name=$1
	shift
	if "$@"; then
		cq_pass "$name"
	else
		cq_fail "$name"
	fi
}

# cqu_catalog CLUSTER: the extension's objects, as pg_dump writes them for
# pg_upgrade, without OIDs and dropped columns.  A table the update
# creates (0.2.0's window_chunk) has other OIDs than in a fresh install:
# the configuration tables are compared by name instead, and the OIDs of
# TOAST tables are left out.
cqu_catalog()
{
	(
		cq_pg_env && cq_cluster_env "$1" || exit 1
		"$PG_BINDIR/pg_dump" --schema-only --binary-upgrade \
			--no-owner -d "$CQU_DB" -T readings -T readings_id_seq
	) | grep -v -e 'binary_upgrade_set_next_' \
		-e 'binary_upgrade_set_record_init_privs' \
		-e '^-- ' -e '^SET ' -e "^SELECT pg_catalog.set_config" \
		-e '^\\restrict ' -e '^\\unrestrict ' |
		sed -E -e "s/^(WHERE oid = ')[0-9]+(';)\$/\1<toast>\2/" \
			-e "/binary_upgrade_create_empty_extension/s/'\{[0-9,]+\}'/'{<configuration tables>}'/" |
		awk '
			# a dropped column: its placeholder in CREATE TABLE and the
			# statements that drop it again
			/\.\.\.\.\.\.\.\.pg\.dropped\.[0-9]+\.\.\.\.\.\.\.\./ { next }
			{ print }'
	echo "configuration tables:"
	cqu_sql "$1" "SELECT c::regclass FROM pg_extension, unnest(extconfig) AS c
		WHERE extname = 'cqstream' ORDER BY c::regclass::text"
}

# cqu_state CLUSTER: everything the queries carry across the upgrade.
cqu_state()
{
	cqu_sql "$1" "SELECT q.name, s.last_source_id, s.last_result_seq,
			s.rows_processed, s.results_emitted, s.rows_skipped, s.rows_late,
			s.max_event_time, s.watermark
		FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id
		ORDER BY q.name"
	echo "--- windows"
	cqu_sql "$1" "SELECT q.name, w.key, w.wstart, w.tmin, w.tmax, w.nrows,
			w.count, w.sum, w.min, w.max, w.sum_overflow, w.distinct_values,
			w.emitted_count
		FROM cqstream.window_state w JOIN cqstream.query q ON q.id = w.query_id
		ORDER BY 1, 2, 3"
}

# cqu_results CLUSTER: every logged result.
cqu_results()
{
	cqu_sql "$1" "SELECT id, payload FROM cqstream.result ORDER BY id"
}

cq_upgrade_tests()
{
	local orig_pg_config libroot sharedir pkglibdir root
	local src=$CQ_TMP/upgrade-src log=$CQ_ARTIFACTS/upgrade.log
	local lock=${CQ_BUILD_LOCK:-/tmp/cqstream-build.lock} f got want p
	local new_version old_state ref_state n
	: >"$log"
	# PG_CONFIG may be unset (make test's default): the server's
	cq_pg_env
	orig_pg_config=$PG_CONFIG
	new_version=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" cqstream.control)

	# The released version's source, from git history
	if ! git -C "$CQ_ROOT" cat-file -e "$CQU_FROM_COMMIT^{commit}" 2>/dev/null; then
		cq_fail "release $CQU_FROM_VERSION: commit $CQU_FROM_COMMIT not found" \
			"The upgrade suite builds $CQU_FROM_VERSION from git history; this" \
			"clone lacks it (shallow?): git fetch --unshallow, or clone fully."
		return 0
	fi
	mkdir -p "$src"
	git -C "$CQ_ROOT" archive "$CQU_FROM_COMMIT" | tar -x -C "$src"
	got=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" "$src/cqstream.control")
	if [ "$got" != "$CQU_FROM_VERSION" ]; then
		cq_fail "release $CQU_FROM_VERSION at $CQU_FROM_COMMIT" "its control file says $got"
		return 0
	fi
	if [ ! -f "src/sql/upgrade/cqstream--$CQU_FROM_VERSION--$new_version.sql" ]; then
		cq_fail "upgrade script src/sql/upgrade/cqstream--$CQU_FROM_VERSION--$new_version.sql" \
			"Missing: every release needs a script from $CQU_FROM_VERSION."
		return 0
	fi

	# A private copy of the PostgreSQL installation
	libroot=$(dirname "$("$PG_CONFIG" --bindir)")
	sharedir=$("$PG_CONFIG" --sharedir)
	pkglibdir=$("$PG_CONFIG" --pkglibdir)
	root=$CQ_TMP/upgrade-root
	for f in "$libroot" "$sharedir" "$pkglibdir"; do
		[ -d "$root$f" ] && continue
		mkdir -p "$root$(dirname "$f")"
		cp -a "$f" "$root$f"
	done
	rm -f "$root$pkglibdir/cqstream.so" "$root$sharedir"/extension/cqstream[.-]* \
		"$root$pkglibdir/bitcode/cqstream.index.bc"
	rm -rf "$root$pkglibdir/bitcode/cqstream"
	if make -C "$src" -j"$(nproc 2>/dev/null || echo 2)" PG_CONFIG="$orig_pg_config" \
		>>"$log" 2>&1 &&
		make -C "$src" install PG_CONFIG="$orig_pg_config" DESTDIR="$root" \
			>>"$log" 2>&1 &&
		[ -f "$root$sharedir/extension/cqstream--$CQU_FROM_VERSION.sql" ]; then
		cq_pass "$CQU_FROM_VERSION built from ${CQU_FROM_COMMIT:0:7} into a private copy of PostgreSQL"
	else
		cq_fail "build $CQU_FROM_VERSION from ${CQU_FROM_COMMIT:0:7}"
		cq_show_tail "$log"
		return 0
	fi

	# The reference on the real installation, the old cluster on the copy
	if ! cq_cluster_start upref "cqstream.poll_interval = '10ms'" ||
		! cqu_queries upref; then
		cq_fail "reference cluster with cqstream $new_version"
		cq_show_tail "$(cq_cluster_log upref)" 10
		return 0
	fi
	PG_CONFIG=$root$("$orig_pg_config" --bindir)/pg_config
	export PG_CONFIG
	if [ "$("$PG_CONFIG" --pkglibdir)" != "$root$pkglibdir" ]; then
		cq_fail "the copy of PostgreSQL is relocatable" \
			"its pkglibdir: $("$PG_CONFIG" --pkglibdir)"
		return 0
	fi
	if cq_cluster_start upold "cqstream.poll_interval = '10ms'" &&
		cqu_queries upold; then
		cq_pass "cluster with cqstream $(cqu_old "SELECT extversion FROM pg_extension WHERE extname = 'cqstream'"): 5 queries"
	else
		cq_fail "cluster with cqstream $CQU_FROM_VERSION"
		cq_show_tail "$(cq_cluster_log upold)" 10
		return 0
	fi

	cqu_step "$CQU_FROM_VERSION: phase A processed" cqu_phase upold A
	n=$(cqu_old "SELECT count(*) FROM cqstream.window_state")
	if [ "$n" -gt 0 ]; then
		cq_pass "$CQU_FROM_VERSION: $n open windows, $(cqu_old "SELECT count(*) FROM cqstream.result") results"
	else
		cq_fail "$CQU_FROM_VERSION: open windows before the upgrade" "none"
	fi

	# The new version's files, installed under the running server
	if (
		if [ -e "$lock" ]; then
			exec 9<"$lock"
			flock 9
		fi
		make --no-print-directory install PG_CONFIG="$orig_pg_config" \
			DESTDIR="$root"
	) >>"$log" 2>&1; then
		# as a package upgrade leaves it: the old install script is gone
		rm -f "$root$sharedir/extension/cqstream--$CQU_FROM_VERSION.sql"
		cq_pass "$new_version installed under the running $CQU_FROM_VERSION server"
	else
		cq_fail "make install of $new_version into the copy"
		cq_show_tail "$log"
		return 0
	fi
	cqu_step "phase A2 processed by the running $CQU_FROM_VERSION library" \
		cqu_phase upold A2

	# Restart: the preloaded library is read at server start only
	if cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-upold/data" -l "$(cq_cluster_log upold)" \
		-w -t 60 -m fast -o "-p $(cat "$CQ_TMP/pg-upold/port")" restart >>"$log" 2>&1; then
		cq_pass "server restarted with the $new_version library"
	else
		cq_fail "server restart"
		cq_show_tail "$(cq_cluster_log upold)" 10
		return 0
	fi
	# Before ALTER EXTENSION the transform goes on; the aggregates wait
	# for the catalog (0.2.0 stores open windows in chunks) and say so
	cqu_step "phase A3: the transform processed by the $new_version library before ALTER EXTENSION" \
		cqu_phase_only upold A3 tf
	cq_check_sql cqu_old "before ALTER EXTENSION: the aggregates wait, their progress untouched" \
		"SELECT string_agg(name || ':' || rows_processed, ',' ORDER BY name) FROM cqstream.queries WHERE name <> 'tf'" \
		"cnt:1500,dist:1500,hop:1500,tumb:1500"
	if grep -q "aggregate queries wait until the extension is updated" "$(cq_cluster_log upold)"; then
		cq_pass "before ALTER EXTENSION: the worker says the aggregates wait for the update"
	else
		cq_fail "before ALTER EXTENSION: the worker says the aggregates wait for the update"
	fi
	cq_check_sql cqu_old "ALTER EXTENSION cqstream UPDATE" \
		"ALTER EXTENSION cqstream UPDATE; SELECT extversion FROM pg_extension WHERE extname = 'cqstream'" \
		"$new_version"
	cqu_step "phase A3 processed by every query after ALTER EXTENSION" \
		cq_wait_until cqu_sql_upold "SELECT min(rows_processed) FROM cqstream.queries" 2000 60

	# The reference up to the same point: the progress and open windows
	for p in A A2 A3; do
		cqu_phase upref "$p" >/dev/null || cq_fail "reference: phase $p processed"
	done
	old_state=$(cqu_state upold)
	ref_state=$(cqu_state upref)
	if [ "$old_state" = "$ref_state" ] && [ -n "$old_state" ]; then
		cq_pass "after the update: progress and $(echo "$old_state" | sed '1,/^--- windows$/d' | wc -l) open windows equal a fresh run's"
	else
		cq_fail "after the update: progress and open windows equal a fresh run's" \
			"$(diff <(echo "$ref_state") <(echo "$old_state") | head -n 12)"
	fi

	# Every query continues
	cqu_step "phase B processed after the update" cqu_phase upold B
	cqu_phase upref B >/dev/null || cq_fail "reference: phase B processed"
	got=$(cqu_results upold | md5sum)
	want=$(cqu_results upref | md5sum)
	n=$(cqu_old "SELECT count(*) FROM cqstream.result")
	if [ "$got" = "$want" ] && [ "$n" -gt 3200 ]; then
		cq_pass "every result (ids and payloads, $n) equals a fresh run's: none lost or repeated"
	else
		cq_fail "every result equals a fresh run's" \
			"$(diff <(cqu_results upref) <(cqu_results upold) | head -n 8 | cut -c 1-200)"
	fi
	cq_check_sql cqu_old "transform: 3200 results, gapless ids, one per row" \
		"SELECT count(*), count(DISTINCT r.id), max(r.id) - min(r.id) + 1
		 FROM cqstream.result r JOIN cqstream.query q ON q.id = r.query_id
		 WHERE q.name = 'tf'" "3200|3200|3200"
	cq_check_sql cqu_old "no failed query, no error" \
		"SELECT count(*) FILTER (WHERE status <> 'running' OR last_error IS NOT NULL)
		 FROM cqstream.queries" "0"
	old_state=$(cqu_state upold)
	ref_state=$(cqu_state upref)
	if [ "$old_state" = "$ref_state" ]; then
		cq_pass "at the end: progress and open windows equal a fresh run's"
	else
		cq_fail "at the end: progress and open windows equal a fresh run's" \
			"$(diff <(echo "$ref_state") <(echo "$old_state") | head -n 12)"
	fi

	# The updated catalog is a fresh install's
	cqu_catalog upold >"$CQ_ARTIFACTS/upgrade-catalog-updated.sql"
	cqu_catalog upref >"$CQ_ARTIFACTS/upgrade-catalog-fresh.sql"
	n=$(grep -c 'ALTER EXTENSION cqstream ADD' "$CQ_ARTIFACTS/upgrade-catalog-fresh.sql" || true)
	if [ "$n" -gt 100 ] && diff "$CQ_ARTIFACTS/upgrade-catalog-fresh.sql" \
		"$CQ_ARTIFACTS/upgrade-catalog-updated.sql" >"$CQ_ARTIFACTS/upgrade-catalog.diff"; then
		cq_pass "updated extension's catalog equals a fresh install's ($n objects)"
	else
		cq_fail "updated extension's catalog equals a fresh install's ($n objects)" \
			"An SQL change in src/sql/ is missing from src/sql/upgrade/cqstream--$CQU_FROM_VERSION--$new_version.sql" \
			"(or differs from it). Diff, fresh (<) against updated (>):"
		cq_show_file "$CQ_ARTIFACTS/upgrade-catalog.diff" 30
	fi
}
