/*-------------------------------------------------------------------------
 *
 * launcher.c
 *	  Settings of the continuous query engine, the launcher background
 *	  worker, and the utility hook that moves workers out of a database's
 *	  way (and tells source_writes.c of COPY and CREATE EXTENSION).
 *
 * Design notes
 *
 * The launcher connects to no database: like PostgreSQL's own logical
 * replication launcher it reads only the shared catalog pg_database, so it
 * never blocks DROP DATABASE or CREATE DATABASE ... TEMPLATE.  Every
 * CQ_LAUNCHER_INTERVAL_MS (and whenever one of its workers stops, through
 * bgw_notify_pid, or CREATE EXTENSION through its latch) it starts a
 * dynamic worker for each connectable, non-template database that has none
 * running, at most once per interval per database and worker number and
 * at most
 * cqstream.max_workers at a time.  A worker in a database without the
 * extension reports it (wakeup.c) and exits, and the launcher starts no
 * other there until CREATE EXTENSION cqstream reports the database and
 * sets the launcher's latch: no setting names a database, and a database
 * without the extension costs one short-lived worker per server start.
 * What the launcher knows is lost with it (after a crash it tries every
 * database once again).  Workers use BGW_NEVER_RESTART; the launcher
 * itself is restarted by the postmaster after a crash.
 *
 * A database gets cqstream.workers_per_database workers, numbered from 0
 * (the number travels in bgw_extra; assignment.c says which queries each
 * runs).  Worker 0 is started first; the others only once it has
 * reported finding the extension (wakeup.h), so that a database without
 * the extension still costs one short-lived worker, not N.  When the
 * setting changes (a reload, which the launcher and the workers all
 * receive) the launcher starts the missing numbers; those at or above the
 * new value exit by themselves between two passes, and the launcher
 * stops any left after CQ_SURPLUS_GRACE_MS; cqstream.max_workers bounds
 * the total.
 *
 * A worker stays connected to its database, and DROP DATABASE, ALTER
 * DATABASE ... RENAME / SET TABLESPACE and CREATE DATABASE ... TEMPLATE
 * fail (after waiting 5 s) while anyone is connected to the database they
 * name.  The utility hook therefore sends SIGTERM to our workers in that
 * database before the command runs; the command's own wait for other
 * backends then sees them gone.  The launcher restarts a worker later if
 * the database still exists.  The hook signals only for a caller who
 * passes the privilege checks the command itself will make (owner of the
 * database, CREATEDB where the command needs it, a template the caller
 * may copy) and only for the forms that need the database to itself
 * (ALTER DATABASE only with SET TABLESPACE): a command bound to fail on
 * privileges must not stop the engine on its way.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <signal.h>

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "access/tableam.h"
#include "access/xact.h"
#include "catalog/pg_database.h"
#include "commands/dbcommands.h"
#include "commands/extension.h"
#include "commands/defrem.h"
#include "miscadmin.h"
#include "nodes/parsenodes.h"
#include "pgstat.h"
#include "postmaster/bgworker.h"
#include "postmaster/interrupt.h"
#include "postmaster/postmaster.h"
#include "storage/ipc.h"
#include "storage/latch.h"
#include "tcop/utility.h"
#include "utils/acl.h"
#include "utils/backend_status.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"

#include "core/window.h"
#include "engine/access.h"
#include "engine/assignment.h"
#include "engine/explicit_ids.h"
#include "engine/owner.h"
#include "engine/registry.h"
#include "engine/isolation.h"
#include "engine/source_writes.h"
#include "engine/wakeup.h"
#include "engine/worker.h"

int cq_poll_interval = 1000;
int cq_batch_size = 100000;
int cq_max_windows_per_row = 1000;
double cq_notify_queue_limit = 0.5;
int cq_max_workers = 8;
int cq_workers_per_database = 1;

static ProcessUtility_hook_type prev_ProcessUtility = NULL;

/*
 * How long a worker beyond cqstream.workers_per_database may take to exit
 * by itself (after its current batch) before the launcher stops it
 */
