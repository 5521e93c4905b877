/*
 * pgconn.c
 *	  The database connection on the event loop.
 *
 * Design notes
 *
 * States: DOWN (waiting for the backoff timer), CONNECTING (PQconnectPoll
 * driven by one-shot socket events; libpq may change sockets between
 * addresses, so the event is set up again at each step), READY.  In READY
 * a persistent read event calls PQconsumeInput; results and notifications
 * are taken as they are parsed.  Output that did not fit the socket is
 * flushed by a one-shot write event (libpq in non-blocking mode), so the
 * loop never waits on the database.
 *
 * A host name is looked up first on the loop (resolve.c), and the
 * connection then made with hostaddr set, so libpq's blocking lookup is
 * never reached; the lookup is part of CONNECTING and of its timeout.
 *
 * Backoff after a failure or a loss: 100 ms doubling to 5 s, back to
 * 100 ms once a connection is made.  A connection attempt that takes more
 * than 10 s is abandoned (PQconnectPoll has no timeout of its own).
 *
 * Commands run as another role (pgconn_query_as) are sent in pipeline
 * mode: set_config('role', $1, true), the command, a Sync, in one round
 * trip.  Without BEGIN the two statements form one implicit transaction
 * that the Sync commits (or, after an error, rolls back), so the role
 * reverts by itself and an error leaves no transaction open; the
 * connection leaves pipeline mode once the Sync's result is in.
 *
 * Failed commands: on a loss every queued command is answered with NULL
 * from a zero-delay event (the "fail" event), as are commands queued while
 * down; the hooks then let the stream module set things up again.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "log.h"
#include "metrics.h"
#include "pgconn.h"
#include "resolve.h"

#define BACKOFF_MIN_MS	  100
#define BACKOFF_MAX_MS	  5000
#define CONNECT_TIMEOUT_S 10

struct PgCmd
{
	char *sql;
	int nparams;
	char **params;
	PgResultCb cb;
	void *arg;
	char *role; /* run as this role (pipeline), or NULL */
	int stage;	/* role commands: 0 the switch, 1 the command */
	bool role_failed;
	PgCmd *next;
};

static const char
	*const SetRoleSql = "SELECT pg_catalog.set_config('role', $1, true)";

typedef enum ConnState
{
	PG_DOWN,
	PG_CONNECTING,
	PG_READY
} ConnState;

static struct
{
	struct event_base *base;
	char *conninfo;
	PgHooks hooks;
	PGconn *conn;
	ConnState state;
	bool ever_connected;
	int backoff_ms;
	struct event *sock_ev;	/* READY: persistent read */
	struct event *write_ev; /* READY: flush; CONNECTING: poll step */
	struct event *timer_ev; /* DOWN: backoff; CONNECTING: timeout */
	struct event *fail_ev;	/* answer queued commands with NULL */
	struct event *usage_ev; /* refresh the notification queue usage */
	PgCmd *head;			/* head is in flight when sent is true */
	PgCmd *tail;
	int queued; /* commands on the queue */
	bool sent;
	PGresult *result; /* the in-flight command's result so far */
	bool role_failed; /* the answered command's role switch failed */
	bool shutting_down;
	ResolveReq *resolving; /* CONNECTING: the host's lookup, pending */
} pg;

static void StartConnect(void);
static void ConnectStep(evutil_socket_t fd, short what, void *arg);
static void SendNext(void);

static void
FreeCmd(PgCmd *c)
{
	for (int i = 0; i < c->nparams; i++)
		free(c->params[i]);
	free(c->params);
	free(c->sql);
	free(c->role);
	free(c);
}

static PgCmd *
PopHead(void)
{
	PgCmd *c = pg.head;

	if (c)
	{
		pg.head = c->next;
		if (pg.head == NULL)
			pg.tail = NULL;
		metrics.db_queue = --pg.queued;
	}
	pg.sent = false;
	return c;
}

static void
FailAll_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	/* Only while not ready: in READY the queue is being served */
	while (pg.state != PG_READY && pg.head)
	{
		PgCmd *c = PopHead();

		if (c->cb)
			c->cb(NULL, c->arg);
		FreeCmd(c);
	}
}

