/*
 * stream.c
 *	  Event streams: clients, topics, replay, live delivery, heartbeats,
 *	  slow clients, draining.
 *
 * Design notes
 *
 * A Topic is one query that has subscribers: its channel is LISTENed while
 * it has any (UNLISTEN when the last leaves).  A Client is one stream
 * (one HTTP request); it has one Sub per query it follows, and each Sub
 * keeps the last result id sent for that query (its position).
 *
 * No gap, no duplicate: every Sub starts "replaying".  Its topic's LISTEN
 * is queued before its history read (commands run in order, pgconn.h), so
 * every result committed after the read's snapshot arrives as a
 * notification; those that arrive while the Sub is replaying are kept in
 * the Sub's pending list and delivered after the history, and any id at
 * or below the Sub's position is dropped.  A Sub without a position from
 * the client starts at the query's last_result_id as read when the stream
 * was opened, so even a live-only stream misses nothing committed after
 * that moment.  History reads are coalesced per topic: one read serves
 * every Sub waiting at the time, from the smallest position.
 *
 * Lost results: the log's oldest id (or the cap of replay-limit results)
 * tells whether the results right after a position are still there; if
 * not, an "event: lost" says which ids are missing before anything else
 * is replayed.
 *
 * By-reference and id-only notifications are read from the log: a topic
 * keeps its incoming results in order, and when the oldest is not resolved
 * yet, one log read fetches the range of all unresolved ones; later
 * results wait behind it, so order is kept.
 *
 * Output: an Event is built once (its bytes, "id:", "event:", "data:",
 * blank line, with room for an HTTP chunk header before and the chunk's
 * CRLF after) and shared by its subscribers.  Each client's output of
 * one round (one notification, one slice of history) goes out as one
 * HTTP chunk (or as plain bytes on an HTTP/1.0 response).  A round of a
 * single-query stream that is one event (the usual live case) is sent
 * straight from the event's framed bytes; otherwise the round is staged
 * in the client's buffer.  Events of 1 KB and more are added to buffers
 * by reference (evbuffer_add_reference with a refcount), smaller ones
 * copied, which is cheaper than a reference's chain for a few hundred
 * bytes.  Streams of several queries carry a composite cursor as id
 * (sse.h), so their id line is written per client before the shared
 * "event:"/"data:" bytes.
 *
 * Writing (ClientFlush): when nothing is queued on the connection, the
 * round is written to the socket at once with one sendmsg; only what the
 * socket does not take is appended to the bufferevent's output (copied
 * into its tail chain, so a backlog of small events shares chains), and
 * libevent writes that when the socket can take it.  This skips evhttp's
 * per-chunk work (write watching switched on and off with two epoll_ctl
 * calls, a fresh chain for the chunk header), which cost more than the
 * write itself at 10,000 clients.
 *
 * History in slices: a replay (up to replay-limit results) or a run of
 * results read by reference can be far larger than client-buffer, so it
 * is never written at once.  Its events (shared, refcounted) go to the
 * Sub's backlog, and the client is fed from its backlogs while its unsent
 * output is under client-buffer / 2; when that output has drained (the
 * chunk's completion callback) the next slice follows.  Live events for a
 * Sub with a backlog join the backlog's end, so order is kept; past
 * replay-limit + 1000 of them the Sub reads the rest from the log once
 * the backlog is sent (never a gap).  So per round a client's output
 * grows by at most client-buffer / 2 plus one event.
 *
 * Slow clients: after each round, a client whose connection holds more
 * than client-buffer unsent bytes of live output (history slices not yet
 * drained do not count) is closed (it reconnects and replays); nobody
 * waits for it.
 *
 * Reading: a stream never reads from its connection (http.c turns evhttp's
 * reading off: libevent 2.1 aborts on input while a reply is pending).  A
 * read event of our own on the socket notices the peer closing at once
 * (and throws away anything it sends), so a client that leaves is not
 * counted until its next heartbeat fails.
 *
 * Look-ups: a new stream's queries are looked up in cqstream.queries;
 * every stream waiting at that moment is looked up by one command (the
 * names and patterns of them all), the streams arriving meanwhile by the
 * next, so thousands of clients connecting at once cost a few round
 * trips, not one each.  Each stream then takes the rows it asked for.
 *
 * Lifetimes: libevent calls Close_cb when a connection goes away; if the
 * request was detached from it (a peer close while streaming), the
 * request is ours to free.  Clients closed by the relay are freed from a
 * zero-delay event ("reap"), never in the middle of a delivery loop;
 * empty topics likewise ("gc").
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/http_struct.h>
#include <event2/keyvalq_struct.h>

#include "http.h"
#include "log.h"
#include "metrics.h"
#include "names.h"
#include "payload.h"
#include "pgconn.h"
#include "sse.h"
#include "stream.h"

#define REF_MIN_BYTES		   1024
#define FETCH_MAX_ROWS		   1000
#define STREAM_WRITE_TIMEOUT_S 60
/* Longest chunk header: 16 hex digits and CRLF */
#define CHUNK_HDR_MAX		   18
/* Most events staged by reference for one client and round */
#define STAGE_MAX			   8
/* Most pieces of c->out written with one sendmsg */
#define FLUSH_IOV_MAX		   16
/* Staged output up to this is copied into the connection's output */
#define PACK_MAX_BYTES		   4096

typedef struct Topic Topic;
typedef struct Client Client;

typedef struct Event
{
	int refcnt;
	int64_t id;
	bool has_key;
	char *key;
	size_t len;		 /* the SSE bytes, wire[0 .. len - 1] */
	size_t body_off; /* where "event:" starts, after the id line */
	char *wire;		 /* inside buf */
	char *chunk;	 /* "<hex>\r\n" wire "\r\n": one HTTP chunk, inside buf */
	size_t chunk_len;
	char buf[];
} Event;

typedef struct Sub
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
} Sub;

typedef struct Inbound
{
	int64_t id;
	Event *ev;	   /* NULL until read from the log */
	bool from_log; /* read by reference: history, sent in slices */
	struct Inbound *next;
} Inbound;

struct Topic
{
	char *name;
	char channel[80];
	bool is_window;
	int64_t qid; /* query id, 0 while unknown */
	bool listening;
	Sub *subs;
	int nsubs;
	PgCmd *listen_cmd;
	PgCmd *replay_cmd;
	PgCmd *fetch_cmd;
	PgCmd *check_cmd;
	Inbound *in_head;
	Inbound *in_tail;
	bool gc;
	Topic *next;
};

typedef enum ClientState
{
	CLIENT_RESOLVING,
	CLIENT_STREAMING,
	CLIENT_DEAD
} ClientState;

struct Client
{
	struct evhttp_request *req;
	struct evhttp_connection *evcon;
	ClientState state;
	bool multi;
	char *key;
	char *last_id;
	char **names;
	int nnames;
	unsigned resolve_gen; /* look-up batch, 0 while waiting for one */
	Client *wnext;		  /* clients waiting for their look-up */
	Client *wprev;
	Sub **subs;
	int nsubs;
	struct evbuffer *out;	  /* output staged this round */
	Event *staged[STAGE_MAX]; /* or events staged this round */
	int nstaged;
	bool chunked;		   /* the response is chunked (HTTP/1.1) */
	bool cb_set;		   /* evhttp calls Drained_cb when output drains */
	struct event *peer_ev; /* notices the peer closing (we never read) */
	size_t hist_unsent;	   /* history bytes sent since output last drained */
	int feed_next;		   /* round robin over the subs' backlogs */
	bool dirty;
	bool wrote; /* since the last heartbeat tick */
	bool conn_gone;
	bool req_detached;
	bool freeing;
	bool reaping;
	Client *next; /* all clients */
	Client *prev;
	Client *dnext; /* dirty list */
	Client *rnext; /* reap list */
};

