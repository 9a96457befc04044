/*
 * The planner (internal): evaluates many PromQL queries at once over
 * targets made of one or more shards (sources that each hold a disjoint
 * part of the series, e.g. one Prometheus per region), deciding per
 * subtree what a server computes (pushdown) and what sloeval computes
 * (local), sending every distinct request once, all in parallel, and
 * merging shard answers with the rules of the architecture page:
 *   - a selector or a per-series function over one shard can be pushed down;
 *   - sum/min/max/count pushed per shard merge by sum/min/max/sum; avg as
 *     sum/count; binary, comparison and set operators run after the merge;
 *   - anything sloeval cannot evaluate locally is pushed down whole when one
 *     shard holds all the data, and is a clear error otherwise;
 *   - never a silently wrong answer.
 *
 * This header is the contract between the planner and its users (the
 * `query` command, the SLO checker). A batch is used by one thread.
 */
#ifndef SLOEVAL_PLAN_PLAN_H
#define SLOEVAL_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/model.h"
#include "promql/ast.h"
#include "source/source.h"

typedef enum plan_mode {
    PLAN_AUTO = 0, /* push down what is safe and cheap, evaluate the rest locally */
    PLAN_PUSHDOWN, /* servers evaluate as much as possible */
    PLAN_LOCAL,    /* servers only return raw samples */
} plan_mode;

/* Where a query runs: the shards of one data set, and matchers the planner
 * adds to every selector of the query (an AST rewrite on a copy: region
 * injection, extra_matchers). Arrays are borrowed until plan_batch_free. */
typedef struct plan_target {
    sloeval_source **shards;
    size_t nshards;
    const label_matcher *inject;
    size_t ninject;
} plan_target;

/* The step local evaluation gives subqueries written without one: the
 * evaluation_interval of the target's servers when all of them reported
 * the same (see prom_add_config), else 60000 (1m). */
int64_t plan_subquery_step(const plan_target *t);

/* Whether n holds a subquery without a step ([3d:]). */
bool plan_has_stepless_subquery(const ast_node *n);

typedef struct plan_options {
    plan_mode mode;
    /* Semantics of local evaluation; SLOEVAL_COMPAT_AUTO takes each
     * target's sources' compat (all shards must agree, else v3 + warning). */
    sloeval_compat compat;
    int64_t lookback_delta_ms; /* local evaluation's; 0: 5m (servers use their own) */
    bool explain;              /* record the plan text for plan_batch_explain */
} plan_options;

typedef struct plan_batch plan_batch;

int plan_batch_new(plan_batch **out, const plan_options *opts, sloeval_error *err);

/* Queue an instant query of `expr` (borrowed; it must outlive the batch) at
 * t (ms) over `target`; *out_id identifies it. Identical (target, text,
 * time) queries share one evaluation. */
int plan_batch_add_instant(plan_batch *b, size_t *out_id, const plan_target *target,
                           const ast_node *expr, int64_t t, sloeval_error *err);

/* Queue a range query over [start, end] every step (ms). */
int plan_batch_add_range(plan_batch *b, size_t *out_id, const plan_target *target,
                         const ast_node *expr, int64_t start, int64_t end, int64_t step,
                         sloeval_error *err);

/* Optional: the text query `id`'s expression was parsed from (borrowed;
 * it must outlive the batch), so that errors of local evaluation carry
 * their line:column in it. */
int plan_batch_set_text(plan_batch *b, size_t id, const char *text, size_t len, sloeval_error *err);

/* Plan every queued query, send every distinct request once (in parallel,
 * bounded per source), merge and evaluate. One query's failure does not
 * fail the others: each has its own outcome. Returns non-zero only when the
 * batch as a whole could not run (out of memory). */
int plan_batch_run(plan_batch *b, sloeval_error *err);

/* Outcome of query `id`: 0 with *out (borrowed, lives with the batch) and
 * *notes (warnings/infos of every request that fed it; may be NULL), or the
 * query's error code with err filled (one line: what failed, the backend's
 * URL without credentials, the HTTP status and the server's message). */
int plan_batch_result(plan_batch *b, size_t id, const value **out, const source_notes **notes,
                      sloeval_error *err);

/* The plan as text (with opts.explain): for every query, which subexpression
 * went to which backend with the exact query text sent, and what was
 * computed locally. "" without explain. */
const char *plan_batch_explain(const plan_batch *b);

/* Where the time of plan_batch_run went (for benchmarks and --explain). */
typedef struct plan_stats {
    size_t requests;         /* distinct requests sent */
    size_t bytes;            /* their answers, decompressed */
    double run_seconds;      /* plan_batch_run, wall */
    double fetch_seconds;    /* from the first request sent to the last answer decoded, wall */
    double transfer_seconds; /* per request, first byte sent to last byte received; summed */
    double decode_seconds;   /* per request, decoding its answer; summed */
    double merge_seconds;    /* merging the shards' answers */
    double eval_seconds;     /* local evaluation */
    size_t http_requests;    /* of the requests, those sent to HTTP sources */
    size_t server_reports;   /* HTTP answers that carried the server's statistics */
    double server_seconds;   /* the servers' execTotalTime, summed over those answers */
} plan_stats;

/* The statistics of the batch's run (zero before it ran). */
void plan_batch_get_stats(const plan_batch *b, plan_stats *out);

void plan_batch_free(plan_batch *b);

#endif
