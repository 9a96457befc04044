/*
 * The decisions at their edges, against a real Prometheus 2.42: an error
 * ratio sitting exactly on a burn-rate threshold (14.4 x the budget of a
 * 99.9% objective) decided as the equivalent Prometheus rule decides it,
 * and the error-budget gate (a spent budget with quiet alerts must be able
 * to fail the check; severities the gate does not fail on pass).
 *
 * The data are gauges whose values are error ratios, so that every
 * window's ratio is known exactly:
 *   boundary_error_ratio  0.0144 throughout (exactly 14.4 x 0.001)
 *   spent_error_ratio     0.02 until 02:00, then 0.0005: by 06:00 the page
 *                         and ticket windows are quiet (burn 0.5), the
 *                         budget over the period is spent (avg 0.007: -600%)
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "promserver.h"
#include "sloeval.h"

#define START_S 1704067200LL /* 2024-01-01T00:00:00Z */
#define HOURS   6
static const int64_t T_END = (START_S + HOURS * 3600) * 1000;

static char dir[] = "/tmp/sloeval-gate-it-XXXXXX";
static promserver *srv;
static char fixture_error[1024];

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f))
        snprintf(fixture_error, sizeof(fixture_error), "cannot write %s", path);
}

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    if (!mkdtemp(dir)) {
        snprintf(fixture_error, sizeof fixture_error, "mkdtemp");
        return;
    }
    char path[512];
    snprintf(path, sizeof(path), "%s/data.om", dir);
    FILE *f = fopen(path, "w");
    if (!f) {
        snprintf(fixture_error, sizeof fixture_error, "cannot write %s", path);
        return;
    }
    /* one sample a minute, 00:00 to 06:00: exactly on the page threshold */
    fputs("# TYPE boundary_error_ratio gauge\n", f);
    for (int64_t t = START_S; t <= START_S + HOURS * 3600; t += 60)
        fprintf(f, "boundary_error_ratio 0.0144 %lld\n", (long long)t);
    fputs("# TYPE spent_error_ratio gauge\n", f);
    for (int64_t t = START_S; t <= START_S + HOURS * 3600; t += 60)
        fprintf(f, "spent_error_ratio %s %lld\n", t < START_S + 2 * 3600 ? "0.02" : "0.0005",
                (long long)t);
    fputs("# EOF\n", f);
    fclose(f);
    if (!(srv = promserver_start(path, err, sizeof err))) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    char buf[2048];
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n"
             "slos:\n"
             "  - name: edge\n"
             "    objective: 99.9\n"
             "    sli: {error_ratio_query: 'max_over_time(boundary_error_ratio[{{window}}])'}\n",
             promserver_url(srv));
    write_file("edge.yaml", buf);
    /* quiet alerts (5m..2h windows at 0.0005), budget spent */
    static const char *spent_policy = "policy:\n"
                                      "  - {severity: page, long: 1h, short: 5m, factor: 14.4}\n"
                                      "  - {severity: ticket, long: 2h, short: 30m, factor: 3}\n";
    static const char *spent_slo =
        "  - name: spent\n"
        "    objective: 99.9\n"
        "    sli: {error_ratio_query: 'avg_over_time(spent_error_ratio[{{window}}])'}\n";
    snprintf(buf, sizeof(buf), "backends:\n  global: {url: \"%s\"}\n%sslos:\n%s",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("spent.yaml", buf);
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n%sgate: {budget_below: 0, fail_on: [page]}\n"
             "slos:\n%s",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("spent-gate.yaml", buf);
    /* the SLO's own threshold wins over the top-level one and the flag */
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n%sgate: {budget_below: 0}\n"
             "slos:\n%s    gate: {budget_below: -1000}\n",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("spent-own.yaml", buf);
    /* a spent budget and an inconclusive SLO (no data): the gate wins */
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n%sgate: {budget_below: 0}\n"
             "slos:\n%s"
             "  - name: nodata\n"
             "    objective: 99\n"
             "    sli: {error_ratio_query: 'avg_over_time(no_such_metric[{{window}}])'}\n",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("spent-nodata.yaml", buf);
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n%sgate: {fail_on: [pager]}\nslos:\n%s",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("bad-gate.yaml", buf);
    /* the examples' region, on its own backend (the global scope fans out) */
    snprintf(buf, sizeof(buf),
             "backends:\n  eu-west-1: {url: \"%s\"}\nregions: {names: [eu-west-1]}\n%s"
             "slos:\n%s",
             promserver_url(srv), spent_policy, spent_slo);
    write_file("argo.yaml", buf);
    sloeval_global_init();
}

static void teardown(void)
{
    promserver_stop(srv);
    srv = NULL;
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

static sloeval_check_report *run(const char *config)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, config);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, path, NULL, &err) == 0, "%s", err.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    o.time_ms = T_END;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &err) == 0, "%s", err.message);
    sloeval_slo_set_free(set);
    return rep;
}

