/* Unit tests of lib/promql/printer.c: canonical text, number and string
 * formatting, and print-then-parse round trips. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql/ast.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "util/arena.h"
#include "util/strbuf.h"

#include "corpus.h"

static char out[4096];

static const char *canon(const char *in, sloeval_compat compat)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {compat, false, 0};
    if (promql_parse(&root, &a, in, strlen(in), &o, &err) != 0) {
        snprintf(out, sizeof(out), "ERR %s", err.message);
    } else {
        strbuf sb = STRBUF_INIT;
        ast_print(&sb, root, compat);
        snprintf(out, sizeof(out), "%s", strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    arena_free(&a);
    return out;
}

#define C(in, want)                                                                                \
    do {                                                                                           \
        ck_assert_str_eq(canon(in, SLOEVAL_COMPAT_V2), want);                                      \
        ck_assert_str_eq(canon(in, SLOEVAL_COMPAT_V3), want);                                      \
    } while (0)

START_TEST(test_canonical_forms)
{
    C("sum(rate(http_requests_total{job=\"api\",code=~'5..'}[5m]))by(job)",
      "sum by (job) (rate(http_requests_total{job=\"api\",code=~\"5..\"}[5m]))");
    C("SUM   BY(a)(x)", "sum by (a) (x)");
    C("sum without(a,b,)(x)", "sum without (a, b) (x)");
    C("sum by () (x)", "sum by () (x)");
    C("topk(5,x)", "topk(5, x)");
    C("a*on(b)group_left(c)d", "a * on (b) group_left (c) d");
    C("a*ignoring(b)group_right d", "a * ignoring (b) group_right () d");
    C("a>bool b", "a > bool b");
    C("a AND b", "a and b");
    C("x [5m:] OFFSET 1h", "x[5m:] offset 1h");
    C("x offset 90m", "x offset 1h30m");
    C("x offset -5m", "x offset -5m");
    C("x[7d]", "x[1w]");
    C("x[8d]", "x[8d]");
    C("x[365d]", "x[1y]");
    C("x[1500ms]", "x[1s500ms]");
    C("x offset 1m @ 100", "x @ 100.000 offset 1m");
    C("x @ 1.5", "x @ 1.500");
    C("x @ -0.001", "x @ -0.001");
    C("x @ start()", "x @ start()");
    C("x[5m] @ end() offset 1m", "x[5m] @ end() offset 1m");
    C("-x", "-x");
    C("- -x", "--x");
    C("+x", "+x");
    C("-(1)", "-(1)");
    C("(((x)))", "(((x)))");
    C("x # comment\n+ y", "x + y");
    C("{__name__=\"x\"}", "{__name__=\"x\"}");
    C("x{}", "x");
    C("\"a\\nb\"", "\"a\\nb\"");
    C("'single \"quotes\"'", "\"single \\\"quotes\\\"\"");
    C("`raw \\d`", "\"raw \\\\d\"");
    C("\"\\x00\\xff\\u00e9\\ufffd\\u2028\"", "\"\\x00\\xff\xc3\xa9\\ufffd\\u2028\"");
    C("label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")",
      "label_replace(x, \"a\", \"$1\", \"b\", \"(.*)\")");
}
END_TEST

START_TEST(test_numbers)
{
    C("1", "1");
    C("1.0", "1");
    C("0.1", "0.1");
    C("1e6", "1e+06");
    C("123456", "123456");
    C("1234567", "1.234567e+06");
    C("0.0001", "0.0001");
    C("0.00001", "1e-05");
    C("0x10", "16");
    C("0755", "493");
    C("Inf", "Inf");
    C("Inf ^ 2", "Inf ^ 2");
    C("+Inf", "Inf");
    C("-Inf", "-Inf");
    C("NaN", "NaN");
    C("-0", "-0");
    C("1e308", "1e+308");
    C("5e-324", "5e-324");
    C("0.30000000000000004", "0.30000000000000004");
    ck_assert_str_eq(canon("5m", SLOEVAL_COMPAT_V3), "5m");
    ck_assert_str_eq(canon("-90s", SLOEVAL_COMPAT_V3), "-1m30s");
    ck_assert_str_eq(canon("x[300]", SLOEVAL_COMPAT_V3), "x[5m]");
    ck_assert_str_eq(canon("x offset 1.5", SLOEVAL_COMPAT_V3), "x offset 1s500ms");
    ck_assert_str_eq(canon("1_000", SLOEVAL_COMPAT_V3), "1000");
    ck_assert_str_eq(canon("{\"a.b\", \"c d\"=\"e\"}", SLOEVAL_COMPAT_V3),
                     "{__name__=\"a.b\",\"c d\"=\"e\"}");
    ck_assert_str_eq(canon("sum by (\"a.b\", c) (x)", SLOEVAL_COMPAT_V3),
                     "sum by (\"a.b\", c) (x)");
}
END_TEST

START_TEST(test_format_go_float)
{
    char b[64];
    struct {
        double v;
        const char *want;
    } cases[] = {
        {0.5, "0.5"},          {100, "100"},
        {1e21, "1e+21"},       {1e-7, "1e-07"},
        {-2.5e10, "-2.5e+10"}, {1.7976931348623157e308, "1.7976931348623157e+308"},
        {123.456, "123.456"},  {999999, "999999"},
        {1e100, "1e+100"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        format_go_float(b, sizeof(b), cases[i].v);
        ck_assert_str_eq(b, cases[i].want);
        if (!isnan(cases[i].v)) ck_assert(strtod(b, NULL) == cases[i].v);
    }
}
END_TEST

/* Parse, print, parse again: the trees must be equal and printing the
 * second tree gives the same text. */
