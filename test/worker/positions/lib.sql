-- test/worker/positions/lib.sql: the expected results of position queries
-- in plain SQL (haversine and initial bearing on a sphere of 6371008.8 m),
-- applying docs/engine.md's row rules over the source in id order.  Never
-- computed by cqstream.
CREATE SCHEMA pt;

CREATE TABLE pt.src (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	k text, ts timestamptz, lon float8, lat float8);

-- The suites' writers: one call, one transaction of 400 random rows of
-- 20 vehicles moving slowly from spread-out places, 5 rows a second of
-- pt.clock with up to 3 s of jitter (so some arrive late), and about 1%
-- each of NULL keys, NaN and out-of-range longitudes, NULL and
-- out-of-range latitudes.
CREATE SEQUENCE pt.clock;
CREATE FUNCTION pt.write_random() RETURNS void LANGUAGE sql AS $$
INSERT INTO pt.src (k, ts, lon, lat)
SELECT CASE WHEN r.x < 0.01 THEN NULL ELSE 'v' || r.kk END,
	timestamptz '2026-12-01 00:00:00+00'
		+ floor(r.n / 5.0 - random() * 3) * interval '1 s',
	CASE WHEN r.x BETWEEN 0.01 AND 0.02 THEN 'NaN'::float8
		WHEN r.x BETWEEN 0.02 AND 0.03 THEN 181 + random()
		ELSE round((((r.kk * 37) % 340) - 170 + r.n * 0.00002
			+ random() * 0.003)::numeric, 3)::float8 END,
	CASE WHEN r.x BETWEEN 0.03 AND 0.04 THEN NULL
		WHEN r.x BETWEEN 0.04 AND 0.05 THEN -90.5
		ELSE round((((r.kk * 13) % 160) - 80 + r.n * 0.00001
			+ random() * 0.002)::numeric, 3)::float8 END
FROM (SELECT nextval('pt.clock') AS n, floor(random() * 20)::int AS kk,
		random() AS x
	FROM generate_series(1, 400)) r
$$;

