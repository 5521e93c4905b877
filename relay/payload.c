/*
 * payload.c
 *	  Reading cqstream's NOTIFY payloads and logged results.
 *
 * Design notes
 *
 * See payload.h.  The scanner only has to find where each top-level array
 * element starts and ends: it tracks string literals (with backslash
 * escapes) and bracket depth; jansson then validates each element fully,
 * so malformed input is refused, never half-forwarded.
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

/* Inspect one element; false if it is not an object with an integer id */
static bool
Inspect(PayloadItem *it)
{
	json_error_t err;
	json_t *obj = json_loadb(it->text, it->len, JSON_DISABLE_EOF_CHECK, &err);
	json_t *id;
	json_t *ref;
	json_t *key;

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
	if (!json_is_integer(id) || json_integer_value(id) <= 0)
	{
		json_decref(obj);
		return false;
	}
	it->id = json_integer_value(id);
	ref = json_object_get(obj, "ref");
	/* {"query":..,"id":..,"ref":true}, or only query and id (notify=id) */
	it->ref = json_is_true(ref) || json_object_size(obj) <= 2;
	key = json_object_get(obj, "key");
	it->has_key = key != NULL;
	it->key = json_is_string(key) ? strdup(json_string_value(key)) : NULL;
	json_decref(obj);
	return true;
}

int
payload_parse(const char *text, size_t len, PayloadItem **out)
{
	size_t i = 0;
	int n = 0;
	int cap = 0;
	PayloadItem *items = NULL;

	*out = NULL;
	while (i < len && IsBlank(text[i]))
		i++;
	if (i == len)
		return -1;
	if (text[i] != '[')
	{
		items = calloc(1, sizeof(PayloadItem));
		if (items == NULL)
			return -1;
		items[0].text = text + i;
		items[0].len = len - i;
		while (items[0].len > 0 && IsBlank(items[0].text[items[0].len - 1]))
			items[0].len--;
		if (!Inspect(&items[0]))
		{
			free(items);
			return -1;
		}
		*out = items;
		return 1;
	}
	i++;
	for (;;)
	{
		size_t start;
		int depth = 0;
		bool in_str = false;

		while (i < len && IsBlank(text[i]))
			i++;
		if (i < len && text[i] == ']' && n == 0)
			break;
		start = i;
		for (; i < len; i++)
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
			else if (c == '{' || c == '[')
				depth++;
			else if (c == '}' || c == ']')
			{
				if (depth == 0)
					break;
				depth--;
			}
			else if (c == ',' && depth == 0)
				break;
		}
		if (i >= len || in_str)
			goto bad;
		if (n == cap)
		{
			PayloadItem *more;

			cap = cap ? cap * 2 : 8;
			more = realloc(items, cap * sizeof(PayloadItem));
			if (more == NULL)
				goto bad;
			items = more;
		}
		memset(&items[n], 0, sizeof(PayloadItem));
		items[n].text = text + start;
		items[n].len = i - start;
		while (items[n].len > 0 && IsBlank(items[n].text[items[n].len - 1]))
			items[n].len--;
		if (!Inspect(&items[n]))
			goto bad;
		n++;
		if (text[i] == ']')
			break;
		i++; /* the comma */
	}
	/* Only blanks may follow the array */
	for (i++; i < len; i++)
		if (!IsBlank(text[i]))
			goto bad;
	if (n == 0)
	{
		free(items);
		return -1;
	}
	*out = items;
	return n;

bad:
	payload_items_free(items, n);
	return -1;
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
