/*
 * Aggregations: sum, avg, count, min, max, group, stddev, stdvar,
 * quantile (grouped accumulators), topk and bottomk (heaps kept exactly as
 * Go's container/heap keeps them, so ties come out in Prometheus's order),
 * and count_values. Grouping follows generateGroupingKey /
 * generateGroupingLabels: `by` keeps the listed labels, `without` removes
 * them and __name__.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "engine/kernels.h"
#include "model/hash.h"
#include "util/strbuf.h"

typedef struct grouping {
    strv *names; /* sorted */
    size_t n;
    bool without;
} grouping;

static int cmp_strv(const void *a, const void *b)
{
    return strv_cmp(*(const strv *)a, *(const strv *)b);
}

static int make_grouping(evaluator *ev, const ast_node *n, grouping *g)
{
    g->n = n->u.aggregate.ngrouping;
    g->without = n->u.aggregate.without;
    g->names = ARENA_NEW_ARRAY(ev->a, strv, g->n + 1);
    if (!g->names) return ev_oom(ev);
    for (size_t i = 0; i < g->n; i++)
        g->names[i] = n->u.aggregate.grouping[i];
    qsort(g->names, g->n, sizeof(strv), cmp_strv);
    return 0;
}

static const labels *group_labels(evaluator *ev, const grouping *g, const labels *ls)
{
    if (g->without) return labels_drop(ev->a, ls, g->names, g->n, true);
    if (g->n == 0) return labels_empty();
    return labels_keep_only(ev->a, ls, g->names, g->n);
}

/* `by` groupings with at most this many names take the fast path. */
#define BY_FAST_NAMES 8

/*
 * by (...): the value of each listed name in ls (ptr NULL when absent).
 * Names and pairs are both sorted by strv_cmp, so one merge walk finds
 * them. Two label sets are in the same group exactly when these values
 * are equal (or absent) name by name.
 */
static void by_values(const labels *ls, const strv *names, size_t n, strv *out)
{
    size_t i = 0;
    for (size_t j = 0; j < n; j++) {
        out[j] = STRV_NULL;
        while (i < ls->count) {
            int c = strv_cmp(ls->pairs[i].name, names[j]);
            if (c < 0) {
                i++;
                continue;
            }
            if (c == 0) out[j] = ls->pairs[i].value; /* i stays: names may repeat */
            break;
        }
    }
}

static uint64_t by_hash(const strv *v, size_t n)
{
    uint64_t h = HASH_SEED_LABELS;
    for (size_t j = 0; j < n; j++)
        h = v[j].ptr ? hash_bytes(h ^ HASH_SEP, v[j].ptr, v[j].len) : hash_mum(h, HASH_P2);
    return hash_finish(h, n);
}

static bool by_equal(const strv *a, const strv *b, size_t n)
{
    for (size_t j = 0; j < n; j++)
        if ((a[j].ptr == NULL) != (b[j].ptr == NULL) || (a[j].ptr && !strv_eq(a[j], b[j])))
            return false;
    return true;
}

/* assign_groups for `by` with few names: the group key is the listed
 * names' values, taken once per series (store label sets share their
 * strings, so comparing them is mostly comparing pointers). */
static int assign_groups_by(evaluator *ev, const grouping *g, const ev_value *in, int32_t *grp,
                            int32_t *rep, size_t *ngroups)
{
    size_t n = g->n;
    hmap m;
    strv *keys = ARENA_NEW_ARRAY(ev->a, strv, (in->nser ? in->nser : 1) * n);
    if (!keys || hmap_init(&m, ev->a, in->nser) < 0) return ev_oom(ev);
    size_t ng = 0;
    for (size_t i = 0; i < in->nser; i++) {
        strv v[BY_FAST_NAMES];
        by_values(in->ser[i].ls, g->names, n, v);
        uint64_t h = by_hash(v, n);
        size_t pos = HMAP_START;
        int32_t j;
        while ((j = hmap_next(&m, h, &pos)) >= 0)
            if (by_equal(keys + (size_t)j * n, v, n)) break;
        if (j < 0) {
            j = (int32_t)ng++;
            rep[j] = (int32_t)i;
            memcpy(keys + (size_t)j * n, v, n * sizeof(strv));
            if (hmap_put(&m, h, j) < 0) return ev_oom(ev);
        }
        grp[i] = j;
    }
    *ngroups = ng;
    return 0;
}

/* Assign every series of `in` to a group; groups numbered by first
 * appearance. rep[g] is a member of group g (for comparisons). */
