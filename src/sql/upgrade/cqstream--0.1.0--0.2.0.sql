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

-- ---------------------------------------------------------------------
-- tint (issue 17): tfloat becomes the preferred type of the temporal
-- numbers' category; the tint type, its functions and aggregates; tcount
-- and wcount over tfloat return tint (dropped and made again).
-- ---------------------------------------------------------------------

-- src/sql/00_tfloat_type.sql: CREATE TYPE's CATEGORY and PREFERRED, which
-- ALTER TYPE cannot set, so that literals passed to a function that tfloat
-- and tint both have stay tfloats
UPDATE pg_catalog.pg_type SET typcategory = 'Z', typispreferred = true
	WHERE oid = 'public.tfloat'::pg_catalog.regtype;
COMMENT ON FUNCTION public.tfloat_tsum_finalfn(internal) IS
	'final function of tsum over tfloat';

-- src/sql/90_tint_type.sql (new in 0.2.0)
/*
 * The tint type (MobilityDB's temporal integer): the same layout and C
 * functions as tfloat (src/tfloat/tbase.c says what differs), values int4,
 * no linear interpolation.  Text, binary and text-cast input, comparison
 * with btree and hash classes, and the casts between tint and tfloat.
 */
CREATE TYPE public.tint;

CREATE FUNCTION public.tint_in(cstring, oid, integer) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_in'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_out(public.tint) RETURNS cstring
	AS 'MODULE_PATHNAME', 'cq_tfloat_out'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_recv(internal, oid, integer) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_send(public.tint) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cq_tfloat_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE public.tint (
	INPUT = public.tint_in,
	OUTPUT = public.tint_out,
	RECEIVE = public.tint_recv,
	SEND = public.tint_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended,
	CATEGORY = 'Z' -- tfloat's, where tfloat is preferred (00_tfloat_type.sql)
);

COMMENT ON TYPE public.tint IS
	'temporal integer: an instant, a discrete or step sequence, or a sequence set (MobilityDB-compatible)';

CREATE FUNCTION public.tint_from_text(text) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_from_text'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE CAST (text AS public.tint)
	WITH FUNCTION public.tint_from_text(text);

