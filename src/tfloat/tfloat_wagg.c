/*-------------------------------------------------------------------------
 *
 * tfloat_wagg.c
 *	  Moving-window aggregates over tfloat: wmin, wmax, wcount, wsum, wavg
 *	  (tfloat, interval w) -> tfloat.
 *
 * Semantics
 *
 * Like MobilityDB's, these are aggregates over rows.  The result at time t
 * aggregates every input's values during the closed window [t - w, t]
 * (w is the row's interval); equivalently each input is extended forward
 * by w.  The result is defined where some input is defined in the window.
 * w must be positive and have no months (a day counts as 24 hours); a row
 * whose tfloat or interval is NULL is skipped.  As for the temporal
 * aggregates, discrete and continuous inputs cannot be mixed, nor linear
 * and step ones (wcount excepted).
 *
 * Instants and discrete sequences.  Each instant v@s is in the window for
 * t in [s, s + w].  wcount(t) is the number of instants with time in
 * [t - w, t], wsum their sum, wavg their mean, wmin/wmax their least and
 * greatest value.  The result is a step sequence set (it jumps when an
 * instant enters the window at s and right after it leaves at s + w);
 * wmin and wmax write each constant stretch as a linear sequence of its
 * own, the shape MobilityDB gives them (ConstantPieces in tfloat_tagg.c).
 *
 * Continuous sequences (f on its domain D, linear or step):
 *
 *	wmin(t)   = inf { f(s) : s in [t - w, t] and D }	(sup for wmax)
 *	wcount(t) = number of input sequences whose D meets [t - w, t]
 *	wsum(t)   = integral of f over [t - w, t] and D, in value x microseconds
 *	wavg(t)   = wsum(t) / |[t - w, t] and D|, the time-weighted average
 *
 * with the contributions of all rows added (wsum, wcount) or pooled
 * (wavg: the sum of the integrals over the sum of the measures).  Why:
 * these are the continuous counterparts of the discrete definitions, and
 * they agree with the rest of the type: wsum over a window covering all
 * of f is integral(f), wavg is twAvg(f) restricted to the window, and
 * wcount with w -> 0 is tcount.  (MobilityDB counts segments in wcount,
 * which depends on how many instants a value happens to store, refuses
 * wsum, and returns garbage for wavg; none of that is copied.)  Where the
 * window meets D in a set of measure zero (an instantaneous sequence
 * [v@s], or t exactly at an inclusive start, or t - w at an inclusive end)
 * wsum adds 0 and wavg takes the plain mean of the values at those points,
 * which is also the limit of the time-weighted average there.
 *
 * Representation.  wmin, wmax and wcount are exactly piecewise linear
 * (step for step inputs and for wcount): each segment of f is extended as
 * MobilityDB does (an increasing segment's minimum is its start value for
 * w, then follows f(t - w); a decreasing one follows f(t) then holds its
 * end value) and the pieces are folded by tmin/tmax's sweep, crossings
 * included.  wsum of a step input is exactly piecewise linear too.  wsum
 * of a linear input is piecewise quadratic, and wavg a quotient of a
 * quadratic by a linear function, so both are sampled: the result has an
 * instant at every breakpoint (every input instant s and s + w), with the
 * exact value, and between two breakpoints the interval is bisected until
 * the chord is within TOL = 1e-4 * max(1, |values|) of the exact value at
 * the midpoint.  Between breakpoints wsum is a quadratic, whose largest
 * distance to a chord is at the midpoint, so the linear result is within
 * TOL of the exact wsum; wavg there is convex or concave (a linear
 * function plus c / (linear)), so its distance to a chord is at most twice
 * that at the midpoint: within 2 TOL.  Bisection stops at 1 microsecond or
 * 1024 parts of one interval, where the bound may not be reached.  The
 * usual 1e-6 normalization of linear sequences applies on top.
 *
 * tint (MobilityDB's definitions): wmin, wmax and wcount as above, each
 * result a tint (a step set, never the linear pieces of a tfloat's wmin of
 * instants).  wsum and wavg of step sequences are MobilityDB's: each
 * segment, v on [s1, s2), counts with its value for t in [s1, s2 + w), as
 * wmin extends it, and the values of the segments that meet the window
 * are summed (wsum, a tint) or averaged (wavg, a step tfloat); wsum is not
 * an integral there, a tint's sum must stay an integer.
 *
 * Cost: wmin/wmax/wcount as the temporal aggregates over the extended
 * pieces (every piece stays active for w after its end).  wsum/wavg of
 * continuous inputs evaluate the active sequences at each sample, with a
 * binary search for the segment.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "common/int.h"
#include "fmgr.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/tfloat_tagg.h"
#include "utils/builtins.h"
#include "utils/float.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(cq_tfloat_wmin_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_wmax_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_wcount_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_wsignal_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_wsum_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_wavg_finalfn);
PG_FUNCTION_INFO_V1(cq_tint_wsum_finalfn);

/* Sampling of wsum and wavg (see the file header) */
#define WAGG_REL_TOL   1.0e-4
#define WAGG_MAX_DEPTH 10

