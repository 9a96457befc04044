/* The config's data model: lookups, and a config's life (model.h). */
#include "slo/model.h"

#include <stdlib.h>
#include <string.h>

const char *slo_kvs_get(const slo_kvs *kvs, const char *name)
{
    for (size_t i = 0; i < kvs->count; i++)
        if (!strcmp(kvs->items[i].name, name)) return kvs->items[i].value;
    return NULL;
}

slo_empty_errors slo_def_empty_errors(const slo_def *slo, const slo_config *cfg)
{
    if (slo->empty_errors != SLO_EMPTY_ERRORS_DEFAULT) return slo->empty_errors;
    return cfg->empty_errors != SLO_EMPTY_ERRORS_DEFAULT ? cfg->empty_errors
                                                         : SLO_EMPTY_ERRORS_ZERO;
}

/* `empty_errors: zero | inconclusive` (absent: *out unchanged). */
bool slo_def_severity_disabled(const slo_def *slo, const char *severity)
{
    for (size_t i = 0; i < slo->nseverities; i++)
        if (!strcmp(slo->severities[i].severity, severity)) return slo->severities[i].disabled;
    return false;
}

const slo_backend *slo_config_backend(const slo_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->nbackends; i++)
        if (!strcmp(cfg->backends[i].name, name)) return &cfg->backends[i];
    return NULL;
}

const slo_region *slo_config_region(const slo_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->regions.count; i++)
        if (!strcmp(cfg->regions.items[i].name, name)) return &cfg->regions.items[i];
    return NULL;
}

const char *slo_config_policy_name(const slo_config *cfg)
{
    return cfg->policy.builtin ? SLO_POLICY_SRE_WORKBOOK : "custom";
}

slo_config *slo_config_new(void)
{
    slo_config *c = calloc(1, sizeof(*c));
    if (!c) return NULL;
    arena_init(&c->arena, 0);
    c->period_ms = SLO_DEFAULT_PERIOD_MS;
    c->step_ms = SLO_DEFAULT_STEP_MS;
    return c;
}

void slo_config_free(slo_config *cfg)
{
    if (!cfg) return;
    arena_free(&cfg->arena);
    free(cfg);
}

const slo_parsed *slo_def_query(const slo_def *slo, size_t w, slo_sli_query which)
{
    return &slo->queries[w * 2 + (size_t)which];
}

int slo_parsed_ast(const slo_parsed *p, sloeval_compat grammar, const ast_node **out,
                   const char **error)
{
    int g = grammar == SLOEVAL_COMPAT_V2 ? SLO_GRAMMAR_V2 : SLO_GRAMMAR_V3;
    *out = p->ast[g];
    *error = NULL;
    if (p->ast[g]) return 0;
    if (p->code[g]) {
        *error = p->error[g];
        return p->code[g];
    }
    *error = "the query was not parsed for this grammar";
    return SLOEVAL_EINVAL;
}
