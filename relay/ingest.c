/*
 * ingest.c
 *	  POST /collections/{cid}/items/{fid}/tproperties/{pname}: instants of
 *	  a temporal property appended to a collection's source table, as the
 *	  request's role (docs/relay.md, "Ingest"); POST
 *	  .../items/{fid}/tgsequence: positions (a MovingPoint) appended.
 *
 * Design notes
 *
 * Order of checks, so that nothing is inserted on any error: the body is
 * read whole (evhttp stops at max-ingest-bytes with its own 413) and
 * checked (tpvalue.c: 400 naming the index); then the collection and the
 * property are looked up as the request's role in
 * cqstream.collections(), which shows a role only the collections whose
 * table it may read (404 otherwise, as for one that does not exist);
 * the values are checked against the property's type (400); and only
 * then one INSERT runs, as the role, in its own implicit transaction:
 *
 *   INSERT INTO source (key, time, property)
 *   SELECT $1::keytype, u.t, u.v
 *   FROM unnest($2::timestamptz[], $3::coltype[]) AS u(t, v)
 *
 * one statement, so all the rows or none.  Its values are bound
 * parameters; its identifiers and types come from the look-up, quoted
 * by the database (regclass output, quote_ident, format_type), never
 * from the request.  PostgreSQL decides the rest: no INSERT privilege is
 * 403, a constraint (a unique key on feature and time: an instant
 * already there) 409, a feature id the key's type cannot hold or a
 * column that cannot be written (GENERATED ALWAYS) 400.
 *
 * Functions and types are pg_catalog's, qualified, except unnest: with
 * two arrays it is FROM-clause syntax that PostgreSQL recognizes only
 * unqualified (pg_catalog comes first in the search path anyway unless
 * the relay's own role says otherwise).
 *
 * Two round trips (look-up, insert) on the relay's one connection; the
 * request is refused with 503 while max-db-queue commands wait, as
 * /queries is.
 *
 * POST /collections/{cid}/items/{fid}/tgsequence appends positions the
 * same way: an MF-JSON MovingPoint (mpoint.c) into the collection's
 * lon_column and lat_column, in one statement with three arrays.  Its
 * look-up tells apart a collection the role may not read (403: which
 * tables are published is no secret, cqstream.collection's public
 * columns say it) from one without a position (404).
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "auth.h"
#include "config.h"
#include "ingest.h"
#include "log.h"
#include "mpoint.h"
#include "pgconn.h"
#include "reply.h"
#include "tpvalue.h"

#define INGEST_PREFIX	   "/collections/"
#define INGEST_SEGMENT_MAX 256

/*
 * The collection and property as the role sees them: source, time, key,
 * key type, the property's type name (NULL: no such property), its
 * column quoted, its column type
 */
static const char *const LookupSql =
	"SELECT c.source::text, pg_catalog.quote_ident(c.time_column), "
	"pg_catalog.quote_ident(c.key_column), c.key_type::text, p.e->>'type', "
	"pg_catalog.quote_ident(a.attname), "
	"pg_catalog.format_type(a.atttypid, a.atttypmod) "
	"FROM cqstream.collections() c "
	"LEFT JOIN LATERAL (SELECT e FROM "
	"pg_catalog.jsonb_array_elements(c.properties) e "
	"WHERE e->>'name' = $2) p ON true "
	"LEFT JOIN pg_catalog.pg_attribute a ON a.attrelid = c.source "
	"AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped "
	"WHERE c.id = $1";

/*
 * The collection as the role sees it, for positions: source, time, key,
 * key type, whether the collection has a position, the position's
 * columns quoted (NULL: the role may not read them), whether the role
 * may read the collection at all; no row: no such collection
 */
static const char *const PositionLookupSql =
	"SELECT c.source::text, pg_catalog.quote_ident(c.time_column), "
	"pg_catalog.quote_ident(c.key_column), c.key_type::text, "
	"k.lon_column IS NOT NULL, pg_catalog.quote_ident(c.lon_column), "
	"pg_catalog.quote_ident(c.lat_column), c.id IS NOT NULL "
	"FROM cqstream.collection k "
	"LEFT JOIN cqstream.collections() c ON c.id = k.id "
	"WHERE k.id = $1";

typedef struct Ingest
{
	struct evhttp_request *req;
	char *cid;
	char *fid;
	char *pname; /* NULL: the position (.../tgsequence) */
	char *role;	 /* or NULL: the relay's own */
	TpValue tp;
	MPoint mp;
} Ingest;

