/*
 * Deciding what runs where. For a query over a target of n shards:
 *
 *   - mode local, or shards that cannot evaluate queries (in-memory
 *     sources): every selector's raw samples are fetched from every shard
 *     and sloeval evaluates the whole expression;
 *   - one shard: the whole expression is pushed down (the server holds all
 *     the data, so its answer is the answer);
 *   - several shards: each node is classified bottom-up:
 *       CONST  no selector below: the same on every shard (time(), 2 * 3);
 *       UNION  per-series: over all the data it is the shards' answers side
 *              by side (selectors, rate and the other per-series functions
 *              with constant arguments, arithmetic and comparisons with a
 *              constant scalar, subqueries of those);
 *       AGG    sum/min/max/count/avg/group of a UNION node, merged per
 *              output label set;
 *       NONE   anything else (binary operators between vectors, topk,
 *              quantile, ..., scalar(), and whatever takes their results).
 *     The largest UNION and AGG subtrees are pushed down to every shard and
 *     merged; what is above them is evaluated by sloeval, with the merged
 *     answers in place of the subtrees. A subquery that is not itself
 *     pushed down is evaluated by sloeval from raw samples (its steps are
 *     not the query's).
 *
 * Duplicates. Prometheus refuses a vector with two equal label sets, and a
 * merge must not hide what the whole data set would show. Two series from
 * different shards can only end up with the same labels when the metric
 * name is dropped (rate, arithmetic) from selectors that match several
 * names, or when label_replace/label_join rewrite labels. A UNION merge
 * sees such duplicates and fails as Prometheus would; an AGG merge would
 * add them up silently, so an aggregation is pushed down only over a
 * subtree that cannot produce them ("injective"), and a filtering
 * comparison (`> 0.5`, which could drop one of the two) likewise.
 * Otherwise the subtree below is pushed down as UNION and the rest is
 * evaluated by sloeval.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "plan/plan_int.h"
#include "promql/functions.h"
#include "promql/printer.h"
#include "source/prometheus.h"
#include "util/error.h"

typedef enum node_class {
    CLS_NONE = 0,
    CLS_CONST,
    CLS_UNION,
    CLS_AGG,
} node_class;

typedef enum name_state {
    NAMES_ONE = 0, /* every series has the same __name__ (or may, from one selector) */
    NAMES_NONE,    /* the name was dropped */
    NAMES_MANY,    /* several names possible */
} name_state;

/* The planner's copy of a node, with what it knows about it. */
typedef struct pnode {
    ast_node n; /* first: a pnode is used as an ast_node */
    unsigned char cls;
    unsigned char names;
    bool inj;       /* equal output label sets cannot come from two shards */
    merge_kind agg; /* CLS_AGG */
} pnode;

static pnode *PN(const ast_node *n)
{
    return (pnode *)n;
}

/* ---- copying the tree -------------------------------------------------- */

static ast_node *copy_tree(arena *a, const ast_node *n)
{
    pnode *p = ARENA_NEW(a, pnode);
    if (!p) return NULL;
    p->n = *n;
    ast_node *c = &p->n;
    switch (n->kind) {
    case AST_MATRIX_SELECTOR:
        c->u.matrix_selector.vector_selector = copy_tree(a, n->u.matrix_selector.vector_selector);
        if (!c->u.matrix_selector.vector_selector) return NULL;
        break;
    case AST_SUBQUERY:
        if (!(c->u.subquery.expr = copy_tree(a, n->u.subquery.expr))) return NULL;
        break;
    case AST_CALL:
        if (n->u.call.nargs) {
            c->u.call.args = ARENA_NEW_ARRAY(a, ast_node *, n->u.call.nargs);
            if (!c->u.call.args) return NULL;
            for (size_t i = 0; i < n->u.call.nargs; i++)
                if (!(c->u.call.args[i] = copy_tree(a, n->u.call.args[i]))) return NULL;
        }
        break;
    case AST_AGGREGATE:
        if (!(c->u.aggregate.expr = copy_tree(a, n->u.aggregate.expr))) return NULL;
        if (n->u.aggregate.param && !(c->u.aggregate.param = copy_tree(a, n->u.aggregate.param)))
            return NULL;
        break;
    case AST_BINARY:
        if (!(c->u.binary.lhs = copy_tree(a, n->u.binary.lhs))) return NULL;
        if (!(c->u.binary.rhs = copy_tree(a, n->u.binary.rhs))) return NULL;
        break;
    case AST_UNARY:
        if (!(c->u.unary.expr = copy_tree(a, n->u.unary.expr))) return NULL;
        break;
    case AST_PAREN:
        if (!(c->u.paren.expr = copy_tree(a, n->u.paren.expr))) return NULL;
        break;
    default: break;
    }
    return c;
}

