/* Probes of the data a check judges: selectors that can never match and
 * region backends answering for another region (probe.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "check/probe.h"
#include "promql/ast.h"
#include "promql/matcher.h"
#include "regex/regex.h"
#include "slo/model.h"
#include "source/prometheus.h"
#include "util/error.h"
#include "util/strbuf.h"

#define NO_REQ SIZE_MAX

/* One request: the label names of a metric's series on a backend (lname
 * NULL), or the values of `lname` on them. */
typedef struct probe_req {
    const char *metric;
    sloeval_source *src;
    const char *lname;
    const label_matcher *inject;
    size_t ninject;
    prom_call *call;
} probe_req;

/* A distinct selector of an SLO's queries in a scope. */
typedef struct probe_sel {
    const char *text;      /* metric{the matchers that need a non-empty value} */
    const char *metric;    /* its __name__ */
    const char **required; /* the labels it needs non-empty */
    size_t nrequired;
    size_t *names;  /* per backend of the scope: its label-names request, or NO_REQ */
    size_t *values; /* per backend: its region-label values request, or NO_REQ */
} probe_sel;

typedef struct probe_entry {
    bool alert;       /* an alert's expression: only the region check */
    size_t slo_index; /* or the alert's index */
    size_t scope_index;
    const check_probe_scope *scope;
    probe_sel *sels;
    size_t nsels, capsels;
} probe_entry;

struct check_probes {
    arena *a;
    http_batch *hb;
    const slo_config *cfg;
    int64_t start, end;
    const char *period; /* "30d" */
    probe_req *reqs;
    size_t nreqs, capreqs;
    probe_entry *entries;
    size_t nentries, capentries;
};

static bool matchers_equal(const label_matcher *a, size_t na, const label_matcher *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (a[i].type != b[i].type || !strv_eq(a[i].name, b[i].name) ||
            !strv_eq(a[i].value, b[i].value))
            return false;
    return true;
}

/* The index of the request (added to the batch when new), NO_REQ when it
 * cannot be made; -1 when out of memory. */
static int request(check_probes *p, size_t *out, const char *metric, sloeval_source *src,
                   const char *lname, const check_probe_scope *s)
{
    *out = NO_REQ;
    for (size_t i = 0; i < p->nreqs; i++) {
        const probe_req *r = &p->reqs[i];
        if (r->src == src && !strcmp(r->metric, metric) &&
            (r->lname ? lname && !strcmp(r->lname, lname) : !lname) &&
            matchers_equal(r->inject, r->ninject, s->inject, s->ninject)) {
            *out = i;
            return 0;
        }
    }
    if (!prom_is_source(src)) return 0;
    if (arena_grow(p->a, (void **)&p->reqs, &p->capreqs, p->nreqs + 1, sizeof(*p->reqs))) return -1;
    label_matcher *m = ARENA_NEW_ARRAY(p->a, label_matcher, s->ninject + 1);
    if (!m) return -1;
    m[0] = (label_matcher){MATCH_EQUAL, STRV_LIT("__name__"), strv_from_cstr(metric)};
    for (size_t i = 0; i < s->ninject; i++)
        m[i + 1] = s->inject[i];
    probe_req *r = &p->reqs[p->nreqs];
    *r = (probe_req){metric, src, lname, s->inject, s->ninject, NULL};
    sloeval_error e = SLOEVAL_ERROR_INIT;
    int rc =
        prom_add_labels(&r->call, src, p->hb, lname, m, s->ninject + 1, p->start, p->end, p->a, &e);
    if (rc == SLOEVAL_ENOMEM) return -1;
    if (rc) return 0; /* decides nothing */
    *out = p->nreqs++;
    return 0;
}

/* Whether a matcher passes only series that carry its label. */
static bool needs_label(const label_matcher *m, sloeval_compat grammar)
{
    if (strv_eq(m->name, STRV_LIT("__name__"))) return false;
    bool empty = false;
    char ebuf[8];
    switch (m->type) {
    case MATCH_EQUAL: return m->value.len > 0;
    case MATCH_NOT_EQUAL: return m->value.len == 0;
    case MATCH_REGEX:
        return matcher_regex_check(m->value, grammar, &empty, ebuf, sizeof(ebuf)) == 0 && !empty;
    case MATCH_NOT_REGEX:
        return matcher_regex_check(m->value, grammar, &empty, ebuf, sizeof(ebuf)) == 0 && empty;
    }
    return false;
}

