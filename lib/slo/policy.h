/*
 * Multiwindow, multi-burn-rate alerting (internal): policies, the budget
 * math and the decision rules (ok / firing / inconclusive).
 *
 * A policy is a list of rules {severity, long window, short window,
 * factor}. A rule fires when the burn rate (error ratio / error budget) is
 * above the factor over both its long and its short window. The factor of a
 * rule written as a budget share is share x period / long window: the burn
 * rate that spends that share of the period's budget in one long window.
 *
 * The sre-workbook policy (Google's SRE workbook, chapter 5), for a 30d period:
 *   page    2% of the budget in 1h, short window 5m   -> factor 14.4
 *   page    5% in 6h, short window 30m                -> 6
 *   ticket 10% in 1d, short window 2h                 -> 3
 *   ticket 10% in 3d, short window 6h                 -> 1
 * For another period the windows stay and the factors scale (28d: 13.44,
 * 5.6, 2.8, 0.9333...; 7d: 3.36, 1.4, 0.7, 0.2333...).
 */
#ifndef SLOEVAL_SLO_POLICY_H
#define SLOEVAL_SLO_POLICY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "util/arena.h"

typedef struct slo_policy_rule {
    const char *severity;  /* "page", "ticket", or a custom policy's name */
    int64_t long_ms;       /* long window */
    int64_t short_ms;      /* short window, < long_ms */
    double factor;         /* burn-rate threshold, > 0 */
    double budget_percent; /* share of the period's budget spent over long_ms at `factor` */
    bool factor_given;     /* written as `factor` (else computed from budget_percent) */
    int line, column;      /* where a custom rule was written, 0 for built-in ones */
} slo_policy_rule;

typedef struct slo_policy {
    bool builtin; /* the sre-workbook policy */
    int64_t period_ms;
    slo_policy_rule *rules;
    size_t nrules;
    int64_t *windows; /* the distinct long and short windows, ascending */
    size_t nwindows;
} slo_policy;

#define SLO_POLICY_SRE_WORKBOOK "sre-workbook"

/* The sre-workbook policy scaled to period_ms (> 0); arrays in `a`. 0 or SLOEVAL_ENOMEM. */
int slo_policy_sre_workbook(slo_policy *out, arena *a, int64_t period_ms);

/*
 * After rules were filled in: compute the factors of budget_percent rules
 * (and the budget share of factor rules) for p->period_ms and the list of
 * distinct windows. 0 or SLOEVAL_ENOMEM.
 */
int slo_policy_finish(slo_policy *p, arena *a);

/* budget share (percent) x period / long window, rounded once when exact. */
double slo_policy_factor(double budget_percent, int64_t period_ms, int64_t long_ms);

/* The inverse: the percent of the period's budget a burn at `factor` spends in long_ms. */
double slo_policy_budget_percent(double factor, int64_t period_ms, int64_t long_ms);

/*
 * Parse a plain decimal ("99.9", "14.4", "2", "0.5") as mantissa x 10^-scale
 * with at most 15 significant digits. Returns -1 for anything else
 * (exponents, signs, too many digits): callers then use text_parse_float's value.
 */
int slo_decimal_parse(const char *s, int64_t *mantissa, int *scale);

/*
 * The error budget 1 - objective/100 of an objective in percent, computed
 * from the objective's shortest decimal form with one rounding (99.9 gives
 * the double nearest 0.001, where 1 - 0.999 would be 0.000999...9).
 */
double slo_budget_from_objective(double objective);

/* ---- measurements and decisions ------------------------------------------ */

/* Why a number cannot be used for a decision. */
typedef enum slo_reason {
    SLO_REASON_NONE = 0,
    SLO_REASON_NO_TRAFFIC,    /* the total over the window is 0 */
    SLO_REASON_NO_DATA,       /* a query returned no series */
    SLO_REASON_NAN,           /* a query returned NaN */
    SLO_REASON_INF,           /* a query returned +Inf or -Inf */
    SLO_REASON_NEGATIVE,      /* a count, total or ratio below 0 */
    SLO_REASON_MANY_SERIES,   /* a query returned more than one series */
    SLO_REASON_BACKEND_ERROR, /* the backend failed (transport, HTTP, server error) */
    SLO_REASON_PARTIAL,       /* the backend answered only partially */
    SLO_REASON_QUERY_ERROR,   /* the query could not be evaluated (execution error, or
                                 not evaluable across the backends it needs) */
} slo_reason;

/* "no traffic", "no data", "NaN", ... (static). */
const char *slo_reason_name(slo_reason r);

