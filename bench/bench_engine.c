/*
 * bench_engine: the local evaluation engine over in-memory data.
 *
 * Measures rate(x[5m]) and sum by (region) (rate(x[5m])) over N series of
 * M samples each (4 labels; scraped every 15 s or 1.25 s, with jitter and
 * rare counter resets), at one instant and over a range of steps, and
 * reports for each the median of several runs:
 *   - samples/s: samples inside the evaluated windows per second of
 *     evaluation (eval_expr: the selection from the store included, the
 *     parse not);
 *   - bytes/sample held: the store's bytes (sample arrays, label sets and
 *     what the store keeps for the engine, series table and index) per
 *     stored sample, taken after the runs; and the evaluation's arena bytes
 *     per window sample;
 *   - the floor and the engine's share of it ("ratio"; the goal is >= 0.25
 *     for rate).
 *
 * How the floor is computed: before the timing, the window of every series
 * at every step is found exactly as the evaluation finds it (window_find,
 * 2.x closed windows over the same arrays of the store), giving a list of
 * (pointer, length) pairs, and a destination buffer is allocated and
 * written once (no page faults later). One floor run is a memcpy of each
 * window, in series order, into that buffer: the same bytes, from the same
 * addresses, in the same order the evaluation must read them, at streaming
 * speed, with nothing else done (no search, no labels, no arithmetic, no
 * output). Its samples/s is the window samples over its time. Runs of the
 * evaluation and of the floor alternate, so both see the same state of the
 * machine (load from other processes, what the caches hold: for small N the
 * windows stay in the caches between runs for both, for N = 100,000 they
 * do not); each reports its own median. A copy both reads and writes each
 * byte while an evaluation mostly reads, so a ratio above 1 is possible.
 * The 256 MiB memcpy printed first is the machine's plain streaming
 * bandwidth, for reference.
 *
 * The first evaluation over a store pays one-time work that the median
 * leaves out: putting the series in label order (after series were
 * added) and making the label sets without __name__ that the store keeps.
 *
 * Usage: bench_engine [--quick] [--series N] [--runs R] [--shape 20|240]
 *                     [--mode instant|range] [--expr rate|sum]
 * (--quick: 500 series, one run, to see that it works; --shape picks the
 * data with about 20 or 240 samples per 5m window; --mode and --expr pick
 * the cases).
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine/eval.h"
#include "engine/kernels.h"
#include "model/model.h"
#include "promql/parser.h"
#include "sloeval/source.h"
#include "source/memory.h"
#include "source/source.h"

/* ---- data: sloeval's in-memory source ------------------------------------ */

#define T0 1700000000000LL

typedef struct dataset {
    sloeval_source *mem;
    series *ser; /* what a select of everything gives, for the floor */
    size_t nser;
    arena a;
    size_t nsamples;
    int64_t scrape_ms;
    size_t per_series;
} dataset;

static void make_data(dataset *d, size_t nseries, size_t nsamples, int64_t scrape_ms)
{
    d->scrape_ms = scrape_ms;
    d->per_series = nsamples;
    arena_init(&d->a, 1 << 20);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    if (memory_new(&d->mem, SLOEVAL_COMPAT_V2) < 0 || memory_load_begin(d->mem, &err) < 0) {
        fprintf(stderr, "bench_engine: cannot make the store\n");
        exit(1);
    }
    static const char *const regions[] = {"ap-south-1", "eu-west-1", "us-east-1", "us-west-2"};
    uint64_t rnd = 42;
    for (size_t i = 0; i < nseries; i++) {
        char inst[32], idx[16];
        snprintf(inst, sizeof inst, "host-%zu:9100", i / 8);
        snprintf(idx, sizeof idx, "%zu", i % 8);
        label pairs[] = {{STRV_LIT("__name__"), STRV_LIT("x")},
                         {STRV_LIT("region"), strv_from_cstr(regions[i % 4])},
                         {STRV_LIT("instance"), strv_from_cstr(inst)},
                         {STRV_LIT("shard"), strv_from_cstr(idx)}};
        bool dup;
        const labels *ls = labels_make(memory_arena(d->mem), pairs, 4, false, &dup);
        double v = 0;
        for (size_t k = 0; k < nsamples; k++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            v += (double)(rnd >> 58);           /* increments 0..63 */
            if ((rnd >> 20) % 5000 == 0) v = 0; /* rare counter reset */
            int64_t jitter = (int64_t)((rnd >> 40) % (uint64_t)(scrape_ms / 50));
            if (memory_load_append_labels(d->mem, ls, T0 + (int64_t)k * scrape_ms + jitter, v, NULL,
                                          &err) < 0) {
                fprintf(stderr, "bench_engine: %s\n", err.message);
                exit(1);
            }
        }
    }
    memory_load_commit(d->mem);
    memory_stats ms;
    memory_get_stats(d->mem, &ms);
    d->nsamples = ms.samples;
    /* Every series, as a select returns them (for the floor). */
    matrix m = {0};
    static const label_matcher all = {MATCH_EQUAL, {"__name__", 8}, {"x", 1}};
    if (d->mem->vt->select(d->mem, &all, 1, INT64_MIN, INT64_MAX, &d->a, &m, NULL, &err) < 0) {
        fprintf(stderr, "bench_engine: %s\n", err.message);
        exit(1);
    }
    d->ser = m.items;
    d->nser = m.count;
}

