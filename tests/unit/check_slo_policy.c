/*
 * Unit tests of lib/slo/policy: the sre-workbook policy and its factors for
 * several periods, custom rules, the decision rules (ok / firing /
 * inconclusive), error ratios, cross-region merges and the budget math.
 */
#include <check.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "slo/policy.h"

#define M_MS (60LL * 1000)
#define H_MS (60 * M_MS)
#define D_MS (24 * H_MS)

/* ---- factors ------------------------------------------------------------- */

static void check_workbook(int64_t period, const double expected[4])
{
    arena a;
    arena_init(&a, 0);
    slo_policy p;
    ck_assert_int_eq(slo_policy_sre_workbook(&p, &a, period), 0);
    ck_assert(p.builtin);
    ck_assert_uint_eq(p.nrules, 4);
    static const char *const sev[] = {"page", "page", "ticket", "ticket"};
    static const int64_t lw[] = {H_MS, 6 * H_MS, D_MS, 3 * D_MS};
    static const int64_t sw[] = {5 * M_MS, 30 * M_MS, 2 * H_MS, 6 * H_MS};
    static const double pct[] = {2, 5, 10, 10};
    for (size_t i = 0; i < 4; i++) {
        ck_assert_str_eq(p.rules[i].severity, sev[i]);
        ck_assert_int_eq(p.rules[i].long_ms, lw[i]);
        ck_assert_int_eq(p.rules[i].short_ms, sw[i]);
        ck_assert(p.rules[i].budget_percent == pct[i]);
        /* exact: the double nearest the true factor, not a product of roundings */
        ck_assert_msg(p.rules[i].factor == expected[i], "rule %zu: %.17g, expected %.17g", i,
                      p.rules[i].factor, expected[i]);
    }
    /* the windows: 6h is a long and a short window, listed once */
    static const int64_t windows[] = {5 * M_MS, 30 * M_MS, H_MS,    2 * H_MS,
                                      6 * H_MS, D_MS,      3 * D_MS};
    ck_assert_uint_eq(p.nwindows, 7);
    for (size_t i = 0; i < 7; i++)
        ck_assert_int_eq(p.windows[i], windows[i]);
    arena_free(&a);
}

START_TEST(test_workbook_30d)
{
    const double f[4] = {14.4, 6, 3, 1};
    check_workbook(30 * D_MS, f);
}
END_TEST

START_TEST(test_workbook_28d)
{
    const double f[4] = {13.44, 5.6, 2.8, 28.0 / 30.0};
    check_workbook(28 * D_MS, f);
}
END_TEST

START_TEST(test_workbook_7d)
{
    const double f[4] = {3.36, 1.4, 0.7, 7.0 / 30.0};
    check_workbook(7 * D_MS, f);
}
END_TEST

START_TEST(test_factor_formula)
{
    /* factor = budget share x period / long window, and back */
    ck_assert(slo_policy_factor(2, 30 * D_MS, H_MS) == 14.4);
    ck_assert(slo_policy_factor(2.5, 30 * D_MS, 6 * H_MS) == 3);
    ck_assert(slo_policy_factor(100, 30 * D_MS, 30 * D_MS) == 1);
    ck_assert(slo_policy_factor(10, 90 * D_MS, 3 * D_MS) == 3);
    ck_assert(slo_policy_budget_percent(14.4, 30 * D_MS, H_MS) == 2);
    ck_assert(slo_policy_budget_percent(6, 30 * D_MS, 6 * H_MS) == 5);
    ck_assert(slo_policy_budget_percent(1, 30 * D_MS, 3 * D_MS) == 10);
    ck_assert(isnan(slo_policy_factor(2, 30 * D_MS, 0)));
    /* a naive 0.02 * 720 differs from 14.4 in the last bit; ours does not */
    ck_assert(slo_policy_factor(2, 30 * D_MS, H_MS) == 14.4);

    arena a;
    arena_init(&a, 0);
    slo_policy p = {0};
    p.period_ms = 30 * D_MS;
    slo_policy_rule rules[2] = {
        {"fast", H_MS, 5 * M_MS, 20, 0, true, 1, 1},
        {"slow", 6 * H_MS, H_MS, 0, 5, false, 2, 1},
    };
    p.rules = rules;
    p.nrules = 2;
    ck_assert_int_eq(slo_policy_finish(&p, &a), 0);
    ck_assert(rules[0].factor == 20);
    ck_assert_msg(fabs(rules[0].budget_percent - 20.0 / 7.2) < 1e-12, "%.17g",
                  rules[0].budget_percent);
    ck_assert(rules[1].factor == 6);
    ck_assert_uint_eq(p.nwindows, 3); /* 5m, 1h, 6h */
    ck_assert_int_eq(p.windows[1], H_MS);
    arena_free(&a);
}
END_TEST

