/*
 * bench_parse: time per sloeval_expr_parse() (parse, type check, one free)
 * and memory per parse, on SLO-style expressions and on the shapes of
 * Prometheus's own parser benchmark (promql/bench_test.go BenchmarkParser).
 *
 * For each expression: a warm-up, then ROUNDS rounds of enough parses to
 * last ~2 ms each; the per-parse time of every round is recorded and the
 * median (and the 10th/90th percentiles) reported. Memory: the bytes the
 * parse's arena handed out (nodes, strings, the handle) and the bytes it
 * took from malloc (chunks; a parse usually takes one 4 KiB chunk).
 *
 * Times are the thread's CPU time per parse (CLOCK_THREAD_CPUTIME_ID), so that
 * other load on the machine does not count; --wall uses the monotonic clock.
 *
 * usage: bench_parse [--compat v2|v3] [--rounds N] [--quick] [--wall]
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"
#include "promql/expr.h"
#include "sloeval.h"

static const char *const slo_exprs[] = {
    /* ~150 bytes: the target shape */
    "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[5m])) / "
    "sum(rate(http_requests_total{job=\"checkout\"}[5m])) > 14.4 * 0.001",
    "sum by (region) (rate(http_requests_total{service=\"api\",code=~\"5..\"}[1h])) / sum by "
    "(region) (rate(http_requests_total{service=\"api\"}[1h]))",
    "(sum(rate(errors_total{slo=\"availability\",region=\"eu-west-1\"}[30m])) / "
    "sum(rate(requests_total{slo=\"availability\",region=\"eu-west-1\"}[30m]))) > (6 * (1 - "
    "0.999))",
    "1 - sum(rate(http_request_duration_seconds_bucket{le=\"0.3\",job=\"api\"}[30m])) / "
    "sum(rate(http_request_duration_seconds_count{job=\"api\"}[30m]))",
    "histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job=\"api\","
    "chaos!=\"true\"}[5m]))) > 0.5",
    "sum(increase(slo_errors_total{slo=\"checkout\"}[30d])) / "
    "sum(increase(slo_requests_total{slo=\"checkout\"}[30d]))",
    "sum without (instance, pod) (rate(grpc_server_handled_total{grpc_code!=\"OK\",grpc_service="
    "\"payments\"}[5m])) > 0",
    "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[5m])) / "
    "sum(rate(http_requests_total{job=\"checkout\"}[5m])) > 14.4 * 0.001 and "
    "sum(rate(http_requests_total{job=\"checkout\",code=~\"5..\"}[1h])) / "
    "sum(rate(http_requests_total{job=\"checkout\"}[1h])) > 14.4 * 0.001",
    "rate(http_requests_total{job=\"checkout\"}[5m])",
    "up{job=\"checkout\"} == 0",
};

static const char *const prom_exprs[] = {
    "a",
    "metric",
    "1",
    "1 >= bool 1",
    "1 + 2/(3*1)",
    "foo or bar",
    "foo and bar unless baz or qux",
    "bar + on(foo) bla / on(baz, buz) group_right(test) blub",
    "foo / ignoring(test,blub) group_left(blub) bar",
    "foo - ignoring(test,blub) group_right(bar,foo) bar",
    "foo{a=\"b\", foo!=\"bar\", test=~\"test\", bar!~\"baz\"}",
    "min_over_time(rate(foo{bar=\"baz\"}[2s])[5m:])[4m:3s]",
    "sum without(and, by, avg, count, alert, annotations)(some_metric) [30m:10s]",
    /* should fail */
    "(",
    "}",
    "1 or 1",
    "1 or on(bar) foo",
    "foo unless on(bar) group_left(baz) bar",
    "test[5d] OFFSET 10s [10m:5s]",
};

/* The thread's CPU time: time spent descheduled on a busy machine does not
 * count (--wall measures wall time instead). */
static clockid_t bench_clock = CLOCK_THREAD_CPUTIME_ID;

