/*-------------------------------------------------------------------------
 *
 * batch_aggregate.c
 *	  One batch of a window aggregate (docs/windows.md): the new source
 *	  rows through the window operator (window_stream.c), merged with the
 *	  query's stored open windows (window_state.c), the closed windows'
 *	  results to the results log.
 *
 * Design notes
 *
 * Memory depends on the batch, never on the number of keys or open
 * windows: a batch holds at most batch_size rows and, once the query's
 * results per row are known, about CQ_AGG_RESULTS results, which bounds
 * its pending NOTIFYs too (query_state.batch_limit carries the rows for
 * the next batch).  The watermark, the largest event time and when rows
 * were last read (for the idle flush) are stored with the progress.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/namespace.h"
#include "commands/dbcommands.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "contract.h"
#include "engine/batch.h"
#include "engine/notify.h"
#include "engine/result_log.h"
#include "engine/source_read.h"
#include "engine/window_stream.h"
#include "engine/worker.h"

bool
cq_batch_idle_flush_due(const CqQuery *q)
{
	return (q->def.aggregate || q->def.windowed) && q->def.idle_flush > 0 &&
		q->state.has_last_row_at &&
		GetCurrentTimestamp() - q->state.last_row_at >= q->def.idle_flush;
}

/*
 * LogWindowResults: the operator's results, in their order, to the
 * results log (and so to NOTIFY).  Returns the last result sequence;
 * *dropped: the notifications the queue had no room for.
 */
static int64
LogWindowResults(CqQuery *q, CqStreamOp *op, int64 seq, int64 *dropped)
{
	int64 base = (int64) q->def.id * CQ_RESULT_ID_FACTOR;
	CqResultLog log;
	StringInfoData payload;
	MemoryContext cxt;
	MemoryContext old;

	cq_result_log_begin(&log, q->def.id, q->def.name,
						cq_notify_mode_parse(q->def.notify));
	/* The keys' C strings, reset every CQ_CHUNK results */
	cxt = AllocSetContextCreate(CurrentMemoryContext, "cqstream chunk",
								ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&payload);
	for (int64 i = 0; i < op->nres; i++)
	{
		const CqStreamResult *r = &op->res[i];
		int64 id = base + ++seq;

		old = MemoryContextSwitchTo(cxt);
		resetStringInfo(&payload);
		cq_payload_window(&payload, q->def.name, id, q->def.key_column != NULL,
						  r->key ? text_to_cstring(r->key) : NULL, r->start,
						  r->end, q->def.agg, r->value, r->count, r->final);
		MemoryContextSwitchTo(old);
		cq_result_log_add(&log, id, payload.data, payload.len);
		if ((i + 1) % CQ_CHUNK == 0)
			MemoryContextReset(cxt);
	}
	MemoryContextDelete(cxt);
	pfree(payload.data);
	/* Notifications are queued now, sent at commit */
	cq_result_log_end(&log);
	*dropped = log.notifier.dropped;
	return seq;
}

/* An aggregate's batch, as its row function sees it */
typedef struct AggregateBatch
{
	CqQuery *q;
	CqStreamOp *op;
	int64 last_read;
	int64 nskipped;
	CqStreamOp op_data;
} AggregateBatch;

static void
AggregateRow(void *arg, TupleTableSlot *slot)
{
	AggregateBatch *ab = arg;
	CqQuery *q = ab->q;
	Datum *val = slot->tts_values;
	bool *isnull = slot->tts_isnull;
	TimestampTz time = DatumGetTimestampTz(val[1]);
	text *kt = isnull[3] ? NULL : DatumGetTextPP(val[3]);
	text *vt = NULL;
	double v = 0;

	ab->last_read = isnull[0] ? q->bound : DatumGetInt64(val[0]);
	/* An infinite time is in no window (and would end them all) */
	if (isnull[1] || isnull[2] || TIMESTAMP_NOT_FINITE(time))
	{
		ab->nskipped++;
		return;
	}
	if (q->def.value_type == CQ_VALUE_NUMBER)
		v = DatumGetFloat8(val[2]);
	else if (q->def.value_type == CQ_VALUE_BOOLEAN)
		v = DatumGetBool(val[2]) ? 1.0 : 0.0;
	else
		vt = DatumGetTextPP(val[2]);
	cq_stream_row(ab->op, kt ? VARDATA_ANY(kt) : NULL,
				  kt ? VARSIZE_ANY_EXHDR(kt) : 0, isnull[3], time, v,
				  vt ? VARDATA_ANY(vt) : NULL, vt ? VARSIZE_ANY_EXHDR(vt) : 0);
}

/*
 * Rows per batch of an aggregate: batch_size, or fewer when its results
 * are many (as with many keys and small windows), so that a transaction
 * holds about CQ_AGG_RESULTS results and its pending NOTIFYs and results
 * stay small in memory whatever the number of keys.  Each batch sets the
 * next one's rows from its own results per row (query_state.batch_limit).
 */
#define CQ_AGG_RESULTS 10000

/*
 * The next batch's rows: about CQ_AGG_RESULTS results at this batch's
 * results per row; twice as many rows when it had no result; within
 * CQ_CHUNK .. batch_size, less the rows' worth of memory this batch's
 * keys took (key_bytes), so that rows and keys together stay within what
 * batch_size rows take: with 10,000 keys they were a fifth more.
 */
