/*-------------------------------------------------------------------------
 *
 * tfloat_io.c
 *	  Text and binary input/output of tfloat.
 *
 * Design notes
 *
 * Text follows MobilityDB's grammar:
 *
 *	  tfloat   := [ "Interp=Step;" ] ( instant | "{" instants "}"
 *				  | sequence | "{" sequence { "," sequence } "}" )
 *	  sequence := ( "[" | "(" ) instants ( "]" | ")" )
 *	  instants := instant { "," instant }
 *	  instant  := float8 "@" timestamptz
 *
 * with blanks allowed between tokens.  Numbers go through PostgreSQL's
 * float8 input and must be complete (MobilityDB reads "1,5@t" as 1; we
 * refuse it); a plain decimal whose digits form an integer below 2^53
 * and whose decimal exponent is within +-22 is converted here by one
 * multiplication or division by an exact power of ten (Clinger's fast
 * path), which rounds exactly as strtod does: strtod was a tenth of a
 * large value's input.  Timestamps are decoded with ParseDateTime/DecodeDateTime, as
 * timestamptz_in does, so every DateStyle and TimeZone works, but errors
 * are reported against the whole literal with SQLSTATE 22P02 rather than
 * timestamptz's 22007.
 *
 * A tint reads and prints its values as integers and its continuous
 * sequences without the "Interp=Step;" prefix (step is its only
 * continuous interpolation; the prefix is accepted on input).
 *
 * Binary format (network byte order):
 *	  uint8 subtype, uint8 flags (TF_STEP, and the bounds of a sequence),
 *	  int32 ninst, [sequence set: int32 nseqs, then per sequence int32 count
 *	  and uint8 flags], then ninst times (int64 timestamptz, float8 value;
 *	  int32 value for a tint).
 * Floats are sent bit for bit, so send/recv is exact, unlike text which
 * keeps 15 decimals.  recv trusts nothing: counts are checked against the
 * message length before anything is allocated, and the value goes through
 * the builder's validation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>
#include <float.h>

#include "libpq/pqformat.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/timestamp_fast.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/float.h"
#include "utils/memutils.h"

PG_FUNCTION_INFO_V1(cq_tfloat_in);
PG_FUNCTION_INFO_V1(cq_tfloat_out);
PG_FUNCTION_INFO_V1(cq_tfloat_recv);
PG_FUNCTION_INFO_V1(cq_tfloat_send);
PG_FUNCTION_INFO_V1(cq_tint_in);
PG_FUNCTION_INFO_V1(cq_tint_recv);

#define STEP_PREFIX "Interp=Step;"

typedef struct TextParser
{
	const char *lit; /* the whole literal, for messages */
	uint8 basetype;	 /* TF_BASE_FLOAT or TF_BASE_INT */
	const char *p;	 /* current position */
	char *tok;		 /* reusable token buffer */
	Size toklen;
} TextParser;

static void
pg_attribute_noreturn() SyntaxError(TextParser *ps, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_TEXT_REPRESENTATION),
			 errmsg("invalid input syntax for type %s: \"%s\"",
					tf_base_name(ps->basetype), ps->lit),
			 errdetail("%s", detail)));
}

static void
SkipSpaces(TextParser *ps)
{
	/* A run of blanks may be as long as the input: stay cancellable */
	for (Size n = 0; isspace((unsigned char) *ps->p); n++)
	{
		TF_CHECK_INTERRUPTS(n);
		ps->p++;
	}
}

/* Copy [start, end) into the token buffer, trimmed of blanks */
static char *
CopyToken(TextParser *ps, const char *start, const char *end)
{
	Size len;

	while (start < end && isspace((unsigned char) *start))
		start++;
	while (end > start && isspace((unsigned char) end[-1]))
		end--;
	len = end - start;
	if (len + 1 > ps->toklen)
	{
		ps->toklen = Max(len + 1, ps->toklen * 2);
		ps->tok = repalloc(ps->tok, ps->toklen);
	}
	memcpy(ps->tok, start, len);
	ps->tok[len] = '\0';
	return ps->tok;
}

