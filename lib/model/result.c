/* Results: sloeval/value.h, and Prometheus's API JSON for values. */
#include "model/result.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "util/error.h"
#include "util/text.h"

_Static_assert(sizeof(sloeval_sample) == sizeof(sample), "sample layouts differ");
_Static_assert(offsetof(sloeval_sample, t_ms) == offsetof(sample, t), "sample layouts differ");
_Static_assert(offsetof(sloeval_sample, value) == offsetof(sample, v), "sample layouts differ");
_Static_assert((int)SLOEVAL_TYPE_SCALAR == (int)VALUE_SCALAR &&
                   (int)SLOEVAL_TYPE_VECTOR == (int)VALUE_VECTOR &&
                   (int)SLOEVAL_TYPE_MATRIX == (int)VALUE_MATRIX &&
                   (int)SLOEVAL_TYPE_STRING == (int)VALUE_STRING,
               "value kinds differ");

typedef struct rseries {
    sloeval_label *pairs; /* NUL-terminated copies */
    size_t npairs;
    const sloeval_sample *samples;
    size_t nsamples;
} rseries;

struct sloeval_result {
    arena a;
    value v; /* in `a` */
    rseries *series;
    size_t nseries;
    sample *vector_samples; /* a vector's samples, one per element */
    char **warnings;
    size_t nwarnings, capwarnings;
    char **infos;
    size_t ninfos, capinfos;
    char *json;
    size_t jsonlen;
};

static int add_note(sloeval_result *r, char ***arr, size_t *n, size_t *cap, strv text)
{
    if (*n == *cap && arena_grow(&r->a, (void **)arr, cap, *n + 1, sizeof(char *)))
        return SLOEVAL_ENOMEM;
    char *s = arena_strndup(&r->a, text.ptr ? text.ptr : "", text.len);
    if (!s) return SLOEVAL_ENOMEM;
    (*arr)[(*n)++] = s;
    return 0;
}

int result_add_warning(sloeval_result *r, strv text)
{
    return add_note(r, &r->warnings, &r->nwarnings, &r->capwarnings, text);
}

int result_add_info(sloeval_result *r, strv text)
{
    return add_note(r, &r->infos, &r->ninfos, &r->capinfos, text);
}

/* A copy of ls in r's arena, and its pairs as NUL-terminated strings. */
static const labels *copy_labels(sloeval_result *r, const labels *ls, rseries *rs)
{
    const labels *c =
        ls->count ? labels_make(&r->a, ls->pairs, ls->count, false, NULL) : labels_empty();
    if (!c) return NULL;
    rs->npairs = c->count;
    rs->pairs = c->count ? ARENA_NEW_ARRAY(&r->a, sloeval_label, c->count) : NULL;
    if (c->count && !rs->pairs) return NULL;
    for (size_t i = 0; i < c->count; i++) {
        /* labels_make's copies are NUL-terminated arena strings */
        rs->pairs[i].name = c->pairs[i].name.ptr;
        rs->pairs[i].value = c->pairs[i].value.ptr;
    }
    return c;
}

