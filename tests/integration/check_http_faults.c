/*
 * Fault tests of the HTTP source against a deliberately misbehaving server
 * on 127.0.0.1 (tests/support/faultserver.h): every fault gives its
 * documented code and a one-line message naming the problem, within the
 * configured time bound; retries are observed through the server's request
 * count. Also: what the client sends (form POST, parameters, headers,
 * compression), connection reuse, parallelism, warnings, partial answers,
 * buildinfo fallbacks, and that secrets never reach a message.
 *
 * Time bounds are small (200 ms timeouts, 3 retries from 10 ms backoff) so
 * the suite stays fast; each test asserts its elapsed time: lower bounds
 * exactly, upper bounds (and the attempt timeout, which an answer must
 * beat) widened by the scheduling delay measured around the work
 * (tests/support/timing.h), so that they hold on a loaded machine and
 * still catch work several times slower than promised. Requests are
 * looked up by index rather than cleared between queries: a server thread
 * may still be finishing the previous connection's record.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "faultserver.h"
#include "http/http.h"
#include "timing.h"
#include "sloeval.h"
#include "source/prometheus.h"

static faultserver *fs;

#if defined(__has_include)
#if __has_include(<valgrind/valgrind.h>)
#include <valgrind/valgrind.h>
#endif
#endif
#ifndef RUNNING_ON_VALGRIND
#define RUNNING_ON_VALGRIND 0
#endif

/*
 * Every time limit and bound is multiplied by this: 1 normally, 5 under
 * valgrind (everything runs ~20x slower), or SLOEVAL_TEST_TIME_SCALE.
 */
static int scale(void)
{
    return timing_scale(RUNNING_ON_VALGRIND ? 5 : 1);
}

#define S(ms) ((ms)*scale())

/* Whether the len bytes at p contain needle. */
static bool contains(const char *p, size_t len, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= len; i++)
        if (!memcmp(p + i, needle, n)) return true;
    return false;
}

static const char *VECTOR_OK =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":"
    "\"b\"},\"value\":[1704067200,\"42\"]}]}}";

static void setup(void)
{
    char err[256];
    fs = faultserver_start(err, sizeof err);
    if (!fs) {
        fprintf(stderr, "faultserver: %s\n", err);
        abort();
    }
}

static void teardown(void)
{
    faultserver_stop(fs);
}

static double now_ms(void)
{
    return timing_now_ms();
}

/*
 * Upper time bounds get WAKEUPS times the worst wake-up delay measured
 * just before and just after the timed work: a request depends on about
 * that many timely wake-ups (its thread, the server's, each retry's wait).
 * `lateness` is what the last run_query (or measure_lateness) saw.
 */
#define WAKEUPS 10
static double lateness;

static void measure_lateness(void)
{
    double l = timing_lateness_ms();
    if (l > lateness) lateness = l;
}

#define SLACK() (WAKEUPS * lateness)

/* The attempt timeout of fast_options: 200 ms, plus WAKEUPS times the
 * wake-up delay measured when the options were made, so that a server
 * thread the load holds up does not turn an answer into a timeout. */
static long attempt_ms;

/* The fast options every fault test starts from. */
static sloeval_prometheus_options fast_options(const char *url)
{
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    attempt_ms = S(200) + (long)(WAKEUPS * timing_lateness_ms());
    o.url = url;
    o.connect_timeout_ms = attempt_ms;
    o.timeout_ms = attempt_ms;
    o.total_timeout_ms = S(2000);
    o.max_retries = 3;
    o.retry_backoff_ms = 10;
    o.retry_backoff_max_ms = 40;
    return o;
}

static sloeval_source *make(const sloeval_prometheus_options *o)
{
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_source_new_prometheus(&src, o, &err) == 0, "%s", err.message);
    return src;
}

/* Run one instant query; returns the code, fills err, value and notes. */
static int run_query(const sloeval_prometheus_options *o, arena *a, value *v, source_notes *notes,
                     sloeval_error *err, double *elapsed_ms)
{
    sloeval_source *src = make(o);
    lateness = 0;
    measure_lateness();
    double t0 = now_ms();
    int rc = src->vt->query(src, "up", 1704067200000LL, a, v, notes, err);
    *elapsed_ms = now_ms() - t0;
    measure_lateness();
    src->vt->destroy(src);
    return rc;
}

typedef struct fault_case {
    const char *name;
    faultserver_response resp[2]; /* the script (second: after a retry) */
    size_t nresp;
    int code;            /* expected result */
    long http_status;    /* expected err.http_status (0: none) */
    size_t requests;     /* requests the server should have seen */
    const char *message; /* a fragment of the message */
    double max_ms;       /* time bound */
    double min_ms;       /* lower bound (Retry-After) */
    uint64_t max_bytes;  /* 0: default */
} fault_case;

#define R(...) ((faultserver_response){__VA_ARGS__})

static const char *TEXT = "Content-Type: text/plain; charset=utf-8";

