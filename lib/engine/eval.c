/*
 * The evaluator's core: preparation (support check, selection of every
 * selector's samples), the step loop (rangeEval), selectors, subqueries,
 * unary operators and literals, and the conversion of the final value.
 * See eval.h for the design.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "engine/kernels.h"
#include "util/error.h"

#define MAX_DEPTH 400

/* ---- errors and notes --------------------------------------------------- */

int ev_fail(evaluator *ev, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(ev->err, code, fmt, ap);
    va_end(ap);
    return code;
}

int ev_oom(evaluator *ev)
{
    return ev_fail(ev, SLOEVAL_ENOMEM, "out of memory during evaluation");
}

int ev_unsupported(evaluator *ev, const ast_node *n, const char *what)
{
    int line, col;
    error_line_col(ev->text, ev->text_len, n->pos.start, &line, &col);
    return error_set_at(ev->err, SLOEVAL_EUNSUPPORTED, ev->text, ev->text_len, n->pos.start,
                        n->pos.end, "not supported for local evaluation: %s at %d:%d", what, line,
                        col);
}

static int push_note(evaluator *ev, char ***arr, size_t *n, size_t *cap, const char *s)
{
    /* Prometheus keeps annotations in a set: each text once. */
    for (size_t i = 0; i < *n; i++)
        if (!strcmp((*arr)[i], s)) return 0;
    if (arena_grow(ev->a, (void **)arr, cap, *n + 1, sizeof(char *)) < 0) return ev_oom(ev);
    char *copy = arena_strdup(ev->a, s);
    if (!copy) return ev_oom(ev);
    (*arr)[(*n)++] = copy;
    return 0;
}

int ev_annotate(evaluator *ev, bool warn, const ast_node *n, const char *fmt, ...)
{
    if (!ev->notes) return 0;
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    if (k < 0) return 0;
    size_t len = strlen(msg);
    if (n) {
        int line, col;
        error_line_col(ev->text, ev->text_len, n->pos.start, &line, &col);
        snprintf(msg + len, sizeof(msg) - len, " (%d:%d)", line, col);
    }
    eval_notes *no = ev->notes;
    if (warn) return push_note(ev, &no->warnings, &no->nwarnings, &no->capwarnings, msg);
    return push_note(ev, &no->infos, &no->ninfos, &no->capinfos, msg);
}

int ev_add_samples(evaluator *ev, size_t n)
{
    ev->cur_samples += n;
    if (ev->opts.max_samples && ev->cur_samples > ev->opts.max_samples)
        return ev_fail(ev, SLOEVAL_ELIMIT,
                       "query processing would load too many samples into memory in query "
                       "execution");
    return 0;
}

/* ---- label helpers -------------------------------------------------------- */

static bool is_metadata_label(strv name, sloeval_compat compat)
{
    if (strv_eq(name, STRV_LIT(METRIC_NAME_LABEL))) return true;
    if (compat == SLOEVAL_COMPAT_V2) return false;
    return strv_eq(name, STRV_LIT("__type__")) || strv_eq(name, STRV_LIT("__unit__"));
}

bool ev_label_name_valid(const evaluator *ev, strv name)
{
    if (ev->compat == SLOEVAL_COMPAT_V2) return label_name_is_legacy(name);
    return name.len > 0 && utf8_valid(name.ptr, name.len);
}

const labels *ev_drop_metadata(evaluator *ev, const labels *ls)
{
    if (ev->compat == SLOEVAL_COMPAT_V2) return labels_drop_name(ev->a, ls);
    bool any = false;
    for (size_t i = 0; i < ls->count && !any; i++)
        any = is_metadata_label(ls->pairs[i].name, ev->compat);
    if (!any) return ls;
    static const strv meta[] = {{"__type__", 8}, {"__unit__", 8}};
    return labels_drop(ev->a, ls, meta, 2, true);
}

int ev_drop_name_el(evaluator *ev, vec_el *el)
{
    if (ev->opts.delayed_name_removal) {
        el->drop_name = true;
        return 0;
    }
    el->ls = ev_drop_metadata(ev, el->ls);
    return el->ls ? 0 : ev_oom(ev);
}

bool vec_has_dup_labels(evaluator *ev, const step_vec *v)
{
    if (v->n < 2) return false;
    if (v->n < 16) {
        for (size_t i = 0; i < v->n; i++)
            for (size_t j = i + 1; j < v->n; j++)
                if (v->el[i].ls->hash == v->el[j].ls->hash &&
                    labels_equal(v->el[i].ls, v->el[j].ls))
                    return true;
        return false;
    }
    hmap m;
    if (hmap_init(&m, ev->a, v->n) < 0) return false;
    for (size_t i = 0; i < v->n; i++) {
        uint64_t h = v->el[i].ls->hash;
        size_t pos = HMAP_START;
        int32_t j;
        while ((j = hmap_next(&m, h, &pos)) >= 0)
            if (labels_equal(v->el[j].ls, v->el[i].ls)) return true;
        if (hmap_put(&m, h, (int32_t)i) < 0) return false;
    }
    return false;
}

static int cmp_series(const void *a, const void *b)
{
    return labels_compare(((const step_series *)a)->ls, ((const step_series *)b)->ls);
}

void sort_series(step_series *s, size_t n)
{
    if (n > 1) qsort(s, n, sizeof(*s), cmp_series);
}

/* ---- vectors ---------------------------------------------------------------- */

int vec_push(evaluator *ev, step_vec *v, const labels *ls, double val, int32_t src, bool drop)
{
    if (v->n == v->cap && arena_grow(ev->a, (void **)&v->el, &v->cap, v->n + 1, sizeof(vec_el)) < 0)
        return ev_oom(ev);
    v->el[v->n++] = (vec_el){ls, val, src, drop, 0};
    return 0;
}