static int assign_groups(evaluator *ev, const grouping *g, const ev_value *in, int32_t *grp,
                         int32_t *rep, size_t *ngroups)
{
    if (!g->without && g->n > 0 && g->n <= BY_FAST_NAMES)
        return assign_groups_by(ev, g, in, grp, rep, ngroups);
    hmap m;
    if (hmap_init(&m, ev->a, in->nser) < 0) return ev_oom(ev);
    size_t ng = 0;
    bool on = !g->without;
    for (size_t i = 0; i < in->nser; i++) {
        const labels *ls = in->ser[i].ls;
        uint64_t h = labels_hash_subset(ls, g->names, g->n, on);
        size_t pos = HMAP_START;
        int32_t j;
        while ((j = hmap_next(&m, h, &pos)) >= 0)
            if (labels_subset_equal(in->ser[rep[j]].ls, ls, g->names, g->n, on)) break;
        if (j < 0) {
            j = (int32_t)ng++;
            rep[j] = (int32_t)i;
            if (hmap_put(&m, h, j) < 0) return ev_oom(ev);
        }
        grp[i] = j;
    }
    *ngroups = ng;
    return 0;
}

/* ---- sum, avg, count, min, max, group, stddev, stdvar, quantile ------------- */

static int aggregate_grouped(evaluator *ev, const ast_node *n, const grouping *g,
                             const ev_value *in, const ev_value *param, ev_value *out)
{
    agg_op op = n->u.aggregate.op;
    size_t ns = in->nser ? in->nser : 1;
    int32_t *grp = ARENA_NEW_ARRAY(ev->a, int32_t, ns);
    int32_t *rep = ARENA_NEW_ARRAY(ev->a, int32_t, ns);
    size_t *cur = ARENA_NEW_ARRAY(ev->a, size_t, ns);
    if (!grp || !rep || !cur) return ev_oom(ev);
    size_t ng;
    if (assign_groups(ev, g, in, grp, rep, &ng) < 0) return -1;

    agg_acc *acc = ARENA_NEW_ARRAY(ev->a, agg_acc, ng ? ng : 1);
    bool *seen = ARENA_NEW_ARRAY(ev->a, bool, ng ? ng : 1);
    bool *drop = ARENA_NEW_ARRAY(ev->a, bool, ng ? ng : 1);
    step_series *res = ARENA_NEW_ARRAY(ev->a, step_series, ng ? ng : 1);
    size_t *rescap = ARENA_NEW_ARRAY(ev->a, size_t, ng ? ng : 1);
    if (!acc || !seen || !drop || !res || !rescap) return ev_oom(ev);
    for (size_t j = 0; j < ng; j++) {
        res[j].ls = group_labels(ev, g, in->ser[rep[j]].ls);
        if (!res[j].ls) return ev_oom(ev);
    }
    /* quantile: the values of each group at one step */
    double **qv = NULL;
    size_t *qn = NULL, *qcap = NULL;
    if (op == AGG_QUANTILE) {
        qv = ARENA_NEW_ARRAY(ev->a, double *, ng ? ng : 1);
        qn = ARENA_NEW_ARRAY(ev->a, size_t, ng ? ng : 1);
        qcap = ARENA_NEW_ARRAY(ev->a, size_t, ng ? ng : 1);
        if (!qv || !qn || !qcap) return ev_oom(ev);
    }

    size_t total = 0;
    for (size_t k = 0; k < ev->nsteps; k++) {
        int64_t ts = ev_step_ts(ev, k);
        memset(seen, 0, ng * sizeof(bool));
        if (qn) memset(qn, 0, ng * sizeof(size_t));
        for (size_t i = 0; i < in->nser; i++) {
            const step_series *s = &in->ser[i];
            size_t c = cur[i];
            while (c < s->n && s->pts[c].t < ts)
                c++;
            cur[i] = c;
            if (c >= s->n || s->pts[c].t != ts) continue;
            double v = s->pts[c].v;
            cur[i] = c + 1;
            int32_t j = grp[i];
            if (op == AGG_QUANTILE) {
                if (arena_grow(ev->a, (void **)&qv[j], &qcap[j], qn[j] + 1, sizeof(double)) < 0)
                    return ev_oom(ev);
                qv[j][qn[j]++] = v;
            }
            if (!seen[j]) {
                seen[j] = true;
                drop[j] = s->drop_name;
                agg_first(&acc[j], op, v, ev->compat);
            } else {
                if (s->drop_name) drop[j] = true;
                agg_next(&acc[j], op, v, ev->compat);
            }
        }
        for (size_t j = 0; j < ng; j++) {
            if (!seen[j]) continue;
            double v;
            if (op == AGG_QUANTILE)
                v = quantile_of(param->scalar[k], qv[j], qn[j]);
            else
                v = agg_final(&acc[j], op, ev->compat);
            step_series *r = &res[j];
            if (r->n == rescap[j] &&
                arena_grow(ev->a, (void **)&r->pts, &rescap[j], r->n + 1, sizeof(sample)) < 0)
                return ev_oom(ev);
            r->pts[r->n++] = (sample){ts, v};
            if (drop[j]) r->drop_name = true;
            total++;
        }
    }
    /* Groups without any point disappear. */
    size_t m = 0;
    for (size_t j = 0; j < ng; j++)
        if (res[j].n) res[m++] = res[j];
    *out = (ev_value){.type = VALUE_TYPE_VECTOR, .ser = res, .nser = m};
    return ev_add_samples(ev, total);
}

