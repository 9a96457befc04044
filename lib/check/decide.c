/*
 * Decisions from answers: SLI numbers, burn rates, the policy, budget
 * remaining, alert states. Pure functions of the answers (see check.h).
 */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check/check.h"
#include "promql/parser.h"
#include "slo/policy.h"
#include "util/error.h"
#include "util/strbuf.h"

const char *check_sli_query_name(check_sli_query q)
{
    switch (q) {
    case CHECK_Q_ERRORS: return "error_query";
    case CHECK_Q_TOTAL: return "total_query";
    case CHECK_Q_RATIO: return "error_ratio_query";
    }
    return "query";
}

const char *check_duration_name(arena *a, int64_t ms)
{
    char buf[64];
    promql_duration_format(buf, sizeof(buf), ms);
    return arena_strdup(a, buf);
}

/* An arena string from printf; NULL when out of memory. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
static const char *
aprintf(arena *a, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char small[512];
    int n = vsnprintf(small, sizeof(small), fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    if ((size_t)n < sizeof(small)) return arena_strdup(a, small);
    char *big = arena_alloc(a, (size_t)n + 1);
    if (!big) return NULL;
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return big;
}

/* The reason a failed query gives. */
static slo_reason reason_of_code(int code)
{
    switch (code) {
    case SLOEVAL_EPARTIAL: return SLO_REASON_PARTIAL;
    case SLOEVAL_EUNSUPPORTED:
    case SLOEVAL_EEXEC:
    case SLOEVAL_EPARSE:
    case SLOEVAL_EINVAL: return SLO_REASON_QUERY_ERROR;
    default: return SLO_REASON_BACKEND_ERROR;
    }
}

slo_measure check_measure(const check_answer *ans, check_sli_query q, const char **detail, arena *a)
{
    const char *name = check_sli_query_name(q);
    *detail = NULL;
    if (ans->code != 0) {
        *detail = aprintf(a, "%s: %s", name,
                          ans->error && ans->error[0] ? ans->error : sloeval_strerror(ans->code));
        return (slo_measure){reason_of_code(ans->code), NAN};
    }
    const value *v = ans->value;
    if (!v) {
        *detail = aprintf(a, "%s: no answer", name);
        return (slo_measure){SLO_REASON_BACKEND_ERROR, NAN};
    }
    switch (v->kind) {
    case VALUE_SCALAR: return slo_measure_of(v->u.scalar);
    case VALUE_VECTOR:
        if (v->u.vector.count == 1) return slo_measure_of(v->u.vector.items[0].v);
        if (v->u.vector.count == 0) {
            *detail = aprintf(a, "%s returned no series", name);
            return (slo_measure){SLO_REASON_NO_DATA, NAN};
        }
        *detail = aprintf(a,
                          "%s returned %zu series; it must return one number per scope "
                          "(aggregate it, e.g. sum(...))",
                          name, v->u.vector.count);
        return (slo_measure){SLO_REASON_MANY_SERIES, NAN};
    default:
        *detail = aprintf(a, "%s returned a %s, not an instant vector or a scalar", name,
                          v->kind == VALUE_MATRIX ? "range vector" : "string");
        return (slo_measure){SLO_REASON_QUERY_ERROR, NAN};
    }
}

/* ---- notes ----------------------------------------------------------------- */

typedef struct notes {
    const char **items;
    size_t count, cap;
    bool failed;
} notes;

static void note_add(notes *n, arena *a, const char *text)
{
    if (!text) {
        n->failed = true;
        return;
    }
    for (size_t i = 0; i < n->count; i++)
        if (!strcmp(n->items[i], text)) return;
    if (arena_grow(a, (void **)&n->items, &n->cap, n->count + 1, sizeof(*n->items))) {
        n->failed = true;
        return;
    }
    n->items[n->count++] = text;
}

/* Server warnings and infos of an answer, as notes. */
static void note_server(notes *n, arena *a, const check_answer *ans, check_sli_query q,
                        const char *window)
{
    const source_notes *sn = ans->notes;
    if (!sn) return;
    for (size_t i = 0; i < sn->nwarnings; i++)
        note_add(n, a,
                 aprintf(a, "%s over %s: warning from the server: %.*s", check_sli_query_name(q),
                         window, (int)sn->warnings[i].len, sn->warnings[i].ptr));
    for (size_t i = 0; i < sn->ninfos; i++)
        note_add(n, a,
                 aprintf(a, "%s over %s: info from the server: %.*s", check_sli_query_name(q),
                         window, (int)sn->infos[i].len, sn->infos[i].ptr));
}

