/* Running a command and capturing its output: see runcli.h. */
#define _GNU_SOURCE
#include "runcli.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "timing.h"

/* Seconds on the monotonic clock. */
static double now(void)
{
    return timing_now_ms() / 1e3;
}

typedef struct buf {
    char *p;
    size_t n, cap;
} buf;

static void append(buf *b, const char *s, size_t n)
{
    if (b->n + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->n + n + 1)
            cap *= 2;
        char *p = realloc(b->p, cap);
        if (!p) return;
        b->p = p;
        b->cap = cap;
    }
    memcpy(b->p + b->n, s, n);
    b->n += n;
    b->p[b->n] = '\0';
}

int runcli(runcli_result *out, const char *const *argv, const char *const *env,
           const char *const *unset, double limit_seconds)
{
    memset(out, 0, sizeof(*out));
    out->status = -1;
    int po[2], pe[2];
    if (pipe2(po, O_CLOEXEC) || pipe2(pe, O_CLOEXEC)) return -1;
    const char *vg = getenv("SLOEVAL_TEST_VALGRIND");
    bool valgrind = vg && *vg && strcmp(vg, "0");
    if (valgrind) limit_seconds *= 20;
    double t0 = now();
    pid_t pid = fork();
    if (pid < 0) return -1;
    if (pid == 0) {
        dup2(po[1], 1);
        dup2(pe[1], 2);
        for (size_t i = 0; unset && unset[i]; i++)
            unsetenv(unset[i]);
        for (size_t i = 0; env && env[i]; i++)
            putenv((char *)env[i]);
        if (valgrind) {
            size_t n = 0;
            while (argv[n])
                n++;
            const char **av = calloc(n + 6, sizeof(*av));
            av[0] = "valgrind";
            av[1] = "-q";
            av[2] = "--error-exitcode=99";
            av[3] = "--leak-check=full";
            av[4] = "--errors-for-leak-kinds=definite,indirect";
            for (size_t i = 0; i < n; i++)
                av[5 + i] = argv[i];
            execvp("valgrind", (char *const *)av);
        } else {
            execv(argv[0], (char *const *)argv);
        }
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    buf bo = {0}, be = {0};
    append(&bo, "", 0);
    append(&be, "", 0);
    struct pollfd fds[2] = {{po[0], POLLIN, 0}, {pe[0], POLLIN, 0}};
    int open_fds = 2;
    while (open_fds > 0) {
        double left = limit_seconds - (now() - t0);
        if (left <= 0) {
            kill(pid, SIGKILL);
            out->timed_out = 1;
            break;
        }
        int rc = poll(fds, 2, (int)(left * 1000) + 1);
        if (rc < 0 && errno == EINTR) continue;
        if (rc < 0) break;
        for (int i = 0; i < 2; i++) {
            if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
            char tmp[8192];
            ssize_t n = read(fds[i].fd, tmp, sizeof tmp);
            if (n > 0) {
                append(i == 0 ? &bo : &be, tmp, (size_t)n);
            } else {
                close(fds[i].fd);
                fds[i].fd = -1;
                open_fds--;
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i].fd >= 0) close(fds[i].fd);
    int st;
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
        ;
    out->seconds = now() - t0;
    out->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    out->out = bo.p;
    out->err = be.p;
    return 0;
}

void runcli_free(runcli_result *r)
{
    free(r->out);
    free(r->err);
    r->out = r->err = NULL;
}

size_t runcli_lines(const char *s)
{
    size_t n = 0;
    for (const char *p = s; p && *p; p++)
        if (*p == '\n' || p[1] == '\0') n++;
    return n;
}
