# shellcheck shell=bash
# test/packages/packages.sh: the Debian packages of `make deb` installed on
# this machine and used as an administrator would, run by suite_packages in
# test/run.sh (which sources this file and calls cq_packages_tests).
#
# Design notes
#
# This suite changes the system itself: apt installs both packages into
# the real PostgreSQL 15 paths, pg_createcluster makes a cluster in
# /etc/postgresql and /var/lib/postgresql, postinst adds a system user.  It
# runs last, and puts everything back:
#
# - The extension package's files are the paths where `make install` with
#   Debian's pg_config puts the build suite's files (cqstream.so, the
#   control file and scripts, bitcode).  dpkg silently overwrites files no
#   package owns, and purging removes them, which would leave the other
#   suites of a later run without their build.  So every such file is
#   copied aside before installing and copied back after purging, and the
#   suite checks that each is back byte for byte.
# - Purge removes the packages and their configuration; the system user is
#   kept by the package (Debian keeps system users: files it owned may
#   remain) and removed here when it did not exist before.
# - The cluster is dropped (pg_dropcluster --stop).
# - The installed package list, pg_lsclusters and the user table are
#   compared with their state before.
#
# The relay is started with the command line of the installed unit's
# ExecStart, as the unit's User=: no systemd runs here, and this proves the
# unit, the binary's path and the configuration file's permissions agree.

CQP_CLUSTER=cqpkg$$
CQP_DB=cqpkg

# cqp_sql SQL: one statement on the packaged cluster as postgres.
cqp_sql()
{
	runuser -u postgres -- psql -X -q -At -v ON_ERROR_STOP=1 \
		-p "$CQP_PORT" -d "$CQP_DB" -c "$1"
}

# cqp_state: what this suite must leave as it found it.
cqp_state()
{
	dpkg-query -W -f='${Package} ${Version} ${db:Status-Abbrev}\n' | sort
	echo "--- clusters"
	pg_lsclusters -h 2>/dev/null | awk '{ print $1, $2 }'
	echo "--- users"
	getent passwd cqstream-relay || true
	getent group cqstream-relay || true
	echo "--- files"
	ls -d /etc/cqstream-relay /lib/systemd/system/cqstream-relay.service \
		/usr/sbin/cqstream-relay 2>/dev/null || true
}

# cqp_cleanup: stop what this suite started and undo the installation;
# safe to call twice and in any state (also from the EXIT trap).
cqp_cleanup()
{
	local f
	[ -n "${CQP_RELAY_PID:-}" ] && kill "$CQP_RELAY_PID" 2>/dev/null
	[ -n "${CQP_CURL_PID:-}" ] && kill "$CQP_CURL_PID" 2>/dev/null
	CQP_RELAY_PID=
	CQP_CURL_PID=
	if pg_lsclusters -h 2>/dev/null | awk '{ print $2 }' | grep -qx "$CQP_CLUSTER"; then
		pg_dropcluster --stop 15 "$CQP_CLUSTER" >>"$CQP_LOG" 2>&1 || true
	fi
	if dpkg-query -W -f='${db:Status-Abbrev}' postgresql-15-cqstream 2>/dev/null | grep -q '^.[^n]' ||
		dpkg-query -W -f='${db:Status-Abbrev}' cqstream-relay 2>/dev/null | grep -q '^.[^n]'; then
		DEBIAN_FRONTEND=noninteractive apt-get purge -y -q \
			postgresql-15-cqstream cqstream-relay >>"$CQP_LOG" 2>&1 || true
	fi
	if [ "${CQP_USER_BEFORE:-1}" = 0 ] && getent passwd cqstream-relay >/dev/null; then
		userdel cqstream-relay >>"$CQP_LOG" 2>&1 || true
	fi
	if [ "${CQP_USER_BEFORE:-1}" = 0 ] && getent group cqstream-relay >/dev/null; then
		groupdel cqstream-relay >>"$CQP_LOG" 2>&1 || true
	fi
	# The make-installed files, back where they were
	if [ -d "${CQP_BACKUP:-}" ]; then
		while IFS= read -r f; do
			[ -e "$CQP_BACKUP$f" ] || [ -L "$CQP_BACKUP$f" ] || continue
			mkdir -p "$(dirname "$f")"
			cp -a "$CQP_BACKUP$f" "$f"
		done <"$CQP_BACKUP.list"
	fi
}

