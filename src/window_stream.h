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
 * and the aggregation state.  window.c's sweep needs time-ordered input;
 * a stream does not give that, so this operator keeps the open windows of
 * every key instead: a key table (open addressing over the key's bytes)
 * whose entries hold small arrays of open windows.  Assignment, folding
 * and final values are window.c's, so a continuous query and
 * cqstream.window_aggregate agree on the same instants.
 *
 * The operator lives for one batch of one query: the worker loads the
 * open windows from cqstream.window_state (cq_stream_load_window), feeds
 * the batch's rows, and stores what is still open (cq_stream_foreach).
 * Results go to the caller's emit function, in a deterministic order.
 * Nothing here raises, except out-of-memory.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WINDOW_STREAM_H
#define CQSTREAM_WINDOW_STREAM_H

#include "postgres.h"

#include "window.h"

/* A set of strings (COUNT_DISTINCT) or a map from strings to keys */
typedef struct CqStrTable
{
	int size;	/* slots, a power of two; 0: empty */
	int count;	/* used slots */
	void **ent; /* entries (the caller's), NULL: free */
	uint32 *hash;
} CqStrTable;

/* One open window of one key */
typedef struct CqStreamWindow
{
	int64 wstart;	  /* start (time windows) or number (count windows) */
	TimestampTz tmin; /* smallest and largest event time of its rows */
	TimestampTz tmax;
	CqAggState st;
	CqStrTable distinct; /* COUNT_DISTINCT: the distinct values (text *) */
	int64 emitted_count; /* on_update: what was last reported (0: none) */
	double emitted_value;
	bool changed; /* folded into since the batch began */
	bool closed;
} CqStreamWindow;

typedef struct CqStreamKey
{
	text *key; /* NULL: the NULL key */
	uint32 hash;
	int64 nrows; /* count windows: rows of this key so far */
	int nwin;
	int cap;
	CqStreamWindow *win; /* open windows, in no particular order */
} CqStreamKey;

/* What the emit function receives */
typedef struct CqStreamResult
{
	const CqStreamKey *key;
	TimestampTz start;
	TimestampTz end;
	double value; /* the aggregation's value (COUNT_DISTINCT: the number) */
	int64 count;  /* rows folded in */
	bool final;
} CqStreamResult;

typedef void (*CqStreamEmitFn)(void *arg, const CqStreamResult *r);

typedef struct CqStreamOp
{
	CqWindowSpec spec;
	CqAggKind agg;
	int64 lateness;			/* microseconds */
	TimestampTz max_time;	/* largest event time seen; DT_NOBEGIN: none */
	TimestampTz watermark;	/* DT_NOBEGIN: none */
	TimestampTz next_close; /* smallest end of an open time window */
	CqStrTable keys;		/* CqStreamKey * by key bytes */
	CqStreamKey *null_key;
	int64 nopen; /* open windows */
	TimestampTz *starts;
	CqStreamEmitFn emit;
	void *arg;
} CqStreamOp;

extern void cq_stream_init(CqStreamOp *op, const CqWindowSpec *w,
						   CqAggKind agg, int64 lateness, CqStreamEmitFn emit,
						   void *arg);

/* The key of these bytes (isnull: the NULL key), made if new */
extern CqStreamKey *cq_stream_key(CqStreamOp *op, const char *key, int len,
								  bool isnull);

/* Loading: a stored open window of key k (no emit, no checks) */
extern CqStreamWindow *cq_stream_load_window(CqStreamOp *op, CqStreamKey *k,
											 int64 wstart);
extern void cq_stream_load_distinct(CqStreamWindow *w, const char *val,
									int len);

/*
 * A row: folds value v (numbers; booleans as 1/0), or val/len (text) into
 * the row's windows of key k that are still open.  Returns false when the
 * row was late (folded into none of its windows).  Then moves the
 * watermark and emits the windows it closes.
 */
extern bool cq_stream_add(CqStreamOp *op, CqStreamKey *k, TimestampTz t,
						  double v, const char *val, int len);

/* on_update: a non-final result for every open window changed this batch */
extern void cq_stream_emit_updates(CqStreamOp *op);

/* Idle flush: the watermark jumps to the end of the latest open window */
extern void cq_stream_flush_all(CqStreamOp *op);

/* Every open window, for storing */
typedef void (*CqStreamVisitFn)(void *arg, const CqStreamKey *k,
								const CqStreamWindow *w);
extern void cq_stream_foreach(CqStreamOp *op, CqStreamVisitFn fn, void *arg);

/* The distinct values of a COUNT_DISTINCT window, for storing */
extern int cq_stream_distinct_values(const CqStreamWindow *w, text **out);

/*
 * Persistence (window_state.c), inside SPI: load the open windows of a
 * query into a fresh operator; replace them by the operator's.
 */
extern void cq_window_state_load(CqStreamOp *op, int32 query_id);
extern void cq_window_state_store(CqStreamOp *op, int32 query_id);

#endif /* CQSTREAM_WINDOW_STREAM_H */
