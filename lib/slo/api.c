/* The public SLO set API (include/sloeval/slo.h) over slo_config. */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "promql/parser.h"
#include "slo/duration.h"
#include "slo/set.h"
#include "util/error.h"

static const sloeval_slo_label *labels_of(arena *a, const slo_kvs *kvs)
{
    sloeval_slo_label *l = ARENA_NEW_ARRAY(a, sloeval_slo_label, kvs->count + 1);
    if (!l) return NULL;
    for (size_t i = 0; i < kvs->count; i++) {
        l[i].name = kvs->items[i].name;
        l[i].value = kvs->items[i].value;
    }
    return l;
}

static int build_backends(sloeval_slo_set *set)
{
    slo_config *c = set->cfg;
    arena *a = &c->arena;
    set->backends = ARENA_NEW_ARRAY(a, sloeval_slo_backend_info, c->nbackends + 1);
    if (!set->backends) return -1;
    for (size_t i = 0; i < c->nbackends; i++) {
        const slo_backend *b = &c->backends[i];
        const sloeval_prometheus_options *h = &b->http;
        sloeval_slo_backend_info *o = &set->backends[i];
        const char **names = ARENA_NEW_ARRAY(a, const char *, h->nheaders + 1);
        if (!names) return -1;
        for (size_t k = 0; k < h->nheaders; k++)
            names[k] = h->headers[k].name;
        o->name = b->name;
        o->url = h->url;
        o->header_names = names;
        o->nheaders = h->nheaders;
        o->tenant = h->tenant;
        o->auth = (h->bearer_token_file || h->bearer_token_env) ? SLOEVAL_SLO_AUTH_BEARER
                  : h->basic_auth_user                          ? SLOEVAL_SLO_AUTH_BASIC
                                                                : SLOEVAL_SLO_AUTH_NONE;
        o->bearer_token_file = h->bearer_token_file;
        o->bearer_token_env = h->bearer_token_env;
        o->basic_username = h->basic_auth_user;
        o->basic_password_file = h->basic_auth_password_file;
        o->basic_password_env = h->basic_auth_password_env;
        o->tls_ca_file = h->tls_ca_file;
        o->tls_cert_file = h->tls_cert_file;
        o->tls_key_file = h->tls_key_file;
        o->tls_insecure_skip_verify = h->tls_insecure_skip_verify;
        o->connect_timeout_ms = h->connect_timeout_ms;
        o->timeout_ms = h->timeout_ms;
        o->total_timeout_ms = h->total_timeout_ms;
        o->retries = h->max_retries;
        o->retry_backoff_ms = h->retry_backoff_ms;
        o->retry_backoff_max_ms = h->retry_backoff_max_ms;
        o->max_response_bytes = h->max_response_bytes;
        o->parallelism = h->parallelism;
        o->compat = h->compat;
        o->thanos = b->thanos;
        o->thanos_partial_response = h->partial_response;
        o->thanos_dedup = h->dedup;
        o->thanos_replica_labels = h->replica_labels;
        o->nthanos_replica_labels = h->nreplica_labels;
        o->thanos_max_source_resolution = h->max_source_resolution;
        o->thanos_engine = h->engine;
        o->compression = !h->disable_compression;
        o->file = b->loc.file;
        o->line = b->loc.line;
        o->column = b->loc.column;
    }
    return 0;
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

static int build_slos(sloeval_slo_set *set)
{
    slo_config *c = set->cfg;
    arena *a = &c->arena;
    set->slos = ARENA_NEW_ARRAY(a, sloeval_slo_info, c->nslos + 1);
    if (!set->slos) return -1;
    for (size_t i = 0; i < c->nslos; i++) {
        const slo_def *s = &c->slos[i];
        sloeval_slo_info *o = &set->slos[i];
        o->id = s->id;
        o->name = s->name;
        o->service = s->service;
        o->description = s->description;
        o->objective = s->objective;
        o->objective_text = s->objective_text;
        o->error_budget = s->budget;
        o->sli = s->sli == SLO_SLI_RATIO ? SLOEVAL_SLO_SLI_RATIO : SLOEVAL_SLO_SLI_EVENTS;
        o->error_query = s->error_query.text;
        o->total_query = s->total_query.text;
        o->error_ratio_query = s->error_ratio_query.text;
        o->scopes = s->scopes;
        if (!(o->labels = labels_of(a, &s->labels))) return -1;
        o->nlabels = s->labels.count;
        const char **dis = ARENA_NEW_ARRAY(a, const char *, s->nseverities + 1);
        if (!dis) return -1;
        for (size_t k = 0; k < s->nseverities; k++)
            if (s->severities[k].disabled)
                dis[o->ndisabled_severities++] = s->severities[k].severity;
        o->disabled_severities = dis;
        o->alert_name = s->alert_name;
        o->empty_errors_inconclusive = slo_def_empty_errors(s, c) == SLO_EMPTY_ERRORS_INCONCLUSIVE;
        o->origin = origin_of(s->origin);
        o->file = s->loc.file;
        o->line = s->loc.line;
        o->column = s->loc.column;
    }
    return 0;
}

static int build_alerts(sloeval_slo_set *set)
{
    slo_config *c = set->cfg;
    arena *a = &c->arena;
    set->alerts = ARENA_NEW_ARRAY(a, sloeval_slo_alert_info, c->nalerts + 1);
    if (!set->alerts) return -1;
    for (size_t i = 0; i < c->nalerts; i++) {
        const slo_alert *s = &c->alerts[i];
        sloeval_slo_alert_info *o = &set->alerts[i];
        o->name = s->name;
        o->group = s->group;
        o->expr = s->expr;
        o->for_ms = s->for_ms;
        o->keep_firing_for_ms = s->keep_firing_for_ms;
        o->step_ms = s->step_ms;
        o->query_offset_ms = s->query_offset_ms;
        o->scopes = s->scopes;
        if (!(o->labels = labels_of(a, &s->labels))) return -1;
        o->nlabels = s->labels.count;
        if (!(o->annotations = labels_of(a, &s->annotations))) return -1;
        o->nannotations = s->annotations.count;
        o->origin = origin_of(s->origin);
        o->file = s->loc.file;
        o->line = s->loc.line;
        o->column = s->loc.column;
    }
    return 0;
}

static int build(sloeval_slo_set *set)
{
    slo_config *c = set->cfg;
    arena *a = &c->arena;
    if (build_backends(set) || build_slos(set) || build_alerts(set)) return -1;
    set->regions = ARENA_NEW_ARRAY(a, sloeval_slo_region_info, c->regions.count + 1);
    if (!set->regions) return -1;
    for (size_t i = 0; i < c->regions.count; i++) {
        const slo_region *r = &c->regions.items[i];
        set->regions[i].name = r->name;
        set->regions[i].backend = r->backend ? r->backend->name : NULL;
        set->regions[i].injected = r->inject;
    }
    set->rules = ARENA_NEW_ARRAY(a, sloeval_slo_policy_rule, c->policy.nrules + 1);
    if (!set->rules) return -1;
    for (size_t i = 0; i < c->policy.nrules; i++) {
        const slo_policy_rule *r = &c->policy.rules[i];
        set->rules[i] = (sloeval_slo_policy_rule){r->severity, r->long_ms, r->short_ms, r->factor,
                                                  r->budget_percent};
    }
    return 0;
}

static slo_file_kind kind_in(const sloeval_slo_load_options *opts)
{
    if (!opts) return SLO_FILE_AUTO;
    switch (opts->kind) {
    case SLOEVAL_SLO_FILE_CONFIG: return SLO_FILE_CONFIG;
    case SLOEVAL_SLO_FILE_SLOTH: return SLO_FILE_SLOTH;
    case SLOEVAL_SLO_FILE_RULES: return SLO_FILE_RULES;
    case SLOEVAL_SLO_FILE_AUTO: break;
    }
    return SLO_FILE_AUTO;
}

static int check_options(const sloeval_slo_load_options *opts, sloeval_error *err)
{
    if (opts && opts->version != SLOEVAL_SLO_LOAD_OPTIONS_VERSION)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_load_options: unknown version %u",
                         opts->version);
    if (opts && (opts->kind < SLOEVAL_SLO_FILE_AUTO || opts->kind > SLOEVAL_SLO_FILE_RULES))
        return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_load_options: unknown kind %d",
                         (int)opts->kind);
    return 0;
}

