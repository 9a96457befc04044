/*
 * Unit tests of the public query API (include/sloeval/query.h) over
 * in-memory sources, through the public headers only: instant and range
 * queries against the engine's own answers and against instant queries at
 * every step (Prometheus's steps: start, start + step, ... <= end), shards
 * merged exactly, Prometheus's range checks and messages, the grammar and
 * semantics choice, explain, statistics, setup warnings, and the value
 * formatters.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sloeval.h"

#define T0   1700000000000LL /* ms */
#define STEP 15000LL         /* the data's sample interval */
#define N    120             /* samples per series: 30 minutes */

/* Counters: requests_total{code, shard}: code 200 grows by 10 per sample,
 * 500 by 1 (with a reset half-way), on two "shards" of one data set. */
static const struct {
    const char *code;
    const char *shard;
} series_def[] = {{"200", "a"}, {"500", "a"}, {"200", "b"}, {"500", "b"}};

static double sample_value(size_t s, int i)
{
    double step = !strcmp(series_def[s].code, "200") ? 10 : 1;
    if (s == 3 && i >= N / 2) return (i - N / 2) * step; /* a counter reset */
    return i * step * (double)(s + 1);
}

/* The series whose shard is `shard` (NULL: all) into a new memory source. */
static sloeval_source *make_source(const char *shard, sloeval_compat compat)
{
    sloeval_source *src = NULL;
    ck_assert_int_eq(sloeval_source_new_memory(&src, compat), 0);
    for (size_t s = 0; s < sizeof series_def / sizeof series_def[0]; s++) {
        if (shard && strcmp(shard, series_def[s].shard)) continue;
        sloeval_label ls[] = {{"__name__", "requests_total"},
                              {"code", series_def[s].code},
                              {"shard", series_def[s].shard}};
        for (int i = 0; i < N; i++) {
            sloeval_error err = SLOEVAL_ERROR_INIT;
            int rc = sloeval_memory_append(src, ls, 3, T0 + i * STEP, sample_value(s, i), &err);
            ck_assert_msg(rc == 0, "append: %s", err.message);
        }
    }
    return src;
}

static sloeval_query *make_query(sloeval_source **srcs, size_t n, const sloeval_query_options *o)
{
    sloeval_query *q = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_query_new(&q, srcs, n, o, &err);
    ck_assert_msg(rc == 0, "sloeval_query_new: %s", err.message);
    ck_assert_ptr_nonnull(q);
    return q;
}

/* The JSON data object of a result (a malloc'd copy); frees the result. */
static char *json_of(sloeval_result *r)
{
    ck_assert_ptr_nonnull(r);
    const char *j = sloeval_result_json(r, NULL);
    ck_assert_ptr_nonnull(j);
    char *copy = strdup(j);
    sloeval_result_free(r);
    return copy;
}

static char *engine_json(sloeval_source *src, const char *text, int64_t start, int64_t end,
                         int64_t step)
{
    sloeval_expr *expr = NULL;
    sloeval_engine *eng = NULL;
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_expr_parse(&expr, text, strlen(text), NULL, &err), 0);
    ck_assert_int_eq(sloeval_engine_new(&eng, NULL, &err), 0);
    int rc = step ? sloeval_engine_query_range(&r, eng, src, expr, start, end, step, &err)
                  : sloeval_engine_query_instant(&r, eng, src, expr, start, &err);
    ck_assert_msg(rc == 0, "engine: %s: %s", text, err.message);
    sloeval_engine_free(eng);
    sloeval_expr_free(expr);
    return json_of(r);
}

static sloeval_result *instant(sloeval_query *q, const char *text, int64_t t)
{
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_query_instant(&r, q, text, strlen(text), t, &err);
    ck_assert_msg(rc == 0, "instant %s: %s", text, err.message);
    return r;
}

