/*
 * sloeval check --url: a Sloth spec or rule file checked directly, with the
 * URL as its global backend; --timeout as a bound on the whole run.
 *
 * The file is wrapped in a sloeval config built here (backends.global from
 * the flags, include: the file), so that it is read exactly as an included
 * file is (docs/config.md, Includes): same period and policy defaults.
 */
#define _XOPEN_SOURCE 700
#include <limits.h>
#include <stdbool.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

#include "args.h"
#include "check_url.h"
#include "cli.h"
#include "query_url.h"
#include "sloeval.h"

/* A JSON string (which YAML reads as a double-quoted scalar). */
static void put_str(FILE *f, const char *s)
{
    fputc('"', f);
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(f, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(f, "\\u%04x", *p);
        else
            fputc(*p, f);
    }
    fputc('"', f);
}

/* The wrapper config: JSON, one backend, one include. NULL when out of memory. */
static char *wrapper(const char *url, const url_settings *us, bool timeout, const char *file,
                     size_t *len)
{
    char *text = NULL;
    FILE *f = open_memstream(&text, len);
    if (!f) return NULL;
    const sloeval_prometheus_options *o = &us->base;
    fputs("{\"backends\": {\"global\": {\"url\": ", f);
    put_str(f, url);
    if (o->nheaders) {
        fputs(", \"headers\": {", f);
        for (size_t i = 0; i < o->nheaders; i++) {
            if (i) fputs(", ", f);
            put_str(f, o->headers[i].name);
            fputs(": ", f);
            put_str(f, o->headers[i].value);
        }
        fputc('}', f);
    }
    if (o->tenant) {
        fputs(", \"tenant\": ", f);
        put_str(f, o->tenant);
    }
    if (o->bearer_token_file) {
        fputs(", \"bearer_token_file\": ", f);
        put_str(f, o->bearer_token_file);
    } else if (o->bearer_token_env) {
        fputs(", \"bearer_token_env\": ", f);
        put_str(f, o->bearer_token_env);
    }
    /* --timeout bounds the whole run; each request gets as much */
    if (timeout)
        fprintf(f,
                ", \"timeout\": \"%ldms\", \"total_timeout\": \"%ldms\", "
                "\"connect_timeout\": \"%ldms\"",
                o->timeout_ms, o->total_timeout_ms, o->connect_timeout_ms);
    fputs("}}, \"include\": [{\"path\": ", f);
    put_str(f, file);
    fputs("}]}\n", f);
    if (fclose(f)) {
        free(text);
        return NULL;
    }
    return text;
}

int check_load(sloeval_slo_set **out, cli_cmd_spec *spec, const char *path)
{
    *out = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = NULL;
    if (sloeval_slo_set_load_file(&set, path, NULL, &err)) {
        fprintf(stderr, "sloeval check: %s\n", err.message);
        return CLI_EXIT_USAGE;
    }
    cli_opt *url_opt = cli_opt_find(spec, "url");
    char **urls = NULL;
    size_t n = 0;
    if (collect_urls(&urls, &n, url_opt)) {
        free_urls(urls, n);
        sloeval_slo_set_free(set);
        fprintf(stderr, "sloeval check: out of memory\n");
        return CLI_EXIT_USAGE;
    }
    int status = CLI_EXIT_USAGE;
    url_settings us;
    memset(&us, 0, sizeof(us));
    char *text = NULL;
    char *full = NULL;
    if (n == 0) {
        *out = set;
        set = NULL;
        status = 0;
        goto done;
    }
    bool flag = url_opt->nvalues > 0;
    if (sloeval_slo_set_kind(set) == SLOEVAL_SLO_FILE_CONFIG) {
        if (sloeval_slo_set_backend_count(set) > 0 && !flag) {
            *out = set; /* $SLOEVAL_URL does not override a config's backends */
            set = NULL;
            status = 0;
        } else if (sloeval_slo_set_backend_count(set) > 0) {
            cli_usage_error(spec,
                            "--url: %s is a sloeval config with its own backends; --url is "
                            "for a Sloth spec or a rule file",
                            path);
        } else {
            cli_usage_error(spec,
                            "--url: %s is a sloeval config without backends: add "
                            "backends.global (--url is for a Sloth spec or a rule file)",
                            path);
        }
        goto done;
    }
    if (n > 1) {
        cli_usage_error(spec, "--url: one URL, the global backend (got %zu)", n);
        goto done;
    }
    if (url_settings_parse(&us, spec, SLOEVAL_COMPAT_AUTO)) goto done;
    full = realpath(path, NULL);
    if (!full) {
        fprintf(stderr, "sloeval check: %s: cannot resolve the path\n", path);
        goto done;
    }
    if (strpbrk(full, "*?[")) {
        cli_usage_error(spec, "--url: the path of the file holds glob characters (*, ?, [)");
        goto done;
    }
    size_t len = 0;
    text = wrapper(urls[0], &us, cli_opt_find(spec, "timeout")->value != NULL, full, &len);
    if (!text) {
        fprintf(stderr, "sloeval check: out of memory\n");
        goto done;
    }
    sloeval_slo_load_options lo = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    lo.kind = SLOEVAL_SLO_FILE_CONFIG;
    lo.name = "--url";
    lo.base_dir = "/";
    if (sloeval_slo_set_load_string(out, text, len, &lo, &err)) {
        fprintf(stderr, "sloeval check: %s\n", err.message);
        goto done;
    }
    status = 0;
done:
    if (text) {
        /* header values may be secrets */
        memset(text, 0, strlen(text));
        free(text);
    }
    free(full);
    url_settings_free(&us);
    free_urls(urls, n);
    sloeval_slo_set_free(set);
    return status;
}

static const char *timeout_text;

static void on_alarm(int sig)
{
    (void)sig;
    static const char a[] = "sloeval check: the check did not finish within --timeout ";
    static const char b[] = ": inconclusive\n";
    ssize_t w = write(STDERR_FILENO, a, sizeof a - 1);
    w = write(STDERR_FILENO, timeout_text, strlen(timeout_text));
    w = write(STDERR_FILENO, b, sizeof b - 1);
    (void)w;
    _exit(CLI_EXIT_INCONCLUSIVE);
}

int check_timeout_arm(cli_cmd_spec *spec)
{
    const char *v = cli_opt_find(spec, "timeout")->value;
    if (!v) return 0;
    int64_t ms;
    if (sloeval_duration_parse(&ms, v, NULL) || ms <= 0 || ms > 24LL * 3600 * 1000)
        return cli_usage_error(spec,
                               "--timeout: '%s' is not a duration from 1ms to 24h (like 30s or "
                               "1m30s)",
                               v);
    timeout_text = v;
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    if (sigaction(SIGALRM, &sa, NULL)) return CLI_EXIT_USAGE;
    struct itimerval it;
    memset(&it, 0, sizeof it);
    it.it_value.tv_sec = (time_t)(ms / 1000);
    it.it_value.tv_usec = (suseconds_t)(ms % 1000) * 1000;
    if (setitimer(ITIMER_REAL, &it, NULL)) return CLI_EXIT_USAGE;
    return 0;
}
