/*
 * live.c
 *	  A topic's live results, read from the results log when a
 *	  notification hints that there are new ones.
 *
 * Design notes
 *
 * LISTEN and NOTIFY have no privileges: any role may send anything on a
 * query's channel.  So a notification is only a hint that the query may
 * have new results; its payload (the engine's hint
 * {"query","first_id","last_id"}, results in payload mode, or anything
 * forged) is never read.  What clients get comes from
 * cqstream.results(name, after, LIVE_PAGE_ROWS), which checks the
 * relay's role's right to read the query, after the topic's live
 * position (live_after), which only ever moves to the id of a row the
 * log returned.
 *
 * Coalescing: at most one read per topic is in flight.  A hint that
 * arrives meanwhile (or before the position is known) only marks the
 * topic dirty, and one more read follows this one; a full page is
 * followed by the next at once.  So a flood of notifications, forged or
 * not, costs each topic at most one cheap read at a time (one index
 * probe when nothing is new), never a queue of them, and a real result
 * waits behind at most one read of its own topic.
 *
 * The position starts where the topic's first history read (replay.c)
 * found the query's last result: that read's snapshot is taken after the
 * LISTEN is in place, so every result after the position is announced by
 * a notification received after the LISTEN, and anything the history
 * read and the live reads both give is dropped by the subs' positions
 * (sub.h).  One read is made at once from there, since hints that
 * arrived before may have been for results after it.
 *
 * A page is dispatched as live output (topic_dispatch); the output is
 * flushed every client-buffer / 4 bytes of a page, so a fast client's
 * socket takes a large page as it comes while a client that does not
 * read falls past client-buffer and is closed (output.c).
 */
#include <stdio.h>
#include <stdlib.h>

#include "config.h"
#include "live.h"
#include "log.h"
#include "metrics.h"
#include "output.h"
#include "pgconn.h"
#include "replica.h"

static const char *const FetchSql =
	"SELECT id, payload::text FROM cqstream.results($1, $2, $3)";

static void Fetch(Topic *t);

static void
Fetch_cb(PGresult *res, void *arg)
{
	Topic *t = arg;
	size_t unflushed = 0;
	size_t flush_at = (size_t) relay_config->client_buffer / 4;
	int n;

	t->fetch_cmd = NULL;
	if (res == NULL)
		return; /* connection lost: the back-fill after it reads these */
	if (PQresultStatus(res) != PGRES_TUPLES_OK)
	{
		t->dirty = true;
		topic_read_failed(t, res);
		return;
	}
	t->readable = true;
	n = PQntuples(res);
	for (int i = 0; i < n; i++)
	{
		int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
		Event *ev;

		if (id <= t->live_after || PQgetisnull(res, i, 1))
			continue;
		t->live_after = id;
		ev = wire_from_log(id, t->is_window, PQgetvalue(res, i, 1),
						   PQgetlength(res, i, 1));
		if (ev == NULL)
		{
			relay_log(LOG_WARN,
					  "result %lld of \"%s\" in the log is not a JSON "
					  "object with an id: skipped",
					  (long long) id, t->name);
			continue;
		}
		metrics.events_in++;
		topic_dispatch(t, ev);
		unflushed += ev->len;
		wire_unref(ev);
		if (unflushed >= flush_at)
		{
			output_flush_dirty();
			unflushed = 0;
		}
	}
	output_flush_dirty();
	replica_found(n);
	/* A full page: there may be more; a hint came meanwhile: read again */
	if (n >= LIVE_PAGE_ROWS || t->dirty)
		Fetch(t);
}

static void
Fetch(Topic *t)
{
	char after[24];
	char rows[16];
	const char *params[3];

	if (t->fetch_cmd || !t->live_known || !pgconn_ready())
		return;
	t->dirty = false;
	snprintf(after, sizeof(after), "%lld", (long long) t->live_after);
	snprintf(rows, sizeof(rows), "%d", LIVE_PAGE_ROWS);
	params[0] = t->name;
	params[1] = after;
	params[2] = rows;
	metrics.log_reads++;
	t->fetch_cmd = pgconn_query(FetchSql, 3, params, Fetch_cb, t);
}

void
live_hint(Topic *t)
{
	metrics.hints++;
	if (t->fetch_cmd || !t->live_known)
	{
		t->dirty = true;
		return;
	}
	Fetch(t);
}

void
live_start(Topic *t, int64_t after)
{
	if (t->live_known)
		return;
	t->live_known = true;
	t->live_after = after > 0 ? after : 0;
	Fetch(t);
}

void
live_poll(Topic *t)
{
	if (t->dirty)
		Fetch(t);
}

void
live_clear(Topic *t)
{
	pgconn_cancel(t->fetch_cmd);
	t->fetch_cmd = NULL;
	t->live_known = false;
	t->live_after = 0;
	t->dirty = false;
}
