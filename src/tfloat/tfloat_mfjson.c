/*-------------------------------------------------------------------------
 *
 * tfloat_mfjson.c
 *	  MF-JSON (OGC Moving Features JSON) output and input of tfloat:
 *	  asMFJSON() and tfloatFromMFJSON(), MobilityDB-compatible.
 *
 * Design notes
 *
 * Output is written straight into one StringInfo (which also holds the
 * varlena header of the result, so the text is never copied), with a tiny
 * writer that reproduces the three layouts of json-c, whose
 * JSON_C_TO_STRING_* values MobilityDB takes as flags:
 *
 *	flags = 0  compact:  {"type":"MovingFloat","values":[1,2],...}
 *	flags = 1  spaced:   { "type": "MovingFloat", "values": [ 1, 2 ], ... }
 *	flags = 2  pretty:   one member or element per line, indented by two
 *			   spaces per level, "key":value without a space (json-c's
 *			   JSON_C_TO_STRING_PRETTY without _SPACED)
 *
 * Numbers use tf_format_double(), the same rules as text output.  JSON has
 * no NaN or infinities, so those values are written as the JSON strings
 * "NaN", "Infinity" and "-Infinity" and read back from them.  MobilityDB
 * writes them bare, producing invalid JSON; this is a deliberate
 * difference.  The bounding box orders values as float8 does (NaN above
 * every number).
 *
 * Datetimes are always ISO 8601-like, whatever the session DateStyle:
 * PostgreSQL's ISO output in the session time zone with "T" in place of the
 * space between date and time ("2000-01-01T00:00:00+00", fractions only
 * when non-zero).  A BC date keeps PostgreSQL's " BC" suffix
 * ("0044-03-15T00:00:00+00 BC"), which timestamptz input reads back.
 *
 * Input is parsed by PostgreSQL's jsonb, so JSON syntax errors are
 * PostgreSQL's own (22P02).  Numbers go through float8 input (out of range
 * is 22003), datetimes through timestamptz input in the session time zone.
 * Members bbox, period, crs, trs and unknown ones are ignored, as
 * MobilityDB does.  Every structural problem raises 22P02 "invalid MF-JSON
 * for tfloat" with a detail naming the member; the rules of the value
 * itself come from tf_builder_check().
 *
 * A tint is "MovingInteger" with integer values and interpolation None,
 * Discrete or Step (MobilityDB's); its values must be integers in int4's
 * range (22003 otherwise) and "Linear" is refused.
 *
 * The options of asMFJSON may be any non-negative sum of bits; only 1
 * (bbox and period) means something for a tfloat, 2 and 4 ask for a
 * coordinate reference system and are ignored.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <math.h>

#include "datatype/timestamp.h"
#include "fmgr.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

PG_FUNCTION_INFO_V1(cq_asmfjson);
PG_FUNCTION_INFO_V1(cq_tfloatfrommfjson);
PG_FUNCTION_INFO_V1(cq_tintfrommfjson);

/* asMFJSON options and flags */
#define MFJ_OPT_BBOX	0x01 /* bbox and period; 0x02 and 0x04 (CRS) ignored */
#define MFJ_FLAG_SPACED 1
#define MFJ_FLAG_PRETTY 2

/* Deepest nesting written: object > sequences > sequence > values */
#define MFJ_MAX_DEPTH 8

/* Interpolation names, indexed by MfjInterp */
typedef enum MfjInterp
{
	MFJ_NONE,
	MFJ_DISCRETE,
	MFJ_LINEAR,
	MFJ_STEP
} MfjInterp;

static const char *const MfjInterpNames[] = {"None", "Discrete", "Linear",
											 "Step"};

/*
 * The JSON writer.  had[level] says whether the container open at that
 * level already has a member, so the next one needs a comma.
 */
typedef struct MfjWriter
{
	StringInfoData buf;
	bool spaced;
	bool pretty;
	int maxdd;
	uint8 basetype; /* how values print (tbase.c) */
	int level;
	bool had[MFJ_MAX_DEPTH];
} MfjWriter;