static void
Free(Ingest *in)
{
	tpvalue_free(&in->tp);
	mpoint_free(&in->mp);
	free(in->cid);
	free(in->fid);
	free(in->pname);
	free(in->role);
	free(in);
}

/*
 * A path segment (len bytes at start), percent decoded (malloc'd), or
 * NULL if empty, too long or holding NUL
 */
static char *
Segment(const char *start, size_t len)
{
	size_t out_len = 0;
	char raw[INGEST_SEGMENT_MAX + 1];
	char *dec;

	if (len == 0 || len > INGEST_SEGMENT_MAX)
		return NULL;
	memcpy(raw, start, len);
	raw[len] = '\0';
	dec = evhttp_uridecode(raw, 0, &out_len);
	if (dec && (out_len == 0 || strlen(dec) != out_len))
	{
		free(dec);
		return NULL;
	}
	return dec;
}

/*
 * Split path into cid, fid, pname (each malloc'd); false if it is not
 * /collections/{cid}/items/{fid}/tproperties/{pname} or
 * /collections/{cid}/items/{fid}/tgsequence (pname NULL)
 */
static bool
SplitPath(const char *path, char **cid, char **fid, char **pname)
{
	const char *p;
	const char *seg[6];
	size_t len[6];
	int n = 0;

	*cid = *fid = *pname = NULL;
	if (strncmp(path, INGEST_PREFIX, strlen(INGEST_PREFIX)) != 0)
		return false;
	p = path + strlen(INGEST_PREFIX);
	while (n < 6)
	{
		const char *slash = strchr(p, '/');

		seg[n] = p;
		len[n] = slash ? (size_t) (slash - p) : strlen(p);
		n++;
		if (slash == NULL)
			break;
		p = slash + 1;
	}
	/* cid, "items", fid, then "tproperties", pname or "tgsequence" */
	if (n < 4 || len[1] != 5 || strncmp(seg[1], "items", 5) != 0)
		return false;
	if (n == 4 && len[3] == 10 && strncmp(seg[3], "tgsequence", 10) == 0)
	{
		*cid = Segment(seg[0], len[0]);
		*fid = Segment(seg[2], len[2]);
		if (*cid && *fid)
			return true;
	}
	else if (n == 5 && len[3] == 11 && strncmp(seg[3], "tproperties", 11) == 0)
	{
		*cid = Segment(seg[0], len[0]);
		*fid = Segment(seg[2], len[2]);
		*pname = Segment(seg[4], len[4]);
		if (*cid && *fid && *pname)
			return true;
	}
	free(*cid);
	free(*fid);
	free(*pname);
	*cid = *fid = *pname = NULL;
	return false;
}

bool
ingest_path(const char *path)
{
	char *cid;
	char *fid;
	char *pname;

	if (!SplitPath(path, &cid, &fid, &pname))
		return false;
	free(cid);
	free(fid);
	free(pname);
	return true;
}

/* 404: no such collection, or (position) one without a position */
static void
NotFound(Ingest *in, bool position)
{
	char msg[300];

	if (position)
		snprintf(msg, sizeof(msg),
				 "collection \"%.100s\" has no position (no lon_column and "
				 "lat_column)",
				 in->cid);
	else
		snprintf(msg, sizeof(msg), "no such collection \"%.100s\"", in->cid);
	reply_send_error(in->req, 404, "Not Found", msg);
}

/*
 * A command of in failed: answer as its error says (in stays the
 * caller's)
 */
static void
SqlFailed(Ingest *in, PGresult *res, const char *what)
{
	const char *state = pgconn_sqlstate(res);
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	char msg[400];

	if (primary == NULL)
		primary = "refused";
	if (pgconn_role_failed())
	{
		snprintf(msg, sizeof(msg), "the token's role cannot be used: %s",
				 primary);
		if (strcmp(state, "42501") == 0)
			reply_send_error(in->req, 403, "Forbidden", msg);
		else
			auth_reply_401(in->req, msg, true);
	}
	else if (strcmp(state, "42501") == 0)
		reply_send_error(in->req, 403, "Forbidden", primary);
	else if (strncmp(state, "23", 2) == 0)
	{
		snprintf(msg, sizeof(msg), "nothing inserted: %s", primary);
		reply_send_error(in->req, 409, "Conflict", msg);
	}
	else if (strncmp(state, "22", 2) == 0 || strncmp(state, "42", 2) == 0)
	{
		snprintf(msg, sizeof(msg), "nothing inserted: %s", primary);
		reply_send_error(in->req, 400, "Bad Request", msg);
	}
	else
	{
		relay_log(LOG_WARN, "could not %s: %s", what,
				  PQresultErrorMessage(res));
		reply_send_error(in->req, 500, "Internal Server Error",
						 "could not ingest the instants");
	}
}

