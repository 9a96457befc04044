/*
 * sloeval against a real Mimir (built by scripts/build-backends.sh), in
 * monolithic mode (-target=all) with filesystem storage in a temporary
 * folder, on 127.0.0.1 with free ports. Data is pushed by remote write (a
 * small client here: Prometheus's remote-write 1.0 protobuf, snappy-framed
 * as literals) for three tenants: "tenant-a", "tenant-b" (other values and
 * a metric of its own) and "limited" (tenant-a's data, with a runtime
 * override max_fetched_series_per_query: 1). The same samples are
 * backfilled into a Prometheus 3.x per tenant: the reference.
 * Checked, all through `sloeval query --url http://127.0.0.1:PORT/prometheus
 * --tenant T` (the path prefix):
 *   1. answers equal the tenant's reference Prometheus, at three times;
 *   2. tenant isolation: tenant-a never sees tenant-b's series (its metric
 *      is empty for tenant-a, and the shared metric has tenant-a's values);
 *   3. errors Mimir really returns: a query over tenant "limited"'s series
 *      limit (exit 3, err-mimir-max-series-per-query), no tenant (no
 *      X-Scope-OrgID: exit 3), a many-to-many expression (the
 *      expression's fault: exit 2).
 * Exits 77 (skipped, reason printed) when Mimir or Prometheus 3.x is not
 * built.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "backendproc.h"
#include "promserver.h"
#include "runcli.h"
#include "sloeval/http.h"
#include "source/prometheus.h"
#include "valcmp.h"

#define NTENANT  2 /* with data and a reference: tenant-a, tenant-b */
#define NINST    3
#define NCODE    2
#define STEP_MS  15000
#define NSAMPLES 161 /* 40 minutes */
#define NTIMES   3
#define NEXPRS   6

static const char *prom3, *promtool3, *mimir;
static char tmpdir[64];
static backendproc mimir_proc;
static char base_url[64];   /* http://127.0.0.1:PORT */
static char prefix_url[96]; /* base_url + /prometheus */
static promserver *ref[NTENANT];
static char fixture_error[2048];
static int64_t t_end, times[NTIMES];
static const char *const tenant[NTENANT] = {"tenant-a", "tenant-b"};
static const char *const code[NCODE] = {"200", "500"};

/* The expressions compared with the reference (no rates near the edges). */
static const char *const exprs[NEXPRS] = {
    "sloeval_requests_total",
    "sum by (code) (rate(sloeval_requests_total[5m]))",
    "sum(rate(sloeval_requests_total{code=\"500\"}[10m])) / sum(rate(sloeval_requests_total[10m]))",
    "max_over_time(sloeval_queue_depth[10m])",
    "count by (instance) (sloeval_requests_total)",
    "only_in_b",
};

/* The value of series (tenant, instance, code) at sample k: counters that
 * differ between tenants; a gauge per instance (code -1). */
static double sample_value(int t, int inst, int c, int k)
{
    if (c < 0) return (double)((k * 7 + inst * 3 + t * 5) % 23);
    double per_step = (double)(1 + inst + 2 * t) * (c == 0 ? 10.0 : 1.0 + (k / 40) % 3);
    return per_step * k + (double)((k * 13 + inst) % 5);
}

/* --- remote write: protobuf and snappy, by hand --- */

typedef struct buf {
    unsigned char *p;
    size_t len, cap;
} buf;

static void put(buf *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 4096;
        while (cap < b->len + n)
            cap *= 2;
        b->p = realloc(b->p, cap);
        if (!b->p) abort(); /* called from the fixture too: no ck_assert */
        b->cap = cap;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
}

static void put_varint(buf *b, uint64_t v)
{
    unsigned char c[10];
    size_t n = 0;
    do {
        c[n] = (unsigned char)(v & 0x7f);
        v >>= 7;
        if (v) c[n] |= 0x80;
        n++;
    } while (v);
    put(b, c, n);
}

/* A length-delimited field: key, length, bytes. */
static void put_bytes(buf *b, unsigned field, const void *data, size_t n)
{
    put_varint(b, (uint64_t)field << 3 | 2);
    put_varint(b, n);
    put(b, data, n);
}

/* prometheus.Label {name = 1, value = 2} */
static void put_label(buf *ts, const char *name, const char *val)
{
    buf l = {0};
    put_bytes(&l, 1, name, strlen(name));
    put_bytes(&l, 2, val, strlen(val));
    put_bytes(ts, 1, l.p, l.len);
    free(l.p);
}

