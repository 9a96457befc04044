/*
 * The PromQL lexer. The structure follows Prometheus's state machine: the
 * same states, the same context flags and the same error texts, so that
 * every input produces the same token stream (and the same first error) as
 * the server's lexer. See lexer.h.
 */
#include "promql/lexer.h"

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "util/text.h"
#include "util/utf8.h"

enum {
    ST_STATEMENTS = 0, /* the top level (dispatches to braces when one is open) */
    ST_DURATION,       /* 2.x: right after '[' a duration must follow */
    ST_DURATION_EXPR,  /* 3.x: right after '[' (and after operators there) */
    ST_DONE,           /* after EOF or an error */
};

#define EOF_RUNE   (-1)
#define RUNE_ERROR 0xFFFD

void lex_init(lexer *lx, const char *input, size_t len, sloeval_compat compat)
{
    /* everything but the message buffer, which only needs its NUL */
    memset(lx, 0, offsetof(lexer, errmsg));
    lx->errmsg[0] = '\0';
    lx->input = input;
    lx->len = len;
    lx->state = ST_STATEMENTS;
    lx->v3 = compat != SLOEVAL_COMPAT_V2;
}

int rune_decode(const char *str, size_t len, size_t *width)
{
    if (len == 0) {
        *width = 0;
        return EOF_RUNE;
    }
    uint32_t r;
    size_t w = utf8_decode((const unsigned char *)str, len, &r);
    *width = w ? w : 1;
    return w ? (int)r : RUNE_ERROR;
}

/* ---- Go-style quoting for messages ---- */

typedef struct qbuf {
    char *buf;
    size_t size;
    size_t len; /* would-be length */
} qbuf;

static void qput(qbuf *q, const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (q->len + 1 < q->size) q->buf[q->len] = s[i];
        q->len++;
    }
    if (q->size) q->buf[q->len < q->size ? q->len : q->size - 1] = '\0';
}

static void qputf(qbuf *q, const char *fmt, ...)
{
    char tmp[32];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
    va_end(ap);
    if (n > 0) qput(q, tmp, (size_t)n);
}

/* One rune quoted with `quote` (strconv.QuoteRune's body). */
static void quote_rune(qbuf *q, int r, char quote)
{
    char enc[4];
    size_t n = utf8_encode(enc, (uint32_t)r);
    strbuf sb = STRBUF_INIT;
    text_append_quoted(&sb, enc, n, quote);
    if (!sb.failed && sb.len >= 2) qput(q, sb.data + 1, sb.len - 2);
    strbuf_free(&sb);
}

size_t go_quote(char *buf, size_t size, const char *s, size_t len)
{
    return text_quote(buf, size, s, len);
}

/* %q of a rune (Go's strconv.QuoteRune). */
static void go_quote_rune(char *buf, size_t size, int r)
{
    qbuf q = {buf, size, 0};
    if (r < 0 || r > 0x10FFFF || (r >= 0xD800 && r < 0xE000)) r = RUNE_ERROR;
    qput(&q, "'", 1);
    quote_rune(&q, r, '\'');
    qput(&q, "'", 1);
}

/* %#U of a rune: U+0071 'q'. */
static void go_unicode_rune(char *buf, size_t size, int r)
{
    qbuf q = {buf, size, 0};
    if (r < 0) {
        qputf(&q, "U+%04X", (unsigned)r);
        return;
    }
    qputf(&q, "U+%04X", (unsigned)r);
    if (text_rune_is_print((uint32_t)r) && !(r >= 0xD800 && r < 0xE000) && r <= 0x10FFFF) {
        /* %#U writes the character itself, without escaping. */
        char tmp[8];
        size_t w = utf8_encode(tmp, (uint32_t)r);
        qput(&q, " '", 2);
        qput(&q, tmp, w);
        qput(&q, "'", 1);
    }
}

/* ---- the scanner ---- */

static inline int next(lexer *lx)
{
    if (lx->pos >= lx->len) {
        lx->width = 0;
        return EOF_RUNE;
    }
    unsigned char c = (unsigned char)lx->input[lx->pos];
    if (c < 0x80) {
        lx->width = 1;
        lx->pos++;
        return c;
    }
    int r = rune_decode(lx->input + lx->pos, lx->len - lx->pos, &lx->width);
    lx->pos += lx->width;
    return r;
}

static inline void backup(lexer *lx)
{
    lx->pos -= lx->width;
}

static inline int peek(lexer *lx)
{
    int r = next(lx);
    backup(lx);
    return r;
}

/* Character sets the scanner accepts from, as bits of a table. */
enum {
    C_DIGIT = 1 << 0,  /* 0-9 */
    C_HEX = 1 << 1,    /* 0-9 a-f A-F */
    C_EXP = 1 << 2,    /* e E */
    C_SIGN = 1 << 3,   /* + - */
    C_DOT = 1 << 4,    /* . */
    C_UNIT = 1 << 5,   /* s m h d w y: a duration's first unit */
    C_UNIT2 = 1 << 6,  /* s m h d w: a later unit */
    C_S = 1 << 7,      /* s */
    C_X = 1 << 8,      /* x X */
    C_ZERO = 1 << 9,   /* 0 */
    C_UNDER = 1 << 10, /* _ */
};

