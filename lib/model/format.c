/*
 * Float and timestamp text as Prometheus writes and reads it: thin
 * wrappers over util/text.h, which does the digits without the C locale.
 */
#include "model/model.h"

#include <stdio.h>
#include <string.h>

#include "util/text.h"

size_t format_float(char *buf, size_t size, double v)
{
    return text_format_sample(buf, size, v);
}

size_t format_float_mode(char *buf, size_t size, double v, char mode)
{
    return text_format_float(buf, size, v, mode, -1);
}

size_t format_timestamp(char *buf, size_t size, int64_t ms)
{
    char out[32];
    uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    int n = snprintf(out, sizeof(out), "%s%llu", ms < 0 ? "-" : "", (unsigned long long)(u / 1000));
    unsigned frac = (unsigned)(u % 1000);
    if (frac) n += snprintf(out + n, sizeof(out) - (size_t)n, ".%03u", frac);
    if (size) {
        size_t c = (size_t)n < size - 1 ? (size_t)n : size - 1;
        memcpy(buf, out, c);
        buf[c] = '\0';
    }
    return (size_t)n;
}

int float_parse(double *out, strv s)
{
    *out = 0;
    if (s.len == 0) return FLOAT_PARSE_SYNTAX;
    /* The exposition parsers' subset of ParseFloat: no '_', no hex. */
    size_t sign = s.len > 0 && (s.ptr[0] == '+' || s.ptr[0] == '-');
    if (memchr(s.ptr, '_', s.len) ||
        (s.len >= sign + 2 && s.ptr[sign] == '0' && (s.ptr[sign + 1] | 0x20) == 'x'))
        return FLOAT_PARSE_SYNTAX;
    int rc = text_parse_float(out, s.ptr, s.len);
    return rc == TEXT_OK ? 0 : rc == TEXT_RANGE ? FLOAT_PARSE_RANGE : FLOAT_PARSE_SYNTAX;
}
