/*-------------------------------------------------------------------------
 *
 * tfloat_sync.c
 *	  Synchronization of two tfloats (the core under tfloat op tfloat,
 *	  temporal comparisons and temporal aggregates).
 *
 * Design notes
 *
 * tf_sync(a, b, &s) walks both values over the time they share and fills
 * s with pieces of aligned instants: times[i], v1[i] (a at times[i]) and
 * v2[i] (b at times[i]).  The rules follow MobilityDB 1.3's lifting:
 *
 *	- an instant with anything gives at most one instant (subtype
 *	  TF_INSTANT); a discrete sequence with anything gives the discrete
 *	  instants at which the other is defined (TF_DISCRETE, one piece);
 *	- two continuous values (sequences or sets) give pieces over the
 *	  intersection of their extents, sequence by sequence, so the gaps of a
 *	  set and every bound are honoured.  The subtype is TF_SEQUENCE when
 *	  both are sequences (a consumer whose result ends up in several
 *	  sequences makes a set, as MobilityDB does) and TF_SEQUENCESET when
 *	  either is a set;
 *	- a piece holds the intersection's ends and every instant of either
 *	  operand strictly inside it;
 *	- two overlapping extents that only touch at one timestamp included by
 *	  both give a one-instant piece [v@t];
 *	- no common time: tf_sync returns false and s is empty.
 *
 * Interpolation (TFSync.interp): linear with linear, or linear with step,
 * is TF_SYNC_LINEAR; step with step is TF_SYNC_STEP.  With one linear and
 * one step operand, a piece is cut wherever the step operand jumps: the
 * piece before ends at the jump with an exclusive bound, the next starts
 * there inclusively, so that within a piece both operands really are
 * linear between neighbouring timestamps.  A jump exactly at an inclusive
 * upper end of the intersection gives a final one-instant piece.
 *
 * Values at bounds: at an exclusive upper bound the values are the limits
 * from the left (for a step operand, the value it held before), at any
 * other timestamp the values the operands take there (for a step operand,
 * the value from that instant on).  So a consumer that builds a step
 * result with an exclusive upper bound naturally repeats the previous
 * value, and a linear result ends with the value it tends to.
 *
 * Cost: O(n + m) instants plus a binary search per synchronized timestamp
 * (O((n + m) log(n + m)) overall).  Memory is palloc'd in the current
 * context; tf_sync_free() releases it.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "tfloat/tfloat_sync.h"
#include "utils/memutils.h"

static void
AddInstant(TFSync *s, TimestampTz t, double x1, double x2)
{
	if (s->ninst == s->instcap)
	{
		if (s->instcap >= (int) (MaxAllocSize / sizeof(double) / 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("tfloat value too large")));
		s->instcap *= 2;
		s->times = repalloc(s->times,
							mul_size(s->instcap, sizeof(TimestampTz)));
		s->v1 = repalloc(s->v1, mul_size(s->instcap, sizeof(double)));
		s->v2 = repalloc(s->v2, mul_size(s->instcap, sizeof(double)));
	}
	s->times[s->ninst] = t;
	s->v1[s->ninst] = x1;
	s->v2[s->ninst] = x2;
	s->ninst++;
}

static void
BeginPiece(TFSync *s, bool lower_inc)
{
	if (s->npieces == s->piececap)
	{
		if (s->piececap >= (int) (MaxAllocSize / sizeof(TFSyncPiece) / 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("tfloat value too large")));
		s->piececap *= 2;
		s->pieces = repalloc(s->pieces,
							 mul_size(s->piececap, sizeof(TFSyncPiece)));
	}
	s->pieces[s->npieces].start = s->ninst;
	s->pieces[s->npieces].count = 0;
	s->pieces[s->npieces].lower_inc = lower_inc;
	s->pieces[s->npieces].upper_inc = true;
	s->npieces++;
}

static void
EndPiece(TFSync *s, bool upper_inc)
{
	TFSyncPiece *p = &s->pieces[s->npieces - 1];

	p->count = s->ninst - p->start;
	p->upper_inc = upper_inc;
}

/*
 * SyncSeqPair: append the pieces of sequence va of a and vb of b over their
 * (non-empty) intersection iv.
 */
