/*
 * The Prometheus HTTP source (internal side): asynchronous calls for the
 * planner and the response decoder.
 *
 * The planner sends many independent requests to several backends at
 * once: it makes one http_batch (lib/http/http.h), adds calls for any
 * number of sources with prom_add_*, runs the batch once
 * (http_batch_run), then reads each call's result with prom_call_result.
 * Each answer is decoded as soon as its transfer ends, while the other
 * transfers go on, into the arena given to prom_add_* (the body is freed
 * right after decoding).
 *
 * The synchronous vtable functions (select, query, query_range) are the
 * same calls on a batch of one.
 */
#ifndef SLOEVAL_SOURCE_PROMETHEUS_H
#define SLOEVAL_SOURCE_PROMETHEUS_H

#include "http/http.h"
#include "model/model.h"
#include "sloeval/http.h"
#include "source/source.h"

typedef struct prom_call prom_call;

/* True when src is a Prometheus HTTP source. */
bool prom_is_source(const sloeval_source *src);

/* Whether src's semantics are known: compat v2 or v3 given, or detected
 * from its buildinfo (false for another kind of source). */
bool prom_compat_known(const sloeval_source *src);

/* Whether query, query_range and raw-sample requests ask the server for its
 * statistics (stats=all); off unless set. The query API turns it on for
 * the length of one query. */
void prom_set_query_stats(sloeval_source *src, bool on);
bool prom_query_stats(const sloeval_source *src);

/* The caller's options of any version (NULL: the defaults) as the current
 * struct in *out; SLOEVAL_EINVAL for version 0 or a future version. */
int prom_options_read(sloeval_prometheus_options *out, const sloeval_prometheus_options *opts,
                      sloeval_error *err);

/* The source's parallelism option (for sizing a batch). */
int prom_parallelism(const sloeval_source *src);

/*
 * Add to `b` an instant query of expr at t (ms), a range query over
 * [start, end] every step (ms), a raw-sample fetch of the selector
 * `matchers` over [mint, maxt] (both inclusive), or a buildinfo request.
 * The call lives in `a`, and its result will be decoded into `a`.
 * Returns 0, or SLOEVAL_ENOMEM / SLOEVAL_EINVAL (err filled).
 */
int prom_add_query(prom_call **out, sloeval_source *src, http_batch *b, const char *expr, int64_t t,
                   arena *a, sloeval_error *err);
int prom_add_query_range(prom_call **out, sloeval_source *src, http_batch *b, const char *expr,
                         int64_t start, int64_t end, int64_t step, arena *a, sloeval_error *err);
int prom_add_select(prom_call **out, sloeval_source *src, http_batch *b,
                    const label_matcher *matchers, size_t nmatchers, int64_t mint, int64_t maxt,
                    arena *a, sloeval_error *err);

/*
 * Version detection as a request of a batch: a buildinfo request for src
 * (*out NULL, nothing added, when the source's compat is not auto). After
 * http_batch_run, prom_call_detected reads it (c may be NULL) exactly as
 * sloeval_prometheus_detect_compat reports: the semantics in *out (also
 * kept by the source), a warning when the version cannot be told, an error
 * when the server cannot be reached.
 */
int prom_add_buildinfo(prom_call **out, sloeval_source *src, http_batch *b, arena *a,
                       sloeval_error *err);
int prom_call_detected(const prom_call *c, sloeval_source *src, sloeval_compat *out, char *warning,
                       size_t size, sloeval_error *err);

/*
 * The server's evaluation_interval (the step Prometheus gives subqueries
 * written without one), asked in the same batch as version detection:
 * prom_add_config queues a /api/v1/status/config request; after the batch,
 * prom_call_config stores its answer in src (unknown when it failed, e.g.
 * Thanos has no such endpoint), and prom_eval_interval returns it in ms, 0
 * when unknown.
 */
int prom_add_config(prom_call **out, sloeval_source *src, http_batch *b, arena *a,
                    sloeval_error *err);
void prom_call_config(const prom_call *c, sloeval_source *src);
int64_t prom_eval_interval(const sloeval_source *src);
/* The same for each Prometheus source of srcs whose interval is not known
 * yet, in one parallel batch; fails only for lack of memory. */
int prom_read_eval_intervals(sloeval_source *const *srcs, size_t n, sloeval_error *err);

/*
 * A label request as a request of a batch: the label names (lname NULL,
 * /api/v1/labels) or the values of `lname` (/api/v1/label/<lname>/values)
 * of the series that match the selector `matchers` over [start, end] (ms).
 * After http_batch_run, prom_call_strings gives the strings (arena
 * strings, in the server's order) or the call's error.
 */
int prom_add_labels(prom_call **out, sloeval_source *src, http_batch *b, const char *lname,
                    const label_matcher *matchers, size_t nmatchers, int64_t start, int64_t end,
                    arena *a, sloeval_error *err);
int prom_call_strings(const prom_call *c, const char *const **out, size_t *n, sloeval_error *err);

/* Decode a {"status":"success","data":[strings]} body (labels, label
 * values) into arena strings; warnings and infos appended to *notes. */
int prom_decode_strings(const char ***out, size_t *n, source_notes *notes, const char *body,
                        size_t len, long http_status, const char *content_type, const char *url,
                        arena *a, sloeval_error *err);

/*
 * After http_batch_run: the call's value and notes (warnings and infos,
 * appended to *notes, arena strings), or its error. A partial answer
 * (partial_response allowed and warnings present) gives SLOEVAL_EPARTIAL
 * and still fills *out.
 */
