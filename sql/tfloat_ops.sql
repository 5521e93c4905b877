--
-- Lifted tfloat operations and the operation catalogue
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- The SQLSTATE, message and detail of a failing expression
CREATE FUNCTION pg_temp.err(expr text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	detail text;
BEGIN
	EXECUTE 'SELECT ' || expr;
	RETURN 'no error';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS detail = PG_EXCEPTION_DETAIL;
	RETURN SQLSTATE || ': ' || SQLERRM ||
		coalesce(' (' || nullif(detail, '') || ')', '');
END
$$;

--
-- The catalogue
--
SELECT * FROM cqstream.operations();

--
-- Chains on one value
--
SELECT cqstream.apply_operations(21.5, 'mul 1.8 | add 32');
SELECT cqstream.apply_operations(21.5, '  MUL   1.8|Add 32  ');
SELECT cqstream.apply_operations(100, 'log10');
SELECT cqstream.apply_operations(2.5, 'round');
SELECT cqstream.apply_operations(-2.5, 'round');
SELECT cqstream.apply_operations(2.345, 'round 2');
SELECT cqstream.apply_operations(-1.5, 'abs | ceil | floor');
SELECT cqstream.apply_operations(pi(), 'degrees | radians');
SELECT cqstream.apply_operations(1, 'exp | ln');
SELECT cqstream.apply_operations(10, 'sub 4 | div 3');
SELECT cqstream.apply_operations(1, 'add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1');
SELECT cqstream.apply_operations('NaN', 'ln | add 1');
SELECT cqstream.apply_operations('Infinity', 'ln');
SELECT cqstream.apply_operations(1, 'div 1e-6');
-- outside a domain: NULL (a continuous query skips the row)
SELECT cqstream.apply_operations(0, 'ln');
SELECT cqstream.apply_operations(-1, 'log10');
SELECT cqstream.apply_operations(1, 'sub 1 | ln');
SELECT cqstream.apply_operations(710, 'exp');
SELECT cqstream.apply_operations(-746, 'exp');
SELECT cqstream.apply_operations(1e308, 'mul 10');
SELECT cqstream.apply_operations(1e-308, 'mul 1e-308');
SELECT cqstream.apply_operations(1e308, 'add 1e308');
SELECT cqstream.apply_operations(1e308, 'degrees');
SELECT cqstream.apply_operations(5e-324, 'radians');
SELECT cqstream.apply_operations(1e308, 'div 1e-5');
-- malformed chains: 22023 (22012 for a division by ~0), each on its own line
SELECT pg_temp.err($$cqstream.apply_operations(1, '')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, '   ')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'ln |')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, '| ln')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'ln || abs')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'sqrt')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'rdiv 2')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'mul')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'ln 2')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'mul 1 2')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'mul abc')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'mul 1.8x')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'mul NaN')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'add Infinity')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'add 1e999')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'div 0')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'div -1e-7')$$);
-- a negative number of digits rounds to tens, hundreds, ... (MobilityDB)
SELECT cqstream.apply_operations(1234.5, 'round -1'), cqstream.apply_operations(1250, 'round -2'),
       cqstream.apply_operations(-1250, 'round -2'), cqstream.apply_operations(-3, 'round -1'),
       cqstream.apply_operations(5e307, 'round -308'), cqstream.apply_operations(1.7e308, 'round -308'),
       cqstream.apply_operations(-5, 'round -400');
SELECT pg_temp.err($$cqstream.apply_operations(1, 'round -1e10')$$);
-- a product or quotient too small for a double is 0, as in MobilityDB
SELECT cqstream.apply_operations(1e-300, 'div 1e300'), cqstream.apply_operations(1e-200, 'mul 1e-200'),
       cqstream.apply_operations(-1e-300, 'div 1e300'), cqstream.apply_operations(1e-310, 'div 2');
