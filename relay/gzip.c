/*
 * gzip.c
 *	  Content coding: Accept-Encoding, whole replies and event streams
 *	  compressed with gzip (zlib).
 *
 * Design notes
 *
 * Accept-Encoding (RFC 9110, 12.5.3): a list of codings, each with an
 * optional weight "q=" from 0 to 1 (three decimals at most).  gzip is
 * used when "gzip" or its alias "x-gzip" has a weight above 0, or "*"
 * has one and gzip is not named.  A coding named twice counts with its
 * lowest weight; an element whose weight is malformed ("q=2", "q=abc",
 * "q=0.0001") counts as absent, so a hostile header can only lose
 * compression, never break the reply.  Identity is always acceptable to
 * the relay: "identity;q=0" without gzip still gets identity (RFC 9110
 * allows it rather than a 406, and every client can read it).
 *
 * Whole replies are one gzip member, compressed with a shared z_stream
 * (level 6, the full 32 KB window: one compressor, so its 256 KB do not
 * matter).
 *
 * Streams and memory.  A stream is one gzip member that lasts as long as
 * the connection, and each round (output.c) must reach the browser at
 * once, so it ends with a sync flush (Z_SYNC_FLUSH: the deflate data up
 * to a byte boundary and an empty stored block), and heartbeats go the
 * same way.  The usual way, one z_stream per connection, costs for
 * deflate (1 << (windowBits + 2)) + (1 << (memLevel + 9)) bytes plus
 * about 6 KB of trees: 262 KB at the defaults (15, 8), still about 9 KB
 * at the smallest (windowBits 9, memLevel 1), against about 4 KB for an
 * idle uncompressed stream today; at 10,000 idle clients that is 2.6 GB
 * or 90 MB for nothing.  So the relay keeps no z_stream per stream.
 * Every round is compressed by one shared raw-deflate z_stream, reset
 * for it, with the stream's last GZIP_HISTORY bytes as a preset
 * dictionary (deflateSetDictionary), and the relay writes the gzip
 * framing itself: the 10-byte header before the first round, and at the
 * end an empty final block (0x03 0x00), the CRC-32 and the length, kept
 * per stream.  This is a valid single deflate stream: each round starts
 * on a byte boundary (the previous round's sync flush), no block before
 * the last is final, and a back-reference into the dictionary points at
 * bytes the client has already decoded (they are the stream's own last
 * output, well within the 32 KB a gzip decoder keeps).  The dictionary
 * is what gives small events their ratio: the events of one stream
 * repeat their names and shape, and GZIP_HISTORY (1 KB) holds several.
 * An idle compressed stream costs a GzipStream, about 1 KB more.
 *
 * The shared stream compressor is raw deflate, windowBits 15 (the
 * window must hold dictionary and round; one compressor, so 32 KB is
 * free) and memLevel GZIP_STREAM_MEM_LEVEL: deflateReset clears the hash
 * heads, 2 << (memLevel + 7) bytes, once per round and client, so a
 * small memLevel (5: 8 KB, and blocks of 2,048 symbols) keeps an event
 * sent to 10,000 streams from costing 10,000 64 KB clears.  Level 1
 * (fast): a round is compressed once per client, most are one small
 * event, and the dictionary finds the repeats at any level.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/queue.h>

#include <event2/keyvalq_struct.h>
#include <zlib.h>

#include "gzip.h"

/* Bytes of a stream's output kept as the next round's dictionary */
#define GZIP_HISTORY		  1024
#define GZIP_STREAM_LEVEL	  1
#define GZIP_STREAM_MEM_LEVEL 5
#define GZIP_WHOLE_LEVEL	  6
/* Output reserved per deflate call beyond deflateBound's estimate */
#define GZIP_OUT_SLACK		  64

struct GzipStream
{
	uint32_t crc;	   /* CRC-32 of everything compressed so far */
	uint32_t size;	   /* its length, modulo 2^32 (gzip's ISIZE) */
	uint16_t hist_len; /* bytes in hist */
	bool started;	   /* the header has been written */
	unsigned char hist[GZIP_HISTORY];
};

static struct
{
	z_stream raw; /* streams' rounds (raw deflate) */
	bool raw_ok;
	z_stream whole; /* whole replies (gzip) */
	bool whole_ok;
} gzs;

/* The 10-byte gzip header: deflate, no name, no time, unknown OS */
static const unsigned char GzipHeader[10] = {0x1f, 0x8b, 8, 0, 0,
											 0,	   0,	 0, 0, 255};

/* ------------------------------------------------------------------ */
/* Accept-Encoding */

