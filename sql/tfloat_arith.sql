-- tfloat op tfloat: + - * / with MobilityDB 1.3 synchronization
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- Shows the SQLSTATE of an expression's error (or its value)
CREATE FUNCTION pg_temp.sqlstate_of(expr text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	r text;
BEGIN
	EXECUTE 'SELECT (' || expr || ')::text' INTO r;
	RETURN coalesce(r, 'NULL');
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

--
-- The reference examples
--
-- the product's vertex is inserted: 1 at t1, 0 at t2, 1 at t3
SELECT '[-1@2000-01-01, 1@2000-01-03]'::tfloat * '[-1@2000-01-01, 1@2000-01-03]'::tfloat;
-- linear with linear stays linear, instants of both kept: [3@01, 4@02, 6@03]
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat + '[2@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat - '[2@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat;
-- the operators are tnumber_add, tnumber_sub, tnumber_mult, tnumber_div
SELECT tnumber_add('1@2000-01-01'::tfloat, '2@2000-01-01'::tfloat), tnumber_sub('1@2000-01-01'::tfloat, '2@2000-01-01'::tfloat),
       tnumber_mult('3@2000-01-01'::tfloat, '2@2000-01-01'::tfloat), tnumber_div('1@2000-01-01'::tfloat, '4@2000-01-01'::tfloat);

--
-- Every pair of subtypes, in both orders (the first minus the second)
--   I  instant             2@01-02
--   D  discrete            {1@01-01, 2@01-02, 3@01-04}
--   L  linear sequence     [1@01-01, 3@01-03]
--   S  step sequence       [1@01-01, 2@01-02, 2@01-03]
--   Z  linear set (a gap)  {[1@01-01, 2@01-02), [5@01-03, 6@01-04]}
--   W  step set (a gap)    {[10@01-01, 20@01-01 12:00, 20@01-02), [30@01-02 12:00, 30@01-05]}
--
CREATE TEMP TABLE v (n text, t tfloat);
INSERT INTO v VALUES
	('I', '2@2000-01-02'),
	('D', '{1@2000-01-01, 2@2000-01-02, 3@2000-01-04}'),
	('L', '[1@2000-01-01, 3@2000-01-03]'),
	('S', 'Interp=Step;[1@2000-01-01, 2@2000-01-02, 2@2000-01-03]'),
	('Z', '{[1@2000-01-01, 2@2000-01-02), [5@2000-01-03, 6@2000-01-04]}'),
	('W', 'Interp=Step;{[10@2000-01-01, 20@2000-01-01 12:00, 20@2000-01-02), [30@2000-01-02 12:00, 30@2000-01-05]}');
SELECT a.n || ' - ' || b.n AS pair, tempsubtype(a.t - b.t) AS subtype, interp(a.t - b.t) AS interp, a.t - b.t AS result
FROM v a, v b ORDER BY a.n, b.n;

--
-- Touching and disjoint extents
--
-- one instant included by both: a one-instant sequence
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat + '[5@2000-01-02, 6@2000-01-03]'::tfloat;
SELECT 'Interp=Step;[1@2000-01-01, 2@2000-01-02]'::tfloat + 'Interp=Step;[5@2000-01-02, 6@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat + 'Interp=Step;[5@2000-01-02, 6@2000-01-03]'::tfloat;
-- with a set it is a set of one instant
SELECT '{[1@2000-01-01, 2@2000-01-02]}'::tfloat + '[5@2000-01-02, 6@2000-01-03]'::tfloat;
-- touching where one bound is exclusive: nothing shared
SELECT '[1@2000-01-01, 2@2000-01-02)'::tfloat + '[5@2000-01-02, 6@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat + '(5@2000-01-02, 6@2000-01-03]'::tfloat;
-- disjoint
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat + '[5@2000-01-03, 6@2000-01-04]'::tfloat;
SELECT '1@2000-01-01'::tfloat + '2@2000-01-02'::tfloat;
SELECT '{1@2000-01-01, 2@2000-01-03}'::tfloat + '{1@2000-01-02, 2@2000-01-04}'::tfloat;
-- an instant at an exclusive bound or in a gap of a set
SELECT '2@2000-01-02'::tfloat + '[1@2000-01-01, 2@2000-01-02)'::tfloat;
SELECT '2@2000-01-02'::tfloat + '{[1@2000-01-01, 2@2000-01-01 12:00], [3@2000-01-03, 4@2000-01-04]}'::tfloat;
-- discrete: only the common timestamps; one left stays discrete
SELECT '{1@2000-01-01, 2@2000-01-02, 3@2000-01-03}'::tfloat + '{10@2000-01-02, 20@2000-01-03, 30@2000-01-04}'::tfloat;
SELECT '{1@2000-01-01, 2@2000-01-02}'::tfloat + '(1@2000-01-01, 3@2000-01-03]'::tfloat;

--
-- Exclusive bounds: the result keeps the bounds of the intersection
--
SELECT '(1@2000-01-01, 3@2000-01-03)'::tfloat + '[1@2000-01-01, 3@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat + '(0@2000-01-02, 1@2000-01-04)'::tfloat;
-- step with an exclusive end repeats its previous value: [11@01, 22@02, 22@03)
SELECT 'Interp=Step;[1@2000-01-01, 2@2000-01-02, 2@2000-01-03)'::tfloat
     + 'Interp=Step;[10@2000-01-01, 20@2000-01-02, 30@2000-01-03, 40@2000-01-04]'::tfloat;
-- the intersection ends where the second jumps, excluded: [11@01, 22@02, 22@03)
SELECT 'Interp=Step;[1@2000-01-01, 2@2000-01-02, 5@2000-01-04]'::tfloat
     + 'Interp=Step;[10@2000-01-01, 20@2000-01-02, 20@2000-01-03)'::tfloat;

--
-- Gaps in sets
--
-- pieces: [01, 02) and [03, 04] of the first meet [01 12:00, 03 12:00] of the second
SELECT '{[1@2000-01-01, 2@2000-01-02), [5@2000-01-03, 6@2000-01-04]}'::tfloat
     + '[0@2000-01-01 12:00, 2@2000-01-03 12:00]'::tfloat;
-- two sets whose gaps interleave: three pieces
SELECT '{[1@2000-01-01, 1@2000-01-03], [2@2000-01-04, 2@2000-01-06]}'::tfloat
     + '{[10@2000-01-02, 10@2000-01-05), [20@2000-01-05, 20@2000-01-07]}'::tfloat;
-- sequences of a set sharing a timestamp (exclusive then inclusive) against one sequence
SELECT '{[1@2000-01-01, 2@2000-01-02), [5@2000-01-02, 6@2000-01-03]}'::tfloat
     + '[0@2000-01-01, 0@2000-01-03]'::tfloat;
-- pieces that continue each other are joined by normalization: one sequence in a set
SELECT '{[1@2000-01-01, 2@2000-01-02), [2@2000-01-02, 3@2000-01-03]}'::tfloat
     + '[0@2000-01-01, 0@2000-01-03]'::tfloat;

--
-- Linear with step: the result splits at the steps
--
-- [v1@ts) then [v2@ts ..]: {[11@01, 12@02), [22@02, 23@03]}
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat + 'Interp=Step;[10@2000-01-01, 20@2000-01-02, 20@2000-01-03]'::tfloat;
SELECT 'Interp=Step;[10@2000-01-01, 20@2000-01-02, 20@2000-01-03]'::tfloat - '[1@2000-01-01, 3@2000-01-03]'::tfloat;
-- a step instant that does not change the value does not split: one sequence
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat + 'Interp=Step;[10@2000-01-01, 10@2000-01-02, 10@2000-01-03]'::tfloat;
-- a jump at the inclusive end of the intersection: a last one-instant piece
SELECT '[1@2000-01-01, 3@2000-01-03]'::tfloat + 'Interp=Step;[10@2000-01-01, 20@2000-01-03]'::tfloat;
-- ... at an exclusive end: the value tended to, no extra piece
SELECT '[1@2000-01-01, 3@2000-01-03)'::tfloat + 'Interp=Step;[10@2000-01-01, 20@2000-01-03]'::tfloat;
-- a jump that the operation hides (times 0) is joined again: [0@01, 0@03]
SELECT '[0@2000-01-01, 0@2000-01-03]'::tfloat * 'Interp=Step;[10@2000-01-01, 20@2000-01-02, 20@2000-01-03]'::tfloat;
-- step times linear: linear pieces, no turning point (one factor is constant on each piece)
SELECT '[-1@2000-01-01, 1@2000-01-03]'::tfloat * 'Interp=Step;[2@2000-01-01, -2@2000-01-02, -2@2000-01-03]'::tfloat;
-- a linear set with a step set
SELECT '{[1@2000-01-01, 2@2000-01-02], [3@2000-01-03, 5@2000-01-05]}'::tfloat
     * 'Interp=Step;{[1@2000-01-01, 2@2000-01-04, 2@2000-01-05]}'::tfloat;

--
-- Turning points of * (and of /, see src/tfloat/tfloat_arith.c)
--
-- inside, off the middle: x = -1 + 3s, y = -2 + 3s, vertex at s = 1/2; as in
-- MobilityDB the zeros 1/3 and 2/3 are doubles just below, and the time is
-- truncated: -0.25 at 23:59:59.999999 on 01-01
SELECT '[-1@2000-01-01, 2@2000-01-03]'::tfloat * '[-2@2000-01-01, 1@2000-01-03]'::tfloat;
-- x = 3s, y = 2 - 3s: vertex at s = 1/3 of two days (16:00 on 01-01, truncated
-- to 15:59:59.999999 as MobilityDB does), 1 * 1 = 1 to 15 digits
SELECT '[0@2000-01-01, 3@2000-01-03]'::tfloat * '[2@2000-01-01, -1@2000-01-03]'::tfloat;
-- the vertex falls at 1/2 of 86,400,000,003 µs: truncated to 12:00:00.000001
SELECT '[-1@2000-01-01, 1@2000-01-02 00:00:00.000003]'::tfloat * '[1@2000-01-01, -1@2000-01-02 00:00:00.000003]'::tfloat;
-- truncated to the microsecond: 3 µs segment, vertex at s = 1/3 -> 0.999... µs
-- -> the start itself: no turning point
SELECT '[0@2000-01-01, 3@2000-01-01 00:00:00.000003]'::tfloat * '[2@2000-01-01, -1@2000-01-01 00:00:00.000003]'::tfloat;
-- a 1 µs segment has no inside instant: no turning point
SELECT '[0@2000-01-01, 3@2000-01-01 00:00:00.000001]'::tfloat * '[2@2000-01-01, -1@2000-01-01 00:00:00.000001]'::tfloat;
-- vertex exactly at an end (s = 0): none added
SELECT '[0@2000-01-01, 2@2000-01-03]'::tfloat * '[0@2000-01-01, 2@2000-01-03]'::tfloat;
-- vertex outside the segment (s = -1/2): none
SELECT '[1@2000-01-01, 2@2000-01-03]'::tfloat * '[1@2000-01-01, 2@2000-01-03]'::tfloat;
-- a constant factor: the product is linear, none
SELECT '[5@2000-01-01, 5@2000-01-03]'::tfloat * '[-1@2000-01-01, 1@2000-01-03]'::tfloat;
-- one per segment: two segments, two vertices
SELECT '[-1@2000-01-01, 1@2000-01-03, -1@2000-01-05]'::tfloat * '[-1@2000-01-01, 1@2000-01-03, -1@2000-01-05]'::tfloat;
-- step with step: no turning point
SELECT 'Interp=Step;[-1@2000-01-01, 1@2000-01-03]'::tfloat * 'Interp=Step;[-1@2000-01-01, 1@2000-01-03]'::tfloat;
-- division: MobilityDB adds the vertex of x * y (the midpoint of the two
-- roots), although x / y itself is monotone; see src/tfloat/tfloat_arith.c.
-- x = [1, -1] (root 1/2), y = [3, 1] (root 3/2): midpoint 1, the end: none
SELECT '[1@2000-01-01, -1@2000-01-03]'::tfloat / '[3@2000-01-01, 1@2000-01-03]'::tfloat;
-- x = [-1, 1] (root 1/2), y = [-2, -1] (root 2): midpoint 5/4, outside: none
SELECT '[-1@2000-01-01, 1@2000-01-03]'::tfloat / '[-2@2000-01-01, -1@2000-01-03]'::tfloat;
-- x = [0, 4] (root 0), y = [1, 5] (root -1/4): midpoint -1/8: none
SELECT '[0@2000-01-01, 4@2000-01-03]'::tfloat / '[1@2000-01-01, 5@2000-01-03]'::tfloat;
-- x = [-3, 1] (root 3/4), y = [0.5, 2.5] (root -1/4): midpoint 1/4, 12:00 on
-- 01-01, where x = -2 and y = 1: [-6@01, -2@01 12:00, 0.4@03]
SELECT '[-3@2000-01-01, 1@2000-01-03]'::tfloat / '[0.5@2000-01-01, 2.5@2000-01-03]'::tfloat;

--
-- Division by zero
--
-- a zero at an instant, in a linear crossing, in a step segment, in a discrete value
SELECT '[1@2000-01-01, 1@2000-01-03]'::tfloat / '[1@2000-01-01, 0@2000-01-02, 1@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 1@2000-01-03]'::tfloat / '[-1@2000-01-01, 1@2000-01-03]'::tfloat;
SELECT '[1@2000-01-01, 1@2000-01-03]'::tfloat / 'Interp=Step;[1@2000-01-01, 0@2000-01-02, 1@2000-01-03]'::tfloat;
SELECT '{1@2000-01-01, 1@2000-01-02}'::tfloat / '{2@2000-01-01, 0@2000-01-02}'::tfloat;
SELECT '(1@2000-01-01, 1@2000-01-03)'::tfloat / '(0@2000-01-01, 0@2000-01-03)'::tfloat;
-- the divisor crosses 0 exactly where the step dividend jumps (a cut of the pieces)
SELECT 'Interp=Step;[1@2000-01-01, 2@2000-01-02, 2@2000-01-03]'::tfloat / '[-1@2000-01-01, 1@2000-01-03]'::tfloat;
-- the SQLSTATE is 22012
SELECT pg_temp.sqlstate_of($$'[1@2000-01-01, 1@2000-01-03]'::tfloat / '[-1@2000-01-01, 1@2000-01-03]'::tfloat$$);
-- zero only at an exclusive bound of the result: fine; the value there is the limit
SELECT '[1@2000-01-01, 1@2000-01-03]'::tfloat / '[1@2000-01-01, 0@2000-01-03)'::tfloat;
SELECT '[1@2000-01-01, -1@2000-01-03]'::tfloat / '(0@2000-01-01, 2@2000-01-03]'::tfloat;
-- 0 / 0 at the exclusive bound is NaN (the IEEE quotient)
SELECT '(0@2000-01-01, 2@2000-01-03]'::tfloat / '(0@2000-01-01, 2@2000-01-03]'::tfloat;
-- zero where the dividend is not defined: fine
SELECT '[1@2000-01-02, 1@2000-01-03]'::tfloat / '[0@2000-01-01, 1@2000-01-02, 1@2000-01-03]'::tfloat;
SELECT '[4@2000-01-01, 4@2000-01-02)'::tfloat / '[2@2000-01-01, 2@2000-01-02, 0@2000-01-03]'::tfloat;
-- a step divisor dropping to 0 exactly at the exclusive end of the intersection: fine
SELECT 'Interp=Step;[4@2000-01-01, 8@2000-01-02, 8@2000-01-03)'::tfloat
     / 'Interp=Step;[2@2000-01-01, 4@2000-01-02, 0@2000-01-03]'::tfloat;
-- ... but not at an inclusive one
SELECT 'Interp=Step;[4@2000-01-01, 8@2000-01-02, 8@2000-01-03]'::tfloat
     / 'Interp=Step;[2@2000-01-01, 4@2000-01-02, 0@2000-01-03]'::tfloat;

--
-- NaN and infinities (IEEE results, no error, as PostgreSQL's float8)
--
SELECT '[NaN@2000-01-01, 1@2000-01-03]'::tfloat + '[1@2000-01-01, 1@2000-01-03]'::tfloat;
SELECT '[NaN@2000-01-01, NaN@2000-01-03]'::tfloat * '[-1@2000-01-01, 1@2000-01-03]'::tfloat;
SELECT '[Infinity@2000-01-01, 1@2000-01-03]'::tfloat - '[Infinity@2000-01-01, 1@2000-01-03]'::tfloat;
SELECT '{Infinity@2000-01-01, -Infinity@2000-01-02}'::tfloat * '{0@2000-01-01, 2@2000-01-02}'::tfloat;
SELECT '1@2000-01-01'::tfloat / 'Infinity@2000-01-01'::tfloat;
SELECT 'NaN@2000-01-01'::tfloat / 'NaN@2000-01-01'::tfloat;
SELECT '[-Infinity@2000-01-01, Infinity@2000-01-03]'::tfloat * '[-1@2000-01-01, 1@2000-01-03]'::tfloat;

--
-- Overflow: 22003, as float8; a result too small for a double is 0 (or a
-- subnormal), as in MobilityDB, not float8's underflow error
--
SELECT '1e308@2000-01-01'::tfloat + '1e308@2000-01-01'::tfloat;
SELECT '[1e308@2000-01-01, 1@2000-01-03]'::tfloat * '[10@2000-01-01, 10@2000-01-03]'::tfloat;
SELECT '{-1e308@2000-01-01}'::tfloat - '{1e308@2000-01-01}'::tfloat;
SELECT '1e-200@2000-01-01'::tfloat * '1e-200@2000-01-01'::tfloat;
SELECT '[1e-300@2000-01-01, 2e-300@2000-01-03]'::tfloat / '[1e300@2000-01-01, 1e300@2000-01-03]'::tfloat;
SELECT '{1e-300@2000-01-01}'::tfloat / '{-1e300@2000-01-01}'::tfloat;
SELECT '1e-300@2000-01-01'::tfloat / 1e300, 1e-300 / '1e300@2000-01-01'::tfloat, '1e-200@2000-01-01'::tfloat * 1e-200;
SELECT '1e300@2000-01-01'::tfloat / '1e-300@2000-01-01'::tfloat;
-- only the turning point overflows: x = [0, 3e154], y = [3e154, 0] give 0
-- at both ends but 1.5e154 * 1.5e154 = 2.25e308 > max at the vertex
SELECT pg_temp.sqlstate_of($$'[0@2000-01-01, 3e154@2000-01-03]'::tfloat * '[3e154@2000-01-01, 0@2000-01-03]'::tfloat$$);
-- a smaller one is fine: the vertex 2.25e306 is kept
SELECT '[0@2000-01-01, 3e153@2000-01-03]'::tfloat * '[3e153@2000-01-01, 0@2000-01-03]'::tfloat;
-- the largest double interpolates without overflow: the middle of [-max, max] is 0
SELECT '[-1.7976931348623157e308@2000-01-01, 1.7976931348623157e308@2000-01-03]'::tfloat
     + '[0@2000-01-01, 1@2000-01-02, 0@2000-01-03]'::tfloat;

--
-- Checked against valueAtTimestamp: the result at any time is the
-- operation on the operands' values (exact at instants and turning points,
-- the linear interpolation in between for * and /)
--
CREATE TEMP TABLE p (a tfloat, b tfloat);
INSERT INTO p VALUES
	('[1@2000-01-01, 4@2000-01-03, 2@2000-01-06]', '[2@2000-01-02, -1@2000-01-04, 3@2000-01-05, 3@2000-01-07]'),
	('[1@2000-01-01, 4@2000-01-03, 2@2000-01-06]', 'Interp=Step;[2@2000-01-02, -1@2000-01-04, 3@2000-01-05, 3@2000-01-07]'),
	('{[1@2000-01-01, 4@2000-01-03), [2@2000-01-04, 2@2000-01-06]}', '[-3@2000-01-01, 3@2000-01-07]');
SELECT a * b AS product FROM p ORDER BY a::text, b::text;
-- at every instant of either operand: + and - exactly, * and / within 1e-12
-- (the divisor is b + 10, never 0; NULL where the result is not defined:
-- outside the common time or in the gap of the set)
SELECT a::text ~ '^\{' AS set, interp(b) AS b_interp, t,
       valueattimestamp(a + b, t) = valueattimestamp(a, t) + valueattimestamp(b, t) AS add_ok,
       valueattimestamp(a - b, t) = valueattimestamp(a, t) - valueattimestamp(b, t) AS sub_ok,
       abs(valueattimestamp(a * b, t) - valueattimestamp(a, t) * valueattimestamp(b, t)) < 1e-12 AS mul_ok,
       abs(valueattimestamp(a / (b + '[10@2000-01-01, 10@2000-01-07]'), t)
           - valueattimestamp(a, t) / (valueattimestamp(b, t) + 10)) < 1e-12 AS div_ok
FROM p, unnest(timestamps(a) || timestamps(b)) AS t
ORDER BY a::text, b::text, t;
-- between instants + is linear too (equal up to the last bit of rounding)
SELECT t, valueattimestamp(a + b, t) AS sum, valueattimestamp(a, t) + valueattimestamp(b, t) AS expected
FROM p, unnest(ARRAY['2000-01-02 12:00', '2000-01-04 06:00']::timestamptz[]) AS t
ORDER BY a::text, b::text, t;
-- the turning point is the exact product, the extremum of the parabola
SELECT valueattimestamp(x * x, '2000-01-02') AS at_vertex,
       valueattimestamp(x, '2000-01-02') * valueattimestamp(x, '2000-01-02') AS expected
FROM (SELECT '[-1@2000-01-01, 1@2000-01-03]'::tfloat AS x) s;

-- NULL arguments (strict)
SELECT NULL::tfloat + '1@2000-01-01'::tfloat, '1@2000-01-01'::tfloat * NULL::tfloat;
