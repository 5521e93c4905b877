/*-------------------------------------------------------------------------
 *
 * tfloat_tagg.c
 *	  Temporal aggregates over tfloat: tcount, tmin, tmax, tsum, tavg
 *	  (MobilityDB 1.3), and the state, sweep and parallel support that the
 *	  moving-window aggregates of tfloat_wagg.c share.
 *
 * Semantics
 *
 * The result covers the union of the inputs' times.  At each time t it
 * combines the values of the inputs defined at t (MIN, MAX, SUM, the mean,
 * or the number of inputs for tcount); where one input alone is defined its
 * value is kept.  Instants and discrete sequences are combined instant by
 * instant and give a discrete sequence.  Continuous sequences and sets give
 * a sequence set (also when it has one sequence, as MobilityDB does), with
 * the inputs' interpolation; tcount always gives a step set.  MobilityDB's
 * tcount returns a tint; cqstream has no tint and returns a tfloat whose
 * values are the counts.  As in MobilityDB, discrete and continuous inputs
 * cannot be mixed, nor linear and step ones (tcount excepted: it only
 * looks at times).  NULL inputs are skipped; no non-NULL input gives NULL.
 *
 * On linear inputs tsum and tavg are exactly piecewise linear (a sum of
 * linear functions is linear between the union of the breakpoints; the
 * number of inputs is constant there), and tmin/tmax insert the points
 * where the lines of the envelope cross, rounded to the microsecond.
 * Sums use PostgreSQL's float8 addition, so an overflow raises 22003.
 *
 * Algorithm
 *
 * The transition function only appends: the instants of discrete inputs,
 * or every sequence of a continuous input as a "piece", into flat arrays
 * in the aggregate context (combine concatenates, serialize copies the
 * arrays into a bytea, so the aggregates run in parallel).  The final
 * function sorts the pieces into a canonical order, then sweeps once over
 * the sorted distinct timestamps of all pieces.  Between two consecutive
 * timestamps the set of pieces defined is constant and each of them is one
 * linear (or constant) segment, so for every timestamp the sweep computes
 * the value at the timestamp itself and the limits of the open interval
 * after it, and hands both to an emitter that continues the current
 * sequence where the result is continuous and starts a new one where it
 * jumps.  Cost: O(N log N) for the sort plus O(K * A) for the sweep, where
 * K is the number of distinct timestamps and A the number of pieces
 * defined at a time.  Memory: 16 bytes per input instant.
 *
 * Canonical order matters for sums: floating-point addition is not
 * associative, and the same pieces summed in another order (a parallel
 * plan combines partial states in any order) could differ in the last
 * bit.  The final function never modifies the state.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "fmgr.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/tfloat_tagg.h"
#include "utils/float.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(cq_tfloat_tagg_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tcount_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tmin_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tmax_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tsum_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tavg_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_combinefn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_serialfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_deserialfn);

/* ----------------------------------------------------------------
 * State
 * ----------------------------------------------------------------
 */

static TAggState *
NewState(MemoryContext cxt)
{
	TAggState *st = MemoryContextAllocZero(cxt, sizeof(TAggState));

	st->cxt = cxt;
	return st;
}

/*
 * tagg_state_get: the state of a transition function (argument 0), made
 * in the aggregate context on the first call.  Errors when called outside
 * an aggregate.
 */
TAggState *
tagg_state_get(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return NewState(aggcxt);
	return (TAggState *) PG_GETARG_POINTER(0);
}

/*
 * tagg_state_begin: declare what the next input adds, refusing to mix
 * discrete with continuous inputs and (when checkinterp) linear with step.
 */
void
tagg_state_begin(TAggState *st, uint8 origin, uint8 shape, bool step,
				 bool checkinterp)
{
	if (st->origin == TAGG_ORIGIN_NONE)
	{
		st->origin = origin;
		st->shape = shape;
		st->step = step;
		st->checkinterp = checkinterp;
		return;
	}
	if (st->origin != origin)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "cannot aggregate instantaneous and continuous tfloat values together"),
				 errdetail(
					 "The inputs of a temporal aggregate must all be instants or discrete sequences, or all be continuous sequences or sequence sets.")));
	if (st->shape != shape)
		elog(ERROR, "tfloat aggregate state of another shape");
	if (origin == TAGG_ORIGIN_CONTINUOUS && (checkinterp || st->checkinterp) &&
		st->step != step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "cannot aggregate tfloat values of different interpolations"),
				 errdetail(
					 "The continuous inputs of a temporal aggregate must all be linear or all be step.")));
}

