/*
 * client.c
 *	  A stream's client from request to close: states, the peer watch,
 *	  taking the connection over, ending, shedding, heartbeats, drain.
 *
 * Design notes
 *
 * Reading: a stream never reads from its connection (http.c turns
 * evhttp's reading off: libevent 2.1 aborts on input while a reply is
 * pending).  A read event of our own on the socket (Peer_cb) notices the
 * peer closing at once, and throws away anything it sends, so a client
 * that leaves stops counting at once, not at its next failed heartbeat.
 *
 * Taking the connection over (client_start): evhttp writes the response
 * head (evhttp_send_reply_start, which also decides chunked encoding:
 * HTTP/1.1 gets "Transfer-Encoding: chunked", read back from the output
 * headers); then the relay sets the connection's bufferevent callbacks to
 * its own (output_drained_cb, StreamEvent_cb) with bufferevent_setcb, so
 * evhttp's callbacks never run for it again, and writes the body itself
 * (output.c).  Ending a stream (client_finish) writes the terminating
 * chunk, waits until the output has been written (Closing_cb) and frees
 * the connection with evhttp_connection_free, which shuts the socket
 * down and closes it: what evhttp_send_reply_end does on a "Connection:
 * close" response.  Only public libevent calls are used; no evhttp
 * struct is read.
 *
 * Lifetimes: evhttp calls Close_cb when it closes a connection itself
 * (before a stream starts); if the request was detached from it, the
 * request is ours to free.  Clients closed by the relay are freed from a
 * zero-delay event ("reap"), never in the middle of a delivery loop.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>

#include "client.h"
#include "config.h"
#include "gzip.h"
#include "metrics.h"
#include "output.h"
#include "reply.h"
#include "sub.h"

#define STREAM_WRITE_TIMEOUT_S 60

static struct
{
	struct event_base *base;
	Client *clients; /* all, newest first */
	Client *reap;	 /* closed by the relay, freed by Reap_cb */
	struct event *reap_ev;
	struct event *heartbeat_ev;
	int heartbeat_s;
	bool draining;
	int drain_left; /* connections closing since the drain started */
	void (*drain_done)(void);
} cl;

static void Reap_cb(evutil_socket_t fd, short what, void *arg);
static void Heartbeat_cb(evutil_socket_t fd, short what, void *arg);

void
client_init(struct event_base *base)
{
	cl.base = base;
	cl.reap_ev = event_new(base, -1, 0, Reap_cb, NULL);
	cl.heartbeat_ev = event_new(base, -1, EV_PERSIST, Heartbeat_cb, NULL);
}

/* Stop watching c's socket (before it is closed) */
static void
StopWatch(Client *c)
{
	if (c->peer_ev)
		event_free(c->peer_ev);
	c->peer_ev = NULL;
}

/*
 * Move c to state, keeping the counts right: clients waiting for their
 * first query count toward max-clients as well as streaming ones.  A
 * client that stops waiting leaves the look-up list at once: the batch's
 * callback must never see a client whose connection is gone (Close_cb)
 * or going.
 */
static void
SetState(Client *c, ClientState state)
{
	if (c->state == state)
		return;
	if (c->state == CLIENT_STREAMING)
		metrics.clients--;
	else if (c->state == CLIENT_RESOLVING)
		lookup_unwait(&c->wait);
	c->state = state;
	if (state == CLIENT_STREAMING)
		metrics.clients++;
	else if (state == CLIENT_RESOLVING)
		lookup_wait(&c->wait);
	else
		StopWatch(c);
}

/*
 * The peer's side of a stream: we never read a request from it again, so
 * anything it sends is thrown away; end of file or an error means it has
 * gone, noticed at once rather than at the next failed heartbeat.
 */
static void
Peer_cb(evutil_socket_t fd, short what, void *arg)
{
	Client *c = arg;
	char buf[4096];
	ssize_t n;

	(void) what;
	n = recv(fd, buf, sizeof(buf), 0);
	if (n > 0 ||
		(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)))
		return;
	client_kill(c);
}

