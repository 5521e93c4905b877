/*
 * fuzz_gen.c
 *	  Seeds of the tfloat fuzzer: random valid values of every shape,
 *	  written as text, MF-JSON or the binary format, and hand-written
 *	  seeds for the corners (docs: README's tfloat reference and
 *	  /work/shared/reference/tfloat.md).
 *
 * Design notes
 *
 * A value is first drawn as a Shape (subtype, interpolation, sequences and
 * their bounds, instants), respecting the rules a value must follow
 * (strictly increasing times, [v@t] for a one-instant continuous
 * sequence, a step sequence with an exclusive upper bound repeating its
 * last value), then written in one of many spellings: numbers as
 * integers, decimals with or without a leading digit, exponents, NaN and
 * the infinities in their accepted spellings; timestamps in ISO, with
 * 'T', with numeric offsets, textual months, BC dates, fractions; blanks
 * between tokens; the Interp=Step; prefix in several cases.  Timestamps
 * carry an explicit offset or none at all within one value, so a value
 * stays valid in any session time zone (up to daylight saving folds, which
 * only make a few seeds invalid).  A few values are large (thousands of
 * instants) to reach the code paths for long inputs.
 */
#include <float.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz.h"

#define USECS_PER_SEC INT64_C(1000000)
#define USECS_PER_DAY (INT64_C(86400) * USECS_PER_SEC)
/* Days from 1970-01-01 to 2000-01-01, PostgreSQL's epoch */
#define PG_EPOCH_DAYS 10957
/* PostgreSQL's timestamp range: 4714-11-24 BC to 294276-12-31 */
#define PG_MIN_TS	  INT64_C(-211813488000000000)
#define PG_END_TS	  INT64_C(9223371331200000000)

/* Interpolations and bounds of the drawn value */
typedef struct Shape
{
	int subtype; /* 1 instant, 2 discrete, 3 sequence, 4 set */
	bool step;
	int nseqs;
	int counts[64];
	bool lower[64];
	bool upper[64];
	int ninst;
	int64_t *times; /* microseconds since 2000-01-01 UTC */
	double *values;
	/* Spelling of a value: index into the number spellings, per instant */
	int *spell;
	int zone; /* -1 no offset, else minutes east of UTC */
	int tsstyle;
} Shape;

/* ------------------------------------------------------------------ */
/* Numbers */

static double
GenDouble(void)
{
	static const double special[] = {0.0,
									 -0.0,
									 1.0,
									 -1.0,
									 0.5,
									 0.1,
									 1.0 / 3.0,
									 1e-6,
									 1e-7,
									 1e-8,
									 1e-9,
									 1e15,
									 1.25e15,
									 1e22,
									 1e23,
									 9007199254740992.0,
									 9007199254740993.0,
									 DBL_MAX,
									 -DBL_MAX,
									 DBL_MIN,
									 4.9406564584124654e-324,
									 2.2250738585072009e-308,
									 123456.789012345678,
									 0.1234567890123465,
									 2.718281828459045,
									 1e300,
									 -1e-300};

	switch (rng_below(8))
	{
		case 0:
			return special[rng_below(sizeof(special) / sizeof(special[0]))];
		case 1:
			return (double) (int64_t) (rng_below(2001)) - 1000;
		case 2:
			return (rng_unit() - 0.5) * 200.0;
		case 3:
			return ldexp(rng_unit() * 2 - 1, (int) rng_below(2100) - 1074);
		case 4:
		{
			uint64_t bits = rng_next();
			double d;

			memcpy(&d, &bits, sizeof(d));
			return isnan(d) ? 0.25 : d;
		}
		case 5:
			return round((rng_unit() - 0.5) * 1e6) / 100.0;
		case 6:
			return (rng_unit() - 0.5) * pow(10, (double) rng_below(40) - 20);
		default:
			return (double) rng_below(100);
	}
}

