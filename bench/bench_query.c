/*
 * bench_query: end-to-end queries against a local Prometheus 2.42, in
 * local mode (sloeval fetches raw samples and evaluates) and, for
 * comparison, pushdown mode (the server evaluates), with the time of each
 * local query split into transfer (HTTP, the server's work included),
 * decode (JSON to samples), merge and evaluation.
 *
 * It generates multi-region data (tests/support/datagen.h), backfills it
 * into a Prometheus started on 127.0.0.1 (tests/support/promserver.h), then
 * runs every query --runs times (one query per batch, so that the phases do
 * not overlap, one transfer at a time) and prints, per query, the split of
 * the run with the median total, and the median of pushdown.
 *
 *   bench_query [--instances N] [--hours H] [--runs N] [--compression]
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "datagen.h"
#include "plan/plan.h"
#include "promql/expr.h"
#include "promserver.h"
#include "sloeval/expr.h"
#include "sloeval/http.h"
#include "sloeval/source.h"

typedef struct bench_query {
    const char *expr;
    bool range; /* over the last 6 hours, every minute */
} bench_query;

static const bench_query queries[] = {
    {"sum by (region) (rate(http_requests_total[5m]))", false},
    {"sum by (region) (rate(http_requests_total{status=~\"5..\"}[1h])) / sum by (region) "
     "(rate(http_requests_total[1h]))",
     false},
    {"sum(increase(http_requests_total[6h]))", false},
    {"histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket[1h])))",
     false},
    {"max_over_time(queue_depth[6h])", false},
    {"sum by (region) (rate(http_requests_total[5m]))", true},
};

