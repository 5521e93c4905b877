/*
 * collections.c
 *	  GET /collections and /collections/{cid} (OGC API - Moving Features:
 *	  the collections the request's role may read), and the routing of
 *	  every path under /collections (cquery.c has the queries, of a
 *	  property or of the position, ingest.c the appends).
 *
 * Design notes
 *
 * A collection is a row of cqstream.collection (create_collection): the
 * listing is cqstream.collections() run as the request's role, so the
 * role sees the collections whose table it may read and, among their
 * temporal properties, the columns it may read.  A collection that exists
 * but is not the role's to read is 403 at /collections/{cid} (which
 * tables are published is no secret: the catalog's id and source columns
 * are readable by every role), an unknown one 404.
 *
 * Path segments are percent-decoded (a feature id may hold any byte but
 * NUL); a collection id or query id outside the query-name rule cannot
 * exist and is 404 without asking the database.  Links are relative to
 * the relay's root, as ogc.c's are, and reuse the segments as requested.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "collections.h"
#include "config.h"
#include "cquery.h"
#include "log.h"
#include "payload.h"
#include "pgconn.h"
#include "reply.h"
#include "sse.h"

#define COLLECTION_OBJ_SQL                                                     \
	"json_strip_nulls(json_build_object('id', c.id, 'title', c.title, "        \
	"'description', c.description, 'itemType', 'movingfeature', "              \
	"'timeColumn', c.time_column, 'keyColumn', c.key_column, "                 \
	"'temporalProperties', c.properties, 'temporalGeometry', CASE WHEN "       \
	"c.lon_column IS NOT NULL THEN json_build_object('type', 'MovingPoint', "  \
	"'lonColumn', c.lon_column, 'latColumn', c.lat_column, 'links', "          \
	"json_build_array(json_build_object('href', '/collections/' || c.id || "   \
	"'/items/{featureId}/tgsequence/queries', 'rel', 'cqueries', 'type', "     \
	"'application/json', 'templated', true))) END, 'links', json_build_array(" \
	"json_build_object('href', '/collections/' || c.id, 'rel', 'self', "       \
	"'type', 'application/json'), json_build_object('href', '/collections/' "  \
	"|| c.id || '/items/{featureId}/tproperties/{pname}/queries', 'rel', "     \
	"'cqueries', 'type', 'application/json', 'templated', true))))"

static const char *const ListSql =
	"SELECT json_build_object('collections', coalesce(json_agg("
	"" COLLECTION_OBJ_SQL " ORDER BY c.id), '[]'::json), 'links', "
	"json_build_array(json_build_object('href', '/collections', 'rel', "
	"'self', 'type', 'application/json')))::text FROM "
	"cqstream.collections() c";

static const char *const OneSql =
	"SELECT k.id IS NOT NULL, (SELECT " COLLECTION_OBJ_SQL " FROM "
	"cqstream.collections() c WHERE c.id = w.want)::text FROM (SELECT "
	"$1::text AS want) w LEFT JOIN cqstream.collection k ON k.id = w.want";

/* A collection or query id as registered: [a-z][a-z0-9_]{0,46} */
static bool
ValidId(const char *s, size_t n)
{
	if (n == 0 || n > CQ_QUERY_NAME_MAXLEN || !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') ||
			  s[i] == '_'))
			return false;
	return true;
}

