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
