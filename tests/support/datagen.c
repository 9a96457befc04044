/* datagen: seeded multi-region Prometheus test data (see datagen.h). */
#include "datagen.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define NMETHOD  2
#define NSTATUS  4
#define NCOUNTER (NMETHOD * NSTATUS)
#define NBUCKET  12
#define NFAST    6 /* buckets up to le=0.25 */

#define JOB           "checkout"
#define OUTAGE_MS     (3 * 60 * 1000)
#define MISS_RATE     0.01
#define STATUS_404    0.01 /* share of the non-error requests */
#define DIURNAL_SWING 0.2
#define NOISE_SWING   0.1
#define TWO_PI        6.283185307179586

static const char *const method_names[NMETHOD] = {"GET", "POST"};
static const double method_share[NMETHOD] = {0.7, 0.3};
static const char *const status_names[NSTATUS] = {"200", "404", "500", "503"};
static const char *const le_names[NBUCKET] = {"0.005", "0.01", "0.025", "0.05", "0.1", "0.25",
                                              "0.5",   "1",    "2.5",   "5",    "10",  "+Inf"};
/* Cumulative shape of the fast requests over le 0.005..0.25, and of the slow
 * ones over le 0.5..+Inf; a representative latency for each bucket's range. */
static const double fast_cdf[NFAST] = {0.02, 0.08, 0.25, 0.55, 0.85, 1.0};
static const double slow_cdf[NBUCKET - NFAST] = {0.5, 0.8, 0.95, 0.99, 0.997, 1.0};
static const double range_latency[NBUCKET] = {0.003, 0.0075, 0.018, 0.038, 0.072, 0.16,
                                              0.36,  0.7,    1.6,   3.4,   7.0,   12.0};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
    if (err == NULL || errlen == 0) return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ---- deterministic randomness (splitmix64) ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t mix64(uint64_t z)
{
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t rng_next(rng *r)
{
    r->s += 0x9e3779b97f4a7c15ULL;
    return mix64(r->s);
}

/* Uniform in [0, 1). */
static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t hash_str(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
    return h;
}

/* A stream of its own for every (seed, region, instance, purpose), so that
 * switching a feature off or adding a region changes nothing else. */
static rng rng_for(uint64_t seed, const char *region, int instance, int stream)
{
    rng r = {
        mix64(seed ^ mix64(hash_str(region) ^ mix64((uint64_t)instance * 64 + (uint64_t)stream)))};
    return r;
}

enum { STREAM_SETUP, STREAM_JITTER, STREAM_GAPS, STREAM_NOISE, STREAM_GAUGE };

/* ---- configuration ---- */

static void region_defaults(datagen_region *r, const char *name)
{
    memset(r, 0, sizeof *r);
    snprintf(r->name, sizeof r->name, "%s", name);
    r->rps = 20.0;
    r->error_ratio = 0.0005;
    r->slow_ratio = 0.01;
    r->traffic = DATAGEN_TRAFFIC_NORMAL;
}

void datagen_config_init(datagen_config *c)
{
    memset(c, 0, sizeof *c);
    c->seed = 1;
    c->start_ms = DATAGEN_DEFAULT_START_MS;
    c->duration_ms = 6 * 3600 * 1000LL;
    c->interval_ms = 15000;
    c->instances = 3;
    c->realism = DATAGEN_REALISM;
    static const char *const names[] = {"us-east-1", "eu-west-1", "ap-south-1"};
    for (size_t i = 0; i < 3; i++)
        region_defaults(&c->regions[i], names[i]);
    c->nregions = 3;
}

static bool valid_name(const char *s, size_t len)
{
    if (len == 0 || len >= DATAGEN_NAME_MAX) return false;
    for (size_t i = 0; i < len; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '-' && s[i] != '_' && s[i] != '.')
            return false;
    return s[0] != '.';
}

const datagen_region *datagen_region_find(const datagen_config *c, const char *name)
{
    for (size_t i = 0; i < c->nregions; i++)
        if (strcmp(c->regions[i].name, name) == 0) return &c->regions[i];
    return NULL;
}

int datagen_parse_duration(int64_t *out_ms, const char *s, char *err, size_t errlen)
{
    const char *p = s;
    double total = 0;
    bool any = false;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.') goto bad;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno != 0 || v < 0) goto bad;
        p = end;
        double unit = 1000; /* a bare number is seconds */
        if (strncmp(p, "ms", 2) == 0)
            unit = 1, p += 2;
        else if (*p == 's')
            p++;
        else if (*p == 'm')
            unit = 60e3, p++;
        else if (*p == 'h')
            unit = 3600e3, p++;
        else if (*p == 'd')
            unit = 86400e3, p++;
        else if (*p != '\0')
            goto bad;
        total += v * unit;
        any = true;
    }
    if (!any || total > 1e15) goto bad;
    *out_ms = (int64_t)llround(total);
    return 0;
bad:
    set_err(err, errlen, "invalid duration '%s' (want e.g. 90s, 20m, 1h30m, 250ms)", s);
    return -1;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int datagen_parse_time(int64_t *out_ms, const char *s, char *err, size_t errlen)
{
    int y, mo, d, h, mi, sec, n = 0;
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &sec, &n) == 6 && n == 19) {
        const char *p = s + n;
        int64_t frac_ms = 0;
        if (*p == '.') {
            int digits = 0;
            for (p++; isdigit((unsigned char)*p); p++, digits++)
                if (digits < 3) frac_ms = frac_ms * 10 + (*p - '0');
            if (digits == 0) goto bad;
            for (; digits < 3; digits++)
                frac_ms *= 10;
        }
        if (strcmp(p, "Z") != 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 ||
            sec > 60)
            goto bad;
        int64_t days = days_from_civil(y, mo, d);
        *out_ms = ((days * 24 + h) * 60 + mi) * 60000LL + sec * 1000LL + frac_ms;
        return 0;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end != s && *end == '\0' && errno == 0 && isfinite(v) && fabs(v) < 1e13) {
        *out_ms = (int64_t)llround(v * 1000.0);
        return 0;
    }
