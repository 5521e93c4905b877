/*
 * resolve.h
 *	  The database's host name looked up on the event loop (evdns), so that
 *	  connecting never blocks the streams (resolve.c).
 *
 * Design notes
 *
 * libpq looks a host name up with a blocking getaddrinfo() inside
 * PQconnectStart/PQconnectPoll.  pgconn.c asks resolve_host_of() whether
 * a connection string names one host by name (no hostaddr, not a socket
 * directory, not an IP address, no service); if so it resolves it here
 * first and connects with hostaddr set to the addresses found, and host
 * repeated as often (libpq still uses it for SSL checks, Kerberos and the
 * password file).  Strings naming several hosts are left to libpq, as are
 * names DNS does not know.
 */
#ifndef RELAY_RESOLVE_H
#define RELAY_RESOLVE_H

#include <stdbool.h>

#include <event2/event.h>

typedef struct ResolveReq ResolveReq;

/*
 * addrs: the n addresses found, comma-separated (as libpq's hostaddr), or
 * NULL with error set; unknown: DNS does not know the name (other sources
 * of the C library might).
 */
typedef void (*ResolveCb)(const char *addrs, int n, const char *error,
						  bool unknown, void *arg);

/* False when no resolver could be set up (libpq then looks names up) */
extern bool resolve_init(struct event_base *base);
extern void resolve_shutdown(void);
/* Read /etc/resolv.conf and /etc/hosts again (SIGHUP) */
extern void resolve_reload(void);

/*
 * The host name conninfo makes libpq look up (malloc'd), or NULL when it
 * needs no lookup, is not valid (libpq will say why) or names several
 * hosts.
 */
extern char *resolve_host_of(const char *conninfo);

/*
 * Look host up.  cb runs once, later from the loop, unless cancelled
 * first; an answer known at once (/etc/hosts) runs cb before this
 * returns, and then NULL is returned (as when memory ran out: no callback
 * then, and the caller's connect timeout applies).  After cb has run the
 * request is gone and must not be cancelled.
 */
extern ResolveReq *resolve_start(const char *host, ResolveCb cb, void *arg);
extern void resolve_cancel(ResolveReq *req);

#endif /* RELAY_RESOLVE_H */
