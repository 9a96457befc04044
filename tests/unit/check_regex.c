/* Unit tests of lib/model/regex: Go's RE2 syntax on PCRE2. */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/regex.h"

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
