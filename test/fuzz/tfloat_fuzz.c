/*
 * tfloat_fuzz.c
 *	  Fuzzing of tfloat's three input functions through a live server: the
 *	  text input (tfloat_in and the text cast, compared with each other),
 *	  the binary input (tfloat_recv, through a binary-format parameter) and
 *	  MF-JSON (tfloatFromMFJSON).
 *
 * usage: tfloat_fuzz [-n N] [-T SECONDS] [-s SEED] [-k KINDS] [-o DIR]
 *					  [-W WINDOW] [-t TIMEOUT_MS] [-v] CONNINFO
 *		  tfloat_fuzz -r KIND FILE CONNINFO		(replay one saved input)
 *
 * Design notes
 *
 * Oracle.  Each input must either be accepted or be refused with an
 * ERROR whose SQLSTATE is of class 22 (data exception) or 54 (program
 * limit exceeded), or for binary input 08P01 (a message cut short, as
 * PostgreSQL's own recv functions report it).  Anything else fails: an internal error (XX000), an
 * out-of-memory, a statement timeout (a hang), and above all a lost
 * connection, which is a crashed backend.  An accepted value is then
 * checked by one more statement that must not fail at all: its text
 * output read back (by the cast and by tfloat_in) prints the same text;
 * its binary output read back is the same bytes and prints the same
 * text; its MF-JSON read back prints the same text.  (Text keeps 15
 * decimals, so the first print may round; from there on it is stable.)
 * Text inputs go through both tfloat_in and the cast from text, which
 * must agree: the same value, or the same SQLSTATE and message.
 *
 * Speed.  Statements are pipelined (libpq pipeline mode, non-blocking):
 * up to WINDOW statements in flight, each followed by its own Sync so
 * that an error ends only its own implicit transaction, never the ones
 * behind it.  All statements are prepared with plan_cache_mode =
 * force_generic_plan, and results come back in binary format, so a
 * round costs the server little more than the input function itself.
 *
 * Inputs.  Every hand-written seed and some thousands of generated valid
 * values of each kind are sent as they are; then each input is a
 * mutation (fuzz_mutate.c) of a corpus entry, or now and then a fresh
 * generated value.  Accepted mutants join the corpus (bounded), and
 * every accepted value's binary and MF-JSON outputs join the corpora of
 * those kinds, so binary and MF-JSON mutate real server output.  The
 * corpus grows between batches of inputs only, so that the inputs sent
 * depend on the seed alone, not on when answers arrive.  The
 * session's TimeZone and DateStyle change every few thousand inputs.
 *
 * Failures.  Each failing input is saved under the output directory as
 * KIND-SERIAL.in, with a line in failures.txt saying what failed and how
 * to replay it (-r).  A lost connection is blamed on the statement at the
 * head of the pipeline (the server runs them in order); the fuzzer then
 * waits for the server to come back and goes on, dropping the inputs
 * that were in flight.  Output: PASS/FAIL lines (one per check) on
 * stdout for test/fuzz/fuzz.sh, progress on stderr; exit status 1 when
 * anything failed, 2 on a usage or connection error.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "fuzz.h"

/* Statements, all prepared */
typedef enum StmtKind
{
	S_CAST,	 /* text: $1 (text) :: tfloat, the cast */
	S_IN,	 /* text: $1 typed tfloat in text format, tfloat_in */
	S_BIN,	 /* binary: $1 typed tfloat in binary format, tfloat_recv */
	S_JSON,	 /* tfloatFromMFJSON($1) */
	S_CHECK, /* the outputs of an accepted value, read back */
	S_SET	 /* a session setting */
} StmtKind;

static const char *const stmt_sql[] = {
	[S_CAST] = "SELECT $1::text::public.tfloat",
	[S_IN] = "SELECT $1",
	[S_BIN] = "SELECT $1",
	[S_JSON] = "SELECT public.tfloatfrommfjson($1)",
	[S_CHECK] =
		"SELECT o, public.tfloat_send(v), j, o1, "
		"public.tfloat_in(o::cstring, 0, -1)::text, "
		"public.tfloatfrommfjson(j)::text, o1::public.tfloat::text, "
		"public.tfloat_send(o1::public.tfloat) "
		"FROM (SELECT v, o, j, o::public.tfloat::text AS o1 "
		"FROM (SELECT $1 AS v, $1::text AS o, public.asmfjson($1, $2, $3) AS j "
		"OFFSET 0) s OFFSET 0) s2",
};

/*
 * The check's columns: the value's text O, binary B and MF-JSON J; O read
 * back and printed (O1) by the cast and by tfloat_in; J read back and
 * printed; O1 read back and printed; O read back, in binary.
 */
enum
{
	C_TEXT,
	C_SEND,
	C_JSON,
	C_TEXT1,
	C_TEXT1_IN,
	C_JSON1,
	C_TEXT2,
	C_SEND1,
	NCHECK
};
static const char *const stmt_name[] = {"cast", "in",	 "in",
										"json", "check", ""};

/* Session settings the campaign cycles through (they all read back) */
static const char *const settings[] = {
	"SET TimeZone = 'UTC'",
	"SET TimeZone = 'Asia/Kathmandu'",
	"SET DateStyle = 'ISO, DMY'; SET TimeZone = 'America/St_Johns'",
	"SET TimeZone = 'Europe/Amsterdam'",
	"SET DateStyle = 'SQL, DMY'; SET TimeZone = 'UTC'",
	"SET DateStyle = 'Postgres, MDY'; SET TimeZone = 'UTC'",
	"SET DateStyle = 'German'; SET TimeZone = 'UTC'",
	"SET DateStyle = 'ISO, YMD'; SET TimeZone = 'Pacific/Chatham'",
};
#define NSETTINGS		   ((int) (sizeof(settings) / sizeof(settings[0])))
#define INPUTS_PER_SETTING 4000

