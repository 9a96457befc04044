/*
 * The text report: one table row per SLO and scope (burn rate per window,
 * budget left, status), the reasons behind every firing and inconclusive
 * row, notes, then the alerts and a summary line.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "report/report.h"
#include "util/error.h"
#include "util/text.h"

#define RED    "\033[1;31m"
#define YELLOW "\033[33m"
#define GREEN  "\033[32m"
#define BOLD   "\033[1m"
#define RESET  "\033[0m"

/* A table: rows of cells (arena-free: fixed buffers per cell). */
#define CELL 96

typedef struct table {
    size_t ncols;
    size_t nrows;
    char (*cells)[CELL]; /* nrows x ncols */
    const char **color;  /* per row: colour of the last cell, or NULL */
    bool *right;         /* per column: right-aligned */
    int failed;
} table;

static int table_init(table *t, size_t ncols, size_t nrows)
{
    memset(t, 0, sizeof(*t));
    t->ncols = ncols;
    t->cells = calloc(ncols * (nrows + 1), CELL);
    t->color = calloc(nrows + 1, sizeof(*t->color));
    t->right = calloc(ncols, sizeof(*t->right));
    if (!t->cells || !t->color || !t->right) return -1;
    return 0;
}

static void table_free(table *t)
{
    free(t->cells);
    free(t->color);
    free(t->right);
}

static char *cell(table *t, size_t row, size_t col)
{
    return t->cells[row * t->ncols + col];
}

/* Visible width of UTF-8 text (code points). */
static size_t width(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (((unsigned char)*s & 0xC0) != 0x80) w++;
    return w;
}

static void table_print(strbuf *sb, table *t, bool color)
{
    size_t *w = calloc(t->ncols, sizeof(*w));
    if (!w) {
        sb->failed = 1;
        return;
    }
    for (size_t r = 0; r < t->nrows; r++)
        for (size_t c = 0; c < t->ncols; c++) {
            size_t x = width(cell(t, r, c));
            if (x > w[c]) w[c] = x;
        }
    for (size_t r = 0; r < t->nrows; r++) {
        for (size_t c = 0; c < t->ncols; c++) {
            const char *s = cell(t, r, c);
            size_t pad = w[c] - width(s);
            bool last = c + 1 == t->ncols;
            if (c) strbuf_puts(sb, "  ");
            if (t->right[c])
                for (size_t i = 0; i < pad; i++)
                    strbuf_putc(sb, ' ');
            const char *col = last && color ? t->color[r] : NULL;
            if (r == 0 && color) col = BOLD;
            if (col) strbuf_puts(sb, col);
            report_utf8(sb, s);
            if (col) strbuf_puts(sb, RESET);
            if (!t->right[c] && !last)
                for (size_t i = 0; i < pad; i++)
                    strbuf_putc(sb, ' ');
        }
        strbuf_putc(sb, '\n');
    }
    free(w);
}

static void fmt_burn(char *buf, double v)
{
    if (isnan(v))
        snprintf(buf, CELL, "-");
    else
        text_format_float(buf, CELL, v, 'f', fabs(v) >= 1000 ? 0 : 2);
}

static void fmt_percent(char *buf, double ratio)
{
    if (isnan(ratio)) {
        snprintf(buf, CELL, "-");
        return;
    }
    double p = ratio * 100;
    /* as many decimals as the objective needs: 99.9%, 99.95%, 99% */
    char tmp[CELL];
    for (int d = 0; d <= 4; d++) {
        size_t n = text_format_float(tmp, sizeof(tmp), p, 'f', d);
        double back;
        if (text_parse_float(&back, tmp, n) == TEXT_OK && fabs(back - p) < 1e-9 * (fabs(p) + 1))
            break;
    }
    snprintf(buf, CELL, "%.40s%%", tmp);
}

static void fmt_budget(char *buf, double v)
{
    if (isnan(v)) {
        snprintf(buf, CELL, "-");
        return;
    }
    char tmp[CELL];
    text_format_float(tmp, sizeof(tmp), v * 100, 'f', 1);
    snprintf(buf, CELL, "%.40s%%", tmp);
}

