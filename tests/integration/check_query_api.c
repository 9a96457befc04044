/*
 * The public query API (include/sloeval/query.h) against real Prometheus
 * 2.42 servers: instant and range queries over one server must give the
 * server's own /api/v1/query and /api/v1/query_range `data` object (byte
 * for byte when the server computes the query, within 1e-9 when sloeval
 * evaluates it from raw samples), and over two servers holding halves of
 * the data (shards) what the server holding all of it answers. Also: the
 * semantics detected from the servers, statistics, and setup warnings in
 * the result when no callback is given.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "promserver.h"
#include "sloeval.h"
#include "source/prometheus.h"
#include "valcmp.h"

#define T0   1704067200LL /* s */
#define NPTS 240          /* one hour every 15 s */

static promserver *whole, *shard[2];

static const char *const exprs[] = {
    "requests_total",
    "rate(requests_total[5m])",
    "sum by (code) (rate(requests_total[5m]))",
    "sum(rate(requests_total{code=\"500\"}[5m])) / sum(rate(requests_total[5m]))",
    "max(requests_total) - min(requests_total)",
    "avg by (code) (increase(requests_total[2m]))",
    "count(requests_total > 100)",
    "max_over_time(temperature[10m])",
    "temperature * 2 + 1",
    "scalar(sum(temperature))",
    "time()",
};

/* The data: shard 0 gets series with shard="a", shard 1 the others. */
static char *write_data(int only)
{
    char tmpl[] = "/tmp/sloeval-qapi-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    ck_assert_ptr_nonnull(f);
    static const char *const shards[] = {"a", "b"};
    fprintf(f, "# TYPE requests_total counter\n");
    for (int s = 0; s < 2; s++) {
        if (only >= 0 && only != s) continue;
        for (int c = 0; c < 2; c++) {
            double v = 0;
            for (int i = 0; i < NPTS; i++) {
                v += c ? 1 + i % 3 : 10 * (s + 1) + 0.1 * (i % 7);
                if (s == 1 && c == 1 && i == NPTS / 2) v = 0; /* a reset */
                fprintf(f, "requests_total{code=\"%s\",shard=\"%s\"} %.17g %lld\n",
                        c ? "500" : "200", shards[s], v, T0 + 15LL * i);
            }
        }
    }
    fprintf(f, "# TYPE temperature gauge\n");
    for (int s = 0; s < 2; s++) {
        if (only >= 0 && only != s) continue;
        for (int i = 0; i < NPTS; i += 2)
            fprintf(f, "temperature{shard=\"%s\"} %.17g %lld.%03d\n", shards[s],
                    20.0 + s + 0.37 * (i % 11), T0 + 15LL * i, (i * 7) % 1000);
    }
    fprintf(f, "# EOF\n");
    ck_assert_int_eq(fclose(f), 0);
    return strdup(tmpl);
}

static promserver *start(int only)
{
    char *path = write_data(only);
    char err[512] = "";
    promserver *s = promserver_start(path, err, sizeof err);
    unlink(path);
    free(path);
    ck_assert_msg(s != NULL, "server: %s", err);
    return s;
}

static void setup(void)
{
    ck_assert_msg(promserver_available(), "prometheus/promtool missing: scripts/install-deps.sh");
    ck_assert_int_eq(sloeval_global_init(), 0);
    whole = start(-1);
    shard[0] = start(0);
    shard[1] = start(1);
}

static void teardown(void)
{
    promserver_stop(whole);
    promserver_stop(shard[0]);
    promserver_stop(shard[1]);
    whole = shard[0] = shard[1] = NULL;
    sloeval_global_cleanup();
}

static sloeval_query *make_query(promserver *const *servers, size_t n, sloeval_query_mode mode)
{
    const char *urls[2];
    for (size_t i = 0; i < n; i++)
        urls[i] = promserver_url(servers[i]);
    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    o.mode = mode;
    o.explain = true;
    sloeval_query *q = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_query_new_urls(&q, urls, n, NULL, &o, &err);
    ck_assert_msg(rc == 0, "sloeval_query_new_urls: %s", err.message);
    return q;
}

static void fmt_time(char *buf, size_t size, int64_t ms)
{
    sloeval_timestamp_format(buf, size, ms);
}

