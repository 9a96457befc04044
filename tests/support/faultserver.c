/* faultserver: a scriptable misbehaving HTTP/1.1 server (see faultserver.h). */
#include "faultserver.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define POLL_MS          20
#define MAX_HEADER_BYTES (256 * 1024)
#define MAX_BODY_BYTES   ((size_t)512 * 1024 * 1024)

typedef struct response {
    int status;
    char *headers; /* CRLF-terminated lines, "" when none */
    char *body;
    size_t body_len;
    bool gzip, chunked;
    faultserver_fault fault;
    int delay_ms;
    size_t huge_bytes;
    char *fill;
    char *raw;
} response;

typedef struct conn {
    struct conn *next;
    faultserver *server;
    pthread_t thread;
    int fd;
    int id;
    bool done;
} conn;

struct faultserver {
    pthread_mutex_t mu;
    pthread_cond_t cond; /* stop, new requests */
    pthread_t accept_thread;
    int listen_fd;
    int port;
    char url[64];
    bool stopping;
    bool stop_listening;

    response *script;
    size_t nscript;
    size_t served; /* responses handed out since the script was set */

    faultserver_request **requests;
    size_t nrequests, cap_requests;
    /* Records forgotten by faultserver_clear_requests: freed only by
     * faultserver_stop, so a record a test holds stays valid whatever
     * clears run meanwhile (in its thread or another). */
    faultserver_request **retired;
    size_t nretired, cap_retired;
    size_t connections;
    conn *conns;
};

/* ---- small helpers ---- */

static char *dup_or_null(const char *s)
{
    return s != NULL ? strdup(s) : NULL;
}

static char *dup_n(const char *s, size_t n)
{
    char *p = malloc(n + 1);
    if (p == NULL) return NULL;
    if (n > 0) memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

static void set_err(char *errbuf, size_t errlen, const char *what)
{
    if (errbuf != NULL && errlen > 0)
        snprintf(errbuf, errlen, "faultserver: %s: %s", what, strerror(errno));
}

/* Sleep up to ms, returning early (true) when the server stops. */
static bool nap(faultserver *s, int ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += ms / 1000;
    until.tv_nsec += (long)(ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (!s->stopping)
        if (pthread_cond_timedwait(&s->cond, &s->mu, &until) == ETIMEDOUT) break;
    bool stopped = s->stopping;
    pthread_mutex_unlock(&s->mu);
    return stopped;
}

static bool is_stopping(faultserver *s)
{
    pthread_mutex_lock(&s->mu);
    bool v = s->stopping;
    pthread_mutex_unlock(&s->mu);
    return v;
}

static int send_all(int fd, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return -1;
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

/* ---- gzip with stored deflate blocks (valid, uncompressed) ---- */

static uint32_t crc32_of(const unsigned char *p, size_t n)
{
    uint32_t crc = 0xffffffffu;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int k = 0; k < 8; k++)
            crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
    return crc ^ 0xffffffffu;
}

static void put_le32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)v;
    p[1] = (unsigned char)(v >> 8);
    p[2] = (unsigned char)(v >> 16);
    p[3] = (unsigned char)(v >> 24);
}

/* gzip of data; *out malloc'd. `corrupt` breaks the first block's length
 * check, which any inflater rejects. */
static int gzip_stored(const char *data, size_t len, bool corrupt, char **out, size_t *out_len)
{
    size_t nblocks = len / 65535 + 1;
    size_t total = 10 + nblocks * 5 + len + 8;
    unsigned char *g = malloc(total);
    if (g == NULL) return -1;
    static const unsigned char header[10] = {0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff};
    memcpy(g, header, sizeof header);
    size_t o = 10, done = 0;
    for (size_t b = 0; b < nblocks; b++) {
        size_t n = len - done > 65535 ? 65535 : len - done;
        bool last = b == nblocks - 1;
        g[o++] = last ? 1 : 0; /* BFINAL, BTYPE 00 (stored) */
        g[o++] = (unsigned char)n;
        g[o++] = (unsigned char)(n >> 8);
        unsigned nlen = corrupt && b == 0 ? (unsigned)n : (~(unsigned)n & 0xffffu);
        g[o++] = (unsigned char)nlen;
        g[o++] = (unsigned char)(nlen >> 8);
        if (n > 0) memcpy(g + o, data + done, n);
        o += n;
        done += n;
    }
    put_le32(g + o, crc32_of((const unsigned char *)data, len));
    put_le32(g + o + 4, (uint32_t)len);
    *out = (char *)g;
    *out_len = o + 8;
    return 0;
}

