/*-------------------------------------------------------------------------
 *
 * tfloat.c
 *	  Making tfloat values: the builder, validation and normalization.
 *
 * Design notes
 *
 * All code that produces a tfloat (text, binary and MF-JSON input, the
 * constructors, the lifted operations) collects instants in a
 * TFloatBuilder and calls tf_builder_finish(), so the rules of the type live
 * in one place:
 *
 *	- timestamps are finite and strictly increase, also across the sequences
 *	  of a set (two sequences may share a timestamp when at most one of them
 *	  includes it);
 *	- a one-instant continuous sequence has inclusive bounds;
 *	- a step sequence with an exclusive upper bound repeats its previous
 *	  value at the end (the last value would otherwise never be taken);
 *	- the whole value spans less than TF_MAX_SPAN (about 292,000 years), so
 *	  that differences of its timestamps never overflow int64.
 *
 * Normalization follows MobilityDB so that equal values print equally: in
 * a continuous sequence a middle instant is dropped when it adds nothing
 * (step: equal to the previous kept value; linear: within TF_EPSILON of the
 * line through its neighbours), and a set joins two neighbouring sequences
 * that meet at one timestamp, one bound inclusive and the other exclusive,
 * with the same value there (for step interpolation, a sequence open at
 * its end joins the one that starts there whatever the value, as in
 * MobilityDB).  Discrete sequences are never normalized.
 *
 * tf_builder_check() returns a sentence describing the first rule broken
 * so that each caller raises the error with its own message and SQLSTATE.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "tfloat/tfloat.h"
#include "utils/float.h"
#include "utils/memutils.h"
#include "utils/timestamp.h"

/*
 * tf_check_timestamp: refuse the infinite timestamps, which have no place
 * on a time line (MobilityDB crashes on them), and values outside
 * timestamptz's range, which binary input could otherwise store but no
 * output could print.
 */
void
tf_check_timestamp(TimestampTz t)
{
	if (!IS_VALID_TIMESTAMP(t))
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range for tfloat"),
				 errdetail(
					 "The timestamps of a tfloat must be finite and within the range of timestamptz.")));
}

/*
 * tf_value_at: the value at t of the segment (t1, v1) - (t2, v2), with
 * t1 <= t <= t2.  The ends are returned exactly, so interpolating at a
 * stored instant never changes its value.
 */
double
tf_value_at(TimestampTz t1, double v1, TimestampTz t2, double v2,
			TimestampTz t, bool step)
{
	long double r;
	double v;

	if (t == t1 || step)
		return t == t2 && !step ? v2 : v1;
	if (t == t2)
		return v2;
	if (tf_float_eq(v1, v2))
		return v1;
	/* From an infinite end the line stays infinite up to the other end */
	if (isnan(v1) || isnan(v2) || (isinf(v1) && isinf(v2)))
		return get_float8_nan();
	if (isinf(v1) || isinf(v2))
		return isinf(v1) ? v1 : v2;
	/*
	 * MobilityDB's formula, to the bit: the ratio of the durations in long
	 * double, the difference of the values in double, their product in
	 * long double rounded once to double.  The durations are taken in long
	 * double, whose 64-bit mantissa holds any difference of two int64
	 * exactly, so no span can overflow them.
	 */
	r = ((long double) t - (long double) t1) /
		((long double) t2 - (long double) t1);
	v = v1 + (double) ((long double) (v2 - v1) * r);
	/* v2 - v1 overflows for huge finite ends; the convex form cannot */
	if (!isfinite(v))
		v = (double) (v1 * (1.0L - r) + v2 * r);
	return v;
}

int
tf_num_seqs(const TFloat *t)
{
	return t->nseqs;
}

void
tf_seq_view(const TFloat *t, int i, TFloatSeqView *v)
{
	Assert(i >= 0 && i < t->nseqs);
	if (t->subtype == TF_SEQUENCESET)
	{
		const TFloatSeqEntry *e = TF_SEQS(t);

		v->start = i == 0 ? 0 : e[i - 1].end;
		v->count = e[i].end - v->start;
		v->lower_inc = (e[i].flags & TF_LOWER_INC) != 0;
		v->upper_inc = (e[i].flags & TF_UPPER_INC) != 0;
	}
	else
	{
		v->start = 0;
		v->count = t->ninst;
		if (t->subtype == TF_SEQUENCE)
		{
			v->lower_inc = (t->flags & TF_LOWER_INC) != 0;
			v->upper_inc = (t->flags & TF_UPPER_INC) != 0;
		}
		else
			v->lower_inc = v->upper_inc = true;
	}
}

