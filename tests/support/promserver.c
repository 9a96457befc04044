/* promserver: a real Prometheus 2.42 child process for tests (see promserver.h). */
#include "promserver.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "timing.h"
#include "util/strbuf.h"

#define DIR_PREFIX        "sloeval-prom-"
#define START_ATTEMPTS    5
#define PROMTOOL_LIMIT_MS (10 * 60 * 1000)
#define STOP_GRACE_MS     15000

struct promserver {
    pid_t owner; /* the process that started the server */
    pid_t pid;
    int port;
    char url[64];
    char *dir;
    CURL *curl;
    pid_t curl_pid; /* the process that made `curl` */
    long request_timeout_ms;
    double backfill_ms;
    double startup_ms;
    char *prometheus; /* the binaries (copies) */
    char *promtool;
};

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *errbuf, size_t errlen, const char *fmt, ...)
{
    if (errbuf == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(errbuf, errlen, fmt, ap);
    va_end(ap);
    /* One line: fold any newline a child's message carried. */
    for (char *p = errbuf; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
}

bool promserver_available_at(const char *prometheus, const char *promtool)
{
    return access(prometheus ? prometheus : PROMSERVER_PROMETHEUS, X_OK) == 0 &&
           access(promtool ? promtool : PROMSERVER_PROMTOOL, X_OK) == 0;
}

bool promserver_available(void)
{
    return promserver_available_at(NULL, NULL);
}

static pthread_once_t curl_once = PTHREAD_ONCE_INIT;
static void curl_init_once(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
}

/* ---- temporary directories ---- */

/* Remove the directory tree `name` under dirfd (AT_FDCWD for a path). */
static void remove_tree_at(int dirfd, const char *name)
{
    int fd = openat(dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        unlinkat(dirfd, name, 0);
        return;
    }
    DIR *d = fdopendir(fd);
    if (d == NULL) {
        close(fd);
        return;
    }
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) continue;
        if (unlinkat(fd, e->d_name, 0) == 0) continue;
        remove_tree_at(fd, e->d_name);
    }
    closedir(d);
    unlinkat(dirfd, name, AT_REMOVEDIR);
}

static const char *tmp_base(void)
{
    const char *t = getenv("TMPDIR");
    return (t != NULL && t[0] == '/') ? t : "/tmp";
}

/* Remove directories of ours whose owning process is gone (a test that
 * crashed before promserver_stop). A directory without an owner file is
 * being created right now by someone else and is left alone. */
static void sweep_stale_dirs(void)
{
    const char *base = tmp_base();
    DIR *d = opendir(base);
    if (d == NULL) return;
    int bfd = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, DIR_PREFIX, strlen(DIR_PREFIX)) != 0) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/owner", base, e->d_name);
        FILE *f = fopen(path, "r");
        if (f == NULL) continue;
        long pid = 0;
        int n = fscanf(f, "%ld", &pid);
        fclose(f);
        if (n != 1 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        remove_tree_at(bfd, e->d_name);
    }
    closedir(d);
}

static char *make_dir(char *errbuf, size_t errlen)
{
    char tmpl[4096];
    snprintf(tmpl, sizeof tmpl, "%s/" DIR_PREFIX "XXXXXX", tmp_base());
    if (mkdtemp(tmpl) == NULL) {
        set_err(errbuf, errlen, "promserver: mkdtemp %s: %s", tmpl, strerror(errno));
        return NULL;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/owner", tmpl);
    FILE *f = fopen(path, "w");
    if (f != NULL) {
        fprintf(f, "%ld\n", (long)getpid());
        fclose(f);
    }
    return strdup(tmpl);
}

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) return -1;
    int ok = fputs(text, f) >= 0;
    if (fclose(f) != 0) ok = 0;
    return ok ? 0 : -1;
}

/* The last non-empty line of a file (at most the last 64 KiB are read),
 * or "" when there is none. Preferably the last one containing `want`. */
/* strstr ignoring ASCII case: 2.x logs level=error, 3.x level=ERROR. */
static bool contains_nocase(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay; hay++)
        if (strncasecmp(hay, needle, n) == 0) return true;
    return false;
}