typedef enum WaggKind
{
	WAGG_MIN,
	WAGG_MAX,
	WAGG_COUNT,
	WAGG_SIGNAL /* wsum and wavg */
} WaggKind;

/*
 * The window in microseconds: positive, without months.  Errors 22023.
 */
static int64
WindowUsecs(const Interval *iv)
{
	int64 days;
	int64 w;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid window \"%s\"",
						DatumGetCString(
							DirectFunctionCall1(interval_out,
												IntervalPGetDatum(iv)))),
				 errdetail(
					 "The window of a moving-window aggregate must not have months or years.")));
	/* a window past the range of timestamps fails later, in AddWindow */
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &days) ||
		pg_add_s64_overflow(days, iv->time, &w))
		return PG_INT64_MAX;
	if (w <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid window \"%s\"",
						DatumGetCString(
							DirectFunctionCall1(interval_out,
												IntervalPGetDatum(iv)))),
				 errdetail(
					 "The window of a moving-window aggregate must be positive.")));
	return w;
}

/* t + w, refusing to leave PostgreSQL's range of timestamps (22008) */
static TimestampTz
AddWindow(TimestampTz t, int64 w)
{
	TimestampTz r;

	if (pg_add_s64_overflow(t, w, &r) || !IS_VALID_TIMESTAMP(r))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range"),
				 errdetail(
					 "Extending a tfloat by the window passes the last timestamp PostgreSQL can represent.")));
	return r;
}

static void
AddPiece2(TAggState *st, TimestampTz t1, TimestampTz t2, double v,
		  bool lower_inc, bool upper_inc)
{
	tagg_begin_piece(st, lower_inc, 0);
	tagg_add_instant(st, t1, v);
	tagg_add_instant(st, t2, v);
	tagg_end_piece(st, upper_inc);
}

/*
 * Extend one sequence for wmin (max false) or wmax: one piece per segment
 * (see the file header), one for a final step instant that differs.
 */
static void
ExtendMinMax(TAggState *st, const TimestampTz *times, const double *values,
			 const TFloatSeqView *v, bool step, int64 w, bool max)
{
	int last = v->start + v->count - 1;

	if (v->count == 1)
	{
		AddPiece2(st, times[last], AddWindow(times[last], w), values[last],
				  true, true);
		return;
	}
	for (int i = v->start; i < last; i++)
	{
		TimestampTz t1 = times[i];
		TimestampTz t2 = times[i + 1];
		double v1 = values[i];
		double v2 = values[i + 1];
		bool lower_inc = i == v->start ? v->lower_inc : true;
		bool upper_inc = i + 1 == last ? v->upper_inc : false;

		TF_CHECK_INTERRUPTS(i);
		if (step)
		{
			AddPiece2(st, t1, AddWindow(t2, w), v1, lower_inc, false);
			continue;
		}
		if (tf_float_eq(v1, v2))
		{
			AddPiece2(st, t1, AddWindow(t2, w), v1, lower_inc, upper_inc);
			continue;
		}
		tagg_begin_piece(st, lower_inc, 0);
		tagg_add_instant(st, t1, v1);
		if ((v1 < v2 && !max) || (v1 > v2 && max))
		{
			/* the start value stays the extremum for w, then f(t - w) */
			tagg_add_instant(st, AddWindow(t1, w), v1);
		}
		else
		{
			/* f(t) itself is the extremum, then the end value for w */
			tagg_add_instant(st, t2, v2);
		}
		tagg_add_instant(st, AddWindow(t2, w), v2);
		tagg_end_piece(st, upper_inc);
	}
	if (step && v->upper_inc)
		AddPiece2(st, times[last], AddWindow(times[last], w), values[last],
				  true, true);
}

