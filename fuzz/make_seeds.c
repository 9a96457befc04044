/*
 * Write the fuzzers' seed corpora from the tests, one directory per target
 * under OUTDIR (OUTDIR/parse, OUTDIR/prom_json, ...). Each seed starts
 * with the option byte its target reads first, when it reads one.
 *   parse        expressions of tests/parse/corpus*.txt and the inputs of
 *                tests/golden/parse/, for the 3.x and the 2.x grammar
 *   prom_json    /api/v1 answers: the JSON string literals of the decoder,
 *                fault-server and HTTP tests
 *   config       the YAML files of tests/golden/config and examples, and the YAML
 *                literals of the config and check tests, auto-detected and
 *                as their own kind, and a config including the Sloth spec
 *                and the rule file of fuzz_config's sandbox
 *   openmetrics  the OpenMetrics literals of the data-loading tests
 *   script       *.test under ../shared/promql-testdata (read in place,
 *                when that directory exists) and the script tests' literals
 *   regex        the pattern/subject rows of tests/unit/check_regex.c and
 *                every =~ / !~ pattern of the parser corpora
 * usage: fuzz_seeds OUTDIR
 */
#define _GNU_SOURCE /* memmem */
#include <dirent.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "corpus.h"

#define SRC SLOEVAL_SOURCE_DIR

static const char *outdir;
static int total;

static char *read_all(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    size_t cap = 65536, n = 0;
    char *buf = malloc(cap + 1);
    while (buf) {
        size_t r = fread(buf + n, 1, cap - n, f);
        n += r;
        if (n < cap) break;
        char *nb = realloc(buf, 2 * cap + 1);
        if (!nb) {
            free(buf);
            buf = NULL;
            break;
        }
        buf = nb;
        cap *= 2;
    }
    fclose(f);
    if (!buf) return NULL;
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* Write one seed: the option byte (when opt >= 0), then the text. */
static void seed(const char *target, int opt, const char *text, size_t len)
{
    static int n;
    char path[4096];
    snprintf(path, sizeof path, "%s/%s/seed-%05d", outdir, target, n++);
    FILE *f = fopen(path, "wb");
    if (!f || (opt >= 0 && fputc(opt, f) == EOF) || fwrite(text, 1, len, f) != len ||
        fclose(f) != 0) {
        perror(path);
        exit(1);
    }
    total++;
}

/* ---- string literals of C sources ------------------------------------- */

typedef void (*literal_fn)(void *ctx, const char *s, size_t len);

/* Call fn for every string literal of C text (adjacent literals joined,
 * C escapes decoded). */
static void c_literals_in(const char *src, size_t n, literal_fn fn, void *ctx)
{
    char *buf = malloc(n + 1);
    size_t blen = 0;
    bool open = false;
    for (size_t i = 0; i < n; i++) {
        char c = src[i];
        if (c == '/' && i + 1 < n && src[i + 1] == '*') {
            char *e = strstr(src + i + 2, "*/");
            i = e ? (size_t)(e - src) + 1 : n;
            continue;
        }
        if (c == '/' && i + 1 < n && src[i + 1] == '/') {
            while (i < n && src[i] != '\n') i++;
            continue;
        }
        if (c == '\'') { /* a character literal */
            i++;
            if (i < n && src[i] == '\\') i++;
            while (i < n && src[i] != '\'') i++;
            continue;
        }
        if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
        if (c != '"') {
            if (open) fn(ctx, buf, blen);
            open = false;
            blen = 0;
            continue;
        }
        open = true;
        for (i++; i < n && src[i] != '"'; i++) {
            if (src[i] != '\\' || i + 1 >= n) {
                buf[blen++] = src[i];
                continue;
            }
            char e = src[++i];
            switch (e) {
            case 'n': buf[blen++] = '\n'; break;
            case 't': buf[blen++] = '\t'; break;
            case 'r': buf[blen++] = '\r'; break;
            case '0':
            case '1':
            case '2':
            case '3': {
                unsigned v = 0;
                for (int k = 0; k < 3 && i < n && src[i] >= '0' && src[i] <= '7'; k++, i++)
                    v = v * 8 + (unsigned)(src[i] - '0');
                i--;
                buf[blen++] = (char)v;
                break;
            }
            case 'x': {
                unsigned v = 0;
                while (i + 1 < n && strchr("0123456789abcdefABCDEF", src[i + 1]) && src[i + 1]) {
                    char h = src[++i];
                    v = v * 16 + (unsigned)(h <= '9' ? h - '0' : (h | 32) - 'a' + 10);
                }
                buf[blen++] = (char)v;
                break;
            }
            default: buf[blen++] = e; break;
            }
        }
    }
    if (open) fn(ctx, buf, blen);
    free(buf);
}

static void c_literals(const char *file, literal_fn fn)
{
    size_t n;
    char *src = read_all(file, &n);
    if (!src) {
        fprintf(stderr, "fuzz_seeds: cannot read %s\n", file);
        exit(1);
    }
    c_literals_in(src, n, fn, NULL);
    free(src);
}

static bool has(const char *s, size_t len, const char *what)
{
    return memmem(s, len, what, strlen(what)) != NULL;
}

/* ---- per target --------------------------------------------------------- */

static void parse_seeds(void)
{
    corpus c = {NULL, 0};
    const char *files[] = {SRC "/tests/parse/corpus.txt", SRC "/tests/parse/corpus-generated.txt"};
    for (size_t i = 0; i < 2; i++)
        if (corpus_load(&c, files[i]) != 0) {
            fprintf(stderr, "fuzz_seeds: cannot read %s\n", files[i]);
            exit(1);
        }
    const char *golden = SRC "/tests/golden/parse";
    DIR *d = opendir(golden);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s/input", golden, de->d_name);
        size_t len;
        char *text = read_all(path, &len);
        if (!text) continue;
        corpus_add(&c, text, len, 0);
        free(text);
    }
    if (d) closedir(d);
    for (size_t i = 0; i < c.n; i++)
        for (int mode = 0; mode < 2; mode++)
            seed("parse", mode, c.entries[i].text, c.entries[i].len);

    /* the regex target's patterns: =~"..." and !~"..." of the corpora */
    for (size_t i = 0; i < c.n; i++) {
        const char *s = c.entries[i].text, *end = s + c.entries[i].len;
        while ((s = memmem(s, (size_t)(end - s), "~\"", 2)) != NULL) {
            s += 2;
            char pat[1024];
            size_t n = 0;
            for (; s < end && *s != '"' && n < sizeof pat; s++) {
                if (*s == '\\' && s + 1 < end && strchr("\\\"", s[1])) s++;
                pat[n++] = *s;
            }
            seed("regex", 0, pat, n);
            seed("regex", 1, pat, n);
        }
    }
    corpus_free(&c);
}

