/*
 * The test-script runner (runner.h): executes parsed scripts (script.h)
 * against the engine over an in-memory source, the way Prometheus's own
 * runner does at v2.42 (promql/test.go) or 3.x (promql/promqltest/test.go).
 *
 * Data the engine does not evaluate locally (native histogram samples,
 * the native histograms load_with_nhcb makes) is kept apart: a selector
 * that would read any of it makes its case SKIPPED, with the reason, so
 * that cases over the float series of the same block still run.
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "regex/regex.h"
#include "promql/functions.h"
#include "promql/parser.h"
#include "promql/printer.h"
#include "promqltest/compare.h"
#include "promqltest/runner.h"
#include "promqltest/script.h"
#include "sloeval/source.h"
#include "source/memory.h"
#include "util/error.h"
#include "util/strbuf.h"

/* ---- the source the engine sees ------------------------------------------ */

/* Floats in `mem`; placeholders of native histogram samples in `hist`. */
typedef struct runner_source {
    sloeval_source base;
    sloeval_source *mem;
    sloeval_source *hist;
} runner_source;

static int rsrc_select(sloeval_source *src, const label_matcher *m, size_t nm, int64_t mint,
                       int64_t maxt, arena *a, matrix *out, source_notes *notes, sloeval_error *err)
{
    runner_source *r = (runner_source *)src;
    matrix h = {0};
    int rc = r->hist->vt->select(r->hist, m, nm, mint, maxt, a, &h, notes, err);
    if (rc < 0) return rc;
    if (h.count > 0) {
        char *s = labels_to_string(h.items[0].labels);
        rc = error_set(err, SLOEVAL_EUNSUPPORTED,
                       "not supported for local evaluation: native histogram samples of %s",
                       s ? s : "a series");
        free(s);
        return rc;
    }
    return r->mem->vt->select(r->mem, m, nm, mint, maxt, a, out, notes, err);
}

static const source_vtable rsrc_vt = {"test-script", rsrc_select, NULL, NULL, NULL, NULL};

/* ---- state ---------------------------------------------------------------- */

typedef struct runner {
    const runner_options *o;
    sloeval_compat compat;
    runner_source src;
    runner_counts *counts;
    const char *file;
    /* A load block the runner could not take: every later case until
     * `clear` is skipped (data sloeval does not hold, e.g. start
     * timestamps) or failed (the load itself failed) with this reason. */
    char broken[512];
    runner_status broken_status;
} runner;

static int reset_sources(runner *r)
{
    if (r->src.mem) sloeval_source_free(r->src.mem);
    if (r->src.hist) sloeval_source_free(r->src.hist);
    r->src.mem = r->src.hist = NULL;
    if (memory_new(&r->src.mem, r->compat) < 0 || memory_new(&r->src.hist, r->compat) < 0)
        return SLOEVAL_ENOMEM;
    r->src.base.vt = &rsrc_vt;
    r->src.base.compat = r->compat;
    r->broken[0] = 0;
    return 0;
}

/* ---- loading ---------------------------------------------------------------- */

static bool ends_with(strv s, const char *suffix, size_t *base_len)
{
    size_t l = strlen(suffix);
    if (s.len < l || memcmp(s.ptr + s.len - l, suffix, l)) return false;
    *base_len = s.len - l;
    return true;
}

/* Append one series' points to `mem`; histogram points (or, with
 * as_placeholder, every point) as placeholders. */
static int load_series(sloeval_source *mem, const labels *ls, const script_series *s,
                       int64_t interval, sloeval_error *err)
{
    char where[32];
    snprintf(where, sizeof where, "line %d", s->line);
    for (size_t i = 0; i < s->npoints; i++) {
        if (s->points[i].kind == POINT_OMITTED) continue;
        double v = s->points[i].kind == POINT_HISTOGRAM ? 0 : s->points[i].v;
        int rc = memory_load_append_labels(mem, ls, (int64_t)i * interval, v, where, err);
        if (rc < 0) return rc;
    }
    return 0;
}