static const sloeval_check_rule *rule(const sloeval_check_slo_result *s, const char *lw,
                                      const char *sw)
{
    for (size_t i = 0; i < sloeval_check_slo_rule_count(s); i++) {
        const sloeval_check_rule *r = sloeval_check_slo_rule(s, i);
        if (!strcmp(sloeval_check_rule_long_window(r), lw) &&
            !strcmp(sloeval_check_rule_short_window(r), sw))
            return r;
    }
    ck_abort_msg("no rule %s/%s", lw, sw);
    return NULL;
}

/* Sloth writes `ratio > (14.4 * 0.0009999999999999432)` (its budget is
 * (100 - 99.9) / 100 in float64); Prometheus fires on a ratio of exactly
 * 0.0144 there, and so must sloeval. */
START_TEST(test_boundary_fires_as_prometheus_does)
{
    REQUIRE_FIXTURE();
    char at[32];
    snprintf(at, sizeof(at), "%lld", (long long)(T_END / 1000));
    const char *windows[] = {"5m", "1h"};
    for (size_t i = 0; i < 2; i++) {
        char expr[256];
        double v;
        snprintf(expr, sizeof(expr), "max_over_time(boundary_error_ratio[%s])", windows[i]);
        ck_assert_int_eq(promserver_query_value(srv, expr, at, &v), 0);
        ck_assert_double_eq(v, 0.0144);
        /* the Sloth rule's comparison fires on the server */
        snprintf(expr, sizeof(expr),
                 "max_over_time(boundary_error_ratio[%s]) > (14.4 * 0.0009999999999999432)",
                 windows[i]);
        ck_assert_msg(promserver_query_value(srv, expr, at, &v) == 0, "%s is empty", expr);
        ck_assert_double_eq(v, 0.0144);
    }
    sloeval_check_report *rep = run("edge.yaml");
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 1);
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    const sloeval_check_rule *r = rule(s, "1h", "5m");
    ck_assert_double_eq(sloeval_check_rule_factor(r), 14.4);
    ck_assert_int_eq(sloeval_check_rule_state_of(r), SLOEVAL_CHECK_RULE_FIRING);
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_slo_severity(s), "page");
    /* 6h/30m at factor 6 is well above its threshold */
    ck_assert_int_eq(sloeval_check_rule_state_of(rule(s, "6h", "30m")), SLOEVAL_CHECK_RULE_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

/* ---- the gate, through the command ------------------------------------------ */

static int cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && '" SLOEVAL_BINARY_DIR "/bin/sloeval' check --time %lld %s >out.txt "
             "2>err.txt",
             dir, (long long)(T_END / 1000), args);
    int rc = system(cmd);
    ck_assert(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

static const char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "r");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

#define EXPECT_EXIT(args, code)                                                                    \
    do {                                                                                           \
        int rc_ = cli(args);                                                                       \
        ck_assert_msg(rc_ == (code), "check %s: exit %d, expected %d\nstdout: %s", args, rc_,      \
                      code, slurp("out.txt"));                                                     \
    } while (0)
#define EXPECT_OUT(needle)                                                                         \
    ck_assert_msg(strstr(slurp("out.txt"), needle), "no '%s' in:\n%s", needle, slurp("out.txt"))

/* sloeval_check_options as the version-1 headers declared it */
typedef struct check_options_v1 {
    unsigned int version;
    int64_t time_ms;
    const char *const *scopes;
    size_t nscopes;
    sloeval_check_mode mode;
    bool explain;
} check_options_v1;

/* The library: the gate through the options; a version-1 struct (no gate
 * fields; allocated at its exact size, so that reading past it is an
 * overflow under AddressSanitizer) still reads, with the gate off. */
