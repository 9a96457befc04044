/*
 * sloeval against a real Thanos (built by scripts/build-backends.sh), on
 * 127.0.0.1, on generated data (tests/support/datagen.h):
 *   - a Prometheus 3.x "whole" server holding both regions: the reference;
 *   - a Prometheus 3.x per region with a Thanos sidecar: us-east-1 (external
 *     label replica="a"), and eu-west-1 twice (replica "a" and "b", the same
 *     data), all behind one Thanos Query (--query.replica-label=replica).
 *     The sidecars are strict endpoints (--endpoint-strict): Thanos Query
 *     stops asking a plain --endpoint once its health check fails, and then
 *     answers without its data and without a warning, whatever
 *     partial_response says (Thanos's EndpointSet: only strict endpoints
 *     stay queryable while unhealthy).
 * Checked:
 *   1. generated expressions (shardgen.h) at three times and a share as
 *      range queries: modes pushdown and auto through Thanos Query equal
 *      Thanos Query's own answers, mode local (raw samples through Thanos,
 *      evaluated here) the whole Prometheus 3.x's; a sample through
 *      `sloeval query --url THANOS`; how often Thanos's engine differs
 *      from Prometheus 3.x is printed;
 *   2. dedup: with dedup=false the eu-west-1 series come twice (with their
 *      replica label); with dedup=true and replicaLabels[]=replica once;
 *      max_source_resolution 0s, 5m, 1h, auto give the answer without
 *      it, a value Thanos cannot parse its bad_data;
 *   3. `--compat auto` against Thanos's buildinfo: the answer is right and
 *      the warning says what the server is;
 *   4. `sloeval check` through Thanos Query reports what it reports on the
 *      whole server;
 *   5. with a sidecar stopped: partial_response=false (the default) makes
 *      `sloeval query` and `sloeval check` inconclusive (exit 3: Thanos's
 *      422 "execution" for a failed store is not the expression's), and
 *      partial_response=true gives SLOEVAL_EPARTIAL for Thanos's warnings.
 * Exits 77 (skipped, reason printed) when Prometheus 3.x or Thanos is not
 * built.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <curl/curl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backendproc.h"
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

#define NEXPR       80
#define NTIMES      3
#define RANGE_EVERY 8
#define SEED        1515
#define MAX_REPORTS 25
#define NSIDE       3 /* us-east-1/a, eu-west-1/a, eu-west-1/b */

static const char *prom3, *promtool3, *thanos;
static datagen_config cfg;
static char tmpdir[64];
static promserver *whole;
static promserver *side_prom[NSIDE];
static backendproc sidecar[NSIDE];
static backendproc query, query1;
static char query_url[64];  /* over the three sidecars */
static char query1_url[64]; /* over us-east-1/a and eu-west-1/a: no replicas */
static char fixture_error[2048];
static const char *const side_region[NSIDE] = {"us-east-1", "eu-west-1", "eu-west-1"};
static const char *const side_replica[NSIDE] = {"a", "a", "b"};

typedef struct ref {
    char text[600];
    sloeval_expr *expr;
    bool failed[NTIMES];
    value val[NTIMES];
    bool range_failed;
    value range_val;
    /* Thanos Query's own answers (query1, asked by the test's client). */
    bool tfailed[NTIMES];
    value tval[NTIMES];
    bool trange_failed;
    value trange_val;
} ref;

/* Thanos Query's raw answer: POST the form, parse the envelope. */
static json_t *thanos_raw(const char *base, const char *expr, const char *t, const char *start,
                          const char *end, const char *step)
{
    CURL *c = curl_easy_init();
    char *q = curl_easy_escape(c, expr, 0);
    char form[4096], url[160];
    if (t)
        snprintf(form, sizeof form, "query=%s&time=%s", q, t);
    else
        snprintf(form, sizeof form, "query=%s&start=%s&end=%s&step=%s", q, start, end, step);
    curl_free(q);
    curl_easy_cleanup(c);
    snprintf(url, sizeof url, "%s/api/v1/%s", base, t ? "query" : "query_range");
    long status;
    char *body = NULL;
    if (backendproc_http(url, form, strlen(form), "application/x-www-form-urlencoded", NULL,
                         &status, &body))
        return NULL;
    json_t *j = json_loads(body, 0, NULL);
    free(body);
    return j;
}