static const unsigned short char_class[128] = {
    ['0'] = C_DIGIT | C_HEX | C_ZERO,
    ['1'] = C_DIGIT | C_HEX,
    ['2'] = C_DIGIT | C_HEX,
    ['3'] = C_DIGIT | C_HEX,
    ['4'] = C_DIGIT | C_HEX,
    ['5'] = C_DIGIT | C_HEX,
    ['6'] = C_DIGIT | C_HEX,
    ['7'] = C_DIGIT | C_HEX,
    ['8'] = C_DIGIT | C_HEX,
    ['9'] = C_DIGIT | C_HEX,
    ['a'] = C_HEX,
    ['b'] = C_HEX,
    ['c'] = C_HEX,
    ['d'] = C_HEX | C_UNIT | C_UNIT2,
    ['e'] = C_HEX | C_EXP,
    ['f'] = C_HEX,
    ['A'] = C_HEX,
    ['B'] = C_HEX,
    ['C'] = C_HEX,
    ['D'] = C_HEX,
    ['E'] = C_HEX | C_EXP,
    ['F'] = C_HEX,
    ['+'] = C_SIGN,
    ['-'] = C_SIGN,
    ['.'] = C_DOT,
    ['s'] = C_UNIT | C_UNIT2 | C_S,
    ['m'] = C_UNIT | C_UNIT2,
    ['h'] = C_UNIT | C_UNIT2,
    ['w'] = C_UNIT | C_UNIT2,
    ['y'] = C_UNIT,
    ['x'] = C_X,
    ['X'] = C_X,
    ['_'] = C_UNDER,
};

static bool in_set(int r, unsigned set)
{
    return r > 0 && r < 0x80 && (char_class[r] & set) != 0;
}

/* Consume the next character when it is in set (always ASCII). */
static bool accept(lexer *lx, unsigned set)
{
    if (lx->pos < lx->len) {
        unsigned char c = (unsigned char)lx->input[lx->pos];
        if (c < 0x80 && (char_class[c] & set)) {
            lx->pos++;
            lx->width = 1;
            return true;
        }
    }
    return false;
}

static void accept_run(lexer *lx, unsigned set)
{
    while (accept(lx, set)) {
    }
}

static bool is_space(int r)
{
    return r == ' ' || r == '\t' || r == '\n' || r == '\r';
}

/* Identifier characters: bit 1 letters and '_', bit 2 digits. */
static const unsigned char ident_class[128] = {
    ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
    ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,
    ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['0'] = 2, ['1'] = 2, ['2'] = 2,
    ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2,
};

/* Metric identifier characters: ident_class plus bit 4 for ':' (0 for
 * every byte from 0x80, so that scans need no separate test). */
