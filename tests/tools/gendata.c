/* sloeval-gendata: write seeded multi-region Prometheus test data as
 * OpenMetrics (a command-line front end to tests/support/datagen.h). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "datagen.h"

static const char usage[] =
    "Usage: sloeval-gendata [OPTIONS]\n"
    "Write seeded, reproducible multi-region Prometheus data as OpenMetrics text\n"
    "that `promtool tsdb create-blocks-from openmetrics` backfills. The same options\n"
    "and seed always give byte-identical output.\n"
    "\n"
    "Series (job=\"checkout\", per region and instance):\n"
    "  http_requests_total{region,instance,method,status}  counter; GET/POST;\n"
    "      status 200, 404, and 500/503 at the configured error ratio\n"
    "  http_request_duration_seconds_bucket{le}, _sum, _count  histogram, le 0.005..10,+Inf\n"
    "  queue_depth{region,instance}  gauge, higher during incidents\n"
    "\n"
    "Output:\n"
    "  -o, --output FILE       write the whole data set to FILE; without -o it goes\n"
    "                          to standard output unless --split-dir is given\n"
    "      --split-dir DIR     also write DIR/<region>.om, one file per region\n"
    "                          (DIR is created; a --no-data region gets a file\n"
    "                          without samples)\n"
    "      --summary           print the time range and each region's requests and\n"
    "                          5xx errors on standard error\n"
    "\n"
    "Data:\n"
    "      --seed N            seed of every random choice (default 1)\n"
    "      --start TIME        first scrape, unix seconds or RFC 3339 UTC\n"
    "                          (default 2024-01-01T00:00:00Z)\n"
    "      --duration DUR      length of the data (default 6h); DUR like 90s, 20m,\n"
    "                          1h30m, 250ms (a bare number is seconds)\n"
    "      --interval DUR      scrape interval (default 15s)\n"
    "      --regions A,B,...   the regions, replacing the default\n"
    "                          us-east-1,eu-west-1,ap-south-1 (applied before the\n"
    "                          per-region options, wherever it appears)\n"
    "      --instances N       instances per region (default 3)\n"
    "      --rps [REGION:]N    requests per second of a region, or of every region\n"
    "                          (default 20)\n"
    "      --error-ratio [REGION:]R  baseline 5xx share of requests (default 0.0005)\n"
    "      --slow-ratio [REGION:]R   baseline share of requests slower than 0.25 s\n"
    "                          (default 0.01)\n"
    "      --incident REGION:FROM-TO:RATIO[:SLOW]\n"
    "                          between FROM and TO (durations from the start) the\n"
    "                          region's 5xx share is RATIO (and its slow share SLOW);\n"
    "                          repeatable, e.g. --incident eu-west-1:20m-80m:0.05\n"
    "      --no-traffic REGION the region's series exist but its counters stay flat\n"
    "      --no-data REGION    the region has no series at all\n"
    "\n"
    "Realism (all on by default):\n"
    "      --no-jitter         scrapes exactly on start + k*interval (no per-instance\n"
    "                          phase, no ms jitter)\n"
    "      --no-gaps           no missed scrapes (normally ~1%, and a 3-minute outage\n"
    "                          of instance 0 of every region)\n"
    "      --no-resets         no counter reset (normally instance 1 restarts once)\n"
    "      --no-late           no late series (normally the last instance starts\n"
    "                          10-30% into the data)\n"
    "      --clean             all four of the above\n"
    "  -h, --help              this text\n";

static int fail(const char *msg)
{
    fprintf(stderr, "sloeval-gendata: %s\n", msg);
    return 2;
}

/* The option's value: "--opt=value" or the next argument. */
static const char *value_of(int argc, char **argv, int *i, const char *arg, size_t optlen)
{
    if (arg[optlen] == '=') return arg + optlen + 1;
    if (arg[optlen] != '\0' || *i + 1 >= argc) return NULL;
    return argv[++*i];
}

static bool is_opt(const char *arg, const char *name)
{
    size_t n = strlen(name);
    return strncmp(arg, name, n) == 0 && (arg[n] == '\0' || arg[n] == '=');
}

static bool takes_value(const char *arg)
{
    static const char *const with_value[] = {
        "--output",     "--split-dir", "--seed",       "--start",   "--duration",
        "--interval",   "--regions",   "--instances",  "--rps",     "--error-ratio",
        "--slow-ratio", "--incident",  "--no-traffic", "--no-data", NULL};
    for (size_t i = 0; with_value[i] != NULL; i++)
        if (is_opt(arg, with_value[i])) return true;
    return strcmp(arg, "-o") == 0;
}

