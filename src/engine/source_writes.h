/*-------------------------------------------------------------------------
 *
 * source_writes.h
 *	  Noticing, in any backend, that a transaction wrote a source table of
 *	  a continuous query, and waking the workers that run its queries
 *	  after its commit (source_writes.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_SOURCE_WRITES_H
#define CQSTREAM_SOURCE_WRITES_H

#include "postgres.h"

#include "nodes/nodes.h"

/* Called by _PG_init while preloading: the executor and commit hooks */
extern void cq_source_writes_init(void);

/*
 * Called by the utility hook after a command ran: COPY FROM into a
 * source, CREATE EXTENSION cqstream and COMMIT PREPARED wake at commit.
 */
extern void cq_source_writes_after_utility(Node *stmt);

/*
 * Called by the catalog when this transaction changed the queries:
 * sources (a query created or dropped: every backend's list of sources
 * is invalidated at commit) or only their state (paused, resumed); the
 * worker is woken at commit either way, so that it sees the change.
 */
extern void cq_source_writes_registry_changed(bool sources);

/*
 * Whether writing relid may write a source (the relation itself or an
 * ancestor partitioned table is one): false only when surely not.  The
 * hot path of explicit_ids.c; a hash lookup while the cache is valid.
 */
extern bool cq_source_writes_maybe_source(Oid relid);

/* cqstream.query's oid, InvalidOid when the extension is not installed */
extern Oid cq_source_writes_query_table(void);

/* The worker's own writes wake nobody (it calls this at start) */
extern void cq_source_writes_ignore(void);

#endif /* CQSTREAM_SOURCE_WRITES_H */
