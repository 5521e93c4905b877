/*-------------------------------------------------------------------------
 *
 * wakeup.h
 *	  Waking the engine's processes: the latches of the workers and of the
 *	  launcher, published in shared memory, and what the launcher is told
 *	  about the extension coming and going in a database (wakeup.c).
 *
 * Design notes
 *
 * Who wakes whom: a backend whose transaction wrote a source table sets,
 * after commit, the latch of each worker of its database that runs a
 * query of that source (source_writes.c); a backend that ran CREATE
 * EXTENSION cqstream reports the database to the launcher and sets its latch; a worker that finds no extension in its
 * database reports that before it exits, so that the launcher does not
 * start it again until CREATE EXTENSION.  Everything here is a no-op when
 * the library was not preloaded (no shared memory, and no worker either).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WAKEUP_H
#define CQSTREAM_WAKEUP_H

#include "postgres.h"

/* Called by _PG_init while preloading: asks for the shared memory */
extern void cq_wakeup_shmem_init(void);

/*
 * A worker publishes its latch for its database (MyDatabaseId); it is
 * withdrawn when the process exits.  Returns false when every slot is
 * taken (the worker then relies on cqstream.poll_interval alone).
 */
extern bool cq_wakeup_attach_worker(void);

/*
 * Set the latch of every worker of database dboid (all of its
 * cqstream.workers_per_database workers, whichever queries they run);
 * never errors
 */
extern void cq_wakeup_workers(Oid dboid);

/*
 * Set the latch of the workers of dboid that serve one of the queries
 * whose wake-up bits (assignment.c) are in bits; never errors
 */
extern void cq_wakeup_workers_for(Oid dboid, uint64 bits);

/*
 * The registry's epoch: a counter that every committed creation or
 * removal of a query moves, after the commit and before it wakes the
 * workers.  A writer reads it before it reads the list of sources, and
 * again after its own commit: if it moved, the list it used may lack a
 * query of what it wrote, and it wakes every worker (source_writes.c).
 */
extern uint64 cq_wakeup_registry_epoch(void);
extern void cq_wakeup_registry_changed(void);

/*
 * A worker publishes the wake-up bits of the queries it serves, after it
 * attached and after each reload of the configuration, before its next
 * pass (until the first call: every bit)
 */
extern void cq_wakeup_worker_serves(uint64 bits);

/* The launcher publishes its latch; withdrawn when it exits */
extern void cq_wakeup_attach_launcher(void);

/*
 * The extension in a database, as the launcher learns of it.
 *
 * cq_wakeup_extension_epoch: a counter that every reported CREATE
 * EXTENSION moves; a worker reads it before it looks for the extension.
 * cq_wakeup_report_absent: that worker found no extension in dboid, having
 * read epoch first; the launcher ignores the report if a creation was
 * reported since (the worker's snapshot may predate it).
 * cq_wakeup_report_created: CREATE EXTENSION committed in dboid; wakes the
 * launcher.
 * cq_wakeup_report_present: the first worker of dboid found the extension
 * there; wakes the launcher, which then starts the database's other
 * workers (cqstream.workers_per_database).
 */
extern uint64 cq_wakeup_extension_epoch(void);
extern void cq_wakeup_report_absent(Oid dboid, uint64 epoch);
extern void cq_wakeup_report_created(Oid dboid);
extern void cq_wakeup_report_present(Oid dboid);

/*
 * The launcher takes the reports made since its last call, in order:
 * cb(dboid, present, arg) for each report still valid.  When reports
 * were lost (too many at once), first cb(InvalidOid, true, arg): the
 * extension may now be in any database.
 */
typedef void (*CqExtensionReportCb)(Oid dboid, bool present, void *arg);
extern void cq_wakeup_take_reports(CqExtensionReportCb cb, void *arg);

/*
 * Queries whose batch worker number index of this database could stop
 * only by exiting (isolation.c): cq_wakeup_note_stopped records them on
 * the way out, with the extension's OID (at most 256 notes in all; a
 * query noted when they are full is stopped again later), and the next
 * worker with that number (or any worker of the database, for a number
 * beyond cqstream.workers_per_database) takes those of the same
 * extension (at most max, into ids; their number), forgets those of
 * another, and fails the queries.  cq_wakeup_stopped_waiting: whether a note is waiting for
 * worker number index of this database, read without the lock.
 */
extern void cq_wakeup_note_stopped(int index, Oid ext, const int32 *ids,
								   int n);
extern bool cq_wakeup_stopped_waiting(int index);
extern int cq_wakeup_take_stopped(int index, Oid ext, int32 *ids, int max);

#endif /* CQSTREAM_WAKEUP_H */