static Datum
WindowTrans(FunctionCallInfo fcinfo, WaggKind kind, const char *fname)
{
	TAggState *st = tagg_state_get(fcinfo, fname);
	TFloat *t;
	int64 w;
	TimestampTz *times;
	double *values;

	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		PG_RETURN_POINTER(st);
	t = PG_GETARG_TFLOAT_P(1);
	w = WindowUsecs(PG_GETARG_INTERVAL_P(2));
	times = TF_TIMES(t);
	values = TF_VALUES(t);

	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		/* Every instant is in the window for [s, s + w] */
		tagg_state_begin(st, TAGG_ORIGIN_DISCRETE, TAGG_SHAPE_PIECES, true,
						 false);
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			AddPiece2(st, times[i], AddWindow(times[i], w),
					  kind == WAGG_COUNT ? 1.0 : values[i], true, true);
		}
		PG_RETURN_POINTER(st);
	}

	switch (kind)
	{
		case WAGG_COUNT:
			tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES,
							 true, false);
			break;
		case WAGG_MIN:
		case WAGG_MAX:
			tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES,
							 TF_IS_STEP(t), true);
			break;
		case WAGG_SIGNAL:
			/* A tint's segments are summed as wmin extends them (header) */
			tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS,
							 t->basetype == TF_BASE_INT ? TAGG_SHAPE_PIECES
														: TAGG_SHAPE_SIGNALS,
							 TF_IS_STEP(t), true);
			break;
	}
	for (int s = 0; s < tf_num_seqs(t); s++)
	{
		TFloatSeqView v;
		int last;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		last = v.start + v.count - 1;
		switch (kind)
		{
			case WAGG_COUNT:
				/* D meets [t - w, t] for t from its start to its end + w */
				AddPiece2(st, times[v.start], AddWindow(times[last], w), 1.0,
						  v.lower_inc, v.upper_inc);
				break;
			case WAGG_MIN:
			case WAGG_MAX:
				ExtendMinMax(st, times, values, &v, TF_IS_STEP(t), w,
							 kind == WAGG_MAX);
				break;
			case WAGG_SIGNAL:
				if (t->basetype == TF_BASE_INT)
				{
					ExtendMinMax(st, times, values, &v, true, w, false);
					break;
				}
				/* kept as it is; check now that its end + w is in range */
				(void) AddWindow(times[last], w);
				tagg_begin_piece(st, v.lower_inc, w);
				for (int i = v.start; i <= last; i++)
				{
					TF_CHECK_INTERRUPTS(i);
					tagg_add_instant(st, times[i], values[i]);
				}
				tagg_end_piece(st, v.upper_inc);
				break;
		}
	}
	PG_RETURN_POINTER(st);
}

Datum
cq_tfloat_wmin_transfn(PG_FUNCTION_ARGS)
{
	return WindowTrans(fcinfo, WAGG_MIN, "tfloat_wmin_transfn");
}

Datum
cq_tfloat_wmax_transfn(PG_FUNCTION_ARGS)
{
	return WindowTrans(fcinfo, WAGG_MAX, "tfloat_wmax_transfn");
}

Datum
cq_tfloat_wcount_transfn(PG_FUNCTION_ARGS)
{
	return WindowTrans(fcinfo, WAGG_COUNT, "tfloat_wcount_transfn");
}

Datum
cq_tfloat_wsignal_transfn(PG_FUNCTION_ARGS)
{
	return WindowTrans(fcinfo, WAGG_SIGNAL, "tfloat_wsignal_transfn");
}

/* ----------------------------------------------------------------
 * wsum and wavg of continuous sequences
 * ----------------------------------------------------------------
 */

typedef struct Signals
{
	const TAggState *st;
	double *cum; /* integral from the piece's start to each
								 * of its instants, by instant index */
	int *active;
	int nact;
	bool avg;
} Signals;

static inline TimestampTz
SigStart(const TAggState *st, const TAggPiece *p)
{
	return st->times[p->start];
}

