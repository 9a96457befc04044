/*
 * The JUnit XML report: a testsuite "slo" with a testcase per SLO and
 * scope, a testsuite "alert" with a testcase per alert and scope. Firing
 * is a <failure>, inconclusive an <error>; the message says why, the body
 * gives the numbers.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report/report.h"
#include "util/text.h"

static void attr(strbuf *sb, const char *name, const char *value)
{
    strbuf_printf(sb, " %s=\"", name);
    report_xml_text(sb, value);
    strbuf_putc(sb, '"');
}

static void num(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "-");
    else
        text_format_float(buf, size, v, 'g', 4);
}

/* `<testcase name="<what> [<scope>]" classname="<kind>.<what>" time="0"`,
 * left open for the caller to close. */
static void testcase_open(strbuf *sb, const char *kind, const char *what, const char *scope)
{
    char name[512], cls[512];
    snprintf(name, sizeof(name), "%s [%s]", what, scope);
    snprintf(cls, sizeof(cls), "%s.%s", kind, what);
    strbuf_puts(sb, "    <testcase");
    attr(sb, "name", name);
    attr(sb, "classname", cls);
    strbuf_puts(sb, " time=\"0\"");
}

static void slo_case(strbuf *sb, const sloeval_check_slo_result *s)
{
    testcase_open(sb, "slo", s->slo, s->scope);
    /* the numbers, for every outcome */
    strbuf body = STRBUF_INIT;
    for (size_t w = 0; w < s->nwindows; w++) {
        char b[64], e[64];
        num(b, sizeof(b), s->windows[w].burn_rate);
        num(e, sizeof(e), s->windows[w].error_ratio);
        strbuf_printf(&body, "%s: burn rate %s, error ratio %s%s%s\n", s->windows[w].window, b, e,
                      s->windows[w].reason ? ", " : "",
                      s->windows[w].reason ? s->windows[w].reason : "");
    }
    char br[64];
    num(br, sizeof(br), s->budget_remaining);
    strbuf_printf(&body, "budget remaining: %s\n", br);
    for (size_t k = 0; k < s->nnotes; k++)
        strbuf_printf(&body, "note: %s\n", s->notes[k]);
    if (body.failed) sb->failed = 1;

    /* a rule of a severity the gate does not fail on: passes, saying so */
    bool passes = !s->gate_failed && s->status != SLOEVAL_CHECK_INCONCLUSIVE;
    if (passes && s->status == SLOEVAL_CHECK_FIRING)
        strbuf_printf(&body, "firing: %s, not a severity the gate fails on (fail_on)\n",
                      s->severity ? s->severity : "?");
    if (passes) {
        strbuf_puts(sb, ">\n      <system-out>");
        report_xml_content(sb, strbuf_cstr(&body));
        strbuf_puts(sb, "</system-out>\n    </testcase>\n");
        strbuf_free(&body);
        return;
    }
    strbuf msg = STRBUF_INIT;
    bool budget_gate = s->gate_failed && s->gate_rule && strcmp(s->gate_rule, "fail_on") != 0;
    if (budget_gate) {
        char b[64], t[64];
        num(b, sizeof(b), s->budget_remaining * 100);
        text_format_float(t, sizeof(t), s->gate_budget_below, 'g', -1);
        strbuf_printf(&msg, "budget %s%% below %s%% (%s)", b, t, s->gate_rule);
    }
    if (s->status == SLOEVAL_CHECK_FIRING) {
        for (size_t k = 0; k < s->nrules; k++) {
            const sloeval_check_rule *r = &s->rules[k];
            if (r->state != SLOEVAL_CHECK_RULE_FIRING) continue;
            char bl[64], bs[64], f[64];
            num(bl, sizeof(bl), r->burn_long);
            num(bs, sizeof(bs), r->burn_short);
            text_format_float(f, sizeof(f), r->factor, 'g', 6);
            strbuf_printf(&msg, "%s%s: burn %s over %s and %s over %s, above %s",
                          msg.len ? "; " : "", r->severity, bl, r->long_window, bs, r->short_window,
                          f);
        }
    } else if (s->status == SLOEVAL_CHECK_INCONCLUSIVE) {
        strbuf_printf(&msg, "%s%s", msg.len ? "; " : "", s->reason ? s->reason : "inconclusive");
    }
    if (msg.failed) sb->failed = 1;
    const char *tag = s->gate_failed ? "failure" : "error";
    strbuf_printf(sb, ">\n      <%s", tag);
    attr(sb, "type",
         !s->gate_failed ? "inconclusive"
         : budget_gate   ? "budget"
                         : (s->gate_severity ? s->gate_severity : "firing"));
    attr(sb, "message", strbuf_cstr(&msg));
    strbuf_putc(sb, '>');
    report_xml_content(sb, strbuf_cstr(&body));
    strbuf_printf(sb, "</%s>\n    </testcase>\n", tag);
    strbuf_free(&msg);
    strbuf_free(&body);
}