/* The server's data object for expr (instant when step == 0). */
static json_t *server_data(int64_t start, int64_t end, int64_t step, const char *expr)
{
    char a[32], b[32], c[32];
    fmt_time(a, sizeof a, start);
    fmt_time(b, sizeof b, end);
    fmt_time(c, sizeof c, step);
    long status = 0;
    json_t *env = step ? promserver_query_range(whole, expr, a, b, c, &status)
                       : promserver_query(whole, expr, a, &status);
    ck_assert_msg(env && status == 200, "server: %s: HTTP %ld", expr, status);
    json_t *data = json_incref(json_object_get(env, "data"));
    json_decref(env);
    ck_assert_ptr_nonnull(data);
    return data;
}

static int compared_exact, compared_close;

/* Our answer against the server's: byte for byte, or within 1e-9. */
static void compare(sloeval_query *q, const char *what, const char *expr, int64_t start,
                    int64_t end, int64_t step, bool exact)
{
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = step ? sloeval_query_range(&r, q, expr, strlen(expr), start, end, step, &err)
                  : sloeval_query_instant(&r, q, expr, strlen(expr), start, &err);
    ck_assert_msg(rc == 0, "%s %s: %s\nplan:\n%s", what, expr, err.message,
                  sloeval_query_explain(q));
    ck_assert_uint_eq(sloeval_result_warning_count(r), 0);
    json_t *want = server_data(start, end, step, expr);
    const char *text = sloeval_result_json(r, NULL);
    ck_assert_ptr_nonnull(text);
    if (exact) {
        char *server = json_dumps(want, JSON_COMPACT | JSON_PRESERVE_ORDER);
        json_t *ours = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(ours);
        ck_assert_msg(json_equal(ours, want), "%s %s:\n server: %.1500s\n ours:   %.1500s", what,
                      expr, server, text);
        free(server);
        json_decref(ours);
        compared_exact++;
    } else {
        json_t *ours = json_loads(text, 0, NULL);
        ck_assert_ptr_nonnull(ours);
        arena a;
        arena_init(&a, 0);
        value va, vb;
        ck_assert_int_eq(valcmp_from_json(&va, &a, want), 0);
        ck_assert_int_eq(valcmp_from_json(&vb, &a, ours), 0);
        char why[512];
        ck_assert_msg(valcmp_equal(&va, &vb, why, sizeof why), "%s %s: %s\n ours: %.2000s", what,
                      expr, why, text);
        arena_free(&a);
        json_decref(ours);
        compared_close++;
    }
    json_decref(want);
    sloeval_result_free(r);
}

static const int64_t t_at = (T0 + 40 * 60) * 1000 + 123;
static const int64_t r_start = (T0 + 10 * 60) * 1000, r_end = (T0 + 50 * 60) * 1000 + 999;

/* One server: the server's own answers, in every mode. */
START_TEST(test_one_server)
{
    compared_exact = compared_close = 0;
    static const sloeval_query_mode modes[] = {SLOEVAL_QUERY_MODE_AUTO, SLOEVAL_QUERY_MODE_PUSHDOWN,
                                               SLOEVAL_QUERY_MODE_LOCAL};
    for (size_t m = 0; m < 3; m++) {
        sloeval_query *q = make_query(&whole, 1, modes[m]);
        sloeval_compat c;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(sloeval_query_compat(&c, q, &err), 0);
        ck_assert_int_eq(c, SLOEVAL_COMPAT_V2); /* 2.42 */
        bool exact = modes[m] != SLOEVAL_QUERY_MODE_LOCAL;
        const char *what = modes[m] == SLOEVAL_QUERY_MODE_AUTO       ? "auto"
                           : modes[m] == SLOEVAL_QUERY_MODE_PUSHDOWN ? "pushdown"
                                                                     : "local";
        for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
            compare(q, what, exprs[e], t_at, t_at, 0, exact);
            compare(q, what, exprs[e], r_start, r_end, 60000, exact);
            compare(q, what, exprs[e], r_start + 1, r_end, 47250, exact);
            if (exact) {
                /* The whole query went to the server as a query_range. */
                ck_assert_msg(strstr(sloeval_query_explain(q), "query_range") != NULL, "%s",
                              sloeval_query_explain(q));
            }
        }
        /* The statistics of the last query. */
        compare(q, what, "sum(rate(requests_total[5m]))", r_start, r_end, 60000, exact);
        sloeval_query_stats st = SLOEVAL_QUERY_STATS_INIT;
        ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
        ck_assert_uint_ge(st.requests, 1);
        ck_assert_uint_gt(st.bytes, 0);
        ck_assert(st.seconds >= st.fetch_seconds && st.fetch_seconds > 0);
        sloeval_query_free(q);
    }
    printf("one server: %d answers equal byte for byte, %d within 1e-9\n", compared_exact,
           compared_close);
}
END_TEST

