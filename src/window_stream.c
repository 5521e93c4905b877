/*-------------------------------------------------------------------------
 *
 * window_stream.c
 *	  The window operator of continuous queries (see window_stream.h and
 *	  docs/windows.md for the semantics).
 *
 * Design notes
 *
 * Watermark.  One per query: W = max event time seen - lateness, never
 * moving back; a row is folded into each of its windows whose end is
 * beyond W as it was before the row; windows close when W reaches their
 * end.  next_close caches the smallest end of an open time window, so a
 * row that does not move W past it costs no scan; when it does, every key
 * is scanned once and the closed windows are emitted sorted by (end,
 * start, key) so that the ids they get do not depend on hash order.
 *
 * Count windows do not use event time: window k of a key holds its rows
 * k*hop .. k*hop+size-1 (window.c's cq_window_count_range) and is emitted
 * as soon as it is full, in row order.
 *
 * Booleans fold as 1 and 0 into window.c's state, so ANY is the maximum,
 * ALL the minimum and COUNT_TRUE the sum; text folds as 0 (only the count
 * matters) and COUNT_DISTINCT keeps a set of the values per window.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/hashfn.h"
#include "common/int.h"
#include "utils/memutils.h"

#include "window_stream.h"

/* String tables */

static uint32
HashBytes(const char *s, int len)
{
	return hash_bytes((const unsigned char *) s, len);
}

static bool
TextEq(const text *a, const char *s, int len)
{
	return VARSIZE_ANY_EXHDR(a) == (Size) len &&
		memcmp(VARDATA_ANY(a), s, len) == 0;
}

/*
 * StrTableFind: the slot of bytes s/len in t (whose entries' text is
 * given by get), or the free slot where it would go.
 */
typedef const text *(*EntryText)(const void *ent);

static int
StrTableFind(const CqStrTable *t, EntryText get, const char *s, int len,
			 uint32 h)
{
	uint32 mask = (uint32) t->size - 1;
	uint32 i = h & mask;

	for (;;)
	{
		if (t->ent[i] == NULL)
			return (int) i;
		if (t->hash[i] == h && TextEq(get(t->ent[i]), s, len))
			return (int) i;
		i = (i + 1) & mask;
	}
}

/* Make room for one more entry (load factor at most 1/2) */
static void
StrTableGrow(CqStrTable *t, EntryText get)
{
	CqStrTable old = *t;
	int size;

	if (t->size > 0 && (t->count + 1) * 2 <= t->size)
		return;
	size = t->size > 0 ? t->size * 2 : 8;
	t->ent = palloc0(sizeof(void *) * size);
	t->hash = palloc(sizeof(uint32) * size);
	t->size = size;
	for (int i = 0; i < old.size; i++)
		if (old.ent[i] != NULL)
		{
			uint32 j = old.hash[i] & ((uint32) size - 1);

			while (t->ent[j] != NULL)
				j = (j + 1) & ((uint32) size - 1);
			t->ent[j] = old.ent[i];
			t->hash[j] = old.hash[i];
		}
	if (old.size > 0)
	{
		pfree(old.ent);
		pfree(old.hash);
	}
}

static const text *
KeyText(const void *ent)
{
	return ((const CqStreamKey *) ent)->key;
}

static const text *
ValueText(const void *ent)
{
	return (const text *) ent;
}

static text *
MakeText(const char *s, int len)
{
	text *t = palloc(VARHDRSZ + len);

	SET_VARSIZE(t, VARHDRSZ + len);
	memcpy(VARDATA(t), s, len);
	return t;
}

/* Add s/len to a window's distinct set */
static void
DistinctAdd(CqStrTable *set, const char *s, int len)
{
	uint32 h = HashBytes(s, len);
	int i;

	StrTableGrow(set, ValueText);
	i = StrTableFind(set, ValueText, s, len, h);
	if (set->ent[i] == NULL)
	{
		set->ent[i] = MakeText(s, len);
		set->hash[i] = h;
		set->count++;
	}
}

/* The operator */

