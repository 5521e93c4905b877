/*
 * cquery.c
 *	  Continuous queries of one feature's temporal property (OGC API -
 *	  Moving Features Part 4, docs/relay.md "Collections and queries"):
 *	  create (POST), list and read (GET), drop (DELETE) and stream them.
 *
 * Design notes
 *
 * A query under /collections/{cid}/items/{fid}/tproperties/{pname} is an
 * ordinary registered query (cqstream.create_query) over the
 * collection's table, limited to the feature (its spec's keyValue is the
 * fid, compared by the database with the key column's type) and reading
 * the property's column: listing matches the queries whose spec and
 * source say so, and the stream is /queries/{qid}/stream's.
 *
 * All SQL runs as the request's role (pgconn_query_as), with every value
 * a bound parameter: PostgreSQL decides who may create (SELECT on the
 * table), read (owner's role or read grant) and drop (owner's role).
 * The path is checked against the public columns of cqstream.collection,
 * so that a role granted read on a query it could not otherwise see
 * (no SELECT on the table) still reaches it; creating looks the property
 * up in cqstream.collections(), as the role sees it, for its type.
 *
 * The body is checked here before any SQL, as the reference does: 400
 * for an unknown operation or aggregation (listing the supported ones),
 * an aggregation outside the property type's list, a window type other
 * than COUNT, TUMBLING and HOPPING, a size not positive, HOPPING without
 * hop, an operation without its arg; 422 for a transform of a property
 * that is not TReal.  What the database still refuses (units, lateness,
 * options) comes back as 400 with its message and hint.
 *
 * The feature's position (.../items/{fid}/tgsequence/queries, in a
 * collection with lon_column and lat_column) goes through the same code:
 * each statement has a second form whose condition on the path is "the
 * collection has a position" and whose match is a position query (spec
 * kind, bound as $3 where a property's name goes) over the collection's
 * key and position columns; the body takes only a lifted operation
 * (position, speed, heading, distance) and becomes the engine's position
 * query, limited to the feature by keyValue.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/util.h>
#include <jansson.h>

#include "config.h"
#include "cquery.h"
#include "log.h"
#include "payload.h"
#include "pgconn.h"
#include "reply.h"
#include "sse.h"
#include "stream.h"

/* Part 4's operations; those that need "arg" */
static const char *const Operations[] = {"ln",		"log10",   "exp",
										 "ceil",	"floor",   "abs",
										 "degrees", "radians", "round",
										 "add",		"sub",	   "mul",
										 "div",		NULL};
static const char *const OperationsWithArg[] = {"add", "sub", "mul", "div",
												NULL};
static const char OperationList[] = "ln, log10, exp, ceil, floor, abs, "
									"degrees, radians, round, add, sub, mul, "
									"div";

/* The engine's operations on a moving point (tgsequence) */
static const char *const PositionOperations[] = {"position", "speed",
												 "heading", "distance", NULL};
static const char PositionOperationList[] = "position, speed, heading, "
											"distance";

/* Aggregations by property type (Part 4, Table 6) */
typedef struct TypeAggs
{
	const char *type;
	const char *const aggs[6];
	const char *list;
} TypeAggs;

static const TypeAggs Aggregations[] = {
	{"TReal",
	 {"COUNT", "SUM", "AVG", "MIN", "MAX", NULL},
	 "COUNT, SUM, AVG, MIN, MAX"},
	{"TInt",
	 {"COUNT", "SUM", "AVG", "MIN", "MAX", NULL},
	 "COUNT, SUM, AVG, MIN, MAX"},
	{"TText", {"COUNT", "COUNT_DISTINCT", NULL}, "COUNT, COUNT_DISTINCT"},
	{"TBool",
	 {"COUNT", "ANY", "ALL", "COUNT_TRUE", "COUNT_FALSE", NULL},
	 "COUNT, ANY, ALL, COUNT_TRUE, COUNT_FALSE"},
};
static const char AggregationList[] = "COUNT, SUM, AVG, MIN, MAX, "
									  "COUNT_DISTINCT, ANY, ALL, COUNT_TRUE, "
									  "COUNT_FALSE";

