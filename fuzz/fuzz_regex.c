/*
 * libFuzzer target for the RE2-to-PCRE2 regex translator
 * (lib/model/regex.c). Input: one byte of options (bit 0: 2.x or 3.x,
 * bit 1: a label matcher or label_replace's regex), then the pattern up to
 * the first 0xFF byte (never valid UTF-8, so never part of a pattern Go
 * accepts), then subjects separated by 0xFF.
 *
 * Checked: compile and the parser's syntax check agree; an error is
 * Go's "error parsing regexp: ..."; a compiled pattern
 * answers every subject (match, groups, expansion) within bounds, and the
 * group offsets lie in the subject. Differential: when a matcher's pattern uses
 * only syntax that Go and PCRE2 read alike (ASCII letters a-c, digits 0-1,
 * . | * + ? ( ) [ ] ^ $ - and newline, no "(?" or "[:"), it is also
 * compiled untranslated by PCRE2, anchored as Prometheus anchors it, and
 * on ASCII subjects both must agree on whether the whole subject matches
 * (a whole-subject match does not depend on leftmost-first or
 * backtracking order, so the two engines must agree).
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "fuzz_util.h"
/* lib/model/regex.h is moving to lib/regex/ (issue 10): build with either. */
#if __has_include("regex/regex.h")
#include "regex/regex.h"
#else
#include "model/regex.h"
#endif

#define SEP 0xFF

static bool safe_for_pcre2(strv p)
{
    for (size_t i = 0; i < p.len; i++) {
        if (!strchr("abc01.|*+?()[]^$-\n", p.ptr[i]) || p.ptr[i] == '\0') return false;
        if (i + 1 < p.len && ((p.ptr[i] == '(' && (p.ptr[i + 1] == '?' || p.ptr[i + 1] == '*')) ||
                              (p.ptr[i] == '[' && p.ptr[i + 1] == ':')))
            return false;
    }
    return true;
}

static bool ascii(strv s)
{
    for (size_t i = 0; i < s.len; i++)
        if ((unsigned char)s.ptr[i] >= 0x80) return false;
    return true;
}

/* PCRE2 itself on the untranslated pattern: 1 match, 0 none, -1 no answer. */
static int raw_match(pcre2_code *code, pcre2_match_context *mctx, strv subject)
{
    if (!code) return -1;
    pcre2_match_data *md = pcre2_match_data_create_from_pattern(code, NULL);
    FUZZ_CHECK(md != NULL, "out of memory");
    int r = pcre2_match(code, (PCRE2_SPTR)subject.ptr, subject.len, 0, 0, md, mctx);
    pcre2_match_data_free(md);
    return r >= 0 ? 1 : r == PCRE2_ERROR_NOMATCH ? 0 : -1;
}

