/*
 * Unit tests of lib/slo's configuration half: YAML tree, durations,
 * templates, the sloeval config, Sloth spec and rule file loaders, the
 * public inspection API, and the golden error cases in
 * tests/golden/config (<case>.yaml loads with the one-line error in
 * <case>.error).
 */
#include <check.h>
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sloeval.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "slo/config.h"
#include "slo/duration.h"
#include "slo/set.h"
#include "slo/template.h"
#include "slo/ytree.h"
#include "source/source.h"

#define GOLDEN_DIR   SLOEVAL_SOURCE_DIR "/tests/golden/config"
#define EXAMPLES_DIR SLOEVAL_SOURCE_DIR "/examples"
#define H_MS         (3600LL * 1000)
#define M_MS         (60LL * 1000)
#define D_MS         (24 * H_MS)

static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 1 << 16, n = 0;
    char *buf = malloc(cap + 1);
    size_t r;
    while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
        n += r;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    fclose(f);
    if (buf) buf[n] = '\0';
    if (len) *len = n;
    return buf;
}

/* Load text as a named string; returns the set or NULL with err filled. */
static sloeval_slo_set *load_str(const char *text, sloeval_error *err)
{
    sloeval_slo_set *set = NULL;
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.name = "test.yaml";
    sloeval_error_clear(err);
    sloeval_slo_set_load_string(&set, text, strlen(text), &o, err);
    return set;
}

static const char *load_error_of(const char *text)
{
    static sloeval_error err;
    sloeval_slo_set *set = load_str(text, &err);
    if (set) {
        sloeval_slo_set_free(set);
        return "(loaded)";
    }
    return err.message;
}

/* ---- durations ------------------------------------------------------------ */

START_TEST(test_duration_parse)
{
    static const struct {
        const char *text;
        int64_t ms;
    } good[] = {
        {"0", 0},
        {"0s", 0},
        {"5m", 5 * M_MS},
        {"1h30m", 90 * M_MS},
        {"30d", 30 * D_MS},
        {"4w", 28 * D_MS},
        {"1y", 365 * D_MS},
        {"1y2w3d4h5m6s7ms", 365 * D_MS + 14 * D_MS + 3 * D_MS + 4 * H_MS + 5 * M_MS + 6007},
        {"100ms", 100},
        {"90s", 90000},
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        int64_t ms = -1;
        const char *why = NULL;
        ck_assert_msg(duration_parse(&ms, good[i].text, strlen(good[i].text), &why) == 0, "%s: %s",
                      good[i].text, why);
        ck_assert_int_eq(ms, good[i].ms);
    }
    static const char *const bad[] = {
        "",          "5",    "5x",  "m",   "1.5h", "-5m",   "+5m",
        "5m1h",      "1h1h", "5 m", "1d ", "5mo",  "1ms1s", "99999999999999999999y",
        "300000000y"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        int64_t ms;
        const char *why = NULL;
        ck_assert_msg(duration_parse(&ms, bad[i], strlen(bad[i]), &why) == -1, "%s", bad[i]);
        ck_assert_ptr_nonnull(why);
    }
    /* the reason is the first thing wrong, reading from the left */
    static const struct {
        const char *text, *why;
    } reasons[] = {
        {"", "empty duration"},
        {"-5m", "a duration has no sign"},
        {"5m+1s", "a duration has no sign"},
        {"m", "expected a number followed by a unit"},
        {"5mo", "expected a number followed by a unit"},
        {"1.5h", "a duration has no fractions (write 1m30s, not 1.5m)"},
        {"5", "missing unit (one of y, w, d, h, m, s, ms)"},
        {"5x", "unknown unit (expected y, w, d, h, m, s or ms)"},
        {"5m1h", "units must appear once each, largest first (y, w, d, h, m, s, ms)"},
        {"1ms1s", "units must appear once each, largest first (y, w, d, h, m, s, ms)"},
        {"99999999999999999999y", "duration out of range"},
        /* Prometheus's limit: 2^63-1 ns, about 292 years */
        {"293y", "duration out of range"},
    };
    for (size_t i = 0; i < sizeof(reasons) / sizeof(reasons[0]); i++) {
        int64_t ms = -1;
        const char *why = NULL;
        const char *t = reasons[i].text;
        ck_assert_msg(duration_parse(&ms, t, strlen(t), &why) == -1, "%s", t);
        ck_assert_int_eq(ms, 0);
        ck_assert_str_eq(why, reasons[i].why);
    }
    int64_t ms = -1;
    ck_assert_int_eq(duration_parse(&ms, "292y", 4, NULL), 0);
    ck_assert_int_eq(ms, 292 * 365 * D_MS);
}
END_TEST

START_TEST(test_duration_format)
{
    static const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},          {5 * M_MS, "5m"},     {30 * M_MS, "30m"},
        {H_MS, "1h"},       {90 * M_MS, "1h30m"}, {D_MS, "1d"},
        {3 * D_MS, "3d"},   {7 * D_MS, "1w"},     {28 * D_MS, "4w"},
        {30 * D_MS, "30d"}, /* weeks only when exact */
        {365 * D_MS, "1y"}, {366 * D_MS, "366d"}, {1500, "1s500ms"},
        {1, "1ms"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[DURATION_BUF_SIZE];
        size_t n = promql_duration_format(buf, sizeof(buf), cases[i].ms);
        ck_assert_str_eq(buf, cases[i].text);
        ck_assert_uint_eq(n, strlen(cases[i].text));
        /* and back */
        int64_t ms;
        ck_assert_int_eq(duration_parse(&ms, buf, n, NULL), 0);
        ck_assert_int_eq(ms, cases[i].ms);
    }
    char small[4];
    ck_assert_uint_eq(promql_duration_format(small, sizeof(small), 90 * M_MS), 5);
    ck_assert_str_eq(small, "1h3");
    /* the public wrappers */
    int64_t ms;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_duration_parse(&ms, "1h30m", &err), 0);
    ck_assert_int_eq(ms, 90 * M_MS);
    ck_assert_int_eq(sloeval_duration_parse(&ms, "1.5h", &err), SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "1.5h"));
    char buf[DURATION_BUF_SIZE];
    sloeval_duration_format(buf, sizeof(buf), 6 * H_MS);
    ck_assert_str_eq(buf, "6h");
}
END_TEST

/* ---- templates ------------------------------------------------------------ */

START_TEST(test_template_render)
{
    arena a;
    arena_init(&a, 0);
    slo_template t;
    size_t off;
    const char *why;
    const char *text = "sum(rate(x[{{window}}])) / sum(rate(y[{{ .window }}])) offset {{ window}}";
    ck_assert_int_eq(template_parse(&t, &a, text, strlen(text), TPL_SLOEVAL, &off, &why), 0);
    ck_assert_uint_eq(t.nwindows, 3);
    char *q = template_render_arena(&t, 5 * M_MS, &a);
    ck_assert_str_eq(q, "sum(rate(x[5m])) / sum(rate(y[5m])) offset 5m");
    q = template_render_arena(&t, 3 * D_MS, &a);
    ck_assert_str_eq(q, "sum(rate(x[3d])) / sum(rate(y[3d])) offset 3d");
    q = template_render_arena(&t, 28 * D_MS, &a);
    ck_assert_str_eq(q, "sum(rate(x[4w])) / sum(rate(y[4w])) offset 4w");
    /* offsets in the rendered text map back into the template */
    q = template_render_arena(&t, H_MS, &a); /* "sum(rate(x[1h])) / ..." */
    ck_assert_uint_eq(template_source_offset(&t, H_MS, 0), 0);
    ck_assert_uint_eq(template_source_offset(&t, H_MS, 11), 11); /* '1' of 1h: the placeholder */
    ck_assert_uint_eq(template_source_offset(&t, H_MS, 12), 11); /* 'h' */
    ck_assert_uint_eq(template_source_offset(&t, H_MS, 13), 21); /* ']' after the placeholder */
    ck_assert_int_eq(text[21], ']');
    ck_assert_int_eq(q[13], ']');

    /* Sloth's dialect: only {{.window}} (Go template syntax) */
    const char *sloth = "rate(x[{{.window}}])";
    ck_assert_int_eq(template_parse(&t, &a, sloth, strlen(sloth), TPL_SLOTH, &off, &why), 0);
    ck_assert_str_eq(template_render_arena(&t, 6 * H_MS, &a), "rate(x[6h])");
    const char *bare = "rate(x[{{window}}])";
    ck_assert_int_eq(template_parse(&t, &a, bare, strlen(bare), TPL_SLOTH, &off, &why), -1);
    ck_assert_uint_eq(off, 7);
    static const char *const bad[] = {"rate(x[{{win}}])", "rate(x[{{ .Window }}])",
                                      "rate(x[{{window])", "{{", "x{{range .}}"};
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_int_eq(template_parse(&t, &a, bad[i], strlen(bad[i]), TPL_SLOEVAL, &off, &why),
                         -1);
    /* no placeholder at all is a valid template (the loaders require one) */
    ck_assert_int_eq(template_parse(&t, &a, "up", 2, TPL_SLOEVAL, &off, &why), 0);
    ck_assert_uint_eq(t.nwindows, 0);
    ck_assert_str_eq(template_render_arena(&t, H_MS, &a), "up");
    arena_free(&a);
}
END_TEST