/* ---- topk, bottomk ------------------------------------------------------------ */

typedef struct kel {
    const labels *ls;
    double v;
    bool drop;
} kel;

typedef struct kheap {
    kel *el;
    size_t n, cap;
    bool reverse; /* bottomk's vectorByReverseValueHeap */
} kheap;

/* vectorByValueHeap.Less / vectorByReverseValueHeap.Less */
static bool kless(const kheap *h, size_t i, size_t j)
{
    if (isnan(h->el[i].v)) return true;
    return h->reverse ? h->el[i].v > h->el[j].v : h->el[i].v < h->el[j].v;
}

static void kswap(kheap *h, size_t i, size_t j)
{
    kel t = h->el[i];
    h->el[i] = h->el[j];
    h->el[j] = t;
}

/* container/heap's up and down. */
static void kup(kheap *h, size_t j)
{
    while (j > 0) {
        size_t i = (j - 1) / 2;
        if (!kless(h, j, i)) break;
        kswap(h, i, j);
        j = i;
    }
}

static bool kdown(kheap *h, size_t i0, size_t n)
{
    size_t i = i0;
    for (;;) {
        size_t j1 = 2 * i + 1;
        if (j1 >= n) break;
        size_t j = j1;
        if (j1 + 1 < n && kless(h, j1 + 1, j1)) j = j1 + 1;
        if (!kless(h, j, i)) break;
        kswap(h, i, j);
        i = j;
    }
    return i > i0;
}

static int kpush(evaluator *ev, kheap *h, kel e)
{
    if (h->n == h->cap && arena_grow(ev->a, (void **)&h->el, &h->cap, h->n + 1, sizeof(kel)) < 0)
        return ev_oom(ev);
    h->el[h->n++] = e;
    kup(h, h->n - 1);
    return 0;
}

static void kpop(kheap *h)
{
    size_t n = h->n - 1;
    kswap(h, 0, n);
    kdown(h, 0, n);
    h->n--;
}

static void kfix(kheap *h, size_t i)
{
    if (!kdown(h, i, h->n)) kup(h, i);
}

/* sort.Sort(sort.Reverse(heap)): Go sorts up to 12 elements by insertion,
 * which is stable; longer runs only differ from a stable sort on ties. */
static void ksort_reverse(kheap *h)
{
    for (size_t i = 1; i < h->n; i++)
        for (size_t j = i; j > 0 && kless(h, j - 1, j); j--)
            kswap(h, j, j - 1);
}

/* Go's conversion checks of the k parameter. */
#define MAX_INT64_F 9223372036854774784.0
#define MIN_INT64_F (-9223372036854775808.0)

static int k_param_error(evaluator *ev, double f, const char *what)
{
    char num[64];
    format_float_mode(num, sizeof(num), f, 'g');
    return ev_fail(ev, SLOEVAL_EEXEC, "Scalar value %s %s int64", num, what);
}

