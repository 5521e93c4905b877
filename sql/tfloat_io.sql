--
-- tfloat text input and output (MobilityDB-compatible literals)
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- Subtypes
SELECT '1.5@2001-01-01'::tfloat;
SELECT '  1.5 @ 2001-01-01 08:00:00+02  '::tfloat;
SELECT '{1@2001-01-01, 2@2001-01-02, 1@2001-01-03}'::tfloat;
SELECT '[1@2001-01-01, 2@2001-01-02]'::tfloat;
SELECT '(1@2001-01-01, 2@2001-01-02)'::tfloat;
SELECT '[1@2001-01-01, 2@2001-01-02)'::tfloat;
SELECT '(1@2001-01-01, 2@2001-01-02]'::tfloat;
SELECT '[1@2001-01-01]'::tfloat;
SELECT '{[1@2001-01-01, 2@2001-01-02], [3@2001-01-03, 4@2001-01-04)}'::tfloat;
SELECT '{[1@2001-01-01], (1@2001-01-02, 2@2001-01-03]}'::tfloat;

-- Step interpolation: prefix case-insensitive, blanks around it
SELECT 'Interp=Step;[1@2001-01-01, 2@2001-01-02]'::tfloat;
SELECT '  interp=step;[1@2001-01-01, 2@2001-01-02]'::tfloat;
SELECT '  INTERP=STEP;  [1@2001-01-01, 2@2001-01-02, 2@2001-01-03)'::tfloat;
SELECT 'Interp=Step;{[1@2001-01-01, 2@2001-01-02], [3@2001-01-03]}'::tfloat;
-- accepted and ignored on instants and discrete sequences
SELECT 'Interp=Step;1@2001-01-01'::tfloat;
SELECT 'Interp=Step;{1@2001-01-01, 2@2001-01-02}'::tfloat;

-- Normalization: linear drops collinear middle instants (within 1e-6)
SELECT '[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]'::tfloat;
SELECT '[1@2001-01-01, 2.0000005@2001-01-02, 3@2001-01-03]'::tfloat;
SELECT '[1@2001-01-01, 2.000002@2001-01-02, 3@2001-01-03]'::tfloat;
SELECT '[1@2001-01-01, 1@2001-01-02, 1@2001-01-03, 1@2001-01-04)'::tfloat;
SELECT '[1@2001-01-01, 2@2001-01-02, 3@2001-01-03, 3@2001-01-04, 3@2001-01-05]'::tfloat;
-- step drops a middle instant equal to the previous value
SELECT 'Interp=Step;[1@2001-01-01, 1@2001-01-02, 2@2001-01-03, 2@2001-01-04]'::tfloat;
-- discrete sequences are never normalized
SELECT '{1@2001-01-01, 2@2001-01-02, 3@2001-01-03}'::tfloat;
-- a set joins sequences that continue each other
SELECT '{[1@2001-01-01, 2@2001-01-02), [2@2001-01-02, 3@2001-01-03]}'::tfloat;
SELECT '{[1@2001-01-01, 2@2001-01-02], (2@2001-01-02, 5@2001-01-03]}'::tfloat;
SELECT 'Interp=Step;{[1@2001-01-01, 1@2001-01-02), [1@2001-01-02, 3@2001-01-03]}'::tfloat;
-- a step sequence open at its end continues into the next whatever its value
SELECT 'Interp=Step;{[1@2001-01-01, 1@2001-01-02), [2@2001-01-02, 3@2001-01-03]}'::tfloat;
SELECT 'Interp=Step;{[1@2001-01-01, 1@2001-01-02), [2@2001-01-02, 2@2001-01-03), [5@2001-01-03]}'::tfloat;
SELECT 'Interp=Step;{[1@2001-01-01, 2@2001-01-02], (2@2001-01-02, 3@2001-01-03]}'::tfloat;
SELECT 'Interp=Step;{[1@2001-01-01, 2@2001-01-02], (3@2001-01-02, 3@2001-01-03]}'::tfloat;
-- ... but not when the values differ or both bounds are exclusive
SELECT '{[1@2001-01-01, 2@2001-01-02), [3@2001-01-02, 3@2001-01-03]}'::tfloat;
SELECT '{[1@2001-01-01, 2@2001-01-02), (2@2001-01-02, 3@2001-01-03]}'::tfloat;

