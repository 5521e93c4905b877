/*
 * tfloat constructors (src/tfloat/tfloat_constructors.c).  Every value is made
 * through the builder, so it is validated and normalized like text input.
 */
CREATE FUNCTION public.tfloat(float8, timestamptz) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_make'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.tfloat(float8, timestamptz) IS
	'tfloat instant of a value at a timestamp';

CREATE FUNCTION public.tfloatseq(public.tfloat[], interp text DEFAULT 'linear',
		lower_inc boolean DEFAULT true, upper_inc boolean DEFAULT true)
	RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloatseq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.tfloatseq(public.tfloat[], text, boolean, boolean) IS
	'tfloat sequence from instants in time order; interp is discrete, step or linear';

CREATE FUNCTION public.tfloatseqset(public.tfloat[]) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloatseqset'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.tfloatseqset(public.tfloat[]) IS
	'tfloat sequence set from continuous sequences in time order with the same interpolation';
