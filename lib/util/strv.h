/* Length-counted string views (internal). `ptr` need not be NUL-terminated
 * unless the owner says so; label names and values, which may contain any
 * byte, travel as strv. */
#ifndef SLOEVAL_UTIL_STRV_H
#define SLOEVAL_UTIL_STRV_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

typedef struct strv {
    const char *ptr;
    size_t len;
} strv;

#define STRV_LIT(s) ((strv){(s), sizeof(s) - 1})
#define STRV_NULL ((strv){NULL, 0})

static inline strv strv_from_cstr(const char *s)
{
    return (strv){s, s ? strlen(s) : 0};
}

static inline bool strv_eq(strv a, strv b)
{
    /* the same pointer: strings shared by label sets of a store */
    return a.len == b.len && (a.ptr == b.ptr || a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static inline bool strv_eq_cstr(strv a, const char *b)
{
    return strv_eq(a, strv_from_cstr(b));
}

/* Byte-wise ordering, shorter first on a common prefix (Go's string order). */
static inline int strv_cmp(strv a, strv b)
{
    size_t n = a.len < b.len ? a.len : b.len;
    int c = n && a.ptr != b.ptr ? memcmp(a.ptr, b.ptr, n) : 0;
    if (c) return c;
    return a.len < b.len ? -1 : (a.len > b.len ? 1 : 0);
}

#endif
