/*-------------------------------------------------------------------------
 *
 * explicit_ids.c
 *	  Refusing rows whose id a continuous query may already have read past.
 *
 * Design notes
 *
 * The worker reads a source "after id N, up to the last value its id
 * sequence has handed out" (capture.c).  A row whose id is given
 * explicitly (INSERT ... OVERRIDING SYSTEM VALUE, a value for a serial
 * column, COPY with the id column) at or below that last value may become
 * visible after the worker read past it: it would be skipped for ever,
 * with lag 0.  So such a row is refused when it is written, with an error
 * naming the query.  An explicit id above the last value is safe: the
 * worker reads no id above the last value, and when the sequence passes
 * the id, the writer already holds the lock on the table that capture.c
 * waits for.
 *
 * How.  Parse analysis of an INSERT into a source, or into a partition of
 * one, wraps each explicitly given id in cqstream.cq_explicit_id(id,
 * sequence, table), which returns the id or raises; COPY FROM with the id
 * column gets the WHERE clause cqstream.cq_explicit_id_ok(id, sequence,
 * table), which is true or raises (from the library's utility hook in
 * launcher.c).  Ids from the column's default pass no
 * wrapper, so ordinary inserts pay nothing per row.  The check reads the
 * sequence's last value once per statement (fn_extra), as the extension's
 * owner (the writer may have no right on the sequence): ids above the
 * value read at the statement's start stay safe for the whole statement,
 * since the writer's lock on the table was taken before.  create_query
 * invalidates the source's cached plans, so a statement prepared before
 * the query existed is analysed again.
 *
 * Not covered: rules, whose actions are analysed when the rule is
 * created, and logical replication's apply, which is not analysed (the
 * publisher's sequence assigns those ids).  docs/engine.md says so.
 *
 * The catalog is looked for only while the extension is installed, when
 * the schema named cqstream is the extension's: a role that creates a
 * schema of that name in a database without the extension must not make
 * other roles' inserts call its functions.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/heapam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/namespace.h"
#include "catalog/partition.h"
#include "catalog/pg_inherits.h"
#include "catalog/pg_attribute.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/makefuncs.h"
#include "nodes/nodeFuncs.h"
#include "parser/analyze.h"
#include "parser/parse_func.h"
#include "parser/parser.h"
#include "parser/parsetree.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/inval.h"
#include "utils/lsyscache.h"
#include "utils/snapmgr.h"
#include "utils/syscache.h"

#include "engine/capture.h"
#include "engine/catalog.h"
#include "engine/explicit_ids.h"
#include "engine/extension_owner.h"
#include "engine/source_writes.h"

/* What a table's rows are checked against: its source's first query */
typedef struct IdSource
{
	Oid source;	  /* the source: the table or one of its ancestors */
	Oid sequence; /* its id sequence */
	NameData id_column;
	NameData query; /* a query reading it, for the message */
} IdSource;

/* Per statement, in fn_extra */
typedef struct IdCheck
{
	bool guarding; /* false: no query reads the table (any more) */
	int64 issued;  /* the sequence's last value at the statement's start */
	Oid table;
	IdSource src;
} IdCheck;

static post_parse_analyze_hook_type prev_post_parse_analyze = NULL;

/*
 * FindSource: whether a query reads table, directly or as a partition of
 * its source; *src tells which.  A plain scan of cqstream.query without
 * SPI (it runs in parse analysis), made only for the few tables the
 * cache of sources does not rule out.
 */
