/*
 * PromQL functions evaluated locally: the range-vector functions (rate,
 * increase, delta, irate, idelta, *_over_time, changes, resets, deriv,
 * predict_linear, holt_winters, absent_over_time) run series by series over
 * sliding windows; the instant-vector functions (math, clamp, round,
 * timestamp, absent, sort, date functions, vector, scalar, time) run step by
 * step. 2.x and 3.x differences follow promql/functions.go of each.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

/* math.Pi */
#define GO_PI 3.14159265358979323846264338327950288419716939937510582097494459

#include "engine/eval.h"
#include "engine/kernels.h"
#include "regex/regex.h"
#include "promql/functions.h"
#include "util/prefetch.h"
#include "util/strbuf.h"
#include "util/text.h"

const char *call_name(const ast_node *n)
{
    return n->u.call.func ? n->u.call.func->name : "";
}

/* ---- Go math semantics --------------------------------------------------- */

/* math.Max / math.Min: NaN wins, and +0 > -0. */
static double go_max(double x, double y)
{
    if (isinf(x) && x > 0) return x;
    if (isinf(y) && y > 0) return y;
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && x == y) return signbit(x) ? y : x;
    return x > y ? x : y;
}

static double go_min(double x, double y)
{
    if (isinf(x) && x < 0) return x;
    if (isinf(y) && y < 0) return y;
    if (isnan(x) || isnan(y)) return NAN;
    if (x == 0 && x == y) return signbit(x) ? x : y;
    return x < y ? x : y;
}

/* 2.x's kahanSumInc: without the reset on an infinite sum. */
static void kahan_inc_v2(double inc, double *sum, double *c)
{
    double s = *sum;
    double t = s + inc;
    if (fabs(s) >= fabs(inc))
        *c += (s - t) + inc;
    else
        *c += (inc - t) + s;
    *sum = t;
}

static void kinc(sloeval_compat compat, double inc, double *sum, double *c)
{
    if (compat == SLOEVAL_COMPAT_V2)
        kahan_inc_v2(inc, sum, c);
    else
        kahan_inc(inc, sum, c);
}

/* ---- range functions over one window ------------------------------------------ */

typedef struct range_call {
    evaluator *ev;
    const ast_node *n;
    int64_t mint, maxt, range_ms;
    double p1, p2; /* scalar arguments at this step */
    int64_t ts;
} range_call;

typedef bool (*range_fn)(const range_call *c, const sample *w, size_t n, double *out);

static bool f_rate(const range_call *c, const sample *w, size_t n, double *out)
{
    return rate_extrapolated(out, w, n, c->mint, c->maxt, c->range_ms, true, true, c->ev->compat);
}

static bool f_increase(const range_call *c, const sample *w, size_t n, double *out)
{
    return rate_extrapolated(out, w, n, c->mint, c->maxt, c->range_ms, true, false, c->ev->compat);
}

static bool f_delta(const range_call *c, const sample *w, size_t n, double *out)
{
    return rate_extrapolated(out, w, n, c->mint, c->maxt, c->range_ms, false, false, c->ev->compat);
}

static bool f_irate(const range_call *c, const sample *w, size_t n, double *out)
{
    return rate_instant(out, w, n, true);
}

static bool f_idelta(const range_call *c, const sample *w, size_t n, double *out)
{
    return rate_instant(out, w, n, false);
}

static bool f_avg_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    if (c->ev->compat == SLOEVAL_COMPAT_V2) {
        double mean = 0, count = 0, comp = 0;
        for (size_t i = 0; i < n; i++) {
            double v = w[i].v;
            count++;
            if (isinf(mean)) {
                if (isinf(v) && (mean > 0) == (v > 0)) continue;
                if (!isinf(v) && !isnan(v)) continue;
            }
            kahan_inc_v2(v / count - mean / count, &mean, &comp);
        }
        *out = isinf(mean) ? mean : mean + comp;
        return true;
    }
    double sum = w[0].v, count = 1, mean = 0, kc = 0;
    bool incremental = false;
    for (size_t i = 1; i < n; i++) {
        count = (double)(i + 1);
        double v = w[i].v;
        if (!incremental) {
            double ns = sum, nc = kc;
            kahan_inc(v, &ns, &nc);
            if (!isinf(ns)) {
                sum = ns;
                kc = nc;
                continue;
            }
            incremental = true;
            mean = sum / (count - 1);
            kc /= count - 1;
        }
        double q = (count - 1) / count;
        double m = q * mean, cc = q * kc;
        kahan_inc(v / count, &m, &cc);
        mean = m;
        kc = cc;
    }
    *out = incremental ? mean + kc : sum / count + kc / count;
    return true;
}

static bool f_sum_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    double sum = 0, comp = 0;
    for (size_t i = 0; i < n; i++)
        kinc(c->ev->compat, w[i].v, &sum, &comp);
    *out = isinf(sum) ? sum : sum + comp;
    return true;
}

static bool f_count_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = (double)n;
    return true;
}

static bool f_present_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = 1;
    return true;
}

static bool f_last_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = w[n - 1].v;
    return true;
}

static bool f_first_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = w[0].v;
    return true;
}

static bool f_ts_of_last_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = (double)w[n - 1].t / 1000;
    return true;
}

static bool f_ts_of_first_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = (double)w[0].t / 1000;
    return true;
}

static size_t extreme_index(const sample *w, size_t n, bool want_max)
{
    size_t best = 0;
    for (size_t i = 0; i < n; i++) {
        double cur = w[i].v, b = w[best].v;
        bool better = want_max ? (cur > b || isnan(b)) : (cur < b || isnan(b));
        if (better) best = i;
    }
    return best;
}

static bool f_max_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = w[extreme_index(w, n, true)].v;
    return true;
}

static bool f_min_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = w[extreme_index(w, n, false)].v;
    return true;
}

static bool f_ts_of_max_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = (double)w[extreme_index(w, n, true)].t / 1000;
    return true;
}

static bool f_ts_of_min_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = (double)w[extreme_index(w, n, false)].t / 1000;
    return true;
}

static double variance_over_time(const range_call *c, const sample *w, size_t n)
{
    double count = 0, mean = 0, cmean = 0, aux = 0, caux = 0;
    for (size_t i = 0; i < n; i++) {
        double v = w[i].v;
        count++;
        double delta = v - (mean + cmean);
        kinc(c->ev->compat, delta / count, &mean, &cmean);
        kinc(c->ev->compat, delta * (v - (mean + cmean)), &aux, &caux);
    }
    return (aux + caux) / count;
}

static bool f_stddev_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = sqrt(variance_over_time(c, w, n));
    return true;
}

static bool f_stdvar_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = variance_over_time(c, w, n);
    return true;
}

static bool f_quantile_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    double *v = arena_alloc(c->ev->a, n * sizeof(double));
    if (!v) return false;
    for (size_t i = 0; i < n; i++)
        v[i] = w[i].v;
    *out = quantile_of(c->p1, v, n);
    return true;
}

static bool f_mad_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    double *v = arena_alloc(c->ev->a, n * sizeof(double));
    if (!v) return false;
    for (size_t i = 0; i < n; i++) {
        /* A NaN makes the median, and so the deviation, undefined. */
        if (isnan(w[i].v)) {
            *out = NAN;
            return true;
        }
        v[i] = w[i].v;
    }
    double median = quantile_of(0.5, v, n);
    for (size_t i = 0; i < n; i++)
        v[i] = fabs(w[i].v - median);
    *out = quantile_of(0.5, v, n);
    return true;
}

static bool f_changes(const range_call *c, const sample *w, size_t n, double *out)
{
    int changes = 0;
    double prev = w[0].v;
    for (size_t i = 1; i < n; i++) {
        double cur = w[i].v;
        if (cur != prev && !(isnan(cur) && isnan(prev))) changes++;
        prev = cur;
    }
    *out = changes;
    return true;
}

