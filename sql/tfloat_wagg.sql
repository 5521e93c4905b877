--
-- Moving-window aggregates over tfloat: wmin, wmax, wcount, wsum, wavg
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

-- Empty aggregate, NULL value or NULL interval: skipped
SELECT wmin(x, '1 day'), wcount(x, '1 day'), wsum(x, '1 day'), wavg(x, '1 day')
  FROM (VALUES (NULL::tfloat)) v(x);
SELECT wsum(x, w) FROM (VALUES ('1@2000-01-01'::tfloat, NULL::interval),
                               ('2@2000-01-02', '1 hour')) v(x, w);

-- Instants: each one is in the window for [t, t + w]; a step result, and
-- for wmin/wmax, as in MobilityDB, one constant linear sequence per stretch
SELECT wcount(x, '1 day'), wsum(x, '1 day'), wavg(x, '1 day'), wmin(x, '1 day'), wmax(x, '1 day')
  FROM (VALUES ('{1@2000-01-01, 2@2000-01-02, 4@2000-01-04}'::tfloat)) v(x) \gx
-- MobilityDB's documented shape: {[7@t1, 7@t2), [-4@t2, -4@t3]}
SELECT wmin(x, '1 day'), wmax(x, '1 day')
  FROM (VALUES ('7@2000-01-01'::tfloat), ('-4@2000-01-02')) v(x) \gx
-- several rows, one interval each
SELECT wsum(x, w), wcount(x, w)
  FROM (VALUES ('3@2000-01-01'::tfloat, interval '2 days'),
               ('5@2000-01-02', interval '12 hours')) v(x, w) \gx
-- numerical check: wsum/wcount of instants against a self-join in plain SQL
CREATE TEMP TABLE wi AS
  SELECT k, tfloat((k % 10)::float8, timestamptz '2000-01-01' + (k * 7 % 60) * interval '1 minute') AS x
  FROM generate_series(1, 200) k;
WITH agg AS (SELECT wsum(x, '10 minutes') s, wcount(x, '10 minutes') c,
                    wmin(x, '10 minutes') mi, wmax(x, '10 minutes') ma FROM wi),
     t AS (SELECT DISTINCT startTimestamp(x) + g * interval '150 seconds' AS t
             FROM wi, generate_series(0, 4) g),
     plain AS (SELECT t.t, sum(startValue(x)) s, count(*) c, min(startValue(x)) mi,
                      max(startValue(x)) ma
                 FROM t JOIN wi ON startTimestamp(x) BETWEEN t.t - interval '10 minutes' AND t.t
                GROUP BY t.t)
SELECT count(*) AS times,
       bool_and(valueAtTimestamp(agg.s, plain.t) = plain.s) AS sum_ok,
       bool_and(valueAtTimestamp(agg.c, plain.t) = plain.c) AS count_ok,
       bool_and(valueAtTimestamp(agg.mi, plain.t) = plain.mi) AS min_ok,
       bool_and(valueAtTimestamp(agg.ma, plain.t) = plain.ma) AS max_ok
  FROM agg, plain;

-- Linear sequence: wmin/wmax exact (f(t - w) on the way up, f(t) on the way down)
SELECT wmin(x, '1 day'), wmax(x, '1 day'), wcount(x, '1 day')
  FROM (VALUES ('[1@2000-01-01, 3@2000-01-03, 1@2000-01-05]'::tfloat)) v(x) \gx
-- exclusive bounds: the window never meets an excluded end
SELECT wmin(x, '1 day'), wcount(x, '1 day')
  FROM (VALUES ('(1@2000-01-01, 3@2000-01-03)'::tfloat)) v(x) \gx
-- two rows crossing
SELECT wmax(x, '12 hours')
  FROM (VALUES ('[0@2000-01-01, 4@2000-01-03]'::tfloat), ('[4@2000-01-01, 0@2000-01-03]')) v(x);
-- an instantaneous sequence is extended to [v@t, v@t + w]
SELECT wmin(x, '1 day') FROM (VALUES ('[2@2000-01-01]'::tfloat)) v(x);

