/*-------------------------------------------------------------------------
 *
 * source_read.c
 *	  Reading a query's new source rows.
 *
 * Design notes
 *
 * One statement reads the rows after the query's progress and up to the
 * safe bound (capture.c), in id order, planned to walk the id index
 * (enable_sort = off for that statement, jit = off), with a fresh
 * snapshot taken after the safe-bound check.  Its rows go to the caller's
 * function one at a time from the executor (a DestReceiver), never copied
 * into an SPI tuple table: forming and copying the tuples of a cursor's
 * chunks cost a fifth of an aggregate's batch.
 *
 * The source is read as the query's owner, in a security-restricted
 * operation, so grants and row-level security hold and nothing the owner
 * controls (policies, functions on its columns) runs with more rights;
 * with session_replication_role = origin (the worker's own writes run as
 * a replica); and every setting the owner's code changes is rolled back
 * when the read ends, so it cannot reach the next owner's query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/pg_operator.h"
#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "commands/trigger.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "nodes/params.h"
#include "tcop/dest.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/hsearch.h"
#include "utils/lsyscache.h"
#include "utils/memutils.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "engine/source_read.h"

char *
cq_source_name(const CqQuery *q)
{
	char *rel = get_rel_name(q->def.source);
	char *nsp;

	if (rel == NULL ||
		(nsp = get_namespace_name(get_rel_namespace(q->def.source))) == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("source table of query \"%s\" does not exist",
						q->def.name)));
	return quote_qualified_identifier(nsp, rel);
}

typedef struct SourceReceiver
{
	DestReceiver pub;
	CqSourceMember *members;
	int nmembers;
	uint64 nrows;
} SourceReceiver;

/*
 * SourceReceive: one row to each member.  A member whose columns are the
 * row's own (a read for one query) gets the executor's slot; the others
 * a slot of their own pointing at the row's values (by-reference values
 * stay the executor's, valid during the call).
 */
static bool
SourceReceive(TupleTableSlot *slot, DestReceiver *self)
{
	SourceReceiver *r = (SourceReceiver *) self;

	slot_getallattrs(slot);
	r->nrows++;
	for (int i = 0; i < r->nmembers; i++)
	{
		CqSourceMember *m = &r->members[i];

		if (m->identity)
		{
			m->fn(m->arg, slot);
			continue;
		}
		for (int c = 0; c < m->ncols; c++)
		{
			m->values[c] = slot->tts_values[m->cols[c]];
			m->isnull[c] = slot->tts_isnull[m->cols[c]];
		}
		m->fn(m->arg, &m->slot);
	}
	return true;
}

static void
SourceStartup(DestReceiver *self, int operation, TupleDesc typeinfo)
{
}

static void
SourceShutdown(DestReceiver *self)
{
}

static void
SourceDestroy(DestReceiver *self)
{
}

/*
 * KeyFilter: for a query limited to one key, " AND key = CAST($4 AS
 * type)" with the type's equality operator named by its schema (no
 * operator of the search path's choosing); "" otherwise.  The planner
 * folds the cast once per statement: rows of other keys cost the compare.
 */
static const char *
KeyFilter(const CqQuery *q)
{
	AttrNumber att;
	Oid typ;
	Oid eq;
	HeapTuple tup;
	Form_pg_operator op;
	char *sql;

	if (q->def.key_value == NULL || q->def.key_column == NULL)
		return "";
	att = get_attnum(q->def.source, q->def.key_column);
	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("key column \"%s\" of query \"%s\" does not exist",
						q->def.key_column, q->def.name)));
	typ = get_atttype(q->def.source, att);
	eq = lookup_type_cache(getBaseType(typ), TYPECACHE_EQ_OPR)->eq_opr;
	if (!OidIsValid(eq) ||
		!HeapTupleIsValid(
			tup = SearchSysCache1(OPEROID, ObjectIdGetDatum(eq))))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("key column \"%s\" of query \"%s\" has no equality "
						"operator",
						q->def.key_column, q->def.name)));
	op = (Form_pg_operator) GETSTRUCT(tup);
	sql = psprintf(" AND %s OPERATOR(%s.%s) CAST($4 AS %s)",
				   quote_identifier(q->def.key_column),
				   quote_identifier(get_namespace_name(op->oprnamespace)),
				   NameStr(op->oprname),
				   format_type_extended(typ, -1, FORMAT_TYPE_FORCE_QUALIFY));
	ReleaseSysCache(tup);
	return sql;
}

