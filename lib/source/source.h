/*
 * The source interface (internal): where raw samples and, optionally,
 * whole-expression answers come from. Implementations: memory (in-process
 * store) and prometheus (HTTP API). The public handle sloeval_source is
 * this struct; constructors live in include/sloeval/source.h.
 */
#ifndef SLOEVAL_SOURCE_SOURCE_H
#define SLOEVAL_SOURCE_SOURCE_H

#include "model/matcher.h"
#include "model/model.h"
#include "model/notes.h"
#include "sloeval/common.h"

typedef struct sloeval_source sloeval_source;

/*
 * What a source knows of a series of an answer beyond its samples, so that
 * the engine can skip per-series work (see source_vtable.select_info).
 */
typedef struct source_series_info {
    const labels *without_name; /* the label set without __name__ (labels_drop_name's
                                   answer, kept by the source; NULL when not at hand) */
    bool no_stale;              /* no staleness marker among the series' samples */
    bool type_unit;             /* the label set has __type__ or __unit__ */
} source_series_info;

typedef struct source_vtable {
    const char *kind; /* "memory", "prometheus" */

    /*
     * Every series matching all matchers, with its samples whose timestamps
     * t satisfy mint <= t <= maxt (both inclusive; the engine applies the
     * exact 2.x/3.x window rules on top). The series array is allocated in
     * `a`; label sets and samples are in `a` or, for the memory source,
     * the store's own (no copies), valid until the source is changed or
     * destroyed. Only series with at least one sample in the range are
     * returned, sorted by labels. Required.
     */
    int (*select)(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                  int64_t mint, int64_t maxt, arena *a, matrix *out, source_notes *notes,
                  sloeval_error *err);

    /* Evaluate expression text at instant t (ms). NULL when unsupported. */
    int (*query)(sloeval_source *src, const char *expr, int64_t t, arena *a, value *out,
                 source_notes *notes, sloeval_error *err);

    /* Evaluate over [start, end] every step (ms). NULL when unsupported. */
    int (*query_range)(sloeval_source *src, const char *expr, int64_t start, int64_t end,
                       int64_t step, arena *a, value *out, source_notes *notes, sloeval_error *err);

    void (*destroy)(sloeval_source *src);

    /*
     * Optional (NULL: the engine calls select): select, telling more.
     * (*info)[i] describes out->items[i] (allocated in `a`; *info is NULL
     * when the source cannot tell this time, and the caller works
     * without), and the series are sorted by labels by construction, so
     * that the caller need not check the order. Label sets in the info live
     * as long as the answer's.
     */
    int (*select_info)(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                       int64_t mint, int64_t maxt, arena *a, matrix *out, source_series_info **info,
                       source_notes *notes, sloeval_error *err);
} source_vtable;

struct sloeval_source {
    const source_vtable *vt;
    sloeval_compat compat; /* the semantics the data's server has (v3 when unknown) */
};

#endif