/* prometheus.Sample {double value = 1, int64 timestamp = 2} */
static void put_sample(buf *ts, double v, int64_t t)
{
    buf s = {0};
    unsigned char d[8];
    uint64_t bits;
    memcpy(&bits, &v, 8);
    for (int i = 0; i < 8; i++)
        d[i] = (unsigned char)(bits >> (8 * i));
    put_varint(&s, 1 << 3 | 1);
    put(&s, d, 8);
    put_varint(&s, 2 << 3 | 0);
    put_varint(&s, (uint64_t)t);
    put_bytes(ts, 2, s.p, s.len);
    free(s.p);
}

/* Snappy's block format with literals only: the length, then chunks of at
 * most 65536 bytes, each tagged 61 << 2 with a two-byte length - 1. */
static void snappy_literal(buf *out, const buf *in)
{
    put_varint(out, in->len);
    for (size_t off = 0; off < in->len; off += 65536) {
        size_t n = in->len - off < 65536 ? in->len - off : 65536;
        unsigned char tag[3] = {61 << 2, (unsigned char)((n - 1) & 0xff),
                                (unsigned char)((n - 1) >> 8)};
        put(out, tag, 3);
        put(out, in->p + off, n);
    }
}

/* One series of the WriteRequest (timeseries = 1); labels sorted by name. */
static void put_series(buf *wr, const char *name, int data_tenant, int inst, int c)
{
    buf ts = {0};
    char instance[32];
    snprintf(instance, sizeof instance, "api-%d:8080", inst);
    put_label(&ts, "__name__", name);
    if (c >= 0) put_label(&ts, "code", code[c]);
    put_label(&ts, "instance", instance);
    put_label(&ts, "job", "api");
    for (int k = 0; k < NSAMPLES; k++)
        put_sample(&ts, sample_value(data_tenant, inst, c, k),
                   t_end - (int64_t)(NSAMPLES - 1 - k) * STEP_MS);
    put_bytes(wr, 1, ts.p, ts.len);
    free(ts.p);
}

/* Push tenant `data_tenant`'s series as tenant `org`. */
static int push(int data_tenant, const char *org, char *err, size_t errlen)
{
    buf wr = {0}, body = {0};
    for (int i = 0; i < NINST; i++) {
        for (int c = 0; c < NCODE; c++)
            put_series(&wr, "sloeval_requests_total", data_tenant, i, c);
        put_series(&wr, "sloeval_queue_depth", data_tenant, i, -1);
    }
    if (data_tenant == 1) put_series(&wr, "only_in_b", 1, 0, -1);
    snappy_literal(&body, &wr);
    char url[128], org_h[128];
    snprintf(url, sizeof url, "%s/api/v1/push", base_url);
    snprintf(org_h, sizeof org_h, "X-Scope-OrgID: %s", org);
    const char *headers[] = {org_h, "Content-Encoding: snappy",
                             "X-Prometheus-Remote-Write-Version: 0.1.0", NULL};
    long status = 0;
    char *resp = NULL;
    int rc = backendproc_http(url, (const char *)body.p, body.len, "application/x-protobuf",
                              headers, &status, &resp);
    if (rc || status / 100 != 2) {
        snprintf(err, errlen, "remote write as %s: HTTP %ld: %.300s", org, status,
                 resp ? resp : "(no answer)");
        rc = -1;
    }
    free(resp);
    free(wr.p);
    free(body.p);
    return rc;
}

/* The same samples as OpenMetrics, for the reference Prometheus. */
static int write_openmetrics(const char *path, int t)
{
    FILE *f = fopen(path, "w");
    if (!f) return -1;
    for (int fam = 0; fam < 3; fam++) {
        if (fam == 2 && t != 1) break;
        const char *name = fam == 0   ? "sloeval_requests_total"
                           : fam == 1 ? "sloeval_queue_depth"
                                      : "only_in_b";
        for (int i = 0; i < (fam == 2 ? 1 : NINST); i++)
            for (int c = 0; c < (fam == 0 ? NCODE : 1); c++)
                for (int k = 0; k < NSAMPLES; k++) {
                    int64_t ts = t_end - (int64_t)(NSAMPLES - 1 - k) * STEP_MS;
                    char codel[32] = "";
                    if (fam == 0) snprintf(codel, sizeof codel, "code=\"%s\",", code[c]);
                    fprintf(f, "%s{%sinstance=\"api-%d:8080\",job=\"api\"} %.17g %lld.%03lld\n",
                            name, codel, i, sample_value(t, i, fam == 0 ? c : -1, k),
                            (long long)(ts / 1000), (long long)(ts % 1000));
                }
    }
    fprintf(f, "# EOF\n");
    return fclose(f) ? -1 : 0;
}

