/*-------------------------------------------------------------------------
 *
 * bulk_insert.h
 *	  Appending rows to one of cqstream's own tables as COPY does: heap
 *	  multi-insert of up to CQ_BULK_ROWS rows, then their index entries
 *	  (bulk_insert.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_BULK_INSERT_H
#define CQSTREAM_BULK_INSERT_H

#include "postgres.h"

#include "executor/tuptable.h"
#include "nodes/execnodes.h"
#include "utils/rel.h"

#define CQ_BULK_ROWS 1000

typedef struct CqBulkInsert
{
	Relation rel;
	EState *estate;
	ResultRelInfo *rri;
	TupleTableSlot *slots[CQ_BULK_ROWS];
	int nslots; /* slots made so far */
	int n;		/* filled slots */
	CommandId cid;
	MemoryContext cxt; /* where the slots live */
} CqBulkInsert;

/*
 * cq_bulk_ok: can rows be appended to rel directly?  Only when it has the
 * natts columns of types[], no CHECK constraint or generated column, and
 * no trigger that would fire in this session (the worker runs with
 * session_replication_role = replica, where foreign-key triggers do not
 * fire either way).
 */
extern bool cq_bulk_ok(Relation rel, const Oid *types, int natts);

/* rel must be open with RowExclusiveLock and pass cq_bulk_ok */
extern void cq_bulk_begin(CqBulkInsert *b, Relation rel);

/*
 * cq_bulk_slot: the next empty slot; fill tts_values/tts_isnull and call
 * cq_bulk_store.  The values must live until the next flush.
 */
extern TupleTableSlot *cq_bulk_slot(CqBulkInsert *b);
extern void cq_bulk_store(CqBulkInsert *b);
extern void cq_bulk_flush(CqBulkInsert *b);
/* Flush, release everything (the relation stays open) */
extern void cq_bulk_end(CqBulkInsert *b);

#endif /* CQSTREAM_BULK_INSERT_H */
