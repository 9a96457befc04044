/* The Prometheus HTTP source against a real Prometheus 2.42: instant and
 * range queries, raw samples over exact windows (boundary samples),
 * millisecond-exact times, buildinfo detection, server errors, connection
 * reuse and a parallel batch. One server for the whole suite. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "http/http.h"
#include "promserver.h"
#include "sloeval.h"
#include "sloeval/http.h"
#include "source/prometheus.h"

/* 2024-01-01T00:00:00Z in ms */
#define T0 1704067200000LL

static promserver *server;
static char *om_path;

/*
 * c{i="1"}: counter 0, 10, 20, ... every 15 s from T0 for 20 samples, plus
 * one sample at T0 + 301.5 s (an odd millisecond count would be truncated
 * by promtool's float conversion; .5 is exact).
 * g{i="1"} and g{i="2"}: gauges 1..20 and 100..119 at the same times.
 */
static void setup(void)
{
    char tmpl[] = "/tmp/sloeval-http-om-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    FILE *f = fdopen(fd, "w");
    fprintf(f, "# TYPE c counter\n");
    for (int i = 0; i < 20; i++)
        fprintf(f, "c_total{i=\"1\"} %d %lld\n", 10 * i, (T0 + 15000LL * i) / 1000);
    fprintf(f, "c_total{i=\"1\"} 500 %lld.5\n", (T0 + 301000) / 1000);
    fprintf(f, "# TYPE g gauge\n");
    for (int k = 1; k <= 2; k++)
        for (int i = 0; i < 20; i++)
            fprintf(f, "g{i=\"%d\"} %d %lld\n", k, (k == 1 ? 1 : 100) + i,
                    (T0 + 15000LL * i) / 1000);
    fprintf(f, "# EOF\n");
    fclose(f);
    om_path = strdup(tmpl);
    char err[512];
    server = promserver_start(om_path, err, sizeof err);
    if (!server) {
        fprintf(stderr, "cannot start Prometheus: %s\n", err);
        abort();
    }
}

static void teardown(void)
{
    promserver_stop(server);
    unlink(om_path);
    free(om_path);
}

static sloeval_source *new_source(sloeval_compat compat)
{
    sloeval_prometheus_options o = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    o.url = promserver_url(server);
    o.compat = compat;
    o.timeout_ms = 10000;
    o.total_timeout_ms = 20000;
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_source_new_prometheus(&src, &o, &err) == 0, "%s", err.message);
    return src;
}

static void free_source(sloeval_source *src)
{
    src->vt->destroy(src);
}

static const char *lv(const labels *ls, const char *name)
{
    static char buf[128];
    strv v = labels_get(ls, strv_from_cstr(name));
    if (!v.ptr) return "";
    snprintf(buf, sizeof buf, "%.*s", (int)v.len, v.ptr);
    return buf;
}

START_TEST(test_instant_query)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_AUTO);
    arena a;
    arena_init(&a, 0);
    value v;
    source_notes notes = {0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = src->vt->query(src, "sum by (i) (g) * 2", T0 + 60000, &a, &v, &notes, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(v.kind, VALUE_VECTOR);
    ck_assert_uint_eq(v.u.vector.count, 2);
    double want[2] = {2 * 5, 2 * 104};
    for (size_t i = 0; i < 2; i++) {
        vector_elem *e = &v.u.vector.items[i];
        int k = atoi(lv(e->labels, "i"));
        ck_assert(k == 1 || k == 2);
        ck_assert(e->v == want[k - 1]);
        ck_assert_int_eq(e->t, T0 + 60000);
    }
    /* Scalars and strings come back as such. */
    ck_assert_int_eq(src->vt->query(src, "scalar(g{i=\"2\"}) / 0", T0, &a, &v, NULL, &err), 0);
    ck_assert_int_eq(v.kind, VALUE_SCALAR);
    ck_assert(isinf(v.u.scalar) && v.u.scalar > 0);
    ck_assert_int_eq(src->vt->query(src, "\"hi\"", T0, &a, &v, NULL, &err), 0);
    ck_assert_int_eq(v.kind, VALUE_STRING);
    ck_assert(strv_eq_cstr(v.u.string, "hi"));
    ck_assert_int_eq(src->vt->query(src, "0/0", T0, &a, &v, NULL, &err), 0);
    ck_assert(isnan(v.u.scalar));
    arena_free(&a);
    free_source(src);
}
END_TEST

/* Times are exact to the millisecond, including .009 (which a decimal
 * "s.mmm" time parameter turns into .008 on 2.42). */
START_TEST(test_times_exact)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_V2);
    arena a;
    arena_init(&a, 0);
    static const long long offs[] = {0, 1, 9, 57, 99, 999, 1009, 123456789};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        int64_t t = 1435781451000LL + offs[i];
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_msg(src->vt->query(src, "time() * 1000", t, &a, &v, NULL, &err) == 0, "%s",
                      err.message);
        ck_assert_int_eq(v.kind, VALUE_SCALAR);
        ck_assert_int_eq(v.t, t);
        ck_assert_msg(llround(v.u.scalar) == t, "time() at %lld gave %.17g", (long long)t,
                      v.u.scalar);
    }
    arena_free(&a);
    free_source(src);
}
END_TEST