static bool
FindSource(Oid table, IdSource *src)
{
	Oid catalog;
	List *tables;
	Relation rel;
	Snapshot snapshot;
	TableScanDesc scan;
	HeapTuple tup;
	bool found = false;

	/* Most tables are no source: source_writes.c's cache says so at once */
	if (!cq_source_writes_maybe_source(table))
		return false;
	catalog = cq_source_writes_query_table();
	if (!OidIsValid(catalog))
		return false;
	tables = list_make1_oid(table);
	if (get_rel_relispartition(table))
		tables = list_concat(tables, get_partition_ancestors(table));

	rel = table_open(catalog, AccessShareLock);
	snapshot = RegisterSnapshot(GetLatestSnapshot());
	scan = table_beginscan(rel, snapshot, 0, NULL);
	while (!found && (tup = heap_getnext(scan, ForwardScanDirection)) != NULL)
	{
		TupleDesc desc = RelationGetDescr(rel);
		bool isnull;
		Oid source = DatumGetObjectId(
			heap_getattr(tup, Anum_cq_query_source, desc, &isnull));

		if (isnull || !list_member_oid(tables, source))
			continue;
		src->source = source;
		src->sequence = DatumGetObjectId(
			heap_getattr(tup, Anum_cq_query_id_sequence, desc, &isnull));
		namestrcpy(&src->id_column,
				   NameStr(
					   *DatumGetName(heap_getattr(tup, Anum_cq_query_id_column,
												  desc, &isnull))));
		namestrcpy(&src->query,
				   TextDatumGetCString(
					   heap_getattr(tup, Anum_cq_query_name, desc, &isnull)));
		found = true;
	}
	table_endscan(scan);
	UnregisterSnapshot(snapshot);
	table_close(rel, AccessShareLock);
	list_free(tables);
	return found;
}

/* cqstream.<name>(anyelement, oid, oid), or InvalidOid */
static Oid
CheckFunction(char *name)
{
	Oid argtypes[3] = {ANYELEMENTOID, OIDOID, OIDOID};

	return LookupFuncName(list_make2(makeString("cqstream"), makeString(name)),
						  3, argtypes, true);
}

/* Whether column attno of relid is an identity column */
static bool
IsIdentity(Oid relid, AttrNumber attno)
{
	HeapTuple tup = SearchSysCache2(ATTNUM, ObjectIdGetDatum(relid),
									Int16GetDatum(attno));
	bool identity;

	if (!HeapTupleIsValid(tup))
		return false;
	identity = ((Form_pg_attribute) GETSTRUCT(tup))->attidentity != '\0';
	ReleaseSysCache(tup);
	return identity;
}

/* cq_explicit_id(e, sequence, table), of e's type */
static Node *
WrapId(Node *e, Oid fn, Oid sequence, Oid table)
{
	List *args = list_make3(e,
							makeConst(OIDOID, -1, InvalidOid, sizeof(Oid),
									  ObjectIdGetDatum(sequence), false, true),
							makeConst(OIDOID, -1, InvalidOid, sizeof(Oid),
									  ObjectIdGetDatum(table), false, true));

	return (Node *) makeFuncExpr(fn, exprType(e), args, InvalidOid, InvalidOid,
								 COERCE_EXPLICIT_CALL);
}

/*
 * WrapInsert: wrap every id an INSERT gives explicitly; DEFAULT and an
 * omitted column leave the id to the sequence.
 */
static void
WrapInsert(Query *query)
{
	RangeTblEntry *rte = rt_fetch(query->resultRelation, query->rtable);
	IdSource src;
	AttrNumber attno;
	Oid fn;
	ListCell *lc;

	if (rte->relkind != RELKIND_RELATION &&
		rte->relkind != RELKIND_PARTITIONED_TABLE)
		return;
	if (!FindSource(rte->relid, &src))
		return;
	attno = get_attnum(rte->relid, NameStr(src.id_column));
	fn = CheckFunction("cq_explicit_id");
	if (attno == InvalidAttrNumber || !OidIsValid(fn))
		return;
	/* Identity values the user gives are then replaced by the sequence's */
	if (query->override == OVERRIDING_USER_VALUE &&
		IsIdentity(rte->relid, attno))
		return;
	foreach(lc, query->targetList)
	{
		TargetEntry *te = lfirst(lc);
		Node *e = (Node *) te->expr;

		if (te->resno != attno || IsA(e, SetToDefault))
			continue;
		/* A multi-row VALUES: its items, some of which may be DEFAULT */
		if (IsA(e, Var) && ((Var *) e)->varlevelsup == 0)
		{
			Var *var = (Var *) e;
			RangeTblEntry *values = rt_fetch(var->varno, query->rtable);

			if (values->rtekind == RTE_VALUES)
			{
				ListCell *row;

				foreach(row, values->values_lists)
				{
					ListCell *cell = list_nth_cell(lfirst(row),
												   var->varattno - 1);

					if (!IsA(lfirst(cell), SetToDefault))
						lfirst(cell) = WrapId(lfirst(cell), fn, src.sequence,
											  rte->relid);
				}
				continue;
			}
		}
		te->expr = (Expr *) WrapId(e, fn, src.sequence, rte->relid);
	}
}