/*
 * tf_alloc_size: bytes of a value with this shape.  Errors (54000) rather
 * than wrapping when the counts are absurd.
 */
Size
tf_alloc_size(uint8 subtype, int nseqs, int ninst)
{
	Size size = TF_HEADER_SIZE;

	if (subtype == TF_SEQUENCESET)
		size = add_size(size, mul_size((Size) nseqs, sizeof(TFloatSeqEntry)));
	size = add_size(size,
					mul_size((Size) ninst,
							 sizeof(TimestampTz) + sizeof(double)));
	if (!AllocSizeIsValid(size))
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("tfloat value too large"),
				 errdetail("A value of %d instants would need %zu bytes.",
						   ninst, size)));
	return size;
}

void
tf_builder_init(TFloatBuilder *b, uint8 subtype, bool step, int instcap)
{
	memset(b, 0, sizeof(*b));
	b->subtype = subtype;
	b->step = step && (subtype == TF_SEQUENCE || subtype == TF_SEQUENCESET);
	b->instcap = Max(instcap, 1);
	b->block = palloc(tf_alloc_size(TF_SEQUENCE, 1, b->instcap));
	b->times = (TimestampTz *) (b->block + TF_HEADER_SIZE);
	b->values = (double *) (b->times + b->instcap);
}

/*
 * tf_builder_init_like: a builder holding t's timestamps, subtype,
 * interpolation and sequence bounds, for functions that compute new values
 * on the same instants (the lifted operations).  The caller fills
 * b->values[0 .. t->ninst) and calls tf_builder_finish, which
 * renormalizes.
 */
void
tf_builder_init_like(TFloatBuilder *b, const TFloat *t)
{
	int n = t->ninst;

	tf_builder_init(b, t->subtype, TF_IS_STEP(t), n);
	b->basetype = t->basetype;
	memcpy(b->times, TF_TIMES(t), mul_size(n, sizeof(TimestampTz)));
	b->ninst = n;
	if (t->subtype == TF_SEQUENCE || t->subtype == TF_SEQUENCESET)
	{
		b->seqcap = t->nseqs;
		b->seqs = palloc(mul_size(t->nseqs, sizeof(TFloatSeqView)));
		for (int i = 0; i < t->nseqs; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			tf_seq_view(t, i, &b->seqs[i]);
		}
		b->nseqs = t->nseqs;
	}
}

void
tf_builder_add(TFloatBuilder *b, TimestampTz t, double v)
{
	tf_check_timestamp(t);
	if (b->ninst == b->instcap)
	{
		int oldcap = b->instcap;

		if (oldcap >= (int) (MaxAllocSize / sizeof(double) / 2))
			ereport(ERROR,
					(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
					 errmsg("tfloat value too large")));
		b->instcap = Max(oldcap * 2, 4);
		b->block = repalloc(b->block,
							tf_alloc_size(TF_SEQUENCE, 1, b->instcap));
		b->times = (TimestampTz *) (b->block + TF_HEADER_SIZE);
		b->values = (double *) (b->times + b->instcap);
		memmove(b->values, b->times + oldcap, b->ninst * sizeof(double));
	}
	b->times[b->ninst] = t;
	b->values[b->ninst] = v;
	b->ninst++;
}

void
tf_builder_begin_seq(TFloatBuilder *b, bool lower_inc)
{
	if (b->nseqs == b->seqcap)
	{
		b->seqcap = b->seqcap == 0 ? 4 : b->seqcap * 2;
		if (b->seqs == NULL)
			b->seqs = palloc(mul_size(b->seqcap, sizeof(TFloatSeqView)));
		else
			b->seqs = repalloc(b->seqs,
							   mul_size(b->seqcap, sizeof(TFloatSeqView)));
	}
	b->seqs[b->nseqs].start = b->ninst;
	b->seqs[b->nseqs].count = 0;
	b->seqs[b->nseqs].lower_inc = lower_inc;
	b->seqs[b->nseqs].upper_inc = true;
	b->nseqs++;
}

void
tf_builder_end_seq(TFloatBuilder *b, bool upper_inc)
{
	TFloatSeqView *s;

	Assert(b->nseqs > 0);
	s = &b->seqs[b->nseqs - 1];
	s->count = b->ninst - s->start;
	s->upper_inc = upper_inc;
}