/* One query's answer reduced to a number, or the reason there is none. */
typedef struct slo_measure {
    slo_reason reason;
    double value; /* meaningful when reason == SLO_REASON_NONE */
} slo_measure;

/* A measure from a value, classifying NaN and infinities. */
slo_measure slo_measure_of(double v);

/*
 * Merge two shards' answers of a sum (cross-region fan-out: sums of counts
 * or rates, never averages of ratios). Failures and partial answers win; a
 * shard without series adds nothing; NaN and Inf propagate as values.
 */
slo_measure slo_measure_add(slo_measure a, slo_measure b);

/*
 * The error ratio of an events SLI, errors / total, or why there is none:
 * a failed or missing query, a NaN or infinite or negative count, or a
 * total of 0 (no traffic). Errors above the total give a ratio above 1.
 */
slo_reason slo_ratio_events(double *out, slo_measure errors, slo_measure total);

/* The error ratio of an error_ratio_query answer, or why there is none. */
slo_reason slo_ratio_raw(double *out, slo_measure ratio);

/* The error ratio and burn rate over one window. */
typedef struct slo_window_value {
    int64_t window_ms;
    slo_reason reason; /* SLO_REASON_NONE when ratio and burn are numbers */
    double ratio;
    double burn; /* ratio / budget */
    /* The budget in the form the equivalent Prometheus alert rule compares
     * against: (100 - objective) / 100 in floating point, as Sloth writes
     * it. The rule compares ratio > factor * rule_budget; 0 compares
     * burn > factor instead. */
    double rule_budget;
} slo_window_value;

/* (100 - objective) / 100 computed in double as Sloth's generated rules
 * (and so Prometheus) compute it: 99.9 gives 0.0009999999999999432. */
double slo_rule_budget(double objective);

/* Fill burn from ratio (when usable): burn = ratio / budget. */
void slo_window_set_burn(slo_window_value *w, double budget);

/*
 * Budget remaining over the period: 1 - ratio / budget, where ratio is the
 * period's errors / total (traffic-weighted); below 0 when overspent.
 */
slo_reason slo_budget_remaining(double *out, slo_measure errors, slo_measure total, double budget);
slo_reason slo_budget_remaining_ratio(double *out, slo_measure ratio, double budget);

typedef enum slo_rule_state {
    SLO_RULE_QUIET = 0,    /* below the factor over at least one window with data */
    SLO_RULE_FIRING,       /* above the factor over both windows */
    SLO_RULE_INCONCLUSIVE, /* neither can be told: windows without a usable ratio */
    SLO_RULE_DISABLED,     /* the SLO disables this severity */
} slo_rule_state;

typedef struct slo_rule_result {
    const slo_policy_rule *rule;
    slo_rule_state state;
    slo_reason reason; /* for SLO_RULE_INCONCLUSIVE */
    int64_t reason_window_ms;
    double burn_long, burn_short; /* NaN when unusable */
} slo_rule_result;

typedef enum slo_status {
    SLO_STATUS_OK = 0,       /* every rule is quiet and every window had a usable ratio */
    SLO_STATUS_FIRING,       /* at least one rule fires */
    SLO_STATUS_INCONCLUSIVE, /* nothing fires, and something needed was unusable */
} slo_status;

/* "ok", "firing", "inconclusive" */
const char *slo_status_name(slo_status s);

typedef struct slo_decision {
    slo_status status;
    const char *severity;     /* the first firing rule's severity (policy order), or NULL */
    slo_reason reason;        /* for SLO_STATUS_INCONCLUSIVE */
    int64_t reason_window_ms; /* the window of the reason; 0 for the budget over the period */
} slo_decision;

/*
 * Decide one SLO in one scope. windows holds a value for every window of
 * the policy (any order); rules_out (p->nrules entries, may be NULL) gets
 * each rule's result. Rules whose severity is in `disabled` are skipped,
 * and so are their windows unless another rule needs them. budget_reason is
 * the reason the budget remaining could not be computed (SLO_REASON_NONE
 * when it was, or when it was not asked for).
 *
 * Firing wins over inconclusive: a rule whose two windows are both above
 * its factor fires even when another window has no data. Otherwise any
 * unusable window that an enabled rule needs, or an unusable budget, makes
 * the SLO inconclusive: missing data never reads as ok.
 *
 * Returns 0, or SLOEVAL_EINVAL when a window of the policy is missing.
 */
int slo_policy_decide(slo_decision *out, slo_rule_result *rules_out, const slo_policy *p,
                      const slo_window_value *windows, size_t nwindows, const char *const *disabled,
                      size_t ndisabled, slo_reason budget_reason, sloeval_error *err);

#endif
