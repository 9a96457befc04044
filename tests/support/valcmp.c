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

static int vec_cmp(const void *x, const void *y)
{
    return labels_compare(((const vector_elem *)x)->labels, ((const vector_elem *)y)->labels);
}

static int ser_cmp(const void *x, const void *y)
{
    return labels_compare(((const series *)x)->labels, ((const series *)y)->labels);
}

static void say_labels(char *why, size_t size, const char *what, const labels *ls)
{
    char *s = labels_to_string(ls);
    snprintf(why, size, "%s %s", what, s ? s : "?");
    free(s);
}

static bool vectors_equal(const vector *a, const vector *b, char *why, size_t size)
{
    bool ok = true;
    vector_elem *x = malloc((a->count + 1) * sizeof(*x));
    vector_elem *y = malloc((b->count + 1) * sizeof(*y));
    if (!x || !y) {
        snprintf(why, size, "out of memory");
        free(x);
        free(y);
        return false;
    }
    if (a->count) memcpy(x, a->items, a->count * sizeof(*x));
    if (b->count) memcpy(y, b->items, b->count * sizeof(*y));
    qsort(x, a->count, sizeof(*x), vec_cmp);
    qsort(y, b->count, sizeof(*y), vec_cmp);
    size_t i = 0, j = 0;
    while (ok && (i < a->count || j < b->count)) {
        int c = i == a->count ? 1 : j == b->count ? -1 : labels_compare(x[i].labels, y[j].labels);
        if (c < 0) {
            say_labels(why, size, "only in the first:", x[i].labels);
            ok = false;
        } else if (c > 0) {
            say_labels(why, size, "only in the second:", y[j].labels);
            ok = false;
        } else {
            if (x[i].t != y[j].t || !valcmp_close(x[i].v, y[j].v)) {
                char *s = labels_to_string(x[i].labels);
                snprintf(why, size, "%s: %.17g @%lld vs %.17g @%lld", s ? s : "?", x[i].v,
                         (long long)x[i].t, y[j].v, (long long)y[j].t);
                free(s);
                ok = false;
            }
            i++;
            j++;
        }
    }
    free(x);
    free(y);
    return ok;
}

static bool series_equal(const series *x, const series *y, char *why, size_t size)
{
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

static bool matrices_equal(const matrix *a, const matrix *b, char *why, size_t size)
{
    bool ok = true;
    series *x = malloc((a->count + 1) * sizeof(*x));
    series *y = malloc((b->count + 1) * sizeof(*y));
    if (!x || !y) {
        snprintf(why, size, "out of memory");
        free(x);
        free(y);
        return false;
    }
    if (a->count) memcpy(x, a->items, a->count * sizeof(*x));
    if (b->count) memcpy(y, b->items, b->count * sizeof(*y));
    qsort(x, a->count, sizeof(*x), ser_cmp);
    qsort(y, b->count, sizeof(*y), ser_cmp);
    size_t i = 0, j = 0;
    while (ok && (i < a->count || j < b->count)) {
        int c = i == a->count ? 1 : j == b->count ? -1 : labels_compare(x[i].labels, y[j].labels);
        if (c < 0) {
            say_labels(why, size, "only in the first:", x[i].labels);
            ok = false;
        } else if (c > 0) {
            say_labels(why, size, "only in the second:", y[j].labels);
            ok = false;
        } else {
            ok = series_equal(&x[i], &y[j], why, size);
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
    case VALUE_VECTOR: return vectors_equal(&a->u.vector, &b->u.vector, why, size);
    case VALUE_MATRIX: return matrices_equal(&a->u.matrix, &b->u.matrix, why, size);
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
