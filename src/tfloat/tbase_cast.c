/*-------------------------------------------------------------------------
 *
 * tbase_cast.c
 *	  The casts between tint and tfloat.
 *
 * Design notes
 *
 * As in MobilityDB: tint::tfloat keeps every instant, subtype, bound and the
 * step interpolation (a tint sequence becomes an "Interp=Step;" tfloat);
 * tfloat::tint is for instants, discrete sequences and step sequences
 * only, a linear tfloat is refused, and each value is truncated toward
 * zero as C's conversion does (MobilityDB converts with Int32GetDatum of
 * the double).
 *
 * Two deliberate differences: a value that truncates outside int4 (or a
 * NaN or infinity) raises 22003 where MobilityDB's conversion is
 * undefined, and the result is normalized (tfloat.c) like every stored
 * value, so a step sequence whose truncated values repeat drops the
 * redundant instants that MobilityDB's copy keeps: 'Interp=Step;[1.2@t1,
 * 1.7@t2]'::tint is [1@t1, 1@t2] in both, but [1@t1, 1.5@t2, 2@t3] is
 * [1@t1, 2@t3] here.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "tfloat/tfloat.h"

PG_FUNCTION_INFO_V1(cq_tint_to_tfloat);
PG_FUNCTION_INFO_V1(cq_tfloat_to_tint);

/* tint::tfloat: the same value relabelled; it stays step */
Datum
cq_tint_to_tfloat(PG_FUNCTION_ARGS)
{
	TFloat *t = (TFloat *) PG_DETOAST_DATUM_COPY(PG_GETARG_DATUM(0));

	PG_RETURN_TFLOAT_P(tf_as_base(t, TF_BASE_FLOAT));
}

/* tfloat::tint: truncated values, for every subtype but linear ones */
Datum
cq_tfloat_to_tint(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const double *values = TF_VALUES(t);
	TFloatBuilder b;

	if ((t->subtype == TF_SEQUENCE || t->subtype == TF_SEQUENCESET) &&
		!TF_IS_STEP(t))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "cannot cast a tfloat with linear interpolation to tint"),
				 errhint(
					 "Only instants, discrete sequences and step sequences can be cast to tint.")));
	tf_builder_init_like(&b, t);
	for (int i = 0; i < t->ninst; i++)
	{
		double v = trunc(values[i]) + 0.0; /* -0 is 0 */

		TF_CHECK_INTERRUPTS(i);
		if (!tf_base_value_ok(TF_BASE_INT, v))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("integer out of range"),
					 errdetail("The tfloat holds %g, which does not fit in a tint.",
							   values[i])));
		b.values[i] = v;
	}
	tf_builder_set_base(&b, TF_BASE_INT);
	PG_RETURN_TFLOAT_P(tf_builder_finish(&b));
}
