/*
 * fuzz_mutate.c
 *	  Mutations of the tfloat fuzzer: generic byte mutations for every
 *	  kind, and mutations that know the grammar of each (fuzz.h).
 *
 * Design notes
 *
 * One call stacks one to four mutations.  Generic ones: flip bits, set
 * bytes to interesting values, insert, delete, duplicate or move a
 * range, splice with another corpus entry, truncate, repeat a range many
 * times (inputs up to FUZZ_MAX_INPUT), random bytes, invalid UTF-8.
 * Grammar-aware ones find a token (a number, a timestamp, a bracket, a
 * JSON string or keyword; a field of the binary header, an instant's
 * timestamp or value) and replace it with one from a dictionary of
 * extremes: the values where parsers and range checks break.  Text
 * inputs are made NUL-free at the end, as the protocol needs.
 */
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "fuzz.h"

/* ------------------------------------------------------------------ */
/* Dictionaries */

static const char *const numbers[] =
	{"0",
	 "-0",
	 "1",
	 "-1",
	 "NaN",
	 "nan",
	 "Infinity",
	 "-Infinity",
	 "inf",
	 "+inf",
	 "infinity",
	 "1e308",
	 "1.7976931348623157e308",
	 "1.7976931348623159e308",
	 "1e309",
	 "-1e309",
	 "4.9e-324",
	 "2e-324",
	 "1e-400",
	 "2.2250738585072011e-308",
	 "9007199254740993",
	 "1e22",
	 "1e23",
	 "0.1",
	 ".5",
	 "5.",
	 ".",
	 "-.",
	 "+",
	 "-",
	 "e",
	 "1e",
	 "1e+",
	 "1e-",
	 "1e99999999999",
	 "1e-99999999999",
	 "0x10",
	 "1_000",
	 "١",
	 "１",
	 "00000000000000000000000000000000000000000001",
	 "1.00000000000000000000000000000000000000000000000000001",
	 "123456789012345678901234567890",
	 "0.000000000000000000000000001",
	 "NaNa",
	 "Infinityy",
	 "--1",
	 "+-1",
	 "1.5.5",
	 "1e5e5",
	 " 1",
	 "1 ",
	 "\t1"};

static const char *const times[] = {"2001-01-01",
									"2001-01-01 00:00:00+00",
									"infinity",
									"-infinity",
									"epoch",
									"allballs",
									"294276-12-31 23:59:59.999999+00",
									"294277-01-01 00:00:00+00",
									"4714-11-24 00:00:00+00 BC",
									"4714-11-23 23:59:59+00 BC",
									"0001-01-01 BC",
									"0000-01-01",
									"2001-02-29",
									"2001-13-01",
									"2001-01-32",
									"2001-01-01 24:00:00",
									"2001-01-01 23:59:60",
									"2001-01-01 10:00:00.9999995",
									"2001-01-01 10:00:00.123456789",
									"2001-01-01T10:00:00Z",
									"2001-01-01 10:00:00+14:59",
									"2001-01-01 10:00:00-15:59:59",
									"2001-01-01 10:00:00+99",
									"2001-01-01 10:00 America/St_Johns",
									"2001-01-01 10:00 Mars/Olympus",
									"2001-01-01 10:00 PST8PDT",
									"2001-01-01 10:00 UTC+5",
									"Jan 1 2001",
									"1/2/2001",
									"2001.001",
									"J2451545",
									"J0",
									"J-1",
									"20010101T100000",
									"99999999999999999999",
									"2001-01-01 10:00:00 BC BC",
									"yesterday",
									"",
									" ",
									"@",
									"2001",
									"2001-01-01 10:00:00+00:00:00",
									"12:00",
									"2001-01-01 1:2:3.4"};

