/*
 * sloeval/time.h: times as Prometheus's HTTP API reads them (parseTime in
 * web/api/v1/api.go, the same at v2.42 and 3.x): a float of unix seconds
 * split with modf, the fraction rounded to milliseconds, then nanoseconds
 * truncated, then milliseconds by integer division; or RFC 3339 with up to
 * nanosecond fractions. On top, for people: a bare date (midnight UTC),
 * "now" and "now-<duration>". Also the formatting of times, and the
 * public duration functions over the front end's duration syntax.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "model/model.h"
#include "promql/parser.h"
#include "sloeval/time.h"
#include "util/error.h"

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static bool digits(const char *s, size_t n, int *out)
{
    int v = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9') return false;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return true;
}

static bool parse_rfc3339(int64_t *out, const char *s, size_t len)
{
    /* YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|+HH:MM|-HH:MM) */
    int y, mo, d, h, mi, se;
    if (len < 20) return false;
    if (!digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d) || s[10] != 'T' || !digits(s + 11, 2, &h) || s[13] != ':' ||
        !digits(s + 14, 2, &mi) || s[16] != ':' || !digits(s + 17, 2, &se))
        return false;
    size_t i = 19;
    int64_t nanos = 0;
    if (i < len && s[i] == '.') {
        size_t j = ++i;
        while (i < len && s[i] >= '0' && s[i] <= '9')
            i++;
        size_t nd = i - j;
        if (nd == 0 || nd > 9) return false;
        for (size_t k = 0; k < 9; k++)
            nanos = nanos * 10 + (k < nd ? s[j + k] - '0' : 0);
    }
    int64_t offset = 0;
    if (i < len && s[i] == 'Z') {
        i++;
    } else if (i + 6 == len && (s[i] == '+' || s[i] == '-') && s[i + 3] == ':') {
        int oh, om;
        if (!digits(s + i + 1, 2, &oh) || !digits(s + i + 4, 2, &om) || oh > 23 || om > 59)
            return false;
        offset = (oh * 3600 + om * 60) * (s[i] == '-' ? -1 : 1);
        i += 6;
    } else {
        return false;
    }
    if (i != len) return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || h > 23 || mi > 59 || se > 59)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return false;
    int64_t secs = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + se - offset;
    if (secs <= -9200000000 || secs >= 9200000000) return false;
    /* t.UnixNano() / 1e6, truncating toward zero */
    int64_t unix_nano = secs * 1000000000 + nanos;
    *out = unix_nano / 1000000;
    return true;
}

/* Unix seconds with an optional fraction, as Prometheus's parseTime. */
static bool parse_unix(int64_t *out, const char *s, size_t len)
{
    double t;
    if (float_parse(&t, (strv){s, len}) != 0) return false;
    /* UnixNano must not overflow (Prometheus converts through it). */
    if (!isfinite(t) || t <= -9.2e9 || t >= 9.2e9) return false;
    double ipart;
    double frac = modf(t, &ipart);
    frac = round(frac * 1000) / 1000;
    int64_t sec = (int64_t)ipart;
    int64_t nsec = (int64_t)(frac * 1e9);
    *out = (sec * 1000000000 + nsec) / 1000000;
    return true;
}

/* YYYY-MM-DD: midnight UTC of that day. */
static bool parse_date(int64_t *out, const char *s, size_t len)
{
    int y, mo, d;
    if (len != 10 || !digits(s, 4, &y) || s[4] != '-' || !digits(s + 5, 2, &mo) || s[7] != '-' ||
        !digits(s + 8, 2, &d))
        return false;
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1]) return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (mo == 2 && d == 29 && !leap) return false;
    *out = days_from_civil(y, mo, d) * 86400 * 1000;
    return true;
}

/* "now", "now-<duration>", "now+<duration>". */
static bool parse_now(int64_t *out, const char *s, size_t len, int64_t now_ms)
{
    if (len < 3 || memcmp(s, "now", 3) != 0) return false;
    if (len == 3) {
        *out = now_ms;
        return true;
    }
    if (s[3] != '-' && s[3] != '+') return false;
    int64_t d;
    if (promql_duration_parse(&d, s + 4, len - 4, NULL, 0) != 0) return false;
    if (s[3] == '-' ? now_ms < INT64_MIN + d : now_ms > INT64_MAX - d) return false;
    *out = s[3] == '-' ? now_ms - d : now_ms + d;
    return true;
}

int sloeval_time_parse(int64_t *out_ms, const char *text, int64_t now_ms, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out_ms || !text)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_time_parse: NULL argument");
    size_t len = strlen(text);
    if (len > 0 && (parse_unix(out_ms, text, len) || parse_rfc3339(out_ms, text, len) ||
                    parse_date(out_ms, text, len) || parse_now(out_ms, text, len, now_ms)))
        return 0;
    return error_set(err, SLOEVAL_EINVAL,
                     "cannot parse \"%.*s\" as a time (unix seconds, RFC 3339, YYYY-MM-DD, now "
                     "or now-<duration>)",
                     (int)(len > 200 ? 200 : len), text);
}

int64_t sloeval_time_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The date of a day count since 1970-01-01 (inverse of days_from_civil). */
static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

size_t sloeval_time_format(char *buf, size_t size, int64_t time_ms)
{
    int64_t days = time_ms / 86400000, rem = time_ms % 86400000;
    if (rem < 0) {
        rem += 86400000;
        days--;
    }
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int ms = (int)(rem % 1000), secs = (int)(rem / 1000);
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%04lld-%02d-%02dT%02d:%02d:%02d", (long long)y, m, d,
                     secs / 3600, secs / 60 % 60, secs % 60);
    if (ms) n += snprintf(tmp + n, sizeof tmp - (size_t)n, ".%03d", ms);
    tmp[n++] = 'Z';
    tmp[n] = '\0';
    if (size > 0) {
        size_t c = (size_t)n < size ? (size_t)n : size - 1;
        memcpy(buf, tmp, c);
        buf[c] = '\0';
    }
    return (size_t)n;
}

int sloeval_duration_parse(int64_t *out_ms, const char *text, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out_ms || !text)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_duration_parse: NULL argument");
    char why[128] = "not a valid duration";
    if (promql_duration_parse(out_ms, text, strlen(text), why, sizeof why) != 0)
        return error_set(err, SLOEVAL_EINVAL, "invalid duration '%.200s': %s", text, why);
    return 0;
}

size_t sloeval_duration_format(char *buf, size_t size, int64_t ms)
{
    return promql_duration_format(buf, size, ms < 0 ? 0 : ms);
}
