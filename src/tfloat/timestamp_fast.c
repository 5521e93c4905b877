/*-------------------------------------------------------------------------
 *
 * timestamp_fast.c
 *	  Fast paths for printing and reading ISO timestamps in bulk.
 *
 * Design notes
 *
 * A tfloat of a million instants prints and reads a million timestamps.
 * timestamptz_out and timestamptz_in convert each one through the time
 * zone library and a general date parser, which costs several times what
 * the number beside it costs.  Here the common case is done directly:
 *
 *	- The session time zone's UTC offset is cached for a span of time over
 *	  which it is known not to change (found with pg_next_dst_boundary, the
 *	  same routine PostgreSQL's own DetermineTimeZoneOffset relies on), so
 *	  consecutive instants rarely consult the time zone library.
 *	- The "YYYY-MM-DD" text of the last day printed is cached.
 *
 * Only ISO style, years 1 to 9999 and plain "YYYY-MM-DD[ T]HH:MM[:SS[.f]]"
 * input with an optional numeric zone take the fast path; everything else
 * returns false and the caller uses PostgreSQL's general code, so the
 * results are identical to timestamptz_out/timestamptz_in by construction
 * (and checked against them by the regression tests).
 *
 * A local time without a zone is converted with the cached offset only when
 * the resulting UTC time lies at least a day inside the cached span: then
 * no other offset of the zone can also map that local time, so the answer
 * cannot differ from DetermineTimeZoneOffset's.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "datatype/timestamp.h"
#include "pgtime.h"
#include "tfloat/timestamp_fast.h"
#include "utils/datetime.h"

#define UNIX_OFFSET_SECS \
	((int64) (POSTGRES_EPOCH_JDATE - UNIX_EPOCH_JDATE) * SECS_PER_DAY)

/* The offset cache: gmtoff (seconds east of UTC) holds on [lo, hi) */
static const pg_tz *cache_tz = NULL;
static pg_time_t cache_lo;
static pg_time_t cache_hi;
static long cache_gmtoff;

/* The last day printed, as days since 2000-01-01 and its text */
static int64 day_cached = PG_INT64_MIN;
static char day_text[11];

/*
 * RefreshOffset: make the cache cover UTC second q.  Returns false if the
 * time zone library cannot say (the caller then takes the slow path).
 */
static bool
RefreshOffset(pg_time_t q)
{
	pg_time_t start = q - 2 * SECS_PER_DAY;

	for (int i = 0; i < 8; i++)
	{
		long before;
		long after;
		int bisdst;
		int aisdst;
		pg_time_t boundary;
		int r;

		r = pg_next_dst_boundary(&start, &before, &bisdst, &boundary, &after,
								 &aisdst, session_timezone);
		if (r < 0)
			return false;
		if (r == 0 || boundary > q)
		{
			cache_tz = session_timezone;
			cache_lo = start;
			cache_hi = r == 0 ? PG_INT64_MAX : boundary;
			cache_gmtoff = before;
			return true;
		}
		start = boundary;
	}
	return false;
}

static inline bool
OffsetAt(pg_time_t q, long *gmtoff)
{
	if (cache_tz != session_timezone || q < cache_lo || q >= cache_hi)
	{
		if (!RefreshOffset(q))
			return false;
	}
	*gmtoff = cache_gmtoff;
	return true;
}

static inline char *
Put2(char *o, int v)
{
	o[0] = '0' + v / 10;
	o[1] = '0' + v % 10;
	return o + 2;
}

