/*
 * The PromQL parser: precedence climbing over the token stream of lexer.c,
 * accepting the language of Prometheus's yacc grammar (generated_parser.y)
 * with the same semantic checks in the same order, then the type checker
 * (Prometheus's checkAST). Parsing stops at the first error, which is the
 * error Prometheus reports first.
 *
 * How the yacc grammar's precedences map onto this parser:
 *   - binary operators climb by precedence (or < and/unless < comparisons <
 *     + - < * / % atan2 < ^, ^ right-associative);
 *   - unary + and - bind like * : their operand is an expression of
 *     precedence ^ and above, so -a^b is -(a^b) and -a*b is (-a)*b;
 *   - the postfix modifiers [range], [range:step], offset and @ always bind
 *     to the nearest primary expression (yacc shifts them), so they are
 *     applied right after a primary, before any operator.
 */
#include "promql/parser.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/names.h"
#include "promql/functions.h"
#include "promql/lexer.h"
#include "promql/matcher.h"
#include "util/error.h"
#include "util/text.h"
#include "util/utf8.h"

typedef struct parser {
    lexer lx;    /* first: promql_parse clears what follows it */
    token tok;   /* the current token */
    token ahead; /* the token after it, when has_ahead */
    bool has_ahead;
    size_t prev_end; /* end of the last consumed token */
    arena *a;
    const char *text;
    size_t len;
    sloeval_compat compat;
    bool v3;
    bool experimental;
    unsigned max_depth;
    unsigned depth;
    int in_aggregate; /* aggregations whose operator has been read */
    sloeval_error *err;
    bool failed;
    char *copy;     /* arena copy of the input that strings point into */
    ast_node *slab; /* free nodes (see new_node) */
    unsigned slab_left;
    const function_def *last_fn; /* the last function looked up (often called again) */
} parser;

#define NODE_SLAB 8

/* ---- errors ---- */

/* Error paths stay out of the parsing functions (no buffers there). */
#if defined(__GNUC__)
#define COLD     __attribute__((noinline, cold))
#define NOINLINE __attribute__((noinline))
#else
#define COLD
#define NOINLINE
#endif

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
COLD static void
fail_at(parser *p, size_t pos, const char *fmt, ...)
{
    if (p->failed) return;
    p->failed = true;
    char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    error_set_at(p->err, SLOEVAL_EPARSE, p->text, p->len, pos, pos, "%s", msg);
}

COLD static void fail_nomem(parser *p)
{
    if (p->failed) return;
    p->failed = true;
    error_set(p->err, SLOEVAL_ENOMEM, "out of memory");
}

/* fail_at with one Go-quoted string: fmt has a single %s for it. */
COLD static void fail_quoted(parser *p, size_t pos, const char *fmt, const char *s, size_t len)
{
    char q[200];
    go_quote(q, sizeof(q), s, len);
    fail_at(p, pos, fmt, q);
}

/* A duration token that did not parse: the parser's message for it. */
COLD static void fail_duration(parser *p, const token *t)
{
    char msg[200];
    int64_t ms;
    promql_duration_parse(&ms, p->text + t->start, t->end - t->start, msg, sizeof(msg));
    fail_at(p, t->start, "%s", msg);
}

/* "unexpected <token>[ in <context>][, expected <what>]" at the current token. */
COLD static void unexpected(parser *p, const char *context, const char *expected)
{
    if (p->tok.type == T_ERROR) {
        fail_at(p, p->tok.start, "%s", p->lx.errmsg);
        return;
    }
    char desc[160];
    tok_describe(&p->lx, &p->tok, desc, sizeof(desc));
    fail_at(p, p->tok.start, "unexpected %s%s%s%s%s", desc, context[0] ? " in " : "", context,
            expected[0] ? ", expected " : "", expected);
}

/* A syntax error where the grammar has no specific error rule: Prometheus's
 * message names the innermost aggregation being read, if any. */
COLD static void unexpected_here(parser *p)
{
    unexpected(p, p->in_aggregate > 0 ? "aggregation" : "", "");
}

/* ---- tokens ---- */

static void advance(parser *p)
{
    p->prev_end = p->tok.end;
    if (p->has_ahead) {
        p->tok = p->ahead;
        p->has_ahead = false;
    } else {
        lex_next(&p->lx, &p->tok);
    }
}

static tok_type peek_type(parser *p)
{
    if (!p->has_ahead) {
        lex_next(&p->lx, &p->ahead);
        p->has_ahead = true;
    }
    return p->ahead.type;
}

/* ---- nodes ---- */

static ast_node *new_node(parser *p, ast_kind kind, size_t start, size_t end)
{
    ast_node *n;
#ifdef SLOEVAL_ARENA_DEBUG
    /* One allocation per node, so that sanitizers see each one. */
    n = ARENA_NEW(p->a, ast_node);
#else
    /* Nodes come from slabs of a few at a time. */
    if (p->slab_left == 0) {
        p->slab = arena_alloc(p->a, NODE_SLAB * sizeof(ast_node));
        p->slab_left = p->slab ? NODE_SLAB : 0;
    }
    n = p->slab_left ? p->slab++ : NULL;
    if (n) {
        p->slab_left--;
        memset(n, 0, sizeof(*n));
    }
#endif
    if (!n) {
        fail_nomem(p);
        return NULL;
    }
    n->kind = kind;
    n->pos.start = start;
    n->pos.end = end;
    n->depth = 1;
    return n;
}

/* Record that `child` hangs below `n`; fails when the tree gets too deep. */
static bool add_depth(parser *p, ast_node *n, const ast_node *child)
{
    if (child->depth + 1 > n->depth) n->depth = child->depth + 1;
    if (n->depth > p->max_depth) {
        fail_at(p, n->pos.start, "expression nesting exceeds the maximum depth of %u",
                p->max_depth);
        return false;
    }
    return true;
}

/*
 * A NUL-terminated string for len bytes of the input at s. Strings point
 * into one arena copy of the whole input, terminated in place: the byte
 * after a stored token is never part of another stored token (identifiers
 * cannot touch, string contents start after a quote), so writing the NUL
 * there is safe and saves an allocation per string.
 */
static bool str_dup(parser *p, ast_str *out, const char *s, size_t len)
{
    if (!p->copy) {
        p->copy = arena_alloc(p->a, p->len + 1);
        if (!p->copy) {
            fail_nomem(p);
            return false;
        }
        memcpy(p->copy, p->text, p->len);
    }
    size_t at = (size_t)(s - p->text);
    p->copy[at + len] = '\0';
    out->ptr = p->copy + at;
    out->len = len;
    return true;
}

/* Prometheus's parser.number(): ParseInt(s, 0, 64), else ParseFloat. */
static bool parse_number_token(parser *p, const token *t, double *out)
{
    const char *s = p->text + t->start;
    size_t n = t->end - t->start;
    int rc = text_parse_promql_number(out, s, n);
    if (rc == TEXT_OK) return true;
    fail_quoted(p, t->start,
                rc == TEXT_RANGE
                    ? "error parsing number: strconv.ParseFloat: parsing %s: value out of range"
                    : "error parsing number: strconv.ParseFloat: parsing %s: invalid syntax",
                s, n);
    return false;
}

/* Go's int64(f) on amd64: out-of-range values and NaN become INT64_MIN. */
static int64_t go_float_to_int64(double f)
{
    if (isnan(f) || f >= 9223372036854775808.0 || f < -9223372036854775808.0) return INT64_MIN;
    return (int64_t)f;
}

/* ---- durations ---- */

int promql_duration_parse(int64_t *out, const char *s, size_t len, char *errbuf, size_t errsize)
{
    int rc = text_parse_duration(out, s, len, NULL);
    if (rc == TEXT_OK) return 0;
    if (errbuf) {
        if (len == 0) {
            snprintf(errbuf, errsize, "empty duration string");
        } else if (rc == TEXT_RANGE) {
            snprintf(errbuf, errsize, "duration out of range");
        } else {
            char q[96];
            go_quote(q, sizeof(q), s, len);
            snprintf(errbuf, errsize, "not a valid duration string: %s", q);
        }
    }
    return SLOEVAL_EPARSE;
}

size_t promql_duration_format(char *buf, size_t size, int64_t ms)
{
    return text_format_duration(buf, size, ms);
}

