/*-------------------------------------------------------------------------
 *
 * registry_api.c
 *	  The SQL-callable functions of the query registry: create_transform,
 *	  create_aggregate, create_query, drop_query, pause_query,
 *	  resume_query, results and query_lag (src/sql/82_registry_api.sql).
 *
 * Design notes
 *
 * The three create functions only gather their arguments into one
 * CqQueryDef (query_spec.h); CreateQuery validates it and stores it, so
 * there is one validation path and one canonical spec.
 *
 * Security: the functions are plain C, not SECURITY DEFINER.  Everything
 * is checked as the calling user (GetUserId(): SELECT on the source,
 * membership in the query owner's role), and only the catalog's reads
 * and writes run as the extension's owner (cq_as_extension_owner).  The
 * query's owner is the calling user.
 *
 * Every change sends NOTIFY cqstream_registry (payload: the query name),
 * delivered at commit, for listeners such as the relay, which learns so
 * that a query was dropped.  The worker needs no such signal (a
 * background worker receives no notifications): it lists the runnable
 * queries afresh on every pass, every cqstream.poll_interval.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_class.h"
#include "commands/async.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/timestamp.h"

#include "core/window.h"
#include "engine/access.h"
#include "engine/capture.h"
#include "engine/catalog.h"
#include "engine/explicit_ids.h"
#include "engine/extension_owner.h"
#include "engine/owner.h"
#include "engine/query_spec.h"
#include "engine/registry.h"
#include "engine/result_log.h"

PG_FUNCTION_INFO_V1(cq_create_transform);
PG_FUNCTION_INFO_V1(cq_create_aggregate);
PG_FUNCTION_INFO_V1(cq_create_query);
PG_FUNCTION_INFO_V1(cq_create_position_query);
PG_FUNCTION_INFO_V1(cq_drop_query);
PG_FUNCTION_INFO_V1(cq_pause_query);
PG_FUNCTION_INFO_V1(cq_resume_query);
PG_FUNCTION_INFO_V1(cq_results);
PG_FUNCTION_INFO_V1(cq_query_lag);

/* Set by cq_registry_init when loaded through shared_preload_libraries */
static bool registry_preloaded = false;

void
cq_registry_init(void)
{
	registry_preloaded = process_shared_preload_libraries_in_progress;
}

/* Raise 55000 unless cqstream was loaded by shared_preload_libraries */
static void
CheckPreloaded(void)
{
	if (!registry_preloaded)
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("cqstream must be loaded via "
						"shared_preload_libraries"),
				 errdetail("Continuous queries are run by a background "
						   "worker that only a preloaded library can start."),
				 errhint("Add cqstream to shared_preload_libraries in "
						 "postgresql.conf and restart the server.")));
}

/* The catalog row of a validated def, owned by owner */
static void
RowFromDef(const CqQueryDef *def, Jsonb *spec, Oid owner, CqQueryRow *row)
{
	memset(row, 0, sizeof(*row));
	row->name = def->name;
	row->aggregate = def->aggregate;
	row->position = def->position;
	row->windowed = def->windowed;
	row->lat_column = def->lat_column;
	row->source = def->source;
	row->id_column = def->id_column;
	row->id_sequence = def->id_sequence;
	row->time_column = def->time_column;
	row->value_column = def->value_column;
	row->key_column = def->key_column;
	row->spec = spec;
	row->chain = def->chain;
	row->agg = def->agg;
	row->value_type = def->value_type;
	row->window = def->window;
	row->lateness = def->lateness;
	row->on_update = (def->aggregate || def->windowed) &&
		strcmp(def->emit, "on_update") == 0;
	/* The options as the canonical spec has them, defaults filled in */
	row->options = DatumGetJsonbP(
		DirectFunctionCall2(jsonb_object_field, JsonbPGetDatum(spec),
							CStringGetTextDatum("options")));
	row->owner = owner;
}

typedef struct InsertArgs
{
	const CqQueryRow *row;
	bool start_beginning;
} InsertArgs;

static void
InsertAsOwner(void *arg)
{
	InsertArgs *a = arg;
	int64 start = 0;

	/* start = now: after the ids handed out so far (none: 0) */
	if (!a->start_beginning &&
		!cq_sequence_last_value(a->row->id_sequence, &start, NULL))
		elog(ERROR, "id sequence %u of query \"%s\" is not a sequence",
			 a->row->id_sequence, a->row->name);
	(void) cq_catalog_insert(a->row, start);
}

/*
 * CreateQuery: validate def as the calling user and register it, owned
 * by the calling user.
 */
static void
CreateQuery(CqQueryDef *def)
{
	Oid uid = GetUserId();
	CqQueryRow row;
	InsertArgs args;

	CheckPreloaded();
	cq_spec_validate(def);
	RowFromDef(def, cq_spec_canonical(def), uid, &row);

	/*
	 * The owner must stay a role until we commit: DROP ROLE takes this
	 * lock exclusively before it looks for the role's queries.
	 */
	cq_owner_lock(uid);

	args.row = &row;
	args.start_beginning = def->start_beginning;
	cq_as_extension_owner(InsertAsOwner, &args);
	cq_explicit_ids_invalidate(row.source);
	Async_Notify(CQ_REGISTRY_CHANNEL, def->name);
}

