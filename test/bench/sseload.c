/*-------------------------------------------------------------------------
 *
 * sseload.c
 *	  Load client of the relay benchmark (test/bench/relay.sh): many
 *	  Server-Sent Events subscribers in one process, or an HTTP publisher
 *	  for nchan.
 *
 *	  sseload sub [-n N] [-c K] [-e E] [-t SEC] [-r FILE] [-z] HOST:PORT PATH
 *	  sseload pub [-m M] [-R RATE] [-w W] HOST:PORT PATH
 *
 *	  Both print one line of key=value pairs on stdout when they end.
 *
 * Design notes
 *
 * One libevent loop holds every subscriber, on raw non-blocking sockets
 * with one event each, not bufferevents: at 10,000 connections the client
 * must stay small and cheap next to the server it measures.  Each read
 * goes into one shared 64 kB buffer; a connection keeps only the partial
 * line it was cut in (allocated when needed), so an idle subscriber costs
 * a few dozen bytes here.  Connections are opened at most K at a time (a
 * connection counts until its first body byte arrives), so the server's
 * listen backlog never overflows into SYN retransmits that would make the
 * ramp-up take seconds.
 *
 * The HTTP response may be chunked (evhttp and nginx both chunk an
 * HTTP/1.1 stream), so the body goes through a small chunk decoder before
 * the SSE parser.  The SSE parser is the load-test subset of the rules:
 * lines end in LF or CRLF, a blank line dispatches an event when it had a
 * data line, and comments, id, event and retry lines are skipped.  It is
 * not the conformance client (the relay tests use real ones).
 *
 * Latency: each event's data is a JSON object whose "datetime" is the
 * commit (cqstream: the source row's event time, written as
 * clock_timestamp() just before commit) or publish (nchan) time, in RFC
 * 3339 UTC.  Latency is the wall clock when the read returned minus that
 * time; the server and the client share the machine's clock.  The
 * seconds part of a time is converted once and cached, since consecutive
 * events mostly share it.  Latencies go into a histogram of 10 us buckets
 * below 100 ms and 1 ms buckets below 100 s; percentiles are bucket
 * midpoints, the maximum is exact.
 *
 * Deliveries per second are the events received by all subscribers
 * divided by the time from the first event to the last one, so the time
 * spent connecting and waiting for the feeder does not count.
 *
 * The publisher (for nchan, which takes messages by HTTP POST) keeps one
 * keep-alive connection and up to W requests in flight (pipelined), or
 * sends RATE messages a second on a timer.  Each body is the JSON a
 * cqstream transform result looks like, with "datetime" taken just before
 * the request is written.
 *
 *-------------------------------------------------------------------------
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>

#define SSELOAD_READ_SIZE 65536

/* Histogram: 10 us buckets below 100 ms, then 1 ms buckets below 100 s */
#define HIST_FINE_LIMIT	  100000LL
#define HIST_FINE_WIDTH	  10
#define HIST_COARSE_LIMIT 100000000LL
#define HIST_COARSE_WIDTH 1000
#define HIST_FINE_N		  (HIST_FINE_LIMIT / HIST_FINE_WIDTH)
#define HIST_N     \
	(HIST_FINE_N + \
	 (HIST_COARSE_LIMIT - HIST_FINE_LIMIT) / HIST_COARSE_WIDTH + 1)

typedef enum ConnState
{
	CONN_CONNECTING,
	CONN_HEADERS,
	CONN_BODY,
	CONN_DEAD
} ConnState;

typedef enum ChunkState
{
	CHUNK_SIZE,	 /* reading the hex size */
	CHUNK_EXT,	 /* skipping a chunk extension to the LF */
	CHUNK_DATA,	 /* chunk_left bytes of data */
	CHUNK_TRAIL, /* the CRLF after the data */
	CHUNK_END	 /* the last chunk was seen */
} ChunkState;

