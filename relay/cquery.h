/*
 * cquery.h
 *	  Continuous queries of one feature's temporal property or of its
 *	  position (tgsequence), OGC API - Moving Features Part 4: POST and GET
 *	  .../queries, GET and DELETE .../queries/{qid}, GET
 *	  .../queries/{qid}/stream (cquery.c).
 */
#ifndef RELAY_CQUERY_H
#define RELAY_CQUERY_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>

#include "auth.h"
#include "webtoken.h"

/*
 * The decoded parts of a path .../items/{fid}/tproperties/{pname}/queries
 * or .../items/{fid}/tgsequence/queries (the feature's position)
 */
typedef struct CqPath
{
	char cid[64];
	char fid[1024 + 1];
	char pname[64];	 /* a column name: at most 63 bytes; tgsequence: "" */
	bool tgsequence; /* the position's queries, not a property's */
	char qid[64];	 /* "" for the queries resource itself */
	bool stream;	 /* .../queries/{qid}/stream */
	/* the queries resource's path as requested (still percent-encoded) */
	char base[2048];
} CqPath;

/* What cquery.c needs of the request besides its path */
typedef struct CqWho
{
	char role[JWT_ROLE_MAX + 1]; /* "": the relay's own role */
	int64_t exp;				 /* the token's expiry, 0: none */
	char last_id[512 + 1];		 /* Last-Event-ID (header or parameter) */
} CqWho;

extern void cquery_create(struct evhttp_request *req, const CqPath *p,
						  const CqWho *who);
extern void cquery_list(struct evhttp_request *req, const CqPath *p,
						const CqWho *who);
extern void cquery_get(struct evhttp_request *req, const CqPath *p,
					   const CqWho *who);
extern void cquery_delete(struct evhttp_request *req, const CqPath *p,
						  const CqWho *who);
extern void cquery_stream(struct evhttp_request *req, const CqPath *p,
						  const CqWho *who);

#endif /* RELAY_CQUERY_H */
