# shellcheck shell=bash
# test/worker/positions_gis.sh: position queries over a PostGIS
# geometry(Point, 4326) column (docs/engine.md, "Position queries"); run by
# suite_positions_gis in test/run.sh (which sources this file and calls
# cq_position_gis_tests).
#
# Design notes
#
# Always, with or without PostGIS: the EWKB point decoder's unit tests
# (positions_gis/ewkb_test.c, built alone with gcc) and a short libFuzzer
# run on it (test/fuzz/ewkb_fuzz.c, clang); then one cluster,
# "positions_gis", where a database without PostGIS must refuse geometry
# queries with clear errors (also over a type named geometry that is not
# PostGIS's).
#
# When PostGIS is installed for the server under test (its control file in
# `pg_config --sharedir`/extension; test/lib/deps.sh installs Debian's
# postgresql-15-postgis-3, and a private PostgreSQL copy needs its files
# copied in), a second database "cqgis" with PostGIS checks:
#	- bad columns at creation (text, geography, a LINESTRING column, a
#	  point in SRID 3857), each with its SQLSTATE;
#	- a role without grants cannot create a query over a table it cannot
#	  read; a role that puts its own st_x, st_y, ... (which raise) first
#	  on its search path gets correct results, and calling them by hand
#	  does raise, so the check could fail;
#	- an unconstrained geometry column: points in SRID 4326 are read,
#	  other SRIDs, types, empty points and NULLs skipped and counted;
#	- the random tracks of the positions suite (positions/lib.sql) with a
#	  geometry(Point, 4326) copy of each position, written while the
#	  worker is killed with kill -9 twice: the geometry queries' results
#	  equal the longitude/latitude queries' ones, which equal plain SQL
#	  (haversine), exactly once; the distance per key equals PostGIS's
#	  ST_DistanceSphere (1e-6 relative).

CQG_DB=cqgis

# cqg_sql SQL [DB]: one statement, unaligned output.
cqg_sql()
{
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql positions_gis -d "${2:-$CQG_DB}" -At -c "$1"
}

cqg_nogis_sql()
{
	cqg_sql "$1" nogis
}

cqg_wait()
{
	cq_wait_until cqg_sql "$@"
}

cqg_check()
{
	cq_check_sql cqg_sql "$@"
}

# cqg_error DB SQL: "SQLSTATE: message" of the error SQL raises in DB
# (and " / hint" when there is one); "no error" when it succeeds.
cqg_error()
{
	local out
	out=$(PGOPTIONS="-c client_min_messages=warning" \
		cq_psql positions_gis -d "$1" -At -v VERBOSITY=verbose -c "$2" 2>&1)
	if ! grep -q '^ERROR:' <<<"$out"; then
		echo "no error"
		return 0
	fi
	sed -n 's/^ERROR:  //p' <<<"$out" | head -n 1 | tr -d '\n'
	sed -n 's/^HINT:  / \/ /p' <<<"$out" | head -n 1 | tr -d '\n'
	echo
}

# cqg_check_error NAME DB SQL PATTERN: SQL fails with an error matching
# the grep -E PATTERN (anchored at the SQLSTATE).
cqg_check_error()
{
	local got
	got=$(cqg_error "$2" "$3")
	if grep -qE "^$4" <<<"$got"; then
		cq_pass "$1"
	else
		cq_fail "$1" "expected: $4" "seen:     $got"
	fi
}

cqg_cleanup()
{
	: >"$CQ_TMP/gis.stop" 2>/dev/null || true
	[ -n "${CQG_WPID:-}" ] && kill "$CQG_WPID" 2>/dev/null
	cp "$CQ_TMP/pg-positions_gis/log" "$CQ_ARTIFACTS/positions_gis-server.log" 2>/dev/null || true
	if [ -f "$CQ_TMP/pg-positions_gis/data/postmaster.pid" ]; then
		cq_as_pg "$PG_BINDIR/pg_ctl" -D "$CQ_TMP/pg-positions_gis/data" -m fast -w \
			-t 30 stop >/dev/null 2>&1 || true
	fi
}

