/*-------------------------------------------------------------------------
 *
 * catalog.c
 *	  Reads and writes of the query catalog, cqstream.query and
 *	  cqstream.query_state (see catalog.h).
 *
 * Design notes
 *
 * The two wide statements, the registry's INSERT of a query and the
 * worker's list of runnable queries, are built from tables indexed by
 * named column numbers (designated initializers), so a column's name, its
 * type and its position meet in one line and cannot drift apart; the
 * narrow ones name their columns in the SQL text.  Every value is an SPI
 * parameter, every name schema-qualified (the registry runs them as the
 * extension's owner for a caller whose search_path is not to be trusted).
 *
 * The worker's list and its progress update are prepared once per
 * process (SPI_keepplan; they are revalidated if the catalog changes),
 * since they run on every pass and every batch.  It
 * computes in SQL what the worker reads of the options (notify, and
 * idle_flush as microseconds), so that a pass reads no jsonb in C.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "lib/stringinfo.h"
#include "utils/builtins.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "contract.h"
#include "engine/catalog.h"
#include "engine/source_writes.h"

/* A column of a catalog table as the statements below use it */
typedef struct CatalogColumn
{
	const char *name;
	Oid type;
} CatalogColumn;

/* cqstream.query: names and types, by column number */
static const CatalogColumn query_columns[Natts_cq_query] = {
	[Anum_cq_query_id - 1] = {"id", INT4OID},
	[Anum_cq_query_name - 1] = {"name", TEXTOID},
	[Anum_cq_query_kind - 1] = {"kind", TEXTOID},
	[Anum_cq_query_source - 1] = {"source", REGCLASSOID},
	[Anum_cq_query_id_column - 1] = {"id_column", NAMEOID},
	[Anum_cq_query_id_sequence - 1] = {"id_sequence", REGCLASSOID},
	[Anum_cq_query_time_column - 1] = {"time_column", NAMEOID},
	[Anum_cq_query_value_column - 1] = {"value_column", NAMEOID},
	[Anum_cq_query_key_column - 1] = {"key_column", NAMEOID},
	[Anum_cq_query_spec - 1] = {"spec", JSONBOID},
	[Anum_cq_query_chain - 1] = {"chain", TEXTOID},
	[Anum_cq_query_aggregation - 1] = {"aggregation", TEXTOID},
	[Anum_cq_query_value_type - 1] = {"value_type", TEXTOID},
	[Anum_cq_query_window_kind - 1] = {"window_kind", TEXTOID},
	[Anum_cq_query_window_size - 1] = {"window_size", INT8OID},
	[Anum_cq_query_window_hop - 1] = {"window_hop", INT8OID},
	[Anum_cq_query_window_offset - 1] = {"window_offset", INT8OID},
	[Anum_cq_query_lateness - 1] = {"lateness", INT8OID},
	[Anum_cq_query_emit - 1] = {"emit", TEXTOID},
	[Anum_cq_query_options - 1] = {"options", JSONBOID},
	[Anum_cq_query_owner - 1] = {"owner", OIDOID},
	[Anum_cq_query_paused - 1] = {"paused", BOOLOID},
	[Anum_cq_query_created - 1] = {"created", TIMESTAMPTZOID},
	[Anum_cq_query_readers - 1] = {"readers", REGROLEARRAYOID},
};

/* The words of query.value_type and query.window_kind, by enum value */
static const char *const value_type_words[] = {
	[CQ_VALUE_NUMBER] = "number",
	[CQ_VALUE_TEXT] = "text",
	[CQ_VALUE_BOOLEAN] = "boolean",
};
static const char *const window_kind_words[] = {
	[CQ_WINDOW_TUMBLING] = "tumbling",
	[CQ_WINDOW_HOPPING] = "hopping",
	[CQ_WINDOW_COUNT] = "count",
};

/* Columns of the worker's list of runnable queries */
typedef enum RunnableColumn
{
	RUN_ID = 0,
	RUN_NAME,
	RUN_SOURCE,
	RUN_ID_COLUMN,
	RUN_TIME_COLUMN,
	RUN_VALUE_COLUMN,
	RUN_KEY_COLUMN,
	RUN_KEY_VALUE,
	RUN_CHAIN,
	RUN_NOTIFY,
	RUN_OWNER,
	RUN_LAST_SOURCE_ID,
	RUN_LAST_RESULT_SEQ,
	RUN_ID_SEQUENCE,
	RUN_AGGREGATE,
	RUN_AGGREGATION,
	RUN_VALUE_TYPE,
	RUN_WINDOW_KIND,
	RUN_WINDOW_SIZE,
	RUN_WINDOW_HOP,
	RUN_WINDOW_OFFSET,
	RUN_LATENESS,
	RUN_ON_UPDATE,
	RUN_IDLE_FLUSH,
	RUN_MAX_EVENT_TIME,
	RUN_WATERMARK,
	RUN_LAST_ROW_AT,
	RUN_BATCH_LIMIT,
	RUN_POSITION,
	RUN_LAT_COLUMN,
	RUN_NCOLUMNS
} RunnableColumn;