static pcre2_code *raw_compile(strv pattern, sloeval_compat compat)
{
    size_t cap = pattern.len + 16;
    char *text = malloc(cap);
    FUZZ_CHECK(text != NULL, "out of memory");
    int n = snprintf(text, cap, "(?:%.*s)", (int)pattern.len, pattern.ptr);
    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    FUZZ_CHECK(cctx != NULL, "out of memory");
    pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
    uint32_t opts = PCRE2_ANCHORED | PCRE2_ENDANCHORED | PCRE2_DOLLAR_ENDONLY |
                    (compat == SLOEVAL_COMPAT_V2 ? 0 : PCRE2_DOTALL);
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *code = pcre2_compile((PCRE2_SPTR)text, (size_t)n, opts, &ec, &eo, cctx);
    pcre2_compile_context_free(cctx);
    free(text);
    return code;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    sloeval_compat compat = (data[0] & 1) ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    promql_regex_mode mode = (data[0] & 2) ? PROMQL_REGEX_REPLACE : PROMQL_REGEX_MATCHER;
    const char *p = (const char *)data + 1, *end = (const char *)data + size;
    const char *sep = memchr(p, SEP, (size_t)(end - p));
    strv pattern = {p, (size_t)((sep ? sep : end) - p)};

    char ebuf[256], cbuf[256];
    promql_regex *re = (promql_regex *)ebuf; /* must become NULL on failure */
    int rc = promql_regex_compile_mode(&re, pattern, compat, mode, ebuf, sizeof ebuf);
    if (mode == PROMQL_REGEX_MATCHER) {
        int crc = promql_regex_check(pattern, compat, cbuf, sizeof cbuf);
        if (rc == 0) FUZZ_CHECK(crc == 0, "compiles but the check says: %s", cbuf);
        if (crc == SLOEVAL_EPARSE)
            FUZZ_CHECK(rc == crc && !strcmp(ebuf, cbuf), "check and compile disagree: %s / %s",
                       cbuf, rc ? ebuf : "ok");
    }
    if (rc != 0) {
        FUZZ_CHECK(re == NULL, "a failed compile returned a pattern");
        /* EUNSUPPORTED: Go accepts it, the linked PCRE2 cannot run it
         * (a Unicode script newer than its tables, such as \p{Kawi}). */
        FUZZ_CHECK(rc == SLOEVAL_EPARSE || rc == SLOEVAL_ELIMIT || rc == SLOEVAL_ENOMEM ||
                       rc == SLOEVAL_EUNSUPPORTED,
                   "unexpected code %d: %s", rc, ebuf);
        /* Go's messages quote the pattern as it is, newlines included;
         * error_set makes them one line where they reach a user. */
        if (rc == SLOEVAL_EPARSE)
            FUZZ_CHECK(!strncmp(ebuf, "error parsing regexp: ", 22), "not Go's wording: %s",
                       ebuf);
        return 0;
    }
    FUZZ_CHECK(re != NULL, "compile returned no pattern");

    pcre2_code *raw = NULL;
    pcre2_match_context *mctx = NULL;
    if (mode == PROMQL_REGEX_MATCHER && safe_for_pcre2(pattern)) {
        raw = raw_compile(pattern, compat);
        mctx = pcre2_match_context_create(NULL);
        FUZZ_CHECK(mctx != NULL, "out of memory");
        pcre2_set_match_limit(mctx, 100000);
    }

    size_t ngroups = promql_regex_group_count(re);
    size_t npairs = ngroups + 1 < 8 ? ngroups + 1 : 8;
    int empty = promql_regex_test(re, STRV_LIT(""));
    if (empty >= 0)
        FUZZ_CHECK(promql_regex_matches_empty(re) == (empty == 1), "matches_empty disagrees");
    const char *s = sep ? sep + 1 : NULL;
    for (int k = 0; s && s <= end && k < 8; k++) {
        const char *next = memchr(s, SEP, (size_t)(end - s));
        strv subject = {s, (size_t)((next ? next : end) - s)};
        int m = promql_regex_test(re, subject);
        FUZZ_CHECK(m == 0 || m == 1 || m == SLOEVAL_ELIMIT || m == SLOEVAL_ENOMEM,
                   "promql_regex_test gave %d", m);
        size_t ovec[16];
        int g = promql_regex_match_groups(re, subject, ovec, npairs);
        FUZZ_CHECK(g == 0 || g == 1 || g == SLOEVAL_ELIMIT || g == SLOEVAL_ENOMEM,
                   "promql_regex_match_groups gave %d", g);
        /* label_replace's regex is anchored as text, "^(?:" re ")$", as
         * Prometheus does: `a)|(b` escapes the anchors, and Go then finds
         * a match that need not be the whole value. A matcher's pattern
         * parses alone first, so it matches whole values only. */
        bool whole = mode == PROMQL_REGEX_MATCHER;
        if (whole && m >= 0 && g >= 0)
            FUZZ_CHECK(m == g, "test says %d, match_groups says %d", m, g);
        if (g == 1) {
            FUZZ_CHECK(!whole || (ovec[0] == 0 && ovec[1] == subject.len),
                       "group 0 is not the whole subject");
            for (size_t i = 0; i < npairs; i++)
                FUZZ_CHECK(ovec[2 * i] == SIZE_MAX ||
                               (ovec[2 * i] <= ovec[2 * i + 1] && ovec[2 * i + 1] <= subject.len),
                           "group %zu at [%zu, %zu) outside the subject of %zu bytes", i,
                           ovec[2 * i], ovec[2 * i + 1], subject.len);
            strbuf out = STRBUF_INIT;
            promql_regex_expand(&out, re, STRV_LIT("$1-${2}x$name${n}$$ $"), subject, ovec,
                                npairs);
            strbuf_free(&out);
        }
        if (raw && m >= 0 && ascii(subject)) {
            int want = raw_match(raw, mctx, subject);
            if (want >= 0)
                FUZZ_CHECK(want == m, "PCRE2 on the untranslated pattern says %d, sloeval %d",
                           want, m);
        }
        if (!next) break;
        s = next + 1;
    }
    pcre2_match_context_free(mctx);
    pcre2_code_free(raw);
    promql_regex_free(re);
    return 0;
}
