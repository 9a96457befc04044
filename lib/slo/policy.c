#include "slo/policy.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/text.h"

#define HOUR_MS     (3600LL * 1000)
#define MIN_MS      (60LL * 1000)
#define EXACT_LIMIT 9007199254740992ULL /* 2^53: integers below are exact doubles */

/* ---- decimals ------------------------------------------------------------ */

int slo_decimal_parse(const char *s, int64_t *mantissa, int *scale)
{
    int64_t m = 0;
    int sc = 0, digits = 0;
    bool dot = false, any = false;
    for (const char *p = s; *p; p++) {
        if (*p == '.') {
            if (dot) return -1;
            dot = true;
            continue;
        }
        if (*p < '0' || *p > '9') return -1;
        any = true;
        if (m == 0 && *p == '0') {
            if (dot) sc++;
            continue;
        }
        if (++digits > 15) return -1;
        m = m * 10 + (*p - '0');
        if (dot) sc++;
    }
    if (!any) return -1;
    *mantissa = m;
    *scale = sc;
    return 0;
}

/* v as mantissa x 10^-scale when its shortest form has at most 15 digits. */
static bool decimal_of(double v, int64_t *mantissa, int *scale)
{
    if (!(v >= 0) || !isfinite(v)) return false;
    char buf[64];
    size_t n = text_format_float(buf, sizeof(buf), v, 'g', 15);
    double back;
    if (strchr(buf, 'e') || text_parse_float(&back, buf, n) != TEXT_OK || back != v) return false;
    return slo_decimal_parse(buf, mantissa, scale) == 0;
}

/* a * b when the product is an exact double; false otherwise. */
static bool exact_mul(uint64_t a, uint64_t b, uint64_t *out)
{
    if (a != 0 && b > EXACT_LIMIT / a) return false;
    *out = a * b;
    return true;
}

static bool pow10_exact(int scale, uint64_t *out)
{
    uint64_t p = 1;
    for (int i = 0; i < scale; i++)
        if (!exact_mul(p, 10, &p)) return false;
    *out = p;
    return true;
}

/* (m x 10^-scale) x num / den, rounded once when everything is exact. */
static double scaled_ratio(double v, uint64_t num, uint64_t den)
{
    int64_t m;
    int sc;
    uint64_t p10, n, d;
    if (decimal_of(v, &m, &sc) && pow10_exact(sc, &p10) && exact_mul((uint64_t)m, num, &n) &&
        exact_mul(p10, den, &d) && d != 0)
        return (double)n / (double)d;
    return v * ((double)num / (double)den);
}

double slo_policy_factor(double budget_percent, int64_t period_ms, int64_t long_ms)
{
    if (long_ms <= 0 || period_ms <= 0) return NAN;
    uint64_t den;
    if (!exact_mul(100, (uint64_t)long_ms, &den))
        return budget_percent / 100.0 * ((double)period_ms / (double)long_ms);
    return scaled_ratio(budget_percent, (uint64_t)period_ms, den);
}

double slo_policy_budget_percent(double factor, int64_t period_ms, int64_t long_ms)
{
    if (long_ms <= 0 || period_ms <= 0) return NAN;
    uint64_t num;
    if (!exact_mul(100, (uint64_t)long_ms, &num))
        return factor * 100.0 * ((double)long_ms / (double)period_ms);
    return scaled_ratio(factor, num, (uint64_t)period_ms);
}

double slo_budget_from_objective(double objective)
{
    int64_t m;
    int sc;
    uint64_t p10, whole;
    if (decimal_of(objective, &m, &sc) && pow10_exact(sc, &p10) && exact_mul(p10, 100, &whole) &&
        (uint64_t)m <= whole)
        return (double)(whole - (uint64_t)m) / (double)whole;
    return (100.0 - objective) / 100.0;
}

/* ---- policies ------------------------------------------------------------ */