const RelayConfig *relay_config;

static struct
{
	struct event_base *base;
	Topic *topics;
	Client *clients;
	Client *dirty;
	Client *reap;
	struct event *reap_ev;
	struct event *gc_ev;
	struct event *flush_ev;
	struct event *heartbeat_ev;
	int heartbeat_s;
	int listening;
	int resolving; /* clients waiting for their first query */
	Client *whead; /* those clients, oldest first */
	Client *wtail;
	PgCmd *resolve_cmd;	  /* the look-up of one batch of them */
	unsigned resolve_gen; /* that batch */
	bool draining;
	int drain_left;
	void (*drain_done)(void);
} st;

static void StartReplay(Topic *t);
static void StartResolve(void);
static void Pump(Topic *t);
static void KillClient(Client *c);

/* ------------------------------------------------------------------ */
/* Events */

static Event *
EventBuild(Topic *t, int64_t id, const char *json, size_t len, bool has_key,
		   const char *key)
{
	StrBuf b;
	char idtxt[24];
	size_t body_off;
	Event *ev;
	char hdr[CHUNK_HDR_MAX + 1];
	int hlen;

	strbuf_init(&b);
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long) id);
	sse_format_event(&b, idtxt, NULL, "", 0);
	/* "id: N\ndata: \n\n": keep only the id line */
	body_off = strlen(idtxt) + 5;
	b.len = body_off;
	sse_format_event(&b, NULL, t->is_window ? "window" : "instant", json, len);
	/*
	 * The chunk header goes right before the bytes, its trailer right
	 * after: the same buffer serves chunked and plain responses.
	 */
	hlen = snprintf(hdr, sizeof(hdr), "%zx\r\n", b.len);
	ev = malloc(sizeof(Event) + CHUNK_HDR_MAX + b.len + 2);
	if (ev == NULL)
		abort();
	ev->refcnt = 1;
	ev->id = id;
	ev->has_key = has_key;
	ev->key = key ? strdup(key) : NULL;
	ev->len = b.len;
	ev->body_off = body_off;
	ev->wire = ev->buf + CHUNK_HDR_MAX;
	ev->chunk = ev->wire - hlen;
	ev->chunk_len = hlen + b.len + 2;
	memcpy(ev->chunk, hdr, hlen);
	memcpy(ev->wire, b.data, b.len);
	memcpy(ev->wire + b.len, "\r\n", 2);
	strbuf_free(&b);
	return ev;
}

static void
EventUnref(Event *ev)
{
	if (ev && --ev->refcnt == 0)
	{
		free(ev->key);
		free(ev);
	}
}

static void
EventRefDone_cb(const void *data, size_t len, void *arg)
{
	(void) data;
	(void) len;
	EventUnref(arg);
}

/* Append len bytes of ev at p to buf, by reference when large */
static void
AppendEventRange(struct evbuffer *buf, Event *ev, const char *p, size_t len)
{
	if (len >= REF_MIN_BYTES)
	{
		ev->refcnt++;
		if (evbuffer_add_reference(buf, p, len, EventRefDone_cb, ev) == 0)
			return;
		ev->refcnt--;
	}
	evbuffer_add(buf, p, len);
}

/* Append the SSE bytes of ev from off to buf */
static void
AppendEventBytes(struct evbuffer *buf, Event *ev, size_t off)
{
	AppendEventRange(buf, ev, ev->wire + off, ev->len - off);
}

/* ------------------------------------------------------------------ */
/* Client output */

/* Put c on the dirty list: its round's output is sent by FlushDirty */
static void
ClientMarkDirty(Client *c)
{
	if (!c->dirty)
	{
		c->dirty = true;
		c->dnext = st.dirty;
		st.dirty = c;
	}
	c->wrote = true;
}

/*
 * Move the events staged by reference into c->out (something that is
 * not a whole shared event follows them, or they are too many)
 */
static void
ClientUnstage(Client *c)
{
	if (c->nstaged == 0)
		return;
	if (c->out == NULL)
		c->out = evbuffer_new();
	for (int i = 0; i < c->nstaged; i++)
	{
		AppendEventBytes(c->out, c->staged[i], 0);
		EventUnref(c->staged[i]);
		c->staged[i] = NULL;
	}
	c->nstaged = 0;
}

/* c's staged output of this round, to append to */
static struct evbuffer *
ClientOut(Client *c)
{
	if (c->out == NULL)
		c->out = evbuffer_new();
	ClientUnstage(c);
	ClientMarkDirty(c);
	return c->out;
}

/* Bytes staged for c this round (not yet handed to the connection) */
static size_t
ClientStaged(Client *c)
{
	size_t n = c->out ? evbuffer_get_length(c->out) : 0;

	for (int i = 0; i < c->nstaged; i++)
		n += c->staged[i]->len;
	return n;
}

/* Forget what is staged for c (sent, or c is gone) */
static void
ClientDropStaged(Client *c)
{
	for (int i = 0; i < c->nstaged; i++)
	{
		EventUnref(c->staged[i]);
		c->staged[i] = NULL;
	}
	c->nstaged = 0;
	if (c->out)
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
}

static void
ClientWriteText(Client *c, const char *text, size_t len)
{
	if (c->state != CLIENT_STREAMING)
		return;
	evbuffer_add(ClientOut(c), text, len);
}

static void
ClientWriteEvent(Client *c, Sub *s, Event *ev)
{
	struct evbuffer *out;

	if (c->state != CLIENT_STREAMING)
		return;
	if (!c->multi)
	{
		if (c->nstaged < STAGE_MAX &&
			(c->out == NULL || evbuffer_get_length(c->out) == 0))
		{
			/* Nothing else staged: sent from the shared bytes */
			ev->refcnt++;
			c->staged[c->nstaged++] = ev;
			ClientMarkDirty(c);
		}
		else
			AppendEventBytes(ClientOut(c), ev, 0);
	}
	else
	{
		CursorPos pos[STREAM_MAX_QUERIES];
		int n = 0;
		StrBuf b;

		(void) s;
		out = ClientOut(c);
		for (int i = 0; i < c->nsubs; i++)
		{
			Topic *t = c->subs[i]->topic;
			int64_t base;
			int64_t seq;

			if (t->qid <= 0)
				continue;
			base = t->qid * SSE_ID_BASE;
			seq = c->subs[i]->last_sent - base;
			if (seq < 0)
				seq = 0;
			if (seq >= SSE_ID_BASE)
				seq = SSE_ID_BASE - 1;
			pos[n].qid = t->qid;
			pos[n].seq = seq;
			n++;
		}
		strbuf_init(&b);
		strbuf_puts(&b, "id: ");
		sse_cursor_format(&b, pos, n);
		strbuf_puts(&b, "\n");
		evbuffer_add(out, b.data, b.len);
		strbuf_free(&b);
		AppendEventBytes(out, ev, ev->body_off);
	}
	metrics.events_out++;
}

/* Unsent bytes of c: staged and queued on the connection */
static size_t
ClientQueued(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	size_t n = ClientStaged(c);

	if (bev)
		n += evbuffer_get_length(bufferevent_get_output(bev));
	return n;
}

