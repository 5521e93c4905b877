/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The per-database worker of the continuous query engine: polls the
 *	  sources of the database's queries, runs them, and logs, announces
 *	  and commits their results.
 *
 * Design notes
 *
 * One pass = one transaction.  Every cqstream.poll_interval the worker
 * starts a transaction, lists the queries that are neither paused nor
 * failed, and runs each in its own subtransaction (as PL/pgSQL runs an
 * exception block), so that an error in one query (dropped column,
 * revoked privilege) rolls back that query alone.  The error is then
 * recorded in query_state (status 'failed', last_error) in the same
 * transaction and the other queries go on.  Errors that say nothing about
 * the query (cancel, deadlock, serialization, lack of resources, lock
 * timeout) are only logged: the query runs again on the next pass.
 *
 * For one query, a pass: reads the last value of the source's id
 * sequence; asks capture.c for the safe bound (no in-flight writer can
 * still commit an id at or below it); reads the rows with
 * last_source_id < id <= bound, at most cqstream.batch_size of them, with
 * a fresh snapshot and as the query's owner (so grants and row-level
 * security hold); applies the operation chain (a value outside an
 * operation's domain, or a NULL value, skips the row and is counted);
 * appends the results to the results log in blocks (result_log.c, which
 * also queues their NOTIFYs); aggregates also merge their open windows
 * (window_stream.h, window_state.c);
 * advances query_state.  The commit makes all of it
 * visible at once, so after a crash at any point each source row has
 * contributed exactly once and result ids neither skip nor repeat.  The
 * update of query_state checks the progress it started from, so that two
 * workers (which the advisory lock below should already prevent) could
 * never both apply a batch.
 *
 * When a query was cut by batch_size the next pass starts at once; when
 * nothing is left the worker sleeps on its latch.  An idle pass costs one
 * transaction, one catalog query and one sequence read per query.
 *
 * The worker runs with search_path = pg_catalog, TimeZone = UTC (so a
 * timestamp-without-time-zone column is read as UTC), READ COMMITTED
 * (each statement, and so the source read after the safe-bound check,
 * takes a fresh snapshot) and session_replication_role = replica (no
 * per-row foreign-key check on cqstream.result_block; see cq_worker_main),
 * whatever postgresql.conf says.
 *
 * One worker per database: a session-level advisory lock (key
 * CQ_WORKER_LOCK_KEY1/2 on the database) makes a second one exit.
 *
 * Memory: TopMemoryContext holds the capture state; pass_cxt is reset
 * after every pass; query_cxt after every query.  SPI results are freed
 * as soon as they are consumed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/relation.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "tcop/tcopprot.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "engine/bulk_insert.h"
#include "engine/capture.h"
#include "engine/notify.h"
#include "engine/registry.h"
#include "engine/result_log.h"
#include "core/operation.h"
#include "engine/window_stream.h"
#include "engine/worker.h"

/* Advisory lock held by the worker of a database ("cqst", 1) */
#define CQ_WORKER_LOCK_KEY1 0x63717374
#define CQ_WORKER_LOCK_KEY2 1

/* A query as the pass sees it */
typedef struct CqQuery
{
	int32 id;
	char *name;
	Oid source;
	char *id_column;
	Oid id_sequence;
	char *time_column;
	char *value_column;
	char *key_column; /* NULL: none */
	char *chain;
	char *notify;
	Oid owner;
	int64 last_source_id;
	int64 last_result_seq;
	int64 bound; /* safe bound of this pass; -1: no sequence */
	/* aggregates (docs/windows.md) */
	bool aggregate;
	CqAggKind agg;
	CqValueType value_type;
	CqWindowSpec window;
	int64 lateness;
	bool on_update;
	int64 idle_flush; /* microseconds; 0: none */
	bool has_watermark;
	TimestampTz max_event_time;
	TimestampTz watermark;
	bool has_last_row_at;
	TimestampTz last_row_at;
	int64 batch_limit; /* rows for the next batch; 0: not known yet */
} CqQuery;

static MemoryContext pass_cxt = NULL;
static MemoryContext query_cxt = NULL;
static SPIPlanPtr list_plan = NULL;

static const char *const list_sql =
	"SELECT q.id, q.name, q.source::pg_catalog.oid, q.id_column::text,"
	" q.time_column::text, q.value_column::text, q.key_column::text,"
	" q.chain, q.options->>'notify', q.owner,"
	" s.last_source_id, s.last_result_seq, q.id_sequence::pg_catalog.oid,"
	" q.kind = 'aggregate', q.aggregation, q.value_type, q.window_kind,"
	" q.window_size, q.window_hop, q.window_offset, q.lateness,"
	" q.emit = 'on_update',"
	" (pg_catalog.date_part('epoch', (q.options->>'idle_flush')::pg_catalog.interval)"
	" * 1000000)::pg_catalog.int8,"
	" s.max_event_time, s.watermark, s.last_row_at, s.batch_limit"
	" FROM cqstream.query q JOIN cqstream.query_state s ON s.query_id = q.id"
	" WHERE NOT q.paused"
	" AND s.status IN ('registered', 'running')"
	" ORDER BY q.id";

/*
 * SpiText: column col of row 0.. as a palloc'd string in the current
 * context, or NULL.
 */
static char *
SpiText(HeapTuple tup, TupleDesc desc, int col)
{
	char *s = SPI_getvalue(tup, desc, col);

	return s;
}

static int64
SpiInt64(HeapTuple tup, TupleDesc desc, int col, int64 dflt)
{
	bool isnull;
	Datum d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? dflt : DatumGetInt64(d);
}

/*
 * LoadAggregate: the window columns of an aggregate's row of list_sql.
 * The registry validated them; they are checked again through the window
 * core's constructors since the catalog could have been edited.
 */
static void
LoadAggregate(CqQuery *q, HeapTuple tup, TupleDesc desc)
{
	char *aggname = SpiText(tup, desc, 15);
	char *vt = SpiText(tup, desc, 16);
	char *kind = SpiText(tup, desc, 17);
	int64 size = SpiInt64(tup, desc, 18, 0);
	int64 hop = SpiInt64(tup, desc, 19, 0);
	int64 offset = SpiInt64(tup, desc, 20, 0);
	bool isnull;
	Datum d;

	if (aggname == NULL || vt == NULL || kind == NULL)
		elog(ERROR, "cqstream: aggregate \"%s\" lacks its window", q->name);
	q->value_type = strcmp(vt, "text") == 0 ? CQ_VALUE_TEXT
		: strcmp(vt, "boolean") == 0		? CQ_VALUE_BOOLEAN
											: CQ_VALUE_NUMBER;
	q->agg = cq_agg_parse(aggname, q->value_type);
	if (strcmp(kind, "count") == 0)
		cq_window_count(&q->window, size, hop);
	else
		cq_window_time(&q->window,
					   strcmp(kind, "tumbling") == 0 ? CQ_WINDOW_TUMBLING
													 : CQ_WINDOW_HOPPING,
					   size, hop, offset);
	q->lateness = SpiInt64(tup, desc, 21, 0);
	q->on_update = DatumGetBool(SPI_getbinval(tup, desc, 22, &isnull)) &&
		!isnull;
	q->idle_flush = SpiInt64(tup, desc, 23, 0);
	d = SPI_getbinval(tup, desc, 24, &isnull);
	q->max_event_time = isnull ? DT_NOBEGIN : DatumGetTimestampTz(d);
	d = SPI_getbinval(tup, desc, 25, &isnull);
	q->has_watermark = !isnull;
	q->watermark = isnull ? DT_NOBEGIN : DatumGetTimestampTz(d);
	d = SPI_getbinval(tup, desc, 26, &isnull);
	q->has_last_row_at = !isnull;
	q->last_row_at = isnull ? 0 : DatumGetTimestampTz(d);
	q->batch_limit = SpiInt64(tup, desc, 27, 0);
}

/*
 * LoadQueries: the runnable queries, copied into the current memory
 * context.  Returns their number.
 */
static int
LoadQueries(CqQuery **queries)
{
	MemoryContext cxt = CurrentMemoryContext;
	CqQuery *qs;
	int n;

	if (list_plan == NULL)
	{
		/* Kept for the process; revalidated if the catalog changes */
		list_plan = SPI_prepare(list_sql, 0, NULL);
		if (list_plan == NULL || SPI_keepplan(list_plan) != 0)
			elog(ERROR, "cqstream: cannot prepare the query list");
	}
	if (SPI_execute_plan(list_plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "cqstream: cannot list queries");
	n = (int) SPI_processed;
	qs = MemoryContextAllocZero(cxt, sizeof(CqQuery) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		qs[i].id = DatumGetInt32(SPI_getbinval(tup, desc, 1, &isnull));
		qs[i].name = SpiText(tup, desc, 2);
		qs[i].source = DatumGetObjectId(SPI_getbinval(tup, desc, 3, &isnull));
		qs[i].id_column = SpiText(tup, desc, 4);
		qs[i].time_column = SpiText(tup, desc, 5);
		qs[i].value_column = SpiText(tup, desc, 6);
		qs[i].key_column = SpiText(tup, desc, 7);
		qs[i].chain = SpiText(tup, desc, 8);
		qs[i].notify = SpiText(tup, desc, 9);
		qs[i].owner = DatumGetObjectId(SPI_getbinval(tup, desc, 10, &isnull));
		qs[i].last_source_id = SpiInt64(tup, desc, 11, 0);
		qs[i].last_result_seq = SpiInt64(tup, desc, 12, 0);
		qs[i].id_sequence = DatumGetObjectId(
			SPI_getbinval(tup, desc, 13, &isnull));
		qs[i].aggregate = DatumGetBool(SPI_getbinval(tup, desc, 14, &isnull));
		if (qs[i].aggregate)
			LoadAggregate(&qs[i], tup, desc);
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	*queries = qs;
	return n;
}

/* The schema-qualified, quoted name of a source, or an error if gone */
static char *
SourceName(const CqQuery *q)
{
	char *rel = get_rel_name(q->source);
	char *nsp;

	if (rel == NULL ||
		(nsp = get_namespace_name(get_rel_namespace(q->source))) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source table of query \"%s\" does not exist",
						q->name)));
	return quote_qualified_identifier(nsp, rel);
}

/*
 * SequenceLastValue: the last value sequence seq handed out (0 if none
 * yet), read directly rather than through SPI because every poll does it
 * for every query.  Sets *ok to false, without raising, when seq is not a
 * sequence (any more); RunQuery then reports it.
 */
static int64
SequenceLastValue(Oid seq, bool *ok)
{
	LOCAL_FCINFO(fcinfo, 1);
	Relation rel;
	Datum result;

	/* Locked until the end of the pass, so it cannot vanish meanwhile */
	rel = try_relation_open(seq, AccessShareLock);
	*ok = rel != NULL && rel->rd_rel->relkind == RELKIND_SEQUENCE;
	if (rel != NULL)
		relation_close(rel, NoLock);
	if (!*ok)
		return 0;
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	result = pg_sequence_last_value(fcinfo);
	return fcinfo->isnull ? 0 : DatumGetInt64(result);
}

/* Source rows fetched, and results inserted, per round */
#define CQ_CHUNK CQ_BULK_ROWS

/*
 * Reading the source.  The rows go to the caller's function one at a time
 * from the executor (a DestReceiver), never copied into an SPI tuple
 * table: forming and copying the tuples of a cursor's chunks cost a
 * fifth of an aggregate's batch.
 */
typedef void (*SourceRowFn)(void *arg, TupleTableSlot *slot);

typedef struct SourceReceiver
{
	DestReceiver pub;
	SourceRowFn fn;
	void *arg;
	uint64 nrows;
} SourceReceiver;

static bool
SourceReceive(TupleTableSlot *slot, DestReceiver *self)
{
	SourceReceiver *r = (SourceReceiver *) self;

	slot_getallattrs(slot);
	r->nrows++;
	r->fn(r->arg, slot);
	return true;
}

static void
SourceStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
SourceShutdown(DestReceiver *self)
{
}

static void
SourceDestroy(DestReceiver *self)
{
}

/*
 * ReadSource: the rows of q's source after its progress and up to its
 * safe bound, at most limit of them, in id order, as (id, time,
 * value::value_type, key::text), each passed to fn.  Read as the query's
 * owner, so grants and row-level security hold (fn runs as the owner
 * too, in a security-restricted operation: it must only write cqstream's
 * tables directly, as bulk_insert.c does).  Returns the number of rows.
 */
static uint64
ReadSource(const CqQuery *q, const char *source, const char *value_type,
		   int64 limit, SourceRowFn fn, void *arg)
{
	StringInfoData sql;
	SourceReceiver recv;
	SPIExecuteOptions options;
	ParamListInfo params;
	Oid save_userid;
	int save_sec;
	int gucnest;
	const char *value = quote_identifier(q->value_column);
	AttrNumber att = get_attnum(q->source, q->value_column);

	/*
	 * A numeric beyond float8's range would make the cast raise, and the
	 * query fail for good on one value: read it as NULL instead (skipped
	 * and counted, as a value outside an operation's domain is).
	 */
	if (att != InvalidAttrNumber &&
		getBaseType(get_atttype(q->source, att)) == NUMERICOID)
		value = psprintf("CASE WHEN pg_catalog.abs(%s)"
						 " OPERATOR(pg_catalog.<=) 1.7976931348623157e308"
						 " OR pg_catalog.abs(%s) OPERATOR(pg_catalog.=)"
						 " 'Infinity' OR %s OPERATOR(pg_catalog.=) 'NaN'"
						 " THEN %s END",
						 value, value, value, value);

	initStringInfo(&sql);
	appendStringInfo(&sql,
					 "SELECT %s::pg_catalog.int8, %s::pg_catalog.timestamptz,"
					 " (%s)::%s, %s FROM %s"
					 " WHERE %s > $1 AND %s <= $2 ORDER BY %s LIMIT $3",
					 quote_identifier(q->id_column),
					 quote_identifier(q->time_column), value, value_type,
					 q->key_column != NULL
						 ? psprintf("%s::pg_catalog.text",
									quote_identifier(q->key_column))
						 : "NULL::pg_catalog.text",
					 source, quote_identifier(q->id_column),
					 quote_identifier(q->id_column),
					 quote_identifier(q->id_column));
	params = makeParamList(3);
	for (int i = 0; i < 3; i++)
	{
		params->params[i].ptype = INT8OID;
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	params->params[0].value = Int64GetDatum(q->last_source_id);
	params->params[1].value = Int64GetDatum(q->bound);
	params->params[2].value = Int64GetDatum(limit);

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = SourceReceive;
	recv.pub.rStartup = SourceStartup;
	recv.pub.rShutdown = SourceShutdown;
	recv.pub.rDestroy = SourceDestroy;
	recv.pub.mydest = DestNone;
	recv.fn = fn;
	recv.arg = arg;
	memset(&options, 0, sizeof(options));
	options.params = params;
	/* Not read-only: a fresh snapshot, taken after the safe-bound check */
	options.read_only = false;
	options.dest = (DestReceiver *) &recv;

	/* Read as the owner; the subtransaction's abort restores us on error */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(q->owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	/*
	 * Planned without sorting, as a function's SET clause would do: the
	 * rows past the last batch are new, so the planner has no statistics
	 * for them and would rather sort a bitmap scan than walk an index on
	 * the id column (if there is one; otherwise it still sorts).
	 */
	gucnest = NewGUCNestLevel();
	(void) set_config_option("enable_sort", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/* (with no index the sort stays, and its penalty must not start JIT) */
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (SPI_execute_extended(sql.data, &options) < 0)
		elog(ERROR, "cqstream: cannot read the source of \"%s\"", q->name);
	AtEOXact_GUC(true, gucnest);
	SetUserIdAndSecContext(save_userid, save_sec);
	pfree(sql.data);
	return recv.nrows;
}

/*
 * UpdateProgress: q's progress and counters after a batch of nrows rows
 * read with a limit of limit rows, the last one with id last_read; checks
 * that they are still those the batch started from (two workers could
 * never both apply a batch).  Sets *more when the limit cut the batch.
 */
static void
UpdateProgress(const CqQuery *q, uint64 nrows, int64 limit, int64 last_read,
			   int64 seq, int64 nresults, int64 nskipped, int64 nlate,
			   bool *more)
{
	Oid types[9];
	Datum values[9];
	/* Cut by the limit: up to the last row read; otherwise the bound */
	int64 last_id = nrows >= (uint64) limit && nrows > 0
		? last_read
		: Max(q->bound, q->last_source_id);

	*more = *more || nrows >= (uint64) limit;

	types[0] = INT4OID;
	values[0] = Int32GetDatum(q->id);
	for (int i = 1; i < 9; i++)
		types[i] = INT8OID;
	values[1] = Int64GetDatum(last_id);
	values[2] = Int64GetDatum(seq);
	values[3] = Int64GetDatum((int64) nrows);
	values[4] = Int64GetDatum(nresults);
	values[5] = Int64GetDatum(nskipped);
	values[6] = Int64GetDatum(q->last_source_id);
	values[7] = Int64GetDatum(q->last_result_seq);
	values[8] = Int64GetDatum(nlate);
	if (SPI_execute_with_args("UPDATE cqstream.query_state SET last_source_id = $2,"
							  " last_result_seq = $3, rows_processed = rows_processed + $4,"
							  " results_emitted = results_emitted + $5,"
							  " rows_skipped = rows_skipped + $6,"
							  " rows_late = rows_late + $9, status = 'running',"
							  " updated = pg_catalog.now()"
							  " WHERE query_id = $1 AND last_source_id = $7"
							  " AND last_result_seq = $8",
							  9, types, values, NULL, false,
							  0) != SPI_OK_UPDATE)
		elog(ERROR, "cqstream: cannot update the state of \"%s\"", q->name);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("progress of query \"%s\" changed concurrently",
						q->name)));
}

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
	cq_payload_transform(&t->payload, q->name, id, q->key_column != NULL, key,
						 isnull[1], DatumGetTimestampTz(val[1]), r);
	cq_result_log_add(&t->log, id, t->payload.data, t->payload.len);
	if (++t->nresults % CQ_CHUNK == 0)
		MemoryContextReset(t->chunk_cxt);
}

/*
 * RunQuery: one batch of transform q over source (its quoted name), in the
 * caller's subtransaction.  Sets *more when batch_size cut the batch.
 * May raise any error.
 *
 * The source's rows are transformed as the executor returns them and
 * their results written in blocks as they fill (result_log.c), so memory
 * stays small whatever batch_size is.
 */
static void
RunQuery(CqQuery *q, const char *source, bool *more)
{
	TransformBatch t;
	uint64 nrows;

	if (q->chain == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("query \"%s\" has no operation", q->name)));

	memset(&t, 0, sizeof(t));
	t.q = q;
	cq_chain_parse(q->chain, &t.chain);
	t.base = (int64) q->id * CQ_RESULT_ID_FACTOR;
	t.seq = q->last_result_seq;
	/* The keys' C strings, reset every CQ_CHUNK results */
	t.chunk_cxt = AllocSetContextCreate(CurrentMemoryContext, "cqstream chunk",
										ALLOCSET_DEFAULT_SIZES);
	initStringInfo(&t.payload);
	cq_result_log_begin(&t.log, q->id, q->name,
						cq_notify_mode_parse(q->notify));

	nrows = ReadSource(q, source, "pg_catalog.float8", cq_batch_size,
					   TransformRow, &t);
	MemoryContextReset(t.chunk_cxt);

	/* Notifications are queued now, sent at commit */
	cq_result_log_end(&t.log);
	UpdateProgress(q, nrows, cq_batch_size, t.last_read, t.seq, t.nresults,
				   t.nskipped, 0, more);
}

