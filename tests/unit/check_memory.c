/* Unit tests of lib/source/memory: storage rules and select. */
#include <check.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sloeval/source.h"
#include "source/memory.h"
#include "source/openmetrics.h"

static sloeval_source *fixture(sloeval_compat compat)
{
    const char *t = "up{job=\"api\",instance=\"a\"} 1 10\n"
                    "up{job=\"api\",instance=\"a\"} 1 20\n"
                    "up{job=\"api\",instance=\"a\"} 0 30\n"
                    "up{job=\"api\",instance=\"b\"} 1 10\n"
                    "up{job=\"db\",instance=\"c\",zone=\"eu\"} 1 15\n"
                    "up{job=\"db\",instance=\"d\"} 1 40\n"
                    "requests_total{job=\"api\",path=\"/x\\ny\"} 5 10\n"
                    "requests_total{job=\"api\",path=\"/z\"} 7 10\n"
                    "# EOF\n";
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, compat), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics(src, t, strlen(t), "fx", &err), 0);
    return src;
}

/* Select with matchers written as "name=value", "name!=value", "name=~re",
 * "name!~re"; returns the instance (or path) labels joined by ','. */
static char *sel(sloeval_source *src, int64_t mint, int64_t maxt, int n, ...)
{
    label_matcher ms[8];
    char bufs[8][64];
    va_list ap;
    va_start(ap, n);
    for (int i = 0; i < n; i++) {
        const char *spec = va_arg(ap, const char *);
        snprintf(bufs[i], sizeof(bufs[i]), "%s", spec);
        char *op = strpbrk(bufs[i], "=!");
        match_type t = MATCH_EQUAL;
        size_t oplen = 1;
        if (op[0] == '!' && op[1] == '=') t = MATCH_NOT_EQUAL, oplen = 2;
        if (op[0] == '!' && op[1] == '~') t = MATCH_NOT_REGEX, oplen = 2;
        if (op[0] == '=' && op[1] == '~') t = MATCH_REGEX, oplen = 2;
        ms[i].type = t;
        ms[i].name = (strv){bufs[i], (size_t)(op - bufs[i])};
        ms[i].value = strv_from_cstr(op + oplen);
    }
    va_end(ap);
    arena a;
    arena_init(&a, 0);
    matrix out;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = src->vt->select(src, ms, (size_t)n, mint, maxt, &a, &out, NULL, &err);
    strbuf sb = STRBUF_INIT;
    if (rc) {
        strbuf_printf(&sb, "error: %s", err.message);
    } else {
        for (size_t i = 0; i < out.count; i++) {
            strv v = labels_get(out.items[i].labels, STRV_LIT("instance"));
            if (!v.ptr) v = labels_get(out.items[i].labels, STRV_LIT("path"));
            if (i) strbuf_putc(&sb, ',');
            strbuf_append(&sb, v.ptr, v.len);
            strbuf_printf(&sb, ":%zu", out.items[i].count);
        }
    }
    arena_free(&a);
    char *r = strbuf_detach(&sb);
    return r ? r : strdup("");
}

#define CHECK_SEL(want, ...)                                                                       \
    do {                                                                                           \
        char *got_ = sel(__VA_ARGS__);                                                             \
        ck_assert_msg(strcmp(got_, want) == 0, "got '%s' want '%s'", got_, want);                  \
        free(got_);                                                                                \
    } while (0)

#define ALL INT64_MIN, INT64_MAX

