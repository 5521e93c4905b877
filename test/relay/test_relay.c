/*
 * test_relay.c
 *	  Unit tests of the relay's pure parts: the SSE encoder, cursors and
 *	  Last-Event-ID validation, logged results, token comparison, Host
 *	  checks, password redaction, query names and patterns, events in
 *	  their shared wire form.
 *
 * Design notes
 *
 * Prints one line per check, "ok NAME" or "not ok NAME: expected ...,
 * got ...", which test/relay/unit.sh turns into cq_pass/cq_fail.  Built
 * with ASan and UBSan (make relay-unit), so an overrun in a parser fails
 * the run even when the output looks right.  Exit status 1 if any check
 * failed.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "names.h"
#include "payload.h"
#include "sse.h"
#include "webtoken.h"
#include "wire.h"

static int failures;

/* Escape CR, LF and NUL-free control bytes for a one-line message */
static const char *
Visible(const char *s, size_t len)
{
	static char buf[2][1024];
	static int which;
	char *out = buf[which ^= 1];
	size_t n = 0;

	for (size_t i = 0; i < len && n + 5 < sizeof(buf[0]); i++)
	{
		if (s[i] == '\n')
			n += snprintf(out + n, 5, "\\n");
		else if (s[i] == '\r')
			n += snprintf(out + n, 5, "\\r");
		else
			out[n++] = s[i];
	}
	out[n] = '\0';
	return out;
}

static void
CheckBytes(const char *name, const char *expected, const char *got,
		   size_t got_len)
{
	if (strlen(expected) == got_len && memcmp(expected, got, got_len) == 0)
		printf("ok %s\n", name);
	else
	{
		printf("not ok %s: expected \"%s\", got \"%s\"\n", name,
			   Visible(expected, strlen(expected)), Visible(got, got_len));
		failures++;
	}
}

static void
CheckInt(const char *name, long long expected, long long got)
{
	if (expected == got)
		printf("ok %s\n", name);
	else
	{
		printf("not ok %s: expected %lld, got %lld\n", name, expected, got);
		failures++;
	}
}

static void
CheckEvent(const char *name, const char *id, const char *event,
		   const char *data, size_t len, const char *expected)
{
	StrBuf b;

	strbuf_init(&b);
	sse_format_event(&b, id, event, data, len);
	CheckBytes(name, expected, b.data, b.len);
	strbuf_free(&b);
}

static void
TestEncoder(void)
{
	StrBuf b;
	static const char nul_data[] = {'a', '\0', 'b'};

	CheckEvent("sse: plain event", "7", "instant", "{\"a\":1}", 7,
			   "id: 7\nevent: instant\ndata: {\"a\":1}\n\n");
	CheckEvent("sse: LF splits data", NULL, NULL, "a\nb", 3,
			   "data: a\ndata: b\n\n");
	CheckEvent("sse: CR splits data", NULL, NULL, "a\rb", 3,
			   "data: a\ndata: b\n\n");
	CheckEvent("sse: CRLF is one break", NULL, NULL, "a\r\nb", 4,
			   "data: a\ndata: b\n\n");
	CheckEvent("sse: mixed breaks", NULL, NULL, "a\n\rb\r\r\nc\n", 9,
			   "data: a\ndata: \ndata: b\ndata: \ndata: c\ndata: \n\n");
	CheckEvent("sse: trailing CR", NULL, NULL, "x\r", 2,
			   "data: x\ndata: \n\n");
	CheckEvent("sse: empty data", NULL, NULL, "", 0, "data: \n\n");
	strbuf_init(&b);
	sse_format_event(&b, NULL, NULL, nul_data, 3);
	CheckInt("sse: NUL in data stays inside its line", 1,
			 b.len == 11 && memcmp(b.data, "data: a\0b\n\n", 11) == 0);
	strbuf_free(&b);
	CheckEvent("sse: id without CR/LF/NUL and unsafe characters",
			   "1\r\nevent: x\0", NULL, "d", 1, "id: 1eventx\ndata: d\n\n");
	CheckEvent("sse: id keeps [A-Za-z0-9._-]", "aZ09._-:/ ", NULL, "d", 1,
			   "id: aZ09._-\ndata: d\n\n");
	CheckEvent("sse: id of only unsafe characters is left out", "\r\n: ", NULL,
			   "d", 1, "data: d\n\n");
	CheckEvent("sse: event type without CR/LF", NULL, "win\r\ndow", "d", 1,
			   "event: window\ndata: d\n\n");
	CheckEvent("sse: empty event type is left out", NULL, "\n", "d", 1,
			   "data: d\n\n");
	{
		char longid[SSE_MAX_ID + 100];
		char expected[SSE_MAX_ID + 100];

		memset(longid, '9', sizeof(longid) - 1);
		longid[sizeof(longid) - 1] = '\0';
		strcpy(expected, "id: ");
		memset(expected + 4, '9', SSE_MAX_ID);
		strcpy(expected + 4 + SSE_MAX_ID, "\ndata: d\n\n");
		CheckEvent("sse: long id cut", longid, NULL, "d", 1, expected);
	}
	strbuf_init(&b);
	sse_format_retry(&b, 2000);
	CheckBytes("sse: retry all digits", "retry: 2000\n", b.data, b.len);
	strbuf_reset(&b);
	sse_format_retry(&b, -5);
	CheckBytes("sse: negative retry written as 0", "retry: 0\n", b.data,
			   b.len);
	strbuf_reset(&b);
	sse_format_comment(&b, "hi\r\nthere");
	CheckBytes("sse: comment split into comment lines", ": hi\n: there\n",
			   b.data, b.len);
	strbuf_free(&b);
}