static void last_line(const char *path, const char *want, char *out, size_t outlen)
{
    out[0] = '\0';
    FILE *f = fopen(path, "r");
    if (f == NULL) return;
    static const long tail = 65536;
    if (fseek(f, 0, SEEK_END) == 0) {
        long size = ftell(f);
        if (size > tail)
            fseek(f, size - tail, SEEK_SET);
        else
            fseek(f, 0, SEEK_SET);
    }
    char line[2048];
    char any[2048] = "";
    char wanted[2048] = "";
    while (fgets(line, sizeof line, f) != NULL) {
        size_t n = strlen(line);
        while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
            line[--n] = '\0';
        if (n == 0) continue;
        memcpy(any, line, n + 1);
        if (want != NULL && contains_nocase(line, want)) memcpy(wanted, line, n + 1);
    }
    fclose(f);
    snprintf(out, outlen, "%s", wanted[0] ? wanted : any);
}

/* Prometheus logs in logfmt; keep what follows msg= (message and error). */
static const char *logfmt_message(const char *line)
{
    const char *m = strstr(line, "msg=");
    return m != NULL ? m : line;
}

/* ---- child processes ---- */

/* fork + exec argv[0] with stdout and stderr to `log_path` (stdout to
 * /dev/null when discard_stdout). The child gets SIGKILL when this thread
 * dies. Only async-signal-safe calls between fork and exec. */
static pid_t spawn(char *const argv[], const char *cwd, const char *log_path, bool discard_stdout)
{
    pid_t parent = getpid();
    int logfd = open(log_path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (logfd < 0) return -1;
    int nullfd = open("/dev/null", O_RDWR | O_CLOEXEC);
    if (nullfd < 0) {
        close(logfd);
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0) _exit(126);
        if (getppid() != parent) _exit(126); /* the parent died before prctl */
        if (dup2(nullfd, STDIN_FILENO) < 0) _exit(126);
        if (dup2(discard_stdout ? nullfd : logfd, STDOUT_FILENO) < 0) _exit(126);
        if (dup2(logfd, STDERR_FILENO) < 0) _exit(126);
        if (cwd != NULL && chdir(cwd) != 0) _exit(126);
        /* The test process may block signals in this thread; the child must not. */
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        execv(argv[0], argv);
        _exit(127);
    }
    close(logfd);
    close(nullfd);
    return pid;
}

/* Wait up to limit_ms for pid; returns its wait status, or -1 on timeout
 * (the child is then killed and reaped). */
static int wait_bounded(pid_t pid, long limit_ms)
{
    double deadline = timing_now_ms() + (double)limit_ms;
    long nap = 2;
    for (;;) {
        int st;
        pid_t r = waitpid(pid, &st, WNOHANG);
        if (r == pid) return st;
        if (r < 0 && errno != EINTR) return -1;
        if (timing_now_ms() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        timing_sleep_ms(nap);
        if (nap < 50) nap *= 2;
    }
}

int promserver_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) return -1;
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = 0;
    socklen_t len = sizeof a;
    int port = -1;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    close(fd);
    return port;
}

/* ---- HTTP ---- */

static size_t collect(char *data, size_t size, size_t n, void *userdata)
{
    strbuf *sb = userdata;
    strbuf_append(sb, data, size * n);
    return sb->failed ? 0 : size * n;
}

/* One request; form == NULL makes it a GET. */
static int request(promserver *s, const char *path, const char *form, long timeout_ms, char **body,
                   long *status)
{
    *body = NULL;
    *status = 0;
    strbuf url = STRBUF_INIT, out = STRBUF_INIT;
    strbuf_printf(&url, "%s%s", s->url, path);
    if (url.failed) return -1;
    if (s->curl_pid != getpid()) {
        /* A forked child (a Check test using a server its fixture started):
         * don't share the parent's kept-alive connections. Cleaning up our
         * copy only closes our copies of the sockets. */
        curl_easy_cleanup(s->curl);
        s->curl = curl_easy_init();
        s->curl_pid = getpid();
        if (s->curl == NULL) {
            strbuf_free(&url);
            return -1;
        }
    }
    CURL *c = s->curl;
    curl_easy_reset(c);
    curl_easy_setopt(c, CURLOPT_URL, strbuf_cstr(&url));
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_PROXY, "");
    curl_easy_setopt(c, CURLOPT_NOPROXY, "*");
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &out);
    if (form != NULL) {
        curl_easy_setopt(c, CURLOPT_POST, 1L);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
    CURLcode rc = curl_easy_perform(c);
    strbuf_free(&url);
    if (rc != CURLE_OK || out.failed) {
        strbuf_free(&out);
        return -1;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, status);
    strbuf_putc(&out, '\0'); /* make sure data is allocated even for an empty body */
    out.len--;
    *body = strbuf_detach(&out);
    return *body != NULL ? 0 : -1;
}

