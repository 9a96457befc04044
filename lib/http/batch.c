/* http_batch: independent requests run in parallel on a curl multi handle,
 * with bounded concurrency, per-request deadlines, retries with backoff and
 * jitter, Retry-After and a response size cap. See http.h. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http_int.h"
#include "util/error.h"

/* The most response-header bytes one attempt may receive. libcurl itself
 * rejects a single header line longer than this (CURL_MAX_HTTP_HEADER),
 * reporting it as out of memory; the same bound on the whole header block
 * keeps a server streaming header lines from being read forever. */
#define HEADER_LIMIT (100 * 1024)

typedef enum req_state {
    REQ_NEW = 0, /* added, not started */
    REQ_RUNNING, /* an attempt is in the multi handle */
    REQ_WAITING, /* waiting out a backoff before the next attempt */
    REQ_DONE,
} req_state;

struct http_request {
    http_batch *batch;
    http_client *client;
    char *url;  /* full URL, no userinfo */
    char *form; /* NULL: GET */
    http_done_fn done;
    void *userdata;

    req_state state;
    int64_t start_ms;    /* first attempt */
    int64_t deadline_ms; /* start + total timeout */
    int64_t wake_ms;     /* REQ_WAITING: when to try again */
    int64_t end_ms;
    int attempts;
    bool deadline_clipped; /* this attempt's timeout is the request deadline */

    CURL *easy;
    struct curl_slist *hdrs;
    request_auth auth;
    bool auth_loaded;

    strbuf body; /* capacity never above max_response_bytes + 1 */
    bool over_cap;
    size_t header_bytes; /* this attempt's response headers so far */
    bool headers_done;   /* the final response's header block ended */
    bool header_over;    /* header_bytes passed HEADER_LIMIT */
    long status;
    long new_connections;
    char content_type[128];

    int code;
    char message[SLOEVAL_ERROR_MESSAGE_SIZE];
    char curl_err[CURL_ERROR_SIZE];
};

struct http_batch {
    CURLM *multi;
    int max_parallel;
    int running;
    int waiting;
    http_request **reqs;
    size_t nreqs, capreqs;
    size_t next_new; /* reqs[next_new..] may be REQ_NEW */
    uint64_t rng;
    size_t body_bytes;      /* bytes allocated for bodies now */
    size_t body_bytes_peak; /* the most ever allocated at once */
};

/* ---- small helpers ------------------------------------------------------ */

