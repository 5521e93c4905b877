/*
 * config.c
 *	  The relay's settings: flags, environment, optional file, defaults.
 *
 * Design notes
 *
 * One table, Settings[], names every setting once: its long flag (also its
 * name in the file), its environment variable, its default and its help
 * line.  Values are applied in layers from the lowest: defaults, then the
 * file, then the environment, then the flags, each layer replacing what
 * the one below set (a list setting given in a layer replaces the whole
 * list; within one layer, repeated flags or file lines add to it).  Every
 * value is parsed by one function per type, so a bad value is refused the
 * same way wherever it comes from, with a message naming the flag, the
 * variable or the file line.  Exit status 2 for any bad configuration.
 */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "config_internal.h"
#include "webtoken.h"

const RelayConfig *relay_config;

#ifndef RELAY_VERSION
#define RELAY_VERSION "0.2.0"
#endif

typedef enum SettingType
{
	ST_STRING,
	ST_LISTEN,
	ST_INT,
	ST_LIST
} SettingType;

typedef struct Setting
{
	const char *name; /* long flag without "--", and the file key */
	const char *env;
	SettingType type;
	const char *def; /* default, as text; NULL: none */
	long min;		 /* ST_INT range */
	long max;
	const char *help;
} Setting;

static const Setting Settings[] = {
	{"db", "CQSTREAM_RELAY_DB", ST_STRING, "", 0, 0,
	 "database connection string (libpq); empty: libpq environment and "
	 "defaults.  A host name is looked up without blocking the streams "
	 "(several hosts, host=a,b: by libpq, blocking)"},
	{"listen", "CQSTREAM_RELAY_LISTEN", ST_LISTEN, "127.0.0.1:8787", 0, 0,
	 "HTTP listen address HOST:PORT"},
	{"cors-origin", "CQSTREAM_RELAY_CORS_ORIGINS", ST_LIST, NULL, 0, 0,
	 "allowed CORS origin, repeatable (environment: comma list); \"*\" "
	 "allows any"},
	{"heartbeat", "CQSTREAM_RELAY_HEARTBEAT", ST_INT, "15", 1, 3600,
	 "seconds between heartbeat comments on idle streams"},
	{"replica-poll", "CQSTREAM_RELAY_REPLICA_POLL", ST_INT, "200", 10, 60000,
	 "on a hot standby, where LISTEN is refused: longest pause in ms "
	 "between two reads of the results log per query (10 ms after a read "
	 "that found results, growing by 10 ms up to this while nothing is new)"},
	{"retry", "CQSTREAM_RELAY_RETRY", ST_INT, "2000", 1, 3600000,
	 "reconnect hint in milliseconds sent as retry: on connect"},
	{"max-clients", "CQSTREAM_RELAY_MAX_CLIENTS", ST_INT, "15000", 1, 1000000,
	 "most open streams; beyond: accept, send retry:, close"},
	{"client-buffer", "CQSTREAM_RELAY_CLIENT_BUFFER", ST_INT, "262144", 1024,
	 1073741824,
	 "bytes of unsent output per client; past it the client is "
	 "closed"},
	{"replay-limit", "CQSTREAM_RELAY_REPLAY_LIMIT", ST_INT, "10000", 1,
	 1000000, "most results replayed per query on one (re)connect"},
	{"token", "CQSTREAM_RELAY_TOKENS", ST_LIST, NULL, 0, 0,
	 "bearer token, repeatable (environment: comma list); none: open"},
	{"token-file", "CQSTREAM_RELAY_TOKEN_FILE", ST_STRING, NULL, 0, 0,
	 "file of bearer tokens, one a line, # comments; read again on SIGHUP, "
	 "added to --token"},
	{"allowed-hosts", "CQSTREAM_RELAY_ALLOWED_HOSTS", ST_LIST, NULL, 0, 0,
	 "Host header values accepted, with or without :PORT, repeatable "
	 "(environment: comma list); \"*\" accepts any; none: any host when "
	 "tokens, JWT or anon-role are set, else localhost, 127.0.0.1, [::1] and the listen host"},
	{"request-timeout", "CQSTREAM_RELAY_REQUEST_TIMEOUT", ST_INT, "10", 1,
	 3600, "seconds a connection has to send its whole request"},
	{"max-requests", "CQSTREAM_RELAY_MAX_REQUESTS", ST_INT, "1024", 1, 1000000,
	 "most connections still sending their request; past it the ones "
	 "that have waited longest (1 s or more) are closed"},
	{"max-topics", "CQSTREAM_RELAY_MAX_TOPICS", ST_INT, "10000", 1, 1000000,
	 "most queries followed at once; a stream needing more gets retry:"},
	{"max-db-queue", "CQSTREAM_RELAY_MAX_DB_QUEUE", ST_INT, "1000", 1, 1000000,
	 "most commands waiting for the database; past it /queries gets 503 "
	 "and new streams retry:"},
	{"max-ingest-bytes", "CQSTREAM_RELAY_MAX_INGEST_BYTES", ST_INT, "1048576",
	 4096, 1073741824,
	 "largest request body, the one of an ingest POST (a bigger one gets "
	 "413); up to max-requests connections may hold this much each"},
	{"jwt-secret", "CQSTREAM_RELAY_JWT_SECRET", ST_STRING, NULL, 0, 0,
	 "secret of HS256/HS384/HS512 JSON Web Tokens (at least 32 bytes); "
	 "never printed"},
	{"jwt-secret-file", "CQSTREAM_RELAY_JWT_SECRET_FILE", ST_STRING, NULL, 0,
	 0,
	 "file holding the JWT secret (one final newline ignored); read again "
	 "on SIGHUP"},
	{"jwt-key", "CQSTREAM_RELAY_JWT_KEY", ST_STRING, NULL, 0, 0,
	 "PEM public key file of RS256/384/512 (RSA) or ES256/384/512 (EC) "
	 "JSON Web Tokens; read again on SIGHUP"},
	{"jwt-role-claim", "CQSTREAM_RELAY_JWT_ROLE_CLAIM", ST_STRING, ".role", 0,
	 0,
	 "path of the database role in a token's claims, as PostgREST's "
	 "jwt-role-claim-key: .role, .app.role, .\"https://x/role\", "
	 ".roles[0]"},
	{"jwt-aud", "CQSTREAM_RELAY_JWT_AUD", ST_STRING, NULL, 0, 0,
	 "audience a token must name in its aud claim; none: aud not checked"},
	{"anon-role", "CQSTREAM_RELAY_ANON_ROLE", ST_STRING, NULL, 0, 0,
	 "database role of requests without a token (and of tokens without a "
	 "role claim); none: they get 401"},
	{"config", "CQSTREAM_RELAY_CONFIG", ST_STRING, NULL, 0, 0,
	 "file of name = value lines (names as the long flags); # comments"},
};