static void sweep_stale(void)
{
    DIR *d = opendir("/tmp");
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        long pid;
        if (sscanf(de->d_name, "sloeval-mimir-%ld-", &pid) != 1 || pid <= 0) continue;
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
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sloeval-mimir-%ld-XXXXXX", (long)getpid());
    if (!mkdtemp(tmpdir)) {
        snprintf(fixture_error, sizeof fixture_error, "mkdtemp: %s", strerror(errno));
        return;
    }
    /* Recent samples (the ingesters take nothing older than their head). */
    t_end = ((int64_t)time(NULL) * 1000 - 120000) / STEP_MS * STEP_MS;
    times[0] = t_end - 25 * 60000 + 123;
    times[1] = t_end - 10 * 60000;
    times[2] = t_end;

    snprintf(path, sizeof path, "%s/runtime.yaml", tmpdir);
    FILE *f = fopen(path, "w");
    if (!f || fprintf(f, "overrides:\n  limited:\n    max_fetched_series_per_query: 1\n") < 0 ||
        fclose(f)) {
        snprintf(fixture_error, sizeof fixture_error, "cannot write %s", path);
        return;
    }
    int http = promserver_free_port(), grpc = promserver_free_port();
    char a_http[64], a_grpc[64], a_blocks[400], a_tsdb[400], a_sync[400], a_compactor[400],
        a_rules[400], a_rulepath[400], a_am[400], a_activity[400], a_runtime[500], log[400],
        ready[128];
    snprintf(a_http, sizeof a_http, "-server.http-listen-port=%d", http);
    snprintf(a_grpc, sizeof a_grpc, "-server.grpc-listen-port=%d", grpc);
    snprintf(a_blocks, sizeof a_blocks, "-blocks-storage.filesystem.dir=%s/blocks", tmpdir);
    snprintf(a_tsdb, sizeof a_tsdb, "-blocks-storage.tsdb.dir=%s/tsdb", tmpdir);
    snprintf(a_sync, sizeof a_sync, "-blocks-storage.bucket-store.sync-dir=%s/sync", tmpdir);
    snprintf(a_compactor, sizeof a_compactor, "-compactor.data-dir=%s/compactor", tmpdir);
    snprintf(a_rules, sizeof a_rules, "-ruler-storage.filesystem.dir=%s/rules", tmpdir);
    snprintf(a_rulepath, sizeof a_rulepath, "-ruler.rule-path=%s/ruler", tmpdir);
    snprintf(a_am, sizeof a_am, "-alertmanager-storage.filesystem.dir=%s/alertmanager", tmpdir);
    snprintf(a_activity, sizeof a_activity, "-activity-tracker.filepath=%s/activity.log", tmpdir);
    snprintf(a_runtime, sizeof a_runtime, "-runtime-config.file=%s", path);
    snprintf(log, sizeof log, "%s/mimir.log", tmpdir);
    snprintf(base_url, sizeof base_url, "http://127.0.0.1:%d", http);
    snprintf(prefix_url, sizeof prefix_url, "%s/prometheus", base_url);
    snprintf(ready, sizeof ready, "%s/ready", base_url);
    char *argv[] = {
        (char *)mimir, "-target=all", "-auth.multitenancy-enabled=true",
        "-server.http-listen-address=127.0.0.1", "-server.grpc-listen-address=127.0.0.1", a_http,
        a_grpc, "-log.level=warn", "-usage-stats.enabled=false",
        "-blocks-storage.backend=filesystem", a_blocks, a_tsdb, a_sync, a_compactor,
        "-compactor.ring.store=inmemory", "-compactor.ring.instance-addr=127.0.0.1",
        "-distributor.ring.store=inmemory", "-distributor.ring.instance-addr=127.0.0.1",
        "-ingester.ring.store=inmemory", "-ingester.ring.instance-addr=127.0.0.1",
        "-ingester.ring.replication-factor=1", "-ingester.ring.min-ready-duration=0s",
        "-ingester.ring.final-sleep=0s", "-ingester.out-of-order-time-window=1h",
        "-store-gateway.sharding-ring.store=inmemory",
        "-store-gateway.sharding-ring.instance-addr=127.0.0.1",
        "-store-gateway.sharding-ring.replication-factor=1", "-query-scheduler.ring.store=inmemory",
        "-query-scheduler.ring.instance-addr=127.0.0.1",
        /* Else the frontend advertises its interface's address
         * to the scheduler, which then cannot answer it. */
        "-query-frontend.instance-addr=127.0.0.1", "-querier.ring.store=inmemory",
        "-querier.ring.instance-addr=127.0.0.1", "-overrides-exporter.ring.instance-addr=127.0.0.1",
        "-overrides-exporter.ring.store=inmemory", "-ruler-storage.backend=filesystem", a_rules,
        a_rulepath, "-ruler.ring.store=inmemory", "-ruler.ring.instance-addr=127.0.0.1",
        "-alertmanager-storage.backend=filesystem", a_am,
        "-alertmanager.sharding-ring.store=inmemory", a_activity, a_runtime, NULL};
    if (backendproc_start(&mimir_proc, "mimir", argv, log, err, sizeof err) ||
        backendproc_wait_http(&mimir_proc, ready, 120000, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "%s", err);
        return;
    }
    if (push(0, "tenant-a", err, sizeof err) || push(1, "tenant-b", err, sizeof err) ||
        push(0, "limited", err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "%s", err);
        return;
    }
    for (int t = 0; t < NTENANT; t++) {
        snprintf(path, sizeof path, "%s/%s.om", tmpdir, tenant[t]);
        if (write_openmetrics(path, t)) {
            snprintf(fixture_error, sizeof fixture_error, "cannot write %s", path);
            return;
        }
        promserver_options o = {0};
        o.openmetrics_path = path;
        o.prometheus_path = prom3;
        o.promtool_path = promtool3;
        ref[t] = promserver_start_opts(&o, err, sizeof err);
        if (!ref[t]) {
            snprintf(fixture_error, sizeof fixture_error, "reference %s: %s", tenant[t], err);
            return;
        }
    }
}