static sloeval_result *range(sloeval_query *q, const char *text, int64_t start, int64_t end,
                             int64_t step)
{
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_query_range(&r, q, text, strlen(text), start, end, step, &err);
    ck_assert_msg(rc == 0, "range %s: %s", text, err.message);
    return r;
}

static const char *const exprs[] = {
    "requests_total",
    "rate(requests_total[5m])",
    "sum by (code) (rate(requests_total[5m]))",
    "sum(rate(requests_total{code=\"500\"}[5m])) / sum(rate(requests_total[5m]))",
    "max_over_time(requests_total[10m]) - min(requests_total)",
    "avg(increase(requests_total[2m]))",
    "count(requests_total > 100)",
    "scalar(sum(requests_total)) * 2",
    "time()",
};

/* The modes an in-memory source takes (it evaluates no query itself). */
static const sloeval_query_mode modes[] = {SLOEVAL_QUERY_MODE_AUTO, SLOEVAL_QUERY_MODE_LOCAL};

/* Instant and range over one in-memory source: the engine's answers, in
 * both modes. */
START_TEST(test_memory_matches_engine)
{
    sloeval_source *src = make_source(NULL, SLOEVAL_COMPAT_V3);
    int64_t t = T0 + 20 * 60000 + 7;
    int64_t start = T0 + 5 * 60000, end = T0 + 25 * 60000 + 1, step = 60000;
    for (size_t m = 0; m < 2; m++) {
        sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
        o.mode = modes[m];
        sloeval_query *q = make_query(&src, 1, &o);
        for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
            char *want = engine_json(src, exprs[e], t, t, 0);
            char *got = json_of(instant(q, exprs[e], t));
            ck_assert_msg(!strcmp(want, got), "mode %d instant %s:\n want %.1500s\n got  %.1500s",
                          (int)modes[m], exprs[e], want, got);
            free(want);
            free(got);
            want = engine_json(src, exprs[e], start, end, step);
            got = json_of(range(q, exprs[e], start, end, step));
            ck_assert_msg(!strcmp(want, got), "mode %d range %s:\n want %.1500s\n got  %.1500s",
                          (int)modes[m], exprs[e], want, got);
            free(want);
            free(got);
        }
        sloeval_query_free(q);
    }
    sloeval_source_free(src);
}
END_TEST

/* A range query is the instant query at start, start + step, ... <= end:
 * the points of every series are those instant answers, nothing else. */
START_TEST(test_range_is_instant_per_step)
{
    sloeval_source *src = make_source(NULL, SLOEVAL_COMPAT_V3);
    sloeval_query *q = make_query(&src, 1, NULL);
    /* (end - start) is not a multiple of step: the last step is <= end. */
    int64_t start = T0 + 3 * 60000 + 500, step = 47000, end = start + 10 * step + 46999;
    const char *text = "sum by (code) (rate(requests_total[3m]))";
    sloeval_result *r = range(q, text, start, end, step);
    ck_assert_int_eq(sloeval_result_type(r), SLOEVAL_TYPE_MATRIX);
    ck_assert_int_eq(sloeval_result_series_count(r), 2);
    for (size_t s = 0; s < 2; s++) {
        size_t n;
        const sloeval_sample *pts = sloeval_result_samples(r, s, &n);
        ck_assert_uint_eq(n, 11);
        for (size_t k = 0; k < n; k++) {
            int64_t t = start + (int64_t)k * step;
            ck_assert_int_eq(pts[k].t_ms, t);
            sloeval_result *ir = instant(q, text, t);
            const char *code = sloeval_result_label_value(r, s, "code");
            int found = 0;
            for (size_t i = 0; i < sloeval_result_series_count(ir); i++) {
                if (strcmp(sloeval_result_label_value(ir, i, "code"), code)) continue;
                size_t c;
                const sloeval_sample *v = sloeval_result_samples(ir, i, &c);
                ck_assert_uint_eq(c, 1);
                ck_assert_msg(v[0].value == pts[k].value, "code %s at %lld: %.17g != %.17g", code,
                              (long long)t, v[0].value, pts[k].value);
                found = 1;
            }
            ck_assert_msg(found, "code %s missing at %lld", code, (long long)t);
            sloeval_result_free(ir);
        }
    }
    sloeval_result_free(r);
    /* One step when start == end. */
    r = range(q, "vector(1)", T0, T0, 1000);
    size_t n;
    ck_assert_ptr_nonnull(sloeval_result_samples(r, 0, &n));
    ck_assert_uint_eq(n, 1);
    sloeval_result_free(r);
    sloeval_query_free(q);
    sloeval_source_free(src);
}
END_TEST

