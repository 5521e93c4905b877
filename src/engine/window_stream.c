/*-------------------------------------------------------------------------
 *
 * window_stream.c
 *	  The window operator of continuous queries (see window_stream.h for
 *	  the steps of a batch, docs/windows.md for the semantics).
 *
 * Design notes
 *
 * Watermark.  One per query: W = max event time seen - lateness, never
 * moving back.  A row is folded into each of its windows whose end is
 * beyond W as it was before the row; a row folded into none is late.
 * A window closes when W reaches its end.  Since W only grows, a window
 * that closes during a batch would receive no later row of the batch, so
 * closing every window with end <= the batch's final W after folding the
 * key's rows gives the same results as closing them one row at a time,
 * and sorting the closed windows by end gives the order they closed in.
 *
 * Count windows do not use event time: window k of a key holds its rows
 * k*hop .. k*hop+size-1 (window.c's cq_window_count_range) and is emitted
 * as soon as it is full.
 *
 * Booleans fold as 1 and 0 into window.c's state, so ANY is the maximum,
 * ALL the minimum and COUNT_TRUE the sum; text folds as 0 (only the count
 * matters) and COUNT_DISTINCT keeps a set of the values per window.
 *
 * The batch's keys and each window's distinct values are PostgreSQL's
 * simplehash tables (open addressing with Robin Hood probing, the hash
 * stored beside the entry), each in the memory context of what it
 * belongs to: the batch (op->cxt) or the current key (op->key_cxt).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "utils/memutils.h"

#include "engine/window_stream.h"

static text *
CopyText(const char *s, int len)
{
	text *t = palloc(VARHDRSZ + len);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), s, len);
	return t;
}

/*
 * Hash tables over byte strings.  A distinct set's entry points into a
 * copy of the bytes the table owns (a text made by CopyText when the
 * entry is inserted), never into the caller's buffer; the batch's keys
 * are numbers into op->bkeys.
 */
#define CQ_BYTES_HASH(b) hash_bytes((const unsigned char *) (b).data, (b).len)
#define CQ_BYTES_EQUAL(a, b) \
	((a).len == (b).len && memcmp((a).data, (b).data, (a).len) == 0)

/* The distinct values of a COUNT_DISTINCT window */
typedef struct CqStrEntry
{
	CqBytes key; /* VARDATA of value */
	text *value;
	uint32 hash;
	char status;
} CqStrEntry;

#define SH_PREFIX		   cq_strset
#define SH_ELEMENT_TYPE	   CqStrEntry
#define SH_KEY_TYPE		   CqBytes
#define SH_KEY			   key
#define SH_HASH_KEY(tb, k) CQ_BYTES_HASH(k)
#define SH_EQUAL(tb, a, b) CQ_BYTES_EQUAL(a, b)
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e) ((e)->hash)
#define SH_SCOPE		   static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/*
 * The distinct keys of a batch, by number: 12 bytes an entry, the bytes
 * being op->bkeys[kidx] (a number and a hash, not a pointer and a length,
 * since with 10,000 keys the table was the largest thing a batch held
 * beside its rows).  A key not in the table yet is looked up as
 * CQ_CANDIDATE, whose bytes are op->cand.
 */
typedef struct CqKeyEntry
{
	uint32 hash;
	int32 kidx;
	char status;
} CqKeyEntry;

#define CQ_CANDIDATE (-2)

static inline CqBytes
KeyBytes(const CqStreamOp *op, int32 kidx)
{
	CqBytes b;

	if (kidx == CQ_CANDIDATE)
		return op->cand;
	b.data = VARDATA(op->bkeys[kidx]);
	b.len = VARSIZE(op->bkeys[kidx]) - VARHDRSZ;
	return b;
}

#define SH_PREFIX		cq_keyset
#define SH_ELEMENT_TYPE CqKeyEntry
#define SH_KEY_TYPE		int32
#define SH_KEY			kidx
#define SH_HASH_KEY(tb, k) \
	CQ_BYTES_HASH(KeyBytes((const CqStreamOp *) (tb)->private_data, k))
#define SH_EQUAL(tb, a, b)                                               \
	CQ_BYTES_EQUAL(KeyBytes((const CqStreamOp *) (tb)->private_data, a), \
				   KeyBytes((const CqStreamOp *) (tb)->private_data, b))
#define SH_STORE_HASH
#define SH_GET_HASH(tb, e) ((e)->hash)
#define SH_SCOPE		   static inline
#define SH_DECLARE
#define SH_DEFINE
#include "lib/simplehash.h"

