/*
 * PromQL regular expressions (internal): RE2 syntax as Go's regexp reads
 * it, compiled with PCRE2 and fully anchored the way Prometheus anchors
 * label matchers: ^(?:re)$ on 2.x, ^(?s:re)$ on 3.x (where '.' also
 * matches a newline). Constructs Go's regexp rejects (backreferences,
 * lookaround, possessive quantifiers, repeat counts over 1000, unknown
 * escapes, ...) are errors with Go's wording, so that sloeval accepts
 * exactly the patterns a server accepts.
 */
#ifndef SLOEVAL_REGEX_REGEX_H
#define SLOEVAL_REGEX_REGEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"
#include "util/strbuf.h"
#include "util/strv.h"

/*
 * A compiled pattern. Matching caches PCRE2 match data in the handle, so a
 * handle is used by one thread at a time; compile one per thread to share
 * a pattern between threads.
 */
typedef struct promql_regex promql_regex;

/*
 * What the pattern is for; Prometheus checks the two differently.
 *  - PROMQL_REGEX_MATCHER: a label matcher (=~, !~), labels.NewMatcher. On
 *    2.x the anchored text "^(?:re)$" must parse and so must `re` alone,
 *    and error texts quote whichever failed; on 3.x `re` is parsed alone
 *    (with '.' matching newline), and a pattern that is a '|'-list of
 *    plain strings is taken literally without parsing.
 *  - PROMQL_REGEX_REPLACE: label_replace()'s regex: only the anchored text
 *    ("^(?:re)$", 3.x "^(?s:re)$") is parsed, and capture groups count.
 */
typedef enum promql_regex_mode {
    PROMQL_REGEX_MATCHER = 0,
    PROMQL_REGEX_REPLACE = 1,
} promql_regex_mode;

/*
 * Compile `pattern` for matching label values. On a syntax error returns
 * SLOEVAL_EPARSE with a message in Go's form ("error parsing regexp: missing
 * closing ): `(a`") in errbuf (may be NULL) and *out NULL.
 */
int promql_regex_compile(promql_regex **out, strv pattern, sloeval_compat compat, char *errbuf,
                         size_t errbuf_size);

/* As promql_regex_compile, for a given use. */
int promql_regex_compile_mode(promql_regex **out, strv pattern, sloeval_compat compat,
                              promql_regex_mode mode, char *errbuf, size_t errbuf_size);

/* Only check the syntax (the parser's use); same errors as compile. */
int promql_regex_check(strv pattern, sloeval_compat compat, char *errbuf, size_t errbuf_size);

/*
 * True when the whole of `value` matches. Invalid UTF-8 in value reads as
 * U+FFFD per bad byte, as in Go. A match PCRE2 cannot finish within its
 * backtracking limits is decided by PCRE2's DFA matcher instead.
 */
bool promql_regex_match(const promql_regex *re, strv value);

/* The same with failures reported: 1 match, 0 no match, SLOEVAL_ENOMEM, or
 * SLOEVAL_ELIMIT when even the DFA matcher runs out of work space. */
int promql_regex_test(const promql_regex *re, strv value);

/* True when the pattern matches the empty string. */
bool promql_regex_matches_empty(const promql_regex *re);

/* The number of capture groups (not counting the whole match). */
size_t promql_regex_group_count(const promql_regex *re);

/*
 * Match the whole of `value` and report where each group matched, as Go's
 * FindStringSubmatchIndex does: ovec[2*i], ovec[2*i+1] are the byte range
 * of group i in value (group 0 the whole match), SIZE_MAX when the group
 * did not take part; npairs pairs are filled (groups beyond it ignored).
 * Returns 1 on a match, 0 when there is none, SLOEVAL_ELIMIT when the
 * pattern is too costly for this value, SLOEVAL_ENOMEM.
 */
int promql_regex_match_groups(const promql_regex *re, strv value, size_t *ovec, size_t npairs);

/*
 * Go's Regexp.ExpandString: append `tmpl` to out with $1, ${1}, $name and
 * ${name} replaced by the groups of a match of `value` (ovec, npairs from
 * promql_regex_match_groups) and $$ by '$'. Unknown groups expand to
 * nothing; a '$' that starts no valid reference is copied.
 */
void promql_regex_expand(strbuf *out, const promql_regex *re, strv tmpl, strv value,
                         const size_t *ovec, size_t npairs);

/*
 * promql_regex_check, also reporting (for tests and benchmarks) the part
 * of the compile cost that is not linear in the pattern's length: the
 * number of code points in class ranges that PCRE2 is asked to case-fold
 * (it visits each one). It is at most 64Ki per pattern plus the size of
 * the cased blocks (promql_regex_cased_blocks) per large class range.
 * *fold_span is set when the pattern parses (also when PCRE2 then refuses
 * it as too large), else 0.
 */
int promql_regex_check_cost(size_t *fold_span, strv pattern, sloeval_compat compat, char *errbuf,
                            size_t errbuf_size);

/*
 * The blocks of code points that may have another case, sorted: *out
 * points to the static table; returns its length. Outside them PCRE2's
 * case folding changes nothing (the unit tests check it against the linked
 * PCRE2), so only class ranges inside them are folded by PCRE2.
 */
size_t promql_regex_cased_blocks(const uint32_t (**out)[2]);

void promql_regex_free(promql_regex *re);

#endif
