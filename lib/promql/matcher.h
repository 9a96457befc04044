/* Label matchers as the parser creates them (internal). */
#ifndef SLOEVAL_PROMQL_MATCHER_H
#define SLOEVAL_PROMQL_MATCHER_H

#include <stdbool.h>
#include <stddef.h>

#include "sloeval/common.h"
#include "util/strv.h"

/*
 * Check a regex matcher's pattern the way Prometheus does when it builds
 * the matcher (Go's regexp syntax, anchored), and tell whether the matcher
 * regex matches the empty string. Common simple patterns ("5..", "GET|POST",
 * ".*foo.+", "5[0-9]{2}", "[^a-z_]+") are decided without compiling
 * anything; the others (groups, escapes, flags, errors) go through
 * lib/regex/regex.h. Returns 0, SLOEVAL_EPARSE with Go's message ("error
 * parsing regexp: ...") in errbuf, or SLOEVAL_ENOMEM.
 */
int matcher_regex_check(strv pattern, sloeval_compat compat, bool *matches_empty, char *errbuf,
                        size_t errsize);

#endif
