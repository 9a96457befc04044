/*
 * rate, increase, delta, irate and idelta over one series' window, and the
 * window and lookback rules of range and instant selectors.
 *
 * The order of floating-point operations follows Prometheus's
 * extrapolatedRate and instantValue (promql/functions.go) at v2.42 and 3.x,
 * so that results match bit for bit.
 */
#include "engine/kernels.h"

double duration_seconds(int64_t ms)
{
    /* time.Duration.Seconds(): sec + nsec/1e9 computed as two terms. */
    int64_t sec = ms / 1000;
    int64_t nsec = (ms % 1000) * 1000000;
    return (double)sec + (double)nsec / 1e9;
}

/* First index whose timestamp is > t (upper bound). */
static size_t upper_bound(const sample *s, size_t lo, size_t hi, int64_t t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].t <= t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* First index whose timestamp is >= t (lower bound). */
static size_t lower_bound(const sample *s, size_t lo, size_t hi, int64_t t)
{
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s[mid].t < t)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

/* The first index inside a window starting at mint. */
static size_t window_start_index(const sample *s, size_t lo, size_t hi, int64_t mint,
                                 sloeval_compat compat)
{
    return compat == SLOEVAL_COMPAT_V2 ? lower_bound(s, lo, hi, mint)
                                       : upper_bound(s, lo, hi, mint);
}

void window_find(const sample *s, size_t n, int64_t mint, int64_t maxt, sloeval_compat compat,
                 size_t *lo, size_t *hi)
{
    /* Fast path: a source usually hands over just the samples of the
     * window, so both ends are (nearly) right already. */
    size_t h = n;
    if (h > 0 && s[h - 1].t > maxt) {
        h = (h >= 2 && s[h - 2].t <= maxt) ? h - 1 : upper_bound(s, 0, n, maxt);
    }
    size_t l = 0;
    for (int k = 0; l < h && (compat == SLOEVAL_COMPAT_V2 ? s[l].t < mint : s[l].t <= mint);
         k++, l++)
        if (k == 4) {
            l = window_start_index(s, l, h, mint, compat);
            break;
        }
    *lo = l;
    *hi = h;
}

/*
 * Move a window forward. Consecutive steps usually advance by a few
 * samples, so walk linearly for a few and fall back to binary search when
 * the jump is long.
 */
void window_slide(const sample *s, size_t n, int64_t mint, int64_t maxt, sloeval_compat compat,
                  size_t *lo, size_t *hi)
{
    size_t h = *hi, l = *lo;
    if (h > n) h = n;
    if (l > h) l = h;
    /* The window never moves backwards in a step loop, but be safe. */
    if ((h > 0 && s[h - 1].t > maxt) ||
        (l > 0 && (compat == SLOEVAL_COMPAT_V2 ? s[l - 1].t >= mint : s[l - 1].t > mint))) {
        window_find(s, n, mint, maxt, compat, lo, hi);
        return;
    }
    for (int k = 0; h < n && s[h].t <= maxt; k++, h++)
        if (k == 8) {
            h = upper_bound(s, h, n, maxt);
            break;
        }
    for (int k = 0; l < h && (compat == SLOEVAL_COMPAT_V2 ? s[l].t < mint : s[l].t <= mint);
         k++, l++)
        if (k == 8) {
            l = window_start_index(s, l, h, mint, compat);
            break;
        }
    *lo = l;
    *hi = h;
}

ptrdiff_t instant_lookup(const sample *s, size_t n, int64_t ref, int64_t lookback,
                         sloeval_compat compat)
{
    size_t i = upper_bound(s, 0, n, ref);
    if (i == 0) return -1;
    const sample *p = &s[i - 1];
    if (compat == SLOEVAL_COMPAT_V2 ? p->t < ref - lookback : p->t <= ref - lookback) return -1;
    if (value_is_stale(p->v)) return -1;
    return (ptrdiff_t)(i - 1);
}

bool rate_extrapolated(double *out, const sample *s, size_t n, int64_t range_start,
                       int64_t range_end, int64_t range_ms, bool is_counter, bool is_rate,
                       sloeval_compat compat)
{
    if (n < 2) return false;

    const sample *first = &s[0], *last = &s[n - 1];
    double result = last->v - first->v;
    if (is_counter) {
        /* Two samples a turn (the additions stay in order). */
        double prev = first->v;
        size_t i = 1;
        for (; i + 1 < n; i += 2) {
            double c1 = s[i].v, c2 = s[i + 1].v;
            if (c1 < prev) result += prev;
            if (c2 < c1) result += c1;
            prev = c2;
        }
        if (i < n && s[i].v < prev) result += prev;
    }

    double to_start = (double)(first->t - range_start) / 1000;
    double to_end = (double)(range_end - last->t) / 1000;
    double sampled = (double)(last->t - first->t) / 1000;
    double avg_step = sampled / (double)(n - 1);
    double threshold = avg_step * 1.1;
    double factor;

    if (compat == SLOEVAL_COMPAT_V2) {
        /* v2.42: the zero point limits the start first, then the 1.1x test. */
        if (is_counter && result > 0 && first->v >= 0) {
            double to_zero = sampled * (first->v / result);
            if (to_zero < to_start) to_start = to_zero;
        }
        double interval = sampled;
        if (to_start < threshold)
            interval += to_start;
        else
            interval += avg_step / 2;
        if (to_end < threshold)
            interval += to_end;
        else
            interval += avg_step / 2;
        factor = interval / sampled;
    } else {
        /* 3.x: the 1.1x test first, then the zero point. */
        if (to_start >= threshold) to_start = avg_step / 2;
        if (is_counter) {
            double to_zero = to_start;
            if (result > 0 && first->v >= 0) to_zero = sampled * (first->v / result);
            if (to_zero < to_start) to_start = to_zero;
        }
        if (to_end >= threshold) to_end = avg_step / 2;
        factor = 1.0;
        if (sampled != 0) factor = (sampled + to_start + to_end) / sampled;
    }
    if (is_rate) factor /= duration_seconds(range_ms);
    *out = result * factor;
    return true;
}

bool rate_instant(double *out, const sample *s, size_t n, bool is_rate)
{
    if (n < 2) return false;
    const sample *last = &s[n - 1], *prev = &s[n - 2];
    double result;
    if (is_rate && last->v < prev->v)
        result = last->v; /* a counter reset */
    else
        result = last->v - prev->v;
    int64_t interval = last->t - prev->t;
    if (interval == 0) return false;
    if (is_rate) result /= (double)interval / 1000;
    *out = result;
    return true;
}
