/* The misbehaving HTTP server (tests/support/faultserver.h), with libcurl
 * as the client: every fault shows up as the transport error it should. */
#include <arpa/inet.h>
#include <check.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/socket.h>
#include <curl/curl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "faultserver.h"
#include "timing.h"

typedef struct fetch {
    CURLcode rc;
    long status;
    char *body;
    size_t len, cap;
    size_t abort_after; /* 0: never */
    double ms;
    char retry_after[64];
    size_t header_bytes;
} fetch;

typedef struct fetch_opts {
    const char *path;
    const char *form; /* POST body; NULL: GET */
    const char *const *headers;
    long timeout_ms;
    bool accept_gzip;
    size_t abort_after;
    long max_filesize;
    CURL *handle; /* reuse (for keep-alive); NULL: a fresh one */
} fetch_opts;

static double now_ms(void)
{
    return timing_now_ms();
}

/* Slack for upper time bounds on a loaded machine: 10 wake-ups at the
 * worst delay measured now (see tests/support/timing.h). */
static double slack_ms(void)
{
    return 10 * timing_lateness_ms();
}

static size_t on_data(char *p, size_t size, size_t n, void *ud)
{
    fetch *f = ud;
    size_t bytes = size * n;
    if (f->abort_after > 0 && f->len + bytes > f->abort_after) return 0;
    if (f->len + bytes + 1 > f->cap) {
        size_t cap = f->cap ? f->cap : 4096;
        while (cap < f->len + bytes + 1)
            cap *= 2;
        char *grown = realloc(f->body, cap);
        if (grown == NULL) return 0;
        f->body = grown;
        f->cap = cap;
    }
    memcpy(f->body + f->len, p, bytes);
    f->len += bytes;
    f->body[f->len] = '\0';
    return bytes;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    fetch *f = ud;
    size_t bytes = size * n;
    f->header_bytes += bytes;
    if (bytes > 13 && strncasecmp(p, "Retry-After: ", 13) == 0)
        snprintf(f->retry_after, sizeof f->retry_after, "%.*s", (int)(bytes - 15), p + 13);
    return bytes;
}

static fetch do_fetch(faultserver *s, const fetch_opts *o)
{
    fetch f;
    memset(&f, 0, sizeof f);
    f.abort_after = o->abort_after;
    CURL *c = o->handle != NULL ? o->handle : curl_easy_init();
    ck_assert_ptr_nonnull(c);
    char url[256];
    snprintf(url, sizeof url, "%s%s", faultserver_url(s), o->path ? o->path : "/api/v1/query");
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, o->timeout_ms > 0 ? o->timeout_ms : 10000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &f);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &f);
    if (o->accept_gzip) curl_easy_setopt(c, CURLOPT_ACCEPT_ENCODING, "gzip");
    if (o->max_filesize > 0) curl_easy_setopt(c, CURLOPT_MAXFILESIZE, o->max_filesize);
    curl_easy_setopt(c, CURLOPT_EXPECT_100_TIMEOUT_MS, 10000L);
    if (o->form != NULL) curl_easy_setopt(c, CURLOPT_POSTFIELDS, o->form);
    struct curl_slist *list = NULL;
    for (size_t i = 0; o->headers != NULL && o->headers[i] != NULL; i++)
        list = curl_slist_append(list, o->headers[i]);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    double t0 = now_ms();
    f.rc = curl_easy_perform(c);
    f.ms = now_ms() - t0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &f.status);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(list);
    if (o->handle == NULL) curl_easy_cleanup(c);
    return f;
}

static fetch get(faultserver *s, long timeout_ms)
{
    fetch_opts o = {0};
    o.timeout_ms = timeout_ms;
    return do_fetch(s, &o);
}

static faultserver *start(void)
{
    char err[256];
    faultserver *s = faultserver_start(err, sizeof err);
    ck_assert_msg(s != NULL, "%s", err);
    return s;
}

