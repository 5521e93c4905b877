/*
 * MF-JSON (OGC Moving Features JSON) output and input of tfloat, as in
 * MobilityDB.  Both are STABLE: datetimes are written and read in the
 * session time zone.
 */
CREATE FUNCTION public.asmfjson(t public.tfloat, options integer DEFAULT 0,
		flags integer DEFAULT 0, maxdecimaldigits integer DEFAULT 15)
	RETURNS text
	AS 'MODULE_PATHNAME', 'cq_asmfjson'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.asmfjson(public.tfloat, integer, integer, integer) IS
	'MF-JSON of a tfloat; options 1 adds bbox and period, flags 0 compact, 1 spaced, 2 pretty; at most maxdecimaldigits (0 to 15) decimals';

CREATE FUNCTION public.tfloatfrommfjson(text) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloatfrommfjson'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.tfloatfrommfjson(text) IS
	'tfloat from MF-JSON (type MovingFloat); NaN and infinities as the strings "NaN", "Infinity", "-Infinity"';
