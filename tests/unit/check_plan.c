/*
 * The planner (lib/plan) without HTTP: shards are in-memory sources that
 * also answer queries, evaluating them with the local engine as a server
 * would ("fake servers"), and count what they are asked. Checked:
 *   - over three shards, every mode gives the answer of one source holding
 *     everything, instant and range;
 *   - every distinct request is sent once; identical queries share one;
 *   - the plan: avg as sum and count, aggregations over subexpressions
 *     that could make equal label sets are not pushed down, subqueries;
 *   - never a silent answer: overlapping shards, equal label sets made
 *     across shards, what cannot be merged nor evaluated (refused before
 *     anything is sent), a failing shard;
 *   - modes with sources that cannot evaluate; injected matchers.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "plan/plan.h"
#include "promql/parser.h"
#include "sloeval/source.h"
#include "source/memory.h"
#include "source/source.h"
#include "util/error.h"
#include "valcmp.h"

#define MIN(m) ((int64_t)(m)*60000)

/* ---- a fake server: an in-memory source that answers queries ---------------------- */

typedef struct fake {
    sloeval_source base;
    sloeval_source *mem;
    int queries, selects;
    int fail; /* answer every request with this error */
} fake;

static int fake_select(sloeval_source *src, const label_matcher *m, size_t nm, int64_t mint,
                       int64_t maxt, arena *a, matrix *out, source_notes *notes, sloeval_error *err)
{
    fake *f = (fake *)src;
    f->selects++;
    if (f->fail) return error_set(err, f->fail, "HTTP 503 from fake: unavailable: down");
    return f->mem->vt->select(f->mem, m, nm, mint, maxt, a, out, notes, err);
}

static int fake_eval(fake *f, const char *expr, int64_t start, int64_t end, int64_t step, arena *a,
                     value *out, sloeval_error *err)
{
    f->queries++;
    if (f->fail) return error_set(err, f->fail, "HTTP 503 from fake: unavailable: down");
    ast_node *root;
    parse_options po = {SLOEVAL_COMPAT_V2, false, 0};
    int rc = promql_parse(&root, a, expr, strlen(expr), &po, err);
    if (rc) return rc;
    eval_opts o = {SLOEVAL_COMPAT_V2, 300000, 0, 60000, false};
    return eval_expr(out, a, &o, f->mem, root, expr, strlen(expr), start, end, step, NULL, err);
}

static int fake_query(sloeval_source *src, const char *expr, int64_t t, arena *a, value *out,
                      source_notes *notes, sloeval_error *err)
{
    (void)notes;
    return fake_eval((fake *)src, expr, t, t, 0, a, out, err);
}

static int fake_query_range(sloeval_source *src, const char *expr, int64_t start, int64_t end,
                            int64_t step, arena *a, value *out, source_notes *notes,
                            sloeval_error *err)
{
    (void)notes;
    return fake_eval((fake *)src, expr, start, end, step, a, out, err);
}

static const source_vtable fake_vt = {"fake",           fake_select, fake_query,
                                      fake_query_range, NULL,        NULL};

/* ---- data: three regions, one shard each, and the whole ------------------------- */

static const char *const regions[3] = {"us", "eu", "ap"};
static fake shard[3];
static sloeval_source *whole; /* in-memory, local evaluation only */
static sloeval_source *shards[3];

static void add(sloeval_source *dst, const char *name, const char *region, const char *inst,
                const char *status, int k, double v)
{
    sloeval_label ls[4] = {
        {"__name__", name}, {"region", region}, {"instance", inst}, {"status", status}};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_memory_append(dst, ls, status ? 4 : 3, MIN(k), v, &err) == 0, "%s",
                  err.message);
}

static void load_region(sloeval_source *dst, int r)
{
    static const char *const insts[2] = {"a", "b"};
    static const char *const statuses[2] = {"200", "500"};
    for (int i = 0; i < 2; i++)
        for (int s = 0; s < 2; s++)
            for (int k = 0; k <= 60; k++)
                add(dst, "req_total", regions[r], insts[i], statuses[s], k,
                    (double)k * (1 + r + 2 * i) * (s ? 0.1 : 3) + (k > 30 && i ? -50 : 0) + 60);
    for (int i = 0; i < 2; i++)
        for (int k = 0; k <= 60; k++) {
            add(dst, "depth", regions[r], insts[i], NULL, k, fmod(k * (r + 1.5) + i * 7, 13));
            add(dst, "other", regions[r], insts[i], NULL, k, k * 0.5 + r);
        }
}