void
tf_builder_free(TFloatBuilder *b)
{
	if (b->block)
		pfree(b->block);
	if (b->seqs)
		pfree(b->seqs);
	memset(b, 0, sizeof(*b));
}

static const char *CheckShape(const TFloatBuilder *b);

/* A rule's sentence naming the builder's type (constants, not formatted) */
#define NAMED(b, tfloat_text, tint_text) \
	((b)->basetype == TF_BASE_INT ? (tint_text) : (tfloat_text))

static const char *
CheckSeq(const TFloatBuilder *b, const TFloatSeqView *s)
{
	int end = s->start + s->count;

	if (s->count < 1)
		return "A sequence must have at least one instant.";
	for (int i = s->start + 1; i < end; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (b->times[i] <= b->times[i - 1])
			return NAMED(b, "The timestamps of a tfloat must increase.",
						 "The timestamps of a tint must increase.");
	}
	if (s->count == 1 && !(s->lower_inc && s->upper_inc))
		return "A continuous sequence of one instant must have inclusive bounds.";
	if (b->step && s->count > 1 && !s->upper_inc &&
		!tf_float_eq(b->values[end - 1], b->values[end - 2]))
		return "A step sequence with an exclusive upper bound must end with the value of its previous instant.";
	return NULL;
}

/*
 * tf_builder_set_base: make the builder build a value of the given base
 * type.  A tint has no linear interpolation: its continuous sequences are
 * step (callers that take an explicit interpolation refuse linear first).
 */
void
tf_builder_set_base(TFloatBuilder *b, uint8 basetype)
{
	b->basetype = basetype;
	if (basetype == TF_BASE_INT &&
		(b->subtype == TF_SEQUENCE || b->subtype == TF_SEQUENCESET))
		b->step = true;
}

/*
 * tf_builder_check: NULL if the collected instants make a valid value,
 * else a detail sentence saying which rule is broken.
 */
const char *
tf_builder_check(const TFloatBuilder *b)
{
	const char *err = CheckShape(b);

	return err ? err : tf_builder_check_values(b);
}

/* CheckShape: the rules on timestamps, sequences and bounds */
static const char *
CheckShape(const TFloatBuilder *b)
{
	/*
	 * Keep every difference of two timestamps of a value inside int64: the
	 * operations compute them freely.
	 */
	if (b->ninst > 1 &&
		(double) b->times[b->ninst - 1] - (double) b->times[0] >=
			(double) TF_MAX_SPAN)
		return NAMED(b,
					 "The instants of a tfloat must lie within 292,000 years of each other.",
					 "The instants of a tint must lie within 292,000 years of each other.");
	switch (b->subtype)
	{
		case TF_INSTANT:
			if (b->ninst != 1)
				return "An instant has exactly one value.";
			return NULL;
		case TF_DISCRETE:
			if (b->ninst < 1)
				return "A discrete sequence must have at least one instant.";
			for (int i = 1; i < b->ninst; i++)
			{
				TF_CHECK_INTERRUPTS(i);
				if (b->times[i] <= b->times[i - 1])
					return NAMED(b,
								 "The timestamps of a tfloat must increase.",
								 "The timestamps of a tint must increase.");
			}
			return NULL;
		case TF_SEQUENCE:
		case TF_SEQUENCESET:
			if (b->nseqs < 1)
				return "A sequence set must have at least one sequence.";
			if (b->subtype == TF_SEQUENCE && b->nseqs != 1)
				return "A continuous sequence is one sequence.";
			for (int i = 0; i < b->nseqs; i++)
			{
				const char *err = CheckSeq(b, &b->seqs[i]);

				TF_CHECK_INTERRUPTS(i);
				if (err)
					return err;
				if (i > 0)
				{
					const TFloatSeqView *p = &b->seqs[i - 1];
					const TFloatSeqView *s = &b->seqs[i];
					TimestampTz pt = b->times[p->start + p->count - 1];
					TimestampTz st = b->times[s->start];

					if (pt > st || (pt == st && p->upper_inc && s->lower_inc))
						return "The sequences of a set must not overlap in time.";
				}
			}
			if (b->seqs[b->nseqs - 1].start + b->seqs[b->nseqs - 1].count !=
				b->ninst)
				return "Every instant must belong to a sequence.";
			return NULL;
		default:
			return "Unknown tfloat subtype.";
	}
}

