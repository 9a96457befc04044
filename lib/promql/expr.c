/* The public expression API (include/sloeval/expr.h). */
#include "promql/expr.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "promql/functions.h"
#include "promql/lexer.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "util/error.h"
#include "util/options.h"
#include "util/strbuf.h"
#include "util/text.h"

/* The arena's first chunk: room for the AST of a typical SLO expression,
 * so that a parse usually costs a single malloc. */
#define EXPR_FIRST_CHUNK 4096

struct sloeval_expr {
    arena arena;
    ast_node *root;
    sloeval_compat compat;
    const char *text; /* a copy of the parsed text, for positions */
    size_t len;
};

/* Parse into a handle: in opts->compat's grammar (AUTO: 3.x), and with
 * `fallback` in the other one too (promql_parse_fallback). */
static int expr_parse(sloeval_expr **out, const char *text, size_t len,
                      const sloeval_parse_options *opts, bool fallback, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_expr_parse: out is NULL");
    *out = NULL;
    if (!text && len) return error_set(err, SLOEVAL_EINVAL, "sloeval_expr_parse: text is NULL");
    static const sloeval_parse_options defaults = SLOEVAL_PARSE_OPTIONS_INIT;
    static const size_t sizes[SLOEVAL_PARSE_OPTIONS_VERSION] = {sizeof(sloeval_parse_options)};
    sloeval_parse_options o;
    int orc = options_read(&o, &defaults, opts, sizes, SLOEVAL_PARSE_OPTIONS_VERSION,
                           "sloeval_parse_options", err);
    if (orc) return orc;
    parse_options po = {o.compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3,
                        o.experimental_functions, o.max_depth};
    arena a;
    arena_init(&a, EXPR_FIRST_CHUNK);
    sloeval_expr *e = ARENA_NEW(&a, sloeval_expr);
    if (!e) {
        arena_free(&a);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    ast_node *root;
    sloeval_compat used = po.compat;
    int rc = fallback ? promql_parse_fallback(&root, &a, text ? text : "", len, &po, &used, err)
                      : promql_parse(&root, &a, text ? text : "", len, &po, err);
    if (rc != 0) {
        arena_free(&a);
        return rc;
    }
    char *copy = arena_alloc(&a, len + 1);
    if (!copy) {
        arena_free(&a);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    if (len) memcpy(copy, text, len);
    copy[len] = '\0';
    /* The handle lives in its own arena: move the arena's bookkeeping in. */
    e->arena = a;
    e->root = root;
    e->compat = used;
    e->text = copy;
    e->len = len;
    *out = e;
    return 0;
}

int sloeval_expr_parse(sloeval_expr **out, const char *text, size_t len,
                       const sloeval_parse_options *opts, sloeval_error *err)
{
    return expr_parse(out, text, len, opts, false, err);
}

int expr_parse_fallback(sloeval_expr **out, const char *text, size_t len,
                        const sloeval_parse_options *opts, sloeval_error *err)
{
    return expr_parse(out, text, len, opts, true, err);
}

void sloeval_expr_free(sloeval_expr *expr)
{
    if (!expr) return;
    arena a = expr->arena;
    arena_free(&a);
}

sloeval_compat sloeval_expr_compat(const sloeval_expr *expr)
{
    return expr->compat;
}

ast_node *sloeval_expr_ast(const sloeval_expr *expr)
{
    return expr->root;
}

const char *sloeval_expr_text(const sloeval_expr *expr, size_t *len)
{
    if (len) *len = expr->len;
    return expr->text;
}

arena *sloeval_expr_arena(sloeval_expr *expr)
{
    return &expr->arena;
}

void sloeval_expr_set_ast(sloeval_expr *expr, ast_node *root)
{
    expr->root = root;
}

int sloeval_expr_print(char **out, const sloeval_expr *expr, sloeval_error *err)
{
    sloeval_error_clear(err);
    strbuf sb = STRBUF_INIT;
    *out = NULL;
    ast_print(&sb, expr->root, expr->compat);
    char *s = strbuf_detach(&sb);
    if (!s) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    *out = s;
    return 0;
}

/* ---- JSON ---- */

/* Bytes that are not UTF-8 become \ufffd, as in every JSON sloeval writes
 * (this writer used to give them as \u00XX, a different character). */
static void json_string(strbuf *sb, const char *s, size_t len)
{
    text_append_json_string(sb, s, len, 0);
}

static void json_labels(strbuf *sb, const ast_str *l, size_t n)
{
    strbuf_putc(sb, '[');
    for (size_t i = 0; i < n; i++) {
        if (i) strbuf_putc(sb, ',');
        json_string(sb, l[i].ptr, l[i].len);
    }
    strbuf_putc(sb, ']');
}

static void json_at(strbuf *sb, at_kind at, int64_t ms)
{
    switch (at) {
    case AT_TIMESTAMP: strbuf_printf(sb, "{\"timestamp_ms\":%lld}", (long long)ms); break;
    case AT_START: strbuf_puts(sb, "\"start\""); break;
    case AT_END: strbuf_puts(sb, "\"end\""); break;
    default: strbuf_puts(sb, "null"); break;
    }
}

static const char *card_name(match_card c)
{
    switch (c) {
    case CARD_MANY_TO_ONE: return "many-to-one";
    case CARD_ONE_TO_MANY: return "one-to-many";
    case CARD_MANY_TO_MANY: return "many-to-many";
    default: return "one-to-one";
    }
}

static void json_node(strbuf *sb, const ast_node *n)
{
    strbuf_printf(sb, "{\"kind\":\"%s\",\"type\":\"%s\",\"start\":%zu,\"end\":%zu",
                  ast_kind_name(n->kind), value_type_name(ast_node_type(n)), n->pos.start,
                  n->pos.end);
    switch (n->kind) {
    case AST_NUMBER: {
        double v = n->u.number.value;
        char buf[64];
        format_go_float(buf, sizeof(buf), v);
        if (isnan(v) || isinf(v))
            strbuf_printf(sb, ",\"value\":\"%s\"", buf);
        else
            strbuf_printf(sb, ",\"value\":%s", buf);
        if (n->u.number.duration) strbuf_puts(sb, ",\"duration\":true");
        break;
    }
    case AST_STRING:
        strbuf_puts(sb, ",\"value\":");
        json_string(sb, n->u.string.value.ptr, n->u.string.value.len);
        break;
    case AST_VECTOR_SELECTOR:
        strbuf_puts(sb, ",\"name\":");
        json_string(sb, n->u.vector_selector.name.ptr, n->u.vector_selector.name.len);
        strbuf_puts(sb, ",\"matchers\":[");
        for (size_t i = 0; i < n->u.vector_selector.nmatchers; i++) {
            const label_matcher *m = &n->u.vector_selector.matchers[i];
            if (i) strbuf_putc(sb, ',');
            strbuf_puts(sb, "{\"name\":");
            json_string(sb, m->name.ptr, m->name.len);
            strbuf_printf(sb, ",\"op\":\"%s\",\"value\":", match_type_str(m->type));
            json_string(sb, m->value.ptr, m->value.len);
            strbuf_putc(sb, '}');
        }
        strbuf_printf(sb,
                      "],\"offset_ms\":%lld,\"at\":", (long long)n->u.vector_selector.offset_ms);
        json_at(sb, n->u.vector_selector.at, n->u.vector_selector.at_ms);
        break;
    case AST_MATRIX_SELECTOR:
        strbuf_printf(sb,
                      ",\"range_ms\":%lld,\"selector\":", (long long)n->u.matrix_selector.range_ms);
        json_node(sb, n->u.matrix_selector.vector_selector);
        break;
    case AST_SUBQUERY:
        strbuf_printf(sb, ",\"range_ms\":%lld,\"step_ms\":%lld,\"offset_ms\":%lld,\"at\":",
                      (long long)n->u.subquery.range_ms, (long long)n->u.subquery.step_ms,
                      (long long)n->u.subquery.offset_ms);
        json_at(sb, n->u.subquery.at, n->u.subquery.at_ms);
        strbuf_puts(sb, ",\"expr\":");
        json_node(sb, n->u.subquery.expr);
        break;
    case AST_CALL:
        strbuf_printf(sb, ",\"function\":\"%s\",\"args\":[", n->u.call.func->name);
        for (size_t i = 0; i < n->u.call.nargs; i++) {
            if (i) strbuf_putc(sb, ',');
            json_node(sb, n->u.call.args[i]);
        }
        strbuf_putc(sb, ']');
        break;
    case AST_AGGREGATE:
        strbuf_printf(sb, ",\"op\":\"%s\",\"grouping\":", agg_op_name(n->u.aggregate.op));
        json_labels(sb, n->u.aggregate.grouping, n->u.aggregate.ngrouping);
        strbuf_printf(sb, ",\"without\":%s,\"grouping_given\":%s,\"param\":",
                      n->u.aggregate.without ? "true" : "false",
                      n->u.aggregate.grouping_given ? "true" : "false");
        if (n->u.aggregate.param)
            json_node(sb, n->u.aggregate.param);
        else
            strbuf_puts(sb, "null");
        strbuf_puts(sb, ",\"expr\":");
        json_node(sb, n->u.aggregate.expr);
        break;
    case AST_BINARY: {
        const vector_matching *vm = n->u.binary.matching;
        strbuf_printf(sb, ",\"op\":\"%s\",\"bool\":%s,\"matching\":", binary_op_str(n->u.binary.op),
                      n->u.binary.return_bool ? "true" : "false");
        if (vm) {
            strbuf_printf(sb, "{\"card\":\"%s\",\"on\":%s,\"labels\":", card_name(vm->card),
                          vm->on ? "true" : "false");
            json_labels(sb, vm->labels, vm->nlabels);
            strbuf_puts(sb, ",\"include\":");
            json_labels(sb, vm->include, vm->ninclude);
            strbuf_putc(sb, '}');
        } else {
            strbuf_puts(sb, "null");
        }
        strbuf_puts(sb, ",\"lhs\":");
        json_node(sb, n->u.binary.lhs);
        strbuf_puts(sb, ",\"rhs\":");
        json_node(sb, n->u.binary.rhs);
        break;
    }
    case AST_UNARY:
        strbuf_printf(sb, ",\"op\":\"%s\",\"expr\":", n->u.unary.op == UNARY_MINUS ? "-" : "+");
        json_node(sb, n->u.unary.expr);
        break;
    case AST_PAREN:
        strbuf_puts(sb, ",\"expr\":");
        json_node(sb, n->u.paren.expr);
        break;
    }
    strbuf_putc(sb, '}');
}

int sloeval_expr_to_json(char **out, const sloeval_expr *expr, sloeval_error *err)
{
    sloeval_error_clear(err);
    strbuf sb = STRBUF_INIT;
    *out = NULL;
    json_node(&sb, expr->root);
    char *s = strbuf_detach(&sb);
    if (!s) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    *out = s;
    return 0;
}

/* ---- inspection ---- */

#define NODE(n) ((const ast_node *)(n))

const sloeval_node *sloeval_expr_root(const sloeval_expr *expr)
{
    return (const sloeval_node *)expr->root;
}

sloeval_node_kind sloeval_node_kind_of(const sloeval_node *node)
{
    return (sloeval_node_kind)NODE(node)->kind;
}

sloeval_value_type sloeval_node_type(const sloeval_node *node)
{
    return (sloeval_value_type)ast_node_type(NODE(node));
}

const char *sloeval_node_kind_name(sloeval_node_kind kind)
{
    return ast_kind_name((ast_kind)kind);
}

void sloeval_node_range(const sloeval_node *node, size_t *start, size_t *end)
{
    if (start) *start = NODE(node)->pos.start;
    if (end) *end = NODE(node)->pos.end;
}

size_t sloeval_node_child_count(const sloeval_node *node)
{
    return ast_child_count(NODE(node));
}

const sloeval_node *sloeval_node_child(const sloeval_node *node, size_t i)
{
    return (const sloeval_node *)ast_child(NODE(node), i);
}

int sloeval_node_walk(const sloeval_node *node, sloeval_walk_cb cb, void *payload)
{
    int rc = cb(node, payload);
    if (rc < 0) return rc;
    if (rc == 1) return 0;
    size_t n = ast_child_count(NODE(node));
    for (size_t i = 0; i < n; i++) {
        rc = sloeval_node_walk((const sloeval_node *)ast_child(NODE(node), i), cb, payload);
        if (rc < 0) return rc;
    }
    return 0;
}

double sloeval_node_number(const sloeval_node *node)
{
    return NODE(node)->kind == AST_NUMBER ? NODE(node)->u.number.value : NAN;
}

const char *sloeval_node_string(const sloeval_node *node, size_t *len)
{
    if (NODE(node)->kind != AST_STRING) return NULL;
    if (len) *len = NODE(node)->u.string.value.len;
    return NODE(node)->u.string.value.ptr;
}

static const ast_node *selector_of(const sloeval_node *node)
{
    const ast_node *n = NODE(node);
    if (n->kind == AST_MATRIX_SELECTOR) return n->u.matrix_selector.vector_selector;
    return n->kind == AST_VECTOR_SELECTOR ? n : NULL;
}

const char *sloeval_node_metric_name(const sloeval_node *node)
{
    const ast_node *vs = selector_of(node);
    return vs ? vs->u.vector_selector.name.ptr : NULL;
}

size_t sloeval_node_matcher_count(const sloeval_node *node)
{
    const ast_node *vs = selector_of(node);
    return vs ? vs->u.vector_selector.nmatchers : 0;
}

int sloeval_node_matcher(sloeval_matcher *out, const sloeval_node *node, size_t i)
{
    const ast_node *vs = selector_of(node);
    if (!vs || i >= vs->u.vector_selector.nmatchers) return SLOEVAL_EINVAL;
    const label_matcher *m = &vs->u.vector_selector.matchers[i];
    out->name = m->name.ptr;
    out->name_len = m->name.len;
    out->op = match_type_str(m->type);
    out->value = m->value.ptr;
    out->value_len = m->value.len;
    return 0;
}

const char *sloeval_node_function(const sloeval_node *node)
{
    return ast_call_name(NODE(node));
}

const char *sloeval_node_operator(const sloeval_node *node)
{
    const ast_node *n = NODE(node);
    switch (n->kind) {
    case AST_AGGREGATE: return agg_op_name(n->u.aggregate.op);
    case AST_BINARY: return binary_op_str(n->u.binary.op);
    case AST_UNARY: return n->u.unary.op == UNARY_MINUS ? "-" : "+";
    default: return NULL;
    }
}

size_t sloeval_node_grouping_count(const sloeval_node *node, bool *without)
{
    const ast_node *n = NODE(node);
    if (n->kind != AST_AGGREGATE) return 0;
    if (without) *without = n->u.aggregate.without;
    return n->u.aggregate.ngrouping;
}

const char *sloeval_node_grouping_label(const sloeval_node *node, size_t i)
{
    const ast_node *n = NODE(node);
    if (n->kind != AST_AGGREGATE || i >= n->u.aggregate.ngrouping) return NULL;
    return n->u.aggregate.grouping[i].ptr;
}

int64_t sloeval_node_range_ms(const sloeval_node *node)
{
    const ast_node *n = NODE(node);
    if (n->kind == AST_MATRIX_SELECTOR) return n->u.matrix_selector.range_ms;
    if (n->kind == AST_SUBQUERY) return n->u.subquery.range_ms;
    return 0;
}

int64_t sloeval_node_step_ms(const sloeval_node *node)
{
    const ast_node *n = NODE(node);
    return n->kind == AST_SUBQUERY ? n->u.subquery.step_ms : 0;
}

int64_t sloeval_node_offset_ms(const sloeval_node *node)
{
    const ast_node *n = NODE(node);
    if (n->kind == AST_SUBQUERY) return n->u.subquery.offset_ms;
    const ast_node *vs = selector_of(node);
    return vs ? vs->u.vector_selector.offset_ms : 0;
}
