/*
 * tpvalue.c
 *	  An MF-JSON TemporalPrimitiveValue read for ingest (OGC API - Moving
 *	  Features Part 1, "TemporalPrimitiveValue"; docs/relay.md, "Ingest").
 *
 * Design notes
 *
 * The body is {"datetimes": [...], "values": [...], "interpolation":
 * "..."}: one instant per index.  Everything that can be wrong with it is
 * found here, before the database sees anything, so that the refusal can
 * name the index: a datetime that is not RFC 3339 (date, "T", time,
 * "Z" or an offset; fractions of a second up to 9 digits, PostgreSQL
 * keeps microseconds), datetimes not strictly increasing (MF-JSON orders
 * them; a repeated instant is the usual mistake), a value of the wrong
 * JSON type or out of the column's integer range, null, lengths that
 * differ, no instant at all, a member that is not one of the three, a
 * member given twice (jansson's JSON_REJECT_DUPLICATES).
 *
 * Interpolation: optional, "Discrete" when absent.  The rows of a source
 * table are instants, whatever the interpolation; it is accepted as
 * MF-JSON names it so that a client's TemporalPrimitiveValue need not be
 * rewritten, and checked against the type as MobilityDB does: "Discrete"
 * and "Step" for every type, "Linear" for TReal only; "Spline" is
 * refused (PostgreSQL and MobilityDB have no spline).
 *
 * The instants reach PostgreSQL as two array literals bound as
 * parameters (ingest.c), never as SQL text: datetimes as they were
 * written (checked, so they hold only digits and "-:.TZ+"), numbers in
 * the shortest form that reads back as the same double, text quoted with
 * its backslashes and double quotes escaped.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tpvalue.h"

/* ------------------------------------------------------------------ */
/* Datetimes */

static bool
Digits(const char *s, int n, int *out)
{
	int v = 0;

	for (int i = 0; i < n; i++)
	{
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Days from 1970-01-01 to y-m-d (proleptic Gregorian) */
static int64_t
DaysFromCivil(int y, int m, int d)
{
	int64_t era;
	int64_t yoe;
	int64_t doy;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static int
DaysInMonth(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
								 31, 31, 30, 31, 30, 31};

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return days[m - 1];
}

/*
 * An RFC 3339 date-time (years 0001 to 9999), as microseconds since the
 * epoch (fractions past microseconds cut, for ordering only); false if
 * s is not one
 */
static bool
ParseDatetime(const char *s, int64_t *usec)
{
	int y, mo, d, h, mi, sec, oh = 0, om = 0;
	int64_t frac = 0;
	int fdigits = 0;
	const char *p;
	int sign = 0;

	if (strlen(s) < 20 || !Digits(s, 4, &y) || s[4] != '-' ||
		!Digits(s + 5, 2, &mo) || s[7] != '-' || !Digits(s + 8, 2, &d) ||
		(s[10] != 'T' && s[10] != 't') || !Digits(s + 11, 2, &h) ||
		s[13] != ':' || !Digits(s + 14, 2, &mi) || s[16] != ':' ||
		!Digits(s + 17, 2, &sec))
		return false;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > DaysInMonth(y, mo) ||
		h > 23 || mi > 59 || sec > 59)
		return false;
	p = s + 19;
	if (*p == '.')
	{
		for (p++; *p >= '0' && *p <= '9'; p++, fdigits++)
			if (fdigits < 6)
				frac = frac * 10 + (*p - '0');
		if (fdigits == 0 || fdigits > 9)
			return false;
		for (int i = fdigits; i < 6; i++)
			frac *= 10;
	}
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-')
	{
		sign = *p == '+' ? 1 : -1;
		if (!Digits(p + 1, 2, &oh) || p[3] != ':' || !Digits(p + 4, 2, &om) ||
			oh > 23 || om > 59)
			return false;
		p += 6;
	}
	else
		return false;
	if (*p != '\0')
		return false;
	*usec = ((DaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec -
			  sign * (oh * 3600 + om * 60)) *
			 1000000) +
		frac;
	return true;
}

/* ------------------------------------------------------------------ */
/* The body */

bool
tpvalue_type(const char *name, TpType *type)
{
	if (strcmp(name, "TReal") == 0)
		*type = TP_REAL;
	else if (strcmp(name, "TInt") == 0)
		*type = TP_INT;
	else if (strcmp(name, "TText") == 0)
		*type = TP_TEXT;
	else if (strcmp(name, "TBool") == 0)
		*type = TP_BOOL;
	else
		return false;
	return true;
}

void
tpvalue_free(TpValue *tp)
{
	json_decref(tp->doc);
	tp->doc = NULL;
	tp->values = NULL;
	strbuf_free(&tp->datetimes);
}

static bool Refuse(TpValue *tp, char msg[TPVALUE_MSG_MAX], const char *fmt,
				   ...) __attribute__((format(printf, 3, 4)));

static bool
Refuse(TpValue *tp, char msg[TPVALUE_MSG_MAX], const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, TPVALUE_MSG_MAX, fmt, ap);
	va_end(ap);
	tpvalue_free(tp);
	return false;
}