#define CQ_SURPLUS_GRACE_MS 10000

/* One database the launcher knows about */
typedef struct CqLaunchedDb
{
	Oid dboid; /* hash key */
	/* By worker number; NULL: no worker running */
	BackgroundWorkerHandle *handles[CQ_MAX_WORKERS_PER_DATABASE];
	TimestampTz last_start[CQ_MAX_WORKERS_PER_DATABASE];
	/* When a worker beyond workers_per_database was first seen; 0: none */
	TimestampTz surplus_since[CQ_MAX_WORKERS_PER_DATABASE];
	bool seen;	  /* still in pg_database at the last scan */
	bool absent;  /* a worker found no extension there: start none */
	bool present; /* worker 0 found the extension: start the others */
} CqLaunchedDb;

static void CqProcessUtility(PlannedStmt *pstmt, const char *queryString,
							 bool readOnlyTree, ProcessUtilityContext context,
							 ParamListInfo params, QueryEnvironment *queryEnv,
							 DestReceiver *dest, QueryCompletion *qc);

/*
 * cq_worker_init: define the settings; when preloaded, register the
 * launcher.  Called once from _PG_init.
 */
void
cq_worker_init(void)
{
	BackgroundWorker worker;

	DefineCustomIntVariable("cqstream.poll_interval",
							"Longest time a cqstream worker sleeps before it looks for new source rows.",
							"Commits that wrote a source wake the worker at "
							"once; this only bounds the delay for writes "
							"that wake nobody (logical replication, a stale "
							"cache).",
							&cq_poll_interval, 1000, 1, 3600000, PGC_SIGHUP,
							GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("cqstream.batch_size",
							"Most source rows a query consumes in one transaction.",
							NULL, &cq_batch_size, 100000, 1, 10000000,
							PGC_SIGHUP, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("cqstream.query_timeout",
							"Longest time one batch of a continuous query may run.",
							"A batch that runs longer is cancelled and its "
							"query fails, so that the policies and functions "
							"of one owner cannot hold the other queries of "
							"the worker; 0 turns the limit off.",
							&cq_query_timeout, 10000, 0, INT_MAX, PGC_SIGHUP,
							GUC_UNIT_MS, NULL, NULL, NULL);
	DefineCustomIntVariable("cqstream.max_windows_per_row",
							"Most windows one row of a continuous query may fall in.",
							"A hopping window of size S and hop H puts each row "
							"in S / H windows; queries beyond this are refused "
							"when created, so one owner cannot multiply rows "
							"into unbounded work.",
							&cq_max_windows_per_row, 1000, 1,
							CQ_WINDOW_MAX_OVERLAP, PGC_SUSET, 0, NULL, NULL,
							NULL);
	DefineCustomRealVariable("cqstream.notify_queue_limit",
							 "Fraction of the notification queue above which the worker stops notifying.",
							 "Above it, results are logged and queries advance "
							 "without NOTIFY (counted in cqstream.queries), so "
							 "that a listener idle in a transaction cannot "
							 "stop the queries by filling the queue.",
							 &cq_notify_queue_limit, 0.5, 0.0, 1.0, PGC_SIGHUP,
							 0, NULL, NULL, NULL);
	DefineCustomIntVariable("cqstream.max_workers",
							"Most cqstream workers running at once, in all databases.",
							"Each worker also takes one of max_worker_processes.",
							&cq_max_workers, 8, 0, MAX_BACKENDS,
							PGC_POSTMASTER, 0, NULL, NULL, NULL);
	DefineCustomIntVariable("cqstream.workers_per_database",
							"Number of cqstream workers that share the queries of a database.",
							"A query runs on worker (query id mod 1024) mod "
							"this number; when it changes, the launcher "
							"starts or stops workers and queries move.",
							&cq_workers_per_database, 1, 1,
							CQ_MAX_WORKERS_PER_DATABASE, PGC_SIGHUP, 0, NULL,
							NULL, NULL);

	prev_ProcessUtility = ProcessUtility_hook;
	ProcessUtility_hook = CqProcessUtility;

	if (!process_shared_preload_libraries_in_progress)
		return;

	/* Without a worker there is nobody to wake */
	cq_wakeup_shmem_init();
	cq_source_writes_init();

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = 1;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "cqstream");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "cq_launcher_main");
	snprintf(worker.bgw_name, BGW_MAXLEN, CQ_LAUNCHER_TYPE);
	snprintf(worker.bgw_type, BGW_MAXLEN, CQ_LAUNCHER_TYPE);
	worker.bgw_main_arg = (Datum) 0;
	worker.bgw_notify_pid = 0;
	RegisterBackgroundWorker(&worker);
}