static uint64_t next_random(http_batch *b)
{
    /* splitmix64: jitter only, no quality needed beyond spreading retries. */
    uint64_t z = (b->rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static long min_long(long a, long b)
{
    return a < b ? a : b;
}

static void req_fail(http_request *r, int code, const char *fmt, ...) SLOEVAL_PRINTF(3, 4);

static void req_fail(http_request *r, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->message, sizeof(r->message), fmt, ap);
    va_end(ap);
    for (char *p = r->message; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    http_client_redact(r->client, r->message, sizeof(r->message));
    r->code = code;
}

/* ---- batch -------------------------------------------------------------- */

int http_batch_new(http_batch **out, int max_parallel)
{
    *out = NULL;
    http_batch *b = calloc(1, sizeof(*b));
    if (!b) return SLOEVAL_ENOMEM;
    b->multi = curl_multi_init();
    if (!b->multi) {
        free(b);
        return SLOEVAL_ENOMEM;
    }
    b->max_parallel = max_parallel > 0 ? max_parallel : 8;
    b->rng = (uint64_t)http_now_ms() ^ (uint64_t)(uintptr_t)b;
    *out = b;
    return 0;
}

static void end_attempt(http_request *r)
{
    if (r->easy) {
        curl_multi_remove_handle(r->batch->multi, r->easy);
        client_return_easy(r->client, r->easy);
        r->easy = NULL;
    }
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
}

/* Free r's body, keeping the batch's count of bytes held. */
static void drop_body(http_request *r)
{
    r->batch->body_bytes -= r->body.cap;
    strbuf_free(&r->body);
}

static void request_free(http_request *r)
{
    end_attempt(r);
    request_auth_clear(&r->auth);
    drop_body(r);
    free(r->url);
    free(r->form);
    free(r);
}

void http_batch_free(http_batch *b)
{
    if (!b) return;
    for (size_t i = 0; i < b->nreqs; i++)
        request_free(b->reqs[i]);
    free(b->reqs);
    curl_multi_cleanup(b->multi);
    free(b);
}

http_request *http_batch_add(http_batch *b, http_client *c, const char *path, const char *form,
                             http_done_fn done, void *userdata)
{
    if (b->nreqs == b->capreqs) {
        size_t cap = b->capreqs ? b->capreqs * 2 : 16;
        http_request **p = realloc(b->reqs, cap * sizeof(*p));
        if (!p) return NULL;
        b->reqs = p;
        b->capreqs = cap;
    }
    http_request *r = calloc(1, sizeof(*r));
    if (!r) return NULL;
    size_t len = strlen(c->base_url) + strlen(path) + 1;
    r->url = malloc(len);
    r->form = form ? strdup(form) : NULL;
    if (!r->url || (form && !r->form)) {
        free(r->url);
        free(r->form);
        free(r);
        return NULL;
    }
    snprintf(r->url, len, "%s%s", c->base_url, path);
    r->batch = b;
    r->client = c;
    r->done = done;
    r->userdata = userdata;
    b->reqs[b->nreqs++] = r;
    return r;
}

/* ---- one attempt -------------------------------------------------------- */

static size_t on_body(char *data, size_t size, size_t n, void *ud)
{
    http_request *r = ud;
    size_t bytes = size * n;
    uint64_t cap = r->client->max_response_bytes;
    strbuf *sb = &r->body;
    if ((uint64_t)sb->len + bytes > cap) {
        r->over_cap = true;
        return 0; /* aborts the transfer with CURLE_WRITE_ERROR */
    }
    size_t need = sb->len + bytes + 1;
    if (need > sb->cap) {
        /* Grow by doubling, but never past the cap (+ NUL): what a transfer
         * holds stays within max_response_bytes, so a batch holds at most
         * max_parallel times that. */
        size_t limit = cap >= SIZE_MAX ? SIZE_MAX : (size_t)cap + 1;
        size_t ncap = sb->cap ? sb->cap : 4096;
        while (ncap < need)
            ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
        if (ncap > limit) ncap = limit;
        char *p = realloc(sb->data, ncap);
        if (!p) {
            sb->failed = 1;
            return 0;
        }
        http_batch *b = r->batch;
        b->body_bytes += ncap - sb->cap;
        if (b->body_bytes > b->body_bytes_peak) b->body_bytes_peak = b->body_bytes;
        sb->data = p;
        sb->cap = ncap;
    }
    memcpy(sb->data + sb->len, data, bytes);
    sb->len += bytes;
    sb->data[sb->len] = '\0';
    return bytes;
}

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    http_request *r = ud;
    size_t bytes = size * n;
    r->header_bytes += bytes;
    if (r->header_bytes > HEADER_LIMIT) {
        r->header_over = true;
        return 0; /* aborts the transfer */
    }
    if (bytes >= 5 && !memcmp(data, "HTTP/", 5))
        r->headers_done = false; /* a status line: after 100 Continue, another block */
    else if ((bytes == 2 && data[0] == '\r' && data[1] == '\n') || (bytes == 1 && data[0] == '\n'))
        r->headers_done = true;
    return bytes;
}

#define SET(opt, val)                                                                              \
    do {                                                                                           \
        if (curl_easy_setopt(e, opt, val) != CURLE_OK) goto setopt_failed;                         \
    } while (0)

/* Start the next attempt of r; on failure r is finished with an error. */
static void start_attempt(http_batch *b, http_request *r, int64_t now)
{
    http_client *c = r->client;
    if (r->attempts == 0) {
        r->start_ms = now;
        r->deadline_ms = now + c->total_timeout_ms;
    }
    long remaining = (long)(r->deadline_ms - now);
    if (remaining <= 0) {
        req_fail(r, SLOEVAL_ETIMEOUT, "request to %s ran out of its %ld ms time budget", r->url,
                 c->total_timeout_ms);
        r->state = REQ_DONE;
        return;
    }
    if (!r->auth_loaded) {
        int rc = client_load_auth(c, &r->auth, r->message, sizeof(r->message));
        if (rc) {
            http_client_redact(c, r->message, sizeof(r->message));
            r->code = rc;
            r->state = REQ_DONE;
            return;
        }
        r->auth_loaded = true;
    }
    r->attempts++;
    strbuf_reset(&r->body);
    r->body.failed = 0;
    r->over_cap = false;
    r->header_bytes = 0;
    r->headers_done = false;
    r->header_over = false;
    r->status = 0;
    r->content_type[0] = '\0';
    r->curl_err[0] = '\0';

    CURL *e = client_take_easy(c);
    if (!e) {
        req_fail(r, SLOEVAL_ENOMEM, "out of memory");
        r->state = REQ_DONE;
        return;
    }
    r->easy = e;
    long total = min_long(c->timeout_ms, remaining);
    r->deadline_clipped = total < c->timeout_ms;
    SET(CURLOPT_URL, r->url);
    SET(CURLOPT_SHARE, c->share);
    SET(CURLOPT_PRIVATE, r);
    SET(CURLOPT_NOSIGNAL, 1L);
    SET(CURLOPT_ERRORBUFFER, r->curl_err);
    SET(CURLOPT_WRITEFUNCTION, on_body);
    SET(CURLOPT_WRITEDATA, r);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, r);
    if (!c->no_compression) SET(CURLOPT_ACCEPT_ENCODING, "");
    SET(CURLOPT_CONNECTTIMEOUT_MS, min_long(c->connect_timeout_ms, total));
    SET(CURLOPT_TIMEOUT_MS, total);
    SET(CURLOPT_MAXFILESIZE_LARGE,
        (curl_off_t)(c->max_response_bytes > (uint64_t)INT64_MAX ? INT64_MAX
                                                                 : (int64_t)c->max_response_bytes));
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    SET(CURLOPT_USERAGENT, "sloeval/" SLOEVAL_VERSION_STRING);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    if (c->tls_ca_file) SET(CURLOPT_CAINFO, c->tls_ca_file);
    if (c->tls_cert_file) SET(CURLOPT_SSLCERT, c->tls_cert_file);
    if (c->tls_key_file) SET(CURLOPT_SSLKEY, c->tls_key_file);
    if (c->tls_insecure) {
        SET(CURLOPT_SSL_VERIFYPEER, 0L);
        SET(CURLOPT_SSL_VERIFYHOST, 0L);
    }
    if (r->auth.user) {
        SET(CURLOPT_HTTPAUTH, (long)CURLAUTH_BASIC);
        SET(CURLOPT_USERNAME, r->auth.user);
        SET(CURLOPT_PASSWORD, r->auth.password);
    }
    {
        struct curl_slist *h = NULL, *t;
        /* No "Expect: 100-continue" round trip for large forms. */
        if (!(t = curl_slist_append(h, "Expect:"))) goto oom;
        h = t;
        if (!(t = curl_slist_append(h, "Accept: application/json"))) goto oom_list;
        h = t;
        for (size_t i = 0; i < c->nheaders; i++) {
            if (!(t = curl_slist_append(h, c->headers[i]))) goto oom_list;
            h = t;
        }
        if (r->auth.bearer_header) {
            if (!(t = curl_slist_append(h, r->auth.bearer_header))) goto oom_list;
            h = t;
        }
        r->hdrs = h;
        SET(CURLOPT_HTTPHEADER, r->hdrs);
        if (0) {
        oom_list:
            curl_slist_free_all(h);
        oom:
            req_fail(r, SLOEVAL_ENOMEM, "out of memory");
            end_attempt(r);
            r->state = REQ_DONE;
            return;
        }
    }
    if (r->form) {
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, r->form);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)strlen(r->form));
    } else {
        SET(CURLOPT_HTTPGET, 1L);
    }
    if (curl_multi_add_handle(b->multi, e) != CURLM_OK) {
        req_fail(r, SLOEVAL_ETRANSPORT, "cannot start a transfer to %s", r->url);
        end_attempt(r);
        r->state = REQ_DONE;
        return;
    }
    r->state = REQ_RUNNING;
    b->running++;
    return;
