/*
 * Merging the shards' answers to one subexpression. Each series lives in
 * exactly one shard, so:
 *   - a per-series result over all the data is the shards' results side by
 *     side; two equal label sets from two shards are what Prometheus would
 *     have refused on the whole data set ("vector cannot contain metrics
 *     with the same labelset"), or, for a bare selector, a sign that the
 *     shards overlap: both are errors, never silently summed or dropped;
 *   - sum, count, min, max and group per shard combine by sum, sum, min,
 *     max and 1 per output label set; avg is the merged sum over the merged
 *     count.
 * Outputs are sorted by labels.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan_int.h"
#include "util/error.h"
#include "util/hmap.h"

const char *merge_kind_name(merge_kind k)
{
    switch (k) {
    case MERGE_WHOLE: return "whole";
    case MERGE_UNION: return "union";
    case MERGE_SUM: return "sum";
    case MERGE_MIN: return "min";
    case MERGE_MAX: return "max";
    case MERGE_GROUP: return "group";
    case MERGE_AVG: return "avg";
    }
    return "?";
}

/* ---- sorting ------------------------------------------------------------- */

static int vec_cmp(const void *a, const void *b)
{
    return labels_compare(((const vector_elem *)a)->labels, ((const vector_elem *)b)->labels);
}

static int ser_cmp(const void *a, const void *b)
{
    return labels_compare(((const series *)a)->labels, ((const series *)b)->labels);
}

void sort_vector(vector *v)
{
    if (v->count > 1) qsort(v->items, v->count, sizeof(*v->items), vec_cmp);
}

void sort_matrix(matrix *m)
{
    if (m->count > 1) qsort(m->items, m->count, sizeof(*m->items), ser_cmp);
}

/* ---- a label-set table ---------------------------------------------------- */

/*
 * The index of the label set equal to ls among the items that `get` reads
 * from ctx, indexed by t (label-set hash -> index), or -1.
 */
static int32_t find_labels(const hmap *t, const labels *ls, const labels *(*get)(void *, size_t),
                           void *ctx)
{
    size_t pos = HMAP_START;
    int32_t k;
    while ((k = hmap_next(t, ls->hash, &pos)) >= 0)
        if (labels_equal(get(ctx, (size_t)k), ls)) break;
    return k;
}

static const labels *vec_get(void *ctx, size_t i)
{
    return ((vector *)ctx)->items[i].labels;
}

static const labels *mat_get(void *ctx, size_t i)
{
    return ((matrix *)ctx)->items[i].labels;
}

/* ---- combining values -------------------------------------------------- */

/* Prometheus's min/max: NaN loses to any number; NaN only when all are. */
static double combine(merge_kind k, double acc, double v)
{
    switch (k) {
    case MERGE_SUM:
    case MERGE_AVG: return acc + v;
    case MERGE_MIN: return (acc > v || isnan(acc)) ? v : acc;
    case MERGE_MAX: return (acc < v || isnan(acc)) ? v : acc;
    case MERGE_GROUP: return 1;
    default: return acc;
    }
}

static int dupe_error(sloeval_error *err, const frag *f, const labels *ls, const char *a,
                      const char *b)
{
    char *s = labels_to_string(ls);
    int rc;
    if (f->selector)
        rc = error_set(err, SLOEVAL_EDATA,
                       "series %s is in more than one shard (%s and %s): the shards of a "
                       "target must hold disjoint series",
                       s ? s : "?", a, b);
    else
        rc = error_set(err, SLOEVAL_EEXEC,
                       "vector cannot contain metrics with the same labelset (%s, from %s and %s)",
                       s ? s : "?", a, b);
    free(s);
    return rc;
}

static int oom(sloeval_error *err)
{
    return error_set(err, SLOEVAL_ENOMEM, "out of memory");
}

/* An index (label-set hash -> position) for `total` label sets. */
static int labels_index(hmap *t, arena *a, size_t total, sloeval_error *err)
{
    if (total >= INT32_MAX)
        return error_set(err, SLOEVAL_ELIMIT, "too many series to merge (%zu)", total);
    if (hmap_init(t, a, total)) return oom(err);
    return 0;
}

