/*
 * lookup.h
 *	  Stream resolution: the query names and patterns of new streams
 *	  looked up in cqstream.queries, many streams per command.
 *
 * Design notes
 *
 * A stream waits for its queries with a LookupWait (inside its Client).
 * Every stream waiting at one moment is looked up by one command (the
 * names and patterns of them all, names.h); the streams arriving
 * meanwhile by the next, so thousands of clients connecting at once cost
 * a few round trips, not one each.  When the answer comes, each waiting
 * stream gets the rows it asked for (LookupHooks.resolved), then the
 * batch is done (LookupHooks.batch_done) and the next one starts.
 */
#ifndef RELAY_LOOKUP_H
#define RELAY_LOOKUP_H

#include <stdbool.h>

#include <libpq-fe.h>

typedef struct LookupWait
{
	char **names; /* requested names (and patterns), malloc'd */
	int nnames;
	bool patterns; /* names with '*' are patterns (a /stream request) */
	unsigned gen;  /* look-up batch, 0 while waiting for one */
	struct LookupWait *next;
	struct LookupWait *prev;
} LookupWait;

typedef struct LookupHooks
{
	/*
	 * w's queries are known: rows[0 .. n - 1] of res (name, kind,
	 * last_result_id, in name order; at most one more than a stream may
	 * follow), or res is NULL (no answer).  w is no longer waiting.
	 */
	void (*resolved)(LookupWait *w, PGresult *res, const int *rows, int n);
	/* Every stream of the batch has been given its rows */
	void (*batch_done)(void);
} LookupHooks;

extern void lookup_init(const LookupHooks *hooks);

/* Queue w (names set) for the next look-up; lookup_start sends it */
extern void lookup_wait(LookupWait *w);
/* w stops waiting (resolved, or its stream went away) */
extern void lookup_unwait(LookupWait *w);
/* Free w's names (no longer needed once it is resolved) */
extern void lookup_free_names(LookupWait *w);

/* Send the look-up of every stream waiting now, unless one is in flight */
extern void lookup_start(void);

/* Streams waiting for their look-up (they count toward max-clients) */
extern int lookup_waiting(void);

extern void lookup_shutdown(void);

#endif /* RELAY_LOOKUP_H */
