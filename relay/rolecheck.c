/*
 * rolecheck.c
 *	  Open streams' roles checked again against their query's grants.
 *
 * Design notes
 *
 * See rolecheck.h.  A round is one probe per distinct role among the
 * topic's streaming clients (NULL, the relay's own role, counting as one),
 * the same probe as lookup.c's (a read after the largest id, which reads
 * nothing and raises 42501 unless the role may read the query).  A probe
 * that says no ends that role's streams of the topic with a comment; any
 * other failure (no database, the query dropped: topic_check sees to
 * that) ends nothing.  The probes of a topic are listed in it, so a topic
 * freed or a connection lost cancels them (rolecheck_cancel).
 */
#include <stdlib.h>
#include <string.h>

#include "client.h"
#include "log.h"
#include "lookup.h"
#include "output.h"
#include "pgconn.h"
#include "rolecheck.h"
#include "topic.h"

struct RoleCheck
{
	Topic *t;
	char *role; /* NULL: the relay's own */
	PgCmd *cmd;
	RoleCheck *next;
};

static bool
SameRole(const char *a, const char *b)
{
	return (a == NULL && b == NULL) || (a && b && strcmp(a, b) == 0);
}

/* End the streams of t whose role is role (they come back to a 403) */
static void
EndRole(Topic *t, const char *role)
{
	Client **list = calloc(t->nsubs + 1, sizeof(Client *));
	int n = 0;

	if (list == NULL)
		abort();
	for (Sub *s = t->subs; s; s = s->tnext)
		if (s->client->state == CLIENT_STREAMING &&
			SameRole(s->client->role, role))
			list[n++] = s->client;
	relay_log(LOG_INFO,
			  "role \"%s\" may no longer read \"%s\": ending its %d streams",
			  role ? role : "(the relay's)", t->name, n);
	if (role == NULL)
		t->readable = false;
	for (int i = 0; i < n; i++)
		client_finish(list[i],
					  ": this role may no longer read this query\n\n");
	free(list);
	output_flush_dirty();
}

static void
Checked_cb(PGresult *res, void *arg)
{
	RoleCheck *rc = arg;
	Topic *t = rc->t;
	const char *state = pgconn_sqlstate(res);
	RoleCheck **pp = &t->rchecks;

	while (*pp && *pp != rc)
		pp = &(*pp)->next;
	if (*pp)
		*pp = rc->next;
	if (res && PQresultStatus(res) != PGRES_TUPLES_OK &&
		(strcmp(state, "42501") == 0 ||
		 (pgconn_role_failed() && strcmp(state, "22023") == 0)))
		EndRole(t, rc->role);
	free(rc->role);
	free(rc);
	if (t->rchecks == NULL && t->rcheck_again)
	{
		t->rcheck_again = false;
		rolecheck_start(t);
	}
}

void
rolecheck_start(Topic *t)
{
	const char *params[1] = {t->name};

	if (t->rchecks)
	{
		/* One round at a time: one more after it */
		t->rcheck_again = true;
		return;
	}
	for (Sub *s = t->subs; s; s = s->tnext)
	{
		const char *role = s->client->role;
		bool seen = false;
		RoleCheck *rc;

		if (s->client->state != CLIENT_STREAMING)
			continue;
		for (rc = t->rchecks; rc && !seen; rc = rc->next)
			seen = SameRole(rc->role, role);
		if (seen)
			continue;
		rc = calloc(1, sizeof(RoleCheck));
		if (rc == NULL || (role && (rc->role = strdup(role)) == NULL))
			abort();
		rc->t = t;
		rc->next = t->rchecks;
		t->rchecks = rc;
		rc->cmd = pgconn_query_as(role, lookup_probe_sql, 1, params,
								  Checked_cb, rc);
	}
}

void
rolecheck_cancel(Topic *t)
{
	while (t->rchecks)
	{
		RoleCheck *rc = t->rchecks;

		t->rchecks = rc->next;
		pgconn_cancel(rc->cmd);
		free(rc->role);
		free(rc);
	}
	t->rcheck_again = false;
}
