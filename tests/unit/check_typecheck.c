/* Unit tests of the type checker (lib/promql/parser.c, Prometheus's
 * checkAST): expression types and the type errors, in Prometheus's order. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "promql/ast.h"
#include "promql/parser.h"
#include "util/arena.h"

static char msg[600];

/* "scalar", "instant vector", ... or "ERR <col>: <message>". */
static const char *type_of(const char *in, sloeval_compat compat)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options o = {compat, false, 0};
    if (promql_parse(&root, &a, in, strlen(in), &o, &err) != 0)
        snprintf(msg, sizeof(msg), "ERR %d: %s", err.column, err.message);
    else
        snprintf(msg, sizeof(msg), "%s", value_type_name(ast_node_type(root)));
    arena_free(&a);
    return msg;
}

#define T(in, want)                                                                                \
    do {                                                                                           \
        ck_assert_str_eq(type_of(in, SLOEVAL_COMPAT_V2), want);                                    \
        ck_assert_str_eq(type_of(in, SLOEVAL_COMPAT_V3), want);                                    \
    } while (0)

START_TEST(test_types)
{
    T("1", "scalar");
    T("-1", "scalar");
    T("\"a\"", "string");
    T("x", "instant vector");
    T("x[5m]", "range vector");
    T("x[5m:1m]", "range vector");
    T("rate(x[5m])", "instant vector");
    T("scalar(x)", "scalar");
    T("time()", "scalar");
    T("1 + 2", "scalar");
    T("1 + x", "instant vector");
    T("x + 1", "instant vector");
    T("(1)", "scalar");
    T("-(x)", "instant vector");
    T("sum(x)", "instant vector");
    T("1 > bool 2", "scalar");
    T("(x[5m])", "range vector");
}
END_TEST

START_TEST(test_errors)
{
    T("rate(x)",
      "ERR 6: expected type range vector in call to function \"rate\", got instant vector");
    T("abs(x[5m])",
      "ERR 5: expected type instant vector in call to function \"abs\", got range vector");
    T("vector(x)",
      "ERR 8: expected type scalar in call to function \"vector\", got instant vector");
    T("label_replace(x, 1, \"a\", \"b\", \"c\")",
      "ERR 18: expected type string in call to function \"label_replace\", got scalar");
    /* Variadic arguments take the last declared type. */
    T("label_join(x, \"a\", \",\", \"b\", 1)",
      "ERR 30: expected type string in call to function \"label_join\", got scalar");
    T("round(x, \"a\")", "ERR 10: expected type scalar in call to function \"round\", got string");
    T("sum(1)", "ERR 5: expected type instant vector in aggregation expression, got scalar");
    T("topk(x, y)", "ERR 6: expected type scalar in aggregation parameter, got instant vector");
    T("count_values(x, y)",
      "ERR 14: expected type string in aggregation parameter, got instant vector");
    T("1 == 1", "ERR 3: comparisons between scalars must use BOOL modifier");
    T("x + bool 1", "ERR 3: bool modifier can only be used on comparison operators");
    T("x and 1", "ERR 1: set operator \"and\" not allowed in binary scalar expression");
    T("1 or 2", "ERR 1: set operator \"or\" not allowed in binary scalar expression");
    T("x + on(a) 1", "ERR 1: vector matching only allowed between instant vectors");
    T("x unless ignoring(a) group_left y", "ERR 1: no grouping allowed for \"unless\" operation");
    T("x / on(a) group_right(a) y",
      "ERR 3: label \"a\" must not occur in ON and GROUP clause at once");
    T("x[5m] > 1", "ERR 1: binary expression must contain only scalar and instant vector types");
    T("1 > \"a\"", "ERR 5: binary expression must contain only scalar and instant vector types");
    T("-x[5m]",
      "ERR 1: unary expression only allowed on expressions of type scalar or instant vector, got "
      "\"range vector\"");
    T("\"a\"[5m:]", "ERR 1: subquery is only allowed on instant vector, got string instead");
    T("x[5m][5m:]", "ERR 1: subquery is only allowed on instant vector, got matrix instead");
    T("foo{__name__=\"foo\"}", "ERR 1: metric name must not be set twice: \"foo\" or \"foo\"");
    T("{a=\"\"}", "ERR 1: vector selector must contain at least one non-empty matcher");
    T("{a!=\"x\"}", "ERR 1: vector selector must contain at least one non-empty matcher");
    T("{a=~\"x*\"}", "ERR 1: vector selector must contain at least one non-empty matcher");
    T("{a=~\"x|\"}", "ERR 1: vector selector must contain at least one non-empty matcher");
    T("{a!~\"x\"}", "ERR 1: vector selector must contain at least one non-empty matcher");
    T("{a!=\"\"}", "instant vector");
    T("{a!~\".*\"}", "instant vector");
    T("{a=~\"x+\"}", "instant vector");
    T("{a=~\"5..\"}", "instant vector");
    T("abs()", "ERR 1: expected 1 argument(s) in call to \"abs\", got 0");
    T("time(1)", "ERR 1: expected 0 argument(s) in call to \"time\", got 1");
    T("day_of_month(x, y)",
      "ERR 1: expected at most 1 argument(s) in call to \"day_of_month\", got 2");
    T("label_join(x, \"a\")",
      "ERR 1: expected at least 3 argument(s) in call to \"label_join\", got 2");
}
END_TEST

START_TEST(test_first_error_order)
{
    /* Children are checked before their parent, left before right. */
    T("rate(x) + abs(y[5m])",
      "ERR 6: expected type range vector in call to function \"rate\", got instant vector");
    T("sum(1) > 1", "ERR 5: expected type instant vector in aggregation expression, got scalar");
    /* The aggregation's expression is checked before its parameter. */
    T("topk(\"a\", 1)",
      "ERR 11: expected type instant vector in aggregation expression, got scalar");
}
END_TEST

START_TEST(test_matching_normalised)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    parse_options o = {SLOEVAL_COMPAT_V3, false, 0};
    ck_assert_int_eq(promql_parse(&root, &a, "x and y", 7, &o, NULL), 0);
    ck_assert_int_eq(root->u.binary.matching->card, CARD_MANY_TO_MANY);
    ck_assert_int_eq(promql_parse(&root, &a, "x + 1", 5, &o, NULL), 0);
    ck_assert_ptr_null(root->u.binary.matching);
    ck_assert_int_eq(promql_parse(&root, &a, "x / on(a) group_left(b) y", 25, &o, NULL), 0);
    ck_assert_int_eq(root->u.binary.matching->card, CARD_MANY_TO_ONE);
    ck_assert(root->u.binary.matching->on);
    ck_assert_uint_eq(root->u.binary.matching->nlabels, 1);
    ck_assert_uint_eq(root->u.binary.matching->ninclude, 1);
    arena_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("typecheck");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_types);
    tcase_add_test(tc, test_errors);
    tcase_add_test(tc, test_first_error_order);
    tcase_add_test(tc, test_matching_normalised);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
