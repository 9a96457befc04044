/*
 * The public sloeval_slo_set (internal view): a loaded slo_config plus the
 * info structs handed out by the inspection API, built once at load time.
 * Evaluation code works on `cfg` directly.
 */
#ifndef SLOEVAL_SLO_SET_H
#define SLOEVAL_SLO_SET_H

#include "sloeval/slo.h"
#include "slo/config.h"

struct sloeval_slo_set {
    slo_config *cfg;
    sloeval_slo_backend_info *backends;
    sloeval_slo_region_info *regions;
    sloeval_slo_policy_rule *rules;
    sloeval_slo_info *slos;
    sloeval_slo_alert_info *alerts;
};

/* The configuration behind a set. */
static inline const slo_config *slo_set_config(const sloeval_slo_set *set)
{
    return set->cfg;
}

#endif
