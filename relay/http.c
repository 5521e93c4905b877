/*
 * http.c
 *	  The relay's HTTP routes: dashboard and OGC resources (ogc.c),
 *	  queries, streams, health, metrics, CORS preflight, errors (replies
 *	  through reply.c).
 *
 * Design notes
 *
 * evhttp parses requests with limits set here: 16 KB of request line and
 * headers (so long URLs and headers are refused by evhttp itself with
 * 400/413 before any routing), max-ingest-bytes of body (only the POSTs
 * under /collections read one, ingest.c and cquery.c; a bigger body gets
 * evhttp's own 413, a smaller one on another route our JSON 405).  A connection has
 * request-timeout seconds to send its whole request, however slowly it
 * sends bytes, and at most max-requests connections may be at it
 * (pending.c).  Every reply closes its connection (one request per
 * connection, so the deadline covers every request).  All methods are let
 * through to the router so that every refusal carries the JSON error
 * body: 400, 401, 404, 405, 421 and 503 as
 * {"error":{"status":N,"message":"..."}}.  A valid stream request goes
 * to stream.c, which never calls back here.
 *
 * Host check (DNS rebinding: a page of another site whose name now
 * resolves to this address, reading an open relay from the user's
 * browser): every route but /healthz answers 421 to a Host the
 * configuration does not allow (config_host_allowed).
 *
 * Authentication (when tokens, JWT or an anon-role are configured)
 * covers everything but "/" (the dashboard or the landing page),
 * /conformance, /api and /healthz (auth.c): those describe the relay and
 * read nothing of the database's.  A
 * request with a role (a JWT's, or the anon-role) has its SQL run as
 * that role (pgconn_query_as): /queries as that role sees the view, and
 * /queries/{name} also reads nothing of the query's results, which makes
 * PostgreSQL refuse it (42501: 403) unless the role may read them.
 *
 * JSON of /queries is built by the database (json_agg over the view), so
 * it is exactly the view's columns and types; the request waits for the
 * reply without blocking the loop, and is refused with 503 while
 * max-db-queue commands wait for the database.  When accept() fails for
 * lack of file descriptors, accepting pauses for 100 ms instead of
 * spinning.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/bufferevent.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>

#include "auth.h"
#include "collections.h"
#include "config.h"
#include "http.h"
#include "ingest.h"
#include "log.h"
#include "metrics.h"
#include "ogc.h"
#include "payload.h"
#include "pending.h"
#include "pgconn.h"
#include "reply.h"
#include "stream.h"

#define MAX_HEADERS_SIZE 16384
#define MAX_KEY_LEN		 1024

static struct
{
	struct evhttp *http;
	struct evhttp_bound_socket *bound;
	struct event *resume_ev;
} hs;

/* A query name as registered: [a-z][a-z0-9_]{0,46} */
static bool
ValidName(const char *s, bool pattern)
{
	size_t n = strlen(s);

	if (n == 0 || n > CQ_QUERY_NAME_MAXLEN)
		return false;
	if (!pattern && !(s[0] >= 'a' && s[0] <= 'z'))
		return false;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
			  *s == '_' || (pattern && *s == '*')))
			return false;
	return true;
}

/* ------------------------------------------------------------------ */
/* /queries */

static const char *const QueriesSql =
	"SELECT json_build_object('queries', coalesce(json_agg(q ORDER BY "
	"q.name), '[]'::json))::text FROM (SELECT v.*, json_build_array("
	"json_build_object('rel', 'cquery', 'queryId', v.name, 'href', "
	"'/queries/' || v.name || '/stream', 'channel', v.channel, 'status', "
	"v.status, 'type', 'text/event-stream')) AS links FROM cqstream.queries "
	"v) q";

/* As a role: only the queries it may read (owner's role or read grant) */
static const char *const QueriesAsSql =
	"SELECT json_build_object('queries', coalesce(json_agg(q ORDER BY "
	"q.name), '[]'::json))::text FROM (SELECT v.*, json_build_array("
	"json_build_object('rel', 'cquery', 'queryId', v.name, 'href', "
	"'/queries/' || v.name || '/stream', 'channel', v.channel, 'status', "
	"v.status, 'type', 'text/event-stream')) AS links FROM cqstream.queries "
	"v WHERE cqstream.can_read_query(v.name)) q";

static const char *const QuerySql =
	"SELECT row_to_json(q)::text FROM (SELECT v.*, json_build_array("
	"json_build_object('rel', 'cquery', 'queryId', v.name, 'href', "
	"'/queries/' || v.name || '/stream', 'channel', v.channel, 'status', "
	"v.status, 'type', 'text/event-stream')) AS links FROM cqstream.queries "
	"v WHERE v.name = $1) q";

