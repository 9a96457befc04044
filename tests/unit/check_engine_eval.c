/*
 * Unit tests of the evaluator (lib/engine/eval*.c) on small hand-made data:
 * selectors with lookback, staleness, offset and @; rate corners through
 * whole expressions under 2.x and 3.x; aggregation, matching and their
 * errors with Prometheus's wording; range evaluation; the "not supported
 * for local evaluation" refusal with its position.
 */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "model/model.h"
#include "promql/parser.h"
#include "source/source.h"

#define V2     SLOEVAL_COMPAT_V2
#define V3     SLOEVAL_COMPAT_V3
#define MIN(m) ((int64_t)(m)*60000)

/* ---- a tiny source: equality matchers only --------------------------------- */

typedef struct tsrc {
    sloeval_source base;
    arena a;
    series ser[16];
    size_t n;
    int selects;
} tsrc;

static int tsel(sloeval_source *src, const label_matcher *m, size_t nm, int64_t mint, int64_t maxt,
                arena *a, matrix *out, source_notes *notes, sloeval_error *err)
{
    tsrc *t = (tsrc *)src;
    t->selects++;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < t->n; i++) {
        bool ok = true;
        for (size_t j = 0; j < nm && ok; j++) {
            strv v = labels_get(t->ser[i].labels, m[j].name);
            bool eq = v.ptr ? strv_eq(v, m[j].value) : m[j].value.len == 0;
            ok = m[j].type == MATCH_EQUAL ? eq : m[j].type == MATCH_NOT_EQUAL ? !eq : true;
        }
        if (!ok) continue;
        series *s = &t->ser[i];
        size_t lo = 0, hi = s->count;
        while (lo < hi && s->samples[lo].t < mint)
            lo++;
        while (hi > lo && s->samples[hi - 1].t > maxt)
            hi--;
        if (lo < hi && matrix_push(a, out, s->labels, s->samples + lo, hi - lo) < 0)
            return SLOEVAL_ENOMEM;
    }
    return 0;
}

static const source_vtable tvt = {"test", tsel, NULL, NULL, NULL, NULL};

static tsrc src;

static void src_reset(void)
{
    arena_free(&src.a);
    memset(&src, 0, sizeof(src));
    src.base.vt = &tvt;
    arena_init(&src.a, 4096);
}

/* Add series `name{k=v}` with values at 0, step, 2*step, ... ; NAN_SKIP
 * leaves a gap, STALE writes a staleness marker. */
#define GAP   (-1e300)
#define STALE (-2e300)
static void add(const char *name, const char *k, const char *v, int64_t step, const double *vals,
                size_t n)
{
    label pairs[2] = {{STRV_LIT("__name__"), strv_from_cstr(name)},
                      {strv_from_cstr(k ? k : "x"), strv_from_cstr(v ? v : "")}};
    bool dup;
    series *s = &src.ser[src.n++];
    s->labels = labels_make(&src.a, pairs, k ? 2 : 1, false, &dup);
    s->samples = arena_alloc(&src.a, n * sizeof(sample));
    s->count = 0;
    for (size_t i = 0; i < n; i++) {
        if (vals[i] == GAP) continue;
        double x = vals[i] == STALE ? stale_nan() : vals[i];
        s->samples[s->count++] = (sample){(int64_t)i * step, x};
    }
}

/* ---- evaluation helpers ------------------------------------------------------------ */

static arena ea;
static value res;
static sloeval_error err;

static int run(sloeval_compat c, const char *q, int64_t start, int64_t end, int64_t step)
{
    arena_free(&ea);
    arena_init(&ea, 4096);
    sloeval_error_clear(&err);
    ast_node *root;
    parse_options po = {c, true, 0};
    int rc = promql_parse(&root, &ea, q, strlen(q), &po, &err);
    ck_assert_msg(rc == 0, "parse %s: %s", q, err.message);
    eval_opts o = {c, 300000, 0, 60000, false};
    return eval_expr(&res, &ea, &o, &src.base, root, q, strlen(q), start, end, step, NULL, &err);
}

/* The single value of an instant evaluation (vector of one or scalar). */
static double one(sloeval_compat c, const char *q, int64_t t)
{
    int rc = run(c, q, t, t, 0);
    ck_assert_msg(rc == 0, "%s: %s", q, err.message);
    if (res.kind == VALUE_SCALAR) return res.u.scalar;
    ck_assert_msg(res.kind == VALUE_VECTOR && res.u.vector.count == 1, "%s: %zu results", q,
                  res.kind == VALUE_VECTOR ? res.u.vector.count : 99);
    return res.u.vector.items[0].v;
}

