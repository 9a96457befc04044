/*
 * shardgen: a seeded generator of PromQL expressions over the metric
 * families datagen writes, shaped to exercise the planner: aggregations
 * with and without grouping by region, ratios of aggregations, per-series
 * functions, comparisons with and without bool, and/or/unless, matching
 * with on/ignoring/group_left, topk/quantile/stddev (which cannot be
 * merged from per-shard answers), histogram_quantile over summed buckets,
 * label_replace, subqueries, offsets, unary minus and literals. Every
 * expression type-checks; some are evaluation errors on purpose (a
 * many-to-many match), which both sides must report. Deterministic for a
 * seed.
 */
#ifndef SLOEVAL_TEST_SHARDGEN_H
#define SLOEVAL_TEST_SHARDGEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct shardgen {
    uint64_t state;
} shardgen;

void shardgen_init(shardgen *g, uint64_t seed);

/* The next expression (an instant vector or scalar), NUL-terminated in
 * buf, truncated to size. */
void shardgen_next(shardgen *g, char *buf, size_t size);

#endif
