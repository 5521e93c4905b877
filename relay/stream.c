/*
 * stream.c
 *	  Event streams: the entry points, and a looked-up stream turned into
 *	  subscriptions.
 *
 * Design notes
 *
 * A stream (one GET of /queries/{name}/stream or /stream) is a Client;
 * it follows one Topic per query through one Sub, which keeps its
 * position.  Its life: stream_open refuses it with a retry: hint when
 * draining, over max-clients, without a database or with max-db-queue
 * commands waiting for it, or queues it for the next look-up of query
 * names (lookup.c); once looked up (Resolved), it is answered 204 (no
 * such query), 403 (the relay's role may not read it), 400 (too many
 * queries), a retry: hint (over max-topics), or its response starts and it gets a Sub per query, each from the position
 * the client gave (Last-Event-ID), or, without one, from the query's
 * last result when the stream opened.  All the new subs of a look-up
 * batch then share one history read per topic (replay.c).
 *
 * Database events: on (re)connect every topic is LISTENed again and every
 * open stream back-filled from its position; a notification on a query's
 * channel is only a hint: its topic reads what follows its position from
 * the results log (live.c), whatever the payload says.
 *
 * Module map (docs/relay.md, "Source layout"): wire.c (events' shared
 * bytes), output.c (a client's output), client.c (a client's life),
 * sub.c (positions, backlogs), topic.c (LISTEN, dispatch, dropped
 * queries), replay.c (history), live.c (hints in, pages of the log
 * out), lookup.c (query names to queries, and the right to read them).
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>

#include "auth.h"
#include "client.h"
#include "config.h"
#include "live.h"
#include "lookup.h"
#include "metrics.h"
#include "output.h"
#include "pgconn.h"
#include "replica.h"
#include "reply.h"
#include "stream.h"
#include "sub.h"
#include "topic.h"

/*
 * Answer c without a stream when its look-up says so (no answer, no
 * query, none the relay may read, too many, too many topics); true if it
 * was answered (and freed)
 */
static bool
Refuse(Client *c, LookupRow *const *rows, int n, int denied, bool failed,
	   LookupAccess role_error)
{
	struct evhttp_request *req;
	int fresh = 0;
	char msg[200];

	if (failed)
	{
		client_shed(client_release(c), "database unavailable");
		return true;
	}
	if (role_error == LOOKUP_NO_ROLE || role_error == LOOKUP_ROLE_REFUSED)
	{
		/* PostgreSQL refused to switch to the token's role */
		bool missing = role_error == LOOKUP_NO_ROLE;

		snprintf(msg, sizeof(msg),
				 missing ? "the token's role cannot be used: role \"%s\" "
						   "does not exist"
						 : "the token's role cannot be used: the relay's "
						   "database role may not take role \"%s\"",
				 c->role);
		req = client_release(c);
		if (missing)
			auth_reply_401(req, msg, true);
		else
			reply_send_error(req, 403, "Forbidden", msg);
		return true;
	}
	if (n == 0 && denied == 0)
	{
		/* Unknown query: 204 tells an EventSource to stop reconnecting */
		req = client_release(c);
		reply_add_cors(req);
		evhttp_send_reply(req, 204, "No Content", NULL);
		return true;
	}
	if (n == 0 || (!c->multi && denied > 0))
	{
		/* A 403 stops an EventSource as well, for good */
		if (c->role)
			snprintf(msg, sizeof(msg),
					 "role \"%s\" may not read the results of %s "
					 "(cqstream.grant_results)",
					 c->role,
					 c->multi ? "the queries asked for" : "this query");
		else
			snprintf(msg, sizeof(msg),
					 "the relay's database role may not read the results of "
					 "%s (cqstream.grant_results)",
					 c->multi ? "the queries asked for" : "this query");
		/* (c is freed by client_release: msg is taken first) */
		reply_send_error(client_release(c), 403, "Forbidden", msg);
		return true;
	}
	if (n > STREAM_MAX_QUERIES)
	{
		/*
		 * Its cursor would not fit what a reconnect may send back
		 * (sse.h): refuse rather than lose positions later
		 */
		snprintf(msg, sizeof(msg),
				 "the query names and patterns match more than %d queries, "
				 "the most one stream can follow",
				 STREAM_MAX_QUERIES);
		reply_send_error(client_release(c), 400, "Bad Request", msg);
		return true;
	}
	for (int i = 0; i < n; i++)
		fresh += topic_find(rows[i]->name) == NULL;
	if (fresh > 0 && topic_count() + fresh > relay_config->max_topics)
	{
		metrics.shed++;
		client_shed(client_release(c), "too many queries followed");
		return true;
	}
	return false;
}

/*
 * Where c's sub of t starts: the position the client gave for it (pos[0
 * .. npos - 1], npos <= 0: none), else t's last result (last)
 */
