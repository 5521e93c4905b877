/*
 * config.h
 *	  The relay's settings: one table of keys, each with its default, read
 *	  from flags, the environment and an optional file.
 *
 * Design notes
 *
 * Precedence is flag > environment > file > default (docs/relay.md).  A
 * RelayConfig is a plain value: config_load builds a fresh one, so SIGHUP
 * can load a new configuration, keep the old one on error, and swap.
 * The token file (token-file) is read by config_load too, so a reload
 * reads it again: the way to change tokens without a restart.
 */
#ifndef RELAY_CONFIG_H
#define RELAY_CONFIG_H

#include <stdbool.h>
#include <stdio.h>

#define CONFIG_MAX_LIST 64

typedef struct RelayConfig
{
	char *db;		   /* libpq connection string, "" for the defaults */
	char *listen_host; /* from --listen */
	int listen_port;   /* from --listen */
	char *listen;	   /* as given, for --print-config */
	char *cors[CONFIG_MAX_LIST]; /* allowed origins; "*" allows any */
	int ncors;
	int heartbeat;				   /* seconds */
	int retry;					   /* milliseconds */
	int replica_poll;			   /* ms, longest poll pause on a standby */
	int max_clients;			   /* streams */
	long client_buffer;			   /* bytes */
	int replay_limit;			   /* results per query and (re)connect */
	char *tokens[CONFIG_MAX_LIST]; /* bearer tokens (with token-file's) */
	int ntokens;
	char *token_file;					  /* or NULL */
	char *allowed_hosts[CONFIG_MAX_LIST]; /* Host values; none: default */
	int nallowed_hosts;
	int request_timeout;   /* seconds to send a whole request */
	int max_requests;	   /* connections still sending their request */
	int max_topics;		   /* queries followed at once */
	int max_db_queue;	   /* commands waiting for the database */
	long max_ingest_bytes; /* largest request body (ingest.c) */
	char *config_file;	   /* or NULL */
	/* JWT (webtoken.h): the secret (HS*) and/or the public key (RS*, ES*) */
	char *jwt_secret;	   /* from jwt-secret or jwt-secret-file, or NULL */
	char *jwt_secret_file; /* or NULL */
	char *jwt_key_file;	   /* or NULL */
	char *jwt_key_pem;	   /* its text, or NULL */
	size_t jwt_key_len;
	int jwt_key_kind;	  /* JwtKeyKind */
	char *jwt_role_claim; /* claim path, ".role" by default */
	char *jwt_aud;		  /* audience required, or NULL */
	char *anon_role;	  /* role of requests without a token, or NULL */
} RelayConfig;

/* What config_load decided */
typedef enum ConfigAction
{
	CONFIG_RUN,	  /* start the relay */
	CONFIG_EXIT0, /* --help, --version or --print-config done: exit 0 */
	CONFIG_ERROR  /* bad configuration, message written: exit 2 */
} ConfigAction;

/*
 * Fill *cfg from argv, the environment (envp-style getenv) and the
 * configuration file.  Messages go to err, --help/--print-config output to
 * out.  On CONFIG_ERROR *cfg is left freed.
 */
extern ConfigAction config_load(RelayConfig *cfg, int argc, char **argv,
								FILE *out, FILE *err);
extern void config_free(RelayConfig *cfg);
extern void config_print(const RelayConfig *cfg, FILE *out);
extern void config_usage(FILE *out);

/* Whether origin is allowed by cfg (exact match or "*") */
extern bool config_cors_allowed(const RelayConfig *cfg, const char *origin);

/* Whether cfg verifies JSON Web Tokens (a secret or a key is set) */
extern bool config_jwt_enabled(const RelayConfig *cfg);

/*
 * Whether requests need credentials: shared tokens, JWT or an anon-role
 * (without any, the relay is open: its own role answers every request)
 */
extern bool config_auth_enabled(const RelayConfig *cfg);

/* Whether token matches one of cfg's tokens, compared in constant time */
extern bool config_token_ok(const RelayConfig *cfg, const char *token);

/*
 * Whether a request's Host header value (NULL: none) is allowed by cfg:
 * the allowed-hosts list, or by default any host when tokens (or JWT, or
 * an anon-role) are set and
 * else only localhost, 127.0.0.1, [::1] and the listen host, each with or
 * without a port (docs/relay.md, "Security")
 */
extern bool config_host_allowed(const RelayConfig *cfg, const char *host);

/*
 * conninfo (key=value or postgres:// URI) with every password replaced
 * by "***", malloc'd; for --print-config and logs
 */
extern char *config_redact_conninfo(const char *conninfo);

/*
 * The running configuration: set by main.c once loaded, replaced on
 * SIGHUP (the modules read it at each use, so a reload takes effect at
 * once).  Defined in config.c, where configurations are made.
 */
extern const RelayConfig *relay_config;

#endif /* RELAY_CONFIG_H */
