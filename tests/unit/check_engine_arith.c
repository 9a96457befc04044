/*
 * Unit tests of the aggregation and operator kernels (lib/engine/arith.c):
 * naive vs compensated sum, the avg methods, NaN rules of min/max/count,
 * stddev, quantile and operator arithmetic.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>

#include "engine/kernels.h"

#define V2 SLOEVAL_COMPAT_V2
#define V3 SLOEVAL_COMPAT_V3

static double fold(agg_op op, const double *v, size_t n, sloeval_compat c)
{
    agg_acc g;
    agg_first(&g, op, v[0], c);
    for (size_t i = 1; i < n; i++)
        agg_next(&g, op, v[i], c);
    return agg_final(&g, op, c);
}

START_TEST(test_sum_naive_vs_compensated)
{
    double v[] = {2, 8, 1e100, -1e100};
    ck_assert(fold(AGG_SUM, v, 4, V2) == 0);
    ck_assert(fold(AGG_SUM, v, 4, V3) == 10);
    double w[] = {1, 2, 3.5};
    ck_assert(fold(AGG_SUM, w, 3, V2) == 6.5);
    ck_assert(fold(AGG_SUM, w, 3, V3) == 6.5);
    double inf[] = {1, INFINITY, 2};
    ck_assert(isinf(fold(AGG_SUM, inf, 3, V3)));
    double mixed[] = {INFINITY, -INFINITY};
    ck_assert(isnan(fold(AGG_SUM, mixed, 2, V2)));
    ck_assert(isnan(fold(AGG_SUM, mixed, 2, V3)));
    double nan[] = {1, NAN};
    ck_assert(isnan(fold(AGG_SUM, nan, 2, V3)));
}
END_TEST

START_TEST(test_avg_methods)
{
    double v[] = {2, 8, 1e100, -1e100};
    /* 3.x: compensated sum / n. */
    ck_assert(fold(AGG_AVG, v, 4, V3) == 2.5);
    /* 2.x: incremental mean: 2, 5, ... loses the small terms entirely. */
    ck_assert(fold(AGG_AVG, v, 4, V2) != 2.5);
    double w[] = {1, 2, 3, 4};
    ck_assert(fold(AGG_AVG, w, 4, V2) == 2.5);
    ck_assert(fold(AGG_AVG, w, 4, V3) == 2.5);
    /* Infinities: the mean stays infinite unless the other sign or NaN comes. */
    double a[] = {INFINITY, 1, 2};
    ck_assert(fold(AGG_AVG, a, 3, V2) == INFINITY);
    ck_assert(fold(AGG_AVG, a, 3, V3) == INFINITY);
    double b[] = {INFINITY, -INFINITY};
    ck_assert(isnan(fold(AGG_AVG, b, 2, V2)));
    ck_assert(isnan(fold(AGG_AVG, b, 2, V3)));
    double c[] = {1, INFINITY, INFINITY};
    ck_assert(fold(AGG_AVG, c, 3, V2) == INFINITY);
    ck_assert(fold(AGG_AVG, c, 3, V3) == INFINITY);
    /* 3.x switches to an incremental mean when the sum would overflow. */
    double big[] = {1e308, 1e308, -1e308};
    double m = fold(AGG_AVG, big, 3, V3);
    ck_assert(isfinite(m));
    ck_assert(fabs(m - 1e308 / 3) < 1e294);
    double m2 = fold(AGG_AVG, big, 3, V2);
    ck_assert(isfinite(m2));
}
END_TEST

START_TEST(test_min_max_count_nan)
{
    double v[] = {NAN, 3, 1, NAN, 2};
    for (int k = 0; k < 2; k++) {
        sloeval_compat c = k ? V3 : V2;
        ck_assert(fold(AGG_MIN, v, 5, c) == 1);
        ck_assert(fold(AGG_MAX, v, 5, c) == 3);
        ck_assert(fold(AGG_COUNT, v, 5, c) == 5);
        ck_assert(fold(AGG_GROUP, v, 5, c) == 1);
        double all[] = {NAN, NAN};
        ck_assert(isnan(fold(AGG_MIN, all, 2, c)));
        ck_assert(isnan(fold(AGG_MAX, all, 2, c)));
    }
}
END_TEST

