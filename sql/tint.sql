--
-- tint: reference tables built by hand from MobilityDB's documented
-- examples for tint (input and output forms, normalization, constructors,
-- accessors, casts, MF-JSON, binary I/O, comparison, tcount/wcount and
-- the temporal and moving-window aggregates), each row with the value
-- MobilityDB documents (in UTC) and whether cqstream gives it.  A row
-- that differs shows false and both values.  Then the errors, each on its
-- own line.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

CREATE TABLE ref (id serial, expr text, expected text);

-- Input and output: the four subtypes; step is a tint's only continuous
-- interpolation and prints without a prefix
INSERT INTO ref (expr, expected) VALUES
	($$tint '1@2001-01-01 08:00:00'$$, '1@2001-01-01 08:00:00+00'),
	($$tint '{1@2001-01-01 08:00:00, 2@2001-01-01 08:10:00, 3@2001-01-01 08:20:00}'$$,
	 '{1@2001-01-01 08:00:00+00, 2@2001-01-01 08:10:00+00, 3@2001-01-01 08:20:00+00}'),
	($$tint '[1@2001-01-01 08:00:00, 2@2001-01-01 08:10:00, 3@2001-01-01 08:20:00]'$$,
	 '[1@2001-01-01 08:00:00+00, 2@2001-01-01 08:10:00+00, 3@2001-01-01 08:20:00+00]'),
	($$tint '{[1@2001-01-01 08:00:00, 1@2001-01-01 08:10:00), [2@2001-01-01 08:20:00, 3@2001-01-01 08:30:00]}'$$,
	 '{[1@2001-01-01 08:00:00+00, 1@2001-01-01 08:10:00+00), [2@2001-01-01 08:20:00+00, 3@2001-01-01 08:30:00+00]}'),
	($$tint 'Interp=Step;[1@2001-01-01, 2@2001-01-02]'$$, '[1@2001-01-01 00:00:00+00, 2@2001-01-02 00:00:00+00]'),
	($$tint '  { 1 @ 2001-01-01 , -2 @ 2001-01-02 }  '$$, '{1@2001-01-01 00:00:00+00, -2@2001-01-02 00:00:00+00}'),
	($$tint '-2147483648@2001-01-01'$$, '-2147483648@2001-01-01 00:00:00+00'),
	($$tint '2147483647@2001-01-01'$$, '2147483647@2001-01-01 00:00:00+00'),
	-- normalization (MobilityDB's manual): a repeated value is dropped, and
	-- sequences that continue each other are joined
	($$tint '[1@2001-01-01, 2@2001-01-03, 2@2001-01-04, 2@2001-01-05)'$$,
	 '[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-05 00:00:00+00)'),
	($$tint '{[1@2001-01-01, 2@2001-01-03, 2@2001-01-04, 2@2001-01-05), [3@2001-01-05, 4@2001-01-06]}'$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 3@2001-01-05 00:00:00+00, 4@2001-01-06 00:00:00+00]}'),
	($$tint '{[1@2001-01-01, 2@2001-01-03], (2@2001-01-03, 2@2001-01-05]}'$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-05 00:00:00+00]}'),
	($$'[1@2001-01-01, 2@2001-01-02]'::text::tint$$, '[1@2001-01-01 00:00:00+00, 2@2001-01-02 00:00:00+00]');

-- Constructors
INSERT INTO ref (expr, expected) VALUES
	($$tint(1, '2001-01-01')$$, '1@2001-01-01 00:00:00+00'),
	($$tintSeq(ARRAY[tint '1@2001-01-01', '2@2001-01-03', '2@2001-01-05'])$$,
	 '[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-05 00:00:00+00]'),
	($$tintSeq(ARRAY[tint '1@2001-01-01', '2@2001-01-03', '2@2001-01-05'], 'step', true, false)$$,
	 '[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-05 00:00:00+00)'),
	($$tintSeq(ARRAY[tint '1@2001-01-01', '2@2001-01-02', '1@2001-01-03'], 'discrete')$$,
	 '{1@2001-01-01 00:00:00+00, 2@2001-01-02 00:00:00+00, 1@2001-01-03 00:00:00+00}'),
	($$tintSeqSet(ARRAY[tint '[1@2001-01-01, 1@2001-01-03)', '[2@2001-01-03, 2@2001-01-05)'])$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-05 00:00:00+00)}'),
	($$tintSeqSet(ARRAY[tint '[1@2001-01-01, 2@2001-01-02]', '[3@2001-01-03, 3@2001-01-05]'])$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-02 00:00:00+00], [3@2001-01-03 00:00:00+00, 3@2001-01-05 00:00:00+00]}');