#define NSETTINGS ((int) (sizeof(Settings) / sizeof(Settings[0])))

/* Where a value came from, for messages */
typedef struct Origin
{
	const char *what; /* "--heartbeat", "CQSTREAM_RELAY_HEARTBEAT", "f:3" */
} Origin;

char *
config_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (p == NULL)
	{
		fputs("cqstream-relay: out of memory\n", stderr);
		exit(1);
	}
	return p;
}

static const Setting *
FindSetting(const char *name, size_t len)
{
	for (int i = 0; i < NSETTINGS; i++)
		if (strlen(Settings[i].name) == len &&
			strncmp(Settings[i].name, name, len) == 0)
			return &Settings[i];
	return NULL;
}

static void
ClearList(char **list, int *n)
{
	for (int i = 0; i < *n; i++)
		free(list[i]);
	*n = 0;
}

/* A list item: printable, no blank, no comma, not empty */
bool
config_valid_item(const char *s)
{
	if (*s == '\0')
		return false;
	for (; *s; s++)
		if (!isgraph((unsigned char) *s) || *s == ',')
			return false;
	return true;
}

static bool
ParseInt(const char *text, long min, long max, long *out)
{
	long v = 0;

	if (*text == '\0' || strlen(text) > 12)
		return false;
	for (const char *p = text; *p; p++)
	{
		if (!isdigit((unsigned char) *p))
			return false;
		v = v * 10 + (*p - '0');
	}
	if (v < min || v > max)
		return false;
	*out = v;
	return true;
}

