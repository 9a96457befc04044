/*
 * Unit tests of the rate kernels (lib/engine/rate.c): every corner of
 * rate/increase/irate/delta under 2.x and 3.x semantics, the window and
 * lookback boundaries, worked out by hand from Prometheus's definition.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "engine/kernels.h"

#define V2     SLOEVAL_COMPAT_V2
#define V3     SLOEVAL_COMPAT_V3
#define S(sec) ((int64_t)((sec)*1000))
#define MIN(m) ((int64_t)(m)*60000)

static void assert_close(double got, double want)
{
    if (isnan(want)) {
        ck_assert_msg(isnan(got), "want NaN, got %.17g", got);
        return;
    }
    double diff = fabs(got - want);
    double scale = fabs(want) > 1 ? fabs(want) : 1;
    ck_assert_msg(diff <= 1e-12 * scale, "want %.17g, got %.17g", want, got);
}

/*
 * rate over a window of series s evaluated at t (ms) with range r (ms) and
 * offset 0: selects the window with the compat rule and calls the kernel.
 */
static bool eval_window(double *out, const sample *s, size_t n, int64_t t, int64_t r, bool counter,
                        bool per_second, sloeval_compat c)
{
    size_t lo, hi;
    window_find(s, n, t - r, t, c, &lo, &hi);
    return rate_extrapolated(out, s + lo, hi - lo, t - r, t, r, counter, per_second, c);
}

START_TEST(test_duration_seconds)
{
    ck_assert(duration_seconds(300000) == 300.0);
    ck_assert(duration_seconds(1500) == 1.5);
    ck_assert(duration_seconds(1) == 0.001);
    ck_assert(duration_seconds(-1500) == -1.5);
}
END_TEST

/* A steady counter rising 1 per second sampled every 15 s. */
START_TEST(test_rate_steady_counter)
{
    sample s[41];
    for (int i = 0; i < 41; i++)
        s[i] = (sample){S(i * 15), i * 15.0};
    double v;
    /* 2.x: the window [0s, 300s] holds 21 samples starting at value 0. */
    ck_assert(eval_window(&v, s, 41, S(300), MIN(5), true, true, V2));
    assert_close(v, 1.0);
    /* 3.x: (0s, 300s] holds 20 samples; the 15 s gap to the start is
     * within 1.1 x the average step, so it extrapolates fully. */
    ck_assert(eval_window(&v, s, 41, S(300), MIN(5), true, true, V3));
    assert_close(v, 1.0);
    ck_assert(eval_window(&v, s, 41, S(300), MIN(5), true, false, V3));
    assert_close(v, 300.0);
    /* Mid-series: [285, 585] vs (285, 585]. */
    ck_assert(eval_window(&v, s, 41, S(585), MIN(5), true, false, V2));
    assert_close(v, 300.0);
}
END_TEST

START_TEST(test_rate_counter_reset)
{
    /* 10 20 30 5 15 at 0,60,...,240 s; window [-60, 240] s. */
    sample s[] = {{S(0), 10}, {S(60), 20}, {S(120), 30}, {S(180), 5}, {S(240), 15}};
    double v;
    for (int c = 0; c < 2; c++) {
        sloeval_compat compat = c ? V3 : V2;
        /* delta = 15 - 10 + 30 (reset) = 35; to_start 60 s < 66 s; the
         * zero point 240 * 10/35 = 68.6 s is farther: factor 300/240. */
        ck_assert(eval_window(&v, s, 5, S(240), MIN(5), true, false, compat));
        assert_close(v, 43.75);
        ck_assert(eval_window(&v, s, 5, S(240), MIN(5), true, true, compat));
        assert_close(v, 43.75 / 300);
    }
    /* Two resets in a row: 10 2 1 -> delta 1 - 10 + 10 + 2 = 3. */
    sample r[] = {{S(0), 10}, {S(60), 2}, {S(120), 1}};
    ck_assert(rate_extrapolated(&v, r, 3, S(0), S(120), S(120), true, false, V2));
    assert_close(v, 3.0);
    /* delta() does not correct resets: 1 - 10 = -9. */
    ck_assert(rate_extrapolated(&v, r, 3, S(0), S(120), S(120), false, false, V2));
    assert_close(v, -9.0);
}
END_TEST