static void json_literal(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    if (has(s, len, "\"status\"") || has(s, len, "\"resultType\"")) {
        seed("prom_json", 0, s, len);
        if (has(s, len, "\"error\"")) seed("prom_json", 3, s, len); /* HTTP 400 */
    }
}

static void om_literal(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    if (has(s, len, "# EOF") || has(s, len, "# TYPE")) seed("openmetrics", -1, s, len);
}

static void script_literal(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    if (has(s, len, "load ") || has(s, len, "eval ")) seed("script", -1, s, len);
}

static void yaml_literal(void *ctx, const char *s, size_t len)
{
    (void)ctx;
    if (has(s, len, "backends:") || has(s, len, "groups:") || has(s, len, "version:"))
        seed("config", 0, s, len);
}

/* The config target's option byte: 0 auto, 1 config, 2 Sloth, 3 rules. */
static void config_file(const char *path)
{
    size_t len;
    char *text = read_all(path, &len);
    if (!text) return;
    seed("config", 0, text, len);
    int kind = has(text, len, "version:") ? 2 : has(text, len, "groups:") ? 3 : 1;
    seed("config", kind, text, len);
    free(text);
}

static void config_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 5 || strcmp(de->d_name + n - 5, ".yaml")) continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        config_file(path);
    }
    if (d) closedir(d);
}