static void
Watch(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (fd < 0)
		return;
	c->peer_ev = event_new(cl.base, fd, EV_READ | EV_PERSIST, Peer_cb, c);
	if (c->peer_ev)
		event_add(c->peer_ev, NULL);
}

static void
Free(Client *c)
{
	SetState(c, CLIENT_DEAD);
	for (int i = 0; i < c->nsubs; i++)
		sub_free(c->subs[i]);
	free(c->subs);
	c->subs = NULL;
	c->nsubs = 0;
	if (c->prev)
		c->prev->next = c->next;
	else if (cl.clients == c)
		cl.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	output_forget(c);
	lookup_free_names(&c->wait);
	if (c->expire_ev)
		event_free(c->expire_ev);
	free(c->role);
	free(c->key);
	free(c->last_id);
	free(c);
}

/* Put c on the reap list (once) */
static void
Reap(Client *c)
{
	if (c->reaping)
		return;
	c->reaping = true;
	c->rnext = cl.reap;
	cl.reap = c;
	event_active(cl.reap_ev, EV_TIMEOUT, 0);
}

static void
Reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	while (cl.reap)
	{
		Client *c = cl.reap;

		cl.reap = c->rnext;
		if (!c->conn_gone)
		{
			/* Closed by us: libevent frees the request with the connection */
			c->freeing = true;
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
			evhttp_connection_free(c->evcon);
		}
		else if (c->req_detached && c->req)
			evhttp_request_free(c->req);
		Free(c);
	}
}

void
client_kill(Client *c)
{
	if (c->reaping)
		return;
	SetState(c, CLIENT_DEAD);
	Reap(c);
}

/* evhttp closed c's connection (a peer close before the stream started) */
static void
Close_cb(struct evhttp_connection *evcon, void *arg)
{
	Client *c = arg;

	(void) evcon;
	if (c->freeing)
		return;
	c->conn_gone = true;
	c->req_detached = c->req && evhttp_request_get_connection(c->req) == NULL;
	SetState(c, CLIENT_DEAD);
	Reap(c);
}

Client *
client_new(struct evhttp_request *req, char **names, int nnames, bool multi,
		   const char *key, const char *last_id, const char *role, int64_t exp)
{
	Client *c = calloc(1, sizeof(Client));

	if (c == NULL)
		abort();
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	c->multi = multi;
	c->key = key ? strdup(key) : NULL;
	c->last_id = last_id ? strdup(last_id) : NULL;
	c->role = role ? strdup(role) : NULL;
	c->exp = exp;
	c->wait.role = c->role;
	c->wait.names = calloc(nnames, sizeof(char *));
	if (c->wait.names == NULL)
		abort();
	for (int i = 0; i < nnames; i++)
		if ((c->wait.names[i] = strdup(names[i])) == NULL)
			abort();
	c->wait.nnames = nnames;
	c->wait.patterns = multi;
	c->next = cl.clients;
	if (cl.clients)
		cl.clients->prev = c;
	cl.clients = c;
	/* calloc made it CLIENT_RESOLVING (0) without counting it */
	c->state = CLIENT_RESOLVING;
	lookup_wait(&c->wait);
	evhttp_connection_set_closecb(c->evcon, Close_cb, c);
	Watch(c);
	return c;
}

struct evhttp_request *
client_release(Client *c)
{
	struct evhttp_request *req = c->req;

	StopWatch(c);
	evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	c->req = NULL;
	Free(c);
	return req;
}

static long
Jittered(long ms)
{
	/* +-20%: clients told to come back do not all come at once */
	return ms * 8 / 10 + (long) ((double) random() / RAND_MAX * ms * 4 / 10);
}

/*
 * Start the 200 response of an event stream on req (evhttp writes it),
 * gzip-coded when gz
 */
