/* The in-memory source: see memory.h for the storage rules. */
#include "source/memory.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "model/hash.h"
#include "regex/regex.h"
#include "util/error.h"
#include "util/hmap.h"
#include "util/prefetch.h"

/* ---- the store --------------------------------------------------------------- */

typedef struct ids {
    uint32_t *v;
    size_t n, cap;
} ids;

static int ids_push(ids *a, uint32_t x)
{
    if (a->n == a->cap) {
        size_t ncap = a->cap ? a->cap * 2 : 4;
        uint32_t *nv = realloc(a->v, ncap * sizeof(uint32_t));
        if (!nv) return -1;
        a->v = nv;
        a->cap = ncap;
    }
    a->v[a->n++] = x;
    return 0;
}

typedef struct value_ent {
    strv val;
    ids postings; /* sorted series ids */
} value_ent;

typedef struct name_ent {
    strv name;
    hmap values; /* pair_hash(name, value) -> index in ents */
    value_ent *ents;
    size_t n, cap;
} name_ent;

typedef struct mseries {
    const labels *ls;
    sample *samples;
    size_t count;     /* appended, including a load's pending samples */
    size_t committed; /* visible */
    size_t cap;
    int64_t first_t;      /* samples[0].t when count > 0 (to guess where a time is) */
    size_t nstale;        /* staleness markers among samples[0 .. count) */
    const labels *noname; /* ls without __name__, made on first use by select_info */
    uint32_t epoch;       /* the load that last touched it */
    bool type_unit;       /* ls has __type__ or __unit__ (set with noname) */
} mseries;

typedef struct memory_source {
    sloeval_source base;
    arena a; /* label sets and their strings */
    mseries *series;
    size_t nseries, capseries;
    hmap table; /* series by label-set hash -> id */
    hmap names; /* hash_string(name) -> index in nents */
    name_ent *nents;
    size_t nnames, capnames;
    /* the load in progress */
    bool loading;
    uint32_t epoch;
    ids touched;
    size_t series_before;
    label *scratch;
    size_t capscratch;
    uint32_t last; /* last series appended to, + 1 */
    /* Series ids follow the label order (so the postings lists, sorted by
     * id, are in label order too and answers need no sort); false after
     * a series was added out of order, until the next select renumbers. */
    bool ordered;
} memory_source;

static const source_vtable memory_vtable;

bool memory_is_source(const sloeval_source *src)
{
    return src && src->vt == &memory_vtable;
}

static memory_source *M(sloeval_source *src)
{
    return (memory_source *)src;
}

arena *memory_arena(sloeval_source *src)
{
    return &M(src)->a;
}

static uint64_t pair_hash(strv name, strv val)
{
    return hash_finish(
        hash_bytes(hash_bytes(HASH_P1, name.ptr, name.len) ^ HASH_SEP, val.ptr, val.len), 2);
}

/* The index in m->nents of label name `name` (hash h), or -1. */
static int32_t find_name(const memory_source *m, strv name, uint64_t h)
{
    size_t pos = HMAP_START;
    int32_t i;
    while ((i = hmap_next(&m->names, h, &pos)) >= 0)
        if (strv_eq(m->nents[i].name, name)) break;
    return i;
}

/* The index in ne->ents of value `val` (hash h: pair_hash), or -1. */
static int32_t find_value(const name_ent *ne, strv val, uint64_t h)
{
    size_t pos = HMAP_START;
    int32_t i;
    while ((i = hmap_next(&ne->values, h, &pos)) >= 0)
        if (strv_eq(ne->ents[i].val, val)) break;
    return i;
}