/* ---- YAML tree ------------------------------------------------------------ */

START_TEST(test_ytree_merge_anchor_positions)
{
    arena a;
    arena_init(&a, 0);
    yfile f;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = "base: &base\n"
                       "  timeout: 10s\n"
                       "  retries: 1\n"
                       "b:\n"
                       "  <<: *base\n"
                       "  retries: 3\n"
                       "q: |\n"
                       "  sum(\n"
                       "    rate(x[5m])\n"
                       "  )\n"
                       "é: 'quoted here'\n";
    ck_assert_int_eq(ytree_load(&f, &a, "t.yaml", text, strlen(text), &err), 0);
    ck_assert_uint_eq(f.ndocs, 1);
    const ynode *b = ynode_get(f.docs[0], "b");
    ck_assert_uint_eq(b->npairs, 2);
    ck_assert_str_eq(ynode_get(b, "retries")->value, "3"); /* explicit keys win */
    ck_assert_str_eq(ynode_get(b, "timeout")->value, "10s");
    ck_assert_int_eq(ynode_get(b, "timeout")->line, 2); /* merged nodes keep their place */
    ck_assert_ptr_null(ynode_get(b, "<<"));

    const ynode *q = ynode_get(f.docs[0], "q");
    ck_assert_str_eq(q->value, "sum(\n  rate(x[5m])\n)\n");
    int line, col;
    ck_assert(ynode_value_position(&f, q, 7, &line, &col)); /* 'r' of rate */
    ck_assert_int_eq(line, 9);
    ck_assert_int_eq(col, 5);
    const ynode *e = ynode_get(f.docs[0], "é");
    ck_assert_int_eq(e->line, 11);
    ck_assert_int_eq(e->column, 5); /* bytes: 'é' is two */
    ck_assert(ynode_value_position(&f, e, 7, &line, &col));
    ck_assert_int_eq(col, 13);
    ck_assert_int_eq(text[strlen(text) - 18 + 12], 'h'); /* "'quoted here'" starts at col 5 */
    arena_free(&a);
}
END_TEST

START_TEST(test_ytree_documents_and_limits)
{
    arena a;
    arena_init(&a, 0);
    yfile f;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = "a: 1\n---\nb: 2\n---\n";
    ck_assert_int_eq(ytree_load(&f, &a, "t.yaml", text, strlen(text), &err), 0);
    ck_assert_uint_eq(f.ndocs, 3);
    ck_assert(ynode_is_null(f.docs[2]));
    ck_assert_int_eq(ytree_load(&f, &a, "t.yaml", "", 0, &err), 0);
    ck_assert_uint_eq(f.ndocs, 0);
    /* an anchor is redefined by a later one; aliases see the latest */
    const char *redef = "a: &x 1\nb: &x 2\nc: *x\n";
    ck_assert_int_eq(ytree_load(&f, &a, "t.yaml", redef, strlen(redef), &err), 0);
    ck_assert_str_eq(ynode_get(f.docs[0], "c")->value, "2");
    /* a mapping key must be a scalar */
    const char *complex_key = "? [a, b]\n: c\n";
    ck_assert_int_eq(ytree_load(&f, &a, "t.yaml", complex_key, strlen(complex_key), &err),
                     SLOEVAL_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "a mapping key must be a scalar"));
    /* a duplicate key among many is found (hash set) */
    char big[20000];
    size_t n = 0;
    for (int i = 0; i < 1000; i++)
        n += (size_t)snprintf(big + n, sizeof(big) - n, "k%d: %d\n", i, i);
    snprintf(big + n, sizeof(big) - n, "k500: again\n");
    sloeval_error_clear(&err);
    ck_assert_int_eq(ytree_load(&f, &a, "big.yaml", big, strlen(big), &err), SLOEVAL_ECONFIG);
    ck_assert_str_eq(err.message, "big.yaml:1001:1: k500: duplicate key (first at line 501)");
    ck_assert_int_eq(err.line, 1001);
    ck_assert_int_eq(err.column, 1);
    arena_free(&a);
}
END_TEST

/* Over YTREE_MAX_NODES: a large plain file is "too large", and only a
 * document with aliases is told "once aliases are expanded" (a 15 MB
 * config without any alias was). */
START_TEST(test_ytree_too_large_message)
{
    arena a;
    arena_init(&a, 0);
    yfile f;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    size_t items = YTREE_MAX_NODES + 1, len = 0;
    char *flat = malloc(items * 2 + 8);
    ck_assert_ptr_nonnull(flat);
    flat[len++] = '[';
    for (size_t i = 0; i < items; i++) {
        flat[len++] = '0';
        flat[len++] = ',';
    }
    flat[len - 1] = ']';
    ck_assert_int_eq(ytree_load(&f, &a, "flat.yaml", flat, len, &err), SLOEVAL_ECONFIG);
    ck_assert_msg(strstr(err.message, "document too large: more than 1000000 nodes") != NULL, "%s",
                  err.message);
    ck_assert_msg(strstr(err.message, "alias") == NULL, "%s", err.message);
    free(flat);
    arena_free(&a);

    /* ten levels of ten aliases each: the expansion is too large */
    arena_init(&a, 0);
    char bomb[4096];
    size_t n = (size_t)snprintf(bomb, sizeof(bomb), "l0: &l0 [0,0,0,0,0,0,0,0,0,0]\n");
    for (int l = 1; l < 10; l++) {
        n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "l%d: &l%d [", l, l);
        for (int k = 0; k < 10; k++)
            n += (size_t)snprintf(bomb + n, sizeof(bomb) - n, "*l%d%s", l - 1, k < 9 ? "," : "]\n");
    }
    sloeval_error_clear(&err);
    ck_assert_int_eq(ytree_load(&f, &a, "bomb.yaml", bomb, n, &err), SLOEVAL_ECONFIG);
    ck_assert_msg(strstr(err.message, "nodes once aliases are expanded") != NULL, "%s",
                  err.message);
    arena_free(&a);
}
END_TEST

/* ---- golden error cases ----------------------------------------------------- */

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

START_TEST(test_golden_errors)
{
    /* the cases include each other by relative path */
    ck_assert_int_eq(chdir(GOLDEN_DIR), 0);
    DIR *d = opendir(".");
    ck_assert_ptr_nonnull(d);
    char *names[512];
    size_t n = 0, nerrors = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t len = strlen(e->d_name);
        if (len > 5 && !strcmp(e->d_name + len - 5, ".yaml")) {
            ck_assert_uint_lt(n, 512);
            names[n++] = strdup(e->d_name);
        }
        if (len > 6 && !strcmp(e->d_name + len - 6, ".error")) nerrors++;
    }
    closedir(d);
    qsort(names, n, sizeof(*names), cmp_str);
    ck_assert_uint_ge(n, 100);
    ck_assert_uint_eq(n, nerrors); /* every case has its expected error */
    for (size_t i = 0; i < n; i++) {
        size_t len;
        char *text = slurp(names[i], &len);
        ck_assert_ptr_nonnull(text);
        char expath[512];
        snprintf(expath, sizeof(expath), "%.*s.error", (int)(strlen(names[i]) - 5), names[i]);
        char *expected = slurp(expath, NULL);
        ck_assert_msg(expected != NULL, "%s: no .error file", names[i]);
        expected[strcspn(expected, "\n")] = '\0';

        sloeval_slo_set *set = NULL;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
        o.name = names[i];
        int rc = sloeval_slo_set_load_string(&set, text, len, &o, &err);
        ck_assert_msg(rc != 0, "%s: loaded, expected: %s", names[i], expected);
        ck_assert_ptr_null(set);
        ck_assert_msg(!strcmp(err.message, expected), "%s:\n  got:      %s\n  expected: %s",
                      names[i], err.message, expected);
        ck_assert_msg(rc == SLOEVAL_ECONFIG, "%s: code %d", names[i], rc);
        ck_assert_int_eq(err.code, rc);
        /* the message starts with FILE:LINE:COL of err->line/column */
        char prefix[600];
        snprintf(prefix, sizeof(prefix), "%s:%d:%d: ", names[i], err.line, err.column);
        ck_assert_msg(!strncmp(err.message, prefix, strlen(prefix)) ||
                          /* an include's error names the included file */
                          strstr(err.message, ".yaml:") != NULL,
                      "%s: position fields disagree with %s", names[i], err.message);
        ck_assert_ptr_null(strchr(err.message, '\n'));
        free(expected);
        free(text);
        free(names[i]);
    }
}
END_TEST

START_TEST(test_errors_never_show_secrets)
{
    /* values around secrets are never echoed back */
    const char *msg = load_error_of("backends:\n  global:\n    url: http://u:hunter2@prom:9090\n"
                                    "slos: []\n");
    ck_assert_ptr_null(strstr(msg, "hunter2"));
    ck_assert_ptr_nonnull(strstr(msg, "credentials"));
    msg = load_error_of(
        "backends:\n  global:\n    url: http://prom:9090\n    bearer_token: hunter2\n");
    ck_assert_ptr_null(strstr(msg, "hunter2"));
    msg = load_error_of("backends:\n  global:\n    url: http://prom:9090\n"
                        "    headers: {Authorization: Bearer hunter2}\n");
    ck_assert_ptr_null(strstr(msg, "hunter2"));
}
END_TEST

