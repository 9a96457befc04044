/*
 * Comparing evaluation results with a test script's expectations
 * (internal to the runner), with the tolerance and rules of Prometheus's
 * own runner at v2.42 or 3.x.
 */
#ifndef SLOEVAL_PROMQLTEST_COMPARE_H
#define SLOEVAL_PROMQLTEST_COMPARE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "sloeval/common.h"

/* One expected point: a value, or `_` (omitted). */
typedef struct rt_point {
    double v;
    bool omitted;
} rt_point;

/* One expected series: its labels and values (one per step). */
typedef struct rt_series {
    const labels *ls;
    const rt_point *vals;
    size_t n;
    size_t pos; /* its position among the expected series (ordered results) */
} rt_series;

typedef struct rt_expected {
    const rt_series *series;
    size_t nseries;
    bool scalar; /* a bare number was expected */
    double scalar_value;
} rt_expected;

/* almostEqual (v2.42) / almost.Equal (3.x) with Prometheus's 1e-6. */
bool rt_almost_equal(double a, double b, sloeval_compat compat);

/* Compare an instant vector; 0 or -1 with the reason in why. */
int rt_compare_vector(const vector *vec, const rt_expected *exp, bool ordered,
                      sloeval_compat compat, char *why, size_t size);

/* Compare a scalar. */
int rt_compare_scalar(double v, const rt_expected *exp, sloeval_compat compat, char *why,
                      size_t size);

/* Compare a range query's matrix; expected values are at start + i*step. */
int rt_compare_matrix(const matrix *m, const rt_expected *exp, int64_t start, int64_t end,
                      int64_t step, sloeval_compat compat, char *why, size_t size);

#endif