static const char *const json_strings[] = {"\"NaN\"",
										   "\"Infinity\"",
										   "\"-Infinity\"",
										   "\"nan\"",
										   "\"inf\"",
										   "\"\"",
										   "\"1\"",
										   "\"2000-01-01T00:00:00+00\"",
										   "\"2000-01-01\"",
										   "\"infinity\"",
										   "\"294277-01-01T00:00:00+00\"",
										   "\"4714-11-24T00:00:00+00 BC\"",
										   "\"2000-01-01T00:00:00.9999995Z\"",
										   "\"\\u0000\"",
										   "\"\\ud800\"",
										   "\"\\uD83D\\uDE00\"",
										   "\"a\\\"b\"",
										   "\"MovingFloat\"",
										   "\"MovingInt\"",
										   "\"movingfloat\"",
										   "\"None\"",
										   "\"Discrete\"",
										   "\"Linear\"",
										   "\"Step\"",
										   "\"linear\"",
										   "\"step\"",
										   "\"Stepwise\"",
										   "\"values\"",
										   "\"sequences\""};

static const char *const json_values[] = {"null",
										  "true",
										  "false",
										  "0",
										  "-0",
										  "1e400",
										  "-1e400",
										  "1e-400",
										  "123456789012345678901234567890",
										  "1.7976931348623157e308",
										  "[]",
										  "{}",
										  "[[]]",
										  "[null]",
										  "{\"a\":1}",
										  "\"\"",
										  "1.0e+2",
										  "0.1",
										  "-",
										  "01",
										  "1.",
										  ".5",
										  "NaN",
										  "Infinity",
										  "tru",
										  "nul"};

static const char *const json_keys[] =
	{"\"type\"",	  "\"values\"",	   "\"datetimes\"",		"\"lower_inc\"",
	 "\"upper_inc\"", "\"sequences\"", "\"interpolation\"", "\"bbox\"",
	 "\"period\"",	  "\"crs\"",	   "\"value\"",			"\"Type\"",
	 "\"\"",		  "\"values \""};

static const char *const invalid_utf8[] =
	{"\xff",		 "\xc0\x80",		 "\x80",
	 "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82",
	 "\xc2\xa0",	 "\xef\xbb\xbf",	 "\xe2\x80\xa8"};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------ */
/* Generic byte mutations */

static void
RandomBytes(Buf *b, size_t off, size_t n)
{
	unsigned char tmp[256];

	while (n > 0)
	{
		size_t k = n > sizeof(tmp) ? sizeof(tmp) : n;

		for (size_t i = 0; i < k; i++)
			tmp[i] = (unsigned char) rng_next();
		buf_splice(b, off, 0, tmp, k);
		off += k;
		n -= k;
	}
}

