/*
 * replica.c
 *	  Following queries on a hot standby, where LISTEN is refused: the live
 *	  reads of live.c run on a timer instead of on notifications.
 *
 * Design notes
 *
 * A standby replays the primary's results log but cannot LISTEN, and
 * NOTIFY is not replicated.  Everything else the relay does already works
 * there: history reads, live reads from a position, read grants and role
 * checks only read.  So on a hot standby (libpq's in_hot_standby, checked
 * at each connection) the relay sends no LISTEN and asks every followed
 * query for results after its live position on a timer.  The guarantees
 * are those of the notified reads: a read returns the log's results after
 * the position, in id order, and the position moves only to ids the log
 * returned, so nothing is skipped or repeated, whatever the timing.
 *
 * Adaptive: after a tick whose reads found results the next one comes
 * after POLL_MIN_MS; after an empty tick the pause doubles up to the
 * replica-poll setting (200 ms by default).  A busy stream is followed
 * within about POLL_MIN_MS plus the standby's replay lag; an idle one
 * costs one index probe per query and pause.  The registry notifications
 * (a dropped query, changed grants) are replaced the same way: every
 * CHECK_MS each followed query is checked again (topic_check).
 *
 * The staleness added over a relay on the primary is the standby's
 * replay lag (pg_stat_replication.replay_lag) plus at most one pause.
 */
#include <stdlib.h>

#include "config.h"
#include "live.h"
#include "log.h"
#include "pgconn.h"
#include "replica.h"
#include "topic.h"

#define POLL_MIN_MS 10
#define CHECK_MS	1000

static struct
{
	struct event *tick_ev;
	bool active;
	int pause_ms;
	int found; /* results the reads of this tick found */
	int since_check_ms;
} rp;

static void
Schedule(void)
{
	struct timeval tv;

	tv.tv_sec = rp.pause_ms / 1000;
	tv.tv_usec = (rp.pause_ms % 1000) * 1000;
	evtimer_add(rp.tick_ev, &tv);
}

static void
Tick_cb(evutil_socket_t fd, short what, void *arg)
{
	bool check;

	(void) fd;
	(void) what;
	(void) arg;
	if (!rp.active || !pgconn_ready())
		return;
	/* The reads of the last tick have answered by now or are coalesced */
	if (rp.found > 0)
		rp.pause_ms = POLL_MIN_MS;
	else if (rp.pause_ms < relay_config->replica_poll)
	{
		rp.pause_ms *= 2;
		if (rp.pause_ms > relay_config->replica_poll)
			rp.pause_ms = relay_config->replica_poll;
	}
	rp.found = 0;
	rp.since_check_ms += rp.pause_ms;
	check = rp.since_check_ms >= CHECK_MS;
	if (check)
		rp.since_check_ms = 0;
	topic_poll_all(check);
	Schedule();
}

void
replica_init(struct event_base *base)
{
	rp.tick_ev = evtimer_new(base, Tick_cb, NULL);
}

void
replica_db_connected(void)
{
	bool standby = pgconn_in_recovery();

	if (standby != rp.active)
		relay_log(LOG_INFO,
				  standby ? "database is a hot standby: following the results "
							"log by polling (replica mode)"
						  : "database is a primary: following notifications");
	rp.active = standby;
	if (!standby)
		return;
	rp.pause_ms = POLL_MIN_MS;
	rp.found = 0;
	rp.since_check_ms = 0;
	Schedule();
}

void
replica_db_lost(void)
{
	evtimer_del(rp.tick_ev);
}

bool
replica_active(void)
{
	return rp.active;
}

void
replica_found(int n)
{
	rp.found += n;
}

void
replica_shutdown(void)
{
	if (rp.tick_ev)
		event_free(rp.tick_ev);
	rp.tick_ev = NULL;
	rp.active = false;
}
