/*-------------------------------------------------------------------------
 *
 * operation.c
 *	  The catalogue of per-value operations, the chain parser, and their SQL
 *	  face (cqstream.operations(), cqstream.apply_operations()).
 *
 * Design notes
 *
 * Every operation gives the value PostgreSQL's float8 function of the same
 * name would give, and fails where it would fail, with the same message
 * and SQLSTATE: ln/log10 (dlog1/dlog10), exp (dexp), degrees/radians,
 * + - * / (float8_pl & co.).  A few follow MobilityDB instead, because the
 * lifted tfloat functions must give MobilityDB's values:
 *
 *	- round(v, n) rounds half away from zero (PostgreSQL's round(float8) is
 *	  rint, half to even) to n decimals, as round(v * 10^n) / 10^n; a
 *	  negative n rounds to tens, hundreds, ...; where v * 10^n is not
 *	  finite, v has no digit to drop and is kept; where 10^n is 0 (n below
 *	  -323) every finite v rounds to a signed 0;
 *	- mul, div and rdiv follow IEEE arithmetic where the result is too
 *	  small for a double: 0 (or a subnormal), not PostgreSQL's underflow
 *	  error, as MobilityDB's plain C arithmetic gives;
 *	- div refuses a divisor with |a| < 1e-6 as a division by zero;
 *	- degrees with normalization maps into [0, 360) (MobilityDB can return
 *	  exactly 360 for a tiny negative angle; cqstream returns 0 there).
 *
 * NaN passes through every operation as it does in PostgreSQL (NaN is in
 * no domain error), except that a divisor of 0 is refused even with a NaN
 * dividend, as MobilityDB does.
 *
 * The chain grammar: steps separated by '|', each step an operation name
 * (case-insensitive) and, for the operations that take one, a number
 * (strtod syntax, finite).  Blanks around tokens are ignored.  Errors are
 * 22023 with a hint listing the operations, except an argument that is
 * itself out of the domain (div 0: 22012, round 0.5: 22023), which is
 * refused when the chain is parsed rather than on every row.
 *
 *-------------------------------------------------------------------------
 */
#include "postgres.h"

#include "compat.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>

#include "common/shortest_dec.h"
#include "fmgr.h"
#include "funcapi.h"
#include "lib/stringinfo.h"
#include "miscadmin.h"
#include "core/operation.h"
#include "utils/builtins.h"
#include "utils/float.h"

/* Divisors closer to 0 than this are division by zero, as in MobilityDB */
#define CQ_DIV_EPSILON 1.0e-6

PG_FUNCTION_INFO_V1(cq_operations);
PG_FUNCTION_INFO_V1(cq_apply_operations);

/*
 * Domain checks and functions.  They mirror the checks of PostgreSQL's
 * float.c (float8_pl, float8_mul, float8_div, dlog1, dexp, ...).
 */

static CqDomainError
CheckLog(double v, double a)
{
	if (v == 0.0)
		return CQ_DOMAIN_LOG_ZERO;
	if (v < 0.0)
		return CQ_DOMAIN_LOG_NEGATIVE;
	return CQ_DOMAIN_OK;
}

static CqDomainError
CheckLogResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(v))
		return CQ_DOMAIN_OVERFLOW;
	if (unlikely(r == 0.0) && v != 1.0)
		return CQ_DOMAIN_UNDERFLOW;
	return CQ_DOMAIN_OK;
}

static double
OpLn(double v, double a)
{
	return log(v);
}

static double
OpLog10(double v, double a)
{
	return log10(v);
}

static double
OpExp(double v, double a)
{
	/* exp(NaN) = NaN, exp(Inf) = Inf, exp(-Inf) = 0: as dexp */
	return exp(v);
}

/* dexp: a finite argument must give a non-zero finite result */
static CqDomainError
CheckExpResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && isfinite(v))
		return CQ_DOMAIN_OVERFLOW;
	if (unlikely(r == 0.0) && isfinite(v))
		return CQ_DOMAIN_UNDERFLOW;
	return CQ_DOMAIN_OK;
}

static double
OpCeil(double v, double a)
{
	return ceil(v);
}

static double
OpFloor(double v, double a)
{
	return floor(v);
}