/*
 * ValueExpr: column colname of q's source, quoted.  A numeric beyond
 * float8's range would make the cast raise, and the query fail for good
 * on one value: read it as NULL instead (skipped and counted, as a value
 * outside an operation's domain is).
 */
static const char *
ValueExpr(const CqQuery *q, const char *colname)
{
	const char *value = quote_identifier(colname);
	AttrNumber att = get_attnum(q->def.source, colname);

	if (att != InvalidAttrNumber &&
		getBaseType(get_atttype(q->def.source, att)) == NUMERICOID)
		value = psprintf("CASE WHEN pg_catalog.abs(%s)"
						 " OPERATOR(pg_catalog.<=) 1.7976931348623157e308"
						 " OR pg_catalog.abs(%s) OPERATOR(pg_catalog.=)"
						 " 'Infinity' OR %s OPERATOR(pg_catalog.=) 'NaN'"
						 " THEN %s END",
						 value, value, value, value);
	return value;
}

/*
 * MemberColumns: the expressions q's row function reads after the id:
 * time, value (cast to value_type), key, and a position query's
 * latitude; returns how many.
 */
static int
MemberColumns(const CqQuery *q, const char *value_type, char **exprs)
{
	int n = 0;

	exprs[n++] = psprintf("%s::pg_catalog.timestamptz",
						  quote_identifier(q->def.time_column));
	exprs[n++] = psprintf("(%s)::%s", ValueExpr(q, q->def.value_column),
						  value_type);
	exprs[n++] = q->def.key_column != NULL
		? psprintf("%s::pg_catalog.text", quote_identifier(q->def.key_column))
		: pstrdup("NULL::pg_catalog.text");
	if (q->def.lat_column != NULL)
		exprs[n++] = psprintf("(%s)::%s", ValueExpr(q, q->def.lat_column),
							  value_type);
	return n;
}

/*
 * GroupSql: the statement that reads the source of the members (their
 * queries share source, id column, owner, progress and bound), with
 * parameters $1 (the progress), $2 (the safe bound), $3 (the limit) and
 * $4 (the key value, text; for a query limited to one key, read alone).
 * The id comes first, then each distinct expression the members read,
 * once; each member's cols say where its own are.
 */
static char *
GroupSql(CqSourceMember *members, int n, const char *source)
{
	const CqQuery *q0 = members[0].q;
	StringInfoData sql;
	char **distinct = palloc(sizeof(char *) * n * CQ_SOURCE_MAX_COLS);
	int ndistinct = 0;

	initStringInfo(&sql);
	appendStringInfo(&sql, "SELECT %s::pg_catalog.int8",
					 quote_identifier(q0->def.id_column));
	for (int i = 0; i < n; i++)
	{
		CqSourceMember *m = &members[i];
		char *exprs[CQ_SOURCE_MAX_COLS];

		m->ncols = MemberColumns(m->q, m->value_type, exprs) + 1;
		m->cols[0] = 0;
		for (int c = 1; c < m->ncols; c++)
		{
			int d = 0;

			while (d < ndistinct && strcmp(distinct[d], exprs[c - 1]) != 0)
				d++;
			if (d == ndistinct)
			{
				distinct[ndistinct++] = exprs[c - 1];
				appendStringInfo(&sql, ", %s", exprs[c - 1]);
			}
			m->cols[c] = d + 1;
		}
		m->identity = true;
		for (int c = 0; c < m->ncols; c++)
			m->identity = m->identity && m->cols[c] == c;
		m->slot.tts_values = m->values;
		m->slot.tts_isnull = m->isnull;
	}
	/*
	 * ORDER BY the source's column, qualified: by its name alone it would
	 * be ambiguous when the key or value column is the id column (two
	 * output columns of that name)
	 */
	appendStringInfo(&sql,
					 " FROM %s AS cq_source WHERE %s > $1 AND %s <= $2%s"
					 " ORDER BY cq_source.%s LIMIT $3",
					 source, quote_identifier(q0->def.id_column),
					 quote_identifier(q0->def.id_column),
					 n == 1 ? KeyFilter(q0) : "",
					 quote_identifier(q0->def.id_column));
	return sql.data;
}