static int do_load(runner *r, const script_load *ld, sloeval_error *err)
{
    if (ld->has_start_timestamps) {
        snprintf(r->broken, sizeof r->broken,
                 "not supported for local evaluation: start timestamps in the data");
        r->broken_status = RUNNER_SKIPPED;
        return 0;
    }
    int rc = memory_load_begin(r->src.mem, err);
    if (rc < 0) return rc;
    rc = memory_load_begin(r->src.hist, err);
    if (rc < 0) {
        memory_load_abort(r->src.mem);
        return rc;
    }
    arena *la = memory_arena(r->src.hist);
    struct nhcb {
        const labels *ls;
        bool *present; /* per step of the block */
        size_t n;
    } *nh = NULL;
    size_t nnh = 0, capnh = 0;
    for (size_t i = 0; i < ld->nseries && rc == 0; i++) {
        const script_series *s = &ld->series[i];
        if (s->start_timestamps) continue;
        /* A series given twice in one block keeps its last line, as
         * Prometheus's loader does. */
        bool later = false;
        for (size_t j = i + 1; j < ld->nseries && !later; j++)
            later =
                !ld->series[j].start_timestamps && labels_equal(ld->series[j].labels, s->labels);
        if (later) continue;
        if (s->has_histograms) {
            rc = load_series(r->src.hist, s->labels, s, ld->interval_ms, err);
            continue;
        }
        rc = load_series(r->src.mem, s->labels, s, ld->interval_ms, err);
        if (rc == 0 && ld->with_nhcb) {
            /* load_with_nhcb also turns classic histograms (name_bucket,
             * name_count, name_sum) into a native histogram named name. */
            strv name = labels_get(s->labels, STRV_LIT(METRIC_NAME_LABEL));
            size_t base;
            if (name.ptr && (ends_with(name, "_bucket", &base) ||
                             ends_with(name, "_count", &base) || ends_with(name, "_sum", &base))) {
                static const strv le = {"le", 2};
                const labels *h = labels_drop(la, s->labels, &le, 1, false);
                char *bn = h ? arena_strndup(la, name.ptr, base) : NULL;
                if (!bn) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
                h = labels_set(la, h, STRV_LIT(METRIC_NAME_LABEL), (strv){bn, base});
                if (!h) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
                /* Gather first: several bucket series make one histogram. */
                size_t j;
                for (j = 0; j < nnh; j++)
                    if (labels_equal(nh[j].ls, h)) break;
                if (j == nnh) {
                    if (arena_grow(la, (void **)&nh, &capnh, nnh + 1, sizeof(*nh)) < 0)
                        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
                    nh[nnh++] = (struct nhcb){h, NULL, 0};
                }
                if (s->npoints > nh[j].n) {
                    bool *p = arena_calloc(la, s->npoints, sizeof(bool));
                    if (!p) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
                    if (nh[j].n) memcpy(p, nh[j].present, nh[j].n);
                    nh[j].present = p;
                    nh[j].n = s->npoints;
                }
                for (size_t k = 0; k < s->npoints; k++)
                    if (s->points[k].kind != POINT_OMITTED) nh[j].present[k] = true;
            }
        }
    }
    for (size_t j = 0; j < nnh && rc == 0; j++)
        for (size_t k = 0; k < nh[j].n && rc == 0; k++)
            if (nh[j].present[k])
                rc = memory_load_append_labels(r->src.hist, nh[j].ls, (int64_t)k * ld->interval_ms,
                                               0, NULL, err);
    if (rc < 0) {
        memory_load_abort(r->src.mem);
        memory_load_abort(r->src.hist);
        return rc;
    }
    memory_load_commit(r->src.mem);
    memory_load_commit(r->src.hist);
    return 0;
}

/* ---- evaluating one query ------------------------------------------------------ */

typedef struct outcome {
    int rc; /* 0, or the evaluation's error code */
    char error[700];
    value v;
    eval_notes notes;
} outcome;

static bool is_at_unsafe(const char *name, sloeval_compat compat)
{
    static const char *const v2[] = {"days_in_month",  "day_of_month", "day_of_week", "day_of_year",
                                     "hour",           "minute",       "month",       "year",
                                     "predict_linear", "time",         "timestamp",   NULL};
    static const char *const v3[] = {"end", "range", "start", "step", NULL};
    for (size_t i = 0; v2[i]; i++)
        if (!strcmp(v2[i], name)) return true;
    if (compat != SLOEVAL_COMPAT_V2)
        for (size_t i = 0; v3[i]; i++)
            if (!strcmp(v3[i], name)) return true;
    return false;
}

/* Parse, check support and evaluate `text`; a parse error is reported the
 * way Prometheus prints it ("1:5: parse error: ..."). */
