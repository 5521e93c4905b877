/*-------------------------------------------------------------------------
 *
 * worker.c
 *	  The per-database worker of the continuous query engine: its main
 *	  loop, which is woken by commits that wrote the sources of the
 *	  database's queries, runs them, and trims the results log.
 *
 * Design notes
 *
 * One pass = one transaction.  When woken, the worker starts a
 * transaction, lists the queries that are neither paused nor failed
 * (catalog.c) and, for each query with something to do, runs one batch
 * in its own subtransaction (isolation.c), so that an error in one query
 * rolls back that query alone.  It is woken through its latch, which it
 * publishes in shared memory (wakeup.c): by every commit that wrote a
 * source table (source_writes.c), and by the registry's changes (create,
 * drop, pause, resume, DROP EXTENSION), after their commit.  Otherwise it
 * sleeps for cqstream.poll_interval (1 s by default), a safety net for
 * writes that wake nobody.  The latch is reset before each look for work,
 * so a commit racing the worker's way to sleep leaves it set and the
 * sleep ends at once: no wake-up is lost.
 *
 * For one query, a pass: reads the last value of the source's id
 * sequence and asks capture.c for the safe bound (no in-flight writer
 * can still commit an id at or below it); when there is nothing new, and
 * no idle flush is due, the query costs nothing more.  Otherwise a batch
 * (batch_transform.c, batch_aggregate.c) reads the rows with
 * last_source_id < id <= bound, at most cqstream.batch_size of them,
 * with a fresh snapshot and as the query's owner (source_read.c);
 * appends the results to the results log in blocks (result_log.c, which
 * also queues their NOTIFYs); aggregates also merge their open windows
 * (window_stream.h, window_state.c); and advances query_state.  The
 * commit makes all of it visible at once, so after a crash at any point
 * each source row has contributed exactly once and result ids neither
 * skip nor repeat.  The update of query_state checks the progress it
 * started from, so that two workers (which the advisory lock below
 * should already prevent) could never both apply a batch.
 *
 * When a query was cut by batch_size the next pass starts at once; when
 * nothing is left the worker sleeps on its latch.  Idle is nearly free: a
 * full pass costs one transaction, one catalog query and one sequence
 * read per query, so after a timeout with every query caught up the
 * worker only re-reads the sequences of its last full pass (IdleCheck)
 * and makes a full pass one timeout in CQ_IDLE_FULL_PASS_EVERY.  Every
 * CQ_RETENTION_INTERVAL_MS the results log is trimmed (retention.c),
 * every CQ_RETENTION_IDLE_INTERVAL_MS once the worker has run no batch
 * for a minute.
 *
 * The worker runs with search_path = pg_catalog, TimeZone = UTC (so a
 * timestamp-without-time-zone column is read as UTC), READ COMMITTED
 * (each statement, and so the source read after the safe-bound check,
 * takes a fresh snapshot) and session_replication_role = replica (no
 * per-row foreign-key check on cqstream.result_block; see SetUpSession),
 * whatever postgresql.conf says.
 *
 * Several workers per database (cqstream.workers_per_database), numbered
 * by the launcher: each runs only its own queries, under a lock per query
 * slot (assignment.c), and worker 0 alone trims the results log and
 * checks replication.  A session-level advisory lock per number (key
 * CQ_WORKER_LOCK_KEY1, CQ_WORKER_LOCK_KEY2 + number, on the database)
 * makes a second worker with the same number exit, and a worker whose
 * number is no longer below the setting exits after a reload.
 *
 * Memory: TopMemoryContext holds the capture state; pass_cxt is reset
 * after every pass; query_cxt after every query.  SPI results are freed
 * as soon as they are consumed.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "access/xact.h"
#include "catalog/pg_class.h"
#include "catalog/pg_extension.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lmgr.h"
#include "storage/lock.h"
#include "tcop/tcopprot.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/timestamp.h"

#include "engine/assignment.h"
#include "engine/batch.h"
#include "engine/capture.h"
#include "engine/catalog.h"
#include "engine/isolation.h"
#include "engine/replication_check.h"
#include "engine/retention.h"
#include "engine/source_writes.h"
#include "engine/wakeup.h"
#include "engine/worker.h"

/* Advisory lock held by worker number i of a database ("cqst", 1 + i) */
#define CQ_WORKER_LOCK_KEY1	  0x63717374
#define CQ_WORKER_LOCK_KEY2	  1
#define CQ_WORKER_LOCK_FIELD4 3