static bool
IsOws(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Parse a weight's value s[0 .. n - 1] into thousandths; -1 when it is
 * not a qvalue
 */
static int
ParseQ(const char *s, size_t n)
{
	int q;
	size_t i;
	int scale = 100;

	if (n == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (n == 1)
		return q;
	if (s[1] != '.' || n > 5)
		return -1;
	for (i = 2; i < n; i++, scale /= 10)
	{
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * scale;
	}
	return q > 1000 ? -1 : q;
}

/*
 * One list element e[0 .. n - 1]: its coding (trimmed, in *coding and
 * *clen) and weight (1000 when none); false if malformed
 */
static bool
ParseElement(const char *e, size_t n, const char **coding, size_t *clen,
			 int *q)
{
	size_t i = 0;
	size_t end;

	*q = 1000;
	while (i < n && IsOws(e[i]))
		i++;
	*coding = e + i;
	while (i < n && e[i] != ';' && !IsOws(e[i]))
		i++;
	*clen = (size_t) (e + i - *coding);
	while (i < n && IsOws(e[i]))
		i++;
	if (i == n)
		return *clen > 0;
	if (e[i] != ';')
		return false;
	/* Parameters: only q is defined for Accept-Encoding */
	for (i++; i < n && IsOws(e[i]); i++)
		;
	if (n - i < 2 || (e[i] != 'q' && e[i] != 'Q') || e[i + 1] != '=')
		return false;
	i += 2;
	end = n;
	while (end > i && IsOws(e[end - 1]))
		end--;
	*q = ParseQ(e + i, end - i);
	return *q >= 0 && *clen > 0;
}

static bool
Is(const char *coding, size_t clen, const char *name)
{
	return clen == strlen(name) && strncasecmp(coding, name, clen) == 0;
}

/* Fold one header value into the weights of gzip and "*" (-1: unnamed) */
static void
Weigh(const char *value, int *gzip_q, int *star_q)
{
	const char *p = value;

	while (*p)
	{
		const char *comma = strchr(p, ',');
		size_t n = comma ? (size_t) (comma - p) : strlen(p);
		const char *coding;
		size_t clen;
		int q;

		if (ParseElement(p, n, &coding, &clen, &q))
		{
			int *w = NULL;

			if (Is(coding, clen, "gzip") || Is(coding, clen, "x-gzip"))
				w = gzip_q;
			else if (Is(coding, clen, "*"))
				w = star_q;
			if (w && (*w < 0 || q < *w))
				*w = q;
		}
		p += n;
		if (*p == ',')
			p++;
	}
}

bool
gzip_accepts(const char *accept_encoding)
{
	int gzip_q = -1;
	int star_q = -1;

	if (accept_encoding == NULL)
		return false;
	Weigh(accept_encoding, &gzip_q, &star_q);
	return gzip_q >= 0 ? gzip_q > 0 : star_q > 0;
}

bool
gzip_accepted(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_input_headers(req);
	int gzip_q = -1;
	int star_q = -1;
	bool any = false;

	for (struct evkeyval *kv = h->tqh_first; kv; kv = kv->next.tqe_next)
	{
		if (strcasecmp(kv->key, "Accept-Encoding") != 0)
			continue;
		any = true;
		Weigh(kv->value, &gzip_q, &star_q);
	}
	return any && (gzip_q >= 0 ? gzip_q > 0 : star_q > 0);
}

/* ------------------------------------------------------------------ */
/* Compression */

/*
 * Run z over its whole input with flush, appending the output to out;
 * false on a zlib error
 */
static bool
Deflate(z_stream *z, int flush, struct evbuffer *out)
{
	for (;;)
	{
		struct evbuffer_iovec v;
		size_t room = deflateBound(z, z->avail_in) + GZIP_OUT_SLACK;
		int rc;

		if (evbuffer_reserve_space(out, (ev_ssize_t) room, &v, 1) < 1)
			return false;
		z->next_out = v.iov_base;
		z->avail_out = (uInt) v.iov_len;
		rc = deflate(z, flush);
		v.iov_len -= z->avail_out;
		evbuffer_commit_space(out, &v, 1);
		if (rc == Z_STREAM_END)
			return true;
		if (rc != Z_OK && rc != Z_BUF_ERROR)
			return false;
		/* Done when the input is consumed and the output did not fill */
		if (z->avail_in == 0 && z->avail_out > 0)
			return true;
	}
}

bool
gzip_whole(struct evbuffer *out, const char *body, size_t len)
{
	if (!gzs.whole_ok)
	{
		/* 15 + 16: a gzip header and trailer around the deflate data */
		if (deflateInit2(&gzs.whole, GZIP_WHOLE_LEVEL, Z_DEFLATED, 15 + 16, 8,
						 Z_DEFAULT_STRATEGY) != Z_OK)
			return false;
		gzs.whole_ok = true;
	}
	else if (deflateReset(&gzs.whole) != Z_OK)
		return false;
	if (len > UINT32_MAX)
		return false;
	gzs.whole.next_in = (Bytef *) body;
	gzs.whole.avail_in = (uInt) len;
	return Deflate(&gzs.whole, Z_FINISH, out);
}

GzipStream *
gzip_stream_new(void)
{
	GzipStream *gz = calloc(1, sizeof(GzipStream));

	if (gz == NULL)
		abort();
	gz->crc = (uint32_t) crc32(0L, Z_NULL, 0);
	return gz;
}

void
gzip_stream_free(GzipStream *gz)
{
	free(gz);
}

/* Keep the last GZIP_HISTORY bytes of gz's output, after p[0 .. n - 1] */
static void
Remember(GzipStream *gz, const unsigned char *p, size_t n)
{
	if (n >= GZIP_HISTORY)
	{
		memcpy(gz->hist, p + n - GZIP_HISTORY, GZIP_HISTORY);
		gz->hist_len = GZIP_HISTORY;
		return;
	}
	if (gz->hist_len + n > GZIP_HISTORY)
	{
		size_t drop = gz->hist_len + n - GZIP_HISTORY;

		memmove(gz->hist, gz->hist + drop, gz->hist_len - drop);
		gz->hist_len -= (uint16_t) drop;
	}
	memcpy(gz->hist + gz->hist_len, p, n);
	gz->hist_len += (uint16_t) n;
}

/* Append the 32-bit v to out, least significant byte first */
static void
AddLe32(struct evbuffer *out, uint32_t v)
{
	unsigned char b[4] = {v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff,
						  (v >> 24) & 0xff};

	evbuffer_add(out, b, 4);
}

/* Compress in[0 .. len - 1] as gz's next round into out */
static bool
Round(GzipStream *gz, const unsigned char *in, size_t len,
	  struct evbuffer *out)
{
	if (!gzs.raw_ok)
	{
		/* Negative windowBits: raw deflate, the framing is ours */
		if (deflateInit2(&gzs.raw, GZIP_STREAM_LEVEL, Z_DEFLATED, -15,
						 GZIP_STREAM_MEM_LEVEL, Z_DEFAULT_STRATEGY) != Z_OK)
			return false;
		gzs.raw_ok = true;
	}
	else if (deflateReset(&gzs.raw) != Z_OK)
		return false;
	if (gz->hist_len > 0 &&
		deflateSetDictionary(&gzs.raw, gz->hist, gz->hist_len) != Z_OK)
		return false;
	gzs.raw.next_in = (Bytef *) in;
	gzs.raw.avail_in = (uInt) len;
	return Deflate(&gzs.raw, Z_SYNC_FLUSH, out);
}

bool
gzip_stream_round(GzipStream *gz, struct evbuffer *buf, bool last)
{
	size_t len = evbuffer_get_length(buf);
	struct evbuffer *out;
	unsigned char *in;
	bool ok = true;

	if (len == 0 && !last)
		return true;
	if (len > UINT32_MAX)
		return false;
	out = evbuffer_new();
	if (out == NULL)
		return false;
	if (!gz->started)
		evbuffer_add(out, GzipHeader, sizeof(GzipHeader));
	if (len > 0)
	{
		in = evbuffer_pullup(buf, -1);
		ok = in != NULL && Round(gz, in, len, out);
		if (ok)
		{
			gz->crc = (uint32_t) crc32(gz->crc, in, (uInt) len);
			gz->size += (uint32_t) len;
			Remember(gz, in, len);
		}
	}
	if (ok && last)
	{
		/* An empty final block with fixed codes, then the trailer */
		static const unsigned char final_block[2] = {0x03, 0x00};

		evbuffer_add(out, final_block, sizeof(final_block));
		AddLe32(out, gz->crc);
		AddLe32(out, gz->size);
	}
	if (ok)
	{
		gz->started = true;
		evbuffer_drain(buf, len);
		evbuffer_add_buffer(buf, out);
	}
	evbuffer_free(out);
	return ok;
}

void
gzip_shutdown(void)
{
	if (gzs.raw_ok)
		deflateEnd(&gzs.raw);
	if (gzs.whole_ok)
		deflateEnd(&gzs.whole);
	gzs.raw_ok = gzs.whole_ok = false;
}