-- Accessors: value accessors return integer
INSERT INTO ref (expr, expected) VALUES
	($$pg_typeof(startValue(tint '1@2001-01-01'))$$, 'integer'),
	($$startValue(tint '[1@2001-01-01, 2@2001-01-03]')$$, '1'),
	($$endValue(tint '{[1@2001-01-01, 1@2001-01-03), [3@2001-01-04, 5@2001-01-05]}')$$, '5'),
	($$minValue(tint '{1@2001-01-01, -2@2001-01-03, 3@2001-01-05}')$$, '-2'),
	($$maxValue(tint '{1@2001-01-01, -2@2001-01-03, 3@2001-01-05}')$$, '3'),
	($$valueAtTimestamp(tint '[1@2001-01-01, 5@2001-01-05]', '2001-01-03')$$, '1'),
	($$valueAtTimestamp(tint '[1@2001-01-01, 5@2001-01-05]', '2001-01-05')$$, '5'),
	($$valueAtTimestamp(tint '[1@2001-01-01, 5@2001-01-05]', '2001-01-06') IS NULL$$, 'true'),
	($$interp(tint '[1@2001-01-01, 2@2001-01-02]')$$, 'Step'),
	($$interp(tint '{1@2001-01-01, 2@2001-01-02}')$$, 'Discrete'),
	($$interp(tint '1@2001-01-01')$$, 'None'),
	($$tempSubtype(tint '{[1@2001-01-01, 2@2001-01-02]}')$$, 'SequenceSet'),
	($$numInstants(tint '{[1@2001-01-01, 1@2001-01-02), (1@2001-01-02, 3@2001-01-03]}')$$, '3'),
	($$numTimestamps(tint '{[1@2001-01-01, 2@2001-01-03]}')$$, '2'),
	($$instants(tint '{[1@2001-01-01, 2@2001-01-02]}')$$,
	 '{"1@2001-01-01 00:00:00+00","2@2001-01-02 00:00:00+00"}'),
	($$pg_typeof(instants(tint '1@2001-01-01'))$$, 'tint[]'),
	($$timestamps(tint '{1@2001-01-01, 2@2001-01-03}')$$, '{"2001-01-01 00:00:00+00","2001-01-03 00:00:00+00"}'),
	($$startTimestamp(tint '[1@2001-01-01, 2@2001-01-03]')$$, '2001-01-01 00:00:00+00'),
	($$endTimestamp(tint '[1@2001-01-01, 2@2001-01-03]')$$, '2001-01-03 00:00:00+00'),
	($$duration(tint '{[1@2001-01-01, 1@2001-01-03), [2@2001-01-04, 2@2001-01-05]}') = interval '3 days'$$, 'true'),
	($$duration(tint '{[1@2001-01-01, 1@2001-01-03), [2@2001-01-04, 2@2001-01-05]}', true) = interval '4 days'$$, 'true'),
	($$getTime(tint '{[1@2001-01-01, 1@2001-01-03), [2@2001-01-04, 2@2001-01-05]}')$$,
	 '{["2001-01-01 00:00:00+00","2001-01-03 00:00:00+00"),["2001-01-04 00:00:00+00","2001-01-05 00:00:00+00"]}'),
	($$timeSpan(tint '{1@2001-01-01, 2@2001-01-03}')$$, '["2001-01-01 00:00:00+00","2001-01-03 00:00:00+00"]'),
	($$atTime(tint '[1@2001-01-01, 2@2001-01-03, 3@2001-01-05]', tstzrange('2001-01-02', '2001-01-04'))$$,
	 '[1@2001-01-02 00:00:00+00, 2@2001-01-03 00:00:00+00, 2@2001-01-04 00:00:00+00)'),
	($$atTime(tint '[1@2001-01-01, 2@2001-01-03]', timestamptz '2001-01-02')$$, '1@2001-01-02 00:00:00+00');

