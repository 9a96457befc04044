/* Generated data (tests/support/datagen.h) as the real Prometheus sees it
 * after promtool's backfill: every sample arrives, timestamps exact to the
 * ms, and the configured burn is what PromQL measures. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datagen.h"
#include "promserver.h"

/* Four regions over two hours: eu-west-1 has an incident (5% errors, 20%
 * slow) from 20m to 80m, ap-south-1 no traffic, sa-east-1 no data. */
static datagen_config cfg;
static char tmpdir[] = "/tmp/sloeval-datagen-it-XXXXXX";
static char full_path[256];
static promserver *full;     /* the whole data set */
static promserver *split[3]; /* eu-west-1, ap-south-1, sa-east-1 alone */
static const char *const split_regions[3] = {"eu-west-1", "ap-south-1", "sa-east-1"};
static size_t sample_lines; /* samples in the whole file */
static char fixture_error[1024];

static int64_t T(int minutes)
{
    return cfg.start_ms + minutes * 60000LL;
}

/* Unix seconds with ms, as the API's time parameter. */
static const char *at(int64_t ms, char *buf, size_t len)
{
    snprintf(buf, len, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    return buf;
}

static double value_at(promserver *s, const char *expr, int64_t ms)
{
    char t[32];
    double v = 0;
    ck_assert_msg(promserver_query_value(s, expr, at(ms, t, sizeof t), &v) == 0,
                  "no single value for %s", expr);
    return v;
}

static size_t count_samples(const char *path)
{
    FILE *f = fopen(path, "r");
    if (f == NULL) return 0;
    char line[1024];
    size_t n = 0;
    while (fgets(line, sizeof line, f) != NULL)
        if (line[0] != '#') n++;
    fclose(f);
    return n;
}

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    datagen_config_init(&cfg);
    cfg.duration_ms = 2 * 3600 * 1000;
    cfg.seed = 42;
    if (datagen_set_regions(&cfg, "us-east-1,eu-west-1,ap-south-1,sa-east-1", err, sizeof err) ||
        datagen_add_incident(&cfg, "eu-west-1:20m-80m:0.05:0.2", err, sizeof err) ||
        datagen_set_traffic(&cfg, "ap-south-1", DATAGEN_TRAFFIC_NONE, err, sizeof err) ||
        datagen_set_traffic(&cfg, "sa-east-1", DATAGEN_TRAFFIC_NODATA, err, sizeof err) ||
        mkdtemp(tmpdir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    snprintf(full_path, sizeof full_path, "%s/all.om", tmpdir);
    if (datagen_write_file(&cfg, full_path, NULL, err, sizeof err) != 0 ||
        datagen_write_split(&cfg, tmpdir, err, sizeof err) != 0) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    sample_lines = count_samples(full_path);
    full = promserver_start(full_path, err, sizeof err);
    if (full == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    for (int i = 0; i < 3; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, split_regions[i]);
        split[i] = promserver_start(path, err, sizeof err);
        if (split[i] == NULL) {
            snprintf(fixture_error, sizeof fixture_error, "start %s: %s", path, err);
            return;
        }
    }
}

static void teardown(void)
{
    promserver_stop(full);
    full = NULL;
    for (int i = 0; i < 3; i++) {
        promserver_stop(split[i]);
        split[i] = NULL;
    }
    for (size_t i = 0; i < cfg.nregions; i++) {
        char path[300];
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, cfg.regions[i].name);
        unlink(path);
    }
    unlink(full_path);
    rmdir(tmpdir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

START_TEST(test_every_sample_arrives)
{
    REQUIRE_FIXTURE();
    ck_assert_uint_gt(sample_lines, 80000);
    /* Summed family by family: without __name__ the _sum, _count and
     * queue_depth series of an instance share a label set. */
    double n = value_at(full,
                        "sum(count_over_time(http_requests_total[3h]))"
                        " + sum(count_over_time(http_request_duration_seconds_bucket[3h]))"
                        " + sum(count_over_time(http_request_duration_seconds_sum[3h]))"
                        " + sum(count_over_time(http_request_duration_seconds_count[3h]))"
                        " + sum(count_over_time(queue_depth[3h]))",
                        T(150));
    ck_assert_double_eq(n, (double)sample_lines);
}
END_TEST

/* One series sample by sample: what the file says is what the TSDB holds,
 * to the millisecond (the series with the counter reset). */
START_TEST(test_series_exact_to_the_ms)
{
    REQUIRE_FIXTURE();
    /* Written exactly as the file spells the series, so it prefixes its lines. */
    const char *sel = "http_requests_total{job=\"checkout\",region=\"eu-west-1\","
                      "instance=\"checkout-1.eu-west-1:8080\",method=\"GET\",status=\"500\"}";
    char expr[256], t[32];
    snprintf(expr, sizeof expr, "%s[3h]", sel);
    long status = 0;
    json_t *j = promserver_query(full, expr, at(T(150), t, sizeof t), &status);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(status, 200);
    json_t *values = json_object_get(
        json_array_get(json_object_get(json_object_get(j, "data"), "result"), 0), "values");
    FILE *f = fopen(full_path, "r");
    ck_assert_ptr_nonnull(f);
    char line[1024];
    size_t i = 0, resets = 0;
    double prev = 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, sel, strlen(sel)) != 0) continue;
        double v = 0;
        char ts[64];
        ck_assert_int_eq(sscanf(line + strlen(sel), " %lf %63s", &v, ts), 2);
        json_t *pair = json_array_get(values, i++);
        ck_assert_ptr_nonnull(pair);
        /* The API writes the sample time as seconds with 3 decimals. */
        long long got_ms = llround(json_number_value(json_array_get(pair, 0)) * 1000.0);
        long long want_ms = (long long)(strtod(ts, NULL) * 1000.0);
        ck_assert_int_eq(got_ms, want_ms);
        ck_assert_double_eq(strtod(json_string_value(json_array_get(pair, 1)), NULL), v);
        if (v < prev) resets++;
        prev = v;
    }
    fclose(f);
    ck_assert_uint_eq(i, json_array_size(values));
    ck_assert_uint_gt(i, 400);
    ck_assert_uint_eq(resets, 1);
    json_decref(j);
    snprintf(expr, sizeof expr, "resets(%s[3h])", sel);
    ck_assert_double_eq(value_at(full, expr, T(150)), 1);
}
END_TEST