/* ForgetDatabase: a new entry knows nothing: no worker, none started */
static void
ForgetDatabase(CqLaunchedDb *entry)
{
	memset(entry->handles, 0, sizeof(entry->handles));
	memset(entry->last_start, 0, sizeof(entry->last_start));
	memset(entry->surplus_since, 0, sizeof(entry->surplus_since));
	entry->seen = false;
	entry->absent = false;
	entry->present = false;
}

/*
 * ScanDatabases: mark every database a worker may serve as seen in dbs,
 * adding entries for new ones.  Runs its own transaction.
 */
static void
ScanDatabases(HTAB *dbs)
{
	Relation rel;
	TableScanDesc scan;
	HeapTuple tup;

	StartTransactionCommand();
	(void) GetTransactionSnapshot();
	rel = table_open(DatabaseRelationId, AccessShareLock);
	scan = table_beginscan_catalog(rel, 0, NULL);
	while (HeapTupleIsValid(tup = heap_getnext(scan, ForwardScanDirection)))
	{
		Form_pg_database db = (Form_pg_database) GETSTRUCT(tup);
		CqLaunchedDb *entry;
		bool found;

		/* -2 marks a database left invalid by an interrupted DROP */
		if (!db->datallowconn || db->datistemplate || db->datconnlimit == -2)
			continue;
		entry = hash_search(dbs, &db->oid, HASH_ENTER, &found);
		if (!found)
			ForgetDatabase(entry);
		entry->seen = true;
	}
	table_endscan(scan);
	table_close(rel, AccessShareLock);
	CommitTransactionCommand();
}

/*
 * StartWorker: register worker number index of a database; false when no
 * background worker slot is free (max_worker_processes).
 */
static bool
StartWorker(CqLaunchedDb *entry, int index)
{
	BackgroundWorker worker;
	BackgroundWorkerHandle *handle;

	memset(&worker, 0, sizeof(worker));
	worker.bgw_flags = BGWORKER_SHMEM_ACCESS |
		BGWORKER_BACKEND_DATABASE_CONNECTION;
	worker.bgw_start_time = BgWorkerStart_RecoveryFinished;
	worker.bgw_restart_time = BGW_NEVER_RESTART;
	snprintf(worker.bgw_library_name, BGW_MAXLEN, "cqstream");
	snprintf(worker.bgw_function_name, BGW_MAXLEN, "cq_worker_main");
	/* Worker 0 keeps the name it had when it was the only one */
	if (index == 0)
		snprintf(worker.bgw_name, BGW_MAXLEN, CQ_WORKER_TYPE " %u",
				 entry->dboid);
	else
		snprintf(worker.bgw_name, BGW_MAXLEN, CQ_WORKER_TYPE " %u #%d",
				 entry->dboid, index);
	snprintf(worker.bgw_type, BGW_MAXLEN, CQ_WORKER_TYPE);
	worker.bgw_main_arg = ObjectIdGetDatum(entry->dboid);
	memcpy(worker.bgw_extra, &index, sizeof(index));
	worker.bgw_notify_pid = MyProcPid;

	MemoryContextSwitchTo(TopMemoryContext);
	if (!RegisterDynamicBackgroundWorker(&worker, &handle))
	{
		ereport(DEBUG1,
				(errmsg("cqstream launcher: no background worker slot for "
						"database %u",
						entry->dboid)));
		return false;
	}
	entry->handles[index] = handle;
	return true;
}

