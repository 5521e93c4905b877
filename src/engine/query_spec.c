/*-------------------------------------------------------------------------
 *
 * query_spec.c
 *	  A continuous query being created: the JSON body of create_query,
 *	  the validation shared by all create functions, and the canonical
 *	  spec that is stored.
 *
 * Design notes
 *
 * The create functions (create_transform, create_aggregate and
 * create_query) only gather their arguments into one CqQueryDef;
 * cq_spec_validate checks it and cq_spec_canonical writes its spec, so
 * there is one validation path and one canonical spec: {"operation":
 * <canonical chain>, "timeColumn", "valueColumn", "keyColumn",
 * "idColumn", "options": {every option, with defaults filled in}}, or for
 * an aggregate {"aggregation", "window", "lateness", "emit", ...}.
 * Passing a stored spec back to create_query registers the same query
 * again.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "common/shortest_dec.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"

#include "contract.h"
#include "core/geodesy.h"
#include "core/operation.h"
#include "engine/query_options.h"
#include "engine/query_spec.h"
#include "engine/source_check.h"
#include "engine/window_json.h"
#include "engine/worker.h"

char *
cq_name_arg(FunctionCallInfo fcinfo, int n, const char *what)
{
	if (PG_ARGISNULL(n))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("%s must not be null", what)));
	return pstrdup(NameStr(*PG_GETARG_NAME(n)));
}

/* The pattern of query names, shared with collection ids */
bool
cq_spec_valid_name(const char *name)
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
	if (!cq_spec_valid_name(name))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid query name \"%s\"", name),
				 errhint("A query name is a lowercase letter followed by at "
						 "most %d lowercase letters, digits or underscores.",
						 CQ_QUERY_NAME_MAXLEN - 1)));
	if (strcmp(name, CQ_RESERVED_QUERY_NAME) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query name \"%s\" is reserved", name),
				 errdetail("Its channel would be \"%s\", where cqstream "
						   "announces changes to the registry.",
						   CQ_REGISTRY_CHANNEL)));
}

char *
cq_jsonb_key(const JsonbValue *k)
{
	return pnstrdup(k->val.string.val, k->val.string.len);
}

char *
cq_jsonb_string(const JsonbValue *v, const char *key, bool null_ok,
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
	return cq_jsonb_key(v);
}

/*
 * ResolveChain: def->chain from def->operation and def->arg.  With an
 * argument, operation must be one operation's name; the chain parser
 * then checks both, so the errors are those of a chain.
 */
static void
ResolveChain(CqQueryDef *def)
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
 * ValidateAggregate: the aggregation for the value type, the window, the
 * lateness and the emit mode of an aggregate (after cq_source_check).
 */
static void
ValidateAggregate(CqQueryDef *def)
{
	if (!def->has_window)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("window must not be null"),
				 errhint(CQ_WINDOW_JSON_HINT)));
	def->agg = cq_agg_parse(def->aggregation, def->value_type);
	if (def->window.overlap > cq_max_windows_per_row)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("window puts each row in %d windows, more than "
						"cqstream.max_windows_per_row (%d)",
						def->window.overlap, cq_max_windows_per_row),
				 errdetail("A row falls in size / hop windows; each is folded "
						   "and kept open per key."),
				 errhint("Use a longer hop or a shorter window, or ask a "
						 "superuser to raise cqstream.max_windows_per_row.")));
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

static void BodyMember(CqQueryDef *def, const char *key, JsonbValue *v,
					   bool *has_lateness);

/*
 * PositionWindowOptions: a position query's "aggregation", "window",
 * "lateness" and "emit" given in its options (create_position_query has
 * no other place for them) are taken out of the options and parsed as
 * the body's members are; given in both places, they are refused.
 */
static void
PositionWindowOptions(CqQueryDef *def)
{
	static const char *const members[] = {"aggregation", "window", "lateness",
										  "emit", NULL};
	Jsonb *orig = def->options;

	if (orig == NULL || !JB_ROOT_IS_OBJECT(orig))
		return;
	for (int i = 0; members[i]; i++)
	{
		JsonbValue *v = getKeyJsonValueFromContainer(&orig->root, members[i],
													 strlen(members[i]), NULL);
		bool given;

		if (v == NULL)
			continue;
		given = i == 0 ? def->aggregation != NULL
			: i == 1   ? def->has_window
			: i == 2   ? def->has_lateness
					   : def->emit != NULL;
		if (given)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("\"%s\" is given both in the query body and "
							"in its options",
							members[i]),
					 errhint("Give it in one place only.")));
		BodyMember(def, members[i], v, &def->has_lateness);
		def->options = DatumGetJsonbP(
			DirectFunctionCall2(jsonb_delete, JsonbPGetDatum(def->options),
								CStringGetTextDatum(members[i])));
	}
}

