/*
 * sloeval query --url: the expression over Prometheus-compatible servers
 * (several: shards of one data set), through the planner. Argument
 * handling and rendering only; the planner decides what runs where.
 *
 * Environment (for cron and CI; flags win):
 *   SLOEVAL_URL                 the servers, separated by commas or spaces
 *   SLOEVAL_BEARER_TOKEN_FILE   a file holding the bearer token
 *   SLOEVAL_BEARER_TOKEN        the bearer token itself (read from the
 *                               environment, never from the command line)
 *   SLOEVAL_BASIC_AUTH_USER, SLOEVAL_BASIC_AUTH_PASSWORD_FILE,
 *   SLOEVAL_BASIC_AUTH_PASSWORD basic auth, likewise
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "args.h"
#include "cli.h"
#include "query_url.h"
#include "sloeval.h"

/* Print "sloeval query: <message>" as one line, whatever the message holds. */
static void print_error(const char *prefix, const char *msg)
{
    fputs("sloeval query: ", stderr);
    if (prefix) fputs(prefix, stderr);
    for (const unsigned char *p = (const unsigned char *)msg; *p; p++)
        fputc(*p < 0x20 || *p == 0x7f ? ' ' : *p, stderr);
    fputc('\n', stderr);
}

/* The exit status of a failed query (README, man page). */
static int query_exit_status(int code, int http_status)
{
    switch (code) {
    case 0: return CLI_EXIT_OK;
    case SLOEVAL_ESERVER:
        /* bad_data (400) and execution (422) are the expression's. */
        return http_status == 400 || http_status == 422 ? CLI_EXIT_USAGE : CLI_EXIT_INCONCLUSIVE;
    case SLOEVAL_ETRANSPORT:
    case SLOEVAL_ETIMEOUT:
    case SLOEVAL_EDECODE:
    case SLOEVAL_EPARTIAL:
    case SLOEVAL_ENODATA:
    case SLOEVAL_ELIMIT:
    case SLOEVAL_EDATA:
    case SLOEVAL_ENOMEM: return CLI_EXIT_INCONCLUSIVE;
    default: return CLI_EXIT_USAGE; /* parse, execution, unsupported, usage, config */
    }
}

/* The URLs: --url, else $SLOEVAL_URL split at commas and spaces. */
int collect_urls(char ***out, size_t *n, cli_opt *url_opt)
{
    *out = NULL;
    *n = 0;
    if (url_opt->nvalues) {
        *out = calloc(url_opt->nvalues, sizeof(char *));
        if (!*out) return -1;
        for (size_t i = 0; i < url_opt->nvalues; i++)
            if (!((*out)[(*n)++] = strdup(url_opt->values[i]))) return -1;
        return 0;
    }
    const char *env = getenv("SLOEVAL_URL");
    if (!env) return 0;
    size_t len = strlen(env);
    *out = calloc(len / 2 + 1, sizeof(char *));
    if (!*out) return -1;
    for (const char *p = env; *p;) {
        while (*p == ',' || isspace((unsigned char)*p))
            p++;
        const char *e = p;
        while (*e && *e != ',' && !isspace((unsigned char)*e))
            e++;
        if (e > p && !((*out)[(*n)++] = strndup(p, (size_t)(e - p)))) return -1;
        p = e;
    }
    return 0;
}

void free_urls(char **urls, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(urls[i]);
    free(urls);
}

bool query_has_url(cli_cmd_spec *spec)
{
    cli_opt *o = cli_opt_find(spec, "url");
    if (o && o->nvalues) return true;
    const char *env = getenv("SLOEVAL_URL");
    return env && strspn(env, ", \t\n") < strlen(env);
}

static const char *opt_value(cli_cmd_spec *spec, const char *name)
{
    cli_opt *o = cli_opt_find(spec, name);
    return o ? o->value : NULL;
}