START_TEST(test_select_matchers)
{
    sloeval_source *src = fixture(SLOEVAL_COMPAT_V3);
    CHECK_SEL("a:3,b:1,c:1,d:1", src, ALL, 1, "__name__=up");
    CHECK_SEL("a:3,b:1", src, ALL, 2, "__name__=up", "job=api");
    CHECK_SEL("c:1,d:1", src, ALL, 2, "__name__=up", "job!=api");
    CHECK_SEL("a:3,b:1,d:1", src, ALL, 2, "__name__=up", "zone="); /* no zone label */
    CHECK_SEL("c:1", src, ALL, 2, "__name__=up", "zone!=");
    CHECK_SEL("c:1", src, ALL, 2, "__name__=up", "zone=~.+");
    CHECK_SEL("a:3,b:1,d:1", src, ALL, 2, "__name__=up", "zone!~.+");
    CHECK_SEL("a:3,b:1,c:1,d:1", src, ALL, 2, "__name__=up", "zone=~|eu");
    CHECK_SEL("a:3,b:1,d:1", src, ALL, 2, "__name__=up", "zone=~|us");
    CHECK_SEL("a:3,c:1", src, ALL, 2, "__name__=up", "instance=~a|c");
    CHECK_SEL("b:1,d:1", src, ALL, 2, "__name__=up", "instance!~a|c");
    CHECK_SEL("", src, ALL, 2, "__name__=up", "instance=~A");     /* case kept */
    CHECK_SEL("a:3", src, ALL, 2, "__name__=up", "instance=~^a"); /* a ^ inside is harmless */
    CHECK_SEL("a:3", src, ALL, 2, "__name__=up", "instance=~^a$");
    CHECK_SEL("", src, ALL, 2, "__name__=up", "instance=~b.");
    CHECK_SEL("", src, ALL, 2, "__name__=up", "job=nope");
    CHECK_SEL("", src, ALL, 1, "__name__=nope");
    CHECK_SEL("a:3,b:1,c:1,d:1", src, ALL, 1, "__name__=~u.");
    /* by regex over all names; ordered by labels: requests_total < up */
    CHECK_SEL("/x\ny:1,/z:1,a:3,b:1", src, ALL, 1, "job=api");
    /* 3.x: '.' matches the newline in the path */
    CHECK_SEL("/x\ny:1", src, ALL, 1, "path=~/x.y");
    CHECK_SEL("error: error parsing regexp: missing closing ): `(`", src, ALL, 1, "job=~(");
    sloeval_source_free(src);

    src = fixture(SLOEVAL_COMPAT_V2);
    CHECK_SEL("", src, ALL, 1, "path=~/x.y"); /* 2.x: it does not */
    CHECK_SEL("error: error parsing regexp: missing closing ): `^(?:()$`", src, ALL, 1, "job=~(");
    sloeval_source_free(src);
}
END_TEST

START_TEST(test_select_time_range)
{
    sloeval_source *src = fixture(SLOEVAL_COMPAT_V3);
    /* both ends inclusive */
    CHECK_SEL("a:3,b:1,c:1", src, 10000, 30000, 2, "__name__=up", "instance!=d");
    CHECK_SEL("a:2", src, 10001, 30000, 2, "__name__=up", "instance=a");
    CHECK_SEL("a:1", src, 20000, 20000, 2, "__name__=up", "instance=a");
    CHECK_SEL("a:2,c:1", src, 15000, 39999, 1, "__name__=up"); /* series without samples left out */
    CHECK_SEL("", src, 31000, 39999, 2, "__name__=up", "job=api");
    CHECK_SEL("", src, 30000, 10000, 1, "__name__=up"); /* empty range */

    /* the samples are the store's, not copies */
    arena a;
    arena_init(&a, 0);
    label_matcher m = {MATCH_EQUAL, STRV_LIT("instance"), STRV_LIT("a")};
    matrix x, y;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select(src, &m, 1, ALL, &a, &x, NULL, &err), 0);
    ck_assert_int_eq(src->vt->select(src, &m, 1, 20000, 30000, &a, &y, NULL, &err), 0);
    ck_assert_ptr_eq(y.items[0].samples, x.items[0].samples + 1);
    ck_assert_ptr_eq(y.items[0].labels, x.items[0].labels);
    ck_assert_int_eq(x.items[0].samples[2].t, 30000);
    ck_assert(x.items[0].samples[2].v == 0);
    arena_free(&a);
    sloeval_source_free(src);
}
END_TEST

