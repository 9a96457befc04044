/*
 * Unit tests of the public API's conventions (include/sloeval/common.h):
 *   - every entry point that takes a sloeval_error resets it, so a reused
 *     struct never shows an earlier call's message (the table below names
 *     every such entry point; tests/packaging/check_error_reset.py fails
 *     when a header declares one that the table misses);
 *   - option structs of every version from 1 to the current one are read,
 *     an older (smaller) one up to its own fields, and unknown versions are
 *     refused with a clear message;
 *   - the status of a check is one number: exit code and metric value;
 *   - getters by index answer NULL past the end.
 */
#include <check.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "faultserver.h"
#include "sloeval.h"

/* ---- a dirty error struct at every entry point ------------------------------ */

/* An error struct as an earlier failing call leaves it. */
static void dirty(sloeval_error *err)
{
    memset(err, 0, sizeof(*err));
    err->code = SLOEVAL_ETIMEOUT;
    err->start = 3;
    err->end = 9;
    err->line = 7;
    err->column = 5;
    err->http_status = 503;
    snprintf(err->message, sizeof err->message, "STALE message of an earlier call");
}

/* After a call that returned rc: the struct describes this call only. */
static void assert_fresh(const char *entry, int rc, const sloeval_error *err)
{
    ck_assert_msg(err->code == rc, "%s: returned %d, err.code %d", entry, rc, err->code);
    ck_assert_msg(!strstr(err->message, "STALE"), "%s: kept the earlier message: %s", entry,
                  err->message);
    if (rc == 0) {
        ck_assert_msg(err->message[0] == '\0', "%s: succeeded with message '%s'", entry,
                      err->message);
        ck_assert_msg(err->line == 0 && err->column == 0 && err->http_status == 0 &&
                          err->start == 0 && err->end == 0,
                      "%s: succeeded with a position or HTTP status left over", entry);
    } else {
        ck_assert_msg(err->message[0] != '\0', "%s: failed without a message", entry);
        ck_assert_msg(err->http_status != 503, "%s: kept the earlier HTTP status", entry);
    }
}

static const char config[] = "backends:\n"
                             "  global: {url: \"http://127.0.0.1:1\", retries: 0}\n"
                             "slos:\n"
                             "  - name: avail\n"
                             "    objective: 99.9\n"
                             "    labels: {team: a, tier: \"1\"}\n"
                             "    sli:\n"
                             "      error_query: sum(rate(e[{{window}}]))\n"
                             "      total_query: sum(rate(t[{{window}}]))\n"
                             "alerts:\n"
                             "  - name: Up\n"
                             "    expr: up == 0\n"
                             "    labels: {severity: page}\n";

/* Each entry point, called twice with a dirty struct: once to succeed
 * (where a call can succeed without a server) and once to fail. */
