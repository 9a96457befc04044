/*
 * sloeval/slo.h - SLO sets: loading and inspecting SLO and alert
 * definitions (sloeval configs, Sloth specs, Prometheus rule files) and the
 * burn-rate policy they are judged by.
 *
 * A set is loaded once and then read; it never changes. Loading reads
 * files only (the config and the files it includes): it neither contacts a
 * backend nor reads a secret (token and password files are read by the
 * HTTP source at request time). Inspection never returns a secret: header
 * values, tokens and passwords are not part of any info struct.
 *
 * Threads: a loaded set may be read from several threads at once; free it
 * once nothing reads it.
 *
 * What a set holds is read through opaque handles (sloeval_slo,
 * sloeval_slo_alert, sloeval_slo_backend, sloeval_slo_region,
 * sloeval_slo_policy_rule) and their getters: a count on the set, the i-th
 * handle, then one getter per field. Handles and every string and label a
 * getter returns belong to the set and live as long as it; getters read the
 * set's own data, nothing is copied.
 */
#ifndef SLOEVAL_SLO_H
#define SLOEVAL_SLO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "sloeval/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/** A loaded set of SLOs and alerts, with backends, regions and policy. */
typedef struct sloeval_slo_set sloeval_slo_set;

/** What a file holds. */
typedef enum sloeval_slo_file_kind {
    SLOEVAL_SLO_FILE_AUTO = 0,   /**< detect: `version:` Sloth, `groups:` rules, else config */
    SLOEVAL_SLO_FILE_CONFIG = 1, /**< a sloeval config (backends, regions, slos, alerts, ...) */
    SLOEVAL_SLO_FILE_SLOTH = 2,  /**< Sloth spec(s), version "prometheus/v1" */
    SLOEVAL_SLO_FILE_RULES = 3,  /**< a Prometheus rule file */
} sloeval_slo_file_kind;

/** Current version of sloeval_slo_load_options (1: the fields below). */
#define SLOEVAL_SLO_LOAD_OPTIONS_VERSION 1

/** Options of sloeval_slo_set_load_file / _load_string. */
typedef struct sloeval_slo_load_options {
    unsigned int version;       /**< SLOEVAL_SLO_LOAD_OPTIONS_VERSION */
    sloeval_slo_file_kind kind; /**< SLOEVAL_SLO_FILE_AUTO (default) or a forced kind */
    const char *name;           /**< _load_string: the name in messages (default "<string>") */
    const char *base_dir;       /**< _load_string: where relative includes are (default ".") */
} sloeval_slo_load_options;

#define SLOEVAL_SLO_LOAD_OPTIONS_INIT                                                              \
    {                                                                                              \
        SLOEVAL_SLO_LOAD_OPTIONS_VERSION, SLOEVAL_SLO_FILE_AUTO, NULL, NULL                        \
    }

/**
 * Load a file into a new set (*out, released with sloeval_slo_set_free).
 * opts may be NULL. On failure *out is NULL and err says what and where in
 * one line: SLOEVAL_ECONFIG with "FILE:LINE:COL: <field path>: <problem>"
 * (err->line and err->column set), SLOEVAL_EIO when a file cannot be read,
 * SLOEVAL_ELIMIT for a file over 16 MiB, SLOEVAL_ENOMEM.
 */
SLOEVAL_EXPORT int sloeval_slo_set_load_file(sloeval_slo_set **out, const char *path,
                                             const sloeval_slo_load_options *opts,
                                             sloeval_error *err);

/** Load len bytes of text (YAML or JSON) into a new set; as _load_file. */
SLOEVAL_EXPORT int sloeval_slo_set_load_string(sloeval_slo_set **out, const char *text, size_t len,
                                               const sloeval_slo_load_options *opts,
                                               sloeval_error *err);

/** Release a set and everything returned by its getters. NULL is fine. */
SLOEVAL_EXPORT void sloeval_slo_set_free(sloeval_slo_set *set);

