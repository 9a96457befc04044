/*
 * HTTP client and parallel request executor (internal), over libcurl.
 *
 * Two objects:
 *
 *   http_client  one per backend (base URL). Holds the resolved transport
 *                configuration (timeouts, retries, size cap, headers, auth
 *                sources, TLS files) and a curl share handle that keeps the
 *                backend's DNS cache, connection cache and TLS sessions, so
 *                that every request to it reuses connections (keep-alive),
 *                whichever batch runs the request. Easy handles are pooled
 *                in the client and reused.
 *
 *   http_batch   a set of independent requests, for any clients, run
 *                together on one curl multi handle with a bounded number of
 *                transfers in flight (`max_parallel`). Each request has its
 *                own deadline, retries and result; a request waiting out a
 *                backoff never blocks the others. A completion callback runs
 *                (in the thread that called http_batch_run) as soon as a
 *                request has its final result, so decoding one answer
 *                overlaps with the other transfers.
 *
 * Per request:
 *   - POST with an application/x-www-form-urlencoded body, or GET.
 *   - Accept-Encoding: every encoding libcurl decodes (gzip, deflate, ...),
 *     unless no_compression.
 *   - Attempt limits: connect timeout and total timeout per attempt, both
 *     clipped to the request's overall deadline (total_timeout_ms, which
 *     bounds all attempts and backoff waits together).
 *   - Retries (at most max_retries) on connection failures (DNS, connect,
 *     connect timeout, connection reset or closed before a complete
 *     response) and on HTTP 429, 502, 503 and 504; the wait is exponential
 *     (retry_backoff_ms * 2^n, capped at retry_backoff_max_ms) with full
 *     jitter in [wait/2, wait], or the server's Retry-After when it sent
 *     one. A wait that would pass the deadline ends the request instead.
 *     Other failures (TLS, timeouts of a started transfer, size cap, other
 *     HTTP statuses) are final at once.
 *   - A body larger than max_response_bytes (after decompression) is
 *     aborted: SLOEVAL_ELIMIT; so are response headers over 100 KiB.
 *   - Redirects are not followed: a 3xx answer is SLOEVAL_ETRANSPORT,
 *     "redirect to <Location without userinfo> not followed".
 *   - Retry-After (seconds or an HTTP date) is clamped to the request's
 *     time budget before use.
 *   - Credentials (bearer token, basic-auth password) are read from their
 *     file or environment variable when a request is built, never earlier,
 *     and every message the client produces is passed through
 *     http_client_redact(), which masks every secret value it has loaded
 *     (and the base64 form of user:password), and the value of every
 *     configured header (but a public one such as the tenant), as
 *     "<redacted>". URLs in messages never carry userinfo.
 *
 * Result of a request (http_request_code and friends): 0 when a complete
 * HTTP response arrived (whatever its status: the caller interprets 4xx and
 * 5xx bodies), otherwise SLOEVAL_ETRANSPORT, SLOEVAL_ETIMEOUT,
 * SLOEVAL_ELIMIT, SLOEVAL_EDECODE (corrupt content encoding) or
 * SLOEVAL_ENOMEM with a one-line message naming the URL and the failure.
 *
 * Threads: a client and a batch are used by one thread at a time; a client
 * may be shared by several batches only when they run in the same thread.
 * curl_global_init (sloeval_global_init) must have run.
 */
#ifndef SLOEVAL_HTTP_HTTP_H
#define SLOEVAL_HTTP_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "util/strbuf.h"

/* Where a secret comes from: a file (trailing newlines trimmed), or an
 * environment variable. At most one of the two is set. The file must be a
 * regular file (or a symbolic link to one) of at most 64 KiB: a FIFO, a
 * device or a directory is a configuration error, never a blocking read. */
typedef struct http_secret_source {
    const char *file;
    const char *env;
} http_secret_source;

/* A header to send. Every value is a secret to mask in messages (an API key
 * can be in any header), unless `public_value` says it is an identifier,
 * like a tenant name. */
typedef struct http_header_kv {
    const char *name;
    const char *value;
    bool public_value;
} http_header_kv;