void
tagg_add_instant(TAggState *st, TimestampTz t, double v)
{
	if (st->ninst == st->instcap)
	{
		int cap = st->instcap == 0 ? 64 : st->instcap;

		if (cap > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many instants in a tfloat aggregate")));
		if (st->instcap == 0)
		{
			st->times = MemoryContextAllocHuge(st->cxt,
											   mul_size(cap,
														sizeof(TimestampTz)));
			st->values = MemoryContextAllocHuge(st->cxt,
												mul_size(cap, sizeof(double)));
		}
		else
		{
			cap *= 2;
			st->times = repalloc_huge(st->times,
									  mul_size(cap, sizeof(TimestampTz)));
			st->values = repalloc_huge(st->values,
									   mul_size(cap, sizeof(double)));
		}
		st->instcap = cap;
	}
	st->times[st->ninst] = t;
	st->values[st->ninst] = v;
	st->ninst++;
}

void
tagg_begin_piece(TAggState *st, bool lower_inc, int64 window)
{
	TAggPiece *p;

	if (st->npieces == st->piececap)
	{
		int cap = st->piececap == 0 ? 16 : st->piececap * 2;

		if (cap > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many sequences in a tfloat aggregate")));
		if (st->piececap == 0)
			st->pieces = MemoryContextAllocHuge(st->cxt,
												mul_size(cap,
														 sizeof(TAggPiece)));
		else
			st->pieces = repalloc_huge(st->pieces,
									   mul_size(cap, sizeof(TAggPiece)));
		st->piececap = cap;
	}
	p = &st->pieces[st->npieces++];
	p->start = st->ninst;
	p->count = 0;
	p->lower_inc = lower_inc;
	p->upper_inc = true;
	p->window = window;
}

void
tagg_end_piece(TAggState *st, bool upper_inc)
{
	TAggPiece *p = &st->pieces[st->npieces - 1];

	p->count = st->ninst - p->start;
	p->upper_inc = upper_inc;
}

/* ----------------------------------------------------------------
 * Emitter
 * ----------------------------------------------------------------
 */

void
tagg_emit_init(TAggEmitter *e, bool step, int instcap)
{
	tf_builder_init(&e->b, TF_SEQUENCESET, step, instcap);
	e->step = step;
	e->open = false;
	e->left = 0;
}

/*
 * tagg_emit_breakpoint: the result at breakpoint t is vp (if havept) and
 * on the open interval after t it starts at va (if haveint).  The value
 * reached from the left is e->left, set by tagg_emit_interval_end.  A
 * linear sequence continues through t only when the three agree; a step
 * sequence may jump at t but its value at t must be the one after t.
 */
void
tagg_emit_breakpoint(TAggEmitter *e, TimestampTz t, bool havept, double vp,
					 bool haveint, double va)
{
	if (e->open)
	{
		if (havept && (e->step || tf_float_eq(e->left, vp)))
		{
			tf_builder_add(&e->b, t, vp);
			if (haveint && tf_float_eq(va, vp))
			{
				e->left = vp;
				return;
			}
			tf_builder_end_seq(&e->b, true);
			e->open = false;
			havept = false;
		}
		else
		{
			tf_builder_add(&e->b, t, e->left);
			tf_builder_end_seq(&e->b, false);
			e->open = false;
		}
	}
	if (havept)
	{
		tf_builder_begin_seq(&e->b, true);
		tf_builder_add(&e->b, t, vp);
		if (haveint && tf_float_eq(va, vp))
		{
			e->open = true;
			e->left = vp;
			return;
		}
		tf_builder_end_seq(&e->b, true);
	}
	if (haveint)
	{
		tf_builder_begin_seq(&e->b, false);
		tf_builder_add(&e->b, t, va);
		e->open = true;
		e->left = va;
	}
}

/* An instant strictly inside the current open interval (linear only) */
void
tagg_emit_interior(TAggEmitter *e, TimestampTz t, double v)
{
	Assert(e->open);
	tf_builder_add(&e->b, t, v);
}

/* The value the current open interval reaches at its end */
void
tagg_emit_interval_end(TAggEmitter *e, double vb)
{
	e->left = vb;
}

/* The set made, or NULL when nothing was emitted */
TFloat *
tagg_emit_finish(TAggEmitter *e)
{
	if (e->open)
		elog(ERROR, "tfloat aggregate left an open sequence");
	if (e->b.nseqs == 0)
	{
		tf_builder_free(&e->b);
		return NULL;
	}
	return tf_builder_finish(&e->b);
}

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
 * Crossings of the lines of a MIN (or MAX) envelope on the open interval
 * (t1, t2): line j goes from a[j] at t1 to b[j] at t2 and belongs to piece
 * lp[j].  Walks the lower envelope from t1: from the current line, the
 * next one is the line of smaller slope that it crosses first.  Each step
 * strictly lowers the slope, so there are fewer than n steps.  The value
 * at a crossing is recomputed from the pieces at the rounded time.
 * Non-finite lines have no crossings to speak of; then none are added.
 */
static void
AddCrossings(TAggEmitter *e, const TAggState *st, TimestampTz t1,
			 TimestampTz t2, int n, const double *a, const double *b,
			 const int *lp, const int *cursor, bool max)
{
	double sgn = max ? -1.0 : 1.0;
	int cur = 0;
	double x = 0;
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
		double ac = sgn * a[cur];
		double sc = sgn * (b[cur] - a[cur]);
		int best = -1;
		double bx = 1.0;
		double bs = 0;
		TimestampTz tc;

		TF_CHECK_INTERRUPTS(iter);
		CHECK_FOR_INTERRUPTS();

		for (int j = 0; j < n; j++)
		{
			double sj = sgn * (b[j] - a[j]);
			double xj;

			TF_CHECK_INTERRUPTS(j);
			if (sj >= sc)
				continue;
			xj = (sgn * a[j] - ac) / (sc - sj);
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
		tc = t1 + (TimestampTz) rint(bx * (double) (t2 - t1));
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
	int ntimes = 0;
	int next = 0;
	int nact = 0;
	bool crossings = !st->step && (op == TAGG_MIN || op == TAGG_MAX);
	TAggEmitter e;

	order = tagg_sorted_pieces(st);
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

	tagg_emit_init(&e, st->step, K);
	for (int k = 0; k < K; k++)
	{
		TimestampTz t = bps[k];
		Acc acc;
		bool havept;
		double vp;
		int n = 0;
		int j = 0;

		TF_CHECK_INTERRUPTS(k);
		CHECK_FOR_INTERRUPTS();

		/* Retire the pieces that ended before t, admit those starting at t */
		for (int i = 0; i < nact; i++)
			if (PieceEnd(st, &st->pieces[active[i]]) >= t)
				active[j++] = active[i];
		nact = j;
		while (next < P && st->times[st->pieces[order[next]].start] == t)
			active[nact++] = order[next++];

		for (int i = 0; i < nact; i++)
		{
			const TAggPiece *p = &st->pieces[active[i]];
			int c = cursor[active[i]];

			TF_CHECK_INTERRUPTS(i);
			while (c + 1 < p->count && st->times[p->start + c + 1] <= t)
				c++;
			cursor[active[i]] = c;
		}

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

/* ----------------------------------------------------------------
 * SQL: transition and final functions
 * ----------------------------------------------------------------
 */

/*
 * Append a tfloat as it is: its instants, or each of its sequences as a
 * piece.
 */
static void
AddTFloat(TAggState *st, const TFloat *t)
{
	TimestampTz *times = TF_TIMES(t);
	double *values = TF_VALUES(t);

	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		tagg_state_begin(st, TAGG_ORIGIN_DISCRETE, TAGG_SHAPE_INSTANTS, false,
						 true);
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], values[i]);
		}
		return;
	}
	tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES,
					 TF_IS_STEP(t), true);
	for (int s = 0; s < tf_num_seqs(t); s++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		tagg_begin_piece(st, v.lower_inc, 0);
		for (int i = v.start; i < v.start + v.count; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], values[i]);
		}
		tagg_end_piece(st, v.upper_inc);
	}
}

