/*
 * resolve.c
 *	  Looking the database host up without blocking the loop (resolve.h).
 *
 * Design notes
 *
 * One evdns_base, set up from /etc/resolv.conf and /etc/hosts as the C
 * library would (again on SIGHUP: resolve_reload), and disabled while no
 * lookup is pending so that it never keeps the loop alive at shutdown.
 * Every address found is passed on (as libpq would try each in turn), up
 * to RESOLVE_MAX_ADDRS.  A name DNS does not know (NXDOMAIN) may still be
 * known to the C library's other sources (mDNS, LDAP through NSS): the
 * caller then lets libpq look it up itself.  A resolver failure (timeout)
 * is an error like a refused connection: pgconn.c retries after its
 * backoff.
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

#define RESOLVE_MAX_ADDRS 8

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
resolve_reload(void)
{
	if (dns == NULL)
		return;
	/* Pending look-ups wait for the new servers (suspend/resume) */
	evdns_base_clear_nameservers_and_suspend(dns);
	evdns_base_clear_host_addresses(dns);
	if (evdns_base_resolv_conf_parse(dns, DNS_OPTIONS_ALL,
									 "/etc/resolv.conf") != 0)
		relay_log(LOG_WARN,
				  "reading /etc/resolv.conf failed: DNS look-ups "
				  "use the resolver's defaults");
	evdns_base_resume(dns);
}

void
resolve_shutdown(void)
{
	if (dns)
		evdns_base_free(dns, 1);
	dns = NULL;
}

/* Is s a numeric address (IPv4, IPv6, also with a %scope)?  Never blocks */
static bool
IsAddress(const char *s)
{
	struct addrinfo hints;
	struct addrinfo *ai = NULL;
	bool numeric;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	numeric = getaddrinfo(s, NULL, &hints, &ai) == 0;
	if (ai)
		freeaddrinfo(ai);
	return numeric;
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
	bool host_given = false;
	bool hostaddr_given = false;
	bool service = getenv("PGSERVICE") != NULL;

	for (PQconninfoOption *o = opts; o->keyword; o++)
	{
		if (o->val == NULL)
			continue;
		if (strcmp(o->keyword, "host") == 0)
		{
			host = o->val;
			host_given = true;
		}
		else if (strcmp(o->keyword, "hostaddr") == 0)
		{
			hostaddr = o->val;
			hostaddr_given = true;
		}
		else if (strcmp(o->keyword, "service") == 0)
			service = true;
	}
	/*
	 * As libpq: the environment when the string has none (an empty value
	 * in the string is libpq's default, a socket).  A service file may
	 * name the host or its address: left to libpq.
	 */
	if (!host_given)
		host = getenv("PGHOST");
	if (!hostaddr_given)
		hostaddr = getenv("PGHOSTADDR");
	if (!service && host && host[0] != '\0' &&
		(hostaddr == NULL || hostaddr[0] == '\0') && host[0] != '/' &&
		host[0] != '@' && strchr(host, ',') == NULL && !IsAddress(host))
		result = strdup(host);
	PQconninfoFree(opts);
	return result;
}

static void
Answer_cb(int errcode, struct evutil_addrinfo *ai, void *arg)
{
	ResolveReq *r = arg;
	char addrs[RESOLVE_MAX_ADDRS * (INET6_ADDRSTRLEN + 1)] = "";
	size_t len = 0;
	int n = 0;
	const char *error = NULL;
	bool unknown = false;

	r->req = NULL;
	if (errcode == EVUTIL_EAI_CANCEL || r->cancelled)
	{
		/* resolve_cancel's request: answered with CANCEL, later */
		if (ai)
			evutil_freeaddrinfo(ai);
		free(r);
		return;
	}
	/* Every address, comma-separated, as hostaddr takes them */
	for (struct evutil_addrinfo *a = ai; a && n < RESOLVE_MAX_ADDRS;
		 a = a->ai_next)
	{
		char one[INET6_ADDRSTRLEN];
		const void *bytes = a->ai_family == AF_INET6
			? (const void *) &((struct sockaddr_in6 *) a->ai_addr)->sin6_addr
			: (const void *) &((struct sockaddr_in *) a->ai_addr)->sin_addr;

		if ((a->ai_family != AF_INET && a->ai_family != AF_INET6) ||
			evutil_inet_ntop(a->ai_family, bytes, one, sizeof(one)) == NULL ||
			strstr(addrs, one) != NULL)
			continue;
		len += snprintf(addrs + len, sizeof(addrs) - len, "%s%s",
						n > 0 ? "," : "", one);
		n++;
	}
	if (errcode != 0)
	{
		error = evutil_gai_strerror(errcode);
		unknown = errcode == EVUTIL_EAI_NONAME;
	}
	else if (n == 0)
	{
		error = "no address";
		unknown = true;
	}
	if (ai)
		evutil_freeaddrinfo(ai);
	r->cb(error ? NULL : addrs, n, error, unknown, r->arg);
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
	/* The CANCEL answer comes later from the loop and frees r (at exit,
	 * after the loop has stopped, it never comes: r is left to the exit) */
	if (r->req)
		evdns_getaddrinfo_cancel(r->req);
}