bool
cq_source_shareable(const CqQuery *a, const CqQuery *b)
{
	return a->def.source == b->def.source && a->def.owner == b->def.owner &&
		a->def.id_sequence == b->def.id_sequence &&
		strcmp(a->def.id_column, b->def.id_column) == 0 &&
		a->state.last_source_id == b->state.last_source_id &&
		a->bound == b->bound && a->def.key_value == NULL &&
		b->def.key_value == NULL;
}

uint64
cq_source_read(const CqQuery *q, const char *source, const char *value_type,
			   int64 limit, CqSourceRowFn fn, void *arg)
{
	CqSourceMember m;

	memset(&m, 0, sizeof(m));
	m.q = q;
	m.value_type = value_type;
	m.fn = fn;
	m.arg = arg;
	return cq_source_read_group(&m, 1, source, limit);
}

/*
 * The plans of the reads, kept across batches: parsing and planning the
 * statement cost more than reading the few rows of a batch that follows
 * a single-row commit.  Keyed by the owner (the plan is made as the
 * owner, and row-level security may depend on who) and the statement's
 * text (which names the source, columns and casts); the plan cache
 * revalidates them when the source or anything else they depend on
 * changes.  The plans are generic: the progress, bound and limit are
 * parameters, and a custom plan per batch is what this avoids.  At most
 * CQ_READ_PLANS of them; then all are dropped and planned again as
 * needed (dropped queries leave theirs behind until then).
 */
#define CQ_READ_PLANS 256

typedef struct ReadPlanKey
{
	Oid owner;
	uint32 hash; /* of the text */
} ReadPlanKey;

typedef struct ReadPlan
{
	ReadPlanKey key;
	char *sql;
	SPIPlanPtr plan;
} ReadPlan;

static HTAB *read_plans = NULL;

/*
 * ReadPlanFor: the kept plan of sql for owner, made now if there is none;
 * NULL when another text has the same key (then the statement runs
 * unprepared).  Connected to SPI, as the owner.
 */
static SPIPlanPtr
ReadPlanFor(Oid owner, const char *sql)
{
	static Oid argtypes[4] = {INT8OID, INT8OID, INT8OID, TEXTOID};
	ReadPlanKey key;
	ReadPlan *entry;
	SPIPlanPtr plan;
	bool found;

	if (read_plans == NULL ||
		hash_get_num_entries(read_plans) >= CQ_READ_PLANS)
	{
		HASHCTL ctl;

		if (read_plans != NULL)
		{
			HASH_SEQ_STATUS seq;

			hash_seq_init(&seq, read_plans);
			while ((entry = hash_seq_search(&seq)) != NULL)
			{
				SPI_freeplan(entry->plan);
				pfree(entry->sql);
			}
			hash_destroy(read_plans);
		}
		memset(&ctl, 0, sizeof(ctl));
		ctl.keysize = sizeof(ReadPlanKey);
		ctl.entrysize = sizeof(ReadPlan);
		read_plans = hash_create("cqstream read plans", 64, &ctl,
								 HASH_ELEM | HASH_BLOBS);
	}
	memset(&key, 0, sizeof(key));
	key.owner = owner;
	key.hash = hash_bytes((const unsigned char *) sql, (int) strlen(sql));
	entry = hash_search(read_plans, &key, HASH_FIND, NULL);
	if (entry != NULL)
		return strcmp(entry->sql, sql) == 0 ? entry->plan : NULL;

	/* Made before the entry, so that an error leaves no entry behind */
	plan = SPI_prepare_cursor(sql, 4, argtypes, CURSOR_OPT_GENERIC_PLAN);
	if (plan == NULL)
		elog(ERROR, "cqstream: cannot plan a source read: %s",
			 SPI_result_code_string(SPI_result));
	if (SPI_keepplan(plan) != 0)
		elog(ERROR, "cqstream: cannot keep a source read's plan");
	entry = hash_search(read_plans, &key, HASH_ENTER, &found);
	entry->sql = MemoryContextStrdup(TopMemoryContext, sql);
	entry->plan = plan;
	return plan;
}