/* A DURATION token as 2.x reads it: milliseconds, > 0. */
static bool parse_duration_token_v2(parser *p, const token *t, int64_t *ms)
{
    if (promql_duration_parse(ms, p->text + t->start, t->end - t->start, NULL, 0) != 0) {
        fail_duration(p, t);
        return false;
    }
    if (*ms == 0) {
        fail_at(p, t->start, "duration must be greater than 0");
        return false;
    }
    return true;
}

/* A DURATION token as 3.x reads it: seconds (time.Duration.Seconds()). */
static bool parse_duration_token_v3(parser *p, const token *t, double *seconds)
{
    int64_t ms;
    if (promql_duration_parse(&ms, p->text + t->start, t->end - t->start, NULL, 0) != 0) {
        fail_duration(p, t);
        return false;
    }
    *seconds = (double)(ms / 1000) + (double)((ms % 1000) * 1000000) / 1e9;
    return true;
}

/* 3.x: a number or duration literal token as seconds. */
static bool parse_number_duration_v3(parser *p, const token *t, double *v)
{
    if (t->type == T_DURATION) return parse_duration_token_v3(p, t, v);
    return parse_number_token(p, t, v);
}

/* 3.x: seconds as Prometheus turns them into a time.Duration, then ms. */
static int64_t seconds_to_ms_v3(double seconds)
{
    int64_t ns = go_float_to_int64(round(seconds * 1e9));
    return ns / 1000000;
}

static bool duration_literal_out_of_range(double v)
{
    return v > 9223372036.854775808 || v < -9223372036.854775808;
}

/* ---- strings ---- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* Prometheus's strutil.Unquote of a STRING token (already checked by the
 * lexer), into an arena copy. */
static bool unquote(parser *p, const token *t, ast_str *out)
{
    const char *s = p->text + t->start + 1;
    size_t n = t->end - t->start - 2;
    char quote = p->text[t->start];
    if (quote == '`' || !memchr(s, '\\', n)) return str_dup(p, out, s, n);
    char *o = arena_alloc(p->a, n + 1);
    if (!o) {
        fail_nomem(p);
        return false;
    }
    size_t k = 0;
    for (size_t i = 0; i < n;) {
        if (s[i] != '\\') {
            o[k++] = s[i++];
            continue;
        }
        char c = s[i + 1];
        i += 2;
        switch (c) {
        case 'a': o[k++] = '\a'; break;
        case 'b': o[k++] = '\b'; break;
        case 'f': o[k++] = '\f'; break;
        case 'n': o[k++] = '\n'; break;
        case 'r': o[k++] = '\r'; break;
        case 't': o[k++] = '\t'; break;
        case 'v': o[k++] = '\v'; break;
        case 'x':
            o[k++] = (char)(hexval(s[i]) * 16 + hexval(s[i + 1]));
            i += 2;
            break;
        case 'u':
        case 'U': {
            int digits = c == 'u' ? 4 : 8;
            unsigned long r = 0;
            for (int d = 0; d < digits; d++)
                r = r * 16 + (unsigned long)hexval(s[i + d]);
            i += (size_t)digits;
            if (r >= 0xD800 && r < 0xE000) r = 0xFFFD; /* as Go writes a surrogate */
            k += utf8_encode(o + k, (uint32_t)r);
            break;
        }
        default:
            if (c >= '0' && c <= '7') {
                int v = (c - '0') * 64 + (s[i] - '0') * 8 + (s[i + 1] - '0');
                o[k++] = (char)v;
                i += 2;
            } else {
                o[k++] = c; /* \\ and the quote */
            }
            break;
        }
    }
    o[k] = '\0';
    out->ptr = o;
    out->len = k;
    return true;
}

/* ---- labels ---- */

/* Tokens that may name a label in by (...), on (...) and the like. */
static bool maybe_label(parser *p, tok_type t)
{
    switch (t) {
    case T_AVG:
    case T_BOOL:
    case T_BOTTOMK:
    case T_BY:
    case T_COUNT:
    case T_COUNT_VALUES:
    case T_GROUP:
    case T_GROUP_LEFT:
    case T_GROUP_RIGHT:
    case T_IDENTIFIER:
    case T_IGNORING:
    case T_LAND:
    case T_LOR:
    case T_LUNLESS:
    case T_MAX:
    case T_METRIC_IDENTIFIER:
    case T_MIN:
    case T_OFFSET:
    case T_ON:
    case T_QUANTILE:
    case T_STDDEV:
    case T_STDVAR:
    case T_SUM:
    case T_TOPK:
    case T_START:
    case T_END:
    case T_ATAN2: return true;
    case T_FILL:
    case T_FILL_LEFT:
    case T_FILL_RIGHT:
    case T_LIMITK:
    case T_LIMIT_RATIO:
    case T_STEP:
    case T_RANGE:
    case T_ANCHORED:
    case T_SMOOTHED:
    case T_MAX_OF:
    case T_MIN_OF: return p->v3;
    default: return false;
    }
}

/* Tokens that may start a vector selector as its metric name. */
static bool metric_identifier(parser *p, tok_type t)
{
    switch (t) {
    case T_AVG:
    case T_BOTTOMK:
    case T_BY:
    case T_COUNT:
    case T_COUNT_VALUES:
    case T_GROUP:
    case T_IDENTIFIER:
    case T_LAND:
    case T_LOR:
    case T_LUNLESS:
    case T_MAX:
    case T_METRIC_IDENTIFIER:
    case T_MIN:
    case T_OFFSET:
    case T_QUANTILE:
    case T_STDDEV:
    case T_STDVAR:
    case T_SUM:
    case T_TOPK:
    case T_WITHOUT:
    case T_START:
    case T_END: return true;
    case T_FILL:
    case T_FILL_LEFT:
    case T_FILL_RIGHT:
    case T_LIMITK:
    case T_LIMIT_RATIO:
    case T_STEP:
    case T_RANGE:
    case T_ANCHORED:
    case T_SMOOTHED:
    case T_MAX_OF:
    case T_MIN_OF: return p->v3;
    default: return false;
    }
}

/* Tokens that can begin an expression. */
static bool can_start_expr(parser *p, tok_type t)
{
    switch (t) {
    case T_NUMBER:
    case T_STRING:
    case T_LEFT_PAREN:
    case T_LEFT_BRACE:
    case T_ADD:
    case T_SUB: return true;
    case T_DURATION: return p->v3;
    default: break;
    }
    if (tok_is_aggregator(t)) return p->v3 || (t != T_LIMITK && t != T_LIMIT_RATIO);
    return metric_identifier(p, t);
}

/* A list of labels being built in the arena. */
typedef struct label_list {
    ast_str *items;
    size_t n;
    size_t cap;
} label_list;

static bool list_push(parser *p, label_list *l, ast_str s)
{
    if (arena_grow(p->a, (void **)&l->items, &l->cap, l->n + 1, sizeof(ast_str)) != 0) {
        fail_nomem(p);
        return false;
    }
    l->items[l->n++] = s;
    return true;
}

/* "(" label, ... ")" after by, without, on, ignoring, group_left, group_right. */
static bool parse_grouping_labels(parser *p, ast_str **out, size_t *nout)
{
    label_list l = {NULL, 0, 0};
    if (p->tok.type != T_LEFT_PAREN) {
        unexpected(p, "grouping opts", "\"(\"");
        return false;
    }
    advance(p);
    if (p->tok.type == T_RIGHT_PAREN) {
        advance(p);
        *out = NULL;
        *nout = 0;
        return true;
    }
    for (;;) {
        ast_str s;
        if (maybe_label(p, p->tok.type)) {
            const char *v = p->text + p->tok.start;
            size_t n = p->tok.end - p->tok.start;
            if (!p->v3 && !label_name_is_legacy((strv){v, n})) {
                unexpected(p, "grouping opts", "label");
                return false;
            }
            if (!str_dup(p, &s, v, n)) return false;
            advance(p);
        } else if (p->v3 && p->tok.type == T_STRING) {
            token t = p->tok;
            if (!unquote(p, &t, &s)) return false;
            if (s.len == 0 || !utf8_valid(s.ptr, s.len)) {
                fail_quoted(p, t.start, "invalid label name for grouping: %s", s.ptr, s.len);
                return false;
            }
            advance(p);
        } else {
            unexpected(p, "grouping opts", "label");
            return false;
        }
        if (!list_push(p, &l, s)) return false;
        if (p->tok.type == T_COMMA) {
            advance(p);
            if (p->tok.type == T_RIGHT_PAREN) break;
            continue;
        }
        if (p->tok.type == T_RIGHT_PAREN) break;
        unexpected(p, "grouping opts", "\",\" or \")\"");
        return false;
    }
    advance(p);
    *out = l.items;
    *nout = l.n;
    return true;
}

