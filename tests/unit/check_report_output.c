/*
 * Where reports go and what reaches a terminal:
 *  - sloeval_check_report_write_file replaces regular files atomically
 *    (keeping their mode), writes devices, FIFOs and links to them in
 *    place (never replacing /dev/stdout-like links), and does not fail on
 *    a target name near NAME_MAX;
 *  - the text report shows control characters from a server (label
 *    values, warnings, reasons) as escapes, never raw.
 */
#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check/check.h"
#include "sloeval.h"

/* A report with one firing alert whose series carry `lvalue` under label
 * `name`, one inconclusive alert with `reason`, and `warning`. */
static sloeval_check_report *make_report(const char *name, const char *lvalue, const char *reason,
                                         const char *warning)
{
    sloeval_check_report *rep = check_report_new();
    ck_assert_ptr_nonnull(rep);
    rep->time_ms = 1704088800000LL;
    rep->end_wall_ms = rep->time_ms;
    ck_assert_int_eq(
        arena_grow(&rep->arena, (void **)&rep->alerts, &rep->capalerts, 2, sizeof(*rep->alerts)),
        0);
    sloeval_label *l = ARENA_NEW_ARRAY(&rep->arena, sloeval_label, 2);
    l[0] = (sloeval_label){"job", "api"};
    l[1] = (sloeval_label){name, lvalue};
    sloeval_check_series *ser = ARENA_NEW(&rep->arena, sloeval_check_series);
    ser->labels = l;
    ser->nlabels = 2;
    sloeval_check_alert_result *a = &rep->alerts[rep->nalerts++];
    memset(a, 0, sizeof(*a));
    a->name = "Injected";
    a->scope = "global";
    a->status = SLOEVAL_CHECK_FIRING;
    a->firing = 1;
    a->series = ser;
    a->nseries = 1;
    a = &rep->alerts[rep->nalerts++];
    memset(a, 0, sizeof(*a));
    a->name = "Broken";
    a->scope = "global";
    a->status = SLOEVAL_CHECK_INCONCLUSIVE;
    a->reason = reason;
    ck_assert_int_eq(check_report_warn(rep, warning), 0);
    rep->status = check_report_summarise(rep);
    return rep;
}

static char *render(const sloeval_check_report *rep, sloeval_check_format fmt)
{
    sloeval_check_render_options o = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    o.format = fmt;
    char *out = NULL;
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(sloeval_check_report_render(&out, NULL, rep, &o, &err), 0);
    return out;
}

/* No byte a terminal acts on: C0 but newline, DEL, and C1 as UTF-8. */
static void assert_terminal_safe(const char *out)
{
    for (const unsigned char *p = (const unsigned char *)out; *p; p++) {
        ck_assert_msg(*p >= 0x20 || *p == '\n', "control byte 0x%02x at %ld in\n%s", *p,
                      (long)((const char *)p - out), out);
        ck_assert_msg(*p != 0x7f, "DEL in output");
        ck_assert_msg(!(p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f), "C1 control U+00%02X",
                      p[1] - 0x40);
        ck_assert_msg(*p < 0x80 || *p >= 0xc2 || (*p & 0xc0) == 0x80, "raw byte 0x%02x", *p);
    }
}

START_TEST(test_text_escapes_server_controls)
{
    /* retitle the terminal, clear it, ring, overwrite the line, C1 CSI */
    sloeval_check_report *rep = make_report("path\x1b[2J",
                                            "x\x1b]0;pwned\x07y\rz\xc2\x9b"
                                            "31m\x7f\x9b",
                                            "HTTP 500: \x1b[31mred\xc2\x85next",
                                            "store said \x1b]2;title\x07 and \r\x1b[K");
    char *out = render(rep, SLOEVAL_CHECK_FORMAT_TEXT);
    assert_terminal_safe(out);
    ck_assert_msg(strstr(out, "path\\x1b[2J=\"x\\x1b]0;pwned\\ay\\rz\\u009b31m\\x7f\\x9b\"") !=
                      NULL,
                  "%s", out);
    ck_assert_msg(strstr(out, "HTTP 500: \\x1b[31mred\\u0085next") != NULL, "%s", out);
    ck_assert_msg(strstr(out, "warning: store said \\x1b]2;title\\x07 and \\x0d\\x1b[K") != NULL,
                  "%s", out);
    free(out);
    sloeval_check_report_free(rep);
}
END_TEST

/* A NUL in a label value (JSON "\u0000") no longer cuts the value short in
 * the report: it shows as U+FFFD, and what follows it stays. */