static int index_series(memory_source *m, uint32_t id)
{
    const labels *ls = m->series[id].ls;
    for (size_t i = 0; i < ls->count; i++) {
        strv name = ls->pairs[i].name, val = ls->pairs[i].value;
        uint64_t hn = hash_string(name.ptr, name.len);
        int32_t found = find_name(m, name, hn);
        uint32_t ni;
        if (found >= 0) {
            ni = (uint32_t)found;
        } else {
            if (m->nnames == m->capnames) {
                size_t ncap = m->capnames ? m->capnames * 2 : 16;
                name_ent *nn = realloc(m->nents, ncap * sizeof(*nn));
                if (!nn) return -1;
                m->nents = nn;
                m->capnames = ncap;
            }
            ni = (uint32_t)m->nnames;
            memset(&m->nents[ni], 0, sizeof(name_ent));
            m->nents[ni].name = name;
            if (hmap_put(&m->names, hn, (int32_t)ni)) return -1;
            m->nnames++;
        }
        name_ent *ne = &m->nents[ni];
        uint64_t hv = pair_hash(name, val);
        found = find_value(ne, val, hv);
        uint32_t vi;
        if (found >= 0) {
            vi = (uint32_t)found;
        } else {
            if (ne->n == ne->cap) {
                size_t ncap = ne->cap ? ne->cap * 2 : 4;
                value_ent *nv = realloc(ne->ents, ncap * sizeof(*nv));
                if (!nv) return -1;
                ne->ents = nv;
                ne->cap = ncap;
            }
            vi = (uint32_t)ne->n;
            memset(&ne->ents[vi], 0, sizeof(value_ent));
            ne->ents[vi].val = val;
            if (hmap_put(&ne->values, hv, (int32_t)vi)) return -1;
            ne->n++;
        }
        if (ids_push(&ne->ents[vi].postings, id)) return -1;
    }
    return 0;
}

static bool pairs_equal(const labels *ls, const label *p, size_t n)
{
    if (ls->count != n) return false;
    for (size_t i = 0; i < n; i++)
        if (!strv_eq(ls->pairs[i].name, p[i].name) || !strv_eq(ls->pairs[i].value, p[i].value))
            return false;
    return true;
}

/* The id of the series with these sorted pairs, or UINT32_MAX. */
static uint32_t find_series(const memory_source *m, const label *p, size_t n, uint64_t h)
{
    if (m->last && m->series[m->last - 1].ls->hash == h &&
        pairs_equal(m->series[m->last - 1].ls, p, n))
        return m->last - 1;
    size_t pos = HMAP_START;
    int32_t id;
    while ((id = hmap_next(&m->table, h, &pos)) >= 0)
        if (pairs_equal(m->series[id].ls, p, n)) return (uint32_t)id;
    return UINT32_MAX;
}

static int new_series(memory_source *m, const labels *ls, uint32_t *out)
{
    if (m->nseries >= INT32_MAX) return -1; /* ids are hmap values */
    if (m->nseries == m->capseries) {
        size_t ncap = m->capseries ? m->capseries * 2 : 64;
        mseries *ns = realloc(m->series, ncap * sizeof(*ns));
        if (!ns) return -1;
        m->series = ns;
        m->capseries = ncap;
    }
    uint32_t id = (uint32_t)m->nseries;
    memset(&m->series[id], 0, sizeof(mseries));
    m->series[id].ls = ls;
    m->nseries++;
    if (id > 0 && m->ordered && labels_compare(m->series[id - 1].ls, ls) > 0) m->ordered = false;
    if (hmap_put(&m->table, ls->hash, (int32_t)id) || index_series(m, id)) {
        /* leave the store consistent: the series exists, without samples */
        return -1;
    }
    *out = id;
    return 0;
}

static void describe(strbuf *sb, const labels *ls)
{
    strv name = labels_get(ls, STRV_LIT(METRIC_NAME_LABEL));
    if (name.ptr) strbuf_append(sb, name.ptr, name.len);
    const labels *rest = ls;
    strbuf tmp = STRBUF_INIT;
    strbuf_putc(&tmp, '{');
    size_t k = 0;
    for (size_t i = 0; i < rest->count; i++) {
        if (strv_eq_cstr(rest->pairs[i].name, METRIC_NAME_LABEL)) continue;
        if (k++) strbuf_append(&tmp, ", ", 2);
        strbuf_append(&tmp, rest->pairs[i].name.ptr, rest->pairs[i].name.len);
        strbuf_putc(&tmp, '=');
        quote_go_string(&tmp, rest->pairs[i].value);
    }
    strbuf_putc(&tmp, '}');
    if (k || !name.ptr) strbuf_append(sb, tmp.data, tmp.len);
    strbuf_free(&tmp);
}

