/*
 * sub.c
 *	  Subscriptions: positions, filters and backlogs.
 *
 * Design notes
 *
 * No gap, no duplicate: every Sub starts replaying.  Its topic's LISTEN
 * is queued before its history read (commands run in order, pgconn.h), so
 * every result committed after the read's snapshot arrives as a
 * notification; those that arrive while the Sub is replaying are held
 * and delivered after the history, and any id at or below the Sub's
 * position is dropped (sub_deliver).
 *
 * The backlog is an array used as a queue (pending[phead ..]); the room
 * of what was sent is reused before the array grows.  Live events for a
 * Sub with a backlog join the backlog's end, so order is kept.  Once the
 * backlog is sent, an overflow (held events dropped past the bound) turns
 * into a new history read from the position reached: never a gap.
 */
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "output.h"
#include "replay.h"
#include "sub.h"
#include "topic.h"

/* Held live events beyond replay-limit before the rest is read again */
#define SUB_HOLD_EXTRA 1000

Sub *
sub_add(Client *c, Topic *t, int64_t after, bool counted)
{
	Sub *s = calloc(1, sizeof(Sub));

	if (s == NULL)
		abort();
	s->client = c;
	s->topic = t;
	s->replaying = true;
	s->replay_after = after;
	/* The position shown in cursors until the replay sets it */
	s->last_sent = after;
	s->counted = counted;
	topic_attach(t, s);
	c->subs[c->nsubs++] = s;
	return s;
}

static void
ClearBacklog(Sub *s)
{
	for (int i = s->phead; i < s->npending; i++)
		wire_unref(s->pending[i]);
	s->npending = 0;
	s->phead = 0;
}

void
sub_free(Sub *s)
{
	topic_detach(s->topic, s);
	ClearBacklog(s);
	free(s->pending);
	free(s);
}

bool
sub_has_backlog(const Sub *s)
{
	return !s->replaying && s->phead < s->npending;
}

void
sub_deliver(Sub *s, Event *ev)
{
	Client *c = s->client;

	if (ev->id <= s->last_sent)
		return;
	s->last_sent = ev->id;
	if (c->key && !(ev->has_key && ev->key && strcmp(ev->key, c->key) == 0))
		return;
	output_write_event(c, ev);
}

/* Append ev to s's backlog (sub_hold bounds it) */
static void
Push(Sub *s, Event *ev)
{
	if (s->npending == s->cappending && s->phead > 0)
	{
		/* Reuse the room of what was sent */
		memmove(s->pending, s->pending + s->phead,
				(s->npending - s->phead) * sizeof(Event *));
		s->npending -= s->phead;
		s->phead = 0;
	}
	if (s->npending == s->cappending)
	{
		s->cappending = s->cappending ? s->cappending * 2 : 16;
		s->pending = realloc(s->pending, s->cappending * sizeof(Event *));
		if (s->pending == NULL)
			abort();
	}
	ev->refcnt++;
	s->pending[s->npending++] = ev;
}

void
sub_hold(Sub *s, Event *ev)
{
	if (s->overflow)
		return;
	if (s->npending - s->phead >= relay_config->replay_limit + SUB_HOLD_EXTRA)
	{
		/* Read them from the log again after this backlog */
		s->overflow = true;
		return;
	}
	Push(s, ev);
}

/*
 * s's backlog is sent.  If live events were dropped meanwhile (overflow),
 * read what follows from the log: now if start, else by the caller (the
 * end of a history read, which must not see new subs join its batch).
 */
static void
BacklogDone(Sub *s, bool start)
{
	ClearBacklog(s);
	if (s->overflow && !s->replaying)
	{
		s->overflow = false;
		s->replaying = true;
		s->replay_after = s->last_sent;
		if (start)
			replay_start(s->topic);
	}
}

void
sub_feed_one(Sub *s)
{
	Event *ev = s->pending[s->phead];

	s->pending[s->phead++] = NULL;
	sub_deliver(s, ev);
	wire_unref(ev);
	if (!sub_has_backlog(s))
		BacklogDone(s, true);
}

void
sub_end_replay(Sub *s, Event **hist, int nhist, int64_t skip)
{
	Event **live = s->pending + s->phead;
	int nlive = s->npending - s->phead;
	Event **all = NULL;
	int n = 0;

	s->in_batch = false;
	s->replaying = false;
	if (nhist + nlive > 0)
	{
		all = malloc((nhist + nlive) * sizeof(Event *));
		if (all == NULL)
			abort();
	}
	for (int i = 0; i < nhist; i++)
		if (hist[i]->id > skip)
		{
			hist[i]->refcnt++;
			all[n++] = hist[i];
		}
	if (nlive > 0)
		memcpy(all + n, live, nlive * sizeof(Event *));
	n += nlive;
	free(s->pending);
	s->pending = all;
	s->phead = 0;
	s->npending = n;
	s->cappending = n;
	/* The client is fed by output_flush_dirty */
	output_mark_dirty(s->client);
	if (n == 0)
		BacklogDone(s, false);
}

void
sub_restart(Sub *s, bool counted)
{
	if (!s->replaying)
	{
		/* Its backlog is read again with the rest */
		ClearBacklog(s);
		s->overflow = false;
		s->replaying = true;
		s->replay_after = s->last_sent;
		s->counted = counted;
	}
	s->in_batch = false;
}