static void
ScheduleRetry(void)
{
	struct timeval tv;

	tv.tv_sec = pg.backoff_ms / 1000;
	tv.tv_usec = (pg.backoff_ms % 1000) * 1000;
	evtimer_add(pg.timer_ev, &tv);
	pg.backoff_ms *= 2;
	if (pg.backoff_ms > BACKOFF_MAX_MS)
		pg.backoff_ms = BACKOFF_MAX_MS;
}

/* Drop the connection (failed or lost); retry after the backoff */
static void
ConnectionDown(const char *why)
{
	bool was_ready = pg.state == PG_READY;

	if (pg.sock_ev)
	{
		event_free(pg.sock_ev);
		pg.sock_ev = NULL;
	}
	if (pg.write_ev)
	{
		event_free(pg.write_ev);
		pg.write_ev = NULL;
	}
	evtimer_del(pg.timer_ev);
	if (pg.resolving)
	{
		ResolveReq *r = pg.resolving;

		pg.resolving = NULL;
		resolve_cancel(r);
	}
	if (pg.result)
	{
		PQclear(pg.result);
		pg.result = NULL;
	}
	if (pg.conn)
	{
		if (PQpipelineStatus(pg.conn) != PQ_PIPELINE_OFF)
			(void) PQexitPipelineMode(pg.conn);
		if (why)
		{
			/* libpq's message has line breaks: one log line */
			char msg[512];

			snprintf(msg, sizeof(msg), "%s", PQerrorMessage(pg.conn));
			for (char *p = msg; *p; p++)
				if (*p == '\n' || *p == '\t')
					*p = ' ';
			relay_log(LOG_WARN, "database connection %s: %s",
					  was_ready ? "lost" : "failed", msg);
		}
		PQfinish(pg.conn);
		pg.conn = NULL;
	}
	pg.state = PG_DOWN;
	pg.sent = false;
	event_active(pg.fail_ev, EV_TIMEOUT, 0);
	if (was_ready && pg.hooks.lost)
		pg.hooks.lost();
	if (!pg.shutting_down)
		ScheduleRetry();
}

static void
Timer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	if (pg.state == PG_DOWN)
		StartConnect();
	else if (pg.state == PG_CONNECTING)
	{
		relay_log(LOG_WARN, "database connection attempt timed out");
		ConnectionDown(NULL);
	}
}

static void
Usage_cb(PGresult *res, void *arg)
{
	(void) arg;
	if (res && PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1)
		metrics.queue_usage = atof(PQgetvalue(res, 0, 0));
}

static void
UsageTimer_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	/* Only when idle: metrics must not delay replays */
	if (pg.state == PG_READY && pg.head == NULL)
		pgconn_query("SELECT pg_catalog.pg_notification_queue_usage()", 0,
					 NULL, Usage_cb, NULL);
}

/* Watch the socket for what PQconnectPoll asked */
static void
WaitConnect(PostgresPollingStatusType st)
{
	short what = st == PGRES_POLLING_WRITING ? EV_WRITE : EV_READ;

	if (pg.write_ev)
		event_free(pg.write_ev);
	pg.write_ev = event_new(pg.base, PQsocket(pg.conn), what, ConnectStep,
							NULL);
	event_add(pg.write_ev, NULL);
}

static void Read_cb(evutil_socket_t fd, short what, void *arg);
static void Write_cb(evutil_socket_t fd, short what, void *arg);

static void
ConnectStep(evutil_socket_t fd, short what, void *arg)
{
	PostgresPollingStatusType st;

	(void) fd;
	(void) what;
	(void) arg;
	st = PQconnectPoll(pg.conn);
	if (st == PGRES_POLLING_FAILED)
	{
		ConnectionDown("failed");
		return;
	}
	if (st != PGRES_POLLING_OK)
	{
		WaitConnect(st);
		return;
	}
	/* Connected */
	evtimer_del(pg.timer_ev);
	event_free(pg.write_ev);
	pg.write_ev = event_new(pg.base, PQsocket(pg.conn), EV_WRITE, Write_cb,
							NULL);
	pg.sock_ev = event_new(pg.base, PQsocket(pg.conn), EV_READ | EV_PERSIST,
						   Read_cb, NULL);
	event_add(pg.sock_ev, NULL);
	pg.state = PG_READY;
	pg.backoff_ms = BACKOFF_MIN_MS;
	relay_log(LOG_INFO, "database connected (server %d)",
			  PQserverVersion(pg.conn));
	if (pg.ever_connected)
		metrics.db_reconnects++;
	/*
	 * Commands queued while down were answered with NULL by the fail
	 * event; any still queued were queued after it ran and are served.
	 */
	if (pg.hooks.connected)
		pg.hooks.connected(pg.ever_connected);
	pg.ever_connected = true;
	SendNext();
}