/* Members of the body passed on to create_query's spec */
static const char *const SpecMembers[] = {"operation",	 "arg",
										  "aggregation", "window",
										  "lateness",	 "emit",
										  "options",	 NULL};

/* The spec's members with "name": all a body may have */
static const char MemberList[] = "name, operation, arg, aggregation, window, "
								 "lateness, emit, options";

/* A request waiting for the database */
typedef struct CqCtx
{
	struct evhttp_request *req;
	CqPath p;
	CqWho who;
	char *body; /* POST: the body, NUL-terminated */
	json_t *spec;
	char name[CQ_QUERY_NAME_MAXLEN + 1];
} CqCtx;

/* The query's JSON in SQL, with $4 the queries resource's path */
#define CQUERY_OBJ_SQL                                                        \
	"json_strip_nulls(json_build_object('rel', 'cquery', 'queryId', v.name, " \
	"'href', $4 || '/' || v.name || '/stream', 'channel', v.channel, "        \
	"'status', v.status, 'type', 'text/event-stream', 'operation', "          \
	"v.spec->'operation', 'aggregation', v.spec->'aggregation', 'window', "   \
	"v.spec->'window', 'links', json_build_array(json_build_object('rel', "   \
	"'self', 'href', $4 || '/' || v.name, 'type', 'application/json'), "      \
	"json_build_object('rel', 'stream', 'href', $4 || '/' || v.name || "      \
	"'/stream', 'type', 'text/event-stream'))))"

/*
 * The queries of feature $2's property $3 in collection k; for the
 * feature's position (tgsequence), $3 is the kind, "position"
 */
#define CQUERY_MATCH_SQL                                                 \
	"v.source = k.source AND v.spec->>'keyColumn' = k.key_column::text " \
	"AND v.spec->>'keyValue' = $2 AND v.spec->>'valueColumn' = $3"
#define CQUERY_POSITION_MATCH_SQL                                            \
	"v.source = k.source AND v.spec->>'kind' = $3 AND v.spec->>'keyColumn' " \
	"= k.key_column::text AND v.spec->>'keyValue' = $2 AND "                 \
	"v.spec->>'lonColumn' = k.lon_column::text AND v.spec->>'latColumn' = "  \
	"k.lat_column::text"

/* Whether $3 is a property column of k's table (not its time or key) */
#define CQUERY_PROPERTY_SQL                                               \
	"EXISTS (SELECT 1 FROM pg_catalog.pg_attribute a WHERE a.attrelid = " \
	"k.source AND a.attname::text = $3 AND a.attnum > 0 AND NOT "         \
	"a.attisdropped AND a.attname <> k.time_column AND a.attname <> "     \
	"k.key_column)"
/* Whether k has a position */
#define CQUERY_POSITION_SQL "(k.lon_column IS NOT NULL)"

/*
 * Each statement in two forms, [0] for a property's queries and [1] for
 * the position's, from one text: FOUND is whether the path's property or
 * position exists, MATCH the condition on a query v
 */
#define LIST_SQL(FOUND, MATCH)                                              \
	"SELECT " FOUND ", (SELECT json_build_object('queries', "               \
	"coalesce(json_agg(" CQUERY_OBJ_SQL " ORDER BY v.name), '[]'::json), "  \
	"'numberReturned', count(*), 'links', json_build_array("                \
	"json_build_object('rel', 'self', 'href', $4, 'type', "                 \
	"'application/json'))) FROM cqstream.queries v WHERE " MATCH            \
	" AND cqstream.can_read_query(v.name))::text FROM cqstream.collection " \
	"k WHERE k.id = $1"

#define ONE_SQL(FOUND, MATCH)                                              \
	"SELECT " FOUND ", q.obj::text, q.readable FROM "                      \
	"cqstream.collection k LEFT JOIN LATERAL (SELECT " CQUERY_OBJ_SQL      \
	" AS obj, cqstream.can_read_query(v.name) AS readable FROM "           \
	"cqstream.queries v WHERE " MATCH " AND v.name = $5) q ON true WHERE " \
	"k.id = $1"

/*
 * A stream's path: only whether the query is there (stream_open then
 * checks, as for /queries/{qid}/stream, that the role may read it)
 */
