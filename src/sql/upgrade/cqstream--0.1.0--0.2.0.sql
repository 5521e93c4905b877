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
