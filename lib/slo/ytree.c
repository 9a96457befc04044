#include "slo/ytree.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "util/error.h"
#include "util/hmap.h"

#define TAG_MERGE   "tag:yaml.org,2002:merge"
#define TAG_NULL    "tag:yaml.org,2002:null"
#define MAX_ANCHORS 256

/* ---- positions --------------------------------------------------------- */

/* Byte offset of the start of every line, with libyaml's idea of a line
 * break: \n, \r\n, \r, and the UTF-8 encodings of U+0085, U+2028, U+2029. */
typedef struct line_table {
    size_t *starts;
    size_t count;
    /* the last mark converted: marks come mostly in order, and walking
     * from the line's start each time was quadratic in a long line (a
     * one-line JSON config of megabytes) */
    size_t last_line, last_column, last_offset;
} line_table;

static size_t break_len(const char *t, size_t len, size_t i)
{
    unsigned char c = (unsigned char)t[i];
    if (c == '\n') return 1;
    if (c == '\r') return (i + 1 < len && t[i + 1] == '\n') ? 2 : 1;
    if (c == 0xC2 && i + 1 < len && (unsigned char)t[i + 1] == 0x85) return 2;
    if (c == 0xE2 && i + 2 < len && (unsigned char)t[i + 1] == 0x80 &&
        ((unsigned char)t[i + 2] == 0xA8 || (unsigned char)t[i + 2] == 0xA9))
        return 3;
    return 0;
}

static int line_table_build(line_table *lt, arena *a, const char *t, size_t len)
{
    size_t n = 1;
    for (size_t i = 0; i < len;) {
        size_t b = break_len(t, len, i);
        if (b) {
            n++;
            i += b;
        } else {
            i++;
        }
    }
    lt->starts = ARENA_NEW_ARRAY(a, size_t, n);
    if (!lt->starts) return -1;
    lt->count = 0;
    /* libyaml skips a UTF-8 byte order mark before counting columns */
    size_t first = (len >= 3 && !memcmp(t, "\xEF\xBB\xBF", 3)) ? 3 : 0;
    lt->starts[lt->count++] = first;
    for (size_t i = first; i < len;) {
        size_t b = break_len(t, len, i);
        if (b) {
            i += b;
            lt->starts[lt->count++] = i;
        } else {
            i++;
        }
    }
    return 0;
}

/* Byte offset of libyaml's (0-based line, 0-based character column). */
static size_t mark_offset(line_table *lt, const char *t, size_t len, size_t line, size_t column)
{
    if (line >= lt->count) return len;
    size_t i = lt->starts[line], c = column;
    if (lt->last_line == line && lt->last_column <= column && lt->last_offset >= i) {
        i = lt->last_offset;
        c = column - lt->last_column;
    }
    while (c > 0 && i < len) {
        i++;
        while (i < len && ((unsigned char)t[i] & 0xC0) == 0x80)
            i++;
        c--;
    }
    lt->last_line = line;
    lt->last_column = column;
    lt->last_offset = i;
    return i;
}

/* 1-based line and byte column of a byte offset. */
static void offset_position(const line_table *lt, size_t off, int *line, int *column)
{
    size_t lo = 0, hi = lt->count;
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (lt->starts[mid] <= off)
            lo = mid;
        else
            hi = mid;
    }
    *line = (int)lo + 1;
    *column = (int)(off >= lt->starts[lo] ? off - lt->starts[lo] : 0) + 1;
}

/* ---- paths ------------------------------------------------------------- */

static bool plain_key(const char *k)
{
    if (!*k) return false;
    for (const char *p = k; *p; p++)
        if (!isalnum((unsigned char)*p) && *p != '_' && *p != '-') return false;
    return true;
}

static size_t path_write(const ypath *p, char *buf, size_t size, size_t at)
{
    if (!p) return at;
    at = path_write(p->up, buf, size, at);
    char piece[160];
    if (p->key) {
        if (plain_key(p->key))
            snprintf(piece, sizeof(piece), "%s%s", at ? "." : "", p->key);
        else
            snprintf(piece, sizeof(piece), "[\"%.120s\"]", p->key);
    } else {
        snprintf(piece, sizeof(piece), "[%zu]", p->index);
    }
    size_t n = strlen(piece);
    if (at + n < size) {
        memcpy(buf + at, piece, n + 1);
        return at + n;
    }
    return at;
}

