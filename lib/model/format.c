/*
 * Float text as Prometheus writes and reads it: Go's shortest round-trip
 * formatting (strconv.AppendFloat with precision -1) and Go's ParseFloat
 * syntax. Everything passed to the C library (snprintf "%.*e", strtod) is
 * free of a decimal point, so the caller's LC_NUMERIC cannot change the
 * result.
 */
#include "model/model.h"

#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

/* Decimal digits of |v| (no leading zero unless v is 0) and the decimal
 * exponent of the first digit: |v| = 0.d1d2d3... * 10^(dexp + 1) */
typedef struct decimal {
    char d[24];
    int n;
    int dexp;
} decimal;

/* The double that digits x 10^(dexp - n + 1) reads as. */
static double decimal_value(const decimal *dc)
{
    char buf[48];
    memcpy(buf, dc->d, (size_t)dc->n);
    snprintf(buf + dc->n, sizeof(buf) - (size_t)dc->n, "e%d", dc->dexp - dc->n + 1);
    return strtod(buf, NULL);
}

/* |v| rounded to `prec` significant digits, by glibc's exact printf. */
static void decimal_round(decimal *dc, double a, int prec)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%.*e", prec - 1, a);
    dc->n = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++)
        if (*p >= '0' && *p <= '9') dc->d[dc->n++] = *p;
    dc->dexp = *p == 'e' ? atoi(p + 1) : 0;
}

static void decimal_trim(decimal *dc)
{
    while (dc->n > 1 && dc->d[dc->n - 1] == '0')
        dc->n--;
}

/* Add (up) or subtract one unit in the last digit. */
static void decimal_step(decimal *dc, bool up)
{
    int i = dc->n - 1;
    if (up) {
        while (i >= 0 && dc->d[i] == '9')
            dc->d[i--] = '0';
        if (i >= 0) {
            dc->d[i]++;
        } else {
            memmove(dc->d + 1, dc->d, (size_t)dc->n);
            dc->d[0] = '1';
            dc->n++;
            dc->dexp++;
        }
    } else {
        while (i >= 0 && dc->d[i] == '0')
            dc->d[i--] = '9';
        if (i >= 0) dc->d[i]--;
        if (dc->d[0] == '0' && dc->n > 1) {
            memmove(dc->d, dc->d + 1, (size_t)dc->n - 1);
            dc->n--;
            dc->dexp--;
        }
    }
}

/* The correctly rounded `prec`-digit decimal of a if it reads back as a,
 * else its neighbour on the other side of a if that does. */
static bool round_trips(decimal *dc, double a, int prec)
{
    decimal_round(dc, a, prec);
    double back = decimal_value(dc);
    if (back == a) return true;
    decimal alt = *dc;
    decimal_step(&alt, back < a);
    if (alt.n == dc->n && decimal_value(&alt) == a) {
        *dc = alt;
        return true;
    }
    return false;
}

/*
 * The shortest digit string that reads back as a (finite, > 0), and of those
 * the closest to a: what Go's shortest formatting produces. At each length
 * the correctly rounded candidate is the closest; when it falls outside a's
 * rounding interval (asymmetric at powers of two), the neighbour on the
 * other side of a may still be inside.
 *
 * Fast path for normal numbers: distinct decimals of at most DBL_DIG (15)
 * digits read as distinct doubles, so if a has a representation of k <= 15
 * digits, it is the unique 15-digit one that round-trips, with zeros after
 * the k digits. Subnormals have fewer digits of precision and take the
 * slow path from one digit up.
 */
static void shortest(decimal *dc, double a)
{
    int from = a >= DBL_MIN ? 15 : 1;
    for (int prec = from; prec <= 17; prec++)
        if (round_trips(dc, a, prec)) break;
    decimal_trim(dc);
}

size_t format_float(char *buf, size_t size, double v)
{
    double a = fabs(v);
    return format_float_mode(buf, size, v, a != 0 && (a < 1e-6 || a >= 1e21) ? 'e' : 'f');
}