static int append_to(memory_source *m, uint32_t id, int64_t t, double v, const char *where,
                     sloeval_error *err)
{
    mseries *s = &m->series[id];
    m->last = id + 1;
    if (s->count > 0) {
        const sample *lastp = &s->samples[s->count - 1];
        if (t <= lastp->t) {
            uint64_t a, b;
            memcpy(&a, &lastp->v, 8);
            memcpy(&b, &v, 8);
            if (t == lastp->t && a == b) return 0; /* an exact repeat, dropped as the TSDB does */
            strbuf sb = STRBUF_INIT;
            describe(&sb, s->ls);
            int rc;
            if (t == lastp->t)
                rc = error_set(err, SLOEVAL_EDATA,
                               "%s%sduplicate sample for timestamp %lld with a different value "
                               "for series %s",
                               where ? where : "", where ? ": " : "", (long long)t,
                               strbuf_cstr(&sb));
            else
                rc = error_set(err, SLOEVAL_EDATA,
                               "%s%sout of order sample: timestamp %lld is before %lld, the last "
                               "one of series %s",
                               where ? where : "", where ? ": " : "", (long long)t,
                               (long long)lastp->t, strbuf_cstr(&sb));
            strbuf_free(&sb);
            return rc;
        }
    }
    if (s->count == s->cap) {
        size_t ncap = s->cap ? s->cap * 2 : 16;
        sample *ns = realloc(s->samples, ncap * sizeof(sample));
        if (!ns) return error_set(err, SLOEVAL_ENOMEM, "out of memory storing samples");
        s->samples = ns;
        s->cap = ncap;
    }
    if (s->count == 0) s->first_t = t;
    if (value_is_stale(v)) s->nstale++;
    s->samples[s->count++] = (sample){t, v};
    if (!m->loading) {
        s->committed = s->count;
    } else if (s->epoch != m->epoch) {
        s->epoch = m->epoch;
        if (ids_push(&m->touched, id)) {
            if (value_is_stale(v)) s->nstale--;
            s->count--;
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
    }
    return 0;
}

/* A store copy of a string: NULL when out of memory. */
static const char *store_string(memory_source *m, strv str)
{
    return str.len ? arena_strndup(&m->a, str.ptr, str.len) : "";
}

/*
 * The store's label set for k pairs sorted by name (unique names, no empty
 * values), each name and value string shared with the series that have it
 * already (the index holds the first copy of each): a new series then
 * takes little room beyond its pair array, and equal strings of two series
 * are the same pointer. NULL when out of memory.
 */
static const labels *store_labels(memory_source *m, const label *p, size_t k)
{
    label small[16];
    label *q = k <= 16 ? small : malloc(k * sizeof(label));
    if (!q) return NULL;
    const labels *ls = NULL;
    for (size_t i = 0; i < k; i++) {
        strv name = p[i].name, val = p[i].value;
        int32_t ni = find_name(m, name, hash_string(name.ptr, name.len));
        int32_t vi = -1;
        if (ni >= 0) {
            const name_ent *ne = &m->nents[ni];
            name = ne->name;
            vi = find_value(ne, val, pair_hash(name, val));
            if (vi >= 0) val = ne->ents[vi].val;
        } else {
            name.ptr = store_string(m, name);
        }
        if (vi < 0) val.ptr = store_string(m, val);
        if (!name.ptr || !val.ptr) goto done;
        q[i] = (label){name, val};
    }
    ls = labels_make(&m->a, q, k, true, NULL);
done:
    if (q != small) free(q);
    return ls;
}

int memory_load_append(sloeval_source *src, const label *pairs, size_t n, int64_t t, double v,
                       const char *where, sloeval_error *err)
{
    memory_source *m = M(src);
    if (n > m->capscratch) {
        size_t ncap = n < 16 ? 16 : n * 2;
        label *ns = realloc(m->scratch, ncap * sizeof(label));
        if (!ns) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        m->scratch = ns;
        m->capscratch = ncap;
    }
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (pairs[i].value.len > 0) m->scratch[k++] = pairs[i];
    label *p = m->scratch;
    labels_sort_pairs(p, k);
    for (size_t i = 1; i < k; i++) {
        if (strv_eq(p[i - 1].name, p[i].name)) {
            strbuf sb = STRBUF_INIT;
            strbuf_append(&sb, p[i].name.ptr, p[i].name.len);
            int rc = error_set(err, SLOEVAL_EDATA, "%s%slabel name \"%s\" appears twice",
                               where ? where : "", where ? ": " : "", strbuf_cstr(&sb));
            strbuf_free(&sb);
            return rc;
        }
    }
    uint64_t h = labels_hash_sorted(p, k);
    uint32_t id = find_series(m, p, k, h);
    if (id == UINT32_MAX) {
        const labels *ls = store_labels(m, p, k);
        if (!ls || new_series(m, ls, &id))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory storing series");
    }
    return append_to(m, id, t, v, where, err);
}

int memory_load_append_labels(sloeval_source *src, const labels *ls, int64_t t, double v,
                              const char *where, sloeval_error *err)
{
    memory_source *m = M(src);
    uint32_t id = find_series(m, ls->pairs, ls->count, ls->hash);
    if (id == UINT32_MAX) {
        const labels *copy = store_labels(m, ls->pairs, ls->count);
        if (!copy || new_series(m, copy, &id))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory storing series");
    }
    return append_to(m, id, t, v, where, err);
}

int memory_load_begin(sloeval_source *src, sloeval_error *err)
{
    memory_source *m = M(src);
    if (m->loading) return error_set(err, SLOEVAL_EINVAL, "a load is already in progress");
    m->loading = true;
    m->epoch++;
    m->touched.n = 0;
    m->series_before = m->nseries;
    return 0;
}

void memory_load_commit(sloeval_source *src)
{
    memory_source *m = M(src);
    for (size_t i = 0; i < m->touched.n; i++) {
        mseries *s = &m->series[m->touched.v[i]];
        s->committed = s->count;
        /* trim to 16 bytes a sample once the load is done */
        if (s->cap > s->count && s->count > 0) {
            sample *ns = realloc(s->samples, s->count * sizeof(sample));
            if (ns) {
                s->samples = ns;
                s->cap = s->count;
            }
        }
    }
    m->touched.n = 0;
    m->loading = false;
    m->last = 0;
}

void memory_load_abort(sloeval_source *src)
{
    memory_source *m = M(src);
    for (size_t i = 0; i < m->touched.n; i++) {
        mseries *s = &m->series[m->touched.v[i]];
        s->count = s->committed;
        s->nstale = 0;
        for (size_t k = 0; k < s->count; k++)
            if (value_is_stale(s->samples[k].v)) s->nstale++;
    }
    /* Series made by the aborted load stay in the index with no samples:
     * select never returns a series without visible samples. */
    m->touched.n = 0;
    m->loading = false;
    m->last = 0;
}

static void free_index(memory_source *m)
{
    for (size_t i = 0; i < m->nnames; i++) {
        name_ent *ne = &m->nents[i];
        for (size_t j = 0; j < ne->n; j++)
            free(ne->ents[j].postings.v);
        free(ne->ents);
        hmap_free(&ne->values);
    }
    free(m->nents);
    m->nents = NULL;
    m->nnames = m->capnames = 0;
    hmap_free(&m->names);
}

void memory_clear(sloeval_source *src)
{
    memory_source *m = M(src);
    for (size_t i = 0; i < m->nseries; i++)
        free(m->series[i].samples);
    m->nseries = 0;
    hmap_free(&m->table);
    free_index(m);
    arena_free(&m->a);
    m->touched.n = 0;
    m->loading = false;
    m->last = 0;
    m->ordered = true;
}

void memory_get_stats(const sloeval_source *src, memory_stats *out)
{
    const memory_source *m = (const memory_source *)src;
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < m->nseries; i++) {
        const mseries *s = &m->series[i];
        if (s->committed) out->series++;
        out->samples += s->committed;
        out->sample_bytes += s->cap * sizeof(sample);
    }
    out->index_bytes = m->capseries * sizeof(mseries) + hmap_bytes(&m->table) +
                       hmap_bytes(&m->names) + m->capnames * sizeof(name_ent);
    for (size_t i = 0; i < m->nnames; i++) {
        const name_ent *ne = &m->nents[i];
        out->index_bytes += hmap_bytes(&ne->values) + ne->cap * sizeof(value_ent);
        for (size_t j = 0; j < ne->n; j++)
            out->index_bytes += ne->ents[j].postings.cap * sizeof(uint32_t);
    }
    out->label_bytes = m->a.reserved;
}

