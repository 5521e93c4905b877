/*
 * The query registry: catalog tables of registered continuous queries,
 * their progress and their results log.  See docs/engine.md.  Only the C
 * API functions (and the worker) write these tables; users read them
 * through cqstream.queries and cqstream.results().
 */
CREATE TABLE cqstream.query (
	id integer GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	name text NOT NULL UNIQUE CHECK (name ~ '^[a-z][a-z0-9_]{0,46}$'),
	kind text NOT NULL CHECK (kind IN ('transform', 'aggregate')),
	source regclass NOT NULL,
	id_column name NOT NULL,
	id_sequence regclass NOT NULL,
	time_column name NOT NULL,
	value_column name NOT NULL,
	key_column name,
	spec jsonb NOT NULL,
	chain text,				-- transforms: the canonical operation chain
	-- aggregates (docs/windows.md); all NULL for transforms
	aggregation text,			-- canonical name: AVG, COUNT_DISTINCT, ...
	value_type text CHECK (value_type IN ('number', 'text', 'boolean')),
	window_kind text CHECK (window_kind IN ('tumbling', 'hopping', 'count')),
	window_size bigint,			-- microseconds, or rows for count
	window_hop bigint,			-- microseconds or rows
	window_offset bigint,		-- microseconds in [0, hop); 0 for count
	lateness bigint,			-- microseconds
	emit text CHECK (emit IN ('on_close', 'on_update')),
	options jsonb NOT NULL,
	owner regrole NOT NULL,	-- a name in a dump, an oid in the row
	paused boolean NOT NULL DEFAULT false,
	created timestamptz NOT NULL DEFAULT now(),
	-- roles granted read on the results (cqstream.grant_results)
	readers regrole[] NOT NULL DEFAULT '{}'
);
COMMENT ON TABLE cqstream.query IS
	'registered continuous queries (written by the cqstream API only)';

CREATE TABLE cqstream.query_state (
	query_id integer PRIMARY KEY
		REFERENCES cqstream.query (id) ON DELETE CASCADE,
	last_source_id bigint NOT NULL DEFAULT 0,
	last_result_seq bigint NOT NULL DEFAULT 0,
	rows_processed bigint NOT NULL DEFAULT 0,
	results_emitted bigint NOT NULL DEFAULT 0,
	rows_skipped bigint NOT NULL DEFAULT 0,
	rows_late bigint NOT NULL DEFAULT 0,
	-- aggregates: largest event time seen and the watermark (NULL: none
	-- yet), and when a batch last read rows (for the idle flush)
	max_event_time timestamptz,
	watermark timestamptz,
	last_row_at timestamptz,
	-- aggregates: rows for the next batch (NULL: not known yet)
	batch_limit bigint,
	status text NOT NULL DEFAULT 'registered'
		CHECK (status IN ('registered', 'running', 'failed')),
	last_error text,
	last_error_at timestamptz,
	updated timestamptz NOT NULL DEFAULT now(),
	-- notifications not sent because the queue was too full (notify.c)
	notifications_dropped bigint NOT NULL DEFAULT 0
);
COMMENT ON TABLE cqstream.query_state IS
	'progress, counters and status of each query (written by the worker in the transaction of each batch)';

/*
 * The results log, in blocks of consecutive results of one query
 * (result_log.c): payloads is the JSON array of their payloads, the n-th
 * (from 1) with id first_id + n - 1; result ids are query_id * 10^12 + a
 * sequence.  A block is at most a notification's size (8000 bytes) and
 * is compressed inline with lz4 (STORAGE MAIN): payloads repeat their
 * keys, so a block shrinks about six times, and the worker writes a sixth
 * of the pages and WAL.  Where the server lacks lz4, blocks stay inline
 * uncompressed instead (pglz would cost more than it saves).
 */
CREATE TABLE cqstream.result_block (
	query_id integer NOT NULL
		REFERENCES cqstream.query (id) ON DELETE CASCADE,
	first_id bigint NOT NULL,
	last_id bigint NOT NULL,
	created timestamptz NOT NULL DEFAULT now(),
	payloads text NOT NULL,
	PRIMARY KEY (query_id, last_id)
);
ALTER TABLE cqstream.result_block ALTER COLUMN payloads SET STORAGE MAIN;
DO $$
BEGIN
	ALTER TABLE cqstream.result_block
		ALTER COLUMN payloads SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
	ALTER TABLE cqstream.result_block SET (toast_tuple_target = 8160);
END $$;
COMMENT ON TABLE cqstream.result_block IS
	'results log: blocks of consecutive results, payloads the JSON array of their compact JSON';

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

REVOKE ALL ON cqstream.query, cqstream.query_state, cqstream.result_block,
	cqstream.window_chunk, cqstream.window_state FROM PUBLIC;
