/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  The query registry: the SQL API (registry_api.c) that creates,
 *	  drops, pauses and resumes continuous queries and reads their
 *	  results, over the catalog tables of src/sql/80_registry.sql.  See
 *	  docs/engine.md.
 *
 * Design notes
 *
 * The registry is split by concept: registry_api.c holds the
 * SQL-callable functions; query_spec.c, query_options.c, window_json.c
 * and source_check.c read and validate a new query; owner.c decides who
 * may change a query and follows roles that own queries; catalog.c is the
 * only reader and writer of the catalog rows, run as the extension's
 * owner (extension_owner.c).  This header is what the rest of the
 * extension needs of it, and the shared contract's checks.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_REGISTRY_H
#define CQSTREAM_REGISTRY_H

#include "postgres.h"

/* Result ids, channels, query names: the shared contract */
#include "contract.h"

StaticAssertDecl(
	CQ_QUERY_ID_MAX == PG_INT64_MAX / CQ_RESULT_ID_FACTOR - 1,
	"CQ_QUERY_ID_MAX is the largest query id with room for its results");
StaticAssertDecl(CQ_CHANNEL_PREFIX_LEN + CQ_QUERY_NAME_MAXLEN < NAMEDATALEN,
				 "a query's channel name fits in NAMEDATALEN");

/* Called by _PG_init: records whether the library is being preloaded */
extern void cq_registry_init(void);

#endif /* CQSTREAM_REGISTRY_H */
