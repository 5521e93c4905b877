# shellcheck shell=bash
#
# test/layout/symbols.sh: what the built library exports (suite `layout`).
#
# PostgreSQL loads extension libraries into one global symbol namespace,
# so cqstream.so must export only what the server looks up by name
# (src/compat.h): Pg_magic_func, _PG_init, the SQL-callable functions and
# their info records (all cq_*) and the background worker entry points.
# Every C function the install script binds must be exported under the
# name it binds, and every exported cq_ name must be bound (or be a
# worker entry point), so a stale or misspelt binding fails here rather
# than at CREATE EXTENSION on a user's server.

cq_layout_tests()
{
	local lib=cqstream.so script exported bound extra missing
	# the current version's script (an older one may be lying around)
	script=cqstream--$(sed -nE "s/^default_version *= *'([^']+)'.*/\1/p" cqstream.control).sql
	if [ ! -f "$lib" ] || [ -z "$script" ]; then
		cq_fail "built library and install script present"
		return 0
	fi
	exported=$(nm -D --defined-only "$lib" | awk '{ print $3 }' | LC_ALL=C sort)
	extra=$(grep -vE '^(Pg_magic_func|_PG_init|cq_[a-z0-9_]+|pg_finfo_cq_[a-z0-9_]+)$' \
		<<<"$exported" || true)
	if [ -z "$extra" ]; then
		cq_pass "exports only prefixed names and PostgreSQL's entry points ($(wc -l <<<"$exported") symbols)"
	else
		cq_fail "exports only prefixed names and PostgreSQL's entry points" \
			"Unexpected: $(tr '\n' ' ' <<<"$extra")"
	fi

	bound=$(grep -oE "'MODULE_PATHNAME', *'[A-Za-z0-9_]+'" "$script" |
		sed -E "s/.*'([A-Za-z0-9_]+)'$/\1/" | LC_ALL=C sort -u)
	missing=$(LC_ALL=C comm -23 <(echo "$bound") <(echo "$exported"))
	if [ -n "$bound" ] && [ -z "$missing" ]; then
		cq_pass "each of the $(wc -l <<<"$bound") bound C functions is exported"
	else
		cq_fail "each bound C function is exported" \
			"Not exported: $(tr '\n' ' ' <<<"$missing")"
	fi
	if grep -qE "LANGUAGE C[^;]*AS 'MODULE_PATHNAME' *;|AS 'MODULE_PATHNAME'$" "$script"; then
		cq_fail "every C function bound by an explicit symbol name"
	else
		cq_pass "every C function bound by an explicit symbol name"
	fi
	extra=$(grep -E '^cq_' <<<"$exported" |
		grep -vE '^cq_(launcher|worker)_main$' |
		LC_ALL=C comm -23 - <(echo "$bound") || true)
	if [ -z "$extra" ]; then
		cq_pass "every exported cq_ function is bound or a worker entry point"
	else
		cq_fail "every exported cq_ function is bound or a worker entry point" \
			"Unbound: $(tr '\n' ' ' <<<"$extra")"
	fi
	# From the list already read: grep -q on nm's pipe stops reading early,
	# and nm's SIGPIPE fails the pipeline under pipefail
	if grep -qx 'pg_finfo_cq_tfloat_in' <<<"$exported"; then
		cq_pass "info records exported beside their functions"
	else
		cq_fail "info records exported beside their functions"
	fi

	# One folder per layer (docs/architecture.md), nothing loose in src/
	# but _PG_init's file, the version shims and the shared contract.
	extra=$(find src -maxdepth 1 -type f \( -name '*.c' -o -name '*.h' \) \
		! -name cqstream.c ! -name compat.h ! -name contract.h)
	if [ -z "$extra" ] && [ -d src/tfloat ] && [ -d src/core ] && [ -d src/engine ]; then
		cq_pass "sources in src/tfloat, src/core and src/engine"
	else
		cq_fail "sources in src/tfloat, src/core and src/engine" \
			"Loose in src/: $(tr '\n' ' ' <<<"$extra")"
	fi
}