/* What one statement gave */
typedef struct Outcome
{
	bool done;
	bool ok;
	char sqlstate[6];
	char *message;
	Buf value; /* input statements: the value's binary form */
} Outcome;

typedef struct Case
{
	FuzzKind kind;
	uint64_t serial;  /* per kind */
	uint64_t gserial; /* over all kinds, in creation order */
	bool mutant;
	Buf input;
	int pending; /* statements not yet answered */
	bool checking;
	int opts, flags; /* asMFJSON arguments of the check */
	Outcome a;		 /* cast, recv or tfloatFromMFJSON */
	Outcome b;		 /* text: tfloat_in */
	Buf out[NCHECK]; /* the check's columns */
} Case;

typedef struct Stmt
{
	StmtKind kind;
	Case *c;
	bool got;
} Stmt;

/* Failure categories, counted per kind */
typedef enum FailKind
{
	F_CRASH,
	F_ERROR, /* an error that is not a data exception or limit */
	F_DISAGREE,
	F_ROUNDTRIP,
	F_NKINDS
} FailKind;

static const char *const fail_names[F_NKINDS] =
	{"lost connection (backend crash)", "error of another class",
	 "tfloat_in and the text cast disagree", "output does not read back"};

/* ------------------------------------------------------------------ */
/* State */

static struct
{
	const char *conninfo;
	const char *outdir;
	uint64_t n;
	double seconds;
	uint64_t seed;
	bool kinds[FK_NKINDS];
	int window;
	int timeout_ms;
	bool verbose;
	bool replay;
} opt = {.n = 100000, .seed = 1, .window = 128, .timeout_ms = 10000};

static PGconn *conn;
static Oid tfloat_oid;

/* In flight: a ring of statements */
static Stmt *ring;
static int ring_cap, ring_head, ring_len;

/* Accepted values waiting for their check */
static Case **checkq;
static int checkq_len, checkq_cap;

static Corpus corpus[FK_NKINDS];
/* Seeds not yet sent, per kind */
static Buf *seedq[FK_NKINDS];
static size_t seedq_len[FK_NKINDS], seedq_pos[FK_NKINDS];

static struct
{
	uint64_t sent;	   /* inputs sent */
	uint64_t done;	   /* inputs finished */
	uint64_t accepted; /* ... of which accepted */
	uint64_t dropped;  /* lost in flight at a crash */
	uint64_t failures[F_NKINDS];
	char first[F_NKINDS][512];
	/* SQLSTATEs of refusals, for the summary */
	char states[16][6];
	uint64_t state_n[16];
	int nstates;
} st[FK_NKINDS];

/*
 * Determinism.  Inputs are created in batches of BATCH; the corpus grows
 * only between batches, once every input of the batch is judged, in the
 * order the inputs were created, and whether an input is kept is a hash
 * of the seed and its number, not a draw: so the inputs do not depend on
 * when answers arrive.
 */
#define BATCH 1024

typedef struct Kept
{
	FuzzKind kind;
	uint64_t order; /* gserial * 4 + which output */
	Buf data;
} Kept;

static Kept *kept;
static size_t nkept, kept_cap;
static uint64_t created, batch_created;

/* Case.pending of a case dropped at a crash */
#define DEAD (-1000)

static uint64_t statements, crashes, settings_sent;
/* Accepted values whose text, read back, normalized to another shape */
static uint64_t renormalized;
static int saved;
static double start_time;

static double
Now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ------------------------------------------------------------------ */
/* Failures */

/* Write s to f as a psql-safe literal when it can be one, else nothing */
static bool
SqlLiteral(FILE *f, const Buf *b)
{
	if (b->len > 2000)
		return false;
	fputs("decode('", f);
	for (size_t i = 0; i < b->len; i++)
		fprintf(f, "%02x", b->data[i]);
	fputs("', 'hex')", f);
	return true;
}