int gather_step(evaluator *ev, const ev_value *in, size_t *cur, int64_t ts, step_vec *out)
{
    out->n = 0;
    for (size_t i = 0; i < in->nser; i++) {
        const step_series *s = &in->ser[i];
        size_t c = cur[i];
        while (c < s->n && s->pts[c].t < ts)
            c++;
        if (c < s->n && s->pts[c].t == ts) {
            if (vec_push(ev, out, s->ls, s->pts[c].v, (int32_t)i, s->drop_name) < 0) return -1;
            out->el[out->n - 1].t = ts; /* points of an evaluated expression carry the step time */
            c++;
        }
        cur[i] = c;
    }
    return 0;
}

/* ---- the step loop (rangeEval) -------------------------------------------- */

int collect_point(evaluator *ev, collector *c, const vec_el *el, int64_t ts)
{
    uint64_t h = el->ls->hash;
    size_t pos = HMAP_START;
    int32_t j;
    while ((j = hmap_next(&c->index, h, &pos)) >= 0)
        if (labels_equal(c->ser[j].ls, el->ls)) break;
    if (j < 0) {
        if (c->n == c->cap) {
            size_t oldcap = c->cap;
            if (arena_grow(ev->a, (void **)&c->ser, &c->cap, c->n + 1, sizeof(step_series)) < 0)
                return ev_oom(ev);
            size_t cp = oldcap;
            if (arena_grow(ev->a, (void **)&c->cap_pts, &cp, c->cap, sizeof(size_t)) < 0)
                return ev_oom(ev);
            cp = oldcap;
            if (arena_grow(ev->a, (void **)&c->last_ts, &cp, c->cap, sizeof(int64_t)) < 0)
                return ev_oom(ev);
        }
        j = (int32_t)c->n++;
        c->ser[j] = (step_series){el->ls, NULL, 0, el->drop_name};
        c->cap_pts[j] = 0;
        c->last_ts[j] = INT64_MIN;
        if (hmap_put(&c->index, h, j) < 0) return ev_oom(ev);
    } else if (c->last_ts[j] == ts) {
        return ev_fail(ev, SLOEVAL_EEXEC, "vector cannot contain metrics with the same labelset");
    }
    step_series *s = &c->ser[j];
    if (s->n == c->cap_pts[j] &&
        arena_grow(ev->a, (void **)&s->pts, &c->cap_pts[j], s->n + 1, sizeof(sample)) < 0)
        return ev_oom(ev);
    s->pts[s->n++] = (sample){ts, el->v};
    if (el->drop_name) s->drop_name = true;
    c->last_ts[j] = ts;
    return 0;
}

int range_eval(evaluator *ev, const ev_value *args, size_t nargs, step_fn fn, void *ctx,
               ev_value *out)
{
    step_vec *in = ARENA_NEW_ARRAY(ev->a, step_vec, nargs ? nargs : 1);
    size_t **cur = ARENA_NEW_ARRAY(ev->a, size_t *, nargs ? nargs : 1);
    if (!in || !cur) return ev_oom(ev);
    for (size_t i = 0; i < nargs; i++) {
        if (args[i].type == VALUE_TYPE_VECTOR) {
            cur[i] = ARENA_NEW_ARRAY(ev->a, size_t, args[i].nser ? args[i].nser : 1);
            if (!cur[i]) return ev_oom(ev);
        } else if (args[i].type == VALUE_TYPE_SCALAR) {
            in[i].el = ARENA_NEW(ev->a, vec_el);
            if (!in[i].el) return ev_oom(ev);
            in[i].cap = 1;
        }
    }
    step_vec res = {0};
    collector col = {0};
    bool single = ev->nsteps == 1;
    if (!single && hmap_init(&col.index, ev->a, 64) < 0) return ev_oom(ev);

    *out = (ev_value){.type = VALUE_TYPE_VECTOR};
    for (size_t k = 0; k < ev->nsteps; k++) {
        int64_t ts = ev_step_ts(ev, k);
        for (size_t i = 0; i < nargs; i++) {
            if (args[i].type == VALUE_TYPE_VECTOR) {
                if (gather_step(ev, &args[i], cur[i], ts, &in[i]) < 0) return -1;
            } else if (args[i].type == VALUE_TYPE_SCALAR) {
                in[i].n = 1;
                in[i].el[0] = (vec_el){labels_empty(), args[i].scalar[k], -1, false, 0};
            } else {
                in[i].n = 0;
            }
        }
        res.n = 0;
        int rc = fn(ev, ctx, ts, k, in, &res);
        if (rc < 0) return rc;
        if (single) {
            if (!ev->opts.delayed_name_removal && vec_has_dup_labels(ev, &res))
                return ev_fail(ev, SLOEVAL_EEXEC,
                               "vector cannot contain metrics with the same labelset");
            step_series *ser = ARENA_NEW_ARRAY(ev->a, step_series, res.n ? res.n : 1);
            sample *pts = ARENA_NEW_ARRAY(ev->a, sample, res.n ? res.n : 1);
            if (!ser || !pts) return ev_oom(ev);
            for (size_t j = 0; j < res.n; j++) {
                pts[j] = (sample){ts, res.el[j].v};
                ser[j] = (step_series){res.el[j].ls, &pts[j], 1, res.el[j].drop_name};
            }
            out->ser = ser;
            out->nser = res.n;
            return ev_add_samples(ev, res.n);
        }
        if (ev->compat == SLOEVAL_COMPAT_V2 && vec_has_dup_labels(ev, &res))
            return ev_fail(ev, SLOEVAL_EEXEC,
                           "vector cannot contain metrics with the same labelset");
        for (size_t j = 0; j < res.n; j++)
            if (collect_point(ev, &col, &res.el[j], ts) < 0) return -1;
        if (ev_add_samples(ev, res.n) < 0) return -1;
    }
    out->ser = col.ser;
    out->nser = col.n;
    return 0;
}

/* ---- selectors ---------------------------------------------------------------- */

