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
 * as the extension's owner in a security-restricted operation with a safe
 * search_path, with every value an SPI parameter, and decide with the
 * caller's identity (GetUserId() taken before the switch).
 *
 * DROP ROLE removes the role from every read grant in the current
 * database (the utility hook calls cq_access_forget_roles), so that a
 * later role given the same oid inherits nothing.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/xact.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/acl.h"
#include "utils/array.h"
#include "utils/builtins.h"
#include "utils/guc.h"
#include "utils/lsyscache.h"

#include "engine/access.h"
#include "engine/registry.h"

typedef struct AsOwner
{
	Oid save_userid;
	int save_sec_context;
	int save_nestlevel;
} AsOwner;

/*
 * AsOwnerBegin / AsOwnerEnd: run as the extension's owner in a
 * security-restricted operation with search_path pg_catalog, pg_temp.
 * On error the (sub)transaction abort restores both.
 */
static void
AsOwnerBegin(AsOwner *ctx)
{
	Oid owner = registry_extension_owner();

	GetUserIdAndSecContext(&ctx->save_userid, &ctx->save_sec_context);
	SetUserIdAndSecContext(owner,
						   ctx->save_sec_context |
							   SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	ctx->save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
}

static void
AsOwnerEnd(AsOwner *ctx)
{
	AtEOXact_GUC(false, ctx->save_nestlevel);
	SetUserIdAndSecContext(ctx->save_userid, ctx->save_sec_context);
}

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

/*
 * ChangeReaders: add (grant) or remove reader from the readers of query
 * name, as a member of its owner's role.  The query's row is locked, so a
 * concurrent drop_query waits or makes this fail as "does not exist".
 */
static void
ChangeReaders(const char *name, Oid reader, bool grant)
{
	Oid uid = GetUserId();
	AsOwner ctx;
	Oid argtypes[2] = {TEXTOID, REGROLEOID};
	Datum values[2];
	bool isnull;
	Oid owner;
	int ret;

	AsOwnerBegin(&ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = CStringGetTextDatum(name);
	values[1] = ObjectIdGetDatum(reader);
	ret = SPI_execute_with_args("SELECT owner FROM cqstream.query"
								" WHERE name = $1 FOR UPDATE",
								1, argtypes, values, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed: %d", ret);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("query \"%s\" does not exist", name),
				 errhint("The registered queries are listed in "
						 "cqstream.queries.")));
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 1, &isnull));
	if (!is_member_of_role(uid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("permission denied to %s read on query \"%s\"",
						grant ? "grant" : "revoke", name),
				 errdetail("Only members of role \"%s\", the query's owner, "
						   "may grant or revoke read on it.",
						   GetUserNameFromId(owner, false))));
	ret =
		SPI_execute_with_args(grant
								  ? "UPDATE cqstream.query SET readers = ARRAY(SELECT DISTINCT r"
									" FROM pg_catalog.unnest(readers OPERATOR(pg_catalog.||) $2) r"
									" ORDER BY r) WHERE name = $1"
								  : "UPDATE cqstream.query SET readers ="
									" pg_catalog.array_remove(readers, $2) WHERE name = $1",
							  2, argtypes, values, NULL, false, 0);
	if (ret != SPI_OK_UPDATE)
		elog(ERROR, "updating cqstream.query failed: %d", ret);
	SPI_finish();
	AsOwnerEnd(&ctx);
}

PG_FUNCTION_INFO_V1(cq_grant_results);
Datum
cq_grant_results(PG_FUNCTION_ARGS)
{
	ChangeReaders(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_OID(1),
				  true);
	PG_RETURN_VOID();
}

PG_FUNCTION_INFO_V1(cq_revoke_results);
Datum
cq_revoke_results(PG_FUNCTION_ARGS)
{
	ChangeReaders(text_to_cstring(PG_GETARG_TEXT_PP(0)), PG_GETARG_OID(1),
				  false);
	PG_RETURN_VOID();
}

/* The last answer of cq_can_read_results, for the rows of one scan */
typedef struct ReadCache
{
	Oid uid;
	int32 query_id;
	bool readable;
} ReadCache;

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
	AsOwner ctx;
	Oid argtypes[1] = {INT4OID};
	Datum values[1];
	int ret;

	if (cache != NULL && cache->uid == uid && cache->query_id == query_id)
		PG_RETURN_BOOL(cache->readable);
	if (cache == NULL)
	{
		cache = MemoryContextAlloc(fcinfo->flinfo->fn_mcxt, sizeof(ReadCache));
		fcinfo->flinfo->fn_extra = cache;
	}

	AsOwnerBegin(&ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	values[0] = Int32GetDatum(query_id);
	ret = SPI_execute_with_args("SELECT owner, readers FROM cqstream.query"
								" WHERE id = $1",
								1, argtypes, values, NULL, true, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.query failed: %d", ret);
	cache->uid = uid;
	cache->query_id = query_id;
	cache->readable = false;
	if (SPI_processed == 1)
	{
		bool isnull;
		Oid owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
												   SPI_tuptable->tupdesc, 1,
												   &isnull));
		Datum readers = SPI_getbinval(SPI_tuptable->vals[0],
									  SPI_tuptable->tupdesc, 2, &isnull);

		cache->readable = cq_access_can_read(uid, owner,
											 isnull ? NULL
													: DatumGetArrayTypeP(
														  readers));
	}
	SPI_finish();
	AsOwnerEnd(&ctx);
	PG_RETURN_BOOL(cache->readable);
}

/*
 * cq_access_forget_roles: before DROP ROLE, remove the roles about to be
 * dropped from every read grant in this database.  Runs in the DROP's
 * transaction, so a failing DROP ROLE keeps the grants.
 */
void
cq_access_forget_roles(List *roles)
{
	AsOwner ctx;
	Oid argtypes[1] = {REGROLEOID};
	ListCell *lc;

	AsOwnerBegin(&ctx);
	if (SPI_connect() != SPI_OK_CONNECT)
		elog(ERROR, "SPI_connect failed");
	foreach(lc, roles)
	{
		Oid role = lfirst_oid(lc);
		Datum values[1] = {ObjectIdGetDatum(role)};

		if (SPI_execute_with_args("UPDATE cqstream.query SET readers ="
								  " pg_catalog.array_remove(readers, $1)"
								  " WHERE $1 OPERATOR(pg_catalog.=) ANY"
								  " (readers)",
								  1, argtypes, values, NULL, false,
								  0) != SPI_OK_UPDATE)
			elog(ERROR, "updating cqstream.query failed");
	}
	SPI_finish();
	AsOwnerEnd(&ctx);
}
