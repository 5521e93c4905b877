/*-------------------------------------------------------------------------
 *
 * window.h
 *	  Stream window aggregation core: window specifications, assignment of
 *	  a row to its windows, the fixed-size aggregation state, and a sweep
 *	  that folds time-ordered rows into windows and emits the closed ones.
 *
 * Design notes
 *
 * This is the one operator core shared by the SQL functions over tfloat
 * (window_sql.c) and the continuous-query worker, so both give the same
 * results on the same instants.  Its API uses only TimestampTz, int64 and
 * double (plus the Interval struct for the one conversion helper), so the
 * worker can call it on raw column values.  Functions that validate raise
 * errors with ereport (22023), so they must be called where an error is
 * acceptable: when a window or an aggregation is created or read.  Folding
 * and combining never raise.
 *
 * Time windows are half-open [start, end) and aligned to the Unix epoch
 * plus an offset: their starts are the instants s with
 * (s - 1970-01-01 - offset) mod hop = 0.  TimestampTz counts from
 * 2000-01-01, so the alignment is kept as a phase in [0, hop) of
 * PostgreSQL's own epoch; all divisions round towards minus infinity, so
 * times before 1970 and negative offsets work.  A tumbling window is a
 * hopping window whose hop equals its size.  A hop need not divide the
 * size: then a row falls in floor(size / hop) or ceil(size / hop)
 * windows, depending on its phase.
 *
 * COUNT windows group rows in arrival order: window k holds rows
 * [k * hop, k * hop + size) of the stream (of a key).  A count window is
 * defined by its size, so only complete windows ever close; an incomplete
 * last window is never emitted.  Its start and end are the smallest and
 * the largest event time of its rows (for the time-ordered instants of a
 * tfloat, its first and its last row's), and (unlike time windows) the
 * end is inclusive: the window covers [start, end].
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WINDOW_H
#define CQSTREAM_WINDOW_H

#include "postgres.h"

#include "access/htup.h"
#include "datatype/timestamp.h"

typedef enum CqWindowKind
{
	CQ_WINDOW_TUMBLING = 1,
	CQ_WINDOW_HOPPING,
	CQ_WINDOW_COUNT
} CqWindowKind;

/*
 * Limits.  The largest time window is 100000 years of 365.25 days; a row
 * may fall in at most CQ_WINDOW_MAX_OVERLAP windows (size / hop), which
 * bounds the work per row and the open windows per key.
 */
#define CQ_WINDOW_MAX_USEC	  INT64CONST(3155760000000000000)
#define CQ_WINDOW_MAX_OVERLAP 100000

typedef struct CqWindowSpec
{
	CqWindowKind kind;
	int64 size; /* microseconds, or rows for COUNT */
	int64 hop;	/* microseconds or rows; == size if tumbling */
	/* microseconds in [0, hop) after the Unix epoch; 0 for COUNT */
	int64 offset;
	/* window starts are == phase (mod hop) as TimestampTz; 0 for COUNT */
	int64 phase;
	/* most windows one row falls in: ceil(size / hop) */
	int overlap;
} CqWindowSpec;

/*
 * Validating constructors: raise 22023 with a hint when the arguments do
 * not make a window.  Tumbling ignores hop (pass 0).  The offset may be any
 * value; it is normalized modulo the hop.
 */
extern void cq_window_time(CqWindowSpec *w, CqWindowKind kind, int64 size,
						   int64 hop, int64 offset);
extern void cq_window_count(CqWindowSpec *w, int64 size, int64 hop);

/*
 * cq_window_from_record: a cqstream.window composite value (window_sql.c)
 * as a spec; raises 22023 when it is not a valid window.
 */
extern void cq_window_from_record(HeapTupleHeader rec, CqWindowSpec *w);

/*
 * cq_interval_usec: an interval's length in microseconds, days counted as
 * 24 hours.  Raises 22023 for intervals with months (they have no fixed
 * length) or out of range; "what" names the argument in the message.
 */
extern int64 cq_interval_usec(const Interval *iv, const char *what);

/*
 * Assignment of a time to time windows.  cq_window_last_start is the
 * largest window start <= t; cq_window_starts writes the starts of all
 * windows containing t, in increasing order, into starts[] (room for
 * w->overlap) and returns how many.  cq_window_end saturates at
 * PG_INT64_MAX instead of overflowing near the end of the time line; the
 * SQL layer prints starts and ends outside the timestamp range as
 * -infinity and infinity.
 */
extern TimestampTz cq_window_last_start(const CqWindowSpec *w, TimestampTz t);
extern int cq_window_starts(const CqWindowSpec *w, TimestampTz t,
							TimestampTz *starts);
extern TimestampTz cq_window_end(const CqWindowSpec *w, TimestampTz start);

