/*-------------------------------------------------------------------------
 *
 * tfloat_arith.c
 *	  tfloat op tfloat for + - * / (MobilityDB's tnumber_add, tnumber_sub,
 *	  tnumber_mult and tnumber_div on two tfloats).
 *
 * Design notes
 *
 * Both operands are synchronized by tf_sync() (tfloat_sync.c), which gives
 * the result's shape: NULL when they share no time, an instant or a
 * discrete sequence when either is one, else sequences over the common
 * time (cut at the jumps of a step operand when the other is linear).  The
 * operation is then applied at every synchronized instant.  Linear with
 * linear or with step gives a linear result; step with step a step result.
 * Two sequences give a sequence, or a set when the result falls into
 * several pieces; a set with anything continuous gives a set.
 *
 * Turning points.  On a segment where both operands are linear, x(s) =
 * x1 + a s and y(s) = x3 + b s for s in [0, 1], the product is a parabola
 * whose vertex is at
 *
 *		s* = -(a x3 + b x1) / (2 a b)		(a != 0, b != 0),
 *
 * the midpoint of the two roots.  When 0 < s* < 1 an instant is inserted
 * there, with the product there, so that the linear result keeps the
 * extremum ([-1@t1, 1@t3] * [-1@t1, 1@t3] = [1@t1, 0@t2, 1@t3]).
 *
 * For the quotient x/y the derivative is (a y - b x) / y^2 = (a x3 -
 * b x1) / y^2: its numerator does not depend on s, so the quotient of two
 * linear functions is monotone on any segment where y does not vanish and
 * has no turning point at all.  MobilityDB 1.3 nevertheless inserts, for
 * '/', the same point s* (the vertex of x * y); cqstream does the same so
 * that both print the same values.  The extra instant is harmless: its
 * value is the exact quotient, which only improves the linear
 * approximation of the (hyperbolic) quotient.
 *
 * The turning point is found as MobilityDB 1.3 finds it (TurningPoint):
 * truncated to the microsecond, none within a fraction of 1e-6 of an end,
 * and the operands are evaluated at that time, so that both print the
 * same instant and value.
 *
 * Division by zero (22012): the denominator must never be exactly 0 where
 * the result is defined: at a synchronized instant other than an exclusive
 * bound, on a step segment holding 0, or on a linear segment whose ends
 * have opposite signs or are both 0 (a crossing inside it).  A zero reached
 * only at an exclusive bound is allowed; the result there is the IEEE
 * quotient (an infinity, or NaN for 0/0), the limit the result tends to.
 *
 * Overflow raises 22003 as PostgreSQL's float8 operators do; a product or
 * quotient too small for a double is 0 (or a subnormal), as in
 * MobilityDB's plain C arithmetic, not PostgreSQL's underflow error.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "tfloat/tfloat.h"
#include "tfloat/tfloat_sync.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(cq_add_tnumber_tnumber);
PG_FUNCTION_INFO_V1(cq_sub_tnumber_tnumber);
PG_FUNCTION_INFO_V1(cq_mult_tnumber_tnumber);
PG_FUNCTION_INFO_V1(cq_div_tnumber_tnumber);

typedef enum TFArithOp
{
	TF_ADD,
	TF_SUB,
	TF_MUL,
	TF_DIV
} TFArithOp;

/*
 * ApplyOp: x op y with PostgreSQL's float8 semantics (errors 22003 on
 * overflow, 22012 on a zero divisor) except underflow, which gives 0.  With exclusive, the value
 * sits at an exclusive bound, where a zero divisor is allowed and gives
 * the IEEE result.
 */
