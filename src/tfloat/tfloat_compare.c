/*-------------------------------------------------------------------------
 *
 * tfloat_compare.c
 *	  Equality, total order and hashing of tfloat values: the functions
 *	  behind = <> < <= > >=, the btree operator class (ORDER BY, merge
 *	  joins, DISTINCT and GROUP BY by sorting) and the hash operator class
 *	  (hash joins, hash aggregation, UNION by hashing).
 *
 * Design notes
 *
 * Stored values are always normalized (tfloat.c), so two values are equal
 * exactly when their parts are: the same subtype, interpolation, number of
 * instants, sequence structure and bounds, timestamps, and values.  Values
 * follow PostgreSQL's float8 semantics rather than bitwise identity: NaN
 * equals NaN (whatever its bit pattern) and -0 equals 0.  The spare bytes
 * of the layout are never looked at.
 *
 * The order is a total order consistent with that equality (cmp = 0 exactly
 * when equal), compared lexicographically on:
 *
 *	1. the instants, pairwise from the first: timestamp, then value with
 *	   float8_cmp_internal (so -0 = 0 and NaN sorts above +Infinity).  The
 *	   first key is thus the start timestamp;
 *	2. the number of instants (a value that is a prefix of another sorts
 *	   first);
 *	3. the subtype: instant < discrete < continuous sequence < set;
 *	4. the interpolation: linear before step (only continuous sequences
 *	   and sets have one);
 *	5. sequence by sequence: the lower bound (inclusive before exclusive),
 *	   the number of instants of the sequence (ending earlier first), the
 *	   upper bound (exclusive before inclusive), as ranges order their
 *	   bounds; then the number of sequences.
 *
 * The hash covers the same parts and maps each value through the same
 * equivalence as equality: -0 is hashed as 0 and every NaN alike, as
 * hashfloat8 does.  It is computed with hash_bytes_extended over fixed
 * chunks of the (canonicalized) arrays, chained through the seed, so equal
 * values give equal hashes however they were made.  As the hash AM
 * requires, tfloat_hash equals the low 32 bits of tfloat_hash_extended with
 * seed 0.
 *
 * All functions are strict and never error on a valid value.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "common/hashfn.h"
#include "fmgr.h"
#include "tfloat/tfloat.h"
#include "utils/float.h"

PG_FUNCTION_INFO_V1(cq_tfloat_cmp);
PG_FUNCTION_INFO_V1(cq_tfloat_eq);
PG_FUNCTION_INFO_V1(cq_tfloat_ne);
PG_FUNCTION_INFO_V1(cq_tfloat_lt);
PG_FUNCTION_INFO_V1(cq_tfloat_le);
PG_FUNCTION_INFO_V1(cq_tfloat_gt);
PG_FUNCTION_INFO_V1(cq_tfloat_ge);
PG_FUNCTION_INFO_V1(cq_tfloat_hash);
PG_FUNCTION_INFO_V1(cq_tfloat_hash_extended);

/* Elements hashed per call of hash_bytes_extended */
#define TF_HASH_CHUNK 128

#define TF_CMP_SIGN(a, b) ((a) < (b) ? -1 : ((a) > (b) ? 1 : 0))

/*
 * CompareTFloats: the total order described in the file header.  Returns
 * <0, 0 or >0; 0 exactly when the two values are equal.
 */
static int
CompareTFloats(const TFloat *a, const TFloat *b)
{
	const TimestampTz *ta = TF_TIMES(a);
	const TimestampTz *tb = TF_TIMES(b);
	const double *va = TF_VALUES(a);
	const double *vb = TF_VALUES(b);
	int n = Min(a->ninst, b->ninst);
	int nseqs;
	int c;

	for (int i = 0; i < n; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (ta[i] != tb[i])
			return TF_CMP_SIGN(ta[i], tb[i]);
		c = float8_cmp_internal(va[i], vb[i]);
		if (c != 0)
			return c;
	}
	if (a->ninst != b->ninst)
		return TF_CMP_SIGN(a->ninst, b->ninst);
	if (a->subtype != b->subtype)
		return TF_CMP_SIGN(a->subtype, b->subtype);
	if (TF_IS_STEP(a) != TF_IS_STEP(b))
		return TF_IS_STEP(a) ? 1 : -1;

	nseqs = Min(tf_num_seqs(a), tf_num_seqs(b));
	for (int i = 0; i < nseqs; i++)
	{
		TFloatSeqView sa;
		TFloatSeqView sb;

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(a, i, &sa);
		tf_seq_view(b, i, &sb);
		if (sa.lower_inc != sb.lower_inc)
			return sa.lower_inc ? -1 : 1;
		if (sa.count != sb.count)
			return TF_CMP_SIGN(sa.count, sb.count);
		if (sa.upper_inc != sb.upper_inc)
			return sa.upper_inc ? 1 : -1;
	}
	/* Cannot differ once the instants and the sequences so far agree */
	return TF_CMP_SIGN(tf_num_seqs(a), tf_num_seqs(b));
}

