/*-------------------------------------------------------------------------
 *
 * source_read.h
 *	  Reading a query's new source rows, as its owner, straight from the
 *	  executor into the query's code (source_read.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_SOURCE_READ_H
#define CQSTREAM_SOURCE_READ_H

#include "postgres.h"

#include "executor/tuptable.h"

#include "engine/catalog.h"

/*
 * Called for each row read, in id order: slot holds (id int8, time
 * timestamptz, value, key text), and for a position query the latitude
 * after them (the value is the longitude), all attributes deformed.
 */
typedef void (*CqSourceRowFn)(void *arg, TupleTableSlot *slot);

/* The schema-qualified, quoted name of q's source; 42P01 if it is gone */
extern char *cq_source_name(const CqQuery *q);

/*
 * cq_source_read: the rows of q's source (its quoted name) after its
 * progress and up to its safe bound, at most limit of them, in id order,
 * the value cast to value_type, each passed to fn.  Read as the query's
 * owner, so grants and row-level security hold (fn runs as the owner
 * too, in a security-restricted operation: it must only write cqstream's
 * tables directly, as bulk_insert.c does).  Connected to SPI.  Returns
 * the number of rows.
 */
extern uint64 cq_source_read(const CqQuery *q, const char *source,
							 const char *value_type, int64 limit,
							 CqSourceRowFn fn, void *arg);

/*
 * cq_source_progress: q's progress after a batch that read nrows rows
 * with a limit of limit, the last one with id last_read: up to that row
 * when the limit cut the batch (and then *more is set), otherwise up to
 * the safe bound.
 */
extern int64 cq_source_progress(const CqQuery *q, uint64 nrows, int64 limit,
								int64 last_read, bool *more);

#endif /* CQSTREAM_SOURCE_READ_H */