/*
 * While a safe bound waits for lock holders (capture.h), the worker looks
 * again after this many ms, doubled at each look, up to
 * cqstream.poll_interval
 */
#define CQ_PENDING_FIRST_WAIT_MS 5

/*
 * While a query of this worker is still locked by its former worker
 * (assignment.c), the longest wait between two looks
 */
#define CQ_BUSY_MAX_WAIT_MS 1000

/* Full passes while idle: one in this many timeouts (see IdleCheck) */
#define CQ_IDLE_FULL_PASS_EVERY 30

static MemoryContext pass_cxt = NULL;
static MemoryContext query_cxt = NULL;

/*
 * When the last full pass found every query caught up: the id sequences
 * it read and their values (in TopMemoryContext); nidle < 0 otherwise.
 */
static int nidle = -1;
static Oid *idle_seqs = NULL;
static int64 *idle_values = NULL;

/* When a pass last ran a batch (retention's pace follows it) */
static TimestampTz last_batch = 0;

/*
 * LockExtension: the extension's OID if it exists, locked against DROP
 * EXTENSION until the end of the transaction (which otherwise could remove
 * the catalog between this check and the pass's first query).
 */
static Oid
LockExtension(void)
{
	Oid ext = get_extension_oid("cqstream", true);

	if (!OidIsValid(ext))
		return InvalidOid;
	LockDatabaseObject(ExtensionRelationId, ext, 0, AccessShareLock);
	/* Dropped while we waited for the lock? */
	return get_extension_oid("cqstream", true) == ext ? ext : InvalidOid;
}

/*
 * Can q share a read of its source with others (batch_shared.c)?  A
 * transform or an aggregate with new rows to read; a query that cannot
 * run, or only flushes, runs alone.
 */
static bool
Shareable(const CqQuery *q)
{
	return !q->def.position && q->load_error == NULL &&
		q->bound > q->state.last_source_id;
}

/*
 * RunQueries: one batch of each of the pass's n queries that have
 * something to do, in the catalog's order, except that queries that can
 * share a read of their source run together with the first of them, at
 * most CQ_SHARED_MAX at once (their batches are in memory together).
 */
static void
RunQueries(CqQuery **torun, int n, bool *more)
{
	bool *done = palloc0(sizeof(bool) * Max(n, 1));
	CqQuery *group[CQ_SHARED_MAX];

	for (int i = 0; i < n; i++)
	{
		int ng = 0;

		if (done[i])
			continue;
		group[ng++] = torun[i];
		for (int j = i + 1; j < n && ng < CQ_SHARED_MAX && Shareable(torun[i]);
			 j++)
			if (!done[j] && Shareable(torun[j]) &&
				cq_source_shareable(torun[i], torun[j]))
			{
				group[ng++] = torun[j];
				done[j] = true;
			}
		cq_run_shared(group, ng, query_cxt, more);
		last_batch = GetCurrentTimestamp();
	}
	pfree(done);
}

/*
 * RunPass: one transaction over every runnable query of this worker
 * (assignment.c).  Returns true when some query has more rows waiting or
 * was just claimed (*taken: it runs in the next pass, started at once);
 * sets *busy when a query of this worker is still held by another.
 * Exits the process when the extension is gone from the database.
 */
