/*-------------------------------------------------------------------------
 *
 * retention.h
 *	  Trimming the results log to each query's retention (retention.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_RETENTION_H
#define CQSTREAM_RETENTION_H

#include "postgres.h"

/* How often a worker trims the results log */
#define CQ_RETENTION_INTERVAL_MS 10000

/*
 * A worker that has run no batch for CQ_RETENTION_IDLE_AFTER_MS trims
 * every CQ_RETENTION_IDLE_INTERVAL_MS instead: only retention_age can
 * delete anything then, and an idle worker should cost nothing.
 */
#define CQ_RETENTION_IDLE_AFTER_MS	  60000
#define CQ_RETENTION_IDLE_INTERVAL_MS 60000

/*
 * cq_retention_trim: apply every query's retention_rows and retention_age
 * to the results log, in a transaction of its own (not inside one).
 */
extern void cq_retention_trim(void);

#endif /* CQSTREAM_RETENTION_H */
