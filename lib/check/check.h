/*
 * The SLO checker (internal): the report behind sloeval_check_report, and
 * the decisions made from query answers. check.c plans and runs the
 * queries (lib/plan/plan.h) and hands every answer to decide.c, which
 * knows nothing of backends: it turns answers into numbers (or reasons),
 * numbers into policy decisions, and range answers into alert states.
 * The decisions are pure functions of their inputs, tested on their own.
 */
#ifndef SLOEVAL_CHECK_CHECK_H
#define SLOEVAL_CHECK_CHECK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "check/results.h"
#include "sloeval/check.h"
#include "slo/config.h"
#include "source/source.h"
#include "util/arena.h"

struct sloeval_check_report {
    arena arena; /* everything below */
    int64_t time_ms;
    int64_t end_wall_ms; /* wall clock at the end of the run */
    double duration_seconds;
    sloeval_check_status status;
    sloeval_check_slo_result *slos;
    size_t nslos, capslos;
    sloeval_check_alert_result *alerts;
    size_t nalerts, capalerts;
    const char **warnings;
    size_t nwarnings, capwarnings;
    const char *explain;
};

/* A new empty report (calloc + arena); NULL when out of memory. */
sloeval_check_report *check_report_new(void);

/* Add a warning (copied) unless the same text is there; 0 or -1 (memory). */
int check_report_warn(sloeval_check_report *r, const char *text);

/* The run's status from its results (firing > inconclusive > ok). */
sloeval_check_status check_report_summarise(const sloeval_check_report *r);

/* One query's outcome, as the planner reports it. */
typedef struct check_answer {
    int code;                  /* 0, or the query's error code (SLOEVAL_E*) */
    const char *error;         /* the one-line message when code != 0 */
    const value *value;        /* when code == 0 */
    const source_notes *notes; /* warnings and infos of the requests, or NULL */
} check_answer;

/* Which query of an SLI an answer is for (names it in reasons). */
typedef enum check_sli_query {
    CHECK_Q_ERRORS = 0,
    CHECK_Q_TOTAL,
    CHECK_Q_RATIO,
} check_sli_query;

/* "error_query", "total_query", "error_ratio_query". */
const char *check_sli_query_name(check_sli_query q);

/*
 * The number an SLI query answered: a scalar, or the value of a vector's
 * only element. Otherwise the reason: no series (SLO_REASON_NO_DATA), more
 * than one (SLO_REASON_MANY_SERIES), a failed query (BACKEND_ERROR, or
 * PARTIAL for SLOEVAL_EPARTIAL), NaN or Inf. When there is a reason, a
 * one-line detail is written to *detail (allocated in `a`): "error_query
 * returned 3 series (it must return one: aggregate it with sum)", or the
 * backend's message.
 */
slo_measure check_measure(const check_answer *ans, check_sli_query q, const char **detail,
                          arena *a);

/* The answers of one SLO in one scope, for decide_slo. */
typedef struct check_slo_answers {
    size_t nwindows;         /* the policy's windows, then the period */
    const int64_t *windows;  /* nwindows; the last one is the period */
    const check_answer *err; /* events SLI: nwindows each */
    const check_answer *tot;
    const check_answer *ratio; /* ratio SLI: nwindows */
} check_slo_answers;

/* The share of the period (0..1) the data covers, from the answer of the
 * coverage query (the earliest sample time, unix seconds) at t: NaN when
 * the query failed or found no sample. */
void check_set_coverage(sloeval_check_slo_result *out, const check_answer *earliest, int64_t t);

/*
 * Decide one SLO in one scope: error ratio and burn rate per window,
 * budget remaining over the period, every policy rule, the status and
 * the reason; notes for error queries without series counted as zero
 * and for server warnings. out->slo, scope, region and slo_index are
 * left to the caller; everything else is filled, in `a`.
 * Returns 0, SLOEVAL_EINVAL (answers do not match the policy) or
 * SLOEVAL_ENOMEM.
 */
int check_decide_slo(sloeval_check_slo_result *out, arena *a, const slo_def *slo,
                     const slo_policy *policy, slo_empty_errors empty_errors,
                     const check_slo_answers *ans, sloeval_error *err);

/*
 * The error-budget gate: mark every SLO result that fails it (a rule of a
 * failing severity fires, or the budget remaining is below the threshold
 * in force: the SLO's gate.budget_below, else the option, else the
 * config's gate.budget_below), with the rule that decided.
 */
void check_gate_apply(sloeval_check_report *rep, const slo_config *cfg,
                      const sloeval_check_options *o);

/*
 * The evaluation times of an alert at T: its expression is evaluated at
 * T - query_offset, and with `for` (or keep_firing_for) at every step
 * back from there to the first step at or before T - for - keep_firing_for.
 * *nsteps is 1 for an alert without either (an instant query at *end).
 */
void check_alert_steps(const slo_alert *alert, int64_t t, int64_t *start, int64_t *end,
                       int64_t *step, size_t *nsteps);

/*
 * Decide an alert in one scope from its answer: an instant vector or
 * scalar (nsteps == 1), or a range query's matrix over [start, end] every
 * step. Prometheus's alerting-rule semantics without stored state: a
 * series fires when it was returned at every step of the last `for`
 * (ceil(for / step) steps back), or did so at a step no more than
 * keep_firing_for ago; series returned at `end` that do not fire are
 * pending. A scalar counts as one series without labels. A failed query
 * makes the alert inconclusive. out->name, scope, region, alert_index are
 * left to the caller. Returns 0 or SLOEVAL_ENOMEM.
 */
int check_decide_alert(sloeval_check_alert_result *out, arena *a, const slo_alert *alert,
                       const check_answer *ans, int64_t start, int64_t end, int64_t step,
                       sloeval_error *err);

/* Prometheus's duration text of ms ("5m", "1h30m") as an arena string. */
const char *check_duration_name(arena *a, int64_t ms);

#endif
