/* Regex checks for label matchers: a fast path for simple patterns. */
#include "promql/matcher.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

    size_t n = pattern.len + 16;
    char *anchored = malloc(n);
    if (!anchored) {
        snprintf(errbuf, errsize, "out of memory");
        return SLOEVAL_ENOMEM;
    }
    memcpy(anchored, "^(?:", 4);
    memcpy(anchored + 4, pattern.ptr, pattern.len);
    memcpy(anchored + 4 + pattern.len, ")$", 2);
    uint32_t flags = PCRE2_UTF | PCRE2_NO_UTF_CHECK;
    if (compat != SLOEVAL_COMPAT_V2) flags |= PCRE2_DOTALL;
    int code;
    PCRE2_SIZE offset;
    pcre2_code *re = pcre2_compile((PCRE2_SPTR)anchored, pattern.len + 6,
                                   flags & ~PCRE2_NO_UTF_CHECK, &code, &offset, NULL);
    free(anchored);
    if (!re) {
        PCRE2_UCHAR msg[200];
        pcre2_get_error_message(code, msg, sizeof(msg));
        snprintf(errbuf, errsize, "error parsing regexp: %s", (const char *)msg);
        return SLOEVAL_EPARSE;
    }
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(re, NULL);
    int rc = md ? pcre2_match(re, (PCRE2_SPTR) "", 0, 0, 0, md, NULL) : -1;
    pcre2_match_data_free(md);
    pcre2_code_free(re);
    *matches_empty = rc >= 0;
    return 0;
}
