-- test/worker/positions_gis/lib.sql: the PostGIS side of the
-- positions_gis suite, loaded after test/worker/positions/lib.sql in a
-- database with PostGIS (public schema).  The random tracks of pt.src get
-- a geometry(Point, 4326) copy of their coordinates; queries gtrk_* read
-- it while trk_* read the numbers, and their results must be the same.
ALTER TABLE pt.src ADD COLUMN geom public.geometry(Point, 4326)
	GENERATED ALWAYS AS (CASE WHEN lon IS NOT NULL AND lat IS NOT NULL
		THEN public.st_setsrid(public.st_makepoint(lon, lat), 4326) END) STORED;

-- The results of one query, numbered in id order (the query name and the
-- result id left out, so that two queries' results compare)
CREATE FUNCTION pt.numbered(q text)
RETURNS TABLE (n bigint, payload jsonb) LANGUAGE sql STABLE AS $$
	SELECT row_number() OVER (ORDER BY id), payload - 'query' - 'id'
	FROM cqstream.results(q, 0, 1000000)
$$;

-- Rows where a geometry query's results differ from the numbers' query's
CREATE FUNCTION pt.gdiff(op text)
RETURNS bigint LANGUAGE sql STABLE AS $$
	SELECT count(*) FROM pt.numbered('trk_' || op) a
		FULL JOIN pt.numbered('gtrk_' || op) b USING (n)
	WHERE a.payload IS DISTINCT FROM b.payload
$$;

-- Distance per key in plain PostGIS: ST_DistanceSphere between each valid,
-- in-order row and its key's previous one (pt.rows applies the rules)
CREATE VIEW pt.gis_dist AS
SELECT k, sum(coalesce(public.st_distancesphere(
		public.st_setsrid(public.st_makepoint(plon, plat), 4326),
		public.st_setsrid(public.st_makepoint(lon, lat), 4326)), 0)) AS dist
FROM pt.rows WHERE ok AND NOT late GROUP BY k;