static void teardown(void)
{
    backendproc_stop(&mimir_proc);
    for (int t = 0; t < NTENANT; t++)
        promserver_stop(ref[t]);
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    if (system(cmd) != 0) fprintf(stderr, "cannot remove %s\n", tmpdir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

/* sloeval query through Mimir's /prometheus prefix (tenant NULL: none). */
static runcli_result cli_query(const char *org, const char *expr, int64_t t)
{
    char ts[48];
    prom_format_time(ts, sizeof ts, t);
    const char *argv[20];
    size_t n = 0;
    argv[n++] = SLOEVAL_CLI_PATH;
    argv[n++] = "query";
    argv[n++] = "--url";
    argv[n++] = prefix_url;
    if (org) {
        argv[n++] = "--tenant";
        argv[n++] = org;
    }
    const char *rest[] = {"--compat", "v3", "--mode",    "pushdown", "--output", "json",
                          "--time",   ts,   "--retries", "0",        "--",       expr};
    for (size_t i = 0; i < sizeof rest / sizeof rest[0]; i++)
        argv[n++] = rest[i];
    argv[n] = NULL;
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, NULL, NULL, 120), 0);
    return r;
}

START_TEST(test_answers_equal_reference)
{
    REQUIRE_FIXTURE();
    arena a;
    arena_init(&a, 1 << 16);
    size_t compared = 0, nonempty = 0;
    for (int t = 0; t < NTENANT; t++)
        for (int e = 0; e < NEXPRS; e++)
            for (int k = 0; k < NTIMES; k++) {
                char ts[48];
                prom_format_time(ts, sizeof ts, times[k]);
                json_t *j = promserver_query(ref[t], exprs[e], ts, NULL);
                ck_assert_ptr_nonnull(j);
                value want, got;
                ck_assert_int_eq(valcmp_from_json(&want, &a, json_object_get(j, "data")), 0);
                json_decref(j);
                runcli_result r = cli_query(tenant[t], exprs[e], times[k]);
                ck_assert_msg(r.status == 0, "%s %s: exit %d: %s", tenant[t], exprs[e], r.status,
                              r.err);
                json_t *g = json_loads(r.out, 0, NULL);
                ck_assert_msg(g != NULL, "not JSON: %s", r.out);
                ck_assert_int_eq(valcmp_from_json(&got, &a, g), 0);
                json_decref(g);
                char why[600];
                ck_assert_msg(valcmp_equal(&want, &got, why, sizeof why), "%s, %s at %s: %s",
                              tenant[t], exprs[e], ts, why);
                compared++;
                if (got.kind != VALUE_VECTOR || got.u.vector.count) nonempty++;
                runcli_free(&r);
            }
    printf("%-28s %zu answers through /prometheus with --tenant equal the reference "
           "Prometheus 3.x's (%zu non-empty)\n",
           "mimir, answers", compared, nonempty);
    ck_assert_uint_gt(nonempty, compared / 2);
    arena_free(&a);
}
END_TEST

