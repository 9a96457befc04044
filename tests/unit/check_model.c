/* Unit tests of lib/model: label sets, vectors, float and timestamp text. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/model.h"

#define L(n, v) ((label){STRV_LIT(n), STRV_LIT(v)})

START_TEST(test_labels_make_sorts_and_drops_empty)
{
    arena a;
    arena_init(&a, 0);
    label in[] = {L("job", "api"), L("__name__", "up"), L("empty", ""), L("a", "1")};
    bool dup = true;
    const labels *ls = labels_make(&a, in, 4, false, &dup);
    ck_assert_ptr_nonnull(ls);
    ck_assert(!dup);
    ck_assert_uint_eq(ls->count, 3);
    ck_assert(strv_eq_cstr(ls->pairs[0].name, "__name__"));
    ck_assert(strv_eq_cstr(ls->pairs[1].name, "a"));
    ck_assert(strv_eq_cstr(ls->pairs[2].name, "job"));
    ck_assert(ls->pairs[2].value.ptr != in[0].value.ptr); /* copied */
    ck_assert(strv_eq_cstr(labels_get(ls, STRV_LIT("job")), "api"));
    ck_assert_ptr_null(labels_get(ls, STRV_LIT("empty")).ptr);
    ck_assert_ptr_null(labels_get(ls, STRV_LIT("zzz")).ptr);

    label rev[] = {L("a", "1"), L("job", "api"), L("__name__", "up")};
    const labels *ls2 = labels_make(&a, rev, 3, true, NULL);
    ck_assert(ls2->pairs[0].name.ptr == rev[2].name.ptr); /* borrowed */
    ck_assert(labels_equal(ls, ls2));
    ck_assert_uint_eq(ls->hash, ls2->hash);
    ck_assert_int_eq(labels_compare(ls, ls2), 0);

    label d[] = {L("a", "1"), L("b", "2"), L("a", "3")};
    ck_assert_ptr_null(labels_make(&a, d, 3, false, &dup));
    ck_assert(dup);

    label only_empty[] = {L("a", "")};
    const labels *e = labels_make(&a, only_empty, 1, false, &dup);
    ck_assert_ptr_eq(e, labels_empty());
    ck_assert(labels_equal(e, labels_from_sorted(&a, NULL, 0)));
    ck_assert_uint_eq(labels_empty()->count, 0);

    /* many pairs take the qsort path */
    label many[40];
    char names[40][8];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof(names[i]), "l%02d", 39 - i);
        many[i] = (label){strv_from_cstr(names[i]), STRV_LIT("v")};
    }
    const labels *m = labels_make(&a, many, 40, false, NULL);
    ck_assert_uint_eq(m->count, 40);
    for (size_t i = 1; i < m->count; i++)
        ck_assert_int_lt(strv_cmp(m->pairs[i - 1].name, m->pairs[i].name), 0);
    ck_assert(strv_eq_cstr(labels_get(m, STRV_LIT("l17")), "v"));
    arena_free(&a);
}
END_TEST

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

START_TEST(test_labels_hash_distinguishes)
{
    arena a;
    arena_init(&a, 0);
    /* Moving bytes between name and value, or between pairs, changes it. */
    label x[] = {L("ab", "c")};
    label y[] = {L("a", "bc")};
    label z[] = {L("a", "b"), L("c", "d")};
    label w[] = {L("a", "bc"), L("d", "")};
    const labels *lx = labels_make(&a, x, 1, false, NULL);
    const labels *ly = labels_make(&a, y, 1, false, NULL);
    const labels *lz = labels_make(&a, z, 2, false, NULL);
    const labels *lw = labels_make(&a, w, 2, false, NULL);
    ck_assert_uint_ne(lx->hash, ly->hash);
    ck_assert_uint_ne(ly->hash, lz->hash);
    ck_assert_uint_eq(ly->hash, lw->hash);
    ck_assert(labels_equal(ly, lw));
    ck_assert(!labels_equal(lx, ly));

    /* Many distinct sets, no collisions in practice. */
    enum { N = 20000 };
    uint64_t *h = malloc(N * sizeof(*h));
    for (int i = 0; i < N; i++) {
        char v[32];
        snprintf(v, sizeof(v), "%d", i);
        label p[] = {{STRV_LIT("instance"), strv_from_cstr(v)}, L("job", "node")};
        h[i] = labels_make(&a, p, 2, false, NULL)->hash;
    }
    qsort(h, N, sizeof(*h), cmp_u64);
    int same = 0;
    for (int i = 1; i < N; i++)
        same += h[i] == h[i - 1];
    ck_assert_int_eq(same, 0);
    free(h);
    arena_free(&a);
}
END_TEST

