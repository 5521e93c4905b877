/*
 * cqlisten.c: a LISTEN client for the worker tests (test/worker/worker.sh).
 *
 *   cqlisten CONNINFO CHANNEL RESULTS TIMEOUT_S
 *	   LISTEN on CHANNEL, print each notification's payload on its own line
 *	   until RESULTS results (objects with an "id", or the range of a
 *	   hint {"first_id":..,"last_id":..}) have arrived or
 *	   TIMEOUT_S seconds have passed; exit 0 only if all arrived.  Prints
 *	   "listening" on stderr once LISTEN is in place.
 *
 *   cqlisten --latency CONNINFO CHANNEL SQL N
 *	   N times: run SQL (an INSERT, committed on its own) on a second
 *	   connection, then wait for the next notification on CHANNEL; print
 *	   the median, 95th percentile and maximum of the time from the
 *	   INSERT's commit to the notification, in milliseconds.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <time.h>

#include <libpq-fe.h>

static double
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000.0 + ts.tv_nsec / 1e6;
}

static PGconn *
connect_listen(const char *conninfo, const char *channel)
{
	PGconn *conn = PQconnectdb(conninfo);
	char sql[256];
	PGresult *res;

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "cqlisten: %s", PQerrorMessage(conn));
		exit(2);
	}
	snprintf(sql, sizeof(sql), "LISTEN %s", channel);
	res = PQexec(conn, sql);
	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "cqlisten: %s", PQerrorMessage(conn));
		exit(2);
	}
	PQclear(res);
	return conn;
}

/* Next notification, or NULL after timeout_ms */
static PGnotify *
wait_notify(PGconn *conn, double timeout_ms)
{
	double end = now_ms() + timeout_ms;

	for (;;)
	{
		PGnotify *n;
		fd_set fds;
		struct timeval tv;
		double left;

		PQconsumeInput(conn);
		if ((n = PQnotifies(conn)) != NULL)
			return n;
		left = end - now_ms();
		if (left <= 0)
			return NULL;
		FD_ZERO(&fds);
		FD_SET(PQsocket(conn), &fds);
		tv.tv_sec = (long) (left / 1000);
		tv.tv_usec = (long) ((left - tv.tv_sec * 1000.0) * 1000);
		if (select(PQsocket(conn) + 1, &fds, NULL, NULL, &tv) < 0)
			return NULL;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

static int
latency(const char *conninfo, const char *channel, const char *sql, int n)
{
	PGconn *listener = connect_listen(conninfo, channel);
	PGconn *writer = PQconnectdb(conninfo);
	double *ms = calloc(n, sizeof(double));

	if (PQstatus(writer) != CONNECTION_OK)
	{
		fprintf(stderr, "cqlisten: %s", PQerrorMessage(writer));
		return 2;
	}
	for (int i = 0; i < n; i++)
	{
		PGresult *res = PQexec(writer, sql);
		double t0 = now_ms();
		PGnotify *note;

		if (PQresultStatus(res) != PGRES_COMMAND_OK)
		{
			fprintf(stderr, "cqlisten: %s", PQerrorMessage(writer));
			return 2;
		}
		PQclear(res);
		note = wait_notify(listener, 5000);
		if (note == NULL)
		{
			fprintf(stderr, "cqlisten: no notification within 5 s\n");
			return 1;
		}
		ms[i] = now_ms() - t0;
		PQfreemem(note);
		/* Spread the inserts so that each meets an idle worker */
		{
			struct timespec pause = {0, 3 * 1000 * 1000 + (i % 7) * 1000000};

			nanosleep(&pause, NULL);
		}
	}
	qsort(ms, n, sizeof(double), cmp_double);
	printf("median %.2f p95 %.2f max %.2f\n", ms[n / 2],
		   ms[(int) (n * 0.95)], ms[n - 1]);
	PQfinish(listener);
	PQfinish(writer);
	return 0;
}

int
main(int argc, char **argv)
{
	PGconn *conn;
	long want, got = 0;
	double end;

	if (argc == 6 && strcmp(argv[1], "--latency") == 0)
		return latency(argv[2], argv[3], argv[4], atoi(argv[5]));
	if (argc != 5)
	{
		fprintf(stderr, "usage: cqlisten CONNINFO CHANNEL RESULTS TIMEOUT_S\n"
						"       cqlisten --latency CONNINFO CHANNEL SQL N\n");
		return 2;
	}
	conn = connect_listen(argv[1], argv[2]);
	fprintf(stderr, "listening\n");
	want = atol(argv[3]);
	end = now_ms() + atof(argv[4]) * 1000;
	while (got < want)
	{
		PGnotify *n = wait_notify(conn, end - now_ms());
		const char *p;

		if (n == NULL)
			break;
		printf("%s\n", n->extra);
		for (p = n->extra; (p = strstr(p, "\"id\":")) != NULL; p++)
			got++;
		/* a hint announces the results first_id .. last_id */
		if ((p = strstr(n->extra, "\"first_id\":")) != NULL)
		{
			long long first = atoll(p + 11);

			if ((p = strstr(n->extra, "\"last_id\":")) != NULL)
				got += atoll(p + 10) - first + 1;
		}
		PQfreemem(n);
	}
	fflush(stdout);
	PQfinish(conn);
	return got >= want ? 0 : 1;
}
