/*
 * Server warnings in a check's answers (a Thanos or Mimir partial response,
 * a PromQL warning about the data), served by the fault server since a
 * real Prometheus 2.42 sends none for these queries: a successful answer
 * with a warning makes the SLO inconclusive in that scope, with the
 * warning as the reason, unless the backend's acceptable_warnings matches
 * it; infos change nothing. A bad acceptable_warnings regex is a config
 * error with its place.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultserver.h"
#include "sloeval.h"

#define T_MS 1704088800000LL

static const char *with_warning =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
    "\"value\":[1704088800,\"1\"]}]},\"warnings\":[\"partial response: store "
    "10.0.0.7:10901 unavailable\"]}";
static const char *with_info =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
    "\"value\":[1704088800,\"1\"]}]},\"infos\":[\"PromQL info: metric might not be a counter, "
    "name does not end in _total/_sum/_count/_bucket\"]}";

/* Run a check of one SLO against a fault server answering `body` to every
 * request, with `extra` added to the backend's keys. */
static sloeval_check_report *run(const char *body, const char *extra)
{
    char err[256];
    faultserver *fs = faultserver_start(err, sizeof(err));
    ck_assert_msg(fs != NULL, "%s", err);
    faultserver_respond(fs, 200, NULL, body);
    char cfg[2048];
    snprintf(cfg, sizeof(cfg),
             "backends:\n"
             "  global:\n"
             "    url: \"%s\"\n"
             "    compat: v3\n"
             "    retries: 0\n"
             "%s"
             "slos:\n"
             "  - name: requests\n"
             "    objective: 99.9\n"
             "    sli:\n"
             "      error_query: sum(rate(errors_total[{{window}}]))\n"
             "      total_query: sum(rate(requests_total[{{window}}]))\n"
             "    scopes: [global]\n",
             faultserver_url(fs), extra);
    sloeval_slo_set *set = NULL;
    sloeval_error e = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_string(&set, cfg, strlen(cfg), NULL, &e) == 0, "%s",
                  e.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    o.time_ms = T_MS;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &e) == 0, "%s", e.message);
    sloeval_slo_set_free(set);
    faultserver_stop(fs);
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 1);
    return rep;
}

START_TEST(test_warning_is_inconclusive)
{
    sloeval_check_report *rep = run(with_warning, "");
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    const char *r = sloeval_check_slo_reason(s);
    ck_assert_msg(sloeval_check_slo_status(s) == SLOEVAL_CHECK_INCONCLUSIVE, "status %d (%s)",
                  (int)sloeval_check_slo_status(s), r ? r : "no reason");
    ck_assert_ptr_nonnull(r);
    ck_assert_msg(strstr(r, "warning from backend global: partial response: store 10.0.0.7:10901 "
                            "unavailable") != NULL,
                  "%s", r);
    ck_assert_ptr_null(sloeval_check_slo_severity(s));
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_INCONCLUSIVE);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_acceptable_warning)
{
    /* the same answer, its warning listed as acceptable: errors = total,
     * burn 1000: it pages */
    sloeval_check_report *rep =
        run(with_warning, "    acceptable_warnings: [\"^partial response: store .* unavailable$\", "
                          "\"other\"]\n");
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
    /* matched anywhere in the text */
    rep = run(with_warning, "    acceptable_warnings: [\"10\\\\.0\\\\.0\\\\.7\"]\n");
    ck_assert_int_eq(sloeval_check_slo_status(sloeval_check_report_slo(rep, 0)),
                     SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
    /* a list that does not match it changes nothing */
    rep = run(with_warning, "    acceptable_warnings: [\"PromQL info\"]\n");
    ck_assert_int_eq(sloeval_check_slo_status(sloeval_check_report_slo(rep, 0)),
                     SLOEVAL_CHECK_INCONCLUSIVE);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_info_is_not_a_warning)
{
    sloeval_check_report *rep = run(with_info, "");
    ck_assert_int_eq(sloeval_check_slo_status(sloeval_check_report_slo(rep, 0)),
                     SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_bad_regex_is_a_config_error)
{
    const char *cfg = "backends:\n"
                      "  global:\n"
                      "    url: http://127.0.0.1:9\n"
                      "    acceptable_warnings:\n"
                      "      - \"ok\"\n"
                      "      - \"(unclosed\"\n"
                      "slos: []\n";
    sloeval_slo_set *set = NULL;
    sloeval_error e = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, cfg, strlen(cfg), NULL, &e),
                     SLOEVAL_ECONFIG);
    ck_assert_ptr_null(set);
    ck_assert_msg(strstr(e.message, ":6:") && strstr(e.message, "acceptable_warnings") &&
                      strstr(e.message, "missing closing )"),
                  "%s", e.message);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("slo_warnings");
    TCase *tc = tcase_create("warnings");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_warning_is_inconclusive);
    tcase_add_test(tc, test_acceptable_warning);
    tcase_add_test(tc, test_info_is_not_a_warning);
    tcase_add_test(tc, test_bad_regex_is_a_config_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    sloeval_global_init();
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