static void
MutateBytes(Buf *b, const Buf *other)
{
	size_t pos = b->len ? rng_below(b->len) : 0;
	size_t n;

	switch (rng_below(13))
	{
		case 0:
			if (b->len)
				b->data[pos] ^= (unsigned char) (1u << rng_below(8));
			break;
		case 1:
			if (b->len)
			{
				static const unsigned char interesting[] =
					{0,	  1,   0x7f, 0x80, 0xff, '@', ',', '[', ']', '(', ')',
					 '{', '}', '"',	 '\\', ':',	 ';', '-', '+', '.', 'e', ' '};

				b->data[pos] = interesting[rng_below(sizeof(interesting))];
			}
			break;
		case 2:
			RandomBytes(b, pos, rng_len(32));
			break;
		case 3:
			/* Delete a range */
			buf_splice(b, pos, rng_len(b->len - pos), NULL, 0);
			break;
		case 4:
			/* Duplicate a range in place */
			n = rng_len(b->len - pos);
			if (n)
			{
				Buf tmp;

				buf_init(&tmp);
				buf_add(&tmp, b->data + pos, n);
				buf_splice(b, rng_below(b->len + 1), 0, tmp.data, tmp.len);
				buf_free(&tmp);
			}
			break;
		case 5:
			/* Splice: a prefix of b and a suffix of other, or a piece */
			if (other && other->len)
			{
				size_t op = rng_below(other->len);

				if (rng_one_in(2))
				{
					b->len = pos;
					buf_add(b, other->data + op, other->len - op);
				}
				else
					buf_splice(b, pos, rng_len(b->len - pos), other->data + op,
							   rng_len(other->len - op));
			}
			break;
		case 6:
			/* Truncate */
			b->len = pos;
			buf_reserve(b, 0);
			b->data[b->len] = '\0';
			break;
		case 7:
			/* Repeat a short range many times */
			n = rng_len(b->len - pos < 64 ? b->len - pos : 64);
			if (n)
			{
				size_t times = 1 + rng_below(rng_one_in(8) ? 20000 : 200);
				Buf tmp;

				buf_init(&tmp);
				while (times-- > 0 && tmp.len + n < FUZZ_MAX_INPUT / 2)
					buf_add(&tmp, b->data + pos, n);
				buf_splice(b, pos, 0, tmp.data, tmp.len);
				buf_free(&tmp);
			}
			break;
		case 8:
		{
			const char *s = invalid_utf8[rng_below(NELEM(invalid_utf8))];

			buf_splice(b, pos, rng_below(2), s, strlen(s));
		}
		break;
		case 9:
			/* Swap two bytes */
			if (b->len > 1)
			{
				size_t q = rng_below(b->len);
				unsigned char c = b->data[pos];

				b->data[pos] = b->data[q];
				b->data[q] = c;
			}
			break;
		case 10:
			/* Increment or decrement a byte (a digit, a count) */
			if (b->len)
				b->data[pos] += rng_one_in(2) ? 1 : 0xff;
			break;
		case 11:
			/* Move a range elsewhere */
			n = rng_len(b->len - pos);
			if (n)
			{
				Buf tmp;

				buf_init(&tmp);
				buf_add(&tmp, b->data + pos, n);
				buf_splice(b, pos, n, NULL, 0);
				buf_splice(b, rng_below(b->len + 1), 0, tmp.data, tmp.len);
				buf_free(&tmp);
			}
			break;
		default:
			/* Whole random input, now and then */
			if (rng_one_in(8))
			{
				b->len = 0;
				RandomBytes(b, 0, rng_len(256));
			}
			else if (b->len)
				b->data[pos] = (unsigned char) rng_next();
			break;
	}
}

/* ------------------------------------------------------------------ */
/* Text */

static bool
IsNumChar(int c)
{
	return (c >= '0' && c <= '9') || c == '.' || c == 'e' || c == 'E' ||
		c == '+' || c == '-';
}

/* A random run of number characters: [*start, *end) */
static bool
FindNumber(const Buf *b, size_t *start, size_t *end)
{
	size_t pos;

	if (b->len == 0)
		return false;
	pos = rng_below(b->len);
	for (size_t k = 0; k < b->len; k++)
	{
		size_t i = (pos + k) % b->len;

		if (b->data[i] >= '0' && b->data[i] <= '9')
		{
			size_t s = i, e = i;

			while (s > 0 && IsNumChar(b->data[s - 1]))
				s--;
			while (e < b->len && IsNumChar(b->data[e]))
				e++;
			*start = s;
			*end = e;
			return true;
		}
	}
	return false;
}

/* The span of a timestamp: after a random '@' up to ',', ']', ')', '}' */
static bool
FindTime(const Buf *b, size_t *start, size_t *end)
{
	size_t pos, s, e;

	if (b->len == 0)
		return false;
	pos = rng_below(b->len);
	for (size_t k = 0; k < b->len; k++)
	{
		size_t i = (pos + k) % b->len;

		if (b->data[i] != '@')
			continue;
		s = i + 1;
		e = s;
		while (e < b->len && !strchr(",])}", b->data[e]))
			e++;
		*start = s;
		*end = e;
		return true;
	}
	return false;
}

/* Find a random instant "v@t" with its separator: [*start, *end) */
static bool
FindInstant(const Buf *b, size_t *start, size_t *end)
{
	size_t ts, te, s;

	if (!FindTime(b, &ts, &te))
		return false;
	s = ts - 1;
	while (s > 0 && !strchr(",[({;", b->data[s - 1]))
		s--;
	*start = s;
	*end = te;
	return true;
}