static void
Collections_cb(PGresult *res, void *arg)
{
	struct evhttp_request *req = arg;
	int col = 0;

	if (res == NULL)
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
		return;
	}
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		const char *state = pgconn_sqlstate(res);
		const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
		char msg[300];

		if (pgconn_role_failed())
		{
			snprintf(msg, sizeof(msg), "the token's role cannot be used: %s",
					 primary ? primary : "refused");
			if (strcmp(state, "42501") == 0)
				reply_send_error(req, 403, "Forbidden", msg);
			else
				auth_reply_401(req, msg, true);
		}
		else if (strcmp(state, "42501") == 0)
			reply_send_error(req, 403, "Forbidden",
							 primary ? primary : "permission denied");
		else
		{
			relay_log(LOG_WARN, "could not read collections: %s",
					  PQresultErrorMessage(res));
			reply_send_error(req, 500, "Internal Server Error",
							 "could not read the collections");
		}
		return;
	}
	if (PQnfields(res) == 2)
	{
		/* One collection: does it exist, may the role read it */
		if (PQgetvalue(res, 0, 0)[0] != 't')
		{
			reply_send_error(req, 404, "Not Found", "no such collection");
			return;
		}
		if (PQgetisnull(res, 0, 1))
		{
			reply_send_error(req, 403, "Forbidden",
							 "permission denied for the table of this "
							 "collection");
			return;
		}
		col = 1;
	}
	{
		StrBuf b;

		strbuf_init(&b);
		payload_minify(&b, PQgetvalue(res, 0, col), PQgetlength(res, 0, col));
		reply_send_body(req, 200, "OK", "application/json", b.data, b.len);
		strbuf_free(&b);
	}
}

static void
RouteCollections(struct evhttp_request *req, const char *cid, const Auth *auth)
{
	const char *params[1] = {cid};
	const char *role = auth->role[0] ? auth->role : NULL;

	if (!pgconn_ready())
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
		return;
	}
	if (pgconn_pending() >= relay_config->max_db_queue)
	{
		reply_send_error(req, 503, "Service Unavailable",
						 "database busy: too many requests waiting for it");
		return;
	}
	if (cid == NULL)
		pgconn_query_as(role, ListSql, 0, NULL, Collections_cb, req);
	else
		pgconn_query_as(role, OneSql, 1, params, Collections_cb, req);
}

/* 405 with the methods the resource takes */
static void
NotAllowed(struct evhttp_request *req, const char *allow)
{
	char msg[80];

	evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
	snprintf(msg, sizeof(msg), "allowed methods: %s", allow);
	reply_send_error(req, 405, "Method Not Allowed", msg);
}

/*
 * Decode segment seg (n bytes, percent-encoded) into out (size bytes);
 * false if it is too long or decodes to a NUL byte
 */
static bool
Segment(const char *seg, size_t n, char *out, size_t size)
{
	char *raw = strndup(seg, n);
	size_t len = 0;
	char *dec;
	bool ok;

	if (raw == NULL)
		abort();
	dec = evhttp_uridecode(raw, 0, &len);
	free(raw);
	if (dec == NULL)
		return false;
	ok = len > 0 && len < size && strlen(dec) == len;
	if (ok)
		memcpy(out, dec, len + 1);
	free(dec);
	return ok;
}

/* The next segment of *path (after its '/'), advancing *path */
static bool
Next(const char **path, const char **seg, size_t *n)
{
	const char *s = *path;
	const char *e;

	if (*s != '/')
		return false;
	s++;
	e = strchr(s, '/');
	*seg = s;
	*n = e ? (size_t) (e - s) : strlen(s);
	*path = s + *n;
	return true;
}

static bool
Is(const char *seg, size_t n, const char *word)
{
	return n == strlen(word) && strncmp(seg, word, n) == 0;
}

bool
collections_path(const char *path)
{
	return path && strncmp(path, "/collections", 12) == 0 &&
		(path[12] == '\0' || path[12] == '/');
}

/* Last-Event-ID: the header if set, else the last_event_id parameter */
static void
LastEventId(struct evhttp_request *req, struct evkeyvalq *q, CqWho *who)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
									   "Last-Event-ID");
	const char *p = evhttp_find_header(q, "last_event_id");
	CursorPos pos[SSE_CURSOR_MAX];
	const char *v = NULL;

	if (h && sse_cursor_parse(h, pos, SSE_CURSOR_MAX) > 0)
		v = h;
	else if (p && sse_cursor_parse(p, pos, SSE_CURSOR_MAX) > 0)
		v = p;
	who->last_id[0] = '\0';
	if (v && strlen(v) < sizeof(who->last_id))
		strcpy(who->last_id, v);
}