static size_t count(sloeval_compat c, const char *q, int64_t t)
{
    int rc = run(c, q, t, t, 0);
    ck_assert_msg(rc == 0, "%s: %s", q, err.message);
    ck_assert(res.kind == VALUE_VECTOR);
    return res.u.vector.count;
}

static void setup(void)
{
    src_reset();
    arena_init(&ea, 4096);
}

static void teardown(void)
{
    arena_free(&ea);
    arena_free(&src.a);
}

/* ---- selectors ------------------------------------------------------------------------ */

START_TEST(test_lookback_and_staleness)
{
    double v[] = {1, 2, GAP, GAP, GAP, GAP, GAP, STALE, 9};
    add("g", NULL, NULL, MIN(1), v, 9);
    ck_assert(one(V2, "g", MIN(1)) == 2);
    /* Exactly 5m after the last sample: kept on 2.x, gone on 3.x. */
    ck_assert(one(V2, "g", MIN(6)) == 2);
    ck_assert_uint_eq(count(V3, "g", MIN(6)), 0);
    ck_assert(one(V3, "g", MIN(6) - 1) == 2);
    /* A staleness marker ends the series at once. */
    ck_assert_uint_eq(count(V2, "g", MIN(7)), 0);
    ck_assert(one(V3, "g", MIN(8)) == 9);
    /* offset and @ move the lookup. */
    ck_assert(one(V2, "g offset 7m", MIN(8)) == 2);
    ck_assert(one(V3, "g @ 60", MIN(100)) == 2);
    ck_assert(one(V3, "g @ 60 offset 1m", MIN(100)) == 1);
    ck_assert(one(V3, "timestamp(g)", MIN(1) + 30000) == 60);
}
END_TEST

START_TEST(test_range_selector_windows)
{
    double v[] = {0, 10, 20, 30, 40, 50, 60, 70, 80, 90, 0, 10};
    add("c_total", NULL, NULL, MIN(5), v, 12);
    /* The docs' example: rate(x[5m]) at 50m. */
    ck_assert(one(V2, "rate(c_total[5m])", MIN(50)) == 0);
    ck_assert_uint_eq(count(V3, "rate(c_total[5m])", MIN(50)), 0);
    /* count_over_time shows the window rule directly. */
    ck_assert(one(V2, "count_over_time(c_total[10m])", MIN(50)) == 3);
    ck_assert(one(V3, "count_over_time(c_total[10m])", MIN(50)) == 2);
    /* offset moves the window; 2.x includes both ends. */
    ck_assert(one(V2, "count_over_time(c_total[5m] offset 10m)", MIN(50)) == 2);
    ck_assert(one(V3, "count_over_time(c_total[5m] offset 10m)", MIN(50)) == 1);
    /* increase with a reset: 80 90 0 10 over [40m, 55m]: +10, reset to 0,
     * +10 = 20; the window is covered exactly on 2.x (no extrapolation). */
    ck_assert(fabs(one(V2, "increase(c_total[15m])", MIN(55)) - 20) < 1e-9);
    /* irate over the reset: the increase is the last value. */
    ck_assert(fabs(one(V2, "irate(c_total[10m])", MIN(55)) - 10.0 / 300) < 1e-12);
}
END_TEST

START_TEST(test_rate_corners_through_engine)
{
    /* A series that starts late: extrapolation is limited at the start. */
    double v[] = {GAP, GAP, GAP, 100, 110, 120};
    add("late_total", NULL, NULL, MIN(1), v, 6);
    /* 2.x: window [0, 5m]: 100 110 120 at 3,4,5m; zero point 120*100/20 = 600 s
     * farther than to_start 180 s >= 66 s -> +30 s; increase 20 * 150/120. */
    ck_assert(fabs(one(V2, "increase(late_total[5m])", MIN(5)) - 25) < 1e-9);
    ck_assert(fabs(one(V3, "increase(late_total[5m])", MIN(5)) - 25) < 1e-9);
    /* Fewer than two samples: nothing. */
    ck_assert_uint_eq(count(V2, "rate(late_total[30s])", MIN(5)), 0);
    /* rate drops the name, last_over_time keeps it. */
    run(V2, "rate(late_total[5m])", MIN(5), MIN(5), 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 0);
    run(V2, "last_over_time(late_total[5m])", MIN(5), MIN(5), 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 1);
}
END_TEST

/* ---- aggregation and operators -------------------------------------------------- */

