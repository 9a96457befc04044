/*
 * Unit tests of lib/check (decisions from answers) and lib/report (the
 * renderers), on synthetic answers: SLI numbers from scalars and vectors,
 * every inconclusive reason, error queries without series, the policy
 * through check_decide_slo, budget remaining, alert `for` and
 * keep_firing_for over range answers, and the four output formats.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "report/report.h"
#include "slo/config.h"

#define M_MS (60LL * 1000)
#define H_MS (60 * M_MS)
#define D_MS (24 * H_MS)
#define T0   1704088800000LL /* 2024-01-01T06:00:00Z */

static const char *const config_text =
    "backends:\n"
    "  global: {url: \"http://127.0.0.1:9\"}\n"
    "regions: {names: [r1, r2]}\n"
    "slos:\n"
    "  - name: avail\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(e[{{window}}]))\n"
    "      total_query: sum(rate(t[{{window}}]))\n"
    "  - name: strict\n"
    "    objective: 99\n"
    "    empty_errors: inconclusive\n"
    "    sli:\n"
    "      error_query: sum(rate(e[{{window}}]))\n"
    "      total_query: sum(rate(t[{{window}}]))\n"
    "  - name: ratio\n"
    "    objective: 99.5\n"
    "    disable: [ticket]\n"
    "    sli:\n"
    "      error_ratio_query: sum(rate(e[{{window}}])) / sum(rate(t[{{window}}]))\n"
    "alerts:\n"
    "  - name: Now\n"
    "    expr: up == 0\n"
    "  - name: Held\n"
    "    expr: up == 0\n"
    "    for: 5m\n"
    "  - name: Kept\n"
    "    expr: up == 0\n"
    "    for: 2m\n"
    "    keep_firing_for: 3m\n"
    "  - name: Odd\n"
    "    expr: up == 0\n"
    "    for: 150s\n";

static slo_config *cfg;
static arena A;

static void setup(void)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    slo_load_options o = {SLO_FILE_AUTO, "test.yaml", NULL};
    ck_assert_msg(slo_config_load_string(&cfg, config_text, strlen(config_text), &o, &err) == 0,
                  "%s", err.message);
    arena_init(&A, 0);
}

static void teardown(void)
{
    slo_config_free(cfg);
    cfg = NULL;
    arena_free(&A);
}

/* ---- answers ------------------------------------------------------------- */

static value *scalar(double v)
{
    value *x = ARENA_NEW(&A, value);
    x->kind = VALUE_SCALAR;
    x->u.scalar = v;
    return x;
}

static const labels *lbl(const char *name, const char *val)
{
    label l = {strv_from_cstr(name), strv_from_cstr(val)};
    bool dup;
    return labels_make(&A, &l, 1, false, &dup);
}

/* A vector of n elements with values v (labels i="<k>"). */
static value *vec(size_t n, double v)
{
    value *x = ARENA_NEW(&A, value);
    x->kind = VALUE_VECTOR;
    for (size_t k = 0; k < n; k++) {
        char b[32];
        snprintf(b, sizeof(b), "%zu", k);
        ck_assert_int_eq(vector_push(&A, &x->u.vector, lbl("i", b), T0, v), 0);
    }
    return x;
}

static check_answer ok(value *v)
{
    return (check_answer){0, NULL, v, NULL};
}

static check_answer errans(int code, const char *msg)
{
    return (check_answer){code, msg, NULL, NULL};
}

static const slo_def *slo_named(const char *name)
{
    for (size_t i = 0; i < cfg->nslos; i++)
        if (!strcmp(cfg->slos[i].name, name)) return &cfg->slos[i];
    ck_abort_msg("no SLO %s", name);
    return NULL;
}

/* ---- check_measure --------------------------------------------------------- */