bool
collections_route(struct evhttp_request *req, enum evhttp_cmd_type cmd,
				  const char *path, struct evkeyvalq *q, const Auth *auth)
{
	const char *rest = path + 12;
	const char *seg;
	size_t n;
	CqPath *p;
	CqWho who;

	if (strcmp(rest, "") == 0 || strcmp(rest, "/") == 0)
	{
		if (cmd != EVHTTP_REQ_GET)
			NotAllowed(req, "GET, OPTIONS");
		else
			RouteCollections(req, NULL, auth);
		return true;
	}
	p = calloc(1, sizeof(CqPath));
	if (p == NULL)
		abort();
	/* {cid} */
	if (!Next(&rest, &seg, &n) || !ValidId(seg, n))
	{
		free(p);
		reply_send_error(req, 404, "Not Found", "no such collection");
		return true;
	}
	memcpy(p->cid, seg, n);
	p->cid[n] = '\0';
	if (*rest == '\0')
	{
		if (cmd != EVHTTP_REQ_GET)
			NotAllowed(req, "GET, OPTIONS");
		else
			RouteCollections(req, p->cid, auth);
		free(p);
		return true;
	}
	/*
	 * /items/{fid}/tproperties/{pname}/queries or
	 * /items/{fid}/tgsequence/queries: the same queries resource, of a
	 * property or of the position
	 */
	if (!Next(&rest, &seg, &n) || !Is(seg, n, "items") ||
		!Next(&rest, &seg, &n) || !Segment(seg, n, p->fid, sizeof(p->fid)) ||
		!Next(&rest, &seg, &n))
	{
		free(p);
		return false;
	}
	p->tgsequence = Is(seg, n, "tgsequence");
	if ((!p->tgsequence &&
		 (!Is(seg, n, "tproperties") || !Next(&rest, &seg, &n) ||
		  !Segment(seg, n, p->pname, sizeof(p->pname)))) ||
		!Next(&rest, &seg, &n) || !Is(seg, n, "queries"))
	{
		free(p);
		return false;
	}
	n = (size_t) (rest - path);
	if (n >= sizeof(p->base))
	{
		free(p);
		reply_send_error(req, 404, "Not Found", "no such resource");
		return true;
	}
	memcpy(p->base, path, n);
	p->base[n] = '\0';
	memset(&who, 0, sizeof(who));
	snprintf(who.role, sizeof(who.role), "%s", auth->role);
	who.exp = auth->exp;
	if (*rest == '\0' || strcmp(rest, "/") == 0)
	{
		if (cmd == EVHTTP_REQ_POST)
			cquery_create(req, p, &who);
		else if (cmd == EVHTTP_REQ_GET)
			cquery_list(req, p, &who);
		else
			NotAllowed(req, "GET, POST, OPTIONS");
		free(p);
		return true;
	}
	/* /{qid}[/stream] */
	if (!Next(&rest, &seg, &n) || !ValidId(seg, n) ||
		!(*rest == '\0' || strcmp(rest, "/stream") == 0))
	{
		free(p);
		reply_send_error(req, 404, "Not Found", "no such query");
		return true;
	}
	memcpy(p->qid, seg, n);
	p->qid[n] = '\0';
	p->stream = *rest != '\0';
	if (p->stream && cmd == EVHTTP_REQ_GET)
	{
		LastEventId(req, q, &who);
		cquery_stream(req, p, &who);
	}
	else if (p->stream)
		NotAllowed(req, "GET, OPTIONS");
	else if (cmd == EVHTTP_REQ_GET)
		cquery_get(req, p, &who);
	else if (cmd == EVHTTP_REQ_DELETE)
		cquery_delete(req, p, &who);
	else
		NotAllowed(req, "GET, DELETE, OPTIONS");
	free(p);
	return true;
}
