/*
 * SLI query templates (internal): query text with a window placeholder,
 * `{{window}}` (sloeval configs) or `{{.window}}` (Sloth specs; accepted in
 * sloeval configs too), spaces allowed inside the braces (`{{ .window }}`).
 * Rendering replaces each placeholder with a window in Prometheus's
 * duration format ("5m", "1h", "3d", "4w"), so the result parses as PromQL.
 * No other `{{ ... }}` action is defined: one is an error, not left in place.
 */
#ifndef SLOEVAL_SLO_TEMPLATE_H
#define SLOEVAL_SLO_TEMPLATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/arena.h"
#include "util/strbuf.h"

typedef struct tpl_part {
    size_t start; /* byte offset in the template text */
    size_t len;
    bool window; /* a placeholder (start/len cover the whole {{ ... }}) */
} tpl_part;

typedef struct slo_template {
    const char *text; /* the template as written, NUL-terminated */
    size_t len;
    tpl_part *parts; /* literal text and placeholders, in order */
    size_t nparts;
    size_t nwindows; /* placeholders */
} slo_template;

/* Which placeholder spellings a template accepts. */
typedef enum tpl_dialect {
    TPL_SLOEVAL = 0, /* {{window}} and {{.window}} */
    TPL_SLOTH,       /* {{.window}} only, as Go's text/template reads Sloth specs */
} tpl_dialect;

/*
 * Split text (len bytes, kept by reference: it must outlive the template)
 * into parts. On a malformed or unknown placeholder returns -1 with the
 * byte offset in *err_off and a static reason in *why; -2 when out of memory.
 */
int template_parse(slo_template *out, arena *a, const char *text, size_t len, tpl_dialect dialect,
                   size_t *err_off, const char **why);

/* Append the query for one window to sb (strbuf records out-of-memory). */
void template_render(const slo_template *t, int64_t window_ms, strbuf *sb);

/* The query for one window as an arena string; NULL when out of memory. */
char *template_render_arena(const slo_template *t, int64_t window_ms, arena *a);

/*
 * Map a byte offset in the query rendered for window_ms back to the
 * template text: offsets inside a substituted window map to the start of
 * its placeholder.
 */
size_t template_source_offset(const slo_template *t, int64_t window_ms, size_t offset);

#endif