static TimestampTz
ParseTimestamp(TextParser *ps, char *str)
{
	char workbuf[MAXDATELEN + MAXDATEFIELDS];
	char *field[MAXDATEFIELDS];
	int ftype[MAXDATEFIELDS];
	int nf;
	int dtype;
	int tz;
	int dterr;
	struct pg_tm tm;
	fsec_t fsec;
	TimestampTz result;

	if (*str == '\0')
		SyntaxError(ps, "Expected a timestamp after \"@\".");
	if (tf_fast_timestamp_in(str, &result))
		return result;
	dterr = ParseDateTime(str, workbuf, sizeof(workbuf), field, ftype,
						  MAXDATEFIELDS, &nf);
	if (dterr == 0)
		dterr = DecodeDateTime(field, ftype, nf, &dtype, &tm, &fsec, &tz);
	if (dterr == DTERR_BAD_FORMAT)
		SyntaxError(ps, psprintf("\"%s\" is not a timestamp.", str));
	if (dterr != 0)
		DateTimeParseError(dterr, str, "tfloat");

	switch (dtype)
	{
		case DTK_DATE:
			if (tm2timestamp(&tm, fsec, &tz, &result) != 0)
				ereport(ERROR,
						(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
						 errmsg("timestamp out of range: \"%s\"", str)));
			break;
		case DTK_EPOCH:
			result = SetEpochTimestamp();
			break;
		case DTK_LATE:
		case DTK_EARLY:
			ereport(ERROR,
					(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
					 errmsg("timestamp out of range for tfloat: \"%s\"", str),
					 errdetail("The timestamps of a tfloat must be finite.")));
			break;
		default:
			SyntaxError(ps, psprintf("\"%s\" is not a timestamp.", str));
	}
	return result;
}

/* The characters that end a number or a timestamp (and NUL) */
static inline bool
IsDelimiter(char c)
{
	switch (c)
	{
		case '\0':
		case ',':
		case '[':
		case ']':
		case '(':
		case ')':
		case '{':
		case '}':
			return true;
		default:
			return false;
	}
}

/*
 * FastDecimal: [-]digits[.digits][e[+-]digits] in [p, end), blanks
 * already trimmed, when it converts exactly with one IEEE operation:
 * mantissa below 2^53, decimal exponent within +-22 (both factors are
 * then exact doubles, and the one rounding is strtod's).  False for
 * anything else, which float8 input then reads.
 */
static bool
FastDecimal(const char *p, const char *end, double *result)
{
	static const double pow10[] = {1e0,	 1e1,  1e2,	 1e3,  1e4,	 1e5,
								   1e6,	 1e7,  1e8,	 1e9,  1e10, 1e11,
								   1e12, 1e13, 1e14, 1e15, 1e16, 1e17,
								   1e18, 1e19, 1e20, 1e21, 1e22};
	bool neg = false;
	uint64 m = 0;
	int digits = 0;
	int exp10 = 0;
	double v;

#if !defined(FLT_EVAL_METHOD) || FLT_EVAL_METHOD != 0
	/* x87 arithmetic would round twice: strtod only */
	return false;
#endif
	if (p < end && *p == '-')
	{
		neg = true;
		p++;
	}
	/* The digits, with at most one point among them */
	for (bool point = false; p < end; p++)
	{
		if (*p == '.' && !point)
		{
			point = true;
			continue;
		}
		if (*p < '0' || *p > '9')
			break;
		m = m * 10 + (*p - '0');
		if (m >= UINT64CONST(1) << 53)
			return false;
		digits++;
		if (point)
			exp10--;
	}
	if (digits == 0)
		return false;
	if (p < end && (*p == 'e' || *p == 'E'))
	{
		bool eneg = false;
		int e = 0;
		int edigits = 0;

		p++;
		if (p < end && (*p == '+' || *p == '-'))
			eneg = *p++ == '-';
		for (; p < end && *p >= '0' && *p <= '9' && edigits < 4;
			 p++, edigits++)
			e = e * 10 + (*p - '0');
		if (edigits == 0)
			return false;
		exp10 += eneg ? -e : e;
	}
	if (p != end || exp10 < -22 || exp10 > 22)
		return false;
	v = (double) m;
	v = exp10 < 0 ? v / pow10[-exp10] : v * pow10[exp10];
	*result = neg ? -v : v;
	return true;
}

