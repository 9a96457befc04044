/*
 * sloeval_result_json against a real Prometheus 2.42: each answer's `data`
 * object is decoded into a value, wrapped in a result and rendered again,
 * and the text must equal the server's byte for byte (float formatting,
 * timestamps, label escaping, scalar and string layouts).
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "model/result.h"
#include "promserver.h"
#include "source/prometheus.h"

#define T0 1704067200L

static promserver *srv;
static int compared;

static char *write_temp(const char *text)
{
    char tmpl[] = "/tmp/sloeval-vj-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return strdup(tmpl);
}

static void start(void)
{
    ck_assert_msg(promserver_available(), "prometheus/promtool missing: scripts/install-deps.sh");
    strbuf sb = STRBUF_INIT;
    strbuf_puts(&sb, "# TYPE m gauge\n");
    static const char *vals[] = {"1",      "0.1",   "1e-7", "1.5e21", "123456789012345678901",
                                 "NaN",    "+Inf",  "-Inf", "-0",     "3.0000000000000004",
                                 "1e-300", "2e+300"};
    for (size_t i = 0; i < sizeof(vals) / sizeof(vals[0]); i++)
        for (int k = 0; k < 4; k++)
            strbuf_printf(&sb, "m{i=\"%02zu\"} %s %ld.%03d\n", i, vals[i], T0 + 15L * k, k * 7);
    strbuf_printf(
        &sb,
        "odd{a=\"q\\\"uote\\\\\",b=\"<tag>&amp\",c=\"line\\nbreak\",d=\"\xc3\xa9\xe2\x82\xac"
        "\xf0\x9f\x98\x80\",e=\"tab\there\",f=\"\x01\x7f\xe2\x80\xa8\"} 42 %ld\n",
        T0);
    strbuf_puts(&sb, "# EOF\n");
    char *path = write_temp(sb.data);
    strbuf_free(&sb);
    char err[512] = "";
    srv = promserver_start(path, err, sizeof(err));
    unlink(path);
    free(path);
    ck_assert_msg(srv != NULL, "server: %s", err);
}

static void stop(void)
{
    promserver_stop(srv);
    srv = NULL;
}

static void urlencode(strbuf *sb, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
            strchr("-_.~", c))
            strbuf_putc(sb, (char)c);
        else
            strbuf_printf(sb, "%%%02X", c);
    }
}

/* POST a query; compare the server's data object with our rendering. */
static void check(const char *path, const char *expr, const char *extra)
{
    strbuf form = STRBUF_INIT;
    strbuf_puts(&form, "query=");
    urlencode(&form, expr);
    strbuf_puts(&form, extra);
    char *body = NULL;
    long status = 0;
    ck_assert_int_eq(promserver_post(srv, path, form.data, &body, &status), 0);
    strbuf_free(&form);
    ck_assert_msg(status == 200, "%s: HTTP %ld %s", expr, status, body);
    const char *d = strstr(body, "\"data\":");
    ck_assert_ptr_nonnull(d);
    d += 7;
    size_t blen = strlen(body);
    ck_assert(blen > 0 && body[blen - 1] == '}');
    ck_assert_msg(strstr(body, "\"warnings\"") == NULL, "%s: warnings in %s", expr, body);
    strv want = {d, (size_t)(body + blen - 1 - d)};

    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(prom_decode_response(&v, NULL, body, blen, status, "application/json", "test", &a,
                                       &err) == 0,
                  "%s: decode: %s", expr, err.message);
    sloeval_result *r;
    ck_assert_int_eq(result_new(&r, &v, NULL, &err), 0);
    arena_free(&a); /* the result owns copies */
    size_t len;
    const char *got = sloeval_result_json(r, &len);
    ck_assert_ptr_nonnull(got);
    ck_assert_msg(len == want.len && memcmp(got, want.ptr, len) == 0,
                  "%s:\n server: %.*s\n  ours: %s", expr, (int)want.len, want.ptr, got);
    sloeval_result_free(r);
    free(body);
    if (getenv("SLOEVAL_TEST_VERBOSE")) printf("%.*s\n", (int)want.len, want.ptr);
    compared++;
}

START_TEST(test_matches_server)
{
    start();
    char at[64], rng[128];
    snprintf(at, sizeof(at), "&time=%ld.045", T0 + 50);
    snprintf(rng, sizeof(rng), "&start=%ld&end=%ld.5&step=7.25", T0, T0 + 45);
    check("/api/v1/query", "m", at);
    check("/api/v1/query", "m[1m]", at);
    check("/api/v1/query", "odd", at);
    check("/api/v1/query", "odd{c=\"line\\nbreak\"}[5m]", at);
    check("/api/v1/query", "m * 3.3", at);
    check("/api/v1/query", "m / 7", at);
    check("/api/v1/query", "-m", at);
    check("/api/v1/query", "m > 1e20", at);
    check("/api/v1/query", "1e300", at);
    check("/api/v1/query", "-1e-300", at);
    check("/api/v1/query", "123456789.987654321", at);
    check("/api/v1/query", "0.1 + 0.2", at);
    check("/api/v1/query", "-0", at);
    check("/api/v1/query", "1/0", at);
    check("/api/v1/query", "0/0", at);
    check("/api/v1/query", "time()", at);
    check("/api/v1/query", "\"str <&> \\\"q\\\" \\u2028 \\x01 \\t \xc3\xa9\"", at);
    check("/api/v1/query", "vector(1e-7)", "&time=0.001");
    check("/api/v1/query", "time()", "&time=-12.5");
    check("/api/v1/query", "up", at); /* empty vector */
    check("/api/v1/query_range", "m", rng);
    check("/api/v1/query_range", "m * 1e-10", rng);
    check("/api/v1/query_range", "time()", rng);
    check("/api/v1/query_range", "nothing", rng);
    stop();
    printf("%d answers rendered byte for byte as the server's\n", compared);
    ck_assert_int_eq(compared, 24);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("value_json");
    TCase *tc = tcase_create("server");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_matches_server);
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