bad:
    set_err(err, errlen, "invalid time '%s' (want unix seconds or 2024-01-01T00:00:00Z)", s);
    return -1;
}

int datagen_set_regions(datagen_config *c, const char *list, char *err, size_t errlen)
{
    size_t n = 0;
    datagen_region regions[DATAGEN_MAX_REGIONS];
    const char *p = list;
    for (;;) {
        size_t len = strcspn(p, ",");
        if (!valid_name(p, len)) {
            set_err(err, errlen, "invalid region name '%.*s' in '%s' (letters, digits, -_.)",
                    (int)len, p, list);
            return -1;
        }
        if (n == DATAGEN_MAX_REGIONS) {
            set_err(err, errlen, "too many regions (at most %d)", DATAGEN_MAX_REGIONS);
            return -1;
        }
        char name[DATAGEN_NAME_MAX];
        snprintf(name, sizeof name, "%.*s", (int)len, p);
        for (size_t i = 0; i < n; i++)
            if (strcmp(regions[i].name, name) == 0) {
                set_err(err, errlen, "region '%s' listed twice", name);
                return -1;
            }
        region_defaults(&regions[n++], name);
        if (p[len] == '\0') break;
        p += len + 1;
    }
    memcpy(c->regions, regions, n * sizeof regions[0]);
    c->nregions = n;
    return 0;
}

static datagen_region *find_mut(datagen_config *c, const char *name, size_t len)
{
    for (size_t i = 0; i < c->nregions; i++)
        if (strlen(c->regions[i].name) == len && memcmp(c->regions[i].name, name, len) == 0)
            return &c->regions[i];
    return NULL;
}

static int parse_number(double *out, const char *s, double lo, double hi)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= lo && v <= hi)) return -1;
    *out = v;
    return 0;
}

/* "REGION:VALUE" or "VALUE"; sets the double at byte offset `field` of the
 * matching region(s). */