/* The budget counts less than the period: the data starts later. */
static bool budget_partial(const sloeval_check_slo_result *s)
{
    return !isnan(s->budget_remaining) && !isnan(s->budget_coverage) && s->budget_coverage < 1;
}

/* A span of ms, rounded to its largest unit: 45m, 6h, 12d. */
static void fmt_span(char *buf, double ms)
{
    static const struct {
        double ms;
        const char *unit;
    } units[] = {{86400000.0, "d"}, {3600000.0, "h"}, {60000.0, "m"}, {1000.0, "s"}};
    size_t u = 0;
    while (u + 1 < sizeof(units) / sizeof(*units) && ms < (u == 0 ? 2 : 1) * units[u].ms)
        u++;
    snprintf(buf, CELL, "%lld%s", (long long)llround(ms / units[u].ms), units[u].unit);
}

static const char *status_color(sloeval_check_status s)
{
    switch (s) {
    case SLOEVAL_CHECK_FIRING: return RED;
    case SLOEVAL_CHECK_INCONCLUSIVE: return YELLOW;
    case SLOEVAL_CHECK_OK: return GREEN;
    }
    return NULL;
}

static const char *status_word(sloeval_check_status s)
{
    switch (s) {
    case SLOEVAL_CHECK_FIRING: return "FIRING";
    case SLOEVAL_CHECK_INCONCLUSIVE: return "INCONCLUSIVE";
    case SLOEVAL_CHECK_OK: return "ok";
    }
    return "?";
}

/*
 * Text a server may have chosen (warnings, reasons, label names) on one
 * line of a terminal: as report_utf8, but C0 and C1 control characters
 * and DEL, which could move the cursor, retitle or clear the terminal or
 * break the line, are shown as escapes (\x1b, \u009b) instead.
 */
static void put_term(strbuf *sb, const char *s)
{
    strbuf tmp = STRBUF_INIT;
    report_utf8(&tmp, s); /* invalid UTF-8 -> U+FFFD first */
    const unsigned char *p = (const unsigned char *)strbuf_cstr(&tmp);
    size_t n = tmp.len;
    for (size_t i = 0; i < n;) {
        uint32_t cp = p[i];
        size_t len = 1;
        if (cp >= 0x80 && (len = utf8_decode(p + i, n - i, &cp)) == 0) len = 1;
        if (cp < 0x20 || cp == 0x7f)
            strbuf_printf(sb, "\\x%02x", (unsigned)cp);
        else if (cp >= 0x80 && cp < 0xa0)
            strbuf_printf(sb, "\\u%04x", (unsigned)cp);
        else
            strbuf_append(sb, (const char *)p + i, len);
        i += len;
    }
    if (tmp.failed) sb->failed = 1;
    strbuf_free(&tmp);
}

static void put_colored(strbuf *sb, bool color, const char *col, const char *text)
{
    if (color && col) strbuf_puts(sb, col);
    strbuf_puts(sb, text);
    if (color && col) strbuf_puts(sb, RESET);
}

/* "INCONCLUSIVE <what> <scope>: <reason>" */
static void put_inconclusive(strbuf *sb, bool color, const char *what, const char *scope,
                             const char *reason)
{
    put_colored(sb, color, YELLOW, "INCONCLUSIVE");
    strbuf_printf(sb, " %s %s: ", what, scope);
    put_term(sb, reason ? reason : "?");
    strbuf_putc(sb, '\n');
}

/* "note <what> <scope>: <note>", one line a note */
static void put_notes(strbuf *sb, const char *what, const char *scope, const char *const *notes,
                      size_t n)
{
    for (size_t k = 0; k < n; k++) {
        strbuf_printf(sb, "note %s %s: ", what, scope);
        put_term(sb, notes[k]);
        strbuf_putc(sb, '\n');
    }
}

