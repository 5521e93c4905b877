/*-------------------------------------------------------------------------
 *
 * replication_check.h
 *	  A warning when the results log is replicated asynchronously
 *	  (replication_check.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_REPLICATION_CHECK_H
#define CQSTREAM_REPLICATION_CHECK_H

/* From the worker's loop: cheap, looks at most every 10 s */
extern void cq_replication_check(void);

#endif /* CQSTREAM_REPLICATION_CHECK_H */
