/*
 * pending.h
 *	  Connections that have not sent a whole request yet: the request
 *	  deadline (request-timeout) and their bound (max-requests).
 *
 * Design notes
 *
 * See pending.c.  http.c installs it on its evhttp and tells it when a
 * request has arrived; nothing else sees it.
 */
#ifndef RELAY_PENDING_H
#define RELAY_PENDING_H

#include <event2/event.h>
#include <event2/http.h>

/* Follow every connection http accepts until its request is in */
extern void pending_init(struct event_base *base, struct evhttp *http);

/* req's request line and headers are in: its connection is no longer
 * pending */
extern void pending_done(struct evhttp_request *req);

/* Stop following every connection (after evhttp_free) */
extern void pending_shutdown(void);

#endif /* RELAY_PENDING_H */
