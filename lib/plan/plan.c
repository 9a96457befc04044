/*
 * The planner's batch: queries in, distinct requests out (each sent once,
 * all in parallel on one http_batch), answers merged and evaluated per
 * query. What runs where is decided in split.c, merging is merge.c.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "model/hash.h"
#include "plan/plan_int.h"
#include "promql/printer.h"
#include "promql/rewrite.h"
#include "sloeval/http.h"
#include "sloeval/source.h"
#include "util/error.h"

#define NO_QUERY SIZE_MAX

static int oom(sloeval_error *err)
{
    return error_set(err, SLOEVAL_ENOMEM, "out of memory");
}

const char *plan_source_name(const plan_batch *b, const sloeval_source *src)
{
    (void)b;
    if (prom_is_source(src)) return sloeval_prometheus_url(src);
    return src->vt->kind && !strcmp(src->vt->kind, "memory") ? "the in-memory source"
                                                             : "a local source";
}

int plan_batch_new(plan_batch **out, const plan_options *opts, sloeval_error *err)
{
    if (!out) return error_set(err, SLOEVAL_EINVAL, "plan_batch_new: no output");
    *out = NULL;
    plan_options o = {0};
    if (opts) o = *opts;
    if (o.mode != PLAN_AUTO && o.mode != PLAN_PUSHDOWN && o.mode != PLAN_LOCAL)
        return error_set(err, SLOEVAL_EINVAL, "unknown planner mode %d", (int)o.mode);
    if (o.lookback_delta_ms < 0) return error_set(err, SLOEVAL_EINVAL, "negative lookback delta");
    plan_batch *b = calloc(1, sizeof(*b));
    if (!b) return oom(err);
    b->opts = o;
    arena_init(&b->a, 64 * 1024);
    *out = b;
    return 0;
}

void plan_batch_free(plan_batch *b)
{
    if (!b) return;
    free(b->slots);
    strbuf_free(&b->explain);
    arena_free(&b->a);
    free(b);
}

double plan_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void plan_batch_get_stats(const plan_batch *b, plan_stats *out)
{
    if (b)
        *out = b->stats;
    else
        memset(out, 0, sizeof(*out));
}

/* ---- queries ------------------------------------------------------------- */

static bool matchers_equal(const label_matcher *a, const label_matcher *b, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (a[i].type != b[i].type || !strv_eq(a[i].name, b[i].name) ||
            !strv_eq(a[i].value, b[i].value))
            return false;
    return true;
}

static bool same_query(const pquery *a, const pquery *b)
{
    if (a->range != b->range || a->start != b->start || a->end != b->end || a->step != b->step)
        return false;
    if (a->target.nshards != b->target.nshards || a->target.ninject != b->target.ninject)
        return false;
    for (size_t i = 0; i < a->target.nshards; i++)
        if (a->target.shards[i] != b->target.shards[i]) return false;
    if (!matchers_equal(a->target.inject, b->target.inject, a->target.ninject)) return false;
    return ast_equal(a->orig, b->orig);
}

static sloeval_compat resolve_compat(plan_batch *b, pquery *q)
{
    if (b->opts.compat == SLOEVAL_COMPAT_V2 || b->opts.compat == SLOEVAL_COMPAT_V3)
        return b->opts.compat;
    sloeval_compat c = sloeval_source_compat(q->target.shards[0]);
    for (size_t i = 1; i < q->target.nshards; i++) {
        if (sloeval_source_compat(q->target.shards[i]) == c) continue;
        q->compat_warning = "the shards run different Prometheus major versions; evaluating "
                            "with 3.x semantics";
        return SLOEVAL_COMPAT_V3;
    }
    return c;
}

