/*-------------------------------------------------------------------------
 *
 * tfloat_restrict.c
 *	  Restriction of a tfloat to time: valueAtTimestamp and atTime (to a
 *	  timestamp, a tstzrange or a tstzmultirange).
 *
 * Design notes
 *
 * Every restriction reduces to one primitive, ClipSeq(): the part of one
 * sequence inside one time interval (a pair of bounds, each inclusive or
 * not, possibly infinite).  The interval is intersected with the sequence's
 * own bounds; a linear sequence is cut with values interpolated by
 * tf_value_at(), a step sequence with the value in force.  A step sequence
 * cut with an exclusive upper bound ends by repeating its previous value,
 * which is also the rule the builder checks.
 *
 * The subtype of a result follows MobilityDB 1.3:
 *	- to a timestamp: an instant (or NULL);
 *	- an instant stays an instant, a discrete sequence stays discrete (even
 *	  with one instant left);
 *	- a continuous sequence restricted to a range gives a sequence (one
 *	  instant left gives [v@t]); restricted to a multirange it gives a
 *	  sequence set, even with one piece;
 *	- a sequence set gives a sequence set.
 * An empty result is NULL.  The builder normalizes, so pieces of a set that
 * touch and continue each other are joined.
 *
 * A multirange's ranges are sorted, disjoint and not adjacent, and so are
 * the sequences of a set, so a multirange restriction is one merge-like
 * pass over both lists; a range restriction of a set finds the first
 * sequence by binary search.  Time is O(log n + size of the result).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "tfloat/tfloat.h"
#include "utils/multirangetypes.h"
#include "utils/rangetypes.h"
#include "utils/timestamp.h"
#include "utils/typcache.h"

PG_FUNCTION_INFO_V1(cq_valueattimestamp);
PG_FUNCTION_INFO_V1(cq_attime_timestamptz);
PG_FUNCTION_INFO_V1(cq_attime_tstzrange);
PG_FUNCTION_INFO_V1(cq_attime_tstzmultirange);

/*
 * ClipSeq: append to the builder, as one sequence, the part of sequence s
 * of tf inside interval iv.  Returns false (appending nothing) when they do
 * not meet.  tf is a continuous sequence or a sequence set.
 */
static bool
ClipSeq(TFloatBuilder *b, const TFloat *tf, const TFloatSeqView *s,
		const TFloatSpan *iv)
{
	const TimestampTz *times = TF_TIMES(tf);
	const double *values = TF_VALUES(tf);
	TFloatSpan sb;
	TFloatSpan r;
	int end = s->start + s->count;
	double last;

	tf_seq_span(tf, s, &sb);
	if (!tf_span_intersect(&sb, iv, &r))
		return false;

	tf_builder_begin_seq(b, r.lower_inc);
	last = tf_seq_value(tf, s, r.lower, false);
	tf_builder_add(b, r.lower, last);
	if (r.lower < r.upper)
	{
		for (int i =
				 tf_find_instant(times, s->start, s->count, r.lower, false) +
				 1;
			 i < end && times[i] < r.upper; i++)
		{
			tf_builder_add(b, times[i], values[i]);
			last = values[i];
		}
		/* Step with an exclusive end keeps the value in force before it */
		if (TF_IS_STEP(tf) && !r.upper_inc)
			tf_builder_add(b, r.upper, last);
		else
			tf_builder_add(b, r.upper, tf_seq_value(tf, s, r.upper, false));
	}
	tf_builder_end_seq(b, r.upper_inc);
	return true;
}

/*
 * valueAtTimestamp(tfloat, timestamptz) RETURNS float8: NULL where the value
 * is not defined.
 */
Datum
cq_valueattimestamp(PG_FUNCTION_ARGS)
{
	TFloat *tf = PG_GETARG_TFLOAT_P(0);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(1);
	double v;

	if (!tf_value_at_timestamp(tf, t, &v))
		PG_RETURN_NULL();
	PG_RETURN_DATUM(tf_value_datum(tf->basetype, v));
}

/* atTime(tfloat, timestamptz) RETURNS tfloat: an instant or NULL */
Datum
cq_attime_timestamptz(PG_FUNCTION_ARGS)
{
	TFloat *tf = PG_GETARG_TFLOAT_P(0);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(1);
	double v;

	if (!tf_value_at_timestamp(tf, t, &v))
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(tf_as_base(tf_make_instant(t, v), tf->basetype));
}

/* Range bounds as a TFloatSpan; false for an empty range */
static bool
RangeToBounds(TypeCacheEntry *rngtyp, const RangeType *r, TFloatSpan *b)
{
	RangeBound lower;
	RangeBound upper;
	bool empty;

	range_deserialize(rngtyp, r, &lower, &upper, &empty);
	if (empty)
		return false;
	b->lower = lower.infinite ? DT_NOBEGIN : DatumGetTimestampTz(lower.val);
	b->lower_inc = lower.infinite || lower.inclusive;
	b->upper = upper.infinite ? DT_NOEND : DatumGetTimestampTz(upper.val);
	b->upper_inc = upper.infinite || upper.inclusive;
	return true;
}