static int set_region_value(datagen_config *c, const char *spec, size_t field, double lo, double hi,
                            const char *what, char *err, size_t errlen)
{
    const char *colon = strrchr(spec, ':');
    const char *value = colon != NULL ? colon + 1 : spec;
    double v;
    if (parse_number(&v, value, lo, hi) != 0) {
        set_err(err, errlen, "invalid %s '%s' in '%s' (want a number in [%g, %g])", what, value,
                spec, lo, hi);
        return -1;
    }
    if (colon == NULL) {
        for (size_t i = 0; i < c->nregions; i++)
            *(double *)((char *)&c->regions[i] + field) = v;
        return 0;
    }
    datagen_region *r = find_mut(c, spec, (size_t)(colon - spec));
    if (r == NULL) {
        set_err(err, errlen, "unknown region '%.*s' in '%s'", (int)(colon - spec), spec, spec);
        return -1;
    }
    *(double *)((char *)r + field) = v;
    return 0;
}

int datagen_set_rps(datagen_config *c, const char *spec, char *err, size_t errlen)
{
    return set_region_value(c, spec, offsetof(datagen_region, rps), 0, 1e7, "request rate", err,
                            errlen);
}

int datagen_set_error_ratio(datagen_config *c, const char *spec, char *err, size_t errlen)
{
    return set_region_value(c, spec, offsetof(datagen_region, error_ratio), 0, 1, "error ratio",
                            err, errlen);
}

int datagen_set_slow_ratio(datagen_config *c, const char *spec, char *err, size_t errlen)
{
    return set_region_value(c, spec, offsetof(datagen_region, slow_ratio), 0, 1, "slow ratio", err,
                            errlen);
}

int datagen_set_traffic(datagen_config *c, const char *region, datagen_traffic t, char *err,
                        size_t errlen)
{
    datagen_region *r = find_mut(c, region, strlen(region));
    if (r == NULL) {
        set_err(err, errlen, "unknown region '%s'", region);
        return -1;
    }
    r->traffic = t;
    return 0;
}

int datagen_add_incident(datagen_config *c, const char *spec, char *err, size_t errlen)
{
    char buf[256];
    if (strlen(spec) >= sizeof buf) {
        set_err(err, errlen, "incident spec too long");
        return -1;
    }
    snprintf(buf, sizeof buf, "%s", spec);
    char *fields[5];
    size_t nf = 0;
    for (char *p = buf;; p++) {
        fields[nf++] = p;
        p = strchr(p, ':');
        if (p == NULL || nf == 5) break;
        *p = '\0';
    }
    datagen_incident inc;
    memset(&inc, 0, sizeof inc);
    char *dash = nf >= 3 ? strchr(fields[1], '-') : NULL;
    if (nf < 3 || nf > 4 || dash == NULL) {
        set_err(err, errlen, "invalid incident '%s' (want REGION:FROM-TO:RATIO[:SLOW])", spec);
        return -1;
    }
    *dash = '\0';
    if (find_mut(c, fields[0], strlen(fields[0])) == NULL) {
        set_err(err, errlen, "unknown region '%s' in incident '%s'", fields[0], spec);
        return -1;
    }
    snprintf(inc.region, sizeof inc.region, "%s", fields[0]);
    if (datagen_parse_duration(&inc.from_ms, fields[1], err, errlen) != 0 ||
        datagen_parse_duration(&inc.to_ms, dash + 1, err, errlen) != 0)
        return -1;
    if (inc.to_ms <= inc.from_ms) {
        set_err(err, errlen, "incident '%s' ends before it starts", spec);
        return -1;
    }
    if (parse_number(&inc.error_ratio, fields[2], 0, 1) != 0) {
        set_err(err, errlen, "invalid error ratio '%s' in incident '%s' (want 0..1)", fields[2],
                spec);
        return -1;
    }
    inc.slow_ratio = -1;
    if (nf == 4 && parse_number(&inc.slow_ratio, fields[3], 0, 1) != 0) {
        set_err(err, errlen, "invalid slow ratio '%s' in incident '%s' (want 0..1)", fields[3],
                spec);
        return -1;
    }
    if (c->nincidents == DATAGEN_MAX_INCIDENTS) {
        set_err(err, errlen, "too many incidents (at most %d)", DATAGEN_MAX_INCIDENTS);
        return -1;
    }
    c->incidents[c->nincidents++] = inc;
    return 0;
}