static ref *refs;
static arena ref_arena;
static int64_t times[NTIMES];
static int64_t range_start, range_end, range_step;

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

static promserver *start_prom(const char *om, const char *replica, char *err, size_t errlen)
{
    char yaml[256];
    promserver_options o = {0};
    o.openmetrics_path = om;
    o.prometheus_path = prom3;
    o.promtool_path = promtool3;
    if (replica) {
        snprintf(yaml, sizeof yaml,
                 "global:\n  scrape_interval: 15s\n  external_labels:\n    replica: %s\n"
                 "scrape_configs: []\n",
                 replica);
        o.config_yaml = yaml;
    }
    return promserver_start_opts(&o, err, errlen);
}

/* Thanos Query lists a store once it has its info: wait until all are up. */
static int wait_stores(const char *base, int want, int timeout_ms)
{
    char url[128];
    snprintf(url, sizeof url, "%s/api/v1/stores", base);
    for (int waited = 0; waited < timeout_ms; waited += 200) {
        long status;
        char *body;
        int up = 0;
        if (backendproc_http(url, NULL, 0, NULL, NULL, &status, &body) == 0) {
            json_t *j = json_loads(body, 0, NULL);
            json_t *data = json_object_get(j, "data");
            const char *k;
            json_t *arr;
            json_object_foreach(data, k, arr)
            {
                size_t i;
                json_t *st;
                json_array_foreach(arr, i, st)
                {
                    json_t *e = json_object_get(st, "lastError");
                    if (!e || json_is_null(e)) up++;
                }
            }
            json_decref(j);
            free(body);
        }
        if (up >= want) return 0;
        struct timespec ts = {0, 200000000L};
        nanosleep(&ts, NULL);
    }
    return -1;
}

/* Remove the folders of earlier runs that crashed (their process is gone):
 * /tmp/sloeval-thanos-<pid>-XXXXXX. */
static void sweep_stale(void)
{
    DIR *d = opendir("/tmp");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long pid;
        if (sscanf(de->d_name, "sloeval-thanos-%ld-", &pid) != 1 || pid <= 0) continue;
        if (kill((pid_t)pid, 0) == 0 || errno != ESRCH) continue;
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '/tmp/%s'", de->d_name);
        if (system(cmd) != 0) fprintf(stderr, "cannot remove /tmp/%s\n", de->d_name);
    }
    closedir(d);
}

