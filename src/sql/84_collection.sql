/*
 * Collections (src/engine/collection.c): source tables published as OGC
 * API - Moving Features collections, for the relay's /collections.  A
 * collection is a table with a time column and a key column (the feature
 * id); its other columns of a number, text or boolean type are its
 * temporal properties.  Optionally two numeric columns hold each
 * feature's position (longitude, latitude in WGS 84): its temporal
 * geometry, for the relay's .../tgsequence routes, not properties.  Only members of the table owner's role register
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
	created timestamptz NOT NULL DEFAULT now(),
	-- the position (temporal geometry): both or neither
	lon_column name,
	lat_column name,
	CONSTRAINT collection_position_check
		CHECK ((lon_column IS NULL) = (lat_column IS NULL))
);
REVOKE ALL ON cqstream.collection FROM PUBLIC;
-- Which table a collection publishes is no secret (pg_class shows every
-- table): the relay checks a query's path with these columns, also for a
-- role that may read the query's results but not its table.
GRANT SELECT (id, source, time_column, key_column, lon_column, lat_column)
	ON cqstream.collection TO PUBLIC;
COMMENT ON TABLE cqstream.collection IS
	'source tables published as OGC API collections (written by the cqstream API only)';
-- kept by pg_dump: see 89_dump.sql

CREATE FUNCTION cqstream.create_collection(id text, source regclass,
		time_column name, key_column name, title text DEFAULT NULL,
		description text DEFAULT NULL, lon_column name DEFAULT NULL,
		lat_column name DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_collection'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_collection(text, regclass, name, name, text, text, name, name) IS
	'publish source as an OGC API collection: key_column holds the feature ids, the other number, text and boolean columns are temporal properties, lon_column and lat_column (both or neither, numeric) the features'' positions (members of the table owner''s role only)';

CREATE FUNCTION cqstream.drop_collection(id text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_drop_collection'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.drop_collection(text) IS
	'stop publishing a collection; its table and queries stay (members of the table owner''s role only)';

CREATE FUNCTION cqstream.collections()
	RETURNS TABLE (id text, title text, description text, source regclass,
		time_column name, key_column name, key_type regtype,
		properties jsonb, owner regrole, lon_column name, lat_column name)
	AS 'MODULE_PATHNAME', 'cq_collections'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION cqstream.collections() IS
	'the collections whose table the current user may read, with their temporal properties ([{"name", "type": TReal, TInt, TText or TBool, "columnType"}]) among the columns it may read, and the position columns (lon_column, lat_column; null for none or when the role may not read both)';

CREATE FUNCTION cqstream.can_read_query(name text)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_can_read_query'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.can_read_query(text) IS
	'whether the current user may read the results of the named query (NULL: no such query): a member of its owner''s role or of a role granted read';
