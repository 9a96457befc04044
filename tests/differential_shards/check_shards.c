/*
 * The planner against real Prometheus 2.42 servers on 127.0.0.1, on
 * generated multi-region data (tests/support/datagen.h):
 *   - "whole": one server holding every region;
 *   - "split": three servers, each holding one region's series.
 * The reference is the whole server's own answer, asked over HTTP by the
 * test harness (promserver_query, its own client and JSON reader). Then:
 *   1. one server: modes pushdown, local and auto give that answer;
 *   2. three servers as shards of one target: modes auto, pushdown and
 *      local give that answer;
 * for NEXPR generated expressions (shardgen.h) at three times, and a
 * share of them as range queries. Same label sets, values within 1e-9
 * relative (NaN equal to NaN), the same timestamps; when the server
 * refuses an expression, sloeval must refuse it too.
 *
 * Built twice (tests.cmake): against Debian's Prometheus 2.42 with 2.x
 * semantics, and with DIFF_V3 against the Prometheus 3.x that
 * scripts/build-backends.sh builds (SLOEVAL_PROMETHEUS3, SLOEVAL_PROMTOOL3;
 * its own promtool backfills) with 3.x semantics; that variant exits 77
 * (skipped, with the reason printed) when the 3.x binaries are not built.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "datagen.h"
#include "plan/plan.h"
#include "promql/expr.h"
#include "promserver.h"
#include "runcli.h"
#include "shardgen.h"
#include "sloeval/expr.h"
#include "sloeval/http.h"
#include "sloeval/source.h"
#include "source/prometheus.h"
#include "valcmp.h"

#ifdef DIFF_V3
#define DIFF_COMPAT     SLOEVAL_COMPAT_V3
#define DIFF_COMPAT_ARG "v3"
#define DIFF_SEMANTICS  "3.x semantics"
#else
#define DIFF_COMPAT     SLOEVAL_COMPAT_V2
#define DIFF_COMPAT_ARG "v2"
#define DIFF_SEMANTICS  "2.x semantics"
#endif

#define NEXPR       320
#define NTIMES      3
#define RANGE_EVERY 8
#define SEED        4242
#define MAX_REPORTS 25

static const char *const regions[3] = {"us-east-1", "eu-west-1", "ap-south-1"};
static datagen_config cfg;
static char tmpdir[] = "/tmp/sloeval-shards-XXXXXX";
static promserver *whole;
static promserver *split[3];
static char fixture_error[2048];

/* The expressions and the whole server's answers, made once. */
typedef struct ref {
    char text[600];
    sloeval_expr *expr;
    bool failed[NTIMES];
    value val[NTIMES];
    bool range_failed;
    value range_val;
} ref;

static ref *refs;
static arena ref_arena;
static int64_t times[NTIMES];
static int64_t range_start, range_end, range_step;

static void fmt_time(char *buf, size_t n, int64_t ms)
{
    prom_format_time(buf, n, ms);
}

