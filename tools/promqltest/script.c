/*
 * PromQL test scripts: see script.h. The command lines are recognised with
 * the very regular expressions Prometheus's test.go uses (compiled here by
 * promql_regex, which reads Go's syntax and picks submatches the same
 * leftmost-first way), so that a line is a command here exactly when it is
 * one there.
 */
#include "promqltest/script.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql/parser.h"
#include "source/memory.h"
#include "util/error.h"
#include "util/strbuf.h"

/* ---- lines ------------------------------------------------------------------ */

typedef struct line {
    const char *raw; /* the untrimmed line */
    size_t rawlen;
    strv t; /* trimmed, "" for comments */
} line;

/* Go's unicode.IsSpace for the trimming strings.TrimSpace does. */
static size_t space_len(const char *s, size_t n)
{
    unsigned char c = (unsigned char)s[0];
    if (c == ' ' || (c >= '\t' && c <= '\r')) return 1;
    if (c < 0x80) return 0;
    uint32_t r;
    size_t l = utf8_decode((const unsigned char *)s, n, &r);
    if (!l) return 0;
    if (r == 0x85 || r == 0xA0 || r == 0x1680 || (r >= 0x2000 && r <= 0x200A) || r == 0x2028 ||
        r == 0x2029 || r == 0x202F || r == 0x205F || r == 0x3000)
        return l;
    return 0;
}

static strv trim_space(strv s)
{
    size_t l;
    while (s.len > 0 && (l = space_len(s.ptr, s.len)) > 0) {
        s.ptr += l;
        s.len -= l;
    }
    while (s.len > 0) {
        size_t drop = 0;
        for (size_t k = 1; k <= 3 && k <= s.len && !drop; k++)
            if (space_len(s.ptr + s.len - k, k) == k) drop = k;
        if (!drop) break;
        s.len -= drop;
    }
    return s;
}

/* ---- the parse state ---------------------------------------------------------- */

typedef struct sparser {
    script *sc;
    const char *name;
    line *lines;
    size_t nlines;
    sloeval_error *err;
    promql_regex *pat_load, *pat_instant, *pat_range, *pat_expect, *pat_expect_range;
} sparser;

static int sfail(sparser *p, size_t li, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);

static int sfail(sparser *p, size_t li, const char *fmt, ...)
{
    if (error_is_set(p->err)) return p->err->code;
    char msg[440];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_set(p->err, SLOEVAL_EDATA, "%s:%zu: %s", p->name, li + 1, msg);
    if (p->err) p->err->line = (int)(li + 1);
    return SLOEVAL_EDATA;
}

static int oom(sparser *p)
{
    return error_set(p->err, SLOEVAL_ENOMEM, "out of memory reading %s", p->name);
}

/* Submatches of a compiled command pattern over a whole line. */
typedef struct groups {
    size_t ov[12];
    strv text;
} groups;

static bool match(promql_regex *re, strv text, groups *g)
{
    g->text = text;
    return promql_regex_match_groups(re, text, g->ov, 6) == 1;
}

static strv group(const groups *g, int i)
{
    if (g->ov[2 * i] == SIZE_MAX) return (strv){"", 0};
    return (strv){g->text.ptr + g->ov[2 * i], g->ov[2 * i + 1] - g->ov[2 * i]};
}

static int duration(sparser *p, size_t li, strv s, const char *what, int64_t *out)
{
    char eb[160] = "";
    if (promql_duration_parse(out, s.ptr, s.len, eb, sizeof(eb)) != 0) {
        strbuf q = STRBUF_INIT;
        quote_go_string(&q, s);
        int rc = sfail(p, li, "invalid %s %s: %s", what, strbuf_cstr(&q), eb);
        strbuf_free(&q);
        return rc;
    }
    return 0;
}

/* ---- numbers -------------------------------------------------------------------- */

/* Go's strconv.ParseInt(s, 0, 64) for an unsigned literal. */
static bool parse_int_base0(strv s, int64_t *out)
{
    size_t i = 0;
    bool neg = false;
    if (s.len && (s.ptr[0] == '+' || s.ptr[0] == '-')) {
        neg = s.ptr[0] == '-';
        i = 1;
    }
    int base = 10;
    bool prefixed = false;
    if (s.len - i >= 2 && s.ptr[i] == '0') {
        char c = (char)(s.ptr[i + 1] | 0x20);
        if (c == 'x') base = 16, prefixed = true;
        if (c == 'o') base = 8, prefixed = true;
        if (c == 'b') base = 2, prefixed = true;
        if (prefixed)
            i += 2;
        else
            base = 8, i += 1; /* a leading 0: octal */
    }
    uint64_t v = 0;
    size_t digits = 0;
    bool last_us = prefixed; /* '_' may follow a base prefix */
    if (base == 8 && !prefixed) {
        last_us = true; /* "0_7" is fine: the 0 is a digit */
        digits = 1;
    }
    for (; i < s.len; i++) {
        char c = s.ptr[i];
        if (c == '_') {
            if (!last_us && digits == 0) return false;
            if (i + 1 >= s.len || s.ptr[i + 1] == '_') return false;
            last_us = false;
            continue;
        }
        int d;
        if (c >= '0' && c <= '9')
            d = c - '0';
        else if ((c | 0x20) >= 'a' && (c | 0x20) <= 'f')
            d = (c | 0x20) - 'a' + 10;
        else
            return false;
        if (d >= base) return false;
        if (v > (UINT64_MAX - (uint64_t)d) / (uint64_t)base) return false;
        v = v * (uint64_t)base + (uint64_t)d;
        digits++;
        last_us = true;
    }
    if (digits == 0) return false;
    if (neg ? v > (uint64_t)INT64_MAX + 1 : v > (uint64_t)INT64_MAX) return false;
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return true;
}