static void setup(void)
{
    ck_assert_int_eq(sloeval_source_new_memory(&whole, SLOEVAL_COMPAT_V2), 0);
    for (int r = 0; r < 3; r++) {
        memset(&shard[r], 0, sizeof(shard[r]));
        shard[r].base.vt = &fake_vt;
        shard[r].base.compat = SLOEVAL_COMPAT_V2;
        ck_assert_int_eq(sloeval_source_new_memory(&shard[r].mem, SLOEVAL_COMPAT_V2), 0);
        load_region(shard[r].mem, r);
        load_region(whole, r);
        shards[r] = &shard[r].base;
    }
}

static void teardown(void)
{
    for (int r = 0; r < 3; r++)
        sloeval_source_free(shard[r].mem);
    sloeval_source_free(whole);
}

static int requests(void)
{
    int n = 0;
    for (int r = 0; r < 3; r++)
        n += shard[r].queries + shard[r].selects;
    return n;
}

/* ---- helpers -------------------------------------------------------------------- */

static arena pa;

static ast_node *parse(const char *text)
{
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options po = {SLOEVAL_COMPAT_V2, false, 0};
    ck_assert_msg(promql_parse(&root, &pa, text, strlen(text), &po, &err) == 0, "%s: %s", text,
                  err.message);
    return root;
}

/* One query over a target; returns its code, *out valid until free. */
typedef struct run {
    plan_batch *b;
    size_t id;
    const value *v;
    sloeval_error err;
    int rc;
} run;

static void run_query(run *r, sloeval_source **srcs, size_t n, plan_mode mode, const char *text,
                      int64_t start, int64_t end, int64_t step)
{
    plan_target t = {srcs, n, NULL, 0};
    plan_options o = {mode, SLOEVAL_COMPAT_V2, 0, true};
    memset(r, 0, sizeof(*r));
    ck_assert_int_eq(plan_batch_new(&r->b, &o, &r->err), 0);
    ast_node *root = parse(text);
    if (step)
        ck_assert_int_eq(plan_batch_add_range(r->b, &r->id, &t, root, start, end, step, &r->err),
                         0);
    else
        ck_assert_int_eq(plan_batch_add_instant(r->b, &r->id, &t, root, start, &r->err), 0);
    plan_batch_set_text(r->b, r->id, text, strlen(text), NULL);
    ck_assert_int_eq(plan_batch_run(r->b, &r->err), 0);
    r->rc = plan_batch_result(r->b, r->id, &r->v, NULL, &r->err);
}

static void setup_arena(void)
{
    setup();
    arena_init(&pa, 4096);
}

static void teardown_arena(void)
{
    arena_free(&pa);
    teardown();
}

/* ---- equivalence ----------------------------------------------------------------- */

static const char *const exprs[] = {
    "req_total",
    "rate(req_total[5m])",
    "sum(rate(req_total[5m]))",
    "sum by (region) (rate(req_total[10m]))",
    "sum without (instance) (increase(req_total[15m]))",
    "avg by (status) (rate(req_total[5m]))",
    "avg(depth)",
    "min(depth)",
    "max by (instance) (depth)",
    "count by (status) (req_total)",
    "group by (region) (depth)",
    "sum(rate(req_total{status=\"500\"}[5m])) / sum(rate(req_total[5m]))",
    "sum by (region) (rate(req_total{status=\"500\"}[5m])) / sum by (region) (rate(req_total[5m])) "
    "> 0.01",
    "topk(2, rate(req_total[5m]))",
    "quantile(0.9, depth)",
    "stddev by (instance) (depth)",
    "depth > 5",
    "depth > bool 5",
    "-depth + 2",
    "rate(req_total[5m]) / on (region) group_left sum by (region) (rate(req_total[5m]))",
    "sum by (region) (depth) and sum by (region) (rate(req_total[5m])) > 1",
    "sum by (region) (depth) or sum by (region) (other)",
    "sum(rate({__name__=~\"req_total|other\"}[5m]))",
    "sum(label_replace(depth, \"r2\", \"$1\", \"region\", \"(.).*\"))",
    "max_over_time(rate(req_total[5m])[20m:1m])",
    "max_over_time(sum(rate(req_total[5m]))[20m:5m])",
    "scalar(sum(depth)) * 2",
    "time()",
    "vector(1)",
    "count(depth offset 10m)",
    "abs(rate(req_total[5m]) - 1)",
    NULL,
};

