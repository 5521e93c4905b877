-- test/bench/lib/wait_worker.sql: wait (30 s at most) until the current
-- database has its cqstream worker; the launcher starts it at CREATE
-- EXTENSION, or again after a benchmark terminated it.  Shared by the
-- benchmark scripts (`q -f`); not a benchmark itself (run.sh runs only
-- test/bench/*.sql).
DO $$
DECLARE t0 timestamptz := clock_timestamp();
BEGIN
	WHILE NOT EXISTS (SELECT FROM pg_stat_activity
					  WHERE backend_type = 'cqstream worker'
					  AND datname = current_database()) LOOP
		IF clock_timestamp() - t0 > interval '30 s' THEN
			RAISE EXCEPTION 'no cqstream worker in % after 30 s', current_database();
		END IF;
		PERFORM pg_sleep(0.05);
		PERFORM pg_stat_clear_snapshot();
	END LOOP;
END $$;
