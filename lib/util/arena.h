/*
 * A chunked bump allocator. Everything allocated from an arena is released
 * at once by arena_free(). With SLOEVAL_ARENA_DEBUG defined (the sanitizer
 * and valgrind builds), every allocation is its own malloc block so that
 * out-of-bounds accesses and leaks are seen per object.
 */
#ifndef SLOEVAL_UTIL_ARENA_H
#define SLOEVAL_UTIL_ARENA_H

#include <stddef.h>

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    arena_chunk *chunks; /* newest first */
    char *cursor;        /* next free byte in the newest chunk */
    char *limit;         /* end of the newest chunk */
    size_t chunk_size;   /* size of the next ordinary chunk */
    size_t allocated;    /* bytes handed out (statistics) */
    size_t reserved;     /* bytes obtained from malloc (statistics) */
} arena;

/* Prepare an empty arena; no memory is taken until the first allocation. */
void arena_init(arena *a, size_t first_chunk_size);

/* Release every allocation of the arena; it can be used again afterwards. */
void arena_free(arena *a);

/* Uninitialised memory aligned for any type, or NULL when out of memory. */
void *arena_alloc(arena *a, size_t size);

/* Zeroed memory for n objects of `size` bytes; NULL on overflow or out of memory. */
void *arena_calloc(arena *a, size_t n, size_t size);

/* A NUL-terminated copy of len bytes of s. */
char *arena_strndup(arena *a, const char *s, size_t len);

/* A NUL-terminated copy of s. */
char *arena_strdup(arena *a, const char *s);

/* A copy of len bytes. */
void *arena_memdup(arena *a, const void *p, size_t len);

/*
 * Grow an arena-owned array of `elem` bytes per element from *cap to at
 * least `need` elements, doubling. The old block is abandoned to the arena.
 * Returns 0 or -1 when out of memory.
 */
int arena_grow(arena *a, void **array, size_t *cap, size_t need, size_t elem);

#define ARENA_NEW(a, type) ((type *)arena_calloc((a), 1, sizeof(type)))
#define ARENA_NEW_ARRAY(a, type, n) ((type *)arena_calloc((a), (n), sizeof(type)))

#endif