/* Two shards of one data set answer as the whole data set does. */
START_TEST(test_shards_merge)
{
    sloeval_source *all = make_source(NULL, SLOEVAL_COMPAT_V3);
    sloeval_source *shards[2] = {make_source("a", SLOEVAL_COMPAT_V3),
                                 make_source("b", SLOEVAL_COMPAT_V3)};
    sloeval_query *whole = make_query(&all, 1, NULL);
    int64_t t = T0 + 20 * 60000, start = T0 + 5 * 60000, end = T0 + 25 * 60000, step = 30000;
    for (size_t m = 0; m < 2; m++) {
        sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
        o.mode = modes[m];
        sloeval_query *q = make_query(shards, 2, &o);
        ck_assert_uint_eq(sloeval_query_source_count(q), 2);
        ck_assert_ptr_eq(sloeval_query_source(q, 1), shards[1]);
        ck_assert_ptr_null(sloeval_query_source(q, 2));
        for (size_t e = 0; e < sizeof exprs / sizeof exprs[0]; e++) {
            char *want = json_of(instant(whole, exprs[e], t));
            char *got = json_of(instant(q, exprs[e], t));
            ck_assert_msg(!strcmp(want, got), "instant %s:\n want %.1500s\n got  %.1500s", exprs[e],
                          want, got);
            free(want);
            free(got);
            want = json_of(range(whole, exprs[e], start, end, step));
            got = json_of(range(q, exprs[e], start, end, step));
            ck_assert_msg(!strcmp(want, got), "range %s:\n want %.1500s\n got  %.1500s", exprs[e],
                          want, got);
            free(want);
            free(got);
        }
        sloeval_query_free(q);
    }
    /* Pushdown needs sources that evaluate queries. */
    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    o.mode = SLOEVAL_QUERY_MODE_PUSHDOWN;
    sloeval_query *pq = make_query(shards, 2, &o);
    sloeval_result *pr = NULL;
    sloeval_error perr = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_query_range(&pr, pq, "up", 2, start, end, step, &perr),
                     SLOEVAL_EINVAL);
    ck_assert_ptr_null(pr);
    ck_assert_msg(strstr(perr.message, "mode pushdown") != NULL, "%s", perr.message);
    sloeval_query_free(pq);
    /* The same series in two shards is an error, never a doubled sum. */
    sloeval_source *twice[2] = {shards[0], shards[0]};
    sloeval_query *q = make_query(twice, 2, NULL);
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *text = "sum(requests_total)";
    ck_assert_int_eq(sloeval_query_instant(&r, q, text, strlen(text), t, &err), SLOEVAL_EDATA);
    ck_assert_ptr_null(r);
    ck_assert_msg(strstr(err.message, "requests_total") != NULL, "%s", err.message);
    sloeval_query_free(q);
    sloeval_query_free(whole);
    sloeval_source_free(shards[0]);
    sloeval_source_free(shards[1]);
    sloeval_source_free(all);
}
END_TEST

static int range_error(sloeval_query *q, const char *text, int64_t start, int64_t end, int64_t step,
                       sloeval_error *err)
{
    sloeval_result *r = (sloeval_result *)&r; /* must be reset to NULL */
    sloeval_error_clear(err);
    int rc = sloeval_query_range(&r, q, text, strlen(text), start, end, step, err);
    ck_assert_ptr_null(r);
    return rc;
}