static void setup(void)
{
    char err[1024], path[400];
    sweep_stale();
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sloeval-thanos-%ld-XXXXXX", (long)getpid());
    datagen_config_init(&cfg);
    cfg.duration_ms = 3 * 3600 * 1000;
    cfg.seed = 15;
    cfg.instances = 2;
    if (datagen_set_regions(&cfg, "us-east-1,eu-west-1", err, sizeof err) ||
        datagen_add_incident(&cfg, "eu-west-1:40m-100m:0.05:0.2", err, sizeof err) ||
        mkdtemp(tmpdir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    snprintf(path, sizeof path, "%s/all.om", tmpdir);
    if (datagen_write_file(&cfg, path, NULL, err, sizeof err) ||
        datagen_write_split(&cfg, tmpdir, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    whole = start_prom(path, NULL, err, sizeof err);
    if (!whole) {
        snprintf(fixture_error, sizeof fixture_error, "start whole: %s", err);
        return;
    }
    char endpoints[NSIDE][64];
    for (int i = 0; i < NSIDE; i++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, side_region[i]);
        side_prom[i] = start_prom(path, side_replica[i], err, sizeof err);
        if (!side_prom[i]) {
            snprintf(fixture_error, sizeof fixture_error, "start %s/%s: %s", side_region[i],
                     side_replica[i], err);
            return;
        }
        int grpc = promserver_free_port(), http = promserver_free_port();
        char a_tsdb[600], a_prom[128], a_grpc[64], a_http[64], log[600], ready[128], name[64];
        snprintf(a_tsdb, sizeof a_tsdb, "--tsdb.path=%s/data", promserver_dir(side_prom[i]));
        snprintf(a_prom, sizeof a_prom, "--prometheus.url=%s", promserver_url(side_prom[i]));
        snprintf(a_grpc, sizeof a_grpc, "--grpc-address=127.0.0.1:%d", grpc);
        snprintf(a_http, sizeof a_http, "--http-address=127.0.0.1:%d", http);
        snprintf(log, sizeof log, "%s/sidecar-%d.log", tmpdir, i);
        snprintf(endpoints[i], sizeof endpoints[i], "--endpoint-strict=127.0.0.1:%d", grpc);
        snprintf(ready, sizeof ready, "http://127.0.0.1:%d/-/ready", http);
        snprintf(name, sizeof name, "thanos sidecar %s/%s", side_region[i], side_replica[i]);
        char *argv[] = {(char *)thanos, "sidecar", a_tsdb, a_prom, a_grpc, a_http, NULL};
        if (backendproc_start(&sidecar[i], name, argv, log, err, sizeof err) ||
            backendproc_wait_http(&sidecar[i], ready, 60000, err, sizeof err)) {
            snprintf(fixture_error, sizeof fixture_error, "%s", err);
            return;
        }
    }
    int qhttp = promserver_free_port(), qgrpc = promserver_free_port();
    char a_http[64], a_grpc[64], log[600], ready[128];
    snprintf(a_http, sizeof a_http, "--http-address=127.0.0.1:%d", qhttp);
    snprintf(a_grpc, sizeof a_grpc, "--grpc-address=127.0.0.1:%d", qgrpc);
    snprintf(log, sizeof log, "%s/query.log", tmpdir);
    snprintf(query_url, sizeof query_url, "http://127.0.0.1:%d", qhttp);
    snprintf(ready, sizeof ready, "%s/-/ready", query_url);
    char *argv[] = {
        (char *)thanos, "query",      a_http,       a_grpc, "--query.replica-label=replica",
        endpoints[0],   endpoints[1], endpoints[2], NULL};
    if (backendproc_start(&query, "thanos query", argv, log, err, sizeof err) ||
        backendproc_wait_http(&query, ready, 60000, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "%s", err);
        return;
    }
    /* The second Thanos Query, without the replica. */
    qhttp = promserver_free_port();
    qgrpc = promserver_free_port();
    snprintf(a_http, sizeof a_http, "--http-address=127.0.0.1:%d", qhttp);
    snprintf(a_grpc, sizeof a_grpc, "--grpc-address=127.0.0.1:%d", qgrpc);
    snprintf(log, sizeof log, "%s/query1.log", tmpdir);
    snprintf(query1_url, sizeof query1_url, "http://127.0.0.1:%d", qhttp);
    snprintf(ready, sizeof ready, "%s/-/ready", query1_url);
    char *argv1[] = {(char *)thanos, "query",      a_http, a_grpc, "--query.replica-label=replica",
                     endpoints[0],   endpoints[1], NULL};
    if (backendproc_start(&query1, "thanos query (no replicas)", argv1, log, err, sizeof err) ||
        backendproc_wait_http(&query1, ready, 60000, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "%s", err);
        return;
    }
    if (wait_stores(query_url, NSIDE, 60000) || wait_stores(query1_url, 2, 60000)) {
        char line[1024];
        backendproc_last_log_line(&query, line, sizeof line);
        snprintf(fixture_error, sizeof fixture_error,
                 "thanos query does not list the %d sidecars after 60 s; its last log line: %s",
                 NSIDE, line);
        return;
    }

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
        po.compat = SLOEVAL_COMPAT_V3;
        sloeval_error perr = SLOEVAL_ERROR_INIT;
        if (sloeval_expr_parse(&r->expr, r->text, strlen(r->text), &po, &perr)) {
            snprintf(fixture_error, sizeof fixture_error, "generated %s: %s", r->text,
                     perr.message);
            return;
        }
        for (int t = 0; t < NTIMES; t++) {
            char ts[48];
            prom_format_time(ts, sizeof ts, times[t]);
            r->failed[t] =
                !reference(promserver_query(whole, r->text, ts, NULL), &r->val[t], r->text);
            r->tfailed[t] = !reference(thanos_raw(query1_url, r->text, ts, NULL, NULL, NULL),
                                       &r->tval[t], r->text);
        }
        if (e % RANGE_EVERY == 0) {
            char s0[48], s1[48], st[32];
            prom_format_time(s0, sizeof s0, range_start);
            prom_format_time(s1, sizeof s1, range_end);
            snprintf(st, sizeof st, "%lld", (long long)(range_step / 1000));
            r->range_failed = !reference(promserver_query_range(whole, r->text, s0, s1, st, NULL),
                                         &r->range_val, r->text);
            r->trange_failed = !reference(thanos_raw(query1_url, r->text, NULL, s0, s1, st),
                                          &r->trange_val, r->text);
        }
    }
}

static void stop_thanos(void)
{
    backendproc_stop(&query);
    backendproc_stop(&query1);
    for (int i = 0; i < NSIDE; i++)
        backendproc_stop(&sidecar[i]);
}

static void teardown(void)
{
    stop_thanos();
    promserver_stop(whole);
    for (int i = 0; i < NSIDE; i++)
        promserver_stop(side_prom[i]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
    if (refs)
        for (size_t e = 0; e < NEXPR; e++)
            sloeval_expr_free(refs[e].expr);
    free(refs);
    arena_free(&ref_arena);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

/* A source on Thanos Query; dedup -1 leaves Thanos's default. */
static sloeval_source *thanos_source(const char *url, int partial, int dedup, bool replica_label)
{
    static const char *const rl[] = {"replica"};
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    o.url = url;
    o.compat = SLOEVAL_COMPAT_V3;
    o.disable_compression = 1;
    o.partial_response = partial;
    o.dedup = dedup;
    o.max_retries = 0;
    if (replica_label) {
        o.replica_labels = rl;
        o.nreplica_labels = 1;
    }
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

/* against_thanos: compare with Thanos Query's own answers (what pushdown
 * must return exactly), else with the whole Prometheus 3.x's. */
static void run_mode(const char *name, sloeval_source *src, plan_mode mode, bool against_thanos)
{
    plan_target target = {&src, 1, NULL, 0};
    plan_options opts = {mode, SLOEVAL_COMPAT_V3, 0, false};
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
            if (against_thanos)
                check_one(&inst, what, refs[e].text, refs[e].tfailed[t], &refs[e].tval[t], b,
                          ids[e][t]);
            else
                check_one(&inst, what, refs[e].text, refs[e].failed[t], &refs[e].val[t], b,
                          ids[e][t]);
        }
        if (e % RANGE_EVERY == 0) {
            char what[96];
            snprintf(what, sizeof what, "%s, range", name);
            if (against_thanos)
                check_one(&rng, what, refs[e].text, refs[e].trange_failed, &refs[e].trange_val, b,
                          ids[e][NTIMES]);
            else
                check_one(&rng, what, refs[e].text, refs[e].range_failed, &refs[e].range_val, b,
                          ids[e][NTIMES]);
        }
    }
    printf("%-28s instant: %zu expressions x %d times = %zu compared, %zu agree (%zu "
           "non-empty, %zu refused by both); range: %zu compared, %zu agree\n",
           name, (size_t)NEXPR, NTIMES, inst.compared, inst.agreed, inst.nonempty, inst.both_failed,
           rng.compared, rng.agreed);
    fflush(stdout);
    plan_batch_free(b);
    free(ids);
    ck_assert_msg(inst.mismatched == 0 && rng.mismatched == 0, "%s: %zu + %zu disagreements", name,
                  inst.mismatched, rng.mismatched);
    ck_assert_uint_ge(inst.nonempty * 10, inst.compared * 5);
}

START_TEST(test_modes_equal_whole_server)
{
    REQUIRE_FIXTURE();
    sloeval_source *src = thanos_source(query1_url, 0, -1, false);
    /* How often Thanos's own engine differs from Prometheus 3.x here. */
    size_t differ = 0, n = 0;
    for (size_t e = 0; e < NEXPR; e++)
        for (int t = 0; t <= NTIMES; t++) {
            if (t == NTIMES && e % RANGE_EVERY) continue;
            bool f1 = t < NTIMES ? refs[e].failed[t] : refs[e].range_failed;
            bool f2 = t < NTIMES ? refs[e].tfailed[t] : refs[e].trange_failed;
            const value *v1 = t < NTIMES ? &refs[e].val[t] : &refs[e].range_val;
            const value *v2 = t < NTIMES ? &refs[e].tval[t] : &refs[e].trange_val;
            char why[600];
            n++;
            if (f1 != f2 || (!f1 && !valcmp_equal(v1, v2, why, sizeof why))) {
                if (differ++ < 5) printf("THANOS DIFFERS from Prometheus 3.x: %s\n", refs[e].text);
            }
        }
    printf("%-28s Thanos Query's own answers differ from Prometheus 3.x's on %zu of %zu\n",
           "thanos query vs prometheus", differ, n);
    run_mode("thanos query, pushdown", src, PLAN_PUSHDOWN, true);
    run_mode("thanos query, auto", src, PLAN_AUTO, true);
    run_mode("thanos query, local", src, PLAN_LOCAL, false);
    sloeval_source_free(src);
}
END_TEST

/* One instant query through a source: the value, or -1 with err. */
static int eval_one(sloeval_source *src, const char *text, int64_t t, arena *a, value *out,
                    sloeval_error *err)
{
    sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
    po.compat = SLOEVAL_COMPAT_V3;
    sloeval_expr *ex = NULL;
    ck_assert_int_eq(sloeval_expr_parse(&ex, text, strlen(text), &po, err), 0);
    plan_target target = {&src, 1, NULL, 0};
    plan_options opts = {PLAN_PUSHDOWN, SLOEVAL_COMPAT_V3, 0, false};
    plan_batch *b = NULL;
    ck_assert_int_eq(plan_batch_new(&b, &opts, err), 0);
    size_t id;
    ck_assert_int_eq(plan_batch_add_instant(b, &id, &target, sloeval_expr_ast(ex), t, err), 0);
    int rc = plan_batch_run(b, err);
    const value *v = NULL;
    if (rc == 0) rc = plan_batch_result(b, id, &v, NULL, err);
    if (rc == 0) {
        /* Copy out of the batch: the number of series is what we need. */
        out->kind = v->kind;
        if (v->kind == VALUE_VECTOR) {
            memset(&out->u.vector, 0, sizeof out->u.vector);
            for (size_t i = 0; i < v->u.vector.count; i++) {
                /* The labels live in the batch's arena: copy them to ours. */
                const labels *ls = v->u.vector.items[i].labels;
                bool dup;
                vector_push(a, &out->u.vector, labels_make(a, ls->pairs, ls->count, false, &dup),
                            v->u.vector.items[i].t, v->u.vector.items[i].v);
            }
        }
    }
    plan_batch_free(b);
    sloeval_expr_free(ex);
    return rc;
}

static size_t count_with_label(const value *v, const char *name)
{
    size_t n = 0;
    for (size_t i = 0; i < v->u.vector.count; i++)
        if (labels_get(v->u.vector.items[i].labels, strv_from_cstr(name)).len) n++;
    return n;
}

START_TEST(test_dedup_and_replica_labels)
{
    REQUIRE_FIXTURE();
    const char *sel = "http_requests_total{region=\"eu-west-1\"}";
    arena a;
    arena_init(&a, 1 << 16);
    char ts[48];
    prom_format_time(ts, sizeof ts, times[1]);
    value want;
    json_t *j = promserver_query(whole, sel, ts, NULL);
    ck_assert_int_eq(valcmp_from_json(&want, &a, json_object_get(j, "data")), 0);
    json_decref(j);
    size_t n = want.u.vector.count;
    ck_assert_uint_gt(n, 0);

    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    sloeval_source *nodedup = thanos_source(query_url, 0, 0, false);
    ck_assert_msg(eval_one(nodedup, sel, times[1], &a, &v, &err) == 0, "%s", err.message);
    ck_assert_uint_eq(v.u.vector.count, 2 * n);
    ck_assert_uint_eq(count_with_label(&v, "replica"), 2 * n);
    sloeval_source_free(nodedup);

    sloeval_source *dedup = thanos_source(query_url, 0, 1, true);
    ck_assert_msg(eval_one(dedup, sel, times[1], &a, &v, &err) == 0, "%s", err.message);
    char why[600];
    ck_assert_msg(valcmp_equal(&want, &v, why, sizeof why), "dedup=true: %s", why);
    ck_assert_uint_eq(count_with_label(&v, "replica"), 0);
    sloeval_source_free(dedup);
    printf("%-28s %zu eu-west-1 series: %zu without dedup (replica label kept), %zu with "
           "dedup=true and replicaLabels[]=replica\n",
           "thanos query, dedup", n, 2 * n, n);
    arena_free(&a);
}
END_TEST

/* max_source_resolution is passed through: with raw data only (no
 * downsampled blocks) every resolution Thanos accepts gives the answer
 * Thanos gives without it, and a value it cannot parse is its bad_data (HTTP 400:
 * the request's fault, SLOEVAL_ESERVER). */
START_TEST(test_max_source_resolution)
{
    REQUIRE_FIXTURE();
    static const char *const rl[] = {"replica"};
    static const char *const resolutions[] = {"0s", "5m", "1h", "auto", "bogus"};
    const char *expr = "sum by (region, code) (rate(http_requests_total[5m]))";
    arena a;
    arena_init(&a, 1 << 16);
    /* The reference: Thanos's answer without the option (its engine, not
     * 3.16.0's, may differ from the whole server on rates: above). */
    value want;
    sloeval_error werr = SLOEVAL_ERROR_INIT;
    sloeval_source *plain = thanos_source(query_url, 0, 1, true);
    ck_assert_msg(eval_one(plain, expr, times[1], &a, &want, &werr) == 0, "%s", werr.message);
    sloeval_source_free(plain);
    ck_assert_uint_gt(want.u.vector.count, 0);
    for (size_t i = 0; i < sizeof resolutions / sizeof resolutions[0]; i++) {
        sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
        o.url = query_url;
        o.compat = SLOEVAL_COMPAT_V3;
        o.disable_compression = 1;
        o.partial_response = 0;
        o.dedup = 1;
        o.replica_labels = rl;
        o.nreplica_labels = 1;
        o.max_retries = 0;
        o.max_source_resolution = resolutions[i];
        sloeval_source *src = NULL;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_msg(sloeval_source_new_prometheus(&src, &o, &err) == 0, "%s", err.message);
        value v;
        int rc = eval_one(src, expr, times[1], &a, &v, &err);
        if (!strcmp(resolutions[i], "bogus")) {
            printf("%-28s max_source_resolution=bogus: code %d: %s\n", "thanos query, resolution",
                   err.code, err.message);
            ck_assert_msg(rc != 0 && err.code == SLOEVAL_ESERVER && err.http_status == 400 &&
                              strstr(err.message, "max_source_resolution") != NULL,
                          "bogus resolution: code %d: %s", err.code, err.message);
        } else {
            ck_assert_msg(rc == 0, "max_source_resolution=%s: %s", resolutions[i], err.message);
            char why[600];
            ck_assert_msg(valcmp_equal(&want, &v, why, sizeof why), "max_source_resolution=%s: %s",
                          resolutions[i], why);
        }
        sloeval_source_free(src);
    }
    printf("%-28s max_source_resolution 0s, 5m, 1h, auto: the answer without it (%zu series); "
           "bogus: Thanos's bad_data\n",
           "thanos query, resolution", want.u.vector.count);
    arena_free(&a);
}
END_TEST

static runcli_result cli_query(const char *url, const char *compat, const char *mode,
                               const char *expr, int64_t t)
{
    char ts[48];
    prom_format_time(ts, sizeof ts, t);
    const char *argv[] = {SLOEVAL_CLI_PATH, "query", "--url",    url,    "--compat", compat,
                          "--mode",         mode,    "--output", "json", "--time",   ts,
                          "--retries",      "0",     "--",       expr,   NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 120), 0);
    return r;
}

START_TEST(test_cli_query)
{
    REQUIRE_FIXTURE();
    size_t compared = 0;
    for (size_t e = 0; e < NEXPR; e += 8) {
        int t = (int)(e / 8) % NTIMES;
        runcli_result r = cli_query(query1_url, "v3", "auto", refs[e].text, times[t]);
        compared++;
        if (refs[e].tfailed[t]) {
            ck_assert_msg(r.status == 2 && runcli_lines(r.err) == 1,
                          "%s: the server refused it; the CLI exited %d: %s", refs[e].text,
                          r.status, r.err);
            runcli_free(&r);
            continue;
        }
        ck_assert_msg(r.status == 0, "%s: exit %d: %s", refs[e].text, r.status, r.err);
        json_t *j = json_loads(r.out, 0, NULL);
        ck_assert_msg(j != NULL, "%s: not JSON: %s", refs[e].text, r.out);
        value v;
        ck_assert_int_eq(valcmp_from_json(&v, &ref_arena, j), 0);
        json_decref(j);
        char why[600];
        ck_assert_msg(valcmp_equal(&refs[e].tval[t], &v, why, sizeof why), "%s: %s", refs[e].text,
                      why);
        runcli_free(&r);
    }
    printf("%-28s %zu expressions through `sloeval query --url THANOS`, all agree\n",
           "thanos query, CLI", compared);
}
END_TEST

START_TEST(test_compat_auto)
{
    REQUIRE_FIXTURE();
    /* What Thanos's buildinfo says, as sloeval reads it. */
    long status;
    char *body, url[128];
    snprintf(url, sizeof url, "%s/api/v1/status/buildinfo", query_url);
    ck_assert_int_eq(backendproc_http(url, NULL, 0, NULL, NULL, &status, &body), 0);
    printf("%-28s buildinfo (HTTP %ld): %.300s\n", "thanos query, compat auto", status, body);
    free(body);
    runcli_result r = cli_query(query_url, "auto", "pushdown", refs[0].text, times[1]);
    printf("%-28s exit %d, stderr: %s", "", r.status, r.err[0] ? r.err : "(empty)\n");
    if (refs[0].tfailed[1]) {
        ck_assert_int_eq(r.status, 2);
    } else {
        ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
        json_t *j = json_loads(r.out, 0, NULL);
        value v;
        ck_assert_int_eq(valcmp_from_json(&v, &ref_arena, j), 0);
        json_decref(j);
        char why[600];
        ck_assert_msg(valcmp_equal(&refs[0].tval[1], &v, why, sizeof why), "%s", why);
    }
    runcli_free(&r);
}
END_TEST

/* A check config with one SLO on a global backend at `url`. */
static void write_check_config(const char *path, const char *url, bool thanos_opts)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fprintf(f,
            "backends:\n  global:\n    url: \"%s\"\n    compression: false\n    retries: 0\n%s"
            "regions: {label: region, names: [us-east-1, eu-west-1]}\n"
            "period: 3d\n"
            "slos:\n"
            "  - name: availability\n"
            "    objective: 99.9\n"
            "    sli:\n"
            "      error_query: sum(rate(http_requests_total{job=\"checkout\",status=~\"5..\"}"
            "[{{window}}]))\n"
            "      total_query: sum(rate(http_requests_total{job=\"checkout\"}[{{window}}]))\n"
            "    scopes: [region, global]\n",
            url,
            thanos_opts ? "    thanos: {partial_response: false, dedup: true, replica_labels: "
                          "[replica]}\n"
                        : "");
    ck_assert_int_eq(fclose(f), 0);
}

static runcli_result cli_check(const char *config, int64_t t)
{
    char ts[48];
    prom_format_time(ts, sizeof ts, t);
    const char *argv[] = {SLOEVAL_CLI_PATH, "check", "--config", config, "--time", ts,
                          "--output",       "json",  NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 120), 0);
    return r;
}