int main(int argc, char **argv)
{
    int instances = 10, hours = 6, runs = 9;
    bool compression = false;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--instances") && i + 1 < argc)
            instances = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--hours") && i + 1 < argc)
            hours = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
            runs = atoi(argv[++i]);
        else if (!strcmp(argv[i], "--compression"))
            compression = true;
        else {
            fprintf(stderr,
                    "usage: bench_query [--instances N] [--hours H] [--runs N] [--compression]\n");
            return 2;
        }
    }
    if (instances < 1 || hours < 6 || runs < 1) {
        fprintf(stderr, "bench_query: --instances >= 1, --hours >= 6, --runs >= 1\n");
        return 2;
    }
    char err[512];
    datagen_config cfg;
    datagen_config_init(&cfg);
    cfg.instances = instances;
    cfg.duration_ms = (int64_t)hours * 3600 * 1000;
    char dir[] = "/tmp/sloeval-bench-query-XXXXXX";
    if (!mkdtemp(dir)) {
        perror("mkdtemp");
        return 1;
    }
    char path[300];
    snprintf(path, sizeof path, "%s/all.om", dir);
    if (datagen_write_file(&cfg, path, NULL, err, sizeof err)) {
        fprintf(stderr, "datagen: %s\n", err);
        return 1;
    }
    fprintf(stderr, "starting Prometheus on %d instances x 3 regions, %d h at 15 s...\n", instances,
            hours);
    promserver *srv = promserver_start(path, err, sizeof err);
    unlink(path);
    rmdir(dir);
    if (!srv) {
        fprintf(stderr, "promserver: %s\n", err);
        return 1;
    }
    sloeval_global_init();
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    o.url = promserver_url(srv);
    o.compat = SLOEVAL_COMPAT_V2;
    o.disable_compression = compression ? 0 : 1;
    o.parallelism = 1; /* one transfer at a time: the phases add up */
    sloeval_source *src = NULL;
    sloeval_error e = SLOEVAL_ERROR_INIT;
    if (sloeval_source_new_prometheus(&src, &o, &e)) {
        fprintf(stderr, "source: %s\n", e.message);
        return 1;
    }
    int64_t t = datagen_last_scrape_ms(&cfg) - 60000;
    int64_t start = t - 6 * 3600 * 1000 + 600000;
    printf("bench_query: Prometheus 2.42 on 127.0.0.1, %d instances x 3 regions, %d h of data "
           "at 15 s, %s, %d runs, medians\n",
           instances, hours, compression ? "gzip" : "no compression", runs);
    printf("%-10s %8s %8s %8s %8s %8s %8s %9s %10s  %s\n", "mode", "total", "transfer", "decode",
           "merge", "eval", "other", "MB", "pushdown", "query");
    double *tot = calloc((size_t)runs, sizeof(double)), *tr = calloc((size_t)runs, sizeof(double));
    double *de = calloc((size_t)runs, sizeof(double)), *me = calloc((size_t)runs, sizeof(double));
    double *ev = calloc((size_t)runs, sizeof(double)), *pd = calloc((size_t)runs, sizeof(double));
    for (size_t qi = 0; qi < sizeof queries / sizeof queries[0]; qi++) {
        const bench_query *bq = &queries[qi];
        sloeval_expr *expr = NULL;
        sloeval_parse_options po = SLOEVAL_PARSE_OPTIONS_INIT;
        po.compat = SLOEVAL_COMPAT_V2;
        if (sloeval_expr_parse(&expr, bq->expr, strlen(bq->expr), &po, &e)) {
            fprintf(stderr, "%s: %s\n", bq->expr, e.message);
            return 1;
        }
        plan_target target = {&src, 1, NULL, 0};
        size_t bytes = 0;
        for (int mode = 0; mode < 2; mode++) {
            for (int r = 0; r < runs; r++) {
                plan_options popts = {mode == 0 ? PLAN_LOCAL : PLAN_PUSHDOWN, SLOEVAL_COMPAT_V2, 0,
                                      false};
                plan_batch *b = NULL;
                size_t id;
                if (plan_batch_new(&b, &popts, &e) ||
                    (bq->range ? plan_batch_add_range(b, &id, &target, sloeval_expr_ast(expr),
                                                      start, t, 60000, &e)
                               : plan_batch_add_instant(b, &id, &target, sloeval_expr_ast(expr), t,
                                                        &e)) ||
                    plan_batch_run(b, &e)) {
                    fprintf(stderr, "%s: %s\n", bq->expr, e.message);
                    return 1;
                }
                const value *v;
                if (plan_batch_result(b, id, &v, NULL, &e)) {
                    fprintf(stderr, "%s: %s\n", bq->expr, e.message);
                    return 1;
                }
                plan_stats st;
                plan_batch_get_stats(b, &st);
                if (mode == 0) {
                    tot[r] = st.run_seconds;
                    tr[r] = st.transfer_seconds;
                    de[r] = st.decode_seconds;
                    me[r] = st.merge_seconds;
                    ev[r] = st.eval_seconds;
                    bytes = st.bytes;
                } else {
                    pd[r] = st.run_seconds;
                }
                plan_batch_free(b);
            }
        }
        /* The split of the run with the median total. */
        double *sorted = calloc((size_t)runs, sizeof(double));
        memcpy(sorted, tot, (size_t)runs * sizeof(double));
        double mt = bench_median(sorted, runs);
        free(sorted);
        int mid = 0;
        for (int r = 1; r < runs; r++)
            if (fabs(tot[r] - mt) < fabs(tot[mid] - mt)) mid = r;
        mt = tot[mid];
        double mtr = tr[mid], mde = de[mid], mme = me[mid], mev = ev[mid];
        printf("%-10s %7.1fms %7.1fms %7.1fms %7.1fms %7.1fms %7.1fms %9.2f %8.1fms  %s%s\n",
               "local", mt * 1e3, mtr * 1e3, mde * 1e3, mme * 1e3, mev * 1e3,
               fmax(0, mt - mtr - mde - mme - mev) * 1e3, (double)bytes / 1e6,
               bench_median(pd, runs) * 1e3, bq->expr, bq->range ? " (range 6h/1m)" : "");
        fflush(stdout);
        sloeval_expr_free(expr);
    }
    printf("transfer: HTTP request to last byte, the server's selection and JSON encoding "
           "included; decode: sloeval's JSON decoder; other: planning, request setup\n");
    free(tot);
    free(tr);
    free(de);
    free(me);
    free(ev);
    free(pd);
    sloeval_source_free(src);
    promserver_stop(srv);
    sloeval_global_cleanup();
    return 0;
}