START_TEST(test_labels_compare_order)
{
    arena a;
    arena_init(&a, 0);
    label p1[] = {L("a", "1")};
    label p2[] = {L("a", "1"), L("b", "1")};
    label p3[] = {L("a", "2")};
    label p4[] = {L("b", "0")};
    const labels *l1 = labels_make(&a, p1, 1, false, NULL);
    const labels *l2 = labels_make(&a, p2, 2, false, NULL);
    const labels *l3 = labels_make(&a, p3, 1, false, NULL);
    const labels *l4 = labels_make(&a, p4, 1, false, NULL);
    ck_assert_int_lt(labels_compare(l1, l2), 0); /* prefix first */
    ck_assert_int_gt(labels_compare(l2, l1), 0);
    ck_assert_int_lt(labels_compare(l2, l3), 0); /* value decides */
    ck_assert_int_lt(labels_compare(l3, l4), 0); /* name decides */
    ck_assert_int_lt(labels_compare(labels_empty(), l1), 0);
    arena_free(&a);
}
END_TEST

START_TEST(test_labels_derive)
{
    arena a;
    arena_init(&a, 0);
    label p[] = {L("__name__", "m"), L("a", "1"), L("b", "2"), L("c", "3")};
    const labels *ls = labels_make(&a, p, 4, false, NULL);
    char *s;

    const labels *dn = labels_drop_name(&a, ls);
    s = labels_to_string(dn);
    ck_assert_str_eq(s, "{a=\"1\", b=\"2\", c=\"3\"}");
    free(s);
    ck_assert_ptr_eq(labels_drop_name(&a, dn), dn);

    strv keep[] = {STRV_LIT("c"), STRV_LIT("__name__"), STRV_LIT("zz")};
    s = labels_to_string(labels_keep_only(&a, ls, keep, 3));
    ck_assert_str_eq(s, "{__name__=\"m\", c=\"3\"}");
    free(s);

    strv drop[] = {STRV_LIT("b")};
    s = labels_to_string(labels_drop(&a, ls, drop, 1, true));
    ck_assert_str_eq(s, "{a=\"1\", c=\"3\"}");
    free(s);
    s = labels_to_string(labels_drop(&a, ls, drop, 1, false));
    ck_assert_str_eq(s, "{__name__=\"m\", a=\"1\", c=\"3\"}");
    free(s);

    const labels *st = labels_set(&a, ls, STRV_LIT("bb"), STRV_LIT("x"));
    s = labels_to_string(st);
    ck_assert_str_eq(s, "{__name__=\"m\", a=\"1\", b=\"2\", bb=\"x\", c=\"3\"}");
    free(s);
    st = labels_set(&a, st, STRV_LIT("a"), STRV_LIT("9"));
    st = labels_set(&a, st, STRV_LIT("zz"), STRV_LIT("last"));
    st = labels_set(&a, st, STRV_LIT("__name__"), STRV_LIT(""));
    st = labels_set(&a, st, STRV_LIT("nope"), STRV_LIT(""));
    s = labels_to_string(st);
    ck_assert_str_eq(s, "{a=\"9\", b=\"2\", bb=\"x\", c=\"3\", zz=\"last\"}");
    free(s);
    label q[] = {L("a", "9"), L("b", "2"), L("bb", "x"), L("c", "3"), L("zz", "last")};
    ck_assert(labels_equal(st, labels_make(&a, q, 5, true, NULL)));

    /* subsets: on(a,c) / ignoring(b) agree, __name__ ignored by ignoring */
    label r[] = {L("__name__", "other"), L("a", "1"), L("c", "3"), L("d", "4")};
    const labels *lr = labels_make(&a, r, 4, false, NULL);
    strv on[] = {STRV_LIT("a"), STRV_LIT("c")};
    ck_assert(labels_subset_equal(ls, lr, on, 2, true));
    ck_assert_uint_eq(labels_hash_subset(ls, on, 2, true), labels_hash_subset(lr, on, 2, true));
    strv ign[] = {STRV_LIT("b"), STRV_LIT("d")};
    ck_assert(labels_subset_equal(ls, lr, ign, 2, false));
    ck_assert_uint_eq(labels_hash_subset(ls, ign, 2, false), labels_hash_subset(lr, ign, 2, false));
    ck_assert(!labels_subset_equal(ls, lr, ign, 1, false));
    ck_assert_uint_ne(labels_hash_subset(ls, ign, 1, false), labels_hash_subset(lr, ign, 1, false));
    ck_assert(labels_subset_equal(ls, lr, NULL, 0, true));
    arena_free(&a);
}
END_TEST