static const char *const runnable_columns[RUN_NCOLUMNS] = {
	[RUN_ID] = "q.id",
	[RUN_NAME] = "q.name",
	[RUN_SOURCE] = "q.source::pg_catalog.oid",
	[RUN_ID_COLUMN] = "q.id_column::text",
	[RUN_TIME_COLUMN] = "q.time_column::text",
	[RUN_VALUE_COLUMN] = "q.value_column::text",
	[RUN_KEY_COLUMN] = "q.key_column::text",
	[RUN_KEY_VALUE] = "q.spec->>'keyValue'",
	[RUN_CHAIN] = "q.chain",
	[RUN_NOTIFY] = "q.options->>'notify'",
	[RUN_OWNER] = "q.owner",
	[RUN_LAST_SOURCE_ID] = "s.last_source_id",
	[RUN_LAST_RESULT_SEQ] = "s.last_result_seq",
	[RUN_ID_SEQUENCE] = "q.id_sequence::pg_catalog.oid",
	[RUN_AGGREGATE] = "q.kind = 'aggregate'",
	[RUN_AGGREGATION] = "q.aggregation",
	[RUN_VALUE_TYPE] = "q.value_type",
	[RUN_WINDOW_KIND] = "q.window_kind",
	[RUN_WINDOW_SIZE] = "q.window_size",
	[RUN_WINDOW_HOP] = "q.window_hop",
	[RUN_WINDOW_OFFSET] = "q.window_offset",
	[RUN_LATENESS] = "q.lateness",
	[RUN_ON_UPDATE] = "q.emit = 'on_update'",
	[RUN_IDLE_FLUSH] = "q.options->>'idle_flush'",
	[RUN_MAX_EVENT_TIME] = "s.max_event_time",
	[RUN_WATERMARK] = "s.watermark",
	[RUN_LAST_ROW_AT] = "s.last_row_at",
	[RUN_BATCH_LIMIT] = "s.batch_limit",
	[RUN_POSITION] = "q.kind = 'position'",
	[RUN_LAT_COLUMN] = "q.spec->>'latColumn'",
};

static SPIPlanPtr runnable_plan = NULL;

/* The registry's part */

static void
SetParam(Datum *values, char *nulls, int attnum, Datum value)
{
	values[attnum - 1] = value;
	nulls[attnum - 1] = ' ';
}

static Datum
NameDatum(const char *s)
{
	return DirectFunctionCall1(namein, CStringGetDatum(s));
}

/*
 * The INSERT of a query: parameter $n is column n, so the statement's
 * parameters are the row's columns; id, paused and created take their
 * defaults.  Races on the name end in ON CONFLICT, not in an error.
 */
static char *
InsertQuerySql(void)
{
	StringInfoData cols;
	StringInfoData vals;

	initStringInfo(&cols);
	initStringInfo(&vals);
	for (int a = Anum_cq_query_name; a <= Anum_cq_query_owner; a++)
	{
		appendStringInfo(&cols, "%s%s", a > Anum_cq_query_name ? ", " : "",
						 query_columns[a - 1].name);
		appendStringInfo(&vals, "%s$%d", a > Anum_cq_query_name ? ", " : "",
						 a);
	}
	return psprintf("INSERT INTO cqstream.query (%s) VALUES (%s)"
					" ON CONFLICT (name) DO NOTHING RETURNING id",
					cols.data, vals.data);
}

