/*
 * promql_regex against a real Prometheus 2.42: for hundreds of patterns
 * (a fixed list of tricky ones and seeded random ones) the server's
 * accept/reject decision, its "error parsing regexp" text, and the set of
 * label values its =~ matcher selects must all equal ours.
 */
#include <check.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "regex/regex.h"
#include "promserver.h"

#define T0 1704067200L

/* Label values held by series rx{v=...}; index 0 is "no v label". */
static const char *const values[] = {
    "",
    "a",
    "b",
    "ab",
    "abc",
    "A",
    "ABC",
    "aaa",
    "a\nb",
    "\n",
    "\xc3\xa9",
    "\xf0\x9f\x98\x80",
    "a.b",
    "1",
    "123",
    " ",
    "_",
    "-",
    "[",
    "]",
    "{",
    "}",
    "aB",
    "\xe2\x84\xaa",
    "\xc5\xbf",
    "\t",
    "\v",
    "\f",
    "a\r",
    "\x01",
    "xyz",
    "foo",
    "bar",
    "foobar",
    "x{2}",
    "a{,5}",
    "a*",
    ".",
    "\\",
    "aa",
    "ba",
    "a b",
    "k",
    "s",
    "S",
    "\xce\xb1",
    "\xd9\xa3",
    "ab\n",
    "\na",
    "\xc2\x85",
    "\xe2\x80\xa8",
    "0x41",
    "AbC",
    "\"",
    "a\"b",
    "\xef\xbf\xbd",
    "b\\a",
    "zz9",
};
#define NVALUES (sizeof(values) / sizeof(values[0]))

static promserver *srv;

static void om_escape(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        if (*s == '\n')
            strbuf_puts(sb, "\\n");
        else if (*s == '\\')
            strbuf_puts(sb, "\\\\");
        else if (*s == '"')
            strbuf_puts(sb, "\\\"");
        else
            strbuf_putc(sb, *s);
    }
}

static void start(void)
{
    ck_assert_msg(promserver_available(), "prometheus/promtool missing: scripts/install-deps.sh");
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "# TYPE rx gauge\n");
    for (size_t i = 0; i < NVALUES; i++) {
        if (i == 0) {
            strbuf_printf(&sb, "rx{i=\"000\"} 1 %ld\n", T0);
            continue;
        }
        strbuf_printf(&sb, "rx{i=\"%03zu\",v=\"", i);
        om_escape(&sb, values[i]);
        strbuf_printf(&sb, "\"} 1 %ld\n", T0);
    }
    strbuf_puts(&sb, "# EOF\n");
    char tmpl[] = "/tmp/sloeval-rx-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, sb.data, sb.len), (ssize_t)sb.len);
    close(fd);
    strbuf_free(&sb);
    char err[512] = "";
    srv = promserver_start(tmpl, err, sizeof(err));
    unlink(tmpl);
    ck_assert_msg(srv != NULL, "server: %s", err);
}

static void urlencode(strbuf *sb, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
            strbuf_putc(sb, (char)c);
        else
            strbuf_printf(sb, "%%%02X", c);
    }
}

static int checked, rejected, mismatches, messages;

#define MISMATCH(...)                                                                              \
    do {                                                                                           \
        if (mismatches++ < 40) printf(__VA_ARGS__);                                                \
    } while (0)

/* One pattern: the server's verdict and matches against ours. */
static void check_pattern(const char *pat, size_t plen)
{
    if (memchr(pat, '`', plen)) return; /* raw strings cannot hold a backtick */
    strbuf q = STRBUF_INIT;
    strbuf_puts(&q, "rx{v=~`");
    strbuf_append(&q, pat, plen);
    strbuf_puts(&q, "`}");
    strbuf form = STRBUF_INIT;
    strbuf_puts(&form, "query=");
    urlencode(&form, q.data, q.len);
    strbuf_printf(&form, "&time=%ld", T0 + 10);
    char *body = NULL;
    long status = 0;
    ck_assert_int_eq(promserver_post(srv, "/api/v1/query", form.data, &body, &status), 0);
    strbuf_free(&form);
    json_error_t jerr;
    json_t *root = json_loads(body, 0, &jerr);
    ck_assert_msg(root != NULL, "not JSON: %s", body);

    char ours_err[512] = "";
    promql_regex *re = NULL;
    int rc =
        promql_regex_compile(&re, (strv){pat, plen}, SLOEVAL_COMPAT_V2, ours_err, sizeof(ours_err));
    const char *status_s = json_string_value(json_object_get(root, "status"));
    if (status_s && strcmp(status_s, "success") != 0) {
        const char *msg = json_string_value(json_object_get(root, "error"));
        const char *at = msg ? strstr(msg, "error parsing regexp") : NULL;
        if (rc == 0) {
            MISMATCH("pattern `%.*s`: server rejects (%s), we accept\n", (int)plen, pat, msg);
            promql_regex_free(re);
        } else if (at && (messages++, strcmp(at, ours_err) != 0)) {
            MISMATCH("pattern `%.*s`:\n server: %s\n  ours: %s\n", (int)plen, pat, at, ours_err);
        }
        rejected++;
    } else if (rc != 0) {
        MISMATCH("pattern `%.*s`: server accepts, we reject: %s\n", (int)plen, pat, ours_err);
    } else {
        bool server_has[NVALUES] = {false};
        json_t *res = json_object_get(json_object_get(root, "data"), "result");
        size_t k;
        json_t *e;
        json_array_foreach(res, k, e)
        {
            const char *id = json_string_value(json_object_get(json_object_get(e, "metric"), "i"));
            ck_assert_ptr_nonnull(id);
            server_has[atoi(id)] = true;
        }
        for (size_t i = 0; i < NVALUES; i++) {
            bool ours = promql_regex_match(re, strv_from_cstr(values[i]));
            if (ours != server_has[i]) {
                MISMATCH("pattern `%.*s` on value %zu: server %d, ours %d\n", (int)plen, pat, i,
                         server_has[i], ours);
                break;
            }
        }
        promql_regex_free(re);
    }
    checked++;
    json_decref(root);
    free(body);
    strbuf_free(&q);
}

