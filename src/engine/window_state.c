/*-------------------------------------------------------------------------
 *
 * window_state.c
 *	  Persistence of the window operator's open windows in
 *	  cqstream.window_chunk (docs/windows.md).
 *
 * Design notes
 *
 * The operator's batch is sorted by key (window_stream.h); the query's
 * stored windows are read through a cursor over its chunks in the same
 * order (an index on (query_id, first_key COLLATE "C" NULLS FIRST)), and
 * the two are merged key by key, so only one key's windows and one chunk
 * are in memory at a time, however many keys and open windows a query has.
 *
 * A chunk holds the windows of consecutive keys as parallel arrays
 * (80_registry.sql), a key's windows always in one chunk.  Chunks, not a
 * row per window: with 10,000 keys a batch of a row per window deleted,
 * inserted and indexed 10,000 rows, two thirds of the aggregate's time;
 * a chunk of about 60 windows is one inline tuple, and unpacking it is a
 * few array headers.
 *
 * Which chunks are rewritten.  Chunk C's span is the keys from its first
 * key up to (not including) the next chunk's first key; keys before the
 * first chunk make a span of their own.  Every key the merge visits (its
 * stored windows and the batch's rows folded) is appended to the span's
 * output; when the merge passes the end of the span, the span is either
 * unchanged (no key folded a row or closed a window; no new key): C stays
 * as it is and the output is dropped, or it changed: C is deleted (by
 * ctid, after the merge) and the output is written as new chunks.  An
 * output that grows past CHUNK_MAX_BYTES is cut in two halves between keys,
 * the first written, so chunks hold half of that to all of it: a key
 * added to a full chunk splits it in two, it does not shift every later
 * chunk by one key.  An output smaller than CHUNK_MIN_BYTES is carried into the
 * next span, which is then rewritten too (and split if that makes it too
 * big), so that closing windows cannot leave a trail of tiny chunks.  A
 * batch therefore writes only the chunks around the keys it touched.
 *
 * All of it happens in the batch's transaction, so state, progress and
 * results commit (or vanish) together.  Must run inside SPI, as the
 * extension's owner or a superuser.
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

#define WC_NATTS		16
#define WC_FETCH		16
/* A chunk's size, in bytes of its arrays' data: inline below a page */
#define CHUNK_MAX_BYTES 7000
#define CHUNK_MIN_BYTES 2000
/* Chunks written before their values are freed */
#define WC_FLUSH		16

/* Columns of cqstream.window_chunk, from 0 */
enum
{
	WC_QUERY,
	WC_FIRST_KEY,
	WC_KEYS,
	WC_WSTART,
	WC_TMIN,
	WC_TMAX,
	WC_NROWS,
	WC_COUNT,
	WC_SUM,
	WC_MIN_,
	WC_MAX,
	WC_OVERFLOW,
	WC_DCOUNTS,
	WC_DVALUES,
	WC_ECOUNT,
	WC_EVALUE
};

static const Oid wc_types[WC_NATTS] = {INT4OID,
									   TEXTOID,
									   TEXTARRAYOID,
									   INT8ARRAYOID,
									   TIMESTAMPTZARRAYOID,
									   TIMESTAMPTZARRAYOID,
									   INT8ARRAYOID,
									   INT8ARRAYOID,
									   FLOAT8ARRAYOID,
									   FLOAT8ARRAYOID,
									   FLOAT8ARRAYOID,
									   BOOLARRAYOID,
									   INT4ARRAYOID,
									   TEXTARRAYOID,
									   INT8ARRAYOID,
									   FLOAT8ARRAYOID};

/* Windows as parallel arrays: a stored chunk, or a span's output */
typedef struct Windows
{
	int n;
	int cap;
	Datum *keys; /* text */
	bool *keynulls;
	int64 *wstart;
	TimestampTz *tmin;
	TimestampTz *tmax;
	int64 *nrows;
	int64 *count;
	double *sum;
	double *min;
	double *max;
	bool *overflow;
	int32 *dcounts; /* NULL: not COUNT_DISTINCT */
	Datum *dvalues; /* text, dcounts[0] of window 0, then window 1's, ... */
	int nd;
	int dcap;
	int64 *ecount;
	double *evalue;
	int32 *bytes; /* the output: each window's share of the chunk */
} Windows;