/* The arguments both create functions begin with: name, source, columns */
static void
SourceArgs(FunctionCallInfo fcinfo, CqQueryDef *def)
{
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query name must not be null")));
	def->name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source table must not be null")));
	def->source = PG_GETARG_OID(1);
	def->time_column = cq_name_arg(fcinfo, 2, "time column");
	def->value_column = cq_name_arg(fcinfo, 3, "value column");
}

/*
 * cqstream.create_transform(name, source, time_column, value_column,
 * operation, arg, key_column, options)
 */
Datum
cq_create_transform(PG_FUNCTION_ARGS)
{
	CqQueryDef def;

	memset(&def, 0, sizeof(def));
	SourceArgs(fcinfo, &def);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("operation must not be null")));
	def.operation = text_to_cstring(PG_GETARG_TEXT_PP(4));
	def.has_arg = !PG_ARGISNULL(5);
	def.arg = def.has_arg ? PG_GETARG_FLOAT8(5) : 0;
	def.key_column = PG_ARGISNULL(6) ? NULL
									 : cq_name_arg(fcinfo, 6, "key column");
	def.options = PG_ARGISNULL(7) ? NULL : PG_GETARG_JSONB_P(7);
	CreateQuery(&def);
	PG_RETURN_VOID();
}

/*
 * cqstream.create_aggregate(name, source, time_column, value_column,
 * aggregation, win, key_column, lateness, emit, options)
 */
Datum
cq_create_aggregate(PG_FUNCTION_ARGS)
{
	CqQueryDef def;

	memset(&def, 0, sizeof(def));
	def.aggregate = true;
	SourceArgs(fcinfo, &def);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("aggregation must not be null")));
	def.aggregation = text_to_cstring(PG_GETARG_TEXT_PP(4));
	if (!PG_ARGISNULL(5))
	{
		cq_window_from_record(PG_GETARG_HEAPTUPLEHEADER(5), &def.window);
		def.has_window = true;
	}
	def.key_column = PG_ARGISNULL(6) ? NULL
									 : cq_name_arg(fcinfo, 6, "key column");
	def.lateness = PG_ARGISNULL(7)
		? 0
		: cq_interval_usec(PG_GETARG_INTERVAL_P(7), "lateness");
	def.emit = PG_ARGISNULL(8) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(8));
	def.options = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	CreateQuery(&def);
	PG_RETURN_VOID();
}

/*
 * cqstream.create_position_query(name, source, time_column, key_column,
 * lon_column, lat_column, operation, options, position_column): the
 * position is either the longitude and latitude columns or, with
 * position_column, one PostGIS geometry column.
 */
Datum
cq_create_position_query(PG_FUNCTION_ARGS)
{
	CqQueryDef def;

	memset(&def, 0, sizeof(def));
	def.position = true;
	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("query name must not be null")));
	def.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source table must not be null")));
	def.source = PG_GETARG_OID(1);
	def.time_column = cq_name_arg(fcinfo, 2, "time column");
	def.key_column = cq_name_arg(fcinfo, 3, "key column");
	/* (an install script older than the library may pass only 8) */
	if (PG_NARGS() > 8 && !PG_ARGISNULL(8))
	{
		/* one geometry column (position_geometry.c), or two numbers */
		if (!PG_ARGISNULL(4) || !PG_ARGISNULL(5))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("a position query over position column \"%s\" "
							"takes no %s column",
							NameStr(*PG_GETARG_NAME(8)),
							PG_ARGISNULL(4) ? "latitude" : "longitude"),
					 errhint("Give either longitude and latitude columns or "
							 "one geometry(Point, 4326) position column.")));
		def.geometry = true;
		def.value_column = cq_name_arg(fcinfo, 8, "position column");
	}
	else
	{
		def.value_column = cq_name_arg(fcinfo, 4, "longitude column");
		def.lat_column = cq_name_arg(fcinfo, 5, "latitude column");
	}
	if (PG_ARGISNULL(6))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("operation must not be null")));
	def.operation = text_to_cstring(PG_GETARG_TEXT_PP(6));
	def.options = PG_ARGISNULL(7) ? NULL : PG_GETARG_JSONB_P(7);
	CreateQuery(&def);
	PG_RETURN_VOID();
}

/*
 * cqstream.create_query(name, source, spec): the body is read into the
 * same CqQueryDef as the other create functions' arguments.
 */
Datum
cq_create_query(PG_FUNCTION_ARGS)
{
	CqQueryDef def;

	memset(&def, 0, sizeof(def));
	def.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	def.source = PG_GETARG_OID(1);
	cq_spec_from_body(&def, PG_GETARG_JSONB_P(2));
	CreateQuery(&def);
	PG_RETURN_VOID();
}