static void
StartResponse(struct evhttp_request *req, bool gz)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct bufferevent *bev;
	struct timeval wtv = {STREAM_WRITE_TIMEOUT_S, 0};

	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	if (gz)
		evhttp_add_header(h, "Content-Encoding", "gzip");
	/* The router set it already (http.c): once */
	evhttp_remove_header(h, "Connection");
	evhttp_add_header(h, "Connection", "close");
	reply_add_cors(req);
	evhttp_send_reply_start(req, 200, "OK");
	/*
	 * A stream is never read from again: no read timeout (evhttp's would
	 * end an idle stream); a write timeout ends a peer that stopped
	 * reading altogether.
	 */
	bev = evhttp_connection_get_bufferevent(
		evhttp_request_get_connection(req));
	if (bev)
		bufferevent_set_timeouts(bev, NULL, &wtv);
}

void
client_shed(struct evhttp_request *req, const char *why)
{
	struct evbuffer *b = evbuffer_new();

	/* A few bytes, then the end: not worth compressing */
	StartResponse(req, false);
	evbuffer_add_printf(b, "retry: %ld\n: %s\n\n",
						Jittered(relay_config->retry), why);
	evhttp_send_reply_chunk(req, b);
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

/* A write error or the write timeout on a streaming connection */
static void
StreamEvent_cb(struct bufferevent *bev, short what, void *arg)
{
	(void) bev;
	(void) what;
	client_kill(arg);
}

/*
 * c's token expired: say so and end the stream; an EventSource comes
 * back with the same token and gets 401, which stops it
 */
static void
Expire_cb(evutil_socket_t fd, short what, void *arg)
{
	Client *c = arg;
	char text[160];

	(void) fd;
	(void) what;
	snprintf(text, sizeof(text),
			 "event: expired\ndata: {\"message\":\"the token has "
			 "expired\",\"exp\":%lld}\n\n",
			 (long long) c->exp);
	client_finish(c, text);
	output_flush_dirty();
}

/* Arm c's expiry timer, at its token's exp (now if already past) */
static void
WatchExpiry(Client *c)
{
	struct timeval now;
	struct timeval tv = {0, 0};

	if (c->exp <= 0)
		return;
	gettimeofday(&now, NULL);
	if ((int64_t) now.tv_sec < c->exp)
	{
		int64_t usec = (c->exp - (int64_t) now.tv_sec) * 1000000 -
			(int64_t) now.tv_usec;

		tv.tv_sec = (time_t) (usec / 1000000);
		tv.tv_usec = (suseconds_t) (usec % 1000000);
	}
	c->expire_ev = evtimer_new(cl.base, Expire_cb, c);
	if (c->expire_ev == NULL)
		abort();
	evtimer_add(c->expire_ev, &tv);
}

void
client_start(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	const char *te;
	StrBuf b;

	if (gzip_accepted(c->req))
		c->gz = gzip_stream_new();
	StartResponse(c->req, c->gz != NULL);
	te = evhttp_find_header(evhttp_request_get_output_headers(c->req),
							"Transfer-Encoding");
	c->chunked = te && strcasecmp(te, "chunked") == 0;
	/* Ours from here on: evhttp's callbacks would also turn reading on */
	bufferevent_setcb(bev, NULL, output_drained_cb, StreamEvent_cb, c);
	bufferevent_disable(bev, EV_READ);
	SetState(c, CLIENT_STREAMING);
	strbuf_init(&b);
	sse_format_retry(&b, relay_config->retry);
	strbuf_puts(&b, ": cqstream-relay\n\n");
	output_write_text(c, b.data, b.len);
	strbuf_free(&b);
	WatchExpiry(c);
}

/*
 * An ended stream's output is written (or cannot be): free its
 * connection.  Closing_cb for connections ended before a drain,
 * DrainClosing_cb for those the drain waits for.
 */
static void
Closed(struct bufferevent *bev, struct evhttp_connection *evcon, bool drain)
{
	bufferevent_setcb(bev, NULL, NULL, NULL, NULL);
	evhttp_connection_free(evcon);
	if (drain && cl.drain_left > 0 && --cl.drain_left == 0 && cl.drain_done)
		cl.drain_done();
}

static void
Closing_cb(struct bufferevent *bev, void *arg)
{
	Closed(bev, arg, false);
}

static void
ClosingError_cb(struct bufferevent *bev, short what, void *arg)
{
	(void) what;
	Closed(bev, arg, false);
}

static void
DrainClosing_cb(struct bufferevent *bev, void *arg)
{
	Closed(bev, arg, true);
}

static void
DrainClosingError_cb(struct bufferevent *bev, short what, void *arg)
{
	(void) what;
	Closed(bev, arg, true);
}

/*
 * Free evcon once its output has been written (now, if it has none): the
 * drain waits for it when drain
 */
static void
CloseWhenWritten(struct evhttp_connection *evcon, bool drain)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(evcon);

	evhttp_connection_set_closecb(evcon, NULL, NULL);
	if (drain)
	{
		cl.drain_left++;
		bufferevent_setcb(bev, NULL, DrainClosing_cb, DrainClosingError_cb,
						  evcon);
	}
	else
		bufferevent_setcb(bev, NULL, Closing_cb, ClosingError_cb, evcon);
	/* Nothing left to write: the write callback would not come */
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_trigger(bev, EV_WRITE,
							BEV_TRIG_IGNORE_WATERMARKS |
								BEV_TRIG_DEFER_CALLBACKS);
}