typedef struct Merge
{
	CqStreamOp *op;
	int32 query_id;
	bool distinct;
	CqBulkInsert bulk;
	MemoryContext row_cxt; /* values of pending inserts; reset at flushes */
	/* tids of stored chunks to delete */
	ItemPointerData *dead;
	int64 ndead;
	int64 dead_cap;
	/* the cursor over the chunks and its current fetch */
	Portal portal;
	SPITupleTable *tuptable;
	uint64 ntup;
	uint64 next;
	bool done;
	/* the chunk being merged (unpacked), and its next window */
	bool have_cur;
	ItemPointerData cur_tid;
	Windows cur;
	int cur_next;
	int cur_dnext;
	MemoryContext cur_cxt;
	/* the chunk after it: its row and first key */
	HeapTuple ahead;
	text *ahead_key; /* NULL: the NULL key */
	/* the current span's output */
	Windows out;
	Size out_bytes;
	bool changed;
	MemoryContext out_cxt;
} Merge;

static void
pg_attribute_noreturn() Damaged(const Merge *m)
{
	ereport(ERROR,
			(errcode(ERRCODE_DATA_CORRUPTED),
			 errmsg("stored open windows of query %d are damaged",
					m->query_id),
			 errhint("Drop and recreate the query.")));
}

/* The next chunk row of the cursor, or NULL (fetching as needed) */
static HeapTuple
FetchChunk(Merge *m)
{
	if (m->next < m->ntup)
		return m->tuptable->vals[m->next++];
	if (m->done)
		return NULL;
	if (m->tuptable)
		SPI_freetuptable(m->tuptable);
	SPI_cursor_fetch(m->portal, true, WC_FETCH);
	m->tuptable = SPI_tuptable;
	m->ntup = SPI_processed;
	m->next = 0;
	if (m->ntup < WC_FETCH)
		m->done = true;
	return m->ntup > 0 ? m->tuptable->vals[m->next++] : NULL;
}

/* Column col (from 0) of chunk row tup */
static Datum
ChunkCol(Merge *m, HeapTuple tup, int col, bool *isnull)
{
	return SPI_getbinval(tup, m->tuptable->tupdesc, col + 1, isnull);
}

/* The next chunk becomes the one ahead, its first key copied */
static void
FetchAhead(Merge *m)
{
	bool isnull;
	Datum d;

	if (m->ahead_key != NULL)
		pfree(m->ahead_key);
	m->ahead_key = NULL;
	m->ahead = FetchChunk(m);
	if (m->ahead == NULL)
		return;
	d = ChunkCol(m, m->ahead, WC_FIRST_KEY, &isnull);
	if (!isnull)
	{
		MemoryContext old = MemoryContextSwitchTo(m->op->cxt);

		m->ahead_key = DatumGetTextPCopy(d);
		MemoryContextSwitchTo(old);
	}
}

/*
 * The data of a one-dimensional array of n non-null elements of type
 * elemtype, copied into the current memory context.
 */
static void *
ArrayData(Merge *m, Datum d, bool isnull, Oid elemtype, int n)
{
	ArrayType *a;

	if (isnull)
		Damaged(m);
	a = DatumGetArrayTypePCopy(d);
	if (ARR_NDIM(a) != 1 || ARR_HASNULL(a) || ARR_ELEMTYPE(a) != elemtype ||
		ARR_DIMS(a)[0] != n)
		Damaged(m);
	return ARR_DATA_PTR(a);
}