/* Events to feed (a replaying sub's are live ones kept for after it) */
static bool
SubHasBacklog(Sub *s)
{
	return !s->replaying && s->phead < s->npending;
}

static void SubBacklogDone(Sub *s, bool start);
static void Deliver(Sub *s, Event *ev);

/*
 * Move events from c's backlogs to its output until the unsent output
 * reaches client-buffer / 2 (at least one event per call, so an event
 * larger than that still goes).  Backlogs are taken in turn, one event at
 * a time, so one query's history does not hold back the others.
 */
static void
Feed(Client *c)
{
	size_t slice = (size_t) relay_config->client_buffer / 2;
	size_t before = ClientStaged(c);
	size_t after;
	bool more = true;

	if (c->state != CLIENT_STREAMING)
		return;
	while (more && ClientQueued(c) < slice)
	{
		more = false;
		for (int i = 0; i < c->nsubs; i++)
		{
			Sub *s = c->subs[(c->feed_next + i) % c->nsubs];
			Event *ev;

			if (!SubHasBacklog(s))
				continue;
			c->feed_next = (c->feed_next + i + 1) % c->nsubs;
			ev = s->pending[s->phead];
			s->pending[s->phead++] = NULL;
			Deliver(s, ev);
			EventUnref(ev);
			if (!SubHasBacklog(s))
				SubBacklogDone(s, true);
			more = true;
			break;
		}
	}
	after = ClientStaged(c);
	if (after > before)
		c->hist_unsent += after - before;
}

static void FlushDirty(void);

static bool
ClientHasBacklog(Client *c)
{
	for (int i = 0; i < c->nsubs; i++)
		if (SubHasBacklog(c->subs[i]))
			return true;
	return false;
}

/*
 * The connection's output has drained (evhttp's completion callback, set
 * by the first chunk and kept since): the history sent so far is gone,
 * feed the next slice.
 */
static void
Drained_cb(struct evhttp_connection *evcon, void *arg)
{
	Client *c = arg;

	(void) evcon;
	if (c->state != CLIENT_STREAMING)
		return;
	c->hist_unsent = 0;
	if (ClientHasBacklog(c))
	{
		Feed(c);
		FlushDirty();
	}
}

/* Past client-buffer unsent live bytes on its connection: close c */
static void
ClientCheckSlow(Client *c, struct evbuffer *output)
{
	if (evbuffer_get_length(output) >
		(size_t) relay_config->client_buffer + c->hist_unsent)
	{
		metrics.slow_closes++;
		relay_log(LOG_INFO, "closing a slow client (over %ld bytes unsent)",
				  relay_config->client_buffer);
		KillClient(c);
	}
}

/* A piece of a round's wire form (ClientFlush) */
typedef struct Piece
{
	const char *p;
	size_t len;
	Event *ev;	 /* the bytes are ev's (shared) */
	bool outbuf; /* the piece is c->out */
} Piece;

/*
 * Hand c's staged output, as one HTTP chunk, to its connection.
 *
 * When nothing is queued on the connection (the usual case: the socket
 * took everything so far), the bytes are written to the socket here, in
 * one sendmsg, from the events' shared bytes (a lone event with its
 * prebuilt chunk framing) or from c->out.  Only what the socket does not
 * take goes to the bufferevent's output, and libevent writes it when the
 * socket is writable; evhttp's chunk functions are not used for that, as
 * they would switch write watching on and off (two epoll_ctl calls) and
 * allocate a buffer chain for the chunk header every time.  Appended
 * bytes are copied into the output's tail chain (small events share
 * chains: a backlogged client's memory follows its byte count), events of
 * REF_MIN_BYTES and more are added by reference.
 *
 * The first chunk of a stream goes through evhttp, which makes Drained_cb
 * the connection's write-done callback (evhttp keeps it, and write
 * watching stays enabled, until the reply ends).
 */
static void
ClientFlush(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	struct evbuffer *output;
	size_t len = ClientStaged(c);
	Piece pc[STAGE_MAX + 2];
	int npc = 0;
	struct evbuffer_iovec seg[FLUSH_IOV_MAX];
	struct iovec iov[FLUSH_IOV_MAX + STAGE_MAX + 2];
	int niov = 0;
	char hdr[CHUNK_HDR_MAX + 1];
	size_t skip = 0;
	evutil_socket_t fd;

	if (len == 0)
		return;
	metrics.bytes_out += len;
	if (!c->cb_set || bev == NULL)
	{
		ClientUnstage(c);
		/* With the callback: it feeds the next slice of history */
		evhttp_send_reply_chunk_with_cb(c->req, c->out, Drained_cb, c);
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
		if (bev == NULL)
			return;
		c->cb_set = true;
		/* Writing may turn evhttp's reading on again: keep it off */
		bufferevent_disable(bev, EV_READ);
		ClientCheckSlow(c, bufferevent_get_output(bev));
		return;
	}
	output = bufferevent_get_output(bev);

	/* The round's wire form: staged events, or c->out (never both) */
	if (c->chunked && c->nstaged == 1)
		pc[npc++] = (Piece){c->staged[0]->chunk, c->staged[0]->chunk_len,
							c->staged[0], false};
	else
	{
		if (c->chunked)
			pc[npc++] = (Piece){hdr,
								(size_t) snprintf(hdr, sizeof(hdr), "%zx\r\n",
												  len),
								NULL, false};
		for (int i = 0; i < c->nstaged; i++)
			pc[npc++] = (Piece){c->staged[i]->wire, c->staged[i]->len,
								c->staged[i], false};
		if (c->nstaged == 0)
			pc[npc++] = (Piece){NULL, len, NULL, true};
		if (c->chunked)
			pc[npc++] = (Piece){"\r\n", 2, NULL, false};
	}

	fd = bufferevent_getfd(bev);
	if (evbuffer_get_length(output) == 0 && fd >= 0)
	{
		for (int i = 0; i < npc && niov >= 0; i++)
		{
			int nseg;

			if (!pc[i].outbuf)
			{
				iov[niov].iov_base = (void *) pc[i].p;
				iov[niov++].iov_len = pc[i].len;
				continue;
			}
			/*
			 * All of c->out in at most FLUSH_IOV_MAX extents, else
			 * libevent writes it (evbuffer_peek fills at most that many,
			 * and what it returns is not always the count needed)
			 */
			nseg = evbuffer_peek(c->out, (ev_ssize_t) pc[i].len, NULL, seg,
								 FLUSH_IOV_MAX);
			if (nseg > FLUSH_IOV_MAX || nseg < 0)
			{
				niov = -1;
				break;
			}
			else
			{
				size_t got = 0;

				for (int j = 0; j < nseg; j++)
					got += seg[j].iov_len;
				if (got < pc[i].len)
				{
					niov = -1;
					break;
				}
			}
			for (int j = 0; j < nseg; j++)
			{
				iov[niov].iov_base = seg[j].iov_base;
				iov[niov++].iov_len = seg[j].iov_len;
			}
		}
	}
	if (niov > 0)
	{
		struct msghdr msg;
		size_t total = 0;
		ssize_t n;

		for (int i = 0; i < niov; i++)
			total += iov[i].iov_len;
		memset(&msg, 0, sizeof(msg));
		msg.msg_iov = iov;
		msg.msg_iovlen = niov;
		n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		{
			/* The peer has gone: what libevent would find out next */
			ClientDropStaged(c);
			KillClient(c);
			return;
		}
		if (n >= 0 && (size_t) n == total)
		{
			/* All in the socket: the output has drained */
			ClientDropStaged(c);
			c->hist_unsent = 0;
			if (ClientHasBacklog(c))
				ClientMarkDirty(c); /* the next slice, this FlushDirty */
			return;
		}
		skip = n > 0 ? (size_t) n : 0;
	}

	/* What the socket did not take, after skip bytes, is queued */
	for (int i = 0; i < npc; i++)
	{
		size_t off;

		if (skip >= pc[i].len)
		{
			skip -= pc[i].len;
			continue;
		}
		off = skip;
		skip = 0;
		if (pc[i].outbuf)
		{
			size_t rest = pc[i].len - off;

			evbuffer_drain(c->out, off);
			if (rest <= PACK_MAX_BYTES)
			{
				char tmp[PACK_MAX_BYTES];

				evbuffer_remove(c->out, tmp, rest);
				evbuffer_add(output, tmp, rest);
			}
			else
				evbuffer_add_buffer(output, c->out);
		}
		else if (pc[i].ev)
			AppendEventRange(output, pc[i].ev, pc[i].p + off, pc[i].len - off);
		else
			evbuffer_add(output, pc[i].p + off, pc[i].len - off);
	}
	ClientDropStaged(c);
	ClientCheckSlow(c, output);
}