/** The kind of the file that was loaded (not AUTO). */
SLOEVAL_EXPORT sloeval_slo_file_kind sloeval_slo_set_kind(const sloeval_slo_set *set);

/** The files read, the loaded file first, then included files in order. */
SLOEVAL_EXPORT size_t sloeval_slo_set_file_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const char *sloeval_slo_set_file(const sloeval_slo_set *set, size_t i);

/** The SLO period (`period`, 30d by default), in milliseconds. */
SLOEVAL_EXPORT int64_t sloeval_slo_set_period_ms(const sloeval_slo_set *set);

/** The default step of `for:` checks (`evaluation.step`, 1m by default), in ms. */
SLOEVAL_EXPORT int64_t sloeval_slo_set_step_ms(const sloeval_slo_set *set);

/** Recording rules found in rule files and skipped (sloeval evaluates alerts only). */
SLOEVAL_EXPORT size_t sloeval_slo_set_skipped_records(const sloeval_slo_set *set);

/** Matchers injected into every selector (`extra_matchers`), as written. */
SLOEVAL_EXPORT size_t sloeval_slo_set_extra_matcher_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT const char *sloeval_slo_set_extra_matcher(const sloeval_slo_set *set, size_t i);

/* ---- backends ------------------------------------------------------------ */

/** A backend of a set (opaque, borrowed from the set). */
typedef struct sloeval_slo_backend sloeval_slo_backend;

typedef enum sloeval_slo_auth {
    SLOEVAL_SLO_AUTH_NONE = 0,
    SLOEVAL_SLO_AUTH_BEARER = 1, /**< bearer token from a file or an environment variable */
    SLOEVAL_SLO_AUTH_BASIC = 2,  /**< basic auth, password from a file or an environment variable */
} sloeval_slo_auth;

SLOEVAL_EXPORT size_t sloeval_slo_set_backend_count(const sloeval_slo_set *set);
/** The i-th backend (config order), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_backend *sloeval_slo_set_backend(const sloeval_slo_set *set,
                                                                  size_t i);

/*
 * A backend's options (those of sloeval_prometheus_options) without
 * secrets: header values are never handed out, and secrets only as where
 * they are read from (a file path or an environment variable's name).
 * Strings are NULL when not set.
 */
