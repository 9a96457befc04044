/*
 * Binary operators: between scalars, between a vector and a scalar
 * (VectorscalarBinop) and between vectors: one-to-one, many-to-one and
 * one-to-many matching with on / ignoring / group_left / group_right
 * (VectorBinop), and the set operators and / or / unless. Errors carry
 * Prometheus's wording; on 2.x a comparison that filters a sample out
 * skips the matching checks, 3.x checks first.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "engine/kernels.h"
#include "util/strbuf.h"

static int cmp_strv(const void *a, const void *b)
{
    return strv_cmp(*(const strv *)a, *(const strv *)b);
}

/* Does the operator drop __name__? 2.x: + - * / % ^; 3.x also atan2. */
static bool drops_name(const evaluator *ev, binary_op op)
{
    if (op == BIN_ATAN2) return ev->compat != SLOEVAL_COMPAT_V2;
    return binop_is_arithmetic(op);
}

static bool is_comparison(binary_op op)
{
    return op >= BIN_EQL && op <= BIN_GTR;
}

/* ---- scalar op scalar ------------------------------------------------------- */

static int binary_scalars(evaluator *ev, const ast_node *n, const ev_value *l, const ev_value *r,
                          ev_value *out)
{
    double *v = ARENA_NEW_ARRAY(ev->a, double, ev->nsteps);
    if (!v) return ev_oom(ev);
    for (size_t k = 0; k < ev->nsteps; k++)
        v[k] = binop_scalars(n->u.binary.op, l->scalar[k], r->scalar[k]);
    *out = (ev_value){.type = VALUE_TYPE_SCALAR, .scalar = v};
    return 0;
}

/* ---- vector op scalar ---------------------------------------------------------- */

typedef struct vs_ctx {
    binary_op op;
    bool swap; /* the scalar is on the left */
    bool return_bool;
    size_t vec_arg;         /* which argument is the vector */
    const labels **dropped; /* per input series: labels without the name */
} vs_ctx;

static int vector_scalar_step(evaluator *ev, void *vctx, int64_t ts, size_t step, step_vec *in,
                              step_vec *out)
{
    vs_ctx *c = vctx;
    const step_vec *vec = &in[c->vec_arg];
    double s = in[1 - c->vec_arg].el[0].v;
    for (size_t i = 0; i < vec->n; i++) {
        vec_el el = vec->el[i];
        double lv = el.v, rv = s;
        if (c->swap) {
            lv = s;
            rv = el.v;
        }
        double res;
        bool keep = binop_values(c->op, lv, rv, &res);
        /* A scalar on the left of a comparison: keep the vector's value. */
        if (is_comparison(c->op) && c->swap) res = rv;
        if (c->return_bool) {
            res = keep ? 1 : 0;
            keep = true;
        }
        if (!keep) continue;
        el.v = res;
        if (drops_name(ev, c->op) || c->return_bool) {
            if (ev->opts.delayed_name_removal) {
                el.drop_name = true;
            } else {
                const labels **slot = el.src >= 0 ? &c->dropped[el.src] : NULL;
                if (slot && *slot) {
                    el.ls = *slot;
                } else {
                    el.ls = ev_drop_metadata(ev, el.ls);
                    if (!el.ls) return ev_oom(ev);
                    if (slot) *slot = el.ls;
                }
            }
        }
        if (out->n == out->cap &&
            arena_grow(ev->a, (void **)&out->el, &out->cap, out->n + 1, sizeof(vec_el)) < 0)
            return ev_oom(ev);
        out->el[out->n++] = el;
    }
    return 0;
}

/* ---- vector op vector ------------------------------------------------------------ */

typedef struct vv_ctx {
    const ast_node *n;
    binary_op op;
    const vector_matching *m;
    strv *names; /* on / ignoring labels, sorted */
    size_t nnames;
    bool on;
    int32_t *sig[2]; /* per side and series: signature ordinal */
    size_t nsigs;
    /* per step scratch, indexed by signature ordinal */
    int32_t *right_of_sig; /* index into the rhs vector at this step, -1 */
    bool *matched;         /* one-to-one: signature already produced */
    hmap result_sets;      /* many-to-one: (sig, labels hash) seen at this step */
    /* result label cache: (lhs series, rhs series) -> labels */
    hmap rm_index;
    struct rm_entry {
        int32_t l, r;
        const labels *ls;
    } * rm;
    size_t nrm, caprm;
    struct sig_pair {
        int32_t sig;
        const labels *ls;
    } * pairs;
    size_t npairs, cappairs;
} vv_ctx;