/* ---- expressions ---- */

static ast_node *parse_expr(parser *p, int min_prec);

static bool token_binary_op(tok_type t, binary_op *op)
{
    switch (t) {
    case T_LOR: *op = BIN_OR; return true;
    case T_LAND: *op = BIN_AND; return true;
    case T_LUNLESS: *op = BIN_UNLESS; return true;
    case T_EQLC: *op = BIN_EQL; return true;
    case T_NEQ: *op = BIN_NEQ; return true;
    case T_LTE: *op = BIN_LTE; return true;
    case T_LSS: *op = BIN_LSS; return true;
    case T_GTE: *op = BIN_GTE; return true;
    case T_GTR: *op = BIN_GTR; return true;
    case T_ADD: *op = BIN_ADD; return true;
    case T_SUB: *op = BIN_SUB; return true;
    case T_MUL: *op = BIN_MUL; return true;
    case T_DIV: *op = BIN_DIV; return true;
    case T_MOD: *op = BIN_MOD; return true;
    case T_ATAN2: *op = BIN_ATAN2; return true;
    case T_POW: *op = BIN_POW; return true;
    case T_TRIM_UPPER: *op = BIN_TRIM_UPPER; return true;
    case T_TRIM_LOWER: *op = BIN_TRIM_LOWER; return true;
    default: return false;
    }
}

static ast_node *number_node(parser *p, const token *t)
{
    double v;
    bool duration = false;
    if (t->type == T_DURATION) {
        if (!parse_duration_token_v3(p, t, &v)) return NULL;
        duration = true;
    } else if (!parse_number_token(p, t, &v)) {
        return NULL;
    }
    ast_node *n = new_node(p, AST_NUMBER, t->start, t->end);
    if (!n) return NULL;
    n->u.number.value = v;
    n->u.number.duration = duration;
    return n;
}

/* A regex matcher's pattern must compile (kept out of make_matcher's frame). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static bool
check_regex(parser *p, ast_str value, size_t name_pos)
{
    char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
    bool empty = false;
    int rc = matcher_regex_check(value, p->compat, &empty, msg, sizeof(msg));
    if (rc == SLOEVAL_ENOMEM) {
        fail_nomem(p);
        return false;
    }
    if (rc != 0) {
        fail_at(p, name_pos, "%s", msg);
        return false;
    }
    return true;
}

/* Build a label matcher (Prometheus's labels.NewMatcher checks). */
static bool make_matcher(parser *p, label_matcher *m, match_type type, ast_str name,
                         const token *val, size_t name_pos)
{
    ast_str value;
    if (!unquote(p, val, &value)) return false;
    m->type = type;
    m->name = name;
    m->value = value;
    if (type == MATCH_REGEX || type == MATCH_NOT_REGEX) return check_regex(p, value, name_pos);
    return true;
}

/* Whether a matcher accepts the empty label value (checked regexes only). */
static bool matcher_matches_empty(parser *p, const label_matcher *m)
{
    switch (m->type) {
    case MATCH_EQUAL: return m->value.len == 0;
    case MATCH_NOT_EQUAL: return m->value.len != 0;
    default: {
        char msg[SLOEVAL_ERROR_MESSAGE_SIZE];
        bool empty = false;
        if (matcher_regex_check(m->value, p->compat, &empty, msg, sizeof(msg)) != 0) return false;
        return m->type == MATCH_REGEX ? empty : !empty;
    }
    }
}

/* Lists are built in a small buffer on the stack and copied once, at their
 * final size, into the arena. */
#define LIST_INLINE 8

typedef struct matcher_list {
    label_matcher *items;
    size_t n;
    size_t cap;
    label_matcher inline_items[LIST_INLINE];
} matcher_list;

static label_matcher *matcher_push(parser *p, matcher_list *l)
{
    if (!l->items) {
        l->items = l->inline_items;
        l->cap = LIST_INLINE;
    }
    if (l->n == l->cap) {
        label_matcher *bigger = ARENA_NEW_ARRAY(p->a, label_matcher, l->cap * 2);
        if (!bigger) {
            fail_nomem(p);
            return NULL;
        }
        memcpy(bigger, l->items, l->n * sizeof(*bigger));
        l->items = bigger;
        l->cap *= 2;
    }
    label_matcher *m = &l->items[l->n++];
    memset(m, 0, sizeof(*m));
    return m;
}

/* The list's items in the arena (NULL when empty). */
static label_matcher *matcher_list_finish(parser *p, matcher_list *l)
{
    if (l->n == 0 || l->items != l->inline_items) return l->n ? l->items : NULL;
    label_matcher *m = arena_memdup(p->a, l->items, l->n * sizeof(*m));
    if (!m) fail_nomem(p);
    return m;
}

static bool match_op(tok_type t, match_type *out)
{
    switch (t) {
    case T_EQL: *out = MATCH_EQUAL; return true;
    case T_NEQ: *out = MATCH_NOT_EQUAL; return true;
    case T_EQL_REGEX: *out = MATCH_REGEX; return true;
    case T_NEQ_REGEX: *out = MATCH_NOT_REGEX; return true;
    default: return false;
    }
}

/* "{" matcher, ... "}" (the current token is "{"). */
static bool parse_label_matchers(parser *p, matcher_list *l)
{
    advance(p);
    if (p->tok.type == T_RIGHT_BRACE) {
        advance(p);
        return true;
    }
    for (;;) {
        match_type mt;
        if (p->tok.type == T_IDENTIFIER) {
            size_t name_pos = p->tok.start;
            ast_str name;
            if (!str_dup(p, &name, p->text + p->tok.start, p->tok.end - p->tok.start)) return false;
            advance(p);
            if (!match_op(p->tok.type, &mt)) {
                unexpected(p, "label matching", "label matching operator");
                return false;
            }
            advance(p);
            if (p->tok.type != T_STRING) {
                unexpected(p, "label matching", "string");
                return false;
            }
            label_matcher *m = matcher_push(p, l);
            if (!m || !make_matcher(p, m, mt, name, &p->tok, name_pos)) return false;
            advance(p);
        } else if (p->v3 && p->tok.type == T_STRING) {
            token st = p->tok;
            ast_str name;
            if (!unquote(p, &st, &name)) return false;
            advance(p);
            label_matcher *m = matcher_push(p, l);
            if (!m) return false;
            if (match_op(p->tok.type, &mt)) {
                advance(p);
                if (p->tok.type != T_STRING) {
                    unexpected(p, "label matching", "string");
                    return false;
                }
                if (!make_matcher(p, m, mt, name, &p->tok, st.start)) return false;
                advance(p);
            } else {
                /* {"metric.name"}: the metric name inside the braces. */
                m->type = MATCH_EQUAL;
                m->name = (ast_str){"__name__", 8};
                m->value = name;
            }
        } else {
            unexpected(p, "label matching", "identifier or \"}\"");
            return false;
        }
        if (p->tok.type == T_COMMA) {
            advance(p);
            if (p->tok.type == T_RIGHT_BRACE) break;
            continue;
        }
        if (p->tok.type == T_RIGHT_BRACE) break;
        unexpected(p, "label matching", "\",\" or \"}\"");
        return false;
    }
    advance(p);
    return true;
}