/*
 * Redundant: whether the kept instant (t2, v2), between the kept instant
 * (t1, v1) before it and the instant (t3, v3) after it, adds nothing to a
 * continuous sequence: with step interpolation when it repeats the value
 * before it, with linear interpolation when the three values are equal or
 * it lies within TF_EPSILON of the line through its neighbours
 * (MobilityDB's rule).
 */
static inline bool
Redundant(TimestampTz t1, double v1, TimestampTz t2, double v2, TimestampTz t3,
		  double v3, bool step)
{
	double ratio;

	if (step)
		return tf_float_eq(v1, v2);
	if (tf_float_eq(v1, v2) && tf_float_eq(v2, v3))
		return true;
	ratio = ((double) t2 - (double) t1) / ((double) t3 - (double) t1);
	return fabs(v2 - (v1 + (v3 - v1) * ratio)) <= TF_EPSILON;
}

/*
 * tf_normalize_append: the instants [0, kept) are a normalized run; append
 * the instants [kept, n) to it, dropping every middle instant that becomes
 * redundant, and return the new count.  Works in place (the run never
 * grows past the instant being read); the first and last instants always
 * stay.
 *
 * The run is a stack: each instant read is compared with the last two
 * kept, and the last kept one is popped while it is redundant between the
 * one before it and the new one.  So every middle instant of the result is
 * checked against its final neighbours, and the result is a fixpoint (a
 * second normalization, after a round trip through text or binary, changes
 * nothing), in time linear in n: each instant is pushed and popped at most
 * once.  MobilityDB's single pass compares each instant with the last kept
 * and the next one read and never looks back, so it can keep an instant
 * that only becomes redundant once its right neighbour is dropped; the two
 * agree whenever no such cascade happens, and there cqstream's value is
 * the one a second MobilityDB pass would give.
 *
 * Appending to a normalized run is what makes joining the sequences of a
 * set linear: a join appends the next sequence to the joined one instead
 * of normalizing the whole again.
 */
int
tf_normalize_append(TimestampTz *times, double *values, int kept, int n,
					bool step)
{
	for (int i = kept; i < n; i++)
	{
		TimestampTz t = times[i];
		double v = values[i];

		TF_CHECK_INTERRUPTS(i);
		while (kept >= 2 &&
			   Redundant(times[kept - 2], values[kept - 2], times[kept - 1],
						 values[kept - 1], t, v, step))
			kept--;
		times[kept] = t;
		values[kept] = v;
		kept++;
	}
	return kept;
}

/*
 * tf_normalize_instants: drop the middle instants that add nothing to a
 * continuous sequence (tf_normalize_append from an empty run).  Works in
 * place and returns the new count.
 */
int
tf_normalize_instants(TimestampTz *times, double *values, int n, bool step)
{
	return tf_normalize_append(times, values, 0, n, step);
}

/*
 * Normalize each sequence of a checked sequence or set builder in place,
 * compacting the arrays and joining the sequences that continue each
 * other; updates b->ninst and b->nseqs.
 */
static void
NormalizeSequences(TFloatBuilder *b)
{
	int out = 0;
	int outseq = 0;

	for (int i = 0; i < b->nseqs; i++)
	{
		TFloatSeqView s = b->seqs[i];
		int n;

		TF_CHECK_INTERRUPTS(i);
		memmove(b->times + out, b->times + s.start,
				s.count * sizeof(TimestampTz));
		memmove(b->values + out, b->values + s.start,
				s.count * sizeof(double));
		n = s.count;

		/* Join with the previous sequence when they continue each other */
		if (outseq > 0)
		{
			TFloatSeqView *p = &b->seqs[outseq - 1];
			int plast = p->start + p->count - 1;

			/*
			 * Two sequences continue each other when they meet at one
			 * timestamp with one bound inclusive and the same value
			 * there (the shared instant is kept once), or, for step
			 * interpolation, when the first is open at its end and the
			 * second starts there, whatever its value (the open end
			 * only repeats the previous value, so it is dropped).
			 */
			int drop = -1; /* instants dropped from p's end */

			if (b->times[plast] == b->times[out])
			{
				if (b->step && !p->upper_inc && s.lower_inc)
					drop = 1;
				else if (p->upper_inc != s.lower_inc &&
						 tf_float_eq(b->values[plast], b->values[out]))
					drop = 0;
			}
			if (drop >= 0)
			{
				int skip = 1 - drop; /* instants skipped from s */

				memmove(b->times + plast + 1 - drop, b->times + out + skip,
						(n - skip) * sizeof(TimestampTz));
				memmove(b->values + plast + 1 - drop, b->values + out + skip,
						(n - skip) * sizeof(double));
				/*
				 * p is normalized: append s's instants to it rather
				 * than normalize the joined sequence again, which
				 * made a set of N joining sequences quadratic
				 */
				n = tf_normalize_append(b->times + p->start,
										b->values + p->start, p->count - drop,
										p->count - drop + n - skip, b->step);
				p->count = n;
				p->upper_inc = s.upper_inc;
				out = p->start + n;
				continue;
			}
		}
		n = tf_normalize_instants(b->times + out, b->values + out, n, b->step);
		b->seqs[outseq].start = out;
		b->seqs[outseq].count = n;
		b->seqs[outseq].lower_inc = s.lower_inc;
		b->seqs[outseq].upper_inc = s.upper_inc;
		outseq++;
		out += n;
	}
	b->ninst = out;
	b->nseqs = outseq;
}

