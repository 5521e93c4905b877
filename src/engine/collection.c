/*-------------------------------------------------------------------------
 *
 * collection.c
 *	  Collections: source tables published as OGC API - Moving Features
 *	  collections (cqstream.create_collection, drop_collection,
 *	  collections(); src/sql/84_collection.sql).
 *
 * Design notes
 *
 * A collection names a table, its time column and its key column (the
 * feature id); its temporal properties are not stored but read from the
 * table's columns whenever they are listed, so ALTER TABLE needs no
 * second step and a property never names a column that is gone.
 *
 * A collection may also name two numeric columns as its features'
 * position (longitude, latitude in WGS 84): the relay's .../tgsequence
 * routes query and append them as a moving point.  They are the
 * feature's temporal geometry, so they are not listed as properties;
 * a role that may not read both sees no position (nulls).
 *
 * Who may do what: registering or dropping publishes a table, so it
 * takes what ALTER TABLE takes, membership in the table owner's role
 * (a role that may only read a table must not decide how it is shown).
 * Listing shows a role exactly the collections whose table it could
 * SELECT from (or, with column privileges, the time and key columns), and
 * among the properties only the columns it may read: the relay runs the
 * listing as each request's role, so PostgreSQL's privileges decide what
 * /collections shows.
 *
 * A dropped table leaves its catalog row behind (there is no dependency
 * of a table on a catalog row), so the listing checks that the table and
 * both columns still exist and skips the row otherwise; the owner stored
 * at registration may then still drop it.  The functions are plain C,
 * not SECURITY DEFINER: they decide as the calling user and read or
 * write the catalog table as the extension's owner, and run no code a
 * user controls (no operator, no function of a column's type).
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include "access/htup_details.h"
#include "access/relation.h"
#include "catalog/pg_class.h"
#include "catalog/pg_type.h"
#include "executor/spi.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "storage/lmgr.h"
#include "utils/acl.h"
#include "utils/builtins.h"
#include "utils/json.h"
#include "utils/jsonb.h"
#include "utils/lsyscache.h"
#include "utils/rel.h"
#include "utils/syscache.h"

#include "contract.h"
#include "engine/extension_owner.h"
#include "engine/query_spec.h"
#include "engine/source_check.h"

PG_FUNCTION_INFO_V1(cq_create_collection);
PG_FUNCTION_INFO_V1(cq_drop_collection);
PG_FUNCTION_INFO_V1(cq_collections);

/* One catalog row, as the listing needs it */
typedef struct CollectionRow
{
	char *id;
	char *title; /* NULL: none */
	char *description;
	Oid source;
	char *time_column;
	char *key_column;
	Oid owner;
	char *lon_column; /* NULL: no position */
	char *lat_column;
} CollectionRow;

static void
CheckCollectionId(const char *id)
{
	if (!cq_spec_valid_name(id))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("invalid collection id \"%s\"", id),
				 errhint("A collection id is a lowercase letter followed by "
						 "at most %d lowercase letters, digits or "
						 "underscores.",
						 CQ_QUERY_NAME_MAXLEN - 1)));
}

static char *
OptionalText(FunctionCallInfo fcinfo, int n)
{
	return PG_ARGISNULL(n) ? NULL : text_to_cstring(PG_GETARG_TEXT_PP(n));
}

/* Column colname of rel (42703 if it does not exist or is a system one) */
static Form_pg_attribute
Column(Relation rel, const char *colname, const char *what)
{
	AttrNumber n = get_attnum(RelationGetRelid(rel), colname);

	if (n <= 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_COLUMN),
				 errmsg("%s column \"%s\" of relation \"%s\" does not exist",
						what, colname, RelationGetRelationName(rel))));
	return TupleDescAttr(RelationGetDescr(rel), n - 1);
}

/* Whether typ is a number type a position can be read from */
static bool
IsNumeric(Oid typ)
{
	switch (getBaseType(typ))
	{
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return true;
		default:
			return false;
	}
}

/*
 * CheckPosition: the longitude or latitude column colname of rel is
 * numeric and none of the columns in taken (n attribute numbers)
 */