START_TEST(test_shards_equal_whole)
{
    static const plan_mode modes[] = {PLAN_AUTO, PLAN_PUSHDOWN, PLAN_LOCAL};
    int64_t times[] = {MIN(20) + 7, MIN(45), MIN(60)};
    size_t compared = 0;
    for (size_t e = 0; exprs[e]; e++) {
        for (size_t ti = 0; ti < 3; ti++) {
            run ref;
            run_query(&ref, &whole, 1, PLAN_LOCAL, exprs[e], times[ti], times[ti], 0);
            for (size_t m = 0; m < 3; m++) {
                run got;
                run_query(&got, shards, 3, modes[m], exprs[e], times[ti], times[ti], 0);
                ck_assert_msg((ref.rc == 0) == (got.rc == 0), "%s mode %zu: whole %s, shards %s",
                              exprs[e], m, ref.rc ? ref.err.message : "ok",
                              got.rc ? got.err.message : "ok");
                char why[512] = "";
                if (!ref.rc)
                    ck_assert_msg(valcmp_equal(ref.v, got.v, why, sizeof why),
                                  "%s mode %zu: %s\n%s", exprs[e], m, why,
                                  plan_batch_explain(got.b));
                compared++;
                plan_batch_free(got.b);
            }
            /* A range query too. */
            if (ti == 0) {
                run rr, rg;
                run_query(&rr, &whole, 1, PLAN_LOCAL, exprs[e], MIN(20), MIN(60), MIN(5));
                run_query(&rg, shards, 3, PLAN_AUTO, exprs[e], MIN(20), MIN(60), MIN(5));
                ck_assert_msg((rr.rc == 0) == (rg.rc == 0), "%s range: %s / %s", exprs[e],
                              rr.rc ? rr.err.message : "ok", rg.rc ? rg.err.message : "ok");
                char why[512] = "";
                if (!rr.rc)
                    ck_assert_msg(valcmp_equal(rr.v, rg.v, why, sizeof why), "%s range: %s\n%s",
                                  exprs[e], why, plan_batch_explain(rg.b));
                plan_batch_free(rr.b);
                plan_batch_free(rg.b);
            }
            plan_batch_free(ref.b);
        }
    }
    ck_assert_uint_gt(compared, 250);
}
END_TEST

/* ---- requests ----------------------------------------------------------------- */

START_TEST(test_requests_sent_once)
{
    /* Both sums are the same text: one request per shard. */
    run r;
    run_query(&r, shards, 3, PLAN_AUTO, "sum(rate(req_total[5m])) / sum(rate(req_total[5m]))",
              MIN(30), MIN(30), 0);
    ck_assert_int_eq(r.rc, 0);
    ck_assert_int_eq(requests(), 3);
    plan_stats st;
    plan_batch_get_stats(r.b, &st);
    ck_assert_uint_eq(st.requests, 3);
    plan_batch_free(r.b);

    /* Identical queries share one evaluation; raw selections of one
     * selector are one request over the union of the windows. */
    for (int i = 0; i < 3; i++)
        shard[i].queries = shard[i].selects = 0;
    plan_target t = {shards, 3, NULL, 0};
    plan_options o = {PLAN_LOCAL, SLOEVAL_COMPAT_V2, 0, true};
    plan_batch *b;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), 0);
    size_t id[4];
    ck_assert_int_eq(plan_batch_add_instant(b, &id[0], &t, parse("sum(depth)"), MIN(30), &err), 0);
    ck_assert_int_eq(plan_batch_add_instant(b, &id[1], &t, parse("sum(depth)"), MIN(30), &err), 0);
    ck_assert_int_eq(
        plan_batch_add_instant(b, &id[2], &t, parse("max_over_time(depth[30m])"), MIN(50), &err),
        0);
    ck_assert_int_eq(
        plan_batch_add_instant(b, &id[3], &t, parse("rate(req_total[5m])"), MIN(50), &err), 0);
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    ck_assert_int_eq(requests(), 6); /* depth and req_total from each shard */
    const value *v0, *v1;
    ck_assert_int_eq(plan_batch_result(b, id[0], &v0, NULL, &err), 0);
    ck_assert_int_eq(plan_batch_result(b, id[1], &v1, NULL, &err), 0);
    ck_assert_ptr_eq(v0, v1);
    ck_assert_ptr_nonnull(strstr(plan_batch_explain(b), "same as query 1"));
    plan_batch_free(b);
}
END_TEST

/* ---- the plan ------------------------------------------------------------------ */