static void
Inserted_cb(PGresult *res, void *arg)
{
	Ingest *in = arg;

	if (res == NULL)
		reply_send_error(in->req, 503, "Service Unavailable",
						 "database unavailable");
	else if (PQresultStatus(res) != PGRES_COMMAND_OK)
		SqlFailed(in, res, "insert ingested instants");
	else
	{
		json_int_t n = (json_int_t) strtoll(PQcmdTuples(res), NULL, 10);
		json_t *j = in->pname
			? json_pack("{s:s,s:s,s:s,s:I}", "collection", in->cid,
						"featureId", in->fid, "tproperty", in->pname,
						"inserted", n)
			: json_pack("{s:s,s:s,s:s,s:I}", "collection", in->cid,
						"featureId", in->fid, "temporalGeometry",
						"MovingPoint", "inserted", n);
		char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
		const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(in->req);

		/* The resource the instants were appended to: this very URL */
		evhttp_add_header(evhttp_request_get_output_headers(in->req),
						  "Location", evhttp_uri_get_path(uri));
		reply_send_body(in->req, 201, "Created", "application/json",
						text ? text : "{}", text ? strlen(text) : 2);
		free(text);
		json_decref(j);
	}
	Free(in);
}

/*
 * LookUpFailed: whether the collection look-up itself failed (no
 * database, an SQL error); then the answer is sent and in freed
 */
static bool
LookUpFailed(Ingest *in, PGresult *res)
{
	if (res == NULL)
		reply_send_error(in->req, 503, "Service Unavailable",
						 "database unavailable");
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
		SqlFailed(in, res, "look a collection up");
	else
		return false;
	Free(in);
	return true;
}

static void
Looked_cb(PGresult *res, void *arg)
{
	Ingest *in = arg;
	char msg[TPVALUE_MSG_MAX + 64];
	char tpmsg[TPVALUE_MSG_MAX];
	TpType type;
	StrBuf values;
	StrBuf sql;
	const char *params[3];

	if (LookUpFailed(in, res))
		return;
	if (PQntuples(res) == 0)
	{
		snprintf(msg, sizeof(msg), "no such collection \"%.100s\"", in->cid);
		reply_send_error(in->req, 404, "Not Found", msg);
		Free(in);
		return;
	}
	if (PQgetisnull(res, 0, 4) || PQgetisnull(res, 0, 5) ||
		!tpvalue_type(PQgetvalue(res, 0, 4), &type))
	{
		snprintf(msg, sizeof(msg),
				 "no such temporal property \"%.100s\" in collection "
				 "\"%.100s\"",
				 in->pname, in->cid);
		reply_send_error(in->req, 404, "Not Found", msg);
		Free(in);
		return;
	}
	strbuf_init(&values);
	if (!tpvalue_values(&in->tp, type, PQgetvalue(res, 0, 6), &values, tpmsg))
	{
		reply_send_error(in->req, 400, "Bad Request", tpmsg);
		strbuf_free(&values);
		Free(in);
		return;
	}
	strbuf_init(&sql);
	strbuf_printf(&sql,
				  "INSERT INTO %s (%s, %s, %s) SELECT $1::%s, u.t, u.v FROM "
				  "unnest($2::pg_catalog.timestamptz[], $3::%s[]) "
				  "AS u(t, v)",
				  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2),
				  PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 5),
				  PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 6));
	params[0] = in->fid;
	params[1] = in->tp.datetimes.data;
	params[2] = values.data;
	/* The body is no longer needed: free it before the insert waits */
	json_decref(in->tp.doc);
	in->tp.doc = NULL;
	pgconn_query_as(in->role, sql.data, 3, params, Inserted_cb, in);
	strbuf_free(&sql);
	strbuf_free(&values);
	strbuf_free(&in->tp.datetimes);
}

