/* Expression corpora for tests. See corpus.h. */
#include "corpus.h"

#include <dirent.h>
#include <sys/stat.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int corpus_add(corpus *c, const char *text, size_t len, int line)
{
    corpus_entry *e = realloc(c->entries, (c->n + 1) * sizeof(*e));
    if (!e) return -1;
    c->entries = e;
    char *t = malloc(len + 1);
    if (!t) return -1;
    memcpy(t, text, len);
    t[len] = '\0';
    c->entries[c->n].text = t;
    c->entries[c->n].len = len;
    c->entries[c->n].line = line;
    c->n++;
    return 0;
}

static int hexv(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

int corpus_load(corpus *c, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;
    int lineno = 0, rc = 0;
    while ((n = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
        if (n == 0 || (n >= 2 && line[0] == '/' && line[1] == '/')) continue;
        if (line[0] != '%') {
            if (corpus_add(c, line, (size_t)n, lineno)) rc = -1;
            continue;
        }
        size_t k = 0;
        for (ssize_t i = 1; i < n; i++) {
            char ch = line[i];
            if (ch == '\\' && i + 1 < n) {
                char e = line[++i];
                if (e == 'n')
                    ch = '\n';
                else if (e == 't')
                    ch = '\t';
                else if (e == 'r')
                    ch = '\r';
                else if (e == 'x' && i + 2 < n && hexv(line[i + 1]) >= 0 &&
                         hexv(line[i + 2]) >= 0) {
                    ch = (char)(hexv(line[i + 1]) * 16 + hexv(line[i + 2]));
                    i += 2;
                } else
                    ch = e;
            }
            line[k++] = ch;
        }
        if (corpus_add(c, line, k, lineno)) rc = -1;
    }
    free(line);
    fclose(f);
    return rc;
}

void corpus_free(corpus *c)
{
    for (size_t i = 0; i < c->n; i++)
        free(c->entries[i].text);
    free(c->entries);
    c->entries = NULL;
    c->n = 0;
}

char *corpus_escape(const char *text, size_t len, char *buf, size_t size)
{
    int plain = len > 0 && text[0] != '%' && !(len >= 2 && text[0] == '/' && text[1] == '/');
    for (size_t i = 0; i < len && plain; i++)
        if ((unsigned char)text[i] < 0x20 || (unsigned char)text[i] >= 0x7f) plain = 0;
    size_t k = 0;
    if (size == 0) return buf;
    if (plain) {
        snprintf(buf, size, "%.*s", (int)len, text);
        return buf;
    }
    buf[k++] = '%';
    for (size_t i = 0; i < len && k + 5 < size; i++) {
        unsigned char ch = (unsigned char)text[i];
        if (ch == '\n')
            k += (size_t)snprintf(buf + k, size - k, "\\n");
        else if (ch == '\t')
            k += (size_t)snprintf(buf + k, size - k, "\\t");
        else if (ch == '\\')
            k += (size_t)snprintf(buf + k, size - k, "\\\\");
        else if (ch < 0x20 || ch >= 0x7f)
            k += (size_t)snprintf(buf + k, size - k, "\\x%02x", ch);
        else
            buf[k++] = (char)ch;
    }
    buf[k] = '\0';
    return buf;
}

char *corpus_eval_expr(char *line, bool *is_fail)
{
    char *p = line;
    while (*p == ' ' || *p == '\t')
        p++;
    if (strncmp(p, "eval", 4) != 0) return NULL;
    if (is_fail) *is_fail = !strncmp(p, "eval_fail", 9);
    while (*p && *p != ' ' && *p != '\t')
        p++;
    while (*p == ' ' || *p == '\t')
        p++;
    /* "instant at <t>" (3 words) or "range from <a> to <b> step <s>" (7). */
    int want = !strncmp(p, "instant", 7) ? 3 : (!strncmp(p, "range", 5) ? 7 : -1);
    if (want < 0) return NULL;
    for (int words = 0; words < want && *p; words++) {
        while (*p == ' ' || *p == '\t')
            p++;
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    while (*p == ' ' || *p == '\t')
        p++;
    return *p ? p : NULL;
}

int corpus_load_promqltest(corpus *c, const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int added = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.') continue;
        char path[4096];
        snprintf(path, sizeof(path), "%s/%s", dir, de->d_name);
        struct stat st;
        if (stat(path, &st) != 0) continue;
        size_t nl = strlen(de->d_name);
        if (S_ISDIR(st.st_mode)) {
            int n = corpus_load_promqltest(c, path);
            if (n > 0) added += n;
            continue;
        }
        if (nl <= 5 || strcmp(de->d_name + nl - 5, ".test") != 0) continue;
        FILE *f = fopen(path, "r");
        if (!f) continue;
        char *line = NULL;
        size_t cap = 0;
        ssize_t n;
        int lineno = 0;
        while ((n = getline(&line, &cap, f)) >= 0) {
            lineno++;
            if (n && line[n - 1] == '\n') line[--n] = '\0';
            char *e = corpus_eval_expr(line, NULL);
            if (e && corpus_add(c, e, strlen(e), lineno) == 0) added++;
        }
        free(line);
        fclose(f);
    }
    closedir(d);
    return added;
}
