/*
 * config_access.c
 *	  What the settings let in: CORS origins, shared tokens, Host names.
 *
 * Design notes
 *
 * Tokens are compared in constant time; a Host header is reduced to its
 * name (no port, no trailing dot, lower case) before it is matched
 * against allowed-hosts, so that DNS rebinding with a foreign name is
 * refused (docs/relay.md).
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"

bool
config_cors_allowed(const RelayConfig *cfg, const char *origin)
{
	if (origin == NULL)
		return false;
	for (int i = 0; i < cfg->ncors; i++)
		if (strcmp(cfg->cors[i], "*") == 0 ||
			strcmp(cfg->cors[i], origin) == 0)
			return true;
	return false;
}

/*
 * Constant time in the token's content: every configured token is
 * compared over the longer of the two lengths, and the result is only
 * looked at after all of them.
 */
bool
config_token_ok(const RelayConfig *cfg, const char *token)
{
	size_t tlen;
	unsigned ok = 0;

	if (token == NULL)
		return false;
	tlen = strlen(token);
	for (int i = 0; i < cfg->ntokens; i++)
	{
		const char *k = cfg->tokens[i];
		size_t klen = strlen(k);
		size_t n = klen > tlen ? klen : tlen;
		unsigned diff = (unsigned) (klen ^ tlen);

		for (size_t j = 0; j < n; j++)
		{
			unsigned char a = j < klen ? (unsigned char) k[j] : 0;
			unsigned char b = j < tlen ? (unsigned char) token[j] : 0;

			diff |= a ^ b;
		}
		ok |= (diff == 0);
	}
	return ok != 0;
}

/*
 * Split a Host value ("name", "name:port", "[v6]", "[v6]:port") into its
 * name, lowercased, without a final '.' (bracketed for IPv6, so "::1" and
 * "[::1]" compare equal); *has_port says whether a port followed.  False
 * if it is not of that form.  A bare IPv6 address (two colons or more) is
 * taken as a name, for allowed-hosts entries and the listen host.
 */
static bool
HostName(const char *value, char *name, size_t size, bool *has_port)
{
	const char *end;
	const char *colon = strchr(value, ':');
	size_t n;

	*has_port = false;
	if (value[0] == '[')
	{
		end = strchr(value, ']');
		if (end == NULL)
			return false;
		end++;
	}
	else if (colon && strchr(colon + 1, ':'))
	{
		/* A bare IPv6 address: bracket it */
		n = strlen(value);
		if (n + 3 > size)
			return false;
		snprintf(name, size, "[%s]", value);
		for (char *p = name; *p; p++)
			*p = (char) tolower((unsigned char) *p);
		return true;
	}
	else
		end = colon ? colon : value + strlen(value);
	if (*end == ':')
	{
		if (end[1] == '\0')
			return false;
		for (const char *p = end + 1; *p; p++)
			if (!isdigit((unsigned char) *p))
				return false;
		*has_port = true;
	}
	else if (*end != '\0')
		return false;
	n = (size_t) (end - value);
	if (n > 0 && value[n - 1] == '.')
		n--;
	if (n == 0 || n >= size)
		return false;
	for (size_t i = 0; i < n; i++)
	{
		unsigned char c = (unsigned char) value[i];

		if (!isgraph(c) || c == '/' || c == '@' || c == '\\')
			return false;
		name[i] = (char) tolower(c);
	}
	name[n] = '\0';
	return true;
}

bool
config_host_allowed(const RelayConfig *cfg, const char *host)
{
	static const char *const Defaults[] = {"localhost", "127.0.0.1", "[::1]"};
	char name[300];
	char want[300];
	bool has_port;
	bool want_port;

	/* No Host at all: not a browser (they always send one) */
	if (host == NULL)
		return true;
	if (cfg->nallowed_hosts == 0 && config_auth_enabled(cfg))
		return true;
	if (!HostName(host, name, sizeof(name), &has_port))
		return false;
	if (cfg->nallowed_hosts == 0)
	{
		for (size_t i = 0; i < sizeof(Defaults) / sizeof(Defaults[0]); i++)
			if (strcmp(name, Defaults[i]) == 0)
				return true;
		return cfg->listen_host &&
			HostName(cfg->listen_host, want, sizeof(want), &want_port) &&
			strcmp(name, want) == 0;
	}
	for (int i = 0; i < cfg->nallowed_hosts; i++)
	{
		const char *entry = cfg->allowed_hosts[i];

		if (strcmp(entry, "*") == 0)
			return true;
		if (!HostName(entry, want, sizeof(want), &want_port) ||
			strcmp(name, want) != 0)
			continue;
		/* An entry with a port wants that port; without, any */
		if (!want_port)
			return true;
		if (has_port && strcmp(strrchr(host, ':'), strrchr(entry, ':')) == 0)
			return true;
	}
	return false;
}