/* MatchLabels(on, names): the matching labels of a series, for messages. */
static const labels *match_labels(evaluator *ev, const vv_ctx *c, const labels *ls)
{
    if (c->on) return labels_keep_only(ev->a, ls, c->names, c->nnames);
    return labels_drop(ev->a, ls, c->names, c->nnames, true);
}

static int signatures(evaluator *ev, vv_ctx *c, const ev_value *side, int which, hmap *idx,
                      const labels ***reps, size_t *nreps, size_t *capreps)
{
    c->sig[which] = ARENA_NEW_ARRAY(ev->a, int32_t, side->nser ? side->nser : 1);
    if (!c->sig[which]) return ev_oom(ev);
    for (size_t i = 0; i < side->nser; i++) {
        const labels *ls = side->ser[i].ls;
        uint64_t h = labels_hash_subset(ls, c->names, c->nnames, c->on);
        size_t pos = HMAP_START;
        int32_t j;
        while ((j = hmap_next(idx, h, &pos)) >= 0)
            if (labels_subset_equal((*reps)[j], ls, c->names, c->nnames, c->on)) break;
        if (j < 0) {
            if (arena_grow(ev->a, (void **)reps, capreps, *nreps + 1, sizeof(labels *)) < 0)
                return ev_oom(ev);
            j = (int32_t)(*nreps)++;
            (*reps)[j] = ls;
            if (hmap_put(idx, h, j) < 0) return ev_oom(ev);
        }
        c->sig[which][i] = j;
    }
    return 0;
}

static int set_op_step(evaluator *ev, void *vctx, int64_t ts, size_t step, step_vec *in,
                       step_vec *out)
{
    vv_ctx *c = vctx;
    const step_vec *l = &in[0], *r = &in[1];
    bool *present = (bool *)c->matched;
    memset(present, 0, c->nsigs * sizeof(bool));
    switch (c->op) {
    case BIN_AND:
        if (l->n == 0 || r->n == 0) return 0;
        for (size_t i = 0; i < r->n; i++)
            present[c->sig[1][r->el[i].src]] = true;
        for (size_t i = 0; i < l->n; i++)
            if (present[c->sig[0][l->el[i].src]]) {
                vec_el e = l->el[i];
                if (vec_push(ev, out, e.ls, e.v, e.src, e.drop_name) < 0) return -1;
            }
        return 0;
    case BIN_OR:
        for (size_t i = 0; i < l->n; i++) {
            present[c->sig[0][l->el[i].src]] = true;
            vec_el e = l->el[i];
            if (vec_push(ev, out, e.ls, e.v, e.src, e.drop_name) < 0) return -1;
        }
        for (size_t i = 0; i < r->n; i++)
            if (!present[c->sig[1][r->el[i].src]]) {
                vec_el e = r->el[i];
                if (vec_push(ev, out, e.ls, e.v, e.src, e.drop_name) < 0) return -1;
            }
        return 0;
    default: /* unless */
        if (l->n && r->n)
            for (size_t i = 0; i < r->n; i++)
                present[c->sig[1][r->el[i].src]] = true;
        for (size_t i = 0; i < l->n; i++)
            if (!present[c->sig[0][l->el[i].src]]) {
                vec_el e = l->el[i];
                if (vec_push(ev, out, e.ls, e.v, e.src, e.drop_name) < 0) return -1;
            }
        return 0;
    }
}

/* resultMetric: the labels of an output sample, cached per input pair. */
static const labels *result_metric(evaluator *ev, vv_ctx *c, const vec_el *ls, const vec_el *rs,
                                   bool drop_name, bool drop_after)
{
    uint64_t h = ((uint64_t)(uint32_t)ls->src << 32 | (uint32_t)rs->src) * 0x9e3779b97f4a7c15ULL;
    h ^= drop_name;
    size_t pos = HMAP_START;
    int32_t j;
    while ((j = hmap_next(&c->rm_index, h, &pos)) >= 0)
        if (c->rm[j].l == ls->src && c->rm[j].r == rs->src) return c->rm[j].ls;

    const labels *m = ls->ls;
    if (drop_name) m = ev_drop_metadata(ev, m);
    if (m && c->m->card == CARD_ONE_TO_ONE) {
        if (c->on)
            m = labels_keep_only(ev->a, m, c->names, c->nnames);
        else
            m = labels_drop(ev->a, m, c->names, c->nnames, false);
    }
    for (size_t i = 0; m && i < c->m->ninclude; i++) {
        strv name = c->m->include[i];
        strv v = labels_get(rs->ls, name);
        m = labels_set(ev->a, m, name, v.ptr ? v : STRV_LIT(""));
    }
    if (m && drop_after) m = ev_drop_metadata(ev, m);
    if (!m) return NULL;
    if (arena_grow(ev->a, (void **)&c->rm, &c->caprm, c->nrm + 1, sizeof(*c->rm)) < 0) return NULL;
    c->rm[c->nrm] = (struct rm_entry){ls->src, rs->src, m};
    if (hmap_put(&c->rm_index, h, (int32_t)c->nrm) < 0) return NULL;
    c->nrm++;
    return m;
}

