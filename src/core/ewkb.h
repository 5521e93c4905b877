/*-------------------------------------------------------------------------
 *
 * ewkb.h
 *	  Decoding one point from (E)WKB, binary or hex: how the worker reads a
 *	  PostGIS geometry(Point, 4326) column without calling PostGIS's
 *	  functions by name (ewkb.c).
 *
 * Design notes
 *
 * The worker reads a geometry through its type's output function (found
 * by the column's type, never by a name on the search path), which
 * prints hex EWKB, and decodes the point here; so cqstream neither links
 * PostGIS nor calls a function an owner could shadow (ST_X, ST_Y).  Pure
 * C with no PostgreSQL dependency, so the unit tests and the libFuzzer
 * target (test/fuzz/ewkb_fuzz.c) build it alone; it never errors and
 * never reads past len.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_EWKB_H
#define CQSTREAM_EWKB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The longest point: order, type, SRID, X, Y, Z, M */
#define CQ_EWKB_POINT_MAXLEN (1 + 4 + 4 + 4 * 8)

typedef enum CqEwkbStatus
{
	CQ_EWKB_POINT = 0, /* a point: x, y (and srid) set */
	CQ_EWKB_EMPTY,	   /* an empty point (NaN coordinates) */
	CQ_EWKB_NOT_POINT, /* a well-started geometry of another type */
	CQ_EWKB_MALFORMED  /* bad byte order, bad hex, cut short, trailing */
} CqEwkbStatus;

typedef struct CqEwkbPoint
{
	double x;	  /* longitude for SRID 4326 */
	double y;	  /* latitude */
	int32_t srid; /* 0 when the EWKB has none (plain WKB) */
} CqEwkbPoint;

/*
 * cq_ewkb_point: the point in buf[0..len), either byte order, with or
 * without EWKB's SRID flag, 2D, Z, M or ZM (EWKB flags or ISO type codes
 * 1001/2001/3001; Z and M are dropped).  The whole buffer must be the
 * point.  *pt is set for CQ_EWKB_POINT only (srid also for
 * CQ_EWKB_EMPTY).
 */
extern CqEwkbStatus cq_ewkb_point(const unsigned char *buf, size_t len,
								  CqEwkbPoint *pt);

/*
 * cq_ewkb_hex_point: the same from hex text (either case) of len
 * characters, as geometry's output function prints it; an odd length
 * or a non-hex digit is CQ_EWKB_MALFORMED.
 */
extern CqEwkbStatus cq_ewkb_hex_point(const char *hex, size_t len,
									  CqEwkbPoint *pt);

#endif /* CQSTREAM_EWKB_H */
