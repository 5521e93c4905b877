/*-------------------------------------------------------------------------
 *
 * tfloat_ops.c
 *	  Lifted tfloat functions (ln, log10, exp, ceil, floor, round, abs,
 *	  degrees, radians) and scalar arithmetic (+ - * / with a float8 on
 *	  either side).
 *
 * Design notes
 *
 * Every function applies one operation of the catalogue (operation.c) to
 * each stored instant, keeping subtype, interpolation, bounds and
 * timestamps, as MobilityDB 1.3 does: nothing is inserted, so ceil of a
 * linear sequence stays linear between the new values, and 2 / t stays
 * linear although the exact result would be a hyperbola.  The result goes
 * through the TFloatBuilder, so it is validated and renormalized (a
 * middle instant that becomes collinear is dropped).  The inner loop is
 * cq_operation_apply_array: one pass over the value array calling plain C
 * functions, the timestamps copied with one memcpy.
 *
 * The exceptions:
 *
 *	- abs inserts 0@t where a linear segment crosses zero strictly between
 *	  its instants (MobilityDB's rule: t = t1 + trunc((t2 - t1) * |v1| /
 *	  (|v1| + |v2|)), so truncated, not rounded, to the microsecond; no
 *	  point when that lands on t1 or t2, or when an end is infinite);
 *	- scalar / tfloat is division by zero when any stored value is 0,
 *	  exclusive bounds included (PostgreSQL never stores the Infinity that
 *	  a finite value divided by 0 would give; MobilityDB exempts an
 *	  exclusive bound here), or when a linear segment crosses 0 (the
 *	  denominator is 0 there, as MobilityDB's ever-equal test finds);
 *	- tfloat / scalar with |c| < 1e-6 is division by zero (MobilityDB).
 *
 * ln and log10 fail on a stored value <= 0, which also covers a linear
 * segment crossing 0 (one of its ends is negative); exp, degrees, radians
 * and the arithmetic raise PostgreSQL's overflow/underflow errors.  NaN
 * values pass through as in PostgreSQL's float8 functions.
 *
 * C names differ from the SQL names (tfloat_ln for ln, ...) because the
 * SQL names are those of the C math library.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "fmgr.h"
#include "core/operation.h"
#include "tfloat/tfloat.h"

PG_FUNCTION_INFO_V1(cq_tfloat_ln);
PG_FUNCTION_INFO_V1(cq_tfloat_log10);
PG_FUNCTION_INFO_V1(cq_tfloat_exp);
PG_FUNCTION_INFO_V1(cq_tfloat_ceil);
PG_FUNCTION_INFO_V1(cq_tfloat_floor);
PG_FUNCTION_INFO_V1(cq_tfloat_round);
PG_FUNCTION_INFO_V1(cq_tfloat_abs);
PG_FUNCTION_INFO_V1(cq_tfloat_degrees);
PG_FUNCTION_INFO_V1(cq_tfloat_radians);
PG_FUNCTION_INFO_V1(cq_add_tfloat_float);
PG_FUNCTION_INFO_V1(cq_add_float_tfloat);
PG_FUNCTION_INFO_V1(cq_sub_tfloat_float);
PG_FUNCTION_INFO_V1(cq_sub_float_tfloat);
PG_FUNCTION_INFO_V1(cq_mult_tfloat_float);
PG_FUNCTION_INFO_V1(cq_mult_float_tfloat);
PG_FUNCTION_INFO_V1(cq_div_tfloat_float);
PG_FUNCTION_INFO_V1(cq_div_float_tfloat);

static inline bool
IsContinuous(const TFloat *t)
{
	return t->subtype == TF_SEQUENCE || t->subtype == TF_SEQUENCESET;
}

static inline bool
IsLinear(const TFloat *t)
{
	return IsContinuous(t) && !TF_IS_STEP(t);
}

/*
 * LiftOperation: op(v, a) on every stored value of t, as a new tfloat of
 * the same shape.  Raises the operation's domain error, if any.
 */
static TFloat *
LiftOperation(const TFloat *t, CqOpId id, double a)
{
	const CqOperation *op = cq_operation_get(id);
	TFloatBuilder b;
	CqDomainError err;
	int bad;

	err = cq_operation_check_arg(op, a);
	if (err != CQ_DOMAIN_OK)
		cq_domain_error(err);
	tf_builder_init_like(&b, t);
	err = cq_operation_apply_array(op, TF_VALUES(t), b.values, t->ninst, a,
								   &bad);
	if (err != CQ_DOMAIN_OK)
		cq_domain_error(err);
	return tf_builder_finish(&b);
}

/*
 * CrossesZero: does the linear segment (v1, v2) pass through 0 strictly
 * between its ends?
 */
static inline bool
CrossesZero(double v1, double v2)
{
	return (v1 < 0.0 && v2 > 0.0) || (v1 > 0.0 && v2 < 0.0);
}

/*
 * ZeroCrossing: MobilityDB's time of the zero of the segment
 * (t1, v1) - (t2, v2), whose ends have opposite signs.  False when there is
 * no usable point strictly inside (an infinite end, or rounding onto an
 * end).
 */
