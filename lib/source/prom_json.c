/*
 * Streaming decoder of Prometheus /api/v1/query and /api/v1/query_range
 * responses (prom_decode_response, see prometheus.h).
 *
 * Why not a JSON DOM: building one (jansson) costs an allocation per
 * number, string and array, and about ten times the body in memory; it
 * was 77-83% of the decode time (bench/bench_decode). This decoder walks
 * the body once, strictly (RFC 8259: no trailing commas, no leading zeros,
 * valid UTF-8, escapes checked), and writes samples straight into the
 * arena. Strings without escapes are not copied (label sets copy what
 * they keep). Members may come in any order; unknown members are skipped.
 *
 * Timestamps are read from their digits: exact decimal seconds become
 * milliseconds, rounded half away from zero when there are more than
 * three decimals. Values go through float_parse (Go's ParseFloat).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/prometheus.h"
#include "util/error.h"
#include "util/utf8.h"

#define MAX_DEPTH 64

typedef struct jp {
    const char *start, *p, *end;
    long status;
    const char *url;
    const char *ctype;
    arena *a;
    sloeval_error *err;
    int code;      /* first failure */
    char *scratch; /* unescaped strings, reused */
    size_t scratch_cap;
    sample *samples; /* the current series' samples, reused */
    size_t samples_cap;
    double *exec_seconds; /* data.stats.timings.execTotalTime wanted here, or NULL */
    bool server_error;    /* the body is a well-formed error answer */
} jp;

typedef enum elem_value {
    ELEM_NONE = 0,
    ELEM_VALUE,     /* "value": [ts, "v"] */
    ELEM_VALUES,    /* "values": [[ts, "v"], ...] */
    ELEM_HISTOGRAM, /* "histogram" or "histograms": native histograms */
} elem_value;

static int fail(jp *j, int code, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);

