# shellcheck shell=bash
#
# test/bench/lib/worker.sh: the bench database's cqstream worker, for
# benchmarks that time a fresh worker per run (keys.sh, positions.sh).
# Needs the caller's q (psql on the bench database) and HERE (test/bench).

# worker_pid: this database's worker, if one runs
worker_pid()
{
	q -c "SELECT pid FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = current_database()"
}

# fresh_worker: terminate this database's worker, wait for the next one
fresh_worker()
{
	local pid
	pid=$(worker_pid)
	[ -z "$pid" ] || q -c "SELECT pg_terminate_backend($pid)" >/dev/null
	for _ in $(seq 200); do
		[ -n "$(worker_pid)" ] && [ "$(worker_pid)" != "$pid" ] && return 0
		sleep 0.05
	done
	q -f "$HERE/lib/wait_worker.sql" >/dev/null
}
