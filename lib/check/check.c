/*
 * sloeval_check_run: every SLO and alert of a set, in every scope, as one
 * batch of queries through the planner (lib/plan/plan.h), then the
 * decisions of decide.c.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "check/check.h"
#include "check/probe.h"
#include "http/http.h"
#include "plan/plan.h"
#include "promql/printer.h"
#include "sloeval/http.h"
#include "sloeval/source.h"
#include "slo/set.h"
#include "source/prometheus.h"
#include "promql/parser.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"

/* Prometheus refuses range queries of more points per series than this. */
#define MAX_RANGE_STEPS 11000

/* A backend of the run: its source, and why it cannot be asked (if so). */
typedef struct run_backend {
    const slo_backend *def;
    sloeval_source *src;
    bool needs_compat; /* its answers may be evaluated locally: ask its version */
    int fail_code;     /* the version could not be asked: every query to it fails */
    sloeval_error fail;
    char warning[256];
} run_backend;

/* A scope of the run: where its queries go. */
typedef struct run_scope {
    const char *name;   /* region name or "global" */
    const char *region; /* NULL for global */
    slo_route route;
    plan_target target;
    sloeval_compat grammar; /* the grammar its backends speak (for parsing) */
    run_backend *failed;    /* a backend of the target that cannot be asked */
    const char *stepless;   /* its first query sloeval may evaluate with a step-less subquery */
} run_scope;

/* A query added to the batch, or failed before it (id SIZE_MAX). */
typedef struct run_query {
    size_t id;
    int code; /* when id == SIZE_MAX */
    const char *error;
} run_query;

typedef struct run_slo {
    const slo_def *slo;
    size_t slo_index;
    run_scope *scope;
    run_query *q;  /* nwindows x (err, tot) or nwindows x ratio */
    run_query cov; /* the earliest sample of the period's SLI query (coverage) */
} run_slo;

typedef struct run_alert {
    const slo_alert *alert;
    size_t alert_index;
    run_scope *scope;
    run_query q;
    int64_t start, end, step;
} run_alert;

typedef struct run {
    const slo_config *cfg;
    arena a; /* everything of the run but the report */
    run_backend *backends;
    run_scope *scopes;
    size_t nscopes;
    plan_batch *batch;
    strbuf explain;
    bool explain_on;
    const int64_t *windows; /* policy windows, then the period (the config's) */
    size_t nwindows;
    check_probes *probes; /* what the data says of the config (probe.h) */
    const char *stepless; /* the first query sloeval may evaluate with a step-less subquery */
} run;

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static double mono_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static bool scope_selected(const sloeval_check_options *o, const char *name)
{
    if (!o->scopes || o->nscopes == 0) return true;
    for (size_t i = 0; i < o->nscopes; i++)
        if (o->scopes[i] && !strcmp(o->scopes[i], name)) return true;
    return false;
}

static int check_options(const slo_config *cfg, const sloeval_check_options *o, sloeval_error *err)
{
    if (o->mode != SLOEVAL_CHECK_MODE_AUTO && o->mode != SLOEVAL_CHECK_MODE_PUSHDOWN &&
        o->mode != SLOEVAL_CHECK_MODE_LOCAL)
        return error_set(err, SLOEVAL_EINVAL, "unknown check mode %d", (int)o->mode);
    if (o->fail_on_budget && !(isfinite(o->fail_on_budget_below) && o->fail_on_budget_below <= 100))
        return error_set(err, SLOEVAL_EINVAL,
                         "fail_on_budget_below must be a percentage of the budget, at most 100");
    for (size_t i = 0; o->fail_on && i < o->nfail_on; i++) {
        bool known = false;
        for (size_t j = 0; o->fail_on[i] && j < cfg->policy.nrules && !known; j++)
            known = !strcmp(cfg->policy.rules[j].severity, o->fail_on[i]);
        if (!known)
            return error_set(err, SLOEVAL_EINVAL,
                             "fail_on: unknown severity '%s' (not in the policy)",
                             o->fail_on[i] ? o->fail_on[i] : "(null)");
    }
    for (size_t i = 0; i < o->nscopes; i++) {
        const char *s = o->scopes ? o->scopes[i] : NULL;
        if (!s) return error_set(err, SLOEVAL_EINVAL, "scope %zu is NULL", i);
        if (!strcmp(s, "global") || slo_config_region(cfg, s)) continue;
        strbuf known = STRBUF_INIT;
        for (size_t k = 0; k < cfg->regions.count; k++)
            strbuf_printf(&known, "%s, ", cfg->regions.items[k].name);
        strbuf_puts(&known, "global");
        int rc = error_set(err, SLOEVAL_EINVAL, "unknown region '%s' (the config has: %s)", s,
                           known.failed ? "?" : strbuf_cstr(&known));
        strbuf_free(&known);
        return rc;
    }
    return 0;
}