START_TEST(test_labels_to_string_quotes_like_go)
{
    arena a;
    arena_init(&a, 0);
    label p[] = {
        {STRV_LIT("a"), STRV_LIT("q\"b\\s\n\t\x01\x7f")},
        {STRV_LIT("b"), STRV_LIT("h\xc3\xa9 \xe2\x82\xac \xff\xc3")},
        {STRV_LIT("c"), STRV_LIT("\xc2\x85\xe2\x80\x8b\xee\x80\x80\xf0\x9f\x98\x80")},
        {STRV_LIT("d"), {"x\0y", 3}},
    };
    const labels *ls = labels_make(&a, p, 4, false, NULL);
    char *s = labels_to_string(ls);
    ck_assert_str_eq(s,
                     "{a=\"q\\\"b\\\\s\\n\\t\\x01\\x7f\", b=\"h\xc3\xa9 \xe2\x82\xac \\xff\\xc3\", "
                     "c=\"\\u0085\\u200b\\ue000\xf0\x9f\x98\x80\", d=\"x\\x00y\"}");
    free(s);
    s = labels_to_string(labels_empty());
    ck_assert_str_eq(s, "{}");
    free(s);
    arena_free(&a);
}
END_TEST

START_TEST(test_label_name_is_legacy)
{
    static const char *const good[] = {"a", "_", "__name__", "job", "A_1", "le"};
    static const char *const bad[] = {"", "1a", "a-b", "a:b", "a.b", "\xC3\xA9", "a b"};
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++)
        ck_assert_msg(label_name_is_legacy(strv_from_cstr(good[i])), "%s", good[i]);
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        ck_assert_msg(!label_name_is_legacy(strv_from_cstr(bad[i])), "%s", bad[i]);
}
END_TEST

START_TEST(test_vector_matrix_push)
{
    arena a;
    arena_init(&a, 0);
    vector v = {0};
    matrix m = {0};
    sample smp[3] = {{1, 1.0}, {2, 2.0}, {3, 3.0}};
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(vector_push(&a, &v, labels_empty(), i, i * 0.5), 0);
        ck_assert_int_eq(matrix_push(&a, &m, labels_empty(), smp, (size_t)(i % 3)), 0);
    }
    ck_assert_uint_eq(v.count, 1000);
    ck_assert_uint_ge(v.cap, 1000);
    for (int i = 0; i < 1000; i++) {
        ck_assert_int_eq(v.items[i].t, i);
        ck_assert(v.items[i].v == i * 0.5);
        ck_assert_uint_eq(m.items[i].count, (size_t)(i % 3));
        ck_assert_ptr_eq(m.items[i].samples, smp);
    }
    ck_assert_uint_eq(sizeof(sample), 16);
    arena_free(&a);
}
END_TEST

START_TEST(test_stale_nan)
{
    double s = stale_nan();
    ck_assert(isnan(s));
    ck_assert(value_is_stale(s));
    ck_assert(!value_is_stale(NAN));
    ck_assert(!value_is_stale(1.0));
}
END_TEST

/* Expected strings derived independently (Python's shortest repr digits
 * laid out by Go's 'e'/'f' rules as jsonutil.MarshalValue chooses them). */
