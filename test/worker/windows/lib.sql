/*
 * test/worker/windows/lib.sql: the plain-SQL side of the window tests
 * (test/worker/windows.sh): the expected results of window queries,
 * computed from docs/windows.md's rules with GROUP BY, and the results the
 * worker logged, parsed into the same shape.
 *
 * Design notes
 *
 * Everything is in schema wt.  wt.q describes every query a test
 * registers (window, aggregation, value column, lateness, key or not) in
 * integer microseconds, so the expectation never goes through date_bin or
 * interval arithmetic: a window start is offset + hop * floor((t - offset)
 * / hop) with floor division written out for times before 1970.
 *
 * Sources have the shape (id identity, k text, ts timestamptz, v float8,
 * s text, b boolean), or other types that cast to those (the key is
 * grouped by its text, numbers are read as float8); a query aggregates v
 * (numbers), s (text) or b (booleans).  A row is skipped for a query when ts or its value column is
 * NULL.  The watermark before a row is the largest ts of the earlier
 * non-skipped rows (by id) minus the lateness; the row folds into each of
 * its windows whose end is after that watermark; a window is expected
 * when the final watermark (largest ts minus lateness) has reached its
 * end.  COUNT windows number each key's non-skipped rows in id order.
 *
 * Values are compared as text: numbers through float8 output (shortest
 * exact digits, so NaN, infinities and -0 are told apart), counts as the
 * JSON text the worker wrote (so 5.0 for 5 is a difference), booleans as
 * true/false.  SUM is sum(v ORDER BY id): PostgreSQL's float8 sum adds in
 * input order, as the contract's id order.  AVG is (0 + that sum) /
 * count, as PostgreSQL's avg, whose running sum starts from 0 (so the
 * average of -0 alone is 0; nothing else differs from sum / count).  MIN
 * and MAX take the rows in id order, so ties of -0 and 0 resolve as
 * PostgreSQL's (and window.c's) float8smaller/float8larger do.
 */
SET client_min_messages = warning;
CREATE SCHEMA IF NOT EXISTS wt;

CREATE TABLE IF NOT EXISTS wt.q (
	name text PRIMARY KEY,
	src regclass NOT NULL,
	agg text NOT NULL,			-- canonical upper-case aggregation
	col text NOT NULL CHECK (col IN ('v', 's', 'b')),
	kind text NOT NULL CHECK (kind IN ('tumbling', 'hopping', 'count')),
	size_us bigint,				-- time windows
	hop_us bigint,
	off_us bigint,
	late_us bigint NOT NULL DEFAULT 0,
	size_rows int,				-- count windows
	hop_rows int,
	keyed boolean NOT NULL,
	emit text NOT NULL DEFAULT 'on_close',
	options jsonb NOT NULL DEFAULT '{}'
);

-- wt.us(t): t as microseconds since 1970-01-01 (exact: extract gives numeric)
CREATE OR REPLACE FUNCTION wt.us(t timestamptz) RETURNS bigint
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT (extract(epoch FROM t) * 1000000)::bigint $$;

-- wt.ts(us): the inverse
CREATE OR REPLACE FUNCTION wt.ts(us bigint) RETURNS timestamptz
LANGUAGE sql IMMUTABLE STRICT PARALLEL SAFE
AS $$ SELECT timestamptz 'epoch' + us * interval '1 microsecond' $$;

/*
 * wt.register(name): create the query of wt.q row NAME with
 * cqstream.create_aggregate.
 */
