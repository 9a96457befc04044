/*
 * Every expression that Prometheus's own test scripts evaluate successfully
 * (the upstream promql/promqltest files in SLOEVAL_SHARED_DIR/promql-testdata,
 * 2.42 and 3.x) must parse: the 2.42 ones with --compat v2, the 3.x ones
 * with --compat v3 and the experimental switch (the upstream tests enable
 * experimental functions). 3.x scripts also use experimental syntax that
 * sloeval rejects on purpose (README); those must fail with exactly those
 * messages, nothing else.
 *
 * The data is optional: without it the test reports itself skipped (77).
 */
#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "promql/ast.h"
#include "promql/parser.h"
#include "util/arena.h"

#include "corpus.h"

static const char *const unsupported[] = {
    "anchored modifier is experimental and not enabled",
    "smoothed modifier is experimental and not enabled",
    "experimental duration expression is not enabled",
    "binop fill modifiers are experimental and not enabled",
};

typedef struct tally {
    int files, parsed, unsupported, failed;
} tally;

static void check_file(const char *path, sloeval_compat compat, tally *t)
{
    FILE *f = fopen(path, "r");
    if (!f) return;
    t->files++;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n && line[n - 1] == '\n') line[--n] = '\0';
        bool is_fail = false;
        char *e = corpus_eval_expr(line, &is_fail);
        if (!e || is_fail) continue;
        arena a;
        arena_init(&a, 0);
        ast_node *root;
        sloeval_error err = SLOEVAL_ERROR_INIT;
        parse_options o = {compat, true, 0};
        if (promql_parse(&root, &a, e, strlen(e), &o, &err) == 0) {
            t->parsed++;
        } else {
            int known = 0;
            for (size_t i = 0; i < sizeof(unsupported) / sizeof(unsupported[0]); i++)
                if (compat == SLOEVAL_COMPAT_V3 && !strcmp(err.message, unsupported[i])) known = 1;
            if (known) {
                t->unsupported++;
            } else {
                t->failed++;
                fprintf(stderr, "%s:%d: %s\n  %d:%d: parse error: %s\n", path, lineno, e, err.line,
                        err.column, err.message);
            }
        }
        arena_free(&a);
    }
    free(line);
    fclose(f);
}

static void walk(const char *dir, sloeval_compat compat, tally *t)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        if (S_ISDIR(st.st_mode))
            walk(path, compat, t);
        else if (strlen(de->d_name) > 5 && !strcmp(de->d_name + strlen(de->d_name) - 5, ".test"))
            check_file(path, compat, t);
    }
    closedir(d);
}

int main(void)
{
    const char *root = SLOEVAL_SHARED_DIR "/promql-testdata";
    struct stat st;
    if (stat(root, &st) != 0) {
        printf("skipped: %s not found (the upstream test scripts are optional data)\n", root);
        return 77;
    }
    tally v2 = {0}, v3 = {0};
    walk(SLOEVAL_SHARED_DIR "/promql-testdata/v2.42", SLOEVAL_COMPAT_V2, &v2);
    walk(SLOEVAL_SHARED_DIR "/promql-testdata/v3", SLOEVAL_COMPAT_V3, &v3);
    printf("v2.42 scripts: %d files, %d expressions parsed, %d failed\n", v2.files, v2.parsed,
           v2.failed);
    printf("v3 scripts: %d files, %d expressions parsed, %d use unsupported experimental syntax, "
           "%d failed\n",
           v3.files, v3.parsed, v3.unsupported, v3.failed);
    int bad = v2.failed || v3.failed || v2.parsed == 0 || v3.parsed == 0;
    printf("%s\n", bad ? "FAIL" : "PASS");
    return bad;
}
