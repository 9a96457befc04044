/*
 * `sloeval query --url` as a user runs it: the real binary against a
 * deliberately misbehaving HTTP server on 127.0.0.1
 * (tests/support/faultserver.h).
 *
 *   - Faults: every fault of the HTTP layer's matrix gives the documented
 *     exit status (2: the expression's fault, the server's bad_data or
 *     execution; 3: the backend failed or answered badly) and exactly one
 *     line on stderr that names the problem and the server, within the
 *     configured time bound; nothing on stdout. Retries are counted by the
 *     server.
 *   - Secrets: a bearer token and a basic-auth password reach the server
 *     but no output, error or --explain text, even when the server echoes
 *     them back.
 *   - The environment (SLOEVAL_URL, SLOEVAL_BEARER_TOKEN_FILE, ...) and
 *     --explain.
 * With SLOEVAL_TEST_VALGRIND=1 every run is under valgrind (leaks and
 * memory errors exit 99); in the sanitizer build the binary has ASan.
 */
#define _POSIX_C_SOURCE 200809L
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "faultserver.h"
#include "runcli.h"
#include "timing.h"

#ifndef SLOEVAL_CLI_PATH
#error "SLOEVAL_CLI_PATH must name the sloeval binary"
#endif

static faultserver *fs;

/* Time bounds are multiplied by this: 1, 5 under valgrind (every run pays
 * its start-up), or SLOEVAL_TEST_TIME_SCALE. */
static double scale(void)
{
    const char *e = getenv("SLOEVAL_TEST_VALGRIND");
    return timing_scale(e && *e && strcmp(e, "0") ? 5 : 1);
}