-- Casts: tint::tfloat keeps step interpolation; tfloat::tint truncates
INSERT INTO ref (expr, expected) VALUES
	($$tint '[1@2001-01-01, 2@2001-01-03]'::tfloat$$, 'Interp=Step;[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00]'),
	($$tint '{1@2001-01-01, 2@2001-01-03}'::tfloat$$, '{1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00}'),
	($$tint '1@2001-01-01'::tfloat$$, '1@2001-01-01 00:00:00+00'),
	($$tfloat 'Interp=Step;[1.5@2001-01-01, 2.5@2001-01-03]'::tint$$, '[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00]'),
	($$tfloat '{-1.7@2001-01-01, 2.9@2001-01-03}'::tint$$, '{-1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00}'),
	($$tfloat '-0.5@2001-01-01'::tint$$, '0@2001-01-01 00:00:00+00'),
	-- the result is normalized (README: differs on purpose)
	($$tfloat 'Interp=Step;[1.2@2001-01-01, 1.7@2001-01-02, 3@2001-01-03]'::tint$$,
	 '[1@2001-01-01 00:00:00+00, 3@2001-01-03 00:00:00+00]'),
	($$tint '{[1@2001-01-01, 1@2001-01-03), [2@2001-01-04, 2@2001-01-05]}'::tfloat::tint$$,
	 '{[1@2001-01-01 00:00:00+00, 1@2001-01-03 00:00:00+00), [2@2001-01-04 00:00:00+00, 2@2001-01-05 00:00:00+00]}');