#define STREAM_SQL(FOUND, MATCH)                                            \
	"SELECT " FOUND ", (SELECT v.name FROM cqstream.queries v WHERE " MATCH \
	" AND v.name = $4), true FROM cqstream.collection k WHERE k.id = $1"

/*
 * The drop runs in the select list of the matching row only (never in a
 * WHERE clause, whose conditions the planner may order as it likes)
 */
#define DROP_SQL(FOUND, MATCH)                                              \
	"SELECT " FOUND ", (SELECT count(d.x) FROM (SELECT "                    \
	"cqstream.drop_query(v.name)::text AS x FROM cqstream.queries v WHERE " \
	"" MATCH                                                                \
	" AND v.name = $4) d) FROM cqstream.collection k WHERE k.id = $1"

static const char *const ListSql[2] = {LIST_SQL(CQUERY_PROPERTY_SQL,
												CQUERY_MATCH_SQL),
									   LIST_SQL(CQUERY_POSITION_SQL,
												CQUERY_POSITION_MATCH_SQL)};
static const char *const OneSql[2] = {ONE_SQL(CQUERY_PROPERTY_SQL,
											  CQUERY_MATCH_SQL),
									  ONE_SQL(CQUERY_POSITION_SQL,
											  CQUERY_POSITION_MATCH_SQL)};
static const char *const StreamSql[2] =
	{STREAM_SQL(CQUERY_PROPERTY_SQL, CQUERY_MATCH_SQL),
	 STREAM_SQL(CQUERY_POSITION_SQL, CQUERY_POSITION_MATCH_SQL)};
static const char *const DropSql[2] = {DROP_SQL(CQUERY_PROPERTY_SQL,
												CQUERY_MATCH_SQL),
									   DROP_SQL(CQUERY_POSITION_SQL,
												CQUERY_POSITION_MATCH_SQL)};

/*
 * The collection as the role sees it: whether it exists at all, whether
 * the role may read it, its table, columns and the property's type; for
 * the position ($2 "position"), instead of the type the position's
 * columns as the role sees them (null: none or not readable) and whether
 * the collection has a position at all
 */
static const char *const LookupSql =
	"SELECT k.id IS NOT NULL, c.id IS NOT NULL, c.source::oid::text, "
	"c.time_column::text, c.key_column::text, (SELECT p->>'type' FROM "
	"jsonb_array_elements(c.properties) p WHERE p->>'name' = $2), "
	"c.lon_column::text, c.lat_column::text, k.lon_column IS NOT NULL FROM "
	"(SELECT $1::text AS want) w LEFT JOIN cqstream.collection k ON k.id = "
	"w.want LEFT JOIN cqstream.collections() c ON c.id = w.want";

static const char *const CreateSql =
	"SELECT cqstream.create_query($1, $2::oid::regclass, $3::jsonb)";

static const char NoPosition[] =
	"the collection has no position (no lon_column and lat_column)";

/* $3 of the statements: the property, or the kind of a position query */
static const char *
Third(const CqCtx *c)
{
	return c->p.tgsequence ? "position" : c->p.pname;
}

static CqCtx *
NewCtx(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	CqCtx *c = calloc(1, sizeof(CqCtx));

	if (c == NULL)
		abort();
	c->req = req;
	c->p = *p;
	c->who = *who;
	return c;
}

static void
FreeCtx(CqCtx *c)
{
	free(c->body);
	json_decref(c->spec);
	free(c);
}

/* Whether the database can take another request now (else answered 503) */
static bool
DbReady(struct evhttp_request *req)
{
	if (!pgconn_ready())
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
		return false;
	}
	if (pgconn_pending() >= relay_config->max_db_queue)
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database busy: too many requests waiting for it");
		return false;
	}
	return true;
}

static void
Query(CqCtx *c, const char *sql, int n, const char *const *params,
	  PgResultCb cb)
{
	pgconn_query_as(c->who.role[0] ? c->who.role : NULL, sql, n, params, cb,
					c);
}

/*
 * Answer a failed statement as its SQLSTATE says: the role switch's
 * failure 401/403, 42501 403, 42704 and 42P01 404, 42710 409, class 22
 * 400, 55000 409, anything else 500 (logged).
 */