START_TEST(test_range_query)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_AUTO);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = src->vt->query_range(src, "g{i=\"1\"}", T0, T0 + 60000, 30000, &a, &v, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_int_eq(v.kind, VALUE_MATRIX);
    ck_assert_uint_eq(v.u.matrix.count, 1);
    series *s = &v.u.matrix.items[0];
    ck_assert_uint_eq(s->count, 3);
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq(s->samples[i].t, T0 + 30000LL * (int64_t)i);
        ck_assert(s->samples[i].v == 1 + 2.0 * (double)i);
    }
    ck_assert_str_eq(lv(s->labels, "__name__"), "g");
    /* A sub-second step. */
    rc = src->vt->query_range(src, "time()", T0, T0 + 1000, 250, &a, &v, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    ck_assert_uint_eq(v.u.matrix.items[0].count, 5);
    ck_assert_int_eq(v.u.matrix.items[0].samples[1].t, T0 + 250);
    arena_free(&a);
    free_source(src);
}
END_TEST

static matrix do_select(sloeval_source *src, arena *a, const char *name, int64_t mint, int64_t maxt)
{
    label_matcher m[1] = {{MATCH_EQUAL, STRV_LIT("__name__"), strv_from_cstr(name)}};
    matrix out;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = src->vt->select(src, m, 1, mint, maxt, a, &out, NULL, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    return out;
}

/* Raw samples over [mint, maxt], both ends inclusive, on a 2.x server
 * (whose range selector is closed) whatever compat the source says. */
START_TEST(test_select_boundaries)
{
    for (int pass = 0; pass < 2; pass++) {
        sloeval_source *src = new_source(pass ? SLOEVAL_COMPAT_V3 : SLOEVAL_COMPAT_V2);
        arena a;
        arena_init(&a, 0);
        /* [15 s, 45 s]: exactly the samples at 15, 30, 45. */
        matrix m = do_select(src, &a, "c_total", T0 + 15000, T0 + 45000);
        ck_assert_uint_eq(m.count, 1);
        ck_assert_uint_eq(m.items[0].count, 3);
        ck_assert_int_eq(m.items[0].samples[0].t, T0 + 15000);
        ck_assert(m.items[0].samples[0].v == 10);
        ck_assert_int_eq(m.items[0].samples[2].t, T0 + 45000);
        /* One ms inside each end: only the middle sample. */
        m = do_select(src, &a, "c_total", T0 + 15001, T0 + 44999);
        ck_assert_uint_eq(m.items[0].count, 1);
        ck_assert_int_eq(m.items[0].samples[0].t, T0 + 30000);
        /* A single instant on a sample, and one between samples. */
        m = do_select(src, &a, "c_total", T0 + 30000, T0 + 30000);
        ck_assert_uint_eq(m.count, 1);
        ck_assert_uint_eq(m.items[0].count, 1);
        m = do_select(src, &a, "c_total", T0 + 30001, T0 + 30001);
        ck_assert_uint_eq(m.count, 0);
        /* The half-second sample. */
        m = do_select(src, &a, "c_total", T0 + 301500, T0 + 301500);
        ck_assert_uint_eq(m.count, 1);
        ck_assert_int_eq(m.items[0].samples[0].t, T0 + 301500);
        ck_assert(m.items[0].samples[0].v == 500);
        m = do_select(src, &a, "c_total", T0 + 285001, T0 + 301499);
        ck_assert_uint_eq(m.count, 0);
        /* Everything: 21 samples; two gauge series. */
        m = do_select(src, &a, "c_total", T0 - 3600000, T0 + 3600000);
        ck_assert_uint_eq(m.items[0].count, 21);
        m = do_select(src, &a, "g", T0, T0 + 15000 * 19);
        ck_assert_uint_eq(m.count, 2);
        ck_assert_uint_eq(m.items[0].count, 20);
        ck_assert_uint_eq(m.items[1].count, 20);
        /* Regex and negative matchers. */
        label_matcher mm[2] = {{MATCH_REGEX, STRV_LIT("__name__"), STRV_LIT("g|c_total")},
                               {MATCH_NOT_EQUAL, STRV_LIT("i"), STRV_LIT("2")}};
        matrix out;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(src->vt->select(src, mm, 2, T0, T0, &a, &out, NULL, &err), 0);
        ck_assert_uint_eq(out.count, 2);
        arena_free(&a);
        free_source(src);
    }
}
END_TEST

START_TEST(test_buildinfo_v2)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_AUTO);
    ck_assert_int_eq(src->compat, SLOEVAL_COMPAT_V3); /* until asked */
    sloeval_compat compat = SLOEVAL_COMPAT_AUTO;
    char warning[512] = "x";
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_prometheus_detect_compat(&compat, src, warning, sizeof warning, &err) ==
                      0,
                  "%s", err.message);
    ck_assert_int_eq(compat, SLOEVAL_COMPAT_V2);
    ck_assert_int_eq(src->compat, SLOEVAL_COMPAT_V2);
    ck_assert_str_eq(warning, "");
    free_source(src);
}
END_TEST

