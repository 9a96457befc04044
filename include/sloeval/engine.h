/*
 * sloeval/engine.h - evaluating PromQL locally, with Prometheus 2.x or 3.x
 * semantics, over any source's raw samples.
 *
 * The engine evaluates a parsed expression at an instant or over a range
 * of steps. Everything the evaluation needs is selected from the source
 * once, up front, over the whole time range (as Prometheus does), and then
 * evaluated in memory. What is evaluated locally: instant and range
 * selectors with offset and @, subqueries, the arithmetic, comparison and
 * set operators with on/ignoring/group_left/group_right and bool, unary
 * minus, the aggregations sum avg min max count group stddev stdvar
 * quantile topk bottomk count_values, and the functions listed by
 * sloeval_engine_function_supported(). Anything else that parses is
 * refused with SLOEVAL_EUNSUPPORTED and the message
 * "not supported for local evaluation: <function/operator> at <line:col>".
 *
 * Thread use: an engine handle holds only options; it may be shared by
 * threads that evaluate at the same time as long as none changes it. The
 * source passed to an evaluation is used by that call only.
 */
#ifndef SLOEVAL_ENGINE_H
#define SLOEVAL_ENGINE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sloeval_engine sloeval_engine;
typedef struct sloeval_expr sloeval_expr;
typedef struct sloeval_source sloeval_source;
typedef struct sloeval_result sloeval_result;

/** Current version of sloeval_engine_options (1: the fields below). */
#define SLOEVAL_ENGINE_OPTIONS_VERSION 1

/** Options of an engine. Initialise with SLOEVAL_ENGINE_OPTIONS_INIT. */
typedef struct sloeval_engine_options {
    unsigned version; /**< SLOEVAL_ENGINE_OPTIONS_VERSION */
    /** Semantics: SLOEVAL_COMPAT_V2 or _V3; _AUTO takes the source's
     *  (sloeval_source's compat, v3 when unknown). */
    sloeval_compat compat;
    /** Lookback delta of instant selectors, ms (Prometheus's
     *  --query.lookback-delta); 0 means 5 minutes. */
    int64_t lookback_delta_ms;
    /** Most samples an evaluation may produce and read before it fails
     *  with SLOEVAL_ELIMIT ("query processing would load too many
     *  samples into memory in query execution"); 0 means 50,000,000
     *  (Prometheus's default --query.max-samples). sloeval counts the
     *  points every subexpression produces (and the samples an instant
     *  range-vector result holds), summed over the whole evaluation, a
     *  stand-in for Prometheus's count of the samples held at one time. */
    size_t max_samples;
    /** Step of subqueries written without one (expr[30m:]), ms; 0 means
     *  one minute (Prometheus's default evaluation interval). */
    int64_t default_subquery_step_ms;
    /** Most steps of a range evaluation; 0 means 11,000 (the API's limit). */
    size_t max_steps;
    /** 3.x's promql-delayed-name-removal feature flag (off on a default
     *  server; Prometheus's own test engine turns it on). */
    bool delayed_name_removal;
} sloeval_engine_options;

#define SLOEVAL_ENGINE_OPTIONS_INIT                                                                \
    {SLOEVAL_ENGINE_OPTIONS_VERSION, SLOEVAL_COMPAT_AUTO, 0, 0, 0, 0, false}

/**
 * Create an engine with `opts` (NULL: defaults). The engine belongs to the
 * caller: release it with sloeval_engine_free(). Returns 0,
 * SLOEVAL_EINVAL (bad options) or SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_engine_new(sloeval_engine **out, const sloeval_engine_options *opts,
                                      sloeval_error *err);

/** Release an engine. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_engine_free(sloeval_engine *e);

/**
 * Evaluate `expr` at `time_ms` (ms since the epoch) over the raw samples of
 * `src`. On success *out holds the result (a vector, scalar, string, or a
 * matrix for a range-vector expression), owned by the caller and released
 * with sloeval_result_free(). On failure *out is NULL and err says why:
 * SLOEVAL_EUNSUPPORTED (not evaluated locally), SLOEVAL_EEXEC (an
 * evaluation error in Prometheus's words, e.g. "vector cannot contain
 * metrics with the same labelset"), SLOEVAL_ELIMIT, a source's error, or
 * SLOEVAL_ENOMEM. `expr` and `src` are only read; they must outlive the call.
 */
SLOEVAL_EXPORT int sloeval_engine_query_instant(sloeval_result **out, sloeval_engine *e,
                                                sloeval_source *src, const sloeval_expr *expr,
                                                int64_t time_ms, sloeval_error *err);

/**
 * Evaluate `expr` at start_ms, start_ms + step_ms, ... up to end_ms (a
 * range query): the result is a matrix sorted by labels. The expression must
 * be a scalar or instant vector. step_ms > 0, end_ms >= start_ms, and at
 * most max_steps steps. Ownership and errors as sloeval_engine_query_instant.
 */
SLOEVAL_EXPORT int sloeval_engine_query_range(sloeval_result **out, sloeval_engine *e,
                                              sloeval_source *src, const sloeval_expr *expr,
                                              int64_t start_ms, int64_t end_ms, int64_t step_ms,
                                              sloeval_error *err);

/**
 * Check, without evaluating, whether `expr` can be evaluated locally with
 * the semantics `compat` (V2 or V3). Returns 0 or SLOEVAL_EUNSUPPORTED with
 * "not supported for local evaluation: <what> at <line:col>" in err.
 */
SLOEVAL_EXPORT int sloeval_engine_check(const sloeval_expr *expr, sloeval_compat compat,
                                        sloeval_error *err);

/** True when the function `name` is evaluated locally under `compat`. */
SLOEVAL_EXPORT bool sloeval_engine_function_supported(const char *name, sloeval_compat compat);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_ENGINE_H */
