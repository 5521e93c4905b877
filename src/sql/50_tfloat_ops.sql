/*
 * Lifted tfloat operations (src/tfloat/tfloat_ops.c) and the operation catalogue
 * they share with the continuous-query worker (src/core/operation.c).  Each
 * function applies the operation to every stored instant, keeping the
 * subtype, interpolation and bounds (MobilityDB 1.3's behaviour); abs also
 * adds the zero crossings of linear segments.
 */

-- Operation catalogue

CREATE FUNCTION cqstream.operations()
	RETURNS TABLE(name text, argument text, description text)
	AS 'MODULE_PATHNAME', 'cq_operations'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE ROWS 13;
COMMENT ON FUNCTION cqstream.operations() IS
	'the per-value operations a continuous query can apply: name, argument type (NULL if none) and description';

CREATE FUNCTION cqstream.apply_operations(value float8, chain text) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_apply_operations'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION cqstream.apply_operations(float8, text) IS
	'apply a chain of operations such as ''mul 1.8 | add 32'' to one value; NULL when the value leaves an operation''s domain (a continuous query skips such a row)';

-- Lifted unary functions

CREATE FUNCTION public.ln(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_ln'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.ln(public.tfloat) IS
	'natural logarithm of each instant; error if a value is <= 0';

CREATE FUNCTION public.log10(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_log10'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.log10(public.tfloat) IS
	'base 10 logarithm of each instant; error if a value is <= 0';

CREATE FUNCTION public.exp(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_exp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.exp(public.tfloat) IS
	'exponential of each instant; error on overflow or underflow';

CREATE FUNCTION public.ceil(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_ceil'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.ceil(public.tfloat) IS
	'smallest integer not less than each instant''s value';

CREATE FUNCTION public.floor(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_floor'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.floor(public.tfloat) IS
	'largest integer not greater than each instant''s value';

CREATE FUNCTION public.round(public.tfloat, integer DEFAULT 0) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_round'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.round(public.tfloat, integer) IS
	'each instant''s value rounded half away from zero to the given number of decimals';

CREATE FUNCTION public.abs(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_abs'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.abs(public.tfloat) IS
	'absolute value; a linear segment that crosses zero gets an instant 0@t at the crossing';

CREATE FUNCTION public.degrees(public.tfloat, boolean DEFAULT false)
	RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_degrees'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.degrees(public.tfloat, boolean) IS
	'radians to degrees for each instant; normalize maps into [0, 360)';

CREATE FUNCTION public.radians(public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_radians'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.radians(public.tfloat) IS
	'degrees to radians for each instant';

-- Arithmetic with a scalar

CREATE FUNCTION public.tnumber_add(public.tfloat, float8) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_add_tfloat_float'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_add(public.tfloat, float8) IS
	'tfloat + float8, per instant';

CREATE FUNCTION public.tnumber_add(float8, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_add_float_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_add(float8, public.tfloat) IS
	'float8 + tfloat, per instant';

CREATE FUNCTION public.tnumber_sub(public.tfloat, float8) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_sub_tfloat_float'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_sub(public.tfloat, float8) IS
	'tfloat - float8, per instant';

CREATE FUNCTION public.tnumber_sub(float8, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_sub_float_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_sub(float8, public.tfloat) IS
	'float8 - tfloat, per instant';

CREATE FUNCTION public.tnumber_mult(public.tfloat, float8) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_mult_tfloat_float'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_mult(public.tfloat, float8) IS
	'tfloat * float8, per instant';

CREATE FUNCTION public.tnumber_mult(float8, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_mult_float_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_mult(float8, public.tfloat) IS
	'float8 * tfloat, per instant';

CREATE FUNCTION public.tnumber_div(public.tfloat, float8) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_div_tfloat_float'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_div(public.tfloat, float8) IS
	'tfloat / float8, per instant; a divisor with |c| < 1e-6 is division by zero';

CREATE FUNCTION public.tnumber_div(float8, public.tfloat) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_div_float_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tnumber_div(float8, public.tfloat) IS
	'float8 / tfloat, per instant; division by zero if the tfloat is ever 0';

CREATE OPERATOR public.+ (
	LEFTARG = public.tfloat, RIGHTARG = float8,
	FUNCTION = public.tnumber_add, COMMUTATOR = OPERATOR(public.+)
);
CREATE OPERATOR public.+ (
	LEFTARG = float8, RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_add, COMMUTATOR = OPERATOR(public.+)
);
CREATE OPERATOR public.- (
	LEFTARG = public.tfloat, RIGHTARG = float8,
	FUNCTION = public.tnumber_sub
);
CREATE OPERATOR public.- (
	LEFTARG = float8, RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_sub
);
CREATE OPERATOR public.* (
	LEFTARG = public.tfloat, RIGHTARG = float8,
	FUNCTION = public.tnumber_mult, COMMUTATOR = OPERATOR(public.*)
);
CREATE OPERATOR public.* (
	LEFTARG = float8, RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_mult, COMMUTATOR = OPERATOR(public.*)
);
CREATE OPERATOR public./ (
	LEFTARG = public.tfloat, RIGHTARG = float8,
	FUNCTION = public.tnumber_div
);
CREATE OPERATOR public./ (
	LEFTARG = float8, RIGHTARG = public.tfloat,
	FUNCTION = public.tnumber_div
);