static bool
RunPass(bool *taken, bool *busy)
{
	CqQuery *queries;
	int n;
	int nseqs;
	CqQuery **torun;
	int nrun = 0;
	bool more = false;
	bool idle;
	Oid ext;
	/* Before the snapshot that may miss the extension (wakeup.h) */
	uint64 epoch = cq_wakeup_extension_epoch();

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	ext = LockExtension();
	if (!OidIsValid(ext))
	{
		CommitTransactionCommand();
		ereport(LOG, (errmsg("cqstream worker: extension dropped, exiting")));
		/* The launcher starts none here until CREATE EXTENSION */
		cq_wakeup_report_absent(MyDatabaseId, epoch);
		proc_exit(0);
	}
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cqstream: poll");

	MemoryContextSwitchTo(pass_cxt);
	cq_isolation_start_pass(ext);
	n = cq_catalog_runnable(&queries);
	idle = true;
	nseqs = 0;
	idle_seqs = repalloc(idle_seqs, sizeof(Oid) * Max(n, 1));
	idle_values = repalloc(idle_values, sizeof(int64) * Max(n, 1));
	torun = palloc(sizeof(CqQuery *) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		CqQuery *q = &queries[i];
		int64 last;
		bool ok = false;
		char kind;

		/* Another worker's query (assignment.c) */
		if (!cq_assignment_mine(q->def.id))
			continue;
		switch (cq_assignment_claim(q->def.id))
		{
			case CQ_CLAIM_HELD:
				break;
			case CQ_CLAIM_TAKEN:
				/* Listed before the lock: run it in a fresh pass, now */
				*taken = true;
				idle = false;
				continue;
			case CQ_CLAIM_BUSY:
				/* Its former worker lets go of it soon */
				*busy = true;
				idle = false;
				continue;
		}
		/*
		 * Stopped by this worker's exit (failed now), or failed
		 * transiently with its backoff not over (isolation.c)
		 */
		if (cq_isolation_skip(q))
		{
			idle = false;
			continue;
		}
		switch (cq_sequence_try_last_value(q->def.id_sequence, &last))
		{
			case CQ_SEQUENCE_READ:
				ok = true;
				break;
			case CQ_SEQUENCE_GONE:
				ok = false;
				break;
			case CQ_SEQUENCE_LOCKED:
				/* Left for a later pass (poll_interval) */
				idle = false;
				continue;
		}
		kind = get_rel_relkind(q->def.source);

		/* The cheap check: no subtransaction when there is nothing new */
		q->bound = -1;
		idle_seqs[nseqs] = q->def.id_sequence;
		idle_values[nseqs++] = last;
		/* Nothing to come but new ids, nor to flush on its own */
		if (!ok || last != q->state.last_source_id || q->load_error != NULL ||
			(kind != RELKIND_RELATION && kind != RELKIND_PARTITIONED_TABLE) ||
			(q->def.idle_flush > 0 && q->state.has_last_row_at))
			idle = false;
		if (ok && last < q->state.last_source_id && q->load_error == NULL)
			q->load_error =
				psprintf("its id sequence went back to " INT64_FORMAT
						 ", below the query's progress " INT64_FORMAT
						 " (TRUNCATE ... RESTART IDENTITY, setval or ALTER SEQUENCE "
						 "RESTART): new rows with ids up to the progress would be "
						 "skipped",
						 last, q->state.last_source_id);
		if (ok &&
			(kind == RELKIND_RELATION || kind == RELKIND_PARTITIONED_TABLE))
		{
			q->bound = cq_capture_safe_bound(q->def.source, last);
			if (q->bound <= q->state.last_source_id &&
				!cq_batch_idle_flush_due(q) && q->load_error == NULL)
				continue;
		}
		torun[nrun++] = q;
	}
	RunQueries(torun, nrun, &more);

	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
	MemoryContextReset(pass_cxt);
	nidle = idle && !more ? nseqs : -1;
	return more || *taken;
}

/*
 * IdleCheck: after a timeout, when the last full pass found every query
 * caught up, whether it still is: the same id sequences, at the same
 * values.  Skips the pass's catalog query and safe bounds, the larger
 * part of an idle pass.  A change of the registry wakes the worker
 * (source_writes.c) and gets a full pass; one that woke nobody (a
 * restored catalog) is seen at the next full pass, one timeout in
 * CQ_IDLE_FULL_PASS_EVERY.
 */
static bool
IdleCheck(void)
{
	bool same = true;

	if (nidle == 0)
		return true; /* no query: not even a transaction */
	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	for (int i = 0; i < nidle && same; i++)
	{
		int64 last;

		same = cq_sequence_try_last_value(idle_seqs[i], &last) ==
				CQ_SEQUENCE_READ &&
			last == idle_values[i];
	}
	CommitTransactionCommand();
	return same;
}

/*
 * RecoverFromError: after an error that escaped a pass or the retention
 * (a query's own errors are caught in its subtransaction, isolation.c):
 * log it, abort the transaction, and wait a second before going on, so
 * that one broken statement never stops or restarts the worker.
 */
static void
RecoverFromError(const char *what)
{
	MemoryContextSwitchTo(TopMemoryContext);
	EmitErrorReport();
	FlushErrorState();
	AbortCurrentTransaction();
	MemoryContextReset(pass_cxt);
	MemoryContextReset(query_cxt);
	pgstat_report_activity(STATE_IDLE, NULL);
	ereport(WARNING,
			(errmsg("cqstream worker: %s failed; trying again in 1 s", what)));
	(void) WaitLatch(MyLatch, WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
					 1000, PG_WAIT_EXTENSION);
	ResetLatch(MyLatch);
}

