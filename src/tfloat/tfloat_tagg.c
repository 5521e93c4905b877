/*-------------------------------------------------------------------------
 *
 * tfloat_tagg.c
 *	  Temporal aggregates over tfloat: tcount, tmin, tmax, tsum, tavg
 *	  (MobilityDB 1.3), and the state, emitter and parallel support that
 *	  the moving-window aggregates of tfloat_wagg.c share.  The sweep that
 *	  folds a state lives in tfloat_tagg_fold.c.
 *
 * Semantics
 *
 * The result covers the union of the inputs' times.  At each time t it
 * combines the values of the inputs defined at t (MIN, MAX, SUM, the mean,
 * or the number of inputs for tcount); where one input alone is defined its
 * value is kept.  Instants and discrete sequences are combined instant by
 * instant and give a discrete sequence.  Continuous sequences and sets give
 * a sequence set (also when it has one sequence, as MobilityDB does), with
 * the inputs' interpolation; tcount always gives a step set.  tcount (and
 * wcount) return a tint, as in MobilityDB.  Over tint, tmin, tmax and tsum
 * return a tint and tavg a tfloat (MobilityDB's types); the fold is the
 * same, on the doubles that hold the integers, and the result is
 * relabelled (tf_as_base), so a tsum outside int4 raises 22003 where
 * MobilityDB's int4 addition would wrap.  As in MobilityDB, discrete and continuous inputs
 * cannot be mixed, nor linear and step ones (tcount excepted: it only
 * looks at times).  NULL inputs are skipped; no non-NULL input gives NULL.
 *
 * On linear inputs tsum and tavg are exactly piecewise linear (a sum of
 * linear functions is linear between the union of the breakpoints; the
 * number of inputs is constant there), and tmin/tmax insert the points
 * where the lines of the envelope cross, rounded to the microsecond.
 * Sums use PostgreSQL's float8 addition, so an overflow raises 22003.
 *
 * State
 *
 * The transition function only appends: the instants of discrete inputs,
 * or every sequence of a continuous input as a "piece", into flat arrays
 * in the aggregate context (combine concatenates, serialize copies the
 * arrays into a bytea, so the aggregates run in parallel).  The final
 * function hands the state to tagg_fold (tfloat_tagg_fold.c), which never
 * modifies it.  Memory: 16 bytes per input instant.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "fmgr.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/tfloat_tagg.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(cq_tfloat_tagg_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tcount_transfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tmin_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tmax_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tsum_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tavg_finalfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_combinefn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_serialfn);
PG_FUNCTION_INFO_V1(cq_tfloat_tagg_deserialfn);
PG_FUNCTION_INFO_V1(cq_tint_tsum_finalfn);
PG_FUNCTION_INFO_V1(cq_tint_tmin_finalfn);
PG_FUNCTION_INFO_V1(cq_tint_tmax_finalfn);

/* ----------------------------------------------------------------
 * State
 * ----------------------------------------------------------------
 */

static TAggState *
NewState(MemoryContext cxt)
{
	TAggState *st = MemoryContextAllocZero(cxt, sizeof(TAggState));

	st->cxt = cxt;
	return st;
}

/*
 * tagg_state_get: the state of a transition function (argument 0), made
 * in the aggregate context on the first call.  Errors when called outside
 * an aggregate.
 */
TAggState *
tagg_state_get(FunctionCallInfo fcinfo, const char *fname)
{
	MemoryContext aggcxt;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "%s called in non-aggregate context", fname);
	if (PG_ARGISNULL(0))
		return NewState(aggcxt);
	return (TAggState *) PG_GETARG_POINTER(0);
}

/*
 * tagg_state_begin: declare what the next input adds, refusing to mix
 * discrete with continuous inputs and (when checkinterp) linear with step.
 */
void
tagg_state_begin(TAggState *st, uint8 origin, uint8 shape, bool step,
				 bool checkinterp)
{
	if (st->origin == TAGG_ORIGIN_NONE)
	{
		st->origin = origin;
		st->shape = shape;
		st->step = step;
		st->checkinterp = checkinterp;
		return;
	}
	if (st->origin != origin)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "cannot aggregate instantaneous and continuous temporal values together"),
				 errdetail(
					 "The inputs of a temporal aggregate must all be instants or discrete sequences, or all be continuous sequences or sequence sets.")));
	if (st->shape != shape)
		elog(ERROR, "tfloat aggregate state of another shape");
	if (origin == TAGG_ORIGIN_CONTINUOUS && (checkinterp || st->checkinterp) &&
		st->step != step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg(
					 "cannot aggregate temporal values of different interpolations"),
				 errdetail(
					 "The continuous inputs of a temporal aggregate must all be linear or all be step.")));
}

