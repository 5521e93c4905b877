/*
 * Moving-window aggregates over tfloat (MobilityDB 1.3 names): wmin, wmax,
 * wcount, wsum, wavg (tfloat, interval).  The value at time t aggregates
 * the inputs' values during [t - w, t]; see src/tfloat/tfloat_wagg.c for what they
 * mean on continuous sequences.  They share the state, combine,
 * serialization and some final functions of the temporal aggregates
 * (70_tfloat_tagg.sql).
 */

CREATE FUNCTION public.tfloat_wmin_transfn(internal, public.tfloat, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wmin_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wmin_transfn(internal, public.tfloat, interval) IS
	'transition function of wmin over tfloat';

CREATE FUNCTION public.tfloat_wmax_transfn(internal, public.tfloat, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wmax_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wmax_transfn(internal, public.tfloat, interval) IS
	'transition function of wmax over tfloat';

CREATE FUNCTION public.tfloat_wcount_transfn(internal, public.tfloat, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wcount_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wcount_transfn(internal, public.tfloat, interval) IS
	'transition function of wcount over tfloat';

CREATE FUNCTION public.tfloat_wsignal_transfn(internal, public.tfloat, interval) RETURNS internal
	AS 'MODULE_PATHNAME', 'cq_tfloat_wsignal_transfn'
	LANGUAGE C IMMUTABLE PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wsignal_transfn(internal, public.tfloat, interval) IS
	'transition function of wsum and wavg over tfloat';

CREATE FUNCTION public.tfloat_wsum_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_wsum_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wsum_finalfn(internal) IS
	'final function of wsum over tfloat';

CREATE FUNCTION public.tfloat_wavg_finalfn(internal) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_wavg_finalfn'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_wavg_finalfn(internal) IS
	'final function of wavg over tfloat';

CREATE AGGREGATE public.wmin(public.tfloat, interval) (
	SFUNC = public.tfloat_wmin_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tmin_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.wmin(public.tfloat, interval) IS
	'moving-window minimum: at t, the least value of the inputs during [t - w, t]';

CREATE AGGREGATE public.wmax(public.tfloat, interval) (
	SFUNC = public.tfloat_wmax_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tmax_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.wmax(public.tfloat, interval) IS
	'moving-window maximum: at t, the greatest value of the inputs during [t - w, t]';

-- wcount returns a tint: made again in 91_tint.sql, where tint exists
CREATE AGGREGATE public.wcount(public.tfloat, interval) (
	SFUNC = public.tfloat_wcount_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_tsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);

CREATE AGGREGATE public.wsum(public.tfloat, interval) (
	SFUNC = public.tfloat_wsignal_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_wsum_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.wsum(public.tfloat, interval) IS
	'moving-window sum: at t, the sum of the instants during [t - w, t], or the integral (value x microseconds) of a continuous input over it';

CREATE AGGREGATE public.wavg(public.tfloat, interval) (
	SFUNC = public.tfloat_wsignal_transfn,
	STYPE = internal,
	FINALFUNC = public.tfloat_wavg_finalfn,
	COMBINEFUNC = public.tfloat_tagg_combinefn,
	SERIALFUNC = public.tfloat_tagg_serialfn,
	DESERIALFUNC = public.tfloat_tagg_deserialfn,
	PARALLEL = SAFE
);
COMMENT ON AGGREGATE public.wavg(public.tfloat, interval) IS
	'moving-window average: at t, the mean of the instants during [t - w, t], or the time-weighted average of a continuous input over it';