ast_node *plan_copy_tree(arena *a, const ast_node *n)
{
    return copy_tree(a, n);
}

/* ---- classification ------------------------------------------------------ */

/* Functions whose output series depend on one input series only, and
 * whose other arguments are parameters. */
static bool per_series(function_id id)
{
    switch (id) {
    case FN_ABS:
    case FN_ACOS:
    case FN_ACOSH:
    case FN_ASIN:
    case FN_ASINH:
    case FN_ATAN:
    case FN_ATANH:
    case FN_AVG_OVER_TIME:
    case FN_CEIL:
    case FN_CHANGES:
    case FN_CLAMP:
    case FN_CLAMP_MAX:
    case FN_CLAMP_MIN:
    case FN_COS:
    case FN_COSH:
    case FN_COUNT_OVER_TIME:
    case FN_DAY_OF_MONTH:
    case FN_DAY_OF_WEEK:
    case FN_DAY_OF_YEAR:
    case FN_DAYS_IN_MONTH:
    case FN_DEG:
    case FN_DELTA:
    case FN_DERIV:
    case FN_EXP:
    case FN_FLOOR:
    case FN_HOLT_WINTERS:
    case FN_HOUR:
    case FN_IDELTA:
    case FN_INCREASE:
    case FN_IRATE:
    case FN_LABEL_JOIN:
    case FN_LABEL_REPLACE:
    case FN_LAST_OVER_TIME:
    case FN_LN:
    case FN_LOG10:
    case FN_LOG2:
    case FN_MAX_OVER_TIME:
    case FN_MIN_OVER_TIME:
    case FN_MINUTE:
    case FN_MONTH:
    case FN_PREDICT_LINEAR:
    case FN_PRESENT_OVER_TIME:
    case FN_QUANTILE_OVER_TIME:
    case FN_RAD:
    case FN_RATE:
    case FN_RESETS:
    case FN_ROUND:
    case FN_SGN:
    case FN_SIN:
    case FN_SINH:
    case FN_SQRT:
    case FN_STDDEV_OVER_TIME:
    case FN_STDVAR_OVER_TIME:
    case FN_SUM_OVER_TIME:
    case FN_TAN:
    case FN_TANH:
    case FN_TIMESTAMP:
    case FN_YEAR:
    case FN_DOUBLE_EXPONENTIAL_SMOOTHING:
    case FN_FIRST_OVER_TIME:
    case FN_MAD_OVER_TIME:
    case FN_TS_OF_FIRST_OVER_TIME:
    case FN_TS_OF_LAST_OVER_TIME:
    case FN_TS_OF_MAX_OVER_TIME:
    case FN_TS_OF_MIN_OVER_TIME: return true;
    default: return false;
    }
}

static bool has_name_equal(const ast_node *vs)
{
    for (size_t i = 0; i < vs->u.vector_selector.nmatchers; i++) {
        const label_matcher *m = &vs->u.vector_selector.matchers[i];
        if (m->type == MATCH_EQUAL && strv_eq_cstr(m->name, METRIC_NAME_LABEL) && m->value.len)
            return true;
    }
    return false;
}

/* After a step that drops the metric name. */
static void drop_names(pnode *p, const pnode *in)
{
    p->inj = in->inj && in->names != NAMES_MANY;
    p->names = NAMES_NONE;
}