/* The server's answer as a value; false when it answered an error. */
static bool reference(json_t *j, value *out, const char *expr)
{
    if (!j) {
        snprintf(fixture_error, sizeof fixture_error, "no JSON answer for %s", expr);
        return false;
    }
    const char *status = json_string_value(json_object_get(j, "status"));
    bool ok = status && !strcmp(status, "success");
    if (ok && valcmp_from_json(out, &ref_arena, json_object_get(j, "data")))
        snprintf(fixture_error, sizeof fixture_error, "unreadable answer for %s", expr);
    json_decref(j);
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

static promserver *start_server(const char *om_path, char *err, size_t errlen)
{
    promserver_options o = {0};
    o.openmetrics_path = om_path;
    o.prometheus_path = server_binary("SLOEVAL_PROMETHEUS3");
    o.promtool_path = server_binary("SLOEVAL_PROMTOOL3");
    return promserver_start_opts(&o, err, errlen);
}

static void setup(void)
{
    char err[512];
    datagen_config_init(&cfg);
    cfg.duration_ms = 3 * 3600 * 1000;
    cfg.seed = 7;
    cfg.instances = 2;
    if (datagen_set_regions(&cfg, "us-east-1,eu-west-1,ap-south-1", err, sizeof err) ||
        datagen_add_incident(&cfg, "eu-west-1:40m-100m:0.05:0.2", err, sizeof err) ||
        mkdtemp(tmpdir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/all.om", tmpdir);
    if (datagen_write_file(&cfg, path, NULL, err, sizeof err) ||
        datagen_write_split(&cfg, tmpdir, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    whole = start_server(path, err, sizeof err);
    if (!whole) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, regions[i]);
        split[i] = start_server(path, err, sizeof err);
        if (!split[i]) {
            snprintf(fixture_error, sizeof fixture_error, "start %s: %s", regions[i], err);
            return;
        }
    }
    /* Odd milliseconds exercise the time conversions. */
    times[0] = cfg.start_ms + 47 * 60000 + 123;
    times[1] = cfg.start_ms + 95 * 60000;
    times[2] = cfg.start_ms + 178 * 60000 + 7;
    range_start = cfg.start_ms + 30 * 60000 + 250;
    range_end = cfg.start_ms + 175 * 60000;
    range_step = 5 * 60000;

    arena_init(&ref_arena, 1 << 20);
    refs = calloc(NEXPR, sizeof(*refs));
    shardgen g;
    shardgen_init(&g, SEED);
    for (size_t e = 0; e < NEXPR && !fixture_error[0]; e++) {
        ref *r = &refs[e];
        shardgen_next(&g, r->text, sizeof r->text);
        sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
        po.compat = DIFF_COMPAT;
        sloeval_error perr = SLOEVAL_ERROR_INIT;
        if (sloeval_expr_parse(&r->expr, r->text, strlen(r->text), &po, &perr)) {
            snprintf(fixture_error, sizeof fixture_error, "generated %s: %s", r->text,
                     perr.message);
            return;
        }
        for (int t = 0; t < NTIMES; t++) {
            char ts[48];
            fmt_time(ts, sizeof ts, times[t]);
            r->failed[t] =
                !reference(promserver_query(whole, r->text, ts, NULL), &r->val[t], r->text);
        }
        if (e % RANGE_EVERY == 0) {
            char s0[48], s1[48], st[32];
            fmt_time(s0, sizeof s0, range_start);
            fmt_time(s1, sizeof s1, range_end);
            snprintf(st, sizeof st, "%lld", (long long)(range_step / 1000));
            r->range_failed = !reference(promserver_query_range(whole, r->text, s0, s1, st, NULL),
                                         &r->range_val, r->text);
        }
    }
}

static void teardown(void)
{
    char path[300];
    promserver_stop(whole);
    for (int i = 0; i < 3; i++)
        promserver_stop(split[i]);
    snprintf(path, sizeof path, "%s/all.om", tmpdir);
    unlink(path);
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, regions[i]);
        unlink(path);
    }
    rmdir(tmpdir);
    if (refs)
        for (size_t e = 0; e < NEXPR; e++)
            sloeval_expr_free(refs[e].expr);
    free(refs);
    arena_free(&ref_arena);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static sloeval_source *source_for(promserver *s)
{
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    o.url = promserver_url(s);
    o.compat = DIFF_COMPAT;
    o.disable_compression = 1;
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_source_new_prometheus(&src, &o, &err) == 0, "%s", err.message);
    return src;
}

typedef struct tally {
    size_t compared, agreed, both_failed, nonempty, mismatched;
} tally;

static void check_one(tally *ty, const char *what, const char *text, bool ref_failed,
                      const value *ref_val, plan_batch *b, size_t id)
{
    const value *v = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = plan_batch_result(b, id, &v, NULL, &err);
    ty->compared++;
    char why[600] = "";
    bool ok;
    if (ref_failed) {
        ok = rc != 0;
        if (!ok) snprintf(why, sizeof why, "the server refused it, sloeval answered");
    } else if (rc) {
        ok = false;
        snprintf(why, sizeof why, "sloeval failed: %s", err.message);
    } else {
        ok = valcmp_equal(ref_val, v, why, sizeof why);
    }
    if (ok) {
        ty->agreed++;
        if (ref_failed) ty->both_failed++;
        if (!ref_failed && ((ref_val->kind == VALUE_VECTOR && ref_val->u.vector.count) ||
                            (ref_val->kind == VALUE_MATRIX && ref_val->u.matrix.count) ||
                            ref_val->kind == VALUE_SCALAR))
            ty->nonempty++;
        return;
    }
    if (ty->mismatched++ < MAX_REPORTS) printf("MISMATCH %s: %s\n    %s\n", what, text, why);
}

/* Every expression at every time (and the range share) in one batch. */
static void run_mode(const char *name, sloeval_source **shards, size_t nshards, plan_mode mode)
{
    plan_target target = {shards, nshards, NULL, 0};
    plan_options opts = {mode, DIFF_COMPAT, 0, false};
    plan_batch *b = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(plan_batch_new(&b, &opts, &err), 0);
    size_t(*ids)[NTIMES + 1] = calloc(NEXPR, sizeof(*ids));
    for (size_t e = 0; e < NEXPR; e++) {
        const ast_node *root = sloeval_expr_ast(refs[e].expr);
        for (int t = 0; t < NTIMES; t++) {
            ck_assert_int_eq(plan_batch_add_instant(b, &ids[e][t], &target, root, times[t], &err),
                             0);
            plan_batch_set_text(b, ids[e][t], refs[e].text, strlen(refs[e].text), NULL);
        }
        if (e % RANGE_EVERY == 0)
            ck_assert_int_eq(plan_batch_add_range(b, &ids[e][NTIMES], &target, root, range_start,
                                                  range_end, range_step, &err),
                             0);
    }
    ck_assert_msg(plan_batch_run(b, &err) == 0, "%s", err.message);
    tally inst = {0}, rng = {0};
    for (size_t e = 0; e < NEXPR; e++) {
        for (int t = 0; t < NTIMES; t++) {
            char what[96];
            snprintf(what, sizeof what, "%s at t%d", name, t);
            check_one(&inst, what, refs[e].text, refs[e].failed[t], &refs[e].val[t], b, ids[e][t]);
        }
        if (e % RANGE_EVERY == 0) {
            char what[96];
            snprintf(what, sizeof what, "%s, range", name);
            check_one(&rng, what, refs[e].text, refs[e].range_failed, &refs[e].range_val, b,
                      ids[e][NTIMES]);
        }
    }
    printf("%-24s instant: %zu expressions x %d times = %zu compared, %zu agree (%zu "
           "non-empty, %zu refused by both); range: %zu compared, %zu agree\n",
           name, (size_t)NEXPR, NTIMES, inst.compared, inst.agreed, inst.nonempty, inst.both_failed,
           rng.compared, rng.agreed);
    fflush(stdout);
    plan_batch_free(b);
    free(ids);
    ck_assert_msg(inst.mismatched == 0 && rng.mismatched == 0, "%s: %zu + %zu disagreements", name,
                  inst.mismatched, rng.mismatched);
    /* The comparison means something: most answers are real data. */
    ck_assert_uint_ge(inst.nonempty * 10, inst.compared * 6);
}

START_TEST(test_one_server)
{
    REQUIRE_FIXTURE();
    sloeval_source *w = source_for(whole);
    run_mode("one server, pushdown", &w, 1, PLAN_PUSHDOWN);
    run_mode("one server, local", &w, 1, PLAN_LOCAL);
    run_mode("one server, auto", &w, 1, PLAN_AUTO);
    sloeval_source_free(w);
}
END_TEST

START_TEST(test_three_shards)
{
    REQUIRE_FIXTURE();
    sloeval_source *sh[3];
    for (int i = 0; i < 3; i++)
        sh[i] = source_for(split[i]);
    run_mode("three shards, auto", sh, 3, PLAN_AUTO);
    run_mode("three shards, pushdown", sh, 3, PLAN_PUSHDOWN);
    run_mode("three shards, local", sh, 3, PLAN_LOCAL);
    for (int i = 0; i < 3; i++)
        sloeval_source_free(sh[i]);
}
END_TEST

#ifdef SLOEVAL_CLI_PATH
/* A sample through the command line: sloeval query --url A --url B --url C
 * --output json must print the whole server's `data` object (as values). */
START_TEST(test_cli_three_shards)
{
    REQUIRE_FIXTURE();
    size_t compared = 0, agreed = 0;
    for (size_t e = 0; e < NEXPR; e += 10) {
        int t = (int)(e / 10) % NTIMES;
        char ts[48];
        fmt_time(ts, sizeof ts, times[t]);
        const char *argv[] = {SLOEVAL_CLI_PATH,
                              "query",
                              "--url",
                              promserver_url(split[0]),
                              "--url",
                              promserver_url(split[1]),
                              "--url",
                              promserver_url(split[2]),
                              "--compat",
                              DIFF_COMPAT_ARG,
                              "--output",
                              "json",
                              "--time",
                              ts,
                              "--",
                              refs[e].text,
                              NULL};
        runcli_result r;
        ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 60), 0);
        compared++;
        if (refs[e].failed[t]) {
            ck_assert_msg(r.status == 2 && runcli_lines(r.err) == 1,
                          "%s: the server refused it; the CLI exited %d: %s", refs[e].text,
                          r.status, r.err);
            agreed++;
            runcli_free(&r);
            continue;
        }
        ck_assert_msg(r.status == 0, "%s: exit %d: %s", refs[e].text, r.status, r.err);
        json_error_t je;
        json_t *j = json_loads(r.out, 0, &je);
        ck_assert_msg(j != NULL, "%s: not JSON: %s", refs[e].text, r.out);
        value v;
        ck_assert_int_eq(valcmp_from_json(&v, &ref_arena, j), 0);
        json_decref(j);
        char why[600];
        ck_assert_msg(valcmp_equal(&refs[e].val[t], &v, why, sizeof why), "%s: %s", refs[e].text,
                      why);
        agreed++;
        runcli_free(&r);
    }
    printf("%-24s %zu expressions compared through the command line, %zu agree\n",
           "three shards, CLI", compared, agreed);
}
END_TEST

