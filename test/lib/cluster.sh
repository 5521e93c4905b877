# shellcheck shell=bash
# test/lib/cluster.sh: throwaway PostgreSQL clusters for the test suites.
#
# Design notes
#
# A cluster NAME lives in $CQ_TMP/pg-NAME: data/ (the data directory),
# the Unix socket, log and port (a file holding the port it listens on).
# Because the port is in a file, a suite (a subshell) can start a cluster
# and a later suite can use it with cq_cluster_env NAME.  Clusters are
# stopped by cq_cluster_stop_all, which the EXIT trap of test/run.sh calls.
#
# Clusters preload cqstream, trust local connections, listen on 127.0.0.1
# only, on a port no one else is listening on (checked in /proc/net/tcp*,
# and retried if the postmaster still cannot bind it), and skip fsync: they
# hold nothing worth keeping.  The superuser is always `postgres`, as root
# or not, so expected output does not depend on who runs the tests.
#
# This file is sourced, never run; it needs test/lib/common.sh.

# First port tried; override with CQ_PORT_BASE.  Below the kernel's
# ephemeral range (32768-60999 on Debian), where the thousands of client
# connections the relay tests open would otherwise take a port between
# cq_free_port's check and the server's bind.
CQ_PORT_BASE=${CQ_PORT_BASE:-24320}

# cq_pg_env: set PG_CONFIG, PG_BINDIR and PG_REGRESS for PostgreSQL 15
# (Debian's /usr/bin/pg_config follows the newest installed server, so the
# versioned one is preferred).  Returns false if PostgreSQL is not there.
cq_pg_env()
{
	if [ -z "${PG_CONFIG:-}" ]; then
		if [ -x /usr/lib/postgresql/15/bin/pg_config ]; then
			PG_CONFIG=/usr/lib/postgresql/15/bin/pg_config
		else
			PG_CONFIG=$(command -v pg_config) || return 1
		fi
	fi
	PG_BINDIR=$("$PG_CONFIG" --bindir) || return 1
	PG_REGRESS=$(dirname "$("$PG_CONFIG" --pgxs)")/../../src/test/regress/pg_regress
	export PG_CONFIG PG_BINDIR PG_REGRESS
	[ -x "$PG_BINDIR/initdb" ] && [ -x "$PG_REGRESS" ]
}

# cq_port_listening PORT: true if some TCP socket listens on PORT.
cq_port_listening()
{
	local hex
	hex=$(printf '%04X' "$1")
	# Field 2 is local address:port in hex, field 4 the state (0A = LISTEN).
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" '$4 == "0A" && substr($2, length($2) - 4) == p { f = 1 }
			END { exit !f }'
}

# cq_port_used PORT: true if some TCP socket, listening or connected (an
# outgoing connection's local port blocks a bind too), holds PORT.
cq_port_used()
{
	local hex
	hex=$(printf '%04X' "$1")
	# Field 2 is local address:port in hex.
	cat /proc/net/tcp /proc/net/tcp6 2>/dev/null |
		awk -v p=":$hex" 'substr($2, length($2) - 4) == p { f = 1 }
			END { exit !f }'
}

# cq_free_port [FROM]: print the first port from FROM (default
# CQ_PORT_BASE) that no socket holds, stepping over the kernel's ephemeral
# range: a port there can be handed to an outgoing connection at any time.
cq_free_port()
{
	local p=${1:-$CQ_PORT_BASE} lo=32768 hi=60999
	read -r lo hi </proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || true
	while [ "$p" -lt 65535 ]; do
		if [ "$p" -ge "$lo" ] && [ "$p" -le "$hi" ]; then
			p=$((hi + 1))
			continue
		fi
		if ! cq_port_used "$p"; then
			echo "$p"
			return 0
		fi
		p=$((p + 1))
	done
	return 1
}

# cq_cluster_start NAME [SETTING...]: initdb and start cluster NAME; each
# SETTING (`name = value`) is appended to postgresql.conf.  Prints nothing;
# on failure returns false and leaves the logs in $CQ_TMP/pg-NAME.
cq_cluster_start()
{
	local name=$1 dir port setting _
	shift
	dir=$CQ_TMP/pg-$name
	cq_pg_env || return 1
	mkdir -p "$dir"
	cq_give_to_pg "$dir"
	cq_as_pg "$PG_BINDIR/initdb" -D "$dir/data" -U postgres -A trust \
		--no-locale -E UTF8 -N >"$dir/initdb.log" 2>&1 || return 1
	{
		echo
		echo "# test/lib/cluster.sh"
		echo "listen_addresses = '127.0.0.1'"
		echo "unix_socket_directories = '$dir'"
		echo "shared_preload_libraries = 'cqstream'"
		echo "fsync = off"
		echo "synchronous_commit = off"
		echo "full_page_writes = off"
		echo "max_connections = 40"
		for setting in "$@"; do
			echo "$setting"
		done
	} >>"$dir/data/postgresql.conf"

	port=$CQ_PORT_BASE
	for _ in 1 2 3 4 5; do
		port=$(cq_free_port "$port") || return 1
		if cq_as_pg "$PG_BINDIR/pg_ctl" -D "$dir/data" -l "$dir/log" -w \
			-t 60 -o "-p $port" start >"$dir/pg_ctl.log" 2>&1; then
			echo "$port" >"$dir/port"
			return 0
		fi
		# Someone took the port between the check and the bind: next one.
		grep -q 'could not create any TCP/IP sockets' "$dir/log" 2>/dev/null ||
			return 1
		port=$((port + 1))
	done
	return 1
}

# cq_cluster_log NAME: the server log of cluster NAME.
cq_cluster_log()
{
	echo "$CQ_TMP/pg-$1/log"
}

# cq_cluster_env NAME: point libpq (PGHOST, PGPORT, PGUSER, PGDATABASE) at
# cluster NAME, started earlier in this run.
cq_cluster_env()
{
	local dir=$CQ_TMP/pg-$1
	[ -f "$dir/port" ] || return 1
	PGHOST=$dir
	PGPORT=$(cat "$dir/port")
	PGUSER=postgres
	PGDATABASE=postgres
	export PGHOST PGPORT PGUSER PGDATABASE
}

# cq_psql NAME ARG...: psql on cluster NAME, quiet, stopping at the first
# error.
cq_psql()
{
	(
		cq_pg_env && cq_cluster_env "$1" || exit 1
		shift
		"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 "$@"
	)
}

# cq_cluster_stop_all: stop every cluster of this run.  Silent; used by the
# EXIT trap, so it must work whatever state a run died in.
cq_cluster_stop_all()
{
	local data pid
	cq_pg_env >/dev/null 2>&1 || true
	for data in "$CQ_TMP"/pg-*/data; do
		[ -f "$data/postmaster.pid" ] || continue
		if [ -n "${PG_BINDIR:-}" ] && cq_as_pg "$PG_BINDIR/pg_ctl" -D "$data" \
			-m immediate -w -t 30 stop >/dev/null 2>&1; then
			continue
		fi
		pid=$(head -n 1 "$data/postmaster.pid" 2>/dev/null || true)
		case $pid in
			'' | *[!0-9]*) ;;
			*) kill -QUIT "$pid" 2>/dev/null || true ;;
		esac
	done
}