static double
OpAbs(double v, double a)
{
	return fabs(v);
}

/* degrees = float8_div(v, RADIANS_PER_DEGREE) */
static double
OpDegrees(double v, double a)
{
	return v / RADIANS_PER_DEGREE;
}

static double
OpDegreesNormalize(double v, double a)
{
	double r = fmod(v / RADIANS_PER_DEGREE, 360.0);

	if (r < 0.0)
		r += 360.0;
	/* A tiny negative angle would round up to 360 */
	if (r >= 360.0)
		r = 0.0;
	return r;
}

static CqDomainError
CheckDegreesResult(double v, double a, double r)
{
	double d = v / RADIANS_PER_DEGREE;

	/* The unnormalized quotient is what float8_div checks */
	if (unlikely(isinf(d)) && !isinf(v))
		return CQ_DOMAIN_OVERFLOW;
	if (unlikely(d == 0.0) && v != 0.0)
		return CQ_DOMAIN_UNDERFLOW;
	return CQ_DOMAIN_OK;
}

/* radians = float8_mul(v, RADIANS_PER_DEGREE) */
static double
OpRadians(double v, double a)
{
	return v * RADIANS_PER_DEGREE;
}

static CqDomainError
CheckRadiansResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(v))
		return CQ_DOMAIN_OVERFLOW;
	if (unlikely(r == 0.0) && v != 0.0)
		return CQ_DOMAIN_UNDERFLOW;
	return CQ_DOMAIN_OK;
}

static CqDomainError
CheckRoundArg(double a)
{
	if (isnan(a) || a != floor(a) || a > (double) PG_INT32_MAX ||
		a < (double) PG_INT32_MIN)
		return CQ_DOMAIN_BAD_DIGITS;
	return CQ_DOMAIN_OK;
}

/*
 * MobilityDB's float_round, made safe where 10^a or v * 10^a is not
 * finite (MobilityDB returns Inf or NaN there): such a v has no decimal
 * to drop at that precision.
 */
static double
OpRound(double v, double a)
{
	double p;
	double s;

	if (!isfinite(v))
		return v;
	if (a == 0.0)
		return round(v);
	p = pow(10.0, a);
	if (p == 0.0)
		return copysign(0.0, v);
	s = v * p;
	if (!isfinite(p) || !isfinite(s))
		return v;
	s = round(s) / p;
	/* Rounded up past the largest double: no representable multiple */
	return isfinite(s) ? s : v;
}

static double
OpAdd(double v, double a)
{
	return v + a;
}

static double
OpSub(double v, double a)
{
	return v - a;
}

static double
OpRSub(double v, double a)
{
	return a - v;
}

/* float8_pl / float8_mi */
static CqDomainError
CheckSumResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(v) && !isinf(a))
		return CQ_DOMAIN_OVERFLOW;
	return CQ_DOMAIN_OK;
}

static double
OpMul(double v, double a)
{
	return v * a;
}

/* float8_mul's overflow; underflow gives 0 (see the header) */
static CqDomainError
CheckMulResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(v) && !isinf(a))
		return CQ_DOMAIN_OVERFLOW;
	return CQ_DOMAIN_OK;
}

static CqDomainError
CheckDivArg(double a)
{
	if (fabs(a) < CQ_DIV_EPSILON)
		return CQ_DOMAIN_DIVISION_BY_ZERO;
	return CQ_DOMAIN_OK;
}

static double
OpDiv(double v, double a)
{
	return v / a;
}

/* float8_div(v, a)'s overflow; underflow gives 0 (see the header) */
static CqDomainError
CheckDivResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(v))
		return CQ_DOMAIN_OVERFLOW;
	return CQ_DOMAIN_OK;
}

/* a / v: a temporal denominator that is 0 is division by zero */
static CqDomainError
CheckRDiv(double v, double a)
{
	if (v == 0.0)
		return CQ_DOMAIN_DIVISION_BY_ZERO;
	return CQ_DOMAIN_OK;
}

static double
OpRDiv(double v, double a)
{
	return a / v;
}

/* float8_div(a, v)'s overflow; underflow gives 0 (see the header) */
static CqDomainError
CheckRDivResult(double v, double a, double r)
{
	if (unlikely(isinf(r)) && !isinf(a))
		return CQ_DOMAIN_OVERFLOW;
	return CQ_DOMAIN_OK;
}

