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
--
-- The vehicles (table fixes, for the dashboard's map) follow the same
-- idea: a vehicle's position is a function of the time alone
-- (demo_vehicle_at), so the feeder keeps no state.  Each vehicle loops
-- round its own rectangle of streets of a grid around Berlin's centre,
-- speeding up and slowing down smoothly around its cruising speed, and
-- every fix gets a little GPS jitter.  Straight streets and right-angled
-- turns make the map easy to check by eye: a trail that leaves its street
-- is a bug.

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

CREATE TABLE fixes (
	id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	vehicle text NOT NULL,
	ts timestamptz NOT NULL,
	lon float8 NOT NULL,
	lat float8 NOT NULL
);
COMMENT ON TABLE fixes IS 'cqstream demo: the generated positions of simulated vehicles';

DO $$
BEGIN
	IF NOT EXISTS (SELECT FROM pg_proc WHERE proname = 'create_position_query'
			AND pronamespace = 'cqstream'::regnamespace) THEN
		RAISE NOTICE 'this cqstream has no position queries yet: the vehicles have no queries';
		RETURN;
	END IF;
	-- Where each vehicle is (the dashboard's map) ...
	PERFORM cqstream.create_position_query('vehicle_pos', 'fixes', 'ts',
		'vehicle', 'lon', 'lat');
	-- ... and how fast it goes, m/s since its previous fix (the speed the
	-- map shows by each vehicle: same source and key, so the dashboard
	-- pairs them).
	PERFORM cqstream.create_position_query('vehicle_speed', 'fixes', 'ts',
		'vehicle', 'lon', 'lat', 'speed');
	-- The average speed of each vehicle over 10-second tumbling windows:
	-- one query, the speeds folded as a window aggregate folds values.
	PERFORM cqstream.create_position_query('vehicle_avg_speed_10s', 'fixes',
		'ts', 'vehicle', 'lon', 'lat', 'speed',
		'{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 10, "unit": "SECONDS"},
		  "lateness": {"size": 1, "unit": "SECONDS"}, "idle_flush": "5 seconds"}');
END
$$;

-- demo_vehicle_at(i, e): where vehicle i (1, 2, ...) is at epoch e
-- (seconds), without jitter.
CREATE FUNCTION demo_vehicle_at(i integer, e float8, OUT lon float8, OUT lat float8)
LANGUAGE plpgsql IMMUTABLE STRICT
AS $$
DECLARE
	block CONSTANT float8 := 200;		-- metres from one street to the next
	m_per_deg CONSTANT float8 := 6371008.8 * pi() / 180;
	lat0 CONSTANT float8 := 52.52;		-- the grid's centre
	lon0 CONSTANT float8 := 13.405;
	-- The vehicle's loop: 2 to 5 blocks wide, 1 to 3 high, its south-west
	-- corner somewhere on the grid; the numbers only spread the loops.
	w float8 := block * (2 + i % 4);
	h float8 := block * (1 + i * 7 % 3);
	x0 float8 := block * (i * 5 % 9 - 5);
	y0 float8 := block * (i * 3 % 7 - 3);
	v float8 := 5 + i % 5 * 2;			-- cruising speed, m/s (18 to 47 km/h)
	p float8 := 2 * (w + h);			-- the loop's length
	s float8;							-- metres along the loop
	x float8;
	y float8;
BEGIN
	-- Speed v + 0.4 v cos(...): between 0.6 v and 1.4 v over a minute,
	-- never standing still (a standing vehicle has no heading).
	s := v * e + 0.4 * v * 60 / (2 * pi()) * sin(2 * pi() * e / 60 + i);
	s := s - p * floor(s / p);
	IF i % 2 = 0 THEN
		s := p - s;		-- every other vehicle goes round the other way
	END IF;
	IF s < w THEN
		x := s; y := 0;
	ELSIF s < w + h THEN
		x := w; y := s - w;
	ELSIF s < 2 * w + h THEN
		x := w - (s - w - h); y := h;
	ELSE
		x := 0; y := h - (s - 2 * w - h);
	END IF;
	lat := lat0 + (y0 + y) / m_per_deg;
	lon := lon0 + (x0 + x) / (m_per_deg * cos(radians(lat0)));
END
$$;

-- demo_drive(vehicles, hz): insert a fix of each of `vehicles` vehicles
-- (v1, v2, ...) `hz` times a second until cancelled, like demo_feed.
-- The fixes of one round are spread over its period rather than all at
-- the same instant, as independent GPS units would send them.
CREATE PROCEDURE demo_drive(vehicles integer DEFAULT 20, hz float8 DEFAULT 1)
LANGUAGE plpgsql
AS $$
DECLARE
	t0 timestamptz := clock_timestamp();
	e0 float8 := extract(epoch FROM t0);
	rate float8 := vehicles * hz;
	jitter CONSTANT float8 := 3.0 / (6371008.8 * pi() / 180);	-- ±1.5 m
	sent bigint := 0;
	due bigint;
BEGIN
	IF vehicles < 1 OR hz <= 0 THEN
		RAISE EXCEPTION 'demo_drive needs vehicles >= 1 and hz > 0';
	END IF;
	LOOP
		due := floor(extract(epoch FROM clock_timestamp() - t0) * rate)::bigint;
		IF due > sent THEN
			INSERT INTO fixes (vehicle, ts, lon, lat)
			SELECT 'v' || i, to_timestamp(e0 + n / rate),
				p.lon + jitter * (random() - 0.5) / cos(radians(p.lat)),
				p.lat + jitter * (random() - 0.5)
			FROM generate_series(sent, due - 1) AS n,
				LATERAL (SELECT (n % vehicles + 1)::integer AS i) AS v,
				LATERAL demo_vehicle_at(i, e0 + n / rate) AS p;
			sent := due;
			COMMIT;
		END IF;
		PERFORM pg_sleep(0.1);
	END LOOP;
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