/* Send every client's pending output; close the ones that fell behind */
static void
FlushDirty(void)
{
	while (st.dirty)
	{
		Client *c = st.dirty;

		/* Fed while still on the list, so Feed does not queue it again */
		Feed(c);
		st.dirty = c->dnext;
		c->dirty = false;
		c->dnext = NULL;
		if (c->state != CLIENT_STREAMING)
			continue;
		ClientFlush(c);
	}
}

/* ------------------------------------------------------------------ */
/* Delivery */

static void
Deliver(Sub *s, Event *ev)
{
	Client *c = s->client;

	if (ev->id <= s->last_sent)
		return;
	s->last_sent = ev->id;
	if (c->key && !(ev->has_key && ev->key && strcmp(ev->key, c->key) == 0))
		return;
	ClientWriteEvent(c, s, ev);
}

/* Append ev to s's backlog (no bound) */
static void
SubPush(Sub *s, Event *ev)
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

/* A live event for a sub that is replaying or has a backlog */
static void
SubPending(Sub *s, Event *ev)
{
	if (s->overflow)
		return;
	if (s->npending - s->phead >= relay_config->replay_limit + 1000)
	{
		/* Read them from the log again after this backlog */
		s->overflow = true;
		return;
	}
	SubPush(s, ev);
}

static void
SubClearPending(Sub *s)
{
	for (int i = s->phead; i < s->npending; i++)
		EventUnref(s->pending[i]);
	s->npending = 0;
	s->phead = 0;
}

/*
 * s's backlog is sent.  If live events were dropped meanwhile (overflow),
 * read what follows from the log: now if start, else by the caller (the
 * end of Replay_cb, which must not see new subs join its batch).
 */
static void
SubBacklogDone(Sub *s, bool start)
{
	SubClearPending(s);
	if (s->overflow && !s->replaying)
	{
		s->overflow = false;
		s->replaying = true;
		s->replay_after = s->last_sent;
		if (start)
			StartReplay(s->topic);
	}
}

/*
 * One result of topic t to each subscriber.  from_log: the result was read
 * by reference, part of a run that may be large, so it joins a backlog
 * (sent in slices) once the client already has client-buffer / 2 unsent.
 */
static void
Dispatch(Topic *t, Event *ev, bool from_log)
{
	metrics.events_in++;
	if (t->qid == 0)
		t->qid = ev->id / SSE_ID_BASE;
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		Client *c = s->client;

		if (c->state != CLIENT_STREAMING)
			continue;
		if (s->replaying || SubHasBacklog(s))
			SubPending(s, ev);
		else if (from_log &&
				 ClientQueued(c) >= (size_t) relay_config->client_buffer / 2)
		{
			/* The output drains and Drained_cb feeds the rest */
			SubPush(s, ev);
			ClientMarkDirty(c);
		}
		else
			Deliver(s, ev);
	}
}

/* ------------------------------------------------------------------ */
/* Topics */

static Topic *
FindTopic(const char *name)
{
	for (Topic *t = st.topics; t; t = t->next)
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
			st.listening++;
		t->listening = true;
	}
	else if (res)
		relay_log(LOG_WARN, "could not listen on \"%s\": %s", t->channel,
				  PQresultErrorMessage(res));
}

static void
ListenTopic(Topic *t)
{
	char sql[128];

	if (t->listen_cmd || t->listening)
		return;
	/* Channel names are cqstream_[a-z0-9_]: no quoting problem */
	snprintf(sql, sizeof(sql), "LISTEN \"%s\"", t->channel);
	t->listen_cmd = pgconn_query(sql, 0, NULL, Listen_cb, t);
}

static Topic *
GetTopic(const char *name, const char *kind, int64_t last_id)
{
	Topic *t = FindTopic(name);

	if (t == NULL)
	{
		t = calloc(1, sizeof(Topic));
		if (t == NULL)
			abort();
		t->name = strdup(name);
		snprintf(t->channel, sizeof(t->channel), CQ_CHANNEL_PREFIX "%s", name);
		t->next = st.topics;
		st.topics = t;
		ListenTopic(t);
	}
	t->is_window = strcmp(kind, "aggregate") == 0;
	if (last_id > 0)
		t->qid = last_id / SSE_ID_BASE;
	t->gc = false;
	return t;
}

static void
Gc_cb(evutil_socket_t fd, short what, void *arg)
{
	Topic **pp = &st.topics;

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
		pgconn_cancel(t->replay_cmd);
		pgconn_cancel(t->fetch_cmd);
		pgconn_cancel(t->check_cmd);
		if ((t->listening || t->listen_cmd) && pgconn_ready())
		{
			char sql[128];

			snprintf(sql, sizeof(sql), "UNLISTEN \"%s\"", t->channel);
			pgconn_query(sql, 0, NULL, NULL, NULL);
		}
		if (t->listening)
			st.listening--;
		while (t->in_head)
		{
			Inbound *in = t->in_head;

			t->in_head = in->next;
			EventUnref(in->ev);
			free(in);
		}
		free(t->name);
		free(t);
	}
}

static void
SubUnlink(Sub *s)
{
	Topic *t = s->topic;

	if (s->tprev)
		s->tprev->tnext = s->tnext;
	else
		t->subs = s->tnext;
	if (s->tnext)
		s->tnext->tprev = s->tprev;
	if (--t->nsubs == 0)
	{
		t->gc = true;
		event_active(st.gc_ev, EV_TIMEOUT, 0);
	}
	SubClearPending(s);
	free(s->pending);
	free(s);
}

/* ------------------------------------------------------------------ */
/* Replay */

static const char *const ReplaySql =
	"SELECT p.l, p.o, r.id, r.payload::text FROM (SELECT "
	"(SELECT last_result_id FROM cqstream.queries WHERE name = $1) AS l, "
	"(SELECT id FROM cqstream.results($1, 0, 1)) AS o) p "
	"LEFT JOIN LATERAL cqstream.results($1, greatest($2::bigint, "
	"coalesce(p.l, 0) - $3::integer), $3::integer) r ON true ORDER BY r.id";

