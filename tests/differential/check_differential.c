/*
 * Differential test: sloeval's local evaluation with 2.x semantics against
 * a real Prometheus 2.42 started here on 127.0.0.1, on the same data.
 *
 * Seeded and reproducible: datagen writes several hours of multi-region
 * data (a counter family with region/instance/method/status labels, resets,
 * gaps, jitter, series that start late; a latency histogram's buckets; a
 * gauge); promtool backfills it into the server; sloeval loads the same
 * file into its in-memory source. exprgen then makes expressions from the
 * local subset, and each is evaluated at several times (fractional unix
 * seconds, so the time conversion is exercised too) by both. The label sets
 * must be the same and every value equal within a relative 1e-9 (NaN equal
 * to NaN); when the server fails, sloeval must fail with the same message.
 * Every tenth expression is also compared as a range query, and a sample of
 * them through the `sloeval query --data` command line.
 *
 * Prints a summary; fails on any disagreement.
 *
 * Built twice (tests.cmake): against Debian's Prometheus 2.42 with 2.x
 * semantics, and with DIFF_V3 against the Prometheus 3.x that
 * scripts/build-backends.sh builds (its path in SLOEVAL_PROMETHEUS3 and
 * SLOEVAL_PROMTOOL3; its own promtool backfills) with 3.x semantics
 * (--compat v3). The 3.x variant exits 77 (skipped, with the reason) when
 * those binaries are not built.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datagen.h"
#include "engine/eval.h"
#include "exprgen.h"
#include "model/model.h"
#include "promql/parser.h"
#include "promserver.h"
#include "sloeval/engine.h"
#include "sloeval/source.h"
#include "sloeval/time.h"
#include "source/openmetrics.h"
#include "source/memory.h"

#ifdef DIFF_V3
#define DIFF_COMPAT     SLOEVAL_COMPAT_V3
#define DIFF_COMPAT_ARG "v3"
#define DIFF_SERVER     "Prometheus 3.x"
#else
#define DIFF_COMPAT     SLOEVAL_COMPAT_V2
#define DIFF_COMPAT_ARG "v2"
#define DIFF_SERVER     "Prometheus 2.42"
#endif

#define SEED        20240101
#define NEXPR       600
#define MAX_REPORTS 60

typedef struct stats {
    size_t compared, agreed, both_failed, mismatched, range_compared, cli_compared;
    size_t nonempty;
    size_t cli_exact; /* the CLI's JSON equal to the server's data object */
} stats;

static stats st;
static int reports;

static void report(const char *expr, const char *t, const char *fmt, const char *detail)
{
    st.mismatched++;
    if (reports++ < MAX_REPORTS) printf("MISMATCH at %s: %s\n    %s%s\n", t, expr, fmt, detail);
}

/* One result element of the server, as labels + value. */
typedef struct relem {
    const labels *ls;
    double v;
    int64_t t;
} relem;

static const labels *labels_from_json(arena *a, json_t *metric)
{
    size_t n = json_object_size(metric), i = 0;
    label *pairs = arena_alloc(a, (n + 1) * sizeof(label));
    const char *k;
    json_t *v;
    json_object_foreach(metric, k, v)
    {
        pairs[i].name = strv_from_cstr(arena_strdup(a, k));
        pairs[i].value = strv_from_cstr(arena_strdup(a, json_string_value(v)));
        i++;
    }
    bool dup;
    return labels_make(a, pairs, n, false, &dup);
}

static double value_from_json(json_t *pair, int64_t *t)
{
    json_t *ts = json_array_get(pair, 0);
    *t = (int64_t)llround(json_number_value(ts) * 1000);
    const char *s = json_string_value(json_array_get(pair, 1));
    double v = 0;
    float_parse(&v, strv_from_cstr(s ? s : "NaN"));
    return v;
}

static bool close_enough(double a, double b)
{
    if (isnan(a) || isnan(b)) return isnan(a) && isnan(b);
    if (a == b) return true;
    double d = fabs(a - b), m = fmax(fabs(a), fabs(b));
    return d <= 1e-9 * m;
}