START_TEST(test_aggregation_and_sum_methods)
{
    double a[] = {2}, b[] = {8}, c[] = {1e100}, d[] = {-1e100};
    add("m", "i", "a", MIN(1), a, 1);
    add("m", "i", "b", MIN(1), b, 1);
    add("m", "i", "c", MIN(1), c, 1);
    add("m", "i", "d", MIN(1), d, 1);
    ck_assert(one(V2, "sum(m)", 0) == 0);
    ck_assert(one(V3, "sum(m)", 0) == 10);
    ck_assert(one(V3, "avg(m)", 0) == 2.5);
    ck_assert(one(V2, "count(m)", 0) == 4);
    ck_assert(one(V2, "max(m)", 0) == 1e100);
    ck_assert_uint_eq(count(V2, "sum by (i) (m)", 0), 4);
    ck_assert_uint_eq(count(V2, "sum without (i) (m)", 0), 1);
    run(V2, "sum without (i) (m)", 0, 0, 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 0); /* __name__ gone too */
    run(V2, "sum by (__name__) (m)", 0, 0, 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 1);
    ck_assert(one(V2, "topk(1, m)", 0) == 1e100);
    ck_assert(one(V2, "bottomk(1, m)", 0) == -1e100);
}
END_TEST

START_TEST(test_matching_errors)
{
    double one_v[] = {1}, two_v[] = {2};
    add("l", "k", "x", MIN(1), one_v, 1);
    add("l", "k", "y", MIN(1), two_v, 1);
    add("r", "k", "x", MIN(1), two_v, 1);
    ck_assert(one(V2, "l / on(k) r", 0) == 0.5);
    /* The one side has two series for the same (empty) match group. */
    ck_assert_int_eq(run(V2, "r / on() l", 0, 0, 0), SLOEVAL_EEXEC);
    ck_assert_str_eq(
        err.message,
        "found duplicate series for the match group {} on the right hand-side of the "
        "operation: [{__name__=\"l\", k=\"y\"}, {__name__=\"l\", k=\"x\"}];many-to-many "
        "matching not allowed: matching labels must be unique on one side");
    /* 3.x orders the two series in the message. */
    ck_assert_int_eq(run(V3, "r / on() l", 0, 0, 0), SLOEVAL_EEXEC);
    ck_assert_str_eq(
        err.message,
        "found duplicate series for the match group {} on the right hand-side of the "
        "operation: [{__name__=\"l\", k=\"x\"}, {__name__=\"l\", k=\"y\"}];many-to-many "
        "matching not allowed: matching labels must be unique on one side");
    ck_assert_int_eq(run(V2, "l / on() group_left r", 0, 0, 0), 0);
    ck_assert_uint_eq(res.u.vector.count, 2);
    ck_assert_int_eq(run(V2, "l + on() r", 0, 0, 0), SLOEVAL_EEXEC);
    ck_assert_str_eq(err.message, "multiple matches for labels: many-to-one matching must be "
                                  "explicit (group_left/group_right)");
    /* 2.x skips the check when a comparison filtered the sample out;
     * 3.x checks first. */
    ck_assert_int_eq(run(V2, "l > on() r", 0, 0, 0), 0);
    ck_assert_uint_eq(res.u.vector.count, 0);
    ck_assert_int_eq(run(V3, "l > on() r", 0, 0, 0), SLOEVAL_EEXEC);
    /* Duplicate label sets after a function. */
    ck_assert_int_eq(run(V2, "abs({__name__=~\".*\", k=\"x\"})", 0, 0, 0), SLOEVAL_EEXEC);
    ck_assert_str_eq(err.message, "vector cannot contain metrics with the same labelset");
    ck_assert_int_eq(run(V3, "count_over_time({__name__=~\".*\", k=\"x\"}[5m])", 0, 0, 0),
                     SLOEVAL_EEXEC);
    ck_assert_str_eq(err.message, "vector cannot contain metrics with the same labelset");
    /* ... also through a subquery, and not when the name stays. */
    ck_assert_int_eq(run(V3, "count_over_time(({__name__=~\".*\", k=\"x\"})[5m:1m])", 0, 0, 0),
                     SLOEVAL_EEXEC);
    ck_assert_int_eq(run(V3, "last_over_time({__name__=~\".*\", k=\"x\"}[5m])", 0, 0, 0), 0);
    ck_assert_uint_eq(res.u.vector.count, 2);
}
END_TEST

