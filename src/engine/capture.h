/*-------------------------------------------------------------------------
 *
 * capture.h
 *	  The safe bound of a source table: the largest id below which no
 *	  in-flight writer can still commit a row (capture.c).
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

#endif /* CQSTREAM_CAPTURE_H */