static int64_t
StartAfter(Client *c, Topic *t, int64_t last, const CursorPos *pos, int npos)
{
	int64_t after;

	if (npos <= 0)
		return last;
	/* A position for this query, or from its start */
	after = 0;
	for (int j = 0; j < npos; j++)
		if (t->qid > 0 && pos[j].qid == t->qid)
			after = pos[j].qid * SSE_ID_BASE + pos[j].seq;
	if (!c->multi && npos == 1 && t->qid == 0)
		after = 0;
	return after;
}

/*
 * c's queries are known (LookupHooks.resolved): rows[0 .. n - 1], the
 * readable ones, and denied more it may not read.  Start its stream, or
 * answer 204/400/403/retry and free it.  Its history reads are started
 * by BatchDone, once for the batch.
 */
static void
Resolved(LookupWait *w, LookupRow *const *rows, int n, int denied, bool failed,
		 LookupAccess role_error)
{
	Client *c = (Client *) ((char *) w - offsetof(Client, wait));
	CursorPos pos[STREAM_MAX_QUERIES];
	int npos = -1;

	if (Refuse(c, rows, n, denied, failed, role_error))
		return;
	if (c->last_id)
		npos = sse_cursor_parse(c->last_id, pos, STREAM_MAX_QUERIES);
	/* Needed only for the look-up: not kept by every idle stream */
	lookup_free_names(&c->wait);
	free(c->last_id);
	c->last_id = NULL;
	c->subs = calloc(n, sizeof(Sub *));
	if (c->subs == NULL)
		abort();
	client_start(c);
	for (int i = 0; i < n; i++)
	{
		Topic *t = topic_get(rows[i]->name, rows[i]->kind, rows[i]->last_id);

		sub_add(c, t, StartAfter(c, t, rows[i]->last_id, pos, npos), npos > 0);
	}
}

/* A topic reads query name's log already: no access probe for it */
static bool
KnownReadable(const char *name)
{
	Topic *t = topic_find(name);

	return t && t->readable;
}

/* One history read per topic for all the new subs of a look-up batch */
static void
BatchDone(void)
{
	topic_replay_all();
	output_flush_dirty();
}

void
stream_init(struct event_base *base)
{
	static const LookupHooks hooks = {Resolved, BatchDone, KnownReadable};

	client_init(base);
	topic_init(base);
	replica_init(base);
	lookup_init(&hooks);
	stream_config_changed();
}

void
stream_open(struct evhttp_request *req, char **names, int nnames, bool multi,
			const char *key, const char *last_id, const char *role,
			int64_t exp)
{
	if (client_draining())
	{
		client_shed(req, "draining");
		return;
	}
	if (metrics.clients + lookup_waiting() >= relay_config->max_clients)
	{
		metrics.shed++;
		client_shed(req, "too many clients");
		return;
	}
	if (!pgconn_ready())
	{
		client_shed(req, "database unavailable");
		return;
	}
	if (pgconn_pending() >= relay_config->max_db_queue)
	{
		metrics.shed++;
		client_shed(req, "database busy");
		return;
	}
	client_new(req, names, nnames, multi, key, last_id, role, exp);
	lookup_start();
}

void
stream_db_connected(bool reconnect)
{
	pgconn_query("SET TimeZone = 'UTC'", 0, NULL, NULL, NULL);
	/* A hot standby refuses LISTEN: replica.c polls there */
	replica_db_connected();
	/* Dropped queries are announced there (topic_check) */
	if (!replica_active())
		pgconn_query("LISTEN " CQ_REGISTRY_CHANNEL, 0, NULL, NULL, NULL);
	topic_db_connected(reconnect);
}

void
stream_db_lost(void)
{
	replica_db_lost();
	topic_db_lost();
	output_flush_dirty();
}

void
stream_db_notify(const char *channel, const char *payload)
{
	Topic *t;

	if (strcmp(channel, CQ_REGISTRY_CHANNEL) == 0)
	{
		topic_check(payload);
		return;
	}
	/*
	 * Any role may NOTIFY on a query's channel: the payload is never
	 * read, the notification only makes the topic read its log (live.c)
	 */
	if (strncmp(channel, CQ_CHANNEL_PREFIX, CQ_CHANNEL_PREFIX_LEN) != 0 ||
		(t = topic_find(channel + CQ_CHANNEL_PREFIX_LEN)) == NULL)
		return;
	live_hint(t);
}

int
stream_listening(void)
{
	return topic_listening();
}

void
stream_config_changed(void)
{
	client_set_heartbeat(relay_config->heartbeat);
}

int
stream_drain(void (*done)(void))
{
	return client_drain(done);
}

void
stream_shutdown(void)
{
	lookup_shutdown();
	client_shutdown();
	topic_shutdown();
	replica_shutdown();
}
