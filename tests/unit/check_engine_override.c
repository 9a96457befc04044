/*
 * The evaluator's overrides (eval_expr_overrides): values computed
 * elsewhere for some nodes, as the planner gives the merged answers of
 * servers. The overridden subtree selects nothing and is not checked for
 * local support; the rest of the expression is evaluated around the
 * given values, at an instant and over a range of steps.
 */
#include <check.h>
#include <math.h>
#include <string.h>

#include "engine/eval.h"
#include "model/model.h"
#include "promql/parser.h"
#include "source/source.h"

/* A source that counts selects and answers x{a="1"} = 10 at every minute. */
typedef struct csrc {
    sloeval_source base;
    int selects;
    sample pts[60];
} csrc;

static int csel(sloeval_source *src, const label_matcher *m, size_t nm, int64_t mint, int64_t maxt,
                arena *a, matrix *out, source_notes *notes, sloeval_error *err)
{
    (void)m;
    (void)nm;
    (void)notes;
    (void)err;
    csrc *c = (csrc *)src;
    c->selects++;
    memset(out, 0, sizeof(*out));
    label l[2] = {{STRV_LIT("__name__"), STRV_LIT("x")}, {STRV_LIT("a"), STRV_LIT("1")}};
    const labels *ls = labels_make(a, l, 2, true, NULL);
    size_t lo = 0, hi = 60;
    while (lo < hi && c->pts[lo].t < mint)
        lo++;
    while (hi > lo && c->pts[hi - 1].t > maxt)
        hi--;
    if (lo < hi) matrix_push(a, out, ls, c->pts + lo, hi - lo);
    return 0;
}

static const source_vtable cvt = {"count", csel, NULL, NULL, NULL, NULL};

static csrc src;
static arena ea;

static void setup(void)
{
    memset(&src, 0, sizeof(src));
    src.base.vt = &cvt;
    for (int i = 0; i < 60; i++)
        src.pts[i] = (sample){(int64_t)i * 60000, 10};
    arena_init(&ea, 4096);
}

static void teardown(void)
{
    arena_free(&ea);
}

static ast_node *parse(const char *q)
{
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options po = {SLOEVAL_COMPAT_V2, true, 0};
    ck_assert_int_eq(promql_parse(&root, &ea, q, strlen(q), &po, &err), 0);
    return root;
}

static const labels *lab(const char *name, const char *v)
{
    label l = {strv_from_cstr(name), strv_from_cstr(v)};
    return labels_make(&ea, &l, 1, true, NULL);
}

START_TEST(test_instant_override)
{
    const char *q = "sum by (r) (y) * 2 + on (r) group_left x";
    ast_node *root = parse(q);
    /* lhs of + is (sum by (r) (y) * 2); its lhs is the aggregation. */
    ast_node *agg = root->u.binary.lhs->u.binary.lhs;
    ck_assert_int_eq(agg->kind, AST_AGGREGATE);
    value v = {.kind = VALUE_VECTOR, .t = 600000};
    ck_assert_int_eq(vector_push(&ea, &v.u.vector, lab("r", "1"), 600000, 3), 0);
    eval_override ov = {agg, &v};
    eval_opts o = {SLOEVAL_COMPAT_V2, 300000, 0, 60000, false};
    value res;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    /* The override's r="1" meets x, which has no r: nothing matches. */
    int rc = eval_expr_overrides(&res, &ea, &o, &src.base, root, q, strlen(q), 600000, 600000, 0,
                                 &ov, 1, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(src.selects, 1); /* x only: y is below the override */
    ck_assert_int_eq(res.kind, VALUE_VECTOR);
    ck_assert_uint_eq(res.u.vector.count, 0);

    const char *q2 = "sum(y) * 2 + on () group_left sum(x)";
    root = parse(q2);
    agg = root->u.binary.lhs->u.binary.lhs;
    value v2 = {.kind = VALUE_VECTOR, .t = 600000};
    ck_assert_int_eq(vector_push(&ea, &v2.u.vector, labels_empty(), 600000, 3), 0);
    ov = (eval_override){agg, &v2};
    rc = eval_expr_overrides(&res, &ea, &o, &src.base, root, q2, strlen(q2), 600000, 600000, 0, &ov,
                             1, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(res.kind, VALUE_VECTOR);
    ck_assert_uint_eq(res.u.vector.count, 1);
    ck_assert_double_eq(res.u.vector.items[0].v, 3 * 2 + 10);
}
END_TEST

START_TEST(test_range_override)
{
    const char *q = "sum(y) / 2";
    ast_node *root = parse(q);
    ast_node *agg = root->u.binary.lhs;
    /* Steps 0, 1m, ..., 5m; the override has points at 1m and 3m only. */
    value v = {.kind = VALUE_MATRIX};
    sample *p = arena_alloc(&ea, 2 * sizeof(sample));
    p[0] = (sample){60000, 4};
    p[1] = (sample){180000, 8};
    ck_assert_int_eq(matrix_push(&ea, &v.u.matrix, labels_empty(), p, 2), 0);
    eval_override ov = {agg, &v};
    eval_opts o = {SLOEVAL_COMPAT_V2, 300000, 0, 60000, false};
    value res;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = eval_expr_overrides(&res, &ea, &o, &src.base, root, q, strlen(q), 0, 300000, 60000,
                                 &ov, 1, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(src.selects, 0);
    ck_assert_int_eq(res.kind, VALUE_MATRIX);
    ck_assert_uint_eq(res.u.matrix.count, 1);
    ck_assert_uint_eq(res.u.matrix.items[0].count, 2);
    ck_assert_int_eq(res.u.matrix.items[0].samples[1].t, 180000);
    ck_assert_double_eq(res.u.matrix.items[0].samples[1].v, 4);
    ck_assert_double_eq(p[1].v, 8); /* the given value is only read */

    /* Points off the steps are refused, not silently misplaced. */
    p[1].t = 180001;
    sloeval_error_clear(&err);
    rc = eval_expr_overrides(&res, &ea, &o, &src.base, root, q, strlen(q), 0, 300000, 60000, &ov, 1,
                             NULL, &err);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "off the steps"));
}
END_TEST

START_TEST(test_unsupported_below_override)
{
    /* limitk is not evaluated locally; below an override it is not
     * looked at. */
    const char *q = "sum(limitk(1, y))";
    parse_options po = {SLOEVAL_COMPAT_V3, true, 0};
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(promql_parse(&root, &ea, q, strlen(q), &po, &err), 0);
    ck_assert_int_eq(eval_check_supported(root, SLOEVAL_COMPAT_V3, q, strlen(q), &err),
                     SLOEVAL_EUNSUPPORTED);
    sloeval_error_clear(&err);
    value empty = {.kind = VALUE_VECTOR};
    eval_override ov = {root->u.aggregate.expr, &empty};
    ck_assert_int_eq(
        eval_check_supported_except(root, SLOEVAL_COMPAT_V3, q, strlen(q), &ov, 1, &err), 0);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("engine_override");
    TCase *tc = tcase_create("override");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_instant_override);
    tcase_add_test(tc, test_range_override);
    tcase_add_test(tc, test_unsupported_below_override);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