CREATE OR REPLACE FUNCTION wt.register(p_name text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	q wt.q;
	w cqstream.window;
BEGIN
	SELECT * INTO STRICT q FROM wt.q WHERE name = p_name;
	w := CASE q.kind
		WHEN 'tumbling' THEN cqstream.tumbling(q.size_us * interval '1 microsecond',
											   q.off_us * interval '1 microsecond')
		WHEN 'hopping' THEN cqstream.hopping(q.size_us * interval '1 microsecond',
											 q.hop_us * interval '1 microsecond',
											 q.off_us * interval '1 microsecond')
		ELSE cqstream.count_window(q.size_rows, q.hop_rows) END;
	PERFORM cqstream.create_aggregate(q.name, q.src, 'ts', q.col, q.agg, w,
		key_column => CASE WHEN q.keyed THEN 'k' END::name,
		lateness => q.late_us * interval '1 microsecond',
		emit => q.emit, options => q.options);
END $$;

/*
 * wt.folded(src): one row per (query of src, row, window the row folds
 * into): gid identifies the window within the query and key (its start
 * for time windows, its number for COUNT windows); closed says whether
 * the final watermark closes it.  COUNT windows: only complete ones.
 */
DROP FUNCTION IF EXISTS wt.folded(regclass) CASCADE;
CREATE OR REPLACE FUNCTION wt.folded(p_src regclass)
RETURNS TABLE (name text, agg text, keyed boolean, key text, gid bigint,
			   tws bigint, twe bigint, closed boolean, id bigint, us bigint,
			   fv float8, sv text, bv boolean)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
	RETURN QUERY EXECUTE format($q$
	WITH base AS (
		SELECT id, k::text AS k, wt.us(ts) AS us, v::float8 AS v, s::text AS s,
			   b::boolean AS b
		FROM %s
	), r AS (
		SELECT 'v' AS col, id, k, us, v AS fv, NULL::text AS sv, NULL::boolean AS bv
		FROM base WHERE us IS NOT NULL AND v IS NOT NULL
		UNION ALL
		SELECT 's', id, k, us, NULL, s, NULL FROM base WHERE us IS NOT NULL AND s IS NOT NULL
		UNION ALL
		SELECT 'b', id, k, us, NULL, NULL, b FROM base WHERE us IS NOT NULL AND b IS NOT NULL
	), rw AS (
		SELECT r.*,
			   max(us) OVER (PARTITION BY col ORDER BY id
							 ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS maxprev,
			   max(us) OVER (PARTITION BY col) AS maxall,
			   row_number() OVER (PARTITION BY col, k ORDER BY id) - 1 AS rn_key,
			   count(*) OVER (PARTITION BY col, k) AS n_key,
			   row_number() OVER (PARTITION BY col ORDER BY id) - 1 AS rn_all,
			   count(*) OVER (PARTITION BY col) AS n_all
		FROM r
	), qs AS (
		SELECT * FROM wt.q WHERE src = %L::regclass
	)
	SELECT q.name, q.agg, q.keyed, CASE WHEN q.keyed THEN r.k END, w.ws,
		   w.ws, w.ws + q.size_us, w.ws + q.size_us <= r.maxall - q.late_us,
		   r.id, r.us, r.fv, r.sv, r.bv
	FROM qs AS q
	JOIN rw AS r ON r.col = q.col
	CROSS JOIN LATERAL (SELECT (r.us - q.off_us) - ((r.us - q.off_us) %% q.hop_us + q.hop_us) %% q.hop_us
								   + q.off_us AS last) AS l
	CROSS JOIN LATERAL (SELECT l.last - j * q.hop_us AS ws
						FROM generate_series(0, (q.size_us - 1) / q.hop_us) AS j) AS w
	WHERE q.kind IN ('tumbling', 'hopping')
	  AND w.ws + q.size_us > r.us
	  AND (r.maxprev IS NULL OR w.ws + q.size_us > r.maxprev - q.late_us)
	UNION ALL
	SELECT q.name, q.agg, q.keyed, CASE WHEN q.keyed THEN r.k END, wn,
		   NULL, NULL, true, r.id, r.us, r.fv, r.sv, r.bv
	FROM qs AS q
	JOIN rw AS r ON r.col = q.col
	CROSS JOIN LATERAL (SELECT CASE WHEN q.keyed THEN r.rn_key ELSE r.rn_all END AS rn,
							   CASE WHEN q.keyed THEN r.n_key ELSE r.n_all END AS n,
							   q.size_rows::bigint AS size,
							   coalesce(q.hop_rows, q.size_rows)::bigint AS hop) AS c
	CROSS JOIN LATERAL generate_series(
		CASE WHEN c.rn - c.size + 1 <= 0 THEN 0
			 ELSE (c.rn - c.size + 1 + c.hop - 1) / c.hop END,
		c.rn / c.hop) AS wn
	WHERE q.kind = 'count'
	  AND wn * c.hop + c.size <= c.n
	$q$, p_src, p_src);
END $f$;

/*
 * wt.expected(src, open): the final results docs/windows.md prescribes
 * for the queries of src, as (name, has_key, key, ws, we, value, count,
 * final), ws and we in microseconds since 1970; with open, also the time
 * windows still open at the end, with final false and their value so far
 * (what the last on_update result of such a window must show).
 */
DROP FUNCTION IF EXISTS wt.expected(regclass);
CREATE OR REPLACE FUNCTION wt.expected(p_src regclass, p_open boolean DEFAULT false)
RETURNS TABLE (name text, has_key boolean, key text, ws bigint, we bigint,
			   value text, cnt bigint, final boolean)
LANGUAGE sql STABLE AS $$
	-- Each aggregate sees only the rows of its own queries (FILTER), so
	-- the sorts of the ordered ones stay small.
	SELECT f.name, f.keyed, f.key,
		   coalesce(min(f.tws), min(f.us)), coalesce(min(f.twe), max(f.us)),
		   CASE min(f.agg)
			   WHEN 'COUNT' THEN count(*)::text
			   WHEN 'SUM' THEN sum(f.fv ORDER BY f.id) FILTER (WHERE f.agg IN ('SUM', 'AVG'))::text
			   WHEN 'AVG' THEN ((0 + sum(f.fv ORDER BY f.id) FILTER (WHERE f.agg IN ('SUM', 'AVG')))
								/ count(*)::float8)::text
			   WHEN 'MIN' THEN min(f.fv ORDER BY f.id) FILTER (WHERE f.agg = 'MIN')::text
			   WHEN 'MAX' THEN max(f.fv ORDER BY f.id) FILTER (WHERE f.agg = 'MAX')::text
			   WHEN 'COUNT_DISTINCT' THEN count(DISTINCT f.sv) FILTER (WHERE f.agg = 'COUNT_DISTINCT')::text
			   WHEN 'ANY' THEN bool_or(f.bv)::text
			   WHEN 'ALL' THEN bool_and(f.bv)::text
			   WHEN 'COUNT_TRUE' THEN count(*) FILTER (WHERE f.bv)::text
			   WHEN 'COUNT_FALSE' THEN count(*) FILTER (WHERE NOT f.bv)::text
		   END,
		   count(*), bool_and(f.closed)
	FROM wt.folded(p_src) AS f
	GROUP BY f.name, f.keyed, f.key, f.gid
	HAVING p_open OR bool_and(f.closed)
$$;

/*
 * wt.counters(src): the rows_skipped and rows_late docs/windows.md
 * prescribes for each query of src (late: a row none of whose windows
 * ends after the watermark before it; COUNT windows have none).
 */
CREATE OR REPLACE FUNCTION wt.counters(p_src regclass)
RETURNS TABLE (name text, skipped bigint, late bigint)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
	RETURN QUERY EXECUTE format($q$
	WITH base AS (
		SELECT id, wt.us(ts) AS us, v, s, b FROM %s
	), c (col) AS (
		VALUES ('v'), ('s'), ('b')
	), r AS (
		SELECT c.col, b.id, b.us,
			   b.us IS NULL OR (CASE c.col WHEN 'v' THEN b.v IS NULL
										   WHEN 's' THEN b.s IS NULL
										   ELSE b.b IS NULL END) AS skip
		FROM c, base AS b
	), rw AS (
		SELECT r.*, max(us) FILTER (WHERE NOT skip) OVER (PARTITION BY col ORDER BY id
				ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS maxprev
		FROM r
	), sk AS (
		SELECT col, count(*) FILTER (WHERE skip) AS skipped FROM r GROUP BY col
	)
	SELECT q.name, sk.skipped,
		   (SELECT count(*) FROM rw
			WHERE rw.col = q.col AND NOT rw.skip AND q.kind <> 'count' AND rw.maxprev IS NOT NULL
			  AND (rw.us - q.off_us) - ((rw.us - q.off_us) %% q.hop_us + q.hop_us) %% q.hop_us
				  + q.off_us + q.size_us <= rw.maxprev - q.late_us)
	FROM wt.q AS q JOIN sk USING (col)
	WHERE q.src = %L::regclass
	$q$, p_src, p_src);
END $f$;

/*
 * wt.actual(src): the results the worker logged for the queries of src
 * in wt.q, in the shape of wt.expected plus the result id, the batch
 * (created) and whether the payload's fields have the documented types.
 */
CREATE OR REPLACE FUNCTION wt.actual(p_src regclass)
RETURNS TABLE (name text, rid bigint, created timestamptz, has_key boolean,
			   key text, ws bigint, we bigint, value text, cnt bigint,
			   final boolean, shape_ok boolean, payload text)
LANGUAGE sql STABLE AS $$
	-- Parsed once (MATERIALIZED: a flattened subquery would parse the
	-- payload again at every reference).  The value's text is taken from
	-- json, which keeps it as written (jsonb's numeric has no -0).
	WITH p AS MATERIALIZED (
		SELECT q.name, q.agg, q.keyed, r.id, r.created, r.payload,
			   r.payload::jsonb AS jb, r.payload::json->>'value' AS vtext
		FROM wt.q AS q
		JOIN cqstream.query AS cq ON cq.name = q.name
		JOIN cqstream.result AS r ON r.query_id = cq.id
		WHERE q.src = p_src
	)
	SELECT p.name, p.id, p.created, jb ? 'key', jb->>'key',
		   wt.us((jb->>'windowStart')::timestamptz), wt.us((jb->>'windowEnd')::timestamptz),
		   CASE WHEN p.agg IN ('SUM', 'AVG', 'MIN', 'MAX')
				THEN vtext::float8::text ELSE vtext END,
		   (jb->>'count')::bigint, (jb->>'final')::boolean,
		   jb->>'query' = p.name
		   AND jb->>'aggregation' = p.agg
		   AND jb ? 'key' = p.keyed
		   AND (NOT p.keyed OR jsonb_typeof(jb->'key') IN ('string', 'null'))
		   AND jb->>'windowStart' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$'
		   AND jb->>'windowEnd' ~ '^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z$'
		   AND (jb->>'id')::bigint = p.id
		   AND jsonb_typeof(jb->'count') = 'number' AND jb->>'count' ~ '^[0-9]+$'
		   AND jsonb_typeof(jb->'final') = 'boolean'
		   AND CASE WHEN p.agg IN ('SUM', 'AVG', 'MIN', 'MAX')
						THEN jsonb_typeof(jb->'value') = 'number'
							 OR vtext IN ('NaN', 'Infinity', '-Infinity')
					WHEN p.agg IN ('ANY', 'ALL')
						THEN jsonb_typeof(jb->'value') = 'boolean'
					ELSE jsonb_typeof(jb->'value') = 'number' AND vtext ~ '^[0-9]+$'
			   END
		   AND (SELECT count(*) FROM jsonb_object_keys(jb)) = 9 - (NOT p.keyed)::int,
		   p.payload
	FROM p
$$;

/*
 * wt.diff(src, names): the differences between expected and logged
 * results of the named queries (all of src's queries when NULL): one row
 * per missing ('-') or unexpected ('+') result, duplicates included.
 * Only final results are compared: for on_update queries they must equal
 * what on_close gives.
 */
CREATE OR REPLACE FUNCTION wt.diff(p_src regclass, p_names text[] DEFAULT NULL)
RETURNS TABLE (side text, name text, has_key boolean, key text, ws timestamptz,
			   we timestamptz, value text, cnt bigint, final boolean)
LANGUAGE sql STABLE AS $$
	WITH e AS (
		SELECT e.name, e.has_key, e.key, e.ws, e.we, e.value, e.cnt, e.final
		FROM wt.expected(p_src) AS e
		WHERE p_names IS NULL OR e.name = ANY (p_names)
	), a AS (
		SELECT a.name, a.has_key, a.key, a.ws, a.we, a.value, a.cnt, a.final
		FROM wt.actual(p_src) AS a
		WHERE (p_names IS NULL OR a.name = ANY (p_names)) AND a.final
	), d AS (
		(SELECT '-' AS side, * FROM e EXCEPT ALL SELECT '-', * FROM a)
		UNION ALL
		(SELECT '+', * FROM a EXCEPT ALL SELECT '+', * FROM e)
	)
	SELECT d.side, d.name, d.has_key, d.key, wt.ts(d.ws), wt.ts(d.we), d.value, d.cnt, d.final
	FROM d ORDER BY d.name, d.key, d.ws, d.side
$$;

/*
 * wt.wagg(src): for the numeric queries of src, the results of
 * cqstream.window_aggregate over each key's rows as a discrete tfloat,
 * restricted to the windows the final watermark closes, in the shape of
 * wt.expected.  Meaningful for in-order streams whose times are distinct
 * (a tfloat holds one value per instant and has no notion of lateness).
 */
CREATE OR REPLACE FUNCTION wt.wagg(p_src regclass)
RETURNS TABLE (name text, has_key boolean, key text, ws bigint, we bigint,
			   value text, cnt bigint, final boolean)
LANGUAGE plpgsql STABLE AS $f$
BEGIN
	RETURN QUERY EXECUTE format($q$
	WITH r AS (
		SELECT id, k, ts, v FROM %s WHERE ts IS NOT NULL AND v IS NOT NULL
	), qs AS (
		SELECT q.*,
			   CASE q.kind
				   WHEN 'tumbling' THEN cqstream.tumbling(q.size_us * interval '1 microsecond',
														  q.off_us * interval '1 microsecond')
				   WHEN 'hopping' THEN cqstream.hopping(q.size_us * interval '1 microsecond',
														q.hop_us * interval '1 microsecond',
														q.off_us * interval '1 microsecond')
				   ELSE cqstream.count_window(q.size_rows, q.hop_rows) END AS win,
			   (SELECT wt.us(max(ts)) FROM r) - q.late_us AS final_wm
		FROM wt.q AS q
		WHERE q.src = %L::regclass AND q.col = 'v'
		  AND q.agg IN ('COUNT', 'SUM', 'AVG', 'MIN', 'MAX')
	), g AS (
		SELECT qs.name, qs.agg, qs.keyed, qs.win, qs.kind, qs.final_wm,
			   CASE WHEN qs.keyed THEN r.k END AS key,
			   tfloatSeq(array_agg(tfloat(r.v, r.ts) ORDER BY r.ts), 'discrete') AS tf
		FROM qs, r
		GROUP BY qs.name, qs.agg, qs.keyed, qs.win, qs.kind, qs.final_wm,
				 CASE WHEN qs.keyed THEN r.k END
	)
	SELECT g.name, g.keyed, g.key, wt.us(a.window_start), wt.us(a.window_end),
		   a.value::text, a.count, true
	FROM g, cqstream.window_aggregate(g.tf, g.agg, g.win) AS a
	WHERE g.kind = 'count' OR wt.us(a.window_end) <= g.final_wm
	$q$, p_src, p_src);
END $f$;