/*
 * The catalogue, indexed by CqOpId.  Listed operations come first, in the
 * order cqstream.operations() shows them.  Fields: name, id, arg,
 * default_arg, listed, check_arg, check, func, check_result, description.
 */
static const CqOperation CqOperations[CQ_OP_COUNT] = {
	{"ln", CQ_OP_LN, CQ_ARG_NONE, 0, true, NULL, CheckLog, OpLn,
	 CheckLogResult, "natural logarithm; fails on values <= 0"},
	{"log10", CQ_OP_LOG10, CQ_ARG_NONE, 0, true, NULL, CheckLog, OpLog10,
	 CheckLogResult, "base 10 logarithm; fails on values <= 0"},
	{"exp", CQ_OP_EXP, CQ_ARG_NONE, 0, true, NULL, NULL, OpExp, CheckExpResult,
	 "exponential; fails when the result overflows or underflows"},
	{"ceil", CQ_OP_CEIL, CQ_ARG_NONE, 0, true, NULL, NULL, OpCeil, NULL,
	 "smallest integer not less than the value"},
	{"floor", CQ_OP_FLOOR, CQ_ARG_NONE, 0, true, NULL, NULL, OpFloor, NULL,
	 "largest integer not greater than the value"},
	{"abs", CQ_OP_ABS, CQ_ARG_NONE, 0, true, NULL, NULL, OpAbs, NULL,
	 "absolute value"},
	{"degrees", CQ_OP_DEGREES, CQ_ARG_NONE, 0, true, NULL, NULL, OpDegrees,
	 CheckDegreesResult, "radians to degrees"},
	{"radians", CQ_OP_RADIANS, CQ_ARG_NONE, 0, true, NULL, NULL, OpRadians,
	 CheckRadiansResult, "degrees to radians"},
	{"round", CQ_OP_ROUND, CQ_ARG_OPTIONAL, 0, true, CheckRoundArg, NULL,
	 OpRound, NULL,
	 "round half away from zero to the given number of decimals (default 0)"},
	{"add", CQ_OP_ADD, CQ_ARG_REQUIRED, 0, true, NULL, NULL, OpAdd,
	 CheckSumResult, "add the argument"},
	{"sub", CQ_OP_SUB, CQ_ARG_REQUIRED, 0, true, NULL, NULL, OpSub,
	 CheckSumResult, "subtract the argument"},
	{"mul", CQ_OP_MUL, CQ_ARG_REQUIRED, 0, true, NULL, NULL, OpMul,
	 CheckMulResult, "multiply by the argument"},
	{"div", CQ_OP_DIV, CQ_ARG_REQUIRED, 0, true, CheckDivArg, NULL, OpDiv,
	 CheckDivResult,
	 "divide by the argument; an argument with |a| < 1e-6 is division by zero"},
	{"degrees_normalize", CQ_OP_DEGREES_NORMALIZE, CQ_ARG_NONE, 0, false, NULL,
	 NULL, OpDegreesNormalize, CheckDegreesResult,
	 "radians to degrees in [0, 360)"},
	{"rsub", CQ_OP_RSUB, CQ_ARG_REQUIRED, 0, false, NULL, NULL, OpRSub,
	 CheckSumResult, "the argument minus the value"},
	{"rdiv", CQ_OP_RDIV, CQ_ARG_REQUIRED, 0, false, NULL, CheckRDiv, OpRDiv,
	 CheckRDivResult, "the argument divided by the value"},
};

static const char *const CqDomainReasons[CQ_DOMAIN_NREASONS] = {
	NULL,
	"cannot take logarithm of zero",
	"cannot take logarithm of a negative number",
	"division by zero",
	"value out of range: overflow",
	"value out of range: underflow",
	"number of digits must be a whole number",
};

const CqOperation *
cq_operation_get(CqOpId id)
{
	Assert(id >= 0 && id < CQ_OP_COUNT && CqOperations[id].id == id);
	return &CqOperations[id];
}

/*
 * cq_operation_lookup: the listed operation of that name (case-insensitive),
 * or NULL.  Unlisted helpers (rsub, rdiv, ...) are not found.
 */
