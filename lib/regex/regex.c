/*
 * PromQL regular expressions: Go's RE2 syntax (as the grafana/regexp copy
 * of regexp/syntax that Prometheus links reads it) on top of PCRE2.
 *
 * A pattern is first parsed here exactly the way Go's parser walks it, so
 * that what Go rejects is rejected with Go's message and what Go accepts
 * gets Go's meaning. The parse builds a small tree, which is then written
 * out as a PCRE2 pattern that spells every construct explicitly: escapes
 * as \x{..}, Go's \s without \v, case folding and '.' newline behaviour as
 * scoped (?i:..)/(?s:..) groups per atom, ^ and $ as \A, \z (or their
 * multi-line forms), greedy or lazy quantifiers per repeat, named groups
 * as plain groups with the names kept here. The emitted pattern is pure
 * ASCII, so PCRE2 sees no syntax it could read differently from Go.
 *
 * Matching: Go treats each byte of invalid UTF-8 in a subject as U+FFFD;
 * such subjects are copied with the replacement before matching (offsets
 * are mapped back for capture groups). PCRE2 backtracks and Go does not,
 * so a match that hits PCRE2's work limit is re-run with PCRE2's DFA
 * matcher, which is linear in the subject: patterns like (a*)*b cannot
 * hang an evaluation.
 */
#define PCRE2_CODE_UNIT_WIDTH 8
#include "regex/regex.h"

#include <pcre2.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/arena.h"
#include "util/utf8.h"

/* ---- Go's parse -------------------------------------------------------- */

enum {
    F_FOLD = 1,      /* (?i) */
    F_DOTNL = 2,     /* (?s) */
    F_ONELINE = 4,   /* not (?m) */
    F_NONGREEDY = 8, /* (?U) */
};

typedef enum nkind {
    N_LIT,
    N_CLASS,
    N_ANY,
    N_BOT, /* \A, ^ */
    N_EOT, /* \z, $ */
    N_BOL, /* (?m)^ */
    N_EOL, /* (?m)$ */
    N_WB,
    N_NWB,
    N_EMPTY,
    N_CONCAT,
    N_ALT,
    N_CAPTURE,
    N_REPEAT,
    /* pseudo nodes, only on the parse stack */
    N_LPAREN,
    N_VBAR,
} nkind;

typedef struct node node;
struct node {
    nkind kind;
    unsigned flags;
    uint32_t rune;    /* N_LIT */
    const char *text; /* N_CLASS: PCRE2 text of the class */
    int min, max;     /* N_REPEAT: max -1 for unbounded; * is {0,-1} etc. */
    char op;          /* N_REPEAT: '*', '+', '?' or '{' */
    int cap;          /* N_CAPTURE, N_LPAREN: group number, 0 for (?: */
    strv name;        /* N_CAPTURE, N_LPAREN: (?P<name> */
    unsigned saved;   /* N_LPAREN: flags to restore at ')' */
    int rep;          /* product of the counted repeats nested in it (see repeat_valid) */
    node **sub;
    size_t nsub;
};

#define MAX_RUNE     0x10FFFF
#define MAX_REPEAT   1000
#define MAX_HEIGHT   1000
#define MAX_SIZE     (128 * 1024 * 1024 / 40)
#define ERR_INTERNAL "regexp/syntax: internal error"

typedef struct parser {
    arena *a;
    const char *s; /* the whole text being parsed */
    size_t n;
    sloeval_compat compat;
    unsigned flags;
    node **stack;
    size_t nstack, capstack;
    int ncap;
    size_t nnodes;
    strv *names; /* names[i] for group i (index 0 unused) */
    size_t capnames;
    strbuf *err;        /* the message, when parsing fails */
    size_t fold_span;   /* code points of class ranges PCRE2 case-folds */
    size_t fold_budget; /* what is left for folding classes whole */
    size_t item_span;   /* code points the last group item added */
    bool oom;
} parser;

/* Records Go's error text "error parsing regexp: <code>: `<expr>`". */
static int fail(parser *p, const char *code, const char *expr, size_t len)
{
    if (p->err->len == 0) {
        strbuf_printf(p->err, "error parsing regexp: %s: `", code);
        strbuf_append(p->err, expr, len);
        strbuf_putc(p->err, '`');
    }
    return -1;
}

static int fail_range(parser *p, const char *code, size_t from, size_t to)
{
    return fail(p, code, p->s + from, to - from);
}

static node *new_node(parser *p, nkind kind)
{
    node *x = ARENA_NEW(p->a, node);
    if (!x) {
        p->oom = true;
        return NULL;
    }
    x->kind = kind;
    x->flags = p->flags;
    x->rep = 1;
    p->nnodes++;
    return x;
}

static int push(parser *p, node *x)
{
    if (!x) return -1;
    if (p->nstack == p->capstack &&
        arena_grow(p->a, (void **)&p->stack, &p->capstack, p->nstack + 1, sizeof(node *)) != 0) {
        p->oom = true;
        return -1;
    }
    p->stack[p->nstack++] = x;
    return 0;
}

static bool is_pseudo(const node *x)
{
    return x->kind == N_LPAREN || x->kind == N_VBAR;
}

/* Go's utf8.DecodeRuneInString: the rune and its length; for invalid
 * bytes (RuneError, 1); for an empty string (RuneError, 0). */
static uint32_t decode(const char *s, size_t n, size_t *len)
{
    if (n == 0) {
        *len = 0;
        return 0xFFFD;
    }
    uint32_t r;
    size_t l = utf8_decode((const unsigned char *)s, n, &r);
    if (l == 0) {
        *len = 1;
        return 0xFFFD;
    }
    *len = l;
    return r;
}

/* Go's nextRune over s[*pos, end) (*pos < end): fails with "invalid
 * UTF-8" quoting the text from the bad byte to `end`. */
static int next_rune_in(parser *p, size_t *pos, size_t end, uint32_t *r)
{
    uint32_t cp;
    size_t l = utf8_decode((const unsigned char *)p->s + *pos, end - *pos, &cp);
    if (l == 0) return fail_range(p, "invalid UTF-8", *pos, end);
    *r = cp;
    *pos += l;
    return 0;
}

static int next_rune(parser *p, size_t *pos, uint32_t *r)
{
    return next_rune_in(p, pos, p->n, r);
}

/* Go's checkUTF8 over s[from, to): the error quotes from the bad byte to `to`. */
static int check_utf8(parser *p, size_t from, size_t to)
{
    size_t i = from;
    while (i < to) {
        uint32_t cp;
        size_t l = utf8_decode((const unsigned char *)p->s + i, to - i, &cp);
        if (l == 0) return fail_range(p, "invalid UTF-8", i, to);
        i += l;
    }
    return 0;
}