/* One subscriber */
typedef struct Conn
{
	int fd;
	struct event *ev;
	ConnState state;
	bool chunked;
	bool subscribed; /* first body byte seen */
	bool has_data;	 /* the event being read had a data line */
	ChunkState cstate;
	uint64_t chunk_left;
	int64_t event_time; /* us since the epoch, -1 if none */
	uint64_t events;
	char *line; /* carried partial line (or headers) */
	size_t line_len;
	size_t line_cap;
} Conn;

/* The run's options and totals */
static struct
{
	struct event_base *base;
	struct sockaddr_in addr;
	const char *hostport;
	const char *path;
	char request[1024];
	size_t request_len;

	/* sub */
	int n;
	int max_pending;
	uint64_t expect;
	double timeout;
	const char *ready_file;
	bool gzip; /* -z: Accept-Encoding: gzip (idle memory, -e 0) */
	Conn *conns;
	int next;
	int pending;
	int subscribed;
	int failed;
	int bad_status;
	int closed;
	int complete;
	bool ready;
	int64_t start_us; /* first connect */
	int64_t ready_us; /* every connection settled */
	bool finished;
	struct event *deadline;
	uint64_t events;
	int64_t first_us;
	int64_t last_us;
	int64_t now_us;
	uint64_t *hist;
	uint64_t lat_n;
	int64_t lat_max;
	uint64_t lat_negative;
	uint64_t unparsed;
	char cache_key[19];
	int64_t cache_sec;
	char buf[SSELOAD_READ_SIZE];

	/* pub */
	uint64_t messages;
	double rate;
	int window;
	struct bufferevent *pub;
	struct event *tick;
	uint64_t sent;
	uint64_t answered;
	uint64_t pub_errors;
	int64_t pub_start;
} g;

static void conn_start(Conn *c);
static void conn_close(Conn *c);
static void sub_check_done(void);