-- Comparison: tfloat's functions and order (src/tfloat/tfloat_compare.c)
CREATE FUNCTION public.tint_cmp(public.tint, public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_eq(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_ne(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_lt(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_le(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_gt(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_ge(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_hash(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_hash_extended(public.tint, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint_cmp(public.tint, public.tint) IS
	'compare two tints in the btree order: -1, 0 or 1';

CREATE OPERATOR public.= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_eq, COMMUTATOR = OPERATOR(public.=),
	NEGATOR = OPERATOR(public.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES);
CREATE OPERATOR public.<> (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_ne, COMMUTATOR = OPERATOR(public.<>),
	NEGATOR = OPERATOR(public.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR public.< (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_lt, COMMUTATOR = OPERATOR(public.>),
	NEGATOR = OPERATOR(public.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR public.<= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_le, COMMUTATOR = OPERATOR(public.>=),
	NEGATOR = OPERATOR(public.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR public.> (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_gt, COMMUTATOR = OPERATOR(public.<),
	NEGATOR = OPERATOR(public.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR public.>= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_ge, COMMUTATOR = OPERATOR(public.<=),
	NEGATOR = OPERATOR(public.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

CREATE OPERATOR CLASS public.tint_btree_ops
	DEFAULT FOR TYPE public.tint USING btree AS
		OPERATOR 1 public.< ,
		OPERATOR 2 public.<= ,
		OPERATOR 3 public.= ,
		OPERATOR 4 public.>= ,
		OPERATOR 5 public.> ,
		FUNCTION 1 public.tint_cmp(public.tint, public.tint);

CREATE OPERATOR CLASS public.tint_hash_ops
	DEFAULT FOR TYPE public.tint USING hash AS
		OPERATOR 1 public.= ,
		FUNCTION 1 public.tint_hash(public.tint),
		FUNCTION 2 public.tint_hash_extended(public.tint, bigint);

-- Casts (src/tfloat/tbase_cast.c), explicit as in MobilityDB
CREATE FUNCTION public.tfloat(public.tint) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tint_to_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat(public.tint) IS
	'the tint as a tfloat; sequences keep step interpolation';
CREATE CAST (public.tint AS public.tfloat) WITH FUNCTION public.tfloat(public.tint);

CREATE FUNCTION public.tint(public.tfloat) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tfloat_to_tint'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint(public.tfloat) IS
	'the tfloat with values truncated toward zero; linear interpolation is refused';
CREATE CAST (public.tfloat AS public.tint) WITH FUNCTION public.tint(public.tfloat);

-- src/sql/91_tint.sql (new in 0.2.0)
/*
 * tint constructors, MF-JSON, accessors and restriction to time: the
 * tfloat C functions (they read the base type from the value), declared
 * for tint with MobilityDB's names.  Value accessors return integer.
 */
CREATE FUNCTION public.tint(integer, timestamptz) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_make'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint(integer, timestamptz) IS
	'tint instant of a value at a timestamp';

-- Step by default: a tint has no linear interpolation (MobilityDB)
CREATE FUNCTION public.tintseq(public.tint[], interp text DEFAULT 'step',
		lower_inc boolean DEFAULT true, upper_inc boolean DEFAULT true)
	RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tfloatseq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tintseq(public.tint[], text, boolean, boolean) IS
	'tint sequence from instants in time order; interp is discrete or step';

CREATE FUNCTION public.tintseqset(public.tint[]) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tfloatseqset'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tintseqset(public.tint[]) IS
	'tint sequence set from sequences in time order';

CREATE FUNCTION public.asmfjson(t public.tint, options integer DEFAULT 0,
		flags integer DEFAULT 0, maxdecimaldigits integer DEFAULT 15)
	RETURNS text
	AS 'MODULE_PATHNAME', 'cq_asmfjson'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.asmfjson(public.tint, integer, integer, integer) IS
	'MF-JSON of a tint (type MovingInteger); options 1 adds bbox and period, flags 0 compact, 1 spaced, 2 pretty';

CREATE FUNCTION public.tintfrommfjson(text) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tintfrommfjson'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tintfrommfjson(text) IS
	'tint from MF-JSON (type MovingInteger, interpolation None, Discrete or Step)';

-- Accessors (src/tfloat/tfloat_accessors.c), as for tfloat
CREATE FUNCTION public.startvalue(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_startvalue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.endvalue(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_endvalue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.minvalue(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_minvalue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.maxvalue(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_maxvalue' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.valueattimestamp(public.tint, timestamptz) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_valueattimestamp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.numinstants(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_numinstants' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.numtimestamps(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_numtimestamps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.instants(public.tint) RETURNS public.tint[]
	AS 'MODULE_PATHNAME', 'cq_instants' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.timestamps(public.tint) RETURNS timestamptz[]
	AS 'MODULE_PATHNAME', 'cq_timestamps' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.starttimestamp(public.tint) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'cq_starttimestamp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.endtimestamp(public.tint) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'cq_endtimestamp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.duration(public.tint, boundspan boolean DEFAULT false) RETURNS interval
	AS 'MODULE_PATHNAME', 'cq_duration' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.interp(public.tint) RETURNS text
	AS 'MODULE_PATHNAME', 'cq_interp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tempsubtype(public.tint) RETURNS text
	AS 'MODULE_PATHNAME', 'cq_tempsubtype' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.gettime(public.tint) RETURNS tstzmultirange
	AS 'MODULE_PATHNAME', 'cq_gettime' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.timespan(public.tint) RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'cq_timespan' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

-- Restriction to time (src/tfloat/tfloat_restrict.c); empty is NULL
CREATE FUNCTION public.attime(public.tint, timestamptz) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_attime_timestamptz' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.attime(public.tint, tstzrange) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_attime_tstzrange' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.attime(public.tint, tstzmultirange) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_attime_tstzmultirange' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

/*
 * Temporal and moving-window aggregates over tint (src/tfloat/tfloat_tagg.c,
 * src/tfloat/tfloat_wagg.c): tfloat's transition, combine and
 * serialization functions; tmin, tmax, tsum, wmin, wmax, wsum, tcount and
 * wcount return a tint, tavg and wavg a tfloat, as in MobilityDB.
 */
-- tcount and wcount (over tfloat and tint) return a tint, as in MobilityDB;
-- those over tfloat were made with tfloat's aggregates (70_tfloat_tagg.sql,
-- 72_tfloat_wagg.sql) before tint existed, and are made again here
CREATE FUNCTION public.tint_tsum_finalfn(internal) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_tsum_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint_tsum_finalfn(internal) IS
	'final function of tcount and wcount over tfloat and tint, and of tsum over tint';

DROP AGGREGATE public.tcount(public.tfloat);
CREATE AGGREGATE public.tcount(public.tfloat) (
	SFUNC = public.tfloat_tcount_transfn,
	STYPE = internal,
	FINALFUNC = public.tint_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.tcount(public.tfloat) IS
	'temporal count: how many inputs are defined at each time, a tint (as in MobilityDB)';

DROP AGGREGATE public.wcount(public.tfloat, interval);
CREATE AGGREGATE public.wcount(public.tfloat, interval) (
	SFUNC = public.tfloat_wcount_transfn,
	STYPE = internal,
	FINALFUNC = public.tint_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.wcount(public.tfloat, interval) IS
	'moving-window count: at t, the number of instants (or sequences) of the inputs during [t - w, t], a tint';

CREATE FUNCTION public.tint_tagg_transfn(internal, public.tint) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tagg_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_tcount_transfn(internal, public.tint) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tcount_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_wmin_transfn(internal, public.tint, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wmin_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_wmax_transfn(internal, public.tint, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wmax_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_wcount_transfn(internal, public.tint, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wcount_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_wsignal_transfn(internal, public.tint, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wsignal_transfn' LANGUAGE C IMMUTABLE PARALLEL SAFE;
CREATE FUNCTION public.tint_tmin_finalfn(internal) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_tmin_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_tmax_finalfn(internal) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_tmax_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_wsum_finalfn(internal) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_wsum_finalfn' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE AGGREGATE public.tcount(public.tint) (SFUNC = public.tint_tcount_transfn,
	STYPE = internal, FINALFUNC = public.tint_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.tmin(public.tint) (SFUNC = public.tint_tagg_transfn,
	STYPE = internal, FINALFUNC = public.tint_tmin_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.tmax(public.tint) (SFUNC = public.tint_tagg_transfn,
	STYPE = internal, FINALFUNC = public.tint_tmax_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.tsum(public.tint) (SFUNC = public.tint_tagg_transfn,
	STYPE = internal, FINALFUNC = public.tint_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.tavg(public.tint) (SFUNC = public.tint_tagg_transfn,
	STYPE = internal, FINALFUNC = public.tfloat_tavg_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.wcount(public.tint, interval) (SFUNC = public.tint_wcount_transfn,
	STYPE = internal, FINALFUNC = public.tint_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.wmin(public.tint, interval) (SFUNC = public.tint_wmin_transfn,
	STYPE = internal, FINALFUNC = public.tint_tmin_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.wmax(public.tint, interval) (SFUNC = public.tint_wmax_transfn,
	STYPE = internal, FINALFUNC = public.tint_tmax_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.wsum(public.tint, interval) (SFUNC = public.tint_wsignal_transfn,
	STYPE = internal, FINALFUNC = public.tint_wsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);
CREATE AGGREGATE public.wavg(public.tint, interval) (SFUNC = public.tint_wsignal_transfn,
	STYPE = internal, FINALFUNC = public.tfloat_wavg_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn, SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn, PARALLEL = SAFE);

-- Window aggregation of a tint's instants (src/core/window_sql.c), as of a
-- tfloat's: the value column is double precision (AVG is not an integer)
CREATE FUNCTION cqstream.window_aggregate(t public.tint, aggregation text,
										  win cqstream.window)
	RETURNS TABLE(window_start timestamptz, window_end timestamptz,
				  value double precision, count bigint)
	AS 'MODULE_PATHNAME', 'cq_window_aggregate'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE
	ROWS 100;
COMMENT ON FUNCTION cqstream.window_aggregate(public.tint, text, cqstream.window) IS
	'aggregate (COUNT, SUM, AVG, MIN, MAX) the stored instants of a tint over windows, as for a tfloat';

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

-- ---------------------------------------------------------------------
-- Position queries (issue 18, engine slice): kind 'position', the per-key
-- state of their lifted operations, create_position_query.  Same as
-- 80_registry.sql, 84_position.sql and 89_dump.sql.
-- ---------------------------------------------------------------------
ALTER TABLE cqstream.query DROP CONSTRAINT query_kind_check;
ALTER TABLE cqstream.query ADD CONSTRAINT query_kind_check
	CHECK (kind IN ('transform', 'aggregate', 'position'));
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
		time_column name, key_column name, lon_column name,
		lat_column name, operation text DEFAULT 'position',
		options jsonb DEFAULT '{}')
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_position_query'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_position_query(text, regclass, name, name, name, name, text, jsonb) IS
	'register a continuous query over moving points (longitude, latitude in WGS 84, per key): each position (operation ''position''), or the lifted ''speed'' (m/s), ''heading'' (degrees from north) or ''distance'' (cumulative metres)';
SELECT pg_catalog.pg_extension_config_dump('cqstream.position_state', '');

-- ---------------------------------------------------------------------------
-- Position queries over a PostGIS geometry(Point, 4326) column (issue 18,
-- PostGIS part): create_position_query gains position_column, and its
-- longitude and latitude columns default to NULL.  Same as
-- src/sql/84_position.sql.
-- ---------------------------------------------------------------------------
DROP FUNCTION cqstream.create_position_query(text, regclass, name, name, name, name, text, jsonb);
CREATE FUNCTION cqstream.create_position_query(name text, source regclass,
		time_column name, key_column name, lon_column name DEFAULT NULL,
		lat_column name DEFAULT NULL, operation text DEFAULT 'position',
		options jsonb DEFAULT '{}', position_column name DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_position_query'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_position_query(text, regclass, name, name, name, name, text, jsonb, name) IS
	'register a continuous query over moving points (longitude and latitude columns in WGS 84, or with position_column one PostGIS geometry(Point, 4326) column; per key): each position (operation ''position''), or the lifted ''speed'' (m/s), ''heading'' (degrees from north) or ''distance'' (cumulative metres)';

-- ---------------------------------------------------------------------
-- Collections with a position (issue 18, HTTP slice, branch pts-http):
-- lon_column and lat_column in the catalog, create_collection and
-- collections().  Same as 84_collection.sql.
-- ---------------------------------------------------------------------
ALTER TABLE cqstream.collection
	ADD COLUMN lon_column name,
	ADD COLUMN lat_column name,
	ADD CONSTRAINT collection_position_check
		CHECK ((lon_column IS NULL) = (lat_column IS NULL));
GRANT SELECT (lon_column, lat_column) ON cqstream.collection TO PUBLIC;

DROP FUNCTION cqstream.create_collection(text, regclass, name, name, text, text);
CREATE FUNCTION cqstream.create_collection(id text, source regclass,
		time_column name, key_column name, title text DEFAULT NULL,
		description text DEFAULT NULL, lon_column name DEFAULT NULL,
		lat_column name DEFAULT NULL)
	RETURNS void
	AS 'MODULE_PATHNAME', 'cq_create_collection'
	LANGUAGE C VOLATILE CALLED ON NULL INPUT PARALLEL UNSAFE;
COMMENT ON FUNCTION cqstream.create_collection(text, regclass, name, name, text, text, name, name) IS
	'publish source as an OGC API collection: key_column holds the feature ids, the other number, text and boolean columns are temporal properties, lon_column and lat_column (both or neither, numeric) the features'' positions (members of the table owner''s role only)';

DROP FUNCTION cqstream.collections();
CREATE FUNCTION cqstream.collections()
	RETURNS TABLE (id text, title text, description text, source regclass,
		time_column name, key_column name, key_type regtype,
		properties jsonb, owner regrole, lon_column name, lat_column name)
	AS 'MODULE_PATHNAME', 'cq_collections'
	LANGUAGE C STABLE STRICT PARALLEL UNSAFE ROWS 10;
COMMENT ON FUNCTION cqstream.collections() IS
	'the collections whose table the current user may read, with their temporal properties ([{"name", "type": TReal, TInt, TText or TBool, "columnType"}]) among the columns it may read, and the position columns (lon_column, lat_column; null for none or when the role may not read both)';
