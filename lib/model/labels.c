/* Label sets: sorted, hashed, immutable, shared by pointer. */
#include "model/model.h"

#include <stdlib.h>

#include "model/hash.h"
#include "util/strbuf.h"
#include "util/text.h"

/* The hash of zero pairs is 0, here and in hash_pairs. */
static const labels empty_labels = {0, 0};

const labels *labels_empty(void)
{
    return &empty_labels;
}

static uint64_t hash_pairs(const label *pairs, size_t n)
{
    if (n == 0) return 0;
    uint64_t h = HASH_SEED_LABELS;
    for (size_t i = 0; i < n; i++) {
        h = hash_bytes(h, pairs[i].name.ptr, pairs[i].name.len);
        h = hash_bytes(h ^ HASH_SEP, pairs[i].value.ptr, pairs[i].value.len);
    }
    return hash_finish(h, n);
}

uint64_t labels_hash_sorted(const label *pairs, size_t n)
{
    return hash_pairs(pairs, n);
}

static int pair_cmp(const void *a, const void *b)
{
    return strv_cmp(((const label *)a)->name, ((const label *)b)->name);
}

void labels_sort_pairs(label *p, size_t n)
{
    /* usually sorted already (and small): insertion sort, else qsort */
    if (n > 16) {
        qsort(p, n, sizeof(*p), pair_cmp);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        label x = p[i];
        size_t j = i;
        while (j > 0 && strv_cmp(p[j - 1].name, x.name) > 0) {
            p[j] = p[j - 1];
            j--;
        }
        p[j] = x;
    }
}

static labels *alloc_labels(arena *a, size_t n)
{
    if (n > (SIZE_MAX - sizeof(labels)) / sizeof(label)) return NULL;
    labels *ls = arena_alloc(a, sizeof(labels) + n * sizeof(label));
    if (ls) ls->count = n;
    return ls;
}

static bool copy_str(arena *a, strv *s)
{
    if (s->len == 0) {
        s->ptr = "";
        return true;
    }
    char *p = arena_strndup(a, s->ptr, s->len);
    if (!p) return false;
    s->ptr = p;
    return true;
}

const labels *labels_make(arena *a, const label *pairs, size_t n, bool borrow, bool *dup)
{
    if (dup) *dup = false;
    size_t keep = 0;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].value.len > 0) keep++;
    if (keep == 0) return labels_empty();
    labels *ls = alloc_labels(a, keep);
    if (!ls) return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].value.len > 0) ls->pairs[k++] = pairs[i];
    labels_sort_pairs(ls->pairs, keep);
    for (size_t i = 1; i < keep; i++) {
        if (strv_eq(ls->pairs[i - 1].name, ls->pairs[i].name)) {
            if (dup) *dup = true;
            return NULL;
        }
    }
    if (!borrow) {
        for (size_t i = 0; i < keep; i++) {
            if (!copy_str(a, &ls->pairs[i].name) || !copy_str(a, &ls->pairs[i].value)) return NULL;
        }
    }
    ls->hash = hash_pairs(ls->pairs, keep);
    return ls;
}

const labels *labels_from_sorted(arena *a, const label *pairs, size_t n)
{
    if (n == 0) return labels_empty();
    labels *ls = alloc_labels(a, n);
    if (!ls) return NULL;
    memcpy(ls->pairs, pairs, n * sizeof(label));
    ls->hash = hash_pairs(ls->pairs, n);
    return ls;
}

strv labels_get(const labels *ls, strv name)
{
    size_t lo = 0, hi = ls->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strv_cmp(ls->pairs[mid].name, name);
        if (c == 0) return ls->pairs[mid].value;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return STRV_NULL;
}

bool labels_equal(const labels *a, const labels *b)
{
    if (a == b) return true;
    if (a->hash != b->hash || a->count != b->count) return false;
    for (size_t i = 0; i < a->count; i++) {
        if (!strv_eq(a->pairs[i].name, b->pairs[i].name) ||
            !strv_eq(a->pairs[i].value, b->pairs[i].value))
            return false;
    }
    return true;
}

int labels_compare(const labels *a, const labels *b)
{
    size_t n = a->count < b->count ? a->count : b->count;
    for (size_t i = 0; i < n; i++) {
        int c = strv_cmp(a->pairs[i].name, b->pairs[i].name);
        if (c) return c < 0 ? -1 : 1;
        c = strv_cmp(a->pairs[i].value, b->pairs[i].value);
        if (c) return c < 0 ? -1 : 1;
    }
    return a->count < b->count ? -1 : (a->count > b->count ? 1 : 0);
}

static bool name_listed(strv name, const strv *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (strv_eq(name, names[i])) return true;
    return false;
}

static bool is_metric_name(strv name)
{
    return strv_eq(name, STRV_LIT(METRIC_NAME_LABEL));
}

/*
 * A new set with the pairs of `ls` for which keep() is true, or `ls` itself
 * when every pair stays. The name and value strings are shared with `ls`
 * (label sets are immutable), so the result lives no longer than `ls`.
 */
typedef bool (*keep_fn)(strv name, const strv *names, size_t n, bool flag);