/* The INSERT itself and those in its WITH clauses, at any depth */
static void
WrapInserts(Query *query)
{
	ListCell *lc;

	if (query->commandType == CMD_INSERT && query->resultRelation > 0)
		WrapInsert(query);
	foreach(lc, query->cteList)
	{
		CommonTableExpr *cte = lfirst(lc);

		if (IsA(cte->ctequery, Query))
			WrapInserts((Query *) cte->ctequery);
	}
}

static void
CqPostParseAnalyze(ParseState *pstate, Query *query, JumbleState *jstate)
{
	if (prev_post_parse_analyze)
		prev_post_parse_analyze(pstate, query, jstate);
	/* Only writes matter; cheap tests first */
	if (IsBootstrapProcessingMode() ||
		(!query->hasModifyingCTE && query->commandType != CMD_INSERT))
		return;
	WrapInserts(query);
}

/* Whether COPY FROM reads column name from its input */
static bool
CopiesColumn(const CopyStmt *stmt, const char *name)
{
	ListCell *lc;

	if (stmt->attlist == NIL)
		return true;
	foreach(lc, stmt->attlist)
		if (strcmp(strVal(lfirst(lc)), name) == 0)
			return true;
	return false;
}

/* 'oid'::oid in a raw parse tree */
static Node *
RawOid(Oid oid)
{
	A_Const *c = makeNode(A_Const);
	TypeCast *cast = makeNode(TypeCast);

	c->val.sval.type = T_String;
	c->val.sval.sval = psprintf("%u", oid);
	c->location = -1;
	cast->arg = (Node *) c;
	cast->typeName = SystemTypeName("oid");
	cast->location = -1;
	return (Node *) cast;
}

PlannedStmt *
cq_explicit_ids_copy(PlannedStmt *pstmt)
{
	CopyStmt *stmt = (CopyStmt *) pstmt->utilityStmt;
	Oid table;
	IdSource src;
	ColumnRef *column;
	FuncCall *call;
	Node *where;

	if (!stmt->is_from || stmt->relation == NULL)
		return pstmt;
	table = RangeVarGetRelid(stmt->relation, NoLock, true);
	if (!OidIsValid(table) || !FindSource(table, &src) ||
		!CopiesColumn(stmt, NameStr(src.id_column)) ||
		!OidIsValid(CheckFunction("cq_explicit_id_ok")))
		return pstmt;

	column = makeNode(ColumnRef);
	column->fields = list_make1(makeString(pstrdup(NameStr(src.id_column))));
	column->location = -1;
	call = makeFuncCall(list_make2(makeString("cqstream"),
								   makeString("cq_explicit_id_ok")),
						list_make3(column, RawOid(src.sequence),
								   RawOid(table)),
						COERCE_EXPLICIT_CALL, -1);
	pstmt = copyObject(pstmt);
	stmt = (CopyStmt *) pstmt->utilityStmt;
	where = (Node *) call;
	if (stmt->whereClause != NULL)
		where = (Node *) makeBoolExpr(AND_EXPR,
									  list_make2(where, stmt->whereClause),
									  -1);
	stmt->whereClause = where;
	return pstmt;
}

void
cq_explicit_ids_init(void)
{
	prev_post_parse_analyze = post_parse_analyze_hook;
	post_parse_analyze_hook = CqPostParseAnalyze;
}

