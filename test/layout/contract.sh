# shellcheck shell=bash
#
# test/layout/contract.sh: the install script's literals match
# src/contract.h (suite `layout`).
#
# The result-id factor, the channel prefix and the query-name rule are
# defined once, in src/contract.h, for the engine and the relay; SQL cannot
# include a header, so each place the install script spells one of them
# is checked here against the header's value.  A literal that drifts fails
# this check instead of splitting the contract.

# cq_contract_value NAME: the value of #define NAME in src/contract.h
cq_contract_value()
{
	sed -nE "s/^#define $1[[:space:]]+\"?([^\"]*)\"?\$/\1/p" src/contract.h
}

cq_contract_tests()
{
	local factor prefix maxlen sql bad
	factor=$(cq_contract_value CQ_RESULT_ID_FACTOR)
	prefix=$(cq_contract_value CQ_CHANNEL_PREFIX)
	maxlen=$(cq_contract_value CQ_QUERY_NAME_MAXLEN)
	if [ -z "$factor" ] || [ -z "$prefix" ] || [ -z "$maxlen" ]; then
		cq_fail "src/contract.h defines the factor, prefix and name length"
		return 0
	fi
	sql=$(cat src/sql/*.sql)

	# Every 13-digit literal in the SQL is the factor, and there is one.
	bad=$(grep -oE '\b1[0-9]{12}\b' <<<"$sql" | grep -vx "$factor" || true)
	if [ -z "$bad" ] && grep -q "\* $factor\b" <<<"$sql"; then
		cq_pass "install script's result-id factor is CQ_RESULT_ID_FACTOR ($factor)"
	else
		cq_fail "install script's result-id factor is CQ_RESULT_ID_FACTOR ($factor)" \
			"Found: ${bad:-no use of the factor}"
	fi

	bad=$(grep -oE "'cqstream_[a-z]*' *\|\|" <<<"$sql" | grep -v "^'$prefix' *||" || true)
	if [ -z "$bad" ] && grep -q "'$prefix' *||" <<<"$sql"; then
		cq_pass "install script's channel prefix is CQ_CHANNEL_PREFIX ($prefix)"
	else
		cq_fail "install script's channel prefix is CQ_CHANNEL_PREFIX ($prefix)" \
			"Found: ${bad:-no channel expression}"
	fi

	if grep -qF "name ~ '^[a-z][a-z0-9_]{0,$((maxlen - 1))}\$'" <<<"$sql"; then
		cq_pass "catalog's name rule allows CQ_QUERY_NAME_MAXLEN ($maxlen) bytes"
	else
		cq_fail "catalog's name rule allows CQ_QUERY_NAME_MAXLEN ($maxlen) bytes" \
			"Found: $(grep -oE "name ~ '[^']*'" <<<"$sql" | head -n 1)"
	fi
}