size_t format_float_mode(char *buf, size_t size, double v, char mode)
{
    char out[400];
    size_t n = 0;
    if (isnan(v)) {
        n = (size_t)snprintf(out, sizeof(out), "NaN");
    } else if (isinf(v)) {
        n = (size_t)snprintf(out, sizeof(out), v > 0 ? "+Inf" : "-Inf");
    } else {
        if (signbit(v)) out[n++] = '-';
        double a = fabs(v);
        if (a == 0) {
            out[n++] = '0';
        } else {
            decimal dc;
            shortest(&dc, a);
            /* Go's 'g' with the shortest digits takes the exponent form when
             * the exponent is < -4 or >= 6 (eprec is 6 when shortest). */
            bool exp_form = mode == 'e' || (mode == 'g' && (dc.dexp < -4 || dc.dexp >= 6));
            if (exp_form) {
                out[n++] = dc.d[0];
                if (dc.n > 1) {
                    out[n++] = '.';
                    memcpy(out + n, dc.d + 1, (size_t)dc.n - 1);
                    n += (size_t)dc.n - 1;
                }
                int e = dc.dexp;
                out[n++] = 'e';
                out[n++] = e < 0 ? '-' : '+';
                if (e < 0) e = -e;
                n += (size_t)snprintf(out + n, sizeof(out) - n, "%02d", e);
            } else {
                int point = dc.dexp + 1; /* digits before the decimal point */
                if (point <= 0) {
                    out[n++] = '0';
                    out[n++] = '.';
                    for (int i = 0; i < -point; i++)
                        out[n++] = '0';
                    memcpy(out + n, dc.d, (size_t)dc.n);
                    n += (size_t)dc.n;
                } else {
                    for (int i = 0; i < point; i++)
                        out[n++] = i < dc.n ? dc.d[i] : '0';
                    if (dc.n > point) {
                        out[n++] = '.';
                        memcpy(out + n, dc.d + point, (size_t)(dc.n - point));
                        n += (size_t)(dc.n - point);
                    }
                }
            }
        }
    }
    out[n] = '\0';
    if (size) {
        size_t c = n < size - 1 ? n : size - 1;
        memcpy(buf, out, c);
        buf[c] = '\0';
    }
    return n;
}

size_t format_timestamp(char *buf, size_t size, int64_t ms)
{
    char out[32];
    uint64_t u = ms < 0 ? (uint64_t)0 - (uint64_t)ms : (uint64_t)ms;
    int n = snprintf(out, sizeof(out), "%s%llu", ms < 0 ? "-" : "", (unsigned long long)(u / 1000));
    unsigned frac = (unsigned)(u % 1000);
    if (frac) n += snprintf(out + n, sizeof(out) - (size_t)n, ".%03u", frac);
    if (size) {
        size_t c = (size_t)n < size - 1 ? (size_t)n : size - 1;
        memcpy(buf, out, c);
        buf[c] = '\0';
    }
    return (size_t)n;
}

static size_t prefix_nocase(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    while (i < n && word[i]) {
        char c = s[i];
        if (c >= 'A' && c <= 'Z') c = (char)(c - 'A' + 'a');
        if (c != word[i]) break;
        i++;
    }
    return i;
}

int float_parse(double *out, strv s)
{
    const char *p = s.ptr;
    size_t n = s.len, i = 0;
    *out = 0;
    if (n == 0) return FLOAT_PARSE_SYNTAX;

    /* Go's special(): [+-]inf, [+-]infinity, nan (no sign), any case. */
    bool neg = false;
    size_t signlen = 0;
    if (p[0] == '+' || p[0] == '-') {
        neg = p[0] == '-';
        signlen = 1;
    }
    if (n > signlen && (p[signlen] == 'i' || p[signlen] == 'I')) {
        size_t k = prefix_nocase(p + signlen, n - signlen, "infinity");
        if ((k == 3 || k == 8) && signlen + k == n) {
            *out = neg ? -INFINITY : INFINITY;
            return 0;
        }
        return FLOAT_PARSE_SYNTAX;
    }
    if (p[0] == 'n' || p[0] == 'N') {
        if (n == 3 && prefix_nocase(p, n, "nan") == 3) {
            *out = NAN;
            return 0;
        }
        return FLOAT_PARSE_SYNTAX;
    }

    /* [+-] digits [. digits] [e [+-] digits], at least one mantissa digit. */
    char small[128];
    char *buf = n + 32 <= sizeof(small) ? small : malloc(n + 32);
    if (!buf) return FLOAT_PARSE_SYNTAX;
    size_t b = 0;
    i = signlen;
    if (neg) buf[b++] = '-';
    size_t mant = 0;
    long frac = 0;
    bool dot = false;
    for (; i < n; i++) {
        char c = p[i];
        if (c >= '0' && c <= '9') {
            buf[b++] = c;
            mant++;
            if (dot) frac++;
        } else if (c == '.' && !dot) {
            dot = true;
        } else {
            break;
        }
    }
    long exp = 0;
    int rc = 0;
    if (mant == 0) rc = FLOAT_PARSE_SYNTAX;
    if (rc == 0 && i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        bool eneg = false;
        if (i < n && (p[i] == '+' || p[i] == '-')) eneg = p[i++] == '-';
        size_t edigits = 0;
        for (; i < n && p[i] >= '0' && p[i] <= '9'; i++, edigits++)
            if (exp < 100000) exp = exp * 10 + (p[i] - '0');
        if (edigits == 0) rc = FLOAT_PARSE_SYNTAX;
        if (eneg) exp = -exp;
    }
    if (rc == 0 && i != n) rc = FLOAT_PARSE_SYNTAX;
    if (rc == 0) {
        /* |exp| is capped at 100000 and frac <= n, so e cannot overflow. */
        long e = exp - frac;
        snprintf(buf + b, 24, "e%ld", e);
        double v = strtod(buf, NULL);
        *out = v;
        if (isinf(v)) rc = FLOAT_PARSE_RANGE;
    }
    if (buf != small) free(buf);
    return rc;
}
