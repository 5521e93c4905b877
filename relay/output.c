/*
 * output.c
 *	  A client's output: rounds staged, framed once, written to the
 *	  socket at once when it is idle, queued in shared chains otherwise.
 *
 * Design notes
 *
 * A round is what one client gets from one database read (a page of the
 * log, a slice of history): events and text are staged while the read is
 * handled and the client is marked dirty; output_flush_dirty then sends
 * each dirty client's round as one HTTP chunk (plain bytes on an HTTP/1.0
 * response).  A round of a single-query stream that is whole shared
 * events is staged by reference (staged[]), and a round that is one event
 * (the usual live case) goes out as that event's prebuilt chunk (wire.h);
 * anything else is staged in the client's buffer (out).  Streams of
 * several queries write their composite cursor as id (sse.h) before the
 * shared "event:"/"data:" bytes.
 *
 * Writing (Flush): the relay owns the connection once the response head
 * is written (client.h), so when nothing is queued on it the round is
 * written to the socket at once with one sendmsg, from the shared bytes;
 * only what the socket does not take is appended to the bufferevent's
 * output (copied into its tail chain, so a backlog of small events
 * shares chains and a lagging client holds about as much memory as it
 * has unsent bytes; events of WIRE_REF_MIN_BYTES and more by reference),
 * and libevent writes that when the socket can take it.  Going through
 * evhttp's chunk functions instead would switch write watching on and off
 * (two epoll_ctl calls) and allocate a chain for each chunk header, which
 * cost more than the write itself at 10,000 clients.
 *
 * History in slices: a replay can be far larger than client-buffer, so
 * it is never written at once.  Its events wait in the subs' backlogs
 * (sub.h), and the client is fed from them (Feed) while its unsent
 * output is under client-buffer / 2; when that output has drained
 * (output_drained_cb) the next slice follows.  So per round a client's
 * output grows by at most client-buffer / 2 plus one event.
 *
 * Compressed streams (Accept-Encoding: gzip, c->gz): a round is
 * unstaged into c->out and replaced there by its compressed form, which
 * ends with a sync flush (gzip.c), so each round, heartbeats included,
 * is decodable as soon as it arrives; the shared bytes of events cannot
 * be used, as every stream's compressed form differs.  output_end
 * appends the end of the gzip stream.  Limits count compressed bytes.
 *
 * Slow clients: after each round, a client whose connection holds more
 * than client-buffer unsent bytes of live output (history slices not yet
 * drained do not count) is closed (it reconnects and replays); nobody
 * waits for it.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>

#include <event2/buffer.h>
#include <event2/http.h>

#include "config.h"
#include "gzip.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "stream.h"
#include "sub.h"
#include "topic.h"

/* Most pieces of c->out written with one sendmsg */
#define FLUSH_IOV_MAX  16
/* Staged output up to this is copied into the connection's output */
#define PACK_MAX_BYTES 4096
/* Pieces of a round: chunk header, the staged events, CRLF */
#define PIECES_MAX	   (CLIENT_STAGE_MAX + 2)

static struct
{
	Client *dirty; /* clients with a round to send */
} op;

/* A piece of a round's wire form (Flush) */
typedef struct Piece
{
	const char *p;
	size_t len;
	Event *ev;	 /* the bytes are ev's (shared) */
	bool outbuf; /* the piece is c->out */
} Piece;

/* How a direct write went (WriteNow) */
typedef enum WriteResult
{
	WRITE_PARTIAL, /* some or none of it: queue the rest */
	WRITE_ALL,	   /* all of it is in the socket */
	WRITE_GONE	   /* the peer has gone */
} WriteResult;

void
output_mark_dirty(Client *c)
{
	if (!c->dirty)
	{
		c->dirty = true;
		c->dnext = op.dirty;
		op.dirty = c;
	}
	c->wrote = true;
}

/*
 * Move the events staged by reference into c->out (something that is
 * not a whole shared event follows them, or they are too many)
 */
