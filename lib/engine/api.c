/* The public engine API (include/sloeval/engine.h) over eval.h. */
#include <stdlib.h>
#include <string.h>

#include "engine/eval.h"
#include "model/result.h"
#include "promql/expr.h"
#include "promql/functions.h"
#include "sloeval/engine.h"
#include "util/error.h"
#include "util/options.h"

struct sloeval_engine {
    sloeval_engine_options o;
};

#define DEFAULT_LOOKBACK_MS   300000
#define DEFAULT_MAX_SAMPLES   50000000
#define DEFAULT_SUBQUERY_STEP 60000
#define DEFAULT_MAX_STEPS     11000

int sloeval_engine_new(sloeval_engine **out, const sloeval_engine_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_engine_new: out is NULL");
    *out = NULL;
    static const sloeval_engine_options defaults = SLOEVAL_ENGINE_OPTIONS_INIT;
    static const size_t sizes[SLOEVAL_ENGINE_OPTIONS_VERSION] = {sizeof(sloeval_engine_options)};
    sloeval_engine_options o;
    int rc = options_read(&o, &defaults, opts, sizes, SLOEVAL_ENGINE_OPTIONS_VERSION,
                          "sloeval_engine_options", err);
    if (rc) return rc;
    if (o.compat != SLOEVAL_COMPAT_V2 && o.compat != SLOEVAL_COMPAT_V3 &&
        o.compat != SLOEVAL_COMPAT_AUTO)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_engine_options: unknown compat %d",
                         (int)o.compat);
    if (o.lookback_delta_ms < 0 || o.default_subquery_step_ms < 0)
        return error_set(err, SLOEVAL_EINVAL,
                         "sloeval_engine_options: durations must not be negative");
    if (o.lookback_delta_ms == 0) o.lookback_delta_ms = DEFAULT_LOOKBACK_MS;
    if (o.max_samples == 0) o.max_samples = DEFAULT_MAX_SAMPLES;
    if (o.default_subquery_step_ms == 0) o.default_subquery_step_ms = DEFAULT_SUBQUERY_STEP;
    if (o.max_steps == 0) o.max_steps = DEFAULT_MAX_STEPS;
    sloeval_engine *e = calloc(1, sizeof(*e));
    if (!e) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    e->o = o;
    *out = e;
    return 0;
}

void sloeval_engine_free(sloeval_engine *e)
{
    free(e);
}

static int query(sloeval_result **out, sloeval_engine *e, sloeval_source *src,
                 const sloeval_expr *expr, int64_t start, int64_t end, int64_t step,
                 sloeval_error *err)
{
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_engine_query: out is NULL");
    *out = NULL;
    if (!e || !src || !expr)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_engine_query: a NULL argument");
    sloeval_compat compat = e->o.compat;
    if (compat == SLOEVAL_COMPAT_AUTO)
        compat = src->compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3;
    if (step > 0 && (end < start || (size_t)((end - start) / step) + 1 > e->o.max_steps))
        return error_set(err, SLOEVAL_ELIMIT,
                         "exceeded maximum resolution of %zu points per timeseries. Try "
                         "decreasing the query resolution (?step=XX)",
                         e->o.max_steps);
    size_t len;
    const char *text = sloeval_expr_text(expr, &len);
    eval_opts eo = {compat, e->o.lookback_delta_ms, e->o.max_samples, e->o.default_subquery_step_ms,
                    e->o.delayed_name_removal};
    arena a;
    arena_init(&a, 1 << 16);
    eval_notes notes = {0};
    value v;
    int rc = eval_expr(&v, &a, &eo, src, sloeval_expr_ast(expr), text, len, start, end, step,
                       &notes, err);
    if (rc == 0) rc = result_new(out, &v, NULL, err);
    for (size_t i = 0; rc == 0 && i < notes.nwarnings; i++)
        rc = result_add_warning(*out, strv_from_cstr(notes.warnings[i]));
    for (size_t i = 0; rc == 0 && i < notes.ninfos; i++)
        rc = result_add_info(*out, strv_from_cstr(notes.infos[i]));
    if (rc != 0 && *out) {
        sloeval_result_free(*out);
        *out = NULL;
        if (rc == SLOEVAL_ENOMEM) error_set(err, rc, "out of memory");
    }
    arena_free(&a);
    return rc;
}

int sloeval_engine_query_instant(sloeval_result **out, sloeval_engine *e, sloeval_source *src,
                                 const sloeval_expr *expr, int64_t time_ms, sloeval_error *err)
{
    sloeval_error_clear(err);
    return query(out, e, src, expr, time_ms, time_ms, 0, err);
}

int sloeval_engine_query_range(sloeval_result **out, sloeval_engine *e, sloeval_source *src,
                               const sloeval_expr *expr, int64_t start_ms, int64_t end_ms,
                               int64_t step_ms, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (out) *out = NULL;
    if (step_ms <= 0)
        return error_set(err, SLOEVAL_EINVAL,
                         "zero or negative query resolution step widths are not accepted. Try a "
                         "positive integer");
    if (end_ms < start_ms)
        return error_set(err, SLOEVAL_EINVAL, "end timestamp must not be before start time");
    return query(out, e, src, expr, start_ms, end_ms, step_ms, err);
}

int sloeval_engine_check(const sloeval_expr *expr, sloeval_compat compat, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!expr) return error_set(err, SLOEVAL_EINVAL, "sloeval_engine_check: expr is NULL");
    size_t len;
    const char *text = sloeval_expr_text(expr, &len);
    return eval_check_supported(sloeval_expr_ast(expr),
                                compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2 : SLOEVAL_COMPAT_V3,
                                text, len, err);
}

bool sloeval_engine_function_supported(const char *name, sloeval_compat compat)
{
    if (!name) return false;
    return function_supported_locally(name, compat == SLOEVAL_COMPAT_V2 ? SLOEVAL_COMPAT_V2
                                                                        : SLOEVAL_COMPAT_V3);
}
