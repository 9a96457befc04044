/*
 * The public query API (include/sloeval/query.h) over the planner: a
 * handle holds the target and options; each query is one plan_batch of
 * one query, run and freed inside the call, its plan text and statistics
 * kept in the handle.
 */
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "model/result.h"
#include "plan/plan_int.h"
#include "promql/expr.h"
#include "sloeval/query.h"
#include "sloeval/source.h"
#include "util/error.h"
#include "util/options.h"

/* Prometheus's limit on the points of a range query's series. */
#define MAX_RANGE_STEPS 11000

struct sloeval_query {
    sloeval_query_options o;
    sloeval_source **sources;
    size_t nsources;
    bool owns_sources; /* made by sloeval_query_new_urls */
    bool compat_known;
    sloeval_compat compat; /* settled semantics (V2 or V3) once compat_known */
    char *explain;         /* the last query's plan, or NULL */
    sloeval_query_stats stats;
    char **pending; /* setup warnings waiting for a result (no callback) */
    size_t npending;
    sloeval_query_request *requests; /* of the last query; strings malloc'd */
    size_t nrequests;
};

/* The size of each version of sloeval_query_options. */
static const size_t query_options_sizes[SLOEVAL_QUERY_OPTIONS_VERSION] = {
    sizeof(sloeval_query_options),
};

static int check_options(sloeval_query_options *o, const sloeval_query_options *given,
                         sloeval_error *err)
{
    static const sloeval_query_options defaults = SLOEVAL_QUERY_OPTIONS_INIT;
    int rc = options_read(o, &defaults, given, query_options_sizes, SLOEVAL_QUERY_OPTIONS_VERSION,
                          "sloeval_query_options", err);
    if (rc) return rc;
    if (o->mode != SLOEVAL_QUERY_MODE_AUTO && o->mode != SLOEVAL_QUERY_MODE_PUSHDOWN &&
        o->mode != SLOEVAL_QUERY_MODE_LOCAL)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_options: unknown mode %d",
                         (int)o->mode);
    if (o->compat != SLOEVAL_COMPAT_V2 && o->compat != SLOEVAL_COMPAT_V3 &&
        o->compat != SLOEVAL_COMPAT_AUTO)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_options: unknown compat %d",
                         (int)o->compat);
    if (o->lookback_delta_ms < 0)
        return error_set(err, SLOEVAL_EINVAL,
                         "sloeval_query_options: the lookback delta must not be negative");
    return 0;
}

