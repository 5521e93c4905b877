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
 * recorded in query_state (status 'failed', last_error) after the pass,
 * in a transaction of its own (below), and the other queries go on;
 * resume_query clears it.  Errors that say nothing about the query
 * (cancel, deadlock, serialization, lack of resources, lock timeout, a
 * read-only transaction while a failover manager promotes the server)
 * are only logged: the query runs again, after a backoff (below).
 * Running out of memory is the
 * exception: it may well say something about the query (windows that
 * multiply rows, a huge key), so after CQ_MAX_OOM_RETRIES consecutive
 * failures the query fails like any other, rather than being retried
 * forever.
 *
 * A query whose catalog row could not be read (load_error, set by
 * catalog.c for a row the API would have refused) fails here too, alone.
 *
 * Bounds on what an owner's code can do to the other queries, which
 * share the worker: a batch runs for at most cqstream.query_timeout
 * (through the server's statement timeout, which cancels it like a
 * statement; a policy or function of the owner that sleeps, loops or
 * waits would otherwise hold every other query of the worker), and a
 * query that times out fails, with a message that says so.  The owner's
 * code can catch that cancellation (PL/pgSQL's EXCEPTION WHEN
 * query_canceled) and go on: a batch still running at twice the timeout
 * ends the worker (a FATAL exit, which no code can catch, and which the
 * postmaster takes as an ordinary worker exit), after noting the queries
 * of the batch in shared memory (wakeup.c), and the worker the launcher
 * starts with the same number fails them first.  The SQLSTATEs
 * taken as transient can be raised by the owner's code too (RAISE ...
 * USING ERRCODE), so retries back off: after the n-th failure in a row a
 * query waits 2^(n-2) * CQ_RETRY_BASE_MS (at most CQ_RETRY_MAX_MS) before
 * it runs again, and only the 1st, 2nd, 4th, 8th ... retry is logged,
 * with its message cut at CQ_MESSAGE_MAX bytes, as is every message this
 * file logs or records: a query retried every pass with a long message
 * filled the disk with the server log.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "mb/pg_wchar.h"
#include "miscadmin.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/resowner.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timeout.h"
#include "utils/timestamp.h"

#include "engine/assignment.h"
#include "engine/batch.h"
#include "engine/isolation.h"
#include "engine/source_read.h"
#include "engine/wakeup.h"

/* Consecutive out-of-memory failures before a query fails */
#define CQ_MAX_OOM_RETRIES 3

/* Backoff of a query's transient failures: first and longest wait */
#define CQ_RETRY_BASE_MS 100
#define CQ_RETRY_MAX_MS	 30000

/*
 * lock_timeout of a batch, and of recording a failure: a lock held by an
 * open transaction of an owner (a catalog row under drop_query or
 * resume_query, a sequence, a table its policy reads) stops the batch
 * with 55P03, a transient error, rather than holding the worker
 */
#define CQ_LOCK_TIMEOUT "1s"

/* Longest message logged or recorded for a query's failure (bytes) */
#define CQ_MESSAGE_MAX 1000

int cq_query_timeout = 10000;

/* Failures decided and not yet recorded, at most */
#define CQ_MAX_TO_FAIL 256

/*
 * The batch under the timeouts: its queries (those of a shared read, at
 * most CQ_SHARED_MAX), and whether the second timeout ended the worker
 */
static int32 batch_ids[CQ_SHARED_MAX];
static int batch_n = 0;
static volatile sig_atomic_t batch_stopped = false;
static TimeoutId stop_timeout = MAX_TIMEOUTS;
static Oid current_ext = InvalidOid; /* the extension of the last pass */

/*
 * A failure to record (cq_isolation_record_failures): its query runs no
 * batch meanwhile.  Strings in TopMemoryContext.
 */
typedef struct ToFail
{
	int32 query_id;
	bool stopped; /* stopped by a worker's exit: noted again at ours */
	char *name;	  /* NULL: not known yet (stopped) */
	char *message;
	int attempts;		  /* failed attempts to record it */
	TimestampTz next_try; /* of the next attempt */
} ToFail;

static ToFail to_fail[CQ_MAX_TO_FAIL];
static int to_fail_n = 0;

