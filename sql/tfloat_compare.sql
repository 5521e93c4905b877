--
-- tfloat comparison: equality, the total order, hashing, and the planner
-- paths that depend on them (sort, hash and merge joins, DISTINCT,
-- GROUP BY, UNION, btree and hash indexes).
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
-- Server-side COPY files go in the data directory, which the server owns
SELECT current_setting('data_directory') || '/cqstream_regress_compare.copy' AS copy_compare \gset

-- Values of every subtype, with near neighbours that differ in one part.
-- id 35 differs from id 1 only beyond the 15 printed decimals.
CREATE TABLE tfc (id int PRIMARY KEY, t tfloat);
INSERT INTO tfc VALUES
	(1, '1@2001-01-01'),
	(2, '{1@2001-01-01}'),
	(3, '[1@2001-01-01]'),
	(4, '{[1@2001-01-01]}'),
	(5, '2@2001-01-01'),
	(6, '1@2001-01-02'),
	(7, '-1@2001-01-01'),
	(8, 'NaN@2001-01-01'),
	(9, 'Infinity@2001-01-01'),
	(10, '-Infinity@2001-01-01'),
	(11, '0@2001-01-01'),
	(12, '-0@2001-01-01'),
	(13, '{1@2001-01-01, 2@2001-01-02}'),
	(14, '[1@2001-01-01, 2@2001-01-02]'),
	(15, '[1@2001-01-01, 2@2001-01-02)'),
	(16, '(1@2001-01-01, 2@2001-01-02]'),
	(17, '(1@2001-01-01, 2@2001-01-02)'),
	(18, 'Interp=Step;[1@2001-01-01, 2@2001-01-02]'),
	(19, '{[1@2001-01-01, 2@2001-01-02]}'),
	(20, 'Interp=Step;{[1@2001-01-01, 2@2001-01-02]}'),
	(21, '{[1@2001-01-01], [2@2001-01-02]}'),
	(22, '{[1@2001-01-01, 2@2001-01-02), [2@2001-01-02, 3@2001-01-03]}'),
	(23, '[1@2001-01-01, 3@2001-01-03]'),
	(24, '{[1@2001-01-01, 2@2001-01-02], (2@2001-01-02, 3@2001-01-03]}'),
	(25, '{[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]}'),
	(26, '{[1@2001-01-01, 2@2001-01-02), [3@2001-01-02, 3@2001-01-03]}'),
	(27, '{1@2001-01-01, 2@2001-01-02, 3@2001-01-03}'),
	(28, '[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]'),
	(29, '{NaN@2001-01-01, 2@2001-01-02}'),
	(30, '{NaN@2001-01-01, 2@2001-01-02}'),
	(31, '[-0@2001-01-01, 1@2001-01-02]'),
	(32, '[0@2001-01-01, 1@2001-01-02]'),
	(33, '1@1969-12-31 23:59:59.999999'),
	(34, '1@2001-01-01 00:00:00.000001'),
	(35, '1.0000000000000002@2001-01-01'),
	(36, 'Interp=Step;[1@2001-01-01, 1@2001-01-02)'),
	(37, 'Interp=Step;[1@2001-01-01, 1@2001-01-02]');

-- The btree order (see the header of src/tfloat/tfloat_compare.c): instants
-- pairwise (time, then value; -0 = 0, NaN last), then the number of
-- instants, subtype, interpolation and bounds.
SELECT id, t FROM tfc ORDER BY t, id;
SELECT id, t FROM tfc ORDER BY t DESC, id;

-- Equality follows normalization and float8 semantics
SELECT '[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]'::tfloat
	 = '[1@2001-01-01, 3@2001-01-03]' AS normalized_linear,
	'Interp=Step;[1@2001-01-01, 1@2001-01-02, 2@2001-01-03]'::tfloat
	 = 'Interp=Step;[1@2001-01-01, 2@2001-01-03]' AS normalized_step,
	'-0@2001-01-01'::tfloat = '0@2001-01-01' AS minus_zero,
	'NaN@2001-01-01'::tfloat = 'NaN@2001-01-01' AS nan,
	'NaN@2001-01-01'::tfloat > 'Infinity@2001-01-01' AS nan_above_inf,
	'1@2001-01-01'::tfloat = '{1@2001-01-01}' AS instant_vs_discrete,
	'[1@2001-01-01]'::tfloat = '{[1@2001-01-01]}' AS sequence_vs_set,
	'[1@2001-01-01, 2@2001-01-02]'::tfloat
	 = 'Interp=Step;[1@2001-01-01, 2@2001-01-02]' AS linear_vs_step,
	'1@2001-01-01 00:00:00+00'::tfloat = '1@2001-01-01 05:30:00+05:30' AS same_instant_other_zone;

-- Every operator on a few pairs
SELECT a.id AS a, b.id AS b, tfloat_cmp(a.t, b.t) AS cmp,
	a.t = b.t AS eq, a.t <> b.t AS ne, a.t < b.t AS lt, a.t <= b.t AS le,
	a.t > b.t AS gt, a.t >= b.t AS ge
