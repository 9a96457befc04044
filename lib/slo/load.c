#include "slo/load.h"

#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "slo/duration.h"
#include "util/text.h"
#include "util/utf8.h"
#include "slo/policy.h"

/* ---- messages ------------------------------------------------------------ */

static int verror(loader *L, int line, int column, size_t offset, const ypath *path,
                  const char *fmt, va_list ap)
{
    if (error_is_set(L->err)) return SLOEVAL_ECONFIG;
    char msg[SLOEVAL_ERROR_MESSAGE_SIZE], where[256];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    ypath_format(path, where, sizeof(where));
    if (where[0])
        error_set(L->err, SLOEVAL_ECONFIG, "%s:%d:%d: %s: %s", L->file->name, line, column, where,
                  msg);
    else
        error_set(L->err, SLOEVAL_ECONFIG, "%s:%d:%d: %s", L->file->name, line, column, msg);
    if (L->err) {
        L->err->line = line;
        L->err->column = column;
        L->err->start = L->err->end = offset;
    }
    return SLOEVAL_ECONFIG;
}

int load_error(loader *L, const ynode *at, const ypath *path, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = at ? verror(L, at->line, at->column, at->start, path, fmt, ap)
                : verror(L, 1, 1, 0, path, fmt, ap);
    va_end(ap);
    return rc;
}

int load_error_pos(loader *L, int line, int column, size_t offset, const ypath *path,
                   const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = verror(L, line, column, offset, path, fmt, ap);
    va_end(ap);
    return rc;
}

int load_warn(loader *L, const ynode *at, const ypath *path, const char *fmt, ...)
{
    char msg[SLOEVAL_ERROR_MESSAGE_SIZE], where[256], line[SLOEVAL_ERROR_MESSAGE_SIZE + 512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    ypath_format(path, where, sizeof(where));
    int ln = at ? at->line : 1, col = at ? at->column : 1;
    if (where[0])
        snprintf(line, sizeof(line), "%s:%d:%d: %s: %s", L->file->name, ln, col, where, msg);
    else
        snprintf(line, sizeof(line), "%s:%d:%d: %s", L->file->name, ln, col, msg);
    slo_config *c = L->cfg;
    if (arena_grow(&c->arena, (void **)&c->warnings, &L->capwarnings, c->nwarnings + 1,
                   sizeof(*c->warnings)))
        return load_oom(L);
    c->warnings[c->nwarnings] = arena_strdup(&c->arena, line);
    if (!c->warnings[c->nwarnings]) return load_oom(L);
    c->nwarnings++;
    return 0;
}

int load_oom(loader *L)
{
    return error_set(L->err, SLOEVAL_ENOMEM, "out of memory while loading %s",
                     L->file ? L->file->name : "the config");
}

slo_loc load_loc(const loader *L, const ynode *n)
{
    slo_loc loc = {L->file_name, n ? n->line : 0, n ? n->column : 0};
    return loc;
}

/* ---- shapes -------------------------------------------------------------- */

int load_want_map(loader *L, const ynode *n, const ypath *path)
{
    if (n && n->kind == YNODE_MAP) return 0;
    return load_error(L, n, path, "expected a mapping, got %s", ynode_kind_name(n));
}

int load_want_seq(loader *L, const ynode *n, const ypath *path)
{
    if (n && n->kind == YNODE_SEQ) return 0;
    return load_error(L, n, path, "expected a list, got %s", ynode_kind_name(n));
}

/* Levenshtein distance, capped (for "did you mean"). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 40 || lb > 40) return 99;
    size_t row[41];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t prev = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t cur = row[j];
            size_t sub = prev + (a[i - 1] != b[j - 1]);
            size_t del = row[j] + 1, ins = row[j - 1] + 1;
            row[j] = sub < del ? (sub < ins ? sub : ins) : (del < ins ? del : ins);
            prev = cur;
        }
    }
    return row[lb];
}

/* The allowed key closest to k (edit distance < 3, or k's camelCase
 * spelled in snake_case), or NULL. */
static const char *closest_key(const char *k, const char *const *allowed)
{
    char snake[128];
    size_t n = 0;
    for (const char *p = k; *p && n + 2 < sizeof(snake); p++) {
        if (*p >= 'A' && *p <= 'Z') {
            if (n) snake[n++] = '_';
            snake[n++] = (char)(*p - 'A' + 'a');
        } else {
            snake[n++] = *p;
        }
    }
    snake[n] = '\0';
    for (const char *const *a = allowed; *a; a++)
        if (!strcmp(snake, *a)) return *a;
    const char *best = NULL;
    size_t bestd = 3;
    for (const char *const *a = allowed; *a; a++) {
        size_t d = edit_distance(k, *a);
        if (d < bestd) {
            bestd = d;
            best = *a;
        }
    }
    return best;
}

static bool key_allowed(const char *k, const char *const *allowed)
{
    for (const char *const *a = allowed; *a; a++)
        if (!strcmp(k, *a)) return true;
    return false;
}

int load_keys(loader *L, const ynode *n, const ypath *path, const char *const *allowed)
{
    int rc = load_want_map(L, n, path);
    if (rc) return rc;
    for (size_t i = 0; i < n->npairs; i++) {
        const ynode *k = n->pairs[i].key;
        if (key_allowed(k->value, allowed)) continue;
        const char *best = NULL;
        size_t bestd = 3;
        for (const char *const *a = allowed; *a; a++) {
            size_t d = edit_distance(k->value, *a);
            if (d < bestd) {
                bestd = d;
                best = *a;
            }
        }
        ypath kp = YPATH_KEY(path, k->value);
        if (best) return load_error(L, k, &kp, "unknown key (did you mean '%s'?)", best);
        return load_error(L, k, &kp, "unknown key");
    }
    return 0;
}

int load_keys_lenient(loader *L, const ynode *n, const ypath *path, const char *const *allowed,
                      const char *tool)
{
    int rc = load_want_map(L, n, path);
    if (rc) return rc;
    for (size_t i = 0; i < n->npairs && !rc; i++) {
        const ynode *k = n->pairs[i].key;
        if (key_allowed(k->value, allowed)) continue;
        const char *best = closest_key(k->value, allowed);
        ypath kp = YPATH_KEY(path, k->value);
        if (best)
            rc = load_warn(L, k, &kp, "unknown key ignored, as %s ignores it (did you mean '%s'?)",
                           tool, best);
        else
            rc = load_warn(L, k, &kp, "unknown key ignored, as %s ignores it", tool);
    }
    return rc;
}

int load_required(loader *L, const ynode *map, const ypath *path, const char *key,
                  const ynode **out)
{
    const ynode *v = ynode_get(map, key);
    if (!v) return load_error(L, map, path, "missing required key '%s'", key);
    if (ynode_is_null(v)) {
        ypath kp = YPATH_KEY(path, key);
        return load_error(L, v, &kp, "must not be empty");
    }
    *out = v;
    return 0;
}

/* ---- scalars ------------------------------------------------------------- */

static bool absent(const ynode *n)
{
    return !n || ynode_is_null(n);
}

static int want_scalar(loader *L, const ynode *n, const ypath *path, const char *what)
{
    if (n->kind == YNODE_SCALAR) return 0;
    return load_error(L, n, path, "expected %s, got %s", what, ynode_kind_name(n));
}

int load_str(loader *L, const ynode *n, const ypath *path, const char **out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "a string");
    if (rc) return rc;
    char *s = arena_strndup(&L->cfg->arena, n->value, n->len);
    if (!s) return load_oom(L);
    *out = s;
    return 0;
}