static void
SyncSeqPair(TFSync *s, const TFloat *a, const TFloatSeqView *va,
			const TFloat *b, const TFloatSeqView *vb, const TFloatSpan *iv)
{
	const TimestampTz *ta = TF_TIMES(a);
	const TimestampTz *tb = TF_TIMES(b);
	int ia;
	int ib;
	int enda = va->start + va->count;
	int endb = vb->start + vb->count;
	bool stepa = TF_IS_STEP(a);
	bool stepb = TF_IS_STEP(b);
	bool mixed = stepa != stepb;

	if (iv->lower == iv->upper)
	{
		BeginPiece(s, true);
		AddInstant(s, iv->lower, tf_seq_value(a, va, iv->lower, false),
				   tf_seq_value(b, vb, iv->lower, false));
		EndPiece(s, true);
		return;
	}

	BeginPiece(s, iv->lower_inc);
	AddInstant(s, iv->lower, tf_seq_value(a, va, iv->lower, false),
			   tf_seq_value(b, vb, iv->lower, false));

	/* First instants of each strictly after the lower end */
	ia = tf_find_instant(ta, va->start, va->count, iv->lower, false) + 1;
	ib = tf_find_instant(tb, vb->start, vb->count, iv->lower, false) + 1;

	for (;;)
	{
		TimestampTz t;
		bool at_end;
		double l1, l2, r1, r2;

		if (ia < enda && (ib >= endb || ta[ia] <= tb[ib]))
			t = ta[ia];
		else if (ib < endb)
			t = tb[ib];
		else
			t = iv->upper;
		if (t > iv->upper)
			t = iv->upper;
		at_end = t == iv->upper;
		if (ia < enda && ta[ia] == t)
			ia++;
		if (ib < endb && tb[ib] == t)
			ib++;

		l1 = tf_seq_value(a, va, t, true);
		l2 = tf_seq_value(b, vb, t, true);
		if (at_end && !iv->upper_inc)
		{
			AddInstant(s, t, l1, l2);
			EndPiece(s, false);
			return;
		}
		r1 = tf_seq_value(a, va, t, false);
		r2 = tf_seq_value(b, vb, t, false);
		if (mixed && !(tf_float_eq(l1, r1) && tf_float_eq(l2, r2)))
		{
			/* The step operand jumps: close the piece, open the next */
			AddInstant(s, t, l1, l2);
			EndPiece(s, false);
			BeginPiece(s, true);
		}
		AddInstant(s, t, r1, r2);
		if (at_end)
		{
			EndPiece(s, true);
			return;
		}
	}
}

/*
 * SyncDiscrete: a or b (or both) is an instant or a discrete sequence;
 * sample the other at each of its timestamps.
 */
static void
SyncDiscrete(TFSync *s, const TFloat *a, const TFloat *b)
{
	bool adisc = a->subtype == TF_INSTANT || a->subtype == TF_DISCRETE;
	const TFloat *d = adisc ? a : b; /* the discrete one (or either) */
	const TFloat *o = adisc ? b : a;
	const TimestampTz *td = TF_TIMES(d);
	const double *vd = TF_VALUES(d);

	BeginPiece(s, true);
	for (int i = 0; i < d->ninst; i++)
	{
		double x;

		TF_CHECK_INTERRUPTS(i);
		if (!tf_value_at_timestamp(o, td[i], &x))
			continue;
		if (adisc)
			AddInstant(s, td[i], vd[i], x);
		else
			AddInstant(s, td[i], x, vd[i]);
	}
	EndPiece(s, true);
	if (s->ninst == 0)
		s->npieces = 0;
}

/*
 * tf_sync: synchronize a and b into *s (see the file header).  Returns
 * false, with s empty, when they share no time.  May error only when out
 * of memory or for absurd sizes.  Free with tf_sync_free().
 */
