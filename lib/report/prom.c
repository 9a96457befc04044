/*
 * The Prometheus text exposition of a report, for node_exporter's textfile
 * collector (every metric a gauge, with HELP and TYPE; what has no number
 * is left out rather than written as 0, so nothing missing reads as fine):
 *
 *   sloeval_slo_burn_rate{slo,scope,window}
 *   sloeval_slo_error_ratio{slo,scope,window}
 *   sloeval_slo_error_budget_remaining{slo,scope}
 *   sloeval_slo_budget_coverage{slo,scope}
 *   sloeval_slo_objective_ratio{slo,scope}
 *   sloeval_slo_status{slo,scope}                 0 ok, 1 firing, 3 inconclusive
 *   sloeval_slo_gate_failed{slo,scope[,rule]}     1 (with the rule that decided) or 0
 *   sloeval_slo_alert_firing{slo,scope,severity,long,short}   1 or 0
 *   sloeval_alert_firing{alert,scope[,group]}     1 or 0
 *   sloeval_alert_firing_series{alert,scope[,group]}
 *   sloeval_alert_status{alert,scope[,group]}     0 ok, 1 firing, 3 inconclusive
 *   sloeval_check_status                          0 ok, 1 firing, 3 inconclusive
 *   sloeval_check_evaluation_timestamp_seconds    T
 *   sloeval_check_last_run_timestamp_seconds      when the check ran
 *   sloeval_check_duration_seconds
 */
#include <stdbool.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>

#include "report/report.h"

static void family(strbuf *sb, const char *name, const char *help)
{
    strbuf_printf(sb, "# HELP %s %s\n# TYPE %s gauge\n", name, help, name);
}

static void label(strbuf *sb, bool *first, const char *name, const char *value)
{
    strbuf_printf(sb, "%s%s=\"", *first ? "{" : ",", name);
    report_prom_label_value(sb, value);
    strbuf_putc(sb, '"');
    *first = false;
}

static void slo_labels(strbuf *sb, const sloeval_check_slo_result *s, bool *first)
{
    label(sb, first, "slo", s->slo);
    label(sb, first, "scope", s->scope);
}

static void end_sample(strbuf *sb, bool first, double v)
{
    strbuf_puts(sb, first ? " " : "} ");
    report_prom_number(sb, v);
    strbuf_putc(sb, '\n');
}

/* Alerts of one name, group and scope (a rule file may repeat a name): one
 * series each, firing if any fires, the worst status. */
typedef struct alert_key {
    const char *name, *group, *scope;
    bool firing;
    size_t nseries;
    sloeval_check_status status;
} alert_key;

static int rank(sloeval_check_status s)
{
    return s == SLOEVAL_CHECK_FIRING ? 2 : s == SLOEVAL_CHECK_INCONCLUSIVE ? 1 : 0;
}

static bool same(const char *a, const char *b)
{
    return (!a && !b) || (a && b && !strcmp(a, b));
}

static void alert_labels(strbuf *sb, const alert_key *k, bool *first)
{
    label(sb, first, "alert", k->name);
    label(sb, first, "scope", k->scope);
    if (k->group) label(sb, first, "group", k->group);
}

