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