setopt_failed:
    req_fail(r, SLOEVAL_ETRANSPORT,
             "cannot configure a transfer to %s: this libcurl lacks an option sloeval needs",
             r->url);
    end_attempt(r);
    r->state = REQ_DONE;
}

#undef SET

/* ---- classifying a finished attempt ------------------------------------- */

static bool retryable_status(long status)
{
    return status == 429 || status == 502 || status == 503 || status == 504;
}

static bool is_tls_error(CURLcode rc)
{
    switch (rc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
    case CURLE_USE_SSL_FAILED: return true;
    default: return false;
    }
}

/* Fill r's final error from a curl failure; returns whether a retry may help. */
static bool classify_failure(http_request *r, CURLcode rc, bool connecting)
{
    const char *detail = r->curl_err[0] ? r->curl_err : curl_easy_strerror(rc);
    http_client *c = r->client;
    if (r->over_cap || rc == CURLE_FILESIZE_EXCEEDED) {
        req_fail(r, SLOEVAL_ELIMIT,
                 "response from %s is larger than the %llu-byte limit (max_response_bytes)", r->url,
                 (unsigned long long)c->max_response_bytes);
        return false;
    }
    bool too_large = rc == CURLE_OUT_OF_MEMORY;
#if LIBCURL_VERSION_NUM >= 0x080600
    too_large = too_large || rc == CURLE_TOO_LARGE;
#endif
    if (r->header_over || (too_large && r->header_bytes > 0 && !r->headers_done)) {
        /* libcurl reports a header line over its limit as out of memory
         * (the status line before it has reached on_header). */
        req_fail(r, SLOEVAL_ELIMIT,
                 "response header from %s is too large (more than the %d-byte limit)", r->url,
                 HEADER_LIMIT);
        return false;
    }
    if (rc == CURLE_WRITE_ERROR && r->body.failed) {
        req_fail(r, SLOEVAL_ENOMEM, "out of memory reading the response from %s", r->url);
        return false;
    }
    switch (rc) {
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        req_fail(r, SLOEVAL_ETRANSPORT, "cannot resolve the host of %s: %s", r->url, detail);
        return true;
    case CURLE_COULDNT_CONNECT:
        req_fail(r, SLOEVAL_ETRANSPORT, "cannot connect to %s: %s", r->url, detail);
        return true;
    case CURLE_OPERATION_TIMEDOUT:
        if (connecting) {
            req_fail(r, SLOEVAL_ETIMEOUT, "connecting to %s timed out after %ld ms", r->url,
                     min_long(c->connect_timeout_ms, c->timeout_ms));
            return true;
        }
        if (r->deadline_clipped)
            req_fail(r, SLOEVAL_ETIMEOUT,
                     "request to %s timed out: the %ld ms time budget (total_timeout) ran out",
                     r->url, c->total_timeout_ms);
        else
            req_fail(r, SLOEVAL_ETIMEOUT, "request to %s timed out after %ld ms (timeout)", r->url,
                     c->timeout_ms);
        return false;
    case CURLE_GOT_NOTHING:
        req_fail(r, SLOEVAL_ETRANSPORT, "%s closed the connection without a response", r->url);
        return true;
    case CURLE_PARTIAL_FILE:
        req_fail(r, SLOEVAL_ETRANSPORT,
                 "%s closed the connection before the response ended (HTTP %ld, %zu bytes "
                 "received): %s",
                 r->url, r->status, r->body.len, detail);
        return true;
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        req_fail(r, SLOEVAL_ETRANSPORT, "connection to %s failed: %s", r->url, detail);
        return true;
    case CURLE_BAD_CONTENT_ENCODING:
        req_fail(r, SLOEVAL_EDECODE, "HTTP %ld from %s: corrupt compressed body: %s", r->status,
                 r->url, detail);
        return false;
    case CURLE_OUT_OF_MEMORY:
        req_fail(r, SLOEVAL_ENOMEM, "out of memory talking to %s", r->url);
        return false;
    default: break;
    }
    if (is_tls_error(rc)) {
        req_fail(r, SLOEVAL_ETRANSPORT, "TLS error talking to %s: %s", r->url, detail);
        return false;
    }
    req_fail(r, SLOEVAL_ETRANSPORT, "request to %s failed: %s", r->url, detail);
    return false;
}

