/* The check report: construction helpers and the public getters. */
#include <stdlib.h>
#include <string.h>

#include "check/check.h"

sloeval_check_report *check_report_new(void)
{
    sloeval_check_report *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    arena_init(&r->arena, 0);
    r->explain = "";
    return r;
}

int check_report_warn(sloeval_check_report *r, const char *text)
{
    for (size_t i = 0; i < r->nwarnings; i++)
        if (!strcmp(r->warnings[i], text)) return 0;
    if (arena_grow(&r->arena, (void **)&r->warnings, &r->capwarnings, r->nwarnings + 1,
                   sizeof(*r->warnings)))
        return -1;
    const char *copy = arena_strdup(&r->arena, text);
    if (!copy) return -1;
    r->warnings[r->nwarnings++] = copy;
    return 0;
}

sloeval_check_status check_report_summarise(const sloeval_check_report *r)
{
    bool inconclusive = false;
    for (size_t i = 0; i < r->nslos; i++) {
        if (r->slos[i].gate_failed) return SLOEVAL_CHECK_FIRING;
        if (r->slos[i].status == SLOEVAL_CHECK_INCONCLUSIVE) inconclusive = true;
    }
    for (size_t i = 0; i < r->nalerts; i++) {
        if (r->alerts[i].status == SLOEVAL_CHECK_FIRING) return SLOEVAL_CHECK_FIRING;
        if (r->alerts[i].status == SLOEVAL_CHECK_INCONCLUSIVE) inconclusive = true;
    }
    return inconclusive ? SLOEVAL_CHECK_INCONCLUSIVE : SLOEVAL_CHECK_OK;
}

const char *sloeval_check_status_name(sloeval_check_status status)
{
    switch (status) {
    case SLOEVAL_CHECK_OK: return "ok";
    case SLOEVAL_CHECK_FIRING: return "firing";
    case SLOEVAL_CHECK_INCONCLUSIVE: return "inconclusive";
    }
    return "unknown";
}

int sloeval_check_status_exit_code(sloeval_check_status status)
{
    switch (status) {
    case SLOEVAL_CHECK_OK:
    case SLOEVAL_CHECK_FIRING:
    case SLOEVAL_CHECK_INCONCLUSIVE: return (int)status;
    }
    return SLOEVAL_CHECK_INCONCLUSIVE; /* fail closed */
}

const char *sloeval_check_rule_state_name(sloeval_check_rule_state state)
{
    switch (state) {
    case SLOEVAL_CHECK_RULE_QUIET: return "quiet";
    case SLOEVAL_CHECK_RULE_FIRING: return "firing";
    case SLOEVAL_CHECK_RULE_INCONCLUSIVE: return "inconclusive";
    case SLOEVAL_CHECK_RULE_DISABLED: return "disabled";
    }
    return "unknown";
}

void sloeval_check_report_free(sloeval_check_report *report)
{
    if (!report) return;
    arena_free(&report->arena);
    free(report);
}

sloeval_check_status sloeval_check_report_status(const sloeval_check_report *report)
{
    return report->status;
}

int64_t sloeval_check_report_time_ms(const sloeval_check_report *report)
{
    return report->time_ms;
}

double sloeval_check_report_duration_seconds(const sloeval_check_report *report)
{
    return report->duration_seconds;
}

size_t sloeval_check_report_slo_count(const sloeval_check_report *report)
{
    return report->nslos;
}

const sloeval_check_slo_result *sloeval_check_report_slo(const sloeval_check_report *report,
                                                         size_t i)
{
    return i < report->nslos ? &report->slos[i] : NULL;
}

size_t sloeval_check_report_alert_count(const sloeval_check_report *report)
{
    return report->nalerts;
}

const sloeval_check_alert_result *sloeval_check_report_alert(const sloeval_check_report *report,
                                                             size_t i)
{
    return i < report->nalerts ? &report->alerts[i] : NULL;
}

size_t sloeval_check_report_warning_count(const sloeval_check_report *report)
{
    return report->nwarnings;
}

const char *sloeval_check_report_warning(const sloeval_check_report *report, size_t i)
{
    return i < report->nwarnings ? report->warnings[i] : NULL;
}

const char *sloeval_check_report_explain(const sloeval_check_report *report)
{
    return report->explain ? report->explain : "";
}

/* ---- an SLO in a scope ------------------------------------------------------ */