static void assert_explain(const char *text, const char *needle, bool present)
{
    run r;
    run_query(&r, shards, 3, PLAN_AUTO, text, MIN(30), MIN(30), 0);
    ck_assert_msg(r.rc == 0, "%s: %s", text, r.err.message);
    const char *ex = plan_batch_explain(r.b);
    ck_assert_msg((strstr(ex, needle) != NULL) == present, "%s: '%s' %s in:\n%s", text, needle,
                  present ? "not" : "unexpectedly", ex);
    plan_batch_free(r.b);
}

START_TEST(test_plan_shapes)
{
    assert_explain("avg(depth)", "as sum and count", true);
    assert_explain("avg(depth)", "query count(depth)", true);
    assert_explain("sum by (region) (rate(req_total[5m]))", "merged by sum", true);
    assert_explain("sum by (region) (rate(req_total[5m]))", "in place of their", false);
    /* rate over several names could make equal label sets across shards:
     * the rates are merged side by side, the sum is computed here. */
    assert_explain("sum(rate({__name__=~\"req_total|other\"}[5m]))", "merged by sum", false);
    assert_explain("sum(rate({__name__=~\"req_total|other\"}[5m]))", "series side by side", true);
    assert_explain("sum(label_replace(depth, \"r\", \"x\", \"\", \"\"))", "merged by sum", false);
    /* topk runs here, over the merged rates. */
    assert_explain("topk(1, rate(req_total[5m]))", "query rate(req_total[5m])", true);
    /* A subquery over an aggregation: raw samples. */
    assert_explain("max_over_time(sum(rate(req_total[5m]))[20m:5m])", "raw samples", true);
    /* One shard: the whole expression. */
    run r;
    run_query(&r, shards, 1, PLAN_AUTO, "topk(1, rate(req_total[5m]))", MIN(30), MIN(30), 0);
    ck_assert_ptr_nonnull(strstr(plan_batch_explain(r.b), "pushed down whole"));
    plan_batch_free(r.b);
}
END_TEST

/* ---- never a silent answer ------------------------------------------------------------ */

START_TEST(test_overlapping_shards)
{
    sloeval_source *two[2] = {shards[0], shards[0]};
    static const plan_mode modes[] = {PLAN_AUTO, PLAN_LOCAL};
    for (int m = 0; m < 2; m++) {
        run r;
        run_query(&r, two, 2, modes[m], "depth", MIN(30), MIN(30), 0);
        ck_assert_int_eq(r.rc, SLOEVAL_EDATA);
        ck_assert_ptr_nonnull(strstr(r.err.message, "more than one shard"));
        plan_batch_free(r.b);
    }
}
END_TEST

START_TEST(test_duplicates_across_shards)
{
    /* Dropping region makes the shards' series equal: Prometheus's error,
     * in every mode, and for the sum above it too. */
    static const char *const q[] = {
        "label_replace(depth, \"region\", \"\", \"\", \"\")",
        "sum(label_replace(depth, \"region\", \"\", \"\", \"\"))",
        "rate(label_replace(depth, \"region\", \"\", \"\", \"\")[10m:1m])",
    };
    static const plan_mode modes[] = {PLAN_AUTO, PLAN_PUSHDOWN, PLAN_LOCAL};
    for (size_t i = 0; i < 3; i++)
        for (int m = 0; m < 3; m++) {
            run r;
            run_query(&r, shards, 3, modes[m], q[i], MIN(30), MIN(30), 0);
            ck_assert_msg(r.rc == SLOEVAL_EEXEC, "%s mode %d: %d %s", q[i], m, r.rc, r.err.message);
            ck_assert_ptr_nonnull(strstr(r.err.message, "same labelset"));
            plan_batch_free(r.b);
        }
}
END_TEST

