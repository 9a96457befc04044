/*
 * OpenMetrics text with timestamps into the memory source, accepting what
 * `promtool tsdb create-blocks-from openmetrics` (2.42) accepts: the
 * OpenMetrics lexer's exact token shapes (single spaces, no blank lines,
 * no comments other than # HELP / # TYPE / # UNIT, a final # EOF), a
 * timestamp on every sample (float seconds, stored as the truncated
 * int64(seconds * 1000) promtool computes), exemplars only after
 * _total/_bucket names (checked, then ignored: they are not samples).
 * Everything else is an error naming the line; nothing is dropped.
 */
#include "source/openmetrics.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "source/memory.h"
#include "util/error.h"

typedef struct omparser {
    const char *name; /* for messages */
    const char *s;
    size_t n;
    size_t pos;        /* current byte */
    size_t line_start; /* first byte of the current line */
    int line;
    sloeval_error *err;
    /* the current sample */
    label *pairs;
    size_t *unesc; /* per pair: offset in `unescaped`, or SIZE_MAX */
    size_t npairs, cappairs;
    strbuf unescaped; /* label values with escapes, back to back */
} omparser;

#define OM_NORMAL_NAN_BITS 0x7ff8000000000001ULL

static int om_fail(omparser *p, size_t at, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);

static int om_fail(omparser *p, size_t at, const char *fmt, ...)
{
    if (error_is_set(p->err)) return p->err->code;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_set(p->err, SLOEVAL_EDATA, "%s:%d: %s", p->name, p->line, msg);
    if (p->err) {
        p->err->line = p->line;
        p->err->column = (int)(at - p->line_start) + 1;
        p->err->start = at;
        p->err->end = at;
    }
    return SLOEVAL_EDATA;
}

static bool is_name_start(char c, bool colon)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (colon && c == ':');
}

static bool is_name_char(char c, bool colon)
{
    return is_name_start(c, colon) || (c >= '0' && c <= '9');
}

/* A metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) or label name (no ':') at pos. */
static size_t scan_name(const omparser *p, size_t pos, bool colon)
{
    size_t i = pos;
    if (i < p->n && is_name_start(p->s[i], colon)) {
        i++;
        while (i < p->n && is_name_char(p->s[i], colon))
            i++;
    }
    return i - pos;
}

/* The end of the token [^ \n]+ starting at pos. */
static size_t scan_token(const omparser *p, size_t pos)
{
    size_t i = pos;
    while (i < p->n && p->s[i] != ' ' && p->s[i] != '\n')
        i++;
    return i;
}

static const char *describe_char(char c, char *buf, size_t size)
{
    if (c == '\n') return "end of line";
    if (c == ' ') return "a space";
    if (c == '\t') return "a tab";
    if (c == '\r') return "a carriage return";
    if ((unsigned char)c < 0x20 || (unsigned char)c >= 0x7f)
        snprintf(buf, size, "byte 0x%02x", (unsigned char)c);
    else
        snprintf(buf, size, "'%c'", c);
    return buf;
}

static const char *what_at(const omparser *p, size_t pos, char *buf, size_t size)
{
    if (pos >= p->n) return "end of file";
    return describe_char(p->s[pos], buf, size);
}

/* A token quoted for a message (Go's %q), at most 60 bytes of it. */
static const char *quoted(strbuf *sb, strv tok)
{
    strbuf_reset(sb);
    if (tok.len > 60) tok.len = 60;
    quote_go_string(sb, tok);
    return strbuf_cstr(sb);
}

