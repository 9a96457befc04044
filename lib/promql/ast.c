/* AST helpers: names, types, children and structural equality. */
#include "promql/ast.h"

#include <math.h>
#include <string.h>

#include "promql/functions.h"

const char *value_type_name(value_type t)
{
    switch (t) {
    case VALUE_TYPE_SCALAR: return "scalar";
    case VALUE_TYPE_VECTOR: return "instant vector";
    case VALUE_TYPE_MATRIX: return "range vector";
    case VALUE_TYPE_STRING: return "string";
    default: return "none";
    }
}

const char *agg_op_name(agg_op op)
{
    switch (op) {
    case AGG_SUM: return "sum";
    case AGG_AVG: return "avg";
    case AGG_COUNT: return "count";
    case AGG_MIN: return "min";
    case AGG_MAX: return "max";
    case AGG_GROUP: return "group";
    case AGG_STDDEV: return "stddev";
    case AGG_STDVAR: return "stdvar";
    case AGG_TOPK: return "topk";
    case AGG_BOTTOMK: return "bottomk";
    case AGG_COUNT_VALUES: return "count_values";
    case AGG_QUANTILE: return "quantile";
    case AGG_LIMITK: return "limitk";
    case AGG_LIMIT_RATIO: return "limit_ratio";
    }
    return "?";
}

bool agg_op_has_param(agg_op op)
{
    return op == AGG_TOPK || op == AGG_BOTTOMK || op == AGG_COUNT_VALUES || op == AGG_QUANTILE ||
           op == AGG_LIMITK || op == AGG_LIMIT_RATIO;
}

const char *binary_op_str(binary_op op)
{
    switch (op) {
    case BIN_OR: return "or";
    case BIN_AND: return "and";
    case BIN_UNLESS: return "unless";
    case BIN_EQL: return "==";
    case BIN_NEQ: return "!=";
    case BIN_LTE: return "<=";
    case BIN_LSS: return "<";
    case BIN_GTE: return ">=";
    case BIN_GTR: return ">";
    case BIN_ADD: return "+";
    case BIN_SUB: return "-";
    case BIN_MUL: return "*";
    case BIN_DIV: return "/";
    case BIN_MOD: return "%";
    case BIN_ATAN2: return "atan2";
    case BIN_POW: return "^";
    case BIN_TRIM_UPPER: return "</";
    case BIN_TRIM_LOWER: return ">/";
    }
    return "?";
}

bool binary_op_is_comparison(binary_op op)
{
    return op >= BIN_EQL && op <= BIN_GTR;
}

bool binary_op_is_set(binary_op op)
{
    return op == BIN_OR || op == BIN_AND || op == BIN_UNLESS;
}

int binary_op_precedence(binary_op op)
{
    switch (op) {
    case BIN_OR: return 1;
    case BIN_AND:
    case BIN_UNLESS: return 2;
    case BIN_EQL:
    case BIN_NEQ:
    case BIN_LTE:
    case BIN_LSS:
    case BIN_GTE:
    case BIN_GTR:
    case BIN_TRIM_UPPER:
    case BIN_TRIM_LOWER: return 3;
    case BIN_ADD:
    case BIN_SUB: return 4;
    case BIN_MUL:
    case BIN_DIV:
    case BIN_MOD:
    case BIN_ATAN2: return 5;
    case BIN_POW: return 6;
    }
    return 0;
}

const char *ast_kind_name(ast_kind k)
{
    switch (k) {
    case AST_NUMBER: return "number";
    case AST_STRING: return "string";
    case AST_VECTOR_SELECTOR: return "vector_selector";
    case AST_MATRIX_SELECTOR: return "matrix_selector";
    case AST_SUBQUERY: return "subquery";
    case AST_CALL: return "call";
    case AST_AGGREGATE: return "aggregate";
    case AST_BINARY: return "binary";
    case AST_UNARY: return "unary";
    case AST_PAREN: return "paren";
    }
    return "?";
}

value_type ast_node_type(const ast_node *n)
{
    /* Iterative over parens and unary operators, which pass their type on. */
    for (;;) {
        switch (n->kind) {
        case AST_NUMBER: return VALUE_TYPE_SCALAR;
        case AST_STRING: return VALUE_TYPE_STRING;
        case AST_VECTOR_SELECTOR: return VALUE_TYPE_VECTOR;
        case AST_MATRIX_SELECTOR:
        case AST_SUBQUERY: return VALUE_TYPE_MATRIX;
        case AST_CALL: return n->u.call.func ? n->u.call.func->return_type : VALUE_TYPE_NONE;
        case AST_AGGREGATE: return VALUE_TYPE_VECTOR;
        case AST_BINARY:
            return ast_node_type(n->u.binary.lhs) == VALUE_TYPE_SCALAR &&
                           ast_node_type(n->u.binary.rhs) == VALUE_TYPE_SCALAR
                       ? VALUE_TYPE_SCALAR
                       : VALUE_TYPE_VECTOR;
        case AST_UNARY: n = n->u.unary.expr; continue;
        case AST_PAREN: n = n->u.paren.expr; continue;
        }
        return VALUE_TYPE_NONE;
    }
}

