/*
 * webtoken.c
 *	  Bearer JSON Web Tokens verified, and the role they carry.
 *
 * Design notes
 *
 * See webtoken.h.  libjwt 1.10 verifies with whatever algorithm the token's
 * header names, using the key it is given as that algorithm's key: given
 * an RSA public key's PEM text and an HS256 token, it computes an HMAC
 * with the PEM as the secret, which anyone holding the public key can
 * forge.  So the header is decoded here first and the key chosen by the
 * configuration for that algorithm's family (none: refused); libjwt is
 * then asked to verify, and the algorithm it saw is compared with the
 * header's once more.  The claims are read from libjwt's JSON of them
 * (jansson), so numbers may be integers or reals, as RFC 7519 allows.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <jwt.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "webtoken.h"

/* The latest exp kept: 9999-12-31T23:59:59Z */
#define WEBTOKEN_EXP_MAX INT64_C(253402300799)

/* Most bytes of a decoded header */
#define HEADER_MAX 1024

/* base64url (RFC 4648 section 5) without padding; -1 if not that */
static int
B64Value(char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '-')
		return 62;
	if (c == '_')
		return 63;
	return -1;
}

/* Decode n chars of s into out (size bytes); the length, or -1 */
static long
B64UrlDecode(const char *s, size_t n, unsigned char *out, size_t size)
{
	size_t len = 0;
	unsigned acc = 0;
	int bits = 0;

	if (n % 4 == 1)
		return -1;
	for (size_t i = 0; i < n; i++)
	{
		int v = B64Value(s[i]);

		if (v < 0)
			return -1;
		acc = (acc << 6) | (unsigned) v;
		bits += 6;
		if (bits >= 8)
		{
			bits -= 8;
			if (len >= size)
				return -1;
			out[len++] = (unsigned char) ((acc >> bits) & 0xff);
		}
	}
	return (long) len;
}

/*
 * The header's "alg" (copied into alg, at most 15 bytes), or false if the
 * token is not header.payload.signature with a JSON object header
 */
static bool
HeaderAlg(const char *token, char alg[16])
{
	const char *dot1 = strchr(token, '.');
	const char *dot2 = dot1 ? strchr(dot1 + 1, '.') : NULL;
	unsigned char buf[HEADER_MAX];
	long n;
	json_t *h;
	json_t *a;
	bool ok = false;

	if (dot1 == NULL || dot2 == NULL || strchr(dot2 + 1, '.') != NULL)
		return false;
	n = B64UrlDecode(token, dot1 - token, buf, sizeof(buf));
	if (n <= 0)
		return false;
	h = json_loadb((const char *) buf, n, JSON_REJECT_DUPLICATES, NULL);
	a = json_is_object(h) ? json_object_get(h, "alg") : NULL;
	if (json_is_string(a) && json_string_length(a) < 16)
	{
		strcpy(alg, json_string_value(a));
		ok = true;
	}
	json_decref(h);
	return ok;
}

/*
 * Follow path (".a.b", ".\"x y\"", ".a[0]") from claims; the value found
 * or NULL.  With claims NULL, only checks the path: returns claims (NULL)
 * and sets *valid.
 */
static json_t *
Follow(json_t *claims, const char *path, bool *valid)
{
	const char *p = path;
	json_t *v = claims;
	char key[256];

	*valid = false;
	if (*p == '\0')
		return NULL;
	while (*p)
	{
		size_t n = 0;

		if (*p == '.')
		{
			p++;
			if (*p == '"')
			{
				for (p++; *p && *p != '"'; p++)
				{
					if (*p == '\\' && p[1])
						p++;
					if (n + 1 >= sizeof(key))
						return NULL;
					key[n++] = *p;
				}
				if (*p != '"')
					return NULL;
				p++;
			}
			else
				for (; *p && *p != '.' && *p != '['; p++)
				{
					if (*p == '"' || *p == ']' || n + 1 >= sizeof(key))
						return NULL;
					key[n++] = *p;
				}
			if (n == 0)
				return NULL;
			key[n] = '\0';
			if (claims)
				v = json_is_object(v) ? json_object_get(v, key) : NULL;
		}
		else if (*p == '[')
		{
			size_t idx = 0;

			for (p++; *p >= '0' && *p <= '9' && n < 6; p++, n++)
				idx = idx * 10 + (size_t) (*p - '0');
			if (n == 0 || *p != ']')
				return NULL;
			p++;
			if (claims)
				v = json_is_array(v) ? json_array_get(v, idx) : NULL;
		}
		else
			return NULL;
	}
	*valid = true;
	return claims ? v : NULL;
}

bool
webtoken_claim_path_valid(const char *path)
{
	bool valid;

	(void) Follow(NULL, path, &valid);
	return valid;
}

JwtKeyKind
webtoken_key_kind(const char *pem, size_t len)
{
	BIO *bio = BIO_new_mem_buf(pem, (int) len);
	EVP_PKEY *key = bio ? PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL) : NULL;
	JwtKeyKind kind = JWT_KEY_NONE;

	if (key && EVP_PKEY_base_id(key) == EVP_PKEY_RSA)
		kind = JWT_KEY_RSA;
	else if (key && EVP_PKEY_base_id(key) == EVP_PKEY_EC)
		kind = JWT_KEY_EC;
	EVP_PKEY_free(key);
	BIO_free(bio);
	return kind;
}

/* A NumericDate claim: absent (true, 0), a number (true), else false */
static bool
NumericDate(json_t *claims, const char *name, double *out)
{
	json_t *v = json_object_get(claims, name);

	*out = 0;
	if (v == NULL)
		return true;
	if (!json_is_number(v))
		return false;
	*out = json_number_value(v);
	return true;
}

