/*
 * The PromQL function table (internal): every function Prometheus 2.42 or
 * the 3.x HEAD knows, with its argument types, arity and return type, as
 * the parser checks them. The engine switches on `id`, which is stable.
 */
#ifndef SLOEVAL_PROMQL_FUNCTIONS_H
#define SLOEVAL_PROMQL_FUNCTIONS_H

#include <stdbool.h>
#include <stddef.h>

#include "promql/ast.h"

/* Stable ids: append new functions at the end, never renumber. */
typedef enum function_id {
    FN_ABS = 1,
    FN_ABSENT,
    FN_ABSENT_OVER_TIME,
    FN_ACOS,
    FN_ACOSH,
    FN_ASIN,
    FN_ASINH,
    FN_ATAN,
    FN_ATANH,
    FN_AVG_OVER_TIME,
    FN_CEIL,
    FN_CHANGES,
    FN_CLAMP,
    FN_CLAMP_MAX,
    FN_CLAMP_MIN,
    FN_COS,
    FN_COSH,
    FN_COUNT_OVER_TIME,
    FN_DAY_OF_MONTH,
    FN_DAY_OF_WEEK,
    FN_DAY_OF_YEAR,
    FN_DAYS_IN_MONTH,
    FN_DEG,
    FN_DELTA,
    FN_DERIV,
    FN_EXP,
    FN_FLOOR,
    FN_HISTOGRAM_COUNT,
    FN_HISTOGRAM_FRACTION,
    FN_HISTOGRAM_QUANTILE,
    FN_HISTOGRAM_SUM,
    FN_HOLT_WINTERS,
    FN_HOUR,
    FN_IDELTA,
    FN_INCREASE,
    FN_IRATE,
    FN_LABEL_JOIN,
    FN_LABEL_REPLACE,
    FN_LAST_OVER_TIME,
    FN_LN,
    FN_LOG10,
    FN_LOG2,
    FN_MAX_OVER_TIME,
    FN_MIN_OVER_TIME,
    FN_MINUTE,
    FN_MONTH,
    FN_PI,
    FN_PREDICT_LINEAR,
    FN_PRESENT_OVER_TIME,
    FN_QUANTILE_OVER_TIME,
    FN_RAD,
    FN_RATE,
    FN_RESETS,
    FN_ROUND,
    FN_SCALAR,
    FN_SGN,
    FN_SIN,
    FN_SINH,
    FN_SORT,
    FN_SORT_DESC,
    FN_SQRT,
    FN_STDDEV_OVER_TIME,
    FN_STDVAR_OVER_TIME,
    FN_SUM_OVER_TIME,
    FN_TAN,
    FN_TANH,
    FN_TIME,
    FN_TIMESTAMP,
    FN_VECTOR,
    FN_YEAR,
    /* 3.x only */
    FN_DOUBLE_EXPONENTIAL_SMOOTHING,
    FN_END,
    FN_FIRST_OVER_TIME,
    FN_HISTOGRAM_AVG,
    FN_HISTOGRAM_QUANTILES,
    FN_HISTOGRAM_STDDEV,
    FN_HISTOGRAM_STDVAR,
    FN_INFO,
    FN_MAD_OVER_TIME,
    FN_MAX_OF,
    FN_MIN_OF,
    FN_RANGE,
    FN_SORT_BY_LABEL,
    FN_SORT_BY_LABEL_DESC,
    FN_START,
    FN_START_TIMESTAMP,
    FN_STEP,
    FN_TS_OF_FIRST_OVER_TIME,
    FN_TS_OF_LAST_OVER_TIME,
    FN_TS_OF_MAX_OVER_TIME,
    FN_TS_OF_MIN_OVER_TIME,
} function_id;

/* Which Prometheus versions know a function. */
enum {
    FN_IN_V2 = 1, /* Prometheus 2.42 */
    FN_IN_V3 = 2, /* Prometheus 3.x (HEAD) */
};

#define FUNCTION_MAX_ARGS 5

struct function_def {
    const char *name;
    function_id id;
    value_type arg_types[FUNCTION_MAX_ARGS];
    unsigned char nargs; /* entries used in arg_types */
    /* 0: exactly nargs; n > 0: the last type may repeat so that up to
     * nargs - 1 + n arguments are allowed; -1: unlimited repeats. */
    signed char variadic;
    value_type return_type;
    unsigned char versions; /* FN_IN_V2 | FN_IN_V3 */
    bool experimental;      /* 3.x: needs the experimental-functions switch */
};

/* The function named exactly `name` (case-sensitive) that `compat` knows,
 * or NULL. Experimental functions are returned too; the caller checks. */
const function_def *function_lookup(const char *name, size_t len, sloeval_compat compat);

/* The function with that id, or NULL. */
const function_def *function_by_id(function_id id);

/* The whole table (for tests and documentation), sorted by name. */
const function_def *function_table(size_t *count);

#endif