const char *sloeval_check_slo_id(const sloeval_check_slo_result *r)
{
    return r->slo;
}
const char *sloeval_check_slo_scope(const sloeval_check_slo_result *r)
{
    return r->scope;
}
const char *sloeval_check_slo_region(const sloeval_check_slo_result *r)
{
    return r->region;
}
size_t sloeval_check_slo_index(const sloeval_check_slo_result *r)
{
    return r->slo_index;
}
double sloeval_check_slo_objective(const sloeval_check_slo_result *r)
{
    return r->objective;
}
sloeval_check_status sloeval_check_slo_status(const sloeval_check_slo_result *r)
{
    return r->status;
}
const char *sloeval_check_slo_severity(const sloeval_check_slo_result *r)
{
    return r->severity;
}
const char *sloeval_check_slo_reason(const sloeval_check_slo_result *r)
{
    return r->reason;
}
double sloeval_check_slo_budget_remaining(const sloeval_check_slo_result *r)
{
    return r->budget_remaining;
}
double sloeval_check_slo_budget_coverage(const sloeval_check_slo_result *r)
{
    return r->budget_coverage;
}
const char *sloeval_check_slo_budget_reason(const sloeval_check_slo_result *r)
{
    return r->budget_reason;
}
bool sloeval_check_slo_gate_failed(const sloeval_check_slo_result *r)
{
    return r->gate_failed;
}
const char *sloeval_check_slo_gate_rule(const sloeval_check_slo_result *r)
{
    return r->gate_failed ? r->gate_rule : NULL;
}
double sloeval_check_slo_gate_budget_below(const sloeval_check_slo_result *r)
{
    return r->gate_budget_below;
}
int64_t sloeval_check_slo_period_ms(const sloeval_check_slo_result *r)
{
    return r->period_ms;
}
size_t sloeval_check_slo_window_count(const sloeval_check_slo_result *r)
{
    return r->nwindows;
}
const sloeval_check_window *sloeval_check_slo_window(const sloeval_check_slo_result *r, size_t i)
{
    return i < r->nwindows ? &r->windows[i] : NULL;
}
size_t sloeval_check_slo_rule_count(const sloeval_check_slo_result *r)
{
    return r->nrules;
}
const sloeval_check_rule *sloeval_check_slo_rule(const sloeval_check_slo_result *r, size_t i)
{
    return i < r->nrules ? &r->rules[i] : NULL;
}
size_t sloeval_check_slo_note_count(const sloeval_check_slo_result *r)
{
    return r->nnotes;
}
const char *sloeval_check_slo_note(const sloeval_check_slo_result *r, size_t i)
{
    return i < r->nnotes ? r->notes[i] : NULL;
}

int64_t sloeval_check_window_ms(const sloeval_check_window *w)
{
    return w->window_ms;
}
const char *sloeval_check_window_name(const sloeval_check_window *w)
{
    return w->window;
}
const char *sloeval_check_window_reason(const sloeval_check_window *w)
{
    return w->reason;
}
double sloeval_check_window_error_ratio(const sloeval_check_window *w)
{
    return w->error_ratio;
}
double sloeval_check_window_burn_rate(const sloeval_check_window *w)
{
    return w->burn_rate;
}
double sloeval_check_window_errors(const sloeval_check_window *w)
{
    return w->errors;
}
double sloeval_check_window_total(const sloeval_check_window *w)
{
    return w->total;
}

const char *sloeval_check_rule_severity(const sloeval_check_rule *r)
{
    return r->severity;
}
int64_t sloeval_check_rule_long_ms(const sloeval_check_rule *r)
{
    return r->long_ms;
}
int64_t sloeval_check_rule_short_ms(const sloeval_check_rule *r)
{
    return r->short_ms;
}
const char *sloeval_check_rule_long_window(const sloeval_check_rule *r)
{
    return r->long_window;
}
const char *sloeval_check_rule_short_window(const sloeval_check_rule *r)
{
    return r->short_window;
}
double sloeval_check_rule_factor(const sloeval_check_rule *r)
{
    return r->factor;
}
sloeval_check_rule_state sloeval_check_rule_state_of(const sloeval_check_rule *r)
{
    return r->state;
}
double sloeval_check_rule_burn_long(const sloeval_check_rule *r)
{
    return r->burn_long;
}
double sloeval_check_rule_burn_short(const sloeval_check_rule *r)
{
    return r->burn_short;
}

/* ---- an alert in a scope ----------------------------------------------------- */

const char *sloeval_check_alert_name(const sloeval_check_alert_result *a)
{
    return a->name;
}
const char *sloeval_check_alert_scope(const sloeval_check_alert_result *a)
{
    return a->scope;
}
const char *sloeval_check_alert_region(const sloeval_check_alert_result *a)
{
    return a->region;
}
size_t sloeval_check_alert_index(const sloeval_check_alert_result *a)
{
    return a->alert_index;
}
sloeval_check_status sloeval_check_alert_status(const sloeval_check_alert_result *a)
{
    return a->status;
}
bool sloeval_check_alert_firing(const sloeval_check_alert_result *a)
{
    return a->firing;
}
size_t sloeval_check_alert_series_count(const sloeval_check_alert_result *a)
{
    return a->nseries;
}
const sloeval_check_series *sloeval_check_alert_series(const sloeval_check_alert_result *a,
                                                       size_t i)
{
    return i < a->nseries ? &a->series[i] : NULL;
}
size_t sloeval_check_alert_pending_count(const sloeval_check_alert_result *a)
{
    return a->npending;
}
const char *sloeval_check_alert_reason(const sloeval_check_alert_result *a)
{
    return a->reason;
}
size_t sloeval_check_alert_note_count(const sloeval_check_alert_result *a)
{
    return a->nnotes;
}
const char *sloeval_check_alert_note(const sloeval_check_alert_result *a, size_t i)
{
    return i < a->nnotes ? a->notes[i] : NULL;
}
const char *sloeval_check_alert_group(const sloeval_check_alert_result *a)
{
    return a->group;
}

size_t sloeval_check_series_label_count(const sloeval_check_series *s)
{
    return s->nlabels;
}
const sloeval_label *sloeval_check_series_label(const sloeval_check_series *s, size_t i)
{
    return i < s->nlabels ? &s->labels[i] : NULL;
}
