/* http_client: one backend's transport configuration, credentials and
 * connection cache. See http.h. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/http_int.h"
#include "util/error.h"

#define SECRET_FILE_MAX (64 * 1024)

static char *dup_or_null(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* Overwrite a secret before freeing it. */
static void free_secret(char *s)
{
    if (!s) return;
    volatile char *p = s;
    while (*p)
        *p++ = 0;
    free(s);
}

int64_t http_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---- redaction ---------------------------------------------------------- */

void redact_secrets(char *text, size_t size, const char *const *secrets, size_t n)
{
    static const char mask[] = "<redacted>";
    const size_t mlen = sizeof(mask) - 1;
    if (!text || size == 0) return;
    for (size_t i = 0; i < n; i++) {
        const char *s = secrets[i];
        size_t slen = s ? strlen(s) : 0;
        if (slen == 0) continue;
        char *p = text;
        while ((p = strstr(p, s)) != NULL) {
            size_t len = strlen(text);
            size_t tail = len - (size_t)(p - text) - slen; /* bytes after the match */
            size_t newlen = len - slen + mlen;
            if (newlen + 1 > size) {
                /* Truncate the tail so the mask fits. */
                if ((size_t)(p - text) + mlen + 1 > size) {
                    *p = '\0'; /* not even the mask fits: cut here */
                    break;
                }
                tail = size - 1 - (size_t)(p - text) - mlen;
            }
            memmove(p + mlen, p + slen, tail);
            memcpy(p, mask, mlen);
            p[mlen + tail] = '\0';
            p += mlen;
        }
    }
}

void http_client_redact(const http_client *c, char *text, size_t size)
{
    if (!c) return;
    redact_secrets(text, size, (const char *const *)c->secrets, c->nsecrets);
}

static int remember_secret(http_client *c, const char *value)
{
    if (!value || !*value) return 0;
    for (size_t i = 0; i < c->nsecrets; i++)
        if (!strcmp(c->secrets[i], value)) return 0;
    if (c->nsecrets == c->capsecrets) {
        size_t cap = c->capsecrets ? c->capsecrets * 2 : 4;
        char **p = realloc(c->secrets, cap * sizeof(*p));
        if (!p) return -1;
        c->secrets = p;
        c->capsecrets = cap;
    }
    char *copy = strdup(value);
    if (!copy) return -1;
    c->secrets[c->nsecrets++] = copy;
    /* Longest first, so a secret that contains another is masked whole. */
    for (size_t i = c->nsecrets - 1; i > 0 && strlen(c->secrets[i]) > strlen(c->secrets[i - 1]);
         i--) {
        char *t = c->secrets[i];
        c->secrets[i] = c->secrets[i - 1];
        c->secrets[i - 1] = t;
    }
    return 0;
}

static char *base64(const char *in, size_t len)
{
    static const char tbl[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out) return NULL;
    const unsigned char *s = (const unsigned char *)in;
    size_t o = 0;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)s[i] << 16;
        if (i + 1 < len) v |= (unsigned)s[i + 1] << 8;
        if (i + 2 < len) v |= s[i + 2];
        out[o++] = tbl[(v >> 18) & 63];
        out[o++] = tbl[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tbl[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < len ? tbl[v & 63] : '=';
    }
    out[o] = '\0';
    return out;
}

/* ---- secrets ------------------------------------------------------------ */

/* Read a secret from its source into *out (malloc'd). `what` names it in
 * messages ("bearer token"); messages never include the value. */