int slo_policy_sre_workbook(slo_policy *out, arena *a, int64_t period_ms)
{
    static const struct {
        const char *severity;
        int64_t long_ms, short_ms;
        double percent;
    } rows[] = {
        {"page", 1 * HOUR_MS, 5 * MIN_MS, 2},
        {"page", 6 * HOUR_MS, 30 * MIN_MS, 5},
        {"ticket", 24 * HOUR_MS, 2 * HOUR_MS, 10},
        {"ticket", 72 * HOUR_MS, 6 * HOUR_MS, 10},
    };
    memset(out, 0, sizeof(*out));
    out->builtin = true;
    out->period_ms = period_ms;
    out->rules = ARENA_NEW_ARRAY(a, slo_policy_rule, 4);
    if (!out->rules) return SLOEVAL_ENOMEM;
    for (size_t i = 0; i < 4; i++) {
        slo_policy_rule *r = &out->rules[i];
        r->severity = rows[i].severity;
        r->long_ms = rows[i].long_ms;
        r->short_ms = rows[i].short_ms;
        r->budget_percent = rows[i].percent;
    }
    out->nrules = 4;
    return slo_policy_finish(out, a);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

int slo_policy_finish(slo_policy *p, arena *a)
{
    for (size_t i = 0; i < p->nrules; i++) {
        slo_policy_rule *r = &p->rules[i];
        if (r->factor_given)
            r->budget_percent = slo_policy_budget_percent(r->factor, p->period_ms, r->long_ms);
        else
            r->factor = slo_policy_factor(r->budget_percent, p->period_ms, r->long_ms);
    }
    int64_t *w = ARENA_NEW_ARRAY(a, int64_t, 2 * p->nrules + 1);
    if (!w) return SLOEVAL_ENOMEM;
    size_t n = 0;
    for (size_t i = 0; i < p->nrules; i++) {
        w[n++] = p->rules[i].long_ms;
        w[n++] = p->rules[i].short_ms;
    }
    qsort(w, n, sizeof(*w), cmp_i64);
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (k == 0 || w[k - 1] != w[i]) w[k++] = w[i];
    p->windows = w;
    p->nwindows = k;
    return 0;
}

/* ---- measurements -------------------------------------------------------- */

const char *slo_reason_name(slo_reason r)
{
    switch (r) {
    case SLO_REASON_NONE: return "none";
    case SLO_REASON_NO_TRAFFIC: return "no traffic";
    case SLO_REASON_NO_DATA: return "no data";
    case SLO_REASON_NAN: return "NaN";
    case SLO_REASON_INF: return "infinite value";
    case SLO_REASON_NEGATIVE: return "negative value";
    case SLO_REASON_MANY_SERIES: return "more than one series";
    case SLO_REASON_BACKEND_ERROR: return "backend error";
    case SLO_REASON_PARTIAL: return "partial response";
    case SLO_REASON_QUERY_ERROR: return "query error";
    }
    return "unknown";
}

const char *slo_status_name(slo_status s)
{
    switch (s) {
    case SLO_STATUS_OK: return "ok";
    case SLO_STATUS_FIRING: return "firing";
    case SLO_STATUS_INCONCLUSIVE: return "inconclusive";
    }
    return "unknown";
}

slo_measure slo_measure_of(double v)
{
    slo_measure m = {SLO_REASON_NONE, v};
    if (isnan(v))
        m.reason = SLO_REASON_NAN;
    else if (isinf(v))
        m.reason = SLO_REASON_INF;
    return m;
}

/* Higher wins when merging shards. */
static int merge_rank(slo_reason r)
{
    switch (r) {
    case SLO_REASON_BACKEND_ERROR:
    case SLO_REASON_QUERY_ERROR: return 5;
    case SLO_REASON_PARTIAL: return 4;
    case SLO_REASON_MANY_SERIES: return 3;
    case SLO_REASON_NAN:
    case SLO_REASON_INF: return 2;
    case SLO_REASON_NONE:
    case SLO_REASON_NEGATIVE:
    case SLO_REASON_NO_TRAFFIC: return 1;
    case SLO_REASON_NO_DATA: return 0;
    }
    return 0;
}

slo_measure slo_measure_add(slo_measure a, slo_measure b)
{
    int ra = merge_rank(a.reason), rb = merge_rank(b.reason);
    if (ra >= 2 || rb >= 2) return ra >= rb ? a : b;
    if (a.reason == SLO_REASON_NO_DATA) return b;
    if (b.reason == SLO_REASON_NO_DATA) return a;
    /* both are numbers: add them and classify again */
    return slo_measure_of(a.value + b.value);
}

/* The reason a measure cannot be used as a count or ratio, if any. */
static slo_reason unusable(slo_measure m)
{
    if (m.reason != SLO_REASON_NONE) return m.reason;
    if (isnan(m.value)) return SLO_REASON_NAN;
    if (isinf(m.value)) return SLO_REASON_INF;
    if (m.value < 0) return SLO_REASON_NEGATIVE;
    return SLO_REASON_NONE;
}

slo_reason slo_ratio_events(double *out, slo_measure errors, slo_measure total)
{
    *out = NAN;
    /* the backend's failures first: they say the most */
    slo_reason rt = unusable(total), re = unusable(errors);
    if (merge_rank(rt) >= 4 || merge_rank(re) >= 4)
        return merge_rank(rt) >= merge_rank(re) ? rt : re;
    if (rt != SLO_REASON_NONE) return rt;
    if (total.value == 0) return SLO_REASON_NO_TRAFFIC;
    if (re != SLO_REASON_NONE) return re;
    *out = errors.value / total.value;
    return SLO_REASON_NONE;
}

slo_reason slo_ratio_raw(double *out, slo_measure ratio)
{
    *out = NAN;
    slo_reason r = unusable(ratio);
    if (r != SLO_REASON_NONE) return r;
    *out = ratio.value;
    return SLO_REASON_NONE;
}

void slo_window_set_burn(slo_window_value *w, double budget)
{
    w->burn = w->reason == SLO_REASON_NONE ? w->ratio / budget : NAN;
}

slo_reason slo_budget_remaining(double *out, slo_measure errors, slo_measure total, double budget)
{
    double ratio;
    slo_reason r = slo_ratio_events(&ratio, errors, total);
    *out = r == SLO_REASON_NONE ? 1.0 - ratio / budget : NAN;
    return r;
}

slo_reason slo_budget_remaining_ratio(double *out, slo_measure ratio, double budget)
{
    double v;
    slo_reason r = slo_ratio_raw(&v, ratio);
    *out = r == SLO_REASON_NONE ? 1.0 - v / budget : NAN;
    return r;
}

/* ---- decisions ----------------------------------------------------------- */

static const slo_window_value *find_window(const slo_window_value *w, size_t n, int64_t ms)
{
    for (size_t i = 0; i < n; i++)
        if (w[i].window_ms == ms) return &w[i];
    return NULL;
}

static bool is_disabled(const char *severity, const char *const *disabled, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(disabled[i], severity)) return true;
    return false;
}

