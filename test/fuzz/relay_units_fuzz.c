/*
 * relay_units_fuzz.c
 *	  A libFuzzer target for the relay's pure parsers and encoders: the
 *	  Last-Event-ID cursor parser, the SSE event and comment encoders,
 *	  NOTIFY payload splitting and minifying, and '*' pattern matching.
 *
 * Design notes
 *
 * Built by test/fuzz/fuzz.sh with clang -fsanitize=fuzzer,address,
 * undefined (UBSan errors abort), linking relay/sse.c, relay/payload.c
 * and relay/names.c as they are.  The first input byte chooses the
 * function; the rest is its input, cut at NUL bytes where it takes
 * several strings.  Beyond "no crash", each function's contract is
 * checked and a broken one aborts (so libFuzzer saves the input):
 *	  - a cursor that parses formats back to one that parses to the same
 *		positions, within SSE_CURSOR_MAX_LEN;
 *	  - an event is "id:", "event:" and "data:" lines ending in LF only,
 *		then one blank line, with an id of [A-Za-z0-9._-] only, and its data
 *		lines joined by LF give the data with CRLF and CR made LF;
 *	  - a comment is lines starting with ':';
 *	  - payload items lie inside the input and have positive ids; minify
 *		never grows its input and is idempotent;
 *	  - names_glob_match agrees with a straightforward matcher;
 *	  - webtoken_verify (relay/webtoken.c, with libjwt) gives one of its
 *		statuses for any token and claim path, a role of 1 to
 *		JWT_ROLE_MAX bytes when it accepts one (the seed is a token signed
 *		with the target's secret, so mutations reach past the signature
 *		only through libjwt's and the claims' parsing);
 *	  - gzip_accepts (relay/gzip.c) never accepts a header that names
 *		"gzip;q=0", whatever comes before it;
 *	  - a gzip stream (gzip_stream_round) of rounds cut at NUL bytes:
 *		after each round, zlib's own inflate has decoded exactly the bytes
 *		given so far (each round is flushed), and after the last, the
 *		gzip member ends with a trailer zlib accepts (CRC-32, length);
 *	  - tpvalue_parse and tpvalue_values (relay/tpvalue.c) give a message
 *		whenever they refuse, and array literals in braces when they
 *		accept;
 *	  - mpoint_parse (relay/mpoint.c) gives a message whenever it refuses,
 *		and when it accepts three array literals of n elements each, every
 *		longitude in [-180, 180] and latitude in [-90, 90].
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "gzip.h"
#include "mpoint.h"
#include "names.h"
#include "payload.h"
#include "sse.h"
#include "tpvalue.h"
#include "webtoken.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define REQUIRE(cond)                                                         \
	do                                                                        \
	{                                                                         \
		if (!(cond))                                                          \
		{                                                                     \
			fprintf(stderr,                                                   \
					"relay_units_fuzz: broken contract: %s (%s:%d)\n", #cond, \
					__FILE__, __LINE__);                                      \
			abort();                                                          \
		}                                                                     \
	} while (0)

/* A NUL-terminated copy of the next piece of the input (up to a NUL) */
static char *
Piece(const uint8_t **p, const uint8_t *end)
{
	const uint8_t *q = *p;
	size_t n;
	char *s;

	while (q < end && *q)
		q++;
	n = (size_t) (q - *p);
	s = malloc(n + 1);
	REQUIRE(s != NULL);
	memcpy(s, *p, n);
	s[n] = '\0';
	*p = q < end ? q + 1 : q;
	return s;
}

static void
FuzzCursor(const uint8_t *p, const uint8_t *end)
{
	char *text = Piece(&p, end);
	CursorPos pos[SSE_CURSOR_MAX], again[SSE_CURSOR_MAX];
	int n = sse_cursor_parse(text, pos, SSE_CURSOR_MAX);

	REQUIRE(n == -1 || (n >= 1 && n <= SSE_CURSOR_MAX));
	if (n > 0)
	{
		StrBuf b;
		int m;

		for (int i = 0; i < n; i++)
			REQUIRE(pos[i].qid >= 1 && pos[i].qid <= SSE_MAX_QUERY_ID &&
					pos[i].seq >= 0 && pos[i].seq < SSE_ID_BASE);
		strbuf_init(&b);
		sse_cursor_format(&b, pos, n); /* sorts pos */
		REQUIRE(b.len <= SSE_CURSOR_MAX_LEN);
		m = sse_cursor_parse(b.data, again, SSE_CURSOR_MAX);
		REQUIRE(m == n);
		for (int i = 0; i < n; i++)
			REQUIRE(again[i].qid == pos[i].qid && again[i].seq == pos[i].seq);
		strbuf_free(&b);
	}
	free(text);
}