int result_new(sloeval_result **out, const value *v, const source_notes *notes, sloeval_error *err)
{
    *out = NULL;
    if (!v) return error_set(err, SLOEVAL_EINVAL, "no value to wrap");
    sloeval_result *r = calloc(1, sizeof(*r));
    if (!r) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    arena_init(&r->a, 4096);
    r->v.kind = v->kind;
    r->v.t = v->t;
    int rc = 0;
    switch (v->kind) {
    case VALUE_SCALAR: r->v.u.scalar = v->u.scalar; break;
    case VALUE_STRING: {
        char *s = arena_strndup(&r->a, v->u.string.ptr ? v->u.string.ptr : "", v->u.string.len);
        if (!s) rc = SLOEVAL_ENOMEM;
        r->v.u.string = (strv){s, v->u.string.len};
        break;
    }
    case VALUE_VECTOR: {
        size_t n = v->u.vector.count;
        r->nseries = n;
        r->series = n ? ARENA_NEW_ARRAY(&r->a, rseries, n) : NULL;
        r->vector_samples = n ? ARENA_NEW_ARRAY(&r->a, sample, n) : NULL;
        r->v.u.vector.items = n ? ARENA_NEW_ARRAY(&r->a, vector_elem, n) : NULL;
        if (n && (!r->series || !r->vector_samples || !r->v.u.vector.items)) {
            rc = SLOEVAL_ENOMEM;
            break;
        }
        r->v.u.vector.count = r->v.u.vector.cap = n;
        for (size_t i = 0; i < n && rc == 0; i++) {
            const vector_elem *e = &v->u.vector.items[i];
            const labels *c = copy_labels(r, e->labels, &r->series[i]);
            if (!c) {
                rc = SLOEVAL_ENOMEM;
                break;
            }
            r->v.u.vector.items[i] = (vector_elem){c, e->t, e->v};
            r->vector_samples[i] = (sample){e->t, e->v};
            r->series[i].samples = (const sloeval_sample *)&r->vector_samples[i];
            r->series[i].nsamples = 1;
        }
        break;
    }
    case VALUE_MATRIX: {
        size_t n = v->u.matrix.count;
        r->nseries = n;
        r->series = n ? ARENA_NEW_ARRAY(&r->a, rseries, n) : NULL;
        r->v.u.matrix.items = n ? ARENA_NEW_ARRAY(&r->a, series, n) : NULL;
        if (n && (!r->series || !r->v.u.matrix.items)) {
            rc = SLOEVAL_ENOMEM;
            break;
        }
        r->v.u.matrix.count = r->v.u.matrix.cap = n;
        for (size_t i = 0; i < n && rc == 0; i++) {
            const series *s = &v->u.matrix.items[i];
            const labels *c = copy_labels(r, s->labels, &r->series[i]);
            sample *smp =
                s->count ? arena_memdup(&r->a, s->samples, s->count * sizeof(sample)) : NULL;
            if (!c || (s->count && !smp)) {
                rc = SLOEVAL_ENOMEM;
                break;
            }
            r->v.u.matrix.items[i] = (series){c, smp, s->count};
            r->series[i].samples = (const sloeval_sample *)smp;
            r->series[i].nsamples = s->count;
        }
        break;
    }
    case VALUE_NONE: break;
    default: rc = SLOEVAL_EINVAL; break;
    }
    if (rc == 0 && notes) {
        for (size_t i = 0; i < notes->nwarnings && rc == 0; i++)
            rc = result_add_warning(r, notes->warnings[i]);
        for (size_t i = 0; i < notes->ninfos && rc == 0; i++)
            rc = result_add_info(r, notes->infos[i]);
    }
    if (rc) {
        sloeval_result_free(r);
        return rc == SLOEVAL_ENOMEM ? error_set(err, rc, "out of memory copying a result")
                                    : error_set(err, rc, "unknown value kind %d", (int)v->kind);
    }
    *out = r;
    return 0;
}

const value *result_value(const sloeval_result *r)
{
    return &r->v;
}

void sloeval_result_free(sloeval_result *r)
{
    if (!r) return;
    free(r->json);
    arena_free(&r->a);
    free(r);
}

sloeval_value_type sloeval_result_type(const sloeval_result *r)
{
    return r ? (sloeval_value_type)r->v.kind : SLOEVAL_TYPE_NONE;
}

const char *sloeval_value_type_name(sloeval_value_type t)
{
    switch (t) {
    case SLOEVAL_TYPE_SCALAR: return "scalar";
    case SLOEVAL_TYPE_VECTOR: return "vector";
    case SLOEVAL_TYPE_MATRIX: return "matrix";
    case SLOEVAL_TYPE_STRING: return "string";
    default: return "none";
    }
}

int64_t sloeval_result_time(const sloeval_result *r)
{
    return r ? r->v.t : 0;
}

double sloeval_result_scalar(const sloeval_result *r)
{
    return r && r->v.kind == VALUE_SCALAR ? r->v.u.scalar : NAN;
}

const char *sloeval_result_string(const sloeval_result *r, size_t *len)
{
    if (!r || r->v.kind != VALUE_STRING) return NULL;
    if (len) *len = r->v.u.string.len;
    return r->v.u.string.ptr;
}

size_t sloeval_result_series_count(const sloeval_result *r)
{
    return r ? r->nseries : 0;
}

const sloeval_label *sloeval_result_labels(const sloeval_result *r, size_t i, size_t *count)
{
    if (!r || i >= r->nseries) {
        if (count) *count = 0;
        return NULL;
    }
    if (count) *count = r->series[i].npairs;
    static const sloeval_label none[1] = {{"", ""}};
    return r->series[i].pairs ? r->series[i].pairs : none;
}

const char *sloeval_result_label_value(const sloeval_result *r, size_t i, const char *name)
{
    if (!r || i >= r->nseries || !name) return NULL;
    const rseries *s = &r->series[i];
    for (size_t k = 0; k < s->npairs; k++)
        if (!strcmp(s->pairs[k].name, name)) return s->pairs[k].value;
    return NULL;
}

const sloeval_sample *sloeval_result_samples(const sloeval_result *r, size_t i, size_t *count)
{
    if (!r || i >= r->nseries) {
        if (count) *count = 0;
        return NULL;
    }
    if (count) *count = r->series[i].nsamples;
    static const sloeval_sample none[1] = {{0, 0}};
    return r->series[i].samples ? r->series[i].samples : none;
}

