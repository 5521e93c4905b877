--
-- tfloat accessors: values, instants, timestamps, duration, interpolation,
-- subtype and time extent.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

-- Values of every subtype and shape
CREATE TABLE tfa (id int PRIMARY KEY, note text, t tfloat);
INSERT INTO tfa VALUES
	(1, 'instant', '1.5@2000-01-01'),
	(2, 'discrete', '{1@2000-01-01, 3@2000-01-02, 2@2000-01-04}'),
	(3, 'discrete, one instant', '{7@2000-01-01}'),
	(4, 'linear', '[1@2000-01-01, 3@2000-01-02, 2@2000-01-04]'),
	(5, 'linear, exclusive', '(1@2000-01-01, 3@2000-01-02, 2@2000-01-04)'),
	(6, 'linear, one instant', '[4@2000-01-01 12:00]'),
	(7, 'step', 'Interp=Step;[1@2000-01-01, 3@2000-01-02, 3@2000-01-04)'),
	(8, 'set with a gap', '{[1@2000-01-01, 2@2000-01-02], [5@2000-01-03, 6@2000-01-04)}'),
	(9, 'set sharing an instant at ) (', '{[1@2000-01-01, 2@2000-01-02), (2@2000-01-02, 0@2000-01-03]}'),
	(10, 'set jumping at one timestamp', '{[1@2000-01-01, 2@2000-01-02), [5@2000-01-02, 6@2000-01-03]}'),
	(11, 'step set', 'Interp=Step;{[1@2000-01-01, 2@2000-01-02], (3@2000-01-03, 3@2000-01-04)}'),
	(12, 'set of one-instant sequences', '{[1@2000-01-01], [2@2000-01-02], [3@2000-01-03]}'),
	(13, 'NaN and infinities', '[NaN@2000-01-01, Infinity@2000-01-02, -Infinity@2000-01-03, 1@2000-01-04]'),
	(14, 'before 1970, far future', '[-1@1900-01-01, 1@200000-12-31 23:59:59]'),
	(15, 'largest doubles', '{1.7976931348623157e308@2000-01-01, 1.7976931348623157e308@2000-01-02}'),
	(16, 'lengths over a day', '{[1@2000-01-01, 2@2000-01-01 18:00], [1@2000-01-02, 2@2000-01-02 18:00]}'),
	(17, 'fractions of seconds', '[1@2000-01-01 00:00:00.000001, 2@2000-01-01 00:00:00.5]');

SELECT id, note, startValue(t), endValue(t), minValue(t), maxValue(t), avgValue(t)
FROM tfa ORDER BY id;

SELECT id, numInstants(t), numTimestamps(t), startTimestamp(t), endTimestamp(t)
FROM tfa ORDER BY id;

SELECT id, instants(t) FROM tfa ORDER BY id;

SELECT id, timestamps(t) FROM tfa ORDER BY id;

SELECT id, duration(t), duration(t, true), duration(t, false) AS explicit_false
FROM tfa ORDER BY id;

SELECT id, interp(t), tempSubtype(t) FROM tfa ORDER BY id;

SELECT id, getTime(t), timeSpan(t) FROM tfa ORDER BY id;

-- instants() gives values that rebuild the original
SELECT id, tfloatSeq(instants(t), lower(interp(t)), lower_inf(timeSpan(t)) OR lower_inc(timeSpan(t)),
	upper_inc(timeSpan(t))) = t AS rebuilt
FROM tfa WHERE tempSubtype(t) = 'Sequence' ORDER BY id;

-- minValue and maxValue agree with min() and max() over the instants, and
-- avgValue with avg()
SELECT id, minValue(t) = min(v) AND maxValue(t) = max(v) AS same_extremes,
	avgValue(t) = avg(v) AS same_mean
FROM tfa, LATERAL (SELECT startValue(i) AS v FROM unnest(instants(t)) AS i) AS q
WHERE id <> 15 -- avg() overflows there
GROUP BY id, t ORDER BY id;
-- the mean of the largest doubles does not overflow
SELECT avgValue('{1.7976931348623157e308@2000-01-01, 1.7976931348623157e308@2000-01-02}'::tfloat)
	= 1.7976931348623157e308 AS no_overflow;
SELECT avgValue('{Infinity@2000-01-01, -Infinity@2000-01-02}'::tfloat);
SELECT avgValue('{Infinity@2000-01-01, 5@2000-01-02}'::tfloat);

-- valueAtTimestamp (more cases in tfloat_restrict)
SELECT id, valueAtTimestamp(t, '2000-01-01') AS at_start,
	valueAtTimestamp(t, '2000-01-01 12:00') AS at_noon,
	valueAtTimestamp(t, '2000-01-02') AS at_day2,
	valueAtTimestamp(t, '2000-01-03 06:00') AS at_day3,
	valueAtTimestamp(t, '1999-12-31') AS before
FROM tfa ORDER BY id;

-- the last timestamps: durations that do not fit an interval
SELECT duration('[1@2000-01-01, 2@294276-12-31 23:59:59.999999]'::tfloat);
SELECT duration('[1@4000-01-01, 2@294276-12-31 23:59:59.999999]'::tfloat);
SELECT duration('{1@4000-01-01, 2@294276-12-31 23:59:59.999999}'::tfloat, true);
SELECT duration('{[1@4000-01-01, 2@150000-01-01], [1@150001-01-01, 2@294276-12-31]}'::tfloat);
SELECT timeSpan('[1@4000-01-01, 2@294276-12-31 23:59:59.999999]'::tfloat),
	getTime('{[1@4000-01-01, 2@150000-01-01], [1@150001-01-01, 2@294276-12-31]}'::tfloat);

-- NULL in, NULL out
SELECT startValue(NULL), numInstants(NULL), duration(NULL), duration('1@2000-01-01', NULL),
	getTime(NULL), timeSpan(NULL), instants(NULL), timestamps(NULL);

-- large values, quickly
SELECT numInstants(s), numTimestamps(s), array_length(instants(s), 1) AS instants,
	array_length(timestamps(s), 1) AS timestamps, minValue(s), maxValue(s), avgValue(s),
	duration(s), timeSpan(s), getTime(s) = tstzmultirange(timeSpan(s)) AS gettime
FROM (SELECT tfloatSeq(array_agg(tfloat(i::float8 * i,
		'2000-01-01'::timestamptz + i * interval '1 second') ORDER BY i)) AS s
	FROM generate_series(1, 100000) AS i) AS q;
SELECT numInstants(s), numTimestamps(s), duration(s), duration(s, true),
	cardinality(unnest_count) AS ranges
FROM (SELECT tfloatSeqSet(array_agg(tfloatSeq(ARRAY[
		tfloat(i, '2000-01-01'::timestamptz + i * interval '2 hours'),
		tfloat(i + 1, '2000-01-01'::timestamptz + i * interval '2 hours' + interval '1 hour')])
		ORDER BY i)) AS s
	FROM generate_series(1, 20000) AS i) AS q,
	LATERAL (SELECT array_agg(r) AS unnest_count FROM unnest(getTime(s)) AS r) AS u;
