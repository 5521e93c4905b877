/*
 * Temporal aggregates over tfloat (MobilityDB 1.3): tcount, tmin, tmax,
 * tsum, tavg.  The state is an internal list of instants or sequence
 * pieces (src/tfloat/tfloat_tagg.c and src/tfloat/tfloat_tagg_fold.c); all of them run in parallel plans.
 */

-- Support functions (shared with the moving-window aggregates)

CREATE FUNCTION public.tfloat_tagg_transfn(internal, public.tfloat) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tagg_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tagg_transfn(internal, public.tfloat) IS
	'transition function of tmin, tmax, tsum and tavg over tfloat';

CREATE FUNCTION public.tfloat_tcount_transfn(internal, public.tfloat) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tcount_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tcount_transfn(internal, public.tfloat) IS
	'transition function of tcount over tfloat';

CREATE FUNCTION public.tfloat_tmin_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_tmin_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tmin_finalfn(internal) IS
	'final function of tmin and wmin over tfloat';

CREATE FUNCTION public.tfloat_tmax_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_tmax_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tmax_finalfn(internal) IS
	'final function of tmax and wmax over tfloat';

CREATE FUNCTION public.tfloat_tsum_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_tsum_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tsum_finalfn(internal) IS
	'final function of tsum over tfloat';

CREATE FUNCTION public.tfloat_tavg_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_tavg_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tavg_finalfn(internal) IS
	'final function of tavg over tfloat';

CREATE FUNCTION public.tfloat_tagg_combinefn(internal, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tagg_combinefn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tagg_combinefn(internal, internal) IS
	'combine function of the temporal and moving-window aggregates over tfloat';

CREATE FUNCTION public.tfloat_tagg_serialfn(internal) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cq_tfloat_tagg_serialfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tagg_serialfn(internal) IS
	'serialization function of the temporal and moving-window aggregates over tfloat';

CREATE FUNCTION public.tfloat_tagg_deserialfn(bytea, internal) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_tagg_deserialfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_tagg_deserialfn(bytea, internal) IS
	'deserialization function of the temporal and moving-window aggregates over tfloat';

-- Aggregates

-- tcount returns a tint: made again in 91_tint.sql, where tint exists (the
-- tint files come after the catalog tables, whose OIDs must not move)
CREATE AGGREGATE public.tcount(public.tfloat) (
	SFUNC = public.tfloat_tcount_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);

CREATE AGGREGATE public.tmin(public.tfloat) (
	SFUNC = public.tfloat_tagg_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tmin_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.tmin(public.tfloat) IS
	'temporal minimum: the least value defined at each time, with crossing points';

CREATE AGGREGATE public.tmax(public.tfloat) (
	SFUNC = public.tfloat_tagg_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tmax_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.tmax(public.tfloat) IS
	'temporal maximum: the greatest value defined at each time, with crossing points';

CREATE AGGREGATE public.tsum(public.tfloat) (
	SFUNC = public.tfloat_tagg_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.tsum(public.tfloat) IS
	'temporal sum: the sum of the values defined at each time';

CREATE AGGREGATE public.tavg(public.tfloat) (
	SFUNC = public.tfloat_tagg_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tavg_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.tavg(public.tfloat) IS
	'temporal average: the mean of the values defined at each time';
