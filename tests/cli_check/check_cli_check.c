/*
 * `sloeval check` (and `sloeval test`) on the command line, against a
 * loopback server that records every request (tests/support/faultserver):
 *   - warnings printed on stderr (when the text report is not on stdout)
 *     are escaped as the text report escapes them: a server's C0 and C1
 *     control characters never reach the terminal raw;
 *   - --time accepts every documented form, in check and in query, and
 *     the instant sent is the one meant;
 *   - `sloeval test` on a promtool unit test file says what it is.
 */
#define _DEFAULT_SOURCE /* timegm, mkdtemp */
#include <check.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "faultserver.h"
#include "runcli.h"

static faultserver *fs;
static char dir[] = "/tmp/sloeval-cli-check-XXXXXX";
static char config_path[128];

static const char *const clean_env[] = {"SLOEVAL_URL",
                                        "SLOEVAL_BEARER_TOKEN_FILE",
                                        "SLOEVAL_BEARER_TOKEN",
                                        "SLOEVAL_BASIC_AUTH_USER",
                                        "SLOEVAL_BASIC_AUTH_PASSWORD_FILE",
                                        "SLOEVAL_BASIC_AUTH_PASSWORD",
                                        NULL};

static const char *VECTOR_1 =
    "{\"status\":\"success\",\"data\":{\"resultType\":\"vector\",\"result\":[{\"metric\":{},"
    "\"value\":[1704067200,\"1\"]}]}}";

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    ck_assert_int_eq(fclose(f), 0);
}

/* A config whose one (global) backend is the fault server; compat as given. */
static void write_config(const char *compat)
{
    char text[1024];
    snprintf(text, sizeof text,
             "backends:\n"
             "  global: {url: \"%s\", retries: 0, compat: %s}\n"
             "slos:\n"
             "  - name: avail\n"
             "    objective: 99.9\n"
             "    sli:\n"
             "      error_query: sum(rate(e[{{window}}]))\n"
             "      total_query: sum(rate(t[{{window}}]))\n",
             faultserver_url(fs), compat);
    snprintf(config_path, sizeof config_path, "%s/config.yaml", dir);
    write_file(config_path, text);
}

