/*
 * The evaluator over the in-memory store takes shortcuts the store offers
 * (the store's select_info: label sets without __name__ kept by the store,
 * series known to hold no staleness marker; answers known to be sorted).
 * These tests evaluate the same expressions over the store and over a
 * plain view of it that offers nothing but select, and require results
 * equal bit for bit: labels, timestamps, value bits and order.
 */
#include <check.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "model/model.h"
#include "promql/parser.h"
#include "source/memory.h"
#include "sloeval/source.h"
#include "source/source.h"

#define V2 SLOEVAL_COMPAT_V2
#define V3 SLOEVAL_COMPAT_V3

/* A source that forwards select to the store, and is not the store. */
typedef struct view {
    sloeval_source base;
    sloeval_source *mem;
} view;

static int view_select(sloeval_source *src, const label_matcher *m, size_t nm, int64_t mint,
                       int64_t maxt, arena *a, matrix *out, source_notes *notes, sloeval_error *err)
{
    view *v = (view *)src;
    return v->mem->vt->select(v->mem, m, nm, mint, maxt, a, out, notes, err);
}

static const source_vtable view_vt = {"view", view_select, NULL, NULL, NULL, NULL};

/* Series over 30 minutes every 15 s (with jitter), some with staleness
 * markers, some with __type__/__unit__, one without a name, and added
 * out of label order. */
static sloeval_source *make_store(sloeval_compat c)
{
    sloeval_source *mem;
    ck_assert_int_eq(memory_new(&mem, c), 0);
    static const char *const jobs[] = {"zeta", "api", "db", "mid"};
    uint64_t rnd = 3;
    for (int i = 11; i >= 0; i--) {
        char inst[16];
        snprintf(inst, sizeof(inst), "i%d", i);
        label p[5];
        size_t n = 0;
        if (i != 5)
            p[n++] = (label){STRV_LIT("__name__"),
                             i % 2 ? STRV_LIT("req_total") : STRV_LIT("lat_seconds")};
        p[n++] = (label){STRV_LIT("job"), strv_from_cstr(jobs[i % 4])};
        p[n++] = (label){STRV_LIT("instance"), strv_from_cstr(inst)};
        if (i % 3 == 0) p[n++] = (label){STRV_LIT("__type__"), STRV_LIT("counter")};
        if (i % 4 == 1) p[n++] = (label){STRV_LIT("__unit__"), STRV_LIT("seconds")};
        double v = 0;
        for (int k = 0; k < 120; k++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            v += (double)(rnd >> 59);
            if (k == 70 && i % 2) v = 1; /* a counter reset */
            double x = v;
            if (i % 5 == 2 && (k == 40 || k == 90)) x = stale_nan();
            int64_t t = (int64_t)k * 15000 + (int64_t)(rnd >> 54);
            ck_assert_int_eq(memory_load_append(mem, p, n, t, x, NULL, NULL), 0);
        }
    }
    return mem;
}

static void check_same(const value *a, const value *b, const char *q)
{
    ck_assert_msg(a->kind == b->kind, "%s: kinds differ", q);
    if (a->kind == VALUE_SCALAR) {
        ck_assert_msg(memcmp(&a->u.scalar, &b->u.scalar, 8) == 0, "%s: scalars differ", q);
        return;
    }
    if (a->kind == VALUE_VECTOR) {
        ck_assert_msg(a->u.vector.count == b->u.vector.count, "%s: %zu vs %zu elements", q,
                      a->u.vector.count, b->u.vector.count);
        for (size_t i = 0; i < a->u.vector.count; i++) {
            const vector_elem *x = &a->u.vector.items[i], *y = &b->u.vector.items[i];
            ck_assert_msg(labels_equal(x->labels, y->labels), "%s: labels of %zu differ", q, i);
            ck_assert_uint_eq(x->labels->hash, y->labels->hash);
            ck_assert_int_eq(x->t, y->t);
            ck_assert_msg(memcmp(&x->v, &y->v, 8) == 0, "%s: value %zu differs", q, i);
        }
        return;
    }
    ck_assert(a->kind == VALUE_MATRIX);
    ck_assert_msg(a->u.matrix.count == b->u.matrix.count, "%s: %zu vs %zu series", q,
                  a->u.matrix.count, b->u.matrix.count);
    for (size_t i = 0; i < a->u.matrix.count; i++) {
        const series *x = &a->u.matrix.items[i], *y = &b->u.matrix.items[i];
        ck_assert_msg(labels_equal(x->labels, y->labels), "%s: labels of %zu differ", q, i);
        ck_assert_uint_eq(x->count, y->count);
        for (size_t k = 0; k < x->count; k++) {
            ck_assert_int_eq(x->samples[k].t, y->samples[k].t);
            ck_assert_msg(memcmp(&x->samples[k].v, &y->samples[k].v, 8) == 0,
                          "%s: series %zu point %zu differs", q, i, k);
        }
    }
}

static int eval_on(sloeval_source *src, sloeval_compat c, bool delayed, const char *q,
                   int64_t start, int64_t end, int64_t step, arena *a, value *out,
                   sloeval_error *err)
{
    ast_node *root;
    parse_options po = {c, true, 0};
    ck_assert_msg(promql_parse(&root, a, q, strlen(q), &po, err) == 0, "parse %s", q);
    eval_opts o = {c, 300000, 0, 60000, delayed};
    return eval_expr(out, a, &o, src, root, q, strlen(q), start, end, step, NULL, err);
}