/* A query's failures in a row, for those that have any */
typedef struct Retry
{
	int32 query_id; /* hash key */
	int ooms;		/* out of memory */
	int transients; /* every transient failure (out of memory too) */
	TimestampTz next_try;
} Retry;

static HTAB *retries = NULL;

/* q's entry, created (zeroed) when absent */
static Retry *
RetryOf(int32 query_id)
{
	Retry *e;
	bool found;

	if (retries == NULL)
	{
		HASHCTL ctl;

		ctl.keysize = sizeof(int32);
		ctl.entrysize = sizeof(Retry);
		retries = hash_create("cqstream query retries", 16, &ctl,
							  HASH_ELEM | HASH_BLOBS);
	}
	e = hash_search(retries, &query_id, HASH_ENTER, &found);
	if (!found)
	{
		e->ooms = 0;
		e->transients = 0;
		e->next_try = 0;
	}
	return e;
}

/* A batch of the query succeeded (or it failed for good): no backoff */
static void
Forget(int32 query_id)
{
	if (retries != NULL)
		(void) hash_search(retries, &query_id, HASH_REMOVE, NULL);
}

/* Backoff: the k-th wait of a backoff (from 0), in ms */
static int64
Backoff(int k)
{
	return k >= 9 ? CQ_RETRY_MAX_MS
				  : Min((int64) CQ_RETRY_BASE_MS << k, CQ_RETRY_MAX_MS);
}

/*
 * CountTransient: one more transient failure of e's query; when it may
 * run again.  Whether it is logged: the 1st, 2nd, 4th, 8th ... in a row.
 */
static bool
CountTransient(Retry *e)
{
	int n = ++e->transients;
	int64 wait_ms = 0;

	if (n >= 2)
		wait_ms = Backoff(n - 2);
	e->next_try = TimestampTzPlusMilliseconds(GetCurrentTimestamp(), wait_ms);
	return (n & (n - 1)) == 0;
}

/*
 * StopBatch: the second timeout's handler, in a signal handler: the
 * worker dies at its next check for interrupts, as on SIGTERM (die())
 */
static void
StopBatch(void)
{
	batch_stopped = true;
	ProcDiePending = true;
	InterruptPending = true;
	SetLatch(MyLatch);
}

/* The message of a query stopped by its worker's exit */
static char *
StoppedMessage(void)
{
	return psprintf("its batch ran past twice cqstream.query_timeout "
					"(%d ms): the owner's code went on after it was "
					"cancelled (it caught query_canceled), so the worker "
					"exited to stop it",
					cq_query_timeout);
}

/*
 * before_shmem_exit: for the next worker with this number, the queries
 * of the batch the second timeout stopped, and the stopped queries this
 * worker had taken and not yet failed (however it exits)
 */
static void
NoteStopped(int code, Datum arg)
{
	int32 ids[CQ_SHARED_MAX + CQ_MAX_TO_FAIL];
	int n = 0;

	if (batch_stopped && batch_n > 0)
	{
		ereport(LOG,
				(errmsg("cqstream worker %d: a batch of query %d ran past "
						"twice cqstream.query_timeout (%d ms): the owner's "
						"code did not stop when cancelled, so the worker "
						"exits to stop it, and its next start fails the "
						"query",
						cq_assignment_index(), batch_ids[0],
						cq_query_timeout)));
		memcpy(ids, batch_ids, batch_n * sizeof(int32));
		n = batch_n;
	}
	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].stopped)
			ids[n++] = to_fail[i].query_id;
	if (n > 0 && OidIsValid(current_ext))
		cq_wakeup_note_stopped(cq_assignment_index(), current_ext, ids, n);
}

/* The second timeout, and the notes at exit, once per process */
static void
Register(void)
{
	if (stop_timeout != MAX_TIMEOUTS)
		return;
	stop_timeout = RegisterTimeout(USER_TIMEOUT, StopBatch);
	before_shmem_exit(NoteStopped, (Datum) 0);
}

/*
 * SetExtension: the extension the worker now sees.  Query ids start
 * again in a new one: failures and retries of the former one's queries
 * must not touch the new ones.
 */
static void
SetExtension(Oid ext)
{
	if (ext == current_ext)
		return;
	if (OidIsValid(current_ext))
	{
		for (int i = 0; i < to_fail_n; i++)
		{
			if (to_fail[i].name)
				pfree(to_fail[i].name);
			pfree(to_fail[i].message);
		}
		to_fail_n = 0;
		if (retries != NULL)
		{
			hash_destroy(retries);
			retries = NULL;
		}
	}
	current_ext = ext;
}

