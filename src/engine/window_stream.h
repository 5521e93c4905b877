/*-------------------------------------------------------------------------
 *
 * window_stream.h
 *	  The window operator of continuous queries: rows in arrival order,
 *	  with keys, out-of-order event times, a watermark, late rows, and the
 *	  on_close and on_update emit modes (docs/windows.md).
 *
 * Design notes
 *
 * window.c is the core shared with the SQL functions over tfloat: window
 * specifications, assignment of a time (or an arrival index) to windows,
 * and the aggregation state.  window.c's sweep needs time-ordered input,
 * which a stream does not give; this operator works a batch at a time,
 * with memory that depends on the batch, never on the number of keys or
 * open windows (those live in cqstream.window_state):
 *
 * 1. cq_stream_row, for the batch's rows in arrival (id) order: copies
 *    the row and records the watermark as it was before the row, then
 *    moves the watermark.  That is all the arrival order decides: a row
 *    is late for a window whose end is <= the watermark before it, and a
 *    window closes when the watermark reaches its end, so once every row
 *    carries its watermark the keys are independent.
 * 2. cq_stream_sort: the rows by key (bytes, NULL first), then arrival.
 * 3. For each key, in that order, merged with the stored windows read in
 *    the same order (window_state.c): cq_stream_key_begin, the key's
 *    stored windows (cq_stream_load_window), cq_stream_key_fold (its rows;
 *    count windows emit when full; time windows close at the batch's
 *    final watermark; on_update reports changed open windows), then the
 *    key's open windows are written back.
 * 4. cq_stream_results: the results, sorted so that ids follow the order
 *    windows closed in: time windows by (end, start, key), count windows
 *    by the arrival of the row that filled them, updates after the final
 *    results, by key.
 *
 * Nothing here raises, except out-of-memory.  Memory is allocated in the
 * context current at cq_stream_init, which must live for the batch.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WINDOW_STREAM_H
#define CQSTREAM_WINDOW_STREAM_H

#include "postgres.h"

#include "core/window.h"

/*
 * Hash tables over byte strings (lib/simplehash.h, instantiated in
 * window_stream.c): the distinct values of a COUNT_DISTINCT window, and
 * the distinct keys of a batch.
 */
struct cq_strset_hash;
struct cq_keyset_hash;

/* One open window of the current key */
typedef struct CqStreamWindow
{
	int64 wstart;	  /* start (time windows) or number (count windows) */
	TimestampTz tmin; /* smallest and largest event time of its rows */
	TimestampTz tmax;
	CqAggState st;
	/* COUNT_DISTINCT: the distinct values; NULL: none yet */
	struct cq_strset_hash *distinct;
	int64 emitted_count; /* on_update: what was last reported (0: none) */
	double emitted_value;
	bool changed; /* folded into during this batch */
	bool closed;
} CqStreamWindow;

/* A row of the batch */
typedef struct CqBatchRow
{
	text *val; /* text values */
	TimestampTz t;
	TimestampTz wm; /* the watermark before this row */
	double v;		/* numbers; booleans as 1 and 0 */
	int32 kidx;		/* the key's number in the batch (-1: NULL) */
	int32 seq;		/* arrival order in the batch */
} CqBatchRow;

/* A result */
typedef struct CqStreamResult
{
	text *key; /* NULL: the NULL key */
	TimestampTz start;
	TimestampTz end;
	double value;  /* the aggregation's value (COUNT_DISTINCT: the number) */
	int64 count;   /* rows folded in */
	int64 order;   /* count windows: seq of the row that filled it */
	int64 key_seq; /* the key's place in byte order (CqStreamOp.key_seq) */
	bool final;
} CqStreamResult;

/* Bytes that are not a varlena: a key as read, a value in a set */
typedef struct CqBytes
{
	const char *data;
	int len;
} CqBytes;