int32
cq_catalog_insert(const CqQueryRow *row, int64 start)
{
	Oid argtypes[Natts_cq_query];
	Datum values[Natts_cq_query];
	char nulls[Natts_cq_query];
	Oid state_types[2] = {INT4OID, INT8OID};
	Datum state_values[2];
	int32 query_id;
	bool isnull;
	bool taken;
	int ret;

	for (int i = 0; i < Natts_cq_query; i++)
		argtypes[i] = query_columns[i].type;
	memset(values, 0, sizeof(values));
	memset(nulls, 'n', sizeof(nulls));
	SetParam(values, nulls, Anum_cq_query_name,
			 CStringGetTextDatum(row->name));
	SetParam(values, nulls, Anum_cq_query_kind,
			 CStringGetTextDatum(row->aggregate		 ? "aggregate"
									 : row->position ? "position"
													 : "transform"));
	SetParam(values, nulls, Anum_cq_query_source,
			 ObjectIdGetDatum(row->source));
	SetParam(values, nulls, Anum_cq_query_id_column,
			 NameDatum(row->id_column));
	SetParam(values, nulls, Anum_cq_query_id_sequence,
			 ObjectIdGetDatum(row->id_sequence));
	SetParam(values, nulls, Anum_cq_query_time_column,
			 NameDatum(row->time_column));
	SetParam(values, nulls, Anum_cq_query_value_column,
			 NameDatum(row->value_column));
	if (row->key_column)
		SetParam(values, nulls, Anum_cq_query_key_column,
				 NameDatum(row->key_column));
	SetParam(values, nulls, Anum_cq_query_spec, JsonbPGetDatum(row->spec));
	SetParam(values, nulls, Anum_cq_query_options,
			 JsonbPGetDatum(row->options));
	SetParam(values, nulls, Anum_cq_query_owner, ObjectIdGetDatum(row->owner));
	if (row->aggregate || row->windowed)
	{
		SetParam(values, nulls, Anum_cq_query_aggregation,
				 CStringGetTextDatum(cq_agg_name(row->agg)));
		SetParam(values, nulls, Anum_cq_query_value_type,
				 CStringGetTextDatum(value_type_words[row->value_type]));
		SetParam(values, nulls, Anum_cq_query_window_kind,
				 CStringGetTextDatum(window_kind_words[row->window.kind]));
		SetParam(values, nulls, Anum_cq_query_window_size,
				 Int64GetDatum(row->window.size));
		SetParam(values, nulls, Anum_cq_query_window_hop,
				 Int64GetDatum(row->window.hop));
		SetParam(values, nulls, Anum_cq_query_window_offset,
				 Int64GetDatum(row->window.offset));
		SetParam(values, nulls, Anum_cq_query_lateness,
				 Int64GetDatum(row->lateness));
		SetParam(values, nulls, Anum_cq_query_emit,
				 CStringGetTextDatum(row->on_update ? "on_update"
													: "on_close"));
	}
	/* a windowed position query has both: its operation and its window */
	if (!row->aggregate)
		SetParam(values, nulls, Anum_cq_query_chain,
				 CStringGetTextDatum(row->chain));

	/*
	 * A duplicate name is refused before the INSERT: the INSERT takes its
	 * id from the identity sequence before ON CONFLICT sees the name, so
	 * failed creates would otherwise use up query ids.
	 */
	ret = SPI_execute_with_args("SELECT 1 FROM cqstream.query WHERE name = $2",
								Natts_cq_query, argtypes, values, nulls, true,
								1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed: %d", ret);
	taken = SPI_processed > 0;
	if (!taken)
	{
		ret = SPI_execute_with_args(InsertQuerySql(), Natts_cq_query, argtypes,
									values, nulls, false, 0);
		if (ret != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "inserting into cqstream.query failed: %d", ret);
		/* a concurrent create of the same name won: ON CONFLICT */
		taken = SPI_processed == 0;
	}
	if (taken)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("query \"%s\" already exists", row->name),
				 errhint("Drop it with cqstream.drop_query first, or "
						 "choose another name.")));
	query_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	if (query_id > CQ_QUERY_ID_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("too many queries have been created"),
				 errdetail("Query ids must stay below %d so that result "
						   "ids fit in a bigint.",
						   CQ_QUERY_ID_MAX + 1)));
	state_values[0] = Int32GetDatum(query_id);
	state_values[1] = Int64GetDatum(start);
	ret = SPI_execute_with_args("INSERT INTO cqstream.query_state"
								" (query_id, last_source_id) VALUES ($1, $2)",
								2, state_types, state_values, NULL, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "inserting into cqstream.query_state failed: %d", ret);
	/* A new source, and (start = beginning) maybe rows to process now */
	cq_source_writes_registry_changed(true);
	return query_id;
}