static bool is_alnum(uint32_t c)
{
    return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int unhex(uint32_t c)
{
    if (c >= '0' && c <= '9') return (int)(c - '0');
    if (c >= 'a' && c <= 'f') return (int)(c - 'a' + 10);
    if (c >= 'A' && c <= 'F') return (int)(c - 'A' + 10);
    return -1;
}

/* ---- rune sets for the ASCII classes ------------------------------------ */

typedef struct rset {
    uint32_t lo[48], hi[48];
    int n;
} rset;

static void rset_add(rset *s, uint32_t lo, uint32_t hi)
{
    if (s->n < 48) {
        s->lo[s->n] = lo;
        s->hi[s->n] = hi;
        s->n++;
    }
}

/* Sort and merge (tiny sets: insertion sort). */
static void rset_clean(rset *s)
{
    for (int i = 1; i < s->n; i++) {
        uint32_t l = s->lo[i], h = s->hi[i];
        int j = i;
        while (j > 0 && s->lo[j - 1] > l) {
            s->lo[j] = s->lo[j - 1];
            s->hi[j] = s->hi[j - 1];
            j--;
        }
        s->lo[j] = l;
        s->hi[j] = h;
    }
    int w = 0;
    for (int i = 0; i < s->n; i++) {
        if (w > 0 && s->lo[i] <= s->hi[w - 1] + 1) {
            if (s->hi[i] > s->hi[w - 1]) s->hi[w - 1] = s->hi[i];
            continue;
        }
        s->lo[w] = s->lo[i];
        s->hi[w] = s->hi[i];
        w++;
    }
    s->n = w;
}

static void rset_negate(rset *s)
{
    rset out = {{0}, {0}, 0};
    uint32_t next = 0;
    for (int i = 0; i < s->n; i++) {
        if (s->lo[i] > next) rset_add(&out, next, s->lo[i] - 1);
        next = s->hi[i] + 1;
    }
    if (next <= MAX_RUNE) rset_add(&out, next, MAX_RUNE);
    *s = out;
}

/* Go's case folding of an ASCII set: the other case of each letter, and
 * the two non-ASCII runes that fold with ASCII letters (U+017F long s,
 * U+212A Kelvin sign). */
static void rset_fold_ascii(rset *s)
{
    int n = s->n;
    bool has_s = false, has_k = false;
    for (int i = 0; i < n; i++) {
        uint32_t lo = s->lo[i], hi = s->hi[i];
        uint32_t a = lo < 'A' ? 'A' : lo, b = hi > 'Z' ? 'Z' : hi;
        if (a <= b) rset_add(s, a + 32, b + 32);
        a = lo < 'a' ? 'a' : lo, b = hi > 'z' ? 'z' : hi;
        if (a <= b) rset_add(s, a - 32, b - 32);
        if ((lo <= 's' && hi >= 's') || (lo <= 'S' && hi >= 'S')) has_s = true;
        if ((lo <= 'k' && hi >= 'k') || (lo <= 'K' && hi >= 'K')) has_k = true;
    }
    /* the other case of s/k counts too */
    for (int i = n; i < s->n; i++) {
        if ((s->lo[i] <= 's' && s->hi[i] >= 's') || (s->lo[i] <= 'S' && s->hi[i] >= 'S'))
            has_s = true;
        if ((s->lo[i] <= 'k' && s->hi[i] >= 'k') || (s->lo[i] <= 'K' && s->hi[i] >= 'K'))
            has_k = true;
    }
    if (has_s) rset_add(s, 0x17F, 0x17F);
    if (has_k) rset_add(s, 0x212A, 0x212A);
    rset_clean(s);
}

typedef struct group_def {
    const char *name;
    const char *ranges; /* pairs of bytes lo,hi */
} group_def;

static const group_def perl_groups[] = {
    {"\\d", "09"},
    {"\\s", "\t\n\f\r  "},
    {"\\w", "09AZ__az"},
};

static const group_def posix_groups[] = {
    {"alnum", "09AZaz"},   {"alpha", "AZaz"},
    {"ascii", "\x01\x7f"}, /* from 0, see group_set */
    {"blank", "\t\t  "},   {"cntrl", "\x01\x1f\x7f\x7f"},
    {"digit", "09"},       {"graph", "!~"},
    {"lower", "az"},       {"print", " ~"},
    {"punct", "!/:@[`{~"}, {"space", "\t\r  "},
    {"upper", "AZ"},       {"word", "09AZ__az"},
    {"xdigit", "09AFaf"},
};

/* The rune set of a group as Go's appendGroup builds it. */
static void group_set(rset *s, const group_def *g, bool negate, bool fold)
{
    s->n = 0;
    for (const char *r = g->ranges; r[0]; r += 2) {
        uint32_t lo = (unsigned char)r[0], hi = (unsigned char)r[1];
        if (lo == 1) lo = 0; /* NUL cannot sit in the C string */
        rset_add(s, lo, hi);
    }
    rset_clean(s);
    if (fold) rset_fold_ascii(s);
    if (negate) rset_negate(s);
}

/* ---- emitting PCRE2 text ------------------------------------------------ */

static void put_rune(strbuf *b, uint32_t r)
{
    if (is_alnum(r))
        strbuf_putc(b, (char)r);
    else
        strbuf_printf(b, "\\x{%x}", (unsigned)r);
}

/* A class range, without the surrogates PCRE2 refuses in UTF mode (they
 * never occur in valid UTF-8, so dropping them changes no match). Returns
 * whether anything was written. */
static bool put_range(strbuf *b, uint32_t lo, uint32_t hi)
{
    if (lo >= 0xD800 && lo <= 0xDFFF) lo = 0xE000;
    if (hi >= 0xD800 && hi <= 0xDFFF) hi = 0xD7FF;
    if (lo > hi) return false;
    if (lo < 0xD800 && hi > 0xDFFF) {
        put_range(b, lo, 0xD7FF);
        return put_range(b, 0xE000, hi);
    }
    put_rune(b, lo);
    if (hi != lo) {
        strbuf_putc(b, '-');
        put_rune(b, hi);
    }
    return true;
}

static bool put_rset(strbuf *b, const rset *s)
{
    bool any = false;
    for (int i = 0; i < s->n; i++)
        any |= put_range(b, s->lo[i], s->hi[i]);
    return any;
}

static size_t rset_span(const rset *s)
{
    size_t n = 0;
    for (int i = 0; i < s->n; i++)
        n += s->hi[i] - s->lo[i] + 1;
    return n;
}

/*
 * Case folding of class ranges. PCRE2 folds a caseless class range by
 * visiting every code point in it (twice: it compiles in two passes), so
 * (?i:[\x{7b}-\x{10ffff}]) costs over two million table look-ups, and a
 * pattern of a few hundred such classes took seconds. Only code points
 * that have another case need the look-ups, and they all lie in these
 * blocks (every cased script up to Unicode 16, whole blocks for headroom,
 * neighbours less than 256 apart merged); outside them folding changes
 * nothing. The unit tests check the table against the linked PCRE2.
 */
static const uint32_t cased_blocks[][2] = {
    {0x41, 0x58F},      {0x10A0, 0x10FF},   {0x13A0, 0x13FF},   {0x1C80, 0x1FFF},
    {0x2100, 0x218F},   {0x24B0, 0x24EF},   {0x2C00, 0x2D2F},   {0xA640, 0xA7FF},
    {0xAB30, 0xABBF},   {0xFB00, 0xFB1F},   {0xFF20, 0xFF5F},   {0x10400, 0x105BF},
    {0x10C80, 0x10D8F}, {0x118A0, 0x118DF}, {0x16E40, 0x16E9F}, {0x1E900, 0x1E94F},
};

#define NCASED (sizeof(cased_blocks) / sizeof(cased_blocks[0]))

/* Ranges up to this size are folded by PCRE2 as written (small work, and
 * the compact form PCRE2 makes of a folded range); larger ones only where
 * they meet the cased blocks. */
#define FOLD_WHOLE_MAX 2048

size_t promql_regex_cased_blocks(const uint32_t (**out)[2])
{
    *out = cased_blocks;
    return NCASED;
}

/*
 * Under (?i) a pattern may spend this many code points on classes PCRE2
 * folds whole (well under a millisecond of work), so that ordinary mixed
 * classes like (?i)[\da-f] keep the compact form; past it, and for
 * classes holding large ranges such as negated groups, classes are split
 * as described at classbuf.
 */
#define FOLD_BUDGET 65536

/*
 * A character class being built. `whole` is every item as written, which
 * under (?i) PCRE2 can fold as one class (the compact form) at a cost of
 * `whole_span`. The split form: `plain` holds the items PCRE2 must take as
 * written: under (?i) those closed under case folding already (Perl and
 * POSIX groups, folded here as Go folds them; Unicode properties, which
 * PCRE2 never folds) and the literal ranges with parts outside the cased
 * blocks; `fold` holds what PCRE2 folds (emitted inside (?i:...)): small
 * literal ranges whole, large ones where they meet the cased blocks.
 * Without (?i) everything is in `plain`.
 */
typedef struct classbuf {
    strbuf plain;
    strbuf fold;
    strbuf whole;
    size_t fold_span;  /* code points in `fold` */
    size_t whole_span; /* code points in the ranges of `whole` */
} classbuf;

static void fold_range(classbuf *c, uint32_t lo, uint32_t hi)
{
    put_range(&c->fold, lo, hi);
    c->fold_span += hi - lo + 1;
}

/* A literal range of a class, lo <= hi. */
static void cls_range(classbuf *c, uint32_t lo, uint32_t hi, bool folding)
{
    if (folding) {
        put_range(&c->whole, lo, hi);
        c->whole_span += hi - lo + 1;
    }
    if (!folding || (lo <= cased_blocks[0][0] && hi >= cased_blocks[NCASED - 1][1])) {
        /* a range holding every cased block is closed under folding */
        put_range(&c->plain, lo, hi);
        return;
    }
    size_t first = 0;
    while (first < NCASED && cased_blocks[first][1] < lo)
        first++;
    if (first == NCASED || cased_blocks[first][0] > hi) {
        put_range(&c->plain, lo, hi); /* nothing in it has another case */
        return;
    }
    if (hi - lo < FOLD_WHOLE_MAX) {
        fold_range(c, lo, hi);
        return;
    }
    bool outside = lo < cased_blocks[first][0];
    for (size_t i = first; i < NCASED && cased_blocks[i][0] <= hi; i++) {
        uint32_t from = cased_blocks[i][0] > lo ? cased_blocks[i][0] : lo;
        uint32_t to = cased_blocks[i][1] < hi ? cased_blocks[i][1] : hi;
        fold_range(c, from, to);
        if (to < hi && (i + 1 == NCASED || cased_blocks[i + 1][0] > to + 1)) outside = true;
    }
    /* the range itself, then the other cases of its cased part */
    if (outside) put_range(&c->plain, lo, hi);
}

/* ---- Unicode classes ---------------------------------------------------- */

static const char *const categories[] = {
    "C",  "Cc", "Cf", "Co", "Cs", "L",  "Ll", "Lm", "Lo", "Lt", "Lu", "M",
    "Mc", "Me", "Mn", "N",  "Nd", "Nl", "No", "P",  "Pc", "Pd", "Pe", "Pf",
    "Pi", "Po", "Ps", "S",  "Sc", "Sk", "Sm", "So", "Z",  "Zl", "Zp", "Zs",
};

/* Unicode 13 scripts (Go 1.19's unicode.Scripts, what 2.42 was built with). */
static const char *const scripts13[] = {
    "Adlam",
    "Ahom",
    "Anatolian_Hieroglyphs",
    "Arabic",
    "Armenian",
    "Avestan",
    "Balinese",
    "Bamum",
    "Bassa_Vah",
    "Batak",
    "Bengali",
    "Bhaiksuki",
    "Bopomofo",
    "Brahmi",
    "Braille",
    "Buginese",
    "Buhid",
    "Canadian_Aboriginal",
    "Carian",
    "Caucasian_Albanian",
    "Chakma",
    "Cham",
    "Cherokee",
    "Chorasmian",
    "Common",
    "Coptic",
    "Cuneiform",
    "Cypriot",
    "Cyrillic",
    "Deseret",
    "Devanagari",
    "Dives_Akuru",
    "Dogra",
    "Duployan",
    "Egyptian_Hieroglyphs",
    "Elbasan",
    "Elymaic",
    "Ethiopic",
    "Georgian",
    "Glagolitic",
    "Gothic",
    "Grantha",
    "Greek",
    "Gujarati",
    "Gunjala_Gondi",
    "Gurmukhi",
    "Han",
    "Hangul",
    "Hanifi_Rohingya",
    "Hanunoo",
    "Hatran",
    "Hebrew",
    "Hiragana",
    "Imperial_Aramaic",
    "Inherited",
    "Inscriptional_Pahlavi",
    "Inscriptional_Parthian",
    "Javanese",
    "Kaithi",
    "Kannada",
    "Katakana",
    "Kayah_Li",
    "Kharoshthi",
    "Khitan_Small_Script",
    "Khmer",
    "Khojki",
    "Khudawadi",
    "Lao",
    "Latin",
    "Lepcha",
    "Limbu",
    "Linear_A",
    "Linear_B",
    "Lisu",
    "Lycian",
    "Lydian",
    "Mahajani",
    "Makasar",
    "Malayalam",
    "Mandaic",
    "Manichaean",
    "Marchen",
    "Masaram_Gondi",
    "Medefaidrin",
    "Meetei_Mayek",
    "Mende_Kikakui",
    "Meroitic_Cursive",
    "Meroitic_Hieroglyphs",
    "Miao",
    "Modi",
    "Mongolian",
    "Mro",
    "Multani",
    "Myanmar",
    "Nabataean",
    "Nandinagari",
    "New_Tai_Lue",
    "Newa",
    "Nko",
    "Nushu",
    "Nyiakeng_Puachue_Hmong",
    "Ogham",
    "Ol_Chiki",
    "Old_Hungarian",
    "Old_Italic",
    "Old_North_Arabian",
    "Old_Permic",
    "Old_Persian",
    "Old_Sogdian",
    "Old_South_Arabian",
    "Old_Turkic",
    "Oriya",
    "Osage",
    "Osmanya",
    "Pahawh_Hmong",
    "Palmyrene",
    "Pau_Cin_Hau",
    "Phags_Pa",
    "Phoenician",
    "Psalter_Pahlavi",
    "Rejang",
    "Runic",
    "Samaritan",
    "Saurashtra",
    "Sharada",
    "Shavian",
    "Siddham",
    "SignWriting",
    "Sinhala",
    "Sogdian",
    "Sora_Sompeng",
    "Soyombo",
    "Sundanese",
    "Syloti_Nagri",
    "Syriac",
    "Tagalog",
    "Tagbanwa",
    "Tai_Le",
    "Tai_Tham",
    "Tai_Viet",
    "Takri",
    "Tamil",
    "Tangut",
    "Telugu",
    "Thaana",
    "Thai",
    "Tibetan",
    "Tifinagh",
    "Tirhuta",
    "Ugaritic",
    "Vai",
    "Wancho",
    "Warang_Citi",
    "Yezidi",
    "Yi",
    "Zanabazar_Square",
};

/* Added by Unicode 14 and 15 (3.x servers are built with a newer Go),
 * with the categories newer Go tables have. */
static const char *const names_v3[] = {
    "Cypro_Minoan", "Old_Uyghur", "Tangsa", "Toto", "Vithkuqi", "Kawi", "Nag_Mundari", "Cn", "LC",
};

static bool name_in(strv name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strv_eq_cstr(name, list[i])) return true;
    return false;
}

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static bool unicode_name_known(strv name, sloeval_compat compat)
{
    if (strv_eq_cstr(name, "Any")) return true;
    if (name_in(name, categories, COUNT(categories))) return true;
    if (name_in(name, scripts13, COUNT(scripts13))) return true;
    return compat != SLOEVAL_COMPAT_V2 && name_in(name, names_v3, COUNT(names_v3));
}

