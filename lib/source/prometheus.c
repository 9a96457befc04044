/* The Prometheus HTTP source: the source vtable over lib/http, the
 * asynchronous calls the planner uses, and buildinfo detection. See
 * include/sloeval/http.h and prometheus.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sloeval/http.h"
#include "source/prometheus.h"
#include "util/error.h"
#include "util/options.h"

typedef struct prom_source {
    sloeval_source base;
    http_client *client;
    int parallelism;
    bool partial_allowed;
    int dedup;
    char **replica_labels;
    size_t nreplica_labels;
    char *max_source_resolution;
    char *engine;
    long timeout_ms;
    sloeval_compat requested;
    bool compat_known; /* requested v2/v3, or detected from the buildinfo */
    char *config_warning;
    bool query_stats;         /* send stats=all */
    int64_t eval_interval_ms; /* the server's evaluation_interval; 0: unknown */
} prom_source;

typedef enum call_kind {
    CALL_QUERY,
    CALL_QUERY_RANGE,
    CALL_SELECT,
    CALL_BUILDINFO,
    CALL_LABELS, /* /api/v1/labels or /api/v1/label/<name>/values */
    CALL_CONFIG, /* /api/v1/status/config: the evaluation_interval */
} call_kind;

struct prom_call {
    prom_source *src;
    call_kind kind;
    arena *a;
    int64_t mint, maxt; /* CALL_SELECT: the window to keep */
    int code;
    sloeval_error err;
    value val;
    source_notes notes;
    sloeval_compat compat;    /* CALL_BUILDINFO */
    int64_t eval_interval_ms; /* CALL_CONFIG */
    char warning[SLOEVAL_ERROR_MESSAGE_SIZE];
    prom_call_stats stats;
    const char **strs; /* CALL_LABELS */
    size_t nstrs;
};

static const source_vtable prom_vtable;

bool prom_is_source(const sloeval_source *src)
{
    return src && src->vt == &prom_vtable;
}

void prom_set_query_stats(sloeval_source *src, bool on)
{
    if (prom_is_source(src)) ((prom_source *)src)->query_stats = on;
}

bool prom_query_stats(const sloeval_source *src)
{
    return prom_is_source(src) && ((const prom_source *)src)->query_stats;
}

int prom_parallelism(const sloeval_source *src)
{
    return prom_is_source(src) ? ((const prom_source *)src)->parallelism : 8;
}

/* ---- formatting --------------------------------------------------------- */

void prom_format_time(char *buf, size_t size, int64_t ms)
{
    int64_t secs = ms / 1000, frac = ms % 1000;
    if (frac < 0) {
        frac += 1000;
        secs -= 1;
    }
    /* 0001-01-01 .. 9999-12-31: RFC 3339, which Go parses exactly. */
    if (secs >= -62135596800LL && secs <= 253402300799LL) {
        time_t tt = (time_t)secs;
        struct tm tm;
        if (gmtime_r(&tt, &tm)) {
            snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                     tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)frac);
            return;
        }
    }
    if (ms < 0)
        snprintf(buf, size, "-%lld.%03lld", (long long)(-(ms / 1000)), (long long)(-(ms % 1000)));
    else
        snprintf(buf, size, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
}

void prom_format_selector(strbuf *sb, const label_matcher *matchers, size_t n)
{
    strbuf_putc(sb, '{');
    for (size_t i = 0; i < n; i++) {
        const label_matcher *m = &matchers[i];
        if (i) strbuf_putc(sb, ',');
        if (label_name_is_legacy(m->name))
            strbuf_append(sb, m->name.ptr, m->name.len);
        else
            quote_go_string(sb, m->name); /* 3.x UTF-8 label names */
        switch (m->type) {
        case MATCH_EQUAL: strbuf_puts(sb, "="); break;
        case MATCH_NOT_EQUAL: strbuf_puts(sb, "!="); break;
        case MATCH_REGEX: strbuf_puts(sb, "=~"); break;
        case MATCH_NOT_REGEX: strbuf_puts(sb, "!~"); break;
        }
        quote_go_string(sb, m->value);
    }
    strbuf_putc(sb, '}');
}

