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
