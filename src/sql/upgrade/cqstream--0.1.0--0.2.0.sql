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

-- src/sql/80_registry.sql: open windows in chunks (new in 0.2.0).  The
-- 0.1.0 table had a row per window; its rows become chunks of 64 keys
-- (the worker splits or merges them as batches rewrite them), in the
-- order the worker merges: bytes of the key, NULL first, then wstart.
ALTER EXTENSION cqstream DROP TABLE cqstream.window_state;
ALTER TABLE cqstream.window_state RENAME TO window_state_0_1;

/*
 * Open windows of aggregate queries (docs/windows.md), in chunks: a chunk
 * holds the open windows of a run of consecutive keys of one query (bytes
 * order, the NULL key first) as parallel arrays, element i of each array
 * describing window i; windows are sorted by key, then wstart, and a key's
 * windows never straddle two chunks.  Written by the worker in the
 * transaction of each batch (src/engine/window_state.c): a chunk whose
 * keys the batch changed is rewritten, the others are left alone.  One
 * row per window, as this table once was, made a query with 10,000 keys
 * write 10,000 heap tuples and index entries a batch; a chunk of about
 * 60 windows fits one inline tuple (toast_tuple_target: never compressed
 * nor moved out of line below a page), so the same batch writes about
 * 170.  wstart is the window's start as microseconds since 2000-01-01
 * (time windows) or its number (count windows).  The state columns are
 * window.h's CqAggState; distinct_counts (COUNT_DISTINCT only) the number
 * of distinct texts of each window, which follow one another in
 * distinct_values; nrows the key's row counter (count windows);
 * emitted_* what on_update last reported (emitted_value 0 until then).
 * cqstream.window_state shows them one row per window.
 */
CREATE TABLE cqstream.window_chunk (
	query_id integer NOT NULL
		REFERENCES cqstream.query (id) ON DELETE CASCADE,
	first_key text,				-- keys[1]
	keys text[] NOT NULL,
	wstart bigint[] NOT NULL,
	tmin timestamptz[] NOT NULL,
	tmax timestamptz[] NOT NULL,
	nrows bigint[] NOT NULL,
	count bigint[] NOT NULL,
	sum float8[] NOT NULL,
	min float8[] NOT NULL,
	max float8[] NOT NULL,
	sum_overflow boolean[] NOT NULL,
	distinct_counts integer[],
	distinct_values text[],
	emitted_count bigint[] NOT NULL,
	emitted_value float8[] NOT NULL
) WITH (toast_tuple_target = 8160);
-- the order of a batch's merge: bytes of the key, NULL first
CREATE INDEX ON cqstream.window_chunk
	(query_id, first_key COLLATE "C" NULLS FIRST);
COMMENT ON TABLE cqstream.window_chunk IS
	'open windows of aggregate queries, in chunks of consecutive keys (written by the worker in the transaction of each batch)';

CREATE VIEW cqstream.window_state AS
SELECT c.query_id, w.key, w.wstart, w.tmin, w.tmax, w.nrows, w.count,
	w.sum, w.min, w.max, w.sum_overflow,
	CASE WHEN c.distinct_counts IS NOT NULL
		THEN c.distinct_values[w.doff + 1 : w.doff + w.dn] END
		AS distinct_values,
	w.emitted_count,
	CASE WHEN w.emitted_count > 0 THEN w.emitted_value END AS emitted_value
FROM cqstream.window_chunk AS c
CROSS JOIN LATERAL (
	SELECT u.*, coalesce(sum(u.dn) OVER (ORDER BY u.i
		ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING), 0)::integer AS doff
	FROM unnest(c.keys, c.wstart, c.tmin, c.tmax, c.nrows, c.count, c.sum,
				c.min, c.max, c.sum_overflow, c.distinct_counts,
				c.emitted_count, c.emitted_value)
		WITH ORDINALITY AS u(key, wstart, tmin, tmax, nrows, count, sum,
							 min, max, sum_overflow, dn, emitted_count,
							 emitted_value, i)) AS w;
COMMENT ON VIEW cqstream.window_state IS
	'open windows of aggregate queries, one row per query, key and window (cqstream.window_chunk unpacked)';

REVOKE ALL ON cqstream.window_chunk, cqstream.window_state FROM PUBLIC;
SELECT pg_catalog.pg_extension_config_dump('cqstream.window_chunk', '');

WITH s AS (
	SELECT w.*, (dense_rank() OVER (PARTITION BY w.query_id
		ORDER BY w.key COLLATE "C" NULLS FIRST) - 1) / 64 AS chunk
	FROM cqstream.window_state_0_1 AS w
), d AS (
	SELECT s.query_id, s.chunk,
		array_agg(u.v ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart, u.o) AS vals
	FROM s, unnest(s.distinct_values) WITH ORDINALITY AS u(v, o)
	GROUP BY s.query_id, s.chunk
)
INSERT INTO cqstream.window_chunk
SELECT s.query_id,
	(array_agg(s.key ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart))[1],
	array_agg(s.key ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.wstart ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.tmin ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.tmax ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.nrows ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.count ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.sum ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.min ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.max ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(s.sum_overflow ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	CASE WHEN bool_or(s.distinct_values IS NOT NULL) THEN
		array_agg(coalesce(cardinality(s.distinct_values), 0) ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart) END,
	CASE WHEN bool_or(s.distinct_values IS NOT NULL) THEN
		coalesce(d.vals, '{}') END,
	array_agg(s.emitted_count ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart),
	array_agg(coalesce(s.emitted_value, 0) ORDER BY s.key COLLATE "C" NULLS FIRST, s.wstart)
FROM s LEFT JOIN d USING (query_id, chunk)
GROUP BY s.query_id, s.chunk, d.vals;
DROP TABLE cqstream.window_state_0_1;

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
-- Which table a collection publishes is no secret (pg_class shows every
-- table): the relay checks a query's path with these columns, also for a
-- role that may read the query's results but not its table.
GRANT SELECT (id, source, time_column, key_column) ON cqstream.collection
	TO PUBLIC;
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
CREATE FUNCTION cqstream.can_read_query(name text)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_can_read_query'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.can_read_query(text) IS
	'whether the current user may read the results of the named query (NULL: no such query): a member of its owner''s role or of a role granted read';
SELECT pg_catalog.pg_extension_config_dump('cqstream.collection', '');