START_TEST(test_operators_and_names)
{
    double v[] = {3};
    add("a", "k", "x", MIN(1), v, 1);
    run(V2, "a > 1", 0, 0, 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 2); /* filter keeps __name__ */
    run(V2, "a > bool 1", 0, 0, 0);
    ck_assert_uint_eq(res.u.vector.items[0].labels->count, 1);
    ck_assert(res.u.vector.items[0].v == 1);
    ck_assert(one(V2, "1 < a", 0) == 3); /* scalar on the left keeps the vector's value */
    ck_assert(one(V2, "-a", 0) == -3);
    ck_assert(one(V2, "2 ^ 3 ^ 2", 0) == 512);
    ck_assert(one(V2, "-2 ^ 2", 0) == -4);
    ck_assert(isinf(one(V2, "a / 0", 0)));
    ck_assert(isnan(one(V2, "0 / 0", 0)));
    ck_assert_uint_eq(count(V2, "a and on(k) a", 0), 1);
    ck_assert_uint_eq(count(V2, "a unless a", 0), 0);
    ck_assert_uint_eq(count(V2, "a or vector(1)", 0), 2);
}
END_TEST

START_TEST(test_range_evaluation)
{
    double v[] = {0, 60, 120, 180, 240, 300};
    add("c_total", NULL, NULL, MIN(1), v, 6);
    ck_assert_int_eq(run(V2, "rate(c_total[2m])", MIN(2), MIN(5), MIN(1)), 0);
    ck_assert(res.kind == VALUE_MATRIX);
    ck_assert_uint_eq(res.u.matrix.count, 1);
    ck_assert_uint_eq(res.u.matrix.items[0].count, 4);
    for (size_t i = 0; i < 4; i++) {
        ck_assert_int_eq(res.u.matrix.items[0].samples[i].t, MIN(2 + (int64_t)i));
        ck_assert(fabs(res.u.matrix.items[0].samples[i].v - 1) < 1e-12);
    }
    /* A scalar over a range is one series without labels. */
    ck_assert_int_eq(run(V2, "time()", 0, MIN(2), MIN(1)), 0);
    ck_assert_uint_eq(res.u.matrix.items[0].count, 3);
    ck_assert(res.u.matrix.items[0].samples[2].v == 120);
    /* A range query of a range vector is refused. */
    ck_assert_int_eq(run(V2, "c_total[5m]", 0, MIN(2), MIN(1)), SLOEVAL_EPARSE);
    /* Subqueries. */
    ck_assert(one(V2, "max_over_time(c_total[3m:1m])", MIN(5)) == 300);
    ck_assert(one(V3, "count_over_time(c_total[3m:1m])", MIN(5)) == 3);
    ck_assert(one(V2, "count_over_time(c_total[3m:1m])", MIN(5)) == 4);
}
END_TEST

START_TEST(test_not_supported)
{
    double v[] = {1};
    add("a", NULL, NULL, MIN(1), v, 1);
    ck_assert_int_eq(run(V3, "a + \n  limitk(1, a)", 0, 0, 0), SLOEVAL_EUNSUPPORTED);
    ck_assert_str_eq(err.message, "not supported for local evaluation: limitk at 2:3");
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.column, 3);
    ck_assert_int_eq(run(V3, "sort_by_label(a, \"x\")", 0, 0, 0), SLOEVAL_EUNSUPPORTED);
    ck_assert_str_eq(err.message, "not supported for local evaluation: sort_by_label at 1:1");
    /* Functions of native histograms ignore floats: nothing, locally too. */
    ck_assert_int_eq(run(V3, "histogram_count(a)", 0, 0, 0), 0);
    ck_assert_uint_eq(res.u.vector.count, 0);
    /* The check happens before anything is selected. */
    int before = src.selects;
    ck_assert_int_eq(run(V3, "sum(a) + sort_by_label(a)", 0, 0, 0), SLOEVAL_EUNSUPPORTED);
    ck_assert_int_eq(src.selects, before);
}
END_TEST

static Suite *eval_suite(void)
{
    Suite *s = suite_create("engine_eval");
    TCase *tc = tcase_create("core");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_add_test(tc, test_lookback_and_staleness);
    tcase_add_test(tc, test_range_selector_windows);
    tcase_add_test(tc, test_rate_corners_through_engine);
    tcase_add_test(tc, test_aggregation_and_sum_methods);
    tcase_add_test(tc, test_matching_errors);
    tcase_add_test(tc, test_operators_and_names);
    tcase_add_test(tc, test_range_evaluation);
    tcase_add_test(tc, test_not_supported);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(eval_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