/* ---- select ---------------------------------------------------------------- */

typedef struct matcher_rt {
    const label_matcher *lm;
    promql_regex *re;
    bool matches_empty;
} matcher_rt;

static bool matcher_test(const matcher_rt *mr, strv val)
{
    switch (mr->lm->type) {
    case MATCH_EQUAL: return strv_eq(val, mr->lm->value);
    case MATCH_NOT_EQUAL: return !strv_eq(val, mr->lm->value);
    case MATCH_REGEX: return promql_regex_match(mr->re, val);
    case MATCH_NOT_REGEX: return !promql_regex_match(mr->re, val);
    }
    return false;
}

static int id_cmp(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return x < y ? -1 : x > y;
}

/* Room for n more ids. */
static int ids_reserve(ids *a, size_t n)
{
    if (a->cap - a->n >= n) return 0;
    size_t ncap = a->cap ? a->cap : 4;
    while (ncap - a->n < n)
        ncap *= 2;
    uint32_t *nv = realloc(a->v, ncap * sizeof(uint32_t));
    if (!nv) return -1;
    a->v = nv;
    a->cap = ncap;
    return 0;
}

static int ids_append(ids *a, const uint32_t *v, size_t n)
{
    if (ids_reserve(a, n)) return -1;
    if (n) memcpy(a->v + a->n, v, n * sizeof(uint32_t));
    a->n += n;
    return 0;
}

