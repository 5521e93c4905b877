/*-------------------------------------------------------------------------
 *
 * window_json.c
 *	  Windows and lateness in a query's JSON body (create_query), and
 *	  their canonical form in the stored spec.
 *
 * Design notes
 *
 * A duration is a whole number and a unit (default SECONDS); a window is
 * validated by the window core's constructors (window.c), as the
 * cqstream.window constructors of create_aggregate are, so both entry
 * points accept the same windows.  The canonical spec writes each
 * duration in the largest unit that divides it, so equal windows store
 * equal specs whatever units they were given in.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/int.h"
#include "utils/builtins.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "engine/query_spec.h"
#include "engine/window_json.h"

typedef struct TimeUnit
{
	const char *name;
	int64 usec;
} TimeUnit;

/* Largest first: cq_duration_json_append takes the first that divides */
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
			 errhint(CQ_WINDOW_JSON_HINT)));
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
	name = cq_jsonb_key(v);
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

void
cq_duration_json_append(StringInfo buf, const char *sizekey,
						const char *unitkey, int64 usec)
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

void
cq_window_json_parse(const JsonbValue *v, CqWindowSpec *w)
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
			ok = ok || strcmp(cq_jsonb_key(&k), known[i]) == 0;
		if (!ok)
			InvalidWindowJson("unknown window member \"%s\"",
							  cq_jsonb_key(&k));
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
	kind = cq_jsonb_key(type);
	if (pg_strcasecmp(kind, "COUNT") == 0)
	{
		int64 n = JsonbWhole(size, "size");

		if (unit || hopunit || offset || offsetunit)
			InvalidWindowJson("a %s window has only \"size\" and \"hop\"",
							  "COUNT");
		cq_window_count(w, n, hop ? JsonbWhole(hop, "hop") : n);
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
		cq_window_time(w, tumbling ? CQ_WINDOW_TUMBLING : CQ_WINDOW_HOPPING,
					   sz, hp, off);
	}
	else
		InvalidWindowJson("unknown window type \"%s\"", kind);
}

int64
cq_lateness_json_parse(const JsonbValue *v)
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

void
cq_window_json_append(StringInfo buf, const CqWindowSpec *w)
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
	cq_duration_json_append(buf, "size", "unit", w->size);
	if (w->kind == CQ_WINDOW_HOPPING)
	{
		appendStringInfoString(buf, ", ");
		cq_duration_json_append(buf, "hop", "hopUnit", w->hop);
	}
	if (w->offset != 0)
	{
		appendStringInfoString(buf, ", ");
		cq_duration_json_append(buf, "offset", "offsetUnit", w->offset);
	}
	appendStringInfoChar(buf, '}');
}
