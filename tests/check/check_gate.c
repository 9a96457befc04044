/*
 * The decisions at their edges, against a real Prometheus 2.42: an error
 * ratio sitting exactly on a burn-rate threshold (14.4 x the budget of a
 * 99.9% objective) decided as the equivalent Prometheus rule decides it.
 *
 * The data is a gauge whose value is the error ratio, so that every
 * window's ratio is exactly that literal (max_over_time of a constant).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "promserver.h"
#include "sloeval.h"

#define START_S 1704067200LL /* 2024-01-01T00:00:00Z */
#define HOURS   6
static const int64_t T_END = (START_S + HOURS * 3600) * 1000;

static char dir[] = "/tmp/sloeval-gate-it-XXXXXX";
static promserver *srv;
static char fixture_error[1024];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        snprintf(fixture_error, sizeof(fixture_error), "cannot write %s", path);
}

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    if (!mkdtemp(dir)) {
        snprintf(fixture_error, sizeof fixture_error, "mkdtemp");
        return;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/data.om", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(fixture_error, sizeof fixture_error, "cannot write %s", path);
        return;
    }
    /* one sample a minute, 00:00 to 06:00: exactly on the page threshold */
    fputs("# TYPE boundary_error_ratio gauge\n", f);
    for (int64_t t = START_S; t <= START_S + HOURS * 3600; t += 60)
        fprintf(f, "boundary_error_ratio 0.0144 %lld\n", (long long)t);
    fputs("# EOF\n", f);
    fclose(f);
    if (!(srv = promserver_start(path, err, sizeof err))) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n"
             "slos:\n"
             "  - name: edge\n"
             "    objective: 99.9\n"
             "    sli: {error_ratio_query: 'max_over_time(boundary_error_ratio[{{window}}])'}\n",
             promserver_url(srv));
    write_file("edge.yaml", buf);
    sloeval_global_init();
}

static void teardown(void)
{
    promserver_stop(srv);
    srv = NULL;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static sloeval_check_report *run(const char *config)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, config);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, path, NULL, &err) == 0, "%s", err.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    o.time_ms = T_END;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &err) == 0, "%s", err.message);
    sloeval_slo_set_free(set);
    return rep;
}

static const sloeval_check_rule *rule(const sloeval_check_slo_result *s, const char *lw,
                                      const char *sw)
{
    for (size_t i = 0; i < sloeval_check_slo_rule_count(s); i++) {
        const sloeval_check_rule *r = sloeval_check_slo_rule(s, i);
        if (!strcmp(sloeval_check_rule_long_window(r), lw) &&
            !strcmp(sloeval_check_rule_short_window(r), sw))
            return r;
    }
    ck_abort_msg("no rule %s/%s", lw, sw);
    return NULL;
}

/* Sloth writes `ratio > (14.4 * 0.0009999999999999432)` (its budget is
 * (100 - 99.9) / 100 in float64); Prometheus fires on a ratio of exactly
 * 0.0144 there, and so must sloeval. */
START_TEST(test_boundary_fires_as_prometheus_does)
{
    REQUIRE_FIXTURE();
    char at[32];
    snprintf(at, sizeof(at), "%lld", (long long)(T_END / 1000));
    const char *windows[] = {"5m", "1h"};
    for (size_t i = 0; i < 2; i++) {
        char expr[256];
        double v;
        snprintf(expr, sizeof(expr), "max_over_time(boundary_error_ratio[%s])", windows[i]);
        ck_assert_int_eq(promserver_query_value(srv, expr, at, &v), 0);
        ck_assert_double_eq(v, 0.0144);
        /* the Sloth rule's comparison fires on the server */
        snprintf(expr, sizeof(expr),
                 "max_over_time(boundary_error_ratio[%s]) > (14.4 * 0.0009999999999999432)",
                 windows[i]);
        ck_assert_msg(promserver_query_value(srv, expr, at, &v) == 0, "%s is empty", expr);
        ck_assert_double_eq(v, 0.0144);
    }
    sloeval_check_report *rep = run("edge.yaml");
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 1);
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    const sloeval_check_rule *r = rule(s, "1h", "5m");
    ck_assert_double_eq(sloeval_check_rule_factor(r), 14.4);
    ck_assert_int_eq(sloeval_check_rule_state_of(r), SLOEVAL_CHECK_RULE_FIRING);
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_slo_severity(s), "page");
    /* 6h/30m at factor 6 is well above its threshold */
    ck_assert_int_eq(sloeval_check_rule_state_of(rule(s, "6h", "30m")), SLOEVAL_CHECK_RULE_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("prometheus");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_boundary_fires_as_prometheus_does);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!promserver_available()) {
        fprintf(stderr,
                "prometheus and promtool 2.42 are needed (scripts/install-deps.sh --dev)\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