START_TEST(test_default_and_records)
{
    faultserver *s = start();
    ck_assert_int_gt(faultserver_port(s), 0);
    const char *headers[] = {"Authorization: Bearer s3cret", "X-Scope-OrgID: tenant-1", NULL};
    fetch_opts o = {0};
    o.form = "query=sum%28rate%28x%7Ba%3D%22b%22%7D%5B5m%5D%29%29+%2B+1&time=1704067200.5";
    o.headers = headers;
    fetch f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_int_eq(f.status, 200);
    ck_assert_str_eq(f.body, "{}");
    free(f.body);

    ck_assert_uint_eq(faultserver_request_count(s), 1);
    const faultserver_request *r = faultserver_get_request(s, 0);
    ck_assert_ptr_nonnull(r);
    ck_assert_str_eq(r->method, "POST");
    ck_assert_str_eq(r->path, "/api/v1/query");
    ck_assert_str_eq(r->query, "");
    ck_assert_str_eq(faultserver_request_header(r, "authorization"), "Bearer s3cret");
    ck_assert_str_eq(faultserver_request_header(r, "X-SCOPE-ORGID"), "tenant-1");
    ck_assert_str_eq(faultserver_request_header(r, "Content-Type"),
                     "application/x-www-form-urlencoded");
    ck_assert_ptr_null(faultserver_request_header(r, "X-Missing"));
    ck_assert_uint_eq(r->body_len, strlen(o.form));
    char *q = faultserver_form_value(r->body, "query");
    ck_assert_str_eq(q, "sum(rate(x{a=\"b\"}[5m])) + 1");
    free(q);
    char *t = faultserver_form_value(r->body, "time");
    ck_assert_str_eq(t, "1704067200.5");
    free(t);
    ck_assert_ptr_null(faultserver_form_value(r->body, "step"));
    ck_assert_ptr_null(faultserver_get_request(s, 1));

    /* GET with a query string. */
    o = (fetch_opts){0};
    o.path = "/api/v1/labels?match%5B%5D=up&start=1";
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    free(f.body);
    r = faultserver_get_request(s, 1);
    ck_assert_str_eq(r->method, "GET");
    ck_assert_str_eq(r->path, "/api/v1/labels");
    ck_assert_str_eq(r->target, "/api/v1/labels?match%5B%5D=up&start=1");
    char *m = faultserver_form_value(r->query, "match[]");
    ck_assert_str_eq(m, "up");
    free(m);
    ck_assert_uint_eq(r->body_len, 0);

    faultserver_clear_requests(s);
    ck_assert_uint_eq(faultserver_request_count(s), 0);
    faultserver_stop(s);
    faultserver_stop(NULL);
}
END_TEST

START_TEST(test_form_decoding)
{
    char *v = faultserver_form_value("a=1&b=x%2By+z&c&d=%zz%4", "b");
    ck_assert_str_eq(v, "x+y z");
    free(v);
    v = faultserver_form_value("a=1&b=x%2By+z&c&d=%zz%4", "c");
    ck_assert_str_eq(v, "");
    free(v);
    v = faultserver_form_value("a=1&b=x%2By+z&c&d=%zz%4", "d");
    ck_assert_str_eq(v, "%zz%4");
    free(v);
    v = faultserver_form_value("a=1&a=2", "a");
    ck_assert_str_eq(v, "1");
    free(v);
    ck_assert_ptr_null(faultserver_form_value("", "a"));
    ck_assert_ptr_null(faultserver_form_value(NULL, "a"));
}
END_TEST

