/*
 * The PromQL abstract syntax tree (internal). Nodes live in the arena of
 * the parse that made them; strings are NUL-terminated arena copies with an
 * explicit length (a label value may contain a NUL byte written as "\x00").
 *
 * The shape follows Prometheus's promql/parser AST, so that the engine can
 * follow engine.go closely: VectorSelector, MatrixSelector, SubqueryExpr,
 * Call, AggregateExpr, BinaryExpr (+ VectorMatching), UnaryExpr, ParenExpr,
 * NumberLiteral, StringLiteral. Every node carries its byte range.
 */
#ifndef SLOEVAL_PROMQL_AST_H
#define SLOEVAL_PROMQL_AST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/matcher.h"
#include "sloeval/common.h"
#include "util/arena.h"
#include "util/strv.h"

/* AST strings are strv whose ptr is also NUL-terminated (arena copies). */
typedef strv ast_str;

/* The types an expression can evaluate to (Prometheus's ValueType). */
typedef enum value_type {
    VALUE_TYPE_NONE = 0,
    VALUE_TYPE_SCALAR,
    VALUE_TYPE_VECTOR, /* instant vector */
    VALUE_TYPE_MATRIX, /* range vector */
    VALUE_TYPE_STRING,
} value_type;

/* "scalar", "instant vector", "range vector", "string", "none". */
const char *value_type_name(value_type t);

/* Byte range [start, end) in the parsed text. */
typedef struct pos_range {
    size_t start;
    size_t end;
} pos_range;

/* Where an `@` modifier points. */
typedef enum at_kind {
    AT_NONE = 0,
    AT_TIMESTAMP, /* @ <number>: at_ms holds the time */
    AT_START,     /* @ start() */
    AT_END,       /* @ end() */
} at_kind;

typedef enum ast_kind {
    AST_NUMBER = 1,
    AST_STRING,
    AST_VECTOR_SELECTOR,
    AST_MATRIX_SELECTOR,
    AST_SUBQUERY,
    AST_CALL,
    AST_AGGREGATE,
    AST_BINARY,
    AST_UNARY,
    AST_PAREN,
} ast_kind;

/* Aggregation operators. */
typedef enum agg_op {
    AGG_SUM = 1,
    AGG_AVG,
    AGG_COUNT,
    AGG_MIN,
    AGG_MAX,
    AGG_GROUP,
    AGG_STDDEV,
    AGG_STDVAR,
    AGG_TOPK,
    AGG_BOTTOMK,
    AGG_COUNT_VALUES,
    AGG_QUANTILE,
    AGG_LIMITK,      /* v3, experimental */
    AGG_LIMIT_RATIO, /* v3, experimental */
} agg_op;

/* "sum", "avg", ... */
const char *agg_op_name(agg_op op);
/* True for the aggregations that take a parameter (topk, quantile, ...). */
bool agg_op_has_param(agg_op op);

/* Binary operators, lowest precedence first within the comments. */
typedef enum binary_op {
    BIN_OR = 1,  /* or */
    BIN_AND,     /* and */
    BIN_UNLESS,  /* unless */
    BIN_EQL,     /* == */
    BIN_NEQ,     /* != */
    BIN_LTE,     /* <= */
    BIN_LSS,     /* < */
    BIN_GTE,     /* >= */
    BIN_GTR,     /* > */
    BIN_ADD,     /* + */
    BIN_SUB,     /* - */
    BIN_MUL,     /* * */
    BIN_DIV,     /* / */
    BIN_MOD,     /* % */
    BIN_ATAN2,   /* atan2 */
    BIN_POW,     /* ^ */
    BIN_TRIM_UPPER, /* </ (3.x, native histograms; precedence of comparisons) */
    BIN_TRIM_LOWER, /* >/ (3.x) */
} binary_op;

/* "+", "and", "==", ... */
const char *binary_op_str(binary_op op);
bool binary_op_is_comparison(binary_op op);
bool binary_op_is_set(binary_op op); /* and, or, unless */

typedef enum unary_op {
    UNARY_MINUS = 1,
    UNARY_PLUS,
} unary_op;

typedef enum match_card {
    CARD_ONE_TO_ONE = 0,
    CARD_MANY_TO_ONE, /* group_left */
    CARD_ONE_TO_MANY, /* group_right */
    CARD_MANY_TO_MANY /* set operators */
} match_card;

/*
 * Vector matching of a binary expression between two instant vectors
 * (NULL for scalar operands, as in Prometheus).
 */
typedef struct vector_matching {
    match_card card;
    bool on;         /* on (...) rather than ignoring (...) */
    bool explicit_;  /* on/ignoring was written (even with an empty list) */
    ast_str *labels; /* the on / ignoring labels */
    size_t nlabels;
    ast_str *include; /* group_left / group_right labels */
    size_t ninclude;
} vector_matching;

typedef struct function_def function_def; /* see functions.h */

typedef struct ast_node ast_node;

struct ast_node {
    ast_kind kind;
    unsigned depth; /* 1 for a leaf, else 1 + the deepest child's depth */
    pos_range pos;
    union {
        struct {
            double value;
            bool duration; /* 3.x: written as a duration (5m), value in seconds */
        } number;
        struct {
            ast_str value; /* unescaped */
        } string;
        struct {
            ast_str name; /* metric name written before '{', or empty */
            label_matcher *matchers; /* including __name__="name" when name is set */
            size_t nmatchers;
            int64_t offset_ms; /* as written; negative for `offset -5m` */
            at_kind at;
            int64_t at_ms; /* for AT_TIMESTAMP */
        } vector_selector;
        struct {
            ast_node *vector_selector; /* an AST_VECTOR_SELECTOR */
            int64_t range_ms;
        } matrix_selector;
        struct {
            ast_node *expr;
            int64_t range_ms;
            int64_t step_ms; /* 0 when omitted: the evaluation's default step */
            int64_t offset_ms;
            at_kind at;
            int64_t at_ms;
        } subquery;
        struct {
            const function_def *func;
            ast_node **args;
            size_t nargs;
        } call;
        struct {
            agg_op op;
            ast_node *expr;
            ast_node *param; /* NULL unless agg_op_has_param */
            ast_str *grouping;
            size_t ngrouping;
            bool without;
            bool grouping_given; /* by/without was written (even empty) */
        } aggregate;
        struct {
            binary_op op;
            ast_node *lhs;
            ast_node *rhs;
            vector_matching *matching; /* NULL unless both sides are vectors */
            bool return_bool;
        } binary;
        struct {
            unary_op op;
            ast_node *expr;
        } unary;
        struct {
            ast_node *expr;
        } paren;
    } u;
};

/* The type a node evaluates to (Prometheus's Expr.Type()). */
value_type ast_node_type(const ast_node *n);

/* Structural equality (positions ignored; NaN equals NaN). */
bool ast_equal(const ast_node *a, const ast_node *b);

/* "number", "string", "vector_selector", ... (the JSON "kind" names). */
const char *ast_kind_name(ast_kind k);

/* Prometheus's precedence of a binary operator: 1 (or) ... 6 (^). */
int binary_op_precedence(binary_op op);

/* The direct children of a node in source order: none for literals and
 * vector selectors; the vector selector of a matrix selector; the operand of
 * a subquery, unary or paren; a call's arguments; an aggregate's parameter
 * (when it has one) then its expression; a binary's lhs then rhs. */
size_t ast_child_count(const ast_node *n);
ast_node *ast_child(const ast_node *n, size_t i);

/* The function's name ("rate"), or NULL when n is not a call. */
const char *ast_call_name(const ast_node *n);

#endif /* SLOEVAL_PROMQL_AST_H */