static double ratio(promserver *s, const char *region, const char *range, int64_t ms)
{
    char expr[512];
    snprintf(expr, sizeof expr,
             "sum(rate(http_requests_total{region=\"%s\",status=~\"5..\"}[%s]))"
             " / sum(rate(http_requests_total{region=\"%s\"}[%s]))",
             region, range, region, range);
    return value_at(s, expr, ms);
}

START_TEST(test_known_burn)
{
    REQUIRE_FIXTURE();
    /* Inside the incident: 5% over 5m windows, at several times. */
    for (int m = 30; m <= 80; m += 10) {
        double r = ratio(full, "eu-west-1", "5m", T(m));
        ck_assert_msg(fabs(r - 0.05) < 0.05 * 0.02, "5m ratio at %dm: %g", m, r);
    }
    double r = ratio(full, "eu-west-1", "1h", T(80));
    ck_assert_msg(fabs(r - 0.05) < 0.05 * 0.01, "1h ratio: %g", r);
    /* After it, and elsewhere: the baseline 0.0005. */
    r = ratio(full, "eu-west-1", "30m", T(119));
    ck_assert_msg(fabs(r - 0.0005) < 0.0005 * 0.35, "eu-west-1 after: %g", r);
    r = ratio(full, "us-east-1", "1h", T(119));
    ck_assert_msg(fabs(r - 0.0005) < 0.0005 * 0.25, "us-east-1: %g", r);
    /* The 2h window mixes them, as the configured ratios say. */
    r = ratio(full, "eu-west-1", "2h", T(119));
    ck_assert_msg(r > 0.02 && r < 0.03, "2h ratio: %g", r);
}
END_TEST