/* A vector selector: [metric name] ["{" matchers "}"]. */
static ast_node *parse_vector_selector(parser *p)
{
    size_t start = p->tok.start;
    ast_str name = {NULL, 0};
    matcher_list l;
    l.items = NULL;
    l.n = l.cap = 0;
    if (p->tok.type != T_LEFT_BRACE) {
        if (!str_dup(p, &name, p->text + p->tok.start, p->tok.end - p->tok.start)) return NULL;
        advance(p);
    }
    if (p->tok.type == T_LEFT_BRACE && !parse_label_matchers(p, &l)) return NULL;
    if (name.ptr) {
        label_matcher *m = matcher_push(p, &l);
        if (!m) return NULL;
        m->type = MATCH_EQUAL;
        m->name = (ast_str){"__name__", 8};
        m->value = name;
    }
    label_matcher *items = matcher_list_finish(p, &l);
    if (p->failed) return NULL;
    ast_node *n = new_node(p, AST_VECTOR_SELECTOR, start, p->prev_end);
    if (!n) return NULL;
    n->u.vector_selector.name = name.ptr ? name : (ast_str){"", 0};
    n->u.vector_selector.matchers = items;
    n->u.vector_selector.nmatchers = l.n;
    return n;
}

typedef struct node_list {
    ast_node **items;
    size_t n;
    size_t cap;
    ast_node *inline_items[LIST_INLINE];
} node_list;

static bool node_push(parser *p, node_list *l, ast_node *e)
{
    if (!l->items) {
        l->items = l->inline_items;
        l->cap = LIST_INLINE;
    }
    if (l->n == l->cap) {
        ast_node **bigger = ARENA_NEW_ARRAY(p->a, ast_node *, l->cap * 2);
        if (!bigger) {
            fail_nomem(p);
            return false;
        }
        memcpy(bigger, l->items, l->n * sizeof(*bigger));
        l->items = bigger;
        l->cap *= 2;
    }
    l->items[l->n++] = e;
    return true;
}

/* The list's items in the arena (NULL when empty). */
static ast_node **node_list_finish(parser *p, node_list *l)
{
    if (l->n == 0 || l->items != l->inline_items) return l->n ? l->items : NULL;
    ast_node **items = arena_memdup(p->a, l->items, l->n * sizeof(*items));
    if (!items) fail_nomem(p);
    return items;
}

/* "(" [expr ("," expr)*] ")" (the current token is "("). */
static bool parse_call_body(parser *p, node_list *args)
{
    args->items = NULL;
    args->n = args->cap = 0;
    advance(p);
    if (p->tok.type == T_RIGHT_PAREN) {
        advance(p);
        return true;
    }
    for (;;) {
        ast_node *e = parse_expr(p, 0);
        if (!e) return false;
        if (!node_push(p, args, e)) return false;
        if (p->tok.type == T_COMMA) {
            size_t comma = p->tok.start;
            advance(p);
            /* Prometheus reduces a comma that no expression follows as a
             * trailing comma before it looks at what comes instead. */
            if (p->tok.type != T_ERROR && !can_start_expr(p, p->tok.type)) {
                fail_at(p, comma, "trailing commas not allowed in function call args");
                return false;
            }
            continue;
        }
        if (p->tok.type == T_RIGHT_PAREN) break;
        unexpected_here(p);
        return false;
    }
    advance(p);
    return true;
}

static ast_node *parse_call(parser *p)
{
    token name = p->tok;
    node_list args;
    advance(p);
    if (!parse_call_body(p, &args)) return NULL;
    const char *s = p->text + name.start;
    size_t len = name.end - name.start;
    const function_def *f = p->last_fn;
    if (!f || strncmp(f->name, s, len) != 0 || f->name[len] != '\0') {
        f = function_lookup(s, len, p->compat);
        if (f) p->last_fn = f;
    }
    if (!f) {
        fail_quoted(p, name.start, "unknown function with name %s", s, len);
        return NULL;
    }
    if (f->experimental && !p->experimental) {
        fail_quoted(p, name.start, "function %s is not enabled", s, len);
        return NULL;
    }
    ast_node *n = new_node(p, AST_CALL, name.start, p->prev_end);
    if (!n) return NULL;
    n->u.call.func = f;
    n->u.call.args = node_list_finish(p, &args);
    n->u.call.nargs = args.n;
    if (p->failed) return NULL;
    for (size_t i = 0; i < args.n; i++)
        if (!add_depth(p, n, args.items[i])) return NULL;
    return n;
}

static agg_op token_agg_op(tok_type t)
{
    switch (t) {
    case T_SUM: return AGG_SUM;
    case T_AVG: return AGG_AVG;
    case T_COUNT: return AGG_COUNT;
    case T_MIN: return AGG_MIN;
    case T_MAX: return AGG_MAX;
    case T_GROUP: return AGG_GROUP;
    case T_STDDEV: return AGG_STDDEV;
    case T_STDVAR: return AGG_STDVAR;
    case T_TOPK: return AGG_TOPK;
    case T_BOTTOMK: return AGG_BOTTOMK;
    case T_COUNT_VALUES: return AGG_COUNT_VALUES;
    case T_QUANTILE: return AGG_QUANTILE;
    case T_LIMITK: return AGG_LIMITK;
    default: return AGG_LIMIT_RATIO;
    }
}

static bool parse_agg_modifier(parser *p, ast_node *n)
{
    n->u.aggregate.without = p->tok.type == T_WITHOUT;
    n->u.aggregate.grouping_given = true;
    advance(p);
    return parse_grouping_labels(p, &n->u.aggregate.grouping, &n->u.aggregate.ngrouping);
}

static ast_node *parse_aggregate(parser *p)
{
    token op = p->tok;
    ast_node *n = new_node(p, AST_AGGREGATE, op.start, op.end);
    if (!n) return NULL;
    n->u.aggregate.op = token_agg_op(op.type);
    advance(p);
    p->in_aggregate++;
    bool modifier_first = false;
    if (p->tok.type == T_BY || p->tok.type == T_WITHOUT) {
        if (!parse_agg_modifier(p, n)) return NULL;
        modifier_first = true;
    }
    if (p->tok.type != T_LEFT_PAREN) {
        unexpected_here(p);
        return NULL;
    }
    node_list args;
    if (!parse_call_body(p, &args)) return NULL;
    if (!modifier_first) {
        /* Prometheus reads the next token to look for by/without before it
         * checks the arguments: a lexer error there comes first. */
        if (p->tok.type == T_ERROR) {
            unexpected(p, "", "");
            return NULL;
        }
        if ((p->tok.type == T_BY || p->tok.type == T_WITHOUT) && !parse_agg_modifier(p, n))
            return NULL;
    }
    p->in_aggregate--;
    n->pos.end = p->prev_end;
    if (args.n == 0) {
        fail_at(p, op.start, "no arguments for aggregate expression provided");
        return NULL;
    }
    agg_op aop = n->u.aggregate.op;
    size_t want = 1;
    if (agg_op_has_param(aop)) {
        if ((aop == AGG_LIMITK || aop == AGG_LIMIT_RATIO) && !p->experimental) {
            fail_at(p, op.start,
                    "%s() is experimental and must be enabled with "
                    "--enable-feature=promql-experimental-functions",
                    agg_op_name(aop));
            return NULL;
        }
        want = 2;
        n->u.aggregate.param = args.items[0];
    }
    if (args.n != want) {
        fail_at(
            p, op.start,
            "wrong number of arguments for aggregate expression provided, expected %zu, got %zu",
            want, args.n);
        return NULL;
    }
    n->u.aggregate.expr = args.items[want - 1];
    for (size_t i = 0; i < args.n; i++)
        if (!add_depth(p, n, args.items[i])) return NULL;
    return n;
}

static ast_node *parse_paren(parser *p)
{
    size_t start = p->tok.start;
    advance(p);
    ast_node *e = parse_expr(p, 0);
    if (!e) return NULL;
    if (p->tok.type != T_RIGHT_PAREN) {
        unexpected_here(p);
        return NULL;
    }
    advance(p);
    ast_node *n = new_node(p, AST_PAREN, start, p->prev_end);
    if (!n) return NULL;
    n->u.paren.expr = e;
    return add_depth(p, n, e) ? n : NULL;
}

