/*
 * ewkb_test.c
 *	  Unit tests of the EWKB point decoder (src/core/ewkb.c), built alone
 *	  with gcc by the positions_gis suite (test/worker/positions_gis.sh).
 *
 * Design notes
 *
 * The inputs are hex EWKB as PostGIS 3 prints it (ST_AsEWKB, the
 * geometry output function) and hand-made variants: the other byte
 * order, Z/M by flag and by ISO code, no SRID, empty points, other
 * geometry types, cut-short and trailing bytes, bad hex.  Each case is
 * decoded both from hex and from the bytes, which must agree.  Output:
 * one PASS or FAIL line per case (tab-separated, as the suites read
 * them); exit status 1 when any failed.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/ewkb.h"

static int nfail;

static void
Check(const char *name, const char *hex, CqEwkbStatus want, double x, double y,
	  int32_t srid)
{
	CqEwkbPoint pt = {-1, -1, -1};
	CqEwkbPoint pb = {-1, -1, -1};
	CqEwkbStatus s = cq_ewkb_hex_point(hex, strlen(hex), &pt);
	CqEwkbStatus sb = s;
	unsigned char buf[256];
	size_t n = strlen(hex) / 2;
	int ok;

	/* The bytes of a well-formed hex string decode the same */
	if (strlen(hex) % 2 == 0 &&
		strspn(hex, "0123456789abcdefABCDEF") == strlen(hex) &&
		n <= sizeof(buf))
	{
		for (size_t i = 0; i < n; i++)
			sscanf(hex + 2 * i, "%2hhx", &buf[i]);
		sb = cq_ewkb_point(buf, n, &pb);
	}
	ok = s == want && sb == want;
	if (ok && want == CQ_EWKB_POINT)
		ok = pt.x == x && pt.y == y && pt.srid == srid;
	if (ok && want == CQ_EWKB_EMPTY)
		ok = pt.srid == srid;
	if (ok)
		printf("PASS\tewkb: %s\n", name);
	else
	{
		printf("FAIL\tewkb: %s\tstatus %d/%d (want %d), x %g y %g srid %d\n",
			   name, (int) s, (int) sb, (int) want, pt.x, pt.y, pt.srid);
		nfail++;
	}
}

int
main(void)
{
	/* SELECT 'SRID=4326;POINT(1 2)'::geometry */
	Check("little-endian point with SRID",
		  "0101000020E6100000000000000000F03F0000000000000040", CQ_EWKB_POINT,
		  1, 2, 4326);
	/* ST_AsEWKB(..., 'XDR') */
	Check("big-endian point with SRID",
		  "0020000001000010E63FF00000000000004000000000000000", CQ_EWKB_POINT,
		  1, 2, 4326);
	Check("lowercase hex",
		  "0101000020e6100000000000000000f03f0000000000000040", CQ_EWKB_POINT,
		  1, 2, 4326);
	Check("point without SRID (plain WKB)",
		  "0101000000000000000000F03F0000000000000040", CQ_EWKB_POINT, 1, 2,
		  0);
	Check("other SRID is reported",
		  "0101000020110F0000000000000000F03F0000000000000040", CQ_EWKB_POINT,
		  1, 2, 3857);
	/* 'SRID=4326;POINT Z (-71.06 42.35 10)' */
	Check("point Z (EWKB flag)",
		  "01010000A0E6100000A4703D0AD7C351C0CDCCCCCCCC2C45400000000000002440",
		  CQ_EWKB_POINT, -71.06, 42.35, 4326);
	/* 'SRID=4326;POINT M (1 2 3)' */
	Check("point M (EWKB flag)",
		  "0101000060E6100000000000000000F03F00000000000000400000000000000840",
		  CQ_EWKB_POINT, 1, 2, 4326);
	/* 'SRID=4326;POINT ZM (1 2 3 4)' */
	Check("point ZM (EWKB flags)",
		  "01010000E0E6100000000000000000F03F000000000000004000000000000008"
		  "400000000000001040",
		  CQ_EWKB_POINT, 1, 2, 4326);
	/* ISO: type 1001 = 0x3E9, 3001 = 0xBB9 */
	Check("point Z (ISO code 1001)",
		  "01E9030000000000000000F03F00000000000000400000000000000840",
		  CQ_EWKB_POINT, 1, 2, 0);
	Check("point ZM (ISO code 3001)",
		  "01B90B0000000000000000F03F000000000000004000000000000008400000000000"
		  "001040",
		  CQ_EWKB_POINT, 1, 2, 0);
	/* 'SRID=4326;POINT EMPTY' */
	Check("empty point", "0101000020E6100000000000000000F87F000000000000F87F",
		  CQ_EWKB_EMPTY, 0, 0, 4326);
	/* 'SRID=4326;LINESTRING(0 0,1 1)' */
	Check("linestring",
		  "0102000020E61000000200000000000000000000000000000000000000000000000000"
		  "F03F000000000000F03F",
		  CQ_EWKB_NOT_POINT, 0, 0, 0);
	/* 'SRID=4326;POLYGON EMPTY' */
	Check("empty polygon", "0103000020E610000000000000", CQ_EWKB_NOT_POINT, 0,
		  0, 0);
	/* 'SRID=4326;MULTIPOINT(1 2)' */
	Check("multipoint of one point",
		  "0104000020E6100000010000000101000000000000000000F03F0000000000000040",
		  CQ_EWKB_NOT_POINT, 0, 0, 0);
	Check("empty input", "", CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("bad byte order",
		  "0201000020E6100000000000000000F03F0000000000000040",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("cut short in the type", "01010000", CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("cut short in the SRID", "0101000020E610", CQ_EWKB_MALFORMED, 0, 0,
		  0);
	Check("cut short in Y", "0101000020E6100000000000000000F03F00000000000000",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("Z flag without the Z coordinate",
		  "01010000A0E6100000000000000000F03F0000000000000040",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("trailing byte",
		  "0101000020E6100000000000000000F03F000000000000004000",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("ISO Z code and Z flag together past ZM",
		  "01B90B0080000000000000F03F0000000000000040000000000000084000000000000"
		  "0104000000000000000000",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("odd hex length",
		  "0101000020E6100000000000000000F03F000000000000004",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("non-hex digit",
		  "0101000020E6100000000000000000F03F00000000000000G0",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("non-hex digit past a long linestring's header",
		  "0102000020E61000000200000000000000000000000000000000000000000000000000"
		  "F03F000000000000F03Z",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	Check("long input starting as a point",
		  "0101000020E6100000000000000000F03F0000000000000040000000000000000000"
		  "00000000000000000000000000000000000000",
		  CQ_EWKB_MALFORMED, 0, 0, 0);
	return nfail > 0 ? 1 : 0;
}
