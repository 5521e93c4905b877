/*
 * config_internal.h
 *	  What the relay's configuration files share among themselves (config.c,
 *	  config_secrets.c, config_access.c, config_redact.c); the rest of the
 *	  relay uses config.h only.
 */
#ifndef RELAY_CONFIG_INTERNAL_H
#define RELAY_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stdio.h>

#include "config.h"

/* strdup that exits on out of memory (configuration is read at start) */
extern char *config_xstrdup(const char *s);

/* A list item or token: non-empty, printable, no blanks or commas */
extern bool config_valid_item(const char *s);

/* The token file's tokens added to cfg->tokens; false after a message */
extern bool config_apply_token_file(RelayConfig *cfg, const char *path,
									FILE *err);

/* The JWT secret and key files read into cfg; false after a message */
extern bool config_apply_jwt_files(RelayConfig *cfg, FILE *err);

#endif /* RELAY_CONFIG_INTERNAL_H */