static int fail(jp *j, int code, const char *fmt, ...)
{
    if (j->code) return j->code;
    char detail[SLOEVAL_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    j->code = code;
    if (!error_is_set(j->err)) {
        error_set(j->err, code, "HTTP %ld from %s: %s", j->status, j->url ? j->url : "server",
                  detail);
        if (j->err) j->err->http_status = (int)j->status;
    }
    return code;
}

/* A syntax error at the current position. */
static int syntax(jp *j, const char *what)
{
    int line, col;
    error_line_col(j->start, (size_t)(j->end - j->start), (size_t)(j->p - j->start), &line, &col);
    if (j->p >= j->end)
        return fail(j, SLOEVAL_EDECODE,
                    "invalid JSON at line %d column %d: %s (the body ends "
                    "there)",
                    line, col, what);
    return fail(j, SLOEVAL_EDECODE, "invalid JSON at line %d column %d: %s", line, col, what);
}

void prom_excerpt(char *buf, size_t size, const char *s, size_t len)
{
    size_t o = 0, max = size > 4 ? size - 4 : 0;
    for (size_t i = 0; i < len && o < max; i++) {
        unsigned char ch = (unsigned char)s[i];
        buf[o++] = (ch < 32 || ch == 127) ? ' ' : (char)ch;
    }
    if (o < len && o == max) {
        memcpy(buf + o, "...", 3);
        o += 3;
    }
    buf[o] = '\0';
}

static const labels *series_labels(const value *v, size_t i)
{
    return v->kind == VALUE_VECTOR ? v->u.vector.items[i].labels : v->u.matrix.items[i].labels;
}

int prom_check_distinct_series(const value *v, char *msg, size_t size)
{
    size_t n = v->kind == VALUE_VECTOR   ? v->u.vector.count
               : v->kind == VALUE_MATRIX ? v->u.matrix.count
                                         : 0;
    if (n < 2) return 0;
    /* An open-addressing set of element indexes (+1) keyed by the label
     * sets' hashes, which labels_make computed already: one pass. */
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    size_t *slots = calloc(cap, sizeof(*slots));
    if (!slots) {
        snprintf(msg, size, "out of memory");
        return SLOEVAL_ENOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        const labels *ls = series_labels(v, i);
        size_t h = (size_t)ls->hash & (cap - 1);
        for (; slots[h]; h = (h + 1) & (cap - 1)) {
            const labels *other = series_labels(v, slots[h] - 1);
            if (other->hash != ls->hash || !labels_equal(other, ls)) continue;
            strbuf sb = STRBUF_INIT;
            labels_append_string(&sb, ls);
            char ex[160];
            prom_excerpt(ex, sizeof(ex), strbuf_cstr(&sb), sb.len);
            strbuf_free(&sb);
            snprintf(msg, size,
                     "data.result[%zu] has the same labels as data.result[%zu]: %s (a %s holds "
                     "each series once)",
                     i, slots[h] - 1, ex, v->kind == VALUE_VECTOR ? "vector" : "matrix");
            free(slots);
            return SLOEVAL_EDECODE;
        }
        slots[h] = i + 1;
    }
    free(slots);
    return 0;
}

static inline void ws(jp *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\n' || *j->p == '\r' || *j->p == '\t'))
        j->p++;
}

/* Expect byte c (after whitespace). */
static int expect(jp *j, char c, const char *what)
{
    ws(j);
    if (j->p < j->end && *j->p == c) {
        j->p++;
        return 0;
    }
    return syntax(j, what);
}

/* After an element of an array or object: ',' (returns 1) or `close` (0). */
static int next_or_close(jp *j, char close, int *more)
{
    ws(j);
    if (j->p < j->end) {
        if (*j->p == ',') {
            j->p++;
            *more = 1;
            return 0;
        }
        if (*j->p == close) {
            j->p++;
            *more = 0;
            return 0;
        }
    }
    return syntax(j, close == ']' ? "expected ',' or ']'" : "expected ',' or '}'");
}

/* After an opening '[' or '{': *more says whether the array or object has
 * members, or ends at once with `close`. */
static void open_members(jp *j, char close, int *more)
{
    ws(j);
    if (j->p < j->end && *j->p == close) {
        j->p++;
        *more = 0;
        return;
    }
    *more = 1;
}

static int grow_scratch(jp *j, size_t need)
{
    if (need <= j->scratch_cap) return 0;
    size_t cap = j->scratch_cap ? j->scratch_cap : 256;
    while (cap < need)
        cap *= 2;
    char *p = realloc(j->scratch, cap);
    if (!p) return fail(j, SLOEVAL_ENOMEM, "out of memory");
    j->scratch = p;
    j->scratch_cap = cap;
    return 0;
}

static int hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/*
 * A string at j->p (after whitespace). Without escapes *out points into
 * the body; with escapes into j->scratch (valid until the next string
 * with escapes). `keep` copies the escaped form into the arena instead.
 */
static int string(jp *j, strv *out, bool keep)
{
    ws(j);
    if (j->p >= j->end || *j->p != '"') return syntax(j, "expected a string");
    const char *s = ++j->p;
    const char *p = s;
    bool escaped = false;
    while (p < j->end) {
        unsigned char c = (unsigned char)*p;
        if (c == '"') break;
        if (c == '\\') {
            escaped = true;
            p += 2;
            continue;
        }
        if (c < 0x20) {
            j->p = p;
            return syntax(j, "control character in a string");
        }
        if (c >= 0x80) {
            uint32_t cp;
            size_t n = utf8_decode((const unsigned char *)p, (size_t)(j->end - p), &cp);
            if (n == 0) {
                j->p = p;
                return syntax(j, "invalid UTF-8 in a string");
            }
            p += n;
            continue;
        }
        p++;
    }
    if (p >= j->end) {
        j->p = j->end;
        return syntax(j, "unterminated string");
    }
    if (!escaped) {
        *out = (strv){s, (size_t)(p - s)};
        j->p = p + 1;
        return 0;
    }
    /* Unescape: the result is never longer than the source. */
    if (grow_scratch(j, (size_t)(p - s) + 1)) return j->code;
    char *o = j->scratch;
    const char *q = s;
    while (q < p) {
        if (*q != '\\') {
            *o++ = *q++;
            continue;
        }
        q++;
        char e = *q++;
        switch (e) {
        case '"': *o++ = '"'; break;
        case '\\': *o++ = '\\'; break;
        case '/': *o++ = '/'; break;
        case 'b': *o++ = '\b'; break;
        case 'f': *o++ = '\f'; break;
        case 'n': *o++ = '\n'; break;
        case 'r': *o++ = '\r'; break;
        case 't': *o++ = '\t'; break;
        case 'u': {
            unsigned cp;
            if (p - q < 4 || hex4(q, &cp)) {
                j->p = q - 2;
                return syntax(j, "invalid \\u escape");
            }
            q += 4;
            if (cp >= 0xd800 && cp <= 0xdbff) {
                unsigned lo;
                if (p - q >= 6 && q[0] == '\\' && q[1] == 'u' && !hex4(q + 2, &lo) &&
                    lo >= 0xdc00 && lo <= 0xdfff) {
                    cp = 0x10000 + ((cp - 0xd800) << 10) + (lo - 0xdc00);
                    q += 6;
                } else {
                    j->p = q - 6;
                    return syntax(j, "unpaired UTF-16 surrogate in a \\u escape");
                }
            } else if (cp >= 0xdc00 && cp <= 0xdfff) {
                j->p = q - 6;
                return syntax(j, "unpaired UTF-16 surrogate in a \\u escape");
            }
            o += utf8_encode(o, cp);
            break;
        }
        default: j->p = q - 2; return syntax(j, "invalid escape in a string");
        }
    }
    size_t len = (size_t)(o - j->scratch);
    j->p = p + 1;
    if (keep) {
        char *copy = arena_memdup(j->a, j->scratch, len);
        if (!copy && len) return fail(j, SLOEVAL_ENOMEM, "out of memory");
        *out = (strv){copy, len};
    } else {
        *out = (strv){j->scratch, len};
    }
    return 0;
}

/* An object key and its ':'. */
static int key(jp *j, strv *out)
{
    if (string(j, out, false)) return j->code;
    return expect(j, ':', "expected ':'");
}

/* Check the JSON number grammar at j->p and return its extent. */
static int number_span(jp *j, const char **s, const char **e)
{
    ws(j);
    const char *p = j->p;
    *s = p;
    if (p < j->end && *p == '-') p++;
    if (p >= j->end || *p < '0' || *p > '9') return syntax(j, "expected a number");
    if (*p == '0')
        p++;
    else
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    if (p < j->end && *p == '.') {
        p++;
        if (p >= j->end || *p < '0' || *p > '9') {
            j->p = p;
            return syntax(j, "digit expected after '.'");
        }
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    if (p < j->end && (*p == 'e' || *p == 'E')) {
        p++;
        if (p < j->end && (*p == '+' || *p == '-')) p++;
        if (p >= j->end || *p < '0' || *p > '9') {
            j->p = p;
            return syntax(j, "digit expected in the exponent");
        }
        while (p < j->end && *p >= '0' && *p <= '9')
            p++;
    }
    *e = p;
    j->p = p;
    return 0;
}

/*
 * Seconds in decimal to milliseconds, exactly from the digits: the value
 * is D * 10^E with up to 19 significant digits in D; ms = D * 10^(E+3),
 * rounded half away from zero. False when out of int64 range.
 */
static bool digits_to_ms(const char *s, const char *e, int64_t *out)
{
    bool neg = false;
    if (*s == '-') {
        neg = true;
        s++;
    }
    uint64_t d = 0;
    int ndig = 0;   /* significant digits kept in d */
    long exp10 = 0; /* value = d * 10^exp10 (before the exponent part) */
    bool seen_nonzero = false;
    const char *p = s;
    for (; p < e && *p >= '0' && *p <= '9'; p++) {
        if (*p != '0') seen_nonzero = true;
        if (!seen_nonzero) continue;
        if (ndig < 19) {
            d = d * 10 + (uint64_t)(*p - '0');
            ndig++;
        } else {
            exp10++; /* a dropped integer digit */
        }
    }
    if (p < e && *p == '.') {
        for (p++; p < e && *p >= '0' && *p <= '9'; p++) {
            if (*p != '0') seen_nonzero = true;
            if (!seen_nonzero) {
                exp10--;
                continue;
            }
            if (ndig < 19) {
                d = d * 10 + (uint64_t)(*p - '0');
                ndig++;
                exp10--;
            }
            /* further fraction digits are below the 19th significant one */
        }
    }
    if (p < e && (*p == 'e' || *p == 'E')) {
        p++;
        bool eneg = false;
        if (*p == '+' || *p == '-') eneg = *p++ == '-';
        long x = 0;
        for (; p < e; p++) {
            if (x < 100000) x = x * 10 + (*p - '0');
        }
        exp10 += eneg ? -x : x;
    }
    if (d == 0) {
        *out = 0;
        return true;
    }
    long shift = exp10 + 3;
    uint64_t ms;
    if (shift >= 0) {
        if (shift > 19) return false;
        ms = d;
        for (long i = 0; i < shift; i++) {
            if (ms > UINT64_MAX / 10) return false;
            ms *= 10;
        }
    } else {
        if (-shift > 19) {
            ms = 0; /* below half a millisecond: d < 10^19 <= 10^-shift / 2 */
        } else {
            uint64_t pow = 1;
            for (long i = 0; i < -shift; i++)
                pow *= 10;
            ms = d / pow;
            uint64_t rem = d % pow;
            if (rem >= pow - rem) ms++; /* half away from zero */
        }
    }
    if (ms > (uint64_t)INT64_MAX) return false;
    *out = neg ? -(int64_t)ms : (int64_t)ms;
    return true;
}

/* Skip any JSON value. */
static int skip_value(jp *j, int depth)
{
    if (depth > MAX_DEPTH) return syntax(j, "nesting too deep");
    ws(j);
    if (j->p >= j->end) return syntax(j, "expected a value");
    char c = *j->p;
    int more;
    if (c == '"') {
        strv s;
        return string(j, &s, false);
    }
    if (c == '{') {
        j->p++;
        open_members(j, '}', &more);
        while (more) {
            strv k;
            if (key(j, &k) || skip_value(j, depth + 1) || next_or_close(j, '}', &more))
                return j->code;
        }
        return 0;
    }
    if (c == '[') {
        j->p++;
        open_members(j, ']', &more);
        while (more) {
            if (skip_value(j, depth + 1) || next_or_close(j, ']', &more)) return j->code;
        }
        return 0;
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *s, *e;
        return number_span(j, &s, &e);
    }
    static const char *const words[3] = {"true", "false", "null"};
    for (int i = 0; i < 3; i++) {
        size_t n = strlen(words[i]);
        if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, words[i], n)) {
            j->p += n;
            return 0;
        }
    }
    return syntax(j, "unexpected character");
}

