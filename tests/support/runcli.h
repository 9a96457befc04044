/*
 * runcli: run a command (the sloeval CLI) as a child process with extra
 * environment variables, capture its stdout and stderr, its exit status
 * and how long it took; kill it after a time limit.
 */
#ifndef SLOEVAL_TEST_RUNCLI_H
#define SLOEVAL_TEST_RUNCLI_H

#include <stddef.h>

typedef struct runcli_result {
    int status;     /* exit status, or 128 + signal; -1 when it could not run */
    char *out;      /* stdout (malloc'd, NUL-terminated) */
    char *err;      /* stderr (malloc'd, NUL-terminated) */
    double seconds; /* wall time */
    int timed_out;  /* killed after the limit */
} runcli_result;

/*
 * Run argv[0] with argv (NULL-terminated); env: NULL-terminated "NAME=value"
 * entries added to (or replacing in) the environment, or NULL; unset:
 * NULL-terminated names removed from it, or NULL. With the environment
 * variable SLOEVAL_TEST_VALGRIND set, the command runs under valgrind
 * (memcheck, leaks and errors make it exit 99). Returns 0 when the child
 * ran (whatever its status).
 */
int runcli(runcli_result *out, const char *const *argv, const char *const *env,
           const char *const *unset, double limit_seconds);

void runcli_free(runcli_result *r);

/* Number of lines of s (a last line without '\n' counts). */
size_t runcli_lines(const char *s);

#endif