static bool
ZeroCrossing(TimestampTz t1, double v1, TimestampTz t2, double v2,
			 TimestampTz *t)
{
	double a1 = fabs(v1);
	double a2 = fabs(v2);
	double sum = a1 + a2;
	double ratio;

	if (isinf(a1) || isinf(a2))
		return false;
	if (isinf(sum)) /* both huge: halve to stay finite */
		ratio = (a1 * 0.5) / (a1 * 0.5 + a2 * 0.5);
	else
		ratio = a1 / sum;
	*t = t1 + (TimestampTz) ((double) (t2 - t1) * ratio);
	return *t > t1 && *t < t2;
}

/*
 * AbsLinear: abs of a linear sequence or set, with 0@t added where a
 * segment crosses zero.
 */
static TFloat *
AbsLinear(const TFloat *t)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	TFloatBuilder b;

	tf_builder_init(&b, t->subtype, false, t->ninst);
	for (int i = 0; i < t->nseqs; i++)
	{
		TFloatSeqView v;
		int end;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(t, i, &v);
		end = v.start + v.count;
		tf_builder_begin_seq(&b, v.lower_inc);
		for (int j = v.start; j < end; j++)
		{
			TimestampTz tc;

			TF_CHECK_INTERRUPTS(j);
			if (j > v.start && CrossesZero(values[j - 1], values[j]) &&
				ZeroCrossing(times[j - 1], values[j - 1], times[j], values[j],
							 &tc))
				tf_builder_add(&b, tc, 0.0);
			tf_builder_add(&b, times[j], fabs(values[j]));
		}
		tf_builder_end_seq(&b, v.upper_inc);
	}
	return tf_builder_finish(&b);
}

Datum
cq_tfloat_ln(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_LN, 0.0));
}

Datum
cq_tfloat_log10(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_LOG10, 0.0));
}

Datum
cq_tfloat_exp(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_EXP, 0.0));
}

Datum
cq_tfloat_ceil(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_CEIL, 0.0));
}

Datum
cq_tfloat_floor(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_FLOOR, 0.0));
}

/* round(tfloat, integer): half away from zero; negative digits refused */
Datum
cq_tfloat_round(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	int32 digits = PG_GETARG_INT32(1);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_ROUND, (double) digits));
}

Datum
cq_tfloat_abs(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	if (IsLinear(t))
		PG_RETURN_TFLOAT_P(AbsLinear(t));
	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_ABS, 0.0));
}

/* degrees(tfloat, normalize boolean): normalize maps into [0, 360) */
Datum
cq_tfloat_degrees(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	bool normalize = PG_GETARG_BOOL(1);

	PG_RETURN_TFLOAT_P(
		LiftOperation(t, normalize ? CQ_OP_DEGREES_NORMALIZE : CQ_OP_DEGREES,
					  0.0));
}

Datum
cq_tfloat_radians(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_RADIANS, 0.0));
}

Datum
cq_add_tfloat_float(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_ADD, PG_GETARG_FLOAT8(1)));
}

/* c + v is v + c exactly in IEEE arithmetic */
Datum
cq_add_float_tfloat(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(1);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_ADD, PG_GETARG_FLOAT8(0)));
}

Datum
cq_sub_tfloat_float(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_SUB, PG_GETARG_FLOAT8(1)));
}

Datum
cq_sub_float_tfloat(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(1);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_RSUB, PG_GETARG_FLOAT8(0)));
}

Datum
cq_mult_tfloat_float(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_MUL, PG_GETARG_FLOAT8(1)));
}

Datum
cq_mult_float_tfloat(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(1);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_MUL, PG_GETARG_FLOAT8(0)));
}

/* tfloat / c: |c| < 1e-6 is division by zero (checked by the catalogue) */
Datum
cq_div_tfloat_float(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_DIV, PG_GETARG_FLOAT8(1)));
}

/*
 * c / tfloat: a stored 0 is refused by the catalogue's check; a linear
 * segment that crosses 0 is refused here.
 */
Datum
cq_div_float_tfloat(PG_FUNCTION_ARGS)
{
	double c = PG_GETARG_FLOAT8(0);
	TFloat *t = PG_GETARG_TFLOAT_P(1);

	if (IsLinear(t))
	{
		const double *values = TF_VALUES(t);

		for (int i = 0; i < t->nseqs; i++)
		{
			TFloatSeqView v;

			TF_CHECK_INTERRUPTS(i);
			tf_seq_view(t, i, &v);
			for (int j = v.start + 1; j < v.start + v.count; j++)
				if (CrossesZero(values[j - 1], values[j]))
					ereport(ERROR,
							(errcode(ERRCODE_DIVISION_BY_ZERO),
							 errmsg("division by zero"),
							 errdetail("The tfloat divisor crosses zero "
									   "between two of its instants.")));
		}
	}
	PG_RETURN_TFLOAT_P(LiftOperation(t, CQ_OP_RDIV, c));
}