/* ---- scripts ---- */

static void response_free(response *r)
{
    free(r->headers);
    free(r->body);
    free(r->fill);
    free(r->raw);
    memset(r, 0, sizeof *r);
}

/* Header lines separated by "\n" or "\r\n" as CRLF-terminated lines. */
static char *normalize_headers(const char *h)
{
    size_t n = h != NULL ? strlen(h) : 0;
    char *out = malloc(2 * n + 3);
    if (out == NULL) return NULL;
    size_t o = 0;
    const char *p = h;
    while (p != NULL && *p) {
        size_t len = strcspn(p, "\r\n");
        if (len > 0) {
            memcpy(out + o, p, len);
            o += len;
            out[o++] = '\r';
            out[o++] = '\n';
        }
        p += len;
        while (*p == '\r' || *p == '\n')
            p++;
    }
    out[o] = '\0';
    return out;
}

static int response_copy(response *dst, const faultserver_response *src)
{
    memset(dst, 0, sizeof *dst);
    dst->status = src->status > 0 ? src->status : 200;
    dst->headers = normalize_headers(src->headers);
    dst->body_len = src->body == NULL ? 0 : src->body_len > 0 ? src->body_len : strlen(src->body);
    dst->body = dup_n(src->body != NULL ? src->body : "", dst->body_len);
    dst->gzip = src->gzip;
    dst->chunked = src->chunked;
    dst->fault = src->fault;
    dst->delay_ms = src->delay_ms > 0 ? src->delay_ms : 0;
    dst->huge_bytes = src->huge_bytes;
    dst->fill = strdup(src->fill != NULL && src->fill[0] ? src->fill : "x");
    dst->raw = dup_or_null(src->raw);
    if (dst->headers == NULL || dst->body == NULL || dst->fill == NULL ||
        (src->raw != NULL && dst->raw == NULL)) {
        response_free(dst);
        return -1;
    }
    return 0;
}

void faultserver_script(faultserver *s, const faultserver_response *responses, size_t n)
{
    response *copy = n > 0 ? calloc(n, sizeof *copy) : NULL;
    size_t ok = 0;
    if (copy != NULL)
        for (; ok < n; ok++)
            if (response_copy(&copy[ok], &responses[ok]) != 0) break;
    pthread_mutex_lock(&s->mu);
    response *old = s->script;
    size_t nold = s->nscript;
    s->script = copy;
    s->nscript = ok;
    s->served = 0;
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < nold; i++)
        response_free(&old[i]);
    free(old);
}

void faultserver_push(faultserver *s, const faultserver_response *r)
{
    response copy;
    if (response_copy(&copy, r) != 0) return;
    pthread_mutex_lock(&s->mu);
    response *grown = realloc(s->script, (s->nscript + 1) * sizeof *grown);
    if (grown != NULL) {
        s->script = grown;
        s->script[s->nscript++] = copy;
    }
    pthread_mutex_unlock(&s->mu);
    if (grown == NULL) response_free(&copy);
}

void faultserver_respond(faultserver *s, int status, const char *headers, const char *body)
{
    faultserver_response r = {0};
    r.status = status;
    r.headers = headers;
    r.body = body;
    faultserver_script(s, &r, 1);
}

/* The next response, copied so the script may change meanwhile. */
static int next_response(faultserver *s, response *out)
{
    faultserver_response d = {0};
    d.body = "{}";
    pthread_mutex_lock(&s->mu);
    int rc;
    if (s->nscript == 0) {
        rc = response_copy(out, &d);
    } else {
        const response *r = &s->script[s->served < s->nscript ? s->served : s->nscript - 1];
        faultserver_response f = {.status = r->status,
                                  .headers = r->headers,
                                  .body = r->body,
                                  .body_len = r->body_len,
                                  .gzip = r->gzip,
                                  .chunked = r->chunked,
                                  .fault = r->fault,
                                  .delay_ms = r->delay_ms,
                                  .huge_bytes = r->huge_bytes,
                                  .fill = r->fill,
                                  .raw = r->raw};
        if (r->body_len == 0) f.body = NULL;
        rc = response_copy(out, &f);
        s->served++;
    }
    pthread_mutex_unlock(&s->mu);
    return rc;
}

