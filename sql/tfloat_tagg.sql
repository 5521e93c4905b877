--
-- Temporal aggregates over tfloat: tcount, tmin, tmax, tsum, tavg
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

CREATE TEMP TABLE ta (k int, x tfloat);

-- Empty aggregate and NULL inputs
SELECT tmin(x), tmax(x), tsum(x), tavg(x), tcount(x) FROM ta;
SELECT tmin(x), tsum(x), tcount(x) FROM (VALUES (NULL::tfloat), (NULL)) v(x);
SELECT tsum(x) FROM (VALUES ('1@2000-01-01'::tfloat), (NULL), ('2@2000-01-01')) v(x);

-- Instants and discrete sequences: combined instant-wise, discrete result
SELECT tmin(x), tmax(x), tsum(x), tavg(x), tcount(x)
  FROM (VALUES ('{1@2000-01-01, 2@2000-01-02, 3@2000-01-03}'::tfloat),
               ('{5@2000-01-02, 0@2000-01-04}'), ('4@2000-01-03')) v(x) \gx
-- a single instant gives a one-instant discrete sequence (as MobilityDB)
SELECT tmin(x) FROM (VALUES ('1.5@2000-01-01'::tfloat)) v(x);

-- A single continuous input comes back as a sequence set of itself
SELECT tmin(x), tmax(x), tsum(x), tavg(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 3@2000-01-02, 2@2000-01-03)'::tfloat)) v(x) \gx
SELECT tmin(x) FROM (VALUES ('{[1@2000-01-01, 2@2000-01-02], (5@2000-01-03, 5@2000-01-04]}'::tfloat)) v(x);
SELECT tmin(x) FROM (VALUES ('[1@2000-01-01]'::tfloat)) v(x);

-- Linear crossing: tmin/tmax insert the crossing point
SELECT tmin(x), tmax(x), tsum(x), tavg(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 3@2000-01-03]'::tfloat),
               ('[3@2000-01-01, 1@2000-01-03]')) v(x) \gx
-- crossing at a non-integral time: truncated to the microsecond, and the
-- values taken there, as MobilityDB does
SELECT tmin(x), tmax(x)
  FROM (VALUES ('[0@2000-01-01, 3@2000-01-04]'::tfloat),
               ('[1@2000-01-01, 1@2000-01-04]')) v(x) \gx
-- the crossing falls at 1/3 of 86,400,000,002 µs = 28,800,000,000.67 µs:
-- 08:00:00 (rounding would give 08:00:00.000001), value 2/3 less a bit
SELECT tmin(x), tmax(x)
  FROM (VALUES ('[0@2000-01-01, 2@2000-01-02 00:00:00.000002]'::tfloat),
               ('[1@2000-01-01, 0@2000-01-02 00:00:00.000002]')) v(x) \gx
-- three lines: the envelope switches twice
SELECT tmin(x), tmax(x)
  FROM (VALUES ('[0@2000-01-01, 4@2000-01-05]'::tfloat),
               ('[4@2000-01-01, 0@2000-01-05]'),
               ('[1.5@2000-01-01, 1.5@2000-01-05]')) v(x) \gx

-- Overlapping: before, common part, after; tavg is the mean of what is defined
SELECT tmin(x), tsum(x), tavg(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 1@2000-01-03]'::tfloat),
               ('[3@2000-01-02, 3@2000-01-04]')) v(x) \gx
-- tsum over linear inputs: piecewise linear over the union of breakpoints
SELECT tsum(x)
  FROM (VALUES ('[0@2000-01-01, 2@2000-01-03]'::tfloat),
               ('[0@2000-01-02, 4@2000-01-04, 0@2000-01-06]')) v(x);

-- Disjoint inputs: both kept, in time order
SELECT tsum(x), tcount(x)
  FROM (VALUES ('[5@2000-01-05, 6@2000-01-06]'::tfloat),
               ('[1@2000-01-01, 2@2000-01-02]')) v(x) \gx

-- Touching at one instant
-- both inclusive: the common instant is combined
SELECT tsum(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 2@2000-01-02]'::tfloat),
               ('[5@2000-01-02, 6@2000-01-03]')) v(x) \gx
-- exclusive then inclusive: no overlap; continuous values join
SELECT tsum(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 2@2000-01-02)'::tfloat),
               ('[2@2000-01-02, 6@2000-01-03]')) v(x) \gx
-- exclusive then inclusive with a jump: two sequences
SELECT tsum(x)
  FROM (VALUES ('[1@2000-01-01, 2@2000-01-02)'::tfloat),
               ('[5@2000-01-02, 6@2000-01-03]')) v(x);
-- both exclusive: a gap of one instant
SELECT tsum(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 2@2000-01-02)'::tfloat),
               ('(2@2000-01-02, 6@2000-01-03]')) v(x) \gx
-- an instantaneous sequence inside another
SELECT tsum(x), tcount(x)
  FROM (VALUES ('[1@2000-01-01, 3@2000-01-03]'::tfloat),
               ('[10@2000-01-02]')) v(x) \gx

-- Step inputs: step result; at a shared instant the values at it combine
SELECT tsum(x), tmax(x), tcount(x)
  FROM (VALUES ('Interp=Step;[1@2000-01-01, 2@2000-01-03]'::tfloat),
               ('Interp=Step;[5@2000-01-02, 6@2000-01-04]')) v(x) \gx