void ypath_format(const ypath *p, char *buf, size_t size)
{
    if (size == 0) return;
    buf[0] = '\0';
    path_write(p, buf, size, 0);
}

/* ---- building ------------------------------------------------------------ */

typedef struct anchor {
    const char *name;
    const ynode *node;
} anchor;

typedef struct frame {
    ynode *node;
    const char *anchor;
    size_t weight; /* nodes below, aliases expanded */
    /* sequences: items; mappings: alternating keys and values */
    const ynode **kids;
    size_t nkids, capkids;
} frame;

typedef struct builder {
    arena *a;
    const char *name;
    const char *text;
    size_t len;
    line_table lines;
    sloeval_error *err;
    frame stack[YTREE_MAX_DEPTH + 1];
    int depth;
    anchor *anchors;
    size_t nanchors, capanchors;
    const ynode **docs;
    size_t ndocs, capdocs;
    bool aliased; /* the document uses an alias: node counts include its copies */
} builder;

/*
 * The path of the place being built: every open collection, with the key
 * whose value is pending or the index of the next item; `extra` (a key of
 * the innermost mapping) is appended when given.
 */
static void stack_path(const builder *b, const char *extra, char *buf, size_t size)
{
    ypath chain[YTREE_MAX_DEPTH + 2];
    const ypath *up = NULL;
    size_t n = 0;
    for (int d = 0; d < b->depth; d++) {
        const frame *f = &b->stack[d];
        if (f->node->kind == YNODE_MAP) {
            if (f->nkids % 2 == 0) continue;
            chain[n] = YPATH_KEY(up, f->kids[f->nkids - 1]->value);
        } else {
            chain[n] = YPATH_INDEX(up, f->nkids);
        }
        up = &chain[n++];
    }
    if (extra) {
        chain[n] = YPATH_KEY(up, extra);
        up = &chain[n++];
    }
    ypath_format(up, buf, size);
}

static int fail_path(builder *b, size_t off, const char *extra, int code, const char *fmt, ...)
    SLOEVAL_PRINTF(5, 6);

static int fail_vpath(builder *b, size_t off, const char *extra, int code, const char *fmt,
                      va_list ap)
{
    char msg[SLOEVAL_ERROR_MESSAGE_SIZE], where[256];
    vsnprintf(msg, sizeof(msg), fmt, ap);
    stack_path(b, extra, where, sizeof(where));
    int line, col;
    offset_position(&b->lines, off, &line, &col);
    if (!error_is_set(b->err)) {
        if (where[0])
            error_set(b->err, code, "%s:%d:%d: %s: %s", b->name, line, col, where, msg);
        else
            error_set(b->err, code, "%s:%d:%d: %s", b->name, line, col, msg);
        if (b->err) {
            b->err->line = line;
            b->err->column = col;
            b->err->start = b->err->end = off;
        }
    }
    return code;
}

static int fail_path(builder *b, size_t off, const char *extra, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_vpath(b, off, extra, code, fmt, ap);
    va_end(ap);
    return code;
}

static int fail_at(builder *b, size_t off, int code, const char *fmt, ...) SLOEVAL_PRINTF(4, 5);

static int fail_at(builder *b, size_t off, int code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fail_vpath(b, off, NULL, code, fmt, ap);
    va_end(ap);
    return code;
}

static int oom(builder *b)
{
    return error_set(b->err, SLOEVAL_ENOMEM, "%s: out of memory while reading YAML", b->name);
}

static void set_position(builder *b, ynode *n, const yaml_mark_t *start, const yaml_mark_t *end)
{
    n->start = mark_offset(&b->lines, b->text, b->len, start->line, start->column);
    n->end = mark_offset(&b->lines, b->text, b->len, end->line, end->column);
    if (n->end < n->start) n->end = n->start;
    offset_position(&b->lines, n->start, &n->line, &n->column);
}