const CqOperation *
cq_operation_lookup(const char *name)
{
	for (int i = 0; i < CQ_OP_COUNT; i++)
		if (CqOperations[i].listed &&
			pg_strcasecmp(CqOperations[i].name, name) == 0)
			return &CqOperations[i];
	return NULL;
}

/* Number of listed operations; cq_operation_nth(0 .. count-1) lists them */
int
cq_operation_count(void)
{
	int n = 0;

	for (int i = 0; i < CQ_OP_COUNT; i++)
		if (CqOperations[i].listed)
			n++;
	return n;
}

const CqOperation *
cq_operation_nth(int i)
{
	for (int j = 0; j < CQ_OP_COUNT; j++)
		if (CqOperations[j].listed && i-- == 0)
			return &CqOperations[j];
	return NULL;
}

/* "ln, log10, ..., div": the listed names, for hints (static storage) */
const char *
cq_operation_names(void)
{
	static char names[256];

	if (names[0] == '\0')
	{
		size_t len = 0;

		for (int i = 0; i < CQ_OP_COUNT; i++)
		{
			if (!CqOperations[i].listed)
				continue;
			len += snprintf(names + len, sizeof(names) - len, "%s%s",
							len > 0 ? ", " : "", CqOperations[i].name);
			Assert(len < sizeof(names));
		}
	}
	return names;
}

CqDomainError
cq_operation_check_arg(const CqOperation *op, double a)
{
	return op->check_arg ? op->check_arg(a) : CQ_DOMAIN_OK;
}

CqDomainError
cq_operation_check(const CqOperation *op, double v, double a)
{
	return op->check ? op->check(v, a) : CQ_DOMAIN_OK;
}

/*
 * cq_operation_apply: *result = op(v, a) unless v is outside the domain or
 * the result overflows; then *result is untouched and the reason returned.
 * The argument must have passed cq_operation_check_arg.
 */
CqDomainError
cq_operation_apply(const CqOperation *op, double v, double a, double *result)
{
	CqDomainError err;
	double r;

	if (op->check && (err = op->check(v, a)) != CQ_DOMAIN_OK)
		return err;
	r = op->func(v, a);
	if (op->check_result && (err = op->check_result(v, a, r)) != CQ_DOMAIN_OK)
		return err;
	*result = r;
	return CQ_DOMAIN_OK;
}

/*
 * cq_operation_apply_array: out[i] = op(in[i], a) for i < n, stopping at
 * the first value outside the domain (its index in *bad; out[0 .. *bad)
 * are done).  The loop calls the plain C functions, nothing else.
 */
CqDomainError
cq_operation_apply_array(const CqOperation *op, const double *in, double *out,
						 int n, double a, int *bad)
{
	CqCheckFn check = op->check;
	CqFuncFn func = op->func;
	CqResultCheckFn check_result = op->check_result;

	for (int i = 0; i < n; i++)
	{
		double v = in[i];
		double r;
		CqDomainError err;

		/* a value may hold tens of millions of instants: stay cancellable */
		if ((i & 0x3FFF) == 0)
			CHECK_FOR_INTERRUPTS();
		if (check && (err = check(v, a)) != CQ_DOMAIN_OK)
		{
			*bad = i;
			return err;
		}
		r = func(v, a);
		if (check_result && (err = check_result(v, a, r)) != CQ_DOMAIN_OK)
		{
			*bad = i;
			return err;
		}
		out[i] = r;
	}
	return CQ_DOMAIN_OK;
}

/* The message PostgreSQL gives for this failure (NULL for CQ_DOMAIN_OK) */
const char *
cq_domain_reason(CqDomainError err)
{
	if ((int) err < 0 || (int) err >= CQ_DOMAIN_NREASONS)
		return "unknown domain error";
	return CqDomainReasons[err];
}