static void
SqlError(struct evhttp_request *req, PGresult *res, const char *what)
{
	const char *state = res ? pgconn_sqlstate(res) : "";
	const char *primary = res
		? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY)
		: NULL;
	const char *hint = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_HINT)
						   : NULL;
	char msg[1024];

	snprintf(msg, sizeof(msg), "%s%s%s", primary ? primary : "refused",
			 hint ? ". " : "", hint ? hint : "");
	if (res == NULL)
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
	else if (pgconn_role_failed())
	{
		char m[300];

		snprintf(m, sizeof(m), "the token's role cannot be used: %s",
				 primary ? primary : "refused");
		if (strcmp(state, "42501") == 0)
			reply_send_error(req, 403, "Forbidden", m);
		else
			auth_reply_401(req, m, true);
	}
	else if (strcmp(state, "42501") == 0)
		reply_send_error(req, 403, "Forbidden", msg);
	else if (strcmp(state, "42704") == 0 || strcmp(state, "42P01") == 0 ||
			 strcmp(state, "42703") == 0)
		reply_send_error(req, 404, "Not Found", msg);
	else if (strcmp(state, "42710") == 0 || strcmp(state, "55000") == 0)
		reply_send_error(req, 409, "Conflict", msg);
	else if (strncmp(state, "22", 2) == 0)
		reply_send_error(req, 400, "Bad Request", msg);
	else
	{
		relay_log(LOG_WARN, "could not %s: %s", what,
				  PQresultErrorMessage(res));
		reply_send_error(req, 500, "Internal Server Error", what);
	}
}

/* Reply 200 with a JSON text of the database's, made compact */
static void
SendJson(struct evhttp_request *req, int code, const char *reason,
		 const char *text, size_t len)
{
	StrBuf b;

	strbuf_init(&b);
	payload_minify(&b, text, len);
	reply_send_body(req, code, reason, "application/json", b.data, b.len);
	strbuf_free(&b);
}

static bool
IsTrue(PGresult *res, int col)
{
	return !PQgetisnull(res, 0, col) && PQgetvalue(res, 0, col)[0] == 't';
}

/*
 * The common answers of a statement about one feature property: false
 * (answered) for a failed statement, an unknown collection (no row) or
 * property (column 0 false)
 */
static bool
PathFound(CqCtx *c, PGresult *res, const char *what)
{
	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		SqlError(c->req, res, what);
		return false;
	}
	if (PQntuples(res) == 0)
	{
		reply_send_error(c->req, 404, "Not Found", "no such collection");
		return false;
	}
	if (!IsTrue(res, 0))
	{
		reply_send_error(c->req, 404, "Not Found",
						 c->p.tgsequence ? NoPosition
										 : "no such temporal property");
		return false;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* GET .../queries */

static void
List_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;

	if (PathFound(c, res, "list the queries"))
		SendJson(c->req, 200, "OK", PQgetvalue(res, 0, 1),
				 PQgetlength(res, 0, 1));
	FreeCtx(c);
}

void
cquery_list(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	CqCtx *c;
	const char *params[4];

	if (!DbReady(req))
		return;
	c = NewCtx(req, p, who);
	params[0] = c->p.cid;
	params[1] = c->p.fid;
	params[2] = Third(c);
	params[3] = c->p.base;
	Query(c, ListSql[c->p.tgsequence], 4, params, List_cb);
}

/* ------------------------------------------------------------------ */
/* GET .../queries/{qid}, its stream, DELETE */

/* false (answered) unless the query exists and the role may read it */
static bool
QueryFound(CqCtx *c, PGresult *res, const char *what)
{
	if (!PathFound(c, res, what))
		return false;
	if (PQgetisnull(res, 0, 1))
	{
		reply_send_error(c->req, 404, "Not Found", "no such query");
		return false;
	}
	if (!IsTrue(res, 2))
	{
		reply_send_error(c->req, 403, "Forbidden",
						 "permission denied for query: its results are "
						 "for its owner's role and the roles granted read");
		return false;
	}
	return true;
}