/* tfloat_tagg_transfn(internal, tfloat): shared by tmin, tmax, tsum, tavg */
Datum
cq_tfloat_tagg_transfn(PG_FUNCTION_ARGS)
{
	TAggState *st = tagg_state_get(fcinfo, "tfloat_tagg_transfn");

	if (!PG_ARGISNULL(1))
	{
		TFloat *t = PG_GETARG_TFLOAT_P(1);

		AddTFloat(st, t);
	}
	PG_RETURN_POINTER(st);
}

/*
 * tfloat_tcount_transfn(internal, tfloat): an instant counts 1 at its
 * time; a sequence counts 1 over its whole time span (a step piece of
 * value 1 with its bounds).
 */
Datum
cq_tfloat_tcount_transfn(PG_FUNCTION_ARGS)
{
	TAggState *st = tagg_state_get(fcinfo, "tfloat_tcount_transfn");
	TFloat *t;
	TimestampTz *times;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	t = PG_GETARG_TFLOAT_P(1);
	times = TF_TIMES(t);
	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		tagg_state_begin(st, TAGG_ORIGIN_DISCRETE, TAGG_SHAPE_INSTANTS, false,
						 false);
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], 1.0);
		}
		PG_RETURN_POINTER(st);
	}
	tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES, true,
					 false);
	for (int s = 0; s < tf_num_seqs(t); s++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		tagg_begin_piece(st, v.lower_inc, 0);
		tagg_add_instant(st, times[v.start], 1.0);
		if (v.count > 1)
			tagg_add_instant(st, times[v.start + v.count - 1], 1.0);
		tagg_end_piece(st, v.upper_inc);
	}
	PG_RETURN_POINTER(st);
}