/*
 * ValidatePositionWindow: the window of a windowed position query, as an
 * aggregate's over the operation's numbers (docs/windows.md, "Windows
 * over position queries").
 */
static void
ValidatePositionWindow(CqQueryDef *def)
{
	const char *rest;

	PositionWindowOptions(def);
	def->windowed = def->windowed || def->aggregation != NULL ||
		def->has_window || def->has_lateness || def->emit != NULL;
	def->aggregate = false;
	if (!def->windowed)
		return;
	if (cq_position_op_parse_chain(def->chain, &rest) == CQ_POS_POSITION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("operation \"position\" has no values to aggregate "
						"over windows"),
				 errhint(CQ_POSITION_WINDOW_HINT)));
	if (def->aggregation == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("aggregation must not be null"),
				 errdetail("A position query with a window, lateness or "
						   "emit mode aggregates its values over windows."),
				 errhint(CQ_POSITION_WINDOW_HINT)));
	def->value_type = CQ_VALUE_NUMBER;
	ValidateAggregate(def);
}

/*
 * PositionChain: a position query's canonical operation: its position
 * operation, and the lifted operations that transform each value after
 * it ("speed | mul 3.6", km/h), checked as a transform's chain is.
 */
static char *
PositionChain(const char *operation)
{
	const char *rest;
	CqPositionOp op = cq_position_op_parse_chain(operation, &rest);
	CqChain chain;

	if (rest == NULL)
		return pstrdup(cq_position_op_name(op));
	if (op == CQ_POS_POSITION)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("operation \"position\" has no value to transform"),
				 errhint("Lifted operations follow speed, heading or "
						 "distance, as in 'speed | mul 3.6' (km/h).")));
	cq_chain_parse(rest, &chain);
	return psprintf("%s | %s", cq_position_op_name(op),
					cq_chain_format(&chain));
}

void
cq_spec_validate(CqQueryDef *def)
{
	CheckQueryName(def->name);
	cq_source_check(def);
	if (def->position)
	{
		def->chain = PositionChain(def->operation);
		ValidatePositionWindow(def);
	}
	else if (def->aggregate)
		ValidateAggregate(def);
	else
		ResolveChain(def);
	cq_options_parse(def);
}

/* The "options" member and the spec's closing braces */
static void
AppendOptions(StringInfo buf, const CqQueryDef *def)
{
	appendStringInfo(buf,
					 ", \"options\": {\"retention_rows\": " INT64_FORMAT
					 ", \"retention_age\": ",
					 def->retention_rows);
	if (def->retention_age)
		escape_json(buf, def->retention_age);
	else
		appendStringInfoString(buf, "null");
	appendStringInfoString(buf, ", \"notify\": ");
	escape_json(buf, def->notify);
	appendStringInfo(buf, ", \"start\": \"%s\"",
					 def->start_beginning ? "beginning" : "now");
	if (def->aggregate || def->windowed)
	{
		appendStringInfoString(buf, ", \"idle_flush\": ");
		if (def->idle_flush)
			escape_json(buf, def->idle_flush);
		else
			appendStringInfoString(buf, "null");
	}
	appendStringInfoString(buf, "}}");
}

/* The members "aggregation", "window", "lateness" and "emit" */
static void
AppendAggregate(StringInfo buf, const CqQueryDef *def)
{
	appendStringInfoString(buf, "\"aggregation\": ");
	escape_json(buf, cq_agg_name(def->agg));
	appendStringInfoString(buf, ", \"window\": ");
	cq_window_json_append(buf, &def->window);
	appendStringInfoString(buf, ", \"lateness\": ");
	if (def->lateness > 0)
	{
		appendStringInfoChar(buf, '{');
		cq_duration_json_append(buf, "size", "unit", def->lateness);
		appendStringInfoChar(buf, '}');
	}
	else
		appendStringInfoString(buf, "null");
	appendStringInfo(buf, ", \"emit\": \"%s\"", def->emit);
}

/*
 * PositionSpec: the canonical spec of a position query: {"kind":
 * "position", "operation", "timeColumn", "keyColumn", ["keyValue",]
 * "lonColumn", "latColumn" (or "geometryColumn"), "idColumn", "options"},
 * and when windowed "aggregation", "window", "lateness" and "emit" after
 * "operation".
 */