bool
tf_fast_timestamp_out(TimestampTz t, char *buf, int *len)
{
	int64 secs = t / USECS_PER_SEC;
	int64 usec = t % USECS_PER_SEC;
	int64 local;
	int64 days;
	int sod;
	long gmtoff;
	char *o = buf;

	if (usec < 0)
	{
		usec += USECS_PER_SEC;
		secs--;
	}
	if (!OffsetAt(secs + UNIX_OFFSET_SECS, &gmtoff))
		return false;
	local = secs + gmtoff;
	days = local / SECS_PER_DAY;
	if (local < days * SECS_PER_DAY)
		days--;
	sod = (int) (local - days * SECS_PER_DAY);

	if (days != day_cached)
	{
		int y, m, d;

		if (days < -800000 || days > 3000000)
			return false;
		j2date((int) days + POSTGRES_EPOCH_JDATE, &y, &m, &d);
		if (y < 1 || y > 9999)
			return false;
		day_text[0] = '0' + y / 1000;
		day_text[1] = '0' + (y / 100) % 10;
		Put2(day_text + 2, y % 100);
		day_text[4] = '-';
		Put2(day_text + 5, m);
		day_text[7] = '-';
		Put2(day_text + 8, d);
		day_text[10] = '\0';
		day_cached = days;
	}
	memcpy(o, day_text, 10);
	o += 10;
	*o++ = ' ';
	o = Put2(o, sod / 3600);
	*o++ = ':';
	o = Put2(o, (sod / 60) % 60);
	*o++ = ':';
	o = Put2(o, sod % 60);
	if (usec != 0)
	{
		int div = 100000;

		*o++ = '.';
		while (usec != 0)
		{
			*o++ = '0' + usec / div;
			usec %= div;
			div /= 10;
		}
	}
	/* As EncodeTimezone: +HH, then :MM and :SS only when needed */
	{
		long a = gmtoff < 0 ? -gmtoff : gmtoff;
		int hh = a / 3600;
		int mm = (a / 60) % 60;
		int ss = a % 60;

		*o++ = gmtoff >= 0 ? '+' : '-';
		o = Put2(o, hh);
		if (mm != 0 || ss != 0)
		{
			*o++ = ':';
			o = Put2(o, mm);
		}
		if (ss != 0)
		{
			*o++ = ':';
			o = Put2(o, ss);
		}
	}
	*o = '\0';
	*len = o - buf;
	return true;
}

/* Read exactly n digits at *p */
static inline bool
Digits(const char **p, int n, int *v)
{
	int r = 0;

	for (int i = 0; i < n; i++)
	{
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		r = r * 10 + (c - '0');
	}
	*p += n;
	*v = r;
	return true;
}

bool
tf_fast_timestamp_in(const char *str, TimestampTz *result)
{
	const char *p = str;
	int y, m, d, hh = 0, mi = 0, ss = 0;
	int64 usec = 0;
	int64 local;
	long gmtoff;
	bool have_zone = false;
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
								31, 31, 30, 31, 30, 31};

	if (!Digits(&p, 4, &y) || *p++ != '-' || !Digits(&p, 2, &m) ||
		*p++ != '-' || !Digits(&p, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1] ||
		(m == 2 && d == 29 && !isleap(y)))
		return false;
	if (*p == ' ' || *p == 'T')
	{
		p++;
		if (!Digits(&p, 2, &hh) || *p++ != ':' || !Digits(&p, 2, &mi))
			return false;
		if (*p == ':')
		{
			p++;
			if (!Digits(&p, 2, &ss))
				return false;
			if (*p == '.')
			{
				int n = 0;
				int64 scale = 100000;

				p++;
				while (*p >= '0' && *p <= '9')
				{
					if (++n > 6)
						return false; /* PostgreSQL rounds; let it */
					usec += (*p++ - '0') * scale;
					scale /= 10;
				}
				if (n == 0)
					return false;
			}
		}
		if (hh > 23 || mi > 59 || ss > 59)
			return false;
	}
	if (*p == 'Z' && p[1] == '\0')
	{
		gmtoff = 0;
		have_zone = true;
		p++;
	}
	else if ((*p == '+' || *p == '-') && p[1] != '\0')
	{
		int sign = *p++ == '-' ? -1 : 1;
		int zh, zm = 0;

		if (!Digits(&p, 2, &zh))
			return false;
		if (*p == ':')
			p++;
		if (*p != '\0' && !Digits(&p, 2, &zm))
			return false;
		if (zh > 15 || zm > 59)
			return false;
		gmtoff = sign * (zh * 3600L + zm * 60L);
		have_zone = true;
	}
	if (*p != '\0')
		return false;

	local = (int64) (date2j(y, m, d) - POSTGRES_EPOCH_JDATE) * SECS_PER_DAY +
		hh * 3600 + mi * 60 + ss;
	if (!have_zone)
	{
		pg_time_t guess;

		if (!OffsetAt(local + UNIX_OFFSET_SECS, &gmtoff))
			return false;
		guess = local - gmtoff + UNIX_OFFSET_SECS;
		if (!OffsetAt(guess, &gmtoff) || guess - SECS_PER_DAY < cache_lo ||
			(cache_hi != PG_INT64_MAX && guess + SECS_PER_DAY >= cache_hi) ||
			local - gmtoff + UNIX_OFFSET_SECS != guess)
			return false;
	}
	*result = (local - gmtoff) * USECS_PER_SEC + usec;
	return true;
}