SELECT pg_temp.err($$cqstream.apply_operations(1, 'round 1.5')$$);
SELECT pg_temp.err($$cqstream.apply_operations(1, 'add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1|add 1')$$);
-- the hint lists the operations
SELECT cqstream.apply_operations(1, 'sqrt 2');
SELECT cqstream.apply_operations(1, 'mul 1.8 | add');
SELECT cqstream.apply_operations(NULL, 'ln') IS NULL AS strict;

--
-- Lifted unary functions: the reference's examples
--
SELECT ceil('[1.5@2000-01-01, 3.2@2000-01-03]'::tfloat);
SELECT abs('[-1@2000-01-01, 1@2000-01-03]'::tfloat);
SELECT floor('[1.5@2000-01-01, 3.2@2000-01-03]'::tfloat);
SELECT round('[1.5@2000-01-01, -2.5@2000-01-03]'::tfloat);
SELECT round('[1.2345@2000-01-01, -2.5555@2000-01-03]'::tfloat, 2);
SELECT round('{0.5@2000-01-01, -0.5@2000-01-02, 0.49999999999999994@2000-01-03}'::tfloat);
SELECT round('1e300@2000-01-01'::tfloat, 100);
SELECT round('1.5@2000-01-01'::tfloat, 2147483647);
SELECT degrees('[-3.141592653589793@2000-01-01, 7@2000-01-02]'::tfloat);
SELECT degrees('[-3.141592653589793@2000-01-01, 7@2000-01-02]'::tfloat, true);
SELECT degrees('{-1e-300@2000-01-01, -0@2000-01-02, 6.283185307179586@2000-01-03}'::tfloat, true);
SELECT radians('[180@2000-01-01, 90@2000-01-02]'::tfloat);
SELECT ln('[1@2000-01-01, 2.718281828459045@2000-01-02]'::tfloat);
SELECT log10('{1@2000-01-01, 10@2000-01-02, 1000@2000-01-03}'::tfloat);
SELECT exp('[0@2000-01-01, 1@2000-01-02, 2@2000-01-03]'::tfloat);
SELECT exp('[-Infinity@2000-01-01, Infinity@2000-01-02]'::tfloat);
SELECT exp('-745@2000-01-01'::tfloat);

-- every subtype keeps its shape, interpolation and bounds
SELECT ceil('1.5@2000-01-01'::tfloat);
SELECT ceil('{1.5@2000-01-01, 2.5@2000-01-02}'::tfloat);
SELECT ceil('(1.5@2000-01-01, 2.5@2000-01-02)'::tfloat);
SELECT ceil('[1.5@2000-01-01]'::tfloat);
SELECT ceil('Interp=Step;[1.5@2000-01-01, 2.5@2000-01-02, 2.5@2000-01-03)'::tfloat);
SELECT ceil('{[1.5@2000-01-01, 2.5@2000-01-02), (3.5@2000-01-03, 4.5@2000-01-04]}'::tfloat);
SELECT ceil('Interp=Step;{[1.5@2000-01-01, 2.5@2000-01-02], [3.5@2000-01-03]}'::tfloat);
-- results are renormalized: collinear middle instants go, equal steps merge
SELECT ceil('[1.5@2000-01-01, 2.5@2000-01-02, 3.2@2000-01-03]'::tfloat);
SELECT ceil('[1.5@2000-01-01, 1.6@2000-01-02, 3.2@2000-01-03]'::tfloat);
SELECT floor('Interp=Step;[1.5@2000-01-01, 1.6@2000-01-02, 3.2@2000-01-03]'::tfloat);
-- sequences of a set that come to continue each other are joined
SELECT floor('{[1@2000-01-01, 1.5@2000-01-02), [1.7@2000-01-02, 3@2000-01-03]}'::tfloat);
-- discrete sequences are never normalized
SELECT floor('{1.5@2000-01-01, 1.6@2000-01-02, 1.7@2000-01-03}'::tfloat);