/* ---- requests ---- */

static void request_free(faultserver_request *r)
{
    if (r == NULL) return;
    free(r->method);
    free(r->target);
    free(r->path);
    free(r->query);
    for (size_t i = 0; i < r->nheaders; i++) {
        free(r->header_names[i]);
        free(r->header_values[i]);
    }
    free(r->header_names);
    free(r->header_values);
    free(r->body);
    free(r);
}

const char *faultserver_request_header(const faultserver_request *r, const char *name)
{
    for (size_t i = 0; i < r->nheaders; i++)
        if (strcasecmp(r->header_names[i], name) == 0) return r->header_values[i];
    return NULL;
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static char *url_decode(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    if (out == NULL) return NULL;
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '+') {
            out[o++] = ' ';
        } else if (s[i] == '%' && i + 2 < n && hexval(s[i + 1]) >= 0 && hexval(s[i + 2]) >= 0) {
            out[o++] = (char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
            i += 2;
        } else {
            out[o++] = s[i];
        }
    }
    out[o] = '\0';
    return out;
}

char *faultserver_form_value(const char *form, const char *name)
{
    if (form == NULL) return NULL;
    const char *p = form;
    while (*p) {
        size_t len = strcspn(p, "&");
        const char *eq = memchr(p, '=', len);
        size_t klen = eq != NULL ? (size_t)(eq - p) : len;
        char *key = url_decode(p, klen);
        bool match = key != NULL && strcmp(key, name) == 0;
        free(key);
        if (match) return eq != NULL ? url_decode(eq + 1, len - klen - 1) : strdup("");
        p += len;
        if (*p == '&') p++;
    }
    return NULL;
}

size_t faultserver_request_count(faultserver *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->nrequests;
    pthread_mutex_unlock(&s->mu);
    return n;
}

size_t faultserver_connection_count(faultserver *s)
{
    pthread_mutex_lock(&s->mu);
    size_t n = s->connections;
    pthread_mutex_unlock(&s->mu);
    return n;
}

const faultserver_request *faultserver_get_request(faultserver *s, size_t i)
{
    pthread_mutex_lock(&s->mu);
    const faultserver_request *r = i < s->nrequests ? s->requests[i] : NULL;
    pthread_mutex_unlock(&s->mu);
    return r;
}

void faultserver_clear_requests(faultserver *s)
{
    pthread_mutex_lock(&s->mu);
    size_t need = s->nretired + s->nrequests;
    if (need > s->cap_retired) {
        size_t cap = s->cap_retired ? s->cap_retired : 64;
        while (cap < need)
            cap *= 2;
        faultserver_request **grown = realloc(s->retired, cap * sizeof *grown);
        if (grown == NULL) {
            /* keep the records: better a count that does not drop than a
             * record freed under a reader */
            pthread_mutex_unlock(&s->mu);
            return;
        }
        s->retired = grown;
        s->cap_retired = cap;
    }
    if (s->nrequests > 0)
        memcpy(s->retired + s->nretired, s->requests, s->nrequests * sizeof *s->requests);
    s->nretired += s->nrequests;
    s->nrequests = 0;
    pthread_mutex_unlock(&s->mu);
}

/* Free every record, current and retired (faultserver_stop, threads joined). */
static void free_requests(faultserver *s)
{
    for (size_t i = 0; i < s->nrequests; i++)
        request_free(s->requests[i]);
    for (size_t i = 0; i < s->nretired; i++)
        request_free(s->retired[i]);
    free(s->requests);
    free(s->retired);
    s->requests = s->retired = NULL;
    s->nrequests = s->cap_requests = s->nretired = s->cap_retired = 0;
}

