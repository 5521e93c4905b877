--
-- tfloat randomized round trips (seeded, so the run is repeatable).
--
-- 3,000 random values of every subtype (instant, discrete, linear and
-- step sequences and sets; 1 to 20 instants; bounds; values from tiny to
-- huge with up to 15 decimals, NaN, infinities, -0) are written as
-- literals in several TimeZones and DateStyles, the timestamps printed by
-- PostgreSQL's own timestamptz output in that setting, so the tfloat
-- parser reads each DateStyle.  For each literal L:
--
--	 t1 = L::tfloat, s1 = t1::text, t2 = s1::tfloat, s2 = t2::text
--
-- must give t1 = t2 and s1 = s2 (the values are chosen to be exact in 15
-- decimals, so text loses nothing), t1 must equal the value read from
-- the same instants in UTC / ISO (the literal names the same instants
-- whatever the setting), and tfloatfrommfjson(asmfjson(t1)) = t1.
--
-- Limits of timestamptz text itself, not of tfloat, shape the data: in the
-- non-ISO DateStyles PostgreSQL prints a zone abbreviation, and PostgreSQL
-- 15 cannot read back the local-mean-time ("LMT") and war-time ("EWT")
-- abbreviations of old dates, and reads "IST" as Israel time unless
-- timezone_abbreviations = 'India'.  So the 3,000 values start from 1946
-- on, Asia/Kolkata runs with the India abbreviations, and a further 600
-- values from 1600 to 1946 (and a few BC) are checked in ISO style only,
-- which prints numeric offsets.
--
-- The output is the number of values checked and of failures (0) per
-- setting, then the list of failing values, which is empty.
--
-- The checks are shared with tint (sql/include/temporal_random.sql).
\getenv abs_srcdir PG_ABS_SRCDIR
\set ttype tfloat
\i :abs_srcdir/sql/include/temporal_random.sql

-- A value this test found with setseed(0.1): linear normalization compares
-- each instant with the last one kept and the next one read, so one pass
-- can keep an instant that a second pass (over the printed value) drops.
-- A stored value must be a fixpoint, or it reads back as another value.
SELECT t::text::tfloat = t AS text_stable, tfloatfrommfjson(asmfjson(t)) = t AS json_stable
FROM (SELECT '[0@2001-01-01 16:30:43, 0.000000981804066@2001-01-03 18:58:18.861275,
	-0.0000001207@2001-01-03 18:58:18.861833, 0.0000000646@2001-01-03 18:58:18.862257,
	850383034@2001-01-03 19:03:20.286729]'::tfloat AS t) s;
