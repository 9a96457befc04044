/*
 * Configurations whose answers look healthy but cannot mean it, against
 * real Prometheus 2.42 servers on generated data (two regions, one server
 * each; us-east-1 0.05% errors, eu-west-1 3.5% in the last hour):
 *   - an SLI selector that needs a label no series of its metric has
 *     (code=~"5.." where the data says status) is inconclusive with the
 *     label and the labels the metric has, in every scope; a selector
 *     whose label exists but has no matching series (status="599") stays
 *     ok;
 *   - region backends swapped in the config (each answering with the
 *     other region's series) are inconclusive, not paged for the wrong
 *     region;
 * through the library and in the command's text, json, junit and prom
 * outputs.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "datagen.h"
#include "promserver.h"
#include "sloeval.h"

static datagen_config dg;
static char dir[] = "/tmp/sloeval-probes-it-XXXXXX";
static promserver *us, *eu;
static char fixture_error[1024];
static int64_t T_END;

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        snprintf(fixture_error, sizeof(fixture_error), "cannot write %s", path);
}

static const char *slos_yaml =
    "slos:\n"
    "  - name: wrong-label\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}"
    "[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n"
    "    scopes: [region, global]\n"
    "  - name: no-such-errors\n"
    "    objective: 99\n"
    "    sli:\n"
    "      error_query: sum(rate(http_requests_total{job=\"checkout\",status=\"599\"}"
    "[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n"
    "    scopes: [region, global]\n"
    "  - name: availability\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(http_requests_total{job=\"checkout\",status=~\"5..\"}"
    "[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n"
    "    scopes: [region]\n"
    "  - name: no-error-metric\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(http_errors_total{code=~\"5..\"}[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n"
    "    scopes: [region]\n";

static const char *alerts_yaml =
    "alerts:\n"
    "  - name: HighErrorRate\n"
    "    expr: sum(rate(http_requests_total{job=\"checkout\",status=~\"5..\"}[5m])) / "
    "sum(rate(http_requests_total{job=\"checkout\"}[5m])) > 0.01\n"
    "    scopes: [region]\n"
    "  - name: NoCodeLabel\n"
    "    expr: absent(http_requests_total{code=\"500\"})\n"
    "    scopes: [region]\n";

static void write_configs(void)
{
    char buf[4096];
    snprintf(buf, sizeof(buf),
             "backends:\n  us-east-1: {url: \"%s\"}\n  eu-west-1: {url: \"%s\"}\n"
             "regions: {label: region, names: [us-east-1, eu-west-1]}\n%s%s",
             promserver_url(us), promserver_url(eu), slos_yaml, alerts_yaml);
    write_file("right.yaml", buf);
    /* the two URLs swapped */
    snprintf(buf, sizeof(buf),
             "backends:\n  us-east-1: {url: \"%s\"}\n  eu-west-1: {url: \"%s\"}\n"
             "regions: {label: region, names: [us-east-1, eu-west-1]}\n%s%s",
             promserver_url(eu), promserver_url(us), slos_yaml, alerts_yaml);
    write_file("swapped.yaml", buf);
}

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    datagen_config_init(&dg);
    dg.seed = 20240102;
    if (datagen_set_regions(&dg, "us-east-1,eu-west-1", err, sizeof err) ||
        datagen_add_incident(&dg, "eu-west-1:5h-6h:0.035", err, sizeof err) ||
        mkdtemp(dir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    T_END = dg.start_ms + dg.duration_ms;
    if (datagen_write_split(&dg, dir, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/us-east-1.om", dir);
    if (!(us = promserver_start(path, err, sizeof err))) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    snprintf(path, sizeof(path), "%s/eu-west-1.om", dir);
    if (!(eu = promserver_start(path, err, sizeof err))) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    write_configs();
    sloeval_global_init();
}

static void teardown(void)
{
    promserver_stop(us);
    promserver_stop(eu);
    us = eu = NULL;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

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

static const sloeval_check_slo_result *slo_result(const sloeval_check_report *r, const char *slo,
                                                  const char *scope)
{
    for (size_t i = 0; i < sloeval_check_report_slo_count(r); i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (!strcmp(sloeval_check_slo_id(s), slo) && !strcmp(sloeval_check_slo_scope(s), scope))
            return s;
    }
    ck_abort_msg("no result for %s in %s", slo, scope);
    return NULL;
}

static const sloeval_check_alert_result *alert_result(const sloeval_check_report *r,
                                                      const char *name, const char *scope)
{
    for (size_t i = 0; i < sloeval_check_report_alert_count(r); i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(r, i);
        if (!strcmp(sloeval_check_alert_name(a), name) &&
            !strcmp(sloeval_check_alert_scope(a), scope))
            return a;
    }
    ck_abort_msg("no result for alert %s in %s", name, scope);
    return NULL;
}

static const char *reason_of(const sloeval_check_slo_result *s)
{
    const char *r = sloeval_check_slo_reason(s);
    return r ? r : "(none)";
}

static int cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && '" SLOEVAL_BINARY_DIR "/bin/sloeval' check %s >out.txt 2>err.txt", dir,
             args);
    int rc = system(cmd);
    ck_assert(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_msg(f != NULL, "cannot open %s", path);
    static char buf[1 << 17];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#define MISSING_CODE                                                                               \
    "selector http_requests_total{job=\"checkout\",code=~\"5..\"}: no series of "                  \
    "http_requests_total has label "                                                               \
    "\"code\" over the last "

START_TEST(test_selector_that_cannot_match)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("right.yaml");
    const char *scopes[] = {"us-east-1", "eu-west-1", "global"};
    for (size_t i = 0; i < 3; i++) {
        const sloeval_check_slo_result *s = slo_result(rep, "wrong-label", scopes[i]);
        ck_assert_msg(sloeval_check_slo_status(s) == SLOEVAL_CHECK_INCONCLUSIVE,
                      "wrong-label in %s: status %d, reason %s", scopes[i],
                      (int)sloeval_check_slo_status(s), reason_of(s));
        const char *r = reason_of(s);
        ck_assert_msg(strstr(r, MISSING_CODE) != NULL, "%s: %s", scopes[i], r);
        /* the labels the metric does have, sorted, without __name__ */
        ck_assert_msg(strstr(r, "(it has: ") && strstr(r, "job") && strstr(r, "status") &&
                          !strstr(r, "__name__"),
                      "%s: %s", scopes[i], r);
        /* a label that exists with no series of the value: still ok */
        s = slo_result(rep, "no-such-errors", scopes[i]);
        ck_assert_msg(sloeval_check_slo_status(s) == SLOEVAL_CHECK_OK, "no-such-errors in %s: %s",
                      scopes[i], reason_of(s));
    }
    /* an error metric without any series: the labels cannot tell a
     * counter never incremented from a wrong name, so the answers decide
     * as before: 0 errors, with a note saying so (empty_errors) */
    const sloeval_check_slo_result *nm = slo_result(rep, "no-error-metric", "us-east-1");
    ck_assert_msg(sloeval_check_slo_status(nm) == SLOEVAL_CHECK_OK, "%s", reason_of(nm));
    ck_assert_uint_gt(sloeval_check_slo_note_count(nm), 0);
    /* alerts: the incident fires in its own region; an alert on a label no
     * series has (absent()) is not second-guessed */
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "HighErrorRate", "eu-west-1")),
                     SLOEVAL_CHECK_FIRING);
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "NoCodeLabel", "us-east-1")),
                     SLOEVAL_CHECK_FIRING);
    /* the right configuration decides as before */
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "availability", "us-east-1")),
                     SLOEVAL_CHECK_OK);
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "availability", "eu-west-1")),
                     SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_swapped_region_backends)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("swapped.yaml");
    const char *scopes[] = {"us-east-1", "eu-west-1"}, *other[] = {"eu-west-1", "us-east-1"};
    for (size_t i = 0; i < 2; i++) {
        const sloeval_check_slo_result *s = slo_result(rep, "availability", scopes[i]);
        ck_assert_msg(sloeval_check_slo_status(s) == SLOEVAL_CHECK_INCONCLUSIVE,
                      "availability in %s: status %d, reason %s", scopes[i],
                      (int)sloeval_check_slo_status(s), reason_of(s));
        char want[256];
        snprintf(want, sizeof(want),
                 "backend %s answers region %s with series of http_requests_total labelled "
                 "region=\"%s\"",
                 scopes[i], scopes[i], other[i]);
        ck_assert_msg(strstr(reason_of(s), want) != NULL, "%s: %s", scopes[i], reason_of(s));
        ck_assert_ptr_null(sloeval_check_slo_severity(s));
    }
    /* the alert of eu-west-1's incident is not raised for us-east-1 */
    const sloeval_check_alert_result *a = alert_result(rep, "HighErrorRate", "us-east-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert(!sloeval_check_alert_firing(a));
    ck_assert_ptr_nonnull(sloeval_check_alert_reason(a));
    ck_assert_msg(strstr(sloeval_check_alert_reason(a), "labelled region=\"eu-west-1\"") != NULL,
                  "%s", sloeval_check_alert_reason(a));
    /* the global scope fans out over both: the same data either way */
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "no-such-errors", "global")),
                     SLOEVAL_CHECK_OK);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_outputs_show_the_reason)
{
    REQUIRE_FIXTURE();
    /* inconclusive, nothing firing in the scopes asked: exit 3 */
    int rc = cli("--config swapped.yaml --time 2024-01-01T06:00:00Z --output prom=out.prom "
                 "--output junit=out.xml --output json=out.json --output text");
    ck_assert_msg(rc != 0, "exit %d: %.1500s", rc, slurp("err.txt"));
    ck_assert_msg(strstr(slurp("out.txt"), "labelled region=") != NULL, "%.1500s",
                  slurp("out.txt"));
    ck_assert_msg(strstr(slurp("out.txt"), "has label \"code\"") != NULL, "%s", slurp("out.txt"));
    ck_assert_msg(strstr(slurp("out.json"), "has label \\\"code\\\"") != NULL, "%s",
                  slurp("out.json"));
    ck_assert_msg(strstr(slurp("out.xml"), "labelled region=") != NULL, "%.1500s",
                  slurp("out.xml"));
    /* the textfile has no reason texts: the status says inconclusive */
    ck_assert_msg(strstr(slurp("out.prom"),
                         "sloeval_slo_status{slo=\"wrong-label\",scope=\"us-east-1\"} 3\n") != NULL,
                  "%.1500s", slurp("out.prom"));
    ck_assert_msg(strstr(slurp("out.prom"),
                         "sloeval_slo_status{slo=\"availability\",scope=\"eu-west-1\"} 3\n") !=
                      NULL,
                  "%.1500s", slurp("out.prom"));
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("slo_probes");
    TCase *tc = tcase_create("probes");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_selector_that_cannot_match);
    tcase_add_test(tc, test_swapped_region_backends);
    tcase_add_test(tc, test_outputs_show_the_reason);
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
