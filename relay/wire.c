/*
 * wire.c
 *	  Events in their wire form, shared and reference counted.
 *
 * Design notes
 *
 * An event is formatted once, whatever the number of its subscribers
 * (thousands of streams may follow one query).  Its id line comes first
 * and body_off marks where the rest starts: a stream of several queries
 * writes its own cursor as id (sse.h) and then the shared bytes from
 * body_off.  Events of WIRE_REF_MIN_BYTES and more are added to libevent
 * buffers by reference (evbuffer_add_reference, which drops the
 * reference when the bytes are written); smaller ones are copied, which
 * is cheaper than a reference's chain for a few hundred bytes and lets a
 * lagging client's small events share chains.
 *
 * Every event comes from a row of the results log (wire_from_log): its
 * id is the row's, its data the row's payload, compacted.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "payload.h"
#include "wire.h"

Event *
wire_build(int64_t id, bool is_window, const char *json, size_t len,
		   bool has_key, const char *key)
{
	StrBuf b;
	char idtxt[24];
	size_t body_off;
	Event *ev;
	char hdr[WIRE_CHUNK_HDR_MAX + 1];
	int hlen;

	strbuf_init(&b);
	snprintf(idtxt, sizeof(idtxt), "%lld", (long long) id);
	sse_format_event(&b, idtxt, NULL, "", 0);
	/* "id: N\ndata: \n\n": keep only the id line */
	body_off = strlen(idtxt) + 5;
	b.len = body_off;
	sse_format_event(&b, NULL, is_window ? "window" : "instant", json, len);
	/*
	 * The chunk header goes right before the bytes, its trailer right
	 * after: the same buffer serves chunked and plain responses.
	 */
	hlen = wire_chunk_header(hdr, b.len);
	ev = malloc(sizeof(Event) + WIRE_CHUNK_HDR_MAX + b.len + 2);
	if (ev == NULL)
		abort();
	ev->refcnt = 1;
	ev->id = id;
	ev->has_key = has_key;
	ev->key = key ? strdup(key) : NULL;
	ev->len = b.len;
	ev->body_off = body_off;
	ev->wire = ev->buf + WIRE_CHUNK_HDR_MAX;
	ev->chunk = ev->wire - hlen;
	ev->chunk_len = hlen + b.len + 2;
	memcpy(ev->chunk, hdr, hlen);
	memcpy(ev->wire, b.data, b.len);
	memcpy(ev->wire + b.len, "\r\n", 2);
	strbuf_free(&b);
	return ev;
}

void
wire_unref(Event *ev)
{
	if (ev && --ev->refcnt == 0)
	{
		free(ev->key);
		free(ev);
	}
}

/* libevent is done with bytes added by reference */
static void
RefDone_cb(const void *data, size_t len, void *arg)
{
	(void) data;
	(void) len;
	wire_unref(arg);
}

void
wire_append_range(struct evbuffer *buf, Event *ev, const char *p, size_t len)
{
	if (len >= WIRE_REF_MIN_BYTES)
	{
		ev->refcnt++;
		if (evbuffer_add_reference(buf, p, len, RefDone_cb, ev) == 0)
			return;
		ev->refcnt--;
	}
	evbuffer_add(buf, p, len);
}

void
wire_append(struct evbuffer *buf, Event *ev, size_t off)
{
	wire_append_range(buf, ev, ev->wire + off, ev->len - off);
}

int
wire_chunk_header(char hdr[WIRE_CHUNK_HDR_MAX + 1], size_t len)
{
	return snprintf(hdr, WIRE_CHUNK_HDR_MAX + 1, "%zx\r\n", len);
}

void
wire_format_lost(StrBuf *b, const char *query, int64_t after, int64_t next)
{
	char data[256];

	snprintf(data, sizeof(data),
			 "{\"query\":\"%s\",\"after\":%lld,\"next\":%lld}", query,
			 (long long) after, (long long) next);
	sse_format_event(b, NULL, "lost", data, strlen(data));
}

Event *
wire_from_log(int64_t id, bool is_window, const char *jsonb, size_t len)
{
	StrBuf json;
	PayloadItem *item;
	Event *ev = NULL;

	strbuf_init(&json);
	payload_minify(&json, jsonb, len);
	if (payload_parse(json.data ? json.data : "", json.len, &item) == 1)
	{
		ev = wire_build(id, is_window, json.data, json.len, item->has_key,
						item->key);
		payload_items_free(item, 1);
	}
	strbuf_free(&json);
	return ev;
}
