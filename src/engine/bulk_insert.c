/*-------------------------------------------------------------------------
 *
 * bulk_insert.c
 *	  Appending rows to cqstream's own tables (the results log, window
 *	  state) as COPY does.
 *
 * Design notes
 *
 * An INSERT statement per row, or even one INSERT ... SELECT unnest(...)
 * per batch, cost more in planning and executor overhead than the rows
 * themselves; COPY's path (table_multi_insert of up to 1000 rows, then
 * ExecInsertIndexTuples for each) does not.  It skips what COPY would
 * still do for a user's table — triggers, CHECK constraints, generated
 * columns, partition routing — so cq_bulk_ok refuses a table that has any
 * of them (someone altered our catalog), and the caller falls back to SQL
 * or reports the error.  The worker runs as a superuser, so privileges
 * and row-level security do not apply.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_class.h"
#include "commands/trigger.h"
#include "executor/executor.h"
#include "nodes/makefuncs.h"

#include "engine/bulk_insert.h"

bool
cq_bulk_ok(Relation rel, const Oid *types, int natts)
{
	TupleDesc desc = RelationGetDescr(rel);

	if (rel->rd_rel->relkind != RELKIND_RELATION || desc->natts != natts)
		return false;
	for (int i = 0; i < natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);

		if (att->attisdropped || att->atttypid != types[i] ||
			att->attgenerated)
			return false;
	}
	if (desc->constr != NULL &&
		(desc->constr->num_check > 0 || desc->constr->has_generated_stored))
		return false;
	if (rel->trigdesc != NULL)
	{
		for (int i = 0; i < rel->trigdesc->numtriggers; i++)
		{
			char en = rel->trigdesc->triggers[i].tgenabled;

			if (en == TRIGGER_FIRES_ALWAYS || en == TRIGGER_FIRES_ON_REPLICA ||
				SessionReplicationRole != SESSION_REPLICATION_ROLE_REPLICA)
				return false;
		}
	}
	return true;
}

void
cq_bulk_begin(CqBulkInsert *b, Relation rel)
{
	memset(b, 0, sizeof(*b));
	b->rel = rel;
	b->cxt = CurrentMemoryContext;
	b->estate = CreateExecutorState();
	b->rri = makeNode(ResultRelInfo);
	InitResultRelInfo(b->rri, rel, 1, NULL, 0);
	ExecOpenIndices(b->rri, false);
	b->cid = GetCurrentCommandId(true);
}

TupleTableSlot *
cq_bulk_slot(CqBulkInsert *b)
{
	TupleTableSlot *slot;

	if (b->n == CQ_BULK_ROWS)
		cq_bulk_flush(b);
	if (b->n == b->nslots)
	{
		MemoryContext old = MemoryContextSwitchTo(b->cxt);

		b->slots[b->nslots++] = MakeSingleTupleTableSlot(RelationGetDescr(
															 b->rel),
														 &TTSOpsVirtual);
		MemoryContextSwitchTo(old);
	}
	slot = b->slots[b->n];
	ExecClearTuple(slot);
	return slot;
}

void
cq_bulk_store(CqBulkInsert *b)
{
	ExecStoreVirtualTuple(b->slots[b->n]);
	b->n++;
}

void
cq_bulk_flush(CqBulkInsert *b)
{
	MemoryContext old;

	if (b->n == 0)
		return;
	/*
	 * In the per-tuple context, reset below, as COPY does: the heap
	 * tuples table_multi_insert forms from the slots (a copy of each row)
	 * would otherwise stay in the caller's context until its end, which
	 * for the worker is the batch: 2 MB with 10,000 keys' open windows.
	 */
	old = MemoryContextSwitchTo(GetPerTupleMemoryContext(b->estate));
	table_multi_insert(b->rel, b->slots, b->n, b->cid, 0, NULL);
	if (b->rri->ri_NumIndices > 0)
		for (int i = 0; i < b->n; i++)
			(void) ExecInsertIndexTuples(b->rri, b->slots[i], b->estate, false,
										 false, NULL, NIL);
	MemoryContextSwitchTo(old);
	ResetPerTupleExprContext(b->estate);
	for (int i = 0; i < b->n; i++)
		ExecClearTuple(b->slots[i]);
	b->n = 0;
}

void
cq_bulk_end(CqBulkInsert *b)
{
	cq_bulk_flush(b);
	for (int i = 0; i < b->nslots; i++)
		ExecDropSingleTupleTableSlot(b->slots[i]);
	ExecCloseIndices(b->rri);
	FreeExecutorState(b->estate);
	/* Later statements of the transaction see the rows */
	CommandCounterIncrement();
}
