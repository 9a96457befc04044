/*
 * Every upstream PromQL test script parses, with as many load, clear and
 * eval commands as the files have command lines, and every load block
 * either loads into a memory source or is refused for a stated reason
 * (native histograms, start timestamps). Prints the counts per file.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "promqltest/script.h"
#include "sloeval/source.h"
#include "source/memory.h"

/* Command lines counted without the parser: a trimmed, non-comment line
 * whose first word starts with eval / load, or is clear. */
static void count_lines(const char *text, size_t *evals, size_t *loads, size_t *clears)
{
    *evals = *loads = *clears = 0;
    const char *p = text;
    while (*p) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        size_t i = 0;
        while (i < len && (p[i] == ' ' || p[i] == '\t'))
            i++;
        if (len - i >= 4 && !strncmp(p + i, "eval", 4)) (*evals)++;
        if (len - i >= 4 && !strncmp(p + i, "load", 4)) (*loads)++;
        if (len - i >= 5 && !strncasecmp(p + i, "clear", 5)) (*clears)++;
        p += len + (e ? 1 : 0);
    }
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    if (b) b[n] = 0;
    fclose(f);
    return b;
}

static int cmpstr(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int main(void)
{
    const char *dirs[] = {"v2.42", "v3"};
    char base[1024];
    snprintf(base, sizeof(base), "%s/promql-testdata", SLOEVAL_SHARED_DIR);
    DIR *probe = opendir(base);
    if (!probe) {
        printf("skipped: %s not found (the upstream test scripts are optional data)\n", base);
        return 77;
    }
    closedir(probe);
    int failures = 0;
    size_t files = 0, tot_evals = 0, tot_loads = 0, loaded = 0, refused = 0;
    for (size_t d = 0; d < 2; d++) {
        char dir[1100];
        snprintf(dir, sizeof(dir), "%s/%s", base, dirs[d]);
        DIR *dh = opendir(dir);
        if (!dh) {
            printf("FAIL: %s missing\n", dir);
            failures++;
            continue;
        }
        char *names[256];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(dh)) && n < 256) {
            size_t l = strlen(de->d_name);
            if (l > 5 && !strcmp(de->d_name + l - 5, ".test")) names[n++] = strdup(de->d_name);
        }
        closedir(dh);
        qsort(names, n, sizeof(char *), cmpstr);
        for (size_t i = 0; i < n; i++) {
            char path[1400];
            snprintf(path, sizeof(path), "%s/%s", dir, names[i]);
            char *text = slurp(path);
            script *s = NULL;
            sloeval_error err = SLOEVAL_ERROR_INIT;
            if (!text || script_parse(&s, text, strlen(text), path, &err) != 0) {
                printf("FAIL: %s\n", text ? err.message : path);
                failures++;
                free(text);
                free(names[i]);
                continue;
            }
            files++;
            size_t want_e, want_l, want_c, e = 0, l = 0, c = 0, ok = 0, no = 0;
            count_lines(text, &want_e, &want_l, &want_c);
            sloeval_source *mem;
            sloeval_source_new_memory(&mem, d == 0 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3);
            for (size_t k = 0; k < s->ncmds; k++) {
                const script_cmd *cmd = &s->cmds[k];
                if (cmd->kind == SCRIPT_EVAL) e++;
                if (cmd->kind == SCRIPT_CLEAR) {
                    c++;
                    memory_clear(mem);
                }
                if (cmd->kind == SCRIPT_LOAD) {
                    l++;
                    sloeval_error lerr = SLOEVAL_ERROR_INIT;
                    int rc = script_load_into(mem, &cmd->u.load, &lerr);
                    if (rc == 0) {
                        ok++;
                    } else if (rc == SLOEVAL_EUNSUPPORTED) {
                        no++;
                        /* what is supported of it loads on its own */
                        sloeval_source *part;
                        sloeval_source_new_memory(&part, SLOEVAL_COMPAT_V3);
                        size_t skipped = 0;
                        sloeval_error perr = SLOEVAL_ERROR_INIT;
                        if (script_load_supported_into(part, &cmd->u.load, &skipped, &perr) ||
                            skipped == 0) {
                            printf("FAIL: %s:%d: partial load: %s (%zu skipped)\n", path, cmd->line,
                                   perr.message, skipped);
                            failures++;
                        }
                        sloeval_source_free(part);
                    } else {
                        printf("FAIL: %s:%d: load: %s\n", path, cmd->line, lerr.message);
                        failures++;
                    }
                }
            }
            if (e != want_e || l != want_l || c != want_c) {
                printf("FAIL: %s: parsed %zu/%zu/%zu eval/load/clear, lines say %zu/%zu/%zu\n",
                       path, e, l, c, want_e, want_l, want_c);
                failures++;
            }
            printf("%s/%-26s %4zu evals %3zu loads (%zu loaded, %zu refused) %3zu clears\n",
                   dirs[d], names[i], e, l, ok, no, c);
            tot_evals += e;
            tot_loads += l;
            loaded += ok;
            refused += no;
            sloeval_source_free(mem);
            script_free(s);
            free(text);
            free(names[i]);
        }
    }
    printf("%zu files, %zu evals, %zu loads (%zu loaded, %zu refused: native histograms or "
           "start timestamps), %d failures\n",
           files, tot_evals, tot_loads, loaded, refused, failures);
    return failures ? 1 : 0;
}
