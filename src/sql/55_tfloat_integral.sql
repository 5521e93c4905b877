/*
 * Time-weighted average and integral of a tfloat (src/tfloat/tfloat_integral.c).
 */

CREATE FUNCTION public.twavg(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_twavg'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.twavg(public.tfloat) IS
	'time-weighted average: trapezoids on linear segments, rectangles on step, plain mean for instants and discrete sequences';

CREATE FUNCTION public.integral(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_integral'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.integral(public.tfloat) IS
	'area under the curve in value x microseconds; 0 for instants and discrete sequences';