START_TEST(test_script_in_order_last_repeats)
{
    faultserver *s = start();
    faultserver_response script[3] = {
        {.status = 503, .headers = "Retry-After: 2", .body = "busy"},
        {.status = 429, .headers = "Retry-After: 1\nContent-Type: text/plain", .body = "slow down"},
        {.status = 200, .body = "{\"status\":\"success\"}"},
    };
    faultserver_script(s, script, 3);
    int want_status[5] = {503, 429, 200, 200, 200};
    const char *want_body[5] = {"busy", "slow down", "{\"status\":\"success\"}",
                                "{\"status\":\"success\"}", "{\"status\":\"success\"}"};
    for (int i = 0; i < 5; i++) {
        fetch f = get(s, 0);
        ck_assert_int_eq(f.rc, CURLE_OK);
        ck_assert_int_eq(f.status, want_status[i]);
        ck_assert_str_eq(f.body, want_body[i]);
        if (i == 0) ck_assert_str_eq(f.retry_after, "2");
        if (i == 1) ck_assert_str_eq(f.retry_after, "1");
        free(f.body);
    }
    ck_assert_uint_eq(faultserver_request_count(s), 5);
    /* A new script starts from its beginning; push appends. */
    faultserver_respond(s, 500, NULL, "boom");
    faultserver_push(s, &(faultserver_response){.status = 204});
    fetch f = get(s, 0);
    ck_assert_int_eq(f.status, 500);
    free(f.body);
    f = get(s, 0);
    ck_assert_int_eq(f.status, 204);
    ck_assert_uint_eq(f.len, 0);
    free(f.body);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_keep_alive_and_connection_count)
{
    faultserver *s = start();
    CURL *c = curl_easy_init();
    fetch_opts o = {0};
    o.handle = c;
    for (int i = 0; i < 3; i++) {
        fetch f = do_fetch(s, &o);
        ck_assert_int_eq(f.rc, CURLE_OK);
        free(f.body);
    }
    ck_assert_uint_eq(faultserver_connection_count(s), 1);
    /* Connection: close from the server ends the connection. */
    faultserver_respond(s, 200, "Connection: close", "{}");
    for (int i = 0; i < 2; i++) {
        fetch f = do_fetch(s, &o);
        ck_assert_int_eq(f.rc, CURLE_OK);
        free(f.body);
    }
    /* The first of them still came on the kept-alive connection. */
    ck_assert_uint_eq(faultserver_connection_count(s), 2);
    ck_assert_int_eq(faultserver_get_request(s, 3)->connection, 1);
    ck_assert_int_eq(faultserver_get_request(s, 4)->connection, 2);
    curl_easy_cleanup(c);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_gzip)
{
    faultserver *s = start();
    /* 200 KB: several stored blocks. */
    size_t n = 200 * 1024;
    char *big = malloc(n + 1);
    for (size_t i = 0; i < n; i++)
        big[i] = (char)('a' + (i * 7) % 26);
    big[n] = '\0';
    faultserver_response r = {.body = big, .gzip = true};
    faultserver_script(s, &r, 1);
    fetch_opts o = {0};
    o.accept_gzip = true;
    fetch f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_uint_eq(f.len, n);
    ck_assert_int_eq(memcmp(f.body, big, n), 0);
    free(f.body);
    /* Without decoding: the gzip bytes themselves. */
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_uint_gt(f.len, n);
    ck_assert_int_eq((unsigned char)f.body[0], 0x1f);
    ck_assert_int_eq((unsigned char)f.body[1], 0x8b);
    free(f.body);
    /* Empty body, chunked. */
    faultserver_script(s, &(faultserver_response){.gzip = true, .chunked = true}, 1);
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_uint_eq(f.len, 0);
    free(f.body);
    /* Corrupted. */
    faultserver_script(s, &(faultserver_response){.body = big, .fault = FAULT_CORRUPT_GZIP}, 1);
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_BAD_CONTENT_ENCODING);
    free(f.body);
    free(big);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_delays)
{
    faultserver *s = start();
    faultserver_script(s, &(faultserver_response){.fault = FAULT_DELAY_HEADERS, .delay_ms = 3000},
                       1);
    fetch f = get(s, 300);
    ck_assert_int_eq(f.rc, CURLE_OPERATION_TIMEDOUT);
    ck_assert_double_ge(f.ms, 250);
    ck_assert_double_lt(f.ms, 1000 + slack_ms()); /* the client's timeout, not the 3 s delay */
    ck_assert_uint_eq(f.len, 0);
    free(f.body);

    faultserver_script(s, &(faultserver_response){.fault = FAULT_DELAY_HEADERS, .delay_ms = 150},
                       1);
    f = get(s, 5000);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_double_ge(f.ms, 140);
    free(f.body);

    /* Mid-body: half arrives, then the client gives up. */
    faultserver_script(
        s,
        &(faultserver_response){.body = "0123456789", .fault = FAULT_DELAY_BODY, .delay_ms = 3000},
        1);
    f = get(s, 400);
    ck_assert_int_eq(f.rc, CURLE_OPERATION_TIMEDOUT);
    ck_assert_str_eq(f.body, "01234");
    free(f.body);
    faultserver_script(
        s,
        &(faultserver_response){.body = "0123456789", .fault = FAULT_DELAY_BODY, .delay_ms = 100},
        1);
    f = get(s, 5000);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_str_eq(f.body, "0123456789");
    free(f.body);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_cut_connections)
{
    faultserver *s = start();
    faultserver_script(
        s, &(faultserver_response){.body = "0123456789", .fault = FAULT_CLOSE_AFTER_HEADERS}, 1);
    fetch f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_PARTIAL_FILE);
    ck_assert_int_eq(f.status, 200);
    ck_assert_uint_eq(f.len, 0);
    free(f.body);

    faultserver_script(
        s, &(faultserver_response){.body = "0123456789", .fault = FAULT_TRUNCATE_BODY}, 1);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_PARTIAL_FILE);
    ck_assert_str_eq(f.body, "01234");
    free(f.body);

    faultserver_script(s, &(faultserver_response){.fault = FAULT_CLOSE}, 1);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_GOT_NOTHING);
    free(f.body);

    faultserver_script(s, &(faultserver_response){.fault = FAULT_RESET}, 1);
    f = get(s, 0);
    ck_assert_msg(f.rc == CURLE_RECV_ERROR || f.rc == CURLE_GOT_NOTHING, "reset gave %d: %s", f.rc,
                  curl_easy_strerror(f.rc));
    free(f.body);

    /* Malformed responses, verbatim. */
    faultserver_script(s, &(faultserver_response){.raw = "HTTP/1.1 2x0 OK\r\n\r\n"}, 1);
    f = get(s, 0);
    ck_assert_int_ne(f.rc, CURLE_OK);
    free(f.body);
    faultserver_script(
        s,
        &(faultserver_response){
            .raw = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n"},
        1);
    f = get(s, 0);
    ck_assert_int_ne(f.rc, CURLE_OK);
    free(f.body);
    /* A lying Content-Length set by the script. */
    faultserver_script(s,
                       &(faultserver_response){.headers = "Content-Length: 50",
                                               .body = "short",
                                               .fault = FAULT_TRUNCATE_BODY},
                       1);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_PARTIAL_FILE);
    free(f.body);
    ck_assert_uint_eq(faultserver_request_count(s), 7);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_huge_body)
{
    faultserver *s = start();
    const size_t total = 20u * 1024 * 1024;
    faultserver_script(
        s,
        &(faultserver_response){
            .body = "{\"data\":[", .fault = FAULT_HUGE_BODY, .huge_bytes = total, .fill = "1,"},
        1);
    fetch f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_uint_eq(f.len, total);
    ck_assert_int_eq(strncmp(f.body, "{\"data\":[1,1,", 13), 0);
    free(f.body);

    /* Content-Length known: the client can refuse before reading. */
    fetch_opts o = {0};
    o.max_filesize = 1024 * 1024;
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_FILESIZE_EXCEEDED);
    free(f.body);

    /* Chunked: the client must stop reading by itself; the server copes. */
    faultserver_script(s,
                       &(faultserver_response){.fault = FAULT_HUGE_BODY,
                                               .huge_bytes = (size_t)1 << 33,
                                               .chunked = true},
                       1);
    o = (fetch_opts){0};
    o.abort_after = 1024 * 1024;
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_WRITE_ERROR);
    ck_assert_uint_le(f.len, 1024 * 1024);
    ck_assert_uint_gt(f.len, 512 * 1024);
    free(f.body);
    faultserver_stop(s);
}
END_TEST

