/*
 * tpvalue.h
 *	  An MF-JSON TemporalPrimitiveValue read for ingest: its instants
 *	  checked and turned into PostgreSQL array literals.
 *
 * Design notes
 *
 * See tpvalue.c.  Reading is in two steps because the values can be
 * checked only once the property's type is known (from the database):
 * tpvalue_parse checks everything else, tpvalue_values the values.
 */
#ifndef RELAY_TPVALUE_H
#define RELAY_TPVALUE_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "sse.h"

/* Longest message of a refused body */
#define TPVALUE_MSG_MAX 256

/* A property's type, as cqstream.collections() names it */
typedef enum TpType
{
	TP_REAL, /* TReal: float4, float8, numeric */
	TP_INT,	 /* TInt: smallint, integer, bigint */
	TP_TEXT, /* TText */
	TP_BOOL	 /* TBool */
} TpType;

typedef struct TpValue
{
	json_t *doc;		/* the parsed body (owned) */
	json_t *values;		/* its "values" (borrowed from doc) */
	size_t n;			/* instants */
	const char *interp; /* "Discrete", "Step" or "Linear" */
	StrBuf datetimes;	/* timestamptz[] literal */
} TpValue;

/*
 * Parse body (len bytes): a JSON object with "datetimes" (RFC 3339
 * strings, strictly increasing), "values" (as many), optional
 * "interpolation", nothing else.  On failure false, with msg saying what
 * and at which index; *tp is then empty.
 */
extern bool tpvalue_parse(TpValue *tp, const char *body, size_t len,
						  char msg[TPVALUE_MSG_MAX]);

/*
 * Check the values against type (an integer's range by column_type:
 * "smallint", "integer", "bigint") and the interpolation against the
 * type; append the values' array literal to out.  On failure false, with
 * msg.
 */
extern bool tpvalue_values(const TpValue *tp, TpType type,
						   const char *column_type, StrBuf *out,
						   char msg[TPVALUE_MSG_MAX]);

/*
 * The array dts of RFC 3339 strings, strictly increasing, appended to out
 * as a timestamptz[] literal; on failure false, with msg naming the
 * index ("datetimes[i]").  Shared with the MovingPoint (mpoint.c).
 */
extern bool tpvalue_datetimes(json_t *dts, StrBuf *out,
							  char msg[TPVALUE_MSG_MAX]);

/* v in the shortest form that reads back as the same double */
extern void tpvalue_append_real(StrBuf *out, double v);

/* The type named name ("TReal", ...); false if unknown */
extern bool tpvalue_type(const char *name, TpType *type);

extern void tpvalue_free(TpValue *tp);

#endif /* RELAY_TPVALUE_H */