-- abs adds the zero crossings of linear segments
SELECT abs('[-1@2000-01-01, 1@2000-01-03]'::tfloat);
SELECT abs('(-1@2000-01-01, 3@2000-01-05)'::tfloat);
SELECT abs('[-1@2000-01-01, 1@2000-01-03, -1@2000-01-05, -2@2000-01-06]'::tfloat);
SELECT abs('{[-1@2000-01-01, 1@2000-01-03], (2@2000-01-04, -2@2000-01-06)}'::tfloat);
-- the crossing time is truncated to the microsecond (as MobilityDB)
SELECT abs('[-1@2000-01-01 00:00:00, 2@2000-01-01 00:00:00.000001]'::tfloat);
SELECT abs('[-1@2000-01-01 00:00:00, 2@2000-01-01 00:00:00.000004]'::tfloat);
SELECT abs('[-2@2000-01-01 00:00:00, 1@2000-01-01 00:00:00.000010]'::tfloat);
-- crossing exactly at an instant: nothing added
SELECT abs('[-1@2000-01-01, 0@2000-01-02, 1@2000-01-03]'::tfloat);
SELECT abs('(0@2000-01-01, -1@2000-01-02]'::tfloat);
-- no crossing for step, discrete and instants
SELECT abs('Interp=Step;[-1@2000-01-01, 1@2000-01-03]'::tfloat);
SELECT abs('{-1@2000-01-01, 1@2000-01-03}'::tfloat);
SELECT abs('-1.5@2000-01-01'::tfloat);
SELECT abs('[-1.5@2000-01-01]'::tfloat);
-- huge and infinite ends
SELECT abs('[-1e308@2000-01-01, 1e308@2000-01-03]'::tfloat);
SELECT abs('[-Infinity@2000-01-01, 1@2000-01-03]'::tfloat);
SELECT abs('[NaN@2000-01-01, -1@2000-01-03]'::tfloat);

-- NaN passes through
SELECT ln('{NaN@2000-01-01, 1@2000-01-02}'::tfloat);
SELECT ceil('[NaN@2000-01-01, NaN@2000-01-02, 1@2000-01-03]'::tfloat);
SELECT exp('NaN@2000-01-01'::tfloat);
SELECT ln('Infinity@2000-01-01'::tfloat);

