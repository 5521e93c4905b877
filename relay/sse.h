/*
 * sse.h
 *	  The Server-Sent Events wire format: events, retry hints, comments,
 *	  and the stream cursors carried in id: lines.
 *
 * Design notes
 *
 * Everything here is a pure function over bytes (no libevent), so the unit
 * tests exercise exactly what goes on the wire.  The rules are those of
 * the WHATWG HTML standard (docs/relay.md, "Stream format").
 */
#ifndef RELAY_SSE_H
#define RELAY_SSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "contract.h"

/* A growable byte buffer; allocation failure ends the process */
typedef struct StrBuf
{
	char *data;
	size_t len;
	size_t cap;
} StrBuf;

extern void strbuf_init(StrBuf *b);
extern void strbuf_free(StrBuf *b);
extern void strbuf_reset(StrBuf *b);
extern void strbuf_append(StrBuf *b, const void *p, size_t n);
extern void strbuf_puts(StrBuf *b, const char *s);
extern void strbuf_printf(StrBuf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Longest id: written; longer ids are cut */
#define SSE_MAX_ID	  512
/* Longest event type written */
#define SSE_MAX_EVENT 64

/* Result id = query id * SSE_ID_BASE + result sequence (src/contract.h) */
#define SSE_ID_BASE		 ((int64_t) CQ_RESULT_ID_FACTOR)
/* Query ids stay below this (docs/engine.md) */
#define SSE_MAX_QUERY_ID (INT64_MAX / SSE_ID_BASE)

/*
 * Copy the characters of in allowed in an id ([A-Za-z0-9._-]) to out (of
 * outsz bytes, NUL-terminated); returns the length written.
 */
extern size_t sse_sanitize_id(const char *in, char *out, size_t outsz);

/* Copy in to out without CR, LF or ':'-leading problems: CR and LF dropped */
extern size_t sse_sanitize_event(const char *in, char *out, size_t outsz);

/*
 * Append one event: "id: ID\n" (when id is not NULL and not empty after
 * sanitizing), "event: TYPE\n" (when event is not NULL and not empty),
 * the data split at every CR, LF or CRLF into "data: LINE\n" lines, and
 * the blank line that dispatches it.
 */
extern void sse_format_event(StrBuf *b, const char *id, const char *event,
							 const char *data, size_t datalen);

/* Append "retry: MS\n" (negative values written as 0) */
extern void sse_format_retry(StrBuf *b, long ms);

/* Append a comment: ": TEXT\n" per line of text (CR, LF, CRLF split) */
extern void sse_format_comment(StrBuf *b, const char *text);

/*
 * Cursor bounds.  A position is "Q-N" with Q at most 7 digits and N at
 * most 12, so each takes at most 21 characters with its '.'.  A stream
 * follows at most SSE_CURSOR_MAX queries (stream.c refuses more with a
 * 400), so the cursor it writes is never longer than the parser accepts
 * (SSE_CURSOR_MAX_LEN), and stays far below the 16 KB header limit: a
 * position is never lost on the way back.
 */
#define SSE_CURSOR_MAX	   100
#define SSE_CURSOR_POS_LEN 21
#define SSE_CURSOR_MAX_LEN (SSE_CURSOR_MAX * SSE_CURSOR_POS_LEN)

/* One query's position in a stream cursor */
typedef struct CursorPos
{
	int64_t qid; /* query id, 1 .. SSE_MAX_QUERY_ID */
	int64_t seq; /* result sequence n, 0 .. SSE_ID_BASE - 1 */
} CursorPos;

/*
 * Parse a Last-Event-ID value: a plain result id ("1000000000007") or a
 * composite cursor ("1-7.2-15").  Fills at most max positions; returns
 * their number, or -1 if text is not a valid cursor (longer than
 * SSE_CURSOR_MAX_LEN, bad
 * characters, numbers out of range, a query twice, more than max).  An
 * invalid value is treated by the caller as absent.
 */
extern int sse_cursor_parse(const char *text, CursorPos *pos, int max);

/* Append the composite cursor of pos[0..n-1] (sorted by qid in place) */
extern void sse_cursor_format(StrBuf *b, CursorPos *pos, int n);

#endif /* RELAY_SSE_H */
