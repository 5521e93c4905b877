-- The query registry: create_transform, create_query, drop_query,
-- pause_query, resume_query, results and the view cqstream.queries.
-- Errors go through cq_try, which prints SQLSTATE, message, detail and
-- hint on one result (no LOCATION lines, no PIDs).
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
\set VERBOSITY default

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/try.sql

-- Sources
CREATE TABLE reg_src (id bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz NOT NULL, v double precision, sensor text, n numeric,
	i integer, ts timestamp, label text);
INSERT INTO reg_src (t, v, sensor) VALUES
	('2026-11-23 10:00:00', 20.5, 's1'), ('2026-11-23 10:00:01', 21, 's2'),
	('2026-11-23 10:00:02', 22, 's1');
CREATE TABLE reg_serial (id bigserial, t timestamptz, v real);
CREATE TABLE reg_part (id bigserial, t timestamptz, v smallint, k text)
	PARTITION BY RANGE (t);
CREATE TABLE reg_noid (t timestamptz, v float8);
CREATE TABLE "Reg Mixed" (t timestamptz, v float8);
CREATE TABLE reg_intid (id integer GENERATED ALWAYS AS IDENTITY,
	t timestamptz, v float8);
CREATE TABLE reg_two (a bigserial, b bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz, v float8);
CREATE SEQUENCE reg_seq;
CREATE TABLE reg_unowned (id bigint DEFAULT nextval('reg_seq'),
	t timestamptz, v float8);
CREATE VIEW reg_view AS SELECT * FROM reg_src;
CREATE TEMP TABLE reg_temp (id bigserial, t timestamptz, v float8);

-- Creating
SELECT cqstream.create_transform('temp_f', 'reg_src', 't', 'v',
	'mul 1.8 | add 32', key_column => 'sensor');
SELECT cqstream.create_transform('ln_v', 'reg_src', 't', 'v', 'ln');
SELECT cqstream.create_transform('scaled', 'reg_src', 't', 'v', 'mul', 1.8);
SELECT cqstream.create_transform('rounded', 'reg_src', 'ts', 'n', 'round', 2,
	options => '{"start": "beginning", "notify": "id"}');
SELECT cqstream.create_query('body_one', 'reg_serial',
	'{"operation": "mul", "arg": 1.8, "timeColumn": "t", "valueColumn": "v"}');
SELECT cqstream.create_query('body_chain', 'reg_part',
	'{"operation": " mul 1.8|add  32 ", "timeColumn": "t", "valueColumn": "v",
	  "keyColumn": null, "arg": null,
	  "options": {"retention_rows": 10, "retention_age": "90 minutes"}}');
SELECT cqstream.create_query('two_ids', 'reg_two',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "v",
	  "idColumn": "b", "options": {"retention_rows": 0, "retention_age": null}}');

-- The view: canonical specs with every option filled in; status; lag
-- (rows of the source after the query's start: 0 for "now", 3 for
-- "beginning" over the 3 existing rows)
SELECT name, kind, source, owner, status, rows_processed, results_emitted,
	rows_skipped, rows_late, last_result_id, lag, last_error, channel,
	created <= now() AS created_ok
FROM cqstream.queries ORDER BY name;
SELECT name, jsonb_pretty(spec) FROM cqstream.queries ORDER BY name;
SELECT q.name, q.id_column, q.id_sequence, q.chain, s.last_source_id
FROM cqstream.query q JOIN cqstream.query_state s ON s.query_id = q.id
ORDER BY q.name;
-- One operation with arg and the same chain give the same spec
SELECT (SELECT spec FROM cqstream.queries WHERE name = 'scaled')
	= (SELECT spec FROM cqstream.queries WHERE name = 'body_one') AS same_spec;
-- A stored spec registers the same query again
SELECT cqstream.create_query('temp_f_copy', 'reg_src',
	(SELECT spec FROM cqstream.queries WHERE name = 'temp_f'));
SELECT (SELECT spec FROM cqstream.queries WHERE name = 'temp_f')
	= (SELECT spec FROM cqstream.queries WHERE name = 'temp_f_copy') AS same_spec;