static void
Unstage(Client *c)
{
	if (c->nstaged == 0)
		return;
	if (c->out == NULL)
		c->out = evbuffer_new();
	for (int i = 0; i < c->nstaged; i++)
	{
		wire_append(c->out, c->staged[i], 0);
		wire_unref(c->staged[i]);
		c->staged[i] = NULL;
	}
	c->nstaged = 0;
}

/* c's staged output of this round, to append to */
static struct evbuffer *
StagingBuffer(Client *c)
{
	if (c->out == NULL)
		c->out = evbuffer_new();
	Unstage(c);
	output_mark_dirty(c);
	return c->out;
}

/* Bytes staged for c this round (not yet handed to the connection) */
static size_t
Staged(Client *c)
{
	size_t n = c->out ? evbuffer_get_length(c->out) : 0;

	for (int i = 0; i < c->nstaged; i++)
		n += c->staged[i]->len;
	return n;
}

/* Forget what is staged for c (sent, or c is gone) */
static void
DropStaged(Client *c)
{
	for (int i = 0; i < c->nstaged; i++)
	{
		wire_unref(c->staged[i]);
		c->staged[i] = NULL;
	}
	c->nstaged = 0;
	if (c->out)
		evbuffer_drain(c->out, evbuffer_get_length(c->out));
}

void
output_write_text(Client *c, const char *text, size_t len)
{
	if (c->state != CLIENT_STREAMING)
		return;
	evbuffer_add(StagingBuffer(c), text, len);
}

/* "id: CURSOR\n": the position of each of c's queries with a known id */
static void
AppendCursor(Client *c, struct evbuffer *out)
{
	CursorPos pos[STREAM_MAX_QUERIES];
	int n = 0;
	StrBuf b;

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
}

void
output_write_event(Client *c, Event *ev)
{
	if (c->state != CLIENT_STREAMING)
		return;
	if (!c->multi)
	{
		if (c->nstaged < CLIENT_STAGE_MAX &&
			(c->out == NULL || evbuffer_get_length(c->out) == 0))
		{
			/* Nothing else staged: sent from the shared bytes */
			ev->refcnt++;
			c->staged[c->nstaged++] = ev;
			output_mark_dirty(c);
		}
		else
			wire_append(StagingBuffer(c), ev, 0);
	}
	else
	{
		struct evbuffer *out = StagingBuffer(c);

		AppendCursor(c, out);
		wire_append(out, ev, ev->body_off);
	}
	metrics.events_out++;
}

size_t
output_queued(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	size_t n = Staged(c);

	if (bev)
		n += evbuffer_get_length(bufferevent_get_output(bev));
	return n;
}

static bool
HasBacklog(Client *c)
{
	for (int i = 0; i < c->nsubs; i++)
		if (sub_has_backlog(c->subs[i]))
			return true;
	return false;
}

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
	size_t before = Staged(c);
	size_t after;
	bool more = true;

	if (c->state != CLIENT_STREAMING)
		return;
	while (more && output_queued(c) < slice)
	{
		more = false;
		for (int i = 0; i < c->nsubs; i++)
		{
			Sub *s = c->subs[(c->feed_next + i) % c->nsubs];

			if (!sub_has_backlog(s))
				continue;
			c->feed_next = (c->feed_next + i + 1) % c->nsubs;
			sub_feed_one(s);
			more = true;
			break;
		}
	}
	after = Staged(c);
	if (after > before)
		c->hist_unsent += after - before;
}

/*
 * The connection's output has drained (the bufferevent's write callback
 * while the client streams): the history sent so far is gone, feed the
 * next slice.
 */
void
output_drained_cb(struct bufferevent *bev, void *arg)
{
	Client *c = arg;

	(void) bev;
	if (c->state != CLIENT_STREAMING)
		return;
	c->hist_unsent = 0;
	if (HasBacklog(c))
	{
		Feed(c);
		output_flush_dirty();
	}
}