/*
 * PCRE2 class items for Go's \p{name} (positive) or \P{name}. Go's C is
 * Cc|Cf|Co|Cs (its tables have no unassigned code points), PCRE2's also
 * holds Cn; the complement is spelled as the union of the other
 * categories. Under (?i) Go adds the case variants of Lu, Ll and Lt,
 * which PCRE2 does not fold: they become L& (cased letters).
 */
static void put_unicode_items(strbuf *b, strv name, bool positive, bool fold)
{
    if (strv_eq_cstr(name, "C")) {
        strbuf_puts(b, positive ? "\\p{Cc}\\p{Cf}\\p{Co}\\p{Cs}"
                                : "\\p{L}\\p{M}\\p{N}\\p{P}\\p{S}\\p{Z}\\p{Cn}");
        return;
    }
    const char *pn = NULL;
    if (strv_eq_cstr(name, "LC") ||
        (fold &&
         (strv_eq_cstr(name, "Lu") || strv_eq_cstr(name, "Ll") || strv_eq_cstr(name, "Lt"))))
        pn = "L&";
    strbuf_puts(b, positive ? "\\p{" : "\\P{");
    if (pn)
        strbuf_puts(b, pn);
    else
        strbuf_append(b, name.ptr, name.len);
    strbuf_putc(b, '}');
}

/*
 * Go's parseUnicodeClass at s[*pos] ("\p" or "\P"). Returns 1 with the
 * class items appended to b, or -1 on error. (The caller has checked the
 * "\p" prefix.)
 */
static int parse_unicode_class(parser *p, size_t *pos, strbuf *b)
{
    size_t start = *pos;
    bool positive = p->s[start + 1] == 'p';
    size_t t = start + 2;
    size_t l;
    uint32_t c = decode(p->s + t, p->n - t, &l);
    if (t < p->n && l == 1 && c == 0xFFFD && (unsigned char)p->s[t] >= 0x80)
        return fail_range(p, "invalid UTF-8", t, p->n);
    t += l;
    size_t seq_end, name_from, name_to;
    if (c != '{') {
        seq_end = t;
        name_from = start + 2;
        name_to = t;
    } else {
        const char *close = memchr(p->s + start, '}', p->n - start);
        if (!close) {
            if (check_utf8(p, start, p->n)) return -1;
            return fail_range(p, "invalid character class range", start, p->n);
        }
        seq_end = (size_t)(close - p->s) + 1;
        name_from = start + 3;
        name_to = seq_end - 1;
        if (check_utf8(p, name_from, name_to)) return -1;
        t = seq_end;
    }
    strv name = {p->s + name_from, name_to - name_from};
    if (name.len > 0 && name.ptr[0] == '^') {
        positive = !positive;
        name.ptr++;
        name.len--;
    }
    if (!unicode_name_known(name, p->compat))
        return fail_range(p, "invalid character class range", start, seq_end);
    put_unicode_items(b, name, positive, (p->flags & F_FOLD) != 0);
    *pos = t;
    return 1;
}

/* \d \D \s \S \w \W at s[pos]: appends the items and returns 1, or 0. */
static int parse_perl_class(parser *p, size_t *pos, strbuf *b)
{
    if (p->n - *pos < 2 || p->s[*pos] != '\\') return 0;
    const group_def *g;
    bool negate = false;
    switch (p->s[*pos + 1]) {
    case 'D': negate = true; /* fall through */
    case 'd': g = &perl_groups[0]; break;
    case 'S': negate = true; /* fall through */
    case 's': g = &perl_groups[1]; break;
    case 'W': negate = true; /* fall through */
    case 'w': g = &perl_groups[2]; break;
    default: return 0;
    }
    rset s;
    group_set(&s, g, negate, (p->flags & F_FOLD) != 0);
    put_rset(b, &s);
    p->item_span = rset_span(&s);
    *pos += 2;
    return 1;
}

/* Go's parseNamedClass: [:alpha:] etc. Returns 1, 0 (not a named class),
 * or -1 (unknown name). */
static int parse_named_class(parser *p, size_t *pos, strbuf *b)
{
    size_t t = *pos;
    if (p->n - t < 2 || p->s[t] != '[' || p->s[t + 1] != ':') return 0;
    const char *end = NULL;
    for (size_t i = t + 2; i + 1 < p->n; i++) {
        if (p->s[i] == ':' && p->s[i + 1] == ']') {
            end = p->s + i;
            break;
        }
    }
    if (!end) return 0;
    size_t name_end = (size_t)(end - p->s) + 2; /* past ":]" */
    strv name = {p->s + t + 2, (size_t)(end - p->s) - (t + 2)};
    bool negate = false;
    if (name.len > 0 && name.ptr[0] == '^') {
        negate = true;
        name.ptr++;
        name.len--;
    }
    for (size_t i = 0; i < COUNT(posix_groups); i++) {
        if (strv_eq_cstr(name, posix_groups[i].name)) {
            rset s;
            group_set(&s, &posix_groups[i], negate, (p->flags & F_FOLD) != 0);
            put_rset(b, &s);
            p->item_span = rset_span(&s);
            *pos = name_end;
            return 1;
        }
    }
    return fail_range(p, "invalid character class range", t, name_end);
}

/* Go's parseEscape at s[*pos] == '\\': the rune, or -1 on error. */
static int parse_escape(parser *p, size_t *pos, uint32_t *out)
{
    size_t start = *pos;
    size_t t = start + 1;
    if (t >= p->n) return fail(p, "trailing backslash at end of expression", "", 0);
    uint32_t c;
    if (next_rune(p, &t, &c)) return -1;
    switch (c) {
    case '1':
    case '2':
    case '3':
    case '4':
    case '5':
    case '6':
    case '7':
        /* a single non-zero digit would be a backreference */
        if (t >= p->n || p->s[t] < '0' || p->s[t] > '7') break;
        /* fall through */
    case '0': {
        uint32_t r = c - '0';
        for (int i = 1; i < 3; i++) {
            if (t >= p->n || p->s[t] < '0' || p->s[t] > '7') break;
            r = r * 8 + (uint32_t)(p->s[t] - '0');
            t++;
        }
        *out = r;
        *pos = t;
        return 0;
    }
    case 'x': {
        if (t >= p->n) break;
        if (next_rune(p, &t, &c)) return -1;
        if (c == '{') {
            int nhex = 0;
            uint32_t r = 0;
            for (;;) {
                if (t >= p->n) goto bad;
                if (next_rune(p, &t, &c)) return -1;
                if (c == '}') break;
                int v = unhex(c);
                if (v < 0) goto bad;
                r = r * 16 + (uint32_t)v;
                if (r > MAX_RUNE) goto bad;
                nhex++;
            }
            if (nhex == 0) goto bad;
            *out = r;
            *pos = t;
            return 0;
        }
        int x = unhex(c);
        size_t l;
        uint32_t c2 = decode(p->s + t, p->n - t, &l);
        if (t < p->n && l == 1 && c2 == 0xFFFD && (unsigned char)p->s[t] >= 0x80)
            return fail_range(p, "invalid UTF-8", t, p->n);
        t += l;
        int y = unhex(c2);
        if (x < 0 || y < 0) break;
        *out = (uint32_t)(x * 16 + y);
        *pos = t;
        return 0;
    }
    case 'a':
        *out = '\a';
        *pos = t;
        return 0;
    case 'f':
        *out = '\f';
        *pos = t;
        return 0;
    case 'n':
        *out = '\n';
        *pos = t;
        return 0;
    case 'r':
        *out = '\r';
        *pos = t;
        return 0;
    case 't':
        *out = '\t';
        *pos = t;
        return 0;
    case 'v':
        *out = '\v';
        *pos = t;
        return 0;
    default:
        /* escaped punctuation is itself; \q and friends are errors */
        if (c < 0x80 && !is_alnum(c)) {
            *out = c;
            *pos = t;
            return 0;
        }
        break;
    }
bad:
    return fail_range(p, "invalid escape sequence", start, t);
}

