--
-- tfloat binary I/O: tfloat_send / tfloat_recv through binary COPY.
--
-- Binary must be exact where text is not (text keeps 15 decimals), so the
-- round trip is checked both with = and byte for byte on tfloat_send.
--
-- tfloat_recv takes an `internal` argument and cannot be called from SQL.
-- It is reached with a trick: binary COPY carries no type information, so
-- a file written from a bytea column holding hand-made tfloat_send bytes
-- can be read back into a tfloat column, and tfloat_recv gets exactly
-- those bytes.  That covers every validation branch of tfloat_recv.
--
-- Wire format (network byte order): uint8 subtype, uint8 flags, int32
-- ninst, [set only: int32 nseqs, then nseqs x (int32 count, uint8
-- flags)], then ninst x (int64 timestamp in microseconds since 2000-01-01,
-- float8 value).
--
SET TimeZone = 'UTC';
SET DateStyle = 'ISO, MDY';
-- Server-side COPY files go in the data directory, which the server owns
SELECT current_setting('data_directory') || '/cqstream_regress_binary.copy' AS copy_binary, current_setting('data_directory') || '/cqstream_regress_binary_case.copy' AS copy_binary_case \gset

CREATE TABLE tfb (id int PRIMARY KEY, note text, t tfloat);
INSERT INTO tfb VALUES
	(1, 'instant', '1.5@2001-01-01'),
	(2, 'discrete', '{1@2001-01-01, 2@2001-01-02, 1@2001-01-03}'),
	(3, 'discrete, one instant', '{7@2001-01-01}'),
	(4, 'linear', '[1@2001-01-01, 2@2001-01-02, 1@2001-01-03]'),
	(5, 'linear, one instant', '[1@2001-01-01]'),
	(6, 'step', 'Interp=Step;[1@2001-01-01, 2@2001-01-02, 2@2001-01-03]'),
	(7, 'exclusive bounds', '(1@2001-01-01, 2@2001-01-02)'),
	(8, 'step, exclusive upper', 'Interp=Step;(1@2001-01-01, 2@2001-01-02, 2@2001-01-03)'),
	(9, 'set', '{[1@2001-01-01, 2@2001-01-02), [3@2001-01-02, 4@2001-01-03], (5@2001-01-04, 6@2001-01-05]}'),
	(10, 'step set', 'Interp=Step;{[1@2001-01-01, 2@2001-01-02], (3@2001-01-03, 3@2001-01-04)}'),
	(11, 'NaN', '{NaN@2001-01-01, 1@2001-01-02}'),
	(12, 'infinities', '[Infinity@2001-01-01, -Infinity@2001-01-02]'),
	(13, 'minus zero', '-0@2001-01-01'),
	(14, 'minus zero in a sequence', '[-0@2001-01-01, 1@2001-01-02]'),
	(15, 'tiny', '1e-300@2001-01-01'),
	(16, 'denormal', '4.9e-324@2001-01-01'),
	(17, 'DBL_MAX', '{1.7976931348623157e308@2001-01-01, -1.7976931348623157e308@2001-01-02}'),
	(18, '17 significant digits', '0.12345678901234568@2001-01-01'),
	(19, '17 significant digits, sequence', '[1.0000000000000002@2001-01-01, 123456.78901234567@2001-01-02, 0.3333333333333333@2001-01-03]'),
	(20, 'microseconds, before 1970 and 2000', '{1@1901-12-13 20:45:52.123456, 2@1969-12-31 23:59:59.999999, 3@1999-12-31 23:59:59.999999}'),
	(21, 'far dates', '{1@4713-11-24 00:00:00 BC, 2@287000-12-31 23:59:59.999999}'),
	(22, 'time zone offset input', '[1@2001-01-01 12:00+05:30, 2@2001-01-01 12:00-12:45]'),
	-- found by tfloat_random: a stored value must be a fixpoint of
	-- normalization, or receiving it (which normalizes) changes it
	(24, 'normalization fixpoint', '[0@2001-01-01 16:30:43, 0.000000981804066@2001-01-03 18:58:18.861275, -0.0000001207@2001-01-03 18:58:18.861833, 0.0000000646@2001-01-03 18:58:18.862257, 850383034@2001-01-03 19:03:20.286729]');
-- A long value (stored compressed) of 5000 instants with 17-digit values
INSERT INTO tfb
SELECT 23, 'long', ('[' || string_agg((i / 7.0::float8)::text || '@'
	|| ('2001-01-01'::timestamptz + i * interval '1 second'), ', ' ORDER BY i) || ']')::tfloat
