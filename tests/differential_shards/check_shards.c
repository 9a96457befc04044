/*
 * The planner against real Prometheus 2.42 servers on 127.0.0.1, on
 * generated multi-region data (tests/support/datagen.h):
 *   - "whole": one server holding every region;
 *   - "split": three servers, each holding one region's series.
 * Every expression is asked of the split servers as shards of one target
 * and compared with the whole server's own answer (the same label sets,
 * values within 1e-9 relative, NaN equal to NaN; a failure on one side
 * must be a failure on the other).
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datagen.h"
#include "plan/plan.h"
#include "promql/expr.h"
#include "promserver.h"
#include "sloeval/expr.h"
#include "sloeval/http.h"
#include "sloeval/source.h"
#include "valcmp.h"

static const char *const regions[3] = {"us-east-1", "eu-west-1", "ap-south-1"};
static datagen_config cfg;
static char tmpdir[] = "/tmp/sloeval-shards-XXXXXX";
static promserver *whole;
static promserver *split[3];
static char fixture_error[1024];

static void setup(void)
{
    char err[512];
    datagen_config_init(&cfg);
    cfg.duration_ms = 3 * 3600 * 1000;
    cfg.seed = 7;
    cfg.instances = 2;
    if (datagen_set_regions(&cfg, "us-east-1,eu-west-1,ap-south-1", err, sizeof err) ||
        datagen_add_incident(&cfg, "eu-west-1:40m-100m:0.05:0.2", err, sizeof err) ||
        mkdtemp(tmpdir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/all.om", tmpdir);
    if (datagen_write_file(&cfg, path, NULL, err, sizeof err) ||
        datagen_write_split(&cfg, tmpdir, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    whole = promserver_start(path, err, sizeof err);
    if (!whole) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, regions[i]);
        split[i] = promserver_start(path, err, sizeof err);
        if (!split[i]) {
            snprintf(fixture_error, sizeof fixture_error, "start %s: %s", regions[i], err);
            return;
        }
    }
}

static void teardown(void)
{
    char path[300];
    promserver_stop(whole);
    for (int i = 0; i < 3; i++)
        promserver_stop(split[i]);
    snprintf(path, sizeof path, "%s/all.om", tmpdir);
    unlink(path);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, regions[i]);
        unlink(path);
    }
    rmdir(tmpdir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static sloeval_source *source_for(promserver *s)
{
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    o.url = promserver_url(s);
    o.compat = SLOEVAL_COMPAT_V2;
    o.disable_compression = 1;
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_source_new_prometheus(&src, &o, &err) == 0, "%s", err.message);
    return src;
}

/* Expressions whose answer over three shards the planner merges from
 * pushed-down per-shard answers. */
static const char *const mergeable[] = {
    "http_requests_total",
    "http_requests_total{status=~\"5..\"}",
    "rate(http_requests_total[5m])",
    "rate(http_requests_total{method=\"GET\"}[10m] offset 5m)",
    "increase(http_requests_total[1h])",
    "irate(http_requests_total[5m])",
    "sum(rate(http_requests_total[5m]))",
    "sum by (region) (rate(http_requests_total[5m]))",
    "sum without (instance) (rate(http_requests_total[5m]))",
    "sum by (region, status) (increase(http_requests_total[30m]))",
    "count(http_requests_total)",
    "count by (status) (http_requests_total)",
    "min(queue_depth)",
    "max by (region) (queue_depth)",
    "avg(queue_depth)",
    "avg by (instance) (rate(http_requests_total[5m]))",
    "group by (region) (queue_depth)",
    "sum(rate(http_request_duration_seconds_bucket[5m])) by (le)",
    "rate(http_requests_total[5m]) * 60",
    "queue_depth > 3",
    "queue_depth > bool 3",
    "-queue_depth",
    "max_over_time(rate(http_requests_total[5m])[30m:1m])",
    "label_replace(queue_depth, \"r\", \"$1\", \"region\", \"(.*)-.*\")",
    "time()",
    "vector(1)",
    "rate({__name__=~\"http_request_duration_seconds_(sum|count)\"}[5m])",
    NULL,
};

