/*-------------------------------------------------------------------------
 *
 * batch_shared.c
 *	  The read and the end of one or several begun batches: queries over
 *	  the same source share one read of it.
 *
 * Design notes
 *
 * With many queries over one source (the shape of telemetry: several
 * transforms and windows over the same readings), reading the source
 * was a quarter of each query's batch, done once per query.  Queries
 * that read the same rows (cq_source_shareable: same source, id column,
 * owner, progress and bound, none limited to one key) are begun
 * together, read once, each row passed to each in turn, and ended in
 * turn.  The read takes the smallest of their limits, so each query
 * gets at most the rows it asked for, and all of them advance to the
 * same id.  Where it runs, and what happens when one of them fails, is
 * isolation.c's part.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "engine/batch.h"

void
cq_batch_run(CqBatch *batches, int n, const char *source, bool *more)
{
	const CqQuery *q = batches[0].member.q;
	int64 limit = batches[0].limit;
	uint64 nrows = 0;

	for (int i = 1; i < n; i++)
		limit = Min(limit, batches[i].limit);
	/* Nothing new: only an aggregate's idle flush brought it here */
	if (q->bound > q->state.last_source_id)
	{
		CqSourceMember *members = palloc(sizeof(CqSourceMember) * n);

		for (int i = 0; i < n; i++)
			memcpy(&members[i], &batches[i].member, sizeof(CqSourceMember));
		nrows = cq_source_read_group(members, n, source, limit);
		pfree(members);
	}
	for (int i = 0; i < n; i++)
		batches[i].end(&batches[i], nrows, limit, more);
}