static void
MutateText(Buf *b)
{
	size_t s, e;

	switch (rng_below(9))
	{
		case 0:
		case 1:
			if (FindNumber(b, &s, &e))
			{
				const char *n = numbers[rng_below(NELEM(numbers))];

				buf_splice(b, s, e - s, n, strlen(n));
			}
			break;
		case 2:
		case 3:
			if (FindTime(b, &s, &e))
			{
				const char *t = times[rng_below(NELEM(times))];

				buf_splice(b, s, e - s, t, strlen(t));
			}
			break;
		case 4:
			/* Duplicate or drop an instant */
			if (FindInstant(b, &s, &e))
			{
				if (rng_one_in(2))
				{
					Buf tmp;

					buf_init(&tmp);
					buf_adds(&tmp, ", ");
					buf_add(&tmp, b->data + s, e - s);
					buf_splice(b, e, 0, tmp.data, tmp.len);
					buf_free(&tmp);
				}
				else
					buf_splice(b, s, e - s + (e < b->len), NULL, 0);
			}
			break;
		case 5:
		{
			/* Change a bracket */
			static const char brackets[] = "[](){}";
			size_t pos = b->len ? rng_below(b->len) : 0;

			for (size_t k = 0; k < b->len; k++)
			{
				size_t i = (pos + k) % b->len;

				if (strchr(brackets, b->data[i]) && b->data[i])
				{
					b->data[i] = (unsigned char) brackets[rng_below(6)];
					break;
				}
			}
		}
		break;
		case 6:
		{
			static const char *const prefixes[] = {"Interp=Step;",
												   "Interp=Linear;",
												   "Interp=Discrete;",
												   "Interp=Step",
												   "Interp=;",
												   "Interp=Step;Interp=Step;",
												   "interp = step ;"};
			const char *p = prefixes[rng_below(NELEM(prefixes))];

			if (b->len > 12 && memcmp(b->data, "Interp=Step;", 12) == 0)
				buf_splice(b, 0, 12, NULL, 0);
			else
				buf_splice(b, 0, 0, p, strlen(p));
		}
		break;
		case 7:
		{
			/* Wrap in a set, or nest brackets deeply */
			size_t depth = rng_one_in(4) ? 1 + rng_below(10000) : 1;
			Buf tmp;

			buf_init(&tmp);
			for (size_t i = 0; i < depth; i++)
				buf_addc(&tmp, rng_one_in(2) ? '{' : '[');
			buf_splice(b, 0, 0, tmp.data, tmp.len);
			tmp.len = 0;
			for (size_t i = 0; i < depth; i++)
				buf_addc(&tmp, rng_one_in(2) ? '}' : ']');
			buf_add(b, tmp.data, tmp.len);
			buf_free(&tmp);
		}
		break;
		default:
		{
			/* A separator in a random place */
			static const char *const seps[] = {",",	 "@",  ";",	 " ", ", ",
											   "@@", "\\", "\"", "'"};
			const char *p = seps[rng_below(NELEM(seps))];

			buf_splice(b, b->len ? rng_below(b->len + 1) : 0, 0, p, strlen(p));
		}
		break;
	}
}

/* ------------------------------------------------------------------ */
/* MF-JSON */

/* A random JSON string token "...": [*start, *end) */
static bool
FindJsonString(const Buf *b, size_t *start, size_t *end)
{
	size_t pos;

	if (b->len == 0)
		return false;
	pos = rng_below(b->len);
	for (size_t k = 0; k < b->len; k++)
	{
		size_t i = (pos + k) % b->len, j;

		if (b->data[i] != '"')
			continue;
		/* Assume this quote opens a string; find its end */
		for (j = i + 1; j < b->len && b->data[j] != '"'; j++)
			if (b->data[j] == '\\')
				j++;
		if (j >= b->len)
			return false;
		*start = i;
		*end = j + 1;
		return true;
	}
	return false;
}

