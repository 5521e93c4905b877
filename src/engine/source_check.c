/*-------------------------------------------------------------------------
 *
 * source_check.c
 *	  The checks of a query's source table and columns when the query is
 *	  created (docs/engine.md, "Checks, as the caller" and "Id column").
 *
 * Design notes
 *
 * Everything is checked as the calling user, who becomes the query's
 * owner: the worker will read the source with that user's rights, so
 * SELECT on the table, or on every column the query reads, is required
 * now rather than discovered at the first batch.  A source needs a
 * bigint id filled from a sequence by the inserting statement (an
 * identity column, or a serial's nextval() default), so that the worker
 * can read "rows after id N" and bound them (capture.c); the sequence is
 * stored with the query.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/dependency.h"
#include "catalog/namespace.h"
#include "catalog/pg_class.h"
#include "catalog/pg_sequence.h"
#include "catalog/pg_type.h"
#include "miscadmin.h"
#include "nodes/primnodes.h"
#include "rewrite/rewriteHandler.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/fmgroids.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"
#include "utils/typcache.h"

#include "engine/position_geometry.h"
#include "engine/source_check.h"

/*
 * ColumnType: the base type of column colname of relid (42703 if it does
 * not exist or is a system column); *attnum gets its number.
 */
static Oid
ColumnType(Relation rel, const char *colname, AttrNumber *attnum)
{
	AttrNumber n = get_attnum(RelationGetRelid(rel), colname);

	if (n <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("column \"%s\" of relation \"%s\" does not exist",
						colname, RelationGetRelationName(rel))));
	*attnum = n;
	return getBaseType(TupleDescAttr(RelationGetDescr(rel), n - 1)->atttypid);
}

/*
 * cq_source_id_sequence: the sequence that fills column attnum of rel, if
 * it is a bigint identity column or its default is nextval() of a sequence
 * it owns; InvalidOid otherwise.
 */
Oid
cq_source_id_sequence(Relation rel, AttrNumber attnum)
{
	Form_pg_attribute att = TupleDescAttr(RelationGetDescr(rel), attnum - 1);
	Node *expr;
	FuncExpr *f;
	Const *c;
	Oid seq;
	Oid table;
	int32 col;

	if (att->attisdropped || att->atttypid != INT8OID)
		return InvalidOid;
	if (att->attidentity)
		return getIdentitySequence(RelationGetRelid(rel), attnum, true);
	if (!att->atthasdef)
		return InvalidOid;
	expr = build_column_default(rel, attnum);
	if (expr == NULL || !IsA(expr, FuncExpr))
		return InvalidOid;
	f = (FuncExpr *) expr;
	if (f->funcid != F_NEXTVAL || list_length(f->args) != 1 ||
		!IsA(linitial(f->args), Const))
		return InvalidOid;
	c = (Const *) linitial(f->args);
	if (c->constisnull || c->consttype != REGCLASSOID)
		return InvalidOid;
	seq = DatumGetObjectId(c->constvalue);
	if (!sequenceIsOwned(seq, DEPENDENCY_AUTO, &table, &col) ||
		table != RelationGetRelid(rel) || col != attnum)
		return InvalidOid;
	return seq;
}

static void
NoIdColumn(Relation rel, const char *detail, const char *hint)
{
	const char *qname = quote_qualified_identifier(get_namespace_name(
													   RelationGetNamespace(
														   rel)),
												   RelationGetRelationName(
													   rel));

	ereport(ERROR,
			(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
			 errmsg("table \"%s\" has no usable id column",
					RelationGetRelationName(rel)),
			 errdetail("%s", detail),
			 hint
				 ? errhint("%s", hint)
				 : errhint("Add one with: ALTER TABLE %s ADD COLUMN id bigint "
						   "GENERATED ALWAYS AS IDENTITY;",
						   qname)));
}

/* def->id_column and def->id_sequence: given, or the only candidate */
static void
FindIdColumn(CqQueryDef *def, Relation rel)
{
	TupleDesc desc = RelationGetDescr(rel);
	AttrNumber attnum;
	int found = 0;

	if (def->id_column != NULL)
	{
		(void) ColumnType(rel, def->id_column, &attnum);
		def->id_sequence = cq_source_id_sequence(rel, attnum);
		if (!OidIsValid(def->id_sequence))
			NoIdColumn(rel,
					   psprintf("Column \"%s\" is not a bigint identity "
								"column nor a bigint column filled by "
								"nextval() of a sequence it owns.",
								def->id_column),
					   NULL);
		return;
	}
	for (int i = 0; i < desc->natts; i++)
	{
		Oid seq = cq_source_id_sequence(rel, i + 1);

		if (!OidIsValid(seq))
			continue;
		if (++found == 1)
		{
			def->id_column = pstrdup(NameStr(TupleDescAttr(desc, i)->attname));
			def->id_sequence = seq;
		}
	}
	if (found == 0)
		NoIdColumn(rel,
				   "A source needs a bigint identity column, or a bigint "
				   "column filled by nextval() of a sequence it owns, so "
				   "that new rows can be read by id.",
				   NULL);
	if (found > 1)
		NoIdColumn(rel,
				   psprintf("It has %d bigint columns filled from a "
							"sequence.",
							found),
				   "Name the id column with \"idColumn\" in the body of "
				   "cqstream.create_query.");
}

