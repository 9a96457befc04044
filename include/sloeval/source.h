/*
 * sloeval/source.h - where samples come from: the in-memory source, and
 * what every source shares (sloeval_source_free). The Prometheus HTTP
 * source is made in sloeval/http.h.
 *
 * The in-memory source holds float series loaded from OpenMetrics text
 * (what `promtool tsdb create-blocks-from openmetrics` takes: # TYPE /
 * # HELP / # UNIT lines, `name{labels} value timestamp` with timestamps in
 * seconds, a final `# EOF`) or appended one sample at a time. Each series
 * is stored once; samples take 16 bytes each. Per series, timestamps must
 * increase: an exact repeat (same timestamp and value) is dropped as
 * Prometheus's TSDB drops it, anything else out of order is an error.
 * A load or append that fails leaves the source as it was.
 *
 * Threads: a source is used by one thread at a time; loading and
 * evaluating must not overlap.
 */
#ifndef SLOEVAL_SOURCE_H
#define SLOEVAL_SOURCE_H

#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sloeval_source sloeval_source;

/** Release a source of any kind, and everything it holds. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_source_free(sloeval_source *src);

/** The semantics a source's data is evaluated with (never SLOEVAL_COMPAT_AUTO). */
SLOEVAL_EXPORT sloeval_compat sloeval_source_compat(const sloeval_source *src);

/**
 * Make an empty in-memory source; *out belongs to the caller
 * (sloeval_source_free). `compat` picks the 2.x or 3.x semantics its data
 * is evaluated with (SLOEVAL_COMPAT_AUTO means 3.x, as there is no server
 * to ask). Returns 0 or SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_source_new_memory(sloeval_source **out, sloeval_compat compat);

/**
 * Load OpenMetrics text (len bytes; need not be NUL-terminated). `name`
 * names the input in error messages (NULL: "<input>"). On bad input
 * returns SLOEVAL_EDATA with "<name>:<line>: <what is wrong>" in err and
 * err->line / err->column set, and loads nothing.
 */
SLOEVAL_EXPORT int sloeval_memory_load_openmetrics(sloeval_source *src, const char *text,
                                                   size_t len, const char *name,
                                                   sloeval_error *err);

/** The same, reading the file at `path` (SLOEVAL_EIO when it cannot be read). */
SLOEVAL_EXPORT int sloeval_memory_load_openmetrics_file(sloeval_source *src, const char *path,
                                                        sloeval_error *err);

/**
 * Append one sample at t_ms (milliseconds since the epoch) to the series
 * with these labels (any order; a label with an empty value counts as
 * absent; "__name__" is the metric name). The strings are copied.
 * Returns 0, SLOEVAL_EDATA (a label name twice, or the sample is older
 * than or conflicts with the series' last one), SLOEVAL_EINVAL, or
 * SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_memory_append(sloeval_source *src, const sloeval_label *labels,
                                         size_t nlabels, int64_t t_ms, double value,
                                         sloeval_error *err);

/** Current version of sloeval_memory_stats (1: the fields below). */
#define SLOEVAL_MEMORY_STATS_VERSION 1

/**
 * What an in-memory source holds, and the memory it takes. The caller owns
 * the struct and sets its version (SLOEVAL_MEMORY_STATS_INIT); the library
 * fills the fields of that version, so that a program built with older
 * headers gets a struct of the size it expects.
 */
typedef struct sloeval_memory_stats {
    unsigned int version; /**< SLOEVAL_MEMORY_STATS_VERSION */
    size_t series;        /**< series with at least one sample */
    size_t samples;       /**< samples */
    size_t sample_bytes;  /**< bytes reserved for samples (16 per sample once loaded) */
    size_t index_bytes;   /**< series table and label index */
    size_t label_bytes;   /**< label sets and their strings */
} sloeval_memory_stats;

#define SLOEVAL_MEMORY_STATS_INIT {SLOEVAL_MEMORY_STATS_VERSION, 0, 0, 0, 0, 0}

/** Fill *out (its version set by the caller); SLOEVAL_EINVAL when src is
 *  not an in-memory source or out's version is unknown. */
SLOEVAL_EXPORT int sloeval_memory_get_stats(sloeval_memory_stats *out, const sloeval_source *src,
                                            sloeval_error *err);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_SOURCE_H */