static int add_query(plan_batch *b, size_t *out_id, const plan_target *target, const ast_node *expr,
                     bool range, int64_t start, int64_t end, int64_t step, sloeval_error *err)
{
    if (!b || !out_id || !target || !expr)
        return error_set(err, SLOEVAL_EINVAL, "plan: missing batch, id, target or expression");
    if (b->ran) return error_set(err, SLOEVAL_EINVAL, "plan: the batch has already run");
    if (target->nshards == 0 || !target->shards)
        return error_set(err, SLOEVAL_EINVAL, "plan: a target needs at least one source");
    for (size_t i = 0; i < target->nshards; i++)
        if (!target->shards[i] || !target->shards[i]->vt)
            return error_set(err, SLOEVAL_EINVAL, "plan: shard %zu of the target is NULL", i);
    if (target->ninject && !target->inject)
        return error_set(err, SLOEVAL_EINVAL, "plan: matchers to inject are missing");
    if (range && (step <= 0 || end < start))
        return error_set(err, SLOEVAL_EINVAL,
                         "a range query needs a positive step and an end not before its start");
    if (arena_grow(&b->a, (void **)&b->queries, &b->capqueries, b->nqueries + 1, sizeof(pquery)))
        return oom(err);
    pquery *q = &b->queries[b->nqueries];
    memset(q, 0, sizeof(*q));
    q->target = *target;
    q->orig = expr;
    q->range = range;
    q->start = start;
    q->end = range ? end : start;
    q->step = range ? step : 0;
    q->dup_of = NO_QUERY;
    for (size_t i = 0; i < b->nqueries; i++)
        if (b->queries[i].dup_of == NO_QUERY && same_query(&b->queries[i], q)) {
            q->dup_of = i;
            break;
        }
    q->compat = resolve_compat(b, q);
    if (q->dup_of == NO_QUERY) {
        q->root = plan_copy_tree(&b->a, expr);
        if (!q->root) return oom(err);
        if (target->ninject) {
            int rc = ast_inject_matchers(&b->a, q->root, target->inject, target->ninject, err);
            if (rc) return rc;
        }
        strbuf sb = STRBUF_INIT;
        ast_print(&sb, q->root, q->compat);
        q->text = sb.failed ? NULL : arena_strdup(&b->a, strbuf_cstr(&sb));
        strbuf_free(&sb);
        if (!q->text) return oom(err);
    } else {
        q->text = b->queries[q->dup_of].text;
    }
    *out_id = b->nqueries++;
    return 0;
}

int plan_batch_add_instant(plan_batch *b, size_t *out_id, const plan_target *target,
                           const ast_node *expr, int64_t t, sloeval_error *err)
{
    return add_query(b, out_id, target, expr, false, t, t, 0, err);
}

int plan_batch_add_range(plan_batch *b, size_t *out_id, const plan_target *target,
                         const ast_node *expr, int64_t start, int64_t end, int64_t step,
                         sloeval_error *err)
{
    return add_query(b, out_id, target, expr, true, start, end, step, err);
}

/* ---- requests ------------------------------------------------------------- */

static uint64_t req_hash(const sloeval_source *src, req_kind kind, const char *text, int64_t t0,
                         int64_t t1, int64_t step)
{
    uint64_t h = hash_string(text, strlen(text));
    uintptr_t p = (uintptr_t)src;
    h = hash_mum(h ^ (uint64_t)p, HASH_P0 ^ (uint64_t)kind);
    if (kind != REQ_SELECT) {
        h = hash_mum(h ^ (uint64_t)t0, HASH_P1);
        h = hash_mum(h ^ (uint64_t)t1, HASH_P2 ^ (uint64_t)step);
    }
    return h;
}

static bool req_matches(const preq *r, const sloeval_source *src, req_kind kind, const char *text,
                        int64_t t0, int64_t t1, int64_t step)
{
    if (r->src != src || r->kind != kind || strcmp(r->text, text) != 0) return false;
    return kind == REQ_SELECT || (r->t0 == t0 && r->t1 == t1 && r->step == step);
}

static int rehash(plan_batch *b)
{
    size_t n = b->nslots ? b->nslots * 2 : 64;
    size_t *slots = calloc(n, sizeof(size_t));
    if (!slots) return -1;
    for (size_t i = 0; i < b->nreqs; i++) {
        size_t j = (size_t)b->reqs[i].hash & (n - 1);
        while (slots[j])
            j = (j + 1) & (n - 1);
        slots[j] = i + 1;
    }
    free(b->slots);
    b->slots = slots;
    b->nslots = n;
    return 0;
}

