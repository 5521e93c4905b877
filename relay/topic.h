/*
 * topic.h
 *	  Topics: the queries that have subscribers, their NOTIFY channels
 *	  (LISTEN while subscribed) and the delivery of their results.
 *
 * Design notes
 *
 * A Topic is one query that has subscribers: its channel is LISTENed
 * while it has any, UNLISTENed once the last leaves (from a zero-delay
 * "gc" event, never inside a delivery loop).  A query dropped from the
 * registry ends the streams that follow it, and so does a query the
 * relay's role may no longer read.  At most max-topics exist at once.
 * The struct's fields are grouped by the module that owns them.
 */
#ifndef RELAY_TOPIC_H
#define RELAY_TOPIC_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>

#include "pgconn.h"
#include "sub.h"
#include "wire.h"

typedef struct RoleCheck RoleCheck;

struct Topic
{
	/* The query and its channel (topic.c) */
	char *name;
	char channel[CQ_CHANNEL_PREFIX_LEN + CQ_QUERY_NAME_MAXLEN + 1];
	bool is_window;
	int64_t qid; /* query id, 0 while unknown */
	bool listening;
	PgCmd *listen_cmd;
	PgCmd *check_cmd; /* is the query still there? */
	Sub *subs;
	int nsubs;
	bool gc;	   /* free it when it has no subscriber (Gc_cb) */
	bool readable; /* a read of its log succeeded (lookup.c: no probe) */
	struct event *retry_ev; /* a failed read, tried again (Retry_cb) */
	Topic *next;

	/* Its streams' roles checked again (rolecheck.c) */
	RoleCheck *rchecks; /* probes in flight */
	bool rcheck_again;	/* one more round after them */

	/* The history read (replay.c) */
	PgCmd *replay_cmd;

	/* Live results: hints in, pages of the log out (live.c) */
	PgCmd *fetch_cmd;
	int64_t live_after; /* the last result id read live */
	bool live_known;	/* live_after is set (first history read) */
	bool dirty;			/* a hint is waiting for the next read */
};

extern void topic_init(struct event_base *base);

/* The topic of query name, or NULL */
extern Topic *topic_find(const char *name);

/*
 * The topic of query name (kind "aggregate" or "transform"), created and
 * LISTENed if new; last_id, when known, gives its query id
 */
extern Topic *topic_get(const char *name, const char *kind, int64_t last_id);

/* Queue t's LISTEN unless it is in place or queued */
extern void topic_listen(Topic *t);

/* Link s into t's subscribers; unlink (t is freed soon if s was last) */
extern void topic_attach(Topic *t, Sub *s);
extern void topic_detach(Topic *t, Sub *s);

/* One result of t, read from the log, to each subscriber */
extern void topic_dispatch(Topic *t, Event *ev);

/*
 * A read of t's log failed (res an error): the query is gone (42704: its
 * streams end), the relay's role may not read it (42501: its streams
 * end, and come back to a 403), or anything else (logged, and the read
 * is tried again in a second)
 */
extern void topic_read_failed(Topic *t, PGresult *res);

/* Topics now (toward max-topics) */
extern int topic_count(void);

/* The registry announced a change of query name: ended if dropped */
extern void topic_check(const char *name);

/* End every stream that follows t (they get 204 when they come back) */
extern void topic_drop(Topic *t);

/* Start one history read per topic for the subs waiting for one */
/* replica.c: a live read of every followed query; check: and whether
 * each still exists (what registry notifications say on a primary) */
extern void topic_poll_all(bool check);
extern void topic_replay_all(void);

/* The database connection is (again) ready, or lost */
extern void topic_db_connected(bool reconnect);
extern void topic_db_lost(void);

/* Channels LISTENed for streams (for /healthz) */
extern int topic_listening(void);

/* Free every topic (at exit, once the clients are gone) */
extern void topic_shutdown(void);

#endif /* RELAY_TOPIC_H */
