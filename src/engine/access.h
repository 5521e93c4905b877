/*-------------------------------------------------------------------------
 *
 * access.h
 *	  Who may read a query's results: the owner's role and the roles
 *	  granted read (cqstream.grant_results).  See access.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_ACCESS_H
#define CQSTREAM_ACCESS_H

#include "postgres.h"

#include "nodes/pg_list.h"
#include "utils/array.h"

/* Whether uid may read a query with this owner and readers (may be NULL) */
extern bool cq_access_can_read(Oid uid, Oid owner, ArrayType *readers);

/* 42501, naming the query, unless cq_access_can_read */
extern void cq_access_check_read(Oid uid, const char *name, Oid owner,
								 ArrayType *readers);

/* Before DROP ROLE: remove these role oids from every read grant */
extern void cq_access_forget_roles(List *roles);

#endif /* CQSTREAM_ACCESS_H */