START_TEST(test_measure)
{
    const char *d;
    check_answer a = ok(scalar(2.5));
    slo_measure m = check_measure(&a, CHECK_Q_ERRORS, &d, &A);
    ck_assert_int_eq(m.reason, SLO_REASON_NONE);
    ck_assert(m.value == 2.5 && d == NULL);

    a = ok(vec(1, 7));
    m = check_measure(&a, CHECK_Q_TOTAL, &d, &A);
    ck_assert_int_eq(m.reason, SLO_REASON_NONE);
    ck_assert(m.value == 7);

    a = ok(vec(0, 0));
    m = check_measure(&a, CHECK_Q_TOTAL, &d, &A);
    ck_assert_int_eq(m.reason, SLO_REASON_NO_DATA);
    ck_assert_str_eq(d, "total_query returned no series");

    a = ok(vec(3, 1));
    m = check_measure(&a, CHECK_Q_ERRORS, &d, &A);
    ck_assert_int_eq(m.reason, SLO_REASON_MANY_SERIES);
    ck_assert_ptr_nonnull(strstr(d, "error_query returned 3 series"));

    a = ok(scalar(NAN));
    ck_assert_int_eq(check_measure(&a, CHECK_Q_RATIO, &d, &A).reason, SLO_REASON_NAN);
    a = ok(vec(1, INFINITY));
    ck_assert_int_eq(check_measure(&a, CHECK_Q_RATIO, &d, &A).reason, SLO_REASON_INF);

    a = errans(SLOEVAL_ETRANSPORT, "http://127.0.0.1:9: connection refused");
    m = check_measure(&a, CHECK_Q_ERRORS, &d, &A);
    ck_assert_int_eq(m.reason, SLO_REASON_BACKEND_ERROR);
    ck_assert_str_eq(d, "error_query: http://127.0.0.1:9: connection refused");
    a = errans(SLOEVAL_EPARTIAL, "partial");
    ck_assert_int_eq(check_measure(&a, CHECK_Q_ERRORS, &d, &A).reason, SLO_REASON_PARTIAL);
    a = errans(SLOEVAL_EUNSUPPORTED, "not across shards");
    ck_assert_int_eq(check_measure(&a, CHECK_Q_ERRORS, &d, &A).reason, SLO_REASON_QUERY_ERROR);
    a = errans(SLOEVAL_ESERVER, "HTTP 422: execution: boom");
    ck_assert_int_eq(check_measure(&a, CHECK_Q_ERRORS, &d, &A).reason, SLO_REASON_BACKEND_ERROR);
}
END_TEST

/* ---- SLO decisions --------------------------------------------------------- */

/* Answers for every window of the policy (+ the period): errors and totals. */
typedef struct fixture {
    int64_t windows[16];
    check_answer err[16], tot[16], ratio[16];
    size_t n;
} fixture;

static void fixture_init(fixture *f, double err_per_window, double total)
{
    f->n = cfg->policy.nwindows + 1;
    for (size_t i = 0; i < cfg->policy.nwindows; i++)
        f->windows[i] = cfg->policy.windows[i];
    f->windows[f->n - 1] = cfg->period_ms;
    for (size_t i = 0; i < f->n; i++) {
        f->err[i] = ok(vec(1, err_per_window));
        f->tot[i] = ok(vec(1, total));
        f->ratio[i] = ok(scalar(err_per_window / total));
    }
}

static size_t widx(const fixture *f, int64_t ms)
{
    for (size_t i = 0; i < f->n; i++)
        if (f->windows[i] == ms) return i;
    ck_abort_msg("no window %lld", (long long)ms);
    return 0;
}

static sloeval_check_slo_result decide(const char *slo, fixture *f)
{
    sloeval_check_slo_result r;
    memset(&r, 0, sizeof(r));
    const slo_def *s = slo_named(slo);
    check_slo_answers ca = {f->n, f->windows, s->sli == SLO_SLI_RATIO ? NULL : f->err,
                            s->sli == SLO_SLI_RATIO ? NULL : f->tot,
                            s->sli == SLO_SLI_RATIO ? f->ratio : NULL};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(
        check_decide_slo(&r, &A, s, &cfg->policy, slo_def_empty_errors(s, cfg), &ca, &err) == 0,
        "%s", err.message);
    return r;
}

static bool close_to(double a, double b)
{
    return fabs(a - b) <= 1e-12 * fabs(b);
}

START_TEST(test_slo_ok)
{
    fixture f;
    fixture_init(&f, 0.5, 1000); /* ratio 0.0005: burn 0.5 */
    sloeval_check_slo_result r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);
    ck_assert_ptr_null(r.reason);
    ck_assert_ptr_null(r.severity);
    ck_assert_uint_eq(r.nwindows, 7);
    ck_assert_str_eq(r.windows[0].window, "5m");
    ck_assert_str_eq(r.windows[6].window, "3d");
    for (size_t i = 0; i < r.nwindows; i++) {
        ck_assert(close_to(r.windows[i].error_ratio, 0.0005));
        ck_assert(close_to(r.windows[i].burn_rate, 0.5));
        ck_assert(r.windows[i].errors == 0.5 && r.windows[i].total == 1000);
        ck_assert_ptr_null(r.windows[i].reason);
    }
    ck_assert(close_to(r.budget_remaining, 0.5));
    ck_assert(close_to(r.objective, 0.999));
    ck_assert_int_eq(r.period_ms, 30 * D_MS);
    ck_assert_uint_eq(r.nrules, 4);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(r.rules[i].state, SLOEVAL_CHECK_RULE_QUIET);
    ck_assert_str_eq(r.rules[0].long_window, "1h");
    ck_assert_str_eq(r.rules[0].short_window, "5m");
    ck_assert(r.rules[0].factor == 14.4);
    ck_assert_uint_eq(r.nnotes, 0);
}
END_TEST

