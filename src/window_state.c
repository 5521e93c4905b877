/*-------------------------------------------------------------------------
 *
 * window_state.c
 *	  Persistence of the window operator's open windows in
 *	  cqstream.window_state (docs/windows.md).
 *
 * Design notes
 *
 * A batch loads every open window of its query, folds its rows, and
 * rewrites the query's rows: one DELETE by the query_id index, then the
 * windows still open through bulk_insert.c, in the batch's transaction,
 * so state, progress and results commit (or vanish) together.  Rewriting
 * everything is simpler than tracking changed windows and costs little:
 * a query has about keys x (size / hop + lateness / hop) open windows,
 * far fewer than the rows of a batch.  Must run inside SPI, as the
 * extension's owner or a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/table.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "nodes/makefuncs.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "bulk_insert.h"
#include "window_stream.h"

#define WS_NATTS 14

void
cq_window_state_load(CqStreamOp *op, int32 query_id)
{
	Oid types[1] = {INT4OID};
	Datum values[1];
	MemoryContext cxt = CurrentMemoryContext;

	values[0] = Int32GetDatum(query_id);
	if (SPI_execute_with_args("SELECT key, wstart, tmin, tmax, nrows, count, sum,"
							  " min, max, sum_overflow, distinct_values,"
							  " emitted_count, emitted_value"
							  " FROM cqstream.window_state WHERE query_id = $1",
							  1, types, values, NULL, true,
							  0) != SPI_OK_SELECT)
		elog(ERROR, "cqstream: cannot read the window state");
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		bool keynull;
		Datum key = SPI_getbinval(tup, desc, 1, &keynull);
		CqStreamKey *k;
		CqStreamWindow *w;
		Datum d;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		if (keynull)
			k = cq_stream_key(op, NULL, 0, true);
		else
		{
			text *t = DatumGetTextPP(key);

			k = cq_stream_key(op, VARDATA_ANY(t), VARSIZE_ANY_EXHDR(t), false);
		}
		w = cq_stream_load_window(op, k,
								  DatumGetInt64(
									  SPI_getbinval(tup, desc, 2, &isnull)));
		w->tmin = DatumGetTimestampTz(SPI_getbinval(tup, desc, 3, &isnull));
		w->tmax = DatumGetTimestampTz(SPI_getbinval(tup, desc, 4, &isnull));
		k->nrows = DatumGetInt64(SPI_getbinval(tup, desc, 5, &isnull));
		w->st.count = DatumGetInt64(SPI_getbinval(tup, desc, 6, &isnull));
		w->st.sum = DatumGetFloat8(SPI_getbinval(tup, desc, 7, &isnull));
		w->st.min = DatumGetFloat8(SPI_getbinval(tup, desc, 8, &isnull));
		w->st.max = DatumGetFloat8(SPI_getbinval(tup, desc, 9, &isnull));
		w->st.sum_overflow = DatumGetBool(
			SPI_getbinval(tup, desc, 10, &isnull));
		d = SPI_getbinval(tup, desc, 11, &isnull);
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

					cq_stream_load_distinct(w, VARDATA_ANY(t),
											VARSIZE_ANY_EXHDR(t));
				}
		}
		w->emitted_count = DatumGetInt64(
			SPI_getbinval(tup, desc, 12, &isnull));
		d = SPI_getbinval(tup, desc, 13, &isnull);
		w->emitted_value = isnull ? 0 : DatumGetFloat8(d);
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
}

typedef struct StoreState
{
	CqBulkInsert bulk;
	int32 query_id;
	bool distinct;
	MemoryContext cxt; /* values of the pending rows; reset at flushes */
} StoreState;

static void
StoreWindow(void *arg, const CqStreamKey *k, const CqStreamWindow *w)
{
	StoreState *st = arg;
	TupleTableSlot *slot;
	Datum *v;
	bool *n;
	MemoryContext old;

	/* A flush inside cq_bulk_slot frees the earlier rows' values */
	if (st->bulk.n == CQ_BULK_ROWS)
	{
		cq_bulk_flush(&st->bulk);
		MemoryContextReset(st->cxt);
	}
	slot = cq_bulk_slot(&st->bulk);
	v = slot->tts_values;
	n = slot->tts_isnull;
	memset(n, 0, WS_NATTS * sizeof(bool));
	old = MemoryContextSwitchTo(st->cxt);
	v[0] = Int32GetDatum(st->query_id);
	if (k->key == NULL)
		n[1] = true;
	else
		v[1] = PointerGetDatum(k->key);
	v[2] = Int64GetDatum(w->wstart);
	v[3] = TimestampTzGetDatum(w->tmin);
	v[4] = TimestampTzGetDatum(w->tmax);
	v[5] = Int64GetDatum(k->nrows);
	v[6] = Int64GetDatum(w->st.count);
	v[7] = Float8GetDatum(w->st.sum);
	v[8] = Float8GetDatum(w->st.min);
	v[9] = Float8GetDatum(w->st.max);
	v[10] = BoolGetDatum(w->st.sum_overflow);
	if (st->distinct)
	{
		text **vals = palloc(sizeof(text *) * Max(w->distinct.count, 1));
		int nv = cq_stream_distinct_values(w, vals);

		v[11] = PointerGetDatum(construct_array((Datum *) vals, nv, TEXTOID,
												-1, false, TYPALIGN_INT));
	}
	else
		n[11] = true;
	v[12] = Int64GetDatum(w->emitted_count);
	if (w->emitted_count > 0)
		v[13] = Float8GetDatum(w->emitted_value);
	else
		n[13] = true;
	MemoryContextSwitchTo(old);
	cq_bulk_store(&st->bulk);
}

void
cq_window_state_store(CqStreamOp *op, int32 query_id)
{
	Oid argtypes[1] = {INT4OID};
	Datum values[1];
	Relation rel;
	StoreState st;
	static const Oid coltypes[WS_NATTS] = {INT4OID,		   TEXTOID,
										   INT8OID,		   TIMESTAMPTZOID,
										   TIMESTAMPTZOID, INT8OID,
										   INT8OID,		   FLOAT8OID,
										   FLOAT8OID,	   FLOAT8OID,
										   BOOLOID,		   TEXTARRAYOID,
										   INT8OID,		   FLOAT8OID};

	values[0] = Int32GetDatum(query_id);
	if (SPI_execute_with_args("DELETE FROM cqstream.window_state"
							  " WHERE query_id = $1",
							  1, argtypes, values, NULL, false,
							  0) != SPI_OK_DELETE)
		elog(ERROR, "cqstream: cannot rewrite the window state");
	if (op->nopen == 0)
		return;
	rel = table_openrv(makeRangeVar(pstrdup("cqstream"),
									pstrdup("window_state"), -1),
					   RowExclusiveLock);
	if (!cq_bulk_ok(rel, coltypes, WS_NATTS))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table cqstream.window_state has been altered"),
				 errhint("Recreate the extension.")));
	cq_bulk_begin(&st.bulk, rel);
	st.query_id = query_id;
	st.distinct = op->agg == CQ_AGG_COUNT_DISTINCT;
	st.cxt = AllocSetContextCreate(CurrentMemoryContext, "cqstream state",
								   ALLOCSET_DEFAULT_SIZES);
	cq_stream_foreach(op, StoreWindow, &st);
	cq_bulk_end(&st.bulk);
	table_close(rel, NoLock);
	MemoryContextDelete(st.cxt);
}