FROM generate_series(1, 5000) i;

-- Text keeps 15 decimals, so some values do not survive it exactly
SELECT id, note, t::text::tfloat = t AS text_exact FROM tfb ORDER BY id;

COPY tfb TO :'copy_binary' (FORMAT binary);
CREATE TABLE tfb2 (LIKE tfb);
COPY tfb2 FROM :'copy_binary' (FORMAT binary);

-- Binary is exact: every value equal, byte for byte
SELECT a.id, a.t = b.t AS eq, tfloat_send(a.t) = tfloat_send(b.t) AS same_bytes
FROM tfb a FULL JOIN tfb2 b USING (id) ORDER BY id;
SELECT count(*) AS mismatches FROM tfb a FULL JOIN tfb2 b USING (id)
WHERE a.t IS DISTINCT FROM b.t OR tfloat_send(a.t) IS DISTINCT FROM tfloat_send(b.t)
	OR a.note IS DISTINCT FROM b.note;

-- -0 keeps its sign bit, and the payload is what the format describes
SELECT id, tfloat_send(t) FROM tfb WHERE id IN (1, 5, 7, 9, 13) ORDER BY id;
SELECT id, t FROM tfb2 WHERE id IN (13, 16, 17, 18) ORDER BY id;

-- Hand-made payloads.  inst() is one (timestamp, value) pair; the header
-- is written out in hex.
CREATE FUNCTION pg_temp.inst(ts timestamptz, v float8) RETURNS bytea
	LANGUAGE sql IMMUTABLE STRICT
	AS $$ SELECT int8send(((extract(epoch FROM ts) - 946684800) * 1000000)::bigint) || float8send(v) $$;
CREATE TABLE tfb_case (id int PRIMARY KEY, note text, payload bytea);
INSERT INTO tfb_case VALUES
	-- controls: well formed, must be accepted
	(1, 'instant', '\x0100'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1.5)),
	(2, 'step set, two sequences', '\x0401'::bytea || int4send(3) || int4send(2)
		|| int4send(2) || '\x02'::bytea || int4send(1) || '\x06'::bytea
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 1)
		|| pg_temp.inst('2001-01-03', 2)),
	(3, 'unnormalized linear (normalized on receipt)', '\x0306'::bytea || int4send(3)
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)
		|| pg_temp.inst('2001-01-03', 3)),
	(4, 'instant with bound flags (ignored)', '\x0106'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1.5)),
	-- truncated or overlong
	(10, 'empty', ''),
	(11, 'header cut short', '\x0100'::bytea || '\x0000'::bytea),
	(12, 'instant cut short', '\x0100'::bytea || int4send(1) || int8send(0)),
	(13, 'trailing bytes', '\x0100'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1) || '\x00'::bytea),
	(14, 'more instants announced than sent', '\x0200'::bytea || int4send(2) || pg_temp.inst('2001-01-01', 1)),
	(15, 'huge instant count', '\x0200'::bytea || int4send(2147483647) || pg_temp.inst('2001-01-01', 1)),
	-- header fields
	(20, 'subtype 0', '\x0000'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1)),
	(21, 'subtype 5', '\x0500'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1)),
	(22, 'unknown flag', '\x0308'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1)),
	(23, 'step instant', '\x0101'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1)),
	(24, 'step discrete', '\x0201'::bytea || int4send(1) || pg_temp.inst('2001-01-01', 1)),
	(25, 'zero instants', '\x0200'::bytea || int4send(0)),
	(26, 'negative instants', '\x0200'::bytea || int4send(-1)),
	(27, 'instant with two instants', '\x0100'::bytea || int4send(2)
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)),
	-- sequence set entries
	(30, 'zero sequences', '\x0400'::bytea || int4send(1) || int4send(0) || pg_temp.inst('2001-01-01', 1)),
	(31, 'more sequences than instants', '\x0400'::bytea || int4send(1) || int4send(2)
		|| int4send(1) || '\x06'::bytea || int4send(1) || '\x06'::bytea || pg_temp.inst('2001-01-01', 1)),
	(32, 'sequence entries cut short', '\x0400'::bytea || int4send(1) || int4send(1) || int4send(1)),
	(33, 'empty sequence', '\x0400'::bytea || int4send(2) || int4send(2)
		|| int4send(0) || '\x06'::bytea || int4send(2) || '\x06'::bytea
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)),
	(34, 'sequence longer than the rest', '\x0400'::bytea || int4send(2) || int4send(1)
		|| int4send(3) || '\x06'::bytea
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)),
	(35, 'unknown sequence flag', '\x0400'::bytea || int4send(1) || int4send(1)
		|| int4send(1) || '\x07'::bytea || pg_temp.inst('2001-01-01', 1)),
	(36, 'sequence lengths short of the instants', '\x0400'::bytea || int4send(3) || int4send(1)
		|| int4send(2) || '\x06'::bytea || pg_temp.inst('2001-01-01', 1)
		|| pg_temp.inst('2001-01-02', 2) || pg_temp.inst('2001-01-03', 3)),
	-- rules of the type, checked by the builder
	(40, 'timestamps decrease', '\x0200'::bytea || int4send(2)
		|| pg_temp.inst('2001-01-02', 1) || pg_temp.inst('2001-01-01', 2)),
	(41, 'timestamps repeat', '\x0306'::bytea || int4send(2)
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-01', 2)),
	(42, 'one-instant sequence with an exclusive bound', '\x0304'::bytea || int4send(1)
		|| pg_temp.inst('2001-01-01', 1)),
	(43, 'step exclusive upper with a new last value', '\x0303'::bytea || int4send(2)
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)),
	(44, 'set sequences overlap', '\x0400'::bytea || int4send(4) || int4send(2)
		|| int4send(2) || '\x06'::bytea || int4send(2) || '\x06'::bytea
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-03', 2)
		|| pg_temp.inst('2001-01-02', 1) || pg_temp.inst('2001-01-04', 2)),
	(45, 'set sequences share an inclusive instant', '\x0400'::bytea || int4send(4) || int4send(2)
		|| int4send(2) || '\x06'::bytea || int4send(2) || '\x06'::bytea
		|| pg_temp.inst('2001-01-01', 1) || pg_temp.inst('2001-01-02', 2)
		|| pg_temp.inst('2001-01-02', 3) || pg_temp.inst('2001-01-03', 4)),
	-- timestamps: infinite or outside timestamptz's range (which timestamptz_recv
	-- refuses too; such a value could not be printed or dumped)
	(46, 'infinite timestamp', '\x0100'::bytea || int4send(1) || int8send(9223372036854775807) || float8send(1)),
	(47, 'minus infinite timestamp', '\x0100'::bytea || int4send(1) || int8send(-9223372036854775808) || float8send(1)),
	(48, 'timestamp after the timestamptz range', '\x0100'::bytea || int4send(1) || int8send(9223372036854775806) || float8send(1)),
	(49, 'timestamp before the timestamptz range', '\x0100'::bytea || int4send(1) || int8send(-211813488000000001) || float8send(1));

