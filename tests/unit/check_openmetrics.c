/* Unit tests of lib/source/openmetrics: what promtool's backfill accepts,
 * and a one-line error naming the line for everything else. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sloeval/source.h"
#include "source/memory.h"
#include "source/openmetrics.h"

static sloeval_source *load_ok(const char *text)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_memory_load_openmetrics(src, text, strlen(text), "t.om", &err);
    ck_assert_msg(rc == 0, "load failed: %s", err.message);
    return src;
}

/* The samples of the series selected by name=value matchers. */
static matrix select_all(sloeval_source *src, arena *a, const char *name)
{
    label_matcher m = {MATCH_EQUAL, STRV_LIT("__name__"), strv_from_cstr(name)};
    matrix out;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select(src, &m, 1, INT64_MIN, INT64_MAX, a, &out, NULL, &err), 0);
    return out;
}

START_TEST(test_accepts_promtool_input)
{
    const char *text = "# HELP http_requests_total Requests \\\\ served.\n"
                       "# TYPE http_requests_total counter\n"
                       "# UNIT up_seconds seconds\n"
                       "http_requests_total{job=\"api\",code=\"200\"} 1 1700000000\n"
                       "http_requests_total{job=\"api\",code=\"200\"} 2.5 1700000015.5\n"
                       "http_requests_total{code=\"500\",job=\"api\"} 0 1700000000 # "
                       "{trace_id=\"abc\"} 1 1700000000.1\n"
                       "http_requests_total{code=\"500\",job=\"api\"} 1 1700000015\n"
                       "up_seconds{} 1 -1.5\n"
                       "m{a=\"x\\\"y\\\\z\\nq\",b=\"\\t\",c=\"\"} NaN 0.0015\n"
                       "m{a=\"x\\\"y\\\\z\\nq\",b=\"\\t\",c=\"\"} +Inf 0.002\n"
                       "m{a=\"x\\\"y\\\\z\\nq\",b=\"\\t\",c=\"\"} -inf 0.003\n"
                       "m{a=\"x\\\"y\\\\z\\nq\",b=\"\\t\",c=\"\"} -inf 0.003\n"
                       "# EOF";
    sloeval_source *src = load_ok(text);
    sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
    ck_assert_int_eq(sloeval_memory_get_stats(&st, src, NULL), 0);
    ck_assert_uint_eq(st.series, 4);
    ck_assert_uint_eq(st.samples, 8); /* the exact repeat is dropped */
    ck_assert_uint_eq(st.sample_bytes, 8 * 16);

    arena a;
    arena_init(&a, 0);
    matrix mx = select_all(src, &a, "http_requests_total");
    ck_assert_uint_eq(mx.count, 2);
    /* label order: code="200" before code="500" */
    ck_assert(strv_eq_cstr(labels_get(mx.items[0].labels, STRV_LIT("code")), "200"));
    ck_assert_uint_eq(mx.items[0].count, 2);
    ck_assert_int_eq(mx.items[0].samples[0].t, 1700000000000LL);
    ck_assert_int_eq(mx.items[0].samples[1].t, 1700000015500LL);
    ck_assert(mx.items[0].samples[1].v == 2.5);

    mx = select_all(src, &a, "up_seconds");
    ck_assert_int_eq(mx.items[0].samples[0].t, -1500);

    mx = select_all(src, &a, "m");
    ck_assert_uint_eq(mx.count, 1);
    const labels *ls = mx.items[0].labels;
    ck_assert_uint_eq(ls->count, 3); /* c="" is no label */
    ck_assert(strv_eq_cstr(labels_get(ls, STRV_LIT("a")), "x\"y\\z\nq"));
    ck_assert(strv_eq_cstr(labels_get(ls, STRV_LIT("b")), "\\t")); /* only \" \\ \n unescape */
    ck_assert_uint_eq(mx.items[0].count, 3);
    /* 0.0015 s: (int64)(0.0015 * 1000) truncates 1.5 to 1 */
    ck_assert_int_eq(mx.items[0].samples[0].t, 1);
    ck_assert_int_eq(mx.items[0].samples[1].t, 2);
    ck_assert(isnan(mx.items[0].samples[0].v));
    ck_assert(isinf(mx.items[0].samples[1].v) && mx.items[0].samples[1].v > 0);
    ck_assert(isinf(mx.items[0].samples[2].v) && mx.items[0].samples[2].v < 0);
    arena_free(&a);
    sloeval_source_free(src);
}
END_TEST