START_TEST(test_file_errors)
{
    sloeval_slo_set *set = (sloeval_slo_set *)1;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_slo_set_load_file(&set, "/nonexistent/slo.yaml", NULL, &err),
                     SLOEVAL_EIO);
    ck_assert_ptr_null(set);
    ck_assert_str_eq(err.message, "/nonexistent/slo.yaml: cannot open: No such file or directory");
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_slo_set_load_file(&set, SLOEVAL_SOURCE_DIR, NULL, &err), SLOEVAL_EIO);
    /* a huge file is refused before parsing */
    char path[] = "/tmp/sloeval-big-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(ftruncate(fd, (off_t)SLO_MAX_FILE_SIZE + 10), 0);
    close(fd);
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_slo_set_load_file(&set, path, NULL, &err), SLOEVAL_ELIMIT);
    unlink(path);
    /* options are checked */
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.version = 99;
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, "a: 1", 4, &o, &err), SLOEVAL_EINVAL);
    ck_assert_int_eq(sloeval_slo_set_load_string(NULL, "a: 1", 4, NULL, NULL), SLOEVAL_EINVAL);
    sloeval_slo_set_free(NULL);
}
END_TEST

/* ---- good configs --------------------------------------------------------- */

START_TEST(test_multi_region_example)
{
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, EXAMPLES_DIR "/multi-region.yaml", NULL, &err) ==
                      0,
                  "%s", err.message);
    ck_assert_int_eq(sloeval_slo_set_kind(set), SLOEVAL_SLO_FILE_CONFIG);
    ck_assert_uint_eq(sloeval_slo_set_file_count(set), 3);
    ck_assert_str_eq(sloeval_slo_set_file(set, 1), EXAMPLES_DIR "/sloth-spec.yaml");
    ck_assert_int_eq(sloeval_slo_set_period_ms(set), 30 * D_MS);
    ck_assert_int_eq(sloeval_slo_set_step_ms(set), M_MS);
    ck_assert_uint_eq(sloeval_slo_set_extra_matcher_count(set), 1);
    ck_assert_str_eq(sloeval_slo_set_extra_matcher(set, 0), "chaos!=\"true\"");
    ck_assert_ptr_null(sloeval_slo_set_extra_matcher(set, 1));

    /* backends, without secrets */
    ck_assert_uint_eq(sloeval_slo_set_backend_count(set), 3);
    const sloeval_slo_backend *g = sloeval_slo_set_backend(set, 2);
    ck_assert_str_eq(sloeval_slo_backend_name(g), "global");
    ck_assert_str_eq(sloeval_slo_backend_url(g), "https://thanos-query.monitoring.svc:10902");
    ck_assert_str_eq(sloeval_slo_backend_tenant(g), "team-checkout");
    ck_assert_int_eq(sloeval_slo_backend_auth(g), SLOEVAL_SLO_AUTH_BEARER);
    ck_assert_str_eq(sloeval_slo_backend_bearer_token_file(g), "/run/secrets/thanos-token");
    ck_assert_str_eq(sloeval_slo_backend_tls_ca_file(g), "/etc/ssl/certs/monitoring-ca.pem");
    ck_assert_int_eq(sloeval_slo_backend_timeout_ms(g), 30000);
    ck_assert_int_eq(sloeval_slo_backend_retries(g), 2);
    ck_assert_int_eq(sloeval_slo_backend_thanos(g), 1);
    ck_assert_int_eq(sloeval_slo_backend_thanos_partial_response(g), 0);
    ck_assert_int_eq(sloeval_slo_backend_thanos_dedup(g), 1);
    ck_assert_uint_eq(sloeval_slo_backend_thanos_replica_label_count(g), 2);
    ck_assert_str_eq(sloeval_slo_backend_thanos_replica_label(g, 1), "prometheus_replica");
    ck_assert_str_eq(sloeval_slo_backend_thanos_max_source_resolution(g), "auto");
    ck_assert_int_eq(sloeval_slo_backend_compat(g), SLOEVAL_COMPAT_AUTO);
    const sloeval_slo_backend *eu = sloeval_slo_set_backend(set, 1);
    ck_assert_int_eq(sloeval_slo_backend_auth(eu), SLOEVAL_SLO_AUTH_BASIC);
    ck_assert_str_eq(sloeval_slo_backend_basic_username(eu), "sloeval");
    ck_assert_int_eq(sloeval_slo_backend_timeout_ms(eu), 20000);
    ck_assert_int_eq(sloeval_slo_backend_thanos(eu), 0);
    ck_assert_int_eq(sloeval_slo_backend_thanos_dedup(eu), -1);
    ck_assert_int_eq(sloeval_slo_backend_compression(eu), 1);
    /* the internal view is ready for sloeval_source_new_prometheus() */
    const slo_backend *gb = slo_config_backend(slo_set_config(set), "global");
    ck_assert_str_eq(gb->http.url, sloeval_slo_backend_url(g));
    ck_assert_str_eq(gb->http.tenant, "team-checkout");
    ck_assert_int_eq(gb->http.version, SLOEVAL_PROMETHEUS_OPTIONS_VERSION);
    ck_assert_int_eq(gb->http.dedup, 1);
    int line = 0;
    sloeval_slo_backend_location(sloeval_slo_set_backend(set, 0), &line, NULL);
    ck_assert_int_eq(line, 5);
    ck_assert_ptr_null(sloeval_slo_set_backend(set, 3));

    /* regions: own backends, or global with injection */
    ck_assert_str_eq(sloeval_slo_set_region_label(set), "region");
    ck_assert_uint_eq(sloeval_slo_set_region_count(set), 3);
    ck_assert_str_eq(sloeval_slo_region_backend(sloeval_slo_set_region(set, 0)), "us-east-1");
    ck_assert_int_eq(sloeval_slo_region_injected(sloeval_slo_set_region(set, 0)), 0);
    ck_assert_str_eq(sloeval_slo_region_name(sloeval_slo_set_region(set, 2)), "ap-south-1");
    ck_assert_str_eq(sloeval_slo_region_backend(sloeval_slo_set_region(set, 2)), "global");
    ck_assert_int_eq(sloeval_slo_region_injected(sloeval_slo_set_region(set, 2)), 1);

    /* policy */
    ck_assert_str_eq(sloeval_slo_set_policy_name(set), "sre-workbook");
    ck_assert_uint_eq(sloeval_slo_set_policy_rule_count(set), 4);
    ck_assert(sloeval_slo_policy_rule_factor(sloeval_slo_set_policy_rule(set, 0)) == 14.4);
    size_t nw = sloeval_slo_set_window_count(set);
    ck_assert_uint_eq(nw, 7);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 0), 5 * M_MS);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 6), 3 * D_MS);

    /* SLOs: three of the config, two of the Sloth spec it includes */
    ck_assert_uint_eq(sloeval_slo_set_slo_count(set), 5);
    const sloeval_slo *s = sloeval_slo_set_slo(set, 0);
    ck_assert_str_eq(sloeval_slo_id(s), "checkout-availability");
    ck_assert_str_eq(sloeval_slo_service(s), "checkout");
    ck_assert(sloeval_slo_objective(s) == 99.9);
    ck_assert(sloeval_slo_error_budget(s) == 0.001);
    ck_assert_str_eq(sloeval_slo_objective_text(s), "99.9");
    ck_assert_int_eq(sloeval_slo_sli_kind(s), SLOEVAL_SLO_SLI_EVENTS);
    ck_assert_uint_eq(sloeval_slo_scopes(s), SLOEVAL_SLO_SCOPE_REGION | SLOEVAL_SLO_SCOPE_GLOBAL);
    ck_assert_uint_eq(sloeval_slo_label_count(s), 2);
    ck_assert_str_eq(sloeval_slo_label(s, 1)->name, "tier");
    ck_assert_str_eq(sloeval_slo_label(s, 1)->value, "1");
    ck_assert_int_eq(sloeval_slo_origin_of(s), SLOEVAL_SLO_ORIGIN_CONFIG);
    char q[512];
    size_t qn = sloeval_slo_render_query(q, sizeof(q), sloeval_slo_set_slo(set, 0),
                                         SLOEVAL_SLO_QUERY_TOTAL, 5 * M_MS);
    ck_assert_str_eq(q, "sum(rate(http_requests_total{job=\"checkout\"}[5m]))");
    ck_assert_uint_eq(qn, strlen(q));
    ck_assert_uint_eq(sloeval_slo_render_query(q, sizeof(q), sloeval_slo_set_slo(set, 0),
                                               SLOEVAL_SLO_QUERY_RATIO, H_MS),
                      0);
    ck_assert_str_eq(q, "");
    const sloeval_slo *lat = sloeval_slo_set_find_slo(set, "checkout-latency");
    ck_assert_ptr_nonnull(lat);
    ck_assert_uint_eq(sloeval_slo_scopes(lat), SLOEVAL_SLO_SCOPE_GLOBAL);
    ck_assert_uint_eq(sloeval_slo_disabled_severity_count(lat), 1);
    ck_assert_str_eq(sloeval_slo_disabled_severity(lat, 0), "ticket");
    const sloeval_slo *search = sloeval_slo_set_find_slo(set, "search-availability");
    ck_assert_int_eq(sloeval_slo_sli_kind(search), SLOEVAL_SLO_SLI_RATIO);
    ck_assert(sloeval_slo_error_budget(search) == 0.005);
    const sloeval_slo *sloth = sloeval_slo_set_find_slo(set, "myservice-requests-availability");
    ck_assert_int_eq(sloeval_slo_origin_of(sloth), SLOEVAL_SLO_ORIGIN_SLOTH);
    ck_assert_uint_eq(sloeval_slo_scopes(sloth),
                      SLOEVAL_SLO_SCOPE_REGION | SLOEVAL_SLO_SCOPE_GLOBAL);
    ck_assert_ptr_null(sloeval_slo_set_find_slo(set, "nope"));

    /* alerts: two of the config, two of the rule file (global scope by include) */
    ck_assert_uint_eq(sloeval_slo_set_alert_count(set), 4);
    const sloeval_slo_alert *a = sloeval_slo_set_alert(set, 0);
    ck_assert_str_eq(sloeval_slo_alert_name(a), "CheckoutDown");
    ck_assert_int_eq(sloeval_slo_alert_for_ms(a), 5 * M_MS);
    ck_assert_int_eq(sloeval_slo_alert_step_ms(a), M_MS);
    ck_assert_uint_eq(sloeval_slo_alert_scopes(a), SLOEVAL_SLO_SCOPE_REGION);
    ck_assert_str_eq(sloeval_slo_alert_annotation(a, 0)->value,
                     "No checkout instance is up in {{ $labels.region }}.");
    const sloeval_slo_alert *r = sloeval_slo_set_alert(set, 2);
    ck_assert_str_eq(sloeval_slo_alert_name(r), "CheckoutHighLatency");
    ck_assert_str_eq(sloeval_slo_alert_group(r), "checkout.rules");
    ck_assert_int_eq(sloeval_slo_alert_step_ms(r), 30000); /* the group's interval */
    ck_assert_uint_eq(sloeval_slo_alert_scopes(r), SLOEVAL_SLO_SCOPE_GLOBAL);
    ck_assert_int_eq(sloeval_slo_alert_origin(r), SLOEVAL_SLO_ORIGIN_RULES);
    ck_assert_uint_eq(sloeval_slo_set_skipped_records(set), 1);

    /* every backend's options are what the HTTP source accepts */
    ck_assert_int_eq(sloeval_global_init(), 0);
    for (size_t i = 0; i < slo_set_config(set)->nbackends; i++) {
        sloeval_source *src = NULL;
        sloeval_error serr = SLOEVAL_ERROR_INIT;
        ck_assert_msg(
            sloeval_source_new_prometheus(&src, &slo_set_config(set)->backends[i].http, &serr) == 0,
            "%s", serr.message);
        src->vt->destroy(src);
    }
    sloeval_global_cleanup();

    /* routes, as evaluation will use them */
    const slo_config *cfg = slo_set_config(set);
    arena ra;
    arena_init(&ra, 0);
    slo_route route;
    ck_assert_int_eq(slo_config_route(&route, cfg, "us-east-1", &ra, &err), 0);
    ck_assert_uint_eq(route.nbackends, 1);
    ck_assert_str_eq(route.backends[0]->name, "us-east-1");
    ck_assert(!route.has_inject);
    ck_assert_int_eq(slo_config_route(&route, cfg, "ap-south-1", &ra, &err), 0);
    ck_assert_str_eq(route.backends[0]->name, "global");
    ck_assert(route.has_inject);
    ck_assert(strv_eq_cstr(route.inject.name, "region"));
    ck_assert(strv_eq_cstr(route.inject.value, "ap-south-1"));
    ck_assert_int_eq(route.inject.type, MATCH_EQUAL);
    ck_assert_int_eq(slo_config_route(&route, cfg, NULL, &ra, &err), 0);
    ck_assert_str_eq(route.backends[0]->name, "global");
    ck_assert(!route.fanout);
    ck_assert_int_eq(slo_config_route(&route, cfg, "mars-1", &ra, &err), SLOEVAL_EINVAL);
    arena_free(&ra);
    sloeval_slo_set_free(set);
}
END_TEST