/* The position look-up's answer: insert the MovingPoint, or refuse */
static void
PositionLooked_cb(PGresult *res, void *arg)
{
	Ingest *in = arg;
	StrBuf sql;
	const char *params[4];

	if (LookUpFailed(in, res))
		return;
	if (PQntuples(res) == 0)
		NotFound(in, false);
	else if (PQgetvalue(res, 0, 7)[0] != 't')
		reply_send_error(in->req, 403, "Forbidden",
						 "permission denied for the table of this "
						 "collection: nothing inserted");
	else if (PQgetvalue(res, 0, 4)[0] != 't')
		NotFound(in, true);
	else if (PQgetisnull(res, 0, 5) || PQgetisnull(res, 0, 6))
		reply_send_error(in->req, 403, "Forbidden",
						 "permission denied for the position columns of "
						 "this collection: nothing inserted");
	else
	{
		strbuf_init(&sql);
		strbuf_printf(&sql,
					  "INSERT INTO %s (%s, %s, %s, %s) SELECT $1::%s, u.t, "
					  "u.x, u.y FROM unnest($2::pg_catalog.timestamptz[], "
					  "$3::pg_catalog.float8[], $4::pg_catalog.float8[]) AS "
					  "u(t, x, y)",
					  PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 2),
					  PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 5),
					  PQgetvalue(res, 0, 6), PQgetvalue(res, 0, 3));
		params[0] = in->fid;
		params[1] = in->mp.datetimes.data;
		params[2] = in->mp.lons.data;
		params[3] = in->mp.lats.data;
		pgconn_query_as(in->role, sql.data, 4, params, Inserted_cb, in);
		strbuf_free(&sql);
		return;
	}
	Free(in);
}

/* Whether req's Content-Type is JSON (application/json, or +json) */
static bool
IsJson(struct evhttp_request *req)
{
	const char *t = evhttp_find_header(evhttp_request_get_input_headers(req),
									   "Content-Type");
	size_t n;

	if (t == NULL)
		return false;
	n = strcspn(t, ";");
	while (n > 0 && (t[n - 1] == ' ' || t[n - 1] == '\t'))
		n--;
	return (n == 16 && strncasecmp(t, "application/json", 16) == 0) ||
		(n > 5 && strncasecmp(t + n - 5, "+json", 5) == 0 &&
		 strncasecmp(t, "application/", 12) == 0);
}

void
ingest_post(struct evhttp_request *req, const char *path, const char *role)
{
	struct evbuffer *body = evhttp_request_get_input_buffer(req);
	size_t len = evbuffer_get_length(body);
	char msg[TPVALUE_MSG_MAX];
	const char *params[2];
	Ingest *in;

	if (!IsJson(req))
	{
		reply_send_error(req, 415, "Unsupported Media Type",
						 "the body must be JSON (Content-Type: "
						 "application/json), a TemporalPrimitiveValue or, "
						 "for .../tgsequence, a MovingPoint");
		return;
	}
	if (len > (size_t) relay_config->max_ingest_bytes)
	{
		reply_send_error(req, 413, "Payload Too Large",
						 "the body is larger than max-ingest-bytes");
		return;
	}
	in = calloc(1, sizeof(Ingest));
	if (in == NULL)
		abort();
	in->req = req;
	if (!SplitPath(path, &in->cid, &in->fid, &in->pname))
	{
		reply_send_error(req, 404, "Not Found", "no such resource");
		Free(in);
		return;
	}
	if (in->pname
			? !tpvalue_parse(&in->tp, (const char *) evbuffer_pullup(body, -1),
							 len, msg)
			: !mpoint_parse(&in->mp, (const char *) evbuffer_pullup(body, -1),
							len, msg))
	{
		reply_send_error(req, 400, "Bad Request", msg);
		Free(in);
		return;
	}
	if (!pgconn_ready())
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
		Free(in);
		return;
	}
	if (pgconn_pending() >= relay_config->max_db_queue)
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database busy: too many requests waiting for it");
		Free(in);
		return;
	}
	in->role = role ? strdup(role) : NULL;
	if (role && in->role == NULL)
		abort();
	params[0] = in->cid;
	params[1] = in->pname;
	if (in->pname)
		pgconn_query_as(in->role, LookupSql, 2, params, Looked_cb, in);
	else
		pgconn_query_as(in->role, PositionLookupSql, 1, params,
						PositionLooked_cb, in);
}
