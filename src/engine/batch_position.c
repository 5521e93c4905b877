/*-------------------------------------------------------------------------
 *
 * batch_position.c
 *	  One batch of a position query: each new source row's position, or
 *	  its key's speed, heading or cumulative distance (docs/engine.md,
 *	  "Position queries").
 *
 * Design notes
 *
 * The lifted operations are per key in arrival (id) order: each row is
 * compared with its key's previous accepted row.  That per-key state
 * (previous time and position, distance so far) lives in
 * cqstream.position_state; a batch reads the query's state into a hash
 * table before it reads the source, and writes back the keys it changed
 * after, all in the batch's transaction, so state, results and progress
 * commit or vanish together and a kill -9 replays the batch exactly
 * once.  The whole state is read because rows of any key may arrive; it
 * is a row of five numbers per key.
 *
 * Row rules, the same for every batch split:
 *	- a NULL time, key or coordinate, a NaN or a position outside
 *	  |lon| <= 180, |lat| <= 90, and for a geometry column a NULL, an
 *	  empty point, another geometry type or an SRID other than 4326
 *	  (position_geometry.c): skipped and counted (rows_skipped), the
 *	  state unchanged;
 *	- a row older than its key's previous row: late, skipped and counted
 *	  (rows_late), the state unchanged;
 *	- a key's first row: distance 0, no speed nor heading;
 *	- a row at its key's previous time: no speed (counted as skipped);
 *	  a row at its key's previous position: no heading (counted);
 *	  distance as ever.
 *
 * Windowed (docs/windows.md, "Windows over position queries"): the
 * operation's values, each with its row's key and time, are the rows of
 * a window aggregate keyed by the key column, given to the same window
 * operator and stored windows as window aggregates' rows
 * (cq_window_batch_begin/end in batch_aggregate.c) instead of being
 * results themselves.  Rows without a value (the rules above) are not
 * seen by the window: they neither fold nor move its watermark.  Both
 * states, the position state and the open windows, are written in the
 * batch's transaction, so a kill -9 replays the batch exactly once.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_type.h"
#include "common/hashfn.h"
#include "executor/spi.h"
#include "utils/builtins.h"
#include "utils/hsearch.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

#include "contract.h"
#include "core/geodesy.h"
#include "core/operation.h"
#include "engine/batch.h"
#include "engine/notify.h"
#include "engine/position_geometry.h"
#include "engine/result_log.h"
#include "engine/source_read.h"
#include "engine/window_stream.h"
#include "engine/worker.h"

/* Source row columns (source_read.h), from 0 */
enum
{
	POS_ID,
	POS_TIME,
	POS_LON,
	POS_KEY,
	POS_LAT
};

/* One key's state: a row of cqstream.position_state */
typedef struct KeyState
{
	char *key; /* hash key: the pointer, hashed by the string */
	TimestampTz time;
	double lon;
	double lat;
	double distance;
	bool dirty;
} KeyState;

typedef struct PositionBatch
{
	CqQuery *q;
	CqPositionOp op;
	CqChain chain; /* after op: none when nsteps is 0 */
	HTAB *keys;
	MemoryContext state_cxt; /* the keys and their strings */
	CqStreamOp *window;		 /* windowed: the values go there; NULL: results */
	CqResultLog log;
	StringInfoData payload;
	int64 base;
	int64 seq;
	int64 last_read;
	int64 nskipped;
	int64 nlate;
	int nresults;
	CqGeometryReader *geometry; /* NULL: longitude and latitude columns */
} PositionBatch;

static uint32
KeyHash(const void *key, Size keysize)
{
	const char *s = *(char *const *) key;

	return hash_bytes((const unsigned char *) s, (int) strlen(s));
}

