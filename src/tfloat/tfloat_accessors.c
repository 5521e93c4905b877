/*-------------------------------------------------------------------------
 *
 * tfloat_accessors.c
 *	  Accessors of tfloat values: values, instants, timestamps, duration,
 *	  interpolation, subtype and time extent.
 *
 * Design notes
 *
 * A sequence set stores each of its sequences' instants, so two sequences
 * that meet at one timestamp with both bounds exclusive, {[..., 2@t2),
 * (2@t2, ...]}, store an instant at t2 twice.  Like MobilityDB, the
 * functions that count or list instants see it once (numInstants,
 * instants, avgValue), and the functions about timestamps see a shared
 * timestamp once even if the two values differ (numTimestamps,
 * timestamps).  Within a sequence timestamps strictly increase, so a
 * repeated timestamp can only be such a boundary: comparing with the
 * previous stored instant is enough.
 *
 * Minima and maxima use PostgreSQL's float ordering, in which NaN is larger
 * than every other value, so minValue/maxValue agree with min()/max() over
 * the instants.
 *
 * avgValue is cqstream's own (MobilityDB has none): the arithmetic mean of
 * the values of the distinct instants, whatever the interpolation; the
 * time-weighted average is twAvg.  It sums in long double so that a mean
 * of large finite values does not overflow.
 *
 * The value accessors return the base type's SQL type (int4 for a tint,
 * tbase.c), and instants the argument's type: the same functions serve
 * tfloat and tint.
 *
 * Time extents are returned as PostgreSQL's tstzrange / tstzmultirange
 * where MobilityDB has its own span types; make_multirange merges spans
 * that touch, as MobilityDB's span sets do.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "catalog/pg_type.h"
#include "common/int.h"
#include "tfloat/tfloat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(cq_startvalue);
PG_FUNCTION_INFO_V1(cq_endvalue);
PG_FUNCTION_INFO_V1(cq_minvalue);
PG_FUNCTION_INFO_V1(cq_maxvalue);
PG_FUNCTION_INFO_V1(cq_avgvalue);
PG_FUNCTION_INFO_V1(cq_numinstants);
PG_FUNCTION_INFO_V1(cq_numtimestamps);
PG_FUNCTION_INFO_V1(cq_instants);
PG_FUNCTION_INFO_V1(cq_timestamps);
PG_FUNCTION_INFO_V1(cq_starttimestamp);
PG_FUNCTION_INFO_V1(cq_endtimestamp);
PG_FUNCTION_INFO_V1(cq_duration);
PG_FUNCTION_INFO_V1(cq_interp);
PG_FUNCTION_INFO_V1(cq_tempsubtype);
PG_FUNCTION_INFO_V1(cq_gettime);
PG_FUNCTION_INFO_V1(cq_timespan);

/* a < b in PostgreSQL's float ordering (NaN largest) */
static inline bool
FloatLt(double a, double b)
{
	if (isnan(a))
		return false;
	if (isnan(b))
		return true;
	return a < b;
}

static int
CountDistinct(const TFloat *t, bool by_time)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	int n = 0;

	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (!tf_repeated_instant(times, values, i, by_time))
			n++;
	}
	return n;
}

Datum
cq_startvalue(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_DATUM(tf_value_datum(t->basetype, TF_VALUES(t)[0]));
}

Datum
cq_endvalue(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_DATUM(tf_value_datum(t->basetype, TF_VALUES(t)[t->ninst - 1]));
}

Datum
cq_minvalue(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const double *values = TF_VALUES(t);
	double m = values[0];

	for (int i = 1; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (FloatLt(values[i], m))
			m = values[i];
	}
	PG_RETURN_DATUM(tf_value_datum(t->basetype, m));
}

Datum
cq_maxvalue(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const double *values = TF_VALUES(t);
	double m = values[0];

	for (int i = 1; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (FloatLt(m, values[i]))
			m = values[i];
	}
	PG_RETURN_DATUM(tf_value_datum(t->basetype, m));
}

/*
 * avgValue: mean of the distinct instants' values (see the header).  NaN
 * if any value is NaN or infinities of both signs occur, as with avg().
 */
Datum
cq_avgvalue(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	long double sum = 0;
	int n = 0;

	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (tf_repeated_instant(times, values, i, false))
			continue;
		sum += values[i];
		n++;
	}
	PG_RETURN_FLOAT8((double) (sum / n));
}

Datum
cq_numinstants(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_INT32(CountDistinct(t, false));
}

Datum
cq_numtimestamps(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_INT32(CountDistinct(t, true));
}

/* instants(tfloat) RETURNS tfloat[]: the distinct instants in time order */
Datum
cq_instants(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	Datum *elems = palloc(mul_size(t->ninst, sizeof(Datum)));
	int n = 0;
	/* The elements have the argument's type, tfloat, whose OID is not fixed */
	Oid typid = get_fn_expr_argtype(fcinfo->flinfo, 0);

	if (!OidIsValid(typid))
		elog(ERROR, "could not determine the argument type of instants()");

	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (tf_repeated_instant(times, values, i, false))
			continue;
		elems[n++] = PointerGetDatum(
			tf_as_base(tf_make_instant(times[i], values[i]), t->basetype));
	}
	PG_RETURN_ARRAYTYPE_P(
		construct_array(elems, n, typid, -1, false, TYPALIGN_DOUBLE));
}

