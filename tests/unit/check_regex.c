/* Unit tests of lib/regex: Go's RE2 syntax on PCRE2. */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <check.h>
#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "regex/regex.h"

#define V2 SLOEVAL_COMPAT_V2
#define V3 SLOEVAL_COMPAT_V3

/* Patterns Go rejects, with Go's message (2.x quotes the anchored text). */
static const struct {
    sloeval_compat compat;
    const char *pattern;
    const char *error;
} rejects[] = {
    {V2, "(a", "missing closing ): `^(?:(a)$`"},
    {V3, "(a", "missing closing ): `(a`"},
    {V2, "a)", "unexpected ): `^(?:a))$`"},
    {V3, "a)", "unexpected ): `a)`"},
    /* 2.42 also parses the pattern alone, so the injection fails there */
    {V2, "a)|(b", "unexpected ): `a)|(b`"},
    {V2, "*", "missing argument to repetition operator: `*`"},
    {V2, "a|*", "missing argument to repetition operator: `*`"},
    {V2, "+?", "missing argument to repetition operator: `+?`"},
    {V3, "(?i)*", "missing argument to repetition operator: `*`"},
    {V2, "a**", "invalid nested repetition operator: `**`"},
    {V2, "a*?*", "invalid nested repetition operator: `*?*`"},
    {V2, "a{2}{3}", "invalid nested repetition operator: `{2}{3}`"},
    {V2, "a{1001}", "invalid repeat count: `{1001}`"},
    {V2, "a{1,1001}", "invalid repeat count: `{1,1001}`"},
    {V2, "x{2,1}", "invalid repeat count: `{2,1}`"},
    {V2, "(a{500}){3}", "invalid repeat count: `{3}`"},
    {V2, "((a{2}){2}){251}", "invalid repeat count: `{251}`"},
    {V2, "a{100000000}", "invalid repeat count: `{100000000}`"},
    {V2, "\\q", "invalid escape sequence: `\\q`"},
    {V2, "\\8", "invalid escape sequence: `\\8`"},
    {V2, "\\1", "invalid escape sequence: `\\1`"},
    {V2, "\\C", "invalid escape sequence: `\\C`"},
    {V2, "\\E", "invalid escape sequence: `\\E`"},
    {V2, "\\x4g", "invalid escape sequence: `\\x4g`"},
    {V2, "\\x", "invalid escape sequence: `\\x)$`"},
    {V3, "\\x", "invalid escape sequence: `\\x`"},
    {V2, "\\x{}", "invalid escape sequence: `\\x{}`"},
    {V2, "\\x{110000}", "invalid escape sequence: `\\x{110000`"},
    {V2, "\\x{12", "invalid escape sequence: `\\x{12)`"},
    {V2, "\\é", "invalid escape sequence: `\\é`"},
    {V2, "[a-\\d]", "invalid escape sequence: `\\d`"},
    {V2, "[\\b]", "invalid escape sequence: `\\b`"},
    {V2, "a\\", "missing closing ): `^(?:a\\)$`"},
    {V3, "a\\", "trailing backslash at end of expression: ``"},
    {V2, "[a", "missing closing ]: `[a)$`"},
    {V3, "[a", "missing closing ]: `[a`"},
    {V2, "[]", "missing closing ]: `[])$`"},
    {V2, "[z-a]", "invalid character class range: `z-a`"},
    {V2, "[[:foo:]]", "invalid character class range: `[:foo:]`"},
    {V2, "\\p{Foo}", "invalid character class range: `\\p{Foo}`"},
    {V2, "\\pé", "invalid character class range: `\\pé`"},
    {V2, "\\p", "invalid character class range: `\\p)`"},
    {V2, "\\p{", "invalid character class range: `\\p{)$`"},
    {V2, "\\p{Kawi}", "invalid character class range: `\\p{Kawi}`"}, /* Unicode 15 */
    {V2, "\\p{Cn}", "invalid character class range: `\\p{Cn}`"},
    {V2, "(?=a)", "invalid or unsupported Perl syntax: `(?=`"},
    {V2, "(?!a)", "invalid or unsupported Perl syntax: `(?!`"},
    {V2, "(?<=a)", "invalid or unsupported Perl syntax: `(?<`"},
    {V2, "(?<n>a)", "invalid or unsupported Perl syntax: `(?<`"},
    {V3, "(?<n>a)", "invalid or unsupported Perl syntax: `(?<`"},
    {V2, "(?#c)", "invalid or unsupported Perl syntax: `(?#`"},
    {V2, "(?P=n)", "invalid or unsupported Perl syntax: `(?P`"},
    {V2, "(?-)", "invalid or unsupported Perl syntax: `(?-)`"},
    {V2, "(?i-)", "invalid or unsupported Perl syntax: `(?i-)`"},
    {V2, "(?i-m-s)", "invalid or unsupported Perl syntax: `(?i-m-`"},
    {V2, "(?x)", "invalid or unsupported Perl syntax: `(?x`"},
    {V3, "(?i", "invalid or unsupported Perl syntax: `(?i`"},
    {V2, "(?i", "missing closing ): `^(?:(?i)$`"},
    {V2, "(?P<n", "invalid named capture: `(?P<n)$`"},
    {V2, "(?P<>a)", "invalid named capture: `(?P<>`"},
    {V2, "(?P<a-b>x)", "invalid named capture: `(?P<a-b>`"},
    {V2, "\\Qa.b", "missing closing ): `^(?:\\Qa.b)$`"},
    {V2,
     "a\xff"
     "b",
     "invalid UTF-8: `\xff"
     "b)$`"},
    {V3, "a\xff(", "invalid UTF-8: `\xff(`"},
    {V2, "[\xff]", "invalid UTF-8: `\xff])$`"},
    {V2, "\\Q\xff\\E", "invalid UTF-8: `\xff`"},
};