/*
 * ClampTime: a time the operator computed (it may fall outside the
 * timestamp range, as a window's end near the end of time) as a storable
 * timestamptz: -infinity or infinity beyond the range, which read back
 * order the same way, so a stored watermark never moves back.
 */
static TimestampTz
ClampTime(TimestampTz t)
{
	if (t < MIN_TIMESTAMP)
		return DT_NOBEGIN;
	if (t >= END_TIMESTAMP)
		return DT_NOEND;
	return t;
}

/* Is q's idle flush due (no rows read for idle_flush)? */
static bool
IdleFlushDue(const CqQuery *q)
{
	return q->aggregate && q->idle_flush > 0 && q->has_last_row_at &&
		GetCurrentTimestamp() - q->last_row_at >= q->idle_flush;
}

/*
 * LogWindowResults: the operator's results, in their order, to the
 * results log (and so to NOTIFY).  Returns the last result sequence.
 */
static int64
LogWindowResults(CqQuery *q, CqStreamOp *op, int64 seq)
{
	int64 base = (int64) q->id * CQ_RESULT_ID_FACTOR;
	CqResultLog log;
	StringInfoData payload;
	MemoryContext cxt;
	MemoryContext old;

	cq_result_log_begin(&log, q->id, q->name, cq_notify_mode_parse(q->notify));
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
		cq_payload_window(&payload, q->name, id, q->key_column != NULL,
						  r->key ? text_to_cstring(r->key) : NULL, r->start,
						  r->end, q->agg, r->value, r->count, r->final);
		MemoryContextSwitchTo(old);
		cq_result_log_add(&log, id, payload.data, payload.len);
		if ((i + 1) % CQ_CHUNK == 0)
			MemoryContextReset(cxt);
	}
	MemoryContextDelete(cxt);
	pfree(payload.data);
	/* Notifications are queued now, sent at commit */
	cq_result_log_end(&log);
	return seq;
}

