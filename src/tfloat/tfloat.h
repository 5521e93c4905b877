/*-------------------------------------------------------------------------
 *
 * tfloat.h
 *	  The temporal float type: on-disk layout, the builder every function
 *	  uses to make a value, and the helpers shared by all tfloat modules.
 *
 * Design notes
 *
 * A tfloat is one varlena for all four subtypes (instant, discrete
 * sequence, continuous sequence, sequence set).  Values are stored
 * column-wise: after a 16-byte header (and, for a sequence set only, an
 * 8-byte entry per sequence) come all timestamps, then all values.  That
 * keeps an instant at exactly 16 bytes, keeps every field 8-byte aligned
 * (the type is declared with ALIGNMENT = double), and lets the lifted
 * operations run over a plain double array.
 *
 * Every stored value is valid and normalized (see tfloat.c); the builder
 * is the only way to make one, so no other module needs to re-check.
 *
 * A sequence set stores the instants of all its sequences back to back;
 * sequence i covers instants [end(i-1), end(i)).  Continuous sequences that
 * are not in a set keep their bounds in the header flags.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_TFLOAT_H
#define CQSTREAM_TFLOAT_H

#include "postgres.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "miscadmin.h"

/* Subtypes, in MobilityDB's order */
#define TF_INSTANT	   1
#define TF_DISCRETE	   2 /* a discrete sequence */
#define TF_SEQUENCE	   3 /* a continuous sequence */
#define TF_SEQUENCESET 4

/* Header and per-sequence flags */
#define TF_STEP		 0x01 /* step interpolation (continuous only) */
#define TF_LOWER_INC 0x02
#define TF_UPPER_INC 0x04

/*
 * Base types.  tfloat and tint share this layout and every function: a
 * tint stores its int4 values as doubles (all exact) and is told apart by
 * the header's basetype, which is zero in every tfloat ever stored, so
 * tfloat's layout did not change.  Per-type behaviour (parsing, printing,
 * allowed interpolation, names) is in tbase.c.
 */
#define TF_BASE_FLOAT 0
#define TF_BASE_INT	  1

/* Absolute tolerance of linear normalization, as in MobilityDB */
#define TF_EPSILON 1.0e-6

/*
 * Longest time a value may span, in microseconds: any difference of two of
 * its timestamps fits in int64 (about 292,000 years; timestamptz itself
 * covers 299,000).
 */
#define TF_MAX_SPAN PG_INT64_MAX

/* Most decimal digits printed after the point (text and MF-JSON) */
#define TF_MAX_DECIMALS 15

/*
 * Loops over instants or input bytes check for interrupts every
 * TF_INTERRUPT_MASK + 1 iterations (TF_CHECK_INTERRUPTS), so that a
 * statement over the largest value (about 60 million instants in 1 GB) is
 * cancelled within milliseconds, while the check costs nothing measurable
 * in the inner loops.
 */
#define TF_INTERRUPT_MASK 0x3FFF
#define TF_CHECK_INTERRUPTS(i)             \
	do                                     \
	{                                      \
		if (((i) &TF_INTERRUPT_MASK) == 0) \
			CHECK_FOR_INTERRUPTS();        \
	} while (0)

typedef struct TFloat
{
	int32 vl_len_;	/* varlena header (do not touch directly) */
	uint8 subtype;	/* TF_INSTANT .. TF_SEQUENCESET */
	uint8 flags;	/* TF_STEP; bounds unless a sequence set */
	uint8 basetype; /* TF_BASE_FLOAT (0, so every tfloat) or TF_BASE_INT */
	uint8 spare;	/* zero */
	int32 ninst;	/* number of stored instants, >= 1 */
	int32 nseqs;	/* sequences in a set; 1 otherwise */
					/* TFloatSeqEntry seqs[nseqs] only for TF_SEQUENCESET */
					/* TimestampTz times[ninst] */
					/* float8 values[ninst] */
} TFloat;

typedef struct TFloatSeqEntry
{
	int32 end;		/* one past the sequence's last instant */
	uint8 flags;	/* TF_LOWER_INC | TF_UPPER_INC */
	uint8 spare[3]; /* zero */
} TFloatSeqEntry;

#define TF_HEADER_SIZE ((Size) sizeof(TFloat))

static inline TFloatSeqEntry *
TF_SEQS(const TFloat *t)
{
	return (TFloatSeqEntry *) ((char *) t + TF_HEADER_SIZE);
}

/* Where the timestamps start in a value with nseqs sequence entries */
static inline TimestampTz *
TF_TIMES_RAW(const TFloat *t, int nseqs)
{
	return (TimestampTz *) ((char *) t + TF_HEADER_SIZE +
							(Size) nseqs * sizeof(TFloatSeqEntry));
}

static inline TimestampTz *
TF_TIMES(const TFloat *t)
{
	Size off = TF_HEADER_SIZE;

	if (t->subtype == TF_SEQUENCESET)
		off += (Size) t->nseqs * sizeof(TFloatSeqEntry);
	return (TimestampTz *) ((char *) t + off);
}

static inline double *
TF_VALUES(const TFloat *t)
{
	return (double *) (TF_TIMES(t) + t->ninst);
}

static inline bool
TF_IS_STEP(const TFloat *t)
{
	return (t->flags & TF_STEP) != 0;
}

/* Float equality as PostgreSQL's float8 "=": NaN equals NaN */
static inline bool
tf_float_eq(double a, double b)
{
	return a == b || (isnan(a) && isnan(b));
}

/*
 * tf_repeated_instant: true when stored instant i repeats instant i - 1,
 * which happens only where two sequences of a set meet at a timestamp that
 * both exclude; by_time compares the timestamps only.  Functions that list
 * or count distinct instants skip these.
 */
