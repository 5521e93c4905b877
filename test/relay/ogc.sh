# shellcheck shell=bash
# test/relay/ogc.sh: the relay's OGC API resources (landing page by
# content negotiation at "/", /conformance, /api), end to end with curl,
# for suite_relay_ogc of test/run.sh.
#
# Design notes
#
# These resources need no database, so the suite needs no cluster: two
# relays (the AddressSanitizer build) point at a socket directory where
# no server runs.  "tok" has a shared token (authentication on, so the
# resources must be open while /queries is refused); "open" has none (so
# the default allowed hosts apply and a foreign Host gets 421).  Every
# check compares bytes, a status or parsed JSON that the other outcome
# would not give: the dashboard against relay/dashboard.html byte for
# byte, /api against relay/openapi.json, the JSON through
# test/relay/ogc.mjs (swagger-parser validates the OpenAPI document).
#
# "Every path the tests exercise" is taken from the relay suites'
# sources (test/relay, test/failover, test/demo, test/security): each
# literal URL path of a relay route found there, with query names made
# the {name} template, must be a path of the document; and every path of
# the document must be routed by the relay (not its 404 "no such
# resource").
#
# This file is sourced by test/run.sh; it needs test/lib/common.sh,
# test/lib/cluster.sh and test/lib/node.sh.

CQO_TOKEN=ogc-shared-token-0123456789
CQO_CLASSES=(
	http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/core
	http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/landing-page
	http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/json
	http://www.opengis.net/spec/ogcapi-common-1/1.0/conf/oas30
	http://www.opengis.net/spec/ogcapi-movingfeatures-4/1.0/conf/cquery
)
# The Accept header chromium sends for a page
CQO_BROWSER_ACCEPT='text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7'
CQO_OAS_TYPE='application/vnd.oai.openapi+json;version=3.0'

cqo_up()
{
	curl -s --max-time 2 -o /dev/null "http://127.0.0.1:$1/healthz"
}

# cqo_relay NAME FLAG...: start relay NAME on a free port (CQO_PORT_NAME)
cqo_relay()
{
	local name=$1 port
	shift
	port=$(cq_free_port "$((CQ_PORT_BASE + 60))") || return 1
	env -i PATH="$PATH" ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 "$CQO_BIN" \
		--db="host=$CQO_STATE/nodb dbname=none connect_timeout=1" \
		--listen="127.0.0.1:$port" "$@" >>"$CQO_LOGS/relay-$name.log" 2>&1 &
	echo $! >"$CQO_STATE/relay-$name.pid"
	printf -v "CQO_PORT_$name" '%s' "$port"
	cq_wait_cmd 15 cqo_up "$port"
}

