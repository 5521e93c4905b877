--
-- tfloat constructors: tfloat(value, timestamptz), tfloatSeq(tfloat[],
-- interp, lower_inc, upper_inc) and tfloatSeqSet(tfloat[]).
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

-- Runs a statement and reports its SQLSTATE, for the errors whose code
-- matters.
CREATE FUNCTION pg_temp.sqlstate_of(q text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	EXECUTE q;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END
$$;

--
-- tfloat(float8, timestamptz): an instant
--
SELECT tfloat(1.5, '2000-01-01');
SELECT tfloat(-0.0, '2000-01-01');
SELECT tfloat('NaN', '2000-01-01');
SELECT tfloat('Infinity', '2000-01-01');
SELECT tfloat('-Infinity', '2000-01-01');
SELECT tfloat(1.7976931348623157e308, '2000-01-01');
SELECT tfloat(5e-324, '2000-01-01');
SELECT tfloat(1, '1900-06-30 12:34:56.789');
SELECT tfloat(1, '4713-01-01 00:00:00 BC');
SELECT tfloat(1, '294276-12-31 23:59:59.999999');
SELECT tfloat(1, '2000-01-01 12:00:00+02');
SELECT tfloat(1, 'infinity');
SELECT tfloat(1, '-infinity');
SELECT tfloat(NULL, '2000-01-01') IS NULL AS null_value,
	tfloat(1, NULL) IS NULL AS null_time;
SELECT tfloat(2.5, '2000-01-01') = '2.5@2000-01-01'::tfloat AS same_as_text;
SELECT tempSubtype(tfloat(1, '2000-01-01'));

--
-- tfloatSeq: linear by default, inclusive bounds by default
--
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'linear', false, false);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'LINEAR', true, false);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'Linear', false, true);
-- normalized: the collinear middle instant goes
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02'),
	tfloat(3, '2000-01-03')]);
-- the same as the text input
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(3, '2000-01-02')],
	'linear', true, false) = '[1@2000-01-01, 3@2000-01-02)'::tfloat AS same;
-- one instant
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'step');
-- NaN and infinities are values like others
SELECT tfloatSeq(ARRAY[tfloat('NaN', '2000-01-01'), tfloat('NaN', '2000-01-02'),
	tfloat('NaN', '2000-01-03')]);
SELECT tfloatSeq(ARRAY[tfloat('-Infinity', '2000-01-01'),
	tfloat('Infinity', '2000-01-02')]);
-- before 1970 and far in the future
SELECT tfloatSeq(ARRAY[tfloat(1, '1000-01-01'), tfloat(2, '1969-12-31 23:59:59.999999'),
	tfloat(3, '280000-12-31 23:59:59.999999')]);

-- step
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')], 'step');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02'),
	tfloat(2, '2000-01-03')], 'Step', true, false);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(1, '2000-01-02'),
	tfloat(2, '2000-01-03')], 'step', false, true);
-- a step sequence with an exclusive upper bound repeats its last value
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'step', true, false);

-- discrete: never normalized, bounds must stay inclusive
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02'),
	tfloat(3, '2000-01-03')], 'discrete');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'DISCRETE');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'discrete', false, true);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')],
	'discrete', true, false);

-- bad interpolations
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'none');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], '');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'linear ');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'stepwise');
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'cubic')$$);

-- NULL arguments (the function is strict) and NULL elements
SELECT tfloatSeq(NULL) IS NULL AS null_array,
	tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], NULL) IS NULL AS null_interp,
	tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'linear', NULL) IS NULL AS null_bound;
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), NULL]);
SELECT tfloatSeq(ARRAY[NULL::tfloat]);
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeq(ARRAY[NULL, tfloat(1, '2000-01-01')])$$);

-- empty and multi-dimensional arrays
SELECT tfloatSeq('{}'::tfloat[]);
SELECT tfloatSeq(ARRAY[]::tfloat[], 'discrete');
SELECT tfloatSeq(ARRAY[ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02')]]);
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeq('{}'::tfloat[])$$);
-- a non-default lower bound is fine
SELECT tfloatSeq('[5:6]={"1@2000-01-01","2@2000-01-02"}'::tfloat[]);

-- elements that are not instants
SELECT tfloatSeq(ARRAY['[1@2000-01-01]'::tfloat]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), '{2@2000-01-02}'::tfloat]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), '{[2@2000-01-02]}'::tfloat]);
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeq(ARRAY['{1@2000-01-01}'::tfloat])$$);

