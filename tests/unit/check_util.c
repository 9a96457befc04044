/* Unit tests of lib/util: arena, strbuf, error helpers. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/error.h"
#include "util/strbuf.h"
#include "util/strv.h"
#include "util/utf8.h"

START_TEST(test_arena_alloc_and_align)
{
    arena a;
    arena_init(&a, 64);
    for (int i = 0; i < 1000; i++) {
        size_t n = (size_t)(i % 97) + 1;
        char *p = arena_alloc(&a, n);
        ck_assert_ptr_nonnull(p);
        ck_assert_uint_eq((uintptr_t)p % _Alignof(max_align_t), 0);
        memset(p, 0xab, n);
    }
    void *big = arena_alloc(&a, 1 << 20);
    ck_assert_ptr_nonnull(big);
    memset(big, 1, 1 << 20);
    ck_assert_uint_ge(a.allocated, (1u << 20));
    arena_free(&a);
    ck_assert_uint_eq(a.allocated, 0);
    ck_assert_ptr_null(arena_alloc(&a, SIZE_MAX));
    arena_free(&a);
}
END_TEST

START_TEST(test_arena_calloc_overflow_and_grow)
{
    arena a;
    arena_init(&a, 0);
    ck_assert_ptr_null(arena_calloc(&a, SIZE_MAX / 2, 4));
    int *arr = NULL;
    size_t cap = 0;
    for (int i = 0; i < 100; i++) {
        ck_assert_int_eq(arena_grow(&a, (void **)&arr, &cap, (size_t)i + 1, sizeof(int)), 0);
        arr[i] = i;
    }
    for (int i = 0; i < 100; i++)
        ck_assert_int_eq(arr[i], i);
    char *s = arena_strndup(&a, "hello world", 5);
    ck_assert_str_eq(s, "hello");
    arena_free(&a);
}
END_TEST

START_TEST(test_strbuf)
{
    strbuf sb = STRBUF_INIT;
    ck_assert_str_eq(strbuf_cstr(&sb), "");
    strbuf_puts(&sb, "a");
    strbuf_putc(&sb, 'b');
    strbuf_printf(&sb, "%d-%s", 42, "x");
    ck_assert_str_eq(strbuf_cstr(&sb), "ab42-x");
    char big[1000];
    memset(big, 'z', sizeof(big) - 1);
    big[sizeof(big) - 1] = 0;
    strbuf_printf(&sb, "%s", big);
    ck_assert_uint_eq(sb.len, 6 + 999);
    char *d = strbuf_detach(&sb);
    ck_assert_uint_eq(strlen(d), 1005);
    free(d);
    ck_assert_ptr_null(sb.data);
}
END_TEST

START_TEST(test_error_first_wins_and_position)
{
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = "sum(\n  rate(x[5m]\n";
    int rc = error_set_at(&err, SLOEVAL_EPARSE, text, strlen(text), 7, 11, "bad %s", "thing");
    ck_assert_int_eq(rc, SLOEVAL_EPARSE);
    ck_assert_int_eq(err.line, 2);
    ck_assert_int_eq(err.column, 3);
    ck_assert_str_eq(err.message, "bad thing");
    rc = error_set(&err, SLOEVAL_EIO, "second\nline");
    ck_assert_int_eq(rc, SLOEVAL_EIO);
    ck_assert_int_eq(err.code, SLOEVAL_EPARSE);
    sloeval_error_clear(&err);
    error_set(&err, SLOEVAL_EIO, "two\nlines");
    ck_assert_str_eq(err.message, "two lines");
    ck_assert_str_eq(sloeval_strerror(SLOEVAL_ENOMEM), "out of memory");
    ck_assert_int_eq(error_set(NULL, SLOEVAL_EINVAL, "x"), SLOEVAL_EINVAL);
}
END_TEST

START_TEST(test_strv_order)
{
    ck_assert_int_lt(strv_cmp(STRV_LIT("a"), STRV_LIT("ab")), 0);
    ck_assert_int_gt(strv_cmp(STRV_LIT("b"), STRV_LIT("ab")), 0);
    ck_assert_int_eq(strv_cmp(STRV_LIT(""), STRV_LIT("")), 0);
    ck_assert(strv_eq((strv){"a\0b", 3}, (strv){"a\0b", 3}));
    ck_assert(!strv_eq((strv){"a\0b", 3}, (strv){"a\0c", 3}));
}
END_TEST

/* Every code point round-trips through utf8_encode and utf8_decode; what
 * utf8_decode refuses, utf8_valid refuses. */
START_TEST(test_utf8_roundtrip)
{
    for (uint32_t r = 0; r <= 0x10FFFF; r++) {
        char b[4];
        size_t n = utf8_encode(b, r);
        size_t want = r < 0x80 ? 1 : r < 0x800 ? 2 : r < 0x10000 ? 3 : 4;
        uint32_t back = 0;
        size_t k = utf8_decode((const unsigned char *)b, n, &back);
        bool surrogate = r >= 0xD800 && r <= 0xDFFF;
        bool ok = n == want && k == (surrogate ? 0 : n) && (surrogate || back == r) &&
                  utf8_valid(b, n) == !surrogate && (n == 1 || !utf8_valid(b, n - 1));
        if (!ok) ck_abort_msg("U+%04X: length %zu, decoded %zu as U+%04X", r, n, k, back);
    }
    ck_assert(utf8_valid("", 0));
    ck_assert(utf8_valid("a\xC3\xA9"
                         "b",
                         4));
    ck_assert(!utf8_valid("a\xC0\x80", 3));        /* overlong NUL */
    ck_assert(!utf8_valid("\xF4\x90\x80\x80", 4)); /* > U+10FFFF */
    ck_assert(!utf8_valid("\xFF", 1));
}
END_TEST

static Suite *util_suite(void)
{
    Suite *s = suite_create("util");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_arena_alloc_and_align);
    tcase_add_test(tc, test_arena_calloc_overflow_and_grow);
    tcase_add_test(tc, test_strbuf);
    tcase_add_test(tc, test_error_first_wins_and_position);
    tcase_add_test(tc, test_strv_order);
    tcase_add_test(tc, test_utf8_roundtrip);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(util_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