/* ---- SLOs ------------------------------------------------------------------ */

/* The measured number of one window, with the reason and its detail. */
typedef struct window_eval {
    slo_reason reason;
    const char *detail; /* what made the reason, or NULL */
    double ratio, errors, total;
    bool zero_errors; /* the error query had no series and counted as 0 */
} window_eval;

static void eval_window(window_eval *w, arena *a, const slo_def *slo, slo_empty_errors empty,
                        const check_slo_answers *ans, size_t i)
{
    memset(w, 0, sizeof(*w));
    w->errors = w->total = w->ratio = NAN;
    if (slo->sli == SLO_SLI_RATIO) {
        const char *d;
        slo_measure m = check_measure(&ans->ratio[i], CHECK_Q_RATIO, &d, a);
        w->reason = slo_ratio_raw(&w->ratio, m);
        if (w->reason != SLO_REASON_NONE)
            w->detail = d ? d
                          : aprintf(a, "error_ratio_query returned %s",
                                    w->reason == SLO_REASON_NAN   ? "NaN (0/0: no traffic?)"
                                    : w->reason == SLO_REASON_INF ? "an infinite value"
                                                                  : "a negative value");
        return;
    }
    const char *de, *dt;
    slo_measure me = check_measure(&ans->err[i], CHECK_Q_ERRORS, &de, a);
    slo_measure mt = check_measure(&ans->tot[i], CHECK_Q_TOTAL, &dt, a);
    if (me.reason == SLO_REASON_NO_DATA && empty == SLO_EMPTY_ERRORS_ZERO &&
        mt.reason == SLO_REASON_NONE && mt.value > 0) {
        /* the backend answered, and a healthy service has no error series */
        me = (slo_measure){SLO_REASON_NONE, 0};
        w->zero_errors = true;
    }
    if (me.reason == SLO_REASON_NONE) w->errors = me.value;
    if (mt.reason == SLO_REASON_NONE) w->total = mt.value;
    w->reason = slo_ratio_events(&w->ratio, me, mt);
    if (w->reason == SLO_REASON_NONE) return;
    /* say which query made the reason */
    if (w->reason == SLO_REASON_NO_TRAFFIC) {
        w->detail = "total_query returned 0";
    } else if (mt.reason == w->reason && dt) {
        w->detail = dt;
    } else if (me.reason == w->reason && de) {
        w->detail = de;
    } else {
        bool on_total =
            mt.reason == w->reason ||
            (mt.reason == SLO_REASON_NONE && (isnan(mt.value) || isinf(mt.value) || mt.value < 0));
        double v = on_total ? mt.value : me.value;
        w->detail = aprintf(a, "%s returned %s", on_total ? "total_query" : "error_query",
                            isnan(v)   ? "NaN"
                            : isinf(v) ? (v > 0 ? "+Inf" : "-Inf")
                                       : "a negative value");
    }
    if (w->reason == SLO_REASON_NO_DATA && !w->zero_errors && me.reason == SLO_REASON_NO_DATA &&
        mt.reason == SLO_REASON_NONE && empty == SLO_EMPTY_ERRORS_INCONCLUSIVE)
        w->detail = "error_query returned no series (empty_errors: inconclusive)";
}

static const char *const *disabled_list(arena *a, const slo_def *slo, size_t *n)
{
    *n = 0;
    const char **d = ARENA_NEW_ARRAY(a, const char *, slo->nseverities + 1);
    if (!d) return NULL;
    for (size_t i = 0; i < slo->nseverities; i++)
        if (slo->severities[i].disabled) d[(*n)++] = slo->severities[i].severity;
    return d;
}

static sloeval_check_rule_state rule_state(slo_rule_state s)
{
    switch (s) {
    case SLO_RULE_FIRING: return SLOEVAL_CHECK_RULE_FIRING;
    case SLO_RULE_INCONCLUSIVE: return SLOEVAL_CHECK_RULE_INCONCLUSIVE;
    case SLO_RULE_DISABLED: return SLOEVAL_CHECK_RULE_DISABLED;
    case SLO_RULE_QUIET: break;
    }
    return SLOEVAL_CHECK_RULE_QUIET;
}

