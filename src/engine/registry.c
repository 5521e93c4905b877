/*-------------------------------------------------------------------------
 *
 * registry.c
 *	  The query registry: the SQL API that registers, drops, pauses and
 *	  resumes continuous queries and reads their results log.
 *
 * Design notes
 *
 * Both create functions (create_transform and create_query) only gather
 * their arguments into one QueryDef; ValidateQuery checks it and
 * InsertQuery stores it, so there is one validation path and one
 * canonical spec: {"operation": <canonical chain>, "timeColumn",
 * "valueColumn", "keyColumn", "idColumn", "options": {every option, with
 * defaults filled in}}.  Passing a stored spec back to create_query
 * registers the same query again.
 *
 * Security: the functions are plain C, not SECURITY DEFINER.  Everything
 * is checked as the calling user (GetUserId(): SELECT on the source,
 * membership in the query owner's role).  The catalog tables are revoked
 * from PUBLIC, so reads and writes of them run as the extension's owner
 * (OwnerBegin/OwnerEnd), in a security-restricted operation with
 * search_path = pg_catalog, pg_temp, and with every value passed as an
 * SPI parameter: the caller's search_path, operators or functions never
 * run with the owner's rights.  The query's owner is the calling user.
 *
 * Every change sends NOTIFY cqstream_registry (payload: the query name),
 * delivered at commit, so that the worker wakes up.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/genam.h"
#include "access/relation.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/dependency.h"
#include "catalog/indexing.h"
#include "catalog/namespace.h"
#include "catalog/pg_authid.h"
#include "catalog/pg_extension.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/extension.h"
#include "common/int.h"
#include "common/shortest_dec.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/numeric.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "core/operation.h"
#include "engine/access.h"
#include "engine/registry.h"
#include "core/window.h"

PG_FUNCTION_INFO_V1(cq_create_transform);
PG_FUNCTION_INFO_V1(cq_create_aggregate);
PG_FUNCTION_INFO_V1(cq_create_query);
PG_FUNCTION_INFO_V1(cq_drop_query);
PG_FUNCTION_INFO_V1(cq_pause_query);
PG_FUNCTION_INFO_V1(cq_resume_query);
PG_FUNCTION_INFO_V1(cq_results);
PG_FUNCTION_INFO_V1(cq_query_lag);

bool registry_preloaded = false;

/* Option defaults (docs/engine.md) */
#define DEFAULT_RETENTION_ROWS INT64CONST(100000)
#define DEFAULT_RETENTION_AGE  "1 day"
#define DEFAULT_NOTIFY		   "payload"

#define OPTIONS_HINT                                                    \
	"Options are \"retention_rows\" (a whole number, 0 for no limit), " \
	"\"retention_age\" (an interval such as \"1 day\", or null for no " \
	"limit), \"notify\" (\"payload\", \"id\" or \"none\"), \"start\" "  \
	"(\"now\" or \"beginning\") and, for window aggregates, "           \
	"\"idle_flush\" (an interval, or null for none)."

#define SPEC_HINT                                                       \
	"A query body has \"operation\" (an operation or a chain such as "  \
	"\"mul 1.8 | add 32\"), \"arg\" (a number, for one operation), "    \
	"\"timeColumn\", \"valueColumn\", and optionally \"keyColumn\", "   \
	"\"idColumn\" and \"options\" (an object); a window aggregate has " \
	"\"aggregation\" and \"window\" instead of \"operation\", and "     \
	"optionally \"lateness\" and \"emit\"."

#define WINDOW_JSON_HINT                                                     \
	"A window is {\"type\": \"TUMBLING\", \"size\": 10, \"unit\": "          \
	"\"SECONDS\"}, {\"type\": \"HOPPING\", \"size\": 1, \"unit\": "          \
	"\"MINUTES\", \"hop\": 10, \"hopUnit\": \"SECONDS\"} or {\"type\": "     \
	"\"COUNT\", \"size\": 5, \"hop\": 1}; time windows may have \"offset\" " \
	"and \"offsetUnit\".  Units: MICROSECONDS, MILLISECONDS, SECONDS, "      \
	"MINUTES, HOURS, DAYS."

#define NAME_HINT                                                          \
	"A query name is a lowercase letter followed by at most 46 lowercase " \
	"letters, digits or underscores."

/* A query being created, as given and then as validated */
typedef struct QueryDef
{
	/* as given */
	char *name;
	Oid source;
	char *time_column;
	char *value_column;
	char *key_column; /* NULL: none */
	char *id_column;  /* NULL: find it */
	char *operation;  /* one operation or a chain */
	bool has_arg;
	double arg;
	Jsonb *options; /* NULL: all defaults */
	/* window aggregates (docs/windows.md) */
	bool aggregate;
	char *aggregation; /* as given */
	bool has_window;
	CqWindowSpec window; /* validated when read */
	int64 lateness;		 /* microseconds */
	char *emit;			 /* as given; NULL: on_close */

	/* filled in by ValidateQuery */
	char *chain; /* canonical chain */
	Oid id_sequence;
	int64 retention_rows;
	char *retention_age; /* canonical interval text; NULL: none */
	const char *notify;
	bool start_beginning;
	char *idle_flush; /* canonical interval text; NULL: none */
	CqValueType value_type;
	CqAggKind agg;
} QueryDef;

/* Saved state around OwnerBegin/OwnerEnd */
typedef struct OwnerContext
{
	Oid save_userid;
	int save_sec_context;
	int save_nestlevel;
} OwnerContext;

void
registry_init(void)
{
	registry_preloaded = process_shared_preload_libraries_in_progress;
}

/*
 * registry_extension_owner: extowner of cqstream, from pg_extension.
 */
Oid
registry_extension_owner(void)
{
	Relation rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple tup;
	Oid owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("cqstream"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"cqstream\" is not installed in this "
						"database")));
	return owner;
}

/*
 * OwnerBegin: run as the extension's owner, in a security-restricted
 * operation, with a safe search_path, until OwnerEnd.  The caller wraps
 * the span in PG_TRY/PG_FINALLY and calls OwnerEnd in the FINALLY block;
 * on error the GUC nest level is unwound by the (sub)transaction abort.
 */
static void
OwnerBegin(OwnerContext *ctx)
{
	Oid owner = registry_extension_owner();

	GetUserIdAndSecContext(&ctx->save_userid, &ctx->save_sec_context);
	SetUserIdAndSecContext(owner,
						   ctx->save_sec_context |
							   SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	ctx->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

static void
OwnerEnd(OwnerContext *ctx, bool ok)
{
	if (ok)
		AtEOXact_GUC(false, ctx->save_nestlevel);
	SetUserIdAndSecContext(ctx->save_userid, ctx->save_sec_context);
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

static bool
IsValidQueryName(const char *name)
{
	size_t len = strlen(name);

	if (len < 1 || len > CQ_QUERY_NAME_MAXLEN)
		return false;
	if (name[0] < 'a' || name[0] > 'z')
		return false;
	for (size_t i = 1; i < len; i++)
	{
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_'))
			return false;
	}
	return true;
}

static void
CheckQueryName(const char *name)
{
	if (!IsValidQueryName(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid query name \"%s\"", name),
				 errhint(NAME_HINT)));
	if (strcmp(name, CQ_RESERVED_QUERY_NAME) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query name \"%s\" is reserved", name),
				 errdetail("Its channel would be \"%s\", where cqstream "
						   "announces changes to the registry.",
						   CQ_REGISTRY_CHANNEL)));
}

