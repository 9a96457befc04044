/*
 * Unit tests of the public engine API (include/sloeval/engine.h): options,
 * instant and range queries over the in-memory source through sloeval_result,
 * the refusal of what is not evaluated locally, and sloeval_time_parse
 * (include/sloeval/time.h) with the exact millisecond conversion of
 * Prometheus's parseTime and the forms people write (dates, now-1h).
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sloeval.h"

/* "now" in these tests: 2023-11-14T22:13:20Z */
#define NOW_MS 1700000000000LL

static int64_t parse_time(const char *s)
{
    int64_t t = 42;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_time_parse(&t, s, NOW_MS, &err);
    ck_assert_msg(rc == 0, "%s: %s", s, err.message);
    return t;
}

static void bad_time(const char *s)
{
    int64_t t;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_time_parse(&t, s, NOW_MS, &err), SLOEVAL_EINVAL);
    char want[256];
    snprintf(want, sizeof want,
             "cannot parse \"%s\" as a time (unix seconds, RFC 3339, YYYY-MM-DD, now or "
             "now-<duration>)",
             s);
    ck_assert_str_eq(err.message, want);
}

START_TEST(test_time_parse)
{
    ck_assert_int_eq(parse_time("1700000000"), 1700000000000LL);
    ck_assert_int_eq(parse_time("1700000000.123"), 1700000000123LL);
    /* The fraction is rounded to milliseconds, not truncated. */
    ck_assert_int_eq(parse_time("1700000000.1239"), 1700000000124LL);
    ck_assert_int_eq(parse_time("1700000000.1234"), 1700000000123LL);
    /* ... which can carry into the next second. */
    ck_assert_int_eq(parse_time("1700000000.9996"), 1700000001000LL);
    ck_assert_int_eq(parse_time("0.0005"), 1);
    ck_assert_int_eq(parse_time("-1.5"), -1500);
    ck_assert_int_eq(parse_time("1e9"), 1000000000000LL);
    ck_assert_int_eq(parse_time("2023-11-14T22:13:20Z"), 1700000000000LL);
    ck_assert_int_eq(parse_time("2023-11-14T23:13:20+01:00"), 1700000000000LL);
    /* RFC 3339 fractions are truncated to milliseconds (t.UnixNano()/1e6). */
    ck_assert_int_eq(parse_time("2023-11-14T22:13:20.1239Z"), 1700000000123LL);
    ck_assert_int_eq(parse_time("1969-12-31T23:59:59.5Z"), -500);
    ck_assert_int_eq(parse_time("2024-02-29T00:00:00Z"), 1709164800000LL);
    /* for people: a bare date is midnight UTC; now, and now plus or minus a duration */
    ck_assert_int_eq(parse_time("2023-11-14"), 1699920000000LL);
    ck_assert_int_eq(parse_time("1970-01-01"), 0);
    ck_assert_int_eq(parse_time("2024-02-29"), 1709164800000LL);
    ck_assert_int_eq(parse_time("now"), NOW_MS);
    ck_assert_int_eq(parse_time("now-1h30m"), NOW_MS - 5400000);
    ck_assert_int_eq(parse_time("now+5m"), NOW_MS + 300000);
    ck_assert_int_eq(parse_time("now-0"), NOW_MS);
    bad_time("");
    bad_time("Now");
    bad_time("now-");
    bad_time("now-1.5h");
    bad_time("now - 1h");
    bad_time("now-1h-1h");
    bad_time("2023-02-29");
    bad_time("2023-1-14");
    bad_time("2023-11-14T");
    bad_time("NaN");
    bad_time("Inf");
    bad_time("2023-13-01T00:00:00Z");
    bad_time("2023-02-29T00:00:00Z");
    bad_time("2023-11-14 22:13:20Z");
    bad_time("2023-11-14T22:13:20");
    bad_time("1e300");
}
END_TEST

START_TEST(test_time_and_duration_format)
{
    char buf[SLOEVAL_TIME_FORMAT_SIZE];
    ck_assert_uint_eq(sloeval_time_format(buf, sizeof buf, 1700000000000LL), 20);
    ck_assert_str_eq(buf, "2023-11-14T22:13:20Z");
    sloeval_time_format(buf, sizeof buf, 1700000000123LL);
    ck_assert_str_eq(buf, "2023-11-14T22:13:20.123Z");
    sloeval_time_format(buf, sizeof buf, -500);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59.500Z");
    /* what it writes reads back */
    ck_assert_int_eq(parse_time(buf), -500);
    /* like snprintf: the full length, the text cut to fit */
    char small[5];
    ck_assert_uint_eq(sloeval_time_format(small, sizeof small, 0), 20);
    ck_assert_str_eq(small, "1970");
    ck_assert_int_ge(sloeval_time_now_ms(), 1700000000000LL);

    int64_t ms = 0;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_duration_parse(&ms, "1h30m", &err), 0);
    ck_assert_int_eq(ms, 5400000);
    ck_assert_int_eq(sloeval_duration_parse(&ms, "1.5h", &err), SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "invalid duration '1.5h'"));
    ck_assert_uint_eq(sloeval_duration_format(buf, sizeof buf, 5400000), 5);
    ck_assert_str_eq(buf, "1h30m");
}
END_TEST

static sloeval_source *src;
static sloeval_engine *eng;

