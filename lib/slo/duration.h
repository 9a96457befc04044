/*
 * Prometheus durations (internal): the syntax of model.Duration, as written
 * in configs, rule files and PromQL range selectors: one or more
 * <integer><unit> terms with the units in the order y, w, d, h, m, s, ms,
 * each at most once ("30d", "1h30m", "5m", "100ms"), or "0".
 * 1y = 365d, 1w = 7d. No sign, no fractions, no spaces.
 */
#ifndef SLOEVAL_SLO_DURATION_H
#define SLOEVAL_SLO_DURATION_H

#include <stddef.h>
#include <stdint.h>

/* The largest duration accepted, in milliseconds (about 292 million years). */
#define DURATION_MAX_MS INT64_MAX

/*
 * Parse len bytes of s into milliseconds. Returns 0, or -1 with a short
 * static reason in *why ("empty duration", "unknown unit", ...).
 */
int duration_parse(int64_t *out, const char *s, size_t len, const char **why);

/*
 * Prometheus's canonical text of a duration (model.Duration.String): "0s"
 * for 0; otherwise the units y and w only when they divide the duration
 * exactly, then d, h, m, s, ms, each when non-zero ("30d", "4w", "1h30m",
 * "1500ms" is "1s500ms"). The text is valid in PromQL range selectors.
 * Writes at most size bytes including the NUL; returns the full length.
 * ms must be >= 0.
 */
size_t duration_format(char *buf, size_t size, int64_t ms);

/* Enough room for any duration_format() result. */
#define DURATION_BUF_SIZE 64

#endif
