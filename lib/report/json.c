/*
 * The JSON report (schema in the README):
 * {"time", "status", "results": [...], "alerts": [...], "warnings": [...]}.
 * Numbers that are not numbers (no ratio for a window) are null.
 */
#include "report/report.h"

static void key(strbuf *sb, const char *k)
{
    report_json_string(sb, k);
    strbuf_putc(sb, ':');
}

static void str_or_null(strbuf *sb, const char *s)
{
    if (s)
        report_json_string(sb, s);
    else
        strbuf_puts(sb, "null");
}

static void strings(strbuf *sb, const char *const *items, size_t n)
{
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) strbuf_putc(sb, ',');
        report_json_string(sb, items[i]);
    }
    strbuf_putc(sb, ']');
}

static void slo_result(strbuf *sb, const sloeval_check_slo_result *s)
{
    strbuf_putc(sb, '{');
    key(sb, "slo");
    report_json_string(sb, s->slo);
    strbuf_putc(sb, ',');
    key(sb, "scope");
    report_json_string(sb, s->scope);
    strbuf_putc(sb, ',');
    key(sb, "objective");
    report_json_number(sb, s->objective);
    strbuf_putc(sb, ',');
    key(sb, "status");
    report_json_string(sb, sloeval_check_status_name(s->status));
    strbuf_putc(sb, ',');
    key(sb, "severity");
    str_or_null(sb, s->severity);
    strbuf_putc(sb, ',');
    key(sb, "windows");
    strbuf_putc(sb, '{');
    for (size_t w = 0; w < s->nwindows; w++) {
        const sloeval_check_window *win = &s->windows[w];
        if (w) strbuf_putc(sb, ',');
        key(sb, win->window);
        strbuf_putc(sb, '{');
        key(sb, "error_ratio");
        report_json_number(sb, win->error_ratio);
        strbuf_putc(sb, ',');
        key(sb, "burn_rate");
        report_json_number(sb, win->burn_rate);
        strbuf_putc(sb, ',');
        key(sb, "errors");
        report_json_number(sb, win->errors);
        strbuf_putc(sb, ',');
        key(sb, "total");
        report_json_number(sb, win->total);
        strbuf_putc(sb, ',');
        key(sb, "reason");
        str_or_null(sb, win->reason);
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "},");
    key(sb, "budget_remaining");
    report_json_number(sb, s->budget_remaining);
    strbuf_putc(sb, ',');
    key(sb, "budget_coverage");
    report_json_number(sb, s->budget_coverage);
    strbuf_putc(sb, ',');
    key(sb, "budget_reason");
    str_or_null(sb, s->budget_reason);
    strbuf_putc(sb, ',');
    key(sb, "gate");
    strbuf_putc(sb, '{');
    key(sb, "failed");
    strbuf_puts(sb, s->gate_failed ? "true" : "false");
    strbuf_putc(sb, ',');
    key(sb, "rule");
    str_or_null(sb, s->gate_failed ? s->gate_rule : NULL);
    strbuf_putc(sb, ',');
    key(sb, "budget_below");
    report_json_number(sb, s->gate_budget_below);
    strbuf_puts(sb, "},");
    key(sb, "alerts");
    strbuf_putc(sb, '[');
    for (size_t k = 0; k < s->nrules; k++) {
        const sloeval_check_rule *r = &s->rules[k];
        if (k) strbuf_putc(sb, ',');
        strbuf_putc(sb, '{');
        key(sb, "severity");
        report_json_string(sb, r->severity);
        strbuf_putc(sb, ',');
        key(sb, "long");
        report_json_string(sb, r->long_window);
        strbuf_putc(sb, ',');
        key(sb, "short");
        report_json_string(sb, r->short_window);
        strbuf_putc(sb, ',');
        key(sb, "factor");
        report_json_number(sb, r->factor);
        strbuf_putc(sb, ',');
        key(sb, "firing");
        strbuf_puts(sb, r->state == SLOEVAL_CHECK_RULE_FIRING ? "true" : "false");
        strbuf_putc(sb, ',');
        key(sb, "state");
        report_json_string(sb, sloeval_check_rule_state_name(r->state));
        strbuf_putc(sb, ',');
        key(sb, "burn_long");
        report_json_number(sb, r->burn_long);
        strbuf_putc(sb, ',');
        key(sb, "burn_short");
        report_json_number(sb, r->burn_short);
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "],");
    key(sb, "reason");
    str_or_null(sb, s->reason);
    strbuf_putc(sb, ',');
    key(sb, "notes");
    strings(sb, s->notes, s->nnotes);
    strbuf_putc(sb, '}');
}

static void alert_result(strbuf *sb, const sloeval_check_alert_result *a)
{
    strbuf_putc(sb, '{');
    key(sb, "name");
    report_json_string(sb, a->name);
    strbuf_putc(sb, ',');
    key(sb, "scope");
    report_json_string(sb, a->scope);
    strbuf_putc(sb, ',');
    if (a->group) {
        key(sb, "group");
        report_json_string(sb, a->group);
        strbuf_putc(sb, ',');
    }
    key(sb, "status");
    report_json_string(sb, sloeval_check_status_name(a->status));
    strbuf_putc(sb, ',');
    key(sb, "firing");
    strbuf_puts(sb, a->firing ? "true" : "false");
    strbuf_putc(sb, ',');
    key(sb, "series");
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < a->nseries; i++) {
        const sloeval_check_series *s = &a->series[i];
        if (i) strbuf_putc(sb, ',');
        strbuf_putc(sb, '{');
        for (size_t k = 0; k < s->nlabels; k++) {
            if (k) strbuf_putc(sb, ',');
            key(sb, s->labels[k].name);
            report_json_string(sb, s->labels[k].value);
        }
        strbuf_putc(sb, '}');
    }
    strbuf_puts(sb, "],");
    key(sb, "pending");
    strbuf_printf(sb, "%zu,", a->npending);
    key(sb, "reason");
    str_or_null(sb, a->reason);
    strbuf_putc(sb, ',');
    key(sb, "notes");
    strings(sb, a->notes, a->nnotes);
    strbuf_putc(sb, '}');
}

void report_json(strbuf *sb, const sloeval_check_report *r)
{
    strbuf_putc(sb, '{');
    key(sb, "time");
    report_unix_seconds(sb, sloeval_check_report_time_ms(r));
    strbuf_putc(sb, ',');
    key(sb, "status");
    report_json_string(sb, sloeval_check_status_name(sloeval_check_report_status(r)));
    strbuf_puts(sb, ",\n");
    key(sb, "results");
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < sloeval_check_report_slo_count(r); i++) {
        strbuf_puts(sb, i ? ",\n " : "\n ");
        slo_result(sb, sloeval_check_report_slo(r, i));
    }
    strbuf_puts(sb, "],\n");
    key(sb, "alerts");
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < sloeval_check_report_alert_count(r); i++) {
        strbuf_puts(sb, i ? ",\n " : "\n ");
        alert_result(sb, sloeval_check_report_alert(r, i));
    }
    strbuf_puts(sb, "],\n");
    key(sb, "warnings");
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < sloeval_check_report_warning_count(r); i++) {
        if (i) strbuf_putc(sb, ',');
        report_json_string(sb, sloeval_check_report_warning(r, i));
    }
    strbuf_puts(sb, "]}\n");
}
