-- Collections: create_collection, drop_collection and collections().
-- Errors go through cq_try, which prints SQLSTATE, message, detail and
-- hint on one result.
SET TimeZone = 'UTC';
\set VERBOSITY default

\getenv abs_srcdir PG_ABS_SRCDIR
\i :abs_srcdir/sql/include/try.sql

CREATE ROLE regress_coll_alice;
CREATE ROLE regress_coll_bob;
CREATE ROLE regress_coll_carol IN ROLE regress_coll_alice;
GRANT CREATE ON SCHEMA public TO regress_coll_alice, regress_coll_bob;

SET ROLE regress_coll_alice;
CREATE TABLE coll_src (id bigint GENERATED ALWAYS AS IDENTITY,
	t timestamptz NOT NULL, fid text NOT NULL, temp double precision,
	speed real, price numeric, n integer, big bigint, small smallint,
	label text, code varchar(8), flag char(2), ok boolean, pos point,
	secret double precision);
CREATE TABLE "Coll ""Quoted""" (seq bigserial, "time" timestamp,
	"Feature" integer, "Value ""x""" float8);
CREATE VIEW coll_view AS SELECT * FROM coll_src;

-- Registering
SELECT cqstream.create_collection('sensors', 'coll_src', 't', 'fid',
	'Sensors', 'Temperature sensors');
SELECT cqstream.create_collection('quoted', '"Coll ""Quoted"""', 'time',
	'Feature');
SELECT id, title, description, source, time_column, key_column, key_type,
	owner FROM cqstream.collections() ORDER BY id;
SELECT id, jsonb_pretty(properties) FROM cqstream.collections() ORDER BY id;

-- Bad arguments
SELECT cq_try($$SELECT cqstream.create_collection('sensors', 'coll_src',
	't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('Sensors', 'coll_src',
	't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('a"b', 'coll_src',
	't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('x'' OR 1=1 --',
	'coll_src', 't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection(repeat('a', 48),
	'coll_src', 't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('', 'coll_src', 't',
	'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection(NULL, 'coll_src', 't',
	'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', NULL, 't',
	'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src', NULL,
	'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src', 't',
	NULL)$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_nothing',
	't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_view', 't',
	'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src',
	'nope', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src',
	'ctid', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src',
	'temp', 'fid')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src', 't',
	'nope')$$);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_src', 't',
	't')$$);
SELECT cq_try($$SELECT cqstream.drop_collection('nope')$$);
SELECT cq_try($$SELECT cqstream.drop_collection(NULL)$$);
CREATE TEMP TABLE coll_temp (t timestamptz, k text);
SELECT cq_try($$SELECT cqstream.create_collection('c1', 'coll_temp', 't',
	'k')$$);

-- A position: two numeric columns, both or neither; not properties
CREATE TABLE coll_pts (id bigserial, t timestamptz NOT NULL, v text NOT NULL,
	lon double precision, lat numeric, ilon integer, speed real,
	label text);
SELECT cqstream.create_collection('fleet', 'coll_pts', 't', 'v', 'Fleet',
	NULL, 'lon', 'lat');
SELECT id, lon_column, lat_column, properties FROM cqstream.collections()
	WHERE id IN ('fleet', 'sensors') ORDER BY id;
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', lon_column => 'lon')$$);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', lat_column => 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', NULL, NULL, 'label', 'lat')$$);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', NULL, NULL, 'lon', 'nope')$$);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', NULL, NULL, 'lon', 'lon')$$);
CREATE TABLE coll_ipts (t timestamptz, k integer, x float8, y float8);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_ipts', 't',
	'k', NULL, NULL, 'k', 'y')$$);
DROP TABLE coll_ipts;
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', NULL, NULL, 'lon', 't')$$);
SELECT cq_try($$SELECT cqstream.create_collection('p1', 'coll_pts', 't',
	'v', NULL, NULL, 'ctid', 'lat')$$);
SELECT count(*) FROM cqstream.collections() WHERE id = 'p1';

-- The catalog is the API's alone
SELECT cq_try($$SELECT * FROM cqstream.collection$$);
SELECT cq_try($$INSERT INTO cqstream.collection VALUES ('evil',
	'coll_src', 't', 'fid', NULL, NULL, 'regress_coll_bob')$$);

-- Another role: registering someone else's table, seeing and dropping
SET ROLE regress_coll_bob;
SELECT cq_try($$SELECT cqstream.create_collection('stolen', 'coll_src',
	't', 'fid')$$);
SELECT cq_try($$SELECT cqstream.drop_collection('sensors')$$);
-- bob may not read coll_src: no collection for him
SELECT id FROM cqstream.collections();
CREATE TABLE coll_bob (id bigserial, t timestamptz, k integer, v float8);
SELECT cqstream.create_collection('bobs', 'coll_bob', 't', 'k');
SELECT id, owner FROM cqstream.collections();
RESET ROLE;

-- Read access decides the listing: a table grant shows all properties,
-- column grants only the granted columns (time and key needed)
SET ROLE regress_coll_alice;
GRANT SELECT (t, fid, temp, ok) ON coll_src TO regress_coll_bob;
SET ROLE regress_coll_bob;
SELECT id, properties FROM cqstream.collections() ORDER BY id;
SET ROLE regress_coll_alice;
REVOKE SELECT (fid) ON coll_src FROM regress_coll_bob;
SET ROLE regress_coll_bob;
SELECT id FROM cqstream.collections() ORDER BY id;
SET ROLE regress_coll_alice;
GRANT SELECT ON coll_src TO regress_coll_bob;
SET ROLE regress_coll_bob;
SELECT id, jsonb_array_length(properties) FROM cqstream.collections()
	ORDER BY id;