static int load_secret(const secret_src *src, const char *what, char **out, char *msg,
                       size_t msgsize)
{
    *out = NULL;
    if (src->env) {
        const char *v = getenv(src->env);
        if (!v || !*v) {
            snprintf(msg, msgsize, "%s: environment variable %s is not set or empty", what,
                     src->env);
            return SLOEVAL_ECONFIG;
        }
        *out = strdup(v);
        if (!*out) {
            snprintf(msg, msgsize, "out of memory");
            return SLOEVAL_ENOMEM;
        }
        return 0;
    }
    /* Non-blocking open: a FIFO must not block here until a writer comes.
     * Only a regular file is read, so the read below ends (a device like
     * /dev/zero or /dev/stdin could be endless or block). */
    int fd = open(src->file, O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(msg, msgsize, "%s: cannot read %s: %s", what, src->file, strerror(errno));
        return SLOEVAL_ECONFIG;
    }
    struct stat st;
    if (fstat(fd, &st) != 0) {
        snprintf(msg, msgsize, "%s: cannot read %s: %s", what, src->file, strerror(errno));
        close(fd);
        return SLOEVAL_ECONFIG;
    }
    if (!S_ISREG(st.st_mode)) {
        const char *kind = S_ISFIFO(st.st_mode)   ? "a FIFO"
                           : S_ISCHR(st.st_mode)  ? "a character device"
                           : S_ISBLK(st.st_mode)  ? "a block device"
                           : S_ISDIR(st.st_mode)  ? "a directory"
                           : S_ISSOCK(st.st_mode) ? "a socket"
                                                  : "not a regular file";
        snprintf(msg, msgsize, "%s: %s is %s: a secret file must be a regular file", what,
                 src->file, kind);
        close(fd);
        return SLOEVAL_ECONFIG;
    }
    if (st.st_size > SECRET_FILE_MAX) {
        snprintf(msg, msgsize, "%s: cannot read %s: file larger than 64 KiB", what, src->file);
        close(fd);
        return SLOEVAL_ECONFIG;
    }
    char *buf = malloc(SECRET_FILE_MAX + 1);
    if (!buf) {
        close(fd);
        snprintf(msg, msgsize, "out of memory");
        return SLOEVAL_ENOMEM;
    }
    /* A regular file: reads end at its end (it may grow meanwhile: bounded). */
    size_t n = 0;
    int bad = 0;
    while (n < SECRET_FILE_MAX + 1) {
        ssize_t got = read(fd, buf + n, SECRET_FILE_MAX + 1 - n);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) {
            bad = errno;
            break;
        }
        if (got == 0) break;
        n += (size_t)got;
    }
    close(fd);
    if (bad || n > SECRET_FILE_MAX) {
        memset(buf, 0, SECRET_FILE_MAX + 1);
        free(buf);
        snprintf(msg, msgsize, "%s: cannot read %s: %s", what, src->file,
                 bad ? strerror(bad) : "file larger than 64 KiB");
        return SLOEVAL_ECONFIG;
    }
    while (n > 0 &&
           (buf[n - 1] == '\n' || buf[n - 1] == '\r' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
        n--;
    buf[n] = '\0';
    if (n == 0 || memchr(buf, '\0', n) || strpbrk(buf, "\r\n")) {
        memset(buf, 0, n);
        free(buf);
        snprintf(msg, msgsize, "%s: %s is empty or holds more than one line", what, src->file);
        return SLOEVAL_ECONFIG;
    }
    *out = buf;
    return 0;
}

void request_auth_clear(request_auth *a)
{
    free_secret(a->bearer_header);
    free_secret(a->user);
    free_secret(a->password);
    memset(a, 0, sizeof(*a));
}

int client_load_auth(http_client *c, request_auth *out, char *msg, size_t msgsize)
{
    memset(out, 0, sizeof(*out));
    int rc = 0;
    char *token = NULL;
    if (c->bearer.file || c->bearer.env) {
        rc = load_secret(&c->bearer, "bearer token", &token, msg, msgsize);
        if (rc) goto fail;
        if (remember_secret(c, token)) goto oom;
        size_t len = strlen(token) + sizeof("Authorization: Bearer ");
        out->bearer_header = malloc(len);
        if (!out->bearer_header) goto oom;
        snprintf(out->bearer_header, len, "Authorization: Bearer %s", token);
        free_secret(token);
        token = NULL;
    }
    if (c->basic_user) {
        out->user = strdup(c->basic_user);
        if (!out->user) goto oom;
        if (c->basic_password.file || c->basic_password.env) {
            rc = load_secret(&c->basic_password, "basic auth password", &out->password, msg,
                             msgsize);
            if (rc) goto fail;
        } else if (c->url_password) {
            out->password = strdup(c->url_password);
            if (!out->password) goto oom;
        } else {
            out->password = strdup("");
            if (!out->password) goto oom;
        }
        if (remember_secret(c, out->password)) goto oom;
        /* A server that echoes the Authorization header shows base64(user:pass). */
        size_t ulen = strlen(out->user), plen = strlen(out->password);
        char *pair = malloc(ulen + plen + 2);
        if (!pair) goto oom;
        memcpy(pair, out->user, ulen);
        pair[ulen] = ':';
        memcpy(pair + ulen + 1, out->password, plen + 1);
        char *b64 = plen ? base64(pair, ulen + 1 + plen) : NULL;
        free_secret(pair);
        if (plen && !b64) goto oom;
        int r = b64 ? remember_secret(c, b64) : 0;
        free_secret(b64);
        if (r) goto oom;
    }
    return 0;
oom:
    rc = SLOEVAL_ENOMEM;
    snprintf(msg, msgsize, "out of memory");
fail:
    free_secret(token);
    request_auth_clear(out);
    return rc;
}

/* ---- easy handle pool --------------------------------------------------- */

CURL *client_take_easy(http_client *c)
{
    if (c->nidle > 0) {
        CURL *e = c->idle[--c->nidle];
        curl_easy_reset(e);
        return e;
    }
    return curl_easy_init();
}

void client_return_easy(http_client *c, CURL *easy)
{
    if (!easy) return;
    if (c->nidle == c->capidle) {
        size_t cap = c->capidle ? c->capidle * 2 : 8;
        CURL **p = realloc(c->idle, cap * sizeof(*p));
        if (!p) {
            curl_easy_cleanup(easy);
            return;
        }
        c->idle = p;
        c->capidle = cap;
    }
    c->idle[c->nidle++] = easy;
}

/* ---- construction ------------------------------------------------------- */

static int copy_secret_src(secret_src *dst, const http_secret_source *src, const char *what,
                           sloeval_error *err)
{
    if (src->file && src->env)
        return error_set(err, SLOEVAL_ECONFIG,
                         "%s: give a file or an environment variable, not both", what);
    if (src->file && !*src->file)
        return error_set(err, SLOEVAL_ECONFIG, "%s: empty file name", what);
    if (src->env && !*src->env)
        return error_set(err, SLOEVAL_ECONFIG, "%s: empty environment variable name", what);
    dst->file = dup_or_null(src->file);
    dst->env = dup_or_null(src->env);
    if ((src->file && !dst->file) || (src->env && !dst->env))
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    return 0;
}

static bool header_text_ok(const char *s)
{
    for (; *s; s++)
        if (*s == '\r' || *s == '\n') return false;
    return true;
}

static bool header_name_ok(const char *s)
{
    if (!*s) return false;
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch <= 32 || ch >= 127 || ch == ':') return false;
    }
    return true;
}

