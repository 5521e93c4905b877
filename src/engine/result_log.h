/*-------------------------------------------------------------------------
 *
 * result_log.h
 *	  The results log: a query's results appended in blocks of consecutive
 *	  results, each block announced by NOTIFY, and read back by id
 *	  (result_log.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_RESULT_LOG_H
#define CQSTREAM_RESULT_LOG_H

#include "postgres.h"

#include "lib/stringinfo.h"

#include "engine/bulk_insert.h"
#include "engine/notify.h"

/*
 * The results of one query in one transaction, added in id order with
 * consecutive ids.  Memory: everything lives in the caller's current
 * context; a payload passed to cq_result_log_add is copied at once.
 */
typedef struct CqResultLog
{
	int32 query_id;
	CqNotifier notifier;
	bool bulk;			  /* false: rows go through INSERT statements */
	CqBulkInsert rows;	  /* when bulk */
	Datum created;		  /* the column default, now() */
	MemoryContext texts;  /* blocks waiting for their heap insert */
	Size texts_bytes;	  /* their size */
	StringInfoData block; /* "[" then the pending payloads, comma-separated */
	int64 first_id;		  /* of the pending block */
	int count;			  /* payloads in the pending block */
	/* when not bulk: the finished blocks, inserted at the end */
	MemoryContext cxt;
	int nblocks;
	int cap;
	Datum *firsts; /* first ids */
	Datum *kept;   /* texts */
} CqResultLog;

extern void cq_result_log_begin(CqResultLog *log, int32 query_id,
								const char *query, CqNotifyMode mode);
extern void cq_result_log_add(CqResultLog *log, int64 id, const char *payload,
							  int len);
/* Write and announce what is pending; release everything */
extern void cq_result_log_end(CqResultLog *log);

/*
 * cq_result_log_read: the logged results of query_id with id > after_id,
 * in id order, at most max_rows, as rows (id, created, payload jsonb) of
 * rsinfo's tuplestore (cqstream.results()).  Connected to SPI, as the
 * extension's owner.
 */
extern void cq_result_log_read(int32 query_id, int64 after_id, int32 max_rows,
							   ReturnSetInfo *rsinfo);

#endif /* CQSTREAM_RESULT_LOG_H */