/*
 * CheckSequence: refuse an id sequence the worker cannot follow.  It reads
 * "rows after id N, up to the sequence's last value": a sequence that
 * hands out cached blocks of values (CACHE > 1) lets a session commit ids
 * far below the last value, after the worker has moved past them, and a
 * sequence that cycles starts again below the progress.  Both would skip
 * rows silently.
 */
static void
CheckSequence(Oid seq, const char *relname)
{
	HeapTuple tup = SearchSysCache1(SEQRELID, ObjectIdGetDatum(seq));
	Form_pg_sequence s;

	if (!HeapTupleIsValid(tup))
		return;
	s = (Form_pg_sequence) GETSTRUCT(tup);
	if (s->seqcache > 1 || s->seqcycle || s->seqincrement <= 0)
	{
		const char *what = s->seqcycle ? "cycles"
			: s->seqincrement <= 0	   ? "does not increase"
									   : "caches values";
		int64 cache = s->seqcache;

		ReleaseSysCache(tup);
		ereport(ERROR,
				(errcode(ERRCODE_OBJECT_NOT_IN_PREREQUISITE_STATE),
				 errmsg("the id sequence of \"%s\" %s", relname, what),
				 errdetail("A continuous query reads the rows after its "
						   "progress up to the sequence's last value; with "
						   "CACHE " INT64_FORMAT ", CYCLE or a negative "
						   "increment, rows would be skipped.",
						   cache),
				 errhint("ALTER SEQUENCE %s CACHE 1 NO CYCLE INCREMENT BY 1",
						 quote_identifier(get_rel_name(seq)))));
	}
	ReleaseSysCache(tup);
}

static bool
IsNumberType(Oid typ)
{
	return typ == INT2OID || typ == INT4OID || typ == INT8OID ||
		typ == FLOAT4OID || typ == FLOAT8OID || typ == NUMERICOID;
}

/*
 * CheckPositionColumns: a position query's longitude (value_column),
 * latitude and key columns: numbers for the coordinates (42804), and four
 * distinct columns (22023); or for a geometry, its one column
 * (position_geometry.c) in the longitude's place, the latitude's number
 * set to it.
 */
static void
CheckPositionColumns(CqQueryDef *def, Relation rel, AttrNumber time_att,
					 AttrNumber *lon_att, AttrNumber *lat_att,
					 AttrNumber *key_att)
{
	const char *names[2] = {def->value_column, def->lat_column};
	AttrNumber *atts[2] = {lon_att, lat_att};
	const char *what[2] = {"longitude", "latitude"};

	if (def->geometry)
	{
		/* one PostGIS geometry column, in the longitude's place */
		Form_pg_attribute att;

		(void) ColumnType(rel, def->value_column, lon_att);
		att = TupleDescAttr(RelationGetDescr(rel), *lon_att - 1);
		cq_geometry_check_column(def->value_column, att->atttypid,
								 att->atttypmod);
		if (*lon_att == time_att)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("position column \"%s\" is also the time column",
							def->value_column)));
		*lat_att = *lon_att;
	}
	for (int i = 0; i < 2 && !def->geometry; i++)
	{
		Oid typ = ColumnType(rel, names[i], atts[i]);

		if (!IsNumberType(typ))
			ereport(ERROR,
					(errcode(ERRCODE_DATATYPE_MISMATCH),
					 errmsg("%s column \"%s\" is of type %s", what[i],
							names[i], format_type_be(typ)),
					 errdetail("A position query needs numeric longitude "
							   "and latitude columns (degrees, WGS 84): "
							   "smallint, integer, bigint, real, double "
							   "precision or numeric.")));
		if (*atts[i] == time_att)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s column \"%s\" is also the time column",
							what[i], names[i])));
	}
	if (*lon_att == *lat_att && !def->geometry)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("longitude and latitude columns are both \"%s\"",
						def->value_column),
				 errhint("Give the longitude and the latitude each in a "
						 "column of its own.")));
	(void) ColumnType(rel, def->key_column, key_att);
	if (*key_att == time_att || *key_att == *lon_att || *key_att == *lat_att)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key column \"%s\" is also the %s column",
						def->key_column,
						*key_att == time_att	   ? "time"
							: def->geometry		   ? "position"
							: *key_att == *lon_att ? "longitude"
												   : "latitude"),
				 errhint("The key column names the moving feature, as a "
						 "vehicle id does.")));
}

