-- Position queries: cqstream.create_position_query, its checks and its
-- canonical spec (docs/engine.md, "Position queries").  Results are tested
-- with the worker running, by the positions suite (test/worker/positions.sh).
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/try.sql

CREATE TABLE pos_src (id bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz NOT NULL, vehicle text, lon double precision,
	lat numeric, label text, n integer);

-- Each operation, and the canonical spec it stores
SELECT cqstream.create_position_query('pos_where', 'pos_src', 't', 'vehicle',
	'lon', 'lat');
SELECT cqstream.create_position_query('pos_speed', 'pos_src', 't', 'vehicle',
	'lon', 'lat', 'speed', '{"retention_rows": 100}');
SELECT cqstream.create_position_query('pos_heading', 'pos_src', 't', 'vehicle',
	'lon', 'lat', 'HEADING');
SELECT cqstream.create_position_query('pos_dist', 'pos_src', 't', 'n',
	'lon', 'lat', 'distance');
SELECT name, kind, chain, value_column, key_column, spec
FROM cqstream.query WHERE name LIKE 'pos\_%' ORDER BY name;
SELECT name, kind FROM cqstream.queries WHERE name LIKE 'pos\_%' ORDER BY name;

-- Bad input, one on each line
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'velocity')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', NULL)$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'label')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'label', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'nope')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lon')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'lat', 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 't', 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 'lon', 'vehicle', 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 't', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', NULL, 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', NULL, 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', NULL)$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"bogus": 1}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"idle_flush": "1 s"}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '[1]')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('Pos', 'pos_src', 't', 'vehicle', 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_speed', 'pos_src', 't', 'vehicle', 'lon', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_nope', 't', 'vehicle', 'lon', 'lat')$$);
SELECT count(*) FROM cqstream.query WHERE name = 'pos_bad';

-- create_query takes a position body; a stored spec registers the same query
SELECT cqstream.create_query('pos_again', 'pos_src',
	(SELECT spec FROM cqstream.query WHERE name = 'pos_speed'));
SELECT a.spec = b.spec AS same_spec, a.kind, a.chain
FROM cqstream.query a, cqstream.query b
WHERE a.name = 'pos_again' AND b.name = 'pos_speed';
-- keyValue limits a position query to one feature (the relay's tgsequence)
SELECT cqstream.create_query('pos_one', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "keyValue": "bus7", "lonColumn": "lon", "latColumn": "lat"}');
SELECT spec->>'keyValue' AS key_value, spec->>'kind' AS kind
FROM cqstream.query WHERE name = 'pos_one';
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "moving", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat"}')$$);
-- "geometry" is a synonym; the stored kind is "position".  Lifted
-- operations after speed, heading or distance (km/h here), canonical
SELECT cqstream.create_query('pos_kmh', 'pos_src', '{"kind": "geometry", "operation": " SPEED|mul 3.6 |round  1", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat"}');
SELECT spec->>'kind' AS kind, spec->>'operation' AS operation
FROM cqstream.query WHERE name = 'pos_kmh';
SELECT cqstream.create_position_query('pos_dist_km', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'distance | div 1000');
SELECT chain FROM cqstream.query WHERE name = 'pos_dist_km';
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'position | mul 2')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed | nosuch 2')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed |')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'mul 3.6 | speed')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', '| speed')$$);
SELECT cqstream.drop_query('pos_kmh'), cqstream.drop_query('pos_dist_km');
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": null, "lonColumn": "lon", "latColumn": "lat"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "valueColumn": "lon"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "aggregation": "AVG", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "arg": 2, "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "n", "lonColumn": "lon", "latColumn": "lat", "keyValue": "bus7"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": 1, "operation": "speed"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"operation": "abs", "timeColumn": "t", "valueColumn": "lon", "latColumn": "lat"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "pace", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat"}')$$);
SELECT count(*) FROM cqstream.query WHERE name = 'pos_bad';

-- Windowed: a lifted operation's values aggregated per key over windows
-- (docs/windows.md), given in the options or as the body's members
SELECT cqstream.create_position_query('pos_avg', 'pos_src', 't', 'vehicle',
	'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 10, "unit": "SECONDS"}, "lateness": {"size": 2000, "unit": "MILLISECONDS"}, "retention_rows": 100, "idle_flush": "1 minute"}');
SELECT cqstream.create_query('pos_maxhead', 'pos_src', '{"kind": "position", "operation": "heading", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "aggregation": "MAX", "window": {"type": "HOPPING", "size": 1, "unit": "MINUTES", "hop": 20, "hopUnit": "SECONDS"}, "emit": "on_update"}');
SELECT cqstream.create_query('pos_cnt', 'pos_src', '{"kind": "position", "operation": "distance", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "options": {"aggregation": "count", "window": {"type": "COUNT", "size": 5, "hop": 5}}}');
SELECT cqstream.create_position_query('pos_kmh', 'pos_src', 't', 'vehicle',
	'lon', 'lat', 'speed | mul 3.6', '{"aggregation": "MAX", "window": {"type": "TUMBLING", "size": 1, "unit": "MINUTES"}}');
SELECT name, kind, chain, aggregation, value_type, window_kind, window_size,
	window_hop, lateness, emit, spec
FROM cqstream.query WHERE name IN ('pos_avg', 'pos_maxhead', 'pos_cnt', 'pos_kmh')
ORDER BY name;
SELECT cqstream.create_query('pos_avg2', 'pos_src',
	(SELECT spec FROM cqstream.query WHERE name = 'pos_avg'));
SELECT a.spec = b.spec AS same_spec, a.kind, a.chain, a.aggregation
FROM cqstream.query a, cqstream.query b
WHERE a.name = 'pos_avg2' AND b.name = 'pos_avg';

-- Bad windows, one on each line
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg"}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'position', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "median", "window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "count_true", "window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": 1, "window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "SLIDING", "size": 10}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": "10 seconds"}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 0}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "HOPPING", "size": 1, "unit": "DAYS", "hop": 1, "hopUnit": "SECONDS"}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "COUNT", "size": 5}, "lateness": {"size": 1}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}, "lateness": {"size": -1}}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}, "emit": "sometimes"}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"emit": "on_update"}')$$);
SELECT cq_try($$SELECT cqstream.create_position_query('pos_bad', 'pos_src', 't', 'vehicle', 'lon', 'lat', 'speed', '{"aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}, "idle_flush": "1 month"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}, "options": {"window": {"type": "TUMBLING", "size": 20}}}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "lateness": null, "options": {"lateness": {"size": 1}, "aggregation": "avg", "window": {"type": "TUMBLING", "size": 10}}}')$$);
SELECT cq_try($$SELECT cqstream.create_query('pos_bad', 'pos_src', '{"kind": "position", "operation": "speed", "timeColumn": "t", "keyColumn": "vehicle", "lonColumn": "lon", "latColumn": "lat", "window": {"type": "TUMBLING", "size": 10}}')$$);
SELECT count(*) FROM cqstream.query WHERE name = 'pos_bad';

-- Dropping a query drops its per-key state
SELECT cqstream.drop_query(name) FROM cqstream.queries
WHERE name LIKE 'pos\_%' ORDER BY name;
SELECT count(*) FROM cqstream.position_state;
DROP TABLE pos_src;
DROP FUNCTION public.cq_try(text);
