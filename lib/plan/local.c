/*
 * Local evaluation of a planned query: the engine evaluates the query's
 * tree with the merged answers of the pushed-down subexpressions in place
 * of those (eval_expr_overrides), over a source that serves the raw samples
 * fetched for it from every shard (the shards' series side by side).
 */
#include <string.h>

#include "engine/eval.h"
#include "plan/plan_int.h"
#include "source/prometheus.h"
#include "util/error.h"

/* Prometheus's default --query.max-samples. */
#define MAX_SAMPLES 50000000

typedef struct view_source {
    sloeval_source base;
    plan_batch *b;
    pquery *q;
} view_source;

static rsel *find_sel(pquery *q, const char *key)
{
    for (size_t i = 0; i < q->nsels; i++)
        if (strcmp(q->sels[i].key, key) == 0) return &q->sels[i];
    return NULL;
}

static int view_select(sloeval_source *src, const label_matcher *matchers, size_t nmatchers,
                       int64_t mint, int64_t maxt, arena *a, matrix *out, source_notes *notes,
                       sloeval_error *err)
{
    (void)notes; /* the requests' notes are the query's already */
    view_source *v = (view_source *)src;
    pquery *q = v->q;
    plan_batch *b = v->b;
    memset(out, 0, sizeof(*out));
    strbuf sb = STRBUF_INIT;
    prom_format_selector(&sb, matchers, nmatchers);
    if (sb.failed) {
        strbuf_free(&sb);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    rsel *s = find_sel(q, strbuf_cstr(&sb));
    /* The planner fetched what the engine will ask for; anything else is a
     * planning error, never an empty answer. */
    if (!s || mint < s->mint || maxt > s->maxt) {
        int rc = error_set(err, SLOEVAL_EINVAL,
                           "internal error: the plan fetched no samples of %s for this window",
                           strbuf_cstr(&sb));
        strbuf_free(&sb);
        return rc;
    }
    strbuf_free(&sb);
    if (!s->merged) {
        size_t n = q->target.nshards;
        value *vals = ARENA_NEW_ARRAY(&b->a, value, n);
        const char **names = ARENA_NEW_ARRAY(&b->a, const char *, n);
        if (!vals || !names) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        for (size_t i = 0; i < n; i++) {
            vals[i] = b->reqs[s->reqs[i]].val;
            names[i] = plan_source_name(b, q->target.shards[i]);
        }
        double t0 = plan_now();
        int rc = merge_raw(&b->a, vals, names, n, &s->data, err);
        b->stats.merge_seconds += plan_now() - t0;
        if (rc) return rc;
        s->merged = true;
    }
    /* The samples in [mint, maxt] of each series; the sample arrays are
     * shared, not copied. */
    for (size_t i = 0; i < s->data.count; i++) {
        const series *sr = &s->data.items[i];
        size_t lo = 0, hi = sr->count;
        while (lo < hi && sr->samples[lo].t < mint)
            lo++;
        while (hi > lo && sr->samples[hi - 1].t > maxt)
            hi--;
        if (lo == hi) continue;
        if (matrix_push(a, out, sr->labels, sr->samples + lo, hi - lo))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

static const source_vtable view_vtable = {"planned", view_select, NULL, NULL, NULL, NULL};

static int make_overrides(plan_batch *b, pquery *q)
{
    if (q->ov || !q->nfrags) return 0;
    q->ov = ARENA_NEW_ARRAY(&b->a, eval_override, q->nfrags);
    if (!q->ov) return -1;
    for (size_t i = 0; i < q->nfrags; i++)
        q->ov[i] = (eval_override){q->frags[i].node, &q->frags[i].val};
    return 0;
}

int plan_check_local(plan_batch *b, pquery *q)
{
    if (make_overrides(b, q)) return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    sloeval_error e = SLOEVAL_ERROR_INIT;
    int rc = eval_check_supported_except(q->root, q->compat, q->src_text, q->src_len, q->ov,
                                         q->nfrags, &e);
    if (!rc) return 0;
    if (q->target.nshards > 1 && b->opts.mode != PLAN_LOCAL)
        rc = error_set(&q->err, rc, "cannot merge the answers of %zu shards: %s", q->target.nshards,
                       e.message);
    else
        rc = error_set(&q->err, rc, "%s", e.message);
    q->err.start = e.start;
    q->err.end = e.end;
    q->err.line = e.line;
    q->err.column = e.column;
    return rc;
}

static int add_notes(arena *a, strv **items, size_t *n, size_t *cap, char **add, size_t nadd)
{
    for (size_t i = 0; i < nadd; i++) {
        if (arena_grow(a, (void **)items, cap, *n + 1, sizeof(strv))) return -1;
        (*items)[(*n)++] = strv_from_cstr(add[i]);
    }
    return 0;
}

bool plan_has_stepless_subquery(const ast_node *n)
{
    if (!n) return false;
    if (n->kind == AST_SUBQUERY && n->u.subquery.step_ms == 0) return true;
    for (size_t i = 0; i < ast_child_count(n); i++)
        if (plan_has_stepless_subquery(ast_child(n, i))) return true;
    return false;
}

int64_t plan_subquery_step(const plan_target *t)
{
    int64_t step = 0;
    for (size_t i = 0; i < t->nshards; i++) {
        int64_t s = prom_eval_interval(t->shards[i]);
        if (s <= 0 || (step && s != step)) return 60000;
        step = s;
    }
    return step ? step : 60000;
}

int plan_eval_local(plan_batch *b, pquery *q)
{
    if (make_overrides(b, q)) return -1;
    view_source v;
    memset(&v, 0, sizeof(v));
    v.base.vt = &view_vtable;
    v.base.compat = q->compat;
    v.b = b;
    v.q = q;
    eval_opts o = {q->compat, b->opts.lookback_delta_ms > 0 ? b->opts.lookback_delta_ms : 300000,
                   MAX_SAMPLES, plan_subquery_step(&q->target), false};
    eval_notes notes;
    memset(&notes, 0, sizeof(notes));
    int rc = eval_expr_overrides(&q->result, &b->a, &o, &v.base, q->root, q->src_text, q->src_len,
                                 q->start, q->end, q->step, q->ov, q->nfrags, &notes, &q->err);
    if (rc == SLOEVAL_ENOMEM) return -1;
    if (rc) {
        q->code = rc;
        return 0;
    }
    if (add_notes(&b->a, &q->notes.warnings, &q->notes.nwarnings, &q->notes.capwarnings,
                  notes.warnings, notes.nwarnings) ||
        add_notes(&b->a, &q->notes.infos, &q->notes.ninfos, &q->notes.capinfos, notes.infos,
                  notes.ninfos))
        return -1;
    return 0;
}