START_TEST(test_fanout_without_global)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = load_str("backends:\n"
                                    "  us: {url: 'http://prom-us:9090/'}\n"
                                    "  eu: {url: 'http://prom-eu:9090/prometheus//'}\n"
                                    "regions: {names: [us, eu], label: dc}\n"
                                    "alerts:\n"
                                    "  - {name: Down, expr: up == 0}\n",
                                    &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    ck_assert_str_eq(sloeval_slo_backend_url(sloeval_slo_set_backend(set, 0)),
                     "http://prom-us:9090");
    ck_assert_str_eq(sloeval_slo_backend_url(sloeval_slo_set_backend(set, 1)),
                     "http://prom-eu:9090/prometheus");
    ck_assert_str_eq(sloeval_slo_set_region_label(set), "dc");
    /* default scopes with regions: both */
    ck_assert_uint_eq(sloeval_slo_alert_scopes(sloeval_slo_set_alert(set, 0)), 3);
    arena ra;
    arena_init(&ra, 0);
    slo_route route;
    ck_assert_int_eq(slo_config_route(&route, slo_set_config(set), NULL, &ra, &err), 0);
    ck_assert(route.fanout);
    ck_assert_uint_eq(route.nbackends, 2);
    ck_assert_str_eq(route.backends[0]->name, "us");
    ck_assert_str_eq(route.backends[1]->name, "eu");
    ck_assert(!route.has_inject);
    arena_free(&ra);
    sloeval_slo_set_free(set);
}
END_TEST

static const char *const yaml_config =
    "backends:\n"
    "  global:\n"
    "    url: http://prom:9090\n"
    "    headers: {X-Team: payments}\n"
    "    basic_auth: {username: u, password_env: PROM_PASSWORD}\n"
    "    compat: v2\n"
    "    max_response_bytes: 64MiB\n"
    "    parallelism: 4\n"
    "    compression: false\n"
    "    connect_timeout: 2s\n"
    "    total_timeout: 5m\n"
    "    retry_backoff: 100ms\n"
    "period: 28d\n"
    "policy:\n"
    "  - {severity: page, long: 1h, short: 5m, factor: 13.44}\n"
    "  - {severity: notify, long: 1d, short: 2h, budget_percent: 10}\n"
    "evaluation: {step: 30s}\n"
    "extra_matchers: ['env=\"prod\"', 'chaos!=\"true\"']\n"
    "slos:\n"
    "  - name: api\n"
    "    objective: 99.95\n"
    "    sli:\n"
    "      error_ratio_query: sum(rate(e[{{window}}])) / sum(rate(t[{{window}}]))\n"
    "    disable: [notify]\n"
    "alerts:\n"
    "  - name: Down\n"
    "    expr: up == 0\n"
    "    for: 2m\n"
    "    keep_firing_for: 10m\n"
    "    step: 15s\n";

static const char *const json_config =
    "{\n"
    "  \"backends\": {\"global\": {\"url\": \"http://prom:9090\", \"headers\": {\"X-Team\": "
    "\"payments\"},\n"
    "     \"basic_auth\": {\"username\": \"u\", \"password_env\": \"PROM_PASSWORD\"},\n"
    "     \"compat\": \"v2\", \"max_response_bytes\": \"64MiB\", \"parallelism\": 4, "
    "\"compression\": false,\n"
    "     \"connect_timeout\": \"2s\", \"total_timeout\": \"5m\", \"retry_backoff\": \"100ms\"}},\n"
    "  \"period\": \"28d\",\n"
    "  \"policy\": [{\"severity\": \"page\", \"long\": \"1h\", \"short\": \"5m\", \"factor\": "
    "13.44},\n"
    "             {\"severity\": \"notify\", \"long\": \"1d\", \"short\": \"2h\", "
    "\"budget_percent\": 10}],\n"
    "  \"evaluation\": {\"step\": \"30s\"},\n"
    "  \"extra_matchers\": [\"env=\\\"prod\\\"\", \"chaos!=\\\"true\\\"\"],\n"
    "  \"slos\": [{\"name\": \"api\", \"objective\": 99.95,\n"
    "    \"sli\": {\"error_ratio_query\": \"sum(rate(e[{{window}}])) / "
    "sum(rate(t[{{window}}]))\"},\n"
    "    \"disable\": [\"notify\"]}],\n"
    "  \"alerts\": [{\"name\":\"Down\",\"expr\":\"up == 0\",\"for\":\"2m\","
    "\"keep_firing_for\":\"10m\",\"step\":\"15s\"}]\n"
    "}\n";

