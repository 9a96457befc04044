#include "slo/duration.h"

#include <stdio.h>
#include <string.h>

/* The units in the order they must appear, with their size in ms. */
static const struct {
    const char *name;
    size_t len;
    int64_t ms;
} units[] = {
    {"y", 1, 365LL * 24 * 3600 * 1000},
    {"w", 1, 7LL * 24 * 3600 * 1000},
    {"d", 1, 24LL * 3600 * 1000},
    {"h", 1, 3600LL * 1000},
    {"m", 1, 60LL * 1000},
    {"s", 1, 1000},
    {"ms", 2, 1},
};
#define NUNITS (sizeof(units) / sizeof(units[0]))

/* Index of the unit at s (longest match: "ms" before "m"), or -1. */
static int unit_at(const char *s, size_t len)
{
    if (len >= 2 && s[0] == 'm' && s[1] == 's') return 6;
    if (len < 1) return -1;
    for (int i = 0; i < 6; i++)
        if (s[0] == units[i].name[0]) return i;
    return -1;
}

int duration_parse(int64_t *out, const char *s, size_t len, const char **why)
{
    const char *dummy;
    if (!why) why = &dummy;
    *out = 0;
    if (len == 0) {
        *why = "empty duration";
        return -1;
    }
    if (len == 1 && s[0] == '0') return 0;
    int64_t total = 0;
    int next_unit = 0; /* units must come in order, each once */
    size_t i = 0;
    while (i < len) {
        if (s[i] < '0' || s[i] > '9') {
            *why = (s[i] == '-' || s[i] == '+') ? "a duration has no sign"
                                                : "expected a number followed by a unit";
            return -1;
        }
        int64_t n = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            int d = s[i] - '0';
            if (n > (INT64_MAX - d) / 10) {
                *why = "duration out of range";
                return -1;
            }
            n = n * 10 + d;
            i++;
        }
        if (i < len && s[i] == '.') {
            *why = "a duration has no fractions (write 1m30s, not 1.5m)";
            return -1;
        }
        int u = unit_at(s + i, len - i);
        if (u < 0) {
            *why = i == len ? "missing unit (one of y, w, d, h, m, s, ms)"
                            : "unknown unit (expected y, w, d, h, m, s or ms)";
            return -1;
        }
        if (u < next_unit) {
            *why = "units must appear once each, largest first (y, w, d, h, m, s, ms)";
            return -1;
        }
        next_unit = u + 1;
        i += units[u].len;
        if (n > INT64_MAX / units[u].ms || total > INT64_MAX - n * units[u].ms) {
            *why = "duration out of range";
            return -1;
        }
        total += n * units[u].ms;
    }
    *out = total;
    return 0;
}

size_t duration_format(char *buf, size_t size, int64_t ms)
{
    char tmp[DURATION_BUF_SIZE];
    size_t n = 0;
    if (ms <= 0) {
        n = (size_t)snprintf(tmp, sizeof(tmp), "0s");
    } else {
        for (size_t u = 0; u < NUNITS; u++) {
            /* years and weeks only when exact, as Prometheus prints them */
            if (u < 2 && ms % units[u].ms != 0) continue;
            int64_t v = ms / units[u].ms;
            if (v > 0) {
                n += (size_t)snprintf(tmp + n, sizeof(tmp) - n, "%lld%s", (long long)v,
                                      units[u].name);
                ms -= v * units[u].ms;
            }
        }
    }
    if (size > 0) {
        size_t c = n < size ? n : size - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return n;
}
