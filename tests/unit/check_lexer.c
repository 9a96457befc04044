/* Unit tests of lib/promql/lexer.c: token streams and lexer errors. */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include "promql/lexer.h"

/* "TYPE:text TYPE:text ..." of the whole input, or "ERROR:<message>@pos". */
static const char *lex_all(const char *in, sloeval_compat compat)
{
    static char out[2048];
    lexer lx;
    token t;
    size_t n = 0;
    lex_init(&lx, in, strlen(in), compat);
    out[0] = '\0';
    for (int guard = 0; guard < 200; guard++) {
        lex_next(&lx, &t);
        if (t.type == T_EOF) break;
        if (t.type == T_ERROR) {
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%sERROR:%s@%zu", n ? " " : "",
                                  lx.errmsg, t.start);
            break;
        }
        const char *fixed = tok_type_text(t.type);
        char kind[8] = "";
        if (!fixed) {
            switch (t.type) {
            case T_IDENTIFIER: strcpy(kind, "ID"); break;
            case T_METRIC_IDENTIFIER: strcpy(kind, "MID"); break;
            case T_NUMBER: strcpy(kind, "NUM"); break;
            case T_DURATION: strcpy(kind, "DUR"); break;
            case T_STRING: strcpy(kind, "STR"); break;
            default: strcpy(kind, "?"); break;
            }
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s:%.*s", n ? " " : "", kind,
                                  (int)(t.end - t.start), in + t.start);
        } else if (t.type == T_COLON) {
            /* 2.x may read a letter as the colon: show which. */
            bool letter = in[t.start] != ':';
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s:%.*s", n ? " " : "",
                                  letter ? (int)(t.end - t.start) : 0, in + t.start);
        } else {
            n += (size_t)snprintf(out + n, sizeof(out) - n, "%s%s", n ? " " : "", fixed);
        }
    }
    return out;
}

#define LEX2(in, want) ck_assert_str_eq(lex_all(in, SLOEVAL_COMPAT_V2), want)
#define LEX3(in, want) ck_assert_str_eq(lex_all(in, SLOEVAL_COMPAT_V3), want)
#define LEX(in, want)                                                                              \
    do {                                                                                           \
        LEX2(in, want);                                                                            \
        LEX3(in, want);                                                                            \
    } while (0)

START_TEST(test_operators_and_punctuation)
{
    LEX("a+b-c*d/e%f^g", "ID:a + ID:b - ID:c * ID:d / ID:e % ID:f ^ ID:g");
    LEX("a==b!=c<=d<e>=f>g", "ID:a == ID:b != ID:c <= ID:d < ID:e >= ID:f > ID:g");
    LEX("(a) , @", "( ID:a ) , @");
    LEX("a and b or c unless d atan2 e", "ID:a and ID:b or ID:c unless ID:d atan2 ID:e");
    LEX2("a </ b", "ID:a < / ID:b");
    LEX3("a </ b >/ c", "ID:a </ ID:b >/ ID:c");
}
END_TEST

START_TEST(test_keywords_case_insensitive)
{
    LEX("SUM By WITHOUT Offset bool ON ignoring GROUP_LEFT group_right",
        "sum by without offset bool on ignoring group_left group_right");
    LEX("count_values quantile topk bottomk stddev stdvar group min max avg",
        "count_values quantile topk bottomk stddev stdvar group min max avg");
    LEX("start end", "start end");
    /* 3.x keywords are identifiers on 2.x. */
    LEX2("limitk limit_ratio step range anchored smoothed", "ID:limitk ID:limit_ratio ID:step "
                                                            "ID:range ID:anchored ID:smoothed");
    LEX3("limitk limit_ratio anchored smoothed", "limitk limit_ratio anchored smoothed");
    /* fill is a keyword only before "(". */
    LEX3("fill + fill (1)", "ID:fill + fill ( NUM:1 )");
    /* Metric names with colons, and keywords glued to a colon. */
    LEX("sum:rate5m :x a:b:c", "MID:sum:rate5m MID::x MID:a:b:c");
}
END_TEST