/* Two shards: what the server holding all the data answers. */
START_TEST(test_shards)
{
    compared_exact = compared_close = 0;
    static const sloeval_query_mode modes[] = {SLOEVAL_QUERY_MODE_AUTO, SLOEVAL_QUERY_MODE_LOCAL};
    for (size_t m = 0; m < 2; m++) {
        sloeval_query *q = make_query(shard, 2, modes[m]);
        const char *what = m ? "shards local" : "shards auto";
        for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
            compare(q, what, exprs[e], t_at, t_at, 0, false);
            compare(q, what, exprs[e], r_start, r_end, 60000, false);
        }
        sloeval_query_free(q);
    }
    printf("shards: %d answers within 1e-9\n", compared_close);
}
END_TEST

/* Without a callback, setup warnings join the result's warnings. */
START_TEST(test_warnings_in_result)
{
    sloeval_prometheus_options http = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    http.tls_insecure_skip_verify = 1;
    const char *url = promserver_url(whole);
    sloeval_query *q = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_query_new_urls(&q, &url, 1, &http, NULL, &err), 0);
    sloeval_result *r = NULL;
    ck_assert_int_eq(sloeval_query_instant(&r, q, "vector(1)", 9, t_at, &err), 0);
    ck_assert_uint_eq(sloeval_result_warning_count(r), 1);
    ck_assert_msg(strstr(sloeval_result_warning(r, 0), "insecure_skip_verify") != NULL, "%s",
                  sloeval_result_warning(r, 0));
    sloeval_result_free(r);
    /* Once. */
    ck_assert_int_eq(sloeval_query_instant(&r, q, "vector(1)", 9, t_at, &err), 0);
    ck_assert_uint_eq(sloeval_result_warning_count(r), 0);
    sloeval_result_free(r);
    sloeval_query_free(q);
}
END_TEST

/* The server's errors reach the caller with its status and message. */
START_TEST(test_server_error)
{
    sloeval_query *q = make_query(&whole, 1, SLOEVAL_QUERY_MODE_PUSHDOWN);
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    /* Valid PromQL the server refuses at run time (2.42: duplicate series). */
    const char *text = "label_replace(requests_total, \"shard\", \"x\", \"\", \"\")";
    ck_assert_int_eq(sloeval_query_instant(&r, q, text, strlen(text), t_at, &err), SLOEVAL_ESERVER);
    ck_assert_ptr_null(r);
    ck_assert_int_eq(err.http_status, 422);
    ck_assert_msg(strstr(err.message, "execution") != NULL, "%s", err.message);
    ck_assert_msg(strstr(err.message, promserver_url(whole)) != NULL, "%s", err.message);
    sloeval_query_free(q);
}
END_TEST

/* With server_stats, the servers' own execution time; without, -1. */
START_TEST(test_server_stats)
{
    const char *url = promserver_url(whole);
    sloeval_source *src = NULL;
    sloeval_prometheus_options http = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    http.url = url;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_source_new_prometheus(&src, &http, &err), 0);
    for (int asked = 0; asked < 2; asked++) {
        for (size_t m = 0; m < 2; m++) {
            sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
            o.server_stats = asked;
            o.mode = m ? SLOEVAL_QUERY_MODE_LOCAL : SLOEVAL_QUERY_MODE_PUSHDOWN;
            sloeval_query *q = NULL;
            ck_assert_int_eq(sloeval_query_new(&q, &src, 1, &o, &err), 0);
            sloeval_result *r = NULL;
            const char *text = "sum by (code) (rate(requests_total[5m]))";
            ck_assert_int_eq(
                sloeval_query_range(&r, q, text, strlen(text), r_start, r_end, 60000, &err), 0);
            ck_assert_uint_gt(sloeval_result_series_count(r), 0);
            sloeval_result_free(r);
            sloeval_query_stats st = SLOEVAL_QUERY_STATS_INIT;
            ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
            if (asked)
                ck_assert_msg(st.server_seconds > 0 && st.server_seconds < st.seconds,
                              "server %g s, query %g s", st.server_seconds, st.seconds);
            else
                ck_assert_double_eq(st.server_seconds, -1);
            /* Per request: what was sent, and what it cost. */
            ck_assert_uint_eq(sloeval_query_request_count(q), st.requests);
            double sum = 0;
            for (size_t i = 0; i < st.requests; i++) {
                sloeval_query_request rq = SLOEVAL_QUERY_REQUEST_INIT;
                ck_assert_int_eq(sloeval_query_request_get(q, i, &rq), 0);
                ck_assert_str_eq(rq.source, url);
                ck_assert_str_eq(rq.kind, m ? "select" : "query_range");
                if (!m) {
                    ck_assert_str_eq(rq.text, text);
                    ck_assert_int_eq(rq.start_ms, r_start);
                    ck_assert_int_eq(rq.end_ms, r_end);
                    ck_assert_int_eq(rq.step_ms, 60000);
                }
                ck_assert_int_eq(rq.code, 0);
                ck_assert_int_eq(rq.attempts, 1);
                ck_assert_uint_gt(rq.bytes, 0);
                ck_assert(rq.seconds >= 0); /* whole milliseconds: a fast one is 0 */
                if (asked)
                    ck_assert(rq.server_seconds > 0);
                else
                    ck_assert_double_eq(rq.server_seconds, -1);
                sum += rq.server_seconds;
            }
            if (asked) ck_assert_double_eq_tol(sum, st.server_seconds, 1e-12);
            /* The caller's source is left as it was. */
            ck_assert(!prom_query_stats(src));
            sloeval_query_free(q);
        }
    }
    sloeval_source_free(src);
}
END_TEST