START_TEST(test_server_errors)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_AUTO);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(src->vt->query(src, "sum(", T0, &a, &v, NULL, &err), SLOEVAL_ESERVER);
    ck_assert_int_eq(err.http_status, 400);
    char want[256];
    snprintf(want, sizeof want,
             "HTTP 400 from %s/api/v1/query: bad_data: ", promserver_url(server));
    ck_assert_msg(!strncmp(err.message, want, strlen(want)), "%s", err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "parse error"));
    sloeval_error_clear(&err);
    ck_assert_int_eq(src->vt->query(src, "g + on() g", T0, &a, &v, NULL, &err), SLOEVAL_ESERVER);
    ck_assert_int_eq(err.http_status, 422);
    ck_assert_ptr_nonnull(strstr(err.message, ": execution: "));
    /* More than 11,000 points per series. */
    sloeval_error_clear(&err);
    ck_assert_int_eq(src->vt->query_range(src, "g", T0, T0 + 20000000, 1000, &a, &v, NULL, &err),
                     SLOEVAL_ESERVER);
    ck_assert_ptr_nonnull(strstr(err.message, "11,000"));
    arena_free(&a);
    free_source(src);
}
END_TEST

/* Many independent calls in one batch, in parallel, over reused connections. */
START_TEST(test_parallel_batch_and_reuse)
{
    sloeval_source *src = new_source(SLOEVAL_COMPAT_AUTO);
    arena a;
    arena_init(&a, 0);
    enum { N = 40 };
    for (int round = 0; round < 2; round++) {
        http_batch *b;
        ck_assert_int_eq(http_batch_new(&b, 4), 0);
        prom_call *calls[N];
        sloeval_error err = SLOEVAL_ERROR_INIT;
        for (int i = 0; i < N; i++) {
            char q[64];
            snprintf(q, sizeof q, "g{i=\"1\"} + %d", i);
            if (i % 2)
                ck_assert_int_eq(
                    prom_add_query(&calls[i], src, b, q, T0 + 15000 * (i % 20), &a, &err), 0);
            else
                ck_assert_int_eq(
                    prom_add_query_range(&calls[i], src, b, q, T0, T0 + 60000, 15000, &a, &err), 0);
        }
        ck_assert_int_eq(http_batch_run(b, &err), 0);
        long new_conns = 0;
        for (int i = 0; i < N; i++) {
            value v;
            ck_assert_msg(prom_call_result(calls[i], &v, NULL, &err) == 0, "%s", err.message);
            if (i % 2) {
                ck_assert_int_eq(v.kind, VALUE_VECTOR);
                ck_assert(v.u.vector.items[0].v == 1 + (i % 20) + i);
            } else {
                ck_assert_int_eq(v.kind, VALUE_MATRIX);
                ck_assert_uint_eq(v.u.matrix.items[0].count, 5);
                ck_assert(v.u.matrix.items[0].samples[4].v == 5 + i);
            }
            prom_call_stats st;
            prom_call_get_stats(calls[i], &st);
            ck_assert_int_eq(st.attempts, 1);
            new_conns += st.new_connections;
        }
        /* At most one connection per parallel slot; none in the second round. */
        if (round == 0)
            ck_assert_int_le(new_conns, 4);
        else
            ck_assert_int_eq(new_conns, 0);
        http_batch_free(b);
    }
    arena_free(&a);
    free_source(src);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_prometheus");
    TCase *tc = tcase_create("prometheus-2.42");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_instant_query);
    tcase_add_test(tc, test_times_exact);
    tcase_add_test(tc, test_range_query);
    tcase_add_test(tc, test_select_boundaries);
    tcase_add_test(tc, test_buildinfo_v2);
    tcase_add_test(tc, test_server_errors);
    tcase_add_test(tc, test_parallel_batch_and_reuse);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (sloeval_global_init() != 0) return EXIT_FAILURE;
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    sloeval_global_cleanup();
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