static int
KeyCompare(const void *a, const void *b, Size keysize)
{
	return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The state of key (created, not yet valid, when found is false) */
static KeyState *
LookupKey(PositionBatch *b, const char *key, bool *found)
{
	KeyState *ks = hash_search(b->keys, &key, HASH_ENTER, found);

	if (!*found)
	{
		ks->key = MemoryContextStrdup(b->state_cxt, key);
		ks->dirty = false;
	}
	return ks;
}

/* Read the query's per-key state into b->keys; connected to SPI */
static void
LoadState(PositionBatch *b)
{
	Oid types[1] = {INT4OID};
	Datum values[1] = {Int32GetDatum(b->q->def.id)};
	HASHCTL ctl;

	memset(&ctl, 0, sizeof(ctl));
	ctl.keysize = sizeof(char *);
	ctl.entrysize = sizeof(KeyState);
	ctl.hash = KeyHash;
	ctl.match = KeyCompare;
	ctl.hcxt = b->state_cxt;
	b->keys = hash_create("cqstream position keys", 256, &ctl,
						  HASH_ELEM | HASH_FUNCTION | HASH_COMPARE |
							  HASH_CONTEXT);
	if (SPI_execute_with_args("SELECT key, time, lon, lat, distance"
							  " FROM cqstream.position_state"
							  " WHERE query_id = $1",
							  1, types, values, NULL, true,
							  0) != SPI_OK_SELECT)
		elog(ERROR, "cqstream: cannot read the position state of \"%s\"",
			 b->q->def.name);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		bool isnull;
		char *key = TextDatumGetCString(SPI_getbinval(tup, desc, 1, &isnull));
		bool found;
		KeyState *ks;
		MemoryContext old = MemoryContextSwitchTo(b->state_cxt);

		ks = LookupKey(b, key, &found);
		MemoryContextSwitchTo(old);
		ks->time = DatumGetTimestampTz(SPI_getbinval(tup, desc, 2, &isnull));
		ks->lon = DatumGetFloat8(SPI_getbinval(tup, desc, 3, &isnull));
		ks->lat = DatumGetFloat8(SPI_getbinval(tup, desc, 4, &isnull));
		ks->distance = DatumGetFloat8(SPI_getbinval(tup, desc, 5, &isnull));
	}
	SPI_freetuptable(SPI_tuptable);
}

/* Write back the keys the batch changed; connected to SPI */
static void
SaveState(PositionBatch *b)
{
	Oid types[6] = {INT4OID,   TEXTOID,	  TIMESTAMPTZOID,
					FLOAT8OID, FLOAT8OID, FLOAT8OID};
	SPIPlanPtr plan;
	HASH_SEQ_STATUS seq;
	KeyState *ks;

	plan = SPI_prepare("INSERT INTO cqstream.position_state"
					   " (query_id, key, time, lon, lat, distance)"
					   " VALUES ($1, $2, $3, $4, $5, $6)"
					   " ON CONFLICT (query_id, key) DO UPDATE SET"
					   " time = EXCLUDED.time, lon = EXCLUDED.lon,"
					   " lat = EXCLUDED.lat, distance = EXCLUDED.distance",
					   6, types);
	if (plan == NULL)
		elog(ERROR, "cqstream: cannot prepare the position state write");
	hash_seq_init(&seq, b->keys);
	while ((ks = hash_seq_search(&seq)) != NULL)
	{
		Datum values[6];

		if (!ks->dirty)
			continue;
		values[0] = Int32GetDatum(b->q->def.id);
		values[1] = CStringGetTextDatum(ks->key);
		values[2] = TimestampTzGetDatum(ks->time);
		values[3] = Float8GetDatum(ks->lon);
		values[4] = Float8GetDatum(ks->lat);
		values[5] = Float8GetDatum(ks->distance);
		if (SPI_execute_plan(plan, values, NULL, false, 0) != SPI_OK_INSERT)
			elog(ERROR, "cqstream: cannot write the position state of \"%s\"",
				 b->q->def.name);
		pfree(DatumGetPointer(values[1]));
	}
	SPI_freeplan(plan);
}

