/*-------------------------------------------------------------------------
 *
 * replication_check.c
 *	  A warning when the results log is replicated asynchronously.
 *
 * Design notes
 *
 * A result's id is its place in its query's log.  With synchronous
 * replication a batch's commit returns only once a synchronous standby
 * has its WAL, and the relay reads only committed results, so everything
 * a client can have received is on that standby: after a failover the
 * engine there continues from the same progress, with no result lost or
 * repeated and no id given to another result (the failover suite checks
 * it).  With asynchronous replication the standby may be behind: a client
 * may have received results the new primary never had, and the engine
 * there hands out the same ids again, to the rows it does have.
 *
 * cqstream does not put an epoch into its ids (that would change the id
 * contract every client relies on); it warns instead.  Every 10 s the
 * worker looks whether a WAL sender streams from this server while its
 * own commits do not wait for a standby (synchronous_standby_names empty,
 * or synchronous_commit below remote_write), and says so once when that
 * starts and then once an hour while it lasts.  A logical replication
 * subscriber also has a WAL sender; PostgreSQL 15 does not tell them
 * apart, so the message names both.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "replication/syncrep.h"
#include "replication/walsender.h"
#include "replication/walsender_private.h"
#include "storage/spin.h"
#include "utils/timestamp.h"

#include "engine/replication_check.h"

#define CHECK_INTERVAL_MS  (10 * 1000)
#define REPEAT_INTERVAL_MS (60 * 60 * 1000)

/* Whether a WAL sender streams to a standby (or a subscriber) now */
static bool
AnyStreaming(void)
{
	if (WalSndCtl == NULL)
		return false;
	for (int i = 0; i < max_wal_senders; i++)
	{
		WalSnd *w = &WalSndCtl->walsnds[i];
		pid_t pid;
		WalSndState state;

		SpinLockAcquire(&w->mutex);
		pid = w->pid;
		state = w->state;
		SpinLockRelease(&w->mutex);
		if (pid != 0 && state == WALSNDSTATE_STREAMING)
			return true;
	}
	return false;
}

void
cq_replication_check(void)
{
	static TimestampTz last_check = 0;
	static TimestampTz last_warning = 0;
	TimestampTz now = GetCurrentTimestamp();
	bool waits;

	if (last_check != 0 &&
		!TimestampDifferenceExceeds(last_check, now, CHECK_INTERVAL_MS))
		return;
	last_check = now;
	waits = SyncRepStandbyNames != NULL && SyncRepStandbyNames[0] != '\0' &&
		synchronous_commit >= SYNCHRONOUS_COMMIT_REMOTE_WRITE;
	if (waits || !AnyStreaming())
	{
		last_warning = 0; /* warn again as soon as it starts again */
		return;
	}
	if (last_warning != 0 &&
		!TimestampDifferenceExceeds(last_warning, now, REPEAT_INTERVAL_MS))
		return;
	last_warning = now;
	ereport(WARNING,
			(errmsg("cqstream: results are replicated asynchronously"),
			 errdetail("A standby (or a logical replication subscriber) "
					   "streams from this server, but the worker's commits "
					   "do not wait for a standby.  After a failover to an "
					   "asynchronous standby, clients may have received "
					   "results the new primary never had, and it gives "
					   "their ids to other results."),
			 errhint("Replicate synchronously: set "
					 "synchronous_standby_names (pg_auto_failover does) and "
					 "keep synchronous_commit at on, remote_write or "
					 "remote_apply.")));
}