static void
ParseCase(const char *text, int expected_n)
{
	CursorPos pos[8];
	char name[200];

	snprintf(name, sizeof(name), "cursor: \"%s\" -> %d positions",
			 Visible(text, strlen(text)), expected_n);
	CheckInt(name, expected_n, sse_cursor_parse(text, pos, 8));
}

/*
 * The longest cursor a stream can write (SSE_CURSOR_MAX positions, each
 * as long as possible) is accepted back whole; one position more is not,
 * which is why streams are refused past STREAM_MAX_QUERIES.
 */
static void
TestCursorBound(void)
{
	static CursorPos pos[SSE_CURSOR_MAX + 1];
	static CursorPos back[SSE_CURSOR_MAX + 1];
	StrBuf b;

	for (int i = 0; i <= SSE_CURSOR_MAX; i++)
	{
		pos[i].qid = SSE_MAX_QUERY_ID - i;
		pos[i].seq = SSE_ID_BASE - 1;
	}
	strbuf_init(&b);
	sse_cursor_format(&b, pos, SSE_CURSOR_MAX);
	CheckInt("cursor: longest written fits the parser's limit", 1,
			 b.len <= SSE_CURSOR_MAX_LEN);
	CheckInt("cursor: longest written parsed back whole", SSE_CURSOR_MAX,
			 sse_cursor_parse(b.data, back, SSE_CURSOR_MAX));
	strbuf_reset(&b);
	for (int i = 0; i <= SSE_CURSOR_MAX; i++)
	{
		pos[i].qid = SSE_MAX_QUERY_ID - i;
		pos[i].seq = SSE_ID_BASE - 1;
	}
	sse_cursor_format(&b, pos, SSE_CURSOR_MAX + 1);
	CheckInt("cursor: one position over the bound refused", -1,
			 sse_cursor_parse(b.data, back, SSE_CURSOR_MAX + 1));
	strbuf_free(&b);
}