/* The members: only the three of a TemporalPrimitiveValue */
static bool
CheckMembers(TpValue *tp, char msg[TPVALUE_MSG_MAX])
{
	const char *key;
	json_t *v;

	json_object_foreach(tp->doc, key, v)
	{
		if (strcmp(key, "datetimes") != 0 && strcmp(key, "values") != 0 &&
			strcmp(key, "interpolation") != 0)
			return Refuse(tp, msg,
						  "unknown member \"%.60s\": a TemporalPrimitiveValue "
						  "has datetimes, values and interpolation",
						  key);
	}
	return true;
}

bool
tpvalue_parse(TpValue *tp, const char *body, size_t len,
			  char msg[TPVALUE_MSG_MAX])
{
	json_error_t err;
	json_t *dts;
	json_t *interp;

	memset(tp, 0, sizeof(*tp));
	strbuf_init(&tp->datetimes);
	if (len == 0)
		return Refuse(tp, msg,
					  "the body is empty: a TemporalPrimitiveValue "
					  "is needed");
	tp->doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (tp->doc == NULL)
		return Refuse(tp, msg, "the body is not JSON (line %d, column %d): %s",
					  err.line, err.column, err.text);
	if (!json_is_object(tp->doc))
		return Refuse(tp, msg,
					  "the body must be a JSON object (a "
					  "TemporalPrimitiveValue)");
	if (!CheckMembers(tp, msg))
		return false;
	dts = json_object_get(tp->doc, "datetimes");
	tp->values = json_object_get(tp->doc, "values");
	interp = json_object_get(tp->doc, "interpolation");
	if (!json_is_array(dts))
		return Refuse(tp, msg,
					  "datetimes must be an array of RFC 3339 "
					  "strings");
	if (!json_is_array(tp->values))
		return Refuse(tp, msg, "values must be an array");
	tp->n = json_array_size(dts);
	if (tp->n == 0)
		return Refuse(tp, msg,
					  "datetimes is empty: at least one instant "
					  "is needed");
	if (json_array_size(tp->values) != tp->n)
		return Refuse(tp, msg,
					  "datetimes has %zu elements and values %zu: they must "
					  "have as many",
					  tp->n, json_array_size(tp->values));
	if (interp == NULL)
		tp->interp = "Discrete";
	else if (!json_is_string(interp))
		return Refuse(tp, msg, "interpolation must be a string");
	else
		tp->interp = json_string_value(interp);
	if (strcmp(tp->interp, "Discrete") != 0 &&
		strcmp(tp->interp, "Step") != 0 && strcmp(tp->interp, "Linear") != 0)
		return Refuse(tp, msg,
					  "unsupported interpolation \"%.40s\": use Discrete, "
					  "Step or Linear",
					  tp->interp);
	if (!tpvalue_datetimes(dts, &tp->datetimes, msg))
	{
		tpvalue_free(tp);
		return false;
	}
	return true;
}

