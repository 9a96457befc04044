/*
 * `sloeval check` against real Prometheus 2.42 servers on generated data
 * whose burn is known (tests/support/datagen.h): six hours, four regions,
 *   us-east-1   0.05% errors             burn 0.5: ok
 *   eu-west-1   3.5% in the last hour    burn 35 over 1h and 5m: page
 *   ap-south-1  0.15% errors             burn 1.5 everywhere: ticket (3d/6h)
 *   sa-east-1   no traffic (flat counters): inconclusive
 * served in two topologies: one Prometheus per region (the global scope
 * fans out over them), and one Prometheus with every region (regions
 * injected as region="<name>").
 *
 * Every window's error ratio and burn rate, per region and global, must
 * equal what a server computes for the equivalent ratio expression
 * directly, within 1e-9 relative; decisions, exit codes, `for:`,
 * keep_firing_for, Sloth specs and rule files, config errors, the
 * textfile output (promtool check metrics) and the JUnit output are
 * checked too, and every distinct request is sent once per run.
 */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "datagen.h"
#include "promserver.h"
#include "sloeval.h"

#define NREG 4
static const char *const regions[NREG] = {"us-east-1", "eu-west-1", "ap-south-1", "sa-east-1"};
static const char *const windows[] = {"5m", "30m", "1h", "2h", "6h", "1d", "3d"};
#define NWIN (sizeof(windows) / sizeof(*windows))

static datagen_config dg;
static char dir[] = "/tmp/sloeval-check-it-XXXXXX";
static promserver *split[NREG];
static promserver *whole;
static int down_port;
static char fixture_error[1024];
static int64_t T_END; /* 06:00, just after the last scrape */

#define ERR_SEL "job=\"checkout\",status=~\"5..\""
#define TOT_SEL "job=\"checkout\""

static int free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(a);
    if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) ||
        getsockname(s, (struct sockaddr *)&a, &len)) {
        if (s >= 0) close(s);
        return -1;
    }
    int port = ntohs(a.sin_port);
    close(s); /* nothing listens there afterwards: connections are refused */
    return port;
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f)) {
        snprintf(fixture_error, sizeof(fixture_error), "cannot write %s", path);
        return;
    }
}

static const char *slos_yaml =
    "slos:\n"
    "  - name: availability\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_query: sum(rate(http_requests_total{" ERR_SEL "}[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{" TOT_SEL "}[{{window}}]))\n"
    "    scopes: [region, global]\n"
    "  - name: never-fails\n"
    "    objective: 99\n"
    "    sli:\n"
    "      error_query: "
    "sum(rate(http_requests_total{job=\"checkout\",status=\"599\"}[{{window}}]))\n"
    "      total_query: sum(rate(http_requests_total{" TOT_SEL "}[{{window}}]))\n"
    "    scopes: [region]\n";

/* SLOs whose queries are more than a sum: a difference of sums (latency)
 * and a ratio of sums (a raw SLI); across region backends sloeval merges
 * the sums and computes the rest. */
static const char *more_slos_yaml =
    "  - name: latency\n"
    "    objective: 95\n"
    "    sli:\n"
    "      error_query: sum(rate(http_request_duration_seconds_count{" TOT_SEL "}[{{window}}])) - "
    "sum(rate(http_request_duration_seconds_bucket{" TOT_SEL ",le=\"0.25\"}[{{window}}]))\n"
    "      total_query: sum(rate(http_request_duration_seconds_count{" TOT_SEL "}[{{window}}]))\n"
    "  - name: availability-ratio\n"
    "    objective: 99.9\n"
    "    sli:\n"
    "      error_ratio_query: sum(rate(http_requests_total{" ERR_SEL "}[{{window}}])) / "
    "sum(rate(http_requests_total{" TOT_SEL "}[{{window}}]))\n";

static const char *alerts_yaml =
    "alerts:\n"
    "  - name: HighErrorRate\n"
    "    expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
    "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
    "    for: 30m\n"
    "    scopes: [region]\n"
    "  - name: LongHighErrorRate\n"
    "    expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
    "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
    "    for: 2h\n"
    "    scopes: [region]\n"
    "  - name: ErrorsNow\n"
    "    expr: sum by (status) (rate(http_requests_total{job=\"checkout\",status=\"500\"}[5m])) > "
    "0.5\n"
    "    scopes: [region]\n"
    "  - name: KeptHigh\n"
    "    expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
    "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
    "    for: 10m\n"
    "    keep_firing_for: 20m\n"
    "    scopes: [region]\n";