/*
 * Connect: PQconnectStart, or, with the naddrs addresses looked up for
 * the string's host, PQconnectStartParams with the string's settings,
 * hostaddr the addresses and host the name repeated as often (libpq pairs
 * them one to one and tries each in turn).
 */
static void
BeginConnect(const char *host, const char *hostaddrs, int naddrs)
{
	if (hostaddrs == NULL)
		pg.conn = PQconnectStart(pg.conninfo);
	else
	{
		PQconninfoOption *opts = PQconninfoParse(pg.conninfo, NULL);
		const char *keys[128];
		const char *vals[128];
		size_t hlen = strlen(host) + 1;
		char *hosts = malloc(hlen * (size_t) naddrs);
		int n = 0;

		for (int i = 0; hosts && i < naddrs; i++)
		{
			memcpy(hosts + i * hlen, host, hlen - 1);
			hosts[i * hlen + hlen - 1] = i + 1 < naddrs ? ',' : '\0';
		}
		for (PQconninfoOption *o = opts; o && o->keyword && n < 125; o++)
			if (o->val != NULL && strcmp(o->keyword, "hostaddr") != 0 &&
				strcmp(o->keyword, "host") != 0)
			{
				keys[n] = o->keyword;
				vals[n++] = o->val;
			}
		keys[n] = "host";
		vals[n++] = hosts;
		keys[n] = "hostaddr";
		vals[n++] = hostaddrs;
		keys[n] = NULL;
		vals[n] = NULL;
		pg.conn = opts && hosts ? PQconnectStartParams(keys, vals, 0) : NULL;
		PQconninfoFree(opts);
		free(hosts);
	}
	if (pg.conn == NULL)
	{
		relay_log(LOG_ERROR, "out of memory for a database connection");
		evtimer_del(pg.timer_ev);
		pg.state = PG_DOWN;
		ScheduleRetry();
		return;
	}
	if (PQstatus(pg.conn) == CONNECTION_BAD)
	{
		pg.state = PG_CONNECTING;
		ConnectionDown("failed");
		return;
	}
	PQsetnonblocking(pg.conn, 1);
	pg.state = PG_CONNECTING;
	WaitConnect(PGRES_POLLING_WRITING);
}

static void
Resolved_cb(const char *addrs, int n, const char *error, bool unknown,
			void *arg)
{
	const char *host = arg;

	pg.resolving = NULL;
	if (pg.state != PG_CONNECTING)
		return;
	if (addrs == NULL && unknown)
	{
		/* Not in DNS: the C library may know it otherwise (mDNS, NSS) */
		relay_log(LOG_WARN,
				  "database host \"%s\" not in DNS (%s): "
				  "libpq looks it up, blocking",
				  host, error);
		BeginConnect(NULL, NULL, 0);
		return;
	}
	if (addrs == NULL)
	{
		relay_log(LOG_WARN,
				  "database connection failed: looking host "
				  "\"%s\" up: %s",
				  host, error);
		ConnectionDown(NULL);
		return;
	}
	BeginConnect(host, addrs, n);
}

static void
StartConnect(void)
{
	struct timeval tv = {CONNECT_TIMEOUT_S, 0};
	static char *host;

	/* The connect timeout covers the lookup too */
	pg.state = PG_CONNECTING;
	evtimer_add(pg.timer_ev, &tv);
	free(host);
	host = resolve_host_of(pg.conninfo);
	if (host == NULL)
	{
		BeginConnect(NULL, NULL, 0);
		return;
	}
	/* Resolved_cb may run before this returns (an /etc/hosts name) */
	pg.resolving = resolve_start(host, Resolved_cb, host);
}