/* Go's parseClassChar. */
static int parse_class_char(parser *p, size_t *pos, size_t class_start, uint32_t *out)
{
    if (*pos >= p->n) return fail_range(p, "missing closing ]", class_start, p->n);
    if (p->s[*pos] == '\\') return parse_escape(p, pos, out);
    return next_rune(p, pos, out);
}

/* The PCRE2 text of a class with items c (see classbuf), negated or not. */
static void cls_text(parser *p, strbuf *out, const classbuf *c, bool negated)
{
    const char *pl = strbuf_cstr(&c->plain), *f = strbuf_cstr(&c->fold);
    bool hp = c->plain.len > 0, hf = c->fold.len > 0;
    if (hp && hf && c->whole_span <= p->fold_budget) {
        /* PCRE2 folds the plain items too, which changes nothing */
        p->fold_budget -= c->whole_span;
        p->fold_span += c->whole_span;
        strbuf_printf(out, "(?i:[%s%s])", negated ? "^" : "", strbuf_cstr(&c->whole));
        return;
    }
    p->fold_span += c->fold_span;
    if (!hp && !hf) {
        /* nothing can match (only surrogates were named), or all can */
        strbuf_puts(out, negated ? "[\\x{0}-\\x{10ffff}]" : "(?!)");
    } else if (!hf) {
        strbuf_printf(out, "[%s%s]", negated ? "^" : "", pl);
    } else if (!hp) {
        strbuf_printf(out, "(?i:[%s%s])", negated ? "^" : "", f);
    } else if (!negated) {
        strbuf_printf(out, "(?:[%s]|(?i:[%s]))", pl, f);
    } else {
        /* neither an item of plain nor a case variant of one of fold */
        strbuf_printf(out, "(?![%s])(?i:[^%s])", pl, f);
    }
}

/* After a group item was appended to c->plain from offset `from`: under
 * (?i) the whole form has it too. */
static void cls_item(parser *p, classbuf *c, size_t from, bool folding)
{
    if (!folding) return;
    strbuf_append(&c->whole, c->plain.data + from, c->plain.len - from);
    c->whole_span += p->item_span;
}

/* Go's parseClass at s[*pos] == '['. */
static int parse_class(parser *p, size_t *pos)
{
    size_t start = *pos;
    size_t t = start + 1;
    bool negated = false;
    if (t < p->n && p->s[t] == '^') {
        negated = true;
        t++;
    }
    bool folding = (p->flags & F_FOLD) != 0;
    classbuf c = {STRBUF_INIT, STRBUF_INIT, STRBUF_INIT, 0, 0};
    bool first = true;
    int rc = 0;
    while (t >= p->n || p->s[t] != ']' || first) {
        first = false;
        size_t from = c.plain.len;
        p->item_span = 0;
        if (p->n - t > 2 && p->s[t] == '[' && p->s[t + 1] == ':') {
            int r = parse_named_class(p, &t, &c.plain);
            if (r < 0) {
                rc = -1;
                break;
            }
            if (r > 0) {
                cls_item(p, &c, from, folding);
                continue;
            }
        }
        if (p->n - t >= 2 && p->s[t] == '\\' && (p->s[t + 1] == 'p' || p->s[t + 1] == 'P')) {
            if (parse_unicode_class(p, &t, &c.plain) < 0) {
                rc = -1;
                break;
            }
            cls_item(p, &c, from, folding);
            continue;
        }
        if (parse_perl_class(p, &t, &c.plain)) {
            cls_item(p, &c, from, folding);
            continue;
        }
        size_t rng = t;
        uint32_t lo, hi;
        if (parse_class_char(p, &t, start, &lo)) {
            rc = -1;
            break;
        }
        hi = lo;
        if (p->n - t >= 2 && p->s[t] == '-' && p->s[t + 1] != ']') {
            t++;
            if (parse_class_char(p, &t, start, &hi)) {
                rc = -1;
                break;
            }
            if (hi < lo) {
                rc = fail_range(p, "invalid character class range", rng, t);
                break;
            }
        }
        cls_range(&c, lo, hi, folding);
    }
    if (rc == 0) {
        t++; /* the ] */
        node *x = new_node(p, N_CLASS);
        strbuf text = STRBUF_INIT;
        cls_text(p, &text, &c, negated);
        if (text.failed || c.plain.failed || c.fold.failed || c.whole.failed || !x) {
            p->oom = true;
            rc = -1;
        } else {
            x->text = arena_strndup(p->a, text.data, text.len);
            if (!x->text) p->oom = true;
            rc = x->text ? push(p, x) : -1;
        }
        strbuf_free(&text);
        *pos = t;
    }
    if (c.plain.failed || c.fold.failed || c.whole.failed) p->oom = true;
    strbuf_free(&c.plain);
    strbuf_free(&c.fold);
    strbuf_free(&c.whole);
    return rc;
}

/* A top-level \pX, \d: a class node made of the items. */
static int push_class_items(parser *p, const strbuf *items)
{
    node *x = new_node(p, N_CLASS);
    if (!x) return -1;
    strbuf cls = STRBUF_INIT;
    if (items->len == 0)
        strbuf_puts(&cls, "(?!)");
    else
        strbuf_printf(&cls, "[%s]", strbuf_cstr(items));
    x->text = cls.failed ? NULL : arena_strndup(p->a, cls.data, cls.len);
    strbuf_free(&cls);
    if (!x->text) {
        p->oom = true;
        return -1;
    }
    return push(p, x);
}

static int push_op(parser *p, nkind kind)
{
    return push(p, new_node(p, kind));
}

static int push_literal(parser *p, uint32_t r)
{
    node *x = new_node(p, N_LIT);
    if (!x) return -1;
    x->rune = r;
    return push(p, x);
}

/*
 * Go's repeatIsValid(x, n) walks x and fails where the counts of nested
 * counted repeats multiply past n (x{0} ends the walk; x{m,} counts m,
 * when m > 0). That equals "the largest such product on a path down from
 * x is at most n", which each node keeps in `rep` (capped past
 * MAX_REPEAT) as it is built, so the test costs nothing however deep x is.
 */
static void set_rep(node *x)
{
    int r = 1;
    for (size_t i = 0; i < x->nsub; i++)
        if (x->sub[i]->rep > r) r = x->sub[i]->rep;
    if (x->kind == N_REPEAT && x->op == '{') {
        int m = x->max < 0 ? x->min : x->max;
        if (x->max == 0)
            r = 1;
        else if (m > MAX_REPEAT || (m > 0 && r > MAX_REPEAT / m))
            r = MAX_REPEAT + 1;
        else if (m > 0)
            r *= m;
    }
    x->rep = r;
}

static bool repeat_valid(const node *x, int n)
{
    return x->rep <= n;
}

/*
 * Go's repeat(): the operator text starts at `before`; `*after` is just past
 * it (and past a following '?', consumed here); `last` is where the
 * previous token's operator started, or SIZE_MAX.
 */
static int do_repeat(parser *p, char op, int min, int max, size_t before, size_t *after,
                     size_t last)
{
    unsigned flags = p->flags;
    if (*after < p->n && p->s[*after] == '?') {
        (*after)++;
        flags ^= F_NONGREEDY;
    }
    if (last != SIZE_MAX) return fail_range(p, "invalid nested repetition operator", last, *after);
    if (p->nstack == 0 || is_pseudo(p->stack[p->nstack - 1]))
        return fail_range(p, "missing argument to repetition operator", before, *after);
    node *x = new_node(p, N_REPEAT);
    node **sub = ARENA_NEW_ARRAY(p->a, node *, 1);
    if (!x || !sub) {
        p->oom = true;
        return -1;
    }
    x->flags = flags;
    x->op = op;
    x->min = min;
    x->max = max;
    sub[0] = p->stack[p->nstack - 1];
    x->sub = sub;
    x->nsub = 1;
    set_rep(x);
    p->stack[p->nstack - 1] = x;
    if (op == '{' && (min >= 2 || max >= 2) && !repeat_valid(x, MAX_REPEAT))
        return fail_range(p, "invalid repeat count", before, *after);
    return 0;
}

/* Go's parseInt for repeat counts: no leading zeros; -1 when >= 1e8. */
static bool parse_int(parser *p, size_t *pos, int *out)
{
    size_t t = *pos;
    if (t >= p->n || p->s[t] < '0' || p->s[t] > '9') return false;
    if (p->n - t >= 2 && p->s[t] == '0' && p->s[t + 1] >= '0' && p->s[t + 1] <= '9') return false;
    long v = 0;
    for (; t < p->n && p->s[t] >= '0' && p->s[t] <= '9'; t++) {
        if (v >= 100000000 || v < 0) {
            v = -1;
            continue;
        }
        v = v * 10 + (p->s[t] - '0');
    }
    *out = (int)v;
    *pos = t;
    return true;
}

