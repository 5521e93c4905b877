/*-------------------------------------------------------------------------
 *
 * tfloat_sync.h
 *	  Synchronization of two tfloats: both operands sampled at the same
 *	  timestamps over the time they share, cut into pieces.
 *
 * Design notes
 *
 * Every operation that combines two tfloats point by point (arithmetic,
 * temporal comparison, temporal aggregates) first needs both values at
 * the same instants.  tf_sync() computes that once: over the intersection
 * of the two time extents (bounds and the gaps of sets honoured) it lists
 * every timestamp at which either operand has an instant, with the value
 * of each operand there, grouped into pieces.  Within one piece the two
 * operands are simple between consecutive timestamps, as stated by
 * TFSync.interp, so a consumer only ever looks at one "segment" at a time
 * and never needs to search the operands again.
 *
 * See tfloat_sync.c for the rules (subtype of the result, where pieces
 * split, what values sit at exclusive bounds).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_TFLOAT_SYNC_H
#define CQSTREAM_TFLOAT_SYNC_H

#include "tfloat/tfloat.h"

/* How both operands behave between times[i] and times[i + 1] of a piece */
typedef enum TFSyncInterp
{
	TF_SYNC_DISCRETE, /* isolated instants, nothing in between */
	TF_SYNC_STEP,	  /* both step: each keeps its value at times[i] */
	TF_SYNC_LINEAR	  /* each moves linearly from its value at
								 * times[i] to its value at times[i + 1] (a
								 * step operand is constant there) */
} TFSyncInterp;

/* One piece: instants [start, start + count) of the TFSync arrays */
typedef struct TFSyncPiece
{
	int start;
	int count;
	bool lower_inc;
	bool upper_inc;
} TFSyncPiece;

typedef struct TFSync
{
	uint8 subtype; /* subtype of a lifted result (see .c) */
	TFSyncInterp interp;
	bool linear1; /* first operand linear (continuous only) */
	bool linear2; /* second operand linear (continuous only) */
	int ninst;
	TimestampTz *times; /* [ninst], strictly increasing per piece */
	double *v1;			/* [ninst] value of the first operand */
	double *v2;			/* [ninst] value of the second operand */
	int npieces;
	TFSyncPiece *pieces; /* [npieces], in time order, disjoint */
	/* private */
	int instcap;
	int piececap;
} TFSync;

extern bool tf_sync(const TFloat *a, const TFloat *b, TFSync *s);
extern void tf_sync_free(TFSync *s);
extern void tf_sync_values_at(const TFSync *s, int i, TimestampTz t,
							  double *x1, double *x2);

#endif /* CQSTREAM_TFLOAT_SYNC_H */
