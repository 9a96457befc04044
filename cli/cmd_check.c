/* sloeval check: load a config, run the check, render the report. */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "args.h"
#include "check_url.h"
#include "cli.h"
#include "sloeval.h"

static const char *const mode_choices[] = {"auto", "pushdown", "local", NULL};
static const char *const color_choices[] = {"auto", "always", "never", NULL};

typedef struct output {
    sloeval_check_format format;
    const char *path; /* NULL: stdout */
} output;

static int parse_output(const cli_cmd_spec *spec, const char *v, output *out)
{
    static const struct {
        const char *name;
        sloeval_check_format format;
    } formats[] = {{"text", SLOEVAL_CHECK_FORMAT_TEXT},
                   {"json", SLOEVAL_CHECK_FORMAT_JSON},
                   {"junit", SLOEVAL_CHECK_FORMAT_JUNIT},
                   {"prom", SLOEVAL_CHECK_FORMAT_PROM}};
    const char *eq = strchr(v, '=');
    size_t n = eq ? (size_t)(eq - v) : strlen(v);
    for (size_t i = 0; i < sizeof(formats) / sizeof(*formats); i++)
        if (strlen(formats[i].name) == n && !strncmp(formats[i].name, v, n)) {
            out->format = formats[i].format;
            out->path = eq ? eq + 1 : NULL;
            if (eq && !eq[1])
                return cli_usage_error(spec, "--output %.*s=: the file name is missing", (int)n, v);
            return 0;
        }
    return cli_usage_error(spec,
                           "--output: expected text, json, junit or prom (each with =PATH "
                           "to write a file), got '%s'",
                           v);
}

/* A percentage for --fail-on-budget-below: [-]DIGITS[.DIGITS], read without
 * the locale (m / 10^k, both exact: one rounding, as strtod). */
static int parse_percent(const char *v, double *out)
{
    const char *p = v;
    bool neg = *p == '-';
    if (neg) p++;
    double m = 0, scale = 1;
    int digits = 0, frac = -1;
    for (; *p; p++) {
        if (*p == '.' && frac < 0 && digits) {
            frac = 0;
            continue;
        }
        if (*p < '0' || *p > '9' || ++digits > 15) return -1;
        m = m * 10 + (*p - '0');
        if (frac >= 0) {
            frac++;
            scale *= 10;
        }
    }
    if (!digits || frac == 0) return -1;
    *out = (neg ? -m : m) / scale;
    return *out <= 100 ? 0 : -1;
}

static bool want_color(const char *choice)
{
    if (!strcmp(choice, "always")) return true;
    if (!strcmp(choice, "never")) return false;
    const char *term = getenv("TERM");
    return isatty(STDOUT_FILENO) && !getenv("NO_COLOR") && term && strcmp(term, "dumb") != 0;
}