void
cq_stream_init(CqStreamOp *op, const CqWindowSpec *w, CqAggKind agg,
			   int64 lateness, CqStreamEmitFn emit, void *arg)
{
	memset(op, 0, sizeof(*op));
	op->spec = *w;
	op->agg = agg;
	op->lateness = lateness;
	op->max_time = DT_NOBEGIN;
	op->watermark = DT_NOBEGIN;
	op->next_close = PG_INT64_MAX;
	op->starts = palloc(sizeof(TimestampTz) * Max(w->overlap, 1));
	op->emit = emit;
	op->arg = arg;
}

CqStreamKey *
cq_stream_key(CqStreamOp *op, const char *key, int len, bool isnull)
{
	CqStreamKey *k;
	uint32 h;
	int i;

	if (isnull)
	{
		if (op->null_key == NULL)
			op->null_key = palloc0(sizeof(CqStreamKey));
		return op->null_key;
	}
	h = HashBytes(key, len);
	if (op->keys.size > 0)
	{
		i = StrTableFind(&op->keys, KeyText, key, len, h);
		if (op->keys.ent[i] != NULL)
			return (CqStreamKey *) op->keys.ent[i];
	}
	StrTableGrow(&op->keys, KeyText);
	i = StrTableFind(&op->keys, KeyText, key, len, h);
	k = palloc0(sizeof(CqStreamKey));
	k->key = MakeText(key, len);
	k->hash = h;
	op->keys.ent[i] = k;
	op->keys.hash[i] = h;
	op->keys.count++;
	return k;
}

/* The open window wstart of k, made (empty) if create and absent */
static CqStreamWindow *
KeyWindow(CqStreamOp *op, CqStreamKey *k, int64 wstart, bool create)
{
	CqStreamWindow *w;

	for (int i = 0; i < k->nwin; i++)
		if (k->win[i].wstart == wstart)
			return &k->win[i];
	if (!create)
		return NULL;
	if (k->nwin == k->cap)
	{
		k->cap = k->cap > 0 ? k->cap * 2 : 4;
		k->win = k->win == NULL
			? palloc(sizeof(CqStreamWindow) * k->cap)
			: repalloc(k->win, sizeof(CqStreamWindow) * k->cap);
	}
	w = &k->win[k->nwin++];
	memset(w, 0, sizeof(*w));
	w->wstart = wstart;
	w->tmin = PG_INT64_MAX;
	w->tmax = PG_INT64_MIN;
	cq_agg_init(&w->st);
	op->nopen++;
	if (op->spec.kind != CQ_WINDOW_COUNT)
	{
		TimestampTz end = cq_window_end(&op->spec, wstart);

		if (end < op->next_close)
			op->next_close = end;
	}
	return w;
}

CqStreamWindow *
cq_stream_load_window(CqStreamOp *op, CqStreamKey *k, int64 wstart)
{
	return KeyWindow(op, k, wstart, true);
}

void
cq_stream_load_distinct(CqStreamWindow *w, const char *val, int len)
{
	DistinctAdd(&w->distinct, val, len);
}

static double
WindowValue(const CqStreamOp *op, const CqStreamWindow *w)
{
	if (op->agg == CQ_AGG_COUNT_DISTINCT)
		return (double) w->distinct.count;
	return cq_agg_final(&w->st, op->agg);
}

static void
Emit(CqStreamOp *op, const CqStreamKey *k, const CqStreamWindow *w, bool final)
{
	CqStreamResult r;

	r.key = k;
	if (op->spec.kind == CQ_WINDOW_COUNT)
	{
		r.start = w->tmin;
		r.end = w->tmax;
	}
	else
	{
		r.start = w->wstart;
		r.end = cq_window_end(&op->spec, w->wstart);
	}
	r.value = WindowValue(op, w);
	r.count = w->st.count;
	r.final = final;
	op->emit(op->arg, &r);
}

