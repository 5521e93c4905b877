--
-- window_aggregate against plain SQL on random data (seeded).
--
-- Each case is a random discrete tfloat (discrete sequences are never
-- normalized, so the stored instants are exactly the generated rows) and a
-- random window: tumbling, hopping with several size / hop ratios (also
-- hops that do not divide the size), with negative and large offsets, and
-- count windows with and without a hop.  Times straddle 1970-01-01, so
-- floor division before the epoch is checked too.  The expected windows
-- come from GROUP BY over the rows, with window starts computed by floor
-- division on Unix-epoch microseconds; values are compared as text, so
-- NaN, infinities and the sign of zero must match exactly.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
SET IntervalStyle = 'postgres';
SET extra_float_digits = 1;
SET max_parallel_workers_per_gather = 0;
SELECT setseed(0.3141);

-- size_us/hop_us/off_us in microseconds; size_rows/hop_rows for count
CREATE TEMP TABLE wr_case AS
SELECT id, kind, size_us,
	   CASE kind
		   WHEN 'tumbling' THEN size_us
		   WHEN 'hopping' THEN
			   CASE WHEN ratio > 0 THEN greatest(1, size_us / ratio)
					ELSE (size_us + 49) / 50 +
						 floor(random() * (size_us - (size_us + 49) / 50 + 1))::bigint
			   END
	   END AS hop_us,
	   floor(random() * 4 * size_us)::bigint - 2 * size_us AS off_us,
	   size_rows,
	   CASE WHEN random() < 0.3 THEN NULL
			ELSE 1 + floor(random() * size_rows)::int END AS hop_rows,
	   -- gaps between instants: from much smaller to larger than a window
	   greatest(1, (size_us * (ARRAY[0.05, 0.3, 1.5])[1 + floor(random() * 3)::int])::bigint) AS maxgap,
	   5 + floor(random() * 40)::int AS n,
	   random() < 0.25 AS few_values	-- ties: -0, 0, NaN and small integers
FROM (SELECT id,
			 (ARRAY['tumbling', 'hopping', 'hopping', 'count'])[1 + floor(random() * 4)::int] AS kind,
			 (ARRAY[7, 1000, 1000000, 10000000, 3600000000])[1 + floor(random() * 5)::int]
				 * (1 + floor(random() * 10)::bigint) AS size_us,
			 (ARRAY[1, 2, 3, 4, 6, 0, 0])[1 + floor(random() * 7)::int] AS ratio,
			 1 + floor(random() * 8)::int AS size_rows
	  FROM generate_series(1, 400) AS id) AS c;

-- The rows: times from a little before 1970-01-01, strictly increasing
CREATE TEMP TABLE wr_row AS
SELECT id, i, CASE WHEN id % 3 = 0 THEN 1700000000000000 ELSE 0 END - maxgap * 4 + sum(gap) OVER (PARTITION BY id ORDER BY i) AS us, v
FROM (SELECT c.id, c.maxgap, i,
			 1 + floor(random() * c.maxgap)::bigint AS gap,
			 CASE WHEN c.few_values
				  THEN (ARRAY['-0', '0', 'NaN', '1', '-1'])[1 + floor(r * 5)::int]::float8
				  WHEN r < 0.02 THEN 'NaN'::float8
				  WHEN r < 0.03 THEN 'Infinity'::float8
				  WHEN r < 0.04 THEN '-Infinity'::float8
				  WHEN r < 0.05 THEN '-0'::float8
				  WHEN r < 0.07 THEN 0::float8
				  WHEN r < 0.20 THEN round((random() * 20 - 10)::numeric, 1)::float8
				  ELSE random() * 2000 - 1000 END AS v
	  FROM wr_case AS c, generate_series(1, c.n) AS i,
		   LATERAL (SELECT random() + 0 * i AS r) AS rr) AS g;
ALTER TABLE wr_row ADD ts timestamptz;
UPDATE wr_row SET ts = timestamptz 'epoch' + us * interval '1 microsecond';

