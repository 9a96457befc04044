/* Comparing evaluation results: see valcmp.h. */
#include "valcmp.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool valcmp_close(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return true;
    if (isinf(a) || isinf(b)) return false;
    return fabs(a - b) <= 1e-9 * fmax(fabs(a), fabs(b));
}

/* Vector elements and series both begin with their label set. */
static const labels *labels_of(const void *item)
{
    return *(const labels *const *)item;
}

static int labels_first_cmp(const void *x, const void *y)
{
    return labels_compare(labels_of(x), labels_of(y));
}

static void say_labels(char *why, size_t size, const char *what, const labels *ls)
{
    char *s = labels_to_string(ls);
    snprintf(why, size, "%s %s", what, s ? s : "?");
    free(s);
}

static bool elems_equal(const void *xp, const void *yp, char *why, size_t size)
{
    const vector_elem *x = xp, *y = yp;
    if (x->t == y->t && valcmp_close(x->v, y->v)) return true;
    char *s = labels_to_string(x->labels);
    snprintf(why, size, "%s: %.17g @%lld vs %.17g @%lld", s ? s : "?", x->v, (long long)x->t, y->v,
             (long long)y->t);
    free(s);
    return false;
}

static bool series_equal(const void *xp, const void *yp, char *why, size_t size)
{
    const series *x = xp, *y = yp;
    if (x->count != y->count) {
        char *s = labels_to_string(x->labels);
        snprintf(why, size, "%s: %zu points vs %zu", s ? s : "?", x->count, y->count);
        free(s);
        return false;
    }
    for (size_t k = 0; k < x->count; k++) {
        if (x->samples[k].t != y->samples[k].t || !valcmp_close(x->samples[k].v, y->samples[k].v)) {
            char *s = labels_to_string(x->labels);
            snprintf(why, size, "%s: point %zu: %.17g @%lld vs %.17g @%lld", s ? s : "?", k,
                     x->samples[k].v, (long long)x->samples[k].t, y->samples[k].v,
                     (long long)y->samples[k].t);
            free(s);
            return false;
        }
    }
    return true;
}

/* Two unordered collections of items (vector elements or series) of `width`
 * bytes: sorted copies by label set, walked together; the same label sets,
 * and `same` for each pair. */
static bool collections_equal(const void *a, size_t na, const void *b, size_t nb, size_t width,
                              bool (*same)(const void *, const void *, char *, size_t), char *why,
                              size_t size)
{
    bool ok = true;
    char *x = malloc((na + 1) * width);
    char *y = malloc((nb + 1) * width);
    if (!x || !y) {
        snprintf(why, size, "out of memory");
        free(x);
        free(y);
        return false;
    }
    if (na) memcpy(x, a, na * width);
    if (nb) memcpy(y, b, nb * width);
    qsort(x, na, width, labels_first_cmp);
    qsort(y, nb, width, labels_first_cmp);
    size_t i = 0, j = 0;
    while (ok && (i < na || j < nb)) {
        const char *xi = x + i * width, *yj = y + j * width;
        int c = i == na ? 1 : j == nb ? -1 : labels_compare(labels_of(xi), labels_of(yj));
        if (c < 0) {
            say_labels(why, size, "only in the first:", labels_of(xi));
            ok = false;
        } else if (c > 0) {
            say_labels(why, size, "only in the second:", labels_of(yj));
            ok = false;
        } else {
            ok = same(xi, yj, why, size);
            i++;
            j++;
        }
    }
    free(x);
    free(y);
    return ok;
}

bool valcmp_equal(const value *a, const value *b, char *why, size_t size)
{
    static const char *const kinds[] = {"none", "scalar", "vector", "matrix", "string"};
    if (a->kind != b->kind) {
        snprintf(why, size, "a %s vs a %s", kinds[a->kind], kinds[b->kind]);
        return false;
    }
    switch (a->kind) {
    case VALUE_SCALAR:
        if (!valcmp_close(a->u.scalar, b->u.scalar)) {
            snprintf(why, size, "scalar %.17g vs %.17g", a->u.scalar, b->u.scalar);
            return false;
        }
        return true;
    case VALUE_STRING:
        if (!strv_eq(a->u.string, b->u.string)) {
            snprintf(why, size, "strings differ");
            return false;
        }
        return true;
    case VALUE_VECTOR:
        return collections_equal(a->u.vector.items, a->u.vector.count, b->u.vector.items,
                                 b->u.vector.count, sizeof(vector_elem), elems_equal, why, size);
    case VALUE_MATRIX:
        return collections_equal(a->u.matrix.items, a->u.matrix.count, b->u.matrix.items,
                                 b->u.matrix.count, sizeof(series), series_equal, why, size);
    default: return true;
    }
}

