/*
 * sloeval/query.h - PromQL queries over Prometheus-compatible servers (one,
 * or several shards of one data set) or an in-memory source, through the
 * planner: the library side of `sloeval query`.
 *
 * A sloeval_query handle is a target (the sources, in shard order) and
 * options (mode, semantics, explain, statistics). Each call of
 * sloeval_query_instant() or sloeval_query_range() parses the text,
 * plans it (what each server computes, what sloeval computes), sends
 * every distinct request once and in parallel, merges the shards'
 * answers and evaluates the rest, and hands back a sloeval_result
 * (sloeval/value.h) with the warnings and infos of every request that fed
 * it. The plan text and the statistics of the last call stay in the
 * handle until the next call.
 *
 * Shards: each series is in exactly one source; sums, counts, minimums,
 * maximums and averages are merged exactly (sums of sums, never averages
 * of ratios); a series found in two shards is an error (SLOEVAL_EDATA),
 * never a doubled value.
 *
 * Modes (sloeval_query_mode), for instant and range queries alike (the
 * planner's rules: docs/planner.md):
 *   PUSHDOWN  servers compute as much as possible: with one shard the
 *             whole expression; with several, per-series subexpressions
 *             (selectors, rate() and the like) and sum/min/max/count/
 *             group/avg of them go to every shard and are merged exactly;
 *             what is left (binary operators between merged values, topk,
 *             quantile, histogram_quantile, ...) is computed here. Every
 *             source must answer queries (an in-memory source does not:
 *             SLOEVAL_EINVAL, "mode pushdown needs shards that evaluate
 *             queries").
 *   AUTO      (the default) plans like PUSHDOWN, and evaluates here from
 *             raw samples when a source cannot answer queries (an
 *             in-memory source).
 *   LOCAL     servers only return raw samples; sloeval evaluates
 *             everything.
 * What can neither be merged nor evaluated here is refused before anything
 * is sent (SLOEVAL_EUNSUPPORTED, naming the function or operator and its
 * position).
 * Range queries are planned like instant ones: a pushed-down part is sent
 * as /api/v1/query_range, a local part is evaluated at start, start +
 * step, ... up to end (Prometheus's steps) over raw samples fetched once.
 *
 * Semantics (sloeval_compat): V2 or V3 fix Prometheus 2.x's or 3.x's
 * grammar and evaluation; AUTO asks every HTTP source for its version
 * (/api/v1/status/buildinfo) at the first query and takes theirs (3.x
 * when they disagree or cannot be told, with a warning).
 *
 * Formatting: sloeval_result_json() (sloeval/value.h) writes a result
 * as the `data` object of /api/v1/query and /api/v1/query_range, byte
 * for byte as Prometheus writes it; sloeval_float_format() and
 * sloeval_timestamp_format() below write single values the same way.
 *
 * Threads: a handle is used by one thread at a time, and so are its
 * sources while a query runs (the requests of one query run in parallel
 * inside the call). Separate handles over separate sources may run in
 * separate threads.
 */
#ifndef SLOEVAL_QUERY_H
#define SLOEVAL_QUERY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "sloeval/expr.h"
#include "sloeval/http.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sloeval_source sloeval_source;
typedef struct sloeval_result sloeval_result;

/** A query target with its options, and the plan and statistics of its
 *  last query (opaque; see the top of this header). */
typedef struct sloeval_query sloeval_query;

/** Where a query is evaluated (see the top of this header). */
typedef enum sloeval_query_mode {
    SLOEVAL_QUERY_MODE_AUTO = 0,     /**< PUSHDOWN, or local over query-less sources (default) */
    SLOEVAL_QUERY_MODE_PUSHDOWN = 1, /**< servers compute as much as possible */
    SLOEVAL_QUERY_MODE_LOCAL = 2,    /**< servers return raw samples; sloeval evaluates */
} sloeval_query_mode;

/**
 * Called with a one-line warning about the setup as soon as it is known:
 * a risky option of a source made from a URL (tls_insecure_skip_verify),
 * a server whose version cannot be told. `message` is borrowed for the
 * call. Without a callback these warnings join the next result's warnings.
 */
typedef void (*sloeval_query_warning_cb)(const char *message, void *payload);

