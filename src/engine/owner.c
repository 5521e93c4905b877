/*-------------------------------------------------------------------------
 *
 * owner.c
 *	  Query owners: membership checks, and the roles that own queries.
 *
 * Design notes
 *
 * A query's owner is the role that created it (GetUserId(), so inside a
 * SECURITY DEFINER function its definer); members of that role and
 * superusers may drop, pause, resume it and read its results.
 *
 * PostgreSQL records no dependency of our catalog rows on roles
 * (pg_shdepend knows only system catalogs), so the utility hook
 * (launcher.c) calls the functions below: DROP ROLE is refused while the
 * role owns queries in this database, as it is while it owns a table;
 * DROP OWNED drops the role's queries and REASSIGN OWNED gives them to
 * the new role, both after PostgreSQL has run the command (and so checked
 * the caller's right to it).  As PostgreSQL does for its own objects, DROP
 * ROLE locks the role before it counts the queries and creating a query
 * share-locks its owner (cq_owner_lock), so neither can slip past the
 * other.  Queries in other databases cannot be seen from here: there the
 * worker marks them failed ("owner of query ... no longer exists").
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "catalog/pg_authid.h"
#include "catalog/pg_type.h"
#include "commands/async.h"
#include "commands/extension.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/syscache.h"

#include "contract.h"
#include "engine/catalog.h"
#include "engine/extension_owner.h"
#include "engine/owner.h"

/* Most queries named in DROP ROLE's detail */
#define CQ_ROLE_DETAIL_MAX 10

void
cq_owner_check(Oid uid, Oid owner, const char *name, const char *action)
{
	if (!is_member_of_role(uid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s query \"%s\"", action, name),
				 errdetail("Only members of role \"%s\", the query's owner, "
						   "may %s it.",
						   GetUserNameFromId(owner, false), action)));
}

void
cq_owner_lock(Oid role)
{
	LockSharedObject(AuthIdRelationId, role, 0, AccessShareLock);
	if (!SearchSysCacheExists1(AUTHOID, ObjectIdGetDatum(role)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("role with OID %u was concurrently dropped", role)));
}

/* Arguments of the catalog reads below, run as the extension's owner */
typedef struct OwnedArgs
{
	Oid role;		  /* DROP ROLE */
	ArrayType *roles; /* DROP OWNED / REASSIGN OWNED */
	Oid newrole;	  /* REASSIGN OWNED; invalid for DROP OWNED */
	MemoryContext cxt;
	List *names; /* result, in cxt */
} OwnedArgs;

static void
OwnedByAsOwner(void *arg)
{
	OwnedArgs *a = arg;

	a->names = cq_catalog_owned_by(a->role, a->cxt);
}

static void
ReassignAsOwner(void *arg)
{
	OwnedArgs *a = arg;

	a->names = cq_catalog_reassign(a->roles, a->newrole, a->cxt);
}

void
cq_owner_check_drop_role(DropRoleStmt *stmt)
{
	ListCell *lc;

	/* PostgreSQL's own refusal (42501) comes first */
	if (!has_createrole_privilege(GetUserId()) ||
		!OidIsValid(get_extension_oid("cqstream", true)))
		return;
	foreach(lc, stmt->roles)
	{
		RoleSpec *rs = lfirst_node(RoleSpec, lc);
		OwnedArgs a = {0};
		StringInfoData detail;
		int n;

		/* PostgreSQL refuses CURRENT_USER and the like itself */
		if (rs->roletype != ROLESPEC_CSTRING)
			continue;
		a.role = get_role_oid(rs->rolename, true);
		if (!OidIsValid(a.role))
			continue;
		/*
		 * As DropRole will: no query can be created for the role from now
		 * on (creating one share-locks its owner), and the count below
		 * sees every query committed before.
		 */
		LockSharedObject(AuthIdRelationId, a.role, 0, AccessExclusiveLock);
		a.cxt = CurrentMemoryContext;
		cq_as_extension_owner(OwnedByAsOwner, &a);
		n = list_length(a.names);
		if (n == 0)
			continue;
		initStringInfo(&detail);
		for (int i = 0; i < n && i < CQ_ROLE_DETAIL_MAX; i++)
			appendStringInfo(&detail, "%sowner of continuous query %s",
							 i > 0 ? "\n" : "",
							 (const char *) list_nth(a.names, i));
		if (n > CQ_ROLE_DETAIL_MAX)
			appendStringInfo(&detail, "\nand %d other continuous queries",
							 n - CQ_ROLE_DETAIL_MAX);
		ereport(ERROR,
				(errcode(ERRCODE_DEPENDENT_OBJECTS_STILL_EXIST),
				 errmsg("role \"%s\" cannot be dropped because some "
						"objects depend on it",
						rs->rolename),
				 errdetail_internal("%s", detail.data),
				 errhint("Drop the queries with cqstream.drop_query(), "
						 "or use REASSIGN OWNED or DROP OWNED.")));
	}
}

void
cq_owner_after_owned(Node *stmt)
{
	List *roles;
	Datum *oids;
	int nroles = 0;
	ListCell *lc;
	OwnedArgs a = {0};

	if (!OidIsValid(get_extension_oid("cqstream", true)))
		return;
	if (IsA(stmt, DropOwnedStmt))
		roles = ((DropOwnedStmt *) stmt)->roles;
	else
	{
		roles = castNode(ReassignOwnedStmt, stmt)->roles;
		a.newrole = get_rolespec_oid(((ReassignOwnedStmt *) stmt)->newrole,
									 false);
	}
	if (OidIsValid(a.newrole))
		cq_owner_lock(a.newrole);
	oids = palloc(sizeof(Datum) * Max(list_length(roles), 1));
	foreach(lc, roles)
		oids[nroles++] = ObjectIdGetDatum(
			get_rolespec_oid(lfirst_node(RoleSpec, lc), false));
	a.roles = construct_array(oids, nroles, OIDOID, sizeof(Oid), true,
							  TYPALIGN_INT);
	a.cxt = CurrentMemoryContext;
	cq_as_extension_owner(ReassignAsOwner, &a);
	/* As drop_query does: listeners (the relay) learn of the change */
	foreach(lc, a.names)
		Async_Notify(CQ_REGISTRY_CHANNEL, (const char *) lfirst(lc));
}