START_TEST(test_refused_before_sending)
{
    /* limitk is neither merged nor evaluated locally. */
    ast_node *root;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = "limitk(1, depth)";
    parse_options po = {SLOEVAL_COMPAT_V3, true, 0};
    ck_assert_int_eq(promql_parse(&root, &pa, text, strlen(text), &po, &err), 0);
    plan_target t = {shards, 3, NULL, 0};
    plan_options o = {PLAN_AUTO, SLOEVAL_COMPAT_V3, 0, true};
    plan_batch *b;
    size_t id;
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), 0);
    ck_assert_int_eq(plan_batch_add_instant(b, &id, &t, root, MIN(30), &err), 0);
    plan_batch_set_text(b, id, text, strlen(text), NULL);
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    const value *v;
    ck_assert_int_eq(plan_batch_result(b, id, &v, NULL, &err), SLOEVAL_EUNSUPPORTED);
    ck_assert_ptr_nonnull(strstr(err.message, "cannot merge the answers of 3 shards"));
    ck_assert_ptr_nonnull(strstr(err.message, "limitk at 1:1"));
    ck_assert_int_eq(requests(), 0);
    plan_batch_free(b);

    /* With one shard it is pushed down whole. */
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), 0);
    plan_target t1 = {shards, 1, NULL, 0};
    ck_assert_int_eq(plan_batch_add_instant(b, &id, &t1, root, MIN(30), &err), 0);
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    ck_assert_int_eq(requests(), 1);
    plan_batch_free(b);
}
END_TEST

START_TEST(test_failing_shard)
{
    shard[1].fail = SLOEVAL_ETRANSPORT;
    static const plan_mode modes[] = {PLAN_AUTO, PLAN_LOCAL};
    for (int m = 0; m < 2; m++) {
        run r;
        run_query(&r, shards, 3, modes[m], "sum(depth)", MIN(30), MIN(30), 0);
        ck_assert_int_eq(r.rc, SLOEVAL_ETRANSPORT);
        ck_assert_ptr_nonnull(strstr(r.err.message, "unavailable: down"));
        ck_assert_ptr_null(r.v);
        plan_batch_free(r.b);
    }
}
END_TEST

/* ---- sources that cannot evaluate, injected matchers ------------------------------- */

START_TEST(test_memory_sources_and_inject)
{
    sloeval_source *mems[3] = {shard[0].mem, shard[1].mem, shard[2].mem};
    run r;
    run_query(&r, mems, 3, PLAN_PUSHDOWN, "sum(depth)", MIN(30), MIN(30), 0);
    ck_assert_int_eq(r.rc, SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(r.err.message, "mode pushdown needs shards that evaluate"));
    plan_batch_free(r.b);
    run ref;
    run_query(&ref, &whole, 1, PLAN_AUTO, "sum(depth)", MIN(30), MIN(30), 0);
    run_query(&r, mems, 3, PLAN_AUTO, "sum(depth)", MIN(30), MIN(30), 0);
    ck_assert_int_eq(r.rc, 0);
    char why[256];
    ck_assert_msg(valcmp_equal(ref.v, r.v, why, sizeof why), "%s", why);
    plan_batch_free(r.b);
    plan_batch_free(ref.b);

    /* region="eu" injected into every selector of a copy; the caller's
     * tree is unchanged. */
    label_matcher m = {MATCH_EQUAL, STRV_LIT("region"), STRV_LIT("eu")};
    plan_target t = {shards, 3, &m, 1};
    plan_options o = {PLAN_AUTO, SLOEVAL_COMPAT_V2, 0, true};
    plan_batch *b;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ast_node *root = parse("count(depth) + count(other)");
    size_t n0 = root->u.binary.lhs->u.aggregate.expr->u.vector_selector.nmatchers;
    size_t id;
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), 0);
    ck_assert_int_eq(plan_batch_add_instant(b, &id, &t, root, MIN(30), &err), 0);
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    const value *v;
    ck_assert_int_eq(plan_batch_result(b, id, &v, NULL, &err), 0);
    ck_assert_int_eq(v->kind, VALUE_VECTOR);
    ck_assert_uint_eq(v->u.vector.count, 1);
    ck_assert_double_eq(v->u.vector.items[0].v, 4); /* two instances, two metrics */
    ck_assert_ptr_nonnull(strstr(plan_batch_explain(b), "region=\"eu\""));
    ck_assert_uint_eq(root->u.binary.lhs->u.aggregate.expr->u.vector_selector.nmatchers, n0);
    plan_batch_free(b);
}
END_TEST

START_TEST(test_bad_arguments)
{
    plan_batch *b;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    plan_options o = {(plan_mode)7, SLOEVAL_COMPAT_V2, 0, false};
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), SLOEVAL_EINVAL);
    o.mode = PLAN_AUTO;
    ck_assert_int_eq(plan_batch_new(&b, &o, &err), 0);
    plan_target none = {NULL, 0, NULL, 0};
    size_t id;
    sloeval_error_clear(&err);
    ck_assert_int_eq(plan_batch_add_instant(b, &id, &none, parse("up"), 0, &err), SLOEVAL_EINVAL);
    plan_target t = {shards, 3, NULL, 0};
    ck_assert_int_eq(plan_batch_add_range(b, &id, &t, parse("up"), 10, 0, 1, &err), SLOEVAL_EINVAL);
    const value *v;
    ck_assert_int_eq(plan_batch_result(b, 0, &v, NULL, &err), SLOEVAL_EINVAL);
    ck_assert_int_eq(plan_batch_run(b, &err), 0);
    ck_assert_int_eq(plan_batch_run(b, &err), SLOEVAL_EINVAL);
    ck_assert_str_eq(plan_batch_explain(b), "");
    plan_batch_free(b);
}
END_TEST