static void
Get_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;

	if (QueryFound(c, res, "read the query"))
		SendJson(c->req, 200, "OK", PQgetvalue(res, 0, 1),
				 PQgetlength(res, 0, 1));
	FreeCtx(c);
}

static void
Stream_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;

	if (QueryFound(c, res, "open the stream"))
	{
		char *names[1] = {c->p.qid};

		stream_open(c->req, names, 1, false, NULL,
					c->who.last_id[0] ? c->who.last_id : NULL,
					c->who.role[0] ? c->who.role : NULL, c->who.exp);
	}
	FreeCtx(c);
}

static void
Delete_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;

	if (!PathFound(c, res, "drop the query"))
		;
	else if (PQgetisnull(res, 0, 1) || atoi(PQgetvalue(res, 0, 1)) == 0)
		reply_send_error(c->req, 404, "Not Found", "no such query");
	else
	{
		reply_add_cors(c->req);
		evhttp_send_reply(c->req, 204, "No Content", NULL);
	}
	FreeCtx(c);
}

/*
 * OneQuery: sql (the property's or the position's form) about query qid
 * with parameters cid, fid, pname (or the kind, "position"), then
 * base and qid (with_base: OneSql builds links) or qid (StreamSql,
 * DropSql)
 */
static void
OneQuery(struct evhttp_request *req, const CqPath *p, const CqWho *who,
		 const char *const sql[2], bool with_base, PgResultCb cb)
{
	CqCtx *c;
	const char *params[5];

	if (!DbReady(req))
		return;
	c = NewCtx(req, p, who);
	params[0] = c->p.cid;
	params[1] = c->p.fid;
	params[2] = Third(c);
	params[3] = with_base ? c->p.base : c->p.qid;
	params[4] = c->p.qid;
	Query(c, sql[c->p.tgsequence], with_base ? 5 : 4, params, cb);
}

void
cquery_get(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	OneQuery(req, p, who, OneSql, true, Get_cb);
}

void
cquery_stream(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	OneQuery(req, p, who, StreamSql, false, Stream_cb);
}

void
cquery_delete(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	OneQuery(req, p, who, DropSql, false, Delete_cb);
}

/* ------------------------------------------------------------------ */
/* POST .../queries */

static bool
InList(const char *const *list, const char *s, bool nocase)
{
	for (; *list; list++)
		if (nocase ? strcasecmp(*list, s) == 0 : strcmp(*list, s) == 0)
			return true;
	return false;
}

static void
BadRequest(struct evhttp_request *req, const char *fmt, const char *a,
		   const char *b)
{
	char msg[512];

	snprintf(msg, sizeof(msg), fmt, a, b);
	reply_send_error(req, 400, "Bad Request", msg);
}

/* A number > 0, or false */
static bool
Positive(json_t *v)
{
	return v && json_is_number(v) && json_number_value(v) > 0;
}

/*
 * CheckWindow: a window object as Part 4 has it; false (answered 400)
 * otherwise
 */
static bool
CheckWindow(struct evhttp_request *req, json_t *w)
{
	json_t *type = w ? json_object_get(w, "type") : NULL;
	const char *t;

	if (w == NULL || !json_is_object(w))
	{
		BadRequest(req,
				   "an aggregation needs a \"window\" object with "
				   "\"type\" (COUNT, TUMBLING or HOPPING) and "
				   "\"size\"%s%s",
				   "", "");
		return false;
	}
	if (!json_is_string(type))
	{
		BadRequest(req,
				   "the window needs a \"type\": COUNT, TUMBLING or "
				   "HOPPING%s%s",
				   "", "");
		return false;
	}
	t = json_string_value(type);
	if (strcasecmp(t, "COUNT") != 0 && strcasecmp(t, "TUMBLING") != 0 &&
		strcasecmp(t, "HOPPING") != 0)
	{
		BadRequest(req,
				   "unknown window type \"%s\"; supported window types: "
				   "COUNT, TUMBLING, HOPPING%s",
				   t, "");
		return false;
	}
	if (!Positive(json_object_get(w, "size")))
	{
		BadRequest(req, "the window's \"size\" must be a positive number%s%s",
				   "", "");
		return false;
	}
	if (strcasecmp(t, "HOPPING") == 0 && json_object_get(w, "hop") == NULL)
	{
		BadRequest(req, "a HOPPING window needs \"hop\" (and \"hopUnit\")%s%s",
				   "", "");
		return false;
	}
	if (json_object_get(w, "hop") && !Positive(json_object_get(w, "hop")))
	{
		BadRequest(req, "the window's \"hop\" must be a positive number%s%s",
				   "", "");
		return false;
	}
	return true;
}