static inline TimestampTz
SigEnd(const TAggState *st, const TAggPiece *p)
{
	return st->times[p->start + p->count - 1];
}

/* Integral of segment i of the state from its start to x (value x usec) */
static double
SegIntegral(const TAggState *st, int i, TimestampTz x)
{
	double v1 = st->values[i];
	double dt = (double) (x - st->times[i]);
	double mean;

	if (x == st->times[i])
		return 0;
	if (st->step)
		mean = v1;
	else
	{
		double v2 = tf_value_at(st->times[i], v1, st->times[i + 1],
								st->values[i + 1], x, false);

		mean = 0.5 * v1 + 0.5 * v2;
	}
	return float8_mul(mean, dt);
}

static void
ComputeCum(Signals *sg)
{
	const TAggState *st = sg->st;

	for (int k = 0; k < st->npieces; k++)
	{
		const TAggPiece *p = &st->pieces[k];

		TF_CHECK_INTERRUPTS(k);
		sg->cum[p->start] = 0;
		for (int i = p->start + 1; i < p->start + p->count; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			sg->cum[i] = float8_pl(sg->cum[i - 1],
								   SegIntegral(st, i - 1, st->times[i]));
		}
	}
}

/* Integral of piece p from its start to x, start <= x <= end */
static double
Cumulative(const Signals *sg, const TAggPiece *p, TimestampTz x)
{
	const TAggState *st = sg->st;
	int lo = p->start;
	int hi = p->start + p->count - 1;

	if (x >= st->times[hi])
		return sg->cum[hi];
	/* last instant at or before x */
	while (lo < hi)
	{
		int mid = lo + (hi - lo + 1) / 2;

		if (st->times[mid] <= x)
			lo = mid;
		else
			hi = mid - 1;
	}
	return float8_pl(sg->cum[lo], SegIntegral(st, lo, x));
}

/* t - w, saturating (t is valid and w positive, so only below) */
static inline TimestampTz
WindowFrom(TimestampTz t, int64 w)
{
	TimestampTz r;

	if (pg_sub_s64_overflow(t, w, &r))
		return PG_INT64_MIN;
	return r;
}

/* Overlap [lo, hi] of the window ending at t with the piece's span */
static inline void
Overlap(const TAggState *st, const TAggPiece *p, TimestampTz t,
		TimestampTz *lo, TimestampTz *hi)
{
	TimestampTz s = SigStart(st, p);
	TimestampTz e = SigEnd(st, p);

	*lo = Max(WindowFrom(t, p->window), s);
	*hi = Min(t, e);
}

/* Does the window ending at t meet the piece's domain? */
static inline bool
WindowMeets(const TAggState *st, const TAggPiece *p, TimestampTz t)
{
	TimestampTz s = SigStart(st, p);
	TimestampTz e = SigEnd(st, p);
	TimestampTz from = WindowFrom(t, p->window);

	return (t > s || (t == s && p->lower_inc)) &&
		(from < e || (from == e && p->upper_inc));
}

/* Sum of the integrals (q) and of the measures (m) over the window at t */
static void
Evaluate(const Signals *sg, TimestampTz t, double *q, double *m)
{
	const TAggState *st = sg->st;
	double qs = 0;
	int64 ms = 0;

	for (int i = 0; i < sg->nact; i++)
	{
		const TAggPiece *p = &st->pieces[sg->active[i]];
		TimestampTz lo, hi;

		TF_CHECK_INTERRUPTS(i);
		Overlap(st, p, t, &lo, &hi);
		if (hi <= lo)
			continue;
		qs = float8_pl(qs,
					   float8_mi(Cumulative(sg, p, hi),
								 Cumulative(sg, p, lo)));
		ms += hi - lo;
	}
	*q = qs;
	*m = (double) ms;
}

static double
SignalValue(const Signals *sg, TimestampTz t)
{
	double q, m;

	Evaluate(sg, t, &q, &m);
	if (!sg->avg)
		return q;
	return m > 0 ? q / m : get_float8_nan();
}

/*
 * Bisect (a, b) until the chord is close to the function (see the file
 * header), emitting the interior samples in time order.
 */