int32
cq_catalog_lookup(const char *name, bool lock, Oid *owner)
{
	Oid argtypes[1] = {TEXTOID};
	Datum values[1];
	bool isnull;
	int ret;

	values[0] = CStringGetTextDatum(name);
	ret = SPI_execute_with_args(lock ? "SELECT id, owner FROM cqstream.query"
									   " WHERE name = $1 FOR UPDATE"
									 : "SELECT id, owner FROM cqstream.query"
									   " WHERE name = $1",
								1, argtypes, values, NULL, !lock, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed: %d", ret);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("query \"%s\" does not exist", name),
				 errhint("The registered queries are listed in "
						 "cqstream.queries.")));
	*owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 2,
											&isnull));
	return DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									   SPI_tuptable->tupdesc, 1, &isnull));
}

bool
cq_catalog_find(const char *name, int32 *id)
{
	Oid argtypes[1] = {TEXTOID};
	Datum values[1];
	bool isnull;

	values[0] = CStringGetTextDatum(name);
	if (SPI_execute_with_args("SELECT id FROM cqstream.query WHERE name = $1",
							  1, argtypes, values, NULL, true,
							  1) != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed");
	if (SPI_processed == 0)
		return false;
	*id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 1, &isnull));
	return true;
}

bool
cq_catalog_readers(int32 id, Oid *owner, ArrayType **readers)
{
	Oid argtypes[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(id)};
	Datum d;
	bool isnull;

	if (SPI_execute_with_args("SELECT owner, readers FROM cqstream.query"
							  " WHERE id = $1",
							  1, argtypes, values, NULL, true,
							  1) != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed");
	if (SPI_processed == 0)
		return false;
	*owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1,
											&isnull));
	d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 2,
					  &isnull);
	*readers = isnull ? NULL : DatumGetArrayTypePCopy(d);
	return true;
}

void
cq_catalog_change_readers(int32 id, Oid reader, bool add)
{
	Oid argtypes[2] = {INT4OID, REGROLEOID};
	Datum values[2] = {Int32GetDatum(id), ObjectIdGetDatum(reader)};

	/* the set of readers stays sorted and without repeats */
	if (SPI_execute_with_args(add ? "UPDATE cqstream.query SET readers = ARRAY(SELECT DISTINCT r"
									" FROM pg_catalog.unnest(readers OPERATOR(pg_catalog.||) $2) r"
									" ORDER BY r) WHERE id = $1"
								  : "UPDATE cqstream.query SET readers ="
									" pg_catalog.array_remove(readers, $2) WHERE id = $1",
							  2, argtypes, values, NULL, false,
							  0) != SPI_OK_UPDATE)
		elog(ERROR, "changing the readers of cqstream.query failed");
}

void
cq_catalog_forget_reader(Oid reader)
{
	Oid argtypes[1] = {REGROLEOID};
	Datum values[1] = {ObjectIdGetDatum(reader)};

	if (SPI_execute_with_args("UPDATE cqstream.query SET readers ="
							  " pg_catalog.array_remove(readers, $1)"
							  " WHERE $1 OPERATOR(pg_catalog.=) ANY (readers)",
							  1, argtypes, values, NULL, false,
							  0) != SPI_OK_UPDATE)
		elog(ERROR, "changing the readers of cqstream.query failed");
}

/* One statement on the query (or state) of id, expecting expected */
static void
ExecById(const char *sql, int32 id, int expected, const char *table)
{
	Oid argtypes[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(id)};
	int ret;

	ret = SPI_execute_with_args(sql, 1, argtypes, values, NULL, false, 0);
	if (ret != expected)
		elog(ERROR, "changing %s failed: %d", table, ret);
}

void
cq_catalog_drop(int32 id)
{
	ExecById("DELETE FROM cqstream.query WHERE id = $1", id, SPI_OK_DELETE,
			 "cqstream.query");
	cq_source_writes_registry_changed(true);
}

void
cq_catalog_set_paused(int32 id, bool paused)
{
	ExecById(paused ? "UPDATE cqstream.query SET paused = true WHERE id = $1"
					: "UPDATE cqstream.query SET paused = false WHERE id = $1",
			 id, SPI_OK_UPDATE, "cqstream.query");
	/* A resumed query catches up at once */
	cq_source_writes_registry_changed(false);
}

void
cq_catalog_clear_failure(int32 id)
{
	ExecById("UPDATE cqstream.query_state"
			 " SET status = 'registered', last_error = NULL,"
			 " last_error_at = NULL"
			 " WHERE query_id = $1 AND status = 'failed'",
			 id, SPI_OK_UPDATE, "cqstream.query_state");
	cq_source_writes_registry_changed(false);
}

