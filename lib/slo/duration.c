/*
 * Durations in configs: the front end's parser (promql_duration_parse,
 * Prometheus's model.ParseDuration) decides; this file only says why a
 * text is not a duration, in the words the config loader prints.
 */
#include "slo/duration.h"

#include "promql/parser.h"

/* The unit at s, as the front end reads units, or -1 when there is none:
 * its position in y, w, d, h, m, s, ms ("ms" before "m"). */
static int unit_at(const char *s, size_t len, size_t *ulen)
{
    static const char units[] = "ywdhms";
    *ulen = 1;
    if (len >= 2 && s[0] == 'm' && s[1] == 's') {
        *ulen = 2;
        return 6;
    }
    for (int i = 0; len > 0 && units[i]; i++)
        if (s[0] == units[i]) return i;
    return -1;
}

/* Why promql_duration_parse refused s: the first thing wrong, reading from
 * the left; when the syntax is right, the value is too large. */
static const char *refusal(const char *s, size_t len)
{
    if (len == 0) return "empty duration";
    int next_unit = 0; /* units must come in order, each once */
    size_t i = 0;
    while (i < len) {
        if (s[i] < '0' || s[i] > '9')
            return (s[i] == '-' || s[i] == '+') ? "a duration has no sign"
                                                : "expected a number followed by a unit";
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        if (i < len && s[i] == '.') return "a duration has no fractions (write 1m30s, not 1.5m)";
        size_t ulen;
        int u = unit_at(s + i, len - i, &ulen);
        if (u < 0)
            return i == len ? "missing unit (one of y, w, d, h, m, s, ms)"
                            : "unknown unit (expected y, w, d, h, m, s or ms)";
        if (u < next_unit)
            return "units must appear once each, largest first (y, w, d, h, m, s, ms)";
        next_unit = u + 1;
        i += ulen;
    }
    return "duration out of range";
}

int duration_parse(int64_t *out, const char *s, size_t len, const char **why)
{
    *out = 0;
    if (promql_duration_parse(out, s, len, NULL, 0) == 0) return 0;
    if (why) *why = refusal(s, len);
    return -1;
}
