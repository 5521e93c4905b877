/*-------------------------------------------------------------------------
 *
 * notify.c
 *	  Result payloads and their announcement by NOTIFY.
 *
 * Design notes
 *
 * The payload of a result is compact JSON written here by hand, not by
 * the json/jsonb functions: at 10^5 results per batch their per-call cost
 * would dominate.  Timestamps are RFC 3339 in UTC with the fraction's
 * trailing zeros removed ("2026-11-23T10:00:01.5Z", "...T10:00:01Z");
 * PostgreSQL's infinite timestamps are written "infinity" and
 * "-infinity".  Floats use the shortest digits that read back exactly (as
 * float8out with extra_float_digits = 1); NaN and infinities, which JSON
 * lacks, are strings, as PostgreSQL's to_json writes them.
 *
 * LISTEN and NOTIFY have no privileges: any role that can connect may
 * listen on a query's channel.  So by default (mode "hint") a notification
 * carries no result data, only which results are new: one per query and
 * batch, {"query":..,"first_id":..,"last_id":..}; readers take the
 * results from the log, which checks their rights.  The modes "payload"
 * (the results' JSON, readable by every role of the database) and "id"
 * are explicit options for deployments that trust all their roles.
 *
 * Notifications are queued with Async_Notify, so they are sent at the
 * commit of the batch's transaction and vanish with it on abort (also
 * when the query's subtransaction rolls back).  The channel is
 * CQ_CHANNEL_PREFIX followed by the query name (at most 47 bytes, so the
 * channel stays within 56 bytes: docs/engine.md).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "commands/async.h"
#include "commands/dbcommands.h"
#include "common/shortest_dec.h"
#include "miscadmin.h"
#include "utils/backend_status.h"
#include "utils/builtins.h"
#include "utils/fmgrprotos.h"
#include "utils/datetime.h"
#include "utils/json.h"
#include "utils/timestamp.h"

#include "engine/notify.h"
#include "engine/worker.h"

CqNotifyMode
cq_notify_mode_parse(const char *text)
{
	if (text == NULL || strcmp(text, "hint") == 0)
		return CQ_NOTIFY_HINT;
	if (strcmp(text, "payload") == 0)
		return CQ_NOTIFY_PAYLOAD;
	if (strcmp(text, "id") == 0)
		return CQ_NOTIFY_ID;
	if (strcmp(text, "none") == 0)
		return CQ_NOTIFY_NONE;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"notify\": \"%s\"", text),
			 errhint("Valid values are \"hint\", \"payload\", \"id\" and "
					 "\"none\".")));
	return CQ_NOTIFY_HINT; /* keep the compiler quiet */
}

/* Two decimal digits of v (0..99) at p; the end */
static inline char *
Put2(char *p, int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
	return p + 2;
}

void
cq_json_timestamp(StringInfo buf, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t fsec;
	char tmp[64];
	int len;

	if (TIMESTAMP_IS_NOBEGIN(t))
	{
		appendStringInfoString(buf, "\"-infinity\"");
		return;
	}
	if (TIMESTAMP_IS_NOEND(t))
	{
		appendStringInfoString(buf, "\"infinity\"");
		return;
	}
	/* No time zone pointer: the fields are in UTC */
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
	{
		appendStringInfoString(buf, "null");
		return;
	}
	if (tm.tm_year >= 0 && tm.tm_year <= 9999)
	{
		/* The common case by hand: snprintf was most of a payload's cost */
		char *p = tmp;

		*p++ = '"';
		p = Put2(p, tm.tm_year / 100);
		p = Put2(p, tm.tm_year % 100);
		*p++ = '-';
		p = Put2(p, tm.tm_mon);
		*p++ = '-';
		p = Put2(p, tm.tm_mday);
		*p++ = 'T';
		p = Put2(p, tm.tm_hour);
		*p++ = ':';
		p = Put2(p, tm.tm_min);
		*p++ = ':';
		p = Put2(p, tm.tm_sec);
		len = p - tmp;
	}
	else
		len = snprintf(tmp, sizeof(tmp), "\"%04d-%02d-%02dT%02d:%02d:%02d",
					   tm.tm_year, tm.tm_mon, tm.tm_mday, tm.tm_hour,
					   tm.tm_min, tm.tm_sec);
	if (fsec != 0)
	{
		/* fsec is in 0..999999: six digits, trailing zeros dropped */
		int f = fsec;
		int digits = 6;

		tmp[len++] = '.';
		for (int i = 5; i >= 0; i--)
		{
			tmp[len + i] = '0' + f % 10;
			f /= 10;
		}
		while (tmp[len + digits - 1] == '0')
			digits--;
		len += digits;
	}
	tmp[len++] = 'Z';
	tmp[len++] = '"';
	appendBinaryStringInfo(buf, tmp, len);
}

