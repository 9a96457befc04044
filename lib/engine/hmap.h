/*
 * A small open-addressing hash index (internal): maps a 64-bit hash to
 * int32 slots (indexes into the caller's own array); the caller resolves
 * collisions by comparing its keys. Arena-allocated, never shrinks.
 */
#ifndef SLOEVAL_ENGINE_HMAP_H
#define SLOEVAL_ENGINE_HMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef struct hmap {
    uint64_t *hashes;
    int32_t *vals; /* -1: empty */
    size_t cap;    /* power of two */
    size_t count;
} hmap;

/* Prepare for about `expect` entries; 0 or -1 when out of memory. */
int hmap_init(hmap *m, arena *a, size_t expect);

/* Remove every entry, keeping the memory. */
void hmap_clear(hmap *m);

/*
 * Iterate over the entries with hash h: start with *pos = (size_t)-1; each
 * call returns the next candidate value or -1 when there is none.
 */
int32_t hmap_next(const hmap *m, uint64_t h, size_t *pos);

/* Add an entry (duplicates allowed); 0 or -1 when out of memory. */
int hmap_put(hmap *m, arena *a, uint64_t h, int32_t val);

#endif
