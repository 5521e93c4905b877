/*-------------------------------------------------------------------------
 *
 * tfloat_constructors.c
 *	  SQL constructors of tfloat values: tfloat(value, time),
 *	  tfloatSeq(tfloat[], ...) and tfloatSeqSet(tfloat[]).
 *
 * Design notes
 *
 * The constructors only unpack their arguments into a TFloatBuilder; the
 * builder validates (increasing timestamps, bounds of a one-instant
 * sequence, the end value of a step sequence with an exclusive upper bound,
 * sequences of a set not overlapping) and normalizes.  We call
 * tf_builder_check() first so that a broken rule is reported with this
 * module's message and the builder's sentence as the detail.
 *
 * Array arguments are checked before any element is read: a NULL element
 * is 22004 (null_value_not_allowed), an empty or multi-dimensional array
 * and an element of the wrong subtype 22023.
 *
 * tfloatSeq with interpolation 'discrete' makes a discrete sequence.  A
 * discrete sequence has no bounds, so lower_inc and upper_inc must be left
 * true there: MobilityDB silently keeps exclusive bounds it never prints,
 * cqstream refuses them rather than ignore an explicit argument.
 *
 * The same functions make tint values (tintSeq, tintSeqSet): the base type
 * is the elements' (all elements of an array have the array's type).  A
 * tint has no linear interpolation, as in MobilityDB: tintSeq's default is
 * step and 'linear' is refused.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "tfloat/tfloat.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(cq_tfloat_make);
PG_FUNCTION_INFO_V1(cq_tfloatseq);
PG_FUNCTION_INFO_V1(cq_tfloatseqset);
PG_FUNCTION_INFO_V1(cq_tint_make);

/*
 * UnpackTFloatArray: the elements of a one-dimensional tfloat[] as
 * detoasted values.  Errors on an empty or multi-dimensional array and on
 * NULL elements; fname names the calling function in the messages.
 */
static TFloat **
UnpackTFloatArray(ArrayType *arr, const char *fname, int *count)
{
	int16 typlen;
	bool typbyval;
	char typalign;
	Datum *elems;
	bool *nulls;
	int n;
	TFloat **result;

	if (ARR_NDIM(arr) > 1)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s expects a one-dimensional array", fname)));
	if (ARR_NDIM(arr) == 0 ||
		ArrayGetNItems(ARR_NDIM(arr), ARR_DIMS(arr)) == 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s expects a non-empty array", fname)));

	get_typlenbyvalalign(ARR_ELEMTYPE(arr), &typlen, &typbyval, &typalign);
	deconstruct_array(arr, ARR_ELEMTYPE(arr), typlen, typbyval, typalign,
					  &elems, &nulls, &n);
	result = palloc(mul_size(n, sizeof(TFloat *)));
	for (int i = 0; i < n; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (nulls[i])
			ereport(ERROR,
					(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
					 errmsg("%s does not accept NULL elements", fname),
					 errdetail("Element %d of the array is NULL.", i + 1)));
		result[i] = DatumGetTFloatP(elems[i]);
	}
	pfree(elems);
	pfree(nulls);
	*count = n;
	return result;
}

/*
 * FuncName: the SQL name of the constructor called, "tfloatSeq" or
 * "tintSeq" (suffix "Seq" or "SeqSet"), from the array's element type: the
 * messages about the array are raised before any element is read.
 */
static const char *
FuncName(ArrayType *arr, const char *suffix)
{
	char *typname = format_type_be(ARR_ELEMTYPE(arr));
	char *dot = strrchr(typname, '.');

	return psprintf("%s%s", dot ? dot + 1 : typname, suffix);
}

/*
 * FinishOrError: validate the builder with the caller's message, then
 * serialize.
 */
static TFloat *
FinishOrError(TFloatBuilder *b, const char *what)
{
	const char *err = tf_builder_check(b);

	if (err)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid %s", what), errdetail("%s", err)));
	return tf_builder_finish(b);
}

static const char *
SubtypeName(const TFloat *t)
{
	switch (t->subtype)
	{
		case TF_INSTANT:
			return "an instant";
		case TF_DISCRETE:
			return "a discrete sequence";
		case TF_SEQUENCE:
			return "a continuous sequence";
		default:
			return "a sequence set";
	}
}

/*
 * tfloat(float8, timestamptz) RETURNS tfloat: an instant.  Infinite
 * timestamps are refused by the builder.
 */
Datum
cq_tfloat_make(PG_FUNCTION_ARGS)
{
	double v = PG_GETARG_FLOAT8(0);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(1);

	PG_RETURN_TFLOAT_P(tf_make_instant(t, v));
}

/* tint(int4, timestamptz) RETURNS tint: an instant */
Datum
cq_tint_make(PG_FUNCTION_ARGS)
{
	int32 v = PG_GETARG_INT32(0);
	TimestampTz t = PG_GETARG_TIMESTAMPTZ(1);

	PG_RETURN_TFLOAT_P(tf_as_base(tf_make_instant(t, v), TF_BASE_INT));
}

/*
 * tfloatSeq(tfloat[], interp text, lower_inc bool, upper_inc bool): a
 * discrete or continuous sequence from instants in time order.
 */
Datum
cq_tfloatseq(PG_FUNCTION_ARGS)
{
	ArrayType *arr = PG_GETARG_ARRAYTYPE_P(0);
	char *interp = text_to_cstring(PG_GETARG_TEXT_PP(1));
	bool lower_inc = PG_GETARG_BOOL(2);
	bool upper_inc = PG_GETARG_BOOL(3);
	uint8 subtype;
	bool step = false;
	TFloat **elems;
	int n;
	uint8 basetype;
	const char *fname;
	TFloatBuilder b;

	if (pg_strcasecmp(interp, "linear") == 0)
		subtype = TF_SEQUENCE;
	else if (pg_strcasecmp(interp, "step") == 0)
	{
		subtype = TF_SEQUENCE;
		step = true;
	}
	else if (pg_strcasecmp(interp, "discrete") == 0)
		subtype = TF_DISCRETE;
	else
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid interpolation \"%s\"", interp),
				 errhint(
					 "Valid interpolations are \"discrete\", \"step\" and \"linear\".")));

	if (subtype == TF_DISCRETE && !(lower_inc && upper_inc))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a discrete sequence has no exclusive bounds"),
				 errhint(
					 "Leave lower_inc and upper_inc true with interpolation \"discrete\".")));

	fname = FuncName(arr, "Seq");
	elems = UnpackTFloatArray(arr, fname, &n);
	basetype = elems[0]->basetype;
	if (basetype == TF_BASE_INT && subtype == TF_SEQUENCE && !step)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a tint cannot have linear interpolation"),
				 errhint(
					 "Valid interpolations of a tint are \"discrete\" and \"step\".")));
	tf_builder_init(&b, subtype, step, n);
	tf_builder_set_base(&b, basetype);
	if (subtype == TF_SEQUENCE)
		tf_builder_begin_seq(&b, lower_inc);
	for (int i = 0; i < n; i++)
	{
		const TFloat *e = elems[i];

		TF_CHECK_INTERRUPTS(i);
		if (e->subtype != TF_INSTANT)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s expects an array of instants", fname),
					 errdetail("Element %d of the array is %s.", i + 1,
							   SubtypeName(e))));
		tf_builder_add(&b, TF_TIMES(e)[0], TF_VALUES(e)[0]);
	}
	if (subtype == TF_SEQUENCE)
		tf_builder_end_seq(&b, upper_inc);
	PG_RETURN_TFLOAT_P(
		FinishOrError(&b, psprintf("%s sequence", tf_base_name(basetype))));
}