static AttrNumber
CheckPosition(Relation rel, const char *colname, const char *what,
			  const AttrNumber *taken, int n)
{
	Form_pg_attribute att = Column(rel, colname, what);

	if (!IsNumeric(att->atttypid))
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("%s column \"%s\" is of type %s", what, colname,
						format_type_be(att->atttypid)),
				 errdetail("A position is read from numeric columns: "
						   "smallint, integer, bigint, real, double "
						   "precision or numeric.")));
	for (int i = 0; i < n; i++)
		if (att->attnum == taken[i])
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("%s column \"%s\" is also the %s column", what,
							colname,
							i == 0		 ? "time"
								: i == 1 ? "key"
										 : "longitude"),
					 errhint("Give two columns of their own for the "
							 "longitude and the latitude.")));
	return att->attnum;
}

/*
 * CheckSource: source is a table the calling user owns (through its
 * roles), with a timestamp time column and a key column apart from it,
 * and, if given, numeric longitude and latitude columns apart from both
 * and each other.  Returns the table's owner; the table stays locked
 * (AccessShareLock) until the end of the transaction.
 */
static Oid
CheckSource(Oid source, const char *time_column, const char *key_column,
			const char *lon_column, const char *lat_column)
{
	Relation rel;
	const char *relname;
	Form_pg_attribute tatt;
	Form_pg_attribute katt;
	Oid typ;
	Oid owner;

	LockRelationOid(source, AccessShareLock);
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(source)))
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_TABLE),
				 errmsg("relation with OID %u does not exist", source)));
	rel = relation_open(source, NoLock);
	relname = RelationGetRelationName(rel);
	if (rel->rd_rel->relkind != RELKIND_RELATION &&
		rel->rd_rel->relkind != RELKIND_PARTITIONED_TABLE)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is not a table", relname),
				 errdetail("A collection is a plain or partitioned table.")));
	if (rel->rd_rel->relpersistence == RELPERSISTENCE_TEMP)
		ereport(ERROR,
				(errcode(ERRCODE_WRONG_OBJECT_TYPE),
				 errmsg("\"%s\" is a temporary table", relname),
				 errdetail("Other sessions cannot read it.")));
	owner = rel->rd_rel->relowner;
	if (!has_privs_of_role(GetUserId(), owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of table %s", relname),
				 errdetail("Only members of the role that owns a table may "
						   "publish it as a collection.")));

	tatt = Column(rel, time_column, "time");
	typ = getBaseType(tatt->atttypid);
	if (typ != TIMESTAMPTZOID && typ != TIMESTAMPOID)
		ereport(ERROR,
				(errcode(ERRCODE_DATATYPE_MISMATCH),
				 errmsg("time column \"%s\" is of type %s", time_column,
						format_type_be(typ)),
				 errdetail("The time column must be of type timestamp with "
						   "time zone or timestamp.")));
	katt = Column(rel, key_column, "key");
	if (katt->attnum == tatt->attnum)
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("key column \"%s\" is also the time column",
						key_column),
				 errhint("The key column holds the feature ids, as a sensor "
						 "id does.")));
	if (lon_column != NULL)
	{
		AttrNumber taken[3] = {tatt->attnum, katt->attnum, InvalidAttrNumber};

		taken[2] = CheckPosition(rel, lon_column, "longitude", taken, 2);
		(void) CheckPosition(rel, lat_column, "latitude", taken, 3);
	}
	relation_close(rel, NoLock);
	return owner;
}

typedef struct InsertArgs
{
	const char *id;
	Oid source;
	const char *time_column;
	const char *key_column;
	const char *title;
	const char *description;
	Oid owner;
	const char *lon_column; /* NULL: no position */
	const char *lat_column;
	bool inserted;
} InsertArgs;

static Datum
NameOrNull(const char *s)
{
	Name n = palloc0(NAMEDATALEN);

	namestrcpy(n, s);
	return NameGetDatum(n);
}