static Datum
FinalFold(FunctionCallInfo fcinfo, TAggOp op)
{
	TFloat *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	result = tagg_fold((TAggState *) PG_GETARG_POINTER(0), op);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(result);
}

Datum
cq_tfloat_tmin_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MIN);
}

Datum
cq_tfloat_tmax_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MAX);
}

/* Also the final function of tcount and wcount (a sum of ones) */
Datum
cq_tfloat_tsum_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_SUM);
}

Datum
cq_tfloat_tavg_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_AVG);
}

/* ----------------------------------------------------------------
 * SQL: parallel support, shared by every tfloat aggregate
 * ----------------------------------------------------------------
 */

/* Append src's contents to dst (checks that the two can be mixed) */
static void
AppendState(TAggState *dst, const TAggState *src)
{
	int base = dst->ninst;

	if (src->origin == TAGG_ORIGIN_NONE)
		return;
	tagg_state_begin(dst, src->origin, src->shape, src->step,
					 src->checkinterp);
	for (int i = 0; i < src->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		tagg_add_instant(dst, src->times[i], src->values[i]);
	}
	for (int i = 0; i < src->npieces; i++)
	{
		const TAggPiece *p = &src->pieces[i];
		TAggPiece *q;

		TF_CHECK_INTERRUPTS(i);
		tagg_begin_piece(dst, p->lower_inc, p->window);
		q = &dst->pieces[dst->npieces - 1];
		q->start = base + p->start;
		q->count = p->count;
		q->upper_inc = p->upper_inc;
	}
}

/*
 * tfloat_tagg_combinefn(internal, internal): state1 gets state2's
 * contents.  Not strict, so it copies state2 into the aggregate context
 * when state1 is NULL.
 */
