/*-------------------------------------------------------------------------
 *
 * window_state.c
 *	  Persistence of the window operator's open windows in
 *	  cqstream.window_state (docs/windows.md).
 *
 * Design notes
 *
 * The operator's batch is sorted by key (window_stream.h); the query's
 * stored windows are read through a cursor in the same order (an index on
 * (query_id, key COLLATE "C" NULLS FIRST, wstart)), and the two are merged
 * key by key, so only one key's windows are in memory at a time, however
 * many keys and open windows a query has.  A key whose windows changed
 * (rows folded, windows closed) has its stored rows deleted (by ctid,
 * after the merge) and its open windows inserted again through
 * bulk_insert.c; the others are not touched.  All of it happens in the
 * batch's transaction, so state, progress and results commit (or vanish)
 * together.  Must run inside SPI, as the extension's owner or a
 * superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "engine/bulk_insert.h"
#include "engine/window_stream.h"

#define WS_NATTS 14
#define WS_FETCH 1000

static const Oid ws_types[WS_NATTS] = {INT4OID,		   TEXTOID,
									   INT8OID,		   TIMESTAMPTZOID,
									   TIMESTAMPTZOID, INT8OID,
									   INT8OID,		   FLOAT8OID,
									   FLOAT8OID,	   FLOAT8OID,
									   BOOLOID,		   TEXTARRAYOID,
									   INT8OID,		   FLOAT8OID};

typedef struct Merge
{
	CqStreamOp *op;
	int32 query_id;
	bool distinct;
	CqBulkInsert bulk;
	MemoryContext row_cxt; /* values of pending inserts; reset at flushes */
	/* tids of stored windows to delete */
	ItemPointerData *dead;
	int64 ndead;
	int64 dead_cap;
	/* the state cursor's current chunk */
	Portal portal;
	SPITupleTable *tuptable;
	uint64 ntup;
	uint64 next;
	bool done;
} Merge;

/* The current stored row, or NULL at the end (fetching as needed) */
static HeapTuple
StateRow(Merge *m)
{
	if (m->next < m->ntup)
		return m->tuptable->vals[m->next];
	if (m->done)
		return NULL;
	if (m->tuptable)
		SPI_freetuptable(m->tuptable);
	SPI_cursor_fetch(m->portal, true, WS_FETCH);
	m->tuptable = SPI_tuptable;
	m->ntup = SPI_processed;
	m->next = 0;
	if (m->ntup < WS_FETCH)
		m->done = true;
	return m->ntup > 0 ? m->tuptable->vals[0] : NULL;
}

static text *
StateKey(Merge *m, HeapTuple tup)
{
	bool isnull;
	Datum d = SPI_getbinval(tup, m->tuptable->tupdesc, 2, &isnull);

	return isnull ? NULL : DatumGetTextPP(d);
}

/* Load stored row tup into the operator's current key */
static void
LoadRow(Merge *m, HeapTuple tup)
{
	TupleDesc desc = m->tuptable->tupdesc;
	CqStreamOp *op = m->op;
	CqStreamWindow *w;
	bool isnull;
	Datum d;
	/* detoasted arrays die with the key */
	MemoryContext old = MemoryContextSwitchTo(op->key_cxt);

	w = cq_stream_load_window(op,
							  DatumGetInt64(
								  SPI_getbinval(tup, desc, 3, &isnull)));
	w->tmin = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
	w->tmax = DatumGetTimestampTz(SPI_getbinval(tup, desc, 5, &isnull));
	w->st.count = DatumGetInt64(SPI_getbinval(tup, desc, 7, &isnull));
	w->st.sum = DatumGetFloat8(SPI_getbinval(tup, desc, 8, &isnull));
	w->st.min = DatumGetFloat8(SPI_getbinval(tup, desc, 9, &isnull));
	w->st.max = DatumGetFloat8(SPI_getbinval(tup, desc, 10, &isnull));
	w->st.sum_overflow = DatumGetBool(SPI_getbinval(tup, desc, 11, &isnull));
	d = SPI_getbinval(tup, desc, 12, &isnull);
	if (!isnull)
	{
		Datum *elems;
		bool *nulls;
		int n;

		deconstruct_array(DatumGetArrayTypeP(d), TEXTOID, -1, false,
						  TYPALIGN_INT, &elems, &nulls, &n);
		for (int j = 0; j < n; j++)
			if (!nulls[j])
			{
				text *t = DatumGetTextPP(elems[j]);

				cq_stream_load_distinct(op, w, VARDATA_ANY(t),
										VARSIZE_ANY_EXHDR(t));
			}
	}
	w->emitted_count = DatumGetInt64(SPI_getbinval(tup, desc, 13, &isnull));
	d = SPI_getbinval(tup, desc, 14, &isnull);
	w->emitted_value = isnull ? 0 : DatumGetFloat8(d);
	MemoryContextSwitchTo(old);
}