/* Wall clock in microseconds since the epoch */
static int64_t
now_micros(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
die(const char *msg)
{
	fprintf(stderr, "sseload: %s\n", msg);
	exit(2);
}

/*
 * Raise the soft limit on open files to the hard one: 10,000 subscribers
 * need more than the usual 1,024.
 */
static void
raise_nofile(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
	{
		rl.rlim_cur = rl.rlim_max;
		(void) setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Parse HOST:PORT (numeric IPv4) into g.addr; false if malformed */
static bool
parse_hostport(const char *s)
{
	char host[64];
	const char *colon = strrchr(s, ':');
	long port;
	char *end;

	if (colon == NULL || colon - s >= (long) sizeof(host) || colon == s)
		return false;
	memcpy(host, s, colon - s);
	host[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return false;
	memset(&g.addr, 0, sizeof(g.addr));
	g.addr.sin_family = AF_INET;
	g.addr.sin_port = htons((uint16_t) port);
	return inet_pton(AF_INET, host, &g.addr.sin_addr) == 1;
}

/* Record one latency (us) in the histogram */
static void
hist_add(int64_t us)
{
	size_t b;

	if (us < 0)
	{
		g.lat_negative++;
		us = 0;
	}
	if (us > g.lat_max)
		g.lat_max = us;
	if (us < HIST_FINE_LIMIT)
		b = us / HIST_FINE_WIDTH;
	else if (us < HIST_COARSE_LIMIT)
		b = HIST_FINE_N + (us - HIST_FINE_LIMIT) / HIST_COARSE_WIDTH;
	else
		b = HIST_N - 1;
	g.hist[b]++;
	g.lat_n++;
}

/* The q-quantile of the histogram in milliseconds (bucket midpoint) */
static double
hist_quantile(double q)
{
	uint64_t want, seen = 0;
	size_t b;

	if (g.lat_n == 0)
		return 0;
	want = (uint64_t) (q * g.lat_n);
	if (want < 1)
		want = 1;
	for (b = 0; b < HIST_N; b++)
	{
		seen += g.hist[b];
		if (seen >= want)
			break;
	}
	if (b < HIST_FINE_N)
		return (b * HIST_FINE_WIDTH + HIST_FINE_WIDTH / 2.0) / 1000.0;
	if (b < HIST_N - 1)
		return (HIST_FINE_LIMIT + (b - HIST_FINE_N) * HIST_COARSE_WIDTH +
				HIST_COARSE_WIDTH / 2.0) /
			1000.0;
	return g.lat_max / 1000.0;
}

/*
 * Microseconds since the epoch of an RFC 3339 UTC time at s (len bytes
 * available), "YYYY-MM-DDTHH:MM:SS[.f*](Z|+00:00)"; -1 if it is not one.
 */
static int64_t
parse_time(const char *s, size_t len)
{
	int64_t sec, frac = 0;
	int digits = 0;
	size_t i = 19;

	if (len < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
		s[13] != ':' || s[16] != ':')
		return -1;
	if (memcmp(s, g.cache_key, 19) == 0)
		sec = g.cache_sec;
	else
	{
		struct tm tm;
		int v[6];
		static const int pos[6] = {0, 5, 8, 11, 14, 17};
		static const int width[6] = {4, 2, 2, 2, 2, 2};

		for (int f = 0; f < 6; f++)
		{
			v[f] = 0;
			for (int k = 0; k < width[f]; k++)
			{
				char ch = s[pos[f] + k];

				if (!isdigit((unsigned char) ch))
					return -1;
				v[f] = v[f] * 10 + (ch - '0');
			}
		}
		memset(&tm, 0, sizeof(tm));
		tm.tm_year = v[0] - 1900;
		tm.tm_mon = v[1] - 1;
		tm.tm_mday = v[2];
		tm.tm_hour = v[3];
		tm.tm_min = v[4];
		tm.tm_sec = v[5];
		sec = (int64_t) timegm(&tm);
		memcpy(g.cache_key, s, 19);
		g.cache_sec = sec;
	}
	if (s[i] == '.')
	{
		for (i++; i < len && isdigit((unsigned char) s[i]); i++)
		{
			if (digits < 6)
			{
				frac = frac * 10 + (s[i] - '0');
				digits++;
			}
		}
		for (; digits < 6; digits++)
			frac *= 10;
	}
	if (i < len && s[i] == 'Z')
		return sec * 1000000 + frac;
	if (i + 6 <= len && memcmp(s + i, "+00:00", 6) == 0)
		return sec * 1000000 + frac;
	return -1;
}

/* One SSE line of c (without its line end) */
static void
sse_line(Conn *c, const char *s, size_t len)
{
	static const char key[] = "\"datetime\":\"";

	if (len > 0 && s[len - 1] == '\r')
		len--;
	if (len == 0)
	{
		if (!c->has_data)
			return;
		c->has_data = false;
		c->events++;
		g.events++;
		if (g.first_us == 0)
			g.first_us = g.now_us;
		g.last_us = g.now_us;
		if (c->event_time >= 0)
			hist_add(g.now_us - c->event_time);
		else
			g.unparsed++;
		c->event_time = -1;
		if (g.expect > 0 && c->events == g.expect)
		{
			g.complete++;
			sub_check_done();
		}
		return;
	}
	if (len >= 5 && memcmp(s, "data:", 5) == 0)
	{
		const char *k = memmem(s, len, key, sizeof(key) - 1);

		c->has_data = true;
		if (k != NULL)
		{
			k += sizeof(key) - 1;
			c->event_time = parse_time(k, len - (k - s));
		}
	}
}

/* Body bytes of c after dechunking: split into lines */
static void
sse_feed(Conn *c, const char *p, size_t n)
{
	while (n > 0)
	{
		const char *nl = memchr(p, '\n', n);
		size_t take = nl ? (size_t) (nl - p) : n;

		if (nl == NULL || c->line_len > 0)
		{
			/* carry (part of) a line over */
			if (c->line_len + take > c->line_cap)
			{
				size_t cap = c->line_cap ? c->line_cap : 256;

				while (cap < c->line_len + take)
					cap *= 2;
				c->line = realloc(c->line, cap);
				if (c->line == NULL)
					die("out of memory");
				c->line_cap = cap;
			}
			memcpy(c->line + c->line_len, p, take);
			c->line_len += take;
			if (nl == NULL)
				return;
			sse_line(c, c->line, c->line_len);
			c->line_len = 0;
		}
		else
			sse_line(c, p, take);
		p += take + 1;
		n -= take + 1;
	}
}

/* Body bytes of c as received: through the chunk decoder when chunked */
static void
body_feed(Conn *c, const char *p, size_t n)
{
	if (!c->subscribed && n > 0)
	{
		c->subscribed = true;
		g.subscribed++;
		g.pending--;
		sub_check_done();
	}
	if (!c->chunked)
	{
		sse_feed(c, p, n);
		return;
	}
	while (n > 0)
	{
		switch (c->cstate)
		{
			case CHUNK_SIZE:
			case CHUNK_EXT:
				if (*p == '\n')
				{
					c->cstate = c->chunk_left ? CHUNK_DATA : CHUNK_END;
				}
				else if (c->cstate == CHUNK_SIZE &&
						 isxdigit((unsigned char) *p))
				{
					int d = isdigit((unsigned char) *p)
						? *p - '0'
						: (tolower((unsigned char) *p) - 'a' + 10);

					c->chunk_left = c->chunk_left * 16 + d;
				}
				else if (*p != '\r')
					c->cstate = CHUNK_EXT;
				p++;
				n--;
				break;
			case CHUNK_DATA:
			{
				size_t take = n < c->chunk_left ? n : c->chunk_left;

				sse_feed(c, p, take);
				p += take;
				n -= take;
				c->chunk_left -= take;
				if (c->chunk_left == 0)
					c->cstate = CHUNK_TRAIL;
			}
			break;
			case CHUNK_TRAIL:
				if (*p == '\n')
					c->cstate = CHUNK_SIZE;
				p++;
				n--;
				break;
			case CHUNK_END:
				return;
		}
	}
}

/*
 * Response headers of c: collected in c->line until the blank line, then
 * checked (status 200) and the rest handed to the body.
 */
static void
headers_feed(Conn *c, const char *p, size_t n)
{
	char *end;
	size_t hlen;

	if (c->line_len + n + 1 > c->line_cap)
	{
		c->line_cap = c->line_len + n + 1;
		c->line = realloc(c->line, c->line_cap);
		if (c->line == NULL)
			die("out of memory");
	}
	memcpy(c->line + c->line_len, p, n);
	c->line_len += n;
	c->line[c->line_len] = '\0';
	end = strstr(c->line, "\r\n\r\n");
	if (end == NULL)
	{
		if (c->line_len > 16384)
		{
			g.bad_status++;
			conn_close(c);
		}
		return;
	}
	hlen = end + 4 - c->line;
	*end = '\0';
	if (strncmp(c->line, "HTTP/1.", 7) != 0 || strncmp(c->line + 8, " 200", 4))
	{
		if (g.bad_status++ == 0)
			fprintf(stderr, "sseload: unexpected response: %.80s\n", c->line);
		conn_close(c);
		return;
	}
	c->chunked = strcasestr(c->line, "\ntransfer-encoding: chunked") != NULL;
	c->state = CONN_BODY;
	c->cstate = CHUNK_SIZE;
	c->chunk_left = 0;
	/* the rest of the buffer is body; move it out of the line buffer */
	{
		size_t rest = c->line_len - hlen;
		char *copy = NULL;

		if (rest > 0)
		{
			copy = malloc(rest);
			if (copy == NULL)
				die("out of memory");
			memcpy(copy, c->line + hlen, rest);
		}
		free(c->line);
		c->line = NULL;
		c->line_len = c->line_cap = 0;
		if (rest > 0)
		{
			body_feed(c, copy, rest);
			free(copy);
		}
	}
}

/* Readable: one read into the shared buffer (the event is level-triggered) */
static void
conn_read_cb(evutil_socket_t fd, short what, void *arg)
{
	Conn *c = arg;
	ssize_t n;

	(void) what;
	n = read(fd, g.buf, sizeof(g.buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0)
	{
		if (c->state == CONN_BODY)
			g.closed++;
		else
			g.bad_status++;
		conn_close(c);
		return;
	}
	g.now_us = now_micros();
	if (c->state == CONN_HEADERS)
		headers_feed(c, g.buf, n);
	else if (c->state == CONN_BODY)
		body_feed(c, g.buf, n);
	if (c->state == CONN_BODY && c->cstate == CHUNK_END)
	{
		g.closed++;
		conn_close(c);
	}
}

/* Connected (or failed to): send the request and start reading */
static void
conn_connected_cb(evutil_socket_t fd, short what, void *arg)
{
	Conn *c = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void) what;
	event_free(c->ev);
	c->ev = NULL;
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0 || err != 0 ||
		write(fd, g.request, g.request_len) != (ssize_t) g.request_len)
	{
		if (g.failed++ == 0)
			fprintf(stderr, "sseload: connect: %s\n",
					strerror(err ? err : errno));
		conn_close(c);
		return;
	}
	c->state = CONN_HEADERS;
	c->ev = event_new(g.base, fd, EV_READ | EV_PERSIST, conn_read_cb, c);
	if (c->ev == NULL || event_add(c->ev, NULL) < 0)
		die("cannot add an event");
}

/* Open the next connections while fewer than max_pending are on their way */
static void
sub_launch(void)
{
	static bool running = false;

	/* a failing connect closes at once and calls back here: no recursion */
	if (running)
		return;
	running = true;
	while (g.next < g.n && g.pending < g.max_pending)
		conn_start(&g.conns[g.next++]);
	running = false;
}

static void
conn_start(Conn *c)
{
	int one = 1;

	memset(c, 0, sizeof(*c));
	c->event_time = -1;
	c->state = CONN_CONNECTING;
	g.pending++;
	c->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (c->fd < 0)
	{
		if (g.failed++ == 0)
			fprintf(stderr, "sseload: socket: %s\n", strerror(errno));
		conn_close(c);
		return;
	}
	(void) setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, (struct sockaddr *) &g.addr, sizeof(g.addr)) < 0 &&
		errno != EINPROGRESS)
	{
		if (g.failed++ == 0)
			fprintf(stderr, "sseload: connect: %s\n", strerror(errno));
		conn_close(c);
		return;
	}
	c->ev = event_new(g.base, c->fd, EV_WRITE, conn_connected_cb, c);
	if (c->ev == NULL || event_add(c->ev, NULL) < 0)
		die("cannot add an event");
}

/*
 * Close c.  A connection that never reached its body frees its slot in
 * the ramp-up; one that was counted as complete stays counted.
 */
static void
conn_close(Conn *c)
{
	if (c->state == CONN_DEAD)
		return;
	if (!c->subscribed)
		g.pending--;
	if (c->ev)
		event_free(c->ev);
	c->ev = NULL;
	if (c->fd >= 0)
		close(c->fd);
	c->fd = -1;
	free(c->line);
	c->line = NULL;
	c->line_len = c->line_cap = 0;
	c->state = CONN_DEAD;
	sub_check_done();
}

/* Print the totals and leave the loop */
static void
sub_finish(void)
{
	uint64_t min = UINT64_MAX, max = 0;
	double window, cpu;
	struct rusage ru;

	if (g.finished)
		return;
	g.finished = true;
	for (int i = 0; i < g.n; i++)
	{
		if (g.conns[i].events < min)
			min = g.conns[i].events;
		if (g.conns[i].events > max)
			max = g.conns[i].events;
	}
	if (g.n == 0)
		min = 0;
	window = (g.last_us - g.first_us) / 1e6;
	/* a client near 100% of a core measures itself, not the server */
	getrusage(RUSAGE_SELF, &ru);
	cpu = ru.ru_utime.tv_sec + ru.ru_stime.tv_sec +
		(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) / 1e6;
	printf("clients=%d subscribed=%d failed=%d bad_status=%d closed=%d "
		   "events=%llu complete=%d min_events=%llu max_events=%llu "
		   "window_s=%.3f rate=%.0f p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
		   "latencies=%llu unparsed=%llu negative=%llu cpu_s=%.2f "
		   "connect_s=%.3f\n",
		   g.n, g.subscribed, g.failed, g.bad_status, g.closed,
		   (unsigned long long) g.events, g.complete, (unsigned long long) min,
		   (unsigned long long) max, window,
		   window > 0 ? g.events / window : 0.0, hist_quantile(0.50),
		   hist_quantile(0.99), g.lat_max / 1000.0,
		   (unsigned long long) g.lat_n, (unsigned long long) g.unparsed,
		   (unsigned long long) g.lat_negative, cpu,
		   g.ready ? (g.ready_us - g.start_us) / 1e6 : -1.0);
	fflush(stdout);
	event_base_loopexit(g.base, NULL);
}

static void
sub_deadline_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	sub_finish();
}