static void
TestCursor(void)
{
	CursorPos pos[8];
	StrBuf b;
	int n;
	char big[5000];

	n = sse_cursor_parse("1000000000007", pos, 8);
	CheckInt("cursor: plain id parsed", 1, n);
	CheckInt("cursor: plain id query", 1, pos[0].qid);
	CheckInt("cursor: plain id sequence", 7, pos[0].seq);
	n = sse_cursor_parse("2-15.1-7", pos, 8);
	CheckInt("cursor: composite parsed", 2, n);
	CheckInt("cursor: composite second query", 1, pos[1].qid);
	CheckInt("cursor: composite second sequence", 7, pos[1].seq);
	strbuf_init(&b);
	sse_cursor_format(&b, pos, n);
	CheckBytes("cursor: formatted sorted by query", "1-7.2-15", b.data, b.len);
	strbuf_free(&b);
	n = sse_cursor_parse("9223372-999999999999", pos, 8);
	CheckInt("cursor: largest position", 1, n);
	/* Invalid values are refused (treated as absent by the caller) */
	ParseCase("", -1);
	ParseCase("abc", -1);
	ParseCase("-1", -1);
	ParseCase("0", -1);
	ParseCase("7", -1); /* query id 0 */
	ParseCase("99999999999999999999999", -1);
	ParseCase("9223372036854775808", -1); /* over int64 */
	ParseCase("1-", -1);
	ParseCase("-5", -1);
	ParseCase("1-2.", -1);
	ParseCase("1-2..3-4", -1);
	ParseCase("1-2.1-3", -1); /* a query twice */
	ParseCase("0-5", -1);
	ParseCase("9223373-1", -1);
	ParseCase("1-1000000000000", -1);
	ParseCase("1-2-3", -1);
	ParseCase("1 -2", -1);
	ParseCase("1-2\r\n", -1);
	ParseCase("1-1.2-2.3-3.4-4.5-5.6-6.7-7.8-8.9-9", -1); /* over max */
	memset(big, '1', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	CheckInt("cursor: 5000 characters refused", -1,
			 sse_cursor_parse(big, pos, 8));
	CheckInt("cursor: NULL refused", -1, sse_cursor_parse(NULL, pos, 8));
	TestCursorBound();
}

static void
TestPayload(void)
{
	PayloadItem *items;
	int n;
	const char *obj = "{\"query\":\"q\",\"id\":1000000000001,\"key\":\"s1\","
					  "\"value\":70.7} ";
	StrBuf b;
	Event *ev;
	const char *row;

	n = payload_parse(obj, strlen(obj), &items);
	CheckInt("payload: a logged result read", 1, n);
	if (n == 1)
	{
		CheckBytes("payload: its text kept byte for byte",
				   "{\"query\":\"q\",\"id\":1000000000001,\"key\":\"s1\","
				   "\"value\":70.7}",
				   items[0].text, items[0].len);
		CheckInt("payload: its id", 1000000000001LL, items[0].id);
		CheckBytes("payload: key read", "s1", items[0].key,
				   items[0].key ? strlen(items[0].key) : 0);
	}
	payload_items_free(items, n);
	n = payload_parse("{\"id\":1000000000006,\"value\":2"
					  "000000000000000000000000000000000000000000}",
					  72, &items);
	CheckInt("payload: an integer beyond 64 bits (jsonb's 2e40) read", 1, n);
	CheckInt("payload: ... and its id", 1000000000006LL,
			 n == 1 ? items[0].id : 0);
	payload_items_free(items, n);
	CheckInt("payload: an array (a notification's) refused", -1,
			 payload_parse("[{\"id\":1}]", 10, &items));
	CheckInt("payload: malformed refused", -1,
			 payload_parse("{\"id\":1,", 8, &items));
	CheckInt("payload: missing id refused", -1,
			 payload_parse("{\"query\":\"q\"}", 13, &items));
	CheckInt("payload: trailing bytes refused", -1,
			 payload_parse("{\"id\":1} x", 10, &items));
	CheckInt("payload: not JSON refused", -1,
			 payload_parse("hello", 5, &items));
	strbuf_init(&b);
	payload_minify(&b, "{\"a\": 1, \"b\": \"x y\\\" z\"}", 24);
	CheckBytes("payload: jsonb text compacted outside strings",
			   "{\"a\":1,\"b\":\"x y\\\" z\"}", b.data, b.len);
	strbuf_free(&b);

	/* An event from a log row: the row's id, whatever the payload says */
	row = "{\"id\": 7, \"key\": \"k 1\", \"value\": 1.50}";
	ev = wire_from_log(1000000000009LL, false, row, strlen(row));
	CheckInt("wire: event from a log row", 1, ev != NULL);
	if (ev)
	{
		CheckBytes("wire: log row's event: its id, compacted data",
				   "id: 1000000000009\nevent: instant\ndata: "
				   "{\"id\":7,\"key\":\"k 1\",\"value\":1.50}\n\n",
				   ev->wire, ev->len);
		CheckBytes("wire: log row's key", "k 1", ev->key,
				   ev->key ? strlen(ev->key) : 0);
		wire_unref(ev);
	}
	CheckInt("wire: a log row that is not an object gives no event", 1,
			 wire_from_log(1, false, "[1]", 3) == NULL);
}

/* config_redact_conninfo(in) is want */
static void
CheckRedact(const char *name, const char *in, const char *want)
{
	char *got = config_redact_conninfo(in);

	CheckBytes(name, want, got, strlen(got));
	free(got);
}

static void
TestRedact(void)
{
	CheckRedact("redact: password=", "host=db password=s3cret user=u",
				"host=db password=*** user=u");
	CheckRedact("redact: quoted password with blanks and quotes",
				"password = 'a b\\' c' dbname=x", "password = *** dbname=x");
	CheckRedact("redact: nothing to hide", "host=/tmp dbname=x",
				"host=/tmp dbname=x");
	CheckRedact("redact: URI user info", "postgres://u:s3cret@db:5432/app",
				"postgres://u:***@db:5432/app");
	CheckRedact("redact: URI password parameter",
				"postgresql://db/app?sslmode=require&password=s3cret",
				"postgresql://db/app?sslmode=require&password=***");
	CheckRedact("redact: URI without a password", "postgresql://u@db/app",
				"postgresql://u@db/app");
	CheckRedact("redact: not a connection string, with a password",
				"oops password s3cret", "***");
}

static void
TestHosts(void)
{
	RelayConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.listen_host = "10.0.0.5";
	CheckInt("host: no Host header allowed", 1,
			 config_host_allowed(&cfg, NULL));
	CheckInt("host: open relay, localhost:port allowed", 1,
			 config_host_allowed(&cfg, "localhost:8787"));
	CheckInt("host: open relay, 127.0.0.1 allowed", 1,
			 config_host_allowed(&cfg, "127.0.0.1"));
	CheckInt("host: open relay, [::1]:8787 allowed", 1,
			 config_host_allowed(&cfg, "[::1]:8787"));
	CheckInt("host: open relay, LOCALHOST. allowed", 1,
			 config_host_allowed(&cfg, "LOCALHOST."));
	CheckInt("host: open relay, the listen host allowed", 1,
			 config_host_allowed(&cfg, "10.0.0.5:8787"));
	CheckInt("host: open relay, another name refused", 0,
			 config_host_allowed(&cfg, "evil.example"));
	CheckInt("host: open relay, localhost.evil.example refused", 0,
			 config_host_allowed(&cfg, "localhost.evil.example:8787"));
	CheckInt("host: junk refused", 0,
			 config_host_allowed(&cfg, "localhost:80x"));
	CheckInt("host: user info refused", 0,
			 config_host_allowed(&cfg, "a@localhost"));
	cfg.tokens[0] = "t";
	cfg.ntokens = 1;
	CheckInt("host: with tokens, any host", 1,
			 config_host_allowed(&cfg, "evil.example"));
	cfg.allowed_hosts[0] = "dash.example";
	cfg.allowed_hosts[1] = "relay.example:8443";
	cfg.nallowed_hosts = 2;
	CheckInt("host: listed name, any port", 1,
			 config_host_allowed(&cfg, "Dash.Example:9000"));
	CheckInt("host: listed name:port", 1,
			 config_host_allowed(&cfg, "relay.example:8443"));
	CheckInt("host: listed name, other port refused", 0,
			 config_host_allowed(&cfg, "relay.example:8444"));
	CheckInt("host: the list replaces the defaults", 0,
			 config_host_allowed(&cfg, "localhost"));
	cfg.allowed_hosts[2] = "*";
	cfg.nallowed_hosts = 3;
	CheckInt("host: * allows any", 1,
			 config_host_allowed(&cfg, "evil.example"));
}

static void
TestTokens(void)
{
	RelayConfig cfg;

	memset(&cfg, 0, sizeof(cfg));
	cfg.tokens[0] = "s3cret";
	cfg.tokens[1] = "other";
	cfg.ntokens = 2;
	cfg.cors[0] = "http://a.example";
	cfg.ncors = 1;
	CheckInt("token: right one accepted", 1, config_token_ok(&cfg, "s3cret"));
	CheckInt("token: second one accepted", 1, config_token_ok(&cfg, "other"));
	CheckInt("token: prefix refused", 0, config_token_ok(&cfg, "s3cre"));
	CheckInt("token: longer refused", 0, config_token_ok(&cfg, "s3crett"));
	CheckInt("token: empty refused", 0, config_token_ok(&cfg, ""));
	CheckInt("token: absent refused", 0, config_token_ok(&cfg, NULL));
	CheckInt("cors: listed origin allowed", 1,
			 config_cors_allowed(&cfg, "http://a.example"));
	CheckInt("cors: other origin refused", 0,
			 config_cors_allowed(&cfg, "http://b.example"));
}

/*
 * Tokens made by test/relay/mint.mjs (node's crypto) with the secret
 * below, pasted here: the code under test never makes a token.
 */
#define JWT_TEST_SECRET "relay-unit-secret-0123456789abcdefgh"
static const char *const TokAlice =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYWxpY2UifQ."
	"8ArIMlx-NTjRhpuBW3ZLhW8XGuZXZHS-xFMB4l-CtHw";
/* HS512 {"app":{"role":"bob"},"roles":["r0","r1"],"x.y":{"role":
 * "dotted"},"aud":["a","cq"]} */
static const char *const TokPaths =
	"eyJhbGciOiJIUzUxMiIsInR5cCI6IkpXVCJ9.eyJhcHAiOnsicm9sZSI6ImJvYiJ9LCJy"
	"b2xlcyI6WyJyMCIsInIxIl0sIngueSI6eyJyb2xlIjoiZG90dGVkIn0sImF1ZCI6WyJh"
	"IiwiY3EiXX0.IxXuyXj-ltyzHoZ6X6GfEExVnR2qhlRzjojoGxc6iTvfwC9qK1iymifqK"
	"MgMcmc6okI6iROguc-V0ueuDH3P_Q";
/* {"role":"alice","exp":1000} */
static const char *const TokExp1000 =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYWxpY2UiLCJleHAiOjEw"
	"MDB9.IBOxmKT5IwaREfL1-UEHHFLd7cg5o8KrnPOKulUPqnY";
/* {"role":"alice","nbf":4102444800} (2100-01-01) */
static const char *const TokNbf2100 =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYWxpY2UiLCJuYmYiOjQx"
	"MDI0NDQ4MDB9.Iu_QI6749W_21uxwDfMqpbBz5xf_XI2nbK1PtUCpXA0";
/* {"role":12} */
static const char *const TokRoleNumber =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoxMn0."
	"hCqgcmxkcH7UgHtxZS1jaf3jP-HVIExhzP8KabwvbUA";
/* {"role":"alice","exp":1e300} */
static const char *const TokExpHuge =
	"eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJyb2xlIjoiYWxpY2UiLCJleHAiOjFl"
	"KzMwMH0.eHw9GpUtC8E0bKSu8CjrRIKWNQd3m0bwtjCLJaELaik";
static const char *const TokNone =
	"eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJyb2xlIjoiYWxpY2UifQ.";

/* webtoken_verify's status for token under cfg at now; role into role */
static int
Verify(RelayConfig *cfg, const char *token, time_t now, char *role)
{
	int64_t exp;

	return (int) webtoken_verify(cfg, token, now, role, &exp);
}

static void
TestWebToken(void)
{
	RelayConfig cfg;
	char role[JWT_ROLE_MAX + 1];
	char bad[512];

	memset(&cfg, 0, sizeof(cfg));
	cfg.jwt_secret = JWT_TEST_SECRET;
	cfg.jwt_role_claim = ".role";
	CheckInt("jwt: HS256 verifies", JWT_OK,
			 Verify(&cfg, TokAlice, 2000000000, role));
	CheckBytes("jwt: role from .role", "alice", role, strlen(role));
	CheckInt("jwt: no exp, no nbf: valid at any time", JWT_OK,
			 Verify(&cfg, TokAlice, 0, role));
	CheckInt("jwt: exp passed", JWT_EXPIRED,
			 Verify(&cfg, TokExp1000, 1000, role));
	CheckInt("jwt: before exp", JWT_OK, Verify(&cfg, TokExp1000, 999, role));
	{
		int64_t exp = 0;

		CheckInt("jwt: exp 1e300 accepted", JWT_OK,
				 (int) webtoken_verify(&cfg, TokExpHuge, 0, role, &exp));
		CheckInt("jwt: exp 1e300 kept as the year 9999", 253402300799LL,
				 (long long) exp);
		(void) webtoken_verify(&cfg, TokExp1000, 999, role, &exp);
		CheckInt("jwt: exp returned", 1000, (long long) exp);
	}
	CheckInt("jwt: before nbf", JWT_NOT_YET_VALID,
			 Verify(&cfg, TokNbf2100, 4102444799, role));
	CheckInt("jwt: at nbf", JWT_OK,
			 Verify(&cfg, TokNbf2100, 4102444800, role));
	CheckInt("jwt: alg none refused", JWT_ALG_REFUSED,
			 Verify(&cfg, TokNone, 0, role));
	CheckInt("jwt: role claim a number", JWT_BAD_ROLE,
			 Verify(&cfg, TokRoleNumber, 0, role));
	CheckInt("jwt: no .role claim", JWT_NO_ROLE,
			 Verify(&cfg, TokPaths, 0, role));
	snprintf(bad, sizeof(bad), "%s", TokAlice);
	bad[strlen(bad) - 2] = bad[strlen(bad) - 2] == 'A' ? 'B' : 'A';
	CheckInt("jwt: signature changed", JWT_BAD_SIGNATURE,
			 Verify(&cfg, bad, 0, role));
	snprintf(bad, sizeof(bad), "%s", TokAlice);
	bad[40] = bad[40] == 'A' ? 'B' : 'A';
	CheckInt("jwt: claims changed", JWT_BAD_SIGNATURE,
			 Verify(&cfg, bad, 0, role));
	snprintf(bad, sizeof(bad), "%s", TokAlice);
	*(strrchr(bad, '.') + 1) = '\0';
	CheckInt("jwt: HS256 header, signature removed", JWT_BAD_SIGNATURE,
			 Verify(&cfg, bad, 0, role));
	{
		/* A header of 2,000 base64url characters: over the 1 KB read */
		char big[2100];

		memset(big, 'e', 2000);
		strcpy(big + 2000, ".e30.x");
		CheckInt("jwt: header over 1 KB", JWT_MALFORMED,
				 Verify(&cfg, big, 0, role));
	}
	CheckInt("jwt: two parts", JWT_MALFORMED,
			 Verify(&cfg, "abc.def", 0, role));
	CheckInt("jwt: four parts", JWT_MALFORMED,
			 Verify(&cfg, "a.b.c.d", 0, role));
	CheckInt("jwt: header not base64url", JWT_MALFORMED,
			 Verify(&cfg, "a*b.c.d", 0, role));
	cfg.jwt_secret = "another-secret-0123456789abcdefghijkl";
	CheckInt("jwt: another secret", JWT_BAD_SIGNATURE,
			 Verify(&cfg, TokAlice, 0, role));
	/* A key but no secret: HS is another family, refused unsigned */
	cfg.jwt_secret = NULL;
	cfg.jwt_key_pem = "-----BEGIN PUBLIC KEY-----";
	cfg.jwt_key_len = strlen(cfg.jwt_key_pem);
	cfg.jwt_key_kind = JWT_KEY_RSA;
	CheckInt("jwt: HS token, only an RSA key: refused", JWT_ALG_REFUSED,
			 Verify(&cfg, TokAlice, 0, role));
	cfg.jwt_key_pem = NULL;
	cfg.jwt_key_kind = JWT_KEY_NONE;
	CheckInt("jwt: nothing configured", JWT_NOT_CONFIGURED,
			 Verify(&cfg, TokAlice, 0, role));
	/* Claim paths and aud (HS512) */
	cfg.jwt_secret = JWT_TEST_SECRET;
	cfg.jwt_role_claim = ".app.role";
	CheckInt("jwt: HS512, .app.role", JWT_OK, Verify(&cfg, TokPaths, 0, role));
	CheckBytes("jwt: role from .app.role", "bob", role, strlen(role));
	cfg.jwt_role_claim = ".roles[1]";
	CheckInt("jwt: .roles[1]", JWT_OK, Verify(&cfg, TokPaths, 0, role));
	CheckBytes("jwt: role from .roles[1]", "r1", role, strlen(role));
	cfg.jwt_role_claim = ".\"x.y\".role";
	CheckInt("jwt: quoted key", JWT_OK, Verify(&cfg, TokPaths, 0, role));
	CheckBytes("jwt: role from .\"x.y\".role", "dotted", role, strlen(role));
	cfg.jwt_role_claim = ".roles[7]";
	CheckInt("jwt: index past the array", JWT_NO_ROLE,
			 Verify(&cfg, TokPaths, 0, role));
	cfg.jwt_role_claim = ".app.role";
	cfg.jwt_aud = "cq";
	CheckInt("jwt: aud array holds cq", JWT_OK,
			 Verify(&cfg, TokPaths, 0, role));
	cfg.jwt_aud = "other";
	CheckInt("jwt: aud array without other", JWT_BAD_AUDIENCE,
			 Verify(&cfg, TokPaths, 0, role));
	cfg.jwt_role_claim = ".role";
	CheckInt("jwt: aud required, token has none", JWT_BAD_AUDIENCE,
			 Verify(&cfg, TokAlice, 0, role));
	/* Claim path syntax */
	CheckInt("claim path .role", 1, webtoken_claim_path_valid(".role"));
	CheckInt("claim path .a.b[0]", 1, webtoken_claim_path_valid(".a.b[0]"));
	CheckInt("claim path .\"https://x/r\"", 1,
			 webtoken_claim_path_valid(".\"https://x/r\""));
	CheckInt("claim path empty", 0, webtoken_claim_path_valid(""));
	CheckInt("claim path role (no dot)", 0, webtoken_claim_path_valid("role"));
	CheckInt("claim path .a.", 0, webtoken_claim_path_valid(".a."));
	CheckInt("claim path .a[x]", 0, webtoken_claim_path_valid(".a[x]"));
	CheckInt("claim path .\"open", 0, webtoken_claim_path_valid(".\"open"));
	CheckInt("key kind of garbage", JWT_KEY_NONE,
			 webtoken_key_kind("not a key", 9));
}

/* The definition of a match, by recursion: names_glob_match's reference */
static bool
RefMatch(const char *p, const char *n)
{
	if (*p == '\0')
		return *n == '\0';
	if (*p == '*')
		return RefMatch(p + 1, n) || (*n != '\0' && RefMatch(p, n + 1));
	return *n == *p && RefMatch(p + 1, n + 1);
}

static void
CheckMatch(const char *pattern, const char *name, bool expected)
{
	char label[128];

	snprintf(label, sizeof(label), "glob \"%s\" %s \"%s\"", pattern,
			 expected ? "matches" : "does not match", name);
	CheckInt(label, 1, names_glob_match(pattern, name) == expected);
}

static void
TestNames(void)
{
	StrBuf b;
	char *exact[] = {"temp_f", "avg_10s", "temp_f", "a"};
	char *like[] = {"avg_*", "*", "t*_f"};
	unsigned seed = 12345;
	int mismatches = 0;

	CheckInt("pattern: has a star", 1, names_is_pattern("avg_*"));
	CheckInt("pattern: plain name is not", 0, names_is_pattern("avg_10s"));
	CheckMatch("avg_*", "avg_10s", true);
	CheckMatch("avg_*", "avg_", true);
	CheckMatch("avg_*", "avgx10s", false);
	CheckMatch("avg_*", "avg", false);
	CheckMatch("*", "", true);
	CheckMatch("*", "anything", true);
	CheckMatch("", "", true);
	CheckMatch("", "a", false);
	CheckMatch("a*b*c", "axxbyyc", true);
	CheckMatch("a*b*c", "axxbyy", false);
	CheckMatch("*_f", "temp_f", true);
	CheckMatch("*_f", "tempf", false);
	CheckMatch("a**b", "ab", true);
	CheckMatch("a*a", "a", false);
	CheckMatch("a*a", "aba", true);
	CheckMatch("*ab", "aab", true);

	/* Random patterns over a small alphabet against the definition */
	for (int i = 0; i < 200000; i++)
	{
		char p[9];
		char n[9];
		int pl = rand_r(&seed) % 8;
		int nl = rand_r(&seed) % 8;

		for (int j = 0; j < pl; j++)
			p[j] = "ab_*"[rand_r(&seed) % 4];
		p[pl] = '\0';
		for (int j = 0; j < nl; j++)
			n[j] = "ab_"[rand_r(&seed) % 3];
		n[nl] = '\0';
		if (names_glob_match(p, n) != RefMatch(p, n) && mismatches++ < 3)
			printf("# mismatch: \"%s\" \"%s\"\n", p, n);
	}
	CheckInt("glob: 200000 random pattern/name pairs agree with the "
			 "definition (mismatches)",
			 0, mismatches);

	strbuf_init(&b);
	names_array(&b, exact, 4, false);
	CheckBytes("names array: sorted, distinct",
			   "{\"a\",\"avg_10s\",\"temp_f\"}", b.data, b.len);
	strbuf_reset(&b);
	names_array(&b, like, 3, true);
	/* array escapes \\ to \, so LIKE sees \_ : an underscore only */
	CheckBytes("names array: LIKE patterns, '*' as %, '_' escaped",
			   "{\"%\",\"avg\\\\_%\",\"t%\\\\_f\"}", b.data, b.len);
	strbuf_reset(&b);
	names_array(&b, NULL, 0, true);
	CheckBytes("names array: empty", "{}", b.data, b.len);
	strbuf_free(&b);
}

/* The bytes of buf, as a string for CheckBytes (freed by the caller) */
static char *
BufferText(struct evbuffer *buf, size_t *len)
{
	char *text;

	*len = evbuffer_get_length(buf);
	text = malloc(*len + 1);
	evbuffer_copyout(buf, text, *len);
	text[*len] = '\0';
	return text;
}

static void
TestWire(void)
{
	static const char sse[] = "id: 1000000000007\nevent: instant\n"
							  "data: {\"a\":1}\n\n";
	Event *ev = wire_build(1000000000007LL, false, "{\"a\":1}", 7, true, "s1");
	Event *win = wire_build(2000000000001LL, true, "{}", 2, false, NULL);
	char big[3000];
	char hdr[WIRE_CHUNK_HDR_MAX + 1];
	struct evbuffer *buf = evbuffer_new();
	StrBuf b;
	char *text;
	size_t len;
	Event *large;

	CheckBytes("wire: an event's SSE bytes", sse, ev->wire, ev->len);
	CheckBytes("wire: the bytes after the id line",
			   "event: instant\ndata: {\"a\":1}\n\n", ev->wire + ev->body_off,
			   ev->len - ev->body_off);
	CheckBytes("wire: its prebuilt chunk",
			   "30\r\nid: 1000000000007\nevent: instant\n"
			   "data: {\"a\":1}\n\n\r\n",
			   ev->chunk, ev->chunk_len);
	CheckBytes("wire: the key is kept", "s1", ev->key, ev->key ? 2 : 0);
	CheckBytes("wire: an aggregate's event is \"window\"",
			   "id: 2000000000001\nevent: window\ndata: {}\n\n", win->wire,
			   win->len);
	CheckInt("wire: chunk header of 0x2a9 bytes",
			 (long long) strlen("2a9\r\n"), wire_chunk_header(hdr, 0x2a9));
	CheckBytes("wire: chunk header text", "2a9\r\n", hdr, strlen(hdr));

	wire_append(buf, ev, ev->body_off);
	CheckInt("wire: a small event is copied (no reference taken)", 1,
			 ev->refcnt);
	text = BufferText(buf, &len);
	CheckBytes("wire: appended from body_off",
			   "event: instant\ndata: {\"a\":1}\n\n", text, len);
	free(text);
	evbuffer_drain(buf, len);

	memset(big, 'x', sizeof(big));
	large = wire_build(1000000000008LL, false, big, sizeof(big), false, NULL);
	wire_append(buf, large, 0);
	CheckInt("wire: a large event is added by reference", 2, large->refcnt);
	CheckInt("wire: ... all of it", (long long) large->len,
			 (long long) evbuffer_get_length(buf));
	evbuffer_free(buf);
	CheckInt("wire: ... and the reference dropped with the buffer", 1,
			 large->refcnt);

	strbuf_init(&b);
	wire_format_lost(&b, "temp_f", 1000000000007LL, 1000000000500LL);
	CheckBytes("wire: event: lost",
			   "event: lost\ndata: {\"query\":\"temp_f\",\"after\":"
			   "1000000000007,\"next\":1000000000500}\n\n",
			   b.data, b.len);
	strbuf_free(&b);
	wire_unref(large);
	wire_unref(win);
	wire_unref(ev);
}

int
main(void)
{
	TestEncoder();
	TestCursor();
	TestPayload();
	TestTokens();
	TestWebToken();
	TestRedact();
	TestHosts();
	TestNames();
	TestWire();
	return failures ? 1 : 0;
}
