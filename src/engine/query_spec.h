/*-------------------------------------------------------------------------
 *
 * query_spec.h
 *	  A continuous query being created: its definition as given (the
 *	  arguments of create_transform or create_aggregate, or the JSON body
 *	  of create_query), its validation and its canonical spec
 *	  (query_spec.c; the options in query_options.c, the window in
 *	  window_json.c, the source in source_check.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_QUERY_SPEC_H
#define CQSTREAM_QUERY_SPEC_H

#include "postgres.h"

#include "fmgr.h"
#include "utils/jsonb.h"

#include "core/window.h"

#define CQ_SPEC_HINT                                                    \
	"A query body has \"operation\" (an operation or a chain such as "  \
	"\"mul 1.8 | add 32\"), \"arg\" (a number, for one operation), "    \
	"\"timeColumn\", \"valueColumn\", and optionally \"keyColumn\", "   \
	"\"idColumn\" and \"options\" (an object); a window aggregate has " \
	"\"aggregation\" and \"window\" instead of \"operation\", and "     \
	"optionally \"lateness\" and \"emit\"."

/* The same for a position query's body (docs/engine.md) */
#define CQ_POSITION_BODY_HINT                                          \
	"A position query body has \"kind\": \"position\", \"operation\" " \
	"(position, speed, heading or distance), \"timeColumn\", "         \
	"\"keyColumn\", \"lonColumn\", \"latColumn\", and optionally "     \
	"\"keyValue\" (one feature), "                                     \
	"\"idColumn\" and \"options\"."

/* Its window (docs/windows.md, "Windows over position queries") */
#define CQ_POSITION_WINDOW_HINT                                            \
	"A position query's speed, heading or distance is aggregated per key " \
	"over windows with \"aggregation\" and \"window\" (and optionally "    \
	"\"lateness\" and \"emit\"), given as the body's members or in the "   \
	"options."
/* A position query body's choice of position (position_geometry.c) */
#define CQ_POSITION_GEOMETRY_HINT                                        \
	"Give either \"lonColumn\" and \"latColumn\" or \"geometryColumn\" " \
	"(a PostGIS geometry(Point, 4326))."

/* A query being created, as given and then as validated */
typedef struct CqQueryDef
{
	/* as given */
	char *name;
	Oid source;
	char *time_column;
	char *value_column;
	char *key_column; /* NULL: none */
	char *key_value;  /* NULL: every key; else only this key's rows */
	char *id_column;  /* NULL: find it */
	char *operation;  /* one operation or a chain */
	bool has_arg;
	double arg;
	Jsonb *options; /* NULL: all defaults */
	/* window aggregates (docs/windows.md) */
	bool aggregate;
	char *aggregation; /* as given */
	bool has_window;
	CqWindowSpec window; /* validated when read */
	int64 lateness;		 /* microseconds */
	char *emit;			 /* as given; NULL: on_close */
	/* position queries (docs/engine.md): value_column is the longitude */
	bool position;
	char *lat_column;
	char *lon_column; /* create_query's "lonColumn"; then value_column */
	/*
	 * windowed: the lifted operation's values go through a window
	 * (docs/windows.md, "Windows over position queries"); then the window
	 * fields above are set and aggregate stays false (the kind is position)
	 */
	bool windowed;
	bool has_lateness; /* "lateness" was given (it may be 0) */
	/* position queries over a PostGIS geometry (position_geometry.c) */
	bool geometry;		   /* value_column is the geometry; no lat_column */
	char *geometry_column; /* create_query's "geometryColumn" */

	/* filled in by cq_spec_validate */
	char *chain; /* canonical chain */
	Oid id_sequence;
	int64 retention_rows;
	char *retention_age; /* canonical interval text; NULL: none */
	const char *notify;
	bool start_beginning;
	char *idle_flush; /* canonical interval text; NULL: none */
	CqValueType value_type;
	CqAggKind agg;
} CqQueryDef;

/*
 * cq_spec_valid_name: a lowercase letter and at most
 * CQ_QUERY_NAME_MAXLEN - 1 lowercase letters, digits or underscores (query
 * names and collection ids)
 */
extern bool cq_spec_valid_name(const char *name);

/* create_query: def (zeroed, name and source set) from the JSON body */
extern void cq_spec_from_body(CqQueryDef *def, Jsonb *body);

/*
 * cq_spec_validate: check def as the calling user and fill in the rest,
 * in the order docs/engine.md lists the checks; the source stays locked
 * until the end of the transaction.  cq_spec_canonical: the spec stored
 * for a validated def.
 */
extern void cq_spec_validate(CqQueryDef *def);
extern Jsonb *cq_spec_canonical(const CqQueryDef *def);

/* Argument n of a create function, a name; "<what> must not be null" */
extern char *cq_name_arg(FunctionCallInfo fcinfo, int n, const char *what);

/*
 * JSON helpers of the body's parsers: a key's text, and a string member
 * (NULL for JSON null if null_ok), 22023 naming what and key otherwise.
 */
extern char *cq_jsonb_key(const JsonbValue *k);
extern char *cq_jsonb_string(const JsonbValue *v, const char *key,
							 bool null_ok, const char *what, const char *hint);

#endif /* CQSTREAM_QUERY_SPEC_H */