int
cq_domain_sqlstate(CqDomainError err)
{
	switch (err)
	{
		case CQ_DOMAIN_LOG_ZERO:
		case CQ_DOMAIN_LOG_NEGATIVE:
			return ERRCODE_INVALID_ARGUMENT_FOR_LOG;
		case CQ_DOMAIN_DIVISION_BY_ZERO:
			return ERRCODE_DIVISION_BY_ZERO;
		case CQ_DOMAIN_OVERFLOW:
		case CQ_DOMAIN_UNDERFLOW:
			return ERRCODE_NUMERIC_VALUE_OUT_OF_RANGE;
		case CQ_DOMAIN_BAD_DIGITS:
			return ERRCODE_INVALID_PARAMETER_VALUE;
		case CQ_DOMAIN_OK:
			break;
	}
	return ERRCODE_INTERNAL_ERROR;
}

/* cq_domain_error: raise the SQL error PostgreSQL raises for this failure */
void
cq_domain_error(CqDomainError err)
{
	if (err == CQ_DOMAIN_OK)
		elog(ERROR, "cq_domain_error called without an error");
	ereport(ERROR,
			(errcode(cq_domain_sqlstate(err)),
			 errmsg("%s", cq_domain_reason(err))));
	pg_unreachable();
}

/* Chain parsing */

static void ChainError(const char *chain, const char *detail)
	pg_attribute_noreturn();

/* Raise the 22023 error of a malformed chain; detail is a full sentence */
static void
ChainError(const char *chain, const char *detail)
{
	ereport(ERROR,
			(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
			 errmsg("invalid operation chain: \"%s\"", chain),
			 errdetail_internal("%s", detail),
			 errhint("A chain is steps separated by \"|\", each an operation "
					 "and its argument, as in \"mul 1.8 | add 32\". "
					 "Operations: %s.",
					 cq_operation_names())));
	pg_unreachable();
}

static inline bool
IsBlank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
		c == '\v';
}

/*
 * cq_chain_parse: parse text into chain, raising 22023 (22012 for a
 * division by ~0) on any mistake.  The chain does not point into text.
 */
void
cq_chain_parse(const char *text, CqChain *chain)
{
	char *copy = pstrdup(text);
	char *p = copy;
	int step = 0;

	memset(chain, 0, sizeof(*chain));
	for (;;)
	{
		char *bar = strchr(p, '|');
		char *end = bar ? bar : p + strlen(p);
		char *name;
		char *arg;
		char *q;
		const CqOperation *op;
		CqStep *s;

		step++;
		/* Trim the step */
		while (p < end && IsBlank(*p))
			p++;
		while (end > p && IsBlank(end[-1]))
			end--;
		*end = '\0';
		if (*p == '\0')
		{
			if (step == 1 && bar == NULL)
				ChainError(text, "The chain is empty.");
			ChainError(text, psprintf("Step %d is empty.", step));
		}
		if (step > CQ_CHAIN_MAX_STEPS)
			ChainError(text,
					   psprintf("A chain has at most %d steps.",
								CQ_CHAIN_MAX_STEPS));

		/* Name, then an optional argument token */
		name = p;
		q = p;
		while (*q && !IsBlank(*q))
			q++;
		arg = q;
		if (*q)
		{
			*q = '\0';
			arg = q + 1;
			while (*arg && IsBlank(*arg))
				arg++;
		}
		op = cq_operation_lookup(name);
		if (op == NULL)
			ereport(ERROR,
					(errcode(ERRCODE_INVALID_PARAMETER_VALUE),
					 errmsg("unknown operation \"%s\"", name),
					 errdetail("Step %d of the chain \"%s\" names no "
							   "operation.",
							   step, text),
					 errhint("Operations: %s.", cq_operation_names())));

		s = &chain->steps[step - 1];
		s->op = op;
		s->arg = op->default_arg;
		if (*arg == '\0')
		{
			if (op->arg == CQ_ARG_REQUIRED)
				ChainError(text,
						   psprintf("Step %d: operation \"%s\" needs a "
									"numeric argument.",
									step, op->name));
		}
		else
		{
			char *numend;
			double d;

			if (op->arg == CQ_ARG_NONE)
				ChainError(text,
						   psprintf("Step %d: operation \"%s\" takes no "
									"argument.",
									step, op->name));
			for (q = arg; *q; q++)
				if (IsBlank(*q))
					ChainError(text,
							   psprintf("Step %d: operation \"%s\" takes "
										"one argument.",
										step, op->name));
			errno = 0;
			d = strtod(arg, &numend);
			if (numend == arg || *numend != '\0')
				ChainError(text,
						   psprintf("Step %d: \"%s\" is not a number.", step,
									arg));
			if (!isfinite(d) || (errno == ERANGE && (d == 0.0 || isinf(d))))
				ChainError(text,
						   psprintf("Step %d: argument \"%s\" is not a "
									"finite number.",
									step, arg));
			s->arg = d;
		}
		if (op->check_arg)
		{
			CqDomainError err = op->check_arg(s->arg);

			if (err != CQ_DOMAIN_OK)
				ereport(ERROR,
						(errcode(cq_domain_sqlstate(err)),
						 errmsg("%s", cq_domain_reason(err)),
						 errdetail("Step %d of the chain \"%s\" cannot "
								   "apply to any value.",
								   step, text)));
		}
		chain->nsteps = step;
		if (bar == NULL)
			break;
		p = bar + 1;
	}
	pfree(copy);
}