static void Fail(Case *c, FailKind fk, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void
Fail(Case *c, FailKind fk, const char *fmt, ...)
{
	char detail[400];
	char path[1024];
	va_list ap;
	FILE *f;

	va_start(ap, fmt);
	vsnprintf(detail, sizeof(detail), fmt, ap);
	va_end(ap);
	/* One line: the report is tab-separated, one check a line */
	for (char *p = detail; *p; p++)
		if (*p == '\n' || *p == '\t' || *p == '\r')
			*p = ' ';
	st[c->kind].failures[fk]++;
	if (st[c->kind].first[fk][0] == '\0')
		snprintf(st[c->kind].first[fk], sizeof(st[c->kind].first[fk]),
				 "%s-%" PRIu64 ".in: %s", fuzz_kind_names[c->kind], c->serial,
				 detail);
	fprintf(stderr, "tfloat_fuzz: FAILURE %s: %s-%" PRIu64 ": %s\n",
			fail_names[fk], fuzz_kind_names[c->kind], c->serial, detail);
	if (opt.outdir == NULL || saved >= 200)
		return;
	saved++;
	snprintf(path, sizeof(path), "%s/%s-%" PRIu64 ".in", opt.outdir,
			 fuzz_kind_names[c->kind], c->serial);
	if ((f = fopen(path, "wb")) != NULL)
	{
		fwrite(c->input.data, 1, c->input.len, f);
		fclose(f);
	}
	snprintf(path, sizeof(path), "%s/failures.txt", opt.outdir);
	if ((f = fopen(path, "a")) != NULL)
	{
		fprintf(f,
				"%s-%" PRIu64
				".in\t%s: %s\n\treplay: tfloat_fuzz -r %s %s/%s-%" PRIu64
				".in 'CONNINFO'\n",
				fuzz_kind_names[c->kind], c->serial, fail_names[fk], detail,
				fuzz_kind_names[c->kind], opt.outdir, fuzz_kind_names[c->kind],
				c->serial);
		if (c->kind != FK_BINARY)
		{
			fputs(c->kind == FK_TEXT
					  ? "\tpsql: SELECT convert_from("
					  : "\tpsql: SELECT tfloatFromMFJSON(convert_from(",
				  f);
			if (SqlLiteral(f, &c->input))
				fputs(c->kind == FK_TEXT ? ", 'UTF8')::tfloat;\n"
										 : ", 'UTF8'));\n",
					  f);
			else
				fputs("...) (over 2000 bytes: replay it)\n", f);
		}
		fclose(f);
	}
}

/* ------------------------------------------------------------------ */
/* Connection */

static bool
Prepare(void)
{
	Oid text_oid = 25, int4_oid = 23;
	Oid types[3];
	PGresult *r;
	char sql[64];

	snprintf(sql, sizeof(sql), "SET statement_timeout = %d", opt.timeout_ms);
	PQclear(PQexec(conn, sql));
	r = PQexec(conn,
			   "SET plan_cache_mode = force_generic_plan; "
			   "SET DateStyle = 'ISO, MDY'; SET TimeZone = 'UTC'; "
			   "SET client_min_messages = warning");
	if (PQresultStatus(r) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "tfloat_fuzz: %s", PQerrorMessage(conn));
		PQclear(r);
		return false;
	}
	PQclear(r);
	r = PQexec(conn, "SELECT 'public.tfloat'::regtype::oid");
	if (PQresultStatus(r) != PGRES_TUPLES_OK || PQntuples(r) != 1)
	{
		fprintf(stderr, "tfloat_fuzz: no type tfloat: %s",
				PQerrorMessage(conn));
		PQclear(r);
		return false;
	}
	tfloat_oid = (Oid) strtoul(PQgetvalue(r, 0, 0), NULL, 10);
	PQclear(r);
	for (int k = S_CAST; k <= S_CHECK; k++)
	{
		int n = 1;

		if (k == S_BIN)
			continue; /* the same statement as S_IN */
		types[0] = (k == S_CAST || k == S_JSON) ? text_oid : tfloat_oid;
		if (k == S_CHECK)
		{
			types[1] = int4_oid;
			types[2] = int4_oid;
			n = 3;
		}
		r = PQprepare(conn, stmt_name[k], stmt_sql[k], n, types);
		if (PQresultStatus(r) != PGRES_COMMAND_OK)
		{
			fprintf(stderr, "tfloat_fuzz: prepare %s: %s", stmt_name[k],
					PQerrorMessage(conn));
			PQclear(r);
			return false;
		}
		PQclear(r);
	}
	if (!PQenterPipelineMode(conn) || PQsetnonblocking(conn, 1) != 0)
	{
		fprintf(stderr, "tfloat_fuzz: pipeline mode: %s",
				PQerrorMessage(conn));
		return false;
	}
	return true;
}

/*
 * Connect, waiting up to wait_s seconds for a server in recovery (after a
 * crash, a first connection may still be ended by the restart)
 */
static bool
Connect(double wait_s)
{
	double end = Now() + wait_s;

	for (;;)
	{
		conn = PQconnectdb(opt.conninfo);
		if (PQstatus(conn) == CONNECTION_OK && Prepare())
			return true;
		if (Now() > end)
		{
			fprintf(stderr, "tfloat_fuzz: %s", PQerrorMessage(conn));
			return false;
		}
		PQfinish(conn);
		conn = NULL;
		usleep(200000);
	}
}

/* ------------------------------------------------------------------ */
/* Corpus growth */

/* True with probability 1 / n, a function of the seed, gserial and salt */
static bool
Chance(const Case *c, int salt, uint64_t n)
{
	uint64_t z = opt.seed ^ (c->gserial * 0x9e3779b97f4a7c15ULL) ^
		((uint64_t) salt << 56);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return (z ^ (z >> 31)) % n == 0;
}

/* Keep data for kind's corpus, added at the end of the batch */
static void
Keep(const Case *c, int which, FuzzKind kind, const Buf *data)
{
	if (nkept == kept_cap)
	{
		kept_cap = kept_cap ? kept_cap * 2 : 256;
		kept = xrealloc(kept, sizeof(Kept) * kept_cap);
	}
	kept[nkept].kind = kind;
	kept[nkept].order = c->gserial * 4 + (uint64_t) which;
	buf_init(&kept[nkept].data);
	buf_set(&kept[nkept].data, data->data, data->len);
	nkept++;
}

static int
KeptCmp(const void *a, const void *b)
{
	const Kept *x = a, *y = b;

	return (x->order > y->order) - (x->order < y->order);
}

/* The batch is judged: grow the corpora, in creation order */
static void
ApplyKept(void)
{
	qsort(kept, nkept, sizeof(Kept), KeptCmp);
	for (size_t i = 0; i < nkept; i++)
	{
		corpus_add(&corpus[kept[i].kind], kept[i].data.data, kept[i].data.len);
		buf_free(&kept[i].data);
	}
	nkept = 0;
	batch_created = 0;
}

/* ------------------------------------------------------------------ */
/* Sending */

static bool
RingPush(StmtKind kind, Case *c)
{
	if (ring_len == ring_cap)
		return false;
	ring[(ring_head + ring_len) % ring_cap] = (Stmt){kind, c, false};
	ring_len++;
	statements++;
	return true;
}

static bool
SendPrepared(StmtKind kind, Case *c)
{
	const char *values[3];
	int lengths[3], formats[3] = {0, 0, 0};
	char o[16], f[16];
	int n = 1;
	const Buf *arg = kind == S_CHECK ? &c->a.value : &c->input;

	values[0] = (const char *) arg->data;
	lengths[0] = (int) arg->len;
	if (kind == S_BIN || kind == S_CHECK)
		formats[0] = 1;
	if (kind == S_CHECK)
	{
		snprintf(o, sizeof(o), "%d", c->opts);
		snprintf(f, sizeof(f), "%d", c->flags);
		values[1] = o;
		values[2] = f;
		lengths[1] = lengths[2] = 0;
		n = 3;
	}
	if (!PQsendQueryPrepared(conn, stmt_name[kind], n, values, lengths,
							 formats, 1) ||
		!PQpipelineSync(conn))
		return false;
	return RingPush(kind, c);
}

