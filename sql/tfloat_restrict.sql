--
-- Restriction of a tfloat to time: valueAtTimestamp and atTime to a
-- timestamp, a tstzrange and a tstzmultirange.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

CREATE TABLE tfr (id int PRIMARY KEY, note text, t tfloat);
INSERT INTO tfr VALUES
	(1, 'instant', '2@2000-01-02'),
	(2, 'discrete', '{1@2000-01-01, 3@2000-01-02, 2@2000-01-04}'),
	(3, 'linear', '[1@2000-01-01, 3@2000-01-03, 2@2000-01-05]'),
	(4, 'linear, exclusive', '(1@2000-01-01, 3@2000-01-03, 2@2000-01-05)'),
	(5, 'step', 'Interp=Step;[1@2000-01-01, 3@2000-01-03, 2@2000-01-05]'),
	(6, 'step, exclusive', 'Interp=Step;(1@2000-01-01, 3@2000-01-03, 3@2000-01-05)'),
	(7, 'one-instant sequence', '[5@2000-01-03]'),
	(8, 'set with a gap', '{[1@2000-01-01, 2@2000-01-02], (5@2000-01-03, 6@2000-01-04)}'),
	(9, 'set sharing an instant at ) (', '{[1@2000-01-01, 2@2000-01-02), (2@2000-01-02, 0@2000-01-03]}'),
	(10, 'set jumping at one timestamp', '{[1@2000-01-01, 2@2000-01-02), [5@2000-01-02, 6@2000-01-03]}'),
	(11, 'step set', 'Interp=Step;{[1@2000-01-01, 2@2000-01-02], (3@2000-01-03, 4@2000-01-04]}'),
	(12, 'NaN and infinity', '[NaN@2000-01-01, 1@2000-01-02, Infinity@2000-01-04]');

--
-- valueAtTimestamp and atTime(tfloat, timestamptz) at chosen times: before,
-- on the first instant, inside a segment, on a middle instant, in a gap,
-- on the last instant, after
--
SELECT id, ts, valueAtTimestamp(t, ts), atTime(t, ts)
FROM tfr, unnest(ARRAY['1999-12-31', '2000-01-01', '2000-01-01 12:00',
	'2000-01-02', '2000-01-02 12:00', '2000-01-03', '2000-01-03 06:00',
	'2000-01-04', '2000-01-05', '2000-01-06']::timestamptz[]) AS ts
ORDER BY id, ts;

-- infinite timestamps are outside every value
SELECT valueAtTimestamp('[1@2000-01-01, 2@2000-01-02]'::tfloat, 'infinity') IS NULL AS inf,
	valueAtTimestamp('[1@2000-01-01, 2@2000-01-02]'::tfloat, '-infinity') IS NULL AS minus_inf,
	atTime('{[1@2000-01-01, 2@2000-01-02]}'::tfloat, 'infinity'::timestamptz) IS NULL AS attime_inf;
-- the first and last representable timestamps
SELECT valueAtTimestamp('[1@4713-01-01 00:00:00 BC, 2@2000-01-01]'::tfloat, '4713-01-01 00:00:00 BC'),
	atTime('[1@2000-01-01, 2@294276-12-31 23:59:59.999999]'::tfloat, '294276-12-31 23:59:59.999999'::timestamptz);

-- atTime to a timestamp agrees with valueAtTimestamp everywhere
SELECT count(*) AS disagreements
FROM tfr, generate_series('1999-12-31'::timestamptz, '2000-01-06', '1 hour') AS ts
WHERE valueAtTimestamp(t, ts) IS DISTINCT FROM startValue(atTime(t, ts));

--
-- atTime(tfloat, tstzrange)
--
SELECT id, r, atTime(t, r)
FROM tfr, unnest(ARRAY[
	'[2000-01-01, 2000-01-05]',		-- the whole extent
	'(,)',					-- unbounded
	'[-infinity, infinity]',		-- infinite bounds
	'[2000-01-02, 2000-01-04]',		-- inside
	'(2000-01-02, 2000-01-04)',		-- inside, exclusive
	'[2000-01-01 12:00, 2000-01-03 12:00)',	-- cut inside segments
	'[2000-01-01 12:00, 2000-01-02]',	-- ending on a middle instant
	'[2000-01-03, 2000-01-03]',		-- one timestamp on an instant
	'[2000-01-02 12:00, 2000-01-02 12:00]',	-- one timestamp inside a segment
	'[1999-12-01, 2000-01-01]',		-- touching the start
	'[2000-01-05, 2000-01-10]',		-- touching the end
	'[1999-12-01, 2000-01-01)',		-- ending where the value starts
	'(2000-01-05, 2000-01-10]',		-- starting where the value ends
	'[1999-01-01, 1999-02-01]',		-- before
	'empty'
	]::tstzrange[]) AS r
ORDER BY id, lower(r), upper(r);