void report_prom(strbuf *sb, const sloeval_check_report *r, int64_t last_run_ms)
{
    size_t ns = sloeval_check_report_slo_count(r), na = sloeval_check_report_alert_count(r);
    bool first;

    family(sb, "sloeval_slo_burn_rate",
           "Error ratio over the window divided by the error budget (1 - objective).");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        for (size_t w = 0; w < s->nwindows; w++) {
            if (s->windows[w].reason) continue;
            strbuf_puts(sb, "sloeval_slo_burn_rate");
            first = true;
            slo_labels(sb, s, &first);
            label(sb, &first, "window", s->windows[w].window);
            end_sample(sb, first, s->windows[w].burn_rate);
        }
    }
    family(sb, "sloeval_slo_error_ratio", "Share of the requests over the window that failed.");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        for (size_t w = 0; w < s->nwindows; w++) {
            if (s->windows[w].reason) continue;
            strbuf_puts(sb, "sloeval_slo_error_ratio");
            first = true;
            slo_labels(sb, s, &first);
            label(sb, &first, "window", s->windows[w].window);
            end_sample(sb, first, s->windows[w].error_ratio);
        }
    }
    family(sb, "sloeval_slo_error_budget_remaining",
           "Share of the error budget left over the SLO period (below 0 when overspent).");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (s->budget_reason) continue;
        strbuf_puts(sb, "sloeval_slo_error_budget_remaining");
        first = true;
        slo_labels(sb, s, &first);
        end_sample(sb, first, s->budget_remaining);
    }
    family(sb, "sloeval_slo_budget_coverage",
           "Share of the SLO period the data covers (below 1: the budget is partial).");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (isnan(s->budget_coverage)) continue;
        strbuf_puts(sb, "sloeval_slo_budget_coverage");
        first = true;
        slo_labels(sb, s, &first);
        end_sample(sb, first, s->budget_coverage);
    }
    family(sb, "sloeval_slo_objective_ratio", "The SLO's objective as a ratio (0.999 for 99.9%).");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        strbuf_puts(sb, "sloeval_slo_objective_ratio");
        first = true;
        slo_labels(sb, s, &first);
        end_sample(sb, first, s->objective);
    }
    family(sb, "sloeval_slo_gate_failed",
           "Whether the SLO in the scope fails the error-budget gate, with the rule that decided.");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        strbuf_puts(sb, "sloeval_slo_gate_failed");
        first = true;
        slo_labels(sb, s, &first);
        if (s->gate_failed && s->gate_rule) label(sb, &first, "rule", s->gate_rule);
        end_sample(sb, first, s->gate_failed ? 1 : 0);
    }
    family(sb, "sloeval_slo_status",
           "Decision for the SLO in the scope: 0 ok, 1 firing, 3 inconclusive.");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        strbuf_puts(sb, "sloeval_slo_status");
        first = true;
        slo_labels(sb, s, &first);
        end_sample(sb, first, sloeval_check_status_exit_code(s->status));
    }
    family(sb, "sloeval_slo_alert_firing",
           "1 when the burn rate is above the factor over both windows of the rule, else 0 "
           "(absent when it cannot be told).");
    for (size_t i = 0; i < ns; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        for (size_t k = 0; k < s->nrules; k++) {
            const sloeval_check_rule *ru = &s->rules[k];
            if (ru->state == SLOEVAL_CHECK_RULE_INCONCLUSIVE ||
                ru->state == SLOEVAL_CHECK_RULE_DISABLED)
                continue;
            strbuf_puts(sb, "sloeval_slo_alert_firing");
            first = true;
            slo_labels(sb, s, &first);
            label(sb, &first, "severity", ru->severity);
            label(sb, &first, "long", ru->long_window);
            label(sb, &first, "short", ru->short_window);
            end_sample(sb, first, ru->state == SLOEVAL_CHECK_RULE_FIRING ? 1 : 0);
        }
    }

    alert_key *keys = calloc(na ? na : 1, sizeof(*keys));
    if (!keys) {
        sb->failed = 1;
        return;
    }
    size_t nk = 0;
    for (size_t i = 0; i < na; i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(r, i);
        alert_key *k = NULL;
        for (size_t j = 0; j < nk && !k; j++)
            if (!strcmp(keys[j].name, a->name) && same(keys[j].group, a->group) &&
                !strcmp(keys[j].scope, a->scope))
                k = &keys[j];
        if (!k) {
            k = &keys[nk++];
            *k = (alert_key){a->name, a->group, a->scope, false, 0, SLOEVAL_CHECK_OK};
        }
        k->firing |= a->firing != 0;
        k->nseries += a->nseries;
        if (rank(a->status) > rank(k->status)) k->status = a->status;
    }
    family(sb, "sloeval_alert_firing",
           "1 when the alert's expression returned series (for its whole `for`), else 0 (absent "
           "when it cannot be told).");
    for (size_t i = 0; i < nk; i++) {
        if (keys[i].status == SLOEVAL_CHECK_INCONCLUSIVE) continue;
        strbuf_puts(sb, "sloeval_alert_firing");
        first = true;
        alert_labels(sb, &keys[i], &first);
        end_sample(sb, first, keys[i].firing ? 1 : 0);
    }
    family(sb, "sloeval_alert_firing_series", "Series the alert fires for.");
    for (size_t i = 0; i < nk; i++) {
        if (keys[i].status == SLOEVAL_CHECK_INCONCLUSIVE) continue;
        strbuf_puts(sb, "sloeval_alert_firing_series");
        first = true;
        alert_labels(sb, &keys[i], &first);
        end_sample(sb, first, (double)keys[i].nseries);
    }
    family(sb, "sloeval_alert_status",
           "Decision for the alert in the scope: 0 ok, 1 firing, 3 inconclusive.");
    for (size_t i = 0; i < nk; i++) {
        strbuf_puts(sb, "sloeval_alert_status");
        first = true;
        alert_labels(sb, &keys[i], &first);
        end_sample(sb, first, sloeval_check_status_exit_code(keys[i].status));
    }
    free(keys);

    family(sb, "sloeval_check_status",
           "Outcome of the whole check: 0 ok, 1 firing, 3 inconclusive (the exit code).");
    strbuf_puts(sb, "sloeval_check_status ");
    report_prom_number(sb, sloeval_check_status_exit_code(sloeval_check_report_status(r)));
    strbuf_putc(sb, '\n');
    family(sb, "sloeval_check_evaluation_timestamp_seconds",
           "The time the check evaluated the SLOs and alerts at.");
    strbuf_puts(sb, "sloeval_check_evaluation_timestamp_seconds ");
    report_unix_seconds(sb, sloeval_check_report_time_ms(r));
    strbuf_putc(sb, '\n');
    family(sb, "sloeval_check_last_run_timestamp_seconds", "When the check ran (wall clock).");
    strbuf_puts(sb, "sloeval_check_last_run_timestamp_seconds ");
    report_unix_seconds(sb, last_run_ms);
    strbuf_putc(sb, '\n');
    family(sb, "sloeval_check_duration_seconds", "How long the check took.");
    strbuf_puts(sb, "sloeval_check_duration_seconds ");
    report_prom_number(sb, sloeval_check_report_duration_seconds(r));
    strbuf_putc(sb, '\n');
}
