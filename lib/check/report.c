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
        if (r->slos[i].status == SLOEVAL_CHECK_FIRING) return SLOEVAL_CHECK_FIRING;
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
    case SLOEVAL_CHECK_OK: return 0;
    case SLOEVAL_CHECK_FIRING: return 1;
    case SLOEVAL_CHECK_INCONCLUSIVE: return 3;
    }
    return 3;
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