static Jsonb *
PositionSpec(const CqQueryDef *def)
{
	StringInfoData buf;

	initStringInfo(&buf);
	appendStringInfoString(&buf, "{\"kind\": \"position\", \"operation\": ");
	escape_json(&buf, def->chain);
	if (def->windowed)
	{
		appendStringInfoString(&buf, ", ");
		AppendAggregate(&buf, def);
	}
	appendStringInfoString(&buf, ", \"timeColumn\": ");
	escape_json(&buf, def->time_column);
	appendStringInfoString(&buf, ", \"keyColumn\": ");
	escape_json(&buf, def->key_column);
	/* Only when given (a query of one feature: the relay's tgsequence) */
	if (def->key_value)
	{
		appendStringInfoString(&buf, ", \"keyValue\": ");
		escape_json(&buf, def->key_value);
	}
	if (def->geometry)
	{
		appendStringInfoString(&buf, ", \"geometryColumn\": ");
		escape_json(&buf, def->value_column);
	}
	else
	{
		appendStringInfoString(&buf, ", \"lonColumn\": ");
		escape_json(&buf, def->value_column);
		appendStringInfoString(&buf, ", \"latColumn\": ");
		escape_json(&buf, def->lat_column);
	}
	appendStringInfoString(&buf, ", \"idColumn\": ");
	escape_json(&buf, def->id_column);
	AppendOptions(&buf, def);
	return DatumGetJsonbP(
		DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

Jsonb *
cq_spec_canonical(const CqQueryDef *def)
{
	StringInfoData buf;

	initStringInfo(&buf);
	if (def->position)
		return PositionSpec(def);
	if (def->aggregate)
	{
		appendStringInfoChar(&buf, '{');
		AppendAggregate(&buf, def);
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
	/* Only when given, so the specs of other queries stay as they were */
	if (def->key_value)
	{
		appendStringInfoString(&buf, ", \"keyValue\": ");
		escape_json(&buf, def->key_value);
	}
	appendStringInfoString(&buf, ", \"idColumn\": ");
	escape_json(&buf, def->id_column);
	AppendOptions(&buf, def);
	return DatumGetJsonbP(
		DirectFunctionCall1(jsonb_in, CStringGetDatum(buf.data)));
}

/*
 * BodyMember: one member of create_query's body into def; *has_lateness
 * records a "lateness" member (its value may be 0).
 */
static void
BodyMember(CqQueryDef *def, const char *key, JsonbValue *v, bool *has_lateness)
{
	if (strcmp(key, "operation") == 0)
		def->operation = cq_jsonb_string(v, key, false, "member",
										 CQ_SPEC_HINT);
	else if (strcmp(key, "arg") == 0)
	{
		if (v->type == jbvNull)
			return;
		if (v->type != jbvNumeric)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("member \"arg\" must be a number or null, not %s",
							JsonbTypeName(v)),
					 errhint(CQ_SPEC_HINT)));
		def->has_arg = true;
		def->arg = DatumGetFloat8(
			DirectFunctionCall1(numeric_float8,
								NumericGetDatum(v->val.numeric)));
	}
	else if (strcmp(key, "timeColumn") == 0)
		def->time_column = cq_jsonb_string(v, key, false, "member",
										   CQ_SPEC_HINT);
	else if (strcmp(key, "valueColumn") == 0)
		def->value_column = cq_jsonb_string(v, key, false, "member",
											CQ_SPEC_HINT);
	else if (strcmp(key, "keyColumn") == 0)
		def->key_column = cq_jsonb_string(v, key, true, "member",
										  CQ_SPEC_HINT);
	else if (strcmp(key, "idColumn") == 0)
		def->id_column = cq_jsonb_string(v, key, true, "member", CQ_SPEC_HINT);
	else if (strcmp(key, "keyValue") == 0)
		def->key_value = cq_jsonb_string(v, key, true, "member", CQ_SPEC_HINT);
	else if (strcmp(key, "options") == 0)
	{
		if (v->type == jbvNull)
			return;
		if (v->type != jbvBinary || !JsonContainerIsObject(v->val.binary.data))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("member \"options\" must be an object"),
					 errhint(CQ_OPTIONS_HINT)));
		def->options = JsonbValueToJsonb(v);
	}
	else if (strcmp(key, "aggregation") == 0)
	{
		def->aggregate = true;
		def->aggregation = cq_jsonb_string(v, key, false, "member",
										   CQ_SPEC_HINT);
	}
	else if (strcmp(key, "window") == 0)
	{
		cq_window_json_parse(v, &def->window);
		def->has_window = true;
	}
	else if (strcmp(key, "lateness") == 0)
	{
		def->lateness = cq_lateness_json_parse(v);
		*has_lateness = true;
	}
	else if (strcmp(key, "emit") == 0)
		def->emit = cq_jsonb_string(v, key, true, "member", CQ_SPEC_HINT);
	else if (strcmp(key, "kind") == 0)
	{
		char *kind = cq_jsonb_string(v, key, false, "member", CQ_SPEC_HINT);

		/* "geometry": the and Part 4's word for a moving point */
		if (strcmp(kind, "position") != 0 && strcmp(kind, "geometry") != 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("invalid query kind \"%s\"", kind),
					 errhint("Leave \"kind\" out for a transform or an "
							 "aggregate; \"position\" (or \"geometry\") "
							 "makes a position query.")));
		def->position = true;
	}
	else if (strcmp(key, "lonColumn") == 0)
		def->lon_column = cq_jsonb_string(v, key, false, "member",
										  CQ_SPEC_HINT);
	else if (strcmp(key, "latColumn") == 0)
		def->lat_column = cq_jsonb_string(v, key, false, "member",
										  CQ_SPEC_HINT);
	else if (strcmp(key, "geometryColumn") == 0)
		def->geometry_column = cq_jsonb_string(v, key, false, "member",
											   CQ_SPEC_HINT);
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown member \"%s\" in query body", key),
				 errhint(CQ_SPEC_HINT)));
}

