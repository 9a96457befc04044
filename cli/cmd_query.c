/*
 * sloeval query: evaluate one PromQL expression at an instant, over
 * --data FILE (OpenMetrics text with timestamps, evaluated in memory by the
 * local engine) or --url URL... (Prometheus-compatible servers, shards of
 * one data set, through the planner).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "query_url.h"
#include "sloeval.h"

static const char *const output_choices[] = {"text", "json", NULL};
static const char *const compat_choices[] = {"auto", "v2", "v3", NULL};
static const char *const mode_choices[] = {"auto", "pushdown", "local", NULL};

static void print_labels(FILE *out, const sloeval_result *r, size_t i)
{
    size_t n;
    const sloeval_label *ls = sloeval_result_labels(r, i, &n);
    const char *name = sloeval_result_label_value(r, i, "__name__");
    if (name) fputs(name, out);
    fputc('{', out);
    bool first = true;
    for (size_t k = 0; k < n; k++) {
        if (!strcmp(ls[k].name, "__name__")) continue;
        fprintf(out, "%s%s=\"", first ? "" : ", ", ls[k].name);
        for (const char *p = ls[k].value; *p; p++) {
            if (*p == '"' || *p == '\\') fputc('\\', out);
            if (*p == '\n') {
                fputs("\\n", out);
                continue;
            }
            fputc(*p, out);
        }
        fputc('"', out);
        first = false;
    }
    fputc('}', out);
}

/* A readable table: one line per series (vector), per point (matrix). */
static void print_text(FILE *out, sloeval_result *r)
{
    char v[64], t[32];
    switch (sloeval_result_type(r)) {
    case SLOEVAL_TYPE_SCALAR:
        sloeval_float_format(v, sizeof v, sloeval_result_scalar(r));
        fprintf(out, "scalar\t%s\n", v);
        break;
    case SLOEVAL_TYPE_STRING: fprintf(out, "string\t%s\n", sloeval_result_string(r, NULL)); break;
    case SLOEVAL_TYPE_VECTOR: {
        size_t n = sloeval_result_series_count(r);
        if (n == 0) fprintf(out, "(empty vector)\n");
        for (size_t i = 0; i < n; i++) {
            size_t c;
            const sloeval_sample *s = sloeval_result_samples(r, i, &c);
            sloeval_float_format(v, sizeof v, c ? s[0].value : 0);
            print_labels(out, r, i);
            fprintf(out, "\t%s\n", v);
        }
        break;
    }
    case SLOEVAL_TYPE_MATRIX: {
        size_t n = sloeval_result_series_count(r);
        if (n == 0) fprintf(out, "(empty matrix)\n");
        for (size_t i = 0; i < n; i++) {
            size_t c;
            const sloeval_sample *s = sloeval_result_samples(r, i, &c);
            print_labels(out, r, i);
            fputc('\n', out);
            for (size_t k = 0; k < c; k++) {
                sloeval_float_format(v, sizeof v, s[k].value);
                sloeval_timestamp_format(t, sizeof t, s[k].t_ms);
                fprintf(out, "\t%s\t%s\n", t, v);
            }
        }
        break;
    }
    default: break;
    }
}