typedef struct CqStreamOp
{
	CqWindowSpec spec;
	CqAggKind agg;
	int64 lateness; /* microseconds */
	bool on_update;
	TimestampTz max_time;  /* largest event time seen; DT_NOBEGIN: none */
	TimestampTz watermark; /* DT_NOBEGIN: none */
	MemoryContext cxt;
	MemoryContext key_cxt; /* the current key's copy and distinct sets */
	/* the batch's distinct keys, by number, and a hash table over them */
	text **bkeys;
	int32 nbkeys;
	int32 bkeys_cap;
	struct cq_keyset_hash *bkeys_hash; /* NULL: no key yet */
	CqBytes cand; /* the key being looked up (window_stream.c) */
	char *karena; /* where the next key's copy goes */
	Size karena_left;
	Size karena_total; /* bytes of its blocks */
	/* the batch, in arrival order, and the sorted order (cq_stream_sort) */
	CqBatchRow *rows;
	int32 *order;
	int64 nrows;
	int64 rows_cap;
	int64 nlate;
	/* the current key */
	text *key;
	text *key_res;	 /* its copy for results, made at its first result */
	int64 key_seq;	 /* keys begun so far: they come in byte order */
	int64 key_nrows; /* count windows: rows of this key so far */
	CqStreamWindow *win;
	int nwin;
	int wcap;
	TimestampTz *starts;
	/* the results */
	CqStreamResult *res;
	int64 nres;
	int64 res_cap;
	TimestampTz latest_end; /* largest end of a window left open */
} CqStreamOp;

extern void cq_stream_init(CqStreamOp *op, const CqWindowSpec *w,
						   CqAggKind agg, int64 lateness, bool on_update);

/* Step 1: a row (key/val NULL for a NULL key / non-text value) */
extern void cq_stream_row(CqStreamOp *op, const char *key, int keylen,
						  bool key_isnull, TimestampTz t, double v,
						  const char *val, int vallen);

/* Step 2 */
extern void cq_stream_sort(CqStreamOp *op);

/*
 * The memory the batch's distinct keys take beside its rows (the next
 * batch reads fewer rows when it is large: batch_aggregate.c)
 */
extern Size cq_stream_key_bytes(const CqStreamOp *op);

/* The i-th row in sorted order, and a row's key (NULL: the NULL key) */
static inline CqBatchRow *
cq_stream_sorted_row(const CqStreamOp *op, int64 i)
{
	return &op->rows[op->order[i]];
}

static inline text *
cq_stream_row_key(const CqStreamOp *op, const CqBatchRow *r)
{
	return r->kidx < 0 ? NULL : op->bkeys[r->kidx];
}

/* Compare two keys (NULL first, then bytes) */
extern int cq_stream_key_cmp(const text *a, const text *b);

/* Step 3, per key: begin (key copied), load its stored windows, fold */
extern void cq_stream_key_begin(CqStreamOp *op, const text *key,
								int64 key_nrows);
extern CqStreamWindow *cq_stream_load_window(CqStreamOp *op, int64 wstart);
extern void cq_stream_load_distinct(CqStreamOp *op, CqStreamWindow *w,
									const char *val, int len);
/*
 * Fold rows[first .. first + n - 1] (all of the current key) and close what
 * the batch's watermark closes.  idle_flush: afterwards close every open
 * time window (the caller moved the watermark with cq_stream_idle_flush).
 * Returns whether the key's stored windows must be rewritten.
 */
extern bool cq_stream_key_fold(CqStreamOp *op, int64 first, int64 n);

/*
 * Idle flush: before step 3 of a batch without rows; the watermark is
 * moved past every window by cq_stream_key_fold, which then records the
 * largest end it closed in op->latest_end, and cq_stream_idle_done sets
 * the watermark to it.
 */
extern void cq_stream_idle_flush(CqStreamOp *op);
extern void cq_stream_idle_done(CqStreamOp *op);

/* Step 4 */
extern void cq_stream_sort_results(CqStreamOp *op);

/*
 * The distinct values of a COUNT_DISTINCT window, for storing: how many,
 * and the values themselves (out has room for the count), in no order.
 */
extern int cq_stream_distinct_count(const CqStreamWindow *w);
extern int cq_stream_distinct_values(const CqStreamWindow *w, text **out);

/*
 * Persistence and step 3 (window_state.c), inside SPI: merges the sorted
 * batch with the query's stored windows, key by key, and rewrites the
 * windows of every key that changed, all in the caller's transaction.
 */
extern void cq_window_state_merge(CqStreamOp *op, int32 query_id);

#endif /* CQSTREAM_WINDOW_STREAM_H */