int datagen_config_check(const datagen_config *c, char *err, size_t errlen)
{
    if (c->interval_ms < 100) {
        set_err(err, errlen, "scrape interval %lldms too short (at least 100ms)",
                (long long)c->interval_ms);
        return -1;
    }
    if (c->duration_ms < c->interval_ms || c->duration_ms / c->interval_ms > 50000000) {
        set_err(err, errlen, "duration %lldms must cover 1 to 50M scrape intervals",
                (long long)c->duration_ms);
        return -1;
    }
    if (c->start_ms < 0 || c->start_ms > 253402300799000LL) {
        set_err(err, errlen, "start time out of range (1970 to 9999)");
        return -1;
    }
    if (c->instances < 1 || c->instances > 1000) {
        set_err(err, errlen, "instances per region must be 1..1000, not %d", c->instances);
        return -1;
    }
    if (c->nregions == 0 || c->nregions > DATAGEN_MAX_REGIONS) {
        set_err(err, errlen, "need 1 to %d regions", DATAGEN_MAX_REGIONS);
        return -1;
    }
    for (size_t i = 0; i < c->nregions; i++) {
        const datagen_region *r = &c->regions[i];
        if (!valid_name(r->name, strlen(r->name)) || datagen_region_find(c, r->name) != r) {
            set_err(err, errlen, "invalid or repeated region name '%s'", r->name);
            return -1;
        }
        if (!(r->rps >= 0 && r->rps <= 1e7) || !(r->error_ratio >= 0 && r->error_ratio <= 1) ||
            !(r->slow_ratio >= 0 && r->slow_ratio <= 1)) {
            set_err(err, errlen, "region '%s': rate or ratio out of range", r->name);
            return -1;
        }
    }
    for (size_t i = 0; i < c->nincidents; i++) {
        const datagen_incident *in = &c->incidents[i];
        if (datagen_region_find(c, in->region) == NULL) {
            set_err(err, errlen, "incident in unknown region '%s'", in->region);
            return -1;
        }
        if (in->to_ms <= in->from_ms || !(in->error_ratio >= 0 && in->error_ratio <= 1) ||
            in->slow_ratio > 1) {
            set_err(err, errlen, "incident %zu in '%s' is invalid", i + 1, in->region);
            return -1;
        }
    }
    return 0;
}

int64_t datagen_last_scrape_ms(const datagen_config *c)
{
    int64_t n = (c->duration_ms + c->interval_ms - 1) / c->interval_ms;
    return c->start_ms + (n - 1) * c->interval_ms;
}

/* The incident covering unix time t in region r, or NULL (the last one
 * listed wins where they overlap). */
static const datagen_incident *incident_at(const datagen_config *c, const datagen_region *r,
                                           int64_t t)
{
    const datagen_incident *found = NULL;
    for (size_t i = 0; i < c->nincidents; i++) {
        const datagen_incident *in = &c->incidents[i];
        if (strcmp(in->region, r->name) == 0 && t >= c->start_ms + in->from_ms &&
            t < c->start_ms + in->to_ms)
            found = in;
    }
    return found;
}

double datagen_error_ratio_at(const datagen_config *c, const char *region, int64_t t_ms)
{
    const datagen_region *r = datagen_region_find(c, region);
    if (r == NULL || r->traffic != DATAGEN_TRAFFIC_NORMAL || r->rps == 0) return NAN;
    const datagen_incident *in = incident_at(c, r, t_ms);
    return in != NULL ? in->error_ratio : r->error_ratio;
}

/* ---- simulation of one instance ---- */

/* Per scrape k: the values of every series of the instance, whether the
 * scrape happened, its timestamp, and the truth of interval k. */
enum {
    COL_COUNTER = 0,
    COL_BUCKET = COL_COUNTER + NCOUNTER,
    COL_SUM = COL_BUCKET + NBUCKET,
    COL_COUNT,
    COL_GAUGE,
    COL_REQ,
    COL_ERR,
    COL_SLOW,
    NCOL
};