START_TEST(test_rejects)
{
    for (size_t i = 0; i < sizeof(rejects) / sizeof(rejects[0]); i++) {
        char err[512] = "";
        char want[600];
        snprintf(want, sizeof(want), "error parsing regexp: %s", rejects[i].error);
        promql_regex *re = (promql_regex *)1;
        int rc = promql_regex_compile(&re, strv_from_cstr(rejects[i].pattern), rejects[i].compat,
                                      err, sizeof(err));
        ck_assert_msg(rc == SLOEVAL_EPARSE, "'%s' v%d: rc %d", rejects[i].pattern,
                      rejects[i].compat == V2 ? 2 : 3, rc);
        ck_assert_ptr_null(re);
        ck_assert_msg(strcmp(err, want) == 0, "'%s': got %s\nwant %s", rejects[i].pattern, err,
                      want);
        char err2[512] = "";
        ck_assert_int_eq(promql_regex_check(strv_from_cstr(rejects[i].pattern), rejects[i].compat,
                                            err2, sizeof(err2)),
                         SLOEVAL_EPARSE);
        ck_assert_str_eq(err2, want);
    }
}
END_TEST

/* Accepted patterns: each subject's expected answer on 2.x and 3.x. */
static const struct {
    const char *pattern;
    const char *subject;
    int v2, v3; /* 1 match, 0 no match */
} matches[] = {
    {"a", "a", 1, 1},
    {"a", "ab", 0, 0},
    {"a", "", 0, 0},
    {"", "", 1, 1},
    {"", "a", 0, 0},
    {"foo|bar", "bar", 1, 1},
    {"foo|bar", "foobar", 0, 0},
    {"foo|", "", 1, 1},
    {"a.c", "abc", 1, 1},
    {"a.c", "a\nc", 0, 1}, /* 3.x: '.' matches a newline */
    {"(?s)a.c", "a\nc", 1, 1},
    {"(?-s:a.c)", "a\nc", 0, 0},
    {".*", "line1\nline2", 0, 1},
    {"[^a]", "\n", 1, 1},
    {"(?i)abc", "AbC", 1, 1},
    {"(?i)k", "\xe2\x84\xaa", 1, 1}, /* Kelvin sign folds to k */
    {"a(?i)b|c", "C", 1, 1},         /* flags carry across '|' */
    {"(?i:a)b", "AB", 0, 0},
    {"\\d+", "0123", 1, 1},
    {"\\d", "\xd9\xa3", 0, 0}, /* Arabic-Indic digit: \d is ASCII */
    {"\\s", "\v", 0, 0},       /* Go's \s has no \v */
    {"\\s", "\f", 1, 1},
    {"[\\s]", "\v", 0, 0},
    {"\\S", "\v", 1, 1},
    {"[\\S]", "\v", 1, 1},
    {"[^\\S]", "\v", 0, 0},
    {"[[:space:]]", "\v", 1, 1}, /* POSIX space does have \v */
    {"\\v", "\v", 1, 1},
    {"\\w+", "ab_9", 1, 1},
    {"\\w", "\xc3\xa9", 0, 0},
    {"(?i)\\W", "\xe2\x84\xaa", 0, 0}, /* folded \w holds the Kelvin sign */
    /* classes mixing groups, properties and ranges under (?i) */
    {"(?i)[\\Wk]", "\xe2\x84\xaa", 1, 1},
    {"(?i)[\\Wk]", "K", 1, 1},
    {"(?i)[\\Wk]", "j", 0, 0},
    {"(?i)[^\\Wk]", "K", 0, 0},
    {"(?i)[^\\Wk]", "\xe2\x84\xaa", 0, 0},
    {"(?i)[^\\Wk]", "j", 1, 1},
    {"(?i)[^\\Sa-c]", "B", 0, 0},
    {"(?i)[^\\Sa-c]", "\t", 1, 1},
    {"(?i)[\\x{7b}-\\x{10ffff}]", "S", 1, 1}, /* long s is in the range */
    {"(?i)[\\x{7b}-\\x{10ffff}]", "a", 0, 0},
    {"(?i)[^\\x{7b}-\\x{10ffff}]", "s", 0, 0},
    {"(?i)[^\\x{7b}-\\x{10ffff}]", "a", 1, 1},
    {"(?i)[\\x{100}-\\x{3000}]", "\xc3\xbf", 1, 1}, /* y-diaeresis, U+0178 in range */
    {"(?i)[\\x{100}-\\x{3000}]", "\xc3\xbe", 0, 0},
    {"(?i)[\\x{2000}-\\x{10ffff}]", "k", 1, 1}, /* Kelvin sign in range */
    {"(?i)[\\x{2000}-\\x{10ffff}\\d]", "\xe2\x84\xa6", 1, 1},
    {"(?i)[^\\x{2000}-\\x{10ffff}\\d]", "\xcf\x89", 0, 0}, /* omega, Ohm sign in range */
    {"(?i)[\\p{Greek}\\x{2000}-\\x{10ffff}]", "k", 1, 1},
    {"(?i)[\\x{0}-\\x{10ffff}]", "\xf4\x8f\xbf\xbf", 1, 1},
    {"(?i)(?:(?:(?:a)b)c)[\\Wa]{3}", "ABC-A-", 1, 1},
    {"\\W", "\xe2\x84\xaa", 1, 1},
    {"[[:word:]]+", "a_1", 1, 1},
    {"[[:^alpha:]]", "1", 1, 1},
    {"[[:^alpha:]]", "a", 0, 0},
    {"(?i)[[:upper:]]", "a", 1, 1},
    {"(?i)[[:upper:]]", "\xc5\xbf", 1, 1}, /* long s */
    {"[[:upper:]]", "a", 0, 0},
    {"\\pL+", "h\xc3\xa9llo", 1, 1},
    {"\\p{L}", "1", 0, 0},
    {"\\PL", "1", 1, 1},
    {"\\p{^L}", "1", 1, 1},
    {"\\P{^L}", "a", 1, 1},
    {"\\p{Greek}", "\xce\xb1", 1, 1},
    {"[\\p{Greek}a]", "a", 1, 1},
    {"[^\\p{Greek}]", "\xce\xb1", 0, 0},
    {"\\pC", "\n", 1, 1},
    {"\\pC", "\xcd\xb8", 0, 0}, /* U+0378 is unassigned: not in Go's C */
    {"\\PC", "\xcd\xb8", 1, 1},
    {"[\\PC]", "\xcd\xb8", 1, 1},
    {"\\p{Any}", "\n", 1, 1},
    {"[]a]", "]", 1, 1},
    {"[^]a]", "b", 1, 1},
    {"[a-]", "-", 1, 1},
    {"[-a]", "-", 1, 1},
    {"[a-c-e]", "-", 1, 1},
    {"[a-c-e]", "d", 0, 0},
    {"[\\d-z]", "-", 1, 1},
    {"[[a]", "[", 1, 1},
    {"\\Qa.b\\E", "a.b", 1, 1},
    {"\\Qa.b\\E", "axb", 0, 0},
    {"\\Qab\\E+", "abbb", 1, 1},
    {"a{,5}", "a{,5}", 1, 1}, /* not a repeat in Go: literal */
    {"a{01}", "a{01}", 1, 1},
    {"a{2", "a{2", 1, 1},
    {"{", "{", 1, 1},
    {"x{2}?", "xx", 1, 1},
    {"a{2,}", "aaaa", 1, 1},
    {"a{2,3}", "aaaa", 0, 0},
    {"a{0}", "", 1, 1},
    {"a{1000}", "a", 0, 0},
    {"\\x41\\x{42}\\103", "ABC", 1, 1},
    {"\\0", "\0", 0, 0}, /* C string ends first; tested with lengths below */
    {"\\012", "\n", 1, 1},
    {"\\a\\f\\t\\r", "\a\f\t\r", 1, 1},
    {"\\.\\+\\*\\?\\(\\)\\|\\[\\]\\{\\}\\^\\$\\\\", ".+*?()|[]{}^$\\", 1, 1},
    {"\\_\\-\\ \\#", "_- #", 1, 1},
    {"^a$", "a", 1, 1},
    {"a$", "a\n", 0, 0}, /* $ is \z, not Perl's before-final-newline */
    {"\\Aa\\z", "a", 1, 1},
    {"(?m)a$\\n^b", "a\nb", 1, 1},
    {"(?m)a\\n^", "a\n", 1, 1}, /* ^ after a final newline */
    {"^*a", "a", 1, 1},
    {"(?:)*a", "a", 1, 1},
    {"\\ba\\b", "a", 1, 1},
    {"a\\Bb", "ab", 1, 1},
    {"\\b", "", 0, 0},
    {"(?U)a+", "aaa", 1, 1},
    {"(?P<name>x)y", "xy", 1, 1},
    {"(a|b)*c", "ababc", 1, 1},
    {"[^\\x00-\\x{10FFFF}]", "a", 0, 0},
    {"\\x{D800}|a", "a", 1, 1},
    {"[\\x{D7FF}-\\x{E000}]", "\xee\x80\x80", 1, 1},
    {"\xef\xbf\xbd", "\xff", 1, 0}, /* a bad byte reads as U+FFFD; 3.x compares plain strings */
    {".", "\xff", 1, 1},
    {"a.b",
     "a\xff\xfe"
     "b",
     0, 0},
    {"a..b",
     "a\xff\xfe"
     "b",
     1, 1},
    {"h.llo", "h\xc3\xa9llo", 1, 1},
    {"[^a]", "\xc3\xa9", 1, 1},
};