void
cq_json_float8(StringInfo buf, double v)
{
	char tmp[DOUBLE_SHORTEST_DECIMAL_LEN];
	int len;

	if (isnan(v))
		appendStringInfoString(buf, "\"NaN\"");
	else if (isinf(v))
		appendStringInfoString(buf, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		len = double_to_shortest_decimal_buf(v, tmp);
		appendBinaryStringInfo(buf, tmp, len);
	}
}

/* v in decimal */
static inline void
AppendInt64(StringInfo buf, int64 v)
{
	char num[MAXINT8LEN + 1];
	int len = pg_lltoa(v, num);

	appendBinaryStringInfo(buf, num, len);
}

/* {"query":..,"id":..[,"key":..] of every result payload */
static void
PayloadHead(StringInfo buf, const char *query, int64 id, bool has_key,
			const char *key)
{
	appendStringInfoString(buf, "{\"query\":\"");
	appendStringInfoString(buf, query);
	appendStringInfoString(buf, "\",\"id\":");
	AppendInt64(buf, id);
	if (has_key)
	{
		appendStringInfoString(buf, ",\"key\":");
		if (key == NULL)
			appendStringInfoString(buf, "null");
		else
			escape_json(buf, key);
	}
}

void
cq_payload_transform(StringInfo buf, const char *query, int64 id, bool has_key,
					 const char *key, bool time_isnull, TimestampTz time,
					 double value)
{
	PayloadHead(buf, query, id, has_key, key);
	appendStringInfoString(buf, ",\"datetime\":");
	if (time_isnull)
		appendStringInfoString(buf, "null");
	else
		cq_json_timestamp(buf, time);
	appendStringInfoString(buf, ",\"value\":");
	cq_json_float8(buf, value);
	appendStringInfoChar(buf, '}');
}

void
cq_payload_position(StringInfo buf, const char *query, int64 id,
					const char *key, TimestampTz time, double lon, double lat)
{
	PayloadHead(buf, query, id, true, key);
	appendStringInfoString(buf, ",\"datetime\":");
	cq_json_timestamp(buf, time);
	appendStringInfoString(buf, ",\"coordinates\":[");
	cq_json_float8(buf, lon);
	appendStringInfoChar(buf, ',');
	cq_json_float8(buf, lat);
	appendStringInfoString(buf, "]}");
}

void
cq_payload_window(StringInfo buf, const char *query, int64 id, bool has_key,
				  const char *key, TimestampTz start, TimestampTz end,
				  CqAggKind agg, double value, int64 count, bool final)
{
	PayloadHead(buf, query, id, has_key, key);
	appendStringInfoString(buf, ",\"windowStart\":");
	cq_json_timestamp(buf, start);
	appendStringInfoString(buf, ",\"windowEnd\":");
	cq_json_timestamp(buf, end);
	/* Pieces, not appendStringInfo: its vsnprintf was a tenth of a result */
	appendStringInfoString(buf, ",\"aggregation\":\"");
	appendStringInfoString(buf, cq_agg_name(agg));
	appendStringInfoString(buf, "\",\"value\":");
	switch (agg)
	{
		case CQ_AGG_COUNT:
		case CQ_AGG_COUNT_DISTINCT:
		case CQ_AGG_COUNT_TRUE:
		case CQ_AGG_COUNT_FALSE:
			/* whole numbers, exact in a double up to 2^53 */
			AppendInt64(buf, (int64) value);
			break;
		case CQ_AGG_ANY:
		case CQ_AGG_ALL:
			appendStringInfoString(buf, value != 0 ? "true" : "false");
			break;
		default:
			cq_json_float8(buf, value);
			break;
	}
	appendStringInfoString(buf, ",\"count\":");
	AppendInt64(buf, count);
	appendStringInfoString(buf,
						   final ? ",\"final\":true}" : ",\"final\":false}");
}

