/*-------------------------------------------------------------------------
 *
 * capture.h
 *	  The safe bound of a source table: the largest id below which no
 *	  in-flight writer can still commit a row; and the last id a source's
 *	  sequence handed out (capture.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_CAPTURE_H
#define CQSTREAM_CAPTURE_H

#include "postgres.h"

/* Forget every source (at worker start) */
extern void cq_capture_reset(void);

/*
 * The safe bound of source relid, given the last value its id sequence
 * handed out, read just now.  Never waits.
 */
extern int64 cq_capture_safe_bound(Oid relid, int64 last_value);

/*
 * Whether some source's bound waits for lock holders to end: they may end
 * without waking the worker (autovacuum holds a lock that conflicts).
 */
extern bool cq_capture_pending(void);

/*
 * cq_sequence_last_value: the last value sequence seq handed out, 0 when
 * it has handed out none yet (then *handed_out, if given, is false).
 * Takes RowExclusiveLock on seq until the end of the transaction, so it
 * cannot vanish meanwhile, and returns false, raising nothing, when seq
 * is not a sequence (any more).  Raises 42501 when the current user may
 * not read the sequence.
 */
extern bool cq_sequence_last_value(Oid seq, int64 *value, bool *handed_out);

typedef enum CqSequenceRead
{
	CQ_SEQUENCE_READ,
	CQ_SEQUENCE_GONE,	/* not a sequence (any more) */
	CQ_SEQUENCE_LOCKED, /* locked by another transaction (ALTER SEQUENCE) */
} CqSequenceRead;

/*
 * cq_sequence_try_last_value: cq_sequence_last_value without waiting for
 * the lock, for the worker: an owner's open ALTER SEQUENCE on a query's
 * sequence must not hold the worker's pass (and every other query in it)
 */
extern CqSequenceRead cq_sequence_try_last_value(Oid seq, int64 *value);

#endif /* CQSTREAM_CAPTURE_H */
