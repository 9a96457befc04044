/*
 * Checking the PromQL of a config while it loads: SLI templates (rendered
 * for a sample window), alert and recording rule expressions, and
 * extra_matchers, parsed with sloeval's parser. A parse error's position
 * in the query is mapped back into the file, through the template and the
 * YAML scalar, whenever the scalar's text is in the file as written.
 */
#include <stdio.h>
#include <string.h>

#include "promql/parser.h"
#include "slo/load.h"
#include "slo/route.h"

#define METRIC_NAME_LABEL_TEXT "__name__"

/* The window rendered into templates for checking. */
#define SAMPLE_WINDOW_MS (5LL * 60 * 1000)

/* The grammar to report errors in: v2 when every backend says v2. */
static sloeval_compat preferred_compat(const slo_config *c)
{
    if (c->nbackends == 0) return SLOEVAL_COMPAT_V3;
    for (size_t i = 0; i < c->nbackends; i++)
        if (c->backends[i].http.compat != SLOEVAL_COMPAT_V2) return SLOEVAL_COMPAT_V3;
    return SLOEVAL_COMPAT_V2;
}

/* Parse with the preferred grammar, then the other (promql_parse_fallback). */
static int parse_either(ast_node **out, arena *a, const char *text, size_t len,
                        sloeval_compat preferred, sloeval_error *err)
{
    parse_options po = {preferred, false, 0};
    return promql_parse_fallback(out, a, text, len, &po, NULL, err);
}

int load_check_expr(loader *L, const ynode *n, const ypath *path, const slo_template *tpl,
                    const char *expr)
{
    arena a;
    arena_init(&a, 0);
    const char *text = expr;
    if (tpl) text = template_render_arena(tpl, SAMPLE_WINDOW_MS, &a);
    if (!text) {
        arena_free(&a);
        return load_oom(L);
    }
    ast_node *root = NULL;
    sloeval_error perr = SLOEVAL_ERROR_INIT;
    int rc = parse_either(&root, &a, text, strlen(text), preferred_compat(L->cfg), &perr);
    if (rc == SLOEVAL_ENOMEM) {
        arena_free(&a);
        return load_oom(L);
    }
    if (rc) {
        size_t off = tpl ? template_source_offset(tpl, SAMPLE_WINDOW_MS, perr.start) : perr.start;
        int line, col;
        if (ynode_value_position(L->file, n, off, &line, &col))
            rc = load_error_pos(L, line, col, n->start, path, "parse error: %s", perr.message);
        else {
            /* the scalar's text is not in the file as written (escapes,
             * folding): say where in the query, as written */
            const char *q = tpl ? tpl->text : expr;
            size_t qlen = strlen(q);
            error_line_col(q, qlen, off < qlen ? off : qlen, &line, &col);
            rc = load_error(L, n, path, "parse error at line %d, column %d of the query: %s", line,
                            col, perr.message);
        }
        arena_free(&a);
        return rc;
    }
    value_type t = ast_node_type(root);
    arena_free(&a);
    if (t != VALUE_TYPE_VECTOR && t != VALUE_TYPE_SCALAR)
        return load_error(L, n, path, "must be an instant vector or a scalar, got %s",
                          value_type_name(t));
    return 0;
}

/* The matcher is checked inside a selector with a second, positive matcher:
 * a selector needs one, and a lone negative matcher is a valid extra matcher. */
#define MATCHER_PREFIX "{"
#define MATCHER_SUFFIX ",sloeval_check=\"1\"}"

