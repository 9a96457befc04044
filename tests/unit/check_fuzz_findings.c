/* Regression tests for what the fuzzers (fuzz/) found, one test per
 * finding, each with the smallest input that showed it. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "prom_decode_ref.h"
#include "source/prometheus.h"

#define URL "http://127.0.0.1:9090/api/v1/query"

/* fuzz_prom_json: a raw NUL byte is not JSON (RFC 8259 allows no control
 * character outside strings, and none unescaped inside), but jansson
 * skips one that follows a number or a literal, so the reference decoder
 * (and buildinfo, on the same DOM loader) accepted what the streaming
 * decoder rightly refused. */
START_TEST(test_nul_byte_after_a_number)
{
    static const char body[] = "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\","
                               "\"result\":[{\"metric\":{},\"value\":[1.5\0,\"1\"]}]}}";
    size_t len = sizeof(body) - 1;
    arena a;
    arena_init(&a, 0);
    value v, rv;
    sloeval_error err = SLOEVAL_ERROR_INIT, rerr = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(prom_decode_response(&v, NULL, body, len, 200, "application/json", URL, &a,
                                          &err),
                     SLOEVAL_EDECODE);
    ck_assert_int_eq(prom_decode_response_ref(&rv, NULL, body, len, 200, "application/json", URL,
                                              &a, &rerr),
                     SLOEVAL_EDECODE);
    ck_assert_msg(strstr(rerr.message, "invalid JSON at line 1 column 86: a NUL byte") != NULL,
                  "%s", rerr.message);
    arena_free(&a);

    static const char info[] = "{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\","
                               "\"n\":true\0}}";
    sloeval_compat compat;
    char warning[256];
    sloeval_error berr = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(prom_decode_buildinfo(&compat, warning, sizeof(warning), info,
                                           sizeof(info) - 1, 200, "application/json", URL, &berr),
                     SLOEVAL_EDECODE);
    ck_assert_msg(strstr(berr.message, "NUL byte") != NULL, "%s", berr.message);
}
END_TEST

/* fuzz_prom_json: "\u0000" is valid JSON and a valid character of a
 * Prometheus label value or string (Go's encoder writes NUL so); the
 * streaming decoder kept it, the reference decoder refused the body
 * (jansson needs JSON_ALLOW_NUL). jansson refuses it in object keys even
 * so: fuzz_prom_json tolerates that difference (label names). */
START_TEST(test_escaped_nul_in_strings)
{
    static const char *const bodies[] = {
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        "{\"metric\":{\"b\":\"x\\u0000y\",\"a\":\"z\"},\"value\":[1,\"2\"]}]}}",
        "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":"
        "[1.25,\"hello\\u0000world\"]}}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
        arena a;
        arena_init(&a, 0);
        value v, rv;
        sloeval_error err = SLOEVAL_ERROR_INIT, rerr = SLOEVAL_ERROR_INIT;
        size_t len = strlen(bodies[i]);
        ck_assert_msg(prom_decode_response(&v, NULL, bodies[i], len, 200, "application/json", URL,
                                           &a, &err) == 0,
                      "%s", err.message);
        ck_assert_msg(prom_decode_response_ref(&rv, NULL, bodies[i], len, 200, "application/json",
                                               URL, &a, &rerr) == 0,
                      "%s", rerr.message);
        ck_assert_int_eq(v.kind, rv.kind);
        if (v.kind == VALUE_STRING) {
            ck_assert(strv_eq(v.u.string, rv.u.string));
            ck_assert_uint_eq(v.u.string.len, 11);
        } else {
            ck_assert_uint_eq(v.u.vector.count, 1);
            ck_assert_uint_eq(rv.u.vector.count, 1);
            const labels *ls = v.u.vector.items[0].labels, *rls = rv.u.vector.items[0].labels;
            ck_assert_uint_eq(ls->count, 2);
            ck_assert(labels_equal(ls, rls));
            strv got = labels_get(rls, STRV_LIT("b"));
            ck_assert(strv_eq(got, (strv){"x\0y", 3}));
        }
        arena_free(&a);
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("fuzz_findings");
    TCase *tc = tcase_create("findings");
    tcase_add_test(tc, test_nul_byte_after_a_number);
    tcase_add_test(tc, test_escaped_nul_in_strings);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
