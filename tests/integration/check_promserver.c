/* The promserver harness itself, against the real Prometheus 2.42. */
#include <check.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "promserver.h"

/* 2024-01-01T00:00:00Z */
#define T0 1704067200L

/* Write `text` to a fresh temporary file; returns its malloc'd path. */
static char *temp_file(const char *text)
{
    char tmpl[] = "/tmp/sloeval-om-XXXXXX";
    int fd = mkstemp(tmpl);
    ck_assert_int_ge(fd, 0);
    size_t n = strlen(text);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    return strdup(tmpl);
}

/* Gauge x{a="1"} = 1..5 and x{a="2"} = 10..50 every 15 s from T0, scaled by k. */
static char *tiny_openmetrics(int k)
{
    char buf[4096];
    size_t off = (size_t)snprintf(buf, sizeof buf, "# HELP x A test gauge.\n# TYPE x gauge\n");
    for (int a = 1; a <= 2; a++)
        for (int i = 0; i < 5; i++)
            off += (size_t)snprintf(buf + off, sizeof buf - off, "x{a=\"%d\"} %d %ld\n", a,
                                    k * (a == 1 ? 1 : 10) * (i + 1), T0 + 15L * i);
    snprintf(buf + off, sizeof buf - off, "# EOF\n");
    return temp_file(buf);
}

static bool path_exists(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0;
}

/* Gone, or a zombie waiting for init to reap it. */
static bool process_gone(pid_t pid)
{
    if (kill(pid, 0) != 0 && errno == ESRCH) return true;
    char path[64], buf[512];
    snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
    FILE *f = fopen(path, "r");
    if (f == NULL) return true;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp != NULL && (rp[2] == 'Z' || rp[2] == 'X');
}

static bool wait_gone(pid_t pid, int limit_ms)
{
    for (int waited = 0; waited < limit_ms; waited += 20) {
        if (process_gone(pid)) return true;
        struct timespec ts = {0, 20000000L};
        nanosleep(&ts, NULL);
    }
    return process_gone(pid);
}

START_TEST(test_binaries_available)
{
    ck_assert_msg(promserver_available(),
                  "prometheus/promtool missing: run scripts/install-deps.sh --dev");
}
END_TEST

START_TEST(test_backfill_query_stop)
{
    char err[512];
    char *om = tiny_openmetrics(1);
    promserver *s = promserver_start(om, err, sizeof err);
    ck_assert_msg(s != NULL, "start: %s", err);
    char *dir = strdup(promserver_dir(s));
    pid_t pid = promserver_pid(s);
    ck_assert(path_exists(dir));
    ck_assert_int_gt(pid, 0);
    char want[64];
    snprintf(want, sizeof want, "http://127.0.0.1:%d", promserver_port(s));
    ck_assert_str_eq(promserver_url(s), want);

    /* At T0+30 the latest samples are the third ones: 3 + 30. */
    double v = 0;
    char t[32];
    snprintf(t, sizeof t, "%ld", T0 + 30);
    ck_assert_int_eq(promserver_query_value(s, "sum(x)", t, &v), 0);
    ck_assert_double_eq(v, 33.0);
    ck_assert_int_eq(promserver_query_value(s, "x{a=\"2\"}", "2024-01-01T00:01:00Z", &v), 0);
    ck_assert_double_eq(v, 50.0);

    long status = 0;
    json_t *j = promserver_query(s, "sum(x)", t, &status);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "success");
    json_decref(j);

    /* A parse error: HTTP 400, errorType bad_data. */
    j = promserver_query(s, "sum(x", t, &status);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(status, 400);
    ck_assert_str_eq(json_string_value(json_object_get(j, "status")), "error");
    ck_assert_str_eq(json_string_value(json_object_get(j, "errorType")), "bad_data");
    json_decref(j);

    /* Range query: 5 steps over the backfilled minute. */
    char start[32], end[32];
    snprintf(start, sizeof start, "%ld", T0);
    snprintf(end, sizeof end, "%ld", T0 + 60);
    j = promserver_query_range(s, "sum(x)", start, end, "15", &status);
    ck_assert_ptr_nonnull(j);
    ck_assert_int_eq(status, 200);
    json_t *result = json_object_get(json_object_get(j, "data"), "result");
    ck_assert_int_eq(json_array_size(result), 1);
    json_t *values = json_object_get(json_array_get(result, 0), "values");
    ck_assert_int_eq(json_array_size(values), 5);
    ck_assert_str_eq(json_string_value(json_array_get(json_array_get(values, 4), 1)), "55");
    json_decref(j);

    /* Raw POST and GET. */
    char *body = NULL;
    ck_assert_int_eq(
        promserver_post(s, "/api/v1/query", "query=count(x)&time=1704067230", &body, &status), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(body, "\"2\""));
    free(body);
    ck_assert_int_eq(promserver_get(s, "/api/v1/label/a/values", &body, &status), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_str_eq(body, "{\"status\":\"success\",\"data\":[\"1\",\"2\"]}");
    free(body);
    ck_assert_int_eq(promserver_get(s, "/no/such/path", &body, &status), 0);
    ck_assert_int_eq(status, 404);
    free(body);

    printf("promserver: backfill %.0f ms, start-up %.0f ms\n", promserver_backfill_ms(s),
           promserver_startup_ms(s));
    promserver_stop(s);
    ck_assert_msg(!path_exists(dir), "temp dir %s left behind", dir);
    ck_assert(process_gone(pid));
    free(dir);
    unlink(om);
    free(om);
}
END_TEST

