/*
 * backendproc: the Thanos and Mimir processes of the backend tests, on
 * 127.0.0.1 with free ports. Each process is a child that receives SIGKILL
 * when the thread that started it dies (prctl PR_SET_PDEATHSIG), so none
 * outlives a crashed or timed-out test; backendproc_stop() ends it (SIGTERM,
 * then SIGKILL after a grace period). Its output goes to a log file, whose
 * last line is quoted when it fails to start.
 *
 * The paths of the binaries come from the environment that
 * tests/backends/tests.cmake sets (SLOEVAL_THANOS, SLOEVAL_MIMIR, and
 * SLOEVAL_PROMETHEUS3 / SLOEVAL_PROMTOOL3); backendproc_binary() returns
 * NULL when the variable is unset or the file is not executable, and the
 * test then exits 77 (skipped, with the reason printed).
 */
#ifndef SLOEVAL_TEST_BACKENDPROC_H
#define SLOEVAL_TEST_BACKENDPROC_H

#include <stddef.h>
#include <sys/types.h>

typedef struct backendproc {
    pid_t pid; /* -1 once stopped */
    char name[64];
    char log[512];
} backendproc;

/* The executable named by environment variable `env`, or NULL. */
const char *backendproc_binary(const char *env);

/* Start argv (NULL-terminated; argv[0] the binary), output to `log`.
 * Returns 0, or -1 with a one-line reason in err. */
int backendproc_start(backendproc *p, const char *name, char *const argv[], const char *log,
                      char *err, size_t errlen);

/* Wait until GET `url` answers 200 (at most timeout_ms), or the process
 * exits. Returns 0, or -1 with a one-line reason (the log's last line). */
int backendproc_wait_http(backendproc *p, const char *url, int timeout_ms, char *err,
                          size_t errlen);

/* GET (body NULL) or POST `body` with `content_type` and optional extra
 * header lines (NULL-terminated, "Name: value"); returns 0 and sets
 * *status and *out (malloc'd, NUL-terminated), or -1. */
int backendproc_http(const char *url, const char *body, size_t body_len, const char *content_type,
                     const char *const *headers, long *status, char **out);

/* SIGTERM, wait at most 15 s, then SIGKILL; reaps it. Safe to call twice. */
void backendproc_stop(backendproc *p);

/* The last non-empty line of the log (for messages). */
void backendproc_last_log_line(const backendproc *p, char *out, size_t outlen);

#endif