SELECT tmin(x)
  FROM (VALUES ('Interp=Step;[1@2000-01-01, 1@2000-01-03)'::tfloat),
               ('Interp=Step;(0@2000-01-02, 0@2000-01-04)')) v(x);

-- tcount counts the inputs defined; it accepts linear and step together
SELECT tcount(x)
  FROM (VALUES ('[1@2000-01-01, 5@2000-01-04]'::tfloat),
               ('Interp=Step;[1@2000-01-02, 2@2000-01-03]'),
               ('{[7@2000-01-01, 7@2000-01-02), [8@2000-01-03, 9@2000-01-05]}')) v(x);

-- Errors (22023): discrete with continuous, linear with step
SELECT tmin(x) FROM (VALUES ('1@2000-01-01'::tfloat), ('[1@2000-01-01]')) v(x);
SELECT tcount(x) FROM (VALUES ('[1@2000-01-01]'::tfloat), ('{1@2000-01-01}')) v(x);
SELECT tsum(x) FROM (VALUES ('[1@2000-01-01]'::tfloat), ('Interp=Step;[1@2000-01-01]')) v(x);
SELECT tavg(x) FROM (VALUES ('Interp=Step;[1@2000-01-01, 2@2000-01-02]'::tfloat), ('[1@2000-01-01, 2@2000-01-02]')) v(x);
-- the SQLSTATEs
DO $$
DECLARE
	q text;
BEGIN
	FOREACH q IN ARRAY ARRAY[
		'SELECT tmin(x) FROM (VALUES (''1@2000-01-01''::tfloat), (''[1@2000-01-01]'')) v(x)',
		'SELECT tsum(x) FROM (VALUES (''[1@2000-01-01]''::tfloat), (''Interp=Step;[1@2000-01-01]'')) v(x)']
	LOOP
		BEGIN
			EXECUTE q;
			RAISE NOTICE 'no error: %', q;
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
		END;
	END LOOP;
END
$$;

-- Extreme values: NaN is the largest float (as in PostgreSQL); infinities
-- do not crash; a sum that overflows is an error (22003), as for sum(float8)
SELECT tmin(x), tmax(x)
  FROM (VALUES ('{NaN@2000-01-01, 1@2000-01-02}'::tfloat), ('{2@2000-01-01}')) v(x) \gx
SELECT tmax(x)
  FROM (VALUES ('[Infinity@2000-01-01, 0@2000-01-03]'::tfloat), ('[1@2000-01-01, 1@2000-01-03]')) v(x);
SELECT tsum(x)
  FROM (VALUES ('1.7976931348623157e308@2000-01-01'::tfloat), ('1.7976931348623157e308@2000-01-01')) v(x);

-- Numerical check against plain SQL: tsum and tcount of instants equal
-- sum() and count() grouped by time
INSERT INTO ta
  SELECT k, tfloat(((k * 37) % 11)::float8 / 4, timestamptz '2000-01-01' + ((k * 13) % 17) * interval '1 hour')
  FROM generate_series(1, 300) k;
WITH agg AS (SELECT tsum(x) ts, tcount(x) tc, tmin(x) tmi, tmax(x) tma, tavg(x) ta
               FROM ta),
     plain AS (SELECT startTimestamp(x) t, sum(startValue(x)) s, count(*) c,
                      min(startValue(x)) mi, max(startValue(x)) ma,
                      avg(startValue(x)) a
                 FROM ta GROUP BY 1)
SELECT count(*) AS times,
       bool_and(valueAtTimestamp(ts, t) = s) AS sum_ok,
       bool_and(valueAtTimestamp(tc, t) = c) AS count_ok,
       bool_and(valueAtTimestamp(tmi, t) = mi) AS min_ok,
       bool_and(valueAtTimestamp(tma, t) = ma) AS max_ok,
       bool_and(abs(valueAtTimestamp(ta, t) - a) < 1e-12) AS avg_ok
  FROM agg, plain;
SELECT numInstants(tsum(x)) FROM ta;

-- Parallel plan: Partial/Finalize aggregates give the serial answer
CREATE TABLE tpar AS
  SELECT k, ('[' || ((k % 7)::float8 / 3 + k::float8 / 997) || '@' ||
             (timestamptz '2000-01-01' + (k % 50) * interval '1 hour') || ', ' ||
             ((k % 5)::float8 / 7) || '@' ||
             (timestamptz '2000-01-01' + ((k % 50) + 3) * interval '1 hour') || ']')::tfloat AS x
  FROM generate_series(1, 20000) k;
ANALYZE tpar;
CREATE TEMP TABLE serial AS
  SELECT tmin(x) mi, tmax(x) ma, tsum(x) s, tavg(x) a, tcount(x) c FROM tpar;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
  SELECT tmin(x), tmax(x), tsum(x), tavg(x), tcount(x) FROM tpar;
SELECT p.mi = s.mi AS min_eq, p.ma = s.ma AS max_eq, p.s = s.s AS sum_eq,
       p.a = s.a AS avg_eq, p.c = s.c AS count_eq, numInstants(p.s) AS n
  FROM (SELECT tmin(x) mi, tmax(x) ma, tsum(x) s, tavg(x) a, tcount(x) c FROM tpar) p, serial s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;

-- As a grouped aggregate
SELECT k % 2 AS g, tsum(x) FROM ta WHERE k <= 4 GROUP BY 1 ORDER BY 1;
DROP TABLE tpar;
