/*-------------------------------------------------------------------------
 *
 * result_log.c
 *	  The results log: each batch's results appended to
 *	  cqstream.result_block in blocks, and announced by NOTIFY.
 *
 * Design notes
 *
 * A block is a run of consecutive results of one query, stored as the
 * JSON array of their payloads with its first and last id: one heap tuple
 * and one index entry for up to a notification's worth of results (about
 * 70 transform results), where a row per result spent more than half of a
 * transform's batch in heap and B-tree inserts.  A block is cut exactly
 * where a notification would be (CQ_NOTIFY_MAX_PAYLOAD bytes with its
 * brackets; a result too large alone gets a block of its own), so in the
 * default notify mode the block's text is the notification, built once.
 * The table compresses a block inline with lz4 (80_registry.sql): about
 * six times smaller, so a sixth of the pages to extend and of the WAL.
 *
 * The id of the n-th payload of a block (from 1) is first_id + n - 1;
 * the view cqstream.result and cqstream.results() unpack blocks that way.
 * Retention trims whole blocks and rewrites the one it cuts through
 * (retention.c), so a count limit stays exact.
 *
 * Blocks go to the heap as COPY writes rows (bulk_insert.c), a few dozen
 * at a time so their texts stay small; when the table has been altered
 * into a shape bulk_insert.c does not handle, through one INSERT
 * statement at the end (the caller is connected to SPI): results are
 * added while the source is read, as the query's owner, inside an SPI
 * statement, where no statement of our own may run.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "engine/result_log.h"

/* Blocks written to the heap at once (their texts: 32 × 8 kB) */
#define CQ_LOG_PENDING 32

/*
 * ... or fewer, once their texts hold this much: a result too large for a
 * notification gets a block of its own, as large as the result (a key of
 * megabytes), and 32 of them in memory at once multiplied a batch's input
 */
#define CQ_LOG_PENDING_BYTES (1024 * 1024)

void
cq_result_log_begin(CqResultLog *log, int32 query_id, const char *query,
					CqNotifyMode mode)
{
	static const Oid types[5] = {INT4OID, INT8OID, INT8OID, TIMESTAMPTZOID,
								 TEXTOID};
	RangeVar *rv = makeRangeVar("cqstream", "result_block", -1);
	Relation rel;

	memset(log, 0, sizeof(*log));
	log->query_id = query_id;
	log->cxt = CurrentMemoryContext;
	cq_notifier_begin(&log->notifier, query, mode);
	initStringInfo(&log->block);
	enlargeStringInfo(&log->block, CQ_NOTIFY_MAX_PAYLOAD + 1);
	appendStringInfoChar(&log->block, '[');
	log->texts = AllocSetContextCreate(CurrentMemoryContext,
									   "cqstream result blocks",
									   ALLOCSET_DEFAULT_SIZES);
	rel = table_openrv(rv, RowExclusiveLock);
	log->bulk = cq_bulk_ok(rel, types, 5);
	if (!log->bulk)
	{
		table_close(rel, NoLock);
		return;
	}
	cq_bulk_begin(&log->rows, rel);
	log->created = TimestampTzGetDatum(GetCurrentTransactionStartTimestamp());
}

/* The heap inserts of the pending blocks */
static void
WriteRows(CqResultLog *log)
{
	MemoryContext old;

	if (!log->bulk)
		return;
	/* The tuples the flush forms die with the texts */
	old = MemoryContextSwitchTo(log->texts);
	cq_bulk_flush(&log->rows);
	MemoryContextSwitchTo(old);
	MemoryContextReset(log->texts);
	log->texts_bytes = 0;
}

/* Store and announce the pending block */
static void
EndBlock(CqResultLog *log)
{
	int64 last_id = log->first_id + log->count - 1;
	text *t;

	if (log->count == 0)
		return;
	appendStringInfoChar(&log->block, ']');
	cq_notifier_block(&log->notifier, log->first_id, log->count,
					  log->block.data, log->block.len);
	t = (text *) MemoryContextAlloc(log->bulk ? log->texts : log->cxt,
									VARHDRSZ + log->block.len);
	SET_VARSIZE(t, VARHDRSZ + log->block.len);
	memcpy(VARDATA(t), log->block.data, log->block.len);
	if (log->bulk)
	{
		TupleTableSlot *slot = cq_bulk_slot(&log->rows);

		slot->tts_values[0] = Int32GetDatum(log->query_id);
		slot->tts_values[1] = Int64GetDatum(log->first_id);
		slot->tts_values[2] = Int64GetDatum(last_id);
		slot->tts_values[3] = log->created;
		slot->tts_values[4] = PointerGetDatum(t);
		memset(slot->tts_isnull, 0, 5 * sizeof(bool));
		cq_bulk_store(&log->rows);
		log->texts_bytes += VARSIZE(t);
		if (log->rows.n >= CQ_LOG_PENDING ||
			log->texts_bytes >= CQ_LOG_PENDING_BYTES)
			WriteRows(log);
	}
	else
	{
		/* kept in the caller's context until cq_result_log_end */
		if (log->nblocks == log->cap)
		{
			log->cap = Max(64, log->cap * 2);
			log->firsts = log->firsts == NULL
				? MemoryContextAlloc(log->cxt, sizeof(Datum) * log->cap)
				: repalloc(log->firsts, sizeof(Datum) * log->cap);
			log->kept = log->kept == NULL
				? MemoryContextAlloc(log->cxt, sizeof(Datum) * log->cap)
				: repalloc(log->kept, sizeof(Datum) * log->cap);
		}
		log->firsts[log->nblocks] = Int64GetDatum(log->first_id);
		log->kept[log->nblocks] = PointerGetDatum(t);
		log->nblocks++;
	}
	resetStringInfo(&log->block);
	appendStringInfoChar(&log->block, '[');
	log->count = 0;
}