static int add_selector(check_probes *p, probe_entry *e, const ast_node *vs)
{
    const check_probe_scope *s = e->scope;
    const label_matcher *ms = vs->u.vector_selector.matchers;
    size_t n = vs->u.vector_selector.nmatchers;
    const char *metric = NULL;
    for (size_t i = 0; i < n; i++)
        if (ms[i].type == MATCH_EQUAL && strv_eq(ms[i].name, STRV_LIT("__name__")))
            metric = arena_strndup(p->a, ms[i].value.ptr, ms[i].value.len);
    if (!metric) return 0; /* no one metric to ask about */
    label_matcher *req = ARENA_NEW_ARRAY(p->a, label_matcher, n + 1);
    const char **names = ARENA_NEW_ARRAY(p->a, const char *, n + 1);
    if (!req || !names) return -1;
    size_t nreq = 0;
    /* an alert on a missing label may be the point (absent()) */
    for (size_t i = 0; i < n && !e->alert; i++)
        if (needs_label(&ms[i], s->grammar)) {
            req[nreq] = ms[i];
            names[nreq++] = arena_strndup(p->a, ms[i].name.ptr, ms[i].name.len);
            if (!names[nreq - 1]) return -1;
        }
    if (nreq == 0 && !s->own_backend) return 0;
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, metric);
    if (nreq) prom_format_selector(&sb, req, nreq);
    const char *text = sb.failed ? NULL : arena_strdup(p->a, strbuf_cstr(&sb));
    strbuf_free(&sb);
    if (!text) return -1;
    for (size_t i = 0; i < e->nsels; i++)
        if (!strcmp(e->sels[i].text, text)) return 0;
    if (arena_grow(p->a, (void **)&e->sels, &e->capsels, e->nsels + 1, sizeof(*e->sels))) return -1;
    probe_sel *sel = &e->sels[e->nsels++];
    *sel = (probe_sel){text, metric, names, nreq, NULL, NULL};
    sel->names = ARENA_NEW_ARRAY(p->a, size_t, s->nbackends + 1);
    sel->values = ARENA_NEW_ARRAY(p->a, size_t, s->nbackends + 1);
    if (!sel->names || !sel->values) return -1;
    for (size_t b = 0; b < s->nbackends; b++) {
        sel->names[b] = sel->values[b] = NO_REQ;
        if (nreq && request(p, &sel->names[b], metric, s->sources[b], NULL, s)) return -1;
        if (s->own_backend && p->cfg->regions.label &&
            request(p, &sel->values[b], metric, s->sources[b], p->cfg->regions.label, s))
            return -1;
    }
    return 0;
}

static int walk(check_probes *p, probe_entry *e, const ast_node *n)
{
    if (!n) return 0;
    if (n->kind == AST_VECTOR_SELECTOR) return add_selector(p, e, n);
    size_t k = ast_child_count(n);
    for (size_t i = 0; i < k; i++)
        if (walk(p, e, ast_child(n, i))) return -1;
    return 0;
}