static bool f_resets(const range_call *c, const sample *w, size_t n, double *out)
{
    int resets = 0;
    double prev = w[0].v;
    for (size_t i = 1; i < n; i++) {
        if (w[i].v < prev) resets++;
        prev = w[i].v;
    }
    *out = resets;
    return true;
}

static void linear_regression(sloeval_compat compat, const sample *w, size_t cnt,
                              int64_t intercept_time, double *slope, double *intercept)
{
    double n = 0, sx = 0, cx = 0, sy = 0, cy = 0, sxy = 0, cxy = 0, sx2 = 0, cx2 = 0;
    double init_y = w[0].v;
    bool const_y = true;
    for (size_t i = 0; i < cnt; i++) {
        if (const_y && i > 0 && w[i].v != init_y) const_y = false;
        n += 1.0;
        double x = (double)(w[i].t - intercept_time) / 1e3;
        kinc(compat, x, &sx, &cx);
        kinc(compat, w[i].v, &sy, &cy);
        kinc(compat, x * w[i].v, &sxy, &cxy);
        kinc(compat, x * x, &sx2, &cx2);
    }
    if (const_y) {
        if (isinf(init_y)) {
            *slope = NAN;
            *intercept = NAN;
        } else {
            *slope = 0;
            *intercept = init_y;
        }
        return;
    }
    sx += cx;
    sy += cy;
    sxy += cxy;
    sx2 += cx2;
    double cov = sxy - sx * sy / n;
    double var = sx2 - sx * sx / n;
    *slope = cov / var;
    *intercept = sy / n - *slope * sx / n;
}

static bool f_deriv(const range_call *c, const sample *w, size_t n, double *out)
{
    if (n < 2) return false;
    double slope, intercept;
    linear_regression(c->ev->compat, w, n, w[0].t, &slope, &intercept);
    *out = slope;
    return true;
}

static bool f_predict_linear(const range_call *c, const sample *w, size_t n, double *out)
{
    if (n < 2) return false;
    double slope, intercept;
    linear_regression(c->ev->compat, w, n, c->ts, &slope, &intercept);
    *out = slope * c->p1 + intercept;
    return true;
}

static double trend_value(int i, double tf, double s0, double s1, double b)
{
    if (i == 0) return b;
    double x = tf * (s1 - s0);
    double y = (1 - tf) * b;
    return x + y;
}

static bool f_holt_winters(const range_call *c, const sample *w, size_t n, double *out)
{
    /* Parameters are checked by the caller for every step. */
    if (n < 2) return false;
    double sf = c->p1, tf = c->p2;
    double s0 = 0, s1 = w[0].v, b = w[1].v - w[0].v;
    for (size_t i = 1; i < n; i++) {
        double x = sf * w[i].v;
        b = trend_value((int)i - 1, tf, s0, s1, b);
        double y = (1 - sf) * (s1 + b);
        s0 = s1;
        s1 = x + y;
    }
    *out = s1;
    return true;
}

static bool f_absent_over_time(const range_call *c, const sample *w, size_t n, double *out)
{
    *out = 1;
    return true;
}

/* ---- the function table ---------------------------------------------------------------- */

typedef enum fn_kind {
    FK_RANGE,  /* one range-vector argument (plus scalars) */
    FK_MATH,   /* one instant vector, value by value */
    FK_VECTOR, /* instant vectors and scalars, step by step */
} fn_kind;

typedef struct fn_impl fn_impl;
typedef double (*math_fn)(double);
typedef int (*vec_fn)(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                      step_vec *out);

/* Which semantics have the function (experimental 3.x functions need a
 * feature flag on a server; the test engine enables them). */
enum { AV_V2 = 1, AV_V3 = 2, AV_BOTH = 3 };

struct fn_impl {
    const char *name;
    fn_kind kind;
    int avail;
    range_fn range;
    math_fn math;
    vec_fn vec;
    int matrix_arg; /* index of the range-vector argument (FK_RANGE) */
};

static double m_abs(double v)
{
    return fabs(v);
}
static double m_sgn(double v)
{
    return v < 0 ? -1 : (v > 0 ? 1 : v);
}
static double m_rad(double v)
{
    return v * GO_PI / 180;
}
static double m_deg(double v)
{
    return v * 180 / GO_PI;
}

static int v_clamp(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                   step_vec *out);
static int v_round(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                   step_vec *out);
static int v_scalar(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out);
static int v_vector(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out);
static int v_time(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out);
static int v_pi(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                step_vec *out);
static int v_timestamp(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                       step_vec *out);
static int v_absent(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out);
static int v_sort(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out);
static int v_date(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out);
static int v_histogram_quantile(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                                step_vec *in, step_vec *out);
static int v_native_only(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                         step_vec *in, step_vec *out);
static int v_query_time(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                        step_vec *in, step_vec *out);
static int v_min_max_of(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                        step_vec *in, step_vec *out);

