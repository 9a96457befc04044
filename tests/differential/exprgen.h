/*
 * exprgen: a seeded generator of PromQL expressions from sloeval's local
 * subset (selectors with matchers, rate/increase/irate with offsets,
 * sum/avg/min/max/count by/without, arithmetic and comparison operators
 * with and without bool, and/or/unless, on/ignoring/group_left/group_right,
 * unary minus, literals, parentheses) over the metric families datagen
 * writes. Deterministic for a seed.
 */
#ifndef SLOEVAL_TEST_EXPRGEN_H
#define SLOEVAL_TEST_EXPRGEN_H

#include <stddef.h>
#include <stdint.h>

typedef struct exprgen {
    uint64_t state;
    const char *const *regions; /* region names in the data */
    size_t nregions;
} exprgen;

void exprgen_init(exprgen *g, uint64_t seed, const char *const *regions, size_t nregions);

/* Write the next expression into buf (NUL-terminated; truncated to size). */
void exprgen_next(exprgen *g, char *buf, size_t size);

#endif