int check_probes_add(check_probes **out, arena *a, http_batch *hb, const slo_config *cfg,
                     const check_probe_scope *scopes, size_t nscopes, int64_t t, sloeval_error *err)
{
    check_probes *p = ARENA_NEW(a, check_probes);
    *out = p;
    if (!p) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    p->a = a;
    p->hb = hb;
    p->cfg = cfg;
    if (cfg->nwindows == 0) return 0;
    int64_t period = cfg->windows[cfg->nwindows - 1];
    p->start = t - period;
    p->end = t;
    p->period = check_duration_name(a, period);
    if (!p->period) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->nslos; i++) {
        const slo_def *slo = &cfg->slos[i];
        for (size_t k = 0; k < nscopes; k++) {
            const check_probe_scope *s = &scopes[k];
            if (!(slo->scopes & s->bit) || s->failed) continue;
            if (arena_grow(a, (void **)&p->entries, &p->capentries, p->nentries + 1,
                           sizeof(*p->entries)))
                return error_set(err, SLOEVAL_ENOMEM, "out of memory");
            probe_entry *e = &p->entries[p->nentries++];
            memset(e, 0, sizeof(*e));
            e->slo_index = i;
            e->scope_index = k;
            e->scope = s;
            size_t per = slo->sli == SLO_SLI_RATIO ? 1 : 2;
            for (size_t q = 0; q < per; q++) {
                const slo_parsed *parsed =
                    slo_def_query(slo, cfg->nwindows - 1, q == 0 ? SLO_Q_ERRORS : SLO_Q_TOTAL);
                const ast_node *root = NULL;
                const char *why = NULL;
                if (!parsed || slo_parsed_ast(parsed, s->grammar, &root, &why)) continue;
                if (walk(p, e, root)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
            }
        }
    }
    for (size_t i = 0; i < cfg->nalerts; i++) {
        const slo_alert *al = &cfg->alerts[i];
        for (size_t k = 0; k < nscopes; k++) {
            const check_probe_scope *s = &scopes[k];
            if (!(al->scopes & s->bit) || s->failed || !s->own_backend) continue;
            if (arena_grow(a, (void **)&p->entries, &p->capentries, p->nentries + 1,
                           sizeof(*p->entries)))
                return error_set(err, SLOEVAL_ENOMEM, "out of memory");
            probe_entry *e = &p->entries[p->nentries++];
            memset(e, 0, sizeof(*e));
            e->alert = true;
            e->slo_index = i;
            e->scope_index = k;
            e->scope = s;
            const ast_node *root = NULL;
            const char *why = NULL;
            if (slo_parsed_ast(&al->parsed, s->grammar, &root, &why)) continue;
            if (walk(p, e, root)) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

size_t check_probes_count(const check_probes *p)
{
    return p ? p->nreqs : 0;
}

static int cmp_str(const void *x, const void *y)
{
    return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* The answer of request i, or false when it has none. */
static bool answer(const check_probes *p, size_t i, const char *const **v, size_t *n)
{
    if (i == NO_REQ || !p->reqs[i].call) return false;
    sloeval_error e = SLOEVAL_ERROR_INIT;
    return prom_call_strings(p->reqs[i].call, v, n, &e) == 0;
}

static void add_reason(strbuf *sb, const char *text)
{
    if (sb->len && strstr(strbuf_cstr(sb), text)) return;
    if (sb->len) strbuf_puts(sb, "; ");
    strbuf_puts(sb, text);
}

/* A selector whose required labels no series of its metric carries. */
static void missing_labels(const check_probes *p, const probe_entry *e, const probe_sel *sel,
                           strbuf *out)
{
    const check_probe_scope *s = e->scope;
    size_t total = 0;
    for (size_t b = 0; b < s->nbackends; b++) {
        const char *const *v;
        size_t n;
        if (!answer(p, sel->names[b], &v, &n)) return; /* a probe failed: decide nothing */
        total += n;
    }
    const char **all = calloc(total + 1, sizeof(*all));
    if (!all) return;
    size_t nall = 0;
    for (size_t b = 0; b < s->nbackends; b++) {
        const char *const *v;
        size_t n;
        answer(p, sel->names[b], &v, &n);
        for (size_t i = 0; i < n; i++)
            if (strcmp(v[i], "__name__")) all[nall++] = v[i];
    }
    if (total == 0) goto done; /* the metric has no series: the queries say "no data" */
    qsort(all, nall, sizeof(*all), cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < nall; i++)
        if (u == 0 || strcmp(all[u - 1], all[i])) all[u++] = all[i];
    nall = u;
    for (size_t r = 0; r < sel->nrequired; r++) {
        if (bsearch(&sel->required[r], all, nall, sizeof(*all), cmp_str)) continue;
        strbuf m = STRBUF_INIT;
        strbuf_printf(&m,
                      "selector %s: no series of %s has label \"%s\" over the last %s (it has: ",
                      sel->text, sel->metric, sel->required[r], p->period);
        for (size_t i = 0; i < nall; i++)
            strbuf_printf(&m, "%s%s", i ? ", " : "", all[i]);
        strbuf_puts(&m, nall ? ")" : "no labels)");
        if (!m.failed)
            add_reason(out, strbuf_cstr(&m));
        else
            out->failed = 1;
        strbuf_free(&m);
    }
done:
    free(all);
}

/* A region's own backend whose series carry another region's name. */
static void foreign_region(const check_probes *p, const probe_entry *e, const probe_sel *sel,
                           strbuf *out)
{
    const check_probe_scope *s = e->scope;
    for (size_t b = 0; b < s->nbackends; b++) {
        const char *const *v;
        size_t n;
        if (!answer(p, sel->values[b], &v, &n)) continue;
        for (size_t i = 0; i < n; i++) {
            if (!strcmp(v[i], s->region) || !slo_config_region(p->cfg, v[i])) continue;
            strbuf m = STRBUF_INIT;
            strbuf_printf(&m,
                          "backend %s answers region %s with series of %s labelled %s=\"%s\" "
                          "over the last %s: is it region %s's backend?",
                          s->backends[b]->name, s->region, sel->metric, p->cfg->regions.label, v[i],
                          p->period, v[i]);
            if (!m.failed)
                add_reason(out, strbuf_cstr(&m));
            else
                out->failed = 1;
            strbuf_free(&m);
        }
    }
}

const char *check_probes_reason(const check_probes *p, bool alert, size_t index, size_t scope_index,
                                arena *a, bool *oom)
{
    size_t slo_index = index;
    *oom = false;
    if (!p) return NULL;
    const probe_entry *e = NULL;
    for (size_t i = 0; i < p->nentries && !e; i++)
        if (p->entries[i].alert == alert && p->entries[i].slo_index == slo_index &&
            p->entries[i].scope_index == scope_index)
            e = &p->entries[i];
    if (!e) return NULL;
    strbuf sb = STRBUF_INIT;
    for (size_t i = 0; i < e->nsels; i++) {
        if (e->scope->own_backend) foreign_region(p, e, &e->sels[i], &sb);
    }
    for (size_t i = 0; i < e->nsels; i++)
        if (e->sels[i].nrequired) missing_labels(p, e, &e->sels[i], &sb);
    const char *r = NULL;
    if (sb.failed)
        *oom = true;
    else if (sb.len) {
        r = arena_strdup(a, strbuf_cstr(&sb));
        if (!r) *oom = true;
    }
    strbuf_free(&sb);
    return r;
}

/* ---- warnings ----------------------------------------------------------------- */

static int first_warning(const check_answer *ans, check_sli_query q, int64_t window,
                         promql_regex *const *accept, size_t naccept, const char *backend,
                         const char **out, arena *a, sloeval_error *err)
{
    if (*out || !ans || ans->code || !ans->notes) return 0;
    for (size_t i = 0; i < ans->notes->nwarnings; i++) {
        strv w = ans->notes->warnings[i];
        bool ok = false;
        for (size_t k = 0; k < naccept && !ok; k++) {
            int m = promql_regex_test(accept[k], w);
            if (m == SLOEVAL_ENOMEM) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
            ok = m == 1;
        }
        if (ok) continue;
        const char *wname = check_duration_name(a, window);
        strbuf sb = STRBUF_INIT;
        strbuf_printf(&sb,
                      "%s over %s: warning from %s%s: %.*s (list it in the backend's "
                      "acceptable_warnings if the answer is complete anyway)",
                      check_sli_query_name(q), wname ? wname : "?",
                      backend ? "backend " : "the server", backend ? backend : "", (int)w.len,
                      w.ptr);
        *out = sb.failed ? NULL : arena_strdup(a, strbuf_cstr(&sb));
        strbuf_free(&sb);
        if (!*out) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        return 0;
    }
    return 0;
}

int check_warnings_reason(const char **out, arena *a, const slo_backend *const *backends,
                          size_t nbackends, const check_slo_answers *ans, sloeval_error *err)
{
    *out = NULL;
    bool any = false;
    for (size_t w = 0; w < ans->nwindows; w++) {
        const check_answer *list[3] = {ans->err ? &ans->err[w] : NULL,
                                       ans->tot ? &ans->tot[w] : NULL,
                                       ans->ratio ? &ans->ratio[w] : NULL};
        for (size_t k = 0; k < 3; k++)
            if (list[k] && !list[k]->code && list[k]->notes && list[k]->notes->nwarnings)
                any = true;
    }
    if (!any) return 0;
    size_t n = 0;
    for (size_t b = 0; b < nbackends; b++)
        n += backends[b]->nacceptable_warnings;
    promql_regex **accept = calloc(n + 1, sizeof(*accept));
    if (!accept) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    size_t na = 0;
    int rc = 0;
    for (size_t b = 0; b < nbackends && !rc; b++)
        for (size_t i = 0; i < backends[b]->nacceptable_warnings && !rc; i++) {
            char ebuf[128];
            rc = slo_warning_regex_compile(&accept[na], backends[b]->acceptable_warnings[i], ebuf,
                                           sizeof(ebuf));
            if (rc == SLOEVAL_ENOMEM)
                error_set(err, rc, "out of memory");
            else if (rc)
                rc = error_set(err, rc, "acceptable_warnings of backend %s: %s", backends[b]->name,
                               ebuf);
            else
                na++;
        }
    const char *backend = nbackends == 1 ? backends[0]->name : NULL;
    for (size_t w = 0; w < ans->nwindows && !rc; w++) {
        if (ans->ratio)
            rc = first_warning(&ans->ratio[w], CHECK_Q_RATIO, ans->windows[w], accept, na, backend,
                               out, a, err);
        if (!rc && ans->err)
            rc = first_warning(&ans->err[w], CHECK_Q_ERRORS, ans->windows[w], accept, na, backend,
                               out, a, err);
        if (!rc && ans->tot)
            rc = first_warning(&ans->tot[w], CHECK_Q_TOTAL, ans->windows[w], accept, na, backend,
                               out, a, err);
    }
    for (size_t i = 0; i < na; i++)
        promql_regex_free(accept[i]);
    free(accept);
    return rc;
}
