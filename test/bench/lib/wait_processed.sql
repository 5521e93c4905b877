-- test/bench/lib/wait_processed.sql: wait until query :'query' has
-- processed :rows rows (polled every 20 ms, committing so that each look
-- sees the worker's progress); fails after :timeout seconds.  Shared by
-- the benchmark scripts (psql -v query=... -v rows=... -v timeout=...,
-- then \i); not a benchmark itself.  A DO block cannot see psql
-- variables, so they go through session settings.
SELECT set_config('cqbench.query', :'query', false),
	set_config('cqbench.rows', :'rows', false),
	set_config('cqbench.timeout', :'timeout', false) \gset
DO $$
DECLARE
	t0 timestamptz := clock_timestamp();
	q text := current_setting('cqbench.query');
	want bigint := current_setting('cqbench.rows')::bigint;
	n bigint;
BEGIN
	LOOP
		SELECT rows_processed INTO n FROM cqstream.queries WHERE name = q;
		EXIT WHEN n >= want;
		IF clock_timestamp() - t0 > make_interval(secs => current_setting('cqbench.timeout')::float8) THEN
			RAISE EXCEPTION '%: % of % rows processed after % s', q, n, want,
				current_setting('cqbench.timeout');
		END IF;
		COMMIT;
		PERFORM pg_sleep(0.02);
	END LOOP;
END $$;