int load_nonempty_str(loader *L, const ynode *n, const ypath *path, const char **out)
{
    const char *s = NULL;
    int rc = load_str(L, n, path, &s);
    if (rc) return rc;
    if (n && s && !*s) return load_error(L, n, path, "must not be empty");
    if (s) *out = s;
    return 0;
}

int load_bool(loader *L, const ynode *n, const ypath *path, bool *out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "true or false");
    if (rc) return rc;
    if (ynode_is_plain(n) || (n->tag && !strcmp(n->tag, "tag:yaml.org,2002:bool"))) {
        const char *v = n->value;
        if (!strcmp(v, "true") || !strcmp(v, "True") || !strcmp(v, "TRUE")) {
            *out = true;
            return 0;
        }
        if (!strcmp(v, "false") || !strcmp(v, "False") || !strcmp(v, "FALSE")) {
            *out = false;
            return 0;
        }
    }
    return load_error(L, n, path, "expected true or false, got '%s'", n->value);
}

/* YAML 1.2 core schema floats: 0 ok, 1 for .inf / .nan, -1 not a number. */
static int parse_number(const char *s, double *out)
{
    const char *p = s;
    if (*p == '+' || *p == '-') p++;
    if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
        *out = s[0] == '-' ? -INFINITY : INFINITY;
        return 1;
    }
    if (!strcmp(s, ".nan") || !strcmp(s, ".NaN") || !strcmp(s, ".NAN")) {
        *out = NAN;
        return 1;
    }
    size_t digits = 0;
    while (*p >= '0' && *p <= '9')
        p++, digits++;
    if (*p == '.') {
        p++;
        while (*p >= '0' && *p <= '9')
            p++, digits++;
    }
    if (digits == 0) return -1;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!(*p >= '0' && *p <= '9')) return -1;
        while (*p >= '0' && *p <= '9')
            p++;
    }
    if (*p) return -1;
    text_parse_float(out, s, (size_t)(p - s));
    return isfinite(*out) ? 0 : 1;
}

