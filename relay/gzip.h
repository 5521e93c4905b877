/*
 * gzip.h
 *	  Content coding: whether a request accepts gzip, whole replies
 *	  compressed at once, event streams compressed round by round.
 *
 * Design notes
 *
 * See gzip.c.  A stream's state (GzipStream) is about a kilobyte; the
 * compressor itself is shared by every stream.
 */
#ifndef RELAY_GZIP_H
#define RELAY_GZIP_H

#include <stdbool.h>
#include <stddef.h>

#include <event2/buffer.h>
#include <event2/http.h>

typedef struct GzipStream GzipStream;

/*
 * Whether an Accept-Encoding value accepts gzip: "gzip" (or "x-gzip")
 * with a weight above 0, or "*" above 0 when gzip is not named.  NULL
 * (no header) and malformed elements accept nothing.
 */
extern bool gzip_accepts(const char *accept_encoding);

/* Whether req accepts gzip, over all its Accept-Encoding headers */
extern bool gzip_accepted(struct evhttp_request *req);

/* Append len bytes of body to out as one gzip member; false on failure */
extern bool gzip_whole(struct evbuffer *out, const char *body, size_t len);

/* A new stream's state (the gzip header goes with its first round) */
extern GzipStream *gzip_stream_new(void);
extern void gzip_stream_free(GzipStream *gz);

/*
 * Replace the bytes of buf with their compressed form, flushed so that
 * the peer can decode all of them at once; with last, the end of the
 * gzip member follows.  false on failure (buf is then unchanged).
 */
extern bool gzip_stream_round(GzipStream *gz, struct evbuffer *buf, bool last);

/* Free the shared compressors (at exit) */
extern void gzip_shutdown(void);

#endif /* RELAY_GZIP_H */
