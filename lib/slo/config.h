/*
 * Loading an SLO configuration (internal): a sloeval config, Sloth specs
 * (prometheus/v1) or Prometheus rule files, into the model of model.h;
 * route.h routes its scopes. This header is the one users of the config
 * include: it brings both.
 */
#ifndef SLOEVAL_SLO_CONFIG_H
#define SLOEVAL_SLO_CONFIG_H

#include <stddef.h>

#include "sloeval/common.h"
#include "slo/model.h"
#include "slo/route.h"

/* Files larger than this are refused (a config is kilobytes). */
#define SLO_MAX_FILE_SIZE (16u << 20)

/* Options of a load. */
typedef struct slo_load_options {
    slo_file_kind kind;   /* SLO_FILE_AUTO detects it */
    const char *name;     /* for messages with slo_config_load_string; default "<string>" */
    const char *base_dir; /* for relative include paths of a string; default "." */
} slo_load_options;

/*
 * Load a file or a string into a new config (*out, free with
 * slo_config_free). Every problem is SLOEVAL_ECONFIG with the message
 * "FILE:LINE:COL: <field path>: <what is wrong>" (SLOEVAL_EIO when a file
 * cannot be read, SLOEVAL_ENOMEM).
 */
int slo_config_load_file(slo_config **out, const char *path, const slo_load_options *opts,
                         sloeval_error *err);
int slo_config_load_string(slo_config **out, const char *text, size_t len,
                           const slo_load_options *opts, sloeval_error *err);

#endif
