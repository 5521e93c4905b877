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

#include <limits.h>
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
#include "utils/memutils.h"
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

/*
 * Payloads are written through a pointer into room reserved once per
 * piece (PayloadReserve), not by appendStringInfo calls: those measure
 * each literal with strlen and check the room for each piece, which was
 * a quarter of a transform's batch.
 */

/* Room for the fixed parts of any payload: names, punctuation, numbers */
#define CQ_PAYLOAD_FIXED 320

/* A string literal at p; the end */
#define PUT(p, lit) \
	((char *) memcpy((p), (lit), sizeof(lit) - 1) + sizeof(lit) - 1)

static inline char *
PayloadReserve(StringInfo buf, int len)
{
	enlargeStringInfo(buf, len);
	return buf->data + buf->len;
}

static inline void
PayloadCommit(StringInfo buf, char *end)
{
	buf->len = end - buf->data;
	*end = '\0';
}

/* Two decimal digits of v (0..99) at p; the end */
static inline char *
Put2(char *p, int v)
{
	p[0] = '0' + v / 10;
	p[1] = '0' + v % 10;
	return p + 2;
}

/*
 * PutFractionZ: a timestamp's end at p: the microseconds fsec (0..999999)
 * as a fraction without its trailing zeros (none when 0), then Z and the
 * closing quote; the end
 */
static char *
PutFractionZ(char *p, int fsec)
{
	if (fsec != 0)
	{
		int digits = 6;

		*p = '.';
		for (int i = 6; i >= 1; i--)
		{
			p[i] = '0' + fsec % 10;
			fsec /= 10;
		}
		while (p[digits] == '0')
			digits--;
		p += digits + 1;
	}
	return PUT(p, "Z\"");
}

/*
 * PutTimestampRare: a timestamp whose year is outside 0..9999 (at most 40
 * bytes; the end), through the general code and its sign and width rules
 */