static char *
JsonbKey(const JsonbValue *k)
{
	return pnstrdup(k->val.string.val, k->val.string.len);
}

/* A string value of a JSON body or options; NULL for JSON null if allowed */
static char *
JsonbString(const JsonbValue *v, const char *key, bool null_ok,
			const char *what, const char *hint)
{
	if (v->type == jbvNull && null_ok)
		return NULL;
	if (v->type != jbvString)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s \"%s\" must be a string%s, not %s", what, key,
						null_ok ? " or null" : "",
						JsonbTypeName((JsonbValue *) v)),
				 errhint("%s", hint)));
	return JsonbKey(v);
}

/* One of a few words; the caller's hint lists them */
static const char *
OptionWord(const JsonbValue *v, const char *key, const char *const *words)
{
	char *s = JsonbString(v, key, false, "option", OPTIONS_HINT);

	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return words[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", key, s),
			 errhint(OPTIONS_HINT)));
	pg_unreachable();
}

static int64
OptionRetentionRows(const JsonbValue *v)
{
	char *s;
	int64 n = 0;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"retention_rows\" must be a number, not %s",
						JsonbTypeName((JsonbValue *) v)),
				 errhint(OPTIONS_HINT)));
	s = numeric_normalize(v->val.numeric);
	if (s[0] == '\0' || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"retention_rows\": \"%s\"",
						s),
				 errdetail("It must be a whole number from 0 to "
						   "999999999999999999."),
				 errhint(OPTIONS_HINT)));
	for (const char *p = s; *p; p++)
		n = n * 10 + (*p - '0');
	return n;
}

/*
 * Canonical text of a positive interval, independent of IntervalStyle;
 * key names the option in errors.
 */
static char *
OptionInterval(const char *key, const char *text)
{
	Interval *iv;
	Interval zero;
	struct pg_itm itm;
	char buf[MAXDATELEN + 1];

	iv = DatumGetIntervalP(
		DirectFunctionCall3(interval_in, CStringGetDatum(text),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", key, text),
				 errdetail("The interval must be positive."),
				 errhint(OPTIONS_HINT)));
	interval2itm(*iv, &itm);
	EncodeInterval(&itm, INTSTYLE_POSTGRES, buf);
	return pstrdup(buf);
}

/* Fill in def's options from def->options, with defaults */
static void
ParseOptions(QueryDef *def)
{
	static const char *const notify_words[] = {"payload", "id", "none", NULL};
	static const char *const start_words[] = {"now", "beginning", NULL};
	JsonbIterator *it;
	JsonbValue k;
	JsonbValue v;
	JsonbIteratorToken tok;

	def->retention_rows = DEFAULT_RETENTION_ROWS;
	def->retention_age = OptionInterval("retention_age",
										DEFAULT_RETENTION_AGE);
	def->notify = DEFAULT_NOTIFY;
	def->start_beginning = false;
	def->idle_flush = NULL;
	if (def->options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(def->options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query options must be a JSON object"),
				 errhint(OPTIONS_HINT)));

	it = JsonbIteratorInit(&def->options->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char *key;

		if (tok != WJB_KEY)
			continue;
		key = JsonbKey(&k);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (strcmp(key, "retention_rows") == 0)
			def->retention_rows = OptionRetentionRows(&v);
		else if (strcmp(key, "retention_age") == 0)
		{
			char *s = JsonbString(&v, key, true, "option", OPTIONS_HINT);

			def->retention_age = s ? OptionInterval(key, s) : NULL;
		}
		else if (strcmp(key, "idle_flush") == 0 && def->aggregate)
		{
			char *s = JsonbString(&v, key, true, "option", OPTIONS_HINT);

			def->idle_flush = s ? OptionInterval(key, s) : NULL;
			/* It must have a fixed length (no months) */
			if (s)
				(void)
					cq_interval_usec(DatumGetIntervalP(
										 DirectFunctionCall3(interval_in,
															 CStringGetDatum(
																 def->idle_flush),
															 ObjectIdGetDatum(
																 InvalidOid),
															 Int32GetDatum(
																 -1))),
									 "idle_flush");
		}
		else if (strcmp(key, "notify") == 0)
			def->notify = OptionWord(&v, key, notify_words);
		else if (strcmp(key, "start") == 0)
			def->start_beginning = strcmp(OptionWord(&v, key, start_words),
										  "beginning") == 0;
		else if (strcmp(key, "idle_flush") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"idle_flush\" applies to window "
							"aggregates only"),
					 errhint(OPTIONS_HINT)));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown query option \"%s\"", key),
					 errhint(OPTIONS_HINT)));
	}
}

/*
 * ResolveChain: def->chain from def->operation and def->arg.  With an
 * argument, operation must be one operation's name; the chain parser
 * then checks both, so the errors are those of a chain.
 */
static void
ResolveChain(QueryDef *def)
{
	CqChain chain;
	const char *text = def->operation;

	if (def->has_arg)
	{
		const CqOperation *op = cq_operation_lookup(def->operation);
		char num[DOUBLE_SHORTEST_DECIMAL_LEN];

		if (op == NULL)
		{
			if (strchr(def->operation, '|') != NULL ||
				strchr(def->operation, ' ') != NULL)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("an argument cannot be given with the "
								"operation chain \"%s\"",
								def->operation),
						 errhint("Write each step's argument in the chain, "
								 "as in \"mul 1.8 | add 32\", and leave the "
								 "argument null.")));
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown operation \"%s\"", def->operation),
					 errhint("Operations: %s.", cq_operation_names())));
		}
		if (op->arg == CQ_ARG_NONE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("operation \"%s\" takes no argument", op->name),
					 errhint("Leave the argument null.")));
		double_to_shortest_decimal_buf(def->arg, num);
		text = psprintf("%s %s", op->name, num);
	}
	cq_chain_parse(text, &chain);
	def->chain = cq_chain_format(&chain);
}

/*
 * Window aggregates in a JSON body.  Durations are a whole number and a
 * unit; the canonical spec writes each in the largest unit that divides
 * it, so equal windows store equal specs.
 */
typedef struct TimeUnit
{
	const char *name;
	int64 usec;
} TimeUnit;

/* Largest first: CanonicalDuration takes the first that divides */
static const TimeUnit time_units[] = {
	{"DAYS", USECS_PER_DAY},	   {"HOURS", USECS_PER_HOUR},
	{"MINUTES", USECS_PER_MINUTE}, {"SECONDS", USECS_PER_SEC},
	{"MILLISECONDS", 1000},		   {"MICROSECONDS", 1},
};

static void
InvalidWindowJson(const char *fmt, const char *arg)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE), errmsg(fmt, arg),
			 errhint(WINDOW_JSON_HINT)));
}

/* s as a whole decimal number within int64 */
static bool
WholeNumber(const char *s, int64 *n)
{
	char *end;

	errno = 0;
	*n = strtoi64(s, &end, 10);
	return errno == 0 && end != s && *end == '\0';
}