static const struct {
    double v;
    const char *s;
} float_golden[] = {
    {0x1.999999999999ap-4, "0.1"},
    {0x1.999999999999ap-3, "0.2"},
    {0x1.3333333333333p-2, "0.3"},
    {0x1.5555555555555p-2, "0.3333333333333333"},
    {0x1.5555555555555p-1, "0.6666666666666666"},
    {0x1.9000000000000p+6, "100"},
    {0x1.5af1d78b58c40p+66, "100000000000000000000"},
    {0x1.ac53a7e04bcdap+66, "123456789012345680000"},
    {0x1.b1ae4d6e2ef50p+69, "1e+21"},
    {0x1.0c6f7a0b5ed8dp-20, "0.000001"},
    {0x1.ad7f29abcaf48p-24, "1e-07"},
    {0x1.0c6f7a0b5ed8dp-20, "0.000001"},
    {0x1.4542ba12a337cp+70, "1.5e+21"},
    {-0x1.12e0be826d695p-32, "-2.5e-10"},
    {0x0.0000000000001p-1022, "5e-324"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x1.fffffffffffffp+1023, "1.7976931348623157e+308"},
    {0x0.0000000000003p-1022, "1.5e-323"},
    {0x1.4b3fd5942cd96p-20, "0.000001234"},
    {0x1.249ad2594c37dp+332, "1e+100"},
    {0x1.0f0cf064dd592p+73, "1e+22"},
    {0x1.52d02c7e14af6p+76, "1e+23"},
    {0x1.0000000000000p+63, "9223372036854776000"},
    {0x1.0000000000000p+64, "18446744073709552000"},
    {-0x1.0000000000000p+53, "-9007199254740992"},
    {0x1.0000000000001p+53, "9007199254740994"},
    {0x1.0000000000001p+0, "1.0000000000000002"},
    {0x1.3333333333334p-2, "0.30000000000000004"},
    {0x1.34a456d5cfaadp+10, "1234.5678"},
    {-0x1.0000000000000p-1, "-0.5"},
    {0x1.4f8b588e368f1p-17, "0.00001"},
    {0x1.0823f71155233p-23, "1.23e-07"},
    {0x1.0c6f7a0b5ed8dp-21, "5e-07"},
    {0x1.1666666666666p+2, "4.35"},
    {0x1.0000000000000p+53, "9007199254740992"},
    {0x1.01b2b29a4692bp-25, "3e-08"},
    {0x1.c6bf526340000p+49, "1000000000000000"},
    {0x1.1c37937e08000p+53, "10000000000000000"},
    {0x1.6345785d8a000p+56, "100000000000000000"},
    {0x1.0000000000000p-1022, "2.2250738585072014e-308"},
    {0x0.8000000000000p-1022, "1.1125369292536007e-308"},
    {0x1.0000000000000p+1023, "8.98846567431158e+307"},
    {0x1.0000000000000p-100, "7.888609052210118e-31"},
    {0x1.0000000000000p+100, "1.2676506002282294e+30"},
    {0x1.0000000000000p+70, "1.1805916207174113e+21"},
    {0x1.0000000000000p-70, "8.470329472543003e-22"},
    {0x1.0000000000000p-1021, "4.450147717014403e-308"},
    {0x1.fffffffffffffp-1, "0.9999999999999999"},
    {0x1.fffffffffffffp-1, "0.9999999999999999"},
    {0x1.9000000000001p+6, "100.00000000000001"},
    {0x1.fe185ca57c517p+78, "6.02214076e+23"},
    {0x1.7a4da290c1653p-63, "1.602176634e-19"},
    {0x1.1de784a000000p+28, "299792458"},
    {0x1.5180000000000p+16, "86400"},
    {0x1.c210000000000p+11, "3600.5"},
    {0x1.0624dd2f1a9fcp-10, "0.001"},
    {0x1.a36e2eb1c432dp-14, "0.0001"},
    {0x1.56a95319d63e1p+63, "12345678901234567000"},
    {0x1.b1ae4d6e2ef50p+69, "1e+21"},
    {0x0.0p+0, "0"},
    {0x0.0000000000002p-1022, "1e-323"},
    {0x0.000000134d761p-1022, "1e-316"},
    {0x0.0b8157268fdafp-1022, "1e-309"},
    {0x1.0000000000000p-1002, "2.3331590462580472e-302"},
    {0x1.0000000000000p-979, "1.9571956640712625e-295"},
    {0x1.0000000000000p-956, "1.6418147205193505e-288"},
    {0x1.0000000000000p-932, "2.7545080198132776e-281"},
    {0x1.0000000000000p-909, "2.310648801106982e-274"},
    {0x1.0000000000000p-886, "1.9383127018156437e-267"},
    {0x1.0000000000000p-863, "1.6259745436952323e-260"},
    {0x1.0000000000000p-839, "2.727932613007635e-253"},
    {0x1.0000000000000p-816, "2.2883557340936752e-246"},
    {0x1.0000000000000p-793, "1.9196119217864076e-239"},
    {0x1.0000000000000p-770, "1.6102871923992833e-232"},
    {0x1.0000000000000p-747, "1.3508068024458167e-225"},
    {0x1.0000000000000p-723, "2.2662777498902796e-218"},
    {0x1.0000000000000p-700, "1.90109156629516e-211"},
    {0x1.0000000000000p-677, "1.5947511921756108e-204"},
    {0x1.0000000000000p-654, "1.3377742608693866e-197"},
    {0x1.0000000000000p-630, "2.2444127733846047e-190"},
    {0x1.0000000000000p-607, "1.8827498946116282e-183"},
    {0x1.0000000000000p-584, "1.5793650827938261e-176"},
    {0x1.0000000000000p-561, "1.3248674568444952e-169"},
    {0x1.0000000000000p-537, "2.2227587494850775e-162"},
    {0x1.0000000000000p-514, "1.8645851828000517e-155"},
    {0x1.0000000000000p-491, "1.5641274181117976e-148"},
    {0x1.0000000000000p-468, "1.312085177259197e-141"},
    {0x1.0000000000000p-444, "2.2013136429275836e-134"},
    {0x1.0000000000000p-421, "1.8465957235571472e-127"},
    {0x1.0000000000000p-398, "1.5490367659397273e-120"},
    {0x1.0000000000000p-375, "1.2994262207056124e-113"},
    {0x1.0000000000000p-351, "2.1800754380841732e-106"},
    {0x1.0000000000000p-328, "1.82877982605164e-99"},
    {0x1.0000000000000p-305, "1.5340917079055395e-92"},
    {0x1.0000000000000p-282, "1.2868893973670072e-85"},
    {0x1.0000000000000p-258, "2.1590421387736112e-78"},
    {0x1.0000000000000p-235, "1.8111358157653425e-71"},
    {0x1.0000000000000p-212, "1.5192908393215678e-64"},
    {0x1.0000000000000p-189, "1.2744735289059618e-57"},
    {0x1.0000000000000p-166, "1.0691058840368783e-50"},
    {0x1.0000000000000p-142, "1.793662034335766e-43"},
    {0x1.0000000000000p-119, "1.504632769052528e-36"},
    {0x1.0000000000000p-96, "1.262177448353619e-29"},
    {0x1.0000000000000p-73, "1.0587911840678754e-22"},
    {0x1.0000000000000p-49, "1.7763568394002505e-15"},
    {0x1.0000000000000p-26, "1.4901161193847656e-08"},
    {0x1.0000000000000p-3, "0.125"},
    {0x1.0000000000000p+19, "524288"},
    {0x1.0000000000000p+43, "8796093022208"},
    {0x1.0000000000000p+66, "73786976294838210000"},
    {0x1.0000000000000p+89, "6.189700196426902e+26"},
    {0x1.0000000000000p+112, "5.192296858534828e+33"},
    {0x1.0000000000000p+136, "8.711228593176025e+40"},
    {0x1.0000000000000p+159, "7.307508186654515e+47"},
    {0x1.0000000000000p+182, "6.129982163463556e+54"},
    {0x1.0000000000000p+205, "5.142201741628769e+61"},
    {0x1.0000000000000p+229, "8.627182933488205e+68"},
    {0x1.0000000000000p+252, "7.237005577332262e+75"},
    {0x1.0000000000000p+275, "6.070840288205404e+82"},
    {0x1.0000000000000p+298, "5.092589940836215e+89"},
    {0x1.0000000000000p+322, "8.54394814368364e+96"},
    {0x1.0000000000000p+345, "7.167183174968974e+103"},
    {0x1.0000000000000p+368, "6.012269011901013e+110"},
    {0x1.0000000000000p+391, "5.0434567931384933e+117"},
    {0x1.0000000000000p+415, "8.461516400515182e+124"},
    {0x1.0000000000000p+438, "7.098034416949286e+131"},
    {0x1.0000000000000p+461, "5.954262829429612e+138"},
    {0x1.0000000000000p+484, "4.994797680505588e+145"},
    {0x1.0000000000000p+507, "4.189939978107062e+152"},
    {0x1.0000000000000p+531, "7.029552803973744e+159"},
    {0x1.0000000000000p+554, "5.896816288783659e+166"},
    {0x1.0000000000000p+577, "4.946608029462091e+173"},
    {0x1.0000000000000p+600, "4.149515568880993e+180"},
    {0x1.0000000000000p+624, "6.96173189944793e+187"},
    {0x1.0000000000000p+647, "5.83992399055641e+194"},
    {0x1.0000000000000p+670, "4.8988833106573424e+201"},
    {0x1.0000000000000p+693, "4.109481173084667e+208"},
    {0x1.0000000000000p+717, "6.894565328877484e+215"},
    {0x1.0000000000000p+740, "5.78358058743443e+222"},
    {0x1.0000000000000p+763, "4.8516190384397154e+229"},
    {0x1.0000000000000p+786, "4.0698330278807704e+236"},
    {0x1.0000000000000p+810, "6.828046779268971e+243"},
    {0x1.0000000000000p+833, "5.727780783694992e+250"},
    {0x1.0000000000000p+856, "4.804810770435008e+257"},
    {0x1.0000000000000p+879, "4.0305674067357273e+264"},
    {0x1.0000000000000p+903, "6.762169998536515e+271"},
    {0x1.0000000000000p+926, "5.67251933470834e+278"},
    {0x1.0000000000000p+949, "4.758454107128906e+285"},
    {0x1.0000000000000p+972, "3.99168061906944e+292"},
    {0x1.0000000000000p+996, "6.696928794914171e+299"},
    {0x1.0000000000000p+1019, "5.617791046444737e+306"},
    {-0x1.74de452e6b438p+811, "-1.989032661366619e+244"},
    {0x1.3270e269e0d37p+594, "7.761117632285041e+178"},
    {0x1.c7fd0a6a3a450p-826, "3.980498358697587e-249"},
    {-0x1.f0824128b2f33p+292, "-1.5432835417340557e+88"},
    {0x1.8e811892f902bp-638, "1.3647584518757569e-192"},
    {-0x1.1985d5d9dc9f8p-684, "-1.3701135617873088e-206"},
    {-0x1.25d940ed90475p+655, "-1.7160537630466207e+197"},
    {0x1.675cc81e74ef5p-144, "6.294675241195386e-44"},
    {0x1.0a35a099950d8p-671, "1.0613447212142254e-202"},
    {0x1.d549b6f03675ap+689, "4.708325160387546e+207"},
    {0x1.c172411e20b8fp-38, "6.387016158513563e-12"},
    {-0x1.16ece1738f7d9p-814, "-9.973130378568733e-246"},
    {0x1.1ddb66cad4a26p-781, "8.779753225680271e-236"},
    {-0x1.192cfd3ac94afp-755, "-5.795503248498993e-228"},
    {-0x1.c105d1fb17c23p+809, "-5.988180159386011e+243"},
    {-0x1.0b33839263059p-488, "-1.306052388527796e-147"},
    {-0x1.f48f1a09f76b5p-684, "-2.436117699484841e-206"},
    {0x1.630f1f29d0da9p-770, "2.233386999150174e-232"},
    {-0x1.60af593bd04cfp-673, "-3.51527970626667e-203"},
    {0x1.1e29c658cda14p-820, "1.5987381841032883e-247"},
    {0x1.8d190f9ebdaccp-118, "4.6678633181812096e-36"},
    {-0x1.1973e0becd7b0p-791, "-8.441872792105456e-239"},
    {0x1.7beaddbc496cbp-478, "1.9015657400796622e-144"},
    {0x1.cb2424a23d596p+693, "7.370437700706684e+208"},
    {-0x1.a63ec24ede6a4p-857, "-1.7163996725272777e-258"},
    {-0x1.766581e27a1c0p-733, "-3.2367190832119987e-221"},
    {-0x1.d05584ef8aa38p-777, "-2.2818334634712625e-234"},
    {-0x1.7ba94d0eda82fp-278, "-3.0536383926309363e-84"},
    {0x1.1dbe22e44158bp-601, "1.3449551894627777e-181"},
    {-0x1.a736994e3bf91p-732, "-7.317495976062606e-221"},
    {0x1.850c5a38fd547p-254, "5.249822308814304e-77"},
    {0x1.135d25f557203p-624, "1.5450754142984396e-188"},
    {-0x1.ce4228c38fb29p-155, "-3.953625698224792e-47"},
    {-0x1.a70c31012f037p-760, "-2.72491267476498e-229"},
    {-0x1.769b10f4205b4p-536, "-6.505141861548772e-162"},
    {0x1.5052434b9b5dfp+1010, "1.441484839555994e+304"},
    {-0x1.ed162ae2eb154p-894, "-1.4583679262758548e-269"},
    {-0x1.877186d76b07ep+112, "-7.939416668807721e+33"},
    {0x1.1af10506bf2efp+884, "1.4255183989699612e+266"},
    {-0x1.6a78795e761d1p+711, "-1.525315701232403e+214"},
    {0.0, "0"},
    {-0.0, "-0"},
    {1.0, "1"},
    {-1.0, "-1"},
    {0.5, "0.5"},
    {1e-6, "0.000001"},
    {-1e-7, "-1e-07"},
    {123456.789, "123456.789"},
};