-- domain errors, with their SQLSTATE
SELECT pg_temp.err($$ln('0@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$ln('-1@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$ln('[1@2000-01-01, 0@2000-01-02]'::tfloat)$$);
SELECT pg_temp.err($$ln('[1@2000-01-01, 0@2000-01-02)'::tfloat)$$);
SELECT pg_temp.err($$ln('[1@2000-01-01, -1@2000-01-02]'::tfloat)$$);
SELECT pg_temp.err($$ln('{[1@2000-01-01], [-1@2000-01-02, 0@2000-01-03]}'::tfloat)$$);
SELECT pg_temp.err($$ln('-Infinity@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$log10('{1@2000-01-01, 0@2000-01-02}'::tfloat)$$);
SELECT pg_temp.err($$log10('-0.001@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$exp('[1@2000-01-01, 710@2000-01-02]'::tfloat)$$);
SELECT pg_temp.err($$exp('-746@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$degrees('1e308@2000-01-01'::tfloat)$$);
SELECT pg_temp.err($$radians('5e-324@2000-01-01'::tfloat)$$);
-- negative digits: tens, hundreds, ... (MobilityDB's float_round)
SELECT round('[1234.5@2000-01-01, 1250@2000-01-02, -1251@2000-01-03]'::tfloat, -1),
       round('{1234.5@2000-01-01, 1250@2000-01-02, -1251@2000-01-03}'::tfloat, -2),
       round('Interp=Step;[44@2000-01-01, 56@2000-01-02]'::tfloat, -1);

--
-- Arithmetic with a scalar
--
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat + 1.5;
SELECT 1.5 + '[1@2000-01-01, 2@2000-01-02]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat - 1.5;
SELECT 1.5 - '[1@2000-01-01, 2@2000-01-02]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 2;
SELECT 2 * '[1@2000-01-01, 2@2000-01-02]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 2.0;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat / 4;
SELECT 4 / '[1@2000-01-01, 2@2000-01-02]'::tfloat;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 2::bigint;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 2::smallint;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 2::real;
-- operators resolve to ours, with no ambiguity
SELECT oprname, oprleft::regtype, oprright::regtype, oprresult::regtype,
	oprcom::regoperator
FROM pg_operator WHERE (oprleft = 'tfloat'::regtype OR oprright = 'tfloat'::regtype)
	AND oprname IN ('+', '-', '*', '/')
ORDER BY oprname, oprleft::regtype::text;
-- every subtype; step stays step, bounds stay
SELECT '1@2000-01-01'::tfloat * 3;
SELECT '{1@2000-01-01, 2@2000-01-02}'::tfloat - 1;
SELECT 'Interp=Step;(1@2000-01-01, 2@2000-01-02, 2@2000-01-03)'::tfloat * 3;
SELECT '{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}'::tfloat + 1;
SELECT 10 - 'Interp=Step;{[1@2000-01-01, 2@2000-01-02], [3@2000-01-03]}'::tfloat;
SELECT 1 / '{[1@2000-01-01, 2@2000-01-02), (-4@2000-01-03, -2@2000-01-04]}'::tfloat;
-- a step divisor never passes through 0
SELECT 1 / 'Interp=Step;[-1@2000-01-01, 1@2000-01-02]'::tfloat;
-- a tiny factor makes instants collinear within 1e-6: normalized away
SELECT '[1@2000-01-01, 5@2000-01-02, 1@2000-01-03]'::tfloat * 1e-7;
-- NaN and infinities follow float8 arithmetic
SELECT '{1@2000-01-01, NaN@2000-01-02}'::tfloat * 2;
SELECT '[1@2000-01-01, 2@2000-01-02]'::tfloat * 'NaN'::float8;
SELECT '{Infinity@2000-01-01, -Infinity@2000-01-02}'::tfloat + 1;
SELECT '{Infinity@2000-01-01, 1@2000-01-02}'::tfloat * 0;
SELECT '{1@2000-01-01, 2@2000-01-02}'::tfloat / 'Infinity'::float8;
SELECT 0 / '{1@2000-01-01, 2@2000-01-02}'::tfloat;
-- errors
SELECT pg_temp.err($$'[1@2000-01-01, 2@2000-01-02]'::tfloat / 0$$);
SELECT pg_temp.err($$'[1@2000-01-01, 2@2000-01-02]'::tfloat / 1e-7$$);
SELECT pg_temp.err($$'[1@2000-01-01, 2@2000-01-02]'::tfloat / -0.0000009$$);
SELECT pg_temp.err($$'NaN@2000-01-01'::tfloat / 0$$);
SELECT pg_temp.err($$1 / '[1@2000-01-01, 0@2000-01-02]'::tfloat$$);
SELECT pg_temp.err($$1 / '[1@2000-01-01, 0@2000-01-02)'::tfloat$$);
SELECT pg_temp.err($$1 / '{[1@2000-01-01], (0@2000-01-02, 1@2000-01-03]}'::tfloat$$);
SELECT pg_temp.err($$1 / '[-1@2000-01-01, 1@2000-01-02]'::tfloat$$);
SELECT pg_temp.err($$1 / '{-1@2000-01-01, 0@2000-01-02}'::tfloat$$);
SELECT pg_temp.err($$'NaN'::float8 / '0@2000-01-01'::tfloat$$);
SELECT pg_temp.err($$'[1@2000-01-01, 1e308@2000-01-02]'::tfloat * 10$$);
SELECT pg_temp.err($$1e308 * '[1@2000-01-01, 1e308@2000-01-02]'::tfloat$$);
-- too small for a double: 0, no underflow error (MobilityDB)
SELECT pg_temp.err($$'1e-308@2000-01-01'::tfloat * 1e-308$$);
SELECT pg_temp.err($$'1e308@2000-01-01'::tfloat + 1e308$$);
SELECT pg_temp.err($$-1e308 - '1e308@2000-01-01'::tfloat$$);
SELECT pg_temp.err($$'1e308@2000-01-01'::tfloat / 1e-5$$);
SELECT pg_temp.err($$1e308 / '1e-5@2000-01-01'::tfloat$$);
SELECT pg_temp.err($$1e-308 / '1e308@2000-01-01'::tfloat$$);
SELECT pg_temp.err($$'1e-320@2000-01-01'::tfloat / 1e10$$);
SELECT pg_temp.err($$'{1e-300@2000-01-01, 1@2000-01-02}'::tfloat / 1e300$$);

--
-- Cross-check against plain float8 functions on a few hundred random
-- values (text of each instant's value after the lifted function)
--
SELECT setseed(0.42);
CREATE TEMP TABLE vals AS
SELECT i, ((random() - 0.3) * 10 ^ (random() * 12 - 6))::float8 AS v,
	'2000-01-01'::timestamptz + i * interval '1 minute' AS t
FROM generate_series(1, 400) i;
CREATE TEMP TABLE pos AS SELECT i, abs(v) + 1e-9 AS v, t FROM vals;
CREATE FUNCTION pg_temp.disc(q text) RETURNS tfloat LANGUAGE plpgsql AS $$
DECLARE r text;
BEGIN
	EXECUTE 'SELECT ''{'' || string_agg(v::text || ''@'' || t, '', '' ORDER BY i) || ''}'' FROM ' || q INTO r;
	RETURN r::tfloat;
END
$$;
-- the expected value: the plain function per value, printed the same way
CREATE FUNCTION pg_temp.check(lifted tfloat, q text, f text) RETURNS boolean
LANGUAGE plpgsql AS $$
DECLARE e text;
BEGIN
	EXECUTE format('SELECT ''{'' || string_agg((%s)::text || ''@'' || t, '', '' ORDER BY i) || ''}'' FROM %s', f, q) INTO e;
	RETURN lifted = e::tfloat;
END
$$;
SELECT pg_temp.check(ln(pg_temp.disc('pos')), 'pos', 'ln(v)') AS ln,
	pg_temp.check(log10(pg_temp.disc('pos')), 'pos', 'log10(v)') AS log10,
	pg_temp.check(exp(pg_temp.disc('vals') / 1e6), 'vals', 'exp(v / 1e6)') AS exp,
	pg_temp.check(ceil(pg_temp.disc('vals')), 'vals', 'ceil(v)') AS ceil,
	pg_temp.check(floor(pg_temp.disc('vals')), 'vals', 'floor(v)') AS floor,
	pg_temp.check(abs(pg_temp.disc('vals')), 'vals', 'abs(v)') AS abs,
	pg_temp.check(round(pg_temp.disc('vals'), 3), 'vals',
		'round(v::numeric, 3)::float8') AS round,
	pg_temp.check(degrees(pg_temp.disc('vals')), 'vals', 'degrees(v)') AS degrees,
	pg_temp.check(radians(pg_temp.disc('vals')), 'vals', 'radians(v)') AS radians;
SELECT pg_temp.check(pg_temp.disc('vals') + 2.5, 'vals', 'v + 2.5') AS add,
	pg_temp.check(2.5 - pg_temp.disc('vals'), 'vals', '2.5 - v') AS rsub,
	pg_temp.check(pg_temp.disc('vals') * 1.8, 'vals', 'v * 1.8') AS mul,
	pg_temp.check(pg_temp.disc('vals') / 3, 'vals', 'v / 3') AS div,
	pg_temp.check(7 / pg_temp.disc('vals'), 'vals', '7 / v') AS rdiv;
-- the chain gives what the plain functions give
SELECT count(*) FILTER (WHERE cqstream.apply_operations(v, 'mul 1.8 | add 32 | abs | ln')
		IS NOT DISTINCT FROM ln(abs(v * 1.8 + 32))) AS same,
	count(*) AS total
FROM vals;
