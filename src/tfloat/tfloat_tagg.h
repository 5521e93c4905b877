/*-------------------------------------------------------------------------
 *
 * tfloat_tagg.h
 *	  Temporal aggregates over tfloat: the shared aggregate state and the
 *	  sweep that folds it, used by tfloat_tagg.c (tcount, tmin, tmax, tsum,
 *	  tavg) and tfloat_wagg.c (wmin, wmax, wcount, wsum, wavg).
 *
 * Design notes
 *
 * The state collects its inputs and computes nothing until the final
 * function: transition appends instants (or pieces of sequences) to flat
 * arrays in the aggregate memory context, combine concatenates two states,
 * serialize copies the arrays into a bytea.  The final function sorts what
 * it has into a canonical order first, so the result does not depend on the
 * order rows arrived in, and a parallel plan gives bit for bit the serial
 * answer.  See tfloat_tagg_fold.c for the sweep.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_TFLOAT_TAGG_H
#define CQSTREAM_TFLOAT_TAGG_H

#include "tfloat/tfloat.h"

/* What the inputs were (mixing the two is refused) */
#define TAGG_ORIGIN_NONE	   0
#define TAGG_ORIGIN_DISCRETE   1 /* instants and discrete sequences */
#define TAGG_ORIGIN_CONTINUOUS 2 /* continuous sequences and sets */

/* What the state holds */
#define TAGG_SHAPE_NONE		0
#define TAGG_SHAPE_INSTANTS 1 /* loose instants, folded instant-wise */
#define TAGG_SHAPE_PIECES	2 /* continuous pieces, folded by the sweep */
#define TAGG_SHAPE_SIGNALS	3 /* sequences with a window (wsum, wavg) */

typedef enum TAggOp
{
	TAGG_MIN,
	TAGG_MAX,
	TAGG_SUM,
	TAGG_AVG
} TAggOp;

/*
 * One continuous piece: instants [start, start + count) of the state's
 * arrays.  window is the moving window in microseconds of a signal
 * (TAGG_SHAPE_SIGNALS), 0 otherwise.
 */
typedef struct TAggPiece
{
	int32 start;
	int32 count;
	bool lower_inc;
	bool upper_inc;
	int64 window;
} TAggPiece;

typedef struct TAggState
{
	MemoryContext cxt; /* where the arrays live */
	uint8 origin;	   /* TAGG_ORIGIN_* */
	uint8 shape;	   /* TAGG_SHAPE_* */
	bool step;		   /* interpolation of pieces and signals */
	bool checkinterp;  /* refuse mixing linear and step inputs */
	int32 ninst;
	int32 instcap;
	TimestampTz *times;
	double *values;
	int32 npieces;
	int32 piececap;
	TAggPiece *pieces;
} TAggState;

/* State management (tfloat_tagg.c); errors are the user-facing ones */
extern TAggState *tagg_state_get(FunctionCallInfo fcinfo, const char *fname);
extern void tagg_state_begin(TAggState *st, uint8 origin, uint8 shape,
							 bool step, bool checkinterp);
extern void tagg_add_instant(TAggState *st, TimestampTz t, double v);
extern void tagg_begin_piece(TAggState *st, bool lower_inc, int64 window);
extern void tagg_end_piece(TAggState *st, bool upper_inc);

/* Folding (tfloat_tagg_fold.c); results palloc'd in the current context */
extern TFloat *tagg_fold(const TAggState *st, TAggOp op);
extern int *tagg_sorted_pieces(const TAggState *st);
extern TimestampTz *tagg_sorted_times(TimestampTz *times, int n, int *nunique);

/*
 * A greedy writer of a sequence set: the sweeps describe the result one
 * breakpoint at a time (the value at the breakpoint, then the limits of the
 * open interval after it) and this joins what is continuous into one
 * sequence and splits where the value jumps.
 */
typedef struct TAggEmitter
{
	TFloatBuilder b;
	bool step;
	bool open;	 /* a sequence is in progress */
	double left; /* its value at the current time from the left */
} TAggEmitter;

extern void tagg_emit_init(TAggEmitter *e, bool step, int instcap);
extern void tagg_emit_breakpoint(TAggEmitter *e, TimestampTz t, bool havept,
								 double vp, bool haveint, double va);
extern void tagg_emit_interior(TAggEmitter *e, TimestampTz t, double v);
extern void tagg_emit_interval_end(TAggEmitter *e, double vb);
extern TFloat *tagg_emit_finish(TAggEmitter *e);

#endif /* CQSTREAM_TFLOAT_TAGG_H */
