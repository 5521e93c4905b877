/*
 * names.h
 *	  The query names a stream asks for: exact names and '*' patterns, the
 *	  SQL arrays that look them all up in one command, and the match of
 *	  the rows found back to each stream (names.c).
 *
 * Design notes
 *
 * One look-up serves every stream waiting at that moment (lookup.c):
 * "name = ANY($1) OR name LIKE ANY($2)", then each stream takes the rows
 * it asked for with names_glob_match, which must agree with LIKE on the
 * translated pattern: '*' is LIKE's '%', and '_', a common character of
 * query names, is escaped so that it only matches itself.  Names reach
 * here validated ([a-z0-9_*], docs/relay.md), so no quoting beyond the
 * array's double quotes is needed.
 */
#ifndef RELAY_NAMES_H
#define RELAY_NAMES_H

#include <stdbool.h>

#include "sse.h"

/* Is s a pattern (has a '*')? */
extern bool names_is_pattern(const char *s);

/* name matches pattern, where '*' is any run of characters */
extern bool names_glob_match(const char *pattern, const char *name);

/*
 * Append the sorted, distinct names of list[0 .. n - 1] (sorted in place)
 * to b as a text[] literal; like: as LIKE patterns ('*' -> '%', '_'
 * escaped).
 */
extern void names_array(StrBuf *b, char **list, int n, bool like);

#endif /* RELAY_NAMES_H */