size_t plan_add_request(plan_batch *b, sloeval_source *src, req_kind kind, const char *text,
                        const label_matcher *m, size_t nm, int64_t t0, int64_t t1, int64_t step)
{
    if ((b->nreqs + 1) * 2 > b->nslots && rehash(b)) return SIZE_MAX;
    uint64_t h = req_hash(src, kind, text, t0, t1, step);
    size_t j = (size_t)h & (b->nslots - 1);
    while (b->slots[j]) {
        preq *r = &b->reqs[b->slots[j] - 1];
        if (r->hash == h && req_matches(r, src, kind, text, t0, t1, step)) {
            if (kind == REQ_SELECT) {
                if (t0 < r->t0) r->t0 = t0;
                if (t1 > r->t1) r->t1 = t1;
            }
            return b->slots[j] - 1;
        }
        j = (j + 1) & (b->nslots - 1);
    }
    if (arena_grow(&b->a, (void **)&b->reqs, &b->capreqs, b->nreqs + 1, sizeof(preq)))
        return SIZE_MAX;
    preq *r = &b->reqs[b->nreqs];
    memset(r, 0, sizeof(*r));
    r->src = src;
    r->kind = kind;
    r->text = text;
    r->matchers = m;
    r->nmatchers = nm;
    r->t0 = t0;
    r->t1 = t1;
    r->step = step;
    r->hash = h;
    b->slots[j] = ++b->nreqs;
    return b->nreqs - 1;
}

/* Forget the requests from index `mark` on (a query that failed to plan
 * added them). */
static void truncate_requests(plan_batch *b, size_t mark)
{
    if (b->nreqs == mark) return;
    b->nreqs = mark;
    memset(b->slots, 0, b->nslots * sizeof(size_t));
    for (size_t i = 0; i < b->nreqs; i++) {
        size_t j = (size_t)b->reqs[i].hash & (b->nslots - 1);
        while (b->slots[j])
            j = (j + 1) & (b->nslots - 1);
        b->slots[j] = i + 1;
    }
}

/* Send every Prometheus request on one batch; ask other sources directly. */
static int send_requests(plan_batch *b, sloeval_error *err)
{
    int parallel = 0;
    for (size_t i = 0; i < b->nreqs; i++) {
        bool seen = false;
        for (size_t j = 0; j < i && !seen; j++)
            seen = b->reqs[j].src == b->reqs[i].src;
        if (!seen && prom_is_source(b->reqs[i].src)) parallel += prom_parallelism(b->reqs[i].src);
    }
    http_batch *hb = NULL;
    if (parallel > 0 && http_batch_new(&hb, parallel)) return oom(err);
    for (size_t i = 0; i < b->nreqs; i++) {
        preq *r = &b->reqs[i];
        if (!prom_is_source(r->src)) continue;
        int rc;
        switch (r->kind) {
        case REQ_QUERY:
            rc = prom_add_query(&r->call, r->src, hb, r->text, r->t0, &b->a, &r->err);
            break;
        case REQ_RANGE:
            rc = prom_add_query_range(&r->call, r->src, hb, r->text, r->t0, r->t1, r->step, &b->a,
                                      &r->err);
            break;
        default:
            rc = prom_add_select(&r->call, r->src, hb, r->matchers, r->nmatchers, r->t0, r->t1,
                                 &b->a, &r->err);
            break;
        }
        if (rc == SLOEVAL_ENOMEM) {
            http_batch_free(hb);
            return oom(err);
        }
        if (rc) {
            r->code = rc;
            r->done = true;
        }
    }
    if (hb) {
        sloeval_error berr = SLOEVAL_ERROR_INIT;
        int rc = http_batch_run(hb, &berr);
        if (rc == SLOEVAL_ENOMEM) {
            http_batch_free(hb);
            return oom(err);
        }
        /* Other executor failures are in every unfinished call's result. */
    }
    for (size_t i = 0; i < b->nreqs; i++) {
        preq *r = &b->reqs[i];
        if (r->done) continue;
        r->done = true;
        if (r->call) {
            r->code = prom_call_result(r->call, &r->val, &r->notes, &r->err);
            prom_call_stats st;
            prom_call_get_stats(r->call, &st);
            b->stats.transfer_seconds += st.transfer_seconds;
            b->stats.decode_seconds += st.decode_seconds;
            b->stats.bytes += st.body_bytes;
            b->stats.http_requests++;
            if (st.server_seconds >= 0) {
                b->stats.server_reports++;
                b->stats.server_seconds += st.server_seconds;
            }
            continue;
        }
        double t0 = plan_now();
        const source_vtable *vt = r->src->vt;
        switch (r->kind) {
        case REQ_QUERY:
            r->code = vt->query(r->src, r->text, r->t0, &b->a, &r->val, &r->notes, &r->err);
            break;
        case REQ_RANGE:
            r->code = vt->query_range(r->src, r->text, r->t0, r->t1, r->step, &b->a, &r->val,
                                      &r->notes, &r->err);
            break;
        case REQ_SELECT:
            r->val.kind = VALUE_MATRIX;
            r->code = vt->select(r->src, r->matchers, r->nmatchers, r->t0, r->t1, &b->a,
                                 &r->val.u.matrix, &r->notes, &r->err);
            break;
        }
        b->stats.transfer_seconds += plan_now() - t0;
        if (r->code == SLOEVAL_ENOMEM) {
            http_batch_free(hb);
            return oom(err);
        }
    }
    http_batch_free(hb);
    return 0;
}

