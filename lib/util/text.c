/*
 * Durations, Go quoting and JSON strings (see text.h). Numbers are in
 * text_float.c, the table of printable runes in text_isprint.c.
 */
#include <string.h>

#include "util/text.h"

/* ---- durations ---------------------------------------------------------- */

#define MS_PER_SECOND 1000LL
#define MS_PER_MINUTE (60 * MS_PER_SECOND)
#define MS_PER_HOUR   (60 * MS_PER_MINUTE)
#define MS_PER_DAY    (24 * MS_PER_HOUR)
#define MS_PER_WEEK   (7 * MS_PER_DAY)
#define MS_PER_YEAR   (365 * MS_PER_DAY)

static const struct {
    const char *unit;
    int64_t ms;
} duration_units[] = {
    {"y", MS_PER_YEAR},   {"w", MS_PER_WEEK},   {"d", MS_PER_DAY}, {"h", MS_PER_HOUR},
    {"m", MS_PER_MINUTE}, {"s", MS_PER_SECOND}, {"ms", 1},
};

/* The unit at s (its index in duration_units), -1 when there is none. */
static int unit_at(const char *s, size_t len, size_t *ulen)
{
    *ulen = 1;
    if (len == 0) return -1;
    switch (s[0]) {
    case 'y': return 0;
    case 'w': return 1;
    case 'd': return 2;
    case 'h': return 3;
    case 'm':
        if (len >= 2 && s[1] == 's') {
            *ulen = 2;
            return 6;
        }
        return 4;
    case 's': return 5;
    default: return -1;
    }
}

/* Why s is not a duration, for people: the first thing wrong from the
 * left; when the syntax is right, the value is too large. */
static const char *duration_refusal(const char *s, size_t len)
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

int text_parse_duration(int64_t *out, const char *s, size_t len, const char **why)
{
    *out = 0;
    if (len == 1 && s[0] == '0') return TEXT_OK;
    /* The usual shape, digits and one unit letter ("5m", "30d"): what the
     * loop below computes, without its generality. */
    if (len >= 2 && len <= 10) {
        uint64_t v = 0;
        size_t i = 0;
        while (i < len - 1 && s[i] >= '0' && s[i] <= '9')
            v = v * 10 + (uint64_t)(s[i++] - '0');
        size_t ulen;
        int unit = i == len - 1 ? unit_at(s + i, 1, &ulen) : -1;
        if (unit >= 0 &&
            v <= (uint64_t)INT64_MAX / ((uint64_t)duration_units[unit].ms * 1000000u)) {
            *out = (int64_t)v * duration_units[unit].ms;
            return TEXT_OK;
        }
    }
    /* As 2.42 does it: a syntax error (digits and units out of order) wins
     * over a value out of range, wherever each occurs. */
    const uint64_t max_ns = (uint64_t)INT64_MAX;
    uint64_t total_ns = 0;
    bool overflow = false;
    size_t i = 0;
    int last_unit = -1;
    int rc = TEXT_OK;
    if (len == 0) rc = TEXT_SYNTAX;
    while (rc == TEXT_OK && i < len) {
        if (s[i] < '0' || s[i] > '9') {
            rc = TEXT_SYNTAX;
            break;
        }
        uint64_t v = 0;
        while (i < len && s[i] >= '0' && s[i] <= '9') {
            unsigned d = (unsigned)(s[i] - '0');
            if (v > (UINT64_MAX - d) / 10)
                overflow = true;
            else
                v = v * 10 + d;
            i++;
        }
        size_t ulen = 0;
        int unit = unit_at(s + i, len - i, &ulen);
        /* A unit is everything up to the next digit. */
        if (unit >= 0 && i + ulen < len && !(s[i + ulen] >= '0' && s[i + ulen] <= '9')) unit = -1;
        if (unit < 0 || unit <= last_unit) {
            rc = TEXT_SYNTAX;
            break;
        }
        last_unit = unit;
        i += ulen;
        uint64_t mult_ns = (uint64_t)duration_units[unit].ms * 1000000u;
        if (overflow || v > max_ns / mult_ns) {
            overflow = true;
            continue;
        }
        total_ns += v * mult_ns;
        if (total_ns > max_ns) overflow = true;
    }
    if (rc == TEXT_OK && overflow) rc = TEXT_RANGE;
    if (rc != TEXT_OK) {
        if (why) *why = duration_refusal(s, len);
        return rc;
    }
    *out = (int64_t)(total_ns / 1000000u);
    return TEXT_OK;
}

/* Decimal digits of v at the end of tmp; returns where they start. */
static char *u64_digits(char *end, uint64_t v)
{
    do {
        *--end = (char)('0' + v % 10);
        v /= 10;
    } while (v);
    return end;
}

size_t text_format_duration(char *buf, size_t size, int64_t ms)
{
    char tmp[TEXT_DURATION_BUF];
    size_t n = 0;
    uint64_t v;
    if (ms < 0) {
        tmp[n++] = '-';
        v = (uint64_t)0 - (uint64_t)ms;
    } else {
        v = (uint64_t)ms;
    }
    if (v == 0) {
        memcpy(tmp, "0s", 2);
        n = 2;
    }
    for (size_t k = 0; k < sizeof(duration_units) / sizeof(duration_units[0]); k++) {
        uint64_t mult = (uint64_t)duration_units[k].ms;
        /* Years and weeks only when they divide the rest exactly: 90d reads
         * better than 12w6d. */
        if (k < 2 && v % mult != 0) continue;
        uint64_t q = v / mult;
        if (q > 0) {
            char d[24];
            char *p = u64_digits(d + sizeof(d), q);
            size_t dl = (size_t)(d + sizeof(d) - p);
            memcpy(tmp + n, p, dl);
            n += dl;
            size_t ul = strlen(duration_units[k].unit);
            memcpy(tmp + n, duration_units[k].unit, ul);
            n += ul;
            v -= q * mult;
        }
    }
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return n;
}