-- New rows raise the lag
INSERT INTO reg_src (t, v) VALUES ('2026-11-23 10:00:03', 1), ('2026-11-23 10:00:04', 2);
SELECT name, lag FROM cqstream.queries WHERE source = 'reg_src'::regclass ORDER BY name;

-- Names
SELECT cq_try($$SELECT cqstream.create_transform('Temp', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('1abc', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('a-b', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform(repeat('a', 48), 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform(repeat('a', 47), 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.drop_query(repeat('a', 47))$$);
SELECT cq_try($$SELECT cqstream.create_transform('registry', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('temp_f', 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_query('temp_f', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v"}')$$);

-- Nulls
SELECT cq_try($$SELECT cqstream.create_transform(NULL, 'reg_src', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', NULL, 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', NULL, 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', NULL, 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', NULL)$$);
SELECT cqstream.create_query(NULL, 'reg_src', '{}') IS NULL AS strict;

-- Sources
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_nope', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 1, 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_view', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_seq', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_temp', 't', 'v', 'ln')$$);

-- Columns
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 'nope', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'nope', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', key_column => 'nope')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 'ctid', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 'v', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 'id', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'sensor', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 't', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', key_column => 'v')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', key_column => 't')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v", "idColumn": "nope"}')$$);

-- Id columns
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_noid', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', '"Reg Mixed"', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_intid', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_unowned', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_two', 't', 'v', 'ln')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v", "idColumn": "i"}')$$);

-- Operations
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'sqrt')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'sqrt', 2)$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'mul')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'mul 1.8 |')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', '')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'mul 1.8 | add 32', 2)$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', 2)$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'div', 0)$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'mul', 'NaN')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'round', 1.5)$$);

-- Options
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '[]')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention": 1}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_rows": "10"}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_rows": -1}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_rows": 1.5}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_rows": 1e30}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_age": 5}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_age": "bogus"}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"retention_age": "-1 day"}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"notify": "all"}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"notify": true}')$$);
SELECT cq_try($$SELECT cqstream.create_transform('x', 'reg_src', 't', 'v', 'ln', options => '{"start": "later"}')$$);

-- Bodies
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '[]')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v", "extra": 1}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": 1, "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "mul", "arg": "1.8", "timeColumn": "t", "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": ["t"], "valueColumn": "v"}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v", "options": []}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"operation": "ln", "timeColumn": "t", "valueColumn": "v", "options": {"notify": "none", "x": 1}}')$$);
SELECT cq_try($$SELECT cqstream.create_query('x', 'reg_src', '{"aggregation": "AVG", "timeColumn": "t", "valueColumn": "v"}')$$);
-- Nothing above was registered
SELECT count(*) FROM cqstream.queries WHERE name = 'x';

-- Pause, resume, drop
SELECT cqstream.pause_query('ln_v');
SELECT cqstream.pause_query('ln_v');
SELECT name, status FROM cqstream.queries WHERE name = 'ln_v';
SELECT cqstream.resume_query('ln_v');
SELECT name, status FROM cqstream.queries WHERE name = 'ln_v';
-- resuming also retries a failed query: the failure is cleared (the
-- worker sets it; here by hand)
UPDATE cqstream.query_state SET status = 'failed', last_error = 'boom',
	last_error_at = now()
WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'ln_v');
SELECT name, status, last_error FROM cqstream.queries WHERE name = 'ln_v';
SELECT cqstream.resume_query('ln_v');
SELECT name, status <> 'failed' AS retried, last_error IS NULL AS cleared
FROM cqstream.queries WHERE name = 'ln_v';
SELECT cq_try($$SELECT cqstream.pause_query('nope')$$);
SELECT cq_try($$SELECT cqstream.resume_query('nope')$$);
SELECT cq_try($$SELECT cqstream.drop_query('nope')$$);
SELECT cq_try($$SELECT cqstream.results('nope')$$);