static int define_anchor(builder *b, const char *name, const ynode *n)
{
    for (size_t i = 0; i < b->nanchors; i++) {
        if (!strcmp(b->anchors[i].name, name)) { /* YAML lets a later anchor replace one */
            b->anchors[i].node = n;
            return 0;
        }
    }
    if (b->nanchors >= MAX_ANCHORS)
        return fail_at(b, n->start, SLOEVAL_ECONFIG, "too many anchors (more than %d)",
                       MAX_ANCHORS);
    if (arena_grow(b->a, (void **)&b->anchors, &b->capanchors, b->nanchors + 1,
                   sizeof(*b->anchors)))
        return oom(b);
    b->anchors[b->nanchors].name = arena_strdup(b->a, name);
    if (!b->anchors[b->nanchors].name) return oom(b);
    b->anchors[b->nanchors++].node = n;
    return 0;
}

/* Over YTREE_MAX_NODES: aliases are only named when the document has some
 * (a large plain file was told "once aliases are expanded"). */
static int too_large(builder *b, size_t off)
{
    return fail_at(b, off, SLOEVAL_ECONFIG,
                   b->aliased ? "document too large: more than %d nodes once aliases are expanded"
                              : "document too large: more than %d nodes",
                   YTREE_MAX_NODES);
}

/* Add a complete node (an alias adds the anchored node again) to the open
 * collection, or make it a document. */
static int add_node(builder *b, const ynode *n)
{
    if (b->depth == 0) {
        if (arena_grow(b->a, (void **)&b->docs, &b->capdocs, b->ndocs + 1, sizeof(*b->docs)))
            return oom(b);
        b->docs[b->ndocs++] = n;
        return 0;
    }
    frame *f = &b->stack[b->depth - 1];
    if (f->node->kind == YNODE_MAP && f->nkids % 2 == 0 && n->kind != YNODE_SCALAR)
        return fail_at(b, n->start, SLOEVAL_ECONFIG, "a mapping key must be a scalar");
    if (arena_grow(b->a, (void **)&f->kids, &f->capkids, f->nkids + 1, sizeof(*f->kids)))
        return oom(b);
    f->kids[f->nkids++] = n;
    f->weight += n->weight;
    if (f->weight > YTREE_MAX_NODES) return too_large(b, f->node->start);
    return 0;
}

/* Attach a node just completed, with its weight and anchor. */
static int attach(builder *b, ynode *n, size_t weight, const char *anchor_name)
{
    if (weight > YTREE_MAX_NODES) return too_large(b, n->start);
    n->weight = weight;
    if (anchor_name) {
        int rc = define_anchor(b, anchor_name, n);
        if (rc) return rc;
    }
    return add_node(b, n);
}

static const char *copy_tag(builder *b, const yaml_char_t *tag)
{
    return tag ? arena_strdup(b->a, (const char *)tag) : NULL;
}

static int push(builder *b, ynode_kind kind, const yaml_mark_t *start, const yaml_mark_t *end,
                const yaml_char_t *anchor_name, const yaml_char_t *tag)
{
    ynode *n = ARENA_NEW(b->a, ynode);
    if (!n) return oom(b);
    n->kind = kind;
    set_position(b, n, start, end);
    if (b->depth >= YTREE_MAX_DEPTH)
        return fail_at(b, n->start, SLOEVAL_ECONFIG, "nesting deeper than %d levels",
                       YTREE_MAX_DEPTH);
    n->tag = copy_tag(b, tag);
    if (tag && !n->tag) return oom(b);
    frame *f = &b->stack[b->depth++];
    memset(f, 0, sizeof(*f));
    f->node = n;
    if (anchor_name) {
        f->anchor = arena_strdup(b->a, (const char *)anchor_name);
        if (!f->anchor) return oom(b);
    }
    f->weight = 1;
    return 0;
}

/* ---- key sets (duplicate keys, merge keys) ------------------------------- */