static int64_t
NormalizeAfter(Topic *t, int64_t a)
{
	if (t->qid <= 0)
		return 0;
	if (a / SSE_ID_BASE != t->qid)
		return t->qid * SSE_ID_BASE;
	return a;
}

static void TopicDropped(Topic *t);

/*
 * A sub's history read is over: its history (hist[0..nhist-1], ids after
 * skip), then what arrived live meanwhile, become its backlog, which Feed
 * sends in slices.
 */
static void
EndReplay(Sub *s, Event **hist, int nhist, int64_t skip)
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
	/* The client is fed by FlushDirty */
	ClientMarkDirty(s->client);
	if (n == 0)
		SubBacklogDone(s, false);
}

static void
Replay_cb(PGresult *res, void *arg)
{
	Topic *t = arg;
	int n;
	int64_t l = -1;
	int64_t o = -1;
	Event **evs = NULL;
	int nev = 0;

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
		const char *state = pgconn_sqlstate(res);

		if (strcmp(state, "42704") == 0)
		{
			TopicDropped(t);
			return;
		}
		relay_log(LOG_WARN, "could not read the results of \"%s\": %s",
				  t->name, PQresultErrorMessage(res));
		for (Sub *s = t->subs; s; s = s->tnext)
			if (s->in_batch)
			{
				const char *msg = strcmp(state, "42501") == 0
					? ": history not readable by the relay's "
					  "role\n\n"
					: ": history not available\n\n";

				ClientWriteText(s->client, msg, strlen(msg));
				EndReplay(s, NULL, 0, 0);
			}
		FlushDirty();
		StartReplay(t);
		return;
	}
	n = PQntuples(res);
	if (n > 0 && !PQgetisnull(res, 0, 0))
		l = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	if (n > 0 && !PQgetisnull(res, 0, 1))
		o = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
	if (t->qid <= 0 && l > 0)
		t->qid = l / SSE_ID_BASE;
	if (n > 0)
	{
		StrBuf json;

		strbuf_init(&json);
		evs = calloc(n, sizeof(Event *));
		if (evs == NULL)
			abort();
		for (int i = 0; i < n; i++)
		{
			PayloadItem *items;
			int64_t id;

			if (PQgetisnull(res, i, 2) || PQgetisnull(res, i, 3))
				continue;
			id = strtoll(PQgetvalue(res, i, 2), NULL, 10);
			strbuf_reset(&json);
			payload_minify(&json, PQgetvalue(res, i, 3),
						   PQgetlength(res, i, 3));
			if (payload_parse(json.data, json.len, &items) != 1)
				continue;
			evs[nev++] = EventBuild(t, id, json.data, json.len,
									items[0].has_key, items[0].key);
			payload_items_free(items, 1);
			metrics.events_in++;
		}
		strbuf_free(&json);
	}
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		int64_t a;
		int64_t e;
		int64_t first;
		int64_t next;

		if (!s->in_batch)
			continue;
		a = NormalizeAfter(t, s->replay_after);
		if (l > 0 && a > l)
			a = l;
		if (l < 0)
			a = 0;
		e = a;
		if (l > 0 && l - relay_config->replay_limit > e)
			e = l - relay_config->replay_limit;
		first = o > 0 ? o : (l > 0 ? l + 1 : a + 1);
		next = first > e + 1 ? first : e + 1;
		if (s->counted)
			metrics.replays++;
		if (next > a + 1 && l > a)
		{
			StrBuf b;
			char data[256];

			snprintf(data, sizeof(data),
					 "{\"query\":\"%s\",\"after\":%lld,\"next\":%lld}",
					 t->name, (long long) a, (long long) next);
			strbuf_init(&b);
			sse_format_event(&b, NULL, "lost", data, strlen(data));
			ClientWriteText(s->client, b.data, b.len);
			strbuf_free(&b);
		}
		s->last_sent = a;
		EndReplay(s, evs, nev, e);
	}
	for (int i = 0; i < nev; i++)
		EventUnref(evs[i]);
	free(evs);
	FlushDirty();
	StartReplay(t);
}

/* Start one history read for every sub of t waiting for one */
static void
StartReplay(Topic *t)
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
	ListenTopic(t);
	snprintf(after, sizeof(after), "%lld", (long long) min_after);
	snprintf(limit, sizeof(limit), "%d", relay_config->replay_limit);
	params[0] = t->name;
	params[1] = after;
	params[2] = limit;
	t->replay_cmd = pgconn_query(ReplaySql, 3, params, Replay_cb, t);
}

/* ------------------------------------------------------------------ */
/* Results by reference */

static int
InboundCmp(const void *a, const void *b)
{
	const Inbound *x = *(Inbound *const *) a;
	const Inbound *y = *(Inbound *const *) b;

	return (x->id > y->id) - (x->id < y->id);
}

/*
 * Results announced by reference that the log no longer gives (trimmed,
 * or not readable by the relay's role), after..upto: never a silent gap.
 * A live sub is told at once with "event: lost"; a sub that is replaying
 * or has a backlog reads what follows its backlog from the log again
 * (overflow), and that read reports what is missing.
 */
