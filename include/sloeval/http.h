/*
 * sloeval/http.h - a source backed by a Prometheus-compatible HTTP API
 * (Prometheus, Thanos Query, Mimir) over libcurl.
 *
 * The source answers three kinds of requests, each a form-encoded POST
 * (long expressions do not fit in URLs) with transparent compression and
 * connection reuse:
 *   - raw samples of a selector over [mint, maxt] (both inclusive), fetched
 *     as the instant query `{matchers}[<r>ms]` at maxt and trimmed to the
 *     window, so the answer is exact on 2.x (closed) and 3.x (left-open)
 *     servers alike;
 *   - an instant query (/api/v1/query);
 *   - a range query (/api/v1/query_range).
 * Times are sent as RFC 3339 with milliseconds, which every server parses
 * exactly (a decimal "s.mmm" goes through a float on 2.x and can land 1 ms
 * early). Timestamps in answers ("1435781451.781") are read from their
 * digits into integer milliseconds, exactly (more than three decimals,
 * which servers never send, round half away from zero); values are read as
 * Go's ParseFloat reads them ("NaN", "+Inf", "-Inf" included).
 *
 * Errors (the code in sloeval_error, one-line message; http_status set
 * whenever a response arrived):
 *   SLOEVAL_ESERVER     the server answered status "error": the message is
 *                       "HTTP <status> from <url>: <errorType>: <error>"
 *                       (the same message with SLOEVAL_ELIMIT for a limit
 *                       the server enforces, "err-mimir-..." or the sample
 *                       limit, and with SLOEVAL_ENODATA for an "execution"
 *                       error that is not a PromQL evaluation error: a
 *                       store or ingester failed behind Thanos or Mimir)
 *   SLOEVAL_EDECODE     the body is not the API's JSON: not JSON at all
 *                       ("non-JSON body (text/html): <first words>"), invalid
 *                       JSON (with line and column), or JSON of the wrong
 *                       shape (names the member: "data.result[3].values[7]:
 *                       ..."); also a corrupt gzip/deflate body
 *   SLOEVAL_ETRANSPORT  DNS, connect, TLS, or the connection closed early
 *   SLOEVAL_ETIMEOUT    an attempt's timeout or the request's time budget
 *   SLOEVAL_ELIMIT      the body is larger than max_response_bytes
 *   SLOEVAL_EPARTIAL    partial responses were allowed (Thanos) and the
 *                       server said it answered partially (a warning)
 *   SLOEVAL_ECONFIG     invalid options, unreadable secret file, unset
 *                       environment variable
 * A failure after retries says how many attempts were made.
 *
 * Secrets: the bearer token and the basic-auth password are read from
 * their file or environment variable when each request is built (so a
 * rotated token is picked up), never stored in messages: every message
 * and every server warning passed on is scrubbed of each secret value
 * loaded (and of base64(user:password)). URLs in messages never carry
 * userinfo. A password in the URL's userinfo is used as basic auth.
 *
 * Threads: a source is used by one thread at a time.
 */
#ifndef SLOEVAL_HTTP_H
#define SLOEVAL_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct sloeval_source sloeval_source;

/** One extra request header. This struct never changes (options hold arrays of it). */
typedef struct sloeval_http_header {
    const char *name;
    const char *value;
} sloeval_http_header;

/**
 * Current version of sloeval_prometheus_options: 1 is every field up to
 * disable_compression, 2 adds user_agent. A struct of version 1 is still
 * read (user_agent then takes its default).
 */
#define SLOEVAL_PROMETHEUS_OPTIONS_VERSION 2

/**
 * How to reach and query one backend. Initialise with
 * SLOEVAL_PROMETHEUS_OPTIONS_INIT (which holds the defaults below), then
 * set what differs. Strings and arrays are copied by
 * sloeval_source_new_prometheus(); they need not outlive the call.
 */