START_TEST(test_timestamp_truncation)
{
    /* seconds * 1000 in float64, truncated toward zero as Go's int64() */
    sloeval_source *src = load_ok("m 1 1435781451.781\nm 1 1435781452.0009\nm 2 1435781453.9999\n"
                                  "n 1 -0.0019\n# EOF\n");
    arena a;
    arena_init(&a, 0);
    matrix mx = select_all(src, &a, "m");
    ck_assert_int_eq(mx.items[0].samples[0].t, (int64_t)(1435781451.781 * 1000.0));
    ck_assert_int_eq(mx.items[0].samples[1].t, 1435781452000LL);
    ck_assert_int_eq(mx.items[0].samples[2].t, 1435781453999LL);
    mx = select_all(src, &a, "n");
    ck_assert_int_eq(mx.items[0].samples[0].t, -1);
    arena_free(&a);
    sloeval_source_free(src);
}
END_TEST

/* Bad input, each with the exact one-line message. */
static const struct {
    const char *text;
    const char *message;
} bad[] = {
    {"m 1 1\n", "t.om:2: the data does not end with \"# EOF\""},
    {"", "t.om:1: the data does not end with \"# EOF\""},
    {"m 1 1\n# EOF\nm 1 2\n", "t.om:3: unexpected data after # EOF"},
    {"m 1 1\n# EOF\n\n", "t.om:3: unexpected data after # EOF"},
    {"m 1 1\n# EOFx\n", "t.om:2: unexpected data after # EOF"},
    {"m 1 1\n\nm 2 2\n# EOF\n", "t.om:2: empty line (OpenMetrics text has none)"},
    {"# hello\n# EOF\n",
     "t.om:1: comments other than # HELP, # TYPE, # UNIT and # EOF are not allowed in "
     "OpenMetrics"},
    {"# eof\n", "t.om:1: comments other than # HELP, # TYPE, # UNIT and # EOF are not allowed "
                "in OpenMetrics"},
    {"#TYPE m gauge\n# EOF\n", "t.om:1: expected \"# \" followed by HELP, TYPE, UNIT or EOF"},
    {"1m 1 1\n# EOF\n", "t.om:1: a line must start with a metric name or '#', found '1'"},
    {" m 1 1\n# EOF\n", "t.om:1: a line must start with a metric name or '#', found a space"},
    {"m 1\n# EOF\n",
     "t.om:1: sample of \"m\" has no timestamp (promtool needs one on every sample)"},
    {"a_total 1 # {x=\"y\"} 1\n# EOF\n",
     "t.om:1: sample of \"a_total\" has no timestamp (promtool needs one on every sample)"},
    {"m  1 1\n# EOF\n",
     "t.om:1: expected a space and a value after the metric name, found a space"},
    {"m\t1 1\n# EOF\n", "t.om:1: expected a space and a value after the metric name, found a tab"},
    {"m{a=\"1\"}1 1\n# EOF\n", "t.om:1: expected a space and a value after the labels, found '1'"},
    {"m 1 1 \n# EOF\n", "t.om:1: expected the end of the line after the timestamp, found a space"},
    {"m 1 \n# EOF\n", "t.om:1: expected a timestamp after the value, found end of line"},
    {"m 1  1\n# EOF\n", "t.om:1: expected a timestamp after the value, found a space"},
    {"m 1 1 1\n# EOF\n", "t.om:1: expected the end of the line after the timestamp, found a space"},
    {"m abc 1\n# EOF\n", "t.om:1: invalid value \"abc\""},
    {"m 0x1p3 1\n# EOF\n", "t.om:1: invalid value \"0x1p3\""},
    {"m 1_000 1\n# EOF\n", "t.om:1: invalid value \"1_000\""},
    {"m 1e999 1\n# EOF\n", "t.om:1: value \"1e999\" is out of range for a float64"},
    {"m 1 NaN\n# EOF\n", "t.om:1: invalid timestamp \"NaN\""},
    {"m 1 Inf\n# EOF\n", "t.om:1: invalid timestamp \"Inf\""},
    {"m 1 x\n# EOF\n", "t.om:1: invalid timestamp \"x\""},
    {"m 1 1e300\n# EOF\n", "t.om:1: timestamp \"1e300\" is out of range"},
    {"m 1 1\r\n# EOF\n", "t.om:1: invalid timestamp \"1\\r\" (the file must use \\n line ends)"},
    {"m 1 1", "t.om:1: sample line does not end with a newline"},
    {"m{a=\"1\",} 1 1\n# EOF\n", "t.om:1: expected a label name after ',', found '}'"},
    {"m{a=\"1\", b=\"2\"} 1 1\n# EOF\n", "t.om:1: expected a label name after ',', found a space"},
    {"m{a=\"1\" b=\"2\"} 1 1\n# EOF\n", "t.om:1: expected ',' or '}' after a label, found a space"},
    {"m{,a=\"1\"} 1 1\n# EOF\n", "t.om:1: expected a label name or '}', found ','"},
    {"m{a:b=\"1\"} 1 1\n# EOF\n", "t.om:1: expected '=' after label name \"a\", found ':'"},
    {"m{a=1} 1 1\n# EOF\n", "t.om:1: expected a double-quoted value for label \"a\""},
    {"m{a=\"1} 1 1\n# EOF\n", "t.om:1: unterminated value of label \"a\""},
    {"m{a=\"\\\n\"} 1 1\n# EOF\n", "t.om:1: unterminated value of label \"a\""},
    {"m{a=\"\xff\"} 1 1\n# EOF\n", "t.om:1: value of label \"a\" is not valid UTF-8"},
    {"m{a=\"1\",a=\"2\"} 1 1\n# EOF\n", "t.om:1: label name \"a\" appears twice"},
    {"m{__name__=\"x\"} 1 1\n# EOF\n", "t.om:1: label name \"__name__\" appears twice"},
    {"m 1 1 # {a=\"b\"} 1\n# EOF\n", "t.om:1: metric name m does not support exemplars"},
    {"a_total 1 1 # {a=\"b\"}\n# EOF\n",
     "t.om:1: expected a space and a value after the exemplar labels, found end of line"},
    {"a_total 1 1 # {a=\"b\"} 1 x\n# EOF\n", "t.om:1: invalid exemplar timestamp \"x\""},
    {"# TYPE m foo\n# EOF\n", "t.om:1: invalid metric type \"foo\""},
    {"# TYPE m \n# EOF\n", "t.om:1: invalid metric type \"\""},
    {"# TYPE 1m gauge\n# EOF\n", "t.om:1: expected a metric name after # TYPE, found '1'"},
    {"# HELP m\n# EOF\n", "t.om:1: expected a space and text after the metric name in # HELP"},
    {"# HELP m \xff\n# EOF\n", "t.om:1: help text is not valid UTF-8"},
    {"# UNIT m seconds\n# EOF\n", "t.om:1: unit \"seconds\" is not a suffix of metric \"m\""},
    {"# UNIT mseconds seconds\n# EOF\n",
     "t.om:1: unit \"seconds\" is not a suffix of metric \"mseconds\""},
    {"# TYPE m gauge", "t.om:1: # TYPE line does not end with a newline"},
    {"m 1 2\nm 1 1\n# EOF\n",
     "t.om:2: out of order sample: timestamp 1000 is before 2000, the last one of series m"},
    {"m{a=\"x\"} 1 1\nm{a=\"x\"} 2 1\n# EOF\n",
     "t.om:2: duplicate sample for timestamp 1000 with a different value for series "
     "m{a=\"x\"}"},
};