static char peek(jp *j)
{
    ws(j);
    return j->p < j->end ? *j->p : '\0';
}

/* ---- the result ---------------------------------------------------------- */

/* A problem with element i's "value" (k == SIZE_MAX) or sample k of its "values". */
static int pair_fail(jp *j, size_t i, size_t k, const char *what)
{
    if (k == SIZE_MAX) return fail(j, SLOEVAL_EDECODE, "data.result[%zu].value: %s", i, what);
    return fail(j, SLOEVAL_EDECODE, "data.result[%zu].values[%zu]: %s", i, k, what);
}

/* [ts, "v"]: the timestamp and the value string. */
static int pair(jp *j, int64_t *t, strv *v, size_t i, size_t k, bool *shape_ok)
{
    *shape_ok = false;
    if (peek(j) != '[') return 0;
    j->p++;
    char c = peek(j);
    if (c != '-' && !(c >= '0' && c <= '9')) {
        if (c == '"' || c == '{' || c == '[' || c == 't' || c == 'f' || c == 'n') {
            if (c == '"' || c == 't' || c == 'f' || c == 'n')
                return pair_fail(j, i, k, "timestamp is not a number");
            return 0;
        }
        return syntax(j, "expected a value");
    }
    const char *s, *e;
    if (number_span(j, &s, &e)) return j->code;
    if (!digits_to_ms(s, e, t)) {
        char ex[40], what[80];
        prom_excerpt(ex, sizeof(ex), s, (size_t)(e - s));
        snprintf(what, sizeof(what), "timestamp %s out of range", ex);
        return pair_fail(j, i, k, what);
    }
    if (expect(j, ',', "expected ','")) return j->code;
    c = peek(j);
    if (c != '"') {
        if (c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n' || c == '{' ||
            c == '[')
            return pair_fail(j, i, k, "sample value is not a string");
        return syntax(j, "expected a value");
    }
    if (string(j, v, false)) return j->code;
    ws(j);
    if (j->p < j->end && *j->p == ']') {
        j->p++;
        *shape_ok = true;
        return 0;
    }
    if (j->p < j->end && *j->p == ',') return 0; /* more than two: the caller says so */
    return syntax(j, "expected ',' or ']'");
}

static int parse_value(jp *j, strv s, double *v, const char *what, size_t i, size_t k, bool with_k)
{
    if (float_parse(v, s) == 0) return 0;
    char ex[64];
    prom_excerpt(ex, sizeof(ex), s.ptr, s.len);
    if (with_k)
        return fail(j, SLOEVAL_EDECODE, "data.result[%zu].values[%zu]: bad sample value \"%s\"", i,
                    k, ex);
    return fail(j, SLOEVAL_EDECODE, "%s: bad sample value \"%s\"", what, ex);
}

/* "metric": {...} */
static int metric(jp *j, size_t i, const labels **out)
{
    if (peek(j) != '{') {
        if (skip_value(j, 1)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "data.result[%zu].metric is not an object", i);
    }
    j->p++;
    label stack_pairs[32];
    label *pairs = stack_pairs;
    size_t n = 0, cap = 32;
    int more;
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        *out = labels_empty();
        return 0;
    }
    do {
        strv name, lvalue;
        if (string(j, &name, true) || expect(j, ':', "expected ':'")) goto out;
        if (peek(j) != '"') {
            char nm[64];
            prom_excerpt(nm, sizeof(nm), name.ptr, name.len);
            if (skip_value(j, 1) == 0)
                fail(j, SLOEVAL_EDECODE, "data.result[%zu].metric.%s is not a string", i, nm);
            goto out;
        }
        if (string(j, &lvalue, true)) goto out;
        if (name.len == 0) {
            fail(j, SLOEVAL_EDECODE, "data.result[%zu].metric has an empty label name", i);
            goto out;
        }
        if (n == cap) {
            label *np = arena_alloc(j->a, 2 * cap * sizeof(label));
            if (!np) {
                fail(j, SLOEVAL_ENOMEM, "out of memory");
                goto out;
            }
            memcpy(np, pairs, n * sizeof(label));
            pairs = np;
            cap *= 2;
        }
        pairs[n].name = name;
        pairs[n].value = lvalue;
        n++;
        if (next_or_close(j, '}', &more)) goto out;
    } while (more);
    {
        bool dup = false;
        /* Names and values with escapes were copied into the arena; the
         * others point into the body: labels_make copies both. */
        *out = labels_make(j->a, pairs, n, false, &dup);
        if (!*out) {
            if (dup)
                fail(j, SLOEVAL_EDECODE, "data.result[%zu].metric repeats a label", i);
            else
                fail(j, SLOEVAL_ENOMEM, "out of memory");
        }
    }
out:
    return j->code;
}