START_TEST(test_slo_page_and_ticket)
{
    fixture f;
    fixture_init(&f, 0.5, 1000);
    /* page: 1h and 5m above 14.4 */
    f.err[widx(&f, H_MS)] = ok(vec(1, 15));
    f.err[widx(&f, 5 * M_MS)] = ok(vec(1, 20));
    sloeval_check_slo_result r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(r.severity, "page");
    ck_assert_int_eq(r.rules[0].state, SLOEVAL_CHECK_RULE_FIRING);
    ck_assert(close_to(r.rules[0].burn_long, 15));
    ck_assert(close_to(r.rules[0].burn_short, 20));
    ck_assert_int_eq(r.rules[1].state, SLOEVAL_CHECK_RULE_QUIET);

    /* only one of the two windows high: quiet */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 5 * M_MS)] = ok(vec(1, 100));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);

    /* at the factor is not above it: 14.4 exactly does not page */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, H_MS)] = ok(scalar(14.4));
    f.err[widx(&f, 5 * M_MS)] = ok(scalar(14.4));
    f.tot[widx(&f, H_MS)] = ok(scalar(1000));
    f.tot[widx(&f, 5 * M_MS)] = ok(scalar(1000));
    r = decide("avail", &f);
    ck_assert_msg(r.windows[0].burn_rate <= 14.4, "%.17g", r.windows[0].burn_rate);

    /* ticket: 3d and 6h above 1 (the 1d/2h rule stays quiet at 1.5 < 3) */
    fixture_init(&f, 1.5, 1000);
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(r.severity, "ticket");
    ck_assert_int_eq(r.rules[2].state, SLOEVAL_CHECK_RULE_QUIET);
    ck_assert_int_eq(r.rules[3].state, SLOEVAL_CHECK_RULE_FIRING);
    ck_assert(close_to(r.budget_remaining, -0.5));
}
END_TEST

START_TEST(test_slo_inconclusive_reasons)
{
    fixture f;
    /* no traffic */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 5 * M_MS)] = ok(vec(1, 0));
    f.tot[widx(&f, 5 * M_MS)] = ok(vec(1, 0));
    sloeval_check_slo_result r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "no traffic over 5m: total_query returned 0");
    ck_assert_str_eq(r.windows[0].reason, "no traffic");
    ck_assert(isnan(r.windows[0].burn_rate) && isnan(r.windows[0].error_ratio));

    /* no data: the total query returns nothing */
    fixture_init(&f, 0.5, 1000);
    f.tot[widx(&f, H_MS)] = ok(vec(0, 0));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "no data over 1h: total_query returned no series");

    /* a backend error names the query and keeps the backend's message */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 30 * M_MS)] = errans(SLOEVAL_ETRANSPORT, "http://127.0.0.1:9: refused");
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "backend error over 30m: error_query: http://127.0.0.1:9: refused");

    /* partial answers */
    fixture_init(&f, 0.5, 1000);
    f.tot[widx(&f, 2 * H_MS)] = errans(SLOEVAL_EPARTIAL, "partial response");
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(r.reason, "partial response over 2h"));

    /* NaN and Inf */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 6 * H_MS)] = ok(scalar(NAN));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "NaN over 6h: error_query returned NaN");
    fixture_init(&f, 0.5, 1000);
    f.tot[widx(&f, D_MS)] = ok(scalar(INFINITY));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "infinite value over 1d: total_query returned +Inf");

    /* more than one series */
    fixture_init(&f, 0.5, 1000);
    f.tot[widx(&f, 3 * D_MS)] = ok(vec(2, 10));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(r.reason, "more than one series over 3d: total_query returned 2"));

    /* the period's budget */
    fixture_init(&f, 0.5, 1000);
    f.tot[f.n - 1] = ok(vec(0, 0));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "no data over the period (30d): total_query returned no series");
    ck_assert(isnan(r.budget_remaining));
    ck_assert_str_eq(r.budget_reason, "no data");

    /* firing wins over a window without data */
    fixture_init(&f, 20, 1000);
    f.tot[widx(&f, 3 * D_MS)] = errans(SLOEVAL_ETIMEOUT, "timeout");
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(r.severity, "page");
    ck_assert_int_eq(r.rules[3].state, SLOEVAL_CHECK_RULE_INCONCLUSIVE);
}
END_TEST