# The decoder's unit tests and a short libFuzzer run
cqg_test_decoder()
{
	local dir=$CQ_TMP/gis-ewkb tag check detail rc=0 runs
	mkdir -p "$dir/corpus"
	if gcc -std=gnu11 -Wall -Wextra -Werror -Isrc -o "$dir/ewkb_test" \
		test/worker/positions_gis/ewkb_test.c src/core/ewkb.c -lm \
		>"$dir/build.log" 2>&1; then
		while IFS=$'\t' read -r tag check detail; do
			case $tag in
				PASS) cq_pass "$check" ;;
				FAIL) cq_fail "$check" "$detail" ;;
			esac
		done < <("$dir/ewkb_test" || true)
	else
		cq_fail "ewkb: unit tests build"
		cq_show_tail "$dir/build.log" 10
	fi
	if ! command -v clang >/dev/null 2>&1; then
		cq_fail "ewkb: libFuzzer target builds" "no clang (test/lib/deps.sh installs it)"
		return 0
	fi
	if clang -std=gnu11 -g -O1 -Wall -Wextra -Werror \
		-fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
		-Isrc -o "$dir/ewkb_fuzz" test/fuzz/ewkb_fuzz.c src/core/ewkb.c -lm \
		>"$dir/fuzz-build.log" 2>&1; then
		cq_pass "ewkb: libFuzzer target builds (clang, ASan, UBSan)"
	else
		cq_fail "ewkb: libFuzzer target builds (clang, ASan, UBSan)"
		cq_show_tail "$dir/fuzz-build.log" 10
		return 0
	fi
	# Seeds: a point with SRID in both byte orders, a point ZM, a line
	printf '\001\001\000\000\040\346\020\000\000\000\000\000\000\000\000\360\077\000\000\000\000\000\000\000\100' >"$dir/corpus/point"
	printf '\000\040\000\000\001\000\000\020\346\077\360\000\000\000\000\000\000\100\000\000\000\000\000\000\000' >"$dir/corpus/xdr"
	printf '\001\001\000\000\340\346\020\000\000\000\000\000\000\000\000\360\077\000\000\000\000\000\000\000\100\000\000\000\000\000\000\010\100\000\000\000\000\000\000\020\100' >"$dir/corpus/zm"
	printf '\001\002\000\000\040\346\020\000\000\002\000\000\000' >"$dir/corpus/line"
	"$dir/ewkb_fuzz" -max_total_time="${CQ_GIS_FUZZ_SECONDS:-5}" -seed=1 \
		-artifact_prefix="$CQ_ARTIFACTS/ewkb-fuzz-" -print_final_stats=1 \
		"$dir/corpus" >"$dir/fuzz.log" 2>&1 || rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/fuzz.log")
	if [ "$rc" = 0 ] && [ "${runs:-0}" -gt 1000 ]; then
		cq_pass "ewkb: libFuzzer, contract held (${runs} inputs)"
	else
		cq_fail "ewkb: libFuzzer, contract held" "exit status $rc, ${runs:-0} inputs"
		cq_show_tail "$dir/fuzz.log" 15
	fi
}