cq_packages_tests()
{
	local debs deb missing f execstart unit user group rport got want before after
	local -a cmd
	CQP_LOG=$CQ_ARTIFACTS/packages.log
	: >"$CQP_LOG"

	if [ "$CQ_IS_ROOT" -ne 1 ]; then
		cq_fail "packages: needs root" \
			"It installs packages and creates a cluster with pg_createcluster."
		return 0
	fi

	# A run stopped half-way leaves them installed: say so rather than
	# compare against that state.
	for deb in postgresql-15-cqstream cqstream-relay; do
		if dpkg-query -W -f='${db:Status-Abbrev}' "$deb" 2>/dev/null | grep -q '^.[^n]'; then
			cq_fail "$deb is installed before the suite" \
				"Left by an interrupted run? apt-get purge postgresql-15-cqstream cqstream-relay," \
				"then make install again (the purge removes the files it had replaced)."
			return 0
		fi
	done

	# The packaging tools, for this suite only (test/lib/deps.sh)
	missing=$(cq_missing_packages "${CQ_DEB_PACKAGES_PACKAGING[@]}")
	if [ -n "$missing" ]; then
		# shellcheck disable=SC2086 # one package per word
		if ! cq_install_packages $missing >>"$CQP_LOG" 2>&1; then
			cq_fail "packaging tools" "apt-get failed for: ${missing//$'\n'/ }"
			cq_show_tail "$CQP_LOG"
			return 0
		fi
	fi
	cq_pass "packaging tools (${CQ_DEB_PACKAGES_PACKAGING[*]})"

	# make deb, and lintian's verdict
	if make --no-print-directory deb >>"$CQP_LOG" 2>&1; then
		cq_pass "make deb"
	else
		cq_fail "make deb"
		cq_show_tail "$CQP_LOG"
		cq_show_tail build/deb/build.log 15
		return 0
	fi
	debs=()
	for deb in postgresql-15-cqstream cqstream-relay; do
		for f in build/deb/"${deb}"_*.deb; do
			[ -f "$f" ] && debs+=("$CQ_ROOT/$f")
		done
	done
	if [ "${#debs[@]}" -eq 2 ]; then
		cq_pass "both packages built (${debs[*]##*/})"
	else
		cq_fail "both packages built" "found: ${debs[*]:-none}"
		return 0
	fi
	# debian/changelog gives the packages' version: it must follow a release
	want=$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" cqstream.control)
	got=$(dpkg-deb -f "${debs[0]}" Version)
	if [ "$got" = "$want" ]; then
		cq_pass "package version $got is cqstream.control's"
	else
		cq_fail "package version is cqstream.control's" \
			"debian/changelog says $got, cqstream.control $want: add a changelog entry (dch -v $want)"
	fi
	got=$(grep -E '^[EW]: ' build/deb/lintian.log || true)
	if [ -f build/deb/lintian.log ] && [ -z "$got" ]; then
		cq_pass "lintian: no errors or warnings"
	else
		cq_fail "lintian: no errors or warnings" "${got:-no build/deb/lintian.log}"
	fi

	# What must come back: the state, and the files the packages replace
	CQP_BACKUP=$CQ_TMP/pkg-backup
	mkdir -p "$CQP_BACKUP"
	for deb in "${debs[@]}"; do
		dpkg-deb --fsys-tarfile "$deb" | tar -t | sed -n 's|^\./|/|p' |
			grep -v '/$' || true
	done | sort -u >"$CQP_BACKUP.list"
	while IFS= read -r f; do
		if [ -e "$f" ] || [ -L "$f" ]; then
			mkdir -p "$CQP_BACKUP$(dirname "$f")"
			cp -a "$f" "$CQP_BACKUP$f"
		fi
	done <"$CQP_BACKUP.list"
	(cd "$CQP_BACKUP" && find . -type f -exec sha256sum {} +) \
		>"$CQ_TMP/pkg-backup.sums"
	CQP_USER_BEFORE=0
	getent passwd cqstream-relay >/dev/null && CQP_USER_BEFORE=1
	before=$(cqp_state)
	trap cqp_cleanup EXIT

	# apt-get install ./*.deb
	if DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
		--no-install-recommends "${debs[@]}" >>"$CQP_LOG" 2>&1 &&
		dpkg-query -W -f='${db:Status-Abbrev}' postgresql-15-cqstream | grep -q '^ii' &&
		dpkg-query -W -f='${db:Status-Abbrev}' cqstream-relay | grep -q '^ii'; then
		cq_pass "apt-get install ./postgresql-15-cqstream_*.deb ./cqstream-relay_*.deb"
	else
		cq_fail "apt-get install of both packages"
		cq_show_tail "$CQP_LOG"
		cqp_cleanup
		return 0
	fi
	got=$(stat -c '%U:%G %a' /etc/cqstream-relay/relay.conf 2>&1 || true)
	if getent passwd cqstream-relay >/dev/null && [ "$got" = "root:cqstream-relay 640" ]; then
		cq_pass "system user cqstream-relay; relay.conf root:cqstream-relay 640"
	else
		cq_fail "system user cqstream-relay; relay.conf root:cqstream-relay 640" "seen: $got"
	fi

	# A cluster of the system's own kind, preloading the packaged library
	CQP_PORT=$(cq_free_port)
	# The settings as an administrator adds them: a file in conf.d
	if pg_createcluster 15 "$CQP_CLUSTER" -p "$CQP_PORT" >>"$CQP_LOG" 2>&1 &&
		printf '%s\n' "shared_preload_libraries = 'cqstream'" \
			"listen_addresses = '127.0.0.1'" \
			>"/etc/postgresql/15/$CQP_CLUSTER/conf.d/cqstream.conf" &&
		pg_ctlcluster 15 "$CQP_CLUSTER" start >>"$CQP_LOG" 2>&1 &&
		runuser -u postgres -- psql -X -q -p "$CQP_PORT" -d postgres \
			-c "CREATE DATABASE $CQP_DB" >>"$CQP_LOG" 2>&1; then
		cq_pass "pg_createcluster 15 $CQP_CLUSTER -p $CQP_PORT (preloads cqstream)"
	else
		cq_fail "pg_createcluster and start"
		cq_show_tail "$CQP_LOG"
		cq_show_tail "/var/log/postgresql/postgresql-15-$CQP_CLUSTER.log" 10
		cqp_cleanup
		return 0
	fi
	cq_check_sql cqp_sql "CREATE EXTENSION cqstream (packaged version)" \
		"CREATE EXTENSION cqstream; SELECT extversion FROM pg_extension WHERE extname = 'cqstream'" \
		"$(sed -n "s/^default_version *= *'\(.*\)'/\1/p" cqstream.control)"
	cqp_sql "CREATE TABLE readings (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
			sensor text, ts timestamptz, temp_c float8);
		SELECT cqstream.create_transform('temp_f', 'readings', 'ts', 'temp_c',
			'mul 1.8 | add 32', key_column => 'sensor');
		CREATE ROLE cqstream_relay LOGIN PASSWORD 'pkg-test-secret';
		SELECT cqstream.grant_results('temp_f', 'cqstream_relay')" \
		>>"$CQP_LOG" 2>&1
	if cq_wait_until cqp_sql "SELECT count(*) FROM pg_stat_activity
		WHERE backend_type = 'cqstream worker' AND datname = '$CQP_DB'" 1 30; then
		cq_pass "the packaged library's worker runs in $CQP_DB"
	else
		cq_fail "the packaged library's worker runs in $CQP_DB"
	fi

	# The relay, with the unit's own command line and user
	unit=$(dpkg -L cqstream-relay | grep '/systemd/system/cqstream-relay\.service$' | head -n 1)
	execstart=$(sed -n 's/^ExecStart=[-@:+!]*//p' "$unit" | tail -n 1)
	user=$(sed -n 's/^User=//p' "$unit" | tail -n 1)
	group=$(sed -n 's/^Group=//p' "$unit" | tail -n 1)
	read -r -a cmd <<<"$execstart"
	if [ -n "$unit" ] && [ -x "${cmd[0]:-/nonexistent}" ] && [ -n "$user" ] &&
		[ -n "$group" ] &&
		dpkg -S "${cmd[0]}" 2>/dev/null | grep -q '^cqstream-relay:'; then
		cq_pass "unit $unit: ExecStart=$execstart, User=$user, Group=$group"
	else
		cq_fail "unit's ExecStart is the packaged binary" \
			"unit: ${unit:-none}; ExecStart: ${execstart:-none}; User: ${user:-none}"
		cqp_cleanup
		return 0
	fi
	rport=$(cq_free_port $((CQP_PORT + 1)))
	sed -i -e "s|^db = .*|db = host=127.0.0.1 port=$CQP_PORT dbname=$CQP_DB user=cqstream_relay password=pkg-test-secret|" \
		-e "s|^listen = .*|listen = 127.0.0.1:$rport|" /etc/cqstream-relay/relay.conf
	# setpriv execs the command (runuser would stay its parent), so the
	# signal below reaches the relay and its exit status is the relay's.
	setpriv --reuid="$user" --regid="$group" --init-groups -- "${cmd[@]}" \
		>"$CQ_ARTIFACTS/packages-relay.log" 2>&1 &
	CQP_RELAY_PID=$!
	if cq_wait_cmd 30 sh -c "curl -sf http://127.0.0.1:$rport/healthz | grep -q '\"database\":true'"; then
		cq_pass "relay started as $user from ExecStart, connected (port $rport)"
	else
		cq_fail "relay started from ExecStart" \
			"$(curl -s "http://127.0.0.1:$rport/healthz" 2>&1 | head -c 300)"
		cq_show_tail "$CQ_ARTIFACTS/packages-relay.log" 10
		cqp_cleanup
		return 0
	fi

	# A stream: results of rows inserted after it opened
	curl -sN --max-time 60 "http://127.0.0.1:$rport/queries/temp_f/stream" \
		>"$CQ_TMP/pkg-stream.txt" 2>&1 &
	CQP_CURL_PID=$!
	cq_wait_cmd 15 grep -q '^retry:' "$CQ_TMP/pkg-stream.txt" || true
	cqp_sql "INSERT INTO readings (sensor, ts, temp_c) VALUES
		('s1', '2026-11-23 10:00:01+00', 21.5), ('s2', '2026-11-23 10:00:02+00', 100)" \
		>>"$CQP_LOG" 2>&1
	if cq_wait_cmd 30 sh -c "grep -c '^event: instant' '$CQ_TMP/pkg-stream.txt' | grep -qx 2" &&
		grep -q '"key":"s1".*"value":70.7' "$CQ_TMP/pkg-stream.txt" &&
		grep -q '"key":"s2".*"value":212' "$CQ_TMP/pkg-stream.txt"; then
		cq_pass "curl streams the query's results (70.7 and 212 °F)"
	else
		cq_fail "curl streams the query's results" \
			"$(head -c 600 "$CQ_TMP/pkg-stream.txt")"
	fi
	kill "$CQP_CURL_PID" 2>/dev/null || true
	wait "$CQP_CURL_PID" 2>/dev/null || true
	CQP_CURL_PID=
	kill -TERM "$CQP_RELAY_PID"
	got=0
	wait "$CQP_RELAY_PID" || got=$?
	CQP_RELAY_PID=
	if [ "$got" -eq 0 ]; then
		cq_pass "relay drains and exits 0 on SIGTERM"
	else
		cq_fail "relay drains and exits 0 on SIGTERM" "exit status $got"
	fi

	# Purge and put back
	cqp_cleanup
	trap - EXIT
	after=$(cqp_state)
	if [ "$before" = "$after" ]; then
		cq_pass "purged, cluster dropped, user removed: packages, clusters, users as before"
	else
		cq_fail "machine as before" \
			"$(diff <(echo "$before") <(echo "$after") | head -n 15)"
	fi
	# The sums name ./usr/..., relative to the backup: checked from /.
	if got=$(cd / && sha256sum --quiet -c "$CQ_TMP/pkg-backup.sums" 2>&1); then
		cq_pass "make-installed files restored ($(wc -l <"$CQ_TMP/pkg-backup.sums") files)"
	else
		cq_fail "make-installed files restored" "$(echo "$got" | head -n 10)"
	fi
}
