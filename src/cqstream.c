/*-------------------------------------------------------------------------
 *
 * cqstream.c
 *	  Module entry point.
 *
 * Design notes
 *
 * _PG_init only calls each module's init.  The tfloat type needs no
 * initialization, so the library works both preloaded (as the worker
 * requires) and loaded on demand by CREATE EXTENSION.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "fmgr.h"
#include "utils/guc.h"

#include "engine/explicit_ids.h"
#include "engine/registry.h"
#include "engine/worker.h"

PG_MODULE_MAGIC;

PGDLLEXPORT void _PG_init(void);

void
_PG_init(void)
{
	/* Before the prefix is reserved, which drops unknown placeholders */
	cq_worker_init();
	/* Settings named cqstream.* are ours, even before they exist */
	MarkGUCPrefixReserved("cqstream");
	cq_registry_init();
	cq_explicit_ids_init();
}