static void classify(ast_node *n)
{
    pnode *p = PN(n);
    size_t nc = ast_child_count(n);
    for (size_t i = 0; i < nc; i++)
        classify(ast_child(n, i));
    p->cls = CLS_NONE;
    p->inj = false;
    p->names = NAMES_MANY;
    switch (n->kind) {
    case AST_NUMBER:
    case AST_STRING:
        p->cls = CLS_CONST;
        p->inj = true;
        p->names = NAMES_NONE;
        break;
    case AST_VECTOR_SELECTOR:
        p->cls = CLS_UNION;
        p->inj = true;
        p->names = has_name_equal(n) ? NAMES_ONE : NAMES_MANY;
        break;
    case AST_MATRIX_SELECTOR:
    case AST_PAREN: {
        const pnode *c = PN(ast_child(n, 0));
        p->cls = c->cls == CLS_AGG ? CLS_NONE : c->cls;
        p->inj = c->inj;
        p->names = c->names;
        break;
    }
    case AST_UNARY: {
        const pnode *c = PN(n->u.unary.expr);
        if (c->cls == CLS_CONST || c->cls == CLS_UNION) {
            p->cls = c->cls;
            if (n->u.unary.op == UNARY_MINUS)
                drop_names(p, c);
            else {
                p->inj = c->inj;
                p->names = c->names;
            }
        }
        break;
    }
    case AST_SUBQUERY: {
        const pnode *c = PN(n->u.subquery.expr);
        if (c->cls == CLS_CONST || (c->cls == CLS_UNION && c->inj)) {
            p->cls = c->cls;
            p->inj = c->inj;
            p->names = c->names;
        }
        break;
    }
    case AST_CALL: {
        size_t nonconst = 0, data = 0;
        for (size_t i = 0; i < n->u.call.nargs; i++)
            if (PN(n->u.call.args[i])->cls != CLS_CONST) {
                nonconst++;
                data = i;
            }
        if (nonconst == 0) {
            p->cls = CLS_CONST;
            p->inj = true;
            p->names = NAMES_NONE;
            break;
        }
        const pnode *c = PN(n->u.call.args[data]);
        value_type t = ast_node_type(n->u.call.args[data]);
        if (nonconst == 1 && c->cls == CLS_UNION &&
            (t == VALUE_TYPE_VECTOR || t == VALUE_TYPE_MATRIX) && per_series(n->u.call.func->id)) {
            p->cls = CLS_UNION;
            drop_names(p, c);
            if (n->u.call.func->id == FN_LABEL_REPLACE || n->u.call.func->id == FN_LABEL_JOIN)
                p->inj = false;
        }
        break;
    }
    case AST_AGGREGATE: {
        const pnode *c = PN(n->u.aggregate.expr);
        const ast_node *param = n->u.aggregate.param;
        bool param_const = !param || PN(param)->cls == CLS_CONST;
        if (c->cls == CLS_CONST && param_const) {
            p->cls = CLS_CONST;
            p->inj = true;
            p->names = NAMES_NONE;
            break;
        }
        if (c->cls != CLS_UNION || !c->inj || param) break;
        switch (n->u.aggregate.op) {
        case AGG_SUM: p->agg = MERGE_SUM; break;
        case AGG_COUNT: p->agg = MERGE_SUM; break;
        case AGG_MIN: p->agg = MERGE_MIN; break;
        case AGG_MAX: p->agg = MERGE_MAX; break;
        case AGG_GROUP: p->agg = MERGE_GROUP; break;
        case AGG_AVG: p->agg = MERGE_AVG; break;
        default: return;
        }
        p->cls = CLS_AGG;
        break;
    }
    case AST_BINARY: {
        const pnode *l = PN(n->u.binary.lhs), *r = PN(n->u.binary.rhs);
        if (l->cls == CLS_CONST && r->cls == CLS_CONST) {
            p->cls = CLS_CONST;
            p->inj = true;
            p->names = NAMES_NONE;
            break;
        }
        const pnode *side = NULL;
        if (l->cls == CLS_UNION && r->cls == CLS_CONST &&
            ast_node_type(n->u.binary.rhs) == VALUE_TYPE_SCALAR)
            side = l;
        else if (r->cls == CLS_UNION && l->cls == CLS_CONST &&
                 ast_node_type(n->u.binary.lhs) == VALUE_TYPE_SCALAR)
            side = r;
        if (!side) break;
        if (binary_op_is_comparison(n->u.binary.op) && !n->u.binary.return_bool) {
            /* A filter: it could drop one of two equal label sets. */
            if (!side->inj) break;
            p->cls = CLS_UNION;
            p->inj = true;
            p->names = side->names;
        } else {
            p->cls = CLS_UNION;
            drop_names(p, side);
        }
        break;
    }
    }
}

