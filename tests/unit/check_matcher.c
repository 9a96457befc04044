/*
 * Unit tests of lib/promql/matcher.c: regex matcher patterns decided
 * without the regex engine (literals, '.', simple classes, counted
 * repetition) must get exactly the answer of the full check in
 * lib/regex/regex.c: valid or not (with its message) and whether the
 * matcher matches the empty value. Hand-picked patterns, then many random
 * ones over an alphabet of the characters that matter.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "regex/regex.h"
#include "promql/matcher.h"

/* The full check's answer: 1 valid (with *empty), 0 invalid (msg), -1 OOM. */
static int full_check(strv pat, sloeval_compat compat, bool *empty, char *msg, size_t size)
{
    promql_regex *re = NULL;
    int rc = promql_regex_compile_mode(&re, pat, compat, PROMQL_REGEX_MATCHER, msg, size);
    if (rc == SLOEVAL_ENOMEM) return -1;
    if (rc != 0) return 0;
    *empty = promql_regex_matches_empty(re);
    promql_regex_free(re);
    return 1;
}

static void same_as_full(const char *p, size_t len, sloeval_compat compat)
{
    strv pat = {p, len};
    bool e1 = false, e2 = false;
    char m1[512] = "", m2[512] = "";
    int want = full_check(pat, compat, &e2, m2, sizeof(m2));
    ck_assert_int_ge(want, 0);
    int rc = matcher_regex_check(pat, compat, &e1, m1, sizeof(m1));
    ck_assert_msg((rc == 0) == (want == 1), "%.*s (%s): check %d, full %d (%s)", (int)len, p,
                  compat == SLOEVAL_COMPAT_V2 ? "v2" : "v3", rc, want, m2);
    if (rc == 0)
        ck_assert_msg(e1 == e2, "%.*s: matches empty %d, full %d", (int)len, p, e1, e2);
    else
        ck_assert_str_eq(m1, m2);
}

static void both(const char *p)
{
    same_as_full(p, strlen(p), SLOEVAL_COMPAT_V2);
    same_as_full(p, strlen(p), SLOEVAL_COMPAT_V3);
}

START_TEST(test_simple_shapes)
{
    static const char *const pats[] = {
        "",
        "5..",
        "GET|POST",
        ".*foo.+",
        "a|",
        "|a",
        "a||b",
        "5[0-9]{2}",
        "[0-9]+",
        "[^0-9]*",
        "[a-z_]+[0-9]?",
        "[A-Z][a-z]{2,}",
        "x{0}",
        "x{0,}",
        "x{0,3}",
        "x{3,1}",
        "x{101}",
        "x{1000}",
        "x{1001}",
        "x{,3}",
        "x{a}",
        "x{2",
        "{2}",
        "x{2}{3}",
        "x{2}*",
        "x*?",
        "a**",
        "[z-a]",
        "[a-]",
        "[-a]",
        "[]a]",
        "[^]",
        "[]",
        "[",
        "]",
        "[a",
        "[0-z]",
        "[[:alpha:]]",
        "[a\\]]",
        "(a|b)",
        "a{1,2}?",
        "[0-9]{2}|5xx",
        ".{3}",
        "[^a]{0,2}",
        "a+|b*",
        "?",
        "*a",
        "a|*",
        "x{01}",
        "x{1,01}",
        "x{100}",
        "x{100,100}",
        "x{00}",
        "[_]",
        "[9-0]",
        "[A-z]",
    };
    for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++)
        both(pats[i]);
}
END_TEST

START_TEST(test_random_patterns)
{
    static const char alphabet[] = "ab09zAZ_.|*+?[]^-{},3()\\ $";
    uint64_t rnd = 99;
    char buf[16];
    for (int k = 0; k < 20000; k++) {
        rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
        size_t len = (size_t)(rnd >> 60) % 12;
        for (size_t i = 0; i < len; i++) {
            rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL;
            buf[i] = alphabet[(rnd >> 33) % (sizeof(alphabet) - 1)];
        }
        same_as_full(buf, len, k % 2 ? SLOEVAL_COMPAT_V3 : SLOEVAL_COMPAT_V2);
    }
}
END_TEST

/* Random patterns built from the pieces the fast path knows, with
 * mistakes mixed in (bad ranges, leading zeros, large or reversed counts,
 * stray brackets, nested quantifiers). */
START_TEST(test_random_structured)
{
    static const char *const atoms[] = {"a", "5", "x", ".", "_", "-", ",", " ", "/", ":", "é"};
    static const char *const cls[] = {"0-9", "a-z", "A-Z", "_", "x", "9-0", "a-Z", "0", "-", "]"};
    static const char *const quants[] = {"",      "",        "*",     "+",     "?",    "{2}",
                                         "{0}",   "{1,}",    "{0,3}", "{3,2}", "{01}", "{100}",
                                         "{101}", "{2,100}", "{,2}",  "{2",    "*?",   "+*"};
    uint64_t rnd = 7;
#define NEXT() (rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL, (size_t)(rnd >> 33))
    char buf[256];
    for (int k = 0; k < 20000; k++) {
        size_t n = 0, items = 1 + NEXT() % 5;
        for (size_t i = 0; i < items; i++) {
            if (i && NEXT() % 4 == 0) buf[n++] = '|';
            if (NEXT() % 3 == 0) {
                buf[n++] = '[';
                if (NEXT() % 3 == 0) buf[n++] = '^';
                size_t parts = NEXT() % 3;
                for (size_t j = 0; j < parts; j++) {
                    const char *c = cls[NEXT() % (sizeof(cls) / sizeof(cls[0]))];
                    memcpy(buf + n, c, strlen(c));
                    n += strlen(c);
                }
                if (NEXT() % 8) buf[n++] = ']';
            } else {
                const char *a = atoms[NEXT() % (sizeof(atoms) / sizeof(atoms[0]))];
                memcpy(buf + n, a, strlen(a));
                n += strlen(a);
            }
            const char *q = quants[NEXT() % (sizeof(quants) / sizeof(quants[0]))];
            memcpy(buf + n, q, strlen(q));
            n += strlen(q);
        }
        same_as_full(buf, n, k % 2 ? SLOEVAL_COMPAT_V3 : SLOEVAL_COMPAT_V2);
    }
#undef NEXT
}
END_TEST

static Suite *matcher_suite(void)
{
    Suite *s = suite_create("matcher");
    TCase *tc = tcase_create("matcher");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_simple_shapes);
    tcase_add_test(tc, test_random_patterns);
    tcase_add_test(tc, test_random_structured);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(matcher_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