/* Prometheus's number(): ParseInt(s, 0, 64), else ParseFloat(s, 64). */
static bool go_number(strv s, double *out)
{
    int64_t iv;
    if (parse_int_base0(s, &iv)) {
        *out = (double)iv;
        return true;
    }
    return float_parse(out, s) == 0;
}

/* ---- strings ------------------------------------------------------------------------ */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = (char)(c | 0x20);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/*
 * A quoted string at s (the opening quote at s[0]) as Prometheus's
 * strutil.Unquote reads it: "..." and '...' with Go's escapes (only the
 * matching quote may be escaped), `...` raw. Sets *used to the bytes taken
 * and appends the value to b; false on bad syntax.
 */
static bool unquote_at(const char *s, size_t n, size_t *used, strbuf *b, bool single_is_char)
{
    if (n < 2) return false;
    char q = s[0];
    if (q != '"' && q != '\'' && q != '`') return false;
    size_t i = 1;
    if (q == '`') {
        while (i < n && s[i] != '`') {
            if (s[i] != '\r') strbuf_putc(b, s[i]);
            i++;
        }
        if (i >= n) return false;
        *used = i + 1;
        return true;
    }
    size_t runes = 0;
    while (i < n && s[i] != q) {
        char c = s[i];
        if (c == '\n') return false;
        runes++;
        if (c != '\\') {
            strbuf_putc(b, c);
            i++;
            continue;
        }
        if (i + 1 >= n) return false;
        char e = s[i + 1];
        i += 2;
        switch (e) {
        case 'a': strbuf_putc(b, '\a'); break;
        case 'b': strbuf_putc(b, '\b'); break;
        case 'f': strbuf_putc(b, '\f'); break;
        case 'n': strbuf_putc(b, '\n'); break;
        case 'r': strbuf_putc(b, '\r'); break;
        case 't': strbuf_putc(b, '\t'); break;
        case 'v': strbuf_putc(b, '\v'); break;
        case '\\': strbuf_putc(b, '\\'); break;
        case '\'':
        case '"':
            if (e != q) return false;
            strbuf_putc(b, e);
            break;
        case 'x':
        case 'u':
        case 'U': {
            int k = e == 'x' ? 2 : e == 'u' ? 4 : 8;
            if (i + (size_t)k > n) return false;
            uint32_t v = 0;
            for (int j = 0; j < k; j++) {
                int h = hexval(s[i + (size_t)j]);
                if (h < 0) return false;
                v = v * 16 + (uint32_t)h;
            }
            i += (size_t)k;
            if (e == 'x') {
                strbuf_putc(b, (char)v);
            } else {
                if (v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF)) return false;
                char u[4];
                strbuf_append(b, u, utf8_encode(u, v));
            }
            break;
        }
        default:
            if (e >= '0' && e <= '7') {
                if (i + 2 > n) return false;
                uint32_t v = (uint32_t)(e - '0');
                for (int j = 0; j < 2; j++) {
                    char d = s[i + (size_t)j];
                    if (d < '0' || d > '7') return false;
                    v = v * 8 + (uint32_t)(d - '0');
                }
                if (v > 255) return false;
                i += 2;
                strbuf_putc(b, (char)v);
                break;
            }
            return false;
        }
    }
    if (i >= n) return false;
    if (q == '\'' && single_is_char && runes != 1) return false;
    *used = i + 1;
    return true;
}

/* ---- series descriptions --------------------------------------------------------- */

typedef struct pointbuf {
    script_point *v;
    size_t n, cap;
} pointbuf;

