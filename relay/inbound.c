/*
 * inbound.c
 *	  A topic's incoming results in order; those sent by reference read
 *	  from the results log.
 *
 * Design notes
 *
 * A notification carries one result or an array of them, each with its
 * JSON, or, for a result too large for NOTIFY (CQ_NOTIFY_MAX_PAYLOAD) or
 * a query with notify = id, only its id ("ref":true).  A topic keeps its
 * incoming results in order: while the oldest is not resolved yet, one
 * log read fetches the range of all unresolved ones (at most
 * FETCH_MAX_ROWS ids), and later results wait behind it, so order is
 * kept.  With nothing waiting, a result with its JSON goes out at once.
 *
 * Results the log no longer gives (trimmed, or not readable by the
 * relay's role) are never a silent gap: a live sub gets "event: lost"; a
 * sub that is replaying or has a backlog reads what follows its backlog
 * from the log again (overflow, sub.h), and that read reports what is
 * missing.  Results read by reference are history: they may be many, so
 * they go to backlogs fed in slices (topic_dispatch).
 */
#include <stdlib.h>
#include <string.h>

#include "inbound.h"
#include "log.h"
#include "output.h"
#include "payload.h"
#include "pgconn.h"

/* Most ids one by-reference read covers */
#define FETCH_MAX_ROWS 1000

struct Inbound
{
	int64_t id;
	Event *ev;	   /* NULL until read from the log */
	bool from_log; /* read by reference: history, sent in slices */
	struct Inbound *next;
};

static void Pump(Topic *t);

static int
InboundCmp(const void *a, const void *b)
{
	const Inbound *x = *(Inbound *const *) a;
	const Inbound *y = *(Inbound *const *) b;

	return (x->id > y->id) - (x->id < y->id);
}

/* Results of t up to upto could not be read: never a silent gap */
static void
LostByReference(Topic *t, int64_t upto)
{
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		Client *c = s->client;
		StrBuf b;

		if (c->state != CLIENT_STREAMING || upto <= s->last_sent)
			continue;
		if (s->replaying || sub_has_backlog(s))
		{
			s->overflow = true;
			continue;
		}
		strbuf_init(&b);
		wire_format_lost(&b, t->name, s->last_sent, upto + 1);
		output_write_text(c, b.data, b.len);
		strbuf_free(&b);
		s->last_sent = upto;
	}
}

/*
 * Give the unresolved entries of t the rows of res (id, payload, in id
 * order) with their ids; returns the last id the read covered (0: none)
 */
static int64_t
ResolveRows(Topic *t, PGresult *res)
{
	StrBuf json;
	Inbound **want;
	int nwant = 0;
	int w = 0;
	int64_t upto = 0;

	/*
	 * The unresolved entries, sorted by id, matched against the rows (in
	 * id order) in one merge: rows + entries, not their product
	 */
	for (Inbound *in = t->in_head; in; in = in->next)
		nwant += in->ev == NULL;
	want = malloc((nwant + 1) * sizeof(Inbound *));
	if (want == NULL)
		abort();
	nwant = 0;
	for (Inbound *in = t->in_head; in; in = in->next)
		if (in->ev == NULL)
			want[nwant++] = in;
	qsort(want, nwant, sizeof(Inbound *), InboundCmp);
	strbuf_init(&json);
	for (int i = 0; i < PQntuples(res); i++)
	{
		int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		PayloadItem *items;

		upto = id;
		while (w < nwant && want[w]->id < id)
			w++;
		if (w == nwant || want[w]->id != id)
			continue;
		strbuf_reset(&json);
		payload_minify(&json, PQgetvalue(res, i, 1), PQgetlength(res, i, 1));
		if (payload_parse(json.data, json.len, &items) == 1)
		{
			want[w]->ev = wire_build(id, t->is_window, json.data, json.len,
									 items[0].has_key, items[0].key);
			want[w]->from_log = true;
			payload_items_free(items, 1);
		}
		w++;
	}
	strbuf_free(&json);
	free(want);
	return upto;
}

