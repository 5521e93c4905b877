/*
 * auth.c
 *	  Requests authenticated: shared tokens, JSON Web Tokens, anon-role.
 *
 * Design notes
 *
 * See auth.h.  Only authentication happens here: whether the role may
 * read a query is PostgreSQL's to say, when the request's SQL runs as
 * that role (pgconn_query_as, lookup.c).  A JWT's role is not checked
 * against the database here either: a role that does not exist, or that
 * the relay's role may not take, fails its first statement (401, 403).
 */
#include <string.h>
#include <strings.h>
#include <time.h>

#include "auth.h"
#include "config.h"
#include "pgconn.h"
#include "reply.h"

/* a's role (set) may be switched to: ok, or refused (see auth.h) */
static void
CheckRole(Auth *a)
{
	const char *login = pgconn_login_role();

	if (strcmp(a->role, "none") == 0)
	{
		a->bad_token = true;
		a->message = "the token's role cannot be used: \"none\" is not a "
					 "role name";
		return;
	}
	if (login && strcmp(a->role, login) == 0)
	{
		a->status = 403;
		a->message = "the token's role cannot be used: it is the relay's "
					 "own login role (the authenticator)";
		return;
	}
	a->ok = true;
}

void
auth_request(struct evhttp_request *req, struct evkeyvalq *q, Auth *a)
{
	const RelayConfig *cfg = relay_config;
	const char *auth = evhttp_find_header(evhttp_request_get_input_headers(
											  req),
										  "Authorization");
	const char *token = NULL;
	JwtStatus st;

	memset(a, 0, sizeof(*a));
	a->status = 401;
	a->message = "a valid bearer token is required";
	if (!config_auth_enabled(cfg))
	{
		a->ok = true;
		return;
	}
	if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
		token = auth + 7;
	else
		token = evhttp_find_header(q, "access_token");
	if (token == NULL)
	{
		if (cfg->anon_role == NULL)
			return;
		strcpy(a->role, cfg->anon_role);
		CheckRole(a);
		return;
	}
	if (config_token_ok(cfg, token))
	{
		a->ok = true;
		return;
	}
	a->bad_token = true;
	if (!config_jwt_enabled(cfg))
		return;
	st = webtoken_verify(cfg, token, time(NULL), a->role, &a->exp);
	if (st == JWT_NO_ROLE && cfg->anon_role)
	{
		strcpy(a->role, cfg->anon_role);
		st = JWT_OK;
	}
	else if (st == JWT_NO_ROLE)
	{
		a->message = "the token has no role claim (jwt-role-claim) and the "
					 "relay has no anon-role";
		return;
	}
	if (st != JWT_OK)
	{
		a->message = webtoken_status_message(st);
		return;
	}
	a->bad_token = false;
	CheckRole(a);
}

void
auth_refuse(struct evhttp_request *req, const Auth *a)
{
	if (a->status == 403)
		reply_send_error(req, 403, "Forbidden", a->message);
	else
		auth_reply_401(req, a->message, a->bad_token);
}

void
auth_reply_401(struct evhttp_request *req, const char *message, bool bad_token)
{
	evhttp_add_header(evhttp_request_get_output_headers(req),
					  "WWW-Authenticate",
					  bad_token ? "Bearer realm=\"cqstream\", "
								  "error=\"invalid_token\""
								: "Bearer realm=\"cqstream\"");
	reply_send_error(req, 401, "Unauthorized", message);
}
