/*
 * The hash index (internal): maps 64-bit hashes to int32 values, usually
 * indexes into the caller's own array of keys. The table never compares
 * keys: the caller hashes its key, walks the entries with that hash
 * (hmap_next) and compares the keys they index. Open addressing with linear
 * probing over a power-of-two table at most half full; entries are never
 * removed one by one.
 *
 * A slot keeps 32 bits of the hash (the two halves folded) beside the
 * value: 8 bytes a slot. hmap_next gives the entries whose kept bits agree
 * with h's, so two hashes that differ may meet there: the caller's key
 * comparison decides, as it must for equal hashes of different keys.
 *
 * Memory: a table made with an arena (hmap_init with a != NULL) allocates
 * there, abandons its old slots to the arena when it grows, and needs no
 * free. A table made with a == NULL, or zero-initialised (`hmap m = {0}`,
 * an empty table that allocates on its first put), uses malloc and is
 * released with hmap_free.
 *
 * The usual lookup-or-insert:
 *
 *     size_t pos = HMAP_START;
 *     int32_t j;
 *     while ((j = hmap_next(&m, h, &pos)) >= 0)
 *         if (key_equal(keys[j], key)) break;
 *     if (j < 0 && hmap_put(&m, h, (int32_t)nkeys) < 0) return oom;
 */
#ifndef SLOEVAL_UTIL_HMAP_H
#define SLOEVAL_UTIL_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"

typedef struct hmap_slot {
    uint32_t tag; /* the hash folded to 32 bits; also where the probe starts */
    int32_t val;  /* < 0: empty */
} hmap_slot;

typedef struct hmap {
    hmap_slot *slots;
    size_t cap;   /* power of two (at most 2^32), or 0 before the first allocation */
    size_t count; /* entries */
    arena *a;     /* where the slots live; NULL: malloc */
} hmap;

/* The position that starts a walk of hmap_next. */
#define HMAP_START ((size_t)-1)

/*
 * Prepare an empty table for about `expect` entries, in arena `a` (or with
 * malloc when a is NULL). Returns 0, or -1 when out of memory.
 */
int hmap_init(hmap *m, arena *a, size_t expect);

/* Release a malloc'd table's memory (nothing for an arena's); it is empty after. */
void hmap_free(hmap *m);

/* Remove every entry, keeping the memory. */
void hmap_clear(hmap *m);

/*
 * The entries with hash h (as far as the kept bits tell), one per call:
 * start with *pos = HMAP_START; each call returns the next entry's value,
 * or -1 when there are no more.
 */
int32_t hmap_next(const hmap *m, uint64_t h, size_t *pos);

/*
 * Add an entry (0 <= val <= INT32_MAX; equal hashes and values may
 * repeat). Returns 0, or -1 when out of memory (the table is unchanged).
 */
int hmap_put(hmap *m, uint64_t h, int32_t val);

/* Bytes the table's slots take (statistics). */
size_t hmap_bytes(const hmap *m);

#endif
