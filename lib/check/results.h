/*
 * The results of a check (internal): the structs behind the opaque handles
 * of include/sloeval/check.h. decide.c fills them, the renderers read them,
 * report.c hands them out through getters. They may change freely.
 */
#ifndef SLOEVAL_CHECK_RESULTS_H
#define SLOEVAL_CHECK_RESULTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/check.h"

struct sloeval_check_window {
    int64_t window_ms;
    const char *window; /* "5m", "1h", ... */
    /* NULL when error_ratio and burn_rate are numbers; else why not. */
    const char *reason;
    double error_ratio; /* errors / total, or the ratio query's value; NaN without one */
    double burn_rate;   /* error_ratio / (1 - objective); NaN without one */
    /* Events SLIs: what error_query and total_query returned (NaN when
     * unusable or for a ratio SLI). */
    double errors;
    double total;
};

struct sloeval_check_rule {
    const char *severity;
    int64_t long_ms, short_ms;
    const char *long_window, *short_window; /* "1h", "5m" */
    double factor;
    sloeval_check_rule_state state;
    double burn_long, burn_short; /* NaN when the window had no usable ratio */
};

struct sloeval_check_slo_result {
    const char *slo;    /* the SLO's id */
    const char *scope;  /* a region's name, or "global" */
    const char *region; /* the region, or NULL for the global scope */
    size_t slo_index;   /* index for sloeval_slo_set_slo() */
    double objective;   /* as a ratio: 0.999 for 99.9% */
    sloeval_check_status status;
    const char *severity; /* the first firing rule's severity (policy order), or NULL */
    const char *reason;   /* inconclusive: what was missing where; else NULL */
    const sloeval_check_window *windows; /* the policy's windows, ascending */
    size_t nwindows;
    double budget_remaining;   /* NaN when unknown */
    const char *budget_reason; /* why budget_remaining is NaN, or NULL */
    int64_t period_ms;
    double budget_coverage; /* share of the period the data covers, 0..1; NaN when unknown */
    /* the gate (check_gate_apply) */
    bool gate_failed;
    const char *gate_rule;           /* which rule decided, when gate_failed */
    double gate_budget_below;        /* percent, NaN without a budget gate */
    const char *gate_severity;       /* fail_on: the failing severity that fires */
    const sloeval_check_rule *rules; /* the policy's rules, in policy order */
    size_t nrules;
    const char *const *notes; /* remarks that do not change the decision */
    size_t nnotes;
};

struct sloeval_check_series {
    const sloeval_label *labels; /* sorted by name */
    size_t nlabels;
};

struct sloeval_check_alert_result {
    const char *name;
    const char *scope;  /* a region's name, or "global" */
    const char *region; /* or NULL */
    size_t alert_index; /* index for sloeval_slo_set_alert() */
    sloeval_check_status status;
    bool firing;                        /* status == SLOEVAL_CHECK_FIRING */
    const sloeval_check_series *series; /* the series that fire, sorted by labels */
    size_t nseries;
    size_t npending;    /* returned at T, not yet for `for` */
    const char *reason; /* inconclusive: why; else NULL */
    const char *const *notes;
    size_t nnotes;
    const char *group; /* the rule group of an alert from a rule file, or NULL */
};

#endif
