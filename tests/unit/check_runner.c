/*
 * Unit tests of the test-script runner (tools/promqltest/runner.c): counting,
 * the v2.42 and 3.x rules (expected failures and their messages, ordered
 * results, annotations, range evaluations), the @ and range-mode checks,
 * and skipping what is not evaluated locally without counting it passed.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promqltest/runner.h"

static char last_reason[1024];
static int nfailed_cases;

static void on_case(void *ctx, const runner_case *c)
{
    if (c->status != RUNNER_PASSED) snprintf(last_reason, sizeof last_reason, "%s", c->reason);
    if (c->status == RUNNER_FAILED) nfailed_cases++;
}

static runner_counts run(sloeval_compat compat, const char *text)
{
    runner_counts c = {0, 0, 0};
    runner_options o = {compat, compat != SLOEVAL_COMPAT_V2, on_case, NULL};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    last_reason[0] = 0;
    nfailed_cases = 0;
    int rc = runner_run(&c, text, strlen(text), "t.test", &o, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    return c;
}

#define COUNTS(c, p, f, s)                                                                         \
    do {                                                                                           \
        ck_assert_uint_eq((c).passed, p);                                                          \
        ck_assert_uint_eq((c).failed, f);                                                          \
        ck_assert_uint_eq((c).skipped, s);                                                         \
    } while (0)

START_TEST(test_pass_fail_counts)
{
    runner_counts c = run(SLOEVAL_COMPAT_V2, "load 1m\n"
                                             "  m{a=\"x\"} 0+1x10\n"
                                             "\n"
                                             "eval instant at 5m m\n"
                                             "  m{a=\"x\"} 5\n"
                                             "\n"
                                             "eval instant at 5m m\n"
                                             "  m{a=\"x\"} 6\n"
                                             "\n"
                                             "eval instant at 5m m\n"
                                             "  m{a=\"y\"} 5\n");
    COUNTS(c, 1, 2, 0);
    ck_assert_str_eq(last_reason, "in m: unexpected metric {__name__=\"m\", a=\"x\"} in result, "
                                  "has value 5");
    /* 1e-6 relative tolerance. */
    c = run(SLOEVAL_COMPAT_V3, "load 1m\n  m 1000000\n\neval instant at 0 m\n  m 1000000.5\n");
    COUNTS(c, 1, 0, 0);
}
END_TEST

START_TEST(test_expected_failures)
{
    const char *s = "load 1m\n  m 1\n\neval_fail instant at 0 count_values(\"a b\", m)\n\n"
                    "eval_fail instant at 0 m\n";
    runner_counts c = run(SLOEVAL_COMPAT_V2, s);
    COUNTS(c, 1, 1, 0);
    /* 3.x checks the message. */
    c = run(SLOEVAL_COMPAT_V3, "load 1m\n  m 1\n\neval instant at 0 count_values(\"a\\xff\", m)\n"
                               "  expect fail msg: invalid label name \"a\\xff\"\n\n"
                               "eval instant at 0 count_values(\"a\\xff\", m)\n"
                               "  expect fail regex: invalid label.*\n\n"
                               "eval instant at 0 count_values(\"a\\xff\", m)\n"
                               "  expect fail msg: something else\n");
    COUNTS(c, 2, 1, 0);
}
END_TEST

START_TEST(test_skips_are_not_passes)
{
    runner_counts c = run(SLOEVAL_COMPAT_V3, "load 1m\n"
                                             "  f 1 2 3\n"
                                             "  h {{schema:0 sum:1 count:1}}x2\n"
                                             "\n"
                                             "eval instant at 2m sum(h)\n"
                                             "  {} 1\n"
                                             "\n"
                                             "eval instant at 2m f\n"
                                             "  f 3\n"
                                             "\n"
                                             "eval instant at 2m limitk(1, f)\n"
                                             "  f 3\n");
    COUNTS(c, 1, 0, 2);
    ck_assert_str_eq(last_reason, "not supported for local evaluation: limitk at 1:1");
}
END_TEST

START_TEST(test_ordered_and_range)
{
    runner_counts c = run(SLOEVAL_COMPAT_V2, "load 1m\n  m{i=\"a\"} 1\n  m{i=\"b\"} 2\n\n"
                                             "eval_ordered instant at 0 sort_desc(m)\n"
                                             "  m{i=\"b\"} 2\n  m{i=\"a\"} 1\n\n"
                                             "eval_ordered instant at 0 sort(m)\n"
                                             "  m{i=\"b\"} 2\n  m{i=\"a\"} 1\n");
    COUNTS(c, 1, 1, 0);
    c = run(SLOEVAL_COMPAT_V3, "load 1m\n  m 0+10x4\n\n"
                               "eval range from 0 to 4m step 2m m\n  m 0 20 40\n\n"
                               "eval range from 0 to 4m step 1m m offset 2m\n  m _ _ 0 10 20\n\n"
                               "eval range from 0 to 4m step 2m m\n  m 0 20 41\n");
    COUNTS(c, 2, 1, 0);
}
END_TEST

START_TEST(test_annotations)
{
    runner_counts c = run(SLOEVAL_COMPAT_V3,
                          "load 1m\n  gauge 1+1x5\n\n"
                          "eval instant at 5m rate(gauge[5m])\n"
                          "  expect info msg: PromQL info: metric might not be a counter, name "
                          "does not end in _total/_sum/_count/_bucket: \"gauge\" (1:6)\n"
                          "  {} 0.016666666666666666\n\n"
                          "eval instant at 5m rate(gauge[5m])\n"
                          "  expect no_info\n"
                          "  {} 0.016666666666666666\n");
    COUNTS(c, 1, 1, 0);
}
END_TEST

START_TEST(test_at_variants_are_checked)
{
    /* The @ variants evaluate the same query at other times with every
     * selector pinned: a wrong result there fails the case. */
    runner_counts c = run(SLOEVAL_COMPAT_V2, "load 1m\n  m 0+1x10\n\n"
                                             "eval instant at 5m m - m offset 1m\n  {} 1\n\n"
                                             "eval instant at 5m timestamp(m)\n  {} 300\n");
    COUNTS(c, 2, 0, 0);
}
END_TEST

START_TEST(test_bad_script)
{
    runner_counts c = {0, 0, 0};
    runner_options o = {SLOEVAL_COMPAT_V2, false, NULL, NULL};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *s = "load\n  m 1\n";
    ck_assert_int_ne(runner_run(&c, s, strlen(s), "bad.test", &o, &err), 0);
    ck_assert_int_eq(err.code, SLOEVAL_EDATA);
    ck_assert(strncmp(err.message, "bad.test:1:", 11) == 0);
}
END_TEST

static Suite *runner_suite(void)
{
    Suite *s = suite_create("runner");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_pass_fail_counts);
    tcase_add_test(tc, test_expected_failures);
    tcase_add_test(tc, test_skips_are_not_passes);
    tcase_add_test(tc, test_ordered_and_range);
    tcase_add_test(tc, test_annotations);
    tcase_add_test(tc, test_at_variants_are_checked);
    tcase_add_test(tc, test_bad_script);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(runner_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