static void slo_table(strbuf *sb, const sloeval_check_report *r, bool color)
{
    size_t n = sloeval_check_report_slo_count(r);
    const sloeval_check_slo_result *first = sloeval_check_report_slo(r, 0);
    size_t nw = first->nwindows;
    size_t ncols = 3 + nw + 2;
    table t;
    if (table_init(&t, ncols, n + 1)) {
        table_free(&t);
        sb->failed = 1;
        return;
    }
    snprintf(cell(&t, 0, 0), CELL, "SLO");
    snprintf(cell(&t, 0, 1), CELL, "SCOPE");
    snprintf(cell(&t, 0, 2), CELL, "OBJECTIVE");
    t.right[2] = true;
    for (size_t w = 0; w < nw; w++) {
        snprintf(cell(&t, 0, 3 + w), CELL, "%s", first->windows[w].window);
        t.right[3 + w] = true;
    }
    char period[CELL];
    snprintf(period, sizeof(period), "BUDGET");
    snprintf(cell(&t, 0, 3 + nw), CELL, "%s", period);
    t.right[3 + nw] = true;
    snprintf(cell(&t, 0, 4 + nw), CELL, "STATUS");
    t.nrows = 1;
    for (size_t i = 0; i < n; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        size_t row = t.nrows++;
        snprintf(cell(&t, row, 0), CELL, "%s", s->slo);
        snprintf(cell(&t, row, 1), CELL, "%s", s->scope);
        fmt_percent(cell(&t, row, 2), s->objective);
        for (size_t w = 0; w < nw && w < s->nwindows; w++)
            fmt_burn(cell(&t, row, 3 + w), s->windows[w].burn_rate);
        fmt_budget(cell(&t, row, 3 + nw), s->budget_remaining);
        if (budget_partial(s)) {
            char *c = cell(&t, row, 3 + nw);
            size_t len = strlen(c);
            if (len + 1 < CELL) memcpy(c + len, "*", 2);
        }
        if (s->status == SLOEVAL_CHECK_FIRING && s->severity)
            snprintf(cell(&t, row, 4 + nw), CELL, "FIRING (%s)", s->severity);
        else
            snprintf(cell(&t, row, 4 + nw), CELL, "%s", status_word(s->status));
        t.color[row] = status_color(s->status);
    }
    table_print(sb, &t, color);
    table_free(&t);
    char pb[CELL] = "the period";
    if (first->period_ms > 0) {
        /* the period's name: every result has the same */
        int64_t ms = first->period_ms;
        if (ms % 86400000 == 0)
            snprintf(pb, sizeof(pb), "%lldd", (long long)(ms / 86400000));
        else if (ms % 3600000 == 0)
            snprintf(pb, sizeof(pb), "%lldh", (long long)(ms / 3600000));
        else
            snprintf(pb, sizeof(pb), "%llds", (long long)(ms / 1000));
    }
    strbuf_printf(sb,
                  "(burn rate per window = error ratio / error budget; BUDGET = error budget "
                  "left over %s)\n",
                  pb); /* a partial budget: from how much data, one line per distinct span */
    char seen[8][CELL];
    size_t nseen = 0;
    for (size_t i = 0; i < n; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (!budget_partial(s)) continue;
        char span[CELL];
        fmt_span(span, s->budget_coverage * (double)s->period_ms);
        bool dup = false;
        for (size_t k = 0; k < nseen && !dup; k++)
            dup = !strcmp(seen[k], span);
        if (dup) continue;
        if (nseen < sizeof(seen) / sizeof(*seen)) memcpy(seen[nseen++], span, CELL);
        strbuf_printf(sb, "* budget from %s of data of %s\n", span, pb);
    }
}

/* Which rule of the error-budget gate decided, or that a firing severity
 * is not one the gate fails on. */