/* The rest of a "# HELP|TYPE|UNIT name text" line from after the keyword. */
static int parse_meta(omparser *p, const char *kw)
{
    size_t nl = scan_name(p, p->pos, true);
    char b[16];
    if (nl == 0)
        return om_fail(p, p->pos, "expected a metric name after # %s, found %s", kw,
                       what_at(p, p->pos, b, sizeof(b)));
    strv metric = {p->s + p->pos, nl};
    p->pos += nl;
    if (p->pos >= p->n || p->s[p->pos] != ' ')
        return om_fail(p, p->pos, "expected a space and text after the metric name in # %s", kw);
    size_t text_start = p->pos + 1;
    const char *eol = memchr(p->s + text_start, '\n', p->n - text_start);
    if (!eol) return om_fail(p, p->n, "# %s line does not end with a newline", kw);
    strv text = {p->s + text_start, (size_t)(eol - p->s) - text_start};
    p->pos = (size_t)(eol - p->s) + 1;
    if (!strcmp(kw, "TYPE")) {
        static const char *const types[] = {"counter", "gauge", "histogram", "gaugehistogram",
                                            "summary", "info",  "stateset",  "unknown"};
        for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++)
            if (strv_eq_cstr(text, types[i])) return 0;
        strbuf sb = STRBUF_INIT;
        quote_go_string(&sb, text);
        int rc = om_fail(p, text_start, "invalid metric type %s", strbuf_cstr(&sb));
        strbuf_free(&sb);
        return rc;
    }
    if (!strcmp(kw, "HELP")) {
        if (!utf8_valid(text.ptr, text.len))
            return om_fail(p, text_start, "help text is not valid UTF-8");
        return 0;
    }
    /* UNIT: empty, or a suffix of the name after an underscore */
    if (text.len > 0 && (metric.len < text.len + 1 ||
                         memcmp(metric.ptr + metric.len - text.len, text.ptr, text.len) != 0 ||
                         metric.ptr[metric.len - text.len - 1] != '_')) {
        return om_fail(p, text_start, "unit \"%.*s\" is not a suffix of metric \"%.*s\"",
                       (int)(text.len > 100 ? 100 : text.len), text.ptr,
                       (int)(metric.len > 100 ? 100 : metric.len), metric.ptr);
    }
    return 0;
}

/* Unescape a label value as Prometheus's lvalReplacer does: \" \\ \n. */
static void unescape_into(strbuf *sb, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if (s[i] == '\\' && i + 1 < n) {
            char c = s[i + 1];
            if (c == '"' || c == '\\') {
                strbuf_putc(sb, c);
                i += 2;
                continue;
            }
            if (c == 'n') {
                strbuf_putc(sb, '\n');
                i += 2;
                continue;
            }
        }
        strbuf_putc(sb, s[i]);
        i++;
    }
}

static int push_pair(omparser *p, strv name, strv val, size_t unesc)
{
    if (p->npairs == p->cappairs) {
        size_t ncap = p->cappairs ? p->cappairs * 2 : 16;
        label *np = realloc(p->pairs, ncap * sizeof(label));
        if (!np) return error_set(p->err, SLOEVAL_ENOMEM, "out of memory");
        p->pairs = np;
        size_t *nu = realloc(p->unesc, ncap * sizeof(size_t));
        if (!nu) return error_set(p->err, SLOEVAL_ENOMEM, "out of memory");
        p->unesc = nu;
        p->cappairs = ncap;
    }
    p->unesc[p->npairs] = unesc;
    p->pairs[p->npairs++] = (label){name, val};
    return 0;
}

/*
 * {name="value",...} at p->pos (on the '{'). Values holding a backslash
 * are unescaped into p->unescaped, and point there once the sample is
 * complete (resolve_unescaped). When `keep` is false (exemplars), the
 * labels are checked and dropped.
 */