-- Results: written here by hand, as the worker will
UPDATE cqstream.query_state s SET last_result_seq = 3, results_emitted = 3
FROM cqstream.query q WHERE q.id = s.query_id AND q.name = 'scaled';
-- in two blocks, results 1 and 2, then 3 (result_log.c)
INSERT INTO cqstream.result_block (query_id, first_id, last_id, created, payloads)
SELECT q.id, q.id * 1000000000000 + lo, q.id * 1000000000000 + hi,
	'2026-11-23 10:00:00+00',
	'[' || (SELECT string_agg(format('{"query":"scaled","id":%s,"datetime":"2026-11-23T10:00:0%sZ","value":%s}',
		q.id * 1000000000000 + n, n, n * 1.8), ',' ORDER BY n)
		FROM generate_series(lo, hi) n) || ']'
FROM cqstream.query q, (VALUES (3, 3), (1, 2)) b(lo, hi) WHERE q.name = 'scaled';
-- one row per result
SELECT id % 1000000000000 AS n, payload::jsonb - 'id' AS payload FROM cqstream.result
WHERE query_id = (SELECT id FROM cqstream.query WHERE name = 'scaled') ORDER BY id;
SELECT last_result_id % 1000000000000 AS last_n,
	last_result_id / 1000000000000 = (SELECT id FROM cqstream.query WHERE name = 'scaled') AS id_ok
FROM cqstream.queries WHERE name = 'scaled';
SELECT id % 1000000000000 AS n, created, payload - 'id' AS payload
FROM cqstream.results('scaled');
SELECT id % 1000000000000 AS n FROM cqstream.results('scaled', max_rows => 1);
SELECT id % 1000000000000 AS n FROM cqstream.results('scaled',
	(SELECT last_result_id - 2 FROM cqstream.queries WHERE name = 'scaled'), 1000000);
SELECT count(*) FROM cqstream.results('ln_v');
SELECT cq_try($$SELECT * FROM cqstream.results('scaled', 0, 0)$$);
SELECT cq_try($$SELECT * FROM cqstream.results('scaled', 0, 1000001)$$);
-- Drop takes the state and the results with it
CREATE TEMP TABLE reg_dropped AS SELECT id FROM cqstream.query WHERE name = 'scaled';
SELECT cqstream.drop_query('scaled');
SELECT (SELECT count(*) FROM cqstream.query_state WHERE query_id IN (SELECT id FROM reg_dropped)) AS states,
	(SELECT count(*) FROM cqstream.result WHERE query_id IN (SELECT id FROM reg_dropped)) AS results;
SELECT cq_try($$SELECT cqstream.drop_query('scaled')$$);

-- Roles: alice may read reg_src, bob may not, carol is a member of alice
CREATE ROLE regress_cq_alice;
CREATE ROLE regress_cq_bob;
CREATE ROLE regress_cq_carol IN ROLE regress_cq_alice;
GRANT SELECT ON reg_src TO regress_cq_alice;
GRANT SELECT ON reg_serial TO regress_cq_bob;
GRANT SELECT (id, t, v) ON reg_part TO regress_cq_bob;
SET ROLE regress_cq_alice;
SELECT cqstream.create_transform('alice_q', 'reg_src', 't', 'v', 'abs');
SELECT name, owner, lag FROM cqstream.queries WHERE name = 'alice_q';
SELECT count(*) FROM cqstream.results('alice_q');
SELECT cq_try($$SELECT * FROM cqstream.query$$);
SELECT cq_try($$SELECT * FROM cqstream.result$$);
SELECT cq_try($$INSERT INTO cqstream.query_state VALUES (1)$$);
SELECT cq_try($$SELECT cqstream.drop_query('temp_f')$$);
SET ROLE regress_cq_bob;
SELECT cq_try($$SELECT cqstream.create_transform('bob_q', 'reg_src', 't', 'v', 'abs')$$);
SELECT cqstream.create_transform('bob_q', 'reg_serial', 't', 'v', 'abs');
SELECT cqstream.create_transform('bob_part', 'reg_part', 't', 'v', 'abs');
SELECT cq_try($$SELECT cqstream.create_transform('bob_key', 'reg_part', 't', 'v', 'abs', key_column => 'k')$$);
SELECT cq_try($$SELECT * FROM cqstream.results('alice_q')$$);
SELECT cq_try($$SELECT cqstream.drop_query('alice_q')$$);
SELECT cq_try($$SELECT cqstream.pause_query('alice_q')$$);
SELECT cq_try($$SELECT cqstream.resume_query('alice_q')$$);
-- Everyone sees every query; lag and last_error only for the owner's role
SELECT name, owner, status, lag IS NULL AS lag_hidden
FROM cqstream.queries WHERE name IN ('alice_q', 'bob_q') ORDER BY name;
SET ROLE regress_cq_carol;
SELECT count(*) FROM cqstream.results('alice_q');
SELECT cqstream.pause_query('alice_q');
SELECT name, status, lag IS NULL AS lag_hidden FROM cqstream.queries WHERE name = 'alice_q';
SELECT cqstream.drop_query('alice_q');
RESET ROLE;
-- A superuser may drop anyone's query
SELECT cqstream.drop_query('bob_q');
SELECT cqstream.drop_query('bob_part');
SELECT name, owner FROM cqstream.queries ORDER BY name;

