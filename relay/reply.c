/*
 * reply.c
 *	  Whole HTTP replies: bodies, JSON errors, CORS headers.
 *
 * Design notes
 *
 * Every refusal carries the same JSON body,
 * {"error":{"status":N,"message":"..."}} (docs/relay.md), built with
 * jansson so that a message is always escaped properly.  An Origin is
 * echoed only when allowed and free of CR and LF, so a header can never
 * be split.
 *
 * Bodies are gzip-coded for a client that accepts it (gzip.c), every
 * one of them (errors too: small, but one rule is simpler to rely on);
 * each says that it varies with Accept-Encoding, so a cache keeps the
 * two forms apart.
 */
#include <stdlib.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <jansson.h>

#include "config.h"
#include "gzip.h"
#include "reply.h"

void
reply_add_cors(struct evhttp_request *req)
{
	const char *origin = evhttp_find_header(evhttp_request_get_input_headers(
												req),
											"Origin");
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (origin && config_cors_allowed(relay_config, origin) &&
		strpbrk(origin, "\r\n") == NULL)
	{
		evhttp_add_header(h, "Access-Control-Allow-Origin", origin);
		evhttp_add_header(h, "Vary", "Origin");
	}
}

void
reply_send_body(struct evhttp_request *req, int code, const char *reason,
				const char *type, const char *body, size_t len)
{
	struct evbuffer *b = evbuffer_new();
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", type);
	evhttp_add_header(h, "Cache-Control", "no-cache");
	evhttp_add_header(h, "Vary", "Accept-Encoding");
	reply_add_cors(req);
	if (gzip_accepted(req) && gzip_whole(b, body, len))
		evhttp_add_header(h, "Content-Encoding", "gzip");
	else
	{
		evbuffer_drain(b, evbuffer_get_length(b));
		evbuffer_add(b, body, len);
	}
	evhttp_send_reply(req, code, reason, b);
	evbuffer_free(b);
}

/*
 * Utf8Length: the length of the valid UTF-8 sequence at s (1 to 4 bytes,
 * no overlong form, no surrogate, at most U+10FFFF), 0 when invalid
 */
static int
Utf8Length(const unsigned char *s)
{
	unsigned int c = s[0];
	int n;
	unsigned int min;

	if (c < 0x80)
		return 1;
	if (c >= 0xC2 && c <= 0xDF)
		n = 2, min = 0x80, c &= 0x1F;
	else if (c >= 0xE0 && c <= 0xEF)
		n = 3, min = 0x800, c &= 0x0F;
	else if (c >= 0xF0 && c <= 0xF4)
		n = 4, min = 0x10000, c &= 0x07;
	else
		return 0;
	for (int i = 1; i < n; i++)
	{
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return 0;
	return n;
}

/*
 * ValidUtf8: message with each byte that is not part of a valid UTF-8
 * sequence replaced by '?' (malloc'd).  Messages quote what the client
 * sent (a path segment, a member name), cut to a length that may split a
 * character, and jansson refuses a string that is not UTF-8.
 */
static char *
ValidUtf8(const char *message)
{
	char *out = strdup(message);

	if (out == NULL)
		return NULL;
	for (unsigned char *p = (unsigned char *) out; *p;)
	{
		int n = Utf8Length(p);

		if (n == 0)
			*p++ = '?';
		else
			p += n;
	}
	return out;
}

void
reply_send_error(struct evhttp_request *req, int code, const char *reason,
				 const char *message)
{
	char *valid = ValidUtf8(message);
	json_t *j = json_pack("{s:{s:i,s:s}}", "error", "status", code, "message",
						  valid ? valid : "");
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	free(valid);
	if (text)
		reply_send_body(req, code, reason, "application/json", text,
						strlen(text));
	else
		reply_send_body(req, code, reason, "application/json", "{}", 2);
	free(text);
	json_decref(j);
}
