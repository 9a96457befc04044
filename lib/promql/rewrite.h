/* AST rewrites (internal). */
#ifndef SLOEVAL_PROMQL_REWRITE_H
#define SLOEVAL_PROMQL_REWRITE_H

#include <stddef.h>

#include "promql/ast.h"
#include "sloeval/common.h"
#include "util/arena.h"

/*
 * Add the n matchers `m` to every vector selector under root (those inside
 * matrix selectors and subqueries too), after the selector's own matchers
 * and before the matcher its metric name made. The matchers are ANDed with
 * what is there: injecting region="eu" into {region="us"} selects nothing,
 * as Prometheus would. Names and values are copied into `a` (use the
 * arena that owns the tree, sloeval_expr_arena()); the caller's array may be
 * temporary. Regex matchers are checked like the parser checks them.
 * Returns 0, SLOEVAL_EPARSE (an invalid regex; message in err) or
 * SLOEVAL_ENOMEM; on failure some selectors may already have the matchers.
 */
int ast_inject_matchers(arena *a, ast_node *root, const label_matcher *m, size_t n,
                        sloeval_error *err);

#endif