void
tagg_add_instant(TAggState *st, TimestampTz t, double v)
{
	if (st->ninst == st->instcap)
	{
		int cap = st->instcap == 0 ? 64 : st->instcap;

		if (cap > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many instants in a tfloat aggregate")));
		if (st->instcap == 0)
		{
			st->times = MemoryContextAllocHuge(st->cxt,
											   mul_size(cap,
														sizeof(TimestampTz)));
			st->values = MemoryContextAllocHuge(st->cxt,
												mul_size(cap, sizeof(double)));
		}
		else
		{
			cap *= 2;
			st->times = repalloc_huge(st->times,
									  mul_size(cap, sizeof(TimestampTz)));
			st->values = repalloc_huge(st->values,
									   mul_size(cap, sizeof(double)));
		}
		st->instcap = cap;
	}
	st->times[st->ninst] = t;
	st->values[st->ninst] = v;
	st->ninst++;
}

void
tagg_begin_piece(TAggState *st, bool lower_inc, int64 window)
{
	TAggPiece *p;

	if (st->npieces == st->piececap)
	{
		int cap = st->piececap == 0 ? 16 : st->piececap * 2;

		if (cap > PG_INT32_MAX / 4)
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("too many sequences in a tfloat aggregate")));
		if (st->piececap == 0)
			st->pieces = MemoryContextAllocHuge(st->cxt,
												mul_size(cap,
														 sizeof(TAggPiece)));
		else
			st->pieces = repalloc_huge(st->pieces,
									   mul_size(cap, sizeof(TAggPiece)));
		st->piececap = cap;
	}
	p = &st->pieces[st->npieces++];
	p->start = st->ninst;
	p->count = 0;
	p->lower_inc = lower_inc;
	p->upper_inc = true;
	p->window = window;
}

void
tagg_end_piece(TAggState *st, bool upper_inc)
{
	TAggPiece *p = &st->pieces[st->npieces - 1];

	p->count = st->ninst - p->start;
	p->upper_inc = upper_inc;
}

/* ----------------------------------------------------------------
 * Emitter
 * ----------------------------------------------------------------
 */

void
tagg_emit_init(TAggEmitter *e, bool step, int instcap)
{
	tf_builder_init(&e->b, TF_SEQUENCESET, step, instcap);
	e->step = step;
	e->open = false;
	e->left = 0;
}

/*
 * tagg_emit_breakpoint: the result at breakpoint t is vp (if havept) and
 * on the open interval after t it starts at va (if haveint).  The value
 * reached from the left is e->left, set by tagg_emit_interval_end.  A
 * linear sequence continues through t only when the three agree; a step
 * sequence may jump at t but its value at t must be the one after t.
 */
void
tagg_emit_breakpoint(TAggEmitter *e, TimestampTz t, bool havept, double vp,
					 bool haveint, double va)
{
	if (e->open)
	{
		if (havept && (e->step || tf_float_eq(e->left, vp)))
		{
			tf_builder_add(&e->b, t, vp);
			if (haveint && tf_float_eq(va, vp))
			{
				e->left = vp;
				return;
			}
			tf_builder_end_seq(&e->b, true);
			e->open = false;
			havept = false;
		}
		else
		{
			tf_builder_add(&e->b, t, e->left);
			tf_builder_end_seq(&e->b, false);
			e->open = false;
		}
	}
	if (havept)
	{
		tf_builder_begin_seq(&e->b, true);
		tf_builder_add(&e->b, t, vp);
		if (haveint && tf_float_eq(va, vp))
		{
			e->open = true;
			e->left = vp;
			return;
		}
		tf_builder_end_seq(&e->b, true);
	}
	if (haveint)
	{
		tf_builder_begin_seq(&e->b, false);
		tf_builder_add(&e->b, t, va);
		e->open = true;
		e->left = va;
	}
}

/* An instant strictly inside the current open interval (linear only) */
void
tagg_emit_interior(TAggEmitter *e, TimestampTz t, double v)
{
	Assert(e->open);
	tf_builder_add(&e->b, t, v);
}

/* The value the current open interval reaches at its end */
void
tagg_emit_interval_end(TAggEmitter *e, double vb)
{
	e->left = vb;
}