static void check_same_config(const sloeval_slo_set *set)
{
    const sloeval_slo_backend *b = sloeval_slo_set_backend(set, 0);
    ck_assert_uint_eq(sloeval_slo_backend_header_count(b), 1);
    ck_assert_str_eq(sloeval_slo_backend_header_name(b, 0), "X-Team");
    ck_assert_int_eq(sloeval_slo_backend_auth(b), SLOEVAL_SLO_AUTH_BASIC);
    ck_assert_str_eq(sloeval_slo_backend_basic_password_env(b), "PROM_PASSWORD");
    ck_assert_int_eq(sloeval_slo_backend_compat(b), SLOEVAL_COMPAT_V2);
    ck_assert_uint_eq(sloeval_slo_backend_max_response_bytes(b), 64u << 20);
    ck_assert_int_eq(sloeval_slo_backend_parallelism(b), 4);
    ck_assert_int_eq(sloeval_slo_backend_compression(b), 0);
    ck_assert_int_eq(slo_set_config(set)->backends[0].http.disable_compression, 1);
    ck_assert_int_eq(sloeval_slo_backend_connect_timeout_ms(b), 2000);
    ck_assert_int_eq(sloeval_slo_backend_total_timeout_ms(b), 300000);
    ck_assert_int_eq(sloeval_slo_backend_retry_backoff_ms(b), 100);
    /* unset options keep the HTTP source's defaults */
    sloeval_prometheus_options def = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    ck_assert_int_eq(sloeval_slo_backend_timeout_ms(b), def.timeout_ms);
    ck_assert_int_eq(sloeval_slo_backend_retries(b), def.max_retries);
    ck_assert_int_eq(sloeval_slo_backend_retry_backoff_max_ms(b), def.retry_backoff_max_ms);
    ck_assert_int_eq(sloeval_slo_backend_thanos_dedup(b), -1);
    ck_assert_int_eq(sloeval_slo_set_period_ms(set), 28 * D_MS);
    ck_assert_int_eq(sloeval_slo_set_step_ms(set), 30000);
    ck_assert_str_eq(sloeval_slo_set_policy_name(set), "custom");
    ck_assert_uint_eq(sloeval_slo_set_policy_rule_count(set), 2);
    const sloeval_slo_policy_rule *p = sloeval_slo_set_policy_rule(set, 0);
    ck_assert(sloeval_slo_policy_rule_factor(p) == 13.44);
    ck_assert_msg(fabs(sloeval_slo_policy_rule_budget_percent(p) - 2) < 1e-12, "%.17g",
                  sloeval_slo_policy_rule_budget_percent(p));
    p = sloeval_slo_set_policy_rule(set, 1);
    ck_assert_str_eq(sloeval_slo_policy_rule_severity(p), "notify");
    ck_assert(sloeval_slo_policy_rule_factor(p) == 2.8);
    size_t nw = sloeval_slo_set_window_count(set);
    ck_assert_uint_eq(nw, 4);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 0), 5 * M_MS);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 1), H_MS);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 2), 2 * H_MS);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 3), D_MS);
    ck_assert_uint_eq(sloeval_slo_set_extra_matcher_count(set), 2);
    ck_assert_str_eq(sloeval_slo_set_extra_matcher(set, 0), "env=\"prod\"");
    /* parsed, ready to inject */
    const slo_matcher *m = &slo_set_config(set)->extra_matchers[1];
    ck_assert(m->parsed);
    ck_assert_int_eq(m->matcher.type, MATCH_NOT_EQUAL);
    ck_assert(strv_eq_cstr(m->matcher.name, "chaos"));
    ck_assert(strv_eq_cstr(m->matcher.value, "true"));
    const sloeval_slo *s = sloeval_slo_set_slo(set, 0);
    ck_assert(sloeval_slo_error_budget(s) == 0.0005);
    ck_assert_str_eq(sloeval_slo_disabled_severity(s, 0), "notify");
    ck_assert_uint_eq(sloeval_slo_scopes(s), SLOEVAL_SLO_SCOPE_GLOBAL); /* no regions: global */
    char q[256];
    sloeval_slo_render_query(q, sizeof(q), sloeval_slo_set_slo(set, 0), SLOEVAL_SLO_QUERY_RATIO,
                             28 * D_MS);
    ck_assert_str_eq(q, "sum(rate(e[4w])) / sum(rate(t[4w]))");
    const sloeval_slo_alert *a = sloeval_slo_set_alert(set, 0);
    ck_assert_int_eq(sloeval_slo_alert_for_ms(a), 2 * M_MS);
    ck_assert_int_eq(sloeval_slo_alert_keep_firing_for_ms(a), 10 * M_MS);
    ck_assert_int_eq(sloeval_slo_alert_step_ms(a), 15000);
    ck_assert_ptr_null(sloeval_slo_set_region_label(set));
}

START_TEST(test_json_equals_yaml)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *y = load_str(yaml_config, &err);
    ck_assert_msg(y != NULL, "%s", err.message);
    check_same_config(y);
    sloeval_slo_set *j = load_str(json_config, &err);
    ck_assert_msg(j != NULL, "%s", err.message);
    check_same_config(j);
    sloeval_slo_set_free(y);
    sloeval_slo_set_free(j);
}
END_TEST

START_TEST(test_merge_keys_in_config)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = load_str("x-common: &common\n"
                                    "  timeout: 45s\n"
                                    "  retries: 4\n"
                                    "backends:\n"
                                    "  us: {<<: *common, url: 'http://prom-us:9090'}\n"
                                    "  eu: {<<: *common, url: 'http://prom-eu:9090', retries: 0}\n"
                                    "regions: {names: [us, eu]}\n"
                                    "alerts: [{name: Down, expr: up == 0}]\n",
                                    &err);
    /* an unknown top-level key, even as an anchor holder, is an error */
    ck_assert_ptr_null(set);
    ck_assert_str_eq(err.message, "test.yaml:1:1: x-common: unknown key");
    set = load_str("backends:\n"
                   "  us: &common {url: 'http://prom-us:9090', timeout: 45s, retries: 4}\n"
                   "  eu: {<<: *common, url: 'http://prom-eu:9090', retries: 0}\n"
                   "regions: {names: [us, eu]}\n"
                   "alerts: [{name: Down, expr: up == 0}]\n",
                   &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    const sloeval_slo_backend *eu = sloeval_slo_set_backend(set, 1);
    ck_assert_str_eq(sloeval_slo_backend_url(eu), "http://prom-eu:9090");
    ck_assert_int_eq(sloeval_slo_backend_timeout_ms(eu), 45000);
    ck_assert_int_eq(sloeval_slo_backend_retries(eu), 0);
    sloeval_slo_set_free(set);
}
END_TEST

START_TEST(test_sloth_spec)
{
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, EXAMPLES_DIR "/sloth-spec.yaml", NULL, &err) == 0,
                  "%s", err.message);
    ck_assert_int_eq(sloeval_slo_set_kind(set), SLOEVAL_SLO_FILE_SLOTH);
    ck_assert_uint_eq(sloeval_slo_set_backend_count(set), 0);
    ck_assert_int_eq(sloeval_slo_set_period_ms(set), 30 * D_MS);
    ck_assert_str_eq(sloeval_slo_set_policy_name(set), "sre-workbook");
    ck_assert_uint_eq(sloeval_slo_set_slo_count(set), 2);
    const sloeval_slo *s = sloeval_slo_set_slo(set, 0);
    ck_assert_str_eq(sloeval_slo_id(s), "myservice-requests-availability");
    ck_assert_str_eq(sloeval_slo_name(s), "requests-availability");
    ck_assert_str_eq(sloeval_slo_service(s), "myservice");
    ck_assert_str_eq(sloeval_slo_description(s),
                     "Common SLO based on availability for HTTP request responses.");
    ck_assert_str_eq(sloeval_slo_alerting_name(s), "MyServiceHighErrorRate");
    ck_assert_uint_eq(sloeval_slo_scopes(s), SLOEVAL_SLO_SCOPE_GLOBAL);
    /* spec labels, then the SLO's */
    ck_assert_uint_eq(sloeval_slo_label_count(s), 4);
    ck_assert_str_eq(sloeval_slo_label(s, 0)->name, "owner");
    ck_assert_str_eq(sloeval_slo_label(s, 3)->name, "category");
    ck_assert_uint_eq(sloeval_slo_disabled_severity_count(s), 0);
    char q[512];
    sloeval_slo_render_query(q, sizeof(q), sloeval_slo_set_slo(set, 0), SLOEVAL_SLO_QUERY_ERROR,
                             30 * M_MS);
    ck_assert_str_eq(q,
                     "sum(rate(http_request_duration_seconds_count{job=\"myservice\",code=~\"(5.."
                     "|429)\"}[30m]))");
    const sloeval_slo *lat = sloeval_slo_set_slo(set, 1);
    ck_assert_int_eq(sloeval_slo_sli_kind(lat), SLOEVAL_SLO_SLI_RATIO);
    ck_assert_uint_eq(sloeval_slo_disabled_severity_count(lat), 2);
    ck_assert_ptr_null(sloeval_slo_alerting_name(lat));
    /* page metadata: alerting labels merged with page_alert's */
    const slo_def *d = &slo_set_config(set)->slos[0];
    ck_assert_uint_eq(d->nseverities, 2);
    ck_assert_str_eq(d->severities[0].severity, "page");
    ck_assert_str_eq(slo_kvs_get(&d->severities[0].labels, "severity"), "pageteam");
    ck_assert_str_eq(slo_kvs_get(&d->severities[0].labels, "category"), "availability");
    ck_assert_str_eq(slo_kvs_get(&d->severities[1].labels, "slack_channel"), "#alerts-myteam");
    ck_assert_str_eq(slo_kvs_get(&d->severities[1].annotations, "summary"),
                     "High error rate on 'myservice' requests responses");
    /* the route for a set without backends is a clear error */
    arena ra;
    arena_init(&ra, 0);
    slo_route route;
    ck_assert_int_eq(slo_config_route(&route, slo_set_config(set), NULL, &ra, &err),
                     SLOEVAL_ECONFIG);
    arena_free(&ra);
    sloeval_slo_set_free(set);
}
END_TEST