size_t ast_child_count(const ast_node *n)
{
    switch (n->kind) {
    case AST_MATRIX_SELECTOR:
    case AST_SUBQUERY:
    case AST_UNARY:
    case AST_PAREN: return 1;
    case AST_CALL: return n->u.call.nargs;
    case AST_AGGREGATE: return n->u.aggregate.param ? 2 : 1;
    case AST_BINARY: return 2;
    default: return 0;
    }
}

ast_node *ast_child(const ast_node *n, size_t i)
{
    switch (n->kind) {
    case AST_MATRIX_SELECTOR: return i == 0 ? n->u.matrix_selector.vector_selector : NULL;
    case AST_SUBQUERY: return i == 0 ? n->u.subquery.expr : NULL;
    case AST_UNARY: return i == 0 ? n->u.unary.expr : NULL;
    case AST_PAREN: return i == 0 ? n->u.paren.expr : NULL;
    case AST_CALL: return i < n->u.call.nargs ? n->u.call.args[i] : NULL;
    case AST_AGGREGATE:
        if (n->u.aggregate.param) {
            if (i == 0) return n->u.aggregate.param;
            return i == 1 ? n->u.aggregate.expr : NULL;
        }
        return i == 0 ? n->u.aggregate.expr : NULL;
    case AST_BINARY: return i == 0 ? n->u.binary.lhs : (i == 1 ? n->u.binary.rhs : NULL);
    default: return NULL;
    }
}

const char *ast_call_name(const ast_node *n)
{
    return n->kind == AST_CALL && n->u.call.func ? n->u.call.func->name : NULL;
}

static bool number_equal(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    return a == b && signbit(a) == signbit(b);
}

static bool strs_equal(const ast_str *a, size_t na, const ast_str *b, size_t nb)
{
    if (na != nb) return false;
    for (size_t i = 0; i < na; i++)
        if (!strv_eq(a[i], b[i])) return false;
    return true;
}

static bool matching_equal(const vector_matching *a, const vector_matching *b)
{
    if (!a || !b) return a == b;
    return a->card == b->card && a->on == b->on && a->explicit_ == b->explicit_ &&
           strs_equal(a->labels, a->nlabels, b->labels, b->nlabels) &&
           strs_equal(a->include, a->ninclude, b->include, b->ninclude);
}

bool ast_equal(const ast_node *a, const ast_node *b)
{
    if (!a || !b) return a == b;
    if (a->kind != b->kind) return false;
    switch (a->kind) {
    case AST_NUMBER:
        return number_equal(a->u.number.value, b->u.number.value) &&
               a->u.number.duration == b->u.number.duration;
    case AST_STRING: return strv_eq(a->u.string.value, b->u.string.value);
    case AST_VECTOR_SELECTOR: {
#define x (&a->u.vector_selector)
#define y (&b->u.vector_selector)
        if (!strv_eq(x->name, y->name) || x->nmatchers != y->nmatchers ||
            x->offset_ms != y->offset_ms || x->at != y->at)
            return false;
        if (x->at == AT_TIMESTAMP && x->at_ms != y->at_ms) return false;
        for (size_t i = 0; i < x->nmatchers; i++) {
            const label_matcher *m = &x->matchers[i], *n = &y->matchers[i];
            if (m->type != n->type || !strv_eq(m->name, n->name) || !strv_eq(m->value, n->value))
                return false;
        }
        return true;
#undef x
#undef y
    }
    case AST_MATRIX_SELECTOR:
        return a->u.matrix_selector.range_ms == b->u.matrix_selector.range_ms &&
               ast_equal(a->u.matrix_selector.vector_selector,
                         b->u.matrix_selector.vector_selector);
    case AST_SUBQUERY: {
#define x (&a->u.subquery)
#define y (&b->u.subquery)
        if (x->range_ms != y->range_ms || x->step_ms != y->step_ms ||
            x->offset_ms != y->offset_ms || x->at != y->at)
            return false;
        if (x->at == AT_TIMESTAMP && x->at_ms != y->at_ms) return false;
        return ast_equal(x->expr, y->expr);
#undef x
#undef y
    }
    case AST_CALL:
        if (a->u.call.func != b->u.call.func || a->u.call.nargs != b->u.call.nargs) return false;
        for (size_t i = 0; i < a->u.call.nargs; i++)
            if (!ast_equal(a->u.call.args[i], b->u.call.args[i])) return false;
        return true;
    case AST_AGGREGATE: {
#define x (&a->u.aggregate)
#define y (&b->u.aggregate)
        return x->op == y->op && x->without == y->without &&
               x->grouping_given == y->grouping_given &&
               strs_equal(x->grouping, x->ngrouping, y->grouping, y->ngrouping) &&
               ast_equal(x->param, y->param) && ast_equal(x->expr, y->expr);
#undef x
#undef y
    }
    case AST_BINARY:
        return a->u.binary.op == b->u.binary.op &&
               a->u.binary.return_bool == b->u.binary.return_bool &&
               matching_equal(a->u.binary.matching, b->u.binary.matching) &&
               ast_equal(a->u.binary.lhs, b->u.binary.lhs) &&
               ast_equal(a->u.binary.rhs, b->u.binary.rhs);
    case AST_UNARY:
        return a->u.unary.op == b->u.unary.op && ast_equal(a->u.unary.expr, b->u.unary.expr);
    case AST_PAREN: return ast_equal(a->u.paren.expr, b->u.paren.expr);
    }
    return false;
}