typedef struct sim {
    size_t n;
    int64_t *ts;
    unsigned char *present;
    double *col[NCOL];
    double *mem;
} sim;

static void sim_free(sim *s)
{
    free(s->ts);
    free(s->present);
    free(s->mem);
    memset(s, 0, sizeof *s);
}

/* Cumulative bucket counts for `total` requests of which `slow` are slow. */
static void bucket_counts(double *out, double total, double slow)
{
    double fast = total - slow;
    for (int j = 0; j < NFAST; j++)
        out[j] = j == NFAST - 1 ? fast : floor(fast * fast_cdf[j] + 0.5);
    for (int j = NFAST; j < NBUCKET; j++)
        out[j] = j == NBUCKET - 1 ? total : fast + floor(slow * slow_cdf[j - NFAST] + 0.5);
}

static double bucket_latency_sum(const double *cum)
{
    double sum = 0, prev = 0;
    for (int j = 0; j < NBUCKET; j++) {
        sum += (cum[j] - prev) * range_latency[j];
        prev = cum[j];
    }
    return sum;
}

static int simulate(sim *out, const datagen_config *c, const datagen_region *r, int inst)
{
    memset(out, 0, sizeof *out);
    size_t n = (size_t)((c->duration_ms + c->interval_ms - 1) / c->interval_ms);
    out->n = n;
    out->ts = malloc(n * sizeof *out->ts);
    out->present = malloc(n);
    out->mem = malloc(n * NCOL * sizeof(double));
    if (out->ts == NULL || out->present == NULL || out->mem == NULL) {
        sim_free(out);
        return -1;
    }
    for (int i = 0; i < NCOL; i++)
        out->col[i] = out->mem + (size_t)i * n;

    bool traffic = r->traffic == DATAGEN_TRAFFIC_NORMAL;
    unsigned realism = c->realism;

    /* Setup draws, in a fixed order whatever the flags say. */
    double weight_sum = 0, weight = 0;
    for (int i = 0; i < c->instances; i++) {
        rng w = rng_for(c->seed, r->name, i, STREAM_SETUP);
        double wi = 0.8 + 0.4 * rng_unit(&w);
        weight_sum += wi;
        if (i == inst) weight = wi;
    }
    rng setup = rng_for(c->seed, r->name, inst, STREAM_SETUP);
    (void)rng_unit(&setup); /* the weight */
    double initial = floor(1e5 + 9e5 * rng_unit(&setup));
    double late_at = (0.1 + 0.2 * rng_unit(&setup)) * (double)c->duration_ms;
    double reset_at = (0.4 + 0.3 * rng_unit(&setup)) * (double)c->duration_ms;
    double outage_at = (0.1 + 0.8 * rng_unit(&setup)) * (double)c->duration_ms;
    int64_t jitter_max = c->interval_ms / 20 < 20 ? c->interval_ms / 20 : 20;
    int64_t phase = (int64_t)(rng_unit(&setup) * (double)(c->interval_ms - 2 * jitter_max - 1));
    double gauge_start = floor(2 + 6 * rng_unit(&setup));

    bool late =
        (realism & DATAGEN_LATE) && traffic && c->instances >= 2 && inst == c->instances - 1;
    bool resets = (realism & DATAGEN_RESETS) && traffic && inst == (c->instances >= 2 ? 1 : 0);
    bool outage = (realism & DATAGEN_GAPS) && inst == 0;
    if (!(realism & DATAGEN_JITTER)) phase = jitter_max = 0;
    int64_t late_abs = c->start_ms + (int64_t)late_at;
    int64_t reset_abs = c->start_ms + (int64_t)reset_at;
    int64_t outage_abs = c->start_ms + (int64_t)outage_at;

    rng rj = rng_for(c->seed, r->name, inst, STREAM_JITTER);
    rng rg = rng_for(c->seed, r->name, inst, STREAM_GAPS);
    rng rn = rng_for(c->seed, r->name, inst, STREAM_NOISE);
    rng rq = rng_for(c->seed, r->name, inst, STREAM_GAUGE);

    /* Cumulative values and the error-diffusion remainders. */
    double counter[NCOUNTER], acc[NCOUNTER], bucket[NBUCKET], hsum = 0, acc_slow = 0;
    double gauge = gauge_start;
    memset(acc, 0, sizeof acc);
    for (int m = 0; m < NMETHOD; m++) {
        double non_err = 1 - r->error_ratio;
        double shares[NSTATUS] = {non_err * (1 - STATUS_404), non_err * STATUS_404,
                                  r->error_ratio * 0.6, r->error_ratio * 0.4};
        for (int s = 0; s < NSTATUS; s++)
            counter[m * NSTATUS + s] = late ? 0 : floor(initial * method_share[m] * shares[s]);
    }
    double count = 0;
    for (int i = 0; i < NCOUNTER; i++)
        count += counter[i];
    bucket_counts(bucket, count, floor(count * r->slow_ratio + 0.5));
    hsum = bucket_latency_sum(bucket);
    bool started = !late, reset_done = false;

    double interval_s = (double)c->interval_ms / 1000.0;
    for (size_t k = 0; k < n; k++) {
        int64_t nominal = c->start_ms + (int64_t)k * c->interval_ms;
        int64_t mid = nominal - c->interval_ms / 2;
        double u_jitter = rng_unit(&rj);
        double u_gap = rng_unit(&rg);
        double u_noise = rng_unit(&rn);
        double u_gauge = rng_unit(&rq);

        bool alive = !late || nominal >= late_abs;
        if (alive && !started) {
            started = true; /* a new process: every counter from zero */
            memset(counter, 0, sizeof counter);
            memset(bucket, 0, sizeof bucket);
            hsum = 0;
        }
        if (alive && resets && !reset_done && nominal >= reset_abs) {
            reset_done = true;
            memset(counter, 0, sizeof counter);
            memset(bucket, 0, sizeof bucket);
            hsum = 0;
        }

        const datagen_incident *in = incident_at(c, r, mid);
        double ratio = in != NULL ? in->error_ratio : r->error_ratio;
        double slow_ratio = (in != NULL && in->slow_ratio >= 0) ? in->slow_ratio : r->slow_ratio;
        double requests = 0, errors = 0, slow = 0;
        if (alive && traffic) {
            double t_s = (double)mid / 1000.0;
            double rps = r->rps * (1 + DIURNAL_SWING * sin(TWO_PI * t_s / 86400.0));
            double expected =
                rps * interval_s * (weight / weight_sum) * (1 + NOISE_SWING * (2 * u_noise - 1));
            double non_err = 1 - ratio;
            double shares[NSTATUS] = {non_err * (1 - STATUS_404), non_err * STATUS_404, ratio * 0.6,
                                      ratio * 0.4};
            for (int m = 0; m < NMETHOD; m++)
                for (int s = 0; s < NSTATUS; s++) {
                    int i = m * NSTATUS + s;
                    acc[i] += expected * method_share[m] * shares[s];
                    double inc = floor(acc[i]);
                    acc[i] -= inc;
                    counter[i] += inc;
                    requests += inc;
                    if (s >= 2) errors += inc;
                }
            acc_slow += requests * slow_ratio;
            slow = floor(acc_slow);
            if (slow > requests) slow = requests;
            acc_slow -= slow;
            if (acc_slow > 1) acc_slow = 1;
            double inc_bucket[NBUCKET];
            bucket_counts(inc_bucket, requests, slow);
            for (int j = 0; j < NBUCKET; j++)
                bucket[j] += inc_bucket[j];
            hsum += bucket_latency_sum(inc_bucket);
        }
        double target = in != NULL ? 40 : gauge_start;
        gauge += floor((target - gauge) * 0.2 + (u_gauge - 0.5) * 4 + 0.5);
        if (gauge < 0) gauge = 0;

        bool missing = (realism & DATAGEN_GAPS) && u_gap < MISS_RATE;
        if (outage && nominal >= outage_abs && nominal < outage_abs + OUTAGE_MS) missing = true;
        out->present[k] = alive && !missing;
        out->ts[k] =
            nominal + phase +
            (jitter_max > 0 ? (int64_t)floor(u_jitter * (double)(2 * jitter_max + 1)) - jitter_max
                            : 0);
        for (int i = 0; i < NCOUNTER; i++)
            out->col[COL_COUNTER + i][k] = counter[i];
        for (int j = 0; j < NBUCKET; j++)
            out->col[COL_BUCKET + j][k] = bucket[j];
        out->col[COL_SUM][k] = hsum;
        out->col[COL_COUNT][k] = bucket[NBUCKET - 1];
        out->col[COL_GAUGE][k] = gauge;
        out->col[COL_REQ][k] = requests;
        out->col[COL_ERR][k] = errors;
        out->col[COL_SLOW][k] = slow;
    }
    return 0;
}