bool
tf_sync(const TFloat *a, const TFloat *b, TFSync *s)
{
	memset(s, 0, sizeof(*s));
	s->instcap = Max(4, Min(a->ninst + b->ninst + 2, 1 << 20));
	s->piececap = 4;
	s->times = palloc(mul_size(s->instcap, sizeof(TimestampTz)));
	s->v1 = palloc(mul_size(s->instcap, sizeof(double)));
	s->v2 = palloc(mul_size(s->instcap, sizeof(double)));
	s->pieces = palloc(mul_size(s->piececap, sizeof(TFSyncPiece)));

	if (a->subtype == TF_INSTANT || b->subtype == TF_INSTANT ||
		a->subtype == TF_DISCRETE || b->subtype == TF_DISCRETE)
	{
		s->subtype = (a->subtype == TF_INSTANT || b->subtype == TF_INSTANT)
			? TF_INSTANT
			: TF_DISCRETE;
		s->interp = TF_SYNC_DISCRETE;
		SyncDiscrete(s, a, b);
	}
	else
	{
		int na = tf_num_seqs(a);
		int nb = tf_num_seqs(b);
		int i = 0;
		int j = 0;

		s->subtype = (a->subtype == TF_SEQUENCE && b->subtype == TF_SEQUENCE)
			? TF_SEQUENCE
			: TF_SEQUENCESET;
		s->linear1 = !TF_IS_STEP(a);
		s->linear2 = !TF_IS_STEP(b);
		s->interp = (s->linear1 || s->linear2) ? TF_SYNC_LINEAR : TF_SYNC_STEP;

		/* Merge-like walk over both lists of disjoint, sorted sequences */
		while (i < na && j < nb)
		{
			TFloatSeqView va;
			TFloatSeqView vb;
			TFloatSpan sa;
			TFloatSpan sb;
			TFloatSpan iv;

			tf_seq_view(a, i, &va);
			tf_seq_view(b, j, &vb);
			tf_seq_span(a, &va, &sa);
			tf_seq_span(b, &vb, &sb);
			if (tf_span_intersect(&sa, &sb, &iv))
				SyncSeqPair(s, a, &va, b, &vb, &iv);

			/*
			 * Move past the sequence that ends first; an exclusive end comes
			 * before an inclusive one at the same time, since the other's
			 * next sequence may start inclusively right there.
			 */
			if (sa.upper < sb.upper ||
				(sa.upper == sb.upper && !sa.upper_inc && sb.upper_inc))
				i++;
			else if (sb.upper < sa.upper ||
					 (sa.upper == sb.upper && sa.upper_inc && !sb.upper_inc))
				j++;
			else
			{
				i++;
				j++;
			}
		}
	}

	if (s->npieces == 0)
	{
		tf_sync_free(s);
		return false;
	}
	return true;
}

void
tf_sync_free(TFSync *s)
{
	if (s->times)
		pfree(s->times);
	if (s->v1)
		pfree(s->v1);
	if (s->v2)
		pfree(s->v2);
	if (s->pieces)
		pfree(s->pieces);
	memset(s, 0, sizeof(*s));
}

/*
 * tf_sync_values_at: the values of both operands at t, with times[i] <= t
 * <= times[i + 1] inside one piece (i + 1 must belong to the same piece as
 * i).  Follows s->interp: linear interpolation or the value held.
 */
void
tf_sync_values_at(const TFSync *s, int i, TimestampTz t, double *x1,
				  double *x2)
{
	if (s->interp == TF_SYNC_LINEAR)
	{
		*x1 = tf_value_at(s->times[i], s->v1[i], s->times[i + 1], s->v1[i + 1],
						  t, false);
		*x2 = tf_value_at(s->times[i], s->v2[i], s->times[i + 1], s->v2[i + 1],
						  t, false);
	}
	else
	{
		*x1 = s->v1[i];
		*x2 = s->v2[i];
	}
}