/*
 * cq_chain_apply: apply every step to v.  On a domain failure returns the
 * reason and (if failed_step is not NULL) the 0-based step; *result is
 * then untouched.
 */
CqDomainError
cq_chain_apply(const CqChain *chain, double v, double *result,
			   int *failed_step)
{
	for (int i = 0; i < chain->nsteps; i++)
	{
		CqDomainError err = cq_operation_apply(chain->steps[i].op, v,
											   chain->steps[i].arg, &v);

		if (err != CQ_DOMAIN_OK)
		{
			if (failed_step)
				*failed_step = i;
			return err;
		}
	}
	*result = v;
	return CQ_DOMAIN_OK;
}

/*
 * cq_chain_format: the canonical text of a chain ("mul 1.8 | add 32"),
 * palloc'd; arguments print as the shortest exact decimal, so parsing it
 * gives the same chain.
 */
char *
cq_chain_format(const CqChain *chain)
{
	StringInfoData buf;

	initStringInfo(&buf);
	for (int i = 0; i < chain->nsteps; i++)
	{
		const CqStep *s = &chain->steps[i];

		if (i > 0)
			appendStringInfoString(&buf, " | ");
		appendStringInfoString(&buf, s->op->name);
		if (s->op->arg != CQ_ARG_NONE)
		{
			char num[DOUBLE_SHORTEST_DECIMAL_LEN];

			double_to_shortest_decimal_buf(s->arg, num);
			appendStringInfo(&buf, " %s", num);
		}
	}
	return buf.data;
}

/*
 * cqstream.operations(): the listed operations, one row each.
 */
Datum
cq_operations(PG_FUNCTION_ARGS)
{
	ReturnSetInfo *rsinfo = (ReturnSetInfo *) fcinfo->resultinfo;
	int n = cq_operation_count();

	InitMaterializedSRF(fcinfo, 0);
	for (int i = 0; i < n; i++)
	{
		const CqOperation *op = cq_operation_nth(i);
		Datum values[3];
		bool nulls[3] = {false, false, false};

		values[0] = CStringGetTextDatum(op->name);
		if (op->arg == CQ_ARG_REQUIRED)
			values[1] = CStringGetTextDatum("float8");
		else if (op->arg == CQ_ARG_OPTIONAL)
			values[1] = CStringGetTextDatum("integer");
		else
			nulls[1] = true;
		values[2] = CStringGetTextDatum(op->description);
		tuplestore_putvalues(rsinfo->setResult, rsinfo->setDesc, values,
							 nulls);
	}
	return (Datum) 0;
}

/*
 * cqstream.apply_operations(value, chain): the chain applied to one value,
 * NULL when the value falls outside a step's domain (what the worker does
 * with such a row: skip it).  A malformed chain is an error.
 */
Datum
cq_apply_operations(PG_FUNCTION_ARGS)
{
	double v = PG_GETARG_FLOAT8(0);
	char *chaintext = text_to_cstring(PG_GETARG_TEXT_PP(1));
	CqChain chain;
	double result;

	cq_chain_parse(chaintext, &chain);
	if (cq_chain_apply(&chain, v, &result, NULL) != CQ_DOMAIN_OK)
		PG_RETURN_NULL();
	PG_RETURN_FLOAT8(result);
}