static void write_configs(void)
{
    char buf[8192];
    int n = snprintf(buf, sizeof(buf), "backends:\n");
    for (int i = 0; i < NREG; i++)
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  %s: {url: \"%s\", compression: false}\n",
                      regions[i], promserver_url(split[i]));
    n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                  "regions: {label: region, names: [us-east-1, eu-west-1, ap-south-1, "
                  "sa-east-1]}\n%s%s%s"
                  "  - name: HighErrorRateEverywhere\n"
                  "    expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
                  "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
                  "    for: 30m\n"
                  "    scopes: [global]\n",
                  slos_yaml, more_slos_yaml, alerts_yaml);
    write_file("per-region.yaml", buf);

    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\", compression: false}\n"
             "regions: {label: region, names: [us-east-1, eu-west-1, ap-south-1, sa-east-1]}\n"
             "%s%s%s"
             "  - name: HighErrorRateEverywhere\n"
             "    expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
             "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
             "    for: 30m\n"
             "    scopes: [global]\n",
             promserver_url(whole), slos_yaml, more_slos_yaml, alerts_yaml);
    write_file("global.yaml", buf);

    /* eu-west-1's backend is down (nothing listens on the port) */
    n = snprintf(buf, sizeof(buf), "backends:\n");
    for (int i = 0; i < NREG; i++) {
        char url[128];
        if (i == 1)
            snprintf(url, sizeof(url), "http://127.0.0.1:%d", down_port);
        else
            snprintf(url, sizeof(url), "%s", promserver_url(split[i]));
        n += snprintf(buf + n, sizeof(buf) - (size_t)n, "  %s: {url: \"%s\", retries: 0}\n",
                      regions[i], url);
    }
    n += snprintf(buf + n, sizeof(buf) - (size_t)n,
                  "regions: {names: [us-east-1, eu-west-1, ap-south-1, sa-east-1]}\n%s", slos_yaml);
    write_file("down.yaml", buf);

    /* strict about error queries without series */
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n"
             "regions: {names: [us-east-1]}\n"
             "evaluation: {empty_errors: inconclusive}\n"
             "slos:\n"
             "  - name: never-fails\n"
             "    objective: 99\n"
             "    sli:\n"
             "      error_query: sum(rate(http_requests_total{job=\"checkout\",status=\"599\"}"
             "[{{window}}]))\n"
             "      total_query: sum(rate(http_requests_total{" TOT_SEL "}[{{window}}]))\n",
             promserver_url(whole));
    write_file("strict.yaml", buf);

    /* Sloth spec and rule file, included from a config */
    write_file("sloth.yaml",
               "version: \"prometheus/v1\"\n"
               "service: checkout\n"
               "slos:\n"
               "  - name: requests\n"
               "    objective: 99.9\n"
               "    sli:\n"
               "      events:\n"
               "        error_query: sum(rate(http_requests_total{" ERR_SEL "}[{{.window}}]))\n"
               "        total_query: sum(rate(http_requests_total{" TOT_SEL "}[{{.window}}]))\n"
               "    alerting:\n"
               "      name: CheckoutRequests\n"
               "      ticket_alert: {disable: true}\n");
    write_file("rules.yaml", "groups:\n"
                             "  - name: checkout\n"
                             "    interval: 1m\n"
                             "    rules:\n"
                             "      - record: job:http_requests:rate5m\n"
                             "        expr: sum by (job) (rate(http_requests_total[5m]))\n"
                             "      - alert: CheckoutErrors\n"
                             "        expr: sum(rate(http_requests_total{" ERR_SEL "}[5m])) / "
                             "sum(rate(http_requests_total{" TOT_SEL "}[5m])) > 0.01\n"
                             "        for: 15m\n"
                             "        labels: {severity: page}\n");
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n"
             "regions: {names: [us-east-1, eu-west-1, ap-south-1, sa-east-1]}\n"
             "include:\n  - sloth.yaml\n  - {path: rules.yaml, scopes: [region]}\n",
             promserver_url(whole));
    write_file("include.yaml", buf);
}

static void setup(void)
{
    char err[512];
    fixture_error[0] = '\0';
    datagen_config_init(&dg);
    dg.seed = 20240101;
    if (datagen_set_regions(&dg, "us-east-1,eu-west-1,ap-south-1,sa-east-1", err, sizeof err) ||
        datagen_set_error_ratio(&dg, "ap-south-1:0.0015", err, sizeof err) ||
        datagen_add_incident(&dg, "eu-west-1:5h-6h:0.035", err, sizeof err) ||
        datagen_set_traffic(&dg, "sa-east-1", DATAGEN_TRAFFIC_NONE, err, sizeof err) ||
        mkdtemp(dir) == NULL) {
        snprintf(fixture_error, sizeof fixture_error, "config: %s", err);
        return;
    }
    T_END = dg.start_ms + dg.duration_ms;
    char path[512];
    snprintf(path, sizeof(path), "%s/all.om", dir);
    if (datagen_write_file(&dg, path, NULL, err, sizeof err) ||
        datagen_write_split(&dg, dir, err, sizeof err)) {
        snprintf(fixture_error, sizeof fixture_error, "generate: %s", err);
        return;
    }
    if (!(whole = promserver_start(path, err, sizeof err))) {
        snprintf(fixture_error, sizeof fixture_error, "start: %s", err);
        return;
    }
    for (int i = 0; i < NREG; i++) {
        snprintf(path, sizeof(path), "%s/%s.om", dir, regions[i]);
        if (!(split[i] = promserver_start(path, err, sizeof err))) {
            snprintf(fixture_error, sizeof fixture_error, "start %s: %s", regions[i], err);
            return;
        }
    }
    if ((down_port = free_port()) < 0) {
        snprintf(fixture_error, sizeof fixture_error, "no free port");
        return;
    }
    write_configs();
    sloeval_global_init();
}

static void teardown(void)
{
    promserver_stop(whole);
    whole = NULL;
    for (int i = 0; i < NREG; i++) {
        promserver_stop(split[i]);
        split[i] = NULL;
    }
    char cmd[600];
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
    if (system(cmd) != 0) fprintf(stderr, "could not remove %s\n", dir);
}

#define REQUIRE_FIXTURE() ck_assert_msg(fixture_error[0] == '\0', "%s", fixture_error)

/* ---- helpers ----------------------------------------------------------------- */

static sloeval_check_report *run_mode(const char *config, int64_t t_ms, const char *const *scopes,
                                      size_t nscopes, sloeval_check_mode mode)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", dir, config);
    sloeval_slo_set *set = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(sloeval_slo_set_load_file(&set, path, NULL, &err) == 0, "%s", err.message);
    sloeval_check_options o = SLOEVAL_CHECK_OPTIONS_INIT;
    o.time_ms = t_ms;
    o.scopes = scopes;
    o.nscopes = nscopes;
    o.mode = mode;
    sloeval_check_report *rep = NULL;
    ck_assert_msg(sloeval_check_run(&rep, set, &o, &err) == 0, "%s", err.message);
    sloeval_slo_set_free(set);
    return rep;
}

static sloeval_check_report *run(const char *config, int64_t t_ms, const char *const *scopes,
                                 size_t nscopes)
{
    return run_mode(config, t_ms, scopes, nscopes, SLOEVAL_CHECK_MODE_AUTO);
}