/* An aggregate's batch, as its row function sees it */
typedef struct AggregateBatch
{
	CqQuery *q;
	CqStreamOp *op;
	int64 last_read;
	int64 nskipped;
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
	if (q->value_type == CQ_VALUE_NUMBER)
		v = DatumGetFloat8(val[2]);
	else if (q->value_type == CQ_VALUE_BOOLEAN)
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
 * RunAggregate: one batch of window aggregate q (docs/windows.md), in the
 * caller's subtransaction: the rows in id order (the operator records
 * each row's watermark), then key by key merged with the stored windows
 * (window_state.c), then the results in the order their windows closed;
 * state, results and progress commit together.
 */
static void
RunAggregate(CqQuery *q, const char *source, bool *more)
{
	const char *cast = q->value_type == CQ_VALUE_TEXT ? "pg_catalog.text"
		: q->value_type == CQ_VALUE_BOOLEAN			  ? "pg_catalog.bool"
													  : "pg_catalog.float8";
	int64 last_read = 0;
	int64 nskipped = 0;
	int64 seq;
	int64 limit = cq_batch_size;
	uint64 nrows = 0;
	CqStreamOp op;
	AggregateBatch ab = {0};
	bool flushed = false;
	Oid types[6] = {INT4OID,		TIMESTAMPTZOID, TIMESTAMPTZOID,
					TIMESTAMPTZOID, INT4OID,		INT8OID};
	Datum values[6];
	char nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};
	int64 next_limit;

	/* Set by the previous batch; none yet: a probe of CQ_AGG_RESULTS rows */
	limit = Min(limit, q->batch_limit > 0 ? q->batch_limit : CQ_AGG_RESULTS);

	cq_stream_init(&op, &q->window, q->agg, q->lateness, q->on_update);
	op.max_time = q->max_event_time;
	op.watermark = q->watermark;

	/* 1: the rows in id order */
	ab.q = q;
	ab.op = &op;
	if (q->bound > q->last_source_id)
		nrows = ReadSource(q, source, cast, limit, AggregateRow, &ab);
	last_read = ab.last_read;
	nskipped = ab.nskipped;

	/* 2 and 3: by key, merged with the stored windows */
	cq_stream_sort(&op);
	if (nrows == 0 && IdleFlushDue(q))
	{
		cq_stream_idle_flush(&op);
		flushed = true;
	}
	cq_window_state_merge(&op, q->id);
	if (flushed)
		cq_stream_idle_done(&op);

	/* 4: the results */
	cq_stream_sort_results(&op);
	seq = LogWindowResults(q, &op, q->last_result_seq);

	UpdateProgress(q, nrows, limit, last_read, seq, op.nres, nskipped,
				   op.nlate, more);

	/* The watermark, and when rows were last read (for the idle flush) */
	values[0] = Int32GetDatum(q->id);
	values[1] = TimestampTzGetDatum(ClampTime(op.max_time));
	values[2] = TimestampTzGetDatum(ClampTime(op.watermark));
	values[3] = TimestampTzGetDatum(GetCurrentTimestamp());
	/* 1: rows were read; 2: flushed, nothing left to flush; 0: neither */
	values[4] = Int32GetDatum(nrows > 0 ? 1 : flushed ? 2 : 0);
	/*
	 * The next batch's rows: about CQ_AGG_RESULTS results at this batch's
	 * results per row; twice as many rows when it had no result.
	 */
	next_limit = limit;
	if (op.nres > 0)
		next_limit = (int64) ((double) CQ_AGG_RESULTS * nrows / op.nres);
	else if (nrows >= (uint64) limit)
		next_limit = limit * 2;
	values[5] = Int64GetDatum(Min(Max(next_limit, CQ_CHUNK), cq_batch_size));
	if (SPI_execute_with_args("UPDATE cqstream.query_state SET max_event_time = $2,"
							  " watermark = $3, last_row_at = CASE $5"
							  " WHEN 1 THEN $4 WHEN 2 THEN NULL"
							  " ELSE last_row_at END, batch_limit = $6"
							  " WHERE query_id = $1",
							  6, types, values, nulls, false,
							  0) != SPI_OK_UPDATE)
		elog(ERROR, "cqstream: cannot update the watermark of \"%s\"",
			 q->name);
}