START_TEST(test_sloth_multi_document)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set =
        load_str("version: prometheus/v1\n"
                 "service: svc-a\n"
                 "slos:\n"
                 "  - name: avail\n"
                 "    objective: 99.5\n"
                 "    sli: {raw: {error_ratio_query: "
                 "'sum(rate(e[{{.window}}]))/sum(rate(t[{{.window}}]))'}}\n"
                 "    alerting: {page_alert: {disable: true}, ticket_alert: {disable: true}}\n"
                 "---\n"
                 "version: prometheus/v1\n"
                 "service: svc-b\n"
                 "slos:\n"
                 "  - name: avail\n"
                 "    objective: 99.5\n"
                 "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{ .window "
                 "}}]))/sum(rate(t[{{.window}}]))'}}\n"
                 "    alerting: {name: SvcB}\n"
                 "---\n",
                 &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    ck_assert_uint_eq(sloeval_slo_set_slo_count(set), 2);
    ck_assert_str_eq(sloeval_slo_id(sloeval_slo_set_slo(set, 0)), "svc-a-avail");
    ck_assert_str_eq(sloeval_slo_id(sloeval_slo_set_slo(set, 1)), "svc-b-avail");
    int line = 0;
    sloeval_slo_location(sloeval_slo_set_slo(set, 1), &line, NULL);
    ck_assert_int_eq(line, 12);
    sloeval_slo_set_free(set);
    /* forcing a kind: a rule file read as a Sloth spec fails (Sloth ignores
     * the unknown key, and the spec has no version) */
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.kind = SLOEVAL_SLO_FILE_SLOTH;
    o.name = "r.yaml";
    const char *rules = "groups: []\n";
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, rules, strlen(rules), &o, &err),
                     SLOEVAL_ECONFIG);
    ck_assert_str_eq(err.message, "r.yaml:1:1: missing required key 'version'");
}
END_TEST

START_TEST(test_rule_file)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = load_str("groups:\n"
                                    "  - name: a\n"
                                    "    interval: 2m\n"
                                    "    query_offset: 1m\n"
                                    "    limit: 10\n"
                                    "    labels: {team: x, tier: '1'}\n"
                                    "    rules:\n"
                                    "      - record: job:up:sum\n"
                                    "        expr: sum by (job) (up)\n"
                                    "        labels: {k: v}\n"
                                    "      - alert: Down\n"
                                    "        expr: up == 0\n"
                                    "        for: 5m\n"
                                    "        keep_firing_for: 1m\n"
                                    "        labels: {tier: '2', severity: page}\n"
                                    "        annotations: {summary: '{{ $labels.job }} down'}\n"
                                    "  - name: b\n"
                                    "    rules:\n"
                                    "      - alert: Down\n"
                                    "        expr: up{job=\"x\"} == 0\n"
                                    "  - name: empty\n",
                                    &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    ck_assert_int_eq(sloeval_slo_set_kind(set), SLOEVAL_SLO_FILE_RULES);
    ck_assert_uint_eq(sloeval_slo_set_skipped_records(set), 1);
    ck_assert_uint_eq(sloeval_slo_set_alert_count(set), 2); /* same name in two groups is fine */
    const sloeval_slo_alert *a = sloeval_slo_set_alert(set, 0);
    ck_assert_str_eq(sloeval_slo_alert_group(a), "a");
    ck_assert_int_eq(sloeval_slo_alert_step_ms(a), 2 * M_MS);
    ck_assert_int_eq(sloeval_slo_alert_query_offset_ms(a), M_MS);
    ck_assert_int_eq(sloeval_slo_alert_for_ms(a), 5 * M_MS);
    ck_assert_int_eq(sloeval_slo_alert_keep_firing_for_ms(a), M_MS);
    ck_assert_uint_eq(sloeval_slo_alert_label_count(a), 3);
    const slo_alert *sa = &slo_set_config(set)->alerts[0];
    ck_assert_str_eq(slo_kvs_get(&sa->labels, "tier"), "2"); /* the rule's label wins */
    ck_assert_str_eq(slo_kvs_get(&sa->labels, "team"), "x");
    ck_assert_str_eq(sloeval_slo_alert_annotation(a, 0)->value, "{{ $labels.job }} down");
    int line = 0, column = 0;
    sloeval_slo_alert_location(a, &line, &column);
    ck_assert_int_eq(line, 11);
    ck_assert_int_eq(column, 9);
    const sloeval_slo_alert *b = sloeval_slo_set_alert(set, 1);
    ck_assert_int_eq(sloeval_slo_alert_step_ms(b), M_MS); /* evaluation.step default */
    ck_assert_int_eq(sloeval_slo_alert_for_ms(b), 0);
    sloeval_slo_set_free(set);
}
END_TEST

START_TEST(test_objective_budgets)
{
    static const struct {
        const char *text;
        double budget;
    } cases[] = {
        {"99.9", 0.001},  {"99.95", 0.0005}, {"99", 0.01},      {"99.99", 0.0001},
        {"99.999", 1e-5}, {"95", 0.05},      {"50", 0.5},       {"1", 0.99},
        {"99.5", 0.005},  {"99.0", 0.01},    {"9.99e1", 0.001},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char text[512];
        snprintf(text, sizeof(text),
                 "backends: {global: {url: 'http://p:9090'}}\n"
                 "slos:\n"
                 "  - name: x\n"
                 "    objective: %s\n"
                 "    sli: {error_ratio_query: 'sum(rate(e[{{window}}]))'}\n",
                 cases[i].text);
        sloeval_error err = SLOEVAL_ERROR_INIT;
        sloeval_slo_set *set = load_str(text, &err);
        ck_assert_msg(set != NULL, "%s: %s", cases[i].text, err.message);
        double b = sloeval_slo_error_budget(sloeval_slo_set_slo(set, 0));
        ck_assert_msg(b == cases[i].budget, "%s: budget %.17g, expected %.17g", cases[i].text, b,
                      cases[i].budget);
        sloeval_slo_set_free(set);
    }
}
END_TEST

START_TEST(test_include_from_string)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = NULL;
    const char *text = "backends: {global: {url: 'http://p:9090'}}\n"
                       "include: ['*.yaml']\n";
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.base_dir = EXAMPLES_DIR;
    /* the glob also matches multi-region.yaml, a config: refused */
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, text, strlen(text), &o, &err),
                     SLOEVAL_ECONFIG);
    ck_assert_ptr_nonnull(strstr(err.message, "multi-region.yaml:4:1: an included file must be"));
    text = "backends: {global: {url: 'http://p:9090'}}\n"
           "include: ['rules.y*ml', {path: sloth-spec.yaml, scopes: global}]\n";
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, text, strlen(text), &o, &err), 0);
    ck_assert_uint_eq(sloeval_slo_set_alert_count(set), 2);
    ck_assert_uint_eq(sloeval_slo_set_slo_count(set), 2);
    ck_assert_str_eq(sloeval_slo_set_file(set, 0), "<string>");
    ck_assert_str_eq(sloeval_slo_set_file(set, 1), EXAMPLES_DIR "/rules.yaml");
    sloeval_slo_set_free(set);
}
END_TEST

