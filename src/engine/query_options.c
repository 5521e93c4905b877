/*-------------------------------------------------------------------------
 *
 * query_options.c
 *	  A query's options: checked, canonicalized and filled in with their
 *	  defaults when the query is created (docs/engine.md, "Options").
 *
 * Design notes
 *
 * Unknown keys and wrong types are refused (22023, the hint lists the
 * keys).  Intervals are stored in IntervalStyle postgres form, whatever
 * the creating session's setting, so that the worker's retention and idle
 * flush read them the same way under any setting.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "miscadmin.h"
#include "utils/builtins.h"
#include "utils/datetime.h"
#include "utils/jsonb.h"
#include "utils/numeric.h"
#include "utils/timestamp.h"

#include "core/window.h"
#include "engine/query_options.h"

/* Option defaults (docs/engine.md) */
#define DEFAULT_RETENTION_ROWS INT64CONST(100000)
#define DEFAULT_RETENTION_AGE  "1 day"
#define DEFAULT_NOTIFY		   "hint"

/*
 * The largest intervals accepted (docs/engine.md): beyond them the worker's
 * time arithmetic (now() - retention_age, last row + idle_flush) would
 * leave timestamptz's range, and no deployment keeps results longer or
 * waits longer for a stream to resume.
 */
#define MAX_RETENTION_AGE "100 years"
#define MAX_IDLE_FLUSH	  "365 days"

/* One of a few words; the caller's hint lists them */
static const char *
OptionWord(const JsonbValue *v, const char *key, const char *const *words)
{
	char *s = cq_jsonb_string(v, key, false, "option", CQ_OPTIONS_HINT);

	for (int i = 0; words[i]; i++)
		if (strcmp(s, words[i]) == 0)
			return words[i];
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid value for option \"%s\": \"%s\"", key, s),
			 errhint(CQ_OPTIONS_HINT)));
	pg_unreachable();
}

static int64
OptionRetentionRows(const JsonbValue *v)
{
	char *s;
	int64 n = 0;

	if (v->type != jbvNumeric)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("option \"retention_rows\" must be a number, not %s",
						JsonbTypeName((JsonbValue *) v)),
				 errhint(CQ_OPTIONS_HINT)));
	s = numeric_normalize(v->val.numeric);
	if (s[0] == '\0' || strlen(s) > 18 || strspn(s, "0123456789") != strlen(s))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"retention_rows\": \"%s\"",
						s),
				 errdetail("It must be a whole number from 0 to "
						   "999999999999999999."),
				 errhint(CQ_OPTIONS_HINT)));
	for (const char *p = s; *p; p++)
		n = n * 10 + (*p - '0');
	return n;
}

/* text as an interval (22007 if malformed: PostgreSQL's own error) */
static Interval *
IntervalIn(const char *text)
{
	return DatumGetIntervalP(
		DirectFunctionCall3(interval_in, CStringGetDatum(text),
							ObjectIdGetDatum(InvalidOid), Int32GetDatum(-1)));
}

/*
 * Canonical text of a positive interval of at most max, independent of
 * IntervalStyle; key names the option in errors.
 */
static char *
OptionInterval(const char *key, const char *text, const char *max)
{
	Interval *iv = IntervalIn(text);
	Interval zero;
	struct pg_itm itm;
	char buf[MAXDATELEN + 1];

	memset(&zero, 0, sizeof(zero));
	if (DatumGetInt32(DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
										  IntervalPGetDatum(&zero))) <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", key, text),
				 errdetail("The interval must be positive."),
				 errhint(CQ_OPTIONS_HINT)));
	if (DatumGetInt32(
			DirectFunctionCall2(interval_cmp, IntervalPGetDatum(iv),
								IntervalPGetDatum(IntervalIn(max)))) > 0)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid value for option \"%s\": \"%s\"", key, text),
				 errdetail("The interval must be at most %s.", max),
				 errhint(CQ_OPTIONS_HINT)));
	interval2itm(*iv, &itm);
	EncodeInterval(&itm, INTSTYLE_POSTGRES, buf);
	return pstrdup(buf);
}

void
cq_options_parse(CqQueryDef *def)
{
	static const char *const notify_words[] = {"hint", "payload", "id", "none",
											   NULL};
	static const char *const start_words[] = {"now", "beginning", NULL};
	JsonbIterator *it;
	JsonbValue k;
	JsonbValue v;
	JsonbIteratorToken tok;

	def->retention_rows = DEFAULT_RETENTION_ROWS;
	def->retention_age = OptionInterval("retention_age", DEFAULT_RETENTION_AGE,
										MAX_RETENTION_AGE);
	def->notify = DEFAULT_NOTIFY;
	def->start_beginning = false;
	def->idle_flush = NULL;
	if (def->options == NULL)
		return;
	if (!JB_ROOT_IS_OBJECT(def->options))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("query options must be a JSON object"),
				 errhint(CQ_OPTIONS_HINT)));

	it = JsonbIteratorInit(&def->options->root);
	while ((tok = JsonbIteratorNext(&it, &k, true)) != WJB_DONE)
	{
		char *key;

		if (tok != WJB_KEY)
			continue;
		key = cq_jsonb_key(&k);
		tok = JsonbIteratorNext(&it, &v, true);
		Assert(tok == WJB_VALUE);
		if (strcmp(key, "retention_rows") == 0)
			def->retention_rows = OptionRetentionRows(&v);
		else if (strcmp(key, "retention_age") == 0)
		{
			char *s = cq_jsonb_string(&v, key, true, "option",
									  CQ_OPTIONS_HINT);

			def->retention_age = s ? OptionInterval(key, s, MAX_RETENTION_AGE)
								   : NULL;
		}
		else if (strcmp(key, "idle_flush") == 0 &&
				 (def->aggregate || def->windowed))
		{
			char *s = cq_jsonb_string(&v, key, true, "option",
									  CQ_OPTIONS_HINT);

			def->idle_flush = s ? OptionInterval(key, s, MAX_IDLE_FLUSH)
								: NULL;
			/* It must have a fixed length (no months) */
			if (s)
				(void) cq_interval_usec(IntervalIn(def->idle_flush),
										"idle_flush");
		}
		else if (strcmp(key, "notify") == 0)
			def->notify = OptionWord(&v, key, notify_words);
		else if (strcmp(key, "start") == 0)
			def->start_beginning = strcmp(OptionWord(&v, key, start_words),
										  "beginning") == 0;
		else if (strcmp(key, "idle_flush") == 0)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("option \"idle_flush\" applies to window "
							"aggregates only"),
					 errhint(CQ_OPTIONS_HINT)));
		else
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown query option \"%s\"", key),
					 errhint(CQ_OPTIONS_HINT)));
	}
}