/* instant := float8 "@" timestamptz; appends it to the builder */
static void
ParseInstant(TextParser *ps, TFloatBuilder *b)
{
	const char *start = ps->p;
	const char *q = start;
	const char *vs;
	const char *ve;
	double v;

	TF_CHECK_INTERRUPTS(b->ninst);
	while (!IsDelimiter(*q) && *q != '@')
	{
		TF_CHECK_INTERRUPTS(q - start);
		q++;
	}
	if (*q != '@')
		SyntaxError(ps, "Expected \"value@timestamp\".");
	for (vs = start; vs < q && isspace((unsigned char) *vs); vs++)
		;
	for (ve = q; ve > vs && isspace((unsigned char) ve[-1]); ve--)
		;
	if (ps->basetype == TF_BASE_INT)
		v = pg_strtoint32(CopyToken(ps, start, q));
	else if (!FastDecimal(vs, ve, &v))
		v = float8in_internal(CopyToken(ps, start, q), NULL, "tfloat",
							  ps->lit);

	start = ++q;
	while (!IsDelimiter(*q))
	{
		TF_CHECK_INTERRUPTS(q - start);
		q++;
	}
	tf_builder_add(b, ParseTimestamp(ps, CopyToken(ps, start, q)), v);
	ps->p = q;
}

/* sequence := ("[" | "(") instants ("]" | ")") */
static void
ParseSequence(TextParser *ps, TFloatBuilder *b)
{
	SkipSpaces(ps);
	if (*ps->p != '[' && *ps->p != '(')
		SyntaxError(ps, "Expected \"[\" or \"(\" to open a sequence.");
	tf_builder_begin_seq(b, *ps->p == '[');
	ps->p++;
	for (;;)
	{
		ParseInstant(ps, b);
		if (*ps->p != ',')
			break;
		ps->p++;
	}
	if (*ps->p != ']' && *ps->p != ')')
		SyntaxError(ps, "Expected \"]\" or \")\" to close a sequence.");
	tf_builder_end_seq(b, *ps->p == ']');
	ps->p++;
}

/*
 * ParseTFloat: the value of the literal as the base type.  A tint's
 * continuous sequences are step with or without the prefix
 * (tf_builder_set_base).
 */