static int points_add(pointbuf *pb, script_point pt, uint64_t times)
{
    if (times > 10000000 || pb->n + times > 50000000) return -2;
    if (pb->n + times > pb->cap) {
        size_t ncap = pb->cap ? pb->cap : 16;
        while (ncap < pb->n + times)
            ncap *= 2;
        script_point *nv = realloc(pb->v, ncap * sizeof(*nv));
        if (!nv) return -1;
        pb->v = nv;
        pb->cap = ncap;
    }
    for (uint64_t k = 0; k < times; k++)
        pb->v[pb->n++] = pt;
    return 0;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_alnum(char c)
{
    return is_alpha(c) || (c >= '0' && c <= '9');
}

static bool is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

typedef struct desc {
    sparser *p;
    size_t li;
    const char *s;
    size_t n, pos;
} desc;

static int dfail(desc *d, const char *fmt, ...) SLOEVAL_PRINTF(2, 3);

static int dfail(desc *d, const char *fmt, ...)
{
    char msg[360];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return sfail(d->p, d->li, "%s (at column %zu)", msg, d->pos + 1);
}

/* A quoted string at d->pos into `out` (arena copy). */
static int desc_string(desc *d, strv *out, const char *what)
{
    strbuf b = STRBUF_INIT;
    size_t used;
    if (!unquote_at(d->s + d->pos, d->n - d->pos, &used, &b, false)) {
        strbuf_free(&b);
        return dfail(d, "expected a quoted string for %s", what);
    }
    d->pos += used;
    size_t len = b.len;
    char *copy = arena_strndup(&d->p->sc->a, len ? b.data : "", len);
    bool failed = b.failed;
    strbuf_free(&b);
    if (!copy || failed) return oom(d->p);
    *out = (strv){copy, len};
    return 0;
}

static void skip_ws(desc *d)
{
    while (d->pos < d->n && is_ws(d->s[d->pos]))
        d->pos++;
}

/* metric_identifier? label_set? */
static int desc_metric(desc *d, const labels **out)
{
    label pairs[64];
    size_t np = 0;
    strv name = STRV_NULL;
    if (d->pos < d->n && (is_alpha(d->s[d->pos]) || d->s[d->pos] == ':')) {
        size_t st = d->pos;
        while (d->pos < d->n && (is_alnum(d->s[d->pos]) || d->s[d->pos] == ':'))
            d->pos++;
        name = (strv){d->s + st, d->pos - st};
    }
    if (d->pos < d->n && d->s[d->pos] == '{') {
        d->pos++;
        for (;;) {
            skip_ws(d);
            if (d->pos < d->n && d->s[d->pos] == '}') {
                d->pos++;
                break;
            }
            if (np == sizeof(pairs) / sizeof(pairs[0])) return dfail(d, "too many labels");
            strv lname;
            bool quoted = false;
            if (d->pos < d->n && is_alpha(d->s[d->pos])) {
                size_t st = d->pos;
                while (d->pos < d->n && is_alnum(d->s[d->pos]))
                    d->pos++;
                lname = (strv){d->s + st, d->pos - st};
            } else if (d->pos < d->n &&
                       (d->s[d->pos] == '"' || d->s[d->pos] == '\'' || d->s[d->pos] == '`')) {
                int rc = desc_string(d, &lname, "a label name");
                if (rc) return rc;
                quoted = true;
            } else {
                return dfail(d, "expected a label name or '}' in the label set");
            }
            skip_ws(d);
            if (quoted && d->pos < d->n && (d->s[d->pos] == ',' || d->s[d->pos] == '}')) {
                /* {"name"}: the metric name */
                pairs[np++] = (label){STRV_LIT(METRIC_NAME_LABEL), lname};
            } else {
                if (d->pos >= d->n || d->s[d->pos] != '=')
                    return dfail(d, "expected '=' after label name \"%.*s\"",
                                 (int)(lname.len > 60 ? 60 : lname.len), lname.ptr);
                d->pos++;
                skip_ws(d);
                strv v;
                int rc = desc_string(d, &v, "a label value");
                if (rc) return rc;
                pairs[np++] = (label){lname, v};
            }
            skip_ws(d);
            if (d->pos < d->n && d->s[d->pos] == ',') {
                d->pos++;
                continue;
            }
            if (d->pos < d->n && d->s[d->pos] == '}') {
                d->pos++;
                break;
            }
            return dfail(d, "expected ',' or '}' in the label set");
        }
    } else if (!name.ptr) {
        return dfail(d, "expected a metric name or a label set");
    }
    if (name.ptr) {
        /* the name before the braces wins over a __name__ inside */
        size_t w = 0;
        for (size_t i = 0; i < np; i++)
            if (!strv_eq_cstr(pairs[i].name, METRIC_NAME_LABEL)) pairs[w++] = pairs[i];
        np = w;
        pairs[np++] = (label){STRV_LIT(METRIC_NAME_LABEL), name};
    }
    bool dup = false;
    const labels *ls = labels_make(&d->p->sc->a, pairs, np, false, &dup);
    if (!ls) return dup ? dfail(d, "a label name appears twice") : oom(d->p);
    *out = ls;
    return 0;
}

/* A NUMBER token as the series lexer scans it (digits, '.', exponent,
 * '_'); the next character must not be alphanumeric unless it is 'x'. */
static bool scan_number(desc *d, strv *tok)
{
    size_t st = d->pos, i = d->pos;
    bool digit = false;
    while (i < d->n && ((d->s[i] >= '0' && d->s[i] <= '9') || d->s[i] == '.' || d->s[i] == '_')) {
        digit |= d->s[i] >= '0' && d->s[i] <= '9';
        i++;
    }
    if (i < d->n && (d->s[i] == 'e' || d->s[i] == 'E') && digit) {
        size_t j = i + 1;
        if (j < d->n && (d->s[j] == '+' || d->s[j] == '-')) j++;
        while (j < d->n && ((d->s[j] >= '0' && d->s[j] <= '9') || d->s[j] == '_'))
            j++;
        i = j;
    }
    if (!digit) return false;
    if (i < d->n && d->s[i] != 'x' && (is_alnum(d->s[i]) || (unsigned char)d->s[i] >= 0x80))
        return false;
    *tok = (strv){d->s + st, i - st};
    d->pos = i;
    return true;
}

/* series_value: number, signed number, Inf/NaN, stale. */
static int desc_value(desc *d, double *out, bool *is_value)
{
    *is_value = false;
    double sign = 1;
    bool signed_ = false;
    if (d->pos < d->n && (d->s[d->pos] == '+' || d->s[d->pos] == '-')) {
        sign = d->s[d->pos] == '-' ? -1 : 1;
        signed_ = true;
        d->pos++;
    }
    if (d->pos >= d->n) return dfail(d, "expected a number after the sign");
    char c = d->s[d->pos];
    if (is_alpha(c) && c != '_') {
        size_t st = d->pos;
        while (d->pos < d->n && (is_alnum(d->s[d->pos]) || d->s[d->pos] == ':'))
            d->pos++;
        strv w = {d->s + st, d->pos - st};
        if (!signed_ && strv_eq_cstr(w, "stale")) {
            *out = stale_nan();
            *is_value = true;
            return 0;
        }
        if (w.len == 3 &&
            ((w.ptr[0] | 0x20) == 'i' && (w.ptr[1] | 0x20) == 'n' && (w.ptr[2] | 0x20) == 'f')) {
            *out = sign * INFINITY;
            *is_value = true;
            return 0;
        }
        if (w.len == 3 &&
            ((w.ptr[0] | 0x20) == 'n' && (w.ptr[1] | 0x20) == 'a' && (w.ptr[2] | 0x20) == 'n')) {
            *out = NAN;
            *is_value = true;
            return 0;
        }
        d->pos = st;
        return dfail(d, "unexpected \"%.*s\" in series values, expected a number or \"stale\"",
                     (int)(w.len > 40 ? 40 : w.len), w.ptr);
    }
    strv tok;
    if ((c >= '0' && c <= '9') ||
        (c == '.' && d->pos + 1 < d->n && d->s[d->pos + 1] >= '0' && d->s[d->pos + 1] <= '9')) {
        size_t st = d->pos;
        if (!scan_number(d, &tok)) {
            d->pos = st;
            return dfail(d, "bad number syntax in series values");
        }
        double v;
        if (!go_number(tok, &v)) {
            d->pos = st;
            return dfail(d, "error parsing number \"%.*s\"", (int)(tok.len > 40 ? 40 : tok.len),
                         tok.ptr);
        }
        *out = sign * v;
        *is_value = true;
        return 0;
    }
    if (signed_) return dfail(d, "expected a number after the sign");
    return 0;
}

/* uint after 'x': decimal digits only. */
static int desc_uint(desc *d, uint64_t *out)
{
    size_t st = d->pos;
    strv tok;
    if (d->pos >= d->n || !(d->s[d->pos] >= '0' && d->s[d->pos] <= '9') || !scan_number(d, &tok))
        return dfail(d, "expected a repetition count after 'x'");
    uint64_t v = 0;
    for (size_t i = 0; i < tok.len; i++) {
        if (tok.ptr[i] < '0' || tok.ptr[i] > '9' || v > (UINT64_MAX - 9) / 10) {
            d->pos = st;
            return dfail(d, "invalid repetition count \"%.*s\" in series values",
                         (int)(tok.len > 40 ? 40 : tok.len), tok.ptr);
        }
        v = v * 10 + (uint64_t)(tok.ptr[i] - '0');
    }
    *out = v;
    return 0;
}

/* {{ ... }} at d->pos: skip it (native histograms are not supported). */
static int desc_histogram(desc *d)
{
    const char *end = NULL;
    for (size_t i = d->pos + 2; i + 1 < d->n; i++) {
        if (d->s[i] == '}' && d->s[i + 1] == '}') {
            end = d->s + i;
            break;
        }
    }
    if (!end) return dfail(d, "unterminated native histogram \"{{\"");
    d->pos = (size_t)(end - d->s) + 2;
    return 0;
}

static int desc_points_err(desc *d, int rc)
{
    if (rc == -2) return dfail(d, "too many points in one series line");
    return oom(d->p);
}

static int desc_items(desc *d, pointbuf *pb, bool *hist)
{
    for (;;) {
        if (d->pos >= d->n) return 0;
        if (!is_ws(d->s[d->pos])) return dfail(d, "expected a space between series values");
        skip_ws(d);
        if (d->pos >= d->n) return 0;
        char c = d->s[d->pos];
        int prc = 0;
        if (c == '_') {
            d->pos++;
            uint64_t times = 1;
            if (d->pos < d->n && d->s[d->pos] == 'x') {
                d->pos++;
                int rc = desc_uint(d, &times);
                if (rc) return rc;
            }
            prc = points_add(pb, (script_point){0, POINT_OMITTED}, times);
        } else if (c == '{' && d->pos + 1 < d->n && d->s[d->pos + 1] == '{') {
            int rc = desc_histogram(d);
            if (rc) return rc;
            *hist = true;
            uint64_t times = 0;
            if (d->pos < d->n && (d->s[d->pos] == '+' || d->s[d->pos] == '-')) {
                d->pos++;
                if (d->pos + 1 >= d->n || d->s[d->pos] != '{' || d->s[d->pos + 1] != '{')
                    return dfail(d, "expected a native histogram after '+' or '-'");
                rc = desc_histogram(d);
                if (rc) return rc;
                if (d->pos >= d->n || d->s[d->pos] != 'x')
                    return dfail(d, "expected 'x' and a count after the histogram increment");
            }
            if (d->pos < d->n && d->s[d->pos] == 'x') {
                d->pos++;
                rc = desc_uint(d, &times);
                if (rc) return rc;
            }
            prc = points_add(pb, (script_point){0, POINT_HISTOGRAM}, times + 1);
        } else {
            double v;
            bool ok;
            int rc = desc_value(d, &v, &ok);
            if (rc) return rc;
            if (!ok) return dfail(d, "unexpected character '%c' in series values", c);
            if (d->pos < d->n && d->s[d->pos] == 'x') {
                d->pos++;
                uint64_t times;
                rc = desc_uint(d, &times);
                if (rc) return rc;
                prc = points_add(pb, (script_point){v, POINT_VALUE}, times + 1);
            } else if (d->pos < d->n && (d->s[d->pos] == '+' || d->s[d->pos] == '-')) {
                double step;
                bool sok;
                rc = desc_value(d, &step, &sok);
                if (rc) return rc;
                if (!sok || value_is_stale(step))
                    return dfail(d, "expected a number as the increment");
                if (d->pos >= d->n || d->s[d->pos] != 'x')
                    return dfail(d, "expected 'x' and a count after the increment");
                d->pos++;
                uint64_t times;
                rc = desc_uint(d, &times);
                if (rc) return rc;
                if (times >= 50000000) return desc_points_err(d, -2);
                for (uint64_t k = 0; k <= times && prc == 0; k++) {
                    prc = points_add(pb, (script_point){v, POINT_VALUE}, 1);
                    v += step; /* repeated addition, as the grammar does it */
                }
            } else {
                prc = points_add(pb, (script_point){v, POINT_VALUE}, 1);
            }
        }
        if (prc) return desc_points_err(d, prc);
        if (d->pos < d->n && !is_ws(d->s[d->pos]))
            return dfail(d, "unexpected '%c' after a series value", d->s[d->pos]);
    }
}

/* A whole series line into *out. */
static int parse_series(sparser *p, size_t li, strv text, script_series *out)
{
    desc d = {p, li, text.ptr, text.len, 0};
    memset(out, 0, sizeof(*out));
    out->line = (int)li + 1;
    /* name@st: start timestamps (3.x); the metric ends right before "@st" */
    size_t sp = 0;
    while (sp < text.len && text.ptr[sp] != ' ' && text.ptr[sp] != '\t')
        sp++;
    bool st = sp >= 3 && memcmp(text.ptr + sp - 3, "@st", 3) == 0;
    desc md = d;
    if (st) md.n = sp - 3;
    int rc = desc_metric(&md, &out->labels);
    if (rc) return rc;
    if (st) {
        if (md.pos != md.n) {
            d.pos = md.pos;
            return dfail(&d, "unexpected text before \"@st\"");
        }
        out->start_timestamps = true;
        /* the offsets are durations: kept as unsupported, not parsed */
        return 0;
    }
    d.pos = md.pos;
    pointbuf pb = {0};
    bool hist = false;
    rc = desc_items(&d, &pb, &hist);
    if (rc == 0 && pb.n) {
        out->points = arena_memdup(&p->sc->a, pb.v, pb.n * sizeof(script_point));
        if (!out->points) rc = oom(p);
        out->npoints = pb.n;
    }
    out->has_histograms = hist;
    free(pb.v);
    return rc;
}

/* ---- commands ------------------------------------------------------------------------ */

static script_cmd *new_cmd(sparser *p, script_cmd_kind kind, size_t li)
{
    script *sc = p->sc;
    if (sc->ncmds == sc->capcmds &&
        arena_grow(&sc->a, (void **)&sc->cmds, &sc->capcmds, sc->ncmds + 1, sizeof(script_cmd)))
        return NULL;
    script_cmd *c = &sc->cmds[sc->ncmds++];
    memset(c, 0, sizeof(*c));
    c->kind = kind;
    c->line = (int)li + 1;
    return c;
}

static int push_series(sparser *p, script_series **arr, size_t *n, size_t *cap,
                       const script_series *s)
{
    if (*n == *cap && arena_grow(&p->sc->a, (void **)arr, cap, *n + 1, sizeof(script_series)) != 0)
        return oom(p);
    (*arr)[(*n)++] = *s;
    return 0;
}

static int parse_load(sparser *p, size_t *li)
{
    groups g;
    if (!match(p->pat_load, p->lines[*li].t, &g))
        return sfail(p, *li, "invalid load command. (load[_with_nhcb] <step:duration>)");
    script_cmd *c = new_cmd(p, SCRIPT_LOAD, *li);
    if (!c) return oom(p);
    script_load *ld = &c->u.load;
    ld->with_nhcb = group(&g, 1).len > 0;
    int rc = duration(p, *li, group(&g, 2), "step definition", &ld->interval_ms);
    if (rc) return rc;
    size_t cap = 0;
    bool pending_st = false;
    size_t st_line = 0;
    while (*li + 1 < p->nlines) {
        (*li)++;
        strv t = p->lines[*li].t;
        if (t.len == 0) {
            (*li)--;
            break;
        }
        script_series s;
        rc = parse_series(p, *li, t, &s);
        if (rc) return rc;
        if (s.start_timestamps) {
            if (pending_st) return sfail(p, st_line, "@st line has no following sample line");
            pending_st = true;
            st_line = *li;
            ld->has_start_timestamps = true;
        } else {
            pending_st = false;
        }
        ld->has_histograms |= s.has_histograms;
        rc = push_series(p, &ld->series, &ld->nseries, &cap, &s);
        if (rc) return rc;
    }
    if (pending_st) return sfail(p, st_line, "@st line has no following sample line");
    return 0;
}

static int add_expect(sparser *p, script_eval *ev, size_t *cap, script_expect_kind kind,
                      script_match_kind mk, strv text, size_t li)
{
    if (ev->nexpects == *cap &&
        arena_grow(&p->sc->a, (void **)&ev->expects, cap, ev->nexpects + 1, sizeof(script_expect)))
        return oom(p);
    script_expect *e = &ev->expects[ev->nexpects++];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->match = mk;
    e->line = (int)li + 1;
    char *copy = arena_strndup(&p->sc->a, text.ptr ? text.ptr : "", text.len);
    if (!copy) return oom(p);
    e->text = (strv){copy, text.len};
    if (mk == EXPECT_MATCH_REGEX) {
        /* Go's regexp.Compile(pattern).MatchString: a search. */
        char eb[300] = "";
        if (promql_regex_check(e->text, SLOEVAL_COMPAT_V2, eb, sizeof(eb)) != 0)
            return sfail(p, li, "invalid regex %.*s: %s", (int)(text.len > 80 ? 80 : text.len),
                         text.ptr, eb);
        strbuf b = STRBUF_INIT;
        strbuf_puts(&b, "(?s:.*)(?:");
        strbuf_append(&b, text.ptr, text.len);
        strbuf_puts(&b, ")(?s:.*)");
        int rc = b.failed
                     ? SLOEVAL_ENOMEM
                     : promql_regex_compile_mode(&e->re, (strv){b.data, b.len}, SLOEVAL_COMPAT_V2,
                                                 PROMQL_REGEX_REPLACE, eb, sizeof(eb));
        strbuf_free(&b);
        if (rc == SLOEVAL_ENOMEM) return oom(p);
        if (rc)
            return sfail(p, li, "invalid regex %.*s: %s", (int)(text.len > 80 ? 80 : text.len),
                         text.ptr, eb);
        script *sc = p->sc;
        if (sc->nregexes == sc->capregexes &&
            arena_grow(&sc->a, (void **)&sc->regexes, &sc->capregexes, sc->nregexes + 1,
                       sizeof(promql_regex *))) {
            promql_regex_free(e->re);
            e->re = NULL;
            return oom(p);
        }
        sc->regexes[sc->nregexes++] = e->re;
    }
    switch (kind) {
    case EXPECT_FAIL: ev->fail = true; break;
    case EXPECT_ORDERED: ev->ordered = true; break;
    case EXPECT_WARN: ev->warn = true; break;
    case EXPECT_INFO: ev->info = true; break;
    default: break;
    }
    return 0;
}

static int count_expects(const script_eval *ev, script_expect_kind k)
{
    int n = 0;
    for (size_t i = 0; i < ev->nexpects; i++)
        n += ev->expects[i].kind == k;
    return n;
}

static int parse_expect_line(sparser *p, script_eval *ev, size_t *cap, size_t li, strv t)
{
    groups g;
    if (!match(p->pat_expect, t, &g))
        return sfail(p, li,
                     "invalid expect statement, must match `expect <type> <match_type>: "
                     "<string>` format");
    static const struct {
        const char *name;
        script_expect_kind kind;
    } kinds[] = {{"ordered", EXPECT_ORDERED}, {"fail", EXPECT_FAIL}, {"warn", EXPECT_WARN},
                 {"no_warn", EXPECT_NO_WARN}, {"info", EXPECT_INFO}, {"no_info", EXPECT_NO_INFO}};
    strv mode = group(&g, 1);
    script_expect_kind kind = EXPECT_FAIL;
    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
        if (strv_eq_cstr(mode, kinds[i].name)) kind = kinds[i].kind;
    strv mt = group(&g, 2);
    script_match_kind mk = EXPECT_MATCH_ANY;
    strv text = STRV_NULL;
    if (mt.len) {
        mk = strv_eq_cstr(mt, "msg") ? EXPECT_MATCH_MSG : EXPECT_MATCH_REGEX;
        text = trim_space(group(&g, 3));
    }
    int rc = add_expect(p, ev, cap, kind, mk, text, li);
    if (rc) return rc;
    if (count_expects(ev, EXPECT_INFO) && count_expects(ev, EXPECT_NO_INFO))
        return sfail(p, li, "invalid expect lines, info and no_info cannot be used together");
    if (count_expects(ev, EXPECT_WARN) && count_expects(ev, EXPECT_NO_WARN))
        return sfail(p, li, "invalid expect lines, warn and no_warn cannot be used together");
    if (count_expects(ev, EXPECT_FAIL) > 1)
        return sfail(p, li, "invalid expect lines, multiple expect fail lines are not allowed");
    return 0;
}

static bool has_prefix(strv s, const char *pre)
{
    size_t n = strlen(pre);
    return s.len >= n && memcmp(s.ptr, pre, n) == 0;
}

static int parse_eval(sparser *p, size_t *li)
{
    strv t = p->lines[*li].t;
    groups g;
    bool instant = match(p->pat_instant, t, &g);
    if (!instant && !match(p->pat_range, t, &g))
        return sfail(p, *li,
                     "invalid evaluation command. Must be either 'eval[_fail|_warn|_ordered] "
                     "instant [at <offset:duration>] <query>' or 'eval[_fail|_warn] range from "
                     "<from> to <to> step <step> <query>'");
    script_cmd *c = new_cmd(p, SCRIPT_EVAL, *li);
    if (!c) return oom(p);
    script_eval *ev = &c->u.eval;
    ev->range = !instant;
    strv mod = group(&g, 1);
    strv expr = group(&g, instant ? 3 : 5);
    char *ecopy = arena_strndup(&p->sc->a, expr.ptr, expr.len);
    if (!ecopy) return oom(p);
    ev->expr = (strv){ecopy, expr.len};
    ev->expr_column = (int)(expr.ptr - p->lines[*li].raw) + 1;
    int rc;
    if (instant) {
        rc = duration(p, *li, group(&g, 2), "timestamp definition", &ev->at_ms);
        if (rc) return rc;
    } else {
        rc = duration(p, *li, group(&g, 2), "start timestamp definition", &ev->start_ms);
        if (!rc) rc = duration(p, *li, group(&g, 3), "end timestamp definition", &ev->end_ms);
        if (rc) return rc;
        if (ev->end_ms < ev->start_ms)
            return sfail(p, *li,
                         "invalid test definition, end timestamp (%.*s) is before start "
                         "timestamp (%.*s)",
                         (int)group(&g, 3).len, group(&g, 3).ptr, (int)group(&g, 2).len,
                         group(&g, 2).ptr);
        rc = duration(p, *li, group(&g, 4), "step definition", &ev->step_ms);
        if (rc) return rc;
    }
    if (strv_eq_cstr(mod, "fail")) ev->fail = true;
    if (strv_eq_cstr(mod, "ordered")) ev->ordered = true;
    if (strv_eq_cstr(mod, "warn")) ev->warn = true;
    if (strv_eq_cstr(mod, "info")) ev->info = true;

    size_t ecap = 0, rcap = 0;
    while (*li + 1 < p->nlines) {
        (*li)++;
        strv d = p->lines[*li].t;
        if (d.len == 0) {
            (*li)--;
            break;
        }
        if (ev->fail && has_prefix(d, "expected_fail_message")) {
            strv m = trim_space((strv){d.ptr + 21, d.len - 21});
            rc = add_expect(p, ev, &ecap, EXPECT_FAIL, EXPECT_MATCH_MSG, m, *li);
            if (rc) return rc;
            break;
        }
        if (ev->fail && has_prefix(d, "expected_fail_regexp")) {
            strv m = trim_space((strv){d.ptr + 20, d.len - 20});
            rc = add_expect(p, ev, &ecap, EXPECT_FAIL, EXPECT_MATCH_REGEX, m, *li);
            if (rc) return rc;
            break;
        }
        if (has_prefix(d, "expect range vector")) {
            groups rg;
            if (!match(p->pat_expect_range, d, &rg))
                return sfail(p, *li, "invalid range vector definition \"%.*s\"",
                             (int)(d.len > 100 ? 100 : d.len), d.ptr);
            rc = duration(p, *li, group(&rg, 1), "start timestamp definition", &ev->start_ms);
            if (!rc) rc = duration(p, *li, group(&rg, 2), "end timestamp definition", &ev->end_ms);
            if (!rc) rc = duration(p, *li, group(&rg, 3), "step definition", &ev->step_ms);
            if (rc) return rc;
            if (ev->end_ms < ev->start_ms)
                return sfail(p, *li,
                             "invalid test definition, end timestamp is before start "
                             "timestamp");
            ev->expect_range_vector = true;
            ev->at_ms = ev->end_ms;
            continue;
        }
        if (has_prefix(d, "expect string")) {
            strv rest = {d.ptr + 13, d.len - 13};
            strbuf b = STRBUF_INIT;
            size_t used = 0;
            bool ok = rest.len > 1 && rest.ptr[0] == ' ' &&
                      unquote_at(rest.ptr + 1, rest.len - 1, &used, &b, true) &&
                      used == rest.len - 1;
            if (!ok) {
                strbuf_free(&b);
                return sfail(p, *li,
                             "expected string literal not valid - check that the string is "
                             "correctly quoted");
            }
            char *s = arena_strndup(&p->sc->a, b.len ? b.data : "", b.len);
            ev->string = (strv){s, b.len};
            strbuf_free(&b);
            if (!s) return oom(p);
            ev->expect_string = true;
            continue;
        }
        size_t sp = 0;
        while (sp < d.len && d.ptr[sp] != ' ')
            sp++;
        if (sp == 6 && memcmp(d.ptr, "expect", 6) == 0) {
            rc = parse_expect_line(p, ev, &ecap, *li, d);
            if (rc) return rc;
            continue;
        }
        double num;
        if (go_number(d, &num)) {
            ev->expect_scalar = true;
            ev->scalar = num;
            break;
        }
        script_series s;
        rc = parse_series(p, *li, d, &s);
        if (rc) return rc;
        if (s.start_timestamps) return sfail(p, *li, "@st lines belong in load blocks");
        if (s.npoints > 1 && instant && !ev->expect_range_vector)
            return sfail(p, *li,
                         "expecting multiple values in instant evaluation not allowed. consider "
                         "using 'expect range vector' directive to enable a range vector result "
                         "for an instant query");
        ev->has_histograms |= s.has_histograms;
        /* a series given twice keeps its last line, as the map upstream does */
        for (size_t k = 0; k < ev->nresults; k++) {
            if (labels_equal(ev->results[k].labels, s.labels)) {
                memmove(ev->results + k, ev->results + k + 1,
                        (ev->nresults - k - 1) * sizeof(script_series));
                ev->nresults--;
                break;
            }
        }
        rc = push_series(p, &ev->results, &ev->nresults, &rcap, &s);
        if (rc) return rc;
    }
    return 0;
}

static int compile_patterns(sparser *p)
{
    static const char *const pats[] = {
        "^load(?:_(with_nhcb))?\\s+(.+?)$",
        "^eval(?:_(fail|warn|ordered|info))?\\s+instant\\s+(?:at\\s+(.+?))?\\s+(.+)$",
        ("^eval(?:_(fail|warn|info))?\\s+range\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+?)"
         "\\s+(.+)$"),
        "^expect\\s+(ordered|fail|warn|no_warn|info|no_info)(?:\\s+(regex|msg):(.+))?$",
        "^expect range vector\\s+from\\s+(.+)\\s+to\\s+(.+)\\s+step\\s+(.+)$",
    };
    promql_regex **dst[] = {&p->pat_load, &p->pat_instant, &p->pat_range, &p->pat_expect,
                            &p->pat_expect_range};
    for (size_t i = 0; i < 5; i++) {
        int rc = promql_regex_compile_mode(dst[i], strv_from_cstr(pats[i]), SLOEVAL_COMPAT_V2,
                                           PROMQL_REGEX_REPLACE, NULL, 0);
        if (rc) return rc == SLOEVAL_ENOMEM ? oom(p) : error_set(p->err, rc, "internal pattern");
    }
    return 0;
}

static void free_patterns(sparser *p)
{
    promql_regex_free(p->pat_load);
    promql_regex_free(p->pat_instant);
    promql_regex_free(p->pat_range);
    promql_regex_free(p->pat_expect);
    promql_regex_free(p->pat_expect_range);
}

/* A top-level key of a `promtool test rules` file (YAML), where a
 * command was expected: say what the file is instead of "invalid
 * command". */
static bool is_promtool_test_key(strv l)
{
    static const char *const keys[] = {
        "rule_files:",       "tests:",         "evaluation_interval:",
        "group_eval_order:", "fuzzy_compare:", NULL};
    for (const char *const *k = keys; *k; k++) {
        size_t n = strlen(*k);
        if (l.len >= n && !memcmp(l.ptr, *k, n)) return true;
    }
    return false;
}

int script_parse(script **out, const char *text, size_t len, const char *name, sloeval_error *err)
{
    *out = NULL;
    script *sc = calloc(1, sizeof(*sc));
    if (!sc) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    arena_init(&sc->a, 16384);
    sc->name = arena_strdup(&sc->a, name ? name : "<script>");
    sparser p = {0};
    p.sc = sc;
    p.name = sc->name ? sc->name : "<script>";
    p.err = err;
    int rc = 0;
    if (!text) text = "", len = 0;
    /* split on '\n', trim, blank out comments */
    size_t n = 1;
    for (size_t i = 0; i < len; i++)
        n += text[i] == '\n';
    p.lines = calloc(n, sizeof(line));
    if (!p.lines || !sc->name) {
        rc = oom(&p);
        goto done;
    }
    size_t from = 0;
    for (size_t i = 0; i <= len; i++) {
        if (i < len && text[i] != '\n') continue;
        line *l = &p.lines[p.nlines++];
        l->raw = text + from;
        l->rawlen = i - from;
        l->t = trim_space((strv){text + from, i - from});
        if (l->t.len && l->t.ptr[0] == '#') l->t = (strv){l->t.ptr, 0};
        from = i + 1;
    }
    rc = compile_patterns(&p);
    for (size_t i = 0; rc == 0 && i < p.nlines; i++) {
        strv l = p.lines[i].t;
        if (l.len == 0) continue;
        size_t w = 0;
        while (w < l.len && l.ptr[w] != ' ' && l.ptr[w] != '\t')
            w++;
        char word[16] = "";
        size_t wl = w < sizeof(word) - 1 ? w : sizeof(word) - 1;
        for (size_t k = 0; k < wl; k++) {
            char c = l.ptr[k];
            word[k] = (char)(c >= 'A' && c <= 'Z' ? c + 32 : c);
        }
        if (w == 5 && !strcmp(word, "clear")) {
            if (!new_cmd(&p, SCRIPT_CLEAR, i)) rc = oom(&p);
        } else if (w >= 4 && !strncmp(word, "load", 4)) {
            rc = parse_load(&p, &i);
        } else if (w >= 4 && !strncmp(word, "eval", 4)) {
            rc = parse_eval(&p, &i);
        } else if (is_promtool_test_key(l)) {
            rc = sfail(&p, i,
                       "this is a promtool unit test file (rule_files:, tests:; run it with "
                       "`promtool test rules`): sloeval test runs PromQL test scripts of "
                       "Prometheus's promqltest format (load, eval and clear commands, as in "
                       "promql/promqltest/testdata/*.test)");
        } else {
            strbuf q = STRBUF_INIT;
            quote_go_string(&q, (strv){l.ptr, l.len > 80 ? 80 : l.len});
            rc = sfail(&p, i, "invalid command %s", strbuf_cstr(&q));
            strbuf_free(&q);
        }
    }
done:
    free_patterns(&p);
    free(p.lines);
    if (rc) {
        script_free(sc);
        return rc;
    }
    *out = sc;
    return 0;
}

int script_parse_file(script **out, const char *path, sloeval_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f) return error_set(err, SLOEVAL_EIO, "%s: %s", path, strerror(errno));
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_append(&sb, buf, got);
    int bad = ferror(f);
    fclose(f);
    int rc;
    if (bad)
        rc = error_set(err, SLOEVAL_EIO, "%s: read error", path);
    else if (sb.failed)
        rc = error_set(err, SLOEVAL_ENOMEM, "%s: out of memory", path);
    else
        rc = script_parse(out, sb.data ? sb.data : "", sb.len, path, err);
    strbuf_free(&sb);
    return rc;
}