/* Go's parseRepeat: {n}, {n,}, {n,m}; false when '{' is a literal. */
static bool parse_repeat(parser *p, size_t *pos, int *min, int *max)
{
    size_t t = *pos + 1;
    if (!parse_int(p, &t, min)) return false;
    if (t >= p->n) return false;
    if (p->s[t] != ',') {
        *max = *min;
    } else {
        t++;
        if (t >= p->n) return false;
        if (p->s[t] == '}') {
            *max = -1;
        } else {
            if (!parse_int(p, &t, max)) return false;
            if (*max < 0) *min = -1;
        }
    }
    if (t >= p->n || p->s[t] != '}') return false;
    *pos = t + 1;
    return true;
}

/*
 * Replace the nodes above the topmost pseudo node by one node of `kind`
 * (N_CONCAT or N_ALT) holding them. Go splices a child of the same kind
 * into its parent right away; doing so here would copy the children of
 * (?:(?:(?:a)b)b)b again at every level, quadratic in the pattern, so the
 * splicing waits for flatten() after the parse.
 */
static int collapse(parser *p, nkind kind)
{
    size_t i = p->nstack;
    while (i > 0 && !is_pseudo(p->stack[i - 1]))
        i--;
    size_t k = p->nstack - i;
    if (k == 0) return kind == N_CONCAT ? push_op(p, N_EMPTY) : 0;
    if (k == 1) return 0;
    node *x = new_node(p, kind);
    node **sub = ARENA_NEW_ARRAY(p->a, node *, k);
    if (!x || !sub) {
        p->oom = true;
        return -1;
    }
    memcpy(sub, p->stack + i, k * sizeof(node *));
    x->sub = sub;
    x->nsub = k;
    set_rep(x);
    p->nstack = i;
    return push(p, x);
}

static int do_concat(parser *p)
{
    return collapse(p, N_CONCAT);
}

/* Go's swapVerticalBar, reduced to what matters here: if a '|' sits below
 * the top, move it above, so that the alternatives stay below it. */
static bool swap_vbar(parser *p)
{
    if (p->nstack >= 2 && p->stack[p->nstack - 2]->kind == N_VBAR) {
        node *t = p->stack[p->nstack - 1];
        p->stack[p->nstack - 1] = p->stack[p->nstack - 2];
        p->stack[p->nstack - 2] = t;
        return true;
    }
    return false;
}

static int do_alternate(parser *p)
{
    return collapse(p, N_ALT);
}

static int parse_vertical_bar(parser *p)
{
    if (do_concat(p)) return -1;
    if (!swap_vbar(p)) return push_op(p, N_VBAR);
    return 0;
}

static int parse_right_paren(parser *p)
{
    if (do_concat(p)) return -1;
    if (swap_vbar(p)) p->nstack--;
    if (do_alternate(p)) return -1;
    if (p->nstack < 2) return fail(p, "unexpected )", p->s, p->n);
    node *x = p->stack[p->nstack - 1];
    node *lp = p->stack[p->nstack - 2];
    p->nstack -= 2;
    if (lp->kind != N_LPAREN) return fail(p, "unexpected )", p->s, p->n);
    p->flags = lp->saved;
    if (lp->cap == 0) return push(p, x);
    node **sub = ARENA_NEW_ARRAY(p->a, node *, 1);
    if (!sub) {
        p->oom = true;
        return -1;
    }
    sub[0] = x;
    lp->kind = N_CAPTURE;
    lp->sub = sub;
    lp->nsub = 1;
    set_rep(lp);
    return push(p, lp);
}

static int open_group(parser *p, int cap, strv name)
{
    node *x = new_node(p, N_LPAREN);
    if (!x) return -1;
    x->cap = cap;
    x->name = name;
    x->saved = p->flags;
    if (cap > 0) {
        if ((size_t)cap >= p->capnames &&
            arena_grow(p->a, (void **)&p->names, &p->capnames, (size_t)cap + 1, sizeof(strv))) {
            p->oom = true;
            return -1;
        }
        p->names[cap] = name;
    }
    return push(p, x);
}

static bool valid_capture_name(strv name)
{
    if (name.len == 0) return false;
    for (size_t i = 0; i < name.len; i++) {
        unsigned char c = (unsigned char)name.ptr[i];
        if (c != '_' && !is_alnum(c)) return false;
    }
    return true;
}

/* Go's parsePerlFlags at s[*pos] == "(?". */
static int parse_perl_flags(parser *p, size_t *pos)
{
    size_t start = *pos;
    size_t rest = p->n - start;
    if (rest > 4 && p->s[start + 2] == 'P' && p->s[start + 3] == '<') {
        const char *gt = memchr(p->s + start, '>', rest);
        if (!gt) {
            if (check_utf8(p, start, p->n)) return -1;
            return fail_range(p, "invalid named capture", start, p->n);
        }
        size_t end = (size_t)(gt - p->s);
        if (check_utf8(p, start + 4, end)) return -1;
        strv name = {p->s + start + 4, end - (start + 4)};
        if (!valid_capture_name(name))
            return fail_range(p, "invalid named capture", start, end + 1);
        p->ncap++;
        if (open_group(p, p->ncap, name)) return -1;
        *pos = end + 1;
        return 0;
    }
    size_t t = start + 2;
    unsigned flags = p->flags;
    int sign = 1;
    bool saw = false;
    while (t < p->n) {
        uint32_t c;
        if (next_rune(p, &t, &c)) return -1;
        switch (c) {
        case 'i':
            flags |= F_FOLD;
            saw = true;
            continue;
        case 'm':
            flags &= ~(unsigned)F_ONELINE;
            saw = true;
            continue;
        case 's':
            flags |= F_DOTNL;
            saw = true;
            continue;
        case 'U':
            flags |= F_NONGREEDY;
            saw = true;
            continue;
        case '-':
            if (sign < 0) break;
            sign = -1;
            flags = ~flags;
            saw = false;
            continue;
        case ':':
        case ')':
            if (sign < 0) {
                if (!saw) break;
                flags = ~flags;
            }
            if (c == ':' && open_group(p, 0, STRV_NULL)) return -1;
            p->flags = flags & 15u;
            *pos = t;
            return 0;
        default: break;
        }
        break;
    }
    return fail_range(p, "invalid or unsupported Perl syntax", start, t);
}

/* Go's parse(): the tree of s[0, n) under `flags`, or NULL with p->err set. */
static node *go_parse(parser *p, unsigned flags)
{
    p->flags = flags;
    size_t t = 0;
    size_t last_repeat = SIZE_MAX;
    while (t < p->n) {
        size_t repeat = SIZE_MAX;
        char c = p->s[t];
        int rc = 0;
        switch (c) {
        case '(':
            if (p->n - t >= 2 && p->s[t + 1] == '?') {
                rc = parse_perl_flags(p, &t);
                break;
            }
            p->ncap++;
            rc = open_group(p, p->ncap, STRV_NULL);
            t++;
            break;
        case '|':
            rc = parse_vertical_bar(p);
            t++;
            break;
        case ')':
            rc = parse_right_paren(p);
            t++;
            break;
        case '^':
            rc = push_op(p, (p->flags & F_ONELINE) ? N_BOT : N_BOL);
            t++;
            break;
        case '$':
            rc = push_op(p, (p->flags & F_ONELINE) ? N_EOT : N_EOL);
            t++;
            break;
        case '.':
            rc = push_op(p, N_ANY);
            t++;
            break;
        case '[': rc = parse_class(p, &t); break;
        case '*':
        case '+':
        case '?': {
            size_t before = t;
            size_t after = t + 1;
            int min = c == '+' ? 1 : 0, max = c == '?' ? 1 : -1;
            rc = do_repeat(p, c, min, max, before, &after, last_repeat);
            repeat = before;
            t = after;
            break;
        }
        case '{': {
            size_t before = t, after = t;
            int min = 0, max = 0;
            if (!parse_repeat(p, &after, &min, &max)) {
                rc = push_literal(p, '{');
                t++;
                break;
            }
            if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
                rc = fail_range(p, "invalid repeat count", before, after);
                break;
            }
            rc = do_repeat(p, '{', min, max, before, &after, last_repeat);
            repeat = before;
            t = after;
            break;
        }
        case '\\': {
            if (p->n - t >= 2) {
                char e = p->s[t + 1];
                nkind k = N_EMPTY;
                if (e == 'A') k = N_BOT;
                if (e == 'z') k = N_EOT;
                if (e == 'b') k = N_WB;
                if (e == 'B') k = N_NWB;
                if (k != N_EMPTY) {
                    rc = push_op(p, k);
                    t += 2;
                    break;
                }
                if (e == 'C') {
                    rc = fail_range(p, "invalid escape sequence", t, t + 2);
                    break;
                }
                if (e == 'Q') {
                    size_t lit = t + 2, lit_end = p->n, next = p->n;
                    for (size_t i = lit; i + 1 < p->n; i++) {
                        if (p->s[i] == '\\' && p->s[i + 1] == 'E') {
                            lit_end = i;
                            next = i + 2;
                            break;
                        }
                    }
                    size_t i = lit;
                    while (rc == 0 && i < lit_end) {
                        uint32_t r;
                        rc = next_rune_in(p, &i, lit_end, &r);
                        if (rc == 0) rc = push_literal(p, r);
                    }
                    t = next;
                    break;
                }
                if (e == 'p' || e == 'P') {
                    strbuf items = STRBUF_INIT;
                    rc = parse_unicode_class(p, &t, &items) < 0 ? -1 : 0;
                    if (rc == 0) rc = push_class_items(p, &items);
                    strbuf_free(&items);
                    break;
                }
                strbuf items = STRBUF_INIT;
                if (parse_perl_class(p, &t, &items)) {
                    rc = push_class_items(p, &items);
                    strbuf_free(&items);
                    break;
                }
                strbuf_free(&items);
            }
            uint32_t r;
            rc = parse_escape(p, &t, &r);
            if (rc == 0) rc = push_literal(p, r);
            break;
        }
        default: {
            uint32_t r;
            rc = next_rune(p, &t, &r);
            if (rc == 0) rc = push_literal(p, r);
            break;
        }
        }
        if (rc) return NULL;
        last_repeat = repeat;
    }
    if (do_concat(p)) return NULL;
    if (swap_vbar(p)) p->nstack--;
    if (do_alternate(p)) return NULL;
    if (p->nstack != 1) {
        fail(p, "missing closing )", p->s, p->n);
        return NULL;
    }
    return p->stack[0];
}

