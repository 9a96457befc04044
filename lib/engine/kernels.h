/*
 * Evaluation kernels (internal): the arithmetic of PromQL's functions,
 * aggregations and operators on plain sample arrays and values, with the
 * 2.x / 3.x differences, free of any AST or label handling. The evaluator
 * (eval.c) calls them; unit tests call them directly.
 *
 * Every kernel follows the operation order of Prometheus's Go code so that
 * results are bit-identical where Prometheus is deterministic.
 */
#ifndef SLOEVAL_ENGINE_KERNELS_H
#define SLOEVAL_ENGINE_KERNELS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "promql/ast.h"
#include "sloeval/common.h"

/* ---- time ------------------------------------------------------------ */

/* Go's time.Duration.Seconds() for a duration of `ms` milliseconds:
 * whole seconds plus the remaining nanoseconds / 1e9, as two terms. */
double duration_seconds(int64_t ms);

/* ---- range windows ---------------------------------------------------- */

/*
 * The samples of a range selector's window ending at `maxt` with start
 * `mint` (= maxt - range): on 2.x mint <= t <= maxt, on 3.x mint < t <= maxt.
 * `s` is sorted by time and holds no staleness markers. Sets *lo and *hi so
 * that s[*lo .. *hi) is the window. `hint_lo` / `hint_hi` are where the
 * previous (earlier) window of the same series started and ended, which
 * makes sliding over consecutive steps linear; pass 0 for a first window.
 */
void window_find(const sample *s, size_t n, int64_t mint, int64_t maxt, sloeval_compat compat,
                 size_t *lo, size_t *hi);
void window_slide(const sample *s, size_t n, int64_t mint, int64_t maxt, sloeval_compat compat,
                  size_t *lo, size_t *hi);

/*
 * The sample an instant selector sees at `ref` (evaluation time minus
 * offset) with lookback `lookback`: the last sample at or before ref, if it
 * is not older than the lookback (2.x: t >= ref - lookback; 3.x:
 * t > ref - lookback) and is not a staleness marker. `s` may hold
 * staleness markers. Returns its index or -1.
 */
ptrdiff_t instant_lookup(const sample *s, size_t n, int64_t ref, int64_t lookback,
                         sloeval_compat compat);

/* ---- rate, increase, delta, irate, idelta ----------------------------- */

/*
 * Prometheus's extrapolatedRate over the window s[0 .. n) of one series:
 * `range_start` / `range_end` are the window's bounds (t - offset - range,
 * t - offset), `range_ms` the selector's range. is_counter: rate/increase
 * (counter resets corrected, zero-point limit); is_rate: per second.
 * Returns false when there is no result (fewer than two samples).
 */
bool rate_extrapolated(double *out, const sample *s, size_t n, int64_t range_start,
                       int64_t range_end, int64_t range_ms, bool is_counter, bool is_rate,
                       sloeval_compat compat);

/* irate (is_rate) and idelta over the last two samples of s[0 .. n). */
bool rate_instant(double *out, const sample *s, size_t n, bool is_rate);

/* ---- compensated summation (Prometheus 3.x) --------------------------- */

/*
 * One step of Kahan-Babuska-Neumaier summation as Prometheus's
 * kahansum.Inc: adds inc to (*sum, *c). An infinite running sum resets the
 * compensation to 0. The result is *sum + *c.
 */
static inline void kahan_inc(double inc, double *sum, double *c)
{
    /* volatile-free: C's double arithmetic on the targets we build for is
     * IEEE binary64 without contraction (-ffp-contract=off in ISO C mode). */
    double s = *sum;
    double t = s + inc;
    if (t > 1.7976931348623157e308 || t < -1.7976931348623157e308) {
        *c = 0;
    } else if ((s < 0 ? -s : s) >= (inc < 0 ? -inc : inc)) {
        *c += (s - t) + inc;
    } else {
        *c += (inc - t) + s;
    }
    *sum = t;
}

/* ---- aggregation accumulators ----------------------------------------- */

/* The running state of one aggregation group (sum, avg, count, min, max,
 * group, stddev, stdvar). */
typedef struct agg_acc {
    double value;
    double mean;
    double kahan_c;
    double count; /* float on 3.x, integral values either way */
    bool incremental_mean;
} agg_acc;

/* Start a group with its first value. */
void agg_first(agg_acc *g, agg_op op, double v, sloeval_compat compat);
/* Fold a further value in. */
void agg_next(agg_acc *g, agg_op op, double v, sloeval_compat compat);
/* The group's result. */
double agg_final(const agg_acc *g, agg_op op, sloeval_compat compat);

/* Prometheus's quantile (the 'quantile' aggregation and
 * quantile_over_time): sorts `v` in place. NaN for n == 0. */
double quantile_of(double q, double *v, size_t n);

/* ---- operators --------------------------------------------------------- */

/* An arithmetic or comparison operator between two numbers, as
 * vectorElemBinop: *out is the arithmetic result, or for a comparison the
 * left value; the return value says whether a comparison holds (always
 * true for arithmetic). */
bool binop_values(binary_op op, double lhs, double rhs, double *out);

/* An operator between two scalars (scalarBinop): comparisons give 1 or 0. */
double binop_scalars(binary_op op, double lhs, double rhs);

/* True for + - * / % ^ atan2 (the operators that drop __name__). */
bool binop_is_arithmetic(binary_op op);

#endif
