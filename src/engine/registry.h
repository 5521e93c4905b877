/*-------------------------------------------------------------------------
 *
 * registry.h
 *	  The query registry: cqstream.create_transform / create_query /
 *	  drop_query / pause_query / resume_query / results and the catalog
 *	  tables of src/sql/80_registry.sql.  See docs/engine.md.
 *
 * Design notes
 *
 * The SQL API is written in C and is not SECURITY DEFINER: every check
 * runs as the calling user, and only the catalog writes run as the
 * extension's owner (registry_as_owner_begin/end), with parameters and
 * schema-qualified operators so that the caller's search_path cannot
 * reach them.  The worker reuses the constants and helpers below.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_REGISTRY_H
#define CQSTREAM_REGISTRY_H

#include "postgres.h"

#include "nodes/parsenodes.h"

/* Result ids, channels, query names: the shared contract */
#include "contract.h"

StaticAssertDecl(
	CQ_QUERY_ID_MAX == PG_INT64_MAX / CQ_RESULT_ID_FACTOR - 1,
	"CQ_QUERY_ID_MAX is the largest query id with room for its results");
StaticAssertDecl(CQ_CHANNEL_PREFIX_LEN + CQ_QUERY_NAME_MAXLEN < NAMEDATALEN,
				 "a query's channel name fits in NAMEDATALEN");

/* Set by registry_init when loaded through shared_preload_libraries */
extern bool registry_preloaded;

extern void registry_init(void);

/* The owner of extension cqstream; 55000 if it is not installed */
extern Oid registry_extension_owner(void);

/*
 * Roles that own queries (the utility hook's part): before DROP ROLE,
 * refuse (2BP01) while a role owns queries in this database; after DROP
 * OWNED / REASSIGN OWNED (stmt), drop the roles' queries / give them to
 * the new role.
 */
extern void registry_check_drop_role(DropRoleStmt *stmt);
extern void registry_after_owned(Node *stmt);

#endif /* CQSTREAM_REGISTRY_H */