int main(int argc, char **argv)
{
    datagen_config c;
    datagen_config_init(&c);
    char err[512] = "";
    const char *output = NULL, *split_dir = NULL;
    bool summary = false;

    /* --regions first: the per-region options refer to its names. */
    for (int i = 1; i < argc; i++) {
        if (is_opt(argv[i], "--regions")) {
            const char *v = value_of(argc, argv, &i, argv[i], strlen("--regions"));
            if (v == NULL) return fail("--regions needs a value");
            if (datagen_set_regions(&c, v, err, sizeof err) != 0) return fail(err);
        } else if (takes_value(argv[i]) && strchr(argv[i], '=') == NULL) {
            i++;
        }
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            fputs(usage, stdout);
            return 0;
        }
        const char *opt = a;
        size_t optlen = strcspn(a, "=");
        if (strcmp(a, "-o") == 0) optlen = 2;
        if (!takes_value(a)) {
            if (strcmp(a, "--summary") == 0)
                summary = true;
            else if (strcmp(a, "--clean") == 0)
                c.realism = DATAGEN_CLEAN;
            else if (strcmp(a, "--no-jitter") == 0)
                c.realism &= ~(unsigned)DATAGEN_JITTER;
            else if (strcmp(a, "--no-gaps") == 0)
                c.realism &= ~(unsigned)DATAGEN_GAPS;
            else if (strcmp(a, "--no-resets") == 0)
                c.realism &= ~(unsigned)DATAGEN_RESETS;
            else if (strcmp(a, "--no-late") == 0)
                c.realism &= ~(unsigned)DATAGEN_LATE;
            else {
                snprintf(err, sizeof err, "unknown option '%s' (see --help)", a);
                return fail(err);
            }
            continue;
        }
        const char *v = value_of(argc, argv, &i, a, optlen);
        if (v == NULL) {
            snprintf(err, sizeof err, "%.*s needs a value", (int)optlen, opt);
            return fail(err);
        }
        int rc = 0;
        if (is_opt(a, "-o") || is_opt(a, "--output")) {
            output = v;
        } else if (is_opt(a, "--split-dir")) {
            split_dir = v;
        } else if (is_opt(a, "--seed")) {
            char *end;
            errno = 0;
            unsigned long long seed = strtoull(v, &end, 0);
            if (end == v || *end != '\0' || errno != 0 || v[0] == '-') {
                snprintf(err, sizeof err, "invalid seed '%s' (want an unsigned integer)", v);
                return fail(err);
            }
            c.seed = seed;
        } else if (is_opt(a, "--start")) {
            rc = datagen_parse_time(&c.start_ms, v, err, sizeof err);
        } else if (is_opt(a, "--duration")) {
            rc = datagen_parse_duration(&c.duration_ms, v, err, sizeof err);
        } else if (is_opt(a, "--interval")) {
            rc = datagen_parse_duration(&c.interval_ms, v, err, sizeof err);
        } else if (is_opt(a, "--regions")) {
            /* applied above */
        } else if (is_opt(a, "--instances")) {
            char *end;
            long n = strtol(v, &end, 10);
            if (end == v || *end != '\0' || n < 1 || n > 1000) {
                snprintf(err, sizeof err, "invalid instance count '%s' (want 1..1000)", v);
                return fail(err);
            }
            c.instances = (int)n;
        } else if (is_opt(a, "--rps")) {
            rc = datagen_set_rps(&c, v, err, sizeof err);
        } else if (is_opt(a, "--error-ratio")) {
            rc = datagen_set_error_ratio(&c, v, err, sizeof err);
        } else if (is_opt(a, "--slow-ratio")) {
            rc = datagen_set_slow_ratio(&c, v, err, sizeof err);
        } else if (is_opt(a, "--incident")) {
            rc = datagen_add_incident(&c, v, err, sizeof err);
        } else if (is_opt(a, "--no-traffic")) {
            rc = datagen_set_traffic(&c, v, DATAGEN_TRAFFIC_NONE, err, sizeof err);
        } else if (is_opt(a, "--no-data")) {
            rc = datagen_set_traffic(&c, v, DATAGEN_TRAFFIC_NODATA, err, sizeof err);
        }
        if (rc != 0) return fail(err);
    }
    if (datagen_config_check(&c, err, sizeof err) != 0) return fail(err);

    if (split_dir != NULL) {
        if (mkdir(split_dir, 0755) != 0 && errno != EEXIST) {
            snprintf(err, sizeof err, "cannot create %s: %s", split_dir, strerror(errno));
            return fail(err);
        }
        if (datagen_write_split(&c, split_dir, err, sizeof err) != 0) return fail(err);
    }
    if (output != NULL && strcmp(output, "-") != 0) {
        if (datagen_write_file(&c, output, NULL, err, sizeof err) != 0) return fail(err);
    } else if (output != NULL || split_dir == NULL) {
        if (datagen_write(&c, stdout, NULL, err, sizeof err) != 0) return fail(err);
    }

    if (summary) {
        int64_t last = datagen_last_scrape_ms(&c);
        fprintf(stderr, "start %.3f  last scrape %.3f  (unix seconds)\n",
                (double)c.start_ms / 1000.0, (double)last / 1000.0);
        for (size_t i = 0; i < c.nregions; i++) {
            datagen_totals t;
            datagen_region_totals(&t, &c, c.regions[i].name, c.start_ms - 1, last);
            fprintf(stderr, "%-16s requests %.0f  5xx %.0f  (%.5f)\n", c.regions[i].name,
                    t.requests, t.errors, t.requests > 0 ? t.errors / t.requests : 0.0);
        }
    }
    return 0;
}
