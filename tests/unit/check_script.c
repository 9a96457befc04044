/* Unit tests of tools/promqltest/script: the .test format. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promqltest/script.h"
#include "sloeval/source.h"
#include "source/memory.h"

static script *parse_ok(const char *text)
{
    script *s = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = script_parse(&s, text, strlen(text), "t.test", &err);
    ck_assert_msg(rc == 0, "parse failed: %s", err.message);
    return s;
}

/* The points of the first series of the first load, as text. */
static char *points_of(const char *series_line)
{
    char text[512];
    snprintf(text, sizeof(text), "load 1m\n  %s\n", series_line);
    script *s = parse_ok(text);
    ck_assert_uint_eq(s->ncmds, 1);
    const script_series *ser = &s->cmds[0].u.load.series[0];
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < ser->npoints; i++) {
        if (i) strbuf_putc(&sb, ' ');
        const script_point *p = &ser->points[i];
        if (p->kind == POINT_OMITTED) {
            strbuf_putc(&sb, '_');
        } else if (p->kind == POINT_HISTOGRAM) {
            strbuf_puts(&sb, "H");
        } else if (value_is_stale(p->v)) {
            strbuf_puts(&sb, "stale");
        } else {
            char b[48];
            format_float(b, sizeof(b), p->v);
            strbuf_puts(&sb, b);
        }
    }
    script_free(s);
    char *r = strbuf_detach(&sb);
    return r ? r : strdup("");
}

static const struct {
    const char *line, *points;
} notations[] = {
    {"m 1 2 3", "1 2 3"},
    {"m 0+10x3", "0 10 20 30"},
    {"m 1-1x5", "1 0 -1 -2 -3 -4"},
    {"m -2+1.5x2", "-2 -0.5 1"},
    {"m 5x2", "5 5 5"},
    {"m +5x1 -5", "5 5 -5"},
    {"m _ _x3 1 _", "_ _ _ _ 1 _"},
    {"m stale 1 Inf -Inf NaN inf -inf nan", "stale 1 +Inf -Inf NaN +Inf -Inf NaN"},
    {"m 1e3 .5 2. 010 09 1_000", "1000 0.5 2 8 9 1000"},
    {"m 0x3", "0 0 0 0"},                               /* no hex: 0 repeated */
    {"m 0.1+0.1x3", "0.1 0.2 0.30000000000000004 0.4"}, /* added, not multiplied */
    {"m", ""},
    {"m   1\t 2  ", "1 2"},
    {"m {{schema:1 sum:3 count:22 buckets:[5 10 7]}} 1", "H 1"},
    {"m {{count:1}}x2 {{count:1}}+{{count:2}}x1 _", "H H H H H _"},
    {"m 1 {{}} {{ }}", "1 H H"},
};

START_TEST(test_value_notation)
{
    for (size_t i = 0; i < sizeof(notations) / sizeof(notations[0]); i++) {
        char *got = points_of(notations[i].line);
        ck_assert_msg(strcmp(got, notations[i].points) == 0, "'%s': got '%s' want '%s'",
                      notations[i].line, got, notations[i].points);
        free(got);
    }
}
END_TEST

