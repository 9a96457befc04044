/* backendproc: Thanos and Mimir processes for the tests (backendproc.h). */
#define _POSIX_C_SOURCE 200809L
#include "backendproc.h"

#include <arpa/inet.h>
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "promserver.h"
#include "timing.h"

#define STOP_GRACE_MS 15000

const char *backendproc_binary(const char *env)
{
    const char *p = getenv(env);
    if (p == NULL || *p == '\0' || access(p, X_OK) != 0) return NULL;
    return p;
}

int backendproc_start(backendproc *p, const char *name, char *const argv[], const char *log,
                      char *err, size_t errlen)
{
    p->pid = -1;
    snprintf(p->name, sizeof p->name, "%s", name);
    snprintf(p->log, sizeof p->log, "%s", log);
    int logfd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) {
        snprintf(err, errlen, "%s: cannot open %s: %s", name, log, strerror(errno));
        return -1;
    }
    int nullfd = open("/dev/null", O_RDONLY | O_CLOEXEC);
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        /* Only async-signal-safe calls until exec. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent) _exit(127);
        if (nullfd >= 0) dup2(nullfd, 0);
        dup2(logfd, 1);
        dup2(logfd, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    if (nullfd >= 0) close(nullfd);
    if (pid < 0) {
        snprintf(err, errlen, "%s: fork: %s", name, strerror(errno));
        return -1;
    }
    p->pid = pid;
    return 0;
}

void backendproc_last_log_line(const backendproc *p, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(p->log, "r");
    if (f == NULL) return;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        fseek(f, size > 65536 ? size - 65536 : 0, SEEK_SET);
    }
    char line[2048];
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n > 0) snprintf(out, outlen, "%s", line);
    }
    fclose(f);
}

typedef struct buf {
    char *data;
    size_t len;
} buf;

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata)
{
    buf *b = userdata;
    size_t n = size * nmemb;
    char *d = realloc(b->data, b->len + n + 1);
    if (d == NULL) return 0;
    memcpy(d + b->len, ptr, n);
    b->data = d;
    b->len += n;
    d[b->len] = '\0';
    return n;
}

int backendproc_http(const char *url, const char *body, size_t body_len, const char *content_type,
                     const char *const *headers, long *status, char **out)
{
    *out = NULL;
    *status = 0;
    CURL *c = curl_easy_init();
    if (c == NULL) return -1;
    buf b = {NULL, 0};
    struct curl_slist *hl = NULL;
    char ct[256];
    if (content_type != NULL) {
        snprintf(ct, sizeof ct, "Content-Type: %s", content_type);
        hl = curl_slist_append(hl, ct);
    }
    for (size_t i = 0; headers != NULL && headers[i] != NULL; i++)
        hl = curl_slist_append(hl, headers[i]);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 60000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_data);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    if (hl != NULL) curl_easy_setopt(c, CURLOPT_HTTPHEADER, hl);
    if (body != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)body_len);
    }
    CURLcode rc = curl_easy_perform(c);
    if (rc == CURLE_OK) curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    curl_slist_free_all(hl);
    curl_easy_cleanup(c);
    if (rc != CURLE_OK) {
        free(b.data);
        return -1;
    }
    if (b.data == NULL) b.data = calloc(1, 1);
    *out = b.data;
    return 0;
}

int backendproc_wait_http(backendproc *p, const char *url, int timeout_ms, char *err, size_t errlen)
{
    double deadline = timing_now_ms() + timeout_ms;
    for (;;) {
        int st;
        if (p->pid > 0 && waitpid(p->pid, &st, WNOHANG) == p->pid) {
            p->pid = -1;
            char line[1024];
            backendproc_last_log_line(p, line, sizeof line);
            snprintf(err, errlen, "%s exited (status %d): %s", p->name,
                     WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                     line[0] ? line : "(no output)");
            return -1;
        }
        long status;
        char *body;
        if (backendproc_http(url, NULL, 0, NULL, NULL, &status, &body) == 0) {
            free(body);
            if (status == 200) return 0;
        }
        if (timing_now_ms() > deadline) {
            char line[1024];
            backendproc_last_log_line(p, line, sizeof line);
            snprintf(err, errlen, "%s not ready at %s after %d ms; last log: %s", p->name, url,
                     timeout_ms, line[0] ? line : "(none)");
            return -1;
        }
        timing_sleep_ms(100);
    }
}

void backendproc_stop(backendproc *p)
{
    if (p->pid <= 0) return;
    kill(p->pid, SIGTERM);
    double deadline = timing_now_ms() + STOP_GRACE_MS;
    for (;;) {
        int st;
        pid_t r = waitpid(p->pid, &st, WNOHANG);
        if (r == p->pid || (r < 0 && errno != EINTR)) break;
        if (timing_now_ms() > deadline) {
            kill(p->pid, SIGKILL);
            waitpid(p->pid, &st, 0);
            break;
        }
        timing_sleep_ms(20);
    }
    p->pid = -1;
}