/*
 * The series ids having a value of `name` that the matcher accepts, in
 * increasing order, as *out / *nout: for `=` the postings list itself (no
 * copy), otherwise their union, built in *buf. -1 when out of memory.
 */
static int positive_postings(memory_source *m, const matcher_rt *mr, ids *buf, const uint32_t **out,
                             size_t *nout)
{
    *out = NULL;
    *nout = 0;
    strv name = mr->lm->name;
    int32_t ni = find_name(m, name, hash_string(name.ptr, name.len));
    if (ni < 0) return 0;
    name_ent *ne = &m->nents[ni];
    if (mr->lm->type == MATCH_EQUAL) {
        int32_t vi = find_value(ne, mr->lm->value, pair_hash(name, mr->lm->value));
        if (vi < 0) return 0;
        *out = ne->ents[vi].postings.v;
        *nout = ne->ents[vi].postings.n;
        return 0;
    }
    buf->n = 0;
    size_t lists = 0;
    for (size_t i = 0; i < ne->n; i++) {
        if (!matcher_test(mr, ne->ents[i].val)) continue;
        ids *p = &ne->ents[i].postings;
        if (ids_append(buf, p->v, p->n)) return -1;
        lists++;
    }
    /* each series has one value per name: the lists are disjoint */
    if (lists > 1) qsort(buf->v, buf->n, sizeof(uint32_t), id_cmp);
    *out = buf->v;
    *nout = buf->n;
    return 0;
}

/* The ids in both sorted lists, written to dst (which may be `a`); their count. */
static size_t intersect(uint32_t *dst, const uint32_t *a, size_t na, const uint32_t *b, size_t nb)
{
    size_t i = 0, j = 0, w = 0;
    while (i < na && j < nb) {
        if (a[i] < b[j]) {
            i++;
        } else if (a[i] > b[j]) {
            j++;
        } else {
            dst[w++] = a[i];
            i++;
            j++;
        }
    }
    return w;
}

static int series_order(const void *a, const void *b)
{
    const series *x = a, *y = b;
    return labels_compare(x->labels, y->labels);
}

/* ---- label order ------------------------------------------------------------- */

typedef struct rank_ent {
    const labels *ls;
    uint32_t id;
} rank_ent;

