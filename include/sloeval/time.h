/*
 * sloeval/time.h - reading and writing times and durations, the one place
 * the API does it. Times are int64_t milliseconds since the Unix epoch
 * (UTC); durations are int64_t milliseconds. Nothing here depends on the
 * locale or the time zone, and every function may be called from any
 * thread.
 */
#ifndef SLOEVAL_TIME_H
#define SLOEVAL_TIME_H

#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * Parse a time written as a person or a script writes one (NUL-terminated
 * `text`) into *out_ms:
 *   - unix seconds with an optional fraction: "1700000000", "1700000000.123"
 *     (read as Prometheus's HTTP API reads `time`: the fraction rounded to
 *     milliseconds);
 *   - RFC 3339: "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123+01:00";
 *   - a bare date, midnight UTC: "2023-11-14";
 *   - "now", or now plus or minus a duration: "now-1h30m", "now+5m" (see
 *     sloeval_duration_parse), relative to now_ms (pass
 *     sloeval_time_now_ms() for the wall clock).
 * Returns 0, or SLOEVAL_EINVAL with "cannot parse \"<text>\" as a time
 * (unix seconds, RFC 3339, YYYY-MM-DD, now or now-<duration>)" in err.
 */
SLOEVAL_EXPORT int sloeval_time_parse(int64_t *out_ms, const char *text, int64_t now_ms,
                                      sloeval_error *err);

/** The wall clock, in ms since the epoch (whole milliseconds, truncated). */
SLOEVAL_EXPORT int64_t sloeval_time_now_ms(void);

/** Room for any sloeval_time_format() text, NUL included. */
#define SLOEVAL_TIME_FORMAT_SIZE 32

/**
 * RFC 3339 in UTC with milliseconds when they are not zero:
 * "2023-11-14T22:13:20Z", "2023-11-14T22:13:20.123Z". Writes at most size
 * bytes (NUL included) to buf and returns the full length, like snprintf.
 */
SLOEVAL_EXPORT size_t sloeval_time_format(char *buf, size_t size, int64_t time_ms);

/**
 * Parse a Prometheus duration ("30d", "1h30m", "5m", "100ms", "0"; units
 * y w d h m s ms, largest first, each once; 1y = 365d) into *out_ms; at
 * most 2^63-1 ns (about 292 years), Prometheus's limit. Returns 0 or
 * SLOEVAL_EINVAL with "invalid duration '<text>': <why>" in err.
 */
SLOEVAL_EXPORT int sloeval_duration_parse(int64_t *out_ms, const char *text, sloeval_error *err);

/**
 * Prometheus's text of a duration in ms (>= 0; a negative one counts as
 * 0): "30d", "4w", "1h30m", "0s". Writes at most size bytes (NUL included)
 * to buf and returns the full length, like snprintf.
 */
SLOEVAL_EXPORT size_t sloeval_duration_format(char *buf, size_t size, int64_t ms);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_TIME_H */
