/*
 * lookup.c
 *	  Batched look-ups of the queries new streams ask for, and of the
 *	  relay's right to read them.
 *
 * Design notes
 *
 * The waiting streams form one list, oldest first.  lookup_start gives
 * streams not yet in a batch the next batch number (until the batch
 * holds LOOKUP_BATCH_NAMES names) and sends one command for all their
 * names (exact names with = ANY, patterns with LIKE ANY).  Lookup_cb
 * copies the rows and probes each query that no open topic reads yet:
 * cqstream.results(name, PROBE_AFTER, 1) reads no row but raises 42501
 * when the relay's role may not read the query (one command per query,
 * since one refusal would end a command covering several).  Once every
 * probe has answered, Distribute hands each stream of the batch the rows
 * it asked for, matched as its own look-up's SQL would (Wants), and
 * starts the next batch.  A stream that stops waiting leaves the list at
 * once (lookup_unwait), so Distribute never sees one whose connection is
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

/* After the largest result id: the probe's read returns nothing */
#define PROBE_AFTER "9223372036854775807"

const char *const lookup_probe_sql =
	"SELECT 1 FROM cqstream.results($1, " PROBE_AFTER ", 1)";

static struct
{
	LookupHooks hooks;
	int waiting;	  /* streams on the list */
	LookupWait *head; /* oldest first */
	LookupWait *tail;
	PgCmd *cmd;		 /* the look-up of one batch */
	bool busy;		 /* a batch is being looked up or probed */
	unsigned gen;	 /* that batch */
	LookupRow *rows; /* its rows */
	int nrows;
	int probing; /* probes in flight */
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
	/* Not part of a batch any more (Distribute checks) */
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

static void
FreeRows(void)
{
	for (int i = 0; i < lk.nrows; i++)
	{
		for (int j = 0; j < lk.rows[i].nroles; j++)
		{
			pgconn_cancel(lk.rows[i].roles[j].probe);
			free(lk.rows[i].roles[j].role);
		}
		free(lk.rows[i].roles);
		pgconn_cancel(lk.rows[i].probe);
		free(lk.rows[i].name);
		free(lk.rows[i].kind);
	}
	free(lk.rows);
	lk.rows = NULL;
	lk.nrows = 0;
	lk.probing = 0;
}

/* row's access for role (NULL: the relay's own) */
static LookupAccess
Access(const LookupRow *row, const char *role)
{
	if (role == NULL)
		return row->access;
	for (int i = 0; i < row->nroles; i++)
		if (strcmp(row->roles[i].role, role) == 0)
			return row->roles[i].access;
	return LOOKUP_UNKNOWN;
}

/*
 * The batch (lk.gen) is looked up and probed (failed: no answer): each
 * stream takes the rows it asked for, in their (name) order, at most one
 * more than a stream may follow (as the LIMIT of a look-up of its own
 * would), and the count of those it may not read.
 */
static void
Distribute(bool failed)
{
	unsigned gen = lk.gen;
	LookupWait **batch;
	int nbatch = 0;
	LookupRow **rows;

	for (LookupWait *w = lk.head; w; w = w->next)
		nbatch += w->gen == gen;
	batch = malloc((nbatch + 1) * sizeof(LookupWait *));
	rows = malloc((STREAM_MAX_QUERIES + 1) * sizeof(LookupRow *));
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
		int denied = 0;
		bool unknown = failed;
		LookupAccess role_error = LOOKUP_READABLE;

		/* Gone meanwhile (lookup_unwait resets gen): a second guard */
		if (w->gen != gen)
			continue;
		for (int r = 0; r < lk.nrows && n <= STREAM_MAX_QUERIES; r++)
		{
			if (!Wants(w, lk.rows[r].name))
				continue;
			switch (Access(&lk.rows[r], w->role))
			{
				case LOOKUP_READABLE:
					rows[n++] = &lk.rows[r];
					break;
				case LOOKUP_DENIED:
					denied++;
					break;
				case LOOKUP_UNKNOWN:
					unknown = true;
					break;
				case LOOKUP_NO_ROLE:
				case LOOKUP_ROLE_REFUSED:
					role_error = Access(&lk.rows[r], w->role);
					break;
				case LOOKUP_GONE:
					break;
			}
		}
		lk.hooks.resolved(w, rows, unknown ? 0 : n, denied, unknown,
						  role_error);
	}
	free(rows);
	free(batch);
	FreeRows();
	lk.busy = false;
	lk.hooks.batch_done();
	lookup_start();
}

