/*-------------------------------------------------------------------------
 *
 * capture.c
 *	  Which source rows a worker may read: the in-flight writer problem.
 *
 * Design notes
 *
 * Ids come from a sequence, but rows commit in any order: a writer may
 * take id 10, another id 11 and commit first.  Reading "id > last" after
 * seeing 11 would skip 10 for ever.  The technique is pg_incremental's:
 *
 *	1. read N = the sequence's last value (not transactional, so it covers
 *	   every id handed out so far, committed or not);
 *	2. list the transactions that hold a lock conflicting with ShareLock
 *	   on the table, i.e. every writer (INSERT and COPY take
 *	   RowExclusiveLock when the statement is parsed, before the column
 *	   default calls nextval, and keep it until they end);
 *	3. once all of those have ended, no id <= N can still appear: a fresh
 *	   snapshot sees every such row that will ever exist.
 *
 * Unlike pg_incremental we never block on step 3: a writer that keeps a
 * transaction open would stop every query of the database.  The bound of
 * each source stays where it was and the pending (N, writers) pair is
 * checked again on the next pass; other sources go on.  A writer's commit
 * or rollback wakes the worker (source_writes.c); a lock holder that
 * writes nothing (autovacuum, LOCK TABLE, CREATE INDEX) wakes nobody, so
 * while a bound is pending the worker looks again after a short, growing
 * wait (worker.c, cq_capture_pending).
 *
 * A partitioned (or inheritance) source is written through its children
 * too: an INSERT straight into a partition locks the partition, not the
 * parent, so step 2 lists the writers of the source and of every table
 * that inherits from it.
 *
 * The guarantee needs ids to be taken by the statement that inserts them
 * (a column default or identity) from a sequence with CACHE 1: a value
 * cached by a session, or fetched by nextval() in an earlier statement,
 * could be used by a transaction that did not hold the lock at step 2.
 *
 * State lives in a hash table in TopMemoryContext, one entry per source;
 * after a worker restart it starts again from bound 0, which only means
 * that the first poll re-establishes it.
 *
 * The sequence's last value (step 1) is read by cq_sequence_last_value,
 * which the registry also uses: for a query's starting point (start =
 * now) and for its lag.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/relation.h"
#include "access/xlogutils.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "storage/proc.h"
#include "utils/hsearch.h"
#include "utils/fmgrprotos.h"
#include "utils/memutils.h"
#include "utils/rel.h"

#include "engine/capture.h"

typedef struct CqSource
{
	Oid relid;	/* hash key */
	int64 safe; /* every row with id <= safe is visible once committed */
	bool pending;
	int64 pending_bound; /* becomes safe once the writers below have ended */
	int nwriters;
	VirtualTransactionId *writers; /* in TopMemoryContext, or NULL */
} CqSource;

static HTAB *sources = NULL;

void
cq_capture_reset(void)
{
	HASHCTL ctl;

	if (sources != NULL)
		hash_destroy(sources);
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CqSource);
	ctl.hcxt = TopMemoryContext;
	sources = hash_create("cqstream sources", 32, &ctl,
						  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
}

/*
 * WritersEnded: true when every remembered writer has ended.  Ended ones
 * are removed so that the next check looks at fewer.
 */
static bool
WritersEnded(CqSource *src)
{
	int kept = 0;

	for (int i = 0; i < src->nwriters; i++)
	{
		/* wait = false: true iff that transaction is over */
		if (!VirtualXactLock(src->writers[i], false))
			src->writers[kept++] = src->writers[i];
	}
	src->nwriters = kept;
	return kept == 0;
}

/*
 * RememberWriters: make src->writers the transactions, other than ours,
 * that are writing relid or any table inheriting from it.
 */
