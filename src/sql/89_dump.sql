/*
 * pg_dump keeps everything: the catalog tables (queries, progress, the
 * results log, open windows) and the query id sequence are configuration
 * tables of the extension, so a dump holds their rows and a restore
 * brings the queries back where they stopped; the collections too.
 * Roles (the owner and the readers) are stored as regrole and dumped by
 * name; the source and its sequence as regclass.  Restore in one transaction (psql
 * --single-transaction, pg_restore --single-transaction) so that the
 * worker never sees a query without its progress.
 */
SELECT pg_catalog.pg_extension_config_dump('cqstream.query', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.query_id_seq', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.query_state', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.result_block', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.window_chunk', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.collection', '');
SELECT pg_catalog.pg_extension_config_dump('cqstream.position_state', '');
