/*-------------------------------------------------------------------------
 *
 * window.c
 *	  Stream window aggregation core: window specifications, assignment,
 *	  the numeric aggregation state and the sweep (see window.h for the
 *	  contracts; this file is shared by the SQL functions and the worker).
 *
 * Design notes
 *
 * Alignment.  Windows are aligned to the Unix epoch plus an offset, but
 * TimestampTz counts from 2000-01-01.  Rather than shifting every time by
 * the epoch difference (which overflows near the end of the time line), a
 * spec keeps the phase of the window starts modulo the hop in
 * PostgreSQL's own epoch, and a start is found with one floor modulo:
 * start = t - ((t - phase) mod hop), with the modulo's result in
 * [0, hop).  Both the offset and the phase are reduced modulo the hop
 * separately, so no intermediate value can overflow; with sizes of at
 * most CQ_WINDOW_MAX_USEC and finite timestamps neither can a start.  An
 * end is start + size, saturated at PG_INT64_MAX.
 *
 * Hops that do not divide the size are allowed (Flink and ksqlDB allow
 * them too): a row at distance d = t - last_start from its last window
 * start is in ceil((size - d) / hop) windows.  A hop larger than the size
 * would leave rows in no window and is refused, as is a size more than
 * CQ_WINDOW_MAX_OVERLAP hops long (each row is folded into every window it
 * falls in, and each open window holds a state).
 *
 * Folding follows PostgreSQL's float8 aggregates to the bit, so that a
 * window aggregate equals the GROUP BY over the same rows in the same
 * order: sum(float8) is float8pl starting from the first value, min and
 * max are float8smaller and float8larger (float8_lt / float8_gt order NaN
 * above everything and a tie keeps the later value), avg(float8)'s sum
 * starts from +0 (hence "sum + 0.0" in the final step, which only turns
 * -0 into +0).  One difference is deliberate: avg(float8) also
 * accumulates the sum of squares for the variance and raises an overflow
 * when that overflows (values beyond about 1e154); a window AVG does not.
 *
 * The sweep does not sum panes: every row is folded into each of its
 * windows in arrival order, so sums round exactly as a GROUP BY in the
 * same order does, at the price of size / hop folds per row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/int.h"
#include "utils/float.h"
#include "core/window.h"

/* The Unix epoch as a TimestampTz */
#define CQ_UNIX_EPOCH_USEC \
	((int64) (UNIX_EPOCH_JDATE - POSTGRES_EPOCH_JDATE) * USECS_PER_DAY)

/* a mod m in [0, m), for m > 0, without overflow */
static inline int64
FloorMod(int64 a, int64 m)
{
	int64 r = a % m;

	return r < 0 ? r + m : r;
}

int64
cq_interval_usec(const Interval *iv, const char *what)
{
	int64 days;
	int64 result;

	if (iv->month != 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window %s must not contain months or years", what),
				 errdetail("Months and years have no fixed length."),
				 errhint("Give the %s in days (of 24 hours) or smaller units.",
						 what)));
	if (pg_mul_s64_overflow((int64) iv->day, USECS_PER_DAY, &days) ||
		pg_add_s64_overflow(days, iv->time, &result))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window %s is out of range", what)));
	return result;
}

/* Refuse a size more than CQ_WINDOW_MAX_OVERLAP hops long */
static int
CheckOverlap(int64 size, int64 hop)
{
	int64 overlap = (size - 1) / hop + 1;

	if (overlap > CQ_WINDOW_MAX_OVERLAP)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window size must be at most %d times its hop",
						CQ_WINDOW_MAX_OVERLAP),
				 errdetail("A row would fall in up to " INT64_FORMAT
						   " windows.",
						   overlap),
				 errhint("Use a larger hop or a smaller size.")));
	return (int) overlap;
}