START_TEST(test_decimal_parse)
{
    int64_t m;
    int s;
    ck_assert_int_eq(slo_decimal_parse("99.9", &m, &s), 0);
    ck_assert_int_eq(m, 999);
    ck_assert_int_eq(s, 1);
    ck_assert_int_eq(slo_decimal_parse("0.005", &m, &s), 0);
    ck_assert_int_eq(m, 5);
    ck_assert_int_eq(s, 3);
    ck_assert_int_eq(slo_decimal_parse("14", &m, &s), 0);
    ck_assert_int_eq(m, 14);
    ck_assert_int_eq(s, 0);
    ck_assert_int_eq(slo_decimal_parse(".5", &m, &s), 0);
    ck_assert_int_eq(slo_decimal_parse("1e3", &m, &s), -1);
    ck_assert_int_eq(slo_decimal_parse("-1", &m, &s), -1);
    ck_assert_int_eq(slo_decimal_parse("1.2.3", &m, &s), -1);
    ck_assert_int_eq(slo_decimal_parse("", &m, &s), -1);
    ck_assert_int_eq(slo_decimal_parse("1234567890123456", &m, &s), -1);
    ck_assert(slo_budget_from_objective(99.9) == 0.001);
    ck_assert(slo_budget_from_objective(99.99) == 0.0001);
    ck_assert(slo_budget_from_objective(99.95) == 0.0005);
    ck_assert(1.0 - 0.999 != 0.001); /* why it matters */
}
END_TEST

/* ---- ratios and measures --------------------------------------------------- */

static slo_measure num(double v)
{
    return slo_measure_of(v);
}

static slo_measure why(slo_reason r)
{
    slo_measure m = {r, NAN};
    return m;
}

START_TEST(test_ratio_events)
{
    double r;
    ck_assert_int_eq(slo_ratio_events(&r, num(1), num(1000)), SLO_REASON_NONE);
    ck_assert(r == 0.001);
    ck_assert_int_eq(slo_ratio_events(&r, num(0), num(1000)), SLO_REASON_NONE);
    ck_assert(r == 0);
    ck_assert_int_eq(slo_ratio_events(&r, num(2), num(1)), SLO_REASON_NONE); /* skew: above 1 */
    ck_assert(r == 2);
    ck_assert_int_eq(slo_ratio_events(&r, num(0), num(0)), SLO_REASON_NO_TRAFFIC);
    ck_assert(isnan(r));
    ck_assert_int_eq(slo_ratio_events(&r, num(5), num(0)), SLO_REASON_NO_TRAFFIC);
    ck_assert_int_eq(slo_ratio_events(&r, why(SLO_REASON_NO_DATA), num(10)), SLO_REASON_NO_DATA);
    ck_assert_int_eq(slo_ratio_events(&r, num(1), why(SLO_REASON_NO_DATA)), SLO_REASON_NO_DATA);
    ck_assert_int_eq(slo_ratio_events(&r, num(NAN), num(10)), SLO_REASON_NAN);
    ck_assert_int_eq(slo_ratio_events(&r, num(1), num(INFINITY)), SLO_REASON_INF);
    ck_assert_int_eq(slo_ratio_events(&r, num(-1), num(10)), SLO_REASON_NEGATIVE);
    ck_assert_int_eq(slo_ratio_events(&r, num(1), num(-10)), SLO_REASON_NEGATIVE);
    ck_assert_int_eq(slo_ratio_events(&r, why(SLO_REASON_MANY_SERIES), num(10)),
                     SLO_REASON_MANY_SERIES);
    /* a failing backend says more than missing data */
    ck_assert_int_eq(slo_ratio_events(&r, why(SLO_REASON_BACKEND_ERROR), why(SLO_REASON_NO_DATA)),
                     SLO_REASON_BACKEND_ERROR);
    ck_assert_int_eq(slo_ratio_events(&r, num(0), why(SLO_REASON_PARTIAL)), SLO_REASON_PARTIAL);
    ck_assert_int_eq(slo_ratio_events(&r, why(SLO_REASON_PARTIAL), num(0)), SLO_REASON_PARTIAL);

    ck_assert_int_eq(slo_ratio_raw(&r, num(0.01)), SLO_REASON_NONE);
    ck_assert(r == 0.01);
    ck_assert_int_eq(slo_ratio_raw(&r, num(NAN)), SLO_REASON_NAN); /* 0/0: no traffic */
    ck_assert_int_eq(slo_ratio_raw(&r, num(-INFINITY)), SLO_REASON_INF);
    ck_assert_int_eq(slo_ratio_raw(&r, why(SLO_REASON_NO_DATA)), SLO_REASON_NO_DATA);
}
END_TEST