/* Unpack the chunk ahead into m->cur, and fetch the next one ahead */
static void
Advance(Merge *m)
{
	MemoryContext old;
	HeapTuple tup = m->ahead;
	Windows *c = &m->cur;
	bool isnull;
	Datum d;
	int n;

	MemoryContextReset(m->cur_cxt);
	old = MemoryContextSwitchTo(m->cur_cxt);
	memset(c, 0, sizeof(*c));
	/* the cursor's last column; a sort may not keep t_self */
	d = ChunkCol(m, tup, WC_NATTS, &isnull);
	if (isnull)
		Damaged(m);
	m->cur_tid = *(ItemPointer) DatumGetPointer(d);
	d = ChunkCol(m, tup, WC_KEYS, &isnull);
	if (isnull)
		Damaged(m);
	deconstruct_array(DatumGetArrayTypePCopy(d), TEXTOID, -1, false,
					  TYPALIGN_INT, &c->keys, &c->keynulls, &n);
	/* the index orders chunks by first_key: it must be keys[1] */
	if (n == 0 || (m->ahead_key == NULL) != c->keynulls[0] ||
		(m->ahead_key != NULL &&
		 cq_stream_key_cmp(m->ahead_key, DatumGetTextPP(c->keys[0])) != 0))
		Damaged(m);
	c->n = n;
#define COL(field, col, type)           \
	d = ChunkCol(m, tup, col, &isnull); \
	c->field = ArrayData(m, d, isnull, type, n)
	COL(wstart, WC_WSTART, INT8OID);
	COL(tmin, WC_TMIN, TIMESTAMPTZOID);
	COL(tmax, WC_TMAX, TIMESTAMPTZOID);
	COL(nrows, WC_NROWS, INT8OID);
	COL(count, WC_COUNT, INT8OID);
	COL(sum, WC_SUM, FLOAT8OID);
	COL(min, WC_MIN_, FLOAT8OID);
	COL(max, WC_MAX, FLOAT8OID);
	COL(overflow, WC_OVERFLOW, BOOLOID);
	COL(ecount, WC_ECOUNT, INT8OID);
	COL(evalue, WC_EVALUE, FLOAT8OID);
#undef COL
	d = ChunkCol(m, tup, WC_DCOUNTS, &isnull);
	if (!isnull)
	{
		bool *dnulls;
		int64 total = 0;

		c->dcounts = ArrayData(m, d, false, INT4OID, n);
		d = ChunkCol(m, tup, WC_DVALUES, &isnull);
		if (isnull)
			Damaged(m);
		deconstruct_array(DatumGetArrayTypePCopy(d), TEXTOID, -1, false,
						  TYPALIGN_INT, &c->dvalues, &dnulls, &c->nd);
		for (int i = 0; i < n; i++)
		{
			if (c->dcounts[i] < 0)
				Damaged(m);
			total += c->dcounts[i];
		}
		if (total != c->nd)
			Damaged(m);
		for (int i = 0; i < c->nd; i++)
			if (dnulls[i])
				Damaged(m);
	}
	MemoryContextSwitchTo(old);
	m->have_cur = true;
	m->cur_next = 0;
	m->cur_dnext = 0;
	FetchAhead(m);
}

/*
 * The key of the current chunk's next window, into *key (NULL: the NULL
 * key); false when the chunk has none left.
 */
static bool
CurKey(Merge *m, const text **key)
{
	if (!m->have_cur || m->cur_next >= m->cur.n)
		return false;
	*key = m->cur.keynulls[m->cur_next]
		? NULL
		: DatumGetTextPP(m->cur.keys[m->cur_next]);
	return true;
}

/* The key of the next stored window: the current chunk's, or ahead's */
static bool
NextStoredKey(Merge *m, const text **key)
{
	if (CurKey(m, key))
		return true;
	*key = m->ahead_key;
	return m->ahead != NULL;
}

/* Is the current chunk's next window one of the current key's? */
static bool
CurHasKey(Merge *m)
{
	const text *k;

	return CurKey(m, &k) && cq_stream_key_cmp(k, m->op->key) == 0;
}