bool faultserver_wait_requests(faultserver *s, size_t n, int timeout_ms)
{
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += timeout_ms / 1000;
    until.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
    if (until.tv_nsec >= 1000000000L) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&s->mu);
    while (s->nrequests < n && !s->stopping)
        if (pthread_cond_timedwait(&s->cond, &s->mu, &until) == ETIMEDOUT) break;
    bool ok = s->nrequests >= n;
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static int record(faultserver *s, faultserver_request *r)
{
    pthread_mutex_lock(&s->mu);
    if (s->nrequests == s->cap_requests) {
        size_t cap = s->cap_requests ? 2 * s->cap_requests : 16;
        faultserver_request **grown = realloc(s->requests, cap * sizeof *grown);
        if (grown == NULL) {
            pthread_mutex_unlock(&s->mu);
            return -1;
        }
        s->requests = grown;
        s->cap_requests = cap;
    }
    s->requests[s->nrequests++] = r;
    pthread_cond_broadcast(&s->cond);
    pthread_mutex_unlock(&s->mu);
    return 0;
}

/* ---- connections ---- */

typedef struct inbuf {
    char *data;
    size_t len, cap;
} inbuf;

/* Read more bytes into b: 1 when some arrived, 0 at EOF, -1 on error or stop. */
static int read_more(conn *c, inbuf *b)
{
    if (b->cap - b->len < 4096) {
        size_t cap = b->cap ? 2 * b->cap : 16384;
        char *grown = realloc(b->data, cap);
        if (grown == NULL) return -1;
        b->data = grown;
        b->cap = cap;
    }
    for (;;) {
        if (is_stopping(c->server)) return -1;
        struct pollfd p = {c->fd, POLLIN, 0};
        int r = poll(&p, 1, POLL_MS);
        if (r < 0 && errno != EINTR) return -1;
        if (r <= 0) continue;
        ssize_t n = recv(c->fd, b->data + b->len, b->cap - b->len - 1, 0);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return -1;
        if (n == 0) return 0;
        b->len += (size_t)n;
        b->data[b->len] = '\0';
        return 1;
    }
}

static void consume(inbuf *b, size_t n)
{
    memmove(b->data, b->data + n, b->len - n);
    b->len -= n;
    if (b->data != NULL) b->data[b->len] = '\0';
}

/* Make sure b holds at least n bytes: 0, or -1 (EOF, error, stop). */
static int need(conn *c, inbuf *b, size_t n)
{
    while (b->len < n)
        if (read_more(c, b) <= 0) return -1;
    return 0;
}

static char *find_crlf(inbuf *b, size_t from)
{
    if (b->len < from + 2) return NULL;
    char *p = memchr(b->data + from, '\r', b->len - from);
    while (p != NULL && p + 1 < b->data + b->len) {
        if (p[1] == '\n') return p;
        p = memchr(p + 1, '\r', (size_t)(b->data + b->len - (p + 1)));
    }
    return NULL;
}

static int append_body(faultserver_request *r, size_t *cap, const char *p, size_t n)
{
    if (r->body_len + n > MAX_BODY_BYTES) return -1;
    if (r->body_len + n + 1 > *cap) {
        size_t want = *cap > 0 ? *cap : 1024;
        while (want < r->body_len + n + 1)
            want *= 2;
        char *grown = realloc(r->body, want);
        if (grown == NULL) return -1;
        r->body = grown;
        *cap = want;
    }
    memcpy(r->body + r->body_len, p, n);
    r->body_len += n;
    r->body[r->body_len] = '\0';
    return 0;
}