-- Floats: shortest round-trip decimal, at most 15 decimals (half-even),
-- exponent form when |d| <= 1e-8 or >= 1e15, -0 prints 0
SELECT (v || '@2001-01-01')::tfloat
FROM (VALUES ((1::float8 / 3)::text), ((2::float8 / 3)::text),
			 (exp(1::float8)::text), (exp(2::float8)::text),
			 ('123456.789012345678'), ('0.1234567890123465'), ('1e-7'),
			 ('1e-8'), ('1e-9'), ('1e15'), ('1.25e15'), ('999999999999999.9'),
			 ('-0'), ('0.9999999999999999'), ('1234567890123456789'),
			 ('-123.5e-12'), ('5e-324'), ('1.7976931348623157e308'),
			 ('-1.7976931348623157e308'), ('NaN'), ('Infinity'),
			 ('-Infinity'), ('  +2.50  ')) AS t(v);

-- Text is stable after the first print (15 decimals), and the largest
-- doubles print as numbers that read back
SELECT t::text::tfloat::text = t::text AS same
FROM (VALUES ('1.7976931348623157e308@2001-01-01'::tfloat),
			 ('-1.7976931348623157e308@2001-01-01'::tfloat),
			 ('5e-324@2001-01-01'::tfloat)) AS v(t);

-- Timestamps: session TimeZone and DateStyle, on input and output
SET TimeZone = 'America/New_York';
SELECT '[1@2001-01-01 00:00:00, 2@2001-07-01 12:30:00.25+00]'::tfloat;
SET TimeZone = 'Asia/Kolkata';
SELECT '1@2001-01-01 00:00:00+00'::tfloat;
SET DateStyle = 'SQL, DMY';
SELECT '1@02/01/2001 10:00'::tfloat;
SET DateStyle = 'Postgres, MDY';
SELECT '{1@2001-01-02, 2@2001-01-03}'::tfloat;
SET DateStyle = 'German';
SELECT '1@2001-01-02 03:04:05.123456'::tfloat;
SET DateStyle = 'ISO, MDY';
SET TimeZone = 'UTC';
SELECT '1@epoch'::tfloat;
SELECT '1@0044-03-15 BC'::tfloat;
SELECT '1@294276-12-31 23:59:59'::tfloat;
SELECT '1@4713-11-24 BC'::tfloat;

