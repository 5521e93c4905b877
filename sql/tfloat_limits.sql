--
-- tfloat_limits: work bounded by the input and cancellable throughout.
--
-- Normalization is linear: a set of 200,000 sequences that each continue
-- the one before (so every join renormalizes) finishes well within the
-- statement timeout; the quadratic join this replaces took over a minute.
-- Each loop over input bytes or instants checks for interrupts: a
-- statement timeout that fires while the parser is still reading
-- cancels the statement (57014) instead of letting the parse run to its
-- end, where these inputs fail with a syntax error.
--
-- Errors by SQLSTATE only: their messages quote the whole input.
\set VERBOSITY sqlstate

-- 200,000 joining sequences, alternating values: one linear sequence
CREATE TEMP TABLE joins AS
SELECT '{' || string_agg(format('[%s@%s, %s@%s)', i % 2,
			timestamptz '2001-01-01 00:00:00+00' + i * interval '1 s', (i + 1) % 2,
			timestamptz '2001-01-01 00:00:00+00' + (i + 1) * interval '1 s'), ', '
		ORDER BY i) || '}' AS txt
FROM generate_series(0, 199999) i;
SET statement_timeout = '5s';
SELECT numInstants(txt::tfloat) FROM joins;
-- the joined value is a fixpoint: a round trip changes nothing
SELECT txt::tfloat = (txt::tfloat::text)::tfloat AS stable FROM joins;
-- by step interpolation: each open end repeats its value and joins the
-- next sequence whatever its value
SELECT numInstants(('Interp=Step;{' || string_agg(format('[%s@%s, %s@%s)',
			i % 2, timestamptz '2001-01-01 00:00:00+00' + i * interval '1 s', i % 2,
			timestamptz '2001-01-01 00:00:00+00' + (i + 1) * interval '1 s'), ', '
		ORDER BY i) || '}')::tfloat)
FROM generate_series(0, 199999) i;
RESET statement_timeout;

-- Inputs whose parse takes far longer than the timeout and ends in a
-- syntax error: cancelled, not parsed to the end
CREATE TEMP TABLE slow (what text, txt text);
ALTER TABLE slow ALTER COLUMN txt SET STORAGE EXTERNAL;
INSERT INTO slow VALUES
	('instants', '{' || repeat('1@2001-01-01 00:00:00+00, ', 1000000) || '1@2001-01-01 00:00:00+00 junk'),
	('blanks', repeat(' ', 30000000) || 'junk');
SELECT what, length(txt) FROM slow ORDER BY what;
SET statement_timeout = '10ms';
SELECT txt::tfloat FROM slow WHERE what = 'instants';
SELECT txt::tfloat FROM slow WHERE what = 'blanks';
SELECT tfloat_in(txt::cstring, 0, -1) FROM slow WHERE what = 'blanks';
RESET statement_timeout;
-- without a timeout the same inputs fail at their end
SELECT txt::tfloat FROM slow WHERE what = 'blanks';