static TFloat *
ParseTFloat(const char *lit, uint8 basetype)
{
	TextParser ps;
	TFloatBuilder b;
	bool step = false;
	const char *err;
	int ninst = 0;

	ps.lit = lit;
	ps.basetype = basetype;
	ps.p = lit;
	/* Size the builder once: there is one '@' per instant */
	for (const char *q = strchr(lit, '@'); q; q = strchr(q + 1, '@'))
		ninst++;
	ninst = Min(ninst, 1 << 22); /* junk full of '@' must not cost GBs */
	ps.toklen = 64;
	ps.tok = palloc(ps.toklen);

	SkipSpaces(&ps);
	if (pg_strncasecmp(ps.p, STEP_PREFIX, strlen(STEP_PREFIX)) == 0)
	{
		step = true;
		ps.p += strlen(STEP_PREFIX);
		SkipSpaces(&ps);
	}
	else if (pg_strncasecmp(ps.p, "Interp=", 7) == 0)
		SyntaxError(&ps, "The only interpolation prefix is \"Interp=Step;\".");

	if (*ps.p == '{')
	{
		ps.p++;
		SkipSpaces(&ps);
		if (*ps.p == '[' || *ps.p == '(')
		{
			tf_builder_init(&b, TF_SEQUENCESET, step, ninst);
			for (;;)
			{
				ParseSequence(&ps, &b);
				SkipSpaces(&ps);
				if (*ps.p != ',')
					break;
				ps.p++;
			}
		}
		else
		{
			tf_builder_init(&b, TF_DISCRETE, false, ninst);
			for (;;)
			{
				ParseInstant(&ps, &b);
				if (*ps.p != ',')
					break;
				ps.p++;
			}
		}
		if (*ps.p != '}')
			SyntaxError(&ps, "Expected \"}\" to close the value.");
		ps.p++;
	}
	else if (*ps.p == '[' || *ps.p == '(')
	{
		tf_builder_init(&b, TF_SEQUENCE, step, ninst);
		ParseSequence(&ps, &b);
	}
	else
	{
		tf_builder_init(&b, TF_INSTANT, false, 1);
		ParseInstant(&ps, &b);
	}

	SkipSpaces(&ps);
	if (*ps.p != '\0')
		SyntaxError(&ps, "Unexpected text after the value.");
	tf_builder_set_base(&b, basetype);
	err = tf_builder_check(&b);
	if (err)
		SyntaxError(&ps, err);
	pfree(ps.tok);
	return tf_builder_finish(&b);
}

Datum
cq_tfloat_in(PG_FUNCTION_ARGS)
{
	char *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TFLOAT_P(ParseTFloat(str, TF_BASE_FLOAT));
}

Datum
cq_tint_in(PG_FUNCTION_ARGS)
{
	char *str = PG_GETARG_CSTRING(0);

	PG_RETURN_TFLOAT_P(ParseTFloat(str, TF_BASE_INT));
}

/*
 * tfloat_from_text: the cast text -> tfloat, the same value as
 * tfloat_in of the text.  Without it the cast goes through a C-string copy
 * of the text (I/O conversion): for a large value a second multi-megabyte
 * buffer, which with its page faults cost as much as the parsing.  A
 * detoasted copy is ours, so the NUL the parser needs is added by growing
 * it in place; a value used where it lies is copied once.
 */
static TFloat *
FromText(struct varlena *raw, uint8 basetype)
{
	struct varlena *t = PG_DETOAST_DATUM_PACKED(PointerGetDatum(raw));
	Size len = VARSIZE_ANY_EXHDR(t);
	char *str;

	if (t != raw && !VARATT_IS_SHORT(t) && VARHDRSZ + len + 1 <= MaxAllocSize)
	{
		t = repalloc(t, VARHDRSZ + len + 1);
		str = VARDATA(t);
	}
	else
	{
		str = palloc(len + 1);
		memcpy(str, VARDATA_ANY(t), len);
	}
	str[len] = '\0'; /* text never holds a NUL of its own */
	return ParseTFloat(str, basetype);
}

PG_FUNCTION_INFO_V1(cq_tfloat_from_text);
Datum
cq_tfloat_from_text(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(FromText(PG_GETARG_RAW_VARLENA_P(0), TF_BASE_FLOAT));
}

PG_FUNCTION_INFO_V1(cq_tint_from_text);
Datum
cq_tint_from_text(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(FromText(PG_GETARG_RAW_VARLENA_P(0), TF_BASE_INT));
}

static void
AppendInstant(StringInfo buf, uint8 basetype, TimestampTz t, double v)
{
	char num[TF_DOUBLE_BUFLEN];
	char ts[MAXDATELEN + 1];
	int nlen = tf_format_value(basetype, v, TF_MAX_DECIMALS, num);
	int tlen = tf_format_timestamp(t, DateStyle, ts);

	enlargeStringInfo(buf, nlen + tlen + 3);
	memcpy(buf->data + buf->len, num, nlen);
	buf->len += nlen;
	buf->data[buf->len++] = '@';
	memcpy(buf->data + buf->len, ts, tlen);
	buf->len += tlen;
	buf->data[buf->len] = '\0';
}