static void
LostByReference(Topic *t, int64_t upto)
{
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		Client *c = s->client;
		StrBuf b;
		char data[256];

		if (c->state != CLIENT_STREAMING || upto <= s->last_sent)
			continue;
		if (s->replaying || SubHasBacklog(s))
		{
			s->overflow = true;
			continue;
		}
		snprintf(data, sizeof(data),
				 "{\"query\":\"%s\",\"after\":%lld,\"next\":%lld}", t->name,
				 (long long) s->last_sent, (long long) (upto + 1));
		strbuf_init(&b);
		sse_format_event(&b, NULL, "lost", data, strlen(data));
		ClientWriteText(c, b.data, b.len);
		strbuf_free(&b);
		s->last_sent = upto;
	}
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
	{
		StrBuf json;
		Inbound **want;
		int nwant = 0;
		int w = 0;

		/*
		 * The unresolved entries, sorted by id, matched against the rows
		 * (in id order) in one merge: rows + entries, not their product
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
			payload_minify(&json, PQgetvalue(res, i, 1),
						   PQgetlength(res, i, 1));
			if (payload_parse(json.data, json.len, &items) == 1)
			{
				want[w]->ev = EventBuild(t, id, json.data, json.len,
										 items[0].has_key, items[0].key);
				want[w]->from_log = true;
				payload_items_free(items, 1);
			}
			w++;
		}
		strbuf_free(&json);
		free(want);
	}
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
	FlushDirty();
}

static void
Pump(Topic *t)
{
	while (t->in_head && t->in_head->ev)
	{
		Inbound *in = t->in_head;

		t->in_head = in->next;
		if (t->in_head == NULL)
			t->in_tail = NULL;
		Dispatch(t, in->ev, in->from_log);
		EventUnref(in->ev);
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

static void
TopicNotify(Topic *t, const char *payload)
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
			ev = EventBuild(t, items[i].id, items[i].text, items[i].len,
							items[i].has_key, items[i].key);
		if (t->in_head == NULL && ev)
		{
			Dispatch(t, ev, false);
			EventUnref(ev);
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

/* ------------------------------------------------------------------ */
/* Clients */

static void
ClientUnlinkAll(Client *c)
{
	for (int i = 0; i < c->nsubs; i++)
		SubUnlink(c->subs[i]);
	free(c->subs);
	c->subs = NULL;
	c->nsubs = 0;
}

/* Stop watching c's socket (before it is closed) */
static void
ClientStopWatch(Client *c)
{
	if (c->peer_ev)
		event_free(c->peer_ev);
	c->peer_ev = NULL;
}

/* c waits for its queries to be looked up (the next batch, StartResolve) */
static void
ClientWait(Client *c)
{
	st.resolving++;
	c->resolve_gen = 0;
	c->wnext = NULL;
	c->wprev = st.wtail;
	if (st.wtail)
		st.wtail->wnext = c;
	else
		st.whead = c;
	st.wtail = c;
}

static void
ClientUnwait(Client *c)
{
	st.resolving--;
	if (c->wprev)
		c->wprev->wnext = c->wnext;
	else
		st.whead = c->wnext;
	if (c->wnext)
		c->wnext->wprev = c->wprev;
	else
		st.wtail = c->wprev;
	c->wnext = c->wprev = NULL;
}

/*
 * Move c to state, keeping the counts right: clients waiting for their
 * first query count toward max-clients as well as streaming ones.  A
 * client that stops waiting leaves the look-up list at once: the batch's
 * callback must never see a client whose connection is gone (Close_cb)
 * or going.
 */
static void
ClientSetState(Client *c, ClientState state)
{
	if (c->state == state)
		return;
	if (c->state == CLIENT_STREAMING)
		metrics.clients--;
	else if (c->state == CLIENT_RESOLVING)
		ClientUnwait(c);
	c->state = state;
	if (state == CLIENT_STREAMING)
		metrics.clients++;
	else if (state == CLIENT_RESOLVING)
		ClientWait(c);
	else
		ClientStopWatch(c);
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
	KillClient(c);
}

static void
ClientWatch(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	evutil_socket_t fd = bev ? bufferevent_getfd(bev) : -1;

	if (fd < 0)
		return;
	c->peer_ev = event_new(st.base, fd, EV_READ | EV_PERSIST, Peer_cb, c);
	if (c->peer_ev)
		event_add(c->peer_ev, NULL);
}

static void
ClientFree(Client *c)
{
	ClientSetState(c, CLIENT_DEAD);
	ClientUnlinkAll(c);
	if (c->prev)
		c->prev->next = c->next;
	else if (st.clients == c)
		st.clients = c->next;
	if (c->next)
		c->next->prev = c->prev;
	if (c->dirty)
	{
		Client **pp = &st.dirty;

		while (*pp && *pp != c)
			pp = &(*pp)->dnext;
		if (*pp)
			*pp = c->dnext;
	}
	ClientDropStaged(c);
	if (c->out)
		evbuffer_free(c->out);
	for (int i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	free(c->key);
	free(c->last_id);
	free(c);
}

static void
Reap_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	while (st.reap)
	{
		Client *c = st.reap;

		st.reap = c->rnext;
		if (!c->conn_gone)
		{
			/* Closed by us: libevent frees the request with the connection */
			c->freeing = true;
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
			evhttp_connection_free(c->evcon);
		}
		else if (c->req_detached && c->req)
			evhttp_request_free(c->req);
		ClientFree(c);
	}
}

/* Stop delivering to c and close its connection soon */
static void
KillClient(Client *c)
{
	if (c->reaping)
		return;
	ClientSetState(c, CLIENT_DEAD);
	c->reaping = true;
	c->rnext = st.reap;
	st.reap = c;
	event_active(st.reap_ev, EV_TIMEOUT, 0);
}

static void
Close_cb(struct evhttp_connection *evcon, void *arg)
{
	Client *c = arg;

	(void) evcon;
	if (c->freeing)
		return;
	c->conn_gone = true;
	c->req_detached = c->req && evhttp_request_get_connection(c->req) == NULL;
	ClientSetState(c, CLIENT_DEAD);
	if (!c->reaping)
	{
		c->reaping = true;
		c->rnext = st.reap;
		st.reap = c;
		event_active(st.reap_ev, EV_TIMEOUT, 0);
	}
}

static long
Jittered(long ms)
{
	/* +-20%: clients told to come back do not all come at once */
	return ms * 8 / 10 + (long) ((double) random() / RAND_MAX * ms * 4 / 10);
}

static void
DrainClosed_cb(struct evhttp_connection *evcon, void *arg)
{
	(void) evcon;
	(void) arg;
	if (st.drain_left > 0 && --st.drain_left == 0 && st.drain_done)
		st.drain_done();
}

/*
 * End c's response properly (terminating chunk; connection closed after
 * it since the response says "Connection: close") and free c.  text, if
 * any, is written last.
 */
static void
FinishClient(Client *c, const char *text)
{
	ClientStopWatch(c);
	if (c->state == CLIENT_STREAMING)
	{
		if (text)
			ClientWriteText(c, text, strlen(text));
		ClientUnstage(c);
		if (c->out && evbuffer_get_length(c->out) > 0)
		{
			metrics.bytes_out += evbuffer_get_length(c->out);
			evhttp_send_reply_chunk(c->req, c->out);
		}
	}
	if (st.draining)
	{
		st.drain_left++;
		evhttp_connection_set_closecb(c->evcon, DrainClosed_cb, NULL);
	}
	else
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
	if (c->state == CLIENT_STREAMING)
		evhttp_send_reply_end(c->req);
	c->req = NULL;
	ClientFree(c);
}

/* Start the 200 response of an event stream on req */
static void
StartResponse(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct bufferevent *bev;
	struct timeval wtv = {STREAM_WRITE_TIMEOUT_S, 0};

	evhttp_add_header(h, "Content-Type", "text/event-stream; charset=utf-8");
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "X-Accel-Buffering", "no");
	evhttp_add_header(h, "Connection", "close");
	http_add_cors(req);
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

/* Accept, send retry:, close: for load shedding and database outages */
static void
ShedRequest(struct evhttp_request *req, const char *why)
{
	struct evbuffer *b = evbuffer_new();

	StartResponse(req);
	evbuffer_add_printf(b, "retry: %ld\n: %s\n\n",
						Jittered(relay_config->retry), why);
	evhttp_send_reply_chunk(req, b);
	evhttp_send_reply_end(req);
	evbuffer_free(b);
}

static void
ClientStart(Client *c)
{
	StrBuf b;

	StartResponse(c->req);
	/* evhttp chose chunked encoding or not (HTTP/1.0) when starting */
	c->chunked = c->req->chunked;
	ClientSetState(c, CLIENT_STREAMING);
	strbuf_init(&b);
	sse_format_retry(&b, relay_config->retry);
	strbuf_puts(&b, ": cqstream-relay\n\n");
	ClientWriteText(c, b.data, b.len);
	strbuf_free(&b);
}

static Sub *
AddSub(Client *c, Topic *t, int64_t after, bool counted)
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
	s->tnext = t->subs;
	if (t->subs)
		t->subs->tprev = s;
	t->subs = s;
	t->nsubs++;
	c->subs[c->nsubs++] = s;
	return s;
}

/*
 * Whether c asked for the query called name: as the SQL of one client's
 * look-up would say (name = ANY(exact) OR name LIKE ANY(patterns)).
 */
static bool
ClientWants(Client *c, const char *name)
{
	for (int i = 0; i < c->nnames; i++)
	{
		if (c->multi && names_is_pattern(c->names[i]))
		{
			if (names_glob_match(c->names[i], name))
				return true;
		}
		else if (strcmp(c->names[i], name) == 0)
			return true;
	}
	return false;
}