/*
 * Called whenever a count changes: open more connections, announce
 * readiness once every connection has settled, finish once every client
 * that can still receive has received the expected events.
 */
static void
sub_check_done(void)
{
	int dead;

	if (g.finished)
		return;
	sub_launch();
	if (!g.ready && g.subscribed + g.failed + g.bad_status >= g.n &&
		g.next >= g.n)
	{
		struct timeval tv;

		g.ready = true;
		g.ready_us = now_micros();
		fprintf(stderr, "sseload: %d of %d subscribed\n", g.subscribed, g.n);
		if (g.ready_file)
		{
			FILE *f = fopen(g.ready_file, "w");

			if (f == NULL)
				die("cannot write the ready file");
			fprintf(f, "%d\n", g.subscribed);
			fclose(f);
		}
		tv.tv_sec = (long) g.timeout;
		tv.tv_usec = (long) ((g.timeout - tv.tv_sec) * 1e6);
		g.deadline = evtimer_new(g.base, sub_deadline_cb, NULL);
		if (g.deadline == NULL || evtimer_add(g.deadline, &tv) < 0)
			die("cannot add a timer");
	}
	/* clients that closed before completing will never complete */
	dead = g.failed + g.bad_status + g.closed;
	if (g.ready && g.expect > 0 && g.complete + dead >= g.n)
		sub_finish();
}