START_TEST(test_matches)
{
    for (size_t i = 0; i < sizeof(matches) / sizeof(matches[0]); i++) {
        for (int c = 0; c < 2; c++) {
            sloeval_compat compat = c ? V3 : V2;
            int want = c ? matches[i].v3 : matches[i].v2;
            char err[512] = "";
            promql_regex *re = NULL;
            int rc = promql_regex_compile(&re, strv_from_cstr(matches[i].pattern), compat, err,
                                          sizeof(err));
            ck_assert_msg(rc == 0, "'%s' v%d: %s", matches[i].pattern, c ? 3 : 2, err);
            int got = promql_regex_test(re, strv_from_cstr(matches[i].subject));
            ck_assert_msg(got == want, "'%s' v%d on '%s': got %d", matches[i].pattern, c ? 3 : 2,
                          matches[i].subject, got);
            ck_assert_int_eq(promql_regex_match(re, strv_from_cstr(matches[i].subject)), want == 1);
            ck_assert_int_eq(promql_regex_matches_empty(re),
                             promql_regex_test(re, STRV_LIT("")) == 1);
            promql_regex_free(re);
        }
    }
}
END_TEST

START_TEST(test_nul_bytes_and_empty)
{
    promql_regex *re;
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("a\\0b"), V2, NULL, 0), 0);
    ck_assert(promql_regex_match(re, (strv){"a\0b", 3}));
    ck_assert(!promql_regex_match(re, STRV_LIT("ab")));
    promql_regex_free(re);
    /* a raw NUL byte in the pattern is a literal */
    ck_assert_int_eq(promql_regex_compile(&re, (strv){"x\0.", 3}, V2, NULL, 0), 0);
    ck_assert(promql_regex_match(re, (strv){"x\0y", 3}));
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT(".*"), V2, NULL, 0), 0);
    ck_assert(promql_regex_matches_empty(re));
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT(".+"), V3, NULL, 0), 0);
    ck_assert(!promql_regex_matches_empty(re));
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("a||b"), V3, NULL, 0), 0);
    ck_assert(promql_regex_matches_empty(re));
    promql_regex_free(re);
}
END_TEST