/* Prometheus's checks of a range query, in its order, with its messages. */
START_TEST(test_range_errors)
{
    sloeval_source *src = make_source(NULL, SLOEVAL_COMPAT_V3);
    sloeval_query *q = make_query(&src, 1, NULL);
    sloeval_error err;
    ck_assert_int_eq(range_error(q, "up", T0, T0 - 1, 0, &err), SLOEVAL_EINVAL);
    ck_assert_str_eq(err.message, "end timestamp must not be before start time");
    ck_assert_int_eq(range_error(q, "up", T0, T0, 0, &err), SLOEVAL_EINVAL);
    ck_assert_str_eq(err.message, "zero or negative query resolution step widths are not "
                                  "accepted. Try a positive integer");
    ck_assert_int_eq(range_error(q, "up", T0, T0, -5, &err), SLOEVAL_EINVAL);
    /* 11,000 intervals (11,001 points) pass, one more does not. */
    sloeval_result *r = range(q, "vector(1)", T0, T0 + 11000 * 1000LL, 1000);
    size_t n;
    sloeval_result_samples(r, 0, &n);
    ck_assert_uint_eq(n, 11001);
    sloeval_result_free(r);
    ck_assert_int_eq(range_error(q, "vector(1)", T0, T0 + 11001 * 1000LL, 1000, &err),
                     SLOEVAL_ELIMIT);
    ck_assert_str_eq(err.message, "exceeded maximum resolution of 11,000 points per timeseries. "
                                  "Try decreasing the query resolution (?step=XX)");
    ck_assert_int_eq(range_error(q, "requests_total[5m]", T0, T0, 1000, &err), SLOEVAL_EPARSE);
    ck_assert_str_eq(err.message, "invalid expression type \"range vector\" for range query, "
                                  "must be Scalar or instant Vector");
    ck_assert_int_eq(range_error(q, "\"text\"", T0, T0, 1000, &err), SLOEVAL_EPARSE);
    ck_assert_str_eq(err.message, "invalid expression type \"string\" for range query, must be "
                                  "Scalar or instant Vector");
    ck_assert_int_eq(range_error(q, "sum(", T0, T0, 1000, &err), SLOEVAL_EPARSE);
    ck_assert_int_eq(err.line, 1);
    ck_assert_int_eq(err.column, 5);
    sloeval_query_free(q);
    sloeval_source_free(src);
}
END_TEST

/* Instant queries: a range vector is a matrix; errors with positions;
 * what the engine cannot evaluate is refused, with its position. */