/* A random scalar after ':' or '[' or ',': number, keyword, string */
static bool
FindJsonValue(const Buf *b, size_t *start, size_t *end)
{
	size_t pos;

	if (b->len == 0)
		return false;
	pos = rng_below(b->len);
	for (size_t k = 0; k < b->len; k++)
	{
		size_t i = (pos + k) % b->len, s, e;

		if (!strchr(":[,", b->data[i]) || !b->data[i])
			continue;
		s = i + 1;
		while (s < b->len && b->data[s] == ' ')
			s++;
		if (s >= b->len || strchr("[{", b->data[s]))
			continue;
		e = s;
		if (b->data[s] == '"')
		{
			for (e = s + 1; e < b->len && b->data[e] != '"'; e++)
				if (b->data[e] == '\\')
					e++;
			e = e < b->len ? e + 1 : e;
		}
		else
			while (e < b->len && !strchr(",]} \n", b->data[e]))
				e++;
		*start = s;
		*end = e;
		return true;
	}
	return false;
}

static void
MutateJson(Buf *b)
{
	size_t s, e;

	switch (rng_below(8))
	{
		case 0:
		case 1:
			if (FindJsonValue(b, &s, &e))
			{
				const char *v;

				if (rng_one_in(2))
					v = json_values[rng_below(NELEM(json_values))];
				else if (rng_one_in(2))
					v = json_strings[rng_below(NELEM(json_strings))];
				else
					v = numbers[rng_below(NELEM(numbers))];
				buf_splice(b, s, e - s, v, strlen(v));
			}
			break;
		case 2:
			if (FindJsonString(b, &s, &e))
			{
				const char *v = rng_one_in(2)
					? json_keys[rng_below(NELEM(json_keys))]
					: json_strings[rng_below(NELEM(json_strings))];

				buf_splice(b, s, e - s, v, strlen(v));
			}
			break;
		case 3:
			if (FindJsonString(b, &s, &e) && e - s > 2)
			{
				/* A timestamp inside a string */
				const char *t = times[rng_below(NELEM(times))];

				buf_splice(b, s + 1, e - s - 2, t, strlen(t));
			}
			break;
		case 4:
			/* Drop or duplicate an array element or member */
			if (FindJsonValue(b, &s, &e))
			{
				if (rng_one_in(2) && s > 0 && b->data[s - 1] == ',')
					buf_splice(b, s - 1, e - s + 1, NULL, 0);
				else
				{
					Buf tmp;

					buf_init(&tmp);
					buf_addc(&tmp, ',');
					buf_add(&tmp, b->data + s, e - s);
					buf_splice(b, e, 0, tmp.data, tmp.len);
					buf_free(&tmp);
				}
			}
			break;
		case 5:
		{
			/* Deep nesting around a value, or as an extra member */
			size_t depth = 1 + rng_below(rng_one_in(4) ? 100000 : 50);
			Buf tmp;

			buf_init(&tmp);
			if (b->len > 1 && b->data[0] == '{' && rng_one_in(2))
			{
				buf_adds(&tmp, "\"deep\":");
				for (size_t i = 0; i < depth; i++)
					buf_addc(&tmp, '[');
				for (size_t i = 0; i < depth; i++)
					buf_addc(&tmp, ']');
				buf_addc(&tmp, ',');
				buf_splice(b, 1, 0, tmp.data, tmp.len);
			}
			else
			{
				for (size_t i = 0; i < depth; i++)
					buf_addc(&tmp, '[');
				buf_splice(b, 0, 0, tmp.data, tmp.len);
				tmp.len = 0;
				for (size_t i = 0; i < depth; i++)
					buf_addc(&tmp, ']');
				buf_add(b, tmp.data, tmp.len);
			}
			buf_free(&tmp);
		}
		break;
		case 6:
		{
			/* true <-> false, and members in another order */
			char *p = strstr((char *) b->data,
							 rng_one_in(2) ? "true" : "false");

			if (b->len && p)
			{
				size_t at = (size_t) (p - (char *) b->data);

				if (*p == 't')
					buf_splice(b, at, 4, "false", 5);
				else
					buf_splice(b, at, 5, "true", 4);
			}
		}
		break;
		default:
		{
			/* An extra member right after the opening brace */
			static const char *const members[] = {"\"lower_inc\":false,",
												  "\"upper_inc\":false,",
												  "\"interpolation\":\"Step\",",
												  "\"type\":\"MovingFloat\",",
												  "\"values\":[],",
												  "\"datetimes\":[],",
												  "\"sequences\":[{}],",
												  "\"values\":[1,2,3],",
												  "\"bbox\":\"x\",",
												  "\"x\":\"\\u0000\","};
			const char *m = members[rng_below(NELEM(members))];

			if (b->len && b->data[0] == '{')
				buf_splice(b, 1, 0, m, strlen(m));
		}
		break;
	}
}

