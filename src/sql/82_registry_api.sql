/*
 * The query registry API (src/engine/registry_api.c).  The functions are
 * C and not SECURITY DEFINER: they check everything as the calling user
 * and write the catalog tables of 80_registry.sql as the extension's
 * owner.  See docs/engine.md.
 */
CREATE FUNCTION cqstream.create_transform(name text, source regclass,
		time_column name, value_column name, operation text,
		arg float8 DEFAULT NULL, key_column name DEFAULT NULL,
		options jsonb DEFAULT '{}')
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_transform'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_transform(text, regclass, name, name, text, float8, name, jsonb) IS
	'register a continuous query applying an operation (with arg) or a chain such as ''mul 1.8 | add 32'' to each new row of source';

CREATE FUNCTION cqstream.create_aggregate(name text, source regclass,
		time_column name, value_column name, aggregation text,
		win cqstream.window, key_column name DEFAULT NULL,
		lateness interval DEFAULT '0', emit text DEFAULT 'on_close',
		options jsonb DEFAULT '{}')
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_aggregate'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_aggregate(text, regclass, name, name, text, cqstream.window, name, interval, text, jsonb) IS
	'register a continuous query aggregating (COUNT, SUM, AVG, MIN, MAX; COUNT_DISTINCT; ANY, ALL, COUNT_TRUE, COUNT_FALSE) the new rows of source over tumbling, hopping or count windows, per key';

CREATE FUNCTION cqstream.create_query(name text, source regclass, spec jsonb)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_query'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_query(text, regclass, jsonb) IS
	'register a continuous query from an OGC API MF Part 4 shaped body: {"operation", "arg"} or {"aggregation", "window", "lateness", "emit"}, with "timeColumn", "valueColumn", "keyColumn", "idColumn", "options"';

CREATE FUNCTION cqstream.drop_query(name text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_drop_query'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.drop_query(text) IS
	'drop a continuous query with its progress and its results log (owner only)';

CREATE FUNCTION cqstream.pause_query(name text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_pause_query'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.pause_query(text) IS
	'pause a continuous query: new rows wait until it is resumed (owner only)';

CREATE FUNCTION cqstream.resume_query(name text)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_resume_query'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.resume_query(text) IS
	'resume a paused continuous query from where it stopped (owner only)';

CREATE FUNCTION cqstream.results(name text, after_id bigint DEFAULT 0,
		max_rows integer DEFAULT 1000)
	RETURNS TABLE (id bigint, created timestamptz, payload jsonb)
	AS 'MODULE_PATHNAME', 'cq_results'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE ROWS 1000;
COMMENT ON FUNCTION cqstream.results(text, bigint, integer) IS
	'the logged results of a query with id > after_id, in id order, at most max_rows (members of the owner''s role only)';

CREATE FUNCTION cqstream.query_lag(query_id integer)
	RETURNS bigint
	AS 'MODULE_PATHNAME', 'cq_query_lag'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.query_lag(integer) IS
	'rows not yet processed by a query, from its source''s id sequence (NULL outside the owner''s role); used by cqstream.queries';

CREATE VIEW cqstream.queries AS
	SELECT q.name,
		q.kind,
		q.source,
		q.spec,
		q.owner::regrole AS owner,
		CASE WHEN q.paused THEN 'paused' ELSE s.status END AS status,
		s.rows_processed,
		s.results_emitted,
		s.rows_skipped,
		s.rows_late,
		CASE WHEN s.last_result_seq > 0
			THEN q.id::bigint * 1000000000000 + s.last_result_seq
		END AS last_result_id,
		cqstream.query_lag(q.id) AS lag,
		CASE WHEN cqstream.can_read_results(q.id)
			THEN s.last_error
		END AS last_error,
		'cqstream_' || q.name AS channel,
		q.created,
		s.watermark,
		s.notifications_dropped
	FROM cqstream.query q
	JOIN cqstream.query_state s ON s.query_id = q.id;
COMMENT ON VIEW cqstream.queries IS
	'registered continuous queries with status and progress; lag only for members of the owner''s role, last_error also for roles granted read';
GRANT SELECT ON cqstream.queries TO PUBLIC;