START_TEST(test_instant_results_and_errors)
{
    sloeval_source *src = make_source(NULL, SLOEVAL_COMPAT_V3);
    sloeval_query *q = make_query(&src, 1, NULL);
    int64_t t = T0 + 60000;
    sloeval_result *r = instant(q, "requests_total{code=\"500\",shard=\"a\"}[1m]", t);
    ck_assert_int_eq(sloeval_result_type(r), SLOEVAL_TYPE_MATRIX);
    size_t n;
    sloeval_result_samples(r, 0, &n);
    ck_assert_uint_eq(n, 4); /* (t - 1m, t]: 3.x's left-open window */
    sloeval_result_free(r);
    r = instant(q, "\"hello\"", t);
    ck_assert_str_eq(sloeval_result_json(r, NULL),
                     "{\"resultType\":\"string\",\"result\":[1700000060,\"hello\"]}");
    sloeval_result_free(r);

    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *bad = "sum(rate(x[5m])\n  by (a)";
    ck_assert_int_eq(sloeval_query_instant(&r, q, bad, strlen(bad), t, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_null(r);
    ck_assert_int_gt(err.line, 0);
    sloeval_error_clear(&err);
    const char *unsupported = "label_replace(requests_total, \"a\", \"$1\", \"code\", \"(.*)\") "
                              "+ holt_winters(requests_total[5m], 0.5, 0.5)";
    int rc = sloeval_query_instant(&r, q, unsupported, strlen(unsupported), t, &err);
    ck_assert_msg(rc == SLOEVAL_EUNSUPPORTED || rc == SLOEVAL_EPARSE, "rc %d: %s", rc, err.message);
    ck_assert_ptr_null(r);
    sloeval_query_free(q);
    sloeval_source_free(src);
}
END_TEST

/* Grammar and semantics: V2/V3 fixed, or AUTO from the sources. */
START_TEST(test_compat)
{
    sloeval_source *v2 = make_source("a", SLOEVAL_COMPAT_V2);
    sloeval_source *v3 = make_source("b", SLOEVAL_COMPAT_V3);
    sloeval_compat c = SLOEVAL_COMPAT_AUTO;
    sloeval_error err = SLOEVAL_ERROR_INIT;

    sloeval_query *q = make_query(&v2, 1, NULL);
    ck_assert_int_eq(sloeval_query_compat(&c, q, &err), 0);
    ck_assert_int_eq(c, SLOEVAL_COMPAT_V2);
    /* 2.x's closed window: 5 samples in [t - 1m, t], 3.x's 4. */
    int64_t t = T0 + 60000;
    sloeval_result *r = instant(q, "count_over_time(requests_total{code=\"200\"}[1m])", t);
    size_t n;
    const sloeval_sample *s = sloeval_result_samples(r, 0, &n);
    ck_assert_double_eq(s[0].value, 5);
    sloeval_result_free(r);
    sloeval_query_free(q);

    sloeval_source *both[2] = {v2, v3};
    q = make_query(both, 2, NULL);
    ck_assert_int_eq(sloeval_query_compat(&c, q, &err), 0);
    ck_assert_int_eq(c, SLOEVAL_COMPAT_V3); /* they disagree */
    sloeval_query_free(q);

    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    o.compat = SLOEVAL_COMPAT_V3;
    q = make_query(&v2, 1, &o);
    ck_assert_int_eq(sloeval_query_compat(&c, q, &err), 0);
    ck_assert_int_eq(c, SLOEVAL_COMPAT_V3);
    r = instant(q, "count_over_time(requests_total{code=\"200\"}[1m])", t);
    s = sloeval_result_samples(r, 0, &n);
    ck_assert_double_eq(s[0].value, 4);
    sloeval_result_free(r);
    sloeval_query_free(q);

    /* Parsing: 3.x's grammar accepts quoted metric names, 2.x's does not;
     * AUTO takes either. */
    const char *text = "{\"requests_total\"}";
    sloeval_expr *e = NULL;
    o.compat = SLOEVAL_COMPAT_V2;
    ck_assert_int_eq(sloeval_query_parse(&e, text, strlen(text), &o, &err), SLOEVAL_EPARSE);
    ck_assert_ptr_null(e);
    sloeval_error_clear(&err);
    o.compat = SLOEVAL_COMPAT_AUTO;
    ck_assert_int_eq(sloeval_query_parse(&e, text, strlen(text), &o, &err), 0);
    ck_assert_int_eq(sloeval_expr_compat(e), SLOEVAL_COMPAT_V3);
    sloeval_expr_free(e);
    /* The error of a text neither grammar takes is 3.x's. */
    ck_assert_int_eq(sloeval_query_parse(&e, "1 +", 3, NULL, &err), SLOEVAL_EPARSE);
    ck_assert_int_eq(err.column, 4);
    sloeval_error_clear(&err);
    /* Over a 2.x source, a 3.x-only text is a parse error of the query. */
    q = make_query(&v2, 1, NULL);
    ck_assert_int_eq(sloeval_query_instant(&r, q, text, strlen(text), t, &err), SLOEVAL_EPARSE);
    sloeval_query_free(q);
    sloeval_source_free(v2);
    sloeval_source_free(v3);
}
END_TEST

/* Explain and statistics describe the last query only. */
START_TEST(test_explain_and_stats)
{
    sloeval_source *shards[2] = {make_source("a", SLOEVAL_COMPAT_V3),
                                 make_source("b", SLOEVAL_COMPAT_V3)};
    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    sloeval_query *q = make_query(shards, 2, &o);
    sloeval_query_stats st = SLOEVAL_QUERY_STATS_INIT;
    ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
    ck_assert_uint_eq(st.requests, 0);
    sloeval_result_free(instant(q, "sum(requests_total)", T0));
    ck_assert_str_eq(sloeval_query_explain(q), "");
    ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
    ck_assert_uint_eq(st.requests, 2); /* one selection per shard */
    ck_assert_uint_eq(sloeval_query_request_count(q), 2);
    for (size_t i = 0; i < 2; i++) {
        sloeval_query_request rq = SLOEVAL_QUERY_REQUEST_INIT;
        ck_assert_int_eq(sloeval_query_request_get(q, i, &rq), 0);
        ck_assert_str_eq(rq.source, "the in-memory source");
        ck_assert_str_eq(rq.kind, "select");
        ck_assert_str_eq(rq.text, "{__name__=\"requests_total\"}");
        ck_assert_int_eq(rq.end_ms, T0);
        ck_assert_int_eq(rq.start_ms, T0 - 300000); /* the lookback window */
        ck_assert_int_eq(rq.step_ms, 0);
        ck_assert_int_eq(rq.code, 0);
        ck_assert_int_eq(rq.attempts, 0);
        ck_assert_double_eq(rq.server_seconds, -1);
    }
    {
        sloeval_query_request rq = SLOEVAL_QUERY_REQUEST_INIT;
        ck_assert_int_eq(sloeval_query_request_get(q, 2, &rq), SLOEVAL_EINVAL);
        rq.version = 0;
        ck_assert_int_eq(sloeval_query_request_get(q, 0, &rq), SLOEVAL_EINVAL);
    }
    ck_assert(st.seconds >= 0 && st.fetch_seconds >= 0 && st.eval_seconds >= 0);
    ck_assert(st.seconds >= st.fetch_seconds);
    ck_assert_double_eq(st.server_seconds, -1);
    st.version = 99;
    ck_assert_int_eq(sloeval_query_get_stats(q, &st), SLOEVAL_EINVAL);
    st.version = SLOEVAL_QUERY_STATS_VERSION;
    sloeval_query_free(q);

    /* In-memory sources report no server time, asked or not. */
    o.server_stats = true;
    q = make_query(shards, 2, &o);
    sloeval_result_free(instant(q, "sum(requests_total)", T0));
    ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
    ck_assert_double_eq(st.server_seconds, -1);
    sloeval_query_free(q);

    o.explain = true;
    q = make_query(shards, 2, &o);
    sloeval_result_free(range(q, "sum(rate(requests_total[5m]))", T0, T0 + 600000, 60000));
    const char *plan = sloeval_query_explain(q);
    ck_assert_msg(strstr(plan, "requests_total") != NULL, "%s", plan);
    ck_assert_msg(strstr(plan, "range") != NULL, "%s", plan);
    ck_assert_int_eq(plan[strlen(plan) - 1], '\n');
    /* A failing query keeps no stale plan. */
    sloeval_result *r = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_query_instant(&r, q, "sum(", 4, T0, &err), SLOEVAL_EPARSE);
    ck_assert_str_eq(sloeval_query_explain(q), "");
    st = (sloeval_query_stats)SLOEVAL_QUERY_STATS_INIT;
    ck_assert_int_eq(sloeval_query_get_stats(q, &st), 0);
    ck_assert_uint_eq(st.requests, 0);
    ck_assert_uint_eq(sloeval_query_request_count(q), 0);
    sloeval_query_free(q);
    sloeval_source_free(shards[0]);
    sloeval_source_free(shards[1]);
}
END_TEST

/* Bad arguments and options are SLOEVAL_EINVAL with a message. */
START_TEST(test_arguments)
{
    sloeval_source *src = make_source("a", SLOEVAL_COMPAT_V3);
    sloeval_query *q = (sloeval_query *)&q;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_query_new(&q, NULL, 0, NULL, &err), SLOEVAL_EINVAL);
    ck_assert_ptr_null(q);
    sloeval_error_clear(&err);
    sloeval_source *nulls[2] = {src, NULL};
    ck_assert_int_eq(sloeval_query_new(&q, nulls, 2, NULL, &err), SLOEVAL_EINVAL);
    ck_assert_msg(strstr(err.message, "source 1") != NULL, "%s", err.message);
    sloeval_error_clear(&err);
    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    o.version = 7;
    ck_assert_int_eq(sloeval_query_new(&q, &src, 1, &o, &err), SLOEVAL_EINVAL);
    ck_assert_msg(strstr(err.message, "version") != NULL, "%s", err.message);
    sloeval_error_clear(&err);
    o = (sloeval_query_options)SLOEVAL_QUERY_OPTIONS_INIT;
    o.mode = (sloeval_query_mode)5;
    ck_assert_int_eq(sloeval_query_new(&q, &src, 1, &o, &err), SLOEVAL_EINVAL);
    sloeval_error_clear(&err);
    o = (sloeval_query_options)SLOEVAL_QUERY_OPTIONS_INIT;
    o.lookback_delta_ms = -1;
    ck_assert_int_eq(sloeval_query_new(&q, &src, 1, &o, &err), SLOEVAL_EINVAL);
    sloeval_error_clear(&err);
    ck_assert_int_eq(sloeval_query_new_urls(&q, NULL, 0, NULL, NULL, &err), SLOEVAL_EINVAL);
    sloeval_error_clear(&err);
    q = make_query(&src, 1, NULL);
    sloeval_result *r = NULL;
    ck_assert_int_eq(sloeval_query_instant(&r, q, NULL, 3, T0, &err), SLOEVAL_EINVAL);
    ck_assert_int_eq(sloeval_query_instant(NULL, q, "1", 1, T0, NULL), SLOEVAL_EINVAL);
    /* The lookback delta reaches local evaluation. */
    sloeval_query_free(q);
    o = (sloeval_query_options)SLOEVAL_QUERY_OPTIONS_INIT;
    o.lookback_delta_ms = 1000;
    q = make_query(&src, 1, &o);
    r = instant(q, "requests_total", T0 + 5000); /* 5 s after the first sample */
    ck_assert_uint_eq(sloeval_result_series_count(r), 0);
    sloeval_result_free(r);
    sloeval_query_free(q);
    sloeval_query_free(NULL);
    ck_assert_str_eq(sloeval_query_explain(NULL), "");
    ck_assert_uint_eq(sloeval_query_source_count(NULL), 0);
    sloeval_source_free(src);
}
END_TEST

