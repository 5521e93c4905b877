--
-- MF-JSON output (asMFJSON) and input (tfloatFromMFJSON) of tfloat
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

-- Errors are shown as SQLSTATE: message / detail, one input per line
CREATE FUNCTION pg_temp.try(q text) RETURNS text LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
	res text;
BEGIN
	EXECUTE q INTO res;
	RETURN 'ok: ' || res;
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL;
	RETURN st || ': ' || msg || coalesce(' / ' || nullif(det, ''), '');
END
$$;

--
-- Output, every subtype
--
SELECT asMFJSON(tfloat '1.5@2000-01-01');
SELECT asMFJSON(tfloat '{1@2000-01-01, 2@2000-01-02}');
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]');
SELECT asMFJSON(tfloat '[1@2000-01-01]');
SELECT asMFJSON(tfloat '(1@2000-01-01, 2@2000-01-02, 1@2000-01-03]');
SELECT asMFJSON(tfloat 'Interp=Step;[1@2000-01-01, 2@2000-01-02]');
SELECT asMFJSON(tfloat 'Interp=Step;(1@2000-01-01, 2@2000-01-02, 2@2000-01-03)');
SELECT asMFJSON(tfloat '{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}');
SELECT asMFJSON(tfloat 'Interp=Step;{[1@2000-01-01, 2@2000-01-02], [3@2000-01-03]}');

-- options = 1: bbox and period; 2 and 4 (CRS) are ignored for tfloat
SELECT asMFJSON(tfloat '1.5@2000-01-01', 1);
SELECT asMFJSON(tfloat '{3@2000-01-01, -2@2000-01-02}', 1);
SELECT asMFJSON(tfloat '(1@2000-01-01, 2@2000-01-02]', 1);
SELECT asMFJSON(tfloat '{(1@2000-01-01, 2@2000-01-02], [5@2000-01-03, 0@2000-01-04)}', 1);
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 7);
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 6) = asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]');
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 9) = asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 1);

-- flags: 0 compact, 1 spaced, 2 pretty (json-c layouts)
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 0, 0);
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 0, 1);
SELECT asMFJSON(tfloat '[1@2000-01-01, 2@2000-01-02]', 1, 2);
SELECT asMFJSON(tfloat '{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}', 1, 1);
SELECT asMFJSON(tfloat '{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}', 1, 2);
SELECT asMFJSON(tfloat '2.5@2000-01-01', 0, 2);
-- every layout is valid JSON with the same content
SELECT asMFJSON(t, 1, 0)::jsonb = asMFJSON(t, 1, 1)::jsonb AND
	asMFJSON(t, 1, 1)::jsonb = asMFJSON(t, 1, 2)::jsonb
FROM (VALUES (tfloat '1@2000-01-01'), (tfloat '{1@2000-01-01, 2@2000-01-02}'),
	(tfloat '{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}')) AS v(t);

-- maxdecimaldigits: 0, 3, 15 (default), and rounding half-even
SELECT asMFJSON(tfloat '{1.23456789@2000-01-01, 2.5@2000-01-02, 3.5@2000-01-03, 0.0005@2000-01-04}', 1, 0, 0);
SELECT asMFJSON(tfloat '{1.23456789@2000-01-01, 2.5@2000-01-02, 3.5@2000-01-03, 0.0005@2000-01-04}', 0, 0, 3);
SELECT asMFJSON(tfloat '{1.23456789@2000-01-01, 0.1234567890123465@2000-01-02}', 0, 0, 15);
SELECT asMFJSON(tfloat '[0.333333333333333@2000-01-01, 0.666666666666667@2000-01-02]');

-- bad options, flags and maxdecimaldigits
SELECT pg_temp.try($$SELECT asMFJSON(tfloat '1@2000-01-01', -1)$$);
SELECT pg_temp.try($$SELECT asMFJSON(tfloat '1@2000-01-01', 0, -1)$$);
SELECT pg_temp.try($$SELECT asMFJSON(tfloat '1@2000-01-01', 0, 3)$$);
SELECT pg_temp.try($$SELECT asMFJSON(tfloat '1@2000-01-01', 0, 0, -1)$$);
SELECT pg_temp.try($$SELECT asMFJSON(tfloat '1@2000-01-01', 0, 0, 16)$$);
SELECT asMFJSON(NULL::tfloat) IS NULL, asMFJSON(tfloat '1@2000-01-01', NULL) IS NULL;

-- NaN and infinities are JSON strings (MobilityDB writes invalid JSON)
SELECT asMFJSON(tfloat '{NaN@2000-01-01, Infinity@2000-01-02, -Infinity@2000-01-03, 1@2000-01-04}', 1);
SELECT asMFJSON(tfloat '{NaN@2000-01-01, Infinity@2000-01-02, -Infinity@2000-01-03}', 1)::jsonb IS NOT NULL AS valid_json;
SELECT asMFJSON(tfloat '{NaN@2000-01-01, 5@2000-01-02}', 1);

