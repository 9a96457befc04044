/*
 * libFuzzer target for the config loader (lib/slo) through the public API,
 * sloeval_slo_set_load_string. The first input byte picks the document
 * kind: auto-detected, a sloeval config, a Sloth spec, or a Prometheus
 * rule file; the rest is the text. A config's `include:` is the fourth
 * kind of document the loader reads: Sloth specs and rule files pulled in
 * by a config, which must not be configs themselves. The target reaches it
 * through a sandbox directory (base_dir) holding one file of each kind.
 *
 * Any input must either load, giving a set whose every getter answers,
 * or fail with a known code and a one-line message (with a position for
 * SLOEVAL_ECONFIG). File access while loading is confined to the sandbox:
 * fopen and glob are wrapped below, so that a generated `include:
 * /dev/stdin` or a glob of the whole disk neither blocks nor walks the machine.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <glob.h>
#include <unistd.h>

#include "fuzz_util.h"
#include "sloeval.h"

static char sandbox[64];
static int loading;

/* Inside a load, only paths under the sandbox and without ".." open. */
static int allowed(const char *path)
{
    size_t n = strlen(sandbox);
    return !loading || (strncmp(path, sandbox, n) == 0 && path[n] == '/' && !strstr(path, ".."));
}

FILE *fopen(const char *path, const char *mode)
{
    static FILE *(*real)(const char *, const char *);
    if (!real) real = (FILE * (*)(const char *, const char *)) dlsym(RTLD_NEXT, "fopen");
    /* Writes pass: libFuzzer saves a crashing input from its handler,
     * which runs while `loading` is still set. The loader only reads. */
    if (mode[0] == 'r' && !allowed(path)) {
        errno = EACCES;
        return NULL;
    }
    return real(path, mode);
}

int glob(const char *pattern, int flags, int (*errfunc)(const char *, int), glob_t *g)
{
    static int (*real)(const char *, int, int (*)(const char *, int), glob_t *);
    if (!real)
        real = (int (*)(const char *, int, int (*)(const char *, int), glob_t *))dlsym(RTLD_NEXT,
                                                                                      "glob");
    if (!allowed(pattern)) return GLOB_NOMATCH;
    return real(pattern, flags, errfunc, g);
}

static void write_file(const char *name, const char *text)
{
    char path[128];
    snprintf(path, sizeof path, "%s/%s", sandbox, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0) {
        perror(path);
        exit(1);
    }
}

static void remove_sandbox(void)
{
    static const char *const names[] = {"sloth.yaml", "rules.yaml", "config.yaml"};
    char path[128];
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        snprintf(path, sizeof path, "%s/%s", sandbox, names[i]);
        unlink(path);
    }
    rmdir(sandbox);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    const char *tmp = getenv("TMPDIR");
    snprintf(sandbox, sizeof sandbox, "%s/sloeval-fuzz-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (strlen(sandbox) >= sizeof sandbox - 1 || !mkdtemp(sandbox)) {
        perror("fuzz_config: mkdtemp");
        exit(1);
    }
    atexit(remove_sandbox);
    write_file("sloth.yaml", "version: prometheus/v1\n"
                             "service: svc\n"
                             "slos:\n"
                             "  - name: avail\n"
                             "    objective: 99.9\n"
                             "    sli:\n"
                             "      events:\n"
                             "        error_query: sum(rate(e[{{.window}}]))\n"
                             "        total_query: sum(rate(t[{{.window}}]))\n"
                             "    alerting:\n"
                             "      name: Avail\n");
    write_file("rules.yaml", "groups:\n"
                             "  - name: g\n"
                             "    interval: 30s\n"
                             "    rules:\n"
                             "      - alert: Down\n"
                             "        expr: up == 0\n"
                             "        for: 5m\n"
                             "      - record: job:up:sum\n"
                             "        expr: sum by (job) (up)\n");
    write_file("config.yaml", "backends: {global: {url: 'http://p:9090'}}\n"
                              "alerts: [{name: A, expr: up == 0}]\n");
    return 0;
}

/* Read every getter of a loaded set (ASan checks what they hand out). */
static size_t touch(const char *s)
{
    return s ? strlen(s) : 0;
}