static void collect_warning(const char *message, void *payload)
{
    char *buf = payload;
    strncat(buf, message, 1023 - strlen(buf));
    strncat(buf, "|", 1023 - strlen(buf));
}

/* Setup warnings go to the callback as each source is made; no request. */
START_TEST(test_url_warnings)
{
    ck_assert_int_eq(sloeval_global_init(), 0);
    char seen[1024] = "";
    sloeval_query_options o = SLOEVAL_QUERY_OPTIONS_INIT;
    o.on_warning = collect_warning;
    o.warning_payload = seen;
    sloeval_prometheus_options http = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    http.tls_insecure_skip_verify = 1;
    const char *urls[] = {"https://user:secret@127.0.0.1:1", "https://127.0.0.1:2/prefix"};
    sloeval_query *q = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_query_new_urls(&q, urls, 2, &http, &o, &err), 0);
    ck_assert_uint_eq(sloeval_query_source_count(q), 2);
    ck_assert_str_eq(sloeval_prometheus_url(sloeval_query_source(q, 1)),
                     "https://127.0.0.1:2/prefix");
    ck_assert_msg(strstr(seen, "127.0.0.1:1") && strstr(seen, "127.0.0.1:2/prefix"), "%s", seen);
    ck_assert_msg(strstr(seen, "secret") == NULL, "%s", seen);
    sloeval_query_free(q);
    /* A bad URL fails the handle, naming it. */
    const char *bad[] = {"http://127.0.0.1:1", "ftp://example.com"};
    ck_assert_int_eq(sloeval_query_new_urls(&q, bad, 2, NULL, NULL, &err), SLOEVAL_ECONFIG);
    ck_assert_ptr_null(q);
    ck_assert_msg(strstr(err.message, "http://") != NULL, "%s", err.message);
    sloeval_global_cleanup();
}
END_TEST

