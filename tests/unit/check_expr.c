/* Unit tests of the public expression API (include/sloeval/expr.h). */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "promql/ast.h"
#include "promql/expr.h"
#include "sloeval.h"

START_TEST(test_parse_print_free)
{
    sloeval_expr *e = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *in = "sum(rate(x{a=\"b\"}[5m]))by(a)";
    ck_assert_int_eq(sloeval_expr_parse(&e, in, strlen(in), NULL, &err), 0);
    ck_assert_int_eq(err.code, 0);
    char *s;
    ck_assert_int_eq(sloeval_expr_print(&s, e, &err), 0);
    ck_assert_str_eq(s, "sum by (a) (rate(x{a=\"b\"}[5m]))");
    free(s);
    ck_assert_int_eq(sloeval_expr_compat(e), SLOEVAL_COMPAT_V3);
    ck_assert_ptr_nonnull(sloeval_expr_ast(e));
    sloeval_expr_free(e);
    sloeval_expr_free(NULL);
    /* Not NUL-terminated: only len bytes are read. */
    ck_assert_int_eq(sloeval_expr_parse(&e, "x + y garbage", 5, NULL, &err), 0);
    ck_assert_int_eq(sloeval_expr_print(&s, e, NULL), 0);
    ck_assert_str_eq(s, "x + y");
    free(s);
    sloeval_expr_free(e);
}
END_TEST

START_TEST(test_errors)
{
    sloeval_expr *e = (sloeval_expr *)1;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *in = "sum(\n  rate(x[5m]) bar\n)";
    ck_assert_int_eq(sloeval_expr_parse(&e, in, strlen(in), NULL, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_null(e);
    ck_assert_int_eq(err.code, SLOEVAL_EPARSE);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.column, 15);
    ck_assert_uint_eq(err.start, 19);
    ck_assert_str_eq(err.message, "unexpected identifier \"bar\" in aggregation");
    /* Every call resets the error: a reused struct reports this call's error... */
    ck_assert_int_eq(sloeval_expr_parse(&e, "(", 1, NULL, &err), SLOEVAL_EPARSE);
    ck_assert_str_eq(err.message, "unclosed left parenthesis");
    ck_assert_int_eq(err.line, 1);
    /* ... and holds nothing after a call that succeeds. */
    ck_assert_int_eq(sloeval_expr_parse(&e, "x", 1, NULL, &err), 0);
    ck_assert_int_eq(err.code, 0);
    ck_assert_str_eq(err.message, "");
    sloeval_expr_free(e);
    ck_assert_int_eq(sloeval_expr_parse(NULL, "x", 1, NULL, NULL), SLOEVAL_EINVAL);
    sloeval_parse_options o = SLOEVAL_PARSE_OPTIONS_INIT;
    o.version = 99;
    ck_assert_int_eq(sloeval_expr_parse(&e, "x", 1, &o, &err), SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "sloeval_parse_options: version 99 is unknown"));
    ck_assert_int_eq(sloeval_expr_parse(&e, NULL, 0, NULL, NULL), SLOEVAL_EPARSE);
}
END_TEST

START_TEST(test_compat_option)
{
    sloeval_expr *e;
    sloeval_parse_options o = SLOEVAL_PARSE_OPTIONS_INIT;
    ck_assert_int_eq(sloeval_expr_parse(&e, "x[5]", 4, &o, NULL), 0);
    sloeval_expr_free(e);
    o.compat = SLOEVAL_COMPAT_V2;
    ck_assert_int_eq(sloeval_expr_parse(&e, "x[5]", 4, &o, NULL), SLOEVAL_EPARSE);
    o.compat = SLOEVAL_COMPAT_AUTO; /* parses as 3.x */
    ck_assert_int_eq(sloeval_expr_parse(&e, "x[5]", 4, &o, NULL), 0);
    ck_assert_int_eq(sloeval_expr_compat(e), SLOEVAL_COMPAT_V3);
    sloeval_expr_free(e);
    o.max_depth = 3;
    ck_assert_int_eq(sloeval_expr_parse(&e, "((x))", 5, &o, NULL), 0);
    sloeval_expr_free(e);
    ck_assert_int_eq(sloeval_expr_parse(&e, "(((x)))", 7, &o, NULL), SLOEVAL_EPARSE);
}
END_TEST

static int count_cb(const sloeval_node *n, void *payload)
{
    int *counts = payload;
    counts[sloeval_node_kind_of(n)]++;
    return sloeval_node_kind_of(n) == SLOEVAL_NODE_CALL ? 1 : 0;
}

static int stop_cb(const sloeval_node *n, void *payload)
{
    (void)payload;
    return sloeval_node_kind_of(n) == SLOEVAL_NODE_VECTOR_SELECTOR ? -7 : 0;
}

