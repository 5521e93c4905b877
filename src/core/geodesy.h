/*-------------------------------------------------------------------------
 *
 * geodesy.h
 *	  Moving points on the WGS 84 sphere: the operations of a position
 *	  query and the great-circle distance and initial bearing they use
 *	  (geodesy.c).
 *
 * Design notes
 *
 * Distances are haversine great-circle distances on a sphere of the
 * mean Earth radius (IUGG, 6371008.8 m), not geodesics on the
 * ellipsoid: within 0.5% of them, and the same formula a user writes in
 * plain SQL to check a result.  All functions are pure and never error,
 * so the worker may call them anywhere.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_GEODESY_H
#define CQSTREAM_GEODESY_H

#include "postgres.h"

/* Mean Earth radius, metres */
#define CQ_EARTH_RADIUS 6371008.8

/* What a position query emits for each row */
typedef enum CqPositionOp
{
	CQ_POS_POSITION = 0, /* the position itself */
	CQ_POS_SPEED,		 /* m/s since the key's previous position */
	CQ_POS_HEADING,		 /* degrees from north, [0, 360) */
	CQ_POS_DISTANCE		 /* metres travelled by the key so far */
} CqPositionOp;

#define CQ_POSITION_OPS_HINT \
	"Position operations: position, speed, heading, distance."

/* The operation named name (case-insensitive); 22023 if there is none */
extern CqPositionOp cq_position_op_parse(const char *name);

/*
 * A position query's operation with lifted operations after it, as
 * "speed | mul 3.6": the position operation of the first step, and in
 * *rest the chain after the first "|" (NULL when there is none).
 * 22023 when the first step is no position operation.
 */
extern CqPositionOp cq_position_op_parse_chain(const char *text,
											   const char **rest);
extern const char *cq_position_op_name(CqPositionOp op);

/* Is (lon, lat) a WGS 84 position: finite, |lon| <= 180, |lat| <= 90? */
extern bool cq_position_valid(double lon, double lat);

/*
 * Great-circle distance in metres, and initial bearing in degrees from
 * north in [0, 360), from (lon1, lat1) to (lon2, lat2), in degrees.
 */
extern double cq_geo_distance(double lon1, double lat1, double lon2,
							  double lat2);
extern double cq_geo_bearing(double lon1, double lat1, double lon2,
							 double lat2);

#endif /* CQSTREAM_GEODESY_H */