/* Read one request. Returns it, or NULL at EOF / on a malformed request. */
static faultserver_request *read_request(conn *c, inbuf *b)
{
    char *end;
    while ((end = strstr(b->data != NULL ? b->data : "", "\r\n\r\n")) == NULL) {
        if (b->len > MAX_HEADER_BYTES) return NULL;
        if (read_more(c, b) <= 0) return NULL;
    }
    size_t head_len = (size_t)(end - b->data) + 4;
    faultserver_request *r = calloc(1, sizeof *r);
    if (r == NULL) return NULL;
    r->connection = c->id;

    /* Request line: METHOD SP TARGET SP VERSION */
    char *line_end = strstr(b->data, "\r\n");
    char *sp1 = memchr(b->data, ' ', (size_t)(line_end - b->data));
    char *sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(line_end - sp1 - 1)) : NULL;
    if (sp1 == NULL || sp2 == NULL) goto bad;
    r->method = dup_n(b->data, (size_t)(sp1 - b->data));
    r->target = dup_n(sp1 + 1, (size_t)(sp2 - sp1 - 1));
    if (r->method == NULL || r->target == NULL) goto bad;
    char *q = strchr(r->target, '?');
    r->path = q != NULL ? dup_n(r->target, (size_t)(q - r->target)) : strdup(r->target);
    r->query = strdup(q != NULL ? q + 1 : "");
    if (r->path == NULL || r->query == NULL) goto bad;

    /* Headers. */
    size_t maxh = 0;
    for (char *p = line_end + 2; p < end; p = strstr(p, "\r\n") + 2)
        maxh++;
    r->header_names = calloc(maxh + 1, sizeof(char *));
    r->header_values = calloc(maxh + 1, sizeof(char *));
    if (r->header_names == NULL || r->header_values == NULL) goto bad;
    for (char *p = line_end + 2; p < end;) {
        char *e = strstr(p, "\r\n");
        char *colon = memchr(p, ':', (size_t)(e - p));
        if (colon == NULL) goto bad;
        char *v = colon + 1;
        while (v < e && (*v == ' ' || *v == '\t'))
            v++;
        char *ve = e;
        while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
            ve--;
        r->header_names[r->nheaders] = dup_n(p, (size_t)(colon - p));
        r->header_values[r->nheaders] = dup_n(v, (size_t)(ve - v));
        if (r->header_names[r->nheaders] == NULL || r->header_values[r->nheaders] == NULL) {
            r->nheaders++;
            goto bad;
        }
        r->nheaders++;
        p = e + 2;
    }
    consume(b, head_len);
    size_t body_cap = 1;
    r->body = strdup("");
    if (r->body == NULL) goto bad;

    const char *expect = faultserver_request_header(r, "Expect");
    if (expect != NULL && strcasecmp(expect, "100-continue") == 0) {
        static const char cont[] = "HTTP/1.1 100 Continue\r\n\r\n";
        if (send_all(c->fd, cont, sizeof cont - 1) != 0) goto bad;
    }

    const char *te = faultserver_request_header(r, "Transfer-Encoding");
    const char *cl = faultserver_request_header(r, "Content-Length");
    if (te != NULL && strcasecmp(te, "chunked") == 0) {
        for (;;) {
            char *crlf;
            while ((crlf = find_crlf(b, 0)) == NULL)
                if (read_more(c, b) <= 0) goto bad;
            char *endp;
            unsigned long long size = strtoull(b->data, &endp, 16);
            if (endp == b->data || size > MAX_BODY_BYTES) goto bad;
            size_t line = (size_t)(crlf - b->data) + 2;
            consume(b, line);
            if (size == 0) {
                /* Trailers up to an empty line. */
                for (;;) {
                    while ((crlf = find_crlf(b, 0)) == NULL)
                        if (read_more(c, b) <= 0) goto bad;
                    size_t l = (size_t)(crlf - b->data);
                    consume(b, l + 2);
                    if (l == 0) break;
                }
                break;
            }
            if (need(c, b, (size_t)size + 2) != 0) goto bad;
            if (append_body(r, &body_cap, b->data, (size_t)size) != 0) goto bad;
            consume(b, (size_t)size + 2);
        }
    } else if (cl != NULL) {
        char *endp;
        unsigned long long size = strtoull(cl, &endp, 10);
        if (endp == cl || *endp != '\0' || size > MAX_BODY_BYTES) goto bad;
        while (r->body_len < size) {
            if (b->len == 0 && read_more(c, b) <= 0) goto bad;
            size_t take = b->len < size - r->body_len ? b->len : (size_t)(size - r->body_len);
            if (append_body(r, &body_cap, b->data, take) != 0) goto bad;
            consume(b, take);
        }
    }
    return r;
bad:
    request_free(r);
    return NULL;
}

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 204: return "No Content";
    case 301: return "Moved Permanently";
    case 302: return "Found";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    case 504: return "Gateway Timeout";
    default: return "Status";
    }
}