static bool opt_flag(cli_cmd_spec *spec, const char *name)
{
    cli_opt *o = cli_opt_find(spec, name);
    return o && o->count > 0;
}

int url_settings_parse(url_settings *s, cli_cmd_spec *spec, sloeval_compat compat)
{
    sloeval_prometheus_options_init(&s->base);
    s->base.compat = compat;
    const char *v;
    if ((v = opt_value(spec, "timeout"))) {
        int64_t ms;
        if (sloeval_duration_parse(&ms, v, NULL) || ms <= 0 || ms > 24LL * 3600 * 1000)
            return cli_usage_error(spec,
                                   "--timeout: '%s' is not a duration from 1ms to 24h "
                                   "(like 30s or 1m30s)",
                                   v);
        s->base.total_timeout_ms = (long)ms;
        s->base.timeout_ms = (long)ms;
        if (s->base.connect_timeout_ms > ms) s->base.connect_timeout_ms = (long)ms;
    }
    if ((v = opt_value(spec, "retries"))) {
        char *end;
        long n = strtol(v, &end, 10);
        if (*v == '\0' || *end || n < 0 || n > 10)
            return cli_usage_error(spec, "--retries: '%s' is not a number from 0 to 10", v);
        s->base.max_retries = (int)n;
    }
    if ((v = opt_value(spec, "max-response-bytes"))) {
        char *end;
        unsigned long long n = strtoull(v, &end, 10);
        if (*v < '0' || *v > '9' || *end || n < 1)
            return cli_usage_error(spec, "--max-response-bytes: '%s' is not a positive number", v);
        s->base.max_response_bytes = (uint64_t)n;
    }
    cli_opt *h = cli_opt_find(spec, "header");
    if (h && h->nvalues) {
        s->headers = calloc(h->nvalues, sizeof(*s->headers));
        if (!s->headers) return CLI_EXIT_USAGE;
        for (size_t i = 0; i < h->nvalues; i++) {
            const char *colon = strchr(h->values[i], ':');
            if (!colon || colon == h->values[i])
                return cli_usage_error(spec, "--header: '%s' is not NAME:VALUE", h->values[i]);
            char *name = strndup(h->values[i], (size_t)(colon - h->values[i]));
            const char *val = colon + 1;
            while (*val == ' ' || *val == '\t')
                val++;
            if (!name) return CLI_EXIT_USAGE;
            s->headers[s->nheaders++] = (sloeval_http_header){name, val};
        }
        s->base.headers = s->headers;
        s->base.nheaders = s->nheaders;
    }
    s->base.tenant = opt_value(spec, "tenant");
    /* The token: a flag names a file; the environment a file or the token. */
    if ((v = opt_value(spec, "bearer-token-file")))
        s->base.bearer_token_file = v;
    else if ((v = getenv("SLOEVAL_BEARER_TOKEN_FILE")) && *v)
        s->base.bearer_token_file = v;
    else if ((v = getenv("SLOEVAL_BEARER_TOKEN")) && *v)
        s->base.bearer_token_env = "SLOEVAL_BEARER_TOKEN";
    if ((v = opt_value(spec, "basic-auth-user")) || ((v = getenv("SLOEVAL_BASIC_AUTH_USER")) && *v))
        s->base.basic_auth_user = v;
    if ((v = opt_value(spec, "basic-auth-password-file")))
        s->base.basic_auth_password_file = v;
    else if ((v = getenv("SLOEVAL_BASIC_AUTH_PASSWORD_FILE")) && *v)
        s->base.basic_auth_password_file = v;
    else if (s->base.basic_auth_user && (v = getenv("SLOEVAL_BASIC_AUTH_PASSWORD")) && *v)
        s->base.basic_auth_password_env = "SLOEVAL_BASIC_AUTH_PASSWORD";
    if (s->base.basic_auth_password_file && !s->base.basic_auth_user)
        return cli_usage_error(spec, "a basic-auth password needs --basic-auth-user");
    s->base.tls_ca_file = opt_value(spec, "ca-file");
    s->base.tls_cert_file = opt_value(spec, "cert-file");
    s->base.tls_key_file = opt_value(spec, "key-file");
    s->base.tls_insecure_skip_verify = opt_flag(spec, "insecure-skip-verify");
    s->base.disable_compression = opt_flag(spec, "no-compression");
    return 0;
}