static int wrap(sloeval_slo_set **out, slo_config *cfg, sloeval_error *err)
{
    sloeval_slo_set *set = calloc(1, sizeof(*set));
    if (!set) {
        slo_config_free(cfg);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    set->cfg = cfg;
    if (build(set)) {
        sloeval_slo_set_free(set);
        return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    }
    *out = set;
    return 0;
}

int sloeval_slo_set_load_file(sloeval_slo_set **out, const char *path,
                              const sloeval_slo_load_options *opts, sloeval_error *err)
{
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_file: out is NULL");
    *out = NULL;
    if (!path) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_file: path is NULL");
    int rc = check_options(opts, err);
    if (rc) return rc;
    slo_load_options o = {kind_in(opts), NULL, NULL};
    slo_config *cfg;
    if ((rc = slo_config_load_file(&cfg, path, &o, err))) return rc;
    return wrap(out, cfg, err);
}

int sloeval_slo_set_load_string(sloeval_slo_set **out, const char *text, size_t len,
                                const sloeval_slo_load_options *opts, sloeval_error *err)
{
    if (!out) return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_string: out is NULL");
    *out = NULL;
    if (!text && len)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_slo_set_load_string: text is NULL");
    int rc = check_options(opts, err);
    if (rc) return rc;
    slo_load_options o = {kind_in(opts), opts ? opts->name : NULL, opts ? opts->base_dir : NULL};
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

size_t sloeval_slo_set_backend_count(const sloeval_slo_set *set)
{
    return set->cfg->nbackends;
}

const sloeval_slo_backend_info *sloeval_slo_set_backend(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nbackends ? &set->backends[i] : NULL;
}

const char *sloeval_slo_set_region_label(const sloeval_slo_set *set)
{
    return set->cfg->has_regions ? set->cfg->regions.label : NULL;
}

size_t sloeval_slo_set_region_count(const sloeval_slo_set *set)
{
    return set->cfg->regions.count;
}

const sloeval_slo_region_info *sloeval_slo_set_region(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->regions.count ? &set->regions[i] : NULL;
}

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
    return i < set->cfg->policy.nrules ? &set->rules[i] : NULL;
}

const int64_t *sloeval_slo_set_windows(const sloeval_slo_set *set, size_t *count)
{
    if (count) *count = set->cfg->policy.nwindows;
    return set->cfg->policy.windows;
}

size_t sloeval_slo_set_slo_count(const sloeval_slo_set *set)
{
    return set->cfg->nslos;
}

const sloeval_slo_info *sloeval_slo_set_slo(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nslos ? &set->slos[i] : NULL;
}

const sloeval_slo_info *sloeval_slo_set_find_slo(const sloeval_slo_set *set, const char *id)
{
    for (size_t i = 0; id && i < set->cfg->nslos; i++)
        if (!strcmp(set->slos[i].id, id)) return &set->slos[i];
    return NULL;
}

size_t sloeval_slo_set_render_query(char *buf, size_t size, const sloeval_slo_set *set,
                                    size_t slo_index, sloeval_slo_query which, int64_t window_ms)
{
    if (size > 0) buf[0] = '\0';
    if (slo_index >= set->cfg->nslos || window_ms < 0) return 0;
    const slo_def *s = &set->cfg->slos[slo_index];
    const slo_template *t = NULL;
    if (s->sli == SLO_SLI_EVENTS && which == SLOEVAL_SLO_QUERY_ERROR) t = &s->error_query;
    if (s->sli == SLO_SLI_EVENTS && which == SLOEVAL_SLO_QUERY_TOTAL) t = &s->total_query;
    if (s->sli == SLO_SLI_RATIO && which == SLOEVAL_SLO_QUERY_RATIO) t = &s->error_ratio_query;
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

size_t sloeval_slo_set_alert_count(const sloeval_slo_set *set)
{
    return set->cfg->nalerts;
}

const sloeval_slo_alert_info *sloeval_slo_set_alert(const sloeval_slo_set *set, size_t i)
{
    return i < set->cfg->nalerts ? &set->alerts[i] : NULL;
}

int sloeval_duration_parse(int64_t *out, const char *text, sloeval_error *err)
{
    if (!out || !text)
        return error_set(err, SLOEVAL_EINVAL, "sloeval_duration_parse: NULL argument");
    const char *why = NULL;
    if (duration_parse(out, text, strlen(text), &why))
        return error_set(err, SLOEVAL_EINVAL, "invalid duration '%s': %s", text, why);
    return 0;
}

size_t sloeval_duration_format(char *buf, size_t size, int64_t ms)
{
    return promql_duration_format(buf, size, ms < 0 ? 0 : ms);
}