void
client_finish(Client *c, const char *text)
{
	if (c->state != CLIENT_STREAMING)
	{
		/* Never started: nothing of ours on the connection */
		client_release(c);
		return;
	}
	StopWatch(c);
	if (text)
		output_write_text(c, text, strlen(text));
	output_end(c);
	CloseWhenWritten(c->evcon, cl.draining);
	c->req = NULL;
	Free(c);
}

static void
Heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	static const char beat[] = ": heartbeat\n\n";

	(void) fd;
	(void) what;
	(void) arg;
	for (Client *c = cl.clients; c; c = c->next)
	{
		if (c->state == CLIENT_STREAMING && !c->wrote)
			output_write_text(c, beat, sizeof(beat) - 1);
		c->wrote = false;
	}
	output_flush_dirty();
}

void
client_set_heartbeat(int seconds)
{
	struct timeval tv;

	if (cl.heartbeat_s == seconds)
		return;
	cl.heartbeat_s = seconds;
	tv.tv_sec = seconds;
	tv.tv_usec = 0;
	event_del(cl.heartbeat_ev);
	event_add(cl.heartbeat_ev, &tv);
}

bool
client_draining(void)
{
	return cl.draining;
}

int
client_drain(void (*done)(void))
{
	char text[64];

	cl.draining = true;
	cl.drain_done = done;
	while (cl.clients)
	{
		Client *c = cl.clients;

		if (c->state == CLIENT_RESOLVING)
		{
			client_shed(client_release(c), "draining");
			continue;
		}
		if (c->state == CLIENT_DEAD)
		{
			/* Waiting to be reaped: unlink from the list only */
			cl.clients = c->next;
			if (cl.clients)
				cl.clients->prev = NULL;
			c->next = c->prev = NULL;
			continue;
		}
		snprintf(text, sizeof(text), "retry: %ld\n\n",
				 Jittered(relay_config->retry));
		client_finish(c, text);
	}
	return cl.drain_left;
}

void
client_shutdown(void)
{
	Reap_cb(-1, 0, NULL);
	while (cl.clients)
	{
		Client *c = cl.clients;

		/* The connection is freed with evhttp's, without our callbacks */
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		if (c->state == CLIENT_STREAMING)
			bufferevent_setcb(evhttp_connection_get_bufferevent(c->evcon),
							  NULL, NULL, NULL, NULL);
		Free(c);
	}
	event_free(cl.reap_ev);
	event_free(cl.heartbeat_ev);
}
