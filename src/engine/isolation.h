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
 * a transient error is logged and retried after a backoff
 * (cq_isolation_skip); any other, and running past
 * cqstream.query_timeout, marks the query failed with its message.  Never
 * raises for q's errors.
 * Sets *more when q has more rows waiting.
 */
extern void cq_run_isolated(CqQuery *q, MemoryContext query_cxt, bool *more);

/*
 * cq_run_shared: one batch of each of n queries (transforms and
 * aggregates) that can share a read of their source
 * (cq_source_shareable), read once, in one subtransaction.  When it
 * fails, it rolls back and each query runs alone (cq_run_isolated),
 * which fails the one at fault.  Sets *more as cq_run_isolated does.
 */
extern void cq_run_shared(CqQuery **queries, int n, MemoryContext query_cxt,
						  bool *more);

/*
 * cq_isolation_start_pass: at the start of a worker's pass, with the
 * extension's OID (noted with the queries a forced exit stops)
 */
extern void cq_isolation_start_pass(Oid ext);

/*
 * cq_isolation_skip: whether the pass leaves q alone: its failure is
 * decided and not yet recorded (cq_isolation_record_failures), or it
 * failed transiently and its backoff has not ended
 */
extern bool cq_isolation_skip(CqQuery *q);

/*
 * cq_isolation_failures_due, cq_isolation_record_failures: failures
 * decided in a pass are recorded after it, and those of queries a former
 * worker's exit stopped before the next, in a transaction of their own
 * (outside any transaction; until then their queries run nothing);
 * whether one is due, and recording those that are
 */
extern bool cq_isolation_failures_due(void);
extern void cq_isolation_record_failures(void);

/*
 * cq_isolation_next_wait: ms until a query's backoff, or a failure's
 * next attempt to be recorded, ends; -1 when none is waiting
 */
extern int cq_isolation_next_wait(void);

/* Queries sharing one read of their source at most (worker memory) */
#define CQ_SHARED_MAX 16

/* cqstream.query_timeout (launcher.c defines the setting), ms; 0: none */
extern int cq_query_timeout;

#endif /* CQSTREAM_ISOLATION_H */
