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

static size_t touch_label(const sloeval_label *l)
{
    FUZZ_CHECK(l != NULL, "a label getter returned NULL within the count");
    return touch(l->name) + touch(l->value);
}

static void walk(const sloeval_slo_set *set)
{
    size_t sum = 0;
    int line, column;
    FUZZ_CHECK(sloeval_slo_set_kind(set) != SLOEVAL_SLO_FILE_AUTO, "a loaded set of kind AUTO");
    for (size_t i = 0; i < sloeval_slo_set_file_count(set); i++)
        sum += touch(sloeval_slo_set_file(set, i));
    FUZZ_CHECK(sloeval_slo_set_period_ms(set) > 0, "period not positive");
    for (size_t i = 0; i < sloeval_slo_set_extra_matcher_count(set); i++)
        sum += touch(sloeval_slo_set_extra_matcher(set, i));
    for (size_t i = 0; i < sloeval_slo_set_backend_count(set); i++) {
        const sloeval_slo_backend *b = sloeval_slo_set_backend(set, i);
        FUZZ_CHECK(b != NULL, "backend %zu missing", i);
        sum += touch(sloeval_slo_backend_name(b)) + touch(sloeval_slo_backend_url(b)) +
               touch(sloeval_slo_backend_tenant(b)) +
               touch(sloeval_slo_backend_bearer_token_file(b)) +
               touch(sloeval_slo_backend_basic_password_file(b)) +
               touch(sloeval_slo_backend_thanos_engine(b)) +
               touch(sloeval_slo_backend_location(b, &line, &column));
        for (size_t k = 0; k < sloeval_slo_backend_header_count(b); k++)
            sum += touch(sloeval_slo_backend_header_name(b, k));
        for (size_t k = 0; k < sloeval_slo_backend_thanos_replica_label_count(b); k++)
            sum += touch(sloeval_slo_backend_thanos_replica_label(b, k));
    }
    sum += touch(sloeval_slo_set_region_label(set));
    for (size_t i = 0; i < sloeval_slo_set_region_count(set); i++) {
        const sloeval_slo_region *r = sloeval_slo_set_region(set, i);
        FUZZ_CHECK(r != NULL, "region %zu missing", i);
        sum += touch(sloeval_slo_region_name(r)) + touch(sloeval_slo_region_backend(r));
    }
    sum += touch(sloeval_slo_set_policy_name(set));
    for (size_t i = 0; i < sloeval_slo_set_policy_rule_count(set); i++) {
        const sloeval_slo_policy_rule *r = sloeval_slo_set_policy_rule(set, i);
        FUZZ_CHECK(r != NULL, "policy rule %zu missing", i);
        int64_t lo = sloeval_slo_policy_rule_short_ms(r), hi = sloeval_slo_policy_rule_long_ms(r);
        FUZZ_CHECK(sloeval_slo_policy_rule_factor(r) > 0 && lo > 0 && lo < hi,
                   "policy rule %zu out of range", i);
        sum += touch(sloeval_slo_policy_rule_severity(r));
    }
    for (size_t i = 1; i < sloeval_slo_set_window_count(set); i++)
        FUZZ_CHECK(sloeval_slo_set_window_ms(set, i - 1) < sloeval_slo_set_window_ms(set, i),
                   "windows not ascending");
    for (size_t i = 0; i < sloeval_slo_set_slo_count(set); i++) {
        const sloeval_slo *s = sloeval_slo_set_slo(set, i);
        FUZZ_CHECK(s != NULL, "SLO %zu missing", i);
        double objective = sloeval_slo_objective(s);
        FUZZ_CHECK(objective > 0 && objective < 100, "objective %g out of range", objective);
        FUZZ_CHECK(sloeval_slo_set_find_slo(set, sloeval_slo_id(s)) == s,
                   "find_slo(%s) is another SLO", sloeval_slo_id(s));
        sum += touch(sloeval_slo_name(s)) + touch(sloeval_slo_service(s)) +
               touch(sloeval_slo_description(s)) + touch(sloeval_slo_objective_text(s)) +
               touch(sloeval_slo_alerting_name(s)) + touch(sloeval_slo_location(s, &line, &column));
        for (size_t k = 0; k < sloeval_slo_label_count(s); k++)
            sum += touch_label(sloeval_slo_label(s, k));
        for (size_t k = 0; k < sloeval_slo_disabled_severity_count(s); k++)
            sum += touch(sloeval_slo_disabled_severity(s, k));
        for (int q = 0; q < 3; q++) {
            sum += touch(sloeval_slo_query_template(s, (sloeval_slo_query)q));
            char buf[64];
            size_t want =
                sloeval_slo_render_query(buf, sizeof buf, s, (sloeval_slo_query)q, 5 * 60 * 1000);
            if (want >= sizeof buf) {
                char *big = malloc(want + 1);
                FUZZ_CHECK(big != NULL, "out of memory");
                FUZZ_CHECK(sloeval_slo_render_query(big, want + 1, s, (sloeval_slo_query)q,
                                                    5 * 60 * 1000) == want,
                           "render_query is not stable");
                FUZZ_CHECK(strlen(big) == want, "render_query length");
                free(big);
            }
        }
    }
    for (size_t i = 0; i < sloeval_slo_set_alert_count(set); i++) {
        const sloeval_slo_alert *a = sloeval_slo_set_alert(set, i);
        FUZZ_CHECK(a != NULL, "alert %zu missing", i);
        sum += touch(sloeval_slo_alert_name(a)) + touch(sloeval_slo_alert_group(a)) +
               touch(sloeval_slo_alert_expr(a)) +
               touch(sloeval_slo_alert_location(a, &line, &column));
        for (size_t k = 0; k < sloeval_slo_alert_label_count(a); k++)
            sum += touch_label(sloeval_slo_alert_label(a, k));
        for (size_t k = 0; k < sloeval_slo_alert_annotation_count(a); k++)
            sum += touch_label(sloeval_slo_alert_annotation(a, k));
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