static double
ApplyOp(TFArithOp op, double x, double y, bool exclusive)
{
	double r;

	switch (op)
	{
		case TF_ADD:
			return float8_pl(x, y);
		case TF_SUB:
			return float8_mi(x, y);
		case TF_MUL:
			r = x * y;
			if (unlikely(isinf(r)) && !isinf(x) && !isinf(y))
				float_overflow_error();
			return r;
		case TF_DIV:
			if (y == 0.0 && exclusive)
				return x / y;
			if (unlikely(y == 0.0))
				float_zero_divide_error();
			r = x / y;
			if (unlikely(isinf(r)) && !isinf(x))
				float_overflow_error();
			return r;
	}
	elog(ERROR, "unknown tfloat arithmetic operator %d", (int) op);
	return 0.0; /* keep compiler quiet */
}

static void
DivisionByZero(void)
{
	ereport(ERROR,
			(errcode(ERRCODE_DIVISION_BY_ZERO), errmsg("division by zero"),
			 errdetail(
				 "The temporal divisor is 0 at some time shared with the dividend.")));
}

/* Is instant i of piece p at an exclusive bound of the piece? */
static inline bool
AtExclusiveBound(const TFSyncPiece *p, int i)
{
	return (i == p->start && !p->lower_inc) ||
		(i == p->start + p->count - 1 && !p->upper_inc);
}

/*
 * CheckDivisor: error 22012 if the second operand is ever exactly 0 where
 * the result is defined (see the file header).
 */
static void
CheckDivisor(const TFSync *s)
{
	for (int k = 0; k < s->npieces; k++)
	{
		const TFSyncPiece *p = &s->pieces[k];
		int end = p->start + p->count;

		TF_CHECK_INTERRUPTS(k);
		for (int i = p->start; i < end; i++)
		{
			double d = s->v2[i];

			TF_CHECK_INTERRUPTS(i);
			if (d == 0.0 && !AtExclusiveBound(p, i))
				DivisionByZero();
			if (i + 1 < end)
			{
				double e = s->v2[i + 1];

				if (s->interp == TF_SYNC_STEP
						? d == 0.0
						: ((d < 0.0 && e > 0.0) || (d > 0.0 && e < 0.0) ||
						   (d == 0.0 && e == 0.0)))
					DivisionByZero();
			}
		}
	}
}

/*
 * TurningPoint: the vertex of the product of the two linear operands on
 * segment [i, i + 1], if strictly inside it (see the file header).
 *
 * As MobilityDB 1.3 finds it, so that both give the same instant: the
 * zeros of the two lines as fractions of the segment, d1 = -x1 / (x2 -
 * x1) and d2 = -x3 / (x4 - x3), each divided in double; the vertex is
 * their midpoint, taken in long double; a point within 1e-6 of either end
 * is none; the time is the segment's start plus the duration times the
 * fraction, truncated to the microsecond.  The caller then evaluates both
 * operands at that time, as MobilityDB does, rather than using the exact
 * vertex value.
 */
static bool
TurningPoint(const TFSync *s, int i, TimestampTz *tp)
{
	double x1 = s->v1[i];
	double x2 = s->v1[i + 1];
	double x3 = s->v2[i];
	double x4 = s->v2[i + 1];
	long double d1;
	long double d2;
	long double frac;
	TimestampTz t1 = s->times[i];
	TimestampTz t2 = s->times[i + 1];
	TimestampTz t;

	if (x2 - x1 == 0.0 || x4 - x3 == 0.0 || !isfinite(x2 - x1) ||
		!isfinite(x4 - x3))
		return false;
	d1 = -x1 / (x2 - x1);
	d2 = -x3 / (x4 - x3);
	frac = Min(d1, d2) + (Max(d1, d2) - Min(d1, d2)) / 2;
	if (!(frac > TF_EPSILON && frac < 1.0 - TF_EPSILON)) /* also NaN */
		return false;
	t = t1 + (TimestampTz) ((long double) (t2 - t1) * frac);
	/* A segment shorter than 1/frac microseconds has no room for it */
	if (t <= t1 || t >= t2)
		return false;
	*tp = t;
	return true;
}

/*
 * SeqSetToSeq: a set of exactly one sequence as a continuous sequence
 * (MobilityDB returns a sequence when two sequences give one piece).
 */