# cqo_get RELAY PATH [CURLARG...]: GET; body in $CQO_STATE/body,
# headers in $CQO_STATE/headers, status in CQO_CODE, type in CQO_TYPE
cqo_get()
{
	local port=CQO_PORT_$1 path=$2 out
	shift 2
	out=$(curl -s --max-time 5 "$@" -D "$CQO_STATE/headers" \
		-o "$CQO_STATE/body" -w '%{http_code} %{content_type}' \
		"http://127.0.0.1:${!port}$path" || true)
	CQO_CODE=${out%% *}
	CQO_TYPE=${out#* }
}

# cqo_check NAME CMD...: pass when CMD succeeds, else fail with its output
cqo_check()
{
	local name=$1 out
	shift
	if out=$("$@" 2>&1); then
		cq_pass "$name"
	else
		cq_fail "$name" "$(head -c 600 <<<"$out")"
	fi
}

cqo_is()
{
	[ "$1" = "$2" ] || {
		echo "expected $2, got $1"
		return 1
	}
}

# cqo_dashboard CURLARG...: "/" answers the dashboard, byte for byte
cqo_dashboard()
{
	cqo_get tok / "$@"
	cqo_is "$CQO_CODE $CQO_TYPE" "200 text/html; charset=utf-8" || return 1
	cmp "$CQO_STATE/body" "$CQ_ROOT/relay/dashboard.html"
}

# cqo_landing CURLARG...: "/" answers the landing page
cqo_landing()
{
	cqo_get tok / "$@"
	cqo_is "$CQO_CODE $CQO_TYPE" "200 application/json" || return 1
	grep -qi '^Vary: *Accept' "$CQO_STATE/headers" || {
		echo "no Vary: Accept"
		return 1
	}
	node "$CQO_MJS" landing "$CQO_STATE/body"
}

cqo_bad_format()
{
	cqo_get tok '/?f=xml'
	cqo_is "$CQO_CODE $(cat "$CQO_STATE/body")" \
		'400 {"error":{"status":400,"message":"unknown format f: use json or html"}}'
}

cqo_conformance()
{
	cqo_get tok /conformance
	cqo_is "$CQO_CODE $CQO_TYPE" "200 application/json" || return 1
	node "$CQO_MJS" conformance "$CQO_STATE/body" "${CQO_CLASSES[@]}"
}

cqo_api()
{
	cqo_get tok /api
	# Kept for the checks that follow, whatever this one finds
	cp "$CQO_STATE/body" "$CQO_STATE/api.json"
	cqo_is "$CQO_CODE $CQO_TYPE" "200 $CQO_OAS_TYPE" || return 1
	cmp "$CQO_STATE/api.json" "$CQ_ROOT/relay/openapi.json"
}

# cqo_exercised: the relay routes' paths in the test sources, as
# templates, one a line
cqo_exercised()
{
	grep -rhoE "(^|[\"' =:0-9}])/(queries|stream|healthz|metrics|conformance|api|collections)[^\"' ?&#\`:|]*" \
		"$CQ_ROOT"/test/relay "$CQ_ROOT"/test/failover "$CQ_ROOT"/test/demo \
		"$CQ_ROOT"/test/security 2>/dev/null |
		sed -E -e 's|^[^/]*||' -e 's|[,:.;)]+$||' \
			-e 's|^/queries/[^/]+/stream$|/queries/{name}/stream|' \
			-e 's|^/queries/[^/]+$|/queries/{name}|' -e 's|^/queries/$|/queries|' \
			-e 's|^/collections/[^/]+|/collections/{collectionId}|' \
			-e 's|/items/[^/]+/tproperties/[^/]+/queries|/items/{featureId}/tproperties/{pname}/queries|' \
			-e 's|(/tproperties/[{]pname[}])/queries/[^/]+|\1/queries/{queryId}|' \
			-e 's|/items/[^/{]+/tproperties/[^/]+$|/items/{featureId}/tproperties/{pname}|' \
			-e 's|/items/[{]fid[}]/tproperties/[^/]+$|/items/{featureId}/tproperties/{pname}|' \
			-e 's|/items/[^/]+/tgsequence|/items/{featureId}/tgsequence|' \
			-e 's|(/tgsequence)/queries/[^/]+|\1/queries/{queryId}|' |
		LC_ALL=C sort -u
	echo /
}

# cqo_routed: every operation of the document is a route of the relay
# (with the token, so only an unknown path would be 404, an unknown
# method 405); path parameters are replaced by some_q
cqo_routed()
{
	local m p q bad='' list
	list=$(node "$CQO_MJS" list-ops "$CQO_STATE/api.json") || return 1
	[ -n "$list" ] || {
		echo "the document has no paths"
		return 1
	}
	while read -r m p; do
		q=${p//\{name\}/some_q}
		q=${q//\{queryId\}/some_q}
		q=${q//\{collectionId\}/some_c}
		q=${q//\{featureId\}/f1}
		q=${q//\{pname\}/v}
		cqo_get tok "$q" -X "$m" -H "Authorization: Bearer $CQO_TOKEN"
		case $CQO_CODE in
			404 | 405 | 000) bad="$bad $m:$p:$CQO_CODE" ;;
		esac
	done <<<"$list"
	[ -z "$bad" ] || {
		echo "not routed:$bad"
		return 1
	}
}

# cqo_open_resources: /, /conformance and /api need no token where
# /queries does
cqo_open_resources()
{
	local p out=
	for p in / /conformance /api /queries; do
		cqo_get tok "$p"
		out="$out $p:$CQO_CODE"
	done
	cqo_is "$out" " /:200 /conformance:200 /api:200 /queries:401"
}

# cqo_host_checked: a foreign Host gets 421 on each, on the relay that
# allows only its own names
cqo_host_checked()
{
	local p out=
	for p in / /conformance /api; do
		cqo_get open "$p" -H 'Host: evil.example' -H 'Accept: application/json'
		out="$out $p:$CQO_CODE"
	done
	cqo_is "$out" " /:421 /conformance:421 /api:421"
}

cqo_gone()
{
	! kill -0 "$1" 2>/dev/null
}

# cqo_stop NAME: SIGTERM, SIGKILL after 10 s; exit status in CQO_RC
cqo_stop()
{
	local pid
	pid=$(cat "$CQO_STATE/relay-$1.pid" 2>/dev/null) || return 0
	kill -TERM "$pid" 2>/dev/null || true
	cq_wait_cmd 10 cqo_gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
	CQO_RC=0
	wait "$pid" 2>/dev/null || CQO_RC=$?
	rm -f "$CQO_STATE/relay-$1.pid"
}

cqo_cleanup()
{
	cqo_stop tok
	cqo_stop open
}

cq_relay_ogc_tests()
{
	local why bad='' k
	CQO_STATE=$CQ_TMP/relay-ogc
	CQO_LOGS=$CQ_ARTIFACTS/relay-ogc
	CQO_MJS=$CQ_ROOT/test/relay/ogc.mjs
	mkdir -p "$CQO_STATE/nodb" "$CQO_LOGS"
	trap cqo_cleanup EXIT
	trap 'exit 143' TERM INT HUP
	if ! why=$(cq_node_setup); then
		cq_fail "node packages for the OGC checks" "$why"
		return 0
	fi
	CQO_BIN=$CQ_ROOT/relay/cqstream-relay-asan
	if ! make --no-print-directory -C "$CQ_ROOT" relay-asan WERROR=1 \
		>"$CQO_LOGS/relay-asan-build.log" 2>&1; then
		cq_fail "make relay-asan"
		cq_show_tail "$CQO_LOGS/relay-asan-build.log" 10
		return 0
	fi
	if ! cqo_relay tok --token="$CQO_TOKEN" || ! cqo_relay open; then
		cq_fail "two relays answer /healthz"
		return 0
	fi
	cqo_check "/ for a browser (chromium's Accept) is the dashboard, byte for byte" \
		cqo_dashboard -H "Accept: $CQO_BROWSER_ACCEPT"
	cqo_check "/ without a JSON preference (curl's Accept) is the dashboard" \
		cqo_dashboard
	cqo_check "/ with Accept: text/html, application/json is the dashboard" \
		cqo_dashboard -H 'Accept: text/html, application/json'
	cqo_check "/?f=html with Accept: application/json is the dashboard" \
		cqo_dashboard -G -d f=html -H 'Accept: application/json'
	cqo_check "/ with Accept: application/json is the landing page (self, conformance, service-desc, data)" \
		cqo_landing -H 'Accept: application/json'
	cqo_check "/?f=json for a browser is the landing page" \
		cqo_landing -G -d f=json -H "Accept: $CQO_BROWSER_ACCEPT"
	cqo_check "/?f=xml: 400 with a JSON error naming the formats" cqo_bad_format
	cqo_check "/conformance lists the five conformance classes, exactly" cqo_conformance
	cqo_check "/api is relay/openapi.json with the OpenAPI 3.0 media type" cqo_api
	cqo_check "/api validates as OpenAPI 3.0 (swagger-parser)" \
		node "$CQO_MJS" validate "$CQO_STATE/api.json"
	mapfile -t CQO_PATHS < <(cqo_exercised)
	cqo_check "/api has every path the relay tests exercise (${CQO_PATHS[*]})" \
		node "$CQO_MJS" has-paths "$CQO_STATE/api.json" "${CQO_PATHS[@]}" \
		/conformance /api /queries '/queries/{name}' '/queries/{name}/stream' \
		/stream /healthz /metrics
	cqo_check "every path of /api is routed by the relay" cqo_routed
	cqo_check "/, /conformance and /api are open with a token configured; /queries is not" \
		cqo_open_resources
	cqo_check "/, /conformance and /api answer 421 to a Host not allowed" \
		cqo_host_checked
	for k in tok open; do
		cqo_stop "$k"
		[ "$CQO_RC" = 0 ] || bad="$bad $k:exit $CQO_RC"
	done
	if [ -z "$bad" ] && ! grep -q 'Sanitizer' "$CQO_LOGS"/relay-*.log; then
		cq_pass "the two relays (ASan): no sanitizer or leak report, exit 0 on SIGTERM"
	else
		cq_fail "the two relays (ASan): no sanitizer report, exit 0 on SIGTERM" "$bad" \
			"$(grep -h -m 12 -E 'ERROR|SUMMARY|#[0-9] ' "$CQO_LOGS"/relay-*.log | head -20)"
	fi
}