START_TEST(test_numbers_and_durations)
{
    LEX("1 1.5 .5 5. 1e3 1E-3 0x1F 0X1f 0755 Inf nan NaN",
        "NUM:1 NUM:1.5 NUM:.5 NUM:5. NUM:1e3 NUM:1E-3 NUM:0x1F NUM:0X1f NUM:0755 NUM:Inf NUM:nan "
        "NUM:NaN");
    LEX("5m 1h30m 10ms 1y2w3d4h5m6s7ms", "DUR:5m DUR:1h30m DUR:10ms DUR:1y2w3d4h5m6s7ms");
    /* The lexer accepts any unit run; the parser checks the order. */
    LEX("30m1h", "DUR:30m1h");
    LEX2("1_000", "ERROR:bad number or duration syntax: \"1\"@0");
    LEX3("1_000 0x_1f", "NUM:1_000 NUM:0x_1f");
    LEX("5x", "ERROR:bad number or duration syntax: \"5\"@0");
    LEX("5mx", "ERROR:bad number or duration syntax: \"5mx\"@0");
    /* 2.x and 3.x disagree on hex with an exponent sign. */
    LEX2("0x1e+1", "NUM:0x1e + NUM:1");
    LEX3("0x1e+1", "NUM:0x1e+1");
    /* around the fast paths for digits '.' digits and digits + unit */
    LEX2("14.4 0.001 00.5 1.2.3 0.1.2",
         "NUM:14.4 NUM:0.001 NUM:00.5 NUM:1.2 NUM:.3 NUM:0.1 NUM:.2");
    LEX3("14.4 0.001 00.5 1.2.3", "NUM:14.4 NUM:0.001 NUM:00.5 ERROR:bad number or duration "
                                  "syntax: \"1.2.\"@16");
    LEX("1.5m 5hs 5sm", "DUR:1.5m DUR:5hs ERROR:bad number or duration syntax: \"5sm\"@9");
    LEX("5ms 0s 00s 5y 5w 5d 5h 5s 1h30m5s", "DUR:5ms DUR:0s DUR:00s DUR:5y DUR:5w DUR:5d DUR:5h "
                                             "DUR:5s DUR:1h30m5s");
    LEX("5m. 5m", "DUR:5m ERROR:unexpected character: '.'@2");
    LEX("5m5", "ERROR:bad number or duration syntax: \"5m5\"@0");
    LEX2("14.4. 1", "NUM:14.4 ERROR:unexpected character: '.'@4");
    LEX3("14.4. 1", "ERROR:bad number or duration syntax: \"14.4.\"@0");
    LEX("5\xc3\xa9", "NUM:5 ERROR:unexpected character: '\xc3\xa9'@1");
    LEX("5m\xc3\xa9", "DUR:5m ERROR:unexpected character: '\xc3\xa9'@2");
    LEX("1.5\xc3\xa9", "NUM:1.5 ERROR:unexpected character: '\xc3\xa9'@3");
    LEX("7 > 14.4*0.001", "NUM:7 > NUM:14.4 * NUM:0.001");
    LEX("08 017 0 00 09.5", "NUM:08 NUM:017 NUM:0 NUM:00 NUM:09.5");
    LEX3("x[5m] x[1.5] x[5m:1m] x[0s]",
         "ID:x [ DUR:5m ] ID:x [ NUM:1.5 ] ID:x [ DUR:5m : DUR:1m ] ID:x [ DUR:0s ]");
}
END_TEST

START_TEST(test_strings)
{
    LEX("\"a\" 'b' `c`", "STR:\"a\" STR:'b' STR:`c`");
    LEX("\"\\n\\t\\\\\\\"\\x41\\u00e9\\U0001F600\\101\"",
        "STR:\"\\n\\t\\\\\\\"\\x41\\u00e9\\U0001F600\\101\"");
    LEX("'it\\'s'", "STR:'it\\'s'");
    LEX("\"\\q\"", "ERROR:unknown escape sequence U+0071 'q'@0");
    LEX("'\\\"'", "ERROR:unknown escape sequence U+0022 '\"'@0");
    LEX("\"abc", "ERROR:unterminated quoted string@0");
    LEX("\"a\nb\"", "ERROR:unterminated quoted string@0");
    LEX("`a\nb`", "STR:`a\nb`");
    LEX("`abc", "ERROR:unterminated raw string@0");
    LEX("\"\\xZZ\"", "ERROR:illegal character U+005A 'Z' in escape sequence@0");
    LEX("\"\\400\"", "ERROR:escape sequence is an invalid Unicode code point@0");
    LEX("\"\\ud800\"", "ERROR:escape sequence is an invalid Unicode code point@0");
    LEX("\"\\x4", "ERROR:escape sequence not terminated@0");
    LEX("\"\xff\"", "ERROR:invalid UTF-8 rune@0");
    /* A literal U+FFFD reads like invalid UTF-8 to Prometheus. */
    LEX("\"\xef\xbf\xbd\"", "ERROR:invalid UTF-8 rune@0");
    LEX("\"\xc3\xa9\"", "STR:\"\xc3\xa9\"");
}
END_TEST

START_TEST(test_braces)
{
    LEX("foo{a=\"b\",c!=\"d\",e=~\"f\",g!~\"h\"}",
        "ID:foo { ID:a = STR:\"b\" , ID:c != STR:\"d\" , ID:e =~ STR:\"f\" , ID:g !~ STR:\"h\" }");
    /* Keywords are plain identifiers inside braces. */
    LEX("{by=\"x\", sum=\"y\"}", "{ ID:by = STR:\"x\" , ID:sum = STR:\"y\" }");
    LEX("{a # comment\n=\"b\"}", "{ ID:a = STR:\"b\" }");
    LEX("{a", "{ ID:a ERROR:unexpected end of input inside braces@2");
    LEX("{a!b", "{ ID:a ERROR:unexpected character after '!' inside braces: 'b'@2");
    LEX("{{", "{ ERROR:unexpected left brace '{'@1");
    LEX("{1}", "{ ERROR:unexpected character inside braces: '1'@1");
    LEX("{a:b}", "{ ID:a ERROR:unexpected character inside braces: ':'@2");
}
END_TEST

