/* sloeval: the command-line front of libsloeval. Argument parsing and
 * rendering only; every decision is made by the library. */
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "sloeval.h"

static const cli_command commands[] = {
    {"parse", "print the canonical form or the syntax tree of a PromQL expression", cmd_parse},
    {"query", "evaluate a PromQL expression at an instant, on servers or locally", cmd_query},
    {"test", "run PromQL test scripts (Prometheus's .test format) against the engine", cmd_test},
    {"check", "evaluate the SLOs and alerts of a config: burn rates, budgets, alerts", cmd_check},
    {NULL, NULL, NULL},
};

static void usage(FILE *out)
{
    fprintf(out, "usage: sloeval <command> [options] [args]\n\ncommands:\n");
    for (const cli_command *c = commands; c->name; c++)
        fprintf(out, "  %-8s %s\n", c->name, c->summary);
    fprintf(out, "\nsloeval <command> --help describes a command; sloeval --version prints "
                 "versions.\n");
}

/* "sloeval 0.1.0", then one line per library it runs with ("libcurl 7.88.1 ..."). */
static int print_version(void)
{
    printf("sloeval %s\n", sloeval_version());
    char buf[256];
    for (size_t i = 0; sloeval_dependency_name(i); i++) {
        sloeval_dependency_version(buf, sizeof(buf), i);
        printf("%s %s\n", sloeval_dependency_name(i), buf);
    }
    return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return CLI_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h") || !strcmp(argv[1], "help")) {
        usage(stdout);
        return CLI_EXIT_OK;
    }
    if (!strcmp(argv[1], "--version")) {
        return print_version();
    }
    for (const cli_command *c = commands; c->name; c++)
        if (!strcmp(argv[1], c->name)) return c->run(argc - 1, argv + 1);
    fprintf(stderr, "sloeval: unknown command '%s' (see sloeval --help)\n", argv[1]);
    return CLI_EXIT_USAGE;
}