START_TEST(test_rate_fewer_than_two)
{
    sample s[] = {{S(60), 5}};
    double v = 42;
    ck_assert(!rate_extrapolated(&v, s, 1, 0, S(60), S(60), true, true, V2));
    ck_assert(!rate_extrapolated(&v, s, 1, 0, S(60), S(60), true, true, V3));
    ck_assert(!rate_extrapolated(&v, s, 0, 0, S(60), S(60), true, true, V3));
    ck_assert(!rate_instant(&v, s, 1, true));
    ck_assert(v == 42);
}
END_TEST

/* The two start-side limits (1.1 x rule, zero point) in both orders. */
START_TEST(test_rate_zero_point_order)
{
    /* 10 22 34 at 60,120,180 s; window [-120, 180] s (5m). to_start =
     * 180 s >= 66 s; zero point = 120 * 10/24 = 50 s. */
    sample s[] = {{S(60), 10}, {S(120), 22}, {S(180), 34}};
    double v;
    /* 2.x: zero point first (50 s), then 50 < 66 keeps it: 24*170/120. */
    ck_assert(rate_extrapolated(&v, s, 3, S(-120), S(180), MIN(5), true, false, V2));
    assert_close(v, 34.0);
    /* 3.x: 1.1x rule first (avg/2 = 30 s), the zero point 50 s is farther. */
    ck_assert(rate_extrapolated(&v, s, 3, S(-120), S(180), MIN(5), true, false, V3));
    assert_close(v, 30.0);

    /* 1 13 25: zero point 120 * 1/24 = 5 s wins in both orders: 24*125/120. */
    sample z[] = {{S(60), 1}, {S(120), 13}, {S(180), 25}};
    ck_assert(rate_extrapolated(&v, z, 3, S(-120), S(180), MIN(5), true, false, V2));
    assert_close(v, 25.0);
    ck_assert(rate_extrapolated(&v, z, 3, S(-120), S(180), MIN(5), true, false, V3));
    assert_close(v, 25.0);

    /* The zero point does not apply to delta(), nor when the counter went
     * down overall, nor to a negative first value. */
    ck_assert(rate_extrapolated(&v, z, 3, S(-120), S(180), MIN(5), false, false, V2));
    assert_close(v, 30.0);
    sample neg[] = {{S(60), -5}, {S(120), 7}, {S(180), 19}};
    ck_assert(rate_extrapolated(&v, neg, 3, S(-120), S(180), MIN(5), true, false, V2));
    assert_close(v, 30.0);
    ck_assert(rate_extrapolated(&v, neg, 3, S(-120), S(180), MIN(5), true, false, V3));
    assert_close(v, 30.0);
}
END_TEST

/* The 2.x vs 3.x example of docs/promql-semantics.md: 0+10x9 0 10 at 5m
 * spacing, rate(x[5m]) at 50m. */
START_TEST(test_rate_doc_example)
{
    sample s[12];
    for (int i = 0; i < 10; i++)
        s[i] = (sample){MIN(5 * i), 10.0 * i};
    s[10] = (sample){MIN(50), 0};
    s[11] = (sample){MIN(55), 10};
    double v = -1;
    ck_assert(eval_window(&v, s, 12, MIN(50), MIN(5), true, true, V2));
    ck_assert(v == 0);
    ck_assert(!eval_window(&v, s, 12, MIN(50), MIN(5), true, true, V3));
}
END_TEST