/* A JSON whole number (may be negative) within int64 */
static int64
JsonbWhole(const JsonbValue *v, const char *member)
{
	char *s;
	int64 n;

	if (v->type != jbvNumeric)
		InvalidWindowJson("window member \"%s\" must be a number", member);
	s = numeric_normalize(v->val.numeric);
	if (!WholeNumber(s, &n))
		InvalidWindowJson("window member \"%s\" must be a whole number",
						  member);
	return n;
}

/* The microseconds of a unit's name (case-insensitive) */
static int64
UnitUsec(const JsonbValue *v, const char *member)
{
	char *name;

	if (v == NULL)
		return USECS_PER_SEC;
	if (v->type != jbvString)
		InvalidWindowJson("window member \"%s\" must be a string", member);
	name = JsonbKey(v);
	for (int i = 0; i < lengthof(time_units); i++)
		if (pg_strcasecmp(name, time_units[i].name) == 0)
			return time_units[i].usec;
	InvalidWindowJson("unknown time unit \"%s\"", name);
	return 0;
}

/* n units of usec microseconds, or 22023 */
static int64
Duration(int64 n, int64 usec, const char *member)
{
	int64 r;

	if (pg_mul_s64_overflow(n, usec, &r))
		InvalidWindowJson("window member \"%s\" is out of range", member);
	return r;
}

/* "sizekey": n, "unitkey": "UNIT" in the largest unit dividing usec */
static void
AppendDuration(StringInfo buf, const char *sizekey, const char *unitkey,
			   int64 usec)
{
	const TimeUnit *u = &time_units[lengthof(time_units) - 1];

	for (int i = 0; i < lengthof(time_units); i++)
		if (usec % time_units[i].usec == 0)
		{
			u = &time_units[i];
			break;
		}
	appendStringInfo(buf, "\"%s\": " INT64_FORMAT ", \"%s\": \"%s\"", sizekey,
					 usec / u->usec, unitkey, u->name);
}

/* Find member key of object container c (NULL if absent) */
static JsonbValue *
Member(JsonbContainer *c, const char *key)
{
	return getKeyJsonValueFromContainer(c, key, strlen(key), NULL);
}

/*
 * ParseWindowJson: def->window from a body's "window" object, validated
 * by the window core's constructors.
 */
static void
ParseWindowJson(QueryDef *def, const JsonbValue *v)
{
	static const char *const known[] = {"type",		  "size",	 "unit",
										"hop",		  "hopUnit", "offset",
										"offsetUnit", NULL};
	JsonbContainer *c;
	JsonbValue *type, *size, *unit, *hop, *hopunit, *offset, *offsetunit;
	JsonbIterator *it;
	JsonbValue k;
	JsonbIteratorToken tok;
	char *kind;

	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
		InvalidWindowJson("member \"%s\" must be an object", "window");
	c = v->val.binary.data;
	it = JsonbIteratorInit(c);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		bool ok = false;

		if (tok != WJB_KEY)
			continue;
		for (int i = 0; known[i]; i++)
			ok = ok || strcmp(JsonbKey(&k), known[i]) == 0;
		if (!ok)
			InvalidWindowJson("unknown window member \"%s\"", JsonbKey(&k));
	}
	type = Member(c, "type");
	size = Member(c, "size");
	unit = Member(c, "unit");
	hop = Member(c, "hop");
	hopunit = Member(c, "hopUnit");
	offset = Member(c, "offset");
	offsetunit = Member(c, "offsetUnit");
	if (type == NULL || type->type != jbvString)
		InvalidWindowJson("window member \"%s\" must be a string", "type");
	if (size == NULL)
		InvalidWindowJson("window lacks member \"%s\"", "size");
	kind = JsonbKey(type);
	if (pg_strcasecmp(kind, "COUNT") == 0)
	{
		int64 n = JsonbWhole(size, "size");

		if (unit || hopunit || offset || offsetunit)
			InvalidWindowJson("a %s window has only \"size\" and \"hop\"",
							  "COUNT");
		cq_window_count(&def->window, n, hop ? JsonbWhole(hop, "hop") : n);
	}
	else if (pg_strcasecmp(kind, "TUMBLING") == 0 ||
			 pg_strcasecmp(kind, "HOPPING") == 0)
	{
		bool tumbling = pg_strcasecmp(kind, "TUMBLING") == 0;
		int64 u = UnitUsec(unit, "unit");
		int64 sz = Duration(JsonbWhole(size, "size"), u, "size");
		int64 hp = sz;
		int64 off = 0;

		if (tumbling && (hop || hopunit))
			InvalidWindowJson("a %s window has no hop", "TUMBLING");
		if (!tumbling)
		{
			if (hop == NULL)
				InvalidWindowJson("window lacks member \"%s\"", "hop");
			hp = Duration(JsonbWhole(hop, "hop"),
						  hopunit ? UnitUsec(hopunit, "hopUnit") : u, "hop");
		}
		if (offset)
			off = Duration(JsonbWhole(offset, "offset"),
						   offsetunit ? UnitUsec(offsetunit, "offsetUnit") : u,
						   "offset");
		else if (offsetunit)
			InvalidWindowJson("window lacks member \"%s\"", "offset");
		cq_window_time(&def->window,
					   tumbling ? CQ_WINDOW_TUMBLING : CQ_WINDOW_HOPPING, sz,
					   hp, off);
	}
	else
		InvalidWindowJson("unknown window type \"%s\"", kind);
	def->has_window = true;
}

/* A body's "lateness": {"size": n, "unit": U} or null */
static int64
ParseLatenessJson(const JsonbValue *v)
{
	JsonbValue *size;

	if (v->type == jbvNull)
		return 0;
	if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data) ||
		(size = Member(v->val.binary.data, "size")) == NULL)
		InvalidWindowJson("member \"%s\" must be an object with \"size\" and "
						  "\"unit\", or null",
						  "lateness");
	return Duration(JsonbWhole(size, "size"),
					UnitUsec(Member(v->val.binary.data, "unit"), "unit"),
					"lateness");
}

/* The canonical "window" object of a validated window */
static void
AppendWindowJson(StringInfo buf, const CqWindowSpec *w)
{
	if (w->kind == CQ_WINDOW_COUNT)
	{
		appendStringInfo(buf, "{\"type\": \"COUNT\", \"size\": " INT64_FORMAT,
						 w->size);
		if (w->hop != w->size)
			appendStringInfo(buf, ", \"hop\": " INT64_FORMAT, w->hop);
		appendStringInfoChar(buf, '}');
		return;
	}
	appendStringInfo(buf, "{\"type\": \"%s\", ",
					 w->kind == CQ_WINDOW_TUMBLING ? "TUMBLING" : "HOPPING");
	AppendDuration(buf, "size", "unit", w->size);
	if (w->kind == CQ_WINDOW_HOPPING)
	{
		appendStringInfoString(buf, ", ");
		AppendDuration(buf, "hop", "hopUnit", w->hop);
	}
	if (w->offset != 0)
	{
		appendStringInfoString(buf, ", ");
		AppendDuration(buf, "offset", "offsetUnit", w->offset);
	}
	appendStringInfoChar(buf, '}');
}

/*
 * ValidateAggregate: the aggregation for the value type, the window, the
 * lateness and the emit mode of an aggregate (after ValidateSource).
 */