START_TEST(test_tenant_isolation)
{
    REQUIRE_FIXTURE();
    arena a;
    arena_init(&a, 1 << 16);
    value v;
    /* tenant-b's own metric: tenant-b sees it, tenant-a does not. */
    runcli_result r = cli_query("tenant-b", "only_in_b", times[2]);
    ck_assert_msg(r.status == 0, "exit %d: %s", r.status, r.err);
    json_t *j = json_loads(r.out, 0, NULL);
    ck_assert_int_eq(valcmp_from_json(&v, &a, j), 0);
    json_decref(j);
    ck_assert_uint_eq(v.u.vector.count, 1);
    runcli_free(&r);
    static const char *const probes[] = {"only_in_b", "{__name__=~\"only.*\"}",
                                         "count({__name__=~\".+\"})"};
    size_t want_all = NINST * NCODE + NINST; /* tenant-a's series */
    for (size_t i = 0; i < sizeof probes / sizeof probes[0]; i++) {
        r = cli_query("tenant-a", probes[i], times[2]);
        ck_assert_msg(r.status == 0, "%s: exit %d: %s", probes[i], r.status, r.err);
        j = json_loads(r.out, 0, NULL);
        ck_assert_int_eq(valcmp_from_json(&v, &a, j), 0);
        json_decref(j);
        if (i < 2) {
            ck_assert_msg(v.u.vector.count == 0, "tenant-a sees %zu series of %s", v.u.vector.count,
                          probes[i]);
        } else {
            ck_assert_uint_eq(v.u.vector.count, 1);
            ck_assert_msg(v.u.vector.items[0].v == (double)want_all,
                          "tenant-a counts %g series, its own are %zu", v.u.vector.items[0].v,
                          want_all);
        }
        runcli_free(&r);
    }
    printf("%-28s tenant-a sees none of tenant-b's series (only_in_b, a regex over names), "
           "counts its own %zu\n",
           "mimir, isolation", want_all);
    arena_free(&a);
}
END_TEST

START_TEST(test_errors)
{
    REQUIRE_FIXTURE();
    /* Over the tenant's limit (1 series): the backend refused, inconclusive. */
    runcli_result r = cli_query("limited", "sum(sloeval_requests_total)", times[2]);
    printf("%-28s series limit: exit %d: %s", "mimir, errors", r.status, r.err);
    ck_assert_msg(r.status == 3 && runcli_lines(r.err) == 1 && !r.out[0] &&
                      strstr(r.err, "err-mimir-max-series-per-query"),
                  "over the series limit: exit %d: %s", r.status, r.err);
    runcli_free(&r);
    /* Under it: the same tenant answers. */
    r = cli_query("limited", "sloeval_queue_depth{instance=\"api-0:8080\"}", times[2]);
    ck_assert_msg(r.status == 0, "under the limit: exit %d: %s", r.status, r.err);
    runcli_free(&r);

    /* No tenant: Mimir refuses the request (no X-Scope-OrgID). */
    r = cli_query(NULL, "sloeval_queue_depth", times[2]);
    printf("%-28s no tenant: exit %d: %s", "", r.status, r.err);
    ck_assert_msg(r.status == 3 && runcli_lines(r.err) == 1 && !r.out[0], "no tenant: exit %d: %s",
                  r.status, r.err);
    runcli_free(&r);

    /* The expression's fault: many-to-many matching, Mimir's 422. */
    r = cli_query("tenant-a", "sloeval_requests_total + on(job) sloeval_requests_total", times[2]);
    printf("%-28s many-to-many: exit %d: %s", "", r.status, r.err);
    ck_assert_msg(r.status == 2 && runcli_lines(r.err) == 1 && !r.out[0],
                  "a many-to-many expression: exit %d: %s", r.status, r.err);
    runcli_free(&r);
}
END_TEST

int main(void)
{
    prom3 = backendproc_binary("SLOEVAL_PROMETHEUS3");
    promtool3 = backendproc_binary("SLOEVAL_PROMTOOL3");
    mimir = backendproc_binary("SLOEVAL_MIMIR");
    if (!prom3 || !promtool3 || !mimir) {
        printf("SKIPPED: %s not built (SLOEVAL_MIMIR, SLOEVAL_PROMETHEUS3, SLOEVAL_PROMTOOL3): "
               "run scripts/build-backends.sh prometheus mimir\n",
               !mimir ? "Mimir" : "Prometheus 3.x");
        return 77;
    }
    sloeval_global_init();
    Suite *s = suite_create("mimir");
    TCase *tc = tcase_create("mimir");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_answers_equal_reference);
    tcase_add_test(tc, test_tenant_isolation);
    tcase_add_test(tc, test_errors);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