START_TEST(test_measure_add)
{
    /* cross-region fan-out: sums of counts */
    slo_measure m = slo_measure_add(num(3), num(4));
    ck_assert_int_eq(m.reason, SLO_REASON_NONE);
    ck_assert(m.value == 7);
    /* a region without series adds nothing */
    m = slo_measure_add(why(SLO_REASON_NO_DATA), num(4));
    ck_assert(m.reason == SLO_REASON_NONE && m.value == 4);
    m = slo_measure_add(num(4), why(SLO_REASON_NO_DATA));
    ck_assert(m.reason == SLO_REASON_NONE && m.value == 4);
    m = slo_measure_add(why(SLO_REASON_NO_DATA), why(SLO_REASON_NO_DATA));
    ck_assert_int_eq(m.reason, SLO_REASON_NO_DATA);
    /* a failed or partial region makes the sum unusable */
    m = slo_measure_add(num(4), why(SLO_REASON_BACKEND_ERROR));
    ck_assert_int_eq(m.reason, SLO_REASON_BACKEND_ERROR);
    m = slo_measure_add(why(SLO_REASON_PARTIAL), why(SLO_REASON_BACKEND_ERROR));
    ck_assert_int_eq(m.reason, SLO_REASON_BACKEND_ERROR);
    m = slo_measure_add(why(SLO_REASON_PARTIAL), num(1));
    ck_assert_int_eq(m.reason, SLO_REASON_PARTIAL);
    m = slo_measure_add(num(NAN), num(1));
    ck_assert_int_eq(m.reason, SLO_REASON_NAN);
    m = slo_measure_add(num(INFINITY), num(-INFINITY));
    ck_assert_int_eq(m.reason, SLO_REASON_INF);
    m = slo_measure_add(num(1e308), num(1e308));
    ck_assert_int_eq(m.reason, SLO_REASON_INF);
    /* merging numerators and denominators, not ratios: 1/1000 and 9/1000 -> 10/2000 */
    double r;
    slo_measure e = slo_measure_add(num(1), num(9)), t = slo_measure_add(num(1000), num(1000));
    ck_assert_int_eq(slo_ratio_events(&r, e, t), SLO_REASON_NONE);
    ck_assert(r == 0.005);
    e = slo_measure_add(num(1), num(90));
    t = slo_measure_add(num(1000), num(9000)); /* 91/10000, not avg(0.001, 0.01) */
    ck_assert_int_eq(slo_ratio_events(&r, e, t), SLO_REASON_NONE);
    ck_assert(r == 0.0091);
}
END_TEST

