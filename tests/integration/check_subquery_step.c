/* Subqueries written without a step ([1h:]) evaluated by sloeval: the
 * step is the server's evaluation_interval, read from
 * /api/v1/status/config, as Prometheus uses it (here 30s, not the 1m
 * default), so local evaluation gives the server's own answer. */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datagen.h"
#include "promserver.h"
#include "runcli.h"

static datagen_config cfg;
static char tmpdir[] = "/tmp/sloeval-subq-it-XXXXXX";
static char data_path[256];
static promserver *srv;
static char fixture_error[1024];

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    datagen_config_init(&cfg);
    cfg.duration_ms = 3 * 3600 * 1000;
    cfg.seed = 7;
    if (datagen_set_regions(&cfg, "us-east-1,eu-west-1", err, sizeof err) ||
        datagen_add_incident(&cfg, "eu-west-1:50m-110m:0.05:0.2", err, sizeof err) ||
        mkdtemp(tmpdir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    snprintf(data_path, sizeof data_path, "%s/all.om", tmpdir);
    if (datagen_write_file(&cfg, data_path, NULL, err, sizeof err) != 0) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    promserver_options o = {0};
    o.openmetrics_path = data_path;
    o.config_yaml = "global:\n  scrape_interval: 15s\n  evaluation_interval: 30s\n"
                    "scrape_configs: []\n";
    srv = promserver_start_opts(&o, err, sizeof err);
    if (srv == NULL) snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
}

static void teardown(void)
{
    promserver_stop(srv);
    srv = NULL;
    unlink(data_path);
    rmdir(tmpdir);
}

/* The evaluation time: 2h into the data, inside the incident's tail. */
static int64_t eval_ms(void)
{
    return cfg.start_ms + 120 * 60000LL;
}

static double cli_local_value(const char *expr)
{
    char t[32], url[128];
    snprintf(t, sizeof t, "%lld", (long long)(eval_ms() / 1000));
    snprintf(url, sizeof url, "%s", promserver_url(srv));
    const char *argv[] = {SLOEVAL_CLI_PATH, "query", "--url",    url,    "--mode", "local",
                          "--time",         t,       "--output", "json", expr,     NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 120), 0);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, "subquery without a step") == NULL, "warned: %s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    ck_assert_msg(j != NULL, "not json: %s", r.out);
    json_t *res = json_object_get(j, "result");
    ck_assert_msg(json_array_size(res) == 1, "not one element: %s", r.out);
    json_t *val = json_array_get(json_object_get(json_array_get(res, 0), "value"), 1);
    ck_assert(json_is_string(val));
    double v = strtod(json_string_value(val), NULL);
    json_decref(j);
    runcli_free(&r);
    return v;
}

static const char *const exprs[] = {
    "sum_over_time(sum(rate(http_requests_total[5m]))[1h:])",
    "max_over_time(sum(rate(http_requests_total{region=\"eu-west-1\",status=~\"5..\"}[5m]))[1h:])",
    "count_over_time(sum(http_requests_total)[45m:])",
};

START_TEST(test_local_equals_server)
{
    REQUIRE_FIXTURE();
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)(eval_ms() / 1000));
    double want = 0;
    ck_assert_msg(promserver_query_value(srv, exprs[_i], t, &want) == 0, "server: %s", exprs[_i]);
    double got = cli_local_value(exprs[_i]);
    ck_assert_msg(fabs(got - want) <= 1e-9 * fabs(want), "%s: local %.17g, server %.17g", exprs[_i],
                  got, want);
}
END_TEST

static json_t *check_json(const char *config, const char *mode)
{
    char t[32];
    snprintf(t, sizeof t, "%lld", (long long)(eval_ms() / 1000));
    const char *argv[] = {SLOEVAL_CLI_PATH, "check", "--config", config, "--time", t,
                          "--mode",         mode,    "--output", "json", NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 240), 0);
    if (strcmp(mode, "local") == 0)
        ck_assert_msg(strstr(r.err, "subquery without a step") == NULL, "warned: %s", r.err);
    json_error_t je;
    json_t *j = json_loads(r.out, 0, &je);
    ck_assert_msg(j != NULL, "%s: exit %d, not json: %s / %s", mode, r.status, r.out, r.err);
    runcli_free(&r);
    return j;
}

START_TEST(test_check_burn_local_equals_pushdown)
{
    REQUIRE_FIXTURE();
    char path[300];
    snprintf(path, sizeof path, "%s/slo.yaml", tmpdir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "backends:\n"
            "  global: {url: \"%s\", retries: 0}\n"
            "slos:\n"
            "  - name: avail\n"
            "    objective: 99\n"
            "    sli:\n"
            "      error_query: sum_over_time(sum(rate(http_requests_total{status=~\"5..\"}"
            "[5m]))[{{window}}:])\n"
            "      total_query: sum_over_time(sum(rate(http_requests_total[5m]))[{{window}}:1m])\n",
            promserver_url(srv));
    fclose(f);
    json_t *local = check_json(path, "local"), *push = check_json(path, "pushdown");
    json_t *ls = json_array_get(json_object_get(local, "results"), 0);
    json_t *ps = json_array_get(json_object_get(push, "results"), 0);
    ck_assert_msg(ls && ps, "no results in the reports");
    json_t *lw = json_object_get(ls, "windows"), *pw = json_object_get(ps, "windows");
    ck_assert_msg(json_object_size(lw) > 0 && json_object_size(lw) == json_object_size(pw),
                  "windows differ");
    const char *name;
    json_t *w;
    size_t compared = 0;
    json_object_foreach(lw, name, w)
    {
        json_t *lb = json_object_get(w, "burn_rate");
        json_t *pb = json_object_get(json_object_get(pw, name), "burn_rate");
        ck_assert_msg(json_is_number(lb) && json_is_number(pb), "window %s: no burn", name);
        double l = json_number_value(lb), p = json_number_value(pb);
        ck_assert_msg(fabs(l - p) <= 1e-9 * fabs(p), "window %s: local %.17g, pushed down %.17g",
                      name, l, p);
        if (p > 0) compared++;
    }
    ck_assert_uint_gt(compared, 0);
    json_decref(local);
    json_decref(push);
    unlink(path);
}
END_TEST

int main(void)
{
    if (!promserver_available()) {
        fprintf(stderr, "prometheus/promtool not installed\n");
        return 1;
    }
    Suite *s = suite_create("subquery_step");
    TCase *tc = tcase_create("server");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_local_equals_server, 0, (int)(sizeof exprs / sizeof *exprs));
    tcase_add_test(tc, test_check_burn_local_equals_pushdown);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? 0 : 1;
}