static ast_node *parse_primary(parser *p)
{
    tok_type t = p->tok.type;
    switch (t) {
    case T_NUMBER: {
        token tk = p->tok;
        ast_node *n = number_node(p, &tk);
        if (n) advance(p);
        return n;
    }
    case T_DURATION:
        if (p->v3) {
            token tk = p->tok;
            ast_node *n = number_node(p, &tk);
            if (n) advance(p);
            return n;
        }
        break;
    case T_STRING: {
        token tk = p->tok;
        ast_node *n = new_node(p, AST_STRING, tk.start, tk.end);
        if (!n || !unquote(p, &tk, &n->u.string.value)) return NULL;
        advance(p);
        return n;
    }
    case T_LEFT_PAREN: return parse_paren(p);
    case T_LEFT_BRACE: return parse_vector_selector(p);
    case T_IDENTIFIER:
        if (peek_type(p) == T_LEFT_PAREN) return parse_call(p);
        return parse_vector_selector(p);
    default: break;
    }
    if (tok_is_aggregator(t) && (p->v3 || (t != T_LIMITK && t != T_LIMIT_RATIO))) {
        tok_type next = peek_type(p);
        if (next == T_LEFT_PAREN || next == T_BY || next == T_WITHOUT) return parse_aggregate(p);
        return parse_vector_selector(p);
    }
    if (p->v3 && (t == T_START || t == T_END || t == T_STEP || t == T_RANGE || t == T_MAX_OF ||
                  t == T_MIN_OF)) {
        if (peek_type(p) == T_LEFT_PAREN) return parse_call(p);
    }
    if (metric_identifier(p, t)) return parse_vector_selector(p);
    unexpected_here(p);
    return NULL;
}

/* ---- postfix modifiers: [range], [range:step], offset, @ ---- */

static bool offset_is_set(const ast_node *e)
{
    if (e->kind == AST_VECTOR_SELECTOR) return e->u.vector_selector.offset_ms != 0;
    if (e->kind == AST_MATRIX_SELECTOR)
        return e->u.matrix_selector.vector_selector->u.vector_selector.offset_ms != 0;
    return e->u.subquery.offset_ms != 0;
}

static bool add_offset(parser *p, ast_node *e, int64_t ms)
{
    if (e->kind != AST_VECTOR_SELECTOR && e->kind != AST_MATRIX_SELECTOR &&
        e->kind != AST_SUBQUERY) {
        fail_at(p, e->pos.start,
                "offset modifier must be preceded by an instant vector selector or range vector "
                "selector or a subquery");
        return false;
    }
    if (offset_is_set(e)) {
        fail_at(p, e->pos.start, "offset may not be set multiple times");
        return false;
    }
    if (e->kind == AST_VECTOR_SELECTOR)
        e->u.vector_selector.offset_ms = ms;
    else if (e->kind == AST_MATRIX_SELECTOR)
        e->u.matrix_selector.vector_selector->u.vector_selector.offset_ms = ms;
    else
        e->u.subquery.offset_ms = ms;
    e->pos.end = p->prev_end;
    return true;
}

/* 3.x: binary operators that would continue a duration expression. */
static bool duration_arith_op(tok_type t)
{
    return t == T_ADD || t == T_SUB || t == T_MUL || t == T_DIV || t == T_MOD || t == T_POW;
}

static bool experimental_duration(parser *p, size_t pos)
{
    fail_at(p, pos, "experimental duration expression is not enabled");
    return false;
}

/*
 * 3.x: a duration inside brackets: any number of signs and a number or
 * duration literal. Everything else (arithmetic, step(), range(), min_of,
 * max_of, parentheses) is an experimental duration expression.
 */
static bool parse_bracket_duration_v3(parser *p, int64_t *ms, const char *context,
                                      const char *expected)
{
    /* The usual case, a duration literal of whole seconds up to 2^53 ns
     * (about 104 days) without a sign: the general path below goes through
     * seconds as a double and comes back to exactly these milliseconds. */
    if (p->tok.type == T_DURATION) {
        int64_t d;
        size_t lit = p->tok.start;
        if (promql_duration_parse(&d, p->text + lit, p->tok.end - lit, NULL, 0) == 0 && d > 0 &&
            d % 1000 == 0 && d / 1000 <= 9007199) {
            advance(p);
            if (duration_arith_op(p->tok.type)) return experimental_duration(p, lit);
            *ms = d;
            return true;
        }
    }
    double sign = 1;
    size_t start = p->tok.start;
    int signs = 0;
    while (p->tok.type == T_ADD || p->tok.type == T_SUB) {
        if (p->tok.type == T_SUB) sign = -sign;
        signs++;
        advance(p);
    }
    tok_type t = p->tok.type;
    if (t == T_STEP || t == T_RANGE || t == T_MAX_OF || t == T_MIN_OF || t == T_LEFT_PAREN)
        return experimental_duration(p, p->tok.start);
    if (t != T_NUMBER && t != T_DURATION) {
        if (signs > 0) {
            unexpected_here(p);
            return false;
        }
        unexpected(p, context, expected);
        return false;
    }
    token lit = p->tok;
    double v;
    if (!parse_number_duration_v3(p, &lit, &v)) return false;
    advance(p);
    if (duration_literal_out_of_range(v)) {
        fail_at(p, lit.start, "duration out of range");
        return false;
    }
    if (duration_arith_op(p->tok.type)) return experimental_duration(p, start);
    v *= sign;
    if (duration_literal_out_of_range(v)) {
        fail_at(p, start, "duration out of range");
        return false;
    }
    if (v <= 0) {
        fail_at(p, start, "duration must be greater than 0");
        return false;
    }
    *ms = seconds_to_ms_v3(v);
    return true;
}

static ast_node *parse_bracket(parser *p, ast_node *e)
{
    size_t lb = p->tok.start;
    int64_t range = 0, step = 0;
    advance(p);
    if (p->v3) {
        if (!parse_bracket_duration_v3(p, &range, "subquery or range selector",
                                       "number, duration, step(), or range()"))
            return NULL;
    } else {
        if (p->tok.type != T_DURATION) {
            unexpected(p, "subquery selector", "duration");
            return NULL;
        }
        token d = p->tok;
        if (!parse_duration_token_v2(p, &d, &range)) return NULL;
        advance(p);
    }
    if (p->tok.type == T_RIGHT_BRACKET) {
        advance(p);
        const char *msg = NULL;
        if (e->kind != AST_VECTOR_SELECTOR)
            msg = "ranges only allowed for vector selectors";
        else if (e->u.vector_selector.offset_ms != 0)
            msg = "no offset modifiers allowed before range";
        else if (e->u.vector_selector.at == AT_TIMESTAMP ||
                 (p->v3 && e->u.vector_selector.at != AT_NONE))
            msg = "no @ modifiers allowed before range";
        if (msg) {
            fail_at(p, lb, "%s", msg);
            return NULL;
        }
        ast_node *n = new_node(p, AST_MATRIX_SELECTOR, e->pos.start, p->prev_end);
        if (!n) return NULL;
        n->u.matrix_selector.vector_selector = e;
        n->u.matrix_selector.range_ms = range;
        return add_depth(p, n, e) ? n : NULL;
    }
    if (p->tok.type != T_COLON) {
        unexpected(p, "subquery or range", "\":\" or \"]\"");
        return NULL;
    }
    advance(p);
    if (p->tok.type != T_RIGHT_BRACKET) {
        if (p->v3) {
            if (!parse_bracket_duration_v3(p, &step, "subquery selector",
                                           "number, duration, step(), range(), or \"]\""))
                return NULL;
        } else {
            if (p->tok.type != T_DURATION) {
                unexpected(p, "subquery selector", "duration or \"]\"");
                return NULL;
            }
            token d = p->tok;
            if (!parse_duration_token_v2(p, &d, &step)) return NULL;
            advance(p);
        }
        if (p->tok.type != T_RIGHT_BRACKET) {
            unexpected(p, "subquery selector", "\"]\"");
            return NULL;
        }
    }
    advance(p);
    ast_node *n = new_node(p, AST_SUBQUERY, e->pos.start, p->prev_end);
    if (!n) return NULL;
    n->u.subquery.expr = e;
    n->u.subquery.range_ms = range;
    n->u.subquery.step_ms = step;
    return add_depth(p, n, e) ? n : NULL;
}

/* 3.x offset: [sign] literal, a chain of signs before a literal, or
 * sign "(" signs literal ")"; anything else is an experimental duration
 * expression. */