static void script_dir(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    while (d && (de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t n = strlen(de->d_name);
        if (S_ISDIR(st.st_mode)) {
            script_dir(path);
        } else if (n > 5 && !strcmp(de->d_name + n - 5, ".test")) {
            size_t len;
            char *text = read_all(path, &len);
            if (text) seed("script", -1, text, len);
            free(text);
        }
    }
    if (d) closedir(d);
}

/* The literals of one row of check_regex.c. */
typedef struct regex_row {
    char text[2][4096];
    size_t len[2];
    size_t n;
} regex_row;

static void row_literal(void *ctx, const char *s, size_t len)
{
    regex_row *r = ctx;
    if (r->n < 2 && len <= sizeof r->text[0]) {
        memcpy(r->text[r->n], s, len);
        r->len[r->n++] = len;
    }
}

/* Rows of check_regex.c: {"pattern", "subject", ...} (a pattern and a
 * subject) or {V2, "pattern", "error"} (a pattern). */
static void regex_rows(void)
{
    size_t n;
    char *src = read_all(SRC "/tests/unit/check_regex.c", &n);
    if (!src) {
        fprintf(stderr, "fuzz_seeds: cannot read tests/unit/check_regex.c\n");
        exit(1);
    }
    for (char *line = strtok(src, "\n"); line; line = strtok(NULL, "\n")) {
        while (*line == ' ') line++;
        if (line[0] != '{') continue;
        bool error_row = !strncmp(line, "{V2,", 4) || !strncmp(line, "{V3,", 4);
        regex_row r = {.n = 0};
        c_literals_in(line, strlen(line), row_literal, &r);
        if (r.n == 0) continue;
        char buf[8200];
        size_t blen = r.len[0];
        memcpy(buf, r.text[0], blen);
        if (!error_row && r.n > 1) {
            buf[blen++] = (char)0xFF;
            memcpy(buf + blen, r.text[1], r.len[1]);
            blen += r.len[1];
        }
        for (int opt = 0; opt < 4; opt++) seed("regex", opt, buf, blen);
    }
    free(src);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: fuzz_seeds OUTDIR\n");
        return 2;
    }
    outdir = argv[1];
    static const char *const targets[] = {"parse", "prom_json",   "config",
                                          "openmetrics", "script", "regex"};
    for (size_t i = 0; i < sizeof targets / sizeof *targets; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", outdir, targets[i]);
        if (mkdir(path, 0777) != 0 && errno != EEXIST) {
            perror(path);
            return 1;
        }
    }
    parse_seeds();
    regex_rows();

    static const char *const json_files[] = {
        SRC "/tests/unit/check_http_decode.c", SRC "/tests/unit/check_faultserver.c",
        SRC "/tests/integration/check_http_faults.c", SRC "/tests/integration/check_promserver.c",
        SRC "/tests/cli_query/check_cli_query.c"};
    for (size_t i = 0; i < sizeof json_files / sizeof *json_files; i++)
        c_literals(json_files[i], json_literal);

    static const char *const om_files[] = {
        SRC "/tests/unit/check_openmetrics.c", SRC "/tests/unit/check_memory.c",
        SRC "/tests/unit/check_engine_api.c",
        SRC "/tests/integration/check_openmetrics_promtool.c"};
    for (size_t i = 0; i < sizeof om_files / sizeof *om_files; i++)
        c_literals(om_files[i], om_literal);

    config_dir(SRC "/tests/golden/config");
    config_dir(SRC "/examples");
    /* fuzz_config's sandbox holds sloth.yaml, rules.yaml and config.yaml */
    static const char include[] = "backends: {global: {url: 'http://p:9090'}}\n"
                                  "alerts: [{name: A, expr: up == 0}]\n"
                                  "include: [sloth.yaml, {path: rules.yaml, scopes: [global]}]\n";
    seed("config", 0, include, sizeof include - 1);
    seed("config", 1, include, sizeof include - 1);
    c_literals(SRC "/tests/unit/check_slo_config.c", yaml_literal);
    c_literals(SRC "/tests/check/check_slo_check.c", yaml_literal);

    c_literals(SRC "/tests/unit/check_script.c", script_literal);
    c_literals(SRC "/tests/unit/check_runner.c", script_literal);
    script_dir(SRC "/../shared/promql-testdata"); /* read in place, when present */

    printf("fuzz_seeds: %d seeds in %s\n", total, outdir);
    return 0;
}