/* Distinct sets */

/* Add s to w's distinct values, in the current memory context */
static void
SetAdd(CqStreamWindow *w, const char *s, int len)
{
	CqBytes key = {s, len};
	CqStrEntry *e;
	bool found;

	if (w->distinct == NULL)
		w->distinct = cq_strset_create(CurrentMemoryContext, 8, NULL);
	e = cq_strset_insert(w->distinct, key, &found);
	if (!found)
	{
		e->value = CopyText(s, len);
		e->key.data = VARDATA(e->value);
	}
}

int
cq_stream_distinct_count(const CqStreamWindow *w)
{
	return w->distinct != NULL ? (int) w->distinct->members : 0;
}

int
cq_stream_distinct_values(const CqStreamWindow *w, text **out)
{
	cq_strset_iterator it;
	CqStrEntry *e;
	int n = 0;

	if (w->distinct == NULL)
		return 0;
	cq_strset_start_iterate(w->distinct, &it);
	while ((e = cq_strset_iterate(w->distinct, &it)) != NULL)
		out[n++] = e->value;
	return n;
}

/* Step 1 */

/*
 * BatchKey: the number of key/len among the batch's distinct keys, added
 * if new (one copy per key, so that sorting compares numbers).  In the
 * current memory context, op->cxt.
 */
static int32
BatchKey(CqStreamOp *op, const char *key, int len)
{
	CqKeyEntry *e;
	bool found;
	text *t;
	Size need = INTALIGN(VARHDRSZ + len);

	if (op->bkeys_hash == NULL)
		op->bkeys_hash = cq_keyset_create(op->cxt, 128, op);
	op->cand.data = key;
	op->cand.len = len;
	e = cq_keyset_insert(op->bkeys_hash, CQ_CANDIDATE, &found);
	if (found)
		return e->kidx;
	if (op->nbkeys == op->bkeys_cap)
	{
		op->bkeys_cap = op->bkeys_cap > 0 ? op->bkeys_cap * 2 : 256;
		op->bkeys = op->bkeys == NULL
			? palloc(sizeof(text *) * op->bkeys_cap)
			: repalloc(op->bkeys, sizeof(text *) * op->bkeys_cap);
	}
	/*
	 * The copies side by side in blocks of their own, rather than a
	 * palloc each (whose header and rounding doubled a short key)
	 */
	if (op->karena_left < need)
	{
		Size block = Max(need, 16384);

		op->karena = palloc(block);
		op->karena_left = block;
		op->karena_total += block;
	}
	t = (text *) op->karena;
	op->karena += need;
	op->karena_left -= need;
	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), key, len);
	op->bkeys[op->nbkeys] = t;
	e->kidx = op->nbkeys;
	return op->nbkeys++;
}

void
cq_stream_init(CqStreamOp *op, const CqWindowSpec *w, CqAggKind agg,
			   int64 lateness, bool on_update)
{
	memset(op, 0, sizeof(*op));
	op->spec = *w;
	op->agg = agg;
	op->lateness = lateness;
	op->on_update = on_update;
	op->max_time = DT_NOBEGIN;
	op->watermark = DT_NOBEGIN;
	op->latest_end = DT_NOBEGIN;
	op->cxt = CurrentMemoryContext;
	op->key_cxt = AllocSetContextCreate(op->cxt, "cqstream key",
										ALLOCSET_SMALL_SIZES);
	op->starts = palloc(sizeof(TimestampTz) * Max(w->overlap, 1));
}

void
cq_stream_row(CqStreamOp *op, const char *key, int keylen, bool key_isnull,
			  TimestampTz t, double v, const char *val, int vallen)
{
	MemoryContext old = MemoryContextSwitchTo(op->cxt);
	CqBatchRow *r;
	TimestampTz w;

	if (op->nrows == op->rows_cap)
	{
		op->rows_cap = op->rows_cap > 0 ? op->rows_cap * 2 : 1024;
		op->rows = op->rows == NULL
			? palloc_extended(sizeof(CqBatchRow) * op->rows_cap,
							  MCXT_ALLOC_HUGE)
			: repalloc_huge(op->rows, sizeof(CqBatchRow) * op->rows_cap);
	}
	r = &op->rows[op->nrows];
	r->kidx = key_isnull ? -1 : BatchKey(op, key, keylen);
	r->val = val != NULL ? CopyText(val, vallen) : NULL;
	r->seq = (int32) op->nrows;
	r->t = t;
	r->v = v;
	r->wm = op->watermark;
	op->nrows++;
	MemoryContextSwitchTo(old);

	if (t > op->max_time)
		op->max_time = t;
	/* max_time - lateness, saturating */
	if (pg_sub_s64_overflow(op->max_time, op->lateness, &w))
		w = PG_INT64_MIN;
	if (w > op->watermark)
		op->watermark = w;
}