static bool
SendSetting(int i)
{
	/* Each SET is its own statement: extended protocol, one at a time */
	char *copy = strdup(settings[i]);
	char *save = NULL;
	bool ok = true;

	for (char *s = strtok_r(copy, ";", &save); s && ok;
		 s = strtok_r(NULL, ";", &save))
	{
		ok = PQsendQueryParams(conn, s, 0, NULL, NULL, NULL, NULL, 0) &&
			PQpipelineSync(conn) && RingPush(S_SET, NULL);
	}
	free(copy);
	settings_sent++;
	return ok;
}

/* The next input of kind k: a seed not yet sent, a fresh value, a mutant */
static Case *
NextCase(FuzzKind k)
{
	Case *c = xmalloc(sizeof(Case));

	memset(c, 0, sizeof(*c));
	c->kind = k;
	c->serial = st[k].sent++;
	c->gserial = created++;
	batch_created++;
	buf_init(&c->input);
	buf_init(&c->a.value);
	buf_init(&c->b.value);
	for (int i = 0; i < NCHECK; i++)
		buf_init(&c->out[i]);
	c->opts = rng_one_in(3) ? 1 : (rng_one_in(10) ? 6 : 0);
	c->flags = (int) rng_below(3);
	if (seedq_pos[k] < seedq_len[k])
	{
		Buf *s = &seedq[k][seedq_pos[k]++];

		buf_set(&c->input, s->data, s->len);
		buf_free(s);
	}
	else if (rng_one_in(10) || corpus[k].n == 0)
	{
		if (k == FK_TEXT)
			gen_text(&c->input);
		else if (k == FK_BINARY)
			gen_binary(&c->input);
		else
			gen_mfjson(&c->input);
	}
	else
	{
		const Buf *from = corpus_pick(&corpus[k]);

		buf_set(&c->input, from->data, from->len);
		mutate(k, &c->input, corpus_pick(&corpus[k]));
		c->mutant = true;
	}
	if (k != FK_BINARY)
	{
		/* Seeds and generated values are NUL-free already; be sure */
		for (size_t i = 0; i < c->input.len; i++)
			if (c->input.data[i] == '\0')
				c->input.data[i] = ' ';
	}
	return c;
}

static bool
SendCase(Case *c)
{
	switch (c->kind)
	{
		case FK_TEXT:
			c->pending = 2;
			return SendPrepared(S_CAST, c) && SendPrepared(S_IN, c);
		case FK_BINARY:
			c->pending = 1;
			return SendPrepared(S_BIN, c);
		default:
			c->pending = 1;
			return SendPrepared(S_JSON, c);
	}
}

/* Does kind k still need inputs? */
static bool
Wanted(FuzzKind k)
{
	if (!opt.kinds[k])
		return false;
	if (opt.replay)
		return st[k].sent < 1;
	if (opt.seconds > 0 && Now() - start_time >= opt.seconds)
		return false;
	return st[k].sent < opt.n;
}

/*
 * Fill the pipeline: checks first, then new inputs, kinds in turn, up to
 * the end of the batch
 */
static bool
Fill(void)
{
	static int turn;
	uint64_t total = 0;

	while (ring_len + 6 < ring_cap)
	{
		if (checkq_len > 0)
		{
			Case *c = checkq[--checkq_len];

			c->pending = 1;
			c->checking = true;
			if (!SendPrepared(S_CHECK, c))
				return false;
			continue;
		}
		if (batch_created >= BATCH)
		{
			/* The next batch waits for this one's verdicts */
			if (ring_len > 0)
				break;
			ApplyKept();
		}
		for (int i = 0; i < FK_NKINDS; i++)
		{
			FuzzKind k = (FuzzKind) ((turn + i) % FK_NKINDS);

			if (!Wanted(k))
				continue;
			turn = (k + 1) % FK_NKINDS;
			total = st[0].sent + st[1].sent + st[2].sent;
			if (!opt.replay && total % INPUTS_PER_SETTING == 0 && total > 0 &&
				total / INPUTS_PER_SETTING != settings_sent)
			{
				if (!SendSetting(
						(int) ((total / INPUTS_PER_SETTING) % NSETTINGS)))
					return false;
				settings_sent = total / INPUTS_PER_SETTING;
			}
			if (!SendCase(NextCase(k)))
				return false;
			goto next;
		}
		break;
	next:;
	}
	return true;
}

/* ------------------------------------------------------------------ */
/* Judging */

/*
 * A refusal a user may see: a data exception (22), a program limit (54);
 * for binary input also 08P01, which pq_getmsg* raise for a message cut
 * short, as in every recv function of PostgreSQL's own types.
 */
static bool
AllowedState(FuzzKind k, const char *s)
{
	return strncmp(s, "22", 2) == 0 || strncmp(s, "54", 2) == 0 ||
		(k == FK_BINARY && strcmp(s, "08P01") == 0);
}

static void
CountState(FuzzKind k, const char *s)
{
	int i;

	for (i = 0; i < st[k].nstates; i++)
		if (strcmp(st[k].states[i], s) == 0)
			break;
	if (i == st[k].nstates)
	{
		if (i == 16)
			return;
		memcpy(st[k].states[i], s, 6);
		st[k].nstates++;
	}
	st[k].state_n[i]++;
}

