/*
 * mpoint.c
 *	  An MF-JSON MovingPoint read for ingest (OGC API - Moving Features
 *	  Part 1, "TemporalGeometry"; docs/relay.md, "Ingest"): POST
 *	  .../items/{fid}/tgsequence appends a feature's positions.
 *
 * Design notes
 *
 * The body is {"type": "MovingPoint", "coordinates": [[lon, lat], ...],
 * "datetimes": [...], "interpolation": "..."}: one position per index,
 * longitude and latitude in degrees (WGS 84, as the collection's
 * lon_column and lat_column hold them).  As tpvalue.c does for a
 * TemporalPrimitiveValue, everything that can be wrong is found here,
 * before the database sees anything, so that the refusal names the
 * index: a type other than MovingPoint, a member of another kind of
 * geometry (a MovingPoint has no "values"; "crs", "trs" and "bbox" are
 * refused rather than ignored, since cqstream keeps WGS 84 and its own
 * clock), a position that is not two finite numbers (a third coordinate,
 * an altitude, would be silently lost), a longitude outside [-180, 180]
 * or a latitude outside [-90, 90], lengths that differ, no position at
 * all.  The datetimes are tpvalue.c's (RFC 3339, strictly increasing).
 * JSON has no NaN or Infinity: jansson refuses them as not JSON.
 *
 * Interpolation: optional, "Discrete" when absent; "Discrete", "Step"
 * and "Linear" are accepted (a moving point may be linear), as MF-JSON
 * names them; the rows are instants whatever it says.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "mpoint.h"

void
mpoint_free(MPoint *mp)
{
	strbuf_free(&mp->datetimes);
	strbuf_free(&mp->lons);
	strbuf_free(&mp->lats);
	mp->n = 0;
}

static bool Refuse(MPoint *mp, json_t *doc, char msg[TPVALUE_MSG_MAX],
				   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

static bool
Refuse(MPoint *mp, json_t *doc, char msg[TPVALUE_MSG_MAX], const char *fmt,
	   ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, TPVALUE_MSG_MAX, fmt, ap);
	va_end(ap);
	json_decref(doc);
	mpoint_free(mp);
	return false;
}

/* A refusal whose msg is already written */
static bool
Fail(MPoint *mp, json_t *doc)
{
	json_decref(doc);
	mpoint_free(mp);
	return false;
}

/* The members: only the four of a MovingPoint */
static const char *
UnknownMember(json_t *doc)
{
	const char *key;
	json_t *v;

	json_object_foreach(doc, key, v)
	{
		if (strcmp(key, "type") != 0 && strcmp(key, "coordinates") != 0 &&
			strcmp(key, "datetimes") != 0 && strcmp(key, "interpolation") != 0)
			return key;
	}
	return NULL;
}

/*
 * Position i of coordinates: two finite numbers in range, appended to the
 * literals; false with msg
 */
static bool
Position(MPoint *mp, json_t *pos, size_t i, char msg[TPVALUE_MSG_MAX])
{
	json_t *x = json_array_get(pos, 0);
	json_t *y = json_array_get(pos, 1);
	double lon;
	double lat;

	if (!json_is_array(pos) || json_array_size(pos) != 2)
	{
		snprintf(msg, TPVALUE_MSG_MAX,
				 "coordinates[%zu] is not a position [longitude, "
				 "latitude]%s",
				 i,
				 json_is_array(pos) ? ": it must have exactly two numbers"
									: "");
		return false;
	}
	if (!json_is_number(x) || !json_is_number(y))
	{
		snprintf(msg, TPVALUE_MSG_MAX, "coordinates[%zu][%d] is not a number",
				 i, json_is_number(x) ? 1 : 0);
		return false;
	}
	lon = json_number_value(x);
	lat = json_number_value(y);
	if (!isfinite(lon) || lon < -180 || lon > 180)
	{
		snprintf(msg, TPVALUE_MSG_MAX,
				 "coordinates[%zu]: longitude %g is outside [-180, 180]", i,
				 lon);
		return false;
	}
	if (!isfinite(lat) || lat < -90 || lat > 90)
	{
		snprintf(msg, TPVALUE_MSG_MAX,
				 "coordinates[%zu]: latitude %g is outside [-90, 90]", i, lat);
		return false;
	}
	strbuf_puts(&mp->lons, i ? "," : "{");
	tpvalue_append_real(&mp->lons, lon);
	strbuf_puts(&mp->lats, i ? "," : "{");
	tpvalue_append_real(&mp->lats, lat);
	return true;
}

bool
mpoint_parse(MPoint *mp, const char *body, size_t len,
			 char msg[TPVALUE_MSG_MAX])
{
	json_error_t err;
	json_t *doc;
	json_t *type;
	json_t *coords;
	json_t *dts;
	json_t *interp;
	const char *unknown;

	memset(mp, 0, sizeof(*mp));
	strbuf_init(&mp->datetimes);
	strbuf_init(&mp->lons);
	strbuf_init(&mp->lats);
	if (len == 0)
		return Refuse(mp, NULL, msg,
					  "the body is empty: a MovingPoint is "
					  "needed");
	doc = json_loadb(body, len, JSON_REJECT_DUPLICATES, &err);
	if (doc == NULL)
		return Refuse(mp, NULL, msg,
					  "the body is not JSON (line %d, column %d): %s",
					  err.line, err.column, err.text);
	if (!json_is_object(doc))
		return Refuse(mp, doc, msg,
					  "the body must be a JSON object (a MovingPoint)");
	if ((unknown = UnknownMember(doc)) != NULL)
		return Refuse(mp, doc, msg,
					  "unknown member \"%.60s\": a MovingPoint has type, "
					  "coordinates, datetimes and interpolation",
					  unknown);
	type = json_object_get(doc, "type");
	if (!json_is_string(type) ||
		strcmp(json_string_value(type), "MovingPoint") != 0)
		return Refuse(mp, doc, msg,
					  "type must be \"MovingPoint\": a feature's position is "
					  "a moving point");
	coords = json_object_get(doc, "coordinates");
	dts = json_object_get(doc, "datetimes");
	interp = json_object_get(doc, "interpolation");
	if (!json_is_array(coords))
		return Refuse(mp, doc, msg,
					  "coordinates must be an array of positions "
					  "[longitude, latitude]");
	if (!json_is_array(dts))
		return Refuse(mp, doc, msg,
					  "datetimes must be an array of RFC 3339 strings");
	mp->n = json_array_size(coords);
	if (mp->n == 0)
		return Refuse(mp, doc, msg,
					  "coordinates is empty: at least one position is "
					  "needed");
	if (json_array_size(dts) != mp->n)
		return Refuse(mp, doc, msg,
					  "coordinates has %zu elements and datetimes %zu: they "
					  "must have as many",
					  mp->n, json_array_size(dts));
	if (interp != NULL &&
		(!json_is_string(interp) ||
		 (strcmp(json_string_value(interp), "Discrete") != 0 &&
		  strcmp(json_string_value(interp), "Step") != 0 &&
		  strcmp(json_string_value(interp), "Linear") != 0)))
		return Refuse(mp, doc, msg,
					  "unsupported interpolation: use Discrete, Step or "
					  "Linear");
	for (size_t i = 0; i < mp->n; i++)
		if (!Position(mp, json_array_get(coords, i), i, msg))
			return Fail(mp, doc);
	strbuf_puts(&mp->lons, "}");
	strbuf_puts(&mp->lats, "}");
	if (!tpvalue_datetimes(dts, &mp->datetimes, msg))
		return Fail(mp, doc);
	json_decref(doc);
	return true;
}
