/*-------------------------------------------------------------------------
 *
 * window_sql.c
 *	  SQL face of the window core: the cqstream.window type's constructors
 *	  and cqstream.window_aggregate over a tfloat.
 *
 * Design notes
 *
 * cqstream.window is a composite type (kind, size, hop, offset, size_rows,
 * hop_rows) so that it prints readably, can be stored in a catalog table
 * and read by the worker with plain SQL.  The constructors validate
 * through the core (window.c) and store normalized fields: the hop of a
 * tumbling window equals its size, the offset is reduced modulo the hop,
 * a count window without a hop gets hop_rows = size_rows.  Since anyone
 * can also write ROW(...)::cqstream.window, window_aggregate reads the
 * record back through the same core constructors, so there is one
 * validation path.
 *
 * window_aggregate folds the instants of the value in time order, exactly
 * those that instants() lists (all subtypes; the instants at exclusive
 * bounds too; an instant stored twice, at the meeting point of two
 * sequences that both exclude it, once); it aggregates the stored values,
 * not the interpolated signal.
 * Time windows are all emitted, as if the stream ended after the last
 * instant; COUNT windows only when complete.  The result is materialized
 * in a tuplestore; the sweep keeps one state per open window, so the work
 * is linear in instants times size / hop.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "access/htup_details.h"
#include "funcapi.h"
#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/timestamp.h"
#include "utils/tuplestore.h"

#include "tfloat/tfloat.h"
#include "core/window.h"

PG_FUNCTION_INFO_V1(cq_tumbling);
PG_FUNCTION_INFO_V1(cq_hopping);
PG_FUNCTION_INFO_V1(cq_count_window);
PG_FUNCTION_INFO_V1(cq_window_aggregate);

/* Attributes of cqstream.window */
#define WIN_KIND	  1
#define WIN_SIZE	  2
#define WIN_HOP		  3
#define WIN_OFFSET	  4
#define WIN_SIZE_ROWS 5
#define WIN_HOP_ROWS  6
#define WIN_NATTS	  6

#define WINDOW_HINT \
	"Make windows with cqstream.tumbling, cqstream.hopping or cqstream.count_window."

static Interval *
UsecInterval(int64 usec)
{
	Interval *iv = palloc0(sizeof(Interval));

	iv->time = usec;
	return iv;
}

/* Build the cqstream.window result of a constructor */
static Datum
WindowRecord(FunctionCallInfo fcinfo, const char *kind, Datum *values,
			 bool *nulls)
{
	TupleDesc tupdesc;

	if (get_call_result_type(fcinfo, NULL, &tupdesc) != TYPEFUNC_COMPOSITE)
		elog(ERROR, "return type must be a row type");
	if (tupdesc->natts != WIN_NATTS)
		elog(ERROR, "cqstream.window must have %d attributes", WIN_NATTS);
	tupdesc = BlessTupleDesc(tupdesc);
	values[WIN_KIND - 1] = CStringGetTextDatum(kind);
	nulls[WIN_KIND - 1] = false;
	return HeapTupleGetDatum(heap_form_tuple(tupdesc, values, nulls));
}

/*
 * tumbling(size interval, offset interval) -> cqstream.window
 */
Datum
cq_tumbling(PG_FUNCTION_ARGS)
{
	Interval *size = PG_GETARG_INTERVAL_P(0);
	Interval *offset = PG_GETARG_INTERVAL_P(1);
	CqWindowSpec w;
	Datum values[WIN_NATTS];
	bool nulls[WIN_NATTS] = {true, false, false, false, true, true};

	cq_window_time(&w, CQ_WINDOW_TUMBLING, cq_interval_usec(size, "size"), 0,
				   cq_interval_usec(offset, "offset"));
	values[WIN_SIZE - 1] = IntervalPGetDatum(size);
	values[WIN_HOP - 1] = IntervalPGetDatum(size);
	values[WIN_OFFSET - 1] = IntervalPGetDatum(UsecInterval(w.offset));
	PG_RETURN_DATUM(WindowRecord(fcinfo, "tumbling", values, nulls));
}

/*
 * hopping(size interval, hop interval, offset interval) -> cqstream.window
 */
Datum
cq_hopping(PG_FUNCTION_ARGS)
{
	Interval *size = PG_GETARG_INTERVAL_P(0);
	Interval *hop = PG_GETARG_INTERVAL_P(1);
	Interval *offset = PG_GETARG_INTERVAL_P(2);
	CqWindowSpec w;
	Datum values[WIN_NATTS];
	bool nulls[WIN_NATTS] = {true, false, false, false, true, true};

	cq_window_time(&w, CQ_WINDOW_HOPPING, cq_interval_usec(size, "size"),
				   cq_interval_usec(hop, "hop"),
				   cq_interval_usec(offset, "offset"));
	values[WIN_SIZE - 1] = IntervalPGetDatum(size);
	values[WIN_HOP - 1] = IntervalPGetDatum(hop);
	values[WIN_OFFSET - 1] = IntervalPGetDatum(UsecInterval(w.offset));
	PG_RETURN_DATUM(WindowRecord(fcinfo, "hopping", values, nulls));
}

/*
 * count_window(size integer, hop integer DEFAULT NULL) -> cqstream.window.
 * Not strict: a NULL hop means "the size" (windows that do not overlap).
 */
