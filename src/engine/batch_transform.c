/*-------------------------------------------------------------------------
 *
 * batch_transform.c
 *	  One batch of a transform: each new source row through the query's
 *	  operation chain, each result to the results log.
 *
 * Design notes
 *
 * The source's rows are transformed as the executor returns them
 * (source_read.c) and their results written in blocks as they fill
 * (result_log.c), so memory stays small whatever batch_size is.  A value
 * outside an operation's domain, or a NULL value, skips the row and is
 * counted (rows_skipped); it never stops the query.  A result's id is
 * query id * CQ_RESULT_ID_FACTOR + its sequence number, the sequence kept
 * in query_state and advanced in the batch's transaction, so ids neither
 * skip nor repeat.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "contract.h"
#include "core/operation.h"
#include "engine/batch.h"
#include "engine/notify.h"
#include "engine/result_log.h"
#include "engine/source_read.h"
#include "engine/worker.h"

/* A transform's batch, as its row function sees it */
typedef struct TransformBatch
{
	CqQuery *q;
	CqChain chain;
	CqResultLog log;
	StringInfoData payload;
	MemoryContext chunk_cxt; /* the keys' C strings */
	int64 base;
	int64 seq;
	int64 last_read;
	int64 nskipped;
	int nresults;
} TransformBatch;

static void
TransformRow(void *arg, TupleTableSlot *slot)
{
	TransformBatch *t = arg;
	CqQuery *q = t->q;
	Datum *val = slot->tts_values;
	bool *isnull = slot->tts_isnull;
	MemoryContext old;
	const char *key;
	double r;
	int failed_step;
	int64 id;

	t->last_read = isnull[0] ? q->bound : DatumGetInt64(val[0]);
	if (isnull[2] ||
		cq_chain_apply(&t->chain, DatumGetFloat8(val[2]), &r, &failed_step) !=
			CQ_DOMAIN_OK)
	{
		t->nskipped++;
		return;
	}
	id = t->base + ++t->seq;
	old = MemoryContextSwitchTo(t->chunk_cxt);
	key = isnull[3] ? NULL : TextDatumGetCString(val[3]);
	MemoryContextSwitchTo(old);
	resetStringInfo(&t->payload);
	cq_payload_transform(&t->payload, q->def.name, id,
						 q->def.key_column != NULL, key, isnull[1],
						 DatumGetTimestampTz(val[1]), r);
	cq_result_log_add(&t->log, id, t->payload.data, t->payload.len);
	if (++t->nresults % CQ_CHUNK == 0)
		MemoryContextReset(t->chunk_cxt);
}

static void
TransformEnd(CqBatch *b, uint64 nrows, int64 limit, bool *more)
{
	TransformBatch *t = b->member.arg;
	CqBatchProgress p;

	MemoryContextReset(t->chunk_cxt);
	/* Notifications are queued now, sent at commit */
	cq_result_log_end(&t->log);
	p.last_source_id = cq_source_progress(t->q, nrows, limit, t->last_read,
										  more);
	p.last_result_seq = t->seq;
	p.rows = (int64) nrows;
	p.results = t->nresults;
	p.skipped = t->nskipped;
	p.late = 0;
	p.notify_dropped = t->log.notifier.dropped;
	cq_catalog_advance(t->q, &p);
}

bool
cq_batch_transform_begin(CqQuery *q, CqBatch *b)
{
	TransformBatch *t;

	if (q->def.chain == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("query \"%s\" has no operation", q->def.name)));

	t = palloc0(sizeof(TransformBatch));
	t->q = q;
	cq_chain_parse(q->def.chain, &t->chain);
	t->base = (int64) q->def.id * CQ_RESULT_ID_FACTOR;
	t->seq = q->state.last_result_seq;
	/* The keys' C strings, reset every CQ_CHUNK results */
	t->chunk_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "cqstream chunk",
										 ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&t->payload);
	cq_result_log_begin(&t->log, q->def.id, q->def.name,
						cq_notify_mode_parse(q->def.notify));

	memset(b, 0, sizeof(*b));
	b->member.q = q;
	b->member.value_type = "pg_catalog.float8";
	b->member.fn = TransformRow;
	b->member.arg = t;
	b->limit = cq_batch_size;
	b->end = TransformEnd;
	return true;
}

void
cq_batch_transform(CqQuery *q, const char *source, bool *more)
{
	CqBatch b;

	cq_batch_transform_begin(q, &b);
	cq_batch_run(&b, 1, source, more);
}