static bool
ParseListen(const char *text, char **host, int *port)
{
	const char *colon;
	const char *hs = text;
	size_t hlen;
	long p;

	if (text[0] == '[')
	{
		const char *close = strchr(text, ']');

		if (close == NULL || close[1] != ':')
			return false;
		hs = text + 1;
		hlen = close - hs;
		colon = close + 1;
	}
	else
	{
		colon = strrchr(text, ':');
		if (colon == NULL)
			return false;
		hlen = colon - text;
	}
	if (hlen == 0 || hlen > 255 || !ParseInt(colon + 1, 1, 65535, &p))
		return false;
	for (size_t i = 0; i < hlen; i++)
		if (!isgraph((unsigned char) hs[i]))
			return false;
	free(*host);
	*host = malloc(hlen + 1);
	if (*host == NULL)
		return false;
	memcpy(*host, hs, hlen);
	(*host)[hlen] = '\0';
	*port = (int) p;
	return true;
}

/* The string field of setting name, but db and config; NULL: another */
static char **
StringField(RelayConfig *cfg, const char *name)
{
	if (strcmp(name, "token-file") == 0)
		return &cfg->token_file;
	if (strcmp(name, "jwt-secret") == 0)
		return &cfg->jwt_secret;
	if (strcmp(name, "jwt-secret-file") == 0)
		return &cfg->jwt_secret_file;
	if (strcmp(name, "jwt-key") == 0)
		return &cfg->jwt_key_file;
	if (strcmp(name, "jwt-role-claim") == 0)
		return &cfg->jwt_role_claim;
	if (strcmp(name, "jwt-aud") == 0)
		return &cfg->jwt_aud;
	if (strcmp(name, "anon-role") == 0)
		return &cfg->anon_role;
	return NULL;
}

/* The value of a string setting that has a syntax of its own */
static bool
ValidString(const char *name, const char *value)
{
	if (strcmp(name, "jwt-role-claim") == 0)
		return webtoken_claim_path_valid(value);
	if (strcmp(name, "anon-role") == 0)
		return strlen(value) <= JWT_ROLE_MAX && strcmp(value, "none") != 0;
	return true;
}

/*
 * Apply one value of setting s to cfg.  For lists, append_list says whether
 * this value adds to the list (same layer) or starts it anew.  Returns
 * false after writing a message naming origin.
 */