int promserver_post(promserver *s, const char *path, const char *form, char **body, long *status)
{
    return request(s, path, form != NULL ? form : "", s->request_timeout_ms, body, status);
}

int promserver_get(promserver *s, const char *path_and_query, char **body, long *status)
{
    return request(s, path_and_query, NULL, s->request_timeout_ms, body, status);
}

/* Does the server on our port run on our TSDB? Guards against a port that
 * another server took between our probe and our child's bind. */
static int is_ours(promserver *s)
{
    char *body = NULL;
    long status = 0;
    if (request(s, "/api/v1/status/flags", NULL, 5000, &body, &status) != 0) return 0;
    int ours = 0;
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    if (j != NULL) {
        const char *p =
            json_string_value(json_object_get(json_object_get(j, "data"), "storage.tsdb.path"));
        char want[4200];
        snprintf(want, sizeof want, "%s/data", s->dir);
        ours = p != NULL && strcmp(p, want) == 0;
        json_decref(j);
    }
    return ours;
}

/* ---- start / stop ---- */

static int backfill(promserver *s, const char *om_path, char *errbuf, size_t errlen)
{
    char data[4200], log[4200];
    snprintf(data, sizeof data, "%s/data", s->dir);
    snprintf(log, sizeof log, "%s/promtool.log", s->dir);
    if (om_path == NULL) return mkdir(data, 0755) == 0 ? 0 : -1;
    if (access(om_path, R_OK) != 0) {
        set_err(errbuf, errlen, "promserver: cannot read %s: %s", om_path, strerror(errno));
        return -1;
    }
    char *argv[] = {s->promtool, "tsdb", "create-blocks-from", "openmetrics", (char *)om_path,
                    data,        NULL};
    double t0 = timing_now_ms();
    pid_t pid = spawn(argv, s->dir, log, true);
    if (pid < 0) {
        set_err(errbuf, errlen, "promserver: cannot run promtool: %s", strerror(errno));
        return -1;
    }
    int st = wait_bounded(pid, PROMTOOL_LIMIT_MS);
    s->backfill_ms = timing_now_ms() - t0;
    if (st != -1 && WIFEXITED(st) && WEXITSTATUS(st) == 0) return 0;
    char line[1024];
    last_line(log, NULL, line, sizeof line);
    if (st == -1)
        set_err(errbuf, errlen, "promserver: promtool backfill of %s timed out", om_path);
    else if (WIFEXITED(st))
        set_err(errbuf, errlen, "promserver: promtool backfill of %s failed (exit %d): %s", om_path,
                WEXITSTATUS(st), line[0] ? line : "(no message)");
    else
        set_err(errbuf, errlen, "promserver: promtool backfill of %s died (signal %d)", om_path,
                WTERMSIG(st));
    return -1;
}

enum { LAUNCH_OK = 0, LAUNCH_FAILED = -1, LAUNCH_PORT_CLASH = -2 };

