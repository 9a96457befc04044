/* Which backends answer which scope (route.h). */
#include "slo/route.h"

#include <string.h>

const slo_region *slo_config_assign_regions(slo_config *cfg)
{
    const slo_backend *global = slo_config_backend(cfg, SLO_GLOBAL_BACKEND);
    for (size_t i = 0; i < cfg->regions.count; i++) {
        slo_region *r = &cfg->regions.items[i];
        r->backend = slo_config_backend(cfg, r->name);
        r->inject = false;
        if (!r->backend && global) {
            r->backend = global;
            r->inject = true;
        }
        if (!r->backend) return r;
    }
    return NULL;
}

bool slo_backend_answers(const slo_config *cfg, const slo_backend *b)
{
    return !strcmp(b->name, SLO_GLOBAL_BACKEND) || slo_config_region(cfg, b->name) != NULL;
}

sloeval_compat slo_route_grammar(const slo_route *route)
{
    for (size_t i = 0; i < route->nbackends; i++)
        if (route->backends[i]->http.compat != SLOEVAL_COMPAT_V2) return SLOEVAL_COMPAT_V3;
    return SLOEVAL_COMPAT_V2;
}

int slo_config_route(slo_route *out, const slo_config *cfg, const char *region, arena *a,
                     sloeval_error *err)
{
    memset(out, 0, sizeof(*out));
    if (region) {
        const slo_region *r = slo_config_region(cfg, region);
        if (!r) return error_set(err, SLOEVAL_EINVAL, "unknown region '%s'", region);
        out->backends = ARENA_NEW_ARRAY(a, const slo_backend *, 1);
        if (!out->backends) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        out->backends[0] = r->backend;
        out->nbackends = 1;
        if (r->inject) {
            out->has_inject = true;
            out->inject.type = MATCH_EQUAL;
            out->inject.name = strv_from_cstr(cfg->regions.label);
            out->inject.value = strv_from_cstr(r->name);
        }
        return 0;
    }
    const slo_backend *global = slo_config_backend(cfg, SLO_GLOBAL_BACKEND);
    if (global) {
        out->backends = ARENA_NEW_ARRAY(a, const slo_backend *, 1);
        if (!out->backends) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
        out->backends[0] = global;
        out->nbackends = 1;
        return 0;
    }
    if (cfg->regions.count == 0)
        return error_set(err, SLOEVAL_ECONFIG,
                         "no backend answers the global scope (the config has none)");
    out->backends = ARENA_NEW_ARRAY(a, const slo_backend *, cfg->regions.count);
    if (!out->backends) return error_set(err, SLOEVAL_ENOMEM, "out of memory");
    for (size_t i = 0; i < cfg->regions.count; i++)
        out->backends[out->nbackends++] = cfg->regions.items[i].backend;
    out->fanout = out->nbackends > 1;
    return 0;
}
