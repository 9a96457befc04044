/* The hash index of hmap.h: linear probing over power-of-two tables. */
#include <string.h>

#include "engine/hmap.h"

static int alloc_table(hmap *m, arena *a, size_t cap)
{
    uint64_t *h = arena_alloc(a, cap * sizeof(*h));
    int32_t *v = arena_alloc(a, cap * sizeof(*v));
    if (!h || !v) return -1;
    memset(v, 0xff, cap * sizeof(*v));
    m->hashes = h;
    m->vals = v;
    m->cap = cap;
    m->count = 0;
    return 0;
}

int hmap_init(hmap *m, arena *a, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    return alloc_table(m, a, cap);
}

void hmap_clear(hmap *m)
{
    if (m->vals) memset(m->vals, 0xff, m->cap * sizeof(*m->vals));
    m->count = 0;
}

int32_t hmap_next(const hmap *m, uint64_t h, size_t *pos)
{
    size_t mask = m->cap - 1;
    size_t i = *pos == (size_t)-1 ? (size_t)(h & mask) : ((*pos + 1) & mask);
    for (; m->vals[i] >= 0; i = (i + 1) & mask) {
        if (m->hashes[i] == h) {
            *pos = i;
            return m->vals[i];
        }
    }
    *pos = i;
    return -1;
}

static void insert(hmap *m, uint64_t h, int32_t val)
{
    size_t mask = m->cap - 1;
    size_t i = (size_t)(h & mask);
    while (m->vals[i] >= 0)
        i = (i + 1) & mask;
    m->hashes[i] = h;
    m->vals[i] = val;
    m->count++;
}

int hmap_put(hmap *m, arena *a, uint64_t h, int32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        hmap old = *m;
        if (alloc_table(m, a, old.cap * 2) < 0) {
            *m = old;
            return -1;
        }
        for (size_t i = 0; i < old.cap; i++)
            if (old.vals[i] >= 0) insert(m, old.hashes[i], old.vals[i]);
    }
    insert(m, h, val);
    return 0;
}
