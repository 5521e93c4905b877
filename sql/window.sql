--
-- Windows (cqstream.window) and cqstream.window_aggregate over tfloat
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';

-- Constructors: the offset is normalized modulo the hop
SELECT cqstream.tumbling('10 seconds');
SELECT cqstream.tumbling('1 day', '1 hour');
SELECT cqstream.tumbling('10 s', '-3 s');
SELECT cqstream.tumbling('10 s', '25 s');
SELECT cqstream.tumbling('1 day', '-1 day');
SELECT cqstream.tumbling('1 microsecond');
SELECT cqstream.hopping('1 minute', '10 seconds');
SELECT cqstream.hopping('10 s', '4 s', '-1 s');
SELECT cqstream.hopping('10 s', '10 s');
SELECT cqstream.count_window(10);
SELECT cqstream.count_window(10, 5);
SELECT cqstream.count_window(10, NULL);
SELECT cqstream.count_window(NULL);
SELECT cqstream.count_window(NULL, 3);
SELECT cqstream.tumbling(NULL);
SELECT (cqstream.hopping('1 hour', '15 minutes', '5 minutes')).*;
-- equal after normalization
SELECT cqstream.tumbling('10 s', '-3 s') = cqstream.tumbling('10 s', '7 s');
-- the largest windows: 100000 years of 365.25 days
SELECT cqstream.tumbling('36525000 days');
SELECT cqstream.hopping('100000 s', '1 s');

-- Invalid windows, each on its own line
SELECT cqstream.tumbling('0 s');
SELECT cqstream.tumbling('-1 s');
SELECT cqstream.tumbling('1 month');
SELECT cqstream.tumbling('1 year');
SELECT cqstream.tumbling('10 s', '1 mon');
SELECT cqstream.tumbling('36525000 days 1 microsecond');
SELECT cqstream.tumbling('2147483647 days');
SELECT cqstream.tumbling('10 s', '-2147483648 days');
SELECT cqstream.hopping('10 s', '0 s');
SELECT cqstream.hopping('10 s', '-1 s');
SELECT cqstream.hopping('10 s', '11 s');
SELECT cqstream.hopping('1 day', '1 ms');
SELECT cqstream.hopping('100001 s', '1 s');
SELECT cqstream.hopping('10 s', '1 mon');
SELECT cqstream.hopping('1 mon', '1 s');
SELECT cqstream.hopping('10 s', '1 s', '1 year');
SELECT cqstream.count_window(0);
SELECT cqstream.count_window(-5);
SELECT cqstream.count_window(5, 0);
SELECT cqstream.count_window(5, -1);
SELECT cqstream.count_window(5, 6);
SELECT cqstream.count_window(1000000, 1);

-- Every error is 22023
DO $$
DECLARE
	e text;
BEGIN
	FOREACH e IN ARRAY ARRAY[
		$q$SELECT cqstream.tumbling('0 s')$q$,
		$q$SELECT cqstream.tumbling('1 month')$q$,
		$q$SELECT cqstream.tumbling('2147483647 days')$q$,
		$q$SELECT cqstream.hopping('10 s', '11 s')$q$,
		$q$SELECT cqstream.hopping('1 day', '1 ms')$q$,
		$q$SELECT cqstream.count_window(5, 6)$q$,
		$q$SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'median', cqstream.count_window(1))$q$,
		$q$SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'any', cqstream.count_window(1))$q$,
		$q$SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'sum', ROW('sliding', NULL, NULL, NULL, 1, 1))$q$]
	LOOP
		BEGIN
			EXECUTE e;
		EXCEPTION WHEN OTHERS THEN
			RAISE NOTICE '%: %', SQLSTATE, SQLERRM;
		END;
	END LOOP;
END
$$;

-- Aggregation names: case-insensitive; the text and boolean ones are
-- refused for tfloat with the valid list
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'Avg', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'MAX', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'median', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', '', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count_distinct', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'ANY', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'all', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count_true', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count_false', cqstream.tumbling('1 h'));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', ' sum', cqstream.tumbling('1 h'));