Datum
cq_count_window(PG_FUNCTION_ARGS)
{
	CqWindowSpec w;
	int64 size;
	int64 hop;
	Datum values[WIN_NATTS];
	bool nulls[WIN_NATTS] = {true, true, true, true, false, false};

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	size = PG_GETARG_INT32(0);
	hop = PG_ARGISNULL(1) ? size : PG_GETARG_INT32(1);
	cq_window_count(&w, size, hop);
	values[WIN_SIZE_ROWS - 1] = Int64GetDatum(w.size);
	values[WIN_HOP_ROWS - 1] = Int64GetDatum(w.hop);
	PG_RETURN_DATUM(WindowRecord(fcinfo, "count", values, nulls));
}

static void
InvalidWindow(const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid window"), errdetail("%s", detail),
			 errhint(WINDOW_HINT)));
}

static int64
IntervalField(HeapTupleHeader rec, int attno, const char *what, bool *isnull)
{
	Datum d = GetAttributeByNum(rec, attno, isnull);

	return *isnull ? 0 : cq_interval_usec(DatumGetIntervalP(d), what);
}

/*
 * cq_window_from_record: a cqstream.window value as a core spec, validated
 * by the core's constructors (the record may have been written by hand).
 */
void
cq_window_from_record(HeapTupleHeader rec, CqWindowSpec *w)
{
	bool isnull;
	Datum d;
	char *kind;
	bool size_null, hop_null, offset_null, size_rows_null, hop_rows_null;
	int64 size, hop, offset;

	d = GetAttributeByNum(rec, WIN_KIND, &isnull);
	if (isnull)
		InvalidWindow("The window has no kind.");
	kind = TextDatumGetCString(d);
	size = IntervalField(rec, WIN_SIZE, "size", &size_null);
	hop = IntervalField(rec, WIN_HOP, "hop", &hop_null);
	offset = IntervalField(rec, WIN_OFFSET, "offset", &offset_null);
	GetAttributeByNum(rec, WIN_SIZE_ROWS, &size_rows_null);
	GetAttributeByNum(rec, WIN_HOP_ROWS, &hop_rows_null);

	if (pg_strcasecmp(kind, "tumbling") == 0 ||
		pg_strcasecmp(kind, "hopping") == 0)
	{
		bool tumbling = pg_strcasecmp(kind, "tumbling") == 0;

		if (size_null)
			InvalidWindow("A time window needs a size.");
		if (!size_rows_null || !hop_rows_null)
			InvalidWindow("A time window has no size_rows or hop_rows.");
		if (tumbling && !hop_null && hop != size)
			InvalidWindow(
				"The hop of a tumbling window must be null or equal to its size.");
		if (!tumbling && hop_null)
			InvalidWindow("A hopping window needs a hop.");
		cq_window_time(w, tumbling ? CQ_WINDOW_TUMBLING : CQ_WINDOW_HOPPING,
					   size, hop, offset_null ? 0 : offset);
	}
	else if (pg_strcasecmp(kind, "count") == 0)
	{
		if (size_rows_null)
			InvalidWindow("A count window needs size_rows.");
		if (!size_null || !hop_null || !offset_null)
			InvalidWindow("A count window has no size, hop or offset.");
		size = DatumGetInt64(GetAttributeByNum(rec, WIN_SIZE_ROWS, &isnull));
		hop = hop_rows_null
			? size
			: DatumGetInt64(GetAttributeByNum(rec, WIN_HOP_ROWS, &isnull));
		cq_window_count(w, size, hop);
	}
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("unknown window kind \"%s\"", kind),
				 errdetail("Window kinds are tumbling, hopping and count."),
				 errhint(WINDOW_HINT)));
}

typedef struct EmitState
{
	Tuplestorestate *store;
	TupleDesc desc;
	CqAggKind agg;
} EmitState;

static void
EmitRow(void *arg, const CqWindowResult *r)
{
	EmitState *es = (EmitState *) arg;
	Datum values[4];
	bool nulls[4] = {false, false, false, false};

	if (r->state.sum_overflow &&
		(es->agg == CQ_AGG_SUM || es->agg == CQ_AGG_AVG))
		ereport(ERROR,
				(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
				 errmsg("value out of range: overflow")));
	values[0] = TimestampTzGetDatum(cq_timestamp_saturate(r->start));
	values[1] = TimestampTzGetDatum(cq_timestamp_saturate(r->end));
	values[2] = Float8GetDatum(cq_agg_final(&r->state, es->agg));
	values[3] = Int64GetDatum(r->state.count);
	tuplestore_putvalues(es->store, es->desc, values, nulls);
}

/*
 * window_aggregate(t tfloat or tint, aggregation text, win cqstream.window)
 *	 RETURNS TABLE(window_start timestamptz, window_end timestamptz,
 *				   value float8, count bigint)
 */
Datum
cq_window_aggregate(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	char *aggname = text_to_cstring(PG_GETARG_TEXT_PP(1));
	HeapTupleHeader rec = PG_GETARG_HEAPTUPLEHEADER(2);
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	CqWindowSpec w;
	CqWindowSweep sw;
	EmitState es;
	const TimestampTz *times;
	const double *values;

	es.agg = cq_agg_parse(aggname, CQ_VALUE_NUMBER);
	cq_window_from_record(rec, &w);

	InitMaterializedSRF(fcinfo, 0);
	es.store = rsinfo->setResult;
	es.desc = rsinfo->setDesc;

	times = TF_TIMES(t);
	values = TF_VALUES(t);
	cq_sweep_init(&sw, &w, EmitRow, &es);
	for (int i = 0; i < t->ninst; i++)
	{
		CHECK_FOR_INTERRUPTS();
		if (tf_repeated_instant(times, values, i, false))
			continue;
		cq_sweep_add(&sw, times[i], values[i]);
	}
	cq_sweep_finish(&sw);
	return (Datum) 0;
}