/* Replace every occurrence of `from` by `to` (same program, two URLs). */
static char *replace_all(const char *s, const char *from, const char *to)
{
    size_t n = 0, lf = strlen(from), lt = strlen(to);
    for (const char *p = strstr(s, from); p; p = strstr(p + lf, from))
        n++;
    char *out = malloc(strlen(s) + n * (lt > lf ? lt - lf : 0) + 1), *o = out;
    for (const char *p = s;;) {
        const char *q = strstr(p, from);
        if (!q) {
            strcpy(o, p);
            break;
        }
        memcpy(o, p, (size_t)(q - p));
        o += q - p;
        memcpy(o, to, lt);
        o += lt;
        p = q + lf;
    }
    return out;
}

START_TEST(test_check_equals_whole_server)
{
    REQUIRE_FIXTURE();
    char cw[400], ct[400];
    snprintf(cw, sizeof cw, "%s/check-whole.yaml", tmpdir);
    snprintf(ct, sizeof ct, "%s/check-thanos.yaml", tmpdir);
    write_check_config(cw, promserver_url(whole), false);
    write_check_config(ct, query1_url, true);
    for (int t = 0; t < NTIMES; t++) {
        runcli_result a = cli_check(cw, times[t]), b = cli_check(ct, times[t]);
        ck_assert_msg(a.status != 2 && a.status < 4, "whole: exit %d: %s", a.status, a.err);
        ck_assert_msg(a.status == b.status, "t%d: whole exit %d, thanos exit %d: %s", t, a.status,
                      b.status, b.err);
        char *bo = replace_all(b.out, query1_url, promserver_url(whole));
        json_t *ja = json_loads(a.out, 0, NULL), *jb = json_loads(bo, 0, NULL);
        ck_assert_msg(ja && jb, "check output is not JSON");
        ck_assert_msg(json_equal(ja, jb),
                      "t%d: the reports differ:\nwhole:  %.800s\nthanos: %.800s", t, a.out, bo);
        printf("%-28s t%d: exit %d, the same JSON report as on the whole server (%zu bytes)\n",
               "thanos query, check", t, a.status, strlen(a.out));
        json_decref(ja);
        json_decref(jb);
        free(bo);
        runcli_free(&a);
        runcli_free(&b);
    }
}
END_TEST

