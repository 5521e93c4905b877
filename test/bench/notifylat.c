/*
 * notifylat.c: commit-to-NOTIFY latency for test/bench/latency.sh.
 *
 *   notifylat CONNINFO CHANNEL SQL N RATE
 *
 * LISTENs on CHANNEL on one connection; on another, runs SQL (a
 * single-row INSERT, committed on its own) N times at RATE statements a
 * second, on a fixed schedule.  After each one it waits for the next
 * notification and takes the time from the INSERT's return (its commit
 * seen by the client) to the notification's arrival.  Prints one line:
 * "p50 P99 max" in milliseconds.  A notification that arrives before the
 * INSERT's reply (a trigger's, sent at commit) counts as 0.
 */
#include <errno.h>
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
connect_or_die(const char *conninfo)
{
	PGconn *conn = PQconnectdb(conninfo);

	if (PQstatus(conn) != CONNECTION_OK)
	{
		fprintf(stderr, "notifylat: %s", PQerrorMessage(conn));
		exit(2);
	}
	return conn;
}

static void
exec_or_die(PGconn *conn, const char *sql)
{
	PGresult *res = PQexec(conn, sql);

	if (PQresultStatus(res) != PGRES_COMMAND_OK)
	{
		fprintf(stderr, "notifylat: %s: %s", sql, PQerrorMessage(conn));
		exit(2);
	}
	PQclear(res);
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

		if (!PQconsumeInput(conn))
			return NULL;
		if ((n = PQnotifies(conn)) != NULL)
			return n;
		left = end - now_ms();
		if (left <= 0)
			return NULL;
		FD_ZERO(&fds);
		FD_SET(PQsocket(conn), &fds);
		tv.tv_sec = (long) (left / 1000);
		tv.tv_usec = (long) ((left - tv.tv_sec * 1000.0) * 1000);
		if (select(PQsocket(conn) + 1, &fds, NULL, NULL, &tv) < 0 &&
			errno != EINTR)
			return NULL;
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *) a, y = *(const double *) b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	PGconn *listener, *writer;
	char listen_sql[256];
	double *ms, start, step;
	int n;

	if (argc != 6)
	{
		fprintf(stderr, "usage: notifylat CONNINFO CHANNEL SQL N RATE\n");
		return 2;
	}
	n = atoi(argv[4]);
	step = 1000.0 / atof(argv[5]);
	if (n < 1 || step <= 0)
		return 2;
	ms = calloc(n, sizeof(double));
	listener = connect_or_die(argv[1]);
	writer = connect_or_die(argv[1]);
	snprintf(listen_sql, sizeof(listen_sql), "LISTEN %s", argv[2]);
	exec_or_die(listener, listen_sql);

	start = now_ms();
	for (int i = 0; i < n; i++)
	{
		double due = start + i * step, t0;
		PGnotify *note;

		/* The schedule: sleep until this insert's turn */
		while (now_ms() < due)
		{
			double left = due - now_ms();
			struct timespec pause = {(time_t) (left / 1000),
									 (long) (left * 1e6) % 1000000000L};

			nanosleep(&pause, NULL);
		}
		exec_or_die(writer, argv[3]);
		t0 = now_ms();
		note = wait_notify(listener, 5000);
		if (note == NULL)
		{
			fprintf(stderr, "notifylat: no notification within 5 s\n");
			return 1;
		}
		ms[i] = now_ms() - t0;
		PQfreemem(note);
		/* A notification already read with the reply counts as 0 */
		while ((note = PQnotifies(listener)) != NULL)
			PQfreemem(note);
	}
	qsort(ms, n, sizeof(double), cmp_double);
	printf("%.3f %.3f %.3f\n", ms[n / 2], ms[(int) (n * 0.99)], ms[n - 1]);
	PQfinish(listener);
	PQfinish(writer);
	return 0;
}