/*
 * LaunchWorkers: one pass of the launcher.  Forgets stopped workers,
 * stops those beyond cqstream.workers_per_database, starts missing ones
 * (worker 0 first; the others once it has found the extension), drops
 * entries of databases that are gone.
 */
static void
LaunchWorkers(HTAB *dbs)
{
	HASH_SEQ_STATUS seq;
	CqLaunchedDb *entry;
	TimestampTz now;
	int running = 0;

	hash_seq_init(&seq, dbs);
	while ((entry = hash_seq_search(&seq)) != NULL)
		entry->seen = false;
	ScanDatabases(dbs);

	/* Forget workers that have stopped, count the others */
	now = GetCurrentTimestamp();
	hash_seq_init(&seq, dbs);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		for (int i = 0; i < CQ_MAX_WORKERS_PER_DATABASE; i++)
		{
			pid_t pid;

			if (entry->handles[i] == NULL)
				continue;
			switch (GetBackgroundWorkerPid(entry->handles[i], &pid))
			{
				case BGWH_STARTED:
				case BGWH_NOT_YET_STARTED:
					running++;
					/*
					 * The setting went down.  The worker exits by itself
					 * at its reload, between two passes; one still there
					 * CQ_SURPLUS_GRACE_MS later is stopped (its batch
					 * rolls back and runs again on its new worker).
					 */
					if (i < cq_workers_per_database)
						entry->surplus_since[i] = 0;
					else if (entry->surplus_since[i] == 0)
						entry->surplus_since[i] = now;
					else if (TimestampDifferenceExceeds(entry->surplus_since[i],
														now,
														CQ_SURPLUS_GRACE_MS))
						TerminateBackgroundWorker(entry->handles[i]);
					break;
				case BGWH_STOPPED:
					pfree(entry->handles[i]);
					entry->handles[i] = NULL;
					entry->surplus_since[i] = 0;
					break;
				case BGWH_POSTMASTER_DIED:
					proc_exit(1);
			}
		}
	}

	hash_seq_init(&seq, dbs);
	while ((entry = hash_seq_search(&seq)) != NULL)
	{
		if (!entry->seen)
		{
			bool any = false;

			for (int i = 0; i < CQ_MAX_WORKERS_PER_DATABASE; i++)
				any = any || entry->handles[i] != NULL;
			if (!any)
				hash_search(dbs, &entry->dboid, HASH_REMOVE, NULL);
			continue;
		}
		if (entry->absent)
			continue;
		for (int i = 0; i < cq_workers_per_database; i++)
		{
			if (entry->handles[i] != NULL || running >= cq_max_workers ||
				(i > 0 && !entry->present) ||
				!TimestampDifferenceExceeds(entry->last_start[i], now,
											CQ_LAUNCHER_INTERVAL_MS))
				continue;
			entry->last_start[i] = now;
			if (!StartWorker(entry, i))
				break; /* no free slot: try again later */
			running++;
		}
	}
}

/*
 * TakeReport: what a worker or CREATE EXTENSION told us about the
 * extension in a database (wakeup.h); InvalidOid: in any database.
 */
static void
TakeReport(Oid dboid, bool present, void *arg)
{
	HTAB *dbs = (HTAB *) arg;
	CqLaunchedDb *entry;
	bool found;

	if (!OidIsValid(dboid))
	{
		HASH_SEQ_STATUS seq;

		/* Lost reports may have said "present": start them all */
		hash_seq_init(&seq, dbs);
		while ((entry = hash_seq_search(&seq)) != NULL)
		{
			entry->absent = false;
			entry->present = true;
		}
		return;
	}
	entry = hash_search(dbs, &dboid, HASH_ENTER, &found);
	if (!found)
		ForgetDatabase(entry);
	entry->absent = !present;
	entry->present = present;
	/* Created: start its workers now, not a launcher interval later */
	if (present)
		memset(entry->last_start, 0, sizeof(entry->last_start));
}

