/*
 * bench_decode: decoding of /api/v1/query_range matrix responses into
 * model values (lib/source/prom_decode.c), in MB/s and samples/s, at
 * realistic sizes per sample. It also times jansson's json_loadb alone on
 * the same bodies, to say how much of the decode is JSON parsing and how
 * much is building the model.
 *
 * Usage: bench_decode [repetitions] [--no-reference]
 *   repetitions: default 9; medians are printed
 *   --no-reference: skip the jansson timing (for profiling the decoder)
 */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "source/prometheus.h"
#include "util/strbuf.h"

typedef enum shape {
    COUNTERS, /* integer-second timestamps, integer counter values: ~22 B/sample */
    GAUGES,   /* millisecond timestamps, float values: ~35 B/sample */
} shape;

/* A matrix body of `nseries` series with `nsamples` samples each. */
static char *make_body(shape sh, int nseries, int nsamples, size_t *len)
{
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[");
    uint64_t rng = 88172645463325252ULL;
    for (int s = 0; s < nseries; s++) {
        if (s) strbuf_putc(&sb, ',');
        strbuf_printf(&sb,
                      "{\"metric\":{\"__name__\":\"http_requests_total\",\"job\":\"api\","
                      "\"instance\":\"10.0.%d.%d:9090\",\"code\":\"%d\",\"region\":\"eu-west-1\"},"
                      "\"values\":[",
                      s / 250, s % 250, 200 + s % 5);
        long long t = 1704067200000LL;
        double gauge = 100.0;
        long long counter = 1000 + s;
        for (int i = 0; i < nsamples; i++) {
            if (i) strbuf_putc(&sb, ',');
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            if (sh == COUNTERS) {
                counter += (long long)(rng % 50);
                strbuf_printf(&sb, "[%lld,\"%lld\"]", t / 1000, counter);
                t += 15000;
            } else {
                gauge += (double)(rng % 2001) / 1000.0 - 1.0;
                strbuf_printf(&sb, "[%lld.%03lld,\"%.17g\"]", t / 1000, t % 1000, gauge);
                t += 15000 + (long long)(rng % 7);
            }
        }
        strbuf_puts(&sb, "]}");
    }
    strbuf_puts(&sb, "]}}");
    if (sb.failed) {
        fprintf(stderr, "out of memory\n");
        exit(1);
    }
    *len = sb.len;
    return strbuf_detach(&sb);
}

static void run(const char *name, shape sh, int nseries, int nsamples, int reps, bool ref)
{
    size_t len;
    char *body = make_body(sh, nseries, nsamples, &len);
    double total_samples = (double)nseries * nsamples;
    double *dec = calloc((size_t)reps, sizeof(double));
    double *parse = calloc((size_t)reps, sizeof(double));
    for (int r = 0; r < reps; r++) {
        arena a;
        arena_init(&a, 1 << 20);
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        double t0 = bench_now_s();
        int rc = prom_decode_response(&v, NULL, body, len, 200, "application/json",
                                      "http://bench/api/v1/query_range", &a, &err);
        dec[r] = bench_now_s() - t0;
        if (rc || v.kind != VALUE_MATRIX || v.u.matrix.count != (size_t)nseries) {
            fprintf(stderr, "%s: decode failed: %s\n", name, err.message);
            exit(1);
        }
        arena_free(&a);
        if (!ref) continue;

        json_error_t jerr;
        t0 = bench_now_s();
        json_t *root = json_loadb(body, len, JSON_REJECT_DUPLICATES, &jerr);
        parse[r] = bench_now_s() - t0;
        if (!root) exit(1);
        t0 = bench_now_s();
        json_decref(root);
        parse[r] += bench_now_s() - t0;
    }
    double md = bench_median(dec, reps), mp = bench_median(parse, reps);
    printf("%-9s %4d series x %5d samples, %7.1f MB, %4.1f B/sample: decode median %7.3f s = "
           "%6.1f MB/s, %5.2f M samples/s; json_loadb+decref alone %7.3f s (%2.0f%% of the "
           "decode)\n",
           name, nseries, nsamples, (double)len / 1e6, (double)len / total_samples, md,
           (double)len / 1e6 / md, total_samples / 1e6 / md, mp, 100.0 * mp / md);
    free(dec);
    free(parse);
    free(body);
}

int main(int argc, char **argv)
{
    int reps = argc > 1 ? atoi(argv[1]) : 9;
    if (reps < 1) reps = 1;
    bool ref = !(argc > 2 && !strcmp(argv[2], "--no-reference"));
    printf("bench_decode: %d repetitions each, medians\n", reps);
    /* A day at 15 s for 100 series (an SLO window's raw fetch), and a
     * many-series range query. */
    run("counters", COUNTERS, 100, 5760, reps, ref);
    run("gauges", GAUGES, 100, 5760, reps, ref);
    run("counters", COUNTERS, 2000, 240, reps, ref);
    run("gauges", GAUGES, 2000, 240, reps, ref);
    return 0;
}