START_TEST(test_rate_gaps_and_end)
{
    /* Samples stop early: 0 10 20 at 0,60,120 s, window [-60?]: evaluate
     * at 300 s with a 5m range: to_start 0 (v2 includes t=0), to_end
     * 180 s >= 66 s, so only 30 s are added at the end. */
    sample s[] = {{S(0), 0}, {S(60), 10}, {S(120), 20}};
    double v;
    ck_assert(eval_window(&v, s, 3, S(300), MIN(5), true, false, V2));
    assert_close(v, 20.0 * 150 / 120);
    /* 3.x excludes t=0: 10 20 at 60,120: to_start 60 >= 66? no (avg 60,
     * threshold 66): kept, zero point 60 * 10/10 = 60 equal, kept; end 30. */
    ck_assert(eval_window(&v, s, 3, S(300), MIN(5), true, false, V3));
    assert_close(v, 10.0 * (60 + 60 + 30) / 60);

    /* A gap in the middle changes only the average step. 0 at 0 s, 1 at
     * 10 s, 2 at 290 s; window [-10, 290]: avg 145, threshold 159.5. */
    sample g[] = {{S(0), 0}, {S(10), 1}, {S(290), 2}};
    ck_assert(rate_extrapolated(&v, g, 3, S(-10), S(290), MIN(5), true, false, V2));
    /* zero point 0 (first value 0) limits the start to 0. */
    assert_close(v, 2.0 * 290 / 290);
    ck_assert(rate_extrapolated(&v, g, 3, S(-10), S(290), MIN(5), false, false, V2));
    assert_close(v, 2.0 * 300 / 290);
}
END_TEST

START_TEST(test_rate_jitter)
{
    /* Scrapes at 14.9 s, 30.2 s, 44.95 s, 60.0 s; values 1..4; evaluated
     * at 61.234 s with a 1m range (window start 1.234 s). */
    sample s[] = {{14900, 1}, {30200, 2}, {44950, 3}, {60000, 4}};
    double v;
    double sampled = 45.1, avg = sampled / 3, to_start = 13.666, to_end = 1.234;
    /* to_start < 1.1 * avg (16.54); zero point 45.1 * 1/3 = 15.03 > 13.666 */
    ck_assert(rate_extrapolated(&v, s, 4, 1234, 61234, 60000, true, true, V2));
    assert_close(v, 3.0 * ((sampled + to_start + to_end) / sampled) / 60);
    ck_assert(rate_extrapolated(&v, s, 4, 1234, 61234, 60000, true, true, V3));
    assert_close(v, 3.0 * ((sampled + to_start + to_end) / sampled) / 60);
    (void)avg;
}
END_TEST

START_TEST(test_rate_offset_window)
{
    /* rate(x[1m] offset 2m) at 5m: the window is [2m, 3m] (v2). */
    sample s[11];
    for (int i = 0; i < 11; i++)
        s[i] = (sample){MIN(i), i * 60.0};
    size_t lo, hi;
    int64_t t = MIN(5), off = MIN(2), r = MIN(1);
    window_find(s, 11, t - off - r, t - off, V2, &lo, &hi);
    ck_assert_uint_eq(lo, 2);
    ck_assert_uint_eq(hi, 4);
    double v;
    ck_assert(rate_extrapolated(&v, s + lo, hi - lo, t - off - r, t - off, r, true, true, V2));
    assert_close(v, 1.0);
    window_find(s, 11, t - off - r, t - off, V3, &lo, &hi);
    ck_assert_uint_eq(lo, 3);
    ck_assert_uint_eq(hi, 4);
    ck_assert(!rate_extrapolated(&v, s + lo, hi - lo, t - off - r, t - off, r, true, true, V3));
}
END_TEST