void
cq_result_log_add(CqResultLog *log, int64 id, const char *payload, int len)
{
	/*
	 * A new block when this one would outgrow a notification (its items, a
	 * comma, this payload, the closing bracket) or the ids would not follow.
	 */
	if (log->count > 0 &&
		(log->block.len + 1 + len + 1 > CQ_NOTIFY_MAX_PAYLOAD ||
		 id != log->first_id + log->count))
		EndBlock(log);
	if (log->count == 0)
		log->first_id = id;
	else
		appendStringInfoChar(&log->block, ',');
	appendBinaryStringInfo(&log->block, payload, len);
	log->count++;
}

void
cq_result_log_end(CqResultLog *log)
{
	EndBlock(log);
	cq_notifier_end(&log->notifier);
	if (log->bulk)
	{
		WriteRows(log);
		cq_bulk_end(&log->rows);
		table_close(log->rows.rel, NoLock);
	}
	else if (log->nblocks > 0)
	{
		Oid types[3] = {INT4OID, INT8ARRAYOID, TEXTARRAYOID};
		Datum values[3];

		values[0] = Int32GetDatum(log->query_id);
		values[1] = PointerGetDatum(
			construct_array(log->firsts, log->nblocks, INT8OID, sizeof(int64),
							FLOAT8PASSBYVAL, TYPALIGN_DOUBLE));
		values[2] = PointerGetDatum(construct_array(log->kept, log->nblocks,
													TEXTOID, -1, false,
													TYPALIGN_INT));
		/* a block's last id: its first plus its payloads, less one */
		if (SPI_execute_with_args("INSERT INTO cqstream.result_block"
								  " (query_id, first_id, last_id, payloads)"
								  " SELECT $1, u.f,"
								  " u.f + pg_catalog.json_array_length(u.p::pg_catalog.json) - 1,"
								  " u.p FROM ROWS FROM"
								  " (pg_catalog.unnest($2::pg_catalog.int8[]),"
								  " pg_catalog.unnest($3::pg_catalog.text[]))"
								  " AS u(f, p)",
								  3, types, values, NULL, false,
								  0) != SPI_OK_INSERT)
			elog(ERROR, "cqstream: cannot log the results of \"%s\"",
				 log->notifier.query);
	}
	pfree(log->block.data);
	MemoryContextDelete(log->texts);
}

void
cq_result_log_read(int32 query_id, int64 after_id, int32 max_rows,
				   ReturnSetInfo *rsinfo)
{
	Oid argtypes[3] = {INT4OID, INT8OID, INT4OID};
	Datum values[3];
	int ret;

	values[0] = Int32GetDatum(query_id);
	values[1] = Int64GetDatum(after_id);
	values[2] = Int32GetDatum(max_rows);
	ret =
		SPI_execute_with_args("SELECT b.first_id + e.n - 1, b.created,"
							  " e.p::jsonb"
							  " FROM cqstream.result_block b CROSS JOIN LATERAL"
							  " pg_catalog.json_array_elements(b.payloads::json)"
							  " WITH ORDINALITY e(p, n)"
							  " WHERE b.query_id = $1 AND b.last_id > $2"
							  " AND b.first_id + e.n - 1 > $2"
							  " ORDER BY b.last_id, e.n LIMIT $3",
							  3, argtypes, values, NULL, true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.result_block failed: %d", ret);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		Datum row[3];
		bool nulls[3];

		for (int j = 0; j < 3; j++)
			row[j] = SPI_getbinval(SPI_tuptable->vals[i],
								   SPI_tuptable->tupdesc, j + 1, &nulls[j]);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row, nulls);
	}
}