sel_data *ev_selector(evaluator *ev, const ast_node *vs)
{
    uint64_t h = (uint64_t)(uintptr_t)vs * 0x9e3779b97f4a7c15ULL;
    size_t pos = HMAP_START;
    int32_t j;
    while ((j = hmap_next(&ev->selmap, h, &pos)) >= 0)
        if (ev->sels[j].node == vs) return &ev->sels[j];
    return NULL;
}

const sample *ev_window_clean(evaluator *ev, const sample *s, size_t n, size_t *out_n,
                              sample **scratch, size_t *cap)
{
    uint64_t stale = 0;
    for (size_t i = 0; i < n; i++) {
        uint64_t bits;
        memcpy(&bits, &s[i].v, sizeof bits);
        stale |= bits == STALE_NAN_BITS;
    }
    if (stale == 0) {
        *out_n = n;
        return s;
    }
    if (n > *cap) {
        size_t c = *cap;
        if (arena_grow(ev->a, (void **)scratch, &c, n, sizeof(sample)) < 0) {
            ev_oom(ev);
            return NULL;
        }
        *cap = c;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        if (!value_is_stale(s[i].v)) (*scratch)[m++] = s[i];
    *out_n = m;
    return *scratch;
}

bool ev_at_time(const evaluator *ev, at_kind at, int64_t at_ms, int64_t *t)
{
    switch (at) {
    case AT_TIMESTAMP: *t = at_ms; return true;
    case AT_START: *t = ev->query_start; return true;
    case AT_END: *t = ev->query_end; return true;
    default: return false;
    }
}

/* An instant-vector selector over the steps. */
static int eval_vector_selector(evaluator *ev, const ast_node *n, ev_value *out)
{
    sel_data *sd = ev_selector(ev, n);
    if (!sd) return ev_fail(ev, SLOEVAL_EINVAL, "internal error: selector was not prepared");
    int64_t at;
    bool has_at = ev_at_time(ev, n->u.vector_selector.at, n->u.vector_selector.at_ms, &at);
    int64_t offset = n->u.vector_selector.offset_ms;
    *out = (ev_value){.type = VALUE_TYPE_VECTOR};
    out->ser = ARENA_NEW_ARRAY(ev->a, step_series, sd->nser ? sd->nser : 1);
    /* An instant evaluation takes one point per series: one block. */
    sample *block = ev->nsteps == 1 ? arena_alloc(ev->a, (sd->nser + 1) * sizeof(sample)) : NULL;
    if (!out->ser || (ev->nsteps == 1 && !block)) return ev_oom(ev);
    size_t total = 0;
    for (size_t i = 0; i < sd->nser; i++) {
        const series *s = &sd->ser[i];
        sample *pts = NULL;
        size_t np = 0;
        for (size_t k = 0; k < ev->nsteps; k++) {
            int64_t ts = ev_step_ts(ev, k);
            int64_t ref = (has_at ? at : ts) - offset;
            ptrdiff_t idx =
                instant_lookup(s->samples, s->count, ref, ev->opts.lookback_ms, ev->compat);
            if (idx < 0) continue;
            if (!pts) {
                pts = ev->nsteps == 1 ? &block[i] : ARENA_NEW_ARRAY(ev->a, sample, ev->nsteps - k);
                if (!pts) return ev_oom(ev);
            }
            pts[np++] = (sample){ts, s->samples[idx].v};
        }
        if (np) {
            out->ser[out->nser++] = (step_series){s->labels, pts, np, false};
            total += np;
        }
    }
    return ev_add_samples(ev, total);
}

/* A range selector at an instant: its raw samples. */
static int eval_matrix_selector(evaluator *ev, const ast_node *n, ev_value *out)
{
    const ast_node *vs = n->u.matrix_selector.vector_selector;
    sel_data *sd = ev_selector(ev, vs);
    if (!sd) return ev_fail(ev, SLOEVAL_EINVAL, "internal error: selector was not prepared");
    if (ev->nsteps != 1)
        return ev_fail(ev, SLOEVAL_EEXEC, "cannot do range evaluation of matrix selector");
    int64_t at;
    int64_t t =
        ev_at_time(ev, vs->u.vector_selector.at, vs->u.vector_selector.at_ms, &at) ? at : ev->start;
    int64_t maxt = t - vs->u.vector_selector.offset_ms;
    int64_t mint = maxt - n->u.matrix_selector.range_ms;
    *out = (ev_value){.type = VALUE_TYPE_MATRIX};
    out->ser = ARENA_NEW_ARRAY(ev->a, step_series, sd->nser ? sd->nser : 1);
    if (!out->ser) return ev_oom(ev);
    size_t total = 0;
    for (size_t i = 0; i < sd->nser; i++) {
        const series *sr = &sd->ser[i];
        size_t lo, hi, cnt;
        window_find(sr->samples, sr->count, mint, maxt, ev->compat, &lo, &hi);
        if (ev->compat != SLOEVAL_COMPAT_V2 && mint == maxt) lo = hi;
        sample *copy = NULL;
        size_t cap = 0;
        const sample *w = ev_window_clean(ev, sr->samples + lo, hi - lo, &cnt, &copy, &cap);
        if (!w) return -1;
        if (cnt == 0) continue;
        out->ser[out->nser++] = (step_series){sr->labels, (sample *)(uintptr_t)w, cnt, false};
        total += cnt;
    }
    return ev_add_samples(ev, total);
}

/* ---- subqueries ------------------------------------------------------------------ */

/* Floor-free alignment as Prometheus writes it: Go's integer division
 * truncates toward zero. */
static int64_t go_div(int64_t a, int64_t b)
{
    return a / b; /* C99 also truncates toward zero */
}

int ev_subquery_matrix(evaluator *ev, const ast_node *sq, ev_value *out)
{
    int64_t range = sq->u.subquery.range_ms;
    int64_t step = sq->u.subquery.step_ms ? sq->u.subquery.step_ms : ev->opts.subquery_step_ms;
    int64_t offset = sq->u.subquery.offset_ms;
    int64_t at;
    bool has_at = ev_at_time(ev, sq->u.subquery.at, sq->u.subquery.at_ms, &at);
    /* With @ the subquery is step invariant: evaluated once, ending at
     * the @ time (minus its offset). */
    int64_t pstart = has_at ? at : ev->start;
    int64_t pend = has_at ? at : ev->end;
    if (!has_at && ev->compat != SLOEVAL_COMPAT_V2 && ev->interval > 0)
        pend = ev->start + ((ev->end - ev->start) / ev->interval) * ev->interval;
    if (step <= 0) return ev_fail(ev, SLOEVAL_EEXEC, "subquery step must be positive");
    int64_t base = pstart - offset - range;
    int64_t sstart = step * go_div(base, step);
    if (ev->compat == SLOEVAL_COMPAT_V2 ? sstart < base : sstart <= base) sstart += step;
    int64_t send = pend - offset;

    evaluator saved = *ev;
    ev->start = sstart;
    ev->end = send;
    ev->interval = step;
    *out = (ev_value){.type = VALUE_TYPE_MATRIX};
    if (send < sstart) {
        ev->start = saved.start;
        ev->end = saved.end;
        ev->interval = saved.interval;
        ev->nsteps = saved.nsteps;
        return 0;
    }
    ev->nsteps = (size_t)((send - sstart) / step) + 1;
    if (ev->nsteps > 11000000) {
        ev->start = saved.start;
        ev->end = saved.end;
        ev->interval = saved.interval;
        ev->nsteps = saved.nsteps;
        return ev_fail(ev, SLOEVAL_ELIMIT, "subquery resolution too fine: %zu steps",
                       (size_t)((send - sstart) / step) + 1);
    }
    ev_value inner;
    int rc = ev_eval(ev, sq->u.subquery.expr, &inner);
    size_t inner_steps = ev->nsteps;
    int64_t inner_start = ev->start;
    ev->start = saved.start;
    ev->end = saved.end;
    ev->interval = saved.interval;
    ev->nsteps = saved.nsteps;
    if (rc < 0) return rc;
    if (inner.type == VALUE_TYPE_SCALAR) {
        /* A scalar subquery: one series without labels, a point per step. */
        out->ser = ARENA_NEW(ev->a, step_series);
        sample *pts = ARENA_NEW_ARRAY(ev->a, sample, inner_steps);
        if (!out->ser || !pts) return ev_oom(ev);
        for (size_t k = 0; k < inner_steps; k++)
            pts[k] = (sample){inner_start + (int64_t)k * step, inner.scalar[k]};
        out->ser[0] = (step_series){labels_empty(), pts, inner_steps, false};
        out->nser = 1;
        return 0;
    }
    out->ser = inner.ser;
    out->nser = inner.nser;
    return 0;
}

/* ---- unary minus ---------------------------------------------------------------- */

static int eval_unary(evaluator *ev, const ast_node *n, ev_value *out)
{
    if (ev_eval(ev, n->u.unary.expr, out) < 0) return -1;
    if (n->u.unary.op != UNARY_MINUS) return 0;
    if (out->type == VALUE_TYPE_SCALAR) {
        double *v = ARENA_NEW_ARRAY(ev->a, double, ev->nsteps);
        if (!v) return ev_oom(ev);
        for (size_t k = 0; k < ev->nsteps; k++)
            v[k] = -out->scalar[k];
        out->scalar = v;
        return 0;
    }
    step_series *ser = ARENA_NEW_ARRAY(ev->a, step_series, out->nser ? out->nser : 1);
    if (!ser) return ev_oom(ev);
    for (size_t i = 0; i < out->nser; i++) {
        step_series s = out->ser[i];
        sample *pts = ARENA_NEW_ARRAY(ev->a, sample, s.n ? s.n : 1);
        if (!pts) return ev_oom(ev);
        for (size_t j = 0; j < s.n; j++)
            pts[j] = (sample){s.pts[j].t, -s.pts[j].v};
        s.pts = pts;
        if (ev->opts.delayed_name_removal) {
            s.drop_name = true;
        } else {
            s.ls = ev_drop_metadata(ev, s.ls);
            if (!s.ls) return ev_oom(ev);
        }
        ser[i] = s;
    }
    out->ser = ser;
    if (ev->opts.delayed_name_removal) return 0;
    /* Series that became equal: an error on 2.x; 3.x merges them unless
     * they have points at the same time. */
    return ev_merge_same_labels(ev, out, ev->compat == SLOEVAL_COMPAT_V2);
}

static int cmp_sample_t(const void *a, const void *b)
{
    int64_t x = ((const sample *)a)->t, y = ((const sample *)b)->t;
    return x < y ? -1 : x > y;
}

int ev_merge_same_labels(evaluator *ev, ev_value *v, bool any_dup_is_error)
{
    if (v->nser < 2) return 0;
    hmap m;
    if (hmap_init(&m, ev->a, v->nser) < 0) return ev_oom(ev);
    int32_t *first = ARENA_NEW_ARRAY(ev->a, int32_t, v->nser);
    if (!first) return ev_oom(ev);
    bool any = false;
    for (size_t i = 0; i < v->nser; i++) {
        uint64_t h = v->ser[i].ls->hash;
        size_t pos = HMAP_START;
        int32_t j;
        while ((j = hmap_next(&m, h, &pos)) >= 0)
            if (labels_equal(v->ser[j].ls, v->ser[i].ls)) break;
        if (j >= 0) {
            if (any_dup_is_error)
                return ev_fail(ev, SLOEVAL_EEXEC,
                               "vector cannot contain metrics with the same labelset");
            first[i] = j;
            any = true;
        } else {
            first[i] = (int32_t)i;
            if (hmap_put(&m, h, (int32_t)i) < 0) return ev_oom(ev);
        }
    }
    if (!any) return 0;
    /* Merge every series into the first with its labels. */
    size_t *total = ARENA_NEW_ARRAY(ev->a, size_t, v->nser);
    if (!total) return ev_oom(ev);
    for (size_t i = 0; i < v->nser; i++)
        total[first[i]] += v->ser[i].n;
    step_series *res = ARENA_NEW_ARRAY(ev->a, step_series, v->nser);
    int32_t *slot = ARENA_NEW_ARRAY(ev->a, int32_t, v->nser);
    if (!res || !slot) return ev_oom(ev);
    size_t nres = 0;
    for (size_t i = 0; i < v->nser; i++) {
        if (first[i] != (int32_t)i) continue;
        slot[i] = (int32_t)nres;
        res[nres] = v->ser[i];
        if (total[i] != v->ser[i].n) {
            sample *pts = ARENA_NEW_ARRAY(ev->a, sample, total[i]);
            if (!pts) return ev_oom(ev);
            memcpy(pts, v->ser[i].pts, v->ser[i].n * sizeof(sample));
            res[nres].pts = pts;
        }
        nres++;
    }
    for (size_t i = 0; i < v->nser; i++) {
        if (first[i] == (int32_t)i) continue;
        step_series *r = &res[slot[first[i]]];
        memcpy(r->pts + r->n, v->ser[i].pts, v->ser[i].n * sizeof(sample));
        r->n += v->ser[i].n;
        if (v->ser[i].drop_name) r->drop_name = true;
    }
    for (size_t i = 0; i < nres; i++) {
        step_series *r = &res[i];
        qsort(r->pts, r->n, sizeof(sample), cmp_sample_t);
        for (size_t a = 1; a < r->n; a++)
            if (r->pts[a].t == r->pts[a - 1].t)
                return ev_fail(ev, SLOEVAL_EEXEC,
                               "vector cannot contain metrics with the same labelset");
    }
    v->ser = res;
    v->nser = nres;
    return 0;
}

/* ---- overrides ------------------------------------------------------------------ */

static const value *find_override(const eval_override *ov, size_t nov, const ast_node *n)
{
    for (size_t i = 0; i < nov; i++)
        if (ov[i].node == n) return ov[i].val;
    return NULL;
}

/* A value computed elsewhere, as the step matrix of node n (copied: the
 * evaluator may change what it holds). */
static int eval_override_value(evaluator *ev, const ast_node *n, const value *v, ev_value *out)
{
    value_type type = ast_node_type(n);
    if (type == VALUE_TYPE_SCALAR) {
        double *s = ARENA_NEW_ARRAY(ev->a, double, ev->nsteps);
        if (!s) return ev_oom(ev);
        for (size_t k = 0; k < ev->nsteps; k++)
            s[k] = NAN;
        if (v->kind == VALUE_SCALAR && ev->nsteps == 1) {
            s[0] = v->u.scalar;
        } else if (v->kind == VALUE_MATRIX && v->u.matrix.count == 1) {
            const series *sr = &v->u.matrix.items[0];
            for (size_t j = 0; j < sr->count; j++) {
                int64_t d = sr->samples[j].t - ev->start;
                if (d < 0 || d % ev->interval || (size_t)(d / ev->interval) >= ev->nsteps)
                    return ev_fail(ev, SLOEVAL_EINVAL, "a precomputed scalar is not at the steps");
                s[d / ev->interval] = sr->samples[j].v;
            }
        } else {
            return ev_fail(ev, SLOEVAL_EINVAL, "a precomputed value is not a scalar");
        }
        *out = (ev_value){.type = VALUE_TYPE_SCALAR, .scalar = s};
        return 0;
    }
    if (type != VALUE_TYPE_VECTOR)
        return ev_fail(ev, SLOEVAL_EINVAL, "only scalars and instant vectors can be precomputed");
    *out = (ev_value){.type = VALUE_TYPE_VECTOR};
    size_t total = 0;
    if (v->kind == VALUE_VECTOR && ev->nsteps == 1) {
        const vector *vec = &v->u.vector;
        out->ser = ARENA_NEW_ARRAY(ev->a, step_series, vec->count ? vec->count : 1);
        sample *pts = ARENA_NEW_ARRAY(ev->a, sample, vec->count ? vec->count : 1);
        if (!out->ser || !pts) return ev_oom(ev);
        for (size_t i = 0; i < vec->count; i++) {
            pts[i] = (sample){ev->start, vec->items[i].v};
            out->ser[out->nser++] = (step_series){vec->items[i].labels, &pts[i], 1, false};
        }
        total = vec->count;
    } else if (v->kind == VALUE_MATRIX) {
        const matrix *m = &v->u.matrix;
        out->ser = ARENA_NEW_ARRAY(ev->a, step_series, m->count ? m->count : 1);
        if (!out->ser) return ev_oom(ev);
        for (size_t i = 0; i < m->count; i++) {
            const series *sr = &m->items[i];
            if (!sr->count) continue;
            sample *pts = arena_memdup(ev->a, sr->samples, sr->count * sizeof(sample));
            if (!pts) return ev_oom(ev);
            for (size_t j = 0; j < sr->count; j++) {
                int64_t d = pts[j].t - ev->start;
                if (d < 0 || d % ev->interval || (size_t)(d / ev->interval) >= ev->nsteps ||
                    (j && pts[j].t <= pts[j - 1].t))
                    return ev_fail(ev, SLOEVAL_EINVAL,
                                   "a precomputed series has points off the steps");
            }
            out->ser[out->nser++] = (step_series){sr->labels, pts, sr->count, false};
            total += sr->count;
        }
    } else {
        return ev_fail(ev, SLOEVAL_EINVAL, "a precomputed value does not fit the evaluation");
    }
    return ev_add_samples(ev, total);
}

/* ---- dispatch ------------------------------------------------------------------- */

int ev_eval(evaluator *ev, const ast_node *n, ev_value *out)
{
    if (++ev->depth > MAX_DEPTH) {
        ev->depth--;
        return ev_fail(ev, SLOEVAL_ELIMIT, "expression nested too deeply to evaluate");
    }
    int rc = 0;
    const value *ov = find_override(ev->ov, ev->nov, n);
    if (ov) {
        rc = eval_override_value(ev, n, ov, out);
        ev->depth--;
        return rc < 0 ? (ev->err && ev->err->code ? ev->err->code : rc) : 0;
    }
    switch (n->kind) {
    case AST_NUMBER: {
        double *v = ARENA_NEW_ARRAY(ev->a, double, ev->nsteps);
        if (!v) {
            rc = ev_oom(ev);
            break;
        }
        for (size_t k = 0; k < ev->nsteps; k++)
            v[k] = n->u.number.value;
        *out = (ev_value){.type = VALUE_TYPE_SCALAR, .scalar = v};
        break;
    }
    case AST_STRING: *out = (ev_value){.type = VALUE_TYPE_STRING, .str = n->u.string.value}; break;
    case AST_PAREN: rc = ev_eval(ev, n->u.paren.expr, out); break;
    case AST_UNARY: rc = eval_unary(ev, n, out); break;
    case AST_VECTOR_SELECTOR: rc = eval_vector_selector(ev, n, out); break;
    case AST_MATRIX_SELECTOR: rc = eval_matrix_selector(ev, n, out); break;
    case AST_SUBQUERY:
        if (ev->nsteps != 1) {
            rc = ev_fail(ev, SLOEVAL_EEXEC, "cannot do range evaluation of a subquery");
            break;
        }
        rc = ev_subquery_matrix(ev, n, out);
        if (rc == 0) out->type = VALUE_TYPE_MATRIX;
        break;
    case AST_CALL: rc = eval_call(ev, n, out); break;
    case AST_AGGREGATE: rc = eval_aggregate(ev, n, out); break;
    case AST_BINARY: rc = eval_binary(ev, n, out); break;
    default: rc = ev_unsupported(ev, n, "this kind of expression"); break;
    }
    ev->depth--;
    return rc < 0 ? (ev->err && ev->err->code ? ev->err->code : rc) : 0;
}

/* ---- preparation: support check ----------------------------------------------- */

static const char *agg_unsupported(agg_op op, sloeval_compat compat)
{
    switch (op) {
    case AGG_SUM:
    case AGG_AVG:
    case AGG_COUNT:
    case AGG_MIN:
    case AGG_MAX:
    case AGG_GROUP:
    case AGG_STDDEV:
    case AGG_STDVAR:
    case AGG_TOPK:
    case AGG_BOTTOMK:
    case AGG_QUANTILE:
    case AGG_COUNT_VALUES: return NULL;
    case AGG_LIMITK: return "limitk";
    case AGG_LIMIT_RATIO: return "limit_ratio";
    }
    return "this aggregation";
}

typedef struct check_ctx {
    const char *text;
    size_t len;
    sloeval_compat compat;
    sloeval_error *err;
    const eval_override *ov;
    size_t nov;
} check_ctx;

static int check_fail(check_ctx *c, const ast_node *n, const char *what)
{
    int line, col;
    error_line_col(c->text, c->len, n->pos.start, &line, &col);
    return error_set_at(c->err, SLOEVAL_EUNSUPPORTED, c->text, c->len, n->pos.start, n->pos.end,
                        "not supported for local evaluation: %s at %d:%d", what, line, col);
}

static int check_node(check_ctx *c, const ast_node *n, int depth)
{
    if (!n) return 0;
    if (depth > MAX_DEPTH) return check_fail(c, n, "expression nesting this deep");
    if (c->nov && find_override(c->ov, c->nov, n)) return 0;
    switch (n->kind) {
    case AST_NUMBER:
    case AST_STRING:
    case AST_VECTOR_SELECTOR: return 0;
    case AST_MATRIX_SELECTOR: return check_node(c, n->u.matrix_selector.vector_selector, depth + 1);
    case AST_SUBQUERY: return check_node(c, n->u.subquery.expr, depth + 1);
    case AST_PAREN: return check_node(c, n->u.paren.expr, depth + 1);
    case AST_UNARY: return check_node(c, n->u.unary.expr, depth + 1);
    case AST_CALL: {
        const char *what = call_unsupported(n, c->compat);
        if (what) return check_fail(c, n, what);
        for (size_t i = 0; i < n->u.call.nargs; i++)
            if (check_node(c, n->u.call.args[i], depth + 1) < 0) return -1;
        return 0;
    }
    case AST_AGGREGATE: {
        const char *what = agg_unsupported(n->u.aggregate.op, c->compat);
        if (what) return check_fail(c, n, what);
        if (check_node(c, n->u.aggregate.param, depth + 1) < 0) return -1;
        return check_node(c, n->u.aggregate.expr, depth + 1);
    }
    case AST_BINARY:
        if (n->u.binary.op == BIN_TRIM_UPPER || n->u.binary.op == BIN_TRIM_LOWER)
            return check_fail(c, n, n->u.binary.op == BIN_TRIM_UPPER ? "</" : ">/");
        if (check_node(c, n->u.binary.lhs, depth + 1) < 0) return -1;
        return check_node(c, n->u.binary.rhs, depth + 1);
    }
    return check_fail(c, n, "this kind of expression");
}

int eval_check_supported(const ast_node *root, sloeval_compat compat, const char *text, size_t len,
                         sloeval_error *err)
{
    return eval_check_supported_except(root, compat, text, len, NULL, 0, err);
}

int eval_check_supported_except(const ast_node *root, sloeval_compat compat, const char *text,
                                size_t len, const eval_override *ov, size_t nov, sloeval_error *err)
{
    check_ctx c = {text ? text : "", text ? len : 0, compat, err, ov, nov};
    return check_node(&c, root, 0) < 0 ? SLOEVAL_EUNSUPPORTED : 0;
}

/* ---- preparation: selecting the data ------------------------------------------- */

/* The subquery context of a node's path (Prometheus's subqueryTimes). */
typedef struct path_ctx {
    int64_t subq_offset;
    int64_t subq_range;
    bool has_at;
    int64_t at;
} path_ctx;

static int cmp_series_model(const void *a, const void *b)
{
    return labels_compare(((const series *)a)->labels, ((const series *)b)->labels);
}

static int select_for(evaluator *ev, const ast_node *vs, const path_ctx *p, int64_t eval_range)
{
    int64_t start = ev->query_start, end = ev->query_end;
    if (p->has_at) start = end = p->at;
    int64_t at;
    if (ev_at_time(ev, vs->u.vector_selector.at, vs->u.vector_selector.at_ms, &at)) {
        start = end = at;
    } else {
        start -= p->subq_offset + p->subq_range;
        end -= p->subq_offset;
    }
    /* Both bounds inclusive: the engine applies the exact window rules,
     * so select the 2.x (closed) superset. */
    start -= eval_range ? eval_range : ev->opts.lookback_ms;
    start -= vs->u.vector_selector.offset_ms;
    end -= vs->u.vector_selector.offset_ms;

    if (ev->nsels % 16 == 0) {
        size_t cap = ev->nsels;
        if (arena_grow(ev->a, (void **)&ev->sels, &cap, ev->nsels + 16, sizeof(sel_data)) < 0)
            return ev_oom(ev);
    }
    matrix m = {0};
    source_series_info *info = NULL;
    const source_vtable *vt = ev->src->vt;
    int rc = vt->select_info ? vt->select_info(ev->src, vs->u.vector_selector.matchers,
                                               vs->u.vector_selector.nmatchers, start, end, ev->a,
                                               &m, &info, &ev->snotes, ev->err)
                             : vt->select(ev->src, vs->u.vector_selector.matchers,
                                          vs->u.vector_selector.nmatchers, start, end, ev->a, &m,
                                          &ev->snotes, ev->err);
    if (rc < 0) return rc;
    /* Storage order: sorted by labels (select_info's answers are, by
     * construction). */
    bool sorted = true;
    if (!vt->select_info)
        for (size_t i = 1; i < m.count && sorted; i++)
            if (labels_compare(m.items[i - 1].labels, m.items[i].labels) > 0) sorted = false;
    if (!sorted) qsort(m.items, m.count, sizeof(series), cmp_series_model);
    /* A __name__="..." matcher: every series has that name (none when
     * it is ""). */
    bool one_name = false;
    for (size_t i = 0; i < vs->u.vector_selector.nmatchers; i++) {
        const label_matcher *lm = &vs->u.vector_selector.matchers[i];
        if (lm->type == MATCH_EQUAL && strv_eq(lm->name, STRV_LIT(METRIC_NAME_LABEL)))
            one_name = true;
    }
    sel_data *sd = &ev->sels[ev->nsels];
    *sd = (sel_data){vs, m.items, m.count, one_name, info};
    uint64_t h = (uint64_t)(uintptr_t)vs * 0x9e3779b97f4a7c15ULL;
    if (hmap_put(&ev->selmap, h, (int32_t)ev->nsels) < 0) return ev_oom(ev);
    ev->nsels++;
    return 0;
}

static int prepare(evaluator *ev, const ast_node *n, path_ctx p, int64_t eval_range, int depth)
{
    if (!n) return 0;
    if (depth > MAX_DEPTH)
        return ev_fail(ev, SLOEVAL_ELIMIT, "expression nested too deeply to evaluate");
    if (find_override(ev->ov, ev->nov, n)) return 0; /* nothing to select */
    switch (n->kind) {
    case AST_VECTOR_SELECTOR: return select_for(ev, n, &p, eval_range);
    case AST_MATRIX_SELECTOR:
        return prepare(ev, n->u.matrix_selector.vector_selector, p, n->u.matrix_selector.range_ms,
                       depth + 1);
    case AST_SUBQUERY: {
        int64_t at;
        if (ev_at_time(ev, n->u.subquery.at, n->u.subquery.at_ms, &at)) {
            p.subq_offset = n->u.subquery.offset_ms;
            p.subq_range = n->u.subquery.range_ms;
            p.has_at = true;
            p.at = at;
        } else {
            p.subq_offset += n->u.subquery.offset_ms;
            p.subq_range += n->u.subquery.range_ms;
        }
        return prepare(ev, n->u.subquery.expr, p, 0, depth + 1);
    }
    case AST_PAREN: return prepare(ev, n->u.paren.expr, p, 0, depth + 1);
    case AST_UNARY: return prepare(ev, n->u.unary.expr, p, 0, depth + 1);
    case AST_CALL:
        for (size_t i = 0; i < n->u.call.nargs; i++)
            if (prepare(ev, n->u.call.args[i], p, 0, depth + 1) < 0) return -1;
        return 0;
    case AST_AGGREGATE:
        if (prepare(ev, n->u.aggregate.param, p, 0, depth + 1) < 0) return -1;
        return prepare(ev, n->u.aggregate.expr, p, 0, depth + 1);
    case AST_BINARY:
        if (prepare(ev, n->u.binary.lhs, p, 0, depth + 1) < 0) return -1;
        return prepare(ev, n->u.binary.rhs, p, 0, depth + 1);
    default: return 0;
    }
}

/* ---- the final value --------------------------------------------------------------- */

/* Delayed name removal: drop flagged names now and check for duplicates. */
static int cleanup_names(evaluator *ev, ev_value *v)
{
    if (!ev->opts.delayed_name_removal) return 0;
    if (v->type != VALUE_TYPE_VECTOR && v->type != VALUE_TYPE_MATRIX) return 0;
    bool any = false;
    for (size_t i = 0; i < v->nser; i++) {
        if (!v->ser[i].drop_name) continue;
        v->ser[i].ls = ev_drop_metadata(ev, v->ser[i].ls);
        if (!v->ser[i].ls) return ev_oom(ev);
        v->ser[i].drop_name = false;
        any = true;
    }
    if (!any) return 0;
    if (ev->nsteps == 1 && v->type == VALUE_TYPE_VECTOR) {
        step_vec tmp = {0};
        for (size_t i = 0; i < v->nser; i++)
            if (vec_push(ev, &tmp, v->ser[i].ls, 0, -1, false) < 0) return -1;
        if (vec_has_dup_labels(ev, &tmp))
            return ev_fail(ev, SLOEVAL_EEXEC,
                           "vector cannot contain metrics with the same labelset");
        return 0;
    }
    /* Range results: merge series that became equal; overlapping points
     * are an error. */
    return ev_merge_same_labels(ev, v, false);
}

static int to_value(evaluator *ev, ev_value *v, bool instant, value *out)
{
    memset(out, 0, sizeof(*out));
    out->t = ev->start;
    switch (v->type) {
    case VALUE_TYPE_STRING:
        out->kind = VALUE_STRING;
        out->u.string = v->str;
        return 0;
    case VALUE_TYPE_SCALAR:
        if (instant) {
            out->kind = VALUE_SCALAR;
            out->u.scalar = v->scalar[0];
            return 0;
        } else {
            sample *pts = ARENA_NEW_ARRAY(ev->a, sample, ev->nsteps);
            if (!pts) return ev_oom(ev);
            for (size_t k = 0; k < ev->nsteps; k++)
                pts[k] = (sample){ev_step_ts(ev, k), v->scalar[k]};
            out->kind = VALUE_MATRIX;
            if (matrix_push(ev->a, &out->u.matrix, labels_empty(), pts, ev->nsteps) < 0)
                return ev_oom(ev);
            return 0;
        }
    case VALUE_TYPE_VECTOR:
        if (cleanup_names(ev, v) < 0) return -1;
        if (instant) {
            out->kind = VALUE_VECTOR;
            if (v->nser && arena_grow(ev->a, (void **)&out->u.vector.items, &out->u.vector.cap,
                                      v->nser, sizeof(vector_elem)) < 0)
                return ev_oom(ev);
            for (size_t i = 0; i < v->nser; i++)
                if (vector_push(ev->a, &out->u.vector, v->ser[i].ls, ev->start,
                                v->ser[i].pts[0].v) < 0)
                    return ev_oom(ev);
            return 0;
        }
        /* fall through - a range result is a matrix sorted by labels */
    case VALUE_TYPE_MATRIX:
        if (v->type == VALUE_TYPE_MATRIX && cleanup_names(ev, v) < 0) return -1;
        sort_series(v->ser, v->nser);
        out->kind = VALUE_MATRIX;
        for (size_t i = 0; i < v->nser; i++)
            if (matrix_push(ev->a, &out->u.matrix, v->ser[i].ls, v->ser[i].pts, v->ser[i].n) < 0)
                return ev_oom(ev);
        return 0;
    default: return ev_fail(ev, SLOEVAL_EINVAL, "internal error: expression without a value");
    }
}

int eval_expr(value *out, arena *a, const eval_opts *opts, sloeval_source *src,
              const ast_node *root, const char *text, size_t len, int64_t start, int64_t end,
              int64_t step, eval_notes *notes, sloeval_error *err)
{
    return eval_expr_overrides(out, a, opts, src, root, text, len, start, end, step, NULL, 0, notes,
                               err);
}

int eval_expr_overrides(value *out, arena *a, const eval_opts *opts, sloeval_source *src,
                        const ast_node *root, const char *text, size_t len, int64_t start,
                        int64_t end, int64_t step, const eval_override *ov, size_t nov,
                        eval_notes *notes, sloeval_error *err)
{
    evaluator ev;
    memset(&ev, 0, sizeof(ev));
    ev.ov = ov;
    ev.nov = nov;
    ev.a = a;
    ev.opts = *opts;
    ev.compat = opts->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    ev.opts.compat = ev.compat;
    if (ev.opts.subquery_step_ms <= 0) ev.opts.subquery_step_ms = 60000;
    if (ev.opts.lookback_ms <= 0) ev.opts.lookback_ms = 300000;
    ev.src = src;
    ev.text = text ? text : "";
    ev.text_len = text ? len : 0;
    ev.notes = notes;
    ev.err = err;
    bool instant = step == 0;
    if (instant && start != end)
        return error_set(err, SLOEVAL_EINVAL, "an instant evaluation needs start == end");
    if (!instant && (step < 0 || end < start))
        return error_set(err, SLOEVAL_EINVAL, "invalid range: end before start or step <= 0");
    ev.start = start;
    ev.end = end;
    ev.interval = instant ? 1 : step;
    ev.nsteps = instant ? 1 : (size_t)((end - start) / step) + 1;
    ev.query_start = start;
    ev.query_end = end;
    ev.query_step = instant ? 0 : step;

    int rc = eval_check_supported_except(root, ev.compat, ev.text, ev.text_len, ov, nov, err);
    if (rc < 0) return rc;
    if (!instant) {
        value_type t = ast_node_type(root);
        if (t != VALUE_TYPE_SCALAR && t != VALUE_TYPE_VECTOR)
            return error_set(err, SLOEVAL_EPARSE,
                             "invalid expression type \"%s\" for range query, must be Scalar or "
                             "instant Vector",
                             value_type_name(t));
    }
    if (hmap_init(&ev.selmap, a, 8) < 0) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    path_ctx p = {0, 0, false, 0};
    rc = prepare(&ev, root, p, 0, 0);
    if (rc < 0) return err && err->code ? err->code : rc;

    ev_value v;
    rc = ev_eval(&ev, root, &v);
    if (rc < 0) return err && err->code ? err->code : rc;
    rc = to_value(&ev, &v, instant, out);
    if (rc < 0) return err && err->code ? err->code : rc;
    return 0;
}