static void
ValidateAggregate(QueryDef *def)
{
	if (!def->has_window)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window must not be null"),
				 errhint(WINDOW_JSON_HINT)));
	def->agg = cq_agg_parse(def->aggregation, def->value_type);
	if (def->lateness < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("lateness must not be negative")));
	if (def->lateness > 0 && def->window.kind == CQ_WINDOW_COUNT)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("count windows take no lateness"),
				 errdetail("Count windows group rows in arrival order, not "
						   "by event time."),
				 errhint("Leave the lateness at 0.")));
	if (def->emit == NULL)
		def->emit = "on_close";
	else if (pg_strcasecmp(def->emit, "on_close") == 0)
		def->emit = "on_close";
	else if (pg_strcasecmp(def->emit, "on_update") == 0)
		def->emit = "on_update";
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid emit mode \"%s\"", def->emit),
				 errhint("Emit modes are \"on_close\" (one final result per "
						 "window) and \"on_update\" (also a result each "
						 "batch the window changes).")));
}

/*
 * ColumnType: the base type of column colname of relid (42703 if it does
 * not exist or is a system column); *attnum gets its number.
 */
static Oid
ColumnType(Relation rel, const char *colname, AttrNumber *attnum)
{
	AttrNumber n = get_attnum(RelationGetRelid(rel), colname);

	if (n <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, RelationGetRelationName(rel))));
	*attnum = n;
	return getBaseType(TupleDescAttr(RelationGetDescr(rel), n - 1)->atttypid);
}

/*
 * IdSequence: the sequence that fills column attnum of rel, if it is an
 * identity column or its default is nextval() of a sequence it owns;
 * InvalidOid otherwise.
 */
static Oid
IdSequence(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Node *expr;
	FuncExpr *f;
	Const *c;
	Oid seq;
	Oid table;
	int32 col;

	if (att->attisdropped || att->atttypid != INT8OID)
		return InvalidOid;
	if (att->attidentity)
		return getIdentitySequence(RelationGetRelid(rel), attnum, true);
	if (!att->atthasdef)
		return InvalidOid;
	expr = build_column_default(rel, attnum);
	if (expr == NULL || !IsA(expr, FuncExpr))
		return InvalidOid;
	f = (FuncExpr *) expr;
	if (f->funcid != F_NEXTVAL || list_length(f->args) != 1 ||
		!IsA(linitial(f->args), Const))
		return InvalidOid;
	c = (Const *) linitial(f->args);
	if (c->constisnull || c->consttype != REGCLASSOID)
		return InvalidOid;
	seq = DatumGetObjectId(c->constvalue);
	if (!sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &col) ||
		table != RelationGetRelid(rel) || col != attnum)
		return InvalidOid;
	return seq;
}

static void
NoIdColumn(Relation rel, const char *detail, const char *hint)
{
	const char *qname = quote_qualified_identifier(get_namespace_name(
													   RelationGetNamespace(
														   rel)),
												   RelationGetRelationName(
													   rel));

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table \"%s\" has no usable id column",
					RelationGetRelationName(rel)),
			 errdetail("%s", detail),
			 hint
				 ? errhint("%s", hint)
				 : errhint("Add one with: ALTER TABLE %s ADD COLUMN id bigint "
						   "GENERATED ALWAYS AS IDENTITY;",
						   qname)));
}

/* def->id_column and def->id_sequence: given, or the only candidate */
static void
FindIdColumn(QueryDef *def, Relation rel)
{
	TupleDesc desc = RelationGetDescr(rel);
	AttrNumber attnum;
	int found = 0;

	if (def->id_column != NULL)
	{
		(void) ColumnType(rel, def->id_column, &attnum);
		def->id_sequence = IdSequence(rel, attnum);
		if (!OidIsValid(def->id_sequence))
			NoIdColumn(rel,
					   psprintf("Column \"%s\" is not a bigint identity "
								"column nor a bigint column filled by "
								"nextval() of a sequence it owns.",
								def->id_column),
					   NULL);
		return;
	}
	for (int i = 0; i < desc->natts; i++)
	{
		Oid seq = IdSequence(rel, i + 1);

		if (!OidIsValid(seq))
			continue;
		if (++found == 1)
		{
			def->id_column = pstrdup(NameStr(TupleDescAttr(desc, i)->attname));
			def->id_sequence = seq;
		}
	}
	if (found == 0)
		NoIdColumn(rel,
				   "A source needs a bigint identity column, or a bigint "
				   "column filled by nextval() of a sequence it owns, so "
				   "that new rows can be read by id.",
				   NULL);
	if (found > 1)
		NoIdColumn(rel,
				   psprintf("It has %d bigint columns filled from a "
							"sequence.",
							found),
				   "Name the id column with \"idColumn\" in the body of "
				   "cqstream.create_query.");
}

/*
 * ValidateSource: check the source and the columns as the calling user;
 * the source stays locked (AccessShareLock) until the end of the
 * transaction.
 */
static void
ValidateSource(QueryDef *def)
{
	Oid uid = GetUserId();
	Relation rel;
	const char *relname;
	AttrNumber time_att;
	AttrNumber value_att;
	AttrNumber key_att = InvalidAttrNumber;
	Oid typ;

	LockRelationOid(def->source, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(def->source)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", def->source)));
	rel = relation_open(def->source, NoLock);
	relname = RelationGetRelationName(rel);
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname),
				 errdetail("A source must be a plain or partitioned table.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table", relname),
				 errdetail("The worker cannot read another session's "
						   "temporary tables.")));

	typ = ColumnType(rel, def->time_column, &time_att);
	if (typ != TIMESTAMPTZOID && typ != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("time column \"%s\" is of type %s", def->time_column,
						format_type_be(typ)),
				 errdetail("The time column must be of type timestamp with "
						   "time zone or timestamp.")));
	typ = ColumnType(rel, def->value_column, &value_att);
	if (typ == INT2OID || typ == INT4OID || typ == INT8OID ||
		typ == FLOAT4OID || typ == FLOAT8OID || typ == NUMERICOID)
		def->value_type = CQ_VALUE_NUMBER;
	else if (def->aggregate &&
			 (typ == TEXTOID || typ == VARCHAROID || typ == BPCHAROID ||
			  typ == NAMEOID))
		def->value_type = CQ_VALUE_TEXT;
	else if (def->aggregate && typ == BOOLOID)
		def->value_type = CQ_VALUE_BOOLEAN;
	else if (def->aggregate)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value column \"%s\" is of type %s", def->value_column,
						format_type_be(typ)),
				 errdetail("A window aggregate needs a number (smallint, "
						   "integer, bigint, real, double precision or "
						   "numeric), text (text, varchar, char or name) or "
						   "boolean value column.")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value column \"%s\" is of type %s", def->value_column,
						format_type_be(typ)),
				 errdetail("A transform needs a numeric value column: "
						   "smallint, integer, bigint, real, double "
						   "precision or numeric.")));
	if (def->key_column != NULL)
	{
		(void) ColumnType(rel, def->key_column, &key_att);
		if (key_att == time_att || key_att == value_att)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key column \"%s\" is also the %s column",
							def->key_column,
							key_att == time_att ? "time" : "value"),
					 errhint("The key column partitions the rows, as a "
							 "sensor id does; leave it null for none.")));
	}
	FindIdColumn(def, rel);

	/* SELECT on the table, or on every column the query reads */
	if (pg_class_aclcheck(def->source, uid, ACL_SELECT) != ACLCHECK_OK)
	{
		AttrNumber id_att = get_attnum(def->source, def->id_column);
		AttrNumber atts[4] = {id_att, time_att, value_att, key_att};

		for (int i = 0; i < 4; i++)
			if (atts[i] != InvalidAttrNumber &&
				pg_attribute_aclcheck(def->source, atts[i], uid, ACL_SELECT) !=
					ACLCHECK_OK)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied for table \"%s\"", relname),
						 errdetail("The worker reads the source as the "
								   "query's owner, who needs SELECT on it.")));
	}
	relation_close(rel, NoLock);
}