int cmd_check(int argc, char **argv)
{
    cli_opt opts[] = {
        {"config", CLI_OPT_VALUE, "FILE",
         "the SLO config: a sloeval config, a Sloth spec or a Prometheus rule file", NULL, 0, NULL,
         NULL, 0},
        {"time", CLI_OPT_VALUE, "T",
         "evaluate at T: unix seconds, RFC 3339, YYYY-MM-DD (midnight UTC), now or now-DURATION "
         "(default: now)",
         NULL, 0, NULL, NULL, 0},
        {"region", CLI_OPT_LIST, "R", "only these scopes: a region of the config, or 'global'",
         NULL, 0, NULL, NULL, 0},
        {"output", CLI_OPT_LIST, "FORMAT",
         "text (default), json, junit or prom; FORMAT=PATH writes a file atomically", NULL, 0, NULL,
         NULL, 0},
        {"explain", CLI_OPT_FLAG, NULL, "print every query sent, with its backend, on stderr", NULL,
         0, NULL, NULL, 0},
        {"mode", CLI_OPT_VALUE, "auto|pushdown|local", "what the servers evaluate (default auto)",
         mode_choices, 0, NULL, NULL, 0},
        {"color", CLI_OPT_VALUE, "auto|always|never",
         "colours in the text report (default auto: on a terminal)", color_choices, 0, NULL, NULL,
         0},
        /* --url and the connection flags shared with query (check_url.c) */
        {"url", CLI_OPT_LIST, "URL",
         "the global backend of a Sloth spec or rule file (default $SLOEVAL_URL)", NULL, 0, NULL,
         NULL, 0},
        {"timeout", CLI_OPT_VALUE, "D",
         "the whole run within D (every request and retry); past it, inconclusive (exit 3)", NULL,
         0, NULL, NULL, 0},
        {"header", CLI_OPT_LIST, "HEADER", "with --url: an extra request header, NAME:VALUE", NULL,
         0, NULL, NULL, 0},
        {"tenant", CLI_OPT_VALUE, "ID", "with --url: Mimir/Cortex tenant (X-Scope-OrgID)", NULL, 0,
         NULL, NULL, 0},
        {"bearer-token-file", CLI_OPT_VALUE, "FILE",
         "with --url: a file holding the bearer token (or $SLOEVAL_BEARER_TOKEN_FILE, "
         "$SLOEVAL_BEARER_TOKEN)",
         NULL, 0, NULL, NULL, 0},
        /* the error-budget gate */
        {"fail-on-budget-below", CLI_OPT_VALUE, "PCT",
         "fail (exit 1) when an SLO's budget remaining is below PCT percent (0: overspent); an "
         "SLO's own gate.budget_below wins",
         NULL, 0, NULL, NULL, 0},
        {"fail-on", CLI_OPT_VALUE, "SEVERITIES",
         "the severities whose firing fails the check (default: the config's gate.fail_on, else "
         "all: page,ticket); 'none' for none",
         NULL, 0, NULL, NULL, 0},
        {NULL, CLI_OPT_FLAG, NULL, NULL, NULL, 0, NULL, NULL, 0},
    };
    cli_cmd_spec spec = {
        "check",
        "",
        "Evaluate every SLO (burn rate per window, error budget left, the multiwindow\n"
        "multi-burn-rate policy) and every alert of the config, per region and across\n"
        "regions, at one instant.\n"
        "Exit status: 0 nothing fires; 1 something fires (of a severity the gate\n"
        "fails on) or a budget is below the gate; 2 usage, config or expression\n"
        "error; 3 inconclusive (a backend failed or data was missing) and nothing\n"
        "fires or fails.",
        opts,
        0,
        0};
    char **pos;
    int npos;
    int rc = cli_args_parse(&spec, argc, argv, &pos, &npos);
    if (rc == CLI_ARGS_HELP) return CLI_EXIT_OK;
    if (rc != CLI_ARGS_OK) return CLI_EXIT_USAGE;

    int status = CLI_EXIT_USAGE;
    sloeval_slo_set *set = NULL;
    sloeval_check_report *report = NULL;
    output *outs = NULL;
    char *fail_on_buf = NULL; /* --fail-on's copy, cut at the commas */
    const char **fail_on = NULL;
    const cli_opt *o_config = cli_opt_find(&spec, "config");
    const cli_opt *o_time = cli_opt_find(&spec, "time");
    const cli_opt *o_region = cli_opt_find(&spec, "region");
    const cli_opt *o_output = cli_opt_find(&spec, "output");
    const cli_opt *o_mode = cli_opt_find(&spec, "mode");
    const cli_opt *o_color = cli_opt_find(&spec, "color");

    if (!o_config->value) {
        cli_usage_error(&spec, "--config FILE is required");
        goto done;
    }
    if (check_timeout_arm(&spec)) goto done;
    sloeval_check_options co = SLOEVAL_CHECK_OPTIONS_INIT;
    if (o_time->value) {
        sloeval_error terr = SLOEVAL_ERROR_INIT;
        if (sloeval_time_parse(&co.time_ms, o_time->value, sloeval_time_now_ms(), &terr)) {
            cli_usage_error(&spec, "--time: %s", terr.message);
            goto done;
        }
    }
    co.scopes = (const char *const *)o_region->values;
    co.nscopes = o_region->nvalues;
    co.mode = (sloeval_check_mode)cli_opt_choice(o_mode, SLOEVAL_CHECK_MODE_AUTO);
    co.explain = cli_opt_find(&spec, "explain")->count > 0;
    const cli_opt *o_budget = cli_opt_find(&spec, "fail-on-budget-below");
    const cli_opt *o_fail_on = cli_opt_find(&spec, "fail-on");
    if (o_budget->value) {
        co.fail_on_budget = true;
        if (parse_percent(o_budget->value, &co.fail_on_budget_below)) {
            cli_usage_error(&spec,
                            "--fail-on-budget-below: expected a percentage of the budget, at most "
                            "100 (e.g. 0 or 12.5), got '%s'",
                            o_budget->value);
            goto done;
        }
    }
    if (o_fail_on->value) {
        size_t n = 1;
        for (const char *c = o_fail_on->value; *c; c++)
            n += *c == ',';
        fail_on_buf = strdup(o_fail_on->value);
        fail_on = calloc(n, sizeof(*fail_on));
        if (!fail_on_buf || !fail_on) {
            fprintf(stderr, "sloeval check: out of memory\n");
            goto done;
        }
        size_t k = 0;
        for (char *tok = fail_on_buf, *next; tok; tok = next) {
            next = strchr(tok, ',');
            if (next) *next++ = '\0';
            if (*tok) fail_on[k++] = tok;
        }
        if (k == 1 && !strcmp(fail_on[0], "none")) k = 0;
        co.fail_on = fail_on;
        co.nfail_on = k;
    }

    size_t nouts = o_output->nvalues ? o_output->nvalues : 1;
    outs = calloc(nouts, sizeof(*outs));
    if (!outs) {
        fprintf(stderr, "sloeval check: out of memory\n");
        goto done;
    }
    size_t to_stdout = 0;
    for (size_t i = 0; i < o_output->nvalues; i++) {
        if (parse_output(&spec, o_output->values[i], &outs[i])) goto done;
        if (!outs[i].path) to_stdout++;
    }
    if (o_output->nvalues == 0) to_stdout = 1; /* text */
    if (to_stdout > 1) {
        cli_usage_error(&spec, "--output: only one report can go to standard output (give the "
                               "others =PATH)");
        goto done;
    }
    bool color = want_color(color_choices[cli_opt_choice(o_color, 0)]);

    sloeval_error err = SLOEVAL_ERROR_INIT;
    if (sloeval_global_init()) {
        fprintf(stderr, "sloeval check: cannot initialise libcurl\n");
        goto done;
    }
    if (check_load(&set, &spec, o_config->value)) goto cleanup;
    if (sloeval_check_run(&report, set, &co, &err)) {
        fprintf(stderr, "sloeval check: %s\n", err.message);
        goto cleanup;
    }
    if (co.explain) fputs(sloeval_check_report_explain(report), stderr);

    bool text_on_stdout = o_output->nvalues == 0;
    for (size_t i = 0; i < o_output->nvalues; i++)
        if (!outs[i].path && outs[i].format == SLOEVAL_CHECK_FORMAT_TEXT) text_on_stdout = true;
    if (!text_on_stdout)
        for (size_t i = 0; i < sloeval_check_report_warning_count(report); i++) {
            /* escaped as the text report does: a server chose some of it */
            char *w = NULL;
            sloeval_error werr = SLOEVAL_ERROR_INIT;
            if (sloeval_check_report_warning_escaped(&w, report, i, &werr)) {
                fprintf(stderr, "sloeval check: %s\n", werr.message);
                continue;
            }
            fprintf(stderr, "sloeval check: warning: %s\n", w);
            free(w);
        }

    status = sloeval_check_status_exit_code(sloeval_check_report_status(report));
    for (size_t i = 0; i < nouts; i++) {
        sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
        ro.format = outs[i].format;
        ro.color = !outs[i].path && color;
        sloeval_error rerr = SLOEVAL_ERROR_INIT;
        if (outs[i].path) {
            if (sloeval_check_report_write_file(outs[i].path, report, &ro, &rerr)) {
                fprintf(stderr, "sloeval check: %s\n", rerr.message);
                status = CLI_EXIT_USAGE;
            }
            continue;
        }
        char *text;
        size_t len;
        if (sloeval_check_report_render(&text, &len, report, &ro, &rerr)) {
            fprintf(stderr, "sloeval check: %s\n", rerr.message);
            status = CLI_EXIT_USAGE;
            continue;
        }
        fwrite(text, 1, len, stdout);
        free(text);
    }
    if (fflush(stdout)) {
        fprintf(stderr, "sloeval check: writing the report failed\n");
        status = CLI_EXIT_USAGE;
    }

cleanup:
    sloeval_check_report_free(report);
    sloeval_slo_set_free(set);
    sloeval_global_cleanup();
done:
    free(outs);
    free(fail_on);
    free(fail_on_buf);
    cli_args_free(&spec, pos);
    return status;
}
