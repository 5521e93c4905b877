-- cqstream 0.1.0 -> 0.2.0: ALTER EXTENSION cqstream UPDATE TO '0.2.0'
--
-- Every change to the install script (src/sql/*.sql) since 0.1.0 (commit
-- 7419a2e) is repeated here, so that an updated database ends with the
-- same objects as a fresh CREATE EXTENSION; the upgrade suite
-- (test/upgrade/upgrade.sh) compares the two catalogs and fails on any
-- difference.  Add a column at the end of its table in src/sql/ too: an
-- added column always lands last here.
--
-- The library must be the new one before this runs: install it, restart
-- the server (it is preloaded), then ALTER EXTENSION (docs/deploy.md).

\echo Use "ALTER EXTENSION cqstream UPDATE TO '0.2.0'" to load this file. \quit

-- src/sql/83_explicit_ids.sql (new in 0.2.0)
/*
 * Explicit ids (src/engine/explicit_ids.c): an INSERT or COPY that gives a
 * source's id column a value passes it through these checks, which refuse
 * an id the id sequence has already handed out (the worker may have read
 * past it).  Added by parse analysis and COPY, not meant to be called.
 */
CREATE FUNCTION cqstream.cq_explicit_id(id anyelement, id_sequence oid, tab oid)
	RETURNS anyelement
	AS 'MODULE_PATHNAME', 'cq_explicit_id'
	LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.cq_explicit_id(anyelement, oid, oid) IS
	'id, unless the id sequence has handed it out already (55000): wrapped around explicit ids of a source by parse analysis';

-- Not STRICT: a NULL id must not make COPY drop the row silently
CREATE FUNCTION cqstream.cq_explicit_id_ok(id anyelement, id_sequence oid, tab oid)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_explicit_id_ok'
	LANGUAGE C STABLE PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.cq_explicit_id_ok(anyelement, oid, oid) IS
	'true, unless the id sequence has handed the id out already (55000): the WHERE clause COPY FROM gets for a source''s id column';

-- src/sql/84_collection.sql (new in 0.2.0): collections, for the relay's
-- OGC API /collections (branch ogcq)
/*
 * Collections (src/engine/collection.c): source tables published as OGC
 * API - Moving Features collections, for the relay's /collections.  A
 * collection is a table with a time column and a key column (the feature
 * id); its other columns of a number, text or boolean type are its
 * temporal properties.  Only members of the table owner's role register
 * or drop one; cqstream.collections() shows each role the collections
 * whose table it may read.  The functions are plain C: they check as the
 * calling user and write the catalog as the extension's owner.
 */
CREATE TABLE cqstream.collection (
	id text PRIMARY KEY CHECK (id ~ '^[a-z][a-z0-9_]{0,46}$'),
	source regclass NOT NULL,
	time_column name NOT NULL,
	key_column name NOT NULL,
	title text,
	description text,
	owner regrole NOT NULL,	-- the table's owner at registration
	created timestamptz NOT NULL DEFAULT now()
);
REVOKE ALL ON cqstream.collection FROM PUBLIC;
COMMENT ON TABLE cqstream.collection IS
	'source tables published as OGC API collections (written by the cqstream API only)';
-- kept by pg_dump: see 89_dump.sql

CREATE FUNCTION cqstream.create_collection(id text, source regclass,
		time_column name, key_column name, title text DEFAULT NULL,
		description text DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_collection'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_collection(text, regclass, name, name, text, text) IS
	'publish source as an OGC API collection: key_column holds the feature ids, the other number, text and boolean columns are temporal properties (members of the table owner''s role only)';

CREATE FUNCTION cqstream.drop_collection(id text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_drop_collection'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.drop_collection(text) IS
	'stop publishing a collection; its table and queries stay (members of the table owner''s role only)';

CREATE FUNCTION cqstream.collections()
	RETURNS TABLE (id text, title text, description text, source regclass,
		time_column name, key_column name, key_type regtype,
		properties jsonb, owner regrole)
	AS 'MODULE_PATHNAME', 'cq_collections'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION cqstream.collections() IS
	'the collections whose table the current user may read, with their temporal properties ([{"name", "type": TReal, TInt, TText or TBool, "columnType"}]) among the columns it may read';
SELECT pg_catalog.pg_extension_config_dump('cqstream.collection', '');