-- MF-JSON (MobilityDB's asMFJSON examples with a tint)
INSERT INTO ref (expr, expected) VALUES
	($$asMFJSON(tint '1@2000-01-01')$$,
	 '{"type":"MovingInteger","values":[1],"datetimes":["2000-01-01T00:00:00+00"],"interpolation":"None"}'),
	($$asMFJSON(tint '{1@2000-01-01, 2@2000-01-02}')$$,
	 '{"type":"MovingInteger","values":[1,2],"datetimes":["2000-01-01T00:00:00+00","2000-01-02T00:00:00+00"],"interpolation":"Discrete"}'),
	($$asMFJSON(tint '[1@2000-01-01, 2@2000-01-02]', 1)$$,
	 '{"type":"MovingInteger","bbox":[1,2],"period":{"begin":"2000-01-01T00:00:00+00","end":"2000-01-02T00:00:00+00","lower_inc":true,"upper_inc":true},"values":[1,2],"datetimes":["2000-01-01T00:00:00+00","2000-01-02T00:00:00+00"],"lower_inc":true,"upper_inc":true,"interpolation":"Step"}'),
	($$asMFJSON(tint '{[1@2000-01-01, 2@2000-01-02], [3@2000-01-03]}')$$,
	 '{"type":"MovingInteger","sequences":[{"values":[1,2],"datetimes":["2000-01-01T00:00:00+00","2000-01-02T00:00:00+00"],"lower_inc":true,"upper_inc":true},{"values":[3],"datetimes":["2000-01-03T00:00:00+00"],"lower_inc":true,"upper_inc":true}],"interpolation":"Step"}'),
	($$tintFromMFJSON('{"type":"MovingInteger","values":[1,1],"datetimes":["2000-01-01T00:00:00+00","2000-01-02T00:00:00+00"],"lower_inc":true,"upper_inc":false,"interpolation":"Step"}')$$,
	 '[1@2000-01-01 00:00:00+00, 1@2000-01-02 00:00:00+00)'),
	($$tintFromMFJSON('{"type":"MovingInteger","values":[5],"datetimes":["2000-01-01"],"interpolation":"None"}')$$,
	 '5@2000-01-01 00:00:00+00');

-- Comparison, as tfloat's order
INSERT INTO ref (expr, expected) VALUES
	($$tint '1@2001-01-01' = tint '1@2001-01-01'$$, 'true'),
	($$tint '[1@2001-01-01, 2@2001-01-02]' = tint '{1@2001-01-01, 2@2001-01-02}'$$, 'false'),
	($$tint '1@2001-01-01' < tint '2@2001-01-01'$$, 'true'),
	($$tint '{1@2001-01-01}' > tint '1@2001-01-01'$$, 'true'),
	($$tint_cmp('1@2001-01-02', '5@2001-01-01')$$, '1'),
	($$tint_hash('[1@2001-01-01, 2@2001-01-02]') = tint_hash(tint '[1@2001-01-01, 1@2001-01-01 12:00, 2@2001-01-02]')$$, 'true');

-- Temporal aggregates (MobilityDB's manual): tcount, tmin, tmax, tsum
-- return tint, tavg a tfloat
CREATE TABLE agg_in (t tint);
INSERT INTO agg_in VALUES ('[1@2001-01-01, 1@2001-01-15)'), ('[2@2001-01-03, 2@2001-01-05)');
CREATE TABLE agg_disc (t tint);
INSERT INTO agg_disc VALUES ('{1@2001-01-01, 3@2001-01-03}'), ('{2@2001-01-03, 4@2001-01-05}');
INSERT INTO ref (expr, expected) VALUES
	($$(SELECT tcount(t) FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00, 1@2001-01-15 00:00:00+00)}'),
	($$(SELECT pg_typeof(tcount(t)) FROM agg_in)$$, 'tint'),
	($$(SELECT tmin(t) FROM agg_in)$$, '{[1@2001-01-01 00:00:00+00, 1@2001-01-15 00:00:00+00)}'),
	($$(SELECT tmax(t) FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00, 1@2001-01-15 00:00:00+00)}'),
	($$(SELECT tsum(t) FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 3@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00, 1@2001-01-15 00:00:00+00)}'),
	($$(SELECT tavg(t) FROM agg_in)$$,
	 'Interp=Step;{[1@2001-01-01 00:00:00+00, 1.5@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00, 1@2001-01-15 00:00:00+00)}'),
	($$(SELECT pg_typeof(tavg(t)) FROM agg_in)$$, 'tfloat'),
	($$(SELECT tcount(t) FROM agg_disc)$$,
	 '{1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00}'),
	($$(SELECT tsum(t) FROM agg_disc)$$,
	 '{1@2001-01-01 00:00:00+00, 5@2001-01-03 00:00:00+00, 4@2001-01-05 00:00:00+00}'),
	($$(SELECT tmin(t) FROM agg_disc)$$,
	 '{1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 4@2001-01-05 00:00:00+00}'),
	($$(SELECT tavg(t) FROM agg_disc)$$,
	 '{1@2001-01-01 00:00:00+00, 2.5@2001-01-03 00:00:00+00, 4@2001-01-05 00:00:00+00}'),
	-- tcount over tfloat is a tint too (issue 17)
	($$(SELECT tcount(t::tfloat) FROM agg_disc)$$,
	 '{1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-05 00:00:00+00}'),
	($$(SELECT pg_typeof(tcount(t::tfloat)) FROM agg_in)$$, 'tint');

-- Moving-window aggregates (MobilityDB's manual, window 2 days): each
-- step segment counts for its span extended by the window
INSERT INTO ref (expr, expected) VALUES
	($$(SELECT wmin(t, '2 days') FROM agg_in)$$, '{[1@2001-01-01 00:00:00+00, 1@2001-01-17 00:00:00+00)}'),
	($$(SELECT wmax(t, '2 days') FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-07 00:00:00+00, 1@2001-01-17 00:00:00+00)}'),
	($$(SELECT wcount(t, '2 days') FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 2@2001-01-03 00:00:00+00, 1@2001-01-07 00:00:00+00, 1@2001-01-17 00:00:00+00)}'),
	($$(SELECT wsum(t, '2 days') FROM agg_in)$$,
	 '{[1@2001-01-01 00:00:00+00, 3@2001-01-03 00:00:00+00, 1@2001-01-07 00:00:00+00, 1@2001-01-17 00:00:00+00)}'),
	($$(SELECT wavg(t, '2 days') FROM agg_in)$$,
	 'Interp=Step;{[1@2001-01-01 00:00:00+00, 1.5@2001-01-03 00:00:00+00, 1@2001-01-07 00:00:00+00, 1@2001-01-17 00:00:00+00)}'),
	($$(SELECT pg_typeof(wsum(t, '2 days')) FROM agg_in)$$, 'tint'),
	-- instants: in the window for [s, s + w]; a tint's wmin is a step set
	($$(SELECT wmin(t, '1 day') FROM agg_disc)$$,
	 '{[1@2001-01-01 00:00:00+00, 1@2001-01-02 00:00:00+00], [2@2001-01-03 00:00:00+00, 2@2001-01-04 00:00:00+00], [4@2001-01-05 00:00:00+00, 4@2001-01-06 00:00:00+00]}'),
	($$(SELECT wsum(t, '1 day') FROM agg_disc)$$,
	 '{[1@2001-01-01 00:00:00+00, 1@2001-01-02 00:00:00+00], [5@2001-01-03 00:00:00+00, 5@2001-01-04 00:00:00+00], [4@2001-01-05 00:00:00+00, 4@2001-01-06 00:00:00+00]}'),
	($$(SELECT wcount(t, '1 day') FROM agg_disc)$$,
	 '{[1@2001-01-01 00:00:00+00, 1@2001-01-02 00:00:00+00], [2@2001-01-03 00:00:00+00, 2@2001-01-04 00:00:00+00], [1@2001-01-05 00:00:00+00, 1@2001-01-06 00:00:00+00]}');

-- Window aggregation of the instants (cqstream's own)
INSERT INTO ref (expr, expected) VALUES
	($$(SELECT string_agg(value || '/' || count, ' ' ORDER BY window_start)
		FROM cqstream.window_aggregate(tint '{1@2001-01-01, 2@2001-01-01 12:00, 5@2001-01-02}', 'sum', cqstream.tumbling('1 day')))$$,
	 '3/2 5/1'),
	($$(SELECT string_agg(value::text, ' ' ORDER BY window_start)
		FROM cqstream.window_aggregate(tint '{1@2001-01-01, 2@2001-01-01 12:00, 5@2001-01-02}', 'AVG', cqstream.tumbling('1 day')))$$,
	 '1.5 5');

-- The table: every row must say true (an error is shown as the value)
CREATE FUNCTION pg_temp.eval(e text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE 'SELECT (' || e || ')::text' INTO r;
	RETURN r;
EXCEPTION WHEN OTHERS THEN
	RETURN 'ERROR: ' || SQLERRM;
END $$;
SELECT id, pg_temp.eval(expr) = expected AS ok,
	CASE WHEN pg_temp.eval(expr) IS DISTINCT FROM expected
		THEN expr || ' gives ' || coalesce(pg_temp.eval(expr), 'NULL') END AS difference
FROM ref ORDER BY id;
SELECT count(*) AS checks, count(*) FILTER (WHERE pg_temp.eval(expr) = expected) AS passed FROM ref;

-- Binary I/O through binary COPY: the same values back, exactly
SELECT current_setting('data_directory') || '/cqstream_regress_tint.copy' AS copy_tint \gset
CREATE TABLE tib (id int, t tint);
INSERT INTO tib VALUES (1, '5@2001-01-01'), (2, '{1@2001-01-01, -2147483648@2001-01-02}'),
	(3, '[2147483647@2001-01-01, 0@2001-01-02, 0@2001-01-03)'),
	(4, '{[1@2001-01-01, 1@2001-01-02), (3@2001-01-03, 3@2001-01-04]}');
COPY tib TO :'copy_tint' (FORMAT binary);
CREATE TABLE tib2 (id int, t tint);
COPY tib2 FROM :'copy_tint' (FORMAT binary);
SELECT a.id, a.t = b.t AS equal, tint_send(a.t) = tint_send(b.t) AS same_bytes,
	length(tint_send(a.t)) AS bytes
FROM tib a JOIN tib2 b USING (id) ORDER BY id;
-- A tint's binary values are int32: the bytes of a tfloat are refused
CREATE TABLE tib_f (id int, t tfloat);
INSERT INTO tib_f VALUES (1, '5@2001-01-01');
COPY tib_f TO :'copy_tint' (FORMAT binary);
COPY tib2 FROM :'copy_tint' (FORMAT binary);

-- Errors
SELECT tint '1.5@2001-01-01';
SELECT tint '2147483648@2001-01-01';
SELECT tint 'Interp=Linear;[1@2001-01-01, 2@2001-01-02]';
SELECT tint '[1@2001-01-01, 2@2001-01-02)';
SELECT tint '{1@2001-01-02, 2@2001-01-01}';
SELECT tint '';
SELECT tintSeq(ARRAY[tint '1@2001-01-01', '2@2001-01-02'], 'linear');
SELECT tintSeq(ARRAY[tint '1@2001-01-01', '2@2001-01-02'], 'cubic');
SELECT tintSeq(ARRAY[]::tint[]);
SELECT tintSeq(ARRAY[tint '1@2001-01-01', NULL]);
SELECT tintSeq(ARRAY[tint '{1@2001-01-01}']);
SELECT tintSeqSet(ARRAY[tint '1@2001-01-01']);
SELECT tfloat '[1.5@2001-01-01, 2.5@2001-01-03]'::tint;
SELECT tfloat '{1e10@2001-01-01}'::tint;
SELECT tfloat 'NaN@2001-01-01'::tint;
SELECT tintFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"interpolation":"None"}');
SELECT tintFromMFJSON('{"type":"MovingInteger","values":[1.5],"datetimes":["2000-01-01"],"interpolation":"None"}');
SELECT tintFromMFJSON('{"type":"MovingInteger","values":["NaN"],"datetimes":["2000-01-01"],"interpolation":"None"}');
SELECT tintFromMFJSON('{"type":"MovingInteger","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"interpolation":"Linear"}');
SELECT tsum(t) FROM (VALUES (tint '2000000000@2001-01-01'), ('2000000000@2001-01-01')) v(t);
SELECT wsum(t, '1 day') FROM (VALUES (tint '2147483647@2001-01-01'), ('1@2001-01-01')) v(t);
SELECT tmin(t) FROM (VALUES (tint '1@2001-01-01'), ('[1@2001-01-01, 2@2001-01-02]')) v(t);
SELECT wmin(t, '-1 day') FROM (VALUES (tint '1@2001-01-01')) v(t);

DROP TABLE ref, agg_in, agg_disc, tib, tib2, tib_f;