/*
 * CheckPositionBody: a position query's body has its own columns and
 * none of the other kinds' members; its longitude becomes value_column.
 */
static void
CheckPositionBody(CqQueryDef *def, bool has_lateness)
{
	const char *extra = def->has_arg ? "arg"
		: def->value_column != NULL	 ? "valueColumn"
									 : NULL;
	const char *missing = def->operation == NULL ? "operation"
		: def->time_column == NULL				 ? "timeColumn"
		: def->key_column == NULL				 ? "keyColumn"
		: def->geometry_column != NULL			 ? NULL
		: def->lon_column == NULL				 ? "lonColumn"
		: def->lat_column == NULL				 ? "latColumn"
												 : NULL;

	if (extra != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("position query body has \"%s\"", extra),
				 errhint(CQ_POSITION_BODY_HINT)));
	if (missing != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body lacks member \"%s\"", missing),
				 errhint(CQ_POSITION_BODY_HINT)));
	if (def->geometry_column != NULL)
	{
		/* one geometry, or two numbers: never both */
		if (def->lon_column != NULL || def->lat_column != NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("position query body has both \"geometryColumn\" "
							"and \"%s\"",
							def->lon_column != NULL ? "lonColumn"
													: "latColumn"),
					 errhint(CQ_POSITION_GEOMETRY_HINT)));
		def->geometry = true;
		def->value_column = def->geometry_column;
		return;
	}
	def->value_column = def->lon_column;
	/* "aggregation" makes a windowed position query, not an aggregate */
	def->windowed = def->aggregate || def->has_window || has_lateness ||
		def->emit != NULL;
	def->aggregate = false;
}

/* A body is a transform or an aggregate, with what that kind needs */
static void
CheckBodyShape(CqQueryDef *def, bool has_lateness)
{
	if (def->position)
	{
		CheckPositionBody(def, has_lateness);
		return;
	}
	if (def->lon_column != NULL || def->lat_column != NULL ||
		def->geometry_column != NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body has \"%s\" but no \"kind\": "
						"\"position\"",
						def->lon_column != NULL		  ? "lonColumn"
							: def->lat_column != NULL ? "latColumn"
													  : "geometryColumn"),
				 errhint(CQ_POSITION_BODY_HINT)));
	if (def->aggregate && (def->operation != NULL || def->has_arg))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body has both \"aggregation\" and \"%s\"",
						def->operation != NULL ? "operation" : "arg"),
				 errhint("A query either transforms each row (\"operation\") "
						 "or aggregates rows over windows "
						 "(\"aggregation\" and \"window\").")));
	if (!def->aggregate &&
		(def->has_window || has_lateness || def->emit != NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body has \"%s\" but no \"aggregation\"",
						def->has_window	   ? "window"
							: has_lateness ? "lateness"
										   : "emit"),
				 errhint(CQ_SPEC_HINT)));
	if ((def->aggregate ? !def->has_window : def->operation == NULL) ||
		def->time_column == NULL || def->value_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body lacks member \"%s\"",
						def->aggregate
							? (!def->has_window				  ? "window"
								   : def->time_column == NULL ? "timeColumn"
															  : "valueColumn")
							: def->operation == NULL   ? "operation"
							: def->time_column == NULL ? "timeColumn"
													   : "valueColumn"),
				 errhint(CQ_SPEC_HINT)));
}

void
cq_spec_from_body(CqQueryDef *def, Jsonb *body)
{
	JsonbIterator *it;
	JsonbValue k;
	JsonbValue v;
	JsonbIteratorToken tok;

	if (!JB_ROOT_IS_OBJECT(body))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query body must be a JSON object"),
				 errhint(CQ_SPEC_HINT)));
	it = JsonbIteratorInit(&body->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char *key;

		if (tok != WJB_KEY)
			continue;
		key = cq_jsonb_key(&k);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		BodyMember(def, key, &v, &def->has_lateness);
	}
	CheckBodyShape(def, def->has_lateness);
}
