/*-------------------------------------------------------------------------
 *
 * tfloat_tagg_fold.c
 *	  The sweep that folds a temporal aggregate state (tfloat_tagg.h) into
 *	  its result: instant-wise for discrete inputs, one sweep over the
 *	  breakpoints for continuous pieces.  Used by the final functions of
 *	  tfloat_tagg.c and, for the sorting helpers, by tfloat_wagg.c.
 *
 * Algorithm
 *
 * The fold sorts the pieces into a canonical order, then sweeps once over
 * the sorted distinct timestamps of all pieces.  Between two consecutive
 * timestamps the set of pieces defined is constant and each of them is one
 * linear (or constant) segment, so for every timestamp the sweep computes
 * the value at the timestamp itself and the limits of the open interval
 * after it, and hands both to an emitter that continues the current
 * sequence where the result is continuous and starts a new one where it
 * jumps.  Cost: O(N log N) for the sort plus O(K * A) for the sweep, where
 * K is the number of distinct timestamps and A the number of pieces
 * defined at a time.
 *
 * Canonical order matters for sums: floating-point addition is not
 * associative, and the same pieces summed in another order (a parallel
 * plan combines partial states in any order) could differ in the last
 * bit.  The fold never modifies the state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/tfloat_tagg.h"
#include "utils/float.h"
#include "utils/memutils.h"

/* ----------------------------------------------------------------
 * Folding
 * ----------------------------------------------------------------
 */

/* An accumulator of the values defined at one time */
typedef struct Acc
{
	TAggOp op;
	int n;
	double v;
} Acc;

static inline void
AccInit(Acc *a, TAggOp op)
{
	a->op = op;
	a->n = 0;
	a->v = 0;
}

static inline void
AccAdd(Acc *a, double v)
{
	if (a->n++ == 0)
	{
		a->v = v;
		return;
	}
	switch (a->op)
	{
		case TAGG_MIN:
			if (float8_cmp_internal(v, a->v) < 0)
				a->v = v;
			break;
		case TAGG_MAX:
			if (float8_cmp_internal(v, a->v) > 0)
				a->v = v;
			break;
		case TAGG_SUM:
		case TAGG_AVG:
			a->v = float8_pl(a->v, v);
			break;
	}
}

static inline double
AccResult(const Acc *a)
{
	if (a->op == TAGG_AVG && a->n > 1)
		return a->v / a->n;
	return a->v;
}

static int
CmpTimestamp(const void *a, const void *b)
{
	TimestampTz x = *(const TimestampTz *) a;
	TimestampTz y = *(const TimestampTz *) b;

	return x < y ? -1 : (x > y ? 1 : 0);
}

/* Order of instants: by time, then value (canonical sums) */
static int
CmpInstant(const void *a, const void *b, void *arg)
{
	const TAggState *st = arg;
	int i = *(const int *) a;
	int j = *(const int *) b;

	if (st->times[i] != st->times[j])
		return st->times[i] < st->times[j] ? -1 : 1;
	return float8_cmp_internal(st->values[i], st->values[j]);
}

/* Order of pieces: by start, then by their whole content */
static int
CmpPiece(const void *a, const void *b, void *arg)
{
	const TAggState *st = arg;
	const TAggPiece *p = &st->pieces[*(const int *) a];
	const TAggPiece *q = &st->pieces[*(const int *) b];
	int n;

	if (st->times[p->start] != st->times[q->start])
		return st->times[p->start] < st->times[q->start] ? -1 : 1;
	if (p->lower_inc != q->lower_inc)
		return p->lower_inc ? -1 : 1;
	if (p->window != q->window)
		return p->window < q->window ? -1 : 1;
	if (p->count != q->count)
		return p->count < q->count ? -1 : 1;
	if (p->upper_inc != q->upper_inc)
		return p->upper_inc ? 1 : -1;
	n = p->count;
	for (int k = 0; k < n; k++)
	{
		TimestampTz tp = st->times[p->start + k];
		TimestampTz tq = st->times[q->start + k];
		int c;

		TF_CHECK_INTERRUPTS(k);
		if (tp != tq)
			return tp < tq ? -1 : 1;
		c = float8_cmp_internal(st->values[p->start + k],
								st->values[q->start + k]);
		if (c != 0)
			return c;
	}
	return 0;
}