int check_decide_slo(sloeval_check_slo_result *out, arena *a, const slo_def *slo,
                     const slo_policy *policy, slo_empty_errors empty_errors,
                     const check_slo_answers *ans, sloeval_error *err)
{
    size_t nw = policy->nwindows;
    if (ans->nwindows != nw + 1)
        return error_set(err, SLOEVAL_EINVAL, "%zu answers for a policy of %zu windows",
                         ans->nwindows, nw);
    for (size_t i = 0; i < nw; i++)
        if (ans->windows[i] != policy->windows[i])
            return error_set(err, SLOEVAL_EINVAL, "answer %zu is not for the policy's window", i);

    window_eval *ev = ARENA_NEW_ARRAY(a, window_eval, nw + 1);
    slo_window_value *wv = ARENA_NEW_ARRAY(a, slo_window_value, nw + 1);
    sloeval_check_window *win = ARENA_NEW_ARRAY(a, sloeval_check_window, nw + 1);
    slo_rule_result *rr = ARENA_NEW_ARRAY(a, slo_rule_result, policy->nrules + 1);
    sloeval_check_rule *rules = ARENA_NEW_ARRAY(a, sloeval_check_rule, policy->nrules + 1);
    if (!ev || !wv || !win || !rr || !rules) return error_set(err, SLOEVAL_ENOMEM, "out of memory");

    notes nt = {0};
    const char *zero_windows[64];
    size_t nzero = 0;
    for (size_t i = 0; i <= nw; i++) {
        const char *wname = check_duration_name(a, ans->windows[i]);
        if (!wname) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        eval_window(&ev[i], a, slo, empty_errors, ans, i);
        if (ev[i].zero_errors && nzero < sizeof(zero_windows) / sizeof(*zero_windows))
            zero_windows[nzero++] = wname;
        if (slo->sli == SLO_SLI_RATIO) {
            note_server(&nt, a, &ans->ratio[i], CHECK_Q_RATIO, wname);
        } else {
            note_server(&nt, a, &ans->err[i], CHECK_Q_ERRORS, wname);
            note_server(&nt, a, &ans->tot[i], CHECK_Q_TOTAL, wname);
        }
        wv[i] = (slo_window_value){ans->windows[i], ev[i].reason, ev[i].ratio, NAN,
                                   slo_rule_budget(slo->objective)};
        slo_window_set_burn(&wv[i], slo->budget);
        win[i] = (sloeval_check_window){
            ans->windows[i],
            wname,
            ev[i].reason == SLO_REASON_NONE ? NULL : slo_reason_name(ev[i].reason),
            ev[i].reason == SLO_REASON_NONE ? ev[i].ratio : NAN,
            wv[i].burn,
            ev[i].errors,
            ev[i].total};
    }
    if (nzero) {
        strbuf sb = STRBUF_INIT;
        strbuf_puts(&sb, "error_query returned no series over ");
        for (size_t i = 0; i < nzero; i++)
            strbuf_printf(&sb, "%s%s", i ? (i + 1 == nzero ? " and " : ", ") : "", zero_windows[i]);
        strbuf_puts(&sb, "; counted as 0 errors");
        note_add(&nt, a, sb.failed ? NULL : arena_strdup(a, strbuf_cstr(&sb)));
        strbuf_free(&sb);
    }
    if (nt.failed) return error_set(err, SLOEVAL_ENOMEM, "out of memory");

    /* budget remaining over the period: the period's own ratio, traffic-weighted */
    const window_eval *pe = &ev[nw];
    slo_reason budget_reason = pe->reason;
    out->budget_remaining = budget_reason == SLO_REASON_NONE ? 1.0 - pe->ratio / slo->budget : NAN;
    out->budget_reason = budget_reason == SLO_REASON_NONE ? NULL : slo_reason_name(budget_reason);
    out->period_ms = ans->windows[nw];
    out->budget_coverage = NAN; /* check_set_coverage */

    size_t ndis;
    const char *const *dis = disabled_list(a, slo, &ndis);
    if (!dis) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    slo_decision dec;
    int rc = slo_policy_decide(&dec, rr, policy, wv, nw, dis, ndis, budget_reason, err);
    if (rc) return rc;

    for (size_t i = 0; i < policy->nrules; i++) {
        const slo_policy_rule *r = &policy->rules[i];
        rules[i] = (sloeval_check_rule){arena_strdup(a, r->severity),
                                        r->long_ms,
                                        r->short_ms,
                                        check_duration_name(a, r->long_ms),
                                        check_duration_name(a, r->short_ms),
                                        r->factor,
                                        rule_state(rr[i].state),
                                        rr[i].burn_long,
                                        rr[i].burn_short};
        if (!rules[i].severity || !rules[i].long_window || !rules[i].short_window)
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }

    out->objective = 1.0 - slo->budget;
    out->windows = win;
    out->nwindows = nw;
    out->rules = rules;
    out->nrules = policy->nrules;
    out->notes = nt.items;
    out->nnotes = nt.count;
    out->severity = NULL;
    out->reason = NULL;
    switch (dec.status) {
    case SLO_STATUS_FIRING:
        out->status = SLOEVAL_CHECK_FIRING;
        /* the first firing rule's severity, as the report's own string */
        for (size_t i = 0; i < policy->nrules && !out->severity; i++)
            if (rules[i].state == SLOEVAL_CHECK_RULE_FIRING) out->severity = rules[i].severity;
        break;
    case SLO_STATUS_OK: out->status = SLOEVAL_CHECK_OK; break;
    case SLO_STATUS_INCONCLUSIVE: {
        out->status = SLOEVAL_CHECK_INCONCLUSIVE;
        size_t k = nw;
        for (size_t i = 0; i < nw; i++)
            if (dec.reason_window_ms != 0 && ans->windows[i] == dec.reason_window_ms) k = i;
        const char *d = ev[k].reason == dec.reason ? ev[k].detail : NULL;
        if (k == nw)
            out->reason =
                aprintf(a, "%s over the period (%s)%s%s", slo_reason_name(dec.reason),
                        check_duration_name(a, ans->windows[nw]), d ? ": " : "", d ? d : "");
        else
            out->reason = aprintf(a, "%s over %s%s%s", slo_reason_name(dec.reason), win[k].window,
                                  d ? ": " : "", d ? d : "");
        if (!out->reason) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        break;
    }
    }
    return 0;
}