-- Owners are kept existing roles: DROP ROLE is refused while the role
-- owns queries; REASSIGN OWNED moves them, DROP OWNED drops them
CREATE ROLE regress_cq_dave;
CREATE ROLE regress_cq_erin;
GRANT SELECT ON reg_src TO regress_cq_dave, regress_cq_erin;
SET ROLE regress_cq_dave;
SELECT cqstream.create_transform('dave_a', 'reg_src', 't', 'v', 'abs');
SELECT cqstream.create_transform('dave_b', 'reg_src', 't', 'v', 'ln');
RESET ROLE;
DROP ROLE regress_cq_dave;
DROP ROLE IF EXISTS regress_cq_nobody, regress_cq_dave;
SELECT name, owner FROM cqstream.queries WHERE name LIKE 'dave%' ORDER BY name;
-- only who may act for both roles can reassign
SET ROLE regress_cq_erin;
SELECT cq_try($$REASSIGN OWNED BY regress_cq_dave TO regress_cq_erin$$);
-- without CREATEROLE, PostgreSQL's own refusal comes first
SELECT cq_try($$DROP ROLE regress_cq_dave$$);
RESET ROLE;
SELECT name, owner FROM cqstream.queries WHERE name LIKE 'dave%' ORDER BY name;
REASSIGN OWNED BY regress_cq_dave TO regress_cq_erin;
SELECT name, owner FROM cqstream.queries WHERE name LIKE 'dave%' ORDER BY name;
DROP OWNED BY regress_cq_dave;
DROP ROLE regress_cq_dave;
SELECT cq_try($$DROP ROLE regress_cq_erin$$);
-- in a transaction that rolls back, DROP OWNED takes nothing with it
BEGIN;
DROP OWNED BY regress_cq_erin;
SELECT count(*) FROM cqstream.queries WHERE name LIKE 'dave%';
ROLLBACK;
SELECT count(*) FROM cqstream.queries WHERE name LIKE 'dave%';
DROP OWNED BY regress_cq_erin;
SELECT count(*) FROM cqstream.queries WHERE name LIKE 'dave%';
DROP ROLE regress_cq_erin;

-- Clean up
SELECT cqstream.drop_query(name) FROM cqstream.queries ORDER BY name;
SELECT count(*) AS queries, (SELECT count(*) FROM cqstream.query_state) AS states
FROM cqstream.query;
DROP TABLE reg_src, reg_serial, reg_part, reg_noid, "Reg Mixed", reg_intid,
	reg_two, reg_unowned, reg_temp, reg_dropped CASCADE;
DROP SEQUENCE reg_seq;
DROP ROLE regress_cq_carol, regress_cq_bob, regress_cq_alice;
DROP FUNCTION public.cq_try(text);