/* Damaged configs fail with a positioned one-line error, never a crash. */
START_TEST(test_mutations_never_crash)
{
    static const char *const files[] = {EXAMPLES_DIR "/multi-region.yaml",
                                        EXAMPLES_DIR "/sloth-spec.yaml",
                                        EXAMPLES_DIR "/rules.yaml"};
    static const char alphabet[] = "{}[]:,-&*!|>'\"#%@`\n\t 0aZ.<";
    uint64_t seed = 0x5eed5eedULL;
    size_t loaded = 0, failed = 0;
    for (size_t f = 0; f < 3; f++) {
        size_t len;
        char *orig = slurp(files[f], &len);
        ck_assert_ptr_nonnull(orig);
        /* includes resolve against examples/, so they may load too */
        for (int round = 0; round < 700; round++) {
            char *text = malloc(len + 8);
            memcpy(text, orig, len);
            size_t n = len;
            int edits = 1 + round % 4;
            for (int e = 0; e < edits; e++) {
                seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
                size_t at = (size_t)(seed >> 33) % (n ? n : 1);
                unsigned kind = (unsigned)(seed >> 13) % 4;
                char c = alphabet[(seed >> 21) % (sizeof(alphabet) - 1)];
                if (kind == 0 && n > 0) {
                    text[at] = c; /* replace */
                } else if (kind == 1 && n > 0) {
                    memmove(text + at, text + at + 1, n - at - 1); /* delete */
                    n--;
                } else if (kind == 2 && n < len + 4) {
                    memmove(text + at + 1, text + at, n - at); /* insert */
                    text[at] = c;
                    n++;
                } else {
                    n = at; /* truncate */
                }
            }
            sloeval_slo_set *set = NULL;
            sloeval_error err = SLOEVAL_ERROR_INIT;
            sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
            o.name = "m.yaml";
            o.base_dir = EXAMPLES_DIR;
            int rc = sloeval_slo_set_load_string(&set, text, n, &o, &err);
            if (rc == 0) {
                loaded++;
                /* whatever loaded can be inspected */
                for (size_t i = 0; i < sloeval_slo_set_slo_count(set); i++) {
                    char q[64];
                    sloeval_slo_render_query(q, sizeof(q), sloeval_slo_set_slo(set, i),
                                             SLOEVAL_SLO_QUERY_ERROR, H_MS);
                    ck_assert_ptr_nonnull(sloeval_slo_id(sloeval_slo_set_slo(set, i)));
                }
                sloeval_slo_set_free(set);
            } else {
                failed++;
                ck_assert_msg(rc == SLOEVAL_ECONFIG || rc == SLOEVAL_EIO, "rc %d: %s", rc,
                              err.message);
                ck_assert_ptr_null(set);
                ck_assert_ptr_null(strchr(err.message, '\n'));
                ck_assert_msg(err.message[0] != '\0', "empty message");
                if (rc == SLOEVAL_ECONFIG) ck_assert_int_gt(err.line, 0);
            }
            free(text);
        }
        free(orig);
    }
    ck_assert_uint_gt(failed, 1000); /* the mutations do break things */
    ck_assert_uint_gt(loaded, 10);   /* and some are harmless */
}
END_TEST

START_TEST(test_queries_either_grammar)
{
    /* a query one Prometheus version accepts may be meant for a server of
     * that version: 3.x's quoted metric names, 2.x's holt_winters */
    static const char *const queries[] = {
        "sum(rate({\"http.requests.errors\"}[{{window}}]))",
        "holt_winters(sum(rate(errors_total[{{window}}]))[1h:], 0.5, 0.5)",
        "sum_over_time(errors:rate5m[{{window}}:1m]) / 60",
        "vector(0)",
    };
    for (size_t i = 0; i < sizeof(queries) / sizeof(queries[0]); i++) {
        for (int v2 = 0; v2 < 2; v2++) {
            char text[1024];
            snprintf(text, sizeof(text),
                     "backends: {global: {url: 'http://p:9090', compat: %s}}\n"
                     "slos:\n"
                     "  - name: x\n"
                     "    objective: 99\n"
                     "    sli:\n"
                     "      error_query: '%s'\n"
                     "      total_query: 'sum(rate(requests_total[{{window}}]))'\n",
                     v2 ? "v2" : "v3", queries[i]);
            sloeval_error err = SLOEVAL_ERROR_INIT;
            sloeval_slo_set *set = load_str(text, &err);
            if (i == 3) { /* no placeholder */
                ck_assert_ptr_null(set);
                ck_assert_ptr_nonnull(strstr(err.message, "placeholder"));
                continue;
            }
            ck_assert_msg(set != NULL, "%s: %s", queries[i], err.message);
            sloeval_slo_set_free(set);
        }
    }
    /* an error names the grammar of the backends: v2's message for v2 */
    const char *msg = load_error_of("backends: {global: {url: 'http://p:9090', compat: v2}}\n"
                                    "alerts: [{name: A, expr: 'sum(up) by ('}]\n");
    ck_assert_ptr_nonnull(strstr(msg, "test.yaml:2:"));
    ck_assert_ptr_nonnull(strstr(msg, "alerts[0].expr: parse error: "));
}
END_TEST

/* The loader keeps what evaluation runs: every SLI template rendered for
 * every window (the policy's, then the period) and every alert's expr,
 * parsed for each grammar the scopes' backends speak, so that `check`
 * parses nothing. */