-- rules of the type, reported with the builder's sentence
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-02'), tfloat(2, '2000-01-01')]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-01')]);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-02'), tfloat(2, '2000-01-01')], 'discrete');
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'linear', false, true);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01')], 'linear', true, false);
SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-02'),
	tfloat(3, '2000-01-03')], 'step', true, false);
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeq(ARRAY[tfloat(1, '2000-01-01'), tfloat(2, '2000-01-01')])$$);

-- a large sequence: every instant kept (values on a parabola), quickly
SELECT numInstants(s), startValue(s), endValue(s), duration(s)
FROM (SELECT tfloatSeq(array_agg(tfloat(i::float8 * i,
		'2000-01-01'::timestamptz + i * interval '1 second') ORDER BY i)) AS s
	FROM generate_series(1, 100000) AS i) AS q;
-- ... and the same on a line, normalized to two instants
SELECT tfloatSeq(array_agg(tfloat(i, '2000-01-01'::timestamptz + i * interval '1 second') ORDER BY i))
FROM generate_series(1, 100000) AS i;
SELECT numInstants(tfloatSeq(array_agg(tfloat(i, '2000-01-01'::timestamptz + i * interval '1 second') ORDER BY i), 'discrete'))
FROM generate_series(1, 100000) AS i;

--
-- tfloatSeqSet
--
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'[3@2000-01-03, 4@2000-01-04]']);
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01]'::tfloat]);
SELECT tfloatSeqSet(ARRAY['(1@2000-01-01, 2@2000-01-02)'::tfloat,
	'(2@2000-01-02, 4@2000-01-04)']);
-- sequences that continue each other are joined
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02)'::tfloat,
	'[2@2000-01-02, 3@2000-01-03]']);
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'(2@2000-01-02, 5@2000-01-03]']);
-- ... but not when they jump
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02)'::tfloat,
	'[5@2000-01-02, 6@2000-01-03]']);
-- step sets
SELECT tfloatSeqSet(ARRAY['Interp=Step;[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'Interp=Step;[3@2000-01-03, 4@2000-01-04]']);
SELECT tfloatSeqSet(ARRAY['Interp=Step;[1@2000-01-01, 1@2000-01-02)'::tfloat,
	'Interp=Step;[1@2000-01-02, 4@2000-01-04]']);
-- the same as the text input
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'[3@2000-01-03]']) = '{[1@2000-01-01, 2@2000-01-02], [3@2000-01-03]}'::tfloat AS same;

-- errors
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'[2@2000-01-02, 3@2000-01-03]']);
SELECT tfloatSeqSet(ARRAY['[3@2000-01-03, 4@2000-01-04]'::tfloat,
	'[1@2000-01-01, 2@2000-01-02]']);
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-03]'::tfloat,
	'[1@2000-01-02, 2@2000-01-04]']);
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'Interp=Step;[3@2000-01-03, 4@2000-01-04]']);
SELECT tfloatSeqSet(ARRAY['Interp=Step;[1@2000-01-01, 2@2000-01-02]'::tfloat,
	'[3@2000-01-03, 4@2000-01-04]']);
SELECT tfloatSeqSet(ARRAY['1@2000-01-01'::tfloat]);
SELECT tfloatSeqSet(ARRAY['{1@2000-01-01, 2@2000-01-02}'::tfloat]);
SELECT tfloatSeqSet(ARRAY['{[1@2000-01-01, 2@2000-01-02]}'::tfloat]);
SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat, NULL]);
SELECT tfloatSeqSet('{}'::tfloat[]);
SELECT tfloatSeqSet(ARRAY[ARRAY['[1@2000-01-01]'::tfloat]]);
SELECT tfloatSeqSet(NULL) IS NULL AS null_array;
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeqSet(ARRAY['[1@2000-01-01]'::tfloat, NULL])$$);
SELECT pg_temp.sqlstate_of($$SELECT tfloatSeqSet(ARRAY['[1@2000-01-01, 2@2000-01-02]'::tfloat, '[2@2000-01-02, 3@2000-01-03]'])$$);

-- a large set: 50000 one-hour sequences with one-hour gaps
SELECT numInstants(s), numTimestamps(s), tempSubtype(s), duration(s), duration(s, true)
FROM (SELECT tfloatSeqSet(array_agg(tfloatSeq(ARRAY[
		tfloat(i, '2000-01-01'::timestamptz + i * interval '2 hours'),
		tfloat(i + 1, '2000-01-01'::timestamptz + i * interval '2 hours' + interval '1 hour')])
		ORDER BY i)) AS s
	FROM generate_series(1, 50000) AS i) AS q;