static int64
NextLimit(int64 limit, uint64 nrows, int64 nres, Size key_bytes)
{
	int64 next_limit = limit;
	int64 max_rows = cq_batch_size - (int64) (key_bytes / sizeof(CqBatchRow));

	if (nres > 0)
		next_limit = (int64) ((double) CQ_AGG_RESULTS * nrows / nres);
	else if (nrows >= (uint64) limit)
		next_limit = limit * 2;
	return Max(Min(next_limit, max_rows), Min(CQ_CHUNK, cq_batch_size));
}

/*
 * Is the catalog the library's?  Open windows live in chunks since 0.2.0
 * (window_state.c).  Between installing 0.2.0 and ALTER EXTENSION cqstream
 * UPDATE, the 0.1.0 catalog keeps a row per window, which this library
 * does not write: aggregates wait (their rows stay in the source, nothing
 * is lost or repeated) while transforms go on; said once per worker.
 */
static bool
WindowChunksReady(void)
{
	static bool warned = false;
	Oid nsp = get_namespace_oid("cqstream", true);

	if (OidIsValid(nsp) && OidIsValid(get_relname_relid("window_chunk", nsp)))
		return true;
	if (!warned)
		ereport(WARNING,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg(
					 "cqstream: aggregate queries wait until the extension is updated"),
				 errdetail("The library is newer than the extension's catalog in database \"%s\".",
						   get_database_name(MyDatabaseId)),
				 errhint(
					 "Run ALTER EXTENSION cqstream UPDATE in that database.")));
	warned = true;
	return false;
}

/*
 * cq_window_batch_end: after the rows in id order (the operator records
 * each row's watermark), key by key merged with the stored windows
 * (window_state.c), then the results in the order their windows closed;
 * state, results and progress commit together.
 */
void
cq_window_batch_end(CqQuery *q, CqStreamOp *op, const CqWindowBatchRead *r,
					bool *more)
{
	CqBatchProgress p;
	bool flushed = false;

	/* 2 and 3: by key, merged with the stored windows */
	cq_stream_sort(op);
	if (r->nrows == 0 && cq_batch_idle_flush_due(q))
	{
		cq_stream_idle_flush(op);
		flushed = true;
	}
	cq_window_state_merge(op, q->def.id);
	if (flushed)
		cq_stream_idle_done(op);

	/* 4: the results */
	cq_stream_sort_results(op);
	p.last_result_seq = LogWindowResults(q, op, q->state.last_result_seq,
										 &p.notify_dropped);

	p.last_source_id = cq_source_progress(q, r->nrows, r->limit, r->last_read,
										  more);
	p.rows = (int64) r->nrows;
	p.results = op->nres;
	p.skipped = r->skipped;
	p.late = r->late + op->nlate;
	cq_catalog_advance(q, &p);

	/* The watermark, and when rows were last read (for the idle flush) */
	cq_catalog_save_windows(q, op->max_time, op->watermark,
							r->nrows > 0  ? CQ_LAST_ROW_NOW
								: flushed ? CQ_LAST_ROW_CLEAR
										  : CQ_LAST_ROW_KEEP,
							NextLimit(r->limit, r->nrows, op->nres,
									  cq_stream_key_bytes(op)));
}

static void
AggregateEnd(CqBatch *b, uint64 nrows, int64 limit, bool *more)
{
	AggregateBatch *ab = b->member.arg;
	CqWindowBatchRead r = {0};

	r.limit = limit;
	r.nrows = nrows;
	r.last_read = ab->last_read;
	r.skipped = ab->nskipped;
	cq_window_batch_end(ab->q, ab->op, &r, more);
}

bool
cq_window_batch_begin(CqQuery *q, CqStreamOp *op, int64 *limit)
{
	if (!WindowChunksReady())
		return false;

	/*
	 * Set by the previous batch; none yet: a probe of CQ_AGG_RESULTS
	 * windows' worth of rows (each row falls in up to overlap windows)
	 */
	*limit = Min(cq_batch_size,
				 q->state.batch_limit > 0
					 ? q->state.batch_limit
					 : Max(CQ_AGG_RESULTS / q->def.window.overlap, 100));

	cq_stream_init(op, &q->def.window, q->def.agg, q->def.lateness,
				   q->def.on_update);
	op->max_time = q->state.max_event_time;
	op->watermark = q->state.watermark;
	return true;
}

bool
cq_batch_aggregate_begin(CqQuery *q, CqBatch *b)
{
	AggregateBatch *ab = palloc0(sizeof(AggregateBatch));

	memset(b, 0, sizeof(*b));
	ab->q = q;
	ab->op = &ab->op_data;
	if (!cq_window_batch_begin(q, ab->op, &b->limit))
	{
		pfree(ab);
		return false;
	}
	b->member.q = q;
	b->member.value_type = q->def.value_type == CQ_VALUE_TEXT
		? "pg_catalog.text"
		: q->def.value_type == CQ_VALUE_BOOLEAN ? "pg_catalog.bool"
												: "pg_catalog.float8";
	b->member.fn = AggregateRow;
	b->member.arg = ab;
	b->end = AggregateEnd;
	return true;
}

void
cq_batch_aggregate(CqQuery *q, const char *source, bool *more)
{
	CqBatch b;

	/* (not *more = false: that is the pass's, for every query) */
	if (!cq_batch_aggregate_begin(q, &b))
		return;
	cq_batch_run(&b, 1, source, more);
}