/* ---- windows of raw samples ------------------------------------------------ */

static int64_t at_time(const pquery *q, at_kind at, int64_t at_ms, int64_t dflt)
{
    switch (at) {
    case AT_TIMESTAMP: return at_ms;
    case AT_START: return q->start;
    case AT_END: return q->end;
    default: return dflt;
    }
}

static int add_sel(plan_batch *b, pquery *q, const ast_node *vs, int64_t mint, int64_t maxt)
{
    strbuf sb = STRBUF_INIT;
    prom_format_selector(&sb, vs->u.vector_selector.matchers, vs->u.vector_selector.nmatchers);
    if (sb.failed) {
        strbuf_free(&sb);
        return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < q->nsels; i++) {
        rsel *s = &q->sels[i];
        if (strcmp(s->key, strbuf_cstr(&sb)) == 0) {
            strbuf_free(&sb);
            if (mint < s->mint) s->mint = mint;
            if (maxt > s->maxt) s->maxt = maxt;
            return 0;
        }
    }
    char *key = arena_strdup(&b->a, strbuf_cstr(&sb));
    strbuf_free(&sb);
    if (!key || arena_grow(&b->a, (void **)&q->sels, &q->capsels, q->nsels + 1, sizeof(rsel)))
        return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    rsel *s = &q->sels[q->nsels++];
    memset(s, 0, sizeof(*s));
    s->key = key;
    s->matchers = vs->u.vector_selector.matchers;
    s->nmatchers = vs->u.vector_selector.nmatchers;
    s->mint = mint;
    s->maxt = maxt;
    return 0;
}

/* Raw samples every selector under n needs when n is evaluated at each
 * step of [start, end] (a superset: the engine applies the exact windows). */
static int add_sels(plan_batch *b, pquery *q, const ast_node *n, int64_t start, int64_t end)
{
    int64_t lookback = b->opts.lookback_delta_ms > 0 ? b->opts.lookback_delta_ms : 300000;
    switch (n->kind) {
    case AST_VECTOR_SELECTOR:
    case AST_MATRIX_SELECTOR: {
        const ast_node *vs =
            n->kind == AST_VECTOR_SELECTOR ? n : n->u.matrix_selector.vector_selector;
        int64_t range = n->kind == AST_VECTOR_SELECTOR ? lookback : n->u.matrix_selector.range_ms;
        int64_t s = start, e = end;
        if (vs->u.vector_selector.at != AT_NONE)
            s = e = at_time(q, vs->u.vector_selector.at, vs->u.vector_selector.at_ms, start);
        int64_t off = vs->u.vector_selector.offset_ms;
        return add_sel(b, q, vs, s - off - range, e - off);
    }
    case AST_SUBQUERY: {
        int64_t s = start, e = end;
        if (n->u.subquery.at != AT_NONE)
            s = e = at_time(q, n->u.subquery.at, n->u.subquery.at_ms, start);
        int64_t off = n->u.subquery.offset_ms;
        return add_sels(b, q, n->u.subquery.expr, s - off - n->u.subquery.range_ms, e - off);
    }
    default: {
        size_t nc = ast_child_count(n);
        for (size_t i = 0; i < nc; i++) {
            int rc = add_sels(b, q, ast_child(n, i), start, end);
            if (rc) return rc;
        }
        return 0;
    }
    }
}

