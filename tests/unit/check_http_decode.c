/* Unit tests of the Prometheus response decoder, buildinfo detection, time
 * and selector formatting, and secret redaction (no network). The table
 * of malformed bodies is data-driven: each row is a body, the HTTP status
 * and content type it came with, the code and a fragment of the message.
 * Every body also goes through the reference decoder (jansson's DOM,
 * tests/support/prom_decode_ref.c): both must agree on the code and, for
 * valid bodies, on every label, timestamp and value bit. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "http/http.h"
#include "prom_decode_ref.h"
#include "source/prometheus.h"
#include "util/strbuf.h"

#define URL "http://127.0.0.1:9090/api/v1/query"

static bool same_double(double x, double y)
{
    return (isnan(x) && isnan(y)) || memcmp(&x, &y, sizeof x) == 0;
}

/* The two decoders' values are identical. */
static void assert_same_value(const value *x, const value *y)
{
    ck_assert_int_eq(x->kind, y->kind);
    switch (x->kind) {
    case VALUE_SCALAR:
        ck_assert_int_eq(x->t, y->t);
        ck_assert(same_double(x->u.scalar, y->u.scalar));
        break;
    case VALUE_STRING:
        ck_assert_int_eq(x->t, y->t);
        ck_assert(strv_eq(x->u.string, y->u.string));
        break;
    case VALUE_VECTOR:
        ck_assert_uint_eq(x->u.vector.count, y->u.vector.count);
        for (size_t i = 0; i < x->u.vector.count; i++) {
            const vector_elem *a = &x->u.vector.items[i], *b = &y->u.vector.items[i];
            ck_assert(labels_equal(a->labels, b->labels));
            ck_assert_int_eq(a->t, b->t);
            ck_assert(same_double(a->v, b->v));
        }
        break;
    case VALUE_MATRIX:
        ck_assert_uint_eq(x->u.matrix.count, y->u.matrix.count);
        for (size_t i = 0; i < x->u.matrix.count; i++) {
            const series *a = &x->u.matrix.items[i], *b = &y->u.matrix.items[i];
            ck_assert(labels_equal(a->labels, b->labels));
            ck_assert_uint_eq(a->count, b->count);
            for (size_t k = 0; k < a->count; k++) {
                ck_assert_int_eq(a->samples[k].t, b->samples[k].t);
                ck_assert(same_double(a->samples[k].v, b->samples[k].v));
            }
        }
        break;
    default: break;
    }
}

/* Decode with the library's decoder, check the reference agrees. */
static int decode(const char *body, long status, const char *ctype, arena *a, value *v,
                  source_notes *notes, sloeval_error *err)
{
    int rc = prom_decode_response(v, notes, body, strlen(body), status, ctype, URL, a, err);
    value rv;
    sloeval_error rerr = SLOEVAL_ERROR_INIT;
    source_notes rnotes = {0};
    int rrc =
        prom_decode_response_ref(&rv, &rnotes, body, strlen(body), status, ctype, URL, a, &rerr);
    ck_assert_msg(rc == rrc, "decoders disagree: %d (%s) vs reference %d (%s)", rc,
                  err ? err->message : "", rrc, rerr.message);
    if (rc == 0) {
        assert_same_value(v, &rv);
        if (notes) {
            ck_assert_uint_eq(notes->nwarnings, rnotes.nwarnings);
            ck_assert_uint_eq(notes->ninfos, rnotes.ninfos);
        }
    }
    return rc;
}

static const char *label_value(const labels *ls, const char *name)
{
    static char buf[256];
    strv v = labels_get(ls, strv_from_cstr(name));
    if (!v.ptr) return NULL;
    memcpy(buf, v.ptr, v.len);
    buf[v.len] = '\0';
    return buf;
}

