/* The reference decoder of /api/v1 query responses: jansson's DOM, walked
 * into model values. The library's decoder (lib/source/prom_json.c) is a
 * streaming one written for speed; tests compare the two on every
 * fixture, and bench_decode times both. The envelope (JSON or not, "status")
 * is checked by the library's DOM helpers, prom_dom_load and
 * prom_dom_status, which the streaming decoder does not use. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "prom_decode_ref.h"
#include "source/prometheus.h"
#include "util/error.h"

/* Context for messages: "HTTP <status> from <url>: <path>: <problem>". */
typedef struct dctx {
    long status;
    const char *url;
    arena *a;
    sloeval_error *err;
} dctx;

static int fail(const dctx *d, int code, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);

static int fail(const dctx *d, int code, const char *fmt, ...)
{
    char detail[SLOEVAL_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(detail, sizeof(detail), fmt, ap);
    va_end(ap);
    if (error_is_set(d->err)) return code;
    error_set(d->err, code, "HTTP %ld from %s: %s", d->status, d->url ? d->url : "server", detail);
    if (d->err) d->err->http_status = (int)d->status;
    return code;
}

/* The timestamp of a [ts, "v"] pair. */
static int read_ts(const dctx *d, json_t *j, int64_t *out, const char *path, size_t i, size_t k)
{
    if (json_is_integer(j)) {
        json_int_t s = json_integer_value(j);
        if (s > INT64_MAX / 1000 || s < INT64_MIN / 1000)
            return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: timestamp %lld out of range", path, i, k,
                        (long long)s);
        *out = (int64_t)s * 1000;
        return 0;
    }
    if (json_is_real(j)) {
        if (!prom_seconds_to_ms(json_real_value(j), out))
            return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: timestamp %g out of range", path, i, k,
                        json_real_value(j));
        return 0;
    }
    return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: timestamp is not a number", path, i, k);
}

/* A [ts, "value"] pair: the time and the float. */
static int read_pair(const dctx *d, json_t *pair, int64_t *t, double *v, const char *path, size_t i,
                     size_t j)
{
    if (!json_is_array(pair) || json_array_size(pair) != 2)
        return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: expected [timestamp, \"value\"]", path, i,
                    j);
    int rc = read_ts(d, json_array_get(pair, 0), t, path, i, j);
    if (rc) return rc;
    json_t *jv = json_array_get(pair, 1);
    if (!json_is_string(jv))
        return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: sample value is not a string", path, i, j);
    strv s = {json_string_value(jv), json_string_length(jv)};
    if (float_parse(v, s) != 0) {
        char ex[64];
        prom_excerpt(ex, sizeof(ex), s.ptr, s.len);
        return fail(d, SLOEVAL_EDECODE, "%s[%zu][%zu]: bad sample value \"%s\"", path, i, j, ex);
    }
    return 0;
}

static int read_metric(const dctx *d, json_t *elem, size_t i, const labels **out)
{
    json_t *m = json_object_get(elem, "metric");
    if (!m) {
        *out = labels_empty();
        return 0; /* Prometheus omits nothing, but an empty set is well defined */
    }
    if (!json_is_object(m))
        return fail(d, SLOEVAL_EDECODE, "data.result[%zu].metric is not an object", i);
    size_t n = json_object_size(m);
    if (n == 0) {
        *out = labels_empty();
        return 0;
    }
    label *pairs = ARENA_NEW_ARRAY(d->a, label, n);
    if (!pairs) return fail(d, SLOEVAL_ENOMEM, "out of memory");
    size_t k = 0;
    const char *key;
    json_t *val;
    json_object_foreach(m, key, val)
    {
        if (!json_is_string(val))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu].metric.%s is not a string", i, key);
        pairs[k].name = strv_from_cstr(key);
        pairs[k].value = (strv){json_string_value(val), json_string_length(val)};
        if (pairs[k].name.len == 0)
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu].metric has an empty label name", i);
        k++;
    }
    bool dup = false;
    *out = labels_make(d->a, pairs, k, false, &dup);
    if (!*out) {
        if (dup) return fail(d, SLOEVAL_EDECODE, "data.result[%zu].metric repeats a label", i);
        return fail(d, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

static int decode_vector(const dctx *d, json_t *result, value *out)
{
    size_t n = json_array_size(result);
    out->kind = VALUE_VECTOR;
    memset(&out->u.vector, 0, sizeof(out->u.vector));
    if (n == 0) return 0;
    out->u.vector.items = ARENA_NEW_ARRAY(d->a, vector_elem, n);
    if (!out->u.vector.items) return fail(d, SLOEVAL_ENOMEM, "out of memory");
    out->u.vector.cap = n;
    for (size_t i = 0; i < n; i++) {
        json_t *elem = json_array_get(result, i);
        if (!json_is_object(elem))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] is not an object", i);
        json_t *pair = json_object_get(elem, "value");
        if (!pair) {
            if (json_object_get(elem, "histogram"))
                return fail(d, SLOEVAL_EUNSUPPORTED,
                            "data.result[%zu] is a native histogram sample, which sloeval does "
                            "not support",
                            i);
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] has no \"value\"", i);
        }
        if (json_object_get(elem, "values"))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] has both \"value\" and \"values\"",
                        i);
        vector_elem *e = &out->u.vector.items[i];
        int rc = read_metric(d, elem, i, &e->labels);
        if (rc) return rc;
        if (!json_is_array(pair) || json_array_size(pair) != 2)
            return fail(d, SLOEVAL_EDECODE,
                        "data.result[%zu].value: expected [timestamp, \"value\"]", i);
        rc = read_ts(d, json_array_get(pair, 0), &e->t, "data.result", i, 0);
        if (rc) return rc;
        json_t *jv = json_array_get(pair, 1);
        if (!json_is_string(jv))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu].value: sample value is not a string",
                        i);
        strv s = {json_string_value(jv), json_string_length(jv)};
        if (float_parse(&e->v, s) != 0) {
            char ex[64];
            prom_excerpt(ex, sizeof(ex), s.ptr, s.len);
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu].value: bad sample value \"%s\"", i,
                        ex);
        }
        out->u.vector.count = i + 1;
    }
    return 0;
}

