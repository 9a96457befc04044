/*
 * Unit tests of lib/util/text: numbers against glibc's exact printf and
 * strtod in the "C" locale (the reference: this program never calls
 * setlocale), Go's spellings and shortest forms, quoting, JSON strings and
 * durations.
 */
#include <check.h>
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"
#include "util/text.h"

static uint64_t rng_state = 0x9E3779B97F4A7C15ull;

static uint64_t rnd(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* A double from all over the range: random bits, decimals, subnormals. */
static double random_double(int i)
{
    uint64_t b = rnd();
    double v;
    switch (i % 4) {
    case 0: memcpy(&v, &b, sizeof v); break;
    case 1: v = (double)(b % 1000000) / 1000.0; break;
    case 2: v = ldexp((double)(b >> 11), (int)(rnd() % 200) - 100); break;
    default:
        b &= 0x000FFFFFFFFFFFFFull; /* subnormal */
        memcpy(&v, &b, sizeof v);
    }
    if (!isfinite(v)) v = 1.0 / 3;
    return v;
}

/* n iterations, or a fiftieth under valgrind (SLOEVAL_TEST_TIME_SCALE set
 * by scripts/valgrind.sh), where exact arithmetic is slow to watch. */
static int iterations(int n)
{
    const char *scale = getenv("SLOEVAL_TEST_TIME_SCALE");
    return scale && atoi(scale) > 1 ? n / 50 : n;
}

static const char *fmt(double v, char mode, int prec)
{
    static char buf[2048];
    text_format_float(buf, sizeof buf, v, mode, prec);
    return buf;
}

static int count_digits(const char *s)
{
    int n = 0, lead = 1;
    for (; *s && *s != 'e'; s++) {
        if (*s < '0' || *s > '9') continue;
        if (lead && *s == '0') continue;
        lead = 0;
        n++;
    }
    return n;
}

/* Shortest: reads back as v, and no string with one digit fewer does. */
START_TEST(test_shortest_round_trip)
{
    for (int i = 0, n = iterations(100000); i < n; i++) {
        double v = random_double(i);
        if (v == 0) continue;
        const char *s = fmt(v, 'e', -1);
        ck_assert_msg(strtod(s, NULL) == v, "%a printed as %s", v, s);
        double back;
        ck_assert_int_eq(text_parse_float(&back, s, strlen(s)), TEXT_OK);
        ck_assert_msg(back == v, "%s read back as %a, not %a", s, back, v);
        int nd = count_digits(s);
        ck_assert_int_le(nd, 17);
        if (nd > 1) {
            /* the correctly rounded (nd-1)-digit string and its neighbours */
            char e[64];
            snprintf(e, sizeof e, "%.*e", nd - 2, v);
            ck_assert_msg(strtod(e, NULL) != v, "%s is shorter than %s", e, s);
        }
        /* %.17g always round-trips; the reader agrees with strtod on it */
        char g[64];
        snprintf(g, sizeof g, "%.17g", v);
        ck_assert_int_eq(text_parse_float(&back, g, strlen(g)), TEXT_OK);
        ck_assert_msg(back == strtod(g, NULL), "%s", g);
    }
}
END_TEST

/* Fixed precision: glibc's printf rounds the exact value half to even. */
START_TEST(test_fixed_precision_against_printf)
{
    for (int i = 0, n = iterations(50000); i < n; i++) {
        double v = random_double(i);
        int p = (int)(rnd() % 20);
        char want[2048];
        snprintf(want, sizeof want, "%.*e", p, v);
        ck_assert_str_eq(fmt(v, 'e', p), want);
        if (fabs(v) < 1e30) {
            snprintf(want, sizeof want, "%.*f", p, v);
            ck_assert_str_eq(fmt(v, 'f', p), want);
        }
        snprintf(want, sizeof want, "%.*g", p, v);
        ck_assert_str_eq(fmt(v, 'g', p), want);
    }
    char want[2048];
    snprintf(want, sizeof want, "%.6f", 1e300);
    ck_assert_str_eq(fmt(1e300, 'f', 6), want);
    ck_assert_str_eq(fmt(0.125, 'f', 2), "0.12");
    ck_assert_str_eq(fmt(0.375, 'f', 2), "0.38");
    ck_assert_str_eq(fmt(0.5, 'f', 0), "0");
    ck_assert_str_eq(fmt(1.5, 'f', 0), "2");
    ck_assert_str_eq(fmt(12345, 'e', 3), "1.234e+04");
    ck_assert_str_eq(fmt(1e6, 'g', 6), "1e+06");
    ck_assert_str_eq(fmt(0.5, 'g', 4), "0.5");
    ck_assert_str_eq(fmt(0.0005, 'g', 2), "0.0005");
}
END_TEST

START_TEST(test_boundaries_and_spellings)
{
    ck_assert_str_eq(fmt(0.0, 'g', -1), "0");
    ck_assert_str_eq(fmt(-0.0, 'g', -1), "-0");
    ck_assert_str_eq(fmt(-0.0, 'f', -1), "-0");
    ck_assert_str_eq(fmt(NAN, 'f', -1), "NaN");
    ck_assert_str_eq(fmt(INFINITY, 'g', -1), "+Inf");
    ck_assert_str_eq(fmt(-INFINITY, 'e', 3), "-Inf");
    ck_assert_str_eq(fmt(DBL_MAX, 'g', -1), "1.7976931348623157e+308");
    ck_assert_str_eq(fmt(DBL_MIN, 'g', -1), "2.2250738585072014e-308");
    ck_assert_str_eq(fmt(nextafter(DBL_MIN, 0), 'g', -1), "2.225073858507201e-308");
    ck_assert_str_eq(fmt(4.9406564584124654e-324, 'g', -1), "5e-324");
    ck_assert_str_eq(fmt(0.1 + 0.2, 'g', -1), "0.30000000000000004");
    ck_assert_str_eq(fmt(1e23, 'g', -1), "1e+23");
    ck_assert_str_eq(fmt(123456789, 'g', -1), "1.23456789e+08");
    ck_assert_str_eq(fmt(100000, 'g', -1), "100000");
    ck_assert_str_eq(fmt(0.0001, 'g', -1), "0.0001");
    ck_assert_str_eq(fmt(0.00001, 'g', -1), "1e-05");
    ck_assert_str_eq(fmt(9223372036854775808.0, 'f', -1), "9223372036854776000");
    ck_assert_str_eq(fmt(1e21, 'f', -1), "1000000000000000000000");
    ck_assert_str_eq(fmt(5e-324, 'e', -1), "5e-324");
    /* a power of two: the neighbour below is closer (Go: 9007199254740992) */
    ck_assert_str_eq(fmt(9007199254740992.0, 'g', -1), "9.007199254740992e+15");
    ck_assert_str_eq(fmt(ldexp(1, 60), 'g', -1), "1.152921504606847e+18");
    char buf[64];
    text_format_sample(buf, sizeof buf, 1e-7);
    ck_assert_str_eq(buf, "1e-07");
    text_format_sample(buf, sizeof buf, 1e21);
    ck_assert_str_eq(buf, "1e+21");
    text_format_sample(buf, sizeof buf, 123456789.25);
    ck_assert_str_eq(buf, "123456789.25");
    /* snprintf's contract */
    ck_assert_uint_eq(text_format_float(buf, 4, 3.14159, 'f', -1), 7);
    ck_assert_str_eq(buf, "3.1");
}
END_TEST

static int parse(const char *s, double *v)
{
    return text_parse_float(v, s, strlen(s));
}

START_TEST(test_parse_go_syntax)
{
    double v;
    ck_assert_int_eq(parse("1.5e300", &v), TEXT_OK);
    ck_assert(v == 1.5e300);
    ck_assert_int_eq(parse("99.95", &v), TEXT_OK);
    ck_assert(v == 99.95);
    ck_assert_int_eq(parse(".5", &v), TEXT_OK);
    ck_assert(v == 0.5);
    ck_assert_int_eq(parse("5.", &v), TEXT_OK);
    ck_assert(v == 5);
    ck_assert_int_eq(parse("+Inf", &v), TEXT_OK);
    ck_assert(v == INFINITY);
    ck_assert_int_eq(parse("-Infinity", &v), TEXT_OK);
    ck_assert(v == -INFINITY);
    ck_assert_int_eq(parse("nAn", &v), TEXT_OK);
    ck_assert(isnan(v));
    ck_assert_int_eq(parse("-nan", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("0x1p-2", &v), TEXT_OK);
    ck_assert(v == 0.25);
    ck_assert_int_eq(parse("0x1.8p1", &v), TEXT_OK);
    ck_assert(v == 3);
    ck_assert_int_eq(parse("0x10", &v), TEXT_SYNTAX); /* hex needs 'p' */
    ck_assert_int_eq(parse("1_000", &v), TEXT_OK);
    ck_assert(v == 1000);
    ck_assert_int_eq(parse("1__0", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("_1", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("1e", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse(".", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("1,5", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse(" 1", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("", &v), TEXT_SYNTAX);
    ck_assert_int_eq(parse("1e400", &v), TEXT_RANGE);
    ck_assert(v == INFINITY);
    ck_assert_int_eq(parse("-1e400", &v), TEXT_RANGE);
    ck_assert(v == -INFINITY);
    ck_assert_int_eq(parse("1.7976931348623158e308", &v), TEXT_OK); /* rounds down */
    ck_assert(v == DBL_MAX);
    ck_assert_int_eq(parse("1.7976931348623159e308", &v), TEXT_RANGE);
    ck_assert_int_eq(parse("1e-400", &v), TEXT_OK);
    ck_assert(v == 0);
    /* halfway to the smallest subnormal: ties to even (0), above rounds up */
    ck_assert_int_eq(parse("2.4703282292062327e-324", &v), TEXT_OK);
    ck_assert(v == 0);
    ck_assert_int_eq(parse("2.4703282292062328e-324", &v), TEXT_OK);
    ck_assert(v == 5e-324);
    /* halfway between doubles near 2^53 */
    ck_assert_int_eq(parse("9007199254740993", &v), TEXT_OK);
    ck_assert(v == 9007199254740992.0);
    ck_assert_int_eq(parse("9007199254740995", &v), TEXT_OK);
    ck_assert(v == 9007199254740996.0);
    ck_assert_int_eq(parse("9007199254740993.00000000000000000000001", &v), TEXT_OK);
    ck_assert(v == 9007199254740994.0);
    int64_t iv;
    ck_assert_int_eq(text_parse_int(&iv, "0x1F", 4), TEXT_OK);
    ck_assert_int_eq(iv, 31);
    ck_assert_int_eq(text_parse_int(&iv, "017", 3), TEXT_OK);
    ck_assert_int_eq(iv, 15);
    ck_assert_int_eq(text_parse_int(&iv, "09", 2), TEXT_SYNTAX);
    ck_assert_int_eq(text_parse_int(&iv, "9223372036854775808", 19), TEXT_RANGE);
    /* PromQL literals: ParseInt(s, 0, 64), else ParseFloat */
    const struct {
        const char *in;
        double want;
    } lits[] = {{"0x1f", 31},
                {"017", 15},
                {"09", 9},
                {"14.4", 14.4},
                {"0.001", 0.001},
                {"1e3", 1000},
                {"1_000", 1000},
                {"9223372036854775808", 9223372036854775808.0},
                {"0.30000000000000004", 0.30000000000000004},
                {"5.", 5}};
    for (size_t i = 0; i < sizeof lits / sizeof lits[0]; i++) {
        ck_assert_int_eq(text_parse_promql_number(&v, lits[i].in, strlen(lits[i].in)), TEXT_OK);
        ck_assert_msg(v == lits[i].want, "%s -> %.17g", lits[i].in, v);
    }
    ck_assert_int_eq(text_parse_promql_number(&v, "1e999", 5), TEXT_RANGE);
    ck_assert_int_eq(text_parse_promql_number(&v, "0x", 2), TEXT_SYNTAX);
}
END_TEST

/* Random decimal strings: the reader agrees with glibc's strtod. */
START_TEST(test_parse_against_strtod)
{
    for (int i = 0, n = iterations(100000); i < n; i++) {
        char s[96];
        int nd = 1 + (int)(rnd() % 25);
        int k = 0;
        for (int j = 0; j < nd; j++)
            s[k++] = (char)('0' + rnd() % 10);
        if (rnd() % 2) {
            int at = (int)(rnd() % (unsigned)nd);
            memmove(s + at + 1, s + at, (size_t)(k - at));
            s[at] = '.';
            k++;
        }
        k += snprintf(s + k, sizeof s - (size_t)k, "e%d", (int)(rnd() % 700) - 350);
        double v, want = strtod(s, NULL);
        int rc = text_parse_float(&v, s, (size_t)k);
        ck_assert_int_eq(rc, isinf(want) ? TEXT_RANGE : TEXT_OK);
        ck_assert_msg(v == want, "%s: %a, strtod %a", s, v, want);
    }
}
END_TEST

static const char *quoted(const char *s, size_t n)
{
    static char buf[256];
    text_quote(buf, sizeof buf, s, n);
    return buf;
}

#define Q(lit) quoted(lit, sizeof(lit) - 1)

START_TEST(test_go_quote)
{
    ck_assert_str_eq(Q("plain"), "\"plain\"");
    ck_assert_str_eq(Q("a\"b\\c"), "\"a\\\"b\\\\c\"");
    ck_assert_str_eq(Q("\a\b\f\n\r\t\v"), "\"\\a\\b\\f\\n\\r\\t\\v\"");
    ck_assert_str_eq(Q("\x01\x7f"), "\"\\x01\\x7f\"");
    ck_assert_str_eq(Q("\xff"), "\"\\xff\"");           /* not UTF-8 */
    ck_assert_str_eq(Q("\xc2\xa0"), "\"\\u00a0\"");     /* U+00A0: not printable */
    ck_assert_str_eq(Q("\xc2\xad"), "\"\\u00ad\"");     /* soft hyphen */
    ck_assert_str_eq(Q("\xc2\x85"), "\"\\u0085\"");     /* C1 control */
    ck_assert_str_eq(Q("\xe2\x80\x8b"), "\"\\u200b\""); /* zero width space */
    ck_assert_str_eq(Q("\xcd\xb8"), "\"\\u0378\"");     /* unassigned */
    ck_assert_str_eq(Q("\xf3\xa0\x80\x81"), "\"\\U000e0001\"");
    ck_assert_str_eq(Q("\xc3\xa9\xe2\x82\xac"), "\"\xc3\xa9\xe2\x82\xac\""); /* é€ */
    ck_assert_str_eq(Q("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\"");         /* emoji */
    ck_assert_str_eq(Q("\xef\xbf\xbd"), "\"\xef\xbf\xbd\"");                 /* U+FFFD */
    ck_assert_str_eq(Q("\xed\xa0\x80"), "\"\\xed\\xa0\\x80\"");              /* surrogate */
    ck_assert(!text_rune_is_print(0xA0));
    ck_assert(text_rune_is_print(' '));
    ck_assert(!text_rune_is_print(0x3000));
    ck_assert(text_rune_is_print(0x4E00));
    ck_assert(!text_rune_is_print(0x110000));

    strbuf sb = STRBUF_INIT;
    text_append_quoted_promql(&sb, "a\xef\xbf\xbd", 4);
    ck_assert_str_eq(strbuf_cstr(&sb), "\"a\\ufffd\"");
    strbuf_reset(&sb);
    text_append_quoted(&sb, "'\"", 2, '\'');
    ck_assert_str_eq(strbuf_cstr(&sb), "'\\'\"'");
    strbuf_reset(&sb);
    /* the labels' String() is the same quoting */
    quote_go_string(&sb, (strv){"x\xc2\xa0y", 4});
    ck_assert_str_eq(strbuf_cstr(&sb), "\"x\\u00a0y\"");
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_json_string)
{
    strbuf sb = STRBUF_INIT;
    const char s[] = "<a&b>\"\\\n\r\t\x01\x7f\xff\xe2\x80\xa8\xc3\xa9";
    text_append_json_string(&sb, s, sizeof s - 1, TEXT_JSON_HTML);
    ck_assert_str_eq(strbuf_cstr(&sb),
                     "\"\\u003ca\\u0026b\\u003e\\\"\\\\\\n\\r\\t\\u0001\x7f\\ufffd"
                     "\\u2028\xc3\xa9\"");
    strbuf_reset(&sb);
    text_append_json_string(&sb, s, sizeof s - 1, 0);
    ck_assert_str_eq(strbuf_cstr(&sb), "\"<a&b>\\\"\\\\\\n\\r\\t\\u0001\x7f\\ufffd"
                                       "\\u2028\xc3\xa9\"");
    strbuf_reset(&sb);
    text_append_json_string(&sb, "a\0b", 3, 0);
    ck_assert_str_eq(strbuf_cstr(&sb), "\"a\\u0000b\"");
    strbuf_free(&sb);
}
END_TEST

static int dur(const char *s, int64_t *ms, const char **why)
{
    *why = NULL;
    return text_parse_duration(ms, s, strlen(s), why);
}

START_TEST(test_durations)
{
    int64_t ms;
    const char *why;
    ck_assert_int_eq(dur("1h30m", &ms, &why), TEXT_OK);
    ck_assert_int_eq(ms, 5400000);
    ck_assert_int_eq(dur("0", &ms, &why), TEXT_OK);
    ck_assert_int_eq(ms, 0);
    ck_assert_int_eq(dur("100ms", &ms, &why), TEXT_OK);
    ck_assert_int_eq(ms, 100);
    ck_assert_int_eq(dur("1y2w3d4h5m6s7ms", &ms, &why), TEXT_OK);
    ck_assert_int_eq(ms, 365 * 86400000LL + 17 * 86400000LL + 4 * 3600000 + 5 * 60000 + 6007);
    ck_assert_int_eq(dur("", &ms, &why), TEXT_SYNTAX);
    ck_assert_str_eq(why, "empty duration");
    ck_assert_int_eq(dur("-5m", &ms, &why), TEXT_SYNTAX);
    ck_assert_str_eq(why, "a duration has no sign");
    ck_assert_int_eq(dur("1.5m", &ms, &why), TEXT_SYNTAX);
    ck_assert_str_eq(why, "a duration has no fractions (write 1m30s, not 1.5m)");
    ck_assert_int_eq(dur("1m1h", &ms, &why), TEXT_SYNTAX);
    ck_assert_int_eq(dur("5m5m", &ms, &why), TEXT_SYNTAX);
    ck_assert_int_eq(dur("5", &ms, &why), TEXT_SYNTAX);
    ck_assert_str_eq(why, "missing unit (one of y, w, d, h, m, s, ms)");
    ck_assert_int_eq(dur("5x", &ms, &why), TEXT_SYNTAX);
    ck_assert_int_eq(dur("5mx", &ms, &why), TEXT_SYNTAX);
    ck_assert_int_eq(dur("300y", &ms, &why), TEXT_RANGE);
    ck_assert_str_eq(why, "duration out of range");
    ck_assert_int_eq(dur("292y", &ms, &why), TEXT_OK);

    char buf[TEXT_DURATION_BUF];
    const struct {
        int64_t ms;
        const char *text;
    } cases[] = {
        {0, "0s"},
        {5400000, "1h30m"},
        {90 * 86400000LL, "90d"},
        {14 * 86400000LL, "2w"},
        {365 * 86400000LL, "1y"},
        {500, "500ms"},
        {-300000, "-5m"},
        {86400000LL + 1, "1d1ms"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        text_format_duration(buf, sizeof buf, cases[i].ms);
        ck_assert_str_eq(buf, cases[i].text);
    }
    ck_assert_uint_gt(text_format_duration(buf, sizeof buf, INT64_MIN), 0);
}
END_TEST

static Suite *text_suite(void)
{
    Suite *s = suite_create("text");
    TCase *tc = tcase_create("text");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_shortest_round_trip);
    tcase_add_test(tc, test_fixed_precision_against_printf);
    tcase_add_test(tc, test_boundaries_and_spellings);
    tcase_add_test(tc, test_parse_go_syntax);
    tcase_add_test(tc, test_parse_against_strtod);
    tcase_add_test(tc, test_go_quote);
    tcase_add_test(tc, test_json_string);
    tcase_add_test(tc, test_durations);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(text_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
