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