/* Past client-buffer unsent live bytes on its connection: close c */
static void
CheckSlow(Client *c, struct evbuffer *output)
{
	if (evbuffer_get_length(output) >
		(size_t) relay_config->client_buffer + c->hist_unsent)
	{
		metrics.slow_closes++;
		relay_log(LOG_INFO, "closing a slow client (over %ld bytes unsent)",
				  relay_config->client_buffer);
		client_kill(c);
	}
}

/*
 * The wire form of c's round of len bytes, as pieces: the staged events,
 * or c->out (never both), framed as one chunk when c->chunked (a lone
 * event: its prebuilt chunk).  hdr holds the chunk header.  Returns the
 * number of pieces.
 */
static int
Frame(Client *c, size_t len, char hdr[WIRE_CHUNK_HDR_MAX + 1], Piece *pc)
{
	int npc = 0;

	if (c->chunked && c->nstaged == 1)
	{
		pc[npc++] = (Piece){c->staged[0]->chunk, c->staged[0]->chunk_len,
							c->staged[0], false};
		return npc;
	}
	if (c->chunked)
		pc[npc++] = (Piece){hdr, (size_t) wire_chunk_header(hdr, len), NULL,
							false};
	for (int i = 0; i < c->nstaged; i++)
		pc[npc++] = (Piece){c->staged[i]->wire, c->staged[i]->len,
							c->staged[i], false};
	if (c->nstaged == 0)
		pc[npc++] = (Piece){NULL, len, NULL, true};
	if (c->chunked)
		pc[npc++] = (Piece){"\r\n", 2, NULL, false};
	return npc;
}

/*
 * Write pc[0 .. npc - 1] to fd with one sendmsg (the connection's output
 * is empty); *written: the bytes the socket took
 */
static WriteResult
WriteNow(Client *c, evutil_socket_t fd, const Piece *pc, int npc,
		 size_t *written)
{
	struct evbuffer_iovec seg[FLUSH_IOV_MAX];
	struct iovec iov[FLUSH_IOV_MAX + PIECES_MAX];
	int niov = 0;
	size_t total = 0;
	struct msghdr msg;
	ssize_t n;

	*written = 0;
	for (int i = 0; i < npc; i++)
	{
		int nseg;
		size_t got = 0;

		if (!pc[i].outbuf)
		{
			iov[niov].iov_base = (void *) pc[i].p;
			iov[niov++].iov_len = pc[i].len;
			continue;
		}
		/*
		 * All of c->out in at most FLUSH_IOV_MAX extents, else libevent
		 * writes it (evbuffer_peek fills at most that many, and what it
		 * returns is not always the count needed)
		 */
		nseg = evbuffer_peek(c->out, (ev_ssize_t) pc[i].len, NULL, seg,
							 FLUSH_IOV_MAX);
		if (nseg > FLUSH_IOV_MAX || nseg < 0)
			return WRITE_PARTIAL;
		for (int j = 0; j < nseg; j++)
			got += seg[j].iov_len;
		if (got < pc[i].len)
			return WRITE_PARTIAL;
		for (int j = 0; j < nseg; j++)
		{
			iov[niov].iov_base = seg[j].iov_base;
			iov[niov++].iov_len = seg[j].iov_len;
		}
	}
	if (niov == 0)
		return WRITE_PARTIAL;
	for (int i = 0; i < niov; i++)
		total += iov[i].iov_len;
	memset(&msg, 0, sizeof(msg));
	msg.msg_iov = iov;
	msg.msg_iovlen = niov;
	n = sendmsg(fd, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
		return WRITE_GONE;
	if (n >= 0 && (size_t) n == total)
		return WRITE_ALL;
	*written = n > 0 ? (size_t) n : 0;
	return WRITE_PARTIAL;
}

/* Append pc[0 .. npc - 1], after the first skip bytes, to output */
static void
Queue(Client *c, struct evbuffer *output, const Piece *pc, int npc,
	  size_t skip)
{
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
			wire_append_range(output, pc[i].ev, pc[i].p + off,
							  pc[i].len - off);
		else
			evbuffer_add(output, pc[i].p + off, pc[i].len - off);
	}
}