static void put_gate(strbuf *sb, bool color, const sloeval_check_slo_result *s)
{
    if (s->gate_failed && s->gate_rule && strcmp(s->gate_rule, "fail_on") != 0) {
        char b[CELL], t[CELL];
        fmt_budget(b, s->budget_remaining);
        size_t tn = text_format_float(t, sizeof(t) - 1, s->gate_budget_below, 'g', -1);
        if (tn < sizeof(t) - 1) {
            t[tn] = '%';
            t[tn + 1] = '\0';
        }
        put_colored(sb, color, RED, "GATE");
        strbuf_printf(sb, " %s %s: budget %s below %s (%s)\n", s->slo, s->scope, b, t,
                      s->gate_rule);
    } else if (s->gate_failed) {
        put_colored(sb, color, RED, "GATE");
        strbuf_printf(sb, " %s %s: %s fires (fail_on)\n", s->slo, s->scope,
                      s->gate_severity ? s->gate_severity : "?");
    } else if (s->status == SLOEVAL_CHECK_FIRING) {
        strbuf_printf(sb, "NOT GATED %s %s: %s is not a severity the gate fails on (fail_on)\n",
                      s->slo, s->scope, s->severity ? s->severity : "?");
    }
}

static void slo_details(strbuf *sb, const sloeval_check_report *r, bool color)
{
    size_t n = sloeval_check_report_slo_count(r);
    bool header = false;
    for (size_t i = 0; i < n; i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (s->status == SLOEVAL_CHECK_OK && s->nnotes == 0 && !s->gate_failed) continue;
        if (!header) {
            strbuf_putc(sb, '\n');
            header = true;
        }
        if (s->status == SLOEVAL_CHECK_FIRING) {
            for (size_t k = 0; k < s->nrules; k++) {
                const sloeval_check_rule *ru = &s->rules[k];
                if (ru->state != SLOEVAL_CHECK_RULE_FIRING) continue;
                put_colored(sb, color, RED, "FIRING");
                char f[CELL], bl[CELL], bs[CELL];
                text_format_float(f, sizeof(f), ru->factor, 'g', 6);
                fmt_burn(bl, ru->burn_long);
                fmt_burn(bs, ru->burn_short);
                strbuf_printf(sb, " %s %s: %s: burn %s over %s and %s over %s, both above %s\n",
                              s->slo, s->scope, ru->severity, bl, ru->long_window, bs,
                              ru->short_window, f);
            }
        } else if (s->status == SLOEVAL_CHECK_INCONCLUSIVE) {
            put_inconclusive(sb, color, s->slo, s->scope, s->reason);
        }
        put_gate(sb, color, s);
        put_notes(sb, s->slo, s->scope, s->notes, s->nnotes);
    }
}

static void series_text(strbuf *sb, const sloeval_check_series *s)
{
    strbuf_putc(sb, '{');
    for (size_t i = 0; i < s->nlabels; i++) {
        if (i) strbuf_puts(sb, ", ");
        put_term(sb, s->labels[i].name);
        strbuf_putc(sb, '=');
        /* Go-quoted as Prometheus prints it: controls become \x1b, \u009b. */
        quote_go_string(sb, strv_from_cstr(s->labels[i].value));
    }
    strbuf_putc(sb, '}');
}

