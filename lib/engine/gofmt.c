/*
 * Go's shortest float formats (strconv.FormatFloat(v, 'g' or 'f', -1, 64)),
 * as Prometheus uses them in error messages (%v) and label values
 * (count_values). Built on model's format_float, which yields the
 * shortest round-trip digits.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/gofmt.h"
#include "model/model.h"

static int atoi_s(const char *s);

/* Digits and exponent of the shortest representation: v = 0.d1d2.. x 10^dp. */
static void shortest_digits(double a, char *digits, int *nd, int *dp)
{
    char buf[64];
    format_float(buf, sizeof(buf), a);
    /* buf is "d.ddde+XX" or a plain decimal "ddd.ddd" / "0.000ddd". */
    int n = 0, point = -1, exp = 0;
    const char *p = buf;
    for (; *p && *p != 'e'; p++) {
        if (*p == '.') {
            point = n;
            continue;
        }
        digits[n++] = *p;
    }
    if (point < 0) point = n;
    if (*p == 'e') exp = atoi_s(p + 1);
    /* strip leading zeros */
    int lead = 0;
    while (lead < n - 1 && digits[lead] == '0')
        lead++;
    memmove(digits, digits + lead, (size_t)(n - lead));
    n -= lead;
    point -= lead;
    while (n > 1 && digits[n - 1] == '0')
        n--;
    *nd = n;
    *dp = point + exp;
}

static int atoi_s(const char *s)
{
    int sign = 1, v = 0;
    if (*s == '+' || *s == '-') sign = *s++ == '-' ? -1 : 1;
    while (*s >= '0' && *s <= '9')
        v = v * 10 + (*s++ - '0');
    return sign * v;
}

size_t go_format_float(char *buf, size_t size, double v, char verb)
{
    char out[512];
    size_t n = 0;
    if (isnan(v)) {
        n = (size_t)snprintf(out, sizeof(out), "NaN");
    } else if (isinf(v)) {
        n = (size_t)snprintf(out, sizeof(out), v > 0 ? "+Inf" : "-Inf");
    } else {
        if (signbit(v)) out[n++] = '-';
        double a = fabs(v);
        char d[32];
        int nd, dp;
        if (a == 0) {
            d[0] = '0';
            nd = 1;
            dp = 1;
        } else {
            shortest_digits(a, d, &nd, &dp);
        }
        int exp = dp - 1;
        /* strconv's 'g' with the shortest precision switches to an
         * exponent when exp < -4 || exp >= 6 (eprec is 6 when shortest). */
        bool eform = verb == 'g' && a != 0 && (exp < -4 || exp >= 6);
        if (eform) {
            out[n++] = d[0];
            if (nd > 1) {
                out[n++] = '.';
                memcpy(out + n, d + 1, (size_t)nd - 1);
                n += (size_t)nd - 1;
            }
            out[n++] = 'e';
            out[n++] = exp < 0 ? '-' : '+';
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%02d", exp < 0 ? -exp : exp);
        } else if (dp <= 0) {
            out[n++] = '0';
            out[n++] = '.';
            for (int i = 0; i < -dp; i++)
                out[n++] = '0';
            memcpy(out + n, d, (size_t)nd);
            n += (size_t)nd;
        } else {
            for (int i = 0; i < dp; i++)
                out[n++] = i < nd ? d[i] : '0';
            if (nd > dp) {
                out[n++] = '.';
                memcpy(out + n, d + dp, (size_t)(nd - dp));
                n += (size_t)(nd - dp);
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
