/*-------------------------------------------------------------------------
 *
 * extension_owner.h
 *	  Running a piece of the registry as the extension's owner, who alone
 *	  may read and write cqstream's catalog tables (extension_owner.c).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_EXTENSION_OWNER_H
#define CQSTREAM_EXTENSION_OWNER_H

#include "postgres.h"

/* extowner of extension cqstream; 55000 if it is not installed here */
extern Oid cq_extension_owner(void);

typedef void (*CqOwnerFn)(void *arg);

/*
 * cq_as_extension_owner: fn(arg) as the extension's owner, in a
 * security-restricted operation, with search_path = pg_catalog, pg_temp,
 * connected to SPI.  What fn allocates in the current memory context dies
 * with its SPI connection: results go into a context the caller passes in
 * arg.  Errors propagate; the (sub)transaction's abort restores the user,
 * the settings and SPI.
 */
extern void cq_as_extension_owner(CqOwnerFn fn, void *arg);

#endif /* CQSTREAM_EXTENSION_OWNER_H */