static uint64_t key_hash(const ynode *k)
{
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < k->len; i++) {
        h ^= (unsigned char)k->value[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static bool key_eq(const ynode *a, const ynode *b)
{
    return a->len == b->len && !memcmp(a->value, b->value, a->len);
}

/*
 * Add key k, about to become pairs[npairs] of the mapping being built, to
 * set (key hash -> index in pairs). Returns 0 when it is new, 1 with *first
 * set to the equal key among pairs[0 .. npairs), or -1 when out of memory.
 */
static int keyset_add(hmap *set, const ypair *pairs, size_t npairs, const ynode *k,
                      const ynode **first)
{
    uint64_t h = key_hash(k);
    size_t pos = HMAP_START;
    int32_t j;
    while ((j = hmap_next(set, h, &pos)) >= 0) {
        if (key_eq(pairs[j].key, k)) {
            *first = pairs[j].key;
            return 1;
        }
    }
    return hmap_put(set, h, (int32_t)npairs);
}

static bool is_merge_key(const ynode *k)
{
    if (k->tag) return !strcmp(k->tag, TAG_MERGE);
    return k->style == YSTYLE_PLAIN && k->len == 2 && !memcmp(k->value, "<<", 2);
}

/* Turn a mapping frame's alternating keys/values into pairs, applying merges. */
static int finish_mapping(builder *b, frame *f)
{
    ynode *n = f->node;
    size_t nkv = f->nkids / 2;
    size_t total = nkv;
    /* how many pairs merges could bring in */
    for (size_t i = 0; i < nkv; i++) {
        const ynode *k = f->kids[2 * i], *v = f->kids[2 * i + 1];
        if (!is_merge_key(k)) continue;
        if (v->kind == YNODE_MAP) {
            total += v->npairs;
        } else if (v->kind == YNODE_SEQ) {
            for (size_t j = 0; j < v->count; j++) {
                if (v->items[j]->kind != YNODE_MAP)
                    return fail_at(b, v->items[j]->start, SLOEVAL_ECONFIG,
                                   "a merge key (<<) takes a mapping or a list of mappings");
                total += v->items[j]->npairs;
            }
        } else {
            return fail_at(b, v->start, SLOEVAL_ECONFIG,
                           "a merge key (<<) takes a mapping or a list of mappings");
        }
    }
    n->pairs = ARENA_NEW_ARRAY(b->a, ypair, total ? total : 1);
    if (!n->pairs) return oom(b);
    if (total >= INT32_MAX) return fail_at(b, n->start, SLOEVAL_ECONFIG, "mapping too large");
    hmap set;
    if (hmap_init(&set, NULL, total)) return oom(b);
    int rc = 0;
    bool merged = false;
    for (size_t i = 0; i < nkv; i++) {
        const ynode *k = f->kids[2 * i];
        if (is_merge_key(k)) {
            if (merged) {
                rc = fail_at(b, k->start, SLOEVAL_ECONFIG, "duplicate merge key (<<)");
                goto out;
            }
            merged = true;
            continue;
        }
        const ynode *first = NULL;
        int added = keyset_add(&set, n->pairs, n->npairs, k, &first);
        if (added < 0) {
            rc = oom(b);
            goto out;
        }
        if (added) {
            rc = fail_path(b, k->start, k->value, SLOEVAL_ECONFIG,
                           "duplicate key (first at line %d)", first->line);
            goto out;
        }
        n->pairs[n->npairs++] = (ypair){k, f->kids[2 * i + 1]};
    }
    /* merged keys: explicit keys win, then earlier sources over later ones */
    for (size_t i = 0; i < nkv; i++) {
        const ynode *k = f->kids[2 * i], *v = f->kids[2 * i + 1];
        if (!is_merge_key(k)) continue;
        size_t nsrc = v->kind == YNODE_MAP ? 1 : v->count;
        for (size_t s = 0; s < nsrc; s++) {
            const ynode *src = v->kind == YNODE_MAP ? v : v->items[s];
            for (size_t j = 0; j < src->npairs; j++) {
                const ynode *first = NULL;
                int added = keyset_add(&set, n->pairs, n->npairs, src->pairs[j].key, &first);
                if (added < 0) {
                    rc = oom(b);
                    goto out;
                }
                if (!added) n->pairs[n->npairs++] = src->pairs[j];
            }
        }
    }
out:
    hmap_free(&set);
    return rc;
}

static int pop(builder *b, const yaml_mark_t *end)
{
    frame *f = &b->stack[b->depth - 1];
    ynode *n = f->node;
    n->end = mark_offset(&b->lines, b->text, b->len, end->line, end->column);
    if (n->end < n->start) n->end = n->start;
    if (n->kind == YNODE_SEQ) {
        n->items = f->kids;
        n->count = f->nkids;
    } else {
        int rc = finish_mapping(b, f);
        if (rc) return rc;
    }
    size_t weight = f->weight;
    const char *anchor_name = f->anchor;
    b->depth--;
    return attach(b, n, weight, anchor_name);
}

static int scalar(builder *b, const yaml_event_t *e)
{
    ynode *n = ARENA_NEW(b->a, ynode);
    if (!n) return oom(b);
    n->kind = YNODE_SCALAR;
    set_position(b, n, &e->start_mark, &e->end_mark);
    const char *v = (const char *)e->data.scalar.value;
    size_t len = e->data.scalar.length;
    if (memchr(v, '\0', len))
        return fail_at(b, n->start, SLOEVAL_ECONFIG, "a NUL character is not allowed in a value");
    n->value = arena_strndup(b->a, v, len);
    if (!n->value) return oom(b);
    n->len = len;
    n->tag = copy_tag(b, e->data.scalar.tag);
    if (e->data.scalar.tag && !n->tag) return oom(b);
    switch (e->data.scalar.style) {
    case YAML_SINGLE_QUOTED_SCALAR_STYLE: n->style = YSTYLE_SINGLE; break;
    case YAML_DOUBLE_QUOTED_SCALAR_STYLE: n->style = YSTYLE_DOUBLE; break;
    case YAML_LITERAL_SCALAR_STYLE: n->style = YSTYLE_LITERAL; break;
    case YAML_FOLDED_SCALAR_STYLE: n->style = YSTYLE_FOLDED; break;
    default: n->style = YSTYLE_PLAIN; break;
    }
    const char *anchor_name = NULL;
    if (e->data.scalar.anchor) {
        anchor_name = arena_strdup(b->a, (const char *)e->data.scalar.anchor);
        if (!anchor_name) return oom(b);
    }
    return attach(b, n, 1, anchor_name);
}

static int alias(builder *b, const yaml_event_t *e)
{
    const char *name = (const char *)e->data.alias.anchor;
    size_t off = mark_offset(&b->lines, b->text, b->len, e->start_mark.line, e->start_mark.column);
    for (size_t i = b->nanchors; i-- > 0;) {
        if (!strcmp(b->anchors[i].name, name)) {
            const ynode *n = b->anchors[i].node;
            b->aliased = true;
            return add_node(b, n);
        }
    }
    /* an anchor on a node that is still open would make a cycle */
    for (int d = 0; d < b->depth; d++)
        if (b->stack[d].anchor && !strcmp(b->stack[d].anchor, name))
            return fail_at(b, off, SLOEVAL_ECONFIG,
                           "alias *%s refers to a node that contains it (a cycle)", name);
    return fail_at(b, off, SLOEVAL_ECONFIG, "unknown anchor in alias *%s", name);
}

static int syntax_error(builder *b, const yaml_parser_t *p)
{
    if (p->error == YAML_MEMORY_ERROR) return oom(b);
    size_t off;
    if (p->error == YAML_READER_ERROR)
        off = p->problem_offset < b->len ? p->problem_offset : b->len;
    else
        off = mark_offset(&b->lines, b->text, b->len, p->problem_mark.line, p->problem_mark.column);
    const char *problem = p->problem ? p->problem : "malformed YAML";
    if (p->error == YAML_READER_ERROR)
        return fail_at(b, off, SLOEVAL_ECONFIG, "YAML syntax error: %s (the file must be UTF-8)",
                       problem);
    if (p->context) {
        int cl, cc;
        size_t coff =
            mark_offset(&b->lines, b->text, b->len, p->context_mark.line, p->context_mark.column);
        offset_position(&b->lines, coff, &cl, &cc);
        return fail_at(b, off, SLOEVAL_ECONFIG, "YAML syntax error: %s %s at line %d column %d",
                       problem, p->context, cl, cc);
    }
    return fail_at(b, off, SLOEVAL_ECONFIG, "YAML syntax error: %s", problem);
}

int ytree_load(yfile *out, arena *a, const char *name, const char *text, size_t len,
               sloeval_error *err)
{
    memset(out, 0, sizeof(*out));
    builder b;
    memset(&b, 0, sizeof(b));
    b.a = a;
    b.err = err;
    b.name = arena_strdup(a, name ? name : "<string>");
    b.text = arena_strndup(a, text, len);
    b.len = len;
    if (!b.name || !b.text || line_table_build(&b.lines, a, b.text, len)) {
        b.name = name ? name : "<string>";
        return oom(&b);
    }
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p)) return oom(&b);
    yaml_parser_set_input_string(&p, (const unsigned char *)b.text, len);
    yaml_parser_set_encoding(&p, YAML_UTF8_ENCODING);
    int rc = 0;
    bool done = false;
    while (!done && rc == 0) {
        yaml_event_t e;
        if (!yaml_parser_parse(&p, &e)) {
            rc = syntax_error(&b, &p);
            break;
        }
        switch (e.type) {
        case YAML_STREAM_END_EVENT: done = true; break;
        case YAML_DOCUMENT_START_EVENT:
            /* anchors do not cross documents */
            b.nanchors = 0;
            b.aliased = false;
            break;
        case YAML_SCALAR_EVENT: rc = scalar(&b, &e); break;
        case YAML_ALIAS_EVENT: rc = alias(&b, &e); break;
        case YAML_SEQUENCE_START_EVENT:
            rc = push(&b, YNODE_SEQ, &e.start_mark, &e.end_mark, e.data.sequence_start.anchor,
                      e.data.sequence_start.tag);
            break;
        case YAML_MAPPING_START_EVENT:
            rc = push(&b, YNODE_MAP, &e.start_mark, &e.end_mark, e.data.mapping_start.anchor,
                      e.data.mapping_start.tag);
            break;
        case YAML_SEQUENCE_END_EVENT:
        case YAML_MAPPING_END_EVENT: rc = pop(&b, &e.end_mark); break;
        default: break;
        }
        yaml_event_delete(&e);
    }
    yaml_parser_delete(&p);
    if (rc) return rc;
    out->name = b.name;
    out->text = b.text;
    out->len = len;
    out->docs = b.docs;
    out->ndocs = b.ndocs;
    return 0;
}