/*
 * CheckBody: the body against the property's type (Part 4's rules, see
 * the header); false when answered (400 or 422)
 */
static bool
CheckBody(struct evhttp_request *req, json_t *body, const char *ptype)
{
	json_t *op = json_object_get(body, "operation");
	json_t *agg = json_object_get(body, "aggregation");
	const TypeAggs *ta = NULL;

	if (op && agg)
	{
		BadRequest(req,
				   "give either \"operation\" or \"aggregation\", not "
				   "both%s%s",
				   "", "");
		return false;
	}
	if (op == NULL && agg == NULL)
	{
		BadRequest(req,
				   "the body needs \"operation\" (one of: %s) or "
				   "\"aggregation\" (one of: %s)",
				   OperationList, AggregationList);
		return false;
	}
	if (op)
	{
		json_t *arg = json_object_get(body, "arg");

		if (!json_is_string(op) ||
			!InList(Operations, json_string_value(op), false))
		{
			BadRequest(req,
					   "unknown operation \"%s\"; supported operations: %s",
					   json_is_string(op) ? json_string_value(op)
										  : "(not a string)",
					   OperationList);
			return false;
		}
		if (InList(OperationsWithArg, json_string_value(op), false) &&
			(arg == NULL || !json_is_number(arg)))
		{
			BadRequest(req, "operation \"%s\" needs a numeric \"arg\"%s",
					   json_string_value(op), "");
			return false;
		}
		if (arg && !json_is_number(arg) && !json_is_null(arg))
		{
			BadRequest(req, "\"arg\" must be a number%s%s", "", "");
			return false;
		}
		if (strcmp(ptype, "TReal") != 0)
		{
			char msg[256];

			snprintf(msg, sizeof(msg),
					 "operation \"%s\" needs a TReal property; this one is "
					 "%s",
					 json_string_value(op), ptype);
			reply_send_error(req, 422, "Unprocessable Entity", msg);
			return false;
		}
		return true;
	}
	if (!json_is_string(agg) ||
		!(InList(Aggregations[0].aggs, json_string_value(agg), true) ||
		  InList(Aggregations[2].aggs, json_string_value(agg), true) ||
		  InList(Aggregations[3].aggs, json_string_value(agg), true)))
	{
		BadRequest(req,
				   "unknown aggregation \"%s\"; supported aggregations: %s",
				   json_is_string(agg) ? json_string_value(agg)
									   : "(not a string)",
				   AggregationList);
		return false;
	}
	for (size_t i = 0; i < sizeof(Aggregations) / sizeof(Aggregations[0]); i++)
		if (strcmp(Aggregations[i].type, ptype) == 0)
			ta = &Aggregations[i];
	if (ta && !InList(ta->aggs, json_string_value(agg), true))
	{
		char msg[512];

		snprintf(msg, sizeof(msg),
				 "aggregation \"%s\" is not defined for %s properties; "
				 "supported aggregations: %s",
				 json_string_value(agg), ptype, ta->list);
		reply_send_error(req, 400, "Bad Request", msg);
		return false;
	}
	return CheckWindow(req, json_object_get(body, "window"));
}

/*
 * CheckPositionBody: a query of the feature's position takes "operation"
 * (position when absent), one of the engine's lifted operations, and
 * nothing of a property's body; false when answered (400)
 */
