/*-------------------------------------------------------------------------
 *
 * position_geometry.h
 *	  Position queries over a PostGIS geometry(Point, 4326) column: the
 *	  column's check at creation and the worker's reading of each row's
 *	  point (position_geometry.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_POSITION_GEOMETRY_H
#define CQSTREAM_POSITION_GEOMETRY_H

#include "postgres.h"

#include "fmgr.h"

/* The SRID of WGS 84 longitude/latitude, the only one read */
#define CQ_GEOMETRY_SRID 4326

/*
 * cq_geometry_type: is typ (a base type) PostGIS's geometry, that is a
 * type named geometry that belongs to the extension postgis?
 */
extern bool cq_geometry_type(Oid typ);

/*
 * cq_geometry_check_column: colname, of type typ with modifier typmod,
 * can be a position query's position: PostGIS's geometry, either
 * geometry(Point, 4326) (or PointZ, PointM, PointZM) or a geometry
 * whose modifier leaves the type or the SRID open (its other rows are
 * skipped and counted).  Errors 42804 or 22023 otherwise, with a hint
 * when PostGIS is not installed.
 */
extern void cq_geometry_check_column(const char *colname, Oid typ,
									 int32 typmod);

/* The worker's reader of one query's geometry column */
typedef struct CqGeometryReader
{
	FmgrInfo out;	 /* the type's output function: hex EWKB */
	char *type_name; /* schema-qualified, for the read's cast */
} CqGeometryReader;

/*
 * cq_geometry_reader_init: the reader of column colname of source; 42804
 * when the column is no longer PostGIS's geometry (it was altered), 42703
 * when it is gone.  Allocates in the current memory context.
 */
extern void cq_geometry_reader_init(CqGeometryReader *r, Oid source,
									const char *colname, const char *query);

/*
 * cq_geometry_read: the longitude and latitude of geometry d; false (and
 * the row is to be skipped) for an empty point, another geometry type or
 * an SRID other than 4326.
 */
extern bool cq_geometry_read(CqGeometryReader *r, Datum d, double *lon,
							 double *lat);

#endif /* CQSTREAM_POSITION_GEOMETRY_H */