/* 3.x takes '|'-lists of plain strings literally, without parsing them:
 * invalid UTF-8 is accepted there and compared byte for byte. */
START_TEST(test_literal_lists)
{
    promql_regex *re;
    char err[256] = "";
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("a\xff|b"), V3, err, sizeof(err)), 0);
    ck_assert(promql_regex_match(re, STRV_LIT("a\xff")));
    ck_assert(!promql_regex_match(re, STRV_LIT("a\xfe")));
    ck_assert(promql_regex_match(re, STRV_LIT("b")));
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("a\xff|b"), V2, err, sizeof(err)),
                     SLOEVAL_EPARSE);
    ck_assert_str_eq(err, "error parsing regexp: invalid UTF-8: `\xff|b)$`");
    /* 2.x: U+FFFD in a literal list still matches a bad byte */
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("\xef\xbf\xbd|x"), V2, err, sizeof(err)),
                     0);
    ck_assert(promql_regex_match(re, STRV_LIT("\xfe")));
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("\xef\xbf\xbd|x"), V3, err, sizeof(err)),
                     0);
    ck_assert(!promql_regex_match(re, STRV_LIT("\xfe")));
    promql_regex_free(re);
}
END_TEST

START_TEST(test_unicode_versions)
{
    char err[256];
    /* names of Unicode 14/15 and the newer Go categories are 3.x only */
    ck_assert_int_eq(promql_regex_check(STRV_LIT("\\p{Vithkuqi}"), V3, err, sizeof(err)), 0);
    ck_assert_int_eq(promql_regex_check(STRV_LIT("\\p{Vithkuqi}"), V2, err, sizeof(err)),
                     SLOEVAL_EPARSE);
    ck_assert_int_eq(promql_regex_check(STRV_LIT("\\p{Cn}"), V3, err, sizeof(err)), 0);
    ck_assert_int_eq(promql_regex_check(STRV_LIT("\\p{LC}"), V3, err, sizeof(err)), 0);
    /* Go accepts it, but PCRE2 10.42's tables stop at Unicode 14 */
    int rc = promql_regex_check(STRV_LIT("\\p{Kawi}"), V3, err, sizeof(err));
    ck_assert_int_eq(rc, SLOEVAL_EUNSUPPORTED);
    ck_assert_msg(strstr(err, "not supported locally") != NULL, "%s", err);
}
END_TEST