int datagen_region_totals(datagen_totals *out, const datagen_config *c, const char *region,
                          int64_t from_ms, int64_t to_ms)
{
    memset(out, 0, sizeof *out);
    const datagen_region *r = datagen_region_find(c, region);
    if (r == NULL || datagen_config_check(c, NULL, 0) != 0) return -1;
    if (r->traffic == DATAGEN_TRAFFIC_NODATA) return 0;
    for (int i = 0; i < c->instances; i++) {
        sim s;
        if (simulate(&s, c, r, i) != 0) return -1;
        for (size_t k = 0; k < s.n; k++) {
            int64_t nominal = c->start_ms + (int64_t)k * c->interval_ms;
            if (nominal <= from_ms || nominal > to_ms) continue;
            out->requests += s.col[COL_REQ][k];
            out->errors += s.col[COL_ERR][k];
            out->slow += s.col[COL_SLOW][k];
        }
        sim_free(&s);
    }
    return 0;
}

/* ---- OpenMetrics output ---- */

/* Unix ms as seconds that promtool turns back into exactly `ms`: it computes
 * int64(seconds * 1000) in float64, which truncates 1.123 to 1122 for some
 * values; a trailing 5 (half a ms) keeps those on the right millisecond. */
static void format_ts(char *buf, size_t len, int64_t ms)
{
    long long s = (long long)(ms / 1000);
    int frac = (int)(ms % 1000);
    if (frac == 0) {
        snprintf(buf, len, "%lld", s);
        return;
    }
    int n = snprintf(buf, len, "%lld.%03d", s, frac);
    if ((int64_t)(strtod(buf, NULL) * 1000.0) != ms && (size_t)n + 1 < len) {
        buf[n] = '5';
        buf[n + 1] = '\0';
    }
}