/*
 * Replace c's staged round with its compressed form (c->gz), the end of
 * the gzip stream after it when last; false if zlib failed
 */
static bool
Compress(Client *c, bool last)
{
	if (c->out == NULL)
		c->out = evbuffer_new();
	Unstage(c);
	if (gzip_stream_round(c->gz, c->out, last))
		return true;
	relay_log(LOG_WARN, "could not compress a stream's output");
	return false;
}

/*
 * Hand c's round to its connection: written to the socket here when
 * nothing is queued on the connection (the usual case: the socket took
 * everything so far), what the socket does not take queued on the
 * bufferevent, which writes it when the socket is writable.
 */
static void
Flush(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	struct evbuffer *output = bufferevent_get_output(bev);
	size_t len = Staged(c);
	Piece pc[PIECES_MAX];
	int npc;
	char hdr[WIRE_CHUNK_HDR_MAX + 1];
	size_t skip = 0;
	evutil_socket_t fd = bufferevent_getfd(bev);

	if (len == 0)
		return;
	if (c->gz)
	{
		/* The round as one flushed piece of the gzip stream (gzip.c) */
		if (!Compress(c, false))
		{
			DropStaged(c);
			client_kill(c);
			return;
		}
		len = Staged(c);
	}
	metrics.bytes_out += len;
	npc = Frame(c, len, hdr, pc);
	if (evbuffer_get_length(output) == 0 && fd >= 0)
	{
		switch (WriteNow(c, fd, pc, npc, &skip))
		{
			case WRITE_GONE:
				/* What libevent would find out next */
				DropStaged(c);
				client_kill(c);
				return;
			case WRITE_ALL:
				/* All in the socket: the output has drained */
				DropStaged(c);
				c->hist_unsent = 0;
				if (HasBacklog(c))
					output_mark_dirty(c); /* the next slice, this flush */
				return;
			case WRITE_PARTIAL:
				break;
		}
	}
	Queue(c, output, pc, npc, skip);
	DropStaged(c);
	CheckSlow(c, output);
}

void
output_flush_dirty(void)
{
	while (op.dirty)
	{
		Client *c = op.dirty;

		/* Fed while still on the list, so Feed does not queue it again */
		Feed(c);
		op.dirty = c->dnext;
		c->dirty = false;
		c->dnext = NULL;
		if (c->state != CLIENT_STREAMING)
			continue;
		Flush(c);
	}
}

void
output_end(Client *c)
{
	struct bufferevent *bev = evhttp_connection_get_bufferevent(c->evcon);
	struct evbuffer *output = bufferevent_get_output(bev);
	size_t len;

	Unstage(c);
	if (c->gz && !Compress(c, true))
		DropStaged(c); /* ends the response without its gzip trailer */
	len = c->out ? evbuffer_get_length(c->out) : 0;
	if (len > 0)
	{
		char hdr[WIRE_CHUNK_HDR_MAX + 1];

		metrics.bytes_out += len;
		if (c->chunked)
			evbuffer_add(output, hdr, wire_chunk_header(hdr, len));
		evbuffer_add_buffer(output, c->out);
		if (c->chunked)
			evbuffer_add(output, "\r\n", 2);
	}
	if (c->chunked)
		evbuffer_add(output, "0\r\n\r\n", 5);
}

void
output_forget(Client *c)
{
	if (c->dirty)
	{
		Client **pp = &op.dirty;

		while (*pp && *pp != c)
			pp = &(*pp)->dnext;
		if (*pp)
			*pp = c->dnext;
	}
	DropStaged(c);
	if (c->out)
		evbuffer_free(c->out);
	c->out = NULL;
	gzip_stream_free(c->gz);
	c->gz = NULL;
}