-- Hand-written windows are read through the same validation
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('TUMBLING', '1 h', NULL, NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('tumbling', '1 h', '1 h', '-30 min', NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('Count', NULL, NULL, NULL, 1, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW(NULL, '1 h', NULL, NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('sliding', '1 h', NULL, NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('tumbling', NULL, NULL, NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('tumbling', '1 h', NULL, NULL, 5, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('tumbling', '1 h', '30 min', NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('hopping', '1 h', NULL, NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('hopping', '1 h', '2 h', NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('hopping', '1 h', '1 mon', NULL, NULL, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('count', NULL, NULL, NULL, NULL, 1));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('count', '1 h', NULL, NULL, 1, 1));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('count', NULL, NULL, NULL, 0, NULL));
SELECT * FROM cqstream.window_aggregate('1@2001-01-01', 'count', ROW('count', NULL, NULL, NULL, 2, 3));
-- NULL arguments give no rows
SELECT count(*) FROM cqstream.window_aggregate(NULL, 'count', cqstream.tumbling('1 h'));
SELECT count(*) FROM cqstream.window_aggregate('1@2001-01-01', NULL, cqstream.tumbling('1 h'));
SELECT count(*) FROM cqstream.window_aggregate('1@2001-01-01', 'count', NULL);

-- Around the Unix epoch: instants -5 .. 5 at 1969-12-31 23:59:55 ..
-- 1970-01-01 00:00:05, value = seconds from the epoch
CREATE TEMP TABLE epoch_values AS
SELECT ('{' || string_agg(s || '@' || (timestamptz 'epoch' + s * interval '1 s'), ', ' ORDER BY s) || '}')::tfloat AS tf
FROM generate_series(-5, 5) AS s;
SELECT tf FROM epoch_values;
SELECT w.* FROM epoch_values, cqstream.window_aggregate(tf, 'sum', cqstream.tumbling('10 s')) AS w;
SELECT w.* FROM epoch_values, cqstream.window_aggregate(tf, 'min', cqstream.tumbling('10 s', '3 s')) AS w;
-- a negative offset (-3 s is 7 s)
SELECT w.* FROM epoch_values, cqstream.window_aggregate(tf, 'max', cqstream.tumbling('10 s', '-3 s')) AS w;
-- hopping whose hop does not divide the size: a row is in 2 or 3 windows
SELECT w.* FROM epoch_values, cqstream.window_aggregate(tf, 'count', cqstream.hopping('10 s', '4 s')) AS w;
SELECT w.* FROM epoch_values, cqstream.window_aggregate(tf, 'avg', cqstream.hopping('4 s', '2 s', '-1 s')) AS w;
-- windows aligned to midnight before 1970
SELECT * FROM cqstream.window_aggregate('{1@1969-07-20 20:17:40, 2@1969-07-21 02:56:15}', 'count', cqstream.tumbling('1 day'));
SELECT * FROM cqstream.window_aggregate('{1@1969-07-20 20:17:40, 2@1969-07-21 02:56:15}', 'count', cqstream.tumbling('1 day', '-4 h'));

-- Half-open windows: an instant on a boundary starts the next window
SELECT * FROM cqstream.window_aggregate('{1@2001-01-01 00:00:00, 2@2001-01-01 00:00:09.999999, 3@2001-01-01 00:00:10, 4@2001-01-01 00:00:20}', 'sum', cqstream.tumbling('10 s'));
SELECT * FROM cqstream.window_aggregate('{1@2001-01-01 00:00:00, 2@2001-01-01 00:00:05, 3@2001-01-01 00:00:10}', 'count', cqstream.hopping('10 s', '5 s'));

-- Empty windows are skipped
SELECT * FROM cqstream.window_aggregate('{1@2001-01-01 00:00:01, 2@2001-01-01 00:01:01, 3@2001-01-01 01:00:00}', 'count', cqstream.tumbling('10 s'));
SELECT * FROM cqstream.window_aggregate('{1@2001-01-01 00:00:01, 2@2001-01-01 00:01:01}', 'sum', cqstream.hopping('20 s', '5 s'));

-- One-instant values
SELECT * FROM cqstream.window_aggregate('5@2001-01-01', 'avg', cqstream.tumbling('1 min'));
SELECT * FROM cqstream.window_aggregate('5@2001-01-01', 'max', cqstream.hopping('1 min', '20 s'));
SELECT * FROM cqstream.window_aggregate('5@2001-01-01', 'sum', cqstream.count_window(1));
SELECT * FROM cqstream.window_aggregate('5@2001-01-01', 'sum', cqstream.count_window(2));

-- Count windows: the start and end are the first and last row's times
-- (end inclusive); an incomplete last window is not emitted
CREATE TEMP TABLE seven AS
SELECT '{1@2001-01-01, 2@2001-01-02, 3@2001-01-03, 4@2001-01-04, 5@2001-01-05, 6@2001-01-06, 7@2001-01-07}'::tfloat AS tf;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'sum', cqstream.count_window(3)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'sum', cqstream.count_window(3, 2)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'avg', cqstream.count_window(3, 1)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'max', cqstream.count_window(7)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'max', cqstream.count_window(8)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'min', cqstream.count_window(1)) AS w;
SELECT w.* FROM seven, cqstream.window_aggregate(tf, 'count', cqstream.count_window(4, 3)) AS w;

-- Each aggregation on the same windows
SELECT a, w.*
FROM unnest(ARRAY['count', 'sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{1.5@2001-01-01 00:00:01, -2@2001-01-01 00:00:02, 4@2001-01-01 00:00:11}', a, cqstream.tumbling('10 s')) AS w
ORDER BY a, w.window_start;

-- NaN: into sum and avg; max is NaN as soon as one value is, min only
-- when all are (PostgreSQL's float8 order puts NaN above every number)
SELECT a, w.value, w.count
FROM unnest(ARRAY['count', 'sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{1@2001-01-01, NaN@2001-01-02, 3@2001-01-03}', a, cqstream.tumbling('1 week')) AS w;
SELECT a, w.value
FROM unnest(ARRAY['sum', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{NaN@2001-01-01, NaN@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT sum(v), min(v), max(v) FROM (VALUES (1::float8), ('NaN'), (3)) AS t(v);
-- Infinities
SELECT a, w.value
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{Infinity@2001-01-01, -Infinity@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT a, w.value
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{Infinity@2001-01-01, 1@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
-- Signed zeros as PostgreSQL: sum keeps -0, avg does not; a tie keeps the
-- later value
SELECT a, w.value
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{-0@2001-01-01, -0@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT sum(v), avg(v) FROM (VALUES ('-0'::float8), ('-0')) AS t(v);
SELECT a, w.value
FROM unnest(ARRAY['min', 'max']) AS a,
	 cqstream.window_aggregate('{0@2001-01-01, -0@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT a, w.value
FROM unnest(ARRAY['min', 'max']) AS a,
	 cqstream.window_aggregate('{-0@2001-01-01, 0@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT min(v ORDER BY o), max(v ORDER BY o) FROM (VALUES (1, '-0'::float8), (2, '0')) AS t(o, v);

-- Huge and tiny values: a sum that overflows is an error, as in PostgreSQL
SELECT a, w.value
FROM unnest(ARRAY['count', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{1e308@2001-01-01, 1e308@2001-01-02}', a, cqstream.tumbling('1 week')) AS w;
SELECT * FROM cqstream.window_aggregate('{1e308@2001-01-01, 1e308@2001-01-02}', 'sum', cqstream.tumbling('1 week'));
SELECT * FROM cqstream.window_aggregate('{1e308@2001-01-01, 1e308@2001-01-02}', 'avg', cqstream.tumbling('1 week'));
SELECT sum(v) FROM (VALUES (1e308::float8), (1e308)) AS t(v);
-- ... but not when the windows keep the values apart
SELECT * FROM cqstream.window_aggregate('{1.7976931348623157e308@2001-01-01, 1.7976931348623157e308@2001-01-09}', 'sum', cqstream.tumbling('1 week'));
-- One deliberate difference: avg(float8) also sums squares (for the
-- variance) and fails when they overflow; a window AVG does not
SELECT * FROM cqstream.window_aggregate('{-1.7976931348623157e308@2001-01-01, 1e308@2001-01-02}', 'avg', cqstream.tumbling('1 week'));
SELECT avg(v) FROM (VALUES (-1.7976931348623157e308::float8), (1e308)) AS t(v);
SELECT a, w.value
FROM unnest(ARRAY['sum', 'avg', 'min', 'max']) AS a,
	 cqstream.window_aggregate('{5e-324@2001-01-01, 5e-324@2001-01-02, -5e-324@2001-01-03}', a, cqstream.tumbling('1 week')) AS w;
-- Sums add in time order with plain double addition, as sum(float8)
SELECT w.value, (SELECT sum(v ORDER BY o) FROM (VALUES (1, 1e16::float8), (2, 1), (3, 1), (4, -1e16)) AS t(o, v))
FROM cqstream.window_aggregate('{1e16@2001-01-01 01:00, 1@2001-01-01 02:00, 1@2001-01-01 03:00, -1e16@2001-01-01 04:00}', 'sum', cqstream.tumbling('1 day')) AS w;

-- Every subtype: the instants that instants() lists count (also those at
-- exclusive bounds), the interpolated values between them do not
SELECT * FROM cqstream.window_aggregate('[1@2001-01-01 00:00:00, 3@2001-01-01 00:00:30)', 'count', cqstream.tumbling('10 s'));
SELECT * FROM cqstream.window_aggregate('Interp=Step;[1@2001-01-01 00:00:00, 2@2001-01-01 00:00:15, 2@2001-01-01 00:00:30)', 'sum', cqstream.tumbling('10 s'));
SELECT * FROM cqstream.window_aggregate('{[1@2001-01-01 00:00:00, 2@2001-01-01 00:00:10), [5@2001-01-01 00:00:10, 6@2001-01-01 00:00:25]}', 'sum', cqstream.tumbling('10 s'));
SELECT * FROM cqstream.window_aggregate('{[1@2001-01-01 00:00:00, 2@2001-01-01 00:00:10), [5@2001-01-01 00:00:10, 6@2001-01-01 00:00:25]}', 'max', cqstream.count_window(2, 1));
SELECT * FROM cqstream.window_aggregate('{1@2001-01-01 00:00:00, 2@2001-01-01 00:00:10, 3@2001-01-01 00:00:20}', 'avg', cqstream.hopping('20 s', '10 s'));
-- an instant stored twice (two sequences meet there, both excluding it)
-- counts once, as instants() lists it once
SELECT * FROM cqstream.window_aggregate('{[1@2001-01-01 00:00:00, 2@2001-01-01 00:00:10), (2@2001-01-01 00:00:10, 3@2001-01-01 00:00:15]}', 'count', cqstream.tumbling('10 s'));
SELECT instants('{[1@2001-01-01 00:00:00, 2@2001-01-01 00:00:10), (2@2001-01-01 00:00:10, 3@2001-01-01 00:00:15]}');

-- The ends of the time line: starts and ends beyond it print as infinities
-- (weeks are aligned to 1970-01-01, a Thursday)
SELECT * FROM cqstream.window_aggregate('1@4714-11-24 00:00:00+00 BC', 'count', cqstream.tumbling('7 days'));
SELECT * FROM cqstream.window_aggregate('1@294276-12-31 23:59:59.999999+00', 'count', cqstream.tumbling('7 days'));
SELECT * FROM cqstream.window_aggregate('{1@4714-11-24 00:00:00+00 BC, 2@287000-12-31 23:59:59.999999+00}', 'sum', cqstream.tumbling('36525000 days'));
SELECT * FROM cqstream.window_aggregate('{1@4714-11-24 00:00:00+00 BC, 2@287000-12-31 23:59:59.999999+00}', 'count', cqstream.hopping('36525000 days', '36525 days'))
ORDER BY window_end LIMIT 3;
