/*-------------------------------------------------------------------------
 *
 * worker.h
 *	  The background processes of the continuous query engine: the
 *	  launcher (launcher.c) and one worker per database (worker.c, which
 *	  runs each query through isolation.c and batch.h).
 *
 * Design notes
 *
 * The launcher is a static background worker, registered by _PG_init only
 * when the library is preloaded.  It connects to no database (like the
 * autovacuum launcher it reads only the shared catalog pg_database) and
 * starts one dynamic worker per connectable database.  A worker checks
 * whether its database has the extension and, when it has not, says so
 * (wakeup.h) and exits; the launcher then starts none there until CREATE
 * EXTENSION cqstream in that database wakes it, so no setting names a
 * database and a database without the extension costs nothing.  Workers
 * are never restarted by the postmaster: the launcher does it.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WORKER_H
#define CQSTREAM_WORKER_H

#include "postgres.h"

/*
 * How often the launcher looks at pg_database (for new databases), and
 * at most how often it starts a worker in one database
 */
#define CQ_LAUNCHER_INTERVAL_MS 1000

/* Backend types shown in pg_stat_activity */
#define CQ_LAUNCHER_TYPE "cqstream launcher"
#define CQ_WORKER_TYPE	 "cqstream worker"

/* Settings (launcher.c) */
extern int cq_poll_interval;
extern int cq_batch_size;
extern int cq_max_windows_per_row;
extern double cq_notify_queue_limit;
extern int cq_max_workers;
extern int cq_workers_per_database;

/* Called by _PG_init: settings, launcher, utility hook */
extern void cq_worker_init(void);

/* Entry points named in BackgroundWorker.bgw_function_name */
extern PGDLLEXPORT void cq_launcher_main(Datum arg);
extern PGDLLEXPORT void cq_worker_main(Datum arg);

#endif /* CQSTREAM_WORKER_H */