/* A redirect is not followed (the backend URL should name the final
 * address; following could send credentials elsewhere): say where it
 * pointed, without the target's userinfo. */
static void fail_redirect(http_request *r, const char *location)
{
    char *shown = NULL;
    CURLU *u = location && *location ? curl_url() : NULL;
    if (u && curl_url_set(u, CURLUPART_URL, location, 0) == CURLUE_OK) {
        curl_url_set(u, CURLUPART_USER, NULL, 0);
        curl_url_set(u, CURLUPART_PASSWORD, NULL, 0);
        curl_url_set(u, CURLUPART_OPTIONS, NULL, 0);
        if (curl_url_get(u, CURLUPART_URL, &shown, 0) != CURLUE_OK) shown = NULL;
    }
    if (shown)
        req_fail(r, SLOEVAL_ETRANSPORT, "HTTP %ld from %s: redirect to %.300s not followed",
                 r->status, r->url, shown);
    else if (location && *location)
        req_fail(r, SLOEVAL_ETRANSPORT,
                 "HTTP %ld from %s: redirect to an invalid location not followed", r->status,
                 r->url);
    else
        req_fail(r, SLOEVAL_ETRANSPORT, "HTTP %ld from %s: redirect without a location", r->status,
                 r->url);
    if (shown) curl_free(shown);
    curl_url_cleanup(u);
}