static void
InsertAsOwner(void *arg)
{
	InsertArgs *a = arg;
	Oid types[9] = {TEXTOID, OIDOID, NAMEOID, NAMEOID, TEXTOID,
					TEXTOID, OIDOID, NAMEOID, NAMEOID};
	Datum values[9];
	char nulls[9] = "         ";
	int ret;

	values[0] = CStringGetTextDatum(a->id);
	values[1] = ObjectIdGetDatum(a->source);
	values[2] = NameOrNull(a->time_column);
	values[3] = NameOrNull(a->key_column);
	values[4] = a->title ? CStringGetTextDatum(a->title) : (Datum) 0;
	nulls[4] = a->title ? ' ' : 'n';
	values[5] = a->description ? CStringGetTextDatum(a->description)
							   : (Datum) 0;
	nulls[5] = a->description ? ' ' : 'n';
	values[6] = ObjectIdGetDatum(a->owner);
	values[7] = a->lon_column ? NameOrNull(a->lon_column) : (Datum) 0;
	nulls[7] = a->lon_column ? ' ' : 'n';
	values[8] = a->lat_column ? NameOrNull(a->lat_column) : (Datum) 0;
	nulls[8] = a->lat_column ? ' ' : 'n';
	ret =
		SPI_execute_with_args("INSERT INTO cqstream.collection (id, source, time_column, "
							  "key_column, title, description, owner, "
							  "lon_column, lat_column) "
							  "VALUES ($1, $2::regclass, $3, $4, $5, $6, $7::regrole, "
							  "$8, $9) ON CONFLICT (id) DO NOTHING",
							  9, types, values, nulls, false, 0);
	if (ret != SPI_OK_INSERT)
		elog(ERROR, "writing cqstream.collection failed: %d", ret);
	a->inserted = SPI_processed == 1;
}

/*
 * cqstream.create_collection(id, source, time_column, key_column, title,
 * description, lon_column, lat_column)
 */
Datum
cq_create_collection(PG_FUNCTION_ARGS)
{
	InsertArgs args;

	if (PG_ARGISNULL(0))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("collection id must not be null")));
	args.id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	CheckCollectionId(args.id);
	if (PG_ARGISNULL(1))
		ereport(ERROR,
				(errcode(ERRCODE_NULL_VALUE_NOT_ALLOWED),
				 errmsg("source table must not be null")));
	args.source = PG_GETARG_OID(1);
	args.time_column = cq_name_arg(fcinfo, 2, "time column");
	args.key_column = cq_name_arg(fcinfo, 3, "key column");
	args.title = OptionalText(fcinfo, 4);
	args.description = OptionalText(fcinfo, 5);
	/* (an install script older than the library may pass only 6) */
	args.lon_column = PG_NARGS() <= 6 || PG_ARGISNULL(6)
		? NULL
		: cq_name_arg(fcinfo, 6, "longitude");
	args.lat_column = PG_NARGS() <= 7 || PG_ARGISNULL(7)
		? NULL
		: cq_name_arg(fcinfo, 7, "latitude");
	if ((args.lon_column == NULL) != (args.lat_column == NULL))
		ereport(ERROR,
				(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
				 errmsg("%s column given without a %s column",
						args.lon_column ? "longitude" : "latitude",
						args.lon_column ? "latitude" : "longitude"),
				 errhint("A position needs both lon_column and lat_column; "
						 "give neither for a collection without one.")));
	args.owner = CheckSource(args.source, args.time_column, args.key_column,
							 args.lon_column, args.lat_column);
	args.inserted = false;
	cq_as_extension_owner(InsertAsOwner, &args);
	if (!args.inserted)
		ereport(ERROR,
				(errcode(ERRCODE_DUPLICATE_OBJECT),
				 errmsg("collection \"%s\" already exists", args.id),
				 errhint("Drop it first with cqstream.drop_collection.")));
	PG_RETURN_VOID();
}

typedef struct DropArgs
{
	const char *id;
	Oid uid;
} DropArgs;