static void
Indent(MfjWriter *w, int level)
{
	if (w->pretty)
		appendStringInfoSpaces(&w->buf, 2 * level);
}

static void
BeginContainer(MfjWriter *w, char open)
{
	Assert(w->level + 1 < MFJ_MAX_DEPTH);
	appendStringInfoChar(&w->buf, open);
	w->level++;
	w->had[w->level] = false;
}

static void
EndContainer(MfjWriter *w, char close)
{
	if (w->pretty)
	{
		if (w->had[w->level])
			appendStringInfoChar(&w->buf, '\n');
		Indent(w, w->level - 1);
	}
	else if (w->spaced)
		appendStringInfoChar(&w->buf, ' ');
	appendStringInfoChar(&w->buf, close);
	w->level--;
}

/* Separator and indentation before an element of the open container */
static void
NextItem(MfjWriter *w)
{
	if (w->had[w->level])
		appendStringInfoChar(&w->buf, ',');
	w->had[w->level] = true;
	if (w->pretty)
	{
		appendStringInfoChar(&w->buf, '\n');
		Indent(w, w->level);
	}
	else if (w->spaced)
		appendStringInfoChar(&w->buf, ' ');
}

/* Key of the next member of the open object; names need no escaping */
static void
Key(MfjWriter *w, const char *name)
{
	NextItem(w);
	appendStringInfoChar(&w->buf, '"');
	appendStringInfoString(&w->buf, name);
	appendStringInfoString(&w->buf, w->spaced ? "\": " : "\":");
}