START_TEST(test_queries_parsed_at_load)
{
    const char *text = "backends:\n"
                       "  global: {url: 'http://g:9090'}\n"
                       "  old: {url: 'http://o:9090', compat: v2}\n"
                       "regions: {names: [old, other]}\n"
                       "period: 28d\n"
                       "slos:\n"
                       "  - name: x\n"
                       "    objective: 99.9\n"
                       "    sli:\n"
                       "      error_query: 'sum(rate({\"a.b\"}[{{window}}]))'\n"
                       "      total_query: 'sum(rate(t[{{window}}]))'\n"
                       "  - name: r\n"
                       "    objective: 99\n"
                       "    sli: {error_ratio_query: 'holt_winters(e[{{window}}], 0.5, 0.5)'}\n"
                       "alerts: [{name: A, expr: 'up == 0'}]\n";
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = load_str(text, &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    const slo_config *c = slo_set_config(set);
    /* region `old` speaks v2, `other` and the global scope v3 */
    ck_assert_uint_eq(c->grammars, (1u << SLO_GRAMMAR_V2) | (1u << SLO_GRAMMAR_V3));
    ck_assert_uint_eq(c->nwindows, c->policy.nwindows + 1);
    ck_assert_int_eq(c->windows[c->nwindows - 1], 28 * D_MS);
    for (size_t w = 0; w < c->nwindows; w++) {
        char win[64], want[96];
        promql_duration_format(win, sizeof(win), c->windows[w]);
        for (int k = 0; k < 2; k++) {
            const slo_parsed *q = slo_def_query(&c->slos[0], w, k ? SLO_Q_TOTAL : SLO_Q_ERRORS);
            snprintf(want, sizeof(want), "[%s]", win);
            ck_assert_msg(strstr(q->text, want) != NULL, "%s lacks %s", q->text, want);
            for (int v2 = 0; v2 < 2; v2++) {
                const ast_node *ast = NULL;
                const char *why = NULL;
                sloeval_compat g = v2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
                ck_assert_int_eq(slo_parsed_ast(q, g, &ast, &why), 0);
                strbuf sb = STRBUF_INIT;
                ast_print(&sb, ast, SLOEVAL_COMPAT_V3);
                ck_assert_msg(strstr(strbuf_cstr(&sb), want) != NULL, "%s", strbuf_cstr(&sb));
                strbuf_free(&sb);
            }
        }
        /* 2.x's holt_winters parses for the v3 scopes too (the other grammar) */
        const ast_node *ast = NULL;
        const char *why = NULL;
        ck_assert_int_eq(slo_parsed_ast(slo_def_query(&c->slos[1], w, SLO_Q_ERRORS),
                                        SLOEVAL_COMPAT_V3, &ast, &why),
                         0);
        ck_assert_int_eq(ast->kind, AST_CALL);
    }
    const ast_node *ast = NULL;
    const char *why = NULL;
    ck_assert_int_eq(slo_parsed_ast(&c->alerts[0].parsed, SLOEVAL_COMPAT_V2, &ast, &why), 0);
    ck_assert_int_eq(ast->kind, AST_BINARY);
    sloeval_slo_set_free(set);

    /* a config whose backends all speak v3 is parsed in v3 only */
    set = load_str("backends: {global: {url: 'http://g:9090'}}\n"
                   "alerts: [{name: A, expr: 'up == 0'}]\n",
                   &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    c = slo_set_config(set);
    ck_assert_uint_eq(c->grammars, 1u << SLO_GRAMMAR_V3);
    ck_assert_int_eq(slo_parsed_ast(&c->alerts[0].parsed, SLOEVAL_COMPAT_V2, &ast, &why),
                     SLOEVAL_EINVAL);
    sloeval_slo_set_free(set);
}
END_TEST

/* The one grammar fallback: the grammar asked for, else the other; the
 * error shown is the first grammar's. */
START_TEST(test_parse_fallback)
{
    arena a;
    arena_init(&a, 0);
    ast_node *root = NULL;
    sloeval_compat used;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    parse_options v3 = {SLOEVAL_COMPAT_V3, false, 0}, v2 = {SLOEVAL_COMPAT_V2, false, 0};
    const char *hw = "holt_winters(x[5m], 0.5, 0.5)", *quoted = "{\"a.b\"}";
    ck_assert_int_eq(promql_parse_fallback(&root, &a, hw, strlen(hw), &v3, &used, &err), 0);
    ck_assert_int_eq(used, SLOEVAL_COMPAT_V2);
    ck_assert_int_eq(err.code, 0);
    ck_assert_int_eq(promql_parse_fallback(&root, &a, hw, strlen(hw), &v2, &used, &err), 0);
    ck_assert_int_eq(used, SLOEVAL_COMPAT_V2);
    ck_assert_int_eq(promql_parse_fallback(&root, &a, quoted, strlen(quoted), &v2, &used, &err), 0);
    ck_assert_int_eq(used, SLOEVAL_COMPAT_V3);
    ck_assert_int_eq(promql_parse_fallback(&root, &a, quoted, strlen(quoted), NULL, &used, &err),
                     0);
    ck_assert_int_eq(used, SLOEVAL_COMPAT_V3);
    /* neither: the first grammar's message */
    const char *bad = "sum(x) by (";
    sloeval_error e2 = SLOEVAL_ERROR_INIT, e3 = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(promql_parse(&root, &a, bad, strlen(bad), &v2, &e2), SLOEVAL_EPARSE);
    ck_assert_int_eq(promql_parse_fallback(&root, &a, bad, strlen(bad), &v2, &used, &e3),
                     SLOEVAL_EPARSE);
    ck_assert_ptr_null(root);
    ck_assert_str_eq(e3.message, e2.message);
    arena_free(&a);
}
END_TEST

/* A UTF-8 byte order mark at the start of a file is accepted (it was a
 * YAML syntax error), in files and strings, and columns on the first line
 * count from after it. */
START_TEST(test_byte_order_mark)
{
    const char *text = "\xEF\xBB\xBF"
                       "backends: {global: {url: 'http://p:9090'}}\n"
                       "alerts: [{name: A, expr: 'up == 0'}]\n";
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set = load_str(text, &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    sloeval_slo_set_free(set);
    char path[] = "/tmp/sloeval-bom-XXXXXX";
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    set = NULL;
    ck_assert_int_eq(sloeval_slo_set_load_file(&set, path, NULL, &err), 0);
    sloeval_slo_set_free(set);
    unlink(path);
    ck_assert_str_eq(load_error_of("\xEF\xBB\xBF"
                                   "backends: 5\n"),
                     "test.yaml:1:11: backends: expected a mapping, got a scalar");
}
END_TEST

/* Load what Sloth and Prometheus load: keys Sloth ignores (its own
 * fixtures' pageAlert), UTF-8 label names, empty rule files and files of
 * recording rules only, each with a warning; sloeval's config stays strict. */
START_TEST(test_sloth_and_rules_lenient)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_slo_set *set =
        load_str("version: prometheus/v1\n"
                 "service: svc\n"
                 "labels: {app.kubernetes.io/name: svc, \"équipe\": a}\n"
                 "owner: me\n"
                 "slos:\n"
                 "  - name: avail\n"
                 "    objective: 99.9\n"
                 "    sli: {raw: {error_ratio_query: 'sum(rate(e[{{.window}}]))'}}\n"
                 "    alerting:\n"
                 "      name: SvcAvail\n"
                 "      pageAlert: {labels: {severity: critical}}\n"
                 "      ticketAlert: {disable: true}\n"
                 "      page_alert: {disabled: true}\n",
                 &err);
    ck_assert_msg(set != NULL, "%s", err.message);
    const slo_config *c = slo_set_config(set);
    ck_assert_uint_eq(c->nwarnings, 4);
    ck_assert_str_eq(c->warnings[0],
                     "test.yaml:4:1: owner: unknown key ignored, as Sloth ignores it");
    ck_assert_str_eq(c->warnings[1],
                     "test.yaml:11:7: slos[0].alerting.pageAlert: unknown key ignored, as Sloth "
                     "ignores it (did you mean 'page_alert'?)");
    ck_assert_str_eq(c->warnings[2],
                     "test.yaml:12:7: slos[0].alerting.ticketAlert: unknown key ignored, as Sloth "
                     "ignores it (did you mean 'ticket_alert'?)");
    ck_assert_str_eq(c->warnings[3],
                     "test.yaml:13:20: slos[0].alerting.page_alert.disabled: unknown key ignored, "
                     "as Sloth ignores it (did you mean 'disable'?)");
    /* ignored as Sloth ignores them: the page alert stays enabled */
    ck_assert(!slo_def_severity_disabled(&c->slos[0], "page"));
    ck_assert(!slo_def_severity_disabled(&c->slos[0], "ticket"));
    ck_assert_str_eq(slo_kvs_get(&c->slos[0].labels, "app.kubernetes.io/name"), "svc");
    sloeval_slo_set_free(set);
    /* an empty name is still an error */
    ck_assert_ptr_nonnull(strstr(load_error_of("version: prometheus/v1\nservice: svc\n"
                                               "labels: {\"\": x}\nslos: []\n"),
                                 "invalid label name (must be non-empty UTF-8)"));

    /* rule files: empty, {} and recording rules only load, with a warning */
    static const struct {
        const char *text, *warning;
    } rules[] = {
        {"", "r.yaml:1:1: the file is empty: no rules to check"},
        {"null\n", "r.yaml:1:1: the file is empty: no rules to check"},
        {"{}\n", "r.yaml:1:1: no rule groups: no rules to check"},
        {"groups: []\n", "r.yaml:1:9: groups: no rule groups: no rules to check"},
        {"groups:\n  - name: g\n    rules:\n      - {record: 'a:b', expr: 'sum(up)'}\n",
         "r.yaml:2:3: groups: only recording rules (1): no alerting rules to check"},
    };
    for (size_t i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
        sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
        o.kind = SLOEVAL_SLO_FILE_RULES;
        o.name = "r.yaml";
        set = NULL;
        int rc = sloeval_slo_set_load_string(&set, rules[i].text, strlen(rules[i].text), &o, &err);
        ck_assert_msg(rc == 0, "%zu: %s", i, err.message);
        c = slo_set_config(set);
        ck_assert_uint_eq(c->nwarnings, 1);
        ck_assert_str_eq(c->warnings[0], rules[i].warning);
        sloeval_slo_set_free(set);
    }
    /* included: an empty file and {} are empty rule files */
    char dir[] = "/tmp/sloeval-rules-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof(path), "%s/empty.yaml", dir);
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/braces.yaml", dir);
    f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs("{}\n", f);
    fclose(f);
    sloeval_slo_load_options o = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    o.name = "main.yaml";
    o.base_dir = dir;
    const char *main_text = "backends: {global: {url: 'http://p:9090'}}\n"
                            "alerts: [{name: A, expr: 'up == 0'}]\n"
                            "include: [empty.yaml, braces.yaml]\n";
    set = NULL;
    ck_assert_msg(sloeval_slo_set_load_string(&set, main_text, strlen(main_text), &o, &err) == 0,
                  "%s", err.message);
    c = slo_set_config(set);
    ck_assert_uint_eq(c->nwarnings, 2);
    ck_assert_ptr_nonnull(strstr(c->warnings[0], "empty.yaml:1:1: the file is empty"));
    ck_assert_ptr_nonnull(strstr(c->warnings[1], "braces.yaml:1:1: no rule groups"));
    sloeval_slo_set_free(set);
    snprintf(path, sizeof(path), "%s/empty.yaml", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/braces.yaml", dir);
    unlink(path);
    rmdir(dir);
    /* sloeval's own config stays strict */
    ck_assert_str_eq(load_error_of("backends: {global: {url: 'http://p:9090'}}\n"
                                   "alerts: [{name: A, expr: 'up == 0', pageAlert: x}]\n"),
                     "test.yaml:2:37: alerts[0].pageAlert: unknown key");
    ck_assert_str_eq(load_error_of(""), "test.yaml:1:1: the file is empty");
}
END_TEST

static Suite *slo_config_suite(void)
{
    Suite *s = suite_create("slo_config");
    TCase *tc = tcase_create("parts");
    tcase_set_timeout(tc, 60); /* a document of a million nodes */
    tcase_add_test(tc, test_duration_parse);
    tcase_add_test(tc, test_duration_format);
    tcase_add_test(tc, test_template_render);
    tcase_add_test(tc, test_ytree_merge_anchor_positions);
    tcase_add_test(tc, test_ytree_documents_and_limits);
    tcase_add_test(tc, test_ytree_too_large_message);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_golden_errors);
    tcase_add_test(tc, test_errors_never_show_secrets);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_mutations_never_crash);
    suite_add_tcase(s, tc);
    tc = tcase_create("configs");
    tcase_add_test(tc, test_multi_region_example);
    tcase_add_test(tc, test_fanout_without_global);
    tcase_add_test(tc, test_json_equals_yaml);
    tcase_add_test(tc, test_merge_keys_in_config);
    tcase_add_test(tc, test_sloth_spec);
    tcase_add_test(tc, test_sloth_multi_document);
    tcase_add_test(tc, test_rule_file);
    tcase_add_test(tc, test_objective_budgets);
    tcase_add_test(tc, test_include_from_string);
    tcase_add_test(tc, test_queries_either_grammar);
    tcase_add_test(tc, test_queries_parsed_at_load);
    tcase_add_test(tc, test_parse_fallback);
    tcase_add_test(tc, test_byte_order_mark);
    tcase_add_test(tc, test_sloth_and_rules_lenient);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(slo_config_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