/* ---- fragments ---------------------------------------------------------- */

static char *print_node(plan_batch *b, const ast_node *n, sloeval_compat compat)
{
    strbuf sb = STRBUF_INIT;
    ast_print(&sb, n, compat);
    char *s = sb.failed ? NULL : arena_strdup(&b->a, strbuf_cstr(&sb));
    strbuf_free(&sb);
    return s;
}

static const ast_node *unparen(const ast_node *n)
{
    while (n->kind == AST_PAREN)
        n = n->u.paren.expr;
    return n;
}

static bool has_range_arg(const ast_node *call)
{
    for (size_t i = 0; i < call->u.call.nargs; i++)
        if (ast_node_type(call->u.call.args[i]) == VALUE_TYPE_MATRIX) return true;
    return false;
}

static int add_frag(plan_batch *b, pquery *q, const ast_node *n, merge_kind kind)
{
    if (arena_grow(&b->a, (void **)&q->frags, &q->capfrags, q->nfrags + 1, sizeof(frag)))
        return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    frag *f = &q->frags[q->nfrags++];
    memset(f, 0, sizeof(*f));
    f->node = n;
    f->kind = kind;
    const ast_node *inner = unparen(n);
    f->selector = inner->kind == AST_VECTOR_SELECTOR || inner->kind == AST_MATRIX_SELECTOR;
    /* 2.x refuses equal label sets out of a range-vector function or a
     * unary minus over the whole range, not only at equal steps. */
    f->strict_dupes =
        q->compat == SLOEVAL_COMPAT_V2 &&
        (inner->kind == AST_UNARY || (inner->kind == AST_CALL && has_range_arg(inner)));
    if (kind == MERGE_AVG) {
        ast_node tmp = *inner;
        tmp.u.aggregate.op = AGG_SUM;
        f->text = print_node(b, &tmp, q->compat);
        tmp.u.aggregate.op = AGG_COUNT;
        f->text2 = print_node(b, &tmp, q->compat);
        if (!f->text2) return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    } else {
        f->text = print_node(b, n, q->compat);
    }
    if (!f->text) return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    size_t nsh = kind == MERGE_WHOLE ? 1 : q->target.nshards;
    f->nreqs = kind == MERGE_AVG ? 2 * nsh : nsh;
    f->reqs = ARENA_NEW_ARRAY(&b->a, size_t, f->nreqs);
    if (!f->reqs) return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < f->nreqs; i++) {
        const char *text = i < nsh ? f->text : f->text2;
        req_kind rk = q->range ? REQ_RANGE : REQ_QUERY;
        f->reqs[i] = plan_add_request(b, q->target.shards[i % nsh], rk, text, NULL, 0, q->start,
                                      q->end, q->step);
        if (f->reqs[i] == SIZE_MAX) return error_set(&q->err, SLOEVAL_ENOMEM, "out of memory");
    }
    return 0;
}

/* Push down the largest mergeable subtrees under n; raw samples for the
 * rest. */
static int collect(plan_batch *b, pquery *q, const ast_node *n)
{
    const pnode *p = PN(n);
    switch (p->cls) {
    case CLS_CONST: return 0; /* evaluated by sloeval, no data needed */
    case CLS_AGG: return add_frag(b, q, n, p->agg);
    case CLS_UNION:
        /* A range vector is pushed down only as the answer of an instant
         * query; inside an expression its raw samples are fetched. */
        if (ast_node_type(n) != VALUE_TYPE_MATRIX) return add_frag(b, q, n, MERGE_UNION);
        if (n == q->root && !q->range) return add_frag(b, q, n, MERGE_UNION);
        return add_sels(b, q, n, q->start, q->end);
    default: break;
    }
    if (n->kind == AST_SUBQUERY) return add_sels(b, q, n, q->start, q->end);
    size_t nc = ast_child_count(n);
    for (size_t i = 0; i < nc; i++) {
        int rc = collect(b, q, ast_child(n, i));
        if (rc) return rc;
    }
    return 0;
}

