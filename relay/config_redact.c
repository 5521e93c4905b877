/*
 * config_redact.c
 *	  A connection string as it may be printed or logged: its password
 *	  replaced by "***", in keyword form and in URI form.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

/* Append n bytes of p to the growing string *out (of *len bytes) */
static void
Append(char **out, size_t *len, const char *p, size_t n)
{
	char *more = realloc(*out, *len + n + 1);

	if (more == NULL)
	{
		fputs("cqstream-relay: out of memory\n", stderr);
		exit(1);
	}
	memcpy(more + *len, p, n);
	*len += n;
	more[*len] = '\0';
	*out = more;
}

/*
 * A connection URI: the password of its user info (libpq ends the user
 * info at '@' and looks no further than the first '/') and any password
 * parameter
 */
static char *
RedactUri(const char *uri, const char *rest)
{
	char *out = NULL;
	size_t len = 0;
	const char *p = rest;
	const char *q;

	while (*p && *p != '@' && *p != '/')
		p++;
	if (*p == '@' && (q = memchr(rest, ':', p - rest)) != NULL)
	{
		Append(&out, &len, uri, q + 1 - uri);
		Append(&out, &len, "***", 3);
		rest = p;
	}
	else
		Append(&out, &len, uri, rest - uri);
	p = strchr(rest, '?');
	if (p == NULL)
	{
		Append(&out, &len, rest, strlen(rest));
		return out;
	}
	Append(&out, &len, rest, p + 1 - rest);
	for (p++; *p;)
	{
		size_t n = strcspn(p, "&");
		const char *eq = memchr(p, '=', n);

		if (eq && (size_t) (eq - p) == 8 && strncmp(p, "password", 8) == 0)
		{
			Append(&out, &len, p, 9);
			Append(&out, &len, "***", 3);
		}
		else
			Append(&out, &len, p, n);
		p += n;
		if (*p == '&')
			Append(&out, &len, p++, 1);
	}
	return out;
}

/*
 * libpq's key = value syntax: a value is single-quoted (backslash
 * escapes inside) or runs to the next blank (backslash escapes too).  A
 * string that does not parse is shown only up to where it stops parsing
 * when anything after that could be a password.
 */
char *
config_redact_conninfo(const char *conninfo)
{
	static const char *const Schemes[] = {"postgresql://", "postgres://"};
	char *out = NULL;
	size_t len = 0;
	const char *p = conninfo;

	for (int i = 0; i < 2; i++)
		if (strncmp(conninfo, Schemes[i], strlen(Schemes[i])) == 0)
			return RedactUri(conninfo, conninfo + strlen(Schemes[i]));
	Append(&out, &len, "", 0);
	while (*p)
	{
		const char *start = p;
		const char *key;
		size_t keylen;
		const char *value;

		while (isspace((unsigned char) *p))
			p++;
		key = p;
		while (isalnum((unsigned char) *p) || *p == '_')
			p++;
		keylen = (size_t) (p - key);
		while (isspace((unsigned char) *p))
			p++;
		if (keylen == 0 || *p != '=')
		{
			/* Not key = value: keep it only if no password can hide there */
			if (*start && strstr(start, "pass") == NULL)
				Append(&out, &len, start, strlen(start));
			else if (*start)
				Append(&out, &len, len ? " ***" : "***", len ? 4 : 3);
			return out;
		}
		p++;
		while (isspace((unsigned char) *p))
			p++;
		value = p;
		if (*p == '\'')
		{
			for (p++; *p && *p != '\''; p++)
				if (*p == '\\' && p[1])
					p++;
			if (*p == '\'')
				p++;
		}
		else
			for (; *p && !isspace((unsigned char) *p); p++)
				if (*p == '\\' && p[1])
					p++;
		if (keylen == 8 && strncmp(key, "password", 8) == 0)
		{
			Append(&out, &len, start, value - start);
			Append(&out, &len, "***", 3);
		}
		else
			Append(&out, &len, start, p - start);
	}
	return out;
}