-- Step sequence: wmin/wmax step, wsum = integral (value x microseconds),
-- wavg time-weighted, both exactly linear here
SELECT wmin(x, '1 day'), wmax(x, '1 day'), wsum(x, '1 day'), wavg(x, '1 day')
  FROM (VALUES ('Interp=Step;[1@2000-01-01, 3@2000-01-03, 3@2000-01-05]'::tfloat)) v(x) \gx
-- a step sequence whose last value differs and is included
SELECT wmax(x, '1 day')
  FROM (VALUES ('Interp=Step;[1@2000-01-01, 5@2000-01-03]'::tfloat)) v(x);

-- Linear wavg: the mean of f over the window (here f(t - w/2) inside the
-- domain, (f(start) + f(t)) / 2 at the start, (f(t - w) + f(end)) / 2 after the end)
SELECT wavg(x, '1 day') FROM (VALUES ('[0@2000-01-01, 4@2000-01-05]'::tfloat)) v(x);
-- wsum of a linear sequence is quadratic: sampled; exact at every breakpoint
-- (and at the samples), within the documented tolerance in between
WITH r AS (SELECT wsum(x, '1 day') s, wavg(x, '1 day') a
             FROM (VALUES ('[0@2000-01-01, 4@2000-01-05]'::tfloat)) v(x))
SELECT numInstants(s) > 5 AS sampled,
       valueAtTimestamp(s, '2000-01-01') AS at_start,
       valueAtTimestamp(s, '2000-01-02') AS d2,
       valueAtTimestamp(s, '2000-01-03') AS d3,
       valueAtTimestamp(s, '2000-01-06') AS at_end,
       -- exact: the mean 0.25 over half a day
       abs(valueAtTimestamp(s, '2000-01-01 12:00') - 0.25 * 43200e6) <= 1e-4 * 0.25 * 43200e6 AS half_day_ok,
       numInstants(a) AS avg_instants
  FROM r;
-- the mathematical identity: a window covering everything gives integral()
-- and twAvg() at the end
WITH x AS (SELECT '[1@2000-01-01, 3@2000-01-02, 0@2000-01-04]'::tfloat AS x),
     w AS (SELECT wsum(x, '10 days') s, wavg(x, '10 days') a FROM x)
SELECT valueAtTimestamp(s, '2000-01-04') = integral(x) AS sum_is_integral,
       abs(valueAtTimestamp(a, '2000-01-04') - twAvg(x)) < 1e-12 AS avg_is_twavg
  FROM x, w;
-- the sampled wavg stays within 2e-4 relative of exact values
WITH r AS (SELECT wavg(x, '2 days') a
             FROM (VALUES ('[0@2000-01-01, 4@2000-01-03, 0@2000-01-05]'::tfloat)) v(x)),
     t AS (SELECT timestamptz '2000-01-03' + g * interval '17 minutes' AS t
             FROM generate_series(0, 169) g)
SELECT bool_and(abs(valueAtTimestamp(a, t.t) -
                    twAvg(atTime('[0@2000-01-01, 4@2000-01-03, 0@2000-01-05]'::tfloat,
                                 tstzrange(t.t - interval '2 days', t.t, '[]'))))
                <= 2e-4 * 4) AS within_bound
  FROM r, t;
-- instantaneous sequences have measure zero: wsum adds 0, wavg their mean
SELECT wsum(x, '1 day'), wavg(x, '1 day')
  FROM (VALUES ('[2@2000-01-01]'::tfloat), ('[4@2000-01-01 12:00]')) v(x) \gx
-- mixed with a sequence: the time-weighted part wins where it has length
SELECT wavg(x, '1 day')
  FROM (VALUES ('[2@2000-01-01]'::tfloat), ('[10@2000-01-01 12:00, 10@2000-01-02]')) v(x);

-- Several rows: contributions add (wsum, wcount) or pool (wavg)
-- (at 2000-01-02 12:00 the window holds half a day of 1 and a day of 3:
-- (0.5 * 1 + 1 * 3) / 1.5 = 2.333...; wavg is a quotient there, sampled)
WITH r AS (SELECT wcount(x, '1 day') c, wavg(x, '1 day') a
             FROM (VALUES ('Interp=Step;[1@2000-01-01, 1@2000-01-02]'::tfloat),
                          ('Interp=Step;[3@2000-01-01, 3@2000-01-03]')) v(x))