void check_set_coverage(sloeval_check_slo_result *out, const check_answer *earliest, int64_t t)
{
    out->budget_coverage = NAN;
    const value *v = earliest->value;
    if (earliest->code != 0 || !v || out->period_ms <= 0) return;
    double e = NAN;
    if (v->kind == VALUE_VECTOR && v->u.vector.count == 1)
        e = v->u.vector.items[0].v;
    else if (v->kind == VALUE_SCALAR)
        e = v->u.scalar;
    if (!isfinite(e)) return;
    double c = ((double)t / 1000.0 - e) / ((double)out->period_ms / 1000.0);
    out->budget_coverage = c < 0 ? 0 : c > 1 ? 1 : c;
}

/* ---- alerts ---------------------------------------------------------------- */

static int64_t ceil_div(int64_t a, int64_t b)
{
    return a <= 0 ? 0 : (a + b - 1) / b;
}

void check_alert_steps(const slo_alert *alert, int64_t t, int64_t *start, int64_t *end,
                       int64_t *step, size_t *nsteps)
{
    int64_t s = alert->step_ms > 0 ? alert->step_ms : SLO_DEFAULT_STEP_MS;
    int64_t nfor = ceil_div(alert->for_ms, s), nkeep = ceil_div(alert->keep_firing_for_ms, s);
    *end = t - alert->query_offset_ms;
    *step = s;
    *nsteps = (size_t)(nfor + nkeep + 1);
    *start = *end - (nfor + nkeep) * s;
}

/* A label string as a C string: a NUL byte (which would cut it short in
 * every report) becomes U+FFFD. */