START_TEST(test_stddev)
{
    double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    ck_assert(fold(AGG_STDDEV, v, 8, V2) == 2);
    ck_assert(fold(AGG_STDVAR, v, 8, V3) == 4);
    double one[] = {NAN};
    /* A lone NaN: 0 on 2.x, NaN on 3.x. */
    ck_assert(fold(AGG_STDVAR, one, 1, V2) == 0);
    ck_assert(isnan(fold(AGG_STDVAR, one, 1, V3)));
}
END_TEST

START_TEST(test_quantile)
{
    double v[] = {4, 1, 3, 2};
    ck_assert(quantile_of(0.5, v, 4) == 2.5);
    double w[] = {4, 1, 3, 2};
    ck_assert(quantile_of(0, w, 4) == 1);
    ck_assert(quantile_of(1, w, 4) == 4);
    ck_assert(quantile_of(-1, w, 4) == -INFINITY);
    ck_assert(quantile_of(2, w, 4) == INFINITY);
    ck_assert(isnan(quantile_of(NAN, w, 4)));
    ck_assert(isnan(quantile_of(0.5, w, 0)));
    double x[] = {NAN, 1, 2};
    /* NaN sorts first. */
    ck_assert(quantile_of(1, x, 3) == 2);
}
END_TEST

START_TEST(test_binops)
{
    double out;
    ck_assert(binop_values(BIN_ADD, 1, 2, &out) && out == 3);
    ck_assert(binop_values(BIN_DIV, 1, 0, &out) && out == INFINITY);
    ck_assert(binop_values(BIN_DIV, -1, 0, &out) && out == -INFINITY);
    ck_assert(binop_values(BIN_DIV, 0, 0, &out) && isnan(out));
    ck_assert(binop_values(BIN_MOD, -7, 3, &out) && out == -1);
    ck_assert(binop_values(BIN_MOD, 7, 0, &out) && isnan(out));
    ck_assert(binop_values(BIN_POW, 2, 10, &out) && out == 1024);
    ck_assert(binop_values(BIN_POW, NAN, 0, &out) && out == 1);
    ck_assert(!binop_values(BIN_GTR, 1, 2, &out) && out == 1);
    ck_assert(binop_values(BIN_LTE, 2, 2, &out) && out == 2);
    ck_assert(!binop_values(BIN_EQL, NAN, NAN, &out));
    ck_assert(binop_values(BIN_NEQ, NAN, NAN, &out));
    ck_assert(binop_scalars(BIN_GTR, 3, 2) == 1);
    ck_assert(binop_scalars(BIN_EQL, 3, 2) == 0);
    ck_assert(binop_scalars(BIN_SUB, 3, 2) == 1);
    ck_assert(binop_is_arithmetic(BIN_ATAN2));
    ck_assert(!binop_is_arithmetic(BIN_EQL));
}
END_TEST

START_TEST(test_kahan_inc)
{
    double sum = 0, c = 0;
    for (int i = 0; i < 10; i++)
        kahan_inc(0.1, &sum, &c);
    ck_assert(sum + c == 1.0);
    double naive = 0;
    for (int i = 0; i < 10; i++)
        naive += 0.1;
    ck_assert(naive != 1.0);
}
END_TEST

static Suite *arith_suite(void)
{
    Suite *s = suite_create("engine_arith");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_sum_naive_vs_compensated);
    tcase_add_test(tc, test_avg_methods);
    tcase_add_test(tc, test_min_max_count_nan);
    tcase_add_test(tc, test_stddev);
    tcase_add_test(tc, test_quantile);
    tcase_add_test(tc, test_binops);
    tcase_add_test(tc, test_kahan_inc);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(arith_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
