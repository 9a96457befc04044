/* The test-data generator (tests/support/datagen.h), without a server. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "datagen.h"

/* The whole output of datagen_write as a malloc'd string. */
static char *generate(const datagen_config *c, const char *only_region)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ck_assert_ptr_nonnull(f);
    char err[256] = "";
    int rc = datagen_write(c, f, only_region, err, sizeof err);
    fclose(f);
    ck_assert_msg(rc == 0, "datagen_write: %s", err);
    return buf;
}

static void small_config(datagen_config *c)
{
    datagen_config_init(c);
    c->duration_ms = 3600 * 1000;
}

START_TEST(test_defaults)
{
    datagen_config c;
    datagen_config_init(&c);
    ck_assert_int_eq(c.start_ms, 1704067200000LL);
    ck_assert_int_eq(c.duration_ms, 6 * 3600 * 1000LL);
    ck_assert_int_eq(c.interval_ms, 15000);
    ck_assert_uint_eq(c.nregions, 3);
    ck_assert_str_eq(c.regions[0].name, "us-east-1");
    ck_assert_str_eq(c.regions[1].name, "eu-west-1");
    ck_assert_str_eq(c.regions[2].name, "ap-south-1");
    ck_assert_int_eq(datagen_config_check(&c, NULL, 0), 0);
    ck_assert_int_eq(datagen_last_scrape_ms(&c), 1704067200000LL + 6 * 3600 * 1000LL - 15000);
}
END_TEST

START_TEST(test_parse_duration_and_time)
{
    int64_t v = 0;
    char err[256];
    ck_assert_int_eq(datagen_parse_duration(&v, "1h30m", err, sizeof err), 0);
    ck_assert_int_eq(v, 5400000);
    ck_assert_int_eq(datagen_parse_duration(&v, "250ms", err, sizeof err), 0);
    ck_assert_int_eq(v, 250);
    ck_assert_int_eq(datagen_parse_duration(&v, "90", err, sizeof err), 0);
    ck_assert_int_eq(v, 90000);
    ck_assert_int_eq(datagen_parse_duration(&v, "1.5m", err, sizeof err), 0);
    ck_assert_int_eq(v, 90000);
    const char *bad[] = {"", "abc", "5x", "-5m", "m", "1h-"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ck_assert_msg(datagen_parse_duration(&v, bad[i], err, sizeof err) == -1, "%s", bad[i]);
        ck_assert_ptr_nonnull(strstr(err, "invalid duration"));
    }

    ck_assert_int_eq(datagen_parse_time(&v, "2024-01-01T00:00:00Z", err, sizeof err), 0);
    ck_assert_int_eq(v, 1704067200000LL);
    ck_assert_int_eq(datagen_parse_time(&v, "2024-02-29T12:34:56.789Z", err, sizeof err), 0);
    ck_assert_int_eq(v, 1709210096789LL);
    ck_assert_int_eq(datagen_parse_time(&v, "1970-01-01T00:00:00Z", err, sizeof err), 0);
    ck_assert_int_eq(v, 0);
    ck_assert_int_eq(datagen_parse_time(&v, "1704067200.5", err, sizeof err), 0);
    ck_assert_int_eq(v, 1704067200500LL);
    ck_assert_int_eq(datagen_parse_time(&v, "2024-01-01T00:00:00", err, sizeof err), -1);
    ck_assert_int_eq(datagen_parse_time(&v, "2024-13-01T00:00:00Z", err, sizeof err), -1);
    ck_assert_int_eq(datagen_parse_time(&v, "yesterday", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "'yesterday'"));
}
END_TEST