/* Queue the current key's open windows for insertion */
static void
StoreKey(Merge *m)
{
	CqStreamOp *op = m->op;

	for (int i = 0; i < op->nwin; i++)
	{
		const CqStreamWindow *w = &op->win[i];
		TupleTableSlot *slot;
		Datum *v;
		bool *n;
		MemoryContext old;

		/* The flush inside cq_bulk_slot would free values still needed */
		if (m->bulk.n == CQ_BULK_ROWS)
		{
			cq_bulk_flush(&m->bulk);
			MemoryContextReset(m->row_cxt);
		}
		slot = cq_bulk_slot(&m->bulk);
		v = slot->tts_values;
		n = slot->tts_isnull;
		memset(n, 0, WS_NATTS * sizeof(bool));
		old = MemoryContextSwitchTo(m->row_cxt);
		v[0] = Int32GetDatum(m->query_id);
		if (op->key == NULL)
			n[1] = true;
		else
			v[1] = PointerGetDatum(
				cstring_to_text_with_len(VARDATA(op->key),
										 VARSIZE(op->key) - VARHDRSZ));
		v[2] = Int64GetDatum(w->wstart);
		v[3] = TimestampTzGetDatum(w->tmin);
		v[4] = TimestampTzGetDatum(w->tmax);
		v[5] = Int64GetDatum(op->key_nrows);
		v[6] = Int64GetDatum(w->st.count);
		v[7] = Float8GetDatum(w->st.sum);
		v[8] = Float8GetDatum(w->st.min);
		v[9] = Float8GetDatum(w->st.max);
		v[10] = BoolGetDatum(w->st.sum_overflow);
		if (m->distinct)
		{
			text **vals = palloc(sizeof(text *) *
								 Max(cq_stream_distinct_count(w), 1));
			int nv = cq_stream_distinct_values(w, vals);

			v[11] = PointerGetDatum(construct_array((Datum *) vals, nv,
													TEXTOID, -1, false,
													TYPALIGN_INT));
		}
		else
			n[11] = true;
		v[12] = Int64GetDatum(w->emitted_count);
		if (w->emitted_count > 0)
			v[13] = Float8GetDatum(w->emitted_value);
		else
			n[13] = true;
		MemoryContextSwitchTo(old);
		cq_bulk_store(&m->bulk);
	}
}

static void
AddDead(Merge *m, ItemPointer tid)
{
	if (m->ndead == m->dead_cap)
	{
		MemoryContext old = MemoryContextSwitchTo(m->op->cxt);

		m->dead_cap = m->dead_cap > 0 ? m->dead_cap * 2 : 1024;
		m->dead = m->dead == NULL
			? palloc_extended(sizeof(ItemPointerData) * m->dead_cap,
							  MCXT_ALLOC_HUGE)
			: repalloc_huge(m->dead, sizeof(ItemPointerData) * m->dead_cap);
		MemoryContextSwitchTo(old);
	}
	m->dead[m->ndead++] = *tid;
}

/* Delete the stored windows that were rewritten or closed */
static void
DeleteDead(Merge *m)
{
	Oid types[2] = {INT4OID, TIDARRAYOID};
	Datum values[2];
	Datum *tids;

	if (m->ndead == 0)
		return;
	tids = palloc_extended(sizeof(Datum) * m->ndead, MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < m->ndead; i++)
		tids[i] = PointerGetDatum(&m->dead[i]);
	values[0] = Int32GetDatum(m->query_id);
	values[1] = PointerGetDatum(construct_array(tids, (int) m->ndead, TIDOID,
												sizeof(ItemPointerData), false,
												TYPALIGN_SHORT));
	if (SPI_execute_with_args("DELETE FROM cqstream.window_state"
							  " WHERE ctid = ANY ($2) AND query_id = $1",
							  2, types, values, NULL, false,
							  0) != SPI_OK_DELETE ||
		SPI_processed != (uint64) m->ndead)
		elog(ERROR, "cqstream: cannot rewrite the window state");
}

