/*-------------------------------------------------------------------------
 *
 * access.c
 *	  Who may read a query's results: members of the owner's role and of
 *	  the roles granted read with cqstream.grant_results.
 *
 * Design notes
 *
 * A read grant is the role's oid in the readers column (regrole[]) of the
 * query's catalog row, so it lives and dies with the query, is dumped and
 * restored with it (as role names) and needs no table of its own.  Holding
 * it gives one right: reading the query's results through
 * cqstream.results(), the cqstream.result view and so the relay; not
 * creating, pausing, dropping or granting.  Membership is checked with
 * is_member_of_role, as for the owner, so a grant to a group role serves
 * its members, and the superuser reads everything.
 *
 * The catalog is revoked from PUBLIC: the functions here read and write it
 * through catalog.c as the extension's owner (cq_as_extension_owner), and
 * decide with the caller's identity (GetUserId() taken before the switch).
 *
 * A grant or revoke is announced on CQ_REGISTRY_CHANNEL (payload: the
 * query name), as other registry changes are, sent at commit: the relay
 * checks again, as each role it streams the query to, that the role may
 * still read it.
 *
 * DROP ROLE removes the role from every read grant in the current
 * database (the utility hook calls cq_access_forget_roles), so that a
 * later role given the same oid inherits nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "catalog/pg_type.h"
#include "commands/async.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/lsyscache.h"

#include "contract.h"
#include "engine/access.h"
#include "engine/catalog.h"
#include "engine/extension_owner.h"

/*
 * cq_access_can_read: whether uid may read the results of a query owned by
 * owner whose readers column is readers (a regrole[], or NULL).
 */
bool
cq_access_can_read(Oid uid, Oid owner, ArrayType *readers)
{
	Datum *elems;
	int n;

	if (is_member_of_role(uid, owner))
		return true;
	if (readers == NULL)
		return false;
	deconstruct_array(readers, REGROLEOID, sizeof(Oid), true, TYPALIGN_INT,
					  &elems, NULL, &n);
	for (int i = 0; i < n; i++)
		if (is_member_of_role(uid, DatumGetObjectId(elems[i])))
			return true;
	return false;
}

/*
 * cq_access_check_read: raise 42501 unless uid may read the results of
 * query name (see cq_access_can_read).
 */
void
cq_access_check_read(Oid uid, const char *name, Oid owner, ArrayType *readers)
{
	if (!cq_access_can_read(uid, owner, readers))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to read the results of query "
						"\"%s\"",
						name),
				 errdetail("Members of role \"%s\", the query's owner, and of "
						   "the roles it granted read may read them.",
						   GetUserNameFromId(owner, false)),
				 errhint("The owner can grant read with "
						 "cqstream.grant_results('%s', role).",
						 name)));
}

typedef struct ChangeArgs
{
	const char *name;
	Oid uid;
	Oid reader;
	bool grant;
} ChangeArgs;

/*
 * ChangeReadersAsOwner: add (grant) or remove a reader of query name, for
 * a member of its owner's role.  The query's row is locked, so a
 * concurrent drop_query waits or makes this fail as "does not exist".
 */
static void
ChangeReadersAsOwner(void *arg)
{
	ChangeArgs *a = arg;
	Oid owner;
	int32 id = cq_catalog_lookup(a->name, true, &owner);

	if (!is_member_of_role(a->uid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s read on query \"%s\"",
						a->grant ? "grant" : "revoke", a->name),
				 errdetail("Only members of role \"%s\", the query's owner, "
						   "may grant or revoke read on it.",
						   GetUserNameFromId(owner, false))));
	cq_catalog_change_readers(id, a->reader, a->grant);
}

static void
ChangeReaders(FunctionCallInfo fcinfo, bool grant)
{
	ChangeArgs args;

	args.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	args.uid = GetUserId();
	args.reader = PG_GETARG_OID(1);
	args.grant = grant;
	cq_as_extension_owner(ChangeReadersAsOwner, &args);
	Async_Notify(CQ_REGISTRY_CHANNEL, args.name);
}

PG_FUNCTION_INFO_V1(cq_grant_results);
Datum
cq_grant_results(PG_FUNCTION_ARGS)
{
	ChangeReaders(fcinfo, true);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(cq_revoke_results);
Datum
cq_revoke_results(PG_FUNCTION_ARGS)
{
	ChangeReaders(fcinfo, false);
	PG_RETURN_VOID();
}

/* The last answer of cq_can_read_results, for the rows of one scan */
typedef struct ReadCache
{
	Oid uid;
	int32 query_id;
	bool readable;
} ReadCache;

static void
CanReadAsOwner(void *arg)
{
	ReadCache *c = arg;
	Oid owner;
	ArrayType *readers;

	c->readable = cq_catalog_readers(c->query_id, &owner, &readers) &&
		cq_access_can_read(c->uid, owner, readers);
}

/*
 * cqstream.can_read_results(query_id): the filter of the cqstream.result
 * view.  A view reads block after block of the same query, so the answer
 * for the last query id is kept for the rest of the statement.
 */
PG_FUNCTION_INFO_V1(cq_can_read_results);
Datum
cq_can_read_results(PG_FUNCTION_ARGS)
{
	int32 query_id = PG_GETARG_INT32(0);
	Oid uid = GetUserId();
	ReadCache *cache = (ReadCache *) fcinfo->flinfo->fn_extra;

	if (cache != NULL && cache->uid == uid && cache->query_id == query_id)
		PG_RETURN_BOOL(cache->readable);
	if (cache == NULL)
	{
		cache = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ReadCache));
		fcinfo->flinfo->fn_extra = cache;
	}
	cache->uid = uid;
	cache->query_id = query_id;
	cache->readable = false;
	cq_as_extension_owner(CanReadAsOwner, cache);
	PG_RETURN_BOOL(cache->readable);
}

typedef struct ReadByName
{
	const char *name;
	Oid uid;
	bool found;
	bool readable;
} ReadByName;

static void
CanReadByNameAsOwner(void *arg)
{
	ReadByName *r = arg;
	int32 id;
	Oid owner;
	ArrayType *readers;

	r->found = cq_catalog_find(r->name, &id) &&
		cq_catalog_readers(id, &owner, &readers);
	r->readable = r->found && cq_access_can_read(r->uid, owner, readers);
}

/*
 * cqstream.can_read_query(name): whether the current user may read the
 * results of the query of this name (NULL: no such query); for listings
 * that show a role only the queries it may follow (the relay's /queries).
 */
PG_FUNCTION_INFO_V1(cq_can_read_query);
Datum
cq_can_read_query(PG_FUNCTION_ARGS)
{
	ReadByName r;

	r.name = text_to_cstring(PG_GETARG_TEXT_PP(0));
	r.uid = GetUserId();
	r.found = false;
	r.readable = false;
	cq_as_extension_owner(CanReadByNameAsOwner, &r);
	if (!r.found)
		PG_RETURN_NULL();
	PG_RETURN_BOOL(r.readable);
}

/*
 * cq_access_forget_roles: before DROP ROLE, remove the roles about to be
 * dropped from every read grant in this database.  Runs in the DROP's
 * transaction, so a failing DROP ROLE keeps the grants.
 */
static void
ForgetAsOwner(void *arg)
{
	ListCell *lc;

	foreach(lc, (List *) arg)
		cq_catalog_forget_reader(lfirst_oid(lc));
}

void
cq_access_forget_roles(List *roles)
{
	cq_as_extension_owner(ForgetAsOwner, roles);
}