# A database without PostGIS refuses geometry queries
cqg_test_no_postgis()
{
	local db=nogis
	cqg_sql "CREATE DATABASE $db" postgres >/dev/null
	cqg_sql "CREATE EXTENSION cqstream" $db >/dev/null
	cqg_sql "CREATE TABLE fix (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, k text, g text, lon float8, lat float8)" $db >/dev/null
	cqg_check_error "no PostGIS: a text position column is refused, with a hint to install PostGIS" $db \
		"SELECT cqstream.create_position_query('q', 'fix', 't', 'k', position_column => 'g')" \
		'42804: position column "g" is of type text / PostGIS is not installed in this database'
	cqg_sql "CREATE TYPE public.geometry AS (x float8, y float8)" $db >/dev/null
	cqg_sql "ALTER TABLE fix ADD COLUMN fake public.geometry" $db >/dev/null
	cqg_check_error "no PostGIS: a type named geometry that is not PostGIS's is refused" $db \
		"SELECT cqstream.create_position_query('q', 'fix', 't', 'k', position_column => 'fake')" \
		'42804: position column "fake" is of type geometry'
	cqg_check_error "no PostGIS: a body's geometryColumn too" $db \
		"SELECT cqstream.create_query('q', 'fix', '{\"kind\": \"position\", \"operation\": \"speed\", \"timeColumn\": \"t\", \"keyColumn\": \"k\", \"geometryColumn\": \"fake\"}')" \
		'42804: position column "fake" is of type geometry'
	cqg_check_error "position_column with a longitude column is refused" $db \
		"SELECT cqstream.create_position_query('q', 'fix', 't', 'k', 'lon', NULL, position_column => 'g')" \
		'22023: a position query over position column "g" takes no longitude column'
	cqg_check_error "a body with geometryColumn and latColumn is refused" $db \
		"SELECT cqstream.create_query('q', 'fix', '{\"kind\": \"position\", \"operation\": \"speed\", \"timeColumn\": \"t\", \"keyColumn\": \"k\", \"geometryColumn\": \"g\", \"latColumn\": \"lat\"}')" \
		'22023: position query body has both "geometryColumn" and "latColumn"'
	cqg_check_error "a body with geometryColumn but no kind is refused" $db \
		"SELECT cqstream.create_query('q', 'fix', '{\"operation\": \"abs\", \"timeColumn\": \"t\", \"valueColumn\": \"lon\", \"geometryColumn\": \"g\"}')" \
		'22023: query body has "geometryColumn" but no "kind": "position"'
	cqg_check_error "neither numbers nor a geometry is refused" $db \
		"SELECT cqstream.create_position_query('q', 'fix', 't', 'k', operation => 'speed')" \
		'22004: longitude column must not be null'
	cq_check_sql cqg_nogis_sql "no PostGIS: no query was created" \
		"SELECT count(*) FROM cqstream.query" 0
}

# Bad columns, accepted columns, spec
cqg_test_columns()
{
	cqg_sql "CREATE TABLE cols (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, k int,
		txt text, geog public.geography(Point, 4326), line public.geometry(LineString, 4326),
		merc public.geometry(Point, 3857), pz public.geometry(PointZ, 4326),
		p public.geometry(Point, 4326), anyg public.geometry, anysrid public.geometry(Point))" >/dev/null
	cqg_check_error "PostGIS: a text position column is refused (no install hint)" $CQG_DB \
		"SELECT cqstream.create_position_query('c1', 'cols', 't', 'k', position_column => 'txt')" \
		'42804: position column "txt" is of type text$'
	cqg_check_error "PostGIS: a geography column is refused" $CQG_DB \
		"SELECT cqstream.create_position_query('c1', 'cols', 't', 'k', position_column => 'geog')" \
		'42804: position column "geog" is of type geography\(Point,4326\)'
	cqg_check_error "PostGIS: a LINESTRING column is refused" $CQG_DB \
		"SELECT cqstream.create_position_query('c1', 'cols', 't', 'k', position_column => 'line')" \
		'42804: position column "line" is of type geometry\(LineString,4326\)'
	cqg_check_error "PostGIS: a point column in SRID 3857 is refused" $CQG_DB \
		"SELECT cqstream.create_position_query('c1', 'cols', 't', 'k', position_column => 'merc')" \
		'22023: position column "merc" has SRID 3857 / Add a column of type geometry\(Point, 4326\)'
	cqg_check_error "PostGIS: the key column as the position is refused" $CQG_DB \
		"SELECT cqstream.create_position_query('c1', 'cols', 't', 'p', position_column => 'p')" \
		'22023: key column "p" is also the position column'
	cqg_sql "SELECT cqstream.create_position_query('c_p', 'cols', 't', 'k', position_column => 'p', operation => 'speed'),
			cqstream.create_position_query('c_pz', 'cols', 't', 'k', position_column => 'pz'),
			cqstream.create_position_query('c_any', 'cols', 't', 'k', position_column => 'anyg'),
			cqstream.create_query('c_body', 'cols', '{\"kind\": \"position\", \"operation\": \"distance\", \"timeColumn\": \"t\", \"keyColumn\": \"k\", \"geometryColumn\": \"anysrid\"}')" >/dev/null 2>&1
	cqg_check "PostGIS: point, point Z, unconstrained and SRID-free geometries are accepted; the spec has geometryColumn only" \
		"SELECT string_agg(name || ' ' || (spec->>'geometryColumn') || ' ' || (spec ? 'lonColumn' OR spec ? 'latColumn'), ', ' ORDER BY name) FROM cqstream.query WHERE name LIKE 'c\_%'" \
		"c_any anyg false, c_body anysrid false, c_p p false, c_pz pz false"
	cqg_sql "SELECT cqstream.drop_query(name) FROM cqstream.query WHERE name LIKE 'c\_%'" >/dev/null
}

