/*-------------------------------------------------------------------------
 *
 * assignment.h
 *	  Which of a database's workers runs which query, and the lock that
 *	  keeps any query from being run by two workers at once
 *	  (assignment.c).
 *
 * Design notes
 *
 * cqstream.workers_per_database (N) workers serve a database, numbered
 * 0 ... N-1.  A query belongs to the worker numbered
 * (query id mod CQ_QUERY_SLOTS) mod N; before it runs a query the worker
 * holds the session advisory lock of that slot.  See assignment.c.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_ASSIGNMENT_H
#define CQSTREAM_ASSIGNMENT_H

#include "postgres.h"

/*
 * Query slots: the unit of assignment and locking.  A query's slot is its
 * id mod CQ_QUERY_SLOTS, so a database's workers hold at most this many
 * locks between them, however many queries it has.
 */
#define CQ_QUERY_SLOTS 1024

/* Highest cqstream.workers_per_database */
#define CQ_MAX_WORKERS_PER_DATABASE 64

/* What cq_assignment_claim found */
typedef enum CqClaim
{
	CQ_CLAIM_HELD,	/* this worker already held the lock: run the query */
	CQ_CLAIM_TAKEN, /* just taken: run it in a pass that starts afterwards */
	CQ_CLAIM_BUSY	/* another worker holds it (reassignment in progress) */
} CqClaim;

/* The worker's number in its database, set once when it starts */
extern void cq_assignment_start(int index);
extern int cq_assignment_index(void);

/* Whether this worker's number is still below workers_per_database */
extern bool cq_assignment_wanted(void);

/* Whether query_id belongs to this worker under the current setting */
extern bool cq_assignment_mine(int32 query_id);

/*
 * Take (without waiting) the lock of query_id's slot for the session and
 * mark the slot as in use by the current pass.  May raise "out of shared
 * memory" (the lock table is full).
 */
extern CqClaim cq_assignment_claim(int32 query_id);

/*
 * Wake-up bits (see assignment.c): the bit of a query, which writers of
 * its source set, and the bits of the slots this worker serves under its
 * current reading of the setting (CQ_WAKE_ALL when the bits cannot tell).
 */
#define CQ_WAKE_BITS 64
#define CQ_WAKE_ALL	 (~UINT64CONST(0))
extern uint64 cq_assignment_wake_bit(int32 query_id);
extern uint64 cq_assignment_wake_bits(void);

/*
 * Between passes, outside any transaction: release the locks of slots
 * that are no longer this worker's (the setting changed) and, when
 * after_full_pass, of slots no query of the last full pass claimed
 * (dropped, paused or failed queries).  Returns true if any lock was
 * released, so that the caller wakes the database's other workers.
 * Never errors.
 */
extern bool cq_assignment_release(bool after_full_pass);

#endif /* CQSTREAM_ASSIGNMENT_H */