static bool
IdChar(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		(c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}

static void
FuzzEvent(const uint8_t *p, const uint8_t *end)
{
	char *id = Piece(&p, end);
	char *event = Piece(&p, end);
	const char *data = (const char *) p;
	size_t datalen = (size_t) (end - p);
	StrBuf b, want, got;
	size_t i = 0;
	bool seen_data = false;

	strbuf_init(&b);
	strbuf_init(&want);
	strbuf_init(&got);
	sse_format_event(&b, id[0] ? id : NULL, event[0] ? event : NULL, data,
					 datalen);
	/* The data as a client reads it back: CRLF and CR become LF */
	for (size_t k = 0; k < datalen; k++)
	{
		if (data[k] == '\r')
		{
			strbuf_append(&want, "\n", 1);
			if (k + 1 < datalen && data[k + 1] == '\n')
				k++;
		}
		else
			strbuf_append(&want, data + k, 1);
	}
	REQUIRE(b.len >= 2 && b.data[b.len - 1] == '\n' &&
			b.data[b.len - 2] == '\n');
	REQUIRE(memchr(b.data, '\r', b.len) == NULL);
	/* Line by line up to the final blank line */
	while (i < b.len - 1)
	{
		char *nl = memchr(b.data + i, '\n', b.len - i);
		size_t llen = (size_t) (nl - (b.data + i));
		const char *line = b.data + i;

		REQUIRE(nl != NULL);
		if (llen >= 4 && memcmp(line, "id: ", 4) == 0)
		{
			REQUIRE(!seen_data && llen - 4 <= SSE_MAX_ID && llen > 4);
			for (size_t k = 4; k < llen; k++)
				REQUIRE(IdChar(line[k]));
		}
		else if (llen >= 7 && memcmp(line, "event: ", 7) == 0)
			REQUIRE(!seen_data && llen - 7 <= SSE_MAX_EVENT);
		else
		{
			REQUIRE(llen >= 6 && memcmp(line, "data: ", 6) == 0);
			if (seen_data)
				strbuf_append(&got, "\n", 1);
			strbuf_append(&got, line + 6, llen - 6);
			seen_data = true;
		}
		i += llen + 1;
	}
	REQUIRE(got.len == want.len &&
			(want.len == 0 || memcmp(got.data, want.data, want.len) == 0));
	strbuf_free(&b);
	strbuf_free(&want);
	strbuf_free(&got);
	free(id);
	free(event);
}

static void
FuzzComment(const uint8_t *p, const uint8_t *end)
{
	char *text = Piece(&p, end);
	StrBuf b;
	size_t i = 0;

	strbuf_init(&b);
	sse_format_comment(&b, text);
	REQUIRE(b.len > 0 && b.data[b.len - 1] == '\n');
	REQUIRE(memchr(b.data, '\r', b.len) == NULL);
	while (i < b.len)
	{
		char *nl = memchr(b.data + i, '\n', b.len - i);

		REQUIRE(nl != NULL && b.data[i] == ':');
		i = (size_t) (nl - b.data) + 1;
	}
	strbuf_free(&b);
	free(text);
}

static bool
IsBlank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static void
FuzzPayload(const uint8_t *p, const uint8_t *end)
{
	size_t len = (size_t) (end - p);
	/* An exact-size copy, so ASan sees any read past the end */
	char *text = malloc(len ? len : 1);
	PayloadItem *items = NULL;
	StrBuf once, twice;
	int n;

	REQUIRE(text != NULL);
	memcpy(text, p, len);
	n = payload_parse(text, len, &items);
	REQUIRE(n == -1 || n >= 1);
	for (int i = 0; i < n; i++)
	{
		REQUIRE(items[i].text >= text &&
				items[i].text + items[i].len <= text + len);
		REQUIRE(items[i].id > 0);
		REQUIRE(items[i].key == NULL || items[i].has_key);
	}
	payload_items_free(items, n);

	strbuf_init(&once);
	strbuf_init(&twice);
	payload_minify(&once, text, len);
	REQUIRE(once.len <= len);
	payload_minify(&twice, once.data ? once.data : "", once.len);
	REQUIRE(twice.len == once.len &&
			(once.len == 0 || memcmp(once.data, twice.data, once.len) == 0));
	/* Outside strings, no blank is left */
	{
		bool in_str = false;

		for (size_t i = 0; i < once.len; i++)
		{
			if (in_str)
			{
				if (once.data[i] == '\\')
					i++;
				else if (once.data[i] == '"')
					in_str = false;
			}
			else if (once.data[i] == '"')
				in_str = true;
			else
				REQUIRE(!IsBlank(once.data[i]));
		}
	}
	strbuf_free(&once);
	strbuf_free(&twice);
	free(text);
}

/* Does pattern (with '*') match name?  Dynamic programming, no tricks */
static bool
RefGlob(const char *pat, const char *name)
{
	size_t pl = strlen(pat), nl = strlen(name);
	bool *row = calloc(nl + 1, sizeof(bool)), *next = calloc(nl + 1, 1);
	bool r;

	REQUIRE(row && next);
	/* row[j]: pat[0..i) matches name[0..j) */
	row[0] = true;
	for (size_t i = 0; i < pl; i++)
	{
		bool *t;

		next[0] = row[0] && pat[i] == '*';
		for (size_t j = 1; j <= nl; j++)
			next[j] = pat[i] == '*' ? (row[j] || next[j - 1])
									: (row[j - 1] && pat[i] == name[j - 1]);
		t = row;
		row = next;
		next = t;
	}
	r = row[nl];
	free(row);
	free(next);
	return r;
}

static void
FuzzGlob(const uint8_t *p, const uint8_t *end)
{
	char *pattern = Piece(&p, end);
	char *name = Piece(&p, end);

	/* Names and patterns are at most 47 characters (http.c) */
	if (strlen(pattern) <= 200 && strlen(name) <= 200)
	{
		REQUIRE(names_glob_match(pattern, name) == RefGlob(pattern, name));
		REQUIRE(names_is_pattern(pattern) == (strchr(pattern, '*') != NULL));
	}
	free(pattern);
	free(name);
}

/* A token (and a claim path) under a configuration with a secret only */
static void
FuzzWebToken(const uint8_t *p, const uint8_t *end)
{
	char *token = Piece(&p, end);
	char *path = Piece(&p, end);
	RelayConfig cfg;
	char role[JWT_ROLE_MAX + 1];
	int64_t exp;
	JwtStatus st;

	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_secret = "relay-fuzz-secret-0123456789abcdefghij";
	cfg.jwt_role_claim = webtoken_claim_path_valid(path) ? path : ".role";
	st = webtoken_verify(&cfg, token, 1700000000, role, &exp);
	REQUIRE(st >= JWT_OK && st <= JWT_NOT_CONFIGURED);
	REQUIRE(webtoken_status_message(st) != NULL);
	if (st == JWT_OK)
		REQUIRE(strlen(role) >= 1 && strlen(role) <= JWT_ROLE_MAX);
	if (st == JWT_OK || st == JWT_NO_ROLE)
		REQUIRE(exp >= 0);
	free(token);
	free(path);
}

/* An Accept-Encoding value, and the same with "gzip;q=0" after it */
static void
FuzzAcceptEncoding(const uint8_t *p, const uint8_t *end)
{
	char *h = Piece(&p, end);
	size_t n = strlen(h);
	char *refused = malloc(n + 16);

	REQUIRE(refused != NULL);
	(void) gzip_accepts(h);
	memcpy(refused, h, n);
	memcpy(refused + n, ",gzip;q=0", 10);
	REQUIRE(!gzip_accepts(refused));
	free(refused);
	free(h);
}

/* Inflate what z has been given into out; false on a zlib error */
static bool
InflateAll(z_stream *z, StrBuf *out, bool *ended)
{
	unsigned char buf[4096];

	do
	{
		int rc;

		z->next_out = buf;
		z->avail_out = sizeof(buf);
		rc = inflate(z, Z_SYNC_FLUSH);
		if (rc == Z_STREAM_END)
			*ended = true;
		else if (rc != Z_OK && rc != Z_BUF_ERROR)
			return false;
		strbuf_append(out, buf, sizeof(buf) - z->avail_out);
	} while (z->avail_out == 0);
	return true;
}

/* Rounds cut at NUL bytes through one gzip stream, decoded by zlib */
static void
FuzzGzipStream(const uint8_t *p, const uint8_t *end)
{
	GzipStream *gz = gzip_stream_new();
	struct evbuffer *buf = evbuffer_new();
	z_stream z;
	StrBuf given;
	StrBuf got;
	bool ended = false;

	REQUIRE(buf != NULL);
	memset(&z, 0, sizeof(z));
	REQUIRE(inflateInit2(&z, 15 + 16) == Z_OK);
	strbuf_init(&given);
	strbuf_init(&got);
	for (;;)
	{
		bool last = p >= end;
		char *round = Piece(&p, end);
		size_t n = strlen(round);
		unsigned char *out;
		size_t len;

		strbuf_append(&given, round, n);
		evbuffer_add(buf, round, n);
		REQUIRE(gzip_stream_round(gz, buf, last));
		len = evbuffer_get_length(buf);
		out = evbuffer_pullup(buf, -1);
		z.next_in = out;
		z.avail_in = (uInt) len;
		REQUIRE(len == 0 || InflateAll(&z, &got, &ended));
		evbuffer_drain(buf, len);
		/* Flushed: everything given so far has been decoded */
		REQUIRE(got.len == given.len &&
				(got.len == 0 || memcmp(got.data, given.data, got.len) == 0));
		free(round);
		if (last)
			break;
		REQUIRE(!ended);
	}
	REQUIRE(ended && z.avail_in == 0);
	inflateEnd(&z);
	strbuf_free(&given);
	strbuf_free(&got);
	evbuffer_free(buf);
	gzip_stream_free(gz);
}

/* A TemporalPrimitiveValue body, then its values as each type */
static void
FuzzTpValue(const uint8_t *p, const uint8_t *end)
{
	static const char *const columns[] = {"double precision", "bigint", "text",
										  "boolean", "smallint"};
	static const TpType types[] = {TP_REAL, TP_INT, TP_TEXT, TP_BOOL, TP_INT};
	char msg[TPVALUE_MSG_MAX];
	TpValue tp;

	msg[0] = '\0';
	if (!tpvalue_parse(&tp, (const char *) p, (size_t) (end - p), msg))
	{
		REQUIRE(msg[0] != '\0');
		return;
	}
	REQUIRE(tp.n >= 1 && tp.datetimes.len >= 2 &&
			tp.datetimes.data[0] == '{' &&
			tp.datetimes.data[tp.datetimes.len - 1] == '}');
	for (int i = 0; i < 5; i++)
	{
		StrBuf out;

		strbuf_init(&out);
		msg[0] = '\0';
		if (tpvalue_values(&tp, types[i], columns[i], &out, msg))
			REQUIRE(out.len >= 2 && out.data[0] == '{' &&
					out.data[out.len - 1] == '}');
		else
			REQUIRE(msg[0] != '\0');
		strbuf_free(&out);
	}
	tpvalue_free(&tp);
}

/* The n numbers of literal {a,b,...} within [lo, hi] */
static void
CheckNumbers(const StrBuf *lit, size_t n, double lo, double hi)
{
	const char *s = lit->data;
	size_t count = 0;

	REQUIRE(lit->len >= 3 && s[0] == '{' && s[lit->len - 1] == '}');
	s++;
	while (*s != '}')
	{
		char *e;
		double v = strtod(s, &e);

		REQUIRE(e != s && v >= lo && v <= hi && (*e == ',' || *e == '}'));
		count++;
		s = *e == ',' ? e + 1 : e;
	}
	REQUIRE(count == n);
}

/* An MF-JSON MovingPoint body */
static void
FuzzMovingPoint(const uint8_t *p, const uint8_t *end)
{
	char msg[TPVALUE_MSG_MAX];
	MPoint mp;

	msg[0] = '\0';
	if (!mpoint_parse(&mp, (const char *) p, (size_t) (end - p), msg))
	{
		REQUIRE(msg[0] != '\0' && mp.n == 0 && mp.lons.len == 0);
		return;
	}
	REQUIRE(mp.n >= 1 && mp.datetimes.len >= 2 &&
			mp.datetimes.data[0] == '{' &&
			mp.datetimes.data[mp.datetimes.len - 1] == '}');
	CheckNumbers(&mp.lons, mp.n, -180, 180);
	CheckNumbers(&mp.lats, mp.n, -90, 90);
	mpoint_free(&mp);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *end = data + size;

	if (size == 0)
		return 0;
	switch (data[0] % 10)
	{
		case 0:
			FuzzCursor(data + 1, end);
			break;
		case 1:
			FuzzEvent(data + 1, end);
			break;
		case 2:
			FuzzComment(data + 1, end);
			break;
		case 3:
			FuzzPayload(data + 1, end);
			break;
		case 4:
			FuzzGlob(data + 1, end);
			break;
		case 5:
			FuzzWebToken(data + 1, end);
			break;
		case 6:
			FuzzAcceptEncoding(data + 1, end);
			break;
		case 7:
			FuzzGzipStream(data + 1, end);
			break;
		case 8:
			FuzzTpValue(data + 1, end);
			break;
		default:
			FuzzMovingPoint(data + 1, end);
			break;
	}
	return 0;
}
