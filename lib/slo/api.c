/*
 * The public SLO set API (include/sloeval/slo.h) over slo_config: the
 * opaque handles it hands out are the config's own structs (slo_def,
 * slo_alert, slo_backend, slo_region, slo_policy_rule), read by getters;
 * nothing is copied.
 */
#include <assert.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "promql/parser.h"
#include "slo/set.h"
#include "util/error.h"
#include "util/options.h"

/* The config's label pairs are handed out as sloeval_label, the API's one
 * label type: the two structs must stay the same. */
static_assert(sizeof(slo_kv) == sizeof(sloeval_label) &&
                  offsetof(slo_kv, name) == offsetof(sloeval_label, name) &&
                  offsetof(slo_kv, value) == offsetof(sloeval_label, value),
              "slo_kv and sloeval_label differ");

/* The handles are the internal structs under their public names. */
static const slo_def *S(const sloeval_slo *p)
{
    return (const slo_def *)(const void *)p;
}
static const slo_alert *A(const sloeval_slo_alert *p)
{
    return (const slo_alert *)(const void *)p;
}
static const slo_backend *B(const sloeval_slo_backend *p)
{
    return (const slo_backend *)(const void *)p;
}
static const slo_region *R(const sloeval_slo_region *p)
{
    return (const slo_region *)(const void *)p;
}
static const slo_policy_rule *P(const sloeval_slo_policy_rule *p)
{
    return (const slo_policy_rule *)(const void *)p;
}

static const sloeval_label *kv_at(const slo_kvs *kvs, size_t i)
{
    return i < kvs->count ? (const sloeval_label *)(const void *)&kvs->items[i] : NULL;
}

static const char *location(const slo_loc *loc, int *line, int *column)
{
    if (line) *line = loc->line;
    if (column) *column = loc->column;
    return loc->file;
}

static sloeval_slo_origin origin_of(slo_origin o)
{
    switch (o) {
    case SLO_ORIGIN_SLOTH: return SLOEVAL_SLO_ORIGIN_SLOTH;
    case SLO_ORIGIN_RULES: return SLOEVAL_SLO_ORIGIN_RULES;
    case SLO_ORIGIN_CONFIG: break;
    }
    return SLOEVAL_SLO_ORIGIN_CONFIG;
}

static slo_file_kind kind_in(const sloeval_slo_load_options *opts)
{
    switch (opts->kind) {
    case SLOEVAL_SLO_FILE_CONFIG: return SLO_FILE_CONFIG;
    case SLOEVAL_SLO_FILE_SLOTH: return SLO_FILE_SLOTH;
    case SLOEVAL_SLO_FILE_RULES: return SLO_FILE_RULES;
    case SLOEVAL_SLO_FILE_AUTO: break;
    }
    return SLO_FILE_AUTO;
}

/* The size of each version of sloeval_slo_load_options. */
static const size_t load_options_sizes[SLOEVAL_SLO_LOAD_OPTIONS_VERSION] = {
    sizeof(sloeval_slo_load_options),
};

/* The caller's options (any known version, or NULL) in *o. */
static int read_options(sloeval_slo_load_options *o, const sloeval_slo_load_options *opts,
                        sloeval_error *err)
{
    static const sloeval_slo_load_options defaults = SLOEVAL_SLO_LOAD_OPTIONS_INIT;
    int rc = options_read(o, &defaults, opts, load_options_sizes, SLOEVAL_SLO_LOAD_OPTIONS_VERSION,
                          "sloeval_slo_load_options", err);
    if (rc) return rc;
    if (o->kind < SLOEVAL_SLO_FILE_AUTO || o->kind > SLOEVAL_SLO_FILE_RULES)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_load_options: unknown kind %d",
                         (int)o->kind);
    return 0;
}