/*
 * tf_to_cstring: the text form of t, palloc'd.  Shared by tfloat_out and by
 * whatever else needs the literal (messages, casts to text).
 */
char *
tf_to_cstring(const TFloat *t)
{
	StringInfoData buf;
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	int nseqs = tf_num_seqs(t);

	initStringInfo(&buf);
	/* Guess the size (about 35 bytes an instant), within StringInfo's limit */
	enlargeStringInfo(&buf,
					  (int) Min(mul_size(t->ninst, 40), 64 * 1024 * 1024));
	/* Step is a tint's only continuous interpolation: no prefix, as MobilityDB */
	if (TF_IS_STEP(t) && t->basetype != TF_BASE_INT)
		appendStringInfoString(&buf, STEP_PREFIX);
	if (t->subtype == TF_INSTANT)
	{
		AppendInstant(&buf, t->basetype, times[0], values[0]);
		return buf.data;
	}
	if (t->subtype != TF_SEQUENCE)
		appendStringInfoChar(&buf, '{');
	for (int s = 0; s < nseqs; s++)
	{
		TFloatSeqView v;

		TF_CHECK_INTERRUPTS(s);
		tf_seq_view(t, s, &v);
		if (s > 0)
			appendBinaryStringInfo(&buf, ", ", 2);
		if (t->subtype != TF_DISCRETE)
			appendStringInfoChar(&buf, v.lower_inc ? '[' : '(');
		for (int i = v.start; i < v.start + v.count; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			if (i > v.start)
				appendBinaryStringInfo(&buf, ", ", 2);
			AppendInstant(&buf, t->basetype, times[i], values[i]);
		}
		if (t->subtype != TF_DISCRETE)
			appendStringInfoChar(&buf, v.upper_inc ? ']' : ')');
	}
	if (t->subtype != TF_SEQUENCE)
		appendStringInfoChar(&buf, '}');
	return buf.data;
}

Datum
cq_tfloat_out(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);

	PG_RETURN_CSTRING(tf_to_cstring(t));
}

static void
pg_attribute_noreturn() BinaryError(uint8 basetype, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_BINARY_REPRESENTATION),
			 errmsg("invalid external %s value", tf_base_name(basetype)),
			 errdetail("%s", detail)));
}

/*
 * Receive: a value of the base type from the binary format (file header);
 * a tint's values are int32, a tfloat's float8.
 */