/*
 * cq_timestamp_saturate: a time the core computed (a window's start or
 * end, a watermark: it may fall outside the timestamp range near either
 * end of the time line) as a valid timestamptz, -infinity or infinity
 * beyond the range.  Both order as the computed times did, so a stored
 * watermark never moves back and a printed window keeps its place.
 */
static inline TimestampTz
cq_timestamp_saturate(TimestampTz t)
{
	if (t < MIN_TIMESTAMP)
		return DT_NOBEGIN;
	if (t >= END_TIMESTAMP)
		return DT_NOEND;
	return t;
}

/*
 * Assignment of a row to COUNT windows by its 0-based arrival index: the
 * window numbers k >= 0 with k * hop <= index < k * hop + size are
 * *first .. *last.  Since hop <= size the range is never empty.
 */
extern void cq_window_count_range(const CqWindowSpec *w, int64 index,
								  int64 *first, int64 *last);

/*
 * Aggregations, by value type (OGC MF Part 4, Table 6).  Numbers use
 * COUNT .. MAX; the others are reserved for text and boolean values.
 */
typedef enum CqAggKind
{
	CQ_AGG_COUNT = 1,
	CQ_AGG_SUM,
	CQ_AGG_AVG,
	CQ_AGG_MIN,
	CQ_AGG_MAX,
	CQ_AGG_COUNT_DISTINCT,
	CQ_AGG_ANY,
	CQ_AGG_ALL,
	CQ_AGG_COUNT_TRUE,
	CQ_AGG_COUNT_FALSE
} CqAggKind;

typedef enum CqValueType
{
	CQ_VALUE_NUMBER = 1,
	CQ_VALUE_TEXT,
	CQ_VALUE_BOOLEAN
} CqValueType;

/*
 * cq_agg_parse: the aggregation named (case-insensitively) by name, valid
 * for values of type vt; raises 22023 with a hint listing the valid ones.
 * cq_agg_name gives the canonical upper-case name.
 */
extern CqAggKind cq_agg_parse(const char *name, CqValueType vt);
extern const char *cq_agg_name(CqAggKind agg);

/*
 * Aggregation state for numbers.  Fixed size and pointer-free, so it can be
 * stored in a table row as it is.  It follows PostgreSQL's float8
 * aggregates exactly: sum adds in input order with plain double addition
 * (starting from the first value); min and max order NaN above every
 * number (so max is NaN as soon as one value is, min only when all are),
 * and on ties keep the later value, as float8smaller/float8larger do.
 * sum_overflow records that the sum became infinite from finite values;
 * PostgreSQL raises "value out of range: overflow" there, and the SQL layer
 * does the same for SUM and AVG.
 */
typedef struct CqAggState
{
	int64 count;
	double sum;
	double min;
	double max;
	bool sum_overflow;
} CqAggState;

extern void cq_agg_init(CqAggState *s);
extern void cq_agg_fold(CqAggState *s, double v);
/*
 * cq_agg_combine: a := a followed by b.  The sum is a->sum + b->sum, so its
 * rounding may differ from folding b's values one by one.
 */
extern void cq_agg_combine(CqAggState *a, const CqAggState *b);
/* the aggregation's value; count must be > 0.  AVG is sum / count. */
extern double cq_agg_final(const CqAggState *s, CqAggKind agg);

/*
 * Sweep: fold rows into windows and emit each window when it closes, in
 * window order, keeping one state per open window (at most w->overlap) in
 * a ring.  Time windows need rows in non-decreasing time; a time window
 * closes when a row at or after its end arrives, or at cq_sweep_advance
 * (a watermark) or cq_sweep_finish.  COUNT windows close when they hold
 * size rows; cq_sweep_finish drops the incomplete ones.  Only non-empty
 * windows are ever emitted.  Memory is palloc'd in the current context.
 */
typedef struct CqWindowResult
{
	TimestampTz start;
	/* exclusive (time windows) or the last row's time (COUNT, inclusive) */
	TimestampTz end;
	CqAggState state;
} CqWindowResult;

typedef void (*CqWindowEmitFn)(void *arg, const CqWindowResult *r);

typedef struct CqWindowSweep
{
	CqWindowSpec spec;
	int cap;  /* ring capacity: spec.overlap */
	int head; /* oldest open window */
	int nopen;
	CqWindowResult *open; /* ring of open windows, oldest first */
	int64 nrows;		  /* rows seen */
	TimestampTz last;	  /* time of the last row (time windows) */
	TimestampTz *starts;  /* scratch for cq_window_starts */
	CqWindowEmitFn emit;
	void *arg;
} CqWindowSweep;

extern void cq_sweep_init(CqWindowSweep *sw, const CqWindowSpec *w,
						  CqWindowEmitFn emit, void *arg);
extern void cq_sweep_add(CqWindowSweep *sw, TimestampTz t, double v);
extern void cq_sweep_advance(CqWindowSweep *sw, TimestampTz watermark);
extern void cq_sweep_finish(CqWindowSweep *sw);

#endif /* CQSTREAM_WINDOW_H */
