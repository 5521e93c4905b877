/*-------------------------------------------------------------------------
 *
 * tfloat_time.c
 *	  Locating times in a tfloat: spans of sequences, the instant at or
 *	  before a time, and the value at a time.
 *
 * Design notes
 *
 * Restriction (atTime, valueAtTimestamp) and synchronization (tfloat op
 * tfloat) both need these; they live here once so both agree on bounds,
 * gaps and sequences that meet at one timestamp.  All searches are binary
 * over the sorted timestamp array.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "tfloat/tfloat.h"

void
tf_seq_span(const TFloat *tf, const TFloatSeqView *v, TFloatSpan *sp)
{
	const TimestampTz *times = TF_TIMES(tf);

	sp->lower = times[v->start];
	sp->upper = times[v->start + v->count - 1];
	sp->lower_inc = v->lower_inc;
	sp->upper_inc = v->upper_inc;
}

/* Intersection of two spans into *r; false when it is empty */
bool
tf_span_intersect(const TFloatSpan *a, const TFloatSpan *b, TFloatSpan *r)
{
	if (a->lower != b->lower)
	{
		const TFloatSpan *m = a->lower > b->lower ? a : b;

		r->lower = m->lower;
		r->lower_inc = m->lower_inc;
	}
	else
	{
		r->lower = a->lower;
		r->lower_inc = a->lower_inc && b->lower_inc;
	}
	if (a->upper != b->upper)
	{
		const TFloatSpan *m = a->upper < b->upper ? a : b;

		r->upper = m->upper;
		r->upper_inc = m->upper_inc;
	}
	else
	{
		r->upper = a->upper;
		r->upper_inc = a->upper_inc && b->upper_inc;
	}
	return r->lower < r->upper ||
		(r->lower == r->upper && r->lower_inc && r->upper_inc);
}

bool
tf_span_contains(const TFloatSpan *sp, TimestampTz t)
{
	return (sp->lower < t || (sp->lower == t && sp->lower_inc)) &&
		(t < sp->upper || (t == sp->upper && sp->upper_inc));
}

/*
 * tf_find_instant: the largest index i in [start, start + count) with
 * times[i] <= t (or < t when strict); start - 1 when there is none.
 */
int
tf_find_instant(const TimestampTz *times, int start, int count, TimestampTz t,
				bool strict)
{
	int lo = start;
	int hi = start + count - 1;
	int found = start - 1;

	while (lo <= hi)
	{
		int mid = lo + (hi - lo) / 2;

		if (times[mid] < t || (!strict && times[mid] == t))
		{
			found = mid;
			lo = mid + 1;
		}
		else
			hi = mid - 1;
	}
	return found;
}

/*
 * tf_seq_value: the value of sequence s of tf at t, which lies within the
 * sequence's first and last timestamps (bounds are the caller's business).
 * With left, the limit from the left (different only for step, at an
 * instant where the value jumps; t must then be after the first instant).
 */
double
tf_seq_value(const TFloat *tf, const TFloatSeqView *s, TimestampTz t,
			 bool left)
{
	const TimestampTz *times = TF_TIMES(tf);
	const double *values = TF_VALUES(tf);
	bool step = TF_IS_STEP(tf);
	int i = tf_find_instant(times, s->start, s->count, t, left && step);

	Assert(i >= s->start);
	if (step)
		return values[i];
	if (times[i] == t || i == s->start + s->count - 1)
		return values[i];
	return tf_value_at(times[i], values[i], times[i + 1], values[i + 1], t,
					   false);
}

/*
 * tf_first_seq_ending_from: index of the first sequence of tf whose last
 * timestamp is >= t (the last sequence when there is none).
 */
int
tf_first_seq_ending_from(const TFloat *tf, TimestampTz t)
{
	const TimestampTz *times = TF_TIMES(tf);
	int lo = 0;
	int hi = tf_num_seqs(tf) - 1;

	while (lo < hi)
	{
		int mid = lo + (hi - lo) / 2;
		TFloatSeqView s;

		tf_seq_view(tf, mid, &s);
		if (times[s.start + s.count - 1] >= t)
			hi = mid;
		else
			lo = mid + 1;
	}
	return lo;
}

/*
 * tf_value_at_timestamp: the value of tf at t into *value; false when tf is
 * not defined at t (outside it, in a gap of a set, at an exclusive bound,
 * between the instants of a discrete sequence).
 */
bool
tf_value_at_timestamp(const TFloat *tf, TimestampTz t, double *value)
{
	const TimestampTz *times = TF_TIMES(tf);
	int nseqs = tf_num_seqs(tf);
	int lo;

	if (tf->subtype == TF_INSTANT || tf->subtype == TF_DISCRETE)
	{
		int i = tf_find_instant(times, 0, tf->ninst, t, false);

		if (i < 0 || times[i] != t)
			return false;
		*value = TF_VALUES(tf)[i];
		return true;
	}

	/* Sequences may share a timestamp; try this one and the next */
	lo = tf_first_seq_ending_from(tf, t);
	for (int i = lo; i < nseqs && i <= lo + 1; i++)
	{
		TFloatSeqView v;
		TFloatSpan sp;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(tf, i, &v);
		tf_seq_span(tf, &v, &sp);
		if (tf_span_contains(&sp, t))
		{
			*value = tf_seq_value(tf, &v, t, false);
			return true;
		}
	}
	return false;
}
