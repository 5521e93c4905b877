/*
 * stream.h
 *	  Event streams: what the HTTP routes and the database connection
 *	  call.  Behind it: clients (client.h), their output (output.h),
 *	  topics and subscriptions (topic.h, sub.h), history (replay.h),
 *	  live results (live.h) and look-ups (lookup.h).
 *
 * Design notes
 *
 * See stream.c.  The HTTP module validates a stream request and hands it
 * here; from then on the stream modules own the request until it ends.
 */
#ifndef RELAY_STREAM_H
#define RELAY_STREAM_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/event.h>
#include <event2/http.h>

#include "sse.h"

/* Most queries (names or patterns) in one /stream request */
#define STREAM_MAX_NAMES 64

/*
 * Most queries one stream may follow (what its names and patterns match):
 * the cursor it writes must fit what sse_cursor_parse accepts.  More is
 * refused with a 400.
 */
#define STREAM_MAX_QUERIES SSE_CURSOR_MAX

extern void stream_init(struct event_base *base);

/*
 * Open a stream on req for the given query names (patterns with '*' when
 * multi), filtered by key (or NULL), starting after last_id (the
 * Last-Event-ID header or parameter, or NULL), for database role (NULL:
 * the relay's own) whose token expires at exp (0: never; the stream then
 * ends with "event: expired").  Names are validated by the caller
 * ([a-z0-9_*]).
 */
extern void stream_open(struct evhttp_request *req, char **names, int nnames,
						bool multi, const char *key, const char *last_id,
						const char *role, int64_t exp);

/* Database hooks (pgconn.h) */
extern void stream_db_connected(bool reconnect);
extern void stream_db_lost(void);
extern void stream_db_notify(const char *channel, const char *payload);

/* Channels LISTENed for streams (for /healthz) */
extern int stream_listening(void);

/* The configuration changed (SIGHUP): heartbeat interval, limits */
extern void stream_config_changed(void);

/*
 * SIGTERM: end every stream with a jittered retry: hint; returns the
 * number of connections still closing; done() is called when that number
 * reaches 0.
 */
extern int stream_drain(void (*done)(void));

/* Free everything at exit */
extern void stream_shutdown(void);

#endif /* RELAY_STREAM_H */