static int decode_matrix(const dctx *d, json_t *result, value *out)
{
    size_t n = json_array_size(result);
    out->kind = VALUE_MATRIX;
    memset(&out->u.matrix, 0, sizeof(out->u.matrix));
    if (n == 0) return 0;
    out->u.matrix.items = ARENA_NEW_ARRAY(d->a, series, n);
    if (!out->u.matrix.items) return fail(d, SLOEVAL_ENOMEM, "out of memory");
    out->u.matrix.cap = n;
    for (size_t i = 0; i < n; i++) {
        json_t *elem = json_array_get(result, i);
        if (!json_is_object(elem))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] is not an object", i);
        json_t *vals = json_object_get(elem, "values");
        if (!vals) {
            if (json_object_get(elem, "histograms"))
                return fail(d, SLOEVAL_EUNSUPPORTED,
                            "data.result[%zu] holds native histogram samples, which sloeval does "
                            "not support",
                            i);
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] has no \"values\"", i);
        }
        if (!json_is_array(vals))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu].values is not an array", i);
        if (json_object_get(elem, "histograms"))
            return fail(d, SLOEVAL_EUNSUPPORTED,
                        "data.result[%zu] holds native histogram samples, which sloeval does not "
                        "support",
                        i);
        if (json_object_get(elem, "value"))
            return fail(d, SLOEVAL_EDECODE, "data.result[%zu] has both \"value\" and \"values\"",
                        i);
        series *s = &out->u.matrix.items[i];
        int rc = read_metric(d, elem, i, &s->labels);
        if (rc) return rc;
        size_t m = json_array_size(vals);
        s->samples = m ? ARENA_NEW_ARRAY(d->a, sample, m) : NULL;
        if (m && !s->samples) return fail(d, SLOEVAL_ENOMEM, "out of memory");
        for (size_t j = 0; j < m; j++) {
            rc = read_pair(d, json_array_get(vals, j), &s->samples[j].t, &s->samples[j].v,
                           "data.result[].values", i, j);
            if (rc) return rc;
            if (j > 0 && s->samples[j].t <= s->samples[j - 1].t)
                return fail(d, SLOEVAL_EDECODE,
                            "data.result[%zu].values[%zu]: timestamps are not increasing", i, j);
        }
        s->count = m;
        out->u.matrix.count = i + 1;
    }
    return 0;
}

static int decode_scalar_or_string(const dctx *d, json_t *result, value *out, bool is_string)
{
    if (!json_is_array(result) || json_array_size(result) != 2)
        return fail(d, SLOEVAL_EDECODE, "data.result: expected [timestamp, \"%s\"]",
                    is_string ? "string" : "value");
    int rc = read_ts(d, json_array_get(result, 0), &out->t, "data.result", 0, 0);
    if (rc) return rc;
    json_t *jv = json_array_get(result, 1);
    if (!json_is_string(jv)) return fail(d, SLOEVAL_EDECODE, "data.result[1] is not a string");
    strv s = {json_string_value(jv), json_string_length(jv)};
    if (is_string) {
        out->kind = VALUE_STRING;
        char *copy = arena_strndup(d->a, s.ptr, s.len);
        if (!copy) return fail(d, SLOEVAL_ENOMEM, "out of memory");
        out->u.string = (strv){copy, s.len};
        return 0;
    }
    out->kind = VALUE_SCALAR;
    if (float_parse(&out->u.scalar, s) != 0) {
        char ex[64];
        prom_excerpt(ex, sizeof(ex), s.ptr, s.len);
        return fail(d, SLOEVAL_EDECODE, "data.result[1]: bad scalar value \"%s\"", ex);
    }
    return 0;
}

