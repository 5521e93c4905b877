/*
 * Read grants (src/engine/access.c): a role outside the owner's role may
 * read one query's results, through cqstream.results(), cqstream.result
 * and the relay, and nothing else.  The grants are the readers column of
 * cqstream.query, so they are dumped and restored with the query.
 */
CREATE FUNCTION cqstream.grant_results(query text, reader regrole)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_grant_results'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.grant_results(text, regrole) IS
	'let reader (and its members) read the results of a query and follow its stream, without any other right (members of the owner''s role only)';

CREATE FUNCTION cqstream.revoke_results(query text, reader regrole)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_revoke_results'
	LANGUAGE C VOLATILE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.revoke_results(text, regrole) IS
	'take back a read grant made by cqstream.grant_results (members of the owner''s role only)';

CREATE FUNCTION cqstream.can_read_results(query_id integer)
	RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_can_read_results'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.can_read_results(integer) IS
	'whether the current user may read the results of the query with this id: a member of its owner''s role or of a role granted read';

/*
 * One row per result, for people in psql and for tests: the rows of the
 * queries the current user may read (a security barrier, so no function
 * of the caller's sees a row the filter removes).
 */
CREATE VIEW cqstream.result WITH (security_barrier) AS
SELECT b.query_id, b.first_id + e.n - 1 AS id, b.created,
	e.payload::text AS payload
FROM cqstream.result_block AS b
	CROSS JOIN LATERAL pg_catalog.json_array_elements(b.payloads::json)
		WITH ORDINALITY AS e(payload, n)
WHERE cqstream.can_read_results(b.query_id);
COMMENT ON VIEW cqstream.result IS
	'results log, one row per result: id = query_id * 10^12 + n, payload the compact JSON announced by NOTIFY; only the queries the current user may read';
GRANT SELECT ON cqstream.result TO PUBLIC;