/* The set made, or NULL when nothing was emitted */
TFloat *
tagg_emit_finish(TAggEmitter *e)
{
	if (e->open)
		elog(ERROR, "tfloat aggregate left an open sequence");
	if (e->b.nseqs == 0)
	{
		tf_builder_free(&e->b);
		return NULL;
	}
	return tf_builder_finish(&e->b);
}

/* ----------------------------------------------------------------
 * SQL: transition and final functions
 * ----------------------------------------------------------------
 */

/*
 * Append a tfloat as it is: its instants, or each of its sequences as a
 * piece.
 */
static void
AddTFloat(TAggState *st, const TFloat *t)
{
	TimestampTz *times = TF_TIMES(t);
	double *values = TF_VALUES(t);

	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		tagg_state_begin(st, TAGG_ORIGIN_DISCRETE, TAGG_SHAPE_INSTANTS, false,
						 true);
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], values[i]);
		}
		return;
	}
	tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES,
					 TF_IS_STEP(t), true);
	for (int s = 0; s < tf_num_seqs(t); s++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		tagg_begin_piece(st, v.lower_inc, 0);
		for (int i = v.start; i < v.start + v.count; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], values[i]);
		}
		tagg_end_piece(st, v.upper_inc);
	}
}

/* tfloat_tagg_transfn(internal, tfloat): shared by tmin, tmax, tsum, tavg */
Datum
cq_tfloat_tagg_transfn(PG_FUNCTION_ARGS)
{
	TAggState *st = tagg_state_get(fcinfo, "tfloat_tagg_transfn");

	if (!PG_ARGISNULL(1))
	{
		TFloat *t = PG_GETARG_TFLOAT_P(1);

		AddTFloat(st, t);
	}
	PG_RETURN_POINTER(st);
}

/*
 * tfloat_tcount_transfn(internal, tfloat): an instant counts 1 at its
 * time; a sequence counts 1 over its whole time span (a step piece of
 * value 1 with its bounds).
 */
Datum
cq_tfloat_tcount_transfn(PG_FUNCTION_ARGS)
{
	TAggState *st = tagg_state_get(fcinfo, "tfloat_tcount_transfn");
	TFloat *t;
	TimestampTz *times;

	if (PG_ARGISNULL(1))
		PG_RETURN_POINTER(st);
	t = PG_GETARG_TFLOAT_P(1);
	times = TF_TIMES(t);
	if (t->subtype == TF_INSTANT || t->subtype == TF_DISCRETE)
	{
		tagg_state_begin(st, TAGG_ORIGIN_DISCRETE, TAGG_SHAPE_INSTANTS, false,
						 false);
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tagg_add_instant(st, times[i], 1.0);
		}
		PG_RETURN_POINTER(st);
	}
	tagg_state_begin(st, TAGG_ORIGIN_CONTINUOUS, TAGG_SHAPE_PIECES, true,
					 false);
	for (int s = 0; s < tf_num_seqs(t); s++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		tagg_begin_piece(st, v.lower_inc, 0);
		tagg_add_instant(st, times[v.start], 1.0);
		if (v.count > 1)
			tagg_add_instant(st, times[v.start + v.count - 1], 1.0);
		tagg_end_piece(st, v.upper_inc);
	}
	PG_RETURN_POINTER(st);
}

/*
 * ConstantPieces: a step result as MobilityDB writes wmin and wmax of
 * instants: each constant stretch a linear sequence of its own, [v@t1,
 * v@t2), the last one closed as the step sequence was.  Equal as
 * functions; MobilityDB builds those results from constant linear
 * segments, so its values look this way.
 */
static TFloat *
ConstantPieces(TFloat *step)
{
	const TimestampTz *times = TF_TIMES(step);
	const double *values = TF_VALUES(step);
	TFloatBuilder bld;

	tf_builder_init(&bld, TF_SEQUENCESET, false, step->ninst * 2);
	for (int s = 0; s < tf_num_seqs(step); s++)
	{
		TFloatSeqView v;
		int last;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(step, s, &v);
		last = v.start + v.count - 1;
		for (int i = v.start; i < last; i++)
		{
			/* The last stretch keeps its value up to an included end... */
			bool closes = i + 1 == last && v.upper_inc;
			bool held = values[last] == values[i];

			TF_CHECK_INTERRUPTS(i);
			tf_builder_begin_seq(&bld, i == v.start ? v.lower_inc : true);
			tf_builder_add(&bld, times[i], values[i]);
			tf_builder_add(&bld, times[i + 1], values[i]);
			tf_builder_end_seq(&bld, closes && held);
			/* ...or the end's own value is an instant of its own */
			if (closes && !held)
			{
				tf_builder_begin_seq(&bld, true);
				tf_builder_add(&bld, times[last], values[last]);
				tf_builder_end_seq(&bld, true);
			}
		}
		if (v.count == 1)
		{
			tf_builder_begin_seq(&bld, true);
			tf_builder_add(&bld, times[v.start], values[v.start]);
			tf_builder_end_seq(&bld, true);
		}
	}
	pfree(step);
	return tf_builder_finish(&bld);
}