static void alert_table(strbuf *sb, const sloeval_check_report *r, bool color)
{
    size_t n = sloeval_check_report_alert_count(r);
    table t;
    if (table_init(&t, 4, n + 1)) {
        table_free(&t);
        sb->failed = 1;
        return;
    }
    snprintf(cell(&t, 0, 0), CELL, "ALERT");
    snprintf(cell(&t, 0, 1), CELL, "SCOPE");
    snprintf(cell(&t, 0, 2), CELL, "SERIES");
    t.right[2] = true;
    snprintf(cell(&t, 0, 3), CELL, "STATUS");
    t.nrows = 1;
    for (size_t i = 0; i < n; i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(r, i);
        size_t row = t.nrows++;
        snprintf(cell(&t, row, 0), CELL, "%s", a->name);
        snprintf(cell(&t, row, 1), CELL, "%s", a->scope);
        if (a->status == SLOEVAL_CHECK_INCONCLUSIVE)
            snprintf(cell(&t, row, 2), CELL, "-");
        else
            snprintf(cell(&t, row, 2), CELL, "%zu", a->nseries);
        if (a->status == SLOEVAL_CHECK_OK && a->npending)
            snprintf(cell(&t, row, 3), CELL, "ok (%zu pending)", a->npending);
        else
            snprintf(cell(&t, row, 3), CELL, "%s", status_word(a->status));
        t.color[row] = status_color(a->status);
    }
    table_print(sb, &t, color);
    table_free(&t);
    for (size_t i = 0; i < n; i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(r, i);
        if (a->status == SLOEVAL_CHECK_FIRING) {
            for (size_t k = 0; k < a->nseries && k < 10; k++) {
                put_colored(sb, color, RED, "FIRING");
                strbuf_printf(sb, " %s %s: ", a->name, a->scope);
                series_text(sb, &a->series[k]);
                strbuf_putc(sb, '\n');
            }
            if (a->nseries > 10)
                strbuf_printf(sb, "FIRING %s %s: ... and %zu more series\n", a->name, a->scope,
                              a->nseries - 10);
        } else if (a->status == SLOEVAL_CHECK_INCONCLUSIVE) {
            put_inconclusive(sb, color, a->name, a->scope, a->reason);
        }
        put_notes(sb, a->name, a->scope, a->notes, a->nnotes);
    }
}

static void count_status(size_t *c, sloeval_check_status s)
{
    c[s == SLOEVAL_CHECK_FIRING ? 1 : s == SLOEVAL_CHECK_INCONCLUSIVE ? 2 : 0]++;
}

void report_text(strbuf *sb, const sloeval_check_report *r, bool color)
{
    sloeval_check_status st = sloeval_check_report_status(r);
    strbuf_puts(sb, "sloeval check at ");
    report_rfc3339(sb, sloeval_check_report_time_ms(r));
    strbuf_puts(sb, ": ");
    put_colored(sb, color, status_color(st), st == SLOEVAL_CHECK_OK ? "OK" : status_word(st));
    strbuf_puts(sb, "\n\n");
    size_t ns = sloeval_check_report_slo_count(r), na = sloeval_check_report_alert_count(r);
    size_t cs[3] = {0}, ca[3] = {0};
    if (ns) {
        slo_table(sb, r, color);
        slo_details(sb, r, color);
        for (size_t i = 0; i < ns; i++)
            count_status(cs, sloeval_check_report_slo(r, i)->status);
    }
    if (na) {
        if (ns) strbuf_putc(sb, '\n');
        alert_table(sb, r, color);
        for (size_t i = 0; i < na; i++)
            count_status(ca, sloeval_check_report_alert(r, i)->status);
    }
    for (size_t i = 0; i < sloeval_check_report_warning_count(r); i++) {
        strbuf_puts(sb, "warning: ");
        put_term(sb, sloeval_check_report_warning(r, i));
        strbuf_putc(sb, '\n');
    }
    strbuf_printf(sb,
                  "\n%zu SLO result%s: %zu ok, %zu firing, %zu inconclusive; %zu alert result%s: "
                  "%zu ok, %zu firing, %zu inconclusive\n",
                  ns, ns == 1 ? "" : "s", cs[0], cs[1], cs[2], na, na == 1 ? "" : "s", ca[0], ca[1],
                  ca[2]);
}

int sloeval_check_report_warning_escaped(char **out, const sloeval_check_report *report, size_t i,
                                         sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_check_report_warning_escaped: out is NULL");
    *out = NULL;
    if (!report)
        return error_set(err, SLOEVAL_EINVAL,
                         "sloeval_check_report_warning_escaped: report is NULL");
    if (i >= sloeval_check_report_warning_count(report))
        return error_set(err, SLOEVAL_EINVAL,
                         "sloeval_check_report_warning_escaped: warning %zu of %zu", i,
                         sloeval_check_report_warning_count(report));
    strbuf sb = STRBUF_INIT;
    put_term(&sb, sloeval_check_report_warning(report, i));
    strbuf_append(&sb, "", 0);
    if (sb.failed || !sb.data) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    *out = strbuf_detach(&sb);
    return 0;
}