static const char *fmt(double v)
{
    static char buf[64];
    size_t n = sloeval_float_format(buf, sizeof buf, v);
    ck_assert_uint_eq(n, strlen(buf));
    return buf;
}

static const char *fmt_ts(int64_t ms)
{
    static char buf[64];
    size_t n = sloeval_timestamp_format(buf, sizeof buf, ms);
    ck_assert_uint_eq(n, strlen(buf));
    return buf;
}

/* Values and timestamps as Prometheus's API writes them. */
START_TEST(test_format)
{
    ck_assert_str_eq(fmt(1), "1");
    ck_assert_str_eq(fmt(0.1), "0.1");
    ck_assert_str_eq(fmt(1e-7), "1e-07");
    ck_assert_str_eq(fmt(1.5e21), "1.5e+21");
    ck_assert_str_eq(fmt(123456789012345678901.0), "123456789012345680000");
    ck_assert_str_eq(fmt(3.0000000000000004), "3.0000000000000004");
    ck_assert_str_eq(fmt(-0.0), "-0");
    ck_assert_str_eq(fmt(NAN), "NaN");
    ck_assert_str_eq(fmt(INFINITY), "+Inf");
    ck_assert_str_eq(fmt(-INFINITY), "-Inf");
    ck_assert_str_eq(fmt(-1.7976931348623157e308), "-1.7976931348623157e+308");
    ck_assert_str_eq(fmt(5e-324), "5e-324");
    /* snprintf's contract: cut to fit, the full length returned. */
    char small[4] = "xxx";
    ck_assert_uint_eq(sloeval_float_format(small, sizeof small, 0.125), 5);
    ck_assert_str_eq(small, "0.1");
    ck_assert_uint_eq(sloeval_float_format(NULL, 0, 0.125), 5);

    ck_assert_str_eq(fmt_ts(1435781451781LL), "1435781451.781");
    ck_assert_str_eq(fmt_ts(1435781451050LL), "1435781451.050");
    ck_assert_str_eq(fmt_ts(1435781451000LL), "1435781451");
    ck_assert_str_eq(fmt_ts(0), "0");
    ck_assert_uint_eq(sloeval_timestamp_format(small, sizeof small, 1435781451781LL), 14);
    ck_assert_str_eq(small, "143");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("query_api");
    TCase *tc = tcase_create("query");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_memory_matches_engine);
    tcase_add_test(tc, test_range_is_instant_per_step);
    tcase_add_test(tc, test_shards_merge);
    tcase_add_test(tc, test_range_errors);
    tcase_add_test(tc, test_instant_results_and_errors);
    tcase_add_test(tc, test_compat);
    tcase_add_test(tc, test_explain_and_stats);
    tcase_add_test(tc, test_arguments);
    tcase_add_test(tc, test_url_warnings);
    tcase_add_test(tc, test_format);
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
