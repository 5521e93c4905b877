/*
 * metrics.c
 *	  Prometheus text exposition of the relay's counters.
 *
 * Design notes
 *
 * Names follow Prometheus conventions: _total for counters, a gauge
 * otherwise; each with HELP and TYPE lines (text format 0.0.4).
 */
#include "metrics.h"

RelayMetrics metrics = {.queue_usage = -1};

static void
Metric(StrBuf *b, const char *name, const char *type, const char *help,
	   int64_t v)
{
	strbuf_printf(b, "# HELP %s %s\n# TYPE %s %s\n%s %lld\n", name, help, name,
				  type, name, (long long) v);
}

void
metrics_render(StrBuf *b)
{
	Metric(b, "cqstream_relay_clients", "gauge", "Open event streams.",
		   metrics.clients);
	Metric(b, "cqstream_relay_events_in_total", "counter",
		   "Results read from the results log (live reads and history).",
		   metrics.events_in);
	Metric(b, "cqstream_relay_events_out_total", "counter",
		   "Events written to clients.", metrics.events_out);
	Metric(b, "cqstream_relay_bytes_out_total", "counter",
		   "Bytes of event stream output.", metrics.bytes_out);
	Metric(b, "cqstream_relay_slow_client_closes_total", "counter",
		   "Clients closed because their output buffer was full.",
		   metrics.slow_closes);
	Metric(b, "cqstream_relay_replays_total", "counter",
		   "History reads from the results log for a (re)connect or a "
		   "back-fill.",
		   metrics.replays);
	Metric(b, "cqstream_relay_db_reconnects_total", "counter",
		   "Database connections made again after a loss.",
		   metrics.db_reconnects);
	Metric(b, "cqstream_relay_shed_total", "counter",
		   "Streams answered with retry: and closed over max-clients, "
		   "max-topics or max-db-queue.",
		   metrics.shed);
	Metric(b, "cqstream_relay_hints_total", "counter",
		   "Notifications received on followed queries' channels (hints "
		   "only: their payload is never read).",
		   metrics.hints);
	Metric(b, "cqstream_relay_log_reads_total", "counter",
		   "Live reads of the results log (at most one in flight per "
		   "query).",
		   metrics.log_reads);
	Metric(b, "cqstream_relay_request_timeouts_total", "counter",
		   "Connections closed for not sending a whole request within "
		   "request-timeout, or past max-requests.",
		   metrics.request_timeouts);
	Metric(b, "cqstream_relay_pending_requests", "gauge",
		   "Connections still sending their request.",
		   metrics.pending_requests);
	Metric(b, "cqstream_relay_db_queue", "gauge",
		   "Commands queued for the database, the one in flight included.",
		   metrics.db_queue);
	strbuf_printf(b,
				  "# HELP cqstream_relay_notification_queue_usage Fraction "
				  "of the database's notification queue in use.\n"
				  "# TYPE cqstream_relay_notification_queue_usage gauge\n");
	if (metrics.queue_usage >= 0)
		strbuf_printf(b, "cqstream_relay_notification_queue_usage %.6g\n",
					  metrics.queue_usage);
	else
		strbuf_printf(b, "cqstream_relay_notification_queue_usage NaN\n");
}