/* A header line longer than libcurl takes, and an endless header block. */
START_TEST(test_huge_headers)
{
    faultserver *s = start();
    faultserver_script(
        s, &(faultserver_response){.body = "ok", .fault = FAULT_HUGE_HEADER, .huge_bytes = 4000},
        1);
    fetch f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_str_eq(f.body, "ok");
    ck_assert_uint_gt(f.header_bytes, 4000);
    ck_assert_uint_lt(f.header_bytes, 4300);
    free(f.body);

    /* Over libcurl's 100 KiB a header line: it gives up (as out of memory). */
    faultserver_script(
        s, &(faultserver_response){.body = "ok", .fault = FAULT_HUGE_HEADER, .huge_bytes = 200000},
        1);
    f = get(s, 0);
    ck_assert_int_ne(f.rc, CURLE_OK);
    ck_assert_ptr_null(f.body);
    free(f.body);

    faultserver_script(
        s, &(faultserver_response){.body = "ok", .fault = FAULT_MANY_HEADERS, .huge_bytes = 50000},
        1);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_OK);
    ck_assert_str_eq(f.body, "ok");
    ck_assert_uint_ge(f.header_bytes, 50000);
    ck_assert_uint_lt(f.header_bytes, 52000);
    free(f.body);
    faultserver_stop(s);
}
END_TEST