static const sloeval_check_slo_result *slo_result(const sloeval_check_report *r, const char *slo,
                                                  const char *scope)
{
    for (size_t i = 0; i < sloeval_check_report_slo_count(r); i++) {
        const sloeval_check_slo_result *s = sloeval_check_report_slo(r, i);
        if (!strcmp(sloeval_check_slo_id(s), slo) && !strcmp(sloeval_check_slo_scope(s), scope))
            return s;
    }
    ck_abort_msg("no result for %s in %s", slo, scope);
    return NULL;
}

static const sloeval_check_alert_result *alert_result(const sloeval_check_report *r,
                                                      const char *name, const char *scope)
{
    for (size_t i = 0; i < sloeval_check_report_alert_count(r); i++) {
        const sloeval_check_alert_result *a = sloeval_check_report_alert(r, i);
        if (!strcmp(sloeval_check_alert_name(a), name) &&
            !strcmp(sloeval_check_alert_scope(a), scope))
            return a;
    }
    ck_abort_msg("no result for alert %s in %s", name, scope);
    return NULL;
}

static const char *at(int64_t ms, char *buf, size_t len)
{
    snprintf(buf, len, "%lld.%03lld", (long long)(ms / 1000), (long long)(ms % 1000));
    return buf;
}

/* The SLOs compared, and their error ratio as one expression (%1$s: the
 * region matcher or "", %2$s: the window). */
static const struct {
    const char *slo;
    const char *expr;
    double budget;
} compared_slos[] = {
    {"availability",
     "sum(rate(http_requests_total{" ERR_SEL "%1$s}[%2$s])) / "
     "sum(rate(http_requests_total{" TOT_SEL "%1$s}[%2$s]))",
     0.001},
    {"availability-ratio",
     "sum(rate(http_requests_total{" ERR_SEL "%1$s}[%2$s])) / "
     "sum(rate(http_requests_total{" TOT_SEL "%1$s}[%2$s]))",
     0.001},
    {"latency",
     "(sum(rate(http_request_duration_seconds_count{" TOT_SEL "%1$s}[%2$s])) - "
     "sum(rate(http_request_duration_seconds_bucket{" TOT_SEL ",le=\"0.25\"%1$s}[%2$s]))) / "
     "sum(rate(http_request_duration_seconds_count{" TOT_SEL "%1$s}[%2$s]))",
     0.05},
};
#define NCOMPARED (sizeof(compared_slos) / sizeof(*compared_slos))

/* What server s computes for an SLO's ratio directly (region NULL: all). */
static double server_slo_ratio(promserver *s, size_t slo, const char *region, const char *window,
                               int64_t t)
{
    char expr[1024], reg[128] = "", tb[32];
    if (region) snprintf(reg, sizeof(reg), ",region=\"%s\"", region);
    snprintf(expr, sizeof(expr), compared_slos[slo].expr, reg, window);
    double v = NAN;
    ck_assert_msg(promserver_query_value(s, expr, at(t, tb, sizeof(tb)), &v) == 0, "%s", expr);
    return v;
}

static double server_ratio(promserver *s, const char *region, const char *window, int64_t t)
{
    return server_slo_ratio(s, 0, region, window, t);
}

static double rel(double got, double want)
{
    if (got == want) return 0;
    return fabs(got - want) / fmax(fabs(want), 1e-300);
}

typedef struct figures {
    size_t compared;
    double max_rel;
} figures;

static void compare(figures *f, double got, double want, const char *what)
{
    ck_assert_msg(!isnan(got) && !isnan(want), "%s: got %.17g, want %.17g", what, got, want);
    double d = rel(got, want);
    ck_assert_msg(d <= 1e-9, "%s: got %.17g, want %.17g (relative %.3g)", what, got, want, d);
    if (d > f->max_rel) f->max_rel = d;
    f->compared++;
}

/* Every window of every compared SLO in every traffic region and
 * globally, against what a server holding that data computes directly:
 * the region's own server or the whole data set's with the region matcher,
 * and the whole data set's for the global scope. */
static void compare_topology(const char *config, const char *topology, sloeval_check_mode mode)
{
    sloeval_check_report *rep = run_mode(config, T_END, NULL, 0, mode);
    figures f = {0, 0};
    const char *scopes[] = {"us-east-1", "eu-west-1", "ap-south-1", "global"};
    bool injected = !strcmp(config, "global.yaml");
    for (size_t q = 0; q < NCOMPARED; q++)
        for (size_t k = 0; k < 4; k++) {
            const sloeval_check_slo_result *s = slo_result(rep, compared_slos[q].slo, scopes[k]);
            ck_assert_uint_eq(sloeval_check_slo_window_count(s), NWIN);
            bool global = k == 3;
            promserver *srv = global || injected ? whole : split[k];
            const char *filter = global ? NULL : (injected ? scopes[k] : NULL);
            double budget = compared_slos[q].budget;
            char what[256];
            for (size_t w = 0; w < NWIN; w++) {
                ck_assert_str_eq(sloeval_check_window_name(sloeval_check_slo_window(s, w)),
                                 windows[w]);
                double want = server_slo_ratio(srv, q, filter, windows[w], T_END);
                snprintf(what, sizeof(what), "%s: %s %s %s error ratio", topology,
                         compared_slos[q].slo, scopes[k], windows[w]);
                compare(&f, sloeval_check_window_error_ratio(sloeval_check_slo_window(s, w)), want,
                        what);
                snprintf(what, sizeof(what), "%s: %s %s %s burn rate", topology,
                         compared_slos[q].slo, scopes[k], windows[w]);
                compare(&f, sloeval_check_window_burn_rate(sloeval_check_slo_window(s, w)),
                        want / budget, what);
            }
            double want30 = server_slo_ratio(srv, q, filter, "30d", T_END);
            snprintf(what, sizeof(what), "%s: %s %s budget remaining", topology,
                     compared_slos[q].slo, scopes[k]);
            compare(&f, sloeval_check_slo_budget_remaining(s), 1 - want30 / budget, what);
        }
    fprintf(stderr,
            "%s: %zu numbers (3 SLOs x 4 scopes: 7 windows x error ratio and burn rate, and "
            "the 30d budget) equal the server's, max relative difference %.3g\n",
            topology, f.compared, f.max_rel);
    sloeval_check_report_free(rep);
}