static void
stop_cb(evutil_socket_t sig, short what, void *arg)
{
	(void) sig;
	(void) what;
	(void) arg;
	if (g.pub == NULL)
		sub_finish();
	else
		event_base_loopexit(g.base, NULL);
}

static int
sub_main(void)
{
	g.hist = calloc(HIST_N, sizeof(uint64_t));
	g.conns = calloc(g.n > 0 ? g.n : 1, sizeof(Conn));
	if (g.hist == NULL || g.conns == NULL)
		die("out of memory");
	g.request_len = snprintf(g.request, sizeof(g.request),
							 "GET %s HTTP/1.1\r\nHost: %s\r\n"
							 "Accept: text/event-stream\r\n%s"
							 "Cache-Control: no-cache\r\n\r\n",
							 g.path, g.hostport,
							 g.gzip ? "Accept-Encoding: gzip\r\n" : "");
	if (g.request_len >= sizeof(g.request))
		die("path too long");
	g.start_us = now_micros();
	sub_check_done();
	event_base_dispatch(g.base);
	sub_finish();
	return g.subscribed == g.n ? 0 : 1;
}

/* ------------------------------------------------------------------------
 * Publisher
 */

static void pub_fill(void);

/* Queue one POST whose body carries the current time */
static void
pub_send(void)
{
	struct evbuffer *out = bufferevent_get_output(g.pub);
	char body[256], when[40];
	struct timespec ts;
	struct tm tm;
	int blen;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm);
	g.sent++;
	blen = snprintf(body, sizeof(body),
					"{\"query\":\"bench\",\"id\":%llu,\"key\":\"k%llu\","
					"\"datetime\":\"%s.%06ldZ\",\"value\":%llu}",
					(unsigned long long) g.sent,
					(unsigned long long) (g.sent % 10), when,
					ts.tv_nsec / 1000, (unsigned long long) g.sent);
	evbuffer_add_printf(out,
						"POST %s HTTP/1.1\r\nHost: %s\r\n"
						"Content-Type: application/json\r\n"
						"Content-Length: %d\r\n\r\n%s",
						g.path, g.hostport, blen, body);
}