/* ---- scopes, backends and targets -------------------------------------------- */

static run_backend *backend_of(run *R, const slo_backend *b)
{
    return &R->backends[b - R->cfg->backends];
}

/* Set up a scope's route, its sources and its plan target. */
static int scope_init(run *R, run_scope *s, const char *region, sloeval_check_mode mode,
                      sloeval_error *err)
{
    const slo_config *cfg = R->cfg;
    s->region = region;
    s->name = region ? region : "global";
    int rc = slo_config_route(&s->route, cfg, region, &R->a, err);
    if (rc) {
        if (rc == SLOEVAL_ECONFIG && cfg->nbackends == 0) {
            sloeval_error_clear(err);
            return error_set(err, SLOEVAL_ECONFIG,
                             "%s: no backend answers the %s scope: the file has no backends "
                             "(give sloeval check --url URL, or include the file from a sloeval "
                             "config that has)",
                             cfg->file ? cfg->file : "<config>", s->name);
        }
        return rc;
    }
    sloeval_source **shards = ARENA_NEW_ARRAY(&R->a, sloeval_source *, s->route.nbackends + 1);
    size_t ninject = cfg->nextra_matchers + (s->route.has_inject ? 1 : 0);
    label_matcher *inject = ARENA_NEW_ARRAY(&R->a, label_matcher, ninject + 1);
    if (!shards || !inject) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < s->route.nbackends; i++) {
        const slo_backend *def = s->route.backends[i];
        run_backend *b = backend_of(R, def);
        if (!b->src) {
            b->def = def;
            rc = sloeval_source_new_prometheus(&b->src, &def->http, err);
            if (rc) {
                /* the loader checked these options: say which backend anyway */
                return rc;
            }
        }
        if (mode == SLOEVAL_CHECK_MODE_LOCAL ||
            (mode == SLOEVAL_CHECK_MODE_AUTO && s->route.nbackends > 1))
            b->needs_compat = true;
        shards[i] = b->src;
    }
    size_t k = 0;
    if (s->route.has_inject) inject[k++] = s->route.inject;
    for (size_t i = 0; i < cfg->nextra_matchers; i++)
        inject[k++] = cfg->extra_matchers[i].matcher;
    s->target = (plan_target){shards, s->route.nbackends, inject, k};
    s->grammar = slo_route_grammar(&s->route);
    return 0;
}

/* Add the probes of probe.h for every scope to hb. */
static int add_probes(run *R, http_batch *hb, int64_t t, sloeval_error *err)
{
    check_probe_scope *ps = ARENA_NEW_ARRAY(&R->a, check_probe_scope, R->nscopes + 1);
    if (!ps) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < R->nscopes; i++) {
        const run_scope *s = &R->scopes[i];
        ps[i] = (check_probe_scope){
            .name = s->name,
            .region = s->region,
            .bit = s->region ? SLO_SCOPE_REGION : SLO_SCOPE_GLOBAL,
            .backends = s->route.backends,
            .sources = s->target.shards,
            .nbackends = s->route.nbackends,
            .inject = s->target.inject,
            .ninject = s->target.ninject,
            .own_backend = s->region && !s->route.has_inject,
            .grammar = s->grammar,
        };
    }
    return check_probes_add(&R->probes, &R->a, hb, R->cfg, ps, R->nscopes, t, err);
}

/* Ask every backend whose answers may be evaluated locally for its
 * version: one buildinfo request each; with them, in the same parallel
 * batch, the probes of probe.h. */