static void
Emit(PositionBatch *b, const char *key, TimestampTz time, double value,
	 double lat, bool position)
{
	int64 id;
	int failed_step;

	/* The lifted operations after speed, heading or distance */
	if (b->chain.nsteps > 0 &&
		cq_chain_apply(&b->chain, value, &value, &failed_step) != CQ_DOMAIN_OK)
	{
		b->nskipped++;
		return;
	}
	if (b->window != NULL)
	{
		cq_stream_row(b->window, key, (int) strlen(key), false, time, value,
					  NULL, 0);
		return;
	}
	id = b->base + ++b->seq;

	resetStringInfo(&b->payload);
	if (position)
		cq_payload_position(&b->payload, b->q->def.name, id, key, time, value,
							lat);
	else
		cq_payload_transform(&b->payload, b->q->def.name, id, true, key, false,
							 time, value);
	cq_result_log_add(&b->log, id, b->payload.data, b->payload.len);
	b->nresults++;
}

/* The lifted operation for one valid row of key ks (found: not its first) */
static void
LiftedRow(PositionBatch *b, KeyState *ks, bool found, TimestampTz time,
		  double lon, double lat)
{
	double step = 0;

	if (found)
	{
		if (time < ks->time)
		{
			b->nlate++;
			return;
		}
		step = cq_geo_distance(ks->lon, ks->lat, lon, lat);
	}
	else
		ks->distance = 0;

	switch (b->op)
	{
		case CQ_POS_SPEED:
			if (!found)
				break;
			if (time == ks->time)
				b->nskipped++;
			else
				Emit(b, ks->key, time,
					 step / ((double) (time - ks->time) / USECS_PER_SEC), 0,
					 false);
			break;
		case CQ_POS_HEADING:
			if (!found)
				break;
			if (lon == ks->lon && lat == ks->lat)
				b->nskipped++;
			else
				Emit(b, ks->key, time,
					 cq_geo_bearing(ks->lon, ks->lat, lon, lat), 0, false);
			break;
		case CQ_POS_DISTANCE:
			Emit(b, ks->key, time, ks->distance + step, 0, false);
			break;
		case CQ_POS_POSITION:
			Assert(false);
			break;
	}
	ks->time = time;
	ks->lon = lon;
	ks->lat = lat;
	ks->distance += step;
	ks->dirty = true;
}

static void
PositionRow(void *arg, TupleTableSlot *slot)
{
	PositionBatch *b = arg;
	Datum *val = slot->tts_values;
	bool *isnull = slot->tts_isnull;
	TimestampTz time;
	double lon;
	double lat;
	char *key;
	KeyState *ks;
	bool found;
	MemoryContext old;

	b->last_read = isnull[POS_ID] ? b->q->bound : DatumGetInt64(val[POS_ID]);
	/* a geometry is one column, in the longitude's place */
	if (isnull[POS_TIME] || isnull[POS_KEY] || isnull[POS_LON] ||
		(b->geometry == NULL && isnull[POS_LAT]) ||
		(b->geometry != NULL &&
		 !cq_geometry_read(b->geometry, val[POS_LON], &lon, &lat)))
	{
		b->nskipped++;
		return;
	}
	time = DatumGetTimestampTz(val[POS_TIME]);
	if (b->geometry == NULL)
	{
		lon = DatumGetFloat8(val[POS_LON]);
		lat = DatumGetFloat8(val[POS_LAT]);
	}
	/* infinite times have no speed: skipped as invalid positions are */
	if (!cq_position_valid(lon, lat) || TIMESTAMP_NOT_FINITE(time))
	{
		b->nskipped++;
		return;
	}
	key = TextDatumGetCString(val[POS_KEY]);
	if (b->op == CQ_POS_POSITION)
	{
		Emit(b, key, time, lon, lat, true);
		pfree(key);
		return;
	}
	old = MemoryContextSwitchTo(b->state_cxt);
	ks = LookupKey(b, key, &found);
	MemoryContextSwitchTo(old);
	pfree(key);
	LiftedRow(b, ks, found, time, lon, lat);
}