/* Load the current chunk's next window into the operator's current key */
static void
LoadWindow(Merge *m)
{
	const Windows *c = &m->cur;
	int i = m->cur_next++;
	CqStreamOp *op = m->op;
	CqStreamWindow *w;
	MemoryContext old = MemoryContextSwitchTo(op->key_cxt);

	w = cq_stream_load_window(op, c->wstart[i]);
	w->tmin = c->tmin[i];
	w->tmax = c->tmax[i];
	w->st.count = c->count[i];
	w->st.sum = c->sum[i];
	w->st.min = c->min[i];
	w->st.max = c->max[i];
	w->st.sum_overflow = c->overflow[i];
	if (c->dcounts != NULL)
		for (int j = 0; j < c->dcounts[i]; j++)
		{
			text *t = DatumGetTextPP(c->dvalues[m->cur_dnext++]);

			cq_stream_load_distinct(op, w, VARDATA_ANY(t),
									VARSIZE_ANY_EXHDR(t));
		}
	w->emitted_count = c->ecount[i];
	w->emitted_value = c->evalue[i];
	MemoryContextSwitchTo(old);
}

/* Room for one more window in the output */
static void
OutGrow(Merge *m)
{
	Windows *o = &m->out;
	MemoryContext old;
	int cap;

	if (o->n < o->cap)
		return;
	old = MemoryContextSwitchTo(m->out_cxt);
	cap = o->cap > 0 ? o->cap * 2 : 64;
#define GROW(field)                                               \
	o->field = o->field == NULL ? palloc(sizeof(*o->field) * cap) \
								: repalloc(o->field, sizeof(*o->field) * cap)
	GROW(keys);
	GROW(keynulls);
	GROW(wstart);
	GROW(tmin);
	GROW(tmax);
	GROW(nrows);
	GROW(count);
	GROW(sum);
	GROW(min);
	GROW(max);
	GROW(overflow);
	GROW(ecount);
	GROW(evalue);
	GROW(bytes);
	if (m->distinct)
		GROW(dcounts);
#undef GROW
	o->cap = cap;
	MemoryContextSwitchTo(old);
}

static void
OutReset(Merge *m)
{
	MemoryContextReset(m->out_cxt);
	memset(&m->out, 0, sizeof(m->out));
	m->out_bytes = 0;
}

/* A one-dimensional array of n elements of elemlen bytes (no NULL) */
static Datum
FixedArray(const void *data, int n, Oid elemtype, int elemlen)
{
	Size nbytes = ARR_OVERHEAD_NONULLS(1) + (Size) n * elemlen;
	ArrayType *a = palloc0(nbytes);

	SET_VARSIZE(a, nbytes);
	a->ndim = 1;
	a->dataoffset = 0;
	a->elemtype = elemtype;
	ARR_DIMS(a)[0] = n;
	ARR_LBOUND(a)[0] = 1;
	memcpy(ARR_DATA_PTR(a), data, (Size) n * elemlen);
	return PointerGetDatum(a);
}