Datum
cq_tfloat_tagg_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TAggState *st1;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tfloat_tagg_combinefn called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	st1 = PG_ARGISNULL(0) ? NewState(aggcxt)
						  : (TAggState *) PG_GETARG_POINTER(0);
	AppendState(st1, (TAggState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(st1);
}

/* Serialized form: this header, then times, values and pieces */
typedef struct TAggWire
{
	uint8 origin;
	uint8 shape;
	bool step;
	bool checkinterp;
	int32 ninst;
	int32 npieces;
} TAggWire;

Datum
cq_tfloat_tagg_serialfn(PG_FUNCTION_ARGS)
{
	TAggState *st = (TAggState *) PG_GETARG_POINTER(0);
	TAggWire w;
	Size size;
	bytea *result;
	char *p;

	w.origin = st->origin;
	w.shape = st->shape;
	w.step = st->step;
	w.checkinterp = st->checkinterp;
	w.ninst = st->ninst;
	w.npieces = st->npieces;
	size = add_size(VARHDRSZ, sizeof(TAggWire));
	size = add_size(size,
					mul_size(st->ninst, sizeof(TimestampTz) + sizeof(double)));
	size = add_size(size, mul_size(st->npieces, sizeof(TAggPiece)));
	if (!AllocSizeIsValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg(
					 "tfloat aggregate state too large to pass between parallel workers")));
	result = palloc(size);
	SET_VARSIZE(result, size);
	p = VARDATA(result);
	memcpy(p, &w, sizeof(w));
	p += sizeof(w);
	memcpy(p, st->times, st->ninst * sizeof(TimestampTz));
	p += st->ninst * sizeof(TimestampTz);
	memcpy(p, st->values, st->ninst * sizeof(double));
	p += st->ninst * sizeof(double);
	memcpy(p, st->pieces, st->npieces * sizeof(TAggPiece));
	PG_RETURN_BYTEA_P(result);
}

Datum
cq_tfloat_tagg_deserialfn(PG_FUNCTION_ARGS)
{
	bytea *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	TAggState *st;
	TAggWire w;
	const char *p = VARDATA_ANY(b);
	Size len = VARSIZE_ANY_EXHDR(b);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tfloat_tagg_deserialfn called in non-aggregate context");
	if (len < sizeof(w))
		elog(ERROR, "invalid serialized tfloat aggregate state");
	memcpy(&w, p, sizeof(w));
	p += sizeof(w);
	if (w.ninst < 0 || w.npieces < 0 ||
		len !=
			sizeof(w) +
				(Size) w.ninst * (sizeof(TimestampTz) + sizeof(double)) +
				(Size) w.npieces * sizeof(TAggPiece))
		elog(ERROR, "invalid serialized tfloat aggregate state");
	if (w.origin > TAGG_ORIGIN_CONTINUOUS || w.shape > TAGG_SHAPE_SIGNALS)
		elog(ERROR, "invalid serialized tfloat aggregate state");
	st = NewState(aggcxt);
	st->origin = w.origin;
	st->shape = w.shape;
	st->step = w.step;
	st->checkinterp = w.checkinterp;
	if (w.ninst > 0)
	{
		st->times = MemoryContextAllocHuge(aggcxt,
										   mul_size(w.ninst,
													sizeof(TimestampTz)));
		st->values = MemoryContextAllocHuge(aggcxt,
											mul_size(w.ninst, sizeof(double)));
		memcpy(st->times, p, w.ninst * sizeof(TimestampTz));
		p += w.ninst * sizeof(TimestampTz);
		memcpy(st->values, p, w.ninst * sizeof(double));
		p += w.ninst * sizeof(double);
		st->ninst = st->instcap = w.ninst;
	}
	if (w.npieces > 0)
	{
		st->pieces = MemoryContextAllocHuge(aggcxt,
											mul_size(w.npieces,
													 sizeof(TAggPiece)));
		memcpy(st->pieces, p, w.npieces * sizeof(TAggPiece));
		st->npieces = st->piececap = w.npieces;
	}
	/* The fold functions index by these without further checks */
	for (int i = 0; i < st->npieces; i++)
	{
		const TAggPiece *pc = &st->pieces[i];

		TF_CHECK_INTERRUPTS(i);
		if (pc->start < 0 || pc->count < 1 ||
			pc->start > st->ninst - pc->count)
			elog(ERROR, "invalid serialized tfloat aggregate state");
	}
	PG_RETURN_POINTER(st);
}
