/* Regex checks for label matchers: simple patterns are decided here,
 * everything else by lib/regex/regex.c (Go's syntax and messages). */
#include "promql/matcher.h"

#include "regex/regex.h"

/* Characters a simple class may hold: letters, digits and '_'. */
static bool class_char(unsigned char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

/* Both digits, both lower-case or both upper-case letters. */
static bool same_kind(unsigned char c, unsigned char d)
{
    return ((c >= '0' && c <= '9') && (d >= '0' && d <= '9')) ||
           ((c >= 'a' && c <= 'z') && (d >= 'a' && d <= 'z')) ||
           ((c >= 'A' && c <= 'Z') && (d >= 'A' && d <= 'Z'));
}

/*
 * A simple class at pat.ptr[i] == '[': '[' ['^'] items ']' where an item
 * is a class_char or a range c-d of the same kind with c <= d. Returns the
 * index after ']', or 0 when the class is not of this form.
 */
static size_t simple_class(strv pat, size_t i)
{
    size_t j = i + 1, items = 0;
    if (j < pat.len && pat.ptr[j] == '^') j++;
    while (j < pat.len && pat.ptr[j] != ']') {
        unsigned char c = (unsigned char)pat.ptr[j];
        if (!class_char(c)) return 0;
        if (j + 2 < pat.len && pat.ptr[j + 1] == '-' && pat.ptr[j + 2] != ']') {
            unsigned char d = (unsigned char)pat.ptr[j + 2];
            if (!class_char(d) || !same_kind(c, d) || d < c) return 0;
            j += 3;
        } else {
            j++;
        }
        items++;
    }
    if (j >= pat.len || items == 0) return 0;
    return j + 1;
}

/*
 * A counted repetition at pat.ptr[i] == '{': {n}, {n,} or {n,m} with
 * n <= m <= 100 (well inside Go's limit of 1000) written without leading
 * zeros (with them Go reads the braces literally). Returns the index after
 * '}' with *min = n, or 0 when it is not of this form.
 */
static size_t simple_repeat(strv pat, size_t i, unsigned *min)
{
    size_t j = i + 1;
    unsigned n = 0, m = 0, digits = 0;
    while (j < pat.len && pat.ptr[j] >= '0' && pat.ptr[j] <= '9' && digits < 3) {
        n = n * 10 + (unsigned)(pat.ptr[j++] - '0');
        digits++;
    }
    if (digits == 0 || n > 100 || j >= pat.len || (digits > 1 && pat.ptr[i + 1] == '0')) return 0;
    if (pat.ptr[j] == ',') {
        j++;
        digits = 0;
        while (j < pat.len && pat.ptr[j] >= '0' && pat.ptr[j] <= '9' && digits < 3) {
            m = m * 10 + (unsigned)(pat.ptr[j++] - '0');
            digits++;
        }
        if (digits > 0 && (m > 100 || m < n || (digits > 1 && pat.ptr[j - digits] == '0')))
            return 0;
    }
    if (j >= pat.len || pat.ptr[j] != '}') return 0;
    *min = n;
    return j + 1;
}

/*
 * Decide simple patterns without a regex engine: alternatives of atoms
 * (printable ASCII literals, '.', simple classes like [0-9] or [^a-z_])
 * each with at most one quantifier (*, +, ?, {n}, {n,}, {n,m}). Returns 1
 * when decided (the pattern is valid; *matches_empty set), 0 when the
 * pattern needs the full check (every error is left to it).
 */
static int simple_pattern(strv pat, bool *matches_empty)
{
    bool any_empty_alt = false;
    bool alt_empty = true; /* every atom so far in this alternative may be empty */
    size_t i = 0, n = pat.len;
    for (;;) {
        if (i == n || pat.ptr[i] == '|') {
            if (alt_empty) any_empty_alt = true;
            if (i == n) break;
            alt_empty = true;
            i++;
            continue;
        }
        unsigned char c = (unsigned char)pat.ptr[i];
        size_t next = i + 1;
        if (c == '[') {
            next = simple_class(pat, i);
            if (!next) return 0;
        } else if (c < 0x20 || c > 0x7E) {
            return 0;
        } else {
            switch (c) {
            case '\\':
            case '(':
            case ')':
            case ']':
            case '{':
            case '}':
            case '^':
            case '$':
            case '*':
            case '+':
            case '?': return 0; /* a quantifier here has no atom */
            default: break;     /* a literal or '.' */
            }
        }
        bool optional = false;
        if (next < n) {
            unsigned char q = (unsigned char)pat.ptr[next];
            bool quantified = true;
            if (q == '*' || q == '?') {
                optional = true;
                next++;
            } else if (q == '+') {
                next++;
            } else if (q == '{') {
                unsigned min;
                size_t r = simple_repeat(pat, next, &min);
                if (!r) return 0;
                optional = min == 0;
                next = r;
            } else {
                quantified = false;
            }
            /* a second quantifier (nested repetition, non-greedy) */
            if (quantified && next < n &&
                (pat.ptr[next] == '*' || pat.ptr[next] == '+' || pat.ptr[next] == '?' ||
                 pat.ptr[next] == '{'))
                return 0;
        }
        if (!optional) alt_empty = false;
        i = next;
    }
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