START_TEST(test_append_api)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V2), 0);
    ck_assert_int_eq(sloeval_source_compat(src), SLOEVAL_COMPAT_V2);
    sloeval_label l1[] = {{"job", "x"}, {"__name__", "m"}, {"empty", ""}};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_append(src, l1, 3, 1000, 1.0, &err), 0);
    ck_assert_int_eq(sloeval_memory_append(src, l1, 3, 2000, 2.0, &err), 0);
    ck_assert_int_eq(sloeval_memory_append(src, l1, 3, 2000, 2.0, &err), 0); /* exact repeat */
    ck_assert_int_eq(sloeval_memory_append(src, l1, 3, 2000, 3.0, &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message,
                     "duplicate sample for timestamp 2000 with a different value for series "
                     "m{job=\"x\"}");
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_memory_append(src, l1, 3, 1500, 3.0, &err), SLOEVAL_EDATA);
    ck_assert_str_eq(err.message, "out of order sample: timestamp 1500 is before 2000, the last "
                                  "one of series m{job=\"x\"}");
    sloeval_error_clear(&err);
    sloeval_label dup[] = {{"a", "1"}, {"a", "2"}};
    ck_assert_int_eq(sloeval_memory_append(src, dup, 2, 0, 0, &err), SLOEVAL_EDATA);
    sloeval_error_clear(&err);
    sloeval_label bad[] = {{"a", NULL}};
    ck_assert_int_eq(sloeval_memory_append(src, bad, 1, 0, 0, &err), SLOEVAL_EINVAL);
    /* a series without a name is fine */
    sloeval_label noname[] = {{"a", "1"}};
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_memory_append(src, noname, 1, 0, NAN, &err), 0);
    sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
    ck_assert_int_eq(sloeval_memory_get_stats(&st, src, NULL), 0);
    ck_assert_uint_eq(st.series, 2);
    ck_assert_uint_eq(st.samples, 3);
    ck_assert_int_eq(sloeval_memory_get_stats(&st, NULL, NULL), SLOEVAL_EINVAL);
    CHECK_SEL(":1", src, ALL, 1, "a=1");
    memory_clear(src);
    sloeval_memory_get_stats(&st, src, NULL);
    ck_assert_uint_eq(st.series, 0);
    CHECK_SEL("", src, ALL, 1, "a=1");
    ck_assert_int_eq(sloeval_memory_append(src, noname, 1, -5, 1, &err), 0);
    CHECK_SEL(":1", src, ALL, 1, "a=1");
    sloeval_source_free(src);
    sloeval_source_free(NULL);
}
END_TEST

START_TEST(test_aborted_load_is_invisible)
{
    sloeval_source *src = fixture(SLOEVAL_COMPAT_V3);
    /* new samples for an old series and a new series, then an error */
    const char *t =
        "up{job=\"api\",instance=\"a\"} 5 50\nfresh 1 1\nup{job=\"api\",instance=\"a\"} 6 "
        "40\n# EOF\n";
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_memory_load_openmetrics(src, t, strlen(t), "t", &err), SLOEVAL_EDATA);
    CHECK_SEL("a:3", src, ALL, 1, "instance=a");
    CHECK_SEL("", src, ALL, 1, "__name__=fresh");
    /* and a later good load of the same series works */
    const char *t2 = "up{job=\"api\",instance=\"a\"} 5 50\nfresh 1 1\n# EOF\n";
    ck_assert_int_eq(sloeval_memory_load_openmetrics(src, t2, strlen(t2), "t2", &err), 0);
    CHECK_SEL("a:4", src, ALL, 1, "instance=a");
    CHECK_SEL(":1", src, ALL, 1, "__name__=fresh");
    sloeval_source_free(src);
}
END_TEST

/* Many series: the index answers = and =~ without scanning, and results
 * stay sorted by labels. */
