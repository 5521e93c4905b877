/*
 * pgconn.h
 *	  The relay's one database connection: non-blocking libpq on the event
 *	  loop, a queue of commands, notifications, reconnection.
 *
 * Design notes
 *
 * Commands run one at a time in the order they were queued, so a LISTEN
 * queued before a history read is in place before that read's snapshot
 * (the no-gap rule of docs/relay.md).  A command's callback always runs
 * from the event loop, never from inside pgconn_query, with the result,
 * or with NULL when the connection is down or was lost: callers never see
 * a reentrant call.  A command can be cancelled (its callback is then not
 * called) when what it was for goes away.  The queue itself has no
 * bound: what adds to it is bounded instead (a few commands per topic,
 * one look-up, and requests refused past max-db-queue, docs/relay.md).
 */
#ifndef RELAY_PGCONN_H
#define RELAY_PGCONN_H

#include <stdbool.h>

#include <event2/event.h>
#include <libpq-fe.h>

typedef struct PgCmd PgCmd;

/* res is NULL when the connection was down or lost; the callee must not
 * PQclear it */
typedef void (*PgResultCb)(PGresult *res, void *arg);

typedef struct PgHooks
{
	void (*connected)(bool reconnect); /* a new connection is ready */
	void (*lost)(void);				   /* the connection went away */
	void (*notify)(const char *channel, const char *payload);
} PgHooks;

extern void pgconn_init(struct event_base *base, const char *conninfo,
						const PgHooks *hooks);
/* Use another connection string from now on (reconnects if it changed) */
extern void pgconn_set_conninfo(const char *conninfo);
extern void pgconn_shutdown(void);
extern bool pgconn_ready(void);

/* The role the connection logged in as (session_user), or NULL when down */
extern const char *pgconn_login_role(void);

/* Connected to a hot standby (replica.c follows queries by polling) */
extern bool pgconn_in_recovery(void);

/*
 * Commands queued, the one in flight included: what callers that answer
 * requests compare with max-db-queue before adding one
 */
extern int pgconn_pending(void);

/*
 * Queue sql with text parameters (copied); cb(res, arg) later.  cb may be
 * NULL (result ignored).  Returns a handle for pgconn_cancel, valid until
 * the callback starts.
 */
extern PgCmd *pgconn_query(const char *sql, int nparams,
						   const char *const *params, PgResultCb cb,
						   void *arg);
extern void pgconn_cancel(PgCmd *cmd);

/*
 * As pgconn_query, run as database role (NULL: the relay's own, as
 * pgconn_query): one pipeline of SELECT set_config('role', role, true)
 * and sql, in one implicit transaction ended by its Sync, so the role
 * lasts for sql only and the role is a bound parameter.  cb gets sql's
 * result, or the role switch's error (pgconn_role_failed then says so).
 */
extern PgCmd *pgconn_query_as(const char *role, const char *sql, int nparams,
							  const char *const *params, PgResultCb cb,
							  void *arg);

/*
 * In a command's callback: whether its result is the error of its role
 * switch (22023: no such role; 42501: the relay's role may not take it)
 */
extern bool pgconn_role_failed(void);

/* SQLSTATE of an error result, or "" */
extern const char *pgconn_sqlstate(const PGresult *res);

#endif /* RELAY_PGCONN_H */