static const fn_impl functions[] = {
    {"rate", FK_RANGE, AV_BOTH, f_rate, NULL, NULL, 0},
    {"increase", FK_RANGE, AV_BOTH, f_increase, NULL, NULL, 0},
    {"delta", FK_RANGE, AV_BOTH, f_delta, NULL, NULL, 0},
    {"irate", FK_RANGE, AV_BOTH, f_irate, NULL, NULL, 0},
    {"idelta", FK_RANGE, AV_BOTH, f_idelta, NULL, NULL, 0},
    {"avg_over_time", FK_RANGE, AV_BOTH, f_avg_over_time, NULL, NULL, 0},
    {"sum_over_time", FK_RANGE, AV_BOTH, f_sum_over_time, NULL, NULL, 0},
    {"count_over_time", FK_RANGE, AV_BOTH, f_count_over_time, NULL, NULL, 0},
    {"min_over_time", FK_RANGE, AV_BOTH, f_min_over_time, NULL, NULL, 0},
    {"max_over_time", FK_RANGE, AV_BOTH, f_max_over_time, NULL, NULL, 0},
    {"last_over_time", FK_RANGE, AV_BOTH, f_last_over_time, NULL, NULL, 0},
    {"first_over_time", FK_RANGE, AV_V3, f_first_over_time, NULL, NULL, 0},
    {"ts_of_first_over_time", FK_RANGE, AV_V3, f_ts_of_first_over_time, NULL, NULL, 0},
    {"ts_of_last_over_time", FK_RANGE, AV_V3, f_ts_of_last_over_time, NULL, NULL, 0},
    {"ts_of_max_over_time", FK_RANGE, AV_V3, f_ts_of_max_over_time, NULL, NULL, 0},
    {"ts_of_min_over_time", FK_RANGE, AV_V3, f_ts_of_min_over_time, NULL, NULL, 0},
    {"present_over_time", FK_RANGE, AV_BOTH, f_present_over_time, NULL, NULL, 0},
    {"stddev_over_time", FK_RANGE, AV_BOTH, f_stddev_over_time, NULL, NULL, 0},
    {"stdvar_over_time", FK_RANGE, AV_BOTH, f_stdvar_over_time, NULL, NULL, 0},
    {"quantile_over_time", FK_RANGE, AV_BOTH, f_quantile_over_time, NULL, NULL, 1},
    {"mad_over_time", FK_RANGE, AV_V3, f_mad_over_time, NULL, NULL, 0},
    {"changes", FK_RANGE, AV_BOTH, f_changes, NULL, NULL, 0},
    {"resets", FK_RANGE, AV_BOTH, f_resets, NULL, NULL, 0},
    {"deriv", FK_RANGE, AV_BOTH, f_deriv, NULL, NULL, 0},
    {"predict_linear", FK_RANGE, AV_BOTH, f_predict_linear, NULL, NULL, 0},
    {"holt_winters", FK_RANGE, AV_V2, f_holt_winters, NULL, NULL, 0},
    {"double_exponential_smoothing", FK_RANGE, AV_V3, f_holt_winters, NULL, NULL, 0},
    {"absent_over_time", FK_RANGE, AV_BOTH, f_absent_over_time, NULL, NULL, 0},
    {"abs", FK_MATH, AV_BOTH, NULL, m_abs, NULL, 0},
    {"ceil", FK_MATH, AV_BOTH, NULL, ceil, NULL, 0},
    {"floor", FK_MATH, AV_BOTH, NULL, floor, NULL, 0},
    {"exp", FK_MATH, AV_BOTH, NULL, exp, NULL, 0},
    {"sqrt", FK_MATH, AV_BOTH, NULL, sqrt, NULL, 0},
    {"ln", FK_MATH, AV_BOTH, NULL, log, NULL, 0},
    {"log2", FK_MATH, AV_BOTH, NULL, log2, NULL, 0},
    {"log10", FK_MATH, AV_BOTH, NULL, log10, NULL, 0},
    {"sin", FK_MATH, AV_BOTH, NULL, sin, NULL, 0},
    {"cos", FK_MATH, AV_BOTH, NULL, cos, NULL, 0},
    {"tan", FK_MATH, AV_BOTH, NULL, tan, NULL, 0},
    {"asin", FK_MATH, AV_BOTH, NULL, asin, NULL, 0},
    {"acos", FK_MATH, AV_BOTH, NULL, acos, NULL, 0},
    {"atan", FK_MATH, AV_BOTH, NULL, atan, NULL, 0},
    {"sinh", FK_MATH, AV_BOTH, NULL, sinh, NULL, 0},
    {"cosh", FK_MATH, AV_BOTH, NULL, cosh, NULL, 0},
    {"tanh", FK_MATH, AV_BOTH, NULL, tanh, NULL, 0},
    {"asinh", FK_MATH, AV_BOTH, NULL, asinh, NULL, 0},
    {"acosh", FK_MATH, AV_BOTH, NULL, acosh, NULL, 0},
    {"atanh", FK_MATH, AV_BOTH, NULL, atanh, NULL, 0},
    {"rad", FK_MATH, AV_BOTH, NULL, m_rad, NULL, 0},
    {"deg", FK_MATH, AV_BOTH, NULL, m_deg, NULL, 0},
    {"sgn", FK_MATH, AV_BOTH, NULL, m_sgn, NULL, 0},
    {"clamp", FK_VECTOR, AV_BOTH, NULL, NULL, v_clamp, 0},
    {"clamp_min", FK_VECTOR, AV_BOTH, NULL, NULL, v_clamp, 0},
    {"clamp_max", FK_VECTOR, AV_BOTH, NULL, NULL, v_clamp, 0},
    {"round", FK_VECTOR, AV_BOTH, NULL, NULL, v_round, 0},
    {"scalar", FK_VECTOR, AV_BOTH, NULL, NULL, v_scalar, 0},
    {"vector", FK_VECTOR, AV_BOTH, NULL, NULL, v_vector, 0},
    {"time", FK_VECTOR, AV_BOTH, NULL, NULL, v_time, 0},
    {"pi", FK_VECTOR, AV_BOTH, NULL, NULL, v_pi, 0},
    {"timestamp", FK_VECTOR, AV_BOTH, NULL, NULL, v_timestamp, 0},
    {"absent", FK_VECTOR, AV_BOTH, NULL, NULL, v_absent, 0},
    {"sort", FK_VECTOR, AV_BOTH, NULL, NULL, v_sort, 0},
    {"sort_desc", FK_VECTOR, AV_BOTH, NULL, NULL, v_sort, 0},
    {"histogram_quantile", FK_VECTOR, AV_BOTH, NULL, NULL, v_histogram_quantile, 0},
    {"histogram_fraction", FK_VECTOR, AV_BOTH, NULL, NULL, v_histogram_quantile, 0},
    {"histogram_count", FK_VECTOR, AV_BOTH, NULL, NULL, v_native_only, 0},
    {"histogram_sum", FK_VECTOR, AV_BOTH, NULL, NULL, v_native_only, 0},
    {"histogram_avg", FK_VECTOR, AV_V3, NULL, NULL, v_native_only, 0},
    {"histogram_stddev", FK_VECTOR, AV_V3, NULL, NULL, v_native_only, 0},
    {"histogram_stdvar", FK_VECTOR, AV_V3, NULL, NULL, v_native_only, 0},
    {"start", FK_VECTOR, AV_V3, NULL, NULL, v_query_time, 0},
    {"end", FK_VECTOR, AV_V3, NULL, NULL, v_query_time, 0},
    {"range", FK_VECTOR, AV_V3, NULL, NULL, v_query_time, 0},
    {"step", FK_VECTOR, AV_V3, NULL, NULL, v_query_time, 0},
    {"min_of", FK_VECTOR, AV_V3, NULL, NULL, v_min_max_of, 0},
    {"max_of", FK_VECTOR, AV_V3, NULL, NULL, v_min_max_of, 0},
    {"label_replace", FK_VECTOR, AV_BOTH, NULL, NULL, NULL, 0},
    {"label_join", FK_VECTOR, AV_BOTH, NULL, NULL, NULL, 0},
    {"days_in_month", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"day_of_month", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"day_of_week", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"day_of_year", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"hour", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"minute", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"month", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
    {"year", FK_VECTOR, AV_BOTH, NULL, NULL, v_date, 0},
};

static const fn_impl *find_fn(const char *name)
{
    for (size_t i = 0; i < sizeof(functions) / sizeof(functions[0]); i++)
        if (!strcmp(functions[i].name, name)) return &functions[i];
    return NULL;
}

static const ast_node *unparen(const ast_node *n)
{
    while (n && n->kind == AST_PAREN)
        n = n->u.paren.expr;
    return n;
}

bool function_supported_locally(const char *name, sloeval_compat compat)
{
    const fn_impl *f = find_fn(name);
    return f && (f->avail & (compat == SLOEVAL_COMPAT_V2 ? AV_V2 : AV_V3));
}

const char *call_unsupported(const ast_node *n, sloeval_compat compat)
{
    const char *name = call_name(n);
    const fn_impl *f = find_fn(name);
    if (!f) return name;
    if (!(f->avail & (compat == SLOEVAL_COMPAT_V2 ? AV_V2 : AV_V3))) return name;
    if (f->kind == FK_RANGE) {
        const ast_node *m = unparen(n->u.call.args[f->matrix_arg]);
        if (!m || (m->kind != AST_MATRIX_SELECTOR && m->kind != AST_SUBQUERY)) return name;
    }
    return NULL;
}

/* ---- instant-vector functions ---------------------------------------------------------- */

static int push_dropped(evaluator *ev, step_vec *out, const vec_el *el, double v)
{
    vec_el e = *el;
    e.v = v;
    if (ev_drop_name_el(ev, &e) < 0) return -1;
    if (vec_push(ev, out, e.ls, e.v, e.src, e.drop_name) < 0) return -1;
    return 0;
}

static int v_clamp(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                   step_vec *out)
{
    double lo = -INFINITY, hi = INFINITY;
    bool v2 = ev->compat == SLOEVAL_COMPAT_V2;
    if (!strcmp(f->name, "clamp")) {
        lo = in[1].el[0].v;
        hi = in[2].el[0].v;
        if (hi < lo) return 0;
    } else if (!strcmp(f->name, "clamp_min")) {
        lo = in[1].el[0].v;
    } else {
        hi = in[1].el[0].v;
    }
    for (size_t i = 0; i < in[0].n; i++) {
        double v = in[0].el[i].v, r;
        if (v2 && !strcmp(f->name, "clamp_min"))
            r = go_max(lo, v);
        else if (v2 && !strcmp(f->name, "clamp_max"))
            r = go_min(hi, v);
        else
            r = go_max(lo, go_min(hi, v));
        if (push_dropped(ev, out, &in[0].el[i], r) < 0) return -1;
    }
    return 0;
}

static int v_round(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                   step_vec *out)
{
    double to_nearest = n->u.call.nargs >= 2 ? in[1].el[0].v : 1;
    double inv = 1.0 / to_nearest;
    for (size_t i = 0; i < in[0].n; i++) {
        double v = floor(in[0].el[i].v * inv + 0.5) / inv;
        if (push_dropped(ev, out, &in[0].el[i], v) < 0) return -1;
    }
    return 0;
}

static int v_scalar(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out)
{
    double v = in[0].n == 1 ? in[0].el[0].v : NAN;
    return vec_push(ev, out, labels_empty(), v, -1, false);
}

static int v_vector(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out)
{
    return vec_push(ev, out, labels_empty(), in[0].el[0].v, -1, false);
}

static int v_time(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out)
{
    return vec_push(ev, out, labels_empty(), (double)ts / 1000, -1, false);
}

static int v_pi(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                step_vec *out)
{
    return vec_push(ev, out, labels_empty(), GO_PI, -1, false);
}

static int v_timestamp(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                       step_vec *out)
{
    for (size_t i = 0; i < in[0].n; i++) {
        double v = (double)in[0].el[i].t / 1000;
        if (push_dropped(ev, out, &in[0].el[i], v) < 0) return -1;
    }
    return 0;
}

/* createLabelsForAbsentFunction */
static const labels *absent_labels(evaluator *ev, const ast_node *arg)
{
    arg = unparen(arg);
    if (arg && arg->kind == AST_MATRIX_SELECTOR) arg = arg->u.matrix_selector.vector_selector;
    if (!arg || arg->kind != AST_VECTOR_SELECTOR) return labels_empty();
    const labels *ls = labels_empty();
    size_t nm = arg->u.vector_selector.nmatchers;
    strv *seen = ARENA_NEW_ARRAY(ev->a, strv, nm + 1);
    if (!seen) return NULL;
    size_t nseen = 0;
    for (size_t i = 0; i < nm && ls; i++) {
        const label_matcher *m = &arg->u.vector_selector.matchers[i];
        if (strv_eq(m->name, STRV_LIT(METRIC_NAME_LABEL))) continue;
        bool has = false;
        for (size_t j = 0; j < nseen; j++)
            if (strv_eq(seen[j], m->name)) has = true;
        if (m->type == MATCH_EQUAL && !has) {
            ls = labels_set(ev->a, ls, m->name, m->value);
            seen[nseen++] = m->name;
        } else {
            ls = labels_set(ev->a, ls, m->name, STRV_LIT(""));
        }
    }
    return ls;
}

static int v_absent(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                    step_vec *out)
{
    if (in[0].n > 0) return 0;
    const labels *ls = absent_labels(ev, n->u.call.args[0]);
    if (!ls) return ev_oom(ev);
    return vec_push(ev, out, ls, 1, -1, false);
}

static int v_sort(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out)
{
    /* sort: sort.Sort(sort.Reverse(vectorByReverseValueHeap)), i.e.
     * ascending with NaN last; sort_desc: descending with NaN last. Go's
     * pdqsort is insertion sort up to 12 elements; a stable merge of the
     * same order beyond differs only on ties. */
    bool desc = !strcmp(f->name, "sort_desc");
    for (size_t i = 0; i < in[0].n; i++)
        if (vec_push(ev, out, in[0].el[i].ls, in[0].el[i].v, in[0].el[i].src,
                     in[0].el[i].drop_name) < 0)
            return -1;
    vec_el *e = out->el;
    size_t m = out->n;
    /* less(i, j) of the reversed heap: heapLess(j, i) */
    for (size_t i = 1; i < m; i++)
        for (size_t j = i; j > 0; j--) {
            const vec_el *a = &e[j], *b = &e[j - 1];
            /* Reverse(h).Less(j, j-1) = h.Less(j-1, j) */
            bool less;
            if (isnan(b->v))
                less = true;
            else
                less = desc ? b->v < a->v : b->v > a->v;
            if (!less) break;
            vec_el t = e[j];
            e[j] = e[j - 1];
            e[j - 1] = t;
        }
    return 0;
}

/* Civil date from days since 1970-01-01 (proleptic Gregorian). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t yy = yoe + era * 400;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yy + (*m <= 2);
}

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static double date_part(const char *name, int64_t secs)
{
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    int64_t rem = secs - days * 86400;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    static const int mdays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (!strcmp(name, "year")) return (double)y;
    if (!strcmp(name, "month")) return m;
    if (!strcmp(name, "day_of_month")) return d;
    if (!strcmp(name, "hour")) return (double)(rem / 3600);
    if (!strcmp(name, "minute")) return (double)(rem % 3600 / 60);
    if (!strcmp(name, "day_of_week")) {
        int64_t w = (days + 4) % 7; /* 1970-01-01 was a Thursday */
        return (double)(w < 0 ? w + 7 : w);
    }
    if (!strcmp(name, "days_in_month")) return m == 2 && is_leap(y) ? 29 : mdays[m - 1];
    /* day_of_year */
    int doy = d;
    for (int i = 1; i < m; i++)
        doy += mdays[i - 1];
    if (m > 2 && is_leap(y)) doy++;
    return doy;
}