static bool
ApplyValue(RelayConfig *cfg, const Setting *s, const char *value,
		   bool append_list, const char *origin, FILE *err)
{
	long v;

	switch (s->type)
	{
		case ST_STRING:
			if (strcmp(s->name, "db") == 0)
			{
				free(cfg->db);
				cfg->db = config_xstrdup(value);
			}
			else if (StringField(cfg, s->name) != NULL)
			{
				char **field = StringField(cfg, s->name);

				if (*value == '\0' || !ValidString(s->name, value))
					goto bad;
				free(*field);
				*field = config_xstrdup(value);
			}
			else
			{
				if (*value == '\0')
					goto bad;
				free(cfg->config_file);
				cfg->config_file = config_xstrdup(value);
			}
			return true;
		case ST_LISTEN:
			if (!ParseListen(value, &cfg->listen_host, &cfg->listen_port))
				goto bad;
			free(cfg->listen);
			cfg->listen = config_xstrdup(value);
			return true;
		case ST_INT:
			if (!ParseInt(value, s->min, s->max, &v))
				goto bad;
			if (strcmp(s->name, "heartbeat") == 0)
				cfg->heartbeat = (int) v;
			else if (strcmp(s->name, "retry") == 0)
				cfg->retry = (int) v;
			else if (strcmp(s->name, "replica-poll") == 0)
				cfg->replica_poll = (int) v;
			else if (strcmp(s->name, "max-clients") == 0)
				cfg->max_clients = (int) v;
			else if (strcmp(s->name, "client-buffer") == 0)
				cfg->client_buffer = v;
			else if (strcmp(s->name, "request-timeout") == 0)
				cfg->request_timeout = (int) v;
			else if (strcmp(s->name, "max-requests") == 0)
				cfg->max_requests = (int) v;
			else if (strcmp(s->name, "max-topics") == 0)
				cfg->max_topics = (int) v;
			else if (strcmp(s->name, "max-db-queue") == 0)
				cfg->max_db_queue = (int) v;
			else if (strcmp(s->name, "max-ingest-bytes") == 0)
				cfg->max_ingest_bytes = v;
			else
				cfg->replay_limit = (int) v;
			return true;
		case ST_LIST:
		{
			char **list;
			int *n;
			char *copy = config_xstrdup(value);
			char *save = NULL;
			int added = 0;

			if (strcmp(s->name, "token") == 0)
			{
				list = cfg->tokens;
				n = &cfg->ntokens;
			}
			else if (strcmp(s->name, "allowed-hosts") == 0)
			{
				list = cfg->allowed_hosts;
				n = &cfg->nallowed_hosts;
			}
			else
			{
				list = cfg->cors;
				n = &cfg->ncors;
			}
			if (!append_list)
				ClearList(list, n);
			/* Environment values are comma lists; flags and lines too */
			for (char *item = strtok_r(copy, ",", &save); item;
				 item = strtok_r(NULL, ",", &save))
			{
				while (*item == ' ' || *item == '\t')
					item++;
				for (char *e = item + strlen(item);
					 e > item && (e[-1] == ' ' || e[-1] == '\t'); e--)
					e[-1] = '\0';
				if (!config_valid_item(item) || *n >= CONFIG_MAX_LIST)
				{
					free(copy);
					goto bad;
				}
				list[(*n)++] = config_xstrdup(item);
				added++;
			}
			free(copy);
			if (added == 0)
				goto bad;
			return true;
		}
	}
bad:
	if (s->type == ST_INT)
		fprintf(err,
				"cqstream-relay: invalid value for %s: \"%s\" (a whole "
				"number from %ld to %ld expected)\n",
				origin, value, s->min, s->max);
	else if (s->type == ST_LISTEN)
		fprintf(err,
				"cqstream-relay: invalid value for %s: \"%s\" (HOST:PORT "
				"expected, port 1 to 65535)\n",
				origin, value);
	else if (s->type == ST_LIST)
		fprintf(err,
				"cqstream-relay: invalid value for %s: \"%s\" (non-empty "
				"items without blanks, at most %d)\n",
				origin, value, CONFIG_MAX_LIST);
	else if (strcmp(s->name, "jwt-role-claim") == 0)
		fprintf(err,
				"cqstream-relay: invalid value for %s: \"%s\" (a claim path "
				"expected: .name, .\"any name\", [index], e.g. .app.role)\n",
				origin, value);
	else if (strcmp(s->name, "anon-role") == 0)
		fprintf(err,
				"cqstream-relay: invalid value for %s: \"%s\" (a role name "
				"of 1 to %d bytes expected, not \"none\")\n",
				origin, value, JWT_ROLE_MAX);
	else if (strcmp(s->name, "jwt-secret") == 0)
		fprintf(err, "cqstream-relay: invalid value for %s: empty\n", origin);
	else
		fprintf(err, "cqstream-relay: invalid value for %s: \"%s\"\n", origin,
				value);
	return false;
}

static bool
ApplyDefaults(RelayConfig *cfg, FILE *err)
{
	memset(cfg, 0, sizeof(*cfg));
	for (int i = 0; i < NSETTINGS; i++)
		if (Settings[i].def != NULL &&
			!ApplyValue(cfg, &Settings[i], Settings[i].def, false, "default",
						err))
			return false;
	return true;
}