# Grants, and st_x and friends shadowed on the owner's search path
cqg_test_attacker()
{
	local fns f
	cqg_sql "CREATE ROLE mallory LOGIN; CREATE ROLE alice LOGIN; GRANT CREATE ON DATABASE $CQG_DB TO alice" >/dev/null
	cqg_sql "CREATE TABLE private_fix (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, k int, p public.geometry(Point, 4326))" >/dev/null
	cqg_check_error "attacker: a role without grants cannot create a position query over a table it cannot read" $CQG_DB \
		"SET ROLE mallory; SELECT cqstream.create_position_query('steal', 'private_fix', 't', 'k', position_column => 'p')" \
		'42501: permission denied for table'
	# alice's schema comes first on her path, with functions that raise
	fns="st_x st_y st_srid st_asewkb st_asbinary st_astext st_asewkt st_isempty geometrytype st_geometrytype text bytea geometry_out"
	cqg_sql "SET ROLE alice; CREATE SCHEMA alice; CREATE TABLE alice.trk (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, k text, p public.geometry(Point, 4326))" >/dev/null
	for f in $fns; do
		cqg_sql "SET ROLE alice; CREATE FUNCTION alice.$f(public.geometry) RETURNS float8 LANGUAGE plpgsql AS \$\$BEGIN RAISE EXCEPTION 'shadow $f called'; END\$\$" >/dev/null
	done
	cqg_sql "ALTER ROLE alice SET search_path = alice, public" >/dev/null
	cqg_check_error "attacker: the shadowing st_x is what an unqualified call reaches (so the next check can fail)" $CQG_DB \
		"SET ROLE alice; SET search_path = alice, public; SELECT st_x('SRID=4326;POINT(1 2)'::public.geometry)" \
		'P0001: shadow st_x called'
	cqg_sql "SET ROLE alice; SET search_path = alice, public; SELECT cqstream.create_position_query('alice_pos', 'alice.trk', 't', 'k', position_column => 'p'), cqstream.create_position_query('alice_dist', 'alice.trk', 't', 'k', position_column => 'p', operation => 'distance')" >/dev/null
	cqg_sql "INSERT INTO alice.trk (t, k, p) SELECT timestamptz '2026-12-01 00:00:00+00' + i * interval '1 s', 'a', public.st_setsrid(public.st_makepoint(10 + i * 0.001, 50 - i * 0.0005), 4326) FROM generate_series(1, 50) i" >/dev/null
	if cqg_wait "$(cq_state_sql alice_dist rows_processed)" 50 30 >/dev/null; then
		cq_pass "attacker: the worker read alice's rows"
	else
		cq_fail "attacker: the worker read alice's rows" "$(cqg_sql "SELECT status, last_error FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name = 'alice_dist'" 2>&1)"
	fi
	cqg_check "attacker: no shadow was called: positions equal PostGIS's own ST_X/ST_Y" \
		"SELECT count(*) FROM alice.trk t FULL JOIN (SELECT payload FROM cqstream.results('alice_pos', 0, 1000)) r
				ON (r.payload->'coordinates'->>0)::float8 = public.st_x(t.p) AND (r.payload->'coordinates'->>1)::float8 = public.st_y(t.p)
					AND (r.payload->>'datetime')::timestamptz = t.t
			WHERE r.payload IS NULL OR t.id IS NULL" 0
	cqg_check "attacker: the queries are not failed" \
		"SELECT count(*) FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name LIKE 'alice\_%' AND s.status = 'failed'" 0
	cqg_check "attacker: distance equals PostGIS's ST_DistanceSphere (1e-6)" \
		"SELECT abs((SELECT (payload->>'value')::float8 FROM cqstream.results('alice_dist', 0, 1000) ORDER BY id DESC LIMIT 1)
			- (SELECT sum(public.st_distancesphere(p, prev)) FROM (SELECT p, lag(p) OVER (ORDER BY id) prev FROM alice.trk) s))
			< 1e-6 * (SELECT sum(public.st_distancesphere(p, prev)) FROM (SELECT p, lag(p) OVER (ORDER BY id) prev FROM alice.trk) s)" t
}