/*
 * OldestOpenTransaction: the client backend, in any database, whose
 * transaction started first, preferring one idle in a transaction (an
 * active statement ends by itself).  The queue's tail waits for the
 * slowest listener, and a listener reads only between transactions, so a
 * listener idle in a transaction is what holds it.  Which backends listen
 * is private to async.c; the oldest open transaction is the one
 * PostgreSQL's own warning points at too.  Returns false if there is none.
 */
static bool
OldestOpenTransaction(int *pid, Oid *dbid, bool *idle, TimestampTz *since)
{
	int n = pgstat_fetch_stat_numbackends();
	bool found = false;

	for (int i = 1; i <= n; i++)
	{
		PgBackendStatus *be = pgstat_fetch_stat_beentry(i);
		bool be_idle;

		if (be == NULL || be->st_procpid <= 0 || be->st_procpid == MyProcPid ||
			be->st_backendType != B_BACKEND ||
			be->st_xact_start_timestamp == 0)
			continue;
		be_idle = be->st_state == STATE_IDLEINTRANSACTION ||
			be->st_state == STATE_IDLEINTRANSACTION_ABORTED;
		if (found && (*idle && !be_idle)) /* an idle one wins */
			continue;
		if (found && *idle == be_idle && be->st_xact_start_timestamp >= *since)
			continue;
		*pid = be->st_procpid;
		*dbid = be->st_databaseid;
		*idle = be_idle;
		*since = be->st_xact_start_timestamp;
		found = true;
	}
	/* The status snapshot would otherwise live until the transaction ends */
	pgstat_clear_backend_activity_snapshot();
	return found;
}

/*
 * WarnQueueFull: at most once a minute, say that results were logged
 * without their notifications, and which session is the likely cause.
 */
static void
WarnQueueFull(const CqNotifier *n)
{
	static TimestampTz last_warning = 0;
	TimestampTz now = GetCurrentTimestamp();
	double usage;
	int pid = 0;
	Oid dbid = InvalidOid;
	bool idle = false;
	TimestampTz since = 0;
	char *dbname = NULL;
	bool found;

	if (last_warning != 0 &&
		!TimestampDifferenceExceeds(last_warning, now, 60 * 1000))
		return;
	last_warning = now;
	usage = 100 *
		DatumGetFloat8(
				DirectFunctionCall1(pg_notification_queue_usage, (Datum) 0));
	found = OldestOpenTransaction(&pid, &dbid, &idle, &since);
	if (found && OidIsValid(dbid))
		dbname = get_database_name(dbid);
	ereport(WARNING,
			(errmsg("cqstream: the notification queue is %.0f%% full; "
					"results of query \"%s\" were logged without their " INT64_FORMAT
					" notifications",
					usage, n->query, n->dropped),
			 found
				 ? errdetail("The oldest open transaction is server process "
							 "%d's (database \"%s\", %s since %s); a session "
							 "that listens holds the queue back until its "
							 "transaction ends.  cqstream.queries counts the "
							 "notifications not sent.",
							 pid, dbname ? dbname : "?",
							 idle ? "idle in transaction" : "in a transaction",
							 timestamptz_to_str(since))
				 : errdetail("Above cqstream.notify_queue_limit of the queue, "
							 "the worker logs results and advances without "
							 "notifying; cqstream.queries counts the "
							 "notifications not sent."),
			 found
				 ? errhint("End that transaction, or stop the session with "
						   "SELECT pg_terminate_backend(%d).",
						   pid)
				 : errhint("A session that listens and stays in a "
						   "transaction holds the queue back; no transaction "
						   "is open now, so the queue should drain.")));
}

void
cq_notifier_begin(CqNotifier *n, const char *query, CqNotifyMode mode)
{
	n->query = query;
	snprintf(n->channel, NAMEDATALEN, CQ_CHANNEL_PREFIX "%s", query);
	n->mode = mode;
	initStringInfo(&n->buf);
	enlargeStringInfo(&n->buf, CQ_NOTIFY_MAX_PAYLOAD + 2);
	appendStringInfoChar(&n->buf, '[');
	n->count = 0;
	n->sent = 0;
	n->hint_first = 0;
	n->hint_last = 0;
	n->dropped = 0;
	n->room = mode == CQ_NOTIFY_NONE ||
		DatumGetFloat8(DirectFunctionCall1(pg_notification_queue_usage,
										   (Datum) 0)) < cq_notify_queue_limit;
}

