/*
 * The in-memory source (internal side): a store of float series that
 * implements source_vtable.select and select_info without copying samples
 * (select_info tells the engine each series' label set without __name__,
 * kept by the store, and whether it has staleness markers).
 *
 * Storage: each series is stored once, with its label set (in the store's
 * arena, shared by every answer) and one contiguous array of 16-byte
 * samples in time order, trimmed to its length when a load finishes. An
 * index maps label name -> value -> sorted series ids, for `=` matchers
 * and for listing a name's values for regex matchers.
 *
 * Order within a series follows Prometheus's TSDB as promtool's backfill
 * feeds it: timestamps must increase; a sample repeating the previous one
 * exactly (same timestamp, same value bits) is dropped as the TSDB drops
 * it; the same timestamp with another value, or an older timestamp, is an
 * error (where the TSDB would either fail the backfill or drop the sample
 * silently, depending on how its appender batches fell; sloeval never
 * drops silently).
 *
 * Loads are atomic: the samples appended by one load become visible when
 * it succeeds, and a failing load leaves the visible data as it was.
 *
 * Answers of select point into the store: they stay valid until the
 * source is changed (a load or append) or destroyed.
 */
#ifndef SLOEVAL_SOURCE_MEMORY_H
#define SLOEVAL_SOURCE_MEMORY_H

#include "model/model.h"
#include "source/source.h"

/* An empty store whose data is read with `compat` semantics (AUTO: v3). */
int memory_new(sloeval_source **out, sloeval_compat compat);

/* True when src is an in-memory source. */
bool memory_is_source(const sloeval_source *src);

/*
 * A load in progress: appends go through it and become visible at
 * memory_load_commit; memory_load_abort (or a failed append) drops them.
 * One load at a time per source.
 */
int memory_load_begin(sloeval_source *src, sloeval_error *err);

/*
 * Append one sample of the series with these label pairs (any order; empty
 * values dropped; names must be unique). `where` prefixes error messages
 * ("file:12"; may be NULL). Errors: SLOEVAL_EDATA (duplicate label name,
 * out-of-order or conflicting duplicate sample), SLOEVAL_ENOMEM.
 */
int memory_load_append(sloeval_source *src, const label *pairs, size_t n, int64_t t, double v,
                       const char *where, sloeval_error *err);

/* The same for a label set already made (shared if the store has it). */
int memory_load_append_labels(sloeval_source *src, const labels *ls, int64_t t, double v,
                              const char *where, sloeval_error *err);

void memory_load_commit(sloeval_source *src);
void memory_load_abort(sloeval_source *src);

/* Drop every series (a test script's `clear`). */
void memory_clear(sloeval_source *src);

/* The store's arena, for label sets that should live as long as it. */
arena *memory_arena(sloeval_source *src);

typedef struct memory_stats {
    size_t series;       /* series with at least one visible sample */
    size_t samples;      /* visible samples */
    size_t sample_bytes; /* bytes reserved for sample arrays */
    size_t index_bytes;  /* postings, hash tables */
    size_t label_bytes;  /* the store arena: label sets and their strings */
} memory_stats;

void memory_get_stats(const sloeval_source *src, memory_stats *out);

#endif
