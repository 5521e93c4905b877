/*
 * config_secrets.c
 *	  The relay's secrets read from files: the shared-token file and the JWT
 *	  secret and key files (config.c applies them after the other layers,
 *	  and again on SIGHUP).
 *
 * Design notes
 *
 * Each file is read whole, bounded in size, and refused with a message
 * naming the file when it cannot be used: a token file without a token, a
 * secret shorter than 32 bytes.  A refusal leaves the running
 * configuration in place on SIGHUP.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"
#include "webtoken.h"

/*
 * The token file: one token a line, blanks around it ignored, "#"
 * comments and blank lines skipped; its tokens are added to the list.
 * A file without any token is refused: a token file emptied by mistake
 * must not open the relay (on SIGHUP the running configuration stays).
 */
bool
config_apply_token_file(RelayConfig *cfg, const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;
	int added = 0;

	if (f == NULL)
	{
		fprintf(err, "cqstream-relay: could not open token file \"%s\": %s\n",
				path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char *p = line;
		char *e;

		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f))
		{
			fprintf(err, "cqstream-relay: %s:%d: line too long\n", path,
					lineno);
			fclose(f);
			return false;
		}
		while (isspace((unsigned char) *p))
			p++;
		for (e = p + strlen(p); e > p && isspace((unsigned char) e[-1]); e--)
			e[-1] = '\0';
		if (*p == '\0' || *p == '#')
			continue;
		if (!config_valid_item(p) || cfg->ntokens >= CONFIG_MAX_LIST)
		{
			/* The token itself is never written */
			fprintf(err,
					"cqstream-relay: %s:%d: invalid token (printable, no "
					"blank or comma, at most %d tokens in all)\n",
					path, lineno, CONFIG_MAX_LIST);
			fclose(f);
			return false;
		}
		cfg->tokens[cfg->ntokens++] = config_xstrdup(p);
		added++;
	}
	fclose(f);
	if (added == 0)
	{
		fprintf(err, "cqstream-relay: token file \"%s\" holds no token\n",
				path);
		return false;
	}
	return true;
}

/*
 * Read all of path (at most max bytes) into a malloc'd string; its length
 * in *len.  NULL after a message naming what.
 */
static char *
ReadWhole(const char *path, const char *what, size_t max, size_t *len,
		  FILE *err)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	if (f == NULL)
	{
		fprintf(err, "cqstream-relay: could not open %s \"%s\": %s\n", what,
				path, strerror(errno));
		return NULL;
	}
	buf = malloc(max + 2);
	if (buf == NULL)
	{
		fclose(f);
		fputs("cqstream-relay: out of memory\n", err);
		return NULL;
	}
	n = fread(buf, 1, max + 1, f);
	fclose(f);
	if (n > max)
	{
		fprintf(err, "cqstream-relay: %s \"%s\" is larger than %zu bytes\n",
				what, path, max);
		free(buf);
		return NULL;
	}
	buf[n] = '\0';
	*len = n;
	return buf;
}

/*
 * The JWT settings checked, and their files read: the secret's (one
 * final newline dropped) and the public key's (an RSA or EC public key
 * in PEM).  Secrets are never written, not even in part.
 */
bool
config_apply_jwt_files(RelayConfig *cfg, FILE *err)
{
	size_t len;

	if (cfg->jwt_secret_file)
	{
		char *s;

		if (cfg->jwt_secret)
		{
			fputs("cqstream-relay: give the JWT secret once: jwt-secret or "
				  "jwt-secret-file, not both\n",
				  err);
			return false;
		}
		s = ReadWhole(cfg->jwt_secret_file, "JWT secret file", 4096, &len,
					  err);
		if (s == NULL)
			return false;
		if (len > 0 && s[len - 1] == '\n')
			s[--len] = '\0';
		if (len > 0 && s[len - 1] == '\r')
			s[--len] = '\0';
		cfg->jwt_secret = s;
		if (strlen(s) != len)
		{
			fprintf(err,
					"cqstream-relay: JWT secret file \"%s\" holds a NUL "
					"byte\n",
					cfg->jwt_secret_file);
			return false;
		}
	}
	if (cfg->jwt_secret && strlen(cfg->jwt_secret) < 32)
	{
		fprintf(err,
				"cqstream-relay: the JWT secret (%s) is shorter than 32 "
				"bytes\n",
				cfg->jwt_secret_file ? "jwt-secret-file" : "jwt-secret");
		return false;
	}
	if (cfg->jwt_key_file)
	{
		cfg->jwt_key_pem = ReadWhole(cfg->jwt_key_file, "JWT key file", 65536,
									 &cfg->jwt_key_len, err);
		if (cfg->jwt_key_pem == NULL)
			return false;
		cfg->jwt_key_kind = webtoken_key_kind(cfg->jwt_key_pem,
											  cfg->jwt_key_len);
		if (cfg->jwt_key_kind == JWT_KEY_NONE)
		{
			fprintf(err,
					"cqstream-relay: JWT key file \"%s\" holds no RSA or EC "
					"public key in PEM (-----BEGIN PUBLIC KEY-----)\n",
					cfg->jwt_key_file);
			return false;
		}
	}
	return true;
}