START_TEST(test_region_options)
{
    datagen_config c;
    datagen_config_init(&c);
    char err[256];
    ck_assert_int_eq(datagen_set_regions(&c, "a,b", err, sizeof err), 0);
    ck_assert_uint_eq(c.nregions, 2);
    ck_assert_int_eq(datagen_set_rps(&c, "b:5", err, sizeof err), 0);
    ck_assert_double_eq(datagen_region_find(&c, "b")->rps, 5);
    ck_assert_double_eq(datagen_region_find(&c, "a")->rps, 20);
    ck_assert_int_eq(datagen_set_error_ratio(&c, "0.01", err, sizeof err), 0);
    ck_assert_double_eq(datagen_region_find(&c, "a")->error_ratio, 0.01);
    ck_assert_double_eq(datagen_region_find(&c, "b")->error_ratio, 0.01);
    ck_assert_int_eq(datagen_set_error_ratio(&c, "c:0.1", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "unknown region 'c'"));
    ck_assert_int_eq(datagen_set_error_ratio(&c, "a:1.5", err, sizeof err), -1);
    ck_assert_int_eq(datagen_set_slow_ratio(&c, "a:0.2", err, sizeof err), 0);
    ck_assert_int_eq(datagen_set_regions(&c, "a,a", err, sizeof err), -1);
    ck_assert_int_eq(datagen_set_regions(&c, "a,,b", err, sizeof err), -1);
    ck_assert_int_eq(datagen_set_regions(&c, "a b", err, sizeof err), -1);
    ck_assert_uint_eq(c.nregions, 2); /* unchanged by the failures */
    ck_assert_int_eq(datagen_set_traffic(&c, "b", DATAGEN_TRAFFIC_NONE, err, sizeof err), 0);
    ck_assert_int_eq(datagen_set_traffic(&c, "zz", DATAGEN_TRAFFIC_NONE, err, sizeof err), -1);
}
END_TEST

START_TEST(test_incidents)
{
    datagen_config c;
    datagen_config_init(&c);
    char err[256];
    ck_assert_int_eq(datagen_add_incident(&c, "eu-west-1:20m-80m:0.05", err, sizeof err), 0);
    ck_assert_int_eq(datagen_add_incident(&c, "us-east-1:1h-2h:0.2:0.3", err, sizeof err), 0);
    ck_assert_uint_eq(c.nincidents, 2);
    ck_assert_int_eq(c.incidents[0].from_ms, 20 * 60000);
    ck_assert_int_eq(c.incidents[0].to_ms, 80 * 60000);
    ck_assert_double_eq(c.incidents[0].error_ratio, 0.05);
    ck_assert_double_lt(c.incidents[0].slow_ratio, 0);
    ck_assert_double_eq(c.incidents[1].slow_ratio, 0.3);

    int64_t t0 = c.start_ms;
    ck_assert_double_eq(datagen_error_ratio_at(&c, "eu-west-1", t0 + 20 * 60000 - 1), 0.0005);
    ck_assert_double_eq(datagen_error_ratio_at(&c, "eu-west-1", t0 + 20 * 60000), 0.05);
    ck_assert_double_eq(datagen_error_ratio_at(&c, "eu-west-1", t0 + 80 * 60000 - 1), 0.05);
    ck_assert_double_eq(datagen_error_ratio_at(&c, "eu-west-1", t0 + 80 * 60000), 0.0005);
    ck_assert(isnan(datagen_error_ratio_at(&c, "mars-1", t0)));

    const char *bad[] = {"eu-west-1:80m-20m:0.05",   "nowhere:1m-2m:0.1", "eu-west-1:1m-2m",
                         "eu-west-1:1m2m:0.1",       "eu-west-1:1m-2m:2", "eu-west-1:1m-2m:0.1:x",
                         "eu-west-1:1m-2m:0.1:0.2:9"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        err[0] = '\0';
        ck_assert_msg(datagen_add_incident(&c, bad[i], err, sizeof err) == -1, "%s", bad[i]);
        ck_assert_msg(err[0] != '\0' && strchr(err, '\n') == NULL, "%s: '%s'", bad[i], err);
    }
    ck_assert_uint_eq(c.nincidents, 2);
}
END_TEST

START_TEST(test_reproducible)
{
    datagen_config c;
    small_config(&c);
    char *a = generate(&c, NULL);
    char *b = generate(&c, NULL);
    ck_assert_str_eq(a, b);
    c.seed = 2;
    char *d = generate(&c, NULL);
    ck_assert_str_ne(a, d);
    ck_assert_uint_eq(strlen(a) > 0, 1);
    /* Ends with the OpenMetrics terminator, once. */
    size_t n = strlen(a);
    ck_assert_str_eq(a + n - 6, "# EOF\n");
    ck_assert_ptr_eq(strstr(a, "# EOF"), a + n - 6);
    free(a);
    free(b);
    free(d);
}
END_TEST