static const fault_case fault_cases[] = {
    {"500 internal JSON",
     {R(.status = 500,
        .body = "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"db closed\"}")},
     1,
     SLOEVAL_ESERVER,
     500,
     1,
     "HTTP 500 from %URL%/api/v1/query: internal: db closed",
     500,
     0,
     0},
    {"500 text",
     {R(.status = 500, .headers = "Content-Type: text/plain", .body = "oops\n")},
     1,
     SLOEVAL_EDECODE,
     500,
     1,
     "HTTP 500 from %URL%/api/v1/query: non-JSON body (text/plain): oops",
     500,
     0,
     0},
    {"502 proxy HTML, then OK",
     {R(.status = 502, .headers = "Content-Type: text/html", .body = "<html>bad gateway</html>"),
      R(.body = NULL)},
     2,
     0,
     0,
     2,
     NULL,
     500,
     0,
     0},
    {"502 always",
     {R(.status = 502, .headers = "Content-Type: text/html",
        .body = "<html><body>502 Bad Gateway</body></html>")},
     1,
     SLOEVAL_EDECODE,
     502,
     4,
     "HTTP 502 from %URL%/api/v1/query: non-JSON body (text/html): <html><body>502 Bad "
     "Gateway</body></html> (4 attempts)",
     1000,
     0,
     0},
    {"503 always",
     {R(.status = 503, .headers = "Content-Type: text/plain; charset=utf-8",
        .body = "Service Unavailable")},
     1,
     SLOEVAL_EDECODE,
     503,
     4,
     "HTTP 503 from %URL%/api/v1/query: non-JSON body (text/plain; charset=utf-8): Service "
     "Unavailable (4 attempts)",
     1000,
     0,
     0},
    {"503 Retry-After 1, then OK",
     {R(.status = 503, .headers = "Retry-After: 1\nContent-Type: text/plain", .body = "busy"),
      R(.body = NULL)},
     2,
     0,
     0,
     2,
     NULL,
     1800,
     950,
     0},
    {"503 Retry-After past the budget",
     {R(.status = 503, .headers = "Retry-After: 120\nContent-Type: text/plain", .body = "busy")},
     1,
     SLOEVAL_EDECODE,
     503,
     1,
     "HTTP 503 from %URL%/api/v1/query: non-JSON body (text/plain): busy",
     500,
     0,
     0},
    {"429 then OK",
     {R(.status = 429, .headers = "Content-Type: text/plain", .body = "slow down"),
      R(.body = NULL)},
     2,
     0,
     0,
     2,
     NULL,
     500,
     0,
     0},
    {"504 always",
     {R(.status = 504, .headers = "Content-Type: text/plain", .body = "gateway timeout")},
     1,
     SLOEVAL_EDECODE,
     504,
     4,
     "(4 attempts)",
     1000,
     0,
     0},
    {"slower than the timeout",
     {R(.fault = FAULT_DELAY_HEADERS, .delay_ms = 1500, .body = NULL)},
     1,
     SLOEVAL_ETIMEOUT,
     0,
     1,
     "request to %URL%/api/v1/query timed out after %T% ms (timeout)",
     600,
     150,
     0},
    {"body stalls past the timeout",
     {R(.fault = FAULT_DELAY_BODY, .delay_ms = 1500, .body = NULL)},
     1,
     SLOEVAL_ETIMEOUT,
     200,
     1,
     "timed out after %T% ms",
     600,
     150,
     0},
    {"body cut off halfway",
     {R(.fault = FAULT_TRUNCATE_BODY, .body = NULL)},
     1,
     SLOEVAL_ETRANSPORT,
     200,
     4,
     "%URL%/api/v1/query closed the connection before the response ended (HTTP 200",
     1000,
     0,
     0},
    {"close after the headers",
     {R(.fault = FAULT_CLOSE_AFTER_HEADERS, .body = NULL)},
     1,
     SLOEVAL_ETRANSPORT,
     200,
     4,
     "closed the connection before the response ended (HTTP 200, 0 bytes received)",
     1000,
     0,
     0},
    {"close without a response",
     {R(.fault = FAULT_CLOSE)},
     1,
     SLOEVAL_ETRANSPORT,
     0,
     4,
     "%URL%/api/v1/query closed the connection without a response (4 attempts",
     1000,
     0,
     0},
    {"connection reset",
     {R(.fault = FAULT_RESET)},
     1,
     SLOEVAL_ETRANSPORT,
     0,
     4,
     "(4 attempts",
     1000,
     0,
     0},
    {"invalid JSON",
     {R(.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[}")},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "HTTP 200 from %URL%/api/v1/query: invalid JSON at line 1 column 61",
     500,
     0,
     0},
    {"missing data",
     {R(.body = "{\"status\":\"success\"}")},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "no \"data\" in a success response",
     500,
     0,
     0},
    {"result not an array",
     {R(.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":\"x\"}}")},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "data.result of a vector is not an array",
     500,
     0,
     0},
    {"value not a string",
     {R(.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
                "\"metric\":{},\"value\":[1,2]}]}}")},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "data.result[0].value: sample value is not a string",
     500,
     0,
     0},
    {"bad float",
     {R(.body = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
                "\"metric\":{},\"value\":[1,\"1,5\"]}]}}")},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "data.result[0].value: bad sample value \"1,5\"",
     500,
     0,
     0},
    {"bad_data",
     {R(.status = 400, .body = "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":"
                               "\"invalid parameter \\\"query\\\"\"}")},
     1,
     SLOEVAL_ESERVER,
     400,
     1,
     "HTTP 400 from %URL%/api/v1/query: bad_data: invalid parameter \"query\"",
     500,
     0,
     0},
    {"execution",
     {R(.status = 422,
        .body = "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"many-to-many\"}")},
     1,
     SLOEVAL_ESERVER,
     422,
     1,
     "HTTP 422 from %URL%/api/v1/query: execution: many-to-many",
     500,
     0,
     0},
    {"timeout errorType",
     {R(.status = 503,
        .body = "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out\"}")},
     1,
     SLOEVAL_ESERVER,
     503,
     4,
     "HTTP 503 from %URL%/api/v1/query: timeout: query timed out (4 attempts)",
     1000,
     0,
     0},
    {"canceled",
     {R(.status = 499,
        .body =
            "{\"status\":\"error\",\"errorType\":\"canceled\",\"error\":\"context canceled\"}")},
     1,
     SLOEVAL_ESERVER,
     499,
     1,
     "canceled: context canceled",
     500,
     0,
     0},
    {"not_found",
     {R(.status = 404,
        .body = "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"nope\"}")},
     1,
     SLOEVAL_ESERVER,
     404,
     1,
     "not_found: nope",
     500,
     0,
     0},
    {"unavailable",
     {R(.status = 500,
        .body = "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"agent\"}")},
     1,
     SLOEVAL_ESERVER,
     500,
     1,
     "unavailable: agent",
     500,
     0,
     0},
    {"over the size cap",
     {R(.fault = FAULT_HUGE_BODY, .huge_bytes = 8u << 20,
        .body = "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,\"")},
     1,
     SLOEVAL_ELIMIT,
     200,
     1,
     "response from %URL%/api/v1/query is larger than the 1048576-byte limit (max_response_bytes)",
     1000,
     0,
     1u << 20},
    {"over the size cap, chunked",
     {R(.fault = FAULT_HUGE_BODY, .chunked = true, .huge_bytes = 8u << 20, .body = "{\"status\":")},
     1,
     SLOEVAL_ELIMIT,
     200,
     1,
     "is larger than the 1048576-byte limit",
     1000,
     0,
     1u << 20},
    {"over the size cap after gunzip",
     {R(.gzip = true, .body = NULL)},
     1,
     SLOEVAL_ELIMIT,
     200,
     1,
     "is larger than the 100-byte limit",
     500,
     0,
     100},
    {"corrupted gzip",
     {R(.fault = FAULT_CORRUPT_GZIP, .body = NULL)},
     1,
     SLOEVAL_EDECODE,
     200,
     1,
     "HTTP 200 from %URL%/api/v1/query: corrupt compressed body",
     500,
     0,
     0},
    {"gzip OK", {R(.gzip = true, .body = NULL)}, 1, 0, 0, 1, NULL, 500, 0, 0},
    /* Retry-After beyond any budget: no overflow (UBSan), no retry at once. */
    {"503 Retry-After INT64_MAX",
     {R(.status = 503, .headers = "Retry-After: 9223372036854775807\nContent-Type: text/plain",
        .body = "busy")},
     1,
     SLOEVAL_EDECODE,
     503,
     1,
     "HTTP 503 from %URL%/api/v1/query: non-JSON body (text/plain): busy",
     500,
     0,
     0},
    {"503 Retry-After an HTTP date in 9999",
     {R(.status = 503,
        .headers = "Retry-After: Fri, 31 Dec 9999 23:59:59 GMT\nContent-Type: text/plain",
        .body = "busy")},
     1,
     SLOEVAL_EDECODE,
     503,
     1,
     "HTTP 503 from %URL%/api/v1/query: non-JSON body (text/plain): busy",
     500,
     0,
     0},
    {"redirect elsewhere, credentials in the Location",
     {R(.status = 302,
        .headers = "Location: http://alice:pw-in-location@other.example:9090/login?next=%2F",
        .body = "")},
     1,
     SLOEVAL_ETRANSPORT,
     302,
     1,
     "HTTP 302 from %URL%/api/v1/query: redirect to http://other.example:9090/login?next=%2F not "
     "followed",
     500,
     0,
     0},
    {"relative redirect with a JSON body",
     {R(.status = 301, .headers = "Location: /prometheus/api/v1/query", .body = NULL)},
     1,
     SLOEVAL_ETRANSPORT,
     301,
     1,
     "HTTP 301 from %URL%/api/v1/query: redirect to %URL%/prometheus/api/v1/query not followed",
     500,
     0,
     0},
    {"a header line over 100 KiB",
     {R(.fault = FAULT_HUGE_HEADER, .huge_bytes = 200000, .body = NULL)},
     1,
     SLOEVAL_ELIMIT,
     200,
     1,
     "response header from %URL%/api/v1/query is too large (more than the 102400-byte limit)",
     1000,
     0,
     0},
    {"an endless header block",
     {R(.fault = FAULT_MANY_HEADERS, .huge_bytes = (size_t)1 << 32, .body = NULL)},
     1,
     SLOEVAL_ELIMIT,
     200,
     1,
     "response header from %URL%/api/v1/query is too large (more than the 102400-byte limit)",
     1000,
     0,
     0},
};

/* Replace %URL% with the server's URL. */
static void expand(char *out, size_t size, const char *tmpl)
{
    const char *url = faultserver_url(fs);
    size_t o = 0;
    for (const char *p = tmpl; *p && o + 1 < size;) {
        if (!strncmp(p, "%URL%", 5)) {
            o += (size_t)snprintf(out + o, size - o, "%s", url);
            p += 5;
        } else if (!strncmp(p, "%T%", 3)) {
            o += (size_t)snprintf(out + o, size - o, "%ld", attempt_ms);
            p += 3;
        } else {
            out[o++] = *p++;
        }
    }
    out[o < size ? o : size - 1] = '\0';
}

START_TEST(test_fault)
{
    const fault_case *c = &fault_cases[_i];
    faultserver_response script[2];
    for (size_t i = 0; i < c->nresp; i++) {
        script[i] = c->resp[i];
        script[i].delay_ms = S(script[i].delay_ms);
        if (!script[i].body && script[i].fault != FAULT_CLOSE && script[i].fault != FAULT_RESET)
            script[i].body = VECTOR_OK;
    }
    faultserver_script(fs, script, c->nresp);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    if (c->max_bytes) o.max_response_bytes = c->max_bytes;
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    double ms;
    int rc = run_query(&o, &a, &v, NULL, &err, &ms);
    ck_assert_msg(rc == c->code, "%s: code %d (%s), want %d", c->name, rc, err.message, c->code);
    ck_assert_int_eq(err.code, c->code);
    if (c->code) {
        char want[512];
        expand(want, sizeof want, c->message);
        ck_assert_msg(strstr(err.message, want) != NULL, "%s: message\n  %s\nlacks\n  %s", c->name,
                      err.message, want);
        ck_assert(strchr(err.message, '\n') == NULL);
        ck_assert_int_eq(err.http_status, c->http_status);
        ck_assert_int_eq(v.kind, VALUE_NONE);
    } else {
        ck_assert_int_eq(v.kind, VALUE_VECTOR);
        ck_assert_uint_eq(v.u.vector.count, 1);
        ck_assert(v.u.vector.items[0].v == 42);
    }
    ck_assert_msg(faultserver_request_count(fs) == c->requests, "%s: %zu requests, want %zu",
                  c->name, faultserver_request_count(fs), c->requests);
    ck_assert_msg(ms <= S(c->max_ms) + SLACK() && ms >= c->min_ms,
                  "%s: took %.0f ms, want %.0f..%.0f (%.1f ms wake-up delay)", c->name, ms,
                  c->min_ms, S(c->max_ms) + SLACK(), lateness);
    arena_free(&a);
}
END_TEST

START_TEST(test_connection_refused)
{
    char url[64];
    snprintf(url, sizeof url, "%s", faultserver_url(fs));
    faultserver_stop_listening(fs);
    sloeval_prometheus_options o = fast_options(url);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    double ms;
    ck_assert_int_eq(run_query(&o, &a, &v, NULL, &err, &ms), SLOEVAL_ETRANSPORT);
    char want[128];
    snprintf(want, sizeof want, "cannot connect to %s/api/v1/query: ", url);
    ck_assert_msg(!strncmp(err.message, want, strlen(want)), "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "(4 attempts in "));
    ck_assert_int_eq(err.http_status, 0);
    ck_assert_double_lt(ms, S(1000) + SLACK());
    arena_free(&a);
}
END_TEST

/*
 * The total budget bounds retries: a server that answers 503 after 150 ms,
 * a 500 ms budget, up to 10 retries. Attempts may run as long as the budget
 * (timeout 500 ms), so every attempt that times out does so at the
 * deadline, and the only way to end earlier is a backoff wait (10..40 ms)
 * that would pass it: the request ends between 460 ms and the deadline
 * plus scheduling slack, after 2 to 4 attempts.
 */
START_TEST(test_total_budget)
{
    faultserver_response r = {.fault = FAULT_DELAY_HEADERS,
                              .delay_ms = S(150),
                              .status = 503,
                              .headers = "Content-Type: text/plain",
                              .body = "busy"};
    faultserver_script(fs, &r, 1);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    o.timeout_ms = S(500);
    o.total_timeout_ms = S(500);
    o.max_retries = 10;
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    double ms;
    int rc = run_query(&o, &a, &v, NULL, &err, &ms);
    ck_assert_msg(rc == SLOEVAL_EDECODE || rc == SLOEVAL_ETIMEOUT, "%d %s", rc, err.message);
    if (rc == SLOEVAL_ETIMEOUT)
        ck_assert_msg(strstr(err.message, "time budget") != NULL, "%s", err.message);
    size_t n = faultserver_request_count(fs);
    ck_assert_msg(n >= 2 && n <= 4, "%zu attempts", n);
    ck_assert_msg(ms >= S(500) - o.retry_backoff_max_ms - 1 && ms < S(500) + S(100) + SLACK(),
                  "took %.0f ms (%.1f ms wake-up delay)", ms, lateness);
    arena_free(&a);
}
END_TEST

/* A TLS setup failure (an unreadable client certificate): a TLS error,
 * not retried. */
START_TEST(test_tls_error)
{
    char url[64];
    snprintf(url, sizeof url, "https://127.0.0.1:%d", faultserver_port(fs));
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    sloeval_prometheus_options o = fast_options(url);
    o.tls_cert_file = "/nonexistent/sloeval-client.pem";
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    double ms;
    ck_assert_int_eq(run_query(&o, &a, &v, NULL, &err, &ms), SLOEVAL_ETRANSPORT);
    ck_assert_msg(strstr(err.message, "TLS error talking to https://127.0.0.1:") != NULL, "%s",
                  err.message);
    ck_assert_double_lt(ms, S(1000) + SLACK());
    arena_free(&a);
}
END_TEST

/* What goes on the wire: a form POST with every configured parameter and header. */
START_TEST(test_request_shape)
{
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    char url[96];
    snprintf(url, sizeof url, "%s/prometheus/", faultserver_url(fs));
    sloeval_prometheus_options o = fast_options(url);
    static const char *const replicas[2] = {"replica", "rule_replica"};
    sloeval_http_header hdr[1] = {{"X-Extra", "yes"}};
    o.tenant = "team-a";
    o.dedup = 1;
    o.replica_labels = replicas;
    o.nreplica_labels = 2;
    o.max_source_resolution = "5m";
    o.engine = "thanos";
    o.headers = hdr;
    o.nheaders = 1;
    sloeval_source *src = make(&o);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->query(src, "sum(rate(x{a=\"b c\"}[5m])) / 2 + 1", 1435781451009LL, &a,
                                    &v, NULL, &err),
                     0);
    const faultserver_request *r = faultserver_get_request(fs, 0);
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->path, "/prometheus/api/v1/query");
    ck_assert_str_eq(faultserver_request_header(r, "Content-Type"),
                     "application/x-www-form-urlencoded");
    ck_assert_ptr_nonnull(strstr(faultserver_request_header(r, "Accept-Encoding"), "gzip"));
    ck_assert_str_eq(faultserver_request_header(r, "X-Scope-OrgID"), "team-a");
    ck_assert_str_eq(faultserver_request_header(r, "X-Extra"), "yes");
    ck_assert_ptr_null(faultserver_request_header(r, "Authorization"));
    static const struct {
        const char *name, *value;
    } params[] = {
        {"query", "sum(rate(x{a=\"b c\"}[5m])) / 2 + 1"},
        {"time", "2015-07-01T20:10:51.009Z"},
        {"partial_response", "false"},
        {"dedup", "true"},
        {"max_source_resolution", "5m"},
        {"engine", "thanos"},
        {"timeout", NULL}, /* the attempt timeout, below */
        {"replicaLabels[]", "replica"},
    };
    for (size_t i = 0; i < sizeof params / sizeof params[0]; i++) {
        char *val = faultserver_form_value(r->body, params[i].name);
        char want[32];
        snprintf(want, sizeof want, "%ldms", attempt_ms);
        const char *expect = params[i].value ? params[i].value : want;
        ck_assert_msg(val && !strcmp(val, expect), "%s = %s", params[i].name,
                      val ? val : "(absent)");
        free(val);
    }
    ck_assert_ptr_nonnull(strstr(r->body, "replicaLabels%5B%5D=rule_replica"));

    /* A range query and a raw-sample select. */
    faultserver_respond(fs, 200, NULL,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
                        "{\"metric\":{\"a\":\"1\"},\"values\":[[99.999,\"0\"],[100,\"1\"],[130,"
                        "\"2\"],[160,\"3\"]]}]}}");
    ck_assert_int_eq(src->vt->query_range(src, "x", 100000, 160000, 30000, &a, &v, NULL, &err), 0);
    r = faultserver_get_request(fs, 1);
    ck_assert_str_eq(r->path, "/prometheus/api/v1/query_range");
    char *p = faultserver_form_value(r->body, "start");
    ck_assert_str_eq(p, "1970-01-01T00:01:40.000Z");
    free(p);
    p = faultserver_form_value(r->body, "step");
    ck_assert_str_eq(p, "30000ms");
    free(p);
    label_matcher m[2] = {{MATCH_EQUAL, STRV_LIT("__name__"), STRV_LIT("x")},
                          {MATCH_REGEX, STRV_LIT("a"), STRV_LIT("1|\"2\"")}};
    matrix mx;
    ck_assert_int_eq(src->vt->select(src, m, 2, 100000, 160000, &a, &mx, NULL, &err), 0);
    r = faultserver_get_request(fs, 2);
    p = faultserver_form_value(r->body, "query");
    ck_assert_str_eq(p, "{__name__=\"x\",a=~\"1|\\\"2\\\"\"}[60001ms]");
    free(p);
    p = faultserver_form_value(r->body, "time");
    ck_assert_str_eq(p, "1970-01-01T00:02:40.000Z");
    free(p);
    /* The sample 1 ms before mint is dropped. */
    ck_assert_uint_eq(mx.count, 1);
    ck_assert_uint_eq(mx.items[0].count, 3);
    ck_assert_int_eq(mx.items[0].samples[0].t, 100000);
    {
        /* disable_compression: no Accept-Encoding. */
        sloeval_prometheus_options o2 = o;
        o2.disable_compression = 1;
        sloeval_source *plain = make(&o2);
        size_t base = faultserver_request_count(fs);
        ck_assert_int_eq(plain->vt->query(plain, "up", 0, &a, &v, NULL, &err), 0);
        ck_assert_ptr_null(
            faultserver_request_header(faultserver_get_request(fs, base), "Accept-Encoding"));
        plain->vt->destroy(plain);
    }
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

START_TEST(test_connection_reuse)
{
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    sloeval_source *src = make(&o);
    arena a;
    arena_init(&a, 0);
    for (int i = 0; i < 5; i++) {
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(src->vt->query(src, "up", 0, &a, &v, NULL, &err), 0);
    }
    ck_assert_uint_eq(faultserver_request_count(fs), 5);
    ck_assert_uint_eq(faultserver_connection_count(fs), 1);
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

/* 16 requests of 200 ms each, 4 at a time: about 800 ms, not 3.2 s. */
START_TEST(test_parallel_bounded)
{
    faultserver_response r = {.fault = FAULT_DELAY_HEADERS, .delay_ms = S(200), .body = VECTOR_OK};
    faultserver_script(fs, &r, 1);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    o.timeout_ms = S(2000);
    o.total_timeout_ms = S(5000);
    sloeval_source *src = make(&o);
    http_batch *b;
    ck_assert_int_eq(http_batch_new(&b, 4), 0);
    arena a;
    arena_init(&a, 0);
    prom_call *calls[16];
    sloeval_error err = SLOEVAL_ERROR_INIT;
    for (int i = 0; i < 16; i++)
        ck_assert_int_eq(prom_add_query(&calls[i], src, b, "up", 0, &a, &err), 0);
    lateness = 0;
    measure_lateness();
    double t0 = now_ms();
    ck_assert_int_eq(http_batch_run(b, &err), 0);
    double ms = now_ms() - t0;
    measure_lateness();
    for (int i = 0; i < 16; i++) {
        value v;
        ck_assert_msg(prom_call_result(calls[i], &v, NULL, &err) == 0, "%s", err.message);
        ck_assert(v.u.vector.items[0].v == 42);
    }
    ck_assert_msg(ms >= S(780) && ms < S(1600) + SLACK(), "took %.0f ms (%.1f ms wake-up delay)",
                  ms, lateness);
    ck_assert_uint_le(faultserver_connection_count(fs), 4);
    http_batch_free(b);
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

/* A request waiting out a backoff does not hold up the others. */
START_TEST(test_backoff_does_not_block)
{
    /* First answer: 503 with Retry-After 1; the rest are immediate. */
    faultserver_response script[2] = {
        {.status = 503, .headers = "Retry-After: 1\nContent-Type: text/plain", .body = "busy"},
        {.body = VECTOR_OK},
    };
    faultserver_script(fs, script, 2);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    o.total_timeout_ms = S(3000);
    sloeval_source *src = make(&o);
    http_batch *b;
    ck_assert_int_eq(http_batch_new(&b, 2), 0);
    arena a;
    arena_init(&a, 0);
    prom_call *calls[8];
    sloeval_error err = SLOEVAL_ERROR_INIT;
    for (int i = 0; i < 8; i++)
        ck_assert_int_eq(prom_add_query(&calls[i], src, b, "up", 0, &a, &err), 0);
    lateness = 0;
    measure_lateness();
    double t0 = now_ms();
    ck_assert_int_eq(http_batch_run(b, &err), 0);
    double ms = now_ms() - t0;
    measure_lateness();
    int retried = 0;
    for (int i = 0; i < 8; i++) {
        value v;
        ck_assert_msg(prom_call_result(calls[i], &v, NULL, &err) == 0, "%s", err.message);
        prom_call_stats st;
        prom_call_get_stats(calls[i], &st);
        if (st.attempts == 2) {
            retried++;
            ck_assert_double_ge(st.transfer_seconds, 0.95);
        } else {
            ck_assert_double_lt(st.transfer_seconds, 0.5 * scale() + SLACK() / 1000);
        }
    }
    ck_assert_int_eq(retried, 1);
    ck_assert_uint_eq(faultserver_request_count(fs), 9);
    ck_assert_msg(ms >= 950 && ms < S(1800) + SLACK(), "took %.0f ms (%.1f ms wake-up delay)", ms,
                  lateness);
    http_batch_free(b);
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

START_TEST(test_warnings_and_partial)
{
    const char *body = "{\"status\":\"success\",\"warnings\":[\"store 10.0.0.1 unreachable\"],"
                       "\"infos\":[\"PromQL info: metric might not be a counter\"],"
                       "\"data\":{\"resultType\":\"vector\",\"result\":[]}}";
    faultserver_respond(fs, 200, NULL, body);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    arena a;
    arena_init(&a, 0);
    value v;
    source_notes notes = {0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    double ms;
    ck_assert_int_eq(run_query(&o, &a, &v, &notes, &err, &ms), 0);
    ck_assert_uint_eq(notes.nwarnings, 1);
    ck_assert(strv_eq_cstr(notes.warnings[0], "store 10.0.0.1 unreachable"));
    ck_assert_uint_eq(notes.ninfos, 1);
    /* Partial answers allowed: a warning makes the answer partial. */
    o.partial_response = 1;
    memset(&notes, 0, sizeof notes);
    ck_assert_int_eq(run_query(&o, &a, &v, &notes, &err, &ms), SLOEVAL_EPARTIAL);
    ck_assert_msg(strstr(err.message, "partial response from ") &&
                      strstr(err.message, "/api/v1/query: store 10.0.0.1 unreachable"),
                  "%s", err.message);
    char *p = faultserver_form_value(faultserver_get_request(fs, 1)->body, "partial_response");
    ck_assert_str_eq(p, "true");
    free(p);
    arena_free(&a);
}
END_TEST

START_TEST(test_buildinfo_fallbacks)
{
    static const struct {
        int status;
        const char *body;
        sloeval_compat want;
        const char *warning;
    } cases[] = {
        {200, "{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\"}}", SLOEVAL_COMPAT_V2, ""},
        {200, "{\"status\":\"success\",\"data\":{\"version\":\"3.5.0\"}}", SLOEVAL_COMPAT_V3, ""},
        {404, "404 page not found", SLOEVAL_COMPAT_V3,
         "cannot tell the server's version (HTTP 404"},
        {200, "{\"status\":\"success\",\"data\":{\"application\":\"Mimir\",\"version\":\"2.9.0\"}}",
         SLOEVAL_COMPAT_V3, "is Mimir 2.9.0, not Prometheus"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        faultserver_respond(fs, cases[i].status, cases[i].status == 404 ? TEXT : NULL,
                            cases[i].body);
        sloeval_prometheus_options o = fast_options(faultserver_url(fs));
        sloeval_source *src = make(&o);
        sloeval_compat c = SLOEVAL_COMPAT_AUTO;
        char warning[512];
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_msg(sloeval_prometheus_detect_compat(&c, src, warning, sizeof warning, &err) == 0,
                      "%s", err.message);
        ck_assert_int_eq(c, cases[i].want);
        ck_assert_int_eq(src->compat, cases[i].want);
        if (*cases[i].warning)
            ck_assert_msg(strstr(warning, cases[i].warning) != NULL, "%s", warning);
        else
            ck_assert_str_eq(warning, "");
        const faultserver_request *r = faultserver_get_request(fs, i);
        ck_assert_str_eq(r->method, "GET");
        ck_assert_str_eq(r->path, "/api/v1/status/buildinfo");
        src->vt->destroy(src);
    }
    /* A server that cannot be reached is an error, not a guess. */
    faultserver_stop_listening(fs);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    sloeval_source *src = make(&o);
    sloeval_compat c;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_prometheus_detect_compat(&c, src, NULL, 0, &err), SLOEVAL_ETRANSPORT);
    src->vt->destroy(src);
}
END_TEST

/* ---- secrets ------------------------------------------------------------- */

static const char *TOKEN = "tok-7c1d0e5f9a2b";
static const char *PASSWORD = "pa55-w0rd-xyz";
static const char *BASIC_B64 = "YWxpY2U6cGE1NS13MHJkLXh5eg=="; /* alice:pa55-w0rd-xyz */

/* No secret the client holds appears in text: the token with bearer auth
 * (mode 0), the password and its base64 form with basic auth (1, 2). */
static void assert_clean(const char *text, int mode)
{
    if (mode == 0) {
        ck_assert_msg(strstr(text, TOKEN) == NULL, "token leaked: %s", text);
        return;
    }
    ck_assert_msg(strstr(text, PASSWORD) == NULL, "password leaked: %s", text);
    ck_assert_msg(strstr(text, BASIC_B64) == NULL, "basic credentials leaked: %s", text);
}

static char *write_secret(const char *secret)
{
    char tmpl[] = "/tmp/sloeval-secret-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    char line[128];
    int n = snprintf(line, sizeof line, "%s\n", secret);
    ck_assert_int_eq(write(fd, line, (size_t)n), n);
    close(fd);
    return strdup(tmpl);
}

/* The server echoes the credentials back in its error, its warnings and a
 * non-JSON body: no message or note carries them. */
START_TEST(test_secrets_never_leak)
{
    char *token_file = write_secret(TOKEN);
    setenv("SLOEVAL_TEST_PASSWORD", PASSWORD, 1);
    char echo_error[512], echo_warn[512], echo_text[256];
    snprintf(echo_error, sizeof echo_error,
             "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"bad auth: Bearer %s / "
             "%s / Basic %s\"}",
             TOKEN, PASSWORD, BASIC_B64);
    snprintf(echo_warn, sizeof echo_warn,
             "{\"status\":\"success\",\"warnings\":[\"saw token %s and %s\"],\"infos\":[\"%s\"],"
             "\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
             TOKEN, PASSWORD, BASIC_B64);
    snprintf(echo_text, sizeof echo_text, "denied %s %s", TOKEN, PASSWORD);

    for (int mode = 0; mode < 3; mode++) {
        sloeval_prometheus_options o = fast_options(faultserver_url(fs));
        char url[128];
        if (mode == 0) {
            o.bearer_token_file = token_file;
        } else if (mode == 1) {
            o.basic_auth_user = "alice";
            o.basic_auth_password_env = "SLOEVAL_TEST_PASSWORD";
        } else {
            /* Credentials in the URL: used, and never printed. */
            snprintf(url, sizeof url, "http://alice:%s@127.0.0.1:%d", PASSWORD,
                     faultserver_port(fs));
            o.url = url;
        }
        sloeval_source *src = make(&o);
        ck_assert(strstr(sloeval_prometheus_url(src), "alice") == NULL);
        arena a;
        arena_init(&a, 0);
        const char *bodies[3] = {echo_error, echo_warn, echo_text};
        for (int k = 0; k < 3; k++) {
            faultserver_respond(fs, k == 0 ? 400 : (k == 1 ? 200 : 401),
                                k == 2 ? "Content-Type: text/plain" : NULL, bodies[k]);
            size_t base = faultserver_request_count(fs);
            value v;
            source_notes notes = {0};
            sloeval_error err = SLOEVAL_ERROR_INIT;
            int rc = src->vt->query(src, "up", 0, &a, &v, &notes, &err);
            ck_assert_int_eq(rc, k == 0 ? SLOEVAL_ESERVER : (k == 1 ? 0 : SLOEVAL_EDECODE));
            assert_clean(err.message, mode);
            if (rc) ck_assert_ptr_nonnull(strstr(err.message, "<redacted>"));
            for (size_t i = 0; i < notes.nwarnings; i++) {
                char w[512];
                snprintf(w, sizeof w, "%.*s", (int)notes.warnings[i].len, notes.warnings[i].ptr);
                assert_clean(w, mode);
                ck_assert_ptr_nonnull(strstr(w, "<redacted>"));
            }
            for (size_t i = 0; i < notes.ninfos; i++) {
                char w[512];
                snprintf(w, sizeof w, "%.*s", (int)notes.infos[i].len, notes.infos[i].ptr);
                assert_clean(w, mode);
            }
            /* The server did get the credentials. */
            const char *auth =
                faultserver_request_header(faultserver_get_request(fs, base), "Authorization");
            ck_assert_ptr_nonnull(auth);
            if (mode == 0)
                ck_assert(strstr(auth, TOKEN) != NULL);
            else
                ck_assert(strstr(auth, BASIC_B64) != NULL);
        }
        /* Transport errors carry no credentials either (URL without userinfo). */
        sloeval_prometheus_options o2 = o;
        char dead[128];
        if (mode == 2) {
            snprintf(dead, sizeof dead, "http://alice:%s@127.0.0.1:1", PASSWORD);
            o2.url = dead;
        } else {
            o2.url = "http://127.0.0.1:1";
        }
        o2.max_retries = 0;
        sloeval_source *src2 = make(&o2);
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(src2->vt->query(src2, "up", 0, &a, &v, NULL, &err), SLOEVAL_ETRANSPORT);
        assert_clean(err.message, mode);
        ck_assert(strstr(err.message, "alice") == NULL);
        src2->vt->destroy(src2);
        arena_free(&a);
        src->vt->destroy(src);
    }

    /* Configuration errors name the file or variable, never a value. */
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    o.bearer_token_env = "SLOEVAL_TEST_UNSET_VARIABLE";
    unsetenv("SLOEVAL_TEST_UNSET_VARIABLE");
    sloeval_source *src = make(&o);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->query(src, "up", 0, &a, &v, NULL, &err), SLOEVAL_ECONFIG);
    ck_assert_str_eq(err.message,
                     "bearer token: environment variable SLOEVAL_TEST_UNSET_VARIABLE is not set "
                     "or empty");
    src->vt->destroy(src);
    arena_free(&a);
    unlink(token_file);
    free(token_file);
}
END_TEST

/*
 * Bodies of failed requests go when they fail, not when the batch ends:
 * 24 requests against a server streaming an endless body, 3 at a time,
 * each cut at a 64 KiB cap, never hold more than 3 bodies at once.
 */
START_TEST(test_failed_bodies_freed)
{
    enum { N = 24, PARALLEL = 3, CAP = 64 * 1024 };
    faultserver_response r = {.fault = FAULT_HUGE_BODY,
                              .chunked = true,
                              .huge_bytes = SIZE_MAX,
                              .body = "{\"status\":\"success\",\"data\":{\"resultType\":\"string\","
                                      "\"result\":[1,\""};
    faultserver_script(fs, &r, 1);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    o.max_response_bytes = CAP;
    o.timeout_ms = S(5000);
    o.total_timeout_ms = S(10000);
    sloeval_source *src = make(&o);
    http_batch *b;
    ck_assert_int_eq(http_batch_new(&b, PARALLEL), 0);
    arena a;
    arena_init(&a, 0);
    prom_call *calls[N];
    sloeval_error err = SLOEVAL_ERROR_INIT;
    for (int i = 0; i < N; i++)
        ck_assert_int_eq(prom_add_query(&calls[i], src, b, "up", 0, &a, &err), 0);
    ck_assert_int_eq(http_batch_run(b, &err), 0);
    for (int i = 0; i < N; i++) {
        value v;
        sloeval_error e = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(prom_call_result(calls[i], &v, NULL, &e), SLOEVAL_ELIMIT);
    }
    size_t peak = http_batch_peak_body_bytes(b);
    ck_assert_msg(peak <= (size_t)PARALLEL * (CAP + 1), "peak %zu bytes held, limit %zu", peak,
                  (size_t)PARALLEL * (CAP + 1));
    /* Each transfer did fill its buffer up to the cap. */
    ck_assert_uint_ge(peak, CAP / 2);
    http_batch_free(b);
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

/* The value of any configured header (an API key) is never printed, even
 * when the server echoes it in an error, a warning or a non-JSON body;
 * the tenant, a name, is. */
START_TEST(test_configured_headers_redacted)
{
    static const char *KEY = "k3y-5ecret-0a1b2c";
    static const char *COOKIE = "session=c00kie-9z8y";
    char echo_error[512], echo_warn[512], echo_text[256];
    snprintf(echo_error, sizeof echo_error,
             "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"bad key %s for "
             "tenant team-a (%s)\"}",
             KEY, COOKIE);
    snprintf(echo_warn, sizeof echo_warn,
             "{\"status\":\"success\",\"warnings\":[\"key %s is deprecated\"],\"infos\":[\"%s\"],"
             "\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
             KEY, COOKIE);
    snprintf(echo_text, sizeof echo_text, "denied: X-Api-Key=%s", KEY);
    sloeval_prometheus_options o = fast_options(faultserver_url(fs));
    sloeval_http_header hdr[2] = {{"X-Api-Key", KEY}, {"Cookie", COOKIE}};
    o.headers = hdr;
    o.nheaders = 2;
    o.tenant = "team-a";
    sloeval_source *src = make(&o);
    arena a;
    arena_init(&a, 0);
    const char *bodies[3] = {echo_error, echo_warn, echo_text};
    for (int k = 0; k < 3; k++) {
        faultserver_respond(fs, k == 0 ? 400 : (k == 1 ? 200 : 401),
                            k == 2 ? "Content-Type: text/plain" : NULL, bodies[k]);
        value v;
        source_notes notes = {0};
        sloeval_error err = SLOEVAL_ERROR_INIT;
        int rc = src->vt->query(src, "up", 0, &a, &v, &notes, &err);
        ck_assert_int_eq(rc, k == 0 ? SLOEVAL_ESERVER : (k == 1 ? 0 : SLOEVAL_EDECODE));
        ck_assert_msg(strstr(err.message, KEY) == NULL, "key leaked: %s", err.message);
        ck_assert_msg(strstr(err.message, "c00kie") == NULL, "cookie leaked: %s", err.message);
        if (rc) ck_assert_ptr_nonnull(strstr(err.message, "<redacted>"));
        if (k == 0) ck_assert_ptr_nonnull(strstr(err.message, "tenant team-a"));
        for (size_t i = 0; i < notes.nwarnings; i++) {
            ck_assert(!contains(notes.warnings[i].ptr, notes.warnings[i].len, KEY));
            ck_assert(contains(notes.warnings[i].ptr, notes.warnings[i].len, "<redacted>"));
        }
        for (size_t i = 0; i < notes.ninfos; i++)
            ck_assert(!contains(notes.infos[i].ptr, notes.infos[i].len, "c00kie"));
        if (k == 1) ck_assert_uint_eq(notes.nwarnings + notes.ninfos, 2);
    }
    /* ... and the server did get them. */
    const faultserver_request *r = faultserver_get_request(fs, 0);
    ck_assert_str_eq(faultserver_request_header(r, "X-Api-Key"), KEY);
    arena_free(&a);
    src->vt->destroy(src);
}
END_TEST

/* A secret file that is a FIFO (no writer) or a device is refused at
 * once, never read: no hang, no endless read. */
START_TEST(test_secret_file_not_regular)
{
    char dir[] = "/tmp/sloeval-fifo-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char fifo[128];
    snprintf(fifo, sizeof fifo, "%s/token", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    static const struct {
        const char *path; /* NULL: the FIFO */
        int basic;        /* as the basic auth password file */
        const char *kind;
    } cases[] = {
        {NULL, 0, "is a FIFO: a secret file must be a regular file"},
        {NULL, 1, "is a FIFO"},
        {"/dev/zero", 0, "/dev/zero is a character device"},
        {"/tmp", 0, "/tmp is a directory"},
    };
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sloeval_prometheus_options o = fast_options(faultserver_url(fs));
        const char *path = cases[i].path ? cases[i].path : fifo;
        if (cases[i].basic) {
            o.basic_auth_user = "alice";
            o.basic_auth_password_file = path;
        } else {
            o.bearer_token_file = path;
        }
        arena a;
        arena_init(&a, 0);
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        double ms;
        ck_assert_int_eq(run_query(&o, &a, &v, NULL, &err, &ms), SLOEVAL_ECONFIG);
        ck_assert_msg(strstr(err.message, cases[i].kind) != NULL, "%s", err.message);
        ck_assert_ptr_nonnull(
            strstr(err.message, cases[i].basic ? "basic auth password: " : "bearer token: "));
        ck_assert_double_lt(ms, S(500) + SLACK());
        arena_free(&a);
    }
    ck_assert_uint_eq(faultserver_request_count(fs), 0);
    unlink(fifo);
    rmdir(dir);
}
END_TEST

START_TEST(test_config_errors)
{
    static const struct {
        const char *url;
        const char *message;
    } cases[] = {
        {"ftp://h/", "backend URL must start with http:// or https://"},
        {"http://h:9090/?x=1", "must not have a query string or fragment"},
        {"", "backend URL is missing"},
        {"not a url at all", "invalid backend URL"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        sloeval_prometheus_options o = fast_options(cases[i].url);
        sloeval_source *src = NULL;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(sloeval_source_new_prometheus(&src, &o, &err), SLOEVAL_ECONFIG);
        ck_assert_msg(strstr(err.message, cases[i].message) != NULL, "%s", err.message);
        ck_assert_ptr_null(src);
    }
    sloeval_prometheus_options o = fast_options("http://u:secretpw@h:1");
    o.basic_auth_user = "x";
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_source_new_prometheus(&src, &o, &err), SLOEVAL_ECONFIG);
    ck_assert(strstr(err.message, "secretpw") == NULL);
    o = fast_options("http://h:1");
    o.tls_insecure_skip_verify = 1;
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_source_new_prometheus(&src, &o, &err), 0);
    ck_assert_ptr_nonnull(strstr(sloeval_prometheus_config_warning(src), "insecure_skip_verify"));
    src->vt->destroy(src);
    o.version = 99;
    ck_assert_int_eq(sloeval_source_new_prometheus(&src, &o, &err), SLOEVAL_EINVAL);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_faults");
    TCase *tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 30);
    tcase_add_loop_test(tc, test_fault, 0, (int)(sizeof fault_cases / sizeof fault_cases[0]));
    tcase_add_test(tc, test_connection_refused);
    tcase_add_test(tc, test_total_budget);
    tcase_add_test(tc, test_tls_error);
    tcase_add_test(tc, test_request_shape);
    tcase_add_test(tc, test_connection_reuse);
    tcase_add_test(tc, test_parallel_bounded);
    tcase_add_test(tc, test_backoff_does_not_block);
    tcase_add_test(tc, test_warnings_and_partial);
    tcase_add_test(tc, test_buildinfo_fallbacks);
    tcase_add_test(tc, test_secrets_never_leak);
    tcase_add_test(tc, test_config_errors);
    tcase_add_test(tc, test_failed_bodies_freed);
    tcase_add_test(tc, test_configured_headers_redacted);
    tcase_add_test(tc, test_secret_file_not_regular);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sloeval_global_init() != 0) return EXIT_FAILURE;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