/* ------------------------------------------------------------------ */
/* Binary */

static uint32_t
Get32(const unsigned char *p)
{
	return ((uint32_t) p[0] << 24) | ((uint32_t) p[1] << 16) |
		((uint32_t) p[2] << 8) | p[3];
}

static void
Set32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char) (v >> 24);
	p[1] = (unsigned char) (v >> 16);
	p[2] = (unsigned char) (v >> 8);
	p[3] = (unsigned char) v;
}

static void
Set64(unsigned char *p, uint64_t v)
{
	Set32(p, (uint32_t) (v >> 32));
	Set32(p + 4, (uint32_t) v);
}

static uint32_t
InterestingCount(uint32_t n)
{
	static const uint32_t c[] = {0,			 1,			 2,
								 0x7fffffff, 0x80000000, 0xffffffff,
								 0x0fffffff, 0x10000000, 65536,
								 0x7ffffff0};

	switch (rng_below(3))
	{
		case 0:
			return c[rng_below(NELEM(c))];
		case 1:
			return n + 1;
		default:
			return n - 1;
	}
}

static uint64_t
InterestingTime(void)
{
	static const uint64_t t[] =
		{0x8000000000000000ULL, /* -infinity */
		 0x7fffffffffffffffULL, /* infinity */
		 0x8000000000000001ULL,
		 0x7ffffffffffffffeULL,
		 (uint64_t) INT64_C(-211813488000000000), /* first valid */
		 (uint64_t) INT64_C(-211813488000000001),
		 (uint64_t) INT64_C(9223371331200000000), /* one past the last */
		 (uint64_t) INT64_C(9223371331199999999),
		 0,
		 1,
		 (uint64_t) -1};

	return t[rng_below(NELEM(t))];
}

static uint64_t
InterestingDouble(void)
{
	static const double d[] = {0.0,		 -0.0,
							   INFINITY, -INFINITY,
							   DBL_MAX,	 -DBL_MAX,
							   DBL_MIN,	 4.9406564584124654e-324,
							   1e-7,	 1e15,
							   1.0};
	uint64_t bits;

	if (rng_one_in(4))
	{
		/* NaNs with payloads and signs */
		bits = 0x7ff0000000000000ULL | (rng_next() & 0x000fffffffffffffULL);
		if (bits == 0x7ff0000000000000ULL)
			bits |= 1;
		if (rng_one_in(2))
			bits |= 0x8000000000000000ULL;
		return bits;
	}
	memcpy(&bits, &d[rng_below(NELEM(d))], sizeof(bits));
	return bits;
}

/* Offset of the instants: after the header and the sequence entries */
static size_t
InstantsOffset(const Buf *b)
{
	size_t off = 6;

	if (b->len >= 10 && b->data[0] == 4)
	{
		uint32_t n = Get32(b->data + 6);

		off = 10 + (size_t) (n < 100000 ? n : 0) * 5;
	}
	return off;
}

