/*
 * The tfloat type: text and binary I/O.  Values are at most 16 bytes per
 * instant plus a 16-byte header; see src/tfloat/tfloat.h for the layout.
 */
CREATE TYPE public.tfloat;

-- Text I/O reads and prints timestamps in the session TimeZone and
-- DateStyle, so it is STABLE, as timestamptz's is
CREATE FUNCTION public.tfloat_in(cstring, oid, integer) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_in'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tfloat_out(public.tfloat) RETURNS cstring
	AS 'MODULE_PATHNAME', 'cq_tfloat_out'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tfloat_recv(internal, oid, integer) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tfloat_send(public.tfloat) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cq_tfloat_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE public.tfloat (
	INPUT = public.tfloat_in,
	OUTPUT = public.tfloat_out,
	RECEIVE = public.tfloat_recv,
	SEND = public.tfloat_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended,
	-- The category of the temporal numbers, tfloat preferred: a literal
	-- passed to a function that tfloat and tint both have (startValue('...'))
	-- is read as a tfloat, as it was before tint existed
	CATEGORY = 'Z',
	PREFERRED = true
);

COMMENT ON TYPE public.tfloat IS
	'temporal float: an instant, a discrete or continuous sequence, or a sequence set (MobilityDB-compatible)';

-- The cast from text parses the text in place (tfloat_io.c); the same
-- value as the type's input
CREATE FUNCTION public.tfloat_from_text(text) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tfloat_from_text'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE CAST (text AS public.tfloat)
	WITH FUNCTION public.tfloat_from_text(text);