static TFloat *
SeqSetToSeq(TFloat *set)
{
	TFloatSeqView v;
	TFloat *result;

	tf_seq_view(set, 0, &v);
	result = tf_make_seq(TF_TIMES(set) + v.start, TF_VALUES(set) + v.start,
						 v.count, v.lower_inc, v.upper_inc, TF_IS_STEP(set));
	pfree(set);
	return result;
}

/*
 * TFloatArith: a op b, NULL when they share no time.  The result is palloc'd
 * in the current context.  Errors: 22012, 22003 (see the file header).
 */
static TFloat *
TFloatArith(const TFloat *a, const TFloat *b, TFArithOp op)
{
	TFSync s;
	TFloatBuilder bld;
	bool continuous;
	bool turning;
	TFloat *result;

	if (!tf_sync(a, b, &s))
		return NULL;
	if (op == TF_DIV)
		CheckDivisor(&s);

	continuous = s.interp != TF_SYNC_DISCRETE;
	turning = (op == TF_MUL || op == TF_DIV) && s.linear1 && s.linear2;
	tf_builder_init(&bld, continuous ? TF_SEQUENCESET : s.subtype,
					s.interp == TF_SYNC_STEP, s.ninst);
	for (int k = 0; k < s.npieces; k++)
	{
		const TFSyncPiece *p = &s.pieces[k];
		int end = p->start + p->count;
		double prev = 0.0;

		TF_CHECK_INTERRUPTS(k);
		if (continuous)
			tf_builder_begin_seq(&bld, p->lower_inc);
		for (int i = p->start; i < end; i++)
		{
			bool excl = AtExclusiveBound(p, i);
			double v;
			TimestampTz tp;

			TF_CHECK_INTERRUPTS(i);
			if (turning && i > p->start && TurningPoint(&s, i - 1, &tp))
			{
				double x1;
				double x2;

				tf_sync_values_at(&s, i - 1, tp, &x1, &x2);
				tf_builder_add(&bld, tp, ApplyOp(op, x1, x2, false));
			}
			/* A step result repeats its last value at an exclusive end */
			if (s.interp == TF_SYNC_STEP && excl && i > p->start)
				v = prev;
			else
				v = ApplyOp(op, s.v1[i], s.v2[i], excl);
			tf_builder_add(&bld, s.times[i], v);
			prev = v;
		}
		if (continuous)
			tf_builder_end_seq(&bld, p->upper_inc);
	}
	result = tf_builder_finish(&bld);
	if (s.subtype == TF_SEQUENCE && result->nseqs == 1)
		result = SeqSetToSeq(result);
	tf_sync_free(&s);
	return result;
}

static Datum
ArithFn(FunctionCallInfo fcinfo, TFArithOp op)
{
	TFloat *a = PG_GETARG_TFLOAT_P(0);
	TFloat *b = PG_GETARG_TFLOAT_P(1);
	TFloat *result = TFloatArith(a, b, op);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(result);
}

/* tnumber_add(tfloat, tfloat): the sum where both are defined */
Datum
cq_add_tnumber_tnumber(PG_FUNCTION_ARGS)
{
	return ArithFn(fcinfo, TF_ADD);
}

/* tnumber_sub(tfloat, tfloat): the difference where both are defined */
Datum
cq_sub_tnumber_tnumber(PG_FUNCTION_ARGS)
{
	return ArithFn(fcinfo, TF_SUB);
}

/* tnumber_mult(tfloat, tfloat): the product, with turning points */
Datum
cq_mult_tnumber_tnumber(PG_FUNCTION_ARGS)
{
	return ArithFn(fcinfo, TF_MUL);
}

/* tnumber_div(tfloat, tfloat): the quotient; 22012 if the divisor is ever 0 */
Datum
cq_div_tnumber_tnumber(PG_FUNCTION_ARGS)
{
	return ArithFn(fcinfo, TF_DIV);
}