static void setup(void)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V2), 0);
    const char *om = "# TYPE c counter\n"
                     "c_total{a=\"x\"} 0 1000\n"
                     "c_total{a=\"x\"} 60 1060\n"
                     "c_total{a=\"x\"} 120 1120\n"
                     "c_total{a=\"y\"} 0 1000\n"
                     "c_total{a=\"y\"} 30 1060\n"
                     "c_total{a=\"y\"} 60 1120\n"
                     "# EOF\n";
    ck_assert_msg(sloeval_memory_load_openmetrics(src, om, strlen(om), "t.om", &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(sloeval_engine_new(&eng, NULL, &err), 0);
}

static void teardown(void)
{
    sloeval_engine_free(eng);
    sloeval_source_free(src);
}

static sloeval_expr *parse(const char *q)
{
    sloeval_expr *e;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.compat = SLOEVAL_COMPAT_V2;
    ck_assert_msg(sloeval_expr_parse(&e, q, strlen(q), &po, &err) == 0, "%s", err.message);
    return e;
}

START_TEST(test_instant_query)
{
    sloeval_expr *e = parse("sum by (a) (rate(c_total[2m]))");
    sloeval_result *r;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    /* compat AUTO takes the source's: v2, so the window [1000s, 1120s] is closed. */
    ck_assert_int_eq(sloeval_engine_query_instant(&r, eng, src, e, 1120000, &err), 0);
    ck_assert_int_eq(sloeval_result_type(r), SLOEVAL_TYPE_VECTOR);
    ck_assert_uint_eq(sloeval_result_series_count(r), 2);
    ck_assert_str_eq(sloeval_result_label_value(r, 0, "a"), "x");
    size_t n;
    const sloeval_sample *s = sloeval_result_samples(r, 0, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(s[0].t_ms, 1120000);
    ck_assert(fabs(s[0].value - 1) < 1e-12);
    ck_assert_str_eq(sloeval_result_json(r, NULL),
                     "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":\"x\"},\"value\":["
                     "1120,\"1\"]},{\"metric\":{\"a\":\"y\"},\"value\":[1120,\"0.5\"]}]}");
    sloeval_result_free(r);
    sloeval_expr_free(e);
}
END_TEST

START_TEST(test_range_query_and_options)
{
    sloeval_expr *e = parse("c_total{a=\"y\"} / 30");
    sloeval_result *r;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_engine_query_range(&r, eng, src, e, 1000000, 1120000, 60000, &err), 0);
    ck_assert_int_eq(sloeval_result_type(r), SLOEVAL_TYPE_MATRIX);
    size_t n;
    const sloeval_sample *s = sloeval_result_samples(r, 0, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert(s[2].value == 2);
    sloeval_result_free(r);

    ck_assert_int_eq(sloeval_engine_query_range(&r, eng, src, e, 1000000, 1120000, 0, &err),
                     SLOEVAL_EINVAL);
    ck_assert_ptr_null(r);
    /* More steps than allowed. */
    sloeval_engine *small;
    sloeval_engine_options o = SLOEVAL_ENGINE_OPTIONS_INIT;
    o.max_steps = 2;
    ck_assert_int_eq(sloeval_engine_new(&small, &o, &err), 0);
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_engine_query_range(&r, small, src, e, 1000000, 1120000, 60000, &err),
                     SLOEVAL_ELIMIT);
    sloeval_engine_free(small);
    /* A lookback shorter than the gap to the last sample: nothing. */
    o = (sloeval_engine_options)SLOEVAL_ENGINE_OPTIONS_INIT;
    o.lookback_delta_ms = 10000;
    ck_assert_int_eq(sloeval_engine_new(&small, &o, &err), 0);
    ck_assert_int_eq(sloeval_engine_query_instant(&r, small, src, e, 1140000, &err), 0);
    ck_assert_uint_eq(sloeval_result_series_count(r), 0);
    sloeval_result_free(r);
    sloeval_engine_free(small);
    o.version = 99;
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_engine_new(&small, &o, &err), SLOEVAL_EINVAL);
    sloeval_expr_free(e);
}
END_TEST

START_TEST(test_refusal_and_errors)
{
    sloeval_expr *e;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.experimental_functions = 1;
    const char *q = "sum(c_total)\n  + on() limitk(1, c_total)";
    ck_assert_int_eq(sloeval_expr_parse(&e, q, strlen(q), &po, &err), 0);
    ck_assert_int_eq(sloeval_engine_check(e, SLOEVAL_COMPAT_V3, &err), SLOEVAL_EUNSUPPORTED);
    ck_assert_str_eq(err.message, "not supported for local evaluation: limitk at 2:10");
    sloeval_result *r;
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_engine_query_instant(&r, eng, src, e, 1120000, &err),
                     SLOEVAL_EUNSUPPORTED);
    ck_assert_ptr_null(r);
    sloeval_expr_free(e);

    e = parse("c_total + on() c_total");
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_engine_query_instant(&r, eng, src, e, 1120000, &err), SLOEVAL_EEXEC);
    ck_assert(strstr(err.message, "many-to-many matching not allowed") != NULL);
    sloeval_expr_free(e);

    ck_assert(sloeval_engine_function_supported("rate", SLOEVAL_COMPAT_V2));
    ck_assert(sloeval_engine_function_supported("holt_winters", SLOEVAL_COMPAT_V2));
    ck_assert(!sloeval_engine_function_supported("holt_winters", SLOEVAL_COMPAT_V3));
    ck_assert(!sloeval_engine_function_supported("info", SLOEVAL_COMPAT_V3));
    ck_assert(!sloeval_engine_function_supported("nope", SLOEVAL_COMPAT_V3));
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("engine_api");
    TCase *t = tcase_create("time");
    tcase_add_test(t, test_time_parse);
    tcase_add_test(t, test_time_and_duration_format);
    suite_add_tcase(s, t);
    TCase *q = tcase_create("queries");
    tcase_add_checked_fixture(q, setup, teardown);
    tcase_add_test(q, test_instant_query);
    tcase_add_test(q, test_range_query_and_options);
    tcase_add_test(q, test_refusal_and_errors);
    suite_add_tcase(s, q);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