typedef struct sloeval_prometheus_options {
    unsigned int version; /**< SLOEVAL_PROMETHEUS_OPTIONS_VERSION */

    /**
     * Base URL: scheme://[user[:password]@]host[:port][/prefix]. The API
     * paths are appended (Mimir: "http://mimir/prometheus"). Required.
     */
    const char *url;

    /**
     * Semantics for local evaluation of this source's data. With
     * SLOEVAL_COMPAT_AUTO (the default) the source counts as v3 until
     * sloeval_prometheus_detect_compat() has asked the server.
     */
    sloeval_compat compat;

    long connect_timeout_ms;     /**< per attempt; default 5000 */
    long timeout_ms;             /**< one attempt, connect to last byte; default 60000 */
    long total_timeout_ms;       /**< every attempt and wait of one request; default 120000 */
    int max_retries;             /**< retries after the first attempt; default 3 */
    long retry_backoff_ms;       /**< first backoff (doubling, with jitter); default 250 */
    long retry_backoff_max_ms;   /**< backoff cap; default 10000 */
    uint64_t max_response_bytes; /**< decoded body cap; default 256 MiB */
    int parallelism;             /**< transfers in flight for this source's batches; default 8 */

    /**
     * Thanos Query: false (default) sends partial_response=false so that a
     * failing store fails the query instead of silently dropping data;
     * true sends partial_response=true, and then an answer that carries
     * warnings is reported as SLOEVAL_EPARTIAL.
     */
    bool partial_response;
    int dedup; /**< Thanos: -1 (default) not sent, 0 sends dedup=false, 1 dedup=true */

    /** Extra request headers (not Authorization: use the options below). */
    const sloeval_http_header *headers;
    size_t nheaders;

    /** Bearer token from a file or from an environment variable (name). */
    const char *bearer_token_file;
    const char *bearer_token_env;

    /** Basic auth: user, and the password from a file or an environment variable. */
    const char *basic_auth_user;
    const char *basic_auth_password_file;
    const char *basic_auth_password_env;

    const char *tls_ca_file;       /**< CA bundle (PEM) */
    const char *tls_cert_file;     /**< client certificate (PEM) */
    const char *tls_key_file;      /**< client key (PEM) */
    bool tls_insecure_skip_verify; /**< true skips certificate checks; see the warning */

    /** Mimir / Cortex tenant, sent as X-Scope-OrgID. */
    const char *tenant;

    /** Thanos: replicaLabels[] to deduplicate on. */
    const char *const *replica_labels;
    size_t nreplica_labels;
    /** Thanos: max_source_resolution ("auto", "5m", "1h", "0s"); NULL not sent. */
    const char *max_source_resolution;
    /** Thanos: engine ("prometheus" or "thanos"); NULL not sent. */
    const char *engine;

    /**
     * true stops asking for compressed answers (Accept-Encoding). Compression
     * (the default, false) saves bandwidth on slow links, but on a fast one it
     * costs more than it saves: a 12 MB raw-sample answer from Prometheus
     * 2.42 over loopback took 0.9-1.4 s gzip-compressed, 0.2-0.4 s plain.
     */
    bool disable_compression;

    /* ---- version 2 ---- */

    /** The User-Agent header sent; NULL (default) sends "sloeval/<version>". */
    const char *user_agent;
} sloeval_prometheus_options;

#define SLOEVAL_PROMETHEUS_OPTIONS_INIT                                                            \
    {                                                                                              \
        SLOEVAL_PROMETHEUS_OPTIONS_VERSION, NULL, SLOEVAL_COMPAT_AUTO, 5000, 60000, 120000, 3,     \
            250, 10000, (uint64_t)256 * 1024 * 1024, 8, false, -1, NULL, 0, NULL, NULL, NULL,      \
            NULL, NULL, NULL, NULL, NULL, false, NULL, NULL, 0, NULL, NULL, false, NULL            \
    }

/** Reset *opts to the defaults of SLOEVAL_PROMETHEUS_OPTIONS_INIT. */
SLOEVAL_EXPORT void sloeval_prometheus_options_init(sloeval_prometheus_options *opts);

/**
 * Make a source for the backend described by opts. No request is made.
 * Invalid options give SLOEVAL_ECONFIG (or SLOEVAL_EINVAL for a version
 * this library does not know). The source belongs to the caller
 * (sloeval_source_free). sloeval_global_init() must have been called.
 */
SLOEVAL_EXPORT int sloeval_source_new_prometheus(sloeval_source **out,
                                                 const sloeval_prometheus_options *opts,
                                                 sloeval_error *err);

/**
 * Ask the server for its version (GET /api/v1/status/buildinfo) and set
 * the source's semantics: Prometheus 2.x gives SLOEVAL_COMPAT_V2, 3.x
 * SLOEVAL_COMPAT_V3. When the version cannot be told (no buildinfo
 * endpoint, another application such as Mimir or Thanos, another major
 * version), the source uses v3 and a one-line explanation is written to
 * `warning` (size bytes, may be NULL); otherwise warning is set to "".
 * Transport failures and timeouts are returned as errors (the source is
 * left unchanged). A source made with compat v2 or v3 is not asked: *out
 * is that compat.
 */
SLOEVAL_EXPORT int sloeval_prometheus_detect_compat(sloeval_compat *out, sloeval_source *src,
                                                    char *warning, size_t size, sloeval_error *err);

/**
 * A one-line warning about risky options (today: tls_insecure_skip_verify),
 * or NULL. The string lives as long as the source. Show it to the user.
 */
SLOEVAL_EXPORT const char *sloeval_prometheus_config_warning(const sloeval_source *src);

/** The base URL without credentials (for messages); lives as long as the source. */
SLOEVAL_EXPORT const char *sloeval_prometheus_url(const sloeval_source *src);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_HTTP_H */