START_TEST(test_mergeable_instant)
{
    REQUIRE_FIXTURE();
    sloeval_source *w = source_for(whole);
    sloeval_source *sh[3];
    for (int i = 0; i < 3; i++)
        sh[i] = source_for(split[i]);
    plan_target tw = {&w, 1, NULL, 0};
    plan_target ts = {sh, 3, NULL, 0};
    int64_t times[] = {cfg.start_ms + 30 * 60000 + 123, cfg.start_ms + 75 * 60000,
                       cfg.start_ms + 170 * 60000 + 7};
    size_t compared = 0, failed_both = 0;
    for (size_t e = 0; mergeable[e]; e++) {
        sloeval_expr *expr = NULL;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
        po.compat = SLOEVAL_COMPAT_V2;
        ck_assert_msg(sloeval_expr_parse(&expr, mergeable[e], strlen(mergeable[e]), &po, &err) == 0,
                      "%s: %s", mergeable[e], err.message);
        plan_batch *b = NULL;
        plan_options opts = {PLAN_PUSHDOWN, SLOEVAL_COMPAT_V2, 0, true};
        ck_assert_int_eq(plan_batch_new(&b, &opts, &err), 0);
        size_t idw[3], ids[3];
        for (int t = 0; t < 3; t++) {
            ck_assert_int_eq(
                plan_batch_add_instant(b, &idw[t], &tw, sloeval_expr_ast(expr), times[t], &err), 0);
            ck_assert_int_eq(
                plan_batch_add_instant(b, &ids[t], &ts, sloeval_expr_ast(expr), times[t], &err), 0);
        }
        ck_assert_int_eq(plan_batch_run(b, &err), 0);
        for (int t = 0; t < 3; t++) {
            const value *vw, *vs;
            sloeval_error ew = SLOEVAL_ERROR_INIT, es = SLOEVAL_ERROR_INIT;
            int rw = plan_batch_result(b, idw[t], &vw, NULL, &ew);
            int rs = plan_batch_result(b, ids[t], &vs, NULL, &es);
            ck_assert_msg(rs == 0 || rw != 0, "%s at %d: shards failed (%s), whole did not\n%s",
                          mergeable[e], t, es.message, plan_batch_explain(b));
            ck_assert_msg(rw == 0 || rs != 0, "%s at %d: whole failed (%s), shards did not",
                          mergeable[e], t, ew.message);
            if (rw) {
                failed_both++;
                continue;
            }
            char why[512];
            ck_assert_msg(valcmp_equal(vw, vs, why, sizeof why), "%s at %d: %s\n%s", mergeable[e],
                          t, why, plan_batch_explain(b));
            compared++;
        }
        plan_batch_free(b);
        sloeval_expr_free(expr);
    }
    printf("shards (instant, pushdown): %zu compared, %zu failed on both sides\n", compared,
           failed_both);
    sloeval_source_free(w);
    for (int i = 0; i < 3; i++)
        sloeval_source_free(sh[i]);
}
END_TEST

START_TEST(test_mergeable_range)
{
    REQUIRE_FIXTURE();
    sloeval_source *w = source_for(whole);
    sloeval_source *sh[3];
    for (int i = 0; i < 3; i++)
        sh[i] = source_for(split[i]);
    plan_target tw = {&w, 1, NULL, 0};
    plan_target ts = {sh, 3, NULL, 0};
    plan_batch *b = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    plan_options opts = {PLAN_PUSHDOWN, SLOEVAL_COMPAT_V2, 0, false};
    ck_assert_int_eq(plan_batch_new(&b, &opts, &err), 0);
    size_t n = 0;
    while (mergeable[n])
        n++;
    sloeval_expr **exprs = calloc(n, sizeof(*exprs));
    size_t *idw = calloc(n, sizeof(size_t)), *ids = calloc(n, sizeof(size_t));
    for (size_t e = 0; e < n; e++) {
        sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
        po.compat = SLOEVAL_COMPAT_V2;
        ck_assert_int_eq(
            sloeval_expr_parse(&exprs[e], mergeable[e], strlen(mergeable[e]), &po, &err), 0);
        int64_t start = cfg.start_ms + 20 * 60000 + 500, end = cfg.start_ms + 175 * 60000;
        ck_assert_int_eq(plan_batch_add_range(b, &idw[e], &tw, sloeval_expr_ast(exprs[e]), start,
                                              end, 150000, &err),
                         0);
        ck_assert_int_eq(plan_batch_add_range(b, &ids[e], &ts, sloeval_expr_ast(exprs[e]), start,
                                              end, 150000, &err),
                         0);
    }
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    size_t compared = 0, failed_both = 0;
    for (size_t e = 0; e < n; e++) {
        const value *vw, *vs;
        sloeval_error ew = SLOEVAL_ERROR_INIT, es = SLOEVAL_ERROR_INIT;
        int rw = plan_batch_result(b, idw[e], &vw, NULL, &ew);
        int rs = plan_batch_result(b, ids[e], &vs, NULL, &es);
        ck_assert_msg((rw != 0) == (rs != 0), "%s: whole %s, shards %s", mergeable[e],
                      rw ? ew.message : "ok", rs ? es.message : "ok");
        if (rw) {
            failed_both++;
            continue;
        }
        char why[512];
        ck_assert_msg(valcmp_equal(vw, vs, why, sizeof why), "%s: %s", mergeable[e], why);
        compared++;
    }
    printf("shards (range, pushdown): %zu compared, %zu failed on both sides\n", compared,
           failed_both);
    plan_batch_free(b);
    for (size_t e = 0; e < n; e++)
        sloeval_expr_free(exprs[e]);
    free(exprs);
    free(idw);
    free(ids);
    sloeval_source_free(w);
    for (int i = 0; i < 3; i++)
        sloeval_source_free(sh[i]);
}
END_TEST

int main(void)
{
    sloeval_global_init();
    Suite *s = suite_create("differential_shards");
    TCase *tc = tcase_create("shards");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_mergeable_instant);
    tcase_add_test(tc, test_mergeable_range);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