/* As fast as possible: keep W requests in flight */
static void
pub_fill(void)
{
	while (g.rate <= 0 && g.sent < g.messages &&
		   g.sent - g.answered < (uint64_t) g.window)
		pub_send();
}

/*
 * Responses: status line, headers to the blank line, Content-Length bytes
 * of body.  Anything but 2xx counts as an error.
 */
static void
pub_read_cb(struct bufferevent *bev, void *arg)
{
	struct evbuffer *in = bufferevent_get_input(bev);

	(void) arg;
	for (;;)
	{
		struct evbuffer_ptr end = evbuffer_search(in, "\r\n\r\n", 4, NULL);
		char *head, *cl;
		size_t hlen;
		long clen = 0;

		if (end.pos < 0)
			break;
		hlen = end.pos + 4;
		head = (char *) evbuffer_pullup(in, hlen);
		if (head == NULL)
			die("out of memory");
		cl = memmem(head, hlen, "\ncontent-length:", 16);
		if (cl == NULL)
			cl = memmem(head, hlen, "\nContent-Length:", 16);
		if (cl != NULL)
			clen = strtol(cl + 16, NULL, 10);
		else if (memmem(head, hlen, "chunked", 7) != NULL)
			die("chunked publisher responses are not supported");
		if (evbuffer_get_length(in) < hlen + clen)
			break;
		if (strncmp(head, "HTTP/1.", 7) != 0 || head[9] != '2')
		{
			if (g.pub_errors++ == 0)
				fprintf(stderr, "sseload: publish answered %.40s\n", head);
		}
		evbuffer_drain(in, hlen + clen);
		g.answered++;
	}
	if (g.answered >= g.messages)
	{
		event_base_loopexit(g.base, NULL);
		return;
	}
	pub_fill();
}

