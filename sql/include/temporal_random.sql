--
-- Randomized round trips of a temporal number type, seeded so that a run
-- is repeatable: included by tfloat_random.sql and tint_random.sql after
-- \set ttype tfloat (or tint).  What is checked is described in
-- tfloat_random.sql; for tint the values are random int4 (the limits
-- among them), every sequence is step and written without a prefix.
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

SELECT setseed(0.42);

-- The values: kind 0 instant, 1 discrete, 2 sequence, 3 sequence set;
-- family 'A' (all settings) or 'B' (old dates, ISO only)
CREATE TABLE rnd_spec AS
SELECT id, CASE WHEN id <= 3000 THEN 'A' ELSE 'B' END AS family, kind,
	-- a tint's sequences are all step (the OR after AND keeps tfloat's
	-- random() calls, so its data, unchanged)
	(kind >= 2 AND random() < 0.5) OR (:'ttype' = 'tint' AND kind >= 2) AS step,
	CASE WHEN kind = 0 THEN 1 ELSE 1 + floor(random() * 20)::int END AS n,
	CASE WHEN id <= 3000
		THEN '1946-01-01 00:00:00+00'::timestamptz + random() * interval '154 years'
		WHEN id <= 3580
		THEN '1600-01-01 00:00:00+00'::timestamptz + random() * interval '346 years'
		ELSE '0100-01-01 00:00:00+00 BC'::timestamptz + random() * interval '200 years'
	END AS start
FROM (SELECT id, floor(random() * 4)::int AS kind
	  FROM generate_series(1, 3600) id) s;

-- Random integers for tint: any int4, the limits and 0 among them
CREATE FUNCTION pg_temp.rnd_int_value() RETURNS text LANGUAGE sql VOLATILE AS $$
SELECT CASE
	WHEN r < 0.1 THEN (ARRAY['-2147483648', '2147483647', '0', '-0', '+7'])
		[1 + floor(random() * 5)::int]
	WHEN r < 0.5 THEN (floor(random() * 201) - 100)::int::text
	ELSE (floor(random() * 4294967296) - 2147483648)::bigint::text
END
FROM (SELECT random() AS r) s
$$;

-- Random numbers as float8 literals with at most 15 decimals (and at most
-- 16 significant digits, so that the exponent form keeps them too): m with
-- 1 to 16 digits, times 10^-j, written "me-j" or as a decimal fraction
CREATE FUNCTION pg_temp.rnd_value() RETURNS text LANGUAGE sql VOLATILE AS $$
SELECT CASE
	WHEN r < 0.04 THEN (ARRAY['NaN', 'Infinity', '-Infinity', '-0', '0',
							  '1e-300', '5e-324', '1e308', '-1e-8', '1e15'])
		[1 + floor(random() * 10)::int]
	WHEN r < 0.14 THEN sign || floor(random() * 1e15)::bigint || 'e-' || (290 + floor(random() * 30)::int)
	WHEN r < 0.24 THEN sign || floor(random() * 1e15)::bigint || 'e' || (floor(random() * 290)::int)
	WHEN r < 0.6 THEN sign || m || 'e-' || j
	ELSE sign || (m::numeric * 10::numeric ^ (-j))::text
END
FROM (SELECT random() AS r, CASE WHEN random() < 0.3 THEN '-' ELSE '' END AS sign,
		floor(random() * 10 ^ (1 + floor(random() * 16)))::bigint AS m,
		floor(random() * 16)::int AS j) s
$$;

-- The instants: strictly increasing times at steps of microseconds to
-- weeks; some values repeat the previous one (normalization at work);
-- sets are cut into sequences at random.
CREATE TABLE rnd_raw AS
SELECT s.id, i,
	s.start + sum(gap) OVER w AS ts,
	CASE WHEN i > 1 AND rep THEN NULL ELSE val END AS v,
	CASE WHEN s.kind = 3 THEN count(*) FILTER (WHERE cut) OVER w ELSE 0 END AS seq
