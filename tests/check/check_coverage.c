/*
 * Data shorter than the SLO period, against a real Prometheus 2.42: the
 * budget remaining says how much of the period the data covers
 * (sloeval_check_slo_budget_coverage, json budget_coverage, prom
 * sloeval_slo_budget_coverage) and the text marks it partial.
 *
 * The data (counters, one sample every 2 minutes, 0.5% errors):
 *   short_*  the last 6 hours before T only (6h of a 30d period)
 *   long_*   31 days before T (the whole period)
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "promserver.h"
#include "sloeval.h"

#define T_S      1706745600LL /* 2024-02-01T00:00:00Z */
#define SHORT_S  (6 * 3600LL)
#define LONG_S   (31 * 86400LL)
#define PERIOD_S (30 * 86400.0)
/* the coverage query's step: period / 10000, in whole seconds */
#define STEP_S   259.0

static char dir[] = "/tmp/sloeval-coverage-it-XXXXXX";
static promserver *srv;
static char fixture_error[1024];

static void series(FILE *f, const char *prefix, int64_t from)
{
    fprintf(f, "# TYPE %s_requests counter\n", prefix);
    for (int64_t t = from; t <= T_S; t += 120)
        fprintf(f, "%s_requests_total %lld %lld\n", prefix, (long long)((t - from) / 120 * 200),
                (long long)t);
    fprintf(f, "# TYPE %s_errors counter\n", prefix);
    for (int64_t t = from; t <= T_S; t += 120)
        fprintf(f, "%s_errors_total %lld %lld\n", prefix, (long long)((t - from) / 120),
                (long long)t);
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
    series(f, "short", T_S - SHORT_S);
    series(f, "long", T_S - LONG_S);
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
             "  - name: short\n"
             "    objective: 99\n"
             "    sli:\n"
             "      error_query: 'sum(increase(short_errors_total[{{window}}]))'\n"
             "      total_query: 'sum(increase(short_requests_total[{{window}}]))'\n"
             "  - name: long\n"
             "    objective: 99\n"
             "    sli:\n"
             "      error_query: 'sum(increase(long_errors_total[{{window}}]))'\n"
             "      total_query: 'sum(increase(long_requests_total[{{window}}]))'\n",
             promserver_url(srv));
    snprintf(path, sizeof(path), "%s/slos.yaml", dir);
    f = fopen(path, "w");
    if (!f || fputs(buf, f) < 0 || fclose(f))
        snprintf(fixture_error, sizeof(fixture_error), "cannot write %s", path);
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

static sloeval_check_report *run(sloeval_check_mode mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/slos.yaml", dir);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, path, NULL, &err) == 0, "%s", err.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    o.time_ms = T_S * 1000;
    o.mode = mode;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &err) == 0, "%s", err.message);
    sloeval_slo_set_free(set);
    return rep;
}

static char *render(const sloeval_check_report *rep, sloeval_check_format format)
{
    sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    ro.format = format;
    ro.last_run_ms = T_S * 1000;
    char *out = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_check_report_render(&out, NULL, rep, &ro, &err) == 0, "%s", err.message);
    return out;
}

/* The text line of an SLO's row. */
static void row_of(char *line, size_t size, const char *text, const char *slo)
{
    size_t n = strlen(slo);
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (!strncmp(p, slo, n) && p[n] == ' ') {
            snprintf(line, size, "%.*s", (int)len, p);
            return;
        }
        p += len + (e ? 1 : 0);
    }
    ck_abort_msg("no row for %s in:\n%s", slo, text);
}

static void check_coverage(sloeval_check_mode mode)
{
    sloeval_check_report *rep = run(mode);
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 2);
    const sloeval_check_slo_result *sh = sloeval_check_report_slo(rep, 0);
    const sloeval_check_slo_result *lo = sloeval_check_report_slo(rep, 1);
    ck_assert_str_eq(sloeval_check_slo_id(sh), "short");
    ck_assert_str_eq(sloeval_check_slo_id(lo), "long");
    double c = sloeval_check_slo_budget_coverage(sh);
    /* the earliest sample is read to one step of the coverage query */
    ck_assert_msg(c <= SHORT_S / PERIOD_S + 1e-9 && c >= (SHORT_S - STEP_S) / PERIOD_S - 1e-9,
                  "coverage %.9f, expected %.9f (-1 step)", c, SHORT_S / PERIOD_S);
    ck_assert_double_eq(sloeval_check_slo_budget_coverage(lo), 1);
    ck_assert(!isnan(sloeval_check_slo_budget_remaining(sh)));

    char *text = render(rep, SLOEVAL_CHECK_FORMAT_TEXT);
    char line[512];
    row_of(line, sizeof(line), text, "short");
    ck_assert_msg(strstr(line, "%*"), "no partial mark in: %s", line);
    row_of(line, sizeof(line), text, "long");
    ck_assert_msg(!strchr(line, '*'), "a mark on a full period: %s", line);
    ck_assert_msg(strstr(text, "\n* budget from 6h of data of 30d\n"), "%s", text);
    ck_assert_ptr_null(strstr(strstr(text, "* budget from") + 1, "* budget from"));
    free(text);

    char *json = render(rep, SLOEVAL_CHECK_FORMAT_JSON);
    ck_assert_msg(strstr(json, "\"budget_coverage\":1,"), "%s", json);
    ck_assert_msg(strstr(json, "\"budget_coverage\":0.008"), "%s", json);
    free(json);

    char *prom = render(rep, SLOEVAL_CHECK_FORMAT_PROM);
    ck_assert_msg(strstr(prom, "# TYPE sloeval_slo_budget_coverage gauge\n"), "%s", prom);
    ck_assert_msg(strstr(prom, "sloeval_slo_budget_coverage{slo=\"long\",scope=\"global\"} 1\n"),
                  "%s", prom);
    ck_assert_msg(strstr(prom, "sloeval_slo_budget_coverage{slo=\"short\",scope=\"global\"} 0.008"),
                  "%s", prom);
    free(prom);
    sloeval_check_report_free(rep);
}

START_TEST(test_coverage_pushdown)
{
    REQUIRE_FIXTURE();
    check_coverage(SLOEVAL_CHECK_MODE_AUTO);
}
END_TEST

START_TEST(test_coverage_local)
{
    REQUIRE_FIXTURE();
    check_coverage(SLOEVAL_CHECK_MODE_LOCAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("coverage");
    TCase *tc = tcase_create("prometheus");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_coverage_pushdown);
    tcase_add_test(tc, test_coverage_local);
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