START_TEST(test_groups_and_expand)
{
    promql_regex *re;
    char err[256] = "";
    ck_assert_int_eq(promql_regex_compile_mode(&re, STRV_LIT("(?P<host>[^:]+):(\\d+)|(x)"), V2,
                                               PROMQL_REGEX_REPLACE, err, sizeof(err)),
                     0);
    ck_assert_uint_eq(promql_regex_group_count(re), 3);
    size_t ov[8];
    strv v = STRV_LIT("db-1:9100");
    ck_assert_int_eq(promql_regex_match_groups(re, v, ov, 4), 1);
    ck_assert_uint_eq(ov[0], 0);
    ck_assert_uint_eq(ov[1], v.len);
    ck_assert_uint_eq(ov[2], 0);
    ck_assert_uint_eq(ov[3], 4);
    ck_assert_uint_eq(ov[4], 5);
    ck_assert_uint_eq(ov[6], SIZE_MAX);
    static const struct {
        const char *tmpl, *want;
    } cases[] = {
        {"$1", "db-1"},
        {"${1}", "db-1"},
        {"$host:$2", "db-1:9100"},
        {"${host}x", "db-1x"},
        {"$hostx", ""}, /* the name runs on: no such group */
        {"$1x", ""},
        {"$3", ""},
        {"$9", ""},
        {"$$1", "$1"},
        {"$", "$"},
        {"a$-b", "a$-b"},
        {"${1", "${1"},
        {"${}", "${}"},
        {"$01", ""},
        {"$0", "db-1:9100"},
        {"pre ${2} post", "pre 9100 post"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strbuf sb = STRBUF_INIT;
        promql_regex_expand(&sb, re, strv_from_cstr(cases[i].tmpl), v, ov, 4);
        ck_assert_msg(strcmp(strbuf_cstr(&sb), cases[i].want) == 0, "'%s' -> '%s'", cases[i].tmpl,
                      strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
    ck_assert_int_eq(promql_regex_match_groups(re, STRV_LIT("nope"), ov, 4), 0);
    promql_regex_free(re);

    /* label_replace parses only the anchored text: the injection is valid,
     * and as in Go the anchors then hold in one branch each (a search for
     * ^a or b$, so "ab" and "cb" match) */
    ck_assert_int_eq(promql_regex_compile_mode(&re, STRV_LIT("a)|(b"), V2, PROMQL_REGEX_REPLACE,
                                               err, sizeof(err)),
                     0);
    ck_assert(promql_regex_match(re, STRV_LIT("a")));
    ck_assert(promql_regex_match(re, STRV_LIT("ab")));
    ck_assert(promql_regex_match(re, STRV_LIT("cb")));
    ck_assert(!promql_regex_match(re, STRV_LIT("ca")));
    ck_assert_int_eq(promql_regex_match_groups(re, STRV_LIT("ab"), ov, 2), 1);
    ck_assert_uint_eq(ov[0], 0);
    ck_assert_uint_eq(ov[1], 1);
    promql_regex_free(re);

    /* offsets refer to the caller's bytes when bad bytes were replaced */
    ck_assert_int_eq(promql_regex_compile_mode(&re, STRV_LIT("(.)(.)(x)"), V3, PROMQL_REGEX_REPLACE,
                                               err, sizeof(err)),
                     0);
    ck_assert_int_eq(promql_regex_match_groups(re, STRV_LIT("\xff\xc3\xa9x"), ov, 4), 1);
    ck_assert_uint_eq(ov[2], 0);
    ck_assert_uint_eq(ov[3], 1);
    ck_assert_uint_eq(ov[4], 1);
    ck_assert_uint_eq(ov[5], 3);
    ck_assert_uint_eq(ov[6], 3);
    ck_assert_uint_eq(ov[7], 4);
    promql_regex_free(re);

    /* lazy and greedy choices follow Go's leftmost-first preference */
    ck_assert_int_eq(promql_regex_compile_mode(&re, STRV_LIT("(a+?)(a*)"), V2, PROMQL_REGEX_REPLACE,
                                               err, sizeof(err)),
                     0);
    ck_assert_int_eq(promql_regex_match_groups(re, STRV_LIT("aaa"), ov, 3), 1);
    ck_assert_uint_eq(ov[3], 1);
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile_mode(&re, STRV_LIT("(?U)(a+)(a*)"), V2,
                                               PROMQL_REGEX_REPLACE, err, sizeof(err)),
                     0);
    ck_assert_int_eq(promql_regex_match_groups(re, STRV_LIT("aaa"), ov, 3), 1);
    ck_assert_uint_eq(ov[3], 1);
    promql_regex_free(re);
}
END_TEST

/* Exponential backtracking in PCRE2 falls back to the DFA matcher. */
START_TEST(test_pathological_patterns_finish)
{
    promql_regex *re;
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("(a*)*b"), V2, NULL, 0), 0);
    char s[5001];
    memset(s, 'a', 5000);
    s[5000] = 0;
    ck_assert_int_eq(promql_regex_test(re, strv_from_cstr(s)), 0);
    s[4999] = 'b';
    ck_assert_int_eq(promql_regex_test(re, strv_from_cstr(s)), 1);
    promql_regex_free(re);
    ck_assert_int_eq(promql_regex_compile(&re, STRV_LIT("(a|aa)+c"), V3, NULL, 0), 0);
    s[4999] = 'a';
    ck_assert_int_eq(promql_regex_test(re, strv_from_cstr(s)), 0);
    promql_regex_free(re);
}
END_TEST

START_TEST(test_nesting_limits)
{
    /* 1001 nested groups: Go's depth limit */
    size_t n = 1001;
    char *p = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++)
        p[i] = '(';
    p[n] = 'a';
    for (size_t i = 0; i < n; i++)
        p[n + 1 + i] = ')';
    p[2 * n + 1] = 0;
    char err[64];
    ck_assert_int_eq(promql_regex_check(strv_from_cstr(p), V3, err, sizeof(err)), SLOEVAL_EPARSE);
    ck_assert_msg(strncmp(err, "error parsing regexp: expression nests too deeply", 49) == 0, "%s",
                  err);
    free(p);
    /* 500 is fine */
    n = 500;
    p = malloc(2 * n + 2);
    for (size_t i = 0; i < n; i++)
        p[i] = '(';
    p[n] = 'a';
    for (size_t i = 0; i < n; i++)
        p[n + 1 + i] = ')';
    p[2 * n + 1] = 0;
    promql_regex *re;
    ck_assert_int_eq(promql_regex_compile(&re, strv_from_cstr(p), V3, NULL, 0), 0);
    ck_assert(promql_regex_match(re, STRV_LIT("a")));
    promql_regex_free(re);
    free(p);

    /* Many nodes repeated past Go's program size limit. */
    size_t k = 3400;
    char *b = malloc(2 * k + 16);
    strcpy(b, "(?:");
    for (size_t i = 0; i < k; i++)
        memcpy(b + 3 + 2 * i, "\\d", 2);
    strcpy(b + 3 + 2 * k, "){1000}");
    char err2[64];
    ck_assert_int_eq(promql_regex_check(strv_from_cstr(b), V3, err2, sizeof(err2)), SLOEVAL_EPARSE);
    ck_assert_msg(strstr(err2, "regexp/syntax: internal error") != NULL, "%s", err2);
    /* The same size as one long literal: Go never measures it and accepts
     * it, but PCRE2 unrolls the repeat past its compiled-size limit: a
     * clear "not supported locally" (the pattern can still be pushed down). */
    memset(b + 3, 'x', 2 * k);
    char err3[256];
    ck_assert_int_eq(promql_regex_check(strv_from_cstr(b), V3, err3, sizeof(err3)),
                     SLOEVAL_EUNSUPPORTED);
    ck_assert_msg(strstr(err3, "regular expression not supported locally") != NULL, "%s", err3);
    free(b);
}
END_TEST