SELECT c, valueAtTimestamp(a, '2000-01-01 12:00') AS a1,
       valueAtTimestamp(a, '2000-01-02 12:00') AS a2,
       valueAtTimestamp(a, '2000-01-03 12:00') AS a3, numInstants(a) > 3 AS sampled
  FROM r \gx

-- Errors: window not positive or with months (22023); mixing inputs (22023);
-- a window past the last timestamp (22008)
SELECT wmin(x, '0 seconds') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wmax(x, '-1 day') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wsum(x, '1 day -25 hours') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wavg(x, '1 month') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wcount(x, '1 year') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wmin(x, '1 day') FROM (VALUES ('1@2000-01-01'::tfloat), ('[1@2000-01-01]')) v(x);
SELECT wsum(x, '1 day') FROM (VALUES ('[1@2000-01-01]'::tfloat), ('{1@2000-01-01}')) v(x);
SELECT wmax(x, '1 day') FROM (VALUES ('[1@2000-01-01]'::tfloat), ('Interp=Step;[1@2000-01-01]')) v(x);
SELECT wavg(x, '1 day') FROM (VALUES ('[1@2000-01-01]'::tfloat), ('Interp=Step;[1@2000-01-01]')) v(x);
SELECT wcount(x, '1000000 days') FROM (VALUES ('1@2000-01-01'::tfloat)) v(x);
SELECT wsum(x, '2147483647 days') FROM (VALUES ('[1@2000-01-01, 2@2000-01-02]'::tfloat)) v(x);
-- the SQLSTATEs
DO $$
DECLARE
	q text;
BEGIN
	FOREACH q IN ARRAY ARRAY[
		'SELECT wmin(x, ''0 seconds'') FROM (VALUES (''1@2000-01-01''::tfloat)) v(x)',
		'SELECT wavg(x, ''1 month'') FROM (VALUES (''1@2000-01-01''::tfloat)) v(x)',
		'SELECT wmin(x, ''1 day'') FROM (VALUES (''1@2000-01-01''::tfloat), (''[1@2000-01-01]'')) v(x)',
		'SELECT wsum(x, ''2147483647 days'') FROM (VALUES (''[1@2000-01-01, 2@2000-01-02]''::tfloat)) v(x)']
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
-- wcount accepts linear and step together (it only looks at times)
SELECT wcount(x, '1 day') FROM (VALUES ('[1@2000-01-01]'::tfloat), ('Interp=Step;[1@2000-01-03]')) v(x);

-- Parallel plan gives the serial answer
CREATE TABLE wpar AS
  SELECT k, ('[' || ((k % 7)::float8 / 3) || '@' ||
             (timestamptz '2000-01-01' + (k % 40) * interval '1 hour') || ', ' ||
             ((k % 5)::float8 / 7) || '@' ||
             (timestamptz '2000-01-01' + ((k % 40) + 2) * interval '1 hour') || ']')::tfloat AS x
  FROM generate_series(1, 20000) k;
ANALYZE wpar;
CREATE TEMP TABLE wserial AS
  SELECT wmin(x, '3 hours') mi, wcount(x, '3 hours') c, wavg(x, '3 hours') a FROM wpar;
SET parallel_setup_cost = 0;
SET parallel_tuple_cost = 0;
SET min_parallel_table_scan_size = 0;
SET max_parallel_workers_per_gather = 2;
EXPLAIN (COSTS OFF)
  SELECT wmin(x, '3 hours'), wcount(x, '3 hours'), wavg(x, '3 hours') FROM wpar;
SELECT p.mi = s.mi AS min_eq, p.c = s.c AS count_eq, p.a = s.a AS avg_eq
  FROM (SELECT wmin(x, '3 hours') mi, wcount(x, '3 hours') c, wavg(x, '3 hours') a FROM wpar) p,
       wserial s;
RESET parallel_setup_cost;
RESET parallel_tuple_cost;
RESET min_parallel_table_scan_size;
RESET max_parallel_workers_per_gather;
DROP TABLE wpar;