/* increase() over the incident agrees with the generator's ground truth. */
START_TEST(test_increase_matches_truth)
{
    REQUIRE_FIXTURE();
    datagen_totals truth;
    ck_assert_int_eq(datagen_region_totals(&truth, &cfg, "eu-west-1", T(20), T(80)), 0);
    double req =
        value_at(full, "sum(increase(http_requests_total{region=\"eu-west-1\"}[1h]))", T(80));
    double err = value_at(
        full, "sum(increase(http_requests_total{region=\"eu-west-1\",status=~\"5..\"}[1h]))",
        T(80));
    ck_assert_msg(fabs(req / truth.requests - 1) < 0.02, "requests %g vs truth %g", req,
                  truth.requests);
    ck_assert_msg(fabs(err / truth.errors - 1) < 0.03, "errors %g vs truth %g", err, truth.errors);
}
END_TEST

START_TEST(test_histogram)
{
    REQUIRE_FIXTURE();
    /* _count is the requests the counters count, instance by instance. */
    double d = value_at(full,
                        "max(abs(sum by (instance) (http_requests_total) - on (instance) "
                        "sum by (instance) (http_request_duration_seconds_count)))",
                        T(100));
    ck_assert_double_eq(d, 0);
    /* The slow share: 20% during the incident, 1% otherwise. */
    const char *slow = "1 - sum(rate(http_request_duration_seconds_bucket{region=\"%s\","
                       "le=\"0.25\"}[30m])) / sum(rate(http_request_duration_seconds_count{"
                       "region=\"%s\"}[30m]))";
    char expr[512];
    snprintf(expr, sizeof expr, slow, "eu-west-1", "eu-west-1");
    double s = value_at(full, expr, T(70));
    ck_assert_msg(fabs(s - 0.2) < 0.2 * 0.05, "slow share in the incident: %g", s);
    snprintf(expr, sizeof expr, slow, "us-east-1", "us-east-1");
    s = value_at(full, expr, T(70));
    ck_assert_msg(fabs(s - 0.01) < 0.01 * 0.15, "slow share elsewhere: %g", s);
    /* Buckets are cumulative: no bucket above +Inf, none decreasing in le. */
    d = value_at(full,
                 "count(http_request_duration_seconds_bucket{le=\"10\"} > on (instance) "
                 "http_request_duration_seconds_bucket{le=\"+Inf\"}) or vector(0)",
                 T(100));
    ck_assert_double_eq(d, 0);
    double q = value_at(full,
                        "histogram_quantile(0.5, sum by (le) (rate("
                        "http_request_duration_seconds_bucket{region=\"us-east-1\"}[30m])))",
                        T(70));
    ck_assert_msg(q > 0.025 && q < 0.1, "median latency %g", q);
}
END_TEST

START_TEST(test_no_traffic_no_data_late_series)
{
    REQUIRE_FIXTURE();
    ck_assert_double_eq(value_at(full, "count(http_requests_total{region=\"ap-south-1\"})", T(60)),
                        3 * 8);
    ck_assert_double_eq(
        value_at(full, "sum(rate(http_requests_total{region=\"ap-south-1\"}[5m]))", T(60)), 0);
    ck_assert(isnan(ratio(full, "ap-south-1", "5m", T(60))));
    double v;
    char t[32];
    ck_assert_int_eq(promserver_query_value(full,
                                            "count(http_requests_total{region=\"sa-east-1\"})",
                                            at(T(60), t, sizeof t), &v),
                     -1);
    /* The late instance (the last one) is absent at first, there later. */
    ck_assert_int_eq(promserver_query_value(
                         full, "count(http_requests_total{instance=\"checkout-2.us-east-1:8080\"})",
                         at(T(5), t, sizeof t), &v),
                     -1);
    ck_assert_double_eq(
        value_at(full, "count(http_requests_total{instance=\"checkout-2.us-east-1:8080\"})",
                 T(100)),
        8);
    /* Gauge: higher in the incident. */
    double in = value_at(full, "avg(avg_over_time(queue_depth{region=\"eu-west-1\"}[20m]))", T(75));
    double out =
        value_at(full, "avg(avg_over_time(queue_depth{region=\"us-east-1\"}[20m]))", T(75));
    ck_assert_msg(in > 25 && out < 15, "queue depth %g in the incident, %g elsewhere", in, out);
}
END_TEST