static int parse_labels(omparser *p, bool keep)
{
    char b[16];
    p->pos++; /* { */
    bool first = true;
    for (;;) {
        if (p->pos < p->n && p->s[p->pos] == '}') {
            p->pos++;
            return 0;
        }
        if (!first) {
            if (p->pos >= p->n || p->s[p->pos] != ',')
                return om_fail(p, p->pos, "expected ',' or '}' after a label, found %s",
                               what_at(p, p->pos, b, sizeof(b)));
            p->pos++;
        }
        size_t nl = scan_name(p, p->pos, false);
        if (nl == 0)
            return om_fail(p, p->pos, "expected a label name%s, found %s",
                           first ? " or '}'" : " after ','", what_at(p, p->pos, b, sizeof(b)));
        strv name = {p->s + p->pos, nl};
        p->pos += nl;
        if (p->pos >= p->n || p->s[p->pos] != '=')
            return om_fail(p, p->pos, "expected '=' after label name \"%.*s\", found %s",
                           (int)(nl > 100 ? 100 : nl), name.ptr, what_at(p, p->pos, b, sizeof(b)));
        p->pos++;
        if (p->pos >= p->n || p->s[p->pos] != '"')
            return om_fail(p, p->pos, "expected a double-quoted value for label \"%.*s\"",
                           (int)(nl > 100 ? 100 : nl), name.ptr);
        size_t vstart = ++p->pos;
        bool escaped = false;
        while (p->pos < p->n && p->s[p->pos] != '"') {
            if (p->s[p->pos] == '\n') break;
            if (p->s[p->pos] == '\\') {
                escaped = true;
                if (p->pos + 1 >= p->n || p->s[p->pos + 1] == '\n') {
                    p->pos++;
                    break;
                }
                p->pos++;
            }
            p->pos++;
        }
        if (p->pos >= p->n || p->s[p->pos] != '"')
            return om_fail(p, vstart - 1, "unterminated value of label \"%.*s\"",
                           (int)(nl > 100 ? 100 : nl), name.ptr);
        size_t vend = p->pos++;
        if (!utf8_valid(p->s + vstart, vend - vstart))
            return om_fail(p, vstart, "value of label \"%.*s\" is not valid UTF-8",
                           (int)(nl > 100 ? 100 : nl), name.ptr);
        first = false;
        if (!keep) continue;
        if (escaped) {
            size_t off = p->unescaped.len;
            unescape_into(&p->unescaped, p->s + vstart, vend - vstart);
            if (push_pair(p, name, (strv){NULL, p->unescaped.len - off}, off))
                return SLOEVAL_ENOMEM;
            continue;
        }
        if (push_pair(p, name, (strv){p->s + vstart, vend - vstart}, SIZE_MAX))
            return SLOEVAL_ENOMEM;
    }
}

/* Offsets into p->unescaped become pointers once no more appends follow. */
static void resolve_unescaped(omparser *p)
{
    for (size_t i = 0; i < p->npairs; i++)
        if (p->unesc[i] != SIZE_MAX) p->pairs[i].value.ptr = p->unescaped.data + p->unesc[i];
}

/* " value" at p->pos: the float, or an error mentioning `what`. */
static int parse_value(omparser *p, const char *what, double *out)
{
    if (p->pos >= p->n || p->s[p->pos] != ' ' || p->pos + 1 >= p->n || p->s[p->pos + 1] == ' ' ||
        p->s[p->pos + 1] == '\n') {
        char b[16];
        return om_fail(p, p->pos, "expected a space and a value after the %s, found %s", what,
                       what_at(p, p->pos, b, sizeof(b)));
    }
    size_t start = p->pos + 1, end = scan_token(p, start);
    p->pos = end;
    strv tok = {p->s + start, end - start};
    int rc = float_parse(out, tok);
    if (rc == 0 && isnan(*out)) {
        uint64_t bits = OM_NORMAL_NAN_BITS;
        memcpy(out, &bits, sizeof(bits));
    }
    if (rc == 0) return 0;
    strbuf q = STRBUF_INIT;
    if (rc == FLOAT_PARSE_RANGE)
        rc = om_fail(p, start, "value %s is out of range for a float64", quoted(&q, tok));
    else
        rc = om_fail(p, start, "invalid value %s%s", quoted(&q, tok),
                     memchr(tok.ptr, '\r', tok.len) ? " (the file must use \\n line ends)" : "");
    strbuf_free(&q);
    return rc;
}

/* " timestamp" at p->pos (on the space): milliseconds as promtool computes
 * them. */
