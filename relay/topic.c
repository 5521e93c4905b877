/*
 * topic.c
 *	  Topics: subscribed queries, LISTEN/UNLISTEN, dispatch, dropped
 *	  queries.
 *
 * Design notes
 *
 * Topics are created by the streams that follow them and freed from a
 * zero-delay event ("gc") once they have no subscriber, never in the
 * middle of a delivery loop.  The LISTEN of a topic is queued before any
 * history read of it (replay.c), so it is in place before that read's
 * snapshot.  Channel names are CQ_CHANNEL_PREFIX followed by a query
 * name ([a-z][a-z0-9_]*, src/contract.h): they need no quoting.
 *
 * Dispatch: a result (read from the log, live.c) goes to each
 * subscriber at once unless the subscriber is replaying or has a backlog
 * (then it is held behind it).
 *
 * Dropped queries: a notification on CQ_REGISTRY_CHANNEL (payload: a
 * query name, which any role can send, so only a reason to look) makes
 * the relay check whether that query still exists; if not, its streams
 * end with an "event: dropped" naming it, and their clients get 204 when
 * they come back.  A read that finds
 * the query gone (42704) does the same; one the relay's role may no
 * longer make (42501: read grant revoked) ends the streams too, and they
 * get 403 when they come back (lookup.c).  Any other failed read is
 * tried again after READ_RETRY_MS.  A registry notification also has the
 * roles of the topic's streams checked again (rolecheck.c): a revoked
 * read grant ends the streams of the roles it concerned.
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "config.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "replica.h"
#include "output.h"
#include "replay.h"
#include "rolecheck.h"
#include "topic.h"

/* A failed read of a topic's log is tried again after this */
#define READ_RETRY_MS 1000

static struct
{
	struct event_base *base;
	Topic *topics;
	int ntopics;
	struct event *gc_ev;
	int listening; /* topics whose LISTEN is in place */
} tp;

static void Gc_cb(evutil_socket_t fd, short what, void *arg);
static void Retry_cb(evutil_socket_t fd, short what, void *arg);

void
topic_init(struct event_base *base)
{
	tp.base = base;
	tp.gc_ev = event_new(base, -1, 0, Gc_cb, NULL);
}

int
topic_count(void)
{
	return tp.ntopics;
}

Topic *
topic_find(const char *name)
{
	for (Topic *t = tp.topics; t; t = t->next)
		if (strcmp(t->name, name) == 0)
			return t;
	return NULL;
}

static void
Listen_cb(PGresult *res, void *arg)
{
	Topic *t = arg;

	t->listen_cmd = NULL;
	if (res && PQresultStatus(res) == PGRES_COMMAND_OK)
	{
		if (!t->listening)
			tp.listening++;
		t->listening = true;
	}
	else if (res)
		relay_log(LOG_WARN, "could not listen on \"%s\": %s", t->channel,
				  PQresultErrorMessage(res));
}

void
topic_listen(Topic *t)
{
	char sql[128];

	/* On a standby there is no LISTEN: replica.c polls instead */
	if (t->listen_cmd || t->listening || replica_active())
		return;
	snprintf(sql, sizeof(sql), "LISTEN \"%s\"", t->channel);
	t->listen_cmd = pgconn_query(sql, 0, NULL, Listen_cb, t);
}

Topic *
topic_get(const char *name, const char *kind, int64_t last_id)
{
	Topic *t = topic_find(name);

	if (t == NULL)
	{
		t = calloc(1, sizeof(Topic));
		if (t == NULL)
			abort();
		t->name = strdup(name);
		t->retry_ev = evtimer_new(tp.base, Retry_cb, t);
		if (t->name == NULL || t->retry_ev == NULL)
			abort();
		snprintf(t->channel, sizeof(t->channel), CQ_CHANNEL_PREFIX "%s", name);
		t->next = tp.topics;
		tp.topics = t;
		tp.ntopics++;
		topic_listen(t);
	}
	t->is_window = strcmp(kind, "aggregate") == 0;
	if (last_id > 0)
		t->qid = last_id / SSE_ID_BASE;
	t->gc = false;
	return t;
}

/* Free the topics that have had no subscriber since they were marked */
static void
Gc_cb(evutil_socket_t fd, short what, void *arg)
{
	Topic **pp = &tp.topics;

	(void) fd;
	(void) what;
	(void) arg;
	while (*pp)
	{
		Topic *t = *pp;

		if (t->nsubs > 0 || !t->gc)
		{
			pp = &t->next;
			continue;
		}
		*pp = t->next;
		pgconn_cancel(t->listen_cmd);
		pgconn_cancel(t->check_cmd);
		replay_cancel(t);
		rolecheck_cancel(t);
		if ((t->listening || t->listen_cmd) && pgconn_ready())
		{
			char sql[128];

			snprintf(sql, sizeof(sql), "UNLISTEN \"%s\"", t->channel);
			pgconn_query(sql, 0, NULL, NULL, NULL);
		}
		if (t->listening)
			tp.listening--;
		live_clear(t);
		event_free(t->retry_ev);
		tp.ntopics--;
		free(t->name);
		free(t);
	}
}

void
topic_attach(Topic *t, Sub *s)
{
	s->tprev = NULL;
	s->tnext = t->subs;
	if (t->subs)
		t->subs->tprev = s;
	t->subs = s;
	t->nsubs++;
}

