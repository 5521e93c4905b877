-- Queries limited to one key: "keyValue" in create_query's body.  The
-- worker's side (only that key's rows produce results) is in
-- test/worker/key_filter.sh.
SET TimeZone = 'UTC';
\set VERBOSITY default

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/try.sql

CREATE TABLE kf_src (id bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz NOT NULL, fid text, n integer, v double precision,
	b boolean, p point);

SELECT cqstream.create_query('kf_text', 'kf_src',
	'{"operation": "mul", "arg": 2, "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "fid", "keyValue": "s1"}');
SELECT cqstream.create_query('kf_int', 'kf_src',
	'{"aggregation": "SUM", "window": {"type": "COUNT", "size": 2},
	  "timeColumn": "t", "valueColumn": "v", "keyColumn": "n",
	  "keyValue": "07"}');
SELECT cqstream.create_query('kf_all', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "fid", "keyValue": null}');
SELECT name, spec->'keyValue' AS key_value, spec->>'keyColumn' AS key_column
	FROM cqstream.queries WHERE name LIKE 'kf_%' ORDER BY name;

-- Errors
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyValue": "s1"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "n", "keyValue": "seven"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "n", "keyValue": "99999999999"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "b", "keyValue": "maybe"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "p", "keyValue": "(1,2)"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "fid", "keyValue": 7}')$$);
SELECT cq_try($$SELECT cqstream.create_query('kf_bad', 'kf_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "fid", "keyValue": ["a"]}')$$);
SELECT count(*) AS registered FROM cqstream.queries WHERE name = 'kf_bad';

SELECT cqstream.drop_query('kf_text');
SELECT cqstream.drop_query('kf_int');
SELECT cqstream.drop_query('kf_all');
DROP TABLE kf_src;
DROP FUNCTION public.cq_try(text);