/*
 * Write v: kind picks the spelling; NaN and the infinities have their own.
 * The spellings all read back as v through float8 input up to rounding
 * of the shorter forms, which is fine: seeds need to be valid, not exact.
 */
static void
SpellDouble(Buf *b, double v, int kind)
{
	static const char *const nan_spell[] = {"NaN", "nan", "NAN", "  NaN"};
	static const char *const pinf[] = {"Infinity", "inf", "+Infinity",
									   "INFINITY", "+inf"};
	static const char *const ninf[] = {"-Infinity", "-inf", "-INFINITY"};

	if (isnan(v))
	{
		buf_adds(b, nan_spell[rng_below(4)]);
		return;
	}
	if (isinf(v))
	{
		buf_adds(b, v > 0 ? pinf[rng_below(5)] : ninf[rng_below(3)]);
		return;
	}
	switch (kind % 10)
	{
		case 0:
			buf_printf(b, "%.17g", v);
			break;
		case 1:
			buf_printf(b, "%g", v);
			break;
		case 2:
			buf_printf(b, "%.15g", v);
			break;
		case 3:
			buf_printf(b, "%e", v);
			break;
		case 4:
			buf_printf(b, "%.3E", v);
			break;
		case 5:
			/* A plain decimal, leading point when |v| < 1 */
			if (fabs(v) < 1 && v != 0)
			{
				char tmp[64];
				char *p;

				snprintf(tmp, sizeof(tmp), "%.12f", v);
				p = strchr(tmp, '.');
				if (p && p > tmp && p[-1] == '0' &&
					(p - tmp == 1 || tmp[0] == '-'))
				{
					if (tmp[0] == '-')
						buf_addc(b, '-');
					buf_adds(b, p);
				}
				else
					buf_adds(b, tmp);
			}
			else
				buf_printf(b, "%.6f", v);
			break;
		case 6:
			buf_printf(b, "+%.17g", v);
			break;
		case 7:
			/* Zero-padded exponent */
			buf_printf(b, "%.10e", v);
			if (rng_one_in(2))
			{
				char *e = strchr((char *) b->data, 'e');

				if (e && (e[1] == '+' || e[1] == '-'))
					buf_splice(b, (size_t) (e - (char *) b->data) + 2, 0, "00",
							   2);
			}
			break;
		case 8:
			if (fabs(v) < 1e18 && v == floor(v))
				buf_printf(b, "%" PRId64 "%s", (int64_t) v,
						   rng_one_in(2) ? "." : "");
			else
				buf_printf(b, "%.17g", v);
			break;
		default:
			buf_printf(b, "%.16g", v);
			break;
	}
}

/* ------------------------------------------------------------------ */
/* Timestamps */

/* Civil date of days since 1970-01-01 (H. Hinnant's algorithm) */
static void
CivilFromDays(int64_t z, int64_t *y, int *m, int *d)
{
	int64_t era, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doy = z - era * 146097;
	yoe = (doy - doy / 1460 + doy / 36524 - doy / 146096) / 365;
	*y = yoe + era * 400;
	doy = doy - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int) (doy - (153 * mp + 2) / 5 + 1);
	*m = (int) (mp < 10 ? mp + 3 : mp - 9);
	if (*m <= 2)
		(*y)++;
}