/* Go's limits on the parsed tree: nesting depth and compiled size. The
 * depth test recurses no deeper than the limit. */
static bool too_deep(const node *x, int depth)
{
    if (depth > MAX_HEIGHT) return true;
    for (size_t i = 0; i < x->nsub; i++)
        if (too_deep(x->sub[i], depth + 1)) return true;
    return false;
}

static int64_t tree_size(const node *x)
{
    int64_t size = 0, sub = x->nsub ? tree_size(x->sub[0]) : 0;
    switch (x->kind) {
    case N_LIT: size = 1; break;
    case N_CAPTURE: size = 2 + sub; break;
    case N_REPEAT:
        if (x->op == '*') {
            size = 2 + sub;
        } else if (x->op == '+' || x->op == '?') {
            size = 1 + sub;
        } else if (x->max == -1) {
            size = x->min == 0 ? 2 + sub : 1 + (int64_t)x->min * sub;
        } else {
            size = (int64_t)x->max * sub + (x->max - x->min);
        }
        break;
    case N_CONCAT:
    case N_ALT:
        for (size_t i = 0; i < x->nsub; i++) {
            size += tree_size(x->sub[i]);
            if (size > MAX_SIZE) break;
        }
        if (x->kind == N_ALT) size += (int64_t)x->nsub - 1;
        break;
    default: break;
    }
    if (size > MAX_SIZE) size = MAX_SIZE + 1;
    return size < 1 ? 1 : size;
}

/* Go's cheap pre-check before it measures sizes: the number of nodes it
 * allocated (literal runs are one node there) and the product of all
 * counted repeats, capped. */
static void size_inputs(const node *x, int64_t *nodes, int64_t *product, bool in_lit_run)
{
    if (x->kind != N_LIT || !in_lit_run) (*nodes)++;
    if (x->kind == N_REPEAT && x->op == '{') {
        int64_t n = x->max == -1 ? x->min : x->max;
        if (n <= 0) n = 1;
        *product = n > MAX_SIZE / *product ? MAX_SIZE : *product * n;
    }
    for (size_t i = 0; i < x->nsub; i++) {
        bool run = x->kind == N_CONCAT && i > 0 && x->sub[i - 1]->kind == N_LIT &&
                   x->sub[i]->kind == N_LIT;
        size_inputs(x->sub[i], nodes, product, run);
    }
}

/* Pushes x on a node stack grown in the parse arena. */
static bool stack_push(parser *p, node ***st, size_t *n, size_t *cap, node *x)
{
    if (*n == *cap && arena_grow(p->a, (void **)st, cap, *n + 1, sizeof(node *)) != 0) {
        p->oom = true;
        return false;
    }
    (*st)[(*n)++] = x;
    return true;
}

/*
 * Go's splicing (see collapse): the children of an N_CONCAT or N_ALT that
 * are of its own kind are replaced by their children, all the way down.
 * Iterative, and each node is visited a bounded number of times (a
 * spliced node leaves the tree), so it is linear and safe on any depth.
 */
static int flatten(parser *p, node *root)
{
    node **todo = NULL, **walk = NULL;
    size_t ntodo = 0, captodo = 0, nwalk = 0, capwalk = 0;
    if (!stack_push(p, &todo, &ntodo, &captodo, root)) return -1;
    while (ntodo > 0) {
        node *x = todo[--ntodo];
        bool splice = false;
        if (x->kind == N_CONCAT || x->kind == N_ALT)
            for (size_t i = 0; i < x->nsub && !splice; i++)
                splice = x->sub[i]->kind == x->kind;
        if (splice) {
            /* pass 0 counts the children to be, pass 1 fills them in */
            node **sub = NULL;
            size_t count = 0;
            for (int pass = 0; pass < 2; pass++) {
                size_t w = 0;
                nwalk = 0;
                for (size_t i = x->nsub; i > 0; i--)
                    if (!stack_push(p, &walk, &nwalk, &capwalk, x->sub[i - 1])) return -1;
                while (nwalk > 0) {
                    node *y = walk[--nwalk];
                    if (y->kind != x->kind) {
                        if (sub) sub[w] = y;
                        w++;
                        continue;
                    }
                    for (size_t i = y->nsub; i > 0; i--)
                        if (!stack_push(p, &walk, &nwalk, &capwalk, y->sub[i - 1])) return -1;
                }
                if (pass == 0) {
                    count = w;
                    sub = ARENA_NEW_ARRAY(p->a, node *, count);
                    if (!sub) {
                        p->oom = true;
                        return -1;
                    }
                }
            }
            x->sub = sub;
            x->nsub = count;
        }
        for (size_t i = 0; i < x->nsub; i++)
            if (!stack_push(p, &todo, &ntodo, &captodo, x->sub[i])) return -1;
    }
    return 0;
}

static node *parse_checked(parser *p, unsigned flags)
{
    node *root = go_parse(p, flags);
    if (!root) return NULL;
    if (flatten(p, root)) return NULL;
    if (p->nnodes >= MAX_HEIGHT && too_deep(root, 1)) {
        fail(p, "expression nests too deeply", p->s, p->n);
        return NULL;
    }
    int64_t nodes = 0, product = 1;
    size_inputs(root, &nodes, &product, false);
    if (nodes >= MAX_SIZE / product && tree_size(root) > MAX_SIZE) {
        fail(p, ERR_INTERNAL, p->s, p->n);
        return NULL;
    }
    return root;
}

/* ---- writing the PCRE2 pattern ------------------------------------------ */

static void emit(strbuf *b, const node *x);

static bool is_atom(const node *x)
{
    switch (x->kind) {
    case N_LIT: return !(x->flags & F_FOLD);
    case N_CLASS: return x->text[0] == '[';
    case N_ANY:
    case N_CAPTURE: return true;
    default: return false;
    }
}

static void emit_lit(strbuf *b, uint32_t r)
{
    if (r >= 0xD800 && r <= 0xDFFF)
        strbuf_puts(b, "(?!)"); /* a surrogate never matches valid UTF-8 */
    else
        put_rune(b, r);
}

static void emit(strbuf *b, const node *x)
{
    switch (x->kind) {
    case N_LIT:
        if (x->flags & F_FOLD) strbuf_puts(b, "(?i:");
        emit_lit(b, x->rune);
        if (x->flags & F_FOLD) strbuf_putc(b, ')');
        break;
    case N_CLASS: strbuf_puts(b, x->text); break; /* folding is spelled inside */
    case N_ANY: strbuf_puts(b, (x->flags & F_DOTNL) ? "(?s:.)" : "."); break;
    case N_BOT: strbuf_puts(b, "\\A"); break;
    case N_EOT: strbuf_puts(b, "\\z"); break;
    case N_BOL: strbuf_puts(b, "(?m:^)"); break;
    case N_EOL: strbuf_puts(b, "(?m:$)"); break;
    case N_WB: strbuf_puts(b, "\\b"); break;
    case N_NWB: strbuf_puts(b, "\\B"); break;
    case N_EMPTY: strbuf_puts(b, "(?:)"); break;
    case N_CONCAT:
        for (size_t i = 0; i < x->nsub; i++) {
            const node *c = x->sub[i];
            /* runs of folded literals share one group */
            if (c->kind == N_LIT && (c->flags & F_FOLD)) {
                strbuf_puts(b, "(?i:");
                while (i < x->nsub && x->sub[i]->kind == N_LIT && (x->sub[i]->flags & F_FOLD))
                    emit_lit(b, x->sub[i++]->rune);
                i--;
                strbuf_putc(b, ')');
                continue;
            }
            bool wrap = c->kind == N_ALT;
            if (wrap) strbuf_puts(b, "(?:");
            emit(b, c);
            if (wrap) strbuf_putc(b, ')');
        }
        break;
    case N_ALT:
        for (size_t i = 0; i < x->nsub; i++) {
            if (i) strbuf_putc(b, '|');
            emit(b, x->sub[i]);
        }
        break;
    case N_CAPTURE:
        strbuf_putc(b, '(');
        emit(b, x->sub[0]);
        strbuf_putc(b, ')');
        break;
    case N_REPEAT: {
        const node *c = x->sub[0];
        bool wrap = !is_atom(c);
        if (wrap) strbuf_puts(b, "(?:");
        emit(b, c);
        if (wrap) strbuf_putc(b, ')');
        if (x->op == '{') {
            if (x->max == -1)
                strbuf_printf(b, "{%d,}", x->min);
            else if (x->max == x->min)
                strbuf_printf(b, "{%d}", x->min);
            else
                strbuf_printf(b, "{%d,%d}", x->min, x->max);
        } else {
            strbuf_putc(b, x->op);
        }
        if (x->flags & F_NONGREEDY) strbuf_putc(b, '?');
        break;
    }
    case N_LPAREN:
    case N_VBAR: break;
    }
}

/* ---- the compiled form --------------------------------------------------- */

struct promql_regex {
    pcre2_code *code; /* NULL for a literal set */
    pcre2_match_data *md;
    pcre2_match_context *mctx;
    /* a '|'-list of plain strings, matched by equality */
    strv *lits;
    size_t nlits;
    char *litbuf;
    bool matches_empty;
    size_t ngroups;
    char **names; /* [ngroups + 1], NULL for unnamed groups */
};