int prom_call_result(const prom_call *c, value *out, source_notes *notes, sloeval_error *err);

/* Where a call's time went (seconds), and the body size in bytes. */
typedef struct prom_call_stats {
    double transfer_seconds; /* first attempt start to last byte, all retries */
    double decode_seconds;
    size_t body_bytes; /* decoded (uncompressed) */
    int attempts;
    long new_connections;
    /* The server's stats.timings.execTotalTime (seconds) when the source
     * asks for statistics (prom_set_query_stats) and the server sent it;
     * else -1. */
    double server_seconds;
} prom_call_stats;

void prom_call_get_stats(const prom_call *c, prom_call_stats *out);

/* ---- decoding (exposed for tests and benchmarks) ----------------------- */

/*
 * Decode an /api/v1/query or /api/v1/query_range response body into *out
 * (allocated in `a`; nothing points into `body` afterwards) and append its
 * warnings and infos to *notes (may be NULL; appended on success and on
 * a server's error answer only). http_status, content_type and url only
 * shape messages. Codes: for status "error", prom_server_error_code's
 * (SLOEVAL_ESERVER, SLOEVAL_ELIMIT, SLOEVAL_ENODATA); SLOEVAL_EDECODE (not
 * the API's JSON; the message names the member or the line and column),
 * SLOEVAL_EUNSUPPORTED (native histogram samples), SLOEVAL_ENOMEM.
 * Messages are not redacted here. A streaming decoder (prom_json.c).
 */
int prom_decode_response(value *out, source_notes *notes, const char *body, size_t len,
                         long http_status, const char *content_type, const char *url, arena *a,
                         sloeval_error *err);

/*
 * The code of a server's error answer (status "error") with this errorType
 * and error message (either NULL when absent): SLOEVAL_ESERVER (HTTP 400
 * bad_data, or a 422 execution error that is one of PromQL's evaluation
 * errors: the expression's fault; other errorTypes), SLOEVAL_ELIMIT (a
 * sample limit, Mimir's "err-mimir-" limits), SLOEVAL_ENODATA (any other
 * execution error: a store, sidecar or ingester failed, or unknown; fails
 * closed). The rules and the list are in prom_json.c.
 */
int prom_server_error_code(const char *error_type, const char *message);

/* The same, also reading data.stats.timings.execTotalTime (stats=all) into
 * *exec_seconds when the body has it (exec_seconds NULL: not read). */
int prom_decode_response_stats(value *out, source_notes *notes, double *exec_seconds,
                               const char *body, size_t len, long http_status,
                               const char *content_type, const char *url, arena *a,
                               sloeval_error *err);

/*
 * Decode a /api/v1/status/buildinfo body: the semantics to use and, when
 * the version cannot be told, a one-line reason in `warning` ("" when
 * known). Errors as prom_decode_response.
 */
int prom_decode_buildinfo(sloeval_compat *out, char *warning, size_t size, const char *body,
                          size_t len, long http_status, const char *content_type, const char *url,
                          sloeval_error *err);

/*
 * Decode a /api/v1/status/config body: the server's
 * global.evaluation_interval in ms (60000 when the config does not set
 * it), the step Prometheus gives subqueries written without one.
 */
int prom_decode_eval_interval(int64_t *out, const char *body, size_t len, long http_status,
                              const char *content_type, const char *url, sloeval_error *err);

/*
 * The envelope of a /api/v1 body read with jansson's DOM (small bodies such
 * as buildinfo; the tests' reference decoder). prom_dom_load parses the body
 * into *out, an object the caller releases with json_decref, or fails
 * (*out NULL) saying whether the body was meant as JSON. prom_dom_status
 * checks "status": 0 for "success" with a 2xx HTTP status, SLOEVAL_ESERVER
 * with the server's errorType and message for "error", else
 * SLOEVAL_EDECODE. Messages as prom_decode_response's.
 */
struct json_t;
int prom_dom_load(struct json_t **out, const char *body, size_t len, long http_status,
                  const char *content_type, const char *url, sloeval_error *err);
int prom_dom_status(const struct json_t *root, long http_status, const char *url,
                    sloeval_error *err);

/* A printable excerpt of a (server-controlled) string for messages: control
 * bytes as spaces, cut with "..." to fit size (>= 4) with its NUL. */
void prom_excerpt(char *buf, size_t size, const char *s, size_t len);

/*
 * A vector or matrix holds each label set once: SLOEVAL_EDECODE with a
 * message naming the two elements ("data.result[3] has the same labels as
 * data.result[1]: {...}") when two share one, SLOEVAL_ENOMEM, or 0. Both
 * response decoders (and the tests' reference decoder) call it.
 */
int prom_check_distinct_series(const value *v, char *msg, size_t size);

/* Whether a body that failed to decode was meant as JSON: a JSON content
 * type, or '{' or '[' after leading white space. */
bool prom_looks_like_json(const char *body, size_t len, const char *ctype);

/* Milliseconds of seconds as a double (rounded); false when not representable. */
bool prom_seconds_to_ms(double seconds, int64_t *out);

/*
 * A time as the API's time parameters take it, exactly: RFC 3339 with
 * milliseconds in UTC ("2015-07-01T20:10:51.781Z") for years 1..9999,
 * else decimal seconds. buf >= 40 bytes.
 */
void prom_format_time(char *buf, size_t size, int64_t ms);

/* The selector text {name="value",...} for matchers (PromQL string quoting). */
void prom_format_selector(strbuf *sb, const label_matcher *matchers, size_t n);

#endif
