/*
 * Aggregation accumulators and operator arithmetic, following
 * Prometheus's aggregation() and vectorElemBinop / scalarBinop
 * (promql/engine.go) at v2.42 and 3.x.
 */
#include <math.h>
#include <stdlib.h>

#include "engine/kernels.h"

/* ---- aggregation --------------------------------------------------------- */

void agg_first(agg_acc *g, agg_op op, double v, sloeval_compat compat)
{
    g->value = v;
    g->mean = v;
    g->kahan_c = 0;
    g->count = 1;
    g->incremental_mean = false;
    switch (op) {
    case AGG_STDDEV:
    case AGG_STDVAR:
        if (compat != SLOEVAL_COMPAT_V2 && (isnan(v) || isinf(v)))
            g->value = NAN;
        else
            g->value = 0;
        break;
    case AGG_GROUP: g->value = 1; break;
    default: break;
    }
}

static void avg_next_v2(agg_acc *g, double v)
{
    g->count++;
    if (isinf(g->mean)) {
        /* An infinite mean stays as it is unless the new value is NaN or an
         * infinity of the other sign (Inf - Inf would turn it into NaN). */
        if (isinf(v) && (g->mean > 0) == (v > 0)) return;
        if (!isinf(v) && !isnan(v)) return;
    }
    g->mean += v / g->count - g->mean / g->count;
}

static void avg_next_v3(agg_acc *g, double v)
{
    g->count++;
    if (!g->incremental_mean) {
        double sum = g->value, c = g->kahan_c;
        kahan_inc(v, &sum, &c);
        if (!isinf(sum)) {
            g->value = sum;
            g->kahan_c = c;
            return;
        }
        /* The plain sum would overflow: continue with an incremental mean. */
        g->incremental_mean = true;
        g->mean = g->value / (g->count - 1);
        g->kahan_c /= g->count - 1;
    }
    double q = (g->count - 1) / g->count;
    double mean = q * g->mean, c = q * g->kahan_c;
    kahan_inc(v / g->count, &mean, &c);
    g->mean = mean;
    g->kahan_c = c;
}

void agg_next(agg_acc *g, agg_op op, double v, sloeval_compat compat)
{
    switch (op) {
    case AGG_SUM:
        if (compat == SLOEVAL_COMPAT_V2)
            g->value += v;
        else
            kahan_inc(v, &g->value, &g->kahan_c);
        break;
    case AGG_AVG:
        if (compat == SLOEVAL_COMPAT_V2)
            avg_next_v2(g, v);
        else
            avg_next_v3(g, v);
        break;
    case AGG_MAX:
        if (g->value < v || isnan(g->value)) g->value = v;
        break;
    case AGG_MIN:
        if (g->value > v || isnan(g->value)) g->value = v;
        break;
    case AGG_COUNT: g->count++; break;
    case AGG_STDDEV:
    case AGG_STDVAR: {
        g->count++;
        double delta = v - g->mean;
        g->mean += delta / g->count;
        g->value += delta * (v - g->mean);
        break;
    }
    default: break; /* group: nothing to do */
    }
}

double agg_final(const agg_acc *g, agg_op op, sloeval_compat compat)
{
    switch (op) {
    case AGG_SUM: return compat == SLOEVAL_COMPAT_V2 ? g->value : g->value + g->kahan_c;
    case AGG_AVG:
        if (compat == SLOEVAL_COMPAT_V2) return g->mean;
        if (g->incremental_mean) return g->mean + g->kahan_c;
        return g->value / g->count + g->kahan_c / g->count;
    case AGG_COUNT: return g->count;
    case AGG_STDVAR: return g->value / g->count;
    case AGG_STDDEV: return sqrt(g->value / g->count);
    default: return g->value;
    }
}

/* Prometheus's vectorByValueHeap order: NaN first, then ascending. Made a
 * strict order for qsort (NaN == NaN). */
static int cmp_value_nan_first(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    if (isnan(a)) return isnan(b) ? 0 : -1;
    if (isnan(b)) return 1;
    return a < b ? -1 : (a > b ? 1 : 0);
}

double quantile_of(double q, double *v, size_t n)
{
    if (n == 0 || isnan(q)) return NAN;
    if (q < 0) return -INFINITY;
    if (q > 1) return INFINITY;
    qsort(v, n, sizeof(*v), cmp_value_nan_first);
    double nn = (double)n;
    double rank = q * (nn - 1);
    double lower = fmax(0, floor(rank));
    double upper = fmin(nn - 1, lower + 1);
    double weight = rank - floor(rank);
    return v[(size_t)lower] * (1 - weight) + v[(size_t)upper] * weight;
}

/* ---- operators ------------------------------------------------------------- */

bool binop_is_arithmetic(binary_op op)
{
    switch (op) {
    case BIN_ADD:
    case BIN_SUB:
    case BIN_MUL:
    case BIN_DIV:
    case BIN_MOD:
    case BIN_POW:
    case BIN_ATAN2: return true;
    default: return false;
    }
}

bool binop_values(binary_op op, double lhs, double rhs, double *out)
{
    *out = lhs;
    switch (op) {
    case BIN_ADD: *out = lhs + rhs; return true;
    case BIN_SUB: *out = lhs - rhs; return true;
    case BIN_MUL: *out = lhs * rhs; return true;
    case BIN_DIV: *out = lhs / rhs; return true;
    case BIN_MOD: *out = fmod(lhs, rhs); return true;
    case BIN_POW: *out = pow(lhs, rhs); return true;
    case BIN_ATAN2: *out = atan2(lhs, rhs); return true;
    case BIN_EQL: return lhs == rhs;
    case BIN_NEQ: return lhs != rhs;
    case BIN_GTR: return lhs > rhs;
    case BIN_LSS: return lhs < rhs;
    case BIN_GTE: return lhs >= rhs;
    case BIN_LTE: return lhs <= rhs;
    default: return false;
    }
}

double binop_scalars(binary_op op, double lhs, double rhs)
{
    double v;
    bool keep = binop_values(op, lhs, rhs, &v);
    if (op >= BIN_EQL && op <= BIN_GTR) return keep ? 1 : 0;
    return v;
}