static char *
PutTimestampRare(char *p, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t fsec;
	int len;

	/* No time zone pointer: the fields are in UTC */
	if (timestamp2tm(t, NULL, &tm, &fsec, NULL, NULL) != 0)
		return PUT(p, "null");
	len = snprintf(p, 40, "\"%04d-%02d-%02dT%02d:%02d:%02d", tm.tm_year,
				   tm.tm_mon, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
	return PutFractionZ(p + len, fsec);
}

/*
 * FormatTimestamp: cq_json_timestamp at p (at most 40 bytes); the end.
 * The "YYYY-MM-DD" of the last day written is kept: results come in time
 * order, so the calendar conversion runs about once a day of data.
 */
static char *
FormatTimestamp(char *p, TimestampTz t)
{
	static int64 cached_day = PG_INT64_MIN;
	static char cached_date[10];
	int64 day;
	int64 time;
	int hour;
	int min;
	int sec;
	int fsec;

	if (TIMESTAMP_IS_NOBEGIN(t))
		return PUT(p, "\"-infinity\"");
	if (TIMESTAMP_IS_NOEND(t))
		return PUT(p, "\"infinity\"");
	/* As timestamp2tm does in UTC: the day, then the time in it */
	day = t / USECS_PER_DAY;
	time = t - day * USECS_PER_DAY;
	if (time < 0)
	{
		time += USECS_PER_DAY;
		day--;
	}
	if (day != cached_day)
	{
		int year;
		int mon;
		int mday;
		int64 jday = day + POSTGRES_EPOCH_JDATE;

		if (jday < 0 || jday > (int64) INT_MAX)
			return PUT(p, "null");
		j2date((int) jday, &year, &mon, &mday);
		if (year < 0 || year > 9999)
			return PutTimestampRare(p, t);
		Put2(Put2(cached_date, year / 100), year % 100);
		cached_date[4] = '-';
		Put2(cached_date + 5, mon);
		cached_date[7] = '-';
		Put2(cached_date + 8, mday);
		cached_day = day;
	}
	hour = time / USECS_PER_HOUR;
	time -= (int64) hour * USECS_PER_HOUR;
	min = time / USECS_PER_MINUTE;
	time -= (int64) min * USECS_PER_MINUTE;
	sec = time / USECS_PER_SEC;
	fsec = time - (int64) sec * USECS_PER_SEC;

	*p++ = '"';
	memcpy(p, cached_date, 10);
	p += 10;
	*p++ = 'T';
	p = Put2(p, hour);
	*p++ = ':';
	p = Put2(p, min);
	*p++ = ':';
	p = Put2(p, sec);
	return PutFractionZ(p, fsec);
}

/*
 * PutTimestamp: FormatTimestamp, with the texts of the last two
 * timestamps kept: queries sharing a read (batch_shared.c) each write the
 * same row's time, and a window's start and end repeat for each key.
 */
static char *
PutTimestamp(char *p, TimestampTz t)
{
	static struct
	{
		bool valid;
		TimestampTz t;
		int len;
		char text[40];
	} cache[2];
	static int next = 0;
	char *end;

	for (int i = 0; i < 2; i++)
		if (cache[i].valid && cache[i].t == t)
		{
			memcpy(p, cache[i].text, cache[i].len);
			return p + cache[i].len;
		}
	end = FormatTimestamp(p, t);
	if (end - p <= (int) sizeof(cache[next].text))
	{
		cache[next].valid = true;
		cache[next].t = t;
		cache[next].len = end - p;
		memcpy(cache[next].text, p, end - p);
		next ^= 1;
	}
	return end;
}

void
cq_json_timestamp(StringInfo buf, TimestampTz t)
{
	PayloadCommit(buf, PutTimestamp(PayloadReserve(buf, 64), t));
}

/* cq_json_float8 at p (at most 28 bytes); the end */
static inline char *
PutFloat8(char *p, double v)
{
	if (isnan(v))
		return PUT(p, "\"NaN\"");
	if (isinf(v))
		return v > 0 ? PUT(p, "\"Infinity\"") : PUT(p, "\"-Infinity\"");
	return p + double_to_shortest_decimal_buf(v, p);
}

void
cq_json_float8(StringInfo buf, double v)
{
	PayloadCommit(buf, PutFloat8(PayloadReserve(buf, 32), v));
}

/* v in decimal at p (at most 20 bytes); the end */
static inline char *
PutInt64(char *p, int64 v)
{
	return p + pg_lltoa(v, p);
}

/*
 * {"query":..,"id":..[,"key":..] of every result payload, leaving room
 * for CQ_PAYLOAD_FIXED more bytes; the end.  A key without characters
 * JSON must escape (the common case) is copied whole.
 */
static char *
PayloadHead(StringInfo buf, const char *query, int64 id, bool has_key,
			const char *key)
{
	size_t qlen = strlen(query);
	char *p = PayloadReserve(buf, qlen + 2 * CQ_PAYLOAD_FIXED);

	p = PUT(p, "{\"query\":\"");
	memcpy(p, query, qlen);
	p = PUT(p + qlen, "\",\"id\":");
	p = PutInt64(p, id);
	if (!has_key)
		return p;
	p = PUT(p, ",\"key\":");
	if (key == NULL)
		return PUT(p, "null");
	else
	{
		const unsigned char *k = (const unsigned char *) key;
		size_t klen;

		while (*k >= 0x20 && *k != '"' && *k != '\\')
			k++;
		klen = (const char *) k - key;
		if (*k == '\0' && klen <= MaxAllocSize - 2 * CQ_PAYLOAD_FIXED)
		{
			PayloadCommit(buf, p);
			p = PayloadReserve(buf, klen + 2 + CQ_PAYLOAD_FIXED);
			*p++ = '"';
			memcpy(p, key, klen);
			p += klen;
			*p++ = '"';
			return p;
		}
		PayloadCommit(buf, p);
		escape_json(buf, key);
		return PayloadReserve(buf, CQ_PAYLOAD_FIXED);
	}
}

void
cq_payload_transform(StringInfo buf, const char *query, int64 id, bool has_key,
					 const char *key, bool time_isnull, TimestampTz time,
					 double value)
{
	char *p = PayloadHead(buf, query, id, has_key, key);

	p = PUT(p, ",\"datetime\":");
	p = time_isnull ? PUT(p, "null") : PutTimestamp(p, time);
	p = PUT(p, ",\"value\":");
	p = PutFloat8(p, value);
	*p++ = '}';
	PayloadCommit(buf, p);
}

void
cq_payload_position(StringInfo buf, const char *query, int64 id,
					const char *key, TimestampTz time, double lon, double lat)
{
	char *p = PayloadHead(buf, query, id, true, key);

	p = PUT(p, ",\"datetime\":");
	p = PutTimestamp(p, time);
	p = PUT(p, ",\"coordinates\":[");
	p = PutFloat8(p, lon);
	*p++ = ',';
	p = PutFloat8(p, lat);
	p = PUT(p, "]}");
	PayloadCommit(buf, p);
}

void
cq_payload_window(StringInfo buf, const char *query, int64 id, bool has_key,
				  const char *key, TimestampTz start, TimestampTz end,
				  CqAggKind agg, double value, int64 count, bool final)
{
	char *p = PayloadHead(buf, query, id, has_key, key);
	const char *name = cq_agg_name(agg);
	size_t nlen = strlen(name);

	p = PUT(p, ",\"windowStart\":");
	p = PutTimestamp(p, start);
	p = PUT(p, ",\"windowEnd\":");
	p = PutTimestamp(p, end);
	p = PUT(p, ",\"aggregation\":\"");
	/* (the longest name is a few dozen bytes: within the fixed room) */
	Assert(nlen < 40);
	memcpy(p, name, nlen);
	p = PUT(p + nlen, "\",\"value\":");
	switch (agg)
	{
		case CQ_AGG_COUNT:
		case CQ_AGG_COUNT_DISTINCT:
		case CQ_AGG_COUNT_TRUE:
		case CQ_AGG_COUNT_FALSE:
			/* whole numbers, exact in a double up to 2^53 */
			p = PutInt64(p, (int64) value);
			break;
		case CQ_AGG_ANY:
		case CQ_AGG_ALL:
			p = value != 0 ? PUT(p, "true") : PUT(p, "false");
			break;
		default:
			p = PutFloat8(p, value);
			break;
	}
	p = PUT(p, ",\"count\":");
	p = PutInt64(p, count);
	p = final ? PUT(p, ",\"final\":true}") : PUT(p, ",\"final\":false}");
	PayloadCommit(buf, p);
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
