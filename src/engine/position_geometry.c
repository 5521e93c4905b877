/*-------------------------------------------------------------------------
 *
 * position_geometry.c
 *	  Position queries over a PostGIS geometry(Point, 4326) column
 *	  (docs/engine.md, "Position queries").
 *
 * Design notes
 *
 * PostGIS stays optional: cqstream neither links it nor names any of its
 * objects in its install script.  Its geometry type is recognised by its
 * name and by its membership of the extension postgis (pg_depend), never
 * by an oid, which differs between databases; a type of that name that
 * some role created is not it.
 *
 * The worker never calls a PostGIS function by name: an owner could put
 * a function st_x on the search path, or in a schema that precedes
 * PostGIS's.  It reads the column as it is (cast to the type's own
 * schema-qualified name, a no-op), prints each value through the type's
 * output function (found from pg_type by the column's type), which gives
 * hex EWKB, and decodes the point with src/core/ewkb.c.  That costs a
 * hex print and a palloc per row (not yet measured by a bench).
 *
 * Modifiers (PostGIS's typmod: SRID in bits 8-27, signed; geometry type
 * in bits 2-7; Z in bit 1, M in bit 0; -1 when absent): a column typed
 * geometry(Point, 4326), with or without Z or M, holds only such points
 * besides empty ones; a column whose type or SRID is left open (plain
 * geometry, geometry(Geometry, 4326), geometry(Point)) is accepted too,
 * and its rows that are not points in SRID 4326 are skipped and counted,
 * as NULL or NaN coordinates are.  A column fixed to another type or
 * SRID can never give a position and is refused at creation.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "catalog/dependency.h"
#include "catalog/pg_type.h"
#include "commands/extension.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"
#include "utils/syscache.h"

#include "core/ewkb.h"
#include "engine/position_geometry.h"

/* PostGIS's geometry type number of a point (as in WKB) */
#define POSTGIS_POINTTYPE 1

static int32
TypmodSrid(int32 typmod)
{
	int32 srid = (typmod >> 8) & 0xfffff;

	/* 20 bits, two's complement */
	return srid >= 0x80000 ? srid - 0x100000 : srid;
}

static int32
TypmodGeomType(int32 typmod)
{
	return (typmod >> 2) & 0x3f;
}

bool
cq_geometry_type(Oid typ)
{
	HeapTuple tup;
	bool named;
	Oid ext;
	char *extname;

	tup = SearchSysCache1(TYPEOID, ObjectIdGetDatum(typ));
	if (!HeapTupleIsValid(tup))
		return false;
	named = strcmp(NameStr(((Form_pg_type) GETSTRUCT(tup))->typname),
				   "geometry") == 0;
	ReleaseSysCache(tup);
	if (!named)
		return false;
	ext = getExtensionOfObject(TypeRelationId, typ);
	if (!OidIsValid(ext) || (extname = get_extension_name(ext)) == NULL)
		return false;
	return strcmp(extname, "postgis") == 0;
}

void
cq_geometry_check_column(const char *colname, Oid typ, int32 typmod)
{
	int32 base_typmod = typmod;
	Oid base = getBaseTypeAndTypmod(typ, &base_typmod);

	if (!cq_geometry_type(base))
	{
		bool postgis = OidIsValid(get_extension_oid("postgis", true));

		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("position column \"%s\" is of type %s", colname,
						format_type_with_typemod(typ, typmod)),
				 errdetail("A position column must be of PostGIS's type "
						   "geometry(Point, 4326)."),
				 postgis ? 0
						 : errhint("PostGIS is not installed in this "
								   "database: CREATE EXTENSION postgis, or "
								   "give the position as longitude and "
								   "latitude columns.")));
	}
	if (base_typmod < 0)
		return;
	if (TypmodGeomType(base_typmod) != 0 &&
		TypmodGeomType(base_typmod) != POSTGIS_POINTTYPE)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("position column \"%s\" is of type %s", colname,
						format_type_with_typemod(typ, typmod)),
				 errdetail("A position column holds points: "
						   "geometry(Point, 4326).")));
	if (TypmodSrid(base_typmod) > 0 &&
		TypmodSrid(base_typmod) != CQ_GEOMETRY_SRID)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("position column \"%s\" has SRID %d", colname,
						TypmodSrid(base_typmod)),
				 errdetail("A position query reads longitude and latitude "
						   "in WGS 84, SRID 4326."),
				 errhint("Add a column of type geometry(Point, 4326) "
						 "filled with ST_Transform(%s, 4326).",
						 quote_identifier(colname))));
}

void
cq_geometry_reader_init(CqGeometryReader *r, Oid source, const char *colname,
						const char *query)
{
	AttrNumber att = get_attnum(source, colname);
	Oid typ;
	Oid out;
	bool varlena;

	if (att == InvalidAttrNumber)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("position column \"%s\" of query \"%s\" does not "
						"exist",
						colname, query)));
	typ = getBaseType(get_atttype(source, att));
	if (!cq_geometry_type(typ))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("position column \"%s\" of query \"%s\" is no "
						"longer of PostGIS's type geometry",
						colname, query)));
	getTypeOutputInfo(typ, &out, &varlena);
	fmgr_info(out, &r->out);
	r->type_name = format_type_extended(typ, -1, FORMAT_TYPE_FORCE_QUALIFY);
}

bool
cq_geometry_read(CqGeometryReader *r, Datum d, double *lon, double *lat)
{
	char *hex = OutputFunctionCall(&r->out, d);
	CqEwkbPoint pt;
	CqEwkbStatus s = cq_ewkb_hex_point(hex, strlen(hex), &pt);

	pfree(hex);
	if (s != CQ_EWKB_POINT || pt.srid != CQ_GEOMETRY_SRID)
		return false;
	*lon = pt.x;
	*lat = pt.y;
	return true;
}