# An unconstrained geometry column: only points in SRID 4326 are read
cqg_test_mixed()
{
	cqg_sql "CREATE TABLE mixed (id bigint GENERATED ALWAYS AS IDENTITY, t timestamptz, k text, g public.geometry)" >/dev/null
	# valid: a non-empty point in SRID 4326 within |lon| <= 180 (CASE: ST_X
	# raises on other types)
	cqg_sql "CREATE VIEW mixed_ok AS SELECT id, t, g, CASE WHEN public.st_geometrytype(g) = 'ST_Point' AND public.st_srid(g) = 4326 AND NOT public.st_isempty(g) THEN abs(public.st_x(g)) <= 180 ELSE false END AS ok FROM mixed" >/dev/null
	cqg_sql "SELECT cqstream.create_position_query('mix_pos', 'mixed', 't', 'k', position_column => 'g'), cqstream.create_position_query('mix_speed', 'mixed', 't', 'k', position_column => 'g', operation => 'speed')" >/dev/null
	cqg_sql "INSERT INTO mixed (t, k, g) VALUES
		('2026-12-01 00:00:00+00', 'm', 'SRID=4326;POINT(13.4 52.5)'),
		('2026-12-01 00:00:01+00', 'm', 'SRID=3857;POINT(1491681 6891041)'),
		('2026-12-01 00:00:02+00', 'm', 'POINT(13.41 52.5)'),
		('2026-12-01 00:00:03+00', 'm', 'SRID=4326;LINESTRING(13.4 52.5, 13.5 52.6)'),
		('2026-12-01 00:00:04+00', 'm', 'SRID=4326;POINT EMPTY'),
		('2026-12-01 00:00:05+00', 'm', NULL),
		('2026-12-01 00:00:06+00', 'm', 'SRID=4326;MULTIPOINT(13.4 52.5)'),
		('2026-12-01 00:00:07+00', 'm', 'SRID=4326;POINT(200 52.5)'),
		('2026-12-01 00:00:08+00', 'm', 'SRID=4326;POINT Z (13.42 52.5 100)'),
		('2026-12-01 00:00:09+00', 'm', 'SRID=4326;POINT M (13.43 52.5 7)'),
		('2026-12-01 00:00:10+00', 'm', 'SRID=4326;POINT(13.44 52.51)')" >/dev/null
	if cqg_wait "$(cq_state_sql mix_speed rows_processed)" 11 30 >/dev/null; then
		cq_pass "mixed: worker read the rows"
	else
		cq_fail "mixed: worker read the rows"
	fi
	cqg_check "mixed: only valid points in SRID 4326 become positions, in order" \
		"SELECT string_agg((payload->'coordinates')::text, ' ' ORDER BY id) FROM cqstream.results('mix_pos')" \
		"$(cqg_sql "SELECT string_agg(format('[%s, %s]', public.st_x(g), public.st_y(g)), ' ' ORDER BY id) FROM mixed_ok WHERE ok")"
	cqg_check "mixed: the others are skipped and counted (rows_skipped)" \
		"$(cq_state_sql mix_pos rows_skipped)" \
		"$(cqg_sql "SELECT count(*) FROM mixed_ok WHERE NOT ok")"
	cqg_check "mixed: speed over the valid points only" \
		"SELECT string_agg(round((payload->>'value')::numeric, 6)::text, ' ' ORDER BY id) FROM cqstream.results('mix_speed')" \
		"$(cqg_sql "SELECT string_agg(round((pt.hav(plon, plat, lon, lat) / extract(epoch FROM t - pt))::numeric, 6)::text, ' ' ORDER BY id) FROM (SELECT id, t, public.st_x(g) lon, public.st_y(g) lat, lag(public.st_x(g)) OVER w plon, lag(public.st_y(g)) OVER w plat, lag(t) OVER w pt FROM mixed_ok WHERE ok WINDOW w AS (ORDER BY id)) s WHERE pt IS NOT NULL")"
}