/* Go's int64(float64) on amd64: out-of-range and NaN become MinInt64. */
static int64_t go_int64(double v)
{
    if (isnan(v) || v >= 9223372036854775808.0 || v < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)v;
}

static int v_date(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts, step_vec *in,
                  step_vec *out)
{
    if (n->u.call.nargs == 0) {
        int64_t secs = ts / 1000;
        return vec_push(ev, out, labels_empty(), date_part(f->name, secs), -1, false);
    }
    for (size_t i = 0; i < in[0].n; i++) {
        int64_t secs = go_int64(in[0].el[i].v);
        if (secs < -(INT64_C(1) << 50) || secs > (INT64_C(1) << 50)) secs = 0;
        if (push_dropped(ev, out, &in[0].el[i], date_part(f->name, secs)) < 0) return -1;
    }
    return 0;
}

/* Functions of native histograms: float samples are ignored, so over the
 * float data sloeval holds they give nothing (selecting native histogram
 * samples is refused before this). */
static int v_native_only(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                         step_vec *in, step_vec *out)
{
    return 0;
}

/* 3.x's start(), end(), range(), step(): the query's own times, in
 * seconds (foldQueryContextFunctions). */
static int v_query_time(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                        step_vec *in, step_vec *out)
{
    double v;
    if (!strcmp(f->name, "start"))
        v = (double)ev->query_start / 1000;
    else if (!strcmp(f->name, "end"))
        v = (double)ev->query_end / 1000;
    else if (!strcmp(f->name, "range"))
        v = duration_seconds(ev->query_end - ev->query_start);
    else
        v = ev->query_start != ev->query_end ? duration_seconds(ev->query_step) : 0;
    return vec_push(ev, out, labels_empty(), v, -1, false);
}

static int v_min_max_of(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                        step_vec *in, step_vec *out)
{
    double a = in[0].el[0].v, b = in[1].el[0].v;
    double v = !strcmp(f->name, "max_of") ? go_max(a, b) : go_min(a, b);
    return vec_push(ev, out, labels_empty(), v, -1, false);
}

/* ---- histogram_quantile over classic buckets ----------------------------------------- */

typedef struct bucket {
    double upper;
    double count;
} bucket;