/* One start attempt on a fresh port. */
static int launch(promserver *s, const promserver_options *o, char *errbuf, size_t errlen)
{
    s->port = promserver_free_port();
    if (s->port < 0) {
        set_err(errbuf, errlen, "promserver: no free loopback port: %s", strerror(errno));
        return LAUNCH_FAILED;
    }
    snprintf(s->url, sizeof s->url, "http://127.0.0.1:%d", s->port);

    char config[4200], data[4200], listen[64], log[4200];
    snprintf(config, sizeof config, "--config.file=%s/prometheus.yml", s->dir);
    snprintf(data, sizeof data, "--storage.tsdb.path=%s/data", s->dir);
    snprintf(listen, sizeof listen, "--web.listen-address=127.0.0.1:%d", s->port);
    snprintf(log, sizeof log, "%s/prometheus.log", s->dir);

    size_t nextra = 0;
    while (o->extra_args != NULL && o->extra_args[nextra] != NULL)
        nextra++;
    char **argv = calloc(nextra + 8, sizeof *argv);
    if (argv == NULL) {
        set_err(errbuf, errlen, "promserver: out of memory");
        return LAUNCH_FAILED;
    }
    size_t i = 0;
    argv[i++] = s->prometheus;
    argv[i++] = config;
    argv[i++] = data;
    argv[i++] = "--storage.tsdb.retention.time=100y";
    argv[i++] = listen;
    for (size_t k = 0; k < nextra; k++)
        argv[i++] = (char *)o->extra_args[k];
    argv[i] = NULL;
    double t0 = timing_now_ms();
    s->pid = spawn(argv, s->dir, log, false);
    free(argv);
    if (s->pid < 0) {
        set_err(errbuf, errlen, "promserver: cannot run prometheus: %s", strerror(errno));
        return LAUNCH_FAILED;
    }

    double deadline = t0 + (o->ready_timeout_ms > 0 ? o->ready_timeout_ms : 60000);
    for (;;) {
        int st;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            s->pid = -1;
            char line[1024];
            last_line(log, "level=error", line, sizeof line);
            if (strstr(line, "address already in use") != NULL) return LAUNCH_PORT_CLASH;
            set_err(errbuf, errlen, "promserver: prometheus exited (status %d): %s",
                    WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st),
                    line[0] ? logfmt_message(line) : "(no message)");
            return LAUNCH_FAILED;
        }
        char *body = NULL;
        long status = 0;
        if (request(s, "/-/ready", NULL, 2000, &body, &status) == 0) {
            free(body);
            if (status == 200) {
                if (is_ours(s)) break;
                /* Someone else answers on "our" port: ours will fail to bind. */
            }
        }
        if (timing_now_ms() > deadline) {
            char line[1024];
            last_line(log, NULL, line, sizeof line);
            set_err(errbuf, errlen, "promserver: prometheus not ready after %d ms; last log: %s",
                    o->ready_timeout_ms > 0 ? o->ready_timeout_ms : 60000,
                    line[0] ? logfmt_message(line) : "(none)");
            kill(s->pid, SIGKILL);
            waitpid(s->pid, &st, 0);
            s->pid = -1;
            return LAUNCH_FAILED;
        }
        timing_sleep_ms(50);
    }
    s->startup_ms = timing_now_ms() - t0;
    return LAUNCH_OK;
}

static void destroy(promserver *s)
{
    if (s->pid > 0 && s->owner == getpid()) {
        kill(s->pid, SIGTERM);
        wait_bounded(s->pid, STOP_GRACE_MS); /* kills and reaps it when the grace runs out */
        s->pid = -1;
    }
    if (s->dir != NULL) {
        if (s->owner == getpid()) remove_tree_at(AT_FDCWD, s->dir);
        free(s->dir);
    }
    if (s->curl != NULL) curl_easy_cleanup(s->curl);
    free(s->prometheus);
    free(s->promtool);
    free(s);
}

promserver *promserver_start(const char *openmetrics_path, char *errbuf, size_t errlen)
{
    promserver_options o = {0};
    o.openmetrics_path = openmetrics_path;
    return promserver_start_opts(&o, errbuf, errlen);
}

promserver *promserver_start_opts(const promserver_options *opts, char *errbuf, size_t errlen)
{
    promserver_options o = {0};
    if (opts != NULL) o = *opts;
    if (errbuf != NULL && errlen > 0) errbuf[0] = '\0';
    const char *prometheus = o.prometheus_path ? o.prometheus_path : PROMSERVER_PROMETHEUS;
    const char *promtool = o.promtool_path ? o.promtool_path : PROMSERVER_PROMTOOL;
    if (!promserver_available_at(prometheus, promtool)) {
        if (o.prometheus_path || o.promtool_path)
            set_err(errbuf, errlen,
                    "promserver: %s or %s missing (scripts/build-backends.sh builds them)",
                    prometheus, promtool);
        else
            set_err(errbuf, errlen,
                    "promserver: %s or %s missing (install the prometheus package: "
                    "scripts/install-deps.sh --dev)",
                    prometheus, promtool);
        return NULL;
    }
    pthread_once(&curl_once, curl_init_once);
    sweep_stale_dirs();

    promserver *s = calloc(1, sizeof *s);
    if (s == NULL) {
        set_err(errbuf, errlen, "promserver: out of memory");
        return NULL;
    }
    s->pid = -1;
    s->owner = getpid();
    s->prometheus = strdup(prometheus);
    s->promtool = strdup(promtool);
    s->request_timeout_ms = o.request_timeout_ms > 0 ? o.request_timeout_ms : 60000;
    s->curl = curl_easy_init();
    s->curl_pid = getpid();
    s->dir = make_dir(errbuf, errlen);
    if (s->curl == NULL || s->dir == NULL || s->prometheus == NULL || s->promtool == NULL) {
        if (s->curl == NULL) set_err(errbuf, errlen, "promserver: curl_easy_init failed");
        destroy(s);
        return NULL;
    }
    char path[4200];
    snprintf(path, sizeof path, "%s/prometheus.yml", s->dir);
    if (write_file(path, o.config_yaml
                             ? o.config_yaml
                             : "global:\n  scrape_interval: 15s\nscrape_configs: []\n") != 0) {
        set_err(errbuf, errlen, "promserver: cannot write %s: %s", path, strerror(errno));
        destroy(s);
        return NULL;
    }
    if (backfill(s, o.openmetrics_path, errbuf, errlen) != 0) {
        if (errbuf != NULL && errlen > 0 && errbuf[0] == '\0')
            set_err(errbuf, errlen, "promserver: cannot create %s/data: %s", s->dir,
                    strerror(errno));
        destroy(s);
        return NULL;
    }
    for (int attempt = 1;; attempt++) {
        int r = launch(s, &o, errbuf, errlen);
        if (r == LAUNCH_OK) return s;
        if (r == LAUNCH_PORT_CLASH && attempt < START_ATTEMPTS) continue;
        if (r == LAUNCH_PORT_CLASH)
            set_err(errbuf, errlen, "promserver: port clash on %d attempts in a row", attempt);
        destroy(s);
        return NULL;
    }
}

