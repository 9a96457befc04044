/* The demo (examples/demo/run.sh) says what it shows: with its data,
 * eu-west-1 burns the 99.9% availability budget at page level (1h and 5m
 * burn > 14.4, 6h and 30m > 6), us-east-1 and ap-south-1 stay below 1, and
 * the three regions together do not page. Checked on the data the script
 * itself generates, one real Prometheus per region as the demo runs them. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promserver.h"

static const char *const regions[3] = {"us-east-1", "eu-west-1", "ap-south-1"};
static promserver *servers[3];
static char out_dir[] = "/tmp/sloeval-demo-test-XXXXXX";
static char fixture_error[1024];
#define EVAL_TIME "2024-01-01T06:00:00Z"

static void setup(void)
{
    fixture_error[0] = '\0';
    if (mkdtemp(out_dir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "mkdtemp failed");
        return;
    }
    setenv("SLOEVAL_GENDATA", SLOEVAL_BINARY_DIR "/tests/sloeval-gendata", 1);
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "'" SLOEVAL_SOURCE_DIR "/examples/demo/run.sh' --data-only --out '%s' >/dev/null 2>&1",
             out_dir);
    int rc = system(cmd);
    if (rc != 0) {
        snprintf(fixture_error, sizeof fixture_error, "run.sh --data-only failed (%d)", rc);
        return;
    }
    for (int i = 0; i < 3; i++) {
        char path[512], err[512];
        snprintf(path, sizeof path, "%s/data/%s.om", out_dir, regions[i]);
        servers[i] = promserver_start(path, err, sizeof err);
        if (servers[i] == NULL) {
            snprintf(fixture_error, sizeof fixture_error, "%s: %s", regions[i], err);
            return;
        }
    }
}

static void teardown(void)
{
    for (int i = 0; i < 3; i++) {
        promserver_stop(servers[i]);
        servers[i] = NULL;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", out_dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", out_dir);
}

static double rate_sum(int region, const char *selector, const char *window)
{
    char expr[512];
    snprintf(expr, sizeof expr, "sum(rate(http_requests_total{%s}[%s]))", selector, window);
    double v = 0;
    ck_assert_msg(promserver_query_value(servers[region], expr, EVAL_TIME, &v) == 0, "%s on %s",
                  expr, regions[region]);
    return v;
}

/* Burn of the 99.9% availability SLO: error ratio / 0.001. */
static double burn(int region, const char *window)
{
    return rate_sum(region, "job=\"checkout\",status=~\"5..\"", window) /
           rate_sum(region, "job=\"checkout\"", window) / 0.001;
}

/* The regions merged: sums of rates, never averages of ratios. */
static double global_burn(const char *window)
{
    double errors = 0, total = 0;
    for (int i = 0; i < 3; i++) {
        errors += rate_sum(i, "job=\"checkout\",status=~\"5..\"", window);
        total += rate_sum(i, "job=\"checkout\"", window);
    }
    return errors / total / 0.001;
}

START_TEST(test_demo_claims)
{
    ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error);
    ck_assert_double_gt(burn(1, "1h"), 14.4 * 2);
    ck_assert_double_gt(burn(1, "5m"), 14.4 * 2);
    ck_assert_double_gt(burn(1, "6h"), 6 * 1.1);
    ck_assert_double_gt(burn(1, "30m"), 6 * 2);
    const char *windows[] = {"5m", "30m", "1h", "2h", "6h", "1d", "3d"};
    for (size_t w = 0; w < sizeof windows / sizeof windows[0]; w++) {
        ck_assert_msg(burn(0, windows[w]) < 0.8, "us-east-1 over %s", windows[w]);
        ck_assert_msg(burn(2, windows[w]) < 0.8, "ap-south-1 over %s", windows[w]);
    }
    /* Together: no page (1h below 14.4, 6h below 6). */
    ck_assert_double_lt(global_burn("1h"), 14.4 * 0.9);
    ck_assert_double_lt(global_burn("6h"), 6 * 0.8);
    /* Only the SLO's selectors' data is there: each server one region. */
    for (int i = 0; i < 3; i++) {
        double n = 0;
        ck_assert_int_eq(promserver_query_value(servers[i],
                                                "count(count by (region) (http_requests_total))",
                                                EVAL_TIME, &n),
                         0);
        ck_assert_double_eq(n, 1);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("demo");
    TCase *tc = tcase_create("demo");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_demo_claims);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