static int cmp_bucket(const void *a, const void *b)
{
    double x = ((const bucket *)a)->upper, y = ((const bucket *)b)->upper;
    return x < y ? -1 : x > y;
}

/* Go's sort.Sort / slices.SortFunc on buckets: unstable, but buckets with
 * equal bounds are coalesced right after, so the order among them does not
 * change the sum beyond its rounding; sort stably to stay deterministic. */
static void sort_buckets(bucket *b, size_t n)
{
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0 && b[j].upper < b[j - 1].upper; j--) {
            bucket t = b[j];
            b[j] = b[j - 1];
            b[j - 1] = t;
        }
    (void)cmp_bucket;
}

/* The buckets sorted by upper bound, those with equal bounds merged
 * (coalesceBuckets); returns their new count, or 0 when the highest bound
 * is not +Inf (the answer is then NaN). n > 0. */
static size_t prepare_buckets(bucket *b, size_t n)
{
    sort_buckets(b, n);
    if (!(isinf(b[n - 1].upper) && b[n - 1].upper > 0)) return 0;
    size_t k = 0;
    bucket last = b[0];
    for (size_t i = 1; i < n; i++) {
        if (b[i].upper == last.upper) {
            last.count += b[i].count;
        } else {
            b[k++] = last;
            last = b[i];
        }
    }
    b[k++] = last;
    return k;
}

/* almost.Equal of util/almost (3.x). */
static bool almost_equal(double a, double b, double eps)
{
    if (isnan(a) && isnan(b)) return true;
    if (a == b) return true;
    double abs_sum = fabs(a) + fabs(b), diff = fabs(a - b);
    const double min_normal = 2.2250738585072014e-308;
    if (a == 0 || b == 0 || abs_sum < min_normal) return diff < eps * min_normal;
    return diff / fmin(abs_sum, 1.7976931348623157e308) < eps;
}

typedef struct monotonic_note {
    bool any;
    double min_bucket, max_bucket, max_diff;
    int64_t min_ts, max_ts;
    int count;
} monotonic_note;

static double bucket_quantile(evaluator *ev, double q, bucket *b, size_t n, bool *forced,
                              double *min_b, double *max_b, double *max_diff)
{
    *forced = false;
    if (isnan(q)) return NAN;
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    n = prepare_buckets(b, n);
    if (n == 0) return NAN;
    if (ev->compat == SLOEVAL_COMPAT_V2) {
        double mx = b[0].count;
        for (size_t i = 1; i < n; i++) {
            if (b[i].count > mx)
                mx = b[i].count;
            else if (b[i].count < mx)
                b[i].count = mx;
        }
    } else {
        *min_b = INFINITY;
        *max_b = -INFINITY;
        *max_diff = 0;
        double prev = b[0].count;
        for (size_t i = 1; i < n; i++) {
            double cur = b[i].count;
            if (cur == prev) continue;
            if (almost_equal(prev, cur, 1e-12)) {
                b[i].count = prev;
                continue;
            }
            if (cur < prev) {
                b[i].count = prev;
                *forced = true;
                if (b[i].upper < *min_b) *min_b = b[i].upper;
                if (b[i].upper > *max_b) *max_b = b[i].upper;
                if (prev - cur > *max_diff) *max_diff = prev - cur;
                continue;
            }
            prev = cur;
        }
    }
    if (n < 2) return NAN;
    double obs = b[n - 1].count;
    if (obs == 0) return NAN;
    double rank = q * obs;
    /* sort.Search over the first n-1 buckets: the first with count >= rank */
    size_t lo = 0, hi = n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (b[mid].count >= rank)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t i = lo;
    if (i == n - 1) return b[n - 2].upper;
    if (i == 0 && b[0].upper <= 0) return b[0].upper;
    double start = 0, end = b[i].upper, count = b[i].count;
    if (i > 0) {
        start = b[i - 1].upper;
        count -= b[i - 1].count;
        rank -= b[i - 1].count;
    }
    return start + (end - start) * (rank / count);
}

/* 3.x's BucketFraction: the share of observations between lower and
 * upper, interpolating linearly inside buckets. */
static double bucket_fraction(double lower, double upper, bucket *b, size_t n)
{
    n = prepare_buckets(b, n);
    if (n == 0) return NAN;
    double count = b[n - 1].count;
    if (count == 0 || isnan(lower) || isnan(upper)) return NAN;
    if (lower >= upper) return 0;
    double rank = 0, lower_rank = 0, upper_rank = 0;
    bool lower_set = false, upper_set = false;
    double lower_bound = b[0].upper <= 0 ? -INFINITY : 0.0;
    for (size_t i = 0; i < n; i++) {
        if (i > 0) lower_bound = b[i - 1].upper;
        double upper_bound = b[i].upper;
        if (!lower_set && lower_bound >= lower) {
            lower_rank = rank;
            lower_set = true;
        }
        if (!upper_set && lower_bound >= upper) {
            upper_rank = rank;
            upper_set = true;
        }
        if (lower_set && upper_set) break;
        if (!lower_set && lower_bound < lower && upper_bound > lower) {
            lower_rank = isinf(lower_bound) && lower_bound < 0
                             ? b[i].count
                             : rank + (b[i].count - rank) * (lower - lower_bound) /
                                          (upper_bound - lower_bound);
            lower_set = true;
        }
        if (!upper_set && lower_bound < upper && upper_bound > upper) {
            upper_rank = isinf(lower_bound) && lower_bound < 0
                             ? b[i].count
                             : rank + (b[i].count - rank) * (upper - lower_bound) /
                                          (upper_bound - lower_bound);
            upper_set = true;
        }
        if (lower_set && upper_set) break;
        rank = b[i].count;
    }
    if (!lower_set || lower_rank > count) lower_rank = count;
    if (!upper_set || upper_rank > count) upper_rank = count;
    return (upper_rank - lower_rank) / count;
}

typedef struct hq_group {
    const labels *key; /* labels without le */
    const labels *out; /* output labels */
    bool drop;
    bucket *b;
    size_t n, cap;
} hq_group;

