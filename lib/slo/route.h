/*
 * Routing (internal): which backends answer which scope of a config. A
 * region is answered by the backend named like it, else by the `global`
 * backend with <regions.label>="<region>" injected into every selector;
 * the global scope by the `global` backend, else by a fan-out over every
 * region's backend (their answers merged as shards of one data set).
 */
#ifndef SLOEVAL_SLO_ROUTE_H
#define SLOEVAL_SLO_ROUTE_H

#include "slo/model.h"
#include "util/error.h"

/*
 * How one scope is queried: the backends to ask (one, or every region's for
 * a cross-region fan-out whose answers are merged as shards of one data
 * set), and the matcher to inject into every selector (none for the global
 * scope and for regions with their own backend).
 */
typedef struct slo_route {
    const slo_backend **backends;
    size_t nbackends;
    bool fanout;          /* several region backends, merged */
    label_matcher inject; /* valid when has_inject */
    bool has_inject;
} slo_route;

/*
 * Give every region of cfg its backend (slo_region.backend, inject) by the
 * rule above. Returns the first region without one (nothing is named like
 * it and there is no global backend), or NULL when each has one.
 */
const slo_region *slo_config_assign_regions(slo_config *cfg);

/* Whether a backend answers a scope: it is the global one or named like a region. */
bool slo_backend_answers(const slo_config *cfg, const slo_backend *b);

/*
 * How to query a scope: region == NULL for the global scope, else a region
 * name. Arrays in *out are allocated in `a`. Fails with SLOEVAL_ECONFIG
 * when nothing answers the scope (a config without backends, for example
 * a Sloth spec loaded on its own), SLOEVAL_EINVAL for an unknown region.
 */
int slo_config_route(slo_route *out, const slo_config *cfg, const char *region, arena *a,
                     sloeval_error *err);

/* The grammar a route's backends speak: v2 when each says compat v2, else v3. */
sloeval_compat slo_route_grammar(const slo_route *route);

#endif