static int dup_series_error(evaluator *ev, vv_ctx *c, const vec_el *rs, const vec_el *dup)
{
    bool one_to_many = c->m->card == CARD_ONE_TO_MANY;
    const labels *ml = match_labels(ev, c, rs->ls);
    if (!ml) return ev_oom(ev);
    char *a = labels_to_string(rs->ls), *b = labels_to_string(dup->ls), *mls = labels_to_string(ml);
    if (!a || !b || !mls) {
        free(a);
        free(b);
        free(mls);
        return ev_oom(ev);
    }
    /* 3.x orders the two series to make the message stable. */
    if (ev->compat != SLOEVAL_COMPAT_V2 && strcmp(a, b) > 0) {
        char *t = a;
        a = b;
        b = t;
    }
    int rc = ev_fail(ev, SLOEVAL_EEXEC,
                     "found duplicate series for the match group %s on the %s hand-side of the "
                     "operation: [%s, %s];many-to-many matching not allowed: matching labels "
                     "must be unique on one side",
                     mls, one_to_many ? "left" : "right", a, b);
    free(a);
    free(b);
    free(mls);
    return rc;
}

static int vector_binop_step(evaluator *ev, void *vctx, int64_t ts, size_t step, step_vec *in,
                             step_vec *out)
{
    vv_ctx *c = vctx;
    const step_vec *lhs = &in[0], *rhs = &in[1];
    int lside = 0, rside = 1;
    if (lhs->n == 0 || rhs->n == 0) return 0;
    bool one_to_many = c->m->card == CARD_ONE_TO_MANY;
    if (one_to_many) {
        const step_vec *t = lhs;
        lhs = rhs;
        rhs = t;
        lside = 1;
        rside = 0;
    }
    bool v2 = ev->compat == SLOEVAL_COMPAT_V2;
    for (size_t s = 0; s < c->nsigs; s++)
        c->right_of_sig[s] = -1;
    for (size_t i = 0; i < rhs->n; i++) {
        int32_t sig = c->sig[rside][rhs->el[i].src];
        if (c->right_of_sig[sig] >= 0)
            return dup_series_error(ev, c, &rhs->el[i], &rhs->el[c->right_of_sig[sig]]);
        c->right_of_sig[sig] = (int32_t)i;
    }
    bool one_to_one = c->m->card == CARD_ONE_TO_ONE;
    if (one_to_one)
        memset(c->matched, 0, c->nsigs * sizeof(bool));
    else {
        hmap_clear(&c->result_sets);
        c->npairs = 0;
    }
    bool rbool = c->n->u.binary.return_bool;

    for (size_t i = 0; i < lhs->n; i++) {
        const vec_el *ls = &lhs->el[i];
        int32_t sig = c->sig[lside][ls->src];
        int32_t ri = c->right_of_sig[sig];
        if (ri < 0) continue;
        const vec_el *rs = &rhs->el[ri];
        double vl = ls->v, vr = rs->v;
        if (one_to_many) {
            vl = rs->v;
            vr = ls->v;
        }
        double res;
        bool keep = binop_values(c->op, vl, vr, &res);
        if (rbool) res = keep ? 1 : 0;
        if (v2 && !rbool && !keep) continue;

        /* 2.x drops the name for arithmetic before group_x labels are
         * copied and for bool after; 3.x does both before. */
        bool drop = drops_name(ev, c->op);
        bool drop_after = v2 && rbool;
        bool flag_drop = false;
        if (rbool && !v2) {
            if (ev->opts.delayed_name_removal)
                flag_drop = true;
            else
                drop = true;
        }
        const labels *metric = result_metric(ev, c, ls, rs, drop, drop_after);
        if (!metric) return ev_oom(ev);

        if (one_to_one) {
            if (c->matched[sig])
                return ev_fail(ev, SLOEVAL_EEXEC,
                               "multiple matches for labels: many-to-one matching must be "
                               "explicit (group_left/group_right)");
            c->matched[sig] = true;
        } else {
            /* Many-to-one: each (signature, result labels) once per step. */
            uint64_t h = metric->hash * 0x9e3779b97f4a7c15ULL + (uint64_t)sig;
            size_t pos = HMAP_START;
            int32_t j;
            while ((j = hmap_next(&c->result_sets, h, &pos)) >= 0)
                if (c->pairs[j].sig == sig && labels_equal(c->pairs[j].ls, metric))
                    return ev_fail(ev, SLOEVAL_EEXEC,
                                   "multiple matches for labels: grouping labels must ensure "
                                   "unique matches");
            if (arena_grow(ev->a, (void **)&c->pairs, &c->cappairs, c->npairs + 1,
                           sizeof(*c->pairs)) < 0 ||
                hmap_put(&c->result_sets, h, (int32_t)c->npairs) < 0)
                return ev_oom(ev);
            c->pairs[c->npairs++] = (struct sig_pair){sig, metric};
        }
        if (!keep && !rbool) continue;
        /* 3.x marks the result for delayed name removal only with bool. */
        if (vec_push(ev, out, metric, res, -1, flag_drop) < 0) return -1;
    }
    return 0;
}