static void alert_case(strbuf *sb, const sloeval_check_alert_result *a)
{
    testcase_open(sb, "alert", a->name, a->scope);
    if (a->status == SLOEVAL_CHECK_OK) {
        strbuf_puts(sb, "/>\n");
        return;
    }
    if (a->status == SLOEVAL_CHECK_INCONCLUSIVE) {
        strbuf_puts(sb, ">\n      <error type=\"inconclusive\"");
        attr(sb, "message", a->reason ? a->reason : "inconclusive");
        strbuf_puts(sb, "/>\n    </testcase>\n");
        return;
    }
    char msg[128];
    snprintf(msg, sizeof(msg), "%zu series firing", a->nseries);
    strbuf_puts(sb, ">\n      <failure type=\"firing\"");
    attr(sb, "message", msg);
    strbuf_putc(sb, '>');
    for (size_t i = 0; i < a->nseries; i++) {
        const sloeval_check_series *s = &a->series[i];
        strbuf_puts(sb, "{");
        for (size_t k = 0; k < s->nlabels; k++) {
            if (k) strbuf_puts(sb, ", ");
            report_xml_content(sb, s->labels[k].name);
            strbuf_puts(sb, "=\"");
            report_xml_text(sb, s->labels[k].value);
            strbuf_puts(sb, "\"");
        }
        strbuf_puts(sb, "}\n");
    }
    strbuf_puts(sb, "</failure>\n    </testcase>\n");
}

static void counts(size_t *fail, size_t *errs, sloeval_check_status s)
{
    if (s == SLOEVAL_CHECK_FIRING) (*fail)++;
    if (s == SLOEVAL_CHECK_INCONCLUSIVE) (*errs)++;
}

void report_junit(strbuf *sb, const sloeval_check_report *r)
{
    size_t ns = sloeval_check_report_slo_count(r), na = sloeval_check_report_alert_count(r);
    size_t sf = 0, se = 0, af = 0, ae = 0;
    for (size_t i = 0; i < ns; i++) {
        /* as slo_case writes it: the gate decides failures */
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (s->gate_failed)
            sf++;
        else if (s->status == SLOEVAL_CHECK_INCONCLUSIVE)
            se++;
    }
    for (size_t i = 0; i < na; i++)
        counts(&af, &ae, sloeval_check_report_alert(r, i)->status);
    /* the JUnit schema's timestamp: ISO 8601 without zone or fraction (UTC here) */
    strbuf ts = STRBUF_INIT;
    report_rfc3339(&ts, sloeval_check_report_time_ms(r));
    if (ts.failed) sb->failed = 1;
    if (ts.len > 19) ts.data[19] = '\0';
    char secs[TEXT_FLOAT_BUF];
    text_format_float(secs, sizeof(secs), sloeval_check_report_duration_seconds(r), 'f', 3);
    strbuf_puts(sb, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    strbuf_printf(sb,
                  "<testsuites name=\"sloeval check\" tests=\"%zu\" failures=\"%zu\" "
                  "errors=\"%zu\" time=\"%s\">\n",
                  ns + na, sf + af, se + ae, secs);
    strbuf_printf(sb,
                  "  <testsuite name=\"slo\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                  "skipped=\"0\" time=\"%s\" timestamp=\"%s\">\n",
                  ns, sf, se, secs, strbuf_cstr(&ts));
    for (size_t i = 0; i < ns; i++)
        slo_case(sb, sloeval_check_report_slo(r, i));
    strbuf_puts(sb, "  </testsuite>\n");
    strbuf_printf(sb,
                  "  <testsuite name=\"alert\" tests=\"%zu\" failures=\"%zu\" errors=\"%zu\" "
                  "skipped=\"0\" time=\"%s\" timestamp=\"%s\">\n",
                  na, af, ae, secs, strbuf_cstr(&ts));
    for (size_t i = 0; i < na; i++)
        alert_case(sb, sloeval_check_report_alert(r, i));
    strbuf_puts(sb, "  </testsuite>\n</testsuites>\n");
    strbuf_free(&ts);
}