START_TEST(test_format_float_golden)
{
    char buf[64];
    for (size_t i = 0; i < sizeof(float_golden) / sizeof(float_golden[0]); i++) {
        size_t n = format_float(buf, sizeof(buf), float_golden[i].v);
        ck_assert_msg(strcmp(buf, float_golden[i].s) == 0, "case %zu (%a): got %s want %s", i,
                      float_golden[i].v, buf, float_golden[i].s);
        ck_assert_uint_eq(n, strlen(float_golden[i].s));
    }
    format_float(buf, sizeof(buf), NAN);
    ck_assert_str_eq(buf, "NaN");
    format_float(buf, sizeof(buf), stale_nan());
    ck_assert_str_eq(buf, "NaN");
    format_float(buf, sizeof(buf), INFINITY);
    ck_assert_str_eq(buf, "+Inf");
    format_float(buf, sizeof(buf), -INFINITY);
    ck_assert_str_eq(buf, "-Inf");
    /* truncation keeps the returned length and a NUL */
    char tiny[4];
    ck_assert_uint_eq(format_float(tiny, sizeof(tiny), 0.125), 5);
    ck_assert_str_eq(tiny, "0.1");
}
END_TEST

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rng(void)
{
    rng_state ^= rng_state << 13;
    rng_state ^= rng_state >> 7;
    rng_state ^= rng_state << 17;
    return rng_state;
}