/* The sequence's last value, NULL (as *isnull) if it was never used */
static int64
SequenceLastValue(Oid seq, bool *isnull)
{
	LOCAL_FCINFO(fcinfo, 1);
	Datum d;

	InitFunctionCallInfoData(*fcinfo, NULL, 1, InvalidOid, NULL, NULL);
	fcinfo->args[0].value = ObjectIdGetDatum(seq);
	fcinfo->args[0].isnull = false;
	d = pg_sequence_last_value(fcinfo);
	*isnull = fcinfo->isnull;
	return *isnull ? 0 : DatumGetInt64(d);
}

/* The canonical spec of a validated query */
static Jsonb *
CanonicalSpec(const QueryDef *def)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (def->aggregate)
	{
		appendStringInfoString(&buf, "{\"aggregation\": ");
		escape_json(&buf, cq_agg_name(def->agg));
		appendStringInfoString(&buf, ", \"window\": ");
		AppendWindowJson(&buf, &def->window);
		appendStringInfoString(&buf, ", \"lateness\": ");
		if (def->lateness > 0)
		{
			appendStringInfoChar(&buf, '{');
			AppendDuration(&buf, "size", "unit", def->lateness);
			appendStringInfoChar(&buf, '}');
		}
		else
			appendStringInfoString(&buf, "null");
		appendStringInfo(&buf, ", \"emit\": \"%s\"", def->emit);
	}
	else
	{
		appendStringInfoString(&buf, "{\"operation\": ");
		escape_json(&buf, def->chain);
	}
	appendStringInfoString(&buf, ", \"timeColumn\": ");
	escape_json(&buf, def->time_column);
	appendStringInfoString(&buf, ", \"valueColumn\": ");
	escape_json(&buf, def->value_column);
	appendStringInfoString(&buf, ", \"keyColumn\": ");
	if (def->key_column)
		escape_json(&buf, def->key_column);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"idColumn\": ");
	escape_json(&buf, def->id_column);
	appendStringInfo(&buf,
					 ", \"options\": {\"retention_rows\": " INT64_FORMAT
					 ", \"retention_age\": ",
					 def->retention_rows);
	if (def->retention_age)
		escape_json(&buf, def->retention_age);
	else
		appendStringInfoString(&buf, "null");
	appendStringInfoString(&buf, ", \"notify\": ");
	escape_json(&buf, def->notify);
	appendStringInfo(&buf, ", \"start\": \"%s\"",
					 def->start_beginning ? "beginning" : "now");
	if (def->aggregate)
	{
		appendStringInfoString(&buf, ", \"idle_flush\": ");
		if (def->idle_flush)
			escape_json(&buf, def->idle_flush);
		else
			appendStringInfoString(&buf, "null");
	}
	appendStringInfoString(&buf, "}}");
	return DatumGetJsonbP(
		DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * LockOwnerRole: share-lock role for the rest of the transaction and
 * check that it still exists (a concurrent DROP ROLE may have committed).
 */
static void
LockOwnerRole(Oid role)
{
	LockSharedObject(AuthIdRelationId, role, 0, AccessShareLock);
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u was concurrently dropped", role)));
}

/*
 * CreateQuery: validate def as the calling user and register it.
 */
static void
CreateQuery(QueryDef *def)
{
	Oid uid = GetUserId();
	Jsonb *spec;
	Jsonb *options;
	int64 start = 0;
	OwnerContext ctx;
	bool ok = false;

	CheckPreloaded();
	CheckQueryName(def->name);
	ValidateSource(def);
	if (def->aggregate)
		ValidateAggregate(def);
	else
		ResolveChain(def);
	ParseOptions(def);
	spec = CanonicalSpec(def);
	options = DatumGetJsonbP(
		DirectFunctionCall2(jsonb_object_field, JsonbPGetDatum(spec),
							CStringGetTextDatum("options")));

	/*
	 * The owner must stay a role until we commit: DROP ROLE takes this
	 * lock exclusively before it looks for the role's queries (as
	 * PostgreSQL's own objects lock the roles they depend on).
	 */
	LockOwnerRole(uid);

	OwnerBegin(&ctx);
	PG_TRY();
	{
		Oid argtypes[20] = {TEXTOID, OIDOID,  NAMEOID,	NAMEOID, NAMEOID,
							NAMEOID, OIDOID,  JSONBOID, TEXTOID, JSONBOID,
							OIDOID,	 TEXTOID, TEXTOID,	TEXTOID, TEXTOID,
							INT8OID, INT8OID, INT8OID,	INT8OID, TEXTOID};
		Datum values[20];
		char nulls[20];
		int ret;
		int32 query_id;
		bool isnull;
		Oid state_types[2] = {INT4OID, INT8OID};
		Datum state_values[2];

		if (!def->start_beginning)
		{
			start = SequenceLastValue(def->id_sequence, &isnull);
			if (isnull)
				start = 0;
		}
		memset(nulls, ' ', sizeof(nulls));
		values[0] = CStringGetTextDatum(def->name);
		values[1] = ObjectIdGetDatum(def->source);
		values[2] = DirectFunctionCall1(namein,
										CStringGetDatum(def->id_column));
		values[3] = DirectFunctionCall1(namein,
										CStringGetDatum(def->time_column));
		values[4] = DirectFunctionCall1(namein,
										CStringGetDatum(def->value_column));
		if (def->key_column)
			values[5] = DirectFunctionCall1(namein,
											CStringGetDatum(def->key_column));
		else
		{
			values[5] = (Datum) 0;
			nulls[5] = 'n';
		}
		values[6] = ObjectIdGetDatum(def->id_sequence);
		values[7] = JsonbPGetDatum(spec);
		values[9] = JsonbPGetDatum(options);
		values[10] = ObjectIdGetDatum(uid);
		if (def->aggregate)
		{
			static const char *const vts[] = {"", "number", "text", "boolean"};
			static const char *const kinds[] = {"", "tumbling", "hopping",
												"count"};

			nulls[8] = 'n';
			values[11] = CStringGetTextDatum("aggregate");
			values[12] = CStringGetTextDatum(cq_agg_name(def->agg));
			values[13] = CStringGetTextDatum(vts[def->value_type]);
			values[14] = CStringGetTextDatum(kinds[def->window.kind]);
			values[15] = Int64GetDatum(def->window.size);
			values[16] = Int64GetDatum(def->window.hop);
			values[17] = Int64GetDatum(def->window.offset);
			values[18] = Int64GetDatum(def->lateness);
			values[19] = CStringGetTextDatum(def->emit);
		}
		else
		{
			values[8] = CStringGetTextDatum(def->chain);
			values[11] = CStringGetTextDatum("transform");
			memset(nulls + 12, 'n', 8);
		}

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ret =
			SPI_execute_with_args("INSERT INTO cqstream.query (name, kind, source, id_column, "
								  "time_column, value_column, key_column, id_sequence, spec, chain, "
								  "options, owner, aggregation, value_type, window_kind, "
								  "window_size, window_hop, window_offset, lateness, emit) "
								  "VALUES ($1, $12, $2::regclass, $3, $4, "
								  "$5, $6, $7::regclass, $8, $9, $10, $11, $13, $14, $15, $16, "
								  "$17, $18, $19, $20) "
								  "ON CONFLICT (name) DO NOTHING RETURNING id",
								  20, argtypes, values, nulls, false, 0);
		if (ret != SPI_OK_INSERT_RETURNING)
			elog(ERROR, "inserting into cqstream.query failed: %d", ret);
		if (SPI_processed == 0)
			ereport(ERROR,
					(errcode(ERRCODE_DUPLICATE_OBJECT),
					 errmsg("query \"%s\" already exists", def->name),
					 errhint("Drop it with cqstream.drop_query first, or "
							 "choose another name.")));
		query_id = DatumGetInt32(SPI_getbinval(SPI_tuptable->vals[0],
											   SPI_tuptable->tupdesc, 1,
											   &isnull));
		if (query_id > CQ_QUERY_ID_MAX)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many queries have been created"),
					 errdetail("Query ids must stay below %d so that result "
							   "ids fit in a bigint.",
							   CQ_QUERY_ID_MAX + 1)));
		state_values[0] = Int32GetDatum(query_id);
		state_values[1] = Int64GetDatum(start);
		ret = SPI_execute_with_args("INSERT INTO cqstream.query_state (query_id, last_source_id) "
									"VALUES ($1, $2)",
									2, state_types, state_values, NULL, false,
									0);
		if (ret != SPI_OK_INSERT)
			elog(ERROR, "inserting into cqstream.query_state failed: %d", ret);
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		OwnerEnd(&ctx, ok);
	}
	PG_END_TRY();

	Async_Notify(CQ_REGISTRY_CHANNEL, def->name);
}