static void
AppendNumber(MfjWriter *w, double d)
{
	char tmp[TF_DOUBLE_BUFLEN];

	if (isnan(d))
		appendStringInfoString(&w->buf, "\"NaN\"");
	else if (isinf(d))
		appendStringInfoString(&w->buf,
							   d > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else
	{
		tf_format_value(w->basetype, d, w->maxdd, tmp);
		appendStringInfoString(&w->buf, tmp);
	}
}

/*
 * AppendDatetime: t as a JSON string, ISO style with 'T' between date and
 * time, in the session time zone.  The space is searched for rather than
 * assumed at position 10: years above 9999 print more digits.
 */
static void
AppendDatetime(MfjWriter *w, TimestampTz t)
{
	struct pg_tm tm;
	fsec_t fsec;
	int tz;
	const char *tzn;
	char tmp[MAXDATELEN + 1];
	char *space;

	if (timestamp2tm(t, &tz, &tm, &fsec, &tzn, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	EncodeDateTime(&tm, fsec, true, tz, tzn, USE_ISO_DATES, tmp);
	space = strchr(tmp, ' ');
	if (space)
		*space = 'T';
	appendStringInfoChar(&w->buf, '"');
	appendStringInfoString(&w->buf, tmp);
	appendStringInfoChar(&w->buf, '"');
}

static void
AppendBool(MfjWriter *w, const char *key, bool b)
{
	Key(w, key);
	appendStringInfoString(&w->buf, b ? "true" : "false");
}

/* values, datetimes and (for continuous sequences) bounds of one sequence */
static void
AppendSequence(MfjWriter *w, const TFloat *t, const TFloatSeqView *s,
			   bool bounds)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	int end = s->start + s->count;

	Key(w, "values");
	BeginContainer(w, '[');
	for (int i = s->start; i < end; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		NextItem(w);
		AppendNumber(w, values[i]);
	}
	EndContainer(w, ']');

	Key(w, "datetimes");
	BeginContainer(w, '[');
	for (int i = s->start; i < end; i++)
	{
		CHECK_FOR_INTERRUPTS();
		NextItem(w);
		AppendDatetime(w, times[i]);
	}
	EndContainer(w, ']');

	if (bounds)
	{
		AppendBool(w, "lower_inc", s->lower_inc);
		AppendBool(w, "upper_inc", s->upper_inc);
	}
}

/* The float8 order: NaN is above every number, as in PostgreSQL */
static inline bool
Float8Less(double a, double b)
{
	if (isnan(a))
		return false;
	return isnan(b) || a < b;
}

static void
AppendBboxPeriod(MfjWriter *w, const TFloat *t)
{
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	double minv = values[0];
	double maxv = values[0];
	TFloatSeqView first;
	TFloatSeqView last;

	for (int i = 1; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		if (Float8Less(values[i], minv))
			minv = values[i];
		if (Float8Less(maxv, values[i]))
			maxv = values[i];
	}
	Key(w, "bbox");
	BeginContainer(w, '[');
	NextItem(w);
	AppendNumber(w, minv);
	NextItem(w);
	AppendNumber(w, maxv);
	EndContainer(w, ']');

	tf_seq_view(t, 0, &first);
	tf_seq_view(t, tf_num_seqs(t) - 1, &last);
	Key(w, "period");
	BeginContainer(w, '{');
	Key(w, "begin");
	AppendDatetime(w, times[0]);
	Key(w, "end");
	AppendDatetime(w, times[t->ninst - 1]);
	AppendBool(w, "lower_inc", first.lower_inc);
	AppendBool(w, "upper_inc", last.upper_inc);
	EndContainer(w, '}');
}

/*
 * asmfjson(t tfloat, options int4, flags int4, maxdecimaldigits int4) text
 *
 * Stable: datetimes are printed in the session time zone.
 */
Datum
cq_asmfjson(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	int32 options = PG_GETARG_INT32(1);
	int32 flags = PG_GETARG_INT32(2);
	int32 maxdd = PG_GETARG_INT32(3);
	MfjWriter w;
	MfjInterp interp;
	text *result;

	if (options < 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MF-JSON options: %d", options),
				 errdetail(
					 "Options must not be negative: 1 adds the bounding box and period, 2 and 4 (coordinate reference system) are ignored for tfloat.")));
	if (flags < 0 || flags > MFJ_FLAG_PRETTY)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid MF-JSON flags: %d", flags),
				 errdetail(
					 "Flags must be 0 (compact), 1 (spaced) or 2 (pretty).")));
	if (maxdd < 0 || maxdd > TF_MAX_DECIMALS)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid maximum number of decimal digits: %d", maxdd),
				 errdetail("The maximum number of decimal digits must be between 0 and %d.",
						   TF_MAX_DECIMALS)));

	memset(&w, 0, sizeof(w));
	w.spaced = flags == MFJ_FLAG_SPACED;
	w.pretty = flags == MFJ_FLAG_PRETTY;
	w.maxdd = maxdd;
	w.basetype = t->basetype;
	initStringInfo(&w.buf);
	/* Room for the varlena header, so the buffer becomes the result */
	appendStringInfoSpaces(&w.buf, VARHDRSZ);

	switch (t->subtype)
	{
		case TF_INSTANT:
			interp = MFJ_NONE;
			break;
		case TF_DISCRETE:
			interp = MFJ_DISCRETE;
			break;
		case TF_SEQUENCE:
		case TF_SEQUENCESET:
			interp = TF_IS_STEP(t) ? MFJ_STEP : MFJ_LINEAR;
			break;
		default:
			elog(ERROR, "unknown tfloat subtype %d", t->subtype);
			interp = MFJ_NONE; /* keep the compiler quiet */
	}

	BeginContainer(&w, '{');
	Key(&w, "type");
	appendStringInfoString(&w.buf,
						   t->basetype == TF_BASE_INT ? "\"MovingInteger\""
													  : "\"MovingFloat\"");
	if (options & MFJ_OPT_BBOX)
		AppendBboxPeriod(&w, t);
	if (t->subtype == TF_SEQUENCESET)
	{
		int nseqs = tf_num_seqs(t);

		Key(&w, "sequences");
		BeginContainer(&w, '[');
		for (int i = 0; i < nseqs; i++)
		{
			TFloatSeqView s;

			TF_CHECK_INTERRUPTS(i);
			tf_seq_view(t, i, &s);
			NextItem(&w);
			BeginContainer(&w, '{');
			AppendSequence(&w, t, &s, true);
			EndContainer(&w, '}');
		}
		EndContainer(&w, ']');
	}
	else
	{
		TFloatSeqView s;

		tf_seq_view(t, 0, &s);
		AppendSequence(&w, t, &s, t->subtype == TF_SEQUENCE);
	}
	Key(&w, "interpolation");
	appendStringInfoChar(&w.buf, '"');
	appendStringInfoString(&w.buf, MfjInterpNames[interp]);
	appendStringInfoChar(&w.buf, '"');
	EndContainer(&w, '}');

	result = (text *) w.buf.data;
	SET_VARSIZE(result, w.buf.len);
	PG_RETURN_TEXT_P(result);
}

