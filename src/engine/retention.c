/*-------------------------------------------------------------------------
 *
 * retention.c
 *	  Trimming the results log to each query's retention (options
 *	  retention_rows and retention_age, docs/engine.md).
 *
 * Design notes
 *
 * Every CQ_RETENTION_INTERVAL_MS the worker trims the log in a
 * transaction of its own, with two set-based statements over all
 * queries, each a key-range delete per query planned to walk the
 * primary key.  A count limit deletes the blocks before the bound and
 * rewrites the one it cuts through (exactly the newest N results stay);
 * an age limit deletes whole blocks (a block's results share created,
 * the batch's transaction start).  Both are prepared once per process
 * (an idle worker runs them every 10 s).  The statements name the catalog's
 * columns (the options, last_result_seq) in SQL, for all queries at
 * once; catalog.c reads and writes single rows.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/xact.h"
#include "executor/spi.h"
#include "pgstat.h"
#include "utils/guc.h"
#include "utils/snapmgr.h"

#include "contract.h"
#include "engine/retention.h"

/* The result id factor as SQL text */
#define RESULT_ID_FACTOR_SQL CppAsString2(CQ_RESULT_ID_FACTOR)

/*
 * retention_rows.  The bounds are computed once per query (MATERIALIZED:
 * a pulled-up subquery would be evaluated for every block), then each
 * DELETE is a range of the primary key.  The blocks before the bound are
 * deleted and the one the bound cuts through is rewritten with its
 * results after it (the delete runs first, so the rewritten block may
 * take its key); the queries are key-share locked, so that a concurrent
 * drop_query waits rather than cascade past the rewritten block.  Queries
 * whose row an open transaction holds (drop_query, pause_query,
 * resume_query) are skipped until the next trim, not waited for: an
 * owner's open transaction would otherwise hold the worker.
 */
static const char trim_rows_sql[] =
	"WITH u AS MATERIALIZED ("
	" SELECT q.id, q.id::int8 * " RESULT_ID_FACTOR_SQL " + s.last_result_seq"
	" - (q.options->>'retention_rows')::int8 AS upto"
	" FROM cqstream.query q"
	" JOIN cqstream.query_state s ON s.query_id = q.id"
	" WHERE (q.options->>'retention_rows')::int8 > 0"
	" FOR KEY SHARE OF q SKIP LOCKED),"
	" t AS MATERIALIZED (SELECT u.id, u.upto,"
	" coalesce((SELECT x.last_id FROM cqstream.result_block x"
	" WHERE x.query_id = u.id AND x.last_id > u.upto"
	" ORDER BY x.last_id LIMIT 1), u.upto) AS cut_last FROM u),"
	" cut AS (DELETE FROM cqstream.result_block r USING t"
	" WHERE r.query_id = t.id AND r.last_id <= t.cut_last"
	" AND r.first_id <= t.upto"
	" RETURNING r.*, t.upto)"
	" INSERT INTO cqstream.result_block"
	" (query_id, first_id, last_id, created, payloads)"
	" SELECT c.query_id, c.upto + 1, c.last_id, c.created,"
	" (SELECT '[' || string_agg(e.p::text, ',' ORDER BY e.n) || ']'"
	" FROM json_array_elements(c.payloads::json)"
	" WITH ORDINALITY e(p, n)"
	" WHERE c.first_id + e.n - 1 > c.upto)"
	" FROM cut c WHERE c.last_id > c.upto";

/*
 * retention_age.  Blocks are created in id order, so the first one young
 * enough to keep is found by walking the key from the oldest.
 */
static const char trim_age_sql[] =
	"WITH t AS MATERIALIZED ("
	" SELECT q.id, coalesce((SELECT x.first_id"
	" FROM cqstream.result_block x"
	" WHERE x.query_id = q.id AND x.created >= pg_catalog.now()"
	" - LEAST((q.options->>'retention_age')::pg_catalog.interval,"
	" '100 years'::pg_catalog.interval)"
	" ORDER BY x.last_id LIMIT 1), 9223372036854775807) AS keep_from"
	" FROM cqstream.query q"
	" WHERE q.options->>'retention_age' IS NOT NULL"
	" FOR KEY SHARE OF q SKIP LOCKED)"
	" DELETE FROM cqstream.result_block r USING t"
	" WHERE r.query_id = t.id AND r.last_id < t.keep_from";

/* Prepared once per process, as the worker's query list (catalog.c) */
static SPIPlanPtr trim_rows_plan = NULL;
static SPIPlanPtr trim_age_plan = NULL;

static SPIPlanPtr
KeptPlan(const char *sql)
{
	SPIPlanPtr plan = SPI_prepare(sql, 0, NULL);

	if (plan == NULL || SPI_keepplan(plan) != 0)
		elog(ERROR, "cqstream: cannot prepare the retention statements");
	return plan;
}

void
cq_retention_trim(void)
{
	int gucnest;

	SetCurrentStatementStartTimestamp();
	StartTransactionCommand();
	SPI_connect();
	PushActiveSnapshot(GetTransactionSnapshot());
	pgstat_report_activity(STATE_RUNNING, "cqstream: retention");
	/*
	 * Walk the primary key, never the whole log: the log is mostly
	 * results to keep and dead space, and the planner, which has no
	 * statistics on the newest results, would rather scan it all.  No JIT
	 * for these small statements (the penalty would trigger it).
	 */
	gucnest = NewGUCNestLevel();
	(void) set_config_option("enable_seqscan", "off", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	if (trim_rows_plan == NULL)
		trim_rows_plan = KeptPlan(trim_rows_sql);
	if (trim_age_plan == NULL)
		trim_age_plan = KeptPlan(trim_age_sql);
	if (SPI_execute_plan(trim_rows_plan, NULL, NULL, false, 0) !=
			SPI_OK_INSERT ||
		SPI_execute_plan(trim_age_plan, NULL, NULL, false, 0) != SPI_OK_DELETE)
		elog(ERROR, "cqstream: cannot trim the results log");
	AtEOXact_GUC(true, gucnest);
	SPI_finish();
	PopActiveSnapshot();
	CommitTransactionCommand();
	pgstat_report_stat(false);
	pgstat_report_activity(STATE_IDLE, NULL);
}
