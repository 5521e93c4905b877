/*-------------------------------------------------------------------------
 *
 * owner.h
 *	  Query owners: who may change or read a query, and the roles that
 *	  own queries (DROP ROLE, DROP OWNED, REASSIGN OWNED) (owner.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_OWNER_H
#define CQSTREAM_OWNER_H

#include "postgres.h"

#include "nodes/parsenodes.h"

/* 42501 unless uid is a member of owner's role (or a superuser) */
extern void cq_owner_check(Oid uid, Oid owner, const char *name,
						   const char *action);

/*
 * cq_owner_lock: share-lock role for the rest of the transaction (as
 * PostgreSQL's own objects lock the roles they depend on), 42704 if a
 * concurrent DROP ROLE has removed it.
 */
extern void cq_owner_lock(Oid role);

/*
 * The utility hook's part (launcher.c): before DROP ROLE, refuse (2BP01)
 * while a role owns queries in this database; after DROP OWNED /
 * REASSIGN OWNED (stmt), drop the roles' queries / give them to the new
 * role.
 */
extern void cq_owner_check_drop_role(DropRoleStmt *stmt);
extern void cq_owner_after_owned(Node *stmt);

#endif /* CQSTREAM_OWNER_H */