typedef enum RegistryChange
{
	CHANGE_DROP,
	CHANGE_PAUSE,
	CHANGE_RESUME
} RegistryChange;

typedef struct ChangeArgs
{
	const char *name;
	RegistryChange change;
	Oid uid;
} ChangeArgs;

static void
ChangeAsOwner(void *arg)
{
	static const char *const actions[] = {"drop", "pause", "resume"};
	ChangeArgs *a = arg;
	Oid owner;
	int32 id;

	id = cq_catalog_lookup(a->name, true, &owner);
	cq_owner_check(a->uid, owner, a->name, actions[a->change]);
	switch (a->change)
	{
		case CHANGE_DROP:
			/* its state, results and windows go by ON DELETE CASCADE */
			cq_catalog_drop(id);
			break;
		case CHANGE_PAUSE:
			cq_catalog_set_paused(id, true);
			break;
		case CHANGE_RESUME:
			cq_catalog_set_paused(id, false);

			/*
			 * Resuming is also how a failed query is retried (after its
			 * owner fixed the cause): clear the failure so the worker
			 * takes it again.
			 */
			cq_catalog_clear_failure(id);
			break;
	}
}

static void
ChangeQuery(const char *name, RegistryChange change)
{
	ChangeArgs args;

	args.name = name;
	args.change = change;
	args.uid = GetUserId();
	cq_as_extension_owner(ChangeAsOwner, &args);
	Async_Notify(CQ_REGISTRY_CHANNEL, name);
}

/* cqstream.drop_query(name): the query, its state and its results */
Datum
cq_drop_query(PG_FUNCTION_ARGS)
{
	ChangeQuery(text_to_cstring(PG_GETARG_TEXT_PP(0)), CHANGE_DROP);
	PG_RETURN_VOID();
}

Datum
cq_pause_query(PG_FUNCTION_ARGS)
{
	ChangeQuery(text_to_cstring(PG_GETARG_TEXT_PP(0)), CHANGE_PAUSE);
	PG_RETURN_VOID();
}

Datum
cq_resume_query(PG_FUNCTION_ARGS)
{
	ChangeQuery(text_to_cstring(PG_GETARG_TEXT_PP(0)), CHANGE_RESUME);
	PG_RETURN_VOID();
}

typedef struct ResultsArgs
{
	const char *name;
	Oid uid;
	int64 after_id;
	int32 max_rows;
	ReturnSetInfo *rsinfo;
} ResultsArgs;

static void
ResultsAsOwner(void *arg)
{
	ResultsArgs *a = arg;
	Oid owner;
	int32 id;
	ArrayType *readers = NULL;

	id = cq_catalog_lookup(a->name, false, &owner);
	(void) cq_catalog_readers(id, &owner, &readers);
	cq_access_check_read(a->uid, a->name, owner, readers);
	cq_result_log_read(id, a->after_id, a->max_rows, a->rsinfo);
}

/*
 * cqstream.results(name, after_id, max_rows): the logged results after
 * after_id, in id order, for members of the owner's role.
 */
Datum
cq_results(PG_FUNCTION_ARGS)
{
	ResultsArgs args;

	args.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	args.uid = GetUserId();
	args.after_id = PG_GETARG_INT64(1);
	args.max_rows = PG_GETARG_INT32(2);
	if (args.max_rows < 1 || args.max_rows > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be between 1 and 1000000, not %d",
						args.max_rows)));
	InitMaterializedSRF(fcinfo, 0);
	args.rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	cq_as_extension_owner(ResultsAsOwner, &args);
	return (Datum) 0;
}

typedef struct LagArgs
{
	int32 query_id;
	Oid uid;
	bool found;
	int64 lag;
} LagArgs;

static void
LagAsOwner(void *arg)
{
	LagArgs *a = arg;
	Oid owner;
	Oid seq;
	int64 last;
	int64 v;
	bool handed_out;

	if (!cq_catalog_lag_source(a->query_id, &owner, &seq, &last) ||
		!is_member_of_role(a->uid, owner) ||
		!cq_sequence_last_value(seq, &v, &handed_out))
		return;
	a->found = true;
	a->lag = (!handed_out || v <= last) ? 0 : v - last;
}

/*
 * cqstream.query_lag(query_id): for the view cqstream.queries, the last
 * value of the source's id sequence minus the query's last_source_id,
 * never negative.  NULL for callers outside the owner's role (it tells
 * how many rows the source received), for an unknown query, or when the
 * sequence no longer exists.  Reads the sequence as the extension's
 * owner: the query's owner may read the table but not its sequence.
 */
Datum
cq_query_lag(PG_FUNCTION_ARGS)
{
	LagArgs args;

	args.query_id = PG_GETARG_INT32(0);
	args.uid = GetUserId();
	args.found = false;
	args.lag = 0;
	cq_as_extension_owner(LagAsOwner, &args);
	if (!args.found)
		PG_RETURN_NULL();
	PG_RETURN_INT64(args.lag);
}