/* The pieces' indexes in canonical order, palloc'd */
int *
tagg_sorted_pieces(const TAggState *st)
{
	int *order = palloc(mul_size(Max(st->npieces, 1), sizeof(int)));

	for (int i = 0; i < st->npieces; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		order[i] = i;
	}
	qsort_arg(order, st->npieces, sizeof(int), CmpPiece, (void *) st);
	return order;
}

/* Sort times (a palloc'd array, modified) and drop duplicates */
TimestampTz *
tagg_sorted_times(TimestampTz *times, int n, int *nunique)
{
	int u = 0;

	qsort(times, n, sizeof(TimestampTz), CmpTimestamp);
	for (int i = 0; i < n; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (u == 0 || times[i] != times[u - 1])
			times[u++] = times[i];
	}
	*nunique = u;
	return times;
}

/*
 * Fold loose instants: group equal timestamps, a discrete result.
 */
static TFloat *
FoldInstants(const TAggState *st, TAggOp op)
{
	int n = st->ninst;
	int *order = palloc(mul_size(n, sizeof(int)));
	TFloatBuilder b;
	int i = 0;

	for (int k = 0; k < n; k++)
	{
		TF_CHECK_INTERRUPTS(k);
		order[k] = k;
	}
	qsort_arg(order, n, sizeof(int), CmpInstant, (void *) st);
	tf_builder_init(&b, TF_DISCRETE, false, n);
	while (i < n)
	{
		TimestampTz t = st->times[order[i]];
		Acc acc;

		AccInit(&acc, op);
		while (i < n && st->times[order[i]] == t)
			AccAdd(&acc, st->values[order[i++]]);
		tf_builder_add(&b, t, AccResult(&acc));
	}
	pfree(order);
	return tf_builder_finish(&b);
}

static inline TimestampTz
PieceEnd(const TAggState *st, const TAggPiece *p)
{
	return st->times[p->start + p->count - 1];
}

static inline bool
PieceContains(const TAggState *st, const TAggPiece *p, TimestampTz t)
{
	TimestampTz s = st->times[p->start];
	TimestampTz e = PieceEnd(st, p);

	if (t > s && t < e)
		return true;
	return (t == s && p->lower_inc) || (t == e && p->upper_inc);
}

/* Value of piece p at t, where c is the last instant at or before t */
static inline double
PieceValueAt(const TAggState *st, const TAggPiece *p, int c, TimestampTz t)
{
	int i = p->start + c;

	if (st->times[i] == t || c + 1 >= p->count)
		return st->values[i];
	return tf_value_at(st->times[i], st->values[i], st->times[i + 1],
					   st->values[i + 1], t, st->step);
}

/* Value at t of the segment of p that begins at its instant c */
static inline double
SegmentValueAt(const TAggState *st, const TAggPiece *p, int c, TimestampTz t)
{
	int i = p->start + c;

	return tf_value_at(st->times[i], st->values[i], st->times[i + 1],
					   st->values[i + 1], t, st->step);
}

/*
 * CrossingFraction: where, as a fraction of the interval, the line from
 * x1 to x2 meets the line from x3 to x4 (their ends at the interval's
 * ends; the lines are not parallel).  Computed as MobilityDB 1.3 computes
 * it, the numerator and the denominator in double, their quotient in long
 * double, so that both find the same crossing time.
 */
static long double
CrossingFraction(double x1, double x2, double x3, double x4)
{
	long double num = x3 - x1;
	long double denom = x2 - x1 - x4 + x3;

	return num / denom;
}

/*
 * Crossings of the lines of a MIN (or MAX) envelope on the open interval
 * (t1, t2): line j goes from a[j] at t1 to b[j] at t2 and belongs to piece
 * lp[j].  Walks the lower envelope from t1: from the current line, the
 * next one is the line of smaller slope that it crosses first.  Each step
 * strictly lowers the slope, so there are fewer than n steps.  As in
 * MobilityDB, the crossing's time is truncated to the microsecond and the
 * value there is recomputed from the pieces at that time.
 * Non-finite lines have no crossings to speak of; then none are added.
 */