static int parse_timestamp(omparser *p, const char *what, int64_t *out)
{
    size_t start = p->pos + 1, end = scan_token(p, start);
    p->pos = end;
    strv tok = {p->s + start, end - start};
    double ts;
    int rc = float_parse(&ts, tok);
    double ms = ts * 1000.0;
    if (rc == 0 && !isnan(ts) && !isinf(ts) && ms > -9223372036854775808.0 &&
        ms < 9223372036854775808.0) {
        *out = (int64_t)ms; /* truncated toward zero, as Go's int64() conversion */
        return 0;
    }
    strbuf q = STRBUF_INIT;
    if (rc || isnan(ts) || isinf(ts))
        rc = om_fail(p, start, "invalid %s %s%s", what, quoted(&q, tok),
                     memchr(tok.ptr, '\r', tok.len) ? " (the file must use \\n line ends)" : "");
    else
        rc = om_fail(p, start, "%s %s is out of range", what, quoted(&q, tok));
    strbuf_free(&q);
    return rc;
}

/* A sample line; p->pos at the metric name. */
static int parse_sample(omparser *p, sloeval_source *mem)
{
    char b[16];
    size_t name_at = p->pos;
    size_t nl = scan_name(p, p->pos, true);
    strv metric = {p->s + p->pos, nl};
    p->pos += nl;
    p->npairs = 0;
    strbuf_reset(&p->unescaped);
    if (push_pair(p, STRV_LIT(METRIC_NAME_LABEL), metric, SIZE_MAX)) return SLOEVAL_ENOMEM;
    if (p->pos < p->n && p->s[p->pos] == '{') {
        int rc = parse_labels(p, true);
        if (rc) return rc;
    }
    double v;
    int rc = parse_value(p, p->npairs > 1 ? "labels" : "metric name", &v);
    if (rc) return rc;
    if (p->pos >= p->n || p->s[p->pos] == '\n')
        return om_fail(p, p->pos,
                       "sample of \"%.*s\" has no timestamp (promtool needs one on every sample)",
                       (int)(nl > 100 ? 100 : nl), metric.ptr);
    /* p->s[pos] == ' ' */
    if (p->pos + 1 >= p->n || p->s[p->pos + 1] == ' ' || p->s[p->pos + 1] == '\n')
        return om_fail(p, p->pos + 1, "expected a timestamp after the value, found %s",
                       what_at(p, p->pos + 1, b, sizeof(b)));
    if (p->s[p->pos + 1] == '#')
        return om_fail(p, p->pos,
                       "sample of \"%.*s\" has no timestamp (promtool needs one on "
                       "every sample)",
                       (int)(nl > 100 ? 100 : nl), metric.ptr);
    int64_t t;
    rc = parse_timestamp(p, "timestamp", &t);
    if (rc) return rc;
    if (p->pos + 3 < p->n && !memcmp(p->s + p->pos, " # {", 4)) {
        /* an exemplar: only for counters and histogram buckets */
        if (!(metric.len >= 6 && !memcmp(metric.ptr + metric.len - 6, "_total", 6)) &&
            !(metric.len >= 7 && !memcmp(metric.ptr + metric.len - 7, "_bucket", 7)))
            return om_fail(p, p->pos + 1, "metric name %.*s does not support exemplars",
                           (int)(nl > 100 ? 100 : nl), metric.ptr);
        p->pos += 3;
        rc = parse_labels(p, false);
        if (rc) return rc;
        double ev;
        rc = parse_value(p, "exemplar labels", &ev);
        if (rc) return rc;
        if (p->pos < p->n && p->s[p->pos] == ' ') {
            int64_t et;
            if (p->pos + 1 >= p->n || p->s[p->pos + 1] == ' ' || p->s[p->pos + 1] == '\n')
                return om_fail(p, p->pos + 1, "expected an exemplar timestamp, found %s",
                               what_at(p, p->pos + 1, b, sizeof(b)));
            rc = parse_timestamp(p, "exemplar timestamp", &et);
            if (rc) return rc;
        }
    }
    if (p->pos >= p->n) return om_fail(p, p->pos, "sample line does not end with a newline");
    if (p->s[p->pos] != '\n')
        return om_fail(p, p->pos, "expected the end of the line after the timestamp, found %s",
                       what_at(p, p->pos, b, sizeof(b)));
    p->pos++;
    resolve_unescaped(p);
    sloeval_error local = SLOEVAL_ERROR_INIT;
    rc = memory_load_append(mem, p->pairs, p->npairs, t, v, NULL, &local);
    if (rc) {
        if (rc == SLOEVAL_ENOMEM) return error_set(p->err, rc, "%s", local.message);
        return om_fail(p, name_at, "%s", local.message);
    }
    return 0;
}

