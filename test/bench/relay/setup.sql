-- test/bench/relay/setup.sql: the source table and the feeder of the relay
-- benchmark (run by test/bench/relay.sh, which drops both at the end).
--
-- Design notes
--
-- bench_relay_feed(batches, per_second, batch_rows) inserts batch_rows
-- rows per transaction, batches times, per_second transactions a second
-- on an absolute schedule (0: as fast as it can).  Each row's ts is
-- clock_timestamp() at the INSERT, just before the COMMIT, and a
-- transform result's "datetime" is that ts: so the subscriber's receive
-- time minus "datetime" is the commit-to-client latency (plus the few
-- microseconds between the INSERT and the commit).  The identity column
-- gives the worker its id sequence (CACHE 1, as docs/engine.md needs).

SET client_min_messages = warning;

DROP TABLE IF EXISTS bench_relay_src CASCADE;
CREATE TABLE bench_relay_src (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	k text NOT NULL,
	ts timestamptz NOT NULL,
	v float8 NOT NULL
);

CREATE OR REPLACE PROCEDURE bench_relay_feed(batches int, per_second float8,
											 batch_rows int)
LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	pause float8;
BEGIN
	FOR i IN 0 .. batches - 1 LOOP
		IF per_second > 0 THEN
			pause := i / per_second - extract(epoch FROM clock_timestamp() - t0);
			IF pause > 0 THEN
				PERFORM pg_sleep(pause);
			END IF;
		END IF;
		INSERT INTO bench_relay_src (k, ts, v)
		SELECT 'k' || (j % 10), clock_timestamp(), j
		FROM generate_series(1, batch_rows) AS j;
		COMMIT;
	END LOOP;
END $$;