static const labels *filter(arena *a, const labels *ls, keep_fn keep, const strv *names, size_t n,
                            bool flag)
{
    size_t k = 0;
    for (size_t i = 0; i < ls->count; i++)
        if (keep(ls->pairs[i].name, names, n, flag)) k++;
    if (k == ls->count) return ls;
    if (k == 0) return labels_empty();
    labels *out = alloc_labels(a, k);
    if (!out) return NULL;
    k = 0;
    for (size_t i = 0; i < ls->count; i++)
        if (keep(ls->pairs[i].name, names, n, flag)) out->pairs[k++] = ls->pairs[i];
    out->hash = hash_pairs(out->pairs, k);
    return out;
}

static bool keep_not_name(strv name, const strv *names, size_t n, bool flag)
{
    return !is_metric_name(name);
}

static bool keep_listed(strv name, const strv *names, size_t n, bool flag)
{
    return name_listed(name, names, n);
}

static bool keep_unlisted(strv name, const strv *names, size_t n, bool also_name)
{
    if (also_name && is_metric_name(name)) return false;
    return !name_listed(name, names, n);
}

const labels *labels_drop_name(arena *a, const labels *ls)
{
    return filter(a, ls, keep_not_name, NULL, 0, false);
}

const labels *labels_keep_only(arena *a, const labels *ls, const strv *names, size_t n)
{
    return filter(a, ls, keep_listed, names, n, false);
}

const labels *labels_drop(arena *a, const labels *ls, const strv *names, size_t n, bool also_name)
{
    return filter(a, ls, keep_unlisted, names, n, also_name);
}

const labels *labels_set(arena *a, const labels *ls, strv name, strv val)
{
    size_t pos = 0;
    bool found = false;
    while (pos < ls->count) {
        int c = strv_cmp(ls->pairs[pos].name, name);
        if (c == 0) {
            found = true;
            break;
        }
        if (c > 0) break;
        pos++;
    }
    if (val.len == 0) {
        if (!found) return ls;
        strv one[1] = {name};
        return filter(a, ls, keep_unlisted, one, 1, false);
    }
    if (found && strv_eq(ls->pairs[pos].value, val)) return ls;
    size_t n = ls->count + (found ? 0 : 1);
    labels *out = alloc_labels(a, n);
    if (!out) return NULL;
    label nl = {name, val};
    if (!copy_str(a, &nl.name) || !copy_str(a, &nl.value)) return NULL;
    memcpy(out->pairs, ls->pairs, pos * sizeof(label));
    out->pairs[pos] = nl;
    size_t rest = ls->count - pos - (found ? 1 : 0);
    memcpy(out->pairs + pos + 1, ls->pairs + pos + (found ? 1 : 0), rest * sizeof(label));
    out->hash = hash_pairs(out->pairs, n);
    return out;
}

static bool subset_keeps(strv name, const strv *names, size_t n, bool on)
{
    if (on) return name_listed(name, names, n);
    return !is_metric_name(name) && !name_listed(name, names, n);
}

uint64_t labels_hash_subset(const labels *ls, const strv *names, size_t n, bool on)
{
    uint64_t h = HASH_SEED_LABELS;
    size_t k = 0;
    for (size_t i = 0; i < ls->count; i++) {
        const label *p = &ls->pairs[i];
        if (!subset_keeps(p->name, names, n, on)) continue;
        h = hash_bytes(h, p->name.ptr, p->name.len);
        h = hash_bytes(h ^ HASH_SEP, p->value.ptr, p->value.len);
        k++;
    }
    return hash_finish(h, k);
}

bool labels_subset_equal(const labels *a, const labels *b, const strv *names, size_t n, bool on)
{
    size_t i = 0, j = 0;
    for (;;) {
        while (i < a->count && !subset_keeps(a->pairs[i].name, names, n, on))
            i++;
        while (j < b->count && !subset_keeps(b->pairs[j].name, names, n, on))
            j++;
        if (i == a->count || j == b->count) return i == a->count && j == b->count;
        if (!strv_eq(a->pairs[i].name, b->pairs[j].name) ||
            !strv_eq(a->pairs[i].value, b->pairs[j].value))
            return false;
        i++;
        j++;
    }
}

bool label_name_is_legacy(strv s)
{
    if (s.len == 0) return false;
    for (size_t i = 0; i < s.len; i++) {
        char c = s.ptr[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                  (i > 0 && c >= '0' && c <= '9');
        if (!ok) return false;
    }
    return true;
}

/* ---- Go's strconv.Quote ------------------------------------------------ */

void quote_go_string(strbuf *sb, strv s)
{
    text_append_quoted(sb, s.ptr, s.len, '"');
}

void labels_append_string(strbuf *sb, const labels *ls)
{
    strbuf_putc(sb, '{');
    for (size_t i = 0; i < ls->count; i++) {
        if (i) strbuf_append(sb, ", ", 2);
        strbuf_append(sb, ls->pairs[i].name.ptr, ls->pairs[i].name.len);
        strbuf_putc(sb, '=');
        quote_go_string(sb, ls->pairs[i].value);
    }
    strbuf_putc(sb, '}');
}

char *labels_to_string(const labels *ls)
{
    strbuf sb = STRBUF_INIT;
    labels_append_string(&sb, ls);
    return strbuf_detach(&sb);
}