/* Instant vectors. For avg, vals holds n sums then n counts. */
static int merge_vectors(arena *a, const frag *f, const value *vals, size_t n,
                         const char *const *names, value *out, sloeval_error *err)
{
    size_t nin = f->kind == MERGE_AVG ? n / 2 : n;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += vals[i].u.vector.count;
    vector res = {0};
    vector counts = {0}; /* avg */
    size_t *origin = ARENA_NEW_ARRAY(a, size_t, total + 1);
    if (!origin) return oom(err);
    hmap t;
    int trc = labels_index(&t, a, total, err);
    if (trc) return trc;
    for (size_t i = 0; i < nin; i++) {
        const vector *v = &vals[i].u.vector;
        for (size_t j = 0; j < v->count; j++) {
            const vector_elem *e = &v->items[j];
            int32_t found = find_labels(&t, e->labels, vec_get, &res);
            if (found >= 0) {
                size_t k = (size_t)found;
                if (f->kind == MERGE_UNION)
                    return dupe_error(err, f, e->labels, names[origin[k]], names[i]);
                res.items[k].v = combine(f->kind, res.items[k].v, e->v);
                continue;
            }
            if (vector_push(a, &res, e->labels, e->t, f->kind == MERGE_GROUP ? 1 : e->v))
                return oom(err);
            origin[res.count - 1] = i;
            if (hmap_put(&t, e->labels->hash, (int32_t)(res.count - 1))) return oom(err);
        }
    }
    if (f->kind == MERGE_AVG) {
        /* The counts, in the order of the sums. */
        counts.items = ARENA_NEW_ARRAY(a, vector_elem, res.count + 1);
        if (!counts.items) return oom(err);
        counts.count = counts.cap = res.count;
        for (size_t k = 0; k < res.count; k++)
            counts.items[k].v = 0;
        for (size_t i = nin; i < n; i++) {
            const vector *v = &vals[i].u.vector;
            for (size_t j = 0; j < v->count; j++) {
                int32_t k = find_labels(&t, v->items[j].labels, vec_get, &res);
                if (k < 0)
                    return error_set(err, SLOEVAL_EDECODE,
                                     "%s answered a count for a group without a sum",
                                     names[i - nin]);
                counts.items[k].v += v->items[j].v;
            }
        }
        for (size_t k = 0; k < res.count; k++)
            res.items[k].v /= counts.items[k].v;
    }
    sort_vector(&res);
    out->kind = VALUE_VECTOR;
    out->t = vals[0].t;
    out->u.vector = res;
    return 0;
}

/* Merge the points of b into a (both sorted by time) with kind k; equal
 * times in a union are an error (returned as 1). */
static int merge_points(arena *a, series *dst, const series *src, merge_kind k)
{
    size_t n = dst->count + src->count;
    sample *p = ARENA_NEW_ARRAY(a, sample, n + 1);
    if (!p) return -1;
    size_t i = 0, j = 0, o = 0;
    while (i < dst->count || j < src->count) {
        if (j == src->count || (i < dst->count && dst->samples[i].t < src->samples[j].t)) {
            p[o++] = dst->samples[i++];
        } else if (i == dst->count || src->samples[j].t < dst->samples[i].t) {
            p[o++] = src->samples[j++];
            if (k == MERGE_GROUP) p[o - 1].v = 1;
        } else {
            if (k == MERGE_UNION) return 1;
            p[o] = dst->samples[i++];
            p[o].v = combine(k, p[o].v, src->samples[j++].v);
            o++;
        }
    }
    dst->samples = p;
    dst->count = o;
    return 0;
}