/* What a probe's answer says about a query's access */
static LookupAccess
ProbeAccess(PGresult *res, const char *name)
{
	const char *state = pgconn_sqlstate(res);

	if (res && PQresultStatus(res) == PGRES_TUPLES_OK)
		return LOOKUP_READABLE;
	if (pgconn_role_failed() && strcmp(state, "42501") == 0)
		return LOOKUP_ROLE_REFUSED;
	if (pgconn_role_failed() && strcmp(state, "22023") == 0)
		return LOOKUP_NO_ROLE;
	if (strcmp(state, "42501") == 0)
		return LOOKUP_DENIED;
	if (strcmp(state, "42704") == 0)
		return LOOKUP_GONE;
	if (res)
		relay_log(LOG_WARN, "could not check the results of \"%s\": %s", name,
				  PQresultErrorMessage(res));
	return LOOKUP_UNKNOWN;
}

static void
Probe_cb(PGresult *res, void *arg)
{
	LookupRow *row = arg;

	row->probe = NULL;
	row->access = ProbeAccess(res, row->name);
	if (--lk.probing == 0)
		Distribute(false);
}

static void
RoleProbe_cb(PGresult *res, void *arg)
{
	LookupRoleAccess *ra = arg;

	ra->probe = NULL;
	ra->access = ProbeAccess(res, ra->name);
	if (--lk.probing == 0)
		Distribute(false);
}

/*
 * The roles of the batch's streams that want row (each once), into
 * row->roles; whether a stream without a role wants it
 */
static bool
CollectRoles(LookupRow *row)
{
	bool relay = false;
	int cap = 0;

	for (LookupWait *w = lk.head; w; w = w->next)
	{
		bool seen = false;

		if (w->gen != lk.gen || !Wants(w, row->name))
			continue;
		if (w->role == NULL)
		{
			relay = true;
			continue;
		}
		for (int i = 0; i < row->nroles && !seen; i++)
			seen = strcmp(row->roles[i].role, w->role) == 0;
		if (seen)
			continue;
		if (row->nroles == cap)
		{
			cap = cap ? cap * 2 : 4;
			row->roles = realloc(row->roles, cap * sizeof(LookupRoleAccess));
			if (row->roles == NULL)
				abort();
		}
		/* Copied: the stream may go away before the answer */
		row->roles[row->nroles].role = strdup(w->role);
		row->roles[row->nroles].name = row->name;
		if (row->roles[row->nroles].role == NULL)
			abort();
		row->roles[row->nroles].access = LOOKUP_UNKNOWN;
		row->roles[row->nroles].probe = NULL;
		row->nroles++;
	}
	return relay;
}

/*
 * The look-up of one batch (lk.gen) answered: keep its rows and probe
 * the queries no topic reads yet
 */
static void
Lookup_cb(PGresult *res, void *arg)
{
	(void) arg;
	lk.cmd = NULL;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		relay_log(LOG_WARN, "could not look up queries: %s",
				  PQresultErrorMessage(res));
		res = NULL;
	}
	if (res == NULL)
	{
		Distribute(true);
		return;
	}
	lk.nrows = PQntuples(res);
	lk.rows = calloc(lk.nrows + 1, sizeof(LookupRow));
	if (lk.rows == NULL)
		abort();
	for (int r = 0; r < lk.nrows; r++)
	{
		LookupRow *row = &lk.rows[r];

		row->name = strdup(PQgetvalue(res, r, 0));
		row->kind = strdup(PQgetvalue(res, r, 1));
		if (row->name == NULL || row->kind == NULL)
			abort();
		row->last_id = PQgetisnull(res, r, 2)
			? 0
			: strtoll(PQgetvalue(res, r, 2), NULL, 10);
	}
	/* Counted first: a probe's answer never comes before this returns */
	for (int r = 0; r < lk.nrows; r++)
	{
		LookupRow *row = &lk.rows[r];
		const char *params[1] = {row->name};
		bool relay = CollectRoles(row);

		if (!relay || lk.hooks.known_readable(row->name))
			row->access = LOOKUP_READABLE;
		else
		{
			lk.probing++;
			row->probe = pgconn_query(lookup_probe_sql, 1, params, Probe_cb,
									  row);
		}
		for (int i = 0; i < row->nroles; i++)
		{
			lk.probing++;
			row->roles[i].probe = pgconn_query_as(row->roles[i].role,
												  lookup_probe_sql, 1, params,
												  RoleProbe_cb,
												  &row->roles[i]);
		}
	}
	if (lk.probing == 0)
		Distribute(false);
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

	if (lk.busy)
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
		/* A batch of bounded size; the rest go with the next */
		if (nexact + nlike > 0 &&
			nexact + nlike + w->nnames > LOOKUP_BATCH_NAMES)
			break;
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
	lk.busy = true;
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
	FreeRows();
	lk.busy = false;
}