static void
FreeCase(Case *c)
{
	buf_free(&c->input);
	buf_free(&c->a.value);
	buf_free(&c->b.value);
	free(c->a.message);
	free(c->b.message);
	for (int i = 0; i < NCHECK; i++)
		buf_free(&c->out[i]);
	free(c);
}

static void
QueueCheck(Case *c)
{
	if (checkq_len == checkq_cap)
	{
		checkq_cap = checkq_cap ? checkq_cap * 2 : 64;
		checkq = xrealloc(checkq, sizeof(Case *) * checkq_cap);
	}
	checkq[checkq_len++] = c;
}

static bool
SameBuf(const Buf *x, const Buf *y)
{
	return x->len == y->len &&
		(x->len == 0 || memcmp(x->data, y->data, x->len) == 0);
}

/* A short printable excerpt of b from byte from, for messages */
static const char *
ExcerptAt(const Buf *b, size_t from)
{
	static char out[2][100];
	static int which;
	char *o = out[which ^= 1];
	size_t n = 0, i;

	if (from > 0)
	{
		memcpy(o, "...", 3);
		n = 3;
	}
	for (i = from; i < b->len && n < sizeof(out[0]) - 5; i++)
		o[n++] = (b->data[i] >= 32 && b->data[i] < 127) ? (char) b->data[i]
														: '?';
	if (i < b->len)
	{
		memcpy(o + n, "...", 3);
		n += 3;
	}
	o[n] = '\0';
	return o;
}

static const char *
Excerpt(const Buf *b)
{
	return ExcerptAt(b, 0);
}

/* Where x and y start to differ, less some context */
static size_t
DiffAt(const Buf *x, const Buf *y)
{
	size_t i = 0;

	while (i < x->len && i < y->len && x->data[i] == y->data[i])
		i++;
	return i > 30 ? i - 30 : 0;
}

static void
Verbose(Case *c)
{
	if (!opt.verbose)
		return;
	printf("%s-%" PRIu64 " [%s]: ", fuzz_kind_names[c->kind], c->serial,
		   Excerpt(&c->input));
	if (c->a.ok)
	{
		printf("accepted: %.*s\n", (int) c->out[C_TEXT].len,
			   c->out[C_TEXT].data ? (char *) c->out[C_TEXT].data : "");
		printf("  read back: %.*s\n", (int) c->out[C_TEXT1].len,
			   c->out[C_TEXT1].data ? (char *) c->out[C_TEXT1].data : "");
		printf("  MF-JSON: %.*s\n", (int) c->out[C_JSON].len,
			   c->out[C_JSON].data ? (char *) c->out[C_JSON].data : "");
	}
	else
		printf("ERROR %s: %s\n", c->a.sqlstate,
			   c->a.message ? c->a.message : "");
	if (c->kind == FK_TEXT && !c->b.ok)
		printf("  tfloat_in: ERROR %s: %s\n", c->b.sqlstate,
			   c->b.message ? c->b.message : "");
}

/*
 * Do two binary values have the same shape: subtype, flags, counts and
 * bounds, and the same timestamps?  Only their float values may differ.
 */
static bool
SameShape(const Buf *x, const Buf *y)
{
	size_t off = 6;

	if (x->len != y->len || x->len < 6)
		return false;
	if (x->data[0] == 4 && x->len >= 10)
		off = 10 +
			(size_t) ((x->data[6] << 24) | (x->data[7] << 16) |
					  (x->data[8] << 8) | x->data[9]) *
				5;
	if (off > x->len || memcmp(x->data, y->data, off) != 0)
		return false;
	for (size_t i = off; i + 16 <= x->len; i += 16)
		if (memcmp(x->data + i, y->data + i, 8) != 0)
			return false;
	return true;
}

static bool
CheckSame(Case *c, int got, int want, const char *what)
{
	size_t at;

	if (SameBuf(&c->out[got], &c->out[want]))
		return true;
	at = DiffAt(&c->out[want], &c->out[got]);
	Fail(c, F_ROUNDTRIP, "%s: [%s] printed [%s]", what,
		 ExcerptAt(&c->out[want], at), ExcerptAt(&c->out[got], at));
	return false;
}

/*
 * The check of an accepted value V has come back.  Binary is exact:
 * send(recv(B)) = B.  Text and MF-JSON keep 15 decimals, so reading O back
 * gives V rounded, and normalized again: two values that differed only
 * past the 15th decimal may now be equal, and a step or a set loses an
 * instant.  So O1 = print(read(O)) must equal O when the rounded value
 * kept V's shape (same subtype, counts, bounds, timestamps), and in any
 * case O1 is a fixed point, both text parsers agree on it, and MF-JSON
 * read back prints O1 too.
 */
static void
JudgeCheck(Case *c)
{
	Outcome *o = &c->b; /* the check's outcome */

	if (!o->ok)
	{
		Fail(c, F_ROUNDTRIP, "the outputs of the accepted value fail: %s %s",
			 o->sqlstate, o->message ? o->message : "");
		return;
	}
	if (!SameBuf(&c->out[C_SEND], &c->a.value))
		Fail(c, F_ROUNDTRIP, "binary output read back: the bytes differ");
	else if (CheckSame(c, C_TEXT1_IN, C_TEXT1,
					   "text output read back by tfloat_in and by the cast") &&
			 CheckSame(c, C_JSON1, C_TEXT1,
					   "MF-JSON output read back, and text read back") &&
			 CheckSame(c, C_TEXT2, C_TEXT1,
					   "text output read back twice, and once"))
	{
		if (SameShape(&c->out[C_SEND1], &c->a.value))
			CheckSame(c, C_TEXT1, C_TEXT,
					  "text output read back (same shape), and the output");
		else
			renormalized++;
	}
	/* Server output: the best seeds for the other kinds */
	if (Chance(c, 1, 4))
		Keep(c, 1, FK_BINARY, &c->a.value);
	if (Chance(c, 2, 4))
		Keep(c, 2, FK_MFJSON, &c->out[C_JSON]);
	if (c->mutant && Chance(c, 3, 2))
		Keep(c, 3, c->kind, &c->input);
}

