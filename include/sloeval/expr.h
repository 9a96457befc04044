/*
 * sloeval/expr.h - parsing, printing and inspecting PromQL expressions.
 *
 * sloeval reads PromQL exactly as Prometheus does: everything a server
 * accepts parses (so it can be pushed down to that server), everything it
 * rejects is an error with Prometheus's message and position. Two grammars
 * are available: Prometheus 3.x's default grammar (SLOEVAL_COMPAT_V3) and
 * Prometheus 2.42's (SLOEVAL_COMPAT_V2).
 *
 * Ownership and threads: a sloeval_expr owns all its nodes and strings;
 * sloeval_expr_free() releases everything at once. Node pointers and the
 * strings getters return are borrowed from their expression. An expression
 * may be read from several threads at once; parsing different expressions
 * in different threads is safe (there is no global state).
 */
#ifndef SLOEVAL_EXPR_H
#define SLOEVAL_EXPR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A parsed, type-checked PromQL expression (opaque). */
typedef struct sloeval_expr sloeval_expr;

/** A node of an expression's syntax tree (opaque, borrowed). */
typedef struct sloeval_node sloeval_node;

/** Current version of sloeval_parse_options (1: the fields below). */
#define SLOEVAL_PARSE_OPTIONS_VERSION 1

/** Nesting deeper than this (parentheses, operands, arguments) is a parse
 *  error unless max_depth says otherwise. */
#define SLOEVAL_PARSE_DEFAULT_MAX_DEPTH 1000

/** How to parse. Initialise with SLOEVAL_PARSE_OPTIONS_INIT. */
typedef struct sloeval_parse_options {
    unsigned int version; /**< SLOEVAL_PARSE_OPTIONS_VERSION */
    /** Grammar: SLOEVAL_COMPAT_V3 (default; AUTO means V3) or SLOEVAL_COMPAT_V2. */
    sloeval_compat compat;
    /** 3.x: accept experimental functions and the limitk / limit_ratio
     *  aggregations (Prometheus's promql-experimental-functions). Off by
     *  default, like Prometheus. */
    bool experimental_functions;
    /** Maximum nesting depth; 0 means SLOEVAL_PARSE_DEFAULT_MAX_DEPTH. */
    unsigned int max_depth;
} sloeval_parse_options;

#define SLOEVAL_PARSE_OPTIONS_INIT                                                                 \
    {                                                                                              \
        SLOEVAL_PARSE_OPTIONS_VERSION, SLOEVAL_COMPAT_V3, false, 0                                 \
    }

/**
 * Parse and type-check `len` bytes of `text` (need not be NUL-terminated;
 * the expression does not keep a reference to it). opts may be NULL for the
 * defaults. On success *out is a new expression the caller frees with
 * sloeval_expr_free(). On failure returns SLOEVAL_EPARSE (or SLOEVAL_ENOMEM,
 * SLOEVAL_EINVAL for bad arguments), *out is NULL and err (may be NULL)
 * holds Prometheus's message without the position prefix (e.g. "unclosed
 * left parenthesis"), the byte offset in start/end and the 1-based line and
 * column: print it as "<line>:<column>: parse error: <message>".
 */
SLOEVAL_EXPORT int sloeval_expr_parse(sloeval_expr **out, const char *text, size_t len,
                                      const sloeval_parse_options *opts, sloeval_error *err);

/** Release an expression and all its nodes. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_expr_free(sloeval_expr *expr);

/** The grammar the expression was parsed with (V2 or V3). */
SLOEVAL_EXPORT sloeval_compat sloeval_expr_compat(const sloeval_expr *expr);

/**
 * The canonical text of the expression, in Prometheus's printing style:
 * single spaces around operators, lowercase keywords, `sum by (a) (x)`,
 * durations as `1h30m`, numbers as the shortest text that reads back to the
 * same value, strings double-quoted with Go escapes. Parsing it again with
 * the same grammar gives the same tree; for 2.x it is accepted by
 * Prometheus 2.42. Comments and redundant spacing are dropped; matchers
 * keep their order. *out is malloc'd: the caller frees it with free().
 * Returns 0 or SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_expr_print(char **out, const sloeval_expr *expr, sloeval_error *err);

/**
 * The syntax tree as one JSON object (malloc'd, caller frees). Every node
 * is an object with:
 *   "kind":  "number" | "string" | "vector_selector" | "matrix_selector" |
 *            "subquery" | "call" | "aggregate" | "binary" | "unary" | "paren"
 *   "type":  "scalar" | "instant vector" | "range vector" | "string"
 *   "start", "end": byte offsets of the node's text, end exclusive
 * and by kind:
 *   number:          "value": a JSON number, or "NaN" / "+Inf" / "-Inf";
 *                    "duration": true when written as a duration (3.x)
 *   string:          "value": the unescaped string
 *   vector_selector: "name" (the metric name written before the braces, or
 *                    ""), "matchers": [{"name", "op": "=" | "!=" | "=~" |
 *                    "!~", "value"}] (including __name__="name" last when
 *                    the name is set), "offset_ms", "at" (below)
 *   matrix_selector: "range_ms", "selector": the vector selector (which
 *                    holds the offset and @ of the range)
 *   subquery:        "expr", "range_ms", "step_ms" (0 when omitted),
 *                    "offset_ms", "at"
 *   call:            "function", "args": [nodes]
 *   aggregate:       "op" ("sum", "topk", ...), "grouping": [labels],
 *                    "without": bool, "grouping_given": bool (by/without
 *                    written), "param": node or null, "expr": node
 *   binary:          "op" ("+", "and", "==", ...), "bool": bool,
 *                    "matching": null (a scalar operand) or {"card":
 *                    "one-to-one" | "many-to-one" | "one-to-many" |
 *                    "many-to-many", "on": bool, "labels": [...],
 *                    "include": [...]}, "lhs", "rhs"
 *   unary:           "op": "-" | "+", "expr"
 *   paren:           "expr"
 * "at" is null, "start", "end" or {"timestamp_ms": n}. Strings are UTF-8;
 * bytes that are not valid UTF-8 appear as \u00XX escapes of their value.
 * Returns 0 or SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_expr_to_json(char **out, const sloeval_expr *expr, sloeval_error *err);

/* ---- inspecting the tree ---- */