void
topic_detach(Topic *t, Sub *s)
{
	if (s->tprev)
		s->tprev->tnext = s->tnext;
	else
		t->subs = s->tnext;
	if (s->tnext)
		s->tnext->tprev = s->tprev;
	if (--t->nsubs == 0)
	{
		t->gc = true;
		event_active(tp.gc_ev, EV_TIMEOUT, 0);
	}
}

void
topic_dispatch(Topic *t, Event *ev)
{
	if (t->qid == 0)
		t->qid = ev->id / SSE_ID_BASE;
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		if (s->client->state != CLIENT_STREAMING)
			continue;
		if (s->replaying || sub_has_backlog(s))
			sub_hold(s, ev);
		else
			sub_deliver(s, ev);
	}
}

/* End every stream that follows t, with text (if any) written last */
static void
EndStreams(Topic *t, const char *text)
{
	Client **list;
	int n = 0;

	list = calloc(t->nsubs + 1, sizeof(Client *));
	if (list == NULL)
		abort();
	for (Sub *s = t->subs; s; s = s->tnext)
		list[n++] = s->client;
	for (int i = 0; i < n; i++)
		if (list[i]->state == CLIENT_STREAMING)
			client_finish(list[i], text);
	free(list);
	output_flush_dirty();
}

void
topic_drop(Topic *t)
{
	char text[128 + CQ_QUERY_NAME_MAXLEN];

	relay_log(LOG_INFO, "query \"%s\" dropped: ending its %d streams", t->name,
			  t->nsubs);
	t->qid = 0;
	/* Say why the stream ends (names are [a-z0-9_]: no JSON escaping) */
	snprintf(text, sizeof(text),
			 "event: dropped\ndata: {\"query\":\"%s\",\"status\":"
			 "\"dropped\"}\n\n",
			 t->name);
	EndStreams(t, text);
}

static void
Retry_cb(evutil_socket_t fd, short what, void *arg)
{
	Topic *t = arg;

	(void) fd;
	(void) what;
	replay_start(t);
	live_poll(t);
}

void
topic_read_failed(Topic *t, PGresult *res)
{
	const char *state = pgconn_sqlstate(res);
	struct timeval tv = {READ_RETRY_MS / 1000, (READ_RETRY_MS % 1000) * 1000};

	if (strcmp(state, "42704") == 0)
	{
		topic_drop(t);
		return;
	}
	if (strcmp(state, "42501") == 0)
	{
		relay_log(LOG_WARN,
				  "the relay's role may not read the results of \"%s\": "
				  "ending its %d streams",
				  t->name, t->nsubs);
		t->readable = false;
		EndStreams(t,
				   ": the relay's database role may not read this "
				   "query\n\n");
		return;
	}
	relay_log(LOG_WARN, "could not read the results of \"%s\": %s", t->name,
			  PQresultErrorMessage(res));
	if (!evtimer_pending(t->retry_ev, NULL))
		evtimer_add(t->retry_ev, &tv);
}

static void
Check_cb(PGresult *res, void *arg)
{
	Topic *t = arg;

	t->check_cmd = NULL;
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0)
		topic_drop(t);
}

void
topic_check(const char *name)
{
	Topic *t = topic_find(name);
	const char *params[1] = {name};

	if (t && !t->check_cmd)
		t->check_cmd =
			pgconn_query("SELECT kind FROM cqstream.queries WHERE name = $1",
						 1, params, Check_cb, t);
	/* Its grants may have changed: its streams' roles checked again */
	if (t)
		rolecheck_start(t);
}

void
topic_poll_all(bool check)
{
	for (Topic *t = tp.topics; t; t = t->next)
	{
		if (t->gc)
			continue;
		if (t->live_known)
			live_hint(t);
		if (check)
			topic_check(t->name);
	}
}

void
topic_replay_all(void)
{
	for (Topic *t = tp.topics; t; t = t->next)
		replay_start(t);
}

void
topic_db_connected(bool reconnect)
{
	for (Topic *t = tp.topics; t; t = t->next)
	{
		topic_listen(t);
		/* Grants may have changed while the connection was down */
		rolecheck_start(t);
		/* Back-fill every open stream from its position */
		for (Sub *s = t->subs; s; s = s->tnext)
			if (s->client->state == CLIENT_STREAMING)
				sub_restart(s, reconnect);
		/*
		 * One history read for them all; it also sets the live position
		 * again (live.c), which the connection's loss cleared
		 */
		replay_start(t);
	}
}

void
topic_db_lost(void)
{
	for (Topic *t = tp.topics; t; t = t->next)
	{
		/*
		 * Cancelled, not only forgotten: the fail event answers them
		 * later, when t may have been freed (Gc_cb cancels only what it
		 * still knows about)
		 */
		t->listening = false;
		pgconn_cancel(t->listen_cmd);
		pgconn_cancel(t->check_cmd);
		rolecheck_cancel(t);
		t->listen_cmd = NULL;
		t->check_cmd = NULL;
		/* Every waiting sub is replayed later */
		replay_cancel(t);
		/* The back-fill after the reconnect reads what was not read */
		live_clear(t);
		evtimer_del(t->retry_ev);
	}
	tp.listening = 0;
}

int
topic_listening(void)
{
	return tp.listening;
}

void
topic_shutdown(void)
{
	for (Topic *t = tp.topics; t; t = t->next)
		t->gc = true;
	Gc_cb(-1, 0, NULL);
	event_free(tp.gc_ev);
}