START_TEST(test_slo_empty_errors)
{
    /* default: an error query without series counts as 0 errors, with a note */
    fixture f;
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
    f.err[widx(&f, 30 * M_MS)] = ok(vec(0, 0));
    sloeval_check_slo_result r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);
    ck_assert(r.windows[0].error_ratio == 0 && r.windows[0].burn_rate == 0);
    ck_assert(r.windows[0].errors == 0);
    ck_assert_uint_eq(r.nnotes, 1);
    ck_assert_str_eq(r.notes[0],
                     "error_query returned no series over 5m and 30m; counted as 0 errors");

    /* ... but not when there is no traffic either */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
    f.tot[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
    r = decide("avail", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "no data over 5m: total_query returned no series");

    /* empty_errors: inconclusive */
    fixture_init(&f, 0.5, 1000);
    f.err[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
    r = decide("strict", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "no data over 5m: error_query returned no series (empty_errors: "
                               "inconclusive)");
    ck_assert_uint_eq(r.nnotes, 0);
}
END_TEST

START_TEST(test_slo_ratio_and_disabled)
{
    fixture f;
    /* ratio SLI, 99.5%: budget 0.005; ratio 0.01 everywhere -> burn 2: the
     * ticket rule 3d/6h would fire, but ticket is disabled */
    fixture_init(&f, 10, 1000);
    sloeval_check_slo_result r = decide("ratio", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);
    ck_assert(close_to(r.windows[0].burn_rate, 2));
    ck_assert(isnan(r.windows[0].errors));
    ck_assert_int_eq(r.rules[3].state, SLOEVAL_CHECK_RULE_DISABLED);
    ck_assert(close_to(r.budget_remaining, -1));

    /* NaN ratio (0/0) */
    fixture_init(&f, 10, 1000);
    f.ratio[widx(&f, 5 * M_MS)] = ok(scalar(NAN));
    r = decide("ratio", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(r.reason, "NaN over 5m"));

    /* an empty ratio answer is no data (empty_errors is about error_query) */
    fixture_init(&f, 10, 1000);
    f.ratio[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
    r = decide("ratio", &f);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
}
END_TEST

START_TEST(test_slo_mismatch)
{
    fixture f;
    fixture_init(&f, 1, 1000);
    f.windows[0] = 7 * M_MS;
    sloeval_check_slo_result r;
    check_slo_answers ca = {f.n, f.windows, f.err, f.tot, NULL};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(check_decide_slo(&r, &A, slo_named("avail"), &cfg->policy,
                                      SLO_EMPTY_ERRORS_ZERO, &ca, &err),
                     SLOEVAL_EINVAL);
}
END_TEST

/* ---- alerts ---------------------------------------------------------------- */

static const slo_alert *alert_named(const char *name)
{
    for (size_t i = 0; i < cfg->nalerts; i++)
        if (!strcmp(cfg->alerts[i].name, name)) return &cfg->alerts[i];
    ck_abort_msg("no alert %s", name);
    return NULL;
}

START_TEST(test_alert_steps)
{
    int64_t start, end, step;
    size_t n;
    check_alert_steps(alert_named("Now"), T0, &start, &end, &step, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(end, T0);
    check_alert_steps(alert_named("Held"), T0, &start, &end, &step, &n);
    ck_assert_uint_eq(n, 6);
    ck_assert_int_eq(step, M_MS);
    ck_assert_int_eq(start, T0 - 5 * M_MS);
    /* for 150s at 1m: the first step at or before T-150s is T-3m */
    check_alert_steps(alert_named("Odd"), T0, &start, &end, &step, &n);
    ck_assert_uint_eq(n, 4);
    ck_assert_int_eq(start, T0 - 3 * M_MS);
    check_alert_steps(alert_named("Kept"), T0, &start, &end, &step, &n);
    ck_assert_uint_eq(n, 6);
}
END_TEST

/* A matrix: series k present at the steps whose bit is set in masks[k]. */
static value *presence(const unsigned *masks, size_t nseries, int64_t start, size_t nsteps)
{
    value *x = ARENA_NEW(&A, value);
    x->kind = VALUE_MATRIX;
    for (size_t k = 0; k < nseries; k++) {
        sample *s = ARENA_NEW_ARRAY(&A, sample, nsteps);
        size_t c = 0;
        for (size_t i = 0; i < nsteps; i++)
            if (masks[k] & (1u << i)) s[c++] = (sample){start + (int64_t)i * M_MS, 1};
        char b[32];
        snprintf(b, sizeof(b), "s%zu", k);
        ck_assert_int_eq(matrix_push(&A, &x->u.matrix, lbl("instance", b), s, c), 0);
    }
    return x;
}

START_TEST(test_alert_instant)
{
    sloeval_check_alert_result r;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    check_answer a = ok(vec(2, 0));
    ck_assert_int_eq(check_decide_alert(&r, &A, alert_named("Now"), &a, T0, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert(r.firing);
    ck_assert_uint_eq(r.nseries, 2);
    ck_assert_str_eq(r.series[0].labels[0].name, "i");
    ck_assert_str_eq(r.series[0].labels[0].value, "0");

    a = ok(vec(0, 0));
    ck_assert_int_eq(check_decide_alert(&r, &A, alert_named("Now"), &a, T0, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);
    ck_assert(!r.firing);

    /* a scalar is one series without labels: it fires */
    a = ok(scalar(0));
    ck_assert_int_eq(check_decide_alert(&r, &A, alert_named("Now"), &a, T0, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_uint_eq(r.nseries, 1);
    ck_assert_uint_eq(r.series[0].nlabels, 0);

    a = errans(SLOEVAL_ESERVER, "HTTP 503 from http://x: unavailable");
    ck_assert_int_eq(check_decide_alert(&r, &A, alert_named("Now"), &a, T0, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(r.reason, "backend error: HTTP 503 from http://x: unavailable");
}
END_TEST

START_TEST(test_alert_for)
{
    const slo_alert *held = alert_named("Held"); /* for 5m: 6 steps */
    int64_t start = T0 - 5 * M_MS;
    sloeval_check_alert_result r;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    /* s0 every step: fires; s1 misses the first step: pending; s2 gone at T: neither */
    unsigned masks[] = {0x3f, 0x3e, 0x1f};
    check_answer a = ok(presence(masks, 3, start, 6));
    ck_assert_int_eq(check_decide_alert(&r, &A, held, &a, start, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_uint_eq(r.nseries, 1);
    ck_assert_str_eq(r.series[0].labels[0].value, "s0");
    ck_assert_uint_eq(r.npending, 1);

    /* a gap in the middle resets `for` */
    unsigned gap[] = {0x3b};
    a = ok(presence(gap, 1, start, 6));
    ck_assert_int_eq(check_decide_alert(&r, &A, held, &a, start, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_OK);
    ck_assert_uint_eq(r.npending, 1);

    /* keep_firing_for 3m with for 2m (6 steps): held over steps 0..2 and gone
     * since step 3 (T-2m): still firing; held over 0..1 only: never fired */
    const slo_alert *kept = alert_named("Kept");
    unsigned kmasks[] = {0x07, 0x03};
    a = ok(presence(kmasks, 2, start, 6));
    ck_assert_int_eq(check_decide_alert(&r, &A, kept, &a, start, T0, M_MS, &err), 0);
    ck_assert_int_eq(r.status, SLOEVAL_CHECK_FIRING);
    ck_assert_uint_eq(r.nseries, 1);
    ck_assert_str_eq(r.series[0].labels[0].value, "s0");
}
END_TEST

/* ---- renderers ------------------------------------------------------------- */

/* A report with one result of each kind. */
static sloeval_check_report *sample_report(void)
{
    sloeval_check_report *rep = check_report_new();
    ck_assert_ptr_nonnull(rep);
    rep->time_ms = T0;
    rep->end_wall_ms = T0 + 1500;
    rep->duration_seconds = 0.25;
    const char *scopes[] = {"r1", "r2", "global"};
    for (int k = 0; k < 3; k++) {
        fixture f;
        fixture_init(&f, k == 1 ? 20 : 0.5, 1000);
        if (k == 2) f.tot[widx(&f, 5 * M_MS)] = ok(vec(0, 0));
        ck_assert_int_eq(arena_grow(&rep->arena, (void **)&rep->slos, &rep->capslos, rep->nslos + 1,
                                    sizeof(*rep->slos)),
                         0);
        sloeval_check_slo_result *r = &rep->slos[rep->nslos++];
        memset(r, 0, sizeof(*r));
        const slo_def *s = slo_named("avail");
        check_slo_answers ca = {f.n, f.windows, f.err, f.tot, NULL};
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(
            check_decide_slo(r, &rep->arena, s, &cfg->policy, SLO_EMPTY_ERRORS_ZERO, &ca, &err), 0);
        r->slo = "checkout \"avail\"";
        r->scope = scopes[k];
        r->region = k < 2 ? scopes[k] : NULL;
    }
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(arena_grow(&rep->arena, (void **)&rep->alerts, &rep->capalerts,
                                    rep->nalerts + 1, sizeof(*rep->alerts)),
                         0);
        sloeval_check_alert_result *r = &rep->alerts[rep->nalerts++];
        memset(r, 0, sizeof(*r));
        value *v = ARENA_NEW(&A, value);
        v->kind = VALUE_VECTOR;
        /* a label value with a newline, quotes, '<' and a byte that is not UTF-8 */
        vector_push(&A, &v->u.vector, lbl("path", "a\"b\n<c>\xff"), T0, 1);
        check_answer a = k == 0 ? ok(v) : errans(SLOEVAL_ETRANSPORT, "refused & gone");
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(
            check_decide_alert(r, &rep->arena, alert_named("Now"), &a, T0, T0, M_MS, &err), 0);
        r->name = "Now";
        r->scope = k == 0 ? "r1" : "r2";
        r->region = r->scope;
    }
    ck_assert_int_eq(check_report_warn(rep, "backend global: careful"), 0);
    static const sloeval_check_options defaults = SLOEVAL_CHECK_OPTIONS_INIT;
    check_gate_apply(rep, cfg, &defaults);
    rep->status = check_report_summarise(rep);
    return rep;
}

static char *render(const sloeval_check_report *rep, sloeval_check_format fmt, int color)
{
    sloeval_check_render_options o = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    o.format = fmt;
    o.color = color;
    char *out = NULL;
    size_t len = 0;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_check_report_render(&out, &len, rep, &o, &err), 0);
    ck_assert_uint_eq(strlen(out), len);
    return out;
}

START_TEST(test_render_json)
{
    sloeval_check_report *rep = sample_report();
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_FIRING);
    char *out = render(rep, SLOEVAL_CHECK_FORMAT_JSON, 0);
    json_error_t je;
    json_t *doc = json_loads(out, 0, &je);
    ck_assert_msg(doc != NULL, "invalid JSON at %d:%d: %s\n%s", je.line, je.column, je.text, out);
    ck_assert(json_number_value(json_object_get(doc, "time")) == 1704088800);
    ck_assert_str_eq(json_string_value(json_object_get(doc, "status")), "firing");
    json_t *results = json_object_get(doc, "results");
    ck_assert_uint_eq(json_array_size(results), 3);
    json_t *r1 = json_array_get(results, 1);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "slo")), "checkout \"avail\"");
    ck_assert_str_eq(json_string_value(json_object_get(r1, "scope")), "r2");
    ck_assert(json_number_value(json_object_get(r1, "objective")) == 0.999);
    ck_assert_str_eq(json_string_value(json_object_get(r1, "status")), "firing");
    json_t *w5 = json_object_get(json_object_get(r1, "windows"), "5m");
    ck_assert(close_to(json_number_value(json_object_get(w5, "burn_rate")), 20));
    ck_assert(close_to(json_number_value(json_object_get(w5, "error_ratio")), 0.02));
    json_t *rules = json_object_get(r1, "alerts");
    ck_assert_uint_eq(json_array_size(rules), 4);
    json_t *page = json_array_get(rules, 0);
    ck_assert_str_eq(json_string_value(json_object_get(page, "severity")), "page");
    ck_assert_str_eq(json_string_value(json_object_get(page, "long")), "1h");
    ck_assert_str_eq(json_string_value(json_object_get(page, "short")), "5m");
    ck_assert(json_number_value(json_object_get(page, "factor")) == 14.4);
    ck_assert(json_is_true(json_object_get(page, "firing")));
    /* the inconclusive global result: nulls and the reason */
    json_t *g = json_array_get(results, 2);
    ck_assert_str_eq(json_string_value(json_object_get(g, "status")), "inconclusive");
    json_t *g5 = json_object_get(json_object_get(g, "windows"), "5m");
    ck_assert(json_is_null(json_object_get(g5, "burn_rate")));
    ck_assert_str_eq(json_string_value(json_object_get(g5, "reason")), "no data");
    ck_assert_str_eq(json_string_value(json_object_get(g, "reason")),
                     "no data over 5m: total_query returned no series");
    json_t *alerts = json_object_get(doc, "alerts");
    ck_assert_uint_eq(json_array_size(alerts), 2);
    json_t *a0 = json_array_get(alerts, 0);
    ck_assert(json_is_true(json_object_get(a0, "firing")));
    json_t *s0 = json_array_get(json_object_get(a0, "series"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(s0, "path")), "a\"b\n<c>\xef\xbf\xbd");
    ck_assert_str_eq(json_string_value(json_object_get(json_array_get(alerts, 1), "status")),
                     "inconclusive");
    json_decref(doc);
    free(out);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_render_text)
{
    sloeval_check_report *rep = sample_report();
    char *out = render(rep, SLOEVAL_CHECK_FORMAT_TEXT, 0);
    ck_assert_ptr_null(strchr(out, '\033'));
    ck_assert_ptr_nonnull(strstr(out, "sloeval check at 2024-01-01T06:00:00Z: FIRING"));
    ck_assert_ptr_nonnull(strstr(out, "OBJECTIVE"));
    ck_assert_ptr_nonnull(strstr(out, "99.9%"));
    ck_assert_ptr_nonnull(strstr(out, "20.00"));
    ck_assert_ptr_nonnull(strstr(out, "FIRING (page)"));
    ck_assert_ptr_nonnull(
        strstr(out, "INCONCLUSIVE checkout \"avail\" global: no data over 5m: total_query"));
    ck_assert_ptr_nonnull(strstr(out, "burn 20.00 over 1h and 20.00 over 5m, both above 14.4"));
    ck_assert_ptr_nonnull(strstr(out, "3 SLO results: 1 ok, 1 firing, 1 inconclusive"));
    ck_assert_ptr_nonnull(strstr(out, "2 alert results: 0 ok, 1 firing, 1 inconclusive"));
    ck_assert_ptr_nonnull(strstr(out, "warning: backend global: careful"));
    free(out);
    out = render(rep, SLOEVAL_CHECK_FORMAT_TEXT, 1);
    ck_assert_ptr_nonnull(strstr(out, "\033[1;31m"));
    free(out);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_render_junit)
{
    sloeval_check_report *rep = sample_report();
    char *out = render(rep, SLOEVAL_CHECK_FORMAT_JUNIT, 0);
    ck_assert_ptr_nonnull(strstr(out, "<testsuites name=\"sloeval check\" tests=\"5\" "
                                      "failures=\"2\" errors=\"2\""));
    ck_assert_ptr_nonnull(strstr(out, "<failure type=\"page\""));
    ck_assert_ptr_nonnull(strstr(out, "<error type=\"inconclusive\""));
    ck_assert_ptr_nonnull(strstr(out, "refused &amp; gone"));
    ck_assert_ptr_nonnull(strstr(out, "checkout &quot;avail&quot; [r1]"));
    ck_assert_ptr_null(strstr(out, "\xff"));
    ck_assert_ptr_nonnull(strstr(out, "timestamp=\"2024-01-01T06:00:00\""));
    free(out);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_render_prom)
{
    sloeval_check_report *rep = sample_report();
    char *out = render(rep, SLOEVAL_CHECK_FORMAT_PROM, 0);
    ck_assert_ptr_nonnull(
        strstr(out, "sloeval_slo_burn_rate{slo=\"checkout \\\"avail\\\"\",scope=\"r2\","
                    "window=\"5m\"} 20"));
    ck_assert_ptr_nonnull(
        strstr(out, "sloeval_slo_error_budget_remaining{slo=\"checkout \\\"avail\\\"\","
                    "scope=\"r1\"} 0.5"));
    /* nothing for windows without a number */
    ck_assert_ptr_null(strstr(out, "scope=\"global\",window=\"5m\""));
    ck_assert_ptr_nonnull(strstr(out, "sloeval_slo_status{slo=\"checkout \\\"avail\\\"\","
                                      "scope=\"global\"} 3"));
    ck_assert_ptr_nonnull(strstr(out,
                                 "sloeval_slo_alert_firing{slo=\"checkout \\\"avail\\\"\","
                                 "scope=\"r2\",severity=\"page\",long=\"1h\",short=\"5m\"} 1"));
    ck_assert_ptr_nonnull(strstr(out, "sloeval_alert_firing{alert=\"Now\",scope=\"r1\"} 1"));
    ck_assert_ptr_null(strstr(out, "sloeval_alert_firing{alert=\"Now\",scope=\"r2\"}"));
    ck_assert_ptr_nonnull(strstr(out, "sloeval_alert_status{alert=\"Now\",scope=\"r2\"} 3"));
    ck_assert_ptr_nonnull(strstr(out, "\nsloeval_check_status 1\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nsloeval_check_evaluation_timestamp_seconds 1704088800\n"));
    ck_assert_ptr_nonnull(strstr(out, "\nsloeval_check_last_run_timestamp_seconds 1704088801.5\n"));
    ck_assert_ptr_nonnull(strstr(out, "# TYPE sloeval_check_status gauge\n"));
    free(out);

    /* written atomically: the file appears whole, no temporary left */
    char dir[] = "/tmp/sloeval-prom-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/sloeval.prom", dir);
    sloeval_check_render_options o = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    o.format = SLOEVAL_CHECK_FORMAT_PROM;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_check_report_write_file(path, rep, &o, &err), 0);
    ck_assert_int_eq(sloeval_check_report_write_file(path, rep, &o, &err), 0);
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "test $(ls -A '%s' | wc -l) -eq 1 && grep -q '^sloeval_check_status 1$' '%s'", dir,
             path);
    ck_assert_int_eq(system(cmd), 0);
    /* a directory that does not exist: one line naming the file */
    char bad[300];
    snprintf(bad, sizeof(bad), "%s/missing/x.prom", dir);
    ck_assert_int_eq(sloeval_check_report_write_file(bad, rep, &o, &err), SLOEVAL_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, bad));
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_status_names)
{
    ck_assert_str_eq(sloeval_check_status_name(SLOEVAL_CHECK_OK), "ok");
    ck_assert_str_eq(sloeval_check_status_name(SLOEVAL_CHECK_FIRING), "firing");
    ck_assert_str_eq(sloeval_check_status_name(SLOEVAL_CHECK_INCONCLUSIVE), "inconclusive");
    ck_assert_int_eq(sloeval_check_status_exit_code(SLOEVAL_CHECK_OK), 0);
    ck_assert_int_eq(sloeval_check_status_exit_code(SLOEVAL_CHECK_FIRING), 1);
    ck_assert_int_eq(sloeval_check_status_exit_code(SLOEVAL_CHECK_INCONCLUSIVE), 3);
}
END_TEST

START_TEST(test_empty_errors_config)
{
    ck_assert_int_eq(slo_def_empty_errors(slo_named("avail"), cfg), SLO_EMPTY_ERRORS_ZERO);
    ck_assert_int_eq(slo_def_empty_errors(slo_named("strict"), cfg), SLO_EMPTY_ERRORS_INCONCLUSIVE);
    /* the config default, and the errors */
    static const struct {
        const char *text, *error;
    } cases[] = {
        {"backends: {global: {url: 'http://x:1'}}\nevaluation: {empty_errors: inconclusive}\n"
         "slos: [{name: a, objective: 99, sli: {error_query: 'sum(rate(e[{{window}}]))', "
         "total_query: 'sum(rate(t[{{window}}]))'}}]\n",
         NULL},
        {"backends: {global: {url: 'http://x:1'}}\nevaluation: {empty_errors: maybe}\n"
         "slos: [{name: a, objective: 99, sli: {error_query: 'sum(rate(e[{{window}}]))', "
         "total_query: 'sum(rate(t[{{window}}]))'}}]\n",
         "evaluation.empty_errors: expected zero or inconclusive, got 'maybe'"},
        {"backends: {global: {url: 'http://x:1'}}\n"
         "slos: [{name: a, objective: 99, empty_errors: zero, sli: {error_ratio_query: "
         "'sum(rate(e[{{window}}]))'}}]\n",
         "applies to error_query and total_query, not to error_ratio_query"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        slo_config *c = NULL;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        slo_load_options o = {SLO_FILE_AUTO, "t.yaml", NULL};
        int rc = slo_config_load_string(&c, cases[i].text, strlen(cases[i].text), &o, &err);
        if (!cases[i].error) {
            ck_assert_msg(rc == 0, "%s", err.message);
            ck_assert_int_eq(slo_def_empty_errors(&c->slos[0], c), SLO_EMPTY_ERRORS_INCONCLUSIVE);
        } else {
            ck_assert_int_eq(rc, SLOEVAL_ECONFIG);
            ck_assert_msg(strstr(err.message, "t.yaml:") && strstr(err.message, cases[i].error),
                          "%s", err.message);
        }
        slo_config_free(c);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("check");
    TCase *tc = tcase_create("decide");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_measure);
    tcase_add_test(tc, test_slo_ok);
    tcase_add_test(tc, test_slo_page_and_ticket);
    tcase_add_test(tc, test_slo_inconclusive_reasons);
    tcase_add_test(tc, test_slo_empty_errors);
    tcase_add_test(tc, test_slo_ratio_and_disabled);
    tcase_add_test(tc, test_slo_mismatch);
    tcase_add_test(tc, test_alert_steps);
    tcase_add_test(tc, test_alert_instant);
    tcase_add_test(tc, test_alert_for);
    tcase_add_test(tc, test_empty_errors_config);
    suite_add_tcase(s, tc);
    TCase *tr = tcase_create("render");
    tcase_add_checked_fixture(tr, setup, teardown);
    tcase_add_test(tr, test_render_json);
    tcase_add_test(tr, test_render_text);
    tcase_add_test(tr, test_render_junit);
    tcase_add_test(tr, test_render_prom);
    tcase_add_test(tr, test_status_names);
    suite_add_tcase(s, tr);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