/* Flush pending output; false if the connection broke */
static bool
Flush(void)
{
	int r = PQflush(pg.conn);

	if (r < 0)
	{
		ConnectionDown("lost");
		return false;
	}
	if (r > 0)
		event_add(pg.write_ev, NULL);
	return true;
}

/* Send role command c as one pipeline (see the file's notes) */
static bool
SendAs(PgCmd *c)
{
	const char *role[1] = {c->role};

	return PQenterPipelineMode(pg.conn) &&
		PQsendQueryParams(pg.conn, SetRoleSql, 1, NULL, role, NULL, NULL, 0) &&
		PQsendQueryParams(pg.conn, c->sql, c->nparams, NULL,
						  (const char *const *) c->params, NULL, NULL, 0) &&
		PQpipelineSync(pg.conn);
}

/* The in-flight command is answered: pop it and call back with r */
static void
Answer(PGresult *r)
{
	PgCmd *c = PopHead();

	pg.role_failed = c->role_failed;
	if (c->cb)
		c->cb(r, c->arg);
	pg.role_failed = false;
	if (r)
		PQclear(r);
	FreeCmd(c);
}

/*
 * One result (or the NULL that ends a statement's) of the in-flight role
 * command: the switch's is kept only if it failed, the command's as in
 * plain mode; the Sync's ends the pipeline and answers.  False once
 * answered.
 */
static bool
TakePipelined(PgCmd *c, PGresult *res)
{
	ExecStatusType st;

	if (res == NULL)
	{
		c->stage++;
		return true;
	}
	st = PQresultStatus(res);
	if (st == PGRES_PIPELINE_SYNC)
	{
		PGresult *r = pg.result;

		PQclear(res);
		pg.result = NULL;
		if (!PQexitPipelineMode(pg.conn))
		{
			if (r)
				PQclear(r);
			ConnectionDown("lost");
			return false;
		}
		Answer(r);
		return false;
	}
	if (st == PGRES_PIPELINE_ABORTED ||
		(c->stage == 0 && !c->role_failed && st != PGRES_FATAL_ERROR))
	{
		PQclear(res);
		return true;
	}
	if (c->stage == 0)
		c->role_failed = true;
	if (pg.result)
		PQclear(pg.result);
	pg.result = res;
	return true;
}

static void
SendNext(void)
{
	PgCmd *c;

	while (pg.state == PG_READY && !pg.sent && pg.head)
	{
		c = pg.head;
		c->stage = 0;
		if (c->role ? !SendAs(c)
					: !PQsendQueryParams(pg.conn, c->sql, c->nparams, NULL,
										 (const char *const *) c->params, NULL,
										 NULL, 0))
		{
			ConnectionDown("lost");
			return;
		}
		pg.sent = true;
		Flush();
	}
}

static void
Write_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	if (pg.state == PG_READY)
		Flush();
}

static void
Read_cb(evutil_socket_t fd, short what, void *arg)
{
	PGnotify *n;

	(void) fd;
	(void) what;
	(void) arg;
	if (!PQconsumeInput(pg.conn))
	{
		ConnectionDown("lost");
		return;
	}
	/* Results of the command in flight, as far as they have arrived */
	while (pg.state == PG_READY && pg.sent && !PQisBusy(pg.conn))
	{
		PGresult *res = PQgetResult(pg.conn);

		if (pg.head->role)
		{
			if (TakePipelined(pg.head, res))
				continue;
			if (pg.state != PG_READY)
				return;
			SendNext();
			continue;
		}
		if (res != NULL)
		{
			/* Keep the last result (an error replaces earlier ones) */
			if (pg.result)
				PQclear(pg.result);
			pg.result = res;
			continue;
		}
		{
			PGresult *r = pg.result;

			pg.result = NULL;
			Answer(r);
		}
		SendNext();
	}
	if (pg.state != PG_READY)
		return;
	while ((n = PQnotifies(pg.conn)) != NULL)
	{
		if (pg.hooks.notify)
			pg.hooks.notify(n->relname, n->extra);
		PQfreemem(n);
		if (pg.state != PG_READY)
			return;
	}
	if (PQstatus(pg.conn) == CONNECTION_BAD)
		ConnectionDown("lost");
}

