/*
 * auth.h
 *	  Who a request is: the relay's own role (open relay, shared token),
 *	  a JSON Web Token's role, or the anon-role; or no one (401).
 *
 * Design notes
 *
 * A bearer token comes from "Authorization: Bearer T" or, since
 * EventSource cannot set headers, "?access_token=T" (the header wins).
 * It is compared with the shared tokens first (constant time, config.c):
 * a shared token keeps today's meaning, the relay's own database role.
 * Otherwise, with a JWT secret or key configured, it is verified as a
 * JWT (webtoken.c) and the request runs as its role.  A request without a
 * token runs as anon-role when one is set.  Without tokens, JWT or
 * anon-role the relay is open, as before: its own role answers.
 *
 * Two role names are refused here, because switching to them would not
 * switch to a web role: "none" (set_config('role', 'none') resets the
 * role to the login role) and the login role itself (the authenticator,
 * a member of every web role, may read all they may).
 */
#ifndef RELAY_AUTH_H
#define RELAY_AUTH_H

#include <stdbool.h>
#include <stdint.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>

#include "webtoken.h"

typedef struct Auth
{
	bool ok;					 /* may go on; else status with message */
	int status;					 /* 401, or 403 (a role it may not be) */
	const char *message;		 /* why not (static) */
	bool bad_token;				 /* a token was given and refused */
	char role[JWT_ROLE_MAX + 1]; /* "" : the relay's own role */
	int64_t exp;				 /* the token's expiry, 0: none */
} Auth;

/* Authenticate req (its query parameters q) into *a */
extern void auth_request(struct evhttp_request *req, struct evkeyvalq *q,
						 Auth *a);

/* Answer req with a's refusal (401 or 403) */
extern void auth_refuse(struct evhttp_request *req, const Auth *a);

/* Answer req 401 with message and WWW-Authenticate: Bearer */
extern void auth_reply_401(struct evhttp_request *req, const char *message,
						   bool bad_token);

#endif /* RELAY_AUTH_H */
