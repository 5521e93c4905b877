/*-------------------------------------------------------------------------
 *
 * source_check.h
 *	  The checks of a query's source table and columns at creation, as
 *	  the calling user (source_check.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_SOURCE_CHECK_H
#define CQSTREAM_SOURCE_CHECK_H

#include "postgres.h"

#include "engine/query_spec.h"
#include "utils/relcache.h"

/*
 * cq_source_check: the source exists (42P01) and is a plain or
 * partitioned, non-temporary table (42809); its columns exist (42703) and
 * have usable types (42804; def->value_type set); the key column is
 * neither the time nor the value column (22023); the id column
 * (def->id_column and def->id_sequence; 55000); SELECT on the table or on
 * every column used (42501).  The source stays locked (AccessShareLock)
 * until the end of the transaction.
 */
extern void cq_source_check(CqQueryDef *def);

/*
 * cq_source_id_sequence: the sequence filling column attnum of rel if it
 * can be a source's id column (a bigint identity column, or a bigint
 * column whose default is nextval() of a sequence it owns), else
 * InvalidOid.
 */
extern Oid cq_source_id_sequence(Relation rel, AttrNumber attnum);

#endif /* CQSTREAM_SOURCE_CHECK_H */