/* A region's lines do not depend on the other regions generated. */
START_TEST(test_region_independent)
{
    datagen_config c;
    small_config(&c);
    char *full = generate(&c, NULL);
    char *only = generate(&c, "eu-west-1");
    char err[256];
    ck_assert_int_eq(datagen_set_regions(&c, "eu-west-1", err, sizeof err), 0);
    char *alone = generate(&c, NULL);
    ck_assert_str_eq(only, alone);
    /* The region's sample lines are exactly the full set's lines of that
     * region, in the same order. */
    size_t lines = 0;
    char *save_full = NULL, *save_only = NULL;
    char *f = strtok_r(full, "\n", &save_full);
    for (char *line = strtok_r(only, "\n", &save_only); line != NULL;
         line = strtok_r(NULL, "\n", &save_only)) {
        if (line[0] == '#') continue;
        ck_assert_ptr_nonnull(strstr(line, "region=\"eu-west-1\""));
        while (f != NULL && (f[0] == '#' || strstr(f, "region=\"eu-west-1\"") == NULL))
            f = strtok_r(NULL, "\n", &save_full);
        ck_assert_msg(f != NULL, "line missing from the full set: %s", line);
        ck_assert_str_eq(f, line);
        f = strtok_r(NULL, "\n", &save_full);
        lines++;
    }
    while (f != NULL && (f[0] == '#' || strstr(f, "region=\"eu-west-1\"") == NULL))
        f = strtok_r(NULL, "\n", &save_full);
    ck_assert_ptr_null(f);
    ck_assert_uint_gt(lines, 1000);
    free(full);
    free(only);
    free(alone);
}
END_TEST

/* Every series' samples are contiguous and in increasing time order; every
 * timestamp string means, after promtool's int64(seconds * 1000), the
 * millisecond it spells. */
START_TEST(test_series_order_and_timestamps)
{
    datagen_config c;
    small_config(&c);
    char *text = generate(&c, NULL);
    char prev_series[512] = "";
    long long prev_ms = -1;
    size_t series = 0, samples = 0, jittered = 0;
    char seen[512][256];
    size_t nseen = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        char *sp1 = strrchr(line, ' ');
        ck_assert_ptr_nonnull(sp1);
        *sp1 = '\0';
        const char *ts = sp1 + 1;
        char *sp2 = strrchr(line, ' ');
        ck_assert_ptr_nonnull(sp2);
        *sp2 = '\0';
        /* The millisecond the text spells. */
        const char *dot = strchr(ts, '.');
        long long ms = atoll(ts) * 1000;
        if (dot != NULL) {
            ck_assert_int_ge(strlen(dot + 1), 3);
            ms += (dot[1] - '0') * 100 + (dot[2] - '0') * 10 + (dot[3] - '0');
            jittered++;
        }
        ck_assert_int_eq((long long)(strtod(ts, NULL) * 1000.0), ms);
        if (strcmp(line, prev_series) != 0) {
            for (size_t i = 0; i < nseen; i++)
                ck_assert_msg(strcmp(seen[i], line) != 0, "series not contiguous: %s", line);
            ck_assert_uint_lt(nseen, 512);
            snprintf(seen[nseen++], sizeof seen[0], "%s", line);
            snprintf(prev_series, sizeof prev_series, "%s", line);
            series++;
        } else {
            ck_assert_int_gt(ms, prev_ms);
        }
        ck_assert_int_ge(ms, c.start_ms);
        ck_assert_int_lt(ms, c.start_ms + c.duration_ms);
        prev_ms = ms;
        samples++;
    }
    /* 3 regions x 3 instances x (8 counters + 14 histogram + 1 gauge). */
    ck_assert_uint_eq(series, 3 * 3 * 23);
    ck_assert_uint_gt(jittered, samples / 2);
    /* Fewer than all scrapes: gaps, outage and late instances. */
    ck_assert_uint_lt(samples, series * 240);
    ck_assert_uint_gt(samples, series * 240 * 8 / 10);
    free(text);
}
END_TEST

