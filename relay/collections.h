/*
 * collections.h
 *	  The OGC API - Moving Features resources under /collections: the
 *	  collections (collections.c) and the continuous queries of one
 *	  feature's temporal property (cquery.c).
 *
 * Design notes
 *
 * http.c authenticates a request and hands every /collections path here
 * before its GET-only check: these routes also take POST and DELETE, and
 * answer 405 (with Allow) for other methods themselves.  A path they do
 * not know is left to http.c (false), which answers 404 or routes it
 * elsewhere.
 */
#ifndef RELAY_COLLECTIONS_H
#define RELAY_COLLECTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "auth.h"

/* Whether path is under /collections (routed by collections_route) */
extern bool collections_path(const char *path);

/*
 * Answer req for path under /collections as auth's role (true); false
 * for a path of no route here.  q: the parsed query parameters.
 */
extern bool collections_route(struct evhttp_request *req,
							  enum evhttp_cmd_type cmd, const char *path,
							  struct evkeyvalq *q, const Auth *auth);

#endif /* RELAY_COLLECTIONS_H */