void
cq_explicit_ids_invalidate(Oid source)
{
	List *tables = find_all_inheritors(source, NoLock, NULL);
	ListCell *lc;

	foreach(lc, tables)
		CacheInvalidateRelcacheByRelid(lfirst_oid(lc));
	list_free(tables);
}

typedef struct LastValueArgs
{
	Oid sequence;
	int64 value;
	bool handed_out;
	bool ok;
} LastValueArgs;

static void
LastValueAsOwner(void *arg)
{
	LastValueArgs *a = arg;

	a->ok = cq_sequence_last_value(a->sequence, &a->value, &a->handed_out);
}

/* The id argument, of whichever integer type the column has */
static int64
IdArg(FunctionCallInfo fcinfo)
{
	switch (get_fn_expr_argtype(fcinfo->flinfo, 0))
	{
		case INT2OID:
			return PG_GETARG_INT16(0);
		case INT4OID:
			return PG_GETARG_INT32(0);
		case INT8OID:
			return PG_GETARG_INT64(0);
		default:
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("an id must be smallint, integer or bigint")));
	}
	return 0;
}

/*
 * SetUp: what this statement checks ids against.  The caller must be
 * allowed to insert into the table (else the function would tell anyone
 * a sequence's last value), and sequence must be the id sequence of the
 * source the table belongs to.
 */
static void
SetUp(IdCheck *c, Oid sequence, Oid table)
{
	LastValueArgs args;

	if (pg_class_aclcheck(table, GetUserId(), ACL_INSERT) != ACLCHECK_OK)
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied for table %s",
						get_rel_name(table) ? get_rel_name(table) : "?")));
	c->table = table;
	c->guarding = FindSource(table, &c->src) && c->src.sequence == sequence;
	if (!c->guarding)
		return;
	args.sequence = sequence;
	args.ok = false;
	cq_as_extension_owner(LastValueAsOwner, &args);
	/* Nothing handed out yet (a fresh or restored table): any id is new */
	c->guarding = args.ok && args.handed_out;
	c->issued = args.value;
}

static void
Check(FunctionCallInfo fcinfo)
{
	IdCheck *c = fcinfo->flinfo->fn_extra;
	int64 id = IdArg(fcinfo);

	if (c == NULL)
	{
		c = MemoryContextAllocZero(fcinfo->flinfo->fn_mcxt, sizeof(IdCheck));
		SetUp(c, PG_GETARG_OID(1), PG_GETARG_OID(2));
		fcinfo->flinfo->fn_extra = c;
	}
	if (c->guarding && id <= c->issued)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cannot insert id " INT64_FORMAT
						" into \"%s\": its id sequence has handed it out "
						"already",
						id, get_rel_name(c->table)),
				 errdetail("Continuous query \"%s\" reads \"%s\" in id order "
						   "up to the last value of its id sequence; a row "
						   "given an id at or below that value may be read "
						   "past and never processed.",
						   NameStr(c->src.query), get_rel_name(c->src.source)),
				 errhint("Leave column \"%s\" to its default, or give ids "
						 "above the sequence's last value.",
						 NameStr(c->src.id_column))));
}

/* cqstream.cq_explicit_id(id, sequence, table): id, if it is safe */
PG_FUNCTION_INFO_V1(cq_explicit_id);
Datum
cq_explicit_id(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_NULL(); /* the column's NOT NULL says what it must */
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sequence and table must not be null")));
	Check(fcinfo);
	PG_RETURN_DATUM(PG_GETARG_DATUM(0));
}

/* cqstream.cq_explicit_id_ok(id, sequence, table): COPY's WHERE clause */
PG_FUNCTION_INFO_V1(cq_explicit_id_ok);
Datum
cq_explicit_id_ok(PG_FUNCTION_ARGS)
{
	if (PG_ARGISNULL(0))
		PG_RETURN_BOOL(true);
	if (PG_ARGISNULL(1) || PG_ARGISNULL(2))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("sequence and table must not be null")));
	Check(fcinfo);
	PG_RETURN_BOOL(true);
}