void url_settings_free(url_settings *s)
{
    for (size_t i = 0; i < s->nheaders; i++)
        free((char *)s->headers[i].name);
    free(s->headers);
}

/* Setup warnings of the query (risky TLS options, servers whose version
 * cannot be told) as they arise. */
static void print_warning(const char *message, void *payload)
{
    (void)payload;
    fprintf(stderr, "warning: %s\n", message);
}

int query_servers(cli_cmd_spec *spec, const char *text, size_t len, sloeval_compat compat,
                  bool json, int (*print)(sloeval_result *res, bool json))
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int64_t t_ms;
    if (cli_time_arg(&t_ms, opt_value(spec, "time"), &err) != 0) {
        print_error("--time: ", err.message);
        return CLI_EXIT_USAGE;
    }
    url_settings us;
    memset(&us, 0, sizeof(us));
    int status = url_settings_parse(&us, spec, compat);
    if (status) {
        url_settings_free(&us);
        return CLI_EXIT_USAGE;
    }
    char **urls = NULL;
    size_t n = 0;
    if (collect_urls(&urls, &n, cli_opt_find(spec, "url")) || n == 0) {
        free_urls(urls, n);
        url_settings_free(&us);
        return cli_usage_error(spec, "a source is needed: --url URL or --data FILE");
    }
    static const char *const modes[] = {"auto", "pushdown", "local", NULL};
    int mode = 0;
    const char *mv = opt_value(spec, "mode");
    for (int i = 0; mv && modes[i]; i++)
        if (!strcmp(mv, modes[i])) mode = i;
    sloeval_query_options qo = SLOEVAL_QUERY_OPTIONS_INIT;
    qo.mode = mode == 1   ? SLOEVAL_QUERY_MODE_PUSHDOWN
              : mode == 2 ? SLOEVAL_QUERY_MODE_LOCAL
                          : SLOEVAL_QUERY_MODE_AUTO;
    qo.compat = compat;
    qo.experimental_functions = opt_flag(spec, "experimental-functions");
    qo.explain = opt_flag(spec, "explain");
    qo.on_warning = print_warning;

    status = CLI_EXIT_USAGE;
    sloeval_expr *expr = NULL;
    sloeval_query *q = NULL;
    sloeval_result *res = NULL;
    bool inited = false;
    /* A syntax error is reported before any server is asked: with --compat
     * auto, the text must parse with one of the two grammars. */
    if (sloeval_query_parse(&expr, text, len, &qo, &err) != 0) {
        cli_print_expr_error("query", text, len, &err);
        goto done;
    }
    if (sloeval_global_init() != 0) {
        print_error(NULL, "cannot initialise the HTTP client");
        goto done;
    }
    inited = true;
    if (sloeval_query_new_urls(&q, (const char *const *)urls, n, &us.base, &qo, &err) != 0) {
        print_error("--url: ", err.message);
        goto done;
    }
    int rc = sloeval_query_instant(&res, q, text, len, t_ms, &err);
    const char *plan = sloeval_query_explain(q);
    if (*plan) fputs(plan, stderr);
    if (rc != 0) {
        cli_print_expr_error("query", text, len, &err);
        status = query_exit_status(err.code, err.http_status);
        goto done;
    }
    status = print(res, json);
done:
    sloeval_result_free(res);
    sloeval_query_free(q);
    sloeval_expr_free(expr);
    free_urls(urls, n);
    url_settings_free(&us);
    if (inited) sloeval_global_cleanup();
    return status;
}
