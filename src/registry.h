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

/* result id = query id * CQ_RESULT_ID_FACTOR + n (docs/engine.md) */
#define CQ_RESULT_ID_FACTOR INT64CONST(1000000000000)
/* the largest query id whose result ids fit in a bigint */
#define CQ_QUERY_ID_MAX		((int32) (PG_INT64_MAX / CQ_RESULT_ID_FACTOR - 1))

/* NOTIFY channel of query NAME: CQ_CHANNEL_PREFIX NAME (at most 56 bytes) */
#define CQ_CHANNEL_PREFIX	 "cqstream_"
#define CQ_QUERY_NAME_MAXLEN 47

/* Announces every registry change; payload the query name */
#define CQ_REGISTRY_CHANNEL	   "cqstream_registry"
/* The query name whose channel would be CQ_REGISTRY_CHANNEL */
#define CQ_RESERVED_QUERY_NAME "registry"

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