static bool
CheckPositionBody(struct evhttp_request *req, json_t *body)
{
	static const char *const other[] = {"aggregation", "window", "arg",
										"lateness",	   "emit",	 NULL};
	json_t *op = json_object_get(body, "operation");

	for (const char *const *m = other; *m; m++)
		if (json_object_get(body, *m))
		{
			BadRequest(req,
					   "a query of the position takes no \"%s\": only "
					   "\"operation\" (one of: %s), \"name\" and "
					   "\"options\"",
					   *m, PositionOperationList);
			return false;
		}
	if (op &&
		(!json_is_string(op) ||
		 !InList(PositionOperations, json_string_value(op), false)))
	{
		BadRequest(req, "unknown operation \"%s\"; supported operations: %s",
				   json_is_string(op) ? json_string_value(op)
									  : "(not a string)",
				   PositionOperationList);
		return false;
	}
	return true;
}

/*
 * UnknownMember: the first member of body that is neither "name" nor one
 * of SpecMembers, or NULL.  Refused rather than ignored: a misspelt
 * "lateness" would otherwise make a query without one, silently.
 */
static const char *
UnknownMember(json_t *body)
{
	const char *key;
	json_t *v;

	json_object_foreach(body, key, v)
	{
		if (strcmp(key, "name") != 0 && !InList(SpecMembers, key, false))
			return key;
	}
	return NULL;
}

/* A fresh query name: q_ and 12 random hex digits */
static void
RandomName(char name[CQ_QUERY_NAME_MAXLEN + 1])
{
	unsigned char r[6];

	evutil_secure_rng_get_bytes(r, sizeof(r));
	snprintf(name, CQ_QUERY_NAME_MAXLEN + 1, "q_%02x%02x%02x%02x%02x%02x",
			 r[0], r[1], r[2], r[3], r[4], r[5]);
}

/* A query name as registered: [a-z][a-z0-9_]{0,46} */
static bool
ValidName(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > CQ_QUERY_NAME_MAXLEN || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			  *s == '_'))
			return false;
	return true;
}

static void
Created_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;
	json_t *obj;
	json_t *links;
	char href[2200];
	char stream[2300];
	char channel[80];
	char *text;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		SqlError(c->req, res, "create the query");
		FreeCtx(c);
		return;
	}
	snprintf(href, sizeof(href), "%s/%s", c->p.base, c->name);
	snprintf(stream, sizeof(stream), "%s/stream", href);
	snprintf(channel, sizeof(channel), CQ_CHANNEL_PREFIX "%s", c->name);
	links = json_pack("[{s:s,s:s,s:s},{s:s,s:s,s:s}]", "rel", "self", "href",
					  href, "type", "application/json", "rel", "stream",
					  "href", stream, "type", "text/event-stream");
	obj = json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:o}", "rel", "cquery",
					"queryId", c->name, "href", stream, "channel", channel,
					"status", "registered", "type", "text/event-stream",
					"links", links);
	if (obj == NULL)
		abort();
	for (const char *const *m = SpecMembers; *m; m++)
		if (json_object_get(c->spec, *m) &&
			(strcmp(*m, "operation") == 0 || strcmp(*m, "arg") == 0 ||
			 strcmp(*m, "aggregation") == 0 || strcmp(*m, "window") == 0))
			json_object_set(obj, *m, json_object_get(c->spec, *m));
	text = json_dumps(obj, JSON_COMPACT);
	evhttp_add_header(evhttp_request_get_output_headers(c->req), "Location",
					  href);
	reply_send_body(c->req, 201, "Created", "application/json", text,
					strlen(text));
	free(text);
	json_decref(obj);
	FreeCtx(c);
}

