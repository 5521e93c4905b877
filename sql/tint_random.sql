--
-- tint randomized round trips: tfloat's (tfloat_random.sql) on random
-- int4 values, discrete and step.  For each literal L in several TimeZones
-- and DateStyles, t1 = L::tint, s1 = t1::text, t2 = s1::tint, s2 =
-- t2::text must give t1 = t2 and s1 = s2, t1 the value read in UTC / ISO,
-- and tintfrommfjson(asmfjson(t1)) = t1.  The output is the number of
-- values checked and of failures (0) per setting, then the failing values
-- (none).
--
\getenv abs_srcdir PG_ABS_SRCDIR
\set ttype tint
\i :abs_srcdir/sql/include/temporal_random.sql