static int roundtrip(const char *in, size_t len, sloeval_compat compat, char *why, size_t whylen)
{
    arena a;
    arena_init(&a, 0);
    ast_node *t1, *t2;
    parse_options o = {compat, false, 0};
    int rc = 0;
    if (promql_parse(&t1, &a, in, len, &o, NULL) != 0) {
        arena_free(&a);
        return -1; /* not valid: nothing to check */
    }
    strbuf s1 = STRBUF_INIT, s2 = STRBUF_INIT;
    ast_print(&s1, t1, compat);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    if (promql_parse(&t2, &a, s1.data, s1.len, &o, &err) != 0) {
        snprintf(why, whylen, "reparse of '%s' failed: %s", s1.data, err.message);
        rc = 1;
    } else if (!ast_equal(t1, t2)) {
        snprintf(why, whylen, "'%s' reparses to a different tree", s1.data);
        rc = 1;
    } else {
        ast_print(&s2, t2, compat);
        if (strcmp(s1.data, s2.data) != 0) {
            snprintf(why, whylen, "'%s' prints again as '%s'", s1.data, s2.data);
            rc = 1;
        }
    }
    strbuf_free(&s1);
    strbuf_free(&s2);
    arena_free(&a);
    return rc;
}

START_TEST(test_roundtrip_corpus)
{
    /* The acceptance corpora: every expression, valid or not. */
    corpus c = {NULL, 0};
    ck_assert_int_eq(corpus_load(&c, SLOEVAL_SOURCE_DIR "/tests/parse/corpus.txt"), 0);
    ck_assert_int_eq(corpus_load(&c, SLOEVAL_SOURCE_DIR "/tests/parse/corpus-generated.txt"), 0);
    int valid[2] = {0, 0}, bad = 0;
    for (size_t i = 0; i < c.n; i++) {
        for (int v = 0; v < 2; v++) {
            char why[8192];
            int rc = roundtrip(c.entries[i].text, c.entries[i].len,
                               v ? SLOEVAL_COMPAT_V3 : SLOEVAL_COMPAT_V2, why, sizeof(why));
            if (rc == 1) {
                fprintf(stderr, "round trip (%s) of line %d: %s\n", v ? "v3" : "v2",
                        c.entries[i].line, why);
                bad++;
            }
            if (rc == 0) valid[v]++;
        }
    }
    printf("round trip: %d v2 and %d v3 expressions of %zu\n", valid[0], valid[1], c.n);
    corpus_free(&c);
    ck_assert_int_ge(valid[0], 900);
    ck_assert_int_ge(valid[1], 900);
    ck_assert_int_eq(bad, 0);
}
END_TEST

START_TEST(test_equal_distinguishes)
{
    const char *pairs[][2] = {
        {"x", "y"},
        {"x{a=\"b\"}", "x{a!=\"b\"}"},
        {"x[5m]", "x[6m]"},
        {"x offset 1m", "x"},
        {"sum(x)", "sum by () (x)"},
        {"a + b", "a - b"},
        {"-0", "0"},
        {"1 > bool 2", "1 > 2"},
        {"a + on() b", "a + b"},
        {"x @ 1", "x @ 2"},
        {"(x)", "x"},
        {"rate(x[5m])", "irate(x[5m])"},
    };
    arena a;
    arena_init(&a, 0);
    parse_options o = {SLOEVAL_COMPAT_V3, false, 0};
    for (size_t i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
        ast_node *x, *y, *x2;
        ck_assert_int_eq(promql_parse(&x, &a, pairs[i][0], strlen(pairs[i][0]), &o, NULL) |
                             promql_parse(&x2, &a, pairs[i][0], strlen(pairs[i][0]), &o, NULL),
                         0);
        if (promql_parse(&y, &a, pairs[i][1], strlen(pairs[i][1]), &o, NULL) != 0) continue;
        ck_assert_msg(!ast_equal(x, y), "%s == %s", pairs[i][0], pairs[i][1]);
        ck_assert(ast_equal(x, x2));
    }
    ast_node *n1, *n2;
    ck_assert_int_eq(promql_parse(&n1, &a, "NaN", 3, &o, NULL), 0);
    ck_assert_int_eq(promql_parse(&n2, &a, "-NaN", 4, &o, NULL), 0);
    ck_assert(ast_equal(n1, n2));
    arena_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("printer");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_canonical_forms);
    tcase_add_test(tc, test_numbers);
    tcase_add_test(tc, test_format_go_float);
    tcase_add_test(tc, test_roundtrip_corpus);
    tcase_add_test(tc, test_equal_distinguishes);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