int load_parse_matcher(loader *L, const ynode *n, const ypath *path, const char *text,
                       label_matcher *out)
{
    arena a;
    arena_init(&a, 0);
    size_t len = strlen(text), plen = strlen(MATCHER_PREFIX);
    size_t total = plen + len + strlen(MATCHER_SUFFIX);
    char *sel = arena_alloc(&a, total + 1);
    if (!sel) {
        arena_free(&a);
        return load_oom(L);
    }
    snprintf(sel, total + 1, "%s%s%s", MATCHER_PREFIX, text, MATCHER_SUFFIX);
    ast_node *root = NULL;
    sloeval_error perr = SLOEVAL_ERROR_INIT;
    int rc = parse_either(&root, &a, sel, total, preferred_compat(L->cfg), &perr);
    if (rc == SLOEVAL_ENOMEM) {
        arena_free(&a);
        return load_oom(L);
    }
    if (rc) {
        size_t off = perr.start >= plen ? perr.start - plen : 0;
        if (off > len) off = len;
        int line, col;
        if (ynode_value_position(L->file, n, off, &line, &col))
            rc = load_error_pos(L, line, col, n->start, path, "invalid matcher: %s", perr.message);
        else
            rc = load_error(L, n, path, "invalid matcher: %s", perr.message);
        arena_free(&a);
        return rc;
    }
    if (root->kind != AST_VECTOR_SELECTOR || root->u.vector_selector.nmatchers != 2) {
        arena_free(&a);
        return load_error(L, n, path, "expected one label matcher such as chaos!=\"true\"");
    }
    const label_matcher *m = &root->u.vector_selector.matchers[0];
    if (strv_eq_cstr(m->name, METRIC_NAME_LABEL_TEXT)) {
        arena_free(&a);
        return load_error(L, n, path, "an extra matcher cannot match the metric name");
    }
    out->type = m->type;
    out->name.ptr = arena_strndup(&L->cfg->arena, m->name.ptr, m->name.len);
    out->name.len = m->name.len;
    out->value.ptr = arena_strndup(&L->cfg->arena, m->value.ptr, m->value.len);
    out->value.len = m->value.len;
    arena_free(&a);
    if (!out->name.ptr || !out->value.ptr) return load_oom(L);
    return 0;
}

/* ---- the queries evaluation runs, parsed once --------------------------------- */

/* The grammars the scopes of the config speak (v3 alone without backends). */
static unsigned scope_grammars(const slo_config *c)
{
    arena a;
    arena_init(&a, 0);
    unsigned g = 0;
    slo_route r;
    for (size_t i = 0; i <= c->regions.count; i++) {
        sloeval_error e = SLOEVAL_ERROR_INIT;
        const char *region = i < c->regions.count ? c->regions.items[i].name : NULL;
        if (slo_config_route(&r, c, region, &a, &e) == 0)
            g |= 1u << (slo_route_grammar(&r) == SLOEVAL_COMPAT_V2 ? SLO_GRAMMAR_V2
                                                                   : SLO_GRAMMAR_V3);
    }
    arena_free(&a);
    return g ? g : 1u << SLO_GRAMMAR_V3;
}

static int parse_query(loader *L, slo_parsed *p, const char *text)
{
    slo_config *c = L->cfg;
    p->text = text;
    for (int g = 0; g < 2; g++) {
        if (!(c->grammars & (1u << g))) continue;
        parse_options po = {g == SLO_GRAMMAR_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3, false, 0};
        ast_node *root = NULL;
        sloeval_error perr = SLOEVAL_ERROR_INIT;
        int rc = promql_parse_fallback(&root, &c->arena, text, strlen(text), &po, NULL, &perr);
        if (rc == SLOEVAL_ENOMEM) return load_oom(L);
        if (rc) {
            p->code[g] = rc;
            p->error[g] = arena_strdup(&c->arena, perr.message);
            if (!p->error[g]) return load_oom(L);
        } else {
            p->ast[g] = root;
        }
    }
    return 0;
}

int load_parse_queries(loader *L)
{
    slo_config *c = L->cfg;
    c->grammars = scope_grammars(c);
    c->nwindows = c->policy.nwindows + 1;
    c->windows = ARENA_NEW_ARRAY(&c->arena, int64_t, c->nwindows);
    if (!c->windows) return load_oom(L);
    if (c->policy.nwindows)
        memcpy(c->windows, c->policy.windows, c->policy.nwindows * sizeof(int64_t));
    c->windows[c->policy.nwindows] = c->period_ms;
    int rc;
    for (size_t i = 0; i < c->nslos; i++) {
        slo_def *s = &c->slos[i];
        s->queries = ARENA_NEW_ARRAY(&c->arena, slo_parsed, c->nwindows * 2);
        if (!s->queries) return load_oom(L);
        for (size_t w = 0; w < c->nwindows; w++) {
            for (int k = 0; k < (s->sli == SLO_SLI_RATIO ? 1 : 2); k++) {
                const slo_template *tpl = s->sli == SLO_SLI_RATIO ? &s->error_ratio_query
                                          : k == 0                ? &s->error_query
                                                                  : &s->total_query;
                char *text = template_render_arena(tpl, c->windows[w], &c->arena);
                if (!text) return load_oom(L);
                if ((rc = parse_query(L, &s->queries[w * 2 + (size_t)k], text))) return rc;
            }
        }
    }
    for (size_t i = 0; i < c->nalerts; i++)
        if ((rc = parse_query(L, &c->alerts[i].parsed, c->alerts[i].expr))) return rc;
    return 0;
}