/*
 * c's queries are known: rows[0 .. n - 1] of res (name, kind,
 * last_result_id, in name order), or res is NULL (no answer).  Start its
 * stream, or answer 204/400/retry and free it.  Its history reads are
 * started by the caller, once for the whole batch.
 */
static void
ResolveClient(Client *c, PGresult *res, const int *rows, int n)
{
	CursorPos pos[STREAM_MAX_QUERIES];
	int npos = -1;

	ClientStopWatch(c);
	if (res == NULL)
	{
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		ShedRequest(c->req, "database unavailable");
		c->req = NULL;
		ClientFree(c);
		return;
	}
	if (n == 0)
	{
		/* Unknown query: 204 tells an EventSource to stop reconnecting */
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		http_add_cors(c->req);
		evhttp_send_reply(c->req, 204, "No Content", NULL);
		c->req = NULL;
		ClientFree(c);
		return;
	}
	if (n > STREAM_MAX_QUERIES)
	{
		/*
		 * Its cursor would not fit what a reconnect may send back
		 * (sse.h): refuse rather than lose positions later
		 */
		char msg[160];

		snprintf(msg, sizeof(msg),
				 "the query names and patterns match more than %d queries, "
				 "the most one stream can follow",
				 STREAM_MAX_QUERIES);
		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		http_send_error(c->req, 400, "Bad Request", msg);
		c->req = NULL;
		ClientFree(c);
		return;
	}
	if (c->last_id)
		npos = sse_cursor_parse(c->last_id, pos, STREAM_MAX_QUERIES);
	/* Needed only for the look-up: not kept by every idle stream */
	for (int i = 0; i < c->nnames; i++)
		free(c->names[i]);
	free(c->names);
	c->names = NULL;
	c->nnames = 0;
	free(c->last_id);
	c->last_id = NULL;
	c->subs = calloc(n, sizeof(Sub *));
	if (c->subs == NULL)
		abort();
	ClientStart(c);
	ClientWatch(c);
	for (int i = 0; i < n; i++)
	{
		const char *name = PQgetvalue(res, rows[i], 0);
		int64_t last = PQgetisnull(res, rows[i], 2)
			? 0
			: strtoll(PQgetvalue(res, rows[i], 2), NULL, 10);
		Topic *t = GetTopic(name, PQgetvalue(res, rows[i], 1), last);
		int64_t after = last;
		bool counted = false;

		if (npos > 0)
		{
			/* A position for this query, or from its start */
			counted = true;
			after = 0;
			for (int j = 0; j < npos; j++)
				if (t->qid > 0 && pos[j].qid == t->qid)
					after = pos[j].qid * SSE_ID_BASE + pos[j].seq;
			if (!c->multi && npos == 1 && t->qid == 0)
				after = 0;
		}
		AddSub(c, t, after, counted);
	}
}

/*
 * The look-up of one batch of waiting clients (st.resolve_gen) answered:
 * each client takes the rows it asked for, in their (name) order, at most
 * one more than a stream may follow (as the LIMIT of a look-up of its
 * own would).
 */
static void
Resolve_cb(PGresult *res, void *arg)
{
	unsigned gen = st.resolve_gen;
	Client **batch;
	int nbatch = 0;
	int nrows = 0;
	int *rows;

	(void) arg;
	st.resolve_cmd = NULL;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		relay_log(LOG_WARN, "could not look up queries: %s",
				  PQresultErrorMessage(res));
		res = NULL;
	}
	if (res)
		nrows = PQntuples(res);
	for (Client *c = st.whead; c; c = c->wnext)
		nbatch += c->resolve_gen == gen;
	batch = malloc((nbatch + 1) * sizeof(Client *));
	rows = malloc((STREAM_MAX_QUERIES + 1) * sizeof(int));
	if (batch == NULL || rows == NULL)
		abort();
	nbatch = 0;
	for (Client *c = st.whead; c; c = c->wnext)
		if (c->resolve_gen == gen)
			batch[nbatch++] = c;
	for (int i = 0; i < nbatch; i++)
	{
		Client *c = batch[i];
		int n = 0;

		/* Gone meanwhile (ClientSetState unlinks, this is a second guard) */
		if (c->state != CLIENT_RESOLVING)
			continue;
		for (int r = 0; r < nrows && n <= STREAM_MAX_QUERIES; r++)
			if (ClientWants(c, PQgetvalue(res, r, 0)))
				rows[n++] = r;
		ResolveClient(c, res, rows, n);
	}
	free(rows);
	free(batch);
	/* One history read per topic for all the new subs */
	for (Topic *t = st.topics; t; t = t->next)
		StartReplay(t);
	FlushDirty();
	StartResolve();
}

/*
 * Look up the queries of every client waiting at this moment with one
 * command (connecting clients arrive far faster than one round trip per
 * client); the clients arriving meanwhile form the next batch.
 */
static void
StartResolve(void)
{
	char **exact;
	char **like;
	int nexact = 0;
	int nlike = 0;
	int nnames = 0;
	StrBuf ea;
	StrBuf la;
	const char *params[2];

	if (st.resolve_cmd)
		return;
	for (Client *c = st.whead; c; c = c->wnext)
		if (c->resolve_gen == 0)
			nnames += c->nnames;
	if (nnames == 0)
		return;
	if (++st.resolve_gen == 0)
		st.resolve_gen = 1;
	exact = malloc(nnames * sizeof(char *));
	like = malloc(nnames * sizeof(char *));
	if (exact == NULL || like == NULL)
		abort();
	for (Client *c = st.whead; c; c = c->wnext)
	{
		if (c->resolve_gen != 0)
			continue;
		c->resolve_gen = st.resolve_gen;
		for (int i = 0; i < c->nnames; i++)
		{
			if (c->multi && names_is_pattern(c->names[i]))
				like[nlike++] = c->names[i];
			else
				exact[nexact++] = c->names[i];
		}
	}
	strbuf_init(&ea);
	strbuf_init(&la);
	names_array(&ea, exact, nexact, false);
	names_array(&la, like, nlike, true);
	params[0] = ea.data;
	params[1] = la.data;
	st.resolve_cmd =
		pgconn_query("SELECT name, kind, last_result_id FROM cqstream.queries "
					 "WHERE name = ANY($1::text[]) OR name LIKE ANY($2::text[]) "
					 "ORDER BY name",
					 2, params, Resolve_cb, NULL);
	strbuf_free(&ea);
	strbuf_free(&la);
	free(exact);
	free(like);
}

void
stream_open(struct evhttp_request *req, char **names, int nnames, bool multi,
			const char *key, const char *last_id)
{
	Client *c;

	if (st.draining)
	{
		ShedRequest(req, "draining");
		return;
	}
	if (metrics.clients + st.resolving >= relay_config->max_clients)
	{
		metrics.shed++;
		ShedRequest(req, "too many clients");
		return;
	}
	if (!pgconn_ready())
	{
		ShedRequest(req, "database unavailable");
		return;
	}
	c = calloc(1, sizeof(Client));
	if (c == NULL)
		abort();
	c->req = req;
	c->evcon = evhttp_request_get_connection(req);
	c->multi = multi;
	c->key = key ? strdup(key) : NULL;
	c->last_id = last_id ? strdup(last_id) : NULL;
	c->names = calloc(nnames, sizeof(char *));
	if (c->names == NULL)
		abort();
	for (int i = 0; i < nnames; i++)
		if ((c->names[i] = strdup(names[i])) == NULL)
			abort();
	c->nnames = nnames;
	c->next = st.clients;
	if (st.clients)
		st.clients->prev = c;
	st.clients = c;
	/* calloc made it CLIENT_RESOLVING (0) without counting it */
	c->state = CLIENT_RESOLVING;
	ClientWait(c);
	evhttp_connection_set_closecb(c->evcon, Close_cb, c);
	ClientWatch(c);
	StartResolve();
}