/* Split cfg->url into the base URL without userinfo and the credentials. */
static int parse_base_url(http_client *c, const char *url, sloeval_error *err)
{
    CURLU *u = curl_url();
    if (!u) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    int rc = 0;
    char *scheme = NULL, *host = NULL, *port = NULL, *path = NULL, *query = NULL, *frag = NULL;
    char *user = NULL, *password = NULL;
    CURLUcode uc = curl_url_set(u, CURLUPART_URL, url, 0);
    if (uc != CURLUE_OK) {
        /* The text may carry a password: name only the problem. */
        rc = error_set(err, SLOEVAL_ECONFIG, "invalid backend URL: %s", curl_url_strerror(uc));
        goto done;
    }
    curl_url_get(u, CURLUPART_SCHEME, &scheme, 0);
    curl_url_get(u, CURLUPART_HOST, &host, 0);
    curl_url_get(u, CURLUPART_PORT, &port, 0);
    curl_url_get(u, CURLUPART_PATH, &path, 0);
    curl_url_get(u, CURLUPART_QUERY, &query, 0);
    curl_url_get(u, CURLUPART_FRAGMENT, &frag, 0);
    curl_url_get(u, CURLUPART_USER, &user, CURLU_URLDECODE);
    curl_url_get(u, CURLUPART_PASSWORD, &password, CURLU_URLDECODE);
    if (!scheme || (strcmp(scheme, "http") && strcmp(scheme, "https"))) {
        rc = error_set(err, SLOEVAL_ECONFIG, "backend URL must start with http:// or https://");
        goto done;
    }
    if (!host || !*host) {
        rc = error_set(err, SLOEVAL_ECONFIG, "backend URL has no host");
        goto done;
    }
    if (query || frag) {
        rc =
            error_set(err, SLOEVAL_ECONFIG,
                      "backend URL %s://%s must not have a query string or fragment", scheme, host);
        goto done;
    }
    if (user && *user) {
        if (c->basic_user) {
            rc = error_set(err, SLOEVAL_ECONFIG,
                           "backend URL %s://%s carries credentials and basic auth is also "
                           "configured: give them once",
                           scheme, host);
            goto done;
        }
        c->basic_user = strdup(user);
        if (password && *password) c->url_password = strdup(password);
        if (!c->basic_user || (password && *password && !c->url_password)) {
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            goto done;
        }
    }
    {
        strbuf sb = STRBUF_INIT;
        strbuf_printf(&sb, "%s://%s", scheme, host);
        if (port) strbuf_printf(&sb, ":%s", port);
        if (path) {
            size_t plen = strlen(path);
            while (plen > 0 && path[plen - 1] == '/')
                plen--;
            strbuf_append(&sb, path, plen);
        }
        if (sb.failed) {
            strbuf_free(&sb);
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            goto done;
        }
        c->base_url = strbuf_detach(&sb);
        if (!c->base_url) c->base_url = strdup(""); /* unreachable: host is non-empty */
    }
done:
    curl_free(scheme);
    curl_free(host);
    curl_free(port);
    curl_free(path);
    curl_free(query);
    curl_free(frag);
    if (user) curl_free(user);
    if (password) {
        volatile char *p = password;
        while (*p)
            *p++ = 0;
        curl_free(password);
    }
    curl_url_cleanup(u);
    return rc;
}