-- reading is no right to drop
SELECT cq_try($$SELECT cqstream.drop_collection('sensors')$$);
RESET ROLE;

-- The public columns of the catalog: which table a collection publishes
SET ROLE regress_coll_bob;
SELECT id, source, time_column, key_column, lon_column, lat_column
	FROM cqstream.collection ORDER BY id;
SELECT cq_try($$SELECT title FROM cqstream.collection$$);
RESET ROLE;

-- can_read_query: owner's role or read grant; NULL for no such query
SET ROLE regress_coll_alice;
REVOKE SELECT ON coll_src FROM regress_coll_bob;
SELECT cqstream.create_query('coll_q', 'coll_src',
	'{"operation": "abs", "timeColumn": "t", "valueColumn": "temp",
	  "keyColumn": "fid", "keyValue": "a"}');
SELECT cqstream.can_read_query('coll_q') AS alice;
SET ROLE regress_coll_bob;
SELECT cqstream.can_read_query('coll_q') AS bob,
	cqstream.can_read_query('coll_nope') IS NULL AS unknown_is_null;
SET ROLE regress_coll_alice;
SELECT cqstream.grant_results('coll_q', 'regress_coll_bob');
SET ROLE regress_coll_bob;
SELECT cqstream.can_read_query('coll_q') AS bob_granted;
SET ROLE regress_coll_alice;
SELECT cqstream.drop_query('coll_q');
RESET ROLE;

-- A member of the owner's role may drop; properties follow ALTER TABLE
SET ROLE regress_coll_alice;
DROP VIEW coll_view;
ALTER TABLE coll_src DROP COLUMN secret, ADD COLUMN extra integer;
SELECT p->>'name' AS name, p->>'type' AS type, p->>'columnType' AS column_type
	FROM cqstream.collections() c,
		jsonb_array_elements(c.properties) p
	WHERE c.id = 'sensors';
SET ROLE regress_coll_carol;
SELECT cqstream.drop_collection('quoted');
SELECT id FROM cqstream.collections() ORDER BY id;
RESET ROLE;

-- The position columns are seen only by a role that may read both; a
-- dropped one hides the collection, as a dropped key column does
SET ROLE regress_coll_alice;
GRANT SELECT (t, v, lon, speed) ON coll_pts TO regress_coll_bob;
SET ROLE regress_coll_bob;
SELECT id, lon_column, lat_column, properties FROM cqstream.collections()
	WHERE id = 'fleet';
SET ROLE regress_coll_alice;
GRANT SELECT (lat) ON coll_pts TO regress_coll_bob;
SET ROLE regress_coll_bob;
SELECT id, lon_column, lat_column FROM cqstream.collections()
	WHERE id = 'fleet';
SET ROLE regress_coll_alice;
CREATE TABLE coll_pgone (t timestamptz, k text, x float8, y float8);
SELECT cqstream.create_collection('pgone', 'coll_pgone', 't', 'k',
	lon_column => 'x', lat_column => 'y');
ALTER TABLE coll_pgone DROP COLUMN y;
SELECT id FROM cqstream.collections() WHERE id = 'pgone';
SELECT cqstream.drop_collection('pgone');
DROP TABLE coll_pgone;
RESET ROLE;

-- A dropped table: the collection disappears from the listing, and the
-- role that owned the table may still drop it (or another role may not)
SET ROLE regress_coll_alice;
CREATE TABLE coll_gone (t timestamptz, k text, v float8);
SELECT cqstream.create_collection('gone', 'coll_gone', 't', 'k');
DROP TABLE coll_gone;
SELECT id FROM cqstream.collections() ORDER BY id;
SET ROLE regress_coll_bob;
SELECT cq_try($$SELECT cqstream.drop_collection('gone')$$);
SET ROLE regress_coll_alice;
SELECT cqstream.drop_collection('gone');
-- a dropped key column hides it too
CREATE TABLE coll_col (t timestamptz, k text, v float8);
SELECT cqstream.create_collection('col', 'coll_col', 't', 'k');
ALTER TABLE coll_col DROP COLUMN k;
SELECT id FROM cqstream.collections() ORDER BY id;
SELECT cqstream.drop_collection('col');
RESET ROLE;

-- The superuser sees every collection
SELECT id, source, owner FROM cqstream.collections() ORDER BY id;

-- pg_dump keeps the rows
SELECT 'cqstream.collection'::regclass::oid IN
		(SELECT unnest(extconfig) FROM pg_extension
		 WHERE extname = 'cqstream') AS dumped;
-- and the position columns with them (test/upgrade dumps and restores)
SELECT id, lon_column, lat_column FROM cqstream.collection
	WHERE lon_column IS NOT NULL ORDER BY id;

-- Clean up
SELECT cqstream.drop_collection('sensors');
SELECT cqstream.drop_collection('bobs');
SELECT cqstream.drop_collection('fleet');
DROP TABLE coll_src CASCADE;
DROP TABLE coll_pts;
DROP TABLE "Coll ""Quoted""", coll_bob, coll_col, coll_temp;
REVOKE CREATE ON SCHEMA public FROM regress_coll_alice, regress_coll_bob;
DROP ROLE regress_coll_carol, regress_coll_alice, regress_coll_bob;
DROP FUNCTION public.cq_try(text);
