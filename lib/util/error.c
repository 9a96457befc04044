#include "util/error.h"

#include <stdio.h>
#include <string.h>

void sloeval_error_clear(sloeval_error *err)
{
    if (err) memset(err, 0, sizeof(*err));
}

const char *sloeval_strerror(int code)
{
    switch (code) {
    case SLOEVAL_OK: return "ok";
    case SLOEVAL_ENOMEM: return "out of memory";
    case SLOEVAL_EINVAL: return "invalid argument";
    case SLOEVAL_EPARSE: return "parse error";
    case SLOEVAL_EEXEC: return "execution error";
    case SLOEVAL_EUNSUPPORTED: return "not supported for local evaluation";
    case SLOEVAL_EIO: return "I/O error";
    case SLOEVAL_EDATA: return "malformed data";
    case SLOEVAL_ETRANSPORT: return "transport error";
    case SLOEVAL_ETIMEOUT: return "timeout";
    case SLOEVAL_ESERVER: return "server error";
    case SLOEVAL_EDECODE: return "malformed server response";
    case SLOEVAL_ELIMIT: return "limit exceeded";
    case SLOEVAL_ECONFIG: return "configuration error";
    case SLOEVAL_ENODATA: return "no data";
    case SLOEVAL_EPARTIAL: return "partial response";
    default: return "unknown error";
    }
}

int error_vset(sloeval_error *err, int code, const char *fmt, va_list ap)
{
    if (!err || err->code != 0) return code;
    memset(err, 0, sizeof(*err));
    err->code = code;
    vsnprintf(err->message, sizeof(err->message), fmt, ap);
    /* Messages are one line: fold any newline a caller's text brought in. */
    for (char *p = err->message; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return code;
}

int error_set(sloeval_error *err, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    return code;
}

void error_line_col(const char *text, size_t len, size_t pos, int *line, int *column)
{
    int l = 1;
    size_t line_start = 0;
    if (pos > len) pos = len;
    for (size_t i = 0; i < pos; i++) {
        if (text[i] == '\n') {
            l++;
            line_start = i + 1;
        }
    }
    *line = l;
    *column = (int)(pos - line_start) + 1;
}

int error_set_at(sloeval_error *err, int code, const char *text, size_t len, size_t start,
                 size_t end, const char *fmt, ...)
{
    if (!err || err->code != 0) return code;
    va_list ap;
    va_start(ap, fmt);
    error_vset(err, code, fmt, ap);
    va_end(ap);
    err->start = start;
    err->end = end < start ? start : end;
    error_line_col(text, len, start, &err->line, &err->column);
    return code;
}