static void
pub_event_cb(struct bufferevent *bev, short what, void *arg)
{
	(void) bev;
	(void) arg;
	if (what & BEV_EVENT_CONNECTED)
	{
		g.pub_start = now_micros();
		pub_fill();
		return;
	}
	fprintf(stderr, "sseload: publisher connection %s\n",
			what & BEV_EVENT_EOF ? "closed" : "failed");
	event_base_loopexit(g.base, NULL);
}

/* RATE a second: the timer fires at that period */
static void
pub_tick_cb(evutil_socket_t fd, short what, void *arg)
{
	(void) fd;
	(void) what;
	(void) arg;
	if (g.pub_start == 0)
		return;
	if (g.sent < g.messages)
		pub_send();
	else
		event_del(g.tick);
}

static int
pub_main(void)
{
	int64_t t;

	g.pub = bufferevent_socket_new(g.base, -1, BEV_OPT_CLOSE_ON_FREE);
	if (g.pub == NULL)
		die("cannot create the publisher");
	bufferevent_setcb(g.pub, pub_read_cb, NULL, pub_event_cb, NULL);
	bufferevent_enable(g.pub, EV_READ | EV_WRITE);
	if (bufferevent_socket_connect(g.pub, (struct sockaddr *) &g.addr,
								   sizeof(g.addr)) < 0)
		die("cannot connect the publisher");
	if (g.rate > 0)
	{
		struct timeval tv;
		double period = 1.0 / g.rate;

		tv.tv_sec = (long) period;
		tv.tv_usec = (long) ((period - tv.tv_sec) * 1e6);
		g.tick = event_new(g.base, -1, EV_PERSIST, pub_tick_cb, NULL);
		if (g.tick == NULL || event_add(g.tick, &tv) < 0)
			die("cannot add a timer");
	}
	event_base_dispatch(g.base);
	t = now_micros() - g.pub_start;
	printf("published=%llu answered=%llu errors=%llu seconds=%.3f\n",
		   (unsigned long long) g.sent, (unsigned long long) g.answered,
		   (unsigned long long) g.pub_errors, t / 1e6);
	return g.answered == g.messages && g.pub_errors == 0 ? 0 : 1;
}