static const char *VECTOR_OK =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{\"a\":"
    "\"b\"},\"value\":[1704067200,\"42\"]}]}}";

static void setup(void)
{
    char err[256];
    fs = faultserver_start(err, sizeof err);
    ck_assert_msg(fs != NULL, "faultserver: %s", err);
}

/* Secret files written by a test, removed by the teardown even when the
 * test fails. */
static char secret_files[4][64];
static int nsecret_files;

static void teardown(void)
{
    faultserver_stop(fs);
    for (int i = 0; i < nsecret_files; i++)
        unlink(secret_files[i]);
    nsecret_files = 0;
}

/* Environment variables that would change what the command does. */
static const char *const clean_env[] = {"SLOEVAL_URL",
                                        "SLOEVAL_BEARER_TOKEN_FILE",
                                        "SLOEVAL_BEARER_TOKEN",
                                        "SLOEVAL_BASIC_AUTH_USER",
                                        "SLOEVAL_BASIC_AUTH_PASSWORD_FILE",
                                        "SLOEVAL_BASIC_AUTH_PASSWORD",
                                        NULL};

/* sloeval query --url <fs> --compat v2 --time 1704067200 <extra...> EXPR */
static void query(runcli_result *r, const char *const *extra, const char *expr,
                  const char *const *env, double limit)
{
    const char *argv[40];
    size_t n = 0;
    argv[n++] = SLOEVAL_CLI_PATH;
    argv[n++] = "query";
    argv[n++] = "--url";
    argv[n++] = faultserver_url(fs);
    argv[n++] = "--compat";
    argv[n++] = "v2";
    argv[n++] = "--time";
    argv[n++] = "1704067200";
    for (size_t i = 0; extra && extra[i]; i++)
        argv[n++] = extra[i];
    argv[n++] = "--";
    argv[n++] = expr;
    argv[n] = NULL;
    ck_assert_int_eq(runcli(r, argv, env, clean_env, limit), 0);
    ck_assert_msg(!r->timed_out, "the command did not finish in %.0f s", limit);
}

/* ---- the fault matrix ---------------------------------------------------------------- */

typedef struct fault_case {
    const char *name;
    faultserver_response resp;
    int retries;           /* --retries */
    long timeout_ms;       /* --timeout (scaled under valgrind) */
    const char *max_bytes; /* --max-response-bytes, or NULL */
    bool refused;          /* the server stops listening first */
    int status;            /* expected exit status */
    const char *words[3];  /* the stderr line contains each */
    size_t requests;       /* the server saw exactly this many (0: not checked) */
    double max_seconds;    /* the command finished within */
    double min_seconds;    /* and not before (Retry-After) */
} fault_case;

#define ENVELOPE_ERROR(type, msg)                                                                  \
    "{\"status\":\"error\",\"errorType\":\"" type "\",\"error\":\"" msg "\"}"

static const fault_case cases[] = {
    {"connection refused",
     {0},
     2,
     2000,
     NULL,
     true,
     3,
     {"cannot connect", "127.0.0.1", NULL},
     0,
     5,
     0},
    {"HTTP 500 (internal)",
     {500, NULL, ENVELOPE_ERROR("internal", "disk on fire"), 0, false, false, FAULT_NONE, 0, 0,
      NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"500", "internal", "disk on fire"},
     1,
     5,
     0},
    {"HTTP 502 (HTML)",
     {502, "Content-Type: text/html", "<html><body>Bad Gateway</body></html>", 0, false, false,
      FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"502", "Bad Gateway", NULL},
     3,
     5,
     0},
    {"HTTP 503 without Retry-After",
     {503, "Content-Type: text/plain", "Service Unavailable", 0, false, false, FAULT_NONE, 0, 0,
      NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"503", "3 attempts", NULL},
     3,
     5,
     0},
    {"HTTP 503 with Retry-After: 1",
     {503, "Content-Type: text/plain\nRetry-After: 1", "not ready", 0, false, false, FAULT_NONE, 0,
      0, NULL, NULL},
     2,
     10000,
     NULL,
     false,
     3,
     {"503", "3 attempts", NULL},
     3,
     8,
     1.8},
    {"HTTP 429",
     {429, "Content-Type: text/plain", "too many requests", 0, false, false, FAULT_NONE, 0, 0, NULL,
      NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"429", "3 attempts", NULL},
     3,
     5,
     0},
    {"slower than the timeout",
     {200, NULL, NULL, 0, false, false, FAULT_DELAY_HEADERS, 5000, 0, NULL, NULL},
     0,
     500,
     NULL,
     false,
     3,
     {"timed out", "127.0.0.1", NULL},
     1,
     3,
     0.4},
    {"body cut off halfway",
     {200, NULL, NULL, 0, false, false, FAULT_TRUNCATE_BODY, 0, 0, NULL, NULL},
     1,
     2000,
     NULL,
     false,
     3,
     {"127.0.0.1", NULL, NULL},
     2,
     5,
     0},
    {"invalid JSON",
     {200, NULL, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{", 0,
      false, false, FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"JSON", "127.0.0.1", NULL},
     1,
     5,
     0},
    {"JSON of the wrong shape",
     {200, NULL,
      "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
      "\"value\":\"oops\"}]}}",
      0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"data.result[0]", "127.0.0.1", NULL},
     1,
     5,
     0},
    {"status error: bad_data",
     {400, NULL, ENVELOPE_ERROR("bad_data", "invalid parameter query: bad"), 0, false, false,
      FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     2,
     {"400", "bad_data", "invalid parameter"},
     1,
     5,
     0},
    {"status error: execution",
     {422, NULL, ENVELOPE_ERROR("execution", "many-to-many matching not allowed"), 0, false, false,
      FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     2,
     {"422", "execution", "many-to-many"},
     1,
     5,
     0},
    {"status error: execution, a store down (Thanos)",
     {422, NULL,
      ENVELOPE_ERROR("execution", "proxy Series(): fetch series for {region=\\\"a\\\"}: rpc error: "
                                  "code = Unavailable desc = connection refused"),
      0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"422", "execution", "proxy Series()"},
     1,
     5,
     0},
    {"status error: execution, a limit (Mimir)",
     {422, NULL,
      ENVELOPE_ERROR("execution", "the query exceeded the maximum number of series (limit: 1 "
                                  "series) (err-mimir-max-series-per-query)"),
      0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"422", "execution", "err-mimir-max-series-per-query"},
     1,
     5,
     0},
    {"status error: timeout",
     {503, NULL, ENVELOPE_ERROR("timeout", "query timed out in expression evaluation"), 0, false,
      false, FAULT_NONE, 0, 0, NULL, NULL},
     0,
     2000,
     NULL,
     false,
     3,
     {"503", "timeout", "query timed out"},
     1,
     5,
     0},
    {"status error: canceled",
     {503, NULL, ENVELOPE_ERROR("canceled", "query was canceled"), 0, false, false, FAULT_NONE, 0,
      0, NULL, NULL},
     0,
     2000,
     NULL,
     false,
     3,
     {"503", "canceled", NULL},
     1,
     5,
     0},
    {"status error: internal",
     {500, NULL, ENVELOPE_ERROR("internal", "storage failure"), 0, false, false, FAULT_NONE, 0, 0,
      NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"500", "internal", "storage failure"},
     1,
     5,
     0},
    {"status error: not_found",
     {404, NULL, ENVELOPE_ERROR("not_found", "no such thing"), 0, false, false, FAULT_NONE, 0, 0,
      NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"404", "not_found", NULL},
     1,
     5,
     0},
    {"status error: unavailable",
     {500, NULL, ENVELOPE_ERROR("unavailable", "not ready yet"), 0, false, false, FAULT_NONE, 0, 0,
      NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"500", "unavailable", "not ready yet"},
     1,
     5,
     0},
    {"body over the size cap",
     {200, NULL, "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[", 0,
      false, false, FAULT_HUGE_BODY, 0, 5 * 1024 * 1024, "{\"metric\":{},\"value\":[1,\"1\"]},",
      NULL},
     2,
     5000,
     "100000",
     false,
     3,
     {"100000", "127.0.0.1", NULL},
     1,
     5,
     0},
    {"corrupted gzip",
     {200, NULL, NULL, 0, false, false, FAULT_CORRUPT_GZIP, 0, 0, NULL, NULL},
     2,
     2000,
     NULL,
     false,
     3,
     {"127.0.0.1", NULL, NULL},
     1,
     5,
     0},
    {"closed after the headers",
     {200, NULL, NULL, 0, false, false, FAULT_CLOSE_AFTER_HEADERS, 0, 0, NULL, NULL},
     1,
     2000,
     NULL,
     false,
     3,
     {"127.0.0.1", NULL, NULL},
     2,
     5,
     0},
};

START_TEST(test_fault)
{
    const fault_case *c = &cases[_i];
    faultserver_response r = c->resp;
    if (!r.body && r.fault != FAULT_HUGE_BODY) r.body = VECTOR_OK;
    faultserver_script(fs, &r, 1);
    if (c->refused) faultserver_stop_listening(fs);
    char retries[16];
    snprintf(retries, sizeof retries, "%d", c->retries);
    char timeout[32];
    snprintf(timeout, sizeof timeout, "%ldms", (long)(c->timeout_ms * scale()));
    const char *extra[12] = {"--retries", retries, "--timeout", timeout};
    size_t n = 4;
    if (c->max_bytes) {
        extra[n++] = "--max-response-bytes";
        extra[n++] = c->max_bytes;
    }
    extra[n] = NULL;
    runcli_result res;
    query(&res, extra, "sum(rate(x[5m]))", NULL, 60);
    printf("fault %-30s -> exit %d in %.2fs, %zu requests: %s", c->name, res.status, res.seconds,
           faultserver_request_count(fs), res.err);
    ck_assert_msg(res.status == c->status, "%s: exit %d, expected %d; stderr: %s", c->name,
                  res.status, c->status, res.err);
    ck_assert_msg(runcli_lines(res.err) == 1, "%s: stderr is not one line: %s", c->name, res.err);
    ck_assert_msg(strncmp(res.err, "sloeval query: ", 15) == 0, "%s: %s", c->name, res.err);
    ck_assert_msg(res.out[0] == '\0', "%s: stdout: %s", c->name, res.out);
    for (int i = 0; i < 3; i++)
        if (c->words[i])
            ck_assert_msg(strstr(res.err, c->words[i]), "%s: no '%s' in: %s", c->name, c->words[i],
                          res.err);
    ck_assert_msg(res.seconds <= c->max_seconds * scale(), "%s: took %.2f s", c->name, res.seconds);
    ck_assert_msg(res.seconds >= c->min_seconds, "%s: only %.2f s", c->name, res.seconds);
    if (c->requests)
        ck_assert_msg(faultserver_request_count(fs) == c->requests, "%s: %zu requests, not %zu",
                      c->name, faultserver_request_count(fs), c->requests);
    runcli_free(&res);
}
END_TEST

/* ---- secrets ------------------------------------------------------------------------ */

#define TOKEN    "tok-8c1f5e0a9d2b-SECRET"
#define PASSWORD "pw-77aa31-SECRET"

static char token_file[64], password_file[64];

static void write_secret(char *path, size_t size, const char *value)
{
    snprintf(path, size, "/tmp/sloeval-cli-secret-XXXXXX");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    ck_assert_int_eq(write(fd, value, strlen(value)), (int)strlen(value));
    ck_assert_int_eq(write(fd, "\n", 1), 1);
    close(fd);
    if (nsecret_files < 4)
        snprintf(secret_files[nsecret_files++], sizeof secret_files[0], "%s", path);
}

static void assert_clean(const runcli_result *r, const char *what)
{
    /* base64("alice:" PASSWORD) */
    static const char *const needles[] = {TOKEN, PASSWORD,
                                          "YWxpY2U6cHctNzdhYTMxLVNFQ1JFVA==", "SECRET"};
    for (size_t i = 0; i < sizeof needles / sizeof needles[0]; i++) {
        ck_assert_msg(!strstr(r->out, needles[i]), "%s: stdout has a secret: %s", what, r->out);
        ck_assert_msg(!strstr(r->err, needles[i]), "%s: stderr has a secret: %s", what, r->err);
    }
}

START_TEST(test_secrets_never_shown)
{
    write_secret(token_file, sizeof token_file, TOKEN);
    write_secret(password_file, sizeof password_file, PASSWORD);
    /* The server echoes what it got, in an error and in a warning. */
    faultserver_response resp[] = {
        {401, NULL,
         ENVELOPE_ERROR("bad_data", "token " TOKEN " rejected; Authorization: Bearer " TOKEN), 0,
         false, false, FAULT_NONE, 0, 0, NULL, NULL},
    };
    faultserver_script(fs, resp, 1);
    const char *extra[] = {"--bearer-token-file", token_file, "--explain", "--retries", "0", NULL};
    runcli_result r;
    query(&r, extra, "up", NULL, 20);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "<redacted>"));
    assert_clean(&r, "bearer token, error");
    const faultserver_request *req = faultserver_get_request(fs, 0);
    ck_assert_ptr_nonnull(req);
    ck_assert_str_eq(faultserver_request_header(req, "Authorization"), "Bearer " TOKEN);
    runcli_free(&r);

    /* Basic auth, the password echoed in a warning of a good answer and in
     * an error; --explain on. */
    faultserver_response ok[] = {
        {200, NULL,
         "{\"status\":\"success\",\"warnings\":[\"saw password " PASSWORD
         " and YWxpY2U6cHctNzdhYTMxLVNFQ1JFVA==\"],\"data\":{\"resultType\":\"vector\","
         "\"result\":[]}}",
         0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
    };
    faultserver_script(fs, ok, 1);
    const char *extra2[] = {"--basic-auth-user",
                            "alice",
                            "--basic-auth-password-file",
                            password_file,
                            "--explain",
                            "--output",
                            "json",
                            NULL};
    query(&r, extra2, "up", NULL, 20);
    ck_assert_msg(r.status == 0, "%s", r.err);
    ck_assert_ptr_nonnull(strstr(r.err, "warning: "));
    assert_clean(&r, "basic auth, warning");
    runcli_free(&r);

    faultserver_response echo_pw[] = {
        {401, NULL,
         ENVELOPE_ERROR("bad_data", "password " PASSWORD " or YWxpY2U6cHctNzdhYTMxLVNFQ1JFVA== "
                                    "rejected"),
         0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
    };
    faultserver_script(fs, echo_pw, 1);
    query(&r, extra2, "up", NULL, 20);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "<redacted>"));
    assert_clean(&r, "basic auth, error");
    runcli_free(&r);

    /* The token from the environment, and in the URL's userinfo. */
    char envfile[128];
    snprintf(envfile, sizeof envfile, "SLOEVAL_BEARER_TOKEN_FILE=%s", token_file);
    const char *env[] = {envfile, NULL};
    const char *extra3[] = {"--explain", "--retries", "0", NULL};
    faultserver_script(fs, resp, 1);
    query(&r, extra3, "up", env, 20);
    ck_assert_int_eq(r.status, 3);
    assert_clean(&r, "token from the environment");
    runcli_free(&r);

    char url[256];
    snprintf(url, sizeof url, "http://alice:%s@127.0.0.1:%d", PASSWORD, faultserver_port(fs));
    const char *argv[] = {SLOEVAL_CLI_PATH, "query",     "--url", url,  "--compat", "v2",
                          "--explain",      "--retries", "0",     "up", NULL};
    faultserver_script(fs, echo_pw, 1);
    ck_assert_int_eq(runcli(&r, argv, NULL, clean_env, 20), 0);
    ck_assert_int_eq(r.status, 3);
    ck_assert_ptr_nonnull(strstr(r.err, "<redacted>"));
    assert_clean(&r, "password in the URL");
    runcli_free(&r);
}
END_TEST

/* The value of any --header (an API key), echoed by the server in an error
 * and in a warning, is never printed; the request did carry it. */
START_TEST(test_header_values_never_shown)
{
#define API_KEY "k3y-41c9e0-SECRET"
    faultserver_response resp[] = {
        {403, NULL, ENVELOPE_ERROR("bad_data", "key " API_KEY " is not allowed"), 0, false, false,
         FAULT_NONE, 0, 0, NULL, NULL},
        {200, NULL,
         "{\"status\":\"success\",\"warnings\":[\"key " API_KEY
         " expires soon\"],\"data\":{\"resultType\":\"vector\",\"result\":[]}}",
         0, false, false, FAULT_NONE, 0, 0, NULL, NULL},
    };
    const char *extra[] = {"--header", "X-Api-Key: " API_KEY, "--explain", "--retries", "0", NULL};
    for (int k = 0; k < 2; k++) {
        faultserver_script(fs, &resp[k], 1);
        size_t base = faultserver_request_count(fs);
        runcli_result r;
        query(&r, extra, "up", NULL, 20);
        ck_assert_msg(r.status == (k == 0 ? 3 : 0), "%d: %s", r.status, r.err);
        ck_assert_ptr_nonnull(strstr(r.err, "<redacted>"));
        ck_assert_msg(!strstr(r.out, API_KEY) && !strstr(r.err, API_KEY), "key shown: %s%s", r.out,
                      r.err);
        const faultserver_request *req = faultserver_get_request(fs, base);
        ck_assert_ptr_nonnull(req);
        ck_assert_str_eq(faultserver_request_header(req, "X-Api-Key"), API_KEY);
        runcli_free(&r);
    }
#undef API_KEY
}
END_TEST

/* ---- environment, explain, exit codes of the expression --------------------------- */

START_TEST(test_environment_urls_and_token)
{
    char err[256];
    faultserver *fs2 = faultserver_start(err, sizeof err);
    ck_assert_ptr_nonnull(fs2);
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    faultserver_respond(fs2, 200, NULL,
                        "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{"
                        "\"metric\":{\"a\":\"b\"},\"value\":[1704067200,\"8\"]}]}}");
    char urls[300], tok[64], tokenv[128];
    snprintf(urls, sizeof urls, "SLOEVAL_URL=%s, %s", faultserver_url(fs), faultserver_url(fs2));
    write_secret(tok, sizeof tok, TOKEN);
    snprintf(tokenv, sizeof tokenv, "SLOEVAL_BEARER_TOKEN_FILE=%s", tok);
    const char *env[] = {urls, tokenv, NULL};
    const char *argv[] = {SLOEVAL_CLI_PATH, "query",     "--compat", "v2", "--time",
                          "1704067200",     "--explain", "sum(x)",   NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, env, clean_env, 20), 0);
    ck_assert_msg(r.status == 0, "%s", r.err);
    /* Two shards: sum pushed to each and added. */
    ck_assert_str_eq(r.out, "{a=\"b\"}\t50\n");
    ck_assert_ptr_nonnull(strstr(r.err, "merged by sum: sum(x)"));
    ck_assert_ptr_nonnull(strstr(r.err, faultserver_url(fs2)));
    ck_assert_uint_eq(faultserver_request_count(fs), 1);
    ck_assert_uint_eq(faultserver_request_count(fs2), 1);
    const faultserver_request *req = faultserver_get_request(fs2, 0);
    ck_assert_str_eq(faultserver_request_header(req, "Authorization"), "Bearer " TOKEN);
    char *q = faultserver_form_value(req->body, "query");
    ck_assert_str_eq(q, "sum(x)");
    free(q);
    assert_clean(&r, "environment");
    runcli_free(&r);
    faultserver_stop(fs2);
}
END_TEST

START_TEST(test_expression_errors)
{
    runcli_result r;
    /* A parse error: before any request. */
    query(&r, NULL, "sum(", NULL, 20);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "1:5: parse error: unclosed left parenthesis"));
    ck_assert_uint_eq(faultserver_request_count(fs), 0);
    runcli_free(&r);

    /* Usage: a bad flag value. */
    const char *bad[] = {"--timeout", "soon", NULL};
    query(&r, bad, "up", NULL, 20);
    ck_assert_int_eq(r.status, 2);
    ck_assert_uint_eq(runcli_lines(r.err), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "--timeout"));
    runcli_free(&r);

    /* Two shards that both hold a series: never a silent answer. */
    char err[256];
    faultserver *fs2 = faultserver_start(err, sizeof err);
    faultserver_respond(fs, 200, NULL, VECTOR_OK);
    faultserver_respond(fs2, 200, NULL, VECTOR_OK);
    const char *argv[] = {SLOEVAL_CLI_PATH,
                          "query",
                          "--url",
                          faultserver_url(fs),
                          "--url",
                          faultserver_url(fs2),
                          "--compat",
                          "v2",
                          "x",
                          NULL};
    ck_assert_int_eq(runcli(&r, argv, NULL, clean_env, 20), 0);
    ck_assert_int_eq(r.status, 3);
    ck_assert_uint_eq(runcli_lines(r.err), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "more than one shard"));
    runcli_free(&r);

    /* Over two shards, what sloeval cannot merge nor evaluate is refused
     * with the reason and position, before any request. */
    faultserver_clear_requests(fs);
    faultserver_clear_requests(fs2);
    const char *argv2[] = {SLOEVAL_CLI_PATH,    "query", "--url",
                           faultserver_url(fs), "--url", faultserver_url(fs2),
                           "--compat",          "v3",    "--experimental-functions",
                           "limitk(1, x)",      NULL};
    ck_assert_int_eq(runcli(&r, argv2, NULL, clean_env, 20), 0);
    ck_assert_int_eq(r.status, 2);
    ck_assert_uint_eq(runcli_lines(r.err), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "limitk"));
    ck_assert_ptr_nonnull(strstr(r.err, "1:1"));
    ck_assert_uint_eq(faultserver_request_count(fs) + faultserver_request_count(fs2), 0);
    runcli_free(&r);
    faultserver_stop(fs2);
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_query");
    TCase *tc = tcase_create("faults");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fault, 0, (int)(sizeof cases / sizeof cases[0]));
    suite_add_tcase(s, tc);
    TCase *tc2 = tcase_create("behaviour");
    tcase_add_checked_fixture(tc2, setup, teardown);
    tcase_set_timeout(tc2, 120);
    tcase_add_test(tc2, test_secrets_never_shown);
    tcase_add_test(tc2, test_header_values_never_shown);
    tcase_add_test(tc2, test_environment_urls_and_token);
    tcase_add_test(tc2, test_expression_errors);
    suite_add_tcase(s, tc2);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