static int aggregate_topk(evaluator *ev, const ast_node *n, const grouping *g, const ev_value *in,
                          const ev_value *param, ev_value *out)
{
    bool bottom = n->u.aggregate.op == AGG_BOTTOMK;
    size_t ns = in->nser ? in->nser : 1;
    int32_t *grp = ARENA_NEW_ARRAY(ev->a, int32_t, ns);
    int32_t *rep = ARENA_NEW_ARRAY(ev->a, int32_t, ns);
    size_t *cur = ARENA_NEW_ARRAY(ev->a, size_t, ns);
    if (!grp || !rep || !cur) return ev_oom(ev);
    size_t ng;
    if (assign_groups(ev, g, in, grp, rep, &ng) < 0) return -1;
    kheap *heaps = ARENA_NEW_ARRAY(ev->a, kheap, ng ? ng : 1);
    bool *seen = ARENA_NEW_ARRAY(ev->a, bool, ng ? ng : 1);
    if (!heaps || !seen) return ev_oom(ev);

    if (ev->compat != SLOEVAL_COMPAT_V2) {
        /* 3.x checks the parameter over all steps first. */
        double mx = -INFINITY, mn = INFINITY;
        bool any_nan = false;
        for (size_t k = 0; k < ev->nsteps; k++) {
            double f = param->scalar[k];
            if (isnan(f)) any_nan = true;
            if (f > mx) mx = f;
            if (f < mn) mn = f;
        }
        *out = (ev_value){.type = VALUE_TYPE_VECTOR};
        if (mx < 1 && !any_nan) return 0;
        if (any_nan) return ev_fail(ev, SLOEVAL_EEXEC, "Parameter value is NaN");
        if (mn <= MIN_INT64_F) return k_param_error(ev, mn, "underflows");
        if (mx >= MAX_INT64_F) return k_param_error(ev, mx, "overflows");
    }

    step_vec res = {0};
    collector col = {0};
    if (hmap_init(&col.index, ev->a, 16) < 0) return ev_oom(ev);

    for (size_t k = 0; k < ev->nsteps; k++) {
        int64_t ts = ev_step_ts(ev, k);
        double f = param->scalar[k];
        int64_t kk;
        if (ev->compat == SLOEVAL_COMPAT_V2) {
            if (!(f <= MAX_INT64_F && f >= MIN_INT64_F)) return k_param_error(ev, f, "overflows");
            kk = (int64_t)f;
        } else {
            kk = (int64_t)f;
            if (kk > (int64_t)in->nser) kk = (int64_t)in->nser;
        }
        memset(seen, 0, ng * sizeof(bool));
        res.n = 0;
        for (size_t i = 0; i < in->nser; i++) {
            const step_series *s = &in->ser[i];
            size_t c = cur[i];
            while (c < s->n && s->pts[c].t < ts)
                c++;
            cur[i] = c;
            if (c >= s->n || s->pts[c].t != ts) continue;
            cur[i] = c + 1;
            if (kk < 1) continue;
            kel e = {s->ls, s->pts[c].v, s->drop_name};
            kheap *h = &heaps[grp[i]];
            if (!seen[grp[i]]) {
                seen[grp[i]] = true;
                h->n = 0;
                h->reverse = bottom;
                if (kpush(ev, h, e) < 0) return -1;
                continue;
            }
            if (ev->compat == SLOEVAL_COMPAT_V2) {
                bool better = bottom ? h->el[0].v > e.v : h->el[0].v < e.v;
                if ((int64_t)h->n < kk || better || isnan(h->el[0].v)) {
                    if ((int64_t)h->n == kk) {
                        if (kk == 1) {
                            h->el[0] = e;
                            continue;
                        }
                        kpop(h);
                    }
                    if (kpush(ev, h, e) < 0) return -1;
                }
            } else {
                bool better = bottom ? h->el[0].v > e.v : h->el[0].v < e.v;
                if ((int64_t)h->n < kk) {
                    if (kpush(ev, h, e) < 0) return -1;
                } else if (better || (isnan(h->el[0].v) && !isnan(e.v))) {
                    h->el[0] = e;
                    if (kk > 1) kfix(h, 0);
                }
            }
        }
        for (size_t j = 0; j < ng; j++) {
            if (!seen[j]) continue;
            kheap *h = &heaps[j];
            if (h->n > 1) ksort_reverse(h);
            for (size_t x = 0; x < h->n; x++)
                if (vec_push(ev, &res, h->el[x].ls, h->el[x].v, -1, h->el[x].drop) < 0) return -1;
        }
        /* Collect: an instant keeps this order; a range builds series. */
        for (size_t x = 0; x < res.n; x++)
            if (collect_point(ev, &col, &res.el[x], ts) < 0) return -1;
        if (ev_add_samples(ev, res.n) < 0) return -1;
    }
    *out = (ev_value){.type = VALUE_TYPE_VECTOR, .ser = col.ser, .nser = col.n};
    return 0;
}

/* ---- count_values ----------------------------------------------------------------- */

typedef struct cv_ctx {
    const ast_node *n;
    grouping g;
    strv label;
} cv_ctx;