static const char *public_string(arena *a, strv s)
{
    size_t nuls = 0;
    for (size_t i = 0; i < s.len; i++)
        nuls += s.ptr[i] == '\0';
    if (!nuls) return arena_strndup(a, s.ptr, s.len);
    char *out = arena_alloc(a, s.len + 2 * nuls + 1), *o = out;
    if (!out) return NULL;
    for (size_t i = 0; i < s.len; i++) {
        if (s.ptr[i]) {
            *o++ = s.ptr[i];
        } else {
            memcpy(o, "\xEF\xBF\xBD", 3);
            o += 3;
        }
    }
    *o = '\0';
    return out;
}

/* Copy a label set into public label pairs (NUL-terminated strings). */
static int public_series(sloeval_check_series *out, arena *a, const labels *ls)
{
    out->nlabels = ls ? ls->count : 0;
    sloeval_label *l = ARENA_NEW_ARRAY(a, sloeval_label, out->nlabels + 1);
    if (!l) return -1;
    for (size_t i = 0; i < out->nlabels; i++) {
        l[i].name = public_string(a, ls->pairs[i].name);
        l[i].value = public_string(a, ls->pairs[i].value);
        if (!l[i].name || !l[i].value) return -1;
    }
    out->labels = l;
    return 0;
}

static int cmp_labels_ptr(const void *x, const void *y)
{
    const labels *a = *(const labels *const *)x, *b = *(const labels *const *)y;
    return labels_compare(a ? a : labels_empty(), b ? b : labels_empty());
}

/* Does the presence bitmap (n steps) show `for` held at a step no more
 * than nkeep from the end? */
static bool fires(const unsigned char *present, size_t n, size_t nfor, size_t nkeep)
{
    size_t run = 0; /* consecutive steps present, ending at i */
    for (size_t i = 0; i < n; i++) {
        run = present[i] ? run + 1 : 0;
        if (i + nkeep + 1 >= n && run >= nfor + 1) return true;
    }
    return false;
}

int check_decide_alert(sloeval_check_alert_result *out, arena *a, const slo_alert *alert,
                       const check_answer *ans, int64_t start, int64_t end, int64_t step,
                       sloeval_error *err)
{
    out->status = SLOEVAL_CHECK_OK;
    out->firing = 0;
    out->series = NULL;
    out->nseries = 0;
    out->npending = 0;
    out->reason = NULL;
    out->notes = NULL;
    out->nnotes = 0;
    notes nt = {0};
    if (ans->notes) {
        for (size_t i = 0; i < ans->notes->nwarnings; i++)
            note_add(&nt, a,
                     aprintf(a, "warning from the server: %.*s", (int)ans->notes->warnings[i].len,
                             ans->notes->warnings[i].ptr));
        for (size_t i = 0; i < ans->notes->ninfos; i++)
            note_add(&nt, a,
                     aprintf(a, "info from the server: %.*s", (int)ans->notes->infos[i].len,
                             ans->notes->infos[i].ptr));
    }
    if (nt.failed) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    out->notes = nt.items;
    out->nnotes = nt.count;

    if (ans->code != 0 || !ans->value) {
        out->status = SLOEVAL_CHECK_INCONCLUSIVE;
        out->reason =
            aprintf(a, "%s: %s", slo_reason_name(reason_of_code(ans->code)),
                    ans->error && ans->error[0] ? ans->error : sloeval_strerror(ans->code));
        return out->reason ? 0 : error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    const value *v = ans->value;
    size_t nsteps = step > 0 && end >= start ? (size_t)((end - start) / step) + 1 : 1;
    size_t nfor = (size_t)ceil_div(alert->for_ms, step > 0 ? step : 1);
    if (nfor > nsteps - 1) nfor = nsteps - 1;
    size_t nkeep = nsteps - 1 - nfor;

    /* the firing and pending label sets */
    size_t cap = 0;
    const labels **firing = NULL;
    size_t nfiring = 0, npending = 0;
    if (v->kind == VALUE_SCALAR) {
        /* a scalar is one series without labels, at every step */
        firing = ARENA_NEW_ARRAY(a, const labels *, 1);
        if (!firing) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        firing[nfiring++] = labels_empty();
    } else if (v->kind == VALUE_VECTOR) {
        if (nsteps != 1) {
            out->status = SLOEVAL_CHECK_INCONCLUSIVE;
            out->reason = "query error: an instant vector answered a range query";
            return 0;
        }
        cap = v->u.vector.count;
        firing = ARENA_NEW_ARRAY(a, const labels *, cap + 1);
        if (!firing) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        for (size_t i = 0; i < cap; i++)
            firing[nfiring++] = v->u.vector.items[i].labels;
    } else if (v->kind == VALUE_MATRIX) {
        cap = v->u.matrix.count;
        firing = ARENA_NEW_ARRAY(a, const labels *, cap + 1);
        unsigned char *present = calloc(nsteps, 1);
        if (!firing || !present) {
            free(present);
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        }
        for (size_t i = 0; i < cap; i++) {
            const series *s = &v->u.matrix.items[i];
            memset(present, 0, nsteps);
            for (size_t k = 0; k < s->count; k++) {
                int64_t t = s->samples[k].t;
                if (t < start || t > end || (t - start) % step) continue;
                present[(t - start) / step] = 1;
            }
            if (fires(present, nsteps, nfor, nkeep))
                firing[nfiring++] = s->labels;
            else if (present[nsteps - 1])
                npending++;
        }
        free(present);
    } else {
        out->status = SLOEVAL_CHECK_INCONCLUSIVE;
        out->reason = "query error: the expression returned a string";
        return 0;
    }
    qsort(firing, nfiring, sizeof(*firing), cmp_labels_ptr);
    sloeval_check_series *ser = ARENA_NEW_ARRAY(a, sloeval_check_series, nfiring + 1);
    if (!ser) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < nfiring; i++)
        if (public_series(&ser[i], a, firing[i]))
            return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    out->series = ser;
    out->nseries = nfiring;
    out->npending = npending;
    out->firing = nfiring > 0;
    out->status = nfiring > 0 ? SLOEVAL_CHECK_FIRING : SLOEVAL_CHECK_OK;
    return 0;
}

