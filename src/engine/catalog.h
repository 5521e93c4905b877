/*-------------------------------------------------------------------------
 *
 * catalog.h
 *	  The query catalog: the one place that reads and writes the rows of
 *	  cqstream.query and cqstream.query_state (src/sql/80_registry.sql).
 *
 * Design notes
 *
 * As TimescaleDB's ts_catalog does, the columns have names here
 * (Anum_cq_query_*, Anum_cq_query_state_*, in the order of the CREATE
 * TABLE) and the rows are C structs; catalog.c is the only file that
 * turns one into the other, so no other file spells a column number, a
 * statement parameter number or a column of these tables.  The registry
 * writes a query's definition (CqQueryRow) once, at creation, and changes
 * only its owner and paused flag afterwards; the worker reads the
 * runnable queries (CqQuery: definition and state) every pass and writes
 * their state in the transaction of each batch.
 *
 * Every function runs SPI statements and must be called connected to
 * SPI: from the registry as the extension's owner (extension_owner.h),
 * from the worker inside its pass.  Values returned are allocated in the
 * current memory context unless the function takes one.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_CATALOG_H
#define CQSTREAM_CATALOG_H

#include "postgres.h"

#include "datatype/timestamp.h"
#include "nodes/pg_list.h"
#include "utils/array.h"
#include "utils/jsonb.h"

#include "core/window.h"

/* Columns of cqstream.query */
enum Anum_cq_query
{
	Anum_cq_query_id = 1,
	Anum_cq_query_name,
	Anum_cq_query_kind,
	Anum_cq_query_source,
	Anum_cq_query_id_column,
	Anum_cq_query_id_sequence,
	Anum_cq_query_time_column,
	Anum_cq_query_value_column,
	Anum_cq_query_key_column,
	Anum_cq_query_spec,
	Anum_cq_query_chain,
	Anum_cq_query_aggregation,
	Anum_cq_query_value_type,
	Anum_cq_query_window_kind,
	Anum_cq_query_window_size,
	Anum_cq_query_window_hop,
	Anum_cq_query_window_offset,
	Anum_cq_query_lateness,
	Anum_cq_query_emit,
	Anum_cq_query_options,
	Anum_cq_query_owner,
	Anum_cq_query_paused,
	Anum_cq_query_created,
	Anum_cq_query_readers,
	_Anum_cq_query_max
};

#define Natts_cq_query (_Anum_cq_query_max - 1)

/* Columns of cqstream.query_state */
enum Anum_cq_query_state
{
	Anum_cq_query_state_query_id = 1,
	Anum_cq_query_state_last_source_id,
	Anum_cq_query_state_last_result_seq,
	Anum_cq_query_state_rows_processed,
	Anum_cq_query_state_results_emitted,
	Anum_cq_query_state_rows_skipped,
	Anum_cq_query_state_rows_late,
	Anum_cq_query_state_max_event_time,
	Anum_cq_query_state_watermark,
	Anum_cq_query_state_last_row_at,
	Anum_cq_query_state_batch_limit,
	Anum_cq_query_state_status,
	Anum_cq_query_state_last_error,
	Anum_cq_query_state_last_error_at,
	Anum_cq_query_state_updated,
	Anum_cq_query_state_notifications_dropped,
	_Anum_cq_query_state_max
};

#define Natts_cq_query_state (_Anum_cq_query_state_max - 1)

/*
 * A query's definition: a row of cqstream.query.  The aggregate fields
 * are stored only for aggregates and windowed position queries (NULL
 * columns otherwise), chain only for transforms and position queries.
 * The options are written as the canonical jsonb and read back as the
 * two values the worker uses.
 */
typedef struct CqQueryRow
{
	int32 id;
	char *name;
	bool aggregate;	  /* kind */
	bool position;	  /* kind; then value_column is the longitude */
	char *lat_column; /* position queries: stored in spec.latColumn */
	bool windowed;	  /* position queries: aggregation, window set */
	bool geometry;	  /* position from one PostGIS geometry: value_column */
	Oid source;
	char *id_column;
	Oid id_sequence;
	char *time_column;
	char *value_column;
	char *key_column; /* NULL: none */
	char *key_value;  /* read only: spec.keyValue; NULL: every key */
	Jsonb *spec;	  /* written only */
	char *chain;	  /* transforms; position queries: the operation */
	/* aggregates (docs/windows.md) */
	CqAggKind agg;
	CqValueType value_type;
	CqWindowSpec window;
	int64 lateness;	  /* microseconds */
	bool on_update;	  /* emit */
	Jsonb *options;	  /* written only */
	char *notify;	  /* read only: options.notify */
	int64 idle_flush; /* read only: options.idle_flush, microseconds; 0: none */
	Oid owner;
} CqQueryRow;

