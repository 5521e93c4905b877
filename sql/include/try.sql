--
-- cq_try(sql): runs sql and returns 'ok', or its error on one result:
-- SQLSTATE, message, detail and hint (no LOCATION lines, no PIDs).
-- Included by the regress files that check errors; each drops it at its
-- end.
--
CREATE OR REPLACE FUNCTION public.cq_try(sql text) RETURNS text
LANGUAGE plpgsql AS $$
DECLARE
	st text;
	msg text;
	det text;
	hnt text;
BEGIN
	EXECUTE sql;
	RETURN 'ok';
EXCEPTION WHEN OTHERS THEN
	GET STACKED DIAGNOSTICS st = RETURNED_SQLSTATE, msg = MESSAGE_TEXT,
		det = PG_EXCEPTION_DETAIL, hnt = PG_EXCEPTION_HINT;
	RETURN st || ': ' || msg
		|| coalesce(E'\nDETAIL:  ' || nullif(det, ''), '')
		|| coalesce(E'\nHINT:  ' || nullif(hnt, ''), '');
END
$$;