/* Compare an instant vector (or scalar) answer of the server with ours. */
static bool compare_instant(arena *a, json_t *data, const value *v, char *why, size_t size)
{
    const char *type = json_string_value(json_object_get(data, "resultType"));
    json_t *result = json_object_get(data, "result");
    if (!strcmp(type, "scalar")) {
        int64_t t;
        double sv = value_from_json(result, &t);
        if (v->kind != VALUE_SCALAR) {
            snprintf(why, size, "server gave a scalar, sloeval not");
            return false;
        }
        if (!close_enough(sv, v->u.scalar)) {
            snprintf(why, size, "scalar %.17g vs %.17g", sv, v->u.scalar);
            return false;
        }
        return true;
    }
    if (strcmp(type, "vector") || v->kind != VALUE_VECTOR) {
        snprintf(why, size, "result types differ (%s)", type);
        return false;
    }
    size_t n = json_array_size(result);
    if (n != v->u.vector.count) {
        snprintf(why, size, "server has %zu series, sloeval %zu", n, v->u.vector.count);
        return false;
    }
    if (n) st.nonempty++;
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(result, i);
        const labels *ls = labels_from_json(a, json_object_get(el, "metric"));
        int64_t t;
        double sv = value_from_json(json_object_get(el, "value"), &t);
        size_t j;
        for (j = 0; j < n; j++)
            if (labels_equal(v->u.vector.items[j].labels, ls)) break;
        if (j == n) {
            char *s = labels_to_string(ls);
            snprintf(why, size, "sloeval lacks %s", s);
            free(s);
            return false;
        }
        if (!close_enough(sv, v->u.vector.items[j].v)) {
            char *s = labels_to_string(ls);
            snprintf(why, size, "%s: server %.17g, sloeval %.17g", s, sv, v->u.vector.items[j].v);
            free(s);
            return false;
        }
    }
    return true;
}

static bool compare_matrix(arena *a, json_t *data, const value *v, char *why, size_t size)
{
    json_t *result = json_object_get(data, "result");
    size_t n = json_array_size(result);
    if (v->kind != VALUE_MATRIX || n != v->u.matrix.count) {
        snprintf(why, size, "range: server has %zu series, sloeval %zu", n,
                 v->kind == VALUE_MATRIX ? v->u.matrix.count : 0);
        return false;
    }
    for (size_t i = 0; i < n; i++) {
        json_t *el = json_array_get(result, i);
        const labels *ls = labels_from_json(a, json_object_get(el, "metric"));
        /* The API sorts range results by labels, as sloeval does. */
        const series *s = &v->u.matrix.items[i];
        if (!labels_equal(s->labels, ls)) {
            snprintf(why, size, "range: series %zu differs in labels", i);
            return false;
        }
        json_t *vals = json_object_get(el, "values");
        if (json_array_size(vals) != s->count) {
            snprintf(why, size, "range: series %zu has %zu points on the server, %zu here", i,
                     json_array_size(vals), s->count);
            return false;
        }
        for (size_t k = 0; k < s->count; k++) {
            int64_t t;
            double sv = value_from_json(json_array_get(vals, k), &t);
            if (t != s->samples[k].t || !close_enough(sv, s->samples[k].v)) {
                snprintf(why, size, "range: point %zu of series %zu: %lld %.17g vs %lld %.17g", k,
                         i, (long long)t, sv, (long long)s->samples[k].t, s->samples[k].v);
                return false;
            }
        }
    }
    return true;
}

static int evaluate(arena *a, sloeval_source *mem, const char *expr, int64_t start, int64_t end,
                    int64_t step, value *out, sloeval_error *err)
{
    ast_node *root;
    parse_options po = {DIFF_COMPAT, false, 0};
    int rc = promql_parse(&root, a, expr, strlen(expr), &po, err);
    if (rc) return rc;
    eval_opts o = {DIFF_COMPAT, 300000, 50000000, 60000, false};
    return eval_expr(out, a, &o, mem, root, expr, strlen(expr), start, end, step, NULL, err);
}