static int binary_vectors(evaluator *ev, const ast_node *n, ev_value *args, ev_value *out)
{
    const vector_matching *m = n->u.binary.matching;
    static const vector_matching none = {CARD_ONE_TO_ONE, false, false, NULL, 0, NULL, 0};
    vv_ctx *c = ARENA_NEW(ev->a, vv_ctx);
    if (!c) return ev_oom(ev);
    c->n = n;
    c->op = n->u.binary.op;
    c->m = m ? m : &none;
    c->on = c->m->on;
    c->nnames = c->m->nlabels;
    c->names = ARENA_NEW_ARRAY(ev->a, strv, c->nnames + 1);
    if (!c->names) return ev_oom(ev);
    for (size_t i = 0; i < c->nnames; i++)
        c->names[i] = c->m->labels[i];
    qsort(c->names, c->nnames, sizeof(strv), cmp_strv);

    hmap idx;
    if (hmap_init(&idx, ev->a, args[0].nser + args[1].nser) < 0) return ev_oom(ev);
    const labels **reps = NULL;
    size_t nreps = 0, capreps = 0;
    if (signatures(ev, c, &args[0], 0, &idx, &reps, &nreps, &capreps) < 0) return -1;
    if (signatures(ev, c, &args[1], 1, &idx, &reps, &nreps, &capreps) < 0) return -1;
    c->nsigs = nreps;
    size_t ns = nreps ? nreps : 1;
    c->right_of_sig = ARENA_NEW_ARRAY(ev->a, int32_t, ns);
    c->matched = ARENA_NEW_ARRAY(ev->a, bool, ns);
    if (!c->right_of_sig || !c->matched) return ev_oom(ev);
    if (hmap_init(&c->rm_index, ev->a, 64) < 0 || hmap_init(&c->result_sets, ev->a, 64) < 0)
        return ev_oom(ev);

    switch (c->op) {
    case BIN_AND:
    case BIN_OR:
    case BIN_UNLESS: return range_eval(ev, args, 2, set_op_step, c, out);
    default: return range_eval(ev, args, 2, vector_binop_step, c, out);
    }
}

int eval_binary(evaluator *ev, const ast_node *n, ev_value *out)
{
    ev_value args[2];
    if (ev_eval(ev, n->u.binary.lhs, &args[0]) < 0) return -1;
    if (ev_eval(ev, n->u.binary.rhs, &args[1]) < 0) return -1;
    value_type lt = args[0].type, rt = args[1].type;
    if (lt == VALUE_TYPE_SCALAR && rt == VALUE_TYPE_SCALAR)
        return binary_scalars(ev, n, &args[0], &args[1], out);
    if (lt == VALUE_TYPE_VECTOR && rt == VALUE_TYPE_VECTOR) return binary_vectors(ev, n, args, out);
    if ((lt == VALUE_TYPE_VECTOR && rt == VALUE_TYPE_SCALAR) ||
        (lt == VALUE_TYPE_SCALAR && rt == VALUE_TYPE_VECTOR)) {
        vs_ctx *c = ARENA_NEW(ev->a, vs_ctx);
        if (!c) return ev_oom(ev);
        c->op = n->u.binary.op;
        c->swap = lt == VALUE_TYPE_SCALAR;
        c->return_bool = n->u.binary.return_bool;
        c->vec_arg = c->swap ? 1 : 0;
        size_t nser = args[c->vec_arg].nser;
        c->dropped = ARENA_NEW_ARRAY(ev->a, const labels *, nser ? nser : 1);
        if (!c->dropped) return ev_oom(ev);
        return range_eval(ev, args, 2, vector_scalar_step, c, out);
    }
    return ev_fail(ev, SLOEVAL_EEXEC, "binary operator between incompatible operand types");
}