/*
 * tf_builder_finish: validate (the caller has usually called
 * tf_builder_check already to raise its own message; this raises a generic
 * one otherwise), normalize and serialize.  The builder's arrays are
 * consumed and freed.  The result is palloc'd in the current context.
 */
TFloat *
tf_builder_finish(TFloatBuilder *b)
{
	const char *err = tf_builder_check(b);
	TFloat *result;
	int nseqs = 1;
	int ninst;

	if (err)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s value", tf_base_name(b->basetype)),
				 errdetail("%s", err)));

	if (b->subtype == TF_SEQUENCE || b->subtype == TF_SEQUENCESET)
	{
		NormalizeSequences(b);
		nseqs = b->nseqs;
	}

	ninst = b->ninst;
	if (b->subtype == TF_SEQUENCESET)
	{
		result = palloc(tf_alloc_size(b->subtype, nseqs, ninst));
		memcpy(TF_TIMES_RAW(result, nseqs), b->times,
			   ninst * sizeof(TimestampTz));
		memcpy(TF_TIMES_RAW(result, nseqs) + ninst, b->values,
			   ninst * sizeof(double));
	}
	else
	{
		/* The block already has the final layout but for the gap */
		result = (TFloat *) b->block;
		memmove(b->times + ninst, b->values, ninst * sizeof(double));
		b->block = NULL;
	}
	memset(result, 0, TF_HEADER_SIZE);
	SET_VARSIZE(result, tf_alloc_size(b->subtype, nseqs, ninst));
	result->subtype = b->subtype;
	result->basetype = b->basetype;
	result->ninst = ninst;
	result->nseqs = nseqs;
	if (b->step)
		result->flags |= TF_STEP;
	if (b->subtype == TF_SEQUENCE)
	{
		if (b->seqs[0].lower_inc)
			result->flags |= TF_LOWER_INC;
		if (b->seqs[0].upper_inc)
			result->flags |= TF_UPPER_INC;
	}
	else if (b->subtype == TF_SEQUENCESET)
	{
		TFloatSeqEntry *e = TF_SEQS(result);

		for (int i = 0; i < nseqs; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			e[i].end = b->seqs[i].start + b->seqs[i].count;
			e[i].flags = (b->seqs[i].lower_inc ? TF_LOWER_INC : 0) |
				(b->seqs[i].upper_inc ? TF_UPPER_INC : 0);
			memset(e[i].spare, 0, sizeof(e[i].spare));
		}
	}
	else
		result->flags |= TF_LOWER_INC | TF_UPPER_INC;
	tf_builder_free(b);
	return result;
}

TFloat *
tf_make_instant(TimestampTz t, double v)
{
	TFloatBuilder b;

	tf_builder_init(&b, TF_INSTANT, false, 1);
	tf_builder_add(&b, t, v);
	return tf_builder_finish(&b);
}

TFloat *
tf_make_seq(const TimestampTz *times, const double *values, int n,
			bool lower_inc, bool upper_inc, bool step)
{
	TFloatBuilder b;

	tf_builder_init(&b, TF_SEQUENCE, step, n);
	tf_builder_begin_seq(&b, lower_inc);
	for (int i = 0; i < n; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		tf_builder_add(&b, times[i], values[i]);
	}
	tf_builder_end_seq(&b, upper_inc);
	return tf_builder_finish(&b);
}