START_TEST(test_budget_remaining)
{
    double rem;
    ck_assert_int_eq(slo_budget_remaining(&rem, num(5), num(10000), 0.001), SLO_REASON_NONE);
    ck_assert_msg(fabs(rem - 0.5) < 1e-12, "%.17g", rem);
    ck_assert_int_eq(slo_budget_remaining(&rem, num(0), num(10000), 0.001), SLO_REASON_NONE);
    ck_assert(rem == 1);
    ck_assert_int_eq(slo_budget_remaining(&rem, num(30), num(10000), 0.001), SLO_REASON_NONE);
    ck_assert_msg(fabs(rem - -2.0) < 1e-12, "%.17g", rem); /* overspent three times */
    ck_assert_int_eq(slo_budget_remaining(&rem, num(0), num(0), 0.001), SLO_REASON_NO_TRAFFIC);
    ck_assert(isnan(rem));
    ck_assert_int_eq(slo_budget_remaining(&rem, why(SLO_REASON_BACKEND_ERROR), num(1), 0.001),
                     SLO_REASON_BACKEND_ERROR);
    ck_assert_int_eq(slo_budget_remaining_ratio(&rem, num(0.0025), 0.01), SLO_REASON_NONE);
    ck_assert_msg(fabs(rem - 0.75) < 1e-12, "%.17g", rem);
    ck_assert_int_eq(slo_budget_remaining_ratio(&rem, num(NAN), 0.01), SLO_REASON_NAN);
    /* traffic-weighted across regions: (1 + 90) / (1000 + 9000) against 1% */
    slo_measure e = slo_measure_add(num(1), num(90)), t = slo_measure_add(num(1000), num(9000));
    ck_assert_int_eq(slo_budget_remaining(&rem, e, t, 0.01), SLO_REASON_NONE);
    ck_assert_msg(fabs(rem - 0.09) < 1e-12, "%.17g", rem);
}
END_TEST

/* ---- decisions ----------------------------------------------------------- */

typedef struct fixture {
    bool ready; /* the arena holds a policy (setup frees it before starting again) */
    arena a;
    slo_policy p;
    slo_window_value w[7];
    slo_rule_result rules[4];
} fixture;

/* Every window with error ratio `ratio` against a 99.9% objective. */
static void setup(fixture *f, double ratio)
{
    if (f->ready) arena_free(&f->a);
    f->ready = true;
    arena_init(&f->a, 0);
    ck_assert_int_eq(slo_policy_sre_workbook(&f->p, &f->a, 30 * D_MS), 0);
    for (size_t i = 0; i < f->p.nwindows; i++) {
        f->w[i].window_ms = f->p.windows[i];
        f->w[i].reason = SLO_REASON_NONE;
        f->w[i].ratio = ratio;
        slo_window_set_burn(&f->w[i], 0.001);
    }
}

static slo_window_value *win(fixture *f, int64_t ms)
{
    for (size_t i = 0; i < 7; i++)
        if (f->w[i].window_ms == ms) return &f->w[i];
    ck_abort_msg("no window %lld", (long long)ms);
    return NULL;
}

static void set_burn(fixture *f, int64_t ms, double burn)
{
    slo_window_value *w = win(f, ms);
    w->reason = SLO_REASON_NONE;
    w->ratio = burn * 0.001;
    slo_window_set_burn(w, 0.001);
}

static void set_reason(fixture *f, int64_t ms, slo_reason r)
{
    slo_window_value *w = win(f, ms);
    w->reason = r;
    w->ratio = NAN;
    slo_window_set_burn(w, 0.001);
    ck_assert(isnan(w->burn));
}

static slo_decision decide(fixture *f, const char *const *disabled, size_t ndisabled,
                           slo_reason budget)
{
    slo_decision d;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(
        slo_policy_decide(&d, f->rules, &f->p, f->w, 7, disabled, ndisabled, budget, &err), 0);
    return d;
}