# cqg_insert: one transaction of 400 random rows (positions/lib.sql)
cqg_insert()
{
	cqg_sql "SELECT pt.write_random()" >/dev/null 2>&1
}

# Random tracks as numbers and as geometries, kill -9 twice meanwhile
cqg_test_random()
{
	local stop=$CQ_TMP/gis.stop n op
	for op in speed heading distance position; do
		cqg_sql "SELECT cqstream.create_position_query('trk_$op', 'pt.src', 'ts', 'k', 'lon', 'lat', '$op', '{\"retention_rows\": 0, \"retention_age\": null}'),
			cqstream.create_position_query('gtrk_$op', 'pt.src', 'ts', 'k', operation => '$op', options => '{\"retention_rows\": 0, \"retention_age\": null}', position_column => 'geom')" >/dev/null
	done
	rm -f "$stop"
	(
		while [ ! -e "$stop" ]; do
			cqg_insert || sleep 0.1
			[ "$(cqg_sql "SELECT count(*) >= ${CQ_GIS_ROWS:-8000} FROM pt.src" 2>/dev/null)" = t ] && break
		done
	) &
	CQG_WPID=$!
	cq_kill_worker_rounds cqg_sql "$CQG_DB" gtrk_speed
	wait "$CQG_WPID" || true
	CQG_WPID=
	n=$(cqg_sql "SELECT count(*) FROM pt.src" 2>/dev/null || echo "?")
	if cqg_wait "SELECT bool_and(s.last_source_id >= (SELECT max(id) FROM pt.src) AND s.status <> 'failed') FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id WHERE q.name LIKE '%trk_%'" t 120; then
		cq_pass "random: worker caught up ($n rows)"
	else
		cq_fail "random: worker caught up ($n rows)"
	fi
	for op in speed heading distance; do
		cqg_check "random: $op of the numbers equals plain SQL, exactly once ($(cqg_sql "SELECT count(*) FROM pt.expected WHERE op = '$op'") results)" \
			"SELECT count(*) FROM pt.diff WHERE op = '$op'" 0
	done
	for op in speed heading distance position; do
		cqg_check "random: $op of the geometries equals the numbers', exactly once ($(cqg_sql "SELECT count(*) FROM cqstream.results('gtrk_$op', 0, 1000000)") results)" \
			"SELECT pt.gdiff('$op')" 0
	done
	cqg_check "random: rows_skipped and rows_late of the geometry queries equal the numbers'" \
		"SELECT string_agg(s.rows_skipped || '/' || s.rows_late, ',' ORDER BY substr(q.name, strpos(q.name, '_'))) FILTER (WHERE q.name LIKE 'gtrk%')
			= string_agg(s.rows_skipped || '/' || s.rows_late, ',' ORDER BY substr(q.name, strpos(q.name, '_'))) FILTER (WHERE q.name LIKE 'trk%')
			FROM cqstream.query_state s JOIN cqstream.query q ON q.id = s.query_id" t
	cqg_check "random: the stream has late rows, invalid rows and NULL geometries" \
		"SELECT count(*) FILTER (WHERE late) > 0 AND count(*) FILTER (WHERE NOT ok) > 0 AND (SELECT count(*) FROM pt.src WHERE geom IS NULL) > 0 FROM pt.rows" t
	cqg_check "random: stored distance per key equals PostGIS's ST_DistanceSphere (1e-6)" \
		"SELECT count(*) FROM cqstream.position_state p JOIN cqstream.query q ON q.id = p.query_id AND q.name = 'gtrk_distance'
			FULL JOIN pt.gis_dist e ON e.k = p.key
			WHERE p.key IS NULL OR e.k IS NULL OR abs(e.dist - p.distance) > 1e-6 * greatest(1, e.dist)" 0
}