FROM rnd_spec s,
	LATERAL (SELECT i,
				CASE WHEN i = 1 THEN interval '0'
					ELSE (1 + floor(random() * (ARRAY[1000, 1000000, 3600000000, 604800000000])
						[1 + floor(random() * 4)::int]))::bigint * interval '1 microsecond'
				END AS gap,
				random() < 0.2 AS rep,
				i > 1 AND random() < 0.25 AS cut,
				CASE WHEN :'ttype' = 'tint' THEN pg_temp.rnd_int_value()
					ELSE pg_temp.rnd_value() END AS val
			 FROM generate_series(1, s.n) i) g
WINDOW w AS (PARTITION BY s.id ORDER BY i);

-- Bounds of each sequence: inclusive when it has one instant
CREATE TABLE rnd_seq AS
SELECT id, seq, cnt,
	cnt = 1 OR random() < 0.6 AS lower_inc,
	cnt = 1 OR random() < 0.6 AS upper_inc
FROM (SELECT id, seq, count(*) AS cnt
	  FROM rnd_raw JOIN rnd_spec USING (id)
	  WHERE kind >= 2 GROUP BY id, seq ORDER BY id, seq) g;

-- A repeated value takes the previous instant's (a run of repeats too),
-- and a step sequence with an exclusive upper bound ends with the value
-- of its previous instant
CREATE TABLE rnd_inst AS
SELECT id, i, ts, seq,
	CASE WHEN s.step AND NOT q.upper_inc
			AND i = max(i) OVER (PARTITION BY id, seq)
		THEN lag(v) OVER (PARTITION BY id ORDER BY i) ELSE v END AS v
FROM (SELECT id, i, ts, seq, max(v) OVER (PARTITION BY id, grp) AS v
	  FROM (SELECT *, count(v) OVER (PARTITION BY id ORDER BY i) AS grp
			FROM rnd_raw) r) f
	JOIN rnd_spec s USING (id)
	LEFT JOIN rnd_seq q USING (id, seq);

-- Every subtype is well represented
SELECT kind, step, count(*) AS n_values, sum(n) AS n_instants,
	count(*) FILTER (WHERE start < '1970-01-01') AS before_1970
FROM rnd_spec GROUP BY kind, step ORDER BY kind, step;

-- The literal of each value in the current TimeZone / DateStyle
CREATE VIEW rnd_literal AS
SELECT s.id, s.family,
	CASE WHEN s.step AND :'ttype' = 'tfloat' THEN 'Interp=Step;' ELSE '' END ||
	CASE s.kind
		WHEN 0 THEN min(q.body)
		WHEN 1 THEN '{' || min(q.body) || '}'
		WHEN 2 THEN min(q.body)
		ELSE '{' || string_agg(q.body, ', ' ORDER BY q.seq) || '}'
	END AS lit
FROM rnd_spec s JOIN (
	SELECT i.id, i.seq,
		CASE WHEN b.id IS NULL THEN '' WHEN b.lower_inc THEN '[' ELSE '(' END ||
		string_agg(i.v || '@' || i.ts::text, ', ' ORDER BY i.i) ||
		CASE WHEN b.id IS NULL THEN '' WHEN b.upper_inc THEN ']' ELSE ')' END AS body
	FROM rnd_inst i LEFT JOIN rnd_seq b USING (id, seq)
	GROUP BY i.id, i.seq, b.id, b.lower_inc, b.upper_inc) q ON q.id = s.id
GROUP BY s.id, s.family, s.kind, s.step;

-- The reference: each value read in UTC / ISO
CREATE TABLE rnd_ref AS SELECT id, CAST(lit AS :ttype) AS t FROM rnd_literal;

