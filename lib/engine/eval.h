/*
 * The evaluator (internal): evaluates a PromQL AST over a source at an
 * instant or over a range of steps, with 2.x or 3.x semantics, the way
 * Prometheus's promql/engine.go does it:
 *
 *   - a preparation pass checks that every node is evaluated locally
 *     ("not supported for local evaluation: <what> at <line:col>"
 *     otherwise) and selects every selector's samples once, over the
 *     whole time range the evaluation needs (populateSeries);
 *   - every instant-vector expression evaluates to a "step matrix": its
 *     series with one point per step at which they have a value; scalars to
 *     one value per step; functions, aggregations and operators combine
 *     their inputs step by step (rangeEval), range functions run series by
 *     series over sliding windows;
 *   - an instant evaluation is a range evaluation with one step.
 *
 * All memory comes from the caller's arena. Single-threaded.
 */
#ifndef SLOEVAL_ENGINE_EVAL_H
#define SLOEVAL_ENGINE_EVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/hmap.h"
#include "model/model.h"
#include "promql/ast.h"
#include "source/source.h"

/*
 * A value computed elsewhere for one node of the tree (the planner's
 * merged answers of servers): the evaluator takes it instead of
 * evaluating the node, and selects no data below it. For an instant
 * evaluation: a VALUE_VECTOR (elements at the evaluation time) or a
 * VALUE_SCALAR; for a range evaluation: a VALUE_MATRIX whose points are at
 * the evaluation's steps (a scalar node: one series without labels). The
 * node must not be inside a subquery (whose steps differ). The value is
 * only read.
 */
typedef struct eval_override {
    const ast_node *node;
    const value *val;
} eval_override;

/* Options of one evaluation. */
typedef struct eval_opts {
    sloeval_compat compat;     /* V2 or V3 (AUTO resolved by the caller) */
    int64_t lookback_ms;       /* instant selectors' lookback delta */
    size_t max_samples;        /* samples held at once; 0: no limit */
    int64_t subquery_step_ms;  /* step of subqueries written without one */
    bool delayed_name_removal; /* 3.x feature flag promql-delayed-name-removal */
} eval_opts;

/* Annotations (Prometheus's warnings and infos), as the API renders them:
 * "PromQL info: ... (line:col)". */
typedef struct eval_notes {
    char **warnings;
    size_t nwarnings, capwarnings;
    char **infos;
    size_t ninfos, capinfos;
} eval_notes;

/*
 * Evaluate `root` (parsed from `text`, len bytes, for positions in errors)
 * at every step start, start + step, ..., end (ms; step > 0; start == end
 * and step 0 for an instant evaluation). On success *out holds:
 *   instant: a VALUE_VECTOR (elements at t = start), VALUE_SCALAR,
 *            VALUE_STRING, or VALUE_MATRIX for a range-vector expression;
 *   range:   a VALUE_MATRIX sorted by labels (scalars as one series with
 *            no labels).
 * Everything lives in `a`; notes' strings too. Returns 0 or a negative
 * SLOEVAL_E* code with err filled: SLOEVAL_EUNSUPPORTED for what is not
 * evaluated locally, SLOEVAL_EEXEC with Prometheus's wording for
 * evaluation errors, SLOEVAL_ELIMIT when max_samples is exceeded.
 */
int eval_expr(value *out, arena *a, const eval_opts *opts, sloeval_source *src,
              const ast_node *root, const char *text, size_t len, int64_t start, int64_t end,
              int64_t step, eval_notes *notes, sloeval_error *err);

/* eval_expr with values for some nodes computed elsewhere (nov of them,
 * see eval_override). */
int eval_expr_overrides(value *out, arena *a, const eval_opts *opts, sloeval_source *src,
                        const ast_node *root, const char *text, size_t len, int64_t start,
                        int64_t end, int64_t step, const eval_override *ov, size_t nov,
                        eval_notes *notes, sloeval_error *err);

/*
 * Check only whether `root` can be evaluated locally; 0 or
 * SLOEVAL_EUNSUPPORTED with "not supported for local evaluation: <what> at
 * <line:col>" in err.
 */
int eval_check_supported(const ast_node *root, sloeval_compat compat, const char *text, size_t len,
                         sloeval_error *err);

/* The same, not looking below the nodes that have an override. */
int eval_check_supported_except(const ast_node *root, sloeval_compat compat, const char *text,
                                size_t len, const eval_override *ov, size_t nov,
                                sloeval_error *err);

/* ---- internals shared by the eval*.c files --------------------------- */

/* A series of an instant-vector expression over the steps (points at step
 * timestamps), or of a range-vector expression (raw samples). */
typedef struct step_series {
    const labels *ls;
    sample *pts;
    size_t n;
    bool drop_name; /* __name__ to be dropped at the end (delayed removal) */
} step_series;

/* The value of an expression over the evaluation's steps. */
typedef struct ev_value {
    value_type type;
    double *scalar;   /* SCALAR: one value per step */
    step_series *ser; /* VECTOR (step points) and MATRIX (raw samples) */
    size_t nser;
    strv str; /* STRING */
} ev_value;

/* An element of an instant vector at one step. */
typedef struct vec_el {
    const labels *ls;
    double v;
    int32_t src; /* index of the input series it came from, or -1 */
    bool drop_name;
    int64_t t; /* the sample's own timestamp (timestamp() only) */
} vec_el;

typedef struct step_vec {
    vec_el *el;
    size_t n, cap;
} step_vec;

/* A selector's data, selected once for the whole evaluation. */
typedef struct sel_data {
    const ast_node *node; /* AST_VECTOR_SELECTOR */
    series *ser;          /* sorted by labels */
    size_t nser;
    bool one_name;                  /* every series has the same __name__ (or none has one) */
    const source_series_info *info; /* per series, from the source's select_info; else NULL */
} sel_data;