static const unsigned char word_class[256] = {
    ['_'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1, ['g'] = 1,
    ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1, ['o'] = 1,
    ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1, ['w'] = 1,
    ['x'] = 1, ['y'] = 1, ['z'] = 1, ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1,
    ['F'] = 1, ['G'] = 1, ['H'] = 1, ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1,
    ['N'] = 1, ['O'] = 1, ['P'] = 1, ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1,
    ['V'] = 1, ['W'] = 1, ['X'] = 1, ['Y'] = 1, ['Z'] = 1, ['0'] = 2, ['1'] = 2, ['2'] = 2,
    ['3'] = 2, ['4'] = 2, ['5'] = 2, ['6'] = 2, ['7'] = 2, ['8'] = 2, ['9'] = 2, [':'] = 4,
};

static inline bool is_digit(int r)
{
    return r >= '0' && r <= '9';
}

static inline bool is_alpha(int r)
{
    return r >= 0 && r < 0x80 && (ident_class[r] & 1);
}

static inline bool is_alnum(int r)
{
    return r >= 0 && r < 0x80 && ident_class[r] != 0;
}

static void emit(lexer *lx, token *t, tok_type type)
{
    t->type = type;
    t->start = lx->start;
    t->end = lx->pos;
    lx->start = lx->pos;
}

static void ignore(lexer *lx)
{
    lx->start = lx->pos;
}

/* Error paths stay out of the scanning functions (no buffers there). */
#if defined(__GNUC__)
#define COLD __attribute__((noinline, cold))
#else
#define COLD
#endif

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
COLD static void
errorf(lexer *lx, token *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(lx->errmsg, sizeof(lx->errmsg), fmt, ap);
    va_end(ap);
    t->type = T_ERROR;
    t->start = lx->start;
    t->end = lx->len;
    lx->state = ST_DONE;
}

COLD static void error_quoted_rune(lexer *lx, token *t, const char *prefix, int r)
{
    char q[32];
    go_quote_rune(q, sizeof(q), r);
    errorf(lx, t, "%s%s", prefix, q);
}

/* "unknown escape sequence U+0071 'q'" or "illegal character U+005A 'Z' in
 * escape sequence". */
COLD static void error_escape(lexer *lx, token *t, bool unknown, int r)
{
    char u[32];
    go_unicode_rune(u, sizeof(u), r);
    if (unknown)
        errorf(lx, t, "unknown escape sequence %s", u);
    else
        errorf(lx, t, "illegal character %s in escape sequence", u);
}

COLD static void error_expected_colon(lexer *lx, token *t, int r)
{
    char q[32];
    go_quote_rune(q, sizeof(q), r);
    errorf(lx, t, "unexpected character: %s, expected ':'", q);
}

COLD static void error_quoted_input(lexer *lx, token *t, const char *prefix)
{
    char q[160];
    go_quote(q, sizeof(q), lx->input + lx->start, lx->pos - lx->start);
    errorf(lx, t, "%s%s", prefix, q);
}

/* ---- keywords ---- */

typedef struct keyword {
    const char *word;
    unsigned char len;
    tok_type type;
    bool v3_only;
} keyword;

#define KW(w, t, v3)                                                                               \
    {                                                                                              \
        w, sizeof(w) - 1, t, v3                                                                    \
    }

static const keyword keywords[] = {
    KW("anchored", T_ANCHORED, true),
    KW("and", T_LAND, false),
    KW("atan2", T_ATAN2, false),
    KW("avg", T_AVG, false),
    KW("bool", T_BOOL, false),
    KW("bottomk", T_BOTTOMK, false),
    KW("by", T_BY, false),
    KW("count", T_COUNT, false),
    KW("count_values", T_COUNT_VALUES, false),
    KW("end", T_END, false),
    KW("fill", T_FILL, true),
    KW("fill_left", T_FILL_LEFT, true),
    KW("fill_right", T_FILL_RIGHT, true),
    KW("group", T_GROUP, false),
    KW("group_left", T_GROUP_LEFT, false),
    KW("group_right", T_GROUP_RIGHT, false),
    KW("ignoring", T_IGNORING, false),
    KW("inf", T_NUMBER, false),
    KW("limit_ratio", T_LIMIT_RATIO, true),
    KW("limitk", T_LIMITK, true),
    KW("max", T_MAX, false),
    KW("max_of", T_MAX_OF, true),
    KW("min", T_MIN, false),
    KW("min_of", T_MIN_OF, true),
    KW("nan", T_NUMBER, false),
    KW("offset", T_OFFSET, false),
    KW("on", T_ON, false),
    KW("or", T_LOR, false),
    KW("quantile", T_QUANTILE, false),
    KW("range", T_RANGE, true),
    KW("smoothed", T_SMOOTHED, true),
    KW("start", T_START, false),
    KW("stddev", T_STDDEV, false),
    KW("stdvar", T_STDVAR, false),
    KW("step", T_STEP, true),
    KW("sum", T_SUM, false),
    KW("topk", T_TOPK, false),
    KW("unless", T_LUNLESS, false),
    KW("without", T_WITHOUT, false),
};

/* keywords[] is sorted by first letter: the range of entries per letter. */
static const unsigned char keyword_index[26][2] = {
    {0, 4},   {4, 7},   {7, 9},   {0, 0},   {9, 10},  {10, 13}, {13, 16}, {0, 0},   {16, 18},
    {0, 0},   {0, 0},   {18, 20}, {20, 24}, {24, 25}, {25, 28}, {0, 0},   {28, 29}, {29, 30},
    {30, 36}, {36, 37}, {37, 38}, {0, 0},   {38, 39}, {0, 0},   {0, 0},   {0, 0},
};

#define NKEYWORDS       (sizeof(keywords) / sizeof(keywords[0]))
#define MAX_KEYWORD_LEN 12

static char lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* The keyword token for word (case-insensitive), or T_ERROR when none. */
static tok_type keyword_lookup(const lexer *lx, const char *word, size_t len)
{
    if (len > MAX_KEYWORD_LEN || len < 2) return T_ERROR;
    char first = lower(word[0]);
    if (first < 'a' || first > 'z') return T_ERROR;
    const unsigned char *range = keyword_index[first - 'a'];
    for (size_t i = range[0]; i < range[1]; i++) {
        const keyword *k = &keywords[i];
        if (k->len != len) continue;
        if (k->v3_only && !lx->v3) continue;
        size_t j = 1;
        while (j < len && lower(word[j]) == k->word[j])
            j++;
        if (j == len) return k->type;
    }
    return T_ERROR;
}

/* 3.x: step, range, max_of, min_of inside brackets. */
static bool is_duration_keyword_start(int r)
{
    r = (r >= 'A' && r <= 'Z') ? r - 'A' + 'a' : r;
    return r == 's' || r == 'r' || r == 'm';
}

static bool scan_duration_keyword(lexer *lx, token *t)
{
    for (;;) {
        int r = next(lx);
        if (is_alpha(r)) continue;
        backup(lx);
        size_t len = lx->pos - lx->start;
        const char *w = lx->input + lx->start;
        char low[8];
        if (len >= sizeof(low)) return false;
        for (size_t i = 0; i < len; i++)
            low[i] = lower(w[i]);
        low[len] = '\0';
        tok_type type;
        if (!strcmp(low, "step"))
            type = T_STEP;
        else if (!strcmp(low, "range"))
            type = T_RANGE;
        else if (!strcmp(low, "max_of"))
            type = T_MAX_OF;
        else if (!strcmp(low, "min_of"))
            type = T_MIN_OF;
        else
            return false;
        emit(lx, t, type);
        return true;
    }
}

/* ---- numbers and durations ---- */

static bool scan_number_v2(lexer *lx)
{
    unsigned digits = C_DIGIT;
    if (accept(lx, C_ZERO) && accept(lx, C_X)) digits = C_HEX;
    accept_run(lx, digits);
    if (accept(lx, C_DOT)) accept_run(lx, digits);
    if (accept(lx, C_EXP)) {
        accept(lx, C_SIGN);
        accept_run(lx, C_DIGIT);
    }
    return !is_alnum(peek(lx));
}

static bool is_in(lexer *lx, unsigned set)
{
    return in_set(peek(lx), set);
}

static bool scan_number_v3(lexer *lx)
{
    size_t initial = lx->pos;
    /* Plain digits not followed by '.', '_', 'e', 'x': the common case. */
    if (lx->pos < lx->len && lx->input[lx->pos] != '0' && is_digit(lx->input[lx->pos])) {
        size_t q = lx->pos;
        while (q < lx->len && is_digit(lx->input[q]))
            q++;
        unsigned char c = q < lx->len ? (unsigned char)lx->input[q] : 0;
        if (c != '.' && c != '_' && c != 'e' && c != 'E') {
            lx->pos = q;
            lx->width = 1;
            return !is_alnum(c);
        }
    }
    unsigned digits = C_DIGIT;
    bool hex = false;
    if (accept(lx, C_ZERO) && accept(lx, C_X)) {
        accept(lx, C_UNDER);
        digits = C_HEX;
        hex = true;
    }
    unsigned loop_set = digits | C_DOT | C_UNDER | C_EXP;
    accept(lx, C_DOT);
    accept(lx, digits);
    bool dot = false, exponent = false;
    while (is_in(lx, loop_set)) {
        if (is_in(lx, C_DOT) && dot) {
            accept(lx, C_DOT);
            return false;
        }
        if (is_in(lx, C_EXP) && exponent) {
            accept(lx, C_EXP);
            return false;
        }
        if (accept(lx, C_DOT)) {
            dot = true;
            if (accept(lx, C_UNDER | C_DOT)) return false;
            if (hex) return false;
            continue;
        }
        if (accept(lx, C_EXP)) {
            exponent = true;
            accept(lx, C_SIGN);
            if (accept(lx, C_DOT | C_UNDER | C_EXP) || peek(lx) == EOF_RUNE) return false;
            continue;
        }
        if (accept(lx, C_UNDER)) {
            if (accept(lx, C_DOT | C_UNDER | C_EXP) || peek(lx) == EOF_RUNE) return false;
            continue;
        }
        accept_run(lx, digits);
    }
    if (lx->pos == initial) return false;
    return !is_alnum(peek(lx));
}

static bool scan_number(lexer *lx)
{
    return lx->v3 ? scan_number_v3(lx) : scan_number_v2(lx);
}

static bool accept_remaining_duration(lexer *lx)
{
    if (!accept(lx, C_UNIT)) return false;
    accept(lx, C_S);
    while (accept(lx, C_DIGIT)) {
        accept_run(lx, C_DIGIT);
        if (!accept(lx, C_UNIT2)) return false;
        accept(lx, C_S);
    }
    return !is_alnum(next(lx));
}

/* Emit the bytes from lx->start to q as a token of this type. */
static void emit_to(lexer *lx, token *t, size_t q, tok_type type)
{
    lx->pos = q;
    lx->width = 1;
    emit(lx, t, type);
}

static void lex_number_or_duration(lexer *lx, token *t)
{
    /* The usual shapes first, each accepted only where the scans below
     * would accept exactly the same bytes. */
    const unsigned char *in = (const unsigned char *)lx->input;
    size_t p0 = lx->pos, q = p0, len = lx->len;
    while (q < len && is_digit(in[q]))
        q++;
    if (q > p0) {
        unsigned char c = q < len ? in[q] : 0;
        /* digits, a unit letter and maybe an 's' ("5m", "30d", "100ms"),
         * then neither a digit nor a letter */
        if (c && c < 0x80 && (char_class[c] & C_UNIT)) {
            size_t r = q + 1;
            if (r < len && in[r] == 's') r++;
            if (r >= len || (in[r] < 0x80 && !ident_class[in[r]])) {
                emit_to(lx, t, r, T_DURATION);
                return;
            }
        }
        if (lx->v3 && c == '.') {
            /* digits '.' digits ("14.4", "0.001"), then a byte that neither
             * continues a number nor is alphanumeric */
            size_t r = q + 1;
            while (r < len && is_digit(in[r]))
                r++;
            unsigned char d = r < len ? in[r] : 0;
            if (d < 0x80 && d != '.' && d != '_' && !is_alnum(d)) {
                emit_to(lx, t, r, T_NUMBER);
                return;
            }
        } else if (lx->v3 && in[p0] != '0' && c != '.' && c != '_' && c != 'e' && c != 'E' &&
                   !is_alnum(c)) {
            /* plain digits ("300") */
            emit_to(lx, t, q, T_NUMBER);
            return;
        }
    }
    if (scan_number(lx)) {
        emit(lx, t, T_NUMBER);
        return;
    }
    if (accept_remaining_duration(lx)) {
        backup(lx);
        emit(lx, t, T_DURATION);
        return;
    }
    error_quoted_input(lx, t, "bad number or duration syntax: ");
}

/* 2.x: the first token after '['. */
static void lex_duration(lexer *lx, token *t)
{
    lx->state = ST_STATEMENTS;
    if (scan_number(lx)) {
        errorf(lx, t, "missing unit character in duration");
        return;
    }
    if (!accept_remaining_duration(lx)) {
        error_quoted_input(lx, t, "bad duration syntax: ");
        return;
    }
    backup(lx);
    emit(lx, t, T_DURATION);
}

/* ---- strings ---- */

static int digit_val(int r)
{
    if (r >= '0' && r <= '9') return r - '0';
    if (r >= 'a' && r <= 'f') return r - 'a' + 10;
    if (r >= 'A' && r <= 'F') return r - 'A' + 10;
    return 16;
}

/* After a backslash. Returns false (with *t an error) on a bad escape. */
static bool lex_escape(lexer *lx, token *t)
{
    int n;
    unsigned base, max;
    int ch = next(lx);
    switch (ch) {
    case 'a':
    case 'b':
    case 'f':
    case 'n':
    case 'r':
    case 't':
    case 'v':
    case '\\': return true;
    case '0':
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
        n = 3;
        base = 8;
        max = 255;
        break;
    case 'x':
        ch = next(lx);
        n = 2;
        base = 16;
        max = 255;
        break;
    case 'u':
        ch = next(lx);
        n = 4;
        base = 16;
        max = 0x10FFFF;
        break;
    case 'U':
        ch = next(lx);
        n = 8;
        base = 16;
        max = 0x10FFFF;
        break;
    case EOF_RUNE: errorf(lx, t, "escape sequence not terminated"); return false;
    default:
        if (ch == lx->string_open) return true;
        error_escape(lx, t, true, ch);
        return false;
    }
    unsigned long x = 0;
    while (n > 0) {
        unsigned d = (unsigned)digit_val(ch);
        if (d >= base) {
            if (ch == EOF_RUNE)
                errorf(lx, t, "escape sequence not terminated");
            else
                error_escape(lx, t, false, ch);
            return false;
        }
        x = x * base + d;
        n--;
        if (n > 0) ch = next(lx);
    }
    if (x > max || (x >= 0xD800 && x < 0xE000)) {
        errorf(lx, t, "escape sequence is an invalid Unicode code point");
        return false;
    }
    return true;
}

/* Bytes that end the fast scan of a quoted string: 1 always, 2 a quote. */
static const unsigned char string_stop[128] = {['\\'] = 1, ['\n'] = 1, ['"'] = 2, ['\''] = 2};

/* The same as a table of the bytes that do not end it (0 from 0x80). */
static const unsigned char string_plain[256] = {
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, /* '\n' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /**/
    1, 1, 0, 1, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, /* '"' and '\'' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /**/
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /**/
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1, 1, /* '\\' */
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /**/
    1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, /**/
};

static void lex_string(lexer *lx, token *t)
{
    for (;;) {
        /* Fast path over plain ASCII. */
        const unsigned char *in = (const unsigned char *)lx->input;
        size_t pos = lx->pos, len = lx->len;
        while (pos < len && string_plain[in[pos]])
            pos++;
        if (pos < len && in[pos] < 0x80 && in[pos] != lx->string_open &&
            string_stop[in[pos]] == 2) {
            /* The other quote kind: plain text here. */
            lx->pos = pos + 1;
            continue;
        }
        lx->pos = pos;
        int r = next(lx);
        if (r == '\\') {
            if (!lex_escape(lx, t)) return;
            continue;
        }
        if (r == RUNE_ERROR) {
            errorf(lx, t, "invalid UTF-8 rune");
            return;
        }
        if (r == EOF_RUNE || r == '\n') {
            errorf(lx, t, "unterminated quoted string");
            return;
        }
        if (r == lx->string_open) break;
    }
    emit(lx, t, T_STRING);
}

static void lex_raw_string(lexer *lx, token *t)
{
    for (;;) {
        int r = next(lx);
        if (r == RUNE_ERROR) {
            errorf(lx, t, "invalid UTF-8 rune");
            return;
        }
        if (r == EOF_RUNE) {
            errorf(lx, t, "unterminated raw string");
            return;
        }
        if (r == '`') break;
    }
    emit(lx, t, T_STRING);
}

static void skip_line_comment(lexer *lx)
{
    lx->pos++;
    while (lx->pos < lx->len && lx->input[lx->pos] != '\n' && lx->input[lx->pos] != '\r')
        lx->pos++;
    ignore(lx);
}

static void skip_spaces(lexer *lx)
{
    while (lx->pos < lx->len && is_space((unsigned char)lx->input[lx->pos]))
        lx->pos++;
    ignore(lx);
}

static void lex_keyword_or_identifier(lexer *lx, token *t)
{
    const unsigned char *in = (const unsigned char *)lx->input;
    size_t p = lx->pos, len_in = lx->len;
    /* letters, digits and '_' first; a ':' makes it a metric identifier */
    while (p < len_in && (word_class[in[p]] & 3))
        p++;
    bool colon = false;
    if (p < len_in && in[p] == ':') {
        colon = true;
        while (p < len_in && word_class[in[p]])
            p++;
    }
    lx->pos = p;
    lx->width = 0;
    const char *word = lx->input + lx->start;
    size_t len = p - lx->start;
    tok_type kw = colon ? T_ERROR : keyword_lookup(lx, word, len);
    if (kw != T_ERROR) {
        if (kw == T_FILL || kw == T_FILL_LEFT || kw == T_FILL_RIGHT) {
            /* Keywords only when '(' follows (after spaces). */
            size_t q = p;
            while (q < lx->len && is_space((unsigned char)lx->input[q]))
                q++;
            if (q >= lx->len || lx->input[q] != '(') kw = T_IDENTIFIER;
        }
        emit(lx, t, kw);
    } else {
        emit(lx, t, colon ? T_METRIC_IDENTIFIER : T_IDENTIFIER);
    }
}

static void lex_inside_braces(lexer *lx, token *t)
{
    for (;;) {
        if (lx->pos < lx->len && lx->input[lx->pos] == '#') {
            skip_line_comment(lx);
            continue;
        }
        int r = next(lx);
        if (r == EOF_RUNE) {
            errorf(lx, t, "unexpected end of input inside braces");
            return;
        }
        if (is_space(r)) {
            skip_spaces(lx);
            continue;
        }
        if (is_alpha(r)) {
            while (lx->pos < lx->len && is_alnum((unsigned char)lx->input[lx->pos]))
                lx->pos++;
            emit(lx, t, T_IDENTIFIER);
            return;
        }
        switch (r) {
        case ',': emit(lx, t, T_COMMA); return;
        case '"':
        case '\'':
            lx->string_open = r;
            lex_string(lx, t);
            return;
        case '`':
            lx->string_open = r;
            lex_raw_string(lx, t);
            return;
        case '=':
            if (next(lx) == '~') {
                emit(lx, t, T_EQL_REGEX);
                return;
            }
            backup(lx);
            emit(lx, t, T_EQL);
            return;
        case '!': {
            int nr = next(lx);
            if (nr == '~')
                emit(lx, t, T_NEQ_REGEX);
            else if (nr == '=')
                emit(lx, t, T_NEQ);
            else
                error_quoted_rune(lx, t, "unexpected character after '!' inside braces: ", nr);
            return;
        }
        case '{': error_quoted_rune(lx, t, "unexpected left brace ", r); return;
        case '}':
            emit(lx, t, T_RIGHT_BRACE);
            lx->brace_open = false;
            return;
        default: error_quoted_rune(lx, t, "unexpected character inside braces: ", r); return;
        }
    }
}

static void open_bracket(lexer *lx, token *t)
{
    lx->got_colon = false;
    emit(lx, t, T_LEFT_BRACKET);
    skip_spaces(lx);
    lx->bracket_open = true;
    lx->state = lx->v3 ? ST_DURATION_EXPR : ST_DURATION;
}

/* 3.x: inside brackets, before the first number. */
static void lex_duration_expr(lexer *lx, token *t)
{
    for (;;) {
        int r = next(lx);
        switch (r) {
        case EOF_RUNE: errorf(lx, t, "unexpected end of input in duration expression"); return;
        case ']':
            emit(lx, t, T_RIGHT_BRACKET);
            lx->bracket_open = false;
            lx->got_colon = false;
            lx->state = ST_STATEMENTS;
            return;
        case ':':
            emit(lx, t, T_COLON);
            if (!lx->got_duration) {
                errorf(lx, t, "unexpected colon before duration in duration expression");
                return;
            }
            if (lx->got_colon) {
                errorf(lx, t, "unexpected repeated colon in duration expression");
                return;
            }
            lx->got_colon = true;
            return;
        case '(':
            emit(lx, t, T_LEFT_PAREN);
            lx->paren_depth++;
            return;
        case ')':
            emit(lx, t, T_RIGHT_PAREN);
            lx->paren_depth--;
            if (lx->paren_depth < 0) error_quoted_rune(lx, t, "unexpected right parenthesis ", r);
            return;
        case ' ':
        case '\t':
        case '\n':
        case '\r': skip_spaces(lx); continue;
        case '+': emit(lx, t, T_ADD); return;
        case '-': emit(lx, t, T_SUB); return;
        case '*': emit(lx, t, T_MUL); return;
        case '/': emit(lx, t, T_DIV); return;
        case '%': emit(lx, t, T_MOD); return;
        case '^': emit(lx, t, T_POW); return;
        case ',': emit(lx, t, T_COMMA); return;
        default: break;
        }
        if (is_duration_keyword_start(r)) {
            if (scan_duration_keyword(lx, t)) return;
            error_quoted_rune(lx, t, "unexpected character in duration expression: ", r);
            return;
        }
        if (is_digit(r) || (r == '.' && is_digit(peek(lx)))) {
            backup(lx);
            lx->got_duration = true;
            lx->state = ST_STATEMENTS;
            lex_number_or_duration(lx, t);
            return;
        }
        error_quoted_rune(lx, t, "unexpected character in duration expression: ", r);
        return;
    }
}

static void lex_statements(lexer *lx, token *t)
{
    for (;;) {
        if (lx->brace_open) {
            lex_inside_braces(lx, t);
            return;
        }
        if (lx->pos < lx->len && lx->input[lx->pos] == '#') {
            skip_line_comment(lx);
            continue;
        }
        int r = next(lx);
        switch (r) {
        case EOF_RUNE:
            if (lx->paren_depth != 0)
                errorf(lx, t, "unclosed left parenthesis");
            else if (lx->bracket_open)
                errorf(lx, t, "unclosed left bracket");
            else {
                emit(lx, t, T_EOF);
                lx->state = ST_DONE;
            }
            return;
        case ',': emit(lx, t, T_COMMA); return;
        case ' ':
        case '\t':
        case '\n':
        case '\r': skip_spaces(lx); continue;
        case '*': emit(lx, t, T_MUL); return;
        case '/': emit(lx, t, T_DIV); return;
        case '%': emit(lx, t, T_MOD); return;
        case '+': emit(lx, t, T_ADD); return;
        case '-': emit(lx, t, T_SUB); return;
        case '^': emit(lx, t, T_POW); return;
        case '=': {
            int n = peek(lx);
            if (n == '=') {
                next(lx);
                emit(lx, t, T_EQLC);
            } else if (n == '~') {
                error_quoted_rune(lx, t, "unexpected character after '=': ", n);
            } else {
                emit(lx, t, T_EQL);
            }
            return;
        }
        case '!': {
            int n = next(lx);
            if (n == '=')
                emit(lx, t, T_NEQ);
            else
                error_quoted_rune(lx, t, "unexpected character after '!': ", n);
            return;
        }
        case '<': {
            int n = peek(lx);
            if (n == '=') {
                next(lx);
                emit(lx, t, T_LTE);
            } else if (n == '/' && lx->v3) {
                next(lx);
                emit(lx, t, T_TRIM_UPPER);
            } else {
                emit(lx, t, T_LSS);
            }
            return;
        }
        case '>': {
            int n = peek(lx);
            if (n == '=') {
                next(lx);
                emit(lx, t, T_GTE);
            } else if (n == '/' && lx->v3) {
                next(lx);
                emit(lx, t, T_TRIM_LOWER);
            } else {
                emit(lx, t, T_GTR);
            }
            return;
        }
        case '"':
        case '\'':
            lx->string_open = r;
            lex_string(lx, t);
            return;
        case '`':
            lx->string_open = r;
            lex_raw_string(lx, t);
            return;
        case '(':
            emit(lx, t, T_LEFT_PAREN);
            lx->paren_depth++;
            return;
        case ')':
            emit(lx, t, T_RIGHT_PAREN);
            lx->paren_depth--;
            if (lx->paren_depth < 0) error_quoted_rune(lx, t, "unexpected right parenthesis ", r);
            return;
        case '{':
            emit(lx, t, T_LEFT_BRACE);
            lx->brace_open = true;
            return;
        case '[':
            if (lx->bracket_open) {
                error_quoted_rune(lx, t, "unexpected left bracket ", r);
                return;
            }
            open_bracket(lx, t);
            return;
        case ']':
            if (!lx->bracket_open) {
                error_quoted_rune(lx, t, "unexpected right bracket ", r);
                return;
            }
            emit(lx, t, T_RIGHT_BRACKET);
            lx->bracket_open = false;
            return;
        case '@': emit(lx, t, T_AT); return;
        default: break;
        }
        if (is_digit(r) || (r == '.' && is_digit(peek(lx)))) {
            backup(lx);
            lex_number_or_duration(lx, t);
            return;
        }
        if (is_alpha(r) || r == ':') {
            if (!lx->bracket_open) {
                backup(lx);
                lex_keyword_or_identifier(lx, t);
                return;
            }
            if (!lx->v3) {
                /* 2.x reads any letter inside brackets as the colon. */
                if (lx->got_colon) {
                    error_quoted_rune(lx, t, "unexpected colon ", r);
                    return;
                }
                emit(lx, t, T_COLON);
                lx->got_colon = true;
                return;
            }
            if (r == ':') {
                if (lx->got_colon) {
                    error_quoted_rune(lx, t, "unexpected colon ", r);
                    return;
                }
                emit(lx, t, T_COLON);
                lx->got_colon = true;
                return;
            }
            if (is_duration_keyword_start(r) && scan_duration_keyword(lx, t)) return;
            error_expected_colon(lx, t, r);
            return;
        }
        error_quoted_rune(lx, t, "unexpected character: ", r);
        return;
    }
}

/* Tokens of one character that need no look-ahead, outside braces. */
static const unsigned char single_char[128] = {
    [','] = T_COMMA, ['*'] = T_MUL, ['/'] = T_DIV, ['%'] = T_MOD,
    ['+'] = T_ADD,   ['-'] = T_SUB, ['^'] = T_POW, ['@'] = T_AT,
};

/* Emit the n bytes at lx->start as a token of this type. */
static inline bool emit_bytes(lexer *lx, token *t, tok_type type, size_t n)
{
    t->type = type;
    t->start = lx->start;
    t->end = lx->pos = lx->start + n;
    lx->start = lx->pos;
    lx->width = 1;
    return true;
}

/* Skip spaces (the four is_space takes) from lx->pos; the byte there, or
 * -1 at the end or on a byte that starts a multi-byte rune. */
static inline int fast_skip(lexer *lx)
{
    const unsigned char *in = (const unsigned char *)lx->input;
    size_t len = lx->len, pos = lx->pos;
    /* the four spaces are all below '!': one test for the usual case */
    while (pos < len && in[pos] <= ' ' &&
           (in[pos] == ' ' || in[pos] == '\n' || in[pos] == '\t' || in[pos] == '\r'))
        pos++;
    lx->pos = lx->start = pos;
    if (pos >= len || in[pos] >= 0x80) return -1;
    return in[pos];
}

/* The byte after the one at lx->start, or 0 at the end. */
static inline unsigned char byte_after(const lexer *lx)
{
    return lx->start + 1 < lx->len ? (unsigned char)lx->input[lx->start + 1] : 0;
}

/*
 * The common cases of the top level (no brace open): spaces, one- and
 * two-character tokens, parentheses, brackets, identifiers and numbers,
 * without the general state machine and exactly as it scans them.
 * Returns false when the general scanner must decide (errors included).
 */
static bool lex_fast(lexer *lx, token *t)
{
    int c = fast_skip(lx);
    if (c < 0) return false;
    if (single_char[c]) return emit_bytes(lx, t, (tok_type)single_char[c], 1);
    if ((ident_class[c] & 1) && !lx->bracket_open) {
        lex_keyword_or_identifier(lx, t);
        return true;
    }
    unsigned char n = byte_after(lx);
    switch (c) {
    case '(': lx->paren_depth++; return emit_bytes(lx, t, T_LEFT_PAREN, 1);
    case '{': lx->brace_open = true; return emit_bytes(lx, t, T_LEFT_BRACE, 1);
    case ')':
        if (lx->paren_depth == 0) return false; /* an error */
        lx->paren_depth--;
        return emit_bytes(lx, t, T_RIGHT_PAREN, 1);
    case '[':
        if (lx->bracket_open) return false;
        lx->pos = lx->start + 1;
        lx->width = 1;
        open_bracket(lx, t);
        return true;
    case ']':
        if (!lx->bracket_open) return false;
        lx->bracket_open = false;
        return emit_bytes(lx, t, T_RIGHT_BRACKET, 1);
    case '>':
        if (n == '=') return emit_bytes(lx, t, T_GTE, 2);
        if (n == '/' && lx->v3) return emit_bytes(lx, t, T_TRIM_LOWER, 2);
        return emit_bytes(lx, t, T_GTR, 1);
    case '<':
        if (n == '=') return emit_bytes(lx, t, T_LTE, 2);
        if (n == '/' && lx->v3) return emit_bytes(lx, t, T_TRIM_UPPER, 2);
        return emit_bytes(lx, t, T_LSS, 1);
    case '=':
        if (n == '=') return emit_bytes(lx, t, T_EQLC, 2);
        if (n == '~') return false; /* an error */
        return emit_bytes(lx, t, T_EQL, 1);
    case '!':
        if (n == '=') return emit_bytes(lx, t, T_NEQ, 2);
        return false;
    default:
        if (!is_digit(c)) return false;
        lx->width = 1;
        lex_number_or_duration(lx, t);
        return true;
    }
}

/*
 * The common cases inside braces: spaces, label names, matching
 * operators, strings, ',' and '}', as lex_inside_braces scans them.
 * Returns false when the general scanner must decide.
 */
static bool lex_fast_braces(lexer *lx, token *t)
{
    int c = fast_skip(lx);
    if (c < 0) return false;
    if (ident_class[c] & 1) {
        const unsigned char *in = (const unsigned char *)lx->input;
        size_t q = lx->start + 1, len = lx->len;
        while (q < len && in[q] < 0x80 && ident_class[in[q]])
            q++;
        return emit_bytes(lx, t, T_IDENTIFIER, q - lx->start);
    }
    unsigned char n = byte_after(lx);
    switch (c) {
    case ',': return emit_bytes(lx, t, T_COMMA, 1);
    case '}': lx->brace_open = false; return emit_bytes(lx, t, T_RIGHT_BRACE, 1);
    case '"':
    case '\'':
        lx->string_open = c;
        lx->pos = lx->start + 1;
        lx->width = 1;
        lex_string(lx, t);
        return true;
    case '=':
        if (n == '~') return emit_bytes(lx, t, T_EQL_REGEX, 2);
        return emit_bytes(lx, t, T_EQL, 1);
    case '!':
        if (n == '~') return emit_bytes(lx, t, T_NEQ_REGEX, 2);
        if (n == '=') return emit_bytes(lx, t, T_NEQ, 2);
        return false;
    default: return false;
    }
}

/* Everything the fast paths leave (kept out of lex_next's frame). */
#if defined(__GNUC__)
__attribute__((noinline))
#endif
static void
lex_general(lexer *lx, token *t)
{
    switch (lx->state) {
    case ST_DURATION:
        lx->start = lx->pos;
        lex_duration(lx, t);
        return;
    case ST_DURATION_EXPR: lex_duration_expr(lx, t); return;
    case ST_DONE:
        if (lx->errmsg[0]) {
            t->type = T_ERROR;
            t->start = lx->start;
            t->end = lx->len;
        } else {
            t->type = T_EOF;
            t->start = t->end = lx->len;
        }
        return;
    default: lex_statements(lx, t); return;
    }
}

void lex_next(lexer *lx, token *t)
{
    if (lx->state == ST_STATEMENTS && (lx->brace_open ? lex_fast_braces(lx, t) : lex_fast(lx, t)))
        return;
    lex_general(lx, t);
}

/* ---- token descriptions ---- */

bool tok_is_operator(tok_type t)
{
    return t >= T_ADD && t <= T_ATAN2;
}

bool tok_is_aggregator(tok_type t)
{
    return t >= T_AVG && t <= T_LIMIT_RATIO;
}

bool tok_is_keyword(tok_type t)
{
    return t >= T_BOOL && t <= T_WITHOUT;
}

const char *tok_type_text(tok_type t)
{
    static const char *const texts[T_COUNT_OF_TYPES] = {
        [T_LEFT_PAREN] = "(",
        [T_RIGHT_PAREN] = ")",
        [T_LEFT_BRACE] = "{",
        [T_RIGHT_BRACE] = "}",
        [T_LEFT_BRACKET] = "[",
        [T_RIGHT_BRACKET] = "]",
        [T_COMMA] = ",",
        [T_EQL] = "=",
        [T_COLON] = ":",
        [T_ADD] = "+",
        [T_SUB] = "-",
        [T_MUL] = "*",
        [T_DIV] = "/",
        [T_MOD] = "%",
        [T_POW] = "^",
        [T_EQLC] = "==",
        [T_NEQ] = "!=",
        [T_LTE] = "<=",
        [T_LSS] = "<",
        [T_GTE] = ">=",
        [T_GTR] = ">",
        [T_EQL_REGEX] = "=~",
        [T_NEQ_REGEX] = "!~",
        [T_TRIM_UPPER] = "</",
        [T_TRIM_LOWER] = ">/",
        [T_AT] = "@",
        [T_LAND] = "and",
        [T_LOR] = "or",
        [T_LUNLESS] = "unless",
        [T_ATAN2] = "atan2",
        [T_AVG] = "avg",
        [T_BOTTOMK] = "bottomk",
        [T_COUNT] = "count",
        [T_COUNT_VALUES] = "count_values",
        [T_GROUP] = "group",
        [T_MAX] = "max",
        [T_MIN] = "min",
        [T_QUANTILE] = "quantile",
        [T_STDDEV] = "stddev",
        [T_STDVAR] = "stdvar",
        [T_SUM] = "sum",
        [T_TOPK] = "topk",
        [T_LIMITK] = "limitk",
        [T_LIMIT_RATIO] = "limit_ratio",
        [T_BOOL] = "bool",
        [T_BY] = "by",
        [T_GROUP_LEFT] = "group_left",
        [T_GROUP_RIGHT] = "group_right",
        [T_FILL] = "fill",
        [T_FILL_LEFT] = "fill_left",
        [T_FILL_RIGHT] = "fill_right",
        [T_IGNORING] = "ignoring",
        [T_OFFSET] = "offset",
        [T_SMOOTHED] = "smoothed",
        [T_ANCHORED] = "anchored",
        [T_ON] = "on",
        [T_WITHOUT] = "without",
        [T_START] = "start",
        [T_END] = "end",
        [T_STEP] = "step",
        [T_RANGE] = "range",
        [T_MAX_OF] = "max_of",
        [T_MIN_OF] = "min_of",
    };
    if ((int)t < 0 || t >= T_COUNT_OF_TYPES) return NULL;
    return texts[t];
}

/* Go's %.10q: at most 10 runes of s, quoted. */
static size_t quote_prefix(char *buf, size_t size, const char *s, size_t len, size_t runes)
{
    size_t i = 0, n = 0;
    while (i < len && n < runes) {
        size_t w;
        rune_decode(s + i, len - i, &w);
        i += w ? w : 1;
        n++;
    }
    return go_quote(buf, size, s, i);
}

const char *tok_describe(const lexer *lx, const token *t, char *buf, size_t size)
{
    const char *val = lx->input + t->start;
    size_t len = t->end - t->start;
    char q[128];
    if (t->type == T_EOF) {
        snprintf(buf, size, "end of input");
        return buf;
    }
    if (t->type == T_ERROR) {
        snprintf(buf, size, "%s", lx->errmsg);
        return buf;
    }
    if (tok_type_text(t->type)) {
        if (tok_is_keyword(t->type)) {
            snprintf(buf, size, "<%.*s>", (int)len, val);
        } else if (tok_is_operator(t->type)) {
            snprintf(buf, size, "<op:%.*s>", (int)len, val);
        } else if (tok_is_aggregator(t->type)) {
            snprintf(buf, size, "<aggr:%.*s>", (int)len, val);
        } else if (len > 10) {
            quote_prefix(q, sizeof(q), val, len, 10);
            snprintf(buf, size, "%s...", q);
        } else {
            go_quote(q, sizeof(q), val, len);
            snprintf(buf, size, "%s", q);
        }
        return buf;
    }
    const char *kind = "token";
    switch (t->type) {
    case T_IDENTIFIER: kind = "identifier"; break;
    case T_METRIC_IDENTIFIER: kind = "metric identifier"; break;
    case T_STRING: kind = "string"; break;
    case T_NUMBER: kind = "number"; break;
    case T_DURATION: kind = "duration"; break;
    default: break;
    }
    if ((t->type == T_IDENTIFIER || t->type == T_METRIC_IDENTIFIER) || len <= 10) {
        go_quote(q, sizeof(q), val, len);
        snprintf(buf, size, "%s %s", kind, q);
    } else {
        quote_prefix(q, sizeof(q), val, len, 10);
        snprintf(buf, size, "%s %s...", kind, q);
    }
    return buf;
}
