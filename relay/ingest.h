/*
 * ingest.h
 *	  POST /collections/{cid}/items/{fid}/tproperties/{pname}: instants
 *	  appended to a collection's source table; POST
 *	  .../items/{fid}/tgsequence: positions (a MovingPoint) appended.
 *
 * Design notes
 *
 * See ingest.c; the body is read by tpvalue.c or mpoint.c.
 */
#ifndef RELAY_INGEST_H
#define RELAY_INGEST_H

#include <stdbool.h>

#include <event2/http.h>

/* Whether path is an ingest route (the router lets POST through for it) */
extern bool ingest_path(const char *path);

/*
 * Answer the POST req to path (an ingest route) as role (NULL: the
 * relay's own); the reply comes later, from the database's answers
 */
extern void ingest_post(struct evhttp_request *req, const char *path,
						const char *role);

#endif /* RELAY_INGEST_H */