/* Near the epoch, "2.046" * 1000 truncates to 2045 in float64: those
 * timestamps need the extra digit, and still mean their millisecond. */
START_TEST(test_small_timestamps_exact)
{
    datagen_config c;
    small_config(&c);
    c.start_ms = 1000;
    c.duration_ms = 600 * 1000;
    c.interval_ms = 1000;
    char *text = generate(&c, NULL);
    size_t fixed = 0, samples = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        const char *ts = strrchr(line, ' ') + 1;
        const char *dot = strchr(ts, '.');
        long long ms = atoll(ts) * 1000;
        if (dot != NULL) {
            ms += (dot[1] - '0') * 100 + (dot[2] - '0') * 10 + (dot[3] - '0');
            if (strlen(dot + 1) == 4) {
                ck_assert_int_eq(dot[4], '5');
                fixed++;
            } else {
                ck_assert_int_eq(strlen(dot + 1), 3);
            }
        }
        ck_assert_int_eq((long long)(strtod(ts, NULL) * 1000.0), ms);
        samples++;
    }
    ck_assert_uint_gt(samples, 10000);
    ck_assert_uint_gt(fixed, 0);
    free(text);
}
END_TEST

START_TEST(test_clean_is_aligned_and_complete)
{
    datagen_config c;
    small_config(&c);
    c.realism = DATAGEN_CLEAN;
    char *text = generate(&c, NULL);
    size_t samples = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (line[0] == '#') continue;
        const char *ts = strrchr(line, ' ') + 1;
        ck_assert_ptr_null(strchr(ts, '.'));
        ck_assert_int_eq(atoll(ts) % 15, 0);
        samples++;
    }
    ck_assert_uint_eq(samples, 3 * 3 * 23 * 240);
    free(text);
}
END_TEST

START_TEST(test_truth_follows_configured_ratio)
{
    datagen_config c;
    datagen_config_init(&c);
    c.duration_ms = 2 * 3600 * 1000;
    char err[256];
    ck_assert_int_eq(datagen_add_incident(&c, "eu-west-1:20m-80m:0.05:0.2", err, sizeof err), 0);
    int64_t t0 = c.start_ms;
    datagen_totals t;
    ck_assert_int_eq(datagen_region_totals(&t, &c, "eu-west-1", t0 + 20 * 60000, t0 + 80 * 60000),
                     0);
    ck_assert_double_gt(t.requests, 50000);
    ck_assert_double_lt(fabs(t.errors / t.requests - 0.05), 0.0005);
    ck_assert_double_lt(fabs(t.slow / t.requests - 0.2), 0.002);
    /* Outside the incident: the baseline. */
    ck_assert_int_eq(datagen_region_totals(&t, &c, "eu-west-1", t0 + 80 * 60000, t0 + 120 * 60000),
                     0);
    ck_assert_double_lt(fabs(t.errors / t.requests - 0.0005), 0.0001);
    ck_assert_double_lt(fabs(t.slow / t.requests - 0.01), 0.001);
    /* Traffic near the configured rate: 20 req/s +- diurnal swing and noise. */
    ck_assert_int_eq(datagen_region_totals(&t, &c, "us-east-1", t0, t0 + 3600 * 1000), 0);
    ck_assert_double_gt(t.requests / 3600.0, 20 * 0.7);
    ck_assert_double_lt(t.requests / 3600.0, 20 * 1.3);
    ck_assert_int_eq(datagen_region_totals(&t, &c, "mars-1", t0, t0 + 1), -1);
}
END_TEST

