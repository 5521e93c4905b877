/*
 * tfloat comparison: equality, a total order, hashing, and the btree and
 * hash operator classes (src/tfloat/tfloat_compare.c documents the order).  They
 * make ORDER BY, DISTINCT, GROUP BY, UNION, merge joins and hash joins
 * work on tfloat columns.
 */

CREATE FUNCTION public.tfloat_cmp(public.tfloat, public.tfloat) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_cmp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_cmp(public.tfloat, public.tfloat) IS
	'compare two tfloats in the btree order: -1, 0 or 1';

CREATE FUNCTION public.tfloat_eq(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_eq'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_eq(public.tfloat, public.tfloat) IS
	'true if two tfloats are equal (same subtype, interpolation, bounds, timestamps and values)';

CREATE FUNCTION public.tfloat_ne(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ne'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_ne(public.tfloat, public.tfloat) IS
	'true if two tfloats are not equal';

CREATE FUNCTION public.tfloat_lt(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_lt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_lt(public.tfloat, public.tfloat) IS
	'true if the first tfloat sorts before the second';

CREATE FUNCTION public.tfloat_le(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_le'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_le(public.tfloat, public.tfloat) IS
	'true if the first tfloat sorts before or equals the second';

CREATE FUNCTION public.tfloat_gt(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_gt'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_gt(public.tfloat, public.tfloat) IS
	'true if the first tfloat sorts after the second';

CREATE FUNCTION public.tfloat_ge(public.tfloat, public.tfloat) RETURNS boolean
	AS 'MODULE_PATHNAME', 'cq_tfloat_ge'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_ge(public.tfloat, public.tfloat) IS
	'true if the first tfloat sorts after or equals the second';

CREATE FUNCTION public.tfloat_hash(public.tfloat) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_hash(public.tfloat) IS
	'32-bit hash of a tfloat, consistent with equality';

CREATE FUNCTION public.tfloat_hash_extended(public.tfloat, bigint) RETURNS bigint
	AS 'MODULE_PATHNAME', 'cq_tfloat_hash_extended'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;
COMMENT ON FUNCTION public.tfloat_hash_extended(public.tfloat, bigint) IS
	'64-bit seeded hash of a tfloat, consistent with equality';

CREATE OPERATOR public.= (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_eq,
	COMMUTATOR = OPERATOR(public.=),
	NEGATOR = OPERATOR(public.<>),
	RESTRICT = eqsel,
	JOIN = eqjoinsel,
	HASHES,
	MERGES
);

CREATE OPERATOR public.<> (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_ne,
	COMMUTATOR = OPERATOR(public.<>),
	NEGATOR = OPERATOR(public.=),
	RESTRICT = neqsel,
	JOIN = neqjoinsel
);

CREATE OPERATOR public.< (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_lt,
	COMMUTATOR = OPERATOR(public.>),
	NEGATOR = OPERATOR(public.>=),
	RESTRICT = scalarltsel,
	JOIN = scalarltjoinsel
);

CREATE OPERATOR public.<= (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_le,
	COMMUTATOR = OPERATOR(public.>=),
	NEGATOR = OPERATOR(public.>),
	RESTRICT = scalarlesel,
	JOIN = scalarlejoinsel
);

CREATE OPERATOR public.> (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_gt,
	COMMUTATOR = OPERATOR(public.<),
	NEGATOR = OPERATOR(public.<=),
	RESTRICT = scalargtsel,
	JOIN = scalargtjoinsel
);

CREATE OPERATOR public.>= (
	LEFTARG = public.tfloat,
	RIGHTARG = public.tfloat,
	FUNCTION = public.tfloat_ge,
	COMMUTATOR = OPERATOR(public.<=),
	NEGATOR = OPERATOR(public.<),
	RESTRICT = scalargesel,
	JOIN = scalargejoinsel
);

CREATE OPERATOR CLASS public.tfloat_btree_ops
	DEFAULT FOR TYPE public.tfloat USING btree AS
		OPERATOR 1 public.< ,
		OPERATOR 2 public.<= ,
		OPERATOR 3 public.= ,
		OPERATOR 4 public.>= ,
		OPERATOR 5 public.> ,
		FUNCTION 1 public.tfloat_cmp(public.tfloat, public.tfloat);

CREATE OPERATOR CLASS public.tfloat_hash_ops
	DEFAULT FOR TYPE public.tfloat USING hash AS
		OPERATOR 1 public.= ,
		FUNCTION 1 public.tfloat_hash(public.tfloat),
		FUNCTION 2 public.tfloat_hash_extended(public.tfloat, bigint);