static int v_histogram_quantile(evaluator *ev, const ast_node *n, const fn_impl *f, int64_t ts,
                                step_vec *in, step_vec *out)
{
    bool fraction = !strcmp(f->name, "histogram_fraction");
    double q = in[0].el[0].v;
    bool v2 = ev->compat == SLOEVAL_COMPAT_V2;
    /* 2.x's histogram_fraction knows only native histograms. */
    if (fraction && v2) return 0;
    size_t vi = fraction ? 2 : 1;
    if (!fraction && !v2 && (isnan(q) || q < 0 || q > 1)) {
        char num[64];
        format_float_mode(num, sizeof(num), q, 'g');
        if (ev_annotate(ev, true, n->u.call.args[0],
                        "PromQL warning: quantile value should be between 0 and 1, got %s",
                        num) < 0)
            return -1;
    }
    const step_vec *vec = &in[vi];
    hq_group *g = NULL;
    size_t ng = 0, capg = 0;
    static const strv le = {"le", 2};
    static const strv name_le[] = {{"__name__", 8}, {"le", 2}};
    for (size_t i = 0; i < vec->n; i++) {
        const vec_el *el = &vec->el[i];
        strv lev = labels_get(el->ls, le);
        double upper;
        if (!lev.ptr || float_parse(&upper, lev) != 0) {
            if (!v2) {
                strbuf sb = STRBUF_INIT;
                quote_go_string(&sb, lev.ptr ? lev : STRV_LIT(""));
                /* With delayed name removal the name is still there to say. */
                strv name = labels_get(el->ls, STRV_LIT(METRIC_NAME_LABEL));
                if (ev->opts.delayed_name_removal && name.ptr && name.len) {
                    strbuf_puts(&sb, " for metric name ");
                    quote_go_string(&sb, name);
                }
                int rc = ev_annotate(ev, true, n->u.call.args[vi],
                                     "PromQL warning: bucket label \"le\" is missing or has a "
                                     "malformed value of %s",
                                     strbuf_cstr(&sb));
                strbuf_free(&sb);
                if (rc < 0) return -1;
            }
            continue;
        }
        const labels *key = labels_drop(ev->a, el->ls, &le, 1, false);
        if (!key) return ev_oom(ev);
        size_t j;
        for (j = 0; j < ng; j++)
            if (g[j].key->hash == key->hash && labels_equal(g[j].key, key)) break;
        if (j == ng) {
            if (arena_grow(ev->a, (void **)&g, &capg, ng + 1, sizeof(hq_group)) < 0)
                return ev_oom(ev);
            g[ng] = (hq_group){key, NULL, el->drop_name, NULL, 0, 0};
            if (v2) {
                g[ng].out = labels_drop(ev->a, el->ls, name_le, 2, false);
            } else if (ev->opts.delayed_name_removal) {
                g[ng].out = key;
                g[ng].drop = true;
            } else {
                g[ng].out = ev_drop_metadata(ev, key);
            }
            if (!g[ng].out) return ev_oom(ev);
            ng++;
        }
        if (arena_grow(ev->a, (void **)&g[j].b, &g[j].cap, g[j].n + 1, sizeof(bucket)) < 0)
            return ev_oom(ev);
        g[j].b[g[j].n++] = (bucket){upper, el->v};
    }
    for (size_t j = 0; j < ng; j++) {
        bool forced = false;
        double mn = 0, mx = 0, md = 0;
        double v = fraction ? bucket_fraction(q, in[1].el[0].v, g[j].b, g[j].n)
                            : bucket_quantile(ev, q, g[j].b, g[j].n, &forced, &mn, &mx, &md);
        if (forced) {
            char a[64], b[64], c[64];
            format_float_mode(a, sizeof a, mn, 'g');
            format_float_mode(b, sizeof b, mx, 'g');
            text_format_float(c, sizeof c, md, 'g', 2);
            if (ev_annotate(ev, false, n->u.call.args[vi],
                            "PromQL info: input to histogram_quantile needed to be fixed for "
                            "monotonicity (see https://prometheus.io/docs/prometheus/latest/"
                            "querying/functions/#histogram_quantile), from buckets %s to %s, "
                            "with a max diff of %s",
                            a, b, c) < 0)
                return -1;
        }
        if (vec_push(ev, out, g[j].out, v, -1, g[j].drop) < 0) return -1;
    }
    return 0;
}

/* ---- label_replace, label_join ------------------------------------------------------ */

static strv string_arg(const ast_node *n)
{
    n = unparen(n);
    return n && n->kind == AST_STRING ? n->u.string.value : STRV_LIT("");
}

static int eval_label_func(evaluator *ev, const ast_node *n, bool replace, ev_value *out)
{
    strv dst = string_arg(n->u.call.args[1]);
    promql_regex *re = NULL;
    strv repl = {0}, src = {0};
    strv *srcs = NULL;
    size_t nsrc = 0;
    strv sep = {0};
    const char *fname = replace ? "label_replace" : "label_join";
    if (replace) {
        repl = string_arg(n->u.call.args[2]);
        src = string_arg(n->u.call.args[3]);
        strv pattern = string_arg(n->u.call.args[4]);
        if (promql_regex_compile_mode(&re, pattern, ev->compat, PROMQL_REGEX_REPLACE, NULL, 0) != 0)
            return ev_fail(ev, SLOEVAL_EEXEC, "invalid regular expression in label_replace(): %.*s",
                           (int)pattern.len, pattern.ptr);
        if (!ev_label_name_valid(ev, dst)) {
            promql_regex_free(re);
            return ev_fail(ev, SLOEVAL_EEXEC,
                           "invalid destination label name in label_replace(): %.*s", (int)dst.len,
                           dst.ptr);
        }
    } else {
        sep = string_arg(n->u.call.args[2]);
        nsrc = n->u.call.nargs > 3 ? n->u.call.nargs - 3 : 0;
        srcs = ARENA_NEW_ARRAY(ev->a, strv, nsrc + 1);
        if (!srcs) return ev_oom(ev);
        for (size_t i = 0; i < nsrc; i++) {
            srcs[i] = string_arg(n->u.call.args[3 + i]);
            if (!ev_label_name_valid(ev, srcs[i]))
                return ev_fail(ev, SLOEVAL_EEXEC, "invalid source label name in label_join(): %.*s",
                               (int)srcs[i].len, srcs[i].ptr);
        }
        if (!ev_label_name_valid(ev, dst))
            return ev_fail(ev, SLOEVAL_EEXEC, "invalid destination label name in %s(): %.*s", fname,
                           (int)dst.len, dst.ptr);
    }
    int rc = ev_eval(ev, n->u.call.args[0], out);
    if (rc == 0) {
        bool is_name = strv_eq(dst, STRV_LIT(METRIC_NAME_LABEL));
        strbuf sb = STRBUF_INIT;
        size_t ovec[2 * 64];
        for (size_t i = 0; i < out->nser && rc == 0; i++) {
            step_series *s = &out->ser[i];
            strbuf_reset(&sb);
            if (replace) {
                strv sv = labels_get(s->ls, src);
                if (!sv.ptr) sv = STRV_LIT("");
                size_t npairs = promql_regex_group_count(re) + 1;
                if (npairs > 64) npairs = 64;
                int m = promql_regex_match_groups(re, sv, ovec, npairs);
                if (m < 0) {
                    rc = ev_fail(ev, m, "label_replace(): regular expression too costly");
                    break;
                }
                if (m == 0) continue;
                promql_regex_expand(&sb, re, repl, sv, ovec, npairs);
            } else {
                for (size_t k = 0; k < nsrc; k++) {
                    if (k) strbuf_append(&sb, sep.ptr, sep.len);
                    strv v = labels_get(s->ls, srcs[k]);
                    if (v.ptr) strbuf_append(&sb, v.ptr, v.len);
                }
            }
            if (sb.failed) {
                rc = ev_oom(ev);
                break;
            }
            char *val = arena_strndup(ev->a, strbuf_cstr(&sb), sb.len);
            if (!val) {
                rc = ev_oom(ev);
                break;
            }
            s->ls = labels_set(ev->a, s->ls, dst, (strv){val, sb.len});
            if (!s->ls) {
                rc = ev_oom(ev);
                break;
            }
            if (is_name) s->drop_name = false;
        }
        strbuf_free(&sb);
    }
    if (re) promql_regex_free(re);
    if (rc < 0) return rc;
    return ev_merge_same_labels(ev, out, false);
}

/* ---- evaluation ---------------------------------------------------------------------- */

typedef struct vcall_ctx {
    const ast_node *n;
    const fn_impl *f;
} vcall_ctx;

static int vector_call_step(evaluator *ev, void *vctx, int64_t ts, size_t step, step_vec *in,
                            step_vec *out)
{
    vcall_ctx *c = vctx;
    if (c->f->kind == FK_MATH) {
        for (size_t i = 0; i < in[0].n; i++)
            if (push_dropped(ev, out, &in[0].el[i], c->f->math(in[0].el[i].v)) < 0) return -1;
        return 0;
    }
    return c->f->vec(ev, c->n, c->f, ts, in, out);
}

