/*
 * ogc.h
 *	  The OGC API resources of the relay: the landing page at "/" (by
 *	  content negotiation with the dashboard), /conformance and /api.
 *
 * Design notes
 *
 * These resources describe the relay, not the database: they need no
 * connection and no token, like the dashboard page they share "/" with
 * (http.c routes them before authentication, after the Host check).
 */
#ifndef RELAY_OGC_H
#define RELAY_OGC_H

#include <stdbool.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

/*
 * Answer req when path is "/", "/conformance" or "/api" (true), with the
 * request's parsed query parameters q; false for any other path
 */
extern bool ogc_route(struct evhttp_request *req, const char *path,
					  struct evkeyvalq *q);

#endif /* RELAY_OGC_H */