START_TEST(test_inspect_and_walk)
{
    sloeval_expr *e;
    const char *in = "topk by (a, b) (3, rate(x{c=~\"d\"}[5m] offset 1m)) > bool 1";
    ck_assert_int_eq(sloeval_expr_parse(&e, in, strlen(in), NULL, NULL), 0);
    const sloeval_node *root = sloeval_expr_root(e);
    ck_assert_int_eq(sloeval_node_kind_of(root), SLOEVAL_NODE_BINARY);
    ck_assert_int_eq(sloeval_node_type(root), SLOEVAL_TYPE_VECTOR);
    ck_assert_str_eq(sloeval_node_operator(root), ">");
    ck_assert_str_eq(sloeval_node_kind_name(SLOEVAL_NODE_SUBQUERY), "subquery");
    ck_assert_uint_eq(sloeval_node_child_count(root), 2);
    const sloeval_node *topk = sloeval_node_child(root, 0);
    ck_assert_ptr_null(sloeval_node_child(root, 2));
    ck_assert_str_eq(sloeval_node_operator(topk), "topk");
    bool without = true;
    ck_assert_uint_eq(sloeval_node_grouping_count(topk, &without), 2);
    ck_assert(!without);
    ck_assert_str_eq(sloeval_node_grouping_label(topk, 1), "b");
    ck_assert_ptr_null(sloeval_node_grouping_label(topk, 2));
    ck_assert_double_eq(sloeval_node_number(sloeval_node_child(topk, 0)), 3);
    const sloeval_node *rate = sloeval_node_child(topk, 1);
    ck_assert_str_eq(sloeval_node_function(rate), "rate");
    const sloeval_node *ms = sloeval_node_child(rate, 0);
    ck_assert_int_eq(sloeval_node_range_ms(ms), 300000);
    ck_assert_int_eq(sloeval_node_offset_ms(ms), 60000);
    ck_assert_str_eq(sloeval_node_metric_name(ms), "x");
    ck_assert_uint_eq(sloeval_node_matcher_count(ms), 2);
    sloeval_matcher m;
    ck_assert_int_eq(sloeval_node_matcher(&m, ms, 0), 0);
    ck_assert_str_eq(m.name, "c");
    ck_assert_str_eq(m.op, "=~");
    ck_assert_str_eq(m.value, "d");
    ck_assert_int_eq(sloeval_node_matcher(&m, ms, 2), SLOEVAL_EINVAL);
    size_t s, en;
    sloeval_node_range(rate, &s, &en);
    ck_assert_uint_eq(s, 19);
    ck_assert_uint_eq(en, 48);
    ck_assert(isnan(sloeval_node_number(root)));
    ck_assert_ptr_null(sloeval_node_string(root, NULL));

    int counts[16] = {0};
    ck_assert_int_eq(sloeval_node_walk(root, count_cb, counts), 0);
    ck_assert_int_eq(counts[SLOEVAL_NODE_BINARY], 1);
    ck_assert_int_eq(counts[SLOEVAL_NODE_NUMBER], 2);
    ck_assert_int_eq(counts[SLOEVAL_NODE_CALL], 1);
    ck_assert_int_eq(counts[SLOEVAL_NODE_VECTOR_SELECTOR], 0); /* skipped below the call */
    ck_assert_int_eq(sloeval_node_walk(root, stop_cb, NULL), -7);
    sloeval_expr_free(e);
}
END_TEST

START_TEST(test_json)
{
    sloeval_expr *e;
    const char *in = "sum by (a) (x{b=\"\\xff\\n\"} @ 10 offset -1m) / -Inf";
    ck_assert_int_eq(sloeval_expr_parse(&e, in, strlen(in), NULL, NULL), 0);
    char *s;
    ck_assert_int_eq(sloeval_expr_to_json(&s, e, NULL), 0);
    json_error_t jerr;
    json_t *j = json_loads(s, 0, &jerr);
    ck_assert_msg(j != NULL, "invalid JSON: %s: %s", jerr.text, s);
    ck_assert_str_eq(json_string_value(json_object_get(j, "kind")), "binary");
    ck_assert_str_eq(json_string_value(json_object_get(j, "op")), "/");
    ck_assert(json_is_null(json_object_get(j, "matching")));
    json_t *rhs = json_object_get(j, "rhs");
    ck_assert_str_eq(json_string_value(json_object_get(rhs, "value")), "-Inf");
    json_t *sum = json_object_get(j, "lhs");
    ck_assert_str_eq(json_string_value(json_object_get(sum, "op")), "sum");
    json_t *vs = json_object_get(sum, "expr");
    ck_assert_int_eq(json_integer_value(json_object_get(vs, "offset_ms")), -60000);
    ck_assert_int_eq(json_integer_value(json_object_get(json_object_get(vs, "at"), "timestamp_ms")),
                     10000);
    json_t *m0 = json_array_get(json_object_get(vs, "matchers"), 0);
    ck_assert_str_eq(json_string_value(json_object_get(m0, "value")),
                     "\xef\xbf\xbd\n" /* not UTF-8: U+FFFD */);
    json_decref(j);
    free(s);
    sloeval_expr_free(e);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("expr");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_parse_print_free);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_compat_option);
    tcase_add_test(tc, test_inspect_and_walk);
    tcase_add_test(tc, test_json);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
