/*
 * Position queries (docs/engine.md, "Position queries"): a source of
 * moving points (time, key, longitude, latitude in WGS 84) and the lifted
 * operations speed, heading and distance, per key in arrival (id) order.
 * The per-key state of those operations (the key's previous position and
 * time, its cumulative distance) is written by the worker in the
 * transaction of each batch (src/engine/batch_position.c), so it commits
 * together with the batch's results and progress.
 */
CREATE TABLE cqstream.position_state (
	query_id integer NOT NULL
		REFERENCES cqstream.query (id) ON DELETE CASCADE,
	key text NOT NULL,
	time timestamptz NOT NULL,	-- the key's previous position's time
	lon float8 NOT NULL,		-- and that position, in degrees
	lat float8 NOT NULL,
	distance float8 NOT NULL,	-- metres travelled so far
	PRIMARY KEY (query_id, key)
);
COMMENT ON TABLE cqstream.position_state IS
	'per-key state of position queries: previous position and time, cumulative distance (written by the worker in the transaction of each batch)';
REVOKE ALL ON cqstream.position_state FROM PUBLIC;

CREATE FUNCTION cqstream.create_position_query(name text, source regclass,
		time_column name, key_column name, lon_column name DEFAULT NULL,
		lat_column name DEFAULT NULL, operation text DEFAULT 'position',
		options jsonb DEFAULT '{}', position_column name DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_position_query'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_position_query(text, regclass, name, name, name, name, text, jsonb, name) IS
	'register a continuous query over moving points (longitude and latitude columns in WGS 84, or with position_column one PostGIS geometry(Point, 4326) column; per key): each position (operation ''position''), or the lifted ''speed'' (m/s), ''heading'' (degrees from north) or ''distance'' (cumulative metres)';