/* ---- Go quoting --------------------------------------------------------- */

static const char hex_digits[] = "0123456789abcdef";

static void put_hex(strbuf *sb, char kind, uint32_t v, int width)
{
    char b[10];
    b[0] = '\\';
    b[1] = kind;
    for (int i = 0; i < width; i++)
        b[2 + i] = hex_digits[(v >> (4 * (width - 1 - i))) & 15];
    strbuf_append(sb, b, (size_t)width + 2);
}

static void append_quoted(strbuf *sb, const char *s, size_t n, char quote, bool escape_fffd)
{
    const unsigned char *p = (const unsigned char *)s;
    strbuf_putc(sb, quote);
    size_t run = 0, i = 0; /* bytes [run, i) go out as they are */
    while (i < n) {
        unsigned char c = p[i];
        if (c >= 0x20 && c < 0x7f && c != (unsigned char)quote && c != '\\') {
            i++;
            continue;
        }
        uint32_t r = c;
        size_t w = 1;
        if (c >= 0x80) {
            w = utf8_decode(p + i, n - i, &r);
            if (w != 0 && text_rune_is_print(r) && !(escape_fffd && r == 0xFFFD)) {
                i += w;
                continue;
            }
        }
        strbuf_append(sb, s + run, i - run);
        if (w == 0) {
            put_hex(sb, 'x', c, 2); /* not UTF-8: the byte */
            w = 1;
        } else if (r == (unsigned char)quote || r == '\\') {
            strbuf_putc(sb, '\\');
            strbuf_putc(sb, (char)r);
        } else {
            switch (r) {
            case '\a': strbuf_append(sb, "\\a", 2); break;
            case '\b': strbuf_append(sb, "\\b", 2); break;
            case '\f': strbuf_append(sb, "\\f", 2); break;
            case '\n': strbuf_append(sb, "\\n", 2); break;
            case '\r': strbuf_append(sb, "\\r", 2); break;
            case '\t': strbuf_append(sb, "\\t", 2); break;
            case '\v': strbuf_append(sb, "\\v", 2); break;
            default:
                if (r < ' ' || r == 0x7f)
                    put_hex(sb, 'x', r, 2);
                else if (r < 0x10000)
                    put_hex(sb, 'u', r, 4);
                else
                    put_hex(sb, 'U', r, 8);
            }
        }
        i += w;
        run = i;
    }
    strbuf_append(sb, s + run, n - run);
    strbuf_putc(sb, quote);
}

void text_append_quoted(strbuf *sb, const char *s, size_t n, char quote)
{
    append_quoted(sb, s, n, quote, false);
}

void text_append_quoted_promql(strbuf *sb, const char *s, size_t n)
{
    append_quoted(sb, s, n, '"', true);
}

size_t text_quote(char *buf, size_t size, const char *s, size_t n)
{
    strbuf sb = STRBUF_INIT;
    text_append_quoted(&sb, s, n, '"');
    size_t len = sb.failed ? 0 : sb.len;
    if (size) {
        size_t c = len < size - 1 ? len : size - 1;
        if (c) memcpy(buf, sb.data, c);
        buf[c] = '\0';
    }
    strbuf_free(&sb);
    return len;
}

/* ---- JSON strings ------------------------------------------------------- */

void text_append_json_string(strbuf *sb, const char *s, size_t n, unsigned flags)
{
    const unsigned char *p = (const unsigned char *)s;
    bool html = flags & TEXT_JSON_HTML;
    strbuf_putc(sb, '"');
    size_t run = 0, i = 0;
    while (i < n) {
        unsigned char b = p[i];
        if (b < 0x80) {
            if (b >= 0x20 && b != '"' && b != '\\' &&
                !(html && (b == '<' || b == '>' || b == '&'))) {
                i++;
                continue;
            }
            strbuf_append(sb, s + run, i - run);
            switch (b) {
            case '\\': strbuf_append(sb, "\\\\", 2); break;
            case '"': strbuf_append(sb, "\\\"", 2); break;
            case '\n': strbuf_append(sb, "\\n", 2); break;
            case '\r': strbuf_append(sb, "\\r", 2); break;
            case '\t': strbuf_append(sb, "\\t", 2); break;
            default: put_hex(sb, 'u', b, 4);
            }
            run = ++i;
            continue;
        }
        uint32_t r;
        size_t w = utf8_decode(p + i, n - i, &r);
        if (w == 0) {
            strbuf_append(sb, s + run, i - run);
            strbuf_append(sb, "\\ufffd", 6);
            run = ++i;
            continue;
        }
        if (r == 0x2028 || r == 0x2029) {
            strbuf_append(sb, s + run, i - run);
            put_hex(sb, 'u', r, 4);
            i += w;
            run = i;
            continue;
        }
        i += w;
    }
    strbuf_append(sb, s + run, n - run);
    strbuf_putc(sb, '"');
}