static int rank_cmp(const void *a, const void *b)
{
    return labels_compare(((const rank_ent *)a)->ls, ((const rank_ent *)b)->ls);
}

/*
 * Renumber the series so that ids follow the label order: the postings
 * lists (sorted by id) then list series in label order, and a select's
 * answer needs no sort. Label sets and sample arrays do not move, so
 * earlier answers stay valid. -1 when out of memory (the store is left as
 * it was, and select sorts its answers instead).
 */
static int put_in_label_order(memory_source *m)
{
    size_t n = m->nseries;
    rank_ent *e = malloc((n ? n : 1) * sizeof(*e));
    uint32_t *newid = malloc((n ? n : 1) * sizeof(*newid));
    mseries *ns = malloc((m->capseries ? m->capseries : 1) * sizeof(*ns));
    if (!e || !newid || !ns) {
        free(e);
        free(newid);
        free(ns);
        return -1;
    }
    for (size_t i = 0; i < n; i++)
        e[i] = (rank_ent){m->series[i].ls, (uint32_t)i};
    qsort(e, n, sizeof(*e), rank_cmp);
    for (size_t r = 0; r < n; r++) {
        newid[e[r].id] = (uint32_t)r;
        ns[r] = m->series[e[r].id];
    }
    free(e);
    free(m->series);
    m->series = ns;
    for (size_t i = 0; i < m->nnames; i++) {
        name_ent *ne = &m->nents[i];
        for (size_t j = 0; j < ne->n; j++) {
            ids *p = &ne->ents[j].postings;
            bool sorted = true;
            for (size_t k = 0; k < p->n; k++) {
                p->v[k] = newid[p->v[k]];
                if (k && p->v[k] < p->v[k - 1]) sorted = false;
            }
            if (!sorted) qsort(p->v, p->n, sizeof(uint32_t), id_cmp);
        }
    }
    /* the table's values are ids: renumbered in place (the hashes stay) */
    for (size_t i = 0; i < m->table.cap; i++)
        if (m->table.slots[i].val >= 0)
            m->table.slots[i].val = (int32_t)newid[m->table.slots[i].val];
    for (size_t i = 0; i < m->touched.n; i++)
        m->touched.v[i] = newid[m->touched.v[i]];
    if (m->last) m->last = newid[m->last - 1] + 1;
    free(newid);
    m->ordered = true;
    return 0;
}

/* ---- windows ------------------------------------------------------------------- */

/*
 * Where time t should be among n samples from first_t to last_t when they
 * are evenly spaced (scrapes usually are): a guess, exact or off by a few.
 */
static inline size_t guess_index(int64_t first_t, int64_t last_t, size_t n, int64_t t)
{
    if (n < 2 || t <= first_t || last_t <= first_t) return 0;
    if (t >= last_t) return n - 1;
    double f = ((double)t - (double)first_t) / ((double)last_t - (double)first_t);
    size_t g = (size_t)(f * (double)(n - 1));
    return g < n ? g : n - 1;
}

/*
 * The first index in [0, n) whose timestamp is >= t (> t when `after`),
 * n when there is none; searched from the guess g outwards (galloping, then
 * a binary search), so that a good guess touches one or two cache lines.
 */
static size_t bound_from(const sample *s, size_t n, int64_t t, bool after, size_t g)
{
#define BEFORE(i) (after ? s[(i)].t <= t : s[(i)].t < t)
    if (n == 0) return 0;
    if (g >= n) g = n - 1;
    size_t lo, hi; /* the answer is in [lo, hi] */
    if (BEFORE(g)) {
        lo = g + 1;
        hi = n;
        for (size_t step = 1; step < n - g; step *= 2) {
            size_t p = g + step;
            if (!BEFORE(p)) {
                hi = p;
                break;
            }
            lo = p + 1;
        }
    } else {
        hi = g;
        lo = 0;
        for (size_t step = 1; step <= g; step *= 2) {
            size_t p = g - step;
            if (BEFORE(p)) {
                lo = p + 1;
                break;
            }
            hi = p;
        }
    }
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (BEFORE(mid))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
#undef BEFORE
}

