/* Regex checks for label matchers: simple patterns are decided here,
 * everything else by lib/model/regex.c (Go's syntax and messages). */
#include "promql/matcher.h"

#include "model/regex.h"

/*
 * Decide simple patterns without a regex engine: printable ASCII literals,
 * '.', alternation and a single *, + or ? after an atom. Returns 1 when
 * decided (the pattern is valid), 0 when the pattern needs the full check.
 */
static int simple_pattern(strv pat, bool *matches_empty)
{
    bool any_empty_alt = false;
    bool alt_empty = true;  /* every atom so far in this alternative may be empty */
    bool have_atom = false; /* an unquantified atom precedes */
    for (size_t i = 0; i < pat.len; i++) {
        unsigned char c = (unsigned char)pat.ptr[i];
        if (c < 0x20 || c > 0x7E) return 0;
        switch (c) {
        case '\\':
        case '(':
        case ')':
        case '[':
        case ']':
        case '{':
        case '}':
        case '^':
        case '$': return 0;
        case '|':
            if (alt_empty) any_empty_alt = true;
            alt_empty = true;
            have_atom = false;
            break;
        case '*':
        case '?':
            if (!have_atom) return 0;
            have_atom = false;
            break;
        case '+':
            if (!have_atom) return 0;
            have_atom = false;
            alt_empty = false;
            break;
        default:
            /* A literal or '.': it needs one character unless a following
             * '*' or '?' makes it optional. */
            if (i + 1 < pat.len && (pat.ptr[i + 1] == '*' || pat.ptr[i + 1] == '?')) {
            } else {
                alt_empty = false;
            }
            have_atom = true;
            break;
        }
    }
    if (alt_empty) any_empty_alt = true;
    *matches_empty = any_empty_alt;
    return 1;
}

int matcher_regex_check(strv pattern, sloeval_compat compat, bool *matches_empty, char *errbuf,
                        size_t errsize)
{
    if (simple_pattern(pattern, matches_empty)) return 0;
    promql_regex *re = NULL;
    int rc = promql_regex_compile_mode(&re, pattern, compat, PROMQL_REGEX_MATCHER, errbuf, errsize);
    if (rc != 0) return rc;
    *matches_empty = promql_regex_matches_empty(re);
    promql_regex_free(re);
    return 0;
}
