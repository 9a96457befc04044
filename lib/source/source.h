/*
 * The source interface (internal): where raw samples and, optionally,
 * whole-expression answers come from. Implementations: memory (in-process
 * store) and prometheus (HTTP API). The public handle sloeval_source is
 * this struct; constructors live in include/sloeval/source.h.
 */
#ifndef SLOEVAL_SOURCE_SOURCE_H
#define SLOEVAL_SOURCE_SOURCE_H

#include "model/model.h"
#include "promql/ast.h"
#include "sloeval/common.h"

typedef struct sloeval_source sloeval_source;

/* Warnings and infos a source attaches to an answer (arena strings). */
typedef struct source_notes {
    strv *warnings;
    size_t nwarnings, capwarnings;
    strv *infos;
    size_t ninfos, capinfos;
} source_notes;

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
                       int64_t step, arena *a, value *out, source_notes *notes,
                       sloeval_error *err);

    void (*destroy)(sloeval_source *src);
} source_vtable;

struct sloeval_source {
    const source_vtable *vt;
    sloeval_compat compat; /* the semantics the data's server has (v3 when unknown) */
};

#endif