static void
MutateBinary(Buf *b)
{
	size_t off = InstantsOffset(b);
	size_t ninst = b->len > off ? (b->len - off) / 16 : 0;

	switch (rng_below(10))
	{
		case 0:
			if (b->len >= 1)
				b->data[0] = (unsigned char) (rng_one_in(2) ? rng_below(6)
															: rng_next());
			break;
		case 1:
			if (b->len >= 2)
				b->data[1] ^= (unsigned char) (1u << rng_below(
												   rng_one_in(4) ? 8 : 3));
			break;
		case 2:
			if (b->len >= 6)
				Set32(b->data + 2, InterestingCount(Get32(b->data + 2)));
			break;
		case 3:
			/* nseqs, or one sequence's count or flags */
			if (b->len >= 10 && b->data[0] == 4)
			{
				uint32_t nseqs = Get32(b->data + 6);

				if (rng_one_in(3) || nseqs == 0 || nseqs > 100000)
					Set32(b->data + 6, InterestingCount(nseqs));
				else
				{
					size_t e = 10 + rng_below(nseqs) * 5;

					if (e + 5 <= b->len)
					{
						if (rng_one_in(3))
							b->data[e + 4] ^= (unsigned char) (1u << rng_below(
																   8));
						else
							Set32(b->data + e,
								  InterestingCount(Get32(b->data + e)));
					}
				}
			}
			break;
		case 4:
			if (ninst)
				Set64(b->data + off + rng_below(ninst) * 16,
					  InterestingTime());
			break;
		case 5:
			if (ninst)
				Set64(b->data + off + rng_below(ninst) * 16 + 8,
					  InterestingDouble());
			break;
		case 6:
			/* Swap two instants' timestamps (order), or copy one over */
			if (ninst > 1)
			{
				unsigned char tmp[8];
				unsigned char *p = b->data + off + rng_below(ninst) * 16;
				unsigned char *q = b->data + off + rng_below(ninst) * 16;

				memcpy(tmp, p, 8);
				memcpy(p, q, 8);
				if (rng_one_in(2))
					memcpy(q, tmp, 8);
			}
			break;
		case 7:
			/* Duplicate or drop an instant, fixing the count or not */
			if (ninst)
			{
				size_t at = off + rng_below(ninst) * 16;

				if (rng_one_in(2))
				{
					unsigned char tmp[16];

					memcpy(tmp, b->data + at, 16);
					buf_splice(b, at, 0, tmp, 16);
					if (rng_one_in(2) && b->len >= 6)
						Set32(b->data + 2, Get32(b->data + 2) + 1);
				}
				else
				{
					buf_splice(b, at, 16, NULL, 0);
					if (rng_one_in(2) && b->len >= 6)
						Set32(b->data + 2, Get32(b->data + 2) - 1);
				}
			}
			break;
		case 8:
			/* A small change to one timestamp (ties, microsecond order) */
			if (ninst)
			{
				unsigned char *p = b->data + off + rng_below(ninst) * 16;
				uint64_t t = ((uint64_t) Get32(p) << 32) | Get32(p + 4);

				Set64(p, t + (uint64_t) (int64_t) ((int) rng_below(5) - 2));
			}
			break;
		default:
			/* Truncate or extend by a few bytes */
			if (rng_one_in(2) && b->len)
				b->len -= rng_len(b->len);
			else
				RandomBytes(b, b->len, rng_len(32));
			break;
	}
}

/* ------------------------------------------------------------------ */

void
mutate(FuzzKind kind, Buf *b, const Buf *other)
{
	int n = 1 + (int) rng_below(rng_one_in(4) ? 4 : 2);

	for (int i = 0; i < n; i++)
	{
		if (rng_one_in(3))
			MutateBytes(b, other);
		else if (kind == FK_TEXT)
			MutateText(b);
		else if (kind == FK_MFJSON)
			MutateJson(b);
		else
			MutateBinary(b);
		if (b->len > FUZZ_MAX_INPUT)
			b->len = FUZZ_MAX_INPUT;
	}
	if (kind != FK_BINARY)
	{
		/* Text parameters are C strings: turn NULs into something else */
		for (size_t i = 0; i < b->len; i++)
			if (b->data[i] == '\0')
				b->data[i] = (unsigned char) (1 + rng_below(255));
	}
	buf_reserve(b, 0);
	b->data[b->len] = '\0';
}