void
cq_launcher_main(Datum arg)
{
	HASHCTL ctl;
	HTAB *dbs;
	MemoryContext pass_cxt;

	pqsignal(SIGHUP, SignalHandlerForConfigReload);
	pqsignal(SIGTERM, die);
	BackgroundWorkerUnblockSignals();

	/* No database: only shared catalogs */
	BackgroundWorkerInitializeConnection(NULL, NULL, 0);

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(Oid);
	ctl.entrysize = sizeof(CqLaunchedDb);
	ctl.hcxt = TopMemoryContext;
	dbs = hash_create("cqstream launcher databases", 64, &ctl,
					  HASH_ELEM | HASH_BLOBS | HASH_CONTEXT);
	pass_cxt = AllocSetContextCreate(TopMemoryContext, "cqstream launcher",
									 ALLOCSET_DEFAULT_SIZES);
	cq_wakeup_attach_launcher();

	for (;;)
	{
		MemoryContext old;

		CHECK_FOR_INTERRUPTS();
		if (ConfigReloadPending)
		{
			ConfigReloadPending = false;
			ProcessConfigFile(PGC_SIGHUP);
		}

		old = MemoryContextSwitchTo(pass_cxt);
		cq_wakeup_take_reports(TakeReport, dbs);
		LaunchWorkers(dbs);
		MemoryContextSwitchTo(old);
		MemoryContextReset(pass_cxt);

		(void) WaitLatch(MyLatch,
						 WL_LATCH_SET | WL_TIMEOUT | WL_EXIT_ON_PM_DEATH,
						 CQ_LAUNCHER_INTERVAL_MS, PG_WAIT_EXTENSION);
		ResetLatch(MyLatch);
	}
}

/*
 * TerminateWorkersIn: send SIGTERM to the cqstream workers connected to
 * database dboid.  Backends are found through the backend status array,
 * whose local snapshot is refreshed first.
 */
static void
TerminateWorkersIn(Oid dboid)
{
	int n;

	if (!OidIsValid(dboid))
		return;
	pgstat_clear_backend_activity_snapshot();
	n = pgstat_fetch_stat_numbackends();
	for (int i = 1; i <= n; i++)
	{
		LocalPgBackendStatus *local = pgstat_fetch_stat_local_beentry(i);
		PgBackendStatus *be;
		const char *type;

		if (local == NULL)
			continue;
		be = &local->backendStatus;
		if (be->st_backendType != B_BG_WORKER || be->st_databaseid != dboid)
			continue;
		type = GetBackgroundWorkerTypeByPid(be->st_procpid);
		if (type != NULL && strcmp(type, CQ_WORKER_TYPE) == 0)
			(void) kill(be->st_procpid, SIGTERM);
	}
	pgstat_clear_backend_activity_snapshot();
}

/*
 * ForgetReaders: before DROP ROLE, take the roles out of the read grants
 * of this database's queries (when the extension is installed here).
 */
static void
ForgetReaders(DropRoleStmt *stmt)
{
	List *roles = NIL;
	ListCell *lc;

	if (!OidIsValid(get_extension_oid("cqstream", true)))
		return;
	foreach(lc, stmt->roles)
	{
		RoleSpec *spec = lfirst(lc);
		Oid role;

		if (spec->roletype != ROLESPEC_CSTRING)
			continue;
		role = get_role_oid(spec->rolename, true);
		if (OidIsValid(role))
			roles = lappend_oid(roles, role);
	}
	if (roles != NIL)
		cq_access_forget_roles(roles);
}

/*
 * MayClearDatabase: the database a command needs to itself, when the
 * calling user passes the privilege checks the command will make;
 * InvalidOid otherwise.  PostgreSQL repeats the checks (and reports their
 * failure) when the command runs: these only decide whether to signal.
 */