static void walk(const sloeval_slo_set *set)
{
    size_t sum = 0;
    FUZZ_CHECK(sloeval_slo_set_kind(set) != SLOEVAL_SLO_FILE_AUTO, "a loaded set of kind AUTO");
    for (size_t i = 0; i < sloeval_slo_set_file_count(set); i++)
        sum += touch(sloeval_slo_set_file(set, i));
    FUZZ_CHECK(sloeval_slo_set_period_ms(set) > 0, "period not positive");
    for (size_t i = 0; i < sloeval_slo_set_extra_matcher_count(set); i++)
        sum += touch(sloeval_slo_set_extra_matcher(set, i));
    for (size_t i = 0; i < sloeval_slo_set_backend_count(set); i++) {
        const sloeval_slo_backend_info *b = sloeval_slo_set_backend(set, i);
        FUZZ_CHECK(b != NULL, "backend %zu missing", i);
        sum += touch(b->name) + touch(b->url) + touch(b->file);
        for (size_t k = 0; k < b->nheaders; k++) sum += touch(b->header_names[k]);
    }
    sum += touch(sloeval_slo_set_region_label(set));
    for (size_t i = 0; i < sloeval_slo_set_region_count(set); i++) {
        const sloeval_slo_region_info *r = sloeval_slo_set_region(set, i);
        sum += touch(r->name) + touch(r->backend);
    }
    sum += touch(sloeval_slo_set_policy_name(set));
    for (size_t i = 0; i < sloeval_slo_set_policy_rule_count(set); i++) {
        const sloeval_slo_policy_rule *r = sloeval_slo_set_policy_rule(set, i);
        FUZZ_CHECK(r->factor > 0 && r->short_ms > 0 && r->short_ms < r->long_ms,
                   "policy rule %zu out of range", i);
        sum += touch(r->severity);
    }
    size_t nwin = 0;
    const int64_t *win = sloeval_slo_set_windows(set, &nwin);
    for (size_t i = 1; i < nwin; i++) FUZZ_CHECK(win[i - 1] < win[i], "windows not ascending");
    for (size_t i = 0; i < sloeval_slo_set_slo_count(set); i++) {
        const sloeval_slo_info *s = sloeval_slo_set_slo(set, i);
        FUZZ_CHECK(s->objective > 0 && s->objective < 100, "objective %g out of range",
                   s->objective);
        FUZZ_CHECK(sloeval_slo_set_find_slo(set, s->id) == s, "find_slo(%s) is another SLO",
                   s->id);
        sum += touch(s->name) + touch(s->service) + touch(s->description) +
               touch(s->objective_text) + touch(s->alert_name) + touch(s->file);
        for (size_t k = 0; k < s->nlabels; k++)
            sum += touch(s->labels[k].name) + touch(s->labels[k].value);
        for (size_t k = 0; k < s->ndisabled_severities; k++)
            sum += touch(s->disabled_severities[k]);
        for (int q = 0; q < 3; q++) {
            char buf[64];
            size_t want = sloeval_slo_set_render_query(buf, sizeof buf, set, i,
                                                       (sloeval_slo_query)q, 5 * 60 * 1000);
            if (want >= sizeof buf) {
                char *big = malloc(want + 1);
                FUZZ_CHECK(big != NULL, "out of memory");
                FUZZ_CHECK(sloeval_slo_set_render_query(big, want + 1, set, i,
                                                        (sloeval_slo_query)q,
                                                        5 * 60 * 1000) == want,
                           "render_query is not stable");
                FUZZ_CHECK(strlen(big) == want, "render_query length");
                free(big);
            }
        }
    }
    for (size_t i = 0; i < sloeval_slo_set_alert_count(set); i++) {
        const sloeval_slo_alert_info *a = sloeval_slo_set_alert(set, i);
        sum += touch(a->name) + touch(a->group) + touch(a->expr) + touch(a->file);
        for (size_t k = 0; k < a->nlabels; k++)
            sum += touch(a->labels[k].name) + touch(a->labels[k].value);
        for (size_t k = 0; k < a->nannotations; k++)
            sum += touch(a->annotations[k].name) + touch(a->annotations[k].value);
    }
    (void)sum;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.kind = (sloeval_slo_file_kind)(data[0] & 3);
    o.name = "fuzz.yaml";
    o.base_dir = sandbox;
    sloeval_slo_set *set = (sloeval_slo_set *)&o; /* must become NULL on failure */
    sloeval_error err = SLOEVAL_ERROR_INIT;
    loading = 1;
    int rc = sloeval_slo_set_load_string(&set, (const char *)data + 1, size - 1, &o, &err);
    loading = 0;
    if (getenv("SLOEVAL_FUZZ_VERBOSE")) /* to see what an input does */
        fprintf(stderr, "fuzz_config: %d %s\n", rc, rc ? err.message : "loaded");
    if (rc != 0) {
        FUZZ_CHECK(set == NULL, "a failed load returned a set");
        FUZZ_CHECK(rc == SLOEVAL_ECONFIG || rc == SLOEVAL_EIO || rc == SLOEVAL_ELIMIT ||
                       rc == SLOEVAL_ENOMEM,
                   "unexpected code %d: %s", rc, err.message);
        FUZZ_CHECK_ERROR(err, rc);
        if (rc == SLOEVAL_ECONFIG)
            FUZZ_CHECK(err.line >= 1 && err.column >= 1, "config error without a position: %s",
                       err.message);
        return 0;
    }
    FUZZ_CHECK(set != NULL, "a successful load returned no set");
    walk(set);
    sloeval_slo_set_free(set);
    return 0;
}