#define SLOEVAL_QUERY_OPTIONS_VERSION 1

/** Options of a query handle. Initialise with SLOEVAL_QUERY_OPTIONS_INIT. */
typedef struct sloeval_query_options {
    unsigned int version; /**< SLOEVAL_QUERY_OPTIONS_VERSION */
    sloeval_query_mode mode;
    /** V2, V3, or AUTO (default): the servers' (see the top of this header). */
    sloeval_compat compat;
    /** 3.x: accept experimental functions, limitk and limit_ratio. */
    bool experimental_functions;
    /** Keep the plan text of each query (sloeval_query_explain). */
    bool explain;
    /** Ask Prometheus servers for their own statistics (stats=all) and
     *  sum their execution time into sloeval_query_stats.server_seconds. */
    bool server_stats;
    /** Lookback delta of local evaluation, ms; 0 means 5 minutes (servers
     *  use their own). */
    int64_t lookback_delta_ms;
    /** Setup warnings (NULL: into the next result's warnings). */
    sloeval_query_warning_cb on_warning;
    void *warning_payload;
} sloeval_query_options;

#define SLOEVAL_QUERY_OPTIONS_INIT                                                                 \
    {SLOEVAL_QUERY_OPTIONS_VERSION, SLOEVAL_QUERY_MODE_AUTO, SLOEVAL_COMPAT_AUTO, false, false,    \
     false, 0, NULL, NULL}

/**
 * A handle over `nsources` sources (the shards of one data set; one for a
 * single server or an in-memory source). The array is copied, the sources
 * are borrowed: they must outlive the handle, and are not freed with it.
 * opts NULL means the defaults. *out belongs to the caller
 * (sloeval_query_free). Returns 0, SLOEVAL_EINVAL (no source, a NULL
 * source, bad options) or SLOEVAL_ENOMEM. No request is made.
 */
SLOEVAL_EXPORT int sloeval_query_new(sloeval_query **out, sloeval_source *const *sources,
                                     size_t nsources, const sloeval_query_options *opts,
                                     sloeval_error *err);

/**
 * A handle over Prometheus-compatible servers, one source per URL (shards
 * of one data set), each made by sloeval_source_new_prometheus() from
 * `http` (NULL: defaults) with its url set to urls[i] and its compat set
 * to opts->compat. The handle owns these sources (sloeval_query_source
 * lends them). The URLs and options are copied. Config warnings go to
 * opts->on_warning as each source is made. Returns 0, SLOEVAL_EINVAL,
 * SLOEVAL_ECONFIG (what is wrong with the URL or the options; the URL's
 * credentials are never shown) or SLOEVAL_ENOMEM. sloeval_global_init() must have been
 * called. No request is made.
 */
SLOEVAL_EXPORT int sloeval_query_new_urls(sloeval_query **out, const char *const *urls,
                                          size_t nurls, const sloeval_prometheus_options *http,
                                          const sloeval_query_options *opts, sloeval_error *err);

/** Release a handle, the sources it made and its plan text. NULL is a no-op. */
SLOEVAL_EXPORT void sloeval_query_free(sloeval_query *q);

/** The number of sources (shards) of the handle. */
SLOEVAL_EXPORT size_t sloeval_query_source_count(const sloeval_query *q);

/** Source i (borrowed from the handle or its caller), or NULL when out of range. */
SLOEVAL_EXPORT sloeval_source *sloeval_query_source(const sloeval_query *q, size_t i);

/**
 * Parse `len` bytes of `text` as a query with `opts` (NULL: defaults)
 * would parse it: with compat V2 or V3 that grammar; with AUTO 3.x's
 * grammar, else 2.x's (the servers' answer decides at the query; this
 * checks the text before anything is sent). *out belongs to the caller
 * (sloeval_expr_free). Errors as sloeval_expr_parse(): SLOEVAL_EPARSE
 * with the position (the 3.x grammar's error when neither grammar
 * accepts the text).
 */
SLOEVAL_EXPORT int sloeval_query_parse(sloeval_expr **out, const char *text, size_t len,
                                       const sloeval_query_options *opts, sloeval_error *err);