static void
usage(void)
{
	fprintf(stderr,
			"usage: sseload sub [-n clients] [-c connecting] [-e events] "
			"[-t seconds] [-r readyfile] [-z] HOST:PORT PATH\n"
			"       sseload pub [-m messages] [-R rate] [-w window] "
			"HOST:PORT PATH\n");
	exit(2);
}

int
main(int argc, char **argv)
{
	bool pub;
	int opt;
	struct event *sigterm, *sigint;

	if (argc < 2)
		usage();
	if (strcmp(argv[1], "sub") == 0)
		pub = false;
	else if (strcmp(argv[1], "pub") == 0)
		pub = true;
	else
		usage();
	argv++;
	argc--;

	g.n = 1000;
	g.max_pending = 256;
	g.timeout = 30;
	g.messages = 1000;
	g.window = 32;
	while ((opt = getopt(argc, argv, "n:c:e:t:r:m:R:w:z")) != -1)
	{
		switch (opt)
		{
			case 'n':
				g.n = atoi(optarg);
				break;
			case 'c':
				g.max_pending = atoi(optarg);
				break;
			case 'e':
				g.expect = strtoull(optarg, NULL, 10);
				break;
			case 't':
				g.timeout = atof(optarg);
				break;
			case 'r':
				g.ready_file = optarg;
				break;
			case 'm':
				g.messages = strtoull(optarg, NULL, 10);
				break;
			case 'R':
				g.rate = atof(optarg);
				break;
			case 'w':
				g.window = atoi(optarg);
				break;
			case 'z':
				/* Ask for gzip (idle memory only: bodies are not decoded) */
				g.gzip = true;
				break;
			default:
				usage();
		}
	}
	if (argc - optind != 2 || g.n < 0 || g.max_pending < 1 || g.window < 1)
		usage();
	g.hostport = argv[optind];
	g.path = argv[optind + 1];
	if (!parse_hostport(g.hostport))
		die("HOST:PORT must be a numeric IPv4 address and a port");

	raise_nofile();
	signal(SIGPIPE, SIG_IGN);
	g.base = event_base_new();
	if (g.base == NULL)
		die("cannot create the event base");
	sigterm = evsignal_new(g.base, SIGTERM, stop_cb, NULL);
	sigint = evsignal_new(g.base, SIGINT, stop_cb, NULL);
	if (sigterm == NULL || sigint == NULL || evsignal_add(sigterm, NULL) < 0 ||
		evsignal_add(sigint, NULL) < 0)
		die("cannot watch signals");
	return pub ? pub_main() : sub_main();
}