/* ---- from the API's JSON ---------------------------------------------------- */

static int ts_from_json(const json_t *j, int64_t *out)
{
    /* A JSON number such as 1704069000.123: print it back with enough
     * digits and read the milliseconds from the text. */
    if (!json_is_number(j)) return -1;
    char buf[64];
    snprintf(buf, sizeof buf, "%.3f", json_number_value(j));
    char *dot = strchr(buf, '.');
    long long secs = strtoll(buf, NULL, 10);
    long long ms = dot ? strtoll(dot + 1, NULL, 10) : 0;
    *out = secs * 1000 + (buf[0] == '-' ? -ms : ms);
    return 0;
}

static int point_from_json(const json_t *pair, sample *out)
{
    if (!json_is_array(pair) || json_array_size(pair) != 2) return -1;
    if (ts_from_json(json_array_get(pair, 0), &out->t)) return -1;
    const char *s = json_string_value(json_array_get(pair, 1));
    if (!s || float_parse(&out->v, strv_from_cstr(s))) return -1;
    return 0;
}

static const labels *labels_from_json(arena *a, const json_t *metric)
{
    if (!json_is_object(metric)) return NULL;
    size_t n = json_object_size(metric), i = 0;
    label *pairs = arena_alloc(a, (n + 1) * sizeof(label));
    if (!pairs) return NULL;
    const char *k;
    json_t *v;
    json_object_foreach((json_t *)metric, k, v)
    {
        const char *sv = json_string_value(v);
        if (!sv) return NULL;
        pairs[i].name = strv_from_cstr(arena_strdup(a, k));
        pairs[i].value = strv_from_cstr(arena_strdup(a, sv));
        i++;
    }
    bool dup;
    return labels_make(a, pairs, n, false, &dup);
}

int valcmp_from_json(value *out, arena *a, const json_t *data)
{
    memset(out, 0, sizeof(*out));
    const char *type = json_string_value(json_object_get(data, "resultType"));
    const json_t *result = json_object_get(data, "result");
    if (!type || !result) return -1;
    if (!strcmp(type, "scalar")) {
        sample p;
        if (point_from_json(result, &p)) return -1;
        out->kind = VALUE_SCALAR;
        out->t = p.t;
        out->u.scalar = p.v;
        return 0;
    }
    if (!strcmp(type, "string")) {
        if (!json_is_array(result) || json_array_size(result) != 2) return -1;
        const char *s = json_string_value(json_array_get(result, 1));
        if (!s || ts_from_json(json_array_get(result, 0), &out->t)) return -1;
        out->kind = VALUE_STRING;
        out->u.string = strv_from_cstr(arena_strdup(a, s));
        return 0;
    }
    if (!json_is_array(result)) return -1;
    size_t i;
    const json_t *el;
    if (!strcmp(type, "vector")) {
        out->kind = VALUE_VECTOR;
        json_array_foreach(result, i, el)
        {
            const labels *ls = labels_from_json(a, json_object_get(el, "metric"));
            sample p;
            if (!ls || point_from_json(json_object_get(el, "value"), &p)) return -1;
            if (vector_push(a, &out->u.vector, ls, p.t, p.v)) return -1;
        }
        return 0;
    }
    if (!strcmp(type, "matrix")) {
        out->kind = VALUE_MATRIX;
        json_array_foreach(result, i, el)
        {
            const labels *ls = labels_from_json(a, json_object_get(el, "metric"));
            const json_t *vals = json_object_get(el, "values");
            if (!ls || !json_is_array(vals)) return -1;
            size_t n = json_array_size(vals);
            sample *pts = arena_alloc(a, (n + 1) * sizeof(sample));
            if (!pts) return -1;
            for (size_t k = 0; k < n; k++)
                if (point_from_json(json_array_get(vals, k), &pts[k])) return -1;
            if (matrix_push(a, &out->u.matrix, ls, pts, n)) return -1;
        }
        return 0;
    }
    return -1;
}