static void
DropAsOwner(void *arg)
{
	DropArgs *a = arg;
	Oid types[1] = {TEXTOID};
	Datum values[1];
	bool isnull;
	Oid source;
	Oid owner;
	Oid table_owner = InvalidOid;
	HeapTuple tup;
	int ret;

	values[0] = CStringGetTextDatum(a->id);
	ret = SPI_execute_with_args("SELECT source::oid, owner::oid "
								"FROM cqstream.collection WHERE id = $1 "
								"FOR UPDATE",
								1, types, values, NULL, false, 1);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.collection failed: %d", ret);
	if (SPI_processed == 0)
		ereport(ERROR,
				(errcode(ERRCODE_UNDEFINED_OBJECT),
				 errmsg("collection \"%s\" does not exist", a->id),
				 errhint("The collections are listed by "
						 "cqstream.collections().")));
	source = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
											SPI_tuptable->tupdesc, 1,
											&isnull));
	owner = DatumGetObjectId(SPI_getbinval(SPI_tuptable->vals[0],
										   SPI_tuptable->tupdesc, 2, &isnull));
	tup = SearchSysCache1(RELOID, ObjectIdGetDatum(source));
	if (HeapTupleIsValid(tup))
	{
		table_owner = ((Form_pg_class) GETSTRUCT(tup))->relowner;
		ReleaseSysCache(tup);
	}

	/*
	 * The table's owner decides; once the table is gone, the role that
	 * owned it at registration (a table's owner may have changed since,
	 * but then it is no table of the new owner's any more).
	 */
	if (OidIsValid(table_owner) ? !has_privs_of_role(a->uid, table_owner)
								: !has_privs_of_role(a->uid, owner))
		ereport(ERROR,
				(errcode(ERRCODE_INSUFFICIENT_PRIVILEGE),
				 errmsg("must be owner of the table of collection \"%s\"",
						a->id),
				 errdetail("Only members of the role that owns a table may "
						   "drop its collection.")));
	ret = SPI_execute_with_args("DELETE FROM cqstream.collection "
								"WHERE id = $1",
								1, types, values, NULL, false, 0);
	if (ret != SPI_OK_DELETE)
		elog(ERROR, "deleting from cqstream.collection failed: %d", ret);
}

/* cqstream.drop_collection(id) */
Datum
cq_drop_collection(PG_FUNCTION_ARGS)
{
	DropArgs args;

	args.id = text_to_cstring(PG_GETARG_TEXT_PP(0));
	args.uid = GetUserId();
	cq_as_extension_owner(DropAsOwner, &args);
	PG_RETURN_VOID();
}

typedef struct ListArgs
{
	MemoryContext cxt; /* where the rows go */
	List *rows;		   /* of CollectionRow */
} ListArgs;

static char *
CopyText(HeapTuple tup, TupleDesc desc, int col)
{
	bool isnull;
	Datum d = SPI_getbinval(tup, desc, col, &isnull);

	return isnull ? NULL : TextDatumGetCString(d);
}

static void
ListAsOwner(void *arg)
{
	ListArgs *a = arg;
	int ret;

	ret = SPI_execute("SELECT id, title, description, source::oid, "
					  "time_column::text, key_column::text, owner::oid, "
					  "lon_column::text, lat_column::text "
					  "FROM cqstream.collection ORDER BY id",
					  true, 0);
	if (ret != SPI_OK_SELECT)
		elog(ERROR, "reading cqstream.collection failed: %d", ret);
	for (uint64 i = 0; i < SPI_processed; i++)
	{
		HeapTuple tup = SPI_tuptable->vals[i];
		TupleDesc desc = SPI_tuptable->tupdesc;
		MemoryContext old = MemoryContextSwitchTo(a->cxt);
		CollectionRow *r = palloc0(sizeof(CollectionRow));
		bool isnull;

		r->id = CopyText(tup, desc, 1);
		r->title = CopyText(tup, desc, 2);
		r->description = CopyText(tup, desc, 3);
		r->source = DatumGetObjectId(SPI_getbinval(tup, desc, 4, &isnull));
		r->time_column = CopyText(tup, desc, 5);
		r->key_column = CopyText(tup, desc, 6);
		r->owner = DatumGetObjectId(SPI_getbinval(tup, desc, 7, &isnull));
		r->lon_column = CopyText(tup, desc, 8);
		r->lat_column = CopyText(tup, desc, 9);
		a->rows = lappend(a->rows, r);
		MemoryContextSwitchTo(old);
	}
}

/* The temporal property type of a column type, NULL for none */
static const char *
PropertyType(Oid typ)
{
	switch (getBaseType(typ))
	{
		case FLOAT4OID:
		case FLOAT8OID:
		case NUMERICOID:
			return "TReal";
		case INT2OID:
		case INT4OID:
		case INT8OID:
			return "TInt";
		case TEXTOID:
		case VARCHAROID:
		case BPCHAROID:
			return "TText";
		case BOOLOID:
			return "TBool";
		default:
			return NULL;
	}
}

static bool
CanReadColumn(Oid relid, AttrNumber att, Oid uid, bool whole_table)
{
	return whole_table ||
		pg_attribute_aclcheck(relid, att, uid, ACL_SELECT) == ACLCHECK_OK;
}

/*
 * AddRow: r's row in the result, if the table and its columns exist and
 * uid may read them; the properties are the readable columns of a
 * property type other than the time, key, id and position columns.
 */