/* Matrices (range queries, or a range-vector answer at an instant). */
static int merge_matrices(arena *a, const frag *f, const value *vals, size_t n,
                          const char *const *names, value *out, sloeval_error *err)
{
    size_t nin = f->kind == MERGE_AVG ? n / 2 : n;
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += vals[i].u.matrix.count;
    matrix res = {0};
    size_t *origin = ARENA_NEW_ARRAY(a, size_t, total + 1);
    if (!origin) return oom(err);
    hmap t;
    int trc = labels_index(&t, a, total, err);
    if (trc) return trc;
    for (size_t i = 0; i < nin; i++) {
        const matrix *m = &vals[i].u.matrix;
        for (size_t j = 0; j < m->count; j++) {
            const series *s = &m->items[j];
            int32_t found = find_labels(&t, s->labels, mat_get, &res);
            if (found >= 0) {
                size_t k = (size_t)found;
                if (f->kind == MERGE_UNION && (f->strict_dupes || f->selector))
                    return dupe_error(err, f, s->labels, names[origin[k]], names[i]);
                int rc = merge_points(a, &res.items[k], s, f->kind);
                if (rc < 0) return oom(err);
                if (rc > 0) return dupe_error(err, f, s->labels, names[origin[k]], names[i]);
                continue;
            }
            sample *copy = ARENA_NEW_ARRAY(a, sample, s->count + 1);
            if (!copy) return oom(err);
            if (s->count) memcpy(copy, s->samples, s->count * sizeof(sample));
            if (f->kind == MERGE_GROUP)
                for (size_t q = 0; q < s->count; q++)
                    copy[q].v = 1;
            if (matrix_push(a, &res, s->labels, copy, s->count)) return oom(err);
            origin[res.count - 1] = i;
            if (hmap_put(&t, s->labels->hash, (int32_t)(res.count - 1))) return oom(err);
        }
    }
    if (f->kind == MERGE_AVG) {
        /* Merged counts per output series, then sum / count point by point. */
        series *cnt = ARENA_NEW_ARRAY(a, series, res.count + 1);
        if (!cnt) return oom(err);
        for (size_t i = nin; i < n; i++) {
            const matrix *m = &vals[i].u.matrix;
            for (size_t j = 0; j < m->count; j++) {
                int32_t k = find_labels(&t, m->items[j].labels, mat_get, &res);
                if (k < 0)
                    return error_set(err, SLOEVAL_EDECODE,
                                     "%s answered a count for a group without a sum",
                                     names[i - nin]);
                series *c = &cnt[k];
                if (!c->labels) {
                    *c = m->items[j];
                    continue;
                }
                if (merge_points(a, c, &m->items[j], MERGE_SUM)) return oom(err);
            }
        }
        for (size_t k = 0; k < res.count; k++) {
            series *s = &res.items[k];
            const series *c = &cnt[k];
            size_t ci = 0;
            for (size_t q = 0; q < s->count; q++) {
                while (ci < c->count && c->samples[ci].t < s->samples[q].t)
                    ci++;
                if (ci == c->count || c->samples[ci].t != s->samples[q].t)
                    return error_set(err, SLOEVAL_EDECODE,
                                     "the shards' sums and counts of an average disagree "
                                     "on the steps that have values");
                s->samples[q].v /= c->samples[ci].v;
            }
        }
    }
    sort_matrix(&res);
    out->kind = VALUE_MATRIX;
    out->t = vals[0].t;
    out->u.matrix = res;
    return 0;
}

int merge_fragment(arena *a, frag *f, const value *vals, size_t nvals, const char *const *names,
                   sloeval_error *err)
{
    if (f->kind == MERGE_WHOLE) {
        f->val = vals[0];
        return 0;
    }
    value_kind k = vals[0].kind;
    for (size_t i = 1; i < nvals; i++)
        if (vals[i].kind != k)
            return error_set(err, SLOEVAL_EDECODE,
                             "the shards answered %s with different result types", f->text);
    if (k == VALUE_VECTOR) return merge_vectors(a, f, vals, nvals, names, &f->val, err);
    if (k == VALUE_MATRIX) return merge_matrices(a, f, vals, nvals, names, &f->val, err);
    return error_set(err, SLOEVAL_EDECODE,
                     "the shards answered %s with a %s, which cannot be merged", f->text,
                     k == VALUE_SCALAR ? "scalar" : "string");
}

int merge_raw(arena *a, const value *vals, const char *const *names, size_t n, matrix *out,
              sloeval_error *err)
{
    frag f = {0};
    f.kind = MERGE_UNION;
    f.selector = true;
    value v;
    if (n == 1) {
        *out = vals[0].u.matrix;
        sort_matrix(out);
        return 0;
    }
    int rc = merge_matrices(a, &f, vals, n, names, &v, err);
    if (!rc) *out = v.u.matrix;
    return rc;
}