static bool number_tag_ok(const ynode *n)
{
    return ynode_is_plain(n) || (n->tag && (!strcmp(n->tag, "tag:yaml.org,2002:float") ||
                                            !strcmp(n->tag, "tag:yaml.org,2002:int")));
}

int load_number(loader *L, const ynode *n, const ypath *path, double *out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "a number");
    if (rc) return rc;
    double v;
    int k = number_tag_ok(n) ? parse_number(n->value, &v) : -1;
    if (k < 0) return load_error(L, n, path, "expected a number, got '%s'", n->value);
    if (k > 0) return load_error(L, n, path, "must be a finite number, got %s", n->value);
    *out = v;
    return 0;
}

int load_int(loader *L, const ynode *n, const ypath *path, int min, int max, int *out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "an integer");
    if (rc) return rc;
    const char *s = n->value;
    const char *p = (*s == '-' || *s == '+') ? s + 1 : s;
    bool ok = number_tag_ok(n) && *p;
    for (const char *q = p; ok && *q; q++)
        ok = *q >= '0' && *q <= '9';
    if (!ok) return load_error(L, n, path, "expected an integer, got '%s'", s);
    long long v =
        strlen(p) > 12 ? (*s == '-' ? -1000000000000LL : 1000000000000LL) : strtoll(s, NULL, 10);
    if (v < min || v > max)
        return load_error(L, n, path, "must be between %d and %d, got %s", min, max, s);
    *out = (int)v;
    return 0;
}

int load_duration(loader *L, const ynode *n, const ypath *path, int64_t *out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "a duration");
    if (rc) return rc;
    const char *why = NULL;
    int64_t ms;
    if (duration_parse(&ms, n->value, n->len, &why))
        return load_error(L, n, path, "invalid duration '%s': %s (examples: 30d, 1h30m, 5m)",
                          n->value, why);
    *out = ms;
    return 0;
}

int load_positive_duration(loader *L, const ynode *n, const ypath *path, int64_t *out)
{
    int64_t ms = -1;
    int rc = load_duration(L, n, path, &ms);
    if (rc) return rc;
    if (ms == 0) return load_error(L, n, path, "must be longer than 0");
    if (ms > 0) *out = ms;
    return 0;
}

int load_size(loader *L, const ynode *n, const ypath *path, uint64_t *out)
{
    if (absent(n)) return 0;
    int rc = want_scalar(L, n, path, "a size");
    if (rc) return rc;
    static const struct {
        const char *unit;
        uint64_t mult;
    } units[] = {{"", 1},
                 {"B", 1},
                 {"KB", 1000},
                 {"MB", 1000000},
                 {"GB", 1000000000},
                 {"KiB", 1ULL << 10},
                 {"MiB", 1ULL << 20},
                 {"GiB", 1ULL << 30}};
    const char *s = n->value;
    uint64_t v = 0;
    size_t i = 0;
    while (s[i] >= '0' && s[i] <= '9' && v < (1ULL << 50))
        v = v * 10 + (uint64_t)(s[i++] - '0');
    const char *unit = s + i;
    if (i == 0 || (s[i] >= '0' && s[i] <= '9'))
        return load_error(L, n, path, "expected a size such as 268435456, 256MiB or 1GB, got '%s'",
                          s);
    for (size_t u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
        if (strcmp(unit, units[u].unit)) continue;
        if (v == 0) return load_error(L, n, path, "must be greater than 0");
        if (v > (1ULL << 50) / units[u].mult)
            return load_error(L, n, path, "too large (at most 1PiB)");
        *out = v * units[u].mult;
        return 0;
    }
    return load_error(L, n, path, "expected a size such as 268435456, 256MiB or 1GB, got '%s'", s);
}

int load_str_list(loader *L, const ynode *n, const ypath *path, const char ***out, size_t *count)
{
    if (absent(n)) return 0;
    int rc = load_want_seq(L, n, path);
    if (rc) return rc;
    const char **v = ARENA_NEW_ARRAY(&L->cfg->arena, const char *, n->count + 1);
    if (!v) return load_oom(L);
    for (size_t i = 0; i < n->count; i++) {
        ypath ip = YPATH_INDEX(path, i);
        if (absent(n->items[i])) return load_error(L, n->items[i], &ip, "must not be empty");
        if ((rc = load_nonempty_str(L, n->items[i], &ip, &v[i]))) return rc;
    }
    *out = v;
    *count = n->count;
    return 0;
}