START_TEST(test_gate_library)
{
    REQUIRE_FIXTURE();
    char path[512];
    snprintf(path, sizeof(path), "%s/spent.yaml", dir);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, path, NULL, &err) == 0, "%s", err.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    ck_assert_uint_eq(o.version, 2);
    o.time_ms = T_END;
    o.fail_on_budget = true;
    o.fail_on_budget_below = 0;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &err) == 0, "%s", err.message);
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_FIRING);
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_OK);
    ck_assert(sloeval_check_slo_gate_failed(s));
    ck_assert_str_eq(sloeval_check_slo_gate_rule(s), "--fail-on-budget-below");
    ck_assert_double_eq(sloeval_check_slo_gate_budget_below(s), 0);
    sloeval_check_report_free(rep);

    o.fail_on_budget_below = 1000;
    ck_assert_int_eq(sloeval_check_run(&rep, set, &o, &err), SLOEVAL_EINVAL);
    ck_assert_ptr_null(rep);
    o.fail_on_budget = false;
    const char *sev[] = {"pager"};
    o.fail_on = sev;
    o.nfail_on = 1;
    ck_assert_int_eq(sloeval_check_run(&rep, set, &o, &err), SLOEVAL_EINVAL);
    ck_assert_ptr_nonnull(strstr(err.message, "unknown severity 'pager'"));

    check_options_v1 *v1 = malloc(sizeof(*v1));
    ck_assert_ptr_nonnull(v1);
    memset(v1, 0, sizeof(*v1));
    v1->version = 1;
    v1->time_ms = T_END;
    v1->mode = SLOEVAL_CHECK_MODE_AUTO;
    ck_assert_msg(sloeval_check_run(&rep, set, (const sloeval_check_options *)v1, &err) == 0, "%s",
                  err.message);
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_OK);
    ck_assert(!sloeval_check_slo_gate_failed(sloeval_check_report_slo(rep, 0)));
    ck_assert(isnan(sloeval_check_slo_gate_budget_below(sloeval_check_report_slo(rep, 0))));
    sloeval_check_report_free(rep);
    free(v1);
    sloeval_slo_set_free(set);
}
END_TEST

/* A budget spent with quiet alerts exits 0 without a gate, 1 with one. */
START_TEST(test_gate_budget_flag)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("spent.yaml");
    const sloeval_check_slo_result *s = sloeval_check_report_slo(rep, 0);
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_OK);
    ck_assert_double_lt(sloeval_check_slo_budget_remaining(s), -5.9);
    ck_assert(!sloeval_check_slo_gate_failed(s));
    ck_assert_ptr_null(sloeval_check_slo_gate_rule(s));
    sloeval_check_report_free(rep);

    EXPECT_EXIT("--config spent.yaml", 0);
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below 0 --color never", 1);
    EXPECT_OUT("GATE spent global: budget -");
    EXPECT_OUT("below 0% (--fail-on-budget-below)");
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below -700", 0);
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below -599", 0); /* budget -598.2% */
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below -590 --output json", 1);
    EXPECT_OUT("\"gate\":{\"failed\":true,\"rule\":\"--fail-on-budget-below\","
               "\"budget_below\":-590}");
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below 1,5", 2);
    EXPECT_EXIT("--config spent.yaml --fail-on-budget-below 101", 2);
}
END_TEST

START_TEST(test_gate_config)
{
    REQUIRE_FIXTURE();
    EXPECT_EXIT("--config spent-gate.yaml --color never", 1);
    EXPECT_OUT("(gate.budget_below)");
    EXPECT_EXIT("--config spent-gate.yaml --output prom", 1);
    EXPECT_OUT(
        "sloeval_slo_gate_failed{slo=\"spent\",scope=\"global\",rule=\"gate.budget_below\"} 1");
    EXPECT_OUT("sloeval_check_status 1");
    EXPECT_EXIT("--config spent-gate.yaml --output junit", 1);
    EXPECT_OUT("type=\"budget\"");
    EXPECT_OUT("below 0% (gate.budget_below)");
    /* the flag replaces the top-level threshold */
    EXPECT_EXIT("--config spent-gate.yaml --fail-on-budget-below -700", 0);
    /* the SLO's own threshold wins over both */
    EXPECT_EXIT("--config spent-own.yaml", 0);
    EXPECT_EXIT("--config spent-own.yaml --fail-on-budget-below 0", 0);
    EXPECT_EXIT("--config spent-own.yaml --fail-on-budget-below 0 --output json", 0);
    EXPECT_OUT("\"gate\":{\"failed\":false,\"rule\":null,\"budget_below\":-1000}");
    /* exit 1 wins over 3: an SLO without data does not hide a spent budget */
    EXPECT_EXIT("--config spent-nodata.yaml --color never", 1);
    EXPECT_OUT("INCONCLUSIVE nodata global");
    EXPECT_EXIT("--config spent-nodata.yaml --fail-on-budget-below -700", 3);
    /* a severity the policy does not have */
    EXPECT_EXIT("--config bad-gate.yaml", 2);
    ck_assert_ptr_nonnull(strstr(slurp("err.txt"), "unknown severity 'pager'"));
}
END_TEST

