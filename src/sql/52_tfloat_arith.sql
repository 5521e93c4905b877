/*
 * tfloat op tfloat: + - * / on two temporal floats (src/tfloat/tfloat_arith.c).
 * Both are synchronized on the time they share; the result is NULL when
 * they share none.  Names follow MobilityDB (tnumber_add, ...); the
 * scalar forms (tfloat op float8) live in their own file.
 */

CREATE FUNCTION public.tnumber_add(public.tfloat, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_add_tnumber_tnumber'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_add(public.tfloat, public.tfloat) IS
	'sum of two tfloats over the time they share (NULL if none)';

CREATE FUNCTION public.tnumber_sub(public.tfloat, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_sub_tnumber_tnumber'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_sub(public.tfloat, public.tfloat) IS
	'difference of two tfloats over the time they share (NULL if none)';

CREATE FUNCTION public.tnumber_mult(public.tfloat, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_mult_tnumber_tnumber'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_mult(public.tfloat, public.tfloat) IS
	'product of two tfloats over the time they share (NULL if none), with the turning point of each linear segment';

CREATE FUNCTION public.tnumber_div(public.tfloat, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_div_tnumber_tnumber'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_div(public.tfloat, public.tfloat) IS
	'quotient of two tfloats over the time they share (NULL if none); division by zero if the divisor is ever 0 there';

CREATE OPERATOR public.+ (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_add,
	COMMUTATOR = OPERATOR(public.+)
);

CREATE OPERATOR public.- (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_sub
);

CREATE OPERATOR public.* (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_mult,
	COMMUTATOR = OPERATOR(public.*)
);

CREATE OPERATOR public./ (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_div
);