CREATE FUNCTION pt.hav(lon1 float8, lat1 float8, lon2 float8, lat2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT 2 * 6371008.8 * asin(least(1, sqrt(
		sin(radians(lat2 - lat1) / 2) ^ 2
		+ cos(radians(lat1)) * cos(radians(lat2))
		  * sin(radians(lon2 - lon1) / 2) ^ 2)))
$$;

CREATE FUNCTION pt.bearing(lon1 float8, lat1 float8, lon2 float8, lat2 float8)
RETURNS float8 LANGUAGE sql IMMUTABLE AS $$
	SELECT (degrees(atan2(sin(radians(lon2 - lon1)) * cos(radians(lat2)),
		cos(radians(lat1)) * sin(radians(lat2))
		- sin(radians(lat1)) * cos(radians(lat2)) * cos(radians(lon2 - lon1))))
		+ 360)::numeric % 360
$$;

-- Every row with what the rules make of it
CREATE VIEW pt.rows AS
WITH v AS (
	SELECT *, (k IS NOT NULL AND ts IS NOT NULL AND isfinite(ts)
		AND lon IS NOT NULL AND lat IS NOT NULL
		AND lon BETWEEN -180 AND 180 AND lat BETWEEN -90 AND 90) AS ok
	FROM pt.src),
l AS (
	SELECT id, coalesce(ts < max(ts) OVER (PARTITION BY k ORDER BY id
		ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), false) AS late
	FROM v WHERE ok),
acc AS (
	SELECT v.id, v.k, v.ts, v.lon, v.lat,
		lag(v.ts) OVER w AS pts, lag(v.lon) OVER w AS plon,
		lag(v.lat) OVER w AS plat
	FROM v JOIN l USING (id) WHERE NOT l.late
	WINDOW w AS (PARTITION BY v.k ORDER BY v.id))
SELECT v.id, v.ok, coalesce(l.late, false) AS late, acc.k, acc.ts, acc.lon,
	acc.lat, acc.pts, acc.plon, acc.plat,
	CASE WHEN acc.pts IS NOT NULL THEN pt.hav(acc.plon, acc.plat, acc.lon, acc.lat) END AS step,
	sum(CASE WHEN acc.pts IS NOT NULL THEN pt.hav(acc.plon, acc.plat, acc.lon, acc.lat) ELSE 0 END)
		OVER (PARTITION BY acc.k ORDER BY acc.id) AS dist
FROM v LEFT JOIN l USING (id) LEFT JOIN acc USING (id);

-- The expected results of each operation, numbered in id order
CREATE VIEW pt.expected AS
SELECT 'speed' AS op, row_number() OVER (ORDER BY id) AS n, k, ts,
	step / extract(epoch FROM ts - pts)::float8 AS value
FROM pt.rows WHERE pts IS NOT NULL AND ts > pts
UNION ALL
SELECT 'heading', row_number() OVER (ORDER BY id), k, ts,
	pt.bearing(plon, plat, lon, lat)
FROM pt.rows WHERE pts IS NOT NULL AND (lon, lat) <> (plon, plat)
UNION ALL
SELECT 'distance', row_number() OVER (ORDER BY id), k, ts, dist
FROM pt.rows WHERE ok AND NOT late;

-- The results the worker logged, numbered in id order
CREATE VIEW pt.seen AS
SELECT q.chain AS op, row_number() OVER (PARTITION BY q.name ORDER BY r.id) AS n,
	r.payload->>'key' AS k, (r.payload->>'datetime')::timestamptz AS ts,
	(r.payload->>'value')::float8 AS value, r.payload
FROM cqstream.query q
CROSS JOIN LATERAL cqstream.results(q.name, 0, 1000000) r
WHERE q.name LIKE 'trk\_%' AND q.chain <> 'position';

-- Differences: rows of one side without an equal row on the other
CREATE VIEW pt.diff AS
SELECT coalesce(e.op, s.op) AS op, coalesce(e.n, s.n) AS n, e.k AS ek,
	s.k AS sk, e.ts AS ets, s.ts AS sts, e.value AS ev, s.value AS sv
FROM pt.expected e FULL JOIN pt.seen s USING (op, n)
WHERE e.n IS NULL OR s.n IS NULL OR e.k IS DISTINCT FROM s.k
	OR e.ts IS DISTINCT FROM s.ts
	OR CASE WHEN e.op = 'heading'
		THEN least(abs(e.value - s.value), 360 - abs(e.value - s.value)) > 1e-6
		ELSE abs(e.value - s.value) > 1e-6 * greatest(1, abs(e.value)) END;

-- Windowed position queries (docs/windows.md, "Windows over position
-- queries"): the values the window sees are the operation's results
-- above, in id order; each carries the watermark before it (the largest
-- earlier value's time less the lateness), is folded into its windows
-- that end after that watermark (late when none), and a window closes
-- when the final watermark reaches its end.
CREATE VIEW pt.vals AS
SELECT 'speed' AS op, id, k, ts, step / extract(epoch FROM ts - pts)::float8 AS value
FROM pt.rows WHERE pts IS NOT NULL AND ts > pts
UNION ALL
SELECT 'heading', id, k, ts, pt.bearing(plon, plat, lon, lat)::float8
FROM pt.rows WHERE pts IS NOT NULL AND (lon, lat) <> (plon, plat);

-- Each value of op with its windows of size p_size every p_hop (aligned
-- to the epoch) and whether it is folded into each
CREATE FUNCTION pt.win_rows(p_op text, p_size interval, p_hop interval,
	p_late interval)
RETURNS TABLE (id bigint, k text, ts timestamptz, value float8,
	wstart timestamptz, wend timestamptz, folded boolean)
LANGUAGE sql STABLE AS $$
	WITH v AS (
		SELECT id, k, ts, value,
			max(ts) OVER (ORDER BY id ROWS BETWEEN UNBOUNDED PRECEDING
				AND 1 PRECEDING) - p_late AS wm
		FROM pt.vals WHERE op = p_op)
	SELECT v.id, v.k, v.ts, v.value, s, s + p_size,
		v.wm IS NULL OR s + p_size > v.wm
	FROM v CROSS JOIN LATERAL generate_series(
		to_timestamp(floor(extract(epoch FROM v.ts) / extract(epoch FROM p_hop))
			* extract(epoch FROM p_hop)) - p_size + p_hop,
		to_timestamp(floor(extract(epoch FROM v.ts) / extract(epoch FROM p_hop))
			* extract(epoch FROM p_hop)),
		p_hop) AS s
	WHERE s + p_size > v.ts
$$;

-- The closed windows: key, start, end, average, maximum, count
CREATE FUNCTION pt.win_expected(p_op text, p_size interval, p_hop interval,
	p_late interval)
RETURNS TABLE (k text, wstart timestamptz, wend timestamptz, avg float8,
	max float8, cnt bigint)
LANGUAGE sql STABLE AS $$
	SELECT k, wstart, wend, avg(value), max(value), count(*)
	FROM pt.win_rows(p_op, p_size, p_hop, p_late)
	WHERE folded
	GROUP BY k, wstart, wend
	HAVING wend <= (SELECT max(ts) - p_late FROM pt.vals WHERE op = p_op)
$$;

-- Values folded into no window
CREATE FUNCTION pt.win_late(p_op text, p_size interval, p_hop interval,
	p_late interval)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM (SELECT id FROM pt.win_rows(p_op, p_size, p_hop, p_late)
		GROUP BY id HAVING NOT bool_or(folded)) l
$$;

-- The final results of window query name
CREATE FUNCTION pt.win_seen(name text)
RETURNS TABLE (k text, wstart timestamptz, wend timestamptz, value float8,
	cnt bigint)
LANGUAGE sql STABLE AS $$
	SELECT payload->>'key', (payload->>'windowStart')::timestamptz,
		(payload->>'windowEnd')::timestamptz, (payload->>'value')::float8,
		(payload->>'count')::bigint
	FROM cqstream.results(name, 0, 1000000)
	WHERE (payload->>'final')::boolean
$$;

-- COUNT windows of 5 of a key's distances (window k: its values 5k to
-- 5k + 4), emitted when full; start and end are their first and last time
CREATE VIEW pt.win_count5 AS
SELECT k, min(ts) AS wstart, max(ts) AS wend, sum(value) AS sum,
	count(*) AS cnt
FROM (SELECT k, ts, value,
		(row_number() OVER (PARTITION BY k ORDER BY n) - 1) / 5 AS w
	FROM pt.expected WHERE op = 'distance') d
GROUP BY k, w HAVING count(*) = 5;