static void compare(sloeval_source *mem, sloeval_compat c, bool delayed, const char *q,
                    int64_t start, int64_t end, int64_t step)
{
    view v = {{&view_vt, mem->compat}, mem};
    arena a1, a2;
    arena_init(&a1, 0);
    arena_init(&a2, 0);
    value r1, r2;
    sloeval_error e1 = SLOEVAL_ERROR_INIT, e2 = SLOEVAL_ERROR_INIT;
    int rc1 = eval_on(mem, c, delayed, q, start, end, step, &a1, &r1, &e1);
    int rc2 = eval_on(&v.base, c, delayed, q, start, end, step, &a2, &r2, &e2);
    ck_assert_msg(rc1 == rc2, "%s: %d (%s) vs %d (%s)", q, rc1, e1.message, rc2, e2.message);
    if (rc1 == 0)
        check_same(&r1, &r2, q);
    else
        ck_assert_str_eq(e1.message, e2.message);
    sloeval_error_clear(&e1);
    sloeval_error_clear(&e2);
    arena_free(&a1);
    arena_free(&a2);
}

static const char *const exprs[] = {
    "rate(req_total[5m])",
    "rate({job=~\".+\"}[5m])",
    "increase({__name__=~\".+_total|.+_seconds\"}[5m])",
    "delta(lat_seconds[10m])",
    "irate({job!=\"api\",instance=~\".+\"}[5m])",
    "sum by (job) (rate({job=~\".+\"}[5m]))",
    "sum without (instance) (rate({instance=~\"i.*\"}[5m]))",
    "count_over_time({job=~\".+\"}[3m])",
    "last_over_time({job=~\".+\"}[3m])",
    "max_over_time(req_total[5m]) - min_over_time(req_total[5m])",
    "{job=~\".+\"}",
    "-{job=\"api\"}",
    "rate({job=\"zeta\"}[5m] offset 2m)",
    "rate(req_total[5m] @ 1200)",
};

START_TEST(test_same_as_without_shortcuts)
{
    sloeval_compat c = _i == 0 ? V2 : V3;
    sloeval_source *mem = make_store(c);
    for (size_t e = 0; e < sizeof(exprs) / sizeof(exprs[0]); e++) {
        for (int64_t t = 300000; t <= 1800000; t += 277000)
            compare(mem, c, false, exprs[e], t, t, 0);
        compare(mem, c, false, exprs[e], 300000, 1790000, 60000);
        compare(mem, c, false, exprs[e], 600000, 1500000, 15000);
        if (c == V3) {
            compare(mem, c, true, exprs[e], 900000, 900000, 0);
            compare(mem, c, true, exprs[e], 300000, 1790000, 60000);
        }
    }
    sloeval_source_free(mem);
}
END_TEST

/* count by (...) over the store: each group counts exactly the input
 * series whose listed labels (absent = "") are the group's, checked
 * against a plain quadratic grouping of the input. */
START_TEST(test_grouping_by)
{
    sloeval_compat c = _i == 0 ? V2 : V3;
    sloeval_source *mem = make_store(c);
    static const char *const bys[] = {"job",       "instance", "job, instance",
                                      "zone",      "job, job", "__name__, job",
                                      "nope, job", "__type__", "instance, zz"};
    const char *in = "last_over_time({job=~\".+\"}[5m])";
    int64_t t = 900000;
    arena a;
    arena_init(&a, 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    value x;
    ck_assert_int_eq(eval_on(mem, c, false, in, t, t, 0, &a, &x, &err), 0);
    ck_assert(x.kind == VALUE_VECTOR && x.u.vector.count == 12);
    for (size_t b = 0; b < sizeof(bys) / sizeof(bys[0]); b++) {
        char q[256];
        snprintf(q, sizeof(q), "count by (%s) (%s)", bys[b], in);
        value y;
        ck_assert_int_eq(eval_on(mem, c, false, q, t, t, 0, &a, &y, &err), 0);
        ck_assert(y.kind == VALUE_VECTOR);
        /* the listed names */
        strv names[4];
        size_t nn = 0;
        char list[64];
        snprintf(list, sizeof(list), "%s", bys[b]);
        for (char *tok = strtok(list, ", "); tok; tok = strtok(NULL, ", "))
            names[nn++] = strv_from_cstr(tok);
        size_t total = 0;
        for (size_t g = 0; g < y.u.vector.count; g++) {
            const labels *gl = y.u.vector.items[g].labels;
            size_t want = 0;
            for (size_t i = 0; i < x.u.vector.count; i++) {
                bool same = true;
                for (size_t k = 0; k < nn && same; k++) {
                    strv v1 = labels_get(x.u.vector.items[i].labels, names[k]);
                    strv v2 = labels_get(gl, names[k]);
                    same = strv_eq(v1.ptr ? v1 : STRV_LIT(""), v2.ptr ? v2 : STRV_LIT(""));
                }
                if (same) want++;
            }
            ck_assert_msg(y.u.vector.items[g].v == (double)want, "%s: group %zu has %g, want %zu",
                          q, g, y.u.vector.items[g].v, want);
            total += want;
        }
        ck_assert_msg(total == x.u.vector.count, "%s: groups cover %zu of %zu series", q, total,
                      x.u.vector.count);
        /* and the groups are distinct */
        for (size_t g = 0; g < y.u.vector.count; g++)
            for (size_t h = g + 1; h < y.u.vector.count; h++)
                ck_assert(!labels_equal(y.u.vector.items[g].labels, y.u.vector.items[h].labels));
    }
    arena_free(&a);
    sloeval_source_free(mem);
}
END_TEST

static Suite *engine_memory_suite(void)
{
    Suite *s = suite_create("engine_memory");
    TCase *tc = tcase_create("shortcuts");
    tcase_add_loop_test(tc, test_same_as_without_shortcuts, 0, 2);
    tcase_add_loop_test(tc, test_grouping_by, 0, 2);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(engine_memory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
