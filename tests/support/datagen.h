/*
 * datagen: a seeded, reproducible generator of multi-region Prometheus data
 * as OpenMetrics text that `promtool tsdb create-blocks-from openmetrics`
 * accepts (and so promserver_start() backfills).
 *
 * What it writes, per region and instance (job="checkout"):
 *   http_requests_total{job,region,instance,method,status}   counter
 *       method GET (70%) / POST (30%); status 200, 404 (1% of non-errors),
 *       500 (60% of errors), 503 (40% of errors)
 *   http_request_duration_seconds_bucket{job,region,instance,le}, _sum, _count
 *       histogram of the same requests; le 0.005 ... 10, +Inf; a share
 *       `slow_ratio` of requests is slower than 0.25 s
 *   queue_depth{job,region,instance}   gauge, higher during incidents
 *
 * The 5xx share of the requests follows the configured error ratio of the
 * region (baseline, or an incident's ratio inside its window), distributed
 * with error diffusion so that over any window of a few scrapes the share is
 * the configured one to within a request or two. All series of one instance
 * share timestamps, gaps and resets (as scrapes of one target do), so rate()
 * ratios are not skewed by the realism features below.
 *
 * Realism (each can be switched off; DATAGEN_CLEAN switches all off):
 *   jitter: every instance has its own scrape phase and every scrape a few
 *           ms of jitter (timestamps are exact to the ms after promtool);
 *   gaps:   about 1% of scrapes missing, plus one 3-minute outage of
 *           instance 0 of every region;
 *   resets: instance 1 of every region restarts once (counters to zero);
 *   late:   the last instance of every region (with 2 or more instances)
 *           starts 10-30% into the data, its counters from zero.
 * Nothing depends on anything but the configuration and the seed: the same
 * configuration gives byte-identical output, and a region's series are the
 * same whatever other regions are generated.
 *
 * Series are written family by family, each series' samples contiguous and
 * in time order, which keeps promtool's appender from dropping samples.
 *
 * Not thread-safe per config; distinct configs may be used concurrently.
 */
#ifndef SLOEVAL_TEST_DATAGEN_H
#define SLOEVAL_TEST_DATAGEN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define DATAGEN_MAX_REGIONS   16
#define DATAGEN_MAX_INCIDENTS 32
#define DATAGEN_NAME_MAX      64

/* 2024-01-01T00:00:00Z */
#define DATAGEN_DEFAULT_START_MS 1704067200000LL

enum {
    DATAGEN_JITTER = 1 << 0,
    DATAGEN_GAPS = 1 << 1,
    DATAGEN_RESETS = 1 << 2,
    DATAGEN_LATE = 1 << 3,
    DATAGEN_REALISM = DATAGEN_JITTER | DATAGEN_GAPS | DATAGEN_RESETS | DATAGEN_LATE,
    DATAGEN_CLEAN = 0,
};

typedef enum datagen_traffic {
    DATAGEN_TRAFFIC_NORMAL = 0,
    DATAGEN_TRAFFIC_NONE,  /* series exist, counters stay flat */
    DATAGEN_TRAFFIC_NODATA /* the region writes no series at all */
} datagen_traffic;

typedef struct datagen_region {
    char name[DATAGEN_NAME_MAX];
    double rps;         /* requests per second over the region's instances */
    double error_ratio; /* baseline 5xx share of requests, 0..1 */
    double slow_ratio;  /* baseline share of requests slower than 0.25 s */
    datagen_traffic traffic;
} datagen_region;

typedef struct datagen_incident {
    char region[DATAGEN_NAME_MAX];
    int64_t from_ms, to_ms; /* offsets from the start: [from, to) */
    double error_ratio;
    double slow_ratio; /* < 0: the region's baseline */
} datagen_incident;