/*
 * tfloatSeqSet(tfloat[]): a sequence set from continuous sequences in time
 * order, all with the same interpolation.  The result is normalized, so
 * sequences that continue each other are joined.
 */
Datum
cq_tfloatseqset(PG_FUNCTION_ARGS)
{
	ArrayType *arr = PG_GETARG_ARRAYTYPE_P(0);
	TFloat **elems;
	int n;
	Size total = 0;
	uint8 basetype;
	const char *fname;
	TFloatBuilder b;

	fname = FuncName(arr, "SeqSet");
	elems = UnpackTFloatArray(arr, fname, &n);
	basetype = elems[0]->basetype;
	for (int i = 0; i < n; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (elems[i]->subtype != TF_SEQUENCE)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s expects an array of continuous sequences",
							fname),
					 errdetail("Element %d of the array is %s.", i + 1,
							   SubtypeName(elems[i]))));
		if (TF_IS_STEP(elems[i]) != TF_IS_STEP(elems[0]))
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("the sequences of a %s sequence set must have the same interpolation",
							tf_base_name(basetype)),
					 errdetail("Element 1 is %s and element %d is %s.",
							   TF_IS_STEP(elems[0]) ? "step" : "linear", i + 1,
							   TF_IS_STEP(elems[i]) ? "step" : "linear")));
		total = add_size(total, (Size) elems[i]->ninst);
	}
	if (total > (Size) PG_INT32_MAX)
		ereport(ERROR,
				(errcode(ERRCODE_PROGRAM_LIMIT_EXCEEDED),
				 errmsg("%s value too large", tf_base_name(basetype))));

	tf_builder_init(&b, TF_SEQUENCESET, TF_IS_STEP(elems[0]), (int) total);
	tf_builder_set_base(&b, basetype);
	for (int i = 0; i < n; i++)
	{
		const TFloat *e = elems[i];
		const TimestampTz *times = TF_TIMES(e);
		const double *values = TF_VALUES(e);

		TF_CHECK_INTERRUPTS(i);
		tf_builder_begin_seq(&b, (e->flags & TF_LOWER_INC) != 0);
		for (int j = 0; j < e->ninst; j++)
		{
			TF_CHECK_INTERRUPTS(j);
			tf_builder_add(&b, times[j], values[j]);
		}
		tf_builder_end_seq(&b, (e->flags & TF_UPPER_INC) != 0);
	}
	PG_RETURN_TFLOAT_P(
		FinishOrError(&b,
					  psprintf("%s sequence set", tf_base_name(basetype))));
}