/*
 * TFloatsEqual: CompareTFloats(a, b) == 0, with two shortcuts: equal values
 * have equal sizes (the size follows from subtype and counts), and
 * bytewise identical values are equal.
 */
static bool
TFloatsEqual(const TFloat *a, const TFloat *b)
{
	if (VARSIZE(a) != VARSIZE(b))
		return false;
	if (memcmp(a, b, VARSIZE(a)) == 0)
		return true;
	return CompareTFloats(a, b) == 0;
}

/*
 * CompareArgs / EqualArgs: compare the two tfloat arguments of the calling
 * function, detoasting them and freeing the copies, as btree and sort
 * callers expect of support functions.
 */
static int
CompareArgs(FunctionCallInfo fcinfo)
{
	TFloat *a = PG_GETARG_TFLOAT_P(0);
	TFloat *b = PG_GETARG_TFLOAT_P(1);
	int c = CompareTFloats(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return c;
}

static bool
EqualArgs(FunctionCallInfo fcinfo)
{
	TFloat *a = PG_GETARG_TFLOAT_P(0);
	TFloat *b = PG_GETARG_TFLOAT_P(1);
	bool r = TFloatsEqual(a, b);

	PG_FREE_IF_COPY(a, 0);
	PG_FREE_IF_COPY(b, 1);
	return r;
}

Datum
cq_tfloat_cmp(PG_FUNCTION_ARGS)
{
	PG_RETURN_INT32(CompareArgs(fcinfo));
}

Datum
cq_tfloat_eq(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(EqualArgs(fcinfo));
}

Datum
cq_tfloat_ne(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(!EqualArgs(fcinfo));
}

Datum
cq_tfloat_lt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) < 0);
}

Datum
cq_tfloat_le(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) <= 0);
}

Datum
cq_tfloat_gt(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) > 0);
}

Datum
cq_tfloat_ge(PG_FUNCTION_ARGS)
{
	PG_RETURN_BOOL(CompareArgs(fcinfo) >= 0);
}

/*
 * HashTFloat: a 64-bit hash of everything equality looks at, with float
 * values canonicalized (-0 to 0, all NaNs to one NaN).  Chunks are cut at
 * fixed element counts, so the result depends only on the value.
 */
static uint64
HashTFloat(const TFloat *t, uint64 seed)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	int32 head[4];
	uint64 h;

	head[0] = t->subtype;
	head[1] = TF_IS_STEP(t) ? 1 : 0;
	head[2] = t->ninst;
	head[3] = tf_num_seqs(t);
	h = hash_bytes_extended((const unsigned char *) head, sizeof(head), seed);

	for (int i = 0; i < tf_num_seqs(t); i++)
	{
		TFloatSeqView s;
		int32 part[3];

		TF_CHECK_INTERRUPTS(i);
		tf_seq_view(t, i, &s);
		part[0] = s.count;
		part[1] = s.lower_inc ? 1 : 0;
		part[2] = s.upper_inc ? 1 : 0;
		h = hash_bytes_extended((const unsigned char *) part, sizeof(part), h);
	}

	/* Timestamps are integers: hash them as stored */
	for (int i = 0; i < t->ninst; i += TF_HASH_CHUNK)
	{
		int n = Min(TF_HASH_CHUNK, t->ninst - i);

		TF_CHECK_INTERRUPTS(i);
		h = hash_bytes_extended((const unsigned char *) (times + i),
								n * (int) sizeof(TimestampTz), h);
	}

	for (int i = 0; i < t->ninst; i += TF_HASH_CHUNK)
	{
		double buf[TF_HASH_CHUNK];
		int n = Min(TF_HASH_CHUNK, t->ninst - i);

		TF_CHECK_INTERRUPTS(i);
		for (int j = 0; j < n; j++)
		{
			double v = values[i + j];

			TF_CHECK_INTERRUPTS(j);
			if (v == 0.0)
				v = 0.0; /* -0 hashes as 0 */
			else if (isnan(v))
				v = get_float8_nan();
			buf[j] = v;
		}
		h = hash_bytes_extended((const unsigned char *) buf,
								n * (int) sizeof(double), h);
	}
	return h;
}

Datum
cq_tfloat_hash(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	uint32 h = (uint32) HashTFloat(t, 0);

	PG_FREE_IF_COPY(t, 0);
	PG_RETURN_INT32((int32) h);
}

Datum
cq_tfloat_hash_extended(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	uint64 h = HashTFloat(t, (uint64) PG_GETARG_INT64(1));

	PG_FREE_IF_COPY(t, 0);
	PG_RETURN_INT64((int64) h);
}