static inline bool
tf_repeated_instant(const TimestampTz *times, const double *values, int i,
					bool by_time)
{
	return i > 0 && times[i] == times[i - 1] &&
		(by_time || tf_float_eq(values[i], values[i - 1]));
}

/*
 * A view of one sequence of a value.  An instant and a discrete sequence are
 * seen as one "sequence" with both bounds inclusive; callers that care about
 * discreteness check the subtype.
 */
typedef struct TFloatSeqView
{
	int start; /* index of the first instant */
	int count; /* instants in this sequence */
	bool lower_inc;
	bool upper_inc;
} TFloatSeqView;

extern int tf_num_seqs(const TFloat *t);
extern void tf_seq_view(const TFloat *t, int i, TFloatSeqView *v);

/*
 * Builder.  Collect instants and sequence boundaries, then call
 * tf_builder_finish().  Memory is palloc'd in the current context.  The
 * instants are kept in one block laid out like the final value, so that
 * finishing a value that is not a set (by far the common case for large
 * values) needs no second multi-megabyte allocation: give tf_builder_init
 * the exact instant count when it is known.
 */
typedef struct TFloatBuilder
{
	uint8 subtype;
	uint8 basetype; /* TF_BASE_FLOAT unless tf_builder_set_base says */
	bool step;		/* continuous sequences only */
	int ninst;
	int instcap;
	char *block;		/* header space, times[instcap], values[] */
	TimestampTz *times; /* points into block */
	double *values;		/* points into block */
	int nseqs;
	int seqcap;
	TFloatSeqView *seqs; /* only for TF_SEQUENCE / TF_SEQUENCESET */
} TFloatBuilder;

extern void tf_builder_init(TFloatBuilder *b, uint8 subtype, bool step,
							int instcap);
extern void tf_builder_init_like(TFloatBuilder *b, const TFloat *t);
extern void tf_builder_set_base(TFloatBuilder *b, uint8 basetype);
extern void tf_builder_add(TFloatBuilder *b, TimestampTz t, double v);
extern void tf_builder_begin_seq(TFloatBuilder *b, bool lower_inc);
extern void tf_builder_end_seq(TFloatBuilder *b, bool upper_inc);
extern const char *tf_builder_check(const TFloatBuilder *b);
extern TFloat *tf_builder_finish(TFloatBuilder *b);
extern void tf_builder_free(TFloatBuilder *b);

/* Convenience constructors (results palloc'd, already normalized) */
extern TFloat *tf_make_instant(TimestampTz t, double v);
extern TFloat *tf_make_seq(const TimestampTz *times, const double *values,
						   int n, bool lower_inc, bool upper_inc, bool step);

/*
 * Normalization of one sequence's instants in place, in linear time;
 * returns the new count.  tf_normalize_append appends [kept, n) to the
 * normalized run [0, kept).
 */
extern int tf_normalize_instants(TimestampTz *times, double *values, int n,
								 bool step);
extern int tf_normalize_append(TimestampTz *times, double *values, int kept,
							   int n, bool step);

/* Size of a value with the given shape, with overflow checks */
extern Size tf_alloc_size(uint8 subtype, int nseqs, int ninst);

/* Detoasting */
#define DatumGetTFloatP(X)	  ((TFloat *) PG_DETOAST_DATUM(X))
#define PG_GETARG_TFLOAT_P(n) DatumGetTFloatP(PG_GETARG_DATUM(n))
#define PG_RETURN_TFLOAT_P(x) PG_RETURN_POINTER(x)

/* Time helpers (tfloat.c) */
extern void tf_check_timestamp(TimestampTz t);
extern double tf_value_at(TimestampTz t1, double v1, TimestampTz t2, double v2,
						  TimestampTz t, bool step);

/* Locating times in a value (tfloat_time.c) */
typedef struct TFloatSpan
{
	TimestampTz lower;
	TimestampTz upper;
	bool lower_inc;
	bool upper_inc;
} TFloatSpan;

extern void tf_seq_span(const TFloat *tf, const TFloatSeqView *v,
						TFloatSpan *sp);
extern bool tf_span_intersect(const TFloatSpan *a, const TFloatSpan *b,
							  TFloatSpan *r);
extern bool tf_span_contains(const TFloatSpan *sp, TimestampTz t);
extern int tf_find_instant(const TimestampTz *times, int start, int count,
						   TimestampTz t, bool strict);
extern double tf_seq_value(const TFloat *tf, const TFloatSeqView *s,
						   TimestampTz t, bool left);
extern int tf_first_seq_ending_from(const TFloat *tf, TimestampTz t);
extern bool tf_value_at_timestamp(const TFloat *tf, TimestampTz t,
								  double *value);

/* Float printing (tfloat_print.c) */
#define TF_DOUBLE_BUFLEN 40
extern int tf_format_double(double d, int maxdd, char *buf);
extern int tf_format_timestamp(TimestampTz t, int style, char *buf);

/* Base types (tbase.c) */
extern const char *tf_base_name(uint8 basetype);
extern bool tf_base_value_ok(uint8 basetype, double v);
extern const char *tf_builder_check_values(const TFloatBuilder *b);
extern int tf_format_value(uint8 basetype, double v, int maxdd, char *buf);
extern Datum tf_value_datum(uint8 basetype, double v);
extern TFloat *tf_as_base(TFloat *t, uint8 basetype);

/* Text form (tfloat_io.c), palloc'd */
extern char *tf_to_cstring(const TFloat *t);

#endif /* CQSTREAM_TFLOAT_H */
