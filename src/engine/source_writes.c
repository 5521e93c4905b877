/*-------------------------------------------------------------------------
 *
 * source_writes.c
 *	  Wake on commit: a transaction that wrote a source table wakes the
 *	  workers of its queries once it has committed (see source_writes.h).
 *
 * Design notes
 *
 * What counts as a write: every statement that reaches the executor with
 * result relations (INSERT, UPDATE, DELETE, MERGE, and the same inside a
 * WITH, a function or a trigger), seen by an ExecutorStart hook; and COPY
 * FROM, which runs no executor hooks, seen by the utility hook after it
 * ran.  Writes that take neither path are not seen (a logical
 * replication apply worker's, and COMMIT PREPARED, which wakes the
 * worker whatever its transaction wrote): cqstream.poll_interval catches
 * those.  A write that is rolled back (a subtransaction's) only causes a
 * wake-up with nothing to do.
 *
 * When: a resource-release callback after the locks of the top-level
 * transaction are released (RESOURCE_RELEASE_AFTER_LOCKS).
 * XACT_EVENT_COMMIT would be too early: it runs while the writer still
 * holds its lock on the table, and the worker's safe bound (capture.c)
 * waits for every lock holder to end, so a worker woken there would find
 * the writer still in its way and sleep until the next poll.  After the
 * locks, the commit is visible and the writer's virtual transaction over.
 * A rollback wakes too: the ids the writer took held back the safe bound,
 * and so the committed rows of other writers.  The wake itself is
 * wakeup.c's SetLatch, once per transaction.
 *
 * Whom: the workers that run a query of a source the transaction wrote.
 * The transaction collects the wake-up bits of those queries
 * (assignment.c), and wakeup.c sets the latch of each worker serving one
 * of them: with several workers per database, a commit no longer costs
 * the others a pass that finds nothing to do.  What is not a write to a
 * known source wakes every worker of the database: a change of the
 * registry, DROP EXTENSION, COMMIT PREPARED, a list that could not be
 * read.  A rolled-back write wakes the workers of its sources only: the
 * safe bound it held back is a bound of those sources' queries.
 *
 * A list older than the transaction's writes.  A writer's list is read
 * once and kept until an invalidation, which a writer already holding
 * its lock on a table does not process: a query created on that table
 * while the writer's transaction is open is missing from the list the
 * writer uses.  Before, that cost nothing (any source write woke every
 * worker); now the new query's worker would wait for its poll.  So a
 * committed change of the sources also moves the registry's epoch in
 * shared memory (after its commit, before it wakes every worker), the
 * list remembers the epoch read before it was read, and a transaction
 * that wrote anything compares the two after its commit: when they
 * differ it wakes every worker and reads the list again next time.  If
 * the epoch moves after that comparison, the registry's own wake-up
 * comes after the writer's commit and covers it.
 *
 * Partitions.  A partitioned source's rows land in its partitions, and a
 * statement that inserts into the parent names only the parent; writing
 * a partition writes the sources above it.  So the bits of a source
 * include those of every source above or below it (computed when the
 * list is read), and a partition that is no source itself gets those of
 * the sources above it (when it is first met).
 *
 * Which relations are sources: a per-backend cache, so that the hot path
 * is a flag test and, for a statement's result relations, a hash lookup;
 * no SPI and no catalog access while the cache is valid.  It holds the
 * sources (cqstream.query.source, read with a plain heap scan under a
 * fresh snapshot) and, for other relations met since, whether each is a
 * partition of a source (writing a partition writes its partitioned
 * source).  Invalidation is PostgreSQL's own, transactional, through a
 * relcache callback: the registry invalidates the relcache entry of
 * cqstream.query when it creates or drops a query
 * (cq_source_writes_registry_changed), so every backend drops its list at
 * the registry transaction's commit; DROP EXTENSION does the same by
 * dropping the table; an invalidation of another relation forgets what
 * was learned about it (ATTACH and DETACH PARTITION invalidate the
 * partition), and a full reset forgets everything.  While the extension
 * is absent from the database any invalidation drops the (empty) list, so
 * that CREATE EXTENSION, which creates tables, is seen.  An invalidation
 * arriving while the list is being read leaves it marked stale, to be
 * read again on next use.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_class.h"
#include "catalog/pg_inherits.h"
#include "commands/extension.h"
#include "executor/executor.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "parser/parsetree.h"
#include "storage/lmgr.h"
#include "utils/hsearch.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/rel.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "engine/assignment.h"
#include "engine/catalog.h"
#include "engine/source_writes.h"
#include "engine/wakeup.h"

/* What the cache knows of one relation */
typedef struct CqRelEntry
{
	Oid relid;	 /* hash key */
	bool direct; /* a query's source; kept until the list is dropped */
	uint64 own;	 /* when direct: the wake-up bits of its own queries */
	uint64 bits; /* whom writing it wakes: its own and its family's
				  * (see "Partitions"); 0: no source */
} CqRelEntry;