/* ---------------------------------------------------------------------
 * Input
 * ---------------------------------------------------------------------
 */

#define MFJ_ERROR(...)                                                 \
	ereport(ERROR,                                                     \
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),             \
			 errmsg("invalid MF-JSON for %s", tf_base_name(basetype)), \
			 errdetail(__VA_ARGS__)))

#define VALUES_DETAIL \
	"Member \"values\" must be an array of numbers or of the strings \"NaN\", \"Infinity\" and \"-Infinity\"."

static bool
JsonStringIs(const JsonbValue *v, const char *s)
{
	size_t len = strlen(s);

	return v->type == jbvString && (size_t) v->val.string.len == len &&
		memcmp(v->val.string.val, s, len) == 0;
}

/* The member key of object o in *v, or false when it is absent */
static bool
GetMember(JsonbContainer *o, const char *key, JsonbValue *v)
{
	return getKeyJsonValueFromContainer(o, key, strlen(key), v) != NULL;
}

/* The array in member key of object o (required); its size in *n */
static JsonbContainer *
GetArray(uint8 basetype, JsonbContainer *o, const char *key, int *n)
{
	JsonbValue v;

	if (!GetMember(o, key, &v))
		MFJ_ERROR("Member \"%s\" is required.", key);
	if (v.type != jbvBinary || !JsonContainerIsArray(v.val.binary.data))
		MFJ_ERROR("Member \"%s\" must be an array.", key);
	*n = JsonContainerSize(v.val.binary.data);
	return v.val.binary.data;
}

/* Optional boolean member (lower_inc, upper_inc), true when absent */
static bool
GetBound(uint8 basetype, JsonbContainer *o, const char *key)
{
	JsonbValue v;

	if (!GetMember(o, key, &v))
		return true;
	if (v.type != jbvBool)
		MFJ_ERROR("Member \"%s\" must be a boolean.", key);
	return v.val.boolean;
}

static double
ReadValue(uint8 basetype, const JsonbValue *v)
{
	if (v->type == jbvNumeric)
	{
		char *s = DatumGetCString(
			DirectFunctionCall1(numeric_out, NumericGetDatum(v->val.numeric)));
		bool have_error = false;
		double d;

		d = float8in_internal_opt_error(s, NULL, "double precision", s,
										&have_error);
		if (have_error)
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range for tfloat"),
					 errdetail(
						 "Member \"values\" holds a number outside the range of double precision.")));
		pfree(s);
		if (!tf_base_value_ok(basetype, d))
			ereport(ERROR,
					(errcode(ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE),
					 errmsg("value out of range for tint"),
					 errdetail("Member \"values\" holds %g, which is not an integer within the range of integer.",
							   d)));
		return d;
	}
	if (basetype == TF_BASE_INT)
		MFJ_ERROR("Member \"values\" must be an array of integers.");
	if (JsonStringIs(v, "NaN"))
		return get_float8_nan();
	if (JsonStringIs(v, "Infinity"))
		return get_float8_infinity();
	if (JsonStringIs(v, "-Infinity"))
		return -get_float8_infinity();
	MFJ_ERROR(VALUES_DETAIL);
	return 0; /* keep the compiler quiet */
}