static int count_values_step(evaluator *ev, void *vctx, int64_t ts, size_t step, step_vec *in,
                             step_vec *out)
{
    cv_ctx *c = vctx;
    const step_vec *vec = &in[1];
    size_t start = out->n;
    for (size_t i = 0; i < vec->n; i++) {
        char num[400];
        format_float_mode(num, sizeof(num), vec->el[i].v, 'f');
        char *val = arena_strdup(ev->a, num);
        if (!val) return ev_oom(ev);
        const labels *m = labels_set(ev->a, vec->el[i].ls, c->label, strv_from_cstr(val));
        if (!m) return ev_oom(ev);
        const labels *gl = group_labels(ev, &c->g, m);
        if (!gl) return ev_oom(ev);
        size_t j;
        for (j = start; j < out->n; j++)
            if (labels_equal(out->el[j].ls, gl)) break;
        if (j < out->n) {
            out->el[j].v++;
        } else if (vec_push(ev, out, gl, 1, -1, false) < 0) {
            return -1;
        }
    }
    return 0;
}

static int aggregate_count_values(evaluator *ev, const ast_node *n, ev_value *out)
{
    cv_ctx c = {n, {0}, {0}};
    if (make_grouping(ev, n, &c.g) < 0) return -1;
    const ast_node *p = n->u.aggregate.param;
    while (p && p->kind == AST_PAREN)
        p = p->u.paren.expr;
    if (!p || p->kind != AST_STRING)
        return ev_unsupported(ev, n, "count_values with a non-literal label");
    c.label = p->u.string.value;
    if (!ev_label_name_valid(ev, c.label)) {
        strbuf sb = STRBUF_INIT;
        quote_go_string(&sb, c.label);
        int rc = ev_fail(ev, SLOEVAL_EEXEC, "invalid label name %s", strbuf_cstr(&sb));
        strbuf_free(&sb);
        return rc;
    }
    if (!c.g.without) {
        strv *names = ARENA_NEW_ARRAY(ev->a, strv, c.g.n + 1);
        if (!names) return ev_oom(ev);
        memcpy(names, c.g.names, c.g.n * sizeof(strv));
        names[c.g.n++] = c.label;
        qsort(names, c.g.n, sizeof(strv), cmp_strv);
        c.g.names = names;
    }
    ev_value args[2];
    args[0] = (ev_value){.type = VALUE_TYPE_STRING};
    if (ev_eval(ev, n->u.aggregate.expr, &args[1]) < 0) return -1;
    return range_eval(ev, args, 2, count_values_step, &c, out);
}

int eval_aggregate(evaluator *ev, const ast_node *n, ev_value *out)
{
    agg_op op = n->u.aggregate.op;
    if (op == AGG_COUNT_VALUES) return aggregate_count_values(ev, n, out);
    grouping g;
    if (make_grouping(ev, n, &g) < 0) return -1;
    ev_value param = {0};
    if (n->u.aggregate.param) {
        if (ev_eval(ev, n->u.aggregate.param, &param) < 0) return -1;
        if (param.type != VALUE_TYPE_SCALAR)
            return ev_unsupported(ev, n->u.aggregate.param, "a non-scalar aggregation parameter");
    }
    ev_value in;
    if (ev_eval(ev, n->u.aggregate.expr, &in) < 0) return -1;
    if (in.type != VALUE_TYPE_VECTOR)
        return ev_fail(ev, SLOEVAL_EEXEC, "aggregation over a non-vector");
    if (op == AGG_QUANTILE && ev->compat != SLOEVAL_COMPAT_V2) {
        /* 3.x warns once per problem over all steps (rangeEvalAgg). */
        double mx = -INFINITY, mn = INFINITY;
        bool any_nan = false;
        for (size_t k = 0; k < ev->nsteps; k++) {
            double q = param.scalar[k];
            if (isnan(q)) any_nan = true;
            if (q > mx) mx = q;
            if (q < mn) mn = q;
        }
        double bad[3];
        size_t nbad = 0;
        if (any_nan) bad[nbad++] = NAN;
        if (mx > 1) bad[nbad++] = mx;
        if (mn < 0) bad[nbad++] = mn;
        for (size_t i = 0; i < nbad; i++) {
            char num[64];
            format_float_mode(num, sizeof(num), bad[i], 'g');
            if (ev_annotate(ev, true, n->u.aggregate.param,
                            "PromQL warning: quantile value should be between 0 and 1, got %s",
                            num) < 0)
                return -1;
        }
    }
    if (op == AGG_TOPK || op == AGG_BOTTOMK) return aggregate_topk(ev, n, &g, &in, &param, out);
    return aggregate_grouped(ev, n, &g, &in, &param, out);
}