/* timestamp(selector): the samples' own timestamps, step by step. */
static int eval_timestamp_selector(evaluator *ev, const ast_node *n, const ast_node *vs,
                                   ev_value *out)
{
    sel_data *sd = ev_selector(ev, vs);
    if (!sd) return ev_fail(ev, SLOEVAL_EINVAL, "internal error: selector was not prepared");
    int64_t at;
    bool has_at = ev_at_time(ev, vs->u.vector_selector.at, vs->u.vector_selector.at_ms, &at);
    step_vec tmp = {0}, res = {0};
    collector col = {0};
    if (hmap_init(&col.index, ev->a, sd->nser) < 0) return ev_oom(ev);
    for (size_t k = 0; k < ev->nsteps; k++) {
        int64_t ts = ev_step_ts(ev, k);
        /* With @ the original offset is ignored, as Prometheus does. */
        int64_t ref = has_at ? at : ts - vs->u.vector_selector.offset_ms;
        tmp.n = 0;
        for (size_t i = 0; i < sd->nser; i++) {
            const series *s = &sd->ser[i];
            ptrdiff_t j =
                instant_lookup(s->samples, s->count, ref, ev->opts.lookback_ms, ev->compat);
            if (j < 0) continue;
            if (vec_push(ev, &tmp, s->labels, s->samples[j].v, (int32_t)i, false) < 0) return -1;
            tmp.el[tmp.n - 1].t = s->samples[j].t;
        }
        res.n = 0;
        if (v_timestamp(ev, n, NULL, ts, &tmp, &res) < 0) return -1;
        if (ev->nsteps == 1 && !ev->opts.delayed_name_removal && vec_has_dup_labels(ev, &res))
            return ev_fail(ev, SLOEVAL_EEXEC,
                           "vector cannot contain metrics with the same labelset");
        for (size_t x = 0; x < res.n; x++)
            if (collect_point(ev, &col, &res.el[x], ts) < 0) return -1;
    }
    *out = (ev_value){.type = VALUE_TYPE_VECTOR, .ser = col.ser, .nser = col.n};
    return 0;
}

static int check_holt_params(evaluator *ev, double sf, double tf)
{
    char got[330]; /* Go's %f of any double */
    if (sf <= 0 || sf >= 1) {
        text_format_float(got, sizeof got, sf, 'f', 6); /* Go's %f */
        return ev_fail(ev, SLOEVAL_EEXEC, "invalid smoothing factor. Expected: 0 < sf < 1, got: %s",
                       got);
    }
    if (tf <= 0 || tf >= 1) {
        text_format_float(got, sizeof got, tf, 'f', 6);
        return ev_fail(ev, SLOEVAL_EEXEC, "invalid trend factor. Expected: 0 < tf < 1, got: %s",
                       got);
    }
    return 0;
}

static bool name_has_counter_suffix(strv name)
{
    static const char *const suffixes[] = {"_total", "_sum", "_count", "_bucket"};
    for (size_t i = 0; i < 4; i++) {
        size_t l = strlen(suffixes[i]);
        if (name.len >= l && !memcmp(name.ptr + name.len - l, suffixes[i], l)) return true;
    }
    return false;
}

/* Any staleness marker in s[0 .. n)? (A branch-free loop the compiler
 * can vectorise.) */
static bool has_stale(const sample *s, size_t n)
{
    uint64_t any = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &s[i].v, sizeof bits);
        any |= bits == STALE_NAN_BITS;
    }
    return any != 0;
}

/* How many series ahead eval_range_call fetches a series' samples. */
#define RANGE_AHEAD 4