START_TEST(test_many_series)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    ck_assert_int_eq(memory_load_begin(src, NULL), 0);
    for (int i = 0; i < 5000; i++) {
        char inst[16], shard[8];
        snprintf(inst, sizeof(inst), "h%04d", 4999 - i);
        snprintf(shard, sizeof(shard), "%d", i % 10);
        label p[] = {{STRV_LIT("__name__"), STRV_LIT("m")},
                     {STRV_LIT("instance"), strv_from_cstr(inst)},
                     {STRV_LIT("shard"), strv_from_cstr(shard)}};
        for (int k = 0; k < 3; k++)
            ck_assert_int_eq(memory_load_append(src, p, 3, k * 1000, k, NULL, NULL), 0);
    }
    memory_load_commit(src);
    arena a;
    arena_init(&a, 0);
    label_matcher ms[] = {{MATCH_EQUAL, STRV_LIT("shard"), STRV_LIT("3")},
                          {MATCH_REGEX, STRV_LIT("instance"), STRV_LIT("h0.*")}};
    matrix out;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select(src, ms, 2, ALL, &a, &out, NULL, &err), 0);
    ck_assert_uint_eq(out.count, 100);
    for (size_t i = 1; i < out.count; i++)
        ck_assert_int_lt(labels_compare(out.items[i - 1].labels, out.items[i].labels), 0);
    for (size_t i = 0; i < out.count; i++)
        ck_assert_uint_eq(out.items[i].count, 3);
    memory_stats st;
    memory_get_stats(src, &st);
    ck_assert_uint_eq(st.samples, 15000);
    ck_assert_uint_eq(st.sample_bytes, 15000 * sizeof(sample));
    arena_free(&a);
    sloeval_source_free(src);
}
END_TEST

/* Brute force: the samples of s with mint <= t <= maxt. */
static void ref_range(const sample *s, size_t n, int64_t mint, int64_t maxt, size_t *lo, size_t *hi)
{
    size_t l = 0;
    while (l < n && s[l].t < mint)
        l++;
    size_t h = l;
    while (h < n && s[h].t <= maxt)
        h++;
    *lo = l;
    *hi = h;
}

/* Select finds its windows from a guess of where evenly spaced samples
 * would be: whatever the spacing (even, jittered, with gaps and bursts),
 * the answer is exactly the samples in [mint, maxt]. */
START_TEST(test_select_windows_any_spacing)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V2), 0);
    uint64_t rnd = 7;
#define RND() (rnd = rnd * 6364136223846793005ULL + 1442695040888963407ULL, rnd >> 33)
    enum { NS = 40 };
    for (int i = 0; i < NS; i++) {
        char id[16];
        snprintf(id, sizeof(id), "s%02d", i);
        label p[] = {{STRV_LIT("__name__"), STRV_LIT("m")}, {STRV_LIT("id"), strv_from_cstr(id)}};
        int64_t t = (int64_t)(RND() % 100000);
        int n = 1 + (int)(RND() % 300);
        for (int k = 0; k < n; k++) {
            switch (i % 4) {
            case 0: t += 15000; break;                                            /* even */
            case 1: t += 14000 + (int64_t)(RND() % 2000); break;                  /* jitter */
            case 2: t += RND() % 10 ? 1 + (int64_t)(RND() % 50) : 3600000; break; /* bursts, gaps */
            default: t += 1 + (int64_t)(RND() % 100000); break;                   /* anything */
            }
            ck_assert_int_eq(memory_load_append(src, p, 2, t, (double)k, NULL, NULL), 0);
        }
    }
    arena a;
    arena_init(&a, 0);
    label_matcher m = {MATCH_EQUAL, STRV_LIT("__name__"), STRV_LIT("m")};
    matrix all;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select(src, &m, 1, ALL, &a, &all, NULL, &err), 0);
    ck_assert_uint_eq(all.count, NS);
    for (int q = 0; q < 3000; q++) {
        const series *s = &all.items[RND() % NS];
        int64_t first = s->samples[0].t, last = s->samples[s->count - 1].t;
        int64_t span = last - first + 200000;
        int64_t mint = first - 100000 + (int64_t)(RND() % (uint64_t)span);
        int64_t maxt = q % 5 == 0 ? mint : mint + (int64_t)(RND() % (uint64_t)span);
        if (q % 7 == 0) mint = s->samples[RND() % s->count].t; /* on a sample */
        if (q % 11 == 0) maxt = s->samples[RND() % s->count].t;
        label_matcher ms[] = {m,
                              {MATCH_EQUAL, STRV_LIT("id"), labels_get(s->labels, STRV_LIT("id"))}};
        matrix out;
        source_series_info *info;
        ck_assert_int_eq(src->vt->select_info(src, ms, 2, mint, maxt, &a, &out, &info, NULL, &err), 0);
        size_t lo, hi;
        ref_range(s->samples, s->count, mint, maxt, &lo, &hi);
        if (lo == hi || mint > maxt) {
            ck_assert_uint_eq(out.count, 0);
            continue;
        }
        ck_assert_uint_eq(out.count, 1);
        ck_assert_ptr_eq(out.items[0].samples, s->samples + lo);
        ck_assert_uint_eq(out.items[0].count, hi - lo);
        ck_assert_ptr_nonnull(info);
        ck_assert(info[0].no_stale);
    }
