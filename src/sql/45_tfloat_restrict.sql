/*
 * Restriction of a tfloat to time (src/tfloat/tfloat_restrict.c).  An empty result
 * is NULL.
 */
CREATE FUNCTION public.attime(public.tfloat, timestamptz) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_attime_timestamptz'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.attime(public.tfloat, timestamptz) IS
	'instant of the value at a timestamp, NULL where the value is not defined';

CREATE FUNCTION public.attime(public.tfloat, tstzrange) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_attime_tstzrange'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.attime(public.tfloat, tstzrange) IS
	'part of the value inside a time range';

CREATE FUNCTION public.attime(public.tfloat, tstzmultirange) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_attime_tstzmultirange'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.attime(public.tfloat, tstzmultirange) IS
	'part of the value inside a time multirange; a continuous sequence gives a sequence set';
