#include "slo/template.h"

#include <string.h>

#include "promql/parser.h"
#include "slo/duration.h"

/* Length of "{{ [.]window }}" at text[i] (which starts with "{{"), 0 if
 * the action is not a window placeholder this dialect accepts; *closed
 * tells whether a "}}" was found at all. */
static size_t placeholder_len(const char *text, size_t len, size_t i, tpl_dialect dialect,
                              bool *closed)
{
    size_t j = i + 2;
    const char *close = NULL;
    for (size_t k = j; k + 1 < len; k++) {
        if (text[k] == '}' && text[k + 1] == '}') {
            close = text + k;
            break;
        }
    }
    *closed = close != NULL;
    if (!close) return 0;
    size_t end = (size_t)(close - text);
    while (j < end && text[j] == ' ')
        j++;
    size_t e = end;
    while (e > j && text[e - 1] == ' ')
        e--;
    bool dot = j < e && text[j] == '.';
    const char *word = text + j + (dot ? 1 : 0);
    size_t wlen = e - j - (dot ? 1 : 0);
    if (wlen != 6 || memcmp(word, "window", 6)) return 0;
    if (!dot && dialect == TPL_SLOTH) return 0;
    return end + 2 - i;
}

static int add_part(slo_template *t, arena *a, size_t *cap, size_t start, size_t len, bool window)
{
    if (len == 0 && !window) return 0;
    if (arena_grow(a, (void **)&t->parts, cap, t->nparts + 1, sizeof(*t->parts))) return -1;
    t->parts[t->nparts++] = (tpl_part){start, len, window};
    if (window) t->nwindows++;
    return 0;
}

int template_parse(slo_template *out, arena *a, const char *text, size_t len, tpl_dialect dialect,
                   size_t *err_off, const char **why)
{
    memset(out, 0, sizeof(*out));
    out->text = text;
    out->len = len;
    size_t cap = 0, lit = 0;
    for (size_t i = 0; i + 1 < len; i++) {
        if (text[i] != '{' || text[i + 1] != '{') continue;
        bool closed;
        size_t n = placeholder_len(text, len, i, dialect, &closed);
        if (n == 0) {
            *err_off = i;
            if (!closed)
                *why = "unclosed '{{' (the only placeholder is {{window}})";
            else if (dialect == TPL_SLOTH)
                *why = "unknown template action: the only placeholder is {{.window}}";
            else
                *why = "unknown template action: the only placeholder is {{window}}";
            return -1;
        }
        if (add_part(out, a, &cap, lit, i - lit, false) || add_part(out, a, &cap, i, n, true))
            return -2;
        i += n - 1;
        lit = i + 1;
    }
    if (add_part(out, a, &cap, lit, len - lit, false)) return -2;
    return 0;
}

void template_render(const slo_template *t, int64_t window_ms, strbuf *sb)
{
    char w[DURATION_BUF_SIZE];
    promql_duration_format(w, sizeof(w), window_ms);
    for (size_t i = 0; i < t->nparts; i++) {
        const tpl_part *p = &t->parts[i];
        if (p->window)
            strbuf_puts(sb, w);
        else
            strbuf_append(sb, t->text + p->start, p->len);
    }
}

char *template_render_arena(const slo_template *t, int64_t window_ms, arena *a)
{
    strbuf sb = STRBUF_INIT;
    template_render(t, window_ms, &sb);
    char *s = sb.failed ? NULL : arena_strndup(a, strbuf_cstr(&sb), sb.len);
    strbuf_free(&sb);
    return s;
}

size_t template_source_offset(const slo_template *t, int64_t window_ms, size_t offset)
{
    char w[DURATION_BUF_SIZE];
    size_t wlen = promql_duration_format(w, sizeof(w), window_ms);
    size_t at = 0; /* offset in the rendered text where part i starts */
    for (size_t i = 0; i < t->nparts; i++) {
        const tpl_part *p = &t->parts[i];
        size_t rlen = p->window ? wlen : p->len;
        if (offset < at + rlen) return p->window ? p->start : p->start + (offset - at);
        at += rlen;
    }
    return t->len;
}
