# shellcheck shell=bash
# test/lib/deps.sh: the Debian packages cqstream needs, and installing the
# missing ones.
#
# Design notes
#
# CQ_DEB_PACKAGES is the one list of what a fresh Debian 12 machine lacks
# to build, test and demo cqstream; add a package here (with the reason)
# when a feature needs one.  Nothing is installed, and apt-get is not even
# updated, when every package is already there, so a second run is quick
# and works offline.
#
# This file is sourced, never run; it needs test/lib/common.sh.

CQ_DEB_PACKAGES=(
	postgresql-15            # the server the extension and tests run in
	postgresql-server-dev-15 # PGXS, pg_regress, server headers
	postgresql-client-15     # psql
	build-essential          # gcc, make
	clang-format             # make format-check
	libipc-run-perl          # TAP tests (PostgreSQL::Test::Cluster)
	libjansson-dev           # relay: JSON
	libevent-dev             # relay: event loop, HTTP
	libpq-dev                # relay: client library
	libjwt-dev               # relay: JWT verification
	libssl-dev               # relay: public keys of --jwt-key (libcrypto)
	zlib1g-dev               # relay: gzip content coding
	pkgconf                  # relay build: pkg-config for libevent, jansson, libpq
	curl                     # relay tests: raw SSE bytes
	chromium                 # relay and dashboard tests: a real browser
	clang                    # fuzz suite: libFuzzer on the relay's parsers
	libclang-rt-14-dev       # fuzz suite: clang's libFuzzer and sanitizer runtimes
	postgresql-15-auto-failover # failover suite: monitor and keepers
	haproxy                  # relay_replica suite: a balancer in front of relays
	postgresql-15-postgis-3  # positions_gis suite: the PostGIS path (cqstream never needs it)
)

# Only the packages suite needs these (make deb, lintian), so only it
# installs them (test/packages/packages.sh).
CQ_DEB_PACKAGES_PACKAGING=(
	dpkg-dev                  # dpkg-buildpackage
	debhelper                 # dh, dh_installsystemd
	postgresql-server-dev-all # pg_buildext, dh --with pgxs_loop
	fakeroot                  # dpkg-buildpackage's default when not root
	lintian                   # make deb checks the packages
)

# cq_missing_packages [PKG...]: print the packages of PKG... (default
# CQ_DEB_PACKAGES) not installed.
cq_missing_packages()
{
	local p status
	[ "$#" -gt 0 ] || set -- "${CQ_DEB_PACKAGES[@]}"
	for p in "$@"; do
		status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		case $status in
			*" ok installed") ;;
			*) echo "$p" ;;
		esac
	done
}

# cq_install_packages PKG...: apt-get update once, then install PKG... as
# root (through sudo when not root).  Output goes to the caller's stdout.
cq_install_packages()
{
	[ "$#" -gt 0 ] || return 0
	cq_as_root env DEBIAN_FRONTEND=noninteractive apt-get update -q &&
		cq_as_root env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -q --no-install-recommends "$@"
}
