/*-------------------------------------------------------------------------
 *
 * isolation.h
 *	  One query's batch in a subtransaction of its own, so that a failing
 *	  query never stops the others (isolation.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_ISOLATION_H
#define CQSTREAM_ISOLATION_H

#include "postgres.h"

#include "engine/catalog.h"

/*
 * cq_run_isolated: one batch of q in a subtransaction, its memory in
 * query_cxt (reset afterwards).  On error the subtransaction rolls back;
 * a transient error is logged and retried on the next pass, any other
 * marks the query failed with its message.  Never raises for q's errors.
 * Sets *more when q has more rows waiting.
 */
extern void cq_run_isolated(CqQuery *q, MemoryContext query_cxt, bool *more);

#endif /* CQSTREAM_ISOLATION_H */