static ExecutorStart_hook_type prev_ExecutorStart = NULL;

/* This transaction's duties at commit: the workers to wake, by their bits */
static uint64 wake_bits = 0;
static bool wrote = false;			 /* any table (see list_epoch) */
static bool sources_changed = false; /* the registry's list of sources */
static bool extension_created = false;

/* Set when preloaded, cleared in the worker: whether to watch at all */
static bool watching = false;

/* Set when preloaded: the cache below is invalidated only then */
static bool cache_kept = false;

static HTAB *relations = NULL;
static bool relations_valid = false;
static Oid query_table = InvalidOid; /* cqstream.query; invalid: absent */
static uint64 invalidations = 0;	 /* of the list as a whole */
static uint64 list_epoch = 0;		 /* the registry's, before the list */

static void
InvalidateRelation(Datum arg, Oid relid)
{
	if (relid == InvalidOid || relid == query_table ||
		!OidIsValid(query_table))
	{
		relations_valid = false;
		invalidations++;
		return;
	}
	if (relations != NULL)
	{
		CqRelEntry *e = hash_search(relations, &relid, HASH_FIND, NULL);

		/* A source stays one until the list is dropped */
		if (e != NULL && !e->direct)
			(void) hash_search(relations, &relid, HASH_REMOVE, NULL);
	}
}

/*
 * cqstream.query's oid, InvalidOid when the extension is not here (a
 * schema named cqstream is then not the extension's, whose member it is
 * otherwise)
 */
Oid
cq_source_writes_query_table(void)
{
	Oid nsp;

	if (!OidIsValid(get_extension_oid("cqstream", true)))
		return InvalidOid;
	nsp = get_namespace_oid("cqstream", true);
	return OidIsValid(nsp) ? get_relname_relid("query", nsp) : InvalidOid;
}

/* Whether relid has partitions or children; false when it is gone */
static bool
HasChildren(Oid relid)
{
	HeapTuple tup = SearchSysCache1(RELOID, ObjectIdGetDatum(relid));
	bool children = false;

	if (HeapTupleIsValid(tup))
	{
		children = ((Form_pg_class) GETSTRUCT(tup))->relhassubclass;
		ReleaseSysCache(tup);
	}
	return children;
}

/*
 * AddFamilyBits: each source of the fresh list also gets the wake-up bits
 * of the sources above it (partitioned tables it is a partition of) and
 * below it (its partitions and children), so that a write into one wakes
 * the workers of all.  Only sources related to another source change.
 */
static void
AddFamilyBits(void)
{
	HASH_SEQ_STATUS status;
	CqRelEntry *e;
	List *direct = NIL;
	ListCell *lc;

	/* No catalog access while the table is scanned */
	hash_seq_init(&status, relations);
	while ((e = hash_seq_search(&status)) != NULL)
		direct = lappend_oid(direct, e->relid);
	foreach(lc, direct)
	{
		Oid relid = lfirst_oid(lc);
		List *family = NIL;
		uint64 bits = 0;
		ListCell *f;

		if (get_rel_relispartition(relid))
			family = get_partition_ancestors(relid);
		if (HasChildren(relid))
			family = list_concat(family,
								 find_all_inheritors(relid, NoLock, NULL));
		foreach(f, family)
		{
			Oid other = lfirst_oid(f);

			e = hash_search(relations, &other, HASH_FIND, NULL);
			if (e != NULL && e->direct)
				bits |= e->own;
		}
		list_free(family);
		e = hash_search(relations, &relid, HASH_FIND, NULL);
		if (e != NULL)
			e->bits |= bits;
	}
	list_free(direct);
}

