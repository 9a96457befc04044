/* Instant vectors and matrices: arena-owned growable arrays. */
#include "model/model.h"

int vector_push(arena *a, vector *v, const labels *ls, int64_t t, double val)
{
    if (v->count == v->cap &&
        arena_grow(a, (void **)&v->items, &v->cap, v->count + 1, sizeof(vector_elem)) != 0)
        return -1;
    v->items[v->count++] = (vector_elem){ls, t, val};
    return 0;
}

int matrix_push(arena *a, matrix *m, const labels *ls, sample *samples, size_t count)
{
    if (m->count == m->cap &&
        arena_grow(a, (void **)&m->items, &m->cap, m->count + 1, sizeof(series)) != 0)
        return -1;
    m->items[m->count++] = (series){ls, samples, count};
    return 0;
}