/* ---- the error-budget gate ------------------------------------------------ */

static bool severity_fails(const char *severity, const slo_config *cfg,
                           const sloeval_check_options *o)
{
    const char *const *list = NULL;
    size_t n = 0;
    if (o->fail_on) {
        list = o->fail_on;
        n = o->nfail_on;
    } else if (cfg->gate_has_fail_on) {
        list = cfg->gate_fail_on;
        n = cfg->ngate_fail_on;
    } else {
        return true; /* every severity, as without a gate */
    }
    for (size_t i = 0; i < n; i++)
        if (!strcmp(list[i], severity)) return true;
    return false;
}

void check_gate_apply(sloeval_check_report *rep, const slo_config *cfg,
                      const sloeval_check_options *o)
{
    for (size_t i = 0; i < rep->nslos; i++) {
        sloeval_check_slo_result *r = &rep->slos[i];
        const slo_def *slo = r->slo_index < cfg->nslos ? &cfg->slos[r->slo_index] : NULL;
        r->gate_failed = false;
        r->gate_rule = NULL;
        r->gate_severity = NULL;
        r->gate_budget_below = NAN;
        const char *budget_rule = NULL;
        if (slo && slo->has_gate) {
            r->gate_budget_below = slo->gate_budget_below;
            budget_rule = "slos[].gate.budget_below";
        } else if (o->fail_on_budget) {
            r->gate_budget_below = o->fail_on_budget_below;
            budget_rule = "--fail-on-budget-below";
        } else if (cfg->gate_has_budget) {
            r->gate_budget_below = cfg->gate_budget_below;
            budget_rule = "gate.budget_below";
        }
        if (r->status == SLOEVAL_CHECK_FIRING) {
            for (size_t j = 0; j < r->nrules && !r->gate_failed; j++) {
                const sloeval_check_rule *ru = &r->rules[j];
                if (ru->state == SLOEVAL_CHECK_RULE_FIRING &&
                    severity_fails(ru->severity, cfg, o)) {
                    r->gate_failed = true;
                    r->gate_rule = "fail_on";
                    r->gate_severity = ru->severity;
                }
            }
        }
        /* a budget of NaN leaves the SLO inconclusive (budget_reason): never
         * below, never ok */
        if (!r->gate_failed && budget_rule && !isnan(r->budget_remaining) &&
            r->budget_remaining * 100.0 < r->gate_budget_below) {
            r->gate_failed = true;
            r->gate_rule = budget_rule;
        }
    }
}
