/* The sloeval command: shared declarations of the subcommands. */
#ifndef SLOEVAL_CLI_H
#define SLOEVAL_CLI_H

/* Exit codes (README, man page). */
enum {
    CLI_EXIT_OK = 0,           /* nothing fires */
    CLI_EXIT_FIRING = 1,       /* an alert fires (check), a test failed (test) */
    CLI_EXIT_USAGE = 2,        /* usage, config or expression error */
    CLI_EXIT_INCONCLUSIVE = 3, /* a backend failed or data was missing */
};

/* Each subcommand gets argv with argv[0] the subcommand's name. */
typedef struct cli_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} cli_command;

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "sloeval/common.h"

/* Subcommands (cli/cmd_<name>.c). */
int cmd_parse(int argc, char **argv);
int cmd_test(int argc, char **argv);
int cmd_query(int argc, char **argv);
int cmd_check(int argc, char **argv);

/* Print a parse error as "<line>:<col>: parse error: <message>", then the
 * offending line of `text` and a caret under the position (cmd_parse.c). */
void cli_print_parse_error(FILE *out, const char *text, size_t len, const sloeval_error *err);

/* The error of parsing or running the expression `text` on stderr: a parse
 * error as cli_print_parse_error does, any other as one line
 * "sloeval <cmd>: <message>" (control characters as spaces). */
void cli_print_expr_error(const char *cmd, const char *text, size_t len, const sloeval_error *err);

#endif
