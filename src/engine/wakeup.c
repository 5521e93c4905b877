/*-------------------------------------------------------------------------
 *
 * wakeup.c
 *	  The shared memory through which the engine's processes are woken
 *	  (see wakeup.h).
 *
 * Design notes
 *
 * One small struct, allocated at server start when the library is
 * preloaded: a slot per possible worker (cqstream.max_workers of them,
 * a PGC_POSTMASTER setting) holding its database, its latch and the
 * wake-up bits of the queries it serves (assignment.c), so that a commit
 * wakes only the workers with a query of the sources it wrote; the
 * launcher's latch; a short list of reports about the extension for the
 * launcher; a short list of queries whose batch a worker exited to stop
 * (isolation.c), for the database's next worker to fail; and the
 * registry's epoch (wakeup.h), an atomic counter that every writing
 * transaction reads.  A spinlock protects the rest: every
 * critical section copies a few words and calls nothing, and latches are
 * set after it is released (SetLatch may send a signal).  A latch pointer read under the
 * lock can be stale by the time it is set, if its worker exited meanwhile:
 * the latch is then some other process's PGPROC latch, which only costs
 * that process a spurious wake-up, which every latch user tolerates.
 *
 * Lost wake-ups are prevented by the latch protocol on the sleeping side
 * (the worker resets its latch before it looks for work, worker.c), and
 * by the order on the waking side: the latch is set after the writer's
 * commit is visible and its locks released (source_writes.c), so the
 * pass the wake-up causes sees the rows and no writer in its way.
 *
 * The reports tell the launcher, which connects to no database and cannot
 * read pg_extension, where the extension is: a worker that found none
 * reports "absent" and the launcher stops starting workers there; CREATE
 * EXTENSION reports "created" at commit and wakes it.  An absent report
 * carries the creation epoch its worker read before looking, so that a
 * worker whose snapshot predates a concurrent CREATE EXTENSION cannot
 * undo the creation's report (see cq_wakeup_take_reports).  A database's
 * first worker also reports "present" when it finds the extension, so
 * that the launcher starts the others (cqstream.workers_per_database)
 * only where they have work.  When the list
 * is full the oldest reports are dropped and the launcher is told to look
 * at every database again, which only costs a short-lived worker each.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "port/atomics.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "storage/lwlock.h"
#include "storage/shmem.h"
#include "storage/spin.h"

#include "engine/assignment.h"
#include "engine/wakeup.h"
#include "engine/worker.h"

/* Reports kept for the launcher between two of its loops */
#define CQ_WAKEUP_MAX_REPORTS 64

/* Queries stopped by a worker's exit, kept for the next worker */
#define CQ_WAKEUP_MAX_STOPPED 256

typedef struct CqWorkerSlot
{
	Oid dboid; /* InvalidOid: free */
	Latch *latch;
	uint64 serves; /* wake-up bits of its queries (assignment.c) */
} CqWorkerSlot;

typedef struct CqExtensionReport
{
	Oid dboid;
	bool present;
	uint64 epoch; /* absent: the creation epoch read before looking */
} CqExtensionReport;

typedef struct CqStoppedQuery
{
	Oid dboid;
	int index; /* the worker's number in its database */
	Oid ext;   /* the extension then: ids restart with a new one */
	int32 query_id;
} CqStoppedQuery;

typedef struct CqWakeupShared
{
	slock_t mutex;
	Latch *launcher; /* NULL: no launcher running */
	uint64 epoch;	 /* CREATE EXTENSION reports so far */
	/*
	 * Committed changes of the queries' sources.  Atomic, not under the
	 * mutex: every transaction that wrote anything reads it after its
	 * commit (source_writes.c), which must not make the mutex a point
	 * of contention for a busy server's unrelated writes.
	 */
	pg_atomic_uint64 registry;
	bool lost; /* reports were dropped since the launcher's last look */
	int nreports;
	CqExtensionReport reports[CQ_WAKEUP_MAX_REPORTS];
	int nstopped;
	CqStoppedQuery stopped[CQ_WAKEUP_MAX_STOPPED];
	int nslots;
	CqWorkerSlot slots[FLEXIBLE_ARRAY_MEMBER];
} CqWakeupShared;

static CqWakeupShared *shared = NULL;
static int my_slot = -1;

static shmem_request_hook_type prev_shmem_request_hook = NULL;
static shmem_startup_hook_type prev_shmem_startup_hook = NULL;

static Size
SharedSize(void)
{
	return add_size(offsetof(CqWakeupShared, slots),
					mul_size(Max(cq_max_workers, 1), sizeof(CqWorkerSlot)));
}