/* ------------------------------------------------------------------ */
/* Dropped queries */

/* End every stream that follows t (they get 204 when they come back) */
static void
TopicDropped(Topic *t)
{
	Client **list;
	int n = 0;

	relay_log(LOG_INFO, "query \"%s\" dropped: ending its %d streams", t->name,
			  t->nsubs);
	list = calloc(t->nsubs + 1, sizeof(Client *));
	if (list == NULL)
		abort();
	for (Sub *s = t->subs; s; s = s->tnext)
		list[n++] = s->client;
	t->qid = 0;
	for (int i = 0; i < n; i++)
		if (list[i]->state == CLIENT_STREAMING)
			FinishClient(list[i], NULL);
	free(list);
	FlushDirty();
}

static void
Check_cb(PGresult *res, void *arg)
{
	Topic *t = arg;

	t->check_cmd = NULL;
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 0)
		TopicDropped(t);
}

/* ------------------------------------------------------------------ */
/* Database hooks */

void
stream_db_connected(bool reconnect)
{
	pgconn_query("SET TimeZone = 'UTC'", 0, NULL, NULL, NULL);
	pgconn_query("LISTEN " CQ_REGISTRY_CHANNEL, 0, NULL, NULL, NULL);
	for (Topic *t = st.topics; t; t = t->next)
	{
		ListenTopic(t);
		/* Back-fill every open stream from its position */
		for (Sub *s = t->subs; s; s = s->tnext)
		{
			if (s->client->state != CLIENT_STREAMING)
				continue;
			if (!s->replaying)
			{
				/* Its backlog is read again with the rest */
				SubClearPending(s);
				s->overflow = false;
				s->replaying = true;
				s->replay_after = s->last_sent;
				s->counted = reconnect;
			}
			s->in_batch = false;
		}
		/* Results announced by reference and not read yet: read again */
		StartReplay(t);
	}
}

void
stream_db_lost(void)
{
	for (Topic *t = st.topics; t; t = t->next)
	{
		/*
		 * Cancelled, not only forgotten: the fail event answers them
		 * later, when t may have been freed (Gc_cb cancels only what it
		 * still knows about)
		 */
		t->listening = false;
		pgconn_cancel(t->listen_cmd);
		pgconn_cancel(t->replay_cmd);
		pgconn_cancel(t->fetch_cmd);
		pgconn_cancel(t->check_cmd);
		t->listen_cmd = NULL;
		t->replay_cmd = NULL;
		t->fetch_cmd = NULL;
		t->check_cmd = NULL;
		/* What Replay_cb(NULL) did: every waiting sub is replayed later */
		for (Sub *s = t->subs; s; s = s->tnext)
			s->in_batch = false;
		/*
		 * Results not delivered yet: dropped, the back-fill after the
		 * reconnect reads them (delivering the resolved ones now would move
		 * positions past the unresolved ones before them)
		 */
		while (t->in_head)
		{
			Inbound *in = t->in_head;

			t->in_head = in->next;
			EventUnref(in->ev);
			free(in);
		}
		t->in_tail = NULL;
	}
	st.listening = 0;
	FlushDirty();
}

static void
Flush_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	FlushDirty();
}

void
stream_db_notify(const char *channel, const char *payload)
{
	Topic *t;

	if (strcmp(channel, CQ_REGISTRY_CHANNEL) == 0)
	{
		const char *params[1] = {payload};

		t = FindTopic(payload);
		if (t && !t->check_cmd)
			t->check_cmd =
				pgconn_query("SELECT kind FROM cqstream.queries WHERE name = $1",
							 1, params, Check_cb, t);
		return;
	}
	if (strncmp(channel, CQ_CHANNEL_PREFIX, CQ_CHANNEL_PREFIX_LEN) != 0 ||
		(t = FindTopic(channel + CQ_CHANNEL_PREFIX_LEN)) == NULL)
		return;
	TopicNotify(t, payload);
	/*
	 * Sent once every notification of this read is in (Flush_cb): when
	 * the relay falls behind, a client gets the events that piled up in
	 * one write, not one write each
	 */
	event_active(st.flush_ev, EV_TIMEOUT, 0);
}

int
stream_listening(void)
{
	return st.listening;
}

/* ------------------------------------------------------------------ */
/* Heartbeats, configuration, drain */

static void
Heartbeat_cb(evutil_socket_t fd, short what, void *arg)
{
	static const char beat[] = ": heartbeat\n\n";

	(void) fd;
	(void) what;
	(void) arg;
	for (Client *c = st.clients; c; c = c->next)
	{
		if (c->state == CLIENT_STREAMING && !c->wrote)
			ClientWriteText(c, beat, sizeof(beat) - 1);
		c->wrote = false;
	}
	FlushDirty();
}

void
stream_config_changed(void)
{
	struct timeval tv;

	if (st.heartbeat_s == relay_config->heartbeat)
		return;
	st.heartbeat_s = relay_config->heartbeat;
	tv.tv_sec = st.heartbeat_s;
	tv.tv_usec = 0;
	event_del(st.heartbeat_ev);
	event_add(st.heartbeat_ev, &tv);
}

void
stream_init(struct event_base *base)
{
	st.base = base;
	st.reap_ev = event_new(base, -1, 0, Reap_cb, NULL);
	st.gc_ev = event_new(base, -1, 0, Gc_cb, NULL);
	st.flush_ev = event_new(base, -1, 0, Flush_cb, NULL);
	st.heartbeat_ev = event_new(base, -1, EV_PERSIST, Heartbeat_cb, NULL);
	stream_config_changed();
}

int
stream_drain(void (*done)(void))
{
	char text[64];

	st.draining = true;
	st.drain_done = done;
	while (st.clients)
	{
		Client *c = st.clients;

		if (c->state == CLIENT_RESOLVING)
		{
			evhttp_connection_set_closecb(c->evcon, NULL, NULL);
			ShedRequest(c->req, "draining");
			c->req = NULL;
			ClientFree(c);
			continue;
		}
		if (c->state == CLIENT_DEAD)
		{
			/* Waiting to be reaped: unlink from the list only */
			st.clients = c->next;
			if (st.clients)
				st.clients->prev = NULL;
			c->next = c->prev = NULL;
			continue;
		}
		snprintf(text, sizeof(text), "retry: %ld\n\n",
				 Jittered(relay_config->retry));
		FinishClient(c, text);
	}
	return st.drain_left;
}

void
stream_shutdown(void)
{
	pgconn_cancel(st.resolve_cmd);
	st.resolve_cmd = NULL;
	Reap_cb(-1, 0, NULL);
	while (st.clients)
	{
		Client *c = st.clients;

		evhttp_connection_set_closecb(c->evcon, NULL, NULL);
		ClientFree(c);
	}
	for (Topic *t = st.topics; t; t = t->next)
		t->gc = true;
	Gc_cb(-1, 0, NULL);
	event_free(st.reap_ev);
	event_free(st.gc_ev);
	event_free(st.flush_ev);
	event_free(st.heartbeat_ev);
}
