/*
 * names.c
 *	  Query names and patterns of streams (names.h).
 */
#include <stdlib.h>
#include <string.h>

#include "names.h"

bool
names_is_pattern(const char *s)
{
	return strchr(s, '*') != NULL;
}

bool
names_glob_match(const char *pattern, const char *name)
{
	const char *star = NULL;
	const char *resume = NULL;

	/* Backtracking to the last '*' only: linear enough for short names */
	while (*name)
	{
		if (*pattern == '*')
		{
			star = pattern++;
			resume = name;
		}
		else if (*pattern == *name)
		{
			pattern++;
			name++;
		}
		else if (star)
		{
			pattern = star + 1;
			name = ++resume;
		}
		else
			return false;
	}
	while (*pattern == '*')
		pattern++;
	return *pattern == '\0';
}

static int
StrPtrCmp(const void *a, const void *b)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* Append a text[] literal element, quoted */
static void
ArrayItem(StrBuf *b, const char *s, bool like)
{
	if (b->len > 1)
		strbuf_puts(b, ",");
	strbuf_puts(b, "\"");
	for (; *s; s++)
	{
		if (like && *s == '*')
			strbuf_puts(b, "%");
		else if (like && *s == '_')
			strbuf_puts(b, "\\\\_"); /* array escape of LIKE's \_ */
		else
			strbuf_append(b, s, 1);
	}
	strbuf_puts(b, "\"");
}

void
names_array(StrBuf *b, char **list, int n, bool like)
{
	if (n > 0)
		qsort(list, n, sizeof(char *), StrPtrCmp);
	strbuf_puts(b, "{");
	for (int i = 0; i < n; i++)
		if (i == 0 || strcmp(list[i], list[i - 1]) != 0)
			ArrayItem(b, list[i], like);
	strbuf_puts(b, "}");
}
