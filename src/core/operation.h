/*-------------------------------------------------------------------------
 *
 * operation.h
 *	  The catalogue of per-value operations (ln, mul, ...) shared by the
 *	  lifted tfloat functions and the continuous-query worker.
 *
 * Design notes
 *
 * One table describes every operation: its name, whether it takes a
 * scalar argument, and three plain C functions working on doubles:
 *
 *	- check_arg(a): is the argument acceptable at all (div by ~0, round to
 *	  a negative number of digits)?  Called once, when a chain is parsed or
 *	  a lifted SQL function starts;
 *	- check(v, a): is v inside the operation's domain (ln of 0)?
 *	- func(v, a): the result, with no error checking;
 *	- check_result(v, a, r): did the result overflow or underflow the way
 *	  PostgreSQL's float8 functions report it?
 *
 * Each check returns a CqDomainError rather than raising, so that a caller
 * chooses: the SQL functions raise it (cq_domain_error gives PostgreSQL's
 * exact message and SQLSTATE), the worker skips the row and counts the
 * reason.  Any check pointer may be NULL.  All functions are pure, touch
 * no memory and never error, so the worker may call them anywhere.
 *
 * A chain ("mul 1.8 | add 32") is parsed once into a CqChain, a small
 * fixed-size array of (operation, argument) steps with no pointers into
 * the source text; it can be copied by value or kept in shared memory
 * (the operation pointers point into this table, which is constant).
 *
 *-------------------------------------------------------------------------
 */
#ifndef CQSTREAM_OPERATION_H
#define CQSTREAM_OPERATION_H

#include "postgres.h"

/* Why a value (or an argument) is outside an operation's domain */
typedef enum CqDomainError
{
	CQ_DOMAIN_OK = 0,
	CQ_DOMAIN_LOG_ZERO,			/* 2201E cannot take logarithm of zero */
	CQ_DOMAIN_LOG_NEGATIVE,		/* 2201E ... of a negative number */
	CQ_DOMAIN_DIVISION_BY_ZERO, /* 22012 */
	CQ_DOMAIN_OVERFLOW,			/* 22003 value out of range: overflow */
	CQ_DOMAIN_UNDERFLOW,		/* 22003 value out of range: underflow */
	CQ_DOMAIN_BAD_DIGITS		/* 22023 digits not a whole number */
} CqDomainError;

#define CQ_DOMAIN_NREASONS ((int) CQ_DOMAIN_BAD_DIGITS + 1)

/* Operation ids: index into the catalogue */
typedef enum CqOpId
{
	CQ_OP_LN = 0,
	CQ_OP_LOG10,
	CQ_OP_EXP,
	CQ_OP_CEIL,
	CQ_OP_FLOOR,
	CQ_OP_ABS,
	CQ_OP_DEGREES,
	CQ_OP_RADIANS,
	CQ_OP_ROUND,
	CQ_OP_ADD,
	CQ_OP_SUB,
	CQ_OP_MUL,
	CQ_OP_DIV,
	/* Not listed and not accepted in chains: used by the SQL operators */
	CQ_OP_DEGREES_NORMALIZE, /* degrees mapped into [0, 360) */
	CQ_OP_RSUB,				 /* a - v */
	CQ_OP_RDIV,				 /* a / v */
	CQ_OP_COUNT
} CqOpId;

/* Does an operation take an argument? */
typedef enum CqArgKind
{
	CQ_ARG_NONE = 0,
	CQ_ARG_REQUIRED, /* a float8 */
	CQ_ARG_OPTIONAL	 /* an integer, default_arg if absent */
} CqArgKind;

typedef CqDomainError (*CqArgCheckFn)(double a);
typedef CqDomainError (*CqCheckFn)(double v, double a);
typedef double (*CqFuncFn)(double v, double a);
typedef CqDomainError (*CqResultCheckFn)(double v, double a, double r);

typedef struct CqOperation
{
	const char *name; /* lowercase, as written in a chain */
	CqOpId id;
	CqArgKind arg;
	double default_arg;			  /* CQ_ARG_OPTIONAL only */
	bool listed;				  /* in cqstream.operations() and chains */
	CqArgCheckFn check_arg;		  /* NULL: every argument is fine */
	CqCheckFn check;			  /* NULL: every value is in the domain */
	CqFuncFn func;				  /* never NULL, never errors */
	CqResultCheckFn check_result; /* NULL: results need no check */
	const char *description;
} CqOperation;

/* Most steps in a chain */
#define CQ_CHAIN_MAX_STEPS 16

typedef struct CqStep
{
	const CqOperation *op;
	double arg; /* default_arg / 0 when not given */
} CqStep;

typedef struct CqChain
{
	int nsteps; /* 1 .. CQ_CHAIN_MAX_STEPS */
	CqStep steps[CQ_CHAIN_MAX_STEPS];
} CqChain;

/* Catalogue */
extern const CqOperation *cq_operation_get(CqOpId id);
extern const CqOperation *cq_operation_lookup(const char *name);
extern int cq_operation_count(void);
extern const CqOperation *cq_operation_nth(int i);
extern const char *cq_operation_names(void);

/* One value */
extern CqDomainError cq_operation_check_arg(const CqOperation *op, double a);
extern CqDomainError cq_operation_check(const CqOperation *op, double v,
										double a);
extern CqDomainError cq_operation_apply(const CqOperation *op, double v,
										double a, double *result);

/* Many values: out may equal in; *bad gets the index of a failure */
extern CqDomainError cq_operation_apply_array(const CqOperation *op,
											  const double *in, double *out,
											  int n, double a, int *bad);

/* Errors */
extern const char *cq_domain_reason(CqDomainError err);
extern int cq_domain_sqlstate(CqDomainError err);
extern void cq_domain_error(CqDomainError err) pg_attribute_noreturn();

/* Chains */
extern void cq_chain_parse(const char *text, CqChain *chain);
extern CqDomainError cq_chain_apply(const CqChain *chain, double v,
									double *result, int *failed_step);
extern char *cq_chain_format(const CqChain *chain);

#endif /* CQSTREAM_OPERATION_H */