/**
 * The semantics queries of this handle use: opts->compat when V2 or V3;
 * with AUTO, asks every HTTP source for its version (once per handle;
 * later calls answer from memory) and gives theirs (V3 when they
 * disagree; a server whose version cannot be told counts as V3, with a
 * warning). Queries call this themselves. Returns 0, or the first
 * source's transport error (SLOEVAL_ETRANSPORT, SLOEVAL_ETIMEOUT, ...,
 * with the URL and http_status in err).
 */
SLOEVAL_EXPORT int sloeval_query_compat(sloeval_compat *out, sloeval_query *q, sloeval_error *err);

/**
 * Evaluate the PromQL `text` (len bytes, need not be NUL-terminated; not
 * kept) at `time_ms` (ms since the epoch). The text is parsed first
 * (nothing is sent for a parse error), then the semantics are settled
 * (sloeval_query_compat), then the query is planned, sent and evaluated.
 * On success *out is a vector, scalar, string, or matrix (for a range
 * vector expression), owned by the caller (sloeval_result_free), with the
 * warnings and infos of every request that fed it. On failure *out is NULL
 * and err says why in one line (the backend's URL without credentials,
 * the HTTP status in err->http_status, the server's errorType and error):
 *   SLOEVAL_EPARSE         a parse error, with line and column in `text`
 *   SLOEVAL_EUNSUPPORTED   neither merged exactly nor evaluated here
 *   SLOEVAL_EEXEC          an evaluation error here
 *   SLOEVAL_ESERVER        a server's error answer (400 bad_data and 422
 *                          execution are the expression's fault; an
 *                          execution error that is not one of PromQL's
 *                          evaluation errors is SLOEVAL_ENODATA, a
 *                          server's limit SLOEVAL_ELIMIT)
 *   SLOEVAL_ETRANSPORT, SLOEVAL_ETIMEOUT, SLOEVAL_EDECODE, SLOEVAL_ELIMIT,
 *   SLOEVAL_EPARTIAL       a server failed or answered badly
 *   SLOEVAL_EDATA          two shards hold the same series
 *   SLOEVAL_EINVAL, SLOEVAL_ENOMEM
 * The plan (with opts.explain) and the statistics of the call are kept
 * in the handle, also when the query failed.
 */
SLOEVAL_EXPORT int sloeval_query_instant(sloeval_result **out, sloeval_query *q, const char *text,
                                         size_t len, int64_t time_ms, sloeval_error *err);

/**
 * Evaluate `text` at start_ms, start_ms + step_ms, ... while <= end_ms (a
 * range query, Prometheus's /api/v1/query_range): the result is a matrix
 * of the series sorted by labels, each with its points in time order. The
 * expression must be a scalar or an instant vector (else SLOEVAL_EPARSE,
 * as Prometheus says it). Checked first, as Prometheus checks them, with
 * its messages: end_ms >= start_ms and step_ms > 0 (else SLOEVAL_EINVAL),
 * (end_ms - start_ms) / step_ms at most 11,000 (else SLOEVAL_ELIMIT).
 * Ownership, errors, plan and statistics as sloeval_query_instant().
 */
SLOEVAL_EXPORT int sloeval_query_range(sloeval_result **out, sloeval_query *q, const char *text,
                                       size_t len, int64_t start_ms, int64_t end_ms,
                                       int64_t step_ms, sloeval_error *err);

/**
 * The plan of the last query with opts.explain: for each part, the server
 * it went to with the exact request sent, and what was computed here
 * (several lines, each ending in '\n'). "" without explain or before the
 * plan was made. Borrowed: lives until the next query or
 * sloeval_query_free.
 */
SLOEVAL_EXPORT const char *sloeval_query_explain(const sloeval_query *q);

#define SLOEVAL_QUERY_STATS_VERSION 1

