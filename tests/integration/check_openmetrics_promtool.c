/*
 * The OpenMetrics loader accepts and rejects what `promtool tsdb
 * create-blocks-from openmetrics` (2.42) accepts and rejects. The only
 * intended difference: samples out of order, or repeating a timestamp
 * with another value, which promtool drops silently when they fall in
 * one appender batch, are errors here.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "promserver.h"
#include "sloeval/source.h"

static const struct {
    const char *text;
    int promtool_differs; /* 1: promtool accepts by dropping, we reject */
} cases[] = {
    {"# TYPE up gauge\nup{job=\"a\"} 1 1000\nup{job=\"a\"} 2 1015\n# EOF\n", 0},
    {"up 1 1\n# EOF", 0},
    {"# HELP up The up metric \\\\ x\n# TYPE up gauge\n# UNIT up_seconds seconds\nup_seconds 1 "
     "1\n# EOF\n",
     0},
    {"m{a=\"x\\\"y\\\\z\\nq\",b=\"\\t\"} 1 1\n# EOF\n", 0},
    {"m{} 1 1\n# EOF\n", 0},
    {"a_total 1 1 # {trace=\"x\"} 1 2\n# EOF\n", 0},
    {"a_total 1 1 # {trace=\"x\"} 1\n# EOF\n", 0},
    {"m NaN 1\nm +Inf 2\nm -Inf 3\nm inf 4\n# EOF\n", 0},
    {"m 1 1.5\nm 2 1.6015\n# EOF\n", 0},
    {"m 1 -5\n# EOF\n", 0},
    {"m 1 1\nm 1 1\n# EOF\n", 0},
    {"m{a=\"\"} 1 1\n# EOF\n", 0},
    {"m 1e3 1e3\n# EOF\n", 0},
    {"# EOF\n", 0},
    {"a 1 2\nb 1 1\na 1 3\n# EOF\n", 0},
    {"m{a=\"\x01\t\x7f\"} 1 1\n# EOF\n", 0},
    {"m 1 1\n", 0},
    {"m 1 1\n# EOF\nm 1 2\n", 0},
    {"m 1 1\n# EOF\n\n", 0},
    {"m 1 1\n\nm 2 2\n# EOF\n", 0},
    {"# hello\nm 1 1\n# EOF\n", 0},
    {"m 1\n# EOF\n", 0},
    {"m  1 1\n# EOF\n", 0},
    {"m 1 1 \n# EOF\n", 0},
    {"m\t1 1\n# EOF\n", 0},
    {"m abc 1\n# EOF\n", 0},
    {"m 0x1p3 1\n# EOF\n", 0},
    {"m 1_000 1\n# EOF\n", 0},
    {"m 1 NaN\n# EOF\n", 0},
    {"m 1 Inf\n# EOF\n", 0},
    {"m 1 1\n# TYPE m foo\n# EOF\n", 0},
    {"# UNIT m seconds\nm 1 1\n# EOF\n", 0},
    {"m{a=\"1\",} 1 1\n# EOF\n", 0},
    {"m{a=\"1\", b=\"2\"} 1 1\n# EOF\n", 0},
    {"m{a:b=\"1\"} 1 1\n# EOF\n", 0},
    {"m 1 1 # {a=\"b\"} 1\n# EOF\n", 0},
    {"m 1 1\r\n# EOF\n", 0},
    {"1m 1 1\n# EOF\n", 0},
    {"m{a=\"1} 1 1\n# EOF\n", 0},
    {"m{a=\"1\",a=\"2\"} 1 1\n# EOF\n", 0},
    {"m{__name__=\"x\"} 1 1\n# EOF\n", 0},
    {"m 1 1 1\n# EOF\n", 0},
    {"m{a=\"\xff\"} 1 1\n# EOF\n", 0},
    {"# HELP m\nm 1 1\n# EOF\n", 0},
    {"# eof\n", 0},
    {"#TYPE m gauge\n# EOF\n", 0},
    {"m 1 1\n# EOFx\n", 0},
    {"m 1 2\nm 1 1\n# EOF\n", 1},
    {"m 1 1\nm 2 1\n# EOF\n", 1},
};

static bool promtool_accepts(const char *text)
{
    char file[] = "/tmp/sloeval-pt-XXXXXX";
    int fd = mkstemp(file);
    ck_assert_int_ge(fd, 0);
    size_t n = strlen(text);
    ck_assert_int_eq(write(fd, text, n), (ssize_t)n);
    close(fd);
    char dir[] = "/tmp/sloeval-ptdb-XXXXXX";
    ck_assert_ptr_nonnull(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof(cmd),
             "timeout 60 %s tsdb create-blocks-from openmetrics %s %s >/dev/null 2>&1",
             PROMSERVER_PROMTOOL, file, dir);
    int st = system(cmd);
    snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
    ck_assert_int_eq(system(cmd), 0);
    unlink(file);
    ck_assert_msg(WIFEXITED(st) && WEXITSTATUS(st) != 124, "promtool timed out");
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

START_TEST(test_same_verdicts_as_promtool)
{
    ck_assert_msg(promserver_available(), "promtool missing: scripts/install-deps.sh");
    int agree = 0, intended = 0;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sloeval_source *src;
        ck_assert_int_eq(sloeval_source_new_memory(&src, SLOEVAL_COMPAT_V2), 0);
        sloeval_error err = SLOEVAL_ERROR_INIT;
        bool ours = sloeval_memory_load_openmetrics(src, cases[i].text, strlen(cases[i].text),
                                                    "case", &err) == 0;
        sloeval_source_free(src);
        bool theirs = promtool_accepts(cases[i].text);
        if (cases[i].promtool_differs) {
            ck_assert_msg(theirs && !ours, "case %zu: promtool %d, ours %d", i, theirs, ours);
            intended++;
        } else {
            ck_assert_msg(theirs == ours, "case %zu: promtool %d, ours %d (%s)", i, theirs, ours,
                          err.message);
            agree++;
        }
    }
    printf("%d cases agree with promtool, %d differ as intended (we reject what it drops)\n", agree,
           intended);
}
END_TEST

static Suite *suite(void)
{
    Suite *s = suite_create("openmetrics_promtool");
    TCase *tc = tcase_create("promtool");
    tcase_set_timeout(tc, 240);
    tcase_add_test(tc, test_same_verdicts_as_promtool);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(suite());
    srunner_set_fork_status(sr, CK_NOFORK);
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