/* Does the CRLF header block name header `name`? */
static bool has_header(const char *block, const char *name)
{
    size_t n = strlen(name);
    for (const char *p = block; *p;) {
        if (strncasecmp(p, name, n) == 0 && p[n] == ':') return true;
        const char *e = strstr(p, "\r\n");
        if (e == NULL) break;
        p = e + 2;
    }
    return false;
}

void faultserver_stop_listening(faultserver *s)
{
    /* shutdown() stops a listening socket at once (connects are refused
     * from here on) and wakes the accept thread's poll; that thread alone
     * closes the descriptor, so it never polls or accepts on a number
     * that was closed and reused meanwhile. Waiting for the accept thread
     * instead could give up under load with the socket still listening. */
    pthread_mutex_lock(&s->mu);
    s->stop_listening = true;
    if (s->listen_fd >= 0) shutdown(s->listen_fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->mu);
}

/* Stream a FAULT_HUGE_BODY body: the prefix, then the fill pattern. */
static int send_huge(conn *c, const response *r)
{
    enum { BLOCK = 65536 };
    size_t total = r->huge_bytes, sent = 0;
    size_t fill_len = strlen(r->fill);
    /* BLOCK bytes of pattern readable from any phase 0..fill_len-1. */
    char *pattern = malloc(BLOCK + fill_len);
    if (pattern == NULL) return -1;
    for (size_t i = 0; i < BLOCK + fill_len; i++)
        pattern[i] = r->fill[i % fill_len];
    size_t prefix = r->body_len < total ? r->body_len : total;
    int rc = 0;
    while (sent < total && rc == 0) {
        const char *p;
        size_t n;
        if (sent < prefix) {
            p = r->body + sent;
            n = prefix - sent < BLOCK ? prefix - sent : BLOCK;
        } else {
            p = pattern + (sent - prefix) % fill_len;
            n = total - sent < BLOCK ? total - sent : BLOCK;
        }
        if (r->chunked) {
            char head[32];
            int h = snprintf(head, sizeof head, "%zx\r\n", n);
            if (send_all(c->fd, head, (size_t)h) != 0) rc = -1;
        }
        if (rc == 0 && send_all(c->fd, p, n) != 0) rc = -1;
        if (rc == 0 && r->chunked && send_all(c->fd, "\r\n", 2) != 0) rc = -1;
        sent += n;
        if (is_stopping(c->server)) rc = -1;
    }
    if (rc == 0 && r->chunked && send_all(c->fd, "0\r\n\r\n", 5) != 0) rc = -1;
    free(pattern);
    return rc;
}

/* FAULT_HUGE_HEADER and FAULT_MANY_HEADERS: huge_bytes of header lines. */
static int send_huge_headers(conn *c, const response *r)
{
    enum { LINE = 1000 };
    size_t fill_len = strlen(r->fill);
    char *line = malloc(LINE + 64);
    if (line == NULL) return -1;
    int rc = 0;
    if (r->fault == FAULT_HUGE_HEADER) {
        rc = send_all(c->fd, "X-Huge: ", 8);
        for (size_t sent = 0; rc == 0 && sent < r->huge_bytes;) {
            size_t n = r->huge_bytes - sent < LINE ? r->huge_bytes - sent : LINE;
            for (size_t i = 0; i < n; i++)
                line[i] = r->fill[(sent + i) % fill_len];
            rc = send_all(c->fd, line, n);
            sent += n;
            if (is_stopping(c->server)) rc = -1;
        }
        if (rc == 0) rc = send_all(c->fd, "\r\n", 2);
    } else {
        for (size_t sent = 0, k = 0; rc == 0 && sent < r->huge_bytes; k++) {
            int h = snprintf(line, 64, "X-Fill-%zu: ", k);
            size_t n = (size_t)h;
            for (size_t i = 0; n < LINE; i++)
                line[n++] = r->fill[i % fill_len];
            line[n++] = '\r';
            line[n++] = '\n';
            rc = send_all(c->fd, line, n);
            sent += n;
            if (is_stopping(c->server)) rc = -1;
        }
    }
    free(line);
    return rc;
}

/* Answer one request; false when the connection must close. The request
 * itself is the test's by now (it may be freed), hence `client_close`. */