/* Write the output's first upto windows as a chunk; keep the others */
static void
OutFlush(Merge *m, int upto)
{
	Windows *o = &m->out;
	TupleTableSlot *slot;
	Datum *v;
	bool *n;
	MemoryContext old;
	int dims[1] = {upto};
	int lbs[1] = {1};
	int nd = 0;
	int rest = o->n - upto;

	if (upto == 0)
		return;
	/* The flush inside cq_bulk_slot would free values still needed */
	if (m->bulk.n >= WC_FLUSH)
	{
		cq_bulk_flush(&m->bulk);
		MemoryContextReset(m->row_cxt);
	}
	slot = cq_bulk_slot(&m->bulk);
	v = slot->tts_values;
	n = slot->tts_isnull;
	memset(n, 0, WC_NATTS * sizeof(bool));
	old = MemoryContextSwitchTo(m->row_cxt);
	v[WC_QUERY] = Int32GetDatum(m->query_id);
	if (o->keynulls[0])
		n[WC_FIRST_KEY] = true;
	else
		v[WC_FIRST_KEY] = PointerGetDatum(DatumGetTextPCopy(o->keys[0]));
	v[WC_KEYS] = PointerGetDatum(construct_md_array(o->keys, o->keynulls, 1,
													dims, lbs, TEXTOID, -1,
													false, TYPALIGN_INT));
	v[WC_WSTART] = FixedArray(o->wstart, upto, INT8OID, sizeof(int64));
	v[WC_TMIN] = FixedArray(o->tmin, upto, TIMESTAMPTZOID, sizeof(int64));
	v[WC_TMAX] = FixedArray(o->tmax, upto, TIMESTAMPTZOID, sizeof(int64));
	v[WC_NROWS] = FixedArray(o->nrows, upto, INT8OID, sizeof(int64));
	v[WC_COUNT] = FixedArray(o->count, upto, INT8OID, sizeof(int64));
	v[WC_SUM] = FixedArray(o->sum, upto, FLOAT8OID, sizeof(double));
	v[WC_MIN_] = FixedArray(o->min, upto, FLOAT8OID, sizeof(double));
	v[WC_MAX] = FixedArray(o->max, upto, FLOAT8OID, sizeof(double));
	v[WC_OVERFLOW] = FixedArray(o->overflow, upto, BOOLOID, sizeof(bool));
	if (m->distinct)
	{
		for (int i = 0; i < upto; i++)
			nd += o->dcounts[i];
		v[WC_DCOUNTS] = FixedArray(o->dcounts, upto, INT4OID, sizeof(int32));
		v[WC_DVALUES] = PointerGetDatum(
			construct_array(o->dvalues, nd, TEXTOID, -1, false, TYPALIGN_INT));
	}
	else
		n[WC_DCOUNTS] = n[WC_DVALUES] = true;
	v[WC_ECOUNT] = FixedArray(o->ecount, upto, INT8OID, sizeof(int64));
	v[WC_EVALUE] = FixedArray(o->evalue, upto, FLOAT8OID, sizeof(double));
	MemoryContextSwitchTo(old);
	cq_bulk_store(&m->bulk);

	if (rest == 0)
	{
		OutReset(m);
		return;
	}
	/* The rest to the front; their keys stay where they are (out_cxt) */
#define SHIFT(field) \
	memmove(o->field, o->field + upto, sizeof(*o->field) * rest)
	SHIFT(keys);
	SHIFT(keynulls);
	SHIFT(wstart);
	SHIFT(tmin);
	SHIFT(tmax);
	SHIFT(nrows);
	SHIFT(count);
	SHIFT(sum);
	SHIFT(min);
	SHIFT(max);
	SHIFT(overflow);
	SHIFT(ecount);
	SHIFT(evalue);
	SHIFT(bytes);
	if (m->distinct)
	{
		SHIFT(dcounts);
		memmove(o->dvalues, o->dvalues + nd, sizeof(Datum) * (o->nd - nd));
		o->nd -= nd;
	}
#undef SHIFT
	o->n = rest;
	m->out_bytes = 0;
	for (int i = 0; i < rest; i++)
		m->out_bytes += o->bytes[i];
}

/*
 * The output of a changed span is past CHUNK_MAX_BYTES: write its first
 * half, cut at the first key boundary from the middle on (all of it if
 * one key fills it).
 */
static void
OutSplit(Merge *m)
{
	Windows *o = &m->out;
	int cut = o->n / 2;

	if (cut == 0)
		cut = 1;
	/* a key's windows share one copy of the key (AppendKey) */
	while (cut < o->n && o->keynulls[cut] == o->keynulls[cut - 1] &&
		   o->keys[cut] == o->keys[cut - 1])
		cut++;
	OutFlush(m, cut);
}