static void
RequestShmem(void)
{
	if (prev_shmem_request_hook)
		prev_shmem_request_hook();
	RequestAddinShmemSpace(SharedSize());
}

static void
StartupShmem(void)
{
	bool found;

	if (prev_shmem_startup_hook)
		prev_shmem_startup_hook();
	LWLockAcquire(AddinShmemInitLock, LW_EXCLUSIVE);
	shared = ShmemInitStruct("cqstream wakeup", SharedSize(), &found);
	if (!found)
	{
		memset(shared, 0, SharedSize());
		SpinLockInit(&shared->mutex);
		pg_atomic_init_u64(&shared->registry, 0);
		shared->nslots = Max(cq_max_workers, 1);
	}
	LWLockRelease(AddinShmemInitLock);
}

void
cq_wakeup_shmem_init(void)
{
	prev_shmem_request_hook = shmem_request_hook;
	shmem_request_hook = RequestShmem;
	prev_shmem_startup_hook = shmem_startup_hook;
	shmem_startup_hook = StartupShmem;
}

/* on_shmem_exit: the worker's slot is free again */
static void
DetachWorker(int code, Datum arg)
{
	if (shared == NULL || my_slot < 0)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->slots[my_slot].dboid = InvalidOid;
	shared->slots[my_slot].latch = NULL;
	SpinLockRelease(&shared->mutex);
	my_slot = -1;
}

bool
cq_wakeup_attach_worker(void)
{
	if (shared == NULL || my_slot >= 0)
		return my_slot >= 0;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nslots; i++)
	{
		if (OidIsValid(shared->slots[i].dboid))
			continue;
		shared->slots[i].dboid = MyDatabaseId;
		shared->slots[i].latch = MyLatch;
		shared->slots[i].serves = CQ_WAKE_ALL;
		my_slot = i;
		break;
	}
	SpinLockRelease(&shared->mutex);
	if (my_slot >= 0)
		on_shmem_exit(DetachWorker, (Datum) 0);
	return my_slot >= 0;
}

void
cq_wakeup_worker_serves(uint64 bits)
{
	if (shared == NULL || my_slot < 0)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->slots[my_slot].serves = bits;
	SpinLockRelease(&shared->mutex);
}

uint64
cq_wakeup_registry_epoch(void)
{
	if (shared == NULL)
		return 0;
	/* After everything this process did before: its commit, its scan */
	pg_memory_barrier();
	return pg_atomic_read_u64(&shared->registry);
}

void
cq_wakeup_registry_changed(void)
{
	if (shared != NULL)
		(void) pg_atomic_fetch_add_u64(&shared->registry, 1);
}

void
cq_wakeup_workers(Oid dboid)
{
	cq_wakeup_workers_for(dboid, CQ_WAKE_ALL);
}

void
cq_wakeup_workers_for(Oid dboid, uint64 bits)
{
	Latch *latches[8];
	int n = 0;
	int start = 0;

	if (shared == NULL || bits == 0)
		return;
	/* In rounds of eight, so that nothing is allocated */
	while (start < shared->nslots)
	{
		int i;

		n = 0;
		SpinLockAcquire(&shared->mutex);
		for (i = start; i < shared->nslots && n < lengthof(latches); i++)
		{
			if (shared->slots[i].dboid == dboid &&
				shared->slots[i].latch != NULL &&
				(shared->slots[i].serves & bits) != 0)
				latches[n++] = shared->slots[i].latch;
		}
		SpinLockRelease(&shared->mutex);
		start = i;
		for (int j = 0; j < n; j++)
			SetLatch(latches[j]);
	}
}

/* on_shmem_exit: no launcher to wake */
static void
DetachLauncher(int code, Datum arg)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	if (shared->launcher == MyLatch)
		shared->launcher = NULL;
	SpinLockRelease(&shared->mutex);
}

void
cq_wakeup_attach_launcher(void)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->launcher = MyLatch;
	SpinLockRelease(&shared->mutex);
	on_shmem_exit(DetachLauncher, (Datum) 0);
}

uint64
cq_wakeup_extension_epoch(void)
{
	uint64 epoch;

	if (shared == NULL)
		return 0;
	SpinLockAcquire(&shared->mutex);
	epoch = shared->epoch;
	SpinLockRelease(&shared->mutex);
	return epoch;
}