FROM tfc a, tfc b
WHERE (a.id, b.id) IN ((1, 1), (1, 2), (2, 1), (11, 12), (12, 11), (8, 9),
	(14, 15), (15, 16), (16, 17), (14, 19), (19, 20), (22, 23), (24, 25),
	(29, 30), (33, 1), (35, 1))
ORDER BY a.id, b.id;

-- Laws over all pairs and triples: each count must be 0
SELECT count(*) FILTER (WHERE (a.t = b.t) <> (tfloat_cmp(a.t, b.t) = 0)) AS eq_vs_cmp,
	count(*) FILTER (WHERE (a.t <> b.t) = (a.t = b.t)) AS ne_vs_eq,
	count(*) FILTER (WHERE tfloat_cmp(a.t, b.t) <> -tfloat_cmp(b.t, a.t)) AS antisymmetry,
	count(*) FILTER (WHERE tfloat_cmp(a.t, b.t) NOT IN (-1, 0, 1)) AS cmp_range,
	count(*) FILTER (WHERE (a.t < b.t) <> (tfloat_cmp(a.t, b.t) < 0)
		OR (a.t <= b.t) <> (tfloat_cmp(a.t, b.t) <= 0)
		OR (a.t > b.t) <> (tfloat_cmp(a.t, b.t) > 0)
		OR (a.t >= b.t) <> (tfloat_cmp(a.t, b.t) >= 0)) AS ops_vs_cmp,
	count(*) FILTER (WHERE a.t = b.t AND (tfloat_hash(a.t) <> tfloat_hash(b.t)
		OR tfloat_hash_extended(a.t, 42) <> tfloat_hash_extended(b.t, 42))) AS hash_vs_eq,
	count(*) FILTER (WHERE a.t <> b.t AND tfloat_hash(a.t) = tfloat_hash(b.t)) AS hash_collisions,
	count(*) FILTER (WHERE a.t = b.t AND a.id <> b.id) AS equal_pairs,
	count(*) AS pairs
FROM tfc a, tfc b;

SELECT count(*) AS transitivity_violations
FROM tfc a, tfc b, tfc c
WHERE a.t <= b.t AND b.t <= c.t AND NOT a.t <= c.t;

-- The pairs that are equal although written differently
SELECT a.id, b.id, a.t FROM tfc a JOIN tfc b ON a.t = b.t AND a.id < b.id
ORDER BY a.id, b.id;

-- Hash: 32-bit hash is the low half of the extended hash with seed 0;
-- the seed changes the extended hash
SELECT count(*) FILTER (WHERE tfloat_hash(t) <> tfloat_hash_extended(t, 0)::bit(32)::int) AS low_bits_mismatch,
	count(*) FILTER (WHERE tfloat_hash_extended(t, 0) = tfloat_hash_extended(t, 1)) AS seed_ignored,
	count(*) AS n
FROM tfc;

-- A NaN with another bit pattern (the negative quiet NaN) is made through
-- a binary COPY of hand-made tfloat_send bytes: equal to NaN, same hash,
-- though the bytes differ
CREATE TEMP TABLE nan_bytes AS
SELECT overlay(tfloat_send('NaN@2001-01-01') PLACING '\xfff8000000000001'::bytea
	FROM 15 FOR 8) AS b;
COPY nan_bytes TO :'copy_compare' (FORMAT binary);
CREATE TEMP TABLE other_nan (t tfloat);
COPY other_nan FROM :'copy_compare' (FORMAT binary);
SELECT t, tfloat_send(t), tfloat_send(t) = tfloat_send('NaN@2001-01-01') AS same_bytes,
	t = 'NaN@2001-01-01' AS eq, tfloat_cmp(t, 'NaN@2001-01-01') AS cmp,
	tfloat_hash(t) = tfloat_hash('NaN@2001-01-01') AS same_hash,
	tfloat_hash_extended(t, 7) = tfloat_hash_extended('NaN@2001-01-01', 7) AS same_hash_ext
FROM other_nan;

-- Large values (TOASTed, and more than one hash chunk): -0 and 0 in
-- the middle, and a difference only in the last instant
CREATE TABLE tfc_big (id int, t tfloat);
INSERT INTO tfc_big
SELECT k, ('{' || string_agg(
		CASE WHEN i = 1000 THEN (CASE k WHEN 1 THEN '-0' ELSE '0' END)
			 WHEN i = 3000 AND k = 3 THEN '7'
			 ELSE (i % 17)::text END
		|| '@' || ('2001-01-01'::timestamptz + i * interval '1 minute'), ', ' ORDER BY i)
	|| '}')::tfloat
