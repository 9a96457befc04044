/*
 * sloeval/value.h - label pairs and evaluation results.
 *
 * A sloeval_result holds one evaluation's answer (a scalar, an instant
 * vector, a range vector (matrix) or a string) with the warnings and infos
 * that came with it. It owns copies of everything it shows, so it stays
 * valid after the source or engine that produced it is freed; every
 * pointer it hands out lives until sloeval_result_free. A result is
 * immutable apart from the JSON text it caches: use it from one thread at
 * a time, or render the JSON once before sharing it.
 */
#ifndef SLOEVAL_VALUE_H
#define SLOEVAL_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "sloeval/expr.h" /* sloeval_value_type */

#ifdef __cplusplus
extern "C" {
#endif

/** One sample: milliseconds since the epoch and the value (16 bytes).
 *  This struct never changes: results hand out arrays of it. */
typedef struct sloeval_sample {
    int64_t t_ms;
    double value;
} sloeval_sample;

/** An evaluation result; see the top of this header. */
typedef struct sloeval_result sloeval_result;

/** Release a result and everything it handed out. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_result_free(sloeval_result *r);

/** The result's type (SLOEVAL_TYPE_SCALAR, _VECTOR, _MATRIX, _STRING). */
SLOEVAL_EXPORT sloeval_value_type sloeval_result_type(const sloeval_result *r);

/** "scalar", "vector", "matrix", "string" (Prometheus's names), or "none". */
SLOEVAL_EXPORT const char *sloeval_value_type_name(sloeval_value_type t);

/** The evaluation time in ms (instant queries; the end for range queries). */
SLOEVAL_EXPORT int64_t sloeval_result_time(const sloeval_result *r);

/** A scalar result's value; NaN for other types. */
SLOEVAL_EXPORT double sloeval_result_scalar(const sloeval_result *r);

/**
 * A string result's text (NUL-terminated; *len, when not NULL, gets its
 * length, which counts any NUL byte inside); NULL for other types.
 */
SLOEVAL_EXPORT const char *sloeval_result_string(const sloeval_result *r, size_t *len);

/** The number of series of a vector or matrix (0 for other types). */
SLOEVAL_EXPORT size_t sloeval_result_series_count(const sloeval_result *r);

/**
 * The labels of series i, sorted by name ("__name__" included when the
 * series has one), and their number in *count. NULL when i is out of range.
 */
SLOEVAL_EXPORT const sloeval_label *sloeval_result_labels(const sloeval_result *r, size_t i,
                                                          size_t *count);

/** The value of label `name` of series i, or NULL when it has none. */
SLOEVAL_EXPORT const char *sloeval_result_label_value(const sloeval_result *r, size_t i,
                                                      const char *name);

/**
 * The samples of series i in time order (one for a vector), their number
 * in *count. NULL when i is out of range.
 */
SLOEVAL_EXPORT const sloeval_sample *sloeval_result_samples(const sloeval_result *r, size_t i,
                                                            size_t *count);

/** Warnings (Prometheus's "warnings"), in the order they came. */
SLOEVAL_EXPORT size_t sloeval_result_warning_count(const sloeval_result *r);
SLOEVAL_EXPORT const char *sloeval_result_warning(const sloeval_result *r, size_t i);

/** Infos (Prometheus 3.x's "infos"), in the order they came. */
SLOEVAL_EXPORT size_t sloeval_result_info_count(const sloeval_result *r);
SLOEVAL_EXPORT const char *sloeval_result_info(const sloeval_result *r, size_t i);

/**
 * The result as the `data` object of Prometheus's /api/v1/query (and
 * query_range) response, byte for byte as Prometheus writes it:
 * {"resultType":"vector","result":[{"metric":{...},"value":[<ts>,"<v>"]}]},
 * matrices with "values", scalars and strings as [<ts>,"<v>"]. Values are
 * formatted as Prometheus formats them (shortest round-trip digits, "NaN",
 * "+Inf"; scalars never in exponent form). The text is cached in the
 * result (NUL-terminated; *len, when not NULL, gets its length). NULL when
 * out of memory.
 */
SLOEVAL_EXPORT const char *sloeval_result_json(sloeval_result *r, size_t *len);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_VALUE_H */