/*
 * One query as a role: its row, and (an init plan, run only when the row
 * exists) a read of its results after the largest id, which returns
 * nothing but raises 42501 when the role may not read them
 */
static const char *const QueryAsSql =
	"SELECT row_to_json(q)::text, (SELECT count(*) FROM cqstream.results($1, "
	"9223372036854775807, 1)) FROM (SELECT v.*, json_build_array("
	"json_build_object('rel', 'cquery', 'queryId', v.name, 'href', "
	"'/queries/' || v.name || '/stream', 'channel', v.channel, 'status', "
	"v.status, 'type', 'text/event-stream')) AS links FROM cqstream.queries "
	"v WHERE v.name = $1) q";

/* A request's SQL failed: answer as the error says (true) or not */
static bool
SqlRefused(struct evhttp_request *req, PGresult *res)
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
		return true;
	}
	if (strcmp(state, "42501") == 0)
	{
		reply_send_error(req, 403, "Forbidden",
						 primary ? primary : "permission denied");
		return true;
	}
	if (strcmp(state, "42704") == 0)
	{
		reply_send_error(req, 404, "Not Found", "no such query");
		return true;
	}
	return false;
}

static void
Queries_cb(PGresult *res, void *arg)
{
	struct evhttp_request *req = arg;

	if (res == NULL)
		reply_send_error(req, 503, "Service Unavailable",
						 "database unavailable");
	else if (PQresultStatus(res) != PGRES_TUPLES_OK && SqlRefused(req, res))
		;
	else if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		relay_log(LOG_WARN, "could not read queries: %s",
				  PQresultErrorMessage(res));
		reply_send_error(req, 500, "Internal Server Error",
						 "could not read the queries");
	}
	else if (PQntuples(res) == 0)
		reply_send_error(req, 404, "Not Found", "no such query");
	else
	{
		/* json_build_object writes blanks around ':'; compact it */
		StrBuf b;

		strbuf_init(&b);
		payload_minify(&b, PQgetvalue(res, 0, 0), PQgetlength(res, 0, 0));
		reply_send_body(req, 200, "OK", "application/json", b.data, b.len);
		strbuf_free(&b);
	}
}

static void
RouteQueries(struct evhttp_request *req, const char *name, const char *role)
{
	const char *params[1] = {name};

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
	if (name == NULL)
		pgconn_query_as(role, role ? QueriesAsSql : QueriesSql, 0, NULL,
						Queries_cb, req);
	else if (role == NULL)
		pgconn_query(QuerySql, 1, params, Queries_cb, req);
	else
		pgconn_query_as(role, QueryAsSql, 1, params, Queries_cb, req);
}

/* ------------------------------------------------------------------ */
/* Streams */

/* The Last-Event-ID header if valid, else the parameter (or NULL) */
static const char *
LastEventId(struct evhttp_request *req, struct evkeyvalq *q)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req),
									   "Last-Event-ID");
	const char *p = evhttp_find_header(q, "last_event_id");
	CursorPos pos[SSE_CURSOR_MAX];

	if (h && sse_cursor_parse(h, pos, SSE_CURSOR_MAX) > 0)
		return h;
	if (p && sse_cursor_parse(p, pos, SSE_CURSOR_MAX) > 0)
		return p;
	return NULL;
}

static void
RouteStream(struct evhttp_request *req, const char *name, struct evkeyvalq *q,
			const Auth *auth)
{
	const char *key = evhttp_find_header(q, "key");
	char *names[STREAM_MAX_NAMES];
	int n = 0;
	bool multi = name == NULL;

	if (key && strlen(key) > MAX_KEY_LEN)
	{
		reply_send_error(req, 400, "Bad Request", "key too long");
		return;
	}
	if (!multi)
	{
		if (!ValidName(name, false))
		{
			/* No such query can exist: stop the client as for unknown */
			reply_add_cors(req);
			evhttp_send_reply(req, 204, "No Content", NULL);
			return;
		}
		names[n++] = (char *) name;
	}
	else
	{
		for (struct evkeyval *kv = q->tqh_first; kv; kv = kv->next.tqe_next)
		{
			if (strcmp(kv->key, "query") != 0)
				continue;
			if (n >= STREAM_MAX_NAMES)
			{
				reply_send_error(req, 400, "Bad Request",
								 "too many query parameters");
				return;
			}
			if (!ValidName(kv->value, true))
			{
				reply_send_error(req, 400, "Bad Request",
								 "invalid query name or pattern (letters a-z, "
								 "digits, _ and *)");
				return;
			}
			names[n++] = kv->value;
		}
		if (n == 0)
		{
			reply_send_error(req, 400, "Bad Request",
							 "at least one query parameter is required");
			return;
		}
	}
	stream_open(req, names, n, multi, key, LastEventId(req, q),
				auth->role[0] ? auth->role : NULL, auth->exp);
}

