/*-------------------------------------------------------------------------
 *
 * geodesy.c
 *	  Great-circle distance and initial bearing on the WGS 84 sphere, and
 *	  the names of the position operations (geodesy.h).
 *
 * Design notes
 *
 * The haversine form keeps its precision for the short steps a moving
 * point makes between two rows (metres), where the spherical law of
 * cosines loses it.  The argument of asin is clamped to [0, 1]: rounding
 * can push it just past 1 for antipodal points.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include <ctype.h>
#include <math.h>

#include "core/geodesy.h"

static const char *const position_op_names[] = {
	[CQ_POS_POSITION] = "position",
	[CQ_POS_SPEED] = "speed",
	[CQ_POS_HEADING] = "heading",
	[CQ_POS_DISTANCE] = "distance",
};

CqPositionOp
cq_position_op_parse(const char *name)
{
	for (int i = 0; i < lengthof(position_op_names); i++)
		if (pg_strcasecmp(name, position_op_names[i]) == 0)
			return (CqPositionOp) i;
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("unknown position operation \"%s\"", name),
			 errhint(CQ_POSITION_OPS_HINT)));
	pg_unreachable();
}

CqPositionOp
cq_position_op_parse_chain(const char *text, const char **rest)
{
	const char *bar = strchr(text, '|');
	const char *end = bar != NULL ? bar : text + strlen(text);
	char *head;

	/* The first step, without the blanks around it */
	while (text < end && isspace((unsigned char) *text))
		text++;
	while (end > text && isspace((unsigned char) end[-1]))
		end--;
	head = pnstrdup(text, end - text);
	*rest = bar != NULL ? bar + 1 : NULL;
	return cq_position_op_parse(head);
}

const char *
cq_position_op_name(CqPositionOp op)
{
	return position_op_names[op];
}

bool
cq_position_valid(double lon, double lat)
{
	/* NaN fails every comparison, so it is refused too */
	return lon >= -180.0 && lon <= 180.0 && lat >= -90.0 && lat <= 90.0;
}

static double
Radians(double deg)
{
	return deg * (M_PI / 180.0);
}

double
cq_geo_distance(double lon1, double lat1, double lon2, double lat2)
{
	double p1 = Radians(lat1);
	double p2 = Radians(lat2);
	double sdp = sin((p2 - p1) / 2.0);
	double sdl = sin(Radians(lon2 - lon1) / 2.0);
	double a = sdp * sdp + cos(p1) * cos(p2) * sdl * sdl;

	a = Min(Max(a, 0.0), 1.0);
	return 2.0 * CQ_EARTH_RADIUS * asin(sqrt(a));
}

double
cq_geo_bearing(double lon1, double lat1, double lon2, double lat2)
{
	double p1 = Radians(lat1);
	double p2 = Radians(lat2);
	double dl = Radians(lon2 - lon1);
	double y = sin(dl) * cos(p2);
	double x = cos(p1) * sin(p2) - sin(p1) * cos(p2) * cos(dl);
	double deg = atan2(y, x) * (180.0 / M_PI);

	deg = fmod(deg + 360.0, 360.0);
	/* fmod of a tiny negative angle plus 360 can round to 360 */
	return deg >= 360.0 ? 0.0 : deg;
}
