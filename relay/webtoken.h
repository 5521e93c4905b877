/*
 * webtoken.h
 *	  JSON Web Tokens: a bearer token verified (libjwt) and turned into
 *	  the database role a request runs as, and when it expires.
 *
 * Design notes
 *
 * The algorithm a token may use is decided by the configuration, never
 * by the token: its header's "alg" is read first, and only HS256/384/512
 * (with --jwt-secret) or RS and ES (with a --jwt-key of that kind) go on
 * to libjwt, with the key of that family.  So "alg": "none" and
 * algorithm confusion (an HS token signed with the public key as its
 * secret, an RS token where a secret is configured) are refused before
 * any signature is computed.  The claims are then checked as PostgREST
 * does: exp and nbf (seconds since the epoch, no leeway), aud when
 * --jwt-aud is set, and the role found at the claim path
 * (--jwt-role-claim, ".role" by default; ".app.role", ".\"https://x/r\"",
 * ".roles[0]").  A pure module: no event loop, no database; unit tested.
 */
#ifndef RELAY_WEBTOKEN_H
#define RELAY_WEBTOKEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "config.h"

/* A role name fits PostgreSQL's NAMEDATALEN - 1 bytes */
#define JWT_ROLE_MAX 63

/* Most bytes of a token looked at (longer ones are refused) */
#define JWT_TOKEN_MAX 8192

typedef enum JwtStatus
{
	JWT_OK,
	JWT_NO_ROLE,	   /* valid, without a role claim (anon-role applies) */
	JWT_MALFORMED,	   /* not three base64url parts of JSON */
	JWT_ALG_REFUSED,   /* none, unknown, or not the configured key's */
	JWT_BAD_SIGNATURE, /* libjwt refused it */
	JWT_EXPIRED,	   /* now >= exp */
	JWT_NOT_YET_VALID, /* now < nbf */
	JWT_BAD_AUDIENCE,  /* --jwt-aud set and not in aud */
	JWT_BAD_ROLE,	   /* the role claim is not a role name */
	JWT_NOT_CONFIGURED /* neither a secret nor a key is configured */
} JwtStatus;

/* The kind of public key in a --jwt-key file */
typedef enum JwtKeyKind
{
	JWT_KEY_NONE,
	JWT_KEY_RSA,
	JWT_KEY_EC
} JwtKeyKind;

/*
 * Verify token with cfg's secret or key at time now.  On JWT_OK role
 * holds the role (NUL-terminated, at most JWT_ROLE_MAX bytes); on JWT_OK
 * and JWT_NO_ROLE *exp is the token's expiry (0: none).
 */
extern JwtStatus webtoken_verify(const RelayConfig *cfg, const char *token,
								 time_t now, char role[JWT_ROLE_MAX + 1],
								 int64_t *exp);

/* What a status means, for a 401's JSON message (lowercase, static) */
extern const char *webtoken_status_message(JwtStatus s);

/* Whether path is a role claim path this module can follow */
extern bool webtoken_claim_path_valid(const char *path);

/* The kind of public key in PEM text (JWT_KEY_NONE: none or another) */
extern JwtKeyKind webtoken_key_kind(const char *pem, size_t len);

#endif /* RELAY_WEBTOKEN_H */
