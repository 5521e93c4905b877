-- demo/demo.sql: the sample source, its example continuous queries and the
-- feeder procedure of `make demo` (run by demo/demo.sh with psql).
--
-- Design notes
--
-- The feeder is a procedure inside the server (one psql process, nothing
-- to install): every 100 ms it inserts the rows due so far at the target
-- rate and commits, so the rate stays steady however long an insert takes.
-- Event times are exact (row n at start + n / rate), so the windows fill
-- evenly.  Temperatures are sums of slow sines per sensor with a little
-- noise: smooth, different for each sensor, and computed from the time
-- alone, so the feeder keeps no state.  A door opens now and then for a
-- few seconds; the status says why a reading stands out.
--
-- Window queries need cqstream.create_aggregate (docs/windows.md); when
-- the installed version lacks it, only the transform is registered and a
-- notice says so.

\set ON_ERROR_STOP 1

CREATE TABLE readings (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	sensor text NOT NULL,
	ts timestamptz NOT NULL,
	temp_c float8,
	door_open boolean,
	status text
);
COMMENT ON TABLE readings IS 'cqstream demo: the generated sensor stream';

DO $$
BEGIN
	-- Fahrenheit per reading, by sensor.
	PERFORM cqstream.create_transform('temp_f', 'readings', 'ts', 'temp_c',
		'mul 1.8 | add 32', key_column => 'sensor');
	IF to_regprocedure('cqstream.create_aggregate(text, regclass, name, name, text, cqstream.window, name, interval, text, jsonb)') IS NULL THEN
		RAISE NOTICE 'this cqstream has no window queries yet: only temp_f is registered';
		RETURN;
	END IF;
	-- Rows arrive in time order, so a short lateness is enough; idle_flush
	-- closes the last windows when the feed stops.
	-- Mean temperature per sensor every 10 s.
	PERFORM cqstream.create_aggregate('avg_temp_10s', 'readings', 'ts',
		'temp_c', 'AVG', cqstream.tumbling('10 seconds'),
		key_column => 'sensor', lateness => '1 second',
		options => '{"idle_flush": "5 seconds"}');
	-- Highest temperature per sensor over the last minute, every 10 s.
	-- (Not on_update: that reports every open window after each worker
	-- batch, i.e. after every commit into readings.)
	PERFORM cqstream.create_aggregate('max_temp_1m', 'readings', 'ts',
		'temp_c', 'MAX', cqstream.hopping('1 minute', '10 seconds'),
		key_column => 'sensor', lateness => '1 second',
		options => '{"idle_flush": "5 seconds"}');
	-- Mean of every 5 readings of a sensor (count windows ignore time).
	PERFORM cqstream.create_aggregate('avg_temp_5rows', 'readings', 'ts',
		'temp_c', 'AVG', cqstream.count_window(5), key_column => 'sensor');
	-- How many different statuses the whole fleet reported, every 10 s.
	PERFORM cqstream.create_aggregate('statuses_10s', 'readings', 'ts',
		'status', 'COUNT_DISTINCT', cqstream.tumbling('10 seconds'),
		lateness => '1 second', options => '{"idle_flush": "5 seconds"}');
	-- Was a sensor's door open at all, every 10 s.
	PERFORM cqstream.create_aggregate('door_open_10s', 'readings', 'ts',
		'door_open', 'ANY', cqstream.tumbling('10 seconds'),
		key_column => 'sensor', lateness => '1 second',
		options => '{"idle_flush": "5 seconds"}');
END
$$;

-- demo_feed(rate, sensors): insert `rate` rows a second over `sensors`
-- sensors (s1, s2, ...) until cancelled.  CALL it outside a transaction
-- block: it commits every batch.  With client_connection_check_interval
-- set in the session before the CALL (demo.sh does), it stops by itself
-- when its client goes away.
CREATE PROCEDURE demo_feed(rate float8 DEFAULT 50, sensors integer DEFAULT 8)
LANGUAGE plpgsql
AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	sent bigint := 0;
	due bigint;
BEGIN
	IF rate <= 0 OR sensors < 1 THEN
		RAISE EXCEPTION 'demo_feed needs rate > 0 and sensors >= 1';
	END IF;
	LOOP
		due := floor(extract(epoch FROM clock_timestamp() - t0) * rate)::bigint;
		IF due > sent THEN
			INSERT INTO readings (sensor, ts, temp_c, door_open, status)
			SELECT 's' || i, ts, temp, door,
				CASE WHEN random() < 0.002 THEN 'fault'
					WHEN door THEN 'door_open'
					WHEN temp > base + 2.2 THEN 'warm'
					ELSE 'ok' END
			FROM (SELECT i, ts, base, door,
					round((base
						+ 2.5 * sin(2 * pi() * e / (120 + 17 * i) + i)
						+ 0.8 * sin(2 * pi() * e / (37 + 5 * i))
						+ 0.05 * (random() - 0.5))::numeric, 2)::float8 AS temp
				FROM (SELECT n % sensors + 1 AS i,
						t0 + n / rate * interval '1 second' AS ts,
						extract(epoch FROM t0)::float8 + n / rate AS e,
						15 + (n % sensors * 7) % 12 AS base,
						sin(2 * pi() * (extract(epoch FROM t0)::float8 + n / rate)
							/ (90 + 13 * (n % sensors)) + 2 * (n % sensors)) > 0.93 AS door
					FROM generate_series(sent, due - 1) AS n) AS r) AS t;
			sent := due;
			COMMIT;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
END
$$;