static void free_data(dataset *d)
{
    sloeval_source_free(d->mem);
    arena_free(&d->a);
}

/* ---- measurement ------------------------------------------------------------------ */

/*
 * The floor's work: the window of every series at every step (2.x closed
 * windows, as the evaluation reads them), found once outside the timing.
 */
typedef struct windows {
    const sample **from;
    size_t *len;
    size_t n;
    size_t samples; /* in all windows */
    sample *dst;
} windows;

static void find_windows(windows *w, const dataset *d, int64_t start, int64_t end, int64_t step,
                         int64_t range)
{
    size_t cap = 1024;
    memset(w, 0, sizeof(*w));
    w->from = malloc(cap * sizeof(*w->from));
    w->len = malloc(cap * sizeof(*w->len));
    for (size_t i = 0; i < d->nser; i++) {
        const series *s = &d->ser[i];
        for (int64_t t = start; t <= end; t += step) {
            size_t lo, hi;
            window_find(s->samples, s->count, t - range, t, SLOEVAL_COMPAT_V2, &lo, &hi);
            if (w->n == cap) {
                cap *= 2;
                w->from = realloc(w->from, cap * sizeof(*w->from));
                w->len = realloc(w->len, cap * sizeof(*w->len));
            }
            w->from[w->n] = s->samples + lo;
            w->len[w->n++] = hi - lo;
            w->samples += hi - lo;
        }
    }
    w->dst = malloc((w->samples + 1) * sizeof(sample));
    memset(w->dst, 0, (w->samples + 1) * sizeof(sample)); /* no page faults in the timing */
}

static void free_windows(windows *w)
{
    free(w->from);
    free(w->len);
    free(w->dst);
}

/* One run of the floor: a streaming copy (memcpy) of every window's bytes. */
static double copy_once(windows *w)
{
    double t0 = bench_now_s();
    size_t off = 0;
    for (size_t k = 0; k < w->n; k++) {
        memcpy(w->dst + off, w->from[k], w->len[k] * sizeof(sample));
        off += w->len[k];
    }
    double t = bench_now_s() - t0;
    if (w->samples && w->dst[w->samples / 2].t == 42) fprintf(stderr, " ");
    return t;
}

/* Plain streaming copy bandwidth of a buffer larger than the caches. */
static double stream_bandwidth(void)
{
    size_t bytes = (size_t)256 << 20;
    char *a = malloc(bytes), *b = malloc(bytes);
    memset(a, 1, bytes);
    memset(b, 2, bytes);
    double times[5];
    for (int r = 0; r < 5; r++) {
        double t0 = bench_now_s();
        memcpy(b, a, bytes);
        times[r] = bench_now_s() - t0;
    }
    double bw = (double)bytes / bench_median(times, 5);
    if (b[bytes / 3] == 7) fprintf(stderr, " ");
    free(a);
    free(b);
    return bw;
}

typedef struct result {
    double seconds;       /* the evaluation's median */
    double floor_seconds; /* the copy's median */
    size_t arena_bytes;
    size_t out_series;
} result;

/* Runs of the evaluation and of the floor alternate, so that both see the
 * same state of the machine (load, caches). */
static int run_expr(const dataset *d, windows *w, const char *expr, int64_t start, int64_t end,
                    int64_t step, int runs, result *res)
{
    double times[16], ftimes[16];
    for (int r = 0; r < runs; r++) {
        arena a;
        arena_init(&a, 1 << 20);
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ast_node *root;
        parse_options po = {SLOEVAL_COMPAT_V2, false, 0};
        if (promql_parse(&root, &a, expr, strlen(expr), &po, &err) < 0) {
            fprintf(stderr, "bench_engine: %s: %s\n", expr, err.message);
            return -1;
        }
        eval_opts eo = {SLOEVAL_COMPAT_V2, 300000, 0, 60000, false};
        value v;
        size_t before = a.allocated;
        double t0 = bench_now_s();
        int rc =
            eval_expr(&v, &a, &eo, d->mem, root, expr, strlen(expr), start, end, step, NULL, &err);
        times[r] = bench_now_s() - t0;
        if (rc < 0) {
            fprintf(stderr, "bench_engine: %s: %s\n", expr, err.message);
            arena_free(&a);
            return -1;
        }
        res->arena_bytes = a.allocated - before;
        res->out_series = v.kind == VALUE_VECTOR ? v.u.vector.count : v.u.matrix.count;
        arena_free(&a);
        ftimes[r] = copy_once(w);
    }
    res->seconds = bench_median(times, runs);
    res->floor_seconds = bench_median(ftimes, runs);
    return 0;
}