static char *
NameArg(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return pstrdup(NameStr(*PG_GETARG_NAME(n)));
}

/* The arguments both create functions begin with: name, source, columns */
static void
SourceArgs(FunctionCallInfo fcinfo, QueryDef *def)
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
	def->time_column = NameArg(fcinfo, 2, "time column");
	def->value_column = NameArg(fcinfo, 3, "value column");
}

/*
 * cqstream.create_transform(name, source, time_column, value_column,
 * operation, arg, key_column, options)
 */
Datum
cq_create_transform(PG_FUNCTION_ARGS)
{
	QueryDef def;

	memset(&def, 0, sizeof(def));
	SourceArgs(fcinfo, &def);
	if (PG_ARGISNULL(4))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("operation must not be null")));
	def.operation = text_to_cstring(PG_GETARG_TEXT_PP(4));
	def.has_arg = !PG_ARGISNULL(5);
	def.arg = def.has_arg ? PG_GETARG_FLOAT8(5) : 0;
	def.key_column = PG_ARGISNULL(6) ? NULL : NameArg(fcinfo, 6, "key column");
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
	QueryDef def;

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
	def.key_column = PG_ARGISNULL(6) ? NULL : NameArg(fcinfo, 6, "key column");
	def.lateness = PG_ARGISNULL(7)
		? 0
		: cq_interval_usec(PG_GETARG_INTERVAL_P(7), "lateness");
	def.emit = PG_ARGISNULL(8) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(8));
	def.options = PG_ARGISNULL(9) ? NULL : PG_GETARG_JSONB_P(9);
	CreateQuery(&def);
	PG_RETURN_VOID();
}

/*
 * cqstream.create_query(name, source, spec): the body is read into the
 * same QueryDef as create_transform's arguments.
 */
Datum
cq_create_query(PG_FUNCTION_ARGS)
{
	Jsonb *spec = PG_GETARG_JSONB_P(2);
	QueryDef def;
	JsonbIterator *it;
	JsonbValue k;
	JsonbValue v;
	JsonbIteratorToken tok;
	bool has_lateness = false;

	memset(&def, 0, sizeof(def));
	def.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	def.source = PG_GETARG_OID(1);
	if (!JB_ROOT_IS_OBJECT(spec))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body must be a JSON object"),
				 errhint(SPEC_HINT)));

	it = JsonbIteratorInit(&spec->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char *key;

		if (tok != WJB_KEY)
			continue;
		key = JsonbKey(&k);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (strcmp(key, "operation") == 0)
			def.operation = JsonbString(&v, key, false, "member", SPEC_HINT);
		else if (strcmp(key, "arg") == 0)
		{
			if (v.type == jbvNull)
				continue;
			if (v.type != jbvNumeric)
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("member \"arg\" must be a number or null, "
								"not %s",
								JsonbTypeName(&v)),
						 errhint(SPEC_HINT)));
			def.has_arg = true;
			def.arg = DatumGetFloat8(
				DirectFunctionCall1(numeric_float8,
									NumericGetDatum(v.val.numeric)));
		}
		else if (strcmp(key, "timeColumn") == 0)
			def.time_column = JsonbString(&v, key, false, "member", SPEC_HINT);
		else if (strcmp(key, "valueColumn") == 0)
			def.value_column = JsonbString(&v, key, false, "member",
										   SPEC_HINT);
		else if (strcmp(key, "keyColumn") == 0)
			def.key_column = JsonbString(&v, key, true, "member", SPEC_HINT);
		else if (strcmp(key, "idColumn") == 0)
			def.id_column = JsonbString(&v, key, true, "member", SPEC_HINT);
		else if (strcmp(key, "options") == 0)
		{
			if (v.type == jbvNull)
				continue;
			if (v.type != jbvBinary ||
				!JsonContainerIsObject(v.val.binary.data))
				ereport(ERROR,
						(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
						 errmsg("member \"options\" must be an object"),
						 errhint(OPTIONS_HINT)));
			def.options = JsonbValueToJsonb(&v);
		}
		else if (strcmp(key, "aggregation") == 0)
		{
			def.aggregate = true;
			def.aggregation = JsonbString(&v, key, false, "member", SPEC_HINT);
		}
		else if (strcmp(key, "window") == 0)
			ParseWindowJson(&def, &v);
		else if (strcmp(key, "lateness") == 0)
		{
			def.lateness = ParseLatenessJson(&v);
			has_lateness = true;
		}
		else if (strcmp(key, "emit") == 0)
			def.emit = JsonbString(&v, key, true, "member", SPEC_HINT);
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown member \"%s\" in query body", key),
					 errhint(SPEC_HINT)));
	}
	if (def.aggregate && (def.operation != NULL || def.has_arg))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body has both \"aggregation\" and "
						"\"%s\"",
						def.operation != NULL ? "operation" : "arg"),
				 errhint("A query either transforms each row (\"operation\") "
						 "or aggregates rows over windows "
						 "(\"aggregation\" and \"window\").")));
	if (!def.aggregate && (def.has_window || has_lateness || def.emit != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body has \"%s\" but no \"aggregation\"",
						def.has_window	   ? "window"
							: has_lateness ? "lateness"
										   : "emit"),
				 errhint(SPEC_HINT)));
	if ((def.aggregate ? !def.has_window : def.operation == NULL) ||
		def.time_column == NULL || def.value_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body lacks member \"%s\"",
						def.aggregate
							? (!def.has_window				 ? "window"
								   : def.time_column == NULL ? "timeColumn"
															 : "valueColumn")
							: def.operation == NULL	  ? "operation"
							: def.time_column == NULL ? "timeColumn"
													  : "valueColumn"),
				 errhint(SPEC_HINT)));
	CreateQuery(&def);
	PG_RETURN_VOID();
}