static bool usable(const slo_window_value *w)
{
    return w->reason == SLO_REASON_NONE && !isnan(w->burn);
}

double slo_rule_budget(double objective)
{
    volatile double b = 100.0 - objective; /* two roundings, as Go computes it */
    return b / 100.0;
}

/* Above the factor, in the form the equivalent Prometheus rule compares:
 * ratio > factor * budget (a ratio exactly on the boundary fires there
 * whenever the product rounds below it). */
static bool above(const slo_window_value *w, double factor)
{
    if (w->rule_budget > 0) {
        volatile double threshold = factor * w->rule_budget;
        return w->ratio > threshold;
    }
    return w->burn > factor;
}

int slo_policy_decide(slo_decision *out, slo_rule_result *rules_out, const slo_policy *p,
                      const slo_window_value *windows, size_t nwindows, const char *const *disabled,
                      size_t ndisabled, slo_reason budget_reason, sloeval_error *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < p->nwindows; i++)
        if (!find_window(windows, nwindows, p->windows[i]))
            return error_set(err, SLOEVAL_EINVAL, "no value for the policy's window of %lld ms",
                             (long long)p->windows[i]);
    for (size_t i = 0; i < p->nrules; i++) {
        const slo_policy_rule *r = &p->rules[i];
        slo_rule_result res = {r, SLO_RULE_QUIET, SLO_REASON_NONE, 0, NAN, NAN};
        const slo_window_value *lw = find_window(windows, nwindows, r->long_ms);
        const slo_window_value *sw = find_window(windows, nwindows, r->short_ms);
        bool lu = usable(lw), su = usable(sw);
        if (lu) res.burn_long = lw->burn;
        if (su) res.burn_short = sw->burn;
        if (is_disabled(r->severity, disabled, ndisabled)) {
            res.state = SLO_RULE_DISABLED;
        } else if (lu && su) {
            res.state =
                (above(lw, r->factor) && above(sw, r->factor)) ? SLO_RULE_FIRING : SLO_RULE_QUIET;
        } else if ((lu && !above(lw, r->factor)) || (su && !above(sw, r->factor))) {
            /* one window with data is at or below the factor: the rule
             * cannot fire whatever the other window holds */
            res.state = SLO_RULE_QUIET;
        } else {
            res.state = SLO_RULE_INCONCLUSIVE;
            const slo_window_value *bad = lu ? sw : lw;
            res.reason = bad->reason != SLO_REASON_NONE ? bad->reason : SLO_REASON_NAN;
            res.reason_window_ms = bad->window_ms;
        }
        if (res.state == SLO_RULE_FIRING && out->status != SLO_STATUS_FIRING) {
            out->status = SLO_STATUS_FIRING;
            out->severity = r->severity;
        }
        if (rules_out) rules_out[i] = res;
    }
    if (out->status == SLO_STATUS_FIRING) return 0;
    /* nothing fires: every window an enabled rule needs must have been usable */
    for (size_t i = 0; i < p->nwindows; i++) {
        int64_t ms = p->windows[i];
        bool needed = false;
        for (size_t j = 0; j < p->nrules && !needed; j++) {
            const slo_policy_rule *r = &p->rules[j];
            needed = (r->long_ms == ms || r->short_ms == ms) &&
                     !is_disabled(r->severity, disabled, ndisabled);
        }
        const slo_window_value *w = find_window(windows, nwindows, ms);
        if (needed && !usable(w)) {
            out->status = SLO_STATUS_INCONCLUSIVE;
            out->reason = w->reason != SLO_REASON_NONE ? w->reason : SLO_REASON_NAN;
            out->reason_window_ms = ms;
            return 0;
        }
    }
    if (budget_reason != SLO_REASON_NONE) {
        out->status = SLO_STATUS_INCONCLUSIVE;
        out->reason = budget_reason;
        out->reason_window_ms = 0;
    }
    return 0;
}