/* --fail-on: the severities whose firing fails the check */
START_TEST(test_gate_fail_on)
{
    REQUIRE_FIXTURE();
    EXPECT_EXIT("--config edge.yaml", 1);
    EXPECT_EXIT("--config edge.yaml --fail-on page,ticket", 1);
    EXPECT_EXIT("--config edge.yaml --fail-on page --output json", 1);
    EXPECT_OUT("\"gate\":{\"failed\":true,\"rule\":\"fail_on\"");
    /* burn 14.4 fires the ticket rules too */
    EXPECT_EXIT("--config edge.yaml --fail-on ticket --output json", 1);
    EXPECT_OUT("\"gate\":{\"failed\":true,\"rule\":\"fail_on\"");
    EXPECT_EXIT("--config edge.yaml --fail-on none --color never", 0);
    EXPECT_OUT("NOT GATED edge global: page");
    EXPECT_EXIT("--config edge.yaml --fail-on none --fail-on-budget-below 0", 1);
    EXPECT_EXIT("--config edge.yaml --fail-on none --output junit", 0);
    ck_assert_ptr_null(strstr(slurp("out.txt"), "<failure"));
    EXPECT_EXIT("--config edge.yaml --fail-on pager", 2);
    ck_assert_ptr_nonnull(strstr(slurp("err.txt"), "unknown severity 'pager'"));
    /* the config's fail_on: [page] still fails a firing page */
    EXPECT_EXIT("--config spent-gate.yaml --fail-on none", 1);
}
END_TEST

/* The CI example stops a deploy on a spent budget with quiet alerts. */
START_TEST(test_gate_ci_example)
{
    REQUIRE_FIXTURE();
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && SLOEVAL='" SLOEVAL_BINARY_DIR "/bin/sloeval' "
             "SLO_GATE_JUNIT=gate.xml '" SLOEVAL_SOURCE_DIR "/examples/ci/slo-gate.sh' argo.yaml "
             "eu-west-1 --time %lld >out.txt 2>err.txt",
             dir, (long long)(T_END / 1000));
    int rc = system(cmd);
    ck_assert(WIFEXITED(rc));
    ck_assert_msg(WEXITSTATUS(rc) == 1, "slo-gate.sh: exit %d: %s", WEXITSTATUS(rc),
                  slurp("out.txt"));
    EXPECT_OUT("an error budget is below its gate");
    EXPECT_OUT("GATE spent eu-west-1: budget -");
    ck_assert_ptr_null(strstr(slurp("out.txt"), ": deploying"));
    ck_assert_ptr_nonnull(strstr(slurp("gate.xml"), "type=\"budget\""));
}
END_TEST

/* The Argo CD PreSync hook's command, run as the Job would run it (its
 * config path replaced by the test's): exit 1, so the sync stops. */
START_TEST(test_gate_argocd_example)
{
    REQUIRE_FIXTURE();
    FILE *f = fopen(SLOEVAL_SOURCE_DIR "/examples/argocd/slo-gate-presync.yaml", "r");
    ck_assert_ptr_nonnull(f);
    static char yaml[1 << 14];
    size_t n = fread(yaml, 1, sizeof(yaml) - 1, f);
    yaml[n] = '\0';
    fclose(f);
    ck_assert_ptr_nonnull(strstr(yaml, "argocd.argoproj.io/hook: PreSync"));
    const char *p = strstr(yaml, "args: [");
    ck_assert_ptr_nonnull(p);
    p += strlen("args: [");
    char args[1024] = "";
    size_t len = 0;
    bool first = true;
    while (*p && *p != ']') {
        if (*p != '"') {
            p++;
            continue;
        }
        const char *q = strchr(p + 1, '"');
        ck_assert_ptr_nonnull(q);
        int w = (int)(q - p - 1);
        if (first) /* "check": the test's cli() adds it */
            ck_assert_int_eq(strncmp(p + 1, "check", 5), 0);
        else if (w == (int)strlen("/etc/sloeval/slo.yaml") &&
                 !strncmp(p + 1, "/etc/sloeval/slo.yaml", (size_t)w))
            len += (size_t)snprintf(args + len, sizeof(args) - len, " argo.yaml");
        else
            len += (size_t)snprintf(args + len, sizeof(args) - len, " '%.*s'", w, p + 1);
        ck_assert_uint_lt(len, sizeof(args));
        first = false;
        p = q + 1;
    }
    ck_assert_ptr_nonnull(strstr(args, "--fail-on-budget-below"));
    EXPECT_EXIT(args, 1);
    EXPECT_OUT("GATE spent eu-west-1: budget -");
    EXPECT_OUT("GATE spent global: budget -");
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("gate");
    TCase *tc = tcase_create("prometheus");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_boundary_fires_as_prometheus_does);
    tcase_add_test(tc, test_gate_budget_flag);
    tcase_add_test(tc, test_gate_library);
    tcase_add_test(tc, test_gate_config);
    tcase_add_test(tc, test_gate_fail_on);
    tcase_add_test(tc, test_gate_ci_example);
    tcase_add_test(tc, test_gate_argocd_example);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!promserver_available()) {
        fprintf(stderr,
                "prometheus and promtool 2.42 are needed (scripts/install-deps.sh --dev)\n");
        return EXIT_FAILURE;
    }
    SRunner *sr = srunner_create(suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