static bool parse_offset_v3(parser *p, int64_t *ms)
{
    static const char *const expected = "number, duration, step(), or range()";
    size_t start = p->tok.start;
    int signs = 0;
    double sign = 1;
    while (p->tok.type == T_ADD || p->tok.type == T_SUB) {
        if (p->tok.type == T_SUB) sign = -sign;
        signs++;
        advance(p);
    }
    tok_type t = p->tok.type;
    if (t == T_STEP || t == T_RANGE || t == T_MAX_OF || t == T_MIN_OF)
        return experimental_duration(p, p->tok.start);
    if (t == T_LEFT_PAREN) {
        if (signs != 1) return experimental_duration(p, p->tok.start);
        /* sign "(" duration ")" is read without the experimental switch. */
        advance(p);
        size_t inner = p->tok.start;
        double isign = 1;
        while (p->tok.type == T_ADD || p->tok.type == T_SUB) {
            if (p->tok.type == T_SUB) isign = -isign;
            advance(p);
        }
        if (p->tok.type == T_LEFT_PAREN || p->tok.type == T_STEP || p->tok.type == T_RANGE ||
            p->tok.type == T_MAX_OF || p->tok.type == T_MIN_OF)
            return experimental_duration(p, p->tok.start);
        if (p->tok.type != T_NUMBER && p->tok.type != T_DURATION) {
            unexpected(p, "offset", expected);
            return false;
        }
        token lit = p->tok;
        double v;
        if (!parse_number_duration_v3(p, &lit, &v)) return false;
        advance(p);
        if (duration_literal_out_of_range(v)) {
            fail_at(p, lit.start, "duration out of range");
            return false;
        }
        if (duration_arith_op(p->tok.type)) return experimental_duration(p, inner);
        v *= isign;
        if (duration_literal_out_of_range(v)) {
            fail_at(p, inner, "duration out of range");
            return false;
        }
        if (p->tok.type != T_RIGHT_PAREN) {
            unexpected(p, "offset", expected);
            return false;
        }
        advance(p);
        *ms = seconds_to_ms_v3(v * sign);
        return true;
    }
    if (t != T_NUMBER && t != T_DURATION) {
        unexpected(p, "offset", expected);
        return false;
    }
    token lit = p->tok;
    double v;
    if (!parse_number_duration_v3(p, &lit, &v)) return false;
    advance(p);
    if (duration_literal_out_of_range(v)) {
        fail_at(p, lit.start, "duration out of range");
        return false;
    }
    if (signs >= 2 && duration_arith_op(p->tok.type)) return experimental_duration(p, start);
    v *= sign;
    if (duration_literal_out_of_range(v)) {
        fail_at(p, start, "duration out of range");
        return false;
    }
    *ms = seconds_to_ms_v3(v);
    return true;
}

NOINLINE static ast_node *parse_offset(parser *p, ast_node *e)
{
    int64_t ms;
    advance(p);
    if (p->v3) {
        if (!parse_offset_v3(p, &ms)) return NULL;
    } else {
        bool neg = false;
        if (p->tok.type == T_SUB) {
            neg = true;
            advance(p);
        }
        if (p->tok.type != T_DURATION) {
            unexpected(p, "offset", "duration");
            return NULL;
        }
        token d = p->tok;
        if (!parse_duration_token_v2(p, &d, &ms)) return NULL;
        advance(p);
        if (neg) ms = -ms;
    }
    return add_offset(p, e, ms) ? e : NULL;
}

static bool at_kind_set(ast_node *e, at_kind **kind, int64_t **ms)
{
    if (e->kind == AST_VECTOR_SELECTOR) {
        *kind = &e->u.vector_selector.at;
        *ms = &e->u.vector_selector.at_ms;
    } else if (e->kind == AST_MATRIX_SELECTOR) {
        ast_node *vs = e->u.matrix_selector.vector_selector;
        *kind = &vs->u.vector_selector.at;
        *ms = &vs->u.vector_selector.at_ms;
    } else if (e->kind == AST_SUBQUERY) {
        *kind = &e->u.subquery.at;
        *ms = &e->u.subquery.at_ms;
    } else {
        return false;
    }
    return true;
}

/* Go's %f. */
static void format_go_f(char *buf, size_t size, double v)
{
    if (isnan(v))
        snprintf(buf, size, "NaN");
    else if (isinf(v))
        snprintf(buf, size, v > 0 ? "+Inf" : "-Inf");
    else
        text_format_float(buf, size, v, 'f', 6);
}

NOINLINE static ast_node *parse_at(parser *p, ast_node *e)
{
    advance(p);
    at_kind kind;
    double ts = 0;
    tok_type t = p->tok.type;
    if (t == T_START || t == T_END) {
        kind = t == T_START ? AT_START : AT_END;
        advance(p);
        if (p->tok.type != T_LEFT_PAREN) {
            unexpected(p, "@", "timestamp");
            return NULL;
        }
        advance(p);
        if (p->tok.type != T_RIGHT_PAREN) {
            unexpected(p, "@", "timestamp");
            return NULL;
        }
        advance(p);
    } else {
        double sign = 1;
        if (t == T_ADD || t == T_SUB) {
            if (t == T_SUB) sign = -1;
            advance(p);
        }
        token num = p->tok;
        if (num.type == T_NUMBER || (p->v3 && num.type == T_DURATION)) {
            bool ok = num.type == T_DURATION ? parse_duration_token_v3(p, &num, &ts)
                                             : parse_number_token(p, &num, &ts);
            if (!ok) return NULL;
            advance(p);
        } else {
            unexpected(p, "@", "timestamp");
            return NULL;
        }
        ts *= sign;
        kind = AT_TIMESTAMP;
        if (isinf(ts) || isnan(ts) || ts >= 9223372036854775807.0 || ts <= -9223372036854775808.0) {
            char f[400];
            format_go_f(f, sizeof(f), ts);
            fail_at(p, e->pos.start, "timestamp out of bounds for @ modifier: %s", f);
            return NULL;
        }
    }
    at_kind *k;
    int64_t *ms;
    if (!at_kind_set(e, &k, &ms)) {
        fail_at(p, e->pos.start,
                "@ modifier must be preceded by an instant vector selector or range vector "
                "selector or a subquery");
        return NULL;
    }
    if (*k != AT_NONE) {
        fail_at(p, e->pos.start, "@ <timestamp> may not be set multiple times");
        return NULL;
    }
    *k = kind;
    if (kind == AT_TIMESTAMP) *ms = go_float_to_int64(round(ts * 1000.0));
    e->pos.end = p->prev_end;
    return e;
}

static ast_node *parse_postfix(parser *p, ast_node *e)
{
    while (e) {
        switch (p->tok.type) {
        case T_LEFT_BRACKET: e = parse_bracket(p, e); break;
        case T_OFFSET: e = parse_offset(p, e); break;
        case T_AT: e = parse_at(p, e); break;
        case T_ANCHORED:
        case T_SMOOTHED:
            fail_at(p, e->pos.start, "%s modifier is experimental and not enabled",
                    p->tok.type == T_ANCHORED ? "anchored" : "smoothed");
            return NULL;
        default: return e;
        }
    }
    return NULL;
}

static ast_node *parse_unary(parser *p)
{
    tok_type t = p->tok.type;
    if (t != T_ADD && t != T_SUB) return parse_postfix(p, parse_primary(p));
    size_t start = p->tok.start;
    advance(p);
    ast_node *e = parse_expr(p, 6);
    if (!e) return NULL;
    if (e->kind == AST_NUMBER) {
        if (t == T_SUB) e->u.number.value = -e->u.number.value;
        e->pos.start = start;
        return e;
    }
    ast_node *n = new_node(p, AST_UNARY, start, e->pos.end);
    if (!n) return NULL;
    n->u.unary.op = t == T_SUB ? UNARY_MINUS : UNARY_PLUS;
    n->u.unary.expr = e;
    return add_depth(p, n, e) ? n : NULL;
}

/* 3.x fill(), fill_left(), fill_right(): "(" [sign] number ")". */
static bool parse_fill_value(parser *p)
{
    advance(p);
    if (p->tok.type != T_LEFT_PAREN) {
        unexpected_here(p);
        return false;
    }
    advance(p);
    if (p->tok.type == T_ADD || p->tok.type == T_SUB) advance(p);
    if (p->tok.type != T_NUMBER && p->tok.type != T_DURATION) {
        unexpected_here(p);
        return false;
    }
    token lit = p->tok;
    double v;
    if (!parse_number_duration_v3(p, &lit, &v)) return false;
    advance(p);
    if (p->tok.type != T_RIGHT_PAREN) {
        unexpected_here(p);
        return false;
    }
    advance(p);
    return true;
}