/*
 * FinalFold: the final value of a temporal aggregate (or wmin, wmax,
 * wcount), a value of the given base type.
 */
static Datum
FinalFold(FunctionCallInfo fcinfo, TAggOp op, uint8 basetype)
{
	TAggState *st;
	TFloat *result;

	if (PG_ARGISNULL(0))
		PG_RETURN_NULL();
	st = (TAggState *) PG_GETARG_POINTER(0);
	result = tagg_fold(st, op);
	if (result == NULL)
		PG_RETURN_NULL();
	/*
	 * wmin and wmax of instants: their windows are pieces (tfloat_wagg.c).
	 * A tint has no linear pieces: it stays the step set MobilityDB gives.
	 */
	if (basetype == TF_BASE_INT)
		result = tf_as_base(result, TF_BASE_INT);
	else if ((op == TAGG_MIN || op == TAGG_MAX) &&
			 st->origin == TAGG_ORIGIN_DISCRETE &&
			 st->shape == TAGG_SHAPE_PIECES &&
			 result->subtype == TF_SEQUENCESET && TF_IS_STEP(result))
		result = ConstantPieces(result);
	PG_RETURN_TFLOAT_P(result);
}

Datum
cq_tfloat_tmin_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MIN, TF_BASE_FLOAT);
}

Datum
cq_tfloat_tmax_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MAX, TF_BASE_FLOAT);
}

Datum
cq_tfloat_tsum_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_SUM, TF_BASE_FLOAT);
}

/*
 * The final function of tcount and wcount (a sum of ones) over tfloat and
 * tint, and of tsum over tint: a tint
 */
Datum
cq_tint_tsum_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_SUM, TF_BASE_INT);
}

/* tmin and wmin over tint */
Datum
cq_tint_tmin_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MIN, TF_BASE_INT);
}

Datum
cq_tint_tmax_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_MAX, TF_BASE_INT);
}

Datum
cq_tfloat_tavg_finalfn(PG_FUNCTION_ARGS)
{
	return FinalFold(fcinfo, TAGG_AVG, TF_BASE_FLOAT);
}

/* ----------------------------------------------------------------
 * SQL: parallel support, shared by every tfloat aggregate
 * ----------------------------------------------------------------
 */

/* Append src's contents to dst (checks that the two can be mixed) */
static void
AppendState(TAggState *dst, const TAggState *src)
{
	int base = dst->ninst;

	if (src->origin == TAGG_ORIGIN_NONE)
		return;
	tagg_state_begin(dst, src->origin, src->shape, src->step,
					 src->checkinterp);
	for (int i = 0; i < src->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		tagg_add_instant(dst, src->times[i], src->values[i]);
	}
	for (int i = 0; i < src->npieces; i++)
	{
		const TAggPiece *p = &src->pieces[i];
		TAggPiece *q;

		TF_CHECK_INTERRUPTS(i);
		tagg_begin_piece(dst, p->lower_inc, p->window);
		q = &dst->pieces[dst->npieces - 1];
		q->start = base + p->start;
		q->count = p->count;
		q->upper_inc = p->upper_inc;
	}
}

/*
 * tfloat_tagg_combinefn(internal, internal): state1 gets state2's
 * contents.  Not strict, so it copies state2 into the aggregate context
 * when state1 is NULL.
 */
Datum
cq_tfloat_tagg_combinefn(PG_FUNCTION_ARGS)
{
	MemoryContext aggcxt;
	TAggState *st1;

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tfloat_tagg_combinefn called in non-aggregate context");
	if (PG_ARGISNULL(1))
	{
		if (PG_ARGISNULL(0))
			PG_RETURN_NULL();
		PG_RETURN_POINTER(PG_GETARG_POINTER(0));
	}
	st1 = PG_ARGISNULL(0) ? NewState(aggcxt)
						  : (TAggState *) PG_GETARG_POINTER(0);
	AppendState(st1, (TAggState *) PG_GETARG_POINTER(1));
	PG_RETURN_POINTER(st1);
}