-- exponent form, extremes, negative zero
SELECT asMFJSON(tfloat '{1e-9@2000-01-01, 1.25e15@2000-01-02, 1e15@2000-01-03, 1e-7@2000-01-04, -0@2000-01-05}');
SELECT asMFJSON(tfloat '{1.7976931348623157e308@2000-01-01, -1.7976931348623157e308@2000-01-02, 5e-324@2000-01-03}');
SELECT asMFJSON(tfloat '{1e-9@2000-01-01, 1.25e15@2000-01-02}')::jsonb;
SELECT asMFJSON(tfloat '{1.7976931348623157e308@2000-01-01, 1e-9@2000-01-02, 1.23456e20@2000-01-03}', 0, 0, 3);
SELECT tfloatFromMFJSON(asMFJSON(tfloat '1.7976931348623157e308@2000-01-01', 0, 0, 0));

-- fractional seconds, BC dates and years above 9999
SELECT asMFJSON(tfloat '{1@2000-01-01 00:00:00.5, 2@2000-01-01 00:00:01.123456, 3@2000-01-01 00:00:02.000001}');
SELECT asMFJSON(tfloat '{1@0044-03-15 BC, 2@2000-01-01, 3@12345-06-07 08:09:10}', 1);

-- other time zones and DateStyles: always ISO with T, in the session zone
SET TimeZone = 'America/New_York';
SELECT asMFJSON(tfloat '[1@2000-01-01 00:00:00+00, 2@2000-07-01 00:00:00+00]', 1);
SELECT asMFJSON(tfloat '1@1800-01-01 00:00:00+00');
SET TimeZone = 'Asia/Kolkata';
SELECT asMFJSON(tfloat '[1@2000-01-01 00:00:00+00, 2@2000-07-01 12:30:00.25+00]');
SET DateStyle = 'SQL, DMY';
SELECT asMFJSON(tfloat '[1@2000-01-01 00:00:00+00, 2@2000-07-01 12:30:00.25+00]');
SET DateStyle = 'Postgres, MDY';
SELECT asMFJSON(tfloat '{1@0044-03-15 00:00:00+00 BC, 2@2000-01-01 00:00:00+00}');
SET DateStyle = 'German';
SELECT asMFJSON(tfloat '1@2000-01-01 00:00:00+00', 1);
-- and read back in the same settings
SELECT tfloatFromMFJSON(asMFJSON(tfloat '{1@0044-03-15 00:00:00+00 BC, 2@2000-01-01 00:00:00.5+00}'))::text =
	(tfloat '{1@0044-03-15 00:00:00+00 BC, 2@2000-01-01 00:00:00.5+00}')::text AS same;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

--
-- Input
--
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1.5],"datetimes":["2000-01-01T00:00:00+00"],"interpolation":"None"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"interpolation":"Discrete"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01T00:00:00+00","2000-01-02T00:00:00+00"],"lower_inc":true,"upper_inc":true,"interpolation":"Linear"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2,2],"datetimes":["2000-01-01","2000-01-02","2000-01-03"],"lower_inc":false,"upper_inc":false,"interpolation":"Step"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"lower_inc":true,"upper_inc":false},{"values":[3,4],"datetimes":["2000-01-03","2000-01-04"],"lower_inc":false,"upper_inc":true}],"interpolation":"Linear"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1,2],"datetimes":["2000-01-01","2000-01-02"]}],"interpolation":"Step"}');
-- bounds default to true; a one-instant linear sequence
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"interpolation":"Linear"}');
-- member order, whitespace, bbox, period, crs, trs and unknown members do not matter
SELECT tfloatFromMFJSON(' { "interpolation" : "Linear", "datetimes" : [ "2000-01-01T00:00:00Z", "2000-01-02T00:00:00Z" ], "values" : [ 1 , 2 ], "type" : "MovingFloat", "bbox" : "junk", "period" : 7, "crs" : {"type": "Name"}, "trs" : null, "foo" : [1, {"bar": 2}] } ');
-- discrete and instant ignore the (well-typed) bounds
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"lower_inc":false,"upper_inc":false,"interpolation":"Discrete"}');
-- normalization happens as for text input
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2,3],"datetimes":["2000-01-01","2000-01-02","2000-01-03"],"interpolation":"Linear"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"upper_inc":false},{"values":[2,3],"datetimes":["2000-01-02","2000-01-03"]}],"interpolation":"Linear"}');
-- special values, exponents, offsets and fractional seconds
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":["NaN","Infinity","-Infinity",1e-9,1.25E+15,-0,0.1234567890123465],"datetimes":["2000-01-01","2000-01-02","2000-01-03","2000-01-04","2000-01-05","2000-01-06","2000-01-07"],"interpolation":"Discrete"}');
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01T12:00:00.123456+05:30"],"interpolation":"None"}');
-- datetimes without an offset are in the session time zone
SET TimeZone = 'Asia/Kolkata';
SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01T12:00:00"],"interpolation":"None"}')::text;
SET TimeZone = 'UTC';

