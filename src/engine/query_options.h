/*-------------------------------------------------------------------------
 *
 * query_options.h
 *	  A query's options (retention, notify, start, idle_flush), checked
 *	  and filled in with defaults (query_options.c, docs/engine.md).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_QUERY_OPTIONS_H
#define CQSTREAM_QUERY_OPTIONS_H

#include "postgres.h"

#include "engine/query_spec.h"

#define CQ_OPTIONS_HINT                                                    \
	"Options are \"retention_rows\" (a whole number, 0 for no limit), "    \
	"\"retention_age\" (an interval up to 100 years such as \"1 day\", "   \
	"or null for no limit), \"notify\" (\"hint\", \"payload\", \"id\" or " \
	"\"none\"), \"start\" (\"now\" or \"beginning\") and, for window "     \
	"aggregates, \"idle_flush\" (an interval up to 365 days, or null "     \
	"for none)."

/* def's option fields from def->options (NULL: all defaults); 22023 */
extern void cq_options_parse(CqQueryDef *def);

#endif /* CQSTREAM_QUERY_OPTIONS_H */