START_TEST(test_brackets)
{
    LEX("x[5m]", "ID:x [ DUR:5m ]");
    LEX("x[ 5m : 1m ]", "ID:x [ DUR:5m : DUR:1m ]");
    LEX("x[5m:]", "ID:x [ DUR:5m : ]");
    /* 2.x reads a letter inside brackets as the colon. */
    LEX2("x[5m y 1m]", "ID:x [ DUR:5m :y DUR:1m ]");
    LEX3("x[5m y 1m]", "ID:x [ DUR:5m ERROR:unexpected character: 'y', expected ':'@5");
    LEX2("x[5]", "ID:x [ ERROR:missing unit character in duration@2");
    LEX3("x[5]", "ID:x [ NUM:5 ]");
    LEX2("x[5m:1m:]", "ID:x [ DUR:5m : DUR:1m ERROR:unexpected colon ':'@7");
    LEX2("x[[", "ID:x [ ERROR:missing unit character in duration@2");
    LEX("x[5m[", "ID:x [ DUR:5m ERROR:unexpected left bracket '['@4");
    LEX("x]", "ID:x ERROR:unexpected right bracket ']'@1");
    LEX("x[5m", "ID:x [ DUR:5m ERROR:unclosed left bracket@4");
    LEX3("x[step()]", "ID:x [ step ( ) ]");
    LEX3("x[-5m]", "ID:x [ - DUR:5m ]");
    LEX3("x[#", "ID:x [ ERROR:unexpected character in duration expression: '#'@2");
}
END_TEST

START_TEST(test_parens_comments_errors)
{
    LEX("(a", "( ID:a ERROR:unclosed left parenthesis@2");
    /* The error replaces the ")" token itself. */
    LEX("a)", "ID:a ERROR:unexpected right parenthesis ')'@2");
    LEX("a # comment\n+ b", "ID:a + ID:b");
    LEX("# only a comment", "");
    LEX("a $", "ID:a ERROR:unexpected character: '$'@2");
    LEX("a =~ b", "ID:a ERROR:unexpected character after '=': '~'@2");
    LEX("a ! b", "ID:a ERROR:unexpected character after '!': ' '@2");
    LEX("a\xc3\xa9", "ID:a ERROR:unexpected character: '\xc3\xa9'@1");
    LEX("a\xff", "ID:a ERROR:unexpected character: '\xef\xbf\xbd'@1");
    LEX(". 5", "ERROR:unexpected character: '.'@0");
}
END_TEST

START_TEST(test_describe)
{
    lexer lx;
    token t;
    char buf[128];
    const char *in = "foo 1 \"a long string here\" sum by + , 5m a:b";
    const char *want[] = {"identifier \"foo\"",
                          "number \"1\"",
                          "string \"\\\"a long st\"...",
                          "<aggr:sum>",
                          "<by>",
                          "<op:+>",
                          "\",\"",
                          "duration \"5m\"",
                          "metric identifier \"a:b\"",
                          "end of input"};
    lex_init(&lx, in, strlen(in), SLOEVAL_COMPAT_V2);
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        lex_next(&lx, &t);
        ck_assert_str_eq(tok_describe(&lx, &t, buf, sizeof(buf)), want[i]);
    }
}
END_TEST

START_TEST(test_utf8_decode)
{
    size_t w;
    ck_assert_int_eq(rune_decode("\xc3\xa9", 2, &w), 0xE9);
    ck_assert_uint_eq(w, 2);
    ck_assert_int_eq(rune_decode("\xed\xa0\x80", 3, &w), 0xFFFD); /* surrogate */
    ck_assert_uint_eq(w, 1);
    ck_assert_int_eq(rune_decode("\xc0\x80", 2, &w), 0xFFFD); /* overlong */
    ck_assert_int_eq(rune_decode("\xf0\x9f\x98\x80", 4, &w), 0x1F600);
    ck_assert_int_eq(rune_decode("\xf4\x90\x80\x80", 4, &w), 0xFFFD); /* > U+10FFFF */
    ck_assert_int_eq(rune_decode("\xe2\x82", 2, &w), 0xFFFD);         /* truncated */
}
END_TEST

int main(void)
{
    Suite *s = suite_create("lexer");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_operators_and_punctuation);
    tcase_add_test(tc, test_keywords_case_insensitive);
    tcase_add_test(tc, test_numbers_and_durations);
    tcase_add_test(tc, test_strings);
    tcase_add_test(tc, test_braces);
    tcase_add_test(tc, test_brackets);
    tcase_add_test(tc, test_parens_comments_errors);
    tcase_add_test(tc, test_describe);
    tcase_add_test(tc, test_utf8_decode);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