static bool serve(conn *c, bool client_close, const response *r)
{
    faultserver *s = c->server;
    switch (r->fault) {
    case FAULT_CLOSE: return false;
    case FAULT_RESET: {
        struct linger l = {1, 0};
        setsockopt(c->fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
        return false;
    }
    case FAULT_REFUSE: faultserver_stop_listening(s); return false;
    case FAULT_DELAY_HEADERS:
        if (nap(s, r->delay_ms)) return false;
        break;
    default: break;
    }
    if (r->raw != NULL) {
        send_all(c->fd, r->raw, strlen(r->raw));
        return false;
    }

    char *body = r->body;
    size_t body_len = r->body_len;
    bool gz = r->gzip || r->fault == FAULT_CORRUPT_GZIP;
    char *zipped = NULL;
    if (gz && r->fault != FAULT_HUGE_BODY) {
        if (gzip_stored(r->body, r->body_len, r->fault == FAULT_CORRUPT_GZIP, &zipped, &body_len) !=
            0)
            return false;
        body = zipped;
    }
    size_t declared = r->fault == FAULT_HUGE_BODY ? r->huge_bytes : body_len;

    size_t cap = strlen(r->headers) + 256;
    char *head = malloc(cap);
    if (head == NULL) {
        free(zipped);
        return false;
    }
    int n = snprintf(head, cap, "HTTP/1.1 %d %s\r\n", r->status, reason(r->status));
    if (!has_header(r->headers, "Content-Type"))
        n += snprintf(head + n, cap - (size_t)n, "Content-Type: application/json\r\n");
    if (gz && !has_header(r->headers, "Content-Encoding"))
        n += snprintf(head + n, cap - (size_t)n, "Content-Encoding: gzip\r\n");
    if (r->chunked) {
        if (!has_header(r->headers, "Transfer-Encoding"))
            n += snprintf(head + n, cap - (size_t)n, "Transfer-Encoding: chunked\r\n");
    } else if (!has_header(r->headers, "Content-Length")) {
        n += snprintf(head + n, cap - (size_t)n, "Content-Length: %zu\r\n", declared);
    }
    snprintf(head + n, cap - (size_t)n, "%s", r->headers);
    int rc = send_all(c->fd, head, strlen(head));
    free(head);
    if (rc == 0 && (r->fault == FAULT_HUGE_HEADER || r->fault == FAULT_MANY_HEADERS))
        rc = send_huge_headers(c, r);
    if (rc == 0) rc = send_all(c->fd, "\r\n", 2);

    bool keep = rc == 0;
    if (keep) {
        size_t half = body_len / 2;
        switch (r->fault) {
        case FAULT_CLOSE_AFTER_HEADERS: keep = false; break;
        case FAULT_TRUNCATE_BODY:
            send_all(c->fd, body, half);
            keep = false;
            break;
        case FAULT_DELAY_BODY:
            if (send_all(c->fd, body, half) != 0 || nap(s, r->delay_ms) ||
                send_all(c->fd, body + half, body_len - half) != 0)
                keep = false;
            break;
        case FAULT_HUGE_BODY: keep = send_huge(c, r) == 0; break;
        default:
            if (r->chunked) {
                char size[32];
                int h = snprintf(size, sizeof size, "%zx\r\n", body_len);
                if (body_len > 0 &&
                    (send_all(c->fd, size, (size_t)h) != 0 ||
                     send_all(c->fd, body, body_len) != 0 || send_all(c->fd, "\r\n", 2) != 0))
                    keep = false;
                else if (send_all(c->fd, "0\r\n\r\n", 5) != 0)
                    keep = false;
            } else if (send_all(c->fd, body, body_len) != 0) {
                keep = false;
            }
            break;
        }
    }
    free(zipped);
    if (client_close) keep = false;
    if (strstr(r->headers, "Connection: close") != NULL) keep = false;
    return keep;
}

static void *conn_main(void *arg)
{
    conn *c = arg;
    faultserver *s = c->server;
    inbuf b = {NULL, 0, 0};
    for (;;) {
        faultserver_request *req = read_request(c, &b);
        if (req == NULL) break;
        response r;
        if (next_response(s, &r) != 0) {
            request_free(req);
            break;
        }
        const char *conn_hdr = faultserver_request_header(req, "Connection");
        bool client_close = conn_hdr != NULL && strcasecmp(conn_hdr, "close") == 0;
        /* Recorded before answering, so a client that got its answer can
         * count on the record; from here on the record is not touched. */
        if (record(s, req) != 0) {
            request_free(req);
            response_free(&r);
            break;
        }
        bool keep = serve(c, client_close, &r);
        response_free(&r);
        if (!keep) break;
    }
    free(b.data);
    pthread_mutex_lock(&s->mu);
    close(c->fd);
    c->fd = -1;
    c->done = true;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

/* Join and free the connections that have finished. */
static void reap(faultserver *s, bool all)
{
    for (;;) {
        conn *found = NULL;
        pthread_mutex_lock(&s->mu);
        for (conn **pp = &s->conns; *pp != NULL; pp = &(*pp)->next)
            if (all || (*pp)->done) {
                found = *pp;
                *pp = found->next;
                break;
            }
        pthread_mutex_unlock(&s->mu);
        if (found == NULL) return;
        pthread_join(found->thread, NULL);
        free(found);
    }
}

static void *accept_main(void *arg)
{
    faultserver *s = arg;
    for (;;) {
        pthread_mutex_lock(&s->mu);
        bool stopping = s->stopping;
        if (s->stop_listening && s->listen_fd >= 0) {
            close(s->listen_fd);
            s->listen_fd = -1;
        }
        int lfd = s->listen_fd;
        pthread_mutex_unlock(&s->mu);
        if (stopping) break;
        reap(s, false);
        if (lfd < 0) {
            nap(s, POLL_MS);
            continue;
        }
        struct pollfd p = {lfd, POLLIN, 0};
        if (poll(&p, 1, POLL_MS) <= 0) continue;
        int fd = accept(lfd, NULL, NULL);
        if (fd < 0) continue;
        fcntl(fd, F_SETFD, FD_CLOEXEC);
        conn *c = calloc(1, sizeof *c);
        if (c == NULL) {
            close(fd);
            continue;
        }
        c->server = s;
        c->fd = fd;
        pthread_mutex_lock(&s->mu);
        c->id = (int)++s->connections;
        c->next = s->conns;
        s->conns = c;
        if (pthread_create(&c->thread, NULL, conn_main, c) != 0) {
            s->conns = c->next;
            pthread_mutex_unlock(&s->mu);
            close(fd);
            free(c);
            continue;
        }
        pthread_mutex_unlock(&s->mu);
    }
    return NULL;
}

faultserver *faultserver_start(char *errbuf, size_t errlen)
{
    faultserver *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(errbuf, errlen, "calloc");
        return NULL;
    }
    pthread_mutex_init(&s->mu, NULL);
    pthread_cond_init(&s->cond, NULL);
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 64) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        set_err(errbuf, errlen, "listen on 127.0.0.1");
        goto fail;
    }
    s->port = ntohs(a.sin_port);
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);
    if (pthread_create(&s->accept_thread, NULL, accept_main, s) != 0) {
        errno = EAGAIN;
        set_err(errbuf, errlen, "pthread_create");
        goto fail;
    }
    return s;
fail:
    if (s->listen_fd >= 0) close(s->listen_fd);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
    return NULL;
}

void faultserver_stop(faultserver *s)
{
    if (s == NULL) return;
    pthread_mutex_lock(&s->mu);
    s->stopping = true;
    pthread_cond_broadcast(&s->cond);
    /* Wake connection threads blocked in send() to a client not reading. */
    for (conn *c = s->conns; c != NULL; c = c->next)
        if (c->fd >= 0) shutdown(c->fd, SHUT_RDWR);
    pthread_mutex_unlock(&s->mu);
    pthread_join(s->accept_thread, NULL);
    reap(s, true);
    if (s->listen_fd >= 0) close(s->listen_fd);
    faultserver_script(s, NULL, 0);
    free_requests(s);
    pthread_cond_destroy(&s->cond);
    pthread_mutex_destroy(&s->mu);
    free(s);
}

const char *faultserver_url(const faultserver *s)
{
    return s->url;
}

int faultserver_port(const faultserver *s)
{
    return s->port;
}