/* ---- numbers ------------------------------------------------------------------ */

START_TEST(test_numbers_per_region_backends)
{
    REQUIRE_FIXTURE();
    compare_topology("per-region.yaml", "one backend per region, global fan-out",
                     SLOEVAL_CHECK_MODE_AUTO);
}
END_TEST

START_TEST(test_numbers_global_backend)
{
    REQUIRE_FIXTURE();
    compare_topology("global.yaml", "one global backend, regions injected",
                     SLOEVAL_CHECK_MODE_AUTO);
}
END_TEST

/* Local evaluation: the servers only return raw samples, sloeval computes
 * every rate with 2.42's rules (asked from the servers' buildinfo). */
START_TEST(test_numbers_local_evaluation)
{
    REQUIRE_FIXTURE();
    compare_topology("per-region.yaml", "one backend per region, --mode local",
                     SLOEVAL_CHECK_MODE_LOCAL);
    compare_topology("global.yaml", "one global backend, --mode local", SLOEVAL_CHECK_MODE_LOCAL);
}
END_TEST

/* ---- decisions ---------------------------------------------------------------- */

static void check_decisions(const char *config)
{
    sloeval_check_report *rep = run(config, T_END, NULL, 0);
    const sloeval_check_slo_result *s;
    s = slo_result(rep, "availability", "us-east-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_OK);
    ck_assert(sloeval_check_slo_budget_remaining(s) > 0.4 &&
              sloeval_check_slo_budget_remaining(s) < 0.6);
    s = slo_result(rep, "availability", "eu-west-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_slo_severity(s), "page");
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(s, 0)),
                     SLOEVAL_CHECK_RULE_FIRING);
    ck_assert(sloeval_check_window_burn_rate(sloeval_check_slo_window(s, 0)) > 30 &&
              sloeval_check_window_burn_rate(sloeval_check_slo_window(s, 2)) > 30);
    s = slo_result(rep, "availability", "ap-south-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_slo_severity(s), "ticket");
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(s, 0)),
                     SLOEVAL_CHECK_RULE_QUIET);
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(s, 2)),
                     SLOEVAL_CHECK_RULE_QUIET);
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(s, 3)),
                     SLOEVAL_CHECK_RULE_FIRING);
    s = slo_result(rep, "availability", "sa-east-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_str_eq(sloeval_check_slo_reason(s), "no traffic over 5m: total_query returned 0");
    s = slo_result(rep, "availability", "global");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_slo_severity(s), "ticket");
    /* a healthy service without an error series: 0 errors, with a note */
    s = slo_result(rep, "never-fails", "us-east-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_OK);
    ck_assert(sloeval_check_window_error_ratio(sloeval_check_slo_window(s, 0)) == 0);
    ck_assert_uint_eq(sloeval_check_slo_note_count(s), 1);
    ck_assert_ptr_nonnull(strstr(sloeval_check_slo_note(s, 0), "counted as 0 errors"));
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
}

START_TEST(test_decisions_per_region_backends)
{
    REQUIRE_FIXTURE();
    check_decisions("per-region.yaml");
}
END_TEST

START_TEST(test_decisions_global_backend)
{
    REQUIRE_FIXTURE();
    check_decisions("global.yaml");
}
END_TEST

START_TEST(test_backend_down)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("down.yaml", T_END, NULL, 0);
    const sloeval_check_slo_result *s = slo_result(rep, "availability", "eu-west-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_msg(strstr(sloeval_check_slo_reason(s), "backend error over") != NULL, "%s",
                  sloeval_check_slo_reason(s));
    char port[32];
    snprintf(port, sizeof(port), "127.0.0.1:%d", down_port);
    ck_assert_msg(strstr(sloeval_check_slo_reason(s), port) != NULL, "%s",
                  sloeval_check_slo_reason(s));
    /* the fan-out needs every region: the global scope fails with it */
    s = slo_result(rep, "availability", "global");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_INCONCLUSIVE);
    /* the others are decided as before */
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "availability", "us-east-1")),
                     SLOEVAL_CHECK_OK);
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "availability", "ap-south-1")),
                     SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

START_TEST(test_empty_errors_inconclusive)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("strict.yaml", T_END, NULL, 0);
    const sloeval_check_slo_result *s = slo_result(rep, "never-fails", "us-east-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_INCONCLUSIVE);
    ck_assert_ptr_nonnull(strstr(sloeval_check_slo_reason(s), "error_query returned no series"));
    ck_assert_int_eq(sloeval_check_report_status(rep), SLOEVAL_CHECK_INCONCLUSIVE);
    sloeval_check_report_free(rep);
}
END_TEST

/* ---- alerts ------------------------------------------------------------------- */