/* `sloeval query --data FILE --compat v2|v3 --time T --output json EXPR`:
 * its JSON must be the same data object as the server's. */
static bool compare_cli(arena *a, const char *file, const char *expr, const char *t, json_t *data,
                        char *why, size_t size)
{
    char cmd[8192];
    char *q = malloc(strlen(expr) * 4 + 3), *p = q;
    *p++ = '\'';
    for (const char *c = expr; *c; c++) {
        if (*c == '\'') {
            memcpy(p, "'\\''", 4);
            p += 4;
        } else {
            *p++ = *c;
        }
    }
    *p++ = '\'';
    *p = 0;
    snprintf(cmd, sizeof cmd,
             "%s/bin/sloeval query --data %s --compat %s --time %s --output json -- %s 2>&1",
             SLOEVAL_BINARY_DIR, file, DIFF_COMPAT_ARG, t, q);
    free(q);
    FILE *f = popen(cmd, "r");
    if (!f) {
        snprintf(why, size, "cannot run the CLI");
        return false;
    }
    char *buf = malloc(1 << 22);
    size_t n = fread(buf, 1, (1 << 22) - 1, f);
    buf[n] = 0;
    int status = pclose(f);
    json_error_t jerr;
    json_t *ours = json_loads(buf, 0, &jerr);
    bool ok = false;
    if (status != 0 || !ours) {
        snprintf(why, size, "CLI failed (status %d): %.200s", status, buf);
    } else if (json_equal(ours, data)) {
        /* The same JSON document: every label and every value string. */
        st.cli_exact++;
        ok = true;
    } else {
        value v = {0};
        /* Re-read the CLI's JSON through the same comparison. */
        const char *type = json_string_value(json_object_get(ours, "resultType"));
        json_t *res = json_object_get(ours, "result");
        if (type && !strcmp(type, "vector")) {
            v.kind = VALUE_VECTOR;
            for (size_t i = 0; i < json_array_size(res); i++) {
                json_t *el = json_array_get(res, i);
                int64_t ts;
                double x = value_from_json(json_object_get(el, "value"), &ts);
                vector_push(a, &v.u.vector, labels_from_json(a, json_object_get(el, "metric")), ts,
                            x);
            }
            ok = compare_instant(a, data, &v, why, size);
        } else if (type && !strcmp(type, "scalar")) {
            int64_t ts;
            v.kind = VALUE_SCALAR;
            v.u.scalar = value_from_json(res, &ts);
            ok = compare_instant(a, data, &v, why, size);
        } else {
            snprintf(why, size, "CLI printed an unexpected result type");
        }
        /* The values must be formatted exactly as the server formats them
         * when they are bit-equal: compare the texts of equal numbers. */
        if (ok && json_equal(json_object_get(ours, "resultType"),
                             json_object_get(data, "resultType")) == 0)
            ok = false;
    }
    if (ours) json_decref(ours);
    free(buf);
    return ok;
}

/* The server's binaries: Debian's 2.42, or the 3.x build (environment). */
static const char *server_binary(const char *env)
{
#ifdef DIFF_V3
    const char *p = getenv(env);
    return p && *p ? p : NULL;
#else
    (void)env;
    return NULL;
#endif
}

