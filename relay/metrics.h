/*
 * metrics.h
 *	  The relay's counters and their Prometheus text exposition.
 *
 * Design notes
 *
 * Plain global counters: the relay is one thread, so no atomics.  The
 * notification queue usage comes from the database
 * (pg_notification_queue_usage()) and is refreshed by the connection
 * module at most once a second; /metrics never waits for it.
 */
#ifndef RELAY_METRICS_H
#define RELAY_METRICS_H

#include <stdint.h>

#include "sse.h"

typedef struct RelayMetrics
{
	int64_t clients;	/* open streams */
	int64_t events_in;	/* results received from the database */
	int64_t events_out; /* events written to clients */
	int64_t bytes_out;	/* bytes of stream output */
	int64_t slow_closes;
	int64_t replays;	   /* history reads for a (re)connect or back-fill */
	int64_t db_reconnects; /* connections made after a loss */
	int64_t shed;		   /* streams refused over a limit */
	int64_t hints;		   /* notifications on the channels of topics */
	int64_t log_reads;	   /* live reads of the results log */
	int64_t request_timeouts; /* connections closed before a request */
	int64_t pending_requests; /* connections still sending a request */
	int64_t db_queue;		  /* commands queued for the database */
	double queue_usage;		  /* fraction, or < 0 when unknown */
} RelayMetrics;

extern RelayMetrics metrics;

/* Append the Prometheus text format of the counters */
extern void metrics_render(StrBuf *b);

#endif /* RELAY_METRICS_H */