static void check_alerts(const char *config)
{
    /* 06:00: eu-west-1 has burned at 3.5% for an hour */
    sloeval_check_report *rep = run(config, T_END, NULL, 0);
    const sloeval_check_alert_result *a = alert_result(rep, "HighErrorRate", "eu-west-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_FIRING);
    ck_assert_uint_eq(sloeval_check_alert_series_count(a), 1);
    for (int i = 0; i < NREG; i++)
        if (i != 1)
            ck_assert_int_eq(
                sloeval_check_alert_status(alert_result(rep, "HighErrorRate", regions[i])),
                SLOEVAL_CHECK_OK);
    /* for 2h: returned for an hour only: pending */
    a = alert_result(rep, "LongHighErrorRate", "eu-west-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_OK);
    ck_assert_uint_eq(sloeval_check_alert_pending_count(a), 1);
    /* without `for`: the series that the expression returns, with their labels */
    a = alert_result(rep, "ErrorsNow", "eu-west-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_FIRING);
    ck_assert_uint_eq(sloeval_check_alert_series_count(a), 1);
    ck_assert_uint_eq(sloeval_check_series_label_count(sloeval_check_alert_series(a, 0)), 1);
    ck_assert_str_eq(sloeval_check_series_label(sloeval_check_alert_series(a, 0), 0)->name,
                     "status");
    ck_assert_str_eq(sloeval_check_series_label(sloeval_check_alert_series(a, 0), 0)->value, "500");
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "ErrorsNow", "us-east-1")),
                     SLOEVAL_CHECK_OK);
    sloeval_check_report_free(rep);

    /* 05:20: the burn started 20 minutes ago: pending, not firing */
    rep = run(config, dg.start_ms + 320 * 60000LL, NULL, 0);
    a = alert_result(rep, "HighErrorRate", "eu-west-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_OK);
    ck_assert_uint_eq(sloeval_check_alert_pending_count(a), 1);
    sloeval_check_report_free(rep);
    /* 05:40: 40 minutes: firing */
    rep = run(config, dg.start_ms + 340 * 60000LL, NULL, 0);
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "HighErrorRate", "eu-west-1")),
                     SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);

    /* 06:15: the data ended at 06:00 (the expression is empty since about
     * 06:05); keep_firing_for 20m keeps KeptHigh firing, HighErrorRate is over */
    rep = run(config, T_END + 15 * 60000LL, NULL, 0);
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "KeptHigh", "eu-west-1")),
                     SLOEVAL_CHECK_FIRING);
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "HighErrorRate", "eu-west-1")),
                     SLOEVAL_CHECK_OK);
    sloeval_check_report_free(rep);
    /* 06:30: past keep_firing_for */
    rep = run(config, T_END + 30 * 60000LL, NULL, 0);
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "KeptHigh", "eu-west-1")),
                     SLOEVAL_CHECK_OK);
    sloeval_check_report_free(rep);
}

START_TEST(test_alerts_per_region_backends)
{
    REQUIRE_FIXTURE();
    check_alerts("per-region.yaml");
}
END_TEST

START_TEST(test_alerts_global_backend)
{
    REQUIRE_FIXTURE();
    check_alerts("global.yaml");
    /* across regions: (0.05% + 3.5% + 0.15%) / 3 > 1% for the last hour */
    sloeval_check_report *rep = run("global.yaml", T_END, NULL, 0);
    ck_assert_int_eq(
        sloeval_check_alert_status(alert_result(rep, "HighErrorRateEverywhere", "global")),
        SLOEVAL_CHECK_FIRING);
    sloeval_check_report_free(rep);
}
END_TEST

/* ---- Sloth specs and rule files ---------------------------------------------------- */

START_TEST(test_sloth_and_rules)
{
    REQUIRE_FIXTURE();
    sloeval_check_report *rep = run("include.yaml", T_END, NULL, 0);
    for (int i = 0; i < NREG - 1; i++) {
        const sloeval_check_slo_result *s = slo_result(rep, "checkout-requests", regions[i]);
        for (size_t w = 0; w < NWIN; w++) {
            double want = server_ratio(whole, regions[i], windows[w], T_END);
            ck_assert_msg(
                rel(sloeval_check_window_error_ratio(sloeval_check_slo_window(s, w)), want) <= 1e-9,
                "%s %s: %.17g vs %.17g", regions[i], windows[w],
                sloeval_check_window_error_ratio(sloeval_check_slo_window(s, w)), want);
        }
    }
    /* the ticket severity is disabled in the spec: ap-south-1 burns at ticket level only */
    const sloeval_check_slo_result *s = slo_result(rep, "checkout-requests", "ap-south-1");
    ck_assert_int_eq(sloeval_check_slo_status(s), SLOEVAL_CHECK_OK);
    ck_assert_int_eq(sloeval_check_rule_state_of(sloeval_check_slo_rule(s, 3)),
                     SLOEVAL_CHECK_RULE_DISABLED);
    ck_assert_int_eq(sloeval_check_slo_status(slo_result(rep, "checkout-requests", "eu-west-1")),
                     SLOEVAL_CHECK_FIRING);
    /* the rule file's alert, in the region scopes only, in its group */
    const sloeval_check_alert_result *a = alert_result(rep, "CheckoutErrors", "eu-west-1");
    ck_assert_int_eq(sloeval_check_alert_status(a), SLOEVAL_CHECK_FIRING);
    ck_assert_str_eq(sloeval_check_alert_group(a), "checkout");
    ck_assert_int_eq(sloeval_check_alert_status(alert_result(rep, "CheckoutErrors", "us-east-1")),
                     SLOEVAL_CHECK_OK);
    for (size_t i = 0; i < sloeval_check_report_alert_count(rep); i++)
        ck_assert_str_ne(sloeval_check_alert_scope(sloeval_check_report_alert(rep, i)), "global");
    sloeval_check_report_free(rep);
}
END_TEST

/* What Sloth and Prometheus load, sloeval loads too, and the check says
 * what was ignored: an empty rule file, a file of recording rules only,
 * a Sloth spec with its fixtures' pageAlert and a UTF-8 label name. */
START_TEST(test_lenient_includes_warn)
{
    REQUIRE_FIXTURE();
    write_file("empty-rules.yaml", "{}\n");
    write_file("records.yaml", "groups:\n  - name: r\n    rules:\n"
                               "      - {record: 'job:up:sum', expr: 'sum(up)'}\n");
    write_file("camel.yaml", "version: prometheus/v1\nservice: shop\n"
                             "labels: {app.kubernetes.io/name: shop}\nslos:\n"
                             "  - name: avail\n    objective: 99.9\n"
                             "    sli: {raw: {error_ratio_query: "
                             "'sum(rate(http_requests_total{code=~\"5..\"}[{{.window}}])) / "
                             "sum(rate(http_requests_total[{{.window}}]))'}}\n"
                             "    alerting: {name: ShopAvail, pageAlert: {disable: true}}\n");
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "backends:\n  global: {url: \"%s\"}\n"
             "include: [empty-rules.yaml, records.yaml, camel.yaml]\n",
             promserver_url(whole));
    write_file("lenient.yaml", buf);
    sloeval_check_report *rep = run("lenient.yaml", T_END, NULL, 0);
    static const char *const want[] = {
        "empty-rules.yaml:1:1: no rule groups: no rules to check",
        "records.yaml:2:3: groups: only recording rules (1): no alerting rules to check",
        "camel.yaml:8:33: slos[0].alerting.pageAlert: unknown key ignored, as Sloth ignores it "
        "(did you mean 'page_alert'?)",
    };
    for (size_t k = 0; k < sizeof(want) / sizeof(*want); k++) {
        bool found = false;
        for (size_t i = 0; i < sloeval_check_report_warning_count(rep); i++)
            found = found || strstr(sloeval_check_report_warning(rep, i), want[k]) != NULL;
        ck_assert_msg(found, "no warning '%s'", want[k]);
    }
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 1);
    sloeval_check_report_free(rep);
}
END_TEST