size_t sloeval_result_warning_count(const sloeval_result *r)
{
    return r ? r->nwarnings : 0;
}

const char *sloeval_result_warning(const sloeval_result *r, size_t i)
{
    return r && i < r->nwarnings ? r->warnings[i] : NULL;
}

size_t sloeval_result_info_count(const sloeval_result *r)
{
    return r ? r->ninfos : 0;
}

const char *sloeval_result_info(const sloeval_result *r, size_t i)
{
    return r && i < r->ninfos ? r->infos[i] : NULL;
}

/* ---- JSON ----------------------------------------------------------------- */

void json_append_string(strbuf *sb, strv s)
{
    text_append_json_string(sb, s.ptr, s.len, TEXT_JSON_HTML);
}

static void json_labels(strbuf *sb, const labels *ls)
{
    strbuf_putc(sb, '{');
    for (size_t i = 0; i < ls->count; i++) {
        if (i) strbuf_putc(sb, ',');
        json_append_string(sb, ls->pairs[i].name);
        strbuf_putc(sb, ':');
        json_append_string(sb, ls->pairs[i].value);
    }
    strbuf_putc(sb, '}');
}

/* [ts,"v"] as the API's point encoder writes it. */
static void json_point(strbuf *sb, int64_t t, double v)
{
    char ts[32], vs[48];
    format_timestamp(ts, sizeof(ts), t);
    format_float(vs, sizeof(vs), v);
    strbuf_printf(sb, "[%s,\"%s\"]", ts, vs);
}

/* Go's encoding/json float64: shortest digits, 'e' below 1e-6 or from 1e21
 * on with a one-digit negative exponent written without its leading 0. */
static void json_go_float(strbuf *sb, double f)
{
    char b[400];
    format_float(b, sizeof(b), f);
    size_t n = strlen(b);
    if (n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
        b[n - 2] = b[n - 1];
        b[n - 1] = '\0';
    }
    strbuf_puts(sb, b);
}

void value_render_json(strbuf *sb, const value *v)
{
    switch (v->kind) {
    case VALUE_SCALAR: {
        /* promql.Scalar.MarshalJSON: [T/1000 as a JSON number, 'f' text] */
        char vs[400];
        format_float_mode(vs, sizeof(vs), v->u.scalar, 'f');
        strbuf_puts(sb, "{\"resultType\":\"scalar\",\"result\":[");
        json_go_float(sb, (double)v->t / 1000.0);
        strbuf_printf(sb, ",\"%s\"]}", vs);
        break;
    }
    case VALUE_STRING:
        strbuf_puts(sb, "{\"resultType\":\"string\",\"result\":[");
        json_go_float(sb, (double)v->t / 1000.0);
        strbuf_putc(sb, ',');
        json_append_string(sb, v->u.string);
        strbuf_puts(sb, "]}");
        break;
    case VALUE_VECTOR:
        strbuf_puts(sb, "{\"resultType\":\"vector\",\"result\":[");
        for (size_t i = 0; i < v->u.vector.count; i++) {
            const vector_elem *e = &v->u.vector.items[i];
            if (i) strbuf_putc(sb, ',');
            strbuf_puts(sb, "{\"metric\":");
            json_labels(sb, e->labels);
            strbuf_puts(sb, ",\"value\":");
            json_point(sb, e->t, e->v);
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "]}");
        break;
    case VALUE_MATRIX:
        strbuf_puts(sb, "{\"resultType\":\"matrix\",\"result\":[");
        for (size_t i = 0; i < v->u.matrix.count; i++) {
            const series *s = &v->u.matrix.items[i];
            if (i) strbuf_putc(sb, ',');
            strbuf_puts(sb, "{\"metric\":");
            json_labels(sb, s->labels);
            if (s->count) {
                strbuf_puts(sb, ",\"values\":[");
                for (size_t k = 0; k < s->count; k++) {
                    if (k) strbuf_putc(sb, ',');
                    json_point(sb, s->samples[k].t, s->samples[k].v);
                }
                strbuf_putc(sb, ']');
            }
            strbuf_putc(sb, '}');
        }
        strbuf_puts(sb, "]}");
        break;
    default: strbuf_puts(sb, "{\"resultType\":\"none\",\"result\":null}"); break;
    }
}

const char *sloeval_result_json(sloeval_result *r, size_t *len)
{
    if (!r) return NULL;
    if (!r->json) {
        strbuf sb = STRBUF_INIT;
        value_render_json(&sb, &r->v);
        size_t n = sb.len;
        r->json = strbuf_detach(&sb);
        if (!r->json) return NULL;
        r->jsonlen = n;
    }
    if (len) *len = r->jsonlen;
    return r->json;
}