static int make_handle(sloeval_query **out, size_t n, const sloeval_query_options *opts,
                       sloeval_error *err)
{
    sloeval_query_options o;
    int rc = check_options(&o, opts, err);
    if (rc) return rc;
    sloeval_query *q = calloc(1, sizeof(*q));
    if (q) q->sources = calloc(n, sizeof(*q->sources));
    if (!q || !q->sources) {
        free(q);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    q->o = o;
    q->stats = (sloeval_query_stats)SLOEVAL_QUERY_STATS_INIT;
    q->stats.server_seconds = -1;
    *out = q;
    return 0;
}

int sloeval_query_new(sloeval_query **out, sloeval_source *const *sources, size_t nsources,
                      const sloeval_query_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_new: out is NULL");
    *out = NULL;
    if (!sources || nsources == 0)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_new: a query needs a source");
    for (size_t i = 0; i < nsources; i++)
        if (!sources[i] || !sources[i]->vt)
            return error_set(err, SLOEVAL_EINVAL, "sloeval_query_new: source %zu is NULL", i);
    sloeval_query *q;
    int rc = make_handle(&q, nsources, opts, err);
    if (rc) return rc;
    memcpy(q->sources, sources, nsources * sizeof(*sources));
    q->nsources = nsources;
    *out = q;
    return 0;
}

/* A setup warning: to the callback now, or kept for the next result. */
static int warn(sloeval_query *q, const char *msg)
{
    if (!msg || !*msg) return 0;
    if (q->o.on_warning) {
        q->o.on_warning(msg, q->o.warning_payload);
        return 0;
    }
    char **p = realloc(q->pending, (q->npending + 1) * sizeof(*p));
    if (!p) return -1;
    q->pending = p;
    if (!(p[q->npending] = strdup(msg))) return -1;
    q->npending++;
    return 0;
}

int sloeval_query_new_urls(sloeval_query **out, const char *const *urls, size_t nurls,
                           const sloeval_prometheus_options *http,
                           const sloeval_query_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_new_urls: out is NULL");
    *out = NULL;
    if (!urls || nurls == 0)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_new_urls: a query needs a URL");
    sloeval_query *q;
    int rc = make_handle(&q, nurls, opts, err);
    if (rc) return rc;
    q->owns_sources = true;
    /* The caller's options, of whatever version, as the current struct. */
    sloeval_prometheus_options so;
    if ((rc = prom_options_read(&so, http, err))) {
        sloeval_query_free(q);
        return rc;
    }
    so.compat = q->o.compat;
    for (size_t i = 0; i < nurls; i++) {
        so.url = urls[i];
        rc = sloeval_source_new_prometheus(&q->sources[i], &so, err);
        if (rc) break;
        q->nsources++;
        if (warn(q, sloeval_prometheus_config_warning(q->sources[i]))) {
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            break;
        }
    }
    if (rc) {
        sloeval_query_free(q);
        return rc;
    }
    *out = q;
    return 0;
}

static void drop_pending(sloeval_query *q)
{
    for (size_t i = 0; i < q->npending; i++)
        free(q->pending[i]);
    free(q->pending);
    q->pending = NULL;
    q->npending = 0;
}

static void drop_requests(sloeval_query *q)
{
    for (size_t i = 0; i < q->nrequests; i++) {
        free((char *)q->requests[i].source);
        free((char *)q->requests[i].text);
    }
    free(q->requests);
    q->requests = NULL;
    q->nrequests = 0;
}

/* Copy what the batch's requests were and what they cost into the handle. */
static int keep_requests(sloeval_query *q, const plan_batch *b)
{
    if (!b->nreqs) return 0;
    q->requests = calloc(b->nreqs, sizeof(*q->requests));
    if (!q->requests) return -1;
    for (size_t i = 0; i < b->nreqs; i++) {
        const preq *r = &b->reqs[i];
        sloeval_query_request *o = &q->requests[q->nrequests++];
        *o = (sloeval_query_request)SLOEVAL_QUERY_REQUEST_INIT;
        o->kind = r->kind == REQ_QUERY ? "query" : r->kind == REQ_RANGE ? "query_range" : "select";
        o->start_ms = r->t0;
        o->end_ms = r->kind == REQ_QUERY ? r->t0 : r->t1;
        o->step_ms = r->kind == REQ_RANGE ? r->step : 0;
        o->code = r->code;
        if (r->call) {
            prom_call_stats st;
            prom_call_get_stats(r->call, &st);
            o->bytes = st.body_bytes;
            o->seconds = st.transfer_seconds;
            o->attempts = st.attempts;
            o->server_seconds = st.attempts ? st.server_seconds : -1;
        }
        o->source = strdup(plan_source_name(b, r->src));
        o->text = strdup(r->text);
        if (!o->source || !o->text) return -1;
    }
    return 0;
}

size_t sloeval_query_request_count(const sloeval_query *q)
{
    return q ? q->nrequests : 0;
}

/* The sizes of each version of the structs the library fills. */
static const size_t request_sizes[SLOEVAL_QUERY_REQUEST_VERSION] = {
    sizeof(sloeval_query_request),
};
static const size_t stats_sizes[SLOEVAL_QUERY_STATS_VERSION] = {
    sizeof(sloeval_query_stats),
};

int sloeval_query_request_get(const sloeval_query *q, size_t i, sloeval_query_request *out)
{
    if (!q || !out || i >= q->nrequests) return SLOEVAL_EINVAL;
    return options_write(out, &q->requests[i], request_sizes, SLOEVAL_QUERY_REQUEST_VERSION,
                         "sloeval_query_request", NULL);
}

void sloeval_query_free(sloeval_query *q)
{
    if (!q) return;
    drop_requests(q);
    if (q->owns_sources)
        for (size_t i = 0; i < q->nsources; i++)
            sloeval_source_free(q->sources[i]);
    free(q->sources);
    free(q->explain);
    drop_pending(q);
    free(q);
}

size_t sloeval_query_source_count(const sloeval_query *q)
{
    return q ? q->nsources : 0;
}

sloeval_source *sloeval_query_source(const sloeval_query *q, size_t i)
{
    return q && i < q->nsources ? q->sources[i] : NULL;
}

/* Parse with `grammar`; with AUTO, 3.x's grammar, else 2.x's (the 3.x
 * error when neither accepts the text): promql_parse_fallback. */
static int parse_as(sloeval_expr **out, const char *text, size_t len, sloeval_compat grammar,
                    bool experimental, sloeval_error *err)
{
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.experimental_functions = experimental;
    po.compat = grammar == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    return grammar == SLOEVAL_COMPAT_AUTO ? expr_parse_fallback(out, text, len, &po, err)
                                          : sloeval_expr_parse(out, text, len, &po, err);
}

int sloeval_query_parse(sloeval_expr **out, const char *text, size_t len,
                        const sloeval_query_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_parse: out is NULL");
    *out = NULL;
    sloeval_query_options o;
    int rc = check_options(&o, opts, err);
    if (rc) return rc;
    if (!text && len) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_parse: text is NULL");
    return parse_as(out, text ? text : "", len, o.compat, o.experimental_functions, err);
}

int sloeval_query_compat(sloeval_compat *out, sloeval_query *q, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out || !q) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_compat: a NULL argument");
    if (q->compat_known) {
        *out = q->compat;
        return 0;
    }
    if (q->o.compat == SLOEVAL_COMPAT_AUTO) {
        for (size_t i = 0; i < q->nsources; i++) {
            if (!prom_is_source(q->sources[i])) continue;
            sloeval_compat got;
            char warning[SLOEVAL_ERROR_MESSAGE_SIZE];
            int rc =
                sloeval_prometheus_detect_compat(&got, q->sources[i], warning, sizeof warning, err);
            if (rc) return rc;
            if (warn(q, warning)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
        /* The servers' semantics; 3.x when they disagree. */
        q->compat = sloeval_source_compat(q->sources[0]);
        for (size_t i = 1; i < q->nsources; i++)
            if (sloeval_source_compat(q->sources[i]) != q->compat) q->compat = SLOEVAL_COMPAT_V3;
    } else {
        q->compat = q->o.compat;
    }
    q->compat_known = true;
    *out = q->compat;
    return 0;
}

const char *sloeval_query_explain(const sloeval_query *q)
{
    return q && q->explain ? q->explain : "";
}

int sloeval_query_get_stats(const sloeval_query *q, sloeval_query_stats *out)
{
    if (!q || !out) return SLOEVAL_EINVAL;
    return options_write(out, &q->stats, stats_sizes, SLOEVAL_QUERY_STATS_VERSION,
                         "sloeval_query_stats", NULL);
}

/* One query: parse, settle the semantics, plan, run, wrap the answer. */
static int run(sloeval_result **out, sloeval_query *q, const char *text, size_t len, bool range,
               int64_t start, int64_t end, int64_t step, sloeval_error *err)
{
    double t0 = plan_now();
    free(q->explain);
    q->explain = NULL;
    drop_requests(q);
    q->stats = (sloeval_query_stats)SLOEVAL_QUERY_STATS_INIT;
    q->stats.server_seconds = -1;

    sloeval_expr *expr = NULL;
    plan_batch *b = NULL;
    sloeval_compat grammar;
    int rc = parse_as(&expr, text, len, q->o.compat, q->o.experimental_functions, err);
    if (!rc) rc = sloeval_query_compat(&grammar, q, err);
    if (!rc && grammar != sloeval_expr_compat(expr)) {
        /* The text parsed with the other grammar before the servers said
         * which one is theirs. */
        sloeval_expr_free(expr);
        expr = NULL;
        rc = parse_as(&expr, text, len, grammar, q->o.experimental_functions, err);
    }
    /* step-less subqueries evaluated here take the servers' evaluation_interval */
    if (!rc && q->o.mode != SLOEVAL_QUERY_MODE_PUSHDOWN &&
        plan_has_stepless_subquery(sloeval_expr_ast(expr))) {
        rc = prom_read_eval_intervals(q->sources, q->nsources, err);
        bool agree = true;
        for (size_t i = 0; i < q->nsources && !rc; i++)
            if (prom_eval_interval(q->sources[i]) <= 0 ||
                prom_eval_interval(q->sources[i]) != prom_eval_interval(q->sources[0]))
                agree = false;
        if (!rc && !agree && (q->o.mode == SLOEVAL_QUERY_MODE_LOCAL || q->nsources > 1) &&
            warn(q, "a subquery without a step is evaluated every 1m: the servers' "
                    "evaluation_interval is unknown or differs between them; give the "
                    "subquery a step ([3d:1m]) to be sure of the answer"))
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    if (!rc && range) {
        sloeval_value_type t = sloeval_node_type(sloeval_expr_root(expr));
        if (t != SLOEVAL_TYPE_SCALAR && t != SLOEVAL_TYPE_VECTOR)
            rc = error_set_at(err, SLOEVAL_EPARSE, text, len, 0, len,
                              "invalid expression type \"%s\" for range query, must be Scalar or "
                              "instant Vector",
                              t == SLOEVAL_TYPE_MATRIX ? "range vector" : "string");
    }
    if (rc) goto done;

    plan_options po = {q->o.mode == SLOEVAL_QUERY_MODE_PUSHDOWN ? PLAN_PUSHDOWN
                       : q->o.mode == SLOEVAL_QUERY_MODE_LOCAL  ? PLAN_LOCAL
                                                                : PLAN_AUTO,
                       q->o.compat, q->o.lookback_delta_ms, q->o.explain};
    plan_target target = {q->sources, q->nsources, NULL, 0};
    size_t id;
    const value *v;
    const source_notes *notes;
    rc = plan_batch_new(&b, &po, err);
    if (!rc)
        rc = range ? plan_batch_add_range(b, &id, &target, sloeval_expr_ast(expr), start, end, step,
                                          err)
                   : plan_batch_add_instant(b, &id, &target, sloeval_expr_ast(expr), start, err);
    if (!rc) rc = plan_batch_set_text(b, id, text, len, err);
    if (!rc) {
        /* The servers' statistics are asked for this query only: the
         * sources may be the caller's, used elsewhere without them. */
        bool *was = q->o.server_stats ? calloc(q->nsources, sizeof(bool)) : NULL;
        if (q->o.server_stats && !was) {
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            goto done;
        }
        for (size_t i = 0; was && i < q->nsources; i++) {
            was[i] = prom_query_stats(q->sources[i]);
            prom_set_query_stats(q->sources[i], true);
        }
        rc = plan_batch_run(b, err);
        for (size_t i = 0; was && i < q->nsources; i++)
            prom_set_query_stats(q->sources[i], was[i]);
        free(was);
    }
    if (rc) goto done;
    if (q->o.explain && !(q->explain = strdup(plan_batch_explain(b)))) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    if (keep_requests(q, b)) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    plan_stats ps;
    plan_batch_get_stats(b, &ps);
    q->stats.requests = ps.requests;
    q->stats.bytes = ps.bytes;
    q->stats.fetch_seconds = ps.fetch_seconds;
    q->stats.eval_seconds = ps.merge_seconds + ps.eval_seconds;
    if (q->o.server_stats && ps.http_requests > 0 && ps.server_reports == ps.http_requests)
        q->stats.server_seconds = ps.server_seconds;
    rc = plan_batch_result(b, id, &v, &notes, err);
    if (!rc) rc = result_new(out, v, notes, err);
    for (size_t i = 0; !rc && i < q->npending; i++)
        rc = result_add_warning(*out, strv_from_cstr(q->pending[i]));
    if (rc == SLOEVAL_ENOMEM && *out) error_set(err, rc, "out of memory");
    if (!rc) drop_pending(q);
done:
    if (rc && *out) {
        sloeval_result_free(*out);
        *out = NULL;
    }
    plan_batch_free(b);
    sloeval_expr_free(expr);
    q->stats.seconds = plan_now() - t0;
    return rc;
}

int sloeval_query_instant(sloeval_result **out, sloeval_query *q, const char *text, size_t len,
                          int64_t time_ms, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_instant: out is NULL");
    *out = NULL;
    if (!q || (!text && len))
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_instant: a NULL argument");
    return run(out, q, text ? text : "", len, false, time_ms, time_ms, 0, err);
}

int sloeval_query_range(sloeval_result **out, sloeval_query *q, const char *text, size_t len,
                        int64_t start_ms, int64_t end_ms, int64_t step_ms, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_query_range: out is NULL");
    *out = NULL;
    if (!q || (!text && len))
        return error_set(err, SLOEVAL_EINVAL, "sloeval_query_range: a NULL argument");
    /* Prometheus's checks and messages (web/api/v1 queryRange). */
    if (end_ms < start_ms)
        return error_set(err, SLOEVAL_EINVAL, "end timestamp must not be before start time");
    if (step_ms <= 0)
        return error_set(err, SLOEVAL_EINVAL,
                         "zero or negative query resolution step widths are not accepted. Try a "
                         "positive integer");
    if (((uint64_t)end_ms - (uint64_t)start_ms) / (uint64_t)step_ms > MAX_RANGE_STEPS)
        return error_set(err, SLOEVAL_ELIMIT,
                         "exceeded maximum resolution of 11,000 points per timeseries. Try "
                         "decreasing the query resolution (?step=XX)");
    return run(out, q, text ? text : "", len, true, start_ms, end_ms, step_ms, err);
}

/* ---- values as the API writes them ------------------------------------- */

static size_t copy_out(char *buf, size_t size, const char *s, size_t n)
{
    if (buf && size) {
        size_t k = n < size ? n : size - 1;
        memcpy(buf, s, k);
        buf[k] = '\0';
    }
    return n;
}

size_t sloeval_float_format(char *buf, size_t size, double v)
{
    char tmp[64];
    size_t n = format_float(tmp, sizeof tmp, v);
    return copy_out(buf, size, tmp, n);
}

size_t sloeval_timestamp_format(char *buf, size_t size, int64_t ms)
{
    char tmp[64];
    size_t n = format_timestamp(tmp, sizeof tmp, ms);
    return copy_out(buf, size, tmp, n);
}
