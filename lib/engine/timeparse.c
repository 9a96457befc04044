/*
 * sloeval_time_parse: times as Prometheus's HTTP API reads them (parseTime
 * in web/api/v1/api.go, the same at v2.42 and 3.x): a float of unix
 * seconds split with modf, the fraction rounded to milliseconds, then
 * nanoseconds truncated, then milliseconds by integer division; or RFC 3339
 * with up to nanosecond fractions.
 */
#include <math.h>
#include <string.h>

#include "model/model.h"
#include "sloeval/engine.h"
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

int sloeval_time_parse(int64_t *out, const char *s, size_t len, sloeval_error *err)
{
    double t;
    if (s && len > 0 && float_parse(&t, (strv){s, len}) == 0) {
        /* UnixNano must not overflow (Prometheus converts through it). */
        if (isfinite(t) && t > -9.2e9 && t < 9.2e9) {
            double ipart;
            double frac = modf(t, &ipart);
            frac = round(frac * 1000) / 1000;
            int64_t sec = (int64_t)ipart;
            int64_t nsec = (int64_t)(frac * 1e9);
            *out = (sec * 1000000000 + nsec) / 1000000;
            return 0;
        }
    } else if (s && len > 0 && parse_rfc3339(out, s, len)) {
        return 0;
    }
    return error_set(err, SLOEVAL_EINVAL, "cannot parse \"%.*s\" to a valid timestamp",
                     (int)(len > 200 ? 200 : len), s ? s : "");
}