/*
 * TakeWorkerLock: the session advisory lock that makes this the only
 * worker of the database with its number; false if another one holds it.
 */
static bool
TakeWorkerLock(int index)
{
	LOCKTAG tag;

	/*
	 * An advisory lock tag no SQL function can take: pg_advisory_lock
	 * and friends set the tag's last field to 1 (a bigint key) or 2 (two
	 * integers), so any session could otherwise take this lock first and
	 * keep every worker of the database from starting.
	 */
	SET_LOCKTAG_ADVISORY(tag, MyDatabaseId, CQ_WORKER_LOCK_KEY1,
						 CQ_WORKER_LOCK_KEY2 + (uint32) index,
						 CQ_WORKER_LOCK_FIELD4);
	return LockAcquire(&tag, ExclusiveLock, true, true) !=
		LOCKACQUIRE_NOT_AVAIL;
}

/*
 * SetUpSession: the worker's own settings.  The worker writes only
 * cqstream's own tables.  As a replica it skips the foreign-key check of
 * each result row (a query-table lookup per row, the largest cost of a
 * batch); the query_state update of the same subtransaction fails if the
 * query was dropped meanwhile.
 */
static void
SetUpSession(void)
{
	SetConfigOption("search_path", "pg_catalog", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("TimeZone", "UTC", PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("default_transaction_isolation", "read committed",
					PGC_SUSET, PGC_S_OVERRIDE);
	SetConfigOption("session_replication_role", "replica", PGC_SUSET,
					PGC_S_OVERRIDE);
}

/* SetUpMemory: the worker's memory contexts and allocator settings */
static void
SetUpMemory(void)
{
#ifdef __GLIBC__
	/*
	 * Keep freed memory in the process rather than returning it to the
	 * kernel after every batch: each batch allocates and frees tens of
	 * megabytes (pending notifications, tuples), and faulting fresh pages
	 * back in cost about a tenth of a batch.  The worker's footprint
	 * stays at its largest batch's.
	 */
	mallopt(M_MMAP_THRESHOLD, 32 * 1024 * 1024);
	mallopt(M_TRIM_THRESHOLD, 256 * 1024 * 1024);
#endif

	pass_cxt = AllocSetContextCreate(TopMemoryContext, "cqstream pass",
									 ALLOCSET_DEFAULT_SIZES);
	query_cxt = AllocSetContextCreate(TopMemoryContext, "cqstream query",
									  ALLOCSET_DEFAULT_SIZES);
	cq_capture_reset();
	idle_seqs = MemoryContextAlloc(TopMemoryContext, sizeof(Oid));
	idle_values = MemoryContextAlloc(TopMemoryContext, sizeof(int64));
}

/*
 * MaybeTrim: retention, when due.  Slower once idle: only retention_age
 * can then be due.
 */
static void
MaybeTrim(TimestampTz *last_trim)
{
	TimestampTz now = GetCurrentTimestamp();
	long interval = TimestampDifferenceExceeds(last_batch, now,
											   CQ_RETENTION_IDLE_AFTER_MS)
		? CQ_RETENTION_IDLE_INTERVAL_MS
		: CQ_RETENTION_INTERVAL_MS;

	if (!TimestampDifferenceExceeds(*last_trim, now, interval))
		return;
	*last_trim = now;
	PG_TRY();
	{
		cq_retention_trim();
	}
	PG_CATCH();
	{
		RecoverFromError("trimming the results log");
	}
	PG_END_TRY();
}

void
cq_worker_main(Datum arg)
{
	Oid dboid = DatumGetObjectId(arg);
	int index;
	TimestampTz last_trim;
	bool have_ext;
	uint64 epoch;
	bool timed_out = false;
	volatile int idle_timeouts = 0;
	int pending_wait = 0;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* The worker's number in its database (launcher.c) */
	memcpy(&index, MyBgworkerEntry->bgw_extra, sizeof(index));
	cq_assignment_start(index);

	/*
	 * A database dropped since the launcher saw it makes this FATAL; the
	 * launcher forgets it on its next scan.
	 */
	BackgroundWorkerInitializeConnectionByOid(dboid, InvalidOid, 0);

	SetUpSession();

	/* Its own writes (cqstream's tables) wake nobody */
	cq_source_writes_ignore();

	epoch = cq_wakeup_extension_epoch();
	StartTransactionCommand();
	have_ext = OidIsValid(get_extension_oid("cqstream", true));
	if (have_ext && !TakeWorkerLock(index))
	{
		CommitTransactionCommand();
		proc_exit(0); /* another worker has this number here */
	}
	if (have_ext)
		ereport(LOG,
				(errmsg("cqstream worker %d started for database \"%s\"",
						index, get_database_name(dboid))));
	CommitTransactionCommand();
	if (!have_ext)
	{
		/* The launcher starts none here until CREATE EXTENSION */
		cq_wakeup_report_absent(dboid, epoch);
		proc_exit(0);
	}
	/* Commits that write a source set our latch (source_writes.c) */
	if (!cq_wakeup_attach_worker())
		ereport(WARNING,
				(errmsg("cqstream worker: no free wake-up slot, looking for "
						"new rows every cqstream.poll_interval only")));

	cq_wakeup_worker_serves(cq_assignment_wake_bits());

	/* The launcher starts the database's other workers now */
	if (index == 0)
		cq_wakeup_report_present(dboid);

	SetUpMemory();
	last_trim = GetCurrentTimestamp();

	for (;;)
	{
		volatile bool more;
		volatile bool taken = false;
		volatile bool busy = false;
		volatile bool full_pass = false;
		int wake;
		int timeout;
		int retry_wait;

		/*
		 * The latch protocol: reset before looking for work, so that a
		 * commit after this point (even one racing the look) leaves the
		 * latch set and the wait below returns at once.
		 */
		ResetLatch(MyLatch);
		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
			/* workers_per_database went down: this one is not needed */
			if (!cq_assignment_wanted())
			{
				ereport(LOG,
						(errmsg("cqstream worker %d exiting: "
								"cqstream.workers_per_database is %d",
								index, cq_workers_per_database)));
				proc_exit(0); /* its locks go with it */
			}
			/*
			 * Writers wake us for our queries under the new setting from
			 * now on; the full pass below (nidle < 0) sees what those
			 * that woke only the old ones committed before
			 */
			cq_wakeup_worker_serves(cq_assignment_wake_bits());
			/* Queries that moved to another worker: let them go */
			if (cq_assignment_release(false))
				cq_wakeup_workers(MyDatabaseId);
			nidle = -1;
		}

		more = false;
		PG_TRY();
		{
			/* Queries a former worker's exit stopped: failed first */
			if (cq_isolation_failures_due())
				cq_isolation_record_failures();
			if (!timed_out || nidle < 0 ||
				++idle_timeouts >= CQ_IDLE_FULL_PASS_EVERY || !IdleCheck())
			{
				idle_timeouts = 0;
				more = RunPass((bool *) &taken, (bool *) &busy);
				full_pass = true;
			}
			/* Failures of the pass, in their own transaction */
			if (cq_isolation_failures_due())
				cq_isolation_record_failures();
		}
		PG_CATCH();
		{
			nidle = -1;
			RecoverFromError("a pass");
		}
		PG_END_TRY();

		/* Locks of queries gone from the list: dropped, paused, failed */
		if (full_pass && cq_assignment_release(true))
			cq_wakeup_workers(MyDatabaseId);

		/* One worker per database trims the log of all its queries */
		if (index == 0)
			MaybeTrim(&last_trim);

		if (index == 0)
			cq_replication_check();
		timed_out = false;
		if (more)
			continue;
		/*
		 * A lock holder that writes nothing ends without waking us; nor
		 * does a query's former worker that exits (its locks go only
		 * as the process ends), though one that stays wakes us
		 */
		if (!cq_capture_pending() && !busy)
			pending_wait = 0;
		else if (pending_wait == 0)
			pending_wait = CQ_PENDING_FIRST_WAIT_MS;
		else
			pending_wait = Min(pending_wait * 2, cq_poll_interval);
		/* A former worker still in its batch: look at least every second */
		if (busy)
			pending_wait = Min(pending_wait, CQ_BUSY_MAX_WAIT_MS);
		timeout = pending_wait > 0 ? Min(pending_wait, cq_poll_interval)
								   : cq_poll_interval;
		/* A query waiting out a retry's backoff (isolation.c) */
		retry_wait = cq_isolation_next_wait();
		if (retry_wait >= 0)
			timeout = Min(timeout, Max(retry_wait, 1));
		wake = WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 timeout, PG_WAIT_EXTENSION);
		timed_out = (wake & WL_LATCH_SET) == 0;
		/* What the wake-up tests count (test/worker/wakeup.sh) */
		if (!timed_out)
			ereport(DEBUG1,
					(errmsg_internal("cqstream worker %d woken", index)));
	}
}