/*
 * LoadSources: a fresh list of sources.  Valid unless an invalidation
 * arrived meanwhile (the list is still the best there is for the current
 * lookup).  Returns false, the list left invalid, when cqstream.query is
 * locked by someone else (DROP EXTENSION, ALTER TABLE): a writer must
 * never wait on our catalog, so it then counts as writing a source.
 */
static bool
LoadSources(void)
{
	uint64 seen = invalidations;
	HASHCTL ctl;
	Relation rel;
	Snapshot snapshot;
	TableScanDesc scan;
	HeapTuple tup;

	if (relations != NULL)
		hash_destroy(relations);
	list_epoch = cq_wakeup_registry_epoch();
	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CqRelEntry);
	ctl.hcxt = TopMemoryContext;
	relations = hash_create("cqstream source relations", 64, &ctl,
							HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);

	query_table = cq_source_writes_query_table();
	if (OidIsValid(query_table))
	{
		/* Released at once: a cache read, not part of the transaction */
		if (!ConditionalLockRelationOid(query_table, AccessShareLock))
		{
			relations_valid = false;
			return false;
		}
		rel = try_table_open(query_table, NoLock);
		if (rel != NULL)
		{
			/* Fresh: the transaction's own snapshot may predate a query */
			snapshot = RegisterSnapshot(GetLatestSnapshot());
			scan = table_beginscan(rel, snapshot, 0, NULL);
			while ((tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
			{
				bool isnull;
				bool idnull;
				Datum d = heap_getattr(tup, Anum_cq_query_source,
									   RelationGetDescr(rel), &isnull);
				Datum id = heap_getattr(tup, Anum_cq_query_id,
										RelationGetDescr(rel), &idnull);

				if (!isnull && !idnull)
				{
					Oid relid = DatumGetObjectId(d);
					bool found;
					CqRelEntry *e = hash_search(relations, &relid, HASH_ENTER,
												&found);

					if (!found)
						e->own = 0;
					e->direct = true;
					e->own |= cq_assignment_wake_bit(DatumGetInt32(id));
					e->bits = e->own;
				}
			}
			table_endscan(scan);
			UnregisterSnapshot(snapshot);
			table_close(rel, NoLock);
		}
		UnlockRelationOid(query_table, AccessShareLock);
	}
	AddFamilyBits();
	relations_valid = (seen == invalidations);
	return true;
}

/*
 * SourceBits: the wake-up bits of the queries whose source writing relid
 * writes; 0 when it is no source, every bit when the list is unreadable
 */
static uint64
SourceBits(Oid relid)
{
	CqRelEntry *e;
	uint64 bits = 0;
	uint64 seen;

	if ((!relations_valid || relations == NULL) && !LoadSources())
		return CQ_WAKE_ALL;
	e = hash_search(relations, &relid, HASH_FIND, NULL);
	if (e != NULL)
		return e->bits;
	if (!OidIsValid(query_table))
		return 0;

	/* No entry is held across catalog reads, which may invalidate it */
	seen = invalidations;
	if (get_rel_relispartition(relid))
	{
		List *ancestors = get_partition_ancestors(relid);
		ListCell *lc;

		foreach(lc, ancestors)
		{
			Oid parent = lfirst_oid(lc);

			e = hash_search(relations, &parent, HASH_FIND, NULL);
			if (e != NULL && e->direct)
				bits |= e->own;
		}
		list_free(ancestors);
	}
	if (seen == invalidations && relations_valid)
	{
		e = hash_search(relations, &relid, HASH_ENTER, NULL);
		e->direct = false;
		e->own = 0;
		e->bits = bits;
	}
	return bits;
}

static void
CqExecutorStart(QueryDesc *queryDesc, int eflags)
{
	ListCell *lc;
	PlannedStmt *stmt;

	if (prev_ExecutorStart)
		prev_ExecutorStart(queryDesc, eflags);
	else
		standard_ExecutorStart(queryDesc, eflags);

	/* A plain SELECT has no result relation */
	stmt = queryDesc->plannedstmt;
	if (!watching || stmt->resultRelations == NIL ||
		(eflags & EXEC_FLAG_EXPLAIN_ONLY) != 0)
		return;
	wrote = true;
	if (wake_bits == CQ_WAKE_ALL)
		return;
	foreach(lc, stmt->resultRelations)
	{
		RangeTblEntry *rte = rt_fetch(lfirst_int(lc), stmt->rtable);

		wake_bits |= SourceBits(rte->relid);
	}
}

void
cq_source_writes_after_utility(Node *stmt)
{
	if (!watching)
		return;
	if (IsA(stmt, CopyStmt))
	{
		CopyStmt *copy = (CopyStmt *) stmt;
		Oid relid;

		if (!copy->is_from || copy->relation == NULL)
			return;
		wrote = true;
		if (wake_bits == CQ_WAKE_ALL)
			return;
		/* COPY holds its lock on the table to the end of the transaction */
		relid = RangeVarGetRelid(copy->relation, NoLock, true);
		if (OidIsValid(relid))
			wake_bits |= SourceBits(relid);
	}
	else if (IsA(stmt, DropStmt) &&
			 ((DropStmt *) stmt)->removeType == OBJECT_EXTENSION)
	{
		/* The workers exit when they see the extension gone */
		wake_bits = CQ_WAKE_ALL;
	}
	else if (IsA(stmt, CreateExtensionStmt))
	{
		if (strcmp(((CreateExtensionStmt *) stmt)->extname, "cqstream") == 0)
			extension_created = true;
	}
	else if (IsA(stmt, TransactionStmt) &&
			 ((TransactionStmt *) stmt)->kind == TRANS_STMT_COMMIT_PREPARED)
	{
		/* What the prepared transaction wrote is not known here */
		wake_bits = CQ_WAKE_ALL;
		sources_changed = true;
		extension_created = true;
	}
}

bool
cq_source_writes_maybe_source(Oid relid)
{
	return !cache_kept || SourceBits(relid) != 0;
}

void
cq_source_writes_registry_changed(bool sources)
{
	if (sources)
	{
		Oid rel = cq_source_writes_query_table();

		if (OidIsValid(rel))
			CacheInvalidateRelcacheByRelid(rel);
		sources_changed = true;
	}
	/* Whichever worker runs the query (it may be new) */
	wake_bits = CQ_WAKE_ALL;
}

void
cq_source_writes_ignore(void)
{
	watching = false;
}

/*
 * After the locks of a top-level transaction are released, at commit or
 * rollback: wake.  Runs once per resource owner of the transaction; the
 * flags make it act once.  Must not error.
 */
static void
AfterLocks(ResourceReleasePhase phase, bool isCommit, bool isTopLevel,
		   void *arg)
{
	if (phase != RESOURCE_RELEASE_AFTER_LOCKS || !isTopLevel)
		return;
	/*
	 * A rollback too: the writer took ids, and the worker's safe bound
	 * waited for it to end, holding back the rows of others
	 */
	/* Before the wake-up below, after the commit (see "A list older") */
	if (isCommit && sources_changed)
		cq_wakeup_registry_changed();
	if (wrote && wake_bits != CQ_WAKE_ALL &&
		cq_wakeup_registry_epoch() != list_epoch)
	{
		wake_bits = CQ_WAKE_ALL;
		relations_valid = false;
	}
	if (wake_bits != 0)
		cq_wakeup_workers_for(MyDatabaseId, wake_bits);
	if (isCommit && extension_created)
		cq_wakeup_report_created(MyDatabaseId);
	wake_bits = 0;
	wrote = false;
	sources_changed = false;
	extension_created = false;
}

/*
 * PREPARE TRANSACTION releases resources "as committed" while its writes
 * and locks stay with the prepared transaction: nothing to wake yet
 * (COMMIT PREPARED does it).
 */
static void
BeforePrepare(XactEvent event, void *arg)
{
	if (event == XACT_EVENT_PRE_PREPARE)
	{
		wake_bits = 0;
		wrote = false;
		sources_changed = false;
		extension_created = false;
	}
}

void
cq_source_writes_init(void)
{
	watching = true;
	prev_ExecutorStart = ExecutorStart_hook;
	ExecutorStart_hook = CqExecutorStart;
	CacheRegisterRelcacheCallback(InvalidateRelation, (Datum) 0);
	cache_kept = true;
	RegisterResourceReleaseCallback(AfterLocks, NULL);
	RegisterXactCallback(BeforePrepare, NULL);
}