/* ---- each distinct request once --------------------------------------------------- */

/* The /api/v1/query requests a server has answered, from its own counter
 * prometheus_http_requests_total on /metrics (summed over status codes). */
static double queries_served(promserver *s)
{
    char *body = NULL;
    long status = 0;
    ck_assert_int_eq(promserver_get(s, "/metrics", &body, &status), 0);
    ck_assert_int_eq(status, 200);
    double total = 0;
    const char *prefix = "prometheus_http_requests_total{";
    for (const char *line = body; line && *line;) {
        const char *end = strchr(line, '\n');
        if (!strncmp(line, prefix, strlen(prefix))) {
            const char *close = strchr(line, '}');
            const char *h = strstr(line, "handler=\"/api/v1/query\"");
            if (close && h && h < close) total += strtod(close + 1, NULL);
        }
        line = end ? end + 1 : NULL;
    }
    free(body);
    return total;
}

START_TEST(test_each_request_once)
{
    REQUIRE_FIXTURE();
    /* availability and never-fails in every region and (availability) globally:
     * a region's server is asked by its region scope and by the global fan-out
     * for the same texts: the planner sends each once. Each server answers
     * 48 queries (availability 8 windows x 2 for its region and 8 x 2 as a
     * shard of the global scope, never-fails 8 x 2), 24 distinct texts
     * (availability's 16; never-fails' error query 8: its total query is
     * availability's), and one more: the earliest sample of the period's
     * total query (budget coverage), the same text for both SLOs. */
    const char *cfg = "backends:\n"
                      "  us-east-1: {url: \"%s\"}\n"
                      "  eu-west-1: {url: \"%s\"}\n"
                      "regions: {names: [us-east-1, eu-west-1]}\n%s";
    char buf[4096];
    snprintf(buf, sizeof(buf), cfg, promserver_url(split[0]), promserver_url(split[1]), slos_yaml);
    write_file("once.yaml", buf);
    double before[2] = {queries_served(split[0]), queries_served(split[1])};
    sloeval_check_report *rep = run("once.yaml", T_END, NULL, 0);
    double after[2] = {queries_served(split[0]), queries_served(split[1])};
    for (int i = 0; i < 2; i++) {
        double sent = after[i] - before[i];
        fprintf(stderr, "%s: %g query requests for the 48 queries of the check it answers\n",
                regions[i], sent);
        ck_assert_msg(sent == 25, "%s got %g requests", regions[i], sent);
    }
    ck_assert_uint_eq(sloeval_check_report_slo_count(rep), 5);
    sloeval_check_report_free(rep);
}
END_TEST

/* ---- the command ------------------------------------------------------------------ */

