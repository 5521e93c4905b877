/*
 * payload.h
 *	  Reading cqstream's NOTIFY payloads and logged results.
 *
 * Design notes
 *
 * The relay forwards each result's JSON text as it came, never re-encoded:
 * a JSON library would reformat numbers (jansson writes 70.7 as
 * 70.700000000000003).  So an array notification is split into its
 * elements by a small scanner, and only each element's "id" and "key" are
 * read with jansson.  Logged results come back as jsonb text, which has
 * blanks after ':' and ','; payload_minify removes them (outside strings)
 * so a replayed event is compact JSON too.
 */
#ifndef RELAY_PAYLOAD_H
#define RELAY_PAYLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sse.h"

/* One result of a notification or of the log */
typedef struct PayloadItem
{
	const char *text; /* the element's JSON text (not NUL-terminated) */
	size_t len;
	int64_t id;
	bool ref;	  /* by reference or id only: read it from the log */
	bool has_key; /* the object has a "key" member */
	char *key;	  /* its value when a string (malloc'd), else NULL */
} PayloadItem;

/*
 * Split text (one JSON object or an array of objects) into items; returns
 * their number (items malloc'd into *out, free with payload_items_free), or
 * -1 if the text is not such JSON or an element lacks an integer "id".
 */
extern int payload_parse(const char *text, size_t len, PayloadItem **out);
extern void payload_items_free(PayloadItem *items, int n);

/* Append text without the blanks outside strings */
extern void payload_minify(StrBuf *b, const char *text, size_t len);

#endif /* RELAY_PAYLOAD_H */