/* Every input statement of c has come back */
static void
JudgeInput(Case *c)
{
	Outcome *a = &c->a, *b = &c->b;
	FuzzKind k = c->kind;

	if (!a->ok && !AllowedState(k, a->sqlstate))
		Fail(c, F_ERROR, "%s: ERROR %s: %s", k == FK_TEXT ? "cast" : "input",
			 a->sqlstate, a->message ? a->message : "");
	else if (k == FK_TEXT && !b->ok && !AllowedState(k, b->sqlstate))
		Fail(c, F_ERROR, "tfloat_in: ERROR %s: %s", b->sqlstate,
			 b->message ? b->message : "");
	else if (k == FK_TEXT && a->ok != b->ok)
		Fail(c, F_DISAGREE, "%s accepts it, the other says %s: %s",
			 a->ok ? "the cast" : "tfloat_in",
			 a->ok ? b->sqlstate : a->sqlstate,
			 (a->ok ? b->message : a->message)
				 ? (a->ok ? b->message : a->message)
				 : "");
	else if (k == FK_TEXT && a->ok && !SameBuf(&a->value, &b->value))
		Fail(c, F_DISAGREE, "different values");
	else if (k == FK_TEXT && !a->ok &&
			 (strcmp(a->sqlstate, b->sqlstate) != 0 ||
			  strcmp(a->message ? a->message : "",
					 b->message ? b->message : "") != 0))
		Fail(c, F_DISAGREE, "different errors: %s %s / %s %s", a->sqlstate,
			 a->message ? a->message : "", b->sqlstate,
			 b->message ? b->message : "");
	st[k].done++;
	if (a->ok)
	{
		st[k].accepted++;
		/* The check's outcome goes into b */
		free(b->message);
		b->message = NULL;
		b->done = false;
		QueueCheck(c);
		return;
	}
	CountState(k, a->sqlstate);
	Verbose(c);
	if (c->mutant && Chance(c, 3, 50))
		Keep(c, 3, k, &c->input);
	FreeCase(c);
}

/* ------------------------------------------------------------------ */
/* Receiving */

static void
Record(Stmt *s, PGresult *r)
{
	Case *c = s->c;
	Outcome *o;
	ExecStatusType status = PQresultStatus(r);

	if (s->kind == S_SET)
	{
		if (status != PGRES_COMMAND_OK)
			fprintf(stderr, "tfloat_fuzz: setting failed: %s",
					PQresultErrorMessage(r));
		return;
	}
	o = (s->kind == S_IN || s->kind == S_CHECK) ? &c->b : &c->a;
	o->done = true;
	if (status == PGRES_TUPLES_OK && PQntuples(r) == 1)
	{
		o->ok = true;
		if (s->kind == S_CHECK)
		{
			for (int i = 0; i < NCHECK && i < PQnfields(r); i++)
				buf_set(&c->out[i], PQgetvalue(r, 0, i), PQgetlength(r, 0, i));
		}
		else
			buf_set(&o->value, PQgetvalue(r, 0, 0), PQgetlength(r, 0, 0));
	}
	else
	{
		const char *state = PQresultErrorField(r, PG_DIAG_SQLSTATE);
		const char *msg = PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY);

		o->ok = false;
		snprintf(o->sqlstate, sizeof(o->sqlstate), "%s",
				 state ? state : "?????");
		free(o->message);
		o->message = strdup(msg ? msg : PQresultErrorMessage(r));
	}
}

/* A statement's Sync came back: it is complete */
static void
Complete(Stmt *s)
{
	Case *c = s->c;

	if (s->kind == S_SET || --c->pending > 0)
		return;
	if (c->checking)
	{
		JudgeCheck(c);
		Verbose(c);
		FreeCase(c);
	}
	else
		JudgeInput(c);
}

/* Take every result available; false when the connection is gone */
static bool
Drain(void)
{
	int nulls = 0;

	if (!PQconsumeInput(conn))
		return false;
	while (ring_len > 0 && !PQisBusy(conn))
	{
		PGresult *r = PQgetResult(conn);
		Stmt *s = &ring[ring_head];

		if (r == NULL)
		{
			/* End of one statement's results; its Sync follows */
			if (PQstatus(conn) == CONNECTION_BAD)
				return false;
			if (++nulls > 1)
				break;
			continue;
		}
		nulls = 0;
		if (PQresultStatus(r) == PGRES_PIPELINE_SYNC)
		{
			PQclear(r);
			ring_head = (ring_head + 1) % ring_cap;
			ring_len--;
			Complete(s);
			continue;
		}
		if (PQresultStatus(r) == PGRES_FATAL_ERROR &&
			(PQresultErrorField(r, PG_DIAG_SQLSTATE) == NULL ||
			 strncmp(PQresultErrorField(r, PG_DIAG_SQLSTATE), "57P", 3) == 0))
		{
			/*
			 * libpq's own error (the connection broke), or the server ending
			 * this session (57P01..57P03: terminated, crash of another
			 * backend, restarting): the head statement was running
			 */
			PQclear(r);
			return false;
		}
		if (!s->got)
		{
			s->got = true;
			Record(s, r);
		}
		PQclear(r);
	}
	return PQstatus(conn) != CONNECTION_BAD;
}