/* ---- finishing queries ------------------------------------------------------ */

static int add_note(arena *a, strv **items, size_t *n, size_t *cap, strv s)
{
    for (size_t i = 0; i < *n; i++)
        if (strv_eq((*items)[i], s)) return 0;
    if (arena_grow(a, (void **)items, cap, *n + 1, sizeof(strv))) return -1;
    (*items)[(*n)++] = s;
    return 0;
}

static int take_notes(plan_batch *b, pquery *q, const preq *r)
{
    for (size_t i = 0; i < r->notes.nwarnings; i++)
        if (add_note(&b->a, &q->notes.warnings, &q->notes.nwarnings, &q->notes.capwarnings,
                     r->notes.warnings[i]))
            return -1;
    for (size_t i = 0; i < r->notes.ninfos; i++)
        if (add_note(&b->a, &q->notes.infos, &q->notes.ninfos, &q->notes.capinfos,
                     r->notes.infos[i]))
            return -1;
    return 0;
}

/* Fail q with the first failed request among reqs; 1 when one failed. */
static int first_failure(pquery *q, const plan_batch *b, const size_t *reqs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        const preq *r = &b->reqs[reqs[i]];
        if (!r->code) continue;
        q->code = r->code;
        q->err = r->err;
        if (!q->err.code) q->err.code = r->code;
        return 1;
    }
    return 0;
}

static int finish_query(plan_batch *b, pquery *q)
{
    for (size_t i = 0; i < q->nfrags; i++)
        for (size_t j = 0; j < q->frags[i].nreqs; j++)
            if (take_notes(b, q, &b->reqs[q->frags[i].reqs[j]])) return -1;
    for (size_t i = 0; i < q->nsels; i++)
        for (size_t j = 0; j < q->target.nshards; j++)
            if (take_notes(b, q, &b->reqs[q->sels[i].reqs[j]])) return -1;
    if (q->compat_warning && add_note(&b->a, &q->notes.warnings, &q->notes.nwarnings,
                                      &q->notes.capwarnings, strv_from_cstr(q->compat_warning)))
        return -1;
    for (size_t i = 0; i < q->nfrags; i++)
        if (first_failure(q, b, q->frags[i].reqs, q->frags[i].nreqs)) return 0;
    for (size_t i = 0; i < q->nsels; i++)
        if (first_failure(q, b, q->sels[i].reqs, q->target.nshards)) return 0;
    for (size_t i = 0; i < q->nfrags; i++) {
        frag *f = &q->frags[i];
        value *vals = ARENA_NEW_ARRAY(&b->a, value, f->nreqs);
        const char **names = ARENA_NEW_ARRAY(&b->a, const char *, f->nreqs);
        if (!vals || !names) return -1;
        for (size_t j = 0; j < f->nreqs; j++) {
            vals[j] = b->reqs[f->reqs[j]].val;
            names[j] = plan_source_name(b, b->reqs[f->reqs[j]].src);
        }
        double m0 = plan_now();
        int rc = merge_fragment(&b->a, f, vals, f->nreqs, names, &q->err);
        b->stats.merge_seconds += plan_now() - m0;
        if (rc == SLOEVAL_ENOMEM) return -1;
        if (rc) {
            q->code = rc;
            return 0;
        }
    }
    if (!q->local) {
        q->result = q->frags[0].val;
        return 0;
    }
    double e0 = plan_now(), m0 = b->stats.merge_seconds;
    int rc = plan_eval_local(b, q);
    /* Raw samples are merged on demand, inside the evaluation. */
    b->stats.eval_seconds += plan_now() - e0 - (b->stats.merge_seconds - m0);
    return rc;
}