static int detect_versions(run *R, sloeval_check_report *rep, int64_t t, sloeval_error *err)
{
    size_t n = R->cfg->nbackends, nasked = 0;
    prom_call **calls = ARENA_NEW_ARRAY(&R->a, prom_call *, n + 1);
    if (!calls) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        run_backend *b = &R->backends[i];
        if (b->src && b->needs_compat && b->def->http.compat == SLOEVAL_COMPAT_AUTO) nasked++;
    }
    {
        http_batch *hb = NULL;
        if (http_batch_new(&hb, 16)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        int rc = add_probes(R, hb, t, err);
        for (size_t i = 0; i < n && !rc; i++) {
            run_backend *b = &R->backends[i];
            if (!b->src || !b->needs_compat || b->def->http.compat != SLOEVAL_COMPAT_AUTO) continue;
            rc = prom_add_buildinfo(&calls[i], b->src, hb, &R->a, err);
        }
        /* the executor failing fails each request it did not finish */
        sloeval_error berr = SLOEVAL_ERROR_INIT;
        int brc = rc || (nasked == 0 && check_probes_count(R->probes) == 0)
                      ? 0
                      : http_batch_run(hb, &berr);
        for (size_t i = 0; i < n && !rc; i++) {
            run_backend *b = &R->backends[i];
            if (!calls[i]) continue;
            sloeval_compat c;
            b->fail_code = brc ? error_set(&b->fail, brc, "%s", berr.message)
                               : prom_call_detected(calls[i], b->src, &c, b->warning,
                                                    sizeof(b->warning), &b->fail);
        }
        http_batch_free(hb);
        if (rc) return rc;
    }
    for (size_t i = 0; i < n; i++) {
        run_backend *b = &R->backends[i];
        if (!b->src) continue;
        /* explain: each backend's semantics, and where they come from */
        if (R->explain_on)
            strbuf_printf(&R->explain, "backend %s: %s\n", b->def->name,
                          b->def->http.compat != SLOEVAL_COMPAT_AUTO
                              ? (b->def->http.compat == SLOEVAL_COMPAT_V2
                                     ? "2.x semantics (configured)"
                                     : "3.x semantics (configured)")
                          : !calls[i] ? "version not asked (compat auto; nothing evaluated locally)"
                          : b->fail_code ? "version unknown (its buildinfo failed)"
                          : sloeval_source_compat(b->src) == SLOEVAL_COMPAT_V2
                              ? "2.x semantics (detected from its buildinfo)"
                              : "3.x semantics (detected from its buildinfo)");
        if (b->warning[0]) {
            char msg[512];
            snprintf(msg, sizeof(msg), "backend %s: %s", b->def->name, b->warning);
            if (check_report_warn(rep, msg)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
        const char *w = sloeval_prometheus_config_warning(b->src);
        if (w) {
            char msg[512];
            snprintf(msg, sizeof(msg), "backend %s: %s", b->def->name, w);
            if (check_report_warn(rep, msg)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
    }
    for (size_t i = 0; i < R->nscopes; i++) {
        run_scope *s = &R->scopes[i];
        for (size_t k = 0; k < s->route.nbackends && !s->failed; k++) {
            run_backend *b = backend_of(R, s->route.backends[k]);
            if (b->fail_code) s->failed = b;
        }
    }
    return 0;
}

/* ---- queries ------------------------------------------------------------------ */

static int add_query_ast(run *R, run_query *q, run_scope *s, const ast_node *root, int64_t start,
                         int64_t end, int64_t step, const char *what, sloeval_error *err);

/* Queue one query (instant when step == 0) or record why it cannot run. */
static int add_query(run *R, run_query *q, run_scope *s, const slo_parsed *parsed, int64_t start,
                     int64_t end, int64_t step, const char *what, sloeval_error *err)
{
    q->id = SIZE_MAX;
    if (s->failed) {
        q->code = s->failed->fail_code;
        q->error = s->failed->fail.message;
        return 0;
    }
    /* parsed when the config was loaded, in the scope's grammar */
    const ast_node *root = NULL;
    const char *why = NULL;
    int rc = slo_parsed_ast(parsed, s->grammar, &root, &why);
    if (rc) {
        q->code = rc;
        q->error = why;
        return 0;
    }
    return add_query_ast(R, q, s, root, start, end, step, what, err);
}

/* Queue one parsed query (see add_query); the scope can be asked. */
static int add_query_ast(run *R, run_query *q, run_scope *s, const ast_node *root, int64_t start,
                         int64_t end, int64_t step, const char *what, sloeval_error *err)
{
    int rc;
    sloeval_error qerr = SLOEVAL_ERROR_INIT;
    rc = step > 0
             ? plan_batch_add_range(R->batch, &q->id, &s->target, root, start, end, step, &qerr)
             : plan_batch_add_instant(R->batch, &q->id, &s->target, root, end, &qerr);
    if (rc == SLOEVAL_ENOMEM) return error_set(err, rc, "out of memory");
    if (rc) {
        q->id = SIZE_MAX;
        q->code = rc;
        q->error = arena_strdup(&R->a, qerr.message);
        return q->error ? 0 : error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    if (R->explain_on)
        strbuf_printf(&R->explain, "query %zu: %s, scope %s\n", q->id + 1, what, s->name);
    /* needs_compat: sloeval may evaluate (part of) the scope's queries */
    if (!s->stepless && s->route.nbackends && backend_of(R, s->route.backends[0])->needs_compat &&
        plan_has_stepless_subquery(root)) {
        char buf[512];
        snprintf(buf, sizeof buf, "%s, scope %s", what, s->name);
        s->stepless = arena_strdup(&R->a, buf);
        if (!s->stepless) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

/* The outcome of a query; error messages are copied into the run's arena. */
static int answer_of(run *R, const run_query *q, check_answer *out, sloeval_error *err)
{
    memset(out, 0, sizeof(*out));
    if (q->id == SIZE_MAX) {
        out->code = q->code;
        out->error = q->error;
        return 0;
    }
    sloeval_error qerr = SLOEVAL_ERROR_INIT;
    const value *v = NULL;
    const source_notes *notes = NULL;
    out->code = plan_batch_result(R->batch, q->id, &v, &notes, &qerr);
    out->value = v;
    out->notes = notes;
    if (out->code) {
        out->error = arena_strdup(&R->a, qerr.message);
        if (!out->error) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

/* Print every vector selector under n, joined by " or " inside timestamp(). */
static void coverage_selectors(strbuf *sb, const ast_node *n, sloeval_compat grammar, size_t *count)
{
    if (n->kind == AST_VECTOR_SELECTOR) {
        strbuf_puts(sb, *count ? " or timestamp(" : "timestamp(");
        ast_print(sb, n, grammar);
        strbuf_puts(sb, ")");
        (*count)++;
        return;
    }
    for (size_t i = 0; i < ast_child_count(n); i++)
        coverage_selectors(sb, ast_child(n, i), grammar, count);
}

/*
 * The earliest sample of the series the period's total query (ratio SLIs:
 * its ratio query) reads, as unix seconds: min over the series of
 * min_over_time(timestamp(SEL)[period+step:step]), step = period/10000 (at
 * least 1s). Pushed down like the other queries; shards merge by min. The
 * range has one step more than the period, so that data older than the
 * period reads as covering it all.
 */
static int add_coverage_query(run *R, run_slo *rs, int64_t t, sloeval_error *err)
{
    rs->cov.id = SIZE_MAX;
    rs->cov.code = SLOEVAL_EINVAL;
    rs->cov.error = NULL;
    run_scope *s = rs->scope;
    if (s->failed) {
        rs->cov.code = s->failed->fail_code;
        rs->cov.error = s->failed->fail.message;
        return 0;
    }
    size_t pw = R->nwindows - 1;
    const ast_node *root = NULL;
    const char *why = NULL;
    if (slo_parsed_ast(slo_def_query(rs->slo, pw, SLO_Q_TOTAL), s->grammar, &root, &why))
        return 0; /* the period query says why already */
    int64_t period = R->windows[pw];
    int64_t step = period / 10000 / 1000 * 1000;
    if (step < 1000) step = 1000;
    char range[64], st[64], what[256];
    promql_duration_format(range, sizeof(range), period + step);
    promql_duration_format(st, sizeof(st), step);
    strbuf sb = STRBUF_INIT;
    size_t count = 0;
    strbuf_puts(&sb, "min(min_over_time((");
    coverage_selectors(&sb, root, s->grammar, &count);
    strbuf_printf(&sb, ")[%s:%s]))", range, st);
    if (sb.failed) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    if (count == 0) {
        strbuf_free(&sb);
        return 0;
    }
    ast_node *q = NULL;
    parse_options popts = {s->grammar == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3,
                           false, 0};
    sloeval_error perr = SLOEVAL_ERROR_INIT;
    int rc = promql_parse(&q, &R->a, strbuf_cstr(&sb), strlen(strbuf_cstr(&sb)), &popts, &perr);
    strbuf_free(&sb);
    if (rc == SLOEVAL_ENOMEM) return error_set(err, rc, "out of memory");
    if (rc) return 0;
    snprintf(what, sizeof(what), "slo %s, the earliest sample of its period query (coverage)",
             rs->slo->id);
    return add_query_ast(R, &rs->cov, s, q, t, t, 0, what, err);
}

static int add_slo_queries(run *R, run_slo *rs, int64_t t, sloeval_error *err)
{
    const slo_def *slo = rs->slo;
    size_t per = slo->sli == SLO_SLI_RATIO ? 1 : 2;
    rs->q = ARENA_NEW_ARRAY(&R->a, run_query, R->nwindows * per);
    if (!rs->q) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t w = 0; w < R->nwindows; w++) {
        char wname[64], what[256];
        promql_duration_format(wname, sizeof(wname), R->windows[w]);
        for (size_t k = 0; k < per; k++) {
            const char *qname = slo->sli == SLO_SLI_RATIO ? "error_ratio_query"
                                : k == 0                  ? "error_query"
                                                          : "total_query";
            snprintf(what, sizeof(what), "slo %s, %s over %s%s", slo->id, qname, wname,
                     w + 1 == R->nwindows ? " (the period)" : "");
            int rc = add_query(R, &rs->q[w * per + k], rs->scope,
                               slo_def_query(slo, w, k == 0 ? SLO_Q_ERRORS : SLO_Q_TOTAL), t, t, 0,
                               what, err);
            if (rc) return rc;
        }
    }
    return add_coverage_query(R, rs, t, err);
}

static int add_alert_query(run *R, run_alert *ra, int64_t t, sloeval_error *err)
{
    size_t nsteps;
    check_alert_steps(ra->alert, t, &ra->start, &ra->end, &ra->step, &nsteps);
    char what[256];
    snprintf(what, sizeof(what), "alert %s", ra->alert->name);
    if (nsteps > MAX_RANGE_STEPS) {
        char fb[64], sb[64];
        promql_duration_format(fb, sizeof(fb), ra->alert->for_ms + ra->alert->keep_firing_for_ms);
        promql_duration_format(sb, sizeof(sb), ra->step);
        ra->q.id = SIZE_MAX;
        ra->q.code = SLOEVAL_ELIMIT;
        char msg[256];
        snprintf(msg, sizeof(msg),
                 "checking `for` over %s every %s takes %zu steps; servers answer at most %d: "
                 "give the alert a longer step",
                 fb, sb, nsteps, MAX_RANGE_STEPS);
        ra->q.error = arena_strdup(&R->a, msg);
        return ra->q.error ? 0 : error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    return add_query(R, &ra->q, ra->scope, &ra->alert->parsed, ra->start, ra->end,
                     nsteps > 1 ? ra->step : 0, what, err);
}

/* ---- the run ------------------------------------------------------------------ */

static int grow_slos(sloeval_check_report *r)
{
    return arena_grow(&r->arena, (void **)&r->slos, &r->capslos, r->nslos + 1, sizeof(*r->slos));
}

static int grow_alerts(sloeval_check_report *r)
{
    return arena_grow(&r->arena, (void **)&r->alerts, &r->capalerts, r->nalerts + 1,
                      sizeof(*r->alerts));
}

/* What the probes found makes the SLO inconclusive in that scope: its
 * answers cannot mean what they seem to. */
static int apply_probes(run *R, sloeval_check_slo_result *res, const run_slo *rs, arena *a,
                        sloeval_error *err)
{
    bool oom;
    const char *why = check_probes_reason(R->probes, false, rs->slo_index,
                                          (size_t)(rs->scope - R->scopes), a, &oom);
    if (oom) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    if (!why) return 0;
    res->status = SLOEVAL_CHECK_INCONCLUSIVE;
    res->severity = NULL;
    if (res->reason) {
        size_t len = strlen(why) + strlen(res->reason) + 3;
        char *both = arena_alloc(a, len);
        if (!both) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        snprintf(both, len, "%s; %s", why, res->reason);
        why = both;
    }
    res->reason = why;
    return 0;
}

/* A server warning not listed as acceptable makes the SLO inconclusive in
 * that scope: the answer may be incomplete. */
static int apply_warnings(sloeval_check_slo_result *res, const run_slo *rs,
                          const check_slo_answers *ca, arena *a, sloeval_error *err)
{
    const char *why = NULL;
    int rc = check_warnings_reason(&why, a, rs->scope->route.backends, rs->scope->route.nbackends,
                                   ca, err);
    if (rc || !why) return rc;
    if (res->status == SLOEVAL_CHECK_INCONCLUSIVE && res->reason && strstr(res->reason, why))
        return 0;
    res->status = SLOEVAL_CHECK_INCONCLUSIVE;
    res->severity = NULL;
    if (res->reason) {
        size_t len = strlen(why) + strlen(res->reason) + 3;
        char *both = arena_alloc(a, len);
        if (!both) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        snprintf(both, len, "%s; %s", res->reason, why);
        why = both;
    }
    res->reason = why;
    return 0;
}

static int run_check(run *R, sloeval_check_report *rep, const sloeval_check_options *o,
                     sloeval_error *err)
{
    const slo_config *cfg = R->cfg;
    int64_t t = rep->time_ms;
    int rc;

    /* what the loaders ignored (as Sloth and Prometheus do) */
    for (size_t i = 0; i < cfg->nwarnings; i++)
        if (check_report_warn(rep, cfg->warnings[i]))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");

    /* the scopes something asks for, regions in config order, then global */
    R->scopes = ARENA_NEW_ARRAY(&R->a, run_scope, cfg->regions.count + 1);
    R->backends = ARENA_NEW_ARRAY(&R->a, run_backend, cfg->nbackends + 1);
    if (!R->scopes || !R->backends) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    unsigned wanted = 0;
    for (size_t i = 0; i < cfg->nslos; i++)
        wanted |= cfg->slos[i].scopes;
    for (size_t i = 0; i < cfg->nalerts; i++)
        wanted |= cfg->alerts[i].scopes;
    run_scope *global_scope = NULL;
    if (wanted & SLO_SCOPE_REGION)
        for (size_t i = 0; i < cfg->regions.count; i++) {
            const char *name = cfg->regions.items[i].name;
            if (!scope_selected(o, name)) continue;
            if ((rc =
                     scope_init(R, &R->scopes[R->nscopes], name, (sloeval_check_mode)o->mode, err)))
                return rc;
            R->nscopes++;
        }
    if ((wanted & SLO_SCOPE_GLOBAL) && scope_selected(o, "global")) {
        global_scope = &R->scopes[R->nscopes];
        if ((rc = scope_init(R, global_scope, NULL, (sloeval_check_mode)o->mode, err))) return rc;
        R->nscopes++;
    }
    if ((rc = detect_versions(R, rep, t, err))) return rc;

    /* the windows: the policy's, then the period */
    R->nwindows = cfg->nwindows;
    R->windows = cfg->windows;

    plan_options po = {(plan_mode)o->mode, SLOEVAL_COMPAT_AUTO, 0, o->explain};
    if (o->mode == SLOEVAL_CHECK_MODE_PUSHDOWN)
        po.mode = PLAN_PUSHDOWN;
    else if (o->mode == SLOEVAL_CHECK_MODE_LOCAL)
        po.mode = PLAN_LOCAL;
    else
        po.mode = PLAN_AUTO;
    if ((rc = plan_batch_new(&R->batch, &po, err))) return rc;

    /* queue every query */
    if (R->explain_on) strbuf_puts(&R->explain, "what each query of the plan is for:\n");
    size_t nslo_runs = 0, nalert_runs = 0;
    run_slo *slo_runs = ARENA_NEW_ARRAY(&R->a, run_slo, cfg->nslos * (R->nscopes + 1) + 1);
    run_alert *alert_runs = ARENA_NEW_ARRAY(&R->a, run_alert, cfg->nalerts * (R->nscopes + 1) + 1);
    if (!slo_runs || !alert_runs) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->nslos; i++) {
        const slo_def *slo = &cfg->slos[i];
        for (size_t k = 0; k < R->nscopes; k++) {
            run_scope *s = &R->scopes[k];
            unsigned bit = s == global_scope ? SLO_SCOPE_GLOBAL : SLO_SCOPE_REGION;
            if (!(slo->scopes & bit)) continue;
            run_slo *rs = &slo_runs[nslo_runs++];
            *rs = (run_slo){slo, i, s, NULL, {SIZE_MAX, 0, NULL}};
            if ((rc = add_slo_queries(R, rs, t, err))) return rc;
        }
    }
    for (size_t i = 0; i < cfg->nalerts; i++) {
        const slo_alert *al = &cfg->alerts[i];
        for (size_t k = 0; k < R->nscopes; k++) {
            run_scope *s = &R->scopes[k];
            unsigned bit = s == global_scope ? SLO_SCOPE_GLOBAL : SLO_SCOPE_REGION;
            if (!(al->scopes & bit)) continue;
            run_alert *ra = &alert_runs[nalert_runs++];
            memset(ra, 0, sizeof(*ra));
            ra->alert = al;
            ra->alert_index = i;
            ra->scope = s;
            if ((rc = add_alert_query(R, ra, t, err))) return rc;
        }
    }

    if (nslo_runs == 0 && nalert_runs == 0)
        return error_set(err, SLOEVAL_EINVAL,
                         "nothing to check: no SLO or alert of the config is judged in the "
                         "scopes asked for");
    /* Step-less subqueries evaluated here take the servers' evaluation_interval;
     * where it cannot be read (Thanos) or the servers disagree, 1m and a warning. */
    for (size_t i = 0; i < R->nscopes; i++) {
        run_scope *s = &R->scopes[i];
        if (!s->stepless) continue;
        if ((rc = prom_read_eval_intervals(s->target.shards, s->target.nshards, err))) return rc;
        bool agree = s->target.nshards > 0;
        for (size_t k = 0; k < s->target.nshards; k++)
            if (prom_eval_interval(s->target.shards[k]) <= 0 ||
                prom_eval_interval(s->target.shards[k]) != prom_eval_interval(s->target.shards[0]))
                agree = false;
        if (!agree && !R->stepless) R->stepless = s->stepless;
    }
    if (R->stepless) {
        char msg[1024];
        snprintf(msg, sizeof msg,
                 "%s: a subquery without a step is evaluated by sloeval every 1m, by Prometheus "
                 "every evaluation_interval of the server (unknown, or not the same on its "
                 "servers): the answers differ unless it is 1m; write the step ([3d:30s]) or use "
                 "--mode pushdown",
                 R->stepless);
        if (check_report_warn(rep, msg)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    if ((rc = plan_batch_run(R->batch, err))) return rc;

    /* decide */
    check_answer *answers = ARENA_NEW_ARRAY(&R->a, check_answer, 2 * R->nwindows + 1);
    if (!answers) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < nslo_runs; i++) {
        run_slo *rs = &slo_runs[i];
        size_t per = rs->slo->sli == SLO_SLI_RATIO ? 1 : 2;
        check_answer *e = answers, *tt = answers + R->nwindows;
        for (size_t w = 0; w < R->nwindows; w++)
            for (size_t k = 0; k < per; k++) {
                check_answer *dst = k == 0 ? &e[w] : &tt[w];
                if ((rc = answer_of(R, &rs->q[w * per + k], dst, err))) return rc;
            }
        check_slo_answers ca = {R->nwindows, R->windows, per == 2 ? e : NULL, per == 2 ? tt : NULL,
                                per == 1 ? e : NULL};
        if (grow_slos(rep)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        sloeval_check_slo_result *res = &rep->slos[rep->nslos];
        memset(res, 0, sizeof(*res));
        rc = check_decide_slo(res, &rep->arena, rs->slo, &cfg->policy,
                              slo_def_empty_errors(rs->slo, cfg), &ca, err);
        if (rc) return rc;
        /* the report outlives the set: its strings are its own */
        res->slo = arena_strdup(&rep->arena, rs->slo->id);
        res->scope = arena_strdup(&rep->arena, rs->scope->name);
        res->region = rs->scope->region ? res->scope : NULL;
        res->slo_index = rs->slo_index;
        if (!res->slo || !res->scope) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        check_answer cov;
        if ((rc = answer_of(R, &rs->cov, &cov, err))) return rc;
        check_set_coverage(res, &cov, t);
        if ((rc = apply_probes(R, res, rs, &rep->arena, err))) return rc;
        if ((rc = apply_warnings(res, rs, &ca, &rep->arena, err))) return rc;
        rep->nslos++;
    }
    for (size_t i = 0; i < nalert_runs; i++) {
        run_alert *ra = &alert_runs[i];
        check_answer ans;
        if ((rc = answer_of(R, &ra->q, &ans, err))) return rc;
        if (grow_alerts(rep)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        sloeval_check_alert_result *res = &rep->alerts[rep->nalerts];
        memset(res, 0, sizeof(*res));
        rc = check_decide_alert(res, &rep->arena, ra->alert, &ans, ra->start, ra->end, ra->step,
                                err);
        if (rc) return rc;
        res->name = arena_strdup(&rep->arena, ra->alert->name);
        res->scope = arena_strdup(&rep->arena, ra->scope->name);
        res->region = ra->scope->region ? res->scope : NULL;
        res->alert_index = ra->alert_index;
        bool oom;
        const char *why = check_probes_reason(R->probes, true, ra->alert_index,
                                              (size_t)(ra->scope - R->scopes), &rep->arena, &oom);
        if (oom) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        if (why) {
            /* its series may be another region's: not firing here */
            res->status = SLOEVAL_CHECK_INCONCLUSIVE;
            res->firing = false;
            res->nseries = 0;
            res->npending = 0;
            res->reason = why;
        }
        res->group = ra->alert->group ? arena_strdup(&rep->arena, ra->alert->group) : NULL;
        if (!res->name || !res->scope || (ra->alert->group && !res->group))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        rep->nalerts++;
    }

    if (o->explain) {
        strbuf_puts(&R->explain, "\nthe plan:\n");
        strbuf_puts(&R->explain, plan_batch_explain(R->batch));
        if (R->explain.failed) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        rep->explain = arena_strdup(&rep->arena, strbuf_cstr(&R->explain));
        if (!rep->explain) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

int sloeval_check_run(sloeval_check_report **out, const sloeval_slo_set *set,
                      const sloeval_check_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_check_run: out is NULL");
    *out = NULL;
    if (!set) return error_set(err, SLOEVAL_EINVAL, "no SLO set");
    static const sloeval_check_options defaults = SLOEVAL_CHECK_OPTIONS_INIT;
    static const size_t sizes[SLOEVAL_CHECK_OPTIONS_VERSION] = {
        OPTIONS_END(sloeval_check_options, explain), sizeof(sloeval_check_options)};
    sloeval_check_options current;
    int rc = options_read(&current, &defaults, opts, sizes, SLOEVAL_CHECK_OPTIONS_VERSION,
                          "sloeval_check_options", err);
    if (rc) return rc;
    const sloeval_check_options *o = &current;
    const slo_config *cfg = slo_set_config(set);
    rc = check_options(cfg, o, err);
    if (rc) return rc;

    double t0 = mono_seconds();
    sloeval_check_report *rep = check_report_new();
    if (!rep) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    rep->time_ms = o->time_ms == SLOEVAL_CHECK_TIME_NOW ? wall_ms() : o->time_ms;

    run R;
    memset(&R, 0, sizeof(R));
    R.cfg = cfg;
    R.explain_on = o->explain;
    arena_init(&R.a, 0);
    rc = run_check(&R, rep, o, err);
    plan_batch_free(R.batch);
    if (R.backends)
        for (size_t i = 0; i < cfg->nbackends; i++)
            sloeval_source_free(R.backends[i].src);
    strbuf_free(&R.explain);
    arena_free(&R.a);
    if (rc) {
        sloeval_check_report_free(rep);
        return rc;
    }
    check_gate_apply(rep, cfg, o);
    rep->status = check_report_summarise(rep);
    rep->end_wall_ms = wall_ms();
    rep->duration_seconds = mono_seconds() - t0;
    *out = rep;
    return 0;
}
