/*
 * payload.c
 *	  Reading the results of the results log.
 *
 * Design notes
 *
 * See payload.h.  jansson validates the whole object, so malformed input
 * is refused, never half-forwarded; the text itself is forwarded as it
 * is.
 */
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "payload.h"

static bool
IsBlank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/*
 * Inspect the object; false if it is not one with a positive integer id.
 * jsonb prints a number with all its digits (2e300 as 301 of them), which
 * jansson refuses as an integer: such an object is read again with every
 * number as a real, and then its id is exact only up to 2^53 (the relay
 * takes result ids from the log's rows, not from here).
 */
static bool
Inspect(PayloadItem *it)
{
	json_error_t err;
	json_t *obj = json_loadb(it->text, it->len, JSON_DISABLE_EOF_CHECK, &err);
	json_t *id;
	json_t *key;
	bool reals = false;

	if (obj == NULL)
	{
		obj = json_loadb(it->text, it->len,
						 JSON_DISABLE_EOF_CHECK | JSON_DECODE_INT_AS_REAL,
						 &err);
		reals = true;
	}
	if (obj == NULL)
		return false;
	if (!json_is_object(obj) || (size_t) err.position != it->len)
	{
		/* Trailing bytes after the object are refused as well */
		size_t pos = (size_t) err.position;

		while (pos < it->len && IsBlank(it->text[pos]))
			pos++;
		if (!json_is_object(obj) || pos != it->len)
		{
			json_decref(obj);
			return false;
		}
	}
	id = json_object_get(obj, "id");
	if (json_is_integer(id) && json_integer_value(id) > 0)
		it->id = json_integer_value(id);
	else if (reals && json_is_real(id) && json_real_value(id) >= 1 &&
			 json_real_value(id) < 9.2e18 &&
			 (double) (int64_t) json_real_value(id) == json_real_value(id))
		it->id = (int64_t) json_real_value(id);
	else
	{
		json_decref(obj);
		return false;
	}
	key = json_object_get(obj, "key");
	it->has_key = key != NULL;
	it->key = json_is_string(key) ? strdup(json_string_value(key)) : NULL;
	json_decref(obj);
	return true;
}

int
payload_parse(const char *text, size_t len, PayloadItem **out)
{
	PayloadItem *item;
	size_t i = 0;

	*out = NULL;
	while (i < len && IsBlank(text[i]))
		i++;
	if (i == len || text[i] != '{')
		return -1;
	item = calloc(1, sizeof(PayloadItem));
	if (item == NULL)
		return -1;
	item->text = text + i;
	item->len = len - i;
	while (item->len > 0 && IsBlank(item->text[item->len - 1]))
		item->len--;
	if (!Inspect(item))
	{
		free(item);
		return -1;
	}
	*out = item;
	return 1;
}

void
payload_items_free(PayloadItem *items, int n)
{
	if (items == NULL)
		return;
	for (int i = 0; i < n; i++)
		free(items[i].key);
	free(items);
}

void
payload_minify(StrBuf *b, const char *text, size_t len)
{
	size_t start = 0;
	bool in_str = false;

	for (size_t i = 0; i < len; i++)
	{
		char c = text[i];

		if (in_str)
		{
			if (c == '\\')
				i++;
			else if (c == '"')
				in_str = false;
			continue;
		}
		if (c == '"')
			in_str = true;
		else if (IsBlank(c))
		{
			strbuf_append(b, text + start, i - start);
			start = i + 1;
		}
	}
	if (start < len)
		strbuf_append(b, text + start, len - start);
}