int plan_batch_run(plan_batch *b, sloeval_error *err)
{
    if (!b) return error_set(err, SLOEVAL_EINVAL, "plan_batch_run: no batch");
    if (b->ran) return error_set(err, SLOEVAL_EINVAL, "plan: the batch has already run");
    b->ran = true;
    double t0 = plan_now();
    for (size_t i = 0; i < b->nqueries; i++) {
        pquery *q = &b->queries[i];
        if (q->dup_of != NO_QUERY) continue;
        size_t mark = b->nreqs;
        int rc = plan_query(b, q);
        if (!rc && q->local) rc = plan_check_local(b, q);
        if (rc == SLOEVAL_ENOMEM) return oom(err);
        if (rc) {
            /* Nothing is sent for a query that cannot be answered. */
            q->code = rc;
            q->nfrags = 0;
            q->nsels = 0;
            truncate_requests(b, mark);
        }
    }
    /* Raw selections last: one request per selector and source, over the
     * union of the windows every query needs. */
    for (size_t i = 0; i < b->nqueries; i++) {
        pquery *q = &b->queries[i];
        for (size_t k = 0; k < q->nsels; k++) {
            rsel *s = &q->sels[k];
            s->reqs = ARENA_NEW_ARRAY(&b->a, size_t, q->target.nshards);
            if (!s->reqs) return oom(err);
            for (size_t j = 0; j < q->target.nshards; j++) {
                s->reqs[j] = plan_add_request(b, q->target.shards[j], REQ_SELECT, s->key,
                                              s->matchers, s->nmatchers, s->mint, s->maxt, 0);
                if (s->reqs[j] == SIZE_MAX) return oom(err);
            }
        }
    }
    if (b->opts.explain) {
        for (size_t i = 0; i < b->nqueries; i++)
            plan_explain_query(b, i);
        if (b->explain.failed) return oom(err);
    }
    double t1 = plan_now();
    b->stats.requests = b->nreqs;
    int rc = send_requests(b, err);
    double t2 = plan_now();
    b->stats.fetch_seconds = t2 - t1;
    if (rc) return rc;
    for (size_t i = 0; i < b->nqueries; i++) {
        pquery *q = &b->queries[i];
        if (q->dup_of != NO_QUERY || q->code) continue;
        if (finish_query(b, q)) return oom(err);
    }
    b->stats.run_seconds = plan_now() - t0;
    return 0;
}

int plan_batch_set_text(plan_batch *b, size_t id, const char *text, size_t len, sloeval_error *err)
{
    if (!b || id >= b->nqueries || (!text && len))
        return error_set(err, SLOEVAL_EINVAL, "plan: no query %zu, or no text", id);
    b->queries[id].src_text = text;
    b->queries[id].src_len = text ? len : 0;
    return 0;
}

int plan_batch_result(plan_batch *b, size_t id, const value **out, const source_notes **notes,
                      sloeval_error *err)
{
    if (out) *out = NULL;
    if (notes) *notes = NULL;
    if (!b || id >= b->nqueries) return error_set(err, SLOEVAL_EINVAL, "plan: no query %zu", id);
    if (!b->ran) return error_set(err, SLOEVAL_EINVAL, "plan: the batch has not run");
    pquery *q = &b->queries[id];
    if (q->dup_of != NO_QUERY) q = &b->queries[q->dup_of];
    if (notes) *notes = &q->notes;
    if (q->code) {
        if (err && !error_is_set(err)) *err = q->err;
        return q->code;
    }
    if (out) *out = &q->result;
    return 0;
}

const char *plan_batch_explain(const plan_batch *b)
{
    return b ? strbuf_cstr(&b->explain) : "";
}