void script_free(script *s)
{
    if (!s) return;
    for (size_t i = 0; i < s->nregexes; i++)
        promql_regex_free(s->regexes[i]);
    arena_free(&s->a);
    free(s);
}

static int load_block(sloeval_source *mem, const script_load *load, size_t *skipped,
                      sloeval_error *err)
{
    int rc = memory_load_begin(mem, err);
    if (rc) return rc;
    char where[64];
    for (size_t i = 0; i < load->nseries && rc == 0; i++) {
        const script_series *s = &load->series[i];
        if (s->start_timestamps) continue; /* counted with its sample line */
        /* the sample line after an @st line needs its start timestamps */
        if (s->has_histograms || (i > 0 && load->series[i - 1].start_timestamps)) {
            (*skipped)++;
            continue;
        }
        /* a later line for the same series replaces this one */
        bool replaced = false;
        for (size_t k = i + 1; k < load->nseries && !replaced; k++)
            replaced = labels_equal(load->series[k].labels, s->labels);
        if (replaced) continue;
        snprintf(where, sizeof(where), "line %d", s->line);
        for (size_t j = 0; j < s->npoints && rc == 0; j++) {
            if (s->points[j].kind != POINT_VALUE) continue;
            if (load->interval_ms && (int64_t)j > INT64_MAX / load->interval_ms) {
                rc = error_set(err, SLOEVAL_EDATA, "%s: timestamps overflow", where);
                break;
            }
            rc = memory_load_append_labels(mem, s->labels, (int64_t)j * load->interval_ms,
                                           s->points[j].v, where, err);
        }
    }
    if (rc) {
        memory_load_abort(mem);
        return rc;
    }
    memory_load_commit(mem);
    return 0;
}

int script_load_into(sloeval_source *mem, const script_load *load, sloeval_error *err)
{
    if (!memory_is_source(mem)) return error_set(err, SLOEVAL_EINVAL, "not an in-memory source");
    if (load->has_histograms)
        return error_set(err, SLOEVAL_EUNSUPPORTED,
                         "native histogram samples are not supported locally");
    if (load->has_start_timestamps)
        return error_set(err, SLOEVAL_EUNSUPPORTED,
                         "start timestamps (@st lines) are not supported locally");
    size_t skipped = 0;
    return load_block(mem, load, &skipped, err);
}

int script_load_supported_into(sloeval_source *mem, const script_load *load, size_t *skipped,
                               sloeval_error *err)
{
    *skipped = 0;
    if (!memory_is_source(mem)) return error_set(err, SLOEVAL_EINVAL, "not an in-memory source");
    return load_block(mem, load, skipped, err);
}

bool script_expect_matches(const script_expect *e, strv message)
{
    switch (e->match) {
    case EXPECT_MATCH_ANY: return true;
    case EXPECT_MATCH_MSG: return strv_eq(e->text, message);
    case EXPECT_MATCH_REGEX: return e->re && promql_regex_match(e->re, message);
    }
    return false;
}