/* The comparator the differential tests trust: order does not matter; a
 * missing or extra label set, a value beyond 1e-9 relative, another
 * timestamp or another number of points does. */
static const labels *ls_job(const char *job)
{
    bool dup;
    label l = {strv_from_cstr("job"), strv_from_cstr(job)};
    return labels_make(&pa, &l, 1, false, &dup);
}

START_TEST(test_valcmp_detects)
{
    char why[256];
    value a = {.kind = VALUE_VECTOR}, b = {.kind = VALUE_VECTOR};
    ck_assert_int_eq(vector_push(&pa, &a.u.vector, ls_job("x"), 1000, 1.0), 0);
    ck_assert_int_eq(vector_push(&pa, &a.u.vector, ls_job("y"), 1000, 2.0), 0);
    ck_assert_int_eq(vector_push(&pa, &b.u.vector, ls_job("y"), 1000, 2.0 * (1 + 1e-12)), 0);
    ck_assert_int_eq(vector_push(&pa, &b.u.vector, ls_job("x"), 1000, 1.0), 0);
    ck_assert_msg(valcmp_equal(&a, &b, why, sizeof why), "%s", why);
    b.u.vector.items[0].v = 2.0 * (1 + 1e-8);
    ck_assert(!valcmp_equal(&a, &b, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "job=\"y\""));
    b.u.vector.items[0].v = 2.0;
    b.u.vector.items[1].t = 2000;
    ck_assert(!valcmp_equal(&a, &b, why, sizeof why));
    b.u.vector.items[1].t = 1000;
    ck_assert_int_eq(vector_push(&pa, &b.u.vector, ls_job("z"), 1000, 3.0), 0);
    ck_assert(!valcmp_equal(&a, &b, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "only in the second"));
    ck_assert(!valcmp_equal(&b, &a, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "only in the first"));

    value m = {.kind = VALUE_MATRIX}, n = {.kind = VALUE_MATRIX};
    sample s1[] = {{1000, 1.0}, {2000, NAN}}, s2[] = {{1000, 1.0}, {2000, NAN}}, s3[] = {{1000, 5}};
    ck_assert_int_eq(matrix_push(&pa, &m.u.matrix, ls_job("x"), s1, 2), 0);
    ck_assert_int_eq(matrix_push(&pa, &m.u.matrix, ls_job("y"), s3, 1), 0);
    ck_assert_int_eq(matrix_push(&pa, &n.u.matrix, ls_job("y"), s3, 1), 0);
    ck_assert_int_eq(matrix_push(&pa, &n.u.matrix, ls_job("x"), s2, 2), 0);
    ck_assert_msg(valcmp_equal(&m, &n, why, sizeof why), "%s", why);
    n.u.matrix.items[1].count = 1;
    ck_assert(!valcmp_equal(&m, &n, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "2 points vs 1"));
    n.u.matrix.items[1].count = 2;
    s2[1].v = 0;
    ck_assert(!valcmp_equal(&m, &n, why, sizeof why));
    ck_assert_ptr_nonnull(strstr(why, "point 1"));
    ck_assert(!valcmp_equal(&a, &m, why, sizeof why));
}
END_TEST

int main(void)
{
    Suite *s = suite_create("plan");
    TCase *tc = tcase_create("plan");
    tcase_add_checked_fixture(tc, setup_arena, teardown_arena);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_shards_equal_whole);
    tcase_add_test(tc, test_requests_sent_once);
    tcase_add_test(tc, test_plan_shapes);
    tcase_add_test(tc, test_overlapping_shards);
    tcase_add_test(tc, test_duplicates_across_shards);
    tcase_add_test(tc, test_refused_before_sending);
    tcase_add_test(tc, test_failing_shard);
    tcase_add_test(tc, test_memory_sources_and_inject);
    tcase_add_test(tc, test_bad_arguments);
    tcase_add_test(tc, test_valcmp_detects);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