START_TEST(test_series_labels)
{
    script *s = parse_ok(
        "load 5m\n"
        "  http{job=\"api\", instance='0', path=`/a\\b`, esc=\"q\\\"\\n\\x41\\u00e9\\101\"} 1\n"
        "  {__name__=\"x\",a=\"b\",} 2\n"
        "  sum:rate5m{} 3\n"
        "  by{group=\"canary\"} 4\n"
        "  {\"quoted\", c=\"d\"} 5\n"
        "  name{__name__=\"other\"} 6\n"
        "  m{a=\"\"} 7\n");
    const script_load *ld = &s->cmds[0].u.load;
    ck_assert_int_eq(ld->interval_ms, 300000);
    ck_assert_uint_eq(ld->nseries, 7);
    char *t = labels_to_string(ld->series[0].labels);
    ck_assert_str_eq(t, "{__name__=\"http\", esc=\"q\\\"\\nA\xc3\xa9"
                        "A\", instance=\"0\", "
                        "job=\"api\", path=\"/a\\\\b\"}");
    free(t);
    ck_assert_int_eq(ld->series[0].line, 2);
    t = labels_to_string(ld->series[1].labels);
    ck_assert_str_eq(t, "{__name__=\"x\", a=\"b\"}");
    free(t);
    t = labels_to_string(ld->series[2].labels);
    ck_assert_str_eq(t, "{__name__=\"sum:rate5m\"}");
    free(t);
    t = labels_to_string(ld->series[3].labels);
    ck_assert_str_eq(t, "{__name__=\"by\", group=\"canary\"}");
    free(t);
    t = labels_to_string(ld->series[4].labels);
    ck_assert_str_eq(t, "{__name__=\"quoted\", c=\"d\"}");
    free(t);
    t = labels_to_string(ld->series[5].labels);
    ck_assert_str_eq(t, "{__name__=\"name\"}");
    free(t);
    t = labels_to_string(ld->series[6].labels);
    ck_assert_str_eq(t, "{__name__=\"m\"}");
    free(t);
    script_free(s);
}
END_TEST

