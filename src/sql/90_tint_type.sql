/*
 * The tint type (MobilityDB's temporal integer): the same layout and C
 * functions as tfloat (src/tfloat/tbase.c says what differs), values int4,
 * no linear interpolation.  Text, binary and text-cast input, comparison
 * with btree and hash classes, and the casts between tint and tfloat.
 */
CREATE TYPE public.tint;

CREATE FUNCTION public.tint_in(cstring, oid, integer) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_in'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_out(public.tint) RETURNS cstring
	AS 'MODULE_PATHNAME', 'cq_tfloat_out'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_recv(internal, oid, integer) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_recv'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE FUNCTION public.tint_send(public.tint) RETURNS bytea
	AS 'MODULE_PATHNAME', 'cq_tfloat_send'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

CREATE TYPE public.tint (
	INPUT = public.tint_in,
	OUTPUT = public.tint_out,
	RECEIVE = public.tint_recv,
	SEND = public.tint_send,
	INTERNALLENGTH = VARIABLE,
	ALIGNMENT = double,
	STORAGE = extended,
	CATEGORY = 'Z' -- tfloat's, where tfloat is preferred (00_tfloat_type.sql)
);

COMMENT ON TYPE public.tint IS
	'temporal integer: an instant, a discrete or step sequence, or a sequence set (MobilityDB-compatible)';

CREATE FUNCTION public.tint_from_text(text) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tint_from_text'
	LANGUAGE C STABLE STRICT PARALLEL SAFE;
CREATE CAST (text AS public.tint)
	WITH FUNCTION public.tint_from_text(text);

-- Comparison: tfloat's functions and order (src/tfloat/tfloat_compare.c)
CREATE FUNCTION public.tint_cmp(public.tint, public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_cmp' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_eq(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_eq' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_ne(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ne' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_lt(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_lt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_le(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_le' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_gt(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_gt' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_ge(public.tint, public.tint) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ge' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_hash(public.tint) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
CREATE FUNCTION public.tint_hash_extended(public.tint, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash_extended' LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint_cmp(public.tint, public.tint) IS
	'compare two tints in the btree order: -1, 0 or 1';

CREATE OPERATOR public.= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_eq, COMMUTATOR = OPERATOR(public.=),
	NEGATOR = OPERATOR(public.<>), RESTRICT = eqsel, JOIN = eqjoinsel,
	HASHES, MERGES);
CREATE OPERATOR public.<> (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_ne, COMMUTATOR = OPERATOR(public.<>),
	NEGATOR = OPERATOR(public.=), RESTRICT = neqsel, JOIN = neqjoinsel);
CREATE OPERATOR public.< (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_lt, COMMUTATOR = OPERATOR(public.>),
	NEGATOR = OPERATOR(public.>=), RESTRICT = scalarltsel, JOIN = scalarltjoinsel);
CREATE OPERATOR public.<= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_le, COMMUTATOR = OPERATOR(public.>=),
	NEGATOR = OPERATOR(public.>), RESTRICT = scalarlesel, JOIN = scalarlejoinsel);
CREATE OPERATOR public.> (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_gt, COMMUTATOR = OPERATOR(public.<),
	NEGATOR = OPERATOR(public.<=), RESTRICT = scalargtsel, JOIN = scalargtjoinsel);
CREATE OPERATOR public.>= (LEFTARG = public.tint, RIGHTARG = public.tint,
	FUNCTION = public.tint_ge, COMMUTATOR = OPERATOR(public.<=),
	NEGATOR = OPERATOR(public.<), RESTRICT = scalargesel, JOIN = scalargejoinsel);

CREATE OPERATOR CLASS public.tint_btree_ops
	DEFAULT FOR TYPE public.tint USING btree AS
		OPERATOR 1 public.< ,
		OPERATOR 2 public.<= ,
		OPERATOR 3 public.= ,
		OPERATOR 4 public.>= ,
		OPERATOR 5 public.> ,
		FUNCTION 1 public.tint_cmp(public.tint, public.tint);

CREATE OPERATOR CLASS public.tint_hash_ops
	DEFAULT FOR TYPE public.tint USING hash AS
		OPERATOR 1 public.= ,
		FUNCTION 1 public.tint_hash(public.tint),
		FUNCTION 2 public.tint_hash_extended(public.tint, bigint);

-- Casts (src/tfloat/tbase_cast.c), explicit as in MobilityDB
CREATE FUNCTION public.tfloat(public.tint) RETURNS public.tfloat
	AS 'MODULE_PATHNAME', 'cq_tint_to_tfloat'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat(public.tint) IS
	'the tint as a tfloat; sequences keep step interpolation';
CREATE CAST (public.tint AS public.tfloat) WITH FUNCTION public.tfloat(public.tint);

CREATE FUNCTION public.tint(public.tfloat) RETURNS public.tint
	AS 'MODULE_PATHNAME', 'cq_tfloat_to_tint'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tint(public.tfloat) IS
	'the tfloat with values truncated toward zero; linear interpolation is refused';
CREATE CAST (public.tfloat AS public.tint) WITH FUNCTION public.tint(public.tfloat);
