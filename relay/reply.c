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

void
reply_send_error(struct evhttp_request *req, int code, const char *reason,
				 const char *message)
{
	json_t *j = json_pack("{s:{s:i,s:s}}", "error", "status", code, "message",
						  message);
	char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;

	if (text)
		reply_send_body(req, code, reason, "application/json", text,
						strlen(text));
	else
		reply_send_body(req, code, reason, "application/json", "{}", 2);
	free(text);
	json_decref(j);
}