-- A few literals, to see what is being read
SELECT id, left(lit, 140) AS lit FROM rnd_literal WHERE id IN (1, 2, 3, 4, 3599) ORDER BY id;
SET TimeZone = 'Pacific/Chatham';
SET DateStyle = 'Postgres, MDY';
SELECT id, left(lit, 140) AS lit FROM rnd_literal WHERE id IN (2, 3) ORDER BY id;
SET TimeZone = 'Asia/Kolkata';
SET timezone_abbreviations = 'India';
SET DateStyle = 'SQL, DMY';
SELECT id, left(lit, 140) AS lit FROM rnd_literal WHERE id IN (2, 3) ORDER BY id;
SET TimeZone = 'America/New_York';
RESET timezone_abbreviations;
SET DateStyle = 'German';
SELECT id, left(lit, 140) AS lit FROM rnd_literal WHERE id IN (2, 3) ORDER BY id;
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';

CREATE TABLE rnd_result (tz text, ds text, family text, checked int,
	text_failures int, ref_failures int, json_failures int);
CREATE TABLE rnd_failure (tz text, ds text, id int, lit text, s1 text, s2 text);

-- Round trips of one family in one setting.  The literals are made and
-- read by dynamic SQL, so nothing is planned under another setting.
CREATE FUNCTION pg_temp.rnd_check(tz text, ds text, fam text, typ text)
RETURNS void LANGUAGE plpgsql AS $$
BEGIN
	PERFORM set_config('TimeZone', tz, true);
	PERFORM set_config('DateStyle', ds, true);
	PERFORM set_config('timezone_abbreviations',
					   CASE WHEN tz = 'Asia/Kolkata' THEN 'India' ELSE 'Default' END, true);
	EXECUTE format($q$
		CREATE TEMP TABLE rnd_rt AS
		SELECT id, lit, t1, s1, t2, t2::text AS s2
		FROM (SELECT id, lit, t1, s1, s1::%1$s AS t2
			  FROM (SELECT id, lit, t1, t1::text AS s1
					FROM (SELECT id, lit, lit::%1$s AS t1
						  FROM rnd_literal WHERE family = $1) a) b) c
	$q$, typ) USING fam;
	EXECUTE format($q$
		INSERT INTO rnd_result
		SELECT $1, $2, $3, count(*),
			count(*) FILTER (WHERE NOT (r.t1 = r.t2) OR r.s1 <> r.s2),
			count(*) FILTER (WHERE NOT (r.t1 = f.t)),
			count(*) FILTER (WHERE NOT (%1$sfrommfjson(asmfjson(r.t1)) = r.t1))
		FROM rnd_rt r JOIN rnd_ref f USING (id)
	$q$, typ) USING tz, ds, fam;
	EXECUTE format($q$
		INSERT INTO rnd_failure
		SELECT $1, $2, r.id, r.lit, r.s1, r.s2
		FROM rnd_rt r JOIN rnd_ref f USING (id)
		WHERE NOT (r.t1 = r.t2) OR r.s1 <> r.s2 OR NOT (r.t1 = f.t)
			OR NOT (%1$sfrommfjson(asmfjson(r.t1)) = r.t1)
	$q$, typ) USING tz, ds;
	DROP TABLE rnd_rt;
END
$$;

SELECT count(pg_temp.rnd_check(tz, ds, 'A', :'ttype')) AS settings
FROM unnest(ARRAY['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) tz,
	unnest(ARRAY['ISO, MDY', 'SQL, DMY', 'Postgres, MDY', 'German']) ds;
SELECT count(pg_temp.rnd_check(tz, 'ISO, MDY', 'B', :'ttype')) AS settings
FROM unnest(ARRAY['UTC', 'America/New_York', 'Asia/Kolkata', 'Pacific/Chatham']) tz;

-- The settings were local to each call
SHOW TimeZone;
SHOW DateStyle;

SELECT * FROM rnd_result ORDER BY family, tz, ds;
SELECT family, sum(checked) AS checked,
	sum(text_failures + ref_failures + json_failures) AS failures
FROM rnd_result GROUP BY ROLLUP (family) ORDER BY family;

-- Failing values, if any (empty when all pass)
SELECT * FROM rnd_failure ORDER BY tz, ds, id LIMIT 20;

DROP VIEW rnd_literal;
DROP TABLE rnd_spec, rnd_raw, rnd_inst, rnd_seq, rnd_ref, rnd_result, rnd_failure;
