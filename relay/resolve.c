/*
 * resolve.c
 *	  Looking the database host up without blocking the loop (resolve.h).
 *
 * Design notes
 *
 * One evdns_base, set up from /etc/resolv.conf and /etc/hosts as the C
 * library would, and disabled while no lookup is pending so that it never
 * keeps the loop alive at shutdown.  The first address evdns returns is
 * used (IPv4 and IPv6 alike); a name that resolves to nothing, or a
 * resolver failure, is an error like a refused connection: pgconn.c
 * retries after its backoff.
 */
#include <arpa/inet.h>
#include <netdb.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include <event2/dns.h>
#include <event2/util.h>
#include <libpq-fe.h>

#include "log.h"
#include "resolve.h"

struct ResolveReq
{
	struct evdns_getaddrinfo_request *req; /* NULL once answered */
	ResolveCb cb;
	void *arg;
	bool cancelled;
};

static struct evdns_base *dns;

bool
resolve_init(struct event_base *base)
{
	dns = evdns_base_new(base,
						 EVDNS_BASE_INITIALIZE_NAMESERVERS |
							 EVDNS_BASE_DISABLE_WHEN_INACTIVE);
	if (dns == NULL)
	{
		relay_log(LOG_WARN,
				  "no DNS resolver (/etc/resolv.conf): libpq will "
				  "look database host names up, blocking the loop");
		return false;
	}
	return true;
}

void
resolve_shutdown(void)
{
	if (dns)
		evdns_base_free(dns, 1);
	dns = NULL;
}

/* Is s an IPv4 or IPv6 address? */
static bool
IsAddress(const char *s)
{
	unsigned char buf[sizeof(struct in6_addr)];

	return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

char *
resolve_host_of(const char *conninfo)
{
	PQconninfoOption *opts;
	const char *host = NULL;
	const char *hostaddr = NULL;
	char *err = NULL;
	char *result = NULL;

	if (dns == NULL)
		return NULL;
	opts = PQconninfoParse(conninfo, &err);
	if (opts == NULL)
	{
		PQfreemem(err);
		return NULL;
	}
	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL || o->val[0] == '\0')
			continue;
		if (strcmp(o->keyword, "host") == 0)
			host = o->val;
		else if (strcmp(o->keyword, "hostaddr") == 0)
			hostaddr = o->val;
	}
	/* As libpq: the environment when the string has none */
	if (host == NULL)
		host = getenv("PGHOST");
	if (hostaddr == NULL)
		hostaddr = getenv("PGHOSTADDR");
	if (host && host[0] != '\0' && (hostaddr == NULL || hostaddr[0] == '\0') &&
		host[0] != '/' && host[0] != '@' && strchr(host, ',') == NULL &&
		!IsAddress(host))
		result = strdup(host);
	PQconninfoFree(opts);
	return result;
}

static void
Answer_cb(int errcode, struct evutil_addrinfo *ai, void *arg)
{
	ResolveReq *r = arg;
	char addr[INET6_ADDRSTRLEN] = "";
	const char *error = NULL;

	r->req = NULL;
	if (errcode == EVUTIL_EAI_CANCEL || r->cancelled)
	{
		/* resolve_cancel frees r once evdns is done with it */
		if (ai)
			evutil_freeaddrinfo(ai);
		free(r);
		return;
	}
	if (errcode != 0)
		error = evutil_gai_strerror(errcode);
	else if (ai == NULL ||
			 evutil_inet_ntop(ai->ai_family,
							  ai->ai_family == AF_INET6
								  ? (void *) &(
										(struct sockaddr_in6 *) ai->ai_addr)
										->sin6_addr
								  : (void *) &(
										(struct sockaddr_in *) ai->ai_addr)
										->sin_addr,
							  addr, sizeof(addr)) == NULL)
		error = "no address";
	if (ai)
		evutil_freeaddrinfo(ai);
	r->cb(error ? NULL : addr, error, r->arg);
	free(r);
}

ResolveReq *
resolve_start(const char *host, ResolveCb cb, void *arg)
{
	struct evutil_addrinfo hints;
	ResolveReq *r = calloc(1, sizeof(*r));
	struct evdns_getaddrinfo_request *req;

	if (r == NULL)
		return NULL;
	r->cb = cb;
	r->arg = arg;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_protocol = IPPROTO_TCP;
	/*
	 * Answers found at once (/etc/hosts, "localhost") call back from
	 * inside evdns_getaddrinfo and return NULL; r is freed by then, so
	 * it is not returned: there is nothing left to cancel.
	 */
	req = evdns_getaddrinfo(dns, host, NULL, &hints, Answer_cb, r);
	if (req == NULL)
		return NULL;
	r->req = req;
	return r;
}

void
resolve_cancel(ResolveReq *r)
{
	if (r == NULL)
		return;
	r->cancelled = true;
	if (r->req)
		evdns_getaddrinfo_cancel(r->req); /* calls back, which frees r */
}