/* Run `sloeval check ARGS` (a shell word list); stdout and stderr to files. */
static int cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && '" SLOEVAL_BINARY_DIR "/bin/sloeval' check %s >out.txt 2>err.txt", dir,
             args);
    int rc = system(cmd);
    ck_assert(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

static char *slurp(const char *name)
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

START_TEST(test_exit_codes)
{
    REQUIRE_FIXTURE();
    static const struct {
        const char *args;
        int code;
    } cases[] = {
        {"--config per-region.yaml --time 2024-01-01T06:00:00Z --region us-east-1", 0},
        {"--config global.yaml --time 1704088800 --region us-east-1", 0},
        {"--config per-region.yaml --time 2024-01-01T06:00:00Z --region eu-west-1", 1},
        {"--config global.yaml --time 2024-01-01T06:00:00Z --region ap-south-1", 1},
        {"--config per-region.yaml --time 2024-01-01T06:00:00Z --region sa-east-1", 3},
        {"--config down.yaml --time 2024-01-01T06:00:00Z --region eu-west-1", 3},
        {"--config down.yaml --time 2024-01-01T06:00:00Z --region us-east-1", 0},
        {"--config per-region.yaml --time 2024-01-01T06:00:00Z", 1},
        {"--config strict.yaml --time 2024-01-01T06:00:00Z", 3},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int rc = cli(cases[i].args);
        fprintf(stderr, "sloeval check %s: exit %d\n", cases[i].args, rc);
        ck_assert_msg(rc == cases[i].code, "%s: exit %d, expected %d; stderr: %s", cases[i].args,
                      rc, cases[i].code, slurp("err.txt"));
    }
    /* the text report */
    ck_assert_int_eq(cli("--config per-region.yaml --time 2024-01-01T06:00:00Z --color never"), 1);
    const char *out = slurp("out.txt");
    ck_assert_ptr_nonnull(strstr(out, "sloeval check at 2024-01-01T06:00:00Z: FIRING"));
    ck_assert_ptr_nonnull(strstr(out, "FIRING (page)"));
    ck_assert_ptr_nonnull(strstr(out, "INCONCLUSIVE availability sa-east-1: no traffic over 5m"));
    ck_assert_ptr_null(strchr(out, '\033'));
}
END_TEST

START_TEST(test_usage_and_config_errors)
{
    REQUIRE_FIXTURE();
    static const struct {
        const char *args;
        const char *stderr_has;
    } cases[] = {
        {"--config per-region.yaml --region mars",
         "sloeval check: unknown region 'mars' (the config has: us-east-1, eu-west-1, "
         "ap-south-1, sa-east-1, global)\n"},
        {"--config per-region.yaml --time yesterday", "sloeval check: --time: cannot parse"},
        {"--config per-region.yaml --output xml", "sloeval check: --output: expected text"},
        {"--config per-region.yaml --output json --output text",
         "only one report can go to standard output"},
        {"", "sloeval check: --config FILE is required"},
        {"--config missing.yaml", "missing.yaml"},
        {"--config bad.yaml", "bad.yaml:4:26: slos[0].objective: must be a percentage"},
        {"--config sloth.yaml", "no backend answers the global scope"},
        {"--config typo.yaml", "typo.yaml:3:3: regions.nmes: unknown key"},
        /* a null query was a segfault (exit 139) */
        {"--config nullq.yaml", "nullq.yaml:6:24: slos[0].sli.total_query: must not be empty"},
        {"--config ratio.yaml",
         "ratio.yaml:4:26: slos[0].objective: objective is a percentage: 0.999 means 0.999%; "
         "did you mean 99.9?"},
        {"--config regiononly.yaml --region global",
         "sloeval check: nothing to check: no SLO or alert of the config is judged in the scopes "
         "asked for\n"},
    };
    write_file("bad.yaml",
               "backends:\n  global: {url: \"http://127.0.0.1:9\"}\nslos:\n"
               "  - {name: a, objective: 100, sli: {error_query: "
               "'sum(rate(e[{{window}}]))', total_query: 'sum(rate(t[{{window}}]))'}}\n");
    write_file("nullq.yaml", "backends:\n  global: {url: \"http://127.0.0.1:9\"}\nslos:\n"
                             "  - name: a\n    sli: {error_query: 'sum(rate(e[{{window}}]))',\n"
                             "          total_query: null}\n    objective: 99\n");
    write_file("ratio.yaml",
               "backends:\n  global: {url: \"http://127.0.0.1:9\"}\nslos:\n"
               "  - {name: a, objective: 0.999, sli: {error_query: "
               "'sum(rate(e[{{window}}]))', total_query: 'sum(rate(t[{{window}}]))'}}\n");
    write_file("typo.yaml", "backends: {global: {url: \"http://127.0.0.1:9\"}}\nregions:\n"
                            "  nmes: [a]\n");
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "backends:\n  us-east-1: {url: \"%s\"}\nregions: {names: [us-east-1]}\n"
             "slos:\n  - {name: a, objective: 99, scopes: region, sli: {error_ratio_query: "
             "'sum(rate(e[{{window}}]))'}}\n",
             promserver_url(split[0]));
    write_file("regiononly.yaml", buf);
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        int rc = cli(cases[i].args);
        const char *err = slurp("err.txt");
        ck_assert_msg(rc == 2, "%s: exit %d; stderr: %s", cases[i].args, rc, err);
        ck_assert_msg(strstr(err, cases[i].stderr_has) != NULL, "%s: stderr is '%s'", cases[i].args,
                      err);
        /* one line */
        ck_assert_msg(strchr(err, '\n') == err + strlen(err) - 1, "%s: '%s'", cases[i].args, err);
        ck_assert_str_eq(slurp("out.txt"), "");
    }
}
END_TEST

START_TEST(test_outputs)
{
    REQUIRE_FIXTURE();
    /* prom and junit to files, json on stdout, in one run */
    ck_assert_int_eq(cli("--config per-region.yaml --time 2024-01-01T06:00:00Z --output "
                         "prom=textfile/sloeval.prom --output junit=report.xml --output json"),
                     2); /* textfile/ does not exist yet: the write fails */
    ck_assert_ptr_nonnull(strstr(slurp("err.txt"), "textfile/sloeval.prom"));
    char cmd[1024];
    snprintf(cmd, sizeof(cmd), "mkdir -p '%s/textfile'", dir);
    ck_assert_int_eq(system(cmd), 0);
    ck_assert_int_eq(cli("--config per-region.yaml --time 2024-01-01T06:00:00Z --output "
                         "prom=textfile/sloeval.prom --output junit=report.xml --output json"),
                     1);
    /* promtool accepts the textfile */
    snprintf(cmd, sizeof(cmd),
             PROMSERVER_PROMTOOL " check metrics < '%s/textfile/sloeval.prom' >'%s/lint.txt' 2>&1",
             dir, dir);
    int rc = system(cmd);
    ck_assert_msg(rc == 0, "promtool check metrics: %s", slurp("lint.txt"));
    const char *prom = slurp("textfile/sloeval.prom");
    ck_assert_ptr_nonnull(strstr(
        prom, "sloeval_slo_burn_rate{slo=\"availability\",scope=\"eu-west-1\",window=\"1h\"} 35."));
    ck_assert_ptr_nonnull(strstr(prom, "\nsloeval_check_status 1\n"));
    ck_assert_ptr_nonnull(
        strstr(prom, "sloeval_alert_firing{alert=\"HighErrorRate\",scope=\"eu-west-1\"} 1\n"));
    /* only the file: no temporary left next to it */
    snprintf(cmd, sizeof(cmd), "test \"$(ls '%s/textfile')\" = sloeval.prom", dir);
    ck_assert_int_eq(system(cmd), 0);
    /* the JUnit XML is well-formed, with the right counts */
    snprintf(cmd, sizeof(cmd),
             "python3 -c 'import sys, xml.dom.minidom as m; d = m.parse(sys.argv[1]); "
             "s = d.getElementsByTagName(\"testsuites\")[0]; "
             "print(s.getAttribute(\"tests\"), s.getAttribute(\"failures\"), "
             "s.getAttribute(\"errors\"), "
             "len(d.getElementsByTagName(\"testcase\")))' '%s/report.xml' >'%s/junit.txt' 2>&1",
             dir, dir);
    ck_assert_msg(system(cmd) == 0, "%s", slurp("junit.txt"));
    /* SLOs: availability, latency, availability-ratio x (4 regions + global),
     * never-fails x 4; alerts 4 x 4 + 1 global. failures: availability and
     * availability-ratio in eu-west-1, ap-south-1 and globally; the alerts
     * HighErrorRate, ErrorsNow, KeptHigh in eu-west-1 and
     * HighErrorRateEverywhere. errors: the SLOs but never-fails... in
     * sa-east-1 (no traffic). */
    ck_assert_str_eq(slurp("junit.txt"), "36 10 4 36\n");
    /* JSON on stdout */
    snprintf(
        cmd, sizeof(cmd),
        "python3 -c 'import json,sys; d = json.load(open(sys.argv[1])); "
        "r = [x for x in d[\"results\"] if x[\"scope\"] == \"eu-west-1\" and x[\"slo\"] == "
        "\"availability\"][0]; "
        "print(d[\"status\"], d[\"time\"], r[\"status\"], r[\"objective\"], sorted(r[\"windows\"]) "
        "== sorted([\"5m\",\"30m\",\"1h\",\"2h\",\"6h\",\"1d\",\"3d\"]), "
        "r[\"alerts\"][0][\"firing\"])' "
        "'%s/out.txt' >'%s/json.txt' 2>&1",
        dir, dir);
    ck_assert_msg(system(cmd) == 0, "%s", slurp("json.txt"));
    ck_assert_str_eq(slurp("json.txt"), "firing 1704088800 firing 0.999 True True\n");
}
END_TEST