/* Every output reads back as the same double, no shorter digit string
 * would (checked with printf's correctly rounded %.*e), and the layout is
 * the one Go picks for the magnitude. */
START_TEST(test_format_float_roundtrip_random)
{
    char buf[64];
    for (int i = 0; i < 200000; i++) {
        uint64_t bits = rng();
        double v;
        if (i < 2098 * 3) {
            /* every power of two and its neighbours: the asymmetric cases */
            v = ldexp(1.0, i / 3 - 1074);
            v = i % 3 == 0 ? v : nextafter(v, i % 3 == 1 ? 0 : INFINITY);
        } else if (i % 3 == 0) {
            /* ordinary magnitudes matter most */
            v = (double)(int64_t)(rng() % 2000001 - 1000000) / (double)(1 + rng() % 100000);
        } else {
            memcpy(&v, &bits, sizeof(v));
        }
        if (isnan(v) || isinf(v)) continue;
        format_float(buf, sizeof(buf), v);
        double back = strtod(buf, NULL);
        ck_assert_msg(back == v || (v == 0 && back == 0), "%a -> %s", v, buf);
        double a = fabs(v);
        bool want_e = a != 0 && (a < 1e-6 || a >= 1e21);
        ck_assert_msg((strchr(buf, 'e') != NULL) == want_e, "%a -> %s", v, buf);
        /* significant digits in the output */
        char sig[40];
        int ns = 0;
        const char *p = buf;
        for (; *p && *p != 'e'; p++)
            if (*p >= '0' && *p <= '9' && ns < 39) sig[ns++] = *p;
        sig[ns] = 0;
        /* strip leading and trailing zeros */
        int lo = 0, hi = ns;
        while (lo < hi && sig[lo] == '0')
            lo++;
        while (hi > lo && sig[hi - 1] == '0')
            hi--;
        int nsig = hi - lo;
        if (nsig > 1 && a != 0) {
            char tmp[64];
            snprintf(tmp, sizeof(tmp), "%.*e", nsig - 2, a);
            ck_assert_msg(strtod(tmp, NULL) != a, "%a -> %s but %s is shorter", v, buf, tmp);
        }
    }
}
END_TEST

