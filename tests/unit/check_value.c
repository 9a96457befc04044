/* Unit tests of lib/model/result: the public result API and its JSON. */
#include <check.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "model/result.h"
#include "sloeval/value.h"

#define L(n, v) ((label){STRV_LIT(n), STRV_LIT(v)})

START_TEST(test_vector_result_owns_its_data)
{
    arena a;
    arena_init(&a, 0);
    label p1[] = {L("job", "api"), L("__name__", "up")};
    label p2[] = {L("job", "db")};
    value v = {VALUE_VECTOR, 5000, {0}};
    ck_assert_int_eq(vector_push(&a, &v.u.vector, labels_make(&a, p1, 2, false, NULL), 5000, 1), 0);
    ck_assert_int_eq(vector_push(&a, &v.u.vector, labels_make(&a, p2, 1, false, NULL), 5000, NAN),
                     0);
    source_notes notes = {0};
    strv w[] = {STRV_LIT("PromQL warning: something")};
    strv in[] = {STRV_LIT("PromQL info: x"), STRV_LIT("PromQL info: y")};
    notes.warnings = w;
    notes.nwarnings = 1;
    notes.infos = in;
    notes.ninfos = 2;
    sloeval_result *r;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(result_new(&r, &v, &notes, &err), 0);
    arena_free(&a); /* the result keeps its own copies */

    ck_assert_int_eq(sloeval_result_type(r), SLOEVAL_TYPE_VECTOR);
    ck_assert_str_eq(sloeval_value_type_name(sloeval_result_type(r)), "vector");
    ck_assert_int_eq(sloeval_result_time(r), 5000);
    ck_assert_uint_eq(sloeval_result_series_count(r), 2);
    size_t n;
    const sloeval_label *ls = sloeval_result_labels(r, 0, &n);
    ck_assert_uint_eq(n, 2);
    ck_assert_str_eq(ls[0].name, "__name__");
    ck_assert_str_eq(ls[0].value, "up");
    ck_assert_str_eq(ls[1].name, "job");
    ck_assert_str_eq(sloeval_result_label_value(r, 1, "job"), "db");
    ck_assert_ptr_null(sloeval_result_label_value(r, 1, "__name__"));
    ck_assert_ptr_null(sloeval_result_labels(r, 2, &n));
    ck_assert_uint_eq(n, 0);
    const sloeval_sample *s = sloeval_result_samples(r, 1, &n);
    ck_assert_uint_eq(n, 1);
    ck_assert_int_eq(s[0].t_ms, 5000);
    ck_assert(isnan(s[0].value));
    ck_assert(isnan(sloeval_result_scalar(r)));
    ck_assert_ptr_null(sloeval_result_string(r, NULL));
    ck_assert_uint_eq(sloeval_result_warning_count(r), 1);
    ck_assert_str_eq(sloeval_result_warning(r, 0), "PromQL warning: something");
    ck_assert_ptr_null(sloeval_result_warning(r, 1));
    ck_assert_uint_eq(sloeval_result_info_count(r), 2);
    ck_assert_str_eq(sloeval_result_info(r, 1), "PromQL info: y");
    size_t len;
    const char *j = sloeval_result_json(r, &len);
    ck_assert_str_eq(j, "{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"__name__\":\"up\","
                        "\"job\":\"api\"},\"value\":[5,\"1\"]},{\"metric\":{\"job\":\"db\"},"
                        "\"value\":[5,\"NaN\"]}]}");
    ck_assert_uint_eq(len, strlen(j));
    ck_assert_ptr_eq(sloeval_result_json(r, NULL), j); /* cached */
    ck_assert_int_eq(result_value(r)->u.vector.count, 2);
    sloeval_result_free(r);
    sloeval_result_free(NULL);
}
END_TEST