int http_client_new(http_client **out, const http_config *cfg, sloeval_error *err)
{
    *out = NULL;
    if (!cfg || !cfg->url || !*cfg->url)
        return error_set(err, SLOEVAL_ECONFIG, "backend URL is missing");
    if (cfg->connect_timeout_ms <= 0 || cfg->timeout_ms <= 0 || cfg->total_timeout_ms <= 0)
        return error_set(err, SLOEVAL_ECONFIG, "timeouts must be positive");
    if (cfg->max_retries < 0 || cfg->retry_backoff_ms < 0 || cfg->retry_backoff_max_ms < 0)
        return error_set(err, SLOEVAL_ECONFIG, "retry settings must not be negative");
    if (cfg->max_response_bytes == 0)
        return error_set(err, SLOEVAL_ECONFIG, "max_response_bytes must be positive");
    if ((cfg->basic_auth_password.file || cfg->basic_auth_password.env) && !cfg->basic_auth_user)
        return error_set(err, SLOEVAL_ECONFIG, "basic auth password given without a user name");
    if (cfg->basic_auth_user && strchr(cfg->basic_auth_user, ':'))
        return error_set(err, SLOEVAL_ECONFIG, "basic auth user name must not contain ':'");
    if ((cfg->bearer_token.file || cfg->bearer_token.env) && cfg->basic_auth_user)
        return error_set(err, SLOEVAL_ECONFIG, "give a bearer token or basic auth, not both");

    http_client *c = calloc(1, sizeof(*c));
    if (!c) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    int rc;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->timeout_ms = cfg->timeout_ms;
    c->total_timeout_ms = cfg->total_timeout_ms;
    c->max_retries = cfg->max_retries;
    c->retry_backoff_ms = cfg->retry_backoff_ms;
    c->retry_backoff_max_ms = cfg->retry_backoff_max_ms;
    c->max_response_bytes = cfg->max_response_bytes;
    c->tls_insecure = cfg->tls_insecure_skip_verify;
    c->no_compression = cfg->no_compression;
    if (cfg->basic_auth_user) {
        c->basic_user = strdup(cfg->basic_auth_user);
        if (!c->basic_user) goto oom;
    }
    if ((rc = copy_secret_src(&c->bearer, &cfg->bearer_token, "bearer token", err))) goto fail;
    if ((rc = copy_secret_src(&c->basic_password, &cfg->basic_auth_password, "basic auth password",
                              err)))
        goto fail;
    if ((rc = parse_base_url(c, cfg->url, err))) goto fail;
    /* A user without any password is sent with an empty password. */
    c->tls_ca_file = dup_or_null(cfg->tls_ca_file);
    c->tls_cert_file = dup_or_null(cfg->tls_cert_file);
    c->tls_key_file = dup_or_null(cfg->tls_key_file);
    if ((cfg->tls_ca_file && !c->tls_ca_file) || (cfg->tls_cert_file && !c->tls_cert_file) ||
        (cfg->tls_key_file && !c->tls_key_file))
        goto oom;
    if (cfg->tls_key_file && !cfg->tls_cert_file) {
        rc = error_set(err, SLOEVAL_ECONFIG, "TLS key file given without a certificate file");
        goto fail;
    }
    if (cfg->nheaders) {
        c->headers = calloc(cfg->nheaders, sizeof(*c->headers));
        if (!c->headers) goto oom;
        for (size_t i = 0; i < cfg->nheaders; i++) {
            const http_header_kv *h = &cfg->headers[i];
            if (!h->name || !header_name_ok(h->name)) {
                rc = error_set(err, SLOEVAL_ECONFIG, "invalid HTTP header name \"%s\"",
                               h->name ? h->name : "");
                goto fail;
            }
            if (!h->value || !header_text_ok(h->value)) {
                rc = error_set(err, SLOEVAL_ECONFIG, "HTTP header %s: value must be one line",
                               h->name);
                goto fail;
            }
            if (!h->public_value) {
                /* Any header may carry a credential (X-Api-Key, ...): its
                 * value, and what follows a scheme ("Bearer xyz" -> "xyz"),
                 * are masked wherever a server echoes them. */
                const char *v = h->value;
                const char *sp = strchr(v, ' ');
                if (remember_secret(c, v)) goto oom;
                if (sp && sp[1] && remember_secret(c, sp + 1)) goto oom;
            }
            size_t len = strlen(h->name) + strlen(h->value) + 3;
            c->headers[i] = malloc(len);
            if (!c->headers[i]) goto oom;
            /* "Name:" alone would make curl drop the header; send it empty. */
            snprintf(c->headers[i], len, *h->value ? "%s: %s" : "%s;", h->name, h->value);
            c->nheaders = i + 1;
        }
    }
    c->share = curl_share_init();
    if (!c->share) goto oom;
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION);
    curl_share_setopt(c->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_CONNECT);
    *out = c;
    return 0;