void
pgconn_init(struct event_base *base, const char *conninfo,
			const PgHooks *hooks)
{
	struct timeval tv = {1, 0};

	pg.base = base;
	pg.conninfo = strdup(conninfo);
	pg.hooks = *hooks;
	pg.backoff_ms = BACKOFF_MIN_MS;
	pg.timer_ev = evtimer_new(base, Timer_cb, NULL);
	pg.fail_ev = event_new(base, -1, 0, FailAll_cb, NULL);
	pg.usage_ev = event_new(base, -1, EV_PERSIST, UsageTimer_cb, NULL);
	event_add(pg.usage_ev, &tv);
	(void) resolve_init(base);
	StartConnect();
}

void
pgconn_set_conninfo(const char *conninfo)
{
	if (strcmp(conninfo, pg.conninfo) == 0)
		return;
	free(pg.conninfo);
	pg.conninfo = strdup(conninfo);
	relay_log(LOG_INFO, "database connection string changed: reconnecting");
	if (pg.state != PG_DOWN)
	{
		pg.backoff_ms = BACKOFF_MIN_MS;
		ConnectionDown(NULL);
	}
}

void
pgconn_shutdown(void)
{
	pg.shutting_down = true;
	if (pg.state != PG_DOWN)
		ConnectionDown(NULL);
	evtimer_del(pg.timer_ev);
	FailAll_cb(-1, 0, NULL);
	event_free(pg.timer_ev);
	event_free(pg.fail_ev);
	event_free(pg.usage_ev);
	resolve_shutdown();
	free(pg.conninfo);
	pg.conninfo = NULL;
}

bool
pgconn_ready(void)
{
	return pg.state == PG_READY;
}

bool
pgconn_in_recovery(void)
{
	const char *v;

	if (pg.state != PG_READY)
		return false;
	/* Reported by servers from PostgreSQL 14 on, and kept up to date */
	v = PQparameterStatus(pg.conn, "in_hot_standby");
	return v != NULL && strcmp(v, "on") == 0;
}

const char *
pgconn_login_role(void)
{
	return pg.state == PG_READY ? PQuser(pg.conn) : NULL;
}

int
pgconn_pending(void)
{
	return pg.queued;
}

/* Queue c (sql and role set) with its parameters, send it if idle */
static PgCmd *
Enqueue(PgCmd *c, int nparams, const char *const *params, PgResultCb cb,
		void *arg)
{
	c->nparams = nparams;
	c->params = calloc(nparams > 0 ? nparams : 1, sizeof(char *));
	for (int i = 0; i < nparams; i++)
		c->params[i] = params[i] ? strdup(params[i]) : NULL;
	c->cb = cb;
	c->arg = arg;
	if (pg.tail)
		pg.tail->next = c;
	else
		pg.head = c;
	pg.tail = c;
	metrics.db_queue = ++pg.queued;
	if (pg.state == PG_READY)
		SendNext();
	else
		event_active(pg.fail_ev, EV_TIMEOUT, 0);
	return c;
}

PgCmd *
pgconn_query(const char *sql, int nparams, const char *const *params,
			 PgResultCb cb, void *arg)
{
	PgCmd *c = calloc(1, sizeof(PgCmd));

	if (c == NULL || (c->sql = strdup(sql)) == NULL)
	{
		relay_log(LOG_ERROR, "out of memory");
		abort();
	}
	return Enqueue(c, nparams, params, cb, arg);
}

PgCmd *
pgconn_query_as(const char *role, const char *sql, int nparams,
				const char *const *params, PgResultCb cb, void *arg)
{
	PgCmd *c;

	if (role == NULL)
		return pgconn_query(sql, nparams, params, cb, arg);
	/* Set before it can be sent (pgconn_query sends when idle) */
	c = calloc(1, sizeof(PgCmd));
	if (c == NULL || (c->sql = strdup(sql)) == NULL ||
		(c->role = strdup(role)) == NULL)
	{
		relay_log(LOG_ERROR, "out of memory");
		abort();
	}
	return Enqueue(c, nparams, params, cb, arg);
}

bool
pgconn_role_failed(void)
{
	return pg.role_failed;
}

void
pgconn_cancel(PgCmd *cmd)
{
	if (cmd)
		cmd->cb = NULL;
}

const char *
pgconn_sqlstate(const PGresult *res)
{
	const char *s = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return s ? s : "";
}