/* data.stats is read for its execTotalTime and never fails an answer
 * unless it is not JSON. */
START_TEST(test_decode_stats)
{
    static const struct {
        const char *stats;
        double want;
        int rc;
    } cases[] = {
        {"{\"timings\":{\"evalTotalTime\":1,\"execTotalTime\":0.000388545},\"samples\":{}}",
         0.000388545, 0},
        {"{\"samples\":{\"peakSamples\":3},\"timings\":{\"execTotalTime\":2.5e-3}}", 0.0025, 0},
        {"{\"timings\":{\"execTotalTime\":\"1\"}}", -1, 0},
        {"{\"timings\":[1,2]}", -1, 0},
        {"\"none\"", -1, 0},
        {"null", -1, 0},
        {"{}", -1, 0},
        {"{\"timings\":{\"execTotalTime\":-1}}", -1, 0},
        {"{\"timings\":{\"execTotalTime\":1.}}", -1, SLOEVAL_EDECODE},
        {"{\"timings\":{\"execTotalTime\":1", -1, SLOEVAL_EDECODE},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        for (int before = 0; before < 2; before++) {
            char body[512];
            const char *res = "\"resultType\":\"scalar\",\"result\":[1,\"2\"]";
            if (before)
                snprintf(body, sizeof body, "{\"status\":\"success\",\"data\":{\"stats\":%s,%s}}",
                         cases[i].stats, res);
            else
                snprintf(body, sizeof body, "{\"status\":\"success\",\"data\":{%s,\"stats\":%s}}",
                         res, cases[i].stats);
            arena a;
            arena_init(&a, 0);
            value v;
            double got = -1;
            sloeval_error err = SLOEVAL_ERROR_INIT;
            int rc = prom_decode_response_stats(&v, NULL, &got, body, strlen(body), 200,
                                                "application/json", "test", &a, &err);
            ck_assert_msg(rc == cases[i].rc, "%s: rc %d: %s", body, rc, err.message);
            if (!rc) {
                ck_assert_msg(got == cases[i].want, "%s: %g", body, got);
                ck_assert_int_eq(v.kind, VALUE_SCALAR);
                ck_assert_double_eq(v.u.scalar, 2);
            }
            /* Not asked: not read, and the answer is the same. */
            sloeval_error_clear(&err);
            ck_assert_int_eq(prom_decode_response(&v, NULL, body, strlen(body), 200,
                                                  "application/json", "test", &a, &err),
                             cases[i].rc == 0 ? 0 : rc);
            arena_free(&a);
        }
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("query_api_prometheus");
    TCase *tc = tcase_create("servers");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_one_server);
    tcase_add_test(tc, test_shards);
    tcase_add_test(tc, test_warnings_in_result);
    tcase_add_test(tc, test_server_error);
    tcase_add_test(tc, test_server_stats);
    suite_add_tcase(s, tc);
    TCase *dc = tcase_create("decode");
    tcase_add_test(dc, test_decode_stats);
    suite_add_tcase(s, dc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