/* A query's progress and window state: a row of cqstream.query_state */
typedef struct CqQueryState
{
	int64 last_source_id;
	int64 last_result_seq;
	/* aggregates */
	TimestampTz max_event_time; /* DT_NOBEGIN: none yet */
	TimestampTz watermark;		/* DT_NOBEGIN: none yet */
	bool has_last_row_at;
	TimestampTz last_row_at;
	int64 batch_limit; /* rows for the next batch; 0: not known yet */
} CqQueryState;

/* A runnable query as the worker's pass sees it */
typedef struct CqQuery
{
	CqQueryRow def;
	CqQueryState state;
	int64 bound;	  /* the pass's safe bound (capture.h); -1: no sequence */
	char *load_error; /* why the row cannot be run (isolation.c); NULL */
} CqQuery;

/* What one batch of a query did, for cq_catalog_advance */
typedef struct CqBatchProgress
{
	int64 last_source_id; /* the new progress */
	int64 last_result_seq;
	int64 rows; /* read */
	int64 results;
	int64 skipped;
	int64 late;
	int64 notify_dropped; /* notifications not sent: queue too full */
} CqBatchProgress;

/* When an aggregate last read rows (for the idle flush) */
typedef enum CqLastRowAt
{
	CQ_LAST_ROW_KEEP = 0, /* neither read nor flushed */
	CQ_LAST_ROW_NOW,	  /* rows were read */
	CQ_LAST_ROW_CLEAR	  /* flushed: nothing left to flush */
} CqLastRowAt;

/*
 * The registry's part, as the extension's owner.
 *
 * cq_catalog_insert: the query (and its state, progress start) unless
 * its name is taken (42710); returns its id (54000 past CQ_QUERY_ID_MAX).
 * cq_catalog_lookup: id and owner of query name (42704 if none), the row
 * locked FOR UPDATE if lock.  cq_catalog_lag_source: what the lag of a
 * query is computed from; false for an unknown query.
 */
extern int32 cq_catalog_insert(const CqQueryRow *row, int64 start);
extern int32 cq_catalog_lookup(const char *name, bool lock, Oid *owner);

/*
 * Read grants (access.c): the owner and readers (a regrole[] in the
 * current memory context) of query id, false if there is none; a reader
 * added to or removed from query id; a role removed from every query.
 */
/* cq_catalog_find: the id of query name; false if there is none */
extern bool cq_catalog_find(const char *name, int32 *id);
extern bool cq_catalog_readers(int32 id, Oid *owner, ArrayType **readers);
extern void cq_catalog_change_readers(int32 id, Oid reader, bool add);
extern void cq_catalog_forget_reader(Oid reader);
extern void cq_catalog_drop(int32 id);
extern void cq_catalog_set_paused(int32 id, bool paused);
/* A failed query is registered again (resume_query retries it) */
extern void cq_catalog_clear_failure(int32 id);
extern bool cq_catalog_lag_source(int32 id, Oid *owner, Oid *id_sequence,
								  int64 *last_source_id);

/*
 * Queries by owner, for the role hooks (owner.c): the names of role's
 * queries, in name order; and DROP OWNED (newrole invalid: drop the
 * queries of roles) or REASSIGN OWNED (give them to newrole), returning
 * their names.  The names are allocated in cxt.
 */
extern List *cq_catalog_owned_by(Oid role, MemoryContext cxt);
extern List *cq_catalog_reassign(ArrayType *roles, Oid newrole,
								 MemoryContext cxt);

/*
 * The worker's part.  cq_catalog_runnable: the queries neither paused nor
 * failed, in id order, in the current memory context; returns their
 * number.  cq_catalog_advance: the progress and counters after a batch,
 * only if they are still those q was read with (40001 otherwise), so two
 * workers could never both apply a batch.  cq_catalog_save_windows: an
 * aggregate's watermark, largest event time, last read and next batch's
 * rows.  cq_catalog_record_failure: the query failed with message,
 * without waiting for its row.
 */
extern int cq_catalog_runnable(CqQuery **queries);
extern void cq_catalog_advance(const CqQuery *q, const CqBatchProgress *p);
extern void cq_catalog_save_windows(const CqQuery *q, TimestampTz max_time,
									TimestampTz watermark,
									CqLastRowAt last_row_at,
									int64 batch_limit);
typedef enum CqFailureRecord
{
	CQ_FAILURE_RECORDED, /* *name: the query's */
	CQ_FAILURE_GONE,	 /* the query was dropped */
	CQ_FAILURE_LOCKED,	 /* its state is locked by an open transaction */
} CqFailureRecord;
extern CqFailureRecord cq_catalog_record_failure(int32 query_id,
												 const char *message,
												 char **name);

#endif /* CQSTREAM_CATALOG_H */