static int64_t
FloorDiv(int64_t a, int64_t b)
{
	return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/*
 * Write t (microseconds since 2000-01-01 UTC) in style, with the offset
 * zone (minutes east) or, when zone < 0 and not UTC-only, no offset.
 */
static void
SpellTime(Buf *b, int64_t t, int zone, int style)
{
	static const char *const months[] = {"Jan", "Feb", "Mar", "Apr",
										 "May", "Jun", "Jul", "Aug",
										 "Sep", "Oct", "Nov", "Dec"};
	int64_t local = t + (zone > 0 ? zone : 0) * 60 * USECS_PER_SEC;
	int64_t days = FloorDiv(local, USECS_PER_DAY);
	int64_t us = local - days * USECS_PER_DAY;
	int64_t y;
	int m, d, hh, mi, ss, frac;
	bool bc;
	char year[32], offset[16] = "", fracs[16] = "";

	CivilFromDays(days + PG_EPOCH_DAYS, &y, &m, &d);
	bc = y <= 0;
	snprintf(year, sizeof(year), "%04" PRId64, bc ? 1 - y : y);
	hh = (int) (us / (3600 * USECS_PER_SEC));
	mi = (int) (us / (60 * USECS_PER_SEC) % 60);
	ss = (int) (us / USECS_PER_SEC % 60);
	frac = (int) (us % USECS_PER_SEC);
	if (frac)
		snprintf(fracs, sizeof(fracs), ".%06d", frac);
	if (zone >= 0)
	{
		if (zone % 60)
			snprintf(offset, sizeof(offset), "+%02d:%02d", zone / 60,
					 zone % 60);
		else if (zone == 0 && style % 3 == 1)
			snprintf(offset, sizeof(offset), "Z");
		else
			snprintf(offset, sizeof(offset), "+%02d", zone / 60);
	}
	switch (style)
	{
		case 0:
		case 1:
			buf_printf(b, "%s-%02d-%02d%c%02d:%02d:%02d%s%s", year, m, d,
					   style == 1 ? 'T' : ' ', hh, mi, ss, fracs, offset);
			break;
		case 2:
			/* Seconds left out when zero */
			if (ss == 0 && frac == 0)
				buf_printf(b, "%s-%02d-%02d %02d:%02d%s", year, m, d, hh, mi,
						   offset);
			else
				buf_printf(b, "%s-%02d-%02d %02d:%02d:%02d%s%s", year, m, d,
						   hh, mi, ss, fracs, offset);
			break;
		case 3:
			buf_printf(b, "%s %d %s %02d:%02d:%02d%s%s%s", months[m - 1], d,
					   year, hh, mi, ss, fracs, offset[0] ? " " : "", offset);
			break;
		default:
			/* Date only when it is midnight, else ISO */
			if (us == 0)
				buf_printf(b, "%s-%02d-%02d%s%s", year, m, d,
						   offset[0] ? " 00:00" : "", offset);
			else
				buf_printf(b, "%s-%02d-%02d %02d:%02d:%02d%s%s", year, m, d,
						   hh, mi, ss, fracs, offset);
			break;
	}
	if (bc)
		buf_adds(b, " BC");
}

static int64_t
GenStart(void)
{
	switch (rng_below(6))
	{
		case 0:
			return PG_MIN_TS + (int64_t) rng_below(USECS_PER_DAY * 400);
		case 1:
			/* Far future, up to the end of the range */
			return PG_END_TS - (int64_t) rng_below(INT64_C(1) << 60) -
				USECS_PER_DAY * 400;
		case 2:
			/* Around 0001-01-01 and BC */
			return INT64_C(-63082281600000000) +
				(int64_t) rng_below(USECS_PER_DAY * 3650) -
				USECS_PER_DAY * 1825;
		default:
			/* 1990 .. 2030 */
			return (int64_t) rng_below(USECS_PER_DAY * 365 * 40) -
				USECS_PER_DAY * 365 * 10;
	}
}

static int64_t
GenStep(void)
{
	static const int64_t steps[] = {1,
									USECS_PER_SEC,
									60 * USECS_PER_SEC,
									3600 * USECS_PER_SEC,
									USECS_PER_DAY,
									365 * USECS_PER_DAY};

	if (rng_one_in(3))
		return 1 + (int64_t) rng_below(USECS_PER_DAY * 30);
	return steps[rng_below(6)] * (1 + (int64_t) rng_below(5));
}

/* ------------------------------------------------------------------ */
/* Shapes */

static void
ShapeFree(Shape *s)
{
	free(s->times);
	free(s->values);
	free(s->spell);
}

static int
GenCount(void)
{
	if (rng_one_in(400))
		return 1000 + (int) rng_below(9000);
	if (rng_one_in(20))
		return 20 + (int) rng_below(200);
	return 1 + (int) rng_below(6);
}

static void
GenShape(Shape *s)
{
	int64_t t;

	memset(s, 0, sizeof(*s));
	s->subtype = 1 + (int) rng_below(4);
	s->step = s->subtype >= 3 && rng_one_in(3);
	s->nseqs = 1;
	if (s->subtype == 1)
		s->counts[0] = 1;
	else if (s->subtype == 4)
	{
		s->nseqs = 1 + (int) rng_below(rng_one_in(10) ? 64 : 4);
		for (int i = 0; i < s->nseqs; i++)
			s->counts[i] = s->nseqs > 8 ? 1 + (int) rng_below(4) : GenCount();
	}
	else
		s->counts[0] = GenCount();
	for (int i = 0; i < s->nseqs; i++)
	{
		s->ninst += s->counts[i];
		s->lower[i] = s->counts[i] == 1 || !rng_one_in(3);
		s->upper[i] = s->counts[i] == 1 || !rng_one_in(3);
	}
	s->times = xmalloc(sizeof(int64_t) * s->ninst);
	s->values = xmalloc(sizeof(double) * s->ninst);
	s->spell = xmalloc(sizeof(int) * s->ninst);
	t = GenStart();
	for (int i = 0; i < s->ninst; i++)
	{
		s->times[i] = t;
		t += GenStep();
		if (t >= PG_END_TS)
			t = PG_END_TS - 1;
		s->values[i] = rng_one_in(30) ? (rng_one_in(2) ? NAN : INFINITY)
									  : GenDouble();
		s->spell[i] = (int) rng_below(10);
	}
	/* Keep times in the range: shift down if the walk ran past the end */
	if (s->times[s->ninst - 1] >= PG_END_TS - 1 ||
		s->times[s->ninst - 1] < s->times[0])
		for (int i = 0; i < s->ninst; i++)
			s->times[i] = i * USECS_PER_SEC;
	/* A step sequence with an exclusive upper bound repeats its last value */
	for (int q = 0, first = 0; q < s->nseqs; first += s->counts[q++])
		if (s->step && !s->upper[q] && s->counts[q] > 1)
		{
			int last = first + s->counts[q] - 1;

			s->values[last] = s->values[last - 1];
			s->spell[last] = s->spell[last - 1];
		}
	/* Sometimes two sequences of a set meet at one timestamp */
	if (s->subtype == 4 && s->nseqs > 1 && rng_one_in(4))
	{
		int last = s->counts[0] - 1;

		if (!s->upper[0] && s->lower[1] && s->counts[1] > 1 &&
			s->times[last + 1] > s->times[last])
			s->times[last + 1] = s->times[last];
	}
	s->zone = rng_one_in(3) ? -1
							: (int) (rng_below(4) ? 0 : rng_below(14 * 60));
	s->tsstyle = (int) rng_below(5);
}

/* Blanks between tokens, mostly none */
static void
Blank(Buf *b)
{
	static const char *const blanks[] = {" ", "  ", "\t", "\n", " \r\n "};

	if (rng_one_in(6))
		buf_adds(b, blanks[rng_below(5)]);
}

static void
TextInstant(Buf *b, const Shape *s, int i)
{
	Blank(b);
	SpellDouble(b, s->values[i], s->spell[i]);
	Blank(b);
	buf_addc(b, '@');
	Blank(b);
	SpellTime(b, s->times[i], s->zone, s->tsstyle);
	Blank(b);
}

void
gen_text(Buf *out)
{
	static const char *const prefixes[] = {"Interp=Step;", "interp=step;",
										   "INTERP=STEP;", " Interp=Step; ",
										   "Interp=Step;\n"};
	Shape s;
	int i = 0;

	GenShape(&s);
	out->len = 0;
	if (s.step || (s.subtype <= 2 && rng_one_in(20)))
		buf_adds(out, prefixes[rng_below(5)]);
	if (s.subtype == 1)
		TextInstant(out, &s, 0);
	else if (s.subtype == 2)
	{
		buf_addc(out, '{');
		for (i = 0; i < s.ninst; i++)
		{
			if (i)
				buf_addc(out, ',');
			TextInstant(out, &s, i);
		}
		buf_addc(out, '}');
	}
	else
	{
		if (s.subtype == 4)
			buf_addc(out, '{');
		for (int q = 0; q < s.nseqs; q++)
		{
			if (q)
				buf_addc(out, ',');
			Blank(out);
			buf_addc(out, s.lower[q] ? '[' : '(');
			for (int k = 0; k < s.counts[q]; k++, i++)
			{
				if (k)
					buf_addc(out, ',');
				TextInstant(out, &s, i);
			}
			buf_addc(out, s.upper[q] ? ']' : ')');
			Blank(out);
		}
		if (s.subtype == 4)
			buf_addc(out, '}');
	}
	ShapeFree(&s);
}

/* ------------------------------------------------------------------ */
/* Binary */

static void
Put32(Buf *b, uint32_t v)
{
	unsigned char p[4] = {v >> 24, v >> 16, v >> 8, v};

	buf_add(b, p, 4);
}

static void
Put64(Buf *b, uint64_t v)
{
	Put32(b, (uint32_t) (v >> 32));
	Put32(b, (uint32_t) v);
}

void
gen_binary(Buf *out)
{
	Shape s;
	int flags = 0;

	GenShape(&s);
	out->len = 0;
	if (s.step)
		flags |= 1;
	if (s.subtype == 3)
		flags |= (s.lower[0] ? 2 : 0) | (s.upper[0] ? 4 : 0);
	buf_addc(out, s.subtype);
	buf_addc(out, flags);
	Put32(out, (uint32_t) s.ninst);
	if (s.subtype == 4)
	{
		Put32(out, (uint32_t) s.nseqs);
		for (int q = 0; q < s.nseqs; q++)
		{
			Put32(out, (uint32_t) s.counts[q]);
			buf_addc(out, (s.lower[q] ? 2 : 0) | (s.upper[q] ? 4 : 0));
		}
	}
	for (int i = 0; i < s.ninst; i++)
	{
		uint64_t bits;

		memcpy(&bits, &s.values[i], sizeof(bits));
		Put64(out, (uint64_t) s.times[i]);
		Put64(out, bits);
	}
	ShapeFree(&s);
}

/* ------------------------------------------------------------------ */
/* MF-JSON */

static void
JsonNumber(Buf *b, double v, int kind)
{
	if (isnan(v))
		buf_adds(b, "\"NaN\"");
	else if (isinf(v))
		buf_adds(b, v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
	else if (kind % 4 == 0)
		buf_printf(b, "%.17g", v);
	else if (kind % 4 == 1)
		buf_printf(b, "%.15g", v);
	else if (kind % 4 == 2)
		buf_printf(b, "%.6E", v);
	else
		buf_printf(b, "%g", v);
}

static void
JsonSeqBody(Buf *b, const Shape *s, int first, int n, int q, bool bounds)
{
	const char *sep = rng_one_in(3) ? ", " : ",";

	buf_adds(b, "\"values\":[");
	for (int i = first; i < first + n; i++)
	{
		if (i > first)
			buf_adds(b, sep);
		JsonNumber(b, s->values[i], s->spell[i]);
	}
	buf_adds(b, "]");
	buf_adds(b, sep);
	buf_adds(b, "\"datetimes\":[");
	for (int i = first; i < first + n; i++)
	{
		if (i > first)
			buf_adds(b, sep);
		buf_addc(b, '"');
		SpellTime(b, s->times[i], s->zone, rng_one_in(2) ? 1 : s->tsstyle);
		buf_addc(b, '"');
	}
	buf_adds(b, "]");
	if (bounds)
	{
		/* Bounds default to true: leave out true ones sometimes */
		if (!s->lower[q] || !rng_one_in(4))
			buf_printf(b, "%s\"lower_inc\":%s", sep,
					   s->lower[q] ? "true" : "false");
		if (!s->upper[q] || !rng_one_in(4))
			buf_printf(b, "%s\"upper_inc\":%s", sep,
					   s->upper[q] ? "true" : "false");
	}
}

void
gen_mfjson(Buf *out)
{
	static const char *const extras[] =
		{"\"crs\":{\"type\":\"Name\",\"properties\":{\"name\":\"EPSG:4326\"}}",
		 "\"trs\":{\"type\":\"Link\",\"properties\":{\"type\":\"OGCDEF\"}}",
		 "\"bbox\":[0,1]",
		 "\"period\":{\"begin\":\"2000-01-01T00:00:00+00\",\"end\":"
		 "\"2000-01-02T00:00:00+00\",\"lower_inc\":true,\"upper_inc\":true}",
		 "\"unknown\":[[{\"a\":null}],1e400]",
		 "\"name\":\"\\u00e9t\\u00e9\""};
	Shape s;
	const char *interp;

	GenShape(&s);
	out->len = 0;
	interp = s.subtype == 1 ? "None"
		: s.subtype == 2	? "Discrete"
		: s.step			? "Step"
							: "Linear";
	buf_adds(out, "{");
	Blank(out);
	buf_adds(out, "\"type\":\"MovingFloat\",");
	if (rng_one_in(3))
	{
		buf_adds(out, extras[rng_below(6)]);
		buf_adds(out, ",");
	}
	if (rng_one_in(4))
		buf_printf(out, "\"interpolation\":\"%s\",", interp);
	if (s.subtype == 4)
	{
		buf_adds(out, "\"sequences\":[");
		for (int q = 0, first = 0; q < s.nseqs; first += s.counts[q++])
		{
			if (q)
				buf_adds(out, ",");
			buf_adds(out, "{");
			JsonSeqBody(out, &s, first, s.counts[q], q, true);
			buf_adds(out, "}");
		}
		buf_adds(out, "]");
	}
	else
		JsonSeqBody(out, &s, 0, s.ninst, 0, s.subtype == 3);
	if (out->data[out->len - 1] != ',')
		buf_adds(out, ",");
	buf_printf(out, "\"interpolation\":\"%s\"", interp);
	Blank(out);
	buf_adds(out, "}");
	ShapeFree(&s);
}

/* ------------------------------------------------------------------ */
/* Hand-written seeds: the reference's examples and known corners */

static const char *const fixed_text[] =
	{"1.5@2001-01-01",
	 "{1@2001-01-01, 2@2001-01-02}",
	 "[1@2001-01-01, 2@2001-01-02)",
	 "(1@2001-01-01, 2@2001-01-02]",
	 "[1@2001-01-01]",
	 "{[1@2001-01-01, 2@2001-01-02), [3@2001-01-03]}",
	 "{[1@2001-01-01, 2@2001-01-02), [2@2001-01-02, 5@2001-01-05]}",
	 "Interp=Step;[1@2001-01-01, 2@2001-01-02, 2@2001-01-03)",
	 "Interp=Step;{[1@2001-01-01, 1@2001-01-02), [3@2001-01-03]}",
	 "Interp=Step;1@2001-01-01",
	 "Interp=Step;{1@2001-01-01, 2@2001-01-02}",
	 "Interp=Linear;[1@2001-01-01, 2@2001-01-02]",
	 "[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]",
	 "NaN@2001-01-01",
	 "Infinity@2001-01-01",
	 "-Infinity@2001-01-01",
	 "-0@2001-01-01",
	 "1e-9@2001-01-01",
	 "1e15@2001-01-01",
	 "1.7976931348623157e308@2001-01-01",
	 "4.9e-324@2001-01-01",
	 "1e309@2001-01-01",
	 "1.5@infinity",
	 "1.5@-infinity",
	 "1.5@epoch",
	 "1.5@294276-12-31 23:59:59.999999+00",
	 "1.5@4714-11-24 00:00:00+00 BC",
	 "1,5@2001-01-01",
	 "1.5@2001-01-01 10:00:00.9999995",
	 "1.5@2001-01-01 10:00:00 America/New_York",
	 "1.5@Jan 1 2001 10:00 PST",
	 "1.5@20010101T100000",
	 "1.5@J2451545",
	 "[1@2001-01-02, 2@2001-01-01]",
	 "[1@2001-01-01, 2@2001-01-01]",
	 "(1@2001-01-01)",
	 "Interp=Step;[1@2001-01-01, 2@2001-01-02)",
	 "{}",
	 "[]",
	 "{[]}",
	 "@",
	 "",
	 " ",
	 "{1@2001-01-01,,2@2001-01-02}",
	 "[1@2001-01-01, 2@2001-01-02] junk",
	 NULL};

static const char *const fixed_mfjson[] =
	{"{\"type\":\"MovingFloat\",\"values\":[1,2],\"datetimes\":[\"2000-01-"
	 "01T00:00:00+00\",\"2000-01-02T00:00:00+00\"],\"lower_inc\":true,"
	 "\"upper_inc\":true,\"interpolation\":\"Linear\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[1],\"datetimes\":[\"2000-01-"
	 "01T00:00:00+00\"],\"interpolation\":\"None\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[1,2],\"datetimes\":[\"2000-01-"
	 "01T00:00:00+00\",\"2000-01-02T00:00:00+00\"],\"interpolation\":"
	 "\"Discrete\"}",
	 "{\"type\":\"MovingFloat\",\"sequences\":[{\"values\":[1,2],"
	 "\"datetimes\":[\"2000-01-01T00:00:00+00\",\"2000-01-02T00:00:00+00\"],"
	 "\"lower_inc\":true,\"upper_inc\":false},{\"values\":[3],\"datetimes\":"
	 "[\"2000-01-03T00:00:00+00\"],\"lower_inc\":true,\"upper_inc\":true}],"
	 "\"interpolation\":\"Step\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[\"NaN\",\"Infinity\","
	 "\"-Infinity\"],\"datetimes\":[\"2000-01-01T00:00:00+00\",\"2000-01-"
	 "02T00:00:00+00\",\"2000-01-03T00:00:00+00\"],\"interpolation\":"
	 "\"Discrete\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[1e400],\"datetimes\":[\"2000-01-"
	 "01\"],\"interpolation\":\"None\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[1],\"datetimes\":[\"infinity\"],"
	 "\"interpolation\":\"None\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[1,2],\"datetimes\":[\"2000-01-"
	 "01\"],\"interpolation\":\"Linear\"}",
	 "{\"type\":\"MovingFloat\",\"values\":[true],\"datetimes\":[1],"
	 "\"interpolation\":\"None\"}",
	 "{\"type\":\"MovingPoint\",\"values\":[1],\"datetimes\":[\"2000-01-"
	 "01\"],\"interpolation\":\"None\"}",
	 "{\"type\":\"MovingFloat\",\"sequences\":[],\"interpolation\":"
	 "\"Linear\"}",
	 "{\"type\":\"MovingFloat\",\"sequences\":{},\"interpolation\":"
	 "\"Linear\"}",
	 "[]",
	 "null",
	 "{}",
	 "\"MovingFloat\"",
	 "{\"type\":\"MovingFloat\",\"type\":\"MovingFloat\",\"values\":[1],"
	 "\"values\":[2],\"datetimes\":[\"2000-01-01T00:00:00+00\"],"
	 "\"interpolation\":\"None\"}",
	 NULL};

const char *const *
gen_fixed_text(void)
{
	return fixed_text;
}

const char *const *
gen_fixed_mfjson(void)
{
	return fixed_mfjson;
}
