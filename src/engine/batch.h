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

/* Is q's idle flush due (an aggregate that read no rows for idle_flush)? */
extern bool cq_batch_idle_flush_due(const CqQuery *q);

#endif /* CQSTREAM_BATCH_H */
