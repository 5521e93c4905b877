/*
 * lookup.h
 *	  Stream resolution: the query names and patterns of new streams
 *	  looked up in cqstream.queries, many streams per command, and the
 *	  relay's right to read each query's results checked.
 *
 * Design notes
 *
 * A stream waits for its queries with a LookupWait (inside its Client).
 * Every stream waiting at one moment (at most LOOKUP_BATCH_NAMES names)
 * is looked up by one command (the names and patterns of them all,
 * names.h); the streams arriving meanwhile by the next, so thousands of
 * clients connecting at once cost a few round trips, not one each.
 *
 * cqstream.queries lists every query to every role, so the look-up then
 * probes, for each query found that no open topic already reads, whether
 * the relay's role may read its results (cqstream.results checks the
 * owner's role and the read grants; a probe reads no row).  When the
 * answers are in, each waiting stream gets the readable rows it asked
 * for and the count of those it may not read (LookupHooks.resolved),
 * then the batch is done (LookupHooks.batch_done) and the next starts.
 *
 * A stream with a role (a JSON Web Token's, or the anon-role) is checked
 * as that role instead: each query found is probed once per batch for
 * each role that asked for it, the probe run as the role
 * (pgconn_query_as), so PostgreSQL decides with the role's own
 * privileges.  No probe is saved for roles by an open topic: that a
 * topic reads a query says nothing of another role's right.
 */
#ifndef RELAY_LOOKUP_H
#define RELAY_LOOKUP_H

#include <stdbool.h>
#include <stdint.h>

#include <libpq-fe.h>

/* Most names (and patterns) one look-up command carries */
#define LOOKUP_BATCH_NAMES 4096

typedef struct LookupWait
{
	char **names; /* requested names (and patterns), malloc'd */
	int nnames;
	bool patterns;	  /* names with '*' are patterns (a /stream request) */
	const char *role; /* checked as this role, or NULL: the relay's own */
	unsigned gen;	  /* look-up batch, 0 while waiting for one */
	struct LookupWait *next;
	struct LookupWait *prev;
} LookupWait;

/* Whether the relay's role may read a query's results */
typedef enum LookupAccess
{
	LOOKUP_UNKNOWN, /* no answer (the database): the stream is shed */
	LOOKUP_READABLE,
	LOOKUP_DENIED,		/* 42501: not the owner's role nor granted read */
	LOOKUP_GONE,		/* dropped between the look-up and the probe */
	LOOKUP_NO_ROLE,		/* the stream's role does not exist (22023) */
	LOOKUP_ROLE_REFUSED /* the relay's role may not take it (42501) */
} LookupAccess;

typedef struct LookupRow LookupRow;

/* One role's access to one query found, probed as that role */
typedef struct LookupRoleAccess
{
	char *role;		  /* a copy */
	const char *name; /* the query's (its row's) */
	LookupAccess access;
	struct PgCmd *probe; /* in flight */
} LookupRoleAccess;

/* One query found by a look-up */
struct LookupRow
{
	char *name;
	char *kind;				 /* "aggregate" or "transform" */
	int64_t last_id;		 /* its last result id, 0: none yet */
	LookupAccess access;	 /* the relay's own role's */
	struct PgCmd *probe;	 /* in flight */
	LookupRoleAccess *roles; /* the roles that asked for it */
	int nroles;
};

typedef struct LookupHooks
{
	/*
	 * w's queries are known: rows[0 .. n - 1] the readable ones it asked
	 * for, in name order, at most one more than a stream may follow;
	 * denied: how many more it asked for that the relay may not read;
	 * failed: some could not be checked (no database); role_error:
	 * LOOKUP_NO_ROLE or LOOKUP_ROLE_REFUSED when w's role could not be
	 * taken (else LOOKUP_READABLE).  w is no longer waiting.  The rows
	 * are valid during the call only.
	 */
	void (*resolved)(LookupWait *w, LookupRow *const *rows, int n, int denied,
					 bool failed, LookupAccess role_error);
	/* Every stream of the batch has been given its rows */
	void (*batch_done)(void);
	/* The relay reads query name already (no probe needed) */
	bool (*known_readable)(const char *name);
} LookupHooks;

/*
 * The probe of the right to read query $1: a read after the largest
 * result id, which returns no row but raises 42501 unless the current
 * role may read the query's results (42704: no such query)
 */
extern const char *const lookup_probe_sql;

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