static void finish(http_batch *b, http_request *r, int64_t now)
{
    r->state = REQ_DONE;
    r->end_ms = now;
    if (r->code && r->attempts > 1) {
        size_t len = strlen(r->message);
        snprintf(r->message + len, sizeof(r->message) - len, " (%d attempts in %lld ms)",
                 r->attempts, (long long)(now - r->start_ms));
    }
    request_auth_clear(&r->auth);
    /* A failure's message is all that is kept of it: its body goes at once,
     * not when the batch ends, so that a batch holds at most max_parallel
     * bodies however many requests fail. */
    if (r->code) drop_body(r);
    if (r->done) {
        r->done(r, r->userdata);
        drop_body(r); /* with a callback, the body is valid only inside it */
    }
    (void)b;
}

/* Schedule the next attempt, or finish when no retry fits. */
static void retry_or_finish(http_batch *b, http_request *r, int64_t now, int64_t retry_after_s)
{
    http_client *c = r->client;
    if (r->attempts > c->max_retries) {
        finish(b, r, now);
        return;
    }
    int64_t wait;
    if (retry_after_s > 0) {
        /* The server's number may be anything up to INT64_MAX: clamp it
         * before scaling. Any wait past the time budget ends the request
         * below, so the budget (plus a second) is the most that matters. */
        int64_t max_s = c->total_timeout_ms / 1000 + 1;
        wait = (retry_after_s < max_s ? retry_after_s : max_s) * 1000;
    } else {
        int64_t base = c->retry_backoff_ms;
        for (int i = 1; i < r->attempts && base < c->retry_backoff_max_ms; i++)
            base *= 2;
        if (base > c->retry_backoff_max_ms) base = c->retry_backoff_max_ms;
        /* Full jitter in [base/2, base]. */
        wait = base / 2 + (base > 1 ? (int64_t)(next_random(b) % (uint64_t)(base / 2 + 1)) : 0);
    }
    if (now + wait >= r->deadline_ms) {
        /* No retry fits in the time budget: this attempt's result is final
         * (a response is kept as it is for the caller to report). */
        finish(b, r, now);
        return;
    }
    /* Forget this attempt's failure and body; the next one decides. */
    r->code = 0;
    r->message[0] = '\0';
    drop_body(r);
    r->state = REQ_WAITING;
    r->wake_ms = now + wait;
    b->waiting++;
}