oom:
    rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
fail:
    http_client_free(c);
    return rc;
}

void http_client_free(http_client *c)
{
    if (!c) return;
    for (size_t i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    free(c->idle);
    if (c->share) curl_share_cleanup(c->share);
    free(c->base_url);
    for (size_t i = 0; i < c->nheaders; i++)
        free_secret(c->headers[i]);
    free(c->headers);
    free(c->bearer.file);
    free(c->bearer.env);
    free_secret(c->basic_user);
    free(c->basic_password.file);
    free(c->basic_password.env);
    free_secret(c->url_password);
    free(c->tls_ca_file);
    free(c->tls_cert_file);
    free(c->tls_key_file);
    for (size_t i = 0; i < c->nsecrets; i++)
        free_secret(c->secrets[i]);
    free(c->secrets);
    free(c);
}

const char *http_client_url(const http_client *c)
{
    return c->base_url;
}

/* ---- forms -------------------------------------------------------------- */

static void form_escape(strbuf *sb, const char *s)
{
    static const char hex[] = "0123456789ABCDEF";
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            *p == '-' || *p == '.' || *p == '_' || *p == '~') {
            strbuf_putc(sb, (char)*p);
        } else {
            char enc[3] = {'%', hex[*p >> 4], hex[*p & 15]};
            strbuf_append(sb, enc, 3);
        }
    }
}

void http_form_add(strbuf *form, const char *name, const char *value)
{
    if (form->len > 0) strbuf_putc(form, '&');
    form_escape(form, name);
    strbuf_putc(form, '=');
    form_escape(form, value);
}
