/*
 * Prometheus durations in configs (internal): the syntax of model.Duration,
 * as written in configs, rule files and PromQL range selectors: one or
 * more <integer><unit> terms with the units in the order y, w, d, h, m, s,
 * ms, each at most once ("30d", "1h30m", "5m", "100ms"), or "0". 1y = 365d,
 * 1w = 7d. No sign, no fractions, no spaces; at most 2^63-1 ns (about 292
 * years), as Prometheus checks. util/text.h reads and writes them
 * (text_parse_duration, text_format_duration); this keeps the config
 * loader's calling convention.
 */
#ifndef SLOEVAL_SLO_DURATION_H
#define SLOEVAL_SLO_DURATION_H

#include <stddef.h>
#include <stdint.h>

#include "util/text.h"

/*
 * Parse len bytes of s into milliseconds. Returns 0, or -1 (*out is 0) with
 * a short static reason in *why ("empty duration", "a duration has no
 * sign", ...); why may be NULL.
 */
int duration_parse(int64_t *out, const char *s, size_t len, const char **why);

/* Enough room for any promql_duration_format() result. */
#define DURATION_BUF_SIZE TEXT_DURATION_BUF

#endif