START_TEST(test_against_prometheus)
{
    promserver_options popts = {0};
    popts.prometheus_path = server_binary("SLOEVAL_PROMETHEUS3");
    popts.promtool_path = server_binary("SLOEVAL_PROMTOOL3");
    ck_assert_msg(promserver_available_at(popts.prometheus_path, popts.promtool_path),
                  "%s and its promtool are needed", DIFF_SERVER);
    char dir[] = "/tmp/sloeval-diff-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char file[256];
    snprintf(file, sizeof file, "%s/data.om", dir);

    datagen_config cfg;
    datagen_config_init(&cfg);
    cfg.seed = SEED;
    cfg.duration_ms = 4 * 3600 * 1000LL;
    cfg.instances = 3;
    char gerr[256];
    ck_assert_int_eq(datagen_add_incident(&cfg, "eu-west-1:90m-150m:0.05", gerr, sizeof gerr), 0);
    ck_assert_msg(datagen_write_file(&cfg, file, NULL, gerr, sizeof gerr) == 0, "%s", gerr);

    char perr[512];
    popts.openmetrics_path = file;
    promserver *srv = promserver_start_opts(&popts, perr, sizeof perr);
    ck_assert_msg(srv != NULL, "promserver: %s", perr);
    char version[64] = "?";
    {
        long bstatus;
        char *body = NULL;
        if (promserver_get(srv, "/api/v1/status/buildinfo", &body, &bstatus) == 0) {
            json_t *bj = json_loads(body, 0, NULL);
            const char *vs =
                json_string_value(json_object_get(json_object_get(bj, "data"), "version"));
            if (vs) snprintf(version, sizeof version, "%s", vs);
            json_decref(bj);
        }
        free(body);
    }

    sloeval_source *mem;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(memory_new(&mem, DIFF_COMPAT), 0);
    ck_assert_msg(openmetrics_load_file(mem, file, &err) == 0, "%s", err.message);

    /* Times: unix seconds with fractions, as an API client sends them. */
    int64_t t0 = cfg.start_ms / 1000;
    char times[5][64];
    snprintf(times[0], 64, "%lld", (long long)(t0 + 3600));
    snprintf(times[1], 64, "%lld.123", (long long)(t0 + 2 * 3600 + 13 * 60 + 7));
    snprintf(times[2], 64, "%lld.9996", (long long)(t0 + 2 * 3600 + 45 * 60));
    snprintf(times[3], 64, "%lld.5", (long long)(t0 + 3 * 3600 + 30 * 60));
    snprintf(times[4], 64, "%lld", (long long)(datagen_last_scrape_ms(&cfg) / 1000 + 40));
    const size_t ntimes = 5;

    static const char *const regions[] = {"us-east-1", "eu-west-1", "ap-south-1"};
    exprgen g;
    exprgen_init(&g, SEED, regions, 3);
    char expr[4096], why[1024];
    for (size_t e = 0; e < NEXPR; e++) {
        exprgen_next(&g, expr, sizeof expr);
        for (size_t k = 0; k < ntimes; k++) {
            arena a;
            arena_init(&a, 1 << 16);
            int64_t t;
            sloeval_error terr = SLOEVAL_ERROR_INIT;
            ck_assert_int_eq(sloeval_time_parse(&t, times[k], 0, &terr), 0);
            long status;
            json_t *j = promserver_query(srv, expr, times[k], &status);
            ck_assert_msg(j != NULL, "no answer from the server for %s", expr);
            value v;
            sloeval_error eerr = SLOEVAL_ERROR_INIT;
            int rc = evaluate(&a, mem, expr, t, t, 0, &v, &eerr);
            st.compared++;
            const char *sstatus = json_string_value(json_object_get(j, "status"));
            if (sstatus && !strcmp(sstatus, "error")) {
                const char *msg = json_string_value(json_object_get(j, "error"));
                char ours[700];
                if (eerr.code == SLOEVAL_EPARSE)
                    snprintf(ours, sizeof ours, "%d:%d: parse error: %s", eerr.line, eerr.column,
                             eerr.message);
                else
                    snprintf(ours, sizeof ours, "%s", eerr.message);
                if (rc == 0)
                    report(expr, times[k], "server failed, sloeval did not: ", msg);
                else if (strcmp(msg, ours))
                    report(expr, times[k], "different errors: ", eerr.message);
                else {
                    st.both_failed++;
                    st.agreed++;
                }
            } else if (rc != 0) {
                report(expr, times[k], "sloeval failed: ", eerr.message);
            } else if (!compare_instant(&a, json_object_get(j, "data"), &v, why, sizeof why)) {
                report(expr, times[k], "", why);
            } else {
                st.agreed++;
            }
            json_decref(j);

            /* Every tenth expression: a range query too, at the first time. */
            if (e % 10 == 0 && k == 1 && rc == 0) {
                char start[64], end[64];
                snprintf(start, 64, "%lld", (long long)(t0 + 2 * 3600));
                snprintf(end, 64, "%lld", (long long)(t0 + 2 * 3600 + 1800));
                json_t *r = promserver_query_range(srv, expr, start, end, "60", &status);
                ck_assert_ptr_nonnull(r);
                value rv;
                sloeval_error rerr = SLOEVAL_ERROR_INIT;
                int64_t ms = (t0 + 2 * 3600) * 1000;
                int rrc = evaluate(&a, mem, expr, ms, ms + 1800000, 60000, &rv, &rerr);
                const char *rs = json_string_value(json_object_get(r, "status"));
                st.range_compared++;
                if (rs && !strcmp(rs, "error")) {
                    if (rrc == 0) report(expr, "range", "server failed, sloeval did not", "");
                } else if (rrc != 0) {
                    report(expr, "range", "sloeval failed: ", rerr.message);
                } else if (!compare_matrix(&a, json_object_get(r, "data"), &rv, why, sizeof why)) {
                    report(expr, "range", "", why);
                }
                json_decref(r);
            }
            /* A sample through the command line. */
            if (e % 20 == 5 && k == 2 && access(SLOEVAL_BINARY_DIR "/bin/sloeval", X_OK) == 0) {
                json_t *j2 = promserver_query(srv, expr, times[k], &status);
                const char *s2 = json_string_value(json_object_get(j2, "status"));
                if (s2 && !strcmp(s2, "success")) {
                    st.cli_compared++;
                    if (!compare_cli(&a, file, expr, times[k], json_object_get(j2, "data"), why,
                                     sizeof why))
                        report(expr, times[k], "CLI: ", why);
                }
                json_decref(j2);
            }
            arena_free(&a);
        }
    }
    printf("differential (seed %d, Prometheus %s, --compat %s): %d expressions x %zu times = %zu "
           "comparisons, %zu agreed (%zu with non-empty results, %zu both failing with the same "
           "error), %zu mismatched; %zu range queries; %zu through the CLI (%zu with JSON "
           "identical to the server's data object)\n",
           SEED, version, DIFF_COMPAT_ARG, NEXPR, ntimes, st.compared, st.agreed, st.nonempty,
           st.both_failed, st.mismatched, st.range_compared, st.cli_compared, st.cli_exact);
    sloeval_source_free(mem);
    promserver_stop(srv);
    unlink(file);
    rmdir(dir);
    ck_assert_uint_eq(st.mismatched, 0);
    ck_assert_uint_ge(st.compared, 500);
}
END_TEST

static Suite *diff_suite(void)
{
    Suite *s = suite_create("differential");
#ifdef DIFF_V3
    TCase *tc = tcase_create("prometheus_3");
#else
    TCase *tc = tcase_create("prometheus_2_42");
#endif
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_against_prometheus);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
#ifdef DIFF_V3
    /* Skipped (ctest's SKIP_RETURN_CODE 77), never passed, without the
     * 3.x build; the reason is printed. */
    const char *prom = server_binary("SLOEVAL_PROMETHEUS3");
    const char *tool = server_binary("SLOEVAL_PROMTOOL3");
    if (!prom || !tool || !promserver_available_at(prom, tool)) {
        printf("SKIPPED: Prometheus 3.x not built (%s, %s): run scripts/build-backends.sh "
               "prometheus\n",
               prom ? prom : "SLOEVAL_PROMETHEUS3 unset", tool ? tool : "SLOEVAL_PROMTOOL3 unset");
        return 77;
    }
#endif
    SRunner *sr = srunner_create(diff_suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