bool
cq_catalog_lag_source(int32 id, Oid *owner, Oid *id_sequence,
					  int64 *last_source_id)
{
	Oid argtypes[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(id)};
	HeapTuple tup;
	TupleDesc desc;
	bool isnull;
	int ret;

	ret = SPI_execute_with_args("SELECT q.owner, q.id_sequence::oid,"
								" s.last_source_id FROM cqstream.query q"
								" JOIN cqstream.query_state s"
								" ON s.query_id = q.id WHERE q.id = $1",
								1, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed: %d", ret);
	if (SPI_processed != 1)
		return false;
	tup = SPI_tuptable->vals[0];
	desc = SPI_tuptable->tupdesc;
	*owner = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
	*id_sequence = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
	*last_source_id = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));
	return true;
}

/* The first column of every row of the last result, as text, in cxt */
static List *
ResultNames(MemoryContext cxt)
{
	List *names = NIL;

	for (uint64 i = 0; i < SPI_processed; i++)
	{
		char *name = SPI_getvalue(SPI_tuptable->vals[i], SPI_tuptable->tupdesc,
								  1);
		MemoryContext old = MemoryContextSwitchTo(cxt);

		names = lappend(names, pstrdup(name));
		MemoryContextSwitchTo(old);
	}
	return names;
}

List *
cq_catalog_owned_by(Oid role, MemoryContext cxt)
{
	Oid argtypes[1] = {OIDOID};
	Datum values[1] = {ObjectIdGetDatum(role)};

	/* not read-only: a snapshot taken after the caller's lock on role */
	if (SPI_execute_with_args("SELECT name FROM cqstream.query"
							  " WHERE owner = $1 ORDER BY name",
							  1, argtypes, values, NULL, false,
							  0) != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed");
	return ResultNames(cxt);
}

List *
cq_catalog_reassign(ArrayType *roles, Oid newrole, MemoryContext cxt)
{
	Oid argtypes[2] = {OIDARRAYOID, OIDOID};
	Datum values[2];
	int ret;

	values[0] = PointerGetDatum(roles);
	values[1] = ObjectIdGetDatum(newrole);
	ret = OidIsValid(newrole)
		? SPI_execute_with_args("UPDATE cqstream.query SET owner = $2"
								" WHERE owner = ANY ($1) RETURNING name",
								2, argtypes, values, NULL, false, 0)
		: SPI_execute_with_args("DELETE FROM cqstream.query"
								" WHERE owner = ANY ($1) RETURNING name",
								1, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_UPDATE_RETURNING && ret != SPI_OK_DELETE_RETURNING)
		elog(ERROR, "changing cqstream.query failed: %d", ret);
	if (SPI_processed > 0)
		cq_source_writes_registry_changed(!OidIsValid(newrole));
	return ResultNames(cxt);
}

/* The worker's part */

static char *
RunnableSql(void)
{
	StringInfoData sql;

	initStringInfo(&sql);
	appendStringInfoString(&sql, "SELECT ");
	for (int c = 0; c < RUN_NCOLUMNS; c++)
		appendStringInfo(&sql, "%s%s", c > 0 ? ", " : "", runnable_columns[c]);
	appendStringInfoString(&sql,
						   " FROM cqstream.query q"
						   " JOIN cqstream.query_state s ON s.query_id = q.id"
						   " WHERE NOT q.paused"
						   " AND s.status IN ('registered', 'running')"
						   " ORDER BY q.id");
	return sql.data;
}

/* Column c of a runnable query's row */
static Datum
RunDatum(HeapTuple tup, TupleDesc desc, RunnableColumn c, bool *isnull)
{
	return SPI_getbinval(tup, desc, c + 1, isnull);
}

/* ... as a palloc'd string in the current context, or NULL */
static char *
RunText(HeapTuple tup, TupleDesc desc, RunnableColumn c)
{
	return SPI_getvalue(tup, desc, c + 1);
}

static int64
RunInt64(HeapTuple tup, TupleDesc desc, RunnableColumn c, int64 dflt)
{
	bool isnull;
	Datum d = RunDatum(tup, desc, c, &isnull);

	return isnull ? dflt : DatumGetInt64(d);
}

static TimestampTz
RunTime(HeapTuple tup, TupleDesc desc, RunnableColumn c, bool *has,
		TimestampTz dflt)
{
	bool isnull;
	Datum d = RunDatum(tup, desc, c, &isnull);

	if (has)
		*has = !isnull;
	return isnull ? dflt : DatumGetTimestampTz(d);
}

/*
 * ReadAggregate: the window columns of an aggregate's row.  The registry
 * validated them; they are checked again through the window core's
 * constructors since the catalog could have been edited.
 */
static void
ReadAggregate(CqQuery *q, HeapTuple tup, TupleDesc desc)
{
	char *aggname = RunText(tup, desc, RUN_AGGREGATION);
	char *vt = RunText(tup, desc, RUN_VALUE_TYPE);
	char *kind = RunText(tup, desc, RUN_WINDOW_KIND);
	int64 size = RunInt64(tup, desc, RUN_WINDOW_SIZE, 0);
	int64 hop = RunInt64(tup, desc, RUN_WINDOW_HOP, 0);
	int64 offset = RunInt64(tup, desc, RUN_WINDOW_OFFSET, 0);
	bool isnull;
	Datum d;

	if (aggname == NULL || vt == NULL || kind == NULL)
		elog(ERROR, "cqstream: aggregate \"%s\" lacks its window",
			 q->def.name);
	q->def.value_type = CQ_VALUE_NUMBER;
	for (int i = CQ_VALUE_TEXT; i <= CQ_VALUE_BOOLEAN; i++)
		if (strcmp(vt, value_type_words[i]) == 0)
			q->def.value_type = (CqValueType) i;
	q->def.agg = cq_agg_parse(aggname, q->def.value_type);
	if (strcmp(kind, window_kind_words[CQ_WINDOW_COUNT]) == 0)
		cq_window_count(&q->def.window, size, hop);
	else
		cq_window_time(&q->def.window,
					   strcmp(kind, window_kind_words[CQ_WINDOW_TUMBLING]) == 0
						   ? CQ_WINDOW_TUMBLING
						   : CQ_WINDOW_HOPPING,
					   size, hop, offset);
	q->def.lateness = RunInt64(tup, desc, RUN_LATENESS, 0);
	d = RunDatum(tup, desc, RUN_ON_UPDATE, &isnull);
	q->def.on_update = !isnull && DatumGetBool(d);
	q->def.idle_flush = 0;
	{
		char *flush = RunText(tup, desc, RUN_IDLE_FLUSH);

		if (flush != NULL)
			q->def.idle_flush =
				cq_interval_usec(DatumGetIntervalP(
									 DirectFunctionCall3(interval_in,
														 CStringGetDatum(flush),
														 ObjectIdGetDatum(
															 InvalidOid),
														 Int32GetDatum(-1))),
								 "idle_flush");
		/* the registry's range (query_options.c) */
		if (q->def.idle_flush > 365 * USECS_PER_DAY)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"idle_flush\" is beyond 365 days: \"%s\"",
							flush)));
	}
	q->state.max_event_time = RunTime(tup, desc, RUN_MAX_EVENT_TIME, NULL,
									  DT_NOBEGIN);
	q->state.watermark = RunTime(tup, desc, RUN_WATERMARK, NULL, DT_NOBEGIN);
	q->state.last_row_at = RunTime(tup, desc, RUN_LAST_ROW_AT,
								   &q->state.has_last_row_at, 0);
	q->state.batch_limit = RunInt64(tup, desc, RUN_BATCH_LIMIT, 0);
}