/* --compat auto reads the server's buildinfo: 2.42 means 2.x semantics,
 * the 3.x build (its release version stamped) 3.x semantics. */
START_TEST(test_cli_compat_auto)
{
    REQUIRE_FIXTURE();
    const char *argv[] = {SLOEVAL_CLI_PATH, "query",     "--url", promserver_url(whole), "--compat",
                          "auto",           "--explain", "--",    "vector(1)",           NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 60), 0);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    ck_assert_msg(strstr(r.err, DIFF_SEMANTICS) != NULL, "--compat auto: expected %s in: %s",
                  DIFF_SEMANTICS, r.err);
    /* No warning about the version (an unstamped build reports ""). */
    ck_assert_msg(strstr(r.err, "version") == NULL, "--compat auto warned: %s", r.err);
    printf("%-24s --compat auto against the whole server: %s\n", "compat auto", DIFF_SEMANTICS);
    runcli_free(&r);
}
END_TEST
#endif

int main(void)
{
#ifdef DIFF_V3
    const char *prom = server_binary("SLOEVAL_PROMETHEUS3");
    const char *tool = server_binary("SLOEVAL_PROMTOOL3");
    if (!prom || !tool || !promserver_available_at(prom, tool)) {
        printf("SKIPPED: Prometheus 3.x not built (%s, %s): run scripts/build-backends.sh "
               "prometheus\n",
               prom ? prom : "SLOEVAL_PROMETHEUS3 unset", tool ? tool : "SLOEVAL_PROMTOOL3 unset");
        return 77;
    }
#endif
    sloeval_global_init();
    Suite *s = suite_create("differential_shards");
    TCase *tc = tcase_create("shards");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_one_server);
    tcase_add_test(tc, test_three_shards);
#ifdef SLOEVAL_CLI_PATH
    tcase_add_test(tc, test_cli_three_shards);
    tcase_add_test(tc, test_cli_compat_auto);
#endif
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
