/*
 * test/worker/windows/queries.sql: the queries of the seeded random test
 * (test/worker/windows.sh) over source :src, into wt.q.
 *
 * psql variables: src (a table of wt's source shape), prefix (query name
 * prefix), late_ms (the lateness of the queries with lateness), offset_ms
 * (an offset for the windows with one, drawn by the caller from the seed).
 *
 * Every window type (TUMBLING without and with an offset, HOPPING with a
 * hop dividing the size and one not dividing it, COUNT without and with a
 * hop) times every aggregation of every value type (numbers: COUNT SUM
 * AVG MIN MAX; text: COUNT COUNT_DISTINCT; booleans: COUNT ANY ALL
 * COUNT_TRUE COUNT_FALSE), time windows with lateness 0 and late_ms; one
 * combination in five has no key column.  Plus on_update queries, whose
 * final results must equal on_close's.
 */
WITH w (wname, kind, size_us, hop_us, off_us, size_rows, hop_rows) AS (
	VALUES ('tu', 'tumbling', 1000000::bigint, 1000000::bigint, 0::bigint, NULL::int, NULL::int),
		   ('to', 'tumbling', 1500000, 1500000, :offset_ms * 1000::bigint, NULL, NULL),
		   ('hd', 'hopping', 3000000, 1000000, 0, NULL, NULL),
		   ('hn', 'hopping', 2500000, 1000000, :offset_ms * 1000::bigint, NULL, NULL),
		   ('cn', 'count', NULL, NULL, NULL, 7, NULL),
		   ('ch', 'count', NULL, NULL, NULL, 5, 2)
), a (agg, col, ai) AS (
	VALUES ('COUNT', 'v', 1), ('SUM', 'v', 2), ('AVG', 'v', 3), ('MIN', 'v', 4), ('MAX', 'v', 5),
		   ('COUNT', 's', 6), ('COUNT_DISTINCT', 's', 7),
		   ('COUNT', 'b', 8), ('ANY', 'b', 9), ('ALL', 'b', 10), ('COUNT_TRUE', 'b', 11),
		   ('COUNT_FALSE', 'b', 12)
), l (late_us) AS (
	VALUES (0::bigint), (:late_ms * 1000::bigint)
)
INSERT INTO wt.q (name, src, agg, col, kind, size_us, hop_us, off_us, late_us,
				  size_rows, hop_rows, keyed)
SELECT lower(format('%s_%s_%s_%s_%s', :'prefix', w.wname, a.col, a.agg,
					CASE WHEN l.late_us = 0 THEN 'l0' ELSE 'l1' END)),
	   :'src'::regclass, a.agg, a.col, w.kind, w.size_us, w.hop_us, w.off_us,
	   l.late_us, w.size_rows, w.hop_rows,
	   (a.ai + row_number() OVER (ORDER BY w.wname, a.ai, l.late_us)) % 5 <> 0
FROM w, a, l
WHERE w.kind <> 'count' OR l.late_us = 0;

INSERT INTO wt.q (name, src, agg, col, kind, size_us, hop_us, off_us, late_us,
				  size_rows, hop_rows, keyed, emit)
VALUES (:'prefix' || '_up_tu_avg', :'src', 'AVG', 'v', 'tumbling', 1000000, 1000000, 0,
		:late_ms * 1000, NULL, NULL, true, 'on_update'),
	   (:'prefix' || '_up_hn_sum', :'src', 'SUM', 'v', 'hopping', 2500000, 1000000,
		:offset_ms * 1000, 0, NULL, NULL, true, 'on_update'),
	   (:'prefix' || '_up_to_cd', :'src', 'COUNT_DISTINCT', 's', 'tumbling', 1500000,
		1500000, :offset_ms * 1000, :late_ms * 1000, NULL, NULL, true, 'on_update'),
	   (:'prefix' || '_up_hd_any', :'src', 'ANY', 'b', 'hopping', 3000000, 1000000, 0,
		:late_ms * 1000, NULL, NULL, false, 'on_update'),
	   (:'prefix' || '_up_ch_max', :'src', 'MAX', 'v', 'count', NULL, NULL, NULL, 0, 5, 2,
		true, 'on_update');