SLOEVAL_EXPORT const char *sloeval_slo_backend_name(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_url(const sloeval_slo_backend *b);
/** Extra headers sent: their number, and the name of the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_slo_backend_header_count(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_header_name(const sloeval_slo_backend *b, size_t i);
/** X-Scope-OrgID, or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_backend_tenant(const sloeval_slo_backend *b);
SLOEVAL_EXPORT sloeval_slo_auth sloeval_slo_backend_auth(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_bearer_token_file(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_bearer_token_env(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_basic_username(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_basic_password_file(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_basic_password_env(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_tls_ca_file(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_tls_cert_file(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_tls_key_file(const sloeval_slo_backend *b);
SLOEVAL_EXPORT bool sloeval_slo_backend_tls_insecure_skip_verify(const sloeval_slo_backend *b);
SLOEVAL_EXPORT long sloeval_slo_backend_connect_timeout_ms(const sloeval_slo_backend *b);
/** One attempt. */
SLOEVAL_EXPORT long sloeval_slo_backend_timeout_ms(const sloeval_slo_backend *b);
/** Every attempt of one request. */
SLOEVAL_EXPORT long sloeval_slo_backend_total_timeout_ms(const sloeval_slo_backend *b);
SLOEVAL_EXPORT int sloeval_slo_backend_retries(const sloeval_slo_backend *b);
SLOEVAL_EXPORT long sloeval_slo_backend_retry_backoff_ms(const sloeval_slo_backend *b);
SLOEVAL_EXPORT long sloeval_slo_backend_retry_backoff_max_ms(const sloeval_slo_backend *b);
SLOEVAL_EXPORT uint64_t sloeval_slo_backend_max_response_bytes(const sloeval_slo_backend *b);
SLOEVAL_EXPORT int sloeval_slo_backend_parallelism(const sloeval_slo_backend *b);
SLOEVAL_EXPORT sloeval_compat sloeval_slo_backend_compat(const sloeval_slo_backend *b);
/** True: answers are asked for compressed (the default). */
SLOEVAL_EXPORT bool sloeval_slo_backend_compression(const sloeval_slo_backend *b);
/** True: the backend is Thanos Query (a `thanos` block was given). */
SLOEVAL_EXPORT bool sloeval_slo_backend_thanos(const sloeval_slo_backend *b);
SLOEVAL_EXPORT bool sloeval_slo_backend_thanos_partial_response(const sloeval_slo_backend *b);
/** -1 not sent, 0 dedup=false, 1 dedup=true. */
SLOEVAL_EXPORT int sloeval_slo_backend_thanos_dedup(const sloeval_slo_backend *b);
SLOEVAL_EXPORT size_t sloeval_slo_backend_thanos_replica_label_count(const sloeval_slo_backend *b);
SLOEVAL_EXPORT const char *sloeval_slo_backend_thanos_replica_label(const sloeval_slo_backend *b,
                                                                    size_t i);
/** "auto", a duration, or NULL. */
SLOEVAL_EXPORT const char *
sloeval_slo_backend_thanos_max_source_resolution(const sloeval_slo_backend *b);
/** "prometheus", "thanos", or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_backend_thanos_engine(const sloeval_slo_backend *b);
/** Where it was defined: the file, and 1-based line and column (either may be NULL). */
SLOEVAL_EXPORT const char *sloeval_slo_backend_location(const sloeval_slo_backend *b, int *line,
                                                        int *column);

/* ---- regions ------------------------------------------------------------- */

/** A region of a set (opaque, borrowed from the set). */
typedef struct sloeval_slo_region sloeval_slo_region;

/** The region label (`regions.label`), or NULL when the set has no regions. */
SLOEVAL_EXPORT const char *sloeval_slo_set_region_label(const sloeval_slo_set *set);
SLOEVAL_EXPORT size_t sloeval_slo_set_region_count(const sloeval_slo_set *set);
/** The i-th region (config order), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_region *sloeval_slo_set_region(const sloeval_slo_set *set,
                                                                size_t i);
SLOEVAL_EXPORT const char *sloeval_slo_region_name(const sloeval_slo_region *r);
/** The name of the backend that answers for the region. */
SLOEVAL_EXPORT const char *sloeval_slo_region_backend(const sloeval_slo_region *r);
/** True when that backend is `global` with <label>="<name>" injected. */
SLOEVAL_EXPORT bool sloeval_slo_region_injected(const sloeval_slo_region *r);

/* ---- policy -------------------------------------------------------------- */

/** One multiwindow rule: fires when the burn rate is above factor over both
 *  windows (opaque, borrowed from the set). */
typedef struct sloeval_slo_policy_rule sloeval_slo_policy_rule;

/** "sre-workbook" or "custom". */
SLOEVAL_EXPORT const char *sloeval_slo_set_policy_name(const sloeval_slo_set *set);
SLOEVAL_EXPORT size_t sloeval_slo_set_policy_rule_count(const sloeval_slo_set *set);
/** The i-th rule (policy order), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_policy_rule *
sloeval_slo_set_policy_rule(const sloeval_slo_set *set, size_t i);
SLOEVAL_EXPORT const char *sloeval_slo_policy_rule_severity(const sloeval_slo_policy_rule *r);
SLOEVAL_EXPORT int64_t sloeval_slo_policy_rule_long_ms(const sloeval_slo_policy_rule *r);
SLOEVAL_EXPORT int64_t sloeval_slo_policy_rule_short_ms(const sloeval_slo_policy_rule *r);
/** The burn-rate threshold. */
SLOEVAL_EXPORT double sloeval_slo_policy_rule_factor(const sloeval_slo_policy_rule *r);
/** Share of the period's budget spent in long_ms at `factor`, in percent. */
SLOEVAL_EXPORT double sloeval_slo_policy_rule_budget_percent(const sloeval_slo_policy_rule *r);

/** The distinct windows the policy needs, ascending: their number, and the
 *  i-th in ms (0 when i is out of range). */
SLOEVAL_EXPORT size_t sloeval_slo_set_window_count(const sloeval_slo_set *set);
SLOEVAL_EXPORT int64_t sloeval_slo_set_window_ms(const sloeval_slo_set *set, size_t i);

/* ---- SLOs and alerts ----------------------------------------------------- */

/** Scope bits. */
typedef enum sloeval_slo_scope {
    SLOEVAL_SLO_SCOPE_REGION = 1, /**< evaluated once per region */
    SLOEVAL_SLO_SCOPE_GLOBAL = 2, /**< evaluated once across all regions */
} sloeval_slo_scope;

typedef enum sloeval_slo_origin {
    SLOEVAL_SLO_ORIGIN_CONFIG = 1,
    SLOEVAL_SLO_ORIGIN_SLOTH = 2,
    SLOEVAL_SLO_ORIGIN_RULES = 3,
} sloeval_slo_origin;

typedef enum sloeval_slo_sli {
    SLOEVAL_SLO_SLI_EVENTS = 1, /**< error_query / total_query */
    SLOEVAL_SLO_SLI_RATIO = 2,  /**< error_ratio_query */
} sloeval_slo_sli;

/** Which query of an SLO's SLI. */
typedef enum sloeval_slo_query {
    SLOEVAL_SLO_QUERY_ERROR = 0, /**< error_query */
    SLOEVAL_SLO_QUERY_TOTAL = 1, /**< total_query */
    SLOEVAL_SLO_QUERY_RATIO = 2, /**< error_ratio_query */
} sloeval_slo_query;

/** An SLO of a set (opaque, borrowed from the set). */
typedef struct sloeval_slo sloeval_slo;

SLOEVAL_EXPORT size_t sloeval_slo_set_slo_count(const sloeval_slo_set *set);
/** The i-th SLO (file order, includes last), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo *sloeval_slo_set_slo(const sloeval_slo_set *set, size_t i);
/** The SLO with this id, or NULL. */
SLOEVAL_EXPORT const sloeval_slo *sloeval_slo_set_find_slo(const sloeval_slo_set *set,
                                                           const char *id);

/** "<service>-<name>", or the name without a service; unique in the set. */
SLOEVAL_EXPORT const char *sloeval_slo_id(const sloeval_slo *slo);
SLOEVAL_EXPORT const char *sloeval_slo_name(const sloeval_slo *slo);
/** Or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_service(const sloeval_slo *slo);
/** Or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_description(const sloeval_slo *slo);
/** The objective in percent, in (0, 100). */
SLOEVAL_EXPORT double sloeval_slo_objective(const sloeval_slo *slo);
/** The objective as written ("99.9"). */
SLOEVAL_EXPORT const char *sloeval_slo_objective_text(const sloeval_slo *slo);
/** 1 - objective / 100, rounded once from the decimal text. */
SLOEVAL_EXPORT double sloeval_slo_error_budget(const sloeval_slo *slo);
SLOEVAL_EXPORT sloeval_slo_sli sloeval_slo_sli_kind(const sloeval_slo *slo);
/** A query template as written ({{window}} placeholders), or NULL when the
 *  SLI has no such query. */
SLOEVAL_EXPORT const char *sloeval_slo_query_template(const sloeval_slo *slo,
                                                      sloeval_slo_query which);
/** sloeval_slo_scope bits. */
SLOEVAL_EXPORT unsigned sloeval_slo_scopes(const sloeval_slo *slo);
/** The SLO's labels: their number, and the i-th (NULL past the end). */
SLOEVAL_EXPORT size_t sloeval_slo_label_count(const sloeval_slo *slo);
SLOEVAL_EXPORT const sloeval_label *sloeval_slo_label(const sloeval_slo *slo, size_t i);
/** Policy severities that never fire for this SLO: their number, and the i-th. */
SLOEVAL_EXPORT size_t sloeval_slo_disabled_severity_count(const sloeval_slo *slo);
SLOEVAL_EXPORT const char *sloeval_slo_disabled_severity(const sloeval_slo *slo, size_t i);
/** Sloth's alerting.name, or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_alerting_name(const sloeval_slo *slo);
SLOEVAL_EXPORT sloeval_slo_origin sloeval_slo_origin_of(const sloeval_slo *slo);
/** Where it was defined: the file, and 1-based line and column (either may be NULL). */
SLOEVAL_EXPORT const char *sloeval_slo_location(const sloeval_slo *slo, int *line, int *column);
/** True: an error_query without series makes the SLO inconclusive
 *  (`empty_errors: inconclusive`); false: it counts as 0 errors (default). */
SLOEVAL_EXPORT bool sloeval_slo_empty_errors_inconclusive(const sloeval_slo *slo);

/**
 * The PromQL text of an SLO's query for one window: the template with
 * every placeholder replaced by the window in Prometheus's duration format
 * ("5m", "1h", "3d", "4w"). Writes at most size bytes (NUL included) to buf
 * and returns the full length, like snprintf; returns 0 when the SLO has no
 * such query.
 */
SLOEVAL_EXPORT size_t sloeval_slo_render_query(char *buf, size_t size, const sloeval_slo *slo,
                                               sloeval_slo_query which, int64_t window_ms);

/** An alert of a set (opaque, borrowed from the set). */
typedef struct sloeval_slo_alert sloeval_slo_alert;

SLOEVAL_EXPORT size_t sloeval_slo_set_alert_count(const sloeval_slo_set *set);
/** The i-th alert (file order), or NULL when i is out of range. */
SLOEVAL_EXPORT const sloeval_slo_alert *sloeval_slo_set_alert(const sloeval_slo_set *set, size_t i);
SLOEVAL_EXPORT const char *sloeval_slo_alert_name(const sloeval_slo_alert *a);
/** The rule group, or NULL. */
SLOEVAL_EXPORT const char *sloeval_slo_alert_group(const sloeval_slo_alert *a);
SLOEVAL_EXPORT const char *sloeval_slo_alert_expr(const sloeval_slo_alert *a);
/** 0: fires as soon as the expression returns a series. */
SLOEVAL_EXPORT int64_t sloeval_slo_alert_for_ms(const sloeval_slo_alert *a);
/** 0 when unset. */
SLOEVAL_EXPORT int64_t sloeval_slo_alert_keep_firing_for_ms(const sloeval_slo_alert *a);
/** Resolution of the `for` check. */
SLOEVAL_EXPORT int64_t sloeval_slo_alert_step_ms(const sloeval_slo_alert *a);
/** The rule group's query_offset, 0 when unset. */
SLOEVAL_EXPORT int64_t sloeval_slo_alert_query_offset_ms(const sloeval_slo_alert *a);
/** sloeval_slo_scope bits. */
SLOEVAL_EXPORT unsigned sloeval_slo_alert_scopes(const sloeval_slo_alert *a);
SLOEVAL_EXPORT size_t sloeval_slo_alert_label_count(const sloeval_slo_alert *a);
SLOEVAL_EXPORT const sloeval_label *sloeval_slo_alert_label(const sloeval_slo_alert *a, size_t i);
SLOEVAL_EXPORT size_t sloeval_slo_alert_annotation_count(const sloeval_slo_alert *a);
SLOEVAL_EXPORT const sloeval_label *sloeval_slo_alert_annotation(const sloeval_slo_alert *a,
                                                                 size_t i);
SLOEVAL_EXPORT sloeval_slo_origin sloeval_slo_alert_origin(const sloeval_slo_alert *a);
/** Where it was defined: the file, and 1-based line and column (either may be NULL). */
SLOEVAL_EXPORT const char *sloeval_slo_alert_location(const sloeval_slo_alert *a, int *line,
                                                      int *column);

#ifdef __cplusplus
}
#endif

#endif /* SLOEVAL_SLO_H */
