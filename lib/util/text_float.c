/*
 * Numbers as Go's strconv reads and writes them, by this file's own digit
 * arithmetic: no strtod, no printf, so the C locale cannot change a digit.
 *
 * Reading: most numbers have at most 19 significant digits and a small
 * power of ten; they are one exact 128-bit product or quotient, rounded
 * once (half to even, the remainder as a sticky bit). Everything else goes
 * through an exact decimal (up to 800 digits, then a "truncated" flag)
 * scaled by powers of two until its binary digits can be read off.
 *
 * Writing: the exact decimal expansion of the double (every double is a
 * finite decimal) and of the two midpoints to its neighbours; the shortest
 * digits between the midpoints, rounded to the nearest, are Go's shortest
 * form (strconv.FormatFloat with precision -1). A fixed precision rounds
 * the exact expansion half to even.
 */
#include <math.h>
#include <string.h>

#include "util/text.h"

typedef unsigned __int128 u128;

/* ---- an exact decimal: 0.d[0]d[1]...d[nd-1] x 10^dp -------------------- */

#define DEC_DIGITS 800

typedef struct decimal {
    unsigned char d[DEC_DIGITS]; /* digit values 0..9, no trailing zeros */
    int nd;
    int dp;
    bool trunc; /* nonzero digits were dropped after d[DEC_DIGITS - 1] */
} decimal;

static void dec_trim(decimal *a)
{
    while (a->nd > 0 && a->d[a->nd - 1] == 0)
        a->nd--;
    if (a->nd == 0) a->dp = 0;
}

static void dec_set_u64(decimal *a, uint64_t v)
{
    unsigned char tmp[20];
    int n = 0;
    while (v > 0) {
        tmp[n++] = (unsigned char)(v % 10);
        v /= 10;
    }
    a->nd = 0;
    a->dp = n;
    a->trunc = false;
    while (n > 0)
        a->d[a->nd++] = tmp[--n];
    dec_trim(a);
}

/* a /= 2^k, exactly (each halving adds at most one digit), 1 <= k <= 60. */
static void dec_shr(decimal *a, unsigned k)
{
    uint64_t n = 0, mask = ((uint64_t)1 << k) - 1;
    int r = 0, w = 0;
    /* Leading digits until the quotient's first digit is nonzero. */
    for (; (n >> k) == 0; r++) {
        if (r >= a->nd) {
            if (n == 0) {
                a->nd = 0;
                a->dp = 0;
                return;
            }
            while ((n >> k) == 0) {
                n *= 10;
                r++;
            }
            break;
        }
        n = n * 10 + a->d[r];
    }
    a->dp -= r - 1;
    for (; r < a->nd; r++) {
        unsigned char c = a->d[r];
        a->d[w++] = (unsigned char)(n >> k);
        n = (n & mask) * 10 + c;
    }
    while (n > 0) {
        unsigned char c = (unsigned char)(n >> k);
        if (w < DEC_DIGITS)
            a->d[w++] = c;
        else if (c != 0)
            a->trunc = true;
        n = (n & mask) * 10;
    }
    a->nd = w;
    dec_trim(a);
}

/* a *= 2^k, 1 <= k <= 60. */
static void dec_shl(decimal *a, unsigned k)
{
    if (a->nd == 0) return;
    /* At most k * log10(2) + 1 new leading digits; extra ones are zeros,
     * removed below. */
    int extra = (int)((k * 30103u) / 100000u) + 1;
    int r = a->nd, w = a->nd + extra;
    uint64_t n = 0;
    while (--r >= 0) {
        n += (uint64_t)a->d[r] << k;
        uint64_t q = n / 10;
        unsigned char rem = (unsigned char)(n - 10 * q);
        if (--w < DEC_DIGITS)
            a->d[w] = rem;
        else if (rem != 0)
            a->trunc = true;
        n = q;
    }
    while (n > 0) {
        uint64_t q = n / 10;
        unsigned char rem = (unsigned char)(n - 10 * q);
        if (--w < DEC_DIGITS)
            a->d[w] = rem;
        else if (rem != 0)
            a->trunc = true;
        n = q;
    }
    int nd = a->nd + extra;
    if (nd > DEC_DIGITS) nd = DEC_DIGITS;
    a->dp += extra;
    /* w leading positions were not written: fewer digits than estimated */
    if (w > 0) {
        memmove(a->d, a->d + w, (size_t)(nd - w));
        nd -= w;
        a->dp -= w;
    }
    a->nd = nd;
    dec_trim(a);
}