/* The bytes regexp.QuoteMeta escapes. */
static bool is_meta(char c)
{
    return strchr("\\.+*?()|[]{}^$", c) != NULL && c != '\0';
}

static bool all_literal(strv s)
{
    for (size_t i = 0; i < s.len; i++)
        if (s.ptr[i] != '|' && is_meta(s.ptr[i])) return false;
    return true;
}

/* Valid UTF-8 that holds no U+FFFD. */
static bool utf8_valid_no_fffd(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        if ((unsigned char)s[i] < 0x80) {
            i++;
            continue;
        }
        uint32_t cp;
        size_t l = utf8_decode((const unsigned char *)s + i, n - i, &cp);
        if (l == 0 || cp == 0xFFFD) return false;
        i += l;
    }
    return true;
}

static int set_literals(promql_regex *re, strv pattern)
{
    re->litbuf = malloc(pattern.len + 1);
    size_t n = 1;
    for (size_t i = 0; i < pattern.len; i++)
        n += pattern.ptr[i] == '|';
    re->lits = calloc(n, sizeof(strv));
    if (!re->litbuf || !re->lits) return SLOEVAL_ENOMEM;
    if (pattern.len) memcpy(re->litbuf, pattern.ptr, pattern.len);
    size_t from = 0;
    for (size_t i = 0; i <= pattern.len; i++) {
        if (i == pattern.len || pattern.ptr[i] == '|') {
            re->lits[re->nlits++] = (strv){re->litbuf + from, i - from};
            if (i == from) re->matches_empty = true;
            from = i + 1;
        }
    }
    return 0;
}

static void put_err(char *errbuf, size_t size, const char *msg, size_t len)
{
    if (!errbuf || !size) return;
    size_t c = len < size - 1 ? len : size - 1;
    memcpy(errbuf, msg, c);
    errbuf[c] = '\0';
}

/*
 * Parse `text` as Go does under `flags`. On success returns the tree; on
 * failure NULL with the message in err (or p->oom).
 */
static node *parse_text(parser *p, arena *a, const char *text, size_t n, sloeval_compat compat,
                        unsigned flags, strbuf *err)
{
    memset(p, 0, sizeof(*p));
    p->a = a;
    p->s = text;
    p->n = n;
    p->compat = compat;
    p->err = err;
    p->fold_budget = FOLD_BUDGET;
    return parse_checked(p, flags);
}

static int build(promql_regex **out, strv pattern, sloeval_compat compat, promql_regex_mode mode,
                 bool compile_pcre, size_t *fold_span, char *errbuf, size_t errbuf_size)
{
    if (out) *out = NULL;
    if (compat == SLOEVAL_COMPAT_AUTO) compat = SLOEVAL_COMPAT_V3;
    bool v2 = compat == SLOEVAL_COMPAT_V2;
    promql_regex *re = calloc(1, sizeof(*re));
    if (!re) return SLOEVAL_ENOMEM;
    int rc = 0;
    arena a;
    arena_init(&a, 4096);
    strbuf err = STRBUF_INIT;
    strbuf pat = STRBUF_INIT;

    if (pattern.len > 0 && !pattern.ptr) pattern.len = 0;
    bool literal = mode == PROMQL_REGEX_MATCHER && all_literal(pattern);
    if (literal && v2) literal = utf8_valid_no_fffd(pattern.ptr, pattern.len);

    const unsigned perl = F_ONELINE;
    node *root = NULL;
    parser p;
    /* The anchored text every mode but 3.x matchers parses. */
    strbuf wrapped = STRBUF_INIT;
    strbuf_puts(&wrapped, v2 ? "^(?:" : "^(?s:");
    strbuf_append(&wrapped, pattern.ptr, pattern.len);
    strbuf_puts(&wrapped, ")$");
    if (wrapped.failed) {
        rc = SLOEVAL_ENOMEM;
        goto done;
    }

    if (literal && !v2) {
        /* 3.x takes a '|'-list of plain strings literally, unparsed. */
    } else if (mode == PROMQL_REGEX_MATCHER && !v2) {
        root = parse_text(&p, &a, pattern.ptr, pattern.len, compat, perl | F_DOTNL, &err);
    } else {
        root = parse_text(&p, &a, wrapped.data, wrapped.len, compat, perl, &err);
        if (root && mode == PROMQL_REGEX_MATCHER) {
            /* 2.42 also parses the pattern alone (for its fast paths). */
            parser q;
            if (!parse_text(&q, &a, pattern.ptr, pattern.len, compat, perl, &err)) {
                root = NULL;
                p.oom = q.oom;
            }
        }
    }
    if (!root && !(literal && !v2)) {
        if (p.oom || err.failed) {
            rc = SLOEVAL_ENOMEM;
        } else {
            put_err(errbuf, errbuf_size, err.data, err.len);
            rc = SLOEVAL_EPARSE;
        }
        goto done;
    }

    if (literal) {
        /* a set of plain strings: compared, not matched (no groups) */
        rc = set_literals(re, pattern);
        goto done;
    }

    if (mode == PROMQL_REGEX_MATCHER && !v2) strbuf_puts(&pat, "\\A(?:");
    emit(&pat, root);
    if (mode == PROMQL_REGEX_MATCHER && !v2) strbuf_puts(&pat, ")\\z");
    if (pat.failed) {
        rc = SLOEVAL_ENOMEM;
        goto done;
    }
    re->ngroups = (size_t)p.ncap;
    if (fold_span) *fold_span = p.fold_span;
    if (p.ncap > 0) {
        re->names = calloc((size_t)p.ncap + 1, sizeof(char *));
        if (!re->names) {
            rc = SLOEVAL_ENOMEM;
            goto done;
        }
        for (int i = 1; i <= p.ncap; i++) {
            if (!p.names[i].ptr) continue;
            re->names[i] = malloc(p.names[i].len + 1);
            if (!re->names[i]) {
                rc = SLOEVAL_ENOMEM;
                goto done;
            }
            memcpy(re->names[i], p.names[i].ptr, p.names[i].len);
            re->names[i][p.names[i].len] = '\0';
        }
    }

    pcre2_compile_context *cctx = pcre2_compile_context_create(NULL);
    if (!cctx) {
        rc = SLOEVAL_ENOMEM;
        goto done;
    }
    pcre2_set_newline(cctx, PCRE2_NEWLINE_LF);
    pcre2_set_parens_nest_limit(cctx, 4 * MAX_HEIGHT);
    int ecode;
    PCRE2_SIZE eoff;
    re->code =
        pcre2_compile((PCRE2_SPTR)pat.data, pat.len,
                      PCRE2_UTF | PCRE2_NO_UTF_CHECK | PCRE2_NEVER_UCP | PCRE2_NEVER_BACKSLASH_C |
                          PCRE2_DOLLAR_ENDONLY | PCRE2_ALT_CIRCUMFLEX,
                      &ecode, &eoff, cctx);
    pcre2_compile_context_free(cctx);
    if (!re->code) {
        /* Go accepted the pattern; PCRE2 cannot run it (a Unicode name
         * newer than PCRE2's tables, or a PCRE2 size limit). */
        PCRE2_UCHAR msg[160];
        pcre2_get_error_message(ecode, msg, sizeof(msg));
        char buf[300];
        int n = snprintf(buf, sizeof(buf), "regular expression not supported locally: %s",
                         (const char *)msg);
        put_err(errbuf, errbuf_size, buf, n > 0 ? (size_t)n : 0);
        rc = ecode == PCRE2_ERROR_NOMEMORY ? SLOEVAL_ENOMEM : SLOEVAL_EUNSUPPORTED;
        goto done;
    }
    if (!compile_pcre) goto done;
#ifndef SLOEVAL_ARENA_DEBUG
    /* JIT when available (else the interpreter runs). Not in the debug
     * builds: valgrind cannot follow JIT-generated code, and the sanitizer
     * and valgrind runs then cover the interpreter. */
    pcre2_jit_compile(re->code, PCRE2_JIT_COMPLETE);
#endif
    re->md = pcre2_match_data_create_from_pattern(re->code, NULL);
    re->mctx = pcre2_match_context_create(NULL);
    if (!re->md || !re->mctx) {
        rc = SLOEVAL_ENOMEM;
        goto done;
    }
    pcre2_set_match_limit(re->mctx, 1000000);
    pcre2_set_depth_limit(re->mctx, 100000);
    int m = promql_regex_test(re, STRV_LIT(""));
    if (m < 0) {
        rc = m;
        goto done;
    }
    re->matches_empty = m == 1;

done:
    strbuf_free(&wrapped);
    strbuf_free(&pat);
    strbuf_free(&err);
    arena_free(&a);
    if (rc == 0 && out && compile_pcre) {
        *out = re;
    } else {
        promql_regex_free(re);
    }
    return rc;
}

int promql_regex_compile_mode(promql_regex **out, strv pattern, sloeval_compat compat,
                              promql_regex_mode mode, char *errbuf, size_t errbuf_size)
{
    if (!out) return SLOEVAL_EINVAL;
    return build(out, pattern, compat, mode, true, NULL, errbuf, errbuf_size);
}

int promql_regex_compile(promql_regex **out, strv pattern, sloeval_compat compat, char *errbuf,
                         size_t errbuf_size)
{
    return promql_regex_compile_mode(out, pattern, compat, PROMQL_REGEX_MATCHER, errbuf,
                                     errbuf_size);
}

int promql_regex_check(strv pattern, sloeval_compat compat, char *errbuf, size_t errbuf_size)
{
    return build(NULL, pattern, compat, PROMQL_REGEX_MATCHER, false, NULL, errbuf, errbuf_size);
}

int promql_regex_check_cost(size_t *fold_span, strv pattern, sloeval_compat compat, char *errbuf,
                            size_t errbuf_size)
{
    *fold_span = 0;
    return build(NULL, pattern, compat, PROMQL_REGEX_MATCHER, false, fold_span, errbuf,
                 errbuf_size);
}

