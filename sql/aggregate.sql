-- Window aggregates in the registry: create_aggregate, create_query with
-- an OGC window body, canonical specs, value types and their
-- aggregations, and every validation error (docs/windows.md).  The
-- worker's results are checked by test/worker/windows.sh.
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
\set VERBOSITY default

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/try.sql

CREATE TABLE agg_src (id bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz, v float8, n numeric, i integer, k text, s varchar(10),
	c char(3), b boolean, j jsonb, ts timestamp);

-- Registered through create_aggregate; the stored spec is canonical
SELECT cqstream.create_aggregate('a_avg', 'agg_src', 't', 'v', 'avg',
	cqstream.tumbling('10 seconds'), 'k');
SELECT cqstream.create_aggregate('a_max', 'agg_src', 't', 'n', 'MAX',
	cqstream.hopping('1 minute', '10 seconds', '5 seconds'), 'k',
	lateness => '2 seconds', emit => 'ON_UPDATE');
SELECT cqstream.create_aggregate('a_cnt', 'agg_src', 't', 'i', 'Sum',
	cqstream.count_window(5, 2));
SELECT cqstream.create_aggregate('a_cd', 'agg_src', 'ts', 's',
	'count_distinct', cqstream.tumbling('1 hour'),
	options => '{"idle_flush": "90 seconds", "notify": "id"}');
SELECT cqstream.create_aggregate('a_any', 'agg_src', 't', 'b', 'any',
	cqstream.tumbling('1 day', '-3 hours'));
SELECT cqstream.create_aggregate('a_ct', 'agg_src', 't', 'c', 'count',
	cqstream.tumbling('1500 milliseconds'));
SELECT name, kind, spec FROM cqstream.queries WHERE name LIKE 'a\_%'
ORDER BY name;
SELECT name, aggregation, value_type, window_kind, window_size, window_hop,
	window_offset, lateness, emit, chain
FROM cqstream.query WHERE name LIKE 'a\_%' ORDER BY name;

-- The same through create_query: an OGC body, and a stored spec again
SELECT cqstream.create_query('b_avg', 'agg_src',
	'{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 10,
	  "unit": "SECONDS"}, "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": "k"}');
SELECT cqstream.create_query('b_max', 'agg_src',
	'{"aggregation": "max", "window": {"type": "hopping", "size": 1,
	  "unit": "minutes", "hop": 10, "hopUnit": "SECONDS", "offset": 5000,
	  "offsetUnit": "MILLISECONDS"}, "timeColumn": "t", "valueColumn": "n",
	  "keyColumn": "k", "lateness": {"size": 2, "unit": "SECONDS"},
	  "emit": "on_update"}');
SELECT cqstream.create_query('b_cnt', 'agg_src',
	'{"aggregation": "SUM", "window": {"type": "COUNT", "size": 5, "hop": 2},
	  "timeColumn": "t", "valueColumn": "i"}');
SELECT cqstream.create_query('b_again', 'agg_src', spec)
FROM cqstream.queries WHERE name = 'a_cd';
SELECT a.name, b.name, a.spec = b.spec AS same_spec
FROM cqstream.queries a JOIN cqstream.queries b
	ON (a.name, b.name) IN (('a_avg', 'b_avg'), ('a_max', 'b_max'),
		('a_cnt', 'b_cnt'), ('a_cd', 'b_again'))
ORDER BY 1;

-- Aggregations by value type: every refusal lists the valid ones
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'any', cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'k', 'avg', cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'b', 'sum', cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'b', 'median', cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'j', 'count', cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'nope', 'count', cqstream.tumbling('1 s'))$$);

-- Arguments
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', NULL)$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', NULL, cqstream.tumbling('1 s'))$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), lateness => '-1 s')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), lateness => '1 month')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.count_window(3), lateness => '1 s')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), emit => 'always')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', ROW('weekly', NULL, NULL, NULL, NULL, NULL)::cqstream.window)$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), options => '{"idle_flush": "-5 s"}')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), options => '{"idle_flush": "1 mon"}')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('x', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'), options => '{"idle_flush": 5}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'agg_src', 't', 'v', 'ln', options => '{"idle_flush": "5 s"}')$$);
SELECT cq_try($$SELECT cqstream.create_aggregate('a_avg', 'agg_src', 't', 'v', 'avg', cqstream.tumbling('1 s'))$$);

-- OGC bodies
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"window": {"type": "COUNT", "size": 2}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"operation": "ln", "emit": "on_close", "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "operation": "ln", "window": {"type": "COUNT", "size": 2}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": "10 s", "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "SESSION", "size": 2}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"size": 2}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 0}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 1.5}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": "10"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 10, "unit": "WEEKS"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 99999999999999999, "unit": "DAYS"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 10, "hop": 5}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "HOPPING", "size": 10}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "HOPPING", "size": 10, "hop": 20}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "COUNT", "size": 5, "unit": "SECONDS"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "COUNT", "size": 5, "hop": 6}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 5, "color": "red"}, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 5}, "lateness": 5, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": "AVG", "window": {"type": "TUMBLING", "size": 5}, "emit": "sometimes", "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'agg_src', '{"aggregation": 5, "window": {"type": "TUMBLING", "size": 5}, "timeColumn": "t", "valueColumn": "v"}')$$);

-- Nothing was registered by the failures
SELECT count(*) FROM cqstream.queries WHERE name = 'x';

-- Dropping aggregates
SELECT cqstream.drop_query(name) FROM cqstream.queries
WHERE name LIKE 'a\_%' OR name LIKE 'b\_%';
SELECT count(*) FROM cqstream.query;
DROP FUNCTION public.cq_try(text);