/*
 * LookupQuery: id and owner of query name, as the extension's owner, the
 * row locked FOR UPDATE if lock; 42704 if there is none.  Must be called
 * inside OwnerBegin/OwnerEnd, SPI connected.
 */
static int32
LookupQuery(const char *name, bool lock, Oid *owner)
{
	Oid argtypes[1] = {TEXTOID};
	Datum values[1];
	bool isnull;
	int ret;

	values[0] = CStringGetTextDatum(name);
	ret = SPI_execute_with_args(lock ? "SELECT id, owner FROM cqstream.query "
									   "WHERE name = $1 FOR UPDATE"
									 : "SELECT id, owner FROM cqstream.query "
									   "WHERE name = $1",
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

/* 42501 unless uid is a member of owner's role (or a superuser) */
static void
CheckOwner(Oid uid, Oid owner, const char *name, const char *action)
{
	if (!is_member_of_role(uid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s query \"%s\"", action, name),
				 errdetail("Only members of role \"%s\", the query's owner, "
						   "may %s it.",
						   GetUserNameFromId(owner, false), action)));
}

/*
 * CheckReader: 42501 unless uid may read the results of query id (its
 * owner's role or a read grant, access.c)
 */
static void
CheckReader(Oid uid, int32 id, Oid owner, const char *name)
{
	Oid argtypes[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(id)};
	Datum readers = (Datum) 0;
	bool isnull = true;

	if (SPI_execute_with_args("SELECT readers FROM cqstream.query"
							  " WHERE id = $1",
							  1, argtypes, values, NULL, true,
							  1) == SPI_OK_SELECT &&
		SPI_processed == 1)
		readers = SPI_getbinval(SPI_tuptable->vals[0], SPI_tuptable->tupdesc,
								1, &isnull);
	cq_access_check_read(uid, name, owner,
						 isnull ? NULL : DatumGetArrayTypeP(readers));
}

typedef enum RegistryChange
{
	CHANGE_DROP,
	CHANGE_PAUSE,
	CHANGE_RESUME
} RegistryChange;

static void
ChangeQuery(const char *name, RegistryChange change)
{
	static const char *const actions[] = {"drop", "pause", "resume"};
	Oid uid = GetUserId();
	OwnerContext ctx;
	bool ok = false;

	OwnerBegin(&ctx);
	PG_TRY();
	{
		Oid owner;
		int32 id;
		Oid argtypes[1] = {INT4OID};
		Datum values[1];
		int ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		id = LookupQuery(name, true, &owner);
		CheckOwner(uid, owner, name, actions[change]);
		values[0] = Int32GetDatum(id);
		ret =
			SPI_execute_with_args(change == CHANGE_DROP
									  ? "DELETE FROM cqstream.query WHERE id = $1"
									  : change == CHANGE_PAUSE
									  ? "UPDATE cqstream.query SET paused = true WHERE id = $1"
									  : "UPDATE cqstream.query SET paused = false WHERE id = $1",
								  1, argtypes, values, NULL, false, 0);
		if (ret != (change == CHANGE_DROP ? SPI_OK_DELETE : SPI_OK_UPDATE))
			elog(ERROR, "changing cqstream.query failed: %d", ret);

		/*
		 * Resuming is also how a failed query is retried (after its owner
		 * fixed the cause): clear the failure so the worker takes it again.
		 */
		if (change == CHANGE_RESUME &&
			SPI_execute_with_args("UPDATE cqstream.query_state"
								  " SET status = 'registered', last_error = NULL,"
								  " last_error_at = NULL"
								  " WHERE query_id = $1 AND status = 'failed'",
								  1, argtypes, values, NULL, false,
								  0) != SPI_OK_UPDATE)
			elog(ERROR, "changing cqstream.query_state failed");
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		OwnerEnd(&ctx, ok);
	}
	PG_END_TRY();
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

/*
 * cqstream.results(name, after_id, max_rows): the logged results after
 * after_id, in id order, for members of the owner's role.
 */
Datum
cq_results(PG_FUNCTION_ARGS)
{
	char *name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	int64 after_id = PG_GETARG_INT64(1);
	int32 max_rows = PG_GETARG_INT32(2);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	Oid uid = GetUserId();
	OwnerContext ctx;
	bool ok = false;

	if (max_rows < 1 || max_rows > 1000000)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("max_rows must be between 1 and 1000000, not %d",
						max_rows)));
	InitMaterializedSRF(fcinfo, 0);

	OwnerBegin(&ctx);
	PG_TRY();
	{
		Oid owner;
		int32 id;
		Oid argtypes[3] = {INT4OID, INT8OID, INT4OID};
		Datum values[3];
		int ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		id = LookupQuery(name, false, &owner);
		CheckReader(uid, id, owner, name);
		values[0] = Int32GetDatum(id);
		values[1] = Int64GetDatum(after_id);
		values[2] = Int32GetDatum(max_rows);
		ret =
			SPI_execute_with_args("SELECT b.first_id + e.n - 1, b.created, e.p::jsonb"
								  " FROM cqstream.result_block b CROSS JOIN LATERAL"
								  " pg_catalog.json_array_elements(b.payloads::json)"
								  " WITH ORDINALITY e(p, n)"
								  " WHERE b.query_id = $1 AND b.last_id > $2"
								  " AND b.first_id + e.n - 1 > $2"
								  " ORDER BY b.last_id, e.n LIMIT $3",
								  3, argtypes, values, NULL, true, 0);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "reading cqstream.result_block failed: %d", ret);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			Datum row[3];
			bool nulls[3];

			for (int j = 0; j < 3; j++)
				row[j] = SPI_getbinval(SPI_tuptable->vals[i],
									   SPI_tuptable->tupdesc, j + 1,
									   &nulls[j]);
			tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, row,
								 nulls);
		}
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		OwnerEnd(&ctx, ok);
	}
	PG_END_TRY();
	return (Datum) 0;
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
	int32 query_id = PG_GETARG_INT32(0);
	Oid uid = GetUserId();
	OwnerContext ctx;
	bool ok = false;
	bool found = false;
	int64 lag = 0;

	OwnerBegin(&ctx);
	PG_TRY();
	{
		Oid argtypes[1] = {INT4OID};
		Datum values[1];
		bool isnull;
		int ret;

		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		values[0] = Int32GetDatum(query_id);
		ret =
			SPI_execute_with_args("SELECT q.owner, q.id_sequence::oid, s.last_source_id "
								  "FROM cqstream.query q JOIN cqstream.query_state s "
								  "ON s.query_id = q.id WHERE q.id = $1",
								  1, argtypes, values, NULL, true, 1);
		if (ret != SPI_OK_SELECT)
			elog(ERROR, "reading cqstream.query failed: %d", ret);
		if (SPI_processed == 1)
		{
			HeapTuple tup = SPI_tuptable->vals[0];
			TupleDesc desc = SPI_tuptable->tupdesc;
			Oid owner = DatumGetObjectId(SPI_getbinval(tup, desc, 1, &isnull));
			Oid seq = DatumGetObjectId(SPI_getbinval(tup, desc, 2, &isnull));
			int64 last = DatumGetInt64(SPI_getbinval(tup, desc, 3, &isnull));

			if (is_member_of_role(uid, owner))
			{
				LockRelationOid(seq, AccessShareLock);
				if (get_rel_relkind(seq) == RELKIND_SEQUENCE)
				{
					int64 v = SequenceLastValue(seq, &isnull);

					found = true;
					lag = (isnull || v <= last) ? 0 : v - last;
				}
			}
		}
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		OwnerEnd(&ctx, ok);
	}
	PG_END_TRY();
	if (!found)
		PG_RETURN_NULL();
	PG_RETURN_INT64(lag);
}