-- round trips, compared as text
CREATE TEMP TABLE rt (t tfloat);
INSERT INTO rt VALUES
	('1.5@2000-01-01'),
	('-0.000001@2000-01-01 00:00:00.000001'),
	('{1@2000-01-01, 2@2000-01-02, 2@2000-01-03}'),
	('[1@2000-01-01]'),
	('(1@2000-01-01, 2@2000-01-02, 1@2000-01-03]'),
	('Interp=Step;(1@2000-01-01, 2@2000-01-02, 2@2000-01-03)'),
	('{[1@2000-01-01, 2@2000-01-02), (3@2000-01-03, 4@2000-01-04]}'),
	('Interp=Step;{[1@2000-01-01, 2@2000-01-02], (3@2000-01-03, 3@2000-01-04]}'),
	('{NaN@2000-01-01, Infinity@2000-01-02, -Infinity@2000-01-03}'),
	('[1e-9@2000-01-01 00:00:00.5, 1.25e15@2000-01-02, 0.333333333333333@2000-01-03, 1.7976931348623157e308@2000-01-04]'),
	('{1@0044-03-15 BC, 2@2000-01-01, 3@12345-06-07 08:09:10.654321}');
SELECT t::text, tfloatFromMFJSON(asMFJSON(t))::text = t::text AS compact,
	tfloatFromMFJSON(asMFJSON(t, 7, 1))::text = t::text AS spaced,
	tfloatFromMFJSON(asMFJSON(t, 1, 2))::text = t::text AS pretty
FROM rt;
SET TimeZone = 'America/New_York';
SET DateStyle = 'SQL, DMY';
SELECT count(*) FILTER (WHERE tfloatFromMFJSON(asMFJSON(t))::text = t::text) AS same, count(*) FROM rt;
SET TimeZone = 'Asia/Kolkata';
SELECT count(*) FILTER (WHERE tfloatFromMFJSON(asMFJSON(t))::text = t::text) AS same, count(*) FROM rt;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
-- a long value
SELECT count(*) FILTER (WHERE tfloatFromMFJSON(asMFJSON(t, 1, f))::text = t::text) AS same, count(*)
FROM (SELECT ('[' || string_agg((i % 7) || '.25@' || (timestamptz '2000-01-01' + i * interval '1.5 s'), ',') || ']')::tfloat AS t
	FROM generate_series(1, 10000) i) s, generate_series(0, 2) f;
-- fewer decimals lose digits, as documented
SELECT tfloatFromMFJSON(asMFJSON(tfloat '[1.23456@2000-01-01, 2.5@2000-01-02]', 0, 0, 2));
SELECT tfloatFromMFJSON(NULL) IS NULL;

--
-- Malformed input, one per line
--
-- not JSON, not an object
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat",')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('1@2000-01-01')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('[{"type":"MovingFloat"}]')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('"MovingFloat"')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('null')$$);
-- type
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"values":[1],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingInteger","values":[1],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"movingfloat","values":[1],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":1,"values":[1],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
-- interpolation
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"]}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"interpolation":"Stepwise"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"interpolation":"linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"interpolation":["Linear"]}')$$);
-- values and datetimes
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":1,"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":{"a":1},"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":"2000-01-01","interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01"],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[],"datetimes":[],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[],"datetimes":[],"interpolation":"Discrete"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"interpolation":"None"}')$$);
-- value elements
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":["1"],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":["nan"],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":["inf"],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[true],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[null],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[[1]],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1, null],"datetimes":["2000-01-01","2000-01-02"],"interpolation":"Discrete"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[NaN],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1e400],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[-1e400],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1e-400],"datetimes":["2000-01-01"],"interpolation":"None"}')$$);
-- datetime elements
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["yesterday at noon"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-13-01"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":[946684800],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":[null],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["infinity"],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["-infinity"],"interpolation":"None"}')$$);
-- bounds
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"lower_inc":"true","interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"upper_inc":1,"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"upper_inc":null,"interpolation":"Discrete"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1],"datetimes":["2000-01-01"],"lower_inc":0}],"interpolation":"Linear"}')$$);
-- the rules of the value
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-02","2000-01-01"],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-01"],"interpolation":"Discrete"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1],"datetimes":["2000-01-01"],"lower_inc":false,"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","values":[1,2],"datetimes":["2000-01-01","2000-01-02"],"upper_inc":false,"interpolation":"Step"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1,2],"datetimes":["2000-01-01","2000-01-03"]},{"values":[3,4],"datetimes":["2000-01-02","2000-01-04"]}],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1,2],"datetimes":["2000-01-01","2000-01-02"]},{"values":[3,4],"datetimes":["2000-01-02","2000-01-04"]}],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1],"datetimes":["2000-01-01"],"upper_inc":false}],"interpolation":"Linear"}')$$);
-- sequences
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1],"datetimes":["2000-01-01"]}],"interpolation":"Discrete"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1],"datetimes":["2000-01-01"]}],"interpolation":"None"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":{},"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[1],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[[1]],"interpolation":"Linear"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[],"datetimes":[]}],"interpolation":"Step"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1]}],"interpolation":"Step"}')$$);
SELECT pg_temp.try($$SELECT tfloatFromMFJSON('{"type":"MovingFloat","sequences":[{"values":[1],"datetimes":["2000-01-01"]}],"values":[1],"datetimes":["2000-01-01"],"interpolation":"Linear"}')$$);
