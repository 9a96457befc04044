/*
 * valcmp: comparing two evaluation results (lib/model values) the way the
 * differential tests need: the same kind, the same label sets (vectors in
 * any order), the same timestamps, and values equal within 1e-9 relative
 * (NaN equal to NaN, infinities equal when their signs are).
 */
#ifndef SLOEVAL_TEST_VALCMP_H
#define SLOEVAL_TEST_VALCMP_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

#include "model/model.h"

/* True when a and b agree; else false with a one-line reason in why. */
bool valcmp_equal(const value *a, const value *b, char *why, size_t size);

/*
 * The `data` object of a Prometheus /api/v1/query or query_range answer
 * (resultType vector, matrix, scalar or string) as a value in `a`.
 * Timestamps are read from their decimal digits. 0, or -1 when the JSON
 * is not of that shape.
 */
int valcmp_from_json(value *out, arena *a, const json_t *data);

/* a and b within 1e-9 relative (NaN == NaN). */
bool valcmp_close(double a, double b);

#endif
