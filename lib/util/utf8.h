/* UTF-8 as Go reads and writes it (internal). */
#ifndef SLOEVAL_UTIL_UTF8_H
#define SLOEVAL_UTIL_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One UTF-8 sequence at s (n > 0 bytes available) as Go decodes it:
 * returns its length and sets *cp, or 0 when the bytes are not valid UTF-8
 * (overlong forms, surrogates, > U+10FFFF, truncated).
 */
size_t utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/*
 * Code point r (at most U+10FFFF) as UTF-8 into out, which has room for 4
 * bytes; returns the length (1 to 4). Surrogates are written as they are:
 * callers that must not write them replace them first.
 */
size_t utf8_encode(char *out, uint32_t r);

/* Whether all n bytes at s are valid UTF-8 (utf8_decode's rules). */
bool utf8_valid(const char *s, size_t n);

#endif