START_TEST(test_window_boundaries)
{
    sample s[] = {{100, 1}, {200, 2}, {300, 3}, {400, 4}, {500, 5}};
    size_t lo, hi;
    window_find(s, 5, 200, 400, V2, &lo, &hi);
    ck_assert_uint_eq(lo, 1);
    ck_assert_uint_eq(hi, 4);
    window_find(s, 5, 200, 400, V3, &lo, &hi);
    ck_assert_uint_eq(lo, 2);
    ck_assert_uint_eq(hi, 4);
    window_find(s, 5, 199, 399, V3, &lo, &hi);
    ck_assert_uint_eq(lo, 1);
    ck_assert_uint_eq(hi, 3);
    window_find(s, 5, 600, 700, V2, &lo, &hi);
    ck_assert_uint_eq(lo, hi);
    window_find(s, 5, 0, 50, V2, &lo, &hi);
    ck_assert_uint_eq(hi, 0);

    /* Sliding gives the same windows as finding them afresh. */
    sample many[1000];
    for (int i = 0; i < 1000; i++)
        many[i] = (sample){i * 7 + (i % 3), i};
    for (int c = 0; c < 2; c++) {
        sloeval_compat compat = c ? V3 : V2;
        for (int64_t step = 1; step < 900; step += 37) {
            size_t slo = 0, shi = 0;
            for (int64_t t = -100; t < 7200; t += step) {
                size_t flo, fhi;
                window_find(many, 1000, t - 60, t, compat, &flo, &fhi);
                window_slide(many, 1000, t - 60, t, compat, &slo, &shi);
                ck_assert_uint_eq(flo, slo);
                ck_assert_uint_eq(fhi, shi);
            }
        }
    }
}
END_TEST

START_TEST(test_instant_lookback)
{
    sample s[] = {{MIN(0), 1}, {MIN(1), 2}, {MIN(2), 0}, {MIN(10), 5}};
    s[2].v = stale_nan();
    int64_t lb = MIN(5);
    ck_assert_int_eq(instant_lookup(s, 4, MIN(1), lb, V2), 1);
    ck_assert_int_eq(instant_lookup(s, 4, MIN(1) + 30000, lb, V3), 1);
    /* A staleness marker hides the earlier sample. */
    ck_assert_int_eq(instant_lookup(s, 4, MIN(3), lb, V2), -1);
    /* Exactly lookback old: counts on 2.x, gone on 3.x. */
    sample t[] = {{MIN(0), 1}};
    ck_assert_int_eq(instant_lookup(t, 1, MIN(5), lb, V2), 0);
    ck_assert_int_eq(instant_lookup(t, 1, MIN(5), lb, V3), -1);
    ck_assert_int_eq(instant_lookup(t, 1, MIN(5) - 1, lb, V3), 0);
    ck_assert_int_eq(instant_lookup(t, 1, MIN(5) + 1, lb, V2), -1);
    /* Before the first sample. */
    ck_assert_int_eq(instant_lookup(t, 1, -1, lb, V2), -1);
    ck_assert_int_eq(instant_lookup(s, 4, MIN(10), lb, V3), 3);
}
END_TEST

START_TEST(test_irate_idelta)
{
    sample s[] = {{S(0), 1}, {S(15), 5}, {S(30), 3}};
    double v;
    /* Reset between the last two: the increase is the last value. */
    ck_assert(rate_instant(&v, s, 3, true));
    assert_close(v, 3.0 / 15);
    ck_assert(rate_instant(&v, s, 3, false));
    assert_close(v, -2.0);
    ck_assert(rate_instant(&v, s, 2, true));
    assert_close(v, 4.0 / 15);
    sample same[] = {{S(0), 1}, {S(0), 2}};
    ck_assert(!rate_instant(&v, same, 2, true));
    /* NaN in the last sample: no reset detected, NaN out. */
    sample n[] = {{S(0), 1}, {S(10), NAN}};
    ck_assert(rate_instant(&v, n, 2, true));
    ck_assert(isnan(v));
}
END_TEST

static Suite *rate_suite(void)
{
    Suite *s = suite_create("engine_rate");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_duration_seconds);
    tcase_add_test(tc, test_rate_steady_counter);
    tcase_add_test(tc, test_rate_counter_reset);
    tcase_add_test(tc, test_rate_fewer_than_two);
    tcase_add_test(tc, test_rate_zero_point_order);
    tcase_add_test(tc, test_rate_doc_example);
    tcase_add_test(tc, test_rate_gaps_and_end);
    tcase_add_test(tc, test_rate_jitter);
    tcase_add_test(tc, test_rate_offset_window);
    tcase_add_test(tc, test_window_boundaries);
    tcase_add_test(tc, test_instant_lookback);
    tcase_add_test(tc, test_irate_idelta);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(rate_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