/* Step 2 */

int
cq_stream_key_cmp(const text *a, const text *b)
{
	int la, lb, c;

	if (a == NULL || b == NULL)
		return (a == NULL ? 0 : 1) - (b == NULL ? 0 : 1);
	la = VARSIZE_ANY_EXHDR(a);
	lb = VARSIZE_ANY_EXHDR(b);
	c = memcmp(VARDATA_ANY(a), VARDATA_ANY(b), Min(la, lb));
	return c != 0 ? c : (la > lb) - (la < lb);
}

/*
 * A distinct key for sorting: its first 8 bytes as a big-endian integer
 * (zero-padded; text holds no zero byte, so padding never ties with
 * data) beside its number.  Most keys differ in their first 8 bytes
 * (sensor and vehicle ids), so most comparisons are one integer compare
 * and never touch the key's bytes: with 10,000 keys a batch, comparing
 * the texts themselves was a seventh of an aggregate's time.
 */
typedef struct SortKey
{
	uint64 abbrev;
	int32 kidx;
} SortKey;

static uint64
Abbrev(const text *t)
{
	int len = Min(VARSIZE_ANY_EXHDR(t), 8);
	const unsigned char *p = (const unsigned char *) VARDATA_ANY(t);
	uint64 a = 0;

	for (int i = 0; i < 8; i++)
		a = (a << 8) | (i < len ? p[i] : 0);
	return a;
}

static inline int
SortKeyCmp(const SortKey *a, const SortKey *b, text **keys)
{
	if (a->abbrev != b->abbrev)
		return a->abbrev < b->abbrev ? -1 : 1;
	return cq_stream_key_cmp(keys[a->kidx], keys[b->kidx]);
}

#define ST_SORT				   SortKeys
#define ST_ELEMENT_TYPE		   SortKey
#define ST_COMPARE(a, b, keys) SortKeyCmp(a, b, keys)
#define ST_COMPARE_ARG_TYPE	   text *
#define ST_SCOPE			   static
#define ST_DEFINE
#include "lib/sort_template.h"

/*
 * The rows by key, then arrival: the distinct keys are sorted once, then
 * the rows' numbers are placed by a counting sort on their key's rank,
 * which keeps the arrival order within a key.  The rows themselves stay
 * where they are (op->order indexes them), so sorting costs 4 bytes a row.
 */
void
cq_stream_sort(CqStreamOp *op)
{
	MemoryContext old = MemoryContextSwitchTo(op->cxt);
	SortKey *order;
	int32 *rank;
	int64 *start;

	/* rank 0 is the NULL key, then the keys in byte order */
	order = palloc(sizeof(SortKey) * Max(op->nbkeys, 1));
	for (int32 j = 0; j < op->nbkeys; j++)
	{
		order[j].abbrev = Abbrev(op->bkeys[j]);
		order[j].kidx = j;
	}
	SortKeys(order, op->nbkeys, op->bkeys);
	rank = palloc(sizeof(int32) * Max(op->nbkeys, 1));
	for (int32 j = 0; j < op->nbkeys; j++)
		rank[order[j].kidx] = j + 1;
	start = palloc0(sizeof(int64) * (op->nbkeys + 2));
	for (int64 i = 0; i < op->nrows; i++)
		start[(op->rows[i].kidx < 0 ? 0 : rank[op->rows[i].kidx]) + 1]++;
	for (int32 j = 1; j <= op->nbkeys + 1; j++)
		start[j] += start[j - 1];
	op->order = palloc_extended(sizeof(int32) * Max(op->nrows, 1),
								MCXT_ALLOC_HUGE);
	for (int64 i = 0; i < op->nrows; i++)
	{
		int32 k = op->rows[i].kidx;

		op->order[start[k < 0 ? 0 : rank[k]]++] = (int32) i;
	}
	pfree(order);
	pfree(rank);
	pfree(start);
	MemoryContextSwitchTo(old);
}

Size
cq_stream_key_bytes(const CqStreamOp *op)
{
	if (op->bkeys_hash == NULL)
		return 0;
	/* the table, the numbered copies, what cq_stream_sort allocates */
	return op->bkeys_hash->size * sizeof(CqKeyEntry) +
		op->bkeys_cap * sizeof(text *) + op->karena_total +
		(Size) op->nbkeys * (sizeof(SortKey) + sizeof(int32) + sizeof(int64));
}