SELECT count(*) AS cases, sum(n) AS instants,
	   count(*) FILTER (WHERE kind = 'tumbling') AS tumbling,
	   count(*) FILTER (WHERE kind = 'hopping') AS hopping,
	   count(*) FILTER (WHERE kind = 'hopping' AND size_us % hop_us <> 0) AS hop_not_dividing,
	   count(*) FILTER (WHERE kind = 'count') AS count_windows,
	   count(*) FILTER (WHERE off_us < 0) AS negative_offsets
FROM wr_case;
SELECT count(*) FILTER (WHERE ts < 'epoch') AS before_1970,
	   count(*) FILTER (WHERE v = 'NaN') AS nan,
	   count(*) FILTER (WHERE v IN ('Infinity', '-Infinity')) AS infinite
FROM wr_row;

-- The values and windows as cqstream sees them
CREATE TEMP TABLE wr_input AS
SELECT c.*,
	   ('{' || (SELECT string_agg(r.v::text || '@' || r.ts::text, ', ' ORDER BY r.ts)
				FROM wr_row AS r WHERE r.id = c.id) || '}')::tfloat AS tf,
	   CASE c.kind
		   WHEN 'tumbling' THEN cqstream.tumbling(c.size_us * interval '1 microsecond',
												  c.off_us * interval '1 microsecond')
		   WHEN 'hopping' THEN cqstream.hopping(c.size_us * interval '1 microsecond',
												c.hop_us * interval '1 microsecond',
												c.off_us * interval '1 microsecond')
		   ELSE cqstream.count_window(c.size_rows, c.hop_rows)
	   END AS win
FROM wr_case AS c;

-- The same rows as sequence sets of linear sequences of up to 3 instants
-- with random upper bounds (cases 1001 ..): normalization may drop
-- instants, so the expected windows come from the instants that
-- instants() lists
CREATE TEMP TABLE wr_case_set AS SELECT * FROM wr_case;
UPDATE wr_case_set SET id = id + 1000;
INSERT INTO wr_case SELECT * FROM wr_case_set;
INSERT INTO wr_input
SELECT c.*,
	   ('{' || (SELECT string_agg(seq, ', ' ORDER BY chunk)
				FROM (SELECT chunk,
							 '[' || string_agg(r.v::text || '@' || r.ts::text, ', ' ORDER BY r.ts) ||
							 CASE WHEN count(*) > 1 AND (r.id + chunk) % 2 = 0 THEN ')' ELSE ']' END AS seq
					  FROM wr_row AS r, LATERAL (SELECT (r.i - 1) / 3 AS chunk) AS k
					  WHERE r.id = c.id - 1000
					  GROUP BY r.id, chunk) AS s) || '}')::tfloat,
	   i.win
FROM wr_case AS c JOIN wr_input AS i ON i.id = c.id - 1000
WHERE c.id > 1000;
INSERT INTO wr_row (id, i, us, v, ts)
SELECT id, ord, (extract(epoch FROM starttimestamp(inst)) * 1000000)::bigint,
	   startvalue(inst), starttimestamp(inst)
FROM wr_input, unnest(instants(tf)) WITH ORDINALITY AS u(inst, ord)
WHERE id > 1000;
SELECT count(*) FILTER (WHERE id < 1000) AS rows,
	   count(*) FILTER (WHERE id > 1000) AS set_instants
FROM wr_row;

CREATE TEMP TABLE wr_agg (agg text);
INSERT INTO wr_agg VALUES ('count'), ('sum'), ('avg'), ('min'), ('max');

CREATE TEMP TABLE wr_actual AS
SELECT i.id, a.agg, w.window_start, w.window_end, w.value, w.count
FROM wr_input AS i, wr_agg AS a,
	 LATERAL cqstream.window_aggregate(i.tf, upper(a.agg), i.win) AS w;