static void dec_shift(decimal *a, int k)
{
    while (k > 60) {
        dec_shl(a, 60);
        k -= 60;
    }
    while (k < -60) {
        dec_shr(a, 60);
        k += 60;
    }
    if (k > 0) dec_shl(a, (unsigned)k);
    if (k < 0) dec_shr(a, (unsigned)-k);
}

/* Whether keeping the first n digits should round up: above half, or
 * exactly half and the last kept digit odd. */
static bool dec_round_up_at(const decimal *a, int n)
{
    if (n < 0 || n >= a->nd) return false;
    if (a->d[n] != 5) return a->d[n] > 5;
    if (n + 1 < a->nd || a->trunc) return true;
    return n > 0 && (a->d[n - 1] & 1);
}

static void dec_round_down(decimal *a, int n)
{
    if (n < 0) n = 0;
    if (n >= a->nd) return;
    a->nd = n;
    dec_trim(a);
}

static void dec_round_up(decimal *a, int n)
{
    if (n < 0) n = 0;
    if (n > a->nd) n = a->nd;
    int i = n - 1;
    while (i >= 0 && a->d[i] == 9)
        i--;
    if (i < 0) {
        /* 999 -> 1000, or nothing kept -> one unit of the first digit's
         * place: 10^dp either way */
        a->d[0] = 1;
        a->nd = 1;
        a->dp += 1;
        return;
    }
    a->d[i]++;
    a->nd = i + 1;
}

/* Round to n significant digits (n may be <= 0), half to even. */
static void dec_round(decimal *a, int n)
{
    if (n >= a->nd) return;
    if (dec_round_up_at(a, n))
        dec_round_up(a, n);
    else
        dec_round_down(a, n);
}

/* The integer part, rounded half to even (the caller ensures < 2^64). */
static uint64_t dec_rounded_integer(const decimal *a)
{
    if (a->dp > 20) return UINT64_MAX;
    uint64_t v = 0;
    int i = 0;
    for (; i < a->dp && i < a->nd; i++)
        v = v * 10 + a->d[i];
    for (; i < a->dp; i++)
        v *= 10;
    if (dec_round_up_at(a, a->dp)) v++;
    return v;
}

/* ---- reading ------------------------------------------------------------ */

/*
 * N x 2^e2 (plus a sticky bit: something nonzero below N's last bit),
 * rounded half to even to a double, subnormals and overflow included.
 */
static double make_double(u128 n, bool sticky, int e2, bool *range)
{
    if (n == 0) return 0;
    uint64_t hi = (uint64_t)(n >> 64);
    int bits = hi ? 128 - __builtin_clzll(hi) : 64 - __builtin_clzll((uint64_t)n);
    int top = e2 + bits - 1; /* exponent of the leading bit */
    int keep = 53;
    if (top < -1022) keep = 53 - (-1022 - top);
    int drop = bits - keep;
    uint64_t mant;
    if (drop <= 0) {
        mant = (uint64_t)n; /* bits <= 53 */
    } else if (drop > bits) {
        return 0; /* below half the smallest subnormal */
    } else {
        u128 rest = drop >= 128 ? n : n & (((u128)1 << drop) - 1);
        u128 half = (u128)1 << (drop - 1);
        mant = drop >= 128 ? 0 : (uint64_t)(n >> drop);
        if (rest > half || (rest == half && (sticky || (mant & 1)))) mant++;
        e2 += drop;
    }
    double v = ldexp((double)mant, e2);
    if (isinf(v) && range) *range = true;
    return v;
}

static const uint64_t pow10_u64[20] = {1ull,
                                       10ull,
                                       100ull,
                                       1000ull,
                                       10000ull,
                                       100000ull,
                                       1000000ull,
                                       10000000ull,
                                       100000000ull,
                                       1000000000ull,
                                       10000000000ull,
                                       100000000000ull,
                                       1000000000000ull,
                                       10000000000000ull,
                                       100000000000000ull,
                                       1000000000000000ull,
                                       10000000000000000ull,
                                       100000000000000000ull,
                                       1000000000000000000ull,
                                       10000000000000000000ull};