void
cq_window_time(CqWindowSpec *w, CqWindowKind kind, int64 size, int64 hop,
			   int64 offset)
{
	if (kind != CQ_WINDOW_TUMBLING && kind != CQ_WINDOW_HOPPING)
		elog(ERROR, "unexpected time window kind %d", (int) kind);
	if (kind == CQ_WINDOW_TUMBLING)
		hop = size;

	if (size <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window size must be positive")));
	if (size > CQ_WINDOW_MAX_USEC)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window size must be at most 100000 years")));
	if (hop <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window hop must be positive")));
	if (hop > size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window hop must not be larger than its size"),
				 errdetail(
					 "Rows between the end of one window and the start of the next would fall in no window."),
				 errhint(
					 "Use a hop of at most the size; a hop equal to the size makes a tumbling window.")));

	memset(w, 0, sizeof(*w));
	w->kind = kind;
	w->size = size;
	w->hop = hop;
	w->overlap = CheckOverlap(size, hop);
	w->offset = FloorMod(offset, hop);
	w->phase = FloorMod(w->offset + FloorMod(CQ_UNIX_EPOCH_USEC, hop), hop);
}

void
cq_window_count(CqWindowSpec *w, int64 size, int64 hop)
{
	if (size <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count window size must be positive")));
	if (hop <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count window hop must be positive")));
	if (hop > size)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count window hop must not be larger than its size"),
				 errdetail("Rows between two windows would fall in no window."),
				 errhint(
					 "Use a hop of at most the size, or no hop for windows that do not overlap.")));

	memset(w, 0, sizeof(*w));
	w->kind = CQ_WINDOW_COUNT;
	w->size = size;
	w->hop = hop;
	w->overlap = CheckOverlap(size, hop);
}

/*
 * cq_window_last_start: t must be a finite timestamp (a tfloat's are; the
 * worker must skip infinite event times).
 */
TimestampTz
cq_window_last_start(const CqWindowSpec *w, TimestampTz t)
{
	int64 m;

	Assert(w->kind != CQ_WINDOW_COUNT);
	Assert(IS_VALID_TIMESTAMP(t));
	/* (t - phase) mod hop, without computing t - phase */
	m = FloorMod(t, w->hop) - w->phase;
	if (m < 0)
		m += w->hop;
	return t - m;
}

int
cq_window_starts(const CqWindowSpec *w, TimestampTz t, TimestampTz *starts)
{
	TimestampTz last = cq_window_last_start(w, t);
	int64 d = t - last;
	int n;
	TimestampTz first;

	/* windows [last - k * hop, ... + size) contain t while k * hop < size - d */
	n = (int) ((w->size - d - 1) / w->hop + 1);
	Assert(n >= 1 && n <= w->overlap);
	first = last - (int64) (n - 1) * w->hop;
	for (int i = 0; i < n; i++)
		starts[i] = first + (int64) i * w->hop;
	return n;
}

TimestampTz
cq_window_end(const CqWindowSpec *w, TimestampTz start)
{
	if (start > PG_INT64_MAX - w->size)
		return PG_INT64_MAX;
	return start + w->size;
}

void
cq_window_count_range(const CqWindowSpec *w, int64 index, int64 *first,
					  int64 *last)
{
	int64 lo = index - w->size + 1;

	Assert(w->kind == CQ_WINDOW_COUNT && index >= 0);
	/* smallest k with k * hop > index - size, i.e. ceil(lo / hop) */
	*first = lo <= 0 ? 0 : (lo + w->hop - 1) / w->hop;
	*last = index / w->hop;
}

/* Aggregations */

typedef struct AggName
{
	const char *name;
	CqAggKind agg;
	bool number;
	bool text;
	bool boolean;
} AggName;

static const AggName agg_names[] = {
	{"COUNT", CQ_AGG_COUNT, true, true, true},
	{"SUM", CQ_AGG_SUM, true, false, false},
	{"AVG", CQ_AGG_AVG, true, false, false},
	{"MIN", CQ_AGG_MIN, true, false, false},
	{"MAX", CQ_AGG_MAX, true, false, false},
	{"COUNT_DISTINCT", CQ_AGG_COUNT_DISTINCT, false, true, false},
	{"ANY", CQ_AGG_ANY, false, false, true},
	{"ALL", CQ_AGG_ALL, false, false, true},
	{"COUNT_TRUE", CQ_AGG_COUNT_TRUE, false, false, true},
	{"COUNT_FALSE", CQ_AGG_COUNT_FALSE, false, false, true},
};

static const char *
ValueTypeName(CqValueType vt)
{
	switch (vt)
	{
		case CQ_VALUE_NUMBER:
			return "numbers";
		case CQ_VALUE_TEXT:
			return "text";
		case CQ_VALUE_BOOLEAN:
			return "booleans";
	}
	return "values";
}

static const char *
ValidAggregations(CqValueType vt)
{
	switch (vt)
	{
		case CQ_VALUE_NUMBER:
			return "COUNT, SUM, AVG, MIN and MAX";
		case CQ_VALUE_TEXT:
			return "COUNT and COUNT_DISTINCT";
		case CQ_VALUE_BOOLEAN:
			return "COUNT, ANY, ALL, COUNT_TRUE and COUNT_FALSE";
	}
	return "none";
}

CqAggKind
cq_agg_parse(const char *name, CqValueType vt)
{
	for (int i = 0; i < lengthof(agg_names); i++)
	{
		const AggName *a = &agg_names[i];

		if (pg_strcasecmp(name, a->name) != 0)
			continue;
		if ((vt == CQ_VALUE_NUMBER && a->number) ||
			(vt == CQ_VALUE_TEXT && a->text) ||
			(vt == CQ_VALUE_BOOLEAN && a->boolean))
			return a->agg;
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("aggregation \"%s\" is not valid for %s", name,
						ValueTypeName(vt)),
				 errhint("Valid aggregations for %s are %s.",
						 ValueTypeName(vt), ValidAggregations(vt))));
	}
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown aggregation \"%s\"", name),
			 errhint("Valid aggregations for %s are %s.", ValueTypeName(vt),
					 ValidAggregations(vt))));
	return CQ_AGG_COUNT; /* keep the compiler quiet */
}

