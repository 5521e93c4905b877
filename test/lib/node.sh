# shellcheck shell=bash
# test/lib/node.sh: the Node 20 tooling of the relay and dashboard tests.
#
# Design notes
#
# The npm packages the tests use (eventsource, eventsource-parser,
# playwright-core) are pinned exactly in test/node/package.json and
# package-lock.json and installed with `npm ci` into test/node/node_modules
# (ignored by git).  `npm ci` runs only when node_modules is missing or
# stale: node_modules/.cq-lock.sha256 records the checksum of the lock file
# it was installed from, so a second run needs no network at all.  A
# failed install removes the stamp, so the next run tries again rather than
# trusting a half-filled node_modules.
#
# Nothing here downloads a browser: playwright-core drives Debian's
# /usr/bin/chromium (package chromium, in CQ_DEB_PACKAGES).
#
# This file is sourced, never run; it needs test/lib/common.sh and CQ_ROOT.

CQ_NODE_DIR=$CQ_ROOT/test/node

# cq_node_setup: make test/node/node_modules match package-lock.json.
# Prints a one-line reason and returns false when node or npm are missing
# (or too old) or `npm ci` fails; its output is in
# $CQ_ARTIFACTS/npm-ci.log.
cq_node_setup()
{
	local major want have log=$CQ_ARTIFACTS/npm-ci.log
	if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
		echo "node and npm are needed (Node 20 or later): install Debian's nodejs and npm, or NodeSource's nodejs 20"
		return 1
	fi
	major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
	if [ "$major" -lt 20 ]; then
		echo "node $(node --version) is too old: the tests need Node 20 or later"
		return 1
	fi
	want=$(sha256sum "$CQ_NODE_DIR/package-lock.json" | cut -d ' ' -f 1)
	have=$(cat "$CQ_NODE_DIR/node_modules/.cq-lock.sha256" 2>/dev/null || true)
	[ "$want" = "$have" ] && return 0
	rm -f "$CQ_NODE_DIR/node_modules/.cq-lock.sha256"
	if (cd "$CQ_NODE_DIR" && npm ci --no-audit --no-fund --loglevel=error) \
		>"$log" 2>&1; then
		echo "$want" >"$CQ_NODE_DIR/node_modules/.cq-lock.sha256"
		return 0
	fi
	echo "npm ci in test/node failed (see $log): $(tail -n 1 "$log")"
	return 1
}