START_TEST(test_commands)
{
    script *s = parse_ok("# comment\n"
                         "load 10s53ms\n"
                         "\tm{a=\"1\"} 0+1x2\n"
                         "\n"
                         "load_with_nhcb 5m\n"
                         "  h_bucket{le=\"1\"} 1\n"
                         "\n"
                         "CLEAR\n"
                         "eval instant at 1h30m sum(m)\n"
                         "  {} 3\n"
                         "  {a=\"x\"} -Inf\n"
                         "\n"
                         "eval_fail instant at 0 foo(\n"
                         "  expected_fail_message unknown function\n"
                         "\n"
                         "eval_ordered instant at 5m sort(m)\n"
                         "  m{a=\"2\"} 2\n"
                         "  m{a=\"1\"} 1\n"
                         "\n"
                         "eval instant at 50m 1 + 2\n"
                         "  3\n"
                         "\n"
                         "eval range from 0 to 10m step 5m rate(m[5m])\n"
                         "  expect warn msg:  PromQL warning: x (1:1) \n"
                         "  expect no_info\n"
                         "  expect ordered\n"
                         "  {a=\"1\"} 1 _ 2\n"
                         "\n"
                         "eval instant at 1m m[1m]\n"
                         "  expect range vector from 10s to 1m step 10s\n"
                         "  m{a=\"1\"} 1 2 3 4 5 6\n"
                         "\n"
                         "eval instant at 50m (\"Foo\")\n"
                         "  expect string \"Foo\\n\"\n"
                         "\n"
                         "eval instant at 0m ceil(x)\n"
                         "  expect fail regex: vector cannot .*|other\n"
                         "\n"
                         "eval_warn range from 1m to 1m step 1s x\n"
                         "\n"
                         "eval instant at 1m m\n"
                         "  m 1\n"
                         "  m 2\n");
    ck_assert_uint_eq(s->ncmds, 13);
    const script_cmd *c = s->cmds;
    ck_assert_int_eq(c[0].kind, SCRIPT_LOAD);
    ck_assert_int_eq(c[0].line, 2);
    ck_assert_int_eq(c[0].u.load.interval_ms, 10053);
    ck_assert(!c[0].u.load.with_nhcb);
    ck_assert(c[1].u.load.with_nhcb);
    ck_assert_int_eq(c[2].kind, SCRIPT_CLEAR);
    ck_assert_int_eq(c[2].line, 8);

    const script_eval *e = &c[3].u.eval;
    ck_assert_int_eq(c[3].kind, SCRIPT_EVAL);
    ck_assert(!e->range);
    ck_assert_int_eq(e->at_ms, 5400000);
    ck_assert(strv_eq_cstr(e->expr, "sum(m)"));
    ck_assert_int_eq(e->expr_column, 23);
    ck_assert_uint_eq(e->nresults, 2);
    ck_assert_uint_eq(e->results[0].labels->count, 0);
    ck_assert(e->results[1].points[0].v == -INFINITY);

    e = &c[4].u.eval;
    ck_assert(e->fail);
    ck_assert(strv_eq_cstr(e->expr, "foo("));
    ck_assert_uint_eq(e->nexpects, 1);
    ck_assert_int_eq(e->expects[0].kind, EXPECT_FAIL);
    ck_assert_int_eq(e->expects[0].match, EXPECT_MATCH_MSG);
    ck_assert(strv_eq_cstr(e->expects[0].text, "unknown function"));

    e = &c[5].u.eval;
    ck_assert(e->ordered);
    ck_assert(strv_eq_cstr(labels_get(e->results[0].labels, STRV_LIT("a")), "2"));

    e = &c[6].u.eval;
    ck_assert(e->expect_scalar);
    ck_assert(e->scalar == 3);
    ck_assert_uint_eq(e->nresults, 0);

    e = &c[7].u.eval;
    ck_assert(e->range);
    ck_assert_int_eq(e->start_ms, 0);
    ck_assert_int_eq(e->end_ms, 600000);
    ck_assert_int_eq(e->step_ms, 300000);
    ck_assert(strv_eq_cstr(e->expr, "rate(m[5m])"));
    ck_assert_uint_eq(e->nexpects, 3);
    ck_assert(e->warn && e->ordered && !e->fail);
    ck_assert_int_eq(e->expects[0].kind, EXPECT_WARN);
    ck_assert(strv_eq_cstr(e->expects[0].text, "PromQL warning: x (1:1)"));
    ck_assert_int_eq(e->expects[1].kind, EXPECT_NO_INFO);
    ck_assert_int_eq(e->expects[1].match, EXPECT_MATCH_ANY);
    ck_assert_uint_eq(e->results[0].npoints, 3);
    ck_assert_int_eq(e->results[0].points[1].kind, POINT_OMITTED);

    e = &c[8].u.eval;
    ck_assert(e->expect_range_vector);
    ck_assert_int_eq(e->start_ms, 10000);
    ck_assert_int_eq(e->end_ms, 60000);
    ck_assert_int_eq(e->step_ms, 10000);
    ck_assert_uint_eq(e->results[0].npoints, 6);

    e = &c[9].u.eval;
    ck_assert(e->expect_string);
    ck_assert(strv_eq_cstr(e->string, "Foo\n"));

    e = &c[10].u.eval;
    ck_assert(e->fail);
    ck_assert_int_eq(e->expects[0].match, EXPECT_MATCH_REGEX);
    ck_assert(
        script_expect_matches(&e->expects[0], STRV_LIT("found: vector cannot contain metrics")));
    ck_assert(script_expect_matches(&e->expects[0], STRV_LIT("xx other xx")));
    ck_assert(!script_expect_matches(&e->expects[0], STRV_LIT("vector can")));
    ck_assert(script_expect_matches(&c[4].u.eval.expects[0], STRV_LIT("unknown function")));
    ck_assert(!script_expect_matches(&c[4].u.eval.expects[0], STRV_LIT("unknown functions")));

    e = &c[11].u.eval;
    ck_assert(e->range && e->warn);
    ck_assert_int_eq(e->step_ms, 1000);

    /* a series given twice keeps its last line */
    e = &c[12].u.eval;
    ck_assert_uint_eq(e->nresults, 1);
    ck_assert(e->results[0].points[0].v == 2);
    script_free(s);
}
END_TEST