/* Serialized form: this header, then times, values and pieces */
typedef struct TAggWire
{
	uint8 origin;
	uint8 shape;
	bool step;
	bool checkinterp;
	int32 ninst;
	int32 npieces;
} TAggWire;

Datum
cq_tfloat_tagg_serialfn(PG_FUNCTION_ARGS)
{
	TAggState *st = (TAggState *) PG_GETARG_POINTER(0);
	TAggWire w;
	Size size;
	bytea *result;
	char *p;

	w.origin = st->origin;
	w.shape = st->shape;
	w.step = st->step;
	w.checkinterp = st->checkinterp;
	w.ninst = st->ninst;
	w.npieces = st->npieces;
	size = add_size(VARHDRSZ, sizeof(TAggWire));
	size = add_size(size,
					mul_size(st->ninst, sizeof(TimestampTz) + sizeof(double)));
	size = add_size(size, mul_size(st->npieces, sizeof(TAggPiece)));
	if (!AllocSizeIsValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg(
					 "tfloat aggregate state too large to pass between parallel workers")));
	result = palloc(size);
	SET_VARSIZE(result, size);
	p = VARDATA(result);
	memcpy(p, &w, sizeof(w));
	p += sizeof(w);
	memcpy(p, st->times, st->ninst * sizeof(TimestampTz));
	p += st->ninst * sizeof(TimestampTz);
	memcpy(p, st->values, st->ninst * sizeof(double));
	p += st->ninst * sizeof(double);
	memcpy(p, st->pieces, st->npieces * sizeof(TAggPiece));
	PG_RETURN_BYTEA_P(result);
}

Datum
cq_tfloat_tagg_deserialfn(PG_FUNCTION_ARGS)
{
	bytea *b = PG_GETARG_BYTEA_PP(0);
	MemoryContext aggcxt;
	TAggState *st;
	TAggWire w;
	const char *p = VARDATA_ANY(b);
	Size len = VARSIZE_ANY_EXHDR(b);

	if (!AggCheckCallContext(fcinfo, &aggcxt))
		elog(ERROR, "tfloat_tagg_deserialfn called in non-aggregate context");
	if (len < sizeof(w))
		elog(ERROR, "invalid serialized tfloat aggregate state");
	memcpy(&w, p, sizeof(w));
	p += sizeof(w);
	if (w.ninst < 0 || w.npieces < 0 ||
		len !=
			sizeof(w) +
				(Size) w.ninst * (sizeof(TimestampTz) + sizeof(double)) +
				(Size) w.npieces * sizeof(TAggPiece))
		elog(ERROR, "invalid serialized tfloat aggregate state");
	if (w.origin > TAGG_ORIGIN_CONTINUOUS || w.shape > TAGG_SHAPE_SIGNALS)
		elog(ERROR, "invalid serialized tfloat aggregate state");
	st = NewState(aggcxt);
	st->origin = w.origin;
	st->shape = w.shape;
	st->step = w.step;
	st->checkinterp = w.checkinterp;
	if (w.ninst > 0)
	{
		st->times = MemoryContextAllocHuge(aggcxt,
										   mul_size(w.ninst,
													sizeof(TimestampTz)));
		st->values = MemoryContextAllocHuge(aggcxt,
											mul_size(w.ninst, sizeof(double)));
		memcpy(st->times, p, w.ninst * sizeof(TimestampTz));
		p += w.ninst * sizeof(TimestampTz);
		memcpy(st->values, p, w.ninst * sizeof(double));
		p += w.ninst * sizeof(double);
		st->ninst = st->instcap = w.ninst;
	}
	if (w.npieces > 0)
	{
		st->pieces = MemoryContextAllocHuge(aggcxt,
											mul_size(w.npieces,
													 sizeof(TAggPiece)));
		memcpy(st->pieces, p, w.npieces * sizeof(TAggPiece));
		st->npieces = st->piececap = w.npieces;
	}
	/* The fold functions index by these without further checks */
	for (int i = 0; i < st->npieces; i++)
	{
		const TAggPiece *pc = &st->pieces[i];

		TF_CHECK_INTERRUPTS(i);
		if (pc->start < 0 || pc->count < 1 ||
			pc->start > st->ninst - pc->count)
			elog(ERROR, "invalid serialized tfloat aggregate state");
	}
	PG_RETURN_POINTER(st);
}