/* timestamps(tfloat) RETURNS timestamptz[]: the distinct timestamps */
Datum
cq_timestamps(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	Datum *elems = palloc(mul_size(t->ninst, sizeof(Datum)));
	int n = 0;

	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (tf_repeated_instant(times, values, i, true))
			continue;
		elems[n++] = TimestampTzGetDatum(times[i]);
	}
	PG_RETURN_ARRAYTYPE_P(construct_array(elems, n, TIMESTAMPTZOID,
										  sizeof(TimestampTz), FLOAT8PASSBYVAL,
										  TYPALIGN_DOUBLE));
}

Datum
cq_starttimestamp(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TIMESTAMPTZ(TF_TIMES(t)[0]);
}

Datum
cq_endtimestamp(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_TIMESTAMPTZ(TF_TIMES(t)[t->ninst - 1]);
}

/*
 * TimestampDiff: upper - lower as timestamptz subtraction does it, but
 * refusing a difference that overflows (timestamps 294276 years apart),
 * which PostgreSQL 15's timestamp_mi silently wraps.
 */
static Datum
TimestampDiff(TimestampTz upper, TimestampTz lower)
{
	int64 diff;

	if (pg_sub_s64_overflow(upper, lower, &diff))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("interval out of range")));
	return DirectFunctionCall2(timestamp_mi, TimestampTzGetDatum(upper),
							   TimestampTzGetDatum(lower));
}

/*
 * duration(tfloat, boundspan bool) RETURNS interval.  As in MobilityDB the
 * duration of a set is the sum of its sequences' durations, each one the
 * difference of its timestamps (justified to days as timestamptz - timestamptz
 * is), added as intervals; instants and discrete sequences last no time.
 * With boundspan it is the span from the first to the last timestamp.
 */
Datum
cq_duration(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	bool boundspan = PG_GETARG_BOOL(1);
	const TimestampTz *times = TF_TIMES(t);
	Datum result;

	if (boundspan)
		PG_RETURN_DATUM(TimestampDiff(times[t->ninst - 1], times[0]));
	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
		PG_RETURN_DATUM(TimestampDiff(times[0], times[0]));

	result = 0;
	for (int i = 0; i < tf_num_seqs(t); i++)
	{
		TFloatSeqView s;
		Datum d;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(t, i, &s);
		d = TimestampDiff(times[s.start + s.count - 1], times[s.start]);
		/* interval_pl raises "interval out of range" on overflow */
		result = i == 0 ? d : DirectFunctionCall2(interval_pl, result, d);
	}
	PG_RETURN_DATUM(result);
}

/* interp(tfloat) RETURNS text: None, Discrete, Step or Linear */
Datum
cq_interp(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const char *s;

	if (t->subtype == TF_INSTANT)
		s = "None";
	else if (t->subtype == TF_DISCRETE)
		s = "Discrete";
	else
		s = TF_IS_STEP(t) ? "Step" : "Linear";
	PG_RETURN_TEXT_P(cstring_to_text(s));
}

/* tempSubtype(tfloat) RETURNS text: Instant, Sequence or SequenceSet */
Datum
cq_tempsubtype(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const char *s;

	if (t->subtype == TF_INSTANT)
		s = "Instant";
	else if (t->subtype == TF_SEQUENCESET)
		s = "SequenceSet";
	else
		s = "Sequence";
	PG_RETURN_TEXT_P(cstring_to_text(s));
}

static RangeType *
MakeTstzRange(TypeCacheEntry *rngtyp, TimestampTz lower, TimestampTz upper,
			  bool lower_inc, bool upper_inc)
{
	RangeBound lb;
	RangeBound ub;

	lb.val = TimestampTzGetDatum(lower);
	lb.infinite = false;
	lb.inclusive = lower_inc;
	lb.lower = true;
	ub.val = TimestampTzGetDatum(upper);
	ub.infinite = false;
	ub.inclusive = upper_inc;
	ub.lower = false;
	return make_range(rngtyp, &lb, &ub, false);
}

/*
 * getTime(tfloat) RETURNS tstzmultirange: the times at which the value is
 * defined, [t, t] for each instant of an instant or discrete sequence.
 */
Datum
cq_gettime(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	TypeCacheEntry *mrtyp = lookup_type_cache(TSTZMULTIRANGEOID,
											  TYPECACHE_MULTIRANGE_INFO);
	TypeCacheEntry *rngtyp = mrtyp->rngtype;
	RangeType **ranges;
	int n;

	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		n = t->ninst;
		ranges = palloc(mul_size(n, sizeof(RangeType *)));
		for (int i = 0; i < n; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			ranges[i] = MakeTstzRange(rngtyp, times[i], times[i], true, true);
		}
	}
	else
	{
		n = tf_num_seqs(t);
		ranges = palloc(mul_size(n, sizeof(RangeType *)));
		for (int i = 0; i < n; i++)
		{
			TFloatSeqView s;

			TF_CHECK_INTERRUPTS(i);
			tf_seq_view(t, i, &s);
			ranges[i] = MakeTstzRange(rngtyp, times[s.start],
									  times[s.start + s.count - 1],
									  s.lower_inc, s.upper_inc);
		}
	}
	PG_RETURN_MULTIRANGE_P(
		make_multirange(TSTZMULTIRANGEOID, rngtyp, n, ranges));
}

/* timeSpan(tfloat) RETURNS tstzrange: the bounding period */
Datum
cq_timespan(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	TypeCacheEntry *rngtyp = lookup_type_cache(TSTZRANGEOID,
											   TYPECACHE_RANGE_INFO);
	TFloatSeqView first;
	TFloatSeqView last;

	tf_seq_view(t, 0, &first);
	tf_seq_view(t, tf_num_seqs(t) - 1, &last);
	PG_RETURN_RANGE_P(MakeTstzRange(rngtyp, times[0], times[t->ninst - 1],
									first.lower_inc, last.upper_inc));
}