static const char *const fixed[] = {
    "a",
    "a|b",
    ".*",
    ".+",
    "a.b",
    "(?s)a.b",
    "(?s:.)+",
    "[^a]",
    "[^a]+",
    "\\s",
    "\\S",
    "[\\s]",
    "[\\S]",
    "\\v",
    "[[:space:]]",
    "\\w+",
    "\\W",
    "(?i)\\W",
    "(?i)k",
    "(?i)s",
    "(?i)[[:upper:]]",
    "[[:^alpha:]]+",
    "\\pL+",
    "\\PL",
    "\\p{Greek}",
    "\\pN",
    "\\pC",
    "\\PC",
    "\\p{Any}",
    "[]a]",
    "[^]a]",
    "[a-]",
    "x{2}",
    "a{,5}",
    "a{01}",
    "\\{",
    "{",
    "}",
    "a{2",
    "\\Qa.b\\E",
    "\\Q.\\E",
    "\\x41",
    "\\x{c5bf}",
    "\\101",
    "\\012",
    "\\.",
    "\\\\",
    "\\\"",
    "a$",
    "^a",
    "\\Aa\\z",
    "(?m)a$",
    "(?m)^a",
    "(?m)a\\n^b",
    "\\ba\\b",
    "a\\B",
    "\\b",
    "(?U)a+",
    "(?i)ABC",
    "(?i:a)B",
    "a(?i)b|c",
    "(a|b)*",
    "(?P<x>a)b",
    "a**",
    "a++",
    "*",
    "(a",
    "a)",
    "[a",
    "\\q",
    "\\8",
    "\\1",
    "\\C",
    "\\E",
    "(?=a)",
    "(?<n>a)",
    "(?P<n",
    "(?i",
    "a{1001}",
    "(a{500}){3}",
    "[z-a]",
    "[[:foo:]]",
    "\\p{Foo}",
    "\\pé",
    "\\p",
    "\\x",
    "\\x{}",
    "\\x{110000}",
    "a\\",
    "\\z",
    "x*?",
    "(?:)",
    "()",
    "|",
    "a||b",
    "^*",
    "\\x{FFFD}",
    ".{3}",
    ".{2,}",
    "[\\d-z]",
    "[a-\\d]",
    "[\\b]",
    "\\0",
    "[\\x00-\\x{10FFFF}]",
    "[^\\x00-\\x{10FFFF}]",
    "(?-s:.)",
    "foo|bar|",
    "\\_\\-",
    "[[:word:]]",
    "\\D",
    "\\d",
    "[\\p{Greek}a]",
    "(?i)\\p{Lu}",
    "[\\PL]",
    "\\P{^L}",
    "(?i)[k]",
    "(?i)[^k]",
    "(?i)\\w",
    "\"",
    "a\"b",
    "(a)|b)",
    "a)|(b",
    "[[a]",
    "[a-c-e]+",
    ".\\n.",
};

START_TEST(test_against_server)
{
    start();
    for (size_t i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++)
        check_pattern(fixed[i], strlen(fixed[i]));
    static const char *atoms[] = {
        "a",  "b",   ".",   "\\d",  "\\w",    "\\s",     "[a-c]",       "[^b]",
        "(",  ")",   "|",   "*",    "+",      "?",       "{2}",         "{1,3}",
        "^",  "$",   "\\b", "(?i)", "(?:",    "\\pL",    "[[:alpha:]]", "\xc3\xa9",
        "\\", "{",   "]",   "[",    "(?P<x>", "\\x{41}", "\\Q",         "\\E",
        "-",  "\\n", "A",   "k",    "(?s)",   ".*",      "(?m)"};
    uint64_t seed = 42;
    for (int i = 0; i < 1500; i++) {
        char pat[96];
        size_t n = 0;
        seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
        int k = 1 + (int)((seed >> 40) % 6);
        for (int j = 0; j < k; j++) {
            seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
            const char *a = atoms[(seed >> 33) % (sizeof(atoms) / sizeof(atoms[0]))];
            size_t l = strlen(a);
            if (n + l >= sizeof(pat)) break;
            memcpy(pat + n, a, l);
            n += l;
        }
        check_pattern(pat, n);
    }
    printf("%d patterns checked against the server (%d rejected, %d error texts compared), %d "
           "mismatches\n",
           checked, rejected, messages, mismatches);
    promserver_stop(srv);
    ck_assert_int_eq(mismatches, 0);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("regex_server");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_against_server);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
