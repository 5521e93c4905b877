/*-------------------------------------------------------------------------
 *
 * tfloat_print.c
 *	  Printing the numbers and timestamps of a tfloat.
 *
 * Design notes
 *
 * MobilityDB prints a float as the shortest decimal that reads back as the
 * same double, limited to 15 digits after the point (rounded half-even on
 * the decimal digits), in exponent form when |d| <= 1e-8 or |d| >= 1e15.
 * We get the shortest digits from PostgreSQL's Ryu-based
 * double_to_shortest_decimal_buf (the code behind float8out), take them
 * apart into a digit string and a decimal point position, and lay them out
 * again by those rules.  No allocation: callers pass a buffer of
 * TF_DOUBLE_BUFLEN bytes, which matters when printing millions of values.
 *
 * Timestamps print exactly as timestamptz_out would in the given DateStyle,
 * but into the caller's buffer rather than a fresh palloc.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <math.h>

#include "common/shortest_dec.h"
#include "miscadmin.h"
#include "tfloat/tfloat.h"
#include "tfloat/timestamp_fast.h"
#include "utils/datetime.h"

/*
 * RoundDigits: keep the first `keep` digits of the significand 0.D * 10^p,
 * rounding half-even on the dropped decimal digits.  Updates *nd and *p;
 * the result may be zero digits long (the value rounded to zero).
 */
static void
RoundDigits(char *digits, int *nd, int *p, int keep, bool truncate)
{
	bool up;

	if (*nd <= keep)
		return;
	if (keep < 0)
	{
		*nd = 0;
		return;
	}
	if (truncate)
		up = false;
	else if (digits[keep] > '5')
		up = true;
	else if (digits[keep] < '5')
		up = false;
	else
	{
		/* Exactly half only if nothing non-zero follows */
		up = false;
		for (int i = keep + 1; i < *nd; i++)
			if (digits[i] != '0')
				up = true;
		if (!up)
			up = keep > 0 && ((digits[keep - 1] - '0') % 2) == 1;
	}
	*nd = keep;
	if (up)
	{
		int i = keep - 1;

		while (i >= 0 && digits[i] == '9')
			digits[i--] = '0';
		if (i >= 0)
			digits[i]++;
		else
		{
			/* 9.99 -> 10.0: one digit, one place further left */
			digits[0] = '1';
			*nd = 1;
			(*p)++;
		}
	}
	while (*nd > 0 && digits[*nd - 1] == '0')
		(*nd)--;
}

/*
 * FormatDouble: tf_format_double's layout of d; *rounded tells whether
 * digits were dropped (the text then reads back as another double).
 */