/* The file layer: "name = value" lines, "#" comments, blank lines */
static bool
ApplyFile(RelayConfig *cfg, const char *path, FILE *err)
{
	FILE *f = fopen(path, "r");
	char line[4096];
	int lineno = 0;
	bool seen_list[NSETTINGS] = {false};

	if (f == NULL)
	{
		fprintf(err,
				"cqstream-relay: could not open configuration file "
				"\"%s\": %s\n",
				path, strerror(errno));
		return false;
	}
	while (fgets(line, sizeof(line), f) != NULL)
	{
		char *p = line;
		char *eq;
		char *name_end;
		char *value;
		const Setting *s;
		char origin[4200];

		lineno++;
		snprintf(origin, sizeof(origin), "%s:%d", path, lineno);
		if (strchr(line, '\n') == NULL && !feof(f))
		{
			fprintf(err, "cqstream-relay: %s: line too long\n", origin);
			fclose(f);
			return false;
		}
		line[strcspn(line, "\r\n")] = '\0';
		while (isspace((unsigned char) *p))
			p++;
		if (*p == '\0' || *p == '#')
			continue;
		eq = strchr(p, '=');
		if (eq == NULL)
		{
			fprintf(err, "cqstream-relay: %s: \"name = value\" expected\n",
					origin);
			fclose(f);
			return false;
		}
		name_end = eq;
		while (name_end > p && isspace((unsigned char) name_end[-1]))
			name_end--;
		value = eq + 1;
		while (isspace((unsigned char) *value))
			value++;
		for (char *e = value + strlen(value);
			 e > value && isspace((unsigned char) e[-1]); e--)
			e[-1] = '\0';
		s = FindSetting(p, name_end - p);
		if (s == NULL || strcmp(s->name, "config") == 0)
		{
			fprintf(err, "cqstream-relay: %s: unknown setting \"%.*s\"\n",
					origin, (int) (name_end - p), p);
			fclose(f);
			return false;
		}
		snprintf(origin, sizeof(origin), "%s:%d (%s)", path, lineno, s->name);
		if (!ApplyValue(cfg, s, value, seen_list[s - Settings], origin, err))
		{
			fclose(f);
			return false;
		}
		seen_list[s - Settings] = true;
	}
	fclose(f);
	return true;
}

static bool
ApplyEnv(RelayConfig *cfg, FILE *err)
{
	for (int i = 0; i < NSETTINGS; i++)
	{
		const char *v = getenv(Settings[i].env);

		if (v == NULL || strcmp(Settings[i].name, "config") == 0)
			continue;
		if (!ApplyValue(cfg, &Settings[i], v, false, Settings[i].env, err))
			return false;
	}
	return true;
}

void
config_usage(FILE *out)
{
	fputs("Usage: cqstream-relay [OPTION]...\n"
		  "Relay cqstream's NOTIFY results to browsers as Server-Sent "
		  "Events.\n\n"
		  "Options (environment variable; default):\n",
		  out);
	for (int i = 0; i < NSETTINGS; i++)
	{
		const Setting *s = &Settings[i];
		const char *arg = s->type == ST_INT			  ? "N"
			: s->type == ST_LISTEN					  ? "HOST:PORT"
			: strcmp(s->name, "config") == 0		  ? "FILE"
			: strcmp(s->name, "token-file") == 0	  ? "FILE"
			: strcmp(s->name, "jwt-secret-file") == 0 ? "FILE"
			: strcmp(s->name, "jwt-key") == 0		  ? "FILE"
			: strcmp(s->name, "jwt-secret") == 0	  ? "SECRET"
			: strcmp(s->name, "jwt-role-claim") == 0  ? "PATH"
			: strcmp(s->name, "jwt-aud") == 0		  ? "AUD"
			: strcmp(s->name, "anon-role") == 0		  ? "ROLE"
			: strcmp(s->name, "db") == 0			  ? "CONNINFO"
			: strcmp(s->name, "token") == 0			  ? "T"
			: strcmp(s->name, "allowed-hosts") == 0	  ? "HOST"
													  : "ORIGIN";

		fprintf(out, "  --%s=%s\n      %s\n      (%s; default: %s)\n", s->name,
				arg, s->help, s->env,
				s->def == NULL			? "none"
					: s->def[0] == '\0' ? "\"\""
										: s->def);
	}
	fputs("  --print-config\n      print the effective configuration and "
		  "exit\n"
		  "  --help\n      show this help and exit\n"
		  "  --version\n      show the version and exit\n\n"
		  "Precedence: flag > environment > configuration file > default.\n"
		  "Signals: SIGTERM drains and exits, SIGHUP reloads the "
		  "configuration\n(the file and the token file are read again).\n",
		  out);
}