typedef enum family { FAMILY_REQUESTS, FAMILY_DURATION, FAMILY_QUEUE } family;

static void write_family_header(FILE *f, family fam)
{
    switch (fam) {
    case FAMILY_REQUESTS:
        fputs("# HELP http_requests HTTP requests served, by method and status.\n"
              "# TYPE http_requests counter\n",
              f);
        break;
    case FAMILY_DURATION:
        fputs("# HELP http_request_duration_seconds Latency of the HTTP requests served.\n"
              "# TYPE http_request_duration_seconds histogram\n"
              "# UNIT http_request_duration_seconds seconds\n",
              f);
        break;
    case FAMILY_QUEUE:
        fputs("# HELP queue_depth Jobs waiting in the work queue.\n"
              "# TYPE queue_depth gauge\n",
              f);
        break;
    }
}

static void write_series(FILE *f, const sim *s, const char *name, const char *labels,
                         const double *values, bool integer)
{
    char ts[48];
    for (size_t k = 0; k < s->n; k++) {
        if (!s->present[k]) continue;
        format_ts(ts, sizeof ts, s->ts[k]);
        if (integer)
            fprintf(f, "%s{%s} %.0f %s\n", name, labels, values[k], ts);
        else
            fprintf(f, "%s{%s} %.3f %s\n", name, labels, values[k], ts);
    }
}

