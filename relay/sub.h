/*
 * sub.h
 *	  A subscription: one client following one query (topic), with its
 *	  position and its backlog.
 *
 * Design notes
 *
 * A Sub keeps the last result id sent for its query (its position);
 * anything at or below it is dropped, so the history read and the live
 * notifications that overlap it never give a duplicate.  It starts
 * "replaying": live events that arrive meanwhile are held and follow the
 * history.  The backlog (held live events, then history not sent yet) is
 * fed to the client in slices by output.c; past replay-limit + 1000 held
 * events the rest is read from the log again once the backlog is sent
 * (overflow), never a gap.
 */
#ifndef RELAY_SUB_H
#define RELAY_SUB_H

#include <stdbool.h>
#include <stdint.h>

#include "client.h"
#include "wire.h"

typedef struct Topic Topic;

struct Sub
{
	Client *client;
	Topic *topic;
	int64_t last_sent;	  /* position: last id sent (or skipped) */
	int64_t replay_after; /* replay from here */
	bool replaying;		  /* live events go to pending */
	bool in_batch;		  /* part of the topic's history read in flight */
	bool counted;		  /* the client asked for history (metrics) */
	/* Backlog: events to send, pending[phead .. npending - 1], in order */
	Event **pending;
	int phead;
	int npending;
	int cappending;
	bool overflow;	   /* what follows the backlog is read from the log */
	struct Sub *tnext; /* in the topic's list */
	struct Sub *tprev;
};

/*
 * c follows t from after (a result id, 0: from the start), replaying;
 * c->subs has room.  counted: c asked for that position (metrics).
 */
extern Sub *sub_add(Client *c, Topic *t, int64_t after, bool counted);

/* Leave the topic and free s */
extern void sub_free(Sub *s);

/* s has events to feed (a replaying sub's are held for after it) */
extern bool sub_has_backlog(const Sub *s);

/* Send ev to s's client unless at or below s's position, or filtered */
extern void sub_deliver(Sub *s, Event *ev);

/* A live event while s is replaying or has a backlog: held, bounded */
extern void sub_hold(Sub *s, Event *ev);

/* Deliver the next event of s's backlog (output.c's slices) */
extern void sub_feed_one(Sub *s);

/*
 * s's history read is over: hist[0 .. nhist - 1] (ids after skip), then
 * what was held meanwhile, become its backlog
 */
extern void sub_end_replay(Sub *s, Event **hist, int nhist, int64_t skip);

/*
 * The database connection is back: read everything after s's position
 * again (its backlog too); counted as for sub_add
 */
extern void sub_restart(Sub *s, bool counted);

#endif /* RELAY_SUB_H */
