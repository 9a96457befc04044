#include "util/arena.h"

#include <stdalign.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN alignof(max_align_t)
#define ARENA_DEFAULT_CHUNK 4096
#define ARENA_MAX_CHUNK (1u << 20)

struct arena_chunk {
    arena_chunk *next;
    size_t size;
    alignas(max_align_t) char data[];
};

void arena_init(arena *a, size_t first_chunk_size)
{
    memset(a, 0, sizeof(*a));
    a->chunk_size = first_chunk_size ? first_chunk_size : ARENA_DEFAULT_CHUNK;
}

void arena_free(arena *a)
{
    arena_chunk *c = a->chunks;
    while (c) {
        arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    size_t first = a->chunk_size;
    arena_init(a, first > ARENA_MAX_CHUNK ? ARENA_MAX_CHUNK : first);
}

#ifdef SLOEVAL_ARENA_DEBUG

void *arena_alloc(arena *a, size_t size)
{
    if (size > SIZE_MAX - sizeof(arena_chunk)) return NULL;
    arena_chunk *c = malloc(sizeof(arena_chunk) + (size ? size : 1));
    if (!c) return NULL;
    c->size = size;
    c->next = a->chunks;
    a->chunks = c;
    a->allocated += size;
    a->reserved += sizeof(arena_chunk) + size;
    return c->data;
}

#else

static size_t align_up(size_t n)
{
    return (n + (ARENA_ALIGN - 1)) & ~(size_t)(ARENA_ALIGN - 1);
}

void *arena_alloc(arena *a, size_t size)
{
    size_t need = align_up(size ? size : 1);
    if (need < size) return NULL;
    if ((size_t)(a->limit - a->cursor) < need || !a->cursor) {
        size_t chunk = a->chunk_size;
        /* Large requests get a chunk of their own, inserted behind the
         * current one so the remaining space there stays usable. */
        if (need > chunk / 4) {
            if (need > SIZE_MAX - sizeof(arena_chunk)) return NULL;
            arena_chunk *big = malloc(sizeof(arena_chunk) + need);
            if (!big) return NULL;
            big->size = need;
            if (a->chunks) {
                big->next = a->chunks->next;
                a->chunks->next = big;
            } else {
                big->next = NULL;
                a->chunks = big;
                a->cursor = a->limit = big->data + need;
            }
            a->allocated += size;
            a->reserved += sizeof(arena_chunk) + need;
            return big->data;
        }
        arena_chunk *c = malloc(sizeof(arena_chunk) + chunk);
        if (!c) return NULL;
        c->size = chunk;
        c->next = a->chunks;
        a->chunks = c;
        a->cursor = c->data;
        a->limit = c->data + chunk;
        a->reserved += sizeof(arena_chunk) + chunk;
        if (a->chunk_size < ARENA_MAX_CHUNK) a->chunk_size *= 2;
    }
    void *p = a->cursor;
    a->cursor += need;
    a->allocated += size;
    return p;
}

#endif

void *arena_calloc(arena *a, size_t n, size_t size)
{
    if (size && n > SIZE_MAX / size) return NULL;
    void *p = arena_alloc(a, n * size);
    if (p) memset(p, 0, n * size);
    return p;
}

char *arena_strndup(arena *a, const char *s, size_t len)
{
    if (len == SIZE_MAX) return NULL;
    char *p = arena_alloc(a, len + 1);
    if (!p) return NULL;
    if (len) memcpy(p, s, len);
    p[len] = '\0';
    return p;
}

char *arena_strdup(arena *a, const char *s)
{
    return arena_strndup(a, s, strlen(s));
}

void *arena_memdup(arena *a, const void *src, size_t len)
{
    void *p = arena_alloc(a, len);
    if (p && len) memcpy(p, src, len);
    return p;
}

int arena_grow(arena *a, void **array, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap) return 0;
    size_t ncap = *cap ? *cap : 4;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) return -1;
        ncap *= 2;
    }
    if (elem && ncap > SIZE_MAX / elem) return -1;
    void *p = arena_alloc(a, ncap * elem);
    if (!p) return -1;
    if (*cap && *array) memcpy(p, *array, *cap * elem);
    *array = p;
    *cap = ncap;
    return 0;
}
