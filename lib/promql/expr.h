/*
 * Internal access to a public sloeval_expr (include/sloeval/expr.h) for the
 * engine, the planner and the SLO module: the root AST node and the arena
 * that owns the nodes. A sloeval_node is an ast_node.
 */
#ifndef SLOEVAL_PROMQL_EXPR_H
#define SLOEVAL_PROMQL_EXPR_H

#include "promql/ast.h"
#include "sloeval/expr.h"
#include "util/arena.h"

/* The root of the tree (borrowed; lives as long as expr). */
ast_node *sloeval_expr_ast(const sloeval_expr *expr);

/* The text the expression was parsed from (a NUL-terminated copy; node
 * positions are byte offsets into it), its length in *len (may be NULL). */
const char *sloeval_expr_text(const sloeval_expr *expr, size_t *len);

/* The arena of the expression: allocate nodes and strings of rewrites
 * (ast_inject_matchers) here so that sloeval_expr_free() releases them. */
arena *sloeval_expr_arena(sloeval_expr *expr);

/* sloeval_expr_parse(), falling back to the other grammar when the one
 * opts->compat asks for (AUTO: 3.x) rejects the text: promql_parse_fallback.
 * sloeval_expr_compat() tells which grammar parsed it. */
int expr_parse_fallback(sloeval_expr **out, const char *text, size_t len,
                        const sloeval_parse_options *opts, sloeval_error *err);

/* Replace the root (after a rewrite that built a new root). */
void sloeval_expr_set_ast(sloeval_expr *expr, ast_node *root);

#endif