static void
RememberWriters(CqSource *src, Oid relid)
{
	List *tables;
	ListCell *lc;
	int room = 16;

	/*
	 * NoLock: a child dropped meanwhile only yields no lock holders, and a
	 * child attached after this list has to lock the parent to do so.
	 */
	if (has_subclass(relid))
		tables = find_all_inheritors(relid, NoLock, NULL);
	else
		tables = list_make1_oid(relid);
	if (src->writers != NULL)
		pfree(src->writers);
	src->writers = MemoryContextAlloc(TopMemoryContext,
									  room * sizeof(VirtualTransactionId));
	src->nwriters = 0;
	foreach(lc, tables)
	{
		LOCKTAG tag;
		VirtualTransactionId *conflicts;
		int nconflicts;

		SET_LOCKTAG_RELATION(tag, MyDatabaseId, lfirst_oid(lc));
		/* Everyone who may be writing the table now */
		conflicts = GetLockConflicts(&tag, ShareLock, &nconflicts);
		for (int i = 0; i < nconflicts; i++)
		{
			if (conflicts[i].backendId == MyBackendId &&
				conflicts[i].localTransactionId == MyProc->lxid)
				continue;
			if (VirtualXactLock(conflicts[i], false))
				continue; /* already over */
			if (src->nwriters == room)
			{
				room *= 2;
				src->writers = repalloc(src->writers,
										room * sizeof(VirtualTransactionId));
			}
			src->writers[src->nwriters++] = conflicts[i];
		}
		/* palloc'd per call except in hot standby (lock.c keeps one there) */
		if (!InHotStandby)
			pfree(conflicts);
	}
	list_free(tables);
}

int64
cq_capture_safe_bound(Oid relid, int64 last_value)
{
	CqSource *src;
	bool found;

	if (sources == NULL)
		cq_capture_reset();
	src = hash_search(sources, &relid, HASH_ENTER, &found);
	if (!found)
	{
		src->safe = 0;
		src->pending = false;
		src->nwriters = 0;
		src->writers = NULL;
	}

	if (src->pending)
	{
		if (!WritersEnded(src))
			return src->safe;
		src->safe = src->pending_bound;
		src->pending = false;
	}
	if (last_value <= src->safe)
		return src->safe;

	RememberWriters(src, relid);
	if (src->nwriters == 0)
		src->safe = last_value;
	else
	{
		src->pending = true;
		src->pending_bound = last_value;
	}
	return src->safe;
}

bool
cq_capture_pending(void)
{
	HASH_SEQ_STATUS seq;
	CqSource *src;

	if (sources == NULL)
		return false;
	hash_seq_init(&seq, sources);
	while ((src = hash_seq_search(&seq)) != NULL)
	{
		if (src->pending)
		{
			hash_seq_term(&seq);
			return true;
		}
	}
	return false;
}

/*
 * Read directly rather than through SPI: the worker does it on every poll
 * for every query.  pg_sequence_last_value checks the current user's
 * right to read the sequence.
 */
/*
 * ReadLastValue: cq_sequence_last_value, seq already locked when locked.
 * The lock is pg_sequence_last_value's own mode (RowExclusiveLock), held
 * until the end of the transaction, so that it takes no other.
 */
static bool
ReadLastValue(Oid seq, bool locked, int64 *value, bool *handed_out)
{
	LOCAL_FCINFO(fcinfo, 1);
	Relation rel;
	Datum result;
	bool ok;

	rel = try_relation_open(seq, locked ? NoLock : RowExclusiveLock);
	ok = rel != NULL && rel->rd_rel->relkind == RELKIND_SEQUENCE;
	if (rel != NULL)
		relation_close(rel, NoLock);
	*value = 0;
	if (handed_out)
		*handed_out = false;
	if (!ok)
		return false;
	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	result = pg_sequence_last_value(fcinfo);
	if (!fcinfo->isnull)
	{
		*value = DatumGetInt64(result);
		if (handed_out)
			*handed_out = true;
	}
	return true;
}

bool
cq_sequence_last_value(Oid seq, int64 *value, bool *handed_out)
{
	return ReadLastValue(seq, false, value, handed_out);
}

CqSequenceRead
cq_sequence_try_last_value(Oid seq, int64 *value)
{
	if (!ConditionalLockRelationOid(seq, RowExclusiveLock))
	{
		*value = 0;
		return CQ_SEQUENCE_LOCKED;
	}
	return ReadLastValue(seq, true, value, NULL) ? CQ_SEQUENCE_READ
												 : CQ_SEQUENCE_GONE;
}