/* The connection is lost: blame the head statement, reconnect */
static bool
Crashed(void)
{
	Stmt *head = ring_len > 0 ? &ring[ring_head] : NULL;

	crashes++;
	if (head && head->c)
	{
		Case *c = head->c;

		Fail(c, F_CRASH, "%s statement: %s",
			 head->kind == S_CHECK ? "the check" : stmt_name[head->kind],
			 PQerrorMessage(conn));
	}
	else
		fprintf(stderr, "tfloat_fuzz: connection lost outside an input: %s",
				PQerrorMessage(conn));
	/* Drop everything in flight, each case once */
	for (int i = 0; i < ring_len; i++)
	{
		Case *c = ring[(ring_head + i) % ring_cap].c;

		if (c && c->pending != DEAD)
		{
			c->pending = DEAD;
			st[c->kind].dropped++;
		}
	}
	for (int i = 0; i < ring_len; i++)
	{
		Case *c = ring[(ring_head + i) % ring_cap].c;

		for (int j = i + 1; c && j < ring_len; j++)
			if (ring[(ring_head + j) % ring_cap].c == c)
				c = NULL; /* freed at its last statement */
		if (c)
			FreeCase(c);
	}
	ring_len = 0;
	while (checkq_len > 0)
		FreeCase(checkq[--checkq_len]);
	PQfinish(conn);
	conn = NULL;
	if (crashes > 5)
	{
		fprintf(stderr, "tfloat_fuzz: more than 5 crashes, stopping\n");
		return false;
	}
	return Connect(60);
}

/* The main loop: until every kind has its inputs and all are judged */
static bool
Run(void)
{
	double last_progress = Now(), last_answer = Now();
	uint64_t last_statements = 0;

	for (;;)
	{
		struct pollfd p;
		int flush;

		if (!Fill())
		{
			if (!Crashed())
				return false;
			continue;
		}
		if (ring_len == 0 && checkq_len == 0)
			return true;
		flush = PQflush(conn);
		if (flush < 0)
		{
			if (!Crashed())
				return false;
			continue;
		}
		p.fd = PQsocket(conn);
		p.events = POLLIN | (flush ? POLLOUT : 0);
		p.revents = 0;
		if (poll(&p, 1, 1000) < 0 && errno != EINTR)
			return false;
		if (p.revents & (POLLIN | POLLERR | POLLHUP))
		{
			if (!Drain())
			{
				if (!Crashed())
					return false;
				continue;
			}
		}
		if (statements != last_statements)
		{
			last_statements = statements;
			last_answer = Now();
		}
		else if (Now() - last_answer > 60)
		{
			fprintf(stderr, "tfloat_fuzz: no answer for 60 s\n");
			if (ring_len > 0 && ring[ring_head].c)
				Fail(ring[ring_head].c, F_CRASH, "no answer for 60 s");
			return false;
		}
		if (!opt.replay && Now() - last_progress >= 10)
		{
			last_progress = Now();
			fprintf(stderr,
					"tfloat_fuzz: %.0fs: text %" PRIu64 ", binary %" PRIu64
					", mfjson %" PRIu64 " inputs; %.0f statements/s\n",
					Now() - start_time, st[0].done, st[1].done, st[2].done,
					statements / (Now() - start_time));
		}
	}
}

/* ------------------------------------------------------------------ */
/* Seeds */

static void
AddSeed(FuzzKind k, const void *p, size_t n)
{
	static size_t cap[FK_NKINDS];

	if (seedq_len[k] == cap[k])
	{
		cap[k] = cap[k] ? cap[k] * 2 : 256;
		seedq[k] = xrealloc(seedq[k], sizeof(Buf) * cap[k]);
	}
	buf_init(&seedq[k][seedq_len[k]]);
	buf_set(&seedq[k][seedq_len[k]], p, n);
	seedq_len[k]++;
	corpus_add_seed(&corpus[k], p, n);
}

static void
MakeSeeds(void)
{
	Buf b;
	const char *const *fixed;
	/* A fiftieth of the inputs, at most 3000 per kind */
	uint64_t ngen = opt.n / 50 > 3000 ? 3000 : opt.n / 50;

	buf_init(&b);
	for (int k = 0; k < FK_NKINDS; k++)
		corpus_init(&corpus[k], 4096);
	for (fixed = gen_fixed_text(); *fixed; fixed++)
		AddSeed(FK_TEXT, *fixed, strlen(*fixed));
	for (fixed = gen_fixed_mfjson(); *fixed; fixed++)
		AddSeed(FK_MFJSON, *fixed, strlen(*fixed));
	for (uint64_t i = 0; i < ngen; i++)
	{
		gen_text(&b);
		AddSeed(FK_TEXT, b.data, b.len);
		gen_binary(&b);
		AddSeed(FK_BINARY, b.data, b.len);
		gen_mfjson(&b);
		AddSeed(FK_MFJSON, b.data, b.len);
	}
	buf_free(&b);
}

/* ------------------------------------------------------------------ */

static bool
ParseKinds(const char *s)
{
	char *copy = strdup(s), *save = NULL;
	bool ok = true;

	memset(opt.kinds, 0, sizeof(opt.kinds));
	for (char *t = strtok_r(copy, ",", &save); t;
		 t = strtok_r(NULL, ",", &save))
	{
		int k;

		for (k = 0; k < FK_NKINDS; k++)
			if (strcmp(t, fuzz_kind_names[k]) == 0)
				break;
		if (k == FK_NKINDS)
			ok = false;
		else
			opt.kinds[k] = true;
	}
	free(copy);
	return ok;
}

static bool
ReadFile(const char *path, Buf *b)
{
	FILE *f = fopen(path, "rb");
	char tmp[65536];
	size_t n;

	if (f == NULL)
		return false;
	while ((n = fread(tmp, 1, sizeof(tmp), f)) > 0)
		buf_add(b, tmp, n);
	fclose(f);
	return true;
}

static void
Usage(void)
{
	fprintf(stderr,
			"usage: tfloat_fuzz [-n N] [-T SECONDS] [-s SEED] [-k "
			"text,binary,mfjson] [-o DIR] [-W WINDOW] [-t TIMEOUT_MS] [-v] "
			"CONNINFO\n"
			"       tfloat_fuzz -r KIND FILE CONNINFO\n");
	exit(2);
}