-- Time windows: each row's window starts by floor division on Unix-epoch
-- microseconds (the largest start s <= us with s = off (mod hop), then
-- every hop back while the window still covers us)
CREATE TEMP TABLE wr_member AS
SELECT r.id, r.ts, r.v, s.start_us, s.start_us + c.size_us AS end_us
FROM wr_row AS r JOIN wr_case AS c USING (id),
	 LATERAL (SELECT r.us - (((r.us - c.off_us) % c.hop_us) + c.hop_us) % c.hop_us AS last_us) AS l,
	 LATERAL (SELECT l.last_us - j * c.hop_us AS start_us
			  FROM generate_series(0, (c.size_us - 1) / c.hop_us) AS j) AS s
WHERE c.kind <> 'count' AND s.start_us + c.size_us > r.us
UNION ALL
-- Count windows: row i (0-based) is in windows k with
-- k * hop <= i < k * hop + size; only complete windows count
SELECT r.id, r.ts, r.v, k, NULL
FROM (SELECT *, row_number() OVER (PARTITION BY id ORDER BY ts) - 1 AS idx,
			 count(*) OVER (PARTITION BY id) AS nrows
	  FROM wr_row) AS r
	 JOIN wr_case AS c USING (id),
	 LATERAL generate_series(0, r.idx / coalesce(c.hop_rows, c.size_rows)) AS k
WHERE c.kind = 'count'
  AND k * coalesce(c.hop_rows, c.size_rows) + c.size_rows > r.idx
  AND k * coalesce(c.hop_rows, c.size_rows) + c.size_rows <= r.nrows;

CREATE TEMP TABLE wr_expected AS
SELECT g.id, a.agg,
	   CASE WHEN g.end_us IS NULL THEN g.first_ts
			ELSE timestamptz 'epoch' + g.start_us * interval '1 microsecond' END AS window_start,
	   CASE WHEN g.end_us IS NULL THEN g.last_ts
			ELSE timestamptz 'epoch' + g.end_us * interval '1 microsecond' END AS window_end,
	   CASE a.agg WHEN 'count' THEN g.cnt::float8 WHEN 'sum' THEN g.sum
				  WHEN 'avg' THEN g.avg WHEN 'min' THEN g.min ELSE g.max END AS value,
	   g.cnt AS count
FROM (SELECT id, start_us, end_us, min(ts) AS first_ts, max(ts) AS last_ts,
			 count(*) AS cnt, sum(v ORDER BY ts) AS sum, avg(v ORDER BY ts) AS avg,
			 min(v ORDER BY ts) AS min, max(v ORDER BY ts) AS max
	  FROM wr_member GROUP BY id, start_us, end_us) AS g,
	 wr_agg AS a;

-- Mismatches, listed (nothing when passing), then counted
CREATE TEMP VIEW wr_mismatch AS
SELECT coalesce(e.id, a.id) AS id, coalesce(e.agg, a.agg) AS agg,
	   e.window_start AS e_start, a.window_start AS a_start,
	   e.window_end AS e_end, a.window_end AS a_end,
	   e.value::text AS e_value, a.value::text AS a_value,
	   e.count AS e_count, a.count AS a_count
FROM wr_expected AS e FULL JOIN wr_actual AS a
	 ON e.id = a.id AND e.agg = a.agg AND e.window_start = a.window_start
WHERE e.id IS NULL OR a.id IS NULL
   OR e.window_end IS DISTINCT FROM a.window_end
   OR e.value::text IS DISTINCT FROM a.value::text
   OR e.count IS DISTINCT FROM a.count;

SELECT * FROM wr_mismatch ORDER BY id, agg, coalesce(e_start, a_start) LIMIT 20;

SELECT (SELECT count(*) FROM wr_mismatch) AS mismatches,
	   (SELECT count(*) FROM wr_expected) AS windows_checked,
	   (SELECT count(DISTINCT (id, window_start)) FROM wr_expected) AS distinct_windows;

-- Window order: window_aggregate returns its rows by window start
SELECT count(*) AS out_of_order
FROM (SELECT w.window_start,
			 lag(w.window_start) OVER (PARTITION BY i.id ORDER BY w.ord) AS prev
	  FROM wr_input AS i,
		   LATERAL cqstream.window_aggregate(i.tf, 'count', i.win)
				   WITH ORDINALITY AS w(window_start, window_end, value, count, ord)) AS o
WHERE o.prev >= o.window_start;