static void on_attempt_done(http_batch *b, http_request *r, CURLcode rc)
{
    int64_t now = http_now_ms();
    CURL *e = r->easy;
    long status = 0, nconn = 0, request_bytes = 0;
    curl_off_t retry_after = 0;
    char *ctype = NULL;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_getinfo(e, CURLINFO_NUM_CONNECTS, &nconn);
    curl_easy_getinfo(e, CURLINFO_REQUEST_SIZE, &request_bytes);
    curl_easy_getinfo(e, CURLINFO_CONTENT_TYPE, &ctype);
#if LIBCURL_VERSION_NUM >= 0x074200
    curl_easy_getinfo(e, CURLINFO_RETRY_AFTER, &retry_after);
#endif
    r->status = status;
    r->new_connections += nconn;
    snprintf(r->content_type, sizeof(r->content_type), "%s", ctype ? ctype : "");
    if (rc == CURLE_OK && status >= 300 && status < 400 && status != 304) {
        char *location = NULL;
        curl_easy_getinfo(e, CURLINFO_REDIRECT_URL, &location);
        fail_redirect(r, location);
        end_attempt(r);
        b->running--;
        finish(b, r, now);
        return;
    }
    end_attempt(r);
    b->running--;

    if (rc == CURLE_OK) {
        r->code = 0;
        if (retryable_status(status)) {
            /* Keep the body: it is the answer if no retry follows. */
            retry_or_finish(b, r, now, retry_after > 0 ? (int64_t)retry_after : 0);
            return;
        }
        finish(b, r, now);
        return;
    }
    /* Nothing sent yet: the attempt never got past connecting. */
    bool retry = classify_failure(r, rc, request_bytes == 0);
    if (retry)
        retry_or_finish(b, r, now, 0);
    else
        finish(b, r, now);
}

/* ---- the loop ----------------------------------------------------------- */

