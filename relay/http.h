/*
 * http.h
 *	  The relay's HTTP routes on evhttp.
 *
 * Design notes
 *
 * See http.c.  Streams are handed to stream.c once the request is valid.
 */
#ifndef RELAY_HTTP_H
#define RELAY_HTTP_H

#include <stdbool.h>

#include <event2/event.h>
#include <event2/http.h>

/* Bind and route; false (after a log line) if the address cannot be bound */
extern bool http_start(struct event_base *base, const char *host, int port);
extern void http_stop_accepting(void);
extern void http_shutdown(void);

/* Access-Control-Allow-Origin and Vary when the request's Origin is allowed */
extern void http_add_cors(struct evhttp_request *req);

/* Reply code with {"error":{"status":code,"message":message}} */
extern void http_send_error(struct evhttp_request *req, int code,
							const char *reason, const char *message);

#endif /* RELAY_HTTP_H */
