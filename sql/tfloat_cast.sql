--
-- The cast text -> tfloat (tfloat_from_text, parsing the text in place)
-- gives what the type's input gives, value for value and error for
-- error; and the fast path for plain decimals converts exactly as
-- float8 input does.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- What a path gives: the value's text, or SQLSTATE and message
CREATE FUNCTION pg_temp.via_cast(lit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	RETURN lit::tfloat::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;
CREATE FUNCTION pg_temp.via_input(lit text) RETURNS text
LANGUAGE plpgsql AS $$
BEGIN
	-- varchar has no cast to tfloat: I/O conversion, tfloat_in
	RETURN lit::varchar::tfloat::text;
EXCEPTION WHEN OTHERS THEN
	RETURN SQLSTATE || ': ' || SQLERRM;
END $$;

-- the cast is the function (not I/O conversion)
SELECT castfunc::regproc FROM pg_cast
WHERE castsource = 'text'::regtype AND casttarget = 'tfloat'::regtype;

CREATE TEMP TABLE lits (lit text);
INSERT INTO lits VALUES
	('1.5@2001-01-01'), ('  1.5 @ 2001-01-01 08:00:00+02  '),
	('{1@2001-01-01, 2@2001-01-02, 1@2001-01-03}'),
	('[1@2001-01-01, 2@2001-01-02)'), ('(1@2001-01-01, 2@2001-01-02]'),
	('{[1@2001-01-01, 2@2001-01-02], [3@2001-01-03, 4@2001-01-04)}'),
	('Interp=Step;[1@2001-01-01, 2@2001-01-02]'),
	-- numbers: the fast path and every way around it
	('0@2001-01-01'), ('-0@2001-01-01'), ('.5@2001-01-01'), ('5.@2001-01-01'),
	('0.1@2001-01-01'), ('-0.30000000000000004@2001-01-01'),
	('1e5@2001-01-01'), ('1E-5@2001-01-01'), ('1e+22@2001-01-01'),
	('1e-22@2001-01-01'), ('1e23@2001-01-01'), ('1e-23@2001-01-01'),
	('9007199254740991@2001-01-01'), ('9007199254740992@2001-01-01'),
	('9007199254740993@2001-01-01'), ('123456789012345678901234@2001-01-01'),
	('0.000000000000000000000000001@2001-01-01'), ('00001.2500@2001-01-01'),
	('+1@2001-01-01'), ('NaN@2001-01-01'), ('Infinity@2001-01-01'),
	('-inf@2001-01-01'), ('1e308@2001-01-01'), ('4.9e-324@2001-01-01'),
	('-0e5@2001-01-01'), ('1E+05@2001-01-01'), ('1e0022@2001-01-01'),
	('1e00005@2001-01-01'), ('0e400@2001-01-01'), ('4.35@2001-01-01'),
	('9007199254740991e-22@2001-01-01'), ('-.5e-3@2001-01-01'),
	-- errors: both paths must say the same
	('1e@2001-01-01'), ('1e+@2001-01-01'), ('-@2001-01-01'), ('.@2001-01-01'),
	('1e400@2001-01-01'), ('1.5.2@2001-01-01'), ('1,5@2001-01-01'),
	('--1@2001-01-01'), ('1@'), ('@2001-01-01'), (''), ('[1@2001-01-01'),
	('{1@2001-01-01} x'), ('1@2001-13-01'), ('1@infinity');
SELECT lit, pg_temp.via_cast(lit) AS cast_gives
FROM lits WHERE pg_temp.via_cast(lit) IS DISTINCT FROM pg_temp.via_input(lit);
-- both paths share the parser: each value is also checked bit for bit
-- (sign of zero included) against float8 input of its number
CREATE FUNCTION pg_temp.float8_or_null(s text) RETURNS float8
LANGUAGE plpgsql AS $$
BEGIN
	RETURN s::float8;
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END $$;
CREATE FUNCTION pg_temp.value_or_null(lit text) RETURNS float8
LANGUAGE plpgsql AS $$
BEGIN
	RETURN startValue(lit::tfloat);
EXCEPTION WHEN OTHERS THEN
	RETURN NULL;
END $$;
WITH n AS (
	SELECT lit, pg_temp.float8_or_null(split_part(lit, '@', 1)) AS f,
		pg_temp.value_or_null(lit) AS v
	FROM lits
	WHERE lit LIKE '%@2001-01-01' AND lit NOT LIKE '%[%' AND lit NOT LIKE '%{%')
SELECT count(*) FILTER (WHERE f IS NOT NULL) AS numbers_checked,
	count(*) FILTER (WHERE f IS NOT NULL
		AND float8send(v) IS DISTINCT FROM float8send(f)) AS mismatches
FROM n;
SELECT count(*) AS literals, count(*) FILTER (WHERE pg_temp.via_cast(lit) LIKE '%: %') AS errors
FROM lits;
SELECT lit, pg_temp.via_cast(lit) FROM lits ORDER BY lit COLLATE "C";

-- 100,000 random decimals (1 to 20 digits, a point anywhere, first or
-- none, exponents -30 to 30 with e or E, + and zero padding, signs,
-- leading zeros): bit for bit float8 input
SELECT setseed(0.42);
CREATE TEMP TABLE decs AS
SELECT CASE WHEN random() < 0.3 THEN '-' ELSE '' END
	|| CASE WHEN random() < 0.1 THEN '000' ELSE '' END
	|| CASE WHEN p < 0 THEN d WHEN p = 0 THEN '.' || d
		ELSE left(d, p) || '.' || substr(d, p + 1) END
	|| CASE WHEN random() < 0.4 THEN
		(CASE WHEN random() < 0.5 THEN 'e' ELSE 'E' END)
		|| (CASE WHEN e < 0 THEN '-' WHEN random() < 0.3 THEN '+' ELSE '' END)
		|| (CASE WHEN random() < 0.2 THEN '00' ELSE '' END)
		|| abs(e) ELSE '' END
	AS s
FROM (SELECT d, floor(random() * (length(d) + 2))::int - 1 AS p,
		(floor(random() * 61) - 30)::int AS e
	  FROM (SELECT (SELECT string_agg(floor(random() * 10)::int::text, '')
					FROM generate_series(1, 1 + (i % 20)) WHERE i > 0) AS d
			FROM generate_series(1, 100000) AS i) x) y;
SELECT count(*) AS decimals,
	count(*) FILTER (WHERE float8send(s::float8)
		IS DISTINCT FROM float8send(startValue((s || '@2001-01-01')::text::tfloat)))
		AS mismatches
FROM decs;

-- A large value, stored out of line: the same as the type's input
CREATE TEMP TABLE big (t text);
ALTER TABLE big ALTER COLUMN t SET STORAGE external;
INSERT INTO big
SELECT '[' || string_agg(round((random() * 200 - 100)::numeric, 4) || '@'
	|| ('2001-01-01'::timestamptz + g * interval '1 s'), ',  ' ORDER BY g) || ']'
FROM generate_series(1, 50000) g;
SELECT pg_column_size(t) = octet_length(t) AS out_of_line_uncompressed,
	t::tfloat = t::varchar::tfloat AS same_value,
	numInstants(t::tfloat) AS instants
FROM big;