START_TEST(test_format_timestamp)
{
    char buf[32];
    format_timestamp(buf, sizeof(buf), 1435781451781);
    ck_assert_str_eq(buf, "1435781451.781");
    format_timestamp(buf, sizeof(buf), 1435781451050);
    ck_assert_str_eq(buf, "1435781451.050");
    format_timestamp(buf, sizeof(buf), 1435781451000);
    ck_assert_str_eq(buf, "1435781451");
    format_timestamp(buf, sizeof(buf), 5);
    ck_assert_str_eq(buf, "0.005");
    format_timestamp(buf, sizeof(buf), 0);
    ck_assert_str_eq(buf, "0");
    format_timestamp(buf, sizeof(buf), -1500);
    ck_assert_str_eq(buf, "-1.500");
    ck_assert_uint_eq(format_timestamp(buf, sizeof(buf), INT64_MIN), 21);
    ck_assert_str_eq(buf, "-9223372036854775.808");
}
END_TEST

START_TEST(test_float_parse)
{
    static const struct {
        const char *in;
        int rc;
        double v;
    } cases[] = {
        {"1", 0, 1},
        {"-1.5", 0, -1.5},
        {"+2", 0, 2},
        {".5", 0, 0.5},
        {"5.", 0, 5},
        {"1e3", 0, 1000},
        {"1E+3", 0, 1000},
        {"2.5e-3", 0, 0.0025},
        {"0.1", 0, 0.1},
        {"1e-400", 0, 0},
        {"123456789012345678901234567890", 0, 1.2345678901234568e29},
        {"0.000000000000000000000000000000000000000001", 0, 1e-42},
        {"NaN", 0, NAN},
        {"nan", 0, NAN},
        {"Inf", 0, INFINITY},
        {"+Inf", 0, INFINITY},
        {"-Inf", 0, -INFINITY},
        {"-inf", 0, -INFINITY},
        {"+Infinity", 0, INFINITY},
        {"INFINITY", 0, INFINITY},
        {"1e400", FLOAT_PARSE_RANGE, INFINITY},
        {"-1e400", FLOAT_PARSE_RANGE, -INFINITY},
        {"", FLOAT_PARSE_SYNTAX, 0},
        {"+", FLOAT_PARSE_SYNTAX, 0},
        {".", FLOAT_PARSE_SYNTAX, 0},
        {"e5", FLOAT_PARSE_SYNTAX, 0},
        {"1e", FLOAT_PARSE_SYNTAX, 0},
        {"1e+", FLOAT_PARSE_SYNTAX, 0},
        {"1.2.3", FLOAT_PARSE_SYNTAX, 0},
        {"1_000", FLOAT_PARSE_SYNTAX, 0},
        {"0x10", FLOAT_PARSE_SYNTAX, 0},
        {"0x1p3", FLOAT_PARSE_SYNTAX, 0},
        {"+NaN", FLOAT_PARSE_SYNTAX, 0},
        {"infin", FLOAT_PARSE_SYNTAX, 0},
        {"Infx", FLOAT_PARSE_SYNTAX, 0},
        {" 1", FLOAT_PARSE_SYNTAX, 0},
        {"1 ", FLOAT_PARSE_SYNTAX, 0},
        {"nan(1)", FLOAT_PARSE_SYNTAX, 0},
        {"--1", FLOAT_PARSE_SYNTAX, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        double v = 42;
        int rc = float_parse(&v, strv_from_cstr(cases[i].in));
        ck_assert_msg(rc == cases[i].rc, "'%s': rc %d", cases[i].in, rc);
        if (rc == 0 || rc == FLOAT_PARSE_RANGE) {
            if (isnan(cases[i].v))
                ck_assert_msg(isnan(v), "'%s'", cases[i].in);
            else
                ck_assert_msg(v == cases[i].v, "'%s': %a", cases[i].in, v);
        }
    }
    /* A long mantissa goes through the heap buffer. */
    char big[600];
    memset(big, '0', sizeof(big));
    big[0] = '1';
    big[1] = '.';
    big[sizeof(big) - 1] = 0;
    double v;
    ck_assert_int_eq(float_parse(&v, strv_from_cstr(big)), 0);
    ck_assert(v == 1.0);
    /* Format then parse is the identity. */
    for (int i = 0; i < 20000; i++) {
        uint64_t bits = rng();
        double x, y;
        memcpy(&x, &bits, sizeof(x));
        if (isnan(x)) continue;
        char buf[64];
        format_float(buf, sizeof(buf), x);
        ck_assert_int_eq(float_parse(&y, strv_from_cstr(buf)), 0);
        ck_assert_msg(x == y, "%s", buf);
    }
}
END_TEST

static Suite *model_suite(void)
{
    Suite *s = suite_create("model");
    TCase *tc = tcase_create("labels");
    tcase_add_test(tc, test_labels_make_sorts_and_drops_empty);
    tcase_add_test(tc, test_labels_hash_distinguishes);
    tcase_add_test(tc, test_labels_compare_order);
    tcase_add_test(tc, test_labels_derive);
    tcase_add_test(tc, test_labels_to_string_quotes_like_go);
    tcase_add_test(tc, test_label_name_is_legacy);
    tcase_add_test(tc, test_vector_matrix_push);
    tcase_add_test(tc, test_stale_nan);
    suite_add_tcase(s, tc);
    tc = tcase_create("format");
    /* util/text's exact decimal arithmetic takes microseconds for the far
     * exponents most random bit patterns have: ~12 s of CPU under ASan */
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_format_float_golden);
    tcase_add_test(tc, test_format_float_roundtrip_random);
    tcase_add_test(tc, test_format_timestamp);
    tcase_add_test(tc, test_float_parse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(model_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
