/*
 * test/worker/windows/gen.sql: a seeded random stream for the window
 * tests (test/worker/windows.sh), into wt.stage (n, k, ts, v, s, b) in
 * arrival order n, and its parameters into wt.params.
 *
 * psql variables: seed (1 .. 2^31-1), nrows, inorder (0 or 1), late_ms
 * (the lateness of the queries with lateness; disorder is drawn around
 * it).
 *
 * Design notes
 *
 * 20 to 200 keys plus a NULL key; rows about step_ms apart in event
 * time, starting either in 2026 or just before 1970-01-01 (so window
 * starts before the Unix epoch are exercised).  Out of order (inorder =
 * 0): most rows a little late, some within the lateness, some beyond it,
 * ties at millisecond resolution; 40% of the times rounded up to 100 ms,
 * so the largest time, hence the watermark, often sits on that grid and
 * (with lateness and offsets on it too) exactly on a window end, where an
 * off-by-one in "end > watermark" shows; NULL times and values.  In order
 * (inorder = 1): strictly increasing times (so every key's times are
 * distinct, as a tfloat needs), no NULL time.  Values: ties (one decimal),
 * full-precision numbers, NaN, +-Infinity, -0 and 0; texts that differ
 * only in case, in Unicode normalization or in trailing blanks, and the
 * empty string.
 */
SELECT setseed(:seed / 2147483648.0);

DROP TABLE IF EXISTS wt.params, wt.stage;
CREATE TABLE wt.params AS
SELECT 20 + floor(random() * 181)::int AS nkeys,
	   CASE WHEN random() < 0.35 THEN timestamptz '1969-12-31 23:59:50+00'
			ELSE timestamptz '2026-11-23 10:00:00+00' END AS base,
	   4 + floor(random() * 4)::int AS step_ms,
	   :inorder = 1 AS inorder,
	   :late_ms AS late_ms;

CREATE TABLE wt.stage AS
SELECT n,
	   CASE WHEN rk < 0.03 THEN NULL ELSE 'k' || floor(rk2 * p.nkeys)::int END AS k,
	   CASE WHEN p.inorder THEN
				p.base + (n * p.step_ms * 1000 + floor(rt2 * p.step_ms * 1000)::bigint) * interval '1 microsecond'
			WHEN rt < 0.015 THEN NULL
			ELSE p.base + (CASE WHEN rg < 0.4 THEN 100 ELSE 1 END) * interval '1 ms' * ceil(
				CASE WHEN rt < 0.70 THEN n * p.step_ms + floor(rt2 * 3)
					 WHEN rt < 0.88 THEN n * p.step_ms - floor(rt2 * 0.9 * p.late_ms)
					 ELSE n * p.step_ms - floor((1.2 + rt2 * 5) * p.late_ms)
				END / CASE WHEN rg < 0.4 THEN 100 ELSE 1 END)
	   END AS ts,
	   CASE WHEN rv < 0.02 THEN NULL
			WHEN rv < 0.55 THEN round((rv2 * 200 - 100)::numeric, 1)::float8
			WHEN rv < 0.80 THEN rv2 * 1e6 - 5e5
			WHEN rv < 0.83 THEN floor(rv2 * 10)::float8
			WHEN rv < 0.86 THEN 'NaN'::float8
			WHEN rv < 0.88 THEN 'Infinity'::float8
			WHEN rv < 0.90 THEN '-Infinity'::float8
			WHEN rv < 0.95 THEN '-0'::float8
			ELSE 0::float8
	   END AS v,
	   CASE WHEN rs < 0.02 THEN NULL
			ELSE (ARRAY['a', 'b', 'c', 'A', U&'\00E9', U&'e\0301', '', ' ', 'ab', 'a '])
				 [1 + floor(rs2 * 10)::int]
	   END AS s,
	   CASE WHEN rb < 0.02 THEN NULL ELSE rb2 < 0.6 END AS b
FROM wt.params AS p,
	 generate_series(1, :nrows) AS n,
	 LATERAL (SELECT random() + 0 * n AS rk, random() + 0 * n AS rk2,
					 random() + 0 * n AS rt, random() + 0 * n AS rt2,
					 random() + 0 * n AS rg,
					 random() + 0 * n AS rv, random() + 0 * n AS rv2,
					 random() + 0 * n AS rs, random() + 0 * n AS rs2,
					 random() + 0 * n AS rb, random() + 0 * n AS rb2) AS r;