/* Whether aud (a string or an array of strings) holds want */
static bool
AudienceOk(json_t *claims, const char *want)
{
	json_t *aud = json_object_get(claims, "aud");
	size_t i;
	json_t *item;

	if (want == NULL)
		return true;
	if (json_is_string(aud))
		return strcmp(json_string_value(aud), want) == 0;
	json_array_foreach(aud, i, item)
	{
		if (json_is_string(item) && strcmp(json_string_value(item), want) == 0)
			return true;
	}
	return false;
}

/* The claims of a token whose signature verified: times, aud, role */
static JwtStatus
CheckClaims(const RelayConfig *cfg, json_t *claims, time_t now,
			char role[JWT_ROLE_MAX + 1], int64_t *exp)
{
	double expv;
	double nbf;
	json_t *r;
	bool valid;

	if (!json_is_object(claims) || !NumericDate(claims, "exp", &expv) ||
		!NumericDate(claims, "nbf", &nbf))
		return JWT_MALFORMED;
	if (json_object_get(claims, "exp") && (double) now >= expv)
		return JWT_EXPIRED;
	if (json_object_get(claims, "nbf") && (double) now < nbf)
		return JWT_NOT_YET_VALID;
	if (!AudienceOk(claims, cfg->jwt_aud))
		return JWT_BAD_AUDIENCE;
	/*
	 * An exp at or before now was refused above, so a set one is > 0; one
	 * past the year 9999 is taken as that (a double beyond int64_t would
	 * not convert)
	 */
	if (expv > (double) WEBTOKEN_EXP_MAX)
		expv = (double) WEBTOKEN_EXP_MAX;
	*exp = json_object_get(claims, "exp") ? (int64_t) expv : 0;
	r = Follow(claims, cfg->jwt_role_claim, &valid);
	if (r == NULL)
		return JWT_NO_ROLE;
	if (!json_is_string(r) || json_string_length(r) == 0 ||
		json_string_length(r) > JWT_ROLE_MAX ||
		strlen(json_string_value(r)) != json_string_length(r))
		return JWT_BAD_ROLE;
	strcpy(role, json_string_value(r));
	return JWT_OK;
}

JwtStatus
webtoken_verify(const RelayConfig *cfg, const char *token, time_t now,
				char role[JWT_ROLE_MAX + 1], int64_t *exp)
{
	char alg[16];
	const unsigned char *key = NULL;
	int keylen = 0;
	jwt_t *jwt = NULL;
	char *grants;
	json_t *claims;
	JwtStatus st;

	*exp = 0;
	role[0] = '\0';
	if (cfg->jwt_secret == NULL && cfg->jwt_key_pem == NULL)
		return JWT_NOT_CONFIGURED;
	if (token == NULL || strlen(token) > JWT_TOKEN_MAX ||
		!HeaderAlg(token, alg))
		return JWT_MALFORMED;
	/* The family's key, from the configuration; none: refused */
	if (strcmp(alg, "HS256") == 0 || strcmp(alg, "HS384") == 0 ||
		strcmp(alg, "HS512") == 0)
	{
		key = (const unsigned char *) cfg->jwt_secret;
		keylen = cfg->jwt_secret ? (int) strlen(cfg->jwt_secret) : 0;
	}
	else if (((strcmp(alg, "RS256") == 0 || strcmp(alg, "RS384") == 0 ||
			   strcmp(alg, "RS512") == 0) &&
			  cfg->jwt_key_kind == JWT_KEY_RSA) ||
			 ((strcmp(alg, "ES256") == 0 || strcmp(alg, "ES384") == 0 ||
			   strcmp(alg, "ES512") == 0) &&
			  cfg->jwt_key_kind == JWT_KEY_EC))
	{
		key = (const unsigned char *) cfg->jwt_key_pem;
		keylen = (int) cfg->jwt_key_len;
	}
	if (key == NULL || keylen == 0)
		return JWT_ALG_REFUSED;
	if (jwt_decode(&jwt, token, key, keylen) != 0 || jwt == NULL)
	{
		jwt_free(jwt);
		return JWT_BAD_SIGNATURE;
	}
	if (jwt_get_alg(jwt) != jwt_str_alg(alg))
	{
		jwt_free(jwt);
		return JWT_ALG_REFUSED;
	}
	grants = jwt_get_grants_json(jwt, NULL);
	jwt_free(jwt);
	claims = grants ? json_loads(grants, 0, NULL) : NULL;
	free(grants);
	st = CheckClaims(cfg, claims, now, role, exp);
	json_decref(claims);
	return st;
}

const char *
webtoken_status_message(JwtStatus s)
{
	switch (s)
	{
		case JWT_OK:
		case JWT_NO_ROLE:
			return "the token is valid";
		case JWT_MALFORMED:
			return "the token is malformed (a JWT has three base64url parts "
				   "of JSON)";
		case JWT_ALG_REFUSED:
			return "the token's algorithm is not accepted (HS256, HS384, "
				   "HS512 with the relay's secret, RS or ES with its key)";
		case JWT_BAD_SIGNATURE:
			return "the token's signature does not verify";
		case JWT_EXPIRED:
			return "the token has expired";
		case JWT_NOT_YET_VALID:
			return "the token is not valid yet (nbf)";
		case JWT_BAD_AUDIENCE:
			return "the token's audience (aud) is not this relay's";
		case JWT_BAD_ROLE:
			return "the token's role claim is not a role name (a string of "
				   "1 to 63 bytes)";
		case JWT_NOT_CONFIGURED:
			break;
	}
	return "a valid bearer token is required";
}