/** Node kinds (the same names as the JSON "kind"). */
typedef enum sloeval_node_kind {
    SLOEVAL_NODE_NUMBER = 1,
    SLOEVAL_NODE_STRING,
    SLOEVAL_NODE_VECTOR_SELECTOR,
    SLOEVAL_NODE_MATRIX_SELECTOR,
    SLOEVAL_NODE_SUBQUERY,
    SLOEVAL_NODE_CALL,
    SLOEVAL_NODE_AGGREGATE,
    SLOEVAL_NODE_BINARY,
    SLOEVAL_NODE_UNARY,
    SLOEVAL_NODE_PAREN,
} sloeval_node_kind;

/** Value types of expressions. */
typedef enum sloeval_value_type {
    SLOEVAL_TYPE_NONE = 0,
    SLOEVAL_TYPE_SCALAR,
    SLOEVAL_TYPE_VECTOR, /**< instant vector */
    SLOEVAL_TYPE_MATRIX, /**< range vector */
    SLOEVAL_TYPE_STRING,
} sloeval_value_type;

/** A label matcher of a selector; strings are borrowed, may contain NUL.
 *  This struct never changes (sloeval_node_matcher fills one). */
typedef struct sloeval_matcher {
    const char *name;
    size_t name_len;
    const char *op; /**< "=", "!=", "=~" or "!~" */
    const char *value;
    size_t value_len;
} sloeval_matcher;

/** The root node. */
SLOEVAL_EXPORT const sloeval_node *sloeval_expr_root(const sloeval_expr *expr);

SLOEVAL_EXPORT sloeval_node_kind sloeval_node_kind_of(const sloeval_node *node);
/** The value type the node evaluates to. */
SLOEVAL_EXPORT sloeval_value_type sloeval_node_type(const sloeval_node *node);
/** "number", "vector_selector", ... */
SLOEVAL_EXPORT const char *sloeval_node_kind_name(sloeval_node_kind kind);
/** Byte range [*start, *end) of the node in the parsed text. */
SLOEVAL_EXPORT void sloeval_node_range(const sloeval_node *node, size_t *start, size_t *end);

/** Children in source order: the selector of a matrix selector; the operand
 *  of a subquery, unary or paren; call arguments; an aggregate's parameter
 *  (if any) then its expression; a binary's left then right side. */
SLOEVAL_EXPORT size_t sloeval_node_child_count(const sloeval_node *node);
/** Child i, or NULL when out of range. */
SLOEVAL_EXPORT const sloeval_node *sloeval_node_child(const sloeval_node *node, size_t i);

/**
 * Visit `node` and its descendants depth-first, parents before children.
 * The callback returns 0 to continue, 1 to skip the node's children, or a
 * negative value to stop: sloeval_node_walk then returns that value.
 * Returns 0 when the walk completed.
 */
typedef int (*sloeval_walk_cb)(const sloeval_node *node, void *payload);
SLOEVAL_EXPORT int sloeval_node_walk(const sloeval_node *node, sloeval_walk_cb cb, void *payload);

/** A number literal's value (NaN for other kinds). */
SLOEVAL_EXPORT double sloeval_node_number(const sloeval_node *node);
/** A string literal's unescaped value and length, or NULL. */
SLOEVAL_EXPORT const char *sloeval_node_string(const sloeval_node *node, size_t *len);
/** A vector selector's metric name written before the braces ("" when
 *  none), also for a matrix selector; NULL for other kinds. */
SLOEVAL_EXPORT const char *sloeval_node_metric_name(const sloeval_node *node);
/** Number of matchers of a (vector or matrix) selector, 0 for other kinds. */
SLOEVAL_EXPORT size_t sloeval_node_matcher_count(const sloeval_node *node);
/** Matcher i of a selector into *out; 0, or SLOEVAL_EINVAL when out of range. */
SLOEVAL_EXPORT int sloeval_node_matcher(sloeval_matcher *out, const sloeval_node *node, size_t i);
/** A call's function name ("rate"), or NULL. */
SLOEVAL_EXPORT const char *sloeval_node_function(const sloeval_node *node);
/** The operator of an aggregate ("sum"), binary ("+", "and") or unary ("-")
 *  node, or NULL. */
SLOEVAL_EXPORT const char *sloeval_node_operator(const sloeval_node *node);
/** An aggregate's grouping labels: count, and label i (NULL when out of
 *  range); *without tells by (false) from without (true). */
SLOEVAL_EXPORT size_t sloeval_node_grouping_count(const sloeval_node *node, bool *without);
SLOEVAL_EXPORT const char *sloeval_node_grouping_label(const sloeval_node *node, size_t i);
/** Range of a matrix selector or subquery in ms (0 for other kinds). */
SLOEVAL_EXPORT int64_t sloeval_node_range_ms(const sloeval_node *node);
/** Step of a subquery in ms, 0 when omitted or for other kinds. */
SLOEVAL_EXPORT int64_t sloeval_node_step_ms(const sloeval_node *node);
/** Offset of a selector (also a matrix selector's) or subquery, in ms. */
SLOEVAL_EXPORT int64_t sloeval_node_offset_ms(const sloeval_node *node);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_EXPR_H */
