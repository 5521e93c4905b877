/*-------------------------------------------------------------------------
 *
 * ewkb.c
 *	  Decoding one point from (E)WKB (ewkb.h).
 *
 * Design notes
 *
 * Layout: one byte order byte (0 big-endian, 1 little-endian), a uint32
 * type, for EWKB an int32 SRID when the type has flag 0x20000000, then
 * the coordinates as float8 in that byte order: X, Y, and Z and M when
 * the type says so (EWKB flags 0x80000000 and 0x40000000, or ISO codes
 * 1000, 2000 and 3000 added to the type).  PostGIS writes an empty point
 * as NaN coordinates.  Anything else past the type (a line, a
 * collection) is another geometry; the decoder stops at the type and
 * reads no further.
 *
 *-------------------------------------------------------------------------
 */
#include <math.h>
#include <string.h>

#include "core/ewkb.h"

#define EWKB_Z	  0x80000000u
#define EWKB_M	  0x40000000u
#define EWKB_SRID 0x20000000u
#define WKB_POINT 1u

static uint32_t
ReadU32(const unsigned char *p, bool little)
{
	if (little)
		return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
			(uint32_t) p[3] << 24;
	return (uint32_t) p[3] | (uint32_t) p[2] << 8 | (uint32_t) p[1] << 16 |
		(uint32_t) p[0] << 24;
}

static double
ReadF64(const unsigned char *p, bool little)
{
	uint64_t bits = 0;
	double d;

	for (int i = 0; i < 8; i++)
		bits |= (uint64_t) p[little ? i : 7 - i] << (8 * i);
	memcpy(&d, &bits, sizeof(d));
	return d;
}

CqEwkbStatus
cq_ewkb_point(const unsigned char *buf, size_t len, CqEwkbPoint *pt)
{
	bool little;
	uint32_t type;
	uint32_t base;
	size_t ndims = 2;
	size_t pos = 5;
	int32_t srid = 0;
	double x;
	double y;

	if (len < 5 || buf[0] > 1)
		return CQ_EWKB_MALFORMED;
	little = buf[0] == 1;
	type = ReadU32(buf + 1, little);
	base = type & 0x0fffffffu;
	/* ISO codes: 1001 point Z, 2001 point M, 3001 point ZM */
	if (base >= 1000 && base < 4000)
	{
		ndims += base >= 3000 ? 2 : 1;
		base %= 1000;
	}
	if (base != WKB_POINT)
		return CQ_EWKB_NOT_POINT;
	ndims += (type & EWKB_Z ? 1 : 0) + (type & EWKB_M ? 1 : 0);
	if (ndims > 4)
		return CQ_EWKB_MALFORMED;
	if (type & EWKB_SRID)
	{
		if (len < pos + 4)
			return CQ_EWKB_MALFORMED;
		srid = (int32_t) ReadU32(buf + pos, little);
		pos += 4;
	}
	if (len != pos + 8 * ndims)
		return CQ_EWKB_MALFORMED;
	x = ReadF64(buf + pos, little);
	y = ReadF64(buf + pos + 8, little);
	pt->srid = srid;
	if (isnan(x) && isnan(y))
		return CQ_EWKB_EMPTY;
	pt->x = x;
	pt->y = y;
	return CQ_EWKB_POINT;
}

static int
HexDigit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

CqEwkbStatus
cq_ewkb_hex_point(const char *hex, size_t len, CqEwkbPoint *pt)
{
	unsigned char buf[CQ_EWKB_POINT_MAXLEN];
	size_t n;

	if (len % 2 != 0)
		return CQ_EWKB_MALFORMED;
	/*
	 * Longer than any point: decode only the order and type, which say
	 * whether it is another geometry (then the rest is not read) or a
	 * point with trailing bytes; the hex of the rest must still be hex
	 */
	n = len / 2 > CQ_EWKB_POINT_MAXLEN ? 5 : len / 2;
	for (size_t i = 0; i < len; i++)
		if (HexDigit(hex[i]) < 0)
			return CQ_EWKB_MALFORMED;
	for (size_t i = 0; i < n; i++)
		buf[i] = (unsigned char) (HexDigit(hex[2 * i]) << 4 |
								  HexDigit(hex[2 * i + 1]));
	if (n < len / 2)
	{
		CqEwkbStatus s = cq_ewkb_point(buf, n, pt);

		return s == CQ_EWKB_NOT_POINT ? s : CQ_EWKB_MALFORMED;
	}
	return cq_ewkb_point(buf, n, pt);
}
