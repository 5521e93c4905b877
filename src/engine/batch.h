/*-------------------------------------------------------------------------
 *
 * batch.h
 *	  One batch of one query: a transform (batch_transform.c), a window
 *	  aggregate (batch_aggregate.c) or a position query
 *	  (batch_position.c), run by the worker in the query's
 *	  subtransaction (isolation.c).
 *
 * Design notes
 *
 * A batch reads the query's new source rows (source_read.c), appends its
 * results to the results log, which queues their NOTIFYs
 * (result_log.c), and advances the query's state (catalog.c), all in the
 * caller's transaction, so they commit together.  Both may raise any
 * error; the caller rolls the query's subtransaction back.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_BATCH_H
#define CQSTREAM_BATCH_H

#include "postgres.h"

#include "engine/bulk_insert.h"
#include "engine/catalog.h"
#include "engine/source_read.h"

/* Results between two resets of a batch's per-result memory */
#define CQ_CHUNK CQ_BULK_ROWS

/*
 * One batch of q over source (its quoted name); *more is set when
 * cqstream.batch_size (or an aggregate's own limit) cut the batch.
 */
extern void cq_batch_transform(CqQuery *q, const char *source, bool *more);
extern void cq_batch_aggregate(CqQuery *q, const char *source, bool *more);
extern void cq_batch_position(CqQuery *q, const char *source, bool *more);

/*
 * A batch in steps, so that several queries over one source can share
 * its read (isolation.c): begin prepares the query's batch and says how
 * to read for it (member: the value's cast, the row function) and how
 * many rows it wants; the read passes the rows; end writes the results
 * and the progress, given the rows read and the limit the read used.
 * begin returns false when the query cannot run now (an aggregate
 * waiting for ALTER EXTENSION UPDATE).
 */
typedef struct CqBatch
{
	CqSourceMember member;
	int64 limit;
	void (*end)(struct CqBatch *b, uint64 nrows, int64 limit, bool *more);
} CqBatch;

extern bool cq_batch_transform_begin(CqQuery *q, CqBatch *b);
extern bool cq_batch_aggregate_begin(CqQuery *q, CqBatch *b);

/*
 * cq_batch_run: the read and the end of n begun batches of queries that
 * can share a read (cq_source_shareable), with the smallest limit of
 * theirs; *more is set when the limit cut the read.  No read when there
 * is nothing new (an aggregate's idle flush).
 */
extern void cq_batch_run(CqBatch *batches, int n, const char *source,
						 bool *more);

/*
 * Is q's idle flush due (an aggregate or windowed position query that
 * read no rows for idle_flush)?
 */
extern bool cq_batch_idle_flush_due(const CqQuery *q);

/*
 * The window part of a batch (batch_aggregate.c), shared by window
 * aggregates and windowed position queries, whose rows are the values
 * of their lifted operation (docs/windows.md):
 *	- cq_window_batch_begin: the operator, with q's stored watermark, and
 *	  the rows to read (*limit); false when the catalog is not ready for
 *	  windows (nothing to do: the rows stay in the source);
 *	- then the caller reads at most *limit source rows in id order and
 *	  gives each value to cq_stream_row;
 *	- cq_window_batch_end: merged with the stored windows, the results
 *	  logged, the progress and the watermark saved, in the caller's
 *	  transaction.
 */
typedef struct CqWindowBatchRead
{
	int64 limit;	 /* the limit the read used */
	uint64 nrows;	 /* source rows read */
	int64 last_read; /* the last row's id */
	int64 skipped;	 /* rows skipped before the window */
	int64 late;		 /* rows late before the window (it adds its own) */
} CqWindowBatchRead;

struct CqStreamOp;
extern bool cq_window_batch_begin(CqQuery *q, struct CqStreamOp *op,
								  int64 *limit);
extern void cq_window_batch_end(CqQuery *q, struct CqStreamOp *op,
								const CqWindowBatchRead *r, bool *more);

#endif /* CQSTREAM_BATCH_H */