/* The summary: PASS/FAIL lines, one per check */
static int
Report(void)
{
	int failed = 0;
	double secs = Now() - start_time;

	for (int k = 0; k < FK_NKINDS; k++)
	{
		char states[400] = "";
		size_t n = 0;
		uint64_t nf = 0;

		if (!opt.kinds[k])
			continue;
		for (int i = 0; i < st[k].nstates && n < sizeof(states) - 40; i++)
			n += (size_t) snprintf(states + n, sizeof(states) - n,
								   "%s%s %" PRIu64, i ? ", " : "",
								   st[k].states[i], st[k].state_n[i]);
		for (int f = 0; f < F_NKINDS; f++)
			nf += st[k].failures[f];
		fprintf(stderr,
				"tfloat_fuzz: %s: %" PRIu64 " inputs, %" PRIu64
				" accepted, refused: %s; %" PRIu64 " dropped at crashes\n",
				fuzz_kind_names[k], st[k].done, st[k].accepted, states,
				st[k].dropped);
		for (int f = 0; f < F_NKINDS; f++)
		{
			if (k != FK_TEXT && f == F_DISAGREE)
				continue;
			if (st[k].failures[f] == 0 && f == F_CRASH)
				printf("PASS\t%s input: %" PRIu64 " inputs (%" PRIu64
					   " accepted), no crash\n",
					   fuzz_kind_names[k], st[k].done, st[k].accepted);
			else if (st[k].failures[f] == 0 && f == F_ERROR)
				printf("PASS\t%s input: every refusal an ERROR of class 22 "
					   "or 54%s (%s)\n",
					   fuzz_kind_names[k], k == FK_BINARY ? " or 08P01" : "",
					   states[0] ? states : "none");
			else if (st[k].failures[f] == 0 && f == F_DISAGREE)
				printf("PASS\ttext input: tfloat_in and the text cast agree "
					   "on every input\n");
			else if (st[k].failures[f] == 0)
				printf("PASS\t%s input: every accepted value's text, binary "
					   "and MF-JSON output reads back the same\n",
					   fuzz_kind_names[k]);
			else
			{
				printf("FAIL\t%s input: %s (%" PRIu64 " inputs)\t%s\n",
					   fuzz_kind_names[k], fail_names[f], st[k].failures[f],
					   st[k].first[f]);
				failed = 1;
			}
		}
		if (!opt.replay && opt.seconds <= 0 &&
			st[k].done + st[k].dropped < opt.n)
		{
			printf("FAIL\t%s input: campaign incomplete\t%" PRIu64
				   " of %" PRIu64 " inputs judged\n",
				   fuzz_kind_names[k], st[k].done, opt.n);
			failed = 1;
		}
		(void) nf;
	}
	fprintf(stderr,
			"tfloat_fuzz: %" PRIu64 " accepted values changed shape when "
			"their text was read back (values equal past 15 decimals)\n",
			renormalized);
	fprintf(stderr,
			"tfloat_fuzz: seed %" PRIu64 ", %.1f s, %" PRIu64
			" statements (%.0f/s), %" PRIu64 " inputs (%.0f/s)\n",
			opt.seed, secs, statements, statements / secs,
			st[0].done + st[1].done + st[2].done,
			(st[0].done + st[1].done + st[2].done) / secs);
	return failed;
}

int
main(int argc, char **argv)
{
	int c;
	const char *replay_kind = NULL;

	ParseKinds("text,binary,mfjson");
	while ((c = getopt(argc, argv, "n:T:s:k:o:W:t:vr:")) != -1)
	{
		switch (c)
		{
			case 'n':
				opt.n = strtoull(optarg, NULL, 10);
				break;
			case 'T':
				opt.seconds = strtod(optarg, NULL);
				break;
			case 's':
				opt.seed = strtoull(optarg, NULL, 10);
				break;
			case 'k':
				if (!ParseKinds(optarg))
					Usage();
				break;
			case 'o':
				opt.outdir = optarg;
				break;
			case 'W':
				opt.window = atoi(optarg);
				break;
			case 't':
				opt.timeout_ms = atoi(optarg);
				break;
			case 'v':
				opt.verbose = true;
				break;
			case 'r':
				replay_kind = optarg;
				break;
			default:
				Usage();
		}
	}
	if (replay_kind)
	{
		Buf in;

		if (argc - optind != 2 || !ParseKinds(replay_kind))
			Usage();
		buf_init(&in);
		if (!ReadFile(argv[optind], &in))
		{
			fprintf(stderr, "tfloat_fuzz: cannot read %s\n", argv[optind]);
			return 2;
		}
		opt.replay = true;
		opt.verbose = true;
		opt.conninfo = argv[optind + 1];
		for (int k = 0; k < FK_NKINDS; k++)
		{
			corpus_init(&corpus[k], 16);
			if (opt.kinds[k])
				AddSeed((FuzzKind) k, in.data, in.len);
		}
	}
	else
	{
		if (argc - optind != 1 || opt.window < 4)
			Usage();
		opt.conninfo = argv[optind];
		if (opt.outdir)
			mkdir(opt.outdir, 0777);
		rng_seed(opt.seed);
		MakeSeeds();
	}
	rng_seed(opt.seed);
	ring_cap = opt.window;
	ring = xmalloc(sizeof(Stmt) * ring_cap);
	fprintf(stderr,
			"tfloat_fuzz: seed %" PRIu64 ", %" PRIu64 " inputs per kind%s\n",
			opt.seed, opt.n, opt.seconds > 0 ? " (or the time limit)" : "");
	if (!Connect(10))
		return 2;
	start_time = Now();
	Run();
	c = Report();
	if (conn)
	{
		PQexitPipelineMode(conn);
		PQfinish(conn);
	}
	return c;
}