uint64
cq_source_read_group(CqSourceMember *members, int n, const char *source,
					 int64 limit)
{
	const CqQuery *q = members[0].q;
	char *sql = GroupSql(members, n, source);
	SourceReceiver recv;
	SPIExecuteOptions options;
	ParamListInfo params;
	Oid save_userid;
	int save_sec;
	int gucnest;
	int save_srr;

	params = makeParamList(4);
	for (int i = 0; i < 4; i++)
	{
		params->params[i].ptype = i < 3 ? INT8OID : TEXTOID;
		params->params[i].isnull = false;
		params->params[i].pflags = PARAM_FLAG_CONST;
	}
	params->params[0].value = Int64GetDatum(q->state.last_source_id);
	params->params[1].value = Int64GetDatum(q->bound);
	params->params[2].value = Int64GetDatum(limit);
	params->params[3].isnull = q->def.key_value == NULL;
	params->params[3].value = q->def.key_value
		? CStringGetTextDatum(q->def.key_value)
		: (Datum) 0;

	memset(&recv, 0, sizeof(recv));
	recv.pub.receiveSlot = SourceReceive;
	recv.pub.rStartup = SourceStartup;
	recv.pub.rShutdown = SourceShutdown;
	recv.pub.rDestroy = SourceDestroy;
	recv.pub.mydest = DestNone;
	recv.members = members;
	recv.nmembers = n;
	memset(&options, 0, sizeof(options));
	options.params = params;
	/* Not read-only: a fresh snapshot, taken after the safe-bound check */
	options.read_only = false;
	options.dest = (DestReceiver *) &recv;

	/* Read as the owner; the subtransaction's abort restores us on error */
	GetUserIdAndSecContext(&save_userid, &save_sec);
	SetUserIdAndSecContext(q->def.owner,
						   save_sec | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	/*
	 * Planned without sorting, as a function's SET clause would do: the
	 * rows past the last batch are new, so the planner has no statistics
	 * for them and would rather sort a bitmap scan than walk an index on
	 * the id column (if there is one; otherwise it still sorts).
	 */
	gucnest = NewGUCNestLevel();
	(void) set_config_option("enable_sort", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/* (with no index the sort stays, and its penalty must not start JIT) */
	(void) set_config_option("jit", "off", PGC_USERSET, PGC_S_SESSION,
							 GUC_ACTION_SAVE, true, 0, false);
	/*
	 * The worker's own writes run as a replica (worker.c); the owner's
	 * code (policies, casts, functions on the columns) must see the
	 * ordinary setting, so that its triggers and foreign keys fire.  The
	 * variable is set directly: the setting's assign hook would reset the
	 * whole plan cache twice per batch.
	 */
	save_srr = SessionReplicationRole;
	SessionReplicationRole = SESSION_REPLICATION_ROLE_ORIGIN;
	PG_TRY();
	{
		SPIPlanPtr plan = ReadPlanFor(q->def.owner, sql);

		if ((plan != NULL ? SPI_execute_plan_extended(plan, &options)
						  : SPI_execute_extended(sql, &options)) < 0)
			elog(ERROR, "cqstream: cannot read the source of \"%s\"",
				 q->def.name);
	}
	PG_FINALLY();
	{
		SessionReplicationRole = save_srr;
	}
	PG_END_TRY();
	/*
	 * Roll back every setting changed meanwhile, also by the owner's code
	 * with a plain SET (which a commit would keep): nothing of one owner's
	 * query stays in force for the next query (as index builds do)
	 */
	AtEOXact_GUC(false, gucnest);
	SetUserIdAndSecContext(save_userid, save_sec);
	pfree(sql);
	return recv.nrows;
}

int64
cq_source_progress(const CqQuery *q, uint64 nrows, int64 limit,
				   int64 last_read, bool *more)
{
	if (nrows >= (uint64) limit)
		*more = true;
	/* Cut by the limit: up to the last row read; otherwise the bound */
	if (nrows >= (uint64) limit && nrows > 0)
		return last_read;
	return Max(q->bound, q->state.last_source_id);
}