START_TEST(test_label_value_with_nul)
{
    sloeval_check_report *r = check_report_new();
    ck_assert_ptr_nonnull(r);
    r->time_ms = 1704088800000LL;
    ck_assert_int_eq(
        arena_grow(&r->arena, (void **)&r->alerts, &r->capalerts, 1, sizeof(*r->alerts)), 0);
    sloeval_check_alert_result *out = &r->alerts[r->nalerts++];
    memset(out, 0, sizeof(*out));
    static const char raw[] = "before\0after";
    label pair = {STRV_LIT("path"), {raw, sizeof raw - 1}};
    bool dup = false;
    const labels *ls = labels_make(&r->arena, &pair, 1, true, &dup);
    ck_assert_ptr_nonnull(ls);
    value v = {0};
    v.kind = VALUE_VECTOR;
    ck_assert_int_eq(vector_push(&r->arena, &v.u.vector, ls, r->time_ms, 1), 0);
    slo_alert alert = {0};
    alert.name = "Nul";
    alert.expr = "x";
    alert.step_ms = 60000;
    check_answer ans = {0, NULL, &v, NULL};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_int_eq(
        check_decide_alert(out, &r->arena, &alert, &ans, r->time_ms, r->time_ms, 60000, &err), 0);
    out->name = "Nul";
    out->scope = "global";
    ck_assert_int_eq(out->status, SLOEVAL_CHECK_FIRING);
    r->status = check_report_summarise(r);
    char *text = render(r, SLOEVAL_CHECK_FORMAT_TEXT);
    ck_assert_msg(strstr(text, "path=\"before\xEF\xBF\xBD"
                               "after\"") != NULL,
                  "%s", text);
    free(text);
    char *json = render(r, SLOEVAL_CHECK_FORMAT_JSON);
    ck_assert_msg(strstr(json, "\"path\":\"before\xEF\xBF\xBD"
                               "after\"") != NULL,
                  "%s", json);
    free(json);
    sloeval_check_report_free(r);
}
END_TEST

/* ---- writing files -------------------------------------------------------- */

static char dir[64];
static sloeval_check_report *rep;

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sloeval-out-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(dir));
    rep = make_report("a", "b", "r", "w");
}

static void teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    ck_assert_int_eq(system(cmd), 0);
    sloeval_check_report_free(rep);
}

static int write_json(const char *path, sloeval_error *err)
{
    sloeval_check_render_options o = SLOEVAL_CHECK_RENDER_OPTIONS_INIT;
    o.format = SLOEVAL_CHECK_FORMAT_JSON;
    return sloeval_check_report_write_file(path, rep, &o, err);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    ck_assert_ptr_nonnull(f);
    static char buf[1 << 16];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    return buf;
}

/* Entries in dir (without . and ..). */
static int entries(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "exit $(ls -A '%s' | wc -l)", dir);
    int st = system(cmd);
    return WEXITSTATUS(st);
}

START_TEST(test_file_mode_kept)
{
    char path[128];
    snprintf(path, sizeof path, "%s/out.json", dir);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    /* new: 0644 */
    ck_assert_int_eq(write_json(path, &err), 0);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0644);
    /* replaced: keeps 0600 */
    ck_assert_int_eq(chmod(path, 0600), 0);
    FILE *f = fopen(path, "w");
    fputs("old", f);
    fclose(f);
    ck_assert_int_eq(write_json(path, &err), 0);
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_int_eq(st.st_mode & 07777, 0600);
    ck_assert_ptr_nonnull(strstr(slurp(path), "\"status\""));
    ck_assert_int_eq(entries(), 1); /* no temporary left */
}
END_TEST

START_TEST(test_file_name_max)
{
    char path[PATH_MAX];
    int n = snprintf(path, sizeof path, "%s/", dir);
    for (int i = 0; i < NAME_MAX; i++)
        path[n++] = 'n';
    path[n] = '\0';
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(write_json(path, &err) == 0, "%s", err.message);
    ck_assert_msg(write_json(path, &err) == 0, "%s", err.message);
    ck_assert_ptr_nonnull(strstr(slurp(path), "\"status\""));
    ck_assert_int_eq(entries(), 1);
}
END_TEST

/* A link to a character device (as /dev/stdout is, through /proc) is
 * written through, and stays a link. */