/* Append a report; the caller holds the mutex */
static void
AddReport(Oid dboid, bool present, uint64 epoch)
{
	CqExtensionReport *r;

	if (shared->nreports == CQ_WAKEUP_MAX_REPORTS)
	{
		/* Forget them all: the launcher will look everywhere again */
		shared->nreports = 0;
		shared->lost = true;
	}
	r = &shared->reports[shared->nreports++];
	r->dboid = dboid;
	r->present = present;
	r->epoch = epoch;
}

void
cq_wakeup_report_absent(Oid dboid, uint64 epoch)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	AddReport(dboid, false, epoch);
	SpinLockRelease(&shared->mutex);
}

void
cq_wakeup_report_present(Oid dboid)
{
	Latch *launcher;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	AddReport(dboid, true, 0);
	launcher = shared->launcher;
	SpinLockRelease(&shared->mutex);
	if (launcher != NULL)
		SetLatch(launcher);
}

void
cq_wakeup_report_created(Oid dboid)
{
	Latch *launcher;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	shared->epoch++;
	AddReport(dboid, true, shared->epoch);
	launcher = shared->launcher;
	SpinLockRelease(&shared->mutex);
	if (launcher != NULL)
		SetLatch(launcher);
}

/*
 * An absent report is stale when a creation was reported after its
 * worker read the epoch: that creation may be one its snapshot missed.
 * Stale reports are dropped; the launcher then starts a worker, which
 * looks again.  A creation reported after this call comes later in the
 * list, so it is applied after any absent report taken here.
 */
void
cq_wakeup_take_reports(CqExtensionReportCb cb, void *arg)
{
	CqExtensionReport reports[CQ_WAKEUP_MAX_REPORTS];
	int n;
	uint64 epoch;
	bool lost;

	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	n = shared->nreports;
	memcpy(reports, shared->reports, n * sizeof(CqExtensionReport));
	shared->nreports = 0;
	epoch = shared->epoch;
	lost = shared->lost;
	shared->lost = false;
	SpinLockRelease(&shared->mutex);

	if (lost)
		cb(InvalidOid, true, arg);
	for (int i = 0; i < n; i++)
	{
		if (!reports[i].present && reports[i].epoch != epoch)
			continue;
		cb(reports[i].dboid, reports[i].present, arg);
	}
}

/*
 * NotesFor: whether worker number index takes the notes of worker number
 * noted: its own, and those of numbers no worker has any more
 * (cqstream.workers_per_database was lowered; their queries moved)
 */
static bool
NotesFor(int noted, int index)
{
	return noted == index || noted >= cq_workers_per_database;
}

void
cq_wakeup_note_stopped(int index, Oid ext, const int32 *ids, int n)
{
	if (shared == NULL)
		return;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < n; i++)
	{
		bool known = false;

		for (int j = 0; j < shared->nstopped && !known; j++)
			known = shared->stopped[j].dboid == MyDatabaseId &&
				shared->stopped[j].index == index &&
				shared->stopped[j].query_id == ids[i] &&
				shared->stopped[j].ext == ext;
		/* Full (256 queries stopped and not yet failed): it is stopped again */
		if (known || shared->nstopped == CQ_WAKEUP_MAX_STOPPED)
			continue;
		shared->stopped[shared->nstopped].dboid = MyDatabaseId;
		shared->stopped[shared->nstopped].index = index;
		shared->stopped[shared->nstopped].ext = ext;
		shared->stopped[shared->nstopped].query_id = ids[i];
		shared->nstopped++;
	}
	SpinLockRelease(&shared->mutex);
}

bool
cq_wakeup_stopped_waiting(int index)
{
	/* Read without the lock: notes are rare, and made before an exit */
	if (shared == NULL || shared->nstopped == 0)
		return false;
	for (int i = 0; i < shared->nstopped; i++)
		if (shared->stopped[i].dboid == MyDatabaseId &&
			NotesFor(shared->stopped[i].index, index))
			return true;
	return false;
}

int
cq_wakeup_take_stopped(int index, Oid ext, int32 *ids, int max)
{
	int n = 0;
	int kept = 0;

	if (!cq_wakeup_stopped_waiting(index))
		return 0;
	SpinLockAcquire(&shared->mutex);
	for (int i = 0; i < shared->nstopped; i++)
	{
		CqStoppedQuery *s = &shared->stopped[i];

		if (s->dboid != MyDatabaseId || !NotesFor(s->index, index) ||
			(s->ext == ext && n == max))
			shared->stopped[kept++] = *s;
		else if (s->ext == ext)
			ids[n++] = s->query_id;
		/* else: a note of a dropped extension's query, forgotten */
	}
	shared->nstopped = kept;
	SpinLockRelease(&shared->mutex);
	return n;
}