typedef struct evaluator {
    arena *a;
    eval_opts opts;
    sloeval_compat compat;
    sloeval_source *src;
    const char *text;
    size_t text_len;
    int64_t start, end, interval; /* the current (sub)evaluation's steps */
    size_t nsteps;
    int64_t query_start, query_end; /* for @ start() / @ end() */
    int64_t query_step;             /* 0 for an instant evaluation */
    sel_data *sels;
    size_t nsels;
    hmap selmap;
    size_t cur_samples;
    eval_notes *notes;
    source_notes snotes;
    sloeval_error *err;
    int depth;
    const eval_override *ov; /* values computed elsewhere */
    size_t nov;
} evaluator;

/* Step k's timestamp. */
static inline int64_t ev_step_ts(const evaluator *ev, size_t k)
{
    return ev->start + (int64_t)k * ev->interval;
}

/* Errors. */
int ev_fail(evaluator *ev, int code, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
int ev_oom(evaluator *ev);
/* An error "not supported for local evaluation: <what> at <line:col>". */
int ev_unsupported(evaluator *ev, const ast_node *n, const char *what);
/* Record an annotation (warning when `warn`, else info) with the position
 * of node n appended: "... (line:col)". */
int ev_annotate(evaluator *ev, bool warn, const ast_node *n, const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 4, 5)))
#endif
    ;

/* Count samples held against max_samples. */
int ev_add_samples(evaluator *ev, size_t n);

/* Evaluate a node over the evaluator's current steps. */
int ev_eval(evaluator *ev, const ast_node *n, ev_value *out);

/* Vectors. */
int vec_push(evaluator *ev, step_vec *v, const labels *ls, double val, int32_t src, bool drop);
/* The vector of input `in` at step k, using and advancing cursors cur[]
 * (one per series, start at 0). */
int gather_step(evaluator *ev, const ev_value *in, size_t *cur, int64_t ts, step_vec *out);

/* A per-step combiner for range_eval. `in` has one vector per argument
 * (scalars as one element without labels); results go to `out`. */
typedef int (*step_fn)(evaluator *ev, void *ctx, int64_t ts, size_t step, step_vec *in,
                       step_vec *out);

/*
 * Output series being assembled step by step, found by label set: zero it,
 * hmap_init its index, then collect_point each element of each step in
 * time order; the series are ser[0 .. n). A second point with the same
 * labels at one step is "vector cannot contain metrics with the same
 * labelset". A series is dropping its name when any of its points is.
 */
typedef struct collector {
    step_series *ser;
    size_t n, cap;
    size_t *cap_pts;
    int64_t *last_ts;
    hmap index;
} collector;

int collect_point(evaluator *ev, collector *c, const vec_el *el, int64_t ts);

/* Evaluate `nargs` input values step by step through fn into an instant
 * vector value (Prometheus's rangeEval); string arguments are passed as
 * empty vectors. */
int range_eval(evaluator *ev, const ev_value *args, size_t nargs, step_fn fn, void *ctx,
               ev_value *out);

/* Label helpers that honour the compat mode and delayed name removal. */
/* A label name as the compat mode takes it: legacy syntax in 2.x, any
 * non-empty valid UTF-8 in 3.x. */
bool ev_label_name_valid(const evaluator *ev, strv name);
const labels *ev_drop_metadata(evaluator *ev, const labels *ls);
/* "Drop the name" of an element: delayed -> flag, else new labels. */
int ev_drop_name_el(evaluator *ev, vec_el *el);

/* Does the vector hold two equal label sets? */
bool vec_has_dup_labels(evaluator *ev, const step_vec *v);

/* Merge series with equal label sets into one (3.x's
 * mergeSeriesWithSameLabelset, and what 2.x's step loop does); points at
 * the same time, or with any_dup_is_error any two equal label sets, are
 * "vector cannot contain metrics with the same labelset". */
int ev_merge_same_labels(evaluator *ev, ev_value *v, bool any_dup_is_error);

/* Sort series by labels (Prometheus's Matrix sort). */
void sort_series(step_series *s, size_t n);

/* Aggregations (aggregate.c), binary operators (binop.c), functions
 * (functions.c). */
int eval_aggregate(evaluator *ev, const ast_node *n, ev_value *out);
int eval_binary(evaluator *ev, const ast_node *n, ev_value *out);
int eval_call(evaluator *ev, const ast_node *n, ev_value *out);
/* The function's support check (functions.c): NULL when supported, else
 * the name to report. */
const char *call_unsupported(const ast_node *n, sloeval_compat compat);

/* Selector data (eval.c). */
sel_data *ev_selector(evaluator *ev, const ast_node *vs);
/* The samples s[0 .. n) without staleness markers: s itself when there
 * are none, else a copy in *scratch (grown in the arena as needed). NULL
 * when out of memory. */
const sample *ev_window_clean(evaluator *ev, const sample *s, size_t n, size_t *out_n,
                              sample **scratch, size_t *cap);
/* The time a selector or subquery with an @ modifier is evaluated at, and
 * whether it has one. */
bool ev_at_time(const evaluator *ev, at_kind at, int64_t at_ms, int64_t *t);
/* Evaluate a subquery over its own steps into a MATRIX-like value whose
 * series hold step points (subquery.c logic in eval.c). */
int ev_subquery_matrix(evaluator *ev, const ast_node *sq, ev_value *out);

/* Whether the function `name` is evaluated locally under compat. */
bool function_supported_locally(const char *name, sloeval_compat compat);

/* The function name of an AST_CALL node. */
const char *call_name(const ast_node *n);

#endif