void
cq_window_state_merge(CqStreamOp *op, int32 query_id)
{
	Oid types[1] = {INT4OID};
	Datum values[1];
	Relation rel;
	Merge m;
	int64 b = 0;

	memset(&m, 0, sizeof(m));
	m.op = op;
	m.query_id = query_id;
	m.distinct = op->agg == CQ_AGG_COUNT_DISTINCT;
	m.row_cxt = AllocSetContextCreate(CurrentMemoryContext, "cqstream state",
									  ALLOCSET_DEFAULT_SIZES);

	/*
	 * In the batch's key order: bytes, NULL first (the index's order).
	 * Opened before the inserts begin, so that its snapshot cannot see
	 * the windows this merge writes.
	 */
	values[0] = Int32GetDatum(query_id);
	m.portal =
		SPI_cursor_open_with_args(NULL,
								  "SELECT ctid, key, wstart, tmin, tmax, nrows, count, sum, min, max,"
								  " sum_overflow, distinct_values, emitted_count, emitted_value"
								  " FROM cqstream.window_state WHERE query_id = $1"
								  " ORDER BY key COLLATE \"C\" NULLS FIRST, wstart",
								  1, types, values, NULL, false,
								  CURSOR_OPT_FAST_PLAN);

	rel = table_openrv(makeRangeVar(pstrdup("cqstream"),
									pstrdup("window_state"), -1),
					   RowExclusiveLock);
	if (!cq_bulk_ok(rel, ws_types, WS_NATTS))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table cqstream.window_state has been altered"),
				 errhint("Recreate the extension.")));
	cq_bulk_begin(&m.bulk, rel);

	for (;;)
	{
		HeapTuple tup = StateRow(&m);
		text *skey = tup ? StateKey(&m, tup) : NULL;
		bool have_state = tup != NULL;
		bool have_rows = b < op->nrows;
		const text *key;
		text *rkey;
		int64 e;
		int64 key_nrows = 0;
		int64 first_dead = m.ndead;
		bool isnull;

		if (!have_state && !have_rows)
			break;
		rkey = have_rows ? cq_stream_row_key(op, cq_stream_sorted_row(op, b))
						 : NULL;
		if (have_state && have_rows)
			key = cq_stream_key_cmp(skey, rkey) <= 0 ? skey : rkey;
		else
			key = have_state ? skey : rkey;

		if (have_state && cq_stream_key_cmp(skey, key) == 0)
			key_nrows = DatumGetInt64(
				SPI_getbinval(tup, m.tuptable->tupdesc, 6, &isnull));
		cq_stream_key_begin(op, key, key_nrows);
		/* the key's stored windows */
		while (tup != NULL &&
			   cq_stream_key_cmp(StateKey(&m, tup), op->key) == 0)
		{
			bool tidnull;

			LoadRow(&m, tup);
			AddDead(&m,
					(ItemPointer) DatumGetPointer(
						SPI_getbinval(tup, m.tuptable->tupdesc, 1, &tidnull)));
			m.next++;
			tup = StateRow(&m);
		}
		/* the key's rows */
		e = b;
		if (have_rows && cq_stream_key_cmp(rkey, op->key) == 0)
		{
			int32 kidx = cq_stream_sorted_row(op, b)->kidx;

			while (e < op->nrows && cq_stream_sorted_row(op, e)->kidx == kidx)
				e++;
		}
		if (cq_stream_key_fold(op, b, e - b))
			StoreKey(&m);
		else
			m.ndead = first_dead; /* unchanged: keep them */
		b = e;
		CHECK_FOR_INTERRUPTS();
	}
	if (m.tuptable)
		SPI_freetuptable(m.tuptable);
	SPI_cursor_close(m.portal);

	cq_bulk_end(&m.bulk);
	table_close(rel, NoLock);
	DeleteDead(&m);
	MemoryContextDelete(m.row_cxt);
}