static bool can_push(const sloeval_source *s)
{
    return prom_is_source(s) || (s->vt->query && s->vt->query_range);
}

int plan_query(plan_batch *b, pquery *q)
{
    const plan_target *t = &q->target;
    bool push = b->opts.mode != PLAN_LOCAL;
    for (size_t i = 0; i < t->nshards && push; i++) {
        if (can_push(t->shards[i])) continue;
        if (b->opts.mode == PLAN_PUSHDOWN)
            return error_set(&q->err, SLOEVAL_EINVAL,
                             "mode pushdown needs shards that evaluate queries, and %s does not "
                             "(use mode auto or local)",
                             plan_source_name(b, t->shards[i]));
        push = false;
    }
    if (!push) {
        q->local = true;
        return add_sels(b, q, q->root, q->start, q->end);
    }
    if (t->nshards == 1) return add_frag(b, q, q->root, MERGE_WHOLE);
    classify(q->root);
    const pnode *r = PN(q->root);
    if (r->cls == CLS_CONST) return add_frag(b, q, q->root, MERGE_WHOLE);
    int rc = collect(b, q, q->root);
    if (rc) return rc;
    q->local = !(q->nfrags == 1 && q->nsels == 0 && q->frags[0].node == q->root);
    return 0;
}

/* ---- explain ---------------------------------------------------------------- */

static void put_time(strbuf *sb, int64_t ms)
{
    char buf[48];
    prom_format_time(buf, sizeof(buf), ms);
    strbuf_puts(sb, buf);
}

static void put_request(plan_batch *b, strbuf *sb, const preq *r)
{
    strbuf_printf(sb, "    %s ", plan_source_name(b, r->src));
    if (!prom_is_source(r->src) && r->kind != REQ_SELECT) {
        strbuf_printf(sb, "%s %s at ", r->kind == REQ_QUERY ? "query" : "query_range", r->text);
        put_time(sb, r->t0);
        if (r->kind == REQ_RANGE) {
            strbuf_puts(sb, " to ");
            put_time(sb, r->t1);
            strbuf_printf(sb, " every %" PRId64 "ms", r->step);
        }
        strbuf_putc(sb, '\n');
        return;
    }
    switch (r->kind) {
    case REQ_QUERY:
        strbuf_printf(sb, "/api/v1/query query=%s time=", r->text);
        put_time(sb, r->t0);
        break;
    case REQ_RANGE:
        strbuf_printf(sb, "/api/v1/query_range query=%s start=", r->text);
        put_time(sb, r->t0);
        strbuf_puts(sb, " end=");
        put_time(sb, r->t1);
        strbuf_printf(sb, " step=%" PRId64 "ms", r->step);
        break;
    case REQ_SELECT:
        if (prom_is_source(r->src)) {
            strbuf_printf(sb, "/api/v1/query query=%s[%" PRId64 "ms] time=", r->text,
                          r->t1 - r->t0 + 1);
            put_time(sb, r->t1);
        } else {
            strbuf_printf(sb, "select %s from ", r->text);
            put_time(sb, r->t0);
            strbuf_puts(sb, " to ");
            put_time(sb, r->t1);
        }
        break;
    }
    strbuf_putc(sb, '\n');
}