int openmetrics_load(sloeval_source *mem, const char *text, size_t len, const char *name,
                     sloeval_error *err)
{
    if (!memory_is_source(mem)) return error_set(err, SLOEVAL_EINVAL, "not an in-memory source");
    omparser p;
    memset(&p, 0, sizeof(p));
    p.name = name ? name : "<input>";
    p.s = text ? text : "";
    p.n = text ? len : 0;
    p.line = 1;
    p.err = err;
    int rc = memory_load_begin(mem, err);
    if (rc) return rc;
    bool eof = false;
    char b[16];
    while (p.pos < p.n && rc == 0) {
        p.line_start = p.pos;
        char c = p.s[p.pos];
        if (eof) {
            rc = om_fail(&p, p.pos, "unexpected data after # EOF");
            break;
        }
        if (c == '#') {
            if (p.pos + 1 >= p.n || p.s[p.pos + 1] != ' ') {
                rc = om_fail(&p, p.pos, "expected \"# \" followed by HELP, TYPE, UNIT or EOF");
                break;
            }
            p.pos += 2;
            const char *kw = NULL;
            if (p.n - p.pos >= 5 && !memcmp(p.s + p.pos, "HELP ", 5)) kw = "HELP";
            if (p.n - p.pos >= 5 && !memcmp(p.s + p.pos, "TYPE ", 5)) kw = "TYPE";
            if (p.n - p.pos >= 5 && !memcmp(p.s + p.pos, "UNIT ", 5)) kw = "UNIT";
            if (kw) {
                p.pos += 5;
                rc = parse_meta(&p, kw);
            } else if (p.n - p.pos >= 3 && !memcmp(p.s + p.pos, "EOF", 3)) {
                p.pos += 3;
                if (p.pos < p.n && p.s[p.pos] == '\n') p.pos++;
                eof = true;
            } else {
                rc = om_fail(&p, p.pos,
                             "comments other than # HELP, # TYPE, # UNIT and # EOF are not "
                             "allowed in OpenMetrics");
            }
        } else if (is_name_start(c, true)) {
            rc = parse_sample(&p, mem);
        } else if (c == '\n') {
            rc = om_fail(&p, p.pos, "empty line (OpenMetrics text has none)");
        } else {
            rc = om_fail(&p, p.pos, "a line must start with a metric name or '#', found %s",
                         describe_char(c, b, sizeof(b)));
        }
        if (p.pos > p.line_start && p.s[p.pos - 1] == '\n') p.line++;
    }
    if (rc == 0 && !eof) {
        p.line_start = p.pos;
        rc = om_fail(&p, p.pos, "the data does not end with \"# EOF\"");
    }
    if (rc == 0 && p.unescaped.failed) rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
    free(p.pairs);
    free(p.unesc);
    strbuf_free(&p.unescaped);
    if (rc) {
        memory_load_abort(mem);
        return rc;
    }
    memory_load_commit(mem);
    return 0;
}

int openmetrics_load_file(sloeval_source *mem, const char *path, sloeval_error *err)
{
    FILE *f = fopen(path, "rb");
    if (!f) return error_set(err, SLOEVAL_EIO, "%s: %s", path, strerror(errno));
    strbuf sb = STRBUF_INIT;
    char buf[65536];
    size_t got;
    while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
        strbuf_append(&sb, buf, got);
    int rd = ferror(f);
    fclose(f);
    if (rd) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_EIO, "%s: read error", path);
    }
    if (sb.failed) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_ENOMEM, "%s: out of memory reading the file", path);
    }
    int rc = openmetrics_load(mem, sb.data, sb.len, path, err);
    strbuf_free(&sb);
    return rc;
}
