/* Filling a caller's sloeval_error (internal helpers). */
#ifndef SLOEVAL_UTIL_ERROR_H
#define SLOEVAL_UTIL_ERROR_H

#include "sloeval/common.h"

#include <stdarg.h>

#if defined(__GNUC__)
#define SLOEVAL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SLOEVAL_PRINTF(f, a)
#endif

/*
 * Record an error without a position and return `code`, so that callers can
 * write `return error_set(err, SLOEVAL_EINVAL, "...")`. When err is NULL or
 * already holds an error, only the code is returned (the first error wins).
 */
int error_set(sloeval_error *err, int code, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);
int error_vset(sloeval_error *err, int code, const char *fmt, va_list ap);

/*
 * Record an error at byte range [start, end) of `text` (len bytes); line and
 * column are computed from the text (1-based, column in bytes).
 */
int error_set_at(sloeval_error *err, int code, const char *text, size_t len, size_t start,
                 size_t end, const char *fmt, ...) SLOEVAL_PRINTF(7, 8);

/* Line and column (1-based) of byte offset `pos` in text. */
void error_line_col(const char *text, size_t len, size_t pos, int *line, int *column);

/* True when err holds an error. */
#define error_is_set(err) ((err) != NULL && (err)->code != 0)

#endif