void
cq_isolation_start_pass(Oid ext)
{
	SetExtension(ext);
	Register();
}

/* message cut at CQ_MESSAGE_MAX bytes (on a character boundary), "..." */
static char *
Clip(const char *message)
{
	int len = strlen(message);

	if (len <= CQ_MESSAGE_MAX)
		return pstrdup(message);
	len = pg_mbcliplen(message, len, CQ_MESSAGE_MAX);
	return psprintf("%.*s...", len, message);
}

/*
 * ClearLockTimeout: a lock timeout that fired as its lock was granted
 * leaves a cancel pending, which would stop the next statement
 */
static void
ClearLockTimeout(void)
{
	if (get_timeout_indicator(LOCK_TIMEOUT, true))
		QueryCancelPending = false;
}

/*
 * LimitLocks: CQ_LOCK_TIMEOUT until the end of the current
 * subtransaction, or AtEOXact_GUC(true, the result).  A session-level
 * source: one at or below PGC_S_OVERRIDE would also become the setting's
 * reset value, outliving the nest level (the worker's own lock waits
 * would then time out too).  An owner's function can lift it for its own
 * waits (SET lock_timeout in its definition), which
 * cqstream.query_timeout still bounds.
 */
static int
LimitLocks(void)
{
	int nest = NewGUCNestLevel();

	(void) set_config_option("lock_timeout", CQ_LOCK_TIMEOUT, PGC_SUSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	return nest;
}

/*
 * StartTimeout, StopTimeout: cqstream.query_timeout around a batch.  The
 * statement timeout's handler sets the same flags as a cancel, so a
 * timeout that fired after the batch's last check for interrupts is
 * cleared here, or the next statement of the pass would be cancelled.
 */
static void
StartTimeout(CqQuery **queries, int n)
{
	if (cq_query_timeout <= 0 || stop_timeout == MAX_TIMEOUTS)
		return;
	batch_n = Min(n, CQ_SHARED_MAX);
	for (int i = 0; i < batch_n; i++)
		batch_ids[i] = queries[i]->def.id;
	enable_timeout_after(STATEMENT_TIMEOUT, cq_query_timeout);
	enable_timeout_after(stop_timeout,
						 (int) Min((int64) cq_query_timeout * 2, INT_MAX));
}

static void
StopTimeout(void)
{
	if (stop_timeout != MAX_TIMEOUTS)
	{
		disable_timeout(stop_timeout, false);
		disable_timeout(STATEMENT_TIMEOUT, true);
		if (get_timeout_indicator(STATEMENT_TIMEOUT, true))
			QueryCancelPending = false;
		/*
		 * The second timeout fired after the batch's last check for
		 * interrupts: the worker exits at its next one, and the batch's
		 * queries, which ran past twice the timeout, are noted
		 */
		if (!batch_stopped)
			batch_n = 0;
	}
	ClearLockTimeout();
}

/*
 * TimedOut: whether a batch started at start, which failed, ran past
 * cqstream.query_timeout: then its error is the cancellation, or what
 * the owner's code raised instead of it (any SQLSTATE), and the query
 * fails either way.  Told by the time: the timeout's indicator is reset
 * by the code that raises the cancellation.
 */
static bool
TimedOut(TimestampTz start)
{
	return cq_query_timeout > 0 &&
		TimestampDifferenceExceeds(start, GetCurrentTimestamp(),
								   cq_query_timeout);
}

/* Errors that say nothing about the query: retried, after a backoff */
static bool
IsTransientError(int sqlerrcode)
{
	return sqlerrcode == ERRCODE_QUERY_CANCELED ||
		sqlerrcode == ERRCODE_LOCK_NOT_AVAILABLE ||
		/* default_transaction_read_only, as a failover manager sets it */
		sqlerrcode == ERRCODE_READ_ONLY_SQL_TRANSACTION ||
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

/*
 * Queue: q (or, when NULL, the query stopped_id that a worker's exit
 * stopped) failed for good, with message.  Recorded by
 * cq_isolation_record_failures, in a transaction of its own: a pass that
 * aborts afterwards (a later batch stopped by the worker's exit) cannot
 * undo it, and a row locked by an open transaction of the owner delays
 * only the record, not the other queries.  Until then q runs no batch.
 */
static void
Queue(CqQuery *q, int32 stopped_id, const char *message, bool stopped)
{
	ToFail *f;
	int32 id = q ? q->def.id : stopped_id;

	Forget(id);
	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].query_id == id)
		{
			to_fail[i].stopped |= stopped;
			return;
		}
	/* Full: not queued, it runs and fails again later */
	if (to_fail_n == CQ_MAX_TO_FAIL)
		return;
	f = &to_fail[to_fail_n++];
	f->query_id = q ? q->def.id : stopped_id;
	f->stopped = stopped;
	f->name = q ? MemoryContextStrdup(TopMemoryContext, q->def.name) : NULL;
	f->message = MemoryContextStrdup(TopMemoryContext, message);
	f->attempts = 0;
	f->next_try = 0;
}