/* Step 3 */

void
cq_stream_key_begin(CqStreamOp *op, const text *key, int64 key_nrows)
{
	MemoryContext old;

	/* Free the previous key's copy and distinct sets */
	MemoryContextReset(op->key_cxt);
	old = MemoryContextSwitchTo(op->key_cxt);
	op->key = key != NULL ? CopyText(VARDATA_ANY(key), VARSIZE_ANY_EXHDR(key))
						  : NULL;
	op->key_res = NULL;
	op->key_seq++;
	op->key_nrows = key_nrows;
	op->nwin = 0;
	MemoryContextSwitchTo(old);
}

/*
 * The open window wstart of the current key, made (empty) if absent.  The
 * windows are kept sorted by wstart, so a key with many open windows (a
 * long lateness, a small hop) costs a binary search per row and window;
 * a new window is nearly always the last.  Closed windows stay in place
 * until cq_stream_key_fold compacts them, and no row ever asks for one
 * again (a time window closes only after the key's rows; count window
 * numbers only grow).
 */
static CqStreamWindow *
KeyWindow(CqStreamOp *op, int64 wstart)
{
	CqStreamWindow *w;
	int lo = 0;
	int hi = op->nwin;

	if (op->nwin > 0 && op->win[op->nwin - 1].wstart < wstart)
		lo = op->nwin;
	while (lo < hi)
	{
		int mid = lo + (hi - lo) / 2;

		if (op->win[mid].wstart < wstart)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < op->nwin && op->win[lo].wstart == wstart)
		return &op->win[lo];
	if (op->nwin == op->wcap)
	{
		/* reused from key to key */
		MemoryContext old = MemoryContextSwitchTo(op->cxt);

		op->wcap = op->wcap > 0 ? op->wcap * 2 : 8;
		op->win = op->win == NULL
			? palloc(sizeof(CqStreamWindow) * op->wcap)
			: repalloc(op->win, sizeof(CqStreamWindow) * op->wcap);
		MemoryContextSwitchTo(old);
	}
	if (lo < op->nwin)
		memmove(&op->win[lo + 1], &op->win[lo],
				sizeof(CqStreamWindow) * (op->nwin - lo));
	op->nwin++;
	w = &op->win[lo];
	memset(w, 0, sizeof(*w));
	w->wstart = wstart;
	w->tmin = PG_INT64_MAX;
	w->tmax = PG_INT64_MIN;
	cq_agg_init(&w->st);
	return w;
}

CqStreamWindow *
cq_stream_load_window(CqStreamOp *op, int64 wstart)
{
	return KeyWindow(op, wstart);
}

void
cq_stream_load_distinct(CqStreamOp *op, CqStreamWindow *w, const char *val,
						int len)
{
	MemoryContext old = MemoryContextSwitchTo(op->key_cxt);

	SetAdd(w, val, len);
	MemoryContextSwitchTo(old);
}

static double
WindowValue(const CqStreamOp *op, const CqStreamWindow *w)
{
	if (op->agg == CQ_AGG_COUNT_DISTINCT)
		return (double) cq_stream_distinct_count(w);
	return cq_agg_final(&w->st, op->agg);
}

static void
Emit(CqStreamOp *op, const CqStreamWindow *w, bool final, int64 order)
{
	CqStreamResult *r;
	MemoryContext old = MemoryContextSwitchTo(op->cxt);

	/* Results outlive the key: they get their own copy of it */
	if (op->key != NULL && op->key_res == NULL)
		op->key_res = CopyText(VARDATA(op->key), VARSIZE(op->key) - VARHDRSZ);
	if (op->nres == op->res_cap)
	{
		op->res_cap = op->res_cap > 0 ? op->res_cap * 2 : 256;
		op->res = op->res == NULL
			? palloc_extended(sizeof(CqStreamResult) * op->res_cap,
							  MCXT_ALLOC_HUGE)
			: repalloc_huge(op->res, sizeof(CqStreamResult) * op->res_cap);
	}
	r = &op->res[op->nres++];
	r->key = op->key_res;
	r->key_seq = op->key_seq;
	if (op->spec.kind == CQ_WINDOW_COUNT)
	{
		r->start = w->tmin;
		r->end = w->tmax;
	}
	else
	{
		r->start = w->wstart;
		r->end = cq_window_end(&op->spec, w->wstart);
	}
	r->value = WindowValue(op, w);
	r->count = w->st.count;
	r->order = order;
	r->final = final;
	MemoryContextSwitchTo(old);
}

