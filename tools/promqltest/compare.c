/*
 * Result comparison of the test-script runner, as Prometheus's runners
 * compare (promql/test.go v2.42: almostEqual and compareResult;
 * promql/promqltest/test.go 3.x: almost.Equal and compareResult).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promqltest/compare.h"

#define MIN_NORMAL 2.2250738585072014e-308
#define EPSILON    0.000001

bool rt_almost_equal(double a, double b, sloeval_compat compat)
{
    if (compat != SLOEVAL_COMPAT_V2 && (value_is_stale(a) || value_is_stale(b)))
        return value_is_stale(a) && value_is_stale(b);
    if (isnan(a) && isnan(b)) return true;
    if (a == b) return true;
    double diff = fabs(a - b);
    if (compat == SLOEVAL_COMPAT_V2) {
        if (a == 0 || b == 0 || diff < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
        return diff / (fabs(a) + fabs(b)) < EPSILON;
    }
    double abs_sum = fabs(a) + fabs(b);
    if (a == 0 || b == 0 || abs_sum < MIN_NORMAL) return diff < EPSILON * MIN_NORMAL;
    return diff / fmin(abs_sum, 1.7976931348623157e308) < EPSILON;
}

static int fail(char *why, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static int fail(char *why, size_t size, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, size, fmt, ap);
    va_end(ap);
    return -1;
}

static void fmt_value(char *buf, size_t size, double v)
{
    format_float(buf, size, v);
}

/* The expected entry with these labels, or -1. */
static ptrdiff_t find_expected(const rt_expected *exp, const labels *ls)
{
    for (size_t i = 0; i < exp->nseries; i++)
        if (exp->series[i].ls->hash == ls->hash && labels_equal(exp->series[i].ls, ls))
            return (ptrdiff_t)i;
    return -1;
}

static int unexpected_metric(char *why, size_t size, const labels *ls, double v)
{
    char *s = labels_to_string(ls);
    char num[64];
    fmt_value(num, sizeof num, v);
    fail(why, size, "unexpected metric %s in result, has value %s", s ? s : "?", num);
    free(s);
    return -1;
}

static int missing_metric(char *why, size_t size, const rt_expected *exp, const bool *seen)
{
    for (size_t i = 0; i < exp->nseries; i++) {
        if (seen[i]) continue;
        char *s = labels_to_string(exp->series[i].ls);
        fail(why, size, "expected metric %s not found", s ? s : "?");
        free(s);
        return -1;
    }
    return 0;
}

int rt_compare_vector(const vector *vec, const rt_expected *exp, bool ordered,
                      sloeval_compat compat, char *why, size_t size)
{
    if (exp->scalar) return fail(why, size, "expected scalar result, but got a vector");
    bool *seen = calloc(exp->nseries + 1, sizeof(bool));
    if (!seen) return fail(why, size, "out of memory");
    int rc = 0;
    for (size_t pos = 0; pos < vec->count && rc == 0; pos++) {
        const vector_elem *el = &vec->items[pos];
        ptrdiff_t k = find_expected(exp, el->labels);
        if (k < 0) {
            rc = unexpected_metric(why, size, el->labels, el->v);
            break;
        }
        const rt_series *e = &exp->series[k];
        if (ordered && e->pos != pos) {
            char *s = labels_to_string(el->labels);
            rc = fail(why, size, "expected metric %s at position %zu but was at %zu", s ? s : "?",
                      e->pos + 1, pos + 1);
            free(s);
            break;
        }
        double want = e->n > 0 ? e->vals[0].v : NAN;
        if (!rt_almost_equal(want, el->v, compat)) {
            char *s = labels_to_string(el->labels);
            char a[64], b[64];
            fmt_value(a, sizeof a, want);
            fmt_value(b, sizeof b, el->v);
            rc = fail(why, size, "expected %s for %s but got %s", a, s ? s : "?", b);
            free(s);
            break;
        }
        seen[k] = true;
    }
    if (rc == 0) rc = missing_metric(why, size, exp, seen);
    free(seen);
    return rc;
}

int rt_compare_scalar(double v, const rt_expected *exp, sloeval_compat compat, char *why,
                      size_t size)
{
    if (!exp->scalar) {
        if (compat != SLOEVAL_COMPAT_V2)
            return fail(why, size, "expected vector or matrix result, but got a scalar");
    }
    if (!rt_almost_equal(exp->scalar_value, v, compat)) {
        char a[64], b[64];
        fmt_value(a, sizeof a, exp->scalar_value);
        fmt_value(b, sizeof b, v);
        return fail(why, size, "expected scalar %s but got %s", a, b);
    }
    return 0;
}

int rt_compare_matrix(const matrix *m, const rt_expected *exp, int64_t start, int64_t end,
                      int64_t step, sloeval_compat compat, char *why, size_t size)
{
    if (exp->scalar) return fail(why, size, "expected scalar result, but got a matrix");
    for (size_t i = 0; i + 1 < m->count; i++)
        if (labels_compare(m->items[i].labels, m->items[i + 1].labels) > 0)
            return fail(why, size, "matrix results should always be sorted by labels");
    bool *seen = calloc(exp->nseries + 1, sizeof(bool));
    if (!seen) return fail(why, size, "out of memory");
    int rc = 0;
    for (size_t i = 0; i < m->count && rc == 0; i++) {
        const series *s = &m->items[i];
        ptrdiff_t k = find_expected(exp, s->labels);
        if (k < 0) {
            rc = unexpected_metric(why, size, s->labels, s->count ? s->samples[0].v : NAN);
            break;
        }
        seen[k] = true;
        const rt_series *e = &exp->series[k];
        size_t j = 0; /* index into s */
        for (size_t x = 0; x < e->n && rc == 0; x++) {
            int64_t t = start + (int64_t)x * step;
            if (t > end) {
                char *ls = labels_to_string(s->labels);
                rc = fail(why, size,
                          "expected %zu points for %s, but query time range cannot return this "
                          "many points",
                          e->n, ls ? ls : "?");
                free(ls);
                break;
            }
            if (e->vals[x].omitted) continue;
            if (j >= s->count) {
                j = SIZE_MAX;
                break;
            }
            const sample *got = &s->samples[j++];
            if (got->t != t || !rt_almost_equal(e->vals[x].v, got->v, compat)) {
                char *ls = labels_to_string(s->labels);
                char a[64], b[64];
                fmt_value(a, sizeof a, e->vals[x].v);
                fmt_value(b, sizeof b, got->v);
                rc = fail(why, size, "expected %s at t=%lld for %s, but got %s at t=%lld", a,
                          (long long)t, ls ? ls : "?", b, (long long)got->t);
                free(ls);
            }
        }
        if (rc == 0 && (j == SIZE_MAX || j != s->count)) {
            char *ls = labels_to_string(s->labels);
            size_t want = 0;
            for (size_t x = 0; x < e->n; x++)
                want += !e->vals[x].omitted;
            rc = fail(why, size, "expected %zu float points for %s, but got %zu", want,
                      ls ? ls : "?", s->count);
            free(ls);
        }
    }
    if (rc == 0) rc = missing_metric(why, size, exp, seen);
    free(seen);
    return rc;
}