-- Malformed literals: 22P02
SELECT ''::tfloat;
SELECT '   '::tfloat;
SELECT '1.5'::tfloat;
SELECT '@2001-01-01'::tfloat;
SELECT '1.5@'::tfloat;
SELECT '1,5@2001-01-01'::tfloat;
SELECT '1.5x@2001-01-01'::tfloat;
SELECT 'abc@2001-01-01'::tfloat;
SELECT '1.5@notadate'::tfloat;
SELECT '1.5@2001-01-01 junk'::tfloat;
SELECT '1.5@2001-01-01@2001-01-02'::tfloat;
SELECT '1.5@2001-01-01]'::tfloat;
SELECT '1.5@2001-01-01, 2@2001-01-02'::tfloat;
SELECT '{}'::tfloat;
SELECT '[]'::tfloat;
SELECT '{[]}'::tfloat;
SELECT '[1@2001-01-01'::tfloat;
SELECT '[1@2001-01-01, 2@2001-01-02'::tfloat;
SELECT '[1@2001-01-01,]'::tfloat;
SELECT '[1@2001-01-01 2@2001-01-02]'::tfloat;
SELECT '{1@2001-01-01, 2@2001-01-02'::tfloat;
SELECT '{1@2001-01-01, [2@2001-01-02]}'::tfloat;
SELECT '{[1@2001-01-01], 2@2001-01-02}'::tfloat;
SELECT '{[1@2001-01-01]'::tfloat;
SELECT '{[1@2001-01-01]} x'::tfloat;
SELECT '[[1@2001-01-01]]'::tfloat;
SELECT 'Interp=Linear;[1@2001-01-01, 2@2001-01-02]'::tfloat;
SELECT 'Interp=Discrete;{1@2001-01-01}'::tfloat;
SELECT 'Interp=Step[1@2001-01-01]'::tfloat;
SELECT 'Interp=Step;'::tfloat;
SELECT 'Interp=Step ;[1@2001-01-01]'::tfloat;
-- rules: increasing timestamps, bounds of one instant, step end value,
-- sequences of a set that overlap
SELECT '{1@2001-01-02, 2@2001-01-01}'::tfloat;
SELECT '{1@2001-01-01, 2@2001-01-01}'::tfloat;
SELECT '[1@2001-01-02, 2@2001-01-01]'::tfloat;
SELECT '[1@2001-01-01, 2@2001-01-01]'::tfloat;
SELECT '(1@2001-01-01]'::tfloat;
SELECT '[1@2001-01-01)'::tfloat;
SELECT 'Interp=Step;[1@2001-01-01, 2@2001-01-02)'::tfloat;
SELECT '{[1@2001-01-01, 2@2001-01-03], [3@2001-01-02, 4@2001-01-04]}'::tfloat;
SELECT '{[1@2001-01-01, 2@2001-01-02], [3@2001-01-02, 4@2001-01-04]}'::tfloat;
-- a value may span about 292,000 years (timestamptz covers 299,000)
SELECT '{1@4713-11-24 BC, 2@294276-12-31}'::tfloat;
-- numbers and timestamps out of range: 22003, 22008
SELECT '1e400@2001-01-01'::tfloat;
SELECT '-1e400@2001-01-01'::tfloat;
SELECT '1@2001-13-01'::tfloat;
SELECT '1@2001-02-30'::tfloat;
SELECT '1@294277-01-01'::tfloat;
SELECT '1@4714-11-23 BC'::tfloat;
SELECT '1@2001-01-01 25:00'::tfloat;
-- infinite timestamps have no place on a time line
SELECT '1@infinity'::tfloat;
SELECT '1.5@-infinity'::tfloat;
SELECT '[1@2001-01-01, 2@infinity]'::tfloat;
-- ... and the SQLSTATE of each: 22P02 for syntax and rules, 22003 for
-- numbers, 22008 for timestamps out of range
CREATE FUNCTION pg_temp.tfloat_sqlstate(lit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM lit::tfloat;
	RETURN 'accepted';
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE;
END $$;
SELECT lit, pg_temp.tfloat_sqlstate(lit) AS sqlstate
FROM (VALUES
	(''),
	('   '),
	('1.5'),
	('@2001-01-01'),
	('1.5@'),
	('1,5@2001-01-01'),
	('1.5x@2001-01-01'),
	('abc@2001-01-01'),
	('1.5@notadate'),
	('1.5@2001-01-01 junk'),
	('1.5@2001-01-01@2001-01-02'),
	('1.5@2001-01-01]'),
	('1.5@2001-01-01, 2@2001-01-02'),
	('{}'),
	('[]'),
	('{[]}'),
	('[1@2001-01-01'),
	('[1@2001-01-01, 2@2001-01-02'),
	('[1@2001-01-01,]'),
	('[1@2001-01-01 2@2001-01-02]'),
	('{1@2001-01-01, 2@2001-01-02'),
	('{1@2001-01-01, [2@2001-01-02]}'),
	('{[1@2001-01-01], 2@2001-01-02}'),
	('{[1@2001-01-01]'),
	('{[1@2001-01-01]} x'),
	('[[1@2001-01-01]]'),
	('Interp=Linear;[1@2001-01-01, 2@2001-01-02]'),
	('Interp=Discrete;{1@2001-01-01}'),
	('Interp=Step[1@2001-01-01]'),
	('Interp=Step;'),
	('Interp=Step ;[1@2001-01-01]'),
	('{1@2001-01-02, 2@2001-01-01}'),
	('{1@2001-01-01, 2@2001-01-01}'),
	('[1@2001-01-02, 2@2001-01-01]'),
	('[1@2001-01-01, 2@2001-01-01]'),
	('(1@2001-01-01]'),
	('[1@2001-01-01)'),
	('Interp=Step;[1@2001-01-01, 2@2001-01-02)'),
	('{[1@2001-01-01, 2@2001-01-03], [3@2001-01-02, 4@2001-01-04]}'),
	('{[1@2001-01-01, 2@2001-01-02], [3@2001-01-02, 4@2001-01-04]}'),
	('{1@4713-11-24 BC, 2@294276-12-31}'),
	('1e400@2001-01-01'),
	('-1e400@2001-01-01'),
	('1@2001-13-01'),
	('1@2001-02-30'),
	('1@294277-01-01'),
	('1@4714-11-23 BC'),
	('1@2001-01-01 25:00'),
	('1@infinity'),
	('1.5@-infinity'),
	('[1@2001-01-01, 2@infinity]')) AS v(lit);

-- Storage: a 16-byte header and 16 bytes per instant (8 more per
-- sequence in a set)
SELECT pg_column_size('1@2001-01-01'::tfloat) AS instant,
	   pg_column_size('{1@2001-01-01, 2@2001-01-02}'::tfloat) AS discrete2,
	   pg_column_size('[1@2001-01-01, 2@2001-01-02, 1@2001-01-03]'::tfloat) AS seq3,
	   pg_column_size('{[1@2001-01-01], [2@2001-01-02]}'::tfloat) AS set2;
SELECT (pg_column_size(t) - 16) / numinst AS bytes_per_instant
FROM (SELECT ('{' || string_agg(i || '@' || ('2001-01-01'::timestamptz + i * interval '1 s'), ',') || '}')::tfloat AS t,
			 count(*) AS numinst
	  FROM generate_series(1, 1000) AS i) AS s;

-- Values are TOAST-able: a large value in a table reads back unchanged
CREATE TABLE tfloat_io_big (t tfloat);
INSERT INTO tfloat_io_big
SELECT ('[' || string_agg((i % 7) || '@' || ('2001-01-01'::timestamptz + i * interval '1 s'), ',') || ']')::tfloat
FROM generate_series(1, 20000) AS i;
SELECT pg_column_size(t) < 16 + 20000 * 16 AS compressed,
	   t::text = (SELECT t::text::tfloat::text FROM tfloat_io_big) AS same
FROM tfloat_io_big;
DROP TABLE tfloat_io_big;

-- Timestamps print and read exactly as timestamptz does, in every zone,
-- across DST changes and historical offsets (tfloat takes a fast path for
-- ISO text; this checks it against PostgreSQL's own routines)
SELECT setseed(0.25);
CREATE TEMP TABLE io_ts AS
SELECT '1880-01-01'::timestamptz + random() * interval '260 years'
	   + (random() * 1000000)::int * interval '1 microsecond' AS t
FROM generate_series(1, 20000);
INSERT INTO io_ts
SELECT c + i * interval '7 minutes'
FROM unnest(ARRAY['2026-03-08 07:00+00', '2026-11-01 06:00+00',
				  '2026-03-29 01:00+00', '2026-10-25 01:00+00',
				  '2026-04-05 15:00+00']::timestamptz[]) AS c,
	 generate_series(-300, 300) AS i;
CREATE FUNCTION pg_temp.io_ts_mismatches(OUT zone text, OUT out_bad bigint,
										 OUT in_bad bigint, OUT checked bigint)
RETURNS SETOF record LANGUAGE plpgsql AS $$
BEGIN
	FOREACH zone IN ARRAY ARRAY['UTC', 'America/New_York', 'Asia/Kolkata',
								'Pacific/Chatham', 'Australia/Lord_Howe',
								'America/St_Johns', 'Africa/Monrovia',
								'Europe/Amsterdam'] LOOP
		EXECUTE format('SET LOCAL TimeZone = %L', zone);
		SELECT count(*) FILTER (WHERE ('1@' || t)::tfloat::text <> '1@' || t),
			   count(*) FILTER (WHERE ('1@' || to_char(t, 'YYYY-MM-DD HH24:MI:SS.US'))::tfloat
							   <> ('1@' || to_char(t, 'YYYY-MM-DD HH24:MI:SS.US')::timestamptz)::tfloat),
			   count(*)
		INTO out_bad, in_bad, checked
		FROM io_ts;
		RETURN NEXT;
	END LOOP;
END $$;
SELECT * FROM pg_temp.io_ts_mismatches();
SET TimeZone = 'UTC';

-- Printing is a fixpoint: text read back prints the same (found by the
-- fuzzer).  Rounding to 15 decimals would print 0.00000001, read back as
-- 1e-8 (exponent form); 1e+23 would read back as the double below it.
SELECT v::tfloat::text AS printed,
	v::tfloat::text::tfloat::text = v::tfloat::text AS stable
FROM (VALUES ('0.0000000100000000001@2000-01-01 00:00:00+00'),
	('100000000000000008388608@2000-01-01 00:00:00+00'),
	('0.30000000000000004@2000-01-01 00:00:00+00'),
	('-0.000000010000000000000002@2000-01-01 00:00:00+00')) AS t(v);
