/*
 * http.h
 *	  The relay's HTTP routes on evhttp.
 *
 * Design notes
 *
 * See http.c.  Streams are handed to stream.c once the request is valid;
 * whole replies (errors, CORS) are reply.c's, shared with the streams.
 */
#ifndef RELAY_HTTP_H
#define RELAY_HTTP_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

/* Bind and route; false (after a log line) if the address cannot be bound */
extern bool http_start(struct event_base *base, const char *host, int port);
extern void http_stop_accepting(void);
/* The configuration changed (SIGHUP): request-timeout */
extern void http_config_changed(void);
extern void http_shutdown(void);

#endif /* RELAY_HTTP_H */