static void
Fold(CqStreamOp *op, CqStreamWindow *w, TimestampTz t, double v,
	 const char *val, int len)
{
	if (op->agg == CQ_AGG_COUNT_DISTINCT)
		DistinctAdd(&w->distinct, val, len);
	cq_agg_fold(&w->st, v);
	if (t < w->tmin)
		w->tmin = t;
	if (t > w->tmax)
		w->tmax = t;
	w->changed = true;
}

/* Remove the windows marked closed from k */
static void
Compact(CqStreamOp *op, CqStreamKey *k)
{
	int n = 0;

	for (int i = 0; i < k->nwin; i++)
	{
		if (k->win[i].closed)
		{
			op->nopen--;
			continue;
		}
		if (n != i)
			k->win[n] = k->win[i];
		n++;
	}
	k->nwin = n;
}

/* Closing time windows */

typedef struct Closed
{
	CqStreamKey *key;
	CqStreamWindow *win;
	TimestampTz end;
} Closed;

static int
KeyCmp(const CqStreamKey *a, const CqStreamKey *b)
{
	int la, lb, c;

	if (a->key == NULL || b->key == NULL)
		return (a->key == NULL ? 0 : 1) - (b->key == NULL ? 0 : 1);
	la = VARSIZE_ANY_EXHDR(a->key);
	lb = VARSIZE_ANY_EXHDR(b->key);
	c = memcmp(VARDATA_ANY(a->key), VARDATA_ANY(b->key), Min(la, lb));
	return c != 0 ? c : (la > lb) - (la < lb);
}

static int
ClosedCmp(const void *pa, const void *pb)
{
	const Closed *a = pa;
	const Closed *b = pb;

	if (a->end != b->end)
		return a->end < b->end ? -1 : 1;
	if (a->win->wstart != b->win->wstart)
		return a->win->wstart < b->win->wstart ? -1 : 1;
	/* NULL key first */
	return KeyCmp(a->key, b->key);
}

static void
CollectKey(CqStreamOp *op, CqStreamKey *k, Closed **out, int *n, int *cap,
		   TimestampTz *next)
{
	for (int i = 0; i < k->nwin; i++)
	{
		CqStreamWindow *w = &k->win[i];
		TimestampTz end = cq_window_end(&op->spec, w->wstart);

		if (end > op->watermark)
		{
			if (end < *next)
				*next = end;
			continue;
		}
		if (*n == *cap)
		{
			*cap = *cap > 0 ? *cap * 2 : 64;
			*out = *out == NULL ? palloc(sizeof(Closed) * *cap)
								: repalloc(*out, sizeof(Closed) * *cap);
		}
		(*out)[*n].key = k;
		(*out)[*n].win = w;
		(*out)[*n].end = end;
		(*n)++;
	}
}

/* Emit and remove every time window whose end is <= the watermark */
static void
CloseWindows(CqStreamOp *op)
{
	Closed *closed = NULL;
	int n = 0;
	int cap = 0;
	TimestampTz next = PG_INT64_MAX;

	if (op->null_key)
		CollectKey(op, op->null_key, &closed, &n, &cap, &next);
	for (int i = 0; i < op->keys.size; i++)
		if (op->keys.ent[i] != NULL)
			CollectKey(op, (CqStreamKey *) op->keys.ent[i], &closed, &n, &cap,
					   &next);
	op->next_close = next;
	if (n == 0)
		return;
	qsort(closed, n, sizeof(Closed), ClosedCmp);
	for (int i = 0; i < n; i++)
	{
		Emit(op, closed[i].key, closed[i].win, true);
		closed[i].win->closed = true;
	}
	/*
	 * Pointers into the keys' arrays stay valid until here.  Compacting a
	 * key twice is harmless: the second time finds nothing closed.
	 */
	for (int i = 0; i < n; i++)
		Compact(op, closed[i].key);
	pfree(closed);
}

/* Move the watermark after a row at t */
static void
Observe(CqStreamOp *op, TimestampTz t)
{
	TimestampTz w;

	if (t > op->max_time)
		op->max_time = t;
	/* max_time - lateness, saturating */
	if (pg_sub_s64_overflow(op->max_time, op->lateness, &w))
		w = PG_INT64_MIN;
	if (w > op->watermark)
		op->watermark = w;
	if (op->watermark >= op->next_close)
		CloseWindows(op);
}