/* One server per region: each holds its region only, with the very data of
 * the whole set. */
START_TEST(test_split_servers)
{
    REQUIRE_FIXTURE();
    const char *expr = "sum(increase(http_requests_total{region=\"eu-west-1\"}[1h]))";
    ck_assert_double_eq(value_at(split[0], expr, T(80)), value_at(full, expr, T(80)));
    ck_assert_double_eq(ratio(split[0], "eu-west-1", "5m", T(50)),
                        ratio(full, "eu-west-1", "5m", T(50)));
    ck_assert_double_eq(value_at(split[0], "count(count by (region) (http_requests_total))", T(60)),
                        1);
    ck_assert_double_eq(
        value_at(split[1], "count(http_requests_total{region=\"ap-south-1\"})", T(60)),
        value_at(split[1], "count(http_requests_total)", T(60)));
    double v;
    char t[32];
    ck_assert_int_eq(
        promserver_query_value(split[2], "count({__name__=~\".+\"})", at(T(60), t, sizeof t), &v),
        -1);
}
END_TEST

/* The default data set (6h, 3 regions) as the README and benchmarks use it:
 * generation, backfill and start-up time, and the brief's burn query. */
START_TEST(test_default_dataset)
{
    datagen_config c;
    datagen_config_init(&c);
    char err[512];
    ck_assert_int_eq(datagen_add_incident(&c, "eu-west-1:20m-80m:0.05", err, sizeof err), 0);
    char path[] = "/tmp/sloeval-datagen-default-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    close(fd);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    ck_assert_int_eq(datagen_write_file(&c, path, NULL, err, sizeof err), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    promserver *s = promserver_start(path, err, sizeof err);
    ck_assert_msg(s != NULL, "start: %s", err);
    printf("default data set: %.1f MB, generated in %.0f ms, backfill %.0f ms, start-up %.0f ms\n",
           (double)st.st_size / 1e6,
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6,
           promserver_backfill_ms(s), promserver_startup_ms(s));
    char t[32];
    double r = 0;
    ck_assert_int_eq(
        promserver_query_value(s,
                               "sum(rate(http_requests_total{region=\"eu-west-1\",status=~\"5..\"}"
                               "[5m])) / sum(rate(http_requests_total{region=\"eu-west-1\"}[5m]))",
                               at(c.start_ms + 50 * 60000, t, sizeof t), &r),
        0);
    ck_assert_msg(fabs(r - 0.05) < 0.005, "ratio %g", r);
    promserver_stop(s);
    unlink(path);
}
END_TEST

static Suite *datagen_suite(void)
{
    Suite *s = suite_create("datagen_integration");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 120);
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_every_sample_arrives);
    tcase_add_test(tc, test_series_exact_to_the_ms);
    tcase_add_test(tc, test_known_burn);
    tcase_add_test(tc, test_increase_matches_truth);
    tcase_add_test(tc, test_histogram);
    tcase_add_test(tc, test_no_traffic_no_data_late_series);
    tcase_add_test(tc, test_split_servers);
    suite_add_tcase(s, tc);
    TCase *big = tcase_create("default");
    tcase_set_timeout(big, 120);
    tcase_add_test(big, test_default_dataset);
    suite_add_tcase(s, big);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(datagen_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