START_TEST(test_matrix_scalar_string)
{
    arena a;
    arena_init(&a, 0);
    sample smp[] = {{-1500, 0.5}, {0, 1e21}, {1001, -2.5e-10}};
    value m = {VALUE_MATRIX, 0, {0}};
    ck_assert_int_eq(matrix_push(&a, &m.u.matrix, labels_empty(), smp, 3), 0);
    sloeval_result *r;
    ck_assert_int_eq(result_new(&r, &m, NULL, NULL), 0);
    smp[0].v = 99; /* copied, not shared */
    size_t n;
    const sloeval_sample *s = sloeval_result_samples(r, 0, &n);
    ck_assert_uint_eq(n, 3);
    ck_assert(s[0].value == 0.5);
    ck_assert_str_eq(sloeval_result_json(r, NULL),
                     "{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[-1.500,"
                     "\"0.5\"],[0,\"1e+21\"],[1.001,\"-2.5e-10\"]]}]}");
    sloeval_result_free(r);

    value sc = {VALUE_SCALAR, 1435781451781, {.scalar = 1e21}};
    ck_assert_int_eq(result_new(&r, &sc, NULL, NULL), 0);
    ck_assert(sloeval_result_scalar(r) == 1e21);
    ck_assert_uint_eq(sloeval_result_series_count(r), 0);
    ck_assert_str_eq(sloeval_result_json(r, NULL), "{\"resultType\":\"scalar\",\"result\":["
                                                   "1435781451.781,\"1000000000000000000000\"]}");
    sloeval_result_free(r);

    value st = {VALUE_STRING, 1, {.string = {"a\"<\0b", 5}}};
    ck_assert_int_eq(result_new(&r, &st, NULL, NULL), 0);
    const char *str = sloeval_result_string(r, &n);
    ck_assert_uint_eq(n, 5);
    ck_assert_int_eq(memcmp(str, "a\"<\0b", 6), 0);
    ck_assert_str_eq(sloeval_result_json(r, NULL),
                     "{\"resultType\":\"string\",\"result\":[0.001,\"a\\\"\\u003c\\u0000b\"]}");
    sloeval_result_free(r);
    arena_free(&a);
}
END_TEST

START_TEST(test_json_escaping_like_go)
{
    static const struct {
        const char *in;
        size_t len;
        const char *out;
    } cases[] = {
        {"plain", 5, "\"plain\""},
        {"q\"b\\", 4, "\"q\\\"b\\\\\""},
        {"\n\r\t\b\f\x01\x1f\x7f", 8, "\"\\n\\r\\t\\u0008\\u000c\\u0001\\u001f\x7f\""},
        {"<>&", 3, "\"\\u003c\\u003e\\u0026\""},
        {"\xff"
         "a\xc3",
         3, "\"\\ufffda\\ufffd\""},
        {"\xe2\x80\xa8\xe2\x80\xa9\xe2\x80\xaa", 9, "\"\\u2028\\u2029\xe2\x80\xaa\""},
        {"\xf0\x9f\x98\x80", 4, "\"\xf0\x9f\x98\x80\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        strbuf sb = STRBUF_INIT;
        json_append_string(&sb, (strv){cases[i].in, cases[i].len});
        ck_assert_msg(strcmp(strbuf_cstr(&sb), cases[i].out) == 0, "case %zu: %s", i,
                      strbuf_cstr(&sb));
        strbuf_free(&sb);
    }
}
END_TEST

START_TEST(test_scalar_fixed_format)
{
    char buf[400];
    ck_assert_uint_eq(format_float_mode(buf, sizeof(buf), 1e300, 'f'), 301);
    ck_assert(buf[0] == '1' && buf[300] == '0' && buf[301] == 0);
    format_float_mode(buf, sizeof(buf), 5e-324, 'f');
    ck_assert_uint_eq(strlen(buf), 326);
    ck_assert(!strncmp(buf, "0.000", 5) && buf[325] == '5');
    format_float_mode(buf, sizeof(buf), 1.5e-7, 'e');
    ck_assert_str_eq(buf, "1.5e-07");
    format_float_mode(buf, sizeof(buf), 123.5, 'e');
    ck_assert_str_eq(buf, "1.235e+02");
    format_float_mode(buf, sizeof(buf), -INFINITY, 'f');
    ck_assert_str_eq(buf, "-Inf");
}
END_TEST

static Suite *value_suite(void)
{
    Suite *s = suite_create("value");
    TCase *tc = tcase_create("value");
    tcase_add_test(tc, test_vector_result_owns_its_data);
    tcase_add_test(tc, test_matrix_scalar_string);
    tcase_add_test(tc, test_json_escaping_like_go);
    tcase_add_test(tc, test_scalar_fixed_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(value_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
