/*
 * The public sloeval_slo_set (internal view): a loaded slo_config. The
 * inspection API (lib/slo/api.c) reads the config's own structs through
 * getters; evaluation code works on `cfg` directly.
 */
#ifndef SLOEVAL_SLO_SET_H
#define SLOEVAL_SLO_SET_H

#include "sloeval/slo.h"
#include "slo/config.h"

struct sloeval_slo_set {
    slo_config *cfg;
};

/* The configuration behind a set. */
static inline const slo_config *slo_set_config(const sloeval_slo_set *set)
{
    return set->cfg;
}

#endif