/* ------------------------------------------------------------------ */
/* Routing */

static void
Preflight(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	reply_add_cors(req);
	evhttp_add_header(h, "Access-Control-Allow-Methods",
					  "GET, POST, DELETE, OPTIONS");
	evhttp_add_header(h, "Access-Control-Allow-Headers",
					  "Last-Event-ID, Authorization, Cache-Control, "
					  "Content-Type");
	evhttp_add_header(h, "Access-Control-Max-Age", "86400");
	evhttp_send_reply(req, 204, "No Content", NULL);
}

/*
 * Stop reading from req's connection until its reply is sent.  libevent
 * 2.1.6 to 2.1.8 end the whole process with "illegal connection state 7"
 * when bytes arrive on a connection whose reply is still to come (every
 * stream and /queries waits on the database; 2.1.12 survives it, but the
 * relay must not depend on the version); with reading off they stay in
 * the kernel, and a stream's input does not pile up in evhttp's buffer.
 * evhttp turns reading on again for the next request of a kept-alive
 * connection once a reply is complete; a stream's connection is the
 * relay's once its response starts, and is never read (client.c).  A
 * peer that goes away meanwhile is noticed by streams on their own
 * (client.c); a /queries reply to it fails on write.
 */
static void
StopReading(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct bufferevent *bev = evcon ? evhttp_connection_get_bufferevent(evcon)
									: NULL;

	if (bev)
		bufferevent_disable(bev, EV_READ);
}

static void
Route_cb(struct evhttp_request *req, void *arg)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri ? evhttp_uri_get_query(uri) : NULL;
	struct evkeyvalq q;
	Auth auth;

	(void) arg;
	TAILQ_INIT(&q);
	pending_done(req);
	StopReading(req);
	/* One request per connection (pending.c) */
	evhttp_add_header(evhttp_request_get_output_headers(req), "Connection",
					  "close");
	if (path && strcmp(path, "/healthz") != 0 &&
		!config_host_allowed(relay_config,
							 evhttp_find_header(evhttp_request_get_input_headers(
													req),
												"Host")))
	{
		reply_send_error(req, 421, "Misdirected Request",
						 "this Host is not allowed (allowed-hosts): the "
						 "relay answers only for its own names");
		return;
	}
	if (cmd == EVHTTP_REQ_OPTIONS)
	{
		Preflight(req);
		return;
	}
	/* /collections takes POST and DELETE too (collections.c, ingest.c) */
	if (cmd != EVHTTP_REQ_GET && !collections_path(path))
	{
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
						  "GET, OPTIONS");
		reply_send_error(req, 405, "Method Not Allowed",
						 "only GET is allowed");
		return;
	}
	if (path == NULL || path[0] != '/' ||
		(query && evhttp_parse_query_str(query, &q) != 0))
	{
		evhttp_clear_headers(&q);
		reply_send_error(req, 400, "Bad Request", "malformed request URI");
		return;
	}
	if (ogc_route(req, path, &q))
		;
	else if (strcmp(path, "/healthz") == 0)
	{
		char body[128];
		bool ok = pgconn_ready();

		snprintf(body, sizeof(body),
				 "{\"status\":\"%s\",\"database\":%s,\"listening\":%d}",
				 ok ? "ok" : "degraded", ok ? "true" : "false",
				 stream_listening());
		reply_send_body(req, ok ? 200 : 503, ok ? "OK" : "Service Unavailable",
						"application/json", body, strlen(body));
	}
	else if (auth_request(req, &q, &auth), !auth.ok)
		auth_refuse(req, &auth);
	else if (cmd == EVHTTP_REQ_POST && ingest_path(path))
		ingest_post(req, path, auth.role[0] ? auth.role : NULL);
	else if (collections_path(path) &&
			 collections_route(req, cmd, path, &q, &auth))
		;
	else if (cmd != EVHTTP_REQ_GET)
	{
		/* The ingest route takes POST only */
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow",
						  ingest_path(path) ? "POST, OPTIONS"
											: "GET, OPTIONS");
		reply_send_error(req, 405, "Method Not Allowed",
						 ingest_path(path) ? "only POST is allowed"
										   : "only GET is allowed");
	}
	else if (strcmp(path, "/metrics") == 0 && auth.role[0])
		reply_send_error(req, 403, "Forbidden",
						 "/metrics is for operators: it needs a shared "
						 "token (token, token-file), not a role's");
	else if (strcmp(path, "/metrics") == 0)
	{
		StrBuf b;

		strbuf_init(&b);
		metrics_render(&b);
		reply_send_body(req, 200, "OK",
						"text/plain; version=0.0.4; charset=utf-8", b.data,
						b.len);
		strbuf_free(&b);
	}
	else if (strcmp(path, "/stream") == 0)
		RouteStream(req, NULL, &q, &auth);
	else if (strcmp(path, "/queries") == 0 || strcmp(path, "/queries/") == 0)
		RouteQueries(req, NULL, auth.role[0] ? auth.role : NULL);
	else if (strncmp(path, "/queries/", 9) == 0)
	{
		const char *name = path + 9;
		const char *slash = strchr(name, '/');
		char buf[64];

		if (slash == NULL)
		{
			if (ValidName(name, false))
				RouteQueries(req, name, auth.role[0] ? auth.role : NULL);
			else
				reply_send_error(req, 404, "Not Found", "no such query");
		}
		else if (strcmp(slash, "/stream") == 0 && slash - name < 64)
		{
			memcpy(buf, name, slash - name);
			buf[slash - name] = '\0';
			RouteStream(req, buf, &q, &auth);
		}
		else if (strcmp(slash, "/stream") == 0)
			RouteStream(req, "", &q, &auth);
		else
			reply_send_error(req, 404, "Not Found", "no such resource");
	}
	else
		reply_send_error(req, 404, "Not Found", "no such resource");
	evhttp_clear_headers(&q);
}