static int bench_case(const dataset *d, const char *expr, bool range, int runs)
{
    int64_t last = T0 + (int64_t)(d->per_series - 1) * d->scrape_ms;
    int64_t start = last, end = last, step = 0;
    if (range) {
        start = last - 60 * 60000 + 5 * 60000;
        if (start < T0 + 5 * 60000) start = T0 + 5 * 60000;
        step = 60000;
    }
    windows w;
    find_windows(&w, d, start, end, step ? step : 1, 300000);
    result res;
    if (run_expr(d, &w, expr, start, end, step, runs, &res) < 0) {
        free_windows(&w);
        return -1;
    }
    size_t wsamples = w.samples;
    double floor = (double)wsamples / res.floor_seconds;
    free_windows(&w);
    /* the store now, with what evaluations made it keep */
    memory_stats ms;
    memory_get_stats(d->mem, &ms);
    size_t store_bytes = ms.sample_bytes + ms.index_bytes + ms.label_bytes;
    double sps = (double)wsamples / res.seconds;
    int64_t nsteps = range ? (end - start) / step + 1 : 1;
    printf("%-30s %-7s N=%-6zu W=%-4zu steps=%-2" PRId64 " %9.3f ms %7.1f Msamples/s  floor "
           "%7.1f Msamples/s  ratio %.2f  store %.1f B/sample  eval %.1f B/window-sample\n",
           expr, range ? "range" : "instant", d->nser, wsamples / d->nser / (size_t)nsteps, nsteps,
           res.seconds * 1e3, sps / 1e6, floor / 1e6, sps / floor,
           (double)store_bytes / (double)d->nsamples, (double)res.arena_bytes / (double)wsamples);
    return 0;
}

/* Two shapes of data: 15 s scrapes over an hour (about 20 samples per 5m
 * window, 55 one-minute steps), and 1.25 s scrapes over 7 minutes (about
 * 240 samples per window, 3 steps). */
typedef struct shape {
    int64_t scrape_ms;
    size_t samples;
} shape;

int main(int argc, char **argv)
{
    size_t series_list[] = {1000, 10000, 100000};
    size_t nseries_list = 3;
    shape shapes[] = {{15000, 240}, {1250, 336}};
    size_t nshapes = 2;
    int runs = 5;
    int only_shape = 0, only_mode = -1, only_expr = -1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--quick")) {
            series_list[0] = 500;
            nseries_list = 1;
            runs = 1;
        } else if (!strcmp(argv[i], "--series") && i + 1 < argc) {
            series_list[0] = (size_t)strtoull(argv[++i], NULL, 10);
            nseries_list = 1;
        } else if (!strcmp(argv[i], "--runs") && i + 1 < argc) {
            runs = atoi(argv[++i]);
            if (runs < 1) runs = 1;
            if (runs > 15) runs = 15;
        } else if (!strcmp(argv[i], "--shape") && i + 1 < argc) {
            only_shape = atoi(argv[++i]);
        } else if (!strcmp(argv[i], "--mode") && i + 1 < argc) {
            i++;
            only_mode = !strcmp(argv[i], "range");
        } else if (!strcmp(argv[i], "--expr") && i + 1 < argc) {
            i++;
            only_expr = !strcmp(argv[i], "sum");
        } else {
            fprintf(stderr,
                    "usage: bench_engine [--quick] [--series N] [--runs R] [--shape 20|240] "
                    "[--mode instant|range] [--expr rate|sum]\n");
            return 2;
        }
    }
    printf("bench_engine: median of %d runs; 5m windows; W = samples per window\n", runs);
    double bw = stream_bandwidth();
    printf("streaming copy bandwidth (256 MiB memcpy): %.2f GB/s = %.1f Msamples/s\n", bw / 1e9,
           bw / 16 / 1e6);
    for (size_t k = 0; k < nseries_list; k++)
        for (size_t sh = 0; sh < nshapes; sh++) {
            if (only_shape && only_shape != (sh == 0 ? 20 : 240)) continue;
            dataset d;
            make_data(&d, series_list[k], shapes[sh].samples, shapes[sh].scrape_ms);
            const char *exprs[] = {"rate(x[5m])", "sum by (region) (rate(x[5m]))"};
            for (int e = 0; e < 2; e++)
                for (int r = 0; r < 2; r++)
                    if ((only_expr < 0 || only_expr == e) && (only_mode < 0 || only_mode == r) &&
                        bench_case(&d, exprs[e], r == 1, runs) < 0) {
                        free_data(&d);
                        return 1;
                    }
            free_data(&d);
        }
    return 0;
}
