/* Argument parsing shared by the subcommands. See args.h. */
#include "args.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sloeval.h"

cli_opt *cli_opt_find(cli_cmd_spec *spec, const char *name)
{
    for (cli_opt *o = spec->opts; o && o->name; o++)
        if (!strcmp(o->name, name)) return o;
    return NULL;
}

int cli_opt_choice(const cli_opt *opt, int dflt)
{
    if (!opt || !opt->value || !opt->choices) return dflt;
    for (int i = 0; opt->choices[i]; i++)
        if (!strcmp(opt->choices[i], opt->value)) return i;
    return dflt;
}

void cli_print_usage(FILE *out, const cli_cmd_spec *spec)
{
    fprintf(out, "usage: sloeval %s", spec->name);
    for (const cli_opt *o = spec->opts; o && o->name; o++) {
        if (o->kind == CLI_OPT_FLAG)
            fprintf(out, " [--%s]", o->name);
        else
            fprintf(out, " [--%s %s]%s", o->name, o->metavar ? o->metavar : "VALUE",
                    o->kind == CLI_OPT_LIST ? "..." : "");
    }
    if (spec->args_usage && spec->args_usage[0]) fprintf(out, " %s", spec->args_usage);
    fputc('\n', out);
}

static void print_help(const cli_cmd_spec *spec)
{
    cli_print_usage(stdout, spec);
    if (spec->description) printf("\n%s\n", spec->description);
    printf("\noptions:\n");
    for (const cli_opt *o = spec->opts; o && o->name; o++) {
        char left[64];
        if (o->kind == CLI_OPT_FLAG)
            snprintf(left, sizeof(left), "--%s", o->name);
        else
            snprintf(left, sizeof(left), "--%s %s", o->name, o->metavar ? o->metavar : "VALUE");
        printf("  %-26s %s%s\n", left, o->help ? o->help : "",
               o->kind == CLI_OPT_LIST ? " (repeatable)" : "");
    }
    printf("  %-26s %s\n", "-h, --help", "print this help");
    printf("  %-26s %s\n", "--", "end of options (an argument may then start with '-')");
}

int cli_time_arg(int64_t *out, const char *arg, sloeval_error *err)
{
    int64_t now = sloeval_time_now_ms();
    if (arg) return sloeval_time_parse(out, arg, now, err);
    *out = now;
    return 0;
}

int cli_usage_error(const cli_cmd_spec *spec, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "sloeval %s: ", spec->name);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, " (see sloeval %s --help)\n", spec->name);
    return CLI_ARGS_USAGE;
}

int cli_finish_output(const cli_cmd_spec *spec, int status)
{
    if (fflush(stdout) == 0) return status;
    fprintf(stderr, "sloeval %s: cannot write the output\n", spec->name);
    return CLI_EXIT_USAGE;
}

static int set_value(cli_cmd_spec *spec, cli_opt *o, const char *v)
{
    if (o->choices) {
        int ok = 0;
        for (int i = 0; o->choices[i]; i++)
            if (!strcmp(o->choices[i], v)) ok = 1;
        if (!ok) {
            char list[256] = "";
            for (int i = 0; o->choices[i]; i++) {
                if (i) strncat(list, ", ", sizeof(list) - strlen(list) - 1);
                strncat(list, o->choices[i], sizeof(list) - strlen(list) - 1);
            }
            return cli_usage_error(spec, "--%s must be one of %s, not '%s'", o->name, list, v);
        }
    }
    if (o->kind == CLI_OPT_VALUE && o->count > 0)
        return cli_usage_error(spec, "--%s given more than once", o->name);
    if (o->kind == CLI_OPT_LIST) {
        const char **nv = realloc(o->values, (o->nvalues + 1) * sizeof(*nv));
        if (!nv) return cli_usage_error(spec, "out of memory");
        o->values = nv;
        o->values[o->nvalues++] = v;
    }
    o->value = v;
    o->count++;
    return CLI_ARGS_OK;
}

int cli_args_parse(cli_cmd_spec *spec, int argc, char **argv, char ***pos, int *npos)
{
    char **p = calloc((size_t)(argc > 0 ? argc : 1), sizeof(char *));
    int n = 0;
    int options_done = 0;
    *pos = NULL;
    *npos = 0;
    if (!p) return cli_usage_error(spec, "out of memory");
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (options_done || a[0] != '-' || a[1] == '\0') {
            p[n++] = argv[i];
            continue;
        }
        if (!strcmp(a, "--")) {
            options_done = 1;
            continue;
        }
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            free(p);
            print_help(spec);
            return CLI_ARGS_HELP;
        }
        if (a[1] != '-') {
            free(p);
            return cli_usage_error(spec,
                                   "unknown option '%s' (put -- before an argument that "
                                   "starts with '-')",
                                   a);
        }
        const char *name = a + 2;
        const char *eq = strchr(name, '=');
        size_t nlen = eq ? (size_t)(eq - name) : strlen(name);
        cli_opt *o = NULL;
        for (cli_opt *q = spec->opts; q && q->name; q++)
            if (strlen(q->name) == nlen && !strncmp(q->name, name, nlen)) o = q;
        if (!o) {
            free(p);
            return cli_usage_error(spec, "unknown option '--%.*s'", (int)nlen, name);
        }
        int rc;
        if (o->kind == CLI_OPT_FLAG) {
            if (eq) {
                free(p);
                return cli_usage_error(spec, "--%s takes no value", o->name);
            }
            o->count++;
            continue;
        }
        if (eq) {
            rc = set_value(spec, o, eq + 1);
        } else {
            if (i + 1 >= argc) {
                free(p);
                return cli_usage_error(spec, "--%s needs a value (%s)", o->name,
                                       o->metavar ? o->metavar : "VALUE");
            }
            rc = set_value(spec, o, argv[++i]);
        }
        if (rc != CLI_ARGS_OK) {
            free(p);
            return rc;
        }
    }
    if (n < spec->min_args || (spec->max_args >= 0 && n > spec->max_args)) {
        free(p);
        if (n < spec->min_args)
            return cli_usage_error(spec, "missing %s",
                                   spec->args_usage ? spec->args_usage : "arguments");
        return cli_usage_error(spec, "too many arguments (expected %s)",
                               spec->args_usage ? spec->args_usage : "none");
    }
    *pos = p;
    *npos = n;
    return CLI_ARGS_OK;
}

void cli_args_free(cli_cmd_spec *spec, char **pos)
{
    for (cli_opt *o = spec->opts; o && o->name; o++) {
        free(o->values);
        o->values = NULL;
        o->nvalues = 0;
    }
    free(pos);
}
