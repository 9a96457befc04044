/* Unit tests of lib/util/hmap: the one hash index of the library. */
#include <check.h>
#include <stdint.h>
#include <stdlib.h>

#include "util/arena.h"
#include "util/hmap.h"

/* Every value stored under h, in the order a walk gives them, into out. */
static size_t walk(const hmap *m, uint64_t h, int32_t *out, size_t max)
{
    size_t n = 0, pos = HMAP_START;
    int32_t v;
    while ((v = hmap_next(m, h, &pos)) >= 0) {
        ck_assert_uint_lt(n, max);
        out[n++] = v;
    }
    return n;
}

static int cmp_int32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Many keys, some hashes shared (colliding keys), through several growths. */
static void fill_and_check(hmap *m)
{
    enum { N = 5000 };
    for (int32_t i = 0; i < N; i++)
        ck_assert_int_eq(hmap_put(m, (uint64_t)(i / 3) * 0x9e3779b97f4a7c15ULL, i), 0);
    ck_assert_uint_eq(m->count, N);
    ck_assert_uint_ge(m->cap, 2 * N);
    for (int32_t k = 0; k < N / 3; k++) {
        int32_t got[8];
        size_t n = walk(m, (uint64_t)k * 0x9e3779b97f4a7c15ULL, got, 8);
        ck_assert_uint_eq(n, 3);
        qsort(got, n, sizeof(*got), cmp_int32);
        for (size_t j = 0; j < n; j++)
            ck_assert_int_eq(got[j], 3 * k + (int32_t)j);
    }
    int32_t none[1];
    ck_assert_uint_eq(walk(m, 12345, none, 1), 0);
    hmap_clear(m);
    ck_assert_uint_eq(m->count, 0);
    ck_assert_uint_eq(walk(m, 0, none, 1), 0);
    ck_assert_int_eq(hmap_put(m, 0, 7), 0);
    ck_assert_uint_eq(walk(m, 0, none, 1), 1);
    ck_assert_int_eq(none[0], 7);
}

START_TEST(test_hmap_arena)
{
    arena a;
    arena_init(&a, 1024);
    hmap m;
    ck_assert_int_eq(hmap_init(&m, &a, 4), 0);
    ck_assert_uint_eq(m.cap, 16);
    fill_and_check(&m);
    arena_free(&a);
}
END_TEST

START_TEST(test_hmap_malloc_zero_initialised)
{
    hmap m = {0};
    int32_t none[1];
    ck_assert_uint_eq(walk(&m, 1, none, 1), 0); /* empty, nothing allocated */
    ck_assert_uint_eq(hmap_bytes(&m), 0);
    fill_and_check(&m);
    ck_assert_uint_eq(hmap_bytes(&m), m.cap * sizeof(hmap_slot));
    hmap_free(&m);
    ck_assert_ptr_null(m.slots);
    ck_assert_uint_eq(walk(&m, 1, none, 1), 0);
}
END_TEST

/* Sized for n entries, the table takes n puts without growing. */
START_TEST(test_hmap_presized)
{
    hmap m;
    ck_assert_int_eq(hmap_init(&m, NULL, 100), 0);
    size_t cap = m.cap;
    hmap_slot *slots = m.slots;
    for (int32_t i = 0; i < 100; i++)
        ck_assert_int_eq(hmap_put(&m, (uint64_t)i, i), 0);
    ck_assert_uint_eq(m.cap, cap);
    ck_assert_ptr_eq(m.slots, slots);
    hmap_free(&m);
}
END_TEST

/* The table keeps 32 bits of each hash: hashes that fold alike meet in a
 * walk, and the caller's key comparison tells them apart. */
START_TEST(test_hmap_folded_hashes_meet)
{
    hmap m = {0};
    uint64_t h1 = 1, h2 = (uint64_t)1 << 32; /* both fold to 1 */
    ck_assert_int_eq(hmap_put(&m, h1, 10), 0);
    ck_assert_int_eq(hmap_put(&m, h2, 20), 0);
    ck_assert_int_eq(hmap_put(&m, 2, 30), 0);
    int32_t got[4];
    ck_assert_uint_eq(walk(&m, h1, got, 4), 2);
    ck_assert_uint_eq(walk(&m, h2, got, 4), 2);
    qsort(got, 2, sizeof(*got), cmp_int32);
    ck_assert_int_eq(got[0], 10);
    ck_assert_int_eq(got[1], 20);
    ck_assert_uint_eq(walk(&m, 2, got, 4), 1);
    ck_assert_int_eq(got[0], 30);
    hmap_free(&m);
}
END_TEST

static Suite *hmap_suite(void)
{
    Suite *s = suite_create("hmap");
    TCase *tc = tcase_create("core");
    tcase_add_test(tc, test_hmap_arena);
    tcase_add_test(tc, test_hmap_malloc_zero_initialised);
    tcase_add_test(tc, test_hmap_presized);
    tcase_add_test(tc, test_hmap_folded_hashes_meet);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(hmap_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