static void
Sample(TAggEmitter *e, const Signals *sg, TimestampTz a, double ga,
	   TimestampTz b, double gb, int depth)
{
	TimestampTz mid;
	double gm;
	double tol;

	if (b - a < 2 || depth >= WAGG_MAX_DEPTH)
		return;
	if (!isfinite(ga) || !isfinite(gb))
		return;
	CHECK_FOR_INTERRUPTS();
	mid = a + (b - a) / 2;
	gm = SignalValue(sg, mid);
	if (!isfinite(gm))
		return;
	tol = WAGG_REL_TOL * Max(1.0, Max(fabs(gm), Max(fabs(ga), fabs(gb))));
	if (fabs(gm - (0.5 * ga + 0.5 * gb)) <= tol)
		return;
	Sample(e, sg, a, ga, mid, gm, depth + 1);
	tagg_emit_interior(e, mid, gm);
	Sample(e, sg, mid, gm, b, gb, depth + 1);
}

static inline double
Mean(double sum, int n)
{
	return n > 0 ? sum / n : get_float8_nan();
}

/*
 * The value at breakpoint t into *vp; false when no window ending at t
 * meets a piece (then *vp is left alone).  Where the window meets pieces
 * only in single points, the mean is that of their values there.
 */
static bool
SignalPointValue(const Signals *sg, TimestampTz t, double *vp)
{
	const TAggState *st = sg->st;
	bool havept = false;
	double q, m, psum = 0;
	int pn = 0;

	Evaluate(sg, t, &q, &m);
	for (int i = 0; i < sg->nact; i++)
	{
		const TAggPiece *p = &st->pieces[sg->active[i]];
		TimestampTz lo, hi;

		TF_CHECK_INTERRUPTS(i);
		if (!WindowMeets(st, p, t))
			continue;
		havept = true;
		Overlap(st, p, t, &lo, &hi);
		if (hi > lo)
			continue;
		/* the window meets this piece in one point */
		psum = float8_pl(psum,
						 t == SigStart(st, p)
							 ? st->values[p->start]
							 : st->values[p->start + p->count - 1]);
		pn++;
	}
	if (havept)
		*vp = !sg->avg ? q : (m > 0 ? q / m : Mean(psum, pn));
	return havept;
}

/*
 * The limits *ga at t and *gb at t2 of the signal on the open interval
 * (t, t2) between two breakpoints; returns the window's measure at the
 * midpoint (0 when only instantaneous sequences are in the window, and
 * then the interval is constant).
 */
static double
IntervalLimits(const Signals *sg, TimestampTz t, TimestampTz t2, double *ga,
			   double *gb)
{
	const TAggState *st = sg->st;
	bool avg = sg->avg;
	TimestampTz mid = t + (t2 - t) / 2;
	double qa, ma, qb, mb, qm, mm;

	Evaluate(sg, mid, &qm, &mm);
	Evaluate(sg, t, &qa, &ma);
	Evaluate(sg, t2, &qb, &mb);
	if (mm > 0 && !avg)
	{
		*ga = qa;
		*gb = qb;
	}
	else if (mm > 0)
	{
		double sa = 0, sb = 0;
		int na = 0, nb = 0;

		/* a 0/0 end: the limit is the mean of the values there */
		for (int i = 0; i < sg->nact; i++)
		{
			const TAggPiece *p = &st->pieces[sg->active[i]];

			TF_CHECK_INTERRUPTS(i);
			if (p->count < 2)
				continue;
			if (SigStart(st, p) == t)
			{
				sa = float8_pl(sa, st->values[p->start]);
				na++;
			}
			if (SigEnd(st, p) + p->window == t2)
			{
				sb = float8_pl(sb, st->values[p->start + p->count - 1]);
				nb++;
			}
		}
		*ga = ma > 0 ? qa / ma : Mean(sa, na);
		*gb = mb > 0 ? qb / mb : Mean(sb, nb);
	}
	else
	{
		/* only instantaneous sequences in the window */
		double s = 0;
		int n = 0;

		for (int i = 0; i < sg->nact; i++)
		{
			const TAggPiece *p = &st->pieces[sg->active[i]];

			TF_CHECK_INTERRUPTS(i);
			if (p->count == 1 && SigEnd(st, p) + p->window > t)
			{
				s = float8_pl(s, st->values[p->start]);
				n++;
			}
		}
		*ga = *gb = avg ? Mean(s, n) : 0;
	}
	return mm;
}

