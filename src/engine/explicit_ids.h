/*-------------------------------------------------------------------------
 *
 * explicit_ids.h
 *	  Refusing rows whose id a continuous query may already have read past
 *	  (explicit_ids.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_EXPLICIT_IDS_H
#define CQSTREAM_EXPLICIT_IDS_H

#include "postgres.h"

#include "nodes/plannodes.h"

/* Installs the parse-analysis hook; from _PG_init */
extern void cq_explicit_ids_init(void);

/*
 * For the utility hook, before a COPY runs: a copy of pstmt whose COPY
 * FROM checks every id it gives a source, or pstmt itself.
 */
extern PlannedStmt *cq_explicit_ids_copy(PlannedStmt *pstmt);

/*
 * Makes the plans that write source or its partitions analysed again, so
 * that they check explicit ids for a query created on it now.
 */
extern void cq_explicit_ids_invalidate(Oid source);

#endif /* CQSTREAM_EXPLICIT_IDS_H */
