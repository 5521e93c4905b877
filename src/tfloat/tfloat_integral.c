/*-------------------------------------------------------------------------
 *
 * tfloat_integral.c
 *	  twAvg (time-weighted average) and integral (area under the curve) of
 *	  a tfloat.
 *
 * Design notes
 *
 * The sums follow MobilityDB 1.3 term by term, in the same order, so both
 * give the same double: a linear segment adds (v1 + v2) * dt / 2, a step
 * segment v1 * dt (dt in microseconds, as a double); a set adds its
 * sequences' integrals.  Instants and discrete sequences have no area
 * (integral 0); their twAvg is the plain mean.  A sequence's twAvg is its
 * integral over its duration, or its value when it is one instant; a set
 * weights each sequence by its duration, and a set of one-instant
 * sequences only (no duration at all) is the mean of their values.
 * Exclusive bounds change nothing: a bound's instant has no duration.
 *
 * Overflow.  MobilityDB returns Infinity when a sum of finite values
 * overflows (two values near 1e308).  cqstream raises PostgreSQL's
 * "value out of range: overflow" for integral, whose true value is then
 * out of range, but computes twAvg again with the values scaled by 2^-600
 * (exact for all but the tiniest values, which cannot matter beside values
 * that large), since the average itself is in range.  NaN and infinite
 * values give NaN / Infinity, as MobilityDB.
 *
 * One pass over the arrays, no allocation besides detoasting.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "fmgr.h"
#include "tfloat/tfloat.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(cq_twavg);
PG_FUNCTION_INFO_V1(cq_integral);

/* Scale used to redo an overflowing average */
#define TF_AVG_SCALE_EXP 600

/* Area of one continuous sequence, values scaled by 2^scale */
static double
SeqIntegral(const TimestampTz *times, const double *values, int start,
			int count, bool step, int scale)
{
	double result = 0.0;
	int end = start + count;

	if (scale == 0 && step)
	{
		for (int i = start + 1; i < end; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			result += values[i - 1] * (double) (times[i] - times[i - 1]);
		}
	}
	else if (scale == 0)
	{
		for (int i = start + 1; i < end; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			result += (values[i - 1] + values[i]) *
				(double) (times[i] - times[i - 1]) / 2.0;
		}
	}
	else
	{
		for (int i = start + 1; i < end; i++)
		{
			double v1 = ldexp(values[i - 1], scale);
			double v2 = ldexp(values[i], scale);
			double dt = (double) (times[i] - times[i - 1]);

			TF_CHECK_INTERRUPTS(i);
			result += step ? v1 * dt : (v1 + v2) * dt / 2.0;
		}
	}
	return result;
}

/* Area of a continuous value (sequence or set); 0 for the others */
static double
Integral(const TFloat *t, int scale)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	bool step = TF_IS_STEP(t);
	double result = 0.0;

	if (t->subtype != TF_SEQUENCE && t->subtype != TF_SEQUENCESET)
		return 0.0;
	for (int i = 0; i < t->nseqs; i++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(t, i, &v);
		result += SeqIntegral(times, values, v.start, v.count, step, scale);
	}
	return result;
}

/* True when every stored value is finite (then an Infinity is overflow) */
static bool
AllFinite(const TFloat *t)
{
	const double *values = TF_VALUES(t);

	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (!isfinite(values[i]))
			return false;
	}
	return true;
}

/* Plain mean of values[start .. start+count), values scaled by 2^scale */
static double
Mean(const double *values, int start, int count, int scale)
{
	double sum = 0.0;

	for (int i = start; i < start + count; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		sum += scale ? ldexp(values[i], scale) : values[i];
	}
	return sum / count;
}

/* twAvg of t with values scaled by 2^scale (the result is scaled too) */
static double
TwAvg(const TFloat *t, int scale)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	double duration = 0.0;

	switch (t->subtype)
	{
		case TF_INSTANT:
		case TF_DISCRETE:
			return Mean(values, 0, t->ninst, scale);
		default:
			break;
	}
	for (int i = 0; i < t->nseqs; i++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(t, i, &v);
		duration += (double) (times[v.start + v.count - 1] - times[v.start]);
	}
	if (duration == 0.0)
	{
		/* Only one-instant sequences: the mean of their values */
		double sum = 0.0;

		for (int i = 0; i < t->nseqs; i++)
		{
			TFloatSeqView v;

			TF_CHECK_INTERRUPTS(i);
			tf_seq_view(t, i, &v);
			sum += scale ? ldexp(values[v.start], scale) : values[v.start];
		}
		return sum / t->nseqs;
	}
	return Integral(t, scale) / duration;
}

/*
 * twavg(tfloat) float8: time-weighted average.
 */
Datum
cq_twavg(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	double result = TwAvg(t, 0);

	if (unlikely(!isfinite(result)) && AllFinite(t))
		result = ldexp(TwAvg(t, -TF_AVG_SCALE_EXP), TF_AVG_SCALE_EXP);
	PG_RETURN_FLOAT8(result);
}

/*
 * integral(tfloat) float8: area under the curve in value x microseconds;
 * 0 for instants and discrete sequences.
 */
Datum
cq_integral(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	double result = Integral(t, 0);

	if (unlikely(!isfinite(result)) && AllFinite(t))
		float_overflow_error();
	PG_RETURN_FLOAT8(result);
}