START_TEST(test_decide_ok_and_firing)
{
    fixture f = {0};
    setup(&f, 0.0005); /* burn 0.5 everywhere */
    slo_decision d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);
    ck_assert_ptr_null(d.severity);
    for (size_t i = 0; i < 4; i++)
        ck_assert_int_eq(f.rules[i].state, SLO_RULE_QUIET);
    ck_assert_msg(fabs(f.rules[0].burn_long - 0.5) < 1e-12, "%.17g", f.rules[0].burn_long);

    /* page: above 14.4 over both 1h and 5m */
    set_burn(&f, H_MS, 15);
    set_burn(&f, 5 * M_MS, 20);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_FIRING);
    ck_assert_str_eq(d.severity, "page");
    ck_assert_int_eq(f.rules[0].state, SLO_RULE_FIRING);
    ck_assert_int_eq(f.rules[1].state, SLO_RULE_QUIET);

    /* the short window has recovered: the page stops */
    set_burn(&f, 5 * M_MS, 2);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);

    /* exactly at the factor does not fire (the burn must be above it) */
    win(&f, H_MS)->burn = 14.4;
    win(&f, 5 * M_MS)->burn = 14.4;
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(f.rules[0].state, SLO_RULE_QUIET);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);
    win(&f, 5 * M_MS)->burn = nextafter(14.4, 100);
    win(&f, H_MS)->burn = nextafter(14.4, 100);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(f.rules[0].state, SLO_RULE_FIRING);

    /* ticket only: above 1 over 3d and 6h, and above 3 over 1d and 2h */
    setup(&f, 0.0005);
    set_burn(&f, 3 * D_MS, 1.5);
    set_burn(&f, 6 * H_MS, 1.2);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_FIRING);
    ck_assert_str_eq(d.severity, "ticket");
    ck_assert_int_eq(f.rules[3].state, SLO_RULE_FIRING);
    ck_assert_int_eq(f.rules[2].state, SLO_RULE_QUIET);
    /* page slow (6h/30m at 6) and ticket: the first firing rule names the severity */
    set_burn(&f, 6 * H_MS, 7);
    set_burn(&f, 30 * M_MS, 8);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_str_eq(d.severity, "page");
    ck_assert_int_eq(f.rules[1].state, SLO_RULE_FIRING);
    ck_assert_int_eq(f.rules[3].state, SLO_RULE_FIRING);
    arena_free(&f.a);
}
END_TEST

START_TEST(test_decide_inconclusive)
{
    fixture f = {0};
    setup(&f, 0.0005);
    /* no traffic over 5m: never ok */
    set_reason(&f, 5 * M_MS, SLO_REASON_NO_TRAFFIC);
    slo_decision d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
    ck_assert_int_eq(d.reason, SLO_REASON_NO_TRAFFIC);
    ck_assert_int_eq(d.reason_window_ms, 5 * M_MS);
    /* the page-fast rule itself is quiet: its 1h window is below 14.4 */
    ck_assert_int_eq(f.rules[0].state, SLO_RULE_QUIET);
    ck_assert(isnan(f.rules[0].burn_short));

    /* the long window high, the short one unknown: the rule cannot be told */
    set_burn(&f, H_MS, 20);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
    ck_assert_int_eq(f.rules[0].state, SLO_RULE_INCONCLUSIVE);
    ck_assert_int_eq(f.rules[0].reason, SLO_REASON_NO_TRAFFIC);
    ck_assert_int_eq(f.rules[0].reason_window_ms, 5 * M_MS);

    /* firing wins over inconclusive */
    setup(&f, 0.0005);
    set_reason(&f, 3 * D_MS, SLO_REASON_NO_DATA);
    set_burn(&f, 6 * H_MS, 1.5); /* above ticket-slow's 1: only 3d could tell */
    set_burn(&f, H_MS, 20);
    set_burn(&f, 5 * M_MS, 20);
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_FIRING);
    ck_assert_int_eq(f.rules[3].state, SLO_RULE_INCONCLUSIVE);
    ck_assert_int_eq(f.rules[3].reason, SLO_REASON_NO_DATA);

    /* every reason propagates, with its window */
    static const slo_reason reasons[] = {
        SLO_REASON_NO_DATA,     SLO_REASON_NAN,           SLO_REASON_INF,    SLO_REASON_NEGATIVE,
        SLO_REASON_MANY_SERIES, SLO_REASON_BACKEND_ERROR, SLO_REASON_PARTIAL};
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        setup(&f, 0.0005);
        set_reason(&f, 2 * H_MS, reasons[i]);
        d = decide(&f, NULL, 0, SLO_REASON_NONE);
        ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
        ck_assert_int_eq(d.reason, reasons[i]);
        ck_assert_int_eq(d.reason_window_ms, 2 * H_MS);
    }
    /* the budget over the period */
    setup(&f, 0.0005);
    d = decide(&f, NULL, 0, SLO_REASON_PARTIAL);
    ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
    ck_assert_int_eq(d.reason, SLO_REASON_PARTIAL);
    ck_assert_int_eq(d.reason_window_ms, 0);
    /* a NaN burn with no reason is treated as NaN, never as ok */
    win(&f, 30 * M_MS)->burn = NAN;
    d = decide(&f, NULL, 0, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
    ck_assert_int_eq(d.reason, SLO_REASON_NAN);
    arena_free(&f.a);
}
END_TEST