START_TEST(test_refuse)
{
    faultserver *s = start();
    faultserver_response script[2] = {{.status = 200, .body = "ok"}, {.fault = FAULT_REFUSE}};
    faultserver_script(s, script, 2);
    fetch f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_OK);
    free(f.body);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_GOT_NOTHING);
    free(f.body);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_COULDNT_CONNECT);
    free(f.body);
    ck_assert_uint_eq(faultserver_request_count(s), 2);
    faultserver_stop(s);

    s = start();
    faultserver_stop_listening(s);
    f = get(s, 0);
    ck_assert_int_eq(f.rc, CURLE_COULDNT_CONNECT);
    free(f.body);
    faultserver_stop(s);
}
END_TEST

/* Bodies the client streams: large (Expect: 100-continue) and chunked. */
START_TEST(test_request_bodies)
{
    faultserver *s = start();
    size_t n = 3 * 1024 * 1024;
    char *form = malloc(n + 1);
    memcpy(form, "query=", 6);
    memset(form + 6, 'a', n - 6);
    form[n] = '\0';
    fetch_opts o = {0};
    o.form = form;
    fetch f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    /* curl asked for a 100 Continue and would wait 10 s without one
     * (a fixed bound: slack must not reach the 10 s it tells apart). */
    ck_assert_double_lt(f.ms, 9000);
    free(f.body);
    const faultserver_request *r = faultserver_get_request(s, 0);
    ck_assert_str_eq(faultserver_request_header(r, "Expect"), "100-continue");
    ck_assert_uint_eq(r->body_len, n);
    ck_assert_int_eq(memcmp(r->body, form, n), 0);

    const char *chunked[] = {"Transfer-Encoding: chunked", NULL};
    o.form = "query=up&time=1";
    o.headers = chunked;
    f = do_fetch(s, &o);
    ck_assert_int_eq(f.rc, CURLE_OK);
    free(f.body);
    r = faultserver_get_request(s, 1);
    ck_assert_str_eq(faultserver_request_header(r, "Transfer-Encoding"), "chunked");
    ck_assert_str_eq(r->body, "query=up&time=1");
    free(form);
    faultserver_stop(s);
}
END_TEST

typedef struct client_arg {
    faultserver *s;
    int requests;
    int ok;
    long timeout_ms;
    CURLcode last;
} client_arg;

static void *client_main(void *p)
{
    client_arg *a = p;
    CURL *c = curl_easy_init();
    for (int i = 0; i < a->requests; i++) {
        fetch_opts o = {0};
        o.handle = c;
        o.timeout_ms = a->timeout_ms;
        fetch f = do_fetch(a->s, &o);
        a->last = f.rc;
        if (f.rc == CURLE_OK && f.status == 200) a->ok++;
        free(f.body);
    }
    curl_easy_cleanup(c);
    return NULL;
}