START_TEST(test_vector)
{
    arena a;
    arena_init(&a, 0);
    value v;
    source_notes notes = {0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *body =
        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
        "{\"metric\":{\"__name__\":\"up\",\"job\":\"a\",\"instance\":\"x:1\"},\"value\":["
        "1435781451.781,\"1\"]},"
        "{\"metric\":{\"job\":\"b\"},\"value\":[1435781451.781,\"NaN\"]},"
        "{\"metric\":{\"job\":\"c\",\"empty\":\"\"},\"value\":[1435781451,\"+Inf\"]},"
        "{\"metric\":{},\"value\":[1435781451.001,\"-Inf\"]},"
        "{\"metric\":{\"job\":\"\\u00e9\\n\"},\"value\":[0.009,\"-1.5e-7\"]}]}}";
    ck_assert_int_eq(decode(body, 200, "application/json", &a, &v, &notes, &err), 0);
    ck_assert_int_eq(v.kind, VALUE_VECTOR);
    ck_assert_uint_eq(v.u.vector.count, 5);
    vector_elem *e = v.u.vector.items;
    ck_assert_str_eq(label_value(e[0].labels, "__name__"), "up");
    ck_assert_str_eq(label_value(e[0].labels, "instance"), "x:1");
    ck_assert_uint_eq(e[0].labels->count, 3);
    ck_assert_int_eq(e[0].t, 1435781451781LL);
    ck_assert(e[0].v == 1.0);
    ck_assert(isnan(e[1].v) && !value_is_stale(e[1].v));
    ck_assert_uint_eq(e[2].labels->count, 1); /* the empty value is dropped */
    ck_assert_int_eq(e[2].t, 1435781451000LL);
    ck_assert(isinf(e[2].v) && e[2].v > 0);
    ck_assert_uint_eq(e[3].labels->count, 0);
    ck_assert_int_eq(e[3].t, 1435781451001LL);
    ck_assert(isinf(e[3].v) && e[3].v < 0);
    ck_assert_str_eq(label_value(e[4].labels, "job"), "\xc3\xa9\n");
    ck_assert_int_eq(e[4].t, 9);
    ck_assert(e[4].v == -1.5e-7);
    ck_assert_uint_eq(notes.nwarnings + notes.ninfos, 0);
    arena_free(&a);
}
END_TEST

START_TEST(test_matrix_scalar_string_notes)
{
    arena a;
    arena_init(&a, 0);
    value v;
    source_notes notes = {0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *body =
        "{\"status\":\"success\",\"warnings\":[\"w1\",\"w2\\nsecond line\"],\"infos\":[\"i1\"],"
        "\"data\":{\"resultType\":\"matrix\",\"result\":["
        "{\"metric\":{\"a\":\"1\"},\"values\":[[1,\"1\"],[16,\"2.5\"],[31.5,\"1e300\"]]},"
        "{\"metric\":{\"a\":\"2\"},\"values\":[]}]}}";
    ck_assert_int_eq(decode(body, 200, "application/json", &a, &v, &notes, &err), 0);
    ck_assert_int_eq(v.kind, VALUE_MATRIX);
    ck_assert_uint_eq(v.u.matrix.count, 2);
    series *s = &v.u.matrix.items[0];
    ck_assert_uint_eq(s->count, 3);
    ck_assert_int_eq(s->samples[0].t, 1000);
    ck_assert_int_eq(s->samples[1].t, 16000);
    ck_assert_int_eq(s->samples[2].t, 31500);
    ck_assert(s->samples[1].v == 2.5);
    ck_assert(s->samples[2].v == 1e300);
    ck_assert_uint_eq(v.u.matrix.items[1].count, 0);
    ck_assert_uint_eq(notes.nwarnings, 2);
    ck_assert_uint_eq(notes.ninfos, 1);
    ck_assert(strv_eq_cstr(notes.warnings[0], "w1"));
    ck_assert(strv_eq_cstr(notes.warnings[1], "w2 second line")); /* one line each */
    ck_assert(strv_eq_cstr(notes.infos[0], "i1"));

    ck_assert_int_eq(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\","
                            "\"result\":[1700000000.5,\"42.25\"]}}",
                            200, "application/json", &a, &v, NULL, &err),
                     0);
    ck_assert_int_eq(v.kind, VALUE_SCALAR);
    ck_assert_int_eq(v.t, 1700000000500LL);
    ck_assert(v.u.scalar == 42.25);
    ck_assert_int_eq(decode("{\"status\":\"success\",\"data\":{\"resultType\":\"string\","
                            "\"result\":[1.25,\"hello \\\"x\\\"\"]}}",
                            200, "application/json", &a, &v, NULL, &err),
                     0);
    ck_assert_int_eq(v.kind, VALUE_STRING);
    ck_assert_int_eq(v.t, 1250);
    ck_assert(strv_eq_cstr(v.u.string, "hello \"x\""));
    ck_assert_int_eq(err.code, 0);
    arena_free(&a);
}
END_TEST

/* Timestamps: the decimal seconds Prometheus writes, exact to the ms. */
START_TEST(test_timestamp_edges)
{
    static const struct {
        const char *json;
        long long ms;
    } cases[] = {
        {"0", 0},
        {"0.001", 1},
        {"0.009", 9},
        {"0.999", 999},
        {"1.1", 1100},
        {"1435781451.781", 1435781451781LL},
        {"1435781451.009", 1435781451009LL},
        {"1435781451.999", 1435781451999LL},
        {"-1.5", -1500},
        {"-0.001", -1},
        {"-1435781451.781", -1435781451781LL},
        {"1e3", 1000000},
        {"1.5E-3", 2}, /* not written by servers; rounds to the nearest ms */
        {"9999999999.999", 9999999999999LL},
        {"253402300799.999", 253402300799999LL},
        {"2199023255551.999", 2199023255551999LL}, /* 2^41 - 1 s */
        {"9223372036854775", 9223372036854775000LL},
        {"-9223372036854775", -9223372036854775000LL},
    };
    arena a;
    arena_init(&a, 0);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char body[256];
        snprintf(body, sizeof(body),
                 "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[%s,"
                 "\"1\"]}}",
                 cases[i].json);
        value v;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_msg(decode(body, 200, NULL, &a, &v, NULL, &err) == 0, "%s: %s", cases[i].json,
                      err.message);
        ck_assert_msg(v.t == cases[i].ms, "%s gave %lld, want %lld", cases[i].json, (long long)v.t,
                      cases[i].ms);
    }
    /* Every millisecond of a second, and of a second far in the future. */
    for (long long base = 0; base <= 4102444800LL; base += 4102444800LL) {
        for (int frac = 0; frac < 1000; frac++) {
            char json[64], body[256];
            snprintf(json, sizeof(json), "%lld.%03d", base, frac);
            snprintf(body, sizeof(body),
                     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[%s,"
                     "\"1\"]}}",
                     json);
            value v;
            sloeval_error err = SLOEVAL_ERROR_INIT;
            ck_assert_int_eq(decode(body, 200, NULL, &a, &v, NULL, &err), 0);
            ck_assert_msg(v.t == base * 1000 + frac, "%s gave %lld", json, (long long)v.t);
        }
    }
    int64_t ms;
    ck_assert(!prom_seconds_to_ms(1e17, &ms));
    ck_assert(!prom_seconds_to_ms(NAN, &ms));
    ck_assert(!prom_seconds_to_ms(INFINITY, &ms));
    arena_free(&a);
}
END_TEST

/* Malformed and error bodies: code, HTTP status, and what the message says. */
static const struct bad_case {
    const char *name;
    long status;
    const char *ctype;
    const char *body;
    int code;
    const char *message; /* the whole message when it starts with "HTTP", else a fragment */
} bad_cases[] = {
    /* status: error, each errorType with the status Prometheus gives it */
    {"bad_data", 400, "application/json",
     "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"invalid parameter "
     "\\\"query\\\": "
     "1:5: parse error: unexpected end of input\"}",
     SLOEVAL_ESERVER,
     "HTTP 400 from " URL ": bad_data: invalid parameter \"query\": 1:5: parse error: unexpected "
     "end of input"},
    {"execution", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"found duplicate series\"}",
     SLOEVAL_ESERVER, "HTTP 422 from " URL ": execution: found duplicate series"},
    /* execution errors that are not the expression's: a limit, a store
     * that failed behind Thanos Query, an error sloeval does not know */
    {"execution: label_replace", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"invalid regular "
     "expression in label_replace(): (\"}",
     SLOEVAL_ESERVER,
     "HTTP 422 from " URL ": execution: invalid regular expression in label_replace(): ("},
    {"execution: sample limit", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"query processing would "
     "load too many samples into memory in query execution\"}",
     SLOEVAL_ELIMIT,
     "HTTP 422 from " URL
     ": execution: query processing would load too many samples into memory in query execution"},
    {"execution: Mimir limit", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"the query exceeded the "
     "maximum number of series (limit: 1 series) (err-mimir-max-series-per-query)\"}",
     SLOEVAL_ELIMIT, "(err-mimir-max-series-per-query)"},
    {"bad_data: Mimir limit", 400, "application/json",
     "{\"status\":\"error\",\"errorType\":\"bad_data\",\"error\":\"the query time range "
     "exceeds the limit (err-mimir-max-query-length)\"}",
     SLOEVAL_ELIMIT,
     "HTTP 400 from " URL
     ": bad_data: the query time range exceeds the limit (err-mimir-max-query-length)"},
    {"execution: Thanos store down", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"proxy Series(): rpc error: "
     "code = Unavailable desc = connection refused\"}",
     SLOEVAL_ENODATA,
     "HTTP 422 from " URL
     ": execution: proxy Series(): rpc error: code = Unavailable desc = connection refused"},
    {"execution: unknown", 422, "application/json",
     "{\"status\":\"error\",\"errorType\":\"execution\",\"error\":\"something new\"}",
     SLOEVAL_ENODATA, "HTTP 422 from " URL ": execution: something new"},
    {"timeout", 503, "application/json",
     "{\"status\":\"error\",\"errorType\":\"timeout\",\"error\":\"query timed out in expression "
     "evaluation\"}",
     SLOEVAL_ESERVER, "HTTP 503 from " URL ": timeout: query timed out in expression evaluation"},
    {"canceled", 503, "application/json",
     "{\"status\":\"error\",\"errorType\":\"canceled\",\"error\":\"query was canceled\"}",
     SLOEVAL_ESERVER, "HTTP 503 from " URL ": canceled: query was canceled"},
    {"canceled 3.x", 499, "application/json",
     "{\"status\":\"error\",\"errorType\":\"canceled\",\"error\":\"context canceled\"}",
     SLOEVAL_ESERVER, "HTTP 499 from " URL ": canceled: context canceled"},
    {"internal", 500, "application/json",
     "{\"status\":\"error\",\"errorType\":\"internal\",\"error\":\"boom\"}", SLOEVAL_ESERVER,
     "HTTP 500 from " URL ": internal: boom"},
    {"not_found", 404, "application/json",
     "{\"status\":\"error\",\"errorType\":\"not_found\",\"error\":\"not found\"}", SLOEVAL_ESERVER,
     "HTTP 404 from " URL ": not_found: not found"},
    {"unavailable", 500, "application/json",
     "{\"status\":\"error\",\"errorType\":\"unavailable\",\"error\":\"agent mode\"}",
     SLOEVAL_ESERVER, "HTTP 500 from " URL ": unavailable: agent mode"},
    {"error without fields", 500, "application/json", "{\"status\":\"error\"}", SLOEVAL_ESERVER,
     "HTTP 500 from " URL ": (no errorType): (no error message)"},
    /* not JSON at all */
    {"503 text", 503, "text/plain; charset=utf-8", "Service Unavailable\n", SLOEVAL_EDECODE,
     "HTTP 503 from " URL ": non-JSON body (text/plain; charset=utf-8): Service Unavailable "},
    {"proxy html", 502, "text/html",
     "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>", SLOEVAL_EDECODE,
     "HTTP 502 from " URL ": non-JSON body (text/html): <html><head><title>502 Bad "
     "Gateway</title></head><body>nginx</body></html>"},
    {"empty", 200, "application/json", "", SLOEVAL_EDECODE, "HTTP 200 from " URL ": empty body"},
    {"no ctype", 200, NULL, "ok", SLOEVAL_EDECODE,
     "HTTP 200 from " URL ": non-JSON body (no content type): ok"},
    /* invalid JSON */
    {"truncated", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metr",
     SLOEVAL_EDECODE, "invalid JSON at line 1 column"},
    {"garbage json", 200, "application/json", "{status: success}", SLOEVAL_EDECODE,
     "invalid JSON at line 1 column 2: expected a string"},
    {"duplicate key", 200, "application/json", "{\"status\":\"success\",\"status\":\"error\"}",
     SLOEVAL_EDECODE, "duplicate object key"},
    /* JSON of the wrong shape */
    {"array root", 200, "application/json", "[1,2]", SLOEVAL_EDECODE,
     "the JSON body is not an object"},
    {"no status", 200, "application/json", "{\"data\":{}}", SLOEVAL_EDECODE,
     "no \"status\" string"},
    {"odd status", 200, "application/json", "{\"status\":\"maybe\"}", SLOEVAL_EDECODE,
     "unknown status \"maybe\""},
    {"success with 500", 500, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[]}}", SLOEVAL_EDECODE,
     "failing HTTP status"},
    {"missing data", 200, "application/json", "{\"status\":\"success\"}", SLOEVAL_EDECODE,
     "HTTP 200 from " URL ": no \"data\" in a success response"},
    {"data not object", 200, "application/json", "{\"status\":\"success\",\"data\":[]}",
     SLOEVAL_EDECODE, "\"data\" is not an object"},
    {"no resultType", 200, "application/json", "{\"status\":\"success\",\"data\":{\"result\":[]}}",
     SLOEVAL_EDECODE, "no data.resultType string"},
    {"unknown resultType", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"tensor\",\"result\":[]}}", SLOEVAL_EDECODE,
     "unknown data.resultType \"tensor\""},
    {"no result", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\"}}", SLOEVAL_EDECODE,
     "no data.result"},
    {"result not array", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":{}}}", SLOEVAL_EDECODE,
     "data.result of a matrix is not an array"},
    {"element not object", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[1]}}",
     SLOEVAL_EDECODE, "data.result[0] is not an object"},
    {"metric not object", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":[],"
     "\"value\":[1,\"1\"]}]}}",
     SLOEVAL_EDECODE, "data.result[0].metric is not an object"},
    {"label not string", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":1}"
     ","
     "\"value\":[1,\"1\"]}]}}",
     SLOEVAL_EDECODE, "data.result[0].metric.a is not a string"},
    {"no value", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{}}]}}",
     SLOEVAL_EDECODE, "data.result[0] has no \"value\""},
    {"value not string", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
     "\"value\":[1,1]}]}}",
     SLOEVAL_EDECODE, "data.result[0].value: sample value is not a string"},
    {"bad float", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
     "\"value\":[1,\"abc\"]}]}}",
     SLOEVAL_EDECODE, "data.result[0].value: bad sample value \"abc\""},
    {"float with junk", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1,\"1\"],[2,\"1.5.5\"]]}]}}",
     SLOEVAL_EDECODE, "data.result[0].values[1]: bad sample value \"1.5.5\""},
    {"empty float", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"\"]}}",
     SLOEVAL_EDECODE, "bad scalar value \"\""},
    {"float overflow", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1,\"1e400\"]}}",
     SLOEVAL_EDECODE, "bad scalar value \"1e400\""},
    {"timestamp string", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[\"1\",\"1\"]}}",
     SLOEVAL_EDECODE, "timestamp is not a number"},
    {"timestamp huge", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1e300,\"1\"]}}",
     SLOEVAL_EDECODE, "out of range"},
    {"timestamp huge int", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[9223372036854776,"
     "\"1\"]}}",
     SLOEVAL_EDECODE, "out of range"},
    {"pair of three", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[1,\"1\",3]]}]}}",
     SLOEVAL_EDECODE, "expected [timestamp, \"value\"]"},
    {"values not array", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":\"x\"}]}}",
     SLOEVAL_EDECODE, "data.result[0].values is not an array"},
    {"samples out of order", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":[{\"metric\":{},"
     "\"values\":[[2,\"1\"],[1,\"1\"]]}]}}",
     SLOEVAL_EDECODE, "data.result[0].values[1]: timestamps are not increasing"},
    {"scalar shape", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"scalar\",\"result\":[1]}}",
     SLOEVAL_EDECODE, "data.result: expected [timestamp, \"value\"]"},
    {"string not string", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"string\",\"result\":[1,2]}}",
     SLOEVAL_EDECODE, "data.result[1] is not a string"},
    {"warnings not array", 200, "application/json",
     "{\"status\":\"success\",\"warnings\":\"w\",\"data\":{\"resultType\":\"vector\","
     "\"result\":[]}}",
     SLOEVAL_EDECODE, "\"warnings\" is not an array"},
    {"warning not string", 200, "application/json",
     "{\"status\":\"success\",\"infos\":[1],\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
     SLOEVAL_EDECODE, "infos[0] is not a string"},
    /* each series once, each member once */
    {"vector repeats a label set", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
     "{\"metric\":{\"a\":\"1\",\"b\":\"2\"},\"value\":[1,\"1\"]},"
     "{\"metric\":{\"a\":\"2\"},\"value\":[1,\"1\"]},"
     "{\"metric\":{\"b\":\"2\",\"a\":\"1\"},\"value\":[1,\"5\"]}]}}",
     SLOEVAL_EDECODE,
     "HTTP 200 from " URL ": data.result[2] has the same labels as data.result[0]: {a=\"1\", "
     "b=\"2\"} (a vector holds each series once)"},
    {"matrix repeats a label set", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
     "{\"metric\":{},\"values\":[[1,\"1\"]]},{\"values\":[[2,\"1\"]]}]}}",
     SLOEVAL_EDECODE,
     "HTTP 200 from " URL ": data.result[1] has the same labels as data.result[0]: {} (a matrix "
     "holds each series once)"},
    {"two values", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
     "{\"metric\":{},\"value\":[1,\"1\"],\"value\":[1,\"2\"]}]}}",
     SLOEVAL_EDECODE, "HTTP 200 from " URL ": data.result[0] has \"value\" twice"},
    {"two metrics", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
     "{\"metric\":{\"a\":\"1\"},\"metric\":{\"a\":\"2\"},\"value\":[1,\"1\"]}]}}",
     SLOEVAL_EDECODE, "HTTP 200 from " URL ": data.result[0] has \"metric\" twice"},
    {"two values lists", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\",\"result\":["
     "{\"values\":[[1,\"1\"]],\"metric\":{},\"values\":[[2,\"1\"]]}]}}",
     SLOEVAL_EDECODE, "HTTP 200 from " URL ": data.result[0] has \"values\" twice"},
    {"value and values", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":["
     "{\"metric\":{},\"value\":[1,\"1\"],\"values\":[[2,\"1\"]]}]}}",
     SLOEVAL_EDECODE, "HTTP 200 from " URL ": data.result[0] has both \"value\" and \"values\""},
    {"histogram", 200, "application/json",
     "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
     "\"histogram\":[1,{\"count\":\"1\"}]}]}}",
     SLOEVAL_EUNSUPPORTED, "native histogram"},
};

START_TEST(test_bad_bodies)
{
    const struct bad_case *c = &bad_cases[_i];
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = decode(c->body, c->status, c->ctype, &a, &v, NULL, &err);
    ck_assert_msg(rc == c->code, "%s: code %d, want %d (%s)", c->name, rc, c->code, err.message);
    ck_assert_int_eq(err.code, c->code);
    ck_assert_int_eq(err.http_status, c->status);
    if (!strncmp(c->message, "HTTP ", 5))
        ck_assert_msg(!strcmp(err.message, c->message), "%s: message\n  %s\nwant\n  %s", c->name,
                      err.message, c->message);
    else
        ck_assert_msg(strstr(err.message, c->message) != NULL, "%s: message %s lacks %s", c->name,
                      err.message, c->message);
    ck_assert(strchr(err.message, '\n') == NULL);
    ck_assert_int_eq(v.kind, VALUE_NONE);
    arena_free(&a);
}
END_TEST

/* Every proper prefix of a valid body is an error in both decoders, and
 * random byte mutations never crash the decoder or give a message that is
 * not one line (the sanitizer builds check memory). */
START_TEST(test_truncations_and_mutations)
{
    const char *good =
        "{\"status\":\"success\",\"warnings\":[\"w\"],\"data\":{\"resultType\":\"matrix\","
        "\"result\":[{\"metric\":{\"__name__\":\"x\",\"a\":\"\\u00e9\\\"\"},\"values\":[[1."
        "5,\"1\"],[2,\"NaN\"],[3e0,\"-Inf\"]]},{\"metric\":{},\"values\":[]}]}}";
    size_t len = strlen(good);
    arena a;
    arena_init(&a, 0);
    value v;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(decode(good, 200, "application/json", &a, &v, NULL, &err) == 0, "%s",
                  err.message);
    char *buf = malloc(len + 1);
    for (size_t n = 0; n < len; n++) {
        memcpy(buf, good, n);
        buf[n] = '\0';
        sloeval_error e2 = SLOEVAL_ERROR_INIT;
        ck_assert_int_eq(decode(buf, 200, "application/json", &a, &v, NULL, &e2), SLOEVAL_EDECODE);
    }
    uint64_t rng = 12345;
    for (int iter = 0; iter < 20000; iter++) {
        memcpy(buf, good, len + 1);
        int nmut = 1 + iter % 3;
        for (int m = 0; m < nmut; m++) {
            rng ^= rng << 13;
            rng ^= rng >> 7;
            rng ^= rng << 17;
            size_t pos = (size_t)(rng % len);
            static const char alphabet[] = "{}[],:\"\\0123456789.eE-+ntfu\x80\xff\x01 ";
            buf[pos] = alphabet[(rng >> 32) % (sizeof(alphabet) - 1)];
        }
        value mv;
        sloeval_error e2 = SLOEVAL_ERROR_INIT;
        source_notes notes = {0};
        int rc = prom_decode_response(&mv, &notes, buf, len, 200, "application/json", URL, &a, &e2);
        if (rc) {
            ck_assert(strchr(e2.message, '\n') == NULL);
            ck_assert(!strncmp(e2.message, "HTTP 200 from ", 14));
            ck_assert_int_eq(mv.kind, VALUE_NONE);
        }
        if (iter % 1000 == 999) {
            arena_free(&a);
            arena_init(&a, 0);
        }
    }
    free(buf);
    arena_free(&a);
}
END_TEST

START_TEST(test_buildinfo)
{
    static const struct {
        const char *body;
        sloeval_compat compat;
        const char *warning; /* fragment, or "" for none */
    } cases[] = {
        {"{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\",\"revision\":\"x\"}}",
         SLOEVAL_COMPAT_V2, ""},
        {"{\"status\":\"success\",\"data\":{\"version\":\"3.1.0\"}}", SLOEVAL_COMPAT_V3, ""},
        {"{\"status\":\"success\",\"data\":{\"version\":\"v2.45.1\"}}", SLOEVAL_COMPAT_V2, ""},
        {"{\"status\":\"success\",\"data\":{\"version\":\"2.55.0\"}}", SLOEVAL_COMPAT_V2,
         "imitates 2.42, whose rate extrapolation and sum differs"},
        {"{\"status\":\"success\",\"data\":{\"application\":\"Mimir\",\"version\":\"2.10.0\"}}",
         SLOEVAL_COMPAT_V3, "is Mimir 2.10.0, not Prometheus"},
        {"{\"status\":\"success\",\"data\":{\"version\":\"0.31.0\"}}", SLOEVAL_COMPAT_V3,
         "reports version \"0.31.0\""},
        {"{\"status\":\"success\",\"data\":{\"version\":\"main\"}}", SLOEVAL_COMPAT_V3,
         "reports version \"main\""},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sloeval_compat compat = SLOEVAL_COMPAT_AUTO;
        char warning[512];
        sloeval_error err = SLOEVAL_ERROR_INIT;
        int rc = prom_decode_buildinfo(&compat, warning, sizeof(warning), cases[i].body,
                                       strlen(cases[i].body), 200, "application/json", "http://h:1",
                                       &err);
        ck_assert_msg(rc == 0, "%s", err.message);
        ck_assert_int_eq(compat, cases[i].compat);
        if (!*cases[i].warning)
            ck_assert_str_eq(warning, "");
        else
            ck_assert_msg(strstr(warning, cases[i].warning), "%s lacks %s", warning,
                          cases[i].warning);
    }
    sloeval_compat compat;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    const char *bad = "{\"status\":\"success\",\"data\":{}}";
    ck_assert_int_eq(
        prom_decode_buildinfo(&compat, NULL, 0, bad, strlen(bad), 200, NULL, "u", &err),
        SLOEVAL_EDECODE);
    ck_assert_ptr_nonnull(strstr(err.message, "no data.version"));
}
END_TEST

START_TEST(test_format_time)
{
    static const struct {
        long long ms;
        const char *text;
    } cases[] = {
        {0, "1970-01-01T00:00:00.000Z"},
        {1, "1970-01-01T00:00:00.001Z"},
        {-1, "1969-12-31T23:59:59.999Z"},
        {1435781451781LL, "2015-07-01T20:10:51.781Z"},
        {1435781451009LL, "2015-07-01T20:10:51.009Z"},
        {253402300799999LL, "9999-12-31T23:59:59.999Z"},
        {253402300800000LL, "253402300800.000"},
        {-62135596800000LL, "0001-01-01T00:00:00.000Z"},
        {-62135596800001LL, "-62135596800.001"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char buf[48];
        prom_format_time(buf, sizeof(buf), cases[i].ms);
        ck_assert_str_eq(buf, cases[i].text);
    }
}
END_TEST

START_TEST(test_format_selector)
{
    label_matcher m[4] = {
        {MATCH_EQUAL, STRV_LIT("__name__"), STRV_LIT("http_requests_total")},
        {MATCH_REGEX, STRV_LIT("code"), STRV_LIT("5..|\\d")},
        {MATCH_NOT_EQUAL, STRV_LIT("path"), STRV_LIT("a\"b\nc")},
        {MATCH_NOT_REGEX, STRV_LIT("service.name"), STRV_LIT("")},
    };
    strbuf sb = STRBUF_INIT;
    prom_format_selector(&sb, m, 4);
    ck_assert_str_eq(strbuf_cstr(&sb), "{__name__=\"http_requests_total\",code=~\"5..|\\\\d\","
                                       "path!=\"a\\\"b\\nc\",\"service.name\"!~\"\"}");
    strbuf_free(&sb);
}
END_TEST

START_TEST(test_redact)
{
    const char *secrets[] = {"s3cr3t-token", "pw", ""};
    char buf[64];
    snprintf(buf, sizeof(buf), "bad token s3cr3t-token, pw=pw!");
    redact_secrets(buf, sizeof(buf), secrets, 3);
    ck_assert_str_eq(buf, "bad token <redacted>, <redacted>=<redacted>!");
    /* Growing past the buffer truncates instead of overflowing. */
    char small[16];
    snprintf(small, sizeof(small), "pwpwpwpwpwpwpw");
    redact_secrets(small, sizeof(small), secrets, 3);
    ck_assert_ptr_null(strstr(small, "pw"));
    ck_assert_uint_lt(strlen(small), sizeof(small));
    ck_assert_str_eq(small, "<redacted>");
}
END_TEST

START_TEST(test_form)
{
    strbuf sb = STRBUF_INIT;
    http_form_add(&sb, "query", "sum(rate(x{a=\"b c\"}[5m])) / 2 + 1");
    http_form_add(&sb, "replicaLabels[]", "r~1&2\xc3\xa9");
    ck_assert_str_eq(strbuf_cstr(&sb), "query=sum%28rate%28x%7Ba%3D%22b%20c%22%7D%5B5m%5D%29%29%20%"
                                       "2F%202%20%2B%201&replicaLabels%5B%5D=r~1%262%C3%A9");
    strbuf_free(&sb);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("http_decode");
    TCase *tc = tcase_create("decode");
    tcase_add_test(tc, test_vector);
    tcase_add_test(tc, test_matrix_scalar_string_notes);
    tcase_add_test(tc, test_timestamp_edges);
    tcase_add_loop_test(tc, test_bad_bodies, 0, (int)(sizeof(bad_cases) / sizeof(bad_cases[0])));
    tcase_add_test(tc, test_truncations_and_mutations);
    tcase_add_test(tc, test_buildinfo);
    tcase_add_test(tc, test_format_time);
    tcase_add_test(tc, test_format_selector);
    tcase_add_test(tc, test_redact);
    tcase_add_test(tc, test_form);
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
