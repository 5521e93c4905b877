/*-------------------------------------------------------------------------
 *
 * extension_owner.c
 *	  The registry's reads and writes of the catalog, run as the
 *	  extension's owner.
 *
 * Design notes
 *
 * The registry's SQL functions are plain C, not SECURITY DEFINER: every
 * check runs as the calling user (GetUserId()).  The catalog tables are
 * revoked from PUBLIC, so the statements that read or write them run as
 * the extension's owner (pg_extension.extowner), under
 * SetUserIdAndSecContext with SECURITY_LOCAL_USERID_CHANGE |
 * SECURITY_RESTRICTED_OPERATION, with search_path = pg_catalog, pg_temp
 * and every value passed as an SPI parameter: the caller's search_path,
 * operators or functions never run with the owner's rights.  The worker
 * needs none of this: it runs as a superuser.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/genam.h"
#include "access/htup_details.h"
#include "access/table.h"
#include "catalog/indexing.h"
#include "catalog/pg_extension.h"
#include "executor/spi.h"
#include "miscadmin.h"
#include "utils/fmgroids.h"
#include "utils/guc.h"
#include "utils/rel.h"

#include "engine/extension_owner.h"

Oid
cq_extension_owner(void)
{
	Relation rel;
	ScanKeyData key;
	SysScanDesc scan;
	HeapTuple tup;
	Oid owner = InvalidOid;

	rel = table_open(ExtensionRelationId, AccessShareLock);
	ScanKeyInit(&key, Anum_pg_extension_extname, BTEqualStrategyNumber,
				F_NAMEEQ, CStringGetDatum("cqstream"));
	scan = systable_beginscan(rel, ExtensionNameIndexId, true, NULL, 1, &key);
	tup = systable_getnext(scan);
	if (HeapTupleIsValid(tup))
		owner = ((Form_pg_extension) GETSTRUCT(tup))->extowner;
	systable_endscan(scan);
	table_close(rel, AccessShareLock);
	if (!OidIsValid(owner))
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("extension \"cqstream\" is not installed in this "
						"database")));
	return owner;
}

void
cq_as_extension_owner(CqOwnerFn fn, void *arg)
{
	Oid owner = cq_extension_owner();
	Oid save_userid;
	int save_sec_context;
	int save_nestlevel;
	bool ok = false;

	GetUserIdAndSecContext(&save_userid, &save_sec_context);
	SetUserIdAndSecContext(owner,
						   save_sec_context | SECURITY_LOCAL_USERID_CHANGE |
							   SECURITY_RESTRICTED_OPERATION);
	save_nestlevel = NewGUCNestLevel();
	(void) set_config_option("search_path", "pg_catalog, pg_temp", PGC_USERSET,
							 PGC_S_SESSION, GUC_ACTION_SAVE, true, 0, false);
	PG_TRY();
	{
		if (SPI_connect() != SPI_OK_CONNECT)
			elog(ERROR, "SPI_connect failed");
		fn(arg);
		SPI_finish();
		ok = true;
	}
	PG_FINALLY();
	{
		/* On error the GUC nest level is unwound by the abort */
		if (ok)
			AtEOXact_GUC(false, save_nestlevel);
		SetUserIdAndSecContext(save_userid, save_sec_context);
	}
	PG_END_TRY();
}