static void
Fail(CqQuery *q, const char *message)
{
	Queue(q, 0, message, false);
}

/* After q's batch (started at start) failed with edata: fail or retry */
static void
Failed(CqQuery *q, ErrorData *edata, TimestampTz start)
{
	char *message = Clip(edata->message);
	Retry *e;

	if (TimedOut(start))
	{
		Fail(q,
			 psprintf("its batch ran longer than cqstream.query_timeout "
					  "(%d ms) and was cancelled; make the owner's "
					  "policies and functions on the source faster, or "
					  "lower cqstream.batch_size or raise "
					  "cqstream.query_timeout, then resume the query",
					  cq_query_timeout));
		return;
	}
	if (!IsTransientError(edata->sqlerrcode))
	{
		Fail(q, message);
		return;
	}
	e = RetryOf(q->def.id);
	if (edata->sqlerrcode == ERRCODE_OUT_OF_MEMORY &&
		++e->ooms >= CQ_MAX_OOM_RETRIES)
	{
		Fail(q,
			 psprintf("%s (%d times in a row; the query's batches need "
					  "more memory than the worker has)",
					  message, CQ_MAX_OOM_RETRIES));
		return;
	}
	if (CountTransient(e))
		ereport(LOG,
				(errmsg("cqstream: query \"%s\" will be retried (failure %d "
						"in a row): %s",
						q->def.name, e->transients, message)));
}

bool
cq_isolation_skip(CqQuery *q)
{
	Retry *e;

	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].query_id == q->def.id)
			return true;
	if (retries == NULL)
		return false;
	e = hash_search(retries, &q->def.id, HASH_FIND, NULL);
	return e != NULL && e->next_try > GetCurrentTimestamp();
}

bool
cq_isolation_failures_due(void)
{
	TimestampTz now;

	if (cq_wakeup_stopped_waiting(cq_assignment_index()))
		return true;
	if (to_fail_n == 0)
		return false;
	now = GetCurrentTimestamp();
	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].next_try <= now)
			return true;
	return false;
}

/*
 * RecordFailure: f's failure in its query's state, in a subtransaction
 * under the lock timeout, without waiting for the row; false when it is
 * locked (an open transaction of the owner), tried again after a backoff
 */
static bool
RecordFailure(ToFail *f)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	CqFailureRecord r = CQ_FAILURE_LOCKED;
	char *name = NULL;
	bool errored = false;

	BeginInternalSubTransaction(NULL);
	PG_TRY();
	{
		(void) LimitLocks();
		r = cq_catalog_record_failure(f->query_id, f->message, &name);
		Release(old, oldowner);
	}
	PG_CATCH();
	{
		ErrorData *edata = RollBack(old, oldowner);

		errored = true;
		if (((f->attempts + 1) & f->attempts) == 0)
			ereport(LOG,
					(errmsg("cqstream: the failure of query %d could not be "
							"recorded yet: %s",
							f->query_id, Clip(edata->message))));
		FreeErrorData(edata);
	}
	PG_END_TRY();
	ClearLockTimeout();
	if (r == CQ_FAILURE_RECORDED && f->name == NULL && name != NULL)
		f->name = MemoryContextStrdup(TopMemoryContext, name);
	if (r != CQ_FAILURE_LOCKED)
		return true; /* recorded, or the query is gone */
	f->attempts++;
	f->next_try = TimestampTzPlusMilliseconds(GetCurrentTimestamp(),
											  Backoff(f->attempts - 1));
	if (!errored && (f->attempts & (f->attempts - 1)) == 0)
		ereport(LOG,
				(errmsg("cqstream: query %d failed, and its state is locked "
						"by an open transaction: it runs nothing until the "
						"failure is recorded",
						f->query_id)));
	return false;
}

