/*
 * payload.h
 *	  Reading the results the relay takes from the results log.
 *
 * Design notes
 *
 * The relay forwards each result's JSON as the log gives it, never
 * re-encoded: a JSON library would reformat numbers (jansson writes 70.7
 * as 70.700000000000003).  So only the result's "id" and "key" are read
 * with jansson.  Logged results come back as jsonb text, which has blanks
 * after ':' and ','; payload_minify removes them (outside strings) so an
 * event is compact JSON.
 *
 * Notifications are not read here at all: their payload is never
 * trusted (docs/relay.md, "Security"), so nothing parses it.
 */
#ifndef RELAY_PAYLOAD_H
#define RELAY_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sse.h"

/* One logged result */
typedef struct PayloadItem
{
	const char *text; /* the result's JSON text (not NUL-terminated) */
	size_t len;
	int64_t id;
	bool has_key; /* the object has a "key" member */
	char *key;	  /* its value when a string (malloc'd), else NULL */
} PayloadItem;

/*
 * Read text, one JSON object with a positive integer "id": returns 1 (the
 * item malloc'd into *out, free with payload_items_free), or -1 if text is
 * not such an object (an array included).
 */
extern int payload_parse(const char *text, size_t len, PayloadItem **out);
extern void payload_items_free(PayloadItem *items, int n);

/* Append text without the blanks outside strings */
extern void payload_minify(StrBuf *b, const char *text, size_t len);

#endif /* RELAY_PAYLOAD_H */