START_TEST(test_load_into_memory)
{
    script *s = parse_ok("load 1m\n"
                         "  m{a=\"1\"} 0+10x2 _ stale 5\n"
                         "  m{a=\"2\"} _x2 7\n"
                         "  m{a=\"3\"} 1 2\n"
                         "  m{a=\"3\"} 9\n"
                         "\n"
                         "load 1m\n"
                         "  m{a=\"9\"} {{count:1}}\n");
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(script_load_into(src, &s->cmds[0].u.load, &err), 0);
    arena a;
    arena_init(&a, 0);
    label_matcher m = {MATCH_EQUAL, STRV_LIT("__name__"), STRV_LIT("m")};
    matrix out;
    ck_assert_int_eq(src->vt->select(src, &m, 1, INT64_MIN, INT64_MAX, &a, &out, NULL, &err), 0);
    ck_assert_uint_eq(out.count, 3);
    const series *s1 = &out.items[0];
    ck_assert_uint_eq(s1->count, 5);
    int64_t want_t[] = {0, 60000, 120000, 240000, 300000};
    for (int i = 0; i < 5; i++)
        ck_assert_int_eq(s1->samples[i].t, want_t[i]);
    ck_assert(s1->samples[2].v == 20);
    ck_assert(value_is_stale(s1->samples[3].v));
    ck_assert(s1->samples[4].v == 5);
    ck_assert_uint_eq(out.items[1].count, 1);
    ck_assert_int_eq(out.items[1].samples[0].t, 120000);
    /* the later line for a="3" replaced the earlier one */
    ck_assert_uint_eq(out.items[2].count, 1);
    ck_assert(out.items[2].samples[0].v == 9);
    arena_free(&a);

    /* native histograms: nothing loaded, a clear reason */
    ck_assert_int_eq(script_load_into(src, &s->cmds[1].u.load, &err), SLOEVAL_EUNSUPPORTED);
    ck_assert_str_eq(err.message, "native histogram samples are not supported locally");
    /* or only what is supported */
    size_t skipped = 99;
    ck_assert_int_eq(script_load_supported_into(src, &s->cmds[1].u.load, &skipped, &err), 0);
    ck_assert_uint_eq(skipped, 1);
    /* loading the first block again goes back in time: an error, and the
     * source keeps what it had */
    sloeval_error_clear(&err);
    ck_assert_int_eq(script_load_into(src, &s->cmds[0].u.load, &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message, "line 2: out of order sample: timestamp 0 is before 300000, the "
                                  "last one of series m{a=\"1\"}");
    memory_stats st;
    memory_get_stats(src, &st);
    ck_assert_uint_eq(st.samples, 7);
    memory_clear(src);
    ck_assert_int_eq(script_load_into(src, &s->cmds[0].u.load, &err), 0);
    sloeval_source_free(src);
    script_free(s);
}
END_TEST

/* Bad scripts: the exact message, with file and line. */
static const struct {
    const char *text, *message;
} bad[] = {
    {"foo bar\n", "t.test:1: invalid command \"foo bar\""},
    /* a `promtool test rules` file: say what it is and what sloeval test reads */
    {"# promtool\nrule_files:\n  - a.yml\ntests: []\n",
     "t.test:2: this is a promtool unit test file (rule_files:, tests:; run it with `promtool "
     "test rules`): sloeval test runs PromQL test scripts of Prometheus's promqltest format "
     "(load, eval and clear commands, as in promql/promqltest/testdata/*.test)"},
    {"load\n", "t.test:1: invalid load command. (load[_with_nhcb] <step:duration>)"},
    {"load 5x\n", "t.test:1: invalid step definition \"5x\": not a valid duration string: \"5x\""},
    {"load 5m\n  m 1 2 foo\n", "t.test:2: unexpected \"foo\" in series values, expected a number "
                               "or \"stale\" (at column 7)"},
    {"load 5m\n  m 1+2\n", "t.test:2: expected 'x' and a count after the increment (at column 6)"},
    {"load 5m\n  m 1x\n", "t.test:2: expected a repetition count after 'x' (at column 5)"},
    {"load 5m\n  m 1x2.5\n",
     "t.test:2: invalid repetition count \"2.5\" in series values (at column 5)"},
    {"load 5m\n  m{a=1} 1\n", "t.test:2: expected a quoted string for a label value (at column 5)"},
    {"load 5m\n  m{a=\"1\" b=\"2\"} 1\n",
     "t.test:2: expected ',' or '}' in the label set (at column 9)"},
    {"load 5m\n  m{a=\"1\",a=\"2\"} 1\n", "t.test:2: a label name appears twice (at column 15)"},
    {"load 5m\n  m{a} 1\n", "t.test:2: expected '=' after label name \"a\" (at column 4)"},
    {"load 5m\n  m{a=\"1\"}1\n", "t.test:2: expected a space between series values (at column 9)"},
    {"load 5m\n  5 1\n", "t.test:2: expected a metric name or a label set (at column 1)"},
    {"load 5m\n  m 1e\n", "t.test:2: error parsing number \"1e\" (at column 3)"},
    {"load 5m\n  m 1a\n", "t.test:2: bad number syntax in series values (at column 3)"},
    {"load 5m\n  m {{count:1\n", "t.test:2: unterminated native histogram \"{{\" (at column 3)"},
    {"load 5m\n  m 1 2 3\n  bad line\n", "t.test:3: unexpected \"line\" in series values, expected "
                                         "a number or \"stale\" (at column 5)"},
    {"eval instant at 5m\n",
     "t.test:1: invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] instant "
     "[at <offset:duration>] <query>' or 'eval[_fail|_warn] range from <from> to <to> step "
     "<step> <query>'"},
    {"eval instant at 5q up\n",
     "t.test:1: invalid timestamp definition \"5q\": not a valid duration string: \"5q\""},
    {"eval range from 10m to 5m step 1m up\n",
     "t.test:1: invalid test definition, end timestamp (5m) is before start timestamp (10m)"},
    {"eval instant at 5m up\n  up 1 2\n",
     "t.test:2: expecting multiple values in instant evaluation not allowed. consider using "
     "'expect range vector' directive to enable a range vector result for an instant query"},
    {"eval instant at 5m up\n  expect bogus\n",
     "t.test:2: invalid expect statement, must match `expect <type> <match_type>: <string>` "
     "format"},
    {"eval instant at 5m up\n  expect info\n  expect no_info\n",
     "t.test:3: invalid expect lines, info and no_info cannot be used together"},
    {"eval instant at 5m up\n  expect fail\n  expect fail msg: x\n",
     "t.test:3: invalid expect lines, multiple expect fail lines are not allowed"},
    {"eval instant at 5m up\n  expect fail regex: (\n",
     "t.test:2: invalid regex (: error parsing regexp: missing closing ): `^(?:()$`"},
    {"eval instant at 5m up\n  expect string Foo\n",
     "t.test:2: expected string literal not valid - check that the string is correctly quoted"},
    {"eval instant at 5m up\n  expect range vector from 1m to\n",
     "t.test:2: invalid range vector definition \"expect range vector from 1m to\""},
    {"load 5m\n  m@st 1m\n", "t.test:2: @st line has no following sample line"},
};

START_TEST(test_bad_scripts)
{
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        script *s = (script *)1;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        int rc = script_parse(&s, bad[i].text, strlen(bad[i].text), "t.test", &err);
        ck_assert_msg(rc == SLOEVAL_EDATA, "case %zu: rc %d", i, rc);
        ck_assert_ptr_null(s);
        ck_assert_msg(strcmp(err.message, bad[i].message) == 0, "case %zu:\n got: %s\nwant: %s", i,
                      err.message, bad[i].message);
        ck_assert_int_gt(err.line, 0);
    }
}
END_TEST

START_TEST(test_blocks_end_at_blank_and_comment_lines)
{
    /* as upstream, a comment ends a block; the next indented line is then
     * read as a command */
    script *s = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *t = "load 5m\n  a 1\n  # note\n  b 2\n";
    ck_assert_int_eq(script_parse(&s, t, strlen(t), "t.test", &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message, "t.test:4: invalid command \"b 2\"");
    /* the scalar line ends the block: "2" is then a command */
    sloeval_error_clear(&err);
    t = "eval instant at 1m 1\n  1\n  2\n";
    ck_assert_int_eq(script_parse(&s, t, strlen(t), "t.test", &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message, "t.test:3: invalid command \"2\"");
}
END_TEST

static Suite *script_suite(void)
{
    Suite *s = suite_create("script");
    TCase *tc = tcase_create("script");
    tcase_add_test(tc, test_value_notation);
    tcase_add_test(tc, test_series_labels);
    tcase_add_test(tc, test_commands);
    tcase_add_test(tc, test_load_into_memory);
    tcase_add_test(tc, test_bad_scripts);
    tcase_add_test(tc, test_blocks_end_at_blank_and_comment_lines);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(script_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
