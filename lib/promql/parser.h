/*
 * The PromQL parser and type checker (internal). A hand-written
 * precedence-climbing parser over lexer.h that accepts exactly the
 * expressions Prometheus accepts (2.42 with SLOEVAL_COMPAT_V2, the 3.x
 * default grammar with SLOEVAL_COMPAT_V3) and reports the first error the
 * way Prometheus does ("unexpected <token> in <context>, expected <x>").
 */
#ifndef SLOEVAL_PROMQL_PARSER_H
#define SLOEVAL_PROMQL_PARSER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "promql/ast.h"
#include "sloeval/common.h"
#include "util/arena.h"

/* Nesting deeper than this is an error unless the options say otherwise. */
#define PARSE_DEFAULT_MAX_DEPTH 1000

typedef struct parse_options {
    sloeval_compat compat;       /* V2 or V3; AUTO parses as V3 */
    bool experimental_functions; /* 3.x: experimental functions, limitk, limit_ratio */
    unsigned max_depth;          /* 0: PARSE_DEFAULT_MAX_DEPTH */
} parse_options;

/*
 * Parse and type-check `len` bytes of `text` into nodes allocated from `a`.
 * On success *out is the root. On failure returns SLOEVAL_EPARSE (or
 * SLOEVAL_ENOMEM) with the first error in err: message without the
 * position prefix, byte range, line and column; nodes already allocated
 * stay in the arena.
 */
int promql_parse(ast_node **out, arena *a, const char *text, size_t len, const parse_options *opts,
                 sloeval_error *err);

/*
 * Parse as promql_parse in the grammar opts->compat asks for (AUTO: v3),
 * and when that fails with a parse error, in the other grammar: a query
 * either grammar accepts may be meant for a server of that version (the
 * config loader, `check` and `query --compat auto` accept both). *used
 * (may be NULL) is the grammar that parsed it. On failure err holds the
 * first grammar's error (the one to show), and the return code is its.
 */
int promql_parse_fallback(ast_node **out, arena *a, const char *text, size_t len,
                          const parse_options *opts, sloeval_compat *used, sloeval_error *err);

/*
 * Prometheus's duration syntax (model.ParseDuration): units y w d h m s ms,
 * largest first, each at most once, e.g. "1h30m". Zero is allowed here; the
 * parser rejects it where 2.x does. Returns 0 and the milliseconds in *out,
 * or SLOEVAL_EPARSE with a message in errbuf (may be NULL).
 */
int promql_duration_parse(int64_t *out, const char *s, size_t len, char *errbuf, size_t errsize);

/* Format milliseconds the way Prometheus prints durations ("1h30m", "0s",
 * "-5m"); returns the length written (snprintf semantics). */
size_t promql_duration_format(char *buf, size_t size, int64_t ms);

#endif