static double now_ns(void)
{
    struct timespec ts;
    clock_gettime(bench_clock, &ts);
    return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

typedef struct result {
    double p10, median, p90;
    size_t arena_bytes, malloc_bytes;
    int ok;
} result;

static result bench_one(const char *text, const sloeval_parse_options *o, int rounds)
{
    result r = {0};
    size_t len = strlen(text);
    sloeval_expr *e = NULL;
    r.ok = sloeval_expr_parse(&e, text, len, o, NULL) == 0;
    if (r.ok) {
        arena *a = sloeval_expr_arena(e);
        r.arena_bytes = a->allocated;
        r.malloc_bytes = a->reserved;
        sloeval_expr_free(e);
    }
    /* Calibrate: parses per ~2 ms round. */
    long per_round = 1;
    for (;;) {
        double t0 = now_ns();
        for (long i = 0; i < per_round; i++) {
            e = NULL;
            sloeval_expr_parse(&e, text, len, o, NULL);
            sloeval_expr_free(e);
        }
        if (now_ns() - t0 > 2e6 || per_round > (1L << 24)) break;
        per_round *= 2;
    }
    double *t = malloc(sizeof(double) * (size_t)rounds);
    for (int k = 0; k < rounds; k++) {
        double t0 = now_ns();
        for (long i = 0; i < per_round; i++) {
            e = NULL;
            sloeval_expr_parse(&e, text, len, o, NULL);
            sloeval_expr_free(e);
        }
        t[k] = (now_ns() - t0) / (double)per_round;
    }
    qsort(t, (size_t)rounds, sizeof(double), bench_cmp_double);
    r.p10 = t[rounds / 10];
    r.median = t[rounds / 2];
    r.p90 = t[rounds - 1 - rounds / 10];
    free(t);
    return r;
}

static void machine(void)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512], model[256] = "unknown CPU";
    int cpus = 0;
    while (f && fgets(line, sizeof(line), f)) {
        if (!strncmp(line, "model name", 10)) {
            char *c = strchr(line, ':');
            if (c) {
                snprintf(model, sizeof(model), "%s", c + 2);
                model[strcspn(model, "\n")] = '\0';
            }
            cpus++;
        }
    }
    if (f) fclose(f);
    printf("machine: %s, %d CPUs; compiler: %s\n", model, cpus,
#if defined(__clang__)
           "clang " __clang_version__
#elif defined(__GNUC__)
           "gcc " __VERSION__
#else
           "unknown"
#endif
    );
}

static void run_set(const char *title, const char *const *exprs, size_t n,
                    const sloeval_parse_options *o, int rounds)
{
    printf("\n%s\n%-60s %5s %9s %9s %9s %7s %7s\n", title, "expression", "bytes", "p10 ns",
           "median", "p90 ns", "arena", "malloc");
    double *medians = malloc(sizeof(double) * n);
    for (size_t i = 0; i < n; i++) {
        result r = bench_one(exprs[i], o, rounds);
        char shown[61];
        snprintf(shown, sizeof(shown), "%s", exprs[i]);
        if (strlen(exprs[i]) > 60) memcpy(shown + 56, "...", 4);
        printf("%-60s %5zu %9.0f %9.0f %9.0f %7zu %7zu%s\n", shown, strlen(exprs[i]), r.p10,
               r.median, r.p90, r.arena_bytes, r.malloc_bytes, r.ok ? "" : "  (error)");
        medians[i] = r.median;
    }
    qsort(medians, n, sizeof(double), bench_cmp_double);
    printf("median of the medians: %.0f ns\n", medians[n / 2]);
    free(medians);
}

int main(int argc, char **argv)
{
    sloeval_parse_options o = SLOEVAL_PARSE_OPTIONS_INIT;
    int rounds = 41;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--compat") && i + 1 < argc) {
            o.compat = !strcmp(argv[++i], "v2") ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
        } else if (!strcmp(argv[i], "--rounds") && i + 1 < argc) {
            rounds = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--quick")) {
            rounds = 5;
        } else if (!strcmp(argv[i], "--wall")) {
            bench_clock = CLOCK_MONOTONIC;
        } else {
            fprintf(stderr,
                    "usage: bench_parse [--compat v2|v3] [--rounds N] [--quick] [--wall]\n");
            return 2;
        }
    }
    if (rounds < 3) rounds = 3;
    machine();
    printf("grammar: %s; %d rounds of ~2 ms per expression; %s time per parse+free\n",
           o.compat == SLOEVAL_COMPAT_V2 ? "v2" : "v3", rounds,
           bench_clock == CLOCK_MONOTONIC ? "wall" : "thread CPU");
    run_set("SLO-style expressions", slo_exprs, sizeof(slo_exprs) / sizeof(slo_exprs[0]), &o,
            rounds);
    run_set("Prometheus BenchmarkParser shapes (the last six fail)", prom_exprs,
            sizeof(prom_exprs) / sizeof(prom_exprs[0]), &o, rounds);
    return 0;
}