/*
 * AtIntervals: the restriction of tf to the union of n intervals, sorted,
 * disjoint and not adjacent.  seqset_result asks for a sequence set when
 * tf is a continuous sequence.  NULL when empty.
 */
static TFloat *
AtIntervals(const TFloat *tf, const TFloatSpan *ivs, int n, bool seqset_result)
{
	const TimestampTz *times = TF_TIMES(tf);
	const double *values = TF_VALUES(tf);
	TFloatBuilder b;
	int nseqs;
	int i;
	int j;

	if (n == 0)
		return NULL;
	if (tf->subtype == TF_INSTANT || tf->subtype == TF_DISCRETE)
	{
		tf_builder_init(&b, tf->subtype, false, 0);
		tf_builder_set_base(&b, tf->basetype);
		i = 0;
		for (j = 0; j < tf->ninst && i < n; j++)
		{
			TimestampTz t = times[j];

			/* Skip the intervals that end before t */
			while (
				i < n &&
				(ivs[i].upper < t || (ivs[i].upper == t && !ivs[i].upper_inc)))
				i++;
			if (i < n && tf_span_contains(&ivs[i], t))
				tf_builder_add(&b, t, values[j]);
		}
		if (b.ninst == 0)
		{
			tf_builder_free(&b);
			return NULL;
		}
		return tf_builder_finish(&b);
	}

	tf_builder_init(&b,
					tf->subtype == TF_SEQUENCE && !seqset_result
						? TF_SEQUENCE
						: TF_SEQUENCESET,
					TF_IS_STEP(tf), 0);
	tf_builder_set_base(&b, tf->basetype);
	nseqs = tf_num_seqs(tf);

	/* Skip the sequences that end before the first interval */
	i = 0;
	j = tf_first_seq_ending_from(tf, ivs[0].lower);
	while (i < n && j < nseqs)
	{
		TFloatSeqView s;
		TFloatSpan sb;

		tf_seq_view(tf, j, &s);
		tf_seq_span(tf, &s, &sb);
		ClipSeq(&b, tf, &s, &ivs[i]);

		/*
		 * Advance whichever ends first.  When both end together keep the
		 * interval: the next sequence may start there with an inclusive
		 * bound.  The next interval cannot meet this sequence then, as
		 * intervals are not adjacent.
		 */
		if (sb.upper <= ivs[i].upper)
			j++;
		else
			i++;
	}
	if (b.nseqs == 0)
	{
		tf_builder_free(&b);
		return NULL;
	}
	return tf_builder_finish(&b);
}

/*
 * atTime(tfloat, tstzrange) RETURNS tfloat: the part of the value inside
 * the range, NULL when none.
 */
Datum
cq_attime_tstzrange(PG_FUNCTION_ARGS)
{
	TFloat *tf = PG_GETARG_TFLOAT_P(0);
	RangeType *r = PG_GETARG_RANGE_P(1);
	TypeCacheEntry *rngtyp = lookup_type_cache(TSTZRANGEOID,
											   TYPECACHE_RANGE_INFO);
	TFloatSpan iv;
	TFloat *result;

	if (!RangeToBounds(rngtyp, r, &iv))
		PG_RETURN_NULL();
	result = AtIntervals(tf, &iv, 1, false);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(result);
}

/*
 * atTime(tfloat, tstzmultirange) RETURNS tfloat: the part of the value
 * inside the multirange, NULL when none.  A continuous sequence gives a
 * sequence set.
 */
Datum
cq_attime_tstzmultirange(PG_FUNCTION_ARGS)
{
	TFloat *tf = PG_GETARG_TFLOAT_P(0);
	MultirangeType *mr = PG_GETARG_MULTIRANGE_P(1);
	TypeCacheEntry *mrtyp = lookup_type_cache(TSTZMULTIRANGEOID,
											  TYPECACHE_MULTIRANGE_INFO);
	int n = mr->rangeCount;
	TFloatSpan *ivs;
	TFloat *result;

	if (n == 0)
		PG_RETURN_NULL();
	ivs = palloc(mul_size(n, sizeof(TFloatSpan)));
	for (int i = 0; i < n; i++)
	{
		RangeBound lower;
		RangeBound upper;

		TF_CHECK_INTERRUPTS(i);
		multirange_get_bounds(mrtyp->rngtype, mr, i, &lower, &upper);
		ivs[i].lower = lower.infinite ? DT_NOBEGIN
									  : DatumGetTimestampTz(lower.val);
		ivs[i].lower_inc = lower.infinite || lower.inclusive;
		ivs[i].upper = upper.infinite ? DT_NOEND
									  : DatumGetTimestampTz(upper.val);
		ivs[i].upper_inc = upper.infinite || upper.inclusive;
	}
	result = AtIntervals(tf, ivs, n, true);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(result);
}