static void setup(void)
{
    char err[256];
    fs = faultserver_start(err, sizeof err);
    ck_assert_msg(fs != NULL, "faultserver: %s", err);
    ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void teardown(void)
{
    faultserver_stop(fs);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    if (system(cmd)) {
    }
    strcpy(dir, "/tmp/sloeval-cli-check-XXXXXX");
}

static void run(runcli_result *r, const char *const *argv)
{
    ck_assert_int_eq(runcli(r, argv, NULL, clean_env, 60), 0);
    ck_assert_msg(!r->timed_out, "the command did not finish");
}

/* A server version holding ESC, BEL and C1 CSI (U+009B): the warning about
 * it goes to stderr with --output json, and must be escaped there as the
 * text report escapes it. */
START_TEST(test_stderr_warnings_escaped)
{
    write_config("auto");
    faultserver_response script[2] = {
        {.body = "{\"status\":\"success\",\"data\":{\"version\":\"9\\u001b]0;x\\u0007"
                 "\\u009b2J\"}}"},
        {.body = VECTOR_1},
    };
    faultserver_script(fs, script, 2);
    const char *argv[] = {SLOEVAL_CLI_PATH, "check",      "--config", config_path,
                          "--time",         "1704067200", "--output", "json",
                          "--mode",         "local",      NULL};
    runcli_result r;
    run(&r, argv);
    ck_assert_msg(strstr(r.err, "warning: ") != NULL, "no warning on stderr: %s", r.err);
    ck_assert_msg(!strchr(r.err, '\033') && !strchr(r.err, '\007'),
                  "a control character reached stderr raw: %s", r.err);
    ck_assert_msg(!strstr(r.err, "\xc2\x9b"), "C1 CSI reached stderr raw: %s", r.err);
    ck_assert_msg(strstr(r.err, "\\u009b2J") != NULL, "C1 CSI not shown as an escape: %s", r.err);
    runcli_free(&r);
}
END_TEST

/* ---- --time in every form ------------------------------------------------------ */

typedef struct time_form {
    const char *arg;
    double want;   /* the unix time sent; 0: now (within the run) */
    double offset; /* for relative forms: want = now + offset */
} time_form;

static const time_form time_forms[] = {
    {"1704067200", 1704067200, 0},
    {"1704067200.5", 1704067200.5, 0},
    {"2024-01-01T00:00:00Z", 1704067200, 0},
    {"2024-01-01T01:30:00+01:30", 1704067200, 0},
    {"2024-01-01T00:00:00.250Z", 1704067200.25, 0},
    {"2024-01-01", 1704067200, 0},
    {"now", 0, 0},
    {"now-1h30m", 0, -5400},
    {"now-90s", 0, -90},
};

/* A time as sent: unix seconds, or RFC 3339 in UTC with optional fraction. */
static double parse_sent(const char *v)
{
    if (!strchr(v, 'T')) return strtod(v, NULL);
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    double sec = 0;
    if (sscanf(v, "%d-%d-%dT%d:%d:%lf", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm) + sec;
}

/* The instant of the last query request the server recorded (the `time`
 * parameter, in the query string or the form body), or -1. */
static double sent_time(void)
{
    double t = -1;
    for (size_t i = 0; i < faultserver_request_count(fs); i++) {
        const faultserver_request *q = faultserver_get_request(fs, i);
        if (!strstr(q->path, "/api/v1/query")) continue;
        char *v = faultserver_form_value(q->query, "time");
        if (!v && q->body) v = faultserver_form_value(q->body, "time");
        if (v) t = parse_sent(v);
        free(v);
    }
    return t;
}

static void assert_time(const time_form *f, double t, double before, double after, const char *cmd)
{
    ck_assert_msg(t >= 0, "%s --time %s: no query with a time was sent", cmd, f->arg);
    if (f->want)
        ck_assert_msg(t == f->want, "%s --time %s: sent %.3f, expected %.3f", cmd, f->arg, t,
                      f->want);
    else
        ck_assert_msg(t >= before + f->offset - 2 && t <= after + f->offset + 2,
                      "%s --time %s: sent %.3f, expected about %.3f", cmd, f->arg, t,
                      before + f->offset);
}

START_TEST(test_time_forms)
{
    const time_form *f = &time_forms[_i];
    write_config("v2");
    faultserver_respond(fs, 200, NULL, VECTOR_1);
    runcli_result r;

    faultserver_clear_requests(fs);
    double before = (double)time(NULL);
    const char *check_argv[] = {SLOEVAL_CLI_PATH, "check",    "--config", config_path, "--time",
                                f->arg,           "--output", "json",     NULL};
    run(&r, check_argv);
    double after = (double)time(NULL);
    /* errors / total = 1: a decision (firing), not a usage error nor inconclusive */
    ck_assert_msg(r.status == 1, "check --time %s: exit %d: %s", f->arg, r.status, r.err);
    assert_time(f, sent_time(), before, after, "check");
    runcli_free(&r);

    faultserver_clear_requests(fs);
    before = (double)time(NULL);
    const char *query_argv[] = {SLOEVAL_CLI_PATH,
                                "query",
                                "--url",
                                faultserver_url(fs),
                                "--compat",
                                "v2",
                                "--time",
                                f->arg,
                                "--",
                                "x",
                                NULL};
    run(&r, query_argv);
    after = (double)time(NULL);
    ck_assert_msg(r.status == 0, "query --time %s: exit %d: %s", f->arg, r.status, r.err);
    assert_time(f, sent_time(), before, after, "query");
    runcli_free(&r);
}
END_TEST

/* Forms that are not times: a one-line usage error naming --time, exit 2,
 * no request. */
START_TEST(test_time_errors)
{
    static const char *const bad[] = {"yesterday", "2024-13-01", "now-", "now-1x", "1e400", ""};
    write_config("v2");
    runcli_result r;
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        faultserver_clear_requests(fs);
        const char *argv[] = {SLOEVAL_CLI_PATH, "check", "--config", config_path,
                              "--time",         bad[i],  NULL};
        run(&r, argv);
        ck_assert_msg(r.status == 2, "check --time '%s': exit %d", bad[i], r.status);
        ck_assert_msg(strstr(r.err, "--time") != NULL, "check --time '%s': %s", bad[i], r.err);
        ck_assert_uint_eq(faultserver_request_count(fs), 0);
        runcli_free(&r);
        const char *qargv[] = {SLOEVAL_CLI_PATH, "query", "--url", faultserver_url(fs),
                               "--time",         bad[i],  "x",     NULL};
        run(&r, qargv);
        ck_assert_msg(r.status == 2, "query --time '%s': exit %d", bad[i], r.status);
        ck_assert_msg(strstr(r.err, "--time") != NULL, "query --time '%s': %s", bad[i], r.err);
        ck_assert_uint_eq(faultserver_request_count(fs), 0);
        runcli_free(&r);
    }
}
END_TEST

/* `sloeval test` on a promtool unit test file names it as one. */
START_TEST(test_promtool_file)
{
    char path[160];
    snprintf(path, sizeof path, "%s/rules_test.yaml", dir);
    write_file(path, "rule_files:\n  - rules.yaml\nevaluation_interval: 1m\ntests:\n"
                     "  - interval: 1m\n    input_series: []\n");
    const char *argv[] = {SLOEVAL_CLI_PATH, "test", path, NULL};
    runcli_result r;
    run(&r, argv);
    ck_assert_int_eq(r.status, 2);
    ck_assert_msg(strstr(r.err, "promtool unit test file") != NULL, "%s", r.err);
    ck_assert_msg(strstr(r.err, "promtool test rules") != NULL, "%s", r.err);
    runcli_free(&r);
}
END_TEST

/* ---- --url, the connection flags, $SLOEVAL_URL, --timeout ------------------------ */

static const char SLOTH[] = "version: \"prometheus/v1\"\n"
                            "service: \"svc\"\n"
                            "slos:\n"
                            "  - name: \"avail\"\n"
                            "    objective: 99.9\n"
                            "    sli:\n"
                            "      events:\n"
                            "        error_query: sum(rate(e_total{code=~\"5..\"}[{{.window}}]))\n"
                            "        total_query: sum(rate(e_total[{{.window}}]))\n"
                            "    alerting:\n"
                            "      name: SvcErrors\n";

static const char RULES[] = "groups:\n"
                            "  - name: g\n"
                            "    rules:\n"
                            "      - alert: Down\n"
                            "        expr: up == 0\n";

static void file_in_dir(char *path, size_t size, const char *name, const char *text)
{
    snprintf(path, size, "%s/%s", dir, name);
    write_file(path, text);
}

/* A Sloth spec and a rule file run against --url, with the headers, tenant
 * and token of the flags on every request; no secret in the output. */
START_TEST(test_url_runs_sloth_and_rules)
{
    char spec[160], rules[160], token[160];
    file_in_dir(spec, sizeof spec, "spec.yaml", SLOTH);
    file_in_dir(rules, sizeof rules, "rules.yaml", RULES);
    file_in_dir(token, sizeof token, "token", "tok-SECRET-1\n");
    faultserver_respond(fs, 200, NULL, VECTOR_1);
    const char *files[] = {spec, rules};
    for (int k = 0; k < 2; k++) {
        faultserver_clear_requests(fs);
        const char *argv[] = {SLOEVAL_CLI_PATH,
                              "check",
                              "--config",
                              files[k],
                              "--url",
                              faultserver_url(fs),
                              "--header",
                              "X-Api-Key: key-SECRET-2",
                              "--tenant",
                              "team-a",
                              "--bearer-token-file",
                              token,
                              "--time",
                              "1704067200",
                              NULL};
        runcli_result r;
        run(&r, argv);
        /* Sloth: errors/total = 1 fires; rules: the server returns a series: fires */
        ck_assert_msg(r.status == 1, "%s: exit %d: %s%s", files[k], r.status, r.out, r.err);
        ck_assert_msg(faultserver_request_count(fs) > 0, "%s: no request", files[k]);
        for (size_t i = 0; i < faultserver_request_count(fs); i++) {
            const faultserver_request *q = faultserver_get_request(fs, i);
            const char *h = faultserver_request_header(q, "X-Api-Key");
            ck_assert_msg(h && !strcmp(h, "key-SECRET-2"), "request %zu: X-Api-Key %s", i,
                          h ? h : "(none)");
            h = faultserver_request_header(q, "X-Scope-OrgID");
            ck_assert_msg(h && !strcmp(h, "team-a"), "request %zu: tenant %s", i, h ? h : "-");
            h = faultserver_request_header(q, "Authorization");
            ck_assert_msg(h && !strcmp(h, "Bearer tok-SECRET-1"), "request %zu: %s", i,
                          h ? h : "(no Authorization)");
        }
        ck_assert_msg(!strstr(r.out, "SECRET") && !strstr(r.err, "SECRET"),
                      "a secret was printed: %s%s", r.out, r.err);
        runcli_free(&r);
    }
}
END_TEST

/* $SLOEVAL_URL is the global backend of a Sloth spec; a config with its
 * own backends keeps them (and --url with it is a usage error). */
START_TEST(test_url_environment)
{
    char spec[160];
    file_in_dir(spec, sizeof spec, "spec.yaml", SLOTH);
    faultserver_respond(fs, 200, NULL, VECTOR_1);
    char env_url[128];
    snprintf(env_url, sizeof env_url, "SLOEVAL_URL=%s", faultserver_url(fs));
    const char *env[] = {env_url, NULL};
    const char *argv[] = {SLOEVAL_CLI_PATH, "check",      "--config", spec,
                          "--time",         "1704067200", NULL};
    runcli_result r;
    ck_assert_int_eq(runcli(&r, argv, env, NULL, 60), 0);
    ck_assert_msg(r.status == 1, "exit %d: %s", r.status, r.err);
    ck_assert_uint_gt(faultserver_request_count(fs), 0);
    runcli_free(&r);

    /* a config with backends: $SLOEVAL_URL is not used (its backend is port 1) */
    write_config("v2");
    char other[256];
    snprintf(other, sizeof other, "%s/other.yaml", dir);
    char text[512];
    snprintf(text, sizeof text,
             "backends:\n  global: {url: \"http://127.0.0.1:1\", retries: 0, compat: v2}\n"
             "slos:\n  - name: a\n    objective: 99.9\n    sli:\n"
             "      error_query: sum(rate(e[{{window}}]))\n"
             "      total_query: sum(rate(t[{{window}}]))\n");
    write_file(other, text);
    faultserver_clear_requests(fs);
    const char *argv2[] = {SLOEVAL_CLI_PATH, "check",      "--config", other,
                           "--time",         "1704067200", NULL};
    ck_assert_int_eq(runcli(&r, argv2, env, NULL, 60), 0);
    ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
    ck_assert_uint_eq(faultserver_request_count(fs), 0);
    runcli_free(&r);
    const char *argv3[] = {SLOEVAL_CLI_PATH,    "check", "--config", other, "--url",
                           faultserver_url(fs), NULL};
    run(&r, argv3);
    ck_assert_int_eq(r.status, 2);
    ck_assert_uint_eq(runcli_lines(r.err), 1);
    ck_assert_ptr_nonnull(strstr(r.err, "its own backends"));
    runcli_free(&r);
}
END_TEST

/* --timeout bounds the whole run: a server that never answers in time
 * makes it inconclusive (exit 3) with the reason, within the bound. */
START_TEST(test_timeout_bounds_the_run)
{
    char spec[160];
    file_in_dir(spec, sizeof spec, "spec.yaml", SLOTH);
    faultserver_response slow = {.body = VECTOR_1, .fault = FAULT_DELAY_HEADERS, .delay_ms = 30000};
    faultserver_script(fs, &slow, 1);
    const char *argv[] = {SLOEVAL_CLI_PATH,    "check",     "--config", spec, "--url",
                          faultserver_url(fs), "--timeout", "1500ms",   NULL};
    runcli_result r;
    run(&r, argv);
    ck_assert_msg(r.status == 3, "exit %d: %s", r.status, r.err);
    const char *vg = getenv("SLOEVAL_TEST_VALGRIND");
    double limit = vg && *vg && strcmp(vg, "0") ? 30 : 6;
    ck_assert_msg(r.seconds < limit, "took %.1f s with --timeout 1500ms", r.seconds);
    ck_assert_msg(strstr(r.err, "--timeout") || strstr(r.out, "timed out") ||
                      strstr(r.out, "timeout"),
                  "no reason given: %s%s", r.out, r.err);
    runcli_free(&r);

    /* a bad duration: usage error, nothing sent */
    faultserver_clear_requests(fs);
    const char *argv2[] = {SLOEVAL_CLI_PATH,    "check",     "--config", spec, "--url",
                           faultserver_url(fs), "--timeout", "soon",     NULL};
    run(&r, argv2);
    ck_assert_int_eq(r.status, 2);
    ck_assert_ptr_nonnull(strstr(r.err, "--timeout"));
    ck_assert_uint_eq(faultserver_request_count(fs), 0);
    runcli_free(&r);
}
END_TEST

/* ---- --explain says what is sent ------------------------------------------------- */

/* ms since the epoch of "2024-01-01T00:00:00.000Z" at p, or -1. */
static long long rfc3339_ms(const char *p)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    int ms = 0;
    if (sscanf(p, "%d-%d-%dT%d:%d:%d.%dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec, &ms) != 7)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (long long)timegm(&tm) * 1000 + ms;
}

/* Against a server that says it is Prometheus 2.42.0 (compat auto):
 * every request the server received is in the explain text as sent, the
 * window explain states for each fetch is the selector's range, and the
 * semantics named are the detected 2.x (local) or the server's own
 * (pushed down whole), never 3.x. */
START_TEST(test_explain_matches_requests)
{
    write_config("auto");
    static const char *const modes[] = {"local", "auto"};
    for (int m = 0; m < 2; m++) {
        faultserver_response script[2] = {
            {.body = "{\"status\":\"success\",\"data\":{\"version\":\"2.42.0\"}}"},
            {.body = VECTOR_1},
        };
        faultserver_script(fs, script, m == 0 ? 2 : 1);
        if (m == 1) faultserver_respond(fs, 200, NULL, VECTOR_1);
        faultserver_clear_requests(fs);
        const char *argv[] = {SLOEVAL_CLI_PATH, "check",      "--config", config_path,
                              "--time",         "1704067200", "--mode",   modes[m],
                              "--explain",      "--output",   "json",     NULL};
        runcli_result r;
        run(&r, argv);
        const char *plan = strstr(r.err, "the plan:");
        ck_assert_msg(plan != NULL, "%s: no plan: %s", modes[m], r.err);
        ck_assert_msg(!strstr(plan, "3.x semantics"), "%s: 3.x named against 2.42: %s", modes[m],
                      plan);
        ck_assert_msg(strstr(plan, m == 0 ? "2.x semantics" : "the server's semantics"), "%s: %s",
                      modes[m], plan);
        ck_assert_msg(
            strstr(r.err, m == 0 ? "backend global: 2.x semantics (detected from its buildinfo)"
                                 : "backend global: version not asked"),
            "%s: %s", modes[m], r.err);
        size_t nq = 0;
        for (size_t i = 0; i < faultserver_request_count(fs); i++) {
            const faultserver_request *q = faultserver_get_request(fs, i);
            if (strcmp(q->path, "/api/v1/query")) continue;
            nq++;
            char *text = faultserver_form_value(q->body ? q->body : q->query, "query");
            ck_assert_ptr_nonnull(text);
            char want[512];
            snprintf(want, sizeof want, "/api/v1/query query=%s time=", text);
            ck_assert_msg(strstr(plan, want) != NULL, "%s: sent %s, not in explain:\n%s", modes[m],
                          text, plan);
            free(text);
        }
        ck_assert_uint_gt(nq, 0);
        /* "fetched from A to B" then the request "...[Nms] time=B" */
        size_t nfetch = 0;
        for (const char *p = strstr(plan, "fetched from "); p; p = strstr(p + 1, "fetched from ")) {
            long long a = rfc3339_ms(p + 13);
            const char *to = strstr(p, " to ");
            long long b = to ? rfc3339_ms(to + 4) : -1;
            const char *br = strstr(p, "}[");
            ck_assert_msg(a > 0 && b > 0 && br, "%s: cannot read %.200s", modes[m], p);
            long long n = strtoll(br + 2, NULL, 10);
            ck_assert_msg(n == b - a + 1, "%s: explain says %lld ms, sends %lld ms: %.300s",
                          modes[m], b - a + 1, n, p);
            nfetch++;
        }
        ck_assert_msg(m == 1 || nfetch > 0, "local: no fetch in explain");
        runcli_free(&r);
    }
}
END_TEST

/* ---- subqueries without a step evaluated locally ---------------------------------- */

/* sloeval evaluates [W:] every 1m, Prometheus every evaluation_interval:
 * in local mode the run says so (a warning naming the query); pushed down
 * whole (auto, one backend) it does not. */
START_TEST(test_stepless_subquery_warns_in_local_mode)
{
    char text[1024], path[160];
    snprintf(text, sizeof text,
             "backends:\n"
             "  global: {url: \"%s\", retries: 0, compat: v2}\n"
             "slos:\n"
             "  - name: avail\n"
             "    objective: 99.9\n"
             "    sli:\n"
             "      error_query: max_over_time(sum(rate(e[5m]))[{{window}}:])\n"
             "      total_query: sum(rate(t[{{window}}]))\n",
             faultserver_url(fs));
    file_in_dir(path, sizeof path, "subq.yaml", text);
    faultserver_respond(fs, 200, NULL, VECTOR_1);
    static const char *const modes[] = {"local", "auto"};
    for (int m = 0; m < 2; m++) {
        const char *argv[] = {SLOEVAL_CLI_PATH, "check",      "--config", path,
                              "--time",         "1704067200", "--mode",   modes[m],
                              "--output",       "json",       NULL};
        runcli_result r;
        run(&r, argv);
        const char *w = strstr(r.err, "subquery without a step");
        if (m == 0) {
            ck_assert_msg(w != NULL, "local: no warning: %s", r.err);
            ck_assert_msg(strstr(r.err, "error_query") && strstr(r.err, "evaluation_interval"),
                          "%s", r.err);
            ck_assert_msg(strstr(r.out, "subquery without a step") != NULL,
                          "not in the json report");
        } else {
            ck_assert_msg(w == NULL, "auto, pushed down whole: %s", r.err);
        }
        runcli_free(&r);
    }
}
END_TEST

int main(void)
{
    Suite *s = suite_create("cli_check");
    TCase *tc = tcase_create("cli");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_stderr_warnings_escaped);
    tcase_add_loop_test(tc, test_time_forms, 0, (int)(sizeof time_forms / sizeof *time_forms));
    tcase_add_test(tc, test_time_errors);
    tcase_add_test(tc, test_promtool_file);
    tcase_add_test(tc, test_url_runs_sloth_and_rules);
    tcase_add_test(tc, test_url_environment);
    tcase_add_test(tc, test_timeout_bounds_the_run);
    tcase_add_test(tc, test_explain_matches_requests);
    tcase_add_test(tc, test_stepless_subquery_warns_in_local_mode);
    suite_add_tcase(s, tc);
    SRunner *sr = srunner_create(s);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