#undef RND
    arena_free(&a);
    sloeval_source_free(src);
}
END_TEST

static void check_sorted_answer(sloeval_source *src, const label_matcher *ms, size_t n, size_t want)
{
    arena a;
    arena_init(&a, 0);
    matrix out;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select(src, ms, n, ALL, &a, &out, NULL, &err), 0);
    ck_assert_uint_eq(out.count, want);
    for (size_t i = 1; i < out.count; i++)
        ck_assert_int_lt(labels_compare(out.items[i - 1].labels, out.items[i].labels), 0);
    arena_free(&a);
}

/* Series added out of label order over several loads, with selects in
 * between: answers stay sorted by labels, and answers taken before the
 * store renumbered its series still point at the same labels and samples. */
START_TEST(test_label_order_across_loads)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    label_matcher name = {MATCH_EQUAL, STRV_LIT("__name__"), STRV_LIT("m")};
    label_matcher even = {MATCH_REGEX, STRV_LIT("shard"), STRV_LIT("0|2|4|6|8")};
    label_matcher not3 = {MATCH_NOT_EQUAL, STRV_LIT("shard"), STRV_LIT("3")};
    label_matcher nozone = {MATCH_EQUAL, STRV_LIT("zone"), STRV_LIT("")};
    arena keep;
    arena_init(&keep, 0);
    matrix early = {0};
    size_t total = 0, want3 = 0;
    for (int load = 0; load < 4; load++) {
        ck_assert_int_eq(memory_load_begin(src, NULL), 0);
        for (int i = 0; i < 250; i++) {
            /* descending, and interleaved with the earlier loads' series */
            int k = (249 - i) * 4 + (3 - load);
            char inst[16], shard[8];
            snprintf(inst, sizeof(inst), "h%04d", k);
            snprintf(shard, sizeof(shard), "%d", (k / 4) % 10);
            if ((k / 4) % 10 != 3 && k % 3 != 0) want3++;
            label p[] = {{STRV_LIT("__name__"), STRV_LIT("m")},
                         {STRV_LIT("instance"), strv_from_cstr(inst)},
                         {STRV_LIT("shard"), strv_from_cstr(shard)},
                         {STRV_LIT("zone"), k % 3 ? STRV_LIT("") : STRV_LIT("eu")}};
            for (int t = 0; t < 3; t++)
                ck_assert_int_eq(memory_load_append(src, p, 4, t * 1000 + load, t, NULL, NULL), 0);
        }
        memory_load_commit(src);
        total += 250;
        if (load == 0) {
            sloeval_error err = SLOEVAL_ERROR_INIT;
            ck_assert_int_eq(src->vt->select(src, &name, 1, ALL, &keep, &early, NULL, &err), 0);
            ck_assert_uint_eq(early.count, 250);
        }
        check_sorted_answer(src, &name, 1, total);
        label_matcher two[] = {name, even};
        check_sorted_answer(src, two, 2, total / 2);
        label_matcher three[] = {name, not3, nozone};
        check_sorted_answer(src, three, 3, want3);
    }
    /* the first answer still reads the series of the first load */
    for (size_t i = 0; i < early.count; i++) {
        ck_assert_uint_eq(early.items[i].count, 3);
        ck_assert_int_eq(early.items[i].samples[2].t, 2000);
        strv inst = labels_get(early.items[i].labels, STRV_LIT("instance"));
        ck_assert_int_eq(atoi(inst.ptr + 1) % 4, 3);
    }
    arena_free(&keep);
    sloeval_source_free(src);
}
END_TEST