START_TEST(test_parallel_clients)
{
    faultserver *s = start();
    pthread_t t[8];
    client_arg args[8];
    for (int i = 0; i < 8; i++) {
        args[i] = (client_arg){.s = s, .requests = 25};
        ck_assert_int_eq(pthread_create(&t[i], NULL, client_main, &args[i]), 0);
    }
    for (int i = 0; i < 8; i++) {
        pthread_join(t[i], NULL);
        ck_assert_int_eq(args[i].ok, 25);
    }
    ck_assert_uint_eq(faultserver_request_count(s), 200);
    ck_assert_uint_eq(faultserver_connection_count(s), 8);
    faultserver_stop(s);
}
END_TEST

/* Stopping while a response is delayed, or while a client stalls a huge
 * body, is prompt and frees everything. */
START_TEST(test_stop_while_busy)
{
    faultserver *s = start();
    faultserver_script(s, &(faultserver_response){.fault = FAULT_DELAY_HEADERS, .delay_ms = 60000},
                       1);
    client_arg a = {.s = s, .requests = 1, .timeout_ms = 30000};
    pthread_t t;
    ck_assert_int_eq(pthread_create(&t, NULL, client_main, &a), 0);
    ck_assert(faultserver_wait_requests(s, 1, 5000));
    double t0 = now_ms();
    faultserver_stop(s);
    double ms = now_ms() - t0;
    ck_assert_double_lt(ms, 1000 + slack_ms()); /* not the 60 s delay */
    pthread_join(t, NULL);
    ck_assert_int_ne(a.last, CURLE_OK);

    s = start();
    ck_assert(!faultserver_wait_requests(s, 1, 50));
    faultserver_stop(s);
}
END_TEST

/* Threads of this process (Linux: /proc/self/task). */
static int thread_count(void)
{
    int n = 0;
    FILE *f = fopen("/proc/self/status", "r");
    ck_assert_ptr_nonnull(f);
    char line[256];
    while (fgets(line, sizeof line, f) != NULL)
        if (strncmp(line, "Threads:", 8) == 0) n = atoi(line + 8);
    fclose(f);
    return n;
}

typedef struct clearer_arg {
    faultserver *s;
    atomic_int stop;
    int clears;
} clearer_arg;

/* Clears the records over and over while clients are being answered. */
static void *clearer_main(void *p)
{
    clearer_arg *a = p;
    while (!atomic_load(&a->stop)) {
        faultserver_clear_requests(a->s);
        a->clears++;
        struct timespec ts = {0, 200000L};
        nanosleep(&ts, NULL);
    }
    return NULL;
}

/*
 * A record stays valid until stop, whatever clears run meanwhile: here a
 * thread clears while clients are answered and this thread reads records
 * it fetched before those clears. (Clearing used to free them at once: a
 * use-after-free for any reader; the heap is churned after each clear so
 * that freed records would be overwritten even without ASan.)
 */
START_TEST(test_records_outlive_clear)
{
    faultserver *s = start();
    pthread_t ct[4], cl;
    client_arg args[4];
    for (int i = 0; i < 4; i++) {
        args[i] = (client_arg){.s = s, .requests = 40};
        ck_assert_int_eq(pthread_create(&ct[i], NULL, client_main, &args[i]), 0);
    }
    clearer_arg ca = {.s = s};
    ck_assert_int_eq(pthread_create(&cl, NULL, clearer_main, &ca), 0);
    const faultserver_request *held[64];
    size_t nheld = 0;
    for (int round = 0; round < 200 && nheld < 64; round++) {
        const faultserver_request *r = faultserver_get_request(s, 0);
        if (r != NULL) held[nheld++] = r;
        struct timespec ts = {0, 300000L};
        nanosleep(&ts, NULL);
    }
    for (int i = 0; i < 4; i++)
        pthread_join(ct[i], NULL);
    atomic_store(&ca.stop, 1);
    pthread_join(cl, NULL);
    faultserver_clear_requests(s);
    void *churn[2000];
    for (int i = 0; i < 2000; i++) {
        churn[i] = malloc((size_t)(8 + (i % 32) * 8));
        ck_assert_ptr_nonnull(churn[i]);
        memset(churn[i], 'Z', (size_t)(8 + (i % 32) * 8));
    }
    ck_assert_uint_gt(nheld, 0);
    ck_assert_int_gt(ca.clears, 0);
    for (size_t i = 0; i < nheld; i++) {
        ck_assert_str_eq(held[i]->method, "GET");
        ck_assert_str_eq(held[i]->path, "/api/v1/query");
        ck_assert_ptr_nonnull(faultserver_request_header(held[i], "Host"));
    }
    for (int i = 0; i < 4; i++)
        ck_assert_int_eq(args[i].ok, 40);
    for (int i = 0; i < 2000; i++)
        free(churn[i]);
    faultserver_stop(s);
}
END_TEST

