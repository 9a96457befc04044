/* Unit tests of lib/promql/rewrite.c: injecting matchers into selectors. */
#include <check.h>
#include <stdio.h>
#include <string.h>

#include "promql/ast.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "promql/rewrite.h"
#include "util/arena.h"
#include "util/strbuf.h"

static char out[2048];

static const char *inject(const char *in, const label_matcher *m, size_t n)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    parse_options o = {SLOEVAL_COMPAT_V3, false, 0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(promql_parse(&root, &a, in, strlen(in), &o, NULL), 0);
    int rc = ast_inject_matchers(&a, root, m, n, &err);
    if (rc) {
        snprintf(out, sizeof(out), "ERR %s", err.message);
    } else {
        strbuf sb = STRBUF_INIT;
        ast_print(&sb, root, SLOEVAL_COMPAT_V3);
        snprintf(out, sizeof(out), "%s", sb.data);
        /* The printed result parses back to the rewritten tree. */
        ast_node *again;
        ck_assert_int_eq(promql_parse(&again, &a, sb.data, sb.len, &o, NULL), 0);
        ck_assert(ast_equal(root, again));
        strbuf_free(&sb);
    }
    arena_free(&a);
    return out;
}

static label_matcher mk(match_type t, const char *name, const char *value)
{
    label_matcher m = {t, {name, strlen(name)}, {value, strlen(value)}};
    return m;
}

START_TEST(test_inject)
{
    label_matcher region = mk(MATCH_EQUAL, "region", "eu-west-1");
    ck_assert_str_eq(inject("x", &region, 1), "x{region=\"eu-west-1\"}");
    ck_assert_str_eq(inject("x{a=\"b\"}", &region, 1), "x{a=\"b\",region=\"eu-west-1\"}");
    ck_assert_str_eq(inject("{__name__=\"x\"}", &region, 1),
                     "{__name__=\"x\",region=\"eu-west-1\"}");
    ck_assert_str_eq(
        inject("sum(rate(e{code=~\"5..\"}[5m])) / sum(rate(t[5m] offset 1h)) > 0.1", &region, 1),
        "sum(rate(e{code=~\"5..\",region=\"eu-west-1\"}[5m])) / "
        "sum(rate(t{region=\"eu-west-1\"}[5m] offset 1h)) > 0.1");
    ck_assert_str_eq(inject("max_over_time(rate(x[5m])[1h:1m])", &region, 1),
                     "max_over_time(rate(x{region=\"eu-west-1\"}[5m])[1h:1m])");
    ck_assert_str_eq(inject("1 + 2", &region, 1), "1 + 2");
    label_matcher two[2] = {mk(MATCH_NOT_EQUAL, "chaos", "true"),
                            mk(MATCH_REGEX, "env", "prod|stg")};
    ck_assert_str_eq(inject("a and on(b) c", two, 2),
                     "a{chaos!=\"true\",env=~\"prod|stg\"} and on (b) "
                     "c{chaos!=\"true\",env=~\"prod|stg\"}");
    /* Values are quoted, not pasted. */
    label_matcher evil = mk(MATCH_EQUAL, "a", "\"} or vector(1) #");
    ck_assert_str_eq(inject("x", &evil, 1), "x{a=\"\\\"} or vector(1) #\"}");
    label_matcher bad = mk(MATCH_REGEX, "a", "(");
    ck_assert_str_eq(inject("x", &bad, 1),
                     "ERR matcher a: error parsing regexp: missing closing ): `(`");
}
END_TEST

START_TEST(test_injected_count)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root;
    parse_options o = {SLOEVAL_COMPAT_V3, false, 0};
    ck_assert_int_eq(promql_parse(&root, &a, "{a=\"b\"}", 7, &o, NULL), 0);
    label_matcher m[3] = {mk(MATCH_EQUAL, "e", ""), mk(MATCH_REGEX, "r", ".*"),
                          mk(MATCH_NOT_REGEX, "n", ".*")};
    ck_assert_int_eq(ast_inject_matchers(&a, root, m, 3, NULL), 0);
    ck_assert_uint_eq(root->u.vector_selector.nmatchers, 4);
    ck_assert_str_eq(root->u.vector_selector.matchers[3].name.ptr, "n");
    ck_assert_int_eq(ast_inject_matchers(&a, root, m, 0, NULL), 0);
    ck_assert_uint_eq(root->u.vector_selector.nmatchers, 4);
    arena_free(&a);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("rewrite");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_inject);
    tcase_add_test(tc, test_injected_count);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