START_TEST(test_error_reset_at_every_entry_point)
{
    sloeval_error err;
    int rc;
    ck_assert_int_eq(sloeval_global_init(), 0);

    /* sloeval_error_clear */
    dirty(&err);
    sloeval_error_clear(&err);
    assert_fresh("sloeval_error_clear", 0, &err);

    /* sloeval_expr_parse, sloeval_expr_print, sloeval_expr_to_json */
    sloeval_expr *expr = NULL;
    dirty(&err);
    rc = sloeval_expr_parse(&expr, "sum(", 4, NULL, &err);
    ck_assert_int_eq(rc, SLOEVAL_EPARSE);
    assert_fresh("sloeval_expr_parse", rc, &err);
    dirty(&err);
    rc = sloeval_expr_parse(&expr, "rate(x[5m])", 11, NULL, &err);
    assert_fresh("sloeval_expr_parse", rc, &err);
    char *text = NULL;
    dirty(&err);
    rc = sloeval_expr_print(&text, expr, &err);
    assert_fresh("sloeval_expr_print", rc, &err);
    free(text);
    dirty(&err);
    rc = sloeval_expr_to_json(&text, expr, &err);
    assert_fresh("sloeval_expr_to_json", rc, &err);
    free(text);

    /* sloeval_engine_new, _check, _query_instant, _query_range */
    sloeval_engine_options eo = SLOEVAL_ENGINE_OPTIONS_INIT;
    eo.version = 0;
    sloeval_engine *eng = NULL;
    dirty(&err);
    rc = sloeval_engine_new(&eng, &eo, &err);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    assert_fresh("sloeval_engine_new", rc, &err);
    dirty(&err);
    rc = sloeval_engine_new(&eng, NULL, &err);
    assert_fresh("sloeval_engine_new", rc, &err);
    dirty(&err);
    rc = sloeval_engine_check(expr, SLOEVAL_COMPAT_V3, &err);
    assert_fresh("sloeval_engine_check", rc, &err);
    dirty(&err);
    rc = sloeval_engine_check(NULL, SLOEVAL_COMPAT_V3, &err);
    assert_fresh("sloeval_engine_check", rc, &err);

    /* the in-memory source: sloeval_memory_load_openmetrics, _file, _append, _get_stats */
    sloeval_source *mem = NULL;
    ck_assert_int_eq(sloeval_source_new_memory(&mem, SLOEVAL_COMPAT_V3), 0);
    const char *om = "x_total 1 60\nx_total 2 120\n# EOF\n";
    dirty(&err);
    rc = sloeval_memory_load_openmetrics(mem, "x 1 2 3 4\n", 10, "bad.om", &err);
    assert_fresh("sloeval_memory_load_openmetrics", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_memory_load_openmetrics(mem, om, strlen(om), "ok.om", &err);
    assert_fresh("sloeval_memory_load_openmetrics", rc, &err);
    dirty(&err);
    rc = sloeval_memory_load_openmetrics_file(mem, "/nonexistent/x.om", &err);
    assert_fresh("sloeval_memory_load_openmetrics_file", rc, &err);
    ck_assert_int_ne(rc, 0);
    sloeval_label lbl = {"__name__", "y"};
    dirty(&err);
    rc = sloeval_memory_append(mem, &lbl, 1, 1000, 1.0, &err);
    assert_fresh("sloeval_memory_append", rc, &err);
    dirty(&err);
    rc = sloeval_memory_append(mem, &lbl, 1, 500, 1.0, &err); /* older than the last sample */
    assert_fresh("sloeval_memory_append", rc, &err);
    ck_assert_int_ne(rc, 0);
    sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
    dirty(&err);
    rc = sloeval_memory_get_stats(&st, mem, &err);
    assert_fresh("sloeval_memory_get_stats", rc, &err);
    dirty(&err);
    rc = sloeval_memory_get_stats(&st, NULL, &err);
    assert_fresh("sloeval_memory_get_stats", rc, &err);

    sloeval_result *res = NULL;
    dirty(&err);
    rc = sloeval_engine_query_instant(&res, eng, mem, expr, 120000, &err);
    assert_fresh("sloeval_engine_query_instant", rc, &err);
    sloeval_result_free(res);
    dirty(&err);
    rc = sloeval_engine_query_instant(&res, eng, NULL, expr, 120000, &err);
    assert_fresh("sloeval_engine_query_instant", rc, &err);
    dirty(&err);
    rc = sloeval_engine_query_range(&res, eng, mem, expr, 60000, 120000, 60000, &err);
    assert_fresh("sloeval_engine_query_range", rc, &err);
    sloeval_result_free(res);
    dirty(&err);
    rc = sloeval_engine_query_range(&res, eng, mem, expr, 60000, 120000, 0, &err);
    assert_fresh("sloeval_engine_query_range", rc, &err);
    sloeval_source_free(mem);
    sloeval_engine_free(eng);
    sloeval_expr_free(expr);

    /* sloeval_source_new_prometheus, sloeval_prometheus_detect_compat */
    sloeval_prometheus_options po = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    sloeval_source *prom = NULL;
    dirty(&err);
    rc = sloeval_source_new_prometheus(&prom, &po, &err); /* no url */
    assert_fresh("sloeval_source_new_prometheus", rc, &err);
    ck_assert_int_ne(rc, 0);
    po.url = "http://127.0.0.1:1";
    po.max_retries = 0;
    dirty(&err);
    rc = sloeval_source_new_prometheus(&prom, &po, &err);
    assert_fresh("sloeval_source_new_prometheus", rc, &err);
    sloeval_compat compat;
    dirty(&err);
    rc = sloeval_prometheus_detect_compat(&compat, prom, NULL, 0, &err); /* refused */
    assert_fresh("sloeval_prometheus_detect_compat", rc, &err);
    ck_assert_int_ne(rc, 0);
    sloeval_source_free(prom);
    po.compat = SLOEVAL_COMPAT_V2;
    ck_assert_int_eq(sloeval_source_new_prometheus(&prom, &po, NULL), 0);
    dirty(&err);
    rc = sloeval_prometheus_detect_compat(&compat, prom, NULL, 0, &err); /* not asked */
    assert_fresh("sloeval_prometheus_detect_compat", rc, &err);
    sloeval_source_free(prom);

    /* sloeval_query_new, _new_urls, _parse, _compat, _instant, _range */
    sloeval_source *qmem = NULL;
    ck_assert_int_eq(sloeval_source_new_memory(&qmem, SLOEVAL_COMPAT_V3), 0);
    sloeval_query *q = NULL;
    dirty(&err);
    rc = sloeval_query_new(&q, NULL, 0, NULL, &err);
    assert_fresh("sloeval_query_new", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_query_new(&q, &qmem, 1, NULL, &err);
    assert_fresh("sloeval_query_new", rc, &err);
    sloeval_expr *qexpr = NULL;
    dirty(&err);
    rc = sloeval_query_parse(&qexpr, "sum(", 4, NULL, &err);
    assert_fresh("sloeval_query_parse", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_query_parse(&qexpr, "sum(x)", 6, NULL, &err);
    assert_fresh("sloeval_query_parse", rc, &err);
    sloeval_expr_free(qexpr);
    dirty(&err);
    rc = sloeval_query_compat(&compat, q, &err);
    assert_fresh("sloeval_query_compat", rc, &err);
    dirty(&err);
    rc = sloeval_query_compat(NULL, q, &err);
    assert_fresh("sloeval_query_compat", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_query_instant(&res, q, "sum(x)", 6, 60000, &err);
    assert_fresh("sloeval_query_instant", rc, &err);
    sloeval_result_free(res);
    dirty(&err);
    rc = sloeval_query_instant(&res, q, "sum(", 4, 60000, &err);
    assert_fresh("sloeval_query_instant", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_query_range(&res, q, "sum(x)", 6, 0, 60000, 15000, &err);
    assert_fresh("sloeval_query_range", rc, &err);
    sloeval_result_free(res);
    dirty(&err);
    rc = sloeval_query_range(&res, q, "sum(x)", 6, 0, 60000, 0, &err);
    assert_fresh("sloeval_query_range", rc, &err);
    ck_assert_int_ne(rc, 0);
    sloeval_query_free(q);
    sloeval_source_free(qmem);
    const char *qurl = "http://127.0.0.1:1";
    dirty(&err);
    rc = sloeval_query_new_urls(&q, &qurl, 1, NULL, NULL, &err);
    assert_fresh("sloeval_query_new_urls", rc, &err);
    sloeval_query_free(q);
    const char *qbad = "ftp://x";
    dirty(&err);
    rc = sloeval_query_new_urls(&q, &qbad, 1, NULL, NULL, &err);
    assert_fresh("sloeval_query_new_urls", rc, &err);
    ck_assert_int_ne(rc, 0);

    /* sloeval_slo_set_load_string, _load_file */
    sloeval_slo_set *set = NULL;
    dirty(&err);
    rc = sloeval_slo_set_load_string(&set, "slos: 3\n", 8, NULL, &err);
    assert_fresh("sloeval_slo_set_load_string", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_slo_set_load_file(&set, "/nonexistent/sloeval.yaml", NULL, &err);
    assert_fresh("sloeval_slo_set_load_file", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_slo_set_load_file(&set, SLOEVAL_SOURCE_DIR "/examples/multi-region.yaml", NULL,
                                   &err);
    assert_fresh("sloeval_slo_set_load_file", rc, &err);
    sloeval_slo_set_free(set);
    dirty(&err);
    rc = sloeval_slo_set_load_string(&set, config, strlen(config), NULL, &err);
    assert_fresh("sloeval_slo_set_load_string", rc, &err);

    /* sloeval_check_run, sloeval_check_report_render, _write_file */
    sloeval_check_report *report = NULL;
    sloeval_check_options co = SLOEVAL_CHECK_OPTIONS_INIT;
    co.time_ms = 1700000000000LL;
    const char *bad_scope = "mars";
    co.scopes = &bad_scope;
    co.nscopes = 1;
    dirty(&err);
    rc = sloeval_check_run(&report, set, &co, &err);
    assert_fresh("sloeval_check_run", rc, &err);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    co.scopes = NULL;
    co.nscopes = 0;
    dirty(&err);
    rc = sloeval_check_run(&report, set, &co, &err); /* runs: the backend fails */
    assert_fresh("sloeval_check_run", rc, &err);
    ck_assert_int_eq(sloeval_check_report_status(report), SLOEVAL_CHECK_INCONCLUSIVE);
    char *out = NULL;
    dirty(&err);
    rc = sloeval_check_report_render(&out, NULL, report, NULL, &err);
    assert_fresh("sloeval_check_report_render", rc, &err);
    free(out);
    sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    ro.format = (sloeval_check_format)42;
    dirty(&err);
    rc = sloeval_check_report_render(&out, NULL, report, &ro, &err);
    assert_fresh("sloeval_check_report_render", rc, &err);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    dirty(&err);
    rc = sloeval_check_report_warning_escaped(&out, report, 1000, &err);
    assert_fresh("sloeval_check_report_warning_escaped", rc, &err);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    dirty(&err);
    rc = sloeval_check_report_write_file("/nonexistent/dir/report.prom", report, NULL, &err);
    assert_fresh("sloeval_check_report_write_file", rc, &err);
    ck_assert_int_ne(rc, 0);
    sloeval_check_report_free(report);
    sloeval_slo_set_free(set);

    /* sloeval_time_parse, sloeval_duration_parse */
    int64_t t;
    dirty(&err);
    rc = sloeval_time_parse(&t, "yesterday", 0, &err);
    assert_fresh("sloeval_time_parse", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_time_parse(&t, "now-1h", 3600000, &err);
    assert_fresh("sloeval_time_parse", rc, &err);
    ck_assert_int_eq(t, 0);
    dirty(&err);
    rc = sloeval_duration_parse(&t, "5 minutes", &err);
    assert_fresh("sloeval_duration_parse", rc, &err);
    ck_assert_int_ne(rc, 0);
    dirty(&err);
    rc = sloeval_duration_parse(&t, "5m", &err);
    assert_fresh("sloeval_duration_parse", rc, &err);

    sloeval_global_cleanup();
}
END_TEST

/* ---- option structs of every version ------------------------------------------ */

/* Version 1 of sloeval_prometheus_options, laid out as the headers that
 * defined it did: every field up to disable_compression. */
typedef struct prometheus_options_v1 {
    unsigned int version;
    const char *url;
    sloeval_compat compat;
    long connect_timeout_ms;
    long timeout_ms;
    long total_timeout_ms;
    int max_retries;
    long retry_backoff_ms;
    long retry_backoff_max_ms;
    uint64_t max_response_bytes;
    int parallelism;
    bool partial_response;
    int dedup;
    const sloeval_http_header *headers;
    size_t nheaders;
    const char *bearer_token_file;
    const char *bearer_token_env;
    const char *basic_auth_user;
    const char *basic_auth_password_file;
    const char *basic_auth_password_env;
    const char *tls_ca_file;
    const char *tls_cert_file;
    const char *tls_key_file;
    bool tls_insecure_skip_verify;
    const char *tenant;
    const char *const *replica_labels;
    size_t nreplica_labels;
    const char *max_source_resolution;
    const char *engine;
    bool disable_compression;
} prometheus_options_v1;

/* The mirror is the current struct's prefix. */
_Static_assert(offsetof(prometheus_options_v1, disable_compression) ==
                   offsetof(sloeval_prometheus_options, disable_compression),
               "prometheus_options_v1 is not a prefix of sloeval_prometheus_options");
_Static_assert(offsetof(prometheus_options_v1, tenant) ==
                   offsetof(sloeval_prometheus_options, tenant),
               "prometheus_options_v1 is not a prefix of sloeval_prometheus_options");

/* The User-Agent the server saw on a buildinfo request made with opts. */
static char *user_agent_sent(faultserver *srv, const void *opts)
{
    faultserver_clear_requests(srv);
    faultserver_respond(srv, 404, NULL, "404 page not found");
    sloeval_source *src = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = sloeval_source_new_prometheus(&src, opts, &err);
    ck_assert_msg(rc == 0, "%s", err.message);
    sloeval_compat compat;
    char warning[256];
    sloeval_prometheus_detect_compat(&compat, src, warning, sizeof warning, &err);
    sloeval_source_free(src);
    ck_assert(faultserver_wait_requests(srv, 1, 5000));
    const char *ua = faultserver_request_header(faultserver_get_request(srv, 0), "User-Agent");
    return ua ? strdup(ua) : NULL;
}

START_TEST(test_older_option_version_is_read)
{
    ck_assert_int_eq(sloeval_global_init(), 0);
    char ebuf[256];
    faultserver *srv = faultserver_start(ebuf, sizeof ebuf);
    ck_assert_msg(srv != NULL, "%s", ebuf);

    /* A program built with the version-1 headers: its struct ends at
     * disable_compression. Allocated at exactly that size, so that reading
     * past it is a heap overflow under AddressSanitizer. */
    prometheus_options_v1 *v1 = malloc(sizeof(*v1));
    ck_assert_ptr_nonnull(v1);
    memset(v1, 0, sizeof(*v1));
    v1->version = 1;
    v1->url = faultserver_url(srv);
    v1->compat = SLOEVAL_COMPAT_AUTO;
    v1->connect_timeout_ms = 5000;
    v1->timeout_ms = 5000;
    v1->total_timeout_ms = 10000;
    v1->retry_backoff_ms = 10;
    v1->retry_backoff_max_ms = 10;
    v1->max_response_bytes = 1 << 20;
    v1->parallelism = 2;
    v1->dedup = -1;
    char *ua = user_agent_sent(srv, v1);
    /* user_agent, added by version 2, takes its default */
    ck_assert_str_eq(ua, "sloeval/" SLOEVAL_VERSION_STRING);
    free(ua);
    free(v1);

    /* the current version sets it */
    sloeval_prometheus_options cur = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
    ck_assert_uint_eq(cur.version, 2);
    cur.url = faultserver_url(srv);
    cur.user_agent = "my-tool/2.1";
    ua = user_agent_sent(srv, &cur);
    ck_assert_str_eq(ua, "my-tool/2.1");
    free(ua);
    faultserver_stop(srv);
    sloeval_global_cleanup();
}
END_TEST

static void assert_unknown_version(int rc, const sloeval_error *err, const char *name,
                                   unsigned version)
{
    char want[128];
    snprintf(want, sizeof want, "%s: version %u is unknown: this library (sloeval %s) reads", name,
             version, SLOEVAL_VERSION_STRING);
    ck_assert_int_eq(rc, SLOEVAL_EINVAL);
    ck_assert_msg(strstr(err->message, want) == err->message, "'%s' does not start with '%s'",
                  err->message, want);
}

START_TEST(test_unknown_option_versions_are_refused)
{
    ck_assert_int_eq(sloeval_global_init(), 0);
    sloeval_error err;
    for (unsigned bump = 0; bump < 2; bump++) {
        /* version 0 (never initialised) and the version after the current one */
        sloeval_parse_options pa = SLOEVAL_PARSE_OPTIONS_INIT;
        pa.version = bump ? SLOEVAL_PARSE_OPTIONS_VERSION + 1 : 0;
        sloeval_expr *expr = NULL;
        assert_unknown_version(sloeval_expr_parse(&expr, "x", 1, &pa, &err), &err,
                               "sloeval_parse_options", pa.version);
        ck_assert_ptr_null(expr);

        sloeval_engine_options en = SLOEVAL_ENGINE_OPTIONS_INIT;
        en.version = bump ? SLOEVAL_ENGINE_OPTIONS_VERSION + 1 : 0;
        sloeval_engine *eng = NULL;
        assert_unknown_version(sloeval_engine_new(&eng, &en, &err), &err, "sloeval_engine_options",
                               en.version);

        sloeval_prometheus_options pr = SLOEVAL_PROMETHEUS_OPTIONS_INIT;
        pr.version = bump ? SLOEVAL_PROMETHEUS_OPTIONS_VERSION + 1 : 0;
        pr.url = "http://127.0.0.1:1";
        sloeval_source *src = NULL;
        assert_unknown_version(sloeval_source_new_prometheus(&src, &pr, &err), &err,
                               "sloeval_prometheus_options", pr.version);

        sloeval_slo_load_options lo = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
        lo.version = bump ? SLOEVAL_SLO_LOAD_OPTIONS_VERSION + 1 : 0;
        sloeval_slo_set *set = NULL;
        assert_unknown_version(sloeval_slo_set_load_string(&set, config, strlen(config), &lo, &err),
                               &err, "sloeval_slo_load_options", lo.version);

        ck_assert_int_eq(sloeval_slo_set_load_string(&set, config, strlen(config), NULL, &err), 0);
        sloeval_check_options co = SLOEVAL_CHECK_OPTIONS_INIT;
        co.version = bump ? SLOEVAL_CHECK_OPTIONS_VERSION + 1 : 0;
        sloeval_check_report *report = NULL;
        assert_unknown_version(sloeval_check_run(&report, set, &co, &err), &err,
                               "sloeval_check_options", co.version);
        ck_assert_ptr_null(report);
        co = (sloeval_check_options)SLOEVAL_CHECK_OPTIONS_INIT;
        co.time_ms = 1700000000000LL;
        ck_assert_int_eq(sloeval_check_run(&report, set, &co, &err), 0);
        sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
        ro.version = bump ? SLOEVAL_CHECK_RENDER_OPTIONS_VERSION + 1 : 0;
        char *text = NULL;
        assert_unknown_version(sloeval_check_report_render(&text, NULL, report, &ro, &err), &err,
                               "sloeval_check_render_options", ro.version);
        ck_assert_ptr_null(text);
        sloeval_check_report_free(report);
        sloeval_slo_set_free(set);

        sloeval_source *mem = NULL;
        ck_assert_int_eq(sloeval_source_new_memory(&mem, SLOEVAL_COMPAT_V3), 0);
        sloeval_memory_stats st = SLOEVAL_MEMORY_STATS_INIT;
        st.version = bump ? SLOEVAL_MEMORY_STATS_VERSION + 1 : 0;
        assert_unknown_version(sloeval_memory_get_stats(&st, mem, &err), &err,
                               "sloeval_memory_stats", st.version);
        sloeval_source_free(mem);
    }
    sloeval_global_cleanup();
}
END_TEST

/* ---- one number per status ------------------------------------------------------ */

START_TEST(test_status_is_exit_code_and_metric)
{
    const sloeval_check_status all[] = {SLOEVAL_CHECK_OK, SLOEVAL_CHECK_FIRING,
                                        SLOEVAL_CHECK_INCONCLUSIVE};
    const int exit_codes[] = {0, 1, 3};
    for (size_t i = 0; i < 3; i++) {
        ck_assert_int_eq((int)all[i], exit_codes[i]);
        ck_assert_int_eq(sloeval_check_status_exit_code(all[i]), exit_codes[i]);
    }
    ck_assert_str_eq(sloeval_check_status_name(SLOEVAL_CHECK_INCONCLUSIVE), "inconclusive");
    /* fail closed: a value that is no status is inconclusive */
    ck_assert_int_eq(sloeval_check_status_exit_code((sloeval_check_status)2), 3);

    /* the prom output's status metrics carry the same number */
    ck_assert_int_eq(sloeval_global_init(), 0);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, config, strlen(config), NULL, &err), 0);
    sloeval_check_options co = SLOEVAL_CHECK_OPTIONS_INIT;
    co.time_ms = 1700000000000LL;
    sloeval_check_report *report = NULL;
    ck_assert_int_eq(sloeval_check_run(&report, set, &co, &err), 0);
    sloeval_check_status s = sloeval_check_report_status(report);
    ck_assert_int_eq(s, SLOEVAL_CHECK_INCONCLUSIVE); /* the backend does not answer */
    sloeval_check_render_options ro = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    ro.format = SLOEVAL_CHECK_FORMAT_PROM;
    char *text = NULL;
    ck_assert_int_eq(sloeval_check_report_render(&text, NULL, report, &ro, &err), 0);
    char want[64];
    snprintf(want, sizeof want, "\nsloeval_check_status %d\n", (int)s);
    ck_assert_msg(strstr(text, want), "no '%s' in:\n%s", want + 1, text);
    ck_assert_ptr_nonnull(strstr(text, "sloeval_slo_status{slo=\"avail\",scope=\"global\"} 3\n"));
    free(text);
    sloeval_check_report_free(report);
    sloeval_slo_set_free(set);
    sloeval_global_cleanup();
}
END_TEST

/* ---- getters by index ------------------------------------------------------------ */

START_TEST(test_getters_by_index)
{
    ck_assert_int_eq(sloeval_global_init(), 0);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_slo_set_load_string(&set, config, strlen(config), NULL, &err), 0);
    const sloeval_slo *slo = sloeval_slo_set_slo(set, 0);
    ck_assert_ptr_nonnull(slo);
    ck_assert_ptr_null(sloeval_slo_set_slo(set, 1));
    ck_assert_ptr_eq(sloeval_slo_set_find_slo(set, "avail"), slo);
    /* labels are the one sloeval_label type, borrowed from the set */
    ck_assert_uint_eq(sloeval_slo_label_count(slo), 2);
    const sloeval_label *l = sloeval_slo_label(slo, 1);
    ck_assert_str_eq(l->name, "tier");
    ck_assert_str_eq(l->value, "1");
    ck_assert_ptr_null(sloeval_slo_label(slo, 2));
    ck_assert_str_eq(sloeval_slo_query_template(slo, SLOEVAL_SLO_QUERY_TOTAL),
                     "sum(rate(t[{{window}}]))");
    ck_assert_ptr_null(sloeval_slo_query_template(slo, SLOEVAL_SLO_QUERY_RATIO));
    ck_assert(!sloeval_slo_empty_errors_inconclusive(slo));
    ck_assert_uint_eq(sloeval_slo_set_window_count(set), 7);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 0), 300000);
    ck_assert_int_eq(sloeval_slo_set_window_ms(set, 7), 0);
    const sloeval_slo_alert *a = sloeval_slo_set_alert(set, 0);
    ck_assert_str_eq(sloeval_slo_alert_label(a, 0)->value, "page");
    ck_assert_ptr_null(sloeval_slo_alert_label(a, 1));
    ck_assert_ptr_null(sloeval_slo_set_alert(set, 1));
    const sloeval_slo_backend *b = sloeval_slo_set_backend(set, 0);
    ck_assert_int_eq(sloeval_slo_backend_retries(b), 0);
    ck_assert(sloeval_slo_backend_compression(b));
    ck_assert_ptr_null(sloeval_slo_backend_header_name(b, 0));
    ck_assert_ptr_null(sloeval_slo_set_backend(set, 1));
    ck_assert_ptr_null(sloeval_slo_set_policy_rule(set, 4));
    ck_assert_ptr_null(sloeval_slo_set_region(set, 0));

    sloeval_check_options co = SLOEVAL_CHECK_OPTIONS_INIT;
    co.time_ms = 1700000000000LL;
    sloeval_check_report *report = NULL;
    ck_assert_int_eq(sloeval_check_run(&report, set, &co, &err), 0);
    ck_assert_uint_eq(sloeval_check_report_slo_count(report), 1);
    const sloeval_check_slo_result *r = sloeval_check_report_slo(report, 0);
    ck_assert_ptr_null(sloeval_check_report_slo(report, 1));
    ck_assert_str_eq(sloeval_check_slo_id(r), "avail");
    ck_assert_ptr_eq(sloeval_slo_set_slo(set, sloeval_check_slo_index(r)), slo);
    ck_assert_uint_eq(sloeval_check_slo_window_count(r), 7);
    ck_assert_str_eq(sloeval_check_window_name(sloeval_check_slo_window(r, 6)), "3d");
    ck_assert_ptr_nonnull(sloeval_check_window_reason(sloeval_check_slo_window(r, 6)));
    ck_assert_ptr_null(sloeval_check_slo_window(r, 7));
    ck_assert_uint_eq(sloeval_check_slo_rule_count(r), 4);
    ck_assert_str_eq(sloeval_check_rule_long_window(sloeval_check_slo_rule(r, 0)), "1h");
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(r, 0)),
                     SLOEVAL_CHECK_RULE_INCONCLUSIVE);
    ck_assert_ptr_null(sloeval_check_slo_rule(r, 4));
    ck_assert_ptr_null(sloeval_check_slo_note(r, sloeval_check_slo_note_count(r)));
    const sloeval_check_alert_result *ar = sloeval_check_report_alert(report, 0);
    ck_assert_str_eq(sloeval_check_alert_name(ar), "Up");
    ck_assert(!sloeval_check_alert_firing(ar));
    ck_assert_int_eq(sloeval_check_alert_status(ar), SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_ptr_null(sloeval_check_alert_series(ar, 0));
    sloeval_check_report_free(report);
    sloeval_slo_set_free(set);
    sloeval_global_cleanup();
}
END_TEST

static Suite *api_suite(void)
{
    Suite *s = suite_create("api");
    TCase *t = tcase_create("core");
    tcase_set_timeout(t, 60);
    tcase_add_test(t, test_error_reset_at_every_entry_point);
    tcase_add_test(t, test_older_option_version_is_read);
    tcase_add_test(t, test_unknown_option_versions_are_refused);
    tcase_add_test(t, test_status_is_exit_code_and_metric);
    tcase_add_test(t, test_getters_by_index);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(api_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
