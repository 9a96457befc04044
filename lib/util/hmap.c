/* The hash index of hmap.h: linear probing over power-of-two tables. */
#include "util/hmap.h"

#include <stdlib.h>
#include <string.h>

/* The 32 bits of a hash that a slot keeps. */
static uint32_t tag_of(uint64_t h)
{
    return (uint32_t)(h ^ (h >> 32));
}

/* Slots with all bits set: tag ~0, value -1 (empty). */
static hmap_slot *alloc_slots(arena *a, size_t cap)
{
    hmap_slot *s = a ? arena_alloc(a, cap * sizeof(*s)) : malloc(cap * sizeof(*s));
    if (s) memset(s, 0xff, cap * sizeof(*s));
    return s;
}

int hmap_init(hmap *m, arena *a, size_t expect)
{
    size_t cap = 16;
    while (cap < expect * 2)
        cap <<= 1;
    *m = (hmap){.a = a};
    m->slots = alloc_slots(a, cap);
    if (!m->slots) return -1;
    m->cap = cap;
    return 0;
}

void hmap_free(hmap *m)
{
    if (!m->a) free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}

void hmap_clear(hmap *m)
{
    if (m->slots) memset(m->slots, 0xff, m->cap * sizeof(*m->slots));
    m->count = 0;
}

int32_t hmap_next(const hmap *m, uint64_t h, size_t *pos)
{
    if (!m->cap) return -1;
    uint32_t tag = tag_of(h);
    size_t mask = m->cap - 1;
    size_t i = *pos == HMAP_START ? (size_t)(tag & mask) : ((*pos + 1) & mask);
    for (; m->slots[i].val >= 0; i = (i + 1) & mask) {
        if (m->slots[i].tag == tag) {
            *pos = i;
            return m->slots[i].val;
        }
    }
    *pos = i;
    return -1;
}

static void insert(hmap_slot *slots, size_t cap, uint32_t tag, int32_t val)
{
    size_t mask = cap - 1;
    size_t i = (size_t)(tag & mask);
    while (slots[i].val >= 0)
        i = (i + 1) & mask;
    slots[i] = (hmap_slot){tag, val};
}

int hmap_put(hmap *m, uint64_t h, int32_t val)
{
    if ((m->count + 1) * 2 > m->cap) {
        if (m->cap > (size_t)UINT32_MAX / 2 + 1) return -1; /* tags address 2^32 slots */
        size_t ncap = m->cap ? m->cap * 2 : 16;
        hmap_slot *ns = alloc_slots(m->a, ncap);
        if (!ns) return -1;
        for (size_t i = 0; i < m->cap; i++)
            if (m->slots[i].val >= 0) insert(ns, ncap, m->slots[i].tag, m->slots[i].val);
        if (!m->a) free(m->slots);
        m->slots = ns;
        m->cap = ncap;
    }
    insert(m->slots, m->cap, tag_of(h), val);
    m->count++;
    return 0;
}

size_t hmap_bytes(const hmap *m)
{
    return m->cap * sizeof(*m->slots);
}