const char *
cq_agg_name(CqAggKind agg)
{
	for (int i = 0; i < lengthof(agg_names); i++)
		if (agg_names[i].agg == agg)
			return agg_names[i].name;
	return "?";
}

void
cq_agg_init(CqAggState *s)
{
	memset(s, 0, sizeof(*s));
}

void
cq_agg_fold(CqAggState *s, double v)
{
	if (s->count == 0)
	{
		s->sum = v;
		s->min = v;
		s->max = v;
	}
	else
	{
		double sum = s->sum + v;

		/* float8pl's overflow test */
		if (unlikely(isinf(sum)) && !isinf(s->sum) && !isinf(v))
			s->sum_overflow = true;
		s->sum = sum;
		/* float8smaller(state, v) and float8larger(state, v) */
		if (!float8_lt(s->min, v))
			s->min = v;
		if (!float8_gt(s->max, v))
			s->max = v;
	}
	s->count++;
}

void
cq_agg_combine(CqAggState *a, const CqAggState *b)
{
	double sum;

	if (b->count == 0)
		return;
	if (a->count == 0)
	{
		*a = *b;
		return;
	}
	sum = a->sum + b->sum;
	if (unlikely(isinf(sum)) && !isinf(a->sum) && !isinf(b->sum))
		a->sum_overflow = true;
	a->sum_overflow |= b->sum_overflow;
	a->sum = sum;
	if (!float8_lt(a->min, b->min))
		a->min = b->min;
	if (!float8_gt(a->max, b->max))
		a->max = b->max;
	a->count += b->count;
}

double
cq_agg_final(const CqAggState *s, CqAggKind agg)
{
	Assert(s->count > 0);
	switch (agg)
	{
		case CQ_AGG_COUNT:
			return (double) s->count;
		case CQ_AGG_SUM:
			return s->sum;
		case CQ_AGG_AVG:
			/* avg(float8) sums from +0: adding +0 only turns -0 into +0 */
			return (s->sum + 0.0) / (double) s->count;
		case CQ_AGG_MIN:
			return s->min;
		case CQ_AGG_MAX:
			return s->max;
			/* booleans are folded as 1 and 0 (window_stream.c) */
		case CQ_AGG_COUNT_TRUE:
			return s->sum;
		case CQ_AGG_COUNT_FALSE:
			return (double) s->count - s->sum;
		case CQ_AGG_ANY:
			return s->max;
		case CQ_AGG_ALL:
			return s->min;
		default:
			elog(ERROR, "aggregation %s has no numeric state",
				 cq_agg_name(agg));
	}
	return 0.0; /* keep the compiler quiet */
}