/*
 * NotifySend: one notification, or none when the queue had no room at the
 * batch's start (counted in n->dropped: the results are in the log all
 * the same, and readers of the log lose nothing).
 */
static void
NotifySend(CqNotifier *n, const char *payload)
{
	if (!n->room)
	{
		n->dropped++;
		return;
	}
	Async_Notify(n->channel, payload);
	n->sent++;
}

/* Hint mode: remember the range of new ids; cq_notifier_end sends it */
static void
NotifierHint(CqNotifier *n, int64 first_id, int64 last_id)
{
	if (n->hint_first == 0)
		n->hint_first = first_id;
	n->hint_last = last_id;
}

/*
 * Send the pending items as one notification.  n->buf holds "[" then the
 * items: a lone item goes without the bracket, several as the array.
 */
static void
NotifierFlush(CqNotifier *n)
{
	if (n->count == 0)
		return;
	if (n->count == 1)
		NotifySend(n, n->buf.data + 1);
	else
	{
		appendStringInfoChar(&n->buf, ']');
		NotifySend(n, n->buf.data);
	}
	resetStringInfo(&n->buf);
	appendStringInfoChar(&n->buf, '[');
	n->count = 0;
}

void
cq_notifier_add(CqNotifier *n, int64 id, const char *payload, int len)
{
	char ref[NAMEDATALEN + 96];

	if (n->mode == CQ_NOTIFY_NONE)
		return;
	if (n->mode == CQ_NOTIFY_HINT)
	{
		NotifierHint(n, id, id);
		return;
	}
	if (n->mode == CQ_NOTIFY_ID || len > CQ_NOTIFY_MAX_PAYLOAD)
	{
		len = snprintf(ref, sizeof(ref),
					   "{\"query\":\"%s\",\"id\":" INT64_FORMAT "%s}",
					   n->query, id,
					   n->mode == CQ_NOTIFY_ID ? "" : ",\"ref\":true");
		payload = ref;
	}
	/* The items so far, a comma, this one and the array's brackets */
	if (n->count > 0 && (n->buf.len - 1) + 1 + len + 2 > CQ_NOTIFY_MAX_PAYLOAD)
		NotifierFlush(n);
	if (n->count > 0)
		appendStringInfoChar(&n->buf, ',');
	appendBinaryStringInfo(&n->buf, payload, len);
	n->count++;
}

void
cq_notifier_block(CqNotifier *n, int64 first_id, int count, const char *array,
				  int len)
{
	switch (n->mode)
	{
		case CQ_NOTIFY_NONE:
			break;
		case CQ_NOTIFY_HINT:
			NotifierHint(n, first_id, first_id + count - 1);
			break;
		case CQ_NOTIFY_ID:
			for (int i = 0; i < count; i++)
				cq_notifier_add(n, first_id + i, "", 0);
			break;
		case CQ_NOTIFY_PAYLOAD:
			/* What is pending goes first: notifications stay in id order */
			if (count == 1)
				cq_notifier_add(n, first_id, array + 1, len - 2);
			NotifierFlush(n);
			if (count > 1)
			{
				Assert(len <= CQ_NOTIFY_MAX_PAYLOAD);
				NotifySend(n, array);
			}
			break;
	}
}

void
cq_notifier_end(CqNotifier *n)
{
	if (n->mode == CQ_NOTIFY_HINT && n->hint_first != 0)
	{
		char hint[NAMEDATALEN + 96];

		snprintf(hint, sizeof(hint),
				 "{\"query\":\"%s\",\"first_id\":" INT64_FORMAT
				 ",\"last_id\":" INT64_FORMAT "}",
				 n->query, n->hint_first, n->hint_last);
		NotifySend(n, hint);
		n->hint_first = 0;
	}
	NotifierFlush(n);
	pfree(n->buf.data);
	if (n->dropped > 0)
		WarnQueueFull(n);
}