/* ---- calls -------------------------------------------------------------- */

static void redact_notes(prom_source *s, arena *a, strv *items, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        size_t size = items[i].len * 10 + 16; /* each byte may become "<redacted>" */
        char *buf = arena_alloc(a, size);
        if (!buf) {
            items[i] = STRV_LIT("<warning dropped: out of memory>");
            continue;
        }
        memcpy(buf, items[i].ptr, items[i].len);
        buf[items[i].len] = '\0';
        http_client_redact(s->client, buf, size);
        items[i] = (strv){buf, strlen(buf)};
    }
}

/* Keep the samples in [mint, maxt]; drop series left without any. */
static void trim_window(matrix *m, int64_t mint, int64_t maxt)
{
    size_t out = 0;
    for (size_t i = 0; i < m->count; i++) {
        series s = m->items[i];
        size_t lo = 0, hi = s.count;
        while (lo < hi && s.samples[lo].t < mint)
            lo++;
        while (hi > lo && s.samples[hi - 1].t > maxt)
            hi--;
        if (hi == lo) continue;
        s.samples += lo;
        s.count = hi - lo;
        m->items[out++] = s;
    }
    m->count = out;
}

static void on_call_done(http_request *r, void *userdata)
{
    prom_call *c = userdata;
    prom_source *s = c->src;
    sloeval_error_clear(&c->err);
    c->code = 0;
    c->stats.transfer_seconds = http_request_seconds(r);
    c->stats.attempts = http_request_attempts(r);
    c->stats.new_connections = http_request_new_connections(r);
    c->stats.server_seconds = -1;
    if (http_request_code(r)) {
        c->code = http_request_error(r, &c->err);
        c->err.http_status = (int)http_request_status(r);
        return;
    }
    size_t len;
    const char *body = http_request_body(r, &len);
    c->stats.body_bytes = len;
    struct timespec ts0, ts1;
    clock_gettime(CLOCK_MONOTONIC, &ts0);
    int rc;
    if (c->kind == CALL_BUILDINFO) {
        rc = prom_decode_buildinfo(&c->compat, c->warning, sizeof(c->warning), body, len,
                                   http_request_status(r), http_request_content_type(r),
                                   http_request_url(r), &c->err);
        http_client_redact(s->client, c->warning, sizeof(c->warning));
    } else if (c->kind == CALL_CONFIG) {
        rc = prom_decode_eval_interval(&c->eval_interval_ms, body, len, http_request_status(r),
                                       http_request_content_type(r), http_request_url(r), &c->err);
    } else if (c->kind == CALL_LABELS) {
        rc = prom_decode_strings(&c->strs, &c->nstrs, &c->notes, body, len, http_request_status(r),
                                 http_request_content_type(r), http_request_url(r), c->a, &c->err);
    } else {
        rc = prom_decode_response_stats(&c->val, &c->notes,
                                        s->query_stats ? &c->stats.server_seconds : NULL, body, len,
                                        http_request_status(r), http_request_content_type(r),
                                        http_request_url(r), c->a, &c->err);
    }
    http_request_release_body(r);
    clock_gettime(CLOCK_MONOTONIC, &ts1);
    c->stats.decode_seconds =
        (double)(ts1.tv_sec - ts0.tv_sec) + (double)(ts1.tv_nsec - ts0.tv_nsec) / 1e9;
    redact_notes(s, c->a, c->notes.warnings, c->notes.nwarnings);
    redact_notes(s, c->a, c->notes.infos, c->notes.ninfos);
    if (!rc && c->kind == CALL_SELECT) {
        if (c->val.kind != VALUE_MATRIX)
            rc = error_set(&c->err, SLOEVAL_EDECODE,
                           "HTTP %ld from %s: a range selector answered with something other "
                           "than a matrix",
                           http_request_status(r), http_request_url(r));
        else
            trim_window(&c->val.u.matrix, c->mint, c->maxt);
    }
    if (!rc && s->partial_allowed && c->notes.nwarnings > 0) {
        char w[200];
        size_t n =
            c->notes.warnings[0].len < sizeof(w) - 1 ? c->notes.warnings[0].len : sizeof(w) - 1;
        memcpy(w, c->notes.warnings[0].ptr, n);
        w[n] = '\0';
        rc = error_set(&c->err, SLOEVAL_EPARTIAL, "partial response from %s: %s",
                       http_request_url(r), w);
    }
    if (rc) {
        if (c->stats.attempts > 1) {
            size_t l = strlen(c->err.message);
            snprintf(c->err.message + l, sizeof(c->err.message) - l, " (%d attempts)",
                     c->stats.attempts);
        }
        http_client_redact(s->client, c->err.message, sizeof(c->err.message));
        if (!c->err.http_status) c->err.http_status = (int)http_request_status(r);
    }
    c->code = rc;
}

