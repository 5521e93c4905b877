/*-------------------------------------------------------------------------
 *
 * assignment.c
 *	  Several workers per database: which worker runs which query, and
 *	  the per-query lock that keeps two workers from running one query.
 *
 * Design notes
 *
 * The rule.  cqstream.workers_per_database = N workers serve a database,
 * numbered 0 ... N-1 by the launcher.  A query's slot is its id mod
 * CQ_QUERY_SLOTS, and the slot belongs to worker (slot mod N).  Query ids
 * come from a serial, so consecutive queries go to consecutive workers
 * (ids 1 and 2 run on two workers when N = 2) and the spread is even
 * for any N; the rule needs no shared table, no coordination and no
 * catalog column: every worker computes it from its number and the
 * setting, and it changes only when N does.  It balances the number of
 * queries, not their cost: two heavy queries whose ids differ by a
 * multiple of N share a worker (dropping and creating one again moves it).
 * A consistent hash would move fewer queries when N changes; changes of
 * N are rare, and a move costs one pass, so the plain modulus is kept.
 *
 * The lock.  The rule alone cannot keep a query from running twice: the
 * workers read the new setting at different moments after a reload, and
 * a worker may be mid-batch when its query moves.  So a worker runs a
 * query only while it holds the session advisory lock of the query's
 * slot (database, "cqst", slot, field 4 = 4: no SQL function takes
 * advisory locks with that last field, so no session can take these, nor
 * be confused with pg_advisory_lock's keys).  It is taken without
 * waiting: a slot still held by its former worker is skipped (CQ_CLAIM_
 * BUSY) and tried again after a short wait or when that worker, having
 * released it, wakes the database's workers.  It is released only between
 * passes, after the commit of everything done under it, when the slot
 * is no longer the worker's or no runnable query uses it, and with the
 * process at its exit (also kill -9: the postmaster's crash restart
 * clears every lock).
 *
 * Why a session advisory lock and not a row lock on query_state (SELECT
 * ... FOR UPDATE in each query's subtransaction): a row lock writes the
 * tuple and WAL in every pass of every query, and lasts only for the
 * pass, so the freshness of the state it protects would need another
 * read each time.  The session lock costs nothing while it is held (one
 * lookup in the backend's own lock table per query and pass), and the
 * freshness problem arises only once, when it is taken: the pass that
 * took it listed the query with a snapshot older than the lock, possibly
 * older than the former holder's last commit.  Such a query is therefore
 * not run in that pass (CQ_CLAIM_TAKEN) but in the next one, started at
 * once, whose snapshot follows the lock.  Progress updates also check
 * the progress they started from (catalog.c), a second guard.  Slots
 * bound the locks to CQ_QUERY_SLOTS per database in PostgreSQL's shared
 * lock table, however many queries there are; two queries of one slot
 * share a worker and a lock, which is harmless.
 *
 * Wake-up bits.  A commit that wrote a source wakes only the workers that
 * run a query of it (source_writes.c, wakeup.c).  Both sides speak of a
 * query by one bit, its slot mod 64 (CQ_WAKE_BITS): a writer ORs the bits
 * of the queries of the sources it wrote, a worker publishes the bits of
 * the slots it serves, and a worker is woken when they meet.  The bit
 * names the worker exactly when N divides 64 (slot mod N = bit mod N);
 * for other N a worker serves every bit, woken by every source write as
 * before.  The bits a worker publishes follow its own reading of the
 * setting, the one its passes use; it publishes them again after each
 * reload, before the pass that follows.  A writer that read the older
 * bits and so woke nobody committed before that publication, and the
 * pass after it sees the rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "storage/lock.h"

#include "engine/assignment.h"
#include "engine/worker.h"

/* The lock of a slot: (database, "cqst", slot, CQ_QUERY_LOCK_FIELD4) */
#define CQ_QUERY_LOCK_KEY1	 0x63717374
#define CQ_QUERY_LOCK_FIELD4 4

static int my_index = 0;

/* Slots whose lock this session holds, and those the last passes used */
static bool held[CQ_QUERY_SLOTS];
static bool used[CQ_QUERY_SLOTS];

static void
SlotTag(LOCKTAG *tag, int slot)
{
	SET_LOCKTAG_ADVISORY(*tag, MyDatabaseId, CQ_QUERY_LOCK_KEY1, (uint32) slot,
						 CQ_QUERY_LOCK_FIELD4);
}

static int
SlotOf(int32 query_id)
{
	return (int) ((uint32) query_id % CQ_QUERY_SLOTS);
}

static bool
SlotIsMine(int slot)
{
	return slot % Max(cq_workers_per_database, 1) == my_index;
}

void
cq_assignment_start(int index)
{
	my_index = index;
}

int
cq_assignment_index(void)
{
	return my_index;
}

bool
cq_assignment_wanted(void)
{
	return my_index < cq_workers_per_database;
}

bool
cq_assignment_mine(int32 query_id)
{
	return SlotIsMine(SlotOf(query_id));
}

CqClaim
cq_assignment_claim(int32 query_id)
{
	int slot = SlotOf(query_id);
	LOCKTAG tag;

	used[slot] = true;
	if (held[slot])
		return CQ_CLAIM_HELD;
	SlotTag(&tag, slot);
	if (LockAcquire(&tag, ExclusiveLock, true, true) == LOCKACQUIRE_NOT_AVAIL)
		return CQ_CLAIM_BUSY;
	held[slot] = true;
	return CQ_CLAIM_TAKEN;
}

uint64
cq_assignment_wake_bit(int32 query_id)
{
	return UINT64CONST(1) << (SlotOf(query_id) % CQ_WAKE_BITS);
}

uint64
cq_assignment_wake_bits(void)
{
	int n = Max(cq_workers_per_database, 1);
	uint64 bits = 0;

	/* A worker about to exit, or a rule the bits cannot express */
	if (my_index >= n || CQ_WAKE_BITS % n != 0)
		return CQ_WAKE_ALL;
	for (int bit = my_index; bit < CQ_WAKE_BITS; bit += n)
		bits |= UINT64CONST(1) << bit;
	return bits;
}

bool
cq_assignment_release(bool after_full_pass)
{
	bool released = false;

	for (int slot = 0; slot < CQ_QUERY_SLOTS; slot++)
	{
		LOCKTAG tag;

		if (held[slot] &&
			(!SlotIsMine(slot) || (after_full_pass && !used[slot])))
		{
			SlotTag(&tag, slot);
			(void) LockRelease(&tag, ExclusiveLock, true);
			held[slot] = false;
			released = true;
		}
		if (after_full_pass)
			used[slot] = false;
	}
	return released;
}