/* Append the current key's open windows to the span's output */
static void
AppendKey(Merge *m)
{
	CqStreamOp *op = m->op;
	Windows *o = &m->out;
	Datum key = (Datum) 0;

	if (op->nwin == 0)
		return;
	if (op->key != NULL)
	{
		MemoryContext old = MemoryContextSwitchTo(m->out_cxt);

		key = PointerGetDatum(DatumGetTextPCopy(PointerGetDatum(op->key)));
		MemoryContextSwitchTo(old);
	}
	for (int i = 0; i < op->nwin; i++)
	{
		const CqStreamWindow *w = &op->win[i];
		int j;

		OutGrow(m);
		j = o->n++;
		o->keys[j] = key;
		o->keynulls[j] = op->key == NULL;
		o->wstart[j] = w->wstart;
		o->tmin[j] = w->tmin;
		o->tmax[j] = w->tmax;
		o->nrows[j] = op->key_nrows;
		o->count[j] = w->st.count;
		o->sum[j] = w->st.sum;
		o->min[j] = w->st.min;
		o->max[j] = w->st.max;
		o->overflow[j] = w->st.sum_overflow;
		o->ecount[j] = w->emitted_count;
		o->evalue[j] = w->emitted_count > 0 ? w->emitted_value : 0;
		/* 9 arrays of 8 bytes, a bool, the key's place (and its bytes) */
		o->bytes[j] = 9 * 8 + 1 + 4 + (op->key != NULL ? VARSIZE(op->key) : 0);
		if (m->distinct)
		{
			MemoryContext old = MemoryContextSwitchTo(m->out_cxt);
			int nv = cq_stream_distinct_count(w);
			text **vals = palloc(sizeof(text *) * Max(nv, 1));

			nv = cq_stream_distinct_values(w, vals);
			if (o->nd + nv > o->dcap)
			{
				o->dcap = Max(o->dcap * 2, o->nd + nv + 64);
				o->dvalues = o->dvalues == NULL
					? palloc(sizeof(Datum) * o->dcap)
					: repalloc(o->dvalues, sizeof(Datum) * o->dcap);
			}
			for (int k = 0; k < nv; k++)
			{
				text *t = cstring_to_text_with_len(VARDATA_ANY(vals[k]),
												   VARSIZE_ANY_EXHDR(vals[k]));

				o->dvalues[o->nd++] = PointerGetDatum(t);
				o->bytes[j] += VARSIZE(t);
			}
			o->dcounts[j] = nv;
			o->bytes[j] += 4;
			MemoryContextSwitchTo(old);
		}
		m->out_bytes += o->bytes[j];
	}
	/* A changed span is written as it goes */
	while (m->changed && m->out_bytes >= CHUNK_MAX_BYTES)
		OutSplit(m);
}

static void
AddDead(Merge *m, ItemPointer tid)
{
	if (m->ndead == m->dead_cap)
	{
		MemoryContext old = MemoryContextSwitchTo(m->op->cxt);

		m->dead_cap = m->dead_cap > 0 ? m->dead_cap * 2 : 64;
		m->dead = m->dead == NULL
			? palloc(sizeof(ItemPointerData) * m->dead_cap)
			: repalloc_huge(m->dead, sizeof(ItemPointerData) * m->dead_cap);
		MemoryContextSwitchTo(old);
	}
	m->dead[m->ndead++] = *tid;
}

/*
 * The merge has passed the current span (see the design notes): leave
 * its chunk alone, or replace it with the output.
 */
static void
CloseSpan(Merge *m)
{
	if (!m->changed)
	{
		OutReset(m);
		return;
	}
	if (m->have_cur)
		AddDead(m, &m->cur_tid);
	m->have_cur = false;
	/* too small to stand alone: into the next span, rewritten with it */
	if (m->out.n > 0 && m->out_bytes < CHUNK_MIN_BYTES && m->ahead != NULL)
		return;
	/* (an unchanged span held a chunk bigger than that: 0.1.0's) */
	while (m->out_bytes >= CHUNK_MAX_BYTES)
		OutSplit(m);
	OutFlush(m, m->out.n);
	m->changed = false;
}

/*
 * The merge's two statements, planned once per process and kept (the
 * plan cache revalidates them if cqstream.window_chunk changes):
 * parsing them for each batch was a sixth of an aggregate's batch after
 * a single-row commit.  The plan cache chooses between a custom plan per
 * batch and a generic one: forced generic plans walked every chunk of
 * the query through a bitmap (the generic plan cannot know how many
 * tuple ids the DELETE gets, nor how many chunks a query has).
 */
static SPIPlanPtr read_plan = NULL;
static SPIPlanPtr delete_plan = NULL;

static SPIPlanPtr
KeptPlan(SPIPlanPtr *plan, const char *sql, int nargs, Oid *types, int options)
{
	if (*plan == NULL)
	{
		SPIPlanPtr p = SPI_prepare_cursor(sql, nargs, types, options);

		if (p == NULL || SPI_keepplan(p) != 0)
			elog(ERROR,
				 "cqstream: cannot prepare the window state's statements");
		*plan = p;
	}
	return *plan;
}