CREATE TABLE tfb_in (t tfloat);
-- Feed each payload to tfloat_recv; print what it said
DO $$
DECLARE
	c record;
	v text;
BEGIN
	FOR c IN SELECT * FROM tfb_case ORDER BY id LOOP
		EXECUTE format('COPY (SELECT payload FROM tfb_case WHERE id = %s) TO %L (FORMAT binary)',
					   c.id, current_setting('data_directory') || '/cqstream_regress_binary_case.copy');
		BEGIN
			TRUNCATE tfb_in;
			EXECUTE format('COPY tfb_in FROM %L (FORMAT binary)',
						   current_setting('data_directory') || '/cqstream_regress_binary_case.copy');
			SELECT t::text INTO v FROM tfb_in;
			RAISE NOTICE '% (%): accepted: %', c.id, c.note, v;
		EXCEPTION WHEN OTHERS THEN
			DECLARE
				st text;
				msg text;
				det text;
			BEGIN
				GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
					det = PG_EXCEPTION_DETAIL;
				RAISE NOTICE '% (%): % %: %', c.id, c.note, st, msg, det;
			END;
		END;
	END LOOP;
END
$$;

-- The controls read back as sent (up to normalization)
TRUNCATE tfb_in;
COPY (SELECT payload FROM tfb_case WHERE id = 2) TO :'copy_binary_case' (FORMAT binary);
COPY tfb_in FROM :'copy_binary_case' (FORMAT binary);
SELECT t, tfloat_send(t) = (SELECT payload FROM tfb_case WHERE id = 2) AS same_bytes FROM tfb_in;

-- A COPY error names the row and column
COPY (SELECT payload FROM tfb_case WHERE id = 21) TO :'copy_binary_case' (FORMAT binary);
COPY tfb_in FROM :'copy_binary_case' (FORMAT binary);

DROP TABLE tfb, tfb2, tfb_case, tfb_in;