START_TEST(test_link_to_device_kept)
{
    char link[128];
    snprintf(link, sizeof link, "%s/stdout", dir);
    ck_assert_int_eq(symlink("/dev/null", link), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(write_json(link, &err) == 0, "%s", err.message);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert_msg(S_ISLNK(st.st_mode), "the link was replaced");
    char target[64];
    ssize_t n = readlink(link, target, sizeof target - 1);
    ck_assert_int_eq(n, 9);
    target[n] = '\0';
    ck_assert_str_eq(target, "/dev/null");
    ck_assert_int_eq(stat("/dev/null", &st), 0);
    ck_assert(S_ISCHR(st.st_mode));
    ck_assert_int_eq(entries(), 1);
}
END_TEST

/* A link to a regular file is written through (the link stays); a
 * directory is refused with its name. */
START_TEST(test_link_to_file_and_directory)
{
    char file[128], link[128];
    snprintf(file, sizeof file, "%s/real.json", dir);
    snprintf(link, sizeof link, "%s/link.json", dir);
    ck_assert_int_eq(symlink("real.json", link), 0);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    ck_assert_msg(write_json(link, &err) == 0, "%s", err.message); /* dangling: created */
    ck_assert_msg(write_json(link, &err) == 0, "%s", err.message); /* then truncated */
    char *want = render(rep, SLOEVAL_CHECK_FORMAT_JSON);
    ck_assert_str_eq(slurp(file), want);
    free(want);
    struct stat st;
    ck_assert_int_eq(lstat(link, &st), 0);
    ck_assert(S_ISLNK(st.st_mode));
    ck_assert_int_eq(write_json(dir, &err), SLOEVAL_EIO);
    ck_assert_ptr_nonnull(strstr(err.message, "is a directory"));
    ck_assert_int_eq(entries(), 2);
}
END_TEST

typedef struct reader {
    const char *path;
    char buf[1 << 16];
    size_t len;
} reader;

static void *read_fifo(void *arg)
{
    reader *r = arg;
    int fd = open(r->path, O_RDONLY);
    if (fd < 0) return NULL;
    ssize_t n;
    while ((n = read(fd, r->buf + r->len, sizeof r->buf - 1 - r->len)) > 0)
        r->len += (size_t)n;
    r->buf[r->len] = '\0';
    close(fd);
    return NULL;
}

/* A FIFO, and a link to one, get the whole text; both stay what they are. */
START_TEST(test_fifo_written_in_place)
{
    char fifo[128], link[128];
    snprintf(fifo, sizeof fifo, "%s/pipe", dir);
    snprintf(link, sizeof link, "%s/out.json", dir);
    ck_assert_int_eq(mkfifo(fifo, 0600), 0);
    ck_assert_int_eq(symlink(fifo, link), 0);
    char *want = render(rep, SLOEVAL_CHECK_FORMAT_JSON);
    for (int k = 0; k < 2; k++) {
        static reader r;
        memset(&r, 0, sizeof r);
        r.path = fifo;
        pthread_t t;
        ck_assert_int_eq(pthread_create(&t, NULL, read_fifo, &r), 0);
        sloeval_error err = SLOEVAL_ERROR_INIT;
        ck_assert_msg(write_json(k ? link : fifo, &err) == 0, "%s", err.message);
        pthread_join(t, NULL);
        ck_assert_str_eq(r.buf, want);
        struct stat st;
        ck_assert_int_eq(lstat(fifo, &st), 0);
        ck_assert(S_ISFIFO(st.st_mode));
        ck_assert_int_eq(lstat(link, &st), 0);
        ck_assert(S_ISLNK(st.st_mode));
    }
    ck_assert_int_eq(entries(), 2);
    free(want);
}
END_TEST

/* "-" is standard output. */
START_TEST(test_dash_is_stdout)
{
    int fds[2];
    ck_assert_int_eq(pipe(fds), 0);
    fflush(stdout);
    int saved = dup(STDOUT_FILENO);
    ck_assert_int_eq(dup2(fds[1], STDOUT_FILENO), STDOUT_FILENO);
    sloeval_error err = SLOEVAL_ERROR_INIT;
    int rc = write_json("-", &err);
    dup2(saved, STDOUT_FILENO);
    close(saved);
    close(fds[1]);
    ck_assert_msg(rc == 0, "%s", err.message);
    static char buf[1 << 16];
    size_t len = 0;
    ssize_t n;
    while ((n = read(fds[0], buf + len, sizeof buf - 1 - len)) > 0)
        len += (size_t)n;
    buf[len] = '\0';
    close(fds[0]);
    char *want = render(rep, SLOEVAL_CHECK_FORMAT_JSON);
    ck_assert_str_eq(buf, want);
    free(want);
    ck_assert_int_eq(entries(), 0);
    ck_assert_int_ne(access("-", F_OK), 0); /* no file named "-" */
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("report_output");
    TCase *tc = tcase_create("text");
    tcase_add_test(tc, test_text_escapes_server_controls);
    tcase_add_test(tc, test_label_value_with_nul);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_add_checked_fixture(tc, setup, teardown);
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, test_file_mode_kept);
    tcase_add_test(tc, test_file_name_max);
    tcase_add_test(tc, test_link_to_device_kept);
    tcase_add_test(tc, test_link_to_file_and_directory);
    tcase_add_test(tc, test_fifo_written_in_place);
    tcase_add_test(tc, test_dash_is_stdout);
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