FROM generate_series(1, 3) k, generate_series(1, 3000) i
GROUP BY k;
SELECT id, pg_column_size(t) < 3000 * 16 AS compressed,
	(SELECT count(*) FROM tfc_big b WHERE b.t = a.t) AS equal_to,
	tfloat_hash(t) = (SELECT tfloat_hash(t) FROM tfc_big WHERE id = 1) AS hash_as_1,
	tfloat_cmp(t, (SELECT t FROM tfc_big WHERE id = 1)) AS cmp_1
FROM tfc_big a ORDER BY id;

-- Planner paths.  Join tfc with a copy of itself under each strategy.
CREATE TABLE tfc2 AS SELECT id + 100 AS id, t FROM tfc;
ANALYZE tfc, tfc2;

SET enable_hashjoin = on;
SET enable_mergejoin = off;
SET enable_nestloop = off;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM tfc a JOIN tfc2 b ON a.t = b.t;
SELECT a.id, b.id FROM tfc a JOIN tfc2 b ON a.t = b.t ORDER BY a.id, b.id;

SET enable_hashjoin = off;
SET enable_mergejoin = on;
EXPLAIN (COSTS OFF) SELECT a.id, b.id FROM tfc a JOIN tfc2 b ON a.t = b.t;
SELECT a.id, b.id FROM tfc a JOIN tfc2 b ON a.t = b.t ORDER BY a.id, b.id;
RESET enable_hashjoin;
RESET enable_mergejoin;
RESET enable_nestloop;

-- DISTINCT, GROUP BY and UNION, by hashing and by sorting
SET enable_sort = off;
SET enable_hashagg = on;
EXPLAIN (COSTS OFF) SELECT DISTINCT t FROM tfc;
SELECT count(*) FROM (SELECT DISTINCT t FROM tfc) s;
EXPLAIN (COSTS OFF) SELECT t, count(*) FROM tfc GROUP BY t;
SELECT t, count(*) FROM tfc GROUP BY t HAVING count(*) > 1 ORDER BY t;
EXPLAIN (COSTS OFF) SELECT t FROM tfc UNION SELECT t FROM tfc2;
SELECT count(*) FROM (SELECT t FROM tfc UNION SELECT t FROM tfc2) s;
RESET enable_sort;

SET enable_hashagg = off;
EXPLAIN (COSTS OFF) SELECT DISTINCT t FROM tfc;
SELECT count(*) FROM (SELECT DISTINCT t FROM tfc) s;
EXPLAIN (COSTS OFF) SELECT t, count(*) FROM tfc GROUP BY t;
SELECT t, count(*) FROM tfc GROUP BY t HAVING count(*) > 1 ORDER BY t;
EXPLAIN (COSTS OFF) SELECT t FROM tfc UNION SELECT t FROM tfc2;
SELECT count(*) FROM (SELECT t FROM tfc UNION SELECT t FROM tfc2) s;
RESET enable_hashagg;

-- Indexes: a btree (range scan and equality) and a hash index
CREATE INDEX tfc_btree ON tfc (t);
CREATE INDEX tfc_hash ON tfc USING hash (t);
SET enable_seqscan = off;
SET enable_bitmapscan = off;
SET enable_indexscan = on;
DROP INDEX tfc_hash;
EXPLAIN (COSTS OFF) SELECT id FROM tfc WHERE t = '-0@2001-01-01';
SELECT id FROM tfc WHERE t = '-0@2001-01-01' ORDER BY id;
EXPLAIN (COSTS OFF) SELECT id FROM tfc
WHERE t >= '1@2001-01-01' AND t < '[1@2001-01-01, 2@2001-01-02]' ORDER BY t;
SELECT id FROM tfc
WHERE t >= '1@2001-01-01' AND t < '[1@2001-01-01, 2@2001-01-02]' ORDER BY t, id;
DROP INDEX tfc_btree;
CREATE INDEX tfc_hash ON tfc USING hash (t);
EXPLAIN (COSTS OFF) SELECT id FROM tfc WHERE t = 'NaN@2001-01-01';
SELECT id FROM tfc WHERE t = 'NaN@2001-01-01' ORDER BY id;
SELECT id FROM tfc WHERE t = '{NaN@2001-01-01, 2@2001-01-02}' ORDER BY id;
RESET enable_seqscan;
RESET enable_bitmapscan;
RESET enable_indexscan;

-- A unique index refuses values equal after normalization
CREATE TABLE tfc_unique (t tfloat UNIQUE);
INSERT INTO tfc_unique VALUES ('[1@2001-01-01, 3@2001-01-03]');
INSERT INTO tfc_unique VALUES ('[1@2001-01-01, 2@2001-01-02, 3@2001-01-03]');
INSERT INTO tfc_unique VALUES ('-0@2001-01-01');
INSERT INTO tfc_unique VALUES ('0@2001-01-01');

-- NULLs: the functions are strict
SELECT tfloat_cmp(NULL, '1@2001-01-01'), tfloat_eq('1@2001-01-01', NULL),
	tfloat_hash(NULL), tfloat_hash_extended('1@2001-01-01', NULL);

DROP TABLE tfc, tfc2, tfc_big, tfc_unique;
