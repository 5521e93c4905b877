/*
 * tfloat accessors (src/tfloat/tfloat_accessors.c; valueattimestamp is in
 * src/tfloat/tfloat_restrict.c).  Time extents are PostgreSQL range types where
 * MobilityDB has its own span types.
 */

CREATE FUNCTION public.startvalue(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_startvalue'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.startvalue(public.tfloat) IS
	'value of the first instant';

CREATE FUNCTION public.endvalue(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_endvalue'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.endvalue(public.tfloat) IS
	'value of the last instant';

CREATE FUNCTION public.minvalue(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_minvalue'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.minvalue(public.tfloat) IS
	'smallest value of the instants (NaN is the largest value)';

CREATE FUNCTION public.maxvalue(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_maxvalue'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.maxvalue(public.tfloat) IS
	'largest value of the instants (NaN is the largest value)';

CREATE FUNCTION public.avgvalue(public.tfloat) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_avgvalue'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.avgvalue(public.tfloat) IS
	'arithmetic mean of the values of the distinct instants (not time-weighted; see twavg)';

CREATE FUNCTION public.valueattimestamp(public.tfloat, timestamptz) RETURNS float8
	AS 'MODULE_PATHNAME', 'cq_valueattimestamp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.valueattimestamp(public.tfloat, timestamptz) IS
	'value at a timestamp, interpolated; NULL where the value is not defined';

CREATE FUNCTION public.numinstants(public.tfloat) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_numinstants'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.numinstants(public.tfloat) IS
	'number of distinct instants';

CREATE FUNCTION public.numtimestamps(public.tfloat) RETURNS integer
	AS 'MODULE_PATHNAME', 'cq_numtimestamps'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.numtimestamps(public.tfloat) IS
	'number of distinct timestamps';

CREATE FUNCTION public.instants(public.tfloat) RETURNS public.tfloat[]
	AS 'MODULE_PATHNAME', 'cq_instants'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.instants(public.tfloat) IS
	'distinct instants in time order';

CREATE FUNCTION public.timestamps(public.tfloat) RETURNS timestamptz[]
	AS 'MODULE_PATHNAME', 'cq_timestamps'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.timestamps(public.tfloat) IS
	'distinct timestamps in time order';

CREATE FUNCTION public.starttimestamp(public.tfloat) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'cq_starttimestamp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.starttimestamp(public.tfloat) IS
	'timestamp of the first instant';

CREATE FUNCTION public.endtimestamp(public.tfloat) RETURNS timestamptz
	AS 'MODULE_PATHNAME', 'cq_endtimestamp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.endtimestamp(public.tfloat) IS
	'timestamp of the last instant';

CREATE FUNCTION public.duration(public.tfloat, boundspan boolean DEFAULT false) RETURNS interval
	AS 'MODULE_PATHNAME', 'cq_duration'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.duration(public.tfloat, boolean) IS
	'sum of the durations of the sequences, or with boundspan the span from the first to the last timestamp';

CREATE FUNCTION public.interp(public.tfloat) RETURNS text
	AS 'MODULE_PATHNAME', 'cq_interp'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.interp(public.tfloat) IS
	'interpolation: None, Discrete, Step or Linear';

CREATE FUNCTION public.tempsubtype(public.tfloat) RETURNS text
	AS 'MODULE_PATHNAME', 'cq_tempsubtype'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.tempsubtype(public.tfloat) IS
	'subtype: Instant, Sequence or SequenceSet';

CREATE FUNCTION public.gettime(public.tfloat) RETURNS tstzmultirange
	AS 'MODULE_PATHNAME', 'cq_gettime'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.gettime(public.tfloat) IS
	'times at which the value is defined';

CREATE FUNCTION public.timespan(public.tfloat) RETURNS tstzrange
	AS 'MODULE_PATHNAME', 'cq_timespan'
	LANGUAGE C IMMUTABLE STRICT PARALLEL SAFE;

COMMENT ON FUNCTION public.timespan(public.tfloat) IS
	'bounding period of the value';