/* "values": [[ts, "v"], ...] into a series. */
static int values(jp *j, size_t i, series *s)
{
    if (peek(j) != '[') {
        if (skip_value(j, 1)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "data.result[%zu].values is not an array", i);
    }
    j->p++;
    int more;
    open_members(j, ']', &more);
    size_t n = 0;
    while (more) {
        if (n == j->samples_cap) {
            size_t cap = j->samples_cap ? j->samples_cap * 2 : 1024;
            sample *p = realloc(j->samples, cap * sizeof(sample));
            if (!p) return fail(j, SLOEVAL_ENOMEM, "out of memory");
            j->samples = p;
            j->samples_cap = cap;
        }
        sample *smp = &j->samples[n];
        strv v;
        bool ok;
        if (pair(j, &smp->t, &v, i, n, &ok)) return j->code;
        if (!ok) return pair_fail(j, i, n, "expected [timestamp, \"value\"]");
        if (float_parse(&smp->v, v) != 0) {
            char ex[64];
            prom_excerpt(ex, sizeof(ex), v.ptr, v.len);
            return fail(j, SLOEVAL_EDECODE, "data.result[%zu].values[%zu]: bad sample value \"%s\"",
                        i, n, ex);
        }
        if (n > 0 && smp->t <= j->samples[n - 1].t)
            return fail(j, SLOEVAL_EDECODE,
                        "data.result[%zu].values[%zu]: timestamps are not increasing", i, n);
        n++;
        if (next_or_close(j, ']', &more)) return j->code;
    }
    s->count = n;
    s->samples = NULL;
    if (n) {
        s->samples = arena_memdup(j->a, j->samples, n * sizeof(sample));
        if (!s->samples) return fail(j, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

/* The decoded "result", before resultType is known to be consistent. */
typedef struct result_acc {
    bool seen;
    bool is_pair; /* [ts, "x"]: scalar or string */
    int64_t pair_t;
    strv pair_s; /* arena copy */
    bool has_value, has_values;
    vector vec;    /* elements with "value" */
    matrix mat;    /* elements with "values" */
    size_t nelems; /* result elements */
} result_acc;

/* One element of a vector or matrix result. */
static int element(jp *j, size_t i, result_acc *acc)
{
    if (peek(j) != '{') {
        if (skip_value(j, 2)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "data.result[%zu] is not an object", i);
    }
    j->p++;
    const labels *ls = labels_empty();
    elem_value kind = ELEM_NONE;
    bool has_metric = false;
    int64_t t = 0;
    double v = 0;
    series s = {0};
    int more;
    open_members(j, '}', &more);
    while (more) {
        strv k;
        if (key(j, &k)) return j->code;
        /* A repeated member would silently replace the first: reject it. */
        if ((strv_eq_cstr(k, "metric") && has_metric) ||
            (strv_eq_cstr(k, "value") && kind == ELEM_VALUE) ||
            (strv_eq_cstr(k, "values") && kind == ELEM_VALUES))
            return fail(j, SLOEVAL_EDECODE, "data.result[%zu] has \"%.*s\" twice", i, (int)k.len,
                        k.ptr);
        if ((strv_eq_cstr(k, "value") && kind == ELEM_VALUES) ||
            (strv_eq_cstr(k, "values") && kind == ELEM_VALUE))
            return fail(j, SLOEVAL_EDECODE, "data.result[%zu] has both \"value\" and \"values\"",
                        i);
        if (strv_eq_cstr(k, "metric")) {
            if (metric(j, i, &ls)) return j->code;
            has_metric = true;
        } else if (strv_eq_cstr(k, "value")) {
            strv vs;
            bool ok;
            if (pair(j, &t, &vs, i, SIZE_MAX, &ok)) return j->code;
            if (!ok)
                return fail(j, SLOEVAL_EDECODE,
                            "data.result[%zu].value: expected [timestamp, \"value\"]", i);
            char what[48];
            snprintf(what, sizeof(what), "data.result[%zu].value", i);
            if (parse_value(j, vs, &v, what, i, 0, false)) return j->code;
            kind = ELEM_VALUE;
        } else if (strv_eq_cstr(k, "values")) {
            if (values(j, i, &s)) return j->code;
            kind = ELEM_VALUES;
        } else if (strv_eq_cstr(k, "histogram") || strv_eq_cstr(k, "histograms")) {
            return fail(j, SLOEVAL_EUNSUPPORTED,
                        "data.result[%zu] holds native histogram samples, which sloeval does not "
                        "support",
                        i);
        } else if (skip_value(j, 2)) {
            return j->code;
        }
        if (next_or_close(j, '}', &more)) return j->code;
    }
    if (kind == ELEM_VALUE) {
        acc->has_value = true;
        if (vector_push(j->a, &acc->vec, ls, t, v)) return fail(j, SLOEVAL_ENOMEM, "out of memory");
    } else if (kind == ELEM_VALUES) {
        acc->has_values = true;
        if (matrix_push(j->a, &acc->mat, ls, s.samples, s.count))
            return fail(j, SLOEVAL_ENOMEM, "out of memory");
    } else {
        return fail(j, SLOEVAL_EDECODE, "data.result[%zu] has no \"value\" or \"values\"", i);
    }
    return 0;
}

/* `rtype` is the resultType when it came before the result, else NULL. */
static int result(jp *j, result_acc *acc, const strv *rtype)
{
    bool series_type = rtype && (strv_eq_cstr(*rtype, "vector") || strv_eq_cstr(*rtype, "matrix"));
    acc->seen = true;
    char c = peek(j);
    if (c != '[') {
        if (skip_value(j, 1)) return j->code;
        if (series_type)
            return fail(j, SLOEVAL_EDECODE, "data.result of a %.*s is not an array",
                        (int)rtype->len, rtype->ptr);
        return fail(j, SLOEVAL_EDECODE, "data.result is not an array");
    }
    j->p++;
    int more;
    open_members(j, ']', &more);
    if (!more) return 0;
    c = peek(j);
    if (c != '{' && series_type) {
        if (skip_value(j, 2)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "data.result[0] is not an object");
    }
    if (c != '{') {
        /* [ts, "x"]: a scalar or a string. */
        acc->is_pair = true;
        if (c != '-' && !(c >= '0' && c <= '9')) {
            if (skip_value(j, 2)) return j->code;
            return fail(j, SLOEVAL_EDECODE, "data.result[0]: timestamp is not a number");
        }
        const char *s, *e;
        if (number_span(j, &s, &e)) return j->code;
        if (!digits_to_ms(s, e, &acc->pair_t)) {
            char ex[40];
            prom_excerpt(ex, sizeof(ex), s, (size_t)(e - s));
            return fail(j, SLOEVAL_EDECODE, "data.result[0]: timestamp %s out of range", ex);
        }
        if (next_or_close(j, ']', &more)) return j->code;
        if (!more) return fail(j, SLOEVAL_EDECODE, "data.result: expected [timestamp, \"value\"]");
        if (peek(j) != '"') {
            if (skip_value(j, 2)) return j->code;
            return fail(j, SLOEVAL_EDECODE, "data.result[1] is not a string");
        }
        strv str;
        if (string(j, &str, false)) return j->code;
        /* Copied out of the body, which is freed after decoding. */
        char *copy = arena_strndup(j->a, str.ptr ? str.ptr : "", str.len);
        if (!copy) return fail(j, SLOEVAL_ENOMEM, "out of memory");
        acc->pair_s = (strv){copy, str.len};
        if (next_or_close(j, ']', &more)) return j->code;
        if (more) return fail(j, SLOEVAL_EDECODE, "data.result: expected [timestamp, \"value\"]");
        return 0;
    }
    size_t i = 0;
    while (more) {
        if (element(j, i, acc)) return j->code;
        i++;
        if (next_or_close(j, ']', &more)) return j->code;
    }
    acc->nelems = i;
    return 0;
}

/* "stats": {"timings": {"execTotalTime": <seconds>, ...}, ...} (stats=all):
 * the server's own execution time into *j->exec_seconds; members of other
 * shapes are skipped, as statistics never decide an answer. */
static int stats(jp *j)
{
    if (peek(j) != '{') return skip_value(j, 2);
    j->p++;
    int more;
    open_members(j, '}', &more);
    while (more) {
        strv k;
        if (key(j, &k)) return j->code;
        if (strv_eq_cstr(k, "timings") && peek(j) == '{') {
            j->p++;
            int tmore;
            open_members(j, '}', &tmore);
            while (tmore) {
                strv tk;
                if (key(j, &tk)) return j->code;
                const char *ns, *ne;
                double v;
                char c = peek(j);
                if (strv_eq_cstr(tk, "execTotalTime") && (c == '-' || (c >= '0' && c <= '9'))) {
                    if (number_span(j, &ns, &ne)) return j->code;
                    if (float_parse(&v, (strv){ns, (size_t)(ne - ns)}) == 0 && v >= 0)
                        *j->exec_seconds = v;
                } else if (skip_value(j, 4)) {
                    return j->code;
                }
                if (next_or_close(j, '}', &tmore)) return j->code;
            }
        } else if (skip_value(j, 3)) {
            return j->code;
        }
        if (next_or_close(j, '}', &more)) return j->code;
    }
    return 0;
}

/* "data": {"resultType": ..., "result": ...} */
static int data(jp *j, strv *rtype, bool *has_rtype, result_acc *acc)
{
    if (peek(j) != '{') {
        if (skip_value(j, 1)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "\"data\" is not an object");
    }
    j->p++;
    int more;
    ws(j);
    if (j->p < j->end && *j->p == '}') {
        j->p++;
        return 0;
    }
    do {
        strv k;
        if (key(j, &k)) return j->code;
        if (strv_eq_cstr(k, "resultType")) {
            if (peek(j) != '"') {
                if (skip_value(j, 2)) return j->code;
                return fail(j, SLOEVAL_EDECODE, "no data.resultType string");
            }
            if (*has_rtype) return fail(j, SLOEVAL_EDECODE, "data.resultType appears twice");
            if (string(j, rtype, true)) return j->code;
            *has_rtype = true;
        } else if (strv_eq_cstr(k, "result")) {
            if (acc->seen) return fail(j, SLOEVAL_EDECODE, "data.result appears twice");
            if (result(j, acc, *has_rtype ? rtype : NULL)) return j->code;
        } else if (j->exec_seconds && strv_eq_cstr(k, "stats")) {
            if (stats(j)) return j->code;
        } else if (skip_value(j, 2)) {
            return j->code;
        }
        if (next_or_close(j, '}', &more)) return j->code;
    } while (more);
    return 0;
}

static int notes_array(jp *j, const char *name, strv **arr, size_t *n, size_t *cap, bool keep)
{
    if (peek(j) == 'n') return skip_value(j, 1); /* null */
    if (peek(j) != '[') {
        if (skip_value(j, 1)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "\"%s\" is not an array", name);
    }
    j->p++;
    int more;
    open_members(j, ']', &more);
    size_t i = 0;
    while (more) {
        if (peek(j) != '"') {
            if (skip_value(j, 2)) return j->code;
            return fail(j, SLOEVAL_EDECODE, "%s[%zu] is not a string", name, i);
        }
        strv s;
        if (string(j, &s, false)) return j->code;
        if (keep) {
            if (arena_grow(j->a, (void **)arr, cap, *n + 1, sizeof(strv)))
                return fail(j, SLOEVAL_ENOMEM, "out of memory");
            char *copy = arena_strndup(j->a, s.ptr, s.len);
            if (!copy) return fail(j, SLOEVAL_ENOMEM, "out of memory");
            for (size_t x = 0; x < s.len; x++)
                if (copy[x] == '\n' || copy[x] == '\r') copy[x] = ' ';
            (*arr)[(*n)++] = (strv){copy, s.len};
        }
        i++;
        if (next_or_close(j, ']', &more)) return j->code;
    }
    return 0;
}

bool prom_looks_like_json(const char *body, size_t len, const char *ctype)
{
    if (ctype && strstr(ctype, "json")) return true;
    for (size_t i = 0; i < len; i++) {
        char c = body[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') continue;
        return c == '{' || c == '[';
    }
    return false;
}

static int envelope(jp *j, value *out, source_notes *notes)
{
    if (j->end == j->start) return fail(j, SLOEVAL_EDECODE, "empty body");
    if (!prom_looks_like_json(j->start, (size_t)(j->end - j->start), j->ctype)) {
        char ex[120];
        prom_excerpt(ex, sizeof(ex), j->start, (size_t)(j->end - j->start));
        return fail(j, SLOEVAL_EDECODE, "non-JSON body (%s): %s",
                    j->ctype && *j->ctype ? j->ctype : "no content type", ex);
    }
    char c = peek(j);
    if (c != '{') {
        if (skip_value(j, 0)) return j->code;
        return fail(j, SLOEVAL_EDECODE, "the JSON body is not an object");
    }
    j->p++;
    strv status = STRV_NULL, etype = STRV_NULL, emsg = STRV_NULL, rtype = STRV_NULL;
    bool has_status = false, has_data = false, has_rtype = false, has_etype = false,
         has_emsg = false, has_warnings = false, has_infos = false;
    bool data_not_object = false;
    result_acc acc;
    memset(&acc, 0, sizeof(acc));
    int more;
    open_members(j, '}', &more);
    while (more) {
        strv k;
        if (key(j, &k)) return j->code;
        if (strv_eq_cstr(k, "status")) {
            if (has_status) return syntax(j, "duplicate object key \"status\"");
            if (peek(j) != '"') {
                if (skip_value(j, 1)) return j->code;
            } else if (string(j, &status, true)) {
                return j->code;
            } else {
                has_status = true;
            }
        } else if (strv_eq_cstr(k, "data")) {
            if (has_data) return syntax(j, "duplicate object key \"data\"");
            has_data = true;
            if (peek(j) != '{') data_not_object = true;
            /* An error envelope may carry data of any shape: decode it only
             * when it can be the answer. */
            if (has_status && !strv_eq_cstr(status, "success")) {
                if (skip_value(j, 1)) return j->code;
            } else if (data_not_object) {
                if (skip_value(j, 1)) return j->code;
            } else if (data(j, &rtype, &has_rtype, &acc)) {
                return j->code;
            }
        } else if (strv_eq_cstr(k, "errorType") || strv_eq_cstr(k, "error")) {
            bool is_type = k.len == 9;
            if (is_type ? has_etype : has_emsg)
                return syntax(j, is_type ? "duplicate object key \"errorType\""
                                         : "duplicate object key \"error\"");
            if (peek(j) == '"') {
                if (string(j, is_type ? &etype : &emsg, true)) return j->code;
                if (is_type)
                    has_etype = true;
                else
                    has_emsg = true;
            } else if (skip_value(j, 1)) {
                return j->code;
            }
        } else if (strv_eq_cstr(k, "warnings")) {
            if (has_warnings) return syntax(j, "duplicate object key \"warnings\"");
            has_warnings = true;
            if (notes_array(j, "warnings", notes ? &notes->warnings : NULL,
                            notes ? &notes->nwarnings : NULL, notes ? &notes->capwarnings : NULL,
                            notes != NULL))
                return j->code;
        } else if (strv_eq_cstr(k, "infos")) {
            if (has_infos) return syntax(j, "duplicate object key \"infos\"");
            has_infos = true;
            if (notes_array(j, "infos", notes ? &notes->infos : NULL, notes ? &notes->ninfos : NULL,
                            notes ? &notes->capinfos : NULL, notes != NULL))
                return j->code;
        } else if (skip_value(j, 1)) {
            return j->code;
        }
        if (next_or_close(j, '}', &more)) return j->code;
    }
    ws(j);
    if (j->p != j->end) return syntax(j, "end of file expected");

    if (!has_status) return fail(j, SLOEVAL_EDECODE, "no \"status\" string in the body");
    if (strv_eq_cstr(status, "error")) {
        char et[128], em[SLOEVAL_ERROR_MESSAGE_SIZE];
        prom_excerpt(et, sizeof(et), etype.ptr ? etype.ptr : "", etype.len);
        prom_excerpt(em, sizeof(em), emsg.ptr ? emsg.ptr : "", emsg.len);
        j->server_error = true;
        return fail(j, prom_server_error_code(has_etype ? et : NULL, has_emsg ? em : NULL),
                    "%s: %s", has_etype ? et : "(no errorType)",
                    has_emsg ? em : "(no error message)");
    }
    if (!strv_eq_cstr(status, "success")) {
        char ex[40];
        prom_excerpt(ex, sizeof(ex), status.ptr, status.len);
        return fail(j, SLOEVAL_EDECODE, "unknown status \"%s\"", ex);
    }
    if (j->status < 200 || j->status > 299)
        return fail(j, SLOEVAL_EDECODE, "status \"success\" with a failing HTTP status");
    if (!has_data) return fail(j, SLOEVAL_EDECODE, "no \"data\" in a success response");
    if (data_not_object) return fail(j, SLOEVAL_EDECODE, "\"data\" is not an object");
    if (!has_rtype) return fail(j, SLOEVAL_EDECODE, "no data.resultType string");
    if (!acc.seen) return fail(j, SLOEVAL_EDECODE, "no data.result");

    bool is_vector = strv_eq_cstr(rtype, "vector"), is_matrix = strv_eq_cstr(rtype, "matrix");
    bool is_scalar = strv_eq_cstr(rtype, "scalar"), is_string = strv_eq_cstr(rtype, "string");
    if (is_vector || is_matrix) {
        if (acc.is_pair)
            return fail(j, SLOEVAL_EDECODE, "data.result of a %s is not a list of series",
                        is_vector ? "vector" : "matrix");
        if (is_vector && acc.has_values)
            return fail(j, SLOEVAL_EDECODE, "data.result of a vector has \"values\"");
        if (is_matrix && acc.has_value)
            return fail(j, SLOEVAL_EDECODE, "data.result of a matrix has \"value\"");
        out->kind = is_vector ? VALUE_VECTOR : VALUE_MATRIX;
        if (is_vector)
            out->u.vector = acc.vec;
        else
            out->u.matrix = acc.mat;
        char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
        int rc = prom_check_distinct_series(out, msg, sizeof(msg));
        if (rc) return fail(j, rc, "%s", msg);
        return 0;
    }
    if (is_scalar || is_string) {
        if (!acc.is_pair)
            return fail(j, SLOEVAL_EDECODE, "data.result: expected [timestamp, \"%s\"]",
                        is_string ? "string" : "value");
        out->t = acc.pair_t;
        if (is_string) {
            out->kind = VALUE_STRING;
            out->u.string = acc.pair_s;
            return 0;
        }
        out->kind = VALUE_SCALAR;
        if (float_parse(&out->u.scalar, acc.pair_s) != 0) {
            char ex[64];
            prom_excerpt(ex, sizeof(ex), acc.pair_s.ptr, acc.pair_s.len);
            return fail(j, SLOEVAL_EDECODE, "data.result[1]: bad scalar value \"%s\"", ex);
        }
        return 0;
    }
    char ex[40];
    prom_excerpt(ex, sizeof(ex), rtype.ptr, rtype.len);
    return fail(j, SLOEVAL_EDECODE, "unknown data.resultType \"%s\"", ex);
}

/*
 * Whose fault a server's error answer is. Prometheus says "execution"
 * (HTTP 422) for everything its engine fails on: an expression that cannot
 * be evaluated (many-to-many matching, duplicate label sets), but also a
 * sample limit, and behind Thanos Query or Mimir a store, sidecar or
 * ingester that did not answer ("proxy Series(): fetch series for ...:
 * connection refused"). Only the first is the expression's; so, failing
 * closed, an execution error is the expression's (SLOEVAL_ESERVER, which
 * callers report as the expression's fault at HTTP 400 and 422) only when
 * its message is one of the engine's evaluation errors below (Prometheus
 * 2.x and 3.x, promql/engine.go and functions.go). A known limit (the
 * engine's sample limit, Mimir's "err-mimir-..." limits, whatever the
 * errorType) is SLOEVAL_ELIMIT; any other execution error is
 * SLOEVAL_ENODATA: the backend could not read its data, or failed in a way
 * sloeval does not know, and the answer is inconclusive. Other errorTypes
 * (bad_data, timeout, internal, ...) stay SLOEVAL_ESERVER, told apart by
 * their HTTP status. The message is the server's either way.
 */
static const char *const expression_errors[] = {
    "many-to-many",                   /* matching labels must be unique on one side */
    "many-to-one",                    /* ... must be explicit (group_left/group_right) */
    "found duplicate series",         /* for the match group */
    "for the match group",            /* Mimir's query engine: found ... for the match group */
    "multiple matches for labels",    /* grouping labels must ensure unique matches */
    "same labelset",                  /* vector cannot contain metrics with the same labelset */
    "Parameter value is NaN",         /* topk, bottomk, limitk, quantile */
    "Ratio value is NaN",             /* limit_ratio */
    "Scalar value ",                  /* ... underflows/overflows int64 */
    "invalid label name",             /* count_values */
    "in label_replace()",             /* invalid regular expression, label names */
    "in label_join()",                /* invalid label names */
    "invalid smoothing factor",       /* holt_winters, double_exponential_smoothing */
    "invalid trend factor",           /* likewise */
    "modifier can only be used with", /* anchored, smoothed */
    "modifier is not supported with histograms",
    "this should be an info metric", /* info() */
};

int prom_server_error_code(const char *error_type, const char *message)
{
    const char *m = message ? message : "";
    if (strstr(m, "(err-mimir-") || strstr(m, "would load too many samples into memory"))
        return SLOEVAL_ELIMIT;
    if (!error_type || strcmp(error_type, "execution")) return SLOEVAL_ESERVER;
    for (size_t i = 0; i < sizeof(expression_errors) / sizeof(expression_errors[0]); i++)
        if (strstr(m, expression_errors[i])) return SLOEVAL_ESERVER;
    return SLOEVAL_ENODATA;
}

int prom_decode_response_stats(value *out, source_notes *notes, double *exec_seconds,
                               const char *body, size_t len, long http_status,
                               const char *content_type, const char *url, arena *a,
                               sloeval_error *err)
{
    jp j = {body, body, body + len, http_status, url, content_type, a,    err,
            0,    NULL, 0,          NULL,        0,   exec_seconds, false};
    memset(out, 0, sizeof(*out));
    /* Notes are appended only on success or a server's error answer; roll back otherwise. */
    size_t nw = notes ? notes->nwarnings : 0, ni = notes ? notes->ninfos : 0;
    int rc = envelope(&j, out, notes);
    free(j.scratch);
    free(j.samples);
    if (rc) {
        memset(out, 0, sizeof(*out));
        if (notes && !j.server_error) {
            notes->nwarnings = nw;
            notes->ninfos = ni;
        }
    }
    return rc;
}

int prom_decode_response(value *out, source_notes *notes, const char *body, size_t len,
                         long http_status, const char *content_type, const char *url, arena *a,
                         sloeval_error *err)
{
    return prom_decode_response_stats(out, notes, NULL, body, len, http_status, content_type, url,
                                      a, err);
}