static void
AddCrossings(TAggEmitter *e, const TAggState *st, TimestampTz t1,
			 TimestampTz t2, int n, const double *a, const double *b,
			 const int *lp, const int *cursor, bool max)
{
	double sgn = max ? -1.0 : 1.0;
	int cur = 0;
	long double x = 0;
	TimestampTz last = t1;

	for (int j = 0; j < n; j++)
	{
		TF_CHECK_INTERRUPTS(j);
		if (!isfinite(a[j]) || !isfinite(b[j]) || !isfinite(b[j] - a[j]))
			return;
	}
	for (int j = 1; j < n; j++)
	{
		double aj = sgn * a[j];
		double ac = sgn * a[cur];

		TF_CHECK_INTERRUPTS(j);
		if (aj < ac ||
			(aj == ac && sgn * (b[j] - a[j]) < sgn * (b[cur] - a[cur])))
			cur = j;
	}
	for (int iter = 0; iter < n; iter++)
	{
		double sc = sgn * (b[cur] - a[cur]);
		int best = -1;
		long double bx = 1.0;
		double bs = 0;
		TimestampTz tc;

		TF_CHECK_INTERRUPTS(iter);
		CHECK_FOR_INTERRUPTS();

		for (int j = 0; j < n; j++)
		{
			double sj = sgn * (b[j] - a[j]);
			long double xj;

			TF_CHECK_INTERRUPTS(j);
			if (sj >= sc)
				continue;
			xj = CrossingFraction(a[cur], b[cur], a[j], b[j]);
			if (!(xj > x) || xj > bx)
				continue;
			if (xj < bx || best < 0 || sj < bs)
			{
				best = j;
				bx = xj;
				bs = sj;
			}
		}
		if (best < 0 || !(bx < 1.0))
			break;
		/* Truncated to the microsecond, as MobilityDB does */
		tc = t1 + (TimestampTz) ((double) (t2 - t1) * bx);
		if (tc > last && tc < t2)
		{
			Acc acc;

			AccInit(&acc, max ? TAGG_MAX : TAGG_MIN);
			for (int j = 0; j < n; j++)
			{
				TF_CHECK_INTERRUPTS(j);
				AccAdd(&acc,
					   SegmentValueAt(st, &st->pieces[lp[j]], cursor[lp[j]],
									  tc));
			}
			tagg_emit_interior(e, tc, AccResult(&acc));
			last = tc;
		}
		cur = best;
		x = bx;
	}
}

/*
 * The sorted distinct timestamps of all pieces, palloc'd; *nbps gets their
 * number.
 */
static TimestampTz *
SortedBreakpoints(const TAggState *st, int *nbps)
{
	int P = st->npieces;
	int ntimes = 0;
	int K = 0;
	TimestampTz *bps;

	for (int i = 0; i < P; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		ntimes += st->pieces[i].count;
	}
	bps = palloc(mul_size(ntimes, sizeof(TimestampTz)));
	for (int i = 0; i < P; i++)
	{
		const TAggPiece *p = &st->pieces[i];

		TF_CHECK_INTERRUPTS(i);
		memcpy(bps + K, st->times + p->start, p->count * sizeof(TimestampTz));
		K += p->count;
	}
	bps = tagg_sorted_times(bps, K, &K);
	*nbps = K;
	return bps;
}

/*
 * Move the sweep to breakpoint t: retire the active pieces that ended
 * before t, admit those of order[*next..] starting at t, and move each
 * active piece's cursor to its last instant at or before t.  Returns the
 * new number of active pieces.
 */
static int
AdvanceActive(const TAggState *st, TimestampTz t, const int *order, int *next,
			  int *active, int nact, int *cursor)
{
	int P = st->npieces;
	int j = 0;

	for (int i = 0; i < nact; i++)
		if (PieceEnd(st, &st->pieces[active[i]]) >= t)
			active[j++] = active[i];
	nact = j;
	while (*next < P && st->times[st->pieces[order[*next]].start] == t)
		active[nact++] = order[(*next)++];

	for (int i = 0; i < nact; i++)
	{
		const TAggPiece *p = &st->pieces[active[i]];
		int c = cursor[active[i]];

		TF_CHECK_INTERRUPTS(i);
		while (c + 1 < p->count && st->times[p->start + c + 1] <= t)
			c++;
		cursor[active[i]] = c;
	}
	return nact;
}

