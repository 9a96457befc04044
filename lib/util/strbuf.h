/*
 * A growable, always NUL-terminated byte buffer on malloc. Appends record
 * an out-of-memory failure in the buffer (sb->failed) instead of returning
 * it each time, so a sequence of appends is checked once at the end.
 */
#ifndef SLOEVAL_UTIL_STRBUF_H
#define SLOEVAL_UTIL_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
    char *data; /* NUL-terminated; NULL until the first append */
    size_t len;
    size_t cap;
    int failed; /* an allocation failed; the content is incomplete */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

void strbuf_free(strbuf *sb);
/* Empty the buffer, keeping its memory. */
void strbuf_reset(strbuf *sb);
/* Make room for `extra` more bytes (plus the NUL); 0 or -1. */
int strbuf_reserve(strbuf *sb, size_t extra);
void strbuf_append(strbuf *sb, const char *s, size_t len);
void strbuf_puts(strbuf *sb, const char *s);
void strbuf_putc(strbuf *sb, char c);
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
void strbuf_printf(strbuf *sb, const char *fmt, ...);
void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap);
/* The content, "" when empty; valid until the next append. */
const char *strbuf_cstr(const strbuf *sb);
/* Hand the malloc'd content to the caller (NULL when failed) and reset. */
char *strbuf_detach(strbuf *sb);

#endif