cq_position_gis_tests()
{
	local control
	trap cqg_cleanup EXIT
	cqg_test_decoder
	if cq_cluster_start positions_gis "cqstream.poll_interval = 10" \
		"cqstream.batch_size = 1000"; then
		cq_pass "cluster"
	else
		cq_fail "cluster"
		cq_show_tail "$CQ_TMP/pg-positions_gis/log" 15
		return 0
	fi
	cqg_test_no_postgis
	control=$("$PG_BINDIR/pg_config" --sharedir)/extension/postgis.control
	if [ ! -f "$control" ]; then
		echo "    note: PostGIS is not installed for this server ($control):" \
			"its checks did not run (test/lib/deps.sh installs" \
			"postgresql-15-postgis-3 for the system's PostgreSQL)"
		return 0
	fi
	cqg_sql "CREATE DATABASE $CQG_DB" postgres >/dev/null
	if cqg_sql "CREATE EXTENSION postgis" >/dev/null; then
		cq_pass "PostGIS: CREATE EXTENSION postgis"
	else
		cq_fail "PostGIS: CREATE EXTENSION postgis"
		return 0
	fi
	cqg_sql "CREATE EXTENSION cqstream" >/dev/null
	PGOPTIONS="-c client_min_messages=warning" \
		cq_psql positions_gis -d "$CQG_DB" -q -v ON_ERROR_STOP=1 \
		-f test/worker/positions/lib.sql -f test/worker/positions_gis/lib.sql >/dev/null
	if cqg_wait "SELECT count(*) FROM pg_stat_activity WHERE backend_type = 'cqstream worker' AND datname = '$CQG_DB'" 1 15; then
		cq_pass "worker running"
	else
		cq_fail "worker running"
	fi
	cqg_test_columns
	cqg_test_attacker
	cqg_test_mixed
	cqg_test_random
	if grep -E 'terminated by signal [0-9]+|TRAP:|PANIC:' "$CQ_TMP/pg-positions_gis/log" 2>/dev/null |
		grep -qv 'terminated by signal 9:'; then
		cq_fail "server log: no worker crash other than the tests' kill -9"
	else
		cq_pass "server log: no worker crash other than the tests' kill -9"
	fi
}
