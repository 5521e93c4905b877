/*
 * ewkb_fuzz.c
 *	  A libFuzzer target for the EWKB point decoder (src/core/ewkb.c).
 *
 * Design notes
 *
 * Built by the positions_gis suite (test/worker/positions_gis.sh) with
 * clang -fsanitize=fuzzer,address,undefined when clang is there.  The
 * input is decoded as bytes and, written as hex (upper or lower case by
 * the first byte), as hex text; beyond "no crash and no read past the
 * input" (ASan), the contract is checked and a broken one aborts:
 *	  - hex and bytes give the same status, point and SRID;
 *	  - a point or empty point is at most CQ_EWKB_POINT_MAXLEN bytes and
 *		starts with a byte order of 0 or 1;
 *	  - the input with a byte appended is never a point when the input is
 *		one (the whole buffer must be the point);
 *	  - an odd-length prefix of the hex is malformed.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/ewkb.h"

static int
Same(CqEwkbStatus a, const CqEwkbPoint *pa, CqEwkbStatus b,
	 const CqEwkbPoint *pb)
{
	if (a != b)
		return 0;
	if (a == CQ_EWKB_POINT)
		return memcmp(&pa->x, &pb->x, sizeof(double)) == 0 &&
			memcmp(&pa->y, &pb->y, sizeof(double)) == 0 &&
			pa->srid == pb->srid;
	if (a == CQ_EWKB_EMPTY)
		return pa->srid == pb->srid;
	return 1;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *digits = size > 0 && (data[0] & 1) ? "0123456789abcdef"
												   : "0123456789ABCDEF";
	char *hex = malloc(2 * size + 1);
	unsigned char *longer = malloc(size + 1);
	CqEwkbPoint pb;
	CqEwkbPoint ph;
	CqEwkbPoint pl;
	CqEwkbStatus sb;
	CqEwkbStatus sh;

	if (hex == NULL || longer == NULL)
		abort();
	for (size_t i = 0; i < size; i++)
	{
		hex[2 * i] = digits[data[i] >> 4];
		hex[2 * i + 1] = digits[data[i] & 15];
	}
	hex[2 * size] = '\0';
	sb = cq_ewkb_point(data, size, &pb);
	sh = cq_ewkb_hex_point(hex, 2 * size, &ph);
	if (!Same(sb, &pb, sh, &ph))
		abort();
	if ((sb == CQ_EWKB_POINT || sb == CQ_EWKB_EMPTY) &&
		(size > CQ_EWKB_POINT_MAXLEN || data[0] > 1))
		abort();
	memcpy(longer, data, size);
	longer[size] = 0;
	if (sb == CQ_EWKB_POINT &&
		cq_ewkb_point(longer, size + 1, &pl) == CQ_EWKB_POINT)
		abort();
	if (size > 0 &&
		cq_ewkb_hex_point(hex, 2 * size - 1, &ph) != CQ_EWKB_MALFORMED)
		abort();
	free(hex);
	free(longer);
	return 0;
}