static Oid
MayClearDatabase(Node *stmt)
{
	const char *dbname = NULL;
	bool need_createdb = false;
	bool template_ok = false;
	Oid dboid;

	if (IsA(stmt, DropdbStmt))
		dbname = ((DropdbStmt *) stmt)->dbname;
	else if (IsA(stmt, RenameStmt) &&
			 ((RenameStmt *) stmt)->renameType == OBJECT_DATABASE)
	{
		dbname = ((RenameStmt *) stmt)->subname;
		need_createdb = true;
	}
	else if (IsA(stmt, AlterDatabaseStmt))
	{
		ListCell *lc;

		/* Only SET TABLESPACE needs the database to itself */
		foreach(lc, ((AlterDatabaseStmt *) stmt)->options)
		{
			DefElem *def = lfirst_node(DefElem, lc);

			if (strcmp(def->defname, "tablespace") == 0)
				dbname = ((AlterDatabaseStmt *) stmt)->dbname;
		}
	}
	else if (IsA(stmt, CreatedbStmt))
	{
		ListCell *lc;

		foreach(lc, ((CreatedbStmt *) stmt)->options)
		{
			DefElem *def = lfirst_node(DefElem, lc);

			if (strcmp(def->defname, "template") == 0 && def->arg != NULL)
				dbname = defGetString(def);
		}
		need_createdb = true;
		template_ok = true;
	}
	if (dbname == NULL)
		return InvalidOid;
	dboid = get_database_oid(dbname, true);
	if (!OidIsValid(dboid))
		return InvalidOid;
	if (need_createdb && !have_createdb_privilege())
		return InvalidOid;
	if (pg_database_ownercheck(dboid, GetUserId()))
		return dboid;
	if (template_ok)
	{
		/* anyone with CREATEDB may copy a database marked as a template */
		HeapTuple tup = SearchSysCache1(DATABASEOID, ObjectIdGetDatum(dboid));
		bool is_template = false;

		if (HeapTupleIsValid(tup))
		{
			is_template = ((Form_pg_database) GETSTRUCT(tup))->datistemplate;
			ReleaseSysCache(tup);
		}
		if (is_template)
			return dboid;
	}
	return InvalidOid;
}

/*
 * CqProcessUtility: before a command that needs a database to itself,
 * move our workers out of it (see the header comment), then run it; and
 * keep the queries' owners existing roles (owner.c).
 */
static void
CqProcessUtility(PlannedStmt *pstmt, const char *queryString,
				 bool readOnlyTree, ProcessUtilityContext context,
				 ParamListInfo params, QueryEnvironment *queryEnv,
				 DestReceiver *dest, QueryCompletion *qc)
{
	Node *stmt = pstmt->utilityStmt;

	TerminateWorkersIn(MayClearDatabase(stmt));
	/* Roles that own queries (owner.c) or read them (access.c) */
	if (IsA(stmt, DropRoleStmt))
	{
		cq_owner_check_drop_role((DropRoleStmt *) stmt);
		ForgetReaders((DropRoleStmt *) stmt);
	}

	/* COPY FROM giving ids to a source checks them (explicit_ids.c) */
	if (IsA(stmt, CopyStmt))
		pstmt = cq_explicit_ids_copy(pstmt);

	if (prev_ProcessUtility)
		prev_ProcessUtility(pstmt, queryString, readOnlyTree, context, params,
							queryEnv, dest, qc);
	else
		standard_ProcessUtility(pstmt, queryString, readOnlyTree, context,
								params, queryEnv, dest, qc);

	/* COPY FROM into a source, CREATE EXTENSION: wake at commit */
	cq_source_writes_after_utility(stmt);

	if (IsA(stmt, DropOwnedStmt) || IsA(stmt, ReassignOwnedStmt))
		cq_owner_after_owned(stmt);
}