bool
tpvalue_datetimes(json_t *dts, StrBuf *out, char msg[TPVALUE_MSG_MAX])
{
	int64_t prev = 0;

	strbuf_puts(out, "{");
	for (size_t i = 0; i < json_array_size(dts); i++)
	{
		json_t *e = json_array_get(dts, i);
		int64_t t;

		if (!json_is_string(e) || !ParseDatetime(json_string_value(e), &t))
		{
			snprintf(msg, TPVALUE_MSG_MAX,
					 "datetimes[%zu] is not an RFC 3339 date-time "
					 "(2026-12-06T12:00:00Z, an offset or a fraction "
					 "allowed)",
					 i);
			return false;
		}
		if (i > 0 && t <= prev)
		{
			snprintf(msg, TPVALUE_MSG_MAX,
					 "datetimes[%zu] is not after datetimes[%zu]: "
					 "datetimes must increase",
					 i, i - 1);
			return false;
		}
		prev = t;
		strbuf_printf(out, "%s\"%s\"", i ? "," : "", json_string_value(e));
	}
	strbuf_puts(out, "}");
	return true;
}

/* A double in the shortest form that reads back the same */
void
tpvalue_append_real(StrBuf *out, double v)
{
	char buf[40];

	snprintf(buf, sizeof(buf), "%.15g", v);
	if (strtod(buf, NULL) != v)
		snprintf(buf, sizeof(buf), "%.17g", v);
	strbuf_puts(out, buf);
}

/* An array element of text, quoted */
static void
AppendText(StrBuf *out, const char *s, size_t len)
{
	strbuf_puts(out, "\"");
	for (size_t i = 0; i < len; i++)
	{
		if (s[i] == '"' || s[i] == '\\')
			strbuf_append(out, "\\", 1);
		strbuf_append(out, s + i, 1);
	}
	strbuf_puts(out, "\"");
}

bool
tpvalue_values(const TpValue *tp, TpType type, const char *column_type,
			   StrBuf *out, char msg[TPVALUE_MSG_MAX])
{
	static const char *const names[] = {"a number", "an integer", "a string",
										"a boolean"};
	json_int_t lo = INT64_MIN;
	json_int_t hi = INT64_MAX;

	if (strcmp(tp->interp, "Linear") == 0 && type != TP_REAL)
	{
		snprintf(msg, TPVALUE_MSG_MAX,
				 "interpolation Linear is for TReal properties only: use "
				 "Discrete or Step");
		return false;
	}
	if (strcmp(column_type, "smallint") == 0)
		lo = INT16_MIN, hi = INT16_MAX;
	else if (strcmp(column_type, "integer") == 0)
		lo = INT32_MIN, hi = INT32_MAX;
	strbuf_puts(out, "{");
	for (size_t i = 0; i < tp->n; i++)
	{
		json_t *v = json_array_get(tp->values, i);
		bool ok;

		if (i > 0)
			strbuf_puts(out, ",");
		switch (type)
		{
			case TP_REAL:
				ok = json_is_number(v);
				if (ok)
					tpvalue_append_real(out, json_number_value(v));
				break;
			case TP_INT:
				ok = json_is_integer(v) && json_integer_value(v) >= lo &&
					json_integer_value(v) <= hi;
				if (ok)
					strbuf_printf(out, "%" JSON_INTEGER_FORMAT,
								  json_integer_value(v));
				break;
			case TP_TEXT:
				ok = json_is_string(v);
				if (ok)
					AppendText(out, json_string_value(v),
							   json_string_length(v));
				break;
			default:
				ok = json_is_boolean(v);
				if (ok)
					strbuf_puts(out, json_is_true(v) ? "t" : "f");
				break;
		}
		if (!ok)
		{
			if (type == TP_INT && json_is_integer(v))
				snprintf(msg, TPVALUE_MSG_MAX,
						 "values[%zu] is out of range for type %s", i,
						 column_type);
			else
				snprintf(msg, TPVALUE_MSG_MAX,
						 "values[%zu] is not %s: the property is of type %s",
						 i, names[type], column_type);
			return false;
		}
	}
	strbuf_puts(out, "}");
	return true;
}
