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
	int max_clients;			   /* streams */
	long client_buffer;			   /* bytes */
	int replay_limit;			   /* results per query and (re)connect */
	char *tokens[CONFIG_MAX_LIST]; /* bearer tokens; none: open */
	int ntokens;
	char *config_file; /* or NULL */
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

/* Whether token matches one of cfg's tokens, compared in constant time */
extern bool config_token_ok(const RelayConfig *cfg, const char *token);

/*
 * The running configuration: set by main.c once loaded, replaced on
 * SIGHUP (the modules read it at each use, so a reload takes effect at
 * once).  Defined in config.c, where configurations are made.
 */
extern const RelayConfig *relay_config;

#endif /* RELAY_CONFIG_H */