/* ---- select ---------------------------------------------------------------- */

/* select, with the series' info when `info` is not NULL. */
static int select_impl(memory_source *m, const label_matcher *matchers, size_t nmatchers,
                       int64_t mint, int64_t maxt, arena *a, matrix *out, source_series_info **info,
                       sloeval_error *err)
{
    sloeval_source *src = &m->base;
    memset(out, 0, sizeof(*out));
    if (info) *info = NULL;
    source_series_info *inf = NULL;
    int rc = 0;
    matcher_rt mr_small[4];
    matcher_rt *mr = nmatchers <= 4 ? mr_small : calloc(nmatchers, sizeof(*mr));
    ids cand = {0}, tmp = {0};
    bool have_cand = false;
    /* the matchers that must be tested series by series: those that
     * match the empty value (the postings answer all the others exactly) */
    size_t nresidual = 0;
    if (!mr) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    memset(mr, 0, (nmatchers <= 4 ? 4 : nmatchers) * sizeof(*mr));
    for (size_t i = 0; i < nmatchers; i++) {
        mr[i].lm = &matchers[i];
        if (matchers[i].type == MATCH_REGEX || matchers[i].type == MATCH_NOT_REGEX) {
            char ebuf[256] = "";
            int c =
                promql_regex_compile(&mr[i].re, matchers[i].value, src->compat, ebuf, sizeof(ebuf));
            if (c) {
                rc = error_set(err, c, "%s", ebuf);
                goto done;
            }
        }
        mr[i].matches_empty = matcher_test(&mr[i], STRV_LIT(""));
        if (mr[i].matches_empty) nresidual++;
    }
    if (mint > maxt) goto done;
    if (!m->ordered) put_in_label_order(m); /* on failure the answer is sorted below */
    /* The candidates: the intersection of the positive matchers'
     * postings, a view of one postings list while there is only one. */
    const uint32_t *cv = NULL;
    size_t cn = 0;
    for (size_t i = 0; i < nmatchers; i++) {
        if (mr[i].matches_empty) continue;
        const uint32_t *pv;
        size_t pn;
        if (positive_postings(m, &mr[i], &tmp, &pv, &pn)) {
            rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
            goto done;
        }
        if (!have_cand) {
            if (pn && pv == tmp.v) {
                /* keep the union: tmp is reused by the next matcher */
                ids t2 = cand;
                cand = tmp;
                tmp = t2;
                pv = cand.v;
            }
            cv = pv;
            cn = pn;
            have_cand = true;
        } else {
            if (cv != cand.v) {
                cand.n = 0;
                if (ids_reserve(&cand, cn < pn ? cn : pn)) {
                    rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
                    goto done;
                }
            }
            /* in place when cv is cand's own buffer: the writes trail the reads */
            cn = intersect(cand.v, cv, cn, pv, pn);
            cv = cand.v;
        }
        if (cn == 0) goto done;
    }
    size_t ncand = have_cand ? cn : m->nseries;
    if (ncand && arena_grow(a, (void **)&out->items, &out->cap, ncand, sizeof(series)) < 0) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    if (info && ncand && !(inf = arena_alloc(a, ncand * sizeof(*inf)))) {
        rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
        goto done;
    }
    /* The loop is bound by memory latency when the store is larger than
     * the caches: the samples a few candidates ahead are fetched early,
     * the last one first, then (once it is there) where mint should be. */
    enum { AHEAD = 8 };
    size_t guess[AHEAD]; /* candidate c's guess of mint's index, at c % AHEAD */
    for (size_t c = 0; c < ncand && c < AHEAD; c++) {
        const mseries *f = &m->series[have_cand ? cv[c] : c];
        guess[c] = f->committed
                       ? guess_index(f->first_t, f->samples[f->committed - 1].t, f->committed, mint)
                       : 0;
    }
    for (size_t c = 0; c < ncand; c++) {
        if (c + 2 * AHEAD < ncand) {
            const mseries *f = &m->series[have_cand ? cv[c + 2 * AHEAD] : c + 2 * AHEAD];
            if (f->committed) PREFETCH(&f->samples[f->committed - 1]);
        }
        size_t g = guess[c % AHEAD];
        if (c + AHEAD < ncand) {
            const mseries *f = &m->series[have_cand ? cv[c + AHEAD] : c + AHEAD];
            size_t fn = f->committed, fg = 0;
            if (fn) {
                fg = guess_index(f->first_t, f->samples[fn - 1].t, fn, mint);
                PREFETCH(&f->samples[fg]);
            }
            guess[c % AHEAD] = fg;
        }
        mseries *s = &m->series[have_cand ? cv[c] : c];
        size_t n = s->committed;
        if (!n) continue;
        if (nresidual) {
            bool ok = true;
            for (size_t i = 0; i < nmatchers && ok; i++) {
                if (!mr[i].matches_empty) continue;
                strv v = labels_get(s->ls, matchers[i].name);
                if (!v.ptr) v = STRV_LIT("");
                ok = matcher_test(&mr[i], v);
            }
            if (!ok) continue;
        }
        /* samples with mint <= t <= maxt, found from where evenly spaced
         * samples would put them */
        const sample *sm = s->samples;
        int64_t first_t = s->first_t, last_t = sm[n - 1].t;
        if (mint > last_t || maxt < first_t) continue;
        size_t hi;
        if (maxt >= last_t)
            hi = n;
        else if (n >= 2 && sm[n - 2].t <= maxt) /* a window ending just before the last */
            hi = n - 1;
        else
            hi = bound_from(sm, n, maxt, true, guess_index(first_t, last_t, n, maxt) + 1);
        size_t lo = mint <= first_t ? 0 : bound_from(sm, hi, mint, false, g);
        if (lo == hi) continue;
        if (inf) {
            if (!s->noname) {
                /* NULL when out of memory: the engine drops the name itself */
                s->noname = labels_drop_name(&m->a, s->ls);
                s->type_unit = labels_get(s->ls, STRV_LIT("__type__")).ptr ||
                               labels_get(s->ls, STRV_LIT("__unit__")).ptr;
            }
            inf[out->count] = (source_series_info){s->noname, s->nstale == 0, s->type_unit};
        }
        out->items[out->count++] = (series){s->ls, s->samples + lo, hi - lo};
    }
    /* Prometheus's storage answers in label order: the ids follow it,
     * unless renumbering failed for want of memory. */
    if (!m->ordered && out->count > 1) {
        qsort(out->items, out->count, sizeof(series), series_order);
        inf = NULL; /* no longer in the answer's order */
    }
    if (info) *info = inf;
done:
    for (size_t i = 0; i < nmatchers; i++)
        promql_regex_free(mr[i].re);
    if (mr != mr_small) free(mr);
    free(cand.v);
    free(tmp.v);
    if (rc) {
        memset(out, 0, sizeof(*out));
        if (info) *info = NULL;
    }
    return rc;
}