/*
 * ReadInstants: add to b the instants of the values and datetimes members
 * of object o.  tsbuf is a scratch buffer for the datetime strings.
 */
static void
ReadInstants(TFloatBuilder *b, JsonbContainer *o, MfjInterp interp,
			 StringInfo tsbuf)
{
	uint8 basetype = b->basetype;
	int nvalues;
	int ntimes;
	JsonbContainer *va = GetArray(basetype, o, "values", &nvalues);
	JsonbContainer *ta = GetArray(basetype, o, "datetimes", &ntimes);
	JsonbIterator *vit;
	JsonbIterator *tit;
	JsonbValue v;
	JsonbValue tv;
	JsonbIteratorToken vtok;
	JsonbIteratorToken ttok;

	if (nvalues != ntimes)
		MFJ_ERROR("Members \"values\" and \"datetimes\" must have the same length, not %d and %d.",
				  nvalues, ntimes);
	if (nvalues < 1)
		MFJ_ERROR("Members \"values\" and \"datetimes\" must not be empty.");
	if (interp == MFJ_NONE && nvalues != 1)
		MFJ_ERROR("Interpolation \"None\" is an instant: members \"values\" and \"datetimes\" must have one element, not %d.",
				  nvalues);

	vit = JsonbIteratorInit(va);
	tit = JsonbIteratorInit(ta);
	vtok = JsonbIteratorNext(&vit, &v, true);
	ttok = JsonbIteratorNext(&tit, &tv, true);
	Assert(vtok == WJB_BEGIN_ARRAY && ttok == WJB_BEGIN_ARRAY);
	for (;;)
	{
		double d;
		TimestampTz t;

		vtok = JsonbIteratorNext(&vit, &v, true);
		ttok = JsonbIteratorNext(&tit, &tv, true);
		if (vtok != WJB_ELEM || ttok != WJB_ELEM)
			break;
		CHECK_FOR_INTERRUPTS();
		d = ReadValue(basetype, &v);
		if (tv.type != jbvString)
			MFJ_ERROR("Member \"datetimes\" must be an array of strings.");
		resetStringInfo(tsbuf);
		appendBinaryStringInfo(tsbuf, tv.val.string.val, tv.val.string.len);
		t = DatumGetTimestampTz(
			DirectFunctionCall3(timestamptz_in, CStringGetDatum(tsbuf->data),
								ObjectIdGetDatum(InvalidOid),
								Int32GetDatum(-1)));
		tf_builder_add(b, t, d);
	}
}

/*
 * tfloatfrommfjson(text) tfloat
 *
 * Stable: datetimes without an offset are read in the session time zone.
 */
