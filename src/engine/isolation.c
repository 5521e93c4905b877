/*-------------------------------------------------------------------------
 *
 * isolation.c
 *	  One query's batch in a subtransaction of its own: a failing query
 *	  fails alone, with its message.
 *
 * Design notes
 *
 * Each query runs in its own subtransaction of the pass's transaction
 * (as PL/pgSQL runs an exception block), so that an error in one query
 * (dropped column, revoked privilege, a policy or function of its owner
 * that raises) rolls back that query's batch alone.  The error is then
 * recorded in query_state (status 'failed', last_error) in the same
 * transaction and the other queries go on; resume_query clears it.
 * Errors that say nothing about the query (cancel, deadlock,
 * serialization, lack of resources, lock timeout) are only logged: the
 * query runs again on the next pass.  Running out of memory is the
 * exception: it may well say something about the query (windows that
 * multiply rows, a huge key), so after CQ_MAX_OOM_RETRIES consecutive
 * failures the query fails like any other, rather than being retried
 * forever.
 *
 * A query whose catalog row could not be read (load_error, set by
 * catalog.c for a row the API would have refused) fails here too, alone.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/syscache.h"

#include "engine/batch.h"
#include "engine/isolation.h"
#include "engine/source_read.h"

/* Consecutive out-of-memory failures before a query fails */
#define CQ_MAX_OOM_RETRIES 3

typedef struct OomCount
{
	int32 query_id; /* hash key */
	int count;
} OomCount;

static HTAB *oom_counts = NULL;

/* The query's consecutive out-of-memory failures, counting this one */
static int
CountOom(int32 query_id, bool failed)
{
	OomCount *e;
	bool found;

	if (oom_counts == NULL)
	{
		HASHCTL ctl;

		ctl.keysize = sizeof(int32);
		ctl.entrysize = sizeof(OomCount);
		oom_counts = hash_create("cqstream out-of-memory retries", 16, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}
	if (!failed)
	{
		(void) hash_search(oom_counts, &query_id, HASH_REMOVE, NULL);
		return 0;
	}
	e = hash_search(oom_counts, &query_id, HASH_ENTER, &found);
	e->count = found ? e->count + 1 : 1;
	return e->count;
}

/* Errors that say nothing about the query: retry on the next pass */
static bool
IsTransientError(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_QUERY_CANCELED ||
		sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_TRANSACTION_ROLLBACK ||
		ERRCODE_TO_CATEGORY(sqlerrcode) == ERRCODE_INSUFFICIENT_RESOURCES;
}

/* Commit the batch's subtransaction; back to old and oldowner */
static void
Release(MemoryContext old, ResourceOwner oldowner)
{
	ReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(old);
	CurrentResourceOwner = oldowner;
}

/*
 * RollBack: after an error in the batch's subtransaction, the error
 * (copied into old), the subtransaction rolled back, back to old and
 * oldowner
 */
static ErrorData *
RollBack(MemoryContext old, ResourceOwner oldowner)
{
	ErrorData *edata;

	MemoryContextSwitchTo(old);
	edata = CopyErrorData();
	FlushErrorState();
	RollbackAndReleaseCurrentSubTransaction();
	MemoryContextSwitchTo(old);
	CurrentResourceOwner = oldowner;
	return edata;
}

/*
 * CheckRunnable: q's source (its quoted name), or the error that q
 * cannot run for, said in the query's terms
 */
static char *
CheckRunnable(CqQuery *q)
{
	char *source;

	if (q->load_error)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query \"%s\" cannot run: %s", q->def.name,
						q->load_error),
				 errhint("Drop the query and create it again.")));
	/* The source is gone (42P01), or its id sequence */
	source = cq_source_name(q);
	if (q->bound < 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("id sequence of query \"%s\" does not exist",
						q->def.name)));
	/*
	 * The owner's rights read the source.  A role can be dropped
	 * under a query (the catalog does not record the dependency):
	 * then say so, rather than fail on whatever it trips over.
	 */
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(q->def.owner)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("owner of query \"%s\" (role with OID %u) no "
						"longer exists",
						q->def.name, q->def.owner),
				 errhint("Drop the query, or create it again as an "
						 "existing role.")));
	return source;
}

void
cq_run_isolated(CqQuery *q, MemoryContext query_cxt, bool *more)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(query_cxt);
	PG_TRY();
	{
		char *source = CheckRunnable(q);

		if (q->def.aggregate)
			cq_batch_aggregate(q, source, more);
		else if (q->def.position)
			cq_batch_position(q, source, more);
		else
			cq_batch_transform(q, source, more);
		Release(old, oldowner);
		if (oom_counts != NULL)
			(void) CountOom(q->def.id, false);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		edata = RollBack(old, oldowner);

		if (edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY &&
			CountOom(q->def.id, true) >= CQ_MAX_OOM_RETRIES)
		{
			char *message = psprintf("%s (%d times in a row; the query's "
									 "batches need more memory than the "
									 "worker has)",
									 edata->message, CQ_MAX_OOM_RETRIES);

			ereport(WARNING,
					(errmsg("cqstream: query \"%s\" failed: %s", q->def.name,
							message)));
			cq_catalog_mark_failed(q, message);
			(void) CountOom(q->def.id, false);
		}
		else if (IsTransientError(edata->sqlerrcode))
			ereport(LOG,
					(errmsg("cqstream: query \"%s\" will be retried: %s",
							q->def.name, edata->message)));
		else
		{
			ereport(WARNING,
					(errmsg("cqstream: query \"%s\" failed: %s", q->def.name,
							edata->message)));
			cq_catalog_mark_failed(q, edata->message);
		}
		FreeErrorData(edata);
	}
	PG_END_TRY();
	MemoryContextReset(query_cxt);
}

void
cq_run_shared(CqQuery **queries, int n, MemoryContext query_cxt, bool *more)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	bool failed = false;
	bool group_more = false;

	if (n == 1)
	{
		cq_run_isolated(queries[0], query_cxt, more);
		return;
	}
	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(query_cxt);
	PG_TRY();
	{
		CqBatch *batches = palloc(sizeof(CqBatch) * n);
		char *source = NULL;
		int nb = 0;

		for (int i = 0; i < n; i++)
		{
			source = CheckRunnable(queries[i]);
			if (queries[i]->def.aggregate
					? cq_batch_aggregate_begin(queries[i], &batches[nb])
					: cq_batch_transform_begin(queries[i], &batches[nb]))
				nb++;
		}
		if (nb > 0)
			cq_batch_run(batches, nb, source, &group_more);
		Release(old, oldowner);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		edata = RollBack(old, oldowner);
		ereport(DEBUG1,
				(errmsg("cqstream: a shared read failed, its %d queries run "
						"alone: %s",
						n, edata->message)));
		FreeErrorData(edata);
		failed = true;
	}
	PG_END_TRY();
	MemoryContextReset(query_cxt);
	if (!failed)
	{
		*more = *more || group_more;
		for (int i = 0; i < n; i++)
			if (oom_counts != NULL)
				(void) CountOom(queries[i]->def.id, false);
		return;
	}
	/* Each alone: the failing one fails with its own message */
	for (int i = 0; i < n; i++)
		cq_run_isolated(queries[i], query_cxt, more);
}