START_TEST(test_decide_disabled)
{
    fixture f = {0};
    setup(&f, 0.0005);
    const char *const no_ticket[] = {"ticket"};
    set_burn(&f, 3 * D_MS, 2);
    set_burn(&f, 6 * H_MS, 2);
    slo_decision d = decide(&f, no_ticket, 1, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);
    ck_assert_int_eq(f.rules[3].state, SLO_RULE_DISABLED);
    ck_assert_int_eq(f.rules[2].state, SLO_RULE_DISABLED);
    /* windows only a disabled rule needs do not make it inconclusive ... */
    set_reason(&f, 3 * D_MS, SLO_REASON_NO_DATA);
    set_reason(&f, D_MS, SLO_REASON_NO_DATA);
    set_reason(&f, 2 * H_MS, SLO_REASON_NO_DATA);
    d = decide(&f, no_ticket, 1, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);
    /* ... but a window shared with an enabled rule (6h: page slow's long) does */
    set_reason(&f, 6 * H_MS, SLO_REASON_NO_DATA);
    d = decide(&f, no_ticket, 1, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_INCONCLUSIVE);
    ck_assert_int_eq(d.reason_window_ms, 6 * H_MS);
    /* everything disabled: nothing can fire */
    const char *const all[] = {"page", "ticket"};
    setup(&f, 1);
    d = decide(&f, all, 2, SLO_REASON_NONE);
    ck_assert_int_eq(d.status, SLO_STATUS_OK);
    arena_free(&f.a);
}
END_TEST

START_TEST(test_decide_missing_window)
{
    fixture f = {0};
    setup(&f, 0.0005);
    slo_decision d;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(slo_policy_decide(&d, NULL, &f.p, f.w, 6, NULL, 0, SLO_REASON_NONE, &err),
                     SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "window"));
    arena_free(&f.a);
}
END_TEST

START_TEST(test_names)
{
    ck_assert_str_eq(slo_reason_name(SLO_REASON_NO_TRAFFIC), "no traffic");
    ck_assert_str_eq(slo_reason_name(SLO_REASON_NO_DATA), "no data");
    ck_assert_str_eq(slo_reason_name(SLO_REASON_PARTIAL), "partial response");
    ck_assert_str_eq(slo_status_name(SLO_STATUS_OK), "ok");
    ck_assert_str_eq(slo_status_name(SLO_STATUS_FIRING), "firing");
    ck_assert_str_eq(slo_status_name(SLO_STATUS_INCONCLUSIVE), "inconclusive");
}
END_TEST

static Suite *slo_policy_suite(void)
{
    Suite *s = suite_create("slo_policy");
    TCase *tc = tcase_create("factors");
    tcase_add_test(tc, test_workbook_30d);
    tcase_add_test(tc, test_workbook_28d);
    tcase_add_test(tc, test_workbook_7d);
    tcase_add_test(tc, test_factor_formula);
    tcase_add_test(tc, test_decimal_parse);
    suite_add_tcase(s, tc);
    tc = tcase_create("math");
    tcase_add_test(tc, test_ratio_events);
    tcase_add_test(tc, test_measure_add);
    tcase_add_test(tc, test_budget_remaining);
    suite_add_tcase(s, tc);
    tc = tcase_create("decisions");
    tcase_add_test(tc, test_decide_ok_and_firing);
    tcase_add_test(tc, test_decide_inconclusive);
    tcase_add_test(tc, test_decide_disabled);
    tcase_add_test(tc, test_decide_missing_window);
    tcase_add_test(tc, test_names);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slo_policy_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