static void
Fetch_cb(PGresult *res, void *arg)
{
	Topic *t = arg;
	int64_t upto = 0;
	int64_t lost = 0;

	t->fetch_cmd = NULL;
	if (res == NULL)
		return; /* lost: the back-fill after reconnecting covers these */
	if (PQresultStatus(res) == PGRES_TUPLES_OK)
		upto = ResolveRows(t, res);
	else
		relay_log(LOG_WARN,
				  "could not read results of \"%s\" by reference: %s", t->name,
				  PQresultErrorMessage(res));
	/*
	 * Unresolved entries the read covered are gone (trimmed), or none can
	 * be read (an error): drop them, and say so (LostByReference)
	 */
	while (t->in_head && t->in_head->ev == NULL &&
		   (upto == 0 || t->in_head->id <= upto))
	{
		Inbound *in = t->in_head;

		t->in_head = in->next;
		if (t->in_head == NULL)
			t->in_tail = NULL;
		lost = in->id;
		free(in);
	}
	if (lost > 0)
	{
		relay_log(LOG_WARN,
				  "results of \"%s\" up to %lld sent by reference could not "
				  "be read",
				  t->name, (long long) lost);
		LostByReference(t, lost);
	}
	Pump(t);
	output_flush_dirty();
}

/*
 * Dispatch t's resolved results from the head; if the head waits for the
 * log, read the range of unresolved ids that starts there
 */
static void
Pump(Topic *t)
{
	while (t->in_head && t->in_head->ev)
	{
		Inbound *in = t->in_head;

		t->in_head = in->next;
		if (t->in_head == NULL)
			t->in_tail = NULL;
		topic_dispatch(t, in->ev, in->from_log);
		wire_unref(in->ev);
		free(in);
	}
	if (t->in_head && !t->fetch_cmd && pgconn_ready())
	{
		int64_t first = t->in_head->id;
		int64_t last = first;
		char after[24];
		char rows[24];
		const char *params[3];

		for (Inbound *in = t->in_head; in; in = in->next)
			if (in->ev == NULL && in->id > last &&
				in->id - first < FETCH_MAX_ROWS)
				last = in->id;
		snprintf(after, sizeof(after), "%lld", (long long) (first - 1));
		snprintf(rows, sizeof(rows), "%lld", (long long) (last - first + 1));
		params[0] = t->name;
		params[1] = after;
		params[2] = rows;
		t->fetch_cmd =
			pgconn_query("SELECT id, payload::text FROM cqstream.results($1, $2, $3)",
						 3, params, Fetch_cb, t);
	}
}

void
inbound_notify(Topic *t, const char *payload)
{
	PayloadItem *items;
	int n = payload_parse(payload, strlen(payload), &items);

	if (n < 0)
	{
		relay_log(LOG_WARN, "ignoring a malformed notification on \"%s\"",
				  t->channel);
		return;
	}
	for (int i = 0; i < n; i++)
	{
		Inbound *in;
		Event *ev = NULL;

		if (!items[i].ref)
			ev = wire_build(items[i].id, t->is_window, items[i].text,
							items[i].len, items[i].has_key, items[i].key);
		if (t->in_head == NULL && ev)
		{
			topic_dispatch(t, ev, false);
			wire_unref(ev);
			continue;
		}
		in = calloc(1, sizeof(Inbound));
		if (in == NULL)
			abort();
		in->id = items[i].id;
		in->ev = ev;
		if (t->in_tail)
			t->in_tail->next = in;
		else
			t->in_head = in;
		t->in_tail = in;
	}
	payload_items_free(items, n);
	Pump(t);
}

void
inbound_clear(Topic *t)
{
	pgconn_cancel(t->fetch_cmd);
	t->fetch_cmd = NULL;
	while (t->in_head)
	{
		Inbound *in = t->in_head;

		t->in_head = in->next;
		wire_unref(in->ev);
		free(in);
	}
	t->in_tail = NULL;
}