START_TEST(test_random_patterns_are_safe)
{
    static const char *atoms[] = {
        "a",   "b",      ".",       "\\d",  "\\w",         "\\s",      "[a-c]", "[^b]", "(",
        ")",   "|",      "*",       "+",    "?",           "{2}",      "{1,3}", "^",    "$",
        "\\b", "(?i)",   "(?:",     "\\pL", "[[:alpha:]]", "\xc3\xa9", "\\",    "{",    "]",
        "[",   "(?P<x>", "\\x{41}", "\\Q",  "\\E",         "-",        "\xff"};
    uint64_t seed = 12345;
    for (int i = 0; i < 20000; i++) {
        char pat[128];
        size_t n = 0;
        int k = 1 + (int)(seed % 8);
        for (int j = 0; j < k; j++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *a = atoms[(seed >> 33) % (sizeof(atoms) / sizeof(atoms[0]))];
            size_t l = strlen(a);
            if (n + l >= sizeof(pat)) break;
            memcpy(pat + n, a, l);
            n += l;
        }
        pat[n] = 0;
        for (int c = 0; c < 2; c++) {
            sloeval_compat compat = c ? V3 : V2;
            char e1[512] = "", e2[512] = "";
            promql_regex *re = NULL;
            int rc = promql_regex_compile(&re, (strv){pat, n}, compat, e1, sizeof(e1));
            int rc2 = promql_regex_check((strv){pat, n}, compat, e2, sizeof(e2));
            ck_assert_msg(rc == rc2, "'%s': %d vs %d", pat, rc, rc2);
            ck_assert_msg(rc == 0 || rc == SLOEVAL_EPARSE, "'%s': %d %s", pat, rc, e1);
            if (rc) {
                ck_assert_str_eq(e1, e2);
                ck_assert(strncmp(e1, "error parsing regexp: ", 22) == 0);
                continue;
            }
            static const char *subjects[] = {"", "a", "ab", "abc\n", "\xff", "\xc3\xa9", "AAA"};
            for (size_t s = 0; s < sizeof(subjects) / sizeof(subjects[0]); s++) {
                int m = promql_regex_test(re, strv_from_cstr(subjects[s]));
                ck_assert(m == 0 || m == 1);
            }
            promql_regex_free(re);
        }
    }
}
END_TEST

/* Every code point outside the cased blocks has no other case in the
 * linked PCRE2 (regex.c lets PCRE2 fold only inside them). Letters: \U
 * and \L in PCRE2's extended substitution map a character to its other
 * case, which must lie in a cased block when either end does not stay
 * put; anything else: a caseless class of everything outside the blocks
 * must match no character inside them. */
static size_t put_utf8(char *b, uint32_t r)
{
    if (r < 0x80) {
        b[0] = (char)r;
        return 1;
    }
    if (r < 0x800) {
        b[0] = (char)(0xC0 | (r >> 6));
        b[1] = (char)(0x80 | (r & 0x3F));
        return 2;
    }
    if (r < 0x10000) {
        b[0] = (char)(0xE0 | (r >> 12));
        b[1] = (char)(0x80 | ((r >> 6) & 0x3F));
        b[2] = (char)(0x80 | (r & 0x3F));
        return 3;
    }
    b[0] = (char)(0xF0 | (r >> 18));
    b[1] = (char)(0x80 | ((r >> 12) & 0x3F));
    b[2] = (char)(0x80 | ((r >> 6) & 0x3F));
    b[3] = (char)(0x80 | (r & 0x3F));
    return 4;
}

static uint32_t get_utf8(const unsigned char *s, size_t *len)
{
    if (s[0] < 0x80) {
        *len = 1;
        return s[0];
    }
    if (s[0] < 0xE0) {
        *len = 2;
        return ((s[0] & 31u) << 6) | (s[1] & 63u);
    }
    if (s[0] < 0xF0) {
        *len = 3;
        return ((s[0] & 15u) << 12) | ((s[1] & 63u) << 6) | (s[2] & 63u);
    }
    *len = 4;
    return ((s[0] & 7u) << 18) | ((s[1] & 63u) << 12) | ((s[2] & 63u) << 6) | (s[3] & 63u);
}