/*
 * CheckKeyValue: a query limited to one key (def->key_value) needs a key
 * column whose type has an equality operator and reads the value (the
 * worker compares the column with CAST(value AS its type), so "07" is
 * the integer 7 but not the text "7").  Errors of the type's input
 * function (22P02, ...) are the caller's.
 */
static void
CheckKeyValue(CqQueryDef *def, Relation rel, AttrNumber key_att)
{
	Form_pg_attribute att;
	TypeCacheEntry *tc;
	Oid in;
	Oid ioparam;

	if (def->key_column == NULL)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("a key value needs a key column"),
				 errhint("Name the column the key value is compared with in "
						 "\"keyColumn\".")));
	att = TupleDescAttr(RelationGetDescr(rel), key_att - 1);
	tc = lookup_type_cache(getBaseType(att->atttypid), TYPECACHE_EQ_OPR);
	if (!OidIsValid(tc->eq_opr))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_FUNCTION),
				 errmsg("key column \"%s\" of type %s has no equality "
						"operator",
						def->key_column, format_type_be(att->atttypid)),
				 errdetail("A query limited to one key compares the key "
						   "column with the key value.")));
	getTypeInputInfo(att->atttypid, &in, &ioparam);
	(void) OidInputFunctionCall(in, def->key_value, ioparam, att->atttypmod);
}

void
cq_source_check(CqQueryDef *def)
{
	Oid uid = GetUserId();
	Relation rel;
	const char *relname;
	AttrNumber time_att;
	AttrNumber value_att;
	AttrNumber key_att = InvalidAttrNumber;
	AttrNumber lat_att = InvalidAttrNumber;
	Oid typ;

	LockRelationOid(def->source, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(def->source)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", def->source)));
	rel = relation_open(def->source, NoLock);
	relname = RelationGetRelationName(rel);
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname),
				 errdetail("A source must be a plain or partitioned table.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table", relname),
				 errdetail("The worker cannot read another session's "
						   "temporary tables.")));

	typ = ColumnType(rel, def->time_column, &time_att);
	if (typ != TIMESTAMPTZOID && typ != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("time column \"%s\" is of type %s", def->time_column,
						format_type_be(typ)),
				 errdetail("The time column must be of type timestamp with "
						   "time zone or timestamp.")));
	if (def->position)
	{
		CheckPositionColumns(def, rel, time_att, &value_att, &lat_att,
							 &key_att);
		typ = FLOAT8OID;
	}
	else
		typ = ColumnType(rel, def->value_column, &value_att);
	if (IsNumberType(typ))
		def->value_type = CQ_VALUE_NUMBER;
	else if (def->aggregate &&
			 (typ == TEXTOID || typ == VARCHAROID || typ == BPCHAROID ||
			  typ == NAMEOID))
		def->value_type = CQ_VALUE_TEXT;
	else if (def->aggregate && typ == BOOLOID)
		def->value_type = CQ_VALUE_BOOLEAN;
	else if (def->aggregate)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value column \"%s\" is of type %s", def->value_column,
						format_type_be(typ)),
				 errdetail("A window aggregate needs a number (smallint, "
						   "integer, bigint, real, double precision or "
						   "numeric), text (text, varchar, char or name) or "
						   "boolean value column.")));
	else
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("value column \"%s\" is of type %s", def->value_column,
						format_type_be(typ)),
				 errdetail("A transform needs a numeric value column: "
						   "smallint, integer, bigint, real, double "
						   "precision or numeric.")));
	if (def->key_column != NULL && !def->position)
	{
		(void) ColumnType(rel, def->key_column, &key_att);
		if (key_att == time_att || key_att == value_att)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("key column \"%s\" is also the %s column",
							def->key_column,
							key_att == time_att ? "time" : "value"),
					 errhint("The key column partitions the rows, as a "
							 "sensor id does; leave it null for none.")));
	}
	if (def->key_value != NULL)
		CheckKeyValue(def, rel, key_att);
	FindIdColumn(def, rel);
	CheckSequence(def->id_sequence, relname);

	/* SELECT on the table, or on every column the query reads */
	if (pg_class_aclcheck(def->source, uid, ACL_SELECT) != ACLCHECK_OK)
	{
		AttrNumber id_att = get_attnum(def->source, def->id_column);
		AttrNumber atts[5] = {id_att, time_att, value_att, key_att, lat_att};

		for (int i = 0; i < 5; i++)
			if (atts[i] != InvalidAttrNumber &&
				pg_attribute_aclcheck(def->source, atts[i], uid, ACL_SELECT) !=
					ACLCHECK_OK)
				ereport(ERROR,
						(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
						 errmsg("permission denied for table \"%s\"", relname),
						 errdetail("The worker reads the source as the "
								   "query's owner, who needs SELECT on it.")));
	}
	relation_close(rel, NoLock);
}
