/*-------------------------------------------------------------------------
 *
 * contract.h
 *	  The constants the engine, the install script and the relay share:
 *	  result ids, NOTIFY channels, query names, the notification size.
 *
 * Design notes
 *
 * Plain C with no PostgreSQL headers, so that the relay (relay/, built
 * outside the server) includes the same file as the extension; each
 * constant is defined here and nowhere else.  The install script cannot
 * include a header: the layout suite (test/layout/contract.sh) checks
 * that its literals (the name CHECK, the channel expression, the result
 * id factor) match these values.  docs/engine.md states the contracts.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_CONTRACT_H
#define CQ_CONTRACT_H

/*
 * Result id = query id * CQ_RESULT_ID_FACTOR + n, n counting the query's
 * results from 1; the SSE id of a result.  Written without a suffix so
 * that the engine can paste it into SQL text (CppAsString2); the literal
 * is 64-bit wherever long or long long is.
 */
#define CQ_RESULT_ID_FACTOR 1000000000000
/* The largest query id whose result ids all fit in a bigint */
#define CQ_QUERY_ID_MAX		9223371

/*
 * Query names match ^[a-z][a-z0-9_]{0,46}$; the NOTIFY channel of a query
 * is CQ_CHANNEL_PREFIX followed by its name, so it stays within 56 bytes,
 * below NAMEDATALEN.
 */
#define CQ_CHANNEL_PREFIX	  "cqstream_"
#define CQ_CHANNEL_PREFIX_LEN 9
#define CQ_QUERY_NAME_MAXLEN  47

/* Announces every registry change; payload the query name */
#define CQ_REGISTRY_CHANNEL	   "cqstream_registry"
/* The query name whose channel would be CQ_REGISTRY_CHANNEL */
#define CQ_RESERVED_QUERY_NAME "registry"

/*
 * The largest NOTIFY payload the engine sends, in bytes without the
 * terminating NUL: PostgreSQL refuses payloads of 8000 bytes or more
 * (commands/async.c, NOTIFY_PAYLOAD_MAX_LENGTH = BLCKSZ - NAMEDATALEN - 128
 * with the default block size).  A larger result is announced by reference.
 */
#define CQ_NOTIFY_MAX_PAYLOAD 7999

#endif /* CQ_CONTRACT_H */