/*
 * Fold continuous pieces with one sweep over their sorted distinct
 * timestamps (see the file header).
 */
static TFloat *
FoldPieces(const TAggState *st, TAggOp op)
{
	int P = st->npieces;
	int *order;
	int *active = palloc(mul_size(P, sizeof(int)));
	int *cursor = palloc0(mul_size(P, sizeof(int)));
	int *lp = palloc(mul_size(P, sizeof(int)));
	double *la = palloc(mul_size(P, sizeof(double)));
	double *lb = palloc(mul_size(P, sizeof(double)));
	TimestampTz *bps;
	int K = 0;
	int next = 0;
	int nact = 0;
	bool crossings = !st->step && (op == TAGG_MIN || op == TAGG_MAX);
	TAggEmitter e;

	order = tagg_sorted_pieces(st);
	bps = SortedBreakpoints(st, &K);

	tagg_emit_init(&e, st->step, K);
	for (int k = 0; k < K; k++)
	{
		TimestampTz t = bps[k];
		Acc acc;
		bool havept;
		double vp;
		int n = 0;

		TF_CHECK_INTERRUPTS(k);
		CHECK_FOR_INTERRUPTS();

		nact = AdvanceActive(st, t, order, &next, active, nact, cursor);

		/* The value at t */
		AccInit(&acc, op);
		for (int i = 0; i < nact; i++)
		{
			const TAggPiece *p = &st->pieces[active[i]];

			TF_CHECK_INTERRUPTS(i);
			if (PieceContains(st, p, t))
				AccAdd(&acc, PieceValueAt(st, p, cursor[active[i]], t));
		}
		havept = acc.n > 0;
		vp = AccResult(&acc);

		/* The open interval (t, next breakpoint) */
		if (k + 1 < K)
		{
			TimestampTz t2 = bps[k + 1];

			for (int i = 0; i < nact; i++)
			{
				const TAggPiece *p = &st->pieces[active[i]];
				int c = cursor[active[i]];

				TF_CHECK_INTERRUPTS(i);
				if (PieceEnd(st, p) <= t)
					continue;
				la[n] = SegmentValueAt(st, p, c, t);
				lb[n] = SegmentValueAt(st, p, c, t2);
				lp[n] = active[i];
				n++;
			}
		}
		if (n > 0)
		{
			Acc acca, accb;

			AccInit(&acca, op);
			AccInit(&accb, op);
			for (int i = 0; i < n; i++)
			{
				TF_CHECK_INTERRUPTS(i);
				AccAdd(&acca, la[i]);
				AccAdd(&accb, lb[i]);
			}
			tagg_emit_breakpoint(&e, t, havept, vp, true, AccResult(&acca));
			if (crossings && n > 1)
				AddCrossings(&e, st, t, bps[k + 1], n, la, lb, lp, cursor,
							 op == TAGG_MAX);
			tagg_emit_interval_end(&e, AccResult(&accb));
		}
		else
			tagg_emit_breakpoint(&e, t, havept, vp, false, 0);
	}

	pfree(order);
	pfree(active);
	pfree(cursor);
	pfree(lp);
	pfree(la);
	pfree(lb);
	pfree(bps);
	return tagg_emit_finish(&e);
}

/*
 * tagg_fold: the aggregate of a state of instants or pieces, NULL when the
 * state is empty.  The state is not modified.
 */
TFloat *
tagg_fold(const TAggState *st, TAggOp op)
{
	switch (st->shape)
	{
		case TAGG_SHAPE_NONE:
			return NULL;
		case TAGG_SHAPE_INSTANTS:
			return st->ninst > 0 ? FoldInstants(st, op) : NULL;
		case TAGG_SHAPE_PIECES:
			return st->npieces > 0 ? FoldPieces(st, op) : NULL;
		default:
			elog(ERROR, "tfloat aggregate state of shape %d cannot be folded",
				 st->shape);
	}
	return NULL;
}