static void
Lookup_cb(PGresult *res, void *arg)
{
	CqCtx *c = arg;
	json_error_t err;
	json_t *body;
	json_t *name;
	const char *unknown;
	const char *ptype;
	const char *params[3];
	char *spec;

	if (res == NULL || PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		SqlError(c->req, res, "look up the collection");
		FreeCtx(c);
		return;
	}
	if (!IsTrue(res, 0))
	{
		reply_send_error(c->req, 404, "Not Found", "no such collection");
		FreeCtx(c);
		return;
	}
	if (!IsTrue(res, 1))
	{
		reply_send_error(c->req, 403, "Forbidden",
						 "permission denied for the table of this "
						 "collection");
		FreeCtx(c);
		return;
	}
	if (c->p.tgsequence ? !IsTrue(res, 8) : PQgetisnull(res, 0, 5))
	{
		reply_send_error(c->req, 404, "Not Found",
						 c->p.tgsequence ? NoPosition
										 : "no such temporal property");
		FreeCtx(c);
		return;
	}
	if (c->p.tgsequence && (PQgetisnull(res, 0, 6) || PQgetisnull(res, 0, 7)))
	{
		reply_send_error(c->req, 403, "Forbidden",
						 "permission denied for the position columns of "
						 "this collection");
		FreeCtx(c);
		return;
	}
	ptype = PQgetvalue(res, 0, 5);
	body = json_loads(c->body ? c->body : "", JSON_REJECT_DUPLICATES, &err);
	if (body == NULL || !json_is_object(body))
	{
		char msg[300];

		snprintf(msg, sizeof(msg), "the body is not a JSON object%s%s",
				 body ? "" : ": ", body ? "" : err.text);
		reply_send_error(c->req, 400, "Bad Request", msg);
		json_decref(body);
		FreeCtx(c);
		return;
	}
	if ((unknown = UnknownMember(body)) != NULL)
	{
		BadRequest(c->req,
				   "unknown member \"%.60s\"; a query's body takes: %s",
				   unknown, MemberList);
		json_decref(body);
		FreeCtx(c);
		return;
	}
	name = json_object_get(body, "name");
	if (name && (!json_is_string(name) || !ValidName(json_string_value(name))))
	{
		reply_send_error(c->req, 400, "Bad Request",
						 "\"name\" must be a lowercase letter followed by at "
						 "most 46 lowercase letters, digits or underscores");
		json_decref(body);
		FreeCtx(c);
		return;
	}
	if (c->p.tgsequence ? !CheckPositionBody(c->req, body)
						: !CheckBody(c->req, body, ptype))
	{
		json_decref(body);
		FreeCtx(c);
		return;
	}
	if (name)
		snprintf(c->name, sizeof(c->name), "%s", json_string_value(name));
	else
		RandomName(c->name);
	c->spec = json_object();
	for (const char *const *m = SpecMembers; *m; m++)
		if (json_object_get(body, *m))
			json_object_set(c->spec, *m, json_object_get(body, *m));
	json_decref(body);
	json_object_set_new(c->spec, "timeColumn",
						json_string(PQgetvalue(res, 0, 3)));
	json_object_set_new(c->spec, "keyColumn",
						json_string(PQgetvalue(res, 0, 4)));
	json_object_set_new(c->spec, "keyValue", json_string(c->p.fid));
	if (c->p.tgsequence)
	{
		/* The engine's position query (src/engine/query_spec.c) */
		json_object_set_new(c->spec, "kind", json_string("position"));
		if (json_object_get(c->spec, "operation") == NULL)
			json_object_set_new(c->spec, "operation", json_string("position"));
		json_object_set_new(c->spec, "lonColumn",
							json_string(PQgetvalue(res, 0, 6)));
		json_object_set_new(c->spec, "latColumn",
							json_string(PQgetvalue(res, 0, 7)));
	}
	else
		json_object_set_new(c->spec, "valueColumn", json_string(c->p.pname));
	spec = json_dumps(c->spec, JSON_COMPACT);
	if (spec == NULL)
		abort();
	params[0] = c->name;
	params[1] = PQgetvalue(res, 0, 2);
	params[2] = spec;
	if (!DbReady(c->req))
		FreeCtx(c);
	else
		Query(c, CreateSql, 3, params, Created_cb);
	free(spec);
}

void
cquery_create(struct evhttp_request *req, const CqPath *p, const CqWho *who)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(in);
	CqCtx *c;
	const char *params[2];

	if (!DbReady(req))
		return;
	c = NewCtx(req, p, who);
	c->body = malloc(len + 1);
	if (c->body == NULL)
		abort();
	evbuffer_copyout(in, c->body, len);
	c->body[len] = '\0';
	if (strlen(c->body) != len)
	{
		reply_send_error(req, 400, "Bad Request", "the body holds a NUL byte");
		FreeCtx(c);
		return;
	}
	params[0] = c->p.cid;
	params[1] = Third(c);
	Query(c, LookupSql, 2, params, Lookup_cb);
}