START_TEST(test_explain)
{
    REQUIRE_FIXTURE();
    ck_assert_int_eq(cli("--config global.yaml --time 2024-01-01T06:00:00Z --region eu-west-1 "
                         "--explain --output json"),
                     1);
    const char *err = slurp("err.txt");
    ck_assert_ptr_nonnull(strstr(err, "slo availability, error_query over 5m, scope eu-west-1"));
    /* the text sent, with the region injected, and the backend */
    ck_assert_ptr_nonnull(strstr(err, promserver_url(whole)));
    ck_assert_ptr_nonnull(strstr(err, "region=\"eu-west-1\""));
}
END_TEST

/* The shipped examples: the embedding program and the CI gate. */
START_TEST(test_examples)
{
    REQUIRE_FIXTURE();
    char cmd[2048];
#ifdef SLOEVAL_TEST_EXAMPLES
    snprintf(cmd, sizeof(cmd),
             "cd '%s' && '" SLOEVAL_BINARY_DIR "/examples/check/embed_check' per-region.yaml "
             "1704088800 embed.prom >out.txt 2>err.txt",
             dir);
    int rc = system(cmd);
    ck_assert_msg(WIFEXITED(rc) && WEXITSTATUS(rc) == 1, "embed_check: %d, %s", rc,
                  slurp("err.txt"));
    const char *out = slurp("out.txt");
    ck_assert_ptr_nonnull(strstr(out, "availability             eu-west-1  firing"));
    ck_assert_ptr_nonnull(strstr(out, "availability             us-east-1  ok"));
    ck_assert_ptr_nonnull(strstr(out, "alert HighErrorRate"));
    snprintf(cmd, sizeof(cmd), PROMSERVER_PROMTOOL " check metrics < '%s/embed.prom'", dir);
    ck_assert_int_eq(system(cmd), 0);
#endif
    /* the CI gate: one region and the global scope */
    char buf[1024];
    snprintf(buf, sizeof(buf),
             "backends:\n  us-east-1: {url: \"%s\"}\nregions: {names: [us-east-1]}\n%s",
             promserver_url(split[0]), slos_yaml);
    write_file("gate.yaml", buf);
    static const struct {
        const char *config, *region;
        int code;
        const char *says;
    } gates[] = {
        {"gate.yaml", "us-east-1", 0, "within their error budgets: deploying"},
        {"per-region.yaml", "eu-west-1", 1, "an SLO or alert fires, or an error budget is below"},
        {"down.yaml", "eu-west-1", 1, "cannot tell"},
    };
    for (size_t i = 0; i < sizeof(gates) / sizeof(*gates); i++) {
        snprintf(cmd, sizeof(cmd),
                 "cd '%s' && SLOEVAL='" SLOEVAL_BINARY_DIR "/bin/sloeval' "
                 "SLO_GATE_JUNIT=gate.xml '" SLOEVAL_SOURCE_DIR "/examples/ci/slo-gate.sh' %s %s "
                 "--time 2024-01-01T06:00:00Z "
                 ">out.txt 2>err.txt",
                 dir, gates[i].config, gates[i].region);
        int grc = system(cmd);
        ck_assert(WIFEXITED(grc));
        ck_assert_msg(WEXITSTATUS(grc) == gates[i].code, "gate %s %s: exit %d: %s", gates[i].config,
                      gates[i].region, WEXITSTATUS(grc), slurp("out.txt"));
        ck_assert_ptr_nonnull(strstr(slurp("out.txt"), gates[i].says));
    }
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("slo_check");
    TCase *tc = tcase_create("check");
    tcase_add_unchecked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_numbers_per_region_backends);
    tcase_add_test(tc, test_numbers_global_backend);
    tcase_add_test(tc, test_numbers_local_evaluation);
    tcase_add_test(tc, test_decisions_per_region_backends);
    tcase_add_test(tc, test_decisions_global_backend);
    tcase_add_test(tc, test_backend_down);
    tcase_add_test(tc, test_empty_errors_inconclusive);
    tcase_add_test(tc, test_alerts_per_region_backends);
    tcase_add_test(tc, test_alerts_global_backend);
    tcase_add_test(tc, test_sloth_and_rules);
    tcase_add_test(tc, test_lenient_includes_warn);
    tcase_add_test(tc, test_each_request_once);
    tcase_add_test(tc, test_exit_codes);
    tcase_add_test(tc, test_usage_and_config_errors);
    tcase_add_test(tc, test_outputs);
    tcase_add_test(tc, test_explain);
    tcase_add_test(tc, test_examples);
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