static TFloat *
FoldSignals(const TAggState *st, bool avg)
{
	int P = st->npieces;
	int *order = tagg_sorted_pieces(st);
	TimestampTz *bps = palloc(
		mul_size(mul_size(st->ninst, 2), sizeof(TimestampTz)));
	int K = 0;
	int next = 0;
	Signals sg;
	TAggEmitter e;

	sg.st = st;
	sg.avg = avg;
	sg.cum = palloc(mul_size(Max(st->ninst, 1), sizeof(double)));
	sg.active = palloc(mul_size(Max(P, 1), sizeof(int)));
	sg.nact = 0;
	ComputeCum(&sg);

	for (int k = 0; k < P; k++)
	{
		const TAggPiece *p = &st->pieces[k];

		TF_CHECK_INTERRUPTS(k);
		for (int i = p->start; i < p->start + p->count; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			bps[K++] = st->times[i];
			bps[K++] = st->times[i] + p->window; /* checked in transfn */
		}
	}
	bps = tagg_sorted_times(bps, K, &K);

	tagg_emit_init(&e, false, K);
	for (int k = 0; k < K; k++)
	{
		TimestampTz t = bps[k];
		bool havept = false;
		double vp = 0;
		bool haveint = false;
		int j = 0;

		TF_CHECK_INTERRUPTS(k);
		CHECK_FOR_INTERRUPTS();

		/* Active: start <= t <= end + w */
		for (int i = 0; i < sg.nact; i++)
		{
			const TAggPiece *p = &st->pieces[sg.active[i]];

			TF_CHECK_INTERRUPTS(i);
			if (SigEnd(st, p) + p->window >= t)
				sg.active[j++] = sg.active[i];
		}
		sg.nact = j;
		while (next < P && SigStart(st, &st->pieces[order[next]]) == t)
			sg.active[sg.nact++] = order[next++];

		/* The value at t */
		havept = SignalPointValue(&sg, t, &vp);

		/* The open interval (t, next breakpoint) */
		if (k + 1 < K)
		{
			TimestampTz t2 = bps[k + 1];
			double mm;
			double ga, gb;

			for (int i = 0; i < sg.nact; i++)
			{
				const TAggPiece *p = &st->pieces[sg.active[i]];

				TF_CHECK_INTERRUPTS(i);
				if (SigEnd(st, p) + p->window > t)
					haveint = true;
			}
			if (haveint)
			{
				mm = IntervalLimits(&sg, t, t2, &ga, &gb);
				tagg_emit_breakpoint(&e, t, havept, vp, true, ga);
				if (mm > 0)
					Sample(&e, &sg, t, ga, t2, gb, 0);
				tagg_emit_interval_end(&e, gb);
				continue;
			}
		}
		tagg_emit_breakpoint(&e, t, havept, vp, false, 0);
	}

	pfree(order);
	pfree(bps);
	pfree(sg.cum);
	pfree(sg.active);
	return tagg_emit_finish(&e);
}

static Datum
WindowFinal(FunctionCallInfo fcinfo, bool avg)
{
	TAggState *st;
	TFloat *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (TAggState *) PG_GETARG_POINTER(0);
	if (st->shape == TAGG_SHAPE_SIGNALS)
		result = st->npieces > 0 ? FoldSignals(st, avg) : NULL;
	else
		result = tagg_fold(st, avg ? TAGG_AVG : TAGG_SUM);
	if (result == NULL)
		PG_RETURN_NULL();
	PG_RETURN_TFLOAT_P(result);
}

Datum
cq_tfloat_wsum_finalfn(PG_FUNCTION_ARGS)
{
	return WindowFinal(fcinfo, false);
}

Datum
cq_tfloat_wavg_finalfn(PG_FUNCTION_ARGS)
{
	return WindowFinal(fcinfo, true);
}

/* wsum over tint: a tint */
Datum
cq_tint_wsum_finalfn(PG_FUNCTION_ARGS)
{
	Datum d = WindowFinal(fcinfo, false);

	if (fcinfo->isnull)
		return d;
	PG_RETURN_TFLOAT_P(tf_as_base(DatumGetTFloatP(d), TF_BASE_INT));
}