static int wrap(sloeval_slo_set **out, slo_config *cfg, sloeval_error *err)
{
    sloeval_slo_set *set = calloc(1, sizeof(*set));
    if (!set) {
        slo_config_free(cfg);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    /* An SLO without `empty_errors` takes the config's setting: settle it
     * once, so that the SLO's getter needs no config. */
    for (size_t i = 0; i < cfg->nslos; i++)
        cfg->slos[i].empty_errors = slo_def_empty_errors(&cfg->slos[i], cfg);
    set->cfg = cfg;
    *out = set;
    return 0;
}

int sloeval_slo_set_load_file(sloeval_slo_set **out, const char *path,
                              const sloeval_slo_load_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_file: out is NULL");
    *out = NULL;
    if (!path) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_file: path is NULL");
    sloeval_slo_load_options lo;
    int rc = read_options(&lo, opts, err);
    if (rc) return rc;
    slo_load_options o = {kind_in(&lo), NULL, NULL};
    slo_config *cfg;
    if ((rc = slo_config_load_file(&cfg, path, &o, err))) return rc;
    return wrap(out, cfg, err);
}

int sloeval_slo_set_load_string(sloeval_slo_set **out, const char *text, size_t len,
                                const sloeval_slo_load_options *opts, sloeval_error *err)
{
    sloeval_error_clear(err);
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_string: out is NULL");
    *out = NULL;
    if (!text && len)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_string: text is NULL");
    sloeval_slo_load_options lo;
    int rc = read_options(&lo, opts, err);
    if (rc) return rc;
    slo_load_options o = {kind_in(&lo), lo.name, lo.base_dir};
    slo_config *cfg;
    if ((rc = slo_config_load_string(&cfg, text, len, &o, err))) return rc;
    return wrap(out, cfg, err);
}

void sloeval_slo_set_free(sloeval_slo_set *set)
{
    if (!set) return;
    slo_config_free(set->cfg);
    free(set);
}

sloeval_slo_file_kind sloeval_slo_set_kind(const sloeval_slo_set *set)
{
    switch (set->cfg->kind) {
    case SLO_FILE_SLOTH: return SLOEVAL_SLO_FILE_SLOTH;
    case SLO_FILE_RULES: return SLOEVAL_SLO_FILE_RULES;
    case SLO_FILE_CONFIG:
    case SLO_FILE_AUTO: break;
    }
    return SLOEVAL_SLO_FILE_CONFIG;
}

size_t sloeval_slo_set_file_count(const sloeval_slo_set *set)
{
    return set->cfg->nfiles;
}

const char *sloeval_slo_set_file(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nfiles ? set->cfg->files[i] : NULL;
}

int64_t sloeval_slo_set_period_ms(const sloeval_slo_set *set)
{
    return set->cfg->period_ms;
}

int64_t sloeval_slo_set_step_ms(const sloeval_slo_set *set)
{
    return set->cfg->step_ms;
}

size_t sloeval_slo_set_skipped_records(const sloeval_slo_set *set)
{
    return set->cfg->skipped_records;
}

size_t sloeval_slo_set_extra_matcher_count(const sloeval_slo_set *set)
{
    return set->cfg->nextra_matchers;
}

const char *sloeval_slo_set_extra_matcher(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nextra_matchers ? set->cfg->extra_matchers[i].text : NULL;
}

/* ---- backends ------------------------------------------------------------ */

size_t sloeval_slo_set_backend_count(const sloeval_slo_set *set)
{
    return set->cfg->nbackends;
}

const sloeval_slo_backend *sloeval_slo_set_backend(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nbackends
               ? (const sloeval_slo_backend *)(const void *)&set->cfg->backends[i]
               : NULL;
}

#define HTTP(b) (&B(b)->http)

const char *sloeval_slo_backend_name(const sloeval_slo_backend *b)
{
    return B(b)->name;
}
const char *sloeval_slo_backend_url(const sloeval_slo_backend *b)
{
    return HTTP(b)->url;
}
size_t sloeval_slo_backend_header_count(const sloeval_slo_backend *b)
{
    return HTTP(b)->nheaders;
}
const char *sloeval_slo_backend_header_name(const sloeval_slo_backend *b, size_t i)
{
    return i < HTTP(b)->nheaders ? HTTP(b)->headers[i].name : NULL;
}
const char *sloeval_slo_backend_tenant(const sloeval_slo_backend *b)
{
    return HTTP(b)->tenant;
}
sloeval_slo_auth sloeval_slo_backend_auth(const sloeval_slo_backend *b)
{
    const sloeval_prometheus_options *h = HTTP(b);
    if (h->bearer_token_file || h->bearer_token_env) return SLOEVAL_SLO_AUTH_BEARER;
    return h->basic_auth_user ? SLOEVAL_SLO_AUTH_BASIC : SLOEVAL_SLO_AUTH_NONE;
}
const char *sloeval_slo_backend_bearer_token_file(const sloeval_slo_backend *b)
{
    return HTTP(b)->bearer_token_file;
}
const char *sloeval_slo_backend_bearer_token_env(const sloeval_slo_backend *b)
{
    return HTTP(b)->bearer_token_env;
}
const char *sloeval_slo_backend_basic_username(const sloeval_slo_backend *b)
{
    return HTTP(b)->basic_auth_user;
}
const char *sloeval_slo_backend_basic_password_file(const sloeval_slo_backend *b)
{
    return HTTP(b)->basic_auth_password_file;
}
const char *sloeval_slo_backend_basic_password_env(const sloeval_slo_backend *b)
{
    return HTTP(b)->basic_auth_password_env;
}
const char *sloeval_slo_backend_tls_ca_file(const sloeval_slo_backend *b)
{
    return HTTP(b)->tls_ca_file;
}
const char *sloeval_slo_backend_tls_cert_file(const sloeval_slo_backend *b)
{
    return HTTP(b)->tls_cert_file;
}
const char *sloeval_slo_backend_tls_key_file(const sloeval_slo_backend *b)
{
    return HTTP(b)->tls_key_file;
}
bool sloeval_slo_backend_tls_insecure_skip_verify(const sloeval_slo_backend *b)
{
    return HTTP(b)->tls_insecure_skip_verify;
}
long sloeval_slo_backend_connect_timeout_ms(const sloeval_slo_backend *b)
{
    return HTTP(b)->connect_timeout_ms;
}
long sloeval_slo_backend_timeout_ms(const sloeval_slo_backend *b)
{
    return HTTP(b)->timeout_ms;
}
long sloeval_slo_backend_total_timeout_ms(const sloeval_slo_backend *b)
{
    return HTTP(b)->total_timeout_ms;
}
int sloeval_slo_backend_retries(const sloeval_slo_backend *b)
{
    return HTTP(b)->max_retries;
}
long sloeval_slo_backend_retry_backoff_ms(const sloeval_slo_backend *b)
{
    return HTTP(b)->retry_backoff_ms;
}
long sloeval_slo_backend_retry_backoff_max_ms(const sloeval_slo_backend *b)
{
    return HTTP(b)->retry_backoff_max_ms;
}
uint64_t sloeval_slo_backend_max_response_bytes(const sloeval_slo_backend *b)
{
    return HTTP(b)->max_response_bytes;
}
int sloeval_slo_backend_parallelism(const sloeval_slo_backend *b)
{
    return HTTP(b)->parallelism;
}
sloeval_compat sloeval_slo_backend_compat(const sloeval_slo_backend *b)
{
    return HTTP(b)->compat;
}
bool sloeval_slo_backend_compression(const sloeval_slo_backend *b)
{
    return !HTTP(b)->disable_compression;
}
bool sloeval_slo_backend_thanos(const sloeval_slo_backend *b)
{
    return B(b)->thanos;
}
bool sloeval_slo_backend_thanos_partial_response(const sloeval_slo_backend *b)
{
    return HTTP(b)->partial_response;
}
int sloeval_slo_backend_thanos_dedup(const sloeval_slo_backend *b)
{
    return HTTP(b)->dedup;
}
size_t sloeval_slo_backend_thanos_replica_label_count(const sloeval_slo_backend *b)
{
    return HTTP(b)->nreplica_labels;
}
const char *sloeval_slo_backend_thanos_replica_label(const sloeval_slo_backend *b, size_t i)
{
    return i < HTTP(b)->nreplica_labels ? HTTP(b)->replica_labels[i] : NULL;
}
const char *sloeval_slo_backend_thanos_max_source_resolution(const sloeval_slo_backend *b)
{
    return HTTP(b)->max_source_resolution;
}
const char *sloeval_slo_backend_thanos_engine(const sloeval_slo_backend *b)
{
    return HTTP(b)->engine;
}
const char *sloeval_slo_backend_location(const sloeval_slo_backend *b, int *line, int *column)
{
    return location(&B(b)->loc, line, column);
}

/* ---- regions ------------------------------------------------------------- */

const char *sloeval_slo_set_region_label(const sloeval_slo_set *set)
{
    return set->cfg->has_regions ? set->cfg->regions.label : NULL;
}

size_t sloeval_slo_set_region_count(const sloeval_slo_set *set)
{
    return set->cfg->regions.count;
}

const sloeval_slo_region *sloeval_slo_set_region(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->regions.count
               ? (const sloeval_slo_region *)(const void *)&set->cfg->regions.items[i]
               : NULL;
}

const char *sloeval_slo_region_name(const sloeval_slo_region *r)
{
    return R(r)->name;
}
const char *sloeval_slo_region_backend(const sloeval_slo_region *r)
{
    return R(r)->backend ? R(r)->backend->name : NULL;
}
bool sloeval_slo_region_injected(const sloeval_slo_region *r)
{
    return R(r)->inject;
}

/* ---- policy -------------------------------------------------------------- */

const char *sloeval_slo_set_policy_name(const sloeval_slo_set *set)
{
    return slo_config_policy_name(set->cfg);
}

size_t sloeval_slo_set_policy_rule_count(const sloeval_slo_set *set)
{
    return set->cfg->policy.nrules;
}

const sloeval_slo_policy_rule *sloeval_slo_set_policy_rule(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->policy.nrules
               ? (const sloeval_slo_policy_rule *)(const void *)&set->cfg->policy.rules[i]
               : NULL;
}

const char *sloeval_slo_policy_rule_severity(const sloeval_slo_policy_rule *r)
{
    return P(r)->severity;
}
int64_t sloeval_slo_policy_rule_long_ms(const sloeval_slo_policy_rule *r)
{
    return P(r)->long_ms;
}
int64_t sloeval_slo_policy_rule_short_ms(const sloeval_slo_policy_rule *r)
{
    return P(r)->short_ms;
}
double sloeval_slo_policy_rule_factor(const sloeval_slo_policy_rule *r)
{
    return P(r)->factor;
}
double sloeval_slo_policy_rule_budget_percent(const sloeval_slo_policy_rule *r)
{
    return P(r)->budget_percent;
}

size_t sloeval_slo_set_window_count(const sloeval_slo_set *set)
{
    return set->cfg->policy.nwindows;
}

int64_t sloeval_slo_set_window_ms(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->policy.nwindows ? set->cfg->policy.windows[i] : 0;
}

/* ---- SLOs ---------------------------------------------------------------- */

size_t sloeval_slo_set_slo_count(const sloeval_slo_set *set)
{
    return set->cfg->nslos;
}

const sloeval_slo *sloeval_slo_set_slo(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nslos ? (const sloeval_slo *)(const void *)&set->cfg->slos[i] : NULL;
}

const sloeval_slo *sloeval_slo_set_find_slo(const sloeval_slo_set *set, const char *id)
{
    for (size_t i = 0; id && i < set->cfg->nslos; i++)
        if (!strcmp(set->cfg->slos[i].id, id)) return sloeval_slo_set_slo(set, i);
    return NULL;
}

const char *sloeval_slo_id(const sloeval_slo *slo)
{
    return S(slo)->id;
}
const char *sloeval_slo_name(const sloeval_slo *slo)
{
    return S(slo)->name;
}
const char *sloeval_slo_service(const sloeval_slo *slo)
{
    return S(slo)->service;
}
const char *sloeval_slo_description(const sloeval_slo *slo)
{
    return S(slo)->description;
}
double sloeval_slo_objective(const sloeval_slo *slo)
{
    return S(slo)->objective;
}
const char *sloeval_slo_objective_text(const sloeval_slo *slo)
{
    return S(slo)->objective_text;
}
double sloeval_slo_error_budget(const sloeval_slo *slo)
{
    return S(slo)->budget;
}
sloeval_slo_sli sloeval_slo_sli_kind(const sloeval_slo *slo)
{
    return S(slo)->sli == SLO_SLI_RATIO ? SLOEVAL_SLO_SLI_RATIO : SLOEVAL_SLO_SLI_EVENTS;
}

/* The template of one of an SLO's queries, or NULL when its SLI has none. */
static const slo_template *template_of(const slo_def *s, sloeval_slo_query which)
{
    if (s->sli == SLO_SLI_EVENTS && which == SLOEVAL_SLO_QUERY_ERROR) return &s->error_query;
    if (s->sli == SLO_SLI_EVENTS && which == SLOEVAL_SLO_QUERY_TOTAL) return &s->total_query;
    if (s->sli == SLO_SLI_RATIO && which == SLOEVAL_SLO_QUERY_RATIO) return &s->error_ratio_query;
    return NULL;
}

const char *sloeval_slo_query_template(const sloeval_slo *slo, sloeval_slo_query which)
{
    const slo_template *t = template_of(S(slo), which);
    return t ? t->text : NULL;
}
unsigned sloeval_slo_scopes(const sloeval_slo *slo)
{
    return S(slo)->scopes;
}
size_t sloeval_slo_label_count(const sloeval_slo *slo)
{
    return S(slo)->labels.count;
}
const sloeval_label *sloeval_slo_label(const sloeval_slo *slo, size_t i)
{
    return kv_at(&S(slo)->labels, i);
}
size_t sloeval_slo_disabled_severity_count(const sloeval_slo *slo)
{
    size_t n = 0;
    for (size_t k = 0; k < S(slo)->nseverities; k++)
        n += S(slo)->severities[k].disabled;
    return n;
}
const char *sloeval_slo_disabled_severity(const sloeval_slo *slo, size_t i)
{
    for (size_t k = 0; k < S(slo)->nseverities; k++)
        if (S(slo)->severities[k].disabled && i-- == 0) return S(slo)->severities[k].severity;
    return NULL;
}
const char *sloeval_slo_alerting_name(const sloeval_slo *slo)
{
    return S(slo)->alert_name;
}
sloeval_slo_origin sloeval_slo_origin_of(const sloeval_slo *slo)
{
    return origin_of(S(slo)->origin);
}
const char *sloeval_slo_location(const sloeval_slo *slo, int *line, int *column)
{
    return location(&S(slo)->loc, line, column);
}
bool sloeval_slo_empty_errors_inconclusive(const sloeval_slo *slo)
{
    return S(slo)->empty_errors == SLO_EMPTY_ERRORS_INCONCLUSIVE;
}

size_t sloeval_slo_render_query(char *buf, size_t size, const sloeval_slo *slo,
                                sloeval_slo_query which, int64_t window_ms)
{
    if (size > 0) buf[0] = '\0';
    const slo_template *t = slo && window_ms >= 0 ? template_of(S(slo), which) : NULL;
    if (!t) return 0;
    strbuf sb = STRBUF_INIT;
    template_render(t, window_ms, &sb);
    size_t n = sb.len;
    bool failed = sb.failed;
    if (!failed && size > 0) {
        size_t c = n < size ? n : size - 1;
        memcpy(buf, strbuf_cstr(&sb), c);
        buf[c] = '\0';
    }
    strbuf_free(&sb);
    return failed ? 0 : n;
}

/* ---- alerts -------------------------------------------------------------- */

size_t sloeval_slo_set_alert_count(const sloeval_slo_set *set)
{
    return set->cfg->nalerts;
}

const sloeval_slo_alert *sloeval_slo_set_alert(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nalerts ? (const sloeval_slo_alert *)(const void *)&set->cfg->alerts[i]
                                 : NULL;
}

const char *sloeval_slo_alert_name(const sloeval_slo_alert *a)
{
    return A(a)->name;
}
const char *sloeval_slo_alert_group(const sloeval_slo_alert *a)
{
    return A(a)->group;
}
const char *sloeval_slo_alert_expr(const sloeval_slo_alert *a)
{
    return A(a)->expr;
}
int64_t sloeval_slo_alert_for_ms(const sloeval_slo_alert *a)
{
    return A(a)->for_ms;
}
int64_t sloeval_slo_alert_keep_firing_for_ms(const sloeval_slo_alert *a)
{
    return A(a)->keep_firing_for_ms;
}
int64_t sloeval_slo_alert_step_ms(const sloeval_slo_alert *a)
{
    return A(a)->step_ms;
}
int64_t sloeval_slo_alert_query_offset_ms(const sloeval_slo_alert *a)
{
    return A(a)->query_offset_ms;
}
unsigned sloeval_slo_alert_scopes(const sloeval_slo_alert *a)
{
    return A(a)->scopes;
}
size_t sloeval_slo_alert_label_count(const sloeval_slo_alert *a)
{
    return A(a)->labels.count;
}
const sloeval_label *sloeval_slo_alert_label(const sloeval_slo_alert *a, size_t i)
{
    return kv_at(&A(a)->labels, i);
}
size_t sloeval_slo_alert_annotation_count(const sloeval_slo_alert *a)
{
    return A(a)->annotations.count;
}
const sloeval_label *sloeval_slo_alert_annotation(const sloeval_slo_alert *a, size_t i)
{
    return kv_at(&A(a)->annotations, i);
}
sloeval_slo_origin sloeval_slo_alert_origin(const sloeval_slo_alert *a)
{
    return origin_of(A(a)->origin);
}
const char *sloeval_slo_alert_location(const sloeval_slo_alert *a, int *line, int *column)
{
    return location(&A(a)->loc, line, column);
}
