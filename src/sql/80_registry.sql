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
	chain text,
	options jsonb NOT NULL,
	owner oid NOT NULL,
	paused boolean NOT NULL DEFAULT false,
	created timestamptz NOT NULL DEFAULT now()
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
	status text NOT NULL DEFAULT 'registered'
		CHECK (status IN ('registered', 'running', 'failed')),
	last_error text,
	last_error_at timestamptz,
	updated timestamptz NOT NULL DEFAULT now()
);
COMMENT ON TABLE cqstream.query_state IS
	'progress, counters and status of each query (written by the worker in the transaction of each batch)';

CREATE TABLE cqstream.result (
	query_id integer NOT NULL
		REFERENCES cqstream.query (id) ON DELETE CASCADE,
	id bigint NOT NULL,
	created timestamptz NOT NULL DEFAULT now(),
	payload text NOT NULL,
	PRIMARY KEY (query_id, id)
);
COMMENT ON TABLE cqstream.result IS
	'results log: id = query_id * 10^12 + n, payload the compact JSON announced by NOTIFY';

REVOKE ALL ON cqstream.query, cqstream.query_state, cqstream.result FROM PUBLIC;