/* Errors that say nothing about the query: retry on the next pass */
static bool
IsTransientError(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_QUERY_CANCELED ||
		sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_TRANSACTION_ROLLBACK ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_INSUFFICIENT_RESOURCES;
}

/* Record that query q failed with message */
static void
MarkFailed(CqQuery *q, const char *message)
{
	Oid types[2] = {INT4OID, TEXTOID};
	Datum values[2];

	values[0] = Int32GetDatum(q->id);
	values[1] = CStringGetTextDatum(message);
	if (SPI_execute_with_args("UPDATE cqstream.query_state SET status = 'failed',"
							  " last_error = $2, last_error_at = pg_catalog.now(),"
							  " updated = pg_catalog.now() WHERE query_id = $1",
							  2, types, values, NULL, false,
							  0) != SPI_OK_UPDATE)
		elog(ERROR, "cqstream: cannot record the failure of \"%s\"", q->name);
}

/*
 * RunQueryIsolated: RunQuery in a subtransaction; on error roll it back
 * and record the failure, as PL/pgSQL's exception blocks do.
 */
static void
RunQueryIsolated(CqQuery *q, bool *more)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(query_cxt);
	PG_TRY();
	{
		/* The source is gone (42P01), or its id sequence */
		char *source = SourceName(q);

		if (q->bound < 0)
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("id sequence of query \"%s\" does not exist",
							q->name)));
		/*
		 * The owner's rights read the source.  A role can be dropped
		 * under a query (the catalog does not record the dependency):
		 * then say so, rather than fail on whatever it trips over.
		 */
		if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(q->owner)))
			ereport(ERROR,
					(errcode(ERRCODE_UNDEFINED_OBJECT),
					 errmsg("owner of query \"%s\" (role with OID %u) no "
							"longer exists",
							q->name, q->owner),
					 errhint("Drop the query, or create it again as an "
							 "existing role.")));
		if (q->aggregate)
			RunAggregate(q, source, more);
		else
			RunQuery(q, source, more);
		ReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(old);
		CurrentResourceOwner = oldowner;
	}
	PG_CATCH();
	{
		ErrorData *edata;

		MemoryContextSwitchTo(old);
		edata = CopyErrorData();
		FlushErrorState();
		RollbackAndReleaseCurrentSubTransaction();
		MemoryContextSwitchTo(old);
		CurrentResourceOwner = oldowner;

		if (IsTransientError(edata->sqlerrcode))
			ereport(LOG,
					(errmsg("cqstream: query \"%s\" will be retried: %s",
							q->name, edata->message)));
		else
		{
			ereport(WARNING,
					(errmsg("cqstream: query \"%s\" failed: %s", q->name,
							edata->message)));
			MarkFailed(q, edata->message);
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextReset(query_cxt);
}

/*
 * LockExtension: true if the extension exists, locked against DROP
 * EXTENSION until the end of the transaction (which otherwise could remove
 * the catalog between this check and the pass's first query).
 */
static bool
LockExtension(void)
{
	Oid ext = get_extension_oid("cqstream", true);

	if (!OidIsValid(ext))
		return false;
	LockDatabaseObject(ExtensionRelationId, ext, 0, AccessShareLock);
	/* Dropped while we waited for the lock? */
	return get_extension_oid("cqstream", true) == ext;
}

/*
 * RunPass: one transaction over every runnable query.  Returns true when
 * some query has more rows waiting.  Exits the process when the extension
 * is gone from the database.
 */
static bool
RunPass(void)
{
	CqQuery *queries;
	int n;
	bool more = false;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	if (!LockExtension())
	{
		CommitTransactionCommand();
		ereport(LOG, (errmsg("cqstream worker: extension dropped, exiting")));
		proc_exit(0);
	}
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cqstream: poll");

	MemoryContextSwitchTo(pass_cxt);
	n = LoadQueries(&queries);
	for (int i = 0; i < n; i++)
	{
		CqQuery *q = &queries[i];
		bool ok;
		int64 last = SequenceLastValue(q->id_sequence, &ok);
		char kind = get_rel_relkind(q->source);

		/* The cheap check: no subtransaction when there is nothing new */
		q->bound = -1;
		if (ok &&
			(kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE))
		{
			q->bound = cq_capture_safe_bound(q->source, last);
			if (q->bound <= q->last_source_id && !IdleFlushDue(q))
				continue;
		}
		RunQueryIsolated(q, &more);
	}

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextReset(pass_cxt);
	return more;
}

/*
 * TrimResults: apply each query's retention to the results log, in a
 * transaction of its own.
 */
static void
TrimResults(void)
{
	int gucnest;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cqstream: retention");
	/*
	 * Walk the primary key, never the whole log: the log is mostly
	 * results to keep and dead space, and the planner, which has no
	 * statistics on the newest results, would rather scan it all.  No JIT
	 * for these small statements (the penalty would trigger it).
	 */
	gucnest = NewGUCNestLevel();
	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/*
	 * The bounds are computed once per query (MATERIALIZED: a pulled-up
	 * subquery would be evaluated for every block), then each DELETE is a
	 * range of the primary key.  A count limit deletes the blocks before
	 * the bound and rewrites the one the bound cuts through with its
	 * results after it (the delete runs first, so the rewritten block may
	 * take its key); the queries are key-share locked, so that a
	 * concurrent drop_query waits rather than cascade past the rewritten
	 * block.  Blocks are created in id order, so the first one
	 * young enough to keep is found by walking the key from the oldest.
	 */
	if (SPI_execute(
			"WITH u AS MATERIALIZED ("
			" SELECT q.id, q.id::int8 * " CppAsString2(
				CQ_RESULT_ID_FACTOR) " + s.last_result_seq"
									 " - (q.options->>'retention_rows')::int8 AS upto"
									 " FROM cqstream.query q"
									 " JOIN cqstream.query_state s ON s.query_id = q.id"
									 " WHERE (q.options->>'retention_rows')::int8 > 0"
									 " FOR KEY SHARE OF q),"
									 " t AS MATERIALIZED (SELECT u.id, u.upto,"
									 " coalesce((SELECT x.last_id FROM cqstream.result_block x"
									 " WHERE x.query_id = u.id AND x.last_id > u.upto"
									 " ORDER BY x.last_id LIMIT 1), u.upto) AS cut_last FROM u),"
									 " cut AS (DELETE FROM cqstream.result_block r USING t"
									 " WHERE r.query_id = t.id AND r.last_id <= t.cut_last"
									 " AND r.first_id <= t.upto"
									 " RETURNING r.*, t.upto)"
									 " INSERT INTO cqstream.result_block"
									 " (query_id, first_id, last_id, created, payloads)"
									 " SELECT c.query_id, c.upto + 1, c.last_id, c.created,"
									 " (SELECT '[' || string_agg(e.p::text, ',' ORDER BY e.n) || ']'"
									 " FROM json_array_elements(c.payloads::json)"
									 " WITH ORDINALITY e(p, n)"
									 " WHERE c.first_id + e.n - 1 > c.upto)"
									 " FROM cut c WHERE c.last_id > c.upto",
			false, 0) != SPI_OK_INSERT ||
		SPI_execute("WITH t AS MATERIALIZED ("
					" SELECT q.id, coalesce((SELECT x.first_id"
					" FROM cqstream.result_block x"
					" WHERE x.query_id = q.id AND x.created >= pg_catalog.now()"
					" - (q.options->>'retention_age')::interval"
					" ORDER BY x.last_id LIMIT 1), 9223372036854775807) AS keep_from"
					" FROM cqstream.query q"
					" WHERE q.options->>'retention_age' IS NOT NULL)"
					" DELETE FROM cqstream.result_block r USING t"
					" WHERE r.query_id = t.id AND r.last_id < t.keep_from",
					false, 0) != SPI_OK_DELETE)
		elog(ERROR, "cqstream: cannot trim the results log");
	AtEOXact_GUC(true, gucnest);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}

/*
 * TakeWorkerLock: the session advisory lock that makes this the only
 * worker of the database; false if another one holds it.
 */
static bool
TakeWorkerLock(void)
{
	LOCKTAG tag;

	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, CQ_WORKER_LOCK_KEY1,
						 CQ_WORKER_LOCK_KEY2, 2);
	return LockAcquire(&tag, ExclusiveLock, true, true) !=
		LOCKACQUIRE_NOT_AVAIL;
}