int http_batch_run(http_batch *b, sloeval_error *err)
{
    int rc = 0;
    for (;;) {
        int64_t now = http_now_ms();
        int64_t next_wake = INT64_MAX;
        /* Retries whose wait is over start first, then new requests. */
        if (b->waiting > 0) {
            for (size_t i = 0; i < b->nreqs && b->running < b->max_parallel; i++) {
                http_request *r = b->reqs[i];
                if (r->state != REQ_WAITING) continue;
                if (r->wake_ms <= now) {
                    b->waiting--;
                    start_attempt(b, r, now);
                    if (r->state == REQ_DONE) finish(b, r, now);
                }
            }
            for (size_t i = 0; i < b->nreqs; i++)
                if (b->reqs[i]->state == REQ_WAITING && b->reqs[i]->wake_ms < next_wake)
                    next_wake = b->reqs[i]->wake_ms;
        }
        while (b->running < b->max_parallel && b->next_new < b->nreqs) {
            http_request *r = b->reqs[b->next_new++];
            if (r->state != REQ_NEW) continue;
            start_attempt(b, r, now);
            if (r->state == REQ_DONE) finish(b, r, now);
        }
        while (b->next_new < b->nreqs && b->reqs[b->next_new]->state != REQ_NEW)
            b->next_new++;
        bool pending = b->next_new < b->nreqs;
        if (b->running == 0 && b->waiting == 0 && !pending) break;

        int still = 0;
        CURLMcode mc = curl_multi_perform(b->multi, &still);
        if (mc != CURLM_OK && mc != CURLM_CALL_MULTI_PERFORM) {
            rc = error_set(err, mc == CURLM_OUT_OF_MEMORY ? SLOEVAL_ENOMEM : SLOEVAL_ETRANSPORT,
                           "HTTP executor failed: %s", curl_multi_strerror(mc));
            break;
        }
        CURLMsg *msg;
        int left;
        bool finished_any = false;
        while ((msg = curl_multi_info_read(b->multi, &left)) != NULL) {
            if (msg->msg != CURLMSG_DONE) continue;
            http_request *r = NULL;
            CURL *e = msg->easy_handle;
            CURLcode res = msg->data.result;
            curl_easy_getinfo(e, CURLINFO_PRIVATE, (char **)&r);
            if (r) {
                on_attempt_done(b, r, res);
                finished_any = true;
            }
        }
        if (finished_any) continue; /* free slots: start more before waiting */

        long timeout_ms = 1000;
        long curl_timeout = -1;
        curl_multi_timeout(b->multi, &curl_timeout);
        if (curl_timeout >= 0 && curl_timeout < timeout_ms) timeout_ms = curl_timeout;
        if (next_wake != INT64_MAX) {
            int64_t until = next_wake - http_now_ms();
            if (until < 0) until = 0;
            if (until < timeout_ms) timeout_ms = (long)until;
        }
        if (b->running == 0 && next_wake == INT64_MAX) timeout_ms = 0;
        if (timeout_ms > 0) {
            mc = curl_multi_poll(b->multi, NULL, 0, (int)timeout_ms, NULL);
            if (mc != CURLM_OK) {
                rc = error_set(err, SLOEVAL_ETRANSPORT, "HTTP executor failed: %s",
                               curl_multi_strerror(mc));
                break;
            }
        }
    }
    if (rc) {
        int64_t now = http_now_ms();
        for (size_t i = 0; i < b->nreqs; i++) {
            http_request *r = b->reqs[i];
            if (r->state == REQ_DONE) continue;
            if (r->state == REQ_RUNNING) {
                end_attempt(r);
                b->running--;
            }
            if (r->state == REQ_WAITING) b->waiting--;
            req_fail(r, rc, "%s", err && err->code ? err->message : "HTTP executor failed");
            finish(b, r, now);
        }
        b->next_new = b->nreqs;
    }
    return rc;
}

/* ---- results ------------------------------------------------------------ */

int http_request_code(const http_request *r)
{
    return r->code;
}

const char *http_request_message(const http_request *r)
{
    return r->message;
}

long http_request_status(const http_request *r)
{
    return r->status;
}

const char *http_request_body(const http_request *r, size_t *len)
{
    if (len) *len = r->body.len;
    return strbuf_cstr(&r->body);
}

void http_request_release_body(http_request *r)
{
    drop_body(r);
}

size_t http_batch_peak_body_bytes(const http_batch *b)
{
    return b->body_bytes_peak;
}

const char *http_request_content_type(const http_request *r)
{
    return r->content_type;
}

const char *http_request_url(const http_request *r)
{
    return r->url;
}

http_client *http_request_client(const http_request *r)
{
    return r->client;
}

int http_request_attempts(const http_request *r)
{
    return r->attempts;
}

long http_request_new_connections(const http_request *r)
{
    return r->new_connections;
}

double http_request_seconds(const http_request *r)
{
    return (double)(r->end_ms - r->start_ms) / 1000.0;
}

void *http_request_userdata(const http_request *r)
{
    return r->userdata;
}

int http_request_error(const http_request *r, sloeval_error *err)
{
    if (!r->code) return 0;
    return error_set(err, r->code, "%s", r->message);
}
