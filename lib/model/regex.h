/*
 * PromQL regular expressions (internal): RE2 syntax as Go's regexp reads
 * it, compiled with PCRE2 and fully anchored the way Prometheus anchors
 * label matchers: ^(?:re)$ on 2.x, ^(?s:re)$ on 3.x (where '.' also
 * matches a newline). Constructs Go's regexp rejects (backreferences,
 * lookaround, possessive quantifiers, repeat counts over 1000, unknown
 * escapes, ...) are errors with Go's wording, so that sloeval accepts
 * exactly the patterns a server accepts.
 */
#ifndef SLOEVAL_MODEL_REGEX_H
#define SLOEVAL_MODEL_REGEX_H

#include <stdbool.h>
#include <stddef.h>

#include "sloeval/common.h"
#include "util/strv.h"

typedef struct promql_regex promql_regex;

/*
 * Compile `pattern` for matching label values. On a syntax error returns
 * SLOEVAL_EPARSE with a message in Go's form ("error parsing regexp: missing
 * closing ): `(a`") in errbuf (may be NULL) and *out NULL.
 */
int promql_regex_compile(promql_regex **out, strv pattern, sloeval_compat compat, char *errbuf,
                         size_t errbuf_size);

/* Only check the syntax (the parser's use); same errors as compile. */
int promql_regex_check(strv pattern, sloeval_compat compat, char *errbuf, size_t errbuf_size);

/* True when the whole of `value` matches. Invalid UTF-8 never crashes. */
bool promql_regex_match(const promql_regex *re, strv value);

/* True when the pattern matches the empty string. */
bool promql_regex_matches_empty(const promql_regex *re);

void promql_regex_free(promql_regex *re);

#endif
