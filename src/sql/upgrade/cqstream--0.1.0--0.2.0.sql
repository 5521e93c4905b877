-- cqstream 0.1.0 -> 0.2.0: ALTER EXTENSION cqstream UPDATE TO '0.2.0'
--
-- Every change to the install script (src/sql/*.sql) since 0.1.0 (commit
-- 7419a2e) is repeated here, so that an updated database ends with the
-- same objects as a fresh CREATE EXTENSION; the upgrade suite
-- (test/upgrade/upgrade.sh) compares the two catalogs and fails on any
-- difference.  Add a column at the end of its table in src/sql/ too: an
-- added column always lands last here.
--
-- The library must be the new one before this runs: install it, restart
-- the server (it is preloaded), then ALTER EXTENSION (docs/deploy.md).

\echo Use "ALTER EXTENSION cqstream UPDATE TO '0.2.0'" to load this file. \quit

-- No SQL change yet.