static bool in_blocks(const uint32_t (*b)[2], size_t n, uint32_t c)
{
    for (size_t i = 0; i < n; i++)
        if (c >= b[i][0] && c <= b[i][1]) return true;
    return false;
}

START_TEST(test_cased_blocks_hold_every_case_pair)
{
    const uint32_t(*blocks)[2];
    size_t nb = promql_regex_cased_blocks(&blocks);
    ck_assert_uint_gt(nb, 0);
    for (size_t i = 0; i < nb; i++) {
        ck_assert_uint_le(blocks[i][0], blocks[i][1]);
        if (i > 0) ck_assert_uint_gt(blocks[i][0], blocks[i - 1][1] + 1);
    }
    /* every code point but NUL and the surrogates, in order */
    size_t cap = 4 * 0x110000, n = 0;
    char *all = malloc(cap);
    ck_assert_ptr_nonnull(all);
    for (uint32_t c = 1; c <= 0x10FFFF; c++)
        if (c < 0xD800 || c > 0xDFFF) n += put_utf8(all + n, c);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *any =
        pcre2_compile((PCRE2_SPTR) "(?s).", PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
    ck_assert_ptr_nonnull(any);
    char *mapped = malloc(cap + 64);
    ck_assert_ptr_nonnull(mapped);
    const char *forms[] = {"\\U$0", "\\L$0"};
    size_t moved = 0;
    for (int f = 0; f < 2; f++) {
        PCRE2_SIZE mlen = cap + 64;
        int rc = pcre2_substitute(
            any, (PCRE2_SPTR)all, n, 0, PCRE2_SUBSTITUTE_GLOBAL | PCRE2_SUBSTITUTE_EXTENDED, NULL,
            NULL, (PCRE2_SPTR)forms[f], PCRE2_ZERO_TERMINATED, (PCRE2_UCHAR *)mapped, &mlen);
        ck_assert_int_gt(rc, 0x100000);
        size_t i = 0, j = 0;
        while (i < n && j < (size_t)mlen) {
            size_t a, b;
            uint32_t c = get_utf8((const unsigned char *)all + i, &a);
            uint32_t d = get_utf8((const unsigned char *)mapped + j, &b);
            if (c != d) {
                moved++;
                ck_assert_msg(in_blocks(blocks, nb, c) && in_blocks(blocks, nb, d),
                              "U+%04X and U+%04X are cases of each other", (unsigned)c,
                              (unsigned)d);
            }
            i += a;
            j += b;
        }
        ck_assert(i == n && j == (size_t)mlen);
    }
    ck_assert_uint_gt(moved, 2000); /* the substitution did map cases */
    free(mapped);
    pcre2_code_free(any);
    free(all);

    char *pat = malloc(64 + 40 * nb);
    ck_assert_ptr_nonnull(pat);
    size_t pl = (size_t)sprintf(pat, "(?i:[");
    uint32_t next = 0;
    for (size_t i = 0; i < nb; i++) {
        if (blocks[i][0] > next)
            pl += (size_t)sprintf(pat + pl, "\\x{%x}-\\x{%x}", (unsigned)next,
                                  (unsigned)blocks[i][0] - 1);
        next = blocks[i][1] + 1;
    }
    pl += (size_t)sprintf(pat + pl, "\\x{%x}-\\x{10ffff}])", (unsigned)next);
    pcre2_code *outside = pcre2_compile((PCRE2_SPTR)pat, pl, PCRE2_UTF, &ec, &eo, NULL);
    ck_assert_ptr_nonnull(outside);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    for (size_t i = 0; i < nb; i++) {
        for (uint32_t c = blocks[i][0]; c <= blocks[i][1]; c++) {
            char b[4];
            size_t l = put_utf8(b, c);
            ck_assert_msg(pcre2_match(outside, (PCRE2_SPTR)b, l, 0, PCRE2_ANCHORED, md, NULL) < 0,
                          "U+%04X has a case outside the blocks", (unsigned)c);
        }
    }
    /* and the check itself can fail: 'k' is a case of U+212A */
    ck_assert(pcre2_match(outside, (PCRE2_SPTR) "k", 1, 0, PCRE2_ANCHORED, md, NULL) < 0);
    pcre2_match_data_free(md);
    pcre2_code_free(outside);
    free(pat);
}
END_TEST

/* "pre" followed by n copies of unit. */
static char *repeat_text(const char *pre, const char *unit, size_t n, const char *post)
{
    size_t lp = strlen(pre), lu = strlen(unit), lq = strlen(post);
    char *p = malloc(lp + lu * n + lq + 1);
    ck_assert_ptr_nonnull(p);
    memcpy(p, pre, lp);
    for (size_t i = 0; i < n; i++)
        memcpy(p + lp + i * lu, unit, lu);
    memcpy(p + lp + lu * n, post, lq + 1);
    return p;
}

/* Case folding costs PCRE2 one visit per code point of each class range it
 * folds: bounded per pattern and per large range, whatever the classes
 * (before, 2,000 (?i)\W asked for 2.2 billion visits: over a minute). */
START_TEST(test_fold_cost_is_bounded)
{
    static const struct {
        const char *unit;
        size_t per_unit; /* allowed visits per copy, past the 64Ki per pattern */
    } shapes[] = {
        {"\\W", 0},
        {"\\S", 0},
        {"\\D", 0},
        {"\\w", 0},
        {"[[:^alpha:]]", 0},
        {"[[:^upper:]]", 0},
        {"\\pL", 0},
        {"\\PL", 0},
        {"\\p{Lu}", 0},
        {"[\\x00-\\x{10ffff}]", 0},
        {"[^\\x00-\\x{10ffff}]", 0},
        {"[^a]", 1},
        {"[a-z]", 26},
        {"[\\Wa]", 1},
        {"[^\\Sa-c]", 3},
        {"[\\pLk]", 1},
        {"(?:\\W|[^\\Wa])+", 1},
        {"[\\x{7b}-\\x{10ffff}]", 5000},
        {"[^\\x{80}-\\x{10ffff}\\d]", 5000},
        {"[\\x{2000}-\\x{30000}\\W]", 5000},
    };
    const uint32_t(*blocks)[2];
    size_t nb = promql_regex_cased_blocks(&blocks), cased = 0;
    for (size_t i = 0; i < nb; i++)
        cased += blocks[i][1] - blocks[i][0] + 1;
    ck_assert_uint_le(cased, 5000);
    size_t n = 2000;
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        char *p = repeat_text("(?i)", shapes[i].unit, n, "");
        size_t span = SIZE_MAX;
        char err[256] = "";
        int rc = promql_regex_check_cost(&span, strv_from_cstr(p), V2, err, sizeof(err));
        /* PCRE2 may find the result too large to run; it still parsed */
        ck_assert_msg(rc == 0 || rc == SLOEVAL_EUNSUPPORTED, "%s: %d %s", shapes[i].unit, rc, err);
        ck_assert_msg(span <= 65536 + n * shapes[i].per_unit, "(?i)%s x %zu: %zu visits",
                      shapes[i].unit, n, span);
        free(p);
    }
}
END_TEST