START_TEST(test_no_traffic_and_no_data)
{
    datagen_config c;
    small_config(&c);
    char err[256];
    ck_assert_int_eq(datagen_set_traffic(&c, "us-east-1", DATAGEN_TRAFFIC_NONE, err, sizeof err),
                     0);
    ck_assert_int_eq(datagen_set_traffic(&c, "ap-south-1", DATAGEN_TRAFFIC_NODATA, err, sizeof err),
                     0);
    char *text = generate(&c, NULL);
    ck_assert_ptr_null(strstr(text, "ap-south-1"));
    ck_assert_ptr_nonnull(strstr(text, "eu-west-1"));
    /* The flat region: every counter series keeps its first value. */
    char prev[512] = "", prev_value[64] = "";
    size_t flat_lines = 0;
    for (char *line = strtok(text, "\n"); line != NULL; line = strtok(NULL, "\n")) {
        if (strncmp(line, "http_requests_total", 19) != 0 || !strstr(line, "us-east-1")) continue;
        char *sp = strchr(line, '}') + 1;
        *sp = '\0';
        char value[64];
        ck_assert_int_eq(sscanf(sp + 1, "%63s", value), 1);
        if (strcmp(prev, line) == 0) ck_assert_str_eq(value, prev_value);
        snprintf(prev, sizeof prev, "%s", line);
        snprintf(prev_value, sizeof prev_value, "%s", value);
        flat_lines++;
    }
    ck_assert_uint_gt(flat_lines, 3 * 8 * 200);
    ck_assert(isnan(datagen_error_ratio_at(&c, "us-east-1", c.start_ms)));
    datagen_totals t;
    ck_assert_int_eq(datagen_region_totals(&t, &c, "us-east-1", c.start_ms, c.start_ms + 3600000),
                     0);
    ck_assert_double_eq(t.requests, 0);
    free(text);

    /* Split files: the no-data region's file has no samples. */
    char dir[] = "/tmp/sloeval-datagen-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    ck_assert_int_eq(datagen_write_split(&c, dir, err, sizeof err), 0);
    const char *names[] = {"us-east-1", "eu-west-1", "ap-south-1"};
    for (int i = 0; i < 3; i++) {
        char path[512];
        snprintf(path, sizeof path, "%s/%s.om", dir, names[i]);
        struct stat st;
        ck_assert_int_eq(stat(path, &st), 0);
        if (i == 2)
            ck_assert_int_lt(st.st_size, 1000);
        else
            ck_assert_int_gt(st.st_size, 100000);
        unlink(path);
    }
    rmdir(dir);
}
END_TEST

START_TEST(test_bad_config_and_write_errors)
{
    datagen_config c;
    small_config(&c);
    char err[256];
    c.interval_ms = 10;
    ck_assert_int_eq(datagen_config_check(&c, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "interval"));
    small_config(&c);
    c.instances = 0;
    ck_assert_int_eq(datagen_write_file(&c, "/tmp/sloeval-never.om", NULL, err, sizeof err), -1);
    ck_assert_int_ne(access("/tmp/sloeval-never.om", F_OK), 0);
    small_config(&c);
    ck_assert_int_eq(datagen_write_file(&c, "/nonexistent/dir/x.om", NULL, err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "/nonexistent/dir/x.om"));
    /* A stream that refuses writes. */
    FILE *ro = fopen("/dev/null", "r");
    ck_assert_ptr_nonnull(ro);
    err[0] = '\0';
    ck_assert_int_eq(datagen_write(&c, ro, NULL, err, sizeof err), -1);
    ck_assert_msg(strstr(err, "write error") != NULL, "%s", err);
    fclose(ro);
    ck_assert_int_eq(datagen_write(&c, stdout, "mars-1", err, sizeof err), -1);
    ck_assert_ptr_nonnull(strstr(err, "mars-1"));
}
END_TEST

static Suite *datagen_suite(void)
{
    Suite *s = suite_create("datagen");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_defaults);
    tcase_add_test(tc, test_parse_duration_and_time);
    tcase_add_test(tc, test_region_options);
    tcase_add_test(tc, test_incidents);
    tcase_add_test(tc, test_reproducible);
    tcase_add_test(tc, test_region_independent);
    tcase_add_test(tc, test_series_order_and_timestamps);
    tcase_add_test(tc, test_small_timestamps_exact);
    tcase_add_test(tc, test_clean_is_aligned_and_complete);
    tcase_add_test(tc, test_truth_follows_configured_ratio);
    tcase_add_test(tc, test_no_traffic_and_no_data);
    tcase_add_test(tc, test_bad_config_and_write_errors);
    suite_add_tcase(s, tc);
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