static void
Resume_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	if (hs.bound)
		evconnlistener_enable(evhttp_bound_socket_get_listener(hs.bound));
}

static void
AcceptError_cb(struct evconnlistener *l, void *arg)
{
	struct timeval tv = {0, 100000};
	int err = EVUTIL_SOCKET_ERROR();
	static time_t last_log;

	(void) arg;
	if (time(NULL) != last_log)
	{
		last_log = time(NULL);
		relay_log(LOG_WARN, "accept failed: %s", strerror(err));
	}
	evconnlistener_disable(l);
	evtimer_add(hs.resume_ev, &tv);
}

bool
http_start(struct event_base *base, const char *host, int port)
{
	hs.http = evhttp_new(base);
	if (hs.http == NULL)
		return false;
	evhttp_set_allowed_methods(hs.http,
							   EVHTTP_REQ_GET | EVHTTP_REQ_POST |
								   EVHTTP_REQ_HEAD | EVHTTP_REQ_PUT |
								   EVHTTP_REQ_DELETE | EVHTTP_REQ_OPTIONS |
								   EVHTTP_REQ_TRACE | EVHTTP_REQ_CONNECT |
								   EVHTTP_REQ_PATCH);
	evhttp_set_max_headers_size(hs.http, MAX_HEADERS_SIZE);
	evhttp_set_gencb(hs.http, Route_cb, NULL);
	pending_init(base, hs.http);
	http_config_changed();
	hs.bound = evhttp_bind_socket_with_handle(hs.http, host, port);
	if (hs.bound == NULL)
	{
		relay_log(LOG_ERROR, "could not listen on %s:%d: %s", host, port,
				  strerror(errno));
		evhttp_free(hs.http);
		hs.http = NULL;
		return false;
	}
	hs.resume_ev = evtimer_new(base, Resume_cb, NULL);
	evconnlistener_set_error_cb(evhttp_bound_socket_get_listener(hs.bound),
								AcceptError_cb);
	relay_log(LOG_INFO, "listening on %s:%d", host, port);
	return true;
}

void
http_stop_accepting(void)
{
	if (hs.bound)
	{
		evhttp_del_accept_socket(hs.http, hs.bound);
		hs.bound = NULL;
	}
}

void
http_config_changed(void)
{
	/* Inactivity, for what pending.c does not watch (idle replies) */
	if (hs.http)
		evhttp_set_timeout(hs.http, relay_config->request_timeout);
	/* Bodies: only POSTs under /collections read one (ingest.c, cquery.c) */
	if (hs.http)
		evhttp_set_max_body_size(hs.http,
								 (ev_ssize_t) relay_config->max_ingest_bytes);
}

void
http_shutdown(void)
{
	if (hs.http)
		evhttp_free(hs.http);
	hs.http = NULL;
	pending_shutdown();
	if (hs.resume_ev)
		event_free(hs.resume_ev);
	hs.resume_ev = NULL;
}
