/*
 * Schema cqstream holds cqstream's own API (operations, windows, and later
 * the query registry); the MobilityDB-compatible tfloat functions live
 * beside the type, as in MobilityDB.
 */
CREATE SCHEMA cqstream;
COMMENT ON SCHEMA cqstream IS 'cqstream continuous queries: API and catalog';
GRANT USAGE ON SCHEMA cqstream TO PUBLIC;