int
cq_catalog_runnable(CqQuery **queries)
{
	MemoryContext cxt = CurrentMemoryContext;
	CqQuery *qs;
	int n;

	if (runnable_plan == NULL)
	{
		/* Kept for the process; revalidated if the catalog changes */
		runnable_plan = SPI_prepare(RunnableSql(), 0, NULL);
		if (runnable_plan == NULL || SPI_keepplan(runnable_plan) != 0)
			elog(ERROR, "cqstream: cannot prepare the query list");
	}
	if (SPI_execute_plan(runnable_plan, NULL, NULL, true, 0) != SPI_OK_SELECT)
		elog(ERROR, "cqstream: cannot list queries");
	n = (int) SPI_processed;
	qs = MemoryContextAllocZero(cxt, sizeof(CqQuery) * Max(n, 1));
	for (int i = 0; i < n; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		CqQuery *q = &qs[i];
		bool isnull;
		MemoryContext old = MemoryContextSwitchTo(cxt);

		q->def.id = DatumGetInt32(RunDatum(tup, desc, RUN_ID, &isnull));
		q->def.name = RunText(tup, desc, RUN_NAME);
		q->def.source = DatumGetObjectId(
			RunDatum(tup, desc, RUN_SOURCE, &isnull));
		q->def.id_column = RunText(tup, desc, RUN_ID_COLUMN);
		q->def.time_column = RunText(tup, desc, RUN_TIME_COLUMN);
		q->def.value_column = RunText(tup, desc, RUN_VALUE_COLUMN);
		q->def.key_column = RunText(tup, desc, RUN_KEY_COLUMN);
		q->def.key_value = RunText(tup, desc, RUN_KEY_VALUE);
		q->def.chain = RunText(tup, desc, RUN_CHAIN);
		q->def.notify = RunText(tup, desc, RUN_NOTIFY);
		q->def.owner = DatumGetObjectId(
			RunDatum(tup, desc, RUN_OWNER, &isnull));
		q->state.last_source_id = RunInt64(tup, desc, RUN_LAST_SOURCE_ID, 0);
		q->state.last_result_seq = RunInt64(tup, desc, RUN_LAST_RESULT_SEQ, 0);
		q->def.id_sequence = DatumGetObjectId(
			RunDatum(tup, desc, RUN_ID_SEQUENCE, &isnull));
		q->def.aggregate = DatumGetBool(
			RunDatum(tup, desc, RUN_AGGREGATE, &isnull));
		q->def.position = DatumGetBool(
			RunDatum(tup, desc, RUN_POSITION, &isnull));
		q->def.lat_column = q->def.position
			? RunText(tup, desc, RUN_LAT_COLUMN)
			: NULL;
		/* a position without a latitude is a geometry (its spec's
		 * "geometryColumn", stored as the value column) */
		q->def.geometry = q->def.position && q->def.lat_column == NULL;
		/*
		 * The window and option columns are checked again here (the
		 * catalog can be edited by hand, or written by an older version):
		 * a row that fails is kept with its error, so that this query
		 * fails alone (isolation.c) instead of the whole pass.  The
		 * checks are plain computations, safe to catch without a
		 * subtransaction.
		 */
		(void) RunDatum(tup, desc, RUN_AGGREGATION, &isnull);
		q->def.windowed = q->def.position && !isnull;
		if (q->def.aggregate || q->def.windowed)
		{
			PG_TRY();
			{
				ReadAggregate(q, tup, desc);
			}
			PG_CATCH();
			{
				ErrorData *edata;

				MemoryContextSwitchTo(cxt);
				edata = CopyErrorData();
				FlushErrorState();
				q->load_error = edata->message;
			}
			PG_END_TRY();
		}
		MemoryContextSwitchTo(old);
	}
	SPI_freetuptable(SPI_tuptable);
	*queries = qs;
	return n;
}

