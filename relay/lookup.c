/*
 * lookup.c
 *	  Batched look-ups of the queries new streams ask for.
 *
 * Design notes
 *
 * The waiting streams form one list, oldest first.  lookup_start gives
 * every stream not yet in a batch the next batch number and sends one
 * command for all their names (exact names with = ANY, patterns with
 * LIKE ANY); Lookup_cb hands each stream of that batch the rows it asked
 * for, matched as its own look-up's SQL would (Wants), and starts the
 * next batch.  A stream that stops waiting leaves the list at once
 * (lookup_unwait), so the callback never sees one whose connection is
 * gone.
 */
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "lookup.h"
#include "names.h"
#include "pgconn.h"
#include "sse.h"
#include "stream.h"

static const char *const LookupSql =
	"SELECT name, kind, last_result_id FROM cqstream.queries "
	"WHERE name = ANY($1::text[]) OR name LIKE ANY($2::text[]) "
	"ORDER BY name";

static struct
{
	LookupHooks hooks;
	int waiting;	  /* streams on the list */
	LookupWait *head; /* oldest first */
	LookupWait *tail;
	PgCmd *cmd;	  /* the look-up of one batch */
	unsigned gen; /* that batch */
} lk;

void
lookup_init(const LookupHooks *hooks)
{
	lk.hooks = *hooks;
}

void
lookup_wait(LookupWait *w)
{
	lk.waiting++;
	w->gen = 0;
	w->next = NULL;
	w->prev = lk.tail;
	if (lk.tail)
		lk.tail->next = w;
	else
		lk.head = w;
	lk.tail = w;
}

void
lookup_unwait(LookupWait *w)
{
	lk.waiting--;
	if (w->prev)
		w->prev->next = w->next;
	else
		lk.head = w->next;
	if (w->next)
		w->next->prev = w->prev;
	else
		lk.tail = w->prev;
	w->next = w->prev = NULL;
	/* Not part of a batch any more (Lookup_cb checks) */
	w->gen = 0;
}

void
lookup_free_names(LookupWait *w)
{
	for (int i = 0; i < w->nnames; i++)
		free(w->names[i]);
	free(w->names);
	w->names = NULL;
	w->nnames = 0;
}

int
lookup_waiting(void)
{
	return lk.waiting;
}

/*
 * Whether w asked for the query called name: as the SQL of one stream's
 * look-up would say (name = ANY(exact) OR name LIKE ANY(patterns)).
 */
static bool
Wants(const LookupWait *w, const char *name)
{
	for (int i = 0; i < w->nnames; i++)
	{
		if (w->patterns && names_is_pattern(w->names[i]))
		{
			if (names_glob_match(w->names[i], name))
				return true;
		}
		else if (strcmp(w->names[i], name) == 0)
			return true;
	}
	return false;
}

/*
 * The look-up of one batch (lk.gen) answered: each stream takes the rows
 * it asked for, in their (name) order, at most one more than a stream may
 * follow (as the LIMIT of a look-up of its own would).
 */
static void
Lookup_cb(PGresult *res, void *arg)
{
	unsigned gen = lk.gen;
	LookupWait **batch;
	int nbatch = 0;
	int nrows = 0;
	int *rows;

	(void) arg;
	lk.cmd = NULL;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		relay_log(LOG_WARN, "could not look up queries: %s",
				  PQresultErrorMessage(res));
		res = NULL;
	}
	if (res)
		nrows = PQntuples(res);
	for (LookupWait *w = lk.head; w; w = w->next)
		nbatch += w->gen == gen;
	batch = malloc((nbatch + 1) * sizeof(LookupWait *));
	rows = malloc((STREAM_MAX_QUERIES + 1) * sizeof(int));
	if (batch == NULL || rows == NULL)
		abort();
	nbatch = 0;
	for (LookupWait *w = lk.head; w; w = w->next)
		if (w->gen == gen)
			batch[nbatch++] = w;
	for (int i = 0; i < nbatch; i++)
	{
		LookupWait *w = batch[i];
		int n = 0;

		/* Gone meanwhile (lookup_unwait resets gen): a second guard */
		if (w->gen != gen)
			continue;
		for (int r = 0; r < nrows && n <= STREAM_MAX_QUERIES; r++)
			if (Wants(w, PQgetvalue(res, r, 0)))
				rows[n++] = r;
		lk.hooks.resolved(w, res, rows, n);
	}
	free(rows);
	free(batch);
	lk.hooks.batch_done();
	lookup_start();
}

void
lookup_start(void)
{
	char **exact;
	char **like;
	int nexact = 0;
	int nlike = 0;
	int nnames = 0;
	StrBuf ea;
	StrBuf la;
	const char *params[2];

	if (lk.cmd)
		return;
	for (LookupWait *w = lk.head; w; w = w->next)
		if (w->gen == 0)
			nnames += w->nnames;
	if (nnames == 0)
		return;
	if (++lk.gen == 0)
		lk.gen = 1;
	exact = malloc(nnames * sizeof(char *));
	like = malloc(nnames * sizeof(char *));
	if (exact == NULL || like == NULL)
		abort();
	for (LookupWait *w = lk.head; w; w = w->next)
	{
		if (w->gen != 0)
			continue;
		w->gen = lk.gen;
		for (int i = 0; i < w->nnames; i++)
		{
			if (w->patterns && names_is_pattern(w->names[i]))
				like[nlike++] = w->names[i];
			else
				exact[nexact++] = w->names[i];
		}
	}
	strbuf_init(&ea);
	strbuf_init(&la);
	names_array(&ea, exact, nexact, false);
	names_array(&la, like, nlike, true);
	params[0] = ea.data;
	params[1] = la.data;
	lk.cmd = pgconn_query(LookupSql, 2, params, Lookup_cb, NULL);
	strbuf_free(&ea);
	strbuf_free(&la);
	free(exact);
	free(like);
}

void
lookup_shutdown(void)
{
	pgconn_cancel(lk.cmd);
	lk.cmd = NULL;
}