/* Delete the stored chunks that were rewritten or emptied */
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
	if (SPI_execute_plan(KeptPlan(&delete_plan,
								  "DELETE FROM cqstream.window_chunk"
								  " WHERE ctid = ANY ($2) AND query_id = $1",
								  2, types, 0),
						 values, NULL, false, 0) != SPI_OK_DELETE ||
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
	m.cur_cxt = AllocSetContextCreate(CurrentMemoryContext,
									  "cqstream state chunk",
									  ALLOCSET_DEFAULT_SIZES);
	m.out_cxt = AllocSetContextCreate(CurrentMemoryContext,
									  "cqstream state output",
									  ALLOCSET_DEFAULT_SIZES);

	/*
	 * In the batch's key order: bytes, NULL first (the index's order).
	 * Opened before the inserts begin, so that its snapshot cannot see
	 * the chunks this merge writes.
	 */
	values[0] = Int32GetDatum(query_id);
	m.portal =
		SPI_cursor_open(NULL,
						KeptPlan(&read_plan,
								 "SELECT query_id, first_key, keys, wstart, tmin, tmax, nrows, count,"
								 " sum, min, max, sum_overflow, distinct_counts, distinct_values,"
								 " emitted_count, emitted_value, ctid"
								 " FROM cqstream.window_chunk WHERE query_id = $1"
								 " ORDER BY first_key COLLATE \"C\" NULLS FIRST",
								 1, types, CURSOR_OPT_FAST_PLAN),
						values, NULL, false);

	rel = table_openrv(makeRangeVar(pstrdup("cqstream"),
									pstrdup("window_chunk"), -1),
					   RowExclusiveLock);
	if (!cq_bulk_ok(rel, wc_types, WC_NATTS))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("table cqstream.window_chunk has been altered"),
				 errhint("Recreate the extension.")));
	cq_bulk_begin(&m.bulk, rel);

	/* The span before the first chunk has no chunk of its own */
	FetchAhead(&m);
	for (;;)
	{
		const text *skey = NULL;
		bool have_state = NextStoredKey(&m, &skey);
		bool have_rows = b < op->nrows;
		const text *rkey;
		bool stored;
		int64 e;

		if (!have_state && !have_rows)
			break;
		rkey = have_rows ? cq_stream_row_key(op, cq_stream_sorted_row(op, b))
						 : NULL;
		stored = have_state &&
			(!have_rows || cq_stream_key_cmp(skey, rkey) <= 0);

		/* The spans this key is past */
		while (m.ahead != NULL &&
			   cq_stream_key_cmp(stored ? skey : rkey, m.ahead_key) >= 0)
		{
			CloseSpan(&m);
			Advance(&m);
			if (stored)
				(void) NextStoredKey(&m, &skey);
		}

		if (stored)
		{
			cq_stream_key_begin(op, skey, m.cur.nrows[m.cur_next]);
			/* the key's stored windows */
			while (CurHasKey(&m))
				LoadWindow(&m);
		}
		else
			cq_stream_key_begin(op, rkey, 0); /* a new key: its rows fold */

		/* the key's rows */
		e = b;
		if (have_rows && cq_stream_key_cmp(rkey, op->key) == 0)
		{
			int32 kidx = cq_stream_sorted_row(op, b)->kidx;

			while (e < op->nrows && cq_stream_sorted_row(op, e)->kidx == kidx)
				e++;
		}
		if (cq_stream_key_fold(op, b, e - b))
			m.changed = true;
		AppendKey(&m);
		b = e;
		CHECK_FOR_INTERRUPTS();
	}
	CloseSpan(&m);
	if (m.tuptable)
		SPI_freetuptable(m.tuptable);
	SPI_cursor_close(m.portal);

	cq_bulk_end(&m.bulk);
	table_close(rel, NoLock);
	DeleteDead(&m);
	MemoryContextDelete(m.row_cxt);
	MemoryContextDelete(m.cur_cxt);
	MemoryContextDelete(m.out_cxt);
}