static int eval_range_call(evaluator *ev, const ast_node *n, const fn_impl *f, ev_value *out)
{
    const ast_node *marg = unparen(n->u.call.args[f->matrix_arg]);
    /* scalar arguments */
    ev_value sargs[3] = {{0}};
    size_t ns = 0;
    for (size_t i = 0; i < n->u.call.nargs && ns < 3; i++) {
        if ((int)i == f->matrix_arg) continue;
        if (ev_eval(ev, n->u.call.args[i], &sargs[ns]) < 0) return -1;
        if (sargs[ns].type != VALUE_TYPE_SCALAR)
            return ev_unsupported(ev, n->u.call.args[i], "a non-scalar function argument");
        ns++;
    }
    bool holt = f->range == f_holt_winters;
    if (holt)
        for (size_t k = 0; k < ev->nsteps; k++)
            if (check_holt_params(ev, sargs[0].scalar[k], sargs[1].scalar[k]) < 0) return -1;

    /* The window source: a selector's samples or a subquery's points. */
    sel_data *sd = NULL;
    ev_value sub = {0};
    int64_t range, offset, at = 0;
    bool has_at;
    size_t nin;
    const ast_node *vs = NULL;
    if (marg->kind == AST_MATRIX_SELECTOR) {
        vs = marg->u.matrix_selector.vector_selector;
        sd = ev_selector(ev, vs);
        if (!sd) return ev_fail(ev, SLOEVAL_EINVAL, "internal error: selector was not prepared");
        range = marg->u.matrix_selector.range_ms;
        offset = vs->u.vector_selector.offset_ms;
        has_at = ev_at_time(ev, vs->u.vector_selector.at, vs->u.vector_selector.at_ms, &at);
        nin = sd->nser;
    } else {
        if (ev_subquery_matrix(ev, marg, &sub) < 0) return -1;
        range = marg->u.subquery.range_ms;
        offset = marg->u.subquery.offset_ms;
        has_at = ev_at_time(ev, marg->u.subquery.at, marg->u.subquery.at_ms, &at);
        nin = sub.nser;
    }
    bool keep_name = !strcmp(f->name, "last_over_time") ||
                     (ev->compat != SLOEVAL_COMPAT_V2 && !strcmp(f->name, "first_over_time"));
    bool is_absent = f->range == f_absent_over_time;
    bool is_rate = f->range == f_rate || f->range == f_increase;

    *out = (ev_value){.type = VALUE_TYPE_VECTOR};
    out->ser = ARENA_NEW_ARRAY(ev->a, step_series, nin ? nin : 1);
    if (!out->ser) return ev_oom(ev);
    /* Staleness markers: when the windows of all steps overlap a lot, one
     * scan of each series is cheaper than one per window. */
    int64_t span = (ev->end - ev->start) + range;
    bool prescan = ev->nsteps > 1 && (double)ev->nsteps * (double)range > 2.0 * (double)span;
    /* An instant evaluation makes one point per series: one block. */
    sample *block = ev->nsteps == 1 ? arena_alloc(ev->a, (nin + 1) * sizeof(sample)) : NULL;
    if (ev->nsteps == 1 && !block) return ev_oom(ev);
    range_call c = {ev, n, 0, 0, range, 0, 0, 0};
    size_t total = 0;
    sample *scratch = NULL;
    size_t scratch_cap = 0;
    for (size_t i = 0; i < nin; i++) {
        const sample *s;
        size_t cnt;
        const labels *ls;
        bool in_drop = false;
        if (sd && i + RANGE_AHEAD < nin) {
            /* Bound by memory latency over many series: fetch the ends of
             * the windows and the label set of a series a few ahead. */
            const series *nx = &sd->ser[i + RANGE_AHEAD];
            PREFETCH(nx->samples);
            PREFETCH(nx->samples + nx->count - 1);
            PREFETCH(nx->labels);
        }
        if (sd) {
            s = sd->ser[i].samples;
            cnt = sd->ser[i].count;
            ls = sd->ser[i].labels;
        } else {
            s = sub.ser[i].pts;
            cnt = sub.ser[i].n;
            ls = sub.ser[i].ls;
            in_drop = sub.ser[i].drop_name;
        }
        sample *pts = NULL;
        size_t np = 0, lo = 0, hi = 0;
        bool first = true;
        /* Staleness markers: over many steps one scan of the series is
         * cheaper than one per window. */
        bool check_stale = sd != NULL;
        if (sd && sd->info && sd->info[i].no_stale)
            check_stale = false;
        else if (sd && prescan)
            check_stale = has_stale(s, cnt);
        for (size_t k = 0; k < ev->nsteps; k++) {
            int64_t ts = ev_step_ts(ev, k);
            int64_t maxt = (has_at ? at : ts) - offset;
            int64_t mint = maxt - range;
            if (first) {
                window_find(s, cnt, mint, maxt, ev->compat, &lo, &hi);
                first = false;
            } else {
                window_slide(s, cnt, mint, maxt, ev->compat, &lo, &hi);
            }
            size_t wlo = lo;
            if (ev->compat != SLOEVAL_COMPAT_V2 && mint == maxt) wlo = hi;
            if (hi == wlo) continue;
            size_t wn = hi - wlo;
            const sample *w = s + wlo;
            if (check_stale) {
                /* Range selectors skip staleness markers. */
                w = ev_window_clean(ev, w, wn, &wn, &scratch, &scratch_cap);
                if (!w) return -1;
                if (wn == 0) continue;
            }
            c.mint = mint;
            c.maxt = maxt;
            c.ts = ts;
            c.p1 = ns > 0 ? sargs[0].scalar[k] : 0;
            c.p2 = ns > 1 ? sargs[1].scalar[k] : 0;
            double v;
            if (!f->range(&c, w, wn, &v)) continue;
            if (f->range == f_quantile_over_time && ev->compat != SLOEVAL_COMPAT_V2 &&
                (isnan(c.p1) || c.p1 < 0 || c.p1 > 1)) {
                char num[64];
                format_float_mode(num, sizeof num, c.p1, 'g');
                if (ev_annotate(ev, true, n->u.call.args[0],
                                "PromQL warning: quantile value should be between 0 and 1, got %s",
                                num) < 0)
                    return -1;
            }
            if (!pts) {
                pts = ev->nsteps == 1 ? &block[i] : ARENA_NEW_ARRAY(ev->a, sample, ev->nsteps - k);
                if (!pts) return ev_oom(ev);
            }
            pts[np++] = (sample){ts, v};
        }
        if (!np) continue;
        step_series o = {ls, pts, np, in_drop};
        if (!keep_name) {
            if (ev->opts.delayed_name_removal) {
                o.drop_name = true;
            } else if (sd && sd->info && sd->info[i].without_name &&
                       (ev->compat == SLOEVAL_COMPAT_V2 || !sd->info[i].type_unit)) {
                /* the store keeps it: the same pairs ev_drop_metadata makes */
                o.ls = sd->info[i].without_name;
            } else {
                o.ls = ev_drop_metadata(ev, ls);
                if (!o.ls) return ev_oom(ev);
            }
        }
        out->ser[out->nser++] = o;
        total += np;
        if (is_rate && ev->compat != SLOEVAL_COMPAT_V2) {
            strv name = labels_get(ls, STRV_LIT(METRIC_NAME_LABEL));
            if (name.ptr && name.len && !name_has_counter_suffix(name)) {
                strbuf q = STRBUF_INIT;
                quote_go_string(&q, name);
                int rc = q.failed ? ev_oom(ev)
                                  : ev_annotate(ev, false, n->u.call.args[f->matrix_arg],
                                                "PromQL info: metric might not be a counter, name "
                                                "does not end in _total/_sum/_count/_bucket: %s",
                                                strbuf_cstr(&q));
                strbuf_free(&q);
                if (rc < 0) return -1;
            }
        }
    }
    if (ev_add_samples(ev, total) < 0) return -1;

    if (is_absent) {
        /* One series with 1 at the steps where no input series had a value. */
        bool *found = ARENA_NEW_ARRAY(ev->a, bool, ev->nsteps);
        if (!found) return ev_oom(ev);
        size_t nfound = 0;
        for (size_t i = 0; i < out->nser; i++)
            for (size_t j = 0; j < out->ser[i].n; j++) {
                size_t k = (size_t)((out->ser[i].pts[j].t - ev->start) / ev->interval);
                if (!found[k]) {
                    found[k] = true;
                    nfound++;
                }
            }
        out->nser = 0;
        if (nfound == ev->nsteps) return 0;
        sample *pts = ARENA_NEW_ARRAY(ev->a, sample, ev->nsteps - nfound);
        const labels *ls = absent_labels(ev, n->u.call.args[0]);
        if (!pts || !ls) return ev_oom(ev);
        size_t m = 0;
        for (size_t k = 0; k < ev->nsteps; k++)
            if (!found[k]) pts[m++] = (sample){ev_step_ts(ev, k), 1};
        out->ser[0] = (step_series){ls, pts, m, !keep_name && ev->opts.delayed_name_removal};
        out->nser = 1;
        return 0;
    }
    /* Series of one selector have distinct label sets; dropping __name__
     * can only make two equal when their names differ. */
    bool one_name = keep_name || (sd && sd->one_name);
    if (!one_name) {
        one_name = true;
        strv first = {0};
        for (size_t i = 0; i < nin && one_name; i++) {
            const labels *ils = sd ? sd->ser[i].labels : sub.ser[i].ls;
            strv nm = labels_get(ils, STRV_LIT(METRIC_NAME_LABEL));
            if (i == 0)
                first = nm;
            else
                one_name = (nm.ptr == NULL) == (first.ptr == NULL) && strv_eq(nm, first);
        }
    }
    if (!ev->opts.delayed_name_removal && !one_name) {
        step_vec tmp = {0};
        for (size_t i = 0; i < out->nser; i++)
            if (vec_push(ev, &tmp, out->ser[i].ls, 0, -1, false) < 0) return -1;
        if (vec_has_dup_labels(ev, &tmp))
            return ev_fail(ev, SLOEVAL_EEXEC,
                           "vector cannot contain metrics with the same labelset");
    }
    return 0;
}

int eval_call(evaluator *ev, const ast_node *n, ev_value *out)
{
    const fn_impl *f = find_fn(call_name(n));
    if (!f) return ev_unsupported(ev, n, call_name(n));
    if (f->kind == FK_RANGE) return eval_range_call(ev, n, f, out);

    if (!strcmp(f->name, "label_replace")) return eval_label_func(ev, n, true, out);
    if (!strcmp(f->name, "label_join")) return eval_label_func(ev, n, false, out);
    if (f->vec == v_timestamp) {
        const ast_node *a = unparen(n->u.call.args[0]);
        if (a->kind == AST_VECTOR_SELECTOR) return eval_timestamp_selector(ev, n, a, out);
    }
    if (f->vec == v_sort && ev->compat != SLOEVAL_COMPAT_V2 && ev->start != ev->end &&
        ev_annotate(ev, true, n,
                    "PromQL warning: sort is ineffective for range queries since results are "
                    "always ordered by labels") < 0)
        return -1;
    size_t na = n->u.call.nargs;
    ev_value *args = ARENA_NEW_ARRAY(ev->a, ev_value, na ? na : 1);
    if (!args) return ev_oom(ev);
    for (size_t i = 0; i < na; i++)
        if (ev_eval(ev, n->u.call.args[i], &args[i]) < 0) return -1;
    vcall_ctx c = {n, f};
    if (range_eval(ev, args, na, vector_call_step, &c, out) < 0) return -1;
    /* scalar(), time(), pi() and friends return scalars. */
    if (f->vec == v_scalar || f->vec == v_time || f->vec == v_pi || f->vec == v_query_time ||
        f->vec == v_min_max_of) {
        double *v = ARENA_NEW_ARRAY(ev->a, double, ev->nsteps);
        if (!v) return ev_oom(ev);
        for (size_t k = 0; k < ev->nsteps; k++)
            v[k] = NAN;
        for (size_t i = 0; i < out->nser; i++)
            for (size_t j = 0; j < out->ser[i].n; j++) {
                size_t k = (size_t)((out->ser[i].pts[j].t - ev->start) / ev->interval);
                v[k] = out->ser[i].pts[j].v;
            }
        *out = (ev_value){.type = VALUE_TYPE_SCALAR, .scalar = v};
    }
    return 0;
}