/* Connections are refused as soon as stop_listening returns. */
START_TEST(test_stop_listening_is_immediate)
{
    for (int i = 0; i < 20; i++) {
        faultserver *s = start();
        struct sockaddr_in a;
        memset(&a, 0, sizeof a);
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        a.sin_port = htons((uint16_t)faultserver_port(s));
        faultserver_stop_listening(s);
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        ck_assert_int_ge(fd, 0);
        int rc = connect(fd, (struct sockaddr *)&a, sizeof a);
        int e = errno;
        close(fd);
        ck_assert_msg(rc != 0 && e == ECONNREFUSED, "connect gave %d (%s)", rc, strerror(e));
        faultserver_stop(s);
    }
}
END_TEST

/* Stop joins every thread it started, whatever the connections are
 * doing: idle keep-alive, a delayed response, a stalled huge body. */
START_TEST(test_stop_joins_every_thread)
{
    int before = thread_count();
    faultserver *s = start();
    CURL *idle = curl_easy_init();
    fetch_opts o = {0};
    o.handle = idle;
    fetch f = do_fetch(s, &o); /* leaves a kept-alive connection open */
    ck_assert_int_eq(f.rc, CURLE_OK);
    free(f.body);
    faultserver_response script[2] = {
        {.fault = FAULT_DELAY_HEADERS, .delay_ms = 60000},
        {.fault = FAULT_HUGE_BODY, .huge_bytes = (size_t)1 << 33, .chunked = true},
    };
    faultserver_script(s, script, 2);
    client_arg slow = {.s = s, .requests = 1, .timeout_ms = 30000};
    pthread_t t1;
    ck_assert_int_eq(pthread_create(&t1, NULL, client_main, &slow), 0);
    ck_assert(faultserver_wait_requests(s, 2, 10000));
    /* a client that reads nothing: the huge body fills the socket */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons((uint16_t)faultserver_port(s));
    ck_assert_int_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    static const char req[] = "GET /x HTTP/1.1\r\nHost: x\r\n\r\n";
    ck_assert_int_eq(send(fd, req, sizeof req - 1, 0), (ssize_t)(sizeof req - 1));
    ck_assert(faultserver_wait_requests(s, 3, 10000));
    ck_assert_int_ge(thread_count(), before + 4); /* accept + 3 connections */
    faultserver_stop(s);
    pthread_join(t1, NULL);
    ck_assert_int_eq(thread_count(), before);
    close(fd);
    curl_easy_cleanup(idle);
}
END_TEST

static Suite *faultserver_suite(void)
{
    Suite *s = suite_create("faultserver");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_default_and_records);
    tcase_add_test(tc, test_form_decoding);
    tcase_add_test(tc, test_script_in_order_last_repeats);
    tcase_add_test(tc, test_keep_alive_and_connection_count);
    tcase_add_test(tc, test_gzip);
    tcase_add_test(tc, test_delays);
    tcase_add_test(tc, test_cut_connections);
    tcase_add_test(tc, test_huge_body);
    tcase_add_test(tc, test_huge_headers);
    tcase_add_test(tc, test_refuse);
    tcase_add_test(tc, test_request_bodies);
    tcase_add_test(tc, test_parallel_clients);
    tcase_add_test(tc, test_stop_while_busy);
    tcase_add_test(tc, test_records_outlive_clear);
    tcase_add_test(tc, test_stop_listening_is_immediate);
    tcase_add_test(tc, test_stop_joins_every_thread);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SRunner *sr = srunner_create(faultserver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    curl_global_cleanup();
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
