/* sloeval parse: print the canonical form or the AST of an expression. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "sloeval.h"

static const char *const output_choices[] = {"text", "json", NULL};
static const char *const compat_choices[] = {"v3", "v2", NULL};

/* "<line>:<col>: parse error: <message>", the line and a caret under the
 * place, on stderr. */
void cli_print_parse_error(FILE *out, const char *text, size_t len, const sloeval_error *err)
{
    fprintf(out, "%d:%d: parse error: %s\n", err->line, err->column, err->message);
    if (err->line <= 0) return;
    size_t start = err->start > len ? len : err->start;
    size_t ls = start, le = start;
    while (ls > 0 && text[ls - 1] != '\n')
        ls--;
    while (le < len && text[le] != '\n')
        le++;
    fprintf(out, "%.*s\n", (int)(le - ls), text + ls);
    for (size_t i = ls; i < start; i++)
        fputc(text[i] == '\t' ? '\t' : ' ', out);
    fputs("^\n", out);
}

void cli_print_expr_error(const char *cmd, const char *text, size_t len, const sloeval_error *err)
{
    if (err->code == SLOEVAL_EPARSE) {
        cli_print_parse_error(stderr, text, len, err);
        return;
    }
    fprintf(stderr, "sloeval %s: ", cmd);
    for (const unsigned char *p = (const unsigned char *)err->message; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stderr);
    fputc('\n', stderr);
}

int cmd_parse(int argc, char **argv)
{
    cli_opt opts[] = {
        {"output", CLI_OPT_VALUE, "text|json",
         "text: the canonical expression (default); json: the AST", output_choices, 0, NULL, NULL,
         0},
        {"compat", CLI_OPT_VALUE, "v2|v3", "grammar of Prometheus 3.x (v3, default) or 2.42 (v2)",
         compat_choices, 0, NULL, NULL, 0},
        {"experimental-functions", CLI_OPT_FLAG, NULL,
         "v3: accept experimental functions, limitk and limit_ratio", NULL, 0, NULL, NULL, 0},
        {NULL, CLI_OPT_FLAG, NULL, NULL, NULL, 0, NULL, NULL, 0},
    };
    cli_cmd_spec spec = {
        "parse",
        "EXPR",
        "Parse and type-check a PromQL expression as Prometheus does and print its\n"
        "canonical form (or its syntax tree as JSON). Exit status 0, or 2 with the\n"
        "error, the offending line and a caret on stderr.",
        opts,
        1,
        1};
    char **pos;
    int npos;
    int rc = cli_args_parse(&spec, argc, argv, &pos, &npos);
    if (rc == CLI_ARGS_HELP) return CLI_EXIT_OK;
    if (rc != CLI_ARGS_OK) return CLI_EXIT_USAGE;

    const char *text = pos[0];
    size_t len = strlen(text);
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.compat = cli_opt_choice(&opts[1], 0) == 1 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    po.experimental_functions = opts[2].count > 0;
    bool json = cli_opt_choice(&opts[0], 0) == 1;

    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_expr *expr = NULL;
    int status = CLI_EXIT_OK;
    if (sloeval_expr_parse(&expr, text, len, &po, &err) != 0) {
        cli_print_expr_error("parse", text, len, &err);
        status = CLI_EXIT_USAGE;
    } else {
        char *out = NULL;
        rc = json ? sloeval_expr_to_json(&out, expr, &err) : sloeval_expr_print(&out, expr, &err);
        if (rc != 0) {
            fprintf(stderr, "sloeval parse: %s\n", err.message);
            status = CLI_EXIT_USAGE;
        } else {
            printf("%s\n", out);
            free(out);
        }
    }
    sloeval_expr_free(expr);
    cli_args_free(&spec, pos);
    return cli_finish_output(&spec, status);
}