/* ---- queries ------------------------------------------------------------- */

const ypair *ynode_get_pair(const ynode *map, const char *key)
{
    if (!map || map->kind != YNODE_MAP) return NULL;
    size_t klen = strlen(key);
    for (size_t i = 0; i < map->npairs; i++) {
        const ynode *k = map->pairs[i].key;
        if (k->len == klen && !memcmp(k->value, key, klen)) return &map->pairs[i];
    }
    return NULL;
}

const ynode *ynode_get(const ynode *map, const char *key)
{
    const ypair *p = ynode_get_pair(map, key);
    return p ? p->value : NULL;
}

bool ynode_is_plain(const ynode *n)
{
    return n && n->kind == YNODE_SCALAR && n->style == YSTYLE_PLAIN && !n->tag;
}

bool ynode_is_null(const ynode *n)
{
    if (!n || n->kind != YNODE_SCALAR) return false;
    if (n->tag) return !strcmp(n->tag, TAG_NULL);
    if (n->style != YSTYLE_PLAIN) return false;
    return n->len == 0 || !strcmp(n->value, "~") || !strcmp(n->value, "null") ||
           !strcmp(n->value, "Null") || !strcmp(n->value, "NULL");
}

const char *ynode_kind_name(const ynode *n)
{
    if (!n) return "nothing";
    if (ynode_is_null(n)) return "null";
    switch (n->kind) {
    case YNODE_SCALAR: return "a scalar";
    case YNODE_SEQ: return "a list";
    case YNODE_MAP: return "a mapping";
    }
    return "a node";
}

