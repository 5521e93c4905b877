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

/* Columns a row function reads: id, time, value, key, latitude */
#define CQ_SOURCE_MAX_COLS 5

/*
 * One query of a read shared by several (cq_source_read_group): its
 * value's cast and row function; the rest is the read's.  The slot a
 * shared read passes holds only values and nulls (row functions read
 * tts_values and tts_isnull, nothing else).
 */
typedef struct CqSourceMember
{
	const CqQuery *q;
	const char *value_type;
	CqSourceRowFn fn;
	void *arg;
	/* Filled by the read */
	int ncols;
	int cols[CQ_SOURCE_MAX_COLS];
	bool identity;
	Datum values[CQ_SOURCE_MAX_COLS];
	bool isnull[CQ_SOURCE_MAX_COLS];
	TupleTableSlot slot;
} CqSourceMember;

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
 * Can a and b share one read?  The same source, id column and sequence,
 * owner (the read is the owner's), progress and bound, and neither
 * limited to one key.
 */
extern bool cq_source_shareable(const CqQuery *a, const CqQuery *b);

/*
 * cq_source_read_group: cq_source_read for n queries that can share a
 * read (cq_source_shareable), in one statement: each row goes to each
 * member's function in turn.  Returns the number of rows.
 */
extern uint64 cq_source_read_group(CqSourceMember *members, int n,
								   const char *source, int64 limit);

/*
 * cq_source_progress: q's progress after a batch that read nrows rows
 * with a limit of limit, the last one with id last_read: up to that row
 * when the limit cut the batch (and then *more is set), otherwise up to
 * the safe bound.
 */
extern int64 cq_source_progress(const CqQuery *q, uint64 nrows, int64 limit,
								int64 last_read, bool *more);

#endif /* CQSTREAM_SOURCE_READ_H */
