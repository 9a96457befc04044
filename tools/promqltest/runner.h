/*
 * The PromQL test-script runner (internal): runs scripts in Prometheus's
 * upstream format (parsed by script.h) against sloeval's engine over an
 * in-memory source, comparing results the way Prometheus's own runner does
 * (promql/test.go at v2.42 for SLOEVAL_COMPAT_V2, promql/promqltest at
 * 3.x HEAD for V3):
 *
 *   - instant evaluations are also checked with the @ modifier set to the
 *     evaluation time on every selector and evaluated at other times, and
 *     as a range query over t-1m..t+1m whose middle step must agree;
 *   - values compare with a relative tolerance of 1e-6 (NaN equals NaN);
 *   - expected failures, with a message or regex on 3.x; ordered results;
 *     warn/info annotations on 3.x;
 *   - a case that uses something sloeval does not evaluate locally (an
 *     unsupported function, native histogram data, ...) is SKIPPED with the
 *     reason, never counted as passed.
 */
#ifndef SLOEVAL_PROMQLTEST_RUNNER_H
#define SLOEVAL_PROMQLTEST_RUNNER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

typedef enum runner_status {
    RUNNER_PASSED = 0,
    RUNNER_FAILED,
    RUNNER_SKIPPED,
} runner_status;

/* The outcome of one eval command. */
typedef struct runner_case {
    const char *file;
    int line;         /* of the eval command */
    const char *expr; /* the expression as written */
    runner_status status;
    const char *reason; /* why it failed or was skipped; "" when passed */
} runner_case;

/* Called for every case (may be NULL); the strings live until it returns. */
typedef void (*runner_case_fn)(void *ctx, const runner_case *c);

typedef struct runner_options {
    sloeval_compat compat; /* V2 or V3: which runner and semantics */
    /* 3.x's promql-delayed-name-removal (Prometheus's test engine turns it
     * on; a default server does not). */
    bool delayed_name_removal;
    runner_case_fn on_case;
    void *ctx;
} runner_options;

typedef struct runner_counts {
    size_t passed, failed, skipped;
} runner_counts;

/*
 * Run the script in `text` (len bytes; `name` for messages) and add its
 * cases to *counts. Returns 0 when the script was run (whatever the cases'
 * outcomes), or an error when it could not be (a syntax error in the
 * script: SLOEVAL_EDATA with "<name>:<line>: ..."; SLOEVAL_ENOMEM).
 */
int runner_run(runner_counts *counts, const char *text, size_t len, const char *name,
               const runner_options *opts, sloeval_error *err);

/* The same for a file (SLOEVAL_EIO when it cannot be read). */
int runner_run_file(runner_counts *counts, const char *path, const runner_options *opts,
                    sloeval_error *err);

#endif
