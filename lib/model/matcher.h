/*
 * Label matchers (internal): `name="value"`, `name!="value"`,
 * `name=~"regex"`, `name!~"regex"`, as the parser makes them and as sources
 * select series with them.
 */
#ifndef SLOEVAL_MODEL_MATCHER_H
#define SLOEVAL_MODEL_MATCHER_H

#include "util/strv.h"

typedef enum match_type {
    MATCH_EQUAL = 0, /* =  */
    MATCH_NOT_EQUAL, /* != */
    MATCH_REGEX,     /* =~ */
    MATCH_NOT_REGEX, /* !~ */
} match_type;

/* "=", "!=", "=~", "!~" */
const char *match_type_str(match_type t);

typedef struct label_matcher {
    match_type type;
    strv name;  /* from the parser: NUL-terminated arena copies, like every AST string */
    strv value; /* the unescaped value; for regexes the pattern as written */
} label_matcher;

#endif