static int
FormatDouble(double d, int maxdd, char *buf, bool *rounded)
{
	char sd[DOUBLE_SHORTEST_DECIMAL_LEN];
	char digits[DOUBLE_SHORTEST_DECIMAL_LEN];
	int nd = 0;
	int nint = 0;
	int p;
	int exp10 = 0;
	bool neg;
	bool seen_point = false;
	bool expform;
	char *s;
	char *o = buf;

	*rounded = false;
	if (isnan(d))
		return sprintf(buf, "NaN");
	if (isinf(d))
		return sprintf(buf, d < 0 ? "-Infinity" : "Infinity");
	if (d == 0)
		return sprintf(buf, "0");

	double_to_shortest_decimal_buf(d, sd);
	neg = sd[0] == '-';
	for (s = sd + (neg ? 1 : 0); *s && *s != 'e'; s++)
	{
		if (*s == '.')
			seen_point = true;
		else
		{
			digits[nd++] = *s;
			if (!seen_point)
				nint++;
		}
	}
	if (*s == 'e')
		exp10 = atoi(s + 1);
	p = nint + exp10;

	/* Strip leading zeros ("0.0012") and trailing zeros ("1200") */
	{
		int lead = 0;

		while (lead < nd - 1 && digits[lead] == '0')
			lead++;
		memmove(digits, digits + lead, nd - lead);
		nd -= lead;
		p -= lead;
		while (nd > 1 && digits[nd - 1] == '0')
			nd--;
	}

	/*
	 * Rounding up the largest doubles can print a number that no longer
	 * reads back (1.797693134862316e+308 overflows); only then round toward
	 * zero instead.
	 */
	expform = fabs(d) <= 1e-8 || fabs(d) >= 1e15;
	{
		char saved[DOUBLE_SHORTEST_DECIMAL_LEN];
		int savednd = nd;
		int savedp = p;

		memcpy(saved, digits, nd);
		*rounded = nd > (expform ? 1 + maxdd : p + maxdd);
		RoundDigits(digits, &nd, &p, expform ? 1 + maxdd : p + maxdd, false);
		if (p > 309 ||
			(p == 309 && memcmp(digits, "17976931348623157", Min(nd, 17)) > 0))
		{
			memcpy(digits, saved, savednd);
			nd = savednd;
			p = savedp;
			RoundDigits(digits, &nd, &p, expform ? 1 + maxdd : p + maxdd,
						true);
		}
	}
	if (nd == 0)
		return sprintf(buf, "0");

	if (neg)
		*o++ = '-';
	if (expform)
	{
		int e = p - 1;

		*o++ = digits[0];
		if (nd > 1)
		{
			*o++ = '.';
			memcpy(o, digits + 1, nd - 1);
			o += nd - 1;
		}
		o += sprintf(o, "e%c%d", e < 0 ? '-' : '+', e < 0 ? -e : e);
		return o - buf;
	}
	if (p <= 0)
	{
		*o++ = '0';
		*o++ = '.';
		for (int i = 0; i < -p; i++)
			*o++ = '0';
		memcpy(o, digits, nd);
		o += nd;
	}
	else
	{
		for (int i = 0; i < p; i++)
			*o++ = i < nd ? digits[i] : '0';
		if (nd > p)
		{
			*o++ = '.';
			memcpy(o, digits + p, nd - p);
			o += nd - p;
		}
	}
	*o = '\0';
	return o - buf;
}

/*
 * tf_format_double: print d into buf (TF_DOUBLE_BUFLEN bytes) with at most
 * maxdd digits after the decimal point; returns the length.  Non-finite
 * values print as PostgreSQL's float8 input reads them.
 *
 * The printed value is a fixpoint: reading it back and printing again
 * gives the same text.  Rounding to maxdd decimals alone does not ensure
 * it: 1.00000000000000001e-8 rounds to "0.00000001", which reads back as
 * 1e-8 and prints in exponent form; 100000000000000008388608 rounds to
 * "1e+23", which reads back as the double below, printed
 * "9.999999999999999e+22".  So when rounding dropped digits and the text
 * reads back as another double, that double's text is printed instead; it
 * has no digits to drop, so it reads back as itself.
 */
int
tf_format_double(double d, int maxdd, char *buf)
{
	bool rounded;
	int len = FormatDouble(d, maxdd, buf, &rounded);

	if (rounded)
	{
		double r = strtod(buf, NULL);

		if (r != d)
			len = FormatDouble(r, maxdd, buf, &rounded);
	}
	return len;
}

/*
 * tf_format_timestamp: t as timestamptz_out prints it in the given
 * DateStyle (USE_ISO_DATES, ...) and the session TimeZone, into buf of
 * MAXDATELEN + 1 bytes.  Returns the length.
 */
int
tf_format_timestamp(TimestampTz t, int style, char *buf)
{
	struct pg_tm tm;
	fsec_t fsec;
	int tz;
	const char *tzn;
	int len;

	if (style == USE_ISO_DATES && tf_fast_timestamp_out(t, buf, &len))
		return len;
	if (timestamp2tm(t, &tz, &tm, &fsec, &tzn, NULL) != 0)
		ereport(ERROR,
				(errcode(ERRCODE_DATETIME_VALUE_OUT_OF_RANGE),
				 errmsg("timestamp out of range")));
	EncodeDateTime(&tm, fsec, true, tz, tzn, style, buf);
	return strlen(buf);
}