START_TEST(test_bad_input_messages)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        sloeval_source *src;
        ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V2), 0);
        /* something loaded before stays as it was */
        const char *pre = "m 7 0\nkeep 1 0\n# EOF\n";
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(sloeval_memory_load_openmetrics(src, pre, strlen(pre), "pre", &err), 0);
        int rc =
            sloeval_memory_load_openmetrics(src, bad[i].text, strlen(bad[i].text), "t.om", &err);
        ck_assert_msg(rc == SLOEVAL_EDATA, "case %zu: rc %d (%s)", i, rc, err.message);
        ck_assert_msg(strcmp(err.message, bad[i].message) == 0, "case %zu:\n got: %s\nwant: %s", i,
                      err.message, bad[i].message);
        ck_assert_int_gt(err.line, 0);
        ck_assert_int_gt(err.column, 0);
        sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
        sloeval_memory_get_stats(&st, src, NULL);
        ck_assert_msg(st.samples == 2 && st.series == 2, "case %zu left %zu samples", i,
                      st.samples);
        sloeval_source_free(src);
    }
}
END_TEST

START_TEST(test_error_position)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    const char *t = "# TYPE m gauge\nm{a=\"1\"} 1 1\nm{a=\"1\"} 2 x\n# EOF\n";
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics(src, t, strlen(t), NULL, &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message, "<input>:3: invalid timestamp \"x\"");
    ck_assert_int_eq(err.line, 3);
    ck_assert_int_eq(err.column, 12);
    sloeval_source_free(src);
}
END_TEST