/* ---- names --------------------------------------------------------------- */

bool load_is_safe_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || !isalnum((unsigned char)s[0]) || !isalnum((unsigned char)s[n - 1])) return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && !strchr("-_.", s[i])) return false;
    return true;
}

bool load_is_label_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_')) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_'))
            return false;
    return true;
}

bool load_is_metric_name(const char *s)
{
    if (!*s || !(isalpha((unsigned char)*s) || *s == '_' || *s == ':')) return false;
    for (const char *p = s; *p; p++)
        if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
              *p == '_' || *p == ':'))
            return false;
    return true;
}

/* RFC 9110 token characters, for header names. */
static bool is_token(const char *s)
{
    if (!*s) return false;
    for (const char *p = s; *p; p++)
        if (!(isalnum((unsigned char)*p) || strchr("!#$%&'*+-.^_`|~", *p))) return false;
    return true;
}

int load_kvs(loader *L, const ynode *n, const ypath *path, kvs_kind kind, slo_kvs *out)
{
    if (absent(n)) return 0;
    int rc = load_want_map(L, n, path);
    if (rc) return rc;
    slo_kv *items = ARENA_NEW_ARRAY(&L->cfg->arena, slo_kv, n->npairs + 1);
    if (!items) return load_oom(L);
    for (size_t i = 0; i < n->npairs; i++) {
        const ynode *k = n->pairs[i].key, *v = n->pairs[i].value;
        ypath kp = YPATH_KEY(path, k->value);
        switch (kind) {
        case KVS_LABELS:
            if (!load_is_label_name(k->value))
                return load_error(L, k, &kp,
                                  "invalid label name (must match [a-zA-Z_][a-zA-Z0-9_]*)");
            if (!strcmp(k->value, "__name__"))
                return load_error(L, k, &kp, "the metric name label cannot be set here");
            break;
        case KVS_ANNOTATIONS:
            if (!load_is_label_name(k->value))
                return load_error(L, k, &kp,
                                  "invalid annotation name (must match [a-zA-Z_][a-zA-Z0-9_]*)");
            break;
        case KVS_HEADERS:
            if (!is_token(k->value)) return load_error(L, k, &kp, "invalid HTTP header name");
            break;
        case KVS_UTF8_LABELS:
        case KVS_UTF8_NAMES:
            if (!k->value[0] || strlen(k->value) != k->len || !utf8_valid(k->value, k->len))
                return load_error(L, k, &kp, "invalid %s name (must be non-empty UTF-8)",
                                  kind == KVS_UTF8_LABELS ? "label" : "annotation");
            if (kind == KVS_UTF8_LABELS && !strcmp(k->value, "__name__"))
                return load_error(L, k, &kp, "the metric name label cannot be set here");
            break;
        }
        const char *val = "";
        if (!absent(v) && (rc = load_str(L, v, &kp, &val))) return rc;
        if (kind == KVS_HEADERS && strpbrk(val, "\r\n"))
            return load_error(L, v, &kp, "a header value cannot contain a line break");
        items[i].name = arena_strdup(&L->cfg->arena, k->value);
        items[i].value = val;
        if (!items[i].name) return load_oom(L);
    }
    out->items = items;
    out->count = n->npairs;
    return 0;
}

int load_kvs_merge(loader *L, const slo_kvs *base, const slo_kvs *over, slo_kvs *out)
{
    slo_kv *items = ARENA_NEW_ARRAY(&L->cfg->arena, slo_kv, base->count + over->count + 1);
    if (!items) return load_oom(L);
    size_t n = 0;
    for (size_t i = 0; i < base->count; i++)
        if (!slo_kvs_get(over, base->items[i].name)) items[n++] = base->items[i];
    for (size_t i = 0; i < over->count; i++)
        items[n++] = over->items[i];
    out->items = items;
    out->count = n;
    return 0;
}

int load_list(loader *L, const ynode *doc, const char *key,
              int (*load_item)(loader *L, const ynode *n, const ypath *path))
{
    ypath p = YPATH_KEY(NULL, key);
    const ynode *v = ynode_get(doc, key);
    if (!v || ynode_is_null(v)) return 0;
    int rc = load_want_seq(L, v, &p);
    for (size_t i = 0; !rc && i < v->count; i++) {
        ypath ip = YPATH_INDEX(&p, i);
        rc = load_item(L, v->items[i], &ip);
    }
    return rc;
}