static void run_query(runner *r, arena *a, const char *text, int64_t start, int64_t end,
                      int64_t step, outcome *o)
{
    memset(o, 0, sizeof(*o));
    ast_node *root;
    parse_options po = {r->compat, r->compat != SLOEVAL_COMPAT_V2, 0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    size_t len = strlen(text);
    if (promql_parse(&root, a, text, len, &po, &err) != 0) {
        o->rc = err.code;
        if (err.code == SLOEVAL_EPARSE)
            snprintf(o->error, sizeof o->error, "%d:%d: parse error: %s", err.line, err.column,
                     err.message);
        else
            snprintf(o->error, sizeof o->error, "%s", err.message);
        return;
    }
    eval_opts eo = {r->compat, 300000, 0, 60000, r->o->delayed_name_removal};
    o->rc =
        eval_expr(&o->v, a, &eo, &r->src.base, root, text, len, start, end, step, &o->notes, &err);
    if (o->rc != 0) snprintf(o->error, sizeof o->error, "%s", err.message);
}

/* The @ variants of an instant query (atModifierTestCases): every selector
 * and subquery without an @ gets @ <eval time>, unless a subquery above it
 * has one; none when the expression calls a function whose result depends
 * on the evaluation time. Returns the printed expression, or NULL. */
static bool set_at(ast_node *n, int64_t ts, bool under_at, sloeval_compat compat)
{
    if (!n) return true;
    switch (n->kind) {
    case AST_VECTOR_SELECTOR:
        if (!under_at && n->u.vector_selector.at != AT_TIMESTAMP) {
            n->u.vector_selector.at = AT_TIMESTAMP;
            n->u.vector_selector.at_ms = ts;
        }
        return true;
    case AST_MATRIX_SELECTOR:
        return set_at(n->u.matrix_selector.vector_selector, ts, under_at, compat);
    case AST_SUBQUERY: {
        bool had = n->u.subquery.at == AT_TIMESTAMP;
        if (!under_at && !had) {
            n->u.subquery.at = AT_TIMESTAMP;
            n->u.subquery.at_ms = ts;
        }
        /* Prometheus's walk leaves the inside of a subquery alone once the
         * subquery has an @ (its own or the one just set). */
        (void)had;
        return set_at(n->u.subquery.expr, ts, true, compat);
    }
    case AST_CALL: {
        bool ok = !is_at_unsafe(call_name(n), compat);
        for (size_t i = 0; i < n->u.call.nargs; i++)
            if (!set_at(n->u.call.args[i], ts, under_at, compat)) ok = false;
        return ok;
    }
    case AST_AGGREGATE: {
        bool ok = set_at(n->u.aggregate.param, ts, under_at, compat);
        return set_at(n->u.aggregate.expr, ts, under_at, compat) && ok;
    }
    case AST_BINARY: {
        bool ok = set_at(n->u.binary.lhs, ts, under_at, compat);
        return set_at(n->u.binary.rhs, ts, under_at, compat) && ok;
    }
    case AST_UNARY: return set_at(n->u.unary.expr, ts, under_at, compat);
    case AST_PAREN: return set_at(n->u.paren.expr, ts, under_at, compat);
    default: return true;
    }
}

static char *at_variant(runner *r, arena *a, const char *text, int64_t ts)
{
    ast_node *root;
    parse_options po = {r->compat, r->compat != SLOEVAL_COMPAT_V2, 0};
    sloeval_error err = SLOEVAL_ERROR_INIT;
    if (promql_parse(&root, a, text, strlen(text), &po, &err) != 0) return NULL;
    if (!set_at(root, ts, false, r->compat)) return NULL;
    strbuf sb = STRBUF_INIT;
    ast_print(&sb, root, r->compat);
    char *s = sb.failed ? NULL : arena_strdup(a, strbuf_cstr(&sb));
    strbuf_free(&sb);
    return s;
}

/* ---- checks -------------------------------------------------------------------------- */

typedef struct verdict {
    runner_status status;
    char why[1024];
} verdict;

static void set_verdict(verdict *vd, runner_status st, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_verdict(verdict *vd, runner_status st, const char *fmt, ...)
{
    if (vd->status != RUNNER_PASSED) return; /* the first verdict stands */
    vd->status = st;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(vd->why, sizeof vd->why, fmt, ap);
    va_end(ap);
}

static const script_expect *first_expect(const script_eval *e, script_expect_kind k)
{
    for (size_t i = 0; i < e->nexpects; i++)
        if (e->expects[i].kind == k) return &e->expects[i];
    return NULL;
}

static bool expects_fail(const script_eval *e)
{
    return e->fail || first_expect(e, EXPECT_FAIL) != NULL;
}

static bool expects_ordered(const script_eval *e)
{
    return e->ordered || first_expect(e, EXPECT_ORDERED) != NULL;
}

/* An evaluation that failed: skipped when the cause is not evaluated
 * locally, else checked against the expected failure. Returns true when
 * the case ends here. */
static bool check_error(runner *r, const script_eval *e, const outcome *o, const char *q,
                        verdict *vd)
{
    if (o->rc == 0) {
        if (expects_fail(e)) {
            set_verdict(vd, RUNNER_FAILED, "expected error evaluating query %s but got none", q);
            return true;
        }
        return false;
    }
    if (o->rc == SLOEVAL_EUNSUPPORTED) {
        set_verdict(vd, RUNNER_SKIPPED, "%s", o->error);
        return true;
    }
    if (!expects_fail(e)) {
        set_verdict(vd, RUNNER_FAILED, "error evaluating query %s: %s", q, o->error);
        return true;
    }
    if (r->compat != SLOEVAL_COMPAT_V2) {
        const script_expect *x = first_expect(e, EXPECT_FAIL);
        if (x && x->match != EXPECT_MATCH_ANY &&
            !script_expect_matches(x, strv_from_cstr(o->error)))
            set_verdict(vd, RUNNER_FAILED, "expected error matching \"%.*s\" but got: %s",
                        (int)x->text.len, x->text.ptr, o->error);
    }
    return true;
}

/* validateExpectedAnnotationsOfType and checkAnnotations (3.x). */
static void check_annotations(const script_eval *e, const outcome *o, verdict *vd)
{
    static const struct {
        script_expect_kind kind, none;
        const char *name;
        bool warn;
    } types[] = {{EXPECT_WARN, EXPECT_NO_WARN, "warn", true},
                 {EXPECT_INFO, EXPECT_NO_INFO, "info", false}};
    if (e->warn && o->notes.nwarnings == 0)
        set_verdict(vd, RUNNER_FAILED, "expected warnings but got none");
    if (e->info && o->notes.ninfos == 0)
        set_verdict(vd, RUNNER_FAILED, "expected info annotations but got none");
    for (size_t t = 0; t < 2; t++) {
        char **got = types[t].warn ? o->notes.warnings : o->notes.infos;
        size_t n = types[t].warn ? o->notes.nwarnings : o->notes.ninfos;
        bool any_expect = false, none = false;
        for (size_t i = 0; i < e->nexpects; i++) {
            const script_expect *x = &e->expects[i];
            if (x->kind == types[t].none) none = true;
            if (x->kind != types[t].kind) continue;
            any_expect = true;
            bool found = false;
            for (size_t k = 0; k < n && !found; k++)
                found = script_expect_matches(x, strv_from_cstr(got[k]));
            if (!found)
                set_verdict(vd, RUNNER_FAILED,
                            "expected %s annotation matching \"%.*s\" but found: %s%s",
                            types[t].name, (int)x->text.len, x->text.ptr, n ? got[0] : "none",
                            n > 1 ? ", ..." : "");
        }
        if (any_expect) {
            for (size_t k = 0; k < n; k++) {
                bool found = false;
                for (size_t i = 0; i < e->nexpects && !found; i++)
                    if (e->expects[i].kind == types[t].kind)
                        found = script_expect_matches(&e->expects[i], strv_from_cstr(got[k]));
                if (!found)
                    set_verdict(vd, RUNNER_FAILED, "unexpected %s annotation \"%s\"", types[t].name,
                                got[k]);
            }
        }
        if (none && n > 0)
            set_verdict(vd, RUNNER_FAILED, "unexpected %s annotation \"%s\"", types[t].name,
                        got[0]);
    }
}

/* The expectations of an eval command in the comparison module's terms. */
static void make_expected(arena *a, const script_eval *e, rt_expected *x)
{
    memset(x, 0, sizeof(*x));
    x->scalar = e->expect_scalar;
    x->scalar_value = e->scalar;
    rt_series *s = ARENA_NEW_ARRAY(a, rt_series, e->nresults + 1);
    for (size_t i = 0; s && i < e->nresults; i++) {
        const script_series *r = &e->results[i];
        rt_point *p = ARENA_NEW_ARRAY(a, rt_point, r->npoints + 1);
        if (!p) break;
        for (size_t k = 0; k < r->npoints; k++)
            p[k] = (rt_point){r->points[k].v, r->points[k].kind == POINT_OMITTED};
        s[i] = (rt_series){r->labels, p, r->npoints, i};
        x->nseries = i + 1;
    }
    x->series = s;
}

static void compare_instant(runner *r, const script_eval *e, const rt_expected *x, const outcome *o,
                            const char *q, verdict *vd)
{
    char why[900];
    int rc = 0;
    switch (o->v.kind) {
    case VALUE_VECTOR:
        rc = rt_compare_vector(&o->v.u.vector, x, expects_ordered(e), r->compat, why, sizeof why);
        break;
    case VALUE_SCALAR: rc = rt_compare_scalar(o->v.u.scalar, x, r->compat, why, sizeof why); break;
    case VALUE_STRING:
        if (!e->expect_string || !strv_eq(e->string, o->v.u.string)) {
            snprintf(why, sizeof why, "expected string \"%.*s\" but got \"%.*s\"",
                     (int)e->string.len, e->string.ptr, (int)o->v.u.string.len, o->v.u.string.ptr);
            rc = -1;
        }
        break;
    case VALUE_MATRIX:
        if (!e->expect_range_vector) {
            snprintf(why, sizeof why, "received range result on instant evaluation");
            rc = -1;
        } else {
            rc = rt_compare_matrix(&o->v.u.matrix, x, e->start_ms, e->end_ms, e->step_ms, r->compat,
                                   why, sizeof why);
        }
        break;
    default: snprintf(why, sizeof why, "no result"); rc = -1;
    }
    if (rc < 0) set_verdict(vd, RUNNER_FAILED, "in %s: %s", q, why);
}

static bool calls_query_context(const char *q)
{
    static const char *const fns[] = {"start()", "end()", "range()", "step()"};
    for (size_t i = 0; i < 4; i++)
        if (strstr(q, fns[i])) return true;
    return false;
}

/* One instant query (the command's own, or an @ variant). */
static void run_instant(runner *r, arena *a, const script_eval *e, const rt_expected *x,
                        const char *q, int64_t t, verdict *vd)
{
    outcome o;
    run_query(r, a, q, t, t, 0, &o);
    if (check_error(r, e, &o, q, vd)) return;
    if (r->compat != SLOEVAL_COMPAT_V2) check_annotations(e, &o, vd);
    compare_instant(r, e, x, &o, q, vd);
    if (vd->status != RUNNER_PASSED) return;
    if (e->expect_range_vector || e->expect_string) return;
    if (r->compat != SLOEVAL_COMPAT_V2 && calls_query_context(q)) return;

    /* The same query as a range query over t-1m..t+1m: the middle step. */
    outcome ro;
    run_query(r, a, q, t - 60000, t + 60000, 60000, &ro);
    if (ro.rc == SLOEVAL_EUNSUPPORTED) {
        set_verdict(vd, RUNNER_SKIPPED, "%s", ro.error);
        return;
    }
    if (ro.rc != 0) {
        set_verdict(vd, RUNNER_FAILED, "error evaluating query %s in range mode: %s", q, ro.error);
        return;
    }
    if (expects_ordered(e)) return;
    vector mid = {0};
    for (size_t i = 0; i < ro.v.u.matrix.count; i++) {
        const series *s = &ro.v.u.matrix.items[i];
        for (size_t k = 0; k < s->count; k++)
            if (s->samples[k].t == t) {
                vector_push(a, &mid, s->labels, t, s->samples[k].v);
                break;
            }
    }
    char why[900];
    int rc;
    if (o.v.kind == VALUE_SCALAR)
        rc = rt_compare_scalar(mid.count ? mid.items[0].v : NAN, x, r->compat, why, sizeof why);
    else
        rc = rt_compare_vector(&mid, x, false, r->compat, why, sizeof why);
    if (rc < 0) set_verdict(vd, RUNNER_FAILED, "in %s (range mode): %s", q, why);
}

static void run_eval(runner *r, const script_cmd *cmd, const char *name)
{
    const script_eval *e = &cmd->u.eval;
    verdict vd = {RUNNER_PASSED, ""};
    arena a;
    arena_init(&a, 1 << 14);
    const char *q = e->expr.ptr;

    if (r->broken[0]) {
        set_verdict(&vd, r->broken_status, "%s", r->broken);
    } else if (e->has_histograms) {
        set_verdict(&vd, RUNNER_SKIPPED,
                    "not supported for local evaluation: native histogram results");
    } else if (e->range) {
        rt_expected x;
        make_expected(&a, e, &x);
        outcome o;
        run_query(r, &a, q, e->start_ms, e->end_ms, e->step_ms, &o);
        if (!check_error(r, e, &o, q, &vd)) {
            if (r->compat != SLOEVAL_COMPAT_V2) check_annotations(e, &o, &vd);
            char why[900];
            if (vd.status == RUNNER_PASSED) {
                int rc = 0;
                if (o.v.kind == VALUE_MATRIX)
                    rc = rt_compare_matrix(&o.v.u.matrix, &x, e->start_ms, e->end_ms, e->step_ms,
                                           r->compat, why, sizeof why);
                else
                    snprintf(why, sizeof why, "a range query did not give a matrix"), rc = -1;
                if (rc < 0) set_verdict(&vd, RUNNER_FAILED, "%s", why);
            }
        }
    } else {
        rt_expected x;
        make_expected(&a, e, &x);
        run_instant(r, &a, e, &x, q, e->at_ms, &vd);
        int64_t ts = e->at_ms;
        char *variant = vd.status == RUNNER_PASSED ? at_variant(r, &a, q, ts) : NULL;
        if (variant) {
            int64_t times[5] = {-10 * ts, 0, ts / 5, ts, 10 * ts};
            size_t nt = 5;
            if (ts == 0) {
                times[0] = -1000;
                times[1] = 0;
                times[2] = 1000;
                nt = 3;
            }
            for (size_t i = 0; i < nt && vd.status == RUNNER_PASSED; i++)
                run_instant(r, &a, e, &x, variant, times[i], &vd);
        }
    }

    if (vd.status == RUNNER_PASSED)
        r->counts->passed++;
    else if (vd.status == RUNNER_FAILED)
        r->counts->failed++;
    else
        r->counts->skipped++;
    if (r->o->on_case) {
        runner_case c = {name, cmd->line, q, vd.status, vd.why};
        r->o->on_case(r->o->ctx, &c);
    }
    arena_free(&a);
}

/* ---- entry points ---------------------------------------------------------------- */

static int run_script(runner_counts *counts, script *s, const char *name,
                      const runner_options *opts, sloeval_error *err)
{
    runner r;
    memset(&r, 0, sizeof(r));
    r.o = opts;
    r.compat = opts->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    r.counts = counts;
    r.file = name;
    int rc = reset_sources(&r);
    if (rc < 0) {
        error_set(err, rc, "out of memory");
        goto done;
    }
    for (size_t i = 0; i < s->ncmds && rc == 0; i++) {
        const script_cmd *c = &s->cmds[i];
        switch (c->kind) {
        case SCRIPT_LOAD: {
            sloeval_error lerr = SLOEVAL_ERROR_INIT;
            if (do_load(&r, &c->u.load, &lerr) < 0) {
                if (lerr.code == SLOEVAL_ENOMEM) {
                    rc = error_set(err, SLOEVAL_ENOMEM, "out of memory");
                    break;
                }
                /* Data the engine cannot hold: the cases that follow would
                 * see incomplete data. */
                snprintf(r.broken, sizeof r.broken, "the load at line %d failed: %.400s", c->line,
                         lerr.message);
                r.broken_status = RUNNER_FAILED;
            }
            break;
        }
        case SCRIPT_CLEAR:
            rc = reset_sources(&r);
            if (rc < 0) error_set(err, rc, "out of memory");
            break;
        case SCRIPT_EVAL: run_eval(&r, c, name); break;
        }
    }
done:
    if (r.src.mem) sloeval_source_free(r.src.mem);
    if (r.src.hist) sloeval_source_free(r.src.hist);
    return rc;
}

int runner_run(runner_counts *counts, const char *text, size_t len, const char *name,
               const runner_options *opts, sloeval_error *err)
{
    script *s;
    int rc = script_parse(&s, text, len, name, err);
    if (rc < 0) return rc;
    rc = run_script(counts, s, name, opts, err);
    script_free(s);
    return rc;
}

int runner_run_file(runner_counts *counts, const char *path, const runner_options *opts,
                    sloeval_error *err)
{
    script *s;
    int rc = script_parse_file(&s, path, err);
    if (rc < 0) return rc;
    rc = run_script(counts, s, path, opts, err);
    script_free(s);
    return rc;
}