void promql_regex_free(promql_regex *re)
{
    if (!re) return;
    if (re->md) pcre2_match_data_free(re->md);
    if (re->mctx) pcre2_match_context_free(re->mctx);
    if (re->code) pcre2_code_free(re->code);
    if (re->names) {
        for (size_t i = 0; i <= re->ngroups; i++)
            free(re->names[i]);
        free(re->names);
    }
    free(re->lits);
    free(re->litbuf);
    free(re);
}

/* ---- matching ------------------------------------------------------------ */

/* A subject with each invalid byte replaced by U+FFFD, as Go reads it, and
 * for each output byte the input offset it came from. */
typedef struct subject {
    const char *s;
    size_t n;
    char *copy;
    size_t *from; /* NULL when s is the caller's text */
    char small[256];
} subject;

static int subject_make(subject *sub, strv text)
{
    sub->copy = NULL;
    sub->from = NULL;
    sub->s = text.len ? text.ptr : "";
    sub->n = text.len;
    if (utf8_valid(sub->s, sub->n)) return 0;
    size_t cap = text.len * 3;
    sub->copy = malloc(cap + 1);
    sub->from = malloc((cap + 1) * sizeof(size_t));
    if (!sub->copy || !sub->from) {
        free(sub->copy);
        free(sub->from);
        return SLOEVAL_ENOMEM;
    }
    size_t w = 0, i = 0;
    while (i < text.len) {
        uint32_t cp;
        size_t l = utf8_decode((const unsigned char *)text.ptr + i, text.len - i, &cp);
        if (l == 0) {
            memcpy(sub->copy + w, "\xEF\xBF\xBD", 3);
            for (int k = 0; k < 3; k++)
                sub->from[w + (size_t)k] = i;
            w += 3;
            i++;
            continue;
        }
        for (size_t k = 0; k < l; k++) {
            sub->copy[w] = text.ptr[i + k];
            sub->from[w++] = i + k;
        }
        i += l;
    }
    sub->from[w] = text.len;
    sub->s = sub->copy;
    sub->n = w;
    return 0;
}

static void subject_free(subject *sub)
{
    free(sub->copy);
    free(sub->from);
}

/* The linear-time fallback: PCRE2's DFA matcher, which needs no
 * backtracking; workspace grows until the subject fits. */
static int dfa_match(const promql_regex *re, const subject *sub)
{
    int small[1000];
    int *ws = small;
    size_t wscount = 1000;
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    if (!md) return SLOEVAL_ENOMEM;
    int result;
    for (;;) {
        int rc = pcre2_dfa_match(re->code, (PCRE2_SPTR)sub->s, sub->n, 0, PCRE2_NO_UTF_CHECK, md,
                                 NULL, ws, wscount);
        if (rc >= 0 || rc == PCRE2_ERROR_PARTIAL) {
            result = rc >= 0;
            break;
        }
        if (rc == PCRE2_ERROR_NOMATCH) {
            result = 0;
            break;
        }
        if ((rc == PCRE2_ERROR_DFA_WSSIZE || rc == PCRE2_ERROR_DFA_RECURSE) &&
            wscount < (1u << 22)) {
            if (ws != small) free(ws);
            wscount *= 8;
            ws = malloc(wscount * sizeof(int));
            if (!ws) {
                pcre2_match_data_free(md);
                return SLOEVAL_ENOMEM;
            }
            continue;
        }
        result = rc == PCRE2_ERROR_NOMEMORY ? SLOEVAL_ENOMEM : SLOEVAL_ELIMIT;
        break;
    }
    if (ws != small) free(ws);
    pcre2_match_data_free(md);
    return result;
}

static bool over_limit(int rc)
{
    return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
           rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT;
}

int promql_regex_test(const promql_regex *re, strv text)
{
    if (!re->code) {
        for (size_t i = 0; i < re->nlits; i++)
            if (strv_eq(re->lits[i], text)) return 1;
        return 0;
    }
    subject sub;
    if (subject_make(&sub, text)) return SLOEVAL_ENOMEM;
    int rc =
        pcre2_match(re->code, (PCRE2_SPTR)sub.s, sub.n, 0, PCRE2_NO_UTF_CHECK, re->md, re->mctx);
    int result;
    if (rc >= 0)
        result = 1;
    else if (rc == PCRE2_ERROR_NOMATCH)
        result = 0;
    else if (over_limit(rc))
        result = dfa_match(re, &sub);
    else
        result = rc == PCRE2_ERROR_NOMEMORY ? SLOEVAL_ENOMEM : SLOEVAL_ELIMIT;
    subject_free(&sub);
    return result;
}

bool promql_regex_match(const promql_regex *re, strv text)
{
    return promql_regex_test(re, text) == 1;
}

bool promql_regex_matches_empty(const promql_regex *re)
{
    return re->matches_empty;
}

size_t promql_regex_group_count(const promql_regex *re)
{
    return re->ngroups;
}

int promql_regex_match_groups(const promql_regex *re, strv text, size_t *ovec, size_t npairs)
{
    for (size_t i = 0; i < 2 * npairs; i++)
        ovec[i] = SIZE_MAX;
    if (!re->code) {
        int m = promql_regex_test(re, text);
        if (m == 1 && npairs > 0) {
            ovec[0] = 0;
            ovec[1] = text.len;
        }
        return m;
    }
    subject sub;
    if (subject_make(&sub, text)) return SLOEVAL_ENOMEM;
    int rc =
        pcre2_match(re->code, (PCRE2_SPTR)sub.s, sub.n, 0, PCRE2_NO_UTF_CHECK, re->md, re->mctx);
    int result;
    if (rc >= 0) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(re->md);
        uint32_t have = pcre2_get_ovector_count(re->md);
        for (size_t i = 0; i < npairs && i < have; i++) {
            if (ov[2 * i] == PCRE2_UNSET) continue;
            ovec[2 * i] = sub.from ? sub.from[ov[2 * i]] : ov[2 * i];
            ovec[2 * i + 1] = sub.from ? sub.from[ov[2 * i + 1]] : ov[2 * i + 1];
        }
        result = 1;
    } else if (rc == PCRE2_ERROR_NOMATCH) {
        result = 0;
    } else {
        result = rc == PCRE2_ERROR_NOMEMORY ? SLOEVAL_ENOMEM : SLOEVAL_ELIMIT;
    }
    subject_free(&sub);
    return result;
}

/* unicode.IsLetter / IsDigit for template names, through PCRE2's tables. */
static bool name_rune(uint32_t r)
{
    if (r < 0x80) return is_alnum(r) || r == '_';
    char pat[] = "\\A[\\p{L}\\p{Nd}]\\z";
    int ec;
    PCRE2_SIZE eo;
    pcre2_code *c =
        pcre2_compile((PCRE2_SPTR)pat, PCRE2_ZERO_TERMINATED, PCRE2_UTF, &ec, &eo, NULL);
    if (!c) return false;
    char buf[4];
    size_t n = utf8_encode(buf, r);
    pcre2_match_data *md = pcre2_match_data_create(1, NULL);
    bool ok = md && pcre2_match(c, (PCRE2_SPTR)buf, n, 0, 0, md, NULL) >= 0;
    pcre2_match_data_free(md);
    pcre2_code_free(c);
    return ok;
}

/* Go's extract(): a group reference after '$'. */
static bool extract_ref(strv t, size_t *consumed, strv *name, long *num)
{
    size_t i = 0;
    bool brace = false;
    if (t.len == 0) return false;
    if (t.ptr[0] == '{') {
        brace = true;
        i = 1;
    }
    size_t start = i;
    while (i < t.len) {
        uint32_t r;
        size_t l = utf8_decode((const unsigned char *)t.ptr + i, t.len - i, &r);
        if (l == 0) break;
        if (!name_rune(r)) break;
        i += l;
    }
    if (i == start) return false;
    *name = (strv){t.ptr + start, i - start};
    if (brace) {
        if (i >= t.len || t.ptr[i] != '}') return false;
        i++;
    }
    *consumed = i;
    long n = 0;
    for (size_t k = 0; k < name->len; k++) {
        char c = name->ptr[k];
        if (c < '0' || c > '9' || n >= 100000000) {
            n = -1;
            break;
        }
        n = n * 10 + (c - '0');
    }
    if (name->ptr[0] == '0' && name->len > 1) n = -1;
    *num = n;
    return true;
}

void promql_regex_expand(strbuf *out, const promql_regex *re, strv tmpl, strv text,
                         const size_t *ovec, size_t npairs)
{
    size_t i = 0;
    while (i < tmpl.len) {
        const char *d = memchr(tmpl.ptr + i, '$', tmpl.len - i);
        if (!d) break;
        size_t at = (size_t)(d - tmpl.ptr);
        strbuf_append(out, tmpl.ptr + i, at - i);
        i = at + 1;
        if (i < tmpl.len && tmpl.ptr[i] == '$') {
            strbuf_putc(out, '$');
            i++;
            continue;
        }
        size_t used;
        strv name;
        long num;
        if (!extract_ref((strv){tmpl.ptr + i, tmpl.len - i}, &used, &name, &num)) {
            strbuf_putc(out, '$');
            continue;
        }
        i += used;
        size_t g = SIZE_MAX;
        if (num >= 0) {
            g = (size_t)num;
        } else if (re->names) {
            for (size_t k = 1; k <= re->ngroups; k++) {
                if (re->names[k] && strv_eq_cstr(name, re->names[k]) && k < npairs &&
                    ovec[2 * k] != SIZE_MAX) {
                    g = k;
                    break;
                }
            }
        }
        if (g < npairs && ovec[2 * g] != SIZE_MAX)
            strbuf_append(out, text.ptr + ovec[2 * g], ovec[2 * g + 1] - ovec[2 * g]);
    }
    if (i < tmpl.len) strbuf_append(out, tmpl.ptr + i, tmpl.len - i);
}