START_TEST(test_empty_tsdb_and_options)
{
    char err[512];
    const char *extra[] = {"--query.lookback-delta=1m", NULL};
    promserver_options o = {0};
    o.extra_args = extra;
    promserver *s = promserver_start_opts(&o, err, sizeof err);
    ck_assert_msg(s != NULL, "start: %s", err);
    double v = 0;
    ck_assert_int_eq(promserver_query_value(s, "vector(7) * 6", "1704067200", &v), 0);
    ck_assert_double_eq(v, 42.0);
    /* No data at all: an empty vector is not a single value. */
    ck_assert_int_eq(promserver_query_value(s, "up", "1704067200", &v), -1);
    char *body = NULL;
    long status = 0;
    ck_assert_int_eq(promserver_get(s, "/api/v1/status/flags", &body, &status), 0);
    ck_assert_int_eq(status, 200);
    ck_assert_ptr_nonnull(strstr(body, "\"query.lookback-delta\":\"1m\""));
    ck_assert_ptr_nonnull(strstr(body, "\"storage.tsdb.retention.time\":\"100y\""));
    free(body);
    promserver_stop(s);
    promserver_stop(NULL);
}
END_TEST

START_TEST(test_four_servers_at_once)
{
    char err[512];
    promserver *s[4];
    char *om[4];
    for (int i = 0; i < 4; i++) {
        om[i] = tiny_openmetrics(i + 1);
        s[i] = promserver_start(om[i], err, sizeof err);
        ck_assert_msg(s[i] != NULL, "start %d: %s", i, err);
    }
    for (int i = 0; i < 4; i++)
        for (int k = 0; k < i; k++)
            ck_assert_int_ne(promserver_port(s[i]), promserver_port(s[k]));
    for (int i = 0; i < 4; i++) {
        double v = 0;
        ck_assert_int_eq(promserver_query_value(s[i], "sum(x)", "1704067260", &v), 0);
        ck_assert_double_eq(v, 55.0 * (i + 1));
    }
    for (int i = 0; i < 4; i++) {
        promserver_stop(s[i]);
        unlink(om[i]);
        free(om[i]);
    }
}
END_TEST

START_TEST(test_bad_input_is_one_line_error)
{
    char err[512];
    char *om = temp_file("# TYPE x gauge\nx 1 1704067200\n");
    promserver *s = promserver_start(om, err, sizeof err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "does not end with # EOF") != NULL, "got: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    unlink(om);
    free(om);

    om = temp_file("# TYPE x gauge\nx{a=\"1\" 1 1704067200\n# EOF\n");
    s = promserver_start(om, err, sizeof err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "promtool backfill") != NULL, "got: %s", err);
    ck_assert_ptr_null(strchr(err, '\n'));
    unlink(om);
    free(om);

    s = promserver_start("/nonexistent/data.om", err, sizeof err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "/nonexistent/data.om") != NULL, "got: %s", err);

    /* A flag prometheus rejects: its own message comes back. */
    const char *extra[] = {"--no-such-flag", NULL};
    promserver_options o = {0};
    o.extra_args = extra;
    s = promserver_start_opts(&o, err, sizeof err);
    ck_assert_ptr_null(s);
    ck_assert_msg(strstr(err, "prometheus exited") != NULL, "got: %s", err);
}
END_TEST

/* A test process that dies without promserver_stop must not leave a
 * Prometheus behind, and its temp dir is swept by the next start. */
START_TEST(test_server_dies_with_its_test)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    pid_t child = fork();
    ck_assert_int_ge(child, 0);
    if (child == 0) {
        close(fds[0]);
        char err[512];
        promserver *s = promserver_start(NULL, err, sizeof err);
        if (s == NULL) _exit(2);
        char msg[4200];
        int n = snprintf(msg, sizeof msg, "%ld %s\n", (long)promserver_pid(s), promserver_dir(s));
        if (write(fds[1], msg, (size_t)n) != n) _exit(3);
        abort(); /* crash, without stopping the server */
    }
    close(fds[1]);
    char buf[4200] = "";
    ssize_t n = read(fds[0], buf, sizeof buf - 1);
    close(fds[0]);
    int st;
    ck_assert_int_eq(waitpid(child, &st, 0), child);
    ck_assert_int_gt(n, 0);
    buf[n] = '\0';
    long pid = 0;
    char dir[4096];
    ck_assert_int_eq(sscanf(buf, "%ld %4095s", &pid, dir), 2);
    ck_assert_msg(wait_gone((pid_t)pid, 10000), "prometheus %ld outlived its test", pid);
    ck_assert(path_exists(dir));

    char err[512];
    promserver *s = promserver_start(NULL, err, sizeof err);
    ck_assert_msg(s != NULL, "start: %s", err);
    ck_assert_msg(!path_exists(dir), "stale dir %s not swept", dir);
    promserver_stop(s);
}
END_TEST

static Suite *promserver_suite(void)
{
    Suite *s = suite_create("promserver");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_binaries_available);
    tcase_add_test(tc, test_backfill_query_stop);
    tcase_add_test(tc, test_empty_tsdb_and_options);
    tcase_add_test(tc, test_four_servers_at_once);
    tcase_add_test(tc, test_bad_input_is_one_line_error);
    tcase_add_test(tc, test_server_dies_with_its_test);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(promserver_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