void plan_explain_query(plan_batch *b, size_t idx)
{
    pquery *q = &b->queries[idx];
    strbuf *sb = &b->explain;
    const char *mode = b->opts.mode == PLAN_LOCAL      ? "local"
                       : b->opts.mode == PLAN_PUSHDOWN ? "pushdown"
                                                       : "auto";
    strbuf_printf(sb, "query %zu: %s\n  ", idx + 1, q->text ? q->text : "?");
    if (q->range) {
        strbuf_puts(sb, "range ");
        put_time(sb, q->start);
        strbuf_puts(sb, " to ");
        put_time(sb, q->end);
        strbuf_printf(sb, " step %" PRId64 "ms", q->step);
    } else {
        strbuf_puts(sb, "instant at ");
        put_time(sb, q->start);
    }
    /* Semantics: sloeval's only matter for what it evaluates; a query
     * the server evaluates whole has the server's, whatever its version
     * (which may not even have been asked). */
    bool all_remote = !q->local && q->nsels == 0 && q->nfrags > 0;
    for (size_t i = 0; i < q->nfrags; i++)
        if (q->frags[i].kind != MERGE_WHOLE) all_remote = false;
    bool known = true;
    for (size_t i = 0; i < q->target.nshards; i++)
        if (!prom_compat_known(q->target.shards[i])) known = false;
    const char *sem = q->compat == SLOEVAL_COMPAT_V2 ? "2.x" : "3.x";
    strbuf_printf(sb, "; mode %s; %zu shard%s; ", mode, q->target.nshards,
                  q->target.nshards == 1 ? "" : "s");
    if (all_remote && !known)
        strbuf_puts(sb, "the server's semantics (evaluated there; its version not asked)\n");
    else if (all_remote)
        strbuf_printf(sb, "%s semantics (the server's, evaluated there)\n", sem);
    else
        strbuf_printf(sb, "%s semantics%s\n", sem,
                      q->compat == SLOEVAL_COMPAT_V2 ? " (as Prometheus 2.42)" : "");
    if (q->dup_of != SIZE_MAX) {
        strbuf_printf(sb, "  same as query %zu\n", q->dup_of + 1);
        return;
    }
    if (q->code && !q->nfrags && !q->nsels) {
        strbuf_printf(sb, "  not planned: %s\n", q->err.message);
        return;
    }
    for (size_t i = 0; i < q->nfrags; i++) {
        const frag *f = &q->frags[i];
        if (f->kind == MERGE_WHOLE)
            strbuf_printf(sb, "  pushed down whole to %s:\n",
                          q->target.nshards == 1 ? "the server" : "one shard (no data needed)");
        else if (f->kind == MERGE_UNION)
            strbuf_printf(sb, "  pushed down to every shard, series side by side: %s\n", f->text);
        else if (f->kind == MERGE_AVG)
            strbuf_printf(sb,
                          "  pushed down to every shard as sum and count, merged as "
                          "sum/count: %s\n",
                          print_node(b, f->node, q->compat));
        else
            strbuf_printf(sb, "  pushed down to every shard, merged by %s: %s\n",
                          merge_kind_name(f->kind), f->text);
        for (size_t j = 0; j < f->nreqs; j++)
            put_request(b, sb, &b->reqs[f->reqs[j]]);
    }
    for (size_t i = 0; i < q->nsels; i++) {
        const rsel *s = &q->sels[i];
        /* the range fetched (one request may serve several queries), then
         * the part this query uses when it is less */
        const preq *r0 = q->target.nshards ? &b->reqs[s->reqs[0]] : NULL;
        int64_t t0 = r0 ? r0->t0 : s->mint, t1 = r0 ? r0->t1 : s->maxt;
        strbuf_printf(sb, "  raw samples of %s fetched from ", s->key);
        put_time(sb, t0);
        strbuf_puts(sb, " to ");
        put_time(sb, t1);
        if (t0 != s->mint || t1 != s->maxt) {
            strbuf_puts(sb, " (shared; this query uses ");
            put_time(sb, s->mint);
            strbuf_puts(sb, " to ");
            put_time(sb, s->maxt);
            strbuf_putc(sb, ')');
        }
        strbuf_puts(sb, ", from every shard:\n");
        for (size_t j = 0; j < q->target.nshards; j++)
            put_request(b, sb, &b->reqs[s->reqs[j]]);
    }
    if (q->local)
        strbuf_printf(sb, "  computed locally: %s%s\n", q->text,
                      q->nfrags ? " (with the merged answers above in place of their "
                                  "subexpressions)"
                                : "");
    else if (q->nfrags == 1 && q->frags[0].kind != MERGE_WHOLE)
        strbuf_puts(sb, "  computed locally: the merge\n");
    if (q->code) strbuf_printf(sb, "  not planned: %s\n", q->err.message);
}
