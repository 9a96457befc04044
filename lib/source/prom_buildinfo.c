/* Decoding /api/v1/status/buildinfo (jansson: a small body) into the
 * semantics to imitate. See prometheus.h. */
#include <jansson.h>
#include <yaml.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source/prometheus.h"
#include "util/error.h"
#include "util/text.h"

typedef struct dctx {
    long status;
    const char *url;
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

bool prom_seconds_to_ms(double seconds, int64_t *out)
{
    double ms = seconds * 1000.0;
    /* int64 milliseconds, with margin for the rounding. */
    if (!isfinite(ms) || ms >= 9.2e18 || ms <= -9.2e18) return false;
    *out = (int64_t)llround(ms);
    return true;
}

int prom_dom_load(json_t **out, const char *body, size_t len, long http_status, const char *ctype,
                  const char *url, sloeval_error *err)
{
    const dctx dd = {http_status, url, err}, *d = &dd;
    *out = NULL;
    if (len == 0) return fail(d, SLOEVAL_EDECODE, "empty body");
    json_error_t jerr;
    /* A raw NUL byte is never JSON, but jansson skips one that follows a
     * number or a literal (it takes the byte for the end of its look-ahead
     * buffer): refuse it here. */
    const char *nul = memchr(body, '\0', len);
    /* "\u0000" is JSON, and Prometheus may send it in a label or string. */
    json_t *root =
        nul ? NULL : json_loadb(body, len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        if (!prom_looks_like_json(body, len, ctype)) {
            char ex[120];
            prom_excerpt(ex, sizeof(ex), body, len);
            return fail(d, SLOEVAL_EDECODE, "non-JSON body (%s): %s",
                        ctype && *ctype ? ctype : "no content type", ex);
        }
        if (nul) {
            int line = 1;
            const char *bol = body;
            for (const char *p = body; p < nul; p++)
                if (*p == '\n') {
                    line++;
                    bol = p + 1;
                }
            return fail(d, SLOEVAL_EDECODE, "invalid JSON at line %d column %d: a NUL byte", line,
                        (int)(nul - bol) + 1);
        }
        return fail(d, SLOEVAL_EDECODE, "invalid JSON at line %d column %d: %s", jerr.line,
                    jerr.column, jerr.text);
    }
    if (!json_is_object(root)) {
        json_decref(root);
        return fail(d, SLOEVAL_EDECODE, "the JSON body is not an object");
    }
    *out = root;
    return 0;
}

int prom_dom_status(const json_t *root, long http_status, const char *url, sloeval_error *err)
{
    const dctx dd = {http_status, url, err}, *d = &dd;
    json_t *st = json_object_get(root, "status");
    if (!json_is_string(st)) return fail(d, SLOEVAL_EDECODE, "no \"status\" string in the body");
    const char *s = json_string_value(st);
    if (!strcmp(s, "error")) {
        json_t *et = json_object_get(root, "errorType");
        json_t *em = json_object_get(root, "error");
        return fail(d,
                    prom_server_error_code(json_is_string(et) ? json_string_value(et) : NULL,
                                           json_is_string(em) ? json_string_value(em) : NULL),
                    "%s: %s", json_is_string(et) ? json_string_value(et) : "(no errorType)",
                    json_is_string(em) ? json_string_value(em) : "(no error message)");
    }
    if (strcmp(s, "success")) {
        char ex[40];
        prom_excerpt(ex, sizeof(ex), s, strlen(s));
        return fail(d, SLOEVAL_EDECODE, "unknown status \"%s\"", ex);
    }
    if (d->status < 200 || d->status > 299)
        return fail(d, SLOEVAL_EDECODE, "status \"success\" with a failing HTTP status");
    return 0;
}

int prom_decode_buildinfo(sloeval_compat *out, char *warning, size_t size, const char *body,
                          size_t len, long http_status, const char *content_type, const char *url,
                          sloeval_error *err)
{
    dctx d = {http_status, url, err};
    char local[SLOEVAL_ERROR_MESSAGE_SIZE];
    if (!warning || size == 0) {
        warning = local;
        size = sizeof(local);
    }
    *out = SLOEVAL_COMPAT_V3;
    warning[0] = '\0';
    json_t *root;
    int rc = prom_dom_load(&root, body, len, http_status, content_type, url, err);
    if (rc) return rc;
    rc = prom_dom_status(root, http_status, url, err);
    if (rc) goto done;
    json_t *data = json_object_get(root, "data");
    json_t *ver = json_is_object(data) ? json_object_get(data, "version") : NULL;
    json_t *app = json_is_object(data) ? json_object_get(data, "application") : NULL;
    if (!json_is_string(ver)) {
        rc = fail(&d, SLOEVAL_EDECODE, "no data.version string in the buildinfo");
        goto done;
    }
    char v[40];
    prom_excerpt(v, sizeof(v), json_string_value(ver), json_string_length(ver));
    if (json_is_string(app) && (json_string_length(app) != strlen("prometheus") ||
                                strcasecmp(json_string_value(app), "prometheus") != 0)) {
        char ap[40];
        prom_excerpt(ap, sizeof(ap), json_string_value(app), json_string_length(app));
        snprintf(warning, size,
                 "%s is %s %s, not Prometheus: its PromQL version is unknown; using 3.x "
                 "semantics",
                 url, ap, v);
        goto done;
    }
    char *end = NULL;
    long major = strtol(v[0] == 'v' ? v + 1 : v, &end, 10);
    if (end == v || (end && *end != '.')) major = -1;
    if (major == 2) {
        *out = SLOEVAL_COMPAT_V2;
        long minor = strtol(end + 1, NULL, 10);
        if (minor >= 51)
            snprintf(warning, size,
                     "%s runs Prometheus %s; local evaluation imitates 2.42, whose rate "
                     "extrapolation%s differs from %s",
                     url, v, minor >= 54 ? " and sum" : "", v);
    } else if (major == 3) {
        *out = SLOEVAL_COMPAT_V3;
    } else {
        snprintf(warning, size,
                 "%s reports version \"%s\", not a Prometheus 2.x or 3.x; using 3.x semantics", url,
                 v);
    }
done:
    json_decref(root);
    return rc;
}

/* The value of key `name` in mapping node m of doc, or NULL. */
static yaml_node_t *yaml_map_get(yaml_document_t *doc, yaml_node_t *m, const char *name)
{
    if (!m || m->type != YAML_MAPPING_NODE) return NULL;
    for (yaml_node_pair_t *p = m->data.mapping.pairs.start; p < m->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == strlen(name) &&
            memcmp(k->data.scalar.value, name, k->data.scalar.length) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

int prom_decode_eval_interval(int64_t *out, const char *body, size_t len, long http_status,
                              const char *content_type, const char *url, sloeval_error *err)
{
    dctx d = {http_status, url, err};
    *out = 0;
    json_t *root;
    int rc = prom_dom_load(&root, body, len, http_status, content_type, url, err);
    if (rc) return rc;
    rc = prom_dom_status(root, http_status, url, err);
    if (rc) goto done;
    json_t *data = json_object_get(root, "data");
    json_t *y = json_is_object(data) ? json_object_get(data, "yaml") : NULL;
    if (!json_is_string(y)) {
        rc = fail(&d, SLOEVAL_EDECODE, "no data.yaml string in the status/config answer");
        goto done;
    }
    yaml_parser_t parser;
    yaml_document_t doc;
    if (!yaml_parser_initialize(&parser)) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)json_string_value(y),
                                 json_string_length(y));
    if (!yaml_parser_load(&parser, &doc)) {
        yaml_parser_delete(&parser);
        rc = fail(&d, SLOEVAL_EDECODE, "the server's configuration (data.yaml) is not YAML");
        goto done;
    }
    yaml_node_t *ei =
        yaml_map_get(&doc, yaml_map_get(&doc, yaml_document_get_root_node(&doc), "global"),
                     "evaluation_interval");
    if (!ei) {
        *out = 60000; /* Prometheus's default */
    } else {
        int64_t ms = 0;
        if (ei->type != YAML_SCALAR_NODE ||
            text_parse_duration(&ms, (const char *)ei->data.scalar.value, ei->data.scalar.length,
                                NULL) ||
            ms <= 0)
            rc = fail(&d, SLOEVAL_EDECODE,
                      "global.evaluation_interval in the server's configuration is not a "
                      "positive duration");
        else
            *out = ms;
    }
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
done:
    json_decref(root);
    return rc;
}

int prom_decode_strings(const char ***out, size_t *n, source_notes *notes, const char *body,
                        size_t len, long http_status, const char *content_type, const char *url,
                        arena *a, sloeval_error *err)
{
    dctx d = {http_status, url, err};
    *out = NULL;
    *n = 0;
    (void)notes;
    json_t *root;
    int rc = prom_dom_load(&root, body, len, http_status, content_type, url, err);
    if (rc) return rc;
    rc = prom_dom_status(root, http_status, url, err);
    if (rc) goto done;
    json_t *data = json_object_get(root, "data");
    if (!json_is_array(data)) {
        rc = fail(&d, SLOEVAL_EDECODE, "no \"data\" array in the answer");
        goto done;
    }
    size_t count = json_array_size(data);
    const char **v = ARENA_NEW_ARRAY(a, const char *, count + 1);
    if (!v) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        json_t *e = json_array_get(data, i);
        if (!json_is_string(e)) {
            rc = fail(&d, SLOEVAL_EDECODE, "\"data\"[%zu] is not a string", i);
            goto done;
        }
        v[i] = arena_strndup(a, json_string_value(e), json_string_length(e));
        if (!v[i]) {
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            goto done;
        }
    }
    *out = v;
    *n = count;
done:
    json_decref(root);
    return rc;
}