static int write_instance(FILE *f, const sim *s, const datagen_region *r, int inst, family fam)
{
    char base[256], labels[384];
    snprintf(base, sizeof base, "job=\"" JOB "\",region=\"%s\",instance=\"" JOB "-%d.%s:8080\"",
             r->name, inst, r->name);
    switch (fam) {
    case FAMILY_REQUESTS:
        for (int m = 0; m < NMETHOD; m++)
            for (int st = 0; st < NSTATUS; st++) {
                snprintf(labels, sizeof labels, "%s,method=\"%s\",status=\"%s\"", base,
                         method_names[m], status_names[st]);
                write_series(f, s, "http_requests_total", labels,
                             s->col[COL_COUNTER + m * NSTATUS + st], true);
            }
        break;
    case FAMILY_DURATION:
        for (int j = 0; j < NBUCKET; j++) {
            snprintf(labels, sizeof labels, "%s,le=\"%s\"", base, le_names[j]);
            write_series(f, s, "http_request_duration_seconds_bucket", labels,
                         s->col[COL_BUCKET + j], true);
        }
        write_series(f, s, "http_request_duration_seconds_sum", base, s->col[COL_SUM], false);
        write_series(f, s, "http_request_duration_seconds_count", base, s->col[COL_COUNT], true);
        break;
    case FAMILY_QUEUE: write_series(f, s, "queue_depth", base, s->col[COL_GAUGE], true); break;
    }
    return ferror(f) ? -1 : 0;
}

int datagen_write(const datagen_config *c, FILE *out, const char *only_region, char *err,
                  size_t errlen)
{
    if (datagen_config_check(c, err, errlen) != 0) return -1;
    if (only_region != NULL && datagen_region_find(c, only_region) == NULL) {
        set_err(err, errlen, "unknown region '%s'", only_region);
        return -1;
    }
    for (int fam = FAMILY_REQUESTS; fam <= FAMILY_QUEUE; fam++) {
        write_family_header(out, (family)fam);
        for (size_t ri = 0; ri < c->nregions; ri++) {
            const datagen_region *r = &c->regions[ri];
            if (only_region != NULL && strcmp(r->name, only_region) != 0) continue;
            if (r->traffic == DATAGEN_TRAFFIC_NODATA) continue;
            for (int i = 0; i < c->instances; i++) {
                sim s;
                if (simulate(&s, c, r, i) != 0) {
                    set_err(err, errlen, "out of memory simulating %s", r->name);
                    return -1;
                }
                int rc = write_instance(out, &s, r, i, (family)fam);
                sim_free(&s);
                if (rc != 0) {
                    set_err(err, errlen, "write error: %s", strerror(errno));
                    return -1;
                }
            }
        }
    }
    fputs("# EOF\n", out);
    if (fflush(out) != 0 || ferror(out)) {
        set_err(err, errlen, "write error: %s", strerror(errno));
        return -1;
    }
    return 0;
}

int datagen_write_file(const datagen_config *c, const char *path, const char *only_region,
                       char *err, size_t errlen)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        set_err(err, errlen, "cannot create %s: %s", path, strerror(errno));
        return -1;
    }
    char *iobuf = malloc(1 << 16);
    if (iobuf != NULL) setvbuf(f, iobuf, _IOFBF, 1 << 16);
    int rc = datagen_write(c, f, only_region, err, errlen);
    int closed = fclose(f);
    free(iobuf);
    if (closed != 0 && rc == 0) {
        set_err(err, errlen, "cannot write %s: %s", path, strerror(errno));
        rc = -1;
    }
    struct stat st;
    if (rc != 0 && stat(path, &st) == 0 && S_ISREG(st.st_mode)) remove(path);
    return rc;
}

int datagen_write_split(const datagen_config *c, const char *dir, char *err, size_t errlen)
{
    if (datagen_config_check(c, err, errlen) != 0) return -1;
    for (size_t ri = 0; ri < c->nregions; ri++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s.om", dir, c->regions[ri].name);
        if (datagen_write_file(c, path, c->regions[ri].name, err, errlen) != 0) return -1;
    }
    return 0;
}
