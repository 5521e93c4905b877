/*-------------------------------------------------------------------------
 *
 * window_json.h
 *	  Windows and lateness in a query's JSON body, and their canonical
 *	  form in the stored spec (window_json.c, docs/windows.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_WINDOW_JSON_H
#define CQSTREAM_WINDOW_JSON_H

#include "postgres.h"

#include "lib/stringinfo.h"
#include "utils/jsonb.h"

#include "core/window.h"

#define CQ_WINDOW_JSON_HINT                                                  \
	"A window is {\"type\": \"TUMBLING\", \"size\": 10, \"unit\": "          \
	"\"SECONDS\"}, {\"type\": \"HOPPING\", \"size\": 1, \"unit\": "          \
	"\"MINUTES\", \"hop\": 10, \"hopUnit\": \"SECONDS\"} or {\"type\": "     \
	"\"COUNT\", \"size\": 5, \"hop\": 1}; time windows may have \"offset\" " \
	"and \"offsetUnit\".  Units: MICROSECONDS, MILLISECONDS, SECONDS, "      \
	"MINUTES, HOURS, DAYS."

/*
 * cq_window_json_parse: *w from a body's "window" member, validated by the
 * window core's constructors; 22023 with CQ_WINDOW_JSON_HINT otherwise.
 * cq_lateness_json_parse: a body's "lateness" ({"size": n, "unit": U} or
 * null) in microseconds.
 */
extern void cq_window_json_parse(const JsonbValue *v, CqWindowSpec *w);
extern int64 cq_lateness_json_parse(const JsonbValue *v);

/*
 * The canonical forms: the "window" object of a validated window, and
 * "sizekey": n, "unitkey": "UNIT" with the largest unit that divides usec.
 */
extern void cq_window_json_append(StringInfo buf, const CqWindowSpec *w);
extern void cq_duration_json_append(StringInfo buf, const char *sizekey,
									const char *unitkey, int64 usec);

#endif /* CQSTREAM_WINDOW_JSON_H */