static void
Fold(CqStreamOp *op, CqStreamWindow *w, const CqBatchRow *r)
{
	if (op->agg == CQ_AGG_COUNT_DISTINCT)
		SetAdd(w, VARDATA(r->val), VARSIZE(r->val) - VARHDRSZ);
	cq_agg_fold(&w->st, r->v);
	if (r->t < w->tmin)
		w->tmin = r->t;
	if (r->t > w->tmax)
		w->tmax = r->t;
	w->changed = true;
}

static bool
SameValue(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

bool
cq_stream_key_fold(CqStreamOp *op, int64 first, int64 n)
{
	MemoryContext old = MemoryContextSwitchTo(op->key_cxt);
	bool dirty = false;
	int m = 0;

	for (int64 i = first; i < first + n; i++)
	{
		const CqBatchRow *r = cq_stream_sorted_row(op, i);

		if (op->spec.kind == CQ_WINDOW_COUNT)
		{
			int64 lo, hi;

			cq_window_count_range(&op->spec, op->key_nrows, &lo, &hi);
			op->key_nrows++;
			for (int64 k = lo; k <= hi; k++)
			{
				CqStreamWindow *w = KeyWindow(op, k);

				Fold(op, w, r);
				if (w->st.count == op->spec.size)
				{
					Emit(op, w, true, r->seq);
					w->closed = true;
				}
			}
		}
		else
		{
			int nstarts = cq_window_starts(&op->spec, r->t, op->starts);
			bool folded = false;

			for (int j = 0; j < nstarts; j++)
			{
				if (cq_window_end(&op->spec, op->starts[j]) <= r->wm)
					continue;
				Fold(op, KeyWindow(op, op->starts[j]), r);
				folded = true;
			}
			if (!folded)
				op->nlate++;
		}
		dirty = true;
	}

	/* Time windows the watermark has reached close */
	if (op->spec.kind != CQ_WINDOW_COUNT)
		for (int i = 0; i < op->nwin; i++)
		{
			CqStreamWindow *w = &op->win[i];
			TimestampTz end = cq_window_end(&op->spec, w->wstart);

			if (w->closed || end > op->watermark)
				continue;
			Emit(op, w, true, 0);
			w->closed = true;
			dirty = true;
			if (end > op->latest_end)
				op->latest_end = end;
		}

	/* on_update: the open windows whose value changed in this batch */
	for (int i = 0; i < op->nwin; i++)
	{
		CqStreamWindow *w = &op->win[i];
		double v;

		if (w->closed || !w->changed || !op->on_update)
			continue;
		v = WindowValue(op, w);
		if (w->emitted_count == w->st.count && SameValue(v, w->emitted_value))
			continue;
		Emit(op, w, false, 0);
		w->emitted_count = w->st.count;
		w->emitted_value = v;
	}

	/* Keep the open windows only */
	for (int i = 0; i < op->nwin; i++)
		if (!op->win[i].closed)
			op->win[m++] = op->win[i];
	op->nwin = m;
	MemoryContextSwitchTo(old);
	return dirty;
}

void
cq_stream_idle_flush(CqStreamOp *op)
{
	op->latest_end = op->watermark;
	op->watermark = PG_INT64_MAX;
}

void
cq_stream_idle_done(CqStreamOp *op)
{
	op->watermark = op->latest_end;
}

/* Step 4 */

static int
ResultCmp(const void *pa, const void *pb)
{
	const CqStreamResult *a = pa;
	const CqStreamResult *b = pb;

	/* final results first; updates after them, by key */
	if (a->final != b->final)
		return a->final ? -1 : 1;
	if (a->final)
	{
		if (a->order != b->order)
			return a->order < b->order ? -1 : 1;
		if (a->end != b->end)
			return a->end < b->end ? -1 : 1;
		if (a->start != b->start)
			return a->start < b->start ? -1 : 1;
	}
	/* by key: the merge begins keys in byte order (cq_stream_key_begin) */
	if (a->key_seq != b->key_seq)
		return a->key_seq < b->key_seq ? -1 : 1;
	return (a->start > b->start) - (a->start < b->start);
}

void
cq_stream_sort_results(CqStreamOp *op)
{
	if (op->nres > 1)
		qsort(op->res, op->nres, sizeof(CqStreamResult), ResultCmp);
}