/* What the store's select_info tells besides the samples. */
START_TEST(test_select_info)
{
    sloeval_source *src;
    ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V3), 0);
    label a[] = {{STRV_LIT("__name__"), STRV_LIT("m")}, {STRV_LIT("job"), STRV_LIT("x")}};
    label b[] = {{STRV_LIT("__name__"), STRV_LIT("m")},
                 {STRV_LIT("job"), STRV_LIT("y")},
                 {STRV_LIT("__unit__"), STRV_LIT("seconds")}};
    label c[] = {{STRV_LIT("job"), STRV_LIT("z")}};
    ck_assert_int_eq(memory_load_append(src, a, 2, 1000, 1, NULL, NULL), 0);
    ck_assert_int_eq(memory_load_append(src, b, 3, 1000, 1, NULL, NULL), 0);
    ck_assert_int_eq(memory_load_append(src, b, 3, 2000, stale_nan(), NULL, NULL), 0);
    ck_assert_int_eq(memory_load_append(src, c, 1, 1000, 1, NULL, NULL), 0);
    /* a stale marker in an aborted load does not count */
    ck_assert_int_eq(memory_load_begin(src, NULL), 0);
    ck_assert_int_eq(memory_load_append(src, a, 2, 2000, stale_nan(), NULL, NULL), 0);
    memory_load_abort(src);

    arena ar;
    arena_init(&ar, 0);
    label_matcher any = {MATCH_REGEX, STRV_LIT("job"), STRV_LIT(".+")};
    matrix out;
    source_series_info *info;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->select_info(src, &any, 1, ALL, &ar, &out, &info, NULL, &err), 0);
    ck_assert_uint_eq(out.count, 3);
    ck_assert_ptr_nonnull(info);
    for (size_t i = 0; i < out.count; i++) {
        const labels *ls = out.items[i].labels;
        const labels *want = labels_drop_name(&ar, ls);
        ck_assert(labels_equal(info[i].without_name, want));
        ck_assert_uint_eq(info[i].without_name->hash, want->hash);
        strv job = labels_get(ls, STRV_LIT("job"));
        ck_assert(info[i].no_stale == (job.ptr[0] != 'y'));
        ck_assert(info[i].type_unit == (job.ptr[0] == 'y'));
    }
    /* c has no name: its label set is its own */
    ck_assert_ptr_eq(info[2].without_name, out.items[2].labels);
    /* asked again, the store gives the same sets */
    matrix again;
    source_series_info *info2;
    ck_assert_int_eq(src->vt->select_info(src, &any, 1, ALL, &ar, &again, &info2, NULL, &err), 0);
    for (size_t i = 0; i < out.count; i++)
        ck_assert_ptr_eq(info2[i].without_name, info[i].without_name);
    /* equal strings of two series are stored once */
    ck_assert_ptr_eq(labels_get(out.items[0].labels, STRV_LIT("__name__")).ptr,
                     labels_get(out.items[1].labels, STRV_LIT("__name__")).ptr);
    arena_free(&ar);
    sloeval_source_free(src);
}
END_TEST

static Suite *memory_suite(void)
{
    Suite *s = suite_create("memory");
    TCase *tc = tcase_create("memory");
    tcase_add_test(tc, test_select_matchers);
    tcase_add_test(tc, test_select_time_range);
    tcase_add_test(tc, test_append_api);
    tcase_add_test(tc, test_aborted_load_is_invisible);
    tcase_add_test(tc, test_many_series);
    tcase_add_test(tc, test_select_windows_any_spacing);
    tcase_add_test(tc, test_label_order_across_loads);
    tcase_add_test(tc, test_select_info);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(memory_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
