/*
 * Windows and window aggregation (src/core/window.c is the core, shared with
 * the continuous-query worker; src/core/window_sql.c the SQL face).
 *
 * A cqstream.window is a composite value so that it prints readably and
 * can be stored and read back with plain SQL; make one with the
 * constructors, which validate it.  Time windows are half-open
 * [start, end) and aligned to the Unix epoch plus the offset (reduced
 * modulo the hop); COUNT windows hold size_rows rows, a new one every
 * hop_rows rows.
 */

CREATE TYPE cqstream.window AS (
	kind text,					-- 'tumbling', 'hopping' or 'count'
	size interval,				-- time windows: length
	hop interval,				-- time windows: distance between starts
	"offset" interval,			-- time windows: alignment after 1970-01-01
	size_rows bigint,			-- count windows: rows per window
	hop_rows bigint				-- count windows: rows between starts
);
COMMENT ON TYPE cqstream.window IS
	'a window specification: tumbling, hopping or count; make it with cqstream.tumbling, cqstream.hopping or cqstream.count_window';

CREATE FUNCTION cqstream.tumbling(size interval, "offset" interval DEFAULT '0')
	RETURNS cqstream.window
	AS 'MODULE_PATHNAME', 'cq_tumbling'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cqstream.tumbling(interval, interval) IS
	'tumbling time window of the given size, aligned to the Unix epoch plus the offset';

CREATE FUNCTION cqstream.hopping(size interval, hop interval,
								 "offset" interval DEFAULT '0')
	RETURNS cqstream.window
	AS 'MODULE_PATHNAME', 'cq_hopping'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cqstream.hopping(interval, interval, interval) IS
	'hopping time window: windows of the given size starting every hop, aligned to the Unix epoch plus the offset';

-- Not strict: a NULL hop means windows that do not overlap
CREATE FUNCTION cqstream.count_window(size integer, hop integer DEFAULT NULL)
	RETURNS cqstream.window
	AS 'MODULE_PATHNAME', 'cq_count_window'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION cqstream.count_window(integer, integer) IS
	'count window: size rows in arrival order, a new window every hop rows (default: size)';

CREATE FUNCTION cqstream.window_aggregate(t public.tfloat, aggregation text,
										  win cqstream.window)
	RETURNS TABLE(window_start timestamptz, window_end timestamptz,
				  value double precision, count bigint)
	AS 'MODULE_PATHNAME', 'cq_window_aggregate'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	ROWS 100;
COMMENT ON FUNCTION cqstream.window_aggregate(public.tfloat, text, cqstream.window) IS
	'aggregate (COUNT, SUM, AVG, MIN, MAX) the stored instants of a tfloat over windows: one row per non-empty time window, or per complete count window';