-- a linear sequence cut at a range that is not on its instants
SELECT atTime('[0@2000-01-01, 10@2000-01-11]'::tfloat, tstzrange('2000-01-02 12:00', '2000-01-04'));
-- the cut keeps a one-instant piece and NULLs are NULL
SELECT atTime('[0@2000-01-01, 10@2000-01-11)'::tfloat, '[2000-01-11, 2000-01-12]'::tstzrange) IS NULL AS touching_exclusive_end;
SELECT atTime('(0@2000-01-01, 10@2000-01-11]'::tfloat, '[2000-01-01, 2000-01-01]'::tstzrange) IS NULL AS at_exclusive_start;
SELECT atTime('[0@2000-01-01, 10@2000-01-11]'::tfloat, '(2000-01-01, 2000-01-02)'::tstzrange);
SELECT atTime('[0@2000-01-01, 10@2000-01-11]'::tfloat, '[2000-01-11, 2000-01-12]'::tstzrange);
SELECT atTime('[0@2000-01-01, 10@2000-01-11]'::tfloat, NULL::tstzrange) IS NULL AS null_range;
-- step sequences cut before an instant, on it, with exclusive ends
SELECT atTime('Interp=Step;[1@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat, '[2000-01-01 12:00, 2000-01-02 12:00)'::tstzrange);
SELECT atTime('Interp=Step;[1@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat, '[2000-01-01 12:00, 2000-01-02)'::tstzrange);
SELECT atTime('Interp=Step;[1@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat, '[2000-01-01 12:00, 2000-01-02]'::tstzrange);
SELECT atTime('Interp=Step;[1@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat, '(2000-01-02, 2000-01-03)'::tstzrange);
SELECT atTime('Interp=Step;[1@2000-01-01, 2@2000-01-02, 3@2000-01-03]'::tfloat, '[2000-01-02, 2000-01-02]'::tstzrange);
-- restricting a restriction to the same range changes nothing
SELECT count(*) AS unstable
FROM tfr, unnest(ARRAY['[2000-01-01 12:00, 2000-01-03 12:00)', '(2000-01-02, 2000-01-04]',
	'[2000-01-02, 2000-01-02]']::tstzrange[]) AS r
WHERE atTime(atTime(t, r), r) IS DISTINCT FROM atTime(t, r);
-- a range cut agrees with valueAtTimestamp inside the range (up to the
-- rounding of interpolating again from an interpolated end)
SELECT count(*) AS disagreements
FROM (SELECT valueAtTimestamp(atTime(t, tstzrange('2000-01-01 13:00', '2000-01-04 01:00')), ts) AS a,
		CASE WHEN ts >= '2000-01-01 13:00' AND ts < '2000-01-04 01:00'
			THEN valueAtTimestamp(t, ts) END AS b
	FROM tfr, generate_series('2000-01-01'::timestamptz, '2000-01-05', '1 hour') AS ts) AS q
WHERE NOT (a IS NOT DISTINCT FROM b OR abs(a - b) <= 1e-12 * greatest(1, abs(b)));

--
-- atTime(tfloat, tstzmultirange)
--
SELECT id, m, atTime(t, m)
FROM tfr, unnest(ARRAY[
	'{[2000-01-01, 2000-01-05]}',
	'{(,)}',
	'{[2000-01-01 12:00, 2000-01-02 12:00], [2000-01-03, 2000-01-03], (2000-01-04, 2000-01-06)}',
	'{[2000-01-01, 2000-01-02), (2000-01-02, 2000-01-03)}',
	'{[2000-01-01 12:00, 2000-01-02], [2000-01-03, 2000-01-04]}',
	'{[1999-01-01, 1999-02-01], [2000-02-01, 2000-03-01]}',
	'{}'
	]::tstzmultirange[]) AS m
ORDER BY id, m::text;
-- many ranges over a long sequence: one piece per range
SELECT numInstants(a), numTimestamps(a), duration(a), tempSubtype(a)
FROM (SELECT atTime(tfloatSeq(array_agg(tfloat(i::float8 * i,
		'2000-01-01'::timestamptz + i * interval '1 second') ORDER BY i)),
	(SELECT range_agg(tstzrange('2000-01-01'::timestamptz + j * interval '10 seconds',
		'2000-01-01'::timestamptz + j * interval '10 seconds' + interval '5 seconds'))
	 FROM generate_series(0, 20000) AS j)) AS a
	FROM generate_series(1, 100000) AS i) AS q;
-- and a restriction to the value's own time gives the value back (as a
-- set for a continuous sequence and a multirange)
SELECT id, atTime(t, getTime(t)) = CASE
		WHEN tempSubtype(t) = 'Sequence' AND interp(t) IN ('Linear', 'Step')
		THEN tfloatSeqSet(ARRAY[t]) ELSE t END AS same
FROM tfr ORDER BY id;
SELECT id, atTime(t, timeSpan(t)) = t AS same FROM tfr ORDER BY id;
SELECT atTime('[1@2000-01-01, 2@2000-01-02]'::tfloat, NULL::tstzmultirange) IS NULL AS null_multirange;