static double seconds(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

/* The fastest of 5 checks of p (the least disturbed by other load). */
static double check_time(const char *p)
{
    double best = 1e9;
    for (int r = 0; r < 5; r++) {
        double t = seconds();
        char err[256];
        int rc = promql_regex_check(strv_from_cstr(p), V2, err, sizeof(err));
        double d = seconds() - t;
        ck_assert_msg(rc == 0 || rc == SLOEVAL_EUNSUPPORTED, "%d %s", rc, err);
        if (d < best) best = d;
    }
    return best;
}

/* head, then n copies of pre, mid, n copies of post */
static char *shape_text(const char *head, const char *pre, const char *mid, const char *post,
                        size_t n)
{
    char *tail = repeat_text("", post, n, "");
    char *front = repeat_text(head, pre, n, mid);
    char *p = repeat_text(front, tail, 1, "");
    free(tail);
    free(front);
    return p;
}

/*
 * Compile time is linear in the pattern: each shape costs about what the
 * same text without the costly feature costs (case folding; nesting). The
 * bounds are 10-50 times what is measured (fastest of 5 runs each), where
 * the faults they guard against cost thousands of times more.
 */
START_TEST(test_compile_time_is_linear)
{
    static const struct {
        const char *head, *pre, *mid, *post; /* the shape */
        const char *bhead, *bpre;            /* the baseline: bhead, n x bpre */
        size_t n;
        double bound;
    } shapes[] = {
        {"(?i)", "\\W", "", "", "(?-i)", "\\W", 2000, 20},
        {"(?i)", "\\S", "", "", "(?-i)", "\\S", 2000, 20},
        {"(?i)", "[^\\Wa]", "", "", "(?-i)", "[^\\Wa]", 2000, 20},
        {"(?i)", "[\\x{7b}-\\x{10ffff}]", "", "", "(?-i)", "[\\x{7b}-\\x{10ffff}]", 200, 100},
        /* nested groups and alternations, against flat ones of the same size */
        {"", "(?:", "a", ")b", "", "(?:a)b", 20000, 20},
        {"", "(?:a|", "b", ")", "", "(?:a|b)", 20000, 20},
        {"", "b(?:", "a", ")", "", "b(?:a)", 20000, 20},
    };
    for (size_t i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) {
        size_t n = shapes[i].n;
        char *p = shape_text(shapes[i].head, shapes[i].pre, shapes[i].mid, shapes[i].post, n);
        char *b = shape_text(shapes[i].bhead, shapes[i].bpre, "", "", n);
        double tp = check_time(p), tb = check_time(b);
        ck_assert_msg(tp < shapes[i].bound * tb + 0.002, "%.20s...: %.4f s against %.4f s", p, tp,
                      tb);
        free(p);
        free(b);
    }
}
END_TEST

static Suite *regex_suite(void)
{
    Suite *s = suite_create("regex");
    TCase *tc = tcase_create("regex");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_rejects);
    tcase_add_test(tc, test_matches);
    tcase_add_test(tc, test_nul_bytes_and_empty);
    tcase_add_test(tc, test_literal_lists);
    tcase_add_test(tc, test_unicode_versions);
    tcase_add_test(tc, test_groups_and_expand);
    tcase_add_test(tc, test_pathological_patterns_finish);
    tcase_add_test(tc, test_nesting_limits);
    tcase_add_test(tc, test_random_patterns_are_safe);
    tcase_add_test(tc, test_cased_blocks_hold_every_case_pair);
    tcase_add_test(tc, test_fold_cost_is_bounded);
    tcase_add_test(tc, test_compile_time_is_linear);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(regex_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