static void
AddRow(ReturnSetInfo *rsinfo, CollectionRow *r, Oid uid)
{
	Datum values[11];
	bool nulls[11] = {0};
	AttrNumber tatt;
	AttrNumber katt;
	AttrNumber lonatt = InvalidAttrNumber;
	AttrNumber latatt = InvalidAttrNumber;
	bool position;
	bool whole;
	Relation rel;
	TupleDesc desc;
	StringInfoData props;
	bool first = true;

	/* Decide from the syscache, before any lock: no waiting on others' tables */
	if (!SearchSysCacheExists1(RELOID, ObjectIdGetDatum(r->source)))
		return;
	tatt = get_attnum(r->source, r->time_column);
	katt = get_attnum(r->source, r->key_column);
	if (tatt <= 0 || katt <= 0)
		return;
	if (r->lon_column != NULL)
	{
		lonatt = get_attnum(r->source, r->lon_column);
		latatt = get_attnum(r->source, r->lat_column);
		if (lonatt <= 0 || latatt <= 0)
			return; /* a position column is gone, as for time and key */
	}
	whole = pg_class_aclcheck(r->source, uid, ACL_SELECT) == ACLCHECK_OK;
	if (!CanReadColumn(r->source, tatt, uid, whole) ||
		!CanReadColumn(r->source, katt, uid, whole))
		return;
	position = r->lon_column != NULL &&
		CanReadColumn(r->source, lonatt, uid, whole) &&
		CanReadColumn(r->source, latatt, uid, whole);
	rel = try_relation_open(r->source, AccessShareLock);
	if (rel == NULL)
		return;
	desc = RelationGetDescr(rel);

	initStringInfo(&props);
	appendStringInfoChar(&props, '[');
	for (int i = 0; i < desc->natts; i++)
	{
		Form_pg_attribute att = TupleDescAttr(desc, i);
		const char *type;

		if (att->attisdropped || att->attnum == tatt || att->attnum == katt ||
			att->attnum == lonatt || att->attnum == latatt)
			continue;
		type = PropertyType(att->atttypid);
		if (type == NULL || !CanReadColumn(r->source, att->attnum, uid, whole))
			continue;
		if (OidIsValid(cq_source_id_sequence(rel, att->attnum)))
			continue;
		if (!first)
			appendStringInfoString(&props, ", ");
		first = false;
		appendStringInfoString(&props, "{\"name\": ");
		escape_json(&props, NameStr(att->attname));
		appendStringInfo(&props, ", \"type\": \"%s\", \"columnType\": ", type);
		escape_json(&props, format_type_be(att->atttypid));
		appendStringInfoChar(&props, '}');
	}
	appendStringInfoChar(&props, ']');

	values[0] = CStringGetTextDatum(r->id);
	values[1] = r->title ? CStringGetTextDatum(r->title) : (Datum) 0;
	nulls[1] = r->title == NULL;
	values[2] = r->description ? CStringGetTextDatum(r->description)
							   : (Datum) 0;
	nulls[2] = r->description == NULL;
	values[3] = ObjectIdGetDatum(r->source);
	values[4] = NameOrNull(r->time_column);
	values[5] = NameOrNull(r->key_column);
	values[6] = ObjectIdGetDatum(TupleDescAttr(desc, katt - 1)->atttypid);
	values[7] = DirectFunctionCall1(jsonb_in, CStringGetDatum(props.data));
	values[8] = ObjectIdGetDatum(r->owner);
	values[9] = position ? NameOrNull(r->lon_column) : (Datum) 0;
	nulls[9] = !position;
	values[10] = position ? NameOrNull(r->lat_column) : (Datum) 0;
	nulls[10] = !position;
	relation_close(rel, AccessShareLock);
	tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values, nulls);
}

/* cqstream.collections() */
Datum
cq_collections(PG_FUNCTION_ARGS)
{
	ListArgs args;
	Oid uid = GetUserId();
	ListCell *lc;

	InitMaterializedSRF(fcinfo, 0);
	args.cxt = CurrentMemoryContext;
	args.rows = NIL;
	cq_as_extension_owner(ListAsOwner, &args);
	foreach(lc, args.rows)
		AddRow((ReturnSetInfo *) fcinfo->resultinfo, lfirst(lc), uid);
	return (Datum) 0;
}