/* The progress update of every batch (prepared on first use) */
static SPIPlanPtr advance_plan = NULL;

void
cq_catalog_advance(const CqQuery *q, const CqBatchProgress *p)
{
	Oid types[10];
	Datum values[10];

	/* The batch's results must stay in the query's own range of ids */
	if (p->last_result_seq >= CQ_RESULT_ID_FACTOR)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("query \"%s\" has used all its result ids",
						q->def.name),
				 errdetail("A query's result ids are its id times "
						   "%lld plus a number below that factor.",
						   (long long) CQ_RESULT_ID_FACTOR),
				 errhint("Create the query again under another name.")));

	types[0] = INT4OID;
	values[0] = Int32GetDatum(q->def.id);
	for (int i = 1; i < 10; i++)
		types[i] = INT8OID;
	values[1] = Int64GetDatum(p->last_source_id);
	values[2] = Int64GetDatum(p->last_result_seq);
	values[3] = Int64GetDatum(p->rows);
	values[4] = Int64GetDatum(p->results);
	values[5] = Int64GetDatum(p->skipped);
	values[6] = Int64GetDatum(q->state.last_source_id);
	values[7] = Int64GetDatum(q->state.last_result_seq);
	values[8] = Int64GetDatum(p->late);
	values[9] = Int64GetDatum(p->notify_dropped);
	if (advance_plan == NULL)
	{
		/*
		 * Kept for the process, as the query list: parsing and planning
		 * it was a quarter of a one-row batch (commit-to-NOTIFY latency)
		 */
		advance_plan =
			SPI_prepare_cursor("UPDATE cqstream.query_state"
							   " SET last_source_id = $2, last_result_seq = $3,"
							   " rows_processed = rows_processed + $4,"
							   " results_emitted = results_emitted + $5,"
							   " rows_skipped = rows_skipped + $6,"
							   " rows_late = rows_late + $9, status = 'running',"
							   " notifications_dropped = notifications_dropped + $10,"
							   " updated = pg_catalog.now()"
							   " WHERE query_id = $1 AND last_source_id = $7"
							   " AND last_result_seq = $8",
							   10, types, CURSOR_OPT_GENERIC_PLAN);
		if (advance_plan == NULL || SPI_keepplan(advance_plan) != 0)
			elog(ERROR, "cqstream: cannot prepare the progress update");
	}
	if (SPI_execute_plan(advance_plan, values, NULL, false, 0) !=
		SPI_OK_UPDATE)
		elog(ERROR, "cqstream: cannot update the state of \"%s\"",
			 q->def.name);
	if (SPI_processed != 1)
		ereport(ERROR,
				(errcode(ERRCODE_T_R_SERIALIZATION_FAILURE),
				 errmsg("progress of query \"%s\" changed concurrently",
						q->def.name)));
}

