/*
 * pending.c
 *	  The connections still sending their request: closed past
 *	  request-timeout, at most max-requests of them.
 *
 * Design notes
 *
 * evhttp's own timeout (evhttp_set_timeout) is one of inactivity: a
 * client that sends one header byte every few seconds keeps it from ever
 * firing, and holds its connection forever (slowloris).  So every
 * connection evhttp accepts is followed from its accept to its request
 * (pending_done, from the router), with a deadline that bytes do not
 * move.  libevent 2.1 tells nothing at accept but lets the server create
 * each connection's bufferevent (evhttp_set_bevcb): the relay creates it
 * (a plain socket bufferevent, as evhttp would, without
 * BEV_OPT_CLOSE_ON_FREE, so evhttp closes the socket itself when it frees
 * the connection), keeps a reference on it (bufferevent_incref) and a
 * record in a list, oldest first.
 *
 * Ending one: shutdown(2) of its socket, both ways.  evhttp then reads
 * end of file and frees the connection by its usual path; the relay
 * never frees an evhttp structure itself.  A bufferevent that evhttp has
 * freed has no callbacks left (bufferevent_free clears them before
 * anything else), so a record whose bufferevent has none is dropped, and
 * its reference with it; the socket number is never used after that (it
 * may belong to another connection by then).  Records are checked once
 * a second (Sweep_cb) and when a connection arrives.
 *
 * The bound: past max-requests pending connections a new one ends the
 * one that has waited longest, if that one has waited PENDING_GRACE_S
 * at least (a slowloris holds the oldest ones; a normal client sends its
 * request within milliseconds), so a flood of slow connections cannot
 * lock normal requests out.  Connections younger than that are left to
 * send their request: a burst of clients connecting at once (thousands
 * of streams after a restart) is not cut, and whatever it leaves over the
 * bound is trimmed by the next sweep.  So at any time at most
 * max-requests connections, plus those accepted in the last
 * PENDING_GRACE_S, are pending.  Replies close their
 * connection (reply.c sends "Connection: close"), so each connection
 * carries one request and this covers every request, not only the
 * first.  Streams, once started, are the clients module's; the requests
 * that wait for the database are bounded by max-db-queue.
 */
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include <event2/bufferevent.h>

#include "config.h"
#include "log.h"
#include "metrics.h"
#include "pending.h"

/* A pending connection younger than this is never ended for the bound */
#define PENDING_GRACE_S 1.0

typedef struct Pending
{
	struct bufferevent *bev; /* our reference */
	struct timespec since;	 /* accepted (CLOCK_MONOTONIC) */
	bool ended;				 /* shut down by us */
	struct Pending *next;
	struct Pending *prev;
} Pending;

static struct
{
	struct event_base *base;
	Pending *head; /* oldest first */
	Pending *tail;
	int count; /* records not ended */
	struct event *sweep_ev;
} pd;

/* Whether evhttp has freed rec's bufferevent (all callbacks cleared) */
static bool
Freed(const Pending *rec)
{
	bufferevent_data_cb r;
	bufferevent_data_cb w;
	bufferevent_event_cb e;
	void *arg;

	bufferevent_getcb(rec->bev, &r, &w, &e, &arg);
	return r == NULL && w == NULL && e == NULL;
}

static void
Drop(Pending *rec)
{
	if (rec->prev)
		rec->prev->next = rec->next;
	else
		pd.head = rec->next;
	if (rec->next)
		rec->next->prev = rec->prev;
	else
		pd.tail = rec->prev;
	if (!rec->ended)
		pd.count--;
	bufferevent_decref(rec->bev);
	free(rec);
	metrics.pending_requests = pd.count;
}

/* Close rec's connection: evhttp sees end of file and frees it */
static void
End(Pending *rec, const char *why)
{
	evutil_socket_t fd = bufferevent_getfd(rec->bev);

	if (rec->ended)
		return;
	rec->ended = true;
	pd.count--;
	metrics.pending_requests = pd.count;
	metrics.request_timeouts++;
	relay_log(LOG_DEBUG, "closing a connection without a request: %s", why);
	if (fd >= 0)
		shutdown(fd, SHUT_RDWR);
}

static double
Age(const Pending *rec, const struct timespec *now)
{
	return (double) (now->tv_sec - rec->since.tv_sec) +
		(double) (now->tv_nsec - rec->since.tv_nsec) / 1e9;
}

/*
 * End the oldest pending connections that have waited PENDING_GRACE_S or
 * more until at most keep are left (the list is oldest first)
 */
static void
Trim(int keep, const struct timespec *now)
{
	for (Pending *rec = pd.head; rec && pd.count > keep; rec = rec->next)
	{
		if (rec->ended)
			continue;
		if (Age(rec, now) < PENDING_GRACE_S)
			break;
		End(rec, "max-requests");
	}
}

/*
 * Drop the records evhttp is done with; end those past the deadline, and
 * the oldest past the bound
 */
static void
Sweep(void)
{
	struct timespec now;
	Pending *next;

	clock_gettime(CLOCK_MONOTONIC, &now);
	for (Pending *rec = pd.head; rec; rec = next)
	{
		next = rec->next;
		if (Freed(rec))
			Drop(rec);
		else if (Age(rec, &now) >= relay_config->request_timeout)
			End(rec, "request-timeout");
	}
	Trim(relay_config->max_requests, &now);
}

static void
Sweep_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	Sweep();
}

/* evhttp accepted a connection: its bufferevent, followed */
static struct bufferevent *
NewConnection_cb(struct event_base *base, void *arg)
{
	struct bufferevent *bev = bufferevent_socket_new(base, -1, 0);
	Pending *rec;

	(void) arg;
	if (bev == NULL)
		return NULL; /* evhttp refuses the connection */
	rec = calloc(1, sizeof(Pending));
	if (rec == NULL)
		abort();
	/* Past the bound: the one that has waited longest goes */
	if (pd.count >= relay_config->max_requests)
	{
		struct timespec now;

		Sweep();
		clock_gettime(CLOCK_MONOTONIC, &now);
		Trim(relay_config->max_requests - 1, &now);
	}
	bufferevent_incref(bev);
	rec->bev = bev;
	clock_gettime(CLOCK_MONOTONIC, &rec->since);
	rec->prev = pd.tail;
	if (pd.tail)
		pd.tail->next = rec;
	else
		pd.head = rec;
	pd.tail = rec;
	pd.count++;
	metrics.pending_requests = pd.count;
	return bev;
}

void
pending_init(struct event_base *base, struct evhttp *http)
{
	struct timeval tv = {1, 0};

	pd.base = base;
	evhttp_set_bevcb(http, NewConnection_cb, NULL);
	pd.sweep_ev = event_new(base, -1, EV_PERSIST, Sweep_cb, NULL);
	event_add(pd.sweep_ev, &tv);
}

void
pending_done(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon)
									: NULL;

	/* Most often the oldest: connections send their request in order */
	for (Pending *rec = pd.head; rec && bev; rec = rec->next)
		if (rec->bev == bev)
		{
			Drop(rec);
			return;
		}
}

void
pending_shutdown(void)
{
	while (pd.head)
		Drop(pd.head);
	if (pd.sweep_ev)
		event_free(pd.sweep_ev);
	pd.sweep_ev = NULL;
}