START_TEST(test_load_file)
{
    char path[] = "/tmp/sloeval_om_XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    const char *t = "up{job=\"x\"} 1 10\n# EOF\n";
    ck_assert_int_eq(write(fd, t, strlen(t)), (ssize_t)strlen(t));
    close(fd);
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_AUTO), 0);
    ck_assert_int_eq(sloeval_source_compat(src), SLOEVAL_COMPAT_V3);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics_file(src, path, &err), 0);
    unlink(path);
    sloeval_error err2 = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics_file(src, path, &err2), SLOEVAL_EIO);
    ck_assert_msg(strstr(err2.message, path) != NULL, "%s", err2.message);
    sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
    sloeval_memory_get_stats(&st, src, NULL);
    ck_assert_uint_eq(st.samples, 1);
    sloeval_source_free(src);
}
END_TEST

/* A large generated file: loads, and stays at 16 bytes a sample. */
START_TEST(test_large_load)
{
    strbuf sb = STRBUF_INIT;
    enum { SERIES = 200, SAMPLES = 500 };
    strbuf_puts(&sb, "# TYPE req_total counter\n");
    for (int s = 0; s < SERIES; s++)
        for (int i = 0; i < SAMPLES; i++)
            strbuf_printf(&sb, "req_total{instance=\"host-%d\",job=\"node\"} %d %d.%03d\n", s,
                          i * 3, 1000 + i * 15, s % 1000);
    strbuf_puts(&sb, "# EOF\n");
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics(src, sb.data, sb.len, "big", &err), 0);
    sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
    sloeval_memory_get_stats(&st, src, NULL);
    ck_assert_uint_eq(st.series, SERIES);
    ck_assert_uint_eq(st.samples, (size_t)SERIES * SAMPLES);
    ck_assert_uint_eq(st.sample_bytes, (size_t)SERIES * SAMPLES * 16);
    strbuf_free(&sb);
    sloeval_source_free(src);
}
END_TEST

static Suite *om_suite(void)
{
    Suite *s = suite_create("openmetrics");
    TCase *tc = tcase_create("openmetrics");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_accepts_promtool_input);
    tcase_add_test(tc, test_timestamp_truncation);
    tcase_add_test(tc, test_bad_input_messages);
    tcase_add_test(tc, test_error_position);
    tcase_add_test(tc, test_load_file);
    tcase_add_test(tc, test_large_load);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(om_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