/* Last (the fixture is shared): stop us-east-1's sidecar. */
START_TEST(test_stopped_sidecar)
{
    REQUIRE_FIXTURE();
    backendproc_stop(&sidecar[0]);
    const char *expr = "sum by (region) (rate(http_requests_total[5m]))";
    runcli_result r = cli_query(query_url, "v3", "pushdown", expr, times[1]);
    printf("%-28s partial_response=false: exit %d: %s", "thanos query, sidecar down", r.status,
           r.err);
    /* No answer, one line, inconclusive: Thanos reports the dead store as
     * HTTP 422, errorType "execution", which is not one of PromQL's
     * evaluation errors (prom_server_error_code): the backend failed. */
    ck_assert_msg(r.status == 3 && runcli_lines(r.err) == 1 && !r.out[0] && strstr(r.err, "422") &&
                      strstr(r.err, "execution"),
                  "a stopped sidecar must be inconclusive (exit 3), got exit %d: %s%s", r.status,
                  r.err, r.out);
    runcli_free(&r);

    char ct[400];
    snprintf(ct, sizeof ct, "%s/check-thanos.yaml", tmpdir);
    write_check_config(ct, query_url, true);
    r = cli_check(ct, times[1]);
    printf("%-28s sloeval check: exit %d\n", "", r.status);
    ck_assert_msg(r.status == 3,
                  "sloeval check with a sidecar down must be inconclusive: exit %d: %s", r.status,
                  r.err);
    runcli_free(&r);

    /* partial_response=true: Thanos answers with warnings; sloeval says partial. */
    arena a;
    arena_init(&a, 1 << 16);
    sloeval_source *src = thanos_source(query_url, 1, -1, false);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = eval_one(src, expr, times[1], &a, &v, &err);
    printf("%-28s partial_response=true: code %d: %s\n", "", err.code, err.message);
    ck_assert_msg(rc != 0 && err.code == SLOEVAL_EPARTIAL,
                  "partial_response=true with a store down must be SLOEVAL_EPARTIAL, got %d (%s)",
                  err.code, err.message);
    sloeval_source_free(src);
    arena_free(&a);
}
END_TEST

int main(void)
{
    prom3 = backendproc_binary("SLOEVAL_PROMETHEUS3");
    promtool3 = backendproc_binary("SLOEVAL_PROMTOOL3");
    thanos = backendproc_binary("SLOEVAL_THANOS");
    if (!prom3 || !promtool3 || !thanos) {
        printf("SKIPPED: %s not built (SLOEVAL_PROMETHEUS3, SLOEVAL_PROMTOOL3, SLOEVAL_THANOS): "
               "run scripts/build-backends.sh prometheus thanos\n",
               !thanos ? "Thanos" : "Prometheus 3.x");
        return 77;
    }
    sloeval_global_init();
    Suite *s = suite_create("thanos");
    TCase *tc = tcase_create("thanos");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_modes_equal_whole_server);
    tcase_add_test(tc, test_dedup_and_replica_labels);
    tcase_add_test(tc, test_max_source_resolution);
    tcase_add_test(tc, test_cli_query);
    tcase_add_test(tc, test_compat_auto);
    tcase_add_test(tc, test_check_equals_whole_server);
    tcase_add_test(tc, test_stopped_sidecar);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