static SPIPlanPtr save_windows_plan = NULL;

void
cq_catalog_save_windows(const CqQuery *q, TimestampTz max_time,
						TimestampTz watermark, CqLastRowAt last_row_at,
						int64 batch_limit)
{
	Oid types[6] = {INT4OID,		TIMESTAMPTZOID, TIMESTAMPTZOID,
					TIMESTAMPTZOID, BOOLOID,		INT8OID};
	Datum values[6];
	char nulls[6] = {' ', ' ', ' ', ' ', ' ', ' '};

	values[0] = Int32GetDatum(q->def.id);
	/* Stored saturated: a watermark read back never moves back */
	values[1] = TimestampTzGetDatum(cq_timestamp_saturate(max_time));
	values[2] = TimestampTzGetDatum(cq_timestamp_saturate(watermark));
	values[3] = TimestampTzGetDatum(GetCurrentTimestamp());
	if (last_row_at == CQ_LAST_ROW_CLEAR)
		nulls[3] = 'n';
	values[4] = BoolGetDatum(last_row_at == CQ_LAST_ROW_KEEP);
	values[5] = Int64GetDatum(batch_limit);
	if (save_windows_plan == NULL)
	{
		/* Kept for the process, as the progress update (and for the same reason) */
		save_windows_plan =
			SPI_prepare_cursor("UPDATE cqstream.query_state"
							   " SET max_event_time = $2, watermark = $3,"
							   " last_row_at = CASE WHEN $5 THEN last_row_at"
							   " ELSE $4 END, batch_limit = $6"
							   " WHERE query_id = $1",
							   6, types, CURSOR_OPT_GENERIC_PLAN);
		if (save_windows_plan == NULL || SPI_keepplan(save_windows_plan) != 0)
			elog(ERROR, "cqstream: cannot prepare the watermark update");
	}
	if (SPI_execute_plan(save_windows_plan, values, nulls, false, 0) !=
		SPI_OK_UPDATE)
		elog(ERROR, "cqstream: cannot update the watermark of \"%s\"",
			 q->def.name);
}

CqFailureRecord
cq_catalog_record_failure(int32 query_id, const char *message, char **name)
{
	Oid types[2] = {INT4OID, TEXTOID};
	Datum values[2];
	bool isnull;
	Datum d;

	values[0] = Int32GetDatum(query_id);
	values[1] = CStringGetTextDatum(message);
	/* SKIP LOCKED: a row an open transaction holds is tried again later */
	if (SPI_execute_with_args("UPDATE cqstream.query_state"
							  " SET status = 'failed', last_error = $2,"
							  " last_error_at = pg_catalog.now(),"
							  " updated = pg_catalog.now()"
							  " WHERE query_id = (SELECT s.query_id"
							  " FROM cqstream.query_state s"
							  " WHERE s.query_id = $1 FOR UPDATE SKIP LOCKED)"
							  " RETURNING (SELECT q.name FROM cqstream.query q"
							  " WHERE q.id = $1)",
							  2, types, values, NULL, false,
							  0) != SPI_OK_UPDATE_RETURNING)
		elog(ERROR, "cqstream: cannot record the failure of query %d",
			 query_id);
	if (SPI_processed == 1)
	{
		d = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc, 1,
						  &isnull);
		*name = isnull ? NULL : TextDatumGetCString(d);
		return CQ_FAILURE_RECORDED;
	}
	if (SPI_execute_with_args("SELECT 1 FROM cqstream.query_state"
							  " WHERE query_id = $1",
							  1, types, values, NULL, true,
							  1) != SPI_OK_SELECT)
		elog(ERROR, "cqstream: cannot read the state of query %d", query_id);
	return SPI_processed == 1 ? CQ_FAILURE_LOCKED : CQ_FAILURE_GONE;
}