/** Statistics of the last query. Initialise with SLOEVAL_QUERY_STATS_INIT. */
typedef struct sloeval_query_stats {
    unsigned int version; /**< SLOEVAL_QUERY_STATS_VERSION: the fields the caller knows */
    size_t requests;      /**< distinct requests sent (HTTP or to in-memory sources) */
    uint64_t bytes;       /**< bytes of the HTTP answers, decompressed */
    double seconds;       /**< the whole query, wall clock */
    double fetch_seconds; /**< first request sent to last answer decoded, wall clock */
    double eval_seconds;  /**< merging and local evaluation */
    /** With opts.server_stats: the servers' own execution time
     *  (stats.timings.execTotalTime), summed over the requests; -1 when
     *  not asked or when a server did not report it. */
    double server_seconds;
} sloeval_query_stats;

#define SLOEVAL_QUERY_STATS_INIT {SLOEVAL_QUERY_STATS_VERSION, 0, 0, 0, 0, 0, 0}

/**
 * Fill *out (allocated by the caller, its version set) with the
 * statistics of the last query (zeros before the first). Returns 0, or
 * SLOEVAL_EINVAL for a version this library does not know.
 */
SLOEVAL_EXPORT int sloeval_query_get_stats(const sloeval_query *q, sloeval_query_stats *out);

#define SLOEVAL_QUERY_REQUEST_VERSION 1

/**
 * One request of the last query (sloeval_query_request_get). Strings are
 * borrowed from the handle: they live until the next query or
 * sloeval_query_free. Initialise with SLOEVAL_QUERY_REQUEST_INIT.
 */
typedef struct sloeval_query_request {
    unsigned int version; /**< SLOEVAL_QUERY_REQUEST_VERSION: the fields the caller knows */
    /** The server's URL without credentials, or "the in-memory source". */
    const char *source;
    /** "query" (/api/v1/query), "query_range" (/api/v1/query_range) or
     *  "select" (raw samples of a selector, for local evaluation). */
    const char *kind;
    const char *text; /**< the PromQL sent (select: the selector) */
    /** query: the time (start == end, step 0); query_range: the range and
     *  step; select: the window of samples, both ends included (step 0). */
    int64_t start_ms, end_ms, step_ms;
    int code;       /**< 0, or the request's error (SLOEVAL_E*) */
    uint64_t bytes; /**< the answer, decompressed (HTTP; 0 otherwise) */
    /** HTTP: first attempt to last byte, retries included; 0 otherwise. */
    double seconds;
    int attempts; /**< HTTP attempts made (0 for other sources) */
    /** With opts.server_stats: the server's execTotalTime; else -1. */
    double server_seconds;
} sloeval_query_request;

#define SLOEVAL_QUERY_REQUEST_INIT                                                                 \
    {SLOEVAL_QUERY_REQUEST_VERSION, NULL, NULL, NULL, 0, 0, 0, 0, 0, 0, 0, -1}

/** The number of distinct requests the last query sent (0 before the first). */
SLOEVAL_EXPORT size_t sloeval_query_request_count(const sloeval_query *q);

/**
 * Fill *out (allocated by the caller, its version set) with request i of
 * the last query, in the order they were planned. Returns 0, or
 * SLOEVAL_EINVAL when i is out of range or the version is unknown.
 */
SLOEVAL_EXPORT int sloeval_query_request_get(const sloeval_query *q, size_t i,
                                             sloeval_query_request *out);

/* ---- values as Prometheus's API writes them ---------------------------- */

/**
 * A sample value as Prometheus's API writes it (jsonutil): the shortest
 * decimal that reads back as the same double, in exponent form when
 * 0 < |v| < 1e-6 or |v| >= 1e21 ("1e-07", "1.5e+21"), and "NaN", "+Inf",
 * "-Inf"; locale-independent. Writes at most size bytes (NUL included)
 * to buf and returns the full length, like snprintf; 32 bytes always
 * suffice. (A scalar result's value is written without exponent in the
 * API's JSON; sloeval_result_json does that.)
 */
SLOEVAL_EXPORT size_t sloeval_float_format(char *buf, size_t size, double v);

/**
 * A timestamp (ms since the epoch) as the API writes it: integer seconds,
 * then '.' and exactly three digits when ms % 1000 != 0
 * ("1435781451.781", "1435781451.050", "1435781451"). As
 * sloeval_float_format for buf and size; 32 bytes always suffice.
 */
SLOEVAL_EXPORT size_t sloeval_timestamp_format(char *buf, size_t size, int64_t ms);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_QUERY_H */