/* ": a,b" or "" for a list line of config_print; masked: "***" each */
static void
PrintList(FILE *out, const char *name, char *const *list, int n, bool masked)
{
	fprintf(out, "%s =", name);
	for (int i = 0; i < n; i++)
		fprintf(out, "%s%s", i ? "," : " ", masked ? "***" : list[i]);
	fputc('\n', out);
}

void
config_print(const RelayConfig *cfg, FILE *out)
{
	char *db = config_redact_conninfo(cfg->db);

	fprintf(out, "db = %s\n", db);
	free(db);
	fprintf(out, "listen = %s\n", cfg->listen);
	PrintList(out, "cors-origin", cfg->cors, cfg->ncors, false);
	fprintf(out, "heartbeat = %d\n", cfg->heartbeat);
	fprintf(out, "retry = %d\n", cfg->retry);
	fprintf(out, "replica-poll = %d\n", cfg->replica_poll);
	fprintf(out, "max-clients = %d\n", cfg->max_clients);
	fprintf(out, "client-buffer = %ld\n", cfg->client_buffer);
	fprintf(out, "replay-limit = %d\n", cfg->replay_limit);
	PrintList(out, "token", cfg->tokens, cfg->ntokens, true);
	fprintf(out, "token-file = %s\n", cfg->token_file ? cfg->token_file : "");
	PrintList(out, "allowed-hosts", cfg->allowed_hosts, cfg->nallowed_hosts,
			  false);
	fprintf(out, "request-timeout = %d\n", cfg->request_timeout);
	fprintf(out, "max-requests = %d\n", cfg->max_requests);
	fprintf(out, "max-topics = %d\n", cfg->max_topics);
	fprintf(out, "max-db-queue = %d\n", cfg->max_db_queue);
	fprintf(out, "max-ingest-bytes = %ld\n", cfg->max_ingest_bytes);
	fprintf(out, "jwt-secret = %s\n",
			cfg->jwt_secret && !cfg->jwt_secret_file ? "***" : "");
	fprintf(out, "jwt-secret-file = %s\n",
			cfg->jwt_secret_file ? cfg->jwt_secret_file : "");
	fprintf(out, "jwt-key = %s\n", cfg->jwt_key_file ? cfg->jwt_key_file : "");
	fprintf(out, "jwt-role-claim = %s\n", cfg->jwt_role_claim);
	fprintf(out, "jwt-aud = %s\n", cfg->jwt_aud ? cfg->jwt_aud : "");
	fprintf(out, "anon-role = %s\n", cfg->anon_role ? cfg->anon_role : "");
	fprintf(out, "config = %s\n", cfg->config_file ? cfg->config_file : "");
}

void
config_free(RelayConfig *cfg)
{
	free(cfg->db);
	free(cfg->listen_host);
	free(cfg->listen);
	free(cfg->config_file);
	free(cfg->token_file);
	free(cfg->jwt_secret);
	free(cfg->jwt_secret_file);
	free(cfg->jwt_key_file);
	free(cfg->jwt_key_pem);
	free(cfg->jwt_role_claim);
	free(cfg->jwt_aud);
	free(cfg->anon_role);
	ClearList(cfg->cors, &cfg->ncors);
	ClearList(cfg->tokens, &cfg->ntokens);
	ClearList(cfg->allowed_hosts, &cfg->nallowed_hosts);
	memset(cfg, 0, sizeof(*cfg));
}