static bool has_break(const char *t, size_t from, size_t to)
{
    for (size_t i = from; i < to; i++)
        if (t[i] == '\n' || t[i] == '\r') return true;
    return false;
}

/* Where the value's byte `offset` is in a literal block scalar (| ...). */
static bool literal_offset(const yfile *f, const ynode *n, size_t offset, size_t *out)
{
    const char *t = f->text;
    size_t i = n->start, end = n->end < f->len ? n->end : f->len;
    if (i >= end || t[i] != '|') return false;
    size_t explicit_indent = 0;
    while (i < end && t[i] != '\n' && t[i] != '\r') {
        if (t[i] >= '1' && t[i] <= '9' && explicit_indent == 0)
            explicit_indent = (size_t)(t[i] - '0');
        if (t[i] == '#') break;
        i++;
    }
    while (i < end && t[i] != '\n' && t[i] != '\r')
        i++;
    if (i < end && t[i] == '\r') i++;
    if (i < end && t[i] == '\n') i++;
    /* indentation: the explicit indicator (relative to the parent, which we
     * take as the key's column), or the first non-empty line's */
    if (explicit_indent) return false;
    /* the end of the value (where "end of input" errors point) is the end
     * of its last line, not the line after it */
    if (offset == n->len && n->len > 0 && n->value[n->len - 1] == '\n') offset--;
    size_t indent = 0;
    for (size_t j = i;;) {
        size_t s = j;
        while (j < end && t[j] == ' ')
            j++;
        if (j < end && (t[j] == '\n' || t[j] == '\r')) {
            j++;
            continue;
        }
        indent = j - s;
        break;
    }
    /* walk the value and the source together */
    size_t v = 0;
    while (i <= end) {
        size_t col = 0;
        while (col < indent && i < end && t[i] == ' ') {
            i++;
            col++;
        }
        while (i < end && t[i] != '\n' && t[i] != '\r') {
            if (v == offset) {
                *out = i;
                return true;
            }
            if (v >= n->len || n->value[v] != t[i]) return false;
            v++;
            i++;
        }
        if (i >= end) break;
        if (v == offset) {
            *out = i;
            return true;
        }
        if (v >= n->len || n->value[v] != '\n') return false;
        v++;
        if (t[i] == '\r' && i + 1 < end && t[i + 1] == '\n') i++;
        i++;
    }
    return false;
}

