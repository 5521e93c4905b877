/*-------------------------------------------------------------------------
 *
 * tbase.c
 *	  The base types of temporal values: what differs between tfloat and
 *	  tint.
 *
 * Design notes
 *
 * tfloat and tint are one implementation (tfloat.h): the same layout, the
 * same builder, the same I/O, comparison, accessors and aggregates.  A
 * value's header says its base type, and only the few things that depend
 * on it are asked here:
 *
 *	- the name used in messages ("tfloat", "tint");
 *	- which values are allowed: a tint holds int4 values, stored as doubles
 *	  (every int4 is an exact double, so sums, minima and comparisons made
 *	  on the doubles are those of the integers);
 *	- how a value prints: a tint as an integer, a tfloat by MobilityDB's
 *	  float rules (tfloat_print.c);
 *	- how a value goes back to SQL: int4 or float8;
 *	- interpolation: a tint has none that is linear (MobilityDB), so its
 *	  continuous sequences are step, and step is its default, printed
 *	  without the "Interp=Step;" prefix (tfloat_io.c).
 *
 * tf_as_base turns a freshly built value of one base type into the other,
 * which is how the aggregates over tfloat code return tint results
 * (tcount, tmin of tint, ...) and how the casts work.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "tfloat/tfloat.h"

const char *
tf_base_name(uint8 basetype)
{
	return basetype == TF_BASE_INT ? "tint" : "tfloat";
}

/* Whether v is a value of the base type: for tint an int4 */
bool
tf_base_value_ok(uint8 basetype, double v)
{
	if (basetype != TF_BASE_INT)
		return true;
	return v >= (double) PG_INT32_MIN && v <= (double) PG_INT32_MAX &&
		v == rint(v);
}

/*
 * tf_builder_check_values: NULL if every collected value and the
 * interpolation suit the builder's base type, else a detail sentence.
 * Called by tf_builder_check after the rules on time.
 */
const char *
tf_builder_check_values(const TFloatBuilder *b)
{
	if (b->basetype != TF_BASE_INT)
		return NULL;
	if ((b->subtype == TF_SEQUENCE || b->subtype == TF_SEQUENCESET) &&
		!b->step)
		return "A tint cannot have linear interpolation.";
	for (int i = 0; i < b->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (!tf_base_value_ok(TF_BASE_INT, b->values[i]))
			return "The values of a tint must be integers within the range of integer.";
	}
	return NULL;
}

/*
 * tf_format_value: print v as the base type prints it into buf
 * (TF_DOUBLE_BUFLEN bytes); maxdd is the most decimals of a float.
 * Returns the length.
 */
int
tf_format_value(uint8 basetype, double v, int maxdd, char *buf)
{
	if (basetype == TF_BASE_INT)
		return snprintf(buf, TF_DOUBLE_BUFLEN, "%d", (int32) v);
	return tf_format_double(v, maxdd, buf);
}

/* tf_value_datum: v as the SQL base type's Datum (int4 or float8) */
Datum
tf_value_datum(uint8 basetype, double v)
{
	if (basetype == TF_BASE_INT)
		return Int32GetDatum((int32) v);
	return Float8GetDatum(v);
}

/*
 * tf_as_base: t, a value the caller owns (freshly built), relabelled as
 * the base type, in place.  To tint it must be discrete or step and its
 * values int4: a value outside int4 raises 22003 as int4 arithmetic does.
 * To tfloat it keeps its step interpolation, as MobilityDB's cast does.
 */
TFloat *
tf_as_base(TFloat *t, uint8 basetype)
{
	if (basetype == TF_BASE_INT)
	{
		const double *values = TF_VALUES(t);

		if ((t->subtype == TF_SEQUENCE || t->subtype == TF_SEQUENCESET) &&
			!TF_IS_STEP(t))
			elog(ERROR, "linear tfloat relabelled as tint");
		for (int i = 0; i < t->ninst; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			if (!tf_base_value_ok(TF_BASE_INT, values[i]))
				ereport(ERROR,
						(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
						 errmsg("integer out of range"),
						 errdetail("The tint result would hold %.0f.",
								   values[i])));
		}
	}
	t->basetype = basetype;
	return t;
}
