/*
 * faultserver: a deliberately misbehaving HTTP/1.1 server on 127.0.0.1, run
 * by threads of the test process, for fault tests of HTTP clients.
 *
 * A test scripts the responses (served in request order across all
 * connections; the last one repeats), each a normal response (status,
 * headers, body, optionally gzip-encoded) or a fault: a delay before the
 * headers or in the middle of the body, closing the connection after the
 * headers, a body cut off halfway, corrupted gzip, a huge (or endless)
 * streamed body, a huge header line or header block, a close or a reset
 * instead of a response, or the server ceasing to listen.
 * Every request is recorded (method, target, headers, body) so the test can
 * assert what the client sent; requests and accepted connections are
 * counted. With no script, every request gets 200 with body "{}".
 *
 * Keep-alive works as in HTTP/1.1 (several requests per connection unless
 * one side says Connection: close or a fault closes it); Expect:
 * 100-continue is answered; request bodies may be chunked. Connections are
 * served concurrently, one thread each.
 *
 * Thread use: every function may be called from any thread while the server
 * runs. Records returned by faultserver_get_request() are immutable and stay
 * valid until faultserver_stop(), also across faultserver_clear_requests().
 * A record exists before its response is sent, and a connection thread
 * never touches it again.
 */
#ifndef SLOEVAL_TEST_FAULTSERVER_H
#define SLOEVAL_TEST_FAULTSERVER_H

#include <stdbool.h>
#include <stddef.h>

typedef struct faultserver faultserver;

typedef enum faultserver_fault {
    FAULT_NONE = 0,
    /* Wait delay_ms, then answer normally (a slow server). */
    FAULT_DELAY_HEADERS,
    /* Send the headers and the first half of the body, wait delay_ms, send
     * the rest. */
    FAULT_DELAY_BODY,
    /* Send the headers (Content-Length as for the full body), then close. */
    FAULT_CLOSE_AFTER_HEADERS,
    /* Send the headers and half of the body, then close: the body is shorter
     * than its Content-Length. */
    FAULT_TRUNCATE_BODY,
    /* Send the body gzip-encoded (Content-Encoding: gzip) with a broken
     * deflate stream. */
    FAULT_CORRUPT_GZIP,
    /* Stream huge_bytes bytes: `body` first, then `fill` (or "x") repeated;
     * with Content-Length unless `chunked`. With `chunked` and huge_bytes
     * SIZE_MAX the body is endless: it runs until the client closes. */
    FAULT_HUGE_BODY,
    /* Read the request, then close the connection without a response. */
    FAULT_CLOSE,
    /* A normal response with one extra header line "X-Huge: " followed by
     * huge_bytes bytes of `fill` (or "x"). */
    FAULT_HUGE_HEADER,
    /* A normal response with header lines "X-Fill-<n>: <fill>" of 1000
     * bytes each, huge_bytes bytes in all (an endless header block). */
    FAULT_MANY_HEADERS,
    /* Read the request, then reset the connection (RST). */
    FAULT_RESET,
    /* Read the request, close the connection and stop listening: later
     * connections are refused. */
    FAULT_REFUSE,
} faultserver_fault;

typedef struct faultserver_response {
    int status;          /* 0: 200 */
    const char *headers; /* extra header lines, "Name: value" separated by "\n" or
                            "\r\n" (e.g. "Retry-After: 2"); they replace the defaults
                            Content-Type: application/json, Content-Length and
                            Content-Encoding when they name them */
    const char *body;    /* NULL: empty */
    size_t body_len;     /* 0: strlen(body) */
    bool gzip;           /* gzip-encode the body, add Content-Encoding: gzip */
    bool chunked;        /* Transfer-Encoding: chunked instead of Content-Length */
    faultserver_fault fault;
    int delay_ms;      /* FAULT_DELAY_* */
    size_t huge_bytes; /* FAULT_HUGE_BODY: total body bytes */
    const char *fill;  /* FAULT_HUGE_BODY: repeated after body; NULL: "x" */
    /* Send these bytes verbatim instead of a generated response (headers,
     * body and all), then close; for malformed responses. */
    const char *raw;
} faultserver_response;

/* A recorded request. */
typedef struct faultserver_request {
    char *method;
    char *target; /* as sent: path and query */
    char *path;   /* target up to '?' */
    char *query;  /* after '?', or "" */
    size_t nheaders;
    char **header_names; /* as sent */
    char **header_values;
    char *body; /* de-chunked, NUL-terminated */
    size_t body_len;
    int connection; /* which accepted connection, from 1 */
} faultserver_request;

/* Start on 127.0.0.1 on a free port. NULL with a reason in errbuf. */
faultserver *faultserver_start(char *errbuf, size_t errlen);
/* Stop: close the listener and every connection (waking delayed and
 * blocked responses), join the threads, free everything. NULL is a no-op. */
void faultserver_stop(faultserver *s);

/* "http://127.0.0.1:PORT"; lives as long as the server. */
const char *faultserver_url(const faultserver *s);
int faultserver_port(const faultserver *s);

/* Replace the script with copies of n responses, served from the next
 * request on (the last repeats). n == 0 restores the default. */
void faultserver_script(faultserver *s, const faultserver_response *responses, size_t n);
/* Append one response to the script. */
void faultserver_push(faultserver *s, const faultserver_response *response);
/* Shorthand: a script of one normal response. */
void faultserver_respond(faultserver *s, int status, const char *headers, const char *body);

/* Stop listening: connections are refused once this returns. */
void faultserver_stop_listening(faultserver *s);

size_t faultserver_request_count(faultserver *s);
size_t faultserver_connection_count(faultserver *s);
/* Wait until at least n requests were recorded; false on timeout. */
bool faultserver_wait_requests(faultserver *s, size_t n, int timeout_ms);
/* The i-th recorded request (from 0), or NULL. */
const faultserver_request *faultserver_get_request(faultserver *s, size_t i);
/* Forget the recorded requests (and their count); the records themselves
 * stay valid until faultserver_stop(). */
void faultserver_clear_requests(faultserver *s);

/* The value of header `name` (case-insensitive; the first one), or NULL. */
const char *faultserver_request_header(const faultserver_request *r, const char *name);
/* Decode parameter `name` of an application/x-www-form-urlencoded string
 * (a body or a query): malloc'd, the caller frees; NULL when absent. */
char *faultserver_form_value(const char *form, const char *name);

#endif