bool ynode_value_position(const yfile *f, const ynode *n, size_t offset, int *line, int *column)
{
    *line = n->line;
    *column = n->column;
    if (n->kind != YNODE_SCALAR || offset > n->len) return false;
    size_t origin = SIZE_MAX;
    const char *t = f->text;
    size_t end = n->end;
    switch (n->style) {
    case YSTYLE_PLAIN:
        if (end >= n->len && end <= f->len && !memcmp(t + end - n->len, n->value, n->len) &&
            !has_break(t, n->start, end))
            origin = end - n->len;
        break;
    case YSTYLE_SINGLE:
    case YSTYLE_DOUBLE:
        if (end >= n->len + 2 && end <= f->len && !memcmp(t + end - 1 - n->len, n->value, n->len) &&
            t[end - 2 - n->len] == t[end - 1] && !has_break(t, n->start, end))
            origin = end - 1 - n->len;
        break;
    case YSTYLE_LITERAL: {
        size_t at;
        if (!literal_offset(f, n, offset, &at)) return false;
        /* count lines from the node's start */
        int l = n->line;
        size_t ls = n->start - (size_t)(n->column - 1);
        for (size_t i = n->start; i < at; i++) {
            size_t b = break_len(t, f->len, i);
            if (b) {
                l++;
                i += b - 1;
                ls = i + 1;
            }
        }
        *line = l;
        *column = (int)(at - ls) + 1;
        return true;
    }
    case YSTYLE_FOLDED: break;
    }
    if (origin == SIZE_MAX) return false;
    /* single line: same line, shifted column */
    size_t line_start = n->start - (size_t)(n->column - 1);
    *column = (int)(origin + offset - line_start) + 1;
    return true;
}