/*
 * The source rows of a batch, every one given to PositionRow, with the
 * per-key state read before and written back after (both in the
 * caller's transaction)
 */
static uint64
ReadRows(PositionBatch *b, const char *source, int64 limit)
{
	uint64 nrows;

	b->state_cxt = AllocSetContextCreate(CurrentMemoryContext,
										 "cqstream position state",
										 ALLOCSET_DEFAULT_SIZES);
	if (b->op != CQ_POS_POSITION)
		LoadState(b);
	nrows = cq_source_read(b->q, source,
						   b->geometry != NULL ? b->geometry->type_name
											   : "pg_catalog.float8",
						   limit, PositionRow, b);
	if (b->op != CQ_POS_POSITION)
		SaveState(b);
	MemoryContextDelete(b->state_cxt);
	return nrows;
}

/*
 * A windowed position query's batch: the values through the window
 * (cq_window_batch_begin/end), the rows' counters added to the window's
 */
static void
WindowedBatch(PositionBatch *b, const char *source, bool *more)
{
	CqStreamOp op;
	CqWindowBatchRead r = {0};

	/* (not *more = false: that is the pass's, for every query) */
	if (!cq_window_batch_begin(b->q, &op, &r.limit))
		return;
	b->window = &op;
	if (b->q->bound > b->q->state.last_source_id)
		r.nrows = ReadRows(b, source, r.limit);
	r.last_read = b->last_read;
	r.skipped = b->nskipped;
	r.late = b->nlate;
	cq_window_batch_end(b->q, &op, &r, more);
}

void
cq_batch_position(CqQuery *q, const char *source, bool *more)
{
	PositionBatch b;
	CqBatchProgress p;
	uint64 nrows;
	const char *rest;

	if (q->def.chain == NULL ||
		(q->def.lat_column == NULL && !q->def.geometry) ||
		q->def.key_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_DATA_EXCEPTION),
				 errmsg("position query \"%s\" lacks its operation or "
						"columns",
						q->def.name)));

	memset(&b, 0, sizeof(b));
	b.q = q;
	b.op = cq_position_op_parse_chain(q->def.chain, &rest);
	if (rest != NULL)
		cq_chain_parse(rest, &b.chain);
	if (q->def.geometry)
	{
		b.geometry = palloc(sizeof(CqGeometryReader));
		cq_geometry_reader_init(b.geometry, q->def.source, q->def.value_column,
								q->def.name);
	}
	if (q->def.windowed)
	{
		if (b.op == CQ_POS_POSITION)
			ereport(ERROR,
					(errcode(ERRCODE_DATA_EXCEPTION),
					 errmsg("position query \"%s\" has a window but no "
							"values to aggregate",
							q->def.name)));
		WindowedBatch(&b, source, more);
		return;
	}
	b.base = (int64) q->def.id * CQ_RESULT_ID_FACTOR;
	b.seq = q->state.last_result_seq;
	initStringInfo(&b.payload);
	cq_result_log_begin(&b.log, q->def.id, q->def.name,
						cq_notify_mode_parse(q->def.notify));

	nrows = ReadRows(&b, source, cq_batch_size);

	/* Notifications are queued now, sent at commit */
	cq_result_log_end(&b.log);
	p.last_source_id = cq_source_progress(q, nrows, cq_batch_size, b.last_read,
										  more);
	p.last_result_seq = b.seq;
	p.rows = (int64) nrows;
	p.results = b.nresults;
	p.skipped = b.nskipped;
	p.late = b.nlate;
	p.notify_dropped = b.log.notifier.dropped;
	cq_catalog_advance(q, &p);
}