static void add_common_params(prom_source *s, strbuf *form)
{
    char buf[32];
    snprintf(buf, sizeof(buf), "%ldms", s->timeout_ms);
    http_form_add(form, "timeout", buf);
    http_form_add(form, "partial_response", s->partial_allowed ? "true" : "false");
    if (s->dedup >= 0) http_form_add(form, "dedup", s->dedup ? "true" : "false");
    for (size_t i = 0; i < s->nreplica_labels; i++)
        http_form_add(form, "replicaLabels[]", s->replica_labels[i]);
    if (s->max_source_resolution)
        http_form_add(form, "max_source_resolution", s->max_source_resolution);
    if (s->engine) http_form_add(form, "engine", s->engine);
    if (s->query_stats) http_form_add(form, "stats", "all");
}

static int add_call(prom_call **out, prom_source *s, http_batch *b, call_kind kind,
                    const char *path, strbuf *form, arena *a, sloeval_error *err)
{
    *out = NULL;
    if (form && form->failed) {
        strbuf_free(form);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    prom_call *c = ARENA_NEW(a, prom_call);
    if (!c) {
        if (form) strbuf_free(form);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    c->src = s;
    c->kind = kind;
    c->a = a;
    /* Until the batch has run it (on_call_done resets both). */
    c->code = error_set(&c->err, SLOEVAL_EINVAL, "the request to %s was not run",
                        http_client_url(s->client));
    http_request *r =
        http_batch_add(b, s->client, path, form ? strbuf_cstr(form) : NULL, on_call_done, c);
    if (form) strbuf_free(form);
    if (!r) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    *out = c;
    return 0;
}

int prom_add_query(prom_call **out, sloeval_source *src, http_batch *b, const char *expr, int64_t t,
                   arena *a, sloeval_error *err)
{
    prom_source *s = (prom_source *)src;
    char tbuf[48];
    strbuf form = STRBUF_INIT;
    prom_format_time(tbuf, sizeof(tbuf), t);
    http_form_add(&form, "query", expr);
    http_form_add(&form, "time", tbuf);
    add_common_params(s, &form);
    return add_call(out, s, b, CALL_QUERY, "/api/v1/query", &form, a, err);
}

int prom_add_query_range(prom_call **out, sloeval_source *src, http_batch *b, const char *expr,
                         int64_t start, int64_t end, int64_t step, arena *a, sloeval_error *err)
{
    prom_source *s = (prom_source *)src;
    if (step <= 0 || end < start) {
        *out = NULL;
        return error_set(err, SLOEVAL_EINVAL, "query_range needs start <= end and a positive step");
    }
    char buf[48];
    strbuf form = STRBUF_INIT;
    http_form_add(&form, "query", expr);
    prom_format_time(buf, sizeof(buf), start);
    http_form_add(&form, "start", buf);
    prom_format_time(buf, sizeof(buf), end);
    http_form_add(&form, "end", buf);
    snprintf(buf, sizeof(buf), "%lldms", (long long)step);
    http_form_add(&form, "step", buf);
    add_common_params(s, &form);
    return add_call(out, s, b, CALL_QUERY_RANGE, "/api/v1/query_range", &form, a, err);
}

int prom_add_select(prom_call **out, sloeval_source *src, http_batch *b,
                    const label_matcher *matchers, size_t nmatchers, int64_t mint, int64_t maxt,
                    arena *a, sloeval_error *err)
{
    prom_source *s = (prom_source *)src;
    *out = NULL;
    if (nmatchers == 0 || maxt < mint)
        return error_set(err, SLOEVAL_EINVAL, "select needs matchers and mint <= maxt");
    /*
     * `sel[r]` at maxt covers [maxt - r, maxt] on 2.x and (maxt - r, maxt]
     * on 3.x. With r = maxt - mint + 1 both contain [mint, maxt], the 2.x
     * answer one millisecond more, which trim_window drops.
     */
    strbuf q = STRBUF_INIT;
    prom_format_selector(&q, matchers, nmatchers);
    strbuf_printf(&q, "[%lldms]", (long long)(maxt - mint + 1));
    if (q.failed) {
        strbuf_free(&q);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    char tbuf[48];
    strbuf form = STRBUF_INIT;
    prom_format_time(tbuf, sizeof(tbuf), maxt);
    http_form_add(&form, "query", strbuf_cstr(&q));
    http_form_add(&form, "time", tbuf);
    add_common_params(s, &form);
    strbuf_free(&q);
    int rc = add_call(out, s, b, CALL_SELECT, "/api/v1/query", &form, a, err);
    if (!rc) {
        (*out)->mint = mint;
        (*out)->maxt = maxt;
    }
    return rc;
}

int prom_add_labels(prom_call **out, sloeval_source *src, http_batch *b, const char *lname,
                    const label_matcher *matchers, size_t nmatchers, int64_t start, int64_t end,
                    arena *a, sloeval_error *err)
{
    *out = NULL;
    if (!prom_is_source(src)) return error_set(err, SLOEVAL_EINVAL, "not a Prometheus source");
    prom_source *s = (prom_source *)src;
    if (nmatchers == 0 || end < start)
        return error_set(err, SLOEVAL_EINVAL, "a label request needs matchers and start <= end");
    if (lname && !label_name_is_legacy(strv_from_cstr(lname)))
        return error_set(err, SLOEVAL_EINVAL, "label name '%s' cannot be put in a path", lname);
    strbuf sel = STRBUF_INIT, path = STRBUF_INIT, form = STRBUF_INIT;
    prom_format_selector(&sel, matchers, nmatchers);
    char buf[48];
    http_form_add(&form, "match[]", sel.failed ? "" : strbuf_cstr(&sel));
    prom_format_time(buf, sizeof(buf), start);
    http_form_add(&form, "start", buf);
    prom_format_time(buf, sizeof(buf), end);
    http_form_add(&form, "end", buf);
    if (lname)
        strbuf_printf(&path, "/api/v1/label/%s/values?%s", lname, strbuf_cstr(&form));
    else
        strbuf_printf(&path, "/api/v1/labels?%s", strbuf_cstr(&form));
    int rc = sel.failed || form.failed || path.failed
                 ? error_set(err, SLOEVAL_ENOMEM, "out of memory")
                 : add_call(out, s, b, CALL_LABELS, strbuf_cstr(&path), NULL, a, err);
    strbuf_free(&sel);
    strbuf_free(&path);
    strbuf_free(&form);
    return rc;
}

int prom_call_strings(const prom_call *c, const char *const **out, size_t *n, sloeval_error *err)
{
    *out = NULL;
    *n = 0;
    if (c->code) {
        if (err) *err = c->err;
        return c->code;
    }
    *out = c->strs;
    *n = c->nstrs;
    return 0;
}

static int add_notes(source_notes *dst, const source_notes *src, arena *a)
{
    for (size_t i = 0; i < src->nwarnings; i++) {
        if (arena_grow(a, (void **)&dst->warnings, &dst->capwarnings, dst->nwarnings + 1,
                       sizeof(strv)))
            return -1;
        dst->warnings[dst->nwarnings++] = src->warnings[i];
    }
    for (size_t i = 0; i < src->ninfos; i++) {
        if (arena_grow(a, (void **)&dst->infos, &dst->capinfos, dst->ninfos + 1, sizeof(strv)))
            return -1;
        dst->infos[dst->ninfos++] = src->infos[i];
    }
    return 0;
}

int prom_call_result(const prom_call *c, value *out, source_notes *notes, sloeval_error *err)
{
    if (out) *out = c->val;
    if (notes && add_notes(notes, &c->notes, c->a))
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    if (c->code) {
        if (err && !error_is_set(err)) *err = c->err;
        return c->code;
    }
    return 0;
}

void prom_call_get_stats(const prom_call *c, prom_call_stats *out)
{
    *out = c->stats;
}

/* ---- synchronous vtable ------------------------------------------------- */

static int run_batch(http_batch *b, sloeval_error *err)
{
    return http_batch_run(b, err);
}

static int prom_select(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                       int64_t mint, int64_t maxt, arena *a, matrix *out, source_notes *notes,
                       sloeval_error *err)
{
    http_batch *b;
    memset(out, 0, sizeof(*out));
    if (http_batch_new(&b, 1)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    prom_call *c;
    int rc = prom_add_select(&c, src, b, matchers, nmatchers, mint, maxt, a, err);
    if (!rc) rc = run_batch(b, err);
    if (!rc) {
        value v;
        rc = prom_call_result(c, &v, notes, err);
        if (!rc) *out = v.u.matrix;
    }
    http_batch_free(b);
    return rc;
}

static int prom_query(sloeval_source *src, const char *expr, int64_t t, arena *a, value *out,
                      source_notes *notes, sloeval_error *err)
{
    http_batch *b;
    memset(out, 0, sizeof(*out));
    if (http_batch_new(&b, 1)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    prom_call *c;
    int rc = prom_add_query(&c, src, b, expr, t, a, err);
    if (!rc) rc = run_batch(b, err);
    if (!rc) rc = prom_call_result(c, out, notes, err);
    if (rc) memset(out, 0, sizeof(*out));
    http_batch_free(b);
    return rc;
}

static int prom_query_range(sloeval_source *src, const char *expr, int64_t start, int64_t end,
                            int64_t step, arena *a, value *out, source_notes *notes,
                            sloeval_error *err)
{
    http_batch *b;
    memset(out, 0, sizeof(*out));
    if (http_batch_new(&b, 1)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    prom_call *c;
    int rc = prom_add_query_range(&c, src, b, expr, start, end, step, a, err);
    if (!rc) rc = run_batch(b, err);
    if (!rc) rc = prom_call_result(c, out, notes, err);
    if (rc) memset(out, 0, sizeof(*out));
    http_batch_free(b);
    return rc;
}

static void prom_destroy(sloeval_source *src)
{
    prom_source *s = (prom_source *)src;
    if (!s) return;
    http_client_free(s->client);
    for (size_t i = 0; i < s->nreplica_labels; i++)
        free(s->replica_labels[i]);
    free(s->replica_labels);
    free(s->max_source_resolution);
    free(s->engine);
    free(s->config_warning);
    free(s);
}

static const source_vtable prom_vtable = {
    "prometheus", prom_select, prom_query, prom_query_range, prom_destroy, NULL,
};

/* ---- public ------------------------------------------------------------- */

void sloeval_prometheus_options_init(sloeval_prometheus_options *opts)
{
    sloeval_prometheus_options init = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    *opts = init;
}

static bool param_ok(const char *s)
{
    return s && *s && strlen(s) < 256;
}

/* The size of each version of sloeval_prometheus_options. */
static const size_t prometheus_options_sizes[SLOEVAL_PROMETHEUS_OPTIONS_VERSION] = {
    OPTIONS_END(sloeval_prometheus_options, disable_compression),
    sizeof(sloeval_prometheus_options),
};

int prom_options_read(sloeval_prometheus_options *out, const sloeval_prometheus_options *opts,
                      sloeval_error *err)
{
    static const sloeval_prometheus_options defaults = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    return options_read(out, &defaults, opts, prometheus_options_sizes,
                        SLOEVAL_PROMETHEUS_OPTIONS_VERSION, "sloeval_prometheus_options", err);
}

int sloeval_source_new_prometheus(sloeval_source **out, const sloeval_prometheus_options *opts,
                                  sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_source_new_prometheus: out is NULL");
    *out = NULL;
    if (!opts)
        return error_set(err, SLOEVAL_EINVAL,
                         "sloeval_source_new_prometheus: no options (use "
                         "SLOEVAL_PROMETHEUS_OPTIONS_INIT)");
    static const sloeval_prometheus_options defaults = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    sloeval_prometheus_options current;
    int orc = options_read(&current, &defaults, opts, prometheus_options_sizes,
                           SLOEVAL_PROMETHEUS_OPTIONS_VERSION, "sloeval_prometheus_options", err);
    if (orc) return orc;
    opts = &current;
    if (opts->compat != SLOEVAL_COMPAT_V2 && opts->compat != SLOEVAL_COMPAT_V3 &&
        opts->compat != SLOEVAL_COMPAT_AUTO)
        return error_set(err, SLOEVAL_ECONFIG, "compat must be v2, v3 or auto");
    if (opts->bearer_token_file && opts->bearer_token_env)
        return error_set(err, SLOEVAL_ECONFIG,
                         "bearer token: give a file or an environment variable, not both");
    if (opts->basic_auth_password_file && opts->basic_auth_password_env)
        return error_set(err, SLOEVAL_ECONFIG,
                         "basic auth password: give a file or an environment variable, not both");
    if (opts->dedup < -1 || opts->dedup > 1)
        return error_set(err, SLOEVAL_ECONFIG, "dedup must be -1 (not sent), 0 or 1");
    if (opts->max_source_resolution && !param_ok(opts->max_source_resolution))
        return error_set(err, SLOEVAL_ECONFIG, "max_source_resolution is empty or too long");
    if (opts->engine && !param_ok(opts->engine))
        return error_set(err, SLOEVAL_ECONFIG, "engine is empty or too long");
    if (opts->nheaders && !opts->headers)
        return error_set(err, SLOEVAL_EINVAL, "nheaders without headers");
    for (size_t i = 0; i < opts->nheaders; i++)
        if (opts->headers[i].name && !strcasecmp(opts->headers[i].name, "X-Scope-OrgID") &&
            opts->tenant)
            return error_set(err, SLOEVAL_ECONFIG,
                             "X-Scope-OrgID is given both as a header and as the tenant");
    if (opts->tenant && (!*opts->tenant || strpbrk(opts->tenant, "\r\n")))
        return error_set(err, SLOEVAL_ECONFIG, "tenant must be a non-empty single line");
    if (opts->user_agent && (!*opts->user_agent || strpbrk(opts->user_agent, "\r\n")))
        return error_set(err, SLOEVAL_ECONFIG, "user_agent must be a non-empty single line");

    prom_source *s = calloc(1, sizeof(*s));
    if (!s) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    s->base.vt = &prom_vtable;
    s->requested = opts->compat;
    s->compat_known = opts->compat != SLOEVAL_COMPAT_AUTO;
    s->base.compat = opts->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    s->parallelism = opts->parallelism > 0 ? opts->parallelism : 8;
    s->partial_allowed = opts->partial_response;
    s->dedup = opts->dedup;
    s->timeout_ms = opts->timeout_ms;
    int rc = 0;

    http_header_kv *hdrs = NULL;
    size_t nh = opts->nheaders + (opts->tenant ? 1 : 0) + (opts->user_agent ? 1 : 0);
    if (nh) {
        hdrs = calloc(nh, sizeof(*hdrs));
        if (!hdrs) goto oom;
        for (size_t i = 0; i < opts->nheaders; i++) {
            hdrs[i].name = opts->headers[i].name;
            hdrs[i].value = opts->headers[i].value;
        }
        if (opts->tenant) {
            hdrs[opts->nheaders].name = "X-Scope-OrgID";
            hdrs[opts->nheaders].value = opts->tenant;
            hdrs[opts->nheaders].public_value = true; /* a name, not a credential */
        }
        /* a User-Agent header replaces libcurl's CURLOPT_USERAGENT */
        if (opts->user_agent) {
            hdrs[nh - 1].name = "User-Agent";
            hdrs[nh - 1].value = opts->user_agent;
        }
    }
    http_config cfg = {
        .url = opts->url,
        .connect_timeout_ms = opts->connect_timeout_ms,
        .timeout_ms = opts->timeout_ms,
        .total_timeout_ms = opts->total_timeout_ms,
        .max_retries = opts->max_retries,
        .retry_backoff_ms = opts->retry_backoff_ms,
        .retry_backoff_max_ms = opts->retry_backoff_max_ms,
        .max_response_bytes = opts->max_response_bytes,
        .headers = hdrs,
        .nheaders = nh,
        .bearer_token = {opts->bearer_token_file, opts->bearer_token_env},
        .basic_auth_user = opts->basic_auth_user,
        .basic_auth_password = {opts->basic_auth_password_file, opts->basic_auth_password_env},
        .tls_ca_file = opts->tls_ca_file,
        .tls_cert_file = opts->tls_cert_file,
        .tls_key_file = opts->tls_key_file,
        .tls_insecure_skip_verify = opts->tls_insecure_skip_verify,
        .no_compression = opts->disable_compression,
    };
    rc = http_client_new(&s->client, &cfg, err);
    free(hdrs);
    if (rc) goto fail;
    if (opts->nreplica_labels) {
        if (!opts->replica_labels) {
            rc = error_set(err, SLOEVAL_EINVAL, "nreplica_labels without replica_labels");
            goto fail;
        }
        s->replica_labels = calloc(opts->nreplica_labels, sizeof(char *));
        if (!s->replica_labels) goto oom;
        for (size_t i = 0; i < opts->nreplica_labels; i++) {
            if (!param_ok(opts->replica_labels[i])) {
                rc = error_set(err, SLOEVAL_ECONFIG, "replica label %zu is empty or too long", i);
                goto fail;
            }
            s->replica_labels[i] = strdup(opts->replica_labels[i]);
            if (!s->replica_labels[i]) goto oom;
            s->nreplica_labels = i + 1;
        }
    }
    if (opts->max_source_resolution &&
        !(s->max_source_resolution = strdup(opts->max_source_resolution)))
        goto oom;
    if (opts->engine && !(s->engine = strdup(opts->engine))) goto oom;
    if (opts->tls_insecure_skip_verify) {
        const char *fmt = "TLS certificate verification is off for %s (insecure_skip_verify): "
                          "anyone on the path can read and change the answers";
        size_t len = strlen(fmt) + strlen(http_client_url(s->client)) + 1;
        s->config_warning = malloc(len);
        if (!s->config_warning) goto oom;
        snprintf(s->config_warning, len, fmt, http_client_url(s->client));
    }
    *out = &s->base;
    return 0;
oom:
    rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
fail:
    prom_destroy(&s->base);
    return rc;
}

int prom_add_buildinfo(prom_call **out, sloeval_source *src, http_batch *b, arena *a,
                       sloeval_error *err)
{
    *out = NULL;
    if (!prom_is_source(src)) return error_set(err, SLOEVAL_EINVAL, "not a Prometheus source");
    prom_source *s = (prom_source *)src;
    if (s->requested != SLOEVAL_COMPAT_AUTO) return 0;
    return add_call(out, s, b, CALL_BUILDINFO, "/api/v1/status/buildinfo", NULL, a, err);
}

int prom_add_config(prom_call **out, sloeval_source *src, http_batch *b, arena *a,
                    sloeval_error *err)
{
    *out = NULL;
    if (!prom_is_source(src)) return error_set(err, SLOEVAL_EINVAL, "not a Prometheus source");
    return add_call(out, (prom_source *)src, b, CALL_CONFIG, "/api/v1/status/config", NULL, a, err);
}

void prom_call_config(const prom_call *c, sloeval_source *src)
{
    if (!c || !prom_is_source(src)) return;
    ((prom_source *)src)->eval_interval_ms = c->code ? 0 : c->eval_interval_ms;
}

int prom_read_eval_intervals(sloeval_source *const *srcs, size_t n, sloeval_error *err)
{
    http_batch *b;
    if (http_batch_new(&b, 16)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    arena a;
    arena_init(&a, 1024);
    prom_call **calls = ARENA_NEW_ARRAY(&a, prom_call *, n + 1);
    int rc = calls ? 0 : error_set(err, SLOEVAL_ENOMEM, "out of memory");
    size_t nasked = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        if (!prom_is_source(srcs[i]) || ((prom_source *)srcs[i])->eval_interval_ms) continue;
        rc = prom_add_config(&calls[i], srcs[i], b, &a, err);
        nasked++;
    }
    /* a server that cannot answer leaves its interval unknown */
    sloeval_error berr = SLOEVAL_ERROR_INIT;
    if (!rc && nasked && http_batch_run(b, &berr) == 0)
        for (size_t i = 0; i < n; i++)
            prom_call_config(calls[i], srcs[i]);
    http_batch_free(b);
    arena_free(&a);
    return rc;
}

int64_t prom_eval_interval(const sloeval_source *src)
{
    return prom_is_source(src) ? ((const prom_source *)src)->eval_interval_ms : 0;
}

int prom_call_detected(const prom_call *c, sloeval_source *src, sloeval_compat *out, char *warning,
                       size_t size, sloeval_error *err)
{
    if (warning && size) warning[0] = '\0';
    prom_source *s = (prom_source *)src;
    if (!c) {
        *out = s->requested;
        return 0;
    }
    int code = c->code;
    if (code == SLOEVAL_ETRANSPORT || code == SLOEVAL_ETIMEOUT || code == SLOEVAL_ENOMEM ||
        code == SLOEVAL_ECONFIG)
        return prom_call_result(c, NULL, NULL, err);
    sloeval_compat compat = code ? SLOEVAL_COMPAT_V3 : c->compat;
    if (warning && size) {
        if (code)
            snprintf(warning, size, "cannot tell the server's version (%s); using 3.x semantics",
                     c->err.message);
        else
            snprintf(warning, size, "%s", c->warning);
    }
    s->base.compat = compat;
    s->compat_known = true;
    *out = compat;
    return 0;
}

bool prom_compat_known(const sloeval_source *src)
{
    return prom_is_source(src) && ((const prom_source *)src)->compat_known;
}

int sloeval_prometheus_detect_compat(sloeval_compat *out, sloeval_source *src, char *warning,
                                     size_t size, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (warning && size) warning[0] = '\0';
    if (!prom_is_source(src)) return error_set(err, SLOEVAL_EINVAL, "not a Prometheus source");
    http_batch *b;
    if (http_batch_new(&b, 1)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    arena a;
    arena_init(&a, 1024);
    prom_call *c = NULL;
    int rc = prom_add_buildinfo(&c, src, b, &a, err);
    if (!rc && c) rc = run_batch(b, err);
    if (!rc) rc = prom_call_detected(c, src, out, warning, size, err);
    http_batch_free(b);
    arena_free(&a);
    return rc;
}

const char *sloeval_prometheus_config_warning(const sloeval_source *src)
{
    return prom_is_source(src) ? ((const prom_source *)src)->config_warning : NULL;
}

const char *sloeval_prometheus_url(const sloeval_source *src)
{
    return prom_is_source(src) ? http_client_url(((const prom_source *)src)->client) : NULL;
}
