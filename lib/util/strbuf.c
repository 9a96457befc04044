#include "util/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void strbuf_free(strbuf *sb)
{
    free(sb->data);
    sb->data = NULL;
    sb->len = sb->cap = 0;
    sb->failed = 0;
}

void strbuf_reset(strbuf *sb)
{
    sb->len = 0;
    sb->failed = 0;
    if (sb->data) sb->data[0] = '\0';
}

int strbuf_reserve(strbuf *sb, size_t extra)
{
    if (sb->failed) return -1;
    if (extra > SIZE_MAX - sb->len - 1) {
        sb->failed = 1;
        return -1;
    }
    size_t need = sb->len + extra + 1;
    if (need <= sb->cap) return 0;
    size_t ncap = sb->cap ? sb->cap : 64;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2) {
            ncap = need;
            break;
        }
        ncap *= 2;
    }
    char *p = realloc(sb->data, ncap);
    if (!p) {
        sb->failed = 1;
        return -1;
    }
    sb->data = p;
    sb->cap = ncap;
    return 0;
}

void strbuf_append(strbuf *sb, const char *s, size_t len)
{
    if (strbuf_reserve(sb, len) != 0) return;
    if (len) memcpy(sb->data + sb->len, s, len);
    sb->len += len;
    sb->data[sb->len] = '\0';
}

void strbuf_puts(strbuf *sb, const char *s)
{
    strbuf_append(sb, s, strlen(s));
}

void strbuf_putc(strbuf *sb, char c)
{
    strbuf_append(sb, &c, 1);
}

void strbuf_vprintf(strbuf *sb, const char *fmt, va_list ap)
{
    va_list copy;
    va_copy(copy, ap);
    char small[256];
    int n = vsnprintf(small, sizeof(small), fmt, copy);
    va_end(copy);
    if (n < 0) {
        sb->failed = 1;
        return;
    }
    if ((size_t)n < sizeof(small)) {
        strbuf_append(sb, small, (size_t)n);
        return;
    }
    if (strbuf_reserve(sb, (size_t)n) != 0) return;
    vsnprintf(sb->data + sb->len, (size_t)n + 1, fmt, ap);
    sb->len += (size_t)n;
}

void strbuf_printf(strbuf *sb, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    strbuf_vprintf(sb, fmt, ap);
    va_end(ap);
}

const char *strbuf_cstr(const strbuf *sb)
{
    return sb->data ? sb->data : "";
}

char *strbuf_detach(strbuf *sb)
{
    char *p = NULL;
    if (!sb->failed) {
        p = sb->data ? sb->data : strdup("");
        sb->data = NULL;
    }
    strbuf_free(sb);
    return p;
}
