/* sloeval test: run PromQL test scripts in Prometheus's upstream format. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "promqltest/runner.h"
#include "sloeval.h"

static const char *const compat_choices[] = {"v3", "v2", NULL};

typedef struct test_ctx {
    int verbose;
} test_ctx;

static void on_case(void *vctx, const runner_case *c)
{
    test_ctx *t = vctx;
    switch (c->status) {
    case RUNNER_FAILED:
        printf("FAIL %s:%d %s\n    %s\n", c->file, c->line, c->expr, c->reason);
        break;
    case RUNNER_SKIPPED:
        if (t->verbose) printf("SKIP %s:%d %s\n", c->file, c->line, c->reason);
        break;
    case RUNNER_PASSED:
        if (t->verbose > 1) printf("PASS %s:%d %s\n", c->file, c->line, c->expr);
        break;
    }
}

int cmd_test(int argc, char **argv)
{
    cli_opt opts[] = {
        {"compat", CLI_OPT_VALUE, "v2|v3",
         "semantics and runner of Prometheus 3.x (v3, default) or 2.42 (v2)", compat_choices, 0,
         NULL, NULL, 0},
        {"immediate-name-removal", CLI_OPT_FLAG, NULL,
         "v3: drop __name__ at once, as a default 3.x server does (by default v3 scripts run "
         "like Prometheus's own test engine, with promql-delayed-name-removal)",
         NULL, 0, NULL, NULL, 0},
        {"verbose", CLI_OPT_FLAG, NULL,
         "also print every skipped case with its reason (twice: passed cases too)", NULL, 0, NULL,
         NULL, 0},
        {NULL, CLI_OPT_FLAG, NULL, NULL, NULL, 0, NULL, NULL, 0},
    };
    cli_cmd_spec spec = {
        "test",
        "FILE...",
        "Run PromQL test scripts (Prometheus's .test format: load, clear, eval with\n"
        "eval_fail / eval_ordered (2.42) or expect lines (3.x), eval range) against the\n"
        "local engine, comparing as Prometheus's own runner does (v3 with its test\n"
        "engine's settings: experimental functions, delayed __name__ removal). Cases using what\n"
        "sloeval does not evaluate locally are skipped with the reason. Prints each\n"
        "failure, per-file counts and a final line \"N passed, N failed, N skipped\".\n"
        "Exit status 1 when a case failed, 2 when a script could not be read.",
        opts,
        1,
        -1};
    char **pos;
    int npos;
    int rc = cli_args_parse(&spec, argc, argv, &pos, &npos);
    if (rc == CLI_ARGS_HELP) return CLI_EXIT_OK;
    if (rc != CLI_ARGS_OK) return CLI_EXIT_USAGE;

    test_ctx ctx = {opts[2].count};
    bool v2 = cli_opt_choice(&opts[0], 0) == 1;
    runner_options ro = {v2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3, !v2 && opts[1].count == 0,
                         on_case, &ctx};
    runner_counts total = {0, 0, 0};
    int status = CLI_EXIT_OK;
    for (int i = 0; i < npos; i++) {
        runner_counts c = {0, 0, 0};
        sloeval_error err = SLOEVAL_ERROR_INIT;
        if (runner_run_file(&c, pos[i], &ro, &err) != 0) {
            fprintf(stderr, "sloeval test: %s\n", err.message);
            status = CLI_EXIT_USAGE;
        }
        printf("%s: %zu passed, %zu failed, %zu skipped\n", pos[i], c.passed, c.failed, c.skipped);
        total.passed += c.passed;
        total.failed += c.failed;
        total.skipped += c.skipped;
    }
    printf("%zu passed, %zu failed, %zu skipped\n", total.passed, total.failed, total.skipped);
    if (status == CLI_EXIT_OK && total.failed) status = CLI_EXIT_FIRING;
    cli_args_free(&spec, pos);
    return cli_finish_output(&spec, status);
}