/* Warnings and infos on stderr, the result on stdout. */
static int print_result(sloeval_result *res, bool json)
{
    for (size_t i = 0; i < sloeval_result_warning_count(res); i++)
        fprintf(stderr, "warning: %s\n", sloeval_result_warning(res, i));
    for (size_t i = 0; i < sloeval_result_info_count(res); i++)
        fprintf(stderr, "info: %s\n", sloeval_result_info(res, i));
    if (!json) {
        print_text(stdout, res);
        return CLI_EXIT_OK;
    }
    const char *j = sloeval_result_json(res, NULL);
    if (!j) {
        fprintf(stderr, "sloeval query: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    printf("%s\n", j);
    return CLI_EXIT_OK;
}

int cmd_query(int argc, char **argv)
{
    cli_opt opts[] = {
        {"data", CLI_OPT_VALUE, "FILE",
         "OpenMetrics text with timestamps, loaded and evaluated in memory", NULL, 0, NULL, NULL,
         0},
        {"time", CLI_OPT_VALUE, "T",
         "evaluation time: unix seconds (fractions allowed) or RFC 3339; default now", NULL, 0,
         NULL, NULL, 0},
        {"url", CLI_OPT_LIST, "URL",
         "a Prometheus-compatible API; repeat for shards of one data set", NULL, 0, NULL, NULL, 0},
        {"mode", CLI_OPT_VALUE, "auto|pushdown|local",
         "with --url: where to evaluate (auto: servers compute what merges exactly, the rest here)",
         mode_choices, 0, NULL, NULL, 0},
        {"compat", CLI_OPT_VALUE, "auto|v2|v3",
         "semantics: Prometheus 3.x, 2.x, or auto (ask the servers; the default with --url; "
         "--data defaults to v3)",
         compat_choices, 0, NULL, NULL, 0},
        {"output", CLI_OPT_VALUE, "text|json",
         "text: a table (default); json: the data object of /api/v1/query", output_choices, 0, NULL,
         NULL, 0},
        {"experimental-functions", CLI_OPT_FLAG, NULL,
         "v3: accept experimental functions, limitk and limit_ratio", NULL, 0, NULL, NULL, 0},
        /* --url only (cmd_query_url.c) */
        {"explain", CLI_OPT_FLAG, NULL,
         "print the plan on stderr: what each server computes, the exact requests, what is "
         "computed here",
         NULL, 0, NULL, NULL, 0},
        {"timeout", CLI_OPT_VALUE, "D",
         "time bound of each request, retries included (e.g. 30s; default 2m)", NULL, 0, NULL, NULL,
         0},
        {"max-response-bytes", CLI_OPT_VALUE, "N",
         "refuse answers larger than N bytes, decompressed (default 256 MiB)", NULL, 0, NULL, NULL,
         0},
        {"retries", CLI_OPT_VALUE, "N", "retries of a failed request (0-10; default 3)", NULL, 0,
         NULL, NULL, 0},
        {"header", CLI_OPT_LIST, "HEADER", "an extra request header, NAME:VALUE", NULL, 0, NULL,
         NULL, 0},
        {"tenant", CLI_OPT_VALUE, "ID", "Mimir/Cortex tenant (X-Scope-OrgID)", NULL, 0, NULL, NULL,
         0},
        {"bearer-token-file", CLI_OPT_VALUE, "FILE",
         "a file holding the bearer token (or $SLOEVAL_BEARER_TOKEN_FILE, $SLOEVAL_BEARER_TOKEN)",
         NULL, 0, NULL, NULL, 0},
        {"basic-auth-user", CLI_OPT_VALUE, "USER", "basic auth user (or $SLOEVAL_BASIC_AUTH_USER)",
         NULL, 0, NULL, NULL, 0},
        {"basic-auth-password-file", CLI_OPT_VALUE, "FILE",
         "a file holding the basic-auth password (or $SLOEVAL_BASIC_AUTH_PASSWORD_FILE, "
         "$SLOEVAL_BASIC_AUTH_PASSWORD)",
         NULL, 0, NULL, NULL, 0},
        {"ca-file", CLI_OPT_VALUE, "FILE", "CA certificates (PEM) to verify the servers", NULL, 0,
         NULL, NULL, 0},
        {"cert-file", CLI_OPT_VALUE, "FILE", "client certificate (PEM)", NULL, 0, NULL, NULL, 0},
        {"key-file", CLI_OPT_VALUE, "FILE", "client key (PEM)", NULL, 0, NULL, NULL, 0},
        {"insecure-skip-verify", CLI_OPT_FLAG, NULL, "do not verify the servers' certificates",
         NULL, 0, NULL, NULL, 0},
        {"no-compression", CLI_OPT_FLAG, NULL,
         "do not ask for compressed answers (faster on fast links)", NULL, 0, NULL, NULL, 0},
        {NULL, CLI_OPT_FLAG, NULL, NULL, NULL, 0, NULL, NULL, 0},
    };
    cli_cmd_spec spec = {
        "query",
        "EXPR",
        "Evaluate a PromQL expression at an instant. With --url the data is on\n"
        "Prometheus-compatible servers (several URLs: shards of one data set, merged);\n"
        "with --data FILE it is OpenMetrics text with timestamps (what promtool\n"
        "backfills) and sloeval evaluates it itself with Prometheus 2.x or 3.x\n"
        "semantics, refusing what it cannot evaluate locally with the function or\n"
        "operator and its position. --url defaults to $SLOEVAL_URL (commas or spaces\n"
        "between shards); the token to $SLOEVAL_BEARER_TOKEN_FILE or $SLOEVAL_BEARER_TOKEN.\n"
        "Exit status 0; 2 when the expression is at fault (parse error, the server's\n"
        "bad_data or execution error, or what can be neither merged nor evaluated\n"
        "here); 3 when a server failed, timed out or answered badly, or two shards\n"
        "hold the same series. Errors are one line on stderr.",
        opts,
        1,
        1};
    char **pos;
    int npos;
    int rc = cli_args_parse(&spec, argc, argv, &pos, &npos);
    if (rc == CLI_ARGS_HELP) return CLI_EXIT_OK;
    if (rc != CLI_ARGS_OK) return CLI_EXIT_USAGE;
    bool url = query_has_url(&spec);
    if (!opts[0].value == !url) {
        cli_usage_error(&spec, opts[0].value ? "--data and --url do not go together"
                                             : "a source is needed: --url URL or --data FILE");
        cli_args_free(&spec, pos);
        return CLI_EXIT_USAGE;
    }
    const char *text = pos[0];
    size_t len = strlen(text);
    int compat_choice = cli_opt_choice(&opts[4], 0);
    bool json = cli_opt_choice(&opts[5], 0) == 1;
    if (url) {
        sloeval_compat c = compat_choice == 1   ? SLOEVAL_COMPAT_V2
                           : compat_choice == 2 ? SLOEVAL_COMPAT_V3
                                                : SLOEVAL_COMPAT_AUTO;
        rc = query_servers(&spec, text, len, c, json, print_result);
        cli_args_free(&spec, pos);
        return cli_finish_output(&spec, rc);
    }
    if (opts[3].value) {
        cli_usage_error(&spec, "--mode goes with --url");
        cli_args_free(&spec, pos);
        return CLI_EXIT_USAGE;
    }
    for (cli_opt *o = &opts[7]; o->name; o++) {
        if (!o->count) continue;
        cli_usage_error(&spec, "--%s goes with --url", o->name);
        cli_args_free(&spec, pos);
        return CLI_EXIT_USAGE;
    }
    sloeval_compat compat = compat_choice == 1 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;

    sloeval_error err = SLOEVAL_ERROR_INIT;
    int status = CLI_EXIT_USAGE;
    sloeval_expr *expr = NULL;
    sloeval_source *src = NULL;
    sloeval_engine *eng = NULL;
    sloeval_result *res = NULL;
    int64_t t;
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.compat = compat;
    po.experimental_functions = opts[6].count > 0;
    if (cli_time_arg(&t, opts[1].value, &err) != 0) {
        fprintf(stderr, "sloeval query: --time: %s\n", err.message);
    } else if (sloeval_expr_parse(&expr, text, len, &po, &err) != 0) {
        cli_print_expr_error("query", text, len, &err);
    } else if (sloeval_engine_check(expr, compat, &err) != 0) {
        /* Refuse before loading anything. */
        fprintf(stderr, "sloeval query: %s\n", err.message);
    } else if (sloeval_source_new_memory(&src, compat) != 0 ||
               sloeval_memory_load_openmetrics_file(src, opts[0].value, &err) != 0) {
        fprintf(stderr, "sloeval query: %s\n", err.code ? err.message : "out of memory");
    } else {
        sloeval_engine_options eo = SLOEVAL_ENGINE_OPTIONS_INIT;
        eo.compat = compat;
        if (sloeval_engine_new(&eng, &eo, &err) != 0 ||
            sloeval_engine_query_instant(&res, eng, src, expr, t, &err) != 0) {
            fprintf(stderr, "sloeval query: %s\n", err.message);
        } else {
            status = print_result(res, json);
        }
    }
    sloeval_result_free(res);
    sloeval_engine_free(eng);
    sloeval_source_free(src);
    sloeval_expr_free(expr);
    cli_args_free(&spec, pos);
    return cli_finish_output(&spec, status);
}
