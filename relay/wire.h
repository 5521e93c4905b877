/*
 * wire.h
 *	  Events in their wire form: one result's SSE bytes, built once and
 *	  shared by every stream that sends it.
 *
 * Design notes
 *
 * An Event holds "id:", "event:", "data:" and the blank line of one
 * result, with room before them for an HTTP chunk header and the chunk's
 * CRLF after, so the same bytes serve chunked and plain (HTTP/1.0)
 * responses and a lone event goes to a socket as one prebuilt chunk.
 * Events are reference counted: a stream's backlog, a round staged for a
 * client and each libevent buffer holding one by reference own a
 * reference.
 */
#ifndef RELAY_WIRE_H
#define RELAY_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <event2/buffer.h>

#include "sse.h"

/* Longest chunk header: 16 hex digits and CRLF */
#define WIRE_CHUNK_HDR_MAX 18

/* Events this large and larger are added to buffers by reference */
#define WIRE_REF_MIN_BYTES 1024

typedef struct Event
{
	int refcnt;
	int64_t id;
	bool has_key;
	char *key;		 /* the payload's "key" when a string, or NULL */
	size_t len;		 /* the SSE bytes, wire[0 .. len - 1] */
	size_t body_off; /* where "event:" starts, after the id line */
	char *wire;		 /* inside buf */
	char *chunk;	 /* "<hex>\r\n" wire "\r\n": one HTTP chunk, inside buf */
	size_t chunk_len;
	char buf[];
} Event;

/*
 * The event of result id (JSON text json, len bytes, never re-encoded),
 * of type "window" or "instant"; its one reference is the caller's.
 * Allocation failure ends the process.
 */
extern Event *wire_build(int64_t id, bool is_window, const char *json,
						 size_t len, bool has_key, const char *key);
extern void wire_unref(Event *ev);

/*
 * The event of a row of the results log: result id (the row's id, never
 * one read from a notification) and its payload as jsonb text (len
 * bytes), compacted; NULL if the payload is not a JSON object with an
 * id.  Its one reference is the caller's.
 */
extern Event *wire_from_log(int64_t id, bool is_window, const char *jsonb,
							size_t len);

/* Append len bytes of ev at p (inside ev) to buf, by reference when large */
extern void wire_append_range(struct evbuffer *buf, Event *ev, const char *p,
							  size_t len);

/* Append the SSE bytes of ev from off (0, or body_off without its id) */
extern void wire_append(struct evbuffer *buf, Event *ev, size_t off);

/* Write the chunk header of len bytes to hdr; returns its length */
extern int wire_chunk_header(char hdr[WIRE_CHUNK_HDR_MAX + 1], size_t len);

/*
 * Append "event: lost" for query, whose results after after and before
 * next are missing (docs/relay.md, "Replay")
 */
extern void wire_format_lost(StrBuf *b, const char *query, int64_t after,
							 int64_t next);

#endif /* RELAY_WIRE_H */