static TFloat *
FromMFJSON(text *txt, uint8 basetype)
{
	char *str = text_to_cstring(txt);
	const char *typname = basetype == TF_BASE_INT ? "MovingInteger"
												  : "MovingFloat";
	Jsonb *jb;
	JsonbContainer *root;
	JsonbValue v;
	JsonbValue seqs;
	bool has_seqs;
	MfjInterp interp = MFJ_NONE;
	bool found = false;
	TFloatBuilder b;
	StringInfoData tsbuf;
	const char *err;

	jb = DatumGetJsonbP(DirectFunctionCall1(jsonb_in, CStringGetDatum(str)));
	if (!JB_ROOT_IS_OBJECT(jb))
		MFJ_ERROR("The document must be a JSON object.");
	root = &jb->root;

	if (!GetMember(root, "type", &v))
		MFJ_ERROR("Member \"type\" is required.");
	if (!JsonStringIs(&v, typname))
		MFJ_ERROR("Member \"type\" must be \"%s\".", typname);
	if (basetype == TF_BASE_INT && GetMember(root, "interpolation", &v) &&
		JsonStringIs(&v, "Linear"))
		MFJ_ERROR("A tint cannot have linear interpolation.");

	if (!GetMember(root, "interpolation", &v))
		MFJ_ERROR("Member \"interpolation\" is required.");
	for (int i = 0; i < lengthof(MfjInterpNames); i++)
	{
		if (JsonStringIs(&v, MfjInterpNames[i]))
		{
			interp = (MfjInterp) i;
			found = true;
			break;
		}
	}
	if (!found)
		MFJ_ERROR(
			"Member \"interpolation\" must be \"None\", \"Discrete\", \"Linear\" or \"Step\".");

	initStringInfo(&tsbuf);
	has_seqs = GetMember(root, "sequences", &seqs);
	if (has_seqs)
	{
		JsonbIterator *it;
		JsonbIteratorToken tok;
		int nseqs;

		if (interp != MFJ_LINEAR && interp != MFJ_STEP)
			MFJ_ERROR(
				"Member \"sequences\" requires interpolation \"Linear\" or \"Step\".");
		if (GetMember(root, "values", &v) || GetMember(root, "datetimes", &v))
			MFJ_ERROR(
				"Member \"sequences\" excludes members \"values\" and \"datetimes\".");
		if (seqs.type != jbvBinary ||
			!JsonContainerIsArray(seqs.val.binary.data))
			MFJ_ERROR("Member \"sequences\" must be an array of objects.");
		nseqs = JsonContainerSize(seqs.val.binary.data);
		if (nseqs < 1)
			MFJ_ERROR("Member \"sequences\" must not be empty.");

		tf_builder_init(&b, TF_SEQUENCESET, interp == MFJ_STEP,
						Min(nseqs, 1024) * 2);
		tf_builder_set_base(&b, basetype);
		it = JsonbIteratorInit(seqs.val.binary.data);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_BEGIN_ARRAY);
		while ((tok = JsonbIteratorNext(&it, &v, true)) == WJB_ELEM)
		{
			JsonbContainer *o;

			if (v.type != jbvBinary ||
				!JsonContainerIsObject(v.val.binary.data))
				MFJ_ERROR("Member \"sequences\" must be an array of objects.");
			o = v.val.binary.data;
			tf_builder_begin_seq(&b, GetBound(basetype, o, "lower_inc"));
			ReadInstants(&b, o, interp, &tsbuf);
			tf_builder_end_seq(&b, GetBound(basetype, o, "upper_inc"));
		}
	}
	else
	{
		uint8 subtype;

		/* Bounds are checked always but mean something only for sequences */
		bool lower_inc = GetBound(basetype, root, "lower_inc");
		bool upper_inc = GetBound(basetype, root, "upper_inc");

		subtype = interp == MFJ_NONE ? TF_INSTANT
			: interp == MFJ_DISCRETE ? TF_DISCRETE
									 : TF_SEQUENCE;
		if (subtype == TF_SEQUENCE)
		{
			tf_builder_init(&b, subtype, interp == MFJ_STEP, 4);
			tf_builder_set_base(&b, basetype);
			tf_builder_begin_seq(&b, lower_inc);
			ReadInstants(&b, root, interp, &tsbuf);
			tf_builder_end_seq(&b, upper_inc);
		}
		else
		{
			tf_builder_init(&b, subtype, false, 4);
			tf_builder_set_base(&b, basetype);
			ReadInstants(&b, root, interp, &tsbuf);
		}
	}

	err = tf_builder_check(&b);
	if (err)
		MFJ_ERROR("%s", err);
	return tf_builder_finish(&b);
}

Datum
cq_tfloatfrommfjson(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(FromMFJSON(PG_GETARG_TEXT_PP(0), TF_BASE_FLOAT));
}

Datum
cq_tintfrommfjson(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(FromMFJSON(PG_GETARG_TEXT_PP(0), TF_BASE_INT));
}