void promserver_stop(promserver *s)
{
    if (s != NULL) destroy(s);
}

const char *promserver_url(const promserver *s)
{
    return s->url;
}

int promserver_port(const promserver *s)
{
    return s->port;
}

pid_t promserver_pid(const promserver *s)
{
    return s->pid;
}

const char *promserver_dir(const promserver *s)
{
    return s->dir;
}

double promserver_backfill_ms(const promserver *s)
{
    return s->backfill_ms;
}

double promserver_startup_ms(const promserver *s)
{
    return s->startup_ms;
}

/* ---- queries ---- */

static void put_param(strbuf *sb, CURL *c, const char *name, const char *value)
{
    if (value == NULL) return;
    char *esc = curl_easy_escape(c, value, 0);
    if (esc == NULL) {
        sb->failed = 1;
        return;
    }
    strbuf_printf(sb, "%s%s=%s", sb->len > 0 ? "&" : "", name, esc);
    curl_free(esc);
}

static json_t *post_json(promserver *s, const char *path, strbuf *form, long *status)
{
    long st = 0;
    json_t *j = NULL;
    char *body = NULL;
    if (!form->failed && promserver_post(s, path, strbuf_cstr(form), &body, &st) == 0)
        j = json_loads(body, 0, NULL);
    free(body);
    strbuf_free(form);
    if (status != NULL) *status = st;
    return j;
}

json_t *promserver_query(promserver *s, const char *expr, const char *time_param, long *status)
{
    strbuf form = STRBUF_INIT;
    put_param(&form, s->curl, "query", expr);
    put_param(&form, s->curl, "time", time_param);
    return post_json(s, "/api/v1/query", &form, status);
}

json_t *promserver_query_range(promserver *s, const char *expr, const char *start, const char *end,
                               const char *step, long *status)
{
    strbuf form = STRBUF_INIT;
    put_param(&form, s->curl, "query", expr);
    put_param(&form, s->curl, "start", start);
    put_param(&form, s->curl, "end", end);
    put_param(&form, s->curl, "step", step);
    return post_json(s, "/api/v1/query_range", &form, status);
}

/* A sample's value as the API writes it: a JSON string ("1.5", "NaN", "+Inf"). */
static int sample_value(json_t *pair, double *out)
{
    const char *v = json_string_value(json_array_get(pair, 1));
    if (v == NULL) return -1;
    char *end;
    errno = 0;
    *out = strtod(v, &end);
    return (end != v && *end == '\0') ? 0 : -1;
}

int promserver_query_value(promserver *s, const char *expr, const char *time_param, double *out)
{
    long status = 0;
    json_t *j = promserver_query(s, expr, time_param, &status);
    int rc = -1;
    if (j != NULL && status == 200) {
        json_t *data = json_object_get(j, "data");
        const char *type = json_string_value(json_object_get(data, "resultType"));
        json_t *result = json_object_get(data, "result");
        if (type != NULL && strcmp(type, "scalar") == 0) {
            rc = sample_value(result, out);
        } else if (type != NULL && strcmp(type, "vector") == 0 && json_array_size(result) == 1) {
            rc = sample_value(json_object_get(json_array_get(result, 0), "value"), out);
        }
    }
    json_decref(j);
    return rc;
}
