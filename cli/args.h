/*
 * Argument parsing shared by the sloeval subcommands. Each command
 * describes its options in a cli_cmd_spec; cli_args_parse() then reads
 * argv the usual way:
 *   --name value and --name=value  (options with a value)
 *   --name                         (flags)
 *   repeatable options collect every value in order
 *   --                             ends the options (an expression may
 *                                  start with '-': sloeval parse -- -1)
 *   -h, --help                     prints the command's help on stdout
 * Any mistake is ONE line on stderr ("sloeval parse: unknown option
 * '--foo' (see sloeval parse --help)") and exit status 2.
 */
#ifndef SLOEVAL_CLI_ARGS_H
#define SLOEVAL_CLI_ARGS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum cli_opt_kind {
    CLI_OPT_FLAG,  /* no value; count says how often it was given */
    CLI_OPT_VALUE, /* one value; given twice is an error */
    CLI_OPT_LIST,  /* repeatable; every value is kept */
} cli_opt_kind;

typedef struct cli_opt {
    const char *name; /* long name without the dashes, "output" */
    cli_opt_kind kind;
    const char *metavar;        /* what the value looks like, "text|json" */
    const char *help;           /* one line for --help */
    const char *const *choices; /* NULL-terminated allowed values, or NULL */
    /* Filled by cli_args_parse: */
    int count;           /* how often the option was given */
    const char *value;   /* VALUE: the value; LIST: the last one */
    const char **values; /* LIST: all values (freed by cli_args_free) */
    size_t nvalues;
} cli_opt;

typedef struct cli_cmd_spec {
    const char *name;        /* "parse" */
    const char *args_usage;  /* positional arguments for the usage line, "EXPR" */
    const char *description; /* a few lines for --help */
    cli_opt *opts;           /* terminated by an entry whose name is NULL */
    int min_args;            /* positional arguments required */
    int max_args;            /* at most; -1 for no limit */
} cli_cmd_spec;

enum {
    CLI_ARGS_OK = 0,
    CLI_ARGS_HELP = 1,  /* help was printed: exit 0 */
    CLI_ARGS_USAGE = 2, /* a usage error was printed: exit 2 */
};

/*
 * Parse argv[1..argc-1] (argv[0] is the command's name). On CLI_ARGS_OK the
 * positional arguments are in *pos (a malloc'd array of pointers into argv,
 * *npos of them) and the options' fields are filled.
 */
int cli_args_parse(cli_cmd_spec *spec, int argc, char **argv, char ***pos, int *npos);

/* Release what cli_args_parse allocated (pos may be NULL). */
void cli_args_free(cli_cmd_spec *spec, char **pos);

/* The option named `name` of spec (NULL when there is none). */
cli_opt *cli_opt_find(cli_cmd_spec *spec, const char *name);

/* Index of the option's value in its choices, or `dflt` when not given. */
int cli_opt_choice(const cli_opt *opt, int dflt);

/* "usage: sloeval parse [--output text|json] ... EXPR" */
void cli_print_usage(FILE *out, const cli_cmd_spec *spec);

/* A one-line usage error for the command: "sloeval <cmd>: <message>". */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
/* The evaluation time of --time's argument (NULL: now), read by
 * sloeval_time_parse relative to now. */
struct sloeval_error;
int cli_time_arg(int64_t *out, const char *arg, struct sloeval_error *err);

#endif
int cli_usage_error(const cli_cmd_spec *spec, const char *fmt, ...);

/* The end of a command that printed on stdout: flushes it and returns
 * status, or CLI_EXIT_USAGE with "sloeval <cmd>: cannot write the output"
 * on stderr when stdout failed (a full disk, a closed pipe). */
int cli_finish_output(const cli_cmd_spec *spec, int status);

/* The evaluation time of --time's argument (NULL: now), read by
 * sloeval_time_parse relative to now. */
struct sloeval_error;
int cli_time_arg(int64_t *out, const char *arg, struct sloeval_error *err);

#endif
