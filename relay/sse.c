/*
 * sse.c
 *	  The Server-Sent Events wire format.
 *
 * Design notes
 *
 * A client splits lines at CR, LF and CRLF alike, so data is split at each
 * of them into its own "data:" line: a bare CR left in data would let the
 * rest of the line be read as a new field (the injection bug of several
 * servers).  ids are restricted to [A-Za-z0-9._-] so that a browser sends
 * them back across origins without a CORS preflight, and never contain
 * NUL (which makes a client ignore the id).  Event types lose CR and LF.
 * Exactly one space follows each colon, since a client strips only one.
 *
 * Composite cursors: a stream of several queries carries in id: the
 * position of each query, "Q1-N1.Q2-N2", where the result id is
 * Q * SSE_ID_BASE + N (CQ_RESULT_ID_FACTOR, src/contract.h).  All
 * characters are in the safe id set.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sse.h"

void
strbuf_init(StrBuf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void
strbuf_free(StrBuf *b)
{
	free(b->data);
	strbuf_init(b);
}

void
strbuf_reset(StrBuf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

static void
StrBufReserve(StrBuf *b, size_t extra)
{
	size_t need = b->len + extra + 1;
	size_t cap;

	if (need <= b->cap)
		return;
	cap = b->cap ? b->cap : 64;
	while (cap < need)
		cap *= 2;
	b->data = realloc(b->data, cap);
	if (b->data == NULL)
	{
		fputs("cqstream-relay: out of memory\n", stderr);
		abort();
	}
	b->cap = cap;
}

void
strbuf_append(StrBuf *b, const void *p, size_t n)
{
	StrBufReserve(b, n);
	memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
}

void
strbuf_puts(StrBuf *b, const char *s)
{
	strbuf_append(b, s, strlen(s));
}

void
strbuf_printf(StrBuf *b, const char *fmt, ...)
{
	va_list ap;
	char tmp[256];
	int n;

	/* Most calls fit the stack buffer: one formatting pass */
	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t) n < sizeof(tmp))
	{
		strbuf_append(b, tmp, (size_t) n);
		return;
	}
	StrBufReserve(b, (size_t) n);
	va_start(ap, fmt);
	vsnprintf(b->data + b->len, (size_t) n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t) n;
}

static inline bool
IdChar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

size_t
sse_sanitize_id(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (; in && *in && n + 1 < outsz && n < SSE_MAX_ID; in++)
		if (IdChar(*in))
			out[n++] = *in;
	out[n] = '\0';
	return n;
}

size_t
sse_sanitize_event(const char *in, char *out, size_t outsz)
{
	size_t n = 0;

	if (outsz == 0)
		return 0;
	for (; in && *in && n + 1 < outsz && n < SSE_MAX_EVENT; in++)
		if (*in != '\r' && *in != '\n')
			out[n++] = *in;
	out[n] = '\0';
	return n;
}

/* Append "PREFIX LINE\n" for each line of text[0..len), split at CR/LF */
static void
AppendLines(StrBuf *b, const char *prefix, const char *text, size_t len)
{
	size_t start = 0;
	size_t plen = strlen(prefix);

	for (size_t i = 0; i <= len; i++)
	{
		if (i < len && text[i] != '\r' && text[i] != '\n')
			continue;
		strbuf_append(b, prefix, plen);
		strbuf_append(b, text + start, i - start);
		strbuf_append(b, "\n", 1);
		if (i < len && text[i] == '\r' && i + 1 < len && text[i + 1] == '\n')
			i++;
		start = i + 1;
	}
}

void
sse_format_event(StrBuf *b, const char *id, const char *event,
				 const char *data, size_t datalen)
{
	char tmp[SSE_MAX_ID + 1];

	if (id && sse_sanitize_id(id, tmp, sizeof(tmp)) > 0)
	{
		strbuf_append(b, "id: ", 4);
		strbuf_puts(b, tmp);
		strbuf_append(b, "\n", 1);
	}
	if (event && sse_sanitize_event(event, tmp, sizeof(tmp)) > 0)
	{
		strbuf_append(b, "event: ", 7);
		strbuf_puts(b, tmp);
		strbuf_append(b, "\n", 1);
	}
	/* NUL would end a C string in a client; the bytes after it stay */
	AppendLines(b, "data: ", data ? data : "", data ? datalen : 0);
	strbuf_append(b, "\n", 1);
}

void
sse_format_retry(StrBuf *b, long ms)
{
	strbuf_printf(b, "retry: %ld\n", ms < 0 ? 0 : ms);
}

void
sse_format_comment(StrBuf *b, const char *text)
{
	AppendLines(b, ": ", text, strlen(text));
}

/* Digits of s[0..len) as a number no greater than max; false otherwise */
static bool
ParseNum(const char *s, size_t len, int64_t max, int64_t *out)
{
	int64_t v = 0;

	if (len == 0 || len > 19)
		return false;
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		if (v > (INT64_MAX - (s[i] - '0')) / 10)
			return false;
		v = v * 10 + (s[i] - '0');
	}
	if (v > max)
		return false;
	*out = v;
	return true;
}

int
sse_cursor_parse(const char *text, CursorPos *pos, int max)
{
	size_t len;
	int n = 0;
	const char *p;

	if (text == NULL)
		return -1;
	len = strlen(text);
	if (len == 0 || len > SSE_CURSOR_MAX_LEN)
		return -1;
	if (strchr(text, '-') == NULL)
	{
		int64_t id;

		/* A plain result id */
		if (max < 1 || !ParseNum(text, len, INT64_MAX, &id) || id <= 0 ||
			id / SSE_ID_BASE > SSE_MAX_QUERY_ID || id / SSE_ID_BASE == 0)
			return -1;
		pos[0].qid = id / SSE_ID_BASE;
		pos[0].seq = id % SSE_ID_BASE;
		return 1;
	}
	p = text;
	while (*p)
	{
		const char *end = strchr(p, '.');
		const char *dash;
		size_t plen = end ? (size_t) (end - p) : strlen(p);
		int64_t q;
		int64_t s;

		dash = memchr(p, '-', plen);
		if (dash == NULL || n >= max ||
			!ParseNum(p, dash - p, SSE_MAX_QUERY_ID, &q) || q == 0 ||
			!ParseNum(dash + 1, plen - (dash + 1 - p), SSE_ID_BASE - 1, &s))
			return -1;
		for (int i = 0; i < n; i++)
			if (pos[i].qid == q)
				return -1;
		pos[n].qid = q;
		pos[n].seq = s;
		n++;
		if (end == NULL)
			break;
		p = end + 1;
		if (*p == '\0')
			return -1; /* a trailing dot */
	}
	return n;
}

static int
CursorCmp(const void *a, const void *b)
{
	const CursorPos *x = a;
	const CursorPos *y = b;

	return (x->qid > y->qid) - (x->qid < y->qid);
}

void
sse_cursor_format(StrBuf *b, CursorPos *pos, int n)
{
	if (n > 1)
		qsort(pos, n, sizeof(CursorPos), CursorCmp);
	for (int i = 0; i < n; i++)
		strbuf_printf(b, "%s%lld-%lld", i ? "." : "", (long long) pos[i].qid,
					  (long long) pos[i].seq);
}
