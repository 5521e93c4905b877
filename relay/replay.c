/*
 * replay.c
 *	  History from the results log: replay on (re)connect, back-fill
 *	  after a database loss, reads after a backlog overflowed.
 *
 * Design notes
 *
 * One read per topic serves every sub waiting at the time (in_batch),
 * from the smallest position; subs that start waiting meanwhile are
 * served by the next read, started when this one ends.  The read returns,
 * in one snapshot, the query's last result id (l), the log's oldest id
 * (o) and the results after the position, at most replay-limit of them,
 * the most recent.  A sub without a position from its client starts at
 * the query's last_result_id as read when the stream was opened, so even
 * a live-only stream misses nothing committed after that moment.
 *
 * Lost results: when the log no longer holds the results right after a
 * position (trimmed by retention, or cut by replay-limit), the sub first
 * gets "event: lost" naming the missing range, never a silent gap.  A
 * position from an earlier query of the same name (another query id)
 * replays the new query from its start.
 *
 * The history becomes the sub's backlog (sub.h), sent in slices.  The
 * topic's first read also gives it its live position (live.c): the
 * query's last result id l in the read's snapshot.  A failed read is
 * handled by topic_read_failed: the query is gone (42704), the relay's
 * role may not read it (42501), or it is tried again, its subs still
 * waiting (they never go live without their history).
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "pgconn.h"
#include "replay.h"

static const char *const ReplaySql =
	"SELECT p.l, p.o, r.id, r.payload::text FROM (SELECT "
	"(SELECT last_result_id FROM cqstream.queries WHERE name = $1) AS l, "
	"(SELECT id FROM cqstream.results($1, 0, 1)) AS o) p "
	"LEFT JOIN LATERAL cqstream.results($1, greatest($2::bigint, "
	"coalesce(p.l, 0) - $3::integer), $3::integer) r ON true ORDER BY r.id";

/* One read's answer, shared by the subs of its batch */
typedef struct History
{
	int64_t l;	 /* the query's last result id, or -1 */
	int64_t o;	 /* the log's oldest result id, or -1 */
	Event **evs; /* the results read, in id order */
	int nev;
} History;

/* A position of t: in t's id range (another query id: from the start) */
static int64_t
NormalizeAfter(Topic *t, int64_t a)
{
	if (t->qid <= 0)
		return 0;
	if (a / SSE_ID_BASE != t->qid)
		return t->qid * SSE_ID_BASE;
	return a;
}

/* The read failed: its subs wait for the next (topic_read_failed) */
static void
ReplayFailed(Topic *t, PGresult *res)
{
	for (Sub *s = t->subs; s; s = s->tnext)
		s->in_batch = false;
	topic_read_failed(t, res);
}

/* The rows of res as events (jsonb text compacted), and l and o */
static void
ReadHistory(Topic *t, PGresult *res, History *h)
{
	int n = PQntuples(res);

	h->l = -1;
	h->o = -1;
	h->evs = NULL;
	h->nev = 0;
	if (n > 0 && !PQgetisnull(res, 0, 0))
		h->l = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (n > 0 && !PQgetisnull(res, 0, 1))
		h->o = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (t->qid <= 0 && h->l > 0)
		t->qid = h->l / SSE_ID_BASE;
	if (n <= 0)
		return;
	h->evs = calloc(n, sizeof(Event *));
	if (h->evs == NULL)
		abort();
	for (int i = 0; i < n; i++)
	{
		Event *ev;

		if (PQgetisnull(res, i, 2) || PQgetisnull(res, i, 3))
			continue;
		ev = wire_from_log(strtoll(PQgetvalue(res, i, 2), NULL, 10),
						   t->is_window, PQgetvalue(res, i, 3),
						   PQgetlength(res, i, 3));
		if (ev == NULL)
			continue;
		h->evs[h->nev++] = ev;
		metrics.events_in++;
	}
}

/*
 * Give s its part of h: "event: lost" if the results right after its
 * position are gone, then the history after the position, as backlog
 */
static void
ReplaySub(Topic *t, Sub *s, const History *h)
{
	int64_t a = NormalizeAfter(t, s->replay_after);
	int64_t e;
	int64_t first;
	int64_t next;

	if (h->l > 0 && a > h->l)
		a = h->l;
	if (h->l < 0)
		a = 0;
	/* e: where the read's results start for s (replay-limit cut) */
	e = a;
	if (h->l > 0 && h->l - relay_config->replay_limit > e)
		e = h->l - relay_config->replay_limit;
	first = h->o > 0 ? h->o : (h->l > 0 ? h->l + 1 : a + 1);
	next = first > e + 1 ? first : e + 1;
	if (s->counted)
		metrics.replays++;
	if (next > a + 1 && h->l > a)
	{
		StrBuf b;

		strbuf_init(&b);
		wire_format_lost(&b, t->name, a, next);
		output_write_text(s->client, b.data, b.len);
		strbuf_free(&b);
	}
	s->last_sent = a;
	sub_end_replay(s, h->evs, h->nev, e);
}

static void
Replay_cb(PGresult *res, void *arg)
{
	Topic *t = arg;
	History h;

	t->replay_cmd = NULL;
	if (res == NULL)
	{
		/* Connection lost: every waiting sub is replayed on reconnect */
		for (Sub *s = t->subs; s; s = s->tnext)
			s->in_batch = false;
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		ReplayFailed(t, res);
		return;
	}
	t->readable = true;
	ReadHistory(t, res, &h);
	/* The first read: live reads start after the query's last result */
	live_start(t, h.l);
	for (Sub *s = t->subs; s; s = s->tnext)
		if (s->in_batch)
			ReplaySub(t, s, &h);
	for (int i = 0; i < h.nev; i++)
		wire_unref(h.evs[i]);
	free(h.evs);
	output_flush_dirty();
	replay_start(t);
}

void
replay_start(Topic *t)
{
	int64_t min_after = INT64_MAX;
	char after[24];
	char limit[16];
	const char *params[3];

	if (t->replay_cmd || !pgconn_ready())
		return;
	for (Sub *s = t->subs; s; s = s->tnext)
		if (s->replaying && !s->in_batch &&
			s->client->state == CLIENT_STREAMING)
		{
			s->replay_after = NormalizeAfter(t, s->replay_after);
			s->in_batch = true;
			if (s->replay_after < min_after)
				min_after = s->replay_after;
		}
	if (min_after == INT64_MAX)
		return;
	/* The LISTEN is queued first if it is not in place yet (no gap) */
	topic_listen(t);
	snprintf(after, sizeof(after), "%lld", (long long) min_after);
	snprintf(limit, sizeof(limit), "%d", relay_config->replay_limit);
	params[0] = t->name;
	params[1] = after;
	params[2] = limit;
	t->replay_cmd = pgconn_query(ReplaySql, 3, params, Replay_cb, t);
}

void
replay_cancel(Topic *t)
{
	pgconn_cancel(t->replay_cmd);
	t->replay_cmd = NULL;
	/* What Replay_cb(NULL) does: every waiting sub is replayed later */
	for (Sub *s = t->subs; s; s = s->tnext)
		s->in_batch = false;
}