typedef struct datagen_config {
    uint64_t seed;
    int64_t start_ms;    /* first scrape (before phase and jitter), unix ms */
    int64_t duration_ms; /* scrapes at start + k * interval for k*interval < duration */
    int64_t interval_ms;
    int instances;    /* per region */
    unsigned realism; /* DATAGEN_* flags */
    size_t nregions;
    datagen_region regions[DATAGEN_MAX_REGIONS];
    size_t nincidents;
    datagen_incident incidents[DATAGEN_MAX_INCIDENTS];
} datagen_config;

/* Defaults: seed 1, start 2024-01-01T00:00:00Z, 6h, every 15s, 3 instances,
 * all realism on, regions us-east-1, eu-west-1, ap-south-1 at 20 req/s,
 * error ratio 0.0005, slow ratio 0.01, no incidents. */
void datagen_config_init(datagen_config *c);

/*
 * Option parsers shared by the sloeval-gendata command and C tests. Each
 * returns 0, or -1 with a one-line reason in err.
 *   durations: "90", "90s", "20m", "1h30m", "250ms" (a bare number is seconds)
 *   time: unix seconds ("1704067200", "1704067200.5") or RFC 3339 UTC
 *         ("2024-01-01T00:00:00Z")
 */
int datagen_parse_duration(int64_t *out_ms, const char *s, char *err, size_t errlen);
int datagen_parse_time(int64_t *out_ms, const char *s, char *err, size_t errlen);
/* "a,b,c": replace the region list (each with the default settings). */
int datagen_set_regions(datagen_config *c, const char *list, char *err, size_t errlen);
/* "REGION:VALUE" sets one region, a bare "VALUE" every region. */
int datagen_set_rps(datagen_config *c, const char *spec, char *err, size_t errlen);
int datagen_set_error_ratio(datagen_config *c, const char *spec, char *err, size_t errlen);
int datagen_set_slow_ratio(datagen_config *c, const char *spec, char *err, size_t errlen);
/* "REGION" */
int datagen_set_traffic(datagen_config *c, const char *region, datagen_traffic t, char *err,
                        size_t errlen);
/* "REGION:FROM-TO:RATIO[:SLOW]", FROM/TO durations from the start,
 * e.g. "eu-west-1:20m-80m:0.05". */
int datagen_add_incident(datagen_config *c, const char *spec, char *err, size_t errlen);

/* Check a configuration (ranges, known regions); 0 or -1 with a reason. */
int datagen_config_check(const datagen_config *c, char *err, size_t errlen);

/* The region named `name`, or NULL. */
const datagen_region *datagen_region_find(const datagen_config *c, const char *name);

/* The configured 5xx share of `region` at unix time t_ms (incident or
 * baseline); NaN for an unknown region or one without traffic. */
double datagen_error_ratio_at(const datagen_config *c, const char *region, int64_t t_ms);

/*
 * Ground truth: the requests and 5xx errors `region` served in the scrape
 * intervals that end in (from_ms, to_ms] (nominal scrape times, unix ms),
 * summed over its instances, exactly as the counters count them.
 * Returns 0, or -1 for an unknown region.
 */
typedef struct datagen_totals {
    double requests;
    double errors;
    double slow; /* requests slower than 0.25 s */
} datagen_totals;
int datagen_region_totals(datagen_totals *out, const datagen_config *c, const char *region,
                          int64_t from_ms, int64_t to_ms);

/*
 * Write the data set (only_region NULL) or one region of it as OpenMetrics
 * to `out`. Returns 0, or -1 with a one-line reason (bad configuration,
 * write error).
 */
int datagen_write(const datagen_config *c, FILE *out, const char *only_region, char *err,
                  size_t errlen);
/* The same into a file (created or truncated). */
int datagen_write_file(const datagen_config *c, const char *path, const char *only_region,
                       char *err, size_t errlen);
/* One file per region, DIR/<region>.om (a no-data region gets a file with
 * no samples, so a server can still be started on it). DIR must exist. */
int datagen_write_split(const datagen_config *c, const char *dir, char *err, size_t errlen);

/* The nominal time of the last scrape, unix ms. */
int64_t datagen_last_scrape_ms(const datagen_config *c);

#endif