/* Transport configuration of one backend. Strings are copied. */
typedef struct http_config {
    const char *url; /* scheme://[user[:password]@]host[:port][/prefix] */
    long connect_timeout_ms;
    long timeout_ms;       /* one attempt, connect to last byte */
    long total_timeout_ms; /* every attempt and wait of one request */
    int max_retries;
    long retry_backoff_ms;
    long retry_backoff_max_ms;
    uint64_t max_response_bytes;
    const http_header_kv *headers;
    size_t nheaders;
    http_secret_source bearer_token;
    const char *basic_auth_user;
    http_secret_source basic_auth_password;
    const char *tls_ca_file;
    const char *tls_cert_file;
    const char *tls_key_file;
    bool tls_insecure_skip_verify;
    bool no_compression; /* do not send Accept-Encoding */
} http_config;

typedef struct http_client http_client;
typedef struct http_batch http_batch;
typedef struct http_request http_request;

/*
 * Validate cfg and make a client. Configuration problems (bad URL, scheme
 * other than http/https, query string or fragment in the base URL, header
 * with CR/LF, credentials given twice, unreadable secret file, unset
 * environment variable, non-positive timeouts) are SLOEVAL_ECONFIG.
 */
int http_client_new(http_client **out, const http_config *cfg, sloeval_error *err);
void http_client_free(http_client *c);

/* The base URL without userinfo and without a trailing '/'. */
const char *http_client_url(const http_client *c);

/* Mask, in place, every secret value the client has loaded. */
void http_client_redact(const http_client *c, char *text, size_t size);

/* Make a batch that runs at most max_parallel transfers at once (<= 0: 8). */
int http_batch_new(http_batch **out, int max_parallel);

/* Free the batch and every request in it. */
void http_batch_free(http_batch *b);

/* Called once per request with its final result, inside http_batch_run. */
typedef void (*http_done_fn)(http_request *req, void *userdata);

/*
 * Add a request for `path` (appended to the client's base URL, e.g.
 * "/api/v1/query"). With form != NULL it is a POST of that
 * application/x-www-form-urlencoded body (copied), else a GET. `done` may
 * be NULL. The request belongs to the batch. Returns NULL when out of
 * memory.
 */
http_request *http_batch_add(http_batch *b, http_client *c, const char *path, const char *form,
                             http_done_fn done, void *userdata);

/*
 * Run every request added and not yet run, until each has its final
 * result. Returns 0, or SLOEVAL_ENOMEM / SLOEVAL_ETRANSPORT when the
 * executor itself failed (then the requests not yet finished carry that
 * error too). Per-request failures do not make this fail.
 */
int http_batch_run(http_batch *b, sloeval_error *err);

/*
 * The most bytes the batch's response bodies held at once (allocated
 * buffers). A transfer's buffer never exceeds max_response_bytes + 1, and
 * a body is freed as soon as its request fails, waits for a retry, or its
 * done callback returns, so this stays within max_parallel times that.
 * For tests and diagnostics.
 */
size_t http_batch_peak_body_bytes(const http_batch *b);

/* ---- a request's result (valid until the batch is freed) ---------------- */

/* 0 when a complete response arrived, else the SLOEVAL_E* code. */
int http_request_code(const http_request *r);
/* The failure message (redacted, one line), "" when code is 0. */
const char *http_request_message(const http_request *r);
/* The HTTP status of the last attempt (0 when none arrived). */
long http_request_status(const http_request *r);
/* The body (decoded, NUL-terminated) and its length. With a done callback,
 * valid only inside the callback; the body of a failed request is "". */
const char *http_request_body(const http_request *r, size_t *len);
/* Release the body early (after decoding it). */
void http_request_release_body(http_request *r);
/* Content-Type of the response, "" when absent. */
const char *http_request_content_type(const http_request *r);
/* The full request URL without userinfo (for messages). */
const char *http_request_url(const http_request *r);
http_client *http_request_client(const http_request *r);
/* How many attempts were made (1 + retries). */
int http_request_attempts(const http_request *r);
/* New connections opened over all attempts (0 when one was reused). */
long http_request_new_connections(const http_request *r);
/* Wall time from the first attempt's start to the final result, seconds. */
double http_request_seconds(const http_request *r);
void *http_request_userdata(const http_request *r);

/* Copy the request's failure into err (first error wins); returns the code. */
int http_request_error(const http_request *r, sloeval_error *err);

/* Append name=value to a form body, percent-encoding both. */
void http_form_add(strbuf *form, const char *name, const char *value);

/* Monotonic clock in milliseconds. */
int64_t http_now_ms(void);

/*
 * Mask every occurrence of each non-empty secret in text (NUL-terminated,
 * buffer of `size` bytes) with "<redacted>", in place; truncates to fit.
 */
void redact_secrets(char *text, size_t size, const char *const *secrets, size_t n);

#endif
