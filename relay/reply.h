/*
 * reply.h
 *	  Whole HTTP replies: a body with its type, a JSON error, the CORS
 *	  headers of an allowed origin.
 *
 * Design notes
 *
 * A leaf module: it knows evhttp and the configuration (CORS origins)
 * but neither the routes (http.c) nor the streams (stream.c), so both can
 * answer a request without including each other.
 */
#ifndef RELAY_REPLY_H
#define RELAY_REPLY_H

#include <stddef.h>

#include <event2/http.h>

/* Access-Control-Allow-Origin and Vary when the request's Origin is allowed */
extern void reply_add_cors(struct evhttp_request *req);

/* Reply code with body (len bytes of type), no-cache, CORS */
extern void reply_send_body(struct evhttp_request *req, int code,
							const char *reason, const char *type,
							const char *body, size_t len);

/* Reply code with {"error":{"status":code,"message":message}} */
extern void reply_send_error(struct evhttp_request *req, int code,
							 const char *reason, const char *message);

#endif /* RELAY_REPLY_H */
