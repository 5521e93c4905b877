/*-------------------------------------------------------------------------
 *
 * timestamp_fast.h
 *	  Fast paths for ISO timestamps in bulk text I/O (timestamp_fast.c).
 *
 * Both return false when the input is not the common case; the caller
 * then uses PostgreSQL's general routines, which give the same answer.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_TIMESTAMP_FAST_H
#define CQSTREAM_TIMESTAMP_FAST_H

#include "datatype/timestamp.h"

/* ISO output in the session TimeZone; buf of MAXDATELEN + 1 bytes */
extern bool tf_fast_timestamp_out(TimestampTz t, char *buf, int *len);

/* "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+HH[:MM]]", trimmed */
extern bool tf_fast_timestamp_in(const char *str, TimestampTz *result);

#endif /* CQSTREAM_TIMESTAMP_FAST_H */
