/*-------------------------------------------------------------------------
 *
 * compat.h
 *	  The one place for PostgreSQL version shims and for what the library
 *	  exports.
 *
 * Design notes
 *
 * PostgreSQL loads extension libraries into one global symbol namespace,
 * so a generic name exported by two libraries resolves to whichever was
 * loaded first.  cqstream therefore builds with -fvisibility=hidden and
 * exports exactly what the server looks up by name: the module magic,
 * _PG_init, the background worker entry points and the SQL-callable
 * functions (all named cq_*) with their info records.  The Makefile
 * defines PGDLLEXPORT as default visibility; PostgreSQL 16 and later
 * declare the SQL-callable function itself PGDLLEXPORT in
 * PG_FUNCTION_INFO_V1, PostgreSQL 15 only its info record, so for 15 the
 * macro is redefined here to export both.  Every file that declares an
 * SQL-callable function includes this header after postgres.h.
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQ_COMPAT_H
#define CQ_COMPAT_H

#include "fmgr.h"

#if PG_VERSION_NUM < 160000
#undef PG_FUNCTION_INFO_V1
#define PG_FUNCTION_INFO_V1(funcname)                                    \
	extern PGDLLEXPORT Datum funcname(PG_FUNCTION_ARGS);                 \
	extern PGDLLEXPORT const Pg_finfo_record *CppConcat(pg_finfo_,       \
														funcname)(void); \
	const Pg_finfo_record *CppConcat(pg_finfo_, funcname)(void)          \
	{                                                                    \
		static const Pg_finfo_record my_finfo = {1};                     \
		return &my_finfo;                                                \
	}                                                                    \
	extern int no_such_variable
#endif

#endif /* CQ_COMPAT_H */