NOINLINE static bool parse_bin_modifiers(parser *p, bool *return_bool, vector_matching **out,
                                         bool *fill)
{
    *out = NULL;
    if (p->tok.type == T_BOOL) {
        *return_bool = true;
        advance(p);
    }
    if (p->tok.type == T_ON || p->tok.type == T_IGNORING) {
        /* Matching without on/ignoring is created by the type checker, for
         * operands that turn out to be vectors. */
        vector_matching *vm = ARENA_NEW(p->a, vector_matching);
        if (!vm) {
            fail_nomem(p);
            return false;
        }
        *out = vm;
        vm->card = CARD_ONE_TO_ONE;
        vm->on = p->tok.type == T_ON;
        vm->explicit_ = true;
        advance(p);
        if (!parse_grouping_labels(p, &vm->labels, &vm->nlabels)) return false;
        if (p->tok.type == T_GROUP_LEFT || p->tok.type == T_GROUP_RIGHT) {
            vm->card = p->tok.type == T_GROUP_LEFT ? CARD_MANY_TO_ONE : CARD_ONE_TO_MANY;
            advance(p);
            /* The labels are optional; a token that neither opens them nor
             * starts the right-hand side is a grouping error. */
            if (p->tok.type == T_LEFT_PAREN || !can_start_expr(p, p->tok.type)) {
                if (!parse_grouping_labels(p, &vm->include, &vm->ninclude)) return false;
            }
        }
    }
    if (p->v3) {
        tok_type first = p->tok.type;
        if (first == T_FILL) {
            *fill = true;
            return parse_fill_value(p);
        }
        if (first == T_FILL_LEFT || first == T_FILL_RIGHT) {
            *fill = true;
            if (!parse_fill_value(p)) return false;
            tok_type other = first == T_FILL_LEFT ? T_FILL_RIGHT : T_FILL_LEFT;
            if (p->tok.type == other) return parse_fill_value(p);
        }
    }
    return true;
}

/* parse_bin_modifiers when a modifier follows the operator (rare). */
static inline bool bin_modifiers(parser *p, bool *return_bool, vector_matching **out, bool *fill)
{
    tok_type t = p->tok.type;
    if (t != T_BOOL && t != T_ON && t != T_IGNORING && t != T_FILL && t != T_FILL_LEFT &&
        t != T_FILL_RIGHT) {
        *out = NULL;
        return true;
    }
    return parse_bin_modifiers(p, return_bool, out, fill);
}

static ast_node *parse_expr(parser *p, int min_prec)
{
    if (++p->depth > p->max_depth) {
        fail_at(p, p->tok.start, "expression nesting exceeds the maximum depth of %u",
                p->max_depth);
        return NULL;
    }
    ast_node *lhs = parse_unary(p);
    while (lhs) {
        binary_op op;
        if (!token_binary_op(p->tok.type, &op)) break;
        int prec = binary_op_precedence(op);
        if (prec < min_prec) break;
        advance(p);
        bool return_bool = false, fill = false;
        vector_matching *vm;
        if (!bin_modifiers(p, &return_bool, &vm, &fill)) return NULL;
        ast_node *rhs = parse_expr(p, op == BIN_POW ? prec : prec + 1);
        if (!rhs) return NULL;
        if (fill) {
            fail_at(p, lhs->pos.start, "binop fill modifiers are experimental and not enabled");
            return NULL;
        }
        ast_node *n = new_node(p, AST_BINARY, lhs->pos.start, rhs->pos.end);
        if (!n) return NULL;
        n->u.binary.op = op;
        n->u.binary.lhs = lhs;
        n->u.binary.rhs = rhs;
        n->u.binary.matching = vm;
        n->u.binary.return_bool = return_bool;
        if (!add_depth(p, n, lhs) || !add_depth(p, n, rhs)) return NULL;
        lhs = n;
    }
    p->depth--;
    return lhs;
}

/* ---- type checking (Prometheus's checkAST) ---- */

static const char *value_type_raw(value_type t)
{
    switch (t) {
    case VALUE_TYPE_SCALAR: return "scalar";
    case VALUE_TYPE_VECTOR: return "vector";
    case VALUE_TYPE_MATRIX: return "matrix";
    case VALUE_TYPE_STRING: return "string";
    default: return "none";
    }
}

static value_type check(parser *p, ast_node *n, bool bypass_empty);

static void expect_type(parser *p, ast_node *n, value_type want, const char *context)
{
    value_type t = check(p, n, false);
    if (t != want)
        fail_at(p, n->pos.start, "expected type %s in %s, got %s", value_type_name(want), context,
                value_type_name(t));
}

/* Where the operator of a binary expression starts (for its errors). */
static size_t op_position(parser *p, const ast_node *n)
{
    size_t i = n->u.binary.lhs->pos.end;
    while (i < p->len &&
           (p->text[i] == ' ' || p->text[i] == '\t' || p->text[i] == '\n' || p->text[i] == '\r'))
        i++;
    return i;
}

NOINLINE static value_type check_binary(parser *p, ast_node *n)
{
    value_type lt = check(p, n->u.binary.lhs, false);
    value_type rt = check(p, n->u.binary.rhs, false);
    binary_op op = n->u.binary.op;
    vector_matching none = {CARD_ONE_TO_ONE, false, false, NULL, 0, NULL, 0};
    vector_matching *vm = n->u.binary.matching ? n->u.binary.matching : &none;
    if (n->u.binary.return_bool && !binary_op_is_comparison(op))
        fail_at(p, op_position(p, n), "bool modifier can only be used on comparison operators");
    if (binary_op_is_comparison(op) && !n->u.binary.return_bool && rt == VALUE_TYPE_SCALAR &&
        lt == VALUE_TYPE_SCALAR)
        fail_at(p, op_position(p, n), "comparisons between scalars must use BOOL modifier");
    if (binary_op_is_set(op) && vm->card == CARD_ONE_TO_ONE) vm->card = CARD_MANY_TO_MANY;
    if (vm->on) {
        for (size_t i = 0; i < vm->nlabels; i++)
            for (size_t j = 0; j < vm->ninclude; j++)
                if (strv_eq(vm->labels[i], vm->include[j])) {
                    char q[160];
                    go_quote(q, sizeof(q), vm->labels[i].ptr, vm->labels[i].len);
                    fail_at(p, op_position(p, n),
                            "label %s must not occur in ON and GROUP clause at once", q);
                }
    }
    if (lt != VALUE_TYPE_SCALAR && lt != VALUE_TYPE_VECTOR)
        fail_at(p, n->u.binary.lhs->pos.start,
                "binary expression must contain only scalar and instant vector types");
    if (rt != VALUE_TYPE_SCALAR && rt != VALUE_TYPE_VECTOR)
        fail_at(p, n->u.binary.rhs->pos.start,
                "binary expression must contain only scalar and instant vector types");
    if (lt != VALUE_TYPE_VECTOR || rt != VALUE_TYPE_VECTOR) {
        if (vm->nlabels > 0)
            fail_at(p, n->pos.start, "vector matching only allowed between instant vectors");
        n->u.binary.matching = NULL;
    } else {
        if (vm == &none) {
            /* Two vectors without on/ignoring: the default matching. */
            vm = arena_memdup(p->a, &none, sizeof(none));
            if (!vm) {
                fail_nomem(p);
                return VALUE_TYPE_VECTOR;
            }
            n->u.binary.matching = vm;
        }
        if (binary_op_is_set(op)) {
            if (vm->card == CARD_ONE_TO_MANY || vm->card == CARD_MANY_TO_ONE)
                fail_at(p, n->pos.start, "no grouping allowed for \"%s\" operation",
                        binary_op_str(op));
            if (vm->card != CARD_MANY_TO_MANY)
                fail_at(p, n->pos.start, "set operations must always be many-to-many");
        }
    }
    if ((lt == VALUE_TYPE_SCALAR || rt == VALUE_TYPE_SCALAR) && binary_op_is_set(op))
        fail_at(p, n->pos.start, "set operator \"%s\" not allowed in binary scalar expression",
                binary_op_str(op));
    return lt == VALUE_TYPE_SCALAR && rt == VALUE_TYPE_SCALAR ? VALUE_TYPE_SCALAR
                                                              : VALUE_TYPE_VECTOR;
}