static int add_note(arena *a, strv **arr, size_t *n, size_t *cap, const char *s, size_t len)
{
    if (arena_grow(a, (void **)arr, cap, *n + 1, sizeof(strv))) return -1;
    char *copy = arena_strndup(a, s, len);
    if (!copy) return -1;
    for (size_t i = 0; i < len; i++)
        if (copy[i] == '\n' || copy[i] == '\r') copy[i] = ' ';
    (*arr)[(*n)++] = (strv){copy, len};
    return 0;
}

static int read_notes(const dctx *d, json_t *root, source_notes *notes)
{
    static const char *const keys[2] = {"warnings", "infos"};
    for (int k = 0; k < 2; k++) {
        json_t *arr = json_object_get(root, keys[k]);
        if (!arr || json_is_null(arr)) continue;
        if (!json_is_array(arr)) return fail(d, SLOEVAL_EDECODE, "\"%s\" is not an array", keys[k]);
        size_t i;
        json_t *w;
        json_array_foreach(arr, i, w)
        {
            if (!json_is_string(w))
                return fail(d, SLOEVAL_EDECODE, "%s[%zu] is not a string", keys[k], i);
            if (!notes) continue;
            int r = k == 0
                        ? add_note(d->a, &notes->warnings, &notes->nwarnings, &notes->capwarnings,
                                   json_string_value(w), json_string_length(w))
                        : add_note(d->a, &notes->infos, &notes->ninfos, &notes->capinfos,
                                   json_string_value(w), json_string_length(w));
            if (r) return fail(d, SLOEVAL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

int prom_decode_response_ref(value *out, source_notes *notes, const char *body, size_t len,
                             long http_status, const char *content_type, const char *url, arena *a,
                             sloeval_error *err)
{
    dctx d = {http_status, url, a, err};
    memset(out, 0, sizeof(*out));
    json_t *root;
    int rc = prom_dom_load(&root, body, len, http_status, content_type, url, err);
    if (rc) return rc;
    rc = read_notes(&d, root, notes);
    if (rc) goto done;
    rc = prom_dom_status(root, http_status, url, err);
    if (rc) goto done;
    json_t *data = json_object_get(root, "data");
    if (!data) {
        rc = fail(&d, SLOEVAL_EDECODE, "no \"data\" in a success response");
        goto done;
    }
    if (!json_is_object(data)) {
        rc = fail(&d, SLOEVAL_EDECODE, "\"data\" is not an object");
        goto done;
    }
    json_t *rt = json_object_get(data, "resultType");
    json_t *result = json_object_get(data, "result");
    if (!json_is_string(rt)) {
        rc = fail(&d, SLOEVAL_EDECODE, "no data.resultType string");
        goto done;
    }
    if (!result) {
        rc = fail(&d, SLOEVAL_EDECODE, "no data.result");
        goto done;
    }
    const char *type = json_string_value(rt);
    if (!strcmp(type, "vector") || !strcmp(type, "matrix")) {
        if (!json_is_array(result)) {
            rc = fail(&d, SLOEVAL_EDECODE, "data.result of a %s is not an array", type);
            goto done;
        }
        rc = type[0] == 'v' ? decode_vector(&d, result, out) : decode_matrix(&d, result, out);
        if (!rc) {
            char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
            rc = prom_check_distinct_series(out, msg, sizeof(msg));
            if (rc) fail(&d, rc, "%s", msg);
        }
    } else if (!strcmp(type, "scalar")) {
        rc = decode_scalar_or_string(&d, result, out, false);
    } else if (!strcmp(type, "string")) {
        rc = decode_scalar_or_string(&d, result, out, true);
    } else {
        char ex[40];
        prom_excerpt(ex, sizeof(ex), type, strlen(type));
        rc = fail(&d, SLOEVAL_EDECODE, "unknown data.resultType \"%s\"", ex);
    }
done:
    json_decref(root);
    if (rc) memset(out, 0, sizeof(*out));
    return rc;
}