void
cq_worker_main(Datum arg)
{
	Oid dboid = DatumGetObjectId(arg);
	TimestampTz last_trim;
	bool have_ext;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/*
	 * A database dropped since the launcher saw it makes this FATAL; the
	 * launcher forgets it on its next scan.
	 */
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("TimeZone", "UTC", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_isolation", "read committed",
					PGC_SUSET, PGC_S_OVERRIDE);
	/*
	 * The worker writes only cqstream's own tables.  As a replica it skips
	 * the foreign-key check of each result row (a query-table lookup per
	 * row, the largest cost of a batch); the query_state update of the
	 * same subtransaction fails if the query was dropped meanwhile.
	 */
	SetConfigOption("session_replication_role", "replica", PGC_SUSET,
					PGC_S_OVERRIDE);

	StartTransactionCommand();
	have_ext = OidIsValid(get_extension_oid("cqstream", true));
	if (have_ext && !TakeWorkerLock())
	{
		CommitTransactionCommand();
		proc_exit(0); /* another worker serves this database */
	}
	if (have_ext)
		ereport(LOG,
				(errmsg("cqstream worker started for database \"%s\"",
						get_database_name(dboid))));
	CommitTransactionCommand();
	if (!have_ext)
		proc_exit(0); /* the launcher looks again later */

#ifdef __GLIBC__
	/*
	 * Keep freed memory in the process rather than returning it to the
	 * kernel after every batch: each batch allocates and frees tens of
	 * megabytes (pending notifications, tuples), and faulting fresh pages
	 * back in cost about a tenth of a batch.  The worker's footprint
	 * stays at its largest batch's.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif

	pass_cxt = AllocSetContextCreate(TopMemoryContext, "cqstream pass",
									 ALLOCSET_DEFAULT_SIZES);
	query_cxt = AllocSetContextCreate(TopMemoryContext, "cqstream query",
									  ALLOCSET_DEFAULT_SIZES);
	cq_capture_reset();
	last_trim = GetCurrentTimestamp();

	for (;;)
	{
		bool more;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		more = RunPass();

		if (TimestampDifferenceExceeds(last_trim, GetCurrentTimestamp(),
									   CQ_RETENTION_INTERVAL_MS))
		{
			TrimResults();
			last_trim = GetCurrentTimestamp();
		}

		if (more)
			continue;
		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 cq_poll_interval, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}