static TFloat *
Receive(StringInfo msg, uint8 basetype)
{
	TFloatBuilder b;
	Size valsize = basetype == TF_BASE_INT ? 4 : 8;
	int subtype = pq_getmsgbyte(msg);
	int flags = pq_getmsgbyte(msg);
	int ninst = pq_getmsgint(msg, 4);
	int nseqs = 1;
	int *counts = NULL;
	uint8 *seqflags = NULL;
	const char *err;

	if (subtype < TF_INSTANT || subtype > TF_SEQUENCESET)
		BinaryError(basetype, "Unknown subtype.");
	if (flags & ~(TF_STEP | TF_LOWER_INC | TF_UPPER_INC))
		BinaryError(basetype, "Unknown flags.");
	if ((flags & TF_STEP) && subtype != TF_SEQUENCE &&
		subtype != TF_SEQUENCESET)
		BinaryError(basetype,
					"Only continuous sequences can be step-interpolated.");
	if (ninst < 1)
		BinaryError(basetype, "A tfloat has at least one instant.");
	if (subtype == TF_SEQUENCESET)
	{
		int total = 0;

		nseqs = pq_getmsgint(msg, 4);
		/* 5 bytes per sequence entry and 16 per instant must be there */
		if (nseqs < 1 || nseqs > ninst ||
			(Size) nseqs * 5 > (Size) (msg->len - msg->cursor))
			BinaryError(basetype, "Invalid number of sequences.");
		counts = palloc(nseqs * sizeof(int));
		seqflags = palloc(nseqs);
		for (int i = 0; i < nseqs; i++)
		{
			TF_CHECK_INTERRUPTS(i);
			counts[i] = pq_getmsgint(msg, 4);
			seqflags[i] = pq_getmsgbyte(msg);
			if (counts[i] < 1 || counts[i] > ninst - total ||
				(seqflags[i] & ~(TF_LOWER_INC | TF_UPPER_INC)))
				BinaryError(basetype, "Invalid sequence entry.");
			total += counts[i];
		}
		if (total != ninst)
			BinaryError(basetype,
						"Sequence lengths do not add up to the instants.");
	}
	if ((Size) ninst * (8 + valsize) != (Size) (msg->len - msg->cursor))
		BinaryError(basetype,
					"The message length does not match the instants.");

	tf_builder_init(&b, subtype, (flags & TF_STEP) != 0, ninst);
	for (int s = 0, i = 0; s < nseqs; s++)
	{
		int n = counts ? counts[s] : ninst;
		uint8 f = seqflags ? seqflags[s] : flags;

		TF_CHECK_INTERRUPTS(s);
		if (subtype == TF_SEQUENCE || subtype == TF_SEQUENCESET)
			tf_builder_begin_seq(&b, (f & TF_LOWER_INC) != 0);
		for (int k = 0; k < n; k++, i++)
		{
			TimestampTz t = (TimestampTz) pq_getmsgint64(msg);
			double v = basetype == TF_BASE_INT ? (int32) pq_getmsgint(msg, 4)
											   : pq_getmsgfloat8(msg);

			tf_builder_add(&b, t, v);
		}
		if (subtype == TF_SEQUENCE || subtype == TF_SEQUENCESET)
			tf_builder_end_seq(&b, (f & TF_UPPER_INC) != 0);
	}
	tf_builder_set_base(&b, basetype);
	err = tf_builder_check(&b);
	if (err)
		BinaryError(basetype, err);
	return tf_builder_finish(&b);
}

Datum
cq_tfloat_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(
		Receive((StringInfo) PG_GETARG_POINTER(0), TF_BASE_FLOAT));
}

Datum
cq_tint_recv(PG_FUNCTION_ARGS)
{
	PG_RETURN_TFLOAT_P(
		Receive((StringInfo) PG_GETARG_POINTER(0), TF_BASE_INT));
}

Datum
cq_tfloat_send(PG_FUNCTION_ARGS)
{
	TFloat *t = PG_GETARG_TFLOAT_P(0);
	const TimestampTz *times = TF_TIMES(t);
	const double *values = TF_VALUES(t);
	StringInfoData buf;
	uint8 flags = t->flags;

	if (t->subtype != TF_SEQUENCE)
		flags &= TF_STEP;
	pq_begintypsend(&buf);
	pq_sendbyte(&buf, t->subtype);
	pq_sendbyte(&buf, flags);
	pq_sendint32(&buf, t->ninst);
	if (t->subtype == TF_SEQUENCESET)
	{
		pq_sendint32(&buf, t->nseqs);
		for (int s = 0; s < t->nseqs; s++)
		{
			TFloatSeqView v;

			TF_CHECK_INTERRUPTS(s);
			tf_seq_view(t, s, &v);
			pq_sendint32(&buf, v.count);
			pq_sendbyte(&buf,
						(v.lower_inc ? TF_LOWER_INC : 0) |
							(v.upper_inc ? TF_UPPER_INC : 0));
		}
	}
	for (int i = 0; i < t->ninst; i++)
	{
		TF_CHECK_INTERRUPTS(i);
		pq_sendint64(&buf, times[i]);
		if (t->basetype == TF_BASE_INT)
			pq_sendint32(&buf, (int32) values[i]);
		else
			pq_sendfloat8(&buf, values[i]);
	}
	PG_RETURN_BYTEA_P(pq_endtypsend(&buf));
}