NOINLINE static void check_call(parser *p, ast_node *n)
{
    const function_def *f = n->u.call.func;
    size_t nargs = f->nargs, got = n->u.call.nargs;
    char fq[96];
    /* Messages name the function quoted; built only when one is needed. */
#define FQ (go_quote(fq, sizeof(fq), f->name, strlen(f->name)), fq)
    if (f->variadic == 0) {
        if (nargs != got)
            fail_at(p, n->pos.start, "expected %zu argument(s) in call to %s, got %zu", nargs, FQ,
                    got);
    } else {
        size_t na = nargs - 1;
        if (na > got)
            fail_at(p, n->pos.start, "expected at least %zu argument(s) in call to %s, got %zu", na,
                    FQ, got);
        else if (f->variadic > 0 && na + (size_t)f->variadic < got)
            fail_at(p, n->pos.start, "expected at most %zu argument(s) in call to %s, got %zu",
                    na + (size_t)f->variadic, FQ, got);
    }
    bool bypass_second = false;
    if (f->id == FN_INFO && got > 1) {
        ast_node *a = n->u.call.args[1];
        value_type t = ast_node_type(a);
        if (t != VALUE_TYPE_VECTOR)
            fail_at(p, n->pos.start, "expected type instant vector in call to function %s, got %s",
                    FQ, value_type_name(t));
        if (a->kind == AST_VECTOR_SELECTOR && a->u.vector_selector.name.len > 0)
            fail_at(p, a->pos.start, "expected label selectors only, got vector selector instead");
        else if (a->kind == AST_VECTOR_SELECTOR)
            bypass_second = true;
        else
            fail_at(p, a->pos.start, "expected label selectors only");
    }
    for (size_t i = 0; i < got; i++) {
        size_t k = i;
        if (k >= nargs) {
            if (f->variadic == 0) break;
            k = nargs - 1;
        }
        value_type t = check(p, n->u.call.args[i], i == 1 && bypass_second);
        if (t != f->arg_types[k])
            fail_at(p, n->u.call.args[i]->pos.start,
                    "expected type %s in call to function %s, got %s",
                    value_type_name(f->arg_types[k]), FQ, value_type_name(t));
    }
#undef FQ
}

static void check_vector_selector(parser *p, ast_node *n, bool bypass_empty)
{
    const label_matcher *m = n->u.vector_selector.matchers;
    size_t nm = n->u.vector_selector.nmatchers;
    if (n->u.vector_selector.name.len > 0) {
        for (size_t i = 0; i + 1 < nm; i++) {
            if (strv_eq_cstr(m[i].name, "__name__")) {
                char q1[160], q2[160];
                go_quote(q1, sizeof(q1), n->u.vector_selector.name.ptr,
                         n->u.vector_selector.name.len);
                go_quote(q2, sizeof(q2), m[i].value.ptr, m[i].value.len);
                fail_at(p, n->pos.start, "metric name must not be set twice: %s or %s", q1, q2);
            }
        }
        return;
    }
    if (bypass_empty) return;
    for (size_t i = 0; i < nm; i++)
        if (!matcher_matches_empty(p, &m[i])) return;
    fail_at(p, n->pos.start, "vector selector must contain at least one non-empty matcher");
}

NOINLINE static value_type check_aggregate(parser *p, ast_node *n)
{
    expect_type(p, n->u.aggregate.expr, VALUE_TYPE_VECTOR, "aggregation expression");
    switch (n->u.aggregate.op) {
    case AGG_TOPK:
    case AGG_BOTTOMK:
    case AGG_QUANTILE:
    case AGG_LIMITK:
    case AGG_LIMIT_RATIO:
        expect_type(p, n->u.aggregate.param, VALUE_TYPE_SCALAR, "aggregation parameter");
        break;
    case AGG_COUNT_VALUES:
        expect_type(p, n->u.aggregate.param, VALUE_TYPE_STRING, "aggregation parameter");
        break;
    default: break;
    }
    return VALUE_TYPE_VECTOR;
}

NOINLINE static value_type check_unary(parser *p, ast_node *n)
{
    value_type t = check(p, n->u.unary.expr, false);
    if (t != VALUE_TYPE_SCALAR && t != VALUE_TYPE_VECTOR)
        fail_at(p, n->pos.start,
                "unary expression only allowed on expressions of type scalar or instant "
                "vector, got \"%s\"",
                value_type_name(t));
    return t;
}

NOINLINE static value_type check_subquery(parser *p, ast_node *n)
{
    value_type t = check(p, n->u.subquery.expr, false);
    if (t != VALUE_TYPE_VECTOR)
        fail_at(p, n->pos.start, "subquery is only allowed on instant vector, got %s instead",
                value_type_raw(t));
    return VALUE_TYPE_MATRIX;
}

/* The type of n, failing p on the first error (checkAST). The cases with
 * work of their own are functions of their own, so that this dispatch,
 * run once per node, stays small. */
static value_type check(parser *p, ast_node *n, bool bypass_empty)
{
    switch (n->kind) {
    case AST_AGGREGATE: return check_aggregate(p, n);
    case AST_BINARY: return check_binary(p, n);
    case AST_CALL: check_call(p, n); return n->u.call.func->return_type;
    case AST_PAREN: return check(p, n->u.paren.expr, false);
    case AST_UNARY: return check_unary(p, n);
    case AST_SUBQUERY: return check_subquery(p, n);
    case AST_MATRIX_SELECTOR:
        check(p, n->u.matrix_selector.vector_selector, false);
        return VALUE_TYPE_MATRIX;
    case AST_VECTOR_SELECTOR: check_vector_selector(p, n, bypass_empty); return VALUE_TYPE_VECTOR;
    case AST_NUMBER: return VALUE_TYPE_SCALAR;
    case AST_STRING: return VALUE_TYPE_STRING;
    }
    return VALUE_TYPE_NONE;
}

int promql_parse(ast_node **out, arena *a, const char *text, size_t len, const parse_options *opts,
                 sloeval_error *err)
{
    parser p;
    sloeval_error local; /* for errors when the caller passes none */
    local.code = 0;
    /* lex_init below sets up the lexer (the first member) */
    memset((char *)&p + offsetof(parser, tok), 0, sizeof(p) - offsetof(parser, tok));
    p.a = a;
    p.text = text;
    p.len = len;
    p.compat = opts && opts->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    p.v3 = p.compat == SLOEVAL_COMPAT_V3;
    p.experimental = opts && opts->experimental_functions;
    p.max_depth = opts && opts->max_depth ? opts->max_depth : PARSE_DEFAULT_MAX_DEPTH;
    p.err = err ? err : &local;
    *out = NULL;
    if (error_is_set(p.err)) p.err = &local; /* the caller's error already holds one */
    lex_init(&p.lx, text, len, p.compat);
    lex_next(&p.lx, &p.tok);
    if (p.tok.type == T_EOF) {
        fail_at(&p, 0, "no expression found in input");
        return SLOEVAL_EPARSE;
    }
    ast_node *root = parse_expr(&p, 0);
    if (root && p.tok.type != T_EOF) unexpected(&p, "", "");
    if (p.failed) return p.err->code ? p.err->code : SLOEVAL_EPARSE;
    check(&p, root, false);
    if (p.failed) return p.err->code ? p.err->code : SLOEVAL_EPARSE;
    *out = root;
    return 0;
}

int promql_parse_fallback(ast_node **out, arena *a, const char *text, size_t len,
                          const parse_options *opts, sloeval_compat *used, sloeval_error *err)
{
    parse_options po = {SLOEVAL_COMPAT_V3, false, 0};
    if (opts) po = *opts;
    if (po.compat != SLOEVAL_COMPAT_V2) po.compat = SLOEVAL_COMPAT_V3;
    if (used) *used = po.compat;
    int rc = promql_parse(out, a, text, len, &po, err);
    if (rc != SLOEVAL_EPARSE) return rc;
    sloeval_error other = SLOEVAL_ERROR_INIT;
    po.compat = po.compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V3 : SLOEVAL_COMPAT_V2;
    if (promql_parse(out, a, text, len, &po, &other) != 0) return rc;
    sloeval_error_clear(err);
    if (used) *used = po.compat;
    return 0;
}