void
cq_isolation_record_failures(void)
{
	bool recorded[CQ_MAX_TO_FAIL] = {false};
	int32 ids[CQ_MAX_TO_FAIL];
	TimestampTz now = GetCurrentTimestamp();
	int kept = 0;
	int n;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	/* Stopped by a former worker with this number: failed before any batch */
	Register();
	SetExtension(get_extension_oid("cqstream", true));
	n = cq_wakeup_take_stopped(cq_assignment_index(), current_ext, ids,
							   CQ_MAX_TO_FAIL - to_fail_n);
	for (int i = 0; i < n; i++)
		Queue(NULL, ids[i], StoppedMessage(), true);
	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].next_try <= now)
			recorded[i] = RecordFailure(&to_fail[i]);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	/*
	 * Only now, committed, are they gone from the list; with interrupts
	 * held, so that an exit cannot see it half compacted (and note again
	 * stopped queries already failed)
	 */
	HOLD_INTERRUPTS();
	for (int i = 0; i < to_fail_n; i++)
	{
		if (!recorded[i])
		{
			to_fail[kept++] = to_fail[i];
			continue;
		}
		if (to_fail[i].name != NULL)
		{
			ereport(WARNING,
					(errmsg("cqstream: query \"%s\" failed: %s",
							to_fail[i].name, to_fail[i].message)));
			pfree(to_fail[i].name);
		}
		pfree(to_fail[i].message);
	}
	to_fail_n = kept;
	RESUME_INTERRUPTS();
}

int
cq_isolation_next_wait(void)
{
	TimestampTz now = GetCurrentTimestamp();
	TimestampTz next = 0;
	HASH_SEQ_STATUS seq;
	Retry *e;
	long secs;
	int usecs;

	/* Waits still to come only: a query past its wait may not be listed */
	for (int i = 0; i < to_fail_n; i++)
		if (to_fail[i].next_try > now &&
			(next == 0 || to_fail[i].next_try < next))
			next = to_fail[i].next_try;
	if (retries != NULL)
	{
		hash_seq_init(&seq, retries);
		while ((e = hash_seq_search(&seq)) != NULL)
			if (e->next_try > now && (next == 0 || e->next_try < next))
				next = e->next_try;
	}
	if (next == 0)
		return -1;
	TimestampDifference(now, next, &secs, &usecs);
	return (int) Min((int64) secs * 1000 + (usecs + 999) / 1000, INT_MAX);
}

void
cq_run_isolated(CqQuery *q, MemoryContext query_cxt, bool *more)
{
	MemoryContext old = CurrentMemoryContext;
	ResourceOwner oldowner = CurrentResourceOwner;
	TimestampTz start = GetCurrentTimestamp();

	BeginInternalSubTransaction(NULL);
	MemoryContextSwitchTo(query_cxt);
	PG_TRY();
	{
		int nest = LimitLocks();
		char *source;

		StartTimeout(&q, 1);
		source = CheckRunnable(q);
		if (q->def.aggregate)
			cq_batch_aggregate(q, source, more);
		else if (q->def.position)
			cq_batch_position(q, source, more);
		else
			cq_batch_transform(q, source, more);
		StopTimeout();
		AtEOXact_GUC(true, nest);
		Release(old, oldowner);
		Forget(q->def.id);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		StopTimeout();
		edata = RollBack(old, oldowner);
		Failed(q, edata, start);
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
		int nest = LimitLocks();

		StartTimeout(queries, n);
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
		StopTimeout();
		AtEOXact_GUC(true, nest);
		Release(old, oldowner);
	}
	PG_CATCH();
	{
		ErrorData *edata;

		StopTimeout();
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
			Forget(queries[i]->def.id);
		return;
	}
	/* Each alone: the failing one fails with its own message */
	for (int i = 0; i < n; i++)
		cq_run_isolated(queries[i], query_cxt, more);
}