static int memory_select(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                         int64_t mint, int64_t maxt, arena *a, matrix *out, source_notes *notes,
                         sloeval_error *err)
{
    (void)notes;
    return select_impl(M(src), matchers, nmatchers, mint, maxt, a, out, NULL, err);
}

static int memory_select_info(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                              int64_t mint, int64_t maxt, arena *a, matrix *out,
                              source_series_info **info, source_notes *notes, sloeval_error *err)
{
    (void)notes;
    return select_impl(M(src), matchers, nmatchers, mint, maxt, a, out, info, err);
}

static void memory_destroy(sloeval_source *src)
{
    memory_source *m = M(src);
    memory_clear(src);
    free(m->series);
    free(m->touched.v);
    free(m->scratch);
    free(m);
}

static const source_vtable memory_vtable = {
    .kind = "memory",
    .select = memory_select,
    .destroy = memory_destroy,
    .select_info = memory_select_info,
};

int memory_new(sloeval_source **out, sloeval_compat compat)
{
    *out = NULL;
    memory_source *m = calloc(1, sizeof(*m));
    if (!m) return SLOEVAL_ENOMEM;
    m->base.vt = &memory_vtable;
    m->base.compat = compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    arena_init(&m->a, 64 * 1024);
    m->ordered = true;
    *out = &m->base;
    return 0;
}