/* Sweep */

void
cq_sweep_init(CqWindowSweep *sw, const CqWindowSpec *w, CqWindowEmitFn emit,
			  void *arg)
{
	memset(sw, 0, sizeof(*sw));
	sw->spec = *w;
	sw->cap = w->overlap;
	sw->open = palloc(mul_size(sw->cap, sizeof(CqWindowResult)));
	if (w->kind != CQ_WINDOW_COUNT)
		sw->starts = palloc(mul_size(sw->cap, sizeof(TimestampTz)));
	sw->emit = emit;
	sw->arg = arg;
}

static inline CqWindowResult *
OpenWindow(CqWindowSweep *sw, int i)
{
	int j = sw->head + i;

	return &sw->open[j >= sw->cap ? j - sw->cap : j];
}

/* Emit (unless drop) and forget the oldest open window */
static void
CloseOldest(CqWindowSweep *sw, bool drop)
{
	Assert(sw->nopen > 0);
	if (!drop)
		sw->emit(sw->arg, &sw->open[sw->head]);
	sw->head = sw->head + 1 == sw->cap ? 0 : sw->head + 1;
	sw->nopen--;
}

static CqWindowResult *
PushWindow(CqWindowSweep *sw, TimestampTz start, TimestampTz end)
{
	CqWindowResult *r;

	Assert(sw->nopen < sw->cap);
	sw->nopen++;
	r = OpenWindow(sw, sw->nopen - 1);
	r->start = start;
	r->end = end;
	cq_agg_init(&r->state);
	return r;
}

/*
 * cq_sweep_add: fold one row.  Time windows: t must not be smaller than
 * the previous row's time (raises an internal error otherwise).
 */
void
cq_sweep_add(CqWindowSweep *sw, TimestampTz t, double v)
{
	if (sw->spec.kind == CQ_WINDOW_COUNT)
	{
		int64 index = sw->nrows++;

		if (index % sw->spec.hop == 0)
			PushWindow(sw, t, t);
		for (int i = 0; i < sw->nopen; i++)
		{
			CqWindowResult *r = OpenWindow(sw, i);

			cq_agg_fold(&r->state, v);
			r->end = t;
		}
		/* windows open one per hop, so only the oldest can be complete */
		if (sw->nopen > 0 && sw->open[sw->head].state.count == sw->spec.size)
			CloseOldest(sw, false);
		return;
	}
	else
	{
		int n;

		/* windows that end at or before t are complete */
		while (sw->nopen > 0 && sw->open[sw->head].end <= t)
			CloseOldest(sw, false);

		/*
		 * The windows still open all contain t, and are the first ones of
		 * t's windows (those that started at or before the previous row);
		 * open the others.
		 */
		if (sw->nrows > 0 && t < sw->last)
			elog(ERROR, "window sweep rows out of time order");
		n = cq_window_starts(&sw->spec, t, sw->starts);
		Assert(sw->nopen <= n);
		Assert(sw->nopen == 0 || sw->starts[0] == OpenWindow(sw, 0)->start);
		for (int i = sw->nopen; i < n; i++)
			PushWindow(sw, sw->starts[i],
					   cq_window_end(&sw->spec, sw->starts[i]));
		for (int i = 0; i < sw->nopen; i++)
			cq_agg_fold(&OpenWindow(sw, i)->state, v);
		sw->nrows++;
		sw->last = t;
	}
}

/*
 * cq_sweep_advance: close the time windows that end at or before the
 * watermark (the worker's "event time seen minus lateness").
 */
void
cq_sweep_advance(CqWindowSweep *sw, TimestampTz watermark)
{
	if (sw->spec.kind == CQ_WINDOW_COUNT)
		return;
	while (sw->nopen > 0 && sw->open[sw->head].end <= watermark)
		CloseOldest(sw, false);
}

/*
 * cq_sweep_finish: the stream ended.  Time windows all close; incomplete
 * COUNT windows are dropped.
 */
void
cq_sweep_finish(CqWindowSweep *sw)
{
	bool drop = sw->spec.kind == CQ_WINDOW_COUNT;

	while (sw->nopen > 0)
		CloseOldest(sw, drop);
}
