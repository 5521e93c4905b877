/*-------------------------------------------------------------------------
 *
 * notify.h
 *	  Result payloads (compact JSON) and their NOTIFY batching (notify.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_NOTIFY_H
#define CQSTREAM_NOTIFY_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "lib/stringinfo.h"

#include "core/window.h"

/* CQ_NOTIFY_MAX_PAYLOAD and CQ_CHANNEL_PREFIX: the shared contract */
#include "contract.h"

StaticAssertDecl(CQ_NOTIFY_MAX_PAYLOAD == BLCKSZ - NAMEDATALEN - 128 - 1,
				 "the payload limit is the one async.c enforces");

/* The query option "notify" */
typedef enum CqNotifyMode
{
	CQ_NOTIFY_HINT = 0, /* {"query":..,"first_id":..,"last_id":..} per batch */
	CQ_NOTIFY_PAYLOAD,	/* the results' JSON: readable by every role */
	CQ_NOTIFY_ID,		/* {"query":...,"id":...} per result */
	CQ_NOTIFY_NONE		/* no notification */
} CqNotifyMode;

extern CqNotifyMode cq_notify_mode_parse(const char *text);

/* "2026-11-23T10:00:01.5Z", with its double quotes, or null */
extern void cq_json_timestamp(StringInfo buf, TimestampTz t);

/* A float8 as JSON: shortest exact digits; NaN and infinities quoted */
extern void cq_json_float8(StringInfo buf, double v);

/*
 * The result of a transform: {"query":..,"id":..,"key":..,"datetime":..,
 * "value":..}.  has_key false: the query has no key column and "key" is
 * left out; key NULL with has_key: "key":null.
 */
extern void cq_payload_transform(StringInfo buf, const char *query, int64 id,
								 bool has_key, const char *key,
								 bool time_isnull, TimestampTz time,
								 double value);

/*
 * The result of a position query's "position" operation (docs/engine.md):
 * {"query":..,"id":..,"key":..,"datetime":..,"coordinates":[lon,lat]}.
 */
extern void cq_payload_position(StringInfo buf, const char *query, int64 id,
								const char *key, TimestampTz time, double lon,
								double lat);

/*
 * The result of a window aggregate (docs/windows.md): {"query":..,"id":..,
 * "key":..,"windowStart":..,"windowEnd":..,"aggregation":..,"value":..,
 * "count":..,"final":..}; value is a JSON number, a whole number for the
 * counting aggregations, or true/false for ANY and ALL.
 */
extern void cq_payload_window(StringInfo buf, const char *query, int64 id,
							  bool has_key, const char *key, TimestampTz start,
							  TimestampTz end, CqAggKind agg, double value,
							  int64 count, bool final);

/*
 * Batches the notifications of one query within one transaction: results
 * are added in id order; each NOTIFY carries one object, or a JSON array
 * of several, never more than CQ_NOTIFY_MAX_PAYLOAD bytes.  A result too
 * large alone is announced by reference ({"query":..,"id":..,"ref":true}).
 * Memory: buf lives in the caller's current context.
 */
typedef struct CqNotifier
{
	const char *query;
	char channel[NAMEDATALEN];
	CqNotifyMode mode;
	StringInfoData buf; /* the pending items, comma-separated */
	int count;			/* items in buf */
	int64 sent;			/* notifications sent */
	int64 dropped;		/* notifications not sent: the queue was too full */
	bool room;			/* the queue had room when the batch began */
	int64 hint_first;	/* hint mode: new ids of this batch, 0 if none */
	int64 hint_last;
} CqNotifier;

extern void cq_notifier_begin(CqNotifier *n, const char *query,
							  CqNotifyMode mode);
extern void cq_notifier_add(CqNotifier *n, int64 id, const char *payload,
							int len);
/*
 * cq_notifier_block: the count results of ids first_id... whose payloads
 * form the JSON array (NUL-terminated) of len bytes, at most
 * CQ_NOTIFY_MAX_PAYLOAD when count > 1: one notification of the array as
 * it is (the results log's blocks are cut to fit), the lone result's
 * object, or its reference.
 */
extern void cq_notifier_block(CqNotifier *n, int64 first_id, int count,
							  const char *array, int len);
extern void cq_notifier_end(CqNotifier *n);

#endif /* CQSTREAM_NOTIFY_H */
