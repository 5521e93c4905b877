-- make bench: tfloat operations on a 1,000,000-instant linear tfloat,
-- each beside what a user writes in plain SQL over the same numbers.
-- Prints one table with the median of several runs and the ratio.
\set ON_ERROR_STOP on
SET client_min_messages = warning;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET max_parallel_workers_per_gather = 0;

DROP TABLE IF EXISTS bench_src, bench_tf, bench_arr, bench_txt;
-- The same 1M (time, value) pairs three ways: rows, a tfloat, arrays
-- Sensor-like values: random in (0.1, 100) with 3 decimals, so that
-- normalization keeps every instant
SELECT setseed(0.5);
CREATE TABLE bench_src AS
SELECT i, '2026-01-01'::timestamptz + i * interval '1 s' AS ts,
	   round((0.1 + random() * 99.9)::numeric, 3)::float8 AS v
FROM generate_series(1, 1000000) AS i;
-- The big values stored uncompressed and out of line (STORAGE external,
-- set before they are inserted: a rewrite keeps values compressed), so
-- every case measures its function, not pglz.
CREATE TABLE bench_arr (vals float8[], times timestamptz[]);
ALTER TABLE bench_arr ALTER COLUMN vals SET STORAGE external,
	ALTER COLUMN times SET STORAGE external;
INSERT INTO bench_arr
SELECT array_agg(v ORDER BY i), array_agg(ts ORDER BY i) FROM bench_src;
CREATE TABLE bench_tf (t tfloat);
ALTER TABLE bench_tf ALTER COLUMN t SET STORAGE external;
INSERT INTO bench_tf
SELECT ('[' || string_agg(v || '@' || ts, ',' ORDER BY i) || ']')::tfloat
FROM bench_src;
CREATE TABLE bench_txt (tf_text text, arr_text text, times_text text);
ALTER TABLE bench_txt ALTER COLUMN tf_text SET STORAGE external,
	ALTER COLUMN arr_text SET STORAGE external,
	ALTER COLUMN times_text SET STORAGE external;
INSERT INTO bench_txt
SELECT t::text, (SELECT vals::text FROM bench_arr),
	   (SELECT times::text FROM bench_arr)
FROM bench_tf;
-- a compressed value would be smaller stored than its text
DO $$ BEGIN
	IF (SELECT pg_column_size(tf_text) < octet_length(tf_text)
			OR pg_column_size(arr_text) < octet_length(arr_text)
		FROM bench_txt) THEN
		RAISE EXCEPTION 'bench values are stored compressed';
	END IF;
END $$;
ANALYZE;

CREATE OR REPLACE FUNCTION pg_temp.bench_ms(q text, reps int DEFAULT 5)
RETURNS float8 LANGUAGE plpgsql AS $$
DECLARE
	t0 timestamptz;
	ms float8[] := '{}';
BEGIN
	EXECUTE q;	-- warm up
	FOR i IN 1..reps LOOP
		t0 := clock_timestamp();
		EXECUTE q;
		ms := ms || (extract(epoch FROM clock_timestamp() - t0) * 1000)::float8;
	END LOOP;
	RETURN (SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY x) FROM unnest(ms) x);
END $$;

CREATE TEMP TABLE bench_cases (ord int, name text, ours text, baseline text, target float8);
INSERT INTO bench_cases VALUES
 (1, 'ln', 'SELECT numInstants(ln(t)) FROM bench_tf',
  'SELECT (SELECT cardinality(array_agg(ln(x))) FROM unnest(vals) x) FROM bench_arr', 5),
 (2, 't * 2.0', 'SELECT numInstants(t * 2.0) FROM bench_tf',
  'SELECT (SELECT cardinality(array_agg(x * 2.0)) FROM unnest(vals) x) FROM bench_arr', 5),
 (3, 'twAvg', 'SELECT twAvg(t) FROM bench_tf',
  $q$SELECT (SELECT sum((v + pv) / 2 * extract(epoch FROM ts - pts)) / extract(epoch FROM max(ts) - min(pts))
	FROM (SELECT v, ts, lag(v) OVER w AS pv, lag(ts) OVER w AS pts
		  FROM unnest(vals, times) AS u(v, ts) WINDOW w AS (ORDER BY ts)) s) FROM bench_arr$q$, 5),
 (4, 'text output', 'SELECT octet_length(t::text) FROM bench_tf',
  'SELECT octet_length(vals::text) FROM bench_arr', 0.667),
 (5, 'text input', 'SELECT numInstants(tf_text::tfloat) FROM bench_txt',
  'SELECT cardinality(arr_text::float8[]) FROM bench_txt', 0.667),
 -- The same information as arrays: values and timestamps (no target)
 (6, 'text output (vs float8[] + timestamptz[])', 'SELECT octet_length(t::text) FROM bench_tf',
  'SELECT octet_length(vals::text) + octet_length(times::text) FROM bench_arr', NULL),
 (7, 'text input (vs float8[] + timestamptz[])', 'SELECT numInstants(tf_text::tfloat) FROM bench_txt',
  'SELECT cardinality(arr_text::float8[]) + cardinality(times_text::timestamptz[]) FROM bench_txt', NULL);

\pset footer off
SELECT name AS "1M-instant linear tfloat",
	   round(o::numeric, 1) AS "cqstream ms",
	   round(b::numeric, 1) AS "plain SQL ms",
	   round((b / o)::numeric, 2) AS "speed-up",
	   CASE WHEN target IS NULL THEN '-'
			WHEN target >= 1 THEN '>= ' || target || 'x'
			ELSE 'within ' || round((1 / target)::numeric, 1) || 'x' END AS target,
	   CASE WHEN target IS NULL THEN ''
			WHEN b / o >= target THEN 'met' ELSE 'MISSED' END AS result
FROM (SELECT ord, name, target, pg_temp.bench_ms(ours) AS o, pg_temp.bench_ms(baseline) AS b
	  FROM bench_cases ORDER BY ord) AS r
ORDER BY ord;

DROP TABLE bench_src, bench_tf, bench_arr, bench_txt;
