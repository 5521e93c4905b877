/*
 * main.c
 *	  cqstream-relay: PostgreSQL NOTIFY from cqstream to Server-Sent Events.
 *
 * Design notes
 *
 * One thread, one libevent loop for HTTP and the database connection
 * (docs/relay.md).  main only wires the modules together: configuration
 * (config.c), the database connection (pgconn.c), streams (stream.c, the
 * entry point of the stream modules) and routes (http.c).  Signals
 * arrive through the loop (evsignal), so their handlers run as ordinary
 * callbacks:
 *
 * - SIGTERM, SIGINT: drain.  Stop accepting, end every stream with a
 *   jittered retry: hint, wait until their connections are closed (at
 *   most DRAIN_TIMEOUT_S), exit 0.
 * - SIGHUP: load the configuration again from the same flags, environment
 *   and file, and the token file; on success it replaces the current one
 *   (the listen address excepted, which needs a restart), on error the
 *   current one stays.  The environment is the one the relay started
 *   with: settings meant to change without a restart belong in the files.
 *
 * The soft limit of open files is raised to the hard limit at start, since
 * each stream holds a descriptor.
 */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "config.h"
#include "gzip.h"
#include "http.h"
#include "log.h"
#include "pgconn.h"
#include "resolve.h"
#include "stream.h"

#define DRAIN_TIMEOUT_S 5

static struct
{
	struct event_base *base;
	RelayConfig cfg;
	int argc;
	char **argv;
	struct event *drain_timer;
	bool draining;
} relay;

static void
RaiseFileLimit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
		return;
	if (rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = rl.rlim_max;
		if (setrlimit(RLIMIT_NOFILE, &rl) != 0)
			relay_log(LOG_WARN, "could not raise the open files limit");
	}
	getrlimit(RLIMIT_NOFILE, &rl);
	relay_log(LOG_INFO, "open files limit %llu",
			  (unsigned long long) rl.rlim_cur);
}

static void
DrainDone(void)
{
	event_base_loopexit(relay.base, NULL);
}

static void
DrainTimeout_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	relay_log(LOG_INFO, "drain timed out: closing the remaining connections");
	event_base_loopexit(relay.base, NULL);
}

static void
Term_cb(evutil_socket_t sig, short what, void *arg)
{
	struct timeval tv = {DRAIN_TIMEOUT_S, 0};
	int left;

	(void) what;
	(void) arg;
	if (relay.draining)
	{
		/* A second signal: do not wait any longer */
		event_base_loopexit(relay.base, NULL);
		return;
	}
	relay.draining = true;
	relay_log(LOG_INFO, "received signal %d: draining", (int) sig);
	http_stop_accepting();
	left = stream_drain(DrainDone);
	if (left == 0)
	{
		event_base_loopexit(relay.base, NULL);
		return;
	}
	relay.drain_timer = evtimer_new(relay.base, DrainTimeout_cb, NULL);
	evtimer_add(relay.drain_timer, &tv);
}

static void
Hup_cb(evutil_socket_t sig, short what, void *arg)
{
	RelayConfig fresh;
	FILE *devnull;
	ConfigAction a;

	(void) sig;
	(void) what;
	(void) arg;
	devnull = fopen("/dev/null", "w");
	a = config_load(&fresh, relay.argc, relay.argv, devnull ? devnull : stderr,
					stderr);
	if (devnull)
		fclose(devnull);
	if (a != CONFIG_RUN)
	{
		relay_log(LOG_WARN,
				  "configuration not reloaded: keeping the current "
				  "one");
		return;
	}
	if (strcmp(fresh.listen, relay.cfg.listen) != 0)
		relay_log(LOG_WARN,
				  "listen address changes need a restart: still "
				  "on %s",
				  relay.cfg.listen);
	config_free(&relay.cfg);
	relay.cfg = fresh;
	relay_config = &relay.cfg;
	resolve_reload();
	pgconn_set_conninfo(relay.cfg.db);
	stream_config_changed();
	http_config_changed();
	relay_log(LOG_INFO, "configuration reloaded");
}

int
main(int argc, char **argv)
{
	struct event *sig_term;
	struct event *sig_int;
	struct event *sig_hup;
	PgHooks hooks = {stream_db_connected, stream_db_lost, stream_db_notify};
	const char *debug = getenv("CQSTREAM_RELAY_DEBUG");

	switch (config_load(&relay.cfg, argc, argv, stdout, stderr))
	{
		case CONFIG_EXIT0:
			return 0;
		case CONFIG_ERROR:
			return 2;
		case CONFIG_RUN:
			break;
	}
	if (debug && strcmp(debug, "1") == 0)
		log_min_level = LOG_DEBUG;
	relay.argc = argc;
	relay.argv = argv;
	relay_config = &relay.cfg;
	srandom((unsigned) time(NULL) ^ (unsigned) getpid());
	signal(SIGPIPE, SIG_IGN);
	RaiseFileLimit();

	relay.base = event_base_new();
	if (relay.base == NULL)
	{
		relay_log(LOG_ERROR, "could not start the event loop");
		return 1;
	}
	stream_init(relay.base);
	if (!http_start(relay.base, relay.cfg.listen_host, relay.cfg.listen_port))
		return 1;
	pgconn_init(relay.base, relay.cfg.db, &hooks);
	sig_term = evsignal_new(relay.base, SIGTERM, Term_cb, NULL);
	sig_int = evsignal_new(relay.base, SIGINT, Term_cb, NULL);
	sig_hup = evsignal_new(relay.base, SIGHUP, Hup_cb, NULL);
	evsignal_add(sig_term, NULL);
	evsignal_add(sig_int, NULL);
	evsignal_add(sig_hup, NULL);

	event_base_dispatch(relay.base);

	relay_log(LOG_INFO, "exiting");
	/* Commands still queued are answered while their requests exist */
	pgconn_shutdown();
	stream_shutdown();
	http_shutdown();
	gzip_shutdown();
	event_free(sig_term);
	event_free(sig_int);
	event_free(sig_hup);
	if (relay.drain_timer)
		event_free(relay.drain_timer);
	event_base_free(relay.base);
	config_free(&relay.cfg);
	return 0;
}
