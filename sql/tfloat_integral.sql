--
-- twAvg and integral of a tfloat
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- The SQLSTATE and message of a failing expression
CREATE FUNCTION pg_temp.err(expr text) RETURNS text LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE 'SELECT ' || expr;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

-- instants: the value; no area
SELECT twavg('1.5@2000-01-01'::tfloat), integral('1.5@2000-01-01'::tfloat);
-- discrete: plain mean; no area
SELECT twavg(t), integral(t)
FROM (SELECT '{1@2000-01-01, 2@2000-01-02, 6@2000-01-10}'::tfloat AS t) s;
-- linear: trapezoids (one day is 86400000000 microseconds)
SELECT twavg(t), integral(t), integral(t) / 86400e6 AS value_days
FROM (SELECT '[1@2000-01-01, 3@2000-01-02, 3@2000-01-04]'::tfloat AS t) s;
-- bounds change nothing
SELECT twavg(t), integral(t)
FROM (SELECT '(1@2000-01-01, 3@2000-01-02, 3@2000-01-04)'::tfloat AS t) s;
-- step: rectangles, the last value has no duration
SELECT twavg(t), integral(t), integral(t) / 86400e6 AS value_days
FROM (SELECT 'Interp=Step;[1@2000-01-01, 3@2000-01-02, 5@2000-01-04]'::tfloat AS t) s;
SELECT twavg(t), integral(t) / 86400e6 AS value_days
FROM (SELECT 'Interp=Step;[1@2000-01-01, 3@2000-01-02, 3@2000-01-04)'::tfloat AS t) s;
-- a one-instant sequence
SELECT twavg('[4@2000-01-01]'::tfloat), integral('[4@2000-01-01]'::tfloat);
-- sets: weighted by each sequence's duration
SELECT twavg(t), integral(t) / 86400e6 AS value_days
FROM (SELECT '{[1@2000-01-01, 3@2000-01-02], [10@2000-01-05, 10@2000-01-08]}'::tfloat AS t) s;
-- a one-instant sequence in a set weighs nothing
SELECT twavg(t), integral(t) / 86400e6 AS value_days
FROM (SELECT '{[1@2000-01-01, 3@2000-01-02], [100@2000-01-05]}'::tfloat AS t) s;
-- only one-instant sequences: the mean of their values
SELECT twavg(t), integral(t)
FROM (SELECT '{[1@2000-01-01], [2@2000-01-05], [6@2000-01-06]}'::tfloat AS t) s;
SELECT twavg(t), integral(t) / 86400e6 AS value_days
FROM (SELECT 'Interp=Step;{[1@2000-01-01, 2@2000-01-02], [5@2000-01-03, 7@2000-01-05]}'::tfloat AS t) s;
-- negative values, zero crossing: the areas cancel
SELECT twavg(t), integral(t)
FROM (SELECT '[-1@2000-01-01, 1@2000-01-03]'::tfloat AS t) s;
-- microsecond-long sequences
SELECT twavg(t), integral(t)
FROM (SELECT '[1@2000-01-01 00:00:00, 2@2000-01-01 00:00:00.000001]'::tfloat AS t) s;

-- NaN and infinities propagate
SELECT twavg('{1@2000-01-01, NaN@2000-01-02}'::tfloat),
	integral('[1@2000-01-01, NaN@2000-01-02]'::tfloat);
SELECT twavg('[1@2000-01-01, Infinity@2000-01-02]'::tfloat),
	integral('[1@2000-01-01, Infinity@2000-01-02]'::tfloat);
SELECT twavg('[-Infinity@2000-01-01, Infinity@2000-01-02]'::tfloat);
-- huge finite values: the average is still right; the area is out of range
SELECT twavg('[1e308@2000-01-01, 1.5e308@2000-01-02]'::tfloat);
SELECT twavg('{1e308@2000-01-01, 1.7e308@2000-01-02}'::tfloat);
SELECT twavg('{[1e308@2000-01-01], [1.7e308@2000-01-02]}'::tfloat);
SELECT twavg('Interp=Step;[1e308@2000-01-01, 1e308@2000-01-02, 1e308@2000-01-05]'::tfloat);
SELECT pg_temp.err($$integral('[1e308@2000-01-01, 1.5e308@2000-01-02]'::tfloat)$$);
SELECT pg_temp.err($$integral('Interp=Step;[1e300@2000-01-01, 1e300@2000-01-02]'::tfloat)$$);
-- tiny values
SELECT twavg('[5e-324@2000-01-01, 5e-324@2000-01-02]'::tfloat),
	integral('[1e-300@2000-01-01, 1e-300@2000-01-02]'::tfloat);

-- Cross-check against plain SQL on random sequences
SELECT setseed(0.7);
CREATE TEMP TABLE pts AS
SELECT s, i, round((random() * 200 - 100)::numeric, 3)::float8 AS v,
	'2000-01-01'::timestamptz + (i * 60 + (random() * 50)::int) * interval '1 second' AS t
FROM generate_series(1, 5) s, generate_series(1, 200) i;
CREATE TEMP TABLE seqs AS
SELECT s, ('[' || string_agg(v || '@' || t, ', ' ORDER BY i) || ']')::tfloat AS lin,
	('Interp=Step;[' || string_agg(v || '@' || t, ', ' ORDER BY i) || ']')::tfloat AS step
FROM pts GROUP BY s;
-- plain SQL: trapezoids and rectangles over consecutive instants
WITH seg AS (
	SELECT s, v, lead(v) OVER w AS v2,
		extract(epoch FROM lead(t) OVER w - t) * 1e6 AS dt
	FROM pts WINDOW w AS (PARTITION BY s ORDER BY i)
), plain AS (
	SELECT s, sum((v + v2) * dt / 2) AS lin, sum(v * dt) AS step, sum(dt) AS d
	FROM seg WHERE v2 IS NOT NULL GROUP BY s
)
SELECT p.s,
	abs(integral(q.lin) - p.lin) <= 1e-9 * abs(p.lin) + 1e-3 AS lin_integral,
	abs(twavg(q.lin) - p.lin / p.d) <= 1e-9 AS lin_twavg,
	abs(integral(q.step) - p.step) <= 1e-9 * abs(p.step) + 1e-3 AS step_integral,
	abs(twavg(q.step) - p.step / p.d) <= 1e-9 AS step_twavg
FROM plain p JOIN seqs q USING (s) ORDER BY p.s;