static const double pow10_exact[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                       1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                       1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* (hi x 2^64) / d for hi < d: the quotient (< 2^64) and the remainder. */
static uint64_t div_128_64(uint64_t hi, uint64_t d, uint64_t *rem)
{
#if defined(__x86_64__) && defined(__GNUC__)
    uint64_t q, r;
    __asm__("divq %4" : "=a"(q), "=d"(r) : "a"((uint64_t)0), "d"(hi), "rm"(d));
    *rem = r;
    return q;
#else
    u128 num = (u128)hi << 64;
    *rem = (uint64_t)(num % d);
    return (uint64_t)(num / d);
#endif
}

/* m x 10^e10 for m < 10^19 when one exact product or quotient does it. */
static bool small_decimal(uint64_t m, int e10, double *out)
{
    if (m == 0) {
        *out = 0;
        return true;
    }
    if (m <= ((uint64_t)1 << 53) && e10 >= -22 && e10 <= 22) {
        /* both operands exact: one correctly rounded operation */
        *out = e10 >= 0 ? (double)m * pow10_exact[e10] : (double)m / pow10_exact[-e10];
        return true;
    }
    if (e10 >= 0 && e10 <= 19) {
        *out = make_double((u128)m * pow10_u64[e10], false, 0, NULL);
        return true;
    }
    if (e10 < 0 && e10 >= -19) {
        int lz = __builtin_clzll(m);
        m <<= lz;
        /* (m x 2^64) / 10^k as two 64-bit long-division steps */
        uint64_t den = pow10_u64[-e10];
        uint64_t qhi = m / den, rem = m % den, qlo;
        qlo = div_128_64(rem, den, &rem);
        *out = make_double((u128)qhi << 64 | qlo, rem != 0, -64 - lz, NULL);
        return true;
    }
    return false;
}

/* The exact decimal to the nearest double. */
static double decimal_to_double(decimal *a, bool *range)
{
    if (a->nd == 0) return 0;
    if (a->dp > 310) {
        *range = true;
        return INFINITY;
    }
    if (a->dp < -330) return 0;
    /* Scale into [0.5, 1): a = value / 2^e2. */
    int e2 = 0;
    for (;;) {
        if (a->dp > 0) {
            int k = a->dp >= 19 ? 60 : 3 * a->dp;
            dec_shr(a, (unsigned)k);
            e2 += k;
        } else if (a->dp < 0 || a->d[0] < 5) {
            /* 10^dp x 8^-dp < 1: never overshoots past 1 */
            int k = -a->dp >= 19 ? 60 : (a->dp == 0 ? 1 : 3 * -a->dp);
            dec_shl(a, (unsigned)k);
            e2 -= k;
        } else {
            break;
        }
    }
    /* value = a x 2^e2, a in [0.5, 1): the leading bit is 2^(e2 - 1) */
    int top = e2 - 1;
    if (top > 1023) {
        *range = true;
        return INFINITY;
    }
    int denorm = top < -1022 ? -1022 - top : 0;
    if (denorm > 60) {
        /* a x 2^53 < 1 after this much: keep shifting, then round */
        dec_shift(a, -denorm);
    } else if (denorm > 0) {
        dec_shr(a, (unsigned)denorm);
    }
    top += denorm;
    dec_shl(a, 53);
    uint64_t mant = dec_rounded_integer(a); /* <= 2^53 */
    double v = ldexp((double)mant, top + 1 - 53);
    if (isinf(v)) *range = true;
    return v;
}

static char lower_c(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

static bool ieq(const char *s, size_t n, const char *lit)
{
    size_t m = strlen(lit);
    if (n != m) return false;
    for (size_t i = 0; i < n; i++)
        if (lower_c(s[i]) != lit[i]) return false;
    return true;
}

/* Go's underscoreOK: '_' only between digits, or after a base prefix. */
static bool underscore_ok(const char *s, size_t n)
{
    char saw = '^';
    size_t i = 0;
    if (n >= 1 && (s[0] == '-' || s[0] == '+')) {
        s++;
        n--;
    }
    bool hex = false;
    if (n >= 2 && s[0] == '0' &&
        (lower_c(s[1]) == 'b' || lower_c(s[1]) == 'o' || lower_c(s[1]) == 'x')) {
        i = 2;
        saw = '0';
        hex = lower_c(s[1]) == 'x';
    }
    for (; i < n; i++) {
        char c = s[i];
        if ((c >= '0' && c <= '9') || (hex && lower_c(c) >= 'a' && lower_c(c) <= 'f')) {
            saw = '0';
            continue;
        }
        if (c == '_') {
            if (saw != '0') return false;
            saw = '_';
            continue;
        }
        if (saw == '_') return false;
        saw = '!';
    }
    return saw != '_';
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    c = lower_c(c);
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

/* The exponent after 'e' or 'p' at s[*i]: [+-]digits ('_' allowed). */
static bool read_exponent(const char *s, size_t n, size_t *i, long *out)
{
    size_t j = *i;
    bool neg = false;
    if (j < n && (s[j] == '+' || s[j] == '-')) neg = s[j++] == '-';
    bool any = false;
    long e = 0;
    for (; j < n; j++) {
        if (s[j] == '_') continue;
        if (s[j] < '0' || s[j] > '9') break;
        any = true;
        if (e < 10000) e = e * 10 + (s[j] - '0'); /* as Go caps it */
    }
    *i = j;
    *out = neg ? -e : e;
    return any;
}

/* A hexadecimal float: 0x mantissa (with '.') and a 'p' exponent. */
static int parse_hex(double *out, const char *s, size_t n, bool neg)
{
    size_t i = 2;
    uint64_t m = 0;
    bool sticky = false, any = false, dot = false;
    long e2 = 0;
    for (; i < n; i++) {
        char c = s[i];
        if (c == '_') continue;
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        int d = hex_digit(c);
        if (d < 0) break;
        any = true;
        if (m >> 60 == 0) {
            m = m << 4 | (uint64_t)d;
            if (dot) e2 -= 4;
        } else {
            if (d) sticky = true;
            if (!dot) e2 += 4;
        }
    }
    if (!any || i >= n || lower_c(s[i]) != 'p') return TEXT_SYNTAX;
    i++;
    long pe;
    if (!read_exponent(s, n, &i, &pe) || i != n) return TEXT_SYNTAX;
    e2 += pe;
    if (e2 > 5000) e2 = 5000;
    if (e2 < -5000) e2 = -5000;
    bool range = false;
    double v = make_double(m, sticky, (int)e2, &range);
    *out = neg ? -v : v;
    return range ? TEXT_RANGE : TEXT_OK;
}

int text_parse_float(double *out, const char *s, size_t n)
{
    *out = 0;
    if (n == 0) return TEXT_SYNTAX;
    size_t i = 0;
    bool neg = false;
    if (s[0] == '+' || s[0] == '-') {
        neg = s[0] == '-';
        i = 1;
    }
    const char *r = s + i;
    size_t rn = n - i;
    if (rn > 0 && (lower_c(r[0]) == 'i' || lower_c(r[0]) == 'n')) {
        if (ieq(r, rn, "inf") || ieq(r, rn, "infinity")) {
            *out = neg ? -INFINITY : INFINITY;
            return TEXT_OK;
        }
        if (i == 0 && ieq(r, rn, "nan")) {
            *out = NAN;
            return TEXT_OK;
        }
        return TEXT_SYNTAX;
    }
    bool underscores = memchr(s, '_', n) != NULL;
    if (underscores && !underscore_ok(s, n)) return TEXT_SYNTAX;
    if (rn >= 2 && r[0] == '0' && lower_c(r[1]) == 'x') {
        int rc = parse_hex(out, r, rn, neg);
        if (rc == TEXT_SYNTAX) *out = 0;
        return rc;
    }
    /* Decimal: digits [. digits] [e [+-] digits], at least one digit. */
    uint64_t m = 0;
    int sig = 0; /* significant digits seen (after leading zeros) */
    long dp = 0; /* decimal point position relative to digit 0 */
    bool dot = false, any = false, big = false;
    size_t j = 0;
    for (; j < rn; j++) {
        char c = r[j];
        if (c == '.') {
            if (dot) break;
            dot = true;
            continue;
        }
        if (c == '_') continue; /* underscore_ok said where */
        if (c < '0' || c > '9') break;
        any = true;
        if (c == '0' && sig == 0) {
            if (dot) dp--;
            continue;
        }
        if (sig < 19)
            m = m * 10 + (uint64_t)(c - '0');
        else
            big = true;
        sig++;
        if (!dot) dp++;
    }
    if (!any) return TEXT_SYNTAX;
    long e10 = 0;
    if (j < rn && lower_c(r[j]) == 'e') {
        j++;
        if (!read_exponent(r, rn, &j, &e10)) return TEXT_SYNTAX;
    }
    if (j != rn) return TEXT_SYNTAX;
    double v;
    /* value = 0.digits x 10^(dp + e10) = m x 10^(dp + e10 - sig) */
    if (!big && small_decimal(m, (int)(dp + e10 - sig), &v)) {
        *out = neg ? -v : v;
        return TEXT_OK;
    }
    /* The general case: all digits, exactly. */
    decimal a;
    a.nd = 0;
    a.trunc = false;
    bool lead = true;
    for (size_t k = 0; k < j; k++) {
        char c = r[k];
        if (c < '0' || c > '9') {
            if (lower_c(c) == 'e') break;
            continue;
        }
        if (lead && c == '0') continue;
        lead = false;
        if (a.nd < DEC_DIGITS)
            a.d[a.nd++] = (unsigned char)(c - '0');
        else if (c != '0')
            a.trunc = true;
    }
    long adp = dp + e10;
    if (adp > 100000) adp = 100000;
    if (adp < -100000) adp = -100000;
    a.dp = (int)adp;
    dec_trim(&a);
    bool range = false;
    v = decimal_to_double(&a, &range);
    *out = neg ? -v : v;
    return range ? TEXT_RANGE : TEXT_OK;
}

int text_parse_int(int64_t *out, const char *s0, size_t n0)
{
    const char *s = s0;
    size_t n = n0;
    if (n == 0) return TEXT_SYNTAX;
    unsigned base = 10;
    if (s[0] == '0' && n > 1) {
        char p = lower_c(s[1]);
        if (n >= 3 && (p == 'b' || p == 'o' || p == 'x')) {
            base = p == 'b' ? 2 : p == 'o' ? 8 : 16;
            s += 2;
            n -= 2;
        } else {
            base = 8;
            s += 1;
            n -= 1;
        }
    }
    uint64_t v = 0;
    bool underscores = false, overflow = false;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        unsigned d;
        if (c == '_') {
            underscores = true;
            continue;
        } else if (c >= '0' && c <= '9') {
            d = (unsigned)(c - '0');
        } else if (lower_c(c) >= 'a' && lower_c(c) <= 'z') {
            d = (unsigned)(lower_c(c) - 'a' + 10);
        } else {
            return TEXT_SYNTAX;
        }
        if (d >= base) return TEXT_SYNTAX;
        if (!overflow) {
            if (v > (UINT64_MAX - d) / base)
                overflow = true;
            else
                v = v * base + d;
        }
    }
    if (underscores && !underscore_ok(s0, n0)) return TEXT_SYNTAX;
    if (overflow || v > (uint64_t)INT64_MAX) return TEXT_RANGE;
    *out = (int64_t)v;
    return TEXT_OK;
}

int text_parse_promql_number(double *out, const char *s, size_t n)
{
    /* The common literals, digits with at most one '.' ("300", "14.4",
     * "0.001"), in one pass: what ParseInt, or ParseFloat's exact path
     * (small_decimal), make of them. */
    uint64_t v = 0;
    size_t digits = 0, lead = 0, frac = 0;
    bool dot = false, plain = n > 0;
    for (size_t i = 0; i < n && plain; i++) {
        char c = s[i];
        if (c == '.' && !dot) {
            dot = true;
            continue;
        }
        if (c < '0' || c > '9' || ++digits > 18) {
            plain = false;
            break;
        }
        if (v == 0 && c == '0') lead++;
        v = v * 10 + (uint64_t)(c - '0');
        if (dot) frac++;
    }
    if (plain && digits > 0) {
        if (!dot && !(s[0] == '0' && n > 1)) { /* a leading 0 means octal */
            *out = (double)(int64_t)v;
            return TEXT_OK;
        }
        if (dot && (v == 0 || (digits - lead <= 15 && frac <= 22))) {
            *out = v == 0 ? 0 : (double)v / pow10_exact[frac];
            return TEXT_OK;
        }
    }
    int64_t iv;
    if (text_parse_int(&iv, s, n) == TEXT_OK) {
        *out = (double)iv;
        return TEXT_OK;
    }
    return text_parse_float(out, s, n);
}

/* ---- writing ------------------------------------------------------------ */

/* The exact decimal of |v| (finite, nonzero), and its binary parts. */
static void exact_decimal(decimal *a, double v, uint64_t *mant_out, int *e2_out)
{
    int e;
    double fr = frexp(fabs(v), &e); /* |v| = fr x 2^e, fr in [0.5, 1) */
    uint64_t mant = (uint64_t)ldexp(fr, 53);
    int e2 = e - 53;
    if (e2 < -1074) { /* subnormal: fewer bits */
        mant >>= (-1074 - e2);
        e2 = -1074;
    }
    while (mant && !(mant & 1) && e2 < 0) { /* smaller numbers, faster shifts */
        mant >>= 1;
        e2++;
    }
    *mant_out = mant;
    *e2_out = e2;
    dec_set_u64(a, mant);
    dec_shift(a, e2);
}

/* The digit of a at the decimal position whose weight is 10^(w) (0 when
 * a has no digit there). */
static int digit_at(const decimal *a, int w)
{
    int idx = a->dp - 1 - w;
    return idx >= 0 && idx < a->nd ? a->d[idx] : 0;
}

/* Go's shortest digits of |v| (finite, nonzero) into a. */
static void shortest(decimal *a, double v)
{
    uint64_t mant;
    int e2;
    exact_decimal(a, v, &mant, &e2);
    /* Normalise back to the 53-bit form to find the neighbours. */
    int e;
    double fr = frexp(fabs(v), &e);
    uint64_t m53 = (uint64_t)ldexp(fr, 53);
    int x2 = e - 53;
    if (x2 < -1074) {
        m53 >>= (-1074 - x2);
        x2 = -1074;
    }
    /* Integers below 2^53 need all their digits: exact is shortest. */
    if (e2 >= 0 && fabs(v) < 9007199254740992.0) return;
    bool inclusive = (m53 & 1) == 0;
    decimal upper, lower;
    dec_set_u64(&upper, 2 * m53 + 1);
    dec_shift(&upper, x2 - 1);
    if (m53 == ((uint64_t)1 << 52) && x2 > -1074) {
        /* a power of two: the neighbour below is half as far */
        dec_set_u64(&lower, 4 * m53 - 1);
        dec_shift(&lower, x2 - 2);
    } else {
        dec_set_u64(&lower, 2 * m53 - 1);
        dec_shift(&lower, x2 - 1);
    }
    /* Walk the digit positions from upper's first down to a's last. With
     * both prefixes compared to a's, stop at the first position where the
     * truncation (down) or the next value up (up) lies inside the interval. */
    int updiff = 0, downdiff = 0; /* prefix differences in units, capped at 2 */
    int wtop = upper.dp - 1;
    int wlast = a->dp - a->nd; /* weight of a's last digit */
    for (int w = wtop; w >= wlast; w--) {
        int m = digit_at(a, w), u = digit_at(&upper, w), l = digit_at(&lower, w);
        updiff = updiff >= 2 ? 2 : updiff * 10 + (u - m);
        if (updiff > 2) updiff = 2;
        downdiff = downdiff >= 2 ? 2 : downdiff * 10 + (m - l);
        if (downdiff > 2) downdiff = 2;
        bool lower_ends = lower.dp - lower.nd >= w; /* no lower digits below w */
        bool upper_more = upper.dp - upper.nd < w;
        bool okdown = downdiff >= 1 || (inclusive && lower_ends);
        bool okup = updiff >= 2 || (updiff == 1 && (inclusive || upper_more));
        int keep = a->dp - w; /* digits of a kept */
        if (okdown && okup) {
            dec_round(a, keep);
            return;
        }
        if (okdown) {
            dec_round_down(a, keep);
            return;
        }
        if (okup) {
            if (keep <= 0) {
                a->d[0] = 1;
                a->nd = 1;
                a->dp = w + 1;
                return;
            }
            dec_round_up(a, keep);
            return;
        }
    }
}

typedef struct out {
    char *buf;
    size_t size;
    size_t len;
} out;

static void put(out *o, char c)
{
    if (o->len + 1 < o->size) o->buf[o->len] = c;
    o->len++;
}

static void puts_(out *o, const char *s)
{
    while (*s)
        put(o, *s++);
}

static void fmt_e(out *o, const decimal *a, int prec, char e)
{
    put(o, a->nd ? (char)('0' + a->d[0]) : '0');
    if (prec > 0) {
        put(o, '.');
        for (int i = 1; i <= prec; i++)
            put(o, i < a->nd ? (char)('0' + a->d[i]) : '0');
    }
    put(o, e);
    int x = a->nd ? a->dp - 1 : 0;
    put(o, x < 0 ? '-' : '+');
    if (x < 0) x = -x;
    if (x >= 100) put(o, (char)('0' + x / 100));
    put(o, (char)('0' + x / 10 % 10));
    put(o, (char)('0' + x % 10));
}

static void fmt_f(out *o, const decimal *a, int prec)
{
    if (a->dp > 0) {
        for (int i = 0; i < a->dp; i++)
            put(o, i < a->nd ? (char)('0' + a->d[i]) : '0');
    } else {
        put(o, '0');
    }
    if (prec > 0) {
        put(o, '.');
        for (int i = 1; i <= prec; i++) {
            int idx = a->dp + i - 1;
            put(o, idx >= 0 && idx < a->nd ? (char)('0' + a->d[idx]) : '0');
        }
    }
}

size_t text_format_float(char *buf, size_t size, double v, char fmt, int prec)
{
    out o = {buf, size, 0};
    if (isnan(v)) {
        puts_(&o, "NaN");
    } else if (isinf(v)) {
        puts_(&o, v > 0 ? "+Inf" : "-Inf");
    } else {
        if (signbit(v)) put(&o, '-');
        decimal a;
        bool exact_form = prec >= 0;
        if (v == 0) {
            a.nd = 0;
            a.dp = 0;
            a.trunc = false;
        } else if (!exact_form) {
            shortest(&a, v);
        } else {
            uint64_t m;
            int e2;
            exact_decimal(&a, v, &m, &e2);
            int keep = fmt == 'e' ? prec + 1 : fmt == 'f' ? a.dp + prec : (prec ? prec : 1);
            dec_round(&a, keep);
        }
        if (fmt == 'g' && prec == 0) prec = 1;
        if (!exact_form) {
            prec = fmt == 'e'   ? (a.nd > 1 ? a.nd - 1 : 0)
                   : fmt == 'f' ? (a.nd > a.dp ? a.nd - a.dp : 0)
                                : a.nd;
        }
        if (fmt == 'e') {
            fmt_e(&o, &a, prec, 'e');
        } else if (fmt == 'f') {
            fmt_f(&o, &a, prec);
        } else {
            int eprec = prec;
            if (eprec > a.nd && a.nd >= a.dp) eprec = a.nd;
            if (!exact_form) eprec = 6;
            int x = a.dp - 1;
            if (x < -4 || x >= eprec) {
                if (prec > a.nd) prec = a.nd;
                fmt_e(&o, &a, prec - 1, 'e');
            } else {
                if (prec > a.dp) prec = a.nd;
                fmt_f(&o, &a, prec - a.dp > 0 ? prec - a.dp : 0);
            }
        }
    }
    if (size) buf[o.len < size ? o.len : size - 1] = '\0';
    return o.len;
}

size_t text_format_sample(char *buf, size_t size, double v)
{
    double a = fabs(v);
    return text_format_float(buf, size, v, a != 0 && (a < 1e-6 || a >= 1e21) ? 'e' : 'f', -1);
}

void text_append_float(strbuf *sb, double v, char fmt, int prec)
{
    char small[TEXT_FLOAT_BUF];
    size_t n = text_format_float(small, sizeof(small), v, fmt, prec);
    if (n < sizeof(small)) {
        strbuf_append(sb, small, n);
        return;
    }
    if (strbuf_reserve(sb, n + 1) != 0) return;
    text_format_float(sb->data + sb->len, n + 1, v, fmt, prec);
    sb->len += n;
}