/*
 * Roles that own queries.  PostgreSQL records no dependency of our catalog
 * rows on roles (pg_shdepend knows only system catalogs), so the utility
 * hook (launcher.c) calls these: DROP ROLE is refused while the role owns
 * queries in this database, as it is while it owns a table; DROP OWNED
 * drops the role's queries and REASSIGN OWNED gives them to the new role,
 * both after PostgreSQL has run the command (and so checked the caller's
 * right to it).  Queries in other databases cannot be seen from here:
 * there the worker marks them failed ("owner of query ... no longer
 * exists").
 */

/* Most queries named in DROP ROLE's detail */
#define CQ_ROLE_DETAIL_MAX 10

void
registry_check_drop_role(DropRoleStmt *stmt)
{
	ListCell *lc;

	/* PostgreSQL's own refusal (42501) comes first */
	if (!has_createrole_privilege(GetUserId()) ||
		!OidIsValid(get_extension_oid("cqstream", true)))
		return;
	foreach(lc, stmt->roles)
	{
		RoleSpec *rs = lfirst_node(RoleSpec, lc);
		Oid role;
		OwnerContext ctx;
		StringInfoData detail;
		uint64 n = 0;
		bool ok = false;

		/* PostgreSQL refuses CURRENT_USER and the like itself */
		if (rs->roletype != ROLESPEC_CSTRING)
			continue;
		role = get_role_oid(rs->rolename, true);
		if (!OidIsValid(role))
			continue;
		/*
		 * As DropRole will: no query can be created for the role from now
		 * on (CreateQuery share-locks its owner), and the count below sees
		 * every query committed before.
		 */
		LockSharedObject(AuthIdRelationId, role, 0, AccessExclusiveLock);
		initStringInfo(&detail);
		OwnerBegin(&ctx);
		PG_TRY();
		{
			Oid argtypes[1] = {OIDOID};
			Datum values[1] = {ObjectIdGetDatum(role)};

			if (SPI_connect() != SPI_OK_CONNECT)
				elog(ERROR, "SPI_connect failed");
			/* not read-only: a snapshot taken after the lock */
			if (SPI_execute_with_args("SELECT name FROM cqstream.query"
									  " WHERE owner = $1 ORDER BY name",
									  1, argtypes, values, NULL, false,
									  0) != SPI_OK_SELECT)
				elog(ERROR, "reading cqstream.query failed");
			n = SPI_processed;
			for (uint64 i = 0; i < n && i < CQ_ROLE_DETAIL_MAX; i++)
				appendStringInfo(&detail, "%sowner of continuous query %s",
								 i > 0 ? "\n" : "",
								 SPI_getvalue(SPI_tuptable->vals[i],
											  SPI_tuptable->tupdesc, 1));
			if (n > CQ_ROLE_DETAIL_MAX)
				appendStringInfo(&detail,
								 "\nand " UINT64_FORMAT
								 " other continuous queries",
								 n - CQ_ROLE_DETAIL_MAX);
			SPI_finish();
			ok = true;
		}
		PG_FINALLY();
		{
			OwnerEnd(&ctx, ok);
		}
		PG_END_TRY();
		if (n > 0)
			ereport(ERROR,
					(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
					 errmsg("role \"%s\" cannot be dropped because some "
							"objects depend on it",
							rs->rolename),
					 errdetail_internal("%s", detail.data),
					 errhint("Drop the queries with cqstream.drop_query(), "
							 "or use REASSIGN OWNED or DROP OWNED.")));
		pfree(detail.data);
	}
}

void
registry_after_owned(Node *stmt)
{
	List *roles;
	Oid newrole = InvalidOid;
	Datum *oids;
	int nroles = 0;
	ListCell *lc;
	OwnerContext ctx;
	List *names = NIL;
	MemoryContext cxt = CurrentMemoryContext; /* SPI_finish frees its own */
	bool ok = false;

	if (!OidIsValid(get_extension_oid("cqstream", true)))
		return;
	if (IsA(stmt, DropOwnedStmt))
		roles = ((DropOwnedStmt *) stmt)->roles;
	else
	{
		roles = castNode(ReassignOwnedStmt, stmt)->roles;
		newrole = get_rolespec_oid(((ReassignOwnedStmt *) stmt)->newrole,
								   false);
	}
	if (OidIsValid(newrole))
		LockOwnerRole(newrole);
	oids = palloc(sizeof(Datum) * Max(list_length(roles), 1));
	foreach(lc, roles)
		oids[nroles++] = ObjectIdGetDatum(
			get_rolespec_oid(lfirst_node(RoleSpec, lc), false));

	OwnerBegin(&ctx);
	PG_TRY();
	{
		Oid argtypes[2] = {OIDARRAYOID, OIDOID};
		Datum values[2];
		int ret;

		values[0] = PointerGetDatum(construct_array(oids, nroles, OIDOID,
													sizeof(Oid), true,
													TYPALIGN_INT));
		values[1] = ObjectIdGetDatum(newrole);
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		ret = OidIsValid(newrole)
			? SPI_execute_with_args("UPDATE cqstream.query SET owner = $2"
									" WHERE owner = ANY ($1) RETURNING name",
									2, argtypes, values, NULL, false, 0)
			: SPI_execute_with_args("DELETE FROM cqstream.query"
									" WHERE owner = ANY ($1) RETURNING name",
									1, argtypes, values, NULL, false, 0);
		if (ret != SPI_OK_UPDATE_RETURNING && ret != SPI_OK_DELETE_RETURNING)
			elog(ERROR, "changing cqstream.query failed: %d", ret);
		for (uint64 i = 0; i < SPI_processed; i++)
		{
			MemoryContext old = MemoryContextSwitchTo(cxt);

			names = lappend(names,
							pstrdup(SPI_getvalue(SPI_tuptable->vals[i],
												 SPI_tuptable->tupdesc, 1)));
			MemoryContextSwitchTo(old);
		}
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		OwnerEnd(&ctx, ok);
	}
	PG_END_TRY();
	/* As drop_query does: the worker re-reads the registry */
	foreach(lc, names)
		Async_Notify(CQ_REGISTRY_CHANNEL, (const char *) lfirst(lc));
}
