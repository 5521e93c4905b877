/*
 * mpoint.h
 *	  An MF-JSON MovingPoint read for ingest: its positions and datetimes
 *	  checked and turned into PostgreSQL array literals (mpoint.c).
 */
#ifndef RELAY_MPOINT_H
#define RELAY_MPOINT_H

#include <stdbool.h>
#include <stddef.h>

#include "sse.h"
#include "tpvalue.h"

typedef struct MPoint
{
	size_t n;		  /* positions */
	StrBuf datetimes; /* timestamptz[] literal */
	StrBuf lons;	  /* float8[] literals, in degrees */
	StrBuf lats;
} MPoint;

/*
 * Parse body (len bytes): a JSON object {"type": "MovingPoint",
 * "coordinates": [[lon, lat], ...], "datetimes": [...], "interpolation":
 * "Discrete" | "Step" | "Linear"} (interpolation optional), nothing else.
 * On failure false, with msg saying what and at which index; *mp is then
 * empty.
 */
extern bool mpoint_parse(MPoint *mp, const char *body, size_t len,
						 char msg[TPVALUE_MSG_MAX]);

extern void mpoint_free(MPoint *mp);

#endif /* RELAY_MPOINT_H */