/*
 * Split argv[i] into a setting and its value: "--name=value" or "--name
 * value" (consuming argv[i + 1]).  Returns the setting or NULL after a
 * message.
 */
static const Setting *
ParseFlag(int argc, char **argv, int *i, const char **value, FILE *err)
{
	const char *arg = argv[*i];
	const char *eq;
	const Setting *s;

	if (strncmp(arg, "--", 2) != 0)
	{
		fprintf(err, "cqstream-relay: unexpected argument \"%s\"\n", arg);
		return NULL;
	}
	arg += 2;
	eq = strchr(arg, '=');
	s = FindSetting(arg, eq ? (size_t) (eq - arg) : strlen(arg));
	if (s == NULL)
	{
		fprintf(err, "cqstream-relay: unknown option \"%s\" (see --help)\n",
				argv[*i]);
		return NULL;
	}
	if (eq != NULL)
		*value = eq + 1;
	else if (*i + 1 < argc)
		*value = argv[++*i];
	else
	{
		fprintf(err, "cqstream-relay: option --%s needs a value\n", s->name);
		return NULL;
	}
	return s;
}

ConfigAction
config_load(RelayConfig *cfg, int argc, char **argv, FILE *out, FILE *err)
{
	bool print = false;
	const char *file = getenv("CQSTREAM_RELAY_CONFIG");
	bool seen_list[NSETTINGS] = {false};

	if (!ApplyDefaults(cfg, err))
		goto fail;

	/* First pass: actions, the file's name, and flag syntax */
	for (int i = 1; i < argc; i++)
	{
		const Setting *s;
		const char *value;

		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
		{
			config_usage(out);
			config_free(cfg);
			return CONFIG_EXIT0;
		}
		if (strcmp(argv[i], "--version") == 0)
		{
			fprintf(out, "cqstream-relay %s\n", RELAY_VERSION);
			config_free(cfg);
			return CONFIG_EXIT0;
		}
		if (strcmp(argv[i], "--print-config") == 0)
		{
			print = true;
			continue;
		}
		if ((s = ParseFlag(argc, argv, &i, &value, err)) == NULL)
			goto fail;
		if (strcmp(s->name, "config") == 0)
			file = value;
	}
	if (file != NULL)
	{
		if (*file == '\0')
		{
			fputs("cqstream-relay: invalid value for --config: \"\"\n", err);
			goto fail;
		}
		cfg->config_file = config_xstrdup(file);
		if (!ApplyFile(cfg, file, err))
			goto fail;
	}
	if (!ApplyEnv(cfg, err))
		goto fail;
	for (int i = 1; i < argc; i++)
	{
		const Setting *s;
		const char *value;
		char origin[64];

		if (strcmp(argv[i], "--print-config") == 0)
			continue;
		if ((s = ParseFlag(argc, argv, &i, &value, err)) == NULL)
			goto fail;
		if (strcmp(s->name, "config") == 0)
			continue;
		snprintf(origin, sizeof(origin), "--%s", s->name);
		if (!ApplyValue(cfg, s, value, seen_list[s - Settings], origin, err))
			goto fail;
		seen_list[s - Settings] = true;
	}
	if (cfg->token_file && !config_apply_token_file(cfg, cfg->token_file, err))
		goto fail;
	if (!config_apply_jwt_files(cfg, err))
		goto fail;
	if (print)
	{
		config_print(cfg, out);
		config_free(cfg);
		return CONFIG_EXIT0;
	}
	return CONFIG_RUN;

fail:
	config_free(cfg);
	return CONFIG_ERROR;
}

bool
config_jwt_enabled(const RelayConfig *cfg)
{
	return cfg->jwt_secret != NULL || cfg->jwt_key_pem != NULL;
}

bool
config_auth_enabled(const RelayConfig *cfg)
{
	return cfg->ntokens > 0 || config_jwt_enabled(cfg) || cfg->anon_role;
}