bool
cq_stream_add(CqStreamOp *op, CqStreamKey *k, TimestampTz t, double v,
			  const char *val, int len)
{
	bool folded = false;

	if (op->spec.kind == CQ_WINDOW_COUNT)
	{
		int64 first, last;

		cq_window_count_range(&op->spec, k->nrows, &first, &last);
		k->nrows++;
		for (int64 n = first; n <= last; n++)
		{
			CqStreamWindow *w = KeyWindow(op, k, n, true);

			Fold(op, w, t, v, val, len);
			if (w->st.count == op->spec.size)
			{
				Emit(op, k, w, true);
				w->closed = true;
			}
		}
		Compact(op, k);
		return true;
	}
	else
	{
		int nstarts = cq_window_starts(&op->spec, t, op->starts);

		for (int i = 0; i < nstarts; i++)
		{
			TimestampTz s = op->starts[i];

			if (cq_window_end(&op->spec, s) <= op->watermark)
				continue;
			Fold(op, KeyWindow(op, k, s, true), t, v, val, len);
			folded = true;
		}
	}
	Observe(op, t);
	return folded;
}

static bool
SameValue(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

static int
KeyPtrCmp(const void *a, const void *b)
{
	return KeyCmp(*(CqStreamKey *const *) a, *(CqStreamKey *const *) b);
}

static void
UpdateKey(CqStreamOp *op, CqStreamKey *k)
{
	for (int i = 0; i < k->nwin; i++)
	{
		CqStreamWindow *w = &k->win[i];
		double v;

		if (!w->changed)
			continue;
		v = WindowValue(op, w);
		if (w->emitted_count == w->st.count && SameValue(v, w->emitted_value))
			continue;
		Emit(op, k, w, false);
		w->emitted_count = w->st.count;
		w->emitted_value = v;
	}
}

void
cq_stream_emit_updates(CqStreamOp *op)
{
	CqStreamKey **keys;
	int n = 0;

	/* In key order, so that ids do not depend on hash order */
	keys = palloc(sizeof(CqStreamKey *) * (op->keys.count + 1));
	if (op->null_key)
		keys[n++] = op->null_key;
	for (int i = 0; i < op->keys.size; i++)
		if (op->keys.ent[i] != NULL)
			keys[n++] = (CqStreamKey *) op->keys.ent[i];
	qsort(keys, n, sizeof(CqStreamKey *), KeyPtrCmp);
	for (int i = 0; i < n; i++)
		UpdateKey(op, keys[i]);
	pfree(keys);
}

void
cq_stream_flush_all(CqStreamOp *op)
{
	TimestampTz latest = PG_INT64_MIN;

	if (op->spec.kind == CQ_WINDOW_COUNT || op->nopen == 0)
		return;
	for (int i = -1; i < op->keys.size; i++)
	{
		CqStreamKey *k = i < 0 ? op->null_key : op->keys.ent[i];

		if (k == NULL)
			continue;
		for (int j = 0; j < k->nwin; j++)
		{
			TimestampTz end = cq_window_end(&op->spec, k->win[j].wstart);

			if (end > latest)
				latest = end;
		}
	}
	if (latest > op->watermark)
		op->watermark = latest;
	CloseWindows(op);
}

void
cq_stream_foreach(CqStreamOp *op, CqStreamVisitFn fn, void *arg)
{
	for (int i = -1; i < op->keys.size; i++)
	{
		CqStreamKey *k = i < 0 ? op->null_key : op->keys.ent[i];

		if (k == NULL)
			continue;
		for (int j = 0; j < k->nwin; j++)
			fn(arg, k, &k->win[j]);
	}
}

int
cq_stream_distinct_values(const CqStreamWindow *w, text **out)
{
	int n = 0;

	for (int i = 0; i < w->distinct.size; i++)
		if (w->distinct.ent[i] != NULL)
			out[n++] = (text *) w->distinct.ent[i];
	return n;
}
